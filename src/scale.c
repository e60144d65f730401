/* Equilibration: powers of two that bring columns of extreme magnitude
 * (a control in units of 1e-160, weights of 1e300) near 1 before the
 * engine forms cross products, whose squares would otherwise underflow to
 * zero or overflow to Inf (an infinite coefficient, a column declared
 * collinear, an SE of 0 or NaN). Scaling by a power of two is exact, so R
 * scales back without rounding; columns within a safe window are left alone
 * (exponent 0), so ordinary data give bit-identical results. */
#include "smartdid.h"
#include <math.h>

#define SD_SAFE_EXP 64   /* |x| up to 2^64 and down to 2^-64 need nothing */

/* cols: a list of numeric (double, integer or logical) vectors; rows: NULL
 * or 1-based rows at which to read columns longer than rows. Returns one
 * integer per column: k such that 2^k max|x| lies in [0.5, 1) when max|x|
 * (over the finite values) is outside the safe window, else 0. */
SEXP sd_scale_exponents(SEXP cols, SEXP rows)
{
  if (TYPEOF(cols) != VECSXP) Rf_error("'cols' must be a list");
  if (!Rf_isNull(rows) && TYPEOF(rows) != INTSXP) Rf_error("'rows' must be NULL or integer");
  int k = Rf_length(cols);
  R_xlen_t nr = Rf_isNull(rows) ? 0 : XLENGTH(rows);
  const int *r = Rf_isNull(rows) ? NULL : INTEGER(rows);
  SEXP out = PROTECT(Rf_allocVector(INTSXP, k));
  for (int j = 0; j < k; j++) {
    SEXP c = VECTOR_ELT(cols, j);
    INTEGER(out)[j] = 0;
    if (TYPEOF(c) != REALSXP) continue;    /* integers and logicals are safe */
    const double *x = REAL(c);
    R_xlen_t n = XLENGTH(c);
    int gather = r && n != nr;
    R_xlen_t len = gather ? nr : n;
    double mx = 0;
    for (R_xlen_t i = 0; i < len; i++) {
      R_xlen_t at = i;
      if (gather) {
        if (r[i] < 1 || r[i] == NA_INTEGER || r[i] > n) Rf_error("'rows' out of range");
        at = r[i] - 1;
      }
      double a = fabs(x[at]);
      if (a > mx && a < HUGE_VAL) mx = a;
    }
    if (mx == 0) continue;
    int e;
    frexp(mx, &e);
    if (e > SD_SAFE_EXP || e < -SD_SAFE_EXP) INTEGER(out)[j] = -e;
  }
  UNPROTECT(1);
  return out;
}

/* Column sums of squares of an influence-function matrix, for att_gt()'s
 * analytic standard errors without an n x cells temporary. */
#include "smartdid.h"
#include "cs.h"

SEXP sd_colss(SEXP X)
{
  if (!Rf_isReal(X) || !Rf_isMatrix(X)) Rf_error("'X' must be a double matrix");
  size_t n = (size_t) Rf_nrows(X);
  int k = Rf_ncols(X);
  SEXP out = PROTECT(Rf_allocVector(REALSXP, k));
  const double *x = REAL(X);
  for (int j = 0; j < k; j++) {
    const double *c = x + n * j;
    double s0 = 0, s1 = 0;
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
      s0 += c[i] * c[i];
      s1 += c[i + 1] * c[i + 1];
    }
    if (i < n) s0 += c[i] * c[i];
    REAL(out)[j] = s0 + s1;
  }
  UNPROTECT(1);
  return out;
}

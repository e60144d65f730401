/* Multiplier bootstrap of averages of influence functions.
 *
 * Given the n x k matrix of influence functions psi (one row per unit or
 * cluster, one column per estimate), each draw b multiplies the rows by i.i.d.
 * weights v_i with mean 0 and variance 1 and returns
 *   draw[b, j] = (1/n) sum_i v_i psi[i, j],
 * the bootstrap deviation of estimate j. Weights: Mammen's two-point
 * distribution (type 1) or Rademacher signs (type 2). Random numbers come
 * from R's generator (GetRNGstate/unif_rand/PutRNGstate), so set.seed()
 * reproduces every draw; no threads are used. */
#include "smartdid.h"
#include <math.h>
#include <string.h>

/* Pure kernel: one set of weights applied to every column. */
static void mboot_draw(const double *psi, int n, int k, const double *v,
                       double *out, int B, int b)
{
  for (int j = 0; j < k; j++) {
    out[b + (size_t) j * B] = sd_dot(v, psi + (size_t) j * n, n) / n;
  }
}

SEXP sd_mboot(SEXP psi, SEXP biters, SEXP type)
{
  if (!Rf_isReal(psi) || !Rf_isMatrix(psi))
    Rf_error("'psi' must be a double matrix");
  int n = Rf_nrows(psi), k = Rf_ncols(psi);
  int B = Rf_asInteger(biters), ty = Rf_asInteger(type);
  if (B == NA_INTEGER || B < 1) Rf_error("'biters' must be a positive integer");
  if (ty != 1 && ty != 2) Rf_error("'type' must be 1 (Mammen) or 2 (Rademacher)");
  if (n < 1) Rf_error("'psi' must have at least one row");
  const double *p = REAL(psi);
  SEXP out = PROTECT(Rf_allocMatrix(REALSXP, B, k));
  double *o = REAL(out);
  double *v = (double *) R_alloc((size_t) n, sizeof(double));
  const double s5 = sqrt(5.0);
  const double lo = (1.0 - s5) / 2.0, hi = (1.0 + s5) / 2.0;
  const double p_lo = (s5 + 1.0) / (2.0 * s5);
  GetRNGstate();
  for (int b = 0; b < B; b++) {
    if (b % 64 == 0) R_CheckUserInterrupt();
    if (ty == 1) {
      for (int i = 0; i < n; i++) v[i] = unif_rand() < p_lo ? lo : hi;
    } else {
      for (int i = 0; i < n; i++) v[i] = unif_rand() < 0.5 ? -1.0 : 1.0;
    }
    mboot_draw(p, n, k, v, o, B, b);
  }
  PutRNGstate();
  UNPROTECT(1);
  return out;
}

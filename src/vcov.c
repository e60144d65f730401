/* The "meat" of sandwich variances on demeaned regressors X and residuals e:
 * clustered sum_g s_g s_g' with s_g = sum_{i in g} w_i x_i e_i, and the
 * heteroskedasticity-robust sum_i w_i^2 e_i^2 x_i x_i'. The small-sample
 * factors are applied in R, where the rules are chosen and reported. */
#include "smartdid.h"
#include <string.h>

SEXP sd_meat_cluster(SEXP X, SEXP e, SEXP w, SEXP cl, SEXP G)
{
  if (!Rf_isReal(X) || !Rf_isMatrix(X)) Rf_error("'X' must be a double matrix");
  int n = Rf_nrows(X), p = Rf_ncols(X), ng = Rf_asInteger(G);
  if (!Rf_isReal(e) || XLENGTH(e) != n) Rf_error("'e' must be a double vector of length %d", n);
  if (TYPEOF(cl) != INTSXP || XLENGTH(cl) != n) Rf_error("'cl' must be an integer vector of length %d", n);
  if (!Rf_isNull(w) && (!Rf_isReal(w) || XLENGTH(w) != n))
    Rf_error("'w' must be NULL or a double vector of length %d", n);
  if (ng == NA_INTEGER || ng < 1) Rf_error("'G' must be a positive integer");
  const double *x = REAL(X), *ee = REAL(e), *ww = Rf_isNull(w) ? NULL : REAL(w);
  const int *c = INTEGER(cl);
  for (int i = 0; i < n; i++)
    if (c[i] < 1 || c[i] > ng) Rf_error("cluster codes must lie in 1..%d", ng);

  /* scores: G x p, stored by cluster (row g holds s_g), accumulated row by
   * row: the p sums of a row are independent, and rows of one cluster,
   * usually adjacent, then add into the same cached row of S */
  double *S = (double *) R_alloc((size_t) ng * p + 1, sizeof(double));
  memset(S, 0, sizeof(double) * ng * p);
  /* no n-long temporary for w * e: large fits are bound by memory */
  for (int i = 0; i < n; i++) {
    double u = ww ? ww[i] * ee[i] : ee[i];
    double *Sg = S + (size_t) (c[i] - 1) * p;
    for (int j = 0; j < p; j++) Sg[j] += x[(size_t) j * n + i] * u;
  }
  SEXP out = PROTECT(Rf_allocMatrix(REALSXP, p, p));
  double *m = REAL(out);
  for (int j = 0; j < p * p; j++) m[j] = 0;
  for (int g = 0; g < ng; g++) {
    const double *Sg = S + (size_t) g * p;
    for (int j = 0; j < p; j++)
      for (int k = 0; k <= j; k++) m[j + k * p] += Sg[j] * Sg[k];
  }
  for (int j = 0; j < p; j++)
    for (int k = 0; k < j; k++) m[k + j * p] = m[j + k * p];
  UNPROTECT(1);
  return out;
}

SEXP sd_meat_hc(SEXP X, SEXP e, SEXP w)
{
  if (!Rf_isReal(X) || !Rf_isMatrix(X)) Rf_error("'X' must be a double matrix");
  int n = Rf_nrows(X), p = Rf_ncols(X);
  if (!Rf_isReal(e) || XLENGTH(e) != n) Rf_error("'e' must be a double vector of length %d", n);
  if (!Rf_isNull(w) && (!Rf_isReal(w) || XLENGTH(w) != n))
    Rf_error("'w' must be NULL or a double vector of length %d", n);
  const double *x = REAL(X), *ee = REAL(e), *ww = Rf_isNull(w) ? NULL : REAL(w);
  double *u2 = (double *) R_alloc((size_t) n + 1, sizeof(double));
  for (int i = 0; i < n; i++) {
    double u = ww ? ww[i] * ee[i] : ee[i];
    u2[i] = u * u;
  }
  SEXP out = PROTECT(Rf_allocMatrix(REALSXP, p, p));
  /* sum_i u_i^2 x_i x_i': the cross products of X weighted by u^2, in row
   * blocks (one pass over X) */
  sd_cross_products(x, NULL, u2, n, p, REAL(out), NULL);
  UNPROTECT(1);
  return out;
}

/* Least squares on demeaned data: X'WX and X'Wy accumulated in one pass,
 * a Cholesky factorisation that drops (exactly or nearly) collinear columns
 * in order, the inverse of the kept block (the "bread"), the coefficients and
 * the residuals. */
#include "smartdid.h"
#include <math.h>
#include <string.h>

/* Cholesky of the symmetric p x p matrix a (column major) with sequential
 * dropping of columns whose pivot falls below tol times their diagonal.
 * On return a holds the inverse of the kept block (zeros elsewhere) and
 * keep[j] says whether column j was kept. Returns the rank. */
int sd_chol_inverse(double *a, int p, double tol, int *keep)
{
  double *L = (double *) R_alloc((size_t) p * p, sizeof(double));
  memset(L, 0, sizeof(double) * p * p);
  int rank = 0;
  for (int j = 0; j < p; j++) {
    double d = a[j + j * p];
    for (int k = 0; k < j; k++) if (keep[k]) d -= L[j + k * p] * L[j + k * p];
    keep[j] = a[j + j * p] > 0 && d > tol * a[j + j * p];
    if (!keep[j]) continue;
    rank++;
    d = sqrt(d);
    L[j + j * p] = d;
    for (int i = j + 1; i < p; i++) {
      double s = a[i + j * p];
      for (int k = 0; k < j; k++) if (keep[k]) s -= L[i + k * p] * L[j + k * p];
      L[i + j * p] = s / d;
    }
  }
  /* inverse of L (lower triangular) on the kept indices, then L^-T L^-1 */
  double *Li = (double *) R_alloc((size_t) p * p, sizeof(double));
  memset(Li, 0, sizeof(double) * p * p);
  for (int j = 0; j < p; j++) {
    if (!keep[j]) continue;
    Li[j + j * p] = 1.0 / L[j + j * p];
    for (int i = j + 1; i < p; i++) {
      if (!keep[i]) continue;
      double s = 0;
      for (int k = j; k < i; k++) if (keep[k]) s += L[i + k * p] * Li[k + j * p];
      Li[i + j * p] = -s / L[i + i * p];
    }
  }
  for (int j = 0; j < p; j++)
    for (int i = j; i < p; i++) {
      double s = 0;
      if (keep[i] && keep[j])
        for (int k = i; k < p; k++) s += Li[k + i * p] * Li[k + j * p];
      a[i + j * p] = s;
      a[j + i * p] = s;
    }
  return rank;
}

/* X'WX (full symmetric) and, with y, X'Wy in row blocks, so that each block
 * of all columns stays in cache while every pair of columns is multiplied:
 * one pass over memory instead of one per pair. */
#define SD_BLOCK 256
void sd_cross_products(const double *x, const double *y, const double *w,
                       int n, int p, double *xtx, double *xty)
{
  memset(xtx, 0, sizeof(double) * p * p);
  if (y) memset(xty, 0, sizeof(double) * p);
  double wx[SD_BLOCK];
  for (int lo = 0; lo < n; lo += SD_BLOCK) {
    int len = n - lo < SD_BLOCK ? n - lo : SD_BLOCK;
    for (int j = 0; j < p; j++) {
      const double *xj = x + (size_t) j * n + lo;
      if (w) for (int i = 0; i < len; i++) wx[i] = w[lo + i] * xj[i];
      else   for (int i = 0; i < len; i++) wx[i] = xj[i];
      /* four columns k at a time: four independent sums per pass over the
       * block, each vectorised by the simd reduction (which may add in
       * any order) */
      int k = 0;
      for (; k + 3 <= j; k += 4) {
        const double *x0 = x + (size_t) k * n + lo, *x1 = x0 + n, *x2 = x1 + n,
          *x3 = x2 + n;
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
#pragma omp simd reduction(+:a0,a1,a2,a3)
        for (int i = 0; i < len; i++) {
          a0 += wx[i] * x0[i]; a1 += wx[i] * x1[i];
          a2 += wx[i] * x2[i]; a3 += wx[i] * x3[i];
        }
        xtx[j + k * p] += a0;
        xtx[j + (k + 1) * p] += a1;
        xtx[j + (k + 2) * p] += a2;
        xtx[j + (k + 3) * p] += a3;
      }
      for (; k <= j; k++) {
        const double *xk = x + (size_t) k * n + lo;
        double s0 = 0;
#pragma omp simd reduction(+:s0)
        for (int i = 0; i < len; i++) s0 += wx[i] * xk[i];
        xtx[j + k * p] += s0;
      }
      if (y) {
        double s = 0;
        for (int i = 0; i < len; i++) s += wx[i] * y[lo + i];
        xty[j] += s;
      }
    }
  }
  for (int j = 0; j < p; j++)
    for (int k = 0; k < j; k++) xtx[k + j * p] = xtx[j + k * p];
}

SEXP sd_ols(SEXP X, SEXP y, SEXP w, SEXP tol)
{
  if (!Rf_isReal(X) || !Rf_isMatrix(X)) Rf_error("'X' must be a double matrix");
  int n = Rf_nrows(X), p = Rf_ncols(X);
  if (!Rf_isReal(y) || XLENGTH(y) != n) Rf_error("'y' must be a double vector of length %d", n);
  if (!Rf_isNull(w) && (!Rf_isReal(w) || XLENGTH(w) != n))
    Rf_error("'w' must be NULL or a double vector of length %d", n);
  const double *x = REAL(X), *yy = REAL(y), *ww = Rf_isNull(w) ? NULL : REAL(w);
  int nprotect = 0;

  double *xtx = (double *) R_alloc((size_t) p * p + 1, sizeof(double));
  double *xty = (double *) R_alloc((size_t) p + 1, sizeof(double));
  sd_cross_products(x, yy, ww, n, p, xtx, xty);
  int *keep = (int *) R_alloc((size_t) p + 1, sizeof(int));
  int rank = sd_chol_inverse(xtx, p, Rf_asReal(tol), keep);

  SEXP coef = PROTECT(Rf_allocVector(REALSXP, p)); nprotect++;
  SEXP bread = PROTECT(Rf_allocMatrix(REALSXP, p, p)); nprotect++;
  SEXP resid = PROTECT(Rf_allocVector(REALSXP, n)); nprotect++;
  sd_hugepages(REAL(resid), sizeof(double) * (size_t) n);
  SEXP kept = PROTECT(Rf_allocVector(LGLSXP, p)); nprotect++;
  double *b = REAL(coef), *e = REAL(resid);
  memcpy(REAL(bread), xtx, sizeof(double) * p * p);
  for (int j = 0; j < p; j++) {
    LOGICAL(kept)[j] = keep[j];
    double s = 0;
    for (int k = 0; k < p; k++) s += xtx[j + k * p] * xty[k];
    b[j] = keep[j] ? s : NA_REAL;
  }
  /* residuals in row blocks: the block of e stays in cache while each
   * column is subtracted (one pass over e instead of one per column) */
  for (int lo = 0; lo < n; lo += 2048) {
    int len = n - lo < 2048 ? n - lo : 2048;
    double *eb = e + lo;
    memcpy(eb, yy + lo, sizeof(double) * len);
    for (int j = 0; j < p; j++) {
      if (!keep[j]) continue;
      const double *xj = x + (size_t) j * n + lo;
      double bj = b[j];
#pragma omp simd
      for (int i = 0; i < len; i++) eb[i] -= bj * xj[i];
    }
  }
  const char *names[] = {"coefficients", "bread", "residuals", "keep", "rank", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names)); nprotect++;
  SET_VECTOR_ELT(out, 0, coef);
  SET_VECTOR_ELT(out, 1, bread);
  SET_VECTOR_ELT(out, 2, resid);
  SET_VECTOR_ELT(out, 3, kept);
  SET_VECTOR_ELT(out, 4, Rf_ScalarInteger(rank));
  UNPROTECT(nprotect);
  return out;
}

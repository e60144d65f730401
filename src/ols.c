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

/* X'WX (lower triangle) and, with y, X'Wy of rows lo..hi-1 added into xtx
 * and xty, in row blocks, so that each block of all columns stays in cache
 * while every pair of columns is multiplied: one pass over memory instead
 * of one per pair. x is column major with n rows. */
#define SD_BLOCK 256
static void cross_range(const double *x, const double *y, const double *w,
                        int n, int lo0, int hi, int p, double *xtx, double *xty)
{
  double wx[SD_BLOCK];
  for (int lo = lo0; lo < hi; lo += SD_BLOCK) {
    int len = hi - lo < SD_BLOCK ? hi - lo : SD_BLOCK;
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
}

static void symmetrise(double *xtx, int p)
{
  for (int j = 0; j < p; j++)
    for (int k = 0; k < j; k++) xtx[k + j * p] = xtx[j + k * p];
}

/* X'WX (full symmetric) and, with y, X'Wy. */
void sd_cross_products(const double *x, const double *y, const double *w,
                       int n, int p, double *xtx, double *xty)
{
  memset(xtx, 0, sizeof(double) * p * p);
  if (y) memset(xty, 0, sizeof(double) * p);
  cross_range(x, y, w, n, 0, n, p, xtx, xty);
  symmetrise(xtx, p);
}

/* The same in a fixed number of chunks of rows summed in order, the chunks
 * shared among threads: the result does not depend on the thread count. */
#define SD_CHUNKS 16
static void cross_products_chunked(const double *x, const double *y,
                                   const double *w, int n, int p, double *xtx,
                                   double *xty, int nthreads)
{
  int nch = n >= 100000 ? SD_CHUNKS : 1;
  size_t one = (size_t) p * p + p;
  double *part = (double *) R_alloc((size_t) nch * one, sizeof(double));
  memset(part, 0, sizeof(double) * nch * one);
  int step = ((n / nch + SD_BLOCK - 1) / SD_BLOCK) * SD_BLOCK;
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1)
  for (int c = 0; c < nch; c++) {
    int lo = c * step, hi = c == nch - 1 ? n : (c + 1) * step;
    if (hi > n) hi = n;
    if (lo < hi) cross_range(x, y, w, n, lo, hi, p, part + c * one, part + c * one + (size_t) p * p);
  }
  memset(xtx, 0, sizeof(double) * p * p);
  memset(xty, 0, sizeof(double) * p);
  for (int c = 0; c < nch; c++) {
    for (int j = 0; j < p * p; j++) xtx[j] += part[c * one + j];
    for (int j = 0; j < p; j++) xty[j] += part[c * one + (size_t) p * p + j];
  }
  symmetrise(xtx, p);
}

/* Least squares; with cluster codes cl (1..G), also the clustered meat
 * sum_g s_g s_g' (s_g = sum_{i in g} w_i e_i x_i) over all p columns,
 * accumulated in the same pass over X as the residuals. `chunked`: cross
 * products in fixed chunks shared among nthreads threads. */
static SEXP ols_core(SEXP X, SEXP y, SEXP w, SEXP tol, SEXP cl, int ng,
                     int chunked, int nthreads)
{
  if (!Rf_isReal(X) || !Rf_isMatrix(X)) Rf_error("'X' must be a double matrix");
  int n = Rf_nrows(X), p = Rf_ncols(X);
  if (!Rf_isReal(y) || XLENGTH(y) != n) Rf_error("'y' must be a double vector of length %d", n);
  if (!Rf_isNull(w) && (!Rf_isReal(w) || XLENGTH(w) != n))
    Rf_error("'w' must be NULL or a double vector of length %d", n);
  const int *cc = NULL;
  if (!Rf_isNull(cl)) {
    if (TYPEOF(cl) != INTSXP || XLENGTH(cl) != n)
      Rf_error("'cl' must be an integer vector of length %d", n);
    if (ng == NA_INTEGER || ng < 1) Rf_error("'G' must be a positive integer");
    cc = INTEGER(cl);
  }
  const double *x = REAL(X), *yy = REAL(y), *ww = Rf_isNull(w) ? NULL : REAL(w);
  int nprotect = 0;

  double *xtx = (double *) R_alloc((size_t) p * p + 1, sizeof(double));
  double *xty = (double *) R_alloc((size_t) p + 1, sizeof(double));
  if (chunked) cross_products_chunked(x, yy, ww, n, p, xtx, xty, nthreads);
  else sd_cross_products(x, yy, ww, n, p, xtx, xty);
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
  double *S = NULL;
  if (cc) {
    S = (double *) R_alloc((size_t) ng * p + 1, sizeof(double));
    memset(S, 0, sizeof(double) * ng * p);
  }
  /* residuals in row blocks: the block of e stays in cache while each
   * column is subtracted (one pass over e instead of one per column); the
   * cluster scores of the block are added while its rows of X are cached */
  int bad = 0;
  for (int lo = 0; lo < n && !bad; lo += 2048) {
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
    if (!cc) continue;
    for (int i = lo; i < lo + len; i++) {
      int g = cc[i];
      if (g < 1 || g > ng) { bad = 1; break; }
      double u = ww ? ww[i] * e[i] : e[i];
      double *Sg = S + (size_t) (g - 1) * p;
      for (int j = 0; j < p; j++) Sg[j] += x[(size_t) j * n + i] * u;
    }
  }
  if (bad) Rf_error("cluster codes must lie in 1..%d", ng);
  const char *names[] = {"coefficients", "bread", "residuals", "keep", "rank",
                         cc ? "meat" : "", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names)); nprotect++;
  SET_VECTOR_ELT(out, 0, coef);
  SET_VECTOR_ELT(out, 1, bread);
  SET_VECTOR_ELT(out, 2, resid);
  SET_VECTOR_ELT(out, 3, kept);
  SET_VECTOR_ELT(out, 4, Rf_ScalarInteger(rank));
  if (cc) {
    SEXP meat = Rf_allocMatrix(REALSXP, p, p);
    SET_VECTOR_ELT(out, 5, meat);
    double *m = REAL(meat);
    for (int j = 0; j < p * p; j++) m[j] = 0;
    for (int g = 0; g < ng; g++) {
      const double *Sg = S + (size_t) g * p;
      for (int j = 0; j < p; j++)
        for (int k = 0; k <= j; k++) m[j + k * p] += Sg[j] * Sg[k];
    }
    symmetrise(m, p);
  }
  UNPROTECT(nprotect);
  return out;
}

SEXP sd_ols(SEXP X, SEXP y, SEXP w, SEXP tol)
{
  return ols_core(X, y, w, tol, R_NilValue, 0, 0, 1);
}

/* sd_ols() for smartdid(): cross products in fixed chunks on nthreads
 * threads and, with cluster codes cl (1..G, or NULL), the clustered meat
 * (element "meat", over all columns) from the same pass as the residuals. */
SEXP sd_ols_meat(SEXP X, SEXP y, SEXP w, SEXP tol, SEXP cl, SEXP G, SEXP nthreads)
{
  int n = Rf_isMatrix(X) ? Rf_nrows(X) : 0, p = Rf_isMatrix(X) ? Rf_ncols(X) : 0;
  int nt = sd_nthreads(nthreads, (int) fmin((double) n * p, 2e9));
  return ols_core(X, y, w, tol, cl, Rf_isNull(cl) ? 0 : Rf_asInteger(G), 1, nt);
}

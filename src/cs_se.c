/* Column sums of squares of an influence-function matrix, for att_gt()'s
 * analytic standard errors without an n x cells temporary; and the outcome
 * columns of the kernels. */
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

/* The outcome columns of att_gt()'s kernels: Y is an n x m double matrix or
 * a list of m double vectors of length n (cs_data() keeps the data's
 * columns so, without copies). Sets *m; an R_alloc'ed array of pointers. */
const double **sd_cs_ycols(SEXP Y, R_xlen_t n, int *m)
{
  if (Rf_isReal(Y) && Rf_isMatrix(Y)) {
    if (Rf_nrows(Y) != n) Rf_error("'Y' must have one row per row of the data");
    *m = Rf_ncols(Y);
  } else if (TYPEOF(Y) == VECSXP) {
    *m = (int) XLENGTH(Y);
    for (int j = 0; j < *m; j++) {
      SEXP c = VECTOR_ELT(Y, j);
      if (!Rf_isReal(c) || XLENGTH(c) != n)
        Rf_error("'Y' must hold double columns with one value per row");
    }
  } else {
    Rf_error("'Y' must be a double matrix or a list of double columns");
  }
  if (*m < 1) Rf_error("'Y' must have at least one column");
  const double **yc = (const double **) R_alloc((size_t) *m, sizeof(double *));
  for (int j = 0; j < *m; j++)
    yc[j] = TYPEOF(Y) == VECSXP ? REAL(VECTOR_ELT(Y, j)) : REAL(Y) + (size_t) n * j;
  return yc;
}

/* The cluster codes of att_gt()'s kernels: NULL (the units are the
 * clusters; *G = 0) or an integer code in 1..N per unit, checked; sets *G
 * to the largest code. */
const int *sd_cs_clusters(SEXP clus, int N, int *G)
{
  *G = 0;
  if (Rf_isNull(clus)) return NULL;
  if (!Rf_isInteger(clus) || XLENGTH(clus) != N)
    Rf_error("'clus' must be NULL or an integer code per unit");
  const int *cl = INTEGER(clus);
  for (int i = 0; i < N; i++) {
    if (cl[i] < 1 || cl[i] > N) Rf_error("unit %d has a cluster code out of range", i + 1);
    if (cl[i] > *G) *G = cl[i];
  }
  return cl;
}

/* The wild cluster bootstrap's pass over the rows (R/boottest_parts.R): all
 * the group sums a hypothesis needs, in one pass, the rows taken in chunks
 * so that each is read from memory once.
 *
 * Per row i, with weight w_i (1 without weights), the "factors"
 *   f_0 = 1, f_1 = u_i (the residual), f_{1+q} = z_iq = X_i' QR_q,
 * z computed on the fly. Two kinds of sums:
 *   x-jobs (code, G, a):    G x k, row g = sum_{i in g} w_i f_a(i) X_i
 *   s-jobs (code, G, a, b, weighted): G, entry g = sum_{i in g} [w_i] f_a(i) f_b(i)
 * (the factor f_0 = 1 with weighted = 0 counts the rows).
 * Codes are 1-based. Returns list(z = n x mz, x = list, s = list). */
#include "smartdid.h"
#include "boottest.h"
#include <string.h>

#define BT_CHUNK 1024

/* codes: list of 1-based integer code vectors (shared by the jobs);
 * xj: integer matrix 3 x nx, columns (code, G, a); sj: integer matrix
 * 5 x ns, columns (code, G, a, b, weighted), code the 1-based entry of
 * `codes`. */
SEXP sd_boottest_gsums(SEXP X, SEXP w, SEXP u, SEXP QR, SEXP codes, SEXP jobs)
{
  if (!Rf_isReal(X) || !Rf_isMatrix(X)) Rf_error("'X' must be a double matrix");
  R_xlen_t n = Rf_nrows(X);
  int k = Rf_ncols(X);
  if (!Rf_isNull(w) && (!Rf_isReal(w) || Rf_xlength(w) != n))
    Rf_error("'w' must be NULL or one weight per row");
  if (!Rf_isNull(u) && (!Rf_isReal(u) || Rf_xlength(u) != n))
    Rf_error("'u' must be NULL or one residual per row");
  if (!Rf_isReal(QR) || !Rf_isMatrix(QR) || Rf_nrows(QR) != k)
    Rf_error("'QR' must be a double matrix with one row per column of 'X'");
  int mz = Rf_ncols(QR);
  if (!Rf_isNewList(codes) || !Rf_isNewList(jobs) || Rf_length(jobs) != 2)
    Rf_error("'codes' must be a list and 'jobs' list(x, s)");
  SEXP xj = VECTOR_ELT(jobs, 0), sj = VECTOR_ELT(jobs, 1);
  if (!Rf_isInteger(xj) || !Rf_isMatrix(xj) || Rf_nrows(xj) != 3 ||
      !Rf_isInteger(sj) || !Rf_isMatrix(sj) || Rf_nrows(sj) != 5)
    Rf_error("'jobs' must hold integer matrices of 3 and 5 rows");
  int nx = Rf_ncols(xj), ns = Rf_ncols(sj), ncodes = Rf_length(codes);
  const int *pxj = INTEGER(xj), *psj = INTEGER(sj);
  const double *px = REAL(X), *pw = Rf_isNull(w) ? NULL : REAL(w),
    *pu = Rf_isNull(u) ? NULL : REAL(u), *pq = REAL(QR);
  /* every code vector: its length and range (the largest G it serves) */
  int *Gmax = (int *) R_alloc(ncodes > 0 ? ncodes : 1, sizeof(int));
  for (int e = 0; e < ncodes; e++) Gmax[e] = 0;
  for (int j = 0; j < nx + ns; j++) {
    const int *jb = j < nx ? pxj + 3 * j : psj + 5 * (j - nx);
    int e = jb[0] - 1, G = jb[1], a = jb[2], b = j < nx ? 0 : jb[3];
    if (e < 0 || e >= ncodes || G < 1) Rf_error("job %d: bad code or G", j + 1);
    if (a < 0 || a > 1 + mz || b < 0 || b > 1 + mz || ((a == 1 || b == 1) && !pu))
      Rf_error("job %d: bad factor", j + 1);
    if (Gmax[e] < G) Gmax[e] = G;
  }
  for (int e = 0; e < ncodes; e++) {
    if (Gmax[e] == 0) continue;
    SEXP g = VECTOR_ELT(codes, e);
    if (!Rf_isInteger(g) || Rf_xlength(g) != n)
      Rf_error("code %d must be an integer vector with one code per row", e + 1);
    const int *pg = INTEGER(g);
    for (R_xlen_t i = 0; i < n; i++)
      if (pg[i] < 1 || pg[i] > Gmax[e])
        Rf_error("code %d is outside its range at row %lld", e + 1, (long long) i + 1);
  }
  SEXP zs = PROTECT(Rf_allocMatrix(REALSXP, (int) n, mz));
  SEXP xo = PROTECT(Rf_allocVector(VECSXP, nx));
  SEXP so = PROTECT(Rf_allocVector(VECSXP, ns));
  double **xout = (double **) R_alloc(nx > 0 ? nx : 1, sizeof(double *));
  double **sout = (double **) R_alloc(ns > 0 ? ns : 1, sizeof(double *));
  for (int j = 0; j < nx; j++) {
    int G = pxj[3 * j + 1];
    SET_VECTOR_ELT(xo, j, Rf_allocMatrix(REALSXP, G, k));
    xout[j] = REAL(VECTOR_ELT(xo, j));
    memset(xout[j], 0, sizeof(double) * (size_t) G * k);
  }
  for (int j = 0; j < ns; j++) {
    int G = psj[5 * j + 1];
    SET_VECTOR_ELT(so, j, Rf_allocVector(REALSXP, G));
    sout[j] = REAL(VECTOR_ELT(so, j));
    memset(sout[j], 0, sizeof(double) * (size_t) G);
  }
  double *pz = REAL(zs);
  /* the chunk's weighted factors: fw[a] = w f_a (a = 0 .. 1 + mz) */
  double *fw = (double *) R_alloc((size_t) BT_CHUNK * (2 + mz), sizeof(double));
  double *acc = (double *) R_alloc(k > 0 ? k : 1, sizeof(double));
  double *xt = (double *) R_alloc((size_t) BT_CHUNK * (k > 0 ? k : 1), sizeof(double));
  for (R_xlen_t i0 = 0; i0 < n; i0 += BT_CHUNK) {
    int nc = n - i0 < BT_CHUNK ? (int) (n - i0) : BT_CHUNK;
    if ((i0 / BT_CHUNK) % 256 == 0) R_CheckUserInterrupt();
    /* the chunk's rows of X, row-major (each row's k values together) */
    for (int l = 0; l < k; l++) {
      const double *x = px + (size_t) n * l + i0;
      for (int i = 0; i < nc; i++) xt[(size_t) k * i + l] = x[i];
    }
    for (int q = 0; q < mz; q++) {
      double *z = pz + (size_t) n * q + i0;
      for (int i = 0; i < nc; i++) z[i] = 0;
      for (int l = 0; l < k; l++) {
        const double *x = px + (size_t) n * l + i0;
        double c = pq[(size_t) k * q + l];
        for (int i = 0; i < nc; i++) z[i] += x[i] * c;
      }
    }
    double *f0 = fw;
    for (int i = 0; i < nc; i++) f0[i] = pw ? pw[i0 + i] : 1.0;
    if (pu) for (int i = 0; i < nc; i++) fw[BT_CHUNK + i] = f0[i] * pu[i0 + i];
    for (int q = 0; q < mz; q++) {
      const double *z = pz + (size_t) n * q + i0;
      double *fq = fw + (size_t) BT_CHUNK * (2 + q);
      for (int i = 0; i < nc; i++) fq[i] = f0[i] * z[i];
    }
    /* x-jobs: rows of one group come in runs (units sorted by id within
     * clusters): sums of a run are kept in acc and added to the group's
     * row of xout once (row-major, G x k) when the run ends */
    for (int j = 0; j < nx; j++) {
      const int *g = INTEGER(VECTOR_ELT(codes, pxj[3 * j] - 1)) + i0;
      const double *fa = fw + (size_t) BT_CHUNK * pxj[3 * j + 2];
      double *o = xout[j];
      int cur = g[0];
      for (int l = 0; l < k; l++) acc[l] = 0;
      for (int i = 0; i < nc; i++) {
        if (g[i] != cur) {
          double *oc = o + (size_t) k * (cur - 1);
          for (int l = 0; l < k; l++) {
            oc[l] += acc[l];
            acc[l] = 0;
          }
          cur = g[i];
        }
        double f = fa[i];
        const double *xi = xt + (size_t) k * i;
        for (int l = 0; l < k; l++) acc[l] += xi[l] * f;
      }
      double *oc = o + (size_t) k * (cur - 1);
      for (int l = 0; l < k; l++) oc[l] += acc[l];
    }
    for (int j = 0; j < ns; j++) {
      const int *jb = psj + 5 * j;
      const int *g = INTEGER(VECTOR_ELT(codes, jb[0] - 1)) + i0;
      int a = jb[2], b = jb[3], wt = jb[4] != 0;
      /* the row's term: w f_a f_b, or f_a f_b unweighted (f_0 = 1) */
      const double *fa = wt ? fw + (size_t) BT_CHUNK * a :
        a == 0 ? NULL : a == 1 ? pu + i0 : pz + (size_t) n * (a - 2) + i0;
      const double *fb = b == 0 ? NULL : b == 1 ? pu + i0 : pz + (size_t) n * (b - 2) + i0;
      double *o = sout[j] - 1, run = 0;
      int cur = g[0];
      for (int i = 0; i < nc; i++) {
        if (g[i] != cur) {
          o[cur] += run;
          run = 0;
          cur = g[i];
        }
        run += (fa ? fa[i] : 1.0) * (fb ? fb[i] : 1.0);
      }
      o[cur] += run;
    }
  }
  /* xout row-major (G x k) to R's column-major */
  size_t big = 1;
  for (int j = 0; j < nx; j++)
    if ((size_t) pxj[3 * j + 1] * k > big) big = (size_t) pxj[3 * j + 1] * k;
  double *tmp = (double *) R_alloc(big, sizeof(double));
  for (int j = 0; j < nx; j++) {
    int G = pxj[3 * j + 1];
    size_t sz = (size_t) G * k;
    memcpy(tmp, xout[j], sizeof(double) * sz);
    for (int g = 0; g < G; g++)
      for (int l = 0; l < k; l++) xout[j][(size_t) G * l + g] = tmp[(size_t) k * g + l];
  }
  const char *names[] = {"z", "x", "s", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SET_VECTOR_ELT(out, 0, zs);
  SET_VECTOR_ELT(out, 1, xo);
  SET_VECTOR_ELT(out, 2, so);
  UNPROTECT(4);
  return out;
}

/* Is each fixed effect of `fe` (a list of 1-based codes with nlev levels)
 * nested in the clusters `cl` (every level within one cluster)? One pass
 * per fixed effect. */
SEXP sd_boottest_nested(SEXP fe, SEXP nlev, SEXP cl)
{
  if (!Rf_isNewList(fe) || !Rf_isInteger(nlev) || Rf_length(nlev) != Rf_length(fe) ||
      !Rf_isInteger(cl))
    Rf_error("'fe' must be a list of integer codes, 'nlev' their levels, 'cl' codes");
  R_xlen_t n = Rf_xlength(cl);
  int nf = Rf_length(fe);
  const int *pc = INTEGER(cl);
  SEXP out = PROTECT(Rf_allocVector(LGLSXP, nf));
  for (int f = 0; f < nf; f++) {
    SEXP g = VECTOR_ELT(fe, f);
    int L = INTEGER(nlev)[f];
    if (!Rf_isInteger(g) || Rf_xlength(g) != n || L < 1)
      Rf_error("fixed effect %d must have one integer code per row", f + 1);
    const int *pg = INTEGER(g);
    int *first = (int *) R_alloc((size_t) L, sizeof(int));
    for (int l = 0; l < L; l++) first[l] = NA_INTEGER;
    int ok = 1;
    for (R_xlen_t i = 0; i < n && ok; i++) {
      int l = pg[i] - 1;
      if (l < 0 || l >= L) Rf_error("fixed effect %d has a code outside 1..%d", f + 1, L);
      if (first[l] == NA_INTEGER) first[l] = pc[i];
      else ok = first[l] == pc[i];
    }
    LOGICAL(out)[f] = ok;
  }
  UNPROTECT(1);
  return out;
}

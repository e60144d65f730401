/* Absorbing fixed effects: replace each column by its residual from a
 * (weighted) regression on the fixed-effect dummies.
 *
 * Three exact-or-converged strategies, chosen per call:
 *  - balanced two-way panel without weights: the closed form
 *    x - mean_unit - mean_period + grand mean (one pass to sum, one to write);
 *  - any other two-way case: the unit effects are concentrated out and the
 *    period effects solved exactly from a small periods-by-periods system
 *    factorised once (no iteration, exact to rounding);
 *  - three or more fixed effects, or a disconnected two-way panel:
 *    alternating projections with Irons-Tuck acceleration.
 */
#include "smartdid.h"
#include <math.h>
#include <string.h>

#define SD_MAX_EXACT_LEVELS 2000

int sd_nthreads(SEXP nthreads, int work)
{
  int nt = Rf_asInteger(nthreads);
  if (nt == NA_INTEGER || nt < 1 || work < 100000) return 1;  /* too small to share */
#ifdef _OPENMP
  int procs = omp_get_num_procs();
  if (nt > procs) nt = procs;
#else
  nt = 1;
#endif
  return nt;
}

/* ---- helpers on one fixed effect --------------------------------------- */

static void group_totals(const int *code, int nlev, const double *w, int n,
                         double *tot)
{
  memset(tot, 0, sizeof(double) * nlev);
  if (w) for (int i = 0; i < n; i++) tot[code[i]] += w[i];
  else   for (int i = 0; i < n; i++) tot[code[i]] += 1.0;
}

/* x <- x - weighted group mean of x; sum[] is scratch of length nlev. */
static void sweep_one(double *x, const int *code, int nlev, const double *w,
                      const double *tot, int n, double *sum)
{
  memset(sum, 0, sizeof(double) * nlev);
  if (w) for (int i = 0; i < n; i++) sum[code[i]] += w[i] * x[i];
  else   for (int i = 0; i < n; i++) sum[code[i]] += x[i];
  for (int g = 0; g < nlev; g++) if (tot[g] > 0) sum[g] /= tot[g];
  for (int i = 0; i < n; i++) x[i] -= sum[code[i]];
}

/* ---- balanced two-way closed form -------------------------------------- */

static int is_balanced(const sd_fe *fe)
{
  if (fe->k != 2 || fe->w) return 0;
  double cells = (double) fe->nlev[0] * fe->nlev[1];
  if (cells != (double) fe->n) return 0;
  unsigned char *seen = (unsigned char *) R_alloc(fe->n, 1);
  memset(seen, 0, fe->n);
  const int *a = fe->code[0], *b = fe->code[1];
  int T = fe->nlev[1];
  for (int i = 0; i < fe->n; i++) {
    size_t cell = (size_t) a[i] * T + b[i];
    if (seen[cell]) return 0;
    seen[cell] = 1;
  }
  return 1;
}

static void balanced_column(const sd_fe *fe, double *x, double *su, double *st)
{
  int n = fe->n, N = fe->nlev[0], T = fe->nlev[1];
  const int *a = fe->code[0], *b = fe->code[1];
  memset(su, 0, sizeof(double) * N);
  memset(st, 0, sizeof(double) * T);
  /* runs of equal codes (panels are usually sorted by unit or by period)
   * are summed in registers: adding straight into su[a[i]] row after row
   * would wait on the previous store each time */
  int ca = a[0], cb = b[0];
  double ra = 0, rb = 0;
  for (int i = 0; i < n; i++) {
    double xi = x[i];
    if (a[i] != ca) { su[ca] += ra; ca = a[i]; ra = 0; }
    if (b[i] != cb) { st[cb] += rb; cb = b[i]; rb = 0; }
    ra += xi;
    rb += xi;
  }
  su[ca] += ra;
  st[cb] += rb;
  double tot = 0;   /* the grand total from the period totals: no long chain */
  for (int t = 0; t < T; t++) tot += st[t];
  double gm = tot / n;
  for (int g = 0; g < N; g++) su[g] /= T;
  for (int t = 0; t < T; t++) st[t] = st[t] / N - gm;   /* fold the grand mean */
  for (int i = 0; i < n; i++) x[i] -= su[a[i]] + st[b[i]];
}

/* ---- exact two-way solve ------------------------------------------------ */

typedef struct {
  int u, t;            /* which fixed effect is concentrated out (u), solved (t) */
  int N, T;
  double *Wu, *Wt;     /* weight totals */
  double *invWu;       /* 1 / Wu */
  int *pstart, *pt;    /* per unit: its distinct periods ... */
  double *pw;          /* ... and the weight it has in each */
  double *L;           /* Cholesky factor of the (T-1)x(T-1) system */
} sd_twoway;

/* Cholesky in place (lower triangle, column major, m x m); 0 if not p.d. */
static int chol_lower(double *a, int m)
{
  double maxd = 0;
  for (int j = 0; j < m; j++) if (a[j + j * m] > maxd) maxd = a[j + j * m];
  double eps = 1e-11 * (maxd > 0 ? maxd : 1);
  for (int j = 0; j < m; j++) {
    double d = a[j + j * m];
    for (int k = 0; k < j; k++) d -= a[j + k * m] * a[j + k * m];
    if (!(d > eps)) return 0;
    d = sqrt(d);
    a[j + j * m] = d;
    for (int i = j + 1; i < m; i++) {
      double s = a[i + j * m];
      for (int k = 0; k < j; k++) s -= a[i + k * m] * a[j + k * m];
      a[i + j * m] = s / d;
    }
  }
  return 1;
}

static void chol_solve(const double *L, int m, double *b)
{
  for (int i = 0; i < m; i++) {
    double s = b[i];
    for (int k = 0; k < i; k++) s -= L[i + k * m] * b[k];
    b[i] = s / L[i + i * m];
  }
  for (int i = m - 1; i >= 0; i--) {
    double s = b[i];
    for (int k = i + 1; k < m; k++) s -= L[k + i * m] * b[k];
    b[i] = s / L[i + i * m];
  }
}

/* Build and factorise A = diag(Wt) - sum_u v_u v_u' / Wu[u]; 0 if singular. */
static int twoway_setup(const sd_fe *fe, sd_twoway *tw)
{
  int n = fe->n;
  tw->u = fe->nlev[0] >= fe->nlev[1] ? 0 : 1;
  tw->t = 1 - tw->u;
  int N = tw->N = fe->nlev[tw->u], T = tw->T = fe->nlev[tw->t];
  if (T > SD_MAX_EXACT_LEVELS || T < 2) return 0;
  const int *cu = fe->code[tw->u], *ct = fe->code[tw->t];
  const double *w = fe->w;
  tw->Wu = (double *) R_alloc(N, sizeof(double));
  tw->Wt = (double *) R_alloc(T, sizeof(double));
  group_totals(cu, N, w, n, tw->Wu);
  group_totals(ct, T, w, n, tw->Wt);

  /* rows grouped by the concentrated effect (counting sort) */
  int *start = (int *) R_alloc(N + 1, sizeof(int));
  int *ord = (int *) R_alloc(n, sizeof(int));
  memset(start, 0, sizeof(int) * (N + 1));
  for (int i = 0; i < n; i++) start[cu[i] + 1]++;
  for (int g = 0; g < N; g++) start[g + 1] += start[g];
  int *pos = (int *) R_alloc(N, sizeof(int));
  memcpy(pos, start, sizeof(int) * N);
  for (int i = 0; i < n; i++) ord[pos[cu[i]]++] = i;

  double *A = (double *) R_alloc((size_t) T * T, sizeof(double));
  memset(A, 0, sizeof(double) * T * T);
  for (int t = 0; t < T; t++) A[t + t * T] = tw->Wt[t];
  double *v = (double *) R_alloc(T, sizeof(double));
  int *touched = (int *) R_alloc(T, sizeof(int));
  memset(v, 0, sizeof(double) * T);
  tw->invWu = (double *) R_alloc(N, sizeof(double));
  tw->pstart = (int *) R_alloc((size_t) N + 1, sizeof(int));
  tw->pt = (int *) R_alloc(n > 0 ? n : 1, sizeof(int));
  tw->pw = (double *) R_alloc(n > 0 ? n : 1, sizeof(double));
  int np = 0;
  for (int g = 0; g < N; g++) {
    int m = 0;
    for (int r = start[g]; r < start[g + 1]; r++) {
      int i = ord[r], t = ct[i];
      if (v[t] == 0) touched[m++] = t;
      v[t] += w ? w[i] : 1.0;
    }
    double Wg = tw->Wu[g];
    tw->invWu[g] = Wg > 0 ? 1.0 / Wg : 0;
    tw->pstart[g] = np;
    for (int a = 0; a < m; a++) { tw->pt[np] = touched[a]; tw->pw[np++] = v[touched[a]]; }
    for (int a = 0; a < m; a++) {
      int ta = touched[a];
      double va = v[ta] / Wg;
      for (int b = 0; b < m; b++) A[ta + touched[b] * T] -= va * v[touched[b]];
    }
    for (int a = 0; a < m; a++) v[touched[a]] = 0;
  }
  tw->pstart[N] = np;
  /* drop the first period (its effect is fixed at zero) */
  int m = T - 1;
  tw->L = (double *) R_alloc((size_t) m * m, sizeof(double));
  for (int j = 0; j < m; j++)
    for (int i = 0; i < m; i++) tw->L[i + j * m] = A[(i + 1) + (j + 1) * T];
  return chol_lower(tw->L, m);
}

/* scratch: N + T doubles. Four passes over the rows; divisions only per
 * level, never per row. */
static void twoway_column(const sd_fe *fe, const sd_twoway *tw, double *x,
                          double *scratch)
{
  int n = fe->n, N = tw->N, T = tw->T;
  const int *cu = fe->code[tw->u], *ct = fe->code[tw->t];
  const double *w = fe->w;
  double *a = scratch, *gam = scratch + N;
  memset(a, 0, sizeof(double) * N);
  memset(gam, 0, sizeof(double) * T);
  /* unit means */
  if (w) for (int i = 0; i < n; i++) a[cu[i]] += w[i] * x[i];
  else   for (int i = 0; i < n; i++) a[cu[i]] += x[i];
  for (int g = 0; g < N; g++) a[g] *= tw->invWu[g];
  /* right-hand side of the period system */
  if (w) for (int i = 0; i < n; i++) gam[ct[i]] += w[i] * (x[i] - a[cu[i]]);
  else   for (int i = 0; i < n; i++) gam[ct[i]] += x[i] - a[cu[i]];
  gam[0] = 0;
  chol_solve(tw->L, T - 1, gam + 1);
  /* alpha_g = mean_g(x) - sum_{i in g} w_i gamma_t(i) / Wu_g: the period
   * terms of each unit summed by period first (T x N is small), then scaled */
  for (int g = 0; g < N; g++) {
    double s = 0;
    for (int k = tw->pstart[g]; k < tw->pstart[g + 1]; k++)
      s += tw->pw[k] * gam[tw->pt[k]];
    a[g] -= s * tw->invWu[g];
  }
  for (int i = 0; i < n; i++) x[i] -= a[cu[i]] + gam[ct[i]];
}

/* ---- alternating projections ------------------------------------------ */

static void sweep_all(const sd_fe *fe, double *const *tot, double *x, double *sum)
{
  for (int f = 0; f < fe->k; f++)
    sweep_one(x, fe->code[f], fe->nlev[f], fe->w, tot[f], fe->n, sum);
}

/* Returns iterations used, or -1 without convergence.
 * scratch: 2n + max(nlev) doubles. With `interruptible` (only on the main
 * thread, outside parallel regions) the user may interrupt every 16
 * iterations; all scratch memory is R_alloc'ed, so the jump leaks nothing. */
static int ap_column(const sd_fe *fe, double *const *tot, double *x, double tol,
                     int maxit, double *scratch, int interruptible)
{
  int n = fe->n;
  double *x1 = scratch, *x2 = scratch + n, *sum = scratch + 2 * n;
  double scale = 0;
  for (int i = 0; i < n; i++) if (fabs(x[i]) > scale) scale = fabs(x[i]);
  if (scale == 0) return 0;
  double thr = tol * scale;
  for (int it = 1; it <= maxit; it++) {
    if (interruptible && it % 16 == 0) R_CheckUserInterrupt();
    memcpy(x1, x, sizeof(double) * n);
    sweep_all(fe, tot, x1, sum);
    memcpy(x2, x1, sizeof(double) * n);
    sweep_all(fe, tot, x2, sum);
    double dmax = 0, num = 0, den = 0;
    for (int i = 0; i < n; i++) {
      double d1 = x2[i] - x1[i], d2 = d1 - (x1[i] - x[i]);
      if (fabs(d1) > dmax) dmax = fabs(d1);
      num += d1 * d2; den += d2 * d2;
    }
    if (dmax <= thr) { memcpy(x, x2, sizeof(double) * n); return it; }
    double c = den > 0 ? num / den : 0;
    for (int i = 0; i < n; i++) x[i] = x2[i] - c * (x2[i] - x1[i]);
    sweep_all(fe, tot, x, sum);   /* project back after the extrapolation */
  }
  return -1;
}

/* ---- driver ------------------------------------------------------------- */

/* Demean the columns cols[0..ncol-1] (each n long) in place, with one
 * setup (balance check, periods system, group totals) shared by them all. */
int sd_demean_ptrs(const sd_fe *fe, double *const *cols, int ncol, double tol,
                   int maxit, int nthreads)
{
  int n = fe->n, k = fe->k, status = 0;
  if (n == 0 || ncol == 0 || k == 0) return 0;
  if (nthreads > ncol) nthreads = ncol;
  if (nthreads < 1) nthreads = 1;

  if (k == 2 && is_balanced(fe)) {
    int N = fe->nlev[0], T = fe->nlev[1];
    double *scr = (double *) R_alloc((size_t) nthreads * (N + T), sizeof(double));
#pragma omp parallel for num_threads(nthreads) schedule(static)
    for (int j = 0; j < ncol; j++) {
      int th = sd_thread_id();
      double *s = scr + (size_t) th * (N + T);
      balanced_column(fe, cols[j], s, s + N);
    }
    return 0;
  }

  sd_twoway tw;
  if (k == 2 && twoway_setup(fe, &tw)) {
    size_t len = (size_t) tw.N + tw.T;
    double *scr = (double *) R_alloc((size_t) nthreads * len, sizeof(double));
#pragma omp parallel for num_threads(nthreads) schedule(static)
    for (int j = 0; j < ncol; j++) {
      int th = sd_thread_id();
      twoway_column(fe, &tw, cols[j], scr + th * len);
    }
    return 0;
  }

  /* general case */
  double **tot = (double **) R_alloc(k, sizeof(double *));
  int maxlev = 1;
  for (int f = 0; f < k; f++) {
    tot[f] = (double *) R_alloc(fe->nlev[f], sizeof(double));
    group_totals(fe->code[f], fe->nlev[f], fe->w, n, tot[f]);
    if (fe->nlev[f] > maxlev) maxlev = fe->nlev[f];
  }
  if (k == 1) {
    double *sum = (double *) R_alloc(maxlev, sizeof(double));
    for (int j = 0; j < ncol; j++)
      sweep_one(cols[j], fe->code[0], fe->nlev[0], fe->w, tot[0], n, sum);
    return 0;
  }
  size_t len = 2 * (size_t) n + maxlev;
  int interruptible = 1;
#ifdef _OPENMP
  interruptible = !omp_in_parallel();   /* callers inside a parallel region */
#endif
  if (nthreads == 1) {
    double *scr = (double *) R_alloc(len, sizeof(double));
    for (int j = 0; j < ncol; j++) {
      if (interruptible) R_CheckUserInterrupt();
      if (ap_column(fe, tot, cols[j], tol, maxit, scr, interruptible) < 0)
        status = -1;
    }
    return status;
  }
  double *scr = (double *) R_alloc((size_t) nthreads * len, sizeof(double));
#pragma omp parallel for num_threads(nthreads) schedule(dynamic)
  for (int j = 0; j < ncol; j++) {
    int th = sd_thread_id();
    if (ap_column(fe, tot, cols[j], tol, maxit, scr + th * len, 0) < 0) {
#pragma omp atomic write
      status = -1;
    }
  }
  return status;
}

/* Demean the ncol contiguous columns of x (n x ncol, column major). */
int sd_demean_columns(const sd_fe *fe, double *x, int ncol, double tol,
                      int maxit, int nthreads)
{
  double **cols = (double **) R_alloc(ncol > 0 ? ncol : 1, sizeof(double *));
  for (int j = 0; j < ncol; j++) cols[j] = x + (size_t) j * fe->n;
  return sd_demean_ptrs(fe, cols, ncol, tol, maxit, nthreads);
}

/* Fill an sd_fe from R objects (list of 1-based integer codes, levels). */
void sd_fe_from_r(SEXP fes, SEXP nlev, SEXP w, int n, sd_fe *fe)
{
  int k = Rf_length(fes);
  fe->n = n;
  fe->k = k;
  const int **code = (const int **) R_alloc(k, sizeof(int *));
  int *lev = (int *) R_alloc(k, sizeof(int));
  for (int f = 0; f < k; f++) {
    SEXP cf = VECTOR_ELT(fes, f);
    if (TYPEOF(cf) != INTSXP || XLENGTH(cf) != n)
      Rf_error("fixed effect %d must be an integer vector of length %d", f + 1, n);
    lev[f] = INTEGER(nlev)[f];
    const int *src = INTEGER(cf);
    int *c0 = (int *) R_alloc(n, sizeof(int));
    for (int i = 0; i < n; i++) {
      if (src[i] < 1 || src[i] > lev[f])
        Rf_error("fixed effect %d has a code outside 1..%d", f + 1, lev[f]);
      c0[i] = src[i] - 1;
    }
    code[f] = c0;
  }
  fe->code = code;
  fe->nlev = lev;
  fe->w = Rf_isNull(w) ? NULL : REAL(w);
}

/* sum((x - mean(x))^2) in one pass: sums of x - x[0] and of its squares
 * (shifting by a data value avoids the cancellation of the raw formula). */
static double centred_ss(const double *x, int n)
{
  if (n < 2) return 0;
  double c = x[0], a0 = 0, a1 = 0, q0 = 0, q1 = 0;
  int i = 0;
  for (; i + 1 < n; i += 2) {
    double u = x[i] - c, v = x[i + 1] - c;
    a0 += u; a1 += v; q0 += u * u; q1 += v * v;
  }
  for (; i < n; i++) { double u = x[i] - c; a0 += u; q0 += u * u; }
  double s = a0 + a1, q = q0 + q1, r = q - s * s / n;
  return r > 0 ? r : 0;
}

/* sum((x - c)^2) with four accumulators (one would be bound by the latency
 * of each addition). */
static double sum_sq_dev(const double *x, int n, double c)
{
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int i = 0;
  for (; i + 3 < n; i += 4) {
    double a = x[i] - c, b = x[i + 1] - c, d = x[i + 2] - c, e = x[i + 3] - c;
    s0 += a * a; s1 += b * b; s2 += d * d; s3 += e * e;
  }
  for (; i < n; i++) s0 += (x[i] - c) * (x[i] - c);
  return (s0 + s1) + (s2 + s3);
}

/* A fresh n x ncol double matrix holding the columns of X (a double matrix
 * or a list of numeric vectors of equal length). */
static SEXP columns_to_matrix(SEXP X)
{
  if (TYPEOF(X) == VECSXP) {
    int ncol = Rf_length(X), n = ncol > 0 ? Rf_length(VECTOR_ELT(X, 0)) : 0;
    for (int j = 0; j < ncol; j++) {
      SEXP cj = VECTOR_ELT(X, j);
      if (Rf_length(cj) != n) Rf_error("column %d of 'X' has the wrong length", j + 1);
      if (TYPEOF(cj) != REALSXP && TYPEOF(cj) != INTSXP && TYPEOF(cj) != LGLSXP)
        Rf_error("column %d of 'X' is not numeric", j + 1);
    }
    SEXP out = PROTECT(Rf_allocMatrix(REALSXP, n, ncol));
    for (int j = 0; j < ncol; j++) {
      SEXP cj = VECTOR_ELT(X, j);
      double *dst = REAL(out) + (size_t) j * n;
      if (TYPEOF(cj) == REALSXP) memcpy(dst, REAL(cj), sizeof(double) * n);
      else {
        const int *src = INTEGER(cj);
        for (int i = 0; i < n; i++) dst[i] = src[i] == NA_INTEGER ? NA_REAL : src[i];
      }
    }
    UNPROTECT(1);
    return out;
  }
  if (Rf_isReal(X) && Rf_isMatrix(X)) return Rf_duplicate(X);
  Rf_error("'X' must be a double matrix or a list of numeric columns");
  return R_NilValue;
}

/* Demean the columns of the fresh matrices mats[0..nm-1] (same n) with one
 * shared setup; attach to each its sums of squares before (about the mean)
 * and after demeaning, so that R spots regressors the fixed effects absorb
 * without another pass, and whether the iterations converged. */
static void demean_matrices(SEXP *mats, int nm, SEXP fes, SEXP nlev, SEXP w,
                            SEXP tol, SEXP maxit, SEXP nthreads)
{
  int n = Rf_nrows(mats[0]), total = 0;
  for (int m = 0; m < nm; m++) total += Rf_ncols(mats[m]);
  if (!Rf_isNull(w) && (!Rf_isReal(w) || XLENGTH(w) != n))
    Rf_error("'w' must be NULL or a double vector of length %d", n);
  sd_fe fe;
  sd_fe_from_r(fes, nlev, w, n, &fe);
  double **cols = (double **) R_alloc(total > 0 ? total : 1, sizeof(double *));
  int j = 0;
  for (int m = 0; m < nm; m++)
    for (int c = 0; c < Rf_ncols(mats[m]); c++) cols[j++] = REAL(mats[m]) + (size_t) c * n;
  double *before = (double *) R_alloc(total > 0 ? total : 1, sizeof(double));
  for (j = 0; j < total; j++) before[j] = centred_ss(cols[j], n);
  int nt = sd_nthreads(nthreads, (int) fmin((double) n * total, 2e9));
  int status = sd_demean_ptrs(&fe, cols, total, Rf_asReal(tol), Rf_asInteger(maxit), nt);
  j = 0;
  for (int m = 0; m < nm; m++) {
    int nc = Rf_ncols(mats[m]);
    SEXP ss = PROTECT(Rf_allocMatrix(REALSXP, 2, nc));
    for (int c = 0; c < nc; c++, j++) {
      REAL(ss)[2 * c] = before[j];
      REAL(ss)[2 * c + 1] = sum_sq_dev(cols[j], n, 0.0);
    }
    Rf_setAttrib(mats[m], Rf_install("ss"), ss);
    Rf_setAttrib(mats[m], Rf_install("converged"), Rf_ScalarLogical(status == 0));
    UNPROTECT(1);
  }
}

static void check_fes(SEXP fes, SEXP nlev)
{
  if (TYPEOF(fes) != VECSXP) Rf_error("'fes' must be a list");
  if (TYPEOF(nlev) != INTSXP || Rf_length(nlev) != Rf_length(fes))
    Rf_error("'nlev' must be an integer vector, one per fixed effect");
}

/* X: a double matrix, or a list of numeric columns of equal length (copied
 * straight into the result, so R never holds a second dense copy). */
SEXP sd_demean(SEXP X, SEXP fes, SEXP nlev, SEXP w, SEXP tol, SEXP maxit,
               SEXP nthreads)
{
  check_fes(fes, nlev);
  SEXP out = PROTECT(columns_to_matrix(X));
  demean_matrices(&out, 1, fes, nlev, w, tol, maxit, nthreads);
  UNPROTECT(1);
  return out;
}

/* The outcome y and the regressors X demeaned with one shared setup, as
 * list(y = n x 1 matrix, X = n x p matrix): the solver then takes X as it
 * is, without the copy that splitting a joint matrix would cost. */
SEXP sd_demean_yx(SEXP y, SEXP X, SEXP fes, SEXP nlev, SEXP w, SEXP tol,
                  SEXP maxit, SEXP nthreads)
{
  check_fes(fes, nlev);
  if (!Rf_isNumeric(y) && !Rf_isLogical(y)) Rf_error("'y' must be numeric");
  SEXP ylist = PROTECT(Rf_allocVector(VECSXP, 1));
  SET_VECTOR_ELT(ylist, 0, y);
  SEXP mats[2];
  mats[0] = PROTECT(columns_to_matrix(ylist));
  mats[1] = PROTECT(columns_to_matrix(X));
  if (Rf_nrows(mats[1]) != Rf_nrows(mats[0]) && Rf_ncols(mats[1]) > 0)
    Rf_error("'y' and 'X' must have the same number of rows");
  demean_matrices(mats, 2, fes, nlev, w, tol, maxit, nthreads);
  const char *names[] = {"y", "X", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SET_VECTOR_ELT(out, 0, mats[0]);
  SET_VECTOR_ELT(out, 1, mats[1]);
  UNPROTECT(4);
  return out;
}

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
 * The two-way kernels are in twoway.c; the driver, the loading of columns
 * (with their sums of squares) and the R entry points are here.
 */
#include "smartdid.h"
#include <math.h>
#include <string.h>
#include <stdint.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* Ask the kernel to back a large fresh block with huge pages (Linux with
 * transparent huge pages in "madvise" mode): writing a fresh n x p result
 * otherwise costs one page fault per 4 kB, which at millions of rows takes
 * about as long as the demeaning itself. A hint only: nothing changes when
 * it is not honoured. */
void sd_hugepages(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const uintptr_t huge = (uintptr_t) 1 << 21;
  if (bytes < 2 * huge) return;
  uintptr_t lo = ((uintptr_t) p + huge - 1) & ~(huge - 1);
  uintptr_t hi = ((uintptr_t) p + bytes) & ~(huge - 1);
  if (hi > lo) madvise((void *) lo, hi - lo, MADV_HUGEPAGE);
#else
  (void) p; (void) bytes;
#endif
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

/* ---- alternating projections ------------------------------------------ */

static void sweep_all(const sd_fe *fe, double *const *tot, double *x, double *sum)
{
  for (int f = 0; f < fe->k; f++)
    sweep_one(x, fe->code[f], fe->nlev[f], fe->w, tot[f], fe->n, sum);
}

/* Alternating projections on one column, resumable: ap_start() sweeps
 * once and sets the threshold, ap_steps() runs up to `steps` iterations
 * from iteration st->it + 1. A column's sequence of operations does not
 * depend on how its iterations are split into calls, so results do not
 * depend on the threads or on how often the master polls for an interrupt.
 *
 * Convergence is judged on the scale of what the iterations remove, not on
 * the input's level: one sweep first takes out every group mean (and so any
 * level, such as 1e9 + noise), and the change of an iteration is compared
 * with tol times the largest value left after it. Judged on the input
 * (1e9), a change of 1e-4 would pass for converged while the data vary by
 * about 1. */
typedef struct {
  double thr;   /* convergence threshold */
  int it;       /* iterations done */
  int state;    /* 0 running, 1 converged, -1 out of iterations */
} ap_state;

static void ap_start(const sd_fe *fe, double *const *tot, double *x, double tol,
                     double *sum, ap_state *st)
{
  int n = fe->n;
  sweep_all(fe, tot, x, sum);
  double scale = 0;
  for (int i = 0; i < n; i++) if (fabs(x[i]) > scale) scale = fabs(x[i]);
  st->it = 0;
  st->thr = tol * scale;
  /* nothing left, or NaN/Inf: nothing to iterate on */
  st->state = scale == 0 || !(scale < HUGE_VAL) ? 1 : 0;
}

/* scratch: 2n + max(nlev) doubles. */
static void ap_steps(const sd_fe *fe, double *const *tot, double *x, int maxit,
                     int steps, double *scratch, ap_state *st)
{
  int n = fe->n;
  double *x1 = scratch, *x2 = scratch + n, *sum = scratch + 2 * n;
  for (int s = 0; s < steps && st->state == 0; s++) {
    if (st->it >= maxit) { st->state = -1; break; }
    st->it++;
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
    if (dmax <= st->thr) { memcpy(x, x2, sizeof(double) * n); st->state = 1; break; }
    double c = den > 0 ? num / den : 0;
    for (int i = 0; i < n; i++) x[i] = x2[i] - c * (x2[i] - x1[i]);
    sweep_all(fe, tot, x, sum);   /* project back after the extrapolation */
  }
  if (st->state == 0 && st->it >= maxit) st->state = -1;
}

/* Iterations per column between two polls for an interrupt: about 2e7 row
 * visits, at least one iteration. */
static int ap_round(const sd_fe *fe)
{
  double per = 3.0 * fe->n * (fe->k > 0 ? fe->k : 1);
  double r = 2e7 / (per > 1 ? per : 1);
  return r < 1 ? 1 : r > 256 ? 256 : (int) r;
}

/* ---- sums of squares and loading ---------------------------------------- */

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

/* sum(x^2) with four accumulators (one would be bound by the latency of
 * each addition). */
static double sum_sq(const double *x, int n)
{
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += x[i] * x[i]; s1 += x[i + 1] * x[i + 1];
    s2 += x[i + 2] * x[i + 2]; s3 += x[i + 3] * x[i + 3];
  }
  for (; i < n; i++) s0 += x[i] * x[i];
  return (s0 + s1) + (s2 + s3);
}

/* Where a column's values come from: a double or an integer (or logical)
 * vector, or nowhere (they are in place already). */
typedef struct {
  const double *d;
  const int *i;
  const int *rows;   /* read rows[0..n-1] (1-based) of the source, or NULL */
} sd_src;

/* Copy the column's source into x and, with ss, put the centred sum of
 * squares of the values in *ss. */
static void load_column(double *x, const sd_src *s, int n, double *ss)
{
  if (s && s->rows) {
    const int *r = s->rows;
    if (s->i) for (int i = 0; i < n; i++) {
      int v = s->i[r[i] - 1];
      x[i] = v == NA_INTEGER ? NA_REAL : v;
    }
    else for (int i = 0; i < n; i++) x[i] = s->d[r[i] - 1];
  } else if (s && s->i) {
    for (int i = 0; i < n; i++) x[i] = s->i[i] == NA_INTEGER ? NA_REAL : s->i[i];
  } else if (s && s->d && s->d != x) {
    memcpy(x, s->d, sizeof(double) * n);
  }
  if (ss) *ss = centred_ss(x, n);
}

/* ---- driver ------------------------------------------------------------- */

/* Demean the columns cols[0..ncol-1] (each n long), with one setup (balance
 * check, periods system, group totals) shared by them all. With src, column
 * j is first filled from src[j] (in the same pass as the first sums where
 * possible); with ss (2 x ncol), ss[2j] gets the centred sum of squares of
 * column j before demeaning and ss[2j+1] its sum of squares after. */
static int demean_core(const sd_fe *fe, const sd_src *src, double *const *cols,
                       int ncol, double tol, int maxit, int nthreads, double *ss)
{
  int n = fe->n, k = fe->k, status = 0;
  if (n == 0 || ncol == 0) return 0;
  if (nthreads > ncol) nthreads = ncol;
  if (nthreads < 1) nthreads = 1;
#define SD_SS0(j) (ss ? ss + 2 * (size_t) (j) : NULL)
#define SD_SRC(j) (src ? src + (j) : NULL)

  if (k == 0) {
    for (int j = 0; j < ncol; j++) {
      load_column(cols[j], SD_SRC(j), n, SD_SS0(j));
      if (ss) ss[2 * j + 1] = sum_sq(cols[j], n);
    }
    return 0;
  }

  int bal = k == 2 ? sd_is_balanced(fe) : 0;
  if (bal) {
    int N = fe->nlev[0], T = fe->nlev[1];
    size_t len = (size_t) N + T + 2;
    double *scr = (double *) R_alloc((size_t) nthreads * len, sizeof(double));
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1)
    for (int j = 0; j < ncol; j++) {
      int th = sd_thread_id();
      double *s = scr + (size_t) th * len;
      const double *from = NULL;
      if (src && (src[j].i || src[j].rows)) load_column(cols[j], src + j, n, NULL);
      else if (src) from = src[j].d;
      if (bal == 2) sd_grid_column(N, T, cols[j], from, s, s + N, SD_SS0(j));
      else if (bal == 3) sd_grid_column(T, N, cols[j], from, s, s + T, SD_SS0(j));
      else sd_balanced_column(fe, cols[j], from, s, s + N + 1, SD_SS0(j));
    }
    return 0;
  }

  /* the other strategies index their arrays by 0-based codes */
  sd_fe fe0;
  if (fe->base != 0) {
    const int **c0 = (const int **) R_alloc(k, sizeof(int *));
    for (int f = 0; f < k; f++) {
      int *cf = (int *) R_alloc(n, sizeof(int));
      const int *src1 = fe->code[f];
      for (int i = 0; i < n; i++) cf[i] = src1[i] - fe->base;
      c0[f] = cf;
    }
    fe0 = *fe;
    fe0.code = c0;
    fe0.base = 0;
    fe = &fe0;
  }

  sd_twoway tw;
  if (k == 2 && sd_twoway_setup(fe, &tw)) {
    size_t len = (size_t) tw.N + tw.T;
    double *scr = (double *) R_alloc((size_t) nthreads * len, sizeof(double));
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1)
    for (int j = 0; j < ncol; j++) {
      int th = sd_thread_id();
      load_column(cols[j], SD_SRC(j), n, SD_SS0(j));
      sd_twoway_column(fe, &tw, cols[j], scr + th * len, ss ? ss + 2 * j + 1 : NULL);
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
    for (int j = 0; j < ncol; j++) {
      load_column(cols[j], SD_SRC(j), n, SD_SS0(j));
      sweep_one(cols[j], fe->code[0], fe->nlev[0], fe->w, tot[0], n, sum);
      if (ss) ss[2 * j + 1] = sum_sq(cols[j], n);
    }
    return 0;
  }
  size_t len = 2 * (size_t) n + maxlev;
  /* the master polls for an interrupt between rounds of iterations, outside
   * the parallel region (not when the caller is itself inside one); all
   * memory is R_alloc'ed, so the jump leaks nothing */
  int interruptible = !sd_in_parallel();
  double *scr = (double *) R_alloc((size_t) nthreads * len, sizeof(double));
  ap_state *st = (ap_state *) R_alloc(ncol, sizeof(ap_state));
  int round = ap_round(fe), left = ncol;
#pragma omp parallel for num_threads(nthreads) schedule(dynamic)
  for (int j = 0; j < ncol; j++) {
    double *sc = scr + (size_t) sd_thread_id() * len;
    load_column(cols[j], SD_SRC(j), n, SD_SS0(j));
    ap_start(fe, tot, cols[j], tol, sc + 2 * n, st + j);
  }
  while (left > 0) {
    if (interruptible) R_CheckUserInterrupt();
#pragma omp parallel for num_threads(nthreads) schedule(dynamic)
    for (int j = 0; j < ncol; j++) {
      if (st[j].state != 0) continue;
      ap_steps(fe, tot, cols[j], maxit, round, scr + (size_t) sd_thread_id() * len,
               st + j);
    }
    left = 0;
    for (int j = 0; j < ncol; j++) left += st[j].state == 0;
  }
  for (int j = 0; j < ncol; j++) {
    if (st[j].state < 0) status = -1;
    if (ss) ss[2 * j + 1] = sum_sq(cols[j], n);
  }
#undef SD_SS0
#undef SD_SRC
  return status;
}

/* Demean the columns cols[0..ncol-1] (each n long) in place. */
int sd_demean_ptrs(const sd_fe *fe, double *const *cols, int ncol, double tol,
                   int maxit, int nthreads)
{
  return demean_core(fe, NULL, cols, ncol, tol, maxit, nthreads, NULL);
}

/* Demean the ncol contiguous columns of x (n x ncol, column major). */
int sd_demean_columns(const sd_fe *fe, double *x, int ncol, double tol,
                      int maxit, int nthreads)
{
  double **cols = (double **) R_alloc(ncol > 0 ? ncol : 1, sizeof(double *));
  for (int j = 0; j < ncol; j++) cols[j] = x + (size_t) j * fe->n;
  return sd_demean_ptrs(fe, cols, ncol, tol, maxit, nthreads);
}

/* Fill an sd_fe from R objects (a list of 1-based integer codes and their
 * numbers of levels), checking every code: with base 0 as 0-based copies,
 * with base 1 reading R's codes in place (no copy). */
static void fe_fill(SEXP fes, SEXP nlev, SEXP w, int n, sd_fe *fe, int base)
{
  int k = Rf_length(fes);
  fe->n = n;
  fe->k = k;
  const int **code = (const int **) R_alloc(k > 0 ? k : 1, sizeof(int *));
  int *lev = (int *) R_alloc(k > 0 ? k : 1, sizeof(int));
  for (int f = 0; f < k; f++) {
    SEXP cf = VECTOR_ELT(fes, f);
    if (TYPEOF(cf) != INTSXP || XLENGTH(cf) != n)
      Rf_error("fixed effect %d must be an integer vector of length %d", f + 1, n);
    lev[f] = INTEGER(nlev)[f];
    const int *src = INTEGER(cf);
    int bad = 0, L = lev[f];
    for (int i = 0; i < n; i++) bad |= src[i] < 1 || src[i] > L;
    if (bad) Rf_error("fixed effect %d has a code outside 1..%d", f + 1, L);
    if (base == 1) {
      code[f] = src;
    } else {
      int *c0 = (int *) R_alloc(n, sizeof(int));
      for (int i = 0; i < n; i++) c0[i] = src[i] - 1;
      code[f] = c0;
    }
  }
  fe->code = code;
  fe->nlev = lev;
  fe->w = NULL;
  if (!Rf_isNull(w)) {
    /* the group totals and the exact solves rely on weights >= 0 */
    if (!Rf_isReal(w) || XLENGTH(w) != n)
      Rf_error("'w' must be NULL or a double vector of length %d", n);
    const double *wv = REAL(w);
    for (int i = 0; i < n; i++)
      if (!(wv[i] >= 0 && wv[i] < HUGE_VAL))
        Rf_error("weights must be finite and >= 0 (row %d has %g)", i + 1, wv[i]);
    fe->w = wv;
  }
  fe->base = base;
}

/* 0-based copies of the codes (the contract of the other C files). */
void sd_fe_from_r(SEXP fes, SEXP nlev, SEXP w, int n, sd_fe *fe)
{
  fe_fill(fes, nlev, w, n, fe, 0);
}

static void check_fes(SEXP fes, SEXP nlev)
{
  if (TYPEOF(fes) != VECSXP) Rf_error("'fes' must be a list");
  if (TYPEOF(nlev) != INTSXP || Rf_length(nlev) != Rf_length(fes))
    Rf_error("'nlev' must be an integer vector, one per fixed effect");
}

/* Sources of the columns of X (a double matrix or a list of numeric
 * vectors of equal length) into src[off ..]; their number. */
static int columns_of(SEXP X, int *n, sd_src *src, int off, const int *rows,
                      int maxrow)
{
  if (TYPEOF(X) == VECSXP) {
    int ncol = Rf_length(X);
    for (int j = 0; j < ncol; j++) {
      SEXP cj = VECTOR_ELT(X, j);
      if (*n < 0) *n = Rf_length(cj);
      int gather = rows && Rf_length(cj) != *n;
      if (gather && Rf_length(cj) < maxrow)
        Rf_error("column %d of 'X' is shorter than 'rows' needs", j + 1);
      if (!gather && Rf_length(cj) != *n) Rf_error("column %d of 'X' has the wrong length", j + 1);
      src[off + j].rows = NULL;
      if (TYPEOF(cj) == REALSXP) { src[off + j].d = REAL(cj); src[off + j].i = NULL; }
      else if (TYPEOF(cj) == INTSXP || TYPEOF(cj) == LGLSXP) {
        src[off + j].d = NULL; src[off + j].i = INTEGER(cj);
      } else Rf_error("column %d of 'X' is not numeric", j + 1);
      if (gather) src[off + j].rows = rows;
    }
    return ncol;
  }
  if (Rf_isReal(X) && Rf_isMatrix(X)) {
    int nr = Rf_nrows(X), ncol = Rf_ncols(X);
    if (*n < 0) *n = nr;
    if (nr != *n && ncol > 0) Rf_error("'y' and 'X' must have the same number of rows");
    for (int j = 0; j < ncol; j++) {
      src[off + j].d = REAL(X) + (size_t) j * nr;
      src[off + j].i = NULL;
      src[off + j].rows = NULL;
    }
    return ncol;
  }
  Rf_error("'X' must be a double matrix or a list of numeric columns");
  return 0;
}

static int ncol_of(SEXP X)
{
  if (TYPEOF(X) == VECSXP) return Rf_length(X);
  if (Rf_isReal(X) && Rf_isMatrix(X)) return Rf_ncols(X);
  Rf_error("'X' must be a double matrix or a list of numeric columns");
  return 0;
}

/* Demean the columns described by src into cols; fills ss (2 x total);
 * returns the status (0: converged). */
static int demean_sources(const sd_src *src, double *const *cols, int total,
                          int n, SEXP fes, SEXP nlev, SEXP w, SEXP tol,
                          SEXP maxit, SEXP nthreads, double *ss)
{
  if (!Rf_isNull(w) && (!Rf_isReal(w) || XLENGTH(w) != n))
    Rf_error("'w' must be NULL or a double vector of length %d", n);
  sd_fe fe;
  fe_fill(fes, nlev, w, n, &fe, 1);   /* R's codes in place */
  int nt = sd_nthreads(nthreads, (int) fmin((double) n * total, 2e9));
  return demean_core(&fe, src, cols, total, Rf_asReal(tol), Rf_asInteger(maxit),
                     nt, ss);
}

/* X: a double matrix, or a list of numeric columns of equal length (read
 * straight into the result, so R never holds a second dense copy). The
 * result carries attributes "ss" (2 x ncol: centred sums of squares before
 * demeaning, sums of squares after) and "converged". */
SEXP sd_demean(SEXP X, SEXP fes, SEXP nlev, SEXP w, SEXP tol, SEXP maxit,
               SEXP nthreads)
{
  check_fes(fes, nlev);
  int ncol = ncol_of(X), n = -1;
  sd_src *src = (sd_src *) R_alloc(ncol > 0 ? ncol : 1, sizeof(sd_src));
  columns_of(X, &n, src, 0, NULL, 0);
  if (n < 0) n = 0;
  SEXP out = PROTECT(Rf_allocMatrix(REALSXP, n, ncol));
  sd_hugepages(REAL(out), sizeof(double) * (size_t) n * ncol);
  SEXP ss = PROTECT(Rf_allocMatrix(REALSXP, 2, ncol));
  double **cols = (double **) R_alloc(ncol > 0 ? ncol : 1, sizeof(double *));
  for (int j = 0; j < ncol; j++) cols[j] = REAL(out) + (size_t) j * n;
  for (int j = 0; j < 2 * ncol; j++) REAL(ss)[j] = 0;
  int status = demean_sources(src, cols, ncol, n, fes, nlev, w, tol, maxit,
                              nthreads, REAL(ss));
  if (TYPEOF(X) != VECSXP) Rf_setAttrib(out, R_DimNamesSymbol, Rf_getAttrib(X, R_DimNamesSymbol));
  Rf_setAttrib(out, Rf_install("ss"), ss);
  Rf_setAttrib(out, Rf_install("converged"), Rf_ScalarLogical(status == 0));
  UNPROTECT(2);
  return out;
}

/* The outcome y and the regressors X (a named list of numeric columns, or a
 * double matrix) demeaned with one shared setup. With rows (1-based, or
 * NULL), columns longer than rows are read at those rows (no subset copies
 * in R); the others must have one value per row. Returns list(y = vector,
 * X = n x p matrix with the names of X as column names, ss = 2 x (1 + p)
 * sums of squares before and after (y first), converged). The results carry
 * no other attributes: R code can use them as they are, without the copy
 * that changing the attributes of a large object may cost. */
SEXP sd_demean_yx(SEXP y, SEXP X, SEXP fes, SEXP nlev, SEXP w, SEXP tol,
                  SEXP maxit, SEXP nthreads, SEXP rows)
{
  check_fes(fes, nlev);
  if (TYPEOF(y) != REALSXP && TYPEOF(y) != INTSXP && TYPEOF(y) != LGLSXP)
    Rf_error("'y' must be numeric");
  if (!Rf_isNull(rows) && TYPEOF(rows) != INTSXP) Rf_error("'rows' must be NULL or integer");
  const int *r = Rf_isNull(rows) ? NULL : INTEGER(rows);
  int p = ncol_of(X), n = r ? Rf_length(rows) : Rf_length(y), maxrow = 0;
  if (r) for (int i = 0; i < n; i++) {
    if (r[i] < 1 || r[i] == NA_INTEGER) Rf_error("'rows' must hold positive row numbers");
    if (r[i] > maxrow) maxrow = r[i];
  }
  sd_src *src = (sd_src *) R_alloc((size_t) p + 1, sizeof(sd_src));
  if (TYPEOF(y) == REALSXP) { src[0].d = REAL(y); src[0].i = NULL; }
  else { src[0].d = NULL; src[0].i = INTEGER(y); }
  src[0].rows = NULL;
  if (r && Rf_length(y) != n) {
    if (Rf_length(y) < maxrow) Rf_error("'y' is shorter than 'rows' needs");
    src[0].rows = r;
  } else if (Rf_length(y) != n) Rf_error("'y' must have one value per row");
  columns_of(X, &n, src, 1, r, maxrow);
  SEXP yd = PROTECT(Rf_allocVector(REALSXP, n));
  SEXP Xd = PROTECT(Rf_allocMatrix(REALSXP, n, p));
  sd_hugepages(REAL(yd), sizeof(double) * (size_t) n);
  sd_hugepages(REAL(Xd), sizeof(double) * (size_t) n * p);
  SEXP ss = PROTECT(Rf_allocMatrix(REALSXP, 2, p + 1));
  double **cols = (double **) R_alloc((size_t) p + 1, sizeof(double *));
  cols[0] = REAL(yd);
  for (int j = 0; j < p; j++) cols[j + 1] = REAL(Xd) + (size_t) j * n;
  for (int j = 0; j < 2 * (p + 1); j++) REAL(ss)[j] = 0;
  int status = demean_sources(src, cols, p + 1, n, fes, nlev, w, tol, maxit,
                              nthreads, REAL(ss));
  SEXP nm = Rf_getAttrib(X, R_NamesSymbol);
  if (TYPEOF(X) == VECSXP && !Rf_isNull(nm)) {
    SEXP dn = PROTECT(Rf_allocVector(VECSXP, 2));
    SET_VECTOR_ELT(dn, 1, nm);
    Rf_setAttrib(Xd, R_DimNamesSymbol, dn);
    UNPROTECT(1);
  }
  const char *names[] = {"y", "X", "ss", "converged", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SET_VECTOR_ELT(out, 0, yd);
  SET_VECTOR_ELT(out, 1, Xd);
  SET_VECTOR_ELT(out, 2, ss);
  SET_VECTOR_ELT(out, 3, Rf_ScalarLogical(status == 0));
  UNPROTECT(4);
  return out;
}

/* Randomization (placebo) inference by Frisch-Waugh-Lovell.
 *
 * The fixed effects and the controls are absorbed once, in R through the same
 * C engine as a fit: X~ (demeaned controls), Q = (X~'WX~)^-1 and
 * e = y~ - X~ Q X~'W y~. A draw then only
 *   1. builds its pseudo-treatment d (a unit is treated from its pseudo
 *      adoption period on),
 *   2. demeans d with sd_demean_columns() (draws are demeaned in blocks),
 *   3. residualises it on the controls, r = d~ - X~ Q X~'W d~ (X~'W d~ is a
 *      sum over the treated rows only), and reads off
 *      beta = r'W e / r'W r with the variance of the full regression:
 *        iid      scale * u'W u / r'W r,
 *        HC1      scale * sum_i w_i^2 r_i^2 u_i^2 / (r'W r)^2,
 *        cluster  scale * sum_k sign_k sum_g s_kg^2 / (r'W r)^2,
 *                 s_kg = sum_{i in g} w_i r_i u_i,  u = e - beta r,
 *      with the small-sample factor ("scale") of the fit passed from R.
 * Every draw is computed by one thread in a fixed order of operations, so
 * results do not depend on the number of threads.
 */
#include "smartdid.h"
#include "placebo.h"
#include <math.h>
#include <string.h>
#include <limits.h>

#define PL_CHUNK 512            /* rows per inner chunk (fixed: reproducible sums) */
#define PL_MAX_BLOCK 64         /* draws demeaned together */
#define PL_BLOCK_BYTES 67108864.0   /* memory budget of a block: 64 MB */

/* One draw's closed-form pieces (see pl_model). */
typedef struct {
  const long long *gu;  /* pseudo adoption period per unit, PL_NONE if none */
  const double *du, *dt;
  double dbar;
} pl_closed;

/* "Not pseudo-treated": above every int period code, INT_MAX included (an
 * int sentinel would collide with a period coded INT_MAX). */
#define PL_NONE LLONG_MAX

static SEXP pl_elt(SEXP x, const char *name);

/* ---- kernels (no R API) ------------------------------------------------ */

/* Pseudo-treatment of one draw: d_i = 1 when the row's unit has a pseudo
 * adoption period g and the row's period is >= g. Only the rows of the
 * pseudo-treated units are visited (ustart/urows: the rows of each unit).
 * gu: N values, all PL_NONE on entry and on return (if a unit is listed twice,
 * its last period counts). idx receives the treated rows. Returns their
 * number. */
static int pl_build(int n, int N, const int *ustart, const int *urows,
                    const int *tcode, const int *au, const int *ap, int m,
                    long long *gu, double *d, int *idx)
{
  memset(d, 0, sizeof(double) * n);
  for (int k = 0; k < m; k++) {
    int u = au[k];
    if (u >= 1 && u <= N && ap[k] != NA_INTEGER) gu[u - 1] = ap[k];
  }
  /* units in increasing order, so that the treated rows come out in memory
   * order and the later gathers over them stream instead of jumping */
  int n1 = 0;
  for (int u = 0; u < N; u++) {
    if (gu[u] == PL_NONE) continue;
    long long g = gu[u];
    for (int r = ustart[u]; r < ustart[u + 1]; r++) {
      int i = urows[r];
      if (tcode[i] >= g) { d[i] = 1; idx[n1++] = i; }
    }
    gu[u] = PL_NONE;
  }
  return n1;
}

/* r = d - X a on a chunk of len rows (X: column stride n), four columns at a
 * time so that r is loaded and stored once per four columns. Element-wise:
 * the result does not depend on vectorisation. */
static void pl_subtract(double *restrict r, const double *restrict X, int n,
                        const double *a, int p, int len)
{
  int j = 0;
  for (; j + 3 < p; j += 4) {
    const double *x0 = X + (size_t) j * n, *x1 = x0 + n, *x2 = x1 + n, *x3 = x2 + n;
    double a0 = a[j], a1 = a[j + 1], a2 = a[j + 2], a3 = a[j + 3];
#pragma omp simd
    for (int k = 0; k < len; k++)
      r[k] -= (a0 * x0[k] + a1 * x1[k]) + (a2 * x2[k] + a3 * x3[k]);
  }
  for (; j < p; j++) {
    const double *xj = X + (size_t) j * n;
    double aj = a[j];
#pragma omp simd
    for (int k = 0; k < len; k++) r[k] -= aj * xj[k];
  }
}

/* S[c[k]] += x[k] for k < len, adding runs of equal codes in a register
 * (rows usually come sorted by cluster). */
static void pl_scatter(double *S, const int *c, const double *x, int len)
{
  if (len == 0) return;
  int g = c[0];
  double acc = x[0];
  for (int k = 1; k < len; k++) {
    if (c[k] == g) acc += x[k];
    else { S[g] += acc; g = c[k]; acc = x[k]; }
  }
  S[g] += acc;
}

/* The coefficient of one draw on its demeaned pseudo-treatment d (length n)
 * whose treated rows (before demeaning) are idx[0..n1-1]: fills a = Q X~'W d
 * (p) and returns 1 with beta, r'W r and r'W e, or 0 when the draw is not
 * estimable (absorbed or collinear pseudo-treatment).
 * Since X~, e and d~ are all W-orthogonal to the fixed effects,
 * X~'W d~ = X~'W d, d~'W d~ = d'W d~ and d~'W e = d'W e: sums over the
 * treated rows only. scratch c: p doubles. */
static int pl_coef(const pl_model *m, const double *d, const double *dv,
                   const int *idx, int n1, double *c, double *a, double *beta,
                   double *rr_out, double *re_out)
{
  int n = m->n, p = m->p;
  const double *w = m->w, *e = m->e, *X = m->X;
  double dd = 0, de = 0;
  if (dv) {            /* d~ at the treated rows, in idx order (closed form) */
    for (int k = 0; k < n1; k++) { int i = idx[k]; dd += dv[k]; de += e[i]; }
  } else if (w) {
    for (int k = 0; k < n1; k++) { int i = idx[k]; dd += w[i] * d[i]; de += w[i] * e[i]; }
  } else {
    for (int k = 0; k < n1; k++) { int i = idx[k]; dd += d[i]; de += e[i]; }
  }
  for (int j = 0; j < p; j++) {
    const double *xj = X + (size_t) j * n;
    double s0 = 0, s1 = 0;
    int k = 0;
    if (w) {
      for (; k + 1 < n1; k += 2) { s0 += w[idx[k]] * xj[idx[k]]; s1 += w[idx[k + 1]] * xj[idx[k + 1]]; }
      for (; k < n1; k++) s0 += w[idx[k]] * xj[idx[k]];
    } else {
      for (; k + 1 < n1; k += 2) { s0 += xj[idx[k]]; s1 += xj[idx[k + 1]]; }
      for (; k < n1; k++) s0 += xj[idx[k]];
    }
    c[j] = s0 + s1;
  }
  return pl_fwl(m->Q, m->xe, p, c, dd, de, n1, n, a, beta, rr_out, re_out);
}

/* The robust meat of one draw on rows [i0, i0 + len): r = d~ - X~ a,
 * u = e - beta r, then w r u summed into hc (HC1) or scattered into the
 * cluster sums S (Gsum doubles). buf: PL_CHUNK doubles. */
static void pl_meat_chunk(const pl_model *m, const double *d, const pl_closed *cf,
                          const double *a, double beta, int i0, int len,
                          double *buf, double *hc, double *S)
{
  const double *w = m->w, *e = m->e + i0;
  if (cf) {
    for (int k = 0; k < len; k++) {
      int i = i0 + k, u = m->unit0[i], t = m->time0[i];
      double di = m->tval[i] >= cf->gu[u] ? 1.0 : 0.0;
      buf[k] = di - cf->du[u] - cf->dt[t] + cf->dbar;
    }
  } else {
    memcpy(buf, d + i0, sizeof(double) * len);
  }
  pl_subtract(buf, m->X + i0, m->n, a, m->p, len);
  if (w) {
    const double *wc = w + i0;
#pragma omp simd
    for (int k = 0; k < len; k++) buf[k] = wc[k] * buf[k] * (e[k] - beta * buf[k]);
  } else {
#pragma omp simd
    for (int k = 0; k < len; k++) buf[k] = buf[k] * (e[k] - beta * buf[k]);
  }
  if (m->vtype == 1) {
    *hc += sd_dot(buf, buf, len);
  } else {
    double *Sk = S;
    for (int q = 0; q < m->ncl; q++) {
      pl_scatter(Sk, m->cl[q] + i0, buf, len);
      Sk += m->G[q];
    }
  }
}

/* A block of nb draws (their demeaned pseudo-treatments in D, n x nb):
 * coefficients first, then the robust meats chunk by chunk with the draws
 * inside, so that each chunk of X~ is read from memory once per block rather
 * than once per draw. Every draw's sums run over the chunks in the same
 * order whatever the thread, so results do not depend on the threads.
 * ws: nb * (2p + 4 + Gsum) + nt * PL_CHUNK doubles. */
static void pl_block(const pl_model *m, const double *D, const pl_closed *cf,
                     const int *idx, const int *n1, int nb, int nt, double *ws,
                     double *est, double *se)
{
  int n = m->n, p = m->p;
  /* per draw: c (p), a (p), beta, r'Wr, r'We (then the HC1 sum), ok, S */
  size_t per = 2 * (size_t) p + 4 + m->Gsum;
  enum { BETA = 0, RR = 1, RE = 2, OK = 3 };
  double *bufs = ws + (size_t) nb * per;
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int b = 0; b < nb; b++) {
    double *wb = ws + (size_t) b * per, *t = wb + 2 * p;
    const double *Db = D + (size_t) b * n;
    t[OK] = pl_coef(m, cf ? NULL : Db, cf ? Db : NULL, idx + (size_t) b * n, n1[b],
                    wb, wb + p, t + BETA, t + RR, t + RE);
  }
  if (m->vtype != 0) {
#pragma omp parallel num_threads(nt)
    {
      /* the team OpenMP gave, which may be smaller than nt (a thread
       * limit, dynamic adjustment): every draw belongs to one of them */
      int th = sd_thread_id(), team = sd_team_size();
      double *buf = bufs + (size_t) th * PL_CHUNK;
      for (int b = th; b < nb; b += team) {
        double *wb = ws + (size_t) b * per;
        wb[2 * p + RE] = 0;
        memset(wb + 2 * p + 4, 0, sizeof(double) * m->Gsum);
      }
      for (int i0 = 0; i0 < n; i0 += PL_CHUNK) {
        int len = n - i0 < PL_CHUNK ? n - i0 : PL_CHUNK;
        for (int b = th; b < nb; b += team) {
          double *wb = ws + (size_t) b * per, *t = wb + 2 * p;
          if (t[OK] == 0) continue;
          pl_meat_chunk(m, D + (size_t) b * n, cf ? cf + b : NULL, wb + p, t[BETA],
                        i0, len, buf, t + RE, wb + 2 * p + 4);
        }
      }
    }
  }
  for (int b = 0; b < nb; b++) {
    double *wb = ws + (size_t) b * per, *t = wb + 2 * p;
    if (t[OK] == 0) { est[b] = NA_REAL; se[b] = NA_REAL; continue; }
    double beta = t[BETA], rr = t[RR], v;
    est[b] = beta;
    if (m->vtype == 0) {
      double uu = m->ee - 2 * beta * t[RE] + beta * beta * rr;
      v = m->scale * uu / rr;
    } else {
      double meat = 0;
      if (m->vtype == 1) meat = t[RE];
      else {
        const double *Sk = wb + 2 * p + 4;
        for (int q = 0; q < m->ncl; q++) {
          meat += m->sign[q] * sd_dot(Sk, Sk, m->G[q]);
          Sk += m->G[q];
        }
      }
      v = m->scale * meat / (rr * rr);
    }
    se[b] = pl_se_of(v);
  }
}

/* Can the draws use the closed form? Yes for a balanced two-way panel
 * without weights whose first fixed effect is the unit and whose period
 * codes are constant within each period. Fills the model's closed-form
 * fields and returns the period code of each period (T ints), or NULL. */
static int *pl_closed_setup(pl_model *m, const sd_fe *fe, const int *un,
                            const int *tc, int N)
{
  int n = m->n;
  if (fe->k != 2 || m->w || fe->nlev[0] != N) return NULL;
  int T = fe->nlev[1];
  if ((double) N * T != (double) n) return NULL;
  const int *u0 = fe->code[0], *t0 = fe->code[1];
  int *tv = (int *) R_alloc(T, sizeof(int));
  unsigned char *seen = (unsigned char *) R_alloc((size_t) n, 1);
  memset(seen, 0, (size_t) n);
  for (int t = 0; t < T; t++) tv[t] = NA_INTEGER;
  for (int i = 0; i < n; i++) {
    if (u0[i] != un[i] - 1) return NULL;
    size_t cell = (size_t) u0[i] * T + t0[i];
    if (seen[cell]) return NULL;
    seen[cell] = 1;
    if (tv[t0[i]] == NA_INTEGER) tv[t0[i]] = tc[i];
    else if (tv[t0[i]] != tc[i]) return NULL;
  }
  m->unit0 = u0; m->time0 = t0; m->tval = tc; m->N = N; m->T = T;
  return tv;
}

/* One draw in closed form: the pseudo adoption period of each unit (gu), the
 * unit and period shares of treated cells (du, dt) and their mean, the
 * treated rows in memory order (idx) and d~ at those rows (dv). Returns the
 * number of treated rows. */
static int pl_closed_draw(const pl_model *m, const int *ustart, const int *urows,
                          const int *tv, const int *au, const int *ap, int na,
                          long long *gu, double *du, double *dt, pl_closed *cf,
                          double *dv, int *idx)
{
  int N = m->N, T = m->T;
  for (int u = 0; u < N; u++) gu[u] = PL_NONE;
  for (int k = 0; k < na; k++) {   /* the last period given to a unit counts */
    int u = au[k];
    if (u >= 1 && u <= N && ap[k] != NA_INTEGER) gu[u - 1] = ap[k];
  }
  memset(du, 0, sizeof(double) * N);
  memset(dt, 0, sizeof(double) * T);
  double cells = 0;
  for (int u = 0; u < N; u++) {
    if (gu[u] == PL_NONE) continue;
    int nu = 0;
    for (int t = 0; t < T; t++) if (tv[t] >= gu[u]) { nu++; dt[t] += 1; }
    du[u] = (double) nu / T;
    cells += nu;
  }
  for (int t = 0; t < T; t++) dt[t] /= N;
  double dbar = cells / ((double) N * T);
  int n1 = 0;
  for (int u = 0; u < N; u++) {
    if (gu[u] == PL_NONE) continue;
    for (int r = ustart[u]; r < ustart[u + 1]; r++) {
      int i = urows[r];
      if (m->tval[i] >= gu[u]) {
        idx[n1] = i;
        dv[n1++] = 1.0 - du[u] - dt[m->time0[i]] + dbar;
      }
    }
  }
  cf->gu = gu; cf->du = du; cf->dt = dt; cf->dbar = dbar;
  return n1;
}

static int int_max(const int *x, int n)
{
  int mx = 0;
  for (int i = 0; i < n; i++) if (x[i] != NA_INTEGER && x[i] > mx) mx = x[i];
  return mx;
}

static void pl_tick_cb(void *ctx, int done)
{
  sd_tick((SEXP) ctx, done);
}

/* The draws row by row (any panel): blocks of pseudo-treatments, built and
 * demeaned (or in closed form when tv is not NULL), then pl_block(). */
static void pl_run_rows(const pl_model *mdp, const sd_fe *fe, const int *tv,
                        int N, const int *tc, const int *ustart, const int *urows,
                        const int *au, const int *ap, int m, int B,
                        const double *ctrl, SEXP nthreads, SEXP tick,
                        double *pest, double *pse,
                        int *pntr, int *converged)
{
  pl_model md = *mdp;
  int n = md.n, p = md.p;
  double tol = ctrl[0];
  int maxit = (int) ctrl[1];
  /* blocks of draws: bounded memory, an interrupt check between blocks; in
   * closed form a draw needs no demeaning pass, so the block is larger and
   * each chunk of X~ serves more draws */
  double budget = tv ? 4 * PL_BLOCK_BYTES : PL_BLOCK_BYTES;
  int bk = (int) fmin(PL_MAX_BLOCK,
                      fmax(1.0, floor(budget / (n * (sizeof(double) + sizeof(int))))));
  if (ctrl[2] >= 1) bk = (int) ctrl[2];
  if (bk > B) bk = B;
  if (bk < 1) bk = 1;
  /* Threads only when a draw is big enough: a parallel region per block
   * costs little on an idle machine but a time slice whenever another
   * process holds a core, which small draws cannot amortise. */
  double per_draw = (double) n * (p + 2);
  int nt = per_draw >= ctrl[3] ?
    sd_nthreads(nthreads, (int) fmin(per_draw * bk, 2e9)) : 1;
  if (nt > bk) nt = bk;
  size_t wslen = (size_t) bk * (2 * (size_t) p + 4 + md.Gsum) + (size_t) nt * PL_CHUNK;
  double *D = (double *) R_alloc((size_t) n * bk, sizeof(double));
  long long *gu = (long long *) R_alloc(N, sizeof(long long));
  for (int u = 0; u < N; u++) gu[u] = PL_NONE;
  double *ws = (double *) R_alloc(wslen, sizeof(double));
  int *n1 = (int *) R_alloc(bk, sizeof(int));
  int *idx = (int *) R_alloc((size_t) n * bk, sizeof(int));

  long long *GU = NULL;
  double *DU = NULL, *DT = NULL;
  pl_closed *cfs = NULL;
  if (tv) {
    GU = (long long *) R_alloc((size_t) bk * N, sizeof(long long));
    DU = (double *) R_alloc((size_t) bk * N, sizeof(double));
    DT = (double *) R_alloc((size_t) bk * md.T, sizeof(double));
    cfs = (pl_closed *) R_alloc(bk, sizeof(pl_closed));
  }

  for (int b0 = 0; b0 < B; b0 += bk) {
    R_CheckUserInterrupt();
    int nb = B - b0 < bk ? B - b0 : bk;
    if (tv) {
      for (int b = 0; b < nb; b++) {
        size_t col = (size_t) (b0 + b) * m;
        n1[b] = pl_closed_draw(&md, ustart, urows, tv, au + col, ap + col, m,
                               GU + (size_t) b * N, DU + (size_t) b * N,
                               DT + (size_t) b * md.T, cfs + b,
                               D + (size_t) b * n, idx + (size_t) b * n);
      }
    } else {
      for (int b = 0; b < nb; b++) {   /* cheap: only the pseudo-treated rows */
        size_t col = (size_t) (b0 + b) * m;
        n1[b] = pl_build(n, N, ustart, urows, tc, au + col, ap + col, m, gu,
                         D + (size_t) b * n, idx + (size_t) b * n);
      }
      const void *vmax = vmaxget();
      if (sd_demean_columns(fe, D, nb, tol, maxit, nt) != 0) *converged = 0;
      vmaxset(vmax);
    }
    pl_block(&md, D, cfs, idx, n1, nb, nt, ws, pest + b0, pse + b0);
    for (int b = 0; b < nb; b++) pntr[b0 + b] = n1[b];
    sd_tick(tick, b0 + nb);
  }
}

/* Can the draws be aggregated by unit (placebo_units.c)? Yes in closed
 * form (balanced, unweighted two-way panel) with an iid variance or one
 * clustering constant within units. Fills um and returns 1, or returns 0. */
static int pl_units_setup(pl_model *md, const int *ustart, const int *urows,
                          const int *tv, int N)
{
  const int *clu = NULL;
  int G = 0;
  if (md->vtype == 2) {
    if (md->ncl != 1) return 0;
    G = md->G[0];
    int *cu = (int *) R_alloc(N, sizeof(int));
    for (int u = 0; u < N; u++) {
      cu[u] = md->cl[0][urows[ustart[u]]];
      for (int r = ustart[u] + 1; r < ustart[u + 1]; r++)
        if (md->cl[0][urows[r]] != cu[u]) return 0;
    }
    /* clusters = units: the meat is the sum of the squared unit sums */
    clu = G == N ? NULL : cu;
  } else if (md->vtype != 0) {
    return 0;
  }
  md->tv = tv;
  md->clu = clu;
  md->Gu = G;
  return 1;
}

/* The draws from the pieces sd_placebo() reads by name (see there). */
static SEXP pl_main(SEXP Xd, SEXP e, SEXP Q, SEXP fes, SEXP nlev, SEXP w,
                    SEXP unit, SEXP tcode, SEXP aunit, SEXP aper, SEXP vc,
                    const double *ctrl, SEXP nthreads, SEXP tick)
{
  if (!Rf_isNull(tick) && !Rf_isFunction(tick)) Rf_error("'tick' must be NULL or a function");
  int nprotect = 0;
  if (!Rf_isReal(Xd) || !Rf_isMatrix(Xd)) Rf_error("'Xd' must be a double matrix");
  int n = Rf_nrows(Xd), p = Rf_ncols(Xd);
  if (n < 2) Rf_error("'Xd' must have at least 2 rows");
  if (!Rf_isReal(e) || XLENGTH(e) != n) Rf_error("'e' must be a double vector of length %d", n);
  if (!Rf_isReal(Q) || !Rf_isMatrix(Q) || Rf_nrows(Q) != p || Rf_ncols(Q) != p)
    Rf_error("'Q' must be a %d x %d double matrix", p, p);
  if (TYPEOF(fes) != VECSXP) Rf_error("'fes' must be a list");
  if (TYPEOF(nlev) != INTSXP || Rf_length(nlev) != Rf_length(fes))
    Rf_error("'nlev' must be an integer vector, one per fixed effect");
  if (!Rf_isNull(w) && (!Rf_isReal(w) || XLENGTH(w) != n))
    Rf_error("'w' must be NULL or a double vector of length %d", n);
  if (TYPEOF(unit) != INTSXP || XLENGTH(unit) != n)
    Rf_error("'unit' must be an integer vector of length %d", n);
  if (TYPEOF(tcode) != INTSXP || XLENGTH(tcode) != n)
    Rf_error("'tcode' must be an integer vector of length %d", n);
  if (TYPEOF(aunit) != INTSXP || !Rf_isMatrix(aunit) || TYPEOF(aper) != INTSXP ||
      !Rf_isMatrix(aper) || Rf_nrows(aunit) != Rf_nrows(aper) ||
      Rf_ncols(aunit) != Rf_ncols(aper))
    Rf_error("'aunit' and 'aper' must be integer matrices of the same dimensions");
  if (TYPEOF(vc) != VECSXP) Rf_error("'vc' must be a list");

  const int *un = INTEGER(unit), *tc = INTEGER(tcode);
  int N = int_max(un, n);
  for (int i = 0; i < n; i++) {
    if (un[i] < 1) Rf_error("'unit' codes must be positive");
    if (tc[i] == NA_INTEGER) Rf_error("'tcode' must not be NA");
  }
  int m = Rf_nrows(aunit), B = Rf_ncols(aunit);

  pl_model md;
  md.n = n; md.p = p;
  md.X = REAL(Xd); md.e = REAL(e); md.Q = REAL(Q);
  md.w = Rf_isNull(w) ? NULL : REAL(w);
  md.vtype = Rf_asInteger(pl_elt(vc, "type"));
  md.scale = Rf_asReal(pl_elt(vc, "scale"));
  if (md.vtype < 0 || md.vtype > 2) Rf_error("unknown variance type %d", md.vtype);
  SEXP cls = pl_elt(vc, "clusters"), Gs = pl_elt(vc, "G"), sg = pl_elt(vc, "sign");
  md.ncl = 0; md.Gsum = 0; md.cl = NULL; md.G = NULL; md.sign = NULL;
  if (md.vtype == 2) {
    md.ncl = Rf_length(cls);
    if (TYPEOF(cls) != VECSXP || md.ncl < 1 || TYPEOF(Gs) != INTSXP ||
        Rf_length(Gs) != md.ncl || !Rf_isReal(sg) || Rf_length(sg) != md.ncl)
      Rf_error("'vc' must hold cluster codes, their numbers of levels and signs");
    const int **cl = (const int **) R_alloc(md.ncl, sizeof(int *));
    for (int q = 0; q < md.ncl; q++) {
      SEXP cq = VECTOR_ELT(cls, q);
      int Gq = INTEGER(Gs)[q];
      if (TYPEOF(cq) != INTSXP || XLENGTH(cq) != n || Gq < 1)
        Rf_error("cluster %d must be an integer vector of length %d", q + 1, n);
      int *c0 = (int *) R_alloc(n, sizeof(int));
      const int *src = INTEGER(cq);
      for (int i = 0; i < n; i++) {
        if (src[i] < 1 || src[i] > Gq) Rf_error("cluster codes must lie in 1..%d", Gq);
        c0[i] = src[i] - 1;
      }
      cl[q] = c0;
      md.Gsum += Gq;
    }
    md.cl = cl; md.G = INTEGER(Gs); md.sign = REAL(sg);
  }

  /* X~'W e and e'W e, once */
  double *xe = (double *) R_alloc((size_t) p + 1, sizeof(double));
  double *we = (double *) R_alloc(n, sizeof(double));
  for (int i = 0; i < n; i++) we[i] = md.w ? md.w[i] * md.e[i] : md.e[i];
  for (int j = 0; j < p; j++) xe[j] = sd_dot(we, md.X + (size_t) j * n, n);
  md.ee = sd_dot(we, md.e, n);
  md.xe = xe;

  sd_fe fe;
  sd_fe_from_r(fes, nlev, w, n, &fe);

  /* balanced, unweighted two-way panel: closed-form pseudo-treatments */
  md.unit0 = md.time0 = md.tval = NULL;
  int *tv = pl_closed_setup(&md, &fe, un, tc, N);

  /* rows of each unit (counting sort) */
  int *ustart = (int *) R_alloc((size_t) N + 1, sizeof(int));
  int *urows = (int *) R_alloc(n, sizeof(int));
  memset(ustart, 0, sizeof(int) * ((size_t) N + 1));
  for (int i = 0; i < n; i++) ustart[un[i]]++;
  for (int u = 0; u < N; u++) ustart[u + 1] += ustart[u];
  int *pos = (int *) R_alloc((size_t) N + 1, sizeof(int));
  memcpy(pos, ustart, sizeof(int) * N);
  for (int i = 0; i < n; i++) urows[pos[un[i] - 1]++] = i;

  SEXP est = PROTECT(Rf_allocVector(REALSXP, B)); nprotect++;
  SEXP se = PROTECT(Rf_allocVector(REALSXP, B)); nprotect++;
  SEXP ntr = PROTECT(Rf_allocVector(INTSXP, B)); nprotect++;
  double *pest = REAL(est), *pse = REAL(se);
  int *pntr = INTEGER(ntr);
  const int *au = INTEGER(aunit), *ap = INTEGER(aper);
  int converged = 1;
  double per_draw = (double) n * (p + 2);

  int done = 0;
  md.tv = md.clu = NULL; md.Gu = 0; md.block = 0; md.force = 0;
  if (tv && ctrl[4] != 0 && pl_units_setup(&md, ustart, urows, tv, N)) {
    md.block = ctrl[2] >= 1 ? (int) ctrl[2] : 0;
    md.force = ctrl[4] >= 2;
    int nt = per_draw >= ctrl[3] ?
      sd_nthreads(nthreads, (int) fmin(per_draw * B, 2e9)) : 1;
    done = plu_run(&md, ustart, urows, au, ap, m, B, nt,
                   Rf_isNull(tick) ? NULL : pl_tick_cb, (void *) tick, pest, pse, pntr);
  }
  if (!done) {
    pl_run_rows(&md, &fe, tv, N, tc, ustart, urows, au, ap, m, B, ctrl, nthreads,
                tick, pest, pse, pntr, &converged);
  }

  const char *names[] = {"estimate", "std.error", "treated_rows", "converged", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names)); nprotect++;
  SET_VECTOR_ELT(out, 0, est);
  SET_VECTOR_ELT(out, 1, se);
  SET_VECTOR_ELT(out, 2, ntr);
  SET_VECTOR_ELT(out, 3, Rf_ScalarLogical(converged));
  UNPROTECT(nprotect);
  return out;
}

/* The element `name` of the named list x (an error naming it if absent). */
static SEXP pl_elt(SEXP x, const char *name)
{
  SEXP nm = Rf_getAttrib(x, R_NamesSymbol);
  if (TYPEOF(x) != VECSXP || TYPEOF(nm) != STRSXP)
    Rf_error("a named list is needed for '%s'", name);
  for (R_xlen_t i = 0; i < XLENGTH(x); i++)
    if (strcmp(CHAR(STRING_ELT(nm, i)), name) == 0) return VECTOR_ELT(x, i);
  Rf_error("element '%s' is missing", name);
  return R_NilValue;
}

/* The draws, with named arguments (R builds them in R/placebo.R):
 * model: list(Xd = n x p demeaned controls, e = residuals of the demeaned
 *   outcome on them, Q = (X~'WX~)^-1, fe, fe_nlev, w = the fixed effects
 *   and weights as for sd_demean, unit, tcode = 1-based unit and period
 *   codes of each row, vc = list(type = 0 iid / 1 HC1 / 2 cluster, scale =
 *   small-sample factor, clusters = list of 1-based codes, G = their
 *   numbers of levels, sign = their signs));
 * assign: list(unit, period): m x B integer matrices, the pseudo-treated
 *   units of each draw and their pseudo adoption period codes;
 * opts: list(tol, maxit = of the demeaning, block = draws per block (0:
 *   chosen here), min_work = the least rows x (controls + 2) of a draw for
 *   which threads are used, units = 0 rows / 1 cost model / 2 per-unit sums
 *   whenever they apply, nthreads);
 * tick: NULL or an R function called with the number of draws done after
 *   each block (a progress bar).
 * Returns list(estimate, std.error, treated_rows, converged). */
SEXP sd_placebo(SEXP model, SEXP assign, SEXP opts, SEXP tick)
{
  static const char *names[] = {"tol", "maxit", "block", "min_work", "units"};
  double ctl[5];
  for (int k = 0; k < 5; k++) {
    SEXP v = pl_elt(opts, names[k]);
    if (!Rf_isNumeric(v) || Rf_length(v) != 1)
      Rf_error("option '%s' must be one number", names[k]);
    ctl[k] = Rf_asReal(v);
  }
  return pl_main(pl_elt(model, "Xd"), pl_elt(model, "e"), pl_elt(model, "Q"),
                 pl_elt(model, "fe"), pl_elt(model, "fe_nlev"), pl_elt(model, "w"),
                 pl_elt(model, "unit"), pl_elt(model, "tcode"),
                 pl_elt(assign, "unit"), pl_elt(assign, "period"),
                 pl_elt(model, "vc"), ctl, pl_elt(opts, "nthreads"), tick);
}

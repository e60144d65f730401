/* The wild cluster bootstrap (Roodman, MacKinnon, Nielsen and Webb 2019,
 * "Fast and wild"): every draw on cluster-level sums.
 *
 * Notation (R/boottest_prep.R builds the inputs once, at O(n k)):
 *   k regressors (fixed effects already partialled out), m rows of the
 *   hypothesis (for a single hypothesis with a confidence interval, m = 2:
 *   the "base" row at the tested value and its "slope" in the tested value,
 *   see boottest_ci.R), Gb bootstrap clusters h, one or more variance
 *   clusterings d (two-way: three, with signs +, +, -), each with Gc
 *   clusters c and "cells" (the non-empty intersections c x h).
 *   A   (m x Gb)      a_h  = R Q X_h' W u_h      numerator contributions
 *   S   (k m x Gb)    S_h  = X_h' W u_h, one k-vector per row j (u may
 *                     differ by row: the slope row of an interval has its own)
 *   per clustering d:
 *   Mt  (m x k x Gc)  M_c  = R Q H_c Q, H_c = X_c' W X_c
 *   cv  (m x ncell)   R Q X_ch' W u_ch, with the cell's c and h
 * A draw with weights v (one per bootstrap cluster) gives
 *   num = A v,  s_cj = sum_{cells of c} cv_j v_h - M_cj (S_j v),
 *   cross = sum_d sign_d sum_c s_c s_c'   (upper triangle, m (m+1) / 2),
 * so that for m = 1 the bootstrap t is num / sqrt(factor * cross): O(G k)
 * per draw, whatever the number of rows.
 *
 * Weights come from R's generator on the main thread (GetRNGstate /
 * unif_rand / norm_rand / PutRNGstate) block by block, draw by draw, cluster
 * by cluster in the order of the bootstrap cluster's sorted levels; the draws
 * of a block are then shared among threads, so results do not depend on the
 * number of threads. Type 0 enumerates the 2^Gb Rademacher sign vectors
 * (draw b gives cluster h the sign -1 when bit h of b is set). */
#include "smartdid.h"
#include "boottest.h"
#include <math.h>
#include <string.h>

#define BT_BLOCK 4096

typedef struct {
  int Gc, ncell;
  const int *cc, *hh;      /* 0-based cluster and bootstrap cluster of a cell */
  const double *cv, *Mt;
  double sign;
} bt_dim;

/* One draw: num (m) and cross (m (m+1) / 2). Scratch: Sv (k), acc (m Gcmax). */
static void bt_draw(const double *restrict v, int Gb, int m, int k,
                    const double *restrict A, const double *restrict S,
                    int nd, const bt_dim *dims, double *restrict num,
                    double *restrict cross, double *restrict Sv,
                    double *restrict acc)
{
  int mm = m * (m + 1) / 2;
  int km = k * m;
  for (int j = 0; j < m; j++) num[j] = 0;
  for (int l = 0; l < km; l++) Sv[l] = 0;
  for (int h = 0; h < Gb; h++) {
    double vh = v[h];
    const double *a = A + (size_t) m * h, *s = S + (size_t) km * h;
    for (int j = 0; j < m; j++) num[j] += a[j] * vh;
    for (int l = 0; l < km; l++) Sv[l] += s[l] * vh;
  }
  for (int q = 0; q < mm; q++) cross[q] = 0;
  for (int d = 0; d < nd; d++) {
    const bt_dim *D = dims + d;
    memset(acc, 0, sizeof(double) * (size_t) m * D->Gc);
    for (int e = 0; e < D->ncell; e++) {
      double vh = v[D->hh[e]];
      double *ac = acc + (size_t) m * D->cc[e];
      const double *c = D->cv + (size_t) m * e;
      for (int j = 0; j < m; j++) ac[j] += c[j] * vh;
    }
    for (int c = 0; c < D->Gc; c++) {
      double *s = acc + (size_t) m * c;
      const double *M = D->Mt + (size_t) m * k * c;
      for (int j = 0; j < m; j++) {
        const double *sv = Sv + (size_t) k * j;
        double x = 0;
        for (int l = 0; l < k; l++) x += M[j + (size_t) m * l] * sv[l];
        s[j] -= x;
      }
      int q = 0;
      for (int j2 = 0; j2 < m; j2++)
        for (int j1 = 0; j1 <= j2; j1++) cross[q++] += D->sign * s[j1] * s[j2];
    }
  }
}

/* The weights of draws b0 .. b0 + nb - 1 into V (Gb x nb). */
static void bt_weights(int type, int Gb, int b0, int nb, double *V)
{
  static const double webb[6] = {-1.224744871391589, -1.0, -0.7071067811865476,
                                 0.7071067811865476, 1.0, 1.224744871391589};
  const double s5 = sqrt(5.0);
  const double lo = (1.0 - s5) / 2.0, hi = (1.0 + s5) / 2.0;
  const double p_lo = (s5 + 1.0) / (2.0 * s5);
  for (int b = 0; b < nb; b++) {
    double *v = V + (size_t) Gb * b;
    switch (type) {
    case 0: {
      unsigned int code = (unsigned int) (b0 + b);
      for (int h = 0; h < Gb; h++) v[h] = (code >> h) & 1u ? -1.0 : 1.0;
      break;
    }
    case 1:
      for (int h = 0; h < Gb; h++) v[h] = unif_rand() < 0.5 ? -1.0 : 1.0;
      break;
    case 2:
      for (int h = 0; h < Gb; h++) {
        int i = (int) (unif_rand() * 6.0);
        v[h] = webb[i > 5 ? 5 : i];
      }
      break;
    case 3:
      for (int h = 0; h < Gb; h++) v[h] = unif_rand() < p_lo ? lo : hi;
      break;
    default:
      for (int h = 0; h < Gb; h++) v[h] = norm_rand();
    }
  }
}

static void bt_tick(SEXP tick, int done)
{
  if (Rf_isNull(tick)) return;
  SEXP v = PROTECT(Rf_ScalarInteger(done));
  SEXP call = PROTECT(Rf_lang2(tick, v));
  Rf_eval(call, R_GlobalEnv);
  UNPROTECT(2);
}

static int bt_int(SEXP x, const char *what)
{
  int v = Rf_asInteger(x);
  if (v == NA_INTEGER) Rf_error("'%s' must be a whole number", what);
  return v;
}

/* dims: a list of lists (Gc, cc, hh, cv, Mt, sign), checked against m, k, Gb. */
static bt_dim *bt_dims(SEXP dims, int m, int k, int Gb, int *Gcmax)
{
  int nd = Rf_length(dims);
  bt_dim *out = (bt_dim *) R_alloc(nd > 0 ? nd : 1, sizeof(bt_dim));
  *Gcmax = 1;
  for (int d = 0; d < nd; d++) {
    SEXP x = VECTOR_ELT(dims, d);
    if (!Rf_isNewList(x) || Rf_length(x) != 6) Rf_error("bad clustering %d", d + 1);
    bt_dim *D = out + d;
    D->Gc = bt_int(VECTOR_ELT(x, 0), "Gc");
    SEXP cc = VECTOR_ELT(x, 1), hh = VECTOR_ELT(x, 2);
    SEXP cv = VECTOR_ELT(x, 3), Mt = VECTOR_ELT(x, 4);
    if (!Rf_isInteger(cc) || !Rf_isInteger(hh) || !Rf_isReal(cv) || !Rf_isReal(Mt))
      Rf_error("bad types in clustering %d", d + 1);
    D->ncell = Rf_length(cc);
    if (D->Gc < 1 || Rf_length(hh) != D->ncell ||
        Rf_xlength(cv) != (R_xlen_t) m * D->ncell ||
        Rf_xlength(Mt) != (R_xlen_t) m * k * D->Gc)
      Rf_error("inconsistent sizes in clustering %d", d + 1);
    D->cc = INTEGER(cc);
    D->hh = INTEGER(hh);
    for (int e = 0; e < D->ncell; e++) {
      if (D->cc[e] < 0 || D->cc[e] >= D->Gc || D->hh[e] < 0 || D->hh[e] >= Gb)
        Rf_error("cell %d of clustering %d is out of range", e + 1, d + 1);
    }
    D->cv = REAL(cv);
    D->Mt = REAL(Mt);
    D->sign = Rf_asReal(VECTOR_ELT(x, 5));
    if (D->Gc > *Gcmax) *Gcmax = D->Gc;
  }
  return out;
}

/* .Call entry: list(num = B x m, cross = B x m (m+1) / 2). */
SEXP sd_boottest_draws(SEXP A, SEXP S, SEXP dims, SEXP Bs, SEXP type,
                       SEXP nthreads, SEXP tick)
{
  if (!Rf_isReal(A) || !Rf_isMatrix(A) || !Rf_isReal(S) || !Rf_isMatrix(S))
    Rf_error("'A' and 'S' must be double matrices");
  if (!Rf_isNewList(dims)) Rf_error("'dims' must be a list");
  int m = Rf_nrows(A), Gb = Rf_ncols(A), k = m > 0 ? Rf_nrows(S) / m : 0;
  if (Rf_ncols(S) != Gb || Rf_nrows(S) != k * m)
    Rf_error("'S' must be (k m) x Gb, with 'A' m x Gb");
  int B = bt_int(Bs, "B"), ty = bt_int(type, "type");
  if (B < 1) Rf_error("'B' must be positive");
  if (ty < 0 || ty > 4) Rf_error("'type' must be 0 to 4");
  if (ty == 0 && (Gb > 30 || B != (1 << Gb)))
    Rf_error("enumeration needs B = 2^G with G <= 30");
  if (m < 1 || Gb < 1) Rf_error("nothing to bootstrap");
  int nd = Rf_length(dims), Gcmax;
  bt_dim *D = bt_dims(dims, m, k, Gb, &Gcmax);
  int mm = m * (m + 1) / 2;

  SEXP num = PROTECT(Rf_allocMatrix(REALSXP, B, m));
  SEXP cross = PROTECT(Rf_allocMatrix(REALSXP, B, mm));
  double *pn = REAL(num), *pc = REAL(cross);
  const double *pA = REAL(A), *pS = REAL(S);

  int bk = B < BT_BLOCK ? B : BT_BLOCK;
  double per_draw = (double) Gb * (m + k) + (double) Gcmax * nd * m * (k + m);
  int nt = sd_nthreads(nthreads, (int) fmin(per_draw * bk, 2e9));
  if (nt > bk) nt = bk;
  double *V = (double *) R_alloc((size_t) Gb * bk, sizeof(double));
  size_t wsz = (size_t) k * m + (size_t) m * Gcmax + (size_t) m + mm;
  double *ws = (double *) R_alloc(wsz * nt, sizeof(double));

  if (ty != 0) GetRNGstate();
  for (int b0 = 0; b0 < B; b0 += bk) {
    int nb = B - b0 < bk ? B - b0 : bk;
    /* an interrupt leaves R's stream where it was (PutRNGstate not reached) */
    R_CheckUserInterrupt();
    bt_weights(ty, Gb, b0, nb, V);
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
#endif
    {
      int tid = sd_thread_id(), got = 1;
#ifdef _OPENMP
      got = omp_get_num_threads();
#endif
      int lo = (int) ((long long) nb * tid / got);
      int hi = (int) ((long long) nb * (tid + 1) / got);
      double *w = ws + wsz * tid;
      double *Sv = w, *acc = w + (size_t) k * m, *nu = acc + (size_t) m * Gcmax, *cr = nu + m;
      for (int b = lo; b < hi; b++) {
        bt_draw(V + (size_t) Gb * b, Gb, m, k, pA, pS, nd, D, nu, cr, Sv, acc);
        for (int j = 0; j < m; j++) pn[b0 + b + (size_t) B * j] = nu[j];
        for (int q = 0; q < mm; q++) pc[b0 + b + (size_t) B * q] = cr[q];
      }
    }
    bt_tick(tick, b0 + nb);
  }
  if (ty != 0) PutRNGstate();

  SEXP out = PROTECT(Rf_allocVector(VECSXP, 2));
  SEXP nms = PROTECT(Rf_allocVector(STRSXP, 2));
  SET_VECTOR_ELT(out, 0, num);
  SET_VECTOR_ELT(out, 1, cross);
  SET_STRING_ELT(nms, 0, Rf_mkChar("num"));
  SET_STRING_ELT(nms, 1, Rf_mkChar("cross"));
  Rf_setAttrib(out, R_NamesSymbol, nms);
  UNPROTECT(4);
  return out;
}

/* For a single hypothesis at the tested values delta (the estimate minus
 * the value under the null): the original t is delta / sd0; draw b's t is
 * (n0 + delta n1) / sqrt(d0 + 2 delta d1 + delta^2 d2) (num = [n0 n1],
 * cross = [d0 d1 d2], see boottest_ci.R). Returns, per delta, the counts of
 * t* > t, t* < t, |t*| > |t| and of finite t*. */
SEXP sd_boottest_count(SEXP num, SEXP cross, SEXP delta, SEXP sd0)
{
  if (!Rf_isReal(num) || !Rf_isReal(cross) || !Rf_isReal(delta))
    Rf_error("'num', 'cross' and 'delta' must be double");
  R_xlen_t B = Rf_xlength(num) / 2;
  if (Rf_xlength(num) != 2 * B || Rf_xlength(cross) != 3 * B)
    Rf_error("'num' must be B x 2 and 'cross' B x 3");
  int nr = Rf_length(delta);
  double s0 = Rf_asReal(sd0);
  const double *n0 = REAL(num), *n1 = n0 + B;
  const double *d0 = REAL(cross), *d1 = d0 + B, *d2 = d1 + B;
  SEXP out = PROTECT(Rf_allocMatrix(REALSXP, nr, 4));
  double *o = REAL(out);
  for (int i = 0; i < nr; i++) {
    double dl = REAL(delta)[i], t = dl / s0, at = fabs(t);
    double gt = 0, lt = 0, agt = 0, ok = 0;
    for (R_xlen_t b = 0; b < B; b++) {
      double den = d0[b] + dl * (2 * d1[b] + dl * d2[b]);
      double ts = (n0[b] + dl * n1[b]) / sqrt(den);
      if (!(den > 0) || !isfinite(ts)) continue;
      ok += 1;
      gt += ts > t;
      lt += ts < t;
      agt += fabs(ts) > at;
    }
    o[i] = gt;
    o[i + nr] = lt;
    o[i + 2 * nr] = agt;
    o[i + 3 * nr] = ok;
  }
  UNPROTECT(1);
  return out;
}

/* Sums over groups without temporaries: out (G x k), out[g, l] =
 * sum_{i in g} X[i, l] * v[i] (v may be NULL: plain sums). g: 1-based codes. */
SEXP sd_boottest_sums(SEXP X, SEXP v, SEXP g, SEXP Gs)
{
  if (!Rf_isReal(X) || !Rf_isMatrix(X)) Rf_error("'X' must be a double matrix");
  if (!Rf_isInteger(g)) Rf_error("'g' must be integer codes");
  R_xlen_t n = Rf_nrows(X);
  int k = Rf_ncols(X), G = bt_int(Gs, "G");
  if (Rf_xlength(g) != n) Rf_error("'g' must have one code per row of 'X'");
  if (!Rf_isNull(v) && (!Rf_isReal(v) || Rf_xlength(v) != n))
    Rf_error("'v' must be NULL or a double vector with one value per row");
  if (G < 1) Rf_error("'G' must be positive");
  const int *pg = INTEGER(g);
  for (R_xlen_t i = 0; i < n; i++) {
    if (pg[i] < 1 || pg[i] > G) Rf_error("'g' has a code outside 1..G at row %lld",
                                         (long long) i + 1);
  }
  SEXP out = PROTECT(Rf_allocMatrix(REALSXP, G, k));
  double *o = REAL(out);
  memset(o, 0, sizeof(double) * (size_t) G * k);
  const double *px = REAL(X), *pv = Rf_isNull(v) ? NULL : REAL(v);
  for (int l = 0; l < k; l++) {
    const double *x = px + (size_t) n * l;
    double *ol = o + (size_t) G * l - 1;
    if (pv) for (R_xlen_t i = 0; i < n; i++) ol[pg[i]] += x[i] * pv[i];
    else for (R_xlen_t i = 0; i < n; i++) ol[pg[i]] += x[i];
  }
  UNPROTECT(1);
  return out;
}

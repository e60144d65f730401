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
 *   (the struct bt_dim of boottest.h)
 * A draw with weights v (one per bootstrap cluster) gives
 *   num = A v,  s_cj = sum_{cells of c} cv_j v_h - M_cj (S_j v),
 *   cross = sum_d sign_d sum_c s_c s_c'   (upper triangle, m (m+1) / 2),
 * or, for a "dense" clustering (small Gc Gb), s_c = sum_h cv_ch v_h with
 * the M part folded into cv (every c x h entry),
 * so that for m = 1 the bootstrap t is num / sqrt(factor * cross): O(G k)
 * per draw, whatever the number of rows.
 *
 * Weights come from R's generator on the main thread (GetRNGstate /
 * unif_rand / norm_rand / PutRNGstate) block by block, draw by draw, cluster
 * by cluster in the order of the bootstrap cluster's sorted levels; the draws
 * of a block are then shared among threads, so results do not depend on the
 * number of threads. Type 0 enumerates the 2^Gb Rademacher sign vectors
 * (draw b gives cluster h the sign -1 when bit h of b is set). With
 * two-point weights and dense clusterings only, boottest_table.c computes
 * the same draws by table look-up. */
#include "smartdid.h"
#include "boottest.h"
#include <math.h>
#include <string.h>
#include <limits.h>

#define BT_BLOCK 8192   /* draws whose weights are drawn at once */
#define BT_SUB 128      /* draws per kernel call (vector length) */

/* A dense clustering with one or two rows, fused: four draws at a time,
 * the scores s_c of the four accumulated in registers and their squares
 * and cross products added at once, so that only V is read from memory
 * (the fixed-length loops over the four draws become vector operations).
 * V must hold readable rows up to nb rounded up to a multiple of 4. */
#define BT_W 8
static void bt_dense12(const double *restrict V, size_t ldv, int nb, int m,
                       const bt_dim *D, const int *cs, double *restrict cross,
                       size_t ld)
{
  const int *hh = D->hh;
  const double *cv = D->cv;
  double sg = D->sign;
  int Gc = D->Gc;
  for (int b = 0; b < nb; b += BT_W) {
    double q0[BT_W] = {0}, q1[BT_W] = {0}, q2[BT_W] = {0};
    for (int c = 0; c < Gc; c++) {
      double a0[BT_W] = {0}, a1[BT_W] = {0};
      if (m == 1) {
        for (int e = cs[c]; e < cs[c + 1]; e++) {
          const double *v = V + b + ldv * hh[e];
          double x0 = cv[e];
          for (int t = 0; t < BT_W; t++) a0[t] += x0 * v[t];
        }
      } else {
        for (int e = cs[c]; e < cs[c + 1]; e++) {
          const double *v = V + b + ldv * hh[e];
          double x0 = cv[2 * e], x1 = cv[2 * e + 1];
          for (int t = 0; t < BT_W; t++) {
            a0[t] += x0 * v[t];
            a1[t] += x1 * v[t];
          }
        }
      }
      for (int t = 0; t < BT_W; t++) {
        q0[t] += a0[t] * a0[t];
        q1[t] += a0[t] * a1[t];
        q2[t] += a1[t] * a1[t];
      }
    }
    int nt = nb - b < BT_W ? nb - b : BT_W;
    for (int t = 0; t < nt; t++) {
      cross[b + t] += sg * q0[t];
      if (m == 2) {
        cross[ld + b + t] += sg * q1[t];
        cross[2 * ld + b + t] += sg * q2[t];
      }
    }
  }
}

/* A block of nb draws at once, draws innermost (contiguous, so the inner
 * loops are vector operations over draws). V: draws x Gb (V[b + ldv h]).
 * Scratch: Y (nb x k m), sc (nb x m). Writes num (nb x m) and cross
 * (nb x m (m+1) / 2), each with leading dimension ld. Cells of each
 * clustering are sorted by cluster (cstart: first cell of each cluster). */
static void bt_block(const double *restrict V, size_t ldv, int nb, int Gb,
                     int m, int k,
                     const double *restrict A, const double *restrict S,
                     int nd, const bt_dim *dims, const int *const *cstart,
                     double *restrict Y, double *restrict sc,
                     double *restrict num, double *restrict cross, size_t ld)
{
  int km = k * m, mm = m * (m + 1) / 2;
  for (int j = 0; j < m; j++) {
    double *nj = num + ld * j;
    for (int b = 0; b < nb; b++) nj[b] = 0;
  }
  for (int q = 0; q < mm; q++) {
    double *cq = cross + ld * q;
    for (int b = 0; b < nb; b++) cq[b] = 0;
  }
  int needY = 0;
  for (int d = 0; d < nd; d++) needY |= !dims[d].dense;
  if (needY) memset(Y, 0, sizeof(double) * (size_t) nb * km);
  for (int h = 0; h < Gb; h++) {
    const double *restrict v = V + ldv * h;
    const double *a = A + (size_t) m * h, *s = S + (size_t) km * h;
    for (int j = 0; j < m; j++) {
      double *restrict nj = num + ld * j;
      double aj = a[j];
#ifdef _OPENMP
#pragma omp simd
#endif
      for (int b = 0; b < nb; b++) nj[b] += aj * v[b];
    }
    for (int l = 0; l < km && needY; l++) {
      double *restrict y = Y + (size_t) nb * l;
      double sl = s[l];
      if (sl == 0) continue;
#ifdef _OPENMP
#pragma omp simd
#endif
      for (int b = 0; b < nb; b++) y[b] += sl * v[b];
    }
  }
  for (int d = 0; d < nd; d++) {
    const bt_dim *D = dims + d;
    const int *cs = cstart[d];
    if (D->dense && m <= 2) {
      bt_dense12(V, ldv, nb, m, D, cs, cross, ld);
      continue;
    }
    for (int c = 0; c < D->Gc; c++) {
      memset(sc, 0, sizeof(double) * (size_t) nb * m);
      for (int e = cs[c]; e < cs[c + 1]; e++) {
        const double *restrict v = V + ldv * D->hh[e];
        const double *cv = D->cv + (size_t) m * e;
        if (m == 2) {            /* both rows of an interval in one pass */
          double *restrict s0 = sc, *restrict s1 = sc + nb;
          double x0 = cv[0], x1 = cv[1];
#ifdef _OPENMP
#pragma omp simd
#endif
          for (int b = 0; b < nb; b++) {
            s0[b] += x0 * v[b];
            s1[b] += x1 * v[b];
          }
          continue;
        }
        for (int j = 0; j < m; j++) {
          double *restrict sj = sc + (size_t) nb * j;
          double x = cv[j];
#ifdef _OPENMP
#pragma omp simd
#endif
          for (int b = 0; b < nb; b++) sj[b] += x * v[b];
        }
      }
      if (!D->dense) {          /* a dense clustering has the M part in cv */
        const double *M = D->Mt + (size_t) m * k * c;
        for (int j = 0; j < m; j++) {
          double *restrict sj = sc + (size_t) nb * j;
          for (int l = 0; l < k; l++) {
            const double *restrict y = Y + (size_t) nb * ((size_t) k * j + l);
            double x = M[j + (size_t) m * l];
#ifdef _OPENMP
#pragma omp simd
#endif
            for (int b = 0; b < nb; b++) sj[b] -= x * y[b];
          }
        }
      }
      int q = 0;
      for (int j2 = 0; j2 < m; j2++) {
        const double *restrict s2 = sc + (size_t) nb * j2;
        for (int j1 = 0; j1 <= j2; j1++) {
          const double *restrict s1 = sc + (size_t) nb * j1;
          double *restrict cq = cross + ld * q++;
          double sg = D->sign;
#ifdef _OPENMP
#pragma omp simd
#endif
          for (int b = 0; b < nb; b++) cq[b] += sg * s1[b] * s2[b];
        }
      }
    }
  }
}

/* The weights of draws b0 .. b0 + nb - 1 into V, generated draw
 * by draw, cluster by cluster (V[b + ldv h]). Rademacher signs come 16 at a time from one
 * uniform u: cluster 16 i + j (j < 16) of a draw gets -1 when bit j of
 * floor(65536 u) is set (every generator of R has at least 16 random bits
 * per uniform). */
static void bt_weights(int type, int Gb, int b0, int nb, double *V, size_t ldv)
{
  static const double webb[6] = {-1.224744871391589, -1.0, -0.7071067811865476,
                                 0.7071067811865476, 1.0, 1.224744871391589};
  const double s5 = sqrt(5.0);
  const double lo = (1.0 - s5) / 2.0, hi = (1.0 + s5) / 2.0;
  const double p_lo = (s5 + 1.0) / (2.0 * s5);
  for (int b = 0; b < nb; b++) {
    double *v = V + b;
    switch (type) {
    case 0: {
      unsigned int code = (unsigned int) (b0 + b);
      for (int h = 0; h < Gb; h++) v[ldv * h] = (code >> h) & 1u ? -1.0 : 1.0;
      break;
    }
    case 1:
      for (int h0 = 0; h0 < Gb; h0 += 16) {
        unsigned int bits = (unsigned int) floor(unif_rand() * 65536.0);
        int h1 = Gb - h0 < 16 ? Gb - h0 : 16;
        for (int j = 0; j < h1; j++)
          v[ldv * (h0 + j)] = (bits >> j) & 1u ? -1.0 : 1.0;
      }
      break;
    case 2:
      for (int h = 0; h < Gb; h++) {
        int i = (int) (unif_rand() * 6.0);
        v[ldv * h] = webb[i > 5 ? 5 : i];
      }
      break;
    case 3:
      for (int h = 0; h < Gb; h++) v[ldv * h] = unif_rand() < p_lo ? lo : hi;
      break;
    default:
      for (int h = 0; h < Gb; h++) v[ldv * h] = norm_rand();
    }
  }
}

static int bt_int(SEXP x, const char *what)
{
  int v = Rf_asInteger(x);
  if (v == NA_INTEGER) Rf_error("'%s' must be a whole number", what);
  return v;
}

/* dims: a list of lists (Gc, cc, hh, cv, Mt, sign, dense), checked against m, k, Gb. */
static bt_dim *bt_dims(SEXP dims, int m, int k, int Gb, int *Gcmax)
{
  int nd = Rf_length(dims);
  bt_dim *out = (bt_dim *) R_alloc(nd > 0 ? nd : 1, sizeof(bt_dim));
  *Gcmax = 1;
  for (int d = 0; d < nd; d++) {
    SEXP x = VECTOR_ELT(dims, d);
    if (!Rf_isNewList(x) || Rf_length(x) != 7) Rf_error("bad clustering %d", d + 1);
    bt_dim *D = out + d;
    D->Gc = bt_int(VECTOR_ELT(x, 0), "Gc");
    SEXP cc = VECTOR_ELT(x, 1), hh = VECTOR_ELT(x, 2);
    SEXP cv = VECTOR_ELT(x, 3), Mt = VECTOR_ELT(x, 4);
    if (!Rf_isInteger(cc) || !Rf_isInteger(hh) || !Rf_isReal(cv) || !Rf_isReal(Mt))
      Rf_error("bad types in clustering %d", d + 1);
    D->ncell = Rf_length(cc);
    D->dense = Rf_asLogical(VECTOR_ELT(x, 6)) == TRUE;
    if (D->Gc < 1 || Rf_length(hh) != D->ncell ||
        Rf_xlength(cv) != (R_xlen_t) m * D->ncell ||
        (!D->dense && Rf_xlength(Mt) != (R_xlen_t) m * k * D->Gc))
      Rf_error("inconsistent sizes in clustering %d", d + 1);
    D->cc = INTEGER(cc);
    D->hh = INTEGER(hh);
    for (int e = 0; e < D->ncell; e++) {
      if (D->cc[e] < 0 || D->cc[e] >= D->Gc || D->hh[e] < 0 || D->hh[e] >= Gb)
        Rf_error("cell %d of clustering %d is out of range", e + 1, d + 1);
      if (e > 0 && D->cc[e] < D->cc[e - 1])
        Rf_error("the cells of clustering %d must be sorted by cluster", d + 1);
    }
    D->cv = REAL(cv);
    D->Mt = REAL(Mt);
    D->sign = Rf_asReal(VECTOR_ELT(x, 5));
    if (D->Gc > *Gcmax) *Gcmax = D->Gc;
  }
  return out;
}

/* .Call entry: list(num = B x m, cross = B x m (m+1) / 2). ctrl: the
 * threads asked for and the work (multiply-adds) of a block of draws below
 * which one thread is used (a parallel region costs a time slice whenever
 * another process holds a core). */
SEXP sd_boottest_draws(SEXP A, SEXP S, SEXP dims, SEXP Bs, SEXP type,
                       SEXP ctrl, SEXP tick)
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
  int **cstart = (int **) R_alloc(nd > 0 ? nd : 1, sizeof(int *));
  for (int d = 0; d < nd; d++) {
    int *cs = (int *) R_alloc((size_t) D[d].Gc + 1, sizeof(int));
    for (int c = 0; c <= D[d].Gc; c++) cs[c] = 0;
    for (int e = 0; e < D[d].ncell; e++) cs[D[d].cc[e] + 1]++;
    for (int c = 0; c < D[d].Gc; c++) cs[c + 1] += cs[c];
    cstart[d] = cs;
  }
  if (!Rf_isReal(ctrl) || Rf_length(ctrl) < 2 || Rf_length(ctrl) > 3)
    Rf_error("'ctrl' must be c(threads, minimum work for threads[, table])");
  bt_tab tb;
  int use_tab = (Rf_length(ctrl) < 3 || REAL(ctrl)[2] != 0) &&
    bt_tab_init(&tb, ty, m, Gb, pA, nd, D);
  double per_draw = use_tab ? (double) tb.nchunk * tb.R + (double) tb.R * m :
    (double) Gb * m * (k + 1) + (double) Gcmax * nd * m * (k + m);
  SEXP nthreads = PROTECT(Rf_ScalarInteger((int) REAL(ctrl)[0]));
  int nt = per_draw * bk >= REAL(ctrl)[1] ?
    sd_nthreads(nthreads, (int) fmin(per_draw * bk, 2e9)) : 1;
  UNPROTECT(1);
  if (nt > bk / BT_SUB) nt = bk / BT_SUB > 0 ? bk / BT_SUB : 1;
  /* V: bk draws x Gb, rows padded to a multiple of BT_W (bt_dense12 reads
   * whole groups of draws; the padding rows are zero and never stored) */
  size_t ldv = ((size_t) bk + BT_W - 1) / BT_W * BT_W + 8;  /* + 8: columns a
     power of two apart would share one set of the L1 cache and evict each other */
  double *V = NULL, *ws;
  size_t wsz;
  unsigned short *idx = NULL;
  unsigned char *bits = NULL;
  if (use_tab) {
    idx = (unsigned short *) R_alloc((size_t) bk * tb.nchunk, sizeof(unsigned short));
    bits = (unsigned char *) R_alloc((size_t) Gb, 1);
    wsz = (size_t) tb.R;
  } else {
    V = (double *) R_alloc(ldv * Gb, sizeof(double));
    memset(V, 0, sizeof(double) * ldv * Gb);
    wsz = (size_t) BT_SUB * ((size_t) k * m + m);
  }
  ws = (double *) R_alloc(wsz * nt, sizeof(double));

  if (ty != 0) GetRNGstate();
  for (int b0 = 0; b0 < B; b0 += bk) {
    int nb = B - b0 < bk ? B - b0 : bk;
    /* an interrupt leaves R's stream where it was (PutRNGstate not reached) */
    R_CheckUserInterrupt();
    if (use_tab) bt_tab_codes(&tb, ty, b0, nb, idx, bits);
    else bt_weights(ty, Gb, b0, nb, V, ldv);
    int nsub = (nb + BT_SUB - 1) / BT_SUB;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
#endif
    {
      int tid = sd_thread_id(), got = 1;
#ifdef _OPENMP
      got = omp_get_num_threads();
#endif
      int lo = (int) ((long long) nsub * tid / got);
      int hi = (int) ((long long) nsub * (tid + 1) / got);
      double *Y = ws + wsz * tid, *sc = Y + (size_t) BT_SUB * k * m;
      for (int u = lo; u < hi; u++) {
        int s0 = u * BT_SUB, ns = nb - s0 < BT_SUB ? nb - s0 : BT_SUB;
        if (use_tab) {
          bt_tab_block(&tb, idx + (size_t) tb.nchunk * s0, ns, Y, pn + b0 + s0,
                       pc + b0 + s0, (size_t) B);
          continue;
        }
        bt_block(V + s0, ldv, ns, Gb, m, k, pA, pS, nd, D,
                 (const int *const *) cstart, Y, sc, pn + b0 + s0,
                 pc + b0 + s0, (size_t) B);
      }
    }
    sd_tick(tick, b0 + nb);
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
 * t* > t, t* < t, |t*| > |t| and of draws with a positive variance. Draws
 * within a relative 'eps' of t are ties, counted on neither side: the draws
 * equal to +-t in exact arithmetic (the identity draw and its mirror under
 * the null) must not count by rounding. The comparisons are made on
 * squares (no square root or division: the loop vectorises). */
SEXP sd_boottest_count(SEXP num, SEXP cross, SEXP delta, SEXP sd0, SEXP eps)
{
  if (!Rf_isReal(num) || !Rf_isReal(cross) || !Rf_isReal(delta))
    Rf_error("'num', 'cross' and 'delta' must be double");
  R_xlen_t B = Rf_xlength(num) / 2;
  if (Rf_xlength(num) != 2 * B || Rf_xlength(cross) != 3 * B)
    Rf_error("'num' must be B x 2 and 'cross' B x 3");
  if (B > INT_MAX) Rf_error("too many draws");
  int nr = Rf_length(delta), nB = (int) B;
  double s0 = Rf_asReal(sd0), ep = Rf_asReal(eps);
  const double *n0 = REAL(num), *n1 = n0 + B;
  const double *d0 = REAL(cross), *d1 = d0 + B, *d2 = d1 + B;
  SEXP out = PROTECT(Rf_allocMatrix(REALSXP, nr, 4));
  double *o = REAL(out);
  for (int i = 0; i < nr; i++) {
    double dl = REAL(delta)[i], t = dl / s0;
    double up = t + ep * fabs(t), dn = t - ep * fabs(t), ab = fabs(t) * (1 + ep);
    double up2 = up * up, dn2 = dn * dn, ab2 = ab * ab;
    int up_pos = up >= 0, dn_neg = dn <= 0;
    int gt = 0, lt = 0, agt = 0, ok = 0;
#ifdef _OPENMP
#pragma omp simd reduction(+:gt, lt, agt, ok)
#endif
    for (int b = 0; b < nB; b++) {
      double den = d0[b] + dl * (2 * d1[b] + dl * d2[b]);
      double nu = n0[b] + dl * n1[b], nu2 = nu * nu;
      int v = den > 0;
      /* t* > up, t* < dn, |t*| > ab, with t* = nu / sqrt(den) */
      int g = up_pos ? (nu > 0) & (nu2 > up2 * den) : (nu >= 0) | (nu2 < up2 * den);
      int l = dn_neg ? (nu < 0) & (nu2 > dn2 * den) : (nu <= 0) | (nu2 < dn2 * den);
      ok += v;
      gt += v & g;
      lt += v & l;
      agt += v & (nu2 > ab2 * den);
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

/* Placebo draws aggregated by unit: balanced, unweighted two-way panels whose
 * variance is iid or clustered by a variable constant within units (the
 * study's case: clustered by city).
 *
 * In such a panel the demeaned pseudo-treatment of a draw is
 *   d~(i,t) = d(i,t) - a_i + w_t,
 * where d(i,t) = 1 from unit i's pseudo adoption period on, a_i is the share
 * of unit i's periods that are treated and w_t = dbar - (share of units
 * treated at t). Everything a draw needs is then a function of per-unit sums
 * that do not depend on the draw, for each candidate adoption period g:
 *   E_i = sum_t e_it,        Se_i(g) = sum_{t >= g} e_it,
 *   Xs_i = sum_t x~_it,      SX_i(g) = sum_{t >= g} x~_it,
 *   Xe_i = sum_t x~_it e_it, A_i = sum_t x~_it x~_it'.
 * They take one pass over the rows; a draw then costs
 * O(units x (controls^2 + candidates x controls)) instead of O(rows x controls):
 *   coefficient  X~'d~ = X~'d = sum over the pseudo-treated units of SX_i(g_i),
 *                e'd~ = e'd = sum of Se_i(g_i), and d'd~ in closed form
 *                (X~ and e are orthogonal to the fixed effects);
 *   cluster sums s_i = sum_t r_it u_it with r = d~ - X~ gamma, u = e - beta r:
 *                s_i = z_i'alpha + kappa for a unit that is not pseudo-treated,
 *                where z_i stacks the unit's sums and alpha, kappa depend only
 *                on the draw, plus a correction for a pseudo-treated unit. A
 *                block of draws is thus a product of the units' sums with the
 *                draws' alphas.
 * A draw is computed by one thread in a fixed order (units in order), so the
 * results do not depend on the number of threads.
 */
#include "smartdid.h"
#include "placebo.h"
#include <math.h>
#include <string.h>
#include <limits.h>
#include <stdint.h>

#define PLU_MAX_BLOCK 64
#define PLU_BLOCK_BYTES 67108864.0   /* membership arrays of a block: 64 MB */

/* Layout of a unit's sums z_i (m doubles): E, Xs (p), Xe (p), then for
 * each candidate k Se(k) followed by SX(k) (p), so that a draw's coefficient
 * reads one short run per pseudo-treated unit, then A (upper triangle). */
typedef struct {
  int P, p, m;
  int oE, oXs, oXe, oK, oA;
} plu_layout;

static plu_layout plu_make_layout(int P, int p)
{
  plu_layout L;
  L.P = P; L.p = p;
  L.oE = 0;
  L.oXs = 1;
  L.oXe = L.oXs + p;
  L.oK = L.oXe + p;
  L.oA = L.oK + P * (p + 1);
  L.m = L.oA + p * (p + 1) / 2;
  return L;
}

/* Offsets of Se(k) and SX(k) in z. */
static inline int plu_se(const plu_layout *L, int k) { return L->oK + k * (L->p + 1); }
static inline int plu_sx(const plu_layout *L, int k) { return plu_se(L, k) + 1; }

/* The per-unit sums, unit by unit (rows of unit u: urows[ustart[u]..]).
 * after[t * P + k]: period t is at or after candidate k. */
static void plu_unit_sums(const plu_model *md, const plu_layout *L,
                          const int *ustart, const int *urows,
                          const unsigned char *after, double *Z, int nt)
{
  int n = md->n, p = md->p, P = L->P, m = L->m;
  const double *X = md->X, *e = md->e;
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int u = 0; u < md->N; u++) {
    double *z = Z + (size_t) u * m;
    memset(z, 0, sizeof(double) * m);
    for (int r = ustart[u]; r < ustart[u + 1]; r++) {
      int i = urows[r];
      const unsigned char *af = after + (size_t) md->time0[i] * P;
      double ei = e[i];
      z[L->oE] += ei;
      for (int k = 0; k < P; k++) if (af[k]) z[plu_se(L, k)] += ei;
      double *a = z + L->oA;
      for (int j = 0; j < p; j++) {
        double xj = X[i + (size_t) j * n];
        z[L->oXs + j] += xj;
        z[L->oXe + j] += xj * ei;
        for (int k = 0; k < P; k++) if (af[k]) z[plu_sx(L, k) + j] += xj;
        for (int l = j; l < p; l++) *a++ += xj * X[i + (size_t) l * n];
      }
    }
  }
}

/* What a draw needs besides the units' sums. */
typedef struct {
  int ok;
  double beta, rr, re;
  long long n1;            /* treated rows */
} plu_draw;

/* One draw: membership K (candidate index of unit u at K[u * ks], -1 if not
 * pseudo-treated; all -1 on entry; the last period listed for a unit
 * counts), its coefficient, and (when alpha is not NULL) the coefficients
 * alpha (m, with stride `stride`) and kappa of its cluster sums and the
 * treated corrections' constants (ta, td2: P each). wt: T doubles, nk: P,
 * gam and cv: p each. */
static void plu_draw_setup(const plu_model *md, const plu_layout *L,
                           const double *Z, const int *cnt,
                           const unsigned char *after, const int *kof, int kmax,
                           const int *au, const int *ap, int na, int16_t *K,
                           int ks, double *wt, double *nk, double *gam, double *cv,
                           double *alpha, int stride, double *kappa,
                           double *ta, double *td2, plu_draw *dr)
{
  int N = md->N, T = md->T, P = L->P, p = md->p, m = L->m;
  int dup = 0;
  for (int j = 0; j < na; j++) {
    int u = au[j], g = ap[j];
    if (u < 1 || u > N || g == NA_INTEGER || g < 0 || g > kmax) continue;
    int16_t *Ku = K + (size_t) (u - 1) * ks;
    if (*Ku >= 0) dup = 1;
    *Ku = (int16_t) kof[g];
  }
  /* units treated by candidate; the coefficient's sums, over the listed
   * units (distinct, as the draws make them) or, with duplicates, over all */
  memset(nk, 0, sizeof(double) * P);
  memset(cv, 0, sizeof(double) * p);
  double de = 0;
  int nu = dup ? N : na;
  for (int j = 0; j < nu; j++) {
    int u = dup ? j : au[j] - 1;
    if (!dup && (u < 0 || u >= N)) continue;
    int k = K[(size_t) u * ks];
    if (k < 0) continue;
    nk[k] += 1;
    const double *z = Z + (size_t) u * m + plu_se(L, k);
    de += z[0];
    for (int l = 0; l < p; l++) cv[l] += z[1 + l];
  }
  /* w_t = dbar - share treated at t; its sum (zero up to rounding) and
   * sum of squares; per candidate: a_k, sum of w_t over t >= g_k */
  double dbar = 0, W1 = 0, W2 = 0;
  long long n1 = 0;
  for (int t = 0; t < T; t++) {
    double s = 0;
    for (int k = 0; k < P; k++) if (after[(size_t) t * P + k]) s += nk[k];
    wt[t] = s / N;
    dbar += wt[t];
  }
  dbar /= T;
  for (int t = 0; t < T; t++) { wt[t] = dbar - wt[t]; W1 += wt[t]; W2 += wt[t] * wt[t]; }
  double dd = 0;
  for (int k = 0; k < P; k++) {
    double ws = 0;
    for (int t = 0; t < T; t++) if (after[(size_t) t * P + k]) ws += wt[t];
    double a = (double) cnt[k] / T;
    /* sum_t d~^2 of a unit treated from candidate k, beyond the W2 of all */
    td2[k] = cnt[k] * (1 - a) * (1 - a) + (T - cnt[k]) * a * a + 2 * (ws - a * W1);
    ta[k] = a;
    dd += nk[k] * (cnt[k] * (1 - a) + ws);
    n1 += (long long) nk[k] * cnt[k];
  }
  dr->n1 = n1;
  dr->ok = 0;
  double n = (double) md->n;
  double ss_raw = (double) n1 * (n - (double) n1) / n;
  if (n1 == 0 || n1 == md->n || !(dd > 1e-12 * ss_raw)) return;
  double ca = 0, xa = 0;
  for (int j = 0; j < p; j++) {
    double s = 0;
    for (int l = 0; l < p; l++) s += md->Q[j + (size_t) l * p] * cv[l];
    gam[j] = s;
    ca += cv[j] * s;
    xa += md->xe[j] * s;
  }
  double rr = dd - ca;
  if (!(rr > 1e-10 * dd)) return;
  dr->ok = 1;
  dr->rr = rr;
  dr->re = de - xa;
  dr->beta = dr->re / rr;
  if (!alpha) return;
  /* s_i (not pseudo-treated) = [sum_t w_t e_it - gamma'Xe_i]
   *   - beta [W2 - 2 gamma' sum_t w_t x~_it + gamma'A_i gamma],
   * sum_t w_t e_it = dbar E_i - sum_k (n_k / N) Se_i(k), likewise for x~ */
  double beta = dr->beta;
  alpha[(size_t) L->oE * stride] = dbar;
  for (int k = 0; k < P; k++) {
    double om = nk[k] / N;
    alpha[(size_t) plu_se(L, k) * stride] = -om;
    for (int j = 0; j < p; j++)
      alpha[(size_t) (plu_sx(L, k) + j) * stride] = -2 * beta * om * gam[j];
  }
  for (int j = 0; j < p; j++) {
    alpha[(size_t) (L->oXs + j) * stride] = 2 * beta * dbar * gam[j];
    alpha[(size_t) (L->oXe + j) * stride] = -gam[j];
  }
  double *a = alpha + (size_t) L->oA * stride;
  for (int j = 0; j < p; j++)
    for (int l = j; l < p; l++, a += stride)
      *a = -beta * gam[j] * gam[l] * (l == j ? 1 : 2);
  *kappa = -beta * W2;
}

#define PLU_GROUP 8   /* draws whose sums stay in registers together */

/* z'alpha + kappa for the PLU_GROUP draws of a group (alpha: stride bk) and
 * one unit (z1 NULL) or two units at once, so that each load of alpha
 * serves both. Fixed-length inner loops: the compiler keeps the sums in
 * vector registers. Each sum runs over j in order whatever the grouping. */
static void plu_dots(const double *z0, const double *z1, const double *alpha,
                     const double *kappa, int bk, int m, double *s0, double *s1)
{
  double a0[PLU_GROUP], a1[PLU_GROUP];
  for (int q = 0; q < PLU_GROUP; q++) a0[q] = a1[q] = kappa[q];
  if (z1) {
    for (int j = 0; j < m; j++) {
      const double *aj = alpha + (size_t) j * bk;
      double x0 = z0[j], x1 = z1[j];
      for (int q = 0; q < PLU_GROUP; q++) { a0[q] += x0 * aj[q]; a1[q] += x1 * aj[q]; }
    }
  } else {
    for (int j = 0; j < m; j++) {
      const double *aj = alpha + (size_t) j * bk;
      double x0 = z0[j];
      for (int q = 0; q < PLU_GROUP; q++) a0[q] += x0 * aj[q];
    }
  }
  memcpy(s0, a0, sizeof a0);
  if (z1) memcpy(s1, a1, sizeof a1);
}

/* Add unit u's cluster sums s (draws b0..b0+PLU_GROUP-1) to the meats: the
 * correction of a pseudo-treated unit,
 *   [Se_i(k) - a_k E_i] - beta [td2_k - 2 (gamma'SX_i(k) - a_k gamma'Xs_i)],
 * then s^2 into meat[b] (clusters = units) or s into S[b * G + cluster]. */
static void plu_add(const plu_model *md, const plu_layout *L, const double *z,
                    int u, const int16_t *K, int ks, const double *gam, const double *ta,
                    const double *td2, const plu_draw *dr, int b0, int hi,
                    const double *s, double *meat, double *S)
{
  int p = md->p, P = L->P;
  const int16_t *Ku = K + (size_t) u * ks;
  for (int b = b0; b < b0 + PLU_GROUP && b < hi; b++) {
    if (!dr[b].ok) continue;
    int k = Ku[b];
    double sb = s[b - b0];
    if (k >= 0) {
      const double *g = gam + (size_t) b * (p + 1), *sx = z + plu_sx(L, k);
      double q = 0, gx = 0;
      for (int j = 0; j < p; j++) { q += g[j] * sx[j]; gx += g[j] * z[L->oXs + j]; }
      double a = ta[(size_t) b * (P + 1) + k];
      sb += (z[plu_se(L, k)] - a * z[L->oE]) -
        dr[b].beta * (td2[(size_t) b * (P + 1) + k] - 2 * (q - a * gx));
    }
    if (md->clu) S[(size_t) b * md->G + md->clu[u]] += sb;
    else meat[b] += sb * sb;
  }
}

/* The cluster sums of the draws lo..hi-1 of a block (lo a multiple of
 * PLU_GROUP; alpha and kappa padded with zeros to a multiple of PLU_GROUP
 * draws, stride bk), unit by unit, each draw's units in order. */
static void plu_scores(const plu_model *md, const plu_layout *L, const double *Z,
                       const int16_t *K, const double *alpha, const double *kappa,
                       const double *gam, const double *ta, const double *td2,
                       const plu_draw *dr, int bk, int lo, int hi,
                       double *meat, double *S)
{
  int N = md->N, m = L->m;
  double s0[PLU_GROUP], s1[PLU_GROUP];
  for (int b0 = lo; b0 < hi; b0 += PLU_GROUP) {
    int u = 0;
    for (; u + 1 < N; u += 2) {
      const double *z0 = Z + (size_t) u * m, *z1 = z0 + m;
      plu_dots(z0, z1, alpha + b0, kappa + b0, bk, m, s0, s1);
      plu_add(md, L, z0, u, K, bk, gam, ta, td2, dr, b0, hi, s0, meat, S);
      plu_add(md, L, z1, u + 1, K, bk, gam, ta, td2, dr, b0, hi, s1, meat, S);
    }
    if (u < N) {
      const double *z0 = Z + (size_t) u * m;
      plu_dots(z0, NULL, alpha + b0, kappa + b0, bk, m, s0, NULL);
      plu_add(md, L, z0, u, K, bk, gam, ta, td2, dr, b0, hi, s0, meat, S);
    }
  }
}

/* Candidate adoption periods: the distinct period codes of ap (codes
 * 0..kmax; NA and negative codes ignored), as an index kof[code] (-1 if not a
 * candidate). Returns their number. */
static int plu_candidates(const int *ap, size_t len, int **kof_out, int *kmax_out)
{
  int kmax = 0;
  for (size_t i = 0; i < len; i++) if (ap[i] != NA_INTEGER && ap[i] > kmax) kmax = ap[i];
  int *kof = (int *) R_alloc((size_t) kmax + 1, sizeof(int));
  for (int g = 0; g <= kmax; g++) kof[g] = -1;
  for (size_t i = 0; i < len; i++) if (ap[i] != NA_INTEGER && ap[i] >= 0) kof[ap[i]] = 0;
  int P = 0;
  for (int g = 0; g <= kmax; g++) if (kof[g] == 0) kof[g] = P++;
  *kof_out = kof;
  *kmax_out = kmax;
  return P;
}

/* The draws (see the top of the file). Returns 0, doing nothing, when there
 * are too many candidate periods for the 16-bit membership codes. */
int plu_run(const plu_model *md, const int *ustart, const int *urows,
            const int *au, const int *ap, int na, int B, int nt,
            double *est, double *se, int *ntr)
{
  int N = md->N, T = md->T, p = md->p;
  int *kof, kmax;
  int P = plu_candidates(ap, (size_t) na * B, &kof, &kmax);
  if (P > INT16_MAX) return 0;
  /* candidate codes in increasing order, then the periods at or after each */
  int *pk = (int *) R_alloc(P > 0 ? P : 1, sizeof(int));
  for (int g = 0; g <= kmax; g++) if (kof[g] >= 0) pk[kof[g]] = g;
  unsigned char *after = (unsigned char *) R_alloc((size_t) T * (P > 0 ? P : 1), 1);
  int *cnt = (int *) R_alloc(P > 0 ? P : 1, sizeof(int));
  for (int k = 0; k < P; k++) {
    cnt[k] = 0;
    for (int t = 0; t < T; t++) {
      after[(size_t) t * P + k] = md->tv[t] >= pk[k];
      cnt[k] += after[(size_t) t * P + k];
    }
  }
  plu_layout L = plu_make_layout(P, p);
  int m = L.m;
  double *Z = (double *) R_alloc((size_t) N * m, sizeof(double));
  plu_unit_sums(md, &L, ustart, urows, after, Z, nt);

  int clustered = md->vtype == 2;
  int bk = (int) fmin(PLU_MAX_BLOCK, fmax(1.0, floor(PLU_BLOCK_BYTES / ((double) N * sizeof(int16_t)))));
  if (md->block >= 1) bk = md->block;
  if (bk > B) bk = B;
  if (nt > bk) nt = bk;
  double *wt = (double *) R_alloc((size_t) bk * T, sizeof(double));
  double *nk = (double *) R_alloc((size_t) bk * (P + 1), sizeof(double));
  double *gam = (double *) R_alloc((size_t) bk * (p + 1), sizeof(double));
  double *cv = (double *) R_alloc((size_t) bk * (p + 1), sizeof(double));
  double *ta = (double *) R_alloc((size_t) bk * (P + 1), sizeof(double));
  double *td2 = (double *) R_alloc((size_t) bk * (P + 1), sizeof(double));
  int bkp = (bk + PLU_GROUP - 1) / PLU_GROUP * PLU_GROUP;   /* padded stride */
  double *alpha = (double *) R_alloc((size_t) bkp * m, sizeof(double));
  double *kappa = (double *) R_alloc(bkp, sizeof(double));
  memset(alpha, 0, sizeof(double) * bkp * m);
  memset(kappa, 0, sizeof(double) * bkp);
  /* membership of the block's draws, unit by unit: K[u * bkp + b] */
  int16_t *K = (int16_t *) R_alloc((size_t) bkp * N, sizeof(int16_t));
  double *meat = (double *) R_alloc(bk, sizeof(double));
  double *S = md->clu ? (double *) R_alloc((size_t) bk * md->G, sizeof(double)) : NULL;
  plu_draw *dr = (plu_draw *) R_alloc(bk, sizeof(plu_draw));

  for (int b0 = 0; b0 < B; b0 += bk) {
    R_CheckUserInterrupt();
    int nb = B - b0 < bk ? B - b0 : bk;
    memset(K, 0xff, sizeof(int16_t) * bkp * N);   /* all -1 */
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int b = 0; b < nb; b++) {
      size_t col = (size_t) (b0 + b) * na;
      plu_draw_setup(md, &L, Z, cnt, after, kof, kmax, au + col, ap + col, na,
                     K + b, bkp, wt + (size_t) b * T, nk + (size_t) b * (P + 1),
                     gam + (size_t) b * (p + 1), cv + (size_t) b * (p + 1),
                     clustered ? alpha + b : NULL, bkp, kappa + b,
                     ta + (size_t) b * (P + 1), td2 + (size_t) b * (P + 1), dr + b);
      meat[b] = 0;
      if (S) memset(S + (size_t) b * md->G, 0, sizeof(double) * md->G);
    }
    if (clustered) {
      /* each thread a contiguous range of draws, all units in order */
#pragma omp parallel num_threads(nt)
      {
        int th = sd_thread_id(), ntt = nt;
#ifdef _OPENMP
        ntt = omp_get_num_threads();
#endif
        /* whole groups of draws per thread */
        int ng = (nb + PLU_GROUP - 1) / PLU_GROUP;
        int lo = (int) ((long long) ng * th / ntt) * PLU_GROUP;
        int hi = (int) ((long long) ng * (th + 1) / ntt) * PLU_GROUP;
        if (hi > nb) hi = nb;
        if (lo < hi)
          plu_scores(md, &L, Z, K, alpha, kappa, gam, ta, td2, dr, bkp, lo, hi,
                     meat, S);
      }
    }
    for (int b = 0; b < nb; b++) {
      ntr[b0 + b] = dr[b].n1 > INT_MAX ? NA_INTEGER : (int) dr[b].n1;
      if (!dr[b].ok) { est[b0 + b] = NA_REAL; se[b0 + b] = NA_REAL; continue; }
      double beta = dr[b].beta, rr = dr[b].rr, v;
      if (!clustered) {
        double uu = md->ee - 2 * beta * dr[b].re + beta * beta * rr;
        v = md->scale * uu / rr;
      } else {
        double mt = meat[b];
        if (S) {
          const double *Sb = S + (size_t) b * md->G;
          mt = 0;
          for (int g = 0; g < md->G; g++) mt += Sb[g] * Sb[g];
        }
        v = md->scale * mt / (rr * rr);
      }
      est[b0 + b] = beta;
      se[b0 + b] = sqrt(v > 0 ? v : 0);
    }
  }
  return 1;
}

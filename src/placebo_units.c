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
 *   Se_i(g) = sum_{t >= g} e_it,   SX_i(g) = sum_{t >= g} x~_it,
 *   Xe_i = sum_t x~_it e_it,       A_i = sum_t x~_it x~_it'
 * (sum_t e_it and sum_t x~_it are zero: e and x~ are demeaned within units).
 * They take one pass over the rows; a draw then costs
 * O(units x (controls^2 + candidates x controls)) instead of O(rows x controls):
 *   coefficient  X~'d~ = X~'d = sum over the pseudo-treated units of SX_i(g_i),
 *                e'd~ = e'd = sum of Se_i(g_i), and d'd~ in closed form
 *                (X~ and e are orthogonal to the fixed effects);
 *   cluster sums s_i = sum_t r_it u_it with r = d~ - X~ gamma, u = e - beta r:
 *                s_i = z_i'alpha + kappa for a unit that is not pseudo-treated,
 *                where z_i stacks the unit's sums and alpha, kappa depend only
 *                on the draw, plus a correction for a pseudo-treated unit.
 *                With coarser clusters a block of draws is a product of the
 *                units' sums with the draws' alphas (plu_scores); with one
 *                cluster per unit, sum_i s_i^2 is a quadratic form plus terms
 *                of the pseudo-treated units only (plu_corr_units).
 * Draws go in blocks; each thread takes whole groups of a block's draws and
 * visits the units in order for them, so that the units' sums stream through
 * memory once per block. A draw is computed by one thread in a fixed order,
 * so the results do not depend on the number of threads.
 */
#include "smartdid.h"
#include "placebo.h"
#include <math.h>
#include <string.h>
#include <limits.h>
#include <stdint.h>

#define PLU_MAX_BLOCK 32
#define PLU_BLOCK_BYTES 67108864.0   /* membership codes of a block: 64 MB */
#define PLU_GROUP 8                  /* draws handled together (a byte of flags) */
#define PLU_CHUNK 1024               /* units per partial sum (fixed: reproducible) */

/* Index of the lowest set bit of a nonzero byte. */
static inline int plu_low_bit(unsigned int x)
{
#if defined(__GNUC__)
  return __builtin_ctz(x);
#else
  int i = 0;
  while (!(x & 1u)) { x >>= 1; i++; }
  return i;
#endif
}

/* Layout of a unit's sums z_i (m doubles): Xe (p), then for each candidate k
 * Se(k) followed by SX(k) (p), so that a draw's coefficient reads one short
 * run per pseudo-treated unit, then A (upper triangle, row by row). */
typedef struct {
  int P, p, m;
  int oXe, oK, oA;
} plu_layout;

static plu_layout plu_make_layout(int P, int p)
{
  plu_layout L;
  L.P = P; L.p = p;
  L.oXe = 0;
  L.oK = p;
  L.oA = L.oK + P * (p + 1);
  L.m = L.oA + p * (p + 1) / 2;
  return L;
}

/* Offsets of Se(k) and SX(k) in z. */
static inline int plu_se(const plu_layout *L, int k) { return L->oK + k * (L->p + 1); }
static inline int plu_sx(const plu_layout *L, int k) { return plu_se(L, k) + 1; }

/* The per-unit sums, unit by unit (rows of unit u: urows[ustart[u]..]):
 * the unit's rows of e and x~ are gathered into a small buffer (columns of
 * T values) so that Xe and A are short dot products.
 * after[t * P + k]: period t is at or after candidate k. */
static void plu_unit_sums(const pl_model *md, const plu_layout *L,
                          const int *ustart, const int *urows,
                          const unsigned char *after, double *Z, int nt)
{
  int n = md->n, p = md->p, P = L->P, m = L->m, T = md->T;
  const double *X = md->X, *e = md->e;
  double *buf = (double *) R_alloc((size_t) nt * T * (p + 1), sizeof(double));
  /* rounds of about 1e8 multiplications, the master polling for an
   * interrupt between them */
  double per = (double) T * (P * (p + 1.0) + p * (p + 3.0) / 2) + 1;
  int step = 1e8 / per < 1 ? 1 : 1e8 / per > md->N ? md->N : (int) (1e8 / per);
  for (int u0 = 0; u0 < md->N; u0 += step) {
    int u1 = md->N - u0 < step ? md->N : u0 + step;
    R_CheckUserInterrupt();
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int u = u0; u < u1; u++) {
      double *z = Z + (size_t) u * m, *eb = buf + (size_t) sd_thread_id() * T * (p + 1);
      double *xb = eb + T;   /* column j at xb + j * T */
      int len = ustart[u + 1] - ustart[u];
      memset(z, 0, sizeof(double) * m);
      for (int r = 0; r < len; r++) {
        int i = urows[ustart[u] + r];
        eb[r] = e[i];
        for (int j = 0; j < p; j++) xb[(size_t) j * T + r] = X[i + (size_t) j * n];
        const unsigned char *af = after + (size_t) md->time0[i] * P;
        for (int k = 0; k < P; k++) {
          if (!af[k]) continue;
          double *sk = z + plu_se(L, k);
          sk[0] += eb[r];
          for (int j = 0; j < p; j++) sk[1 + j] += xb[(size_t) j * T + r];
        }
      }
      double *a = z + L->oA;
      for (int j = 0; j < p; j++) {
        const double *xj = xb + (size_t) j * T;
        z[L->oXe + j] = sd_dot(xj, eb, len);
        for (int l = j; l < p; l++) *a++ = sd_dot(xj, xb + (size_t) l * T, len);
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

/* The membership of a block's draws. For unit u and draw b of the block:
 * bit b % 8 of flag[u * ng + b / 8] says whether the draw treats the unit,
 * and then K[u * ks + b] is its candidate period. Draws are given to the
 * threads in whole groups of 8, so no two threads write the same flag byte. */
typedef struct {
  unsigned char *flag;
  uint8_t *K;
  int ng, ks;
} plu_members_t;

/* Fill draw b's membership (its flags are clear on entry; the last period
 * listed for a unit counts) and the number of units treated from each
 * candidate (nk, P). Codes as the row path reads them: at or below the
 * first period (negative ones included) the unit is treated throughout
 * (code lo), above the last one (hi) it is treated nowhere, as if not drawn;
 * kof[g - lo] is the candidate of code g. */
static void plu_members(const int *au, const int *ap, int na, const int *kof,
                        int lo, int hi, int N, const plu_members_t *mb, int b,
                        int P, double *nk)
{
  memset(nk, 0, sizeof(double) * P);
  unsigned char bit = (unsigned char) (1u << (b % PLU_GROUP));
  for (int j = 0; j < na; j++) {
    int u = au[j], g = ap[j];
    if (u < 1 || u > N || g == NA_INTEGER) continue;
    unsigned char *f = mb->flag + (size_t) (u - 1) * mb->ng + b / PLU_GROUP;
    uint8_t *Ku = mb->K + (size_t) (u - 1) * mb->ks + b;
    if (*f & bit) nk[*Ku] -= 1;
    if (g > hi) { *f &= (unsigned char) ~bit; continue; }
    if (g < lo) g = lo;
    *f |= bit;
    *Ku = (uint8_t) kof[g - lo];
    nk[*Ku] += 1;
  }
}

/* c += z (n values); restrict lets the compiler use vector adds. */
SD_INLINE void plu_axpy1(double *restrict c, const double *restrict z, int n)
{
  for (int l = 0; l < n; l++) c[l] += z[l];
}

/* The coefficient's sums of a block's nb draws over the units u0..u1-1,
 * unit by unit so that Z streams through memory: per draw e'd (de) and X~'d
 * (cv), p + 1 doubles a draw: de then cv. */
static void plu_coef_sums(const pl_model *md, const plu_layout *L,
                          const double *Z, const plu_members_t *mb, int u0,
                          int u1, int nb, double *part)
{
  int p = md->p, m = L->m;
  memset(part, 0, sizeof(double) * nb * (p + 1));
  for (int u = u0; u < u1; u++) {
    const uint8_t *Ku = mb->K + (size_t) u * mb->ks;
    const unsigned char *fu = mb->flag + (size_t) u * mb->ng;
    const double *zu = Z + (size_t) u * m;
    for (int g = 0; g * PLU_GROUP < nb; g++) {
      for (unsigned int f = fu[g]; f; f &= f - 1) {
        int b = g * PLU_GROUP + plu_low_bit(f);
        plu_axpy1(part + (size_t) b * (p + 1), zu + plu_se(L, Ku[b]), p + 1);
      }
    }
  }
}

/* The rest of one draw, from its sums (nk, de, cv): the coefficient, and
 * (when alpha is not NULL) the coefficients alpha (m, with stride `stride`)
 * and kappa of its cluster sums and the constants td2 (P) of the
 * pseudo-treated units' corrections. wt: T doubles of scratch, gam: p. */
static void plu_draw_finish(const pl_model *md, const plu_layout *L,
                            const int *cnt, const unsigned char *after,
                            const double *nk, double de, const double *cv,
                            double *wt, double *gam, double *alpha, int stride,
                            double *kappa, double *td2, plu_draw *dr)
{
  int N = md->N, T = md->T, P = L->P, p = md->p;
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
    dd += nk[k] * (cnt[k] * (1 - a) + ws);
    n1 += (long long) nk[k] * cnt[k];
  }
  dr->n1 = n1;
  dr->ok = pl_fwl(md->Q, md->xe, p, cv, dd, de, (double) n1, (double) md->n, gam,
                  &dr->beta, &dr->rr, &dr->re);
  if (!dr->ok || !alpha) return;
  /* s_i (not pseudo-treated) = sum_t w_t e_it - gamma'Xe_i
   *   - beta [W2 + 2 gamma' sum_t w_t x~_it + gamma'A_i gamma] with
   * sum_t w_t e_it = -sum_k (n_k / N) Se_i(k), likewise for x~ */
  double beta = dr->beta;
  for (int k = 0; k < P; k++) {
    double om = nk[k] / N;
    alpha[(size_t) plu_se(L, k) * stride] = -om;
    for (int j = 0; j < p; j++)
      alpha[(size_t) (plu_sx(L, k) + j) * stride] = -2 * beta * om * gam[j];
  }
  for (int j = 0; j < p; j++) alpha[(size_t) (L->oXe + j) * stride] = -gam[j];
  double *a = alpha + (size_t) L->oA * stride;
  for (int j = 0; j < p; j++)
    for (int l = j; l < p; l++, a += stride)
      *a = -beta * gam[j] * gam[l] * (l == j ? 1 : 2);
  *kappa = -beta * W2;
}

/* The correction of draw b's cluster sum for a unit it treats from candidate
 * k: Se_i(k) - beta [td2_k - 2 gamma'SX_i(k)]. */
SD_INLINE double plu_delta(const plu_layout *L, const double *z, int k,
                               const double *gam, double beta, double td2k)
{
  return z[plu_se(L, k)] - beta * (td2k - 2 * sd_dot(gam, z + plu_sx(L, k), L->p));
}

/* ---- coarser clusters: products for every unit ------------------------- */

/* z'alpha + kappa for the PLU_GROUP (8) draws of a group (alpha: stride bk)
 * and one unit (z1 NULL) or two units at once, so that each load of alpha
 * serves both. Sixteen named accumulators stay in registers (an array would
 * live on the stack). Each sum runs over j in order whatever the grouping. */
#define PLU_ACC8(a, x, aj) do { \
    a##0 += x * aj[0]; a##1 += x * aj[1]; a##2 += x * aj[2]; a##3 += x * aj[3]; \
    a##4 += x * aj[4]; a##5 += x * aj[5]; a##6 += x * aj[6]; a##7 += x * aj[7]; \
  } while (0)
#define PLU_STORE8(s, a) do { \
    s[0] = a##0; s[1] = a##1; s[2] = a##2; s[3] = a##3; \
    s[4] = a##4; s[5] = a##5; s[6] = a##6; s[7] = a##7; \
  } while (0)

static void plu_dots(const double *z0, const double *z1, const double *alpha,
                     const double *kappa, int bk, int m, double *s0, double *s1)
{
  double a0 = kappa[0], a1 = kappa[1], a2 = kappa[2], a3 = kappa[3],
    a4 = kappa[4], a5 = kappa[5], a6 = kappa[6], a7 = kappa[7];
  const double *aj = alpha;
  if (z1) {
    double c0 = a0, c1 = a1, c2 = a2, c3 = a3, c4 = a4, c5 = a5, c6 = a6, c7 = a7;
    for (int j = 0; j < m; j++, aj += bk) {
      double x0 = z0[j], x1 = z1[j];
      PLU_ACC8(a, x0, aj);
      PLU_ACC8(c, x1, aj);
    }
    PLU_STORE8(s1, c);
  } else {
    for (int j = 0; j < m; j++, aj += bk) {
      double x0 = z0[j];
      PLU_ACC8(a, x0, aj);
    }
  }
  PLU_STORE8(s0, a);
}

/* Add unit u's cluster sums s (the draws of group b0 / 8, up to hi) to S[b *
 * G + cluster], with the correction of the draws that treat the unit. */
static void plu_add(const pl_model *md, const plu_layout *L, const double *z,
                    int u, const plu_members_t *mb, const double *gam,
                    const double *td2, const plu_draw *dr, int b0, int hi,
                    const double *s, double *S)
{
  int p = md->p, P = L->P;
  const uint8_t *Ku = mb->K + (size_t) u * mb->ks;
  unsigned int f = mb->flag[(size_t) u * mb->ng + b0 / PLU_GROUP];
  for (int b = b0; b < b0 + PLU_GROUP && b < hi; b++) {
    if (!dr[b].ok) continue;
    double sb = s[b - b0];
    if (f & (1u << (b - b0))) {
      int k = Ku[b];
      sb += plu_delta(L, z, k, gam + (size_t) b * (p + 1), dr[b].beta,
                      td2[(size_t) b * (P + 1) + k]);
    }
    S[(size_t) b * md->Gu + md->clu[u]] += sb;
  }
}

/* The cluster sums of the draws lo..hi-1 of a block (lo a multiple of
 * PLU_GROUP; alpha and kappa padded to a multiple of PLU_GROUP draws, stride
 * bk), unit by unit, each draw's units in order. */
static void plu_scores(const pl_model *md, const plu_layout *L, const double *Z,
                       const plu_members_t *mb, const double *alpha,
                       const double *kappa, const double *gam, const double *td2,
                       const plu_draw *dr, int bk, int lo, int hi, double *S)
{
  int N = md->N, m = L->m;
  double s0[PLU_GROUP], s1[PLU_GROUP];
  for (int b0 = lo; b0 < hi; b0 += PLU_GROUP) {
    int u = 0;
    for (; u + 1 < N; u += 2) {
      const double *z0 = Z + (size_t) u * m, *z1 = z0 + m;
      plu_dots(z0, z1, alpha + b0, kappa + b0, bk, m, s0, s1);
      plu_add(md, L, z0, u, mb, gam, td2, dr, b0, hi, s0, S);
      plu_add(md, L, z1, u + 1, mb, gam, td2, dr, b0, hi, s1, S);
    }
    if (u < N) {
      const double *z0 = Z + (size_t) u * m;
      plu_dots(z0, NULL, alpha + b0, kappa + b0, bk, m, s0, NULL);
      plu_add(md, L, z0, u, mb, gam, td2, dr, b0, hi, s0, S);
    }
  }
}

/* ---- clusters = units -------------------------------------------------
 * With one cluster per unit the meat is sum_i s_i^2, s_i = c_i + delta_i,
 * c_i = z_i'alpha + kappa for every unit and delta_i (the correction of a
 * pseudo-treated unit) zero for the others. So
 *   meat = sum_i c_i^2 + sum over pseudo-treated i of delta_i (2 c_i + delta_i),
 * and sum_i c_i^2 = alpha'M alpha + N (zbar'alpha + kappa)^2 from the mean zbar
 * and the centred cross-products M of the units' sums, computed once: only
 * the pseudo-treated units need a product with alpha. Centring keeps the
 * quadratic form free of the cancellation an uncentred one would have. */

/* zbar (m) and the centred cross-products M (m x m, full) of the units'
 * sums, chunk of units after chunk (fixed chunks, added in order: the
 * result does not depend on the threads): the chunk's centred sums as
 * columns, then their cross-products as dot products, the rows of M shared
 * among the threads in rounds of about 1e8 multiplications. The master
 * polls for an interrupt between rounds (M grows as p^4 with the controls:
 * one chunk can take seconds). */
static void plu_moments(const double *Z, int N, int m, double *zbar, double *M,
                        int nt)
{
  memset(zbar, 0, sizeof(double) * m);
  for (int u = 0; u < N; u++)
    for (int j = 0; j < m; j++) zbar[j] += Z[(size_t) u * m + j];
  for (int j = 0; j < m; j++) zbar[j] /= N;
  size_t mm = (size_t) m * m;
  double *D = (double *) R_alloc((size_t) m * PLU_CHUNK, sizeof(double));
  memset(M, 0, sizeof(double) * mm);
  for (int u0 = 0; u0 < N; u0 += PLU_CHUNK) {
    int len = N - u0 < PLU_CHUNK ? N - u0 : PLU_CHUNK;
    R_CheckUserInterrupt();
    for (int r = 0; r < len; r++) {
      const double *z = Z + (size_t) (u0 + r) * m;
      for (int j = 0; j < m; j++) D[(size_t) j * PLU_CHUNK + r] = z[j] - zbar[j];
    }
    for (int j0 = 0; j0 < m; ) {
      /* rows j0..j1-1 of M: about 1e8 multiplications */
      int j1 = j0;
      double work = 0;
      while (j1 < m && (j1 == j0 || work < 1e8)) { work += (double) len * (m - j1); j1++; }
#pragma omp parallel for num_threads(nt) schedule(dynamic)
      for (int j = j0; j < j1; j++)
        for (int l = j; l < m; l++)
          M[(size_t) j * m + l] += sd_dot(D + (size_t) j * PLU_CHUNK,
                                          D + (size_t) l * PLU_CHUNK, len);
      j0 = j1;
      if (j0 < m) R_CheckUserInterrupt();
    }
  }
  for (int j = 0; j < m; j++)
    for (int l = 0; l < j; l++) M[(size_t) j * m + l] = M[(size_t) l * m + j];
}

/* The corrections sum_i delta_i (2 c_i + delta_i) of a block's nb draws over
 * the units u0..u1-1 (alphaT: the draws' alphas one after the other, m
 * each), unit by unit: a unit's sums stay in cache for all the draws that
 * treat it. */
static void plu_corr_units(const pl_model *md, const plu_layout *L,
                           const double *Z, const plu_members_t *mb,
                           const double *alphaT, const double *kappa,
                           const double *gam, const double *td2,
                           const plu_draw *dr, int u0, int u1, int nb, double *corr)
{
  int p = md->p, P = L->P, m = L->m;
  memset(corr, 0, sizeof(double) * nb);
  for (int u = u0; u < u1; u++) {
    const uint8_t *Ku = mb->K + (size_t) u * mb->ks;
    const unsigned char *fu = mb->flag + (size_t) u * mb->ng;
    const double *z = Z + (size_t) u * m;
    for (int g = 0; g * PLU_GROUP < nb; g++) {
      for (unsigned int f = fu[g]; f; f &= f - 1) {
        int b = g * PLU_GROUP + plu_low_bit(f);
        if (!dr[b].ok) continue;
        int k = Ku[b];
        double c = kappa[b] + sd_dot(z, alphaT + (size_t) b * m, m);
        double dl = plu_delta(L, z, k, gam + (size_t) b * (p + 1), dr[b].beta,
                              td2[(size_t) b * (P + 1) + k]);
        corr[b] += dl * (2 * c + dl);
      }
    }
  }
}

/* A draw's estimate, std. error (iid from its sums, clustered from its meat)
 * and number of treated rows. */
static void plu_result(const pl_model *md, const plu_draw *dr, double meat,
                       double *est, double *se, int *ntr)
{
  *ntr = dr->n1 > INT_MAX ? NA_INTEGER : (int) dr->n1;
  if (!dr->ok) { *est = NA_REAL; *se = NA_REAL; return; }
  double beta = dr->beta, rr = dr->rr, v;
  if (md->vtype == 2) {
    v = md->scale * meat / (rr * rr);
  } else {
    double uu = md->ee - 2 * beta * dr->re + beta * beta * rr;
    v = md->scale * uu / rr;
  }
  *est = beta;
  *se = pl_se_of(v);
}

/* Candidate adoption periods: the distinct codes of ap as the draws use
 * them (NA ignored, codes below lo read as lo, codes above hi treat no
 * period and are not candidates), as an index kof[code - lo] (-1 if not a
 * candidate). Returns their number. */
static int plu_candidates(const int *ap, size_t len, int lo, int hi, int **kof_out)
{
  size_t span = (size_t) ((long long) hi - lo + 1);
  int *kof = (int *) R_alloc(span, sizeof(int));
  for (size_t g = 0; g < span; g++) kof[g] = -1;
  for (size_t i = 0; i < len; i++) {
    int g = ap[i];
    if (g == NA_INTEGER || g > hi) continue;
    kof[(g < lo ? lo : g) - (long long) lo] = 0;
  }
  int P = 0;
  for (size_t g = 0; g < span; g++) if (kof[g] == 0) kof[g] = P++;
  *kof_out = kof;
  return P;
}

/* The cost model of the two paths, in multiply-adds (issue 15: the
 * per-unit path grows as p^4 in the controls p, through the m x m moments
 * with m ~ p^2 / 2, while a draw on the rows costs O(rows x p)). The
 * per-unit path: the units' sums once, N T (P (p + 1) + p (p + 3) / 2), the
 * moments once with clusters by unit, N m^2 / 2, and per draw its treated
 * units' sums (na (p + 1)) and, with clusters, the products with alpha
 * (m^2 for the quadratic form with clusters by unit, N m with coarser
 * clusters). The rows (closed form): per draw the treated rows' sums,
 * about na T (p + 1) / 2, and unless iid the meat, n (p + 3). Returns 1
 * when the per-unit path is the cheaper one (or md->force) and its memory,
 * N m + m^2 doubles, stays under 2 GB. */
static int plu_worth_it(const pl_model *md, const plu_layout *L, int na, int B)
{
  double N = md->N, T = md->T, p = md->p, P = L->P, m = L->m, n = md->n;
  if ((N * m + m * m) * sizeof(double) > 2147483648.0) return 0;
  if (md->force) return 1;
  int by_unit = md->vtype == 2 && !md->clu, coarse = md->vtype == 2 && md->clu;
  double units = N * T * (P * (p + 1) + p * (p + 3) / 2) +
    (by_unit ? N * m * m / 2 : 0) +
    (double) B * (na * (p + 1) + T * P + p * p +
                  (by_unit ? m * m + na * (m + p) : 0) + (coarse ? N * m : 0));
  double rows = (double) B * (na * T * (p + 1) / 2 + N +
                              (md->vtype != 0 ? n * (p + 3) : 0));
  return units < rows;
}

/* The draws (see the top of the file). Returns 0, doing nothing, when there
 * are more than 255 candidate periods (8-bit membership codes), when the
 * period codes are spread too thinly to index, or when the cost model
 * prefers the rows (plu_worth_it()): the row path then takes the draws. */
int plu_run(const pl_model *md, const int *ustart, const int *urows,
            const int *au, const int *ap, int na, int B, int nt,
            pl_tick_fn tick, void *tick_ctx, double *est, double *se, int *ntr)
{
  int N = md->N, T = md->T, p = md->p;
  int lo = md->tv[0], hi = md->tv[0];
  for (int t = 1; t < T; t++) {
    if (md->tv[t] < lo) lo = md->tv[t];
    if (md->tv[t] > hi) hi = md->tv[t];
  }
  if ((long long) hi - lo > 16LL * T + 1024) return 0;
  int *kof;
  int P = plu_candidates(ap, (size_t) na * B, lo, hi, &kof);
  if (P > UINT8_MAX) return 0;
  /* candidate codes in increasing order, then the periods at or after each */
  int *pk = (int *) R_alloc(P > 0 ? P : 1, sizeof(int));
  for (long long g = lo; g <= hi; g++) if (kof[g - lo] >= 0) pk[kof[g - lo]] = (int) g;
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
  if (!plu_worth_it(md, &L, na, B)) return 0;
  double *Z = (double *) R_alloc((size_t) N * m, sizeof(double));
  plu_unit_sums(md, &L, ustart, urows, after, Z, nt);
  int clustered = md->vtype == 2, by_unit = clustered && !md->clu;
  double *zbar = NULL, *M = NULL;
  if (by_unit) {
    zbar = (double *) R_alloc(m, sizeof(double));
    M = (double *) R_alloc((size_t) m * m, sizeof(double));
    plu_moments(Z, N, m, zbar, M, nt);
  }

  int bk = (int) fmin(PLU_MAX_BLOCK, fmax(1.0, floor(PLU_BLOCK_BYTES / ((double) N * sizeof(uint8_t)))));
  if (md->block >= 1) bk = md->block;
  if (bk > B) bk = B;
  int bkp = (bk + PLU_GROUP - 1) / PLU_GROUP * PLU_GROUP;   /* padded stride */
  int ng = bkp / PLU_GROUP;
  double *wt = (double *) R_alloc((size_t) bk * T, sizeof(double));
  double *nk = (double *) R_alloc((size_t) bk * (P + 1), sizeof(double));
  double *gam = (double *) R_alloc((size_t) bk * (p + 1), sizeof(double));
  double *td2 = (double *) R_alloc((size_t) bk * (P + 1), sizeof(double));
  double *alpha = (double *) R_alloc((size_t) bkp * m, sizeof(double));
  double *kappa = (double *) R_alloc(bkp, sizeof(double));
  memset(alpha, 0, sizeof(double) * bkp * m);
  memset(kappa, 0, sizeof(double) * bkp);
  double *meat = (double *) R_alloc(bk, sizeof(double));
  double *alphaT = by_unit ? (double *) R_alloc((size_t) bk * m, sizeof(double)) : NULL;
  double *S = md->clu ? (double *) R_alloc((size_t) bk * md->Gu, sizeof(double)) : NULL;
  plu_members_t mb;
  mb.ng = ng;
  mb.ks = bkp;
  mb.flag = (unsigned char *) R_alloc((size_t) ng * N, 1);
  mb.K = (uint8_t *) R_alloc((size_t) bkp * N, sizeof(uint8_t));
  plu_draw *dr = (plu_draw *) R_alloc(bk, sizeof(plu_draw));

  /* fixed chunks of units for the passes over Z: partial sums per chunk,
   * added in chunk order, so that results do not depend on the threads */
  int nch = (N + PLU_CHUNK - 1) / PLU_CHUNK;
  double *cpart = (double *) R_alloc((size_t) nch * bk * (p + 1), sizeof(double));
  double *rpart = by_unit ? (double *) R_alloc((size_t) nch * bk, sizeof(double)) : NULL;
  double *csum = (double *) R_alloc((size_t) bk * (p + 1), sizeof(double));
  int ngb_max = (bk + PLU_GROUP - 1) / PLU_GROUP;
  int ntm = nt < ngb_max ? nt : ngb_max;   /* threads for work by groups of draws */

  for (int b0 = 0; b0 < B; b0 += bk) {
    R_CheckUserInterrupt();
    int nb = B - b0 < bk ? B - b0 : bk, ngb = (nb + PLU_GROUP - 1) / PLU_GROUP;
    memset(mb.flag, 0, (size_t) ng * N);
    /* membership: whole groups of draws per thread (a flag byte each) */
#pragma omp parallel for num_threads(ntm) schedule(static)
    for (int g = 0; g < ngb; g++) {
      for (int b = g * PLU_GROUP; b < nb && b < (g + 1) * PLU_GROUP; b++) {
        size_t col = (size_t) (b0 + b) * na;
        plu_members(au + col, ap + col, na, kof, lo, hi, N, &mb, b, P,
                    nk + (size_t) b * (P + 1));
      }
    }
#pragma omp parallel for num_threads(nt) schedule(dynamic)
    for (int c = 0; c < nch; c++) {
      int u1 = (c + 1) * PLU_CHUNK < N ? (c + 1) * PLU_CHUNK : N;
      plu_coef_sums(md, &L, Z, &mb, c * PLU_CHUNK, u1, nb,
                    cpart + (size_t) c * bk * (p + 1));
    }
    memset(csum, 0, sizeof(double) * nb * (p + 1));
    for (int c = 0; c < nch; c++) {
      const double *cp = cpart + (size_t) c * bk * (p + 1);
      for (size_t i = 0; i < (size_t) nb * (p + 1); i++) csum[i] += cp[i];
    }
    for (int b = 0; b < nb; b++) {
      const double *cs = csum + (size_t) b * (p + 1);
      plu_draw_finish(md, &L, cnt, after, nk + (size_t) b * (P + 1), cs[0], cs + 1,
                      wt + (size_t) b * T, gam + (size_t) b * (p + 1),
                      clustered ? alpha + b : NULL, bkp, kappa + b,
                      td2 + (size_t) b * (P + 1), dr + b);
      if (S) memset(S + (size_t) b * md->Gu, 0, sizeof(double) * md->Gu);
    }
    if (S) {
      /* coarse clusters: whole groups of draws per thread, all units */
#pragma omp parallel num_threads(ntm)
      {
        int th = sd_thread_id(), ntt = sd_team_size();
        int lo = (int) ((long long) ngb * th / ntt) * PLU_GROUP;
        int hi = (int) ((long long) ngb * (th + 1) / ntt) * PLU_GROUP;
        if (hi > nb) hi = nb;
        if (lo < hi)
          plu_scores(md, &L, Z, &mb, alpha, kappa, gam, td2, dr, bkp, lo, hi, S);
      }
    }
    if (by_unit) {
      for (int b = 0; b < nb; b++)
        for (int j = 0; j < m; j++) alphaT[(size_t) b * m + j] = alpha[(size_t) j * bkp + b];
#pragma omp parallel for num_threads(nt) schedule(dynamic)
      for (int c = 0; c < nch; c++) {
        int u1 = (c + 1) * PLU_CHUNK < N ? (c + 1) * PLU_CHUNK : N;
        plu_corr_units(md, &L, Z, &mb, alphaT, kappa, gam, td2, dr, c * PLU_CHUNK,
                       u1, nb, rpart + (size_t) c * bk);
      }
      /* meat = sum_i c_i^2 (the quadratic form) + the corrections */
      for (int b = 0; b < nb; b++) {
        meat[b] = 0;
        if (!dr[b].ok) continue;
        for (int c = 0; c < nch; c++) meat[b] += rpart[(size_t) c * bk + b];
        const double *ab = alphaT + (size_t) b * m;
        double q = 0, mu = kappa[b] + sd_dot(zbar, ab, m);
        for (int j = 0; j < m; j++) q += ab[j] * sd_dot(M + (size_t) j * m, ab, m);
        meat[b] += q + N * mu * mu;
      }
    }
    for (int b = 0; b < nb; b++) {
      double mt = by_unit ? meat[b] : 0;
      if (S) {
        const double *Sb = S + (size_t) b * md->Gu;
        for (int g = 0; g < md->Gu; g++) mt += Sb[g] * Sb[g];
      }
      plu_result(md, dr + b, mt, est + b0 + b, se + b0 + b, ntr + b0 + b);
    }
    if (tick) tick(tick_ctx, b0 + nb);
  }
  return 1;
}

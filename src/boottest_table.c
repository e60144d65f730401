/* The wild cluster bootstrap's draws for two-point weights (Rademacher,
 * their enumeration, Mammen) by table look-up.
 *
 * Everything a draw computes before its squares is linear in the weights v:
 * num = A v and, for a dense clustering, the scores s_c = sum_h cv_ch v_h.
 * Stack them into one vector L(v) of R = m + sum_d m Gc_d rows (m is the
 * number of hypothesis rows). With v_h taking one of two values, cut the
 * Gb bootstrap clusters into chunks of w and tabulate, for every chunk and
 * each of its 2^w patterns, the chunk's contribution to L. A draw is then
 * the sum of one table row per chunk: about Gb / w vector additions of
 * length R instead of Gb multiply-adds of length R (w = 6 at G = 30). The
 * weights, and so the draws, are those of bt_weights() in boottest.c: the
 * same uniforms of R's generator in the same order. */
#include "smartdid.h"
#include "boottest.h"
#include <math.h>
#include <string.h>

#define BT_TAB_BYTES (256 * 1024)   /* the table stays in the L2 cache */

/* Fill tb for a dense problem, or return 0 when the table does not apply
 * (other weights, a low-rank clustering, or a table too small to help). */
int bt_tab_init(bt_tab *tb, int type, int m, int Gb, const double *A, int nd,
                const bt_dim *dims)
{
  if (type != 0 && type != 1 && type != 3) return 0;
  for (int d = 0; d < nd; d++) if (!dims[d].dense) return 0;
  int R = m;
  for (int d = 0; d < nd; d++) R += m * dims[d].Gc;
  int w = 8;
  while (w > 2 && (double) ((Gb + w - 1) / w) * (1 << w) * R * sizeof(double) > BT_TAB_BYTES)
    w--;
  if (w > Gb) w = Gb;
  if (w < 3) return 0;
  tb->m = m;
  tb->Gb = Gb;
  tb->nd = nd;
  tb->R = R;
  tb->w = w;
  tb->nchunk = (Gb + w - 1) / w;
  tb->npat = 1 << w;
  tb->dims = dims;
  if (type == 3) {             /* Mammen: bit 1 when u < p_lo, the low value */
    const double s5 = sqrt(5.0);
    tb->val1 = (1.0 - s5) / 2.0;
    tb->val0 = (1.0 + s5) / 2.0;
  } else {                     /* Rademacher: bit 1 is -1 */
    tb->val0 = 1.0;
    tb->val1 = -1.0;
  }
  tb->off = (int *) R_alloc(nd > 0 ? nd : 1, sizeof(int));
  /* the columns of the linear map, one per bootstrap cluster: rows j of
   * num, then per clustering d its scores row-major by j (j Gc + c) */
  double *Mc = (double *) R_alloc((size_t) R * Gb, sizeof(double));
  memset(Mc, 0, sizeof(double) * (size_t) R * Gb);
  for (int h = 0; h < Gb; h++)
    for (int j = 0; j < m; j++) Mc[(size_t) R * h + j] = A[(size_t) m * h + j];
  int o = m;
  for (int d = 0; d < nd; d++) {
    const bt_dim *D = dims + d;
    tb->off[d] = o;
    for (int e = 0; e < D->ncell; e++) {
      int c = D->cc[e], h = D->hh[e];
      for (int j = 0; j < m; j++)
        Mc[(size_t) R * h + o + (size_t) j * D->Gc + c] += D->cv[(size_t) m * e + j];
    }
    o += m * D->Gc;
  }
  size_t csz = (size_t) tb->npat * R;
  tb->T = (double *) R_alloc(csz * tb->nchunk, sizeof(double));
  for (int k = 0; k < tb->nchunk; k++) {
    int h0 = k * w, wk = Gb - h0 < w ? Gb - h0 : w;
    double *T = tb->T + csz * k;
    /* pattern 0: every cluster of the chunk at val0; then each pattern from
     * the one without its lowest bit (patterns beyond the chunk's width are
     * never looked up and stay as built) */
    for (int r = 0; r < R; r++) {
      double s = 0;
      for (int j = 0; j < wk; j++) s += tb->val0 * Mc[(size_t) R * (h0 + j) + r];
      T[r] = s;
    }
    double dv = tb->val1 - tb->val0;
    for (int p = 1; p < tb->npat; p++) {
      int j = 0;
      while (!((p >> j) & 1)) j++;
      const double *prev = T + (size_t) R * (p & (p - 1));
      double *cur = T + (size_t) R * p;
      if (j >= wk) {
        memcpy(cur, prev, sizeof(double) * R);
        continue;
      }
      const double *col = Mc + (size_t) R * (h0 + j);
      for (int r = 0; r < R; r++) cur[r] = prev[r] + dv * col[r];
    }
  }
  return 1;
}

/* The chunk patterns of draws b0 .. b0 + nb - 1 (idx: nb x nchunk), from R's
 * generator exactly as bt_weights() draws them. bits: scratch of Gb. Main
 * thread only. */
void bt_tab_codes(const bt_tab *tb, int type, int b0, int nb, unsigned short *idx,
                  unsigned char *bits)
{
  int Gb = tb->Gb, w = tb->w, nc = tb->nchunk;
  const double p_lo = (sqrt(5.0) + 1.0) / (2.0 * sqrt(5.0));
  for (int b = 0; b < nb; b++) {
    if (type == 0) {
      unsigned int code = (unsigned int) (b0 + b);
      for (int h = 0; h < Gb; h++) bits[h] = (code >> h) & 1u;
    } else if (type == 1) {
      for (int h0 = 0; h0 < Gb; h0 += 16) {
        unsigned int u = (unsigned int) floor(unif_rand() * 65536.0);
        int h1 = Gb - h0 < 16 ? Gb - h0 : 16;
        for (int j = 0; j < h1; j++) bits[h0 + j] = (u >> j) & 1u;
      }
    } else {
      for (int h = 0; h < Gb; h++) bits[h] = unif_rand() < p_lo;
    }
    unsigned short *ix = idx + (size_t) nc * b;
    for (int k = 0; k < nc; k++) {
      int h0 = k * w, wk = Gb - h0 < w ? Gb - h0 : w;
      unsigned int p = 0;
      for (int j = 0; j < wk; j++) p |= (unsigned int) bits[h0 + j] << j;
      ix[k] = (unsigned short) p;
    }
  }
}

/* nb draws: num (nb x m) and cross (nb x m (m+1) / 2), leading dimension ld,
 * as bt_block() in boottest.c. L: scratch of R. Thread-safe (no R API). */
void bt_tab_block(const bt_tab *tb, const unsigned short *idx, int nb,
                  double *restrict L, double *num, double *cross, size_t ld)
{
  int R = tb->R, nc = tb->nchunk, m = tb->m;
  size_t csz = (size_t) tb->npat * R;
  for (int b = 0; b < nb; b++) {
    const unsigned short *ix = idx + (size_t) nc * b;
    const double *t0 = tb->T + (size_t) R * ix[0];
    for (int r = 0; r < R; r++) L[r] = t0[r];
    for (int k = 1; k < nc; k++) {
      const double *restrict t = tb->T + csz * k + (size_t) R * ix[k];
#ifdef _OPENMP
#pragma omp simd
#endif
      for (int r = 0; r < R; r++) L[r] += t[r];
    }
    for (int j = 0; j < m; j++) num[ld * j + b] = L[j];
    int q = 0;
    for (int j2 = 0; j2 < m; j2++) {
      for (int j1 = 0; j1 <= j2; j1++) {
        double acc = 0;
        for (int d = 0; d < tb->nd; d++) {
          int Gc = tb->dims[d].Gc;
          const double *s1 = L + tb->off[d] + (size_t) j1 * Gc;
          const double *s2 = L + tb->off[d] + (size_t) j2 * Gc;
          double part = 0;
#ifdef _OPENMP
#pragma omp simd reduction(+:part)
#endif
          for (int c = 0; c < Gc; c++) part += s1[c] * s2[c];
          acc += tb->dims[d].sign * part;
        }
        cross[ld * q++ + b] = acc;
      }
    }
  }
}

/* Two-way fixed effects (unit and period) absorbed exactly, for
 * demean.c: the closed forms of balanced panels (sorted into a grid, or
 * not) and, for other two-way panels, the unit effects concentrated out and
 * the period effects solved from a small periods-by-periods system
 * factorised once. */
#include "smartdid.h"
#include <math.h>
#include <string.h>

#define SD_MAX_EXACT_LEVELS 2000

static void totals(const int *code, int nlev, const double *w, int n,
                   double *tot)
{
  memset(tot, 0, sizeof(double) * nlev);
  if (w) for (int i = 0; i < n; i++) tot[code[i]] += w[i];
  else   for (int i = 0; i < n; i++) tot[code[i]] += 1.0;
}


/* x[i] = src[i] - (A[ia[i]] + B[ib[i]]) for i < n (x may be src: each
 * element is read before it is written); returns the sum of squares of the
 * results, in four independent sums. */
static double sub_two_ss(double *x, const double *src, const double *A,
                         const int *ia, const double *B, const int *ib, int n)
{
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int i = 0;
  for (; i + 3 < n; i += 4) {
    double v0 = src[i] - (A[ia[i]] + B[ib[i]]);
    double v1 = src[i + 1] - (A[ia[i + 1]] + B[ib[i + 1]]);
    double v2 = src[i + 2] - (A[ia[i + 2]] + B[ib[i + 2]]);
    double v3 = src[i + 3] - (A[ia[i + 3]] + B[ib[i + 3]]);
    x[i] = v0; x[i + 1] = v1; x[i + 2] = v2; x[i + 3] = v3;
    s0 += v0 * v0; s1 += v1 * v1; s2 += v2 * v2; s3 += v3 * v3;
  }
  for (; i < n; i++) {
    double v = src[i] - (A[ia[i]] + B[ib[i]]);
    x[i] = v;
    s0 += v * v;
  }
  return (s0 + s1) + (s2 + s3);
}

/* ---- balanced two-way closed form -------------------------------------- */

/* 0: not a balanced two-way panel without weights; 1: balanced; 2 and 3:
 * balanced and sorted by unit and period (2) or by period and unit (3). */
int sd_is_balanced(const sd_fe *fe)
{
  if (fe->k != 2 || fe->w) return 0;
  double cells = (double) fe->nlev[0] * fe->nlev[1];
  if (cells != (double) fe->n) return 0;
  const int *a = fe->code[0], *b = fe->code[1];
  /* rows sorted by unit and period (or period and unit) hold distinct
   * cells, and with N x T rows every cell: one pass, no marks */
  int by_ab = 1, by_ba = 1;
  for (int i = 1; i < fe->n && (by_ab || by_ba); i++) {
    by_ab &= a[i] > a[i - 1] || (a[i] == a[i - 1] && b[i] > b[i - 1]);
    by_ba &= b[i] > b[i - 1] || (b[i] == b[i - 1] && a[i] > a[i - 1]);
  }
  /* sorted and complete, the rows form a grid: unit-major rows have
   * a = i / T and b = i % T, period-major ones b = i / N and a = i % N */
  if (by_ab) return 2;
  if (by_ba) return 3;
  unsigned char *seen = (unsigned char *) R_alloc(fe->n, 1);
  memset(seen, 0, fe->n);
  int T = fe->nlev[1], B = fe->base;
  for (int i = 0; i < fe->n; i++) {
    size_t cell = (size_t) (a[i] - B) * T + (b[i] - B);
    if (seen[cell]) return 0;
    seen[cell] = 1;
  }
  return 1;
}

/* One column of a balanced panel stored as a grid: M blocks of L adjacent
 * rows (units of T periods, or periods of N units). The block sums and the
 * sums by position in the block are plain vector loops (no codes to read,
 * no chain through memory): x - block mean - position mean + grand mean.
 * src and ss as in sd_balanced_column(). */
void sd_grid_column(int M, int L, double *x, const double *src,
                        double *so, double *si, double *ss)
{
  size_t n = (size_t) M * L;
  if (!src) src = x;
  memset(si, 0, sizeof(double) * L);
  double c = src[0], m = 0, q = 0;
  for (int blk = 0; blk < M; blk++) {
    const double *s = src + (size_t) blk * L;
    double *xo = x + (size_t) blk * L;
    double acc = 0;
    if (s != xo) memcpy(xo, s, sizeof(double) * L);
#pragma omp simd reduction(+:acc,m,q)
    for (int pos = 0; pos < L; pos++) {
      double v = s[pos], u = v - c;
      acc += v;
      si[pos] += v;
      m += u;
      q += u * u;
    }
    so[blk] = acc;
  }
  double tot = 0;
  for (int pos = 0; pos < L; pos++) tot += si[pos];
  double gm = tot / (double) n;
  for (int blk = 0; blk < M; blk++) so[blk] /= L;
  for (int pos = 0; pos < L; pos++) si[pos] = si[pos] / M - gm;
  double s2 = 0;
  for (int blk = 0; blk < M; blk++) {
    double *xo = x + (size_t) blk * L, o = so[blk];
#pragma omp simd reduction(+:s2)
    for (int pos = 0; pos < L; pos++) {
      double v = xo[pos] - (o + si[pos]);
      xo[pos] = v;
      s2 += v * v;
    }
  }
  if (ss) {
    double r = n < 2 ? 0 : q - m * m / (double) n;
    ss[0] = r > 0 ? r : 0;
    ss[1] = s2;
  }
}

/* One column of a balanced panel: x - unit mean - period mean + grand mean.
 * With src, the values are read from src and written to x in the first pass
 * (the copy costs no pass of its own); ss[0] gets their sum of squares about
 * their mean and ss[1] that of the result (when ss is not NULL). su and st
 * have N + base and T + base slots (codes index them directly; with base 1
 * slot 0 stays 0 and unused). */
void sd_balanced_column(const sd_fe *fe, double *x, const double *src,
                            double *su, double *st, double *ss)
{
  int n = fe->n, B = fe->base, N = fe->nlev[0] + B, T = fe->nlev[1] + B;
  const int *a = fe->code[0], *b = fe->code[1];
  memset(su, 0, sizeof(double) * N);
  memset(st, 0, sizeof(double) * T);
  if (!src) src = x;
  /* runs of equal codes (panels are usually sorted by unit or by period)
   * are summed in registers: adding straight into su[a[i]] row after row
   * would wait on the previous store each time */
  int ca = a[0], cb = b[0];
  double ra = 0, rb = 0;
  double c = src[0], m0 = 0, m1 = 0, q0 = 0, q1 = 0;  /* centred moments */
  for (int i = 0; i < n; i++) {
    double xi = src[i];
    if (a[i] != ca) { su[ca] += ra; ca = a[i]; ra = 0; }
    if (b[i] != cb) { st[cb] += rb; cb = b[i]; rb = 0; }
    ra += xi;
    rb += xi;
    double u = xi - c;
    if (i & 1) { m1 += u; q1 += u * u; } else { m0 += u; q0 += u * u; }
  }
  su[ca] += ra;
  st[cb] += rb;
  double tot = 0;   /* the grand total from the period totals: no long chain */
  for (int t = 0; t < T; t++) tot += st[t];
  double gm = tot / n;
  for (int g = 0; g < N; g++) su[g] /= fe->nlev[1];
  for (int t = 0; t < T; t++) st[t] = st[t] / fe->nlev[0] - gm;   /* fold the grand mean */
  double after = sub_two_ss(x, src, su, a, st, b, n);
  if (ss) {
    double m = m0 + m1, q = q0 + q1, r = n < 2 ? 0 : q - m * m / n;
    ss[0] = r > 0 ? r : 0;
    ss[1] = after;
  }
}

/* ---- exact two-way solve ------------------------------------------------ */


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
int sd_twoway_setup(const sd_fe *fe, sd_twoway *tw)
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
  totals(cu, N, w, n, tw->Wu);
  totals(ct, T, w, n, tw->Wt);

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
  /* mark[t] == g + 1: period t already listed for unit g. A weight sum of
   * zero cannot serve as the mark: repeated cells with zero weights (or
   * weights adding to zero) would list a period twice and write past
   * `touched` and the per-unit arrays. */
  int *mark = (int *) R_alloc(T, sizeof(int));
  memset(v, 0, sizeof(double) * T);
  memset(mark, 0, sizeof(int) * T);
  tw->invWu = (double *) R_alloc(N, sizeof(double));
  tw->pstart = (int *) R_alloc((size_t) N + 1, sizeof(int));
  tw->pt = (int *) R_alloc(n > 0 ? n : 1, sizeof(int));
  tw->pw = (double *) R_alloc(n > 0 ? n : 1, sizeof(double));
  int np = 0;
  for (int g = 0; g < N; g++) {
    int m = 0;
    for (int r = start[g]; r < start[g + 1]; r++) {
      int i = ord[r], t = ct[i];
      if (mark[t] != g + 1) { mark[t] = g + 1; touched[m++] = t; }
      v[t] += w ? w[i] : 1.0;
    }
    double Wg = tw->Wu[g];
    tw->invWu[g] = Wg > 0 ? 1.0 / Wg : 0;
    tw->pstart[g] = np;
    for (int a = 0; a < m; a++) { tw->pt[np] = touched[a]; tw->pw[np++] = v[touched[a]]; }
    for (int a = 0; a < m && Wg > 0; a++) {   /* a unit without weight adds nothing */
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
void sd_twoway_column(const sd_fe *fe, const sd_twoway *tw, double *x,
                          double *scratch, double *ss_after)
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
  double after = sub_two_ss(x, x, a, cu, gam, ct, n);
  if (ss_after) *ss_after = after;
}


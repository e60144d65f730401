/* Callaway-Sant'Anna ATT(g, t) without covariates for every group-time
 * cell and every outcome in two passes over the rows.
 *
 * Without covariates each cell's 2x2 comparison is a difference of four
 * weighted means: (treated, later period) - (treated, earlier period) -
 * [(comparison, later) - (comparison, earlier)], where a cell's "periods"
 * are its own period t and its base period b, and a row's group is its
 * unit's adoption cohort. Pass 1 accumulates the weight and weighted outcome
 * sums of every (cohort, period) pair, from which every cell's means follow
 * (the comparison set of a cell is a set of cohorts). Pass 2 goes through
 * the influence functions: a row of cohort c in period t contributes to each
 * cell that uses period t and has c as its treated cohort or among its
 * comparison cohorts, the term
 *     sign * N * w_r (y_r - mean of its sub-cell) / (weight of the sub-cell),
 * summed by unit. This is the influence function of did's estimators on
 * balanced panels (outcome changes), unbalanced panels and repeated cross
 * sections alike, already scaled as att_gt() stores it (variance =
 * sum over clusters of the squared column sums / N^2).
 *
 * The units x cells influence-function matrix is never needed by att_gt()
 * itself: sd_cs_none() returns the sums of squares of its cluster sums (the
 * analytic standard errors), one unit at a time (for panels through the
 * cells its cohort feeds, from the unit's sums by period; for one row per
 * unit through the row's sub-cells), and
 * sd_cs_none_psi() recomputes one outcome's matrix, or its product with a
 * cells x p matrix of weights (att_aggregate()), from the same rows when it
 * is asked for. Because psi is linear in the row's outcome with
 * coefficients that depend only on the row's (cohort, period) pair, the
 * product takes O(rows x p). */
#include "smartdid.h"
#include "cs.h"
#include <string.h>

/* Pass 1's results: each period's centre YC (T x m: the outcome of the
 * period's first row), sub-cell weights CW (K x 4) and means CM (K x 4 x m)
 * and the (cohort, period) pairs' own means PC (C x T x m, 0 for an empty
 * pair), both net of their period's centre,
 * the compressed lists of the sub-cells each (cohort, period) pair feeds
 * (start: CT + 1 offsets; cell k, sub-cell q, its sign over its weight
 * ef), and whether each unit's rows are adjacent. */
typedef struct {
  int K, m, C, T, grouped;
  double *YC, *CW, *CM, *PC;
  int *start, *ek, *eq;
  double *ef;
} cs_none_t;

/* Add the influence-function terms of row r (weight ww, cohort-period pair
 * `pair`) for every outcome j to dst[j][off + stride * k], k the cells the
 * pair feeds. */
static inline void cs_add_row(const cs_none_t *S, const double **y, R_xlen_t r,
                              size_t pair, double ww, double **dst, size_t off,
                              size_t stride)
{
  int K = S->K, m = S->m;
  const double *yc = S->YC + pair / (size_t) S->C;     /* the row's period */
  for (int e = S->start[pair]; e < S->start[pair + 1]; e++) {
    int k = S->ek[e];
    size_t mq = (size_t) k + (size_t) K * S->eq[e];
    double f = ww * S->ef[e];
    for (int j = 0; j < m; j++) {
      double mean = S->CM[(size_t) 4 * K * j + mq];
      dst[j][off + stride * (size_t) k] += f * ((y[j][r] - yc[(size_t) S->T * j]) - mean);
    }
  }
}

/* Check the arguments shared by both entry points. */
static void cs_none_check(SEXP unit, SEXP tidx, SEXP ucode, SEXP w,
                          SEXP cells, SEXP ctrl, SEXP dims)
{
  if (!Rf_isInteger(unit) || !Rf_isInteger(tidx) || !Rf_isInteger(ucode))
    Rf_error("'unit', 'tidx' and 'ucode' must be integer vectors");
  if (!Rf_isInteger(cells) || !Rf_isMatrix(cells) || Rf_ncols(cells) != 3)
    Rf_error("'cells' must be an integer matrix with 3 columns");
  if (!Rf_isLogical(ctrl) || !Rf_isMatrix(ctrl)) Rf_error("'ctrl' must be a logical matrix");
  if (!Rf_isInteger(dims) || XLENGTH(dims) != 3) Rf_error("'dims' must be 3 integers");
  R_xlen_t n = XLENGTH(unit);
  int K = Rf_nrows(cells);
  int N = INTEGER(dims)[0], T = INTEGER(dims)[1], C = INTEGER(dims)[2];
  if (N < 1 || T < 1 || C < 1) Rf_error("'dims' must be positive");
  if (XLENGTH(tidx) != n) Rf_error("'unit' and 'tidx' must have one value per row");
  if (XLENGTH(ucode) != N) Rf_error("'ucode' must have one value per unit");
  if (!Rf_isNull(w) && (!Rf_isReal(w) || XLENGTH(w) != n))
    Rf_error("'w' must be NULL or a double vector with one value per row");
  if (Rf_nrows(ctrl) != C || Rf_ncols(ctrl) != K)
    Rf_error("'ctrl' must be cohorts x cells");
  const int *uc = INTEGER(ucode);
  const int *ce = INTEGER(cells);
  for (int i = 0; i < N; i++)
    if (uc[i] < 1 || uc[i] > C) Rf_error("unit %d has a cohort code out of range", i + 1);
  /* (the rows' codes are checked in pass 1) */
  for (int k = 0; k < K; k++) {
    int g = ce[k], a = ce[k + K], b = ce[k + 2 * K];
    if (g < 1 || g > C || a < 1 || a > T || b < 1 || b > T)
      Rf_error("cell %d has a cohort or period out of range", k + 1);
  }
}

/* Pass 1 and the cells: fills pa (K x m ATTs), pok (K flags: all four
 * sub-cells have positive weight) and S. y: the m outcome columns (n rows
 * each). */
static void cs_none_prep(const int *u, const int *tt, const int *uc, const double **y,
                         R_xlen_t n, int m, const double *wt, const int *ce,
                         const int *ct, int N, int C, int T, int K, double *pa,
                         int *pok, cs_none_t *S)
{
  size_t CT = (size_t) C * T;
  double *SW = (double *) R_alloc(CT, sizeof(double));
  double *SWY = (double *) R_alloc(CT * m, sizeof(double));
  memset(SW, 0, CT * sizeof(double));
  memset(SWY, 0, CT * m * sizeof(double));
  unsigned char *seen = (unsigned char *) R_alloc((size_t) N, 1);
  memset(seen, 0, (size_t) N);
  /* every sum is of outcomes net of their period's centre (the first row's
   * outcome in that period): means of outcomes such as 1e9 + noise then
   * keep the digits of the noise, and the centres cancel exactly in every
   * 2x2 (its later and earlier means share their periods) */
  double *YC = (double *) R_alloc((size_t) T * m, sizeof(double));
  unsigned char *tseen = (unsigned char *) R_alloc((size_t) T, 1);
  memset(tseen, 0, (size_t) T);
  int grouped = 1;
  for (R_xlen_t r = 0; r < n; r++) {
    if (u[r] < 1 || u[r] > N || tt[r] < 1 || tt[r] > T)
      Rf_error("row %lld has a unit or period code out of range", (long long) r + 1);
    if (r == 0 || u[r] != u[r - 1]) {
      if (seen[u[r] - 1]) grouped = 0;
      seen[u[r] - 1] = 1;
    }
    int t = tt[r] - 1;
    size_t s = (size_t) (uc[u[r] - 1] - 1) + (size_t) C * t;
    double ww = wt ? wt[r] : 1.0;
    if (!tseen[t]) {
      tseen[t] = 1;
      for (int j = 0; j < m; j++) YC[t + (size_t) T * j] = R_FINITE(y[j][r]) ? y[j][r] : 0;
    }
    SW[s] += ww;
    for (int j = 0; j < m; j++) SWY[s + CT * j] += ww * (y[j][r] - YC[t + (size_t) T * j]);
    if ((r & 0xFFFFF) == 0xFFFFF) R_CheckUserInterrupt();
  }
  /* the four sub-cells of every cell: weights (K x 4) and means (K x 4 x m);
   * sub-cell order: treated later, treated earlier, comparison later,
   * comparison earlier (later = the cell's period t) */
  double *CW = (double *) R_alloc((size_t) K * 4, sizeof(double));
  double *CM = (double *) R_alloc((size_t) K * 4 * m, sizeof(double));
  for (int k = 0; k < K; k++) {
    int g = ce[k] - 1, a = ce[k + K] - 1, b = ce[k + 2 * K] - 1;
    double w4[4] = {SW[g + (size_t) C * a], SW[g + (size_t) C * b], 0, 0};
    for (int c = 0; c < C; c++) {
      if (!ct[c + (size_t) C * k] || c == g) continue;
      w4[2] += SW[c + (size_t) C * a];
      w4[3] += SW[c + (size_t) C * b];
    }
    pok[k] = a == b || (w4[0] > 0 && w4[1] > 0 && w4[2] > 0 && w4[3] > 0);
    for (int q = 0; q < 4; q++) CW[k + (size_t) K * q] = w4[q];
    for (int j = 0; j < m; j++) {
      const double *sy = SWY + CT * j;
      double s4[4] = {sy[g + (size_t) C * a], sy[g + (size_t) C * b], 0, 0};
      for (int c = 0; c < C; c++) {
        if (!ct[c + (size_t) C * k] || c == g) continue;
        s4[2] += sy[c + (size_t) C * a];
        s4[3] += sy[c + (size_t) C * b];
      }
      double *mk = CM + (size_t) 4 * K * j;
      for (int q = 0; q < 4; q++) mk[k + (size_t) K * q] = w4[q] > 0 ? s4[q] / w4[q] : 0;
      pa[k + (size_t) K * j] = a == b ? 0.0 : !pok[k] ? NA_REAL :
        (mk[k] - mk[k + K]) - (mk[k + 2 * (size_t) K] - mk[k + 3 * (size_t) K]);
    }
  }
  /* the sub-cells each (cohort, period) pair feeds (compressed lists, for
   * pass 2): cell k, sub-cell q, its sign and its weight */
  int *start = (int *) R_alloc(CT + 1, sizeof(int));
  memset(start, 0, (CT + 1) * sizeof(int));
  int *fill = NULL;
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1) {
      for (size_t s = 0; s < CT; s++) start[s + 1] += start[s];
      S->ek = (int *) R_alloc((size_t) start[CT] + 1, sizeof(int));
      S->eq = (int *) R_alloc((size_t) start[CT] + 1, sizeof(int));
      S->ef = (double *) R_alloc((size_t) start[CT] + 1, sizeof(double));
      fill = (int *) R_alloc(CT, sizeof(int));
      memcpy(fill, start, CT * sizeof(int));
    }
    for (int k = 0; k < K; k++) {
      int a = ce[k + K] - 1, b = ce[k + 2 * K] - 1, g = ce[k] - 1;
      if (a == b || !pok[k]) continue;
      for (int c = 0; c < C; c++) {
        int q0;
        if (c == g) q0 = 0;
        else if (ct[c + (size_t) C * k]) q0 = 2;
        else continue;
        for (int later = 1; later >= 0; later--) {
          int t = later ? a : b, q = q0 + !later;
          size_t s = (size_t) c + (size_t) C * t;
          if (pass == 0) { start[s + 1]++; continue; }
          int e = fill[s]++;
          S->ek[e] = k;
          S->eq[e] = q;
          S->ef[e] = ((q == 0 || q == 3) ? 1.0 : -1.0) / CW[k + (size_t) K * q];
        }
      }
    }
  }
  S->K = K; S->m = m; S->C = C; S->T = T; S->grouped = grouped;
  /* each pair's own mean (net of the period's centre): a second centre
   * that the unit pass of sd_cs_none() and the products of sd_cs_none_psi()
   * subtract from its rows' outcomes and from the means they are compared
   * with. There a weighted y (or y times a column of W) and the mean times
   * the same factor are two numbers whose difference is the influence
   * function; centred, both are of the size of the within-pair spread, and
   * the centre cancels exactly in their difference. */
  double *PC = (double *) R_alloc(CT * m, sizeof(double));
  for (int j = 0; j < m; j++)
    for (size_t s = 0; s < CT; s++)
      PC[s + CT * j] = SW[s] > 0 ? SWY[s + CT * j] / SW[s] : 0;
  S->YC = YC; S->CW = CW; S->CM = CM; S->PC = PC; S->start = start;
}

/* The rows in unit order: NULL when each unit's rows are adjacent already
 * (the usual layout), else a stable counting sort by unit, so that every
 * unit's sums add its rows in their original order either way. */
static R_xlen_t *cs_unit_order(const int *u, R_xlen_t n, int N, int grouped)
{
  if (grouped) return NULL;
  R_xlen_t *pos = (R_xlen_t *) R_alloc((size_t) N + 1, sizeof(R_xlen_t));
  memset(pos, 0, ((size_t) N + 1) * sizeof(R_xlen_t));
  for (R_xlen_t r = 0; r < n; r++) pos[u[r]]++;
  for (int i = 0; i < N; i++) pos[i + 1] += pos[i];
  R_xlen_t *ord = (R_xlen_t *) R_alloc((size_t) n + 1, sizeof(R_xlen_t));
  for (R_xlen_t r = 0; r < n; r++) ord[pos[u[r] - 1]++] = r;
  return ord;
}

/* Pass 2 of sd_cs_none() for panels (units with several rows), one unit at
 * a time: the unit's weight and weighted outcome sums by period (Wt, WY;
 * zero for periods it misses), then its cohort's "program", the entries
 * (cell k, period t, f = N sign / sub-cell weight, sub-cell means) of every
 * cell its cohort feeds, grouped by cell: the unit's influence function of
 * cell k is sum_e f_e (WY[t_e] - mean_e Wt[t_e]), the row-wise sum of
 * sd_cs_none_psi() regrouped. Adds the squares (or the cluster sums) to pss
 * (K x m) or cb (G x K x m, cell-major). */
static void cs_none_ss_units(const cs_none_t *S, const int *u, const int *tt,
                             const int *uc, const double **y, const double *wt,
                             R_xlen_t n, int N, const R_xlen_t *ord, const int *cl,
                             double *pss, double *cb)
{
  int K = S->K, m = S->m, C = S->C, T = S->T;
  size_t Km = (size_t) K * m, CT = (size_t) C * T;
  /* the programs: cohort c's entries at pstart[c] .. pstart[c + 1] - 1 */
  int *pstart = (int *) R_alloc((size_t) C + 1, sizeof(int));
  pstart[0] = 0;
  for (int c = 0; c < C; c++) {
    int cnt = 0;
    for (int t = 0; t < T; t++) {
      size_t s = (size_t) c + (size_t) C * t;
      cnt += S->start[s + 1] - S->start[s];
    }
    pstart[c + 1] = pstart[c] + cnt;
  }
  int ne = pstart[C];
  int *pk = (int *) R_alloc((size_t) ne + 1, sizeof(int));
  int *pt = (int *) R_alloc((size_t) ne + 1, sizeof(int));
  double *pf = (double *) R_alloc((size_t) ne + 1, sizeof(double));
  double *pm = (double *) R_alloc(((size_t) ne + 1) * m, sizeof(double));
  for (int c = 0; c < C; c++) {
    int at = pstart[c];
    for (int t = 0; t < T; t++) {
      size_t s = (size_t) c + (size_t) C * t;
      for (int e = S->start[s]; e < S->start[s + 1]; e++) {
        /* insertion by cell, stable: a cell's entries stay in period order */
        int k = S->ek[e], a = at++;
        while (a > pstart[c] && pk[a - 1] > k) {
          pk[a] = pk[a - 1];
          pt[a] = pt[a - 1];
          pf[a] = pf[a - 1];
          for (int j = 0; j < m; j++) pm[(size_t) ne * j + a] = pm[(size_t) ne * j + a - 1];
          a--;
        }
        pk[a] = k;
        pt[a] = t;
        pf[a] = S->ef[e] * N;
        for (int j = 0; j < m; j++)
          pm[(size_t) ne * j + a] = S->CM[(size_t) 4 * K * j + k + (size_t) K * S->eq[e]] -
            S->PC[s + CT * j];
      }
    }
  }
  double *WY = (double *) R_alloc((size_t) T * m, sizeof(double));
  double *Wt = (double *) R_alloc((size_t) T, sizeof(double));
  for (R_xlen_t q0 = 0; q0 < n; ) {
    R_xlen_t r0 = ord ? ord[q0] : q0, q1 = q0 + 1;
    while (q1 < n && u[ord ? ord[q1] : q1] == u[r0]) q1++;
    memset(WY, 0, sizeof(double) * (size_t) T * m);
    memset(Wt, 0, sizeof(double) * (size_t) T);
    int c = uc[u[r0] - 1] - 1;
    /* the weighted outcomes net of their pair's centre (see cs_none_prep) */
    for (R_xlen_t q = q0; q < q1; q++) {
      R_xlen_t r = ord ? ord[q] : q;
      int t = tt[r] - 1;
      double wr = wt ? wt[r] : 1.0;
      const double *pc = S->PC + (size_t) c + (size_t) C * t, *yc = S->YC + t;
      Wt[t] += wr;
      for (int j = 0; j < m; j++)
        WY[(size_t) T * j + t] += wr * ((y[j][r] - yc[(size_t) T * j]) - pc[CT * j]);
    }
    double *cg = cl ? cb + (size_t) (cl[u[r0] - 1] - 1) * Km : NULL;
    /* four outcomes at a time, then one at a time: the running cell's sums
     * in registers */
    int j = 0;
    for (; j + 4 <= m; j += 4) {
      const double *w0 = WY + (size_t) T * j, *w1 = w0 + T, *w2 = w1 + T, *w3 = w2 + T;
      const double *m0 = pm + (size_t) ne * j, *m1 = m0 + ne, *m2 = m1 + ne, *m3 = m2 + ne;
      double l0 = 0, l1 = 0, l2 = 0, l3 = 0;
      int klast = -1;
      for (int e = pstart[c]; e <= pstart[c + 1]; e++) {
        int end = e == pstart[c + 1], k = end ? -2 : pk[e];
        if (k != klast && klast >= 0) {
          double lv[4] = {l0, l1, l2, l3};
          for (int h = 0; h < 4; h++) {
            if (cg) cg[(size_t) klast * m + j + h] += lv[h];
            else pss[klast + (size_t) K * (j + h)] += lv[h] * lv[h];
          }
          l0 = l1 = l2 = l3 = 0;
        }
        if (end) break;
        klast = k;
        int t = pt[e];
        double f = pf[e], wtt = Wt[t];
        l0 += f * (w0[t] - m0[e] * wtt);
        l1 += f * (w1[t] - m1[e] * wtt);
        l2 += f * (w2[t] - m2[e] * wtt);
        l3 += f * (w3[t] - m3[e] * wtt);
      }
    }
    for (; j < m; j++) {
      const double *wy = WY + (size_t) T * j, *pmj = pm + (size_t) ne * j;
      double last = 0;
      int klast = -1;
      for (int e = pstart[c]; e < pstart[c + 1]; e++) {
        int k = pk[e], t = pt[e];
        double v = pf[e] * (wy[t] - pmj[e] * Wt[t]);
        if (k == klast) {
          last += v;
          continue;
        }
        if (klast >= 0) {
          if (cg) cg[(size_t) klast * m + j] += last;
          else pss[klast + (size_t) K * j] += last * last;
        }
        klast = k;
        last = v;
      }
      if (klast >= 0) {
        if (cg) cg[(size_t) klast * m + j] += last;
        else pss[klast + (size_t) K * j] += last * last;
      }
    }
    if ((q0 >> 20) != (q1 >> 20)) R_CheckUserInterrupt();
    q0 = q1;
  }
}

/* unit, tidx: 1-based unit and period codes per row; ucode: cohort code
 * (1..C) per unit; Y: n x m outcomes (a matrix or a list of columns); w:
 * weights per row or NULL; cells:
 * K x 3 integer matrix (treated cohort code, period index t, base period
 * index b); ctrl: C x K logical (comparison cohorts of each cell); dims:
 * (N, T, C); clus: NULL (the units are the clusters) or a cluster code
 * (1..G) per unit. Returns list(att = K x m, ss = K x m sums over clusters
 * of the squared cluster sums of the influence functions, ok = K flags:
 * all four sub-cells have positive weight). */
SEXP sd_cs_none(SEXP unit, SEXP tidx, SEXP ucode, SEXP Y, SEXP w, SEXP cells,
                SEXP ctrl, SEXP dims, SEXP clus)
{
  cs_none_check(unit, tidx, ucode, w, cells, ctrl, dims);
  R_xlen_t n = XLENGTH(unit);
  int m, K = Rf_nrows(cells);
  const double **y = sd_cs_ycols(Y, n, &m);
  int N = INTEGER(dims)[0], T = INTEGER(dims)[1], C = INTEGER(dims)[2];
  int G;
  const int *cl = sd_cs_clusters(clus, N, &G);
  const int *u = INTEGER(unit), *tt = INTEGER(tidx), *uc = INTEGER(ucode);
  const double *wt = Rf_isNull(w) ? NULL : REAL(w);
  SEXP att = PROTECT(Rf_allocMatrix(REALSXP, K, m));
  SEXP ok = PROTECT(Rf_allocVector(LGLSXP, K));
  SEXP ss = PROTECT(Rf_allocMatrix(REALSXP, K, m));
  cs_none_t S;
  cs_none_prep(u, tt, uc, y, n, m, wt, INTEGER(cells), LOGICAL(ctrl), N, C, T, K,
               REAL(att), LOGICAL(ok), &S);
  /* pass 2: each unit's K x m sums in a small buffer (cell-major: the m
   * outcomes of a cell adjacent), then squared (or added to its cluster's
   * sums, squared at the end). Only the cells the unit's rows feed are
   * visited (listed as they are first touched): the others add 0. */
  size_t Km = (size_t) K * m;
  double *pss = REAL(ss);
  memset(pss, 0, Km * sizeof(double));
  double *cb = NULL;
  if (cl) {
    cb = (double *) R_alloc((size_t) G * Km, sizeof(double));
    memset(cb, 0, (size_t) G * Km * sizeof(double));
  }
  R_xlen_t *ord = cs_unit_order(u, n, N, S.grouped);
  if (n >= 2 * (R_xlen_t) N) {          /* panels: unit by unit (above) */
    cs_none_ss_units(&S, u, tt, uc, y, wt, n, N, ord, cl, pss, cb);
  } else {                              /* (mostly) one row per unit */
  double *acc = (double *) R_alloc(Km, sizeof(double));
  memset(acc, 0, Km * sizeof(double));
  unsigned char *touched = (unsigned char *) R_alloc((size_t) K, 1);
  memset(touched, 0, (size_t) K);
  int *tl = (int *) R_alloc((size_t) K, sizeof(int));
  double *yr = (double *) R_alloc((size_t) m, sizeof(double));
  for (R_xlen_t q0 = 0; q0 < n; ) {
    R_xlen_t r0 = ord ? ord[q0] : q0, q1 = q0 + 1;
    while (q1 < n && u[ord ? ord[q1] : q1] == u[r0]) q1++;
    int nt = 0;
    for (R_xlen_t q = q0; q < q1; q++) {
      R_xlen_t r = ord ? ord[q] : q;
      size_t s = (size_t) (uc[u[r] - 1] - 1) + (size_t) C * (tt[r] - 1);
      double ww = (wt ? wt[r] : 1.0) * N;
      for (int j = 0; j < m; j++) yr[j] = y[j][r] - S.YC[tt[r] - 1 + (size_t) T * j];
      for (int e = S.start[s]; e < S.start[s + 1]; e++) {
        int k = S.ek[e];
        if (!touched[k]) {
          touched[k] = 1;
          tl[nt++] = k;
        }
        const double *mean = S.CM + (size_t) k + (size_t) K * S.eq[e];
        double f = ww * S.ef[e], *ak = acc + (size_t) k * m;
        for (int j = 0; j < m; j++) ak[j] += f * (yr[j] - mean[(size_t) 4 * K * j]);
      }
    }
    double *cg = cl ? cb + (size_t) (cl[u[r0] - 1] - 1) * Km : NULL;
    for (int t = 0; t < nt; t++) {
      int k = tl[t];
      double *ak = acc + (size_t) k * m;
      touched[k] = 0;
      for (int j = 0; j < m; j++) {
        if (cg) cg[(size_t) k * m + j] += ak[j];
        else pss[k + (size_t) K * j] += ak[j] * ak[j];
        ak[j] = 0;
      }
    }
    if ((q0 >> 20) != (q1 >> 20)) R_CheckUserInterrupt();
    q0 = q1;
  }
  }
  if (cl) {
    for (int g = 0; g < G; g++) {
      const double *cg = cb + (size_t) g * Km;
      for (int k = 0; k < K; k++)
        for (int j = 0; j < m; j++) {
          double v = cg[(size_t) k * m + j];
          pss[k + (size_t) K * j] += v * v;
        }
    }
  }
  const char *names[] = {"att", "ss", "ok", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SET_VECTOR_ELT(out, 0, att);
  SET_VECTOR_ELT(out, 1, ss);
  SET_VECTOR_ELT(out, 2, ok);
  UNPROTECT(4);
  return out;
}

/* One outcome's influence functions from the same arguments (jout: the
 * outcome's column of Y, 1-based): the N x K matrix when W is NULL (the
 * same sums, in the same order, as sd_cs_none() squares), else its product
 * with W (K x p double), N x p, computed per row as
 * N w_r ((y_r - c_s) A_s - B_s) with A_s = sum_e sign_e W[k_e, ] / weight_e
 * and B_s = sum_e sign_e (mean_e - c_s) W[k_e, ] / weight_e over the
 * sub-cells e that the row's pair s feeds, c_s the pair's centre. */
SEXP sd_cs_none_psi(SEXP unit, SEXP tidx, SEXP ucode, SEXP Y, SEXP w, SEXP cells,
                    SEXP ctrl, SEXP dims, SEXP jout, SEXP W)
{
  cs_none_check(unit, tidx, ucode, w, cells, ctrl, dims);
  R_xlen_t n = XLENGTH(unit);
  int K = Rf_nrows(cells), jj = Rf_asInteger(jout), m;
  const double **yc = sd_cs_ycols(Y, n, &m);
  int N = INTEGER(dims)[0], T = INTEGER(dims)[1], C = INTEGER(dims)[2];
  if (jj == NA_INTEGER || jj < 1 || jj > m) Rf_error("'jout' is not a column of 'Y'");
  if (!Rf_isNull(W) && (!Rf_isReal(W) || !Rf_isMatrix(W) || Rf_nrows(W) != K))
    Rf_error("'W' must be NULL or a double matrix with one row per cell");
  const int *u = INTEGER(unit), *tt = INTEGER(tidx), *uc = INTEGER(ucode);
  const double **y = yc + (jj - 1), *wt = Rf_isNull(w) ? NULL : REAL(w);
  double *pa = (double *) R_alloc((size_t) K, sizeof(double));
  int *pok = (int *) R_alloc((size_t) K, sizeof(int));
  cs_none_t S;
  cs_none_prep(u, tt, uc, y, n, 1, wt, INTEGER(cells), LOGICAL(ctrl), N, C, T, K,
               pa, pok, &S);
  int p = Rf_isNull(W) ? K : Rf_ncols(W);
  SEXP out = PROTECT(Rf_allocMatrix(REALSXP, N, p));
  double *po = REAL(out);
  memset(po, 0, (size_t) N * p * sizeof(double));
  if (Rf_isNull(W)) {
    for (R_xlen_t r = 0; r < n; r++) {
      size_t s = (size_t) (uc[u[r] - 1] - 1) + (size_t) C * (tt[r] - 1);
      double ww = (wt ? wt[r] : 1.0) * N;
      cs_add_row(&S, y, r, s, ww, &po, (size_t) u[r] - 1, (size_t) N);
      if ((r & 0xFFFFF) == 0xFFFFF) R_CheckUserInterrupt();
    }
    UNPROTECT(1);
    return out;
  }
  const double *pw = REAL(W);
  size_t CT = (size_t) C * T;
  double *A = (double *) R_alloc(CT * p, sizeof(double));
  double *B = (double *) R_alloc(CT * p, sizeof(double));
  memset(A, 0, CT * p * sizeof(double));
  memset(B, 0, CT * p * sizeof(double));
  for (size_t s = 0; s < CT; s++) {
    for (int e = S.start[s]; e < S.start[s + 1]; e++) {
      int k = S.ek[e];
      double f = S.ef[e];
      /* the mean net of the pair's centre (see cs_none_prep) */
      double mean = S.CM[(size_t) k + (size_t) K * S.eq[e]] - S.PC[s];
      for (int l = 0; l < p; l++) {
        double wk = pw[k + (size_t) K * l];
        A[s + CT * l] += f * wk;
        B[s + CT * l] += f * mean * wk;
      }
    }
  }
  for (R_xlen_t r = 0; r < n; r++) {
    size_t s = (size_t) (uc[u[r] - 1] - 1) + (size_t) C * (tt[r] - 1);
    double ww = (wt ? wt[r] : 1.0) * N, yr = (y[0][r] - S.YC[tt[r] - 1]) - S.PC[s];
    size_t i = (size_t) u[r] - 1;
    for (int l = 0; l < p; l++)
      po[i + (size_t) N * l] += ww * (yr * A[s + CT * l] - B[s + CT * l]);
    if ((r & 0xFFFFF) == 0xFFFFF) R_CheckUserInterrupt();
  }
  UNPROTECT(1);
  return out;
}

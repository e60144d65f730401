/* Callaway-Sant'Anna ATT(g, t) without covariates for every group-time
 * cell and every outcome in two passes over the rows.
 *
 * Without covariates each cell's 2x2 comparison is a difference of four
 * weighted means: (treated, later period) - (treated, earlier period) -
 * [(comparison, later) - (comparison, earlier)], where a cell's "periods"
 * are its own period t and its base period b, and a row's group is its
 * unit's adoption cohort. Pass 1 accumulates the weight and weighted outcome
 * sums of every (cohort, period) pair, from which every cell's means follow
 * (the comparison set of a cell is a set of cohorts). Pass 2 writes the
 * influence functions: a row of cohort c in period t contributes to each
 * cell that uses period t and has c as its treated cohort or among its
 * comparison cohorts, the term
 *     sign * N * w_r (y_r - mean of its sub-cell) / (weight of the sub-cell),
 * summed by unit. This is the influence function of did's estimators on
 * balanced panels (outcome changes), unbalanced panels and repeated cross
 * sections alike, already scaled as att_gt() stores it (variance =
 * sum over clusters of the squared column sums / N^2). */
#include "smartdid.h"
#include "cs.h"
#include <string.h>

/* Add the influence-function terms of row r (weight ww, cohort-period pair
 * `pair`) for every outcome j to dst[j][off + stride * k], k the cells the
 * pair feeds: subs_* are pass 1's compressed lists (cell, sub-cell, sign,
 * sub-cell weight), CM the sub-cell means. */
static inline void cs_add_row(const int *start, const int *subs_k, const int *subs_q,
                              const double *subs_s, const double *subs_w,
                              const double *CM, int K, int m, const double *y,
                              R_xlen_t n, R_xlen_t r, size_t pair, double ww,
                              double **dst, size_t off, size_t stride)
{
  for (int e = start[pair]; e < start[pair + 1]; e++) {
    int k = subs_k[e];
    size_t mq = (size_t) k + (size_t) K * subs_q[e];
    double f = subs_s[e] * ww / subs_w[e];
    for (int j = 0; j < m; j++) {
      double mean = CM[(size_t) 4 * K * j + mq];
      dst[j][off + stride * (size_t) k] += f * (y[r + (size_t) n * j] - mean);
    }
  }
}

/* unit, tidx, code: 1-based integer codes per row (unit, period, cohort);
 * Y: n x m outcomes; w: weights per row or NULL; cells: K x 3 integer
 * matrix (treated cohort code, period index t, base period index b);
 * ctrl: C x K logical (comparison cohorts of each cell); dims: (N, T, C).
 * Returns list(att = K x m, psi = list of m N x K matrices, ok = K flags:
 * all four sub-cells have positive weight). */
SEXP sd_cs_none(SEXP unit, SEXP tidx, SEXP code, SEXP Y, SEXP w, SEXP cells,
                SEXP ctrl, SEXP dims)
{
  if (!Rf_isInteger(unit) || !Rf_isInteger(tidx) || !Rf_isInteger(code))
    Rf_error("'unit', 'tidx' and 'code' must be integer vectors");
  if (!Rf_isReal(Y) || !Rf_isMatrix(Y)) Rf_error("'Y' must be a double matrix");
  if (!Rf_isInteger(cells) || !Rf_isMatrix(cells) || Rf_ncols(cells) != 3)
    Rf_error("'cells' must be an integer matrix with 3 columns");
  if (!Rf_isLogical(ctrl) || !Rf_isMatrix(ctrl)) Rf_error("'ctrl' must be a logical matrix");
  if (!Rf_isInteger(dims) || XLENGTH(dims) != 3) Rf_error("'dims' must be 3 integers");
  R_xlen_t n = XLENGTH(unit);
  int m = Rf_ncols(Y), K = Rf_nrows(cells);
  int N = INTEGER(dims)[0], T = INTEGER(dims)[1], C = INTEGER(dims)[2];
  if (N < 1 || T < 1 || C < 1) Rf_error("'dims' must be positive");
  if (XLENGTH(tidx) != n || XLENGTH(code) != n || Rf_nrows(Y) != n)
    Rf_error("'unit', 'tidx', 'code' and 'Y' must have one value per row");
  if (!Rf_isNull(w) && (!Rf_isReal(w) || XLENGTH(w) != n))
    Rf_error("'w' must be NULL or a double vector with one value per row");
  if (Rf_nrows(ctrl) != C || Rf_ncols(ctrl) != K)
    Rf_error("'ctrl' must be cohorts x cells");
  const int *u = INTEGER(unit), *tt = INTEGER(tidx), *cc = INTEGER(code);
  const int *ce = INTEGER(cells), *ct = LOGICAL(ctrl);
  const double *y = REAL(Y), *wt = Rf_isNull(w) ? NULL : REAL(w);
  for (R_xlen_t r = 0; r < n; r++) {
    if (u[r] < 1 || u[r] > N || tt[r] < 1 || tt[r] > T || cc[r] < 1 || cc[r] > C)
      Rf_error("row %lld has a unit, period or cohort code out of range", (long long) r + 1);
  }
  for (int k = 0; k < K; k++) {
    int g = ce[k], a = ce[k + K], b = ce[k + 2 * K];
    if (g < 1 || g > C || a < 1 || a > T || b < 1 || b > T)
      Rf_error("cell %d has a cohort or period out of range", k + 1);
  }
  size_t CT = (size_t) C * T;
  /* pass 1: weight and weighted outcome sums by (cohort, period) */
  double *SW = (double *) R_alloc(CT, sizeof(double));
  double *SWY = (double *) R_alloc(CT * m, sizeof(double));
  memset(SW, 0, CT * sizeof(double));
  memset(SWY, 0, CT * m * sizeof(double));
  for (R_xlen_t r = 0; r < n; r++) {
    size_t s = (size_t) (cc[r] - 1) + (size_t) C * (tt[r] - 1);
    double ww = wt ? wt[r] : 1.0;
    SW[s] += ww;
    for (int j = 0; j < m; j++) SWY[s + CT * j] += ww * y[r + (size_t) n * j];
    if ((r & 0xFFFFF) == 0xFFFFF) R_CheckUserInterrupt();
  }
  /* the four sub-cells of every cell: weights (K x 4) and means (K x 4 x m);
   * sub-cell order: treated later, treated earlier, comparison later,
   * comparison earlier (later = the cell's period t) */
  double *CW = (double *) R_alloc((size_t) K * 4, sizeof(double));
  double *CM = (double *) R_alloc((size_t) K * 4 * m, sizeof(double));
  SEXP att = PROTECT(Rf_allocMatrix(REALSXP, K, m));
  SEXP ok = PROTECT(Rf_allocVector(LGLSXP, K));
  double *pa = REAL(att);
  int *pok = LOGICAL(ok);
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
  int *subs_k = NULL, *subs_q = NULL;
  double *subs_s = NULL, *subs_w = NULL;
  /* the sub-cells each (cohort, period) pair feeds (compressed lists, for
   * pass 2): cell k, sub-cell q, its sign and its weight */
  int *start = (int *) R_alloc(CT + 1, sizeof(int));
  memset(start, 0, (CT + 1) * sizeof(int));
  for (int pass = 0; pass < 2; pass++) {
    int *ek = NULL, *eq = NULL;
    double *es = NULL, *ew = NULL;
    int *fill = NULL;
    if (pass == 1) {
      for (size_t s = 0; s < CT; s++) start[s + 1] += start[s];
      ek = (int *) R_alloc((size_t) start[CT] + 1, sizeof(int));
      eq = (int *) R_alloc((size_t) start[CT] + 1, sizeof(int));
      es = (double *) R_alloc((size_t) start[CT] + 1, sizeof(double));
      ew = (double *) R_alloc((size_t) start[CT] + 1, sizeof(double));
      fill = (int *) R_alloc(CT, sizeof(int));
      memcpy(fill, start, CT * sizeof(int));
      subs_k = ek; subs_q = eq; subs_s = es; subs_w = ew;
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
          ek[e] = k;
          eq[e] = q;
          es[e] = (q == 0 || q == 3) ? 1.0 : -1.0;
          ew[e] = CW[k + (size_t) K * q];
        }
      }
    }
  }
  /* pass 2: influence functions, summed by unit. When each unit's rows are
   * adjacent (the usual layout), a unit's sums are accumulated in a small
   * buffer and written once, every cell's entry (zeros included): one write
   * per entry instead of zeroing the matrices first and adding into them.
   * Each entry is the same sum, in the same order, either way. */
  unsigned char *done = (unsigned char *) R_alloc((size_t) N, 1);
  memset(done, 0, (size_t) N);
  int grouped = 1;
  for (R_xlen_t r = 0; r < n && grouped; r++) {
    if (r > 0 && u[r] == u[r - 1]) continue;
    if (done[u[r] - 1]) grouped = 0;
    done[u[r] - 1] = 1;
  }
  SEXP psi = PROTECT(Rf_allocVector(VECSXP, m));
  double **pp = (double **) R_alloc((size_t) m, sizeof(double *));
  for (int j = 0; j < m; j++) {
    SEXP pj = Rf_allocMatrix(REALSXP, N, K);
    SET_VECTOR_ELT(psi, j, pj);
    pp[j] = REAL(pj);
    if (!grouped) memset(pp[j], 0, (size_t) N * K * sizeof(double));
  }
  if (grouped) {
    double *acc = (double *) R_alloc((size_t) K * m, sizeof(double));
    memset(acc, 0, (size_t) K * m * sizeof(double));
    double **accp = (double **) R_alloc((size_t) m, sizeof(double *));
    for (int j = 0; j < m; j++) accp[j] = acc + (size_t) K * j;
    memset(done, 0, (size_t) N);
    for (R_xlen_t r0 = 0; r0 < n; ) {
      R_xlen_t r1 = r0 + 1;
      while (r1 < n && u[r1] == u[r0]) r1++;
      size_t i = (size_t) u[r0] - 1;
      for (R_xlen_t r = r0; r < r1; r++) {
        size_t s = (size_t) (cc[r] - 1) + (size_t) C * (tt[r] - 1);
        double ww = (wt ? wt[r] : 1.0) * N;
        cs_add_row(start, subs_k, subs_q, subs_s, subs_w, CM, K, m, y, n, r, s, ww,
                   accp, 0, 1);
      }
      for (int j = 0; j < m; j++) {
        double *aj = acc + (size_t) K * j, *pj = pp[j] + i;
        for (int k = 0; k < K; k++) {
          pj[(size_t) N * k] = aj[k];
          aj[k] = 0;
        }
      }
      done[i] = 1;
      if ((r0 >> 20) != (r1 >> 20)) R_CheckUserInterrupt();
      r0 = r1;
    }
    for (size_t i = 0; i < (size_t) N; i++)      /* units without rows */
      if (!done[i]) for (int j = 0; j < m; j++)
        for (int k = 0; k < K; k++) pp[j][i + (size_t) N * k] = 0;
  } else {
    for (R_xlen_t r = 0; r < n; r++) {
      size_t s = (size_t) (cc[r] - 1) + (size_t) C * (tt[r] - 1);
      size_t i = (size_t) u[r] - 1;
      double ww = (wt ? wt[r] : 1.0) * N;
      cs_add_row(start, subs_k, subs_q, subs_s, subs_w, CM, K, m, y, n, r, s, ww,
                 pp, i, (size_t) N);
      if ((r & 0xFFFFF) == 0xFFFFF) R_CheckUserInterrupt();
    }
  }
  const char *names[] = {"att", "psi", "ok", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SET_VECTOR_ELT(out, 0, att);
  SET_VECTOR_ELT(out, 1, psi);
  SET_VECTOR_ELT(out, 2, ok);
  UNPROTECT(4);
  return out;
}

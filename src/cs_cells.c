/* Callaway-Sant'Anna with covariates on a balanced panel: every group-time
 * cell's 2x2 (outcome regression or doubly robust, src/cs_drdid.c) in one
 * call, reading the rows in place. A cell's units (its treated cohort and
 * its comparison cohorts), their outcome changes between the cell's period
 * and its base period, and their covariates and weights in the earlier of
 * the two are gathered here instead of as R copies, and a cell whose
 * propensity score model is the same as the previous cell's (same units,
 * covariates and weights: the post-treatment cells of a cohort with
 * never-treated comparisons) reuses its fitted scores. The results are those
 * of one sd_cs_2x2() call per cell. */
#include "smartdid.h"
#include "cs.h"
#include <math.h>
#include <string.h>
#include <limits.h>

/* unit, tidx: 1-based unit and period codes per row (every unit in every
 * period once); Y: n x m outcomes (a matrix or a list of columns); X: n x p covariates (no intercept); w:
 * weights per row or NULL; ucode: cohort code (1..C) per unit; cells: K x 4
 * integer (treated cohort code, period, base period, covariate period);
 * ctrl: C x K logical comparison cohorts; dims: (N, T, C); method 1 = "or",
 * 2 = "dr"; psid: K integers, equal for consecutive cells with the same
 * propensity score model; clus: NULL (the units are the clusters) or a
 * cluster code (1..G) per unit. Returns list(att = K x m, units, start,
 * vals: the influence functions of the m outcomes in compact form (below;
 * scaled as att_gt() stores them), ss = K x m sums of squares of their
 * cluster sums, status = K: 0 estimated, 1 no comparison units, 2 singular
 * covariates, 3 the base period itself). */
SEXP sd_cs_panel_cells(SEXP unit, SEXP tidx, SEXP Y, SEXP X, SEXP w, SEXP ucode,
                       SEXP cells, SEXP ctrl, SEXP dims, SEXP method, SEXP trim,
                       SEXP psid, SEXP clus)
{
  if (!Rf_isInteger(unit) || !Rf_isInteger(tidx) || !Rf_isInteger(ucode))
    Rf_error("'unit', 'tidx' and 'ucode' must be integer vectors");
  if (!Rf_isReal(X) || !Rf_isMatrix(X)) Rf_error("'X' must be a double matrix");
  if (!Rf_isInteger(cells) || !Rf_isMatrix(cells) || Rf_ncols(cells) != 4)
    Rf_error("'cells' must be an integer matrix with 4 columns");
  if (!Rf_isLogical(ctrl) || !Rf_isMatrix(ctrl)) Rf_error("'ctrl' must be a logical matrix");
  if (!Rf_isInteger(dims) || XLENGTH(dims) != 3) Rf_error("'dims' must be 3 integers");
  R_xlen_t n = XLENGTH(unit);
  int m, p = Rf_ncols(X), K = Rf_nrows(cells), k = p + 1;
  const double **y = sd_cs_ycols(Y, n, &m);
  int N = INTEGER(dims)[0], T = INTEGER(dims)[1], C = INTEGER(dims)[2];
  int meth = Rf_asInteger(method);
  double tr = Rf_asReal(trim);
  if (N < 1 || T < 1 || C < 1) Rf_error("'dims' must be positive");
  if (meth != 1 && meth != 2) Rf_error("'method' must be 1 (or) or 2 (dr)");
  if (XLENGTH(tidx) != n || Rf_nrows(X) != n)
    Rf_error("'unit', 'tidx' and 'X' must have one value per row");
  if (!Rf_isNull(w) && (!Rf_isReal(w) || XLENGTH(w) != n))
    Rf_error("'w' must be NULL or a double vector with one value per row");
  if (XLENGTH(ucode) != N || Rf_nrows(ctrl) != C || Rf_ncols(ctrl) != K ||
      !Rf_isInteger(psid) || XLENGTH(psid) != K)
    Rf_error("'ucode', 'ctrl' or 'psid' do not match the dimensions");
  const int *u = INTEGER(unit), *tt = INTEGER(tidx), *uc = INTEGER(ucode);
  const int *ce = INTEGER(cells), *ct = LOGICAL(ctrl), *pid = INTEGER(psid);
  const double *x = REAL(X), *wt = Rf_isNull(w) ? NULL : REAL(w);
  for (int i = 0; i < N; i++)
    if (uc[i] < 1 || uc[i] > C) Rf_error("unit %d has a cohort code out of range", i + 1);
  int G;
  const int *cl = sd_cs_clusters(clus, N, &G);
  for (int c = 0; c < K; c++)
    for (int j = 0; j < 4; j++) {
      int v = ce[c + K * j], hi = j ? T : C;
      if (v < 1 || v > hi) Rf_error("cell %d has a cohort or period out of range", c + 1);
    }
  /* the outcomes, covariates and weights rearranged period by period (unit
   * i of period t at t * N + i): each cell then reads its units' values in
   * increasing order from its two periods' slices instead of one row per
   * cache line (reading the rows in place, even in unit-period order, was
   * slower: every cell then streams through all the rows) */
  if ((double) N * T != (double) n) Rf_error("the panel is not balanced");
  size_t NT = (size_t) N * T;
  char *seen = (char *) R_alloc(NT, 1);
  memset(seen, 0, NT);
  double *yt = (double *) R_alloc(NT * m, sizeof(double));
  double *xt = (double *) R_alloc(NT * (p > 0 ? p : 1), sizeof(double));
  double *wtt = wt ? (double *) R_alloc(NT, sizeof(double)) : NULL;
  for (R_xlen_t r = 0; r < n; r++) {
    if (u[r] < 1 || u[r] > N || tt[r] < 1 || tt[r] > T)
      Rf_error("row %lld has a unit or period code out of range", (long long) r + 1);
    size_t at = (size_t) (tt[r] - 1) * N + (u[r] - 1);
    if (seen[at]) Rf_error("the panel is not balanced");
    seen[at] = 1;
    for (int j = 0; j < m; j++) yt[at + NT * j] = y[j][r];
    for (int j = 0; j < p; j++) xt[at + NT * j] = x[r + (size_t) n * j];
    if (wt) wtt[at] = wt[r];
  }

  /* the influence functions in compact form: each cell's units (its
   * treated and comparison cohorts, 0-based, in unit order; none for a cell
   * not estimated) at units[start[c] .. start[c + 1] - 1], each outcome's values
   * at the same places of vals[[j]] (the units x cells matrix has zeros
   * elsewhere); and the sums of squares of their cluster sums */
  int *ccount = (int *) R_alloc((size_t) C, sizeof(int));
  memset(ccount, 0, sizeof(int) * (size_t) C);
  for (int i = 0; i < N; i++) ccount[uc[i] - 1]++;
  SEXP startv = PROTECT(Rf_allocVector(INTSXP, K + 1));
  int *sta = INTEGER(startv);
  double tot = 0;
  sta[0] = 0;
  for (int c = 0; c < K; c++) {
    int g = ce[c], nt = ccount[g - 1], n0 = 0;
    for (int h = 0; h < C; h++) if (h != g - 1 && ct[h + (size_t) C * c]) n0 += ccount[h];
    int nc = (ce[c + K] == ce[c + 2 * K] || !n0) ? 0 : nt + n0;
    tot += nc;
    if (tot > INT_MAX) Rf_error("too many units x cells for the compact influence functions");
    sta[c + 1] = sta[c] + nc;
  }
  SEXP unitsv = PROTECT(Rf_allocVector(INTSXP, sta[K]));
  int *uall = INTEGER(unitsv);
  SEXP vals = PROTECT(Rf_allocVector(VECSXP, m));
  for (int j = 0; j < m; j++) SET_VECTOR_ELT(vals, j, Rf_allocVector(REALSXP, sta[K]));
  SEXP ssv = PROTECT(Rf_allocMatrix(REALSXP, K, m));
  double *pss = REAL(ssv);
  for (R_xlen_t i = 0; i < (R_xlen_t) K * m; i++) pss[i] = 0;
  double *cb = cl ? (double *) R_alloc((size_t) G, sizeof(double)) : NULL;
  if (cl) for (int g = 0; g < G; g++) cb[g] = 0;
  SEXP att = PROTECT(Rf_allocMatrix(REALSXP, K, m));
  SEXP status = PROTECT(Rf_allocVector(INTSXP, K));
  double *pa = REAL(att);
  for (R_xlen_t i = 0; i < (R_xlen_t) K * m; i++) pa[i] = NA_REAL;
  int *st = INTEGER(status);
  int *use = (int *) R_alloc((size_t) N, sizeof(int));
  double *ps = (double *) R_alloc((size_t) N, sizeof(double));
  double *ac = (double *) R_alloc((size_t) m, sizeof(double));
  int last_id = NA_INTEGER;
  for (int c = 0; c < K; c++) {
    R_CheckUserInterrupt();
    int g = ce[c], ti = ce[c + K] - 1, bi = ce[c + 2 * K] - 1, early = ce[c + 3 * K] - 1;
    const int *cc = ct + (size_t) C * c;
    if (ti == bi) {
      st[c] = 3;
      for (int j = 0; j < m; j++) pa[c + (size_t) K * j] = 0;
      continue;
    }
    int nu = 0, n0 = 0;
    for (int i = 0; i < N; i++) {
      int tr_i = uc[i] == g, co = !tr_i && cc[uc[i] - 1];
      if (tr_i || co) use[nu++] = i;
      n0 += co;
    }
    if (!n0) {
      st[c] = 1;
      last_id = NA_INTEGER;
      continue;
    }
    if (nu != sta[c + 1] - sta[c]) Rf_error("internal: unit count of cell %d", c + 1);
    memcpy(uall + sta[c], use, sizeof(int) * (size_t) nu);
    const void *vmax = vmaxget();
    size_t nn = (size_t) nu;
    double *dy = (double *) R_alloc(nn * m, sizeof(double));
    double *D = (double *) R_alloc(nn, sizeof(double));
    double *Xc = (double *) R_alloc(nn * k, sizeof(double));
    double *wc = wt ? (double *) R_alloc(nn, sizeof(double)) : NULL;
    double *pp = (double *) R_alloc(nn * m, sizeof(double));
    size_t ot = (size_t) ti * N, ob = (size_t) bi * N, oe = (size_t) early * N;
    for (size_t a = 0; a < nn; a++) {
      size_t i = (size_t) use[a];
      D[a] = uc[i] == g;
      Xc[a] = 1;
      if (wt) wc[a] = wtt[oe + i];
    }
    for (int j = 0; j < m; j++) {
      const double *yj = yt + NT * j;
      double *dj = dy + nn * j;
      for (size_t a = 0; a < nn; a++) dj[a] = yj[ot + use[a]] - yj[ob + use[a]];
    }
    for (int j = 0; j < p; j++) {
      const double *xj = xt + NT * j + oe;
      double *cj = Xc + nn * (j + 1);
      for (size_t a = 0; a < nn; a++) cj[a] = xj[use[a]];
    }
    int have = pid[c] != NA_INTEGER && pid[c] == last_id;
    int ok = sd_cs_2x2_core(dy, m, D, Xc, wc, nn, k, meth, tr, ps, have, ac, pp);
    last_id = ok ? pid[c] : NA_INTEGER;
    if (!ok) {
      st[c] = 2;
      for (int j = 0; j < m; j++)
        memset(REAL(VECTOR_ELT(vals, j)) + sta[c], 0, sizeof(double) * nn);
      vmaxset(vmax);
      continue;
    }
    st[c] = 0;
    double f = (double) N / (double) nu;
    for (int j = 0; j < m; j++) {
      double *out = REAL(VECTOR_ELT(vals, j)) + sta[c];
      if (!R_FINITE(ac[j])) {
        memset(out, 0, sizeof(double) * nn);
        continue;
      }
      pa[c + (size_t) K * j] = ac[j];
      const double *src = pp + nn * j;
      double ss = 0;
      for (size_t a = 0; a < nn; a++) {
        out[a] = f * src[a];
        if (cl) cb[cl[use[a]] - 1] += out[a];
        else ss += out[a] * out[a];
      }
      if (cl) {
        /* each cluster's sum squared once (then zeroed: later visits add 0) */
        for (size_t a = 0; a < nn; a++) {
          double *v = cb + cl[use[a]] - 1;
          ss += *v * *v;
          *v = 0;
        }
      }
      pss[c + (size_t) K * j] = ss;
    }
    vmaxset(vmax);
  }
  const char *names[] = {"att", "units", "start", "vals", "ss", "status", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SET_VECTOR_ELT(out, 0, att);
  SET_VECTOR_ELT(out, 1, unitsv);
  SET_VECTOR_ELT(out, 2, startv);
  SET_VECTOR_ELT(out, 3, vals);
  SET_VECTOR_ELT(out, 4, ssv);
  SET_VECTOR_ELT(out, 5, status);
  UNPROTECT(7);
  return out;
}

/* The units x cells influence functions of sd_cs_panel_cells()'s compact
 * form (units, start, vals; N units), or their product with W (K x p
 * double), N x p. */
SEXP sd_cs_cells_psi(SEXP units, SEXP start, SEXP vals, SEXP N_, SEXP W)
{
  if (!Rf_isInteger(units) || !Rf_isInteger(start) || !Rf_isReal(vals))
    Rf_error("'units', 'start' must be integer and 'vals' double vectors");
  int N = Rf_asInteger(N_), K = (int) XLENGTH(start) - 1;
  if (N == NA_INTEGER || N < 1 || K < 0) Rf_error("'N' or 'start' is invalid");
  const int *un = INTEGER(units), *sta = INTEGER(start);
  if (sta[0] != 0 || sta[K] != XLENGTH(units) || XLENGTH(vals) != XLENGTH(units))
    Rf_error("'units', 'start' and 'vals' do not match");
  for (int c = 0; c < K; c++) if (sta[c + 1] < sta[c]) Rf_error("'start' must not decrease");
  for (R_xlen_t e = 0; e < XLENGTH(units); e++)
    if (un[e] < 0 || un[e] >= N) Rf_error("'units' out of range");
  const double *v = REAL(vals);
  if (Rf_isNull(W)) {
    SEXP out = PROTECT(Rf_allocMatrix(REALSXP, N, K));
    double *po = REAL(out);
    memset(po, 0, sizeof(double) * (size_t) N * K);
    for (int c = 0; c < K; c++) {
      double *oc = po + (size_t) N * c;
      for (int e = sta[c]; e < sta[c + 1]; e++) oc[un[e]] = v[e];
    }
    UNPROTECT(1);
    return out;
  }
  if (!Rf_isReal(W) || !Rf_isMatrix(W) || Rf_nrows(W) != K)
    Rf_error("'W' must be NULL or a double matrix with one row per cell");
  int p = Rf_ncols(W);
  const double *pw = REAL(W);
  SEXP out = PROTECT(Rf_allocMatrix(REALSXP, N, p));
  double *po = REAL(out);
  memset(po, 0, sizeof(double) * (size_t) N * p);
  for (int c = 0; c < K; c++) {
    for (int l = 0; l < p; l++) {
      double wk = pw[c + (size_t) K * l];
      if (wk == 0) continue;
      double *ol = po + (size_t) N * l;
      for (int e = sta[c]; e < sta[c + 1]; e++) ol[un[e]] += v[e] * wk;
    }
  }
  UNPROTECT(1);
  return out;
}

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

/* unit, tidx: 1-based unit and period codes per row (every unit in every
 * period once); Y: n x m outcomes (a matrix or a list of columns); X: n x p covariates (no intercept); w:
 * weights per row or NULL; ucode: cohort code (1..C) per unit; cells: K x 4
 * integer (treated cohort code, period, base period, covariate period);
 * ctrl: C x K logical comparison cohorts; dims: (N, T, C); method 1 = "or",
 * 2 = "dr"; psid: K integers, equal for consecutive cells with the same
 * propensity score model. Returns list(att = K x m, psi = m matrices N x K
 * (scaled as att_gt() stores them), status = K: 0 estimated, 1 no
 * comparison units, 2 singular covariates, 3 the base period itself). */
SEXP sd_cs_panel_cells(SEXP unit, SEXP tidx, SEXP Y, SEXP X, SEXP w, SEXP ucode,
                       SEXP cells, SEXP ctrl, SEXP dims, SEXP method, SEXP trim,
                       SEXP psid)
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
  for (int c = 0; c < K; c++)
    for (int j = 0; j < 4; j++) {
      int v = ce[c + K * j], hi = j ? T : C;
      if (v < 1 || v > hi) Rf_error("cell %d has a cohort or period out of range", c + 1);
    }
  /* the outcomes, covariates and weights rearranged period by period (unit
   * i of period t at t * N + i): each cell then reads its units' values in
   * increasing order instead of one row per cache line */
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

  SEXP att = PROTECT(Rf_allocMatrix(REALSXP, K, m));
  SEXP psi = PROTECT(Rf_allocVector(VECSXP, m));
  SEXP status = PROTECT(Rf_allocVector(INTSXP, K));
  double *pa = REAL(att);
  for (R_xlen_t i = 0; i < (R_xlen_t) K * m; i++) pa[i] = NA_REAL;
  for (int j = 0; j < m; j++) {
    SEXP pj = Rf_allocMatrix(REALSXP, N, K);
    SET_VECTOR_ELT(psi, j, pj);
    memset(REAL(pj), 0, sizeof(double) * (size_t) N * K);
  }
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
      vmaxset(vmax);
      continue;
    }
    st[c] = 0;
    double f = (double) N / (double) nu;
    for (int j = 0; j < m; j++) {
      if (!R_FINITE(ac[j])) continue;
      pa[c + (size_t) K * j] = ac[j];
      double *out = REAL(VECTOR_ELT(psi, j)) + (size_t) N * c;
      const double *src = pp + nn * j;
      for (size_t a = 0; a < nn; a++) out[use[a]] = f * src[a];
    }
    vmaxset(vmax);
  }
  const char *names[] = {"att", "psi", "status", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SET_VECTOR_ELT(out, 0, att);
  SET_VECTOR_ELT(out, 1, psi);
  SET_VECTOR_ELT(out, 2, status);
  UNPROTECT(4);
  return out;
}

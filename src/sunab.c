/* Sun-Abraham without a design matrix: the cohort-by-period dummies enter
 * the regression only through small cross-products.
 *
 * With unit and period effects absorbed, the normal equations of the dummies
 * X need X'MX, X'My and X'MZ (M the two-way residual maker, Z the controls).
 * Concentrating out the unit effects (M_U, within-unit demeaning) leaves the
 * period dummies D to be solved exactly, as the engine's two-way solve does:
 *   M = M_U - M_U D (D'M_U D)^+ D'M_U,
 * so X'MX follows from the Gram matrix of [X, D] under M_U, and that is
 *   sum_r w_r z_r z_r' - sum_i v_i v_i' / W_i
 * with z_r the row's dummy and period indicators, v_i their weighted sums
 * over unit i and W_i its total weight: one pass over the rows, grouped by
 * unit, touching only the few cells and periods each unit has. X'My and
 * X'MZ are the cell sums of the already demeaned My and MZ.
 *
 * The clustered meat needs each cluster's score s_h = sum_{r in h} u_r x~_r
 * (u = w e). With units nested in the clusters, the unit effects drop out of
 * it (the residuals sum to zero within each unit), so
 *   s_h[c] = sum_{r in h, cell c} u_r - sum_t lambda[c, t] sum_{r in h, t} u_r
 * with lambda the period coefficients of the dummies: again a pass over the
 * rows, grouped by cluster. */
#include "smartdid.h"
#include <string.h>

/* Counting sort of n rows by 1-based code in 1..G: rows of group g are
 * ord[start[g - 1] .. start[g] - 1]. Returns 0 on a code out of range. */
static int group_rows(const int *code, int n, int G, int *start, int *ord)
{
  memset(start, 0, sizeof(int) * ((size_t) G + 1));
  for (int i = 0; i < n; i++) {
    int g = code[i];
    if (g < 1 || g > G) return 0;
    start[g]++;
  }
  for (int g = 1; g <= G; g++) start[g] += start[g - 1];
  int *pos = (int *) R_alloc((size_t) G + 1, sizeof(int));
  memcpy(pos, start, sizeof(int) * ((size_t) G + 1));
  for (int i = 0; i < n; i++) ord[pos[code[i] - 1]++] = i;
  return 1;
}

static void check_int(SEXP x, int n, const char *what)
{
  if (TYPEOF(x) != INTSXP || XLENGTH(x) != n)
    Rf_error("'%s' must be an integer vector of length %d", what, n);
}

/* cell: 1..k, or NA / 0 for rows without a dummy */
static int cell_of(const int *cell, int i, int k)
{
  int c = cell[i];
  return (c == NA_INTEGER || c < 1 || c > k) ? -1 : c - 1;
}

/* Gram matrix of [X, D] under M_U ((k + T) x (k + T)) and the weighted cell
 * sums of the columns of `cols` (n x q double matrix, or NULL): k x q. */
SEXP sd_sunab_gram(SEXP unit, SEXP N_, SEXP period, SEXP T_, SEXP cell, SEXP k_,
                   SEXP w, SEXP cols)
{
  int n = (int) XLENGTH(unit), N = Rf_asInteger(N_), T = Rf_asInteger(T_),
      k = Rf_asInteger(k_);
  if (N == NA_INTEGER || N < 1 || T == NA_INTEGER || T < 1 || k == NA_INTEGER || k < 0)
    Rf_error("'N', 'T' and 'k' must be positive counts");
  check_int(unit, n, "unit");
  check_int(period, n, "period");
  check_int(cell, n, "cell");
  if (!Rf_isNull(w) && (!Rf_isReal(w) || XLENGTH(w) != n))
    Rf_error("'w' must be NULL or a double vector of length %d", n);
  int q = 0;
  if (!Rf_isNull(cols)) {
    if (!Rf_isReal(cols) || !Rf_isMatrix(cols) || Rf_nrows(cols) != n)
      Rf_error("'cols' must be NULL or a double matrix with %d rows", n);
    q = Rf_ncols(cols);
  }
  const int *pu = INTEGER(unit), *pt = INTEGER(period), *pc = INTEGER(cell);
  const double *pw = Rf_isNull(w) ? NULL : REAL(w);
  for (int i = 0; i < n; i++)
    if (pt[i] < 1 || pt[i] > T) Rf_error("'period' codes must lie in 1..%d", T);
  int m = k + T;
  int *start = (int *) R_alloc((size_t) N + 1, sizeof(int));
  int *ord = (int *) R_alloc((size_t) n + 1, sizeof(int));
  if (!group_rows(pu, n, N, start, ord)) Rf_error("'unit' codes must lie in 1..%d", N);

  const char *names[] = {"gram", "xty", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SEXP gram = Rf_allocMatrix(REALSXP, m, m);
  SET_VECTOR_ELT(out, 0, gram);
  SEXP xty = Rf_allocMatrix(REALSXP, k, q);
  SET_VECTOR_ELT(out, 1, xty);
  double *G = REAL(gram), *S = REAL(xty);
  memset(G, 0, sizeof(double) * (size_t) m * m);
  memset(S, 0, sizeof(double) * (size_t) k * q);
  const double *pcol = q ? REAL(cols) : NULL;
  double *v = (double *) R_alloc((size_t) m, sizeof(double));
  int *touched = (int *) R_alloc((size_t) m, sizeof(int));
  char *mark = (char *) R_alloc((size_t) m, 1);
  memset(v, 0, sizeof(double) * m);
  memset(mark, 0, m);
  for (int u = 0; u < N; u++) {
    if (!(u & 4095)) R_CheckUserInterrupt();
    int nt = 0;
    double W = 0;
    for (int s = start[u]; s < start[u + 1]; s++) {
      int i = ord[s];
      double wi = pw ? pw[i] : 1.0;
      int c = cell_of(pc, i, k), t = k + pt[i] - 1;
      W += wi;
      G[t + (size_t) t * m] += wi;
      if (!mark[t]) { mark[t] = 1; touched[nt++] = t; }
      v[t] += wi;
      if (c < 0) continue;
      G[c + (size_t) c * m] += wi;
      G[c + (size_t) t * m] += wi;
      G[t + (size_t) c * m] += wi;
      if (!mark[c]) { mark[c] = 1; touched[nt++] = c; }
      v[c] += wi;
      for (int j = 0; j < q; j++) S[c + (size_t) j * k] += wi * pcol[i + (size_t) j * n];
    }
    if (W > 0)
      for (int a = 0; a < nt; a++) {
        int ia = touched[a];
        double va = v[ia] / W;
        for (int b = 0; b < nt; b++) G[ia + (size_t) touched[b] * m] -= va * v[touched[b]];
      }
    for (int a = 0; a < nt; a++) { v[touched[a]] = 0; mark[touched[a]] = 0; }
  }
  UNPROTECT(1);
  return out;
}

/* Least squares from a Gram matrix: the columns kept by sd_chol_inverse()'s
 * sequential dropping (tolerance tol), the inverse of their block ("bread")
 * and the coefficients (NA for dropped columns). */
SEXP sd_sunab_solve(SEXP xtx, SEXP xty, SEXP tol)
{
  if (!Rf_isReal(xtx) || !Rf_isMatrix(xtx) || Rf_nrows(xtx) != Rf_ncols(xtx))
    Rf_error("'xtx' must be a square double matrix");
  int p = Rf_nrows(xtx);
  if (!Rf_isReal(xty) || XLENGTH(xty) != p)
    Rf_error("'xty' must be a double vector of length %d", p);
  double *a = (double *) R_alloc((size_t) p * p + 1, sizeof(double));
  memcpy(a, REAL(xtx), sizeof(double) * (size_t) p * p);
  int *keep = (int *) R_alloc((size_t) p + 1, sizeof(int));
  sd_chol_inverse(a, p, Rf_asReal(tol), keep);
  const char *names[] = {"coefficients", "bread", "keep", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SEXP coef = Rf_allocVector(REALSXP, p);
  SET_VECTOR_ELT(out, 0, coef);
  SEXP bread = Rf_allocMatrix(REALSXP, p, p);
  SET_VECTOR_ELT(out, 1, bread);
  SEXP kept = Rf_allocVector(LGLSXP, p);
  SET_VECTOR_ELT(out, 2, kept);
  memcpy(REAL(bread), a, sizeof(double) * (size_t) p * p);
  const double *y = REAL(xty);
  for (int j = 0; j < p; j++) {
    double s = 0;
    for (int l = 0; l < p; l++) s += a[j + (size_t) l * p] * y[l];
    REAL(coef)[j] = keep[j] ? s : NA_REAL;
    LOGICAL(kept)[j] = keep[j];
  }
  UNPROTECT(1);
  return out;
}

/* Clustered scores without the n x k design (units nested in clusters):
 * s_h = [cell sums of u - lam %*% period sums of u, sums of u * Z] for each
 * cluster h in 1..G; returns the meat sum_h s_h s_h' ((k + p) square) and
 * psi = rows s_h' Q (G x ncol(Q)). lam: k x T; Z: n x p or NULL; Q: (k + p)
 * rows. */
SEXP sd_sunab_scores(SEXP clu, SEXP G_, SEXP period, SEXP cell, SEXP u,
                     SEXP Z, SEXP lam, SEXP Q)
{
  int n = (int) XLENGTH(clu), G = Rf_asInteger(G_);
  if (G == NA_INTEGER || G < 1) Rf_error("'G' must be a positive count");
  check_int(clu, n, "clu");
  check_int(period, n, "period");
  check_int(cell, n, "cell");
  if (!Rf_isReal(u) || XLENGTH(u) != n) Rf_error("'u' must be a double vector of length %d", n);
  if (!Rf_isReal(lam) || !Rf_isMatrix(lam)) Rf_error("'lam' must be a double matrix");
  int k = Rf_nrows(lam), T = Rf_ncols(lam), p = 0;
  if (!Rf_isNull(Z)) {
    if (!Rf_isReal(Z) || !Rf_isMatrix(Z) || Rf_nrows(Z) != n)
      Rf_error("'Z' must be NULL or a double matrix with %d rows", n);
    p = Rf_ncols(Z);
  }
  int kp = k + p;
  if (!Rf_isReal(Q) || !Rf_isMatrix(Q) || Rf_nrows(Q) != kp)
    Rf_error("'Q' must be a double matrix with %d rows", kp);
  int mq = Rf_ncols(Q);
  const int *pcl = INTEGER(clu), *pt = INTEGER(period), *pc = INTEGER(cell);
  for (int i = 0; i < n; i++)
    if (pt[i] < 1 || pt[i] > T) Rf_error("'period' codes must lie in 1..%d", T);
  int *start = (int *) R_alloc((size_t) G + 1, sizeof(int));
  int *ord = (int *) R_alloc((size_t) n + 1, sizeof(int));
  if (!group_rows(pcl, n, G, start, ord)) Rf_error("'clu' codes must lie in 1..%d", G);
  const double *pu = REAL(u), *pz = p ? REAL(Z) : NULL, *L = REAL(lam), *pq = REAL(Q);

  const char *names[] = {"meat", "psi", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SEXP meat = Rf_allocMatrix(REALSXP, kp, kp);
  SET_VECTOR_ELT(out, 0, meat);
  SEXP psi = Rf_allocMatrix(REALSXP, G, mq);
  SET_VECTOR_ELT(out, 1, psi);
  double *M = REAL(meat), *P = REAL(psi);
  memset(M, 0, sizeof(double) * (size_t) kp * kp);
  double *s = (double *) R_alloc((size_t) kp + 1, sizeof(double));
  double *up = (double *) R_alloc((size_t) T, sizeof(double));
  int *tt = (int *) R_alloc((size_t) T, sizeof(int));
  char *mark = (char *) R_alloc((size_t) T, 1);
  memset(up, 0, sizeof(double) * T);
  memset(mark, 0, T);
  for (int h = 0; h < G; h++) {
    if (!(h & 4095)) R_CheckUserInterrupt();
    memset(s, 0, sizeof(double) * kp);
    int nt = 0;
    for (int r = start[h]; r < start[h + 1]; r++) {
      int i = ord[r], t = pt[i] - 1, c = cell_of(pc, i, k);
      double ui = pu[i];
      if (c >= 0) s[c] += ui;
      if (!mark[t]) { mark[t] = 1; tt[nt++] = t; }
      up[t] += ui;
      for (int j = 0; j < p; j++) s[k + j] += ui * pz[i + (size_t) j * n];
    }
    for (int a = 0; a < nt; a++) {
      int t = tt[a];
      double ut = up[t];
      const double *Lt = L + (size_t) t * k;
      for (int c = 0; c < k; c++) s[c] -= Lt[c] * ut;
      up[t] = 0;
      mark[t] = 0;
    }
    for (int j = 0; j < kp; j++) {
      double sj = s[j];
      if (sj == 0) continue;
      double *Mj = M + (size_t) j * kp;
      for (int l = j; l < kp; l++) Mj[l] += sj * s[l];
    }
    for (int e = 0; e < mq; e++) {
      const double *qe = pq + (size_t) e * kp;
      double acc = 0;
      for (int j = 0; j < kp; j++) acc += s[j] * qe[j];
      P[h + (size_t) e * G] = acc;
    }
  }
  for (int j = 0; j < kp; j++)
    for (int l = j + 1; l < kp; l++) M[j + (size_t) l * kp] = M[l + (size_t) j * kp];
  UNPROTECT(1);
  return out;
}

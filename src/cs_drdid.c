/* The 2x2 difference-in-differences with covariates on panel data (outcome
 * changes), for several outcomes at once: outcome regression ("or",
 * Heckman-Ichimura-Todd) and the doubly robust estimator of Sant'Anna and
 * Zhao (2020) with a logit propensity score ("dr"), with their influence
 * functions. The same formulas as R/drdid.R (did2x2_or(), did2x2_dr()),
 * computed from cross-products: every regression is a k x k system solved by
 * Cholesky, and each influence function is a row's residual times x_i'h for
 * a k-vector h, so no n x k matrix is formed. The propensity score does not
 * depend on the outcome and is fitted once for all outcomes. */
#include "smartdid.h"
#include "cs.h"
#include <math.h>
#include <string.h>

/* Cholesky factor (lower, in place) of a k x k symmetric positive definite
 * matrix; 0 on failure. */
static int chol_k(double *A, int k)
{
  for (int j = 0; j < k; j++) {
    double s = A[j + k * j];
    for (int l = 0; l < j; l++) s -= A[j + k * l] * A[j + k * l];
    if (!(s > 0)) return 0;
    A[j + k * j] = sqrt(s);
    for (int i = j + 1; i < k; i++) {
      double t = A[i + k * j];
      for (int l = 0; l < j; l++) t -= A[i + k * l] * A[j + k * l];
      A[i + k * j] = t / A[j + k * j];
    }
  }
  return 1;
}

/* Solve L L' x = b in place (b of length k). */
static void chol_solve(const double *L, int k, double *b)
{
  for (int i = 0; i < k; i++) {
    double s = b[i];
    for (int l = 0; l < i; l++) s -= L[i + k * l] * b[l];
    b[i] = s / L[i + k * i];
  }
  for (int i = k - 1; i >= 0; i--) {
    double s = b[i];
    for (int l = i + 1; l < k; l++) s -= L[l + k * i] * b[l];
    b[i] = s / L[i + k * i];
  }
}

static double xrow(const double *X, size_t n, int k, size_t i, const double *b)
{
  double s = 0;
  for (int j = 0; j < k; j++) s += X[i + n * j] * b[j];
  return s;
}

/* Weighted logit of D on X by Newton-Raphson; returns 0 if the Hessian is
 * singular, fills ps (n). */
static int logit_fit(const double *D, const double *X, const double *w, size_t n,
                     int k, double *beta, double *ps, double *H, double *g)
{
  memset(beta, 0, sizeof(double) * k);
  for (int it = 0; it < 100; it++) {
    memset(H, 0, sizeof(double) * k * k);
    memset(g, 0, sizeof(double) * k);
    for (size_t i = 0; i < n; i++) {
      double p = 1.0 / (1.0 + exp(-xrow(X, n, k, i, beta)));
      double wi = w[i], v = wi * p * (1 - p), r = wi * (D[i] - p);
      for (int a = 0; a < k; a++) {
        double xa = X[i + n * a];
        g[a] += xa * r;
        for (int b = 0; b <= a; b++) H[a + k * b] += v * xa * X[i + n * b];
      }
    }
    for (int a = 0; a < k; a++) for (int b = 0; b < a; b++) H[b + k * a] = H[a + k * b];
    if (!chol_k(H, k)) return 0;
    chol_solve(H, k, g);
    double big = 0, bmax = 0;
    for (int a = 0; a < k; a++) {
      beta[a] += g[a];
      if (fabs(g[a]) > big) big = fabs(g[a]);
      if (fabs(beta[a]) > bmax) bmax = fabs(beta[a]);
    }
    if (big < 1e-12 * (bmax > 1 ? bmax : 1)) break;
  }
  for (size_t i = 0; i < n; i++) ps[i] = 1.0 / (1.0 + exp(-xrow(X, n, k, i, beta)));
  return 1;
}

/* The 2x2 of m outcome changes Y (n x m) on D, X (n x k, with an
 * intercept), weights w_in (NULL: 1); meth 1 = "or", 2 = "dr". With
 * have_ps the propensity score ps (n) is given (fitted by an earlier call on
 * the same units, covariates and weights), else fitted into ps. Writes att
 * (m) and psi (n x m, as R's did2x2_or()/did2x2_dr() with weights rescaled
 * to mean 1); returns 0 when a regression is singular. */
int sd_cs_2x2_core(const double *Y, int m, const double *D, const double *X,
                    const double *w_in, size_t n, int k, int meth, double trim,
                    double *ps, int have_ps, double *pa, double *pp)
{
  double *w = (double *) R_alloc(n, sizeof(double));
  double wsum = 0;
  for (size_t i = 0; i < n; i++) {
    w[i] = w_in ? w_in[i] : 1.0;
    wsum += w[i];
  }
  for (size_t i = 0; i < n; i++) w[i] *= (double) n / wsum;   /* mean 1 */
  double *Lc = (double *) R_alloc((size_t) k * k, sizeof(double));
  double *v = (double *) R_alloc((size_t) k, sizeof(double));
  double *beta = (double *) R_alloc((size_t) k, sizeof(double));
  double *h1 = (double *) R_alloc((size_t) k, sizeof(double));
  double *h2 = (double *) R_alloc((size_t) k, sizeof(double));
  double *h3 = (double *) R_alloc((size_t) k, sizeof(double));
  double *Lps = NULL;
  if (meth == 2) {
    Lps = (double *) R_alloc((size_t) k * k, sizeof(double));
    if (!have_ps && !logit_fit(D, X, w, n, k, beta, ps, Lps, v)) return 0;
    /* the Hessian at the (capped) score, for the estimation effect */
    memset(Lps, 0, sizeof(double) * k * k);
    for (size_t i = 0; i < n; i++) {
      if (ps[i] > 1 - 1e-6) ps[i] = 1 - 1e-6;
      double s = w[i] * ps[i] * (1 - ps[i]);
      for (int a = 0; a < k; a++) for (int b = 0; b <= a; b++)
        Lps[a + k * b] += s * X[i + n * a] * X[i + n * b];
    }
    for (int a = 0; a < k; a++) {
      for (int b = 0; b < a; b++) Lps[b + k * a] = Lps[a + k * b];
      for (int b = 0; b < k; b++) Lps[a + k * b] /= (double) n;
    }
    if (!chol_k(Lps, k)) return 0;
  }
  /* comparison-unit regression: (X'W0X / n) */
  memset(Lc, 0, sizeof(double) * k * k);
  for (size_t i = 0; i < n; i++) {
    double s = w[i] * (1 - D[i]);
    if (s == 0) continue;
    for (int a = 0; a < k; a++) for (int b = 0; b <= a; b++)
      Lc[a + k * b] += s * X[i + n * a] * X[i + n * b];
  }
  for (int a = 0; a < k; a++) {
    for (int b = 0; b < a; b++) Lc[b + k * a] = Lc[a + k * b];
    for (int b = 0; b < k; b++) Lc[a + k * b] /= (double) n;
  }
  if (!chol_k(Lc, k)) return 0;
  /* unit weights of the two groups (trimmed comparison units for dr) */
  double *w1 = (double *) R_alloc(n, sizeof(double));
  double *w0 = (double *) R_alloc(n, sizeof(double));
  double s1 = 0, s0 = 0;
  for (size_t i = 0; i < n; i++) {
    if (meth == 1) {
      w1[i] = w[i] * D[i];
      w0[i] = 0;
    } else {
      double keep = D[i] == 1 ? 1.0 : (ps[i] < trim ? 1.0 : 0.0);
      w1[i] = keep * w[i] * D[i];
      w0[i] = keep * w[i] * ps[i] * (1 - D[i]) / (1 - ps[i]);
    }
    s1 += w1[i];
    s0 += w0[i];
  }
  double mw1 = s1 / n, mw0 = s0 / n;
  /* outcome-free k-vectors: g1 = colMeans(w1 X), g3 = colMeans(w0 X),
   * h1 = (X'W0X/n)^-1 g1, h3 = (X'W0X/n)^-1 g3 and the rows' x_i'h1,
   * x_i'h3; (dr) M0 = X' diag(w0) X / n */
  double *g1 = (double *) R_alloc((size_t) k, sizeof(double));
  double *g3 = (double *) R_alloc((size_t) k, sizeof(double));
  double *M0 = (double *) R_alloc((size_t) k * k, sizeof(double));
  memset(g1, 0, sizeof(double) * k);
  memset(g3, 0, sizeof(double) * k);
  memset(M0, 0, sizeof(double) * k * k);
  for (size_t i = 0; i < n; i++) {
    for (int a = 0; a < k; a++) {
      double xa = X[i + n * a];
      g1[a] += w1[i] * xa;
      if (meth == 2 && w0[i] != 0) {
        double v0 = w0[i] * xa;
        g3[a] += v0;
        for (int b = 0; b <= a; b++) M0[a + k * b] += v0 * X[i + n * b];
      }
    }
  }
  for (int a = 0; a < k; a++) {
    g1[a] /= (double) n;
    g3[a] /= (double) n;
    h1[a] = g1[a];
    h3[a] = g3[a];
    for (int b = 0; b <= a; b++) {
      M0[a + k * b] /= (double) n;
      M0[b + k * a] = M0[a + k * b];
    }
  }
  chol_solve(Lc, k, h1);
  if (meth == 2) chol_solve(Lc, k, h3);
  double *xh1 = (double *) R_alloc(n, sizeof(double));
  double *xh3 = meth == 2 ? (double *) R_alloc(n, sizeof(double)) : NULL;
  for (size_t i = 0; i < n; i++) {
    xh1[i] = xrow(X, n, k, i, h1);
    if (meth == 2) xh3[i] = xrow(X, n, k, i, h3);
  }
  double *q = (double *) R_alloc((size_t) k, sizeof(double));
  /* per-row buffers: w (1 - D), the logit scores, and each outcome's
   * weighted values, residuals and x_i'h2 (column-wise loops, no branches) */
  double *wc0 = (double *) R_alloc(n, sizeof(double));
  double *sc = meth == 2 ? (double *) R_alloc(n, sizeof(double)) : NULL;
  double *sv = (double *) R_alloc(n, sizeof(double));
  double *v0v = (double *) R_alloc(n, sizeof(double));
  double *r = (double *) R_alloc(n, sizeof(double));
  double *xh2 = (double *) R_alloc(n, sizeof(double));
  for (size_t i = 0; i < n; i++) {
    wc0[i] = w[i] * (1 - D[i]);
    if (meth == 2) sc[i] = w[i] * (D[i] - ps[i]);
  }
  for (int j = 0; j < m; j++) {
    const double *y = Y + n * j;
    double *out = pp + n * j;
    /* the outcome's cross-products: X'W0c y (the comparison regression), the
     * two groups' weighted sums of y, and (dr) X'diag(w0)y; the groups' mean
     * residuals and h2 = H_ps^-1 colMeans(w0 (r - e0) X) then follow without
     * the residuals: sum w r = sum w y - (sum w x)'beta, sum w0 r x =
     * X'diag(w0)y - (X'diag(w0)X) beta */
    double sy1 = 0, sy0 = 0;
    for (size_t i = 0; i < n; i++) {
      double yi = y[i];
      sv[i] = wc0[i] * yi;
      v0v[i] = w0[i] * yi;
      sy1 += w1[i] * yi;
      sy0 += v0v[i];
    }
    for (int a = 0; a < k; a++) {
      beta[a] = sd_dot(sv, X + n * a, (int) n) / (double) n;
      q[a] = meth == 2 ? sd_dot(v0v, X + n * a, (int) n) : 0;
    }
    chol_solve(Lc, k, beta);
    double gb1 = 0, gb3 = 0;
    for (int a = 0; a < k; a++) {
      gb1 += g1[a] * beta[a];
      gb3 += g3[a] * beta[a];
    }
    double e1 = (sy1 / n - gb1) / mw1;
    double e0 = meth == 2 ? (sy0 / n - gb3) / mw0 : 0;
    if (meth == 2) {
      for (int a = 0; a < k; a++) {
        double mb = 0;
        for (int b = 0; b < k; b++) mb += M0[a + k * b] * beta[b];
        h2[a] = q[a] / (double) n - mb - e0 * g3[a];
      }
      chol_solve(Lps, k, h2);
    }
    /* residuals and x_i'h2, a column at a time */
    memcpy(r, y, sizeof(double) * n);
    memset(xh2, 0, sizeof(double) * n);
    for (int a = 0; a < k; a++) {
      const double *xa = X + n * a;
      double ba = beta[a], ha = meth == 2 ? h2[a] : 0;
      for (size_t i = 0; i < n; i++) {
        r[i] -= ba * xa[i];
        xh2[i] += ha * xa[i];
      }
    }
    for (size_t i = 0; i < n; i++) {
      double ri = r[i];
      double lin = wc0[i] * ri;                   /* OLS score of row i */
      double p1 = (w1[i] * (ri - e1) - lin * xh1[i]) / mw1;
      if (meth == 1) {
        out[i] = p1;
      } else {                                    /* sc: logit score of row i */
        double p0 = (w0[i] * (ri - e0) + sc[i] * xh2[i] - lin * xh3[i]) / mw0;
        out[i] = p1 - p0;
      }
    }
    pa[j] = e1 - e0;
  }
  return 1;
}

/* dy: n x m outcome changes; D: 0/1 (double); X: n x k with an intercept;
 * w: weights or NULL; method: 1 = "or", 2 = "dr"; trim: score trimming of
 * comparison units. Returns list(att = m, psi = n x m) with psi as R's
 * did2x2_or()/did2x2_dr() (weights rescaled to mean 1), or NULL when a
 * regression is singular (the caller reports it). */
SEXP sd_cs_2x2(SEXP dy, SEXP Dv, SEXP Xm, SEXP wv, SEXP method, SEXP trimv)
{
  if (!Rf_isReal(dy) || !Rf_isMatrix(dy) || !Rf_isReal(Xm) || !Rf_isMatrix(Xm) ||
      !Rf_isReal(Dv))
    Rf_error("'dy', 'X' must be double matrices and 'D' a double vector");
  size_t n = (size_t) Rf_nrows(dy);
  int m = Rf_ncols(dy), k = Rf_ncols(Xm), meth = Rf_asInteger(method);
  double trim = Rf_asReal(trimv);
  if ((size_t) Rf_nrows(Xm) != n || (size_t) XLENGTH(Dv) != n)
    Rf_error("'dy', 'D' and 'X' must have the same rows");
  if (!Rf_isNull(wv) && (!Rf_isReal(wv) || (size_t) XLENGTH(wv) != n))
    Rf_error("'w' must be NULL or a double vector with one value per row");
  if (meth != 1 && meth != 2) Rf_error("'method' must be 1 (or) or 2 (dr)");
  if (k < 1 || n < 1) Rf_error("empty 2x2");
  SEXP att = PROTECT(Rf_allocVector(REALSXP, m));
  SEXP psi = PROTECT(Rf_allocMatrix(REALSXP, (int) n, m));
  double *ps = (double *) R_alloc(n, sizeof(double));
  if (!sd_cs_2x2_core(REAL(dy), m, REAL(Dv), REAL(Xm), Rf_isNull(wv) ? NULL : REAL(wv),
                   n, k, meth, trim, ps, 0, REAL(att), REAL(psi))) {
    UNPROTECT(2);
    return R_NilValue;
  }
  SEXP res = PROTECT(Rf_allocVector(VECSXP, 2));
  SET_VECTOR_ELT(res, 0, att);
  SET_VECTOR_ELT(res, 1, psi);
  SEXP nm = PROTECT(Rf_allocVector(STRSXP, 2));
  SET_STRING_ELT(nm, 0, Rf_mkChar("att"));
  SET_STRING_ELT(nm, 1, Rf_mkChar("psi"));
  Rf_setAttrib(res, R_NamesSymbol, nm);
  UNPROTECT(4);
  return res;
}

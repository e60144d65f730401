/* .Call entry of the de Chaisemartin-D'Haultfoeuille kernel (dcdh_kernel.c):
 * checks, allocation, and a named list back. */
#include "smartdid.h"
#include <string.h>
#include "dcdh_kernel.h"

static const int *int_of(SEXP x, R_xlen_t n, const char *what)
{
  if (TYPEOF(x) != INTSXP || XLENGTH(x) != n)
    Rf_error("'%s' must be an integer vector of length %lld", what, (long long) n);
  return INTEGER(x);
}

/* Y, N, D: G x T double matrices; X: list of p such matrices; dsq: G
 * doubles; units: list(base, F, Tg, L, S, coh) of G integers; sizes: c(K, C);
 * opts: c(l, dir, placebo, compat); Gtot: a double. */
SEXP dcdh_effect(SEXP Y, SEXP N, SEXP D, SEXP X, SEXP dsq, SEXP units, SEXP sizes,
                 SEXP opts, SEXP Gtot)
{
  R_CheckUserInterrupt();   /* between the per-effect calls of a long run */
  if (!Rf_isMatrix(Y) || TYPEOF(Y) != REALSXP || TYPEOF(N) != REALSXP ||
      TYPEOF(D) != REALSXP)
    Rf_error("'Y', 'N' and 'D' must be double matrices");
  SEXP dim = Rf_getAttrib(Y, R_DimSymbol);
  const int G = INTEGER(dim)[0], T = INTEGER(dim)[1];
  const R_xlen_t GT = (R_xlen_t) G * T;
  if (XLENGTH(N) != GT || XLENGTH(D) != GT) Rf_error("'N' and 'D' must match 'Y'");
  if (TYPEOF(units) != VECSXP || Rf_length(units) != 6)
    Rf_error("'units' must be a list of 6 integer vectors");
  if (TYPEOF(dsq) != REALSXP || XLENGTH(dsq) != G) Rf_error("'dsq' must have G doubles");
  const int *sz = int_of(sizes, 2, "sizes");
  const int *op = int_of(opts, 4, "opts");
  if (TYPEOF(X) != VECSXP) Rf_error("'X' must be a list");
  const int p = Rf_length(X);
  const double **Xp = (const double **) R_alloc(p > 0 ? p : 1, sizeof(double *));
  for (int j = 0; j < p; j++) {
    SEXP xj = VECTOR_ELT(X, j);
    if (TYPEOF(xj) != REALSXP || XLENGTH(xj) != GT) Rf_error("'X' must hold G x T doubles");
    Xp[j] = REAL(xj);
  }
  dcdh_in in;
  in.G = G; in.T = T; in.K = sz[0]; in.C = sz[1]; in.p = p;
  in.l = op[0]; in.dir = op[1]; in.placebo = op[2]; in.compat = op[3];
  in.Gtot = Rf_asReal(Gtot);
  in.Y = REAL(Y); in.N = REAL(N); in.D = REAL(D); in.X = Xp; in.dsq = REAL(dsq);
  in.base = int_of(VECTOR_ELT(units, 0), G, "base");
  in.F = int_of(VECTOR_ELT(units, 1), G, "F");
  in.Tg = int_of(VECTOR_ELT(units, 2), G, "Tg");
  in.L = int_of(VECTOR_ELT(units, 3), G, "L");
  in.S = int_of(VECTOR_ELT(units, 4), G, "S");
  in.coh = int_of(VECTOR_ELT(units, 5), G, "coh");
  if (in.K < 1 || in.C < 1 || in.l < 1) Rf_error("'sizes' and 'opts' out of range");
  for (int g = 0; g < G; g++) {
    if (in.base[g] >= in.K || (in.base[g] >= 0 && (in.coh[g] < 0 || in.coh[g] >= in.C ||
                                                 in.F[g] < 1 || in.Tg[g] > T)))
      Rf_error("unit codes out of range");
  }

  const char *names[] = {"U", "Uv", "UX", "N", "n_switchers", "delta_norm", "delta_D", "n_var", ""};
  SEXP res = PROTECT(Rf_mkNamed(VECSXP, names));
  SEXP U = PROTECT(Rf_allocVector(REALSXP, G));
  SEXP Uv = PROTECT(Rf_allocVector(REALSXP, G));
  SEXP UX = PROTECT(Rf_allocMatrix(REALSXP, G, p));
  SEXP nvar = PROTECT(Rf_allocVector(REALSXP, G));
  memset(REAL(nvar), 0, sizeof(double) * G);
  memset(REAL(U), 0, sizeof(double) * G);
  memset(REAL(Uv), 0, sizeof(double) * G);
  if (p > 0) memset(REAL(UX), 0, sizeof(double) * (size_t) G * p);
  size_t ns = 6 * (size_t) in.K * T + T + 3 * (size_t) in.C;
  double *scratch = (double *) R_alloc(ns, sizeof(double));
  memset(scratch, 0, ns * sizeof(double));
  char *mark = R_alloc(G, 1);
  memset(mark, 0, G);
  dcdh_out out;
  out.U = REAL(U); out.Uv = REAL(Uv); out.UX = REAL(UX); out.nvar = REAL(nvar);
  dcdh_kernel(&in, &out, scratch, mark);
  SET_VECTOR_ELT(res, 0, U);
  SET_VECTOR_ELT(res, 1, Uv);
  SET_VECTOR_ELT(res, 2, UX);
  SET_VECTOR_ELT(res, 3, Rf_ScalarReal(out.Nl));
  SET_VECTOR_ELT(res, 4, Rf_ScalarReal(out.Ndw));
  SET_VECTOR_ELT(res, 5, Rf_ScalarReal(out.dnorm));
  SET_VECTOR_ELT(res, 6, Rf_ScalarReal(out.dD));
  SET_VECTOR_ELT(res, 7, nvar);
  UNPROTECT(5);
  return res;
}

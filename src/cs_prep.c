/* The row checks and codes of cs_data() in one pass over the rows (they
 * were most of att_gt()'s time without covariates at a million rows): the
 * cohorts cleaned (missing, 0 or after the last period: never treated, Inf),
 * the sorted distinct periods and each row's period index, and, with units,
 * whether a unit has two rows in a period or a cohort that varies. */
#include "smartdid.h"
#include "cs.h"
#include <math.h>
#include <string.h>

#define SD_CS_MAX_FAST_PERIODS 4096

/* index of v in the sorted p[0..T-1], or -(insertion point) - 1 */
static int bsearch_d(const double *p, int T, double v)
{
  int lo = 0, hi = T - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    if (p[mid] < v) lo = mid + 1;
    else if (p[mid] > v) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

/* element i of an integer (ip) or double (dp) vector, as a double */
static inline double num_at(const int *ip, const double *dp, R_xlen_t i)
{
  if (!ip) return dp[i];
  return ip[i] == NA_INTEGER ? NA_REAL : (double) ip[i];
}

/* unit: NULL or 1-based codes in 1..N; tt: periods (no NA); g: cohorts
 * (tt and g integer or double: the data's columns, not copies).
 * Returns list(cohort, periods, ti, error = c(kind, row)) with kind 0 (fine),
 * 1 (a unit has two rows in a period) or 2 (a unit's cohort varies), row the
 * 1-based row found; periods is NULL when there are more than 4096 distinct
 * periods (the caller then sorts them itself and ti is NULL). */
SEXP sd_cs_prep(SEXP unit, SEXP N_, SEXP tt, SEXP g)
{
  if (!(Rf_isReal(tt) || Rf_isInteger(tt)) || !(Rf_isReal(g) || Rf_isInteger(g)) ||
      XLENGTH(g) != XLENGTH(tt))
    Rf_error("'tt' and 'g' must be numeric vectors of equal length");
  R_xlen_t n = XLENGTH(tt);
  if (!Rf_isNull(unit) && (!Rf_isInteger(unit) || XLENGTH(unit) != n))
    Rf_error("'unit' must be NULL or an integer vector with one code per row");
  const int *ti_ = Rf_isInteger(tt) ? INTEGER(tt) : NULL;
  const int *gi_ = Rf_isInteger(g) ? INTEGER(g) : NULL;
  const double *td_ = ti_ ? NULL : REAL(tt), *gd_ = gi_ ? NULL : REAL(g);
  const char *names[] = {"cohort", "periods", "ti", "error", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SEXP coh = Rf_allocVector(REALSXP, n);
  SET_VECTOR_ELT(out, 0, coh);
  SEXP err = Rf_allocVector(INTSXP, 2);
  SET_VECTOR_ELT(out, 3, err);
  INTEGER(err)[0] = INTEGER(err)[1] = 0;
  double tmax = R_NegInf;
  for (R_xlen_t i = 0; i < n; i++) {
    double v = num_at(ti_, td_, i);
    if (v > tmax) tmax = v;
  }
  double *c = REAL(coh);
  for (R_xlen_t i = 0; i < n; i++) {
    double v = num_at(gi_, gd_, i);
    c[i] = (ISNAN(v) || v == 0 || v > tmax) ? R_PosInf : v;
  }
  /* distinct periods, kept sorted; runs of equal periods cost one compare */
  int T = 0;
  double *p = (double *) R_alloc(SD_CS_MAX_FAST_PERIODS, sizeof(double));
  double last = NA_REAL;
  for (R_xlen_t i = 0; i < n && T <= SD_CS_MAX_FAST_PERIODS; i++) {
    double v = num_at(ti_, td_, i);
    if (i > 0 && v == last) continue;
    last = v;
    int at = bsearch_d(p, T, last);
    if (at >= 0) continue;
    if (T == SD_CS_MAX_FAST_PERIODS) { T++; break; }
    at = -at - 1;
    memmove(p + at + 1, p + at, sizeof(double) * (T - at));
    p[at] = last;
    T++;
  }
  if (T > SD_CS_MAX_FAST_PERIODS) {
    UNPROTECT(1);
    return out;
  }
  SEXP per = Rf_allocVector(REALSXP, T);
  SET_VECTOR_ELT(out, 1, per);
  memcpy(REAL(per), p, sizeof(double) * T);
  SEXP tis = Rf_allocVector(INTSXP, n);
  SET_VECTOR_ELT(out, 2, tis);
  int *ti = INTEGER(tis), cur = 0;
  double prev = NA_REAL;
  for (R_xlen_t i = 0; i < n; i++) {
    double v = num_at(ti_, td_, i);
    if (i == 0 || v != prev) cur = bsearch_d(p, T, v);
    prev = v;
    ti[i] = cur + 1;
  }
  if (Rf_isNull(unit)) {
    UNPROTECT(1);
    return out;
  }
  int N = Rf_asInteger(N_);
  if (N == NA_INTEGER || N < 1) Rf_error("'N' must be a positive count");
  const int *u = INTEGER(unit);
  for (R_xlen_t i = 0; i < n; i++)
    if (u[i] < 1 || u[i] > N) Rf_error("'unit' codes must lie in 1..%d", N);
  /* each unit's first row, and the (unit, period) pairs seen: a stamp per
   * period when rows come grouped by unit, else a bitmap of N x T cells or,
   * when that is too large, a sort by unit */
  R_xlen_t *first = (R_xlen_t *) R_alloc((size_t) N, sizeof(R_xlen_t));
  for (int k = 0; k < N; k++) first[k] = -1;
  int kind = 0;
  R_xlen_t bad = 0;
  for (R_xlen_t i = 0; i < n && !kind; i++) {
    int k = u[i] - 1;
    if (first[k] < 0) first[k] = i;
    else if (c[i] != c[first[k]]) { kind = 2; bad = i; }
  }
  if (!kind) {
    int grouped = 1;   /* every unit's rows adjacent */
    for (R_xlen_t i = 1; i < n && grouped; i++)
      if (u[i] != u[i - 1] && first[u[i] - 1] != i) grouped = 0;
    if (grouped) {
      int *stamp = (int *) R_alloc((size_t) T, sizeof(int));
      for (int s = 0; s < T; s++) stamp[s] = 0;
      for (R_xlen_t i = 0; i < n && !kind; i++) {
        if (stamp[ti[i] - 1] == u[i]) { kind = 1; bad = i; }
        stamp[ti[i] - 1] = u[i];
      }
    } else {
      /* counting sort of the rows by unit, then the stamps */
      R_xlen_t *start = (R_xlen_t *) R_alloc((size_t) N + 1, sizeof(R_xlen_t));
      R_xlen_t *ord = (R_xlen_t *) R_alloc((size_t) n + 1, sizeof(R_xlen_t));
      memset(start, 0, sizeof(R_xlen_t) * ((size_t) N + 1));
      for (R_xlen_t i = 0; i < n; i++) start[u[i]]++;
      for (int k = 1; k <= N; k++) start[k] += start[k - 1];
      for (R_xlen_t i = 0; i < n; i++) ord[start[u[i] - 1]++] = i;
      /* start[k - 1] now ends unit k; rebuild the stamps unit by unit */
      int *stamp = (int *) R_alloc((size_t) T, sizeof(int));
      for (int s = 0; s < T; s++) stamp[s] = 0;
      for (R_xlen_t r = 0; r < n && !kind; r++) {
        R_xlen_t i = ord[r];
        if (stamp[ti[i] - 1] == u[i]) { kind = 1; bad = i; }
        stamp[ti[i] - 1] = u[i];
      }
    }
  }
  INTEGER(err)[0] = kind;
  INTEGER(err)[1] = (int) (kind ? bad + 1 : 0);
  UNPROTECT(1);
  return out;
}

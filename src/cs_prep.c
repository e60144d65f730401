/* The row checks and codes of cs_data() in one pass over the rows (they
 * were most of att_gt()'s time without covariates at a million rows): the
 * cohorts cleaned (missing, 0 or after the last period: never treated, Inf),
 * the sorted distinct periods and each row's period index, and, with units,
 * whether a unit has two rows in a period or a cohort that varies, and each
 * unit's cohort and number of rows (for att_gt()'s panel, which would
 * otherwise scatter the rows to units again). The row-wise work is one pass
 * after the one that finds the periods. */
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
 * Returns list(cohort (per row, NULL with units unless periods is NULL),
 * periods, ti, error = c(kind, row), unit_cohort, unit_count) with kind 0 (fine), 1 (a unit has two rows in a period) or 2
 * (a unit's cohort varies; checked first), row the 1-based row found;
 * unit_cohort and unit_count (per unit: the cleaned cohort of its first row,
 * 0 for a code without rows, and its number of rows) only with units.
 * periods is NULL when there are more than 4096 distinct periods (the
 * caller then sorts them itself, and ti and the unit checks are left to
 * it). */
SEXP sd_cs_prep(SEXP unit, SEXP N_, SEXP tt, SEXP g)
{
  if (!(Rf_isReal(tt) || Rf_isInteger(tt)) || !(Rf_isReal(g) || Rf_isInteger(g)) ||
      XLENGTH(g) != XLENGTH(tt))
    Rf_error("'tt' and 'g' must be numeric vectors of equal length");
  R_xlen_t n = XLENGTH(tt);
  if (!Rf_isNull(unit) && (!Rf_isInteger(unit) || XLENGTH(unit) != n))
    Rf_error("'unit' must be NULL or an integer vector with one code per row");
  int N = 0;
  if (!Rf_isNull(unit)) {
    N = Rf_asInteger(N_);
    if (N == NA_INTEGER || N < 1) Rf_error("'N' must be a positive count");
  }
  const int *ti_ = Rf_isInteger(tt) ? INTEGER(tt) : NULL;
  const int *gi_ = Rf_isInteger(g) ? INTEGER(g) : NULL;
  const double *td_ = ti_ ? NULL : REAL(tt), *gd_ = gi_ ? NULL : REAL(g);
  const char *names[] = {"cohort", "periods", "ti", "error", "unit_cohort",
                         "unit_count", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SEXP err = Rf_allocVector(INTSXP, 2);
  SET_VECTOR_ELT(out, 3, err);
  INTEGER(err)[0] = INTEGER(err)[1] = 0;
  /* the cleaned cohort of every row: only without units (or with too many
   * periods); with units, each unit's (unit_cohort) */
  double *c = NULL;
  /* the first and last periods, and whether all are whole numbers: then
   * (when their range is small) the distinct periods and each row's index
   * come from a table indexed by the period, else from a sorted list and
   * binary searches */
  double tmin = R_PosInf, tmax = R_NegInf;
  int whole = 1;
  for (R_xlen_t i = 0; i < n; i++) {
    double v = num_at(ti_, td_, i);
    if (v > tmax) tmax = v;
    if (v < tmin) tmin = v;
    if (!ti_ && whole && v != floor(v)) whole = 0;
  }
  int *tab = NULL;
  R_xlen_t span = 0;
  if (n > 0 && whole && tmax - tmin < 4 * (double) SD_CS_MAX_FAST_PERIODS) {
    span = (R_xlen_t) (tmax - tmin) + 1;
    tab = (int *) R_alloc((size_t) span, sizeof(int));
    for (R_xlen_t v = 0; v < span; v++) tab[v] = -1;
  }
  int T = 0;
  double *p = (double *) R_alloc(SD_CS_MAX_FAST_PERIODS, sizeof(double));
  double last = NA_REAL;
  if (tab) {
    for (R_xlen_t i = 0; i < n; i++) tab[(R_xlen_t) (num_at(ti_, td_, i) - tmin)] = 0;
    for (R_xlen_t v = 0; v < span; v++) {
      if (tab[v] < 0) continue;
      if (T == SD_CS_MAX_FAST_PERIODS) { T++; break; }
      p[T] = tmin + (double) v;
      tab[v] = T++;
    }
  }
  for (R_xlen_t i = 0; i < n && !tab; i++) {
    double v = num_at(ti_, td_, i);
    if ((i > 0 && v == last) || T > SD_CS_MAX_FAST_PERIODS) continue;
    last = v;
    int at = bsearch_d(p, T, last);
    if (at >= 0) continue;
    if (T == SD_CS_MAX_FAST_PERIODS) { T++; continue; }
    at = -at - 1;
    memmove(p + at + 1, p + at, sizeof(double) * (T - at));
    p[at] = last;
    T++;
  }
  if (T > SD_CS_MAX_FAST_PERIODS) {
    c = REAL(SET_VECTOR_ELT(out, 0, Rf_allocVector(REALSXP, n)));
    for (R_xlen_t i = 0; i < n; i++) {
      double v = num_at(gi_, gd_, i);
      c[i] = (ISNAN(v) || v == 0 || v > tmax) ? R_PosInf : v;
    }
    UNPROTECT(1);
    return out;
  }
  SEXP per = Rf_allocVector(REALSXP, T);
  SET_VECTOR_ELT(out, 1, per);
  memcpy(REAL(per), p, sizeof(double) * T);
  SEXP tis = Rf_allocVector(INTSXP, n);
  SET_VECTOR_ELT(out, 2, tis);
  int *ti = INTEGER(tis), cur = 0;
  const int *u = Rf_isNull(unit) ? NULL : INTEGER(unit);
  if (!u) c = REAL(SET_VECTOR_ELT(out, 0, Rf_allocVector(REALSXP, n)));
  /* with units: each unit's first row, cohort and count, and the (unit,
   * period) pairs seen, with a stamp per period while the rows come grouped
   * by unit (else a sort by unit afterwards) */
  R_xlen_t *first = NULL;
  double *uco = NULL;
  int *ucn = NULL, *stamp = NULL, grouped = 1, k1 = 0, k2 = 0;
  R_xlen_t bad1 = 0, bad2 = 0;
  if (u) {
    SEXP a = Rf_allocVector(REALSXP, N);
    SET_VECTOR_ELT(out, 4, a);
    uco = REAL(a);
    SEXP b = Rf_allocVector(INTSXP, N);
    SET_VECTOR_ELT(out, 5, b);
    ucn = INTEGER(b);
    memset(ucn, 0, sizeof(int) * (size_t) N);
    for (int k = 0; k < N; k++) uco[k] = 0;
    first = (R_xlen_t *) R_alloc((size_t) N, sizeof(R_xlen_t));
    for (int k = 0; k < N; k++) first[k] = -1;
    stamp = (int *) R_alloc((size_t) T, sizeof(int));
    for (int s = 0; s < T; s++) stamp[s] = 0;
  }
  double prev = NA_REAL;
  for (R_xlen_t i = 0; i < n; i++) {
    double v = num_at(ti_, td_, i);
    if (tab) cur = tab[(R_xlen_t) (v - tmin)];
    else if (i == 0 || v != prev) cur = bsearch_d(p, T, v);
    prev = v;
    ti[i] = cur + 1;
    double gv = num_at(gi_, gd_, i);
    double ci = (ISNAN(gv) || gv == 0 || gv > tmax) ? R_PosInf : gv;
    if (!u) {
      c[i] = ci;
      continue;
    }
    if (u[i] < 1 || u[i] > N) Rf_error("'unit' codes must lie in 1..%d", N);
    int k = u[i] - 1;
    ucn[k]++;
    if (first[k] < 0) {
      first[k] = i;
      uco[k] = ci;
    } else {
      if (!k2 && ci != uco[k]) { k2 = 1; bad2 = i; }
      if (grouped && u[i] != u[i - 1]) grouped = 0;     /* seen before, apart */
    }
    if (grouped && !k1) {
      if (stamp[cur] == u[i]) { k1 = 1; bad1 = i; }
      stamp[cur] = u[i];
    }
  }
  if (u && !grouped && !k2) {
    /* counting sort of the rows by unit, then the stamps */
    R_xlen_t *start = (R_xlen_t *) R_alloc((size_t) N + 1, sizeof(R_xlen_t));
    R_xlen_t *ord = (R_xlen_t *) R_alloc((size_t) n + 1, sizeof(R_xlen_t));
    memset(start, 0, sizeof(R_xlen_t) * ((size_t) N + 1));
    for (R_xlen_t i = 0; i < n; i++) start[u[i]]++;
    for (int k = 1; k <= N; k++) start[k] += start[k - 1];
    for (R_xlen_t i = 0; i < n; i++) ord[start[u[i] - 1]++] = i;
    for (int s = 0; s < T; s++) stamp[s] = 0;
    k1 = 0;
    for (R_xlen_t r = 0; r < n && !k1; r++) {
      R_xlen_t i = ord[r];
      if (stamp[ti[i] - 1] == u[i]) { k1 = 1; bad1 = i; }
      stamp[ti[i] - 1] = u[i];
    }
  }
  int kind = k2 ? 2 : k1 ? 1 : 0;
  INTEGER(err)[0] = kind;
  INTEGER(err)[1] = (int) (kind == 2 ? bad2 + 1 : kind == 1 ? bad1 + 1 : 0);
  UNPROTECT(1);
  return out;
}

/* Panel-structure checks that would cost a hash table or a sort in R. */
#include "smartdid.h"
#include <string.h>
#include <limits.h>
#include <math.h>

/* First row (1-based) whose (unit, period) pair occurred before, or 0.
 * Codes are 1-based: unit in 1..N, period in 1..T. Rows are bucketed by unit
 * (counting sort); within a unit, a period stamp array detects repeats. */
static int first_duplicate(const int *u, const int *t, int n, int N, int T)
{
  /* panels are usually sorted by unit and period (or period and unit): pairs
   * in strictly increasing order cannot repeat, and one pass tells */
  int by_ut = 1, by_tu = 1;
  for (int i = 1; i < n && (by_ut || by_tu); i++) {
    by_ut &= u[i] > u[i - 1] || (u[i] == u[i - 1] && t[i] > t[i - 1]);
    by_tu &= t[i] > t[i - 1] || (t[i] == t[i - 1] && u[i] > u[i - 1]);
  }
  if (by_ut || by_tu) return 0;
  int *start = (int *) R_alloc((size_t) N + 1, sizeof(int));
  int *ord = (int *) R_alloc((size_t) n + 1, sizeof(int));
  int *stamp = (int *) R_alloc((size_t) T + 1, sizeof(int));
  memset(start, 0, sizeof(int) * ((size_t) N + 1));
  for (int i = 0; i < n; i++) start[u[i]]++;
  for (int g = 1; g <= N; g++) start[g] += start[g - 1];
  /* fill backwards so that rows keep their order within a unit */
  for (int i = n - 1; i >= 0; i--) ord[--start[u[i]]] = i;
  for (int s = 0; s <= T; s++) stamp[s] = 0;
  int first = 0;
  /* after the backward fill, unit g occupies slots start[g] .. start[g+1]-1 */
  for (int g = 1; g <= N; g++) {
    int lo = start[g], hi = (g < N) ? start[g + 1] : n;
    for (int r = lo; r < hi; r++) {
      int i = ord[r];
      if (stamp[t[i]] == g) {
        if (first == 0 || i + 1 < first) first = i + 1;
      } else stamp[t[i]] = g;
    }
  }
  return first;
}

/* First row (1-based) whose (unit, period) pair occurred before, or 0.
 * Codes are 1-based: unit in 1..N, period in 1..T. Rows are bucketed by unit
 * (counting sort); within a unit, a period stamp array detects repeats. */
SEXP sd_first_duplicate(SEXP unit, SEXP period, SEXP N_, SEXP T_)
{
  int n = Rf_length(unit), N = Rf_asInteger(N_), T = Rf_asInteger(T_);
  if (TYPEOF(unit) != INTSXP || TYPEOF(period) != INTSXP || Rf_length(period) != n)
    Rf_error("'unit' and 'period' must be integer vectors of the same length");
  if (N == NA_INTEGER || T == NA_INTEGER || N < 0 || T < 0)
    Rf_error("'N' and 'T' must be non-negative integers");
  const int *u = INTEGER(unit), *t = INTEGER(period);
  for (int i = 0; i < n; i++)
    if (u[i] < 1 || u[i] > N || t[i] < 1 || t[i] > T)
      Rf_error("codes out of range at row %d", i + 1);
  return Rf_ScalarInteger(first_duplicate(u, t, n, N, T));
}

/* Does a double column hold only finite values? x - x is 0 for finite x and
 * NaN otherwise; the sums run in blocks (no branch per row, and an early
 * stop at the first block with a bad value). */
static int all_finite(const double *x, int n)
{
  for (int lo = 0; lo < n; lo += 4096) {
    int hi = n - lo < 4096 ? n : lo + 4096;
    double s0 = 0, s1 = 0;
    int i = lo;
    for (; i + 1 < hi; i += 2) { s0 += x[i] - x[i]; s1 += x[i + 1] - x[i + 1]; }
    for (; i < hi; i++) s0 += x[i] - x[i];
    if (s0 + s1 != 0) return 0;
  }
  return 1;
}

static int all_present(SEXP c, int n)
{
  switch (TYPEOF(c)) {
  case REALSXP: return all_finite(REAL(c), n);
  case INTSXP: case LGLSXP: {
    const int *x = INTEGER(c);
    int bad = 0;
    for (int i = 0; i < n; i++) bad |= x[i] == NA_INTEGER;
    return !bad;
  }
  case STRSXP:
    for (int i = 0; i < n; i++) if (STRING_ELT(c, i) == NA_STRING) return 0;
    return 1;
  default: return 0;   /* checked row by row below */
  }
}

/* Rows where every column of the list is usable: finite for doubles, not NA
 * for integers, logicals and strings; NULL when every row is (the usual
 * case, found with one branch-free pass per column and no mask). */
SEXP sd_complete_rows(SEXP cols, SEXP n_)
{
  if (TYPEOF(cols) != VECSXP) Rf_error("'cols' must be a list");
  int n = Rf_asInteger(n_), k = Rf_length(cols);
  for (int j = 0; j < k; j++)
    if (Rf_length(VECTOR_ELT(cols, j)) != n)
      Rf_error("column %d has length %d, not %d", j + 1, Rf_length(VECTOR_ELT(cols, j)), n);
  int j0 = 0;
  while (j0 < k && all_present(VECTOR_ELT(cols, j0), n)) j0++;
  if (j0 == k) return R_NilValue;
  SEXP out = PROTECT(Rf_allocVector(LGLSXP, n));
  int *ok = LOGICAL(out);
  for (int i = 0; i < n; i++) ok[i] = 1;
  for (int j = j0; j < k; j++) {
    SEXP c = VECTOR_ELT(cols, j);
    switch (TYPEOF(c)) {
    case REALSXP: {
      const double *x = REAL(c);
      for (int i = 0; i < n; i++) ok[i] &= (x[i] - x[i]) == 0;
      break;
    }
    case INTSXP: case LGLSXP: {
      const int *x = INTEGER(c);
      for (int i = 0; i < n; i++) ok[i] &= x[i] != NA_INTEGER;
      break;
    }
    case STRSXP:
      for (int i = 0; i < n; i++) ok[i] &= STRING_ELT(c, i) != NA_STRING;
      break;
    case CPLXSXP: {
      const Rcomplex *x = COMPLEX(c);
      for (int i = 0; i < n; i++) ok[i] &= R_FINITE(x[i].r) && R_FINITE(x[i].i);
      break;
    }
    default:
      UNPROTECT(1);
      Rf_error("column %d has an unsupported type (%s)", j + 1, Rf_type2char(TYPEOF(c)));
    }
  }
  UNPROTECT(1);
  return out;
}

/* Whole-number range of a numeric vector: c(min, max) as doubles, or NULL
 * when it is empty or holds a missing, non-finite or fractional value. */
static int int_range(SEXP x, double *lo, double *hi)
{
  R_xlen_t n = XLENGTH(x);
  if (n == 0) return 0;
  if (TYPEOF(x) == INTSXP) {
    const int *v = INTEGER(x);
    int a = INT_MAX, b = INT_MIN, na = 0;
    for (R_xlen_t i = 0; i < n; i++) {
      na |= v[i] == NA_INTEGER;
      a = v[i] < a ? v[i] : a;
      b = v[i] > b ? v[i] : b;
    }
    if (na) return 0;
    *lo = a; *hi = b;
    return 1;
  }
  if (TYPEOF(x) == REALSXP) {
    const double *v = REAL(x);
    double a = v[0], b = v[0];
    int bad = 0;
    for (R_xlen_t i = 0; i < n; i++) {
      bad |= !(v[i] - v[i] == 0) || v[i] != trunc(v[i]);
      a = v[i] < a ? v[i] : a;
      b = v[i] > b ? v[i] : b;
    }
    if (bad) return 0;
    *lo = a; *hi = b;
    return 1;
  }
  return 0;
}

SEXP sd_int_range(SEXP x)
{
  double lo, hi;
  if (!int_range(x, &lo, &hi)) return R_NilValue;
  SEXP out = PROTECT(Rf_allocVector(REALSXP, 2));
  REAL(out)[0] = lo;
  REAL(out)[1] = hi;
  UNPROTECT(1);
  return out;
}

/* Dense codes 1..k of a whole-number vector over a modest range, in sorted
 * order of its values, as code_groups() makes them: x itself when it holds
 * 1..k already. NULL when x does not qualify, or when singletons is set and
 * some value occurs once. *nlev gets k. */
static SEXP fast_codes(SEXP x, int singletons, int *nlev)
{
  double lo, hi;
  int n = Rf_length(x);
  /* factors, dates and other classed vectors take the general path */
  if (OBJECT(x) || !int_range(x, &lo, &hi)) return R_NilValue;
  double span = hi - lo + 1;
  if (!(span <= 4.0 * n + 1e5)) return R_NilValue;
  int m = (int) span;
  int *cnt = (int *) R_alloc((size_t) m, sizeof(int));
  memset(cnt, 0, sizeof(int) * (size_t) m);
  int isint = TYPEOF(x) == INTSXP;
  const int *xi = isint ? INTEGER(x) : NULL;
  const double *xd = isint ? NULL : REAL(x);
  int ilo = (int) lo;
  if (isint) for (int i = 0; i < n; i++) cnt[xi[i] - ilo]++;
  else       for (int i = 0; i < n; i++) cnt[(int) (xd[i] - lo)]++;
  int k = 0, one = 0;
  for (int v = 0; v < m; v++) { k += cnt[v] > 0; one |= cnt[v] == 1; }
  if (singletons && one) return R_NilValue;
  *nlev = k;
  if (isint && k == m && ilo == 1) return x;
  SEXP out = PROTECT(Rf_allocVector(INTSXP, n));
  int *code = INTEGER(out);
  if (k == m) {
    if (isint) for (int i = 0; i < n; i++) code[i] = xi[i] - ilo + 1;
    else       for (int i = 0; i < n; i++) code[i] = (int) (xd[i] - lo) + 1;
  } else {
    int c = 0;
    for (int v = 0; v < m; v++) cnt[v] = cnt[v] > 0 ? ++c : 0;
    if (isint) for (int i = 0; i < n; i++) code[i] = cnt[xi[i] - ilo];
    else       for (int i = 0; i < n; i++) code[i] = cnt[(int) (xd[i] - lo)];
  }
  UNPROTECT(1);
  return out;
}

/* The usual panel in one call: every role complete, whole-number unit and
 * period ids over modest ranges, no repeated (unit, period) pair, no
 * singleton (when they are dropped), d holding both 0 and 1. Returns
 * list(unit codes, number of units, period codes, number of periods), or
 * NULL when any of that fails: R then takes the general path, which counts
 * what is dropped and words the errors. */
SEXP sd_panel_fast(SEXP unit, SEXP period, SEXP roles, SEXP d, SEXP singletons)
{
  int n = Rf_length(unit), drop1 = Rf_asLogical(singletons) == 1;
  if (TYPEOF(roles) != VECSXP || Rf_length(period) != n || TYPEOF(d) != REALSXP ||
      Rf_length(d) != n || n == 0)
    return R_NilValue;
  for (int j = 0; j < Rf_length(roles); j++) {
    SEXP c = VECTOR_ELT(roles, j);
    if (Rf_isNull(c)) continue;
    if (Rf_length(c) != n || !all_present(c, n)) return R_NilValue;
  }
  const double *dv = REAL(d);
  int h0 = 0, h1 = 0;
  for (int i = 0; i < n && !(h0 && h1); i++) { h0 |= dv[i] == 0; h1 |= dv[i] == 1; }
  if (!h0 || !h1) return R_NilValue;
  int N = 0, T = 0;
  SEXP cu = PROTECT(fast_codes(unit, drop1, &N));
  if (Rf_isNull(cu)) { UNPROTECT(1); return R_NilValue; }
  SEXP ct = PROTECT(fast_codes(period, drop1, &T));
  if (Rf_isNull(ct) || first_duplicate(INTEGER(cu), INTEGER(ct), n, N, T) != 0) {
    UNPROTECT(2);
    return R_NilValue;
  }
  SEXP out = PROTECT(Rf_allocVector(VECSXP, 4));
  SET_VECTOR_ELT(out, 0, cu);
  SET_VECTOR_ELT(out, 1, Rf_ScalarInteger(N));
  SET_VECTOR_ELT(out, 2, ct);
  SET_VECTOR_ELT(out, 3, Rf_ScalarInteger(T));
  UNPROTECT(3);
  return out;
}

/* Which of 0 and 1 a 0/1 column holds: c(has0, has1), stopping as soon as
 * both are found. */
SEXP sd_has01(SEXP x)
{
  R_xlen_t n = XLENGTH(x);
  int h0 = 0, h1 = 0;
  if (TYPEOF(x) != REALSXP) Rf_error("'x' must be a double vector");
  const double *v = REAL(x);
  for (R_xlen_t i = 0; i < n && !(h0 && h1); i++) {
    h0 |= v[i] == 0;
    h1 |= v[i] == 1;
  }
  SEXP out = PROTECT(Rf_allocVector(LGLSXP, 2));
  LOGICAL(out)[0] = h0;
  LOGICAL(out)[1] = h1;
  UNPROTECT(1);
  return out;
}

/* First row (1-based) of a numeric 0/1 column holding anything else than 0,
 * 1 or NA, or 0. */
SEXP sd_first_nonbinary(SEXP x)
{
  R_xlen_t n = XLENGTH(x);
  if (TYPEOF(x) == REALSXP) {
    const double *v = REAL(x);
    for (R_xlen_t i = 0; i < n; i++)
      if (!ISNAN(v[i]) && v[i] != 0 && v[i] != 1) return Rf_ScalarInteger((int) (i + 1));
  } else if (TYPEOF(x) == INTSXP || TYPEOF(x) == LGLSXP) {
    const int *v = INTEGER(x);
    for (R_xlen_t i = 0; i < n; i++)
      if (v[i] != NA_INTEGER && v[i] != 0 && v[i] != 1) return Rf_ScalarInteger((int) (i + 1));
  } else Rf_error("'x' must be numeric");
  return Rf_ScalarInteger(0);
}

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
  if ((double) N * T <= 8.0 * n + 1e6) {
    /* a mark per (unit, period) cell, rows in order: the first row to find
     * its cell marked is the first duplicate */
    size_t cells = (size_t) N * T;
    unsigned char *seen = (unsigned char *) R_alloc(cells + 1, 1);
    memset(seen, 0, cells + 1);
    for (int i = 0; i < n; i++) {
      size_t cell = (size_t) (u[i] - 1) * T + (t[i] - 1);
      if (seen[cell]) return i + 1;
      seen[cell] = 1;
    }
    return 0;
  }
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
    double s0 = 0;
#pragma omp simd reduction(+:s0)
    for (int i = lo; i < hi; i++) s0 += x[i] - x[i];
    if (s0 != 0) return 0;
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
 * 1..k already. NULL when x does not qualify. *nlev gets k, and *single
 * whether some value occurs once. */
static SEXP fast_codes(SEXP x, int *single, int *nlev)
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
  *single = one;
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
 * period ids over modest ranges, no repeated (unit, period) pair, d holding
 * both 0 and 1. Returns list(unit codes, number of units, period codes,
 * number of periods, singletons: whether some unit or period has one row),
 * or NULL when any of that fails: R then takes the general path, which
 * counts what is dropped and words the errors. */
SEXP sd_panel_fast(SEXP unit, SEXP period, SEXP roles, SEXP d)
{
  int n = Rf_length(unit);
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
  int N = 0, T = 0, s1 = 0, s2 = 0;
  SEXP cu = PROTECT(fast_codes(unit, &s1, &N));
  if (Rf_isNull(cu)) { UNPROTECT(1); return R_NilValue; }
  SEXP ct = PROTECT(fast_codes(period, &s2, &T));
  if (Rf_isNull(ct) || first_duplicate(INTEGER(cu), INTEGER(ct), n, N, T) != 0) {
    UNPROTECT(2);
    return R_NilValue;
  }
  const char *names[] = {"unit", "n_units", "period", "n_periods", "singletons", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SET_VECTOR_ELT(out, 0, cu);
  SET_VECTOR_ELT(out, 1, Rf_ScalarInteger(N));
  SET_VECTOR_ELT(out, 2, ct);
  SET_VECTOR_ELT(out, 3, Rf_ScalarInteger(T));
  SET_VECTOR_ELT(out, 4, Rf_ScalarLogical(s1 || s2));
  UNPROTECT(3);
  return out;
}

/* Rows alone in a level of a fixed effect, dropped iteratively (each round
 * drops every row that is a singleton on the rows kept so far, as reghdfe
 * does) until none is left. codes: list of 1-based integer codes, nlev their
 * numbers of levels. Returns NULL when there is no singleton, else
 * list(rows = the kept rows (1-based), dropped = their number, codes = the
 * codes on the kept rows renumbered 1..k in the same order, nlev = k). */
SEXP sd_singletons(SEXP codes, SEXP nlev)
{
  int k = Rf_length(codes);
  if (TYPEOF(codes) != VECSXP || TYPEOF(nlev) != INTSXP || Rf_length(nlev) != k || k == 0)
    Rf_error("'codes' must be a list of integer codes and 'nlev' their numbers of levels");
  int n = Rf_length(VECTOR_ELT(codes, 0));
  const int **c = (const int **) R_alloc(k, sizeof(int *));
  int **cnt = (int **) R_alloc(k, sizeof(int *));
  for (int f = 0; f < k; f++) {
    SEXP cf = VECTOR_ELT(codes, f);
    int m = INTEGER(nlev)[f];
    if (TYPEOF(cf) != INTSXP || Rf_length(cf) != n || m == NA_INTEGER || m < 0)
      Rf_error("fixed effect %d: codes must be integers, one per row", f + 1);
    c[f] = INTEGER(cf);
    cnt[f] = (int *) R_alloc((size_t) m + 1, sizeof(int));
    memset(cnt[f], 0, sizeof(int) * ((size_t) m + 1));
    for (int i = 0; i < n; i++) {
      if (c[f][i] < 1 || c[f][i] > m) Rf_error("fixed effect %d has a code outside 1..%d", f + 1, m);
      cnt[f][c[f][i]]++;
    }
  }
  int any = 0;
  for (int f = 0; f < k && !any; f++)
    for (int g = 1; g <= INTEGER(nlev)[f]; g++) if (cnt[f][g] == 1) { any = 1; break; }
  if (!any) return R_NilValue;
  unsigned char *kp = (unsigned char *) R_alloc((size_t) n + 1, 1);
  unsigned char *single = (unsigned char *) R_alloc((size_t) n + 1, 1);
  memset(kp, 1, (size_t) n + 1);
  int dropped = 0;
  for (;;) {
    int found = 0;
    for (int i = 0; i < n; i++) {
      int s1 = 0;
      if (kp[i]) for (int f = 0; f < k; f++) s1 |= cnt[f][c[f][i]] == 1;
      single[i] = (unsigned char) s1;
      found += s1;
    }
    if (!found) break;
    dropped += found;
    for (int i = 0; i < n; i++) {
      if (!single[i]) continue;
      kp[i] = 0;
      for (int f = 0; f < k; f++) cnt[f][c[f][i]]--;
    }
    R_CheckUserInterrupt();
  }
  int m = n - dropped;
  SEXP rows = PROTECT(Rf_allocVector(INTSXP, m));
  SEXP newc = PROTECT(Rf_allocVector(VECSXP, k));
  SEXP newl = PROTECT(Rf_allocVector(INTSXP, k));
  int *r = INTEGER(rows);
  for (int i = 0, j = 0; i < n; i++) if (kp[i]) r[j++] = i + 1;
  for (int f = 0; f < k; f++) {
    /* levels left, renumbered in order (what code_groups() gives on the
     * kept rows, as the old codes are in sorted order of the values) */
    int *map = cnt[f], lev = 0;
    for (int g = 1; g <= INTEGER(nlev)[f]; g++) map[g] = map[g] > 0 ? ++lev : 0;
    SEXP cf = Rf_allocVector(INTSXP, m);
    SET_VECTOR_ELT(newc, f, cf);
    int *o = INTEGER(cf);
    for (int j = 0; j < m; j++) o[j] = map[c[f][r[j] - 1]];
    INTEGER(newl)[f] = lev;
  }
  const char *names[] = {"rows", "dropped", "codes", "nlev", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SET_VECTOR_ELT(out, 0, rows);
  SET_VECTOR_ELT(out, 1, Rf_ScalarInteger(dropped));
  SET_VECTOR_ELT(out, 2, newc);
  SET_VECTOR_ELT(out, 3, newl);
  UNPROTECT(4);
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

/* Panel-structure checks that would cost a hash table or a sort in R. */
#include "smartdid.h"
#include <string.h>

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
  return Rf_ScalarInteger(first);
}

/* Rows where every column of the list is usable: finite for doubles, not NA
 * for integers, logicals and strings. One pass per column, no R temporaries. */
SEXP sd_complete_rows(SEXP cols, SEXP n_)
{
  if (TYPEOF(cols) != VECSXP) Rf_error("'cols' must be a list");
  int n = Rf_asInteger(n_), k = Rf_length(cols);
  for (int j = 0; j < k; j++)
    if (Rf_length(VECTOR_ELT(cols, j)) != n)
      Rf_error("column %d has length %d, not %d", j + 1, Rf_length(VECTOR_ELT(cols, j)), n);
  SEXP out = PROTECT(Rf_allocVector(LGLSXP, n));
  int *ok = LOGICAL(out);
  for (int i = 0; i < n; i++) ok[i] = 1;
  for (int j = 0; j < k; j++) {
    SEXP c = VECTOR_ELT(cols, j);
    switch (TYPEOF(c)) {
    case REALSXP: {
      const double *x = REAL(c);
      for (int i = 0; i < n; i++) ok[i] &= R_FINITE(x[i]);
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

/* The random part of the placebo draws ("mixed" and "unit"): which units
 * are pseudo-treated and from which period, from R's generator (set.seed()
 * reproduces them). All assignments are drawn before any estimation, on the
 * main thread. */
#include "smartdid.h"
#include <stdint.h>

/* 32 random bits from R's generator. With the Mersenne-Twister (R's
 * default) unif_rand() returns k / 2^32 for a uniform 32-bit k, so one call
 * gives 32 bits; with any other generator two calls give 16 bits each (the
 * 16 bits per call that R's own R_unif_index() takes). */
static inline uint32_t pl_bits32(int mt)
{
  if (mt) return (uint32_t) (unif_rand() * 4294967296.0);
  uint32_t hi = (uint32_t) (unif_rand() * 65536.0);
  return (hi << 16) | (uint32_t) (unif_rand() * 65536.0);
}

/* A uniform integer in 0..n-1, 1 <= n < 2^32: multiply-shift with rejection
 * of the biased low part (Lemire's method), exactly uniform. */
static uint32_t pl_index(uint32_t n, int mt)
{
  uint64_t x = (uint64_t) pl_bits32(mt) * n;
  uint32_t low = (uint32_t) x;
  if (low < n) {
    uint32_t thr = (uint32_t) (0u - n) % n;
    while (low < thr) {
      x = (uint64_t) pl_bits32(mt) * n;
      low = (uint32_t) x;
    }
  }
  return (uint32_t) (x >> 32);
}

/* Random assignments for the "mixed" and "unit" draws from R's generator:
 * for each draw, m distinct units out of N (a partial Fisher-Yates shuffle)
 * and, when cand (the candidate period codes) is not empty, each one's
 * period drawn uniformly from cand, both from one uniform integer below
 * (N - k) * length(cand) when that fits in 32 bits. mt: R's generator is the Mersenne-Twister (32 bits per
 * call). Draws are generated one after the other, so a longer run starts
 * with the draws of a shorter one. Returns list(unit = m x B, period = m x B
 * or NULL). */
SEXP sd_placebo_assign(SEXP N, SEXP m, SEXP B, SEXP cand, SEXP mt_)
{
  if (TYPEOF(cand) != INTSXP) Rf_error("'cand' must be an integer vector");
  int nu = Rf_asInteger(N), mm = Rf_asInteger(m), nb = Rf_asInteger(B),
      nc = Rf_length(cand), mt = Rf_asLogical(mt_), nprotect = 0;
  const int *cv = INTEGER(cand);
  if (nu == NA_INTEGER || nu < 1) Rf_error("'N' must be a positive integer");
  if (mm == NA_INTEGER || mm < 0 || mm > nu) Rf_error("'m' must lie in 0..%d", nu);
  if (nb == NA_INTEGER || nb < 0) Rf_error("'B' must be a non-negative integer");
  if (mt == NA_LOGICAL) Rf_error("'mt' must be TRUE or FALSE");
  SEXP U = PROTECT(Rf_allocMatrix(INTSXP, mm, nb)); nprotect++;
  SEXP P = R_NilValue;
  if (nc > 0) { P = PROTECT(Rf_allocMatrix(INTSXP, mm, nb)); nprotect++; }
  int *perm = (int *) R_alloc(nu, sizeof(int));
  for (int i = 0; i < nu; i++) perm[i] = i + 1;
  int *pu = INTEGER(U), *pp = nc > 0 ? INTEGER(P) : NULL;
  int joint = nc > 0 && (double) nu * nc < 4294967295.0;
  GetRNGstate();
  for (int b = 0; b < nb; b++) {
    /* an interrupt leaves R's stream unchanged (no PutRNGstate): harmless */
    if ((b & 1023) == 0) R_CheckUserInterrupt();
    int *ub = pu + (size_t) b * mm, *pb = pp ? pp + (size_t) b * mm : NULL;
    for (int k = 0; k < mm; k++) {
      int j;
      if (joint) {
        uint32_t x = pl_index((uint32_t) (nu - k) * (uint32_t) nc, mt);
        j = k + (int) (x / (uint32_t) nc);
        pb[k] = cv[x % (uint32_t) nc];
      } else {
        j = k + (int) pl_index((uint32_t) (nu - k), mt);
      }
      int t = perm[k]; perm[k] = perm[j]; perm[j] = t;
      ub[k] = perm[k];
    }
    if (pb && !joint)
      for (int k = 0; k < mm; k++) pb[k] = cv[pl_index((uint32_t) nc, mt)];
  }
  PutRNGstate();
  const char *names[] = {"unit", "period", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names)); nprotect++;
  SET_VECTOR_ELT(out, 0, U);
  SET_VECTOR_ELT(out, 1, P);
  UNPROTECT(nprotect);
  return out;
}

/* smartdid: shared declarations of the C engine. */
#ifndef SMARTDID_H
#define SMARTDID_H

#define R_NO_REMAP
#include <R.h>
#include <Rinternals.h>
#include <R_ext/Rdynload.h>

#include "threads.h"

/* Inline even where the compiler would not by itself (hot inner loops). */
#if defined(__GNUC__)
#define SD_INLINE static inline __attribute__((always_inline))
#else
#define SD_INLINE static inline
#endif

/* a'b with eight independent sums (the adds overlap instead of waiting on
 * each other), in a fixed order: the same result on any thread. */
SD_INLINE double sd_dot(const double *restrict a, const double *restrict b, int n)
{
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  int i = 0;
  for (; i + 7 < n; i += 8) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
    s4 += a[i + 4] * b[i + 4];
    s5 += a[i + 5] * b[i + 5];
    s6 += a[i + 6] * b[i + 6];
    s7 += a[i + 7] * b[i + 7];
  }
  /* the tail in independent sums too: short vectors are all tail */
  if (i + 3 < n) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
    i += 4;
  }
  if (i + 1 < n) {
    s4 += a[i] * b[i];
    s5 += a[i + 1] * b[i + 1];
    i += 2;
  }
  if (i < n) s6 += a[i] * b[i];
  return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
}

/* A fixed-effect structure: k groupings of n rows. sd_fe_from_r() gives
 * 0-based codes (base 0); the demeaning of smartdid() itself reads R's
 * 1-based codes in place (base 1), without copying them. */
typedef struct {
  int n;          /* rows */
  int k;          /* number of fixed effects */
  const int **code;   /* code[f][i] in base..nlev[f]-1+base */
  const int *nlev;    /* levels per fixed effect */
  const double *w;    /* weights or NULL */
  int base;           /* 0 (sd_fe_from_r) or 1 */
} sd_fe;

/* demean.c */
int sd_demean_ptrs(const sd_fe *fe, double *const *cols, int ncol, double tol,
                   int maxit, int nthreads);
SEXP sd_demean_yx(SEXP y, SEXP X, SEXP fes, SEXP nlev, SEXP w, SEXP tol,
                  SEXP maxit, SEXP nthreads, SEXP rows);
int sd_demean_columns(const sd_fe *fe, double *x, int ncol, double tol,
                      int maxit, int nthreads);
SEXP sd_demean(SEXP X, SEXP fes, SEXP nlev, SEXP w, SEXP tol, SEXP maxit,
               SEXP nthreads);

/* twoway.c: unit and period effects (codes 0-based unless noted) */
typedef struct {
  int u, t;            /* which fixed effect is concentrated out (u), solved (t) */
  int N, T;
  double *Wu, *Wt;     /* weight totals */
  double *invWu;       /* 1 / Wu */
  int *pstart, *pt;    /* per unit: its distinct periods ... */
  double *pw;          /* ... and the weight it has in each */
  double *L;           /* Cholesky factor of the (T-1)x(T-1) system */
} sd_twoway;

int sd_is_balanced(const sd_fe *fe);
void sd_grid_column(int M, int L, double *x, const double *src, double *so,
                    double *si, double *ss);
void sd_balanced_column(const sd_fe *fe, double *x, const double *src,
                        double *su, double *st, double *ss);
int sd_twoway_setup(const sd_fe *fe, sd_twoway *tw);
void sd_twoway_column(const sd_fe *fe, const sd_twoway *tw, double *x,
                      double *scratch, double *ss_after);

/* Hint that a large fresh block be backed by huge pages (Linux). */
void sd_hugepages(void *p, size_t bytes);

/* Fill an sd_fe from a list of 1-based integer codes and their levels. */
void sd_fe_from_r(SEXP fes, SEXP nlev, SEXP w, int n, sd_fe *fe);

/* ols.c */
int sd_chol_inverse(double *a, int p, double tol, int *keep);
SEXP sd_ols(SEXP X, SEXP y, SEXP w, SEXP tol);
SEXP sd_ols_meat(SEXP X, SEXP y, SEXP w, SEXP tol, SEXP cl, SEXP G, SEXP nthreads);
void sd_cross_products(const double *x, const double *y, const double *w,
                       int n, int p, double *xtx, double *xty);

/* vcov.c */
SEXP sd_meat_cluster(SEXP X, SEXP e, SEXP w, SEXP cl, SEXP G);
SEXP sd_meat_hc(SEXP X, SEXP e, SEXP w);

/* panel.c */
SEXP sd_first_duplicate(SEXP unit, SEXP period, SEXP N_, SEXP T_);
SEXP sd_complete_rows(SEXP cols, SEXP n_);
SEXP sd_first_nonbinary(SEXP x);
SEXP sd_int_range(SEXP x);
SEXP sd_has01(SEXP x);
SEXP sd_singletons(SEXP codes, SEXP nlev);
SEXP sd_panel_fast(SEXP unit, SEXP period, SEXP roles, SEXP d);
/* match.c */
SEXP sd_nn_match(SEXP dist, SEXP treat, SEXP discarded, SEXP ord, SEXP ratio,
                 SEXP replace, SEXP caliper);
/* scale.c */
SEXP sd_scale_exponents(SEXP cols, SEXP rows);
/* progress.c: call the R function tick(done) (main thread only) */
void sd_tick(SEXP tick, int done);
/* bootstrap.c */
SEXP sd_mboot(SEXP psi, SEXP biters, SEXP type);
/* placebo.c */
SEXP sd_placebo(SEXP model, SEXP assign, SEXP opts, SEXP tick);
SEXP sd_placebo_assign(SEXP N, SEXP m, SEXP B, SEXP cand, SEXP mt);

#endif

/* smartdid: the placebo draws' shared declarations. placebo.c (the
 * driver and the row path) calls placebo_units.c (the per-unit path); both
 * use placebo_common.c (pl_fwl); nothing calls back into placebo.c. */
#ifndef SMARTDID_PLACEBO_H
#define SMARTDID_PLACEBO_H

#include <math.h>

/* The absorbed model of the draws, one struct for both paths (placebo.c
 * builds it, placebo_units.c reads it): X~, e, Q = (X~'WX~)^-1, X~'W e and
 * e'W e, the variance rules, and the closed-form and per-unit fields of a
 * balanced, unweighted two-way panel. */
typedef struct {
  int n, p;             /* rows, controls */
  const double *X;      /* n x p demeaned controls, column major */
  const double *e;      /* n: residuals of the demeaned outcome on X */
  const double *Q;      /* p x p: (X~'WX~)^-1 */
  const double *w;      /* n weights, or NULL */
  const double *xe;     /* p: X~'W e */
  double ee;            /* e'W e */
  int vtype;            /* 0 iid, 1 HC1, 2 cluster */
  double scale;         /* small-sample factor of the variance */
  int ncl;              /* clusterings (cluster only) */
  const int **cl;       /* their 0-based codes */
  const int *G;         /* their numbers of clusters */
  const double *sign;   /* +1, +1, -1: two-way V1 + V2 - V12 */
  int Gsum;
  /* balanced, unweighted two-way panels (NULL/0 otherwise): the demeaned
   * pseudo-treatment has a closed form (see placebo.c) */
  const int *unit0;     /* 0-based unit of each row */
  const int *time0;     /* 0-based period of each row */
  const int *tval;      /* the period code of each row, compared with adoption codes */
  int N, T;             /* units, periods */
  /* the per-unit path (placebo_units.c) */
  const int *tv;        /* T: the code of each period */
  const int *clu;       /* cluster of each unit (0-based), or NULL when the
                           clusters are the units */
  int Gu;               /* clusters of the units */
  int block;            /* draws per block (0: chosen) */
  int force;            /* 1: take the per-unit path whenever it can; 0:
                           only when the cost model prefers it */
} pl_model;

/* A draw's standard error from its variance v: NA when v is NaN (an
 * overflow, an undefined meat): never 0, which would make the draw count as
 * significant. A negative v (rounding, or a two-way clustered meat) gives 0,
 * as sqrt(pmax(v, 0)) does for a fit. */
static inline double pl_se_of(double v)
{
  if (ISNAN(v)) return NA_REAL;
  return sqrt(v > 0 ? v : 0);
}

/* placebo_common.c */
int pl_fwl(const double *Q, const double *xe, int p, const double *c, double dd,
           double de, double n1, double n, double *gam, double *beta,
           double *rr_out, double *re_out);

/* placebo_units.c. Called on the main thread after each block of draws with the number of
 * draws done (progress reports); may be NULL. */
typedef void (*pl_tick_fn)(void *ctx, int done);

int plu_run(const pl_model *md, const int *ustart, const int *urows,
            const int *au, const int *ap, int na, int B, int nt,
            pl_tick_fn tick, void *tick_ctx, double *est, double *se, int *ntr);

#endif

/* smartdid: the placebo draws' shared declarations (placebo.c and
 * placebo_units.c). */
#ifndef SMARTDID_PLACEBO_H
#define SMARTDID_PLACEBO_H

#include <math.h>

/* A balanced, unweighted two-way panel's absorbed model, for the draws
 * aggregated by unit (placebo_units.c). */
typedef struct {
  int n, p;             /* rows, controls */
  int N, T;             /* units, periods */
  const double *X;      /* n x p demeaned controls, column major */
  const double *e;      /* n: residuals of the demeaned outcome on X */
  const double *Q;      /* p x p: (X'X)^-1 */
  const double *xe;     /* p: X'e */
  double ee;            /* e'e */
  const int *time0;     /* 0-based period of each row */
  const int *tv;        /* T: the code of each period, compared with adoption codes */
  int vtype;            /* 0 iid, 2 clustered */
  double scale;         /* small-sample factor of the variance */
  const int *clu;       /* cluster of each unit (0-based), or NULL when the
                           clusters are the units */
  int G;                /* clusters */
  int block;            /* draws per block (0: chosen) */
  int force;            /* 1: take this path whenever it can; 0: only when
                           the cost model says it is cheaper than the rows */
} plu_model;

/* A draw's standard error from its variance v: NA when v is NaN (an
 * overflow, an undefined meat): never 0, which would make the draw count as
 * significant. A negative v (rounding, or a two-way clustered meat) gives 0,
 * as sqrt(pmax(v, 0)) does for a fit. */
static inline double pl_se_of(double v)
{
  if (ISNAN(v)) return NA_REAL;
  return sqrt(v > 0 ? v : 0);
}

int pl_fwl(const double *Q, const double *xe, int p, const double *c, double dd,
           double de, double n1, double n, double *gam, double *beta,
           double *rr_out, double *re_out);

/* Called on the main thread after each block of draws with the number of
 * draws done (progress reports); may be NULL. */
typedef void (*pl_tick_fn)(void *ctx, int done);

int plu_run(const plu_model *md, const int *ustart, const int *urows,
            const int *au, const int *ap, int na, int B, int nt,
            pl_tick_fn tick, void *tick_ctx, double *est, double *se, int *ntr);

#endif

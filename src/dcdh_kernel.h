/* de Chaisemartin-D'Haultfoeuille event-study kernel: plain C, no R API.
 *
 * Naming: the panel is a units-by-periods layout, column-major, G units and
 * T periods; cell (g, t) with t = 1..T sits at g + (t - 1) * G. NaN marks a
 * cell without an outcome. "base" is the code (0..K-1) of a unit's baseline
 * treatment, -1 for a unit set aside; "coh" the code (0..C-1) of its
 * switcher cohort (baseline, first-switch period, treatment at the switch).
 * A suffix _kt indexes a baseline-by-period table (k + (t - 1) * K). */
#ifndef SMARTDID_DCDH_KERNEL_H
#define SMARTDID_DCDH_KERNEL_H

typedef struct {
  int G, T, K, C, p;       /* units, periods, baselines, cohorts, controls */
  int l;                   /* effect (or placebo) number, >= 1 */
  int dir;                 /* 1: switchers in, 0: switchers out */
  int placebo;             /* 0: effect l, 1: placebo l */
  int compat;              /* 1: DIDmultiplegtDYN 2.1.2's variance quirks */
  double Gtot;             /* the number of units the estimator divides by */
  const double *Y, *N, *D; /* outcome, cell weight (0: unused), treatment */
  const double *const *X;  /* p control layouts (for the controls' term) */
  const double *dsq;       /* baseline treatment value of each unit */
  const int *base, *F, *Tg, *L, *S, *coh;
} dcdh_in;

typedef struct {
  double *U;    /* G: influence of each unit on the estimate (times G) */
  double *Uv;   /* G: its cohort-demeaned version, for the variance */
  double *UX;   /* G x p: the same weights applied to the controls' changes */
  double *nvar; /* G: cells with a variance term in 2.1.2's reckoning (its
                   controls' correction is added once per such cell) */
  double Nl;    /* weight of the switchers (N^1_l or N^0_l) */
  double Ndw;   /* their number */
  double dnorm; /* mean cumulated treatment change over l periods */
  double dD;    /* mean treatment change at l */
} dcdh_out;

/* Scratch: 6 * K * T + T + 3 * C doubles and G chars, zeroed by the caller. */
void dcdh_kernel(const dcdh_in *in, dcdh_out *out, double *scratch, char *mark);

#endif

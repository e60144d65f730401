/* One effect (or placebo) of the de Chaisemartin-D'Haultfoeuille (2024)
 * event-study estimator for one direction of switch, in four passes:
 *  1. the weight of the not-yet-switched units of each baseline and period
 *     with a long difference (the comparison groups);
 *  2. the switchers l periods after their first switch that have a
 *     comparison group, their weight by period and baseline, and the sums of
 *     their cohorts (baseline, first-switch period, treatment at the switch);
 *  3. the sums of the comparison cohorts (baseline, period);
 *  4. each unit's influence: switchers' long difference minus the weighted
 *     comparison long differences, and the same demeaned within cohorts with
 *     the small-sample factor sqrt(n / (n - 1)) for the variance.
 * See dcdh_kernel.h for the layout and names. */
#include <math.h>
#include <string.h>
#include "dcdh_kernel.h"

/* The long difference used at cell (g, t): Y_t - Y_{t-l} for an effect,
 * Y_{t-2l} - Y_{t-l} for a placebo (which also needs Y_t, as the effect's
 * comparison must exist there); NaN when not available. */
static inline double long_diff(const dcdh_in *in, int g, int t)
{
  const int G = in->G, l = in->l;
  if (t - l < 1) return NAN;
  const double *Y = in->Y;
  double e = Y[g + (size_t) (t - 1) * G] - Y[g + (size_t) (t - l - 1) * G];
  if (!in->placebo || isnan(e)) return e;
  if (t - 2 * l < 1) return NAN;
  return Y[g + (size_t) (t - 2 * l - 1) * G] - Y[g + (size_t) (t - l - 1) * G];
}

static inline double x_diff(const double *X, int G, int g, int t, int l, int placebo)
{
  if (!placebo) return X[g + (size_t) (t - 1) * G] - X[g + (size_t) (t - l - 1) * G];
  return X[g + (size_t) (t - 2 * l - 1) * G] - X[g + (size_t) (t - l - 1) * G];
}

/* Cohort mean (0 below two units) and small-sample factor; NaN factor for a
 * one-unit cohort under `compat` (2.1.2 then drops the term). */
static inline void cohort_stats(double cnt, double tot, double dof, int compat,
                                double *E, double *f)
{
  if (dof >= 2) {
    *E = tot / cnt;
    *f = sqrt(dof / (dof - 1));
  } else {
    *E = 0;
    *f = (compat && dof == 1) ? NAN : 1;
  }
}

void dcdh_kernel(const dcdh_in *in, dcdh_out *out, double *scratch, char *mark)
{
  const int G = in->G, T = in->T, K = in->K, l = in->l, p = in->p;
  const double *N = in->N, *D = in->D;
  const int *base = in->base, *F = in->F, *Tg = in->Tg, *coh = in->coh;
  const size_t KT = (size_t) K * T;
  double *ctl_kt = scratch;           /* comparison weight, effect's rule */
  double *ctlp_kt = ctl_kt + KT;      /* comparison weight used (placebo) */
  double *sw_kt = ctlp_kt + KT;       /* switchers' weight */
  double *cnt_kt = sw_kt + KT, *tot_kt = cnt_kt + KT, *dof_kt = tot_kt + KT;
  double *sw_t = dof_kt + KT;         /* switchers' weight by period */
  double *cnt_c = sw_t + T, *tot_c = cnt_c + in->C, *dof_c = tot_c + in->C;

  /* 1. comparison groups */
  for (int t = l + 1; t <= T; t++) {
    const size_t o = (size_t) (t - 1) * G;
    for (int g = 0; g < G; g++) {
      if (base[g] < 0 || F[g] <= t) continue;
      const double *Y = in->Y;
      double e = Y[g + o] - Y[g + o - (size_t) l * G];
      if (isnan(e)) continue;
      const size_t kt = base[g] + (size_t) (t - 1) * K;
      ctl_kt[kt] += N[g + o];
      if (in->placebo) {
        if (!isnan(long_diff(in, g, t))) ctlp_kt[kt] += N[g + o];
      }
    }
  }
  if (!in->placebo) memcpy(ctlp_kt, ctl_kt, KT * sizeof(double));

  /* 2. switchers l periods after their first switch */
  double Nl = 0, Ndw = 0, dnorm = 0, dD = 0;
  const double sgn = in->dir == 1 ? 1 : -1;
  for (int g = 0; g < G; g++) {
    if (base[g] < 0 || in->S[g] != in->dir || l > in->L[g]) continue;
    const int t = F[g] + l - 1;
    if (t > T) continue;
    const size_t kt = base[g] + (size_t) (t - 1) * K;
    if (!(ctl_kt[kt] > 0)) continue;
    /* a placebo without comparison units: left out (2.1.2 counts its
       weight but drops its term, 0 * Inf) */
    if (in->placebo && !in->compat && !(ctlp_kt[kt] > 0)) continue;
    double v = long_diff(in, g, t);
    if (isnan(v)) continue;
    const double n = N[g + (size_t) (t - 1) * G];
    mark[g] = 1;
    sw_t[t - 1] += n;
    sw_kt[kt] += n;
    Nl += n;
    Ndw += 1;
    cnt_c[coh[g]] += n;
    tot_c[coh[g]] += n * v;
    dof_c[coh[g]] += n != 0;
    double cum = 0;
    for (int s = F[g]; s <= t; s++) {
      double ds = D[g + (size_t) (s - 1) * G];
      if (isnan(ds)) continue;
      /* 2.1.2 cumulates a placebo's treatment only where its long
         difference exists */
      if (in->compat && in->placebo) {
        if (s - 2 * l < 1) continue;
        const double *Y = in->Y;
        if (isnan(Y[g + (size_t) (s - 2 * l - 1) * G] - Y[g + (size_t) (s - l - 1) * G]))
          continue;
      }
      cum += ds - in->dsq[g];
    }
    dnorm += n * sgn * cum;
    dD += n * sgn * (D[g + (size_t) (t - 1) * G] - in->dsq[g]);
  }
  out->Nl = Nl;
  out->Ndw = Ndw;
  out->dnorm = Nl > 0 ? dnorm / Nl : 0;
  out->dD = Nl > 0 ? dD / Nl : 0;
  if (Nl == 0) return;

  /* 3. comparison cohorts: baseline and period, where switchers exist */
  for (int t = l + 1; t <= T; t++) {
    if (!(sw_t[t - 1] > 0)) continue;
    const size_t o = (size_t) (t - 1) * G;
    for (int g = 0; g < G; g++) {
      if (base[g] < 0 || F[g] <= t) continue;
      double v = long_diff(in, g, t);
      if (isnan(v)) continue;
      const size_t kt = base[g] + (size_t) (t - 1) * K;
      const double n = N[g + o];
      cnt_kt[kt] += n;
      tot_kt[kt] += n * v;
      dof_kt[kt] += n != 0;
    }
  }

  /* cohort means and factors, once per cohort (into the sums' places) */
  for (size_t kt = 0; kt < KT; kt++)
    cohort_stats(cnt_kt[kt], tot_kt[kt], dof_kt[kt], in->compat, &tot_kt[kt], &dof_kt[kt]);
  for (int c = 0; c < in->C; c++)
    cohort_stats(cnt_c[c], tot_c[c], dof_c[c], in->compat, &tot_c[c], &dof_c[c]);
  const double *E_kt = tot_kt, *f_kt = dof_kt, *E_c = tot_c, *f_c = dof_c;

  /* 4. each unit's influence */
  const double scale = in->Gtot / Nl;
  for (int g = 0; g < G; g++) {
    if (base[g] < 0) continue;
    double U = 0, Uv = 0, nv = 0;
    const int hi = Tg[g] < T ? Tg[g] : T;
    for (int t = l + 1; t <= hi; t++) {
      double c, E, f;
      const size_t kt = base[g] + (size_t) (t - 1) * K;
      const double n = N[g + (size_t) (t - 1) * G];
      const int sw_cell = mark[g] && t == F[g] + l - 1;
      if (sw_cell) {
        if (!(ctlp_kt[kt] > 0)) continue;
        c = n;
        E = E_c[coh[g]];
        f = f_c[coh[g]];
      } else if (F[g] > t && sw_t[t - 1] > 0 && ctlp_kt[kt] > 0) {
        c = -n * sw_kt[kt] / ctlp_kt[kt];
        E = E_kt[kt];
        f = f_kt[kt];
      } else {
        continue;
      }
      double v = long_diff(in, g, t);
      if (isnan(v)) continue;
      if (ctlp_kt[kt] > 0 && !isnan(f)) nv += 1;
      if (c == 0) continue;
      c *= scale;
      U += c * v;
      if (!isnan(f)) Uv += c * f * (v - E);
      for (int j = 0; j < p; j++) {
        double dx = x_diff(in->X[j], G, g, t, l, in->placebo);
        if (!isnan(dx)) out->UX[g + (size_t) j * G] += c * dx;
      }
    }
    out->U[g] = U;
    out->Uv[g] = Uv;
    out->nvar[g] = nv;
  }
}

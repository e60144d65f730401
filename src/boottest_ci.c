/* Bisection for a bound of boottest()'s confidence interval, on the draws'
 * closed forms (R/boottest_ci.R; the counts are those of sd_boottest_count
 * in boottest.c): draw b's t at the tested difference delta is
 *   t*_b = nu / sqrt(den),  nu = n0 + delta n1,  den = d0 + 2 delta d1 + delta^2 d2,
 * and the original t is delta / sd0. Which side of t a draw lies on changes
 * only where one of nu, den or F = sd0^2 nu^2 - kappa delta^2 den
 * (kappa = (1 +- eps)^2, eps the tie tolerance) changes sign. On a bracket
 * that excludes delta = 0, a draw for which none of them can change sign
 * (a Taylor bound about the bracket's centre) counts the same at every
 * point of it: it is counted once and set aside, and the bisection steps
 * evaluate only the others, re-checked as the bracket shrinks. The steps,
 * midpoints and comparisons are those of a plain bisection, so the bound is
 * the one R's bisection on the full counts would give. */
#include "smartdid.h"
#include "boottest.h"
#include <math.h>
#include <string.h>
#include <limits.h>

typedef struct {
  const double *n0, *n1, *d0, *d1, *d2;
  double s0, eps;
} bt_cf;

/* Draw b's contributions at delta: counts[0..3] += (t* > t, t* < t,
 * |t*| > |t|, valid), exactly as sd_boottest_count. */
static inline void bt_cf_count(const bt_cf *f, int b, double dl, double *thr, int *cnt)
{
  double den = f->d0[b] + dl * (2 * f->d1[b] + dl * f->d2[b]);
  double nu = f->n0[b] + dl * f->n1[b], nu2 = nu * nu;
  int v = den > 0;
  double up2 = thr[0], dn2 = thr[1], ab2 = thr[2];
  int up_pos = thr[3] != 0, dn_neg = thr[4] != 0;
  int g = up_pos ? (nu > 0) & (nu2 > up2 * den) : (nu >= 0) | (nu2 < up2 * den);
  int l = dn_neg ? (nu < 0) & (nu2 > dn2 * den) : (nu <= 0) | (nu2 < dn2 * den);
  cnt[3] += v;
  cnt[0] += v & g;
  cnt[1] += v & l;
  cnt[2] += v & (nu2 > ab2 * den);
}

static void bt_cf_thresholds(double dl, double s0, double ep, double *thr)
{
  double t = dl / s0;
  double up = t + ep * fabs(t), dn = t - ep * fabs(t), ab = fabs(t) * (1 + ep);
  thr[0] = up * up;
  thr[1] = dn * dn;
  thr[2] = ab * ab;
  thr[3] = up >= 0;
  thr[4] = dn <= 0;
}

/* Can draw b's counts change for delta in [c - h, c + h] (0 outside it)?
 * `sym`: only the symmetric p-value's counts matter (|t*| > |t| and valid:
 * den and F with kappa = (1 + eps)^2). */
static int bt_cf_uncertain(const bt_cf *f, int b, double c, double h, int sym)
{
  const double tiny = 1e-9;
  double n1 = f->n1[b], d1 = f->d1[b], d2 = f->d2[b];
  double nuc = f->n0[b] + c * n1;
  double denc = f->d0[b] + c * (2 * d1 + c * d2);
  double dd1 = d1 + c * d2;
  /* nu: linear */
  double bn = fabs(n1) * h;
  if (!sym && !(fabs(nuc) > bn + tiny * (fabs(nuc) + bn))) return 1;
  /* den: quadratic */
  double bd = 2 * fabs(dd1) * h + fabs(d2) * h * h;
  if (!(fabs(denc) > bd + tiny * (fabs(denc) + bd))) return 1;
  /* F for both kappas: s0^2 nu^2 - kappa delta^2 den about c */
  double s2 = f->s0 * f->s0;
  double dnu = s2 * (2 * fabs(nuc * n1) * h + n1 * n1 * h * h);
  double ddel = c * c * bd + (2 * fabs(c) * h + h * h) * (fabs(denc) + bd);
  for (int s = 1; s >= (sym ? 1 : -1); s -= 2) {
    double kap = (1 + s * f->eps) * (1 + s * f->eps);
    double Fc = s2 * nuc * nuc - kap * c * c * denc;
    double bF = dnu + kap * ddel;
    double scale = s2 * nuc * nuc + kap * c * c * fabs(denc) + bF;
    if (!(fabs(Fc) > bF + tiny * scale)) return 1;
  }
  return 0;
}

/* The p-value of the counts (bt_pvalue in R/boottest.R); NaN with no valid draw. */
static double bt_cf_p(const int *cnt, int p_type)
{
  double ok = cnt[3];
  if (cnt[3] == 0) return NAN;
  switch (p_type) {
  case 1: return cnt[2] / ok;
  case 2: return 2 * (double) (cnt[0] < cnt[1] ? cnt[0] : cnt[1]) / ok;
  case 3: return cnt[0] / ok;
  default: return cnt[1] / ok;
  }
}

/* Keep the draws of act[0..na) whose counts can change on the bracket
 * [r_in, r_out] (in r; delta = est - r) and add the others' counts to fixed.
 * Returns the new number of active draws. */
static int bt_cf_filter(const bt_cf *f, int *act, int na, double est, double r_in,
                        double r_out, int *fixed, int sym)
{
  double da = est - r_in, db = est - r_out;
  if ((da <= 0 && db >= 0) || (da >= 0 && db <= 0)) return na;   /* 0 inside */
  double c = (da + db) / 2, h = fabs(da - db) / 2;
  double thr[5];
  bt_cf_thresholds(c, f->s0, f->eps, thr);
  int k = 0;
  for (int i = 0; i < na; i++) {
    int b = act[i];
    if (bt_cf_uncertain(f, b, c, h, sym)) act[k++] = b;
    else bt_cf_count(f, b, c, thr, fixed);
  }
  return k;
}

/* .Call entry: the bisection of bt_bound() (R/boottest_ci.R) from the bracket
 * (inner: p > alpha, outer: not), until |outer - inner| <= width; returns
 * c(inner, outer). */
SEXP sd_boottest_bisect(SEXP num, SEXP cross, SEXP args)
{
  if (!Rf_isReal(num) || !Rf_isReal(cross) || !Rf_isReal(args) || Rf_length(args) != 8)
    Rf_error("'num', 'cross' must be double; 'args' c(est, sd0, eps, inner, outer, "
             "alpha, width, p_type)");
  R_xlen_t B = Rf_xlength(num) / 2;
  if (Rf_xlength(num) != 2 * B || Rf_xlength(cross) != 3 * B || B > INT_MAX)
    Rf_error("'num' must be B x 2 and 'cross' B x 3");
  const double *a = REAL(args);
  double est = a[0], inner = a[3], outer = a[4], alpha = a[5], width = a[6];
  int p_type = (int) a[7];
  bt_cf f;
  f.n0 = REAL(num);
  f.n1 = f.n0 + B;
  f.d0 = REAL(cross);
  f.d1 = f.d0 + B;
  f.d2 = f.d1 + B;
  f.s0 = a[1];
  f.eps = a[2];
  int nB = (int) B;
  int *act = (int *) R_alloc(nB > 0 ? nB : 1, sizeof(int));
  for (int b = 0; b < nB; b++) act[b] = b;
  int fixed[4] = {0, 0, 0, 0};
  /* the first steps on every draw (few can be set aside while the bracket
   * is wide), then a filter every third step */
  int na = nB, step = 0, sym = p_type == 1;
  while (fabs(outer - inner) > width) {
    double mid = (inner + outer) / 2;
    double thr[5];
    bt_cf_thresholds(est - mid, f.s0, f.eps, thr);
    int cnt[4] = {fixed[0], fixed[1], fixed[2], fixed[3]};
    for (int i = 0; i < na; i++) bt_cf_count(&f, act[i], est - mid, thr, cnt);
    double p = bt_cf_p(cnt, p_type);
    if (p > alpha) inner = mid; else outer = mid;     /* NaN: not above alpha */
    if (++step % 3 == 0) na = bt_cf_filter(&f, act, na, est, inner, outer, fixed, sym);
  }
  SEXP out = PROTECT(Rf_allocVector(REALSXP, 2));
  REAL(out)[0] = inner;
  REAL(out)[1] = outer;
  UNPROTECT(1);
  return out;
}

/* Pieces shared by the placebo paths (placebo.c, placebo_units.c): the
 * coefficient of a draw by Frisch-Waugh-Lovell from its sums. */
#include "smartdid.h"
#include "placebo.h"

/* The pseudo-treatment's coefficient by Frisch-Waugh-Lovell from its sums:
 * c = X~'W d~ (p), dd = d~'W d~, de = d~'W e, over n rows of which n1 are
 * treated. Fills gam = Q c and returns 1 with beta = r'W e / r'W r, r'W r
 * and r'W e (r = d~ - X~ gam), or 0 when the draw is not estimable (no
 * variation left after the fixed effects or the controls). */
int pl_fwl(const double *Q, const double *xe, int p, const double *c, double dd,
           double de, double n1, double n, double *gam, double *beta,
           double *rr_out, double *re_out)
{
  double ss_raw = n1 * (n - n1) / n;
  if (n1 == 0 || n1 == n || !(dd > 1e-12 * ss_raw)) return 0;
  double ca = 0, xa = 0;
  for (int j = 0; j < p; j++) {
    double s = 0;
    for (int k = 0; k < p; k++) s += Q[j + (size_t) k * p] * c[k];
    gam[j] = s;
    ca += c[j] * s;
    xa += xe[j] * s;
  }
  double rr = dd - ca;
  if (!(rr > 1e-10 * dd)) return 0;
  *rr_out = rr;
  *re_out = de - xa;
  *beta = *re_out / rr;
  return 1;
}


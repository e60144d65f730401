/* Progress of long C loops reported to R: call the R function tick(done).
   Main thread only (it evaluates R code); shared by the placebo draws and
   the wild bootstrap. */
#include "smartdid.h"

void sd_tick(SEXP tick, int done)
{
  if (Rf_isNull(tick)) return;
  SEXP v = PROTECT(Rf_ScalarInteger(done));
  SEXP call = PROTECT(Rf_lang2(tick, v));
  Rf_eval(call, R_GlobalEnv);
  UNPROTECT(2);
}

/* Thread helpers of the C engine (see threads.h). */
#include "threads.h"

int sd_nthreads(SEXP nthreads, int work)
{
  int nt = Rf_asInteger(nthreads);
  if (nt == NA_INTEGER || nt < 1 || work < 100000) return 1;  /* too small to share */
#ifdef _OPENMP
  int procs = omp_get_num_procs();
  if (nt > procs) nt = procs;
#else
  nt = 1;
#endif
  return nt;
}

/* smartdid: thread helpers of the C engine (threads.c). Every parallel
 * region divides its work by the team it actually got (sd_team_size()
 * inside the region), never by the number it asked for: OpenMP may give
 * fewer (OMP_THREAD_LIMIT, OMP_DYNAMIC, a site's limit). */
#ifndef SMARTDID_THREADS_H
#define SMARTDID_THREADS_H

#define R_NO_REMAP
#include <R.h>
#include <Rinternals.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* The calling thread's number inside a parallel region (0 without OpenMP). */
static inline int sd_thread_id(void)
{
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

/* The number of threads of the current team (1 outside a parallel region
 * and without OpenMP). */
static inline int sd_team_size(void)
{
#ifdef _OPENMP
  return omp_get_num_threads();
#else
  return 1;
#endif
}

/* Is the caller inside a parallel region? */
static inline int sd_in_parallel(void)
{
#ifdef _OPENMP
  return omp_in_parallel();
#else
  return 0;
#endif
}

/* Threads to request for `work` units of work: 1 for small work, else
 * nthreads capped by the processors. */
int sd_nthreads(SEXP nthreads, int work);

#endif

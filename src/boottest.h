/* The wild cluster bootstrap (boottest.c). */
#ifndef SMARTDID_BOOTTEST_H
#define SMARTDID_BOOTTEST_H
#include <Rinternals.h>
SEXP sd_boottest_draws(SEXP A, SEXP S, SEXP dims, SEXP Bs, SEXP type,
                       SEXP ctrl, SEXP tick);
SEXP sd_boottest_count(SEXP num, SEXP cross, SEXP delta, SEXP sd0, SEXP eps);
SEXP sd_boottest_sums(SEXP X, SEXP v, SEXP g, SEXP Gs);
#endif

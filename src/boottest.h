/* The wild cluster bootstrap (boottest.c). */
#ifndef SMARTDID_BOOTTEST_H
#define SMARTDID_BOOTTEST_H
#include <Rinternals.h>
#include <stddef.h>

/* One variance clustering of the draws (see boottest.c). */
typedef struct {
  int Gc, ncell;
  const int *cc, *hh;      /* 0-based cluster and bootstrap cluster of a cell */
  const double *cv, *Mt;
  double sign;
  int dense;               /* cv holds every c x h entry, M part included */
} bt_dim;

/* Two-point weights by table look-up (boottest_table.c). */
typedef struct {
  int m, Gb, nd, R, w, nchunk, npat;
  double val0, val1;       /* the weight of a cluster whose bit is 0, 1 */
  double *T;               /* nchunk x npat x R partial sums */
  int *off;                /* first row of clustering d's scores in a draw's vector */
  const bt_dim *dims;
} bt_tab;
int bt_tab_init(bt_tab *tb, int type, int m, int Gb, const double *A, int nd,
                const bt_dim *dims);
void bt_tab_codes(const bt_tab *tb, int type, int b0, int nb, unsigned short *idx,
                  unsigned char *bits);
void bt_tab_block(const bt_tab *tb, const unsigned short *idx, int nb,
                  double *restrict L, double *num, double *cross, size_t ld);
SEXP sd_boottest_draws(SEXP A, SEXP S, SEXP dims, SEXP Bs, SEXP type,
                       SEXP ctrl, SEXP tick);
SEXP sd_boottest_count(SEXP num, SEXP cross, SEXP delta, SEXP sd0, SEXP eps);
SEXP sd_boottest_bisect(SEXP num, SEXP cross, SEXP args);
SEXP sd_boottest_gsums(SEXP X, SEXP w, SEXP u, SEXP QR, SEXP codes, SEXP jobs);
SEXP sd_boottest_nested(SEXP fe, SEXP nlev, SEXP cl);
SEXP sd_boottest_sums(SEXP X, SEXP v, SEXP g, SEXP Gs);
#endif

/* The Callaway-Sant'Anna kernels (src/cs*.c), registered in init.c. */
#ifndef SMARTDID_CS_H
#define SMARTDID_CS_H
#include "smartdid.h"

SEXP sd_cs_none(SEXP unit, SEXP tidx, SEXP ucode, SEXP Y, SEXP w, SEXP cells,
                SEXP ctrl, SEXP dims, SEXP clus);
SEXP sd_cs_none_psi(SEXP unit, SEXP tidx, SEXP ucode, SEXP Y, SEXP w, SEXP cells,
                    SEXP ctrl, SEXP dims, SEXP jout, SEXP W);

SEXP sd_cs_2x2(SEXP dy, SEXP D, SEXP X, SEXP w, SEXP method, SEXP trim);

int sd_cs_2x2_core(const double *Y, int m, const double *D, const double *X,
                   const double *w_in, size_t n, int k, int meth, double trim,
                   double *ps, int have_ps, double *pa, double *pp);
SEXP sd_cs_panel_cells(SEXP unit, SEXP tidx, SEXP Y, SEXP X, SEXP w, SEXP ucode,
                       SEXP cells, SEXP ctrl, SEXP dims, SEXP method, SEXP trim,
                       SEXP psid, SEXP clus);
SEXP sd_cs_cells_psi(SEXP units, SEXP start, SEXP vals, SEXP N_, SEXP W);

SEXP sd_colss(SEXP X);
const double **sd_cs_ycols(SEXP Y, R_xlen_t n, int *m);
const int *sd_cs_clusters(SEXP clus, int N, int *G);
SEXP sd_cs_prep(SEXP unit, SEXP N, SEXP tt, SEXP g);

#endif

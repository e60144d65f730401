/* The Callaway-Sant'Anna kernels (src/cs*.c), registered in init.c. */
#ifndef SMARTDID_CS_H
#define SMARTDID_CS_H
#include "smartdid.h"

SEXP sd_cs_none(SEXP unit, SEXP tidx, SEXP code, SEXP Y, SEXP w, SEXP cells,
                SEXP ctrl, SEXP dims);

SEXP sd_cs_2x2(SEXP dy, SEXP D, SEXP X, SEXP w, SEXP method, SEXP trim);

SEXP sd_cs_prep(SEXP unit, SEXP N, SEXP tt, SEXP g);

#endif

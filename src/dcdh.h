/* .Call entries of the de Chaisemartin-D'Haultfoeuille estimator. */
#ifndef SMARTDID_DCDH_H
#define SMARTDID_DCDH_H
#include <Rinternals.h>
SEXP dcdh_effect(SEXP Y, SEXP N, SEXP D, SEXP X, SEXP dsq, SEXP units, SEXP sizes,
                 SEXP opts, SEXP Gtot);
#endif

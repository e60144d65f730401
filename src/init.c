/* The one registration table of the package's .Call routines. */
#include "smartdid.h"
#include "cs.h"
#include "boottest.h"
#include "dcdh.h"

/* sunab.c */
SEXP sd_sunab_gram(SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP);
SEXP sd_sunab_solve(SEXP, SEXP, SEXP);
SEXP sd_sunab_scores(SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP);

static const R_CallMethodDef call_methods[] = {
  {"sd_demean",       (DL_FUNC) &sd_demean,       7},
  {"sd_demean_yx",    (DL_FUNC) &sd_demean_yx,    9},
  {"sd_ols",          (DL_FUNC) &sd_ols,          4},
  {"sd_ols_meat",     (DL_FUNC) &sd_ols_meat,     7},
  {"sd_meat_cluster", (DL_FUNC) &sd_meat_cluster, 5},
  {"sd_meat_hc",      (DL_FUNC) &sd_meat_hc,      3},
  {"sd_first_duplicate", (DL_FUNC) &sd_first_duplicate, 4},
  {"sd_complete_rows", (DL_FUNC) &sd_complete_rows, 2},
  {"sd_first_nonbinary", (DL_FUNC) &sd_first_nonbinary, 1},
  {"sd_int_range",    (DL_FUNC) &sd_int_range,    1},
  {"sd_has01",        (DL_FUNC) &sd_has01,        1},
  {"sd_singletons",   (DL_FUNC) &sd_singletons,   2},
  {"sd_panel_fast",   (DL_FUNC) &sd_panel_fast,   4},
  {"sd_nn_match",     (DL_FUNC) &sd_nn_match,     7},
  {"sd_mboot",        (DL_FUNC) &sd_mboot,        3},
  {"sd_placebo",      (DL_FUNC) &sd_placebo,      4},
  {"sd_placebo_assign", (DL_FUNC) &sd_placebo_assign, 5},
  {"sd_cs_none",      (DL_FUNC) &sd_cs_none,      9},
  {"sd_cs_none_psi",  (DL_FUNC) &sd_cs_none_psi,  10},
  {"sd_cs_2x2",       (DL_FUNC) &sd_cs_2x2,       6},
  {"sd_cs_prep",      (DL_FUNC) &sd_cs_prep,      4},
  {"sd_colss",        (DL_FUNC) &sd_colss,        1},
  {"sd_cs_panel_cells", (DL_FUNC) &sd_cs_panel_cells, 13},
  {"sd_cs_cells_psi", (DL_FUNC) &sd_cs_cells_psi, 5},
  {"sd_boottest_draws", (DL_FUNC) &sd_boottest_draws, 7},
  {"sd_boottest_count", (DL_FUNC) &sd_boottest_count, 5},
  {"sd_boottest_sums", (DL_FUNC) &sd_boottest_sums, 4},
  {"sd_boottest_bisect", (DL_FUNC) &sd_boottest_bisect, 3},
  {"sd_boottest_gsums", (DL_FUNC) &sd_boottest_gsums, 6},
  {"sd_boottest_nested", (DL_FUNC) &sd_boottest_nested, 3},
  {"sd_scale_exponents", (DL_FUNC) &sd_scale_exponents, 2},
  {"sd_sunab_gram",   (DL_FUNC) &sd_sunab_gram,   8},
  {"sd_sunab_solve",  (DL_FUNC) &sd_sunab_solve,  3},
  {"sd_sunab_scores", (DL_FUNC) &sd_sunab_scores, 8},
  {"dcdh_effect",     (DL_FUNC) &dcdh_effect,     9},
  {NULL, NULL, 0}
};

void R_init_smartdid(DllInfo *dll)
{
  R_registerRoutines(dll, NULL, call_methods, NULL, NULL);
  R_useDynamicSymbols(dll, FALSE);
  R_forceSymbols(dll, TRUE);
}

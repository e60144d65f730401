#' Number of threads used by the C engine
#'
#' Large panels are demeaned column by column in parallel (OpenMP); small ones
#' always run on one thread, where a second thread costs more than it saves.
#' Results do not depend on the number of threads.
#'
#' @param n Number of threads to use from now on, or `NULL` to only query.
#' @return The number of threads in use (before the change, invisibly, when
#'   `n` is given).
#' @examples
#' smartdid_threads()
#' old <- smartdid_threads(1)
#' smartdid_threads(old)
#' @export
smartdid_threads <- function(n = NULL) {
  old <- getOption("smartdid.threads", 1L)
  if (is.null(n)) return(old)
  check_count(n, "n", min = 1)
  options(smartdid.threads = as.integer(n))
  invisible(old)
}

#' Options of smartdid
#'
#' smartdid reads a few [options()]. Only `smartdid.threads` is meant for
#' everyday use (set it with [smartdid_threads()]); the others exist for
#' experiments, benchmarks and tests, and change speed or accuracy, never the
#' definition of a result.
#'
#' \describe{
#'   \item{`smartdid.threads`}{default number of threads of the C engine
#'     (default 1). Results do not depend on it; OpenMP may give fewer
#'     threads than asked for (`OMP_THREAD_LIMIT`, `OMP_DYNAMIC`), which
#'     does not change results either.}
#'   \item{`smartdid.demean_tol`, `smartdid.demean_maxit`}{tolerance
#'     (default `1e-13`) and iteration limit (default `100000`) of the
#'     alternating projections that absorb three or more fixed effects (or a
#'     disconnected two-way panel). Convergence is judged on the scale of
#'     what the iterations remove; when the limit is reached every function
#'     warns and [smartdid()] records `converged = FALSE`.}
#'   \item{`smartdid.placebo_units`}{which path [placebo()] takes for a
#'     balanced, unweighted panel with iid errors or clusters constant within
#'     units: `NULL` (default) the cheaper by a cost model in the number of
#'     controls, `TRUE` the per-unit sums whenever they apply, `FALSE` always
#'     the rows. Both give the same draws.}
#'   \item{`smartdid.placebo_block`}{draws computed together between
#'     progress reports and interrupt checks (default `0`: chosen from the
#'     size of the data).}
#'   \item{`smartdid.placebo_min_work`}{the least rows x (controls + 2) of a
#'     draw for which [placebo()] uses threads (default `2e5`).}
#'   \item{`smartdid.progress_work`}{the least work (rows x (controls + 3)
#'     x draws) for which [placebo()] shows a progress bar (default `1e9`).}
#' }
#' @examples
#' old <- options(smartdid.placebo_units = FALSE)   # always the rows
#' options(old)
#' @name smartdid_options
NULL

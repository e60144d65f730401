# The C engine's demeaning as every R caller uses it: the one place that
# holds its tolerance and iteration limit, and that turns non-convergence
# into a warning naming the caller. (The engine's two-way and balanced
# strategies are exact; only alternating projections, with three or more
# fixed effects or a disconnected two-way panel, can stop short.)

# Tolerance and iteration limit of the alternating projections; the options
# (see ?smartdid_options) are for experiments and tests.
sd_demean_control <- function() {
  list(tol = as.double(getOption("smartdid.demean_tol", 1e-13)),
       maxit = as.integer(getOption("smartdid.demean_maxit", 100000L)))
}

# Warn, naming `caller`, when the fixed effects were not absorbed to the
# engine's tolerance. Returns `converged` invisibly.
sd_warn_converged <- function(converged, caller) {
  if (!isTRUE(converged)) {
    warning(caller, ": the iterative demeaning of the fixed effects did not ",
            "converge in ", sd_demean_control()$maxit, " iterations; results ",
            "may be inaccurate (check for weakly connected fixed effects)",
            call. = FALSE)
  }
  invisible(converged)
}

# Demean the columns of X (a list of numeric vectors of equal length, or a
# double matrix) by the fixed effects `fe` (1-based integer codes with
# `nlev` levels each), with weights `w` (or NULL). Returns the n x k double
# matrix, with attributes "ss" and "converged" (see src/demean.c).
sd_absorb <- function(X, fe, nlev, w = NULL, nthreads = 1L, caller = "smartdid") {
  ctl <- sd_demean_control()
  M <- .Call(C_sd_demean, X, fe, as.integer(nlev), w, ctl$tol, ctl$maxit,
             as.integer(nthreads))
  sd_warn_converged(attr(M, "converged"), caller)
  M
}

# The outcome y and the regressors X demeaned with one shared setup, read at
# `rows` when given (whole columns, no copies in R). Returns list(y, X, ss,
# converged) (see src/demean.c).
sd_absorb_yx <- function(y, X, fe, nlev, w = NULL, nthreads = 1L, rows = NULL,
                         caller = "smartdid()") {
  ctl <- sd_demean_control()
  D <- .Call(C_sd_demean_yx, y, X, fe, as.integer(nlev), w, ctl$tol, ctl$maxit,
             as.integer(nthreads), rows)
  sd_warn_converged(D$converged, caller)
  D
}

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

# x * 2^k, exact, in two steps so that 2^k itself never overflows or
# underflows (k may reach about +-1075 for subnormal or huge data).
sd_pow2 <- function(x, k) x * 2^(k %/% 2L) * 2^(k - k %/% 2L)

# Equilibrate the outcome y, the regressors X (a named list of columns, read
# at `rows` by the engine) and the weights w: columns of extreme magnitude
# are multiplied by a power of two that brings them near 1 (exact), others
# are left as they are. Returns the scaled y, X, w and the exponents (ey,
# ex named as X, ew) that sd_unscale_coef() undoes.
sd_equilibrate <- function(y, X, w = NULL, rows = NULL) {
  ex <- .Call(C_sd_scale_exponents, c(list(y), X), rows)
  ew <- if (is.null(w)) 0L else .Call(C_sd_scale_exponents, list(w), NULL)
  if (ex[1L] != 0L) y <- sd_pow2(as.double(y), ex[1L])
  for (j in which(ex[-1L] != 0L)) X[[j]] <- sd_pow2(as.double(X[[j]]), ex[j + 1L])
  if (ew != 0L) w <- sd_pow2(w, ew)
  list(y = y, X = X, w = w, ey = ex[1L], ex = stats::setNames(ex[-1L], names(X)),
       ew = ew, any = any(ex != 0L) || ew != 0L)
}

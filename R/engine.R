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

# THE FIT'S PANEL. smartdid() keeps on the fit (`fit$panel`, `fit$spec`) the
# estimation sample as the engine saw it: the integer codes of the fixed
# effects and of the cluster variables on the sample's rows (`fit$obs`),
# and the checked model specification; the weights are the data's column
# on those rows. Everything that
# re-estimates on the fit's sample (stata_constant(), the heterogeneity
# test, placebo(), boottest(), the robust estimators through sd_subpanel())
# reads them through sd_fit_panel() and sd_fit_spec() instead of
# re-running sd_spec() and sd_panel() on `fit$args`. Only codes are kept,
# never a copy of the data's columns: a cluster variable that is also a
# fixed effect (the default, clustering by unit) points to that fixed
# effect's codes instead of storing them twice. (The TWFE event study,
# R/es_twfe.R, builds its own panel: its sample differs from the fit's.)

# What smartdid() stores from sd_panel()'s result. A code vector that is
# the data's own column (integer ids 1..k with every row kept: sd_panel()
# then uses the column as it is) is recorded by the column's name, and the
# weights are read from the data on the sample's rows, so that neither is
# held twice (nor saved twice by saveRDS()).
sd_panel_store <- function(panel, data, fe_cols) {
  fe <- panel$fe
  own <- character(length(fe))
  for (k in seq_along(fe_cols)) {
    x <- .subset2(data, fe_cols[k])
    if (length(x) == length(fe[[k]]) && identical(x, fe[[k]])) {
      own[k] <- fe_cols[k]
      fe[k] <- list(NULL)
    }
  }
  cl <- panel$cluster
  same <- vapply(cl, function(x) {
    hit <- which(vapply(panel$fe, identical, TRUE, x))
    if (length(hit)) hit[1] else 0L
  }, 1L)
  cl[same > 0L] <- list(NULL)
  list(fe = fe, fe_column = own, fe_nlev = as.integer(panel$fe_nlev),
       cluster = unname(cl), cluster_fe = unname(same), cluster_G = panel$cluster_G,
       n = length(panel$obs))
}

# The model specification of a fit (sd_spec()'s result): stored on the fit,
# or rebuilt from its arguments for a fit saved by an older version.
sd_fit_spec <- function(fit) {
  if (!is.null(fit$spec)) return(fit$spec)
  a <- fit$args
  sd_spec(a$formula, fit$data, a$id, a$time, a$cluster %||% a$id, a$vcov,
          a$weights, a$fe, a$ssc)
}

# The fit's estimation sample in the shape of sd_panel()'s result: obs,
# treat_name, fe (codes), fe_nlev, fe_names, cluster (codes, named by the
# cluster variables), cluster_G and weights; with `treatment`, also d, the
# treatment on the sample. A fit saved by an older version (no
# `fit$panel`) gets it rebuilt from its arguments, as then it always was.
sd_fit_panel <- function(fit, treatment = FALSE) {
  st <- fit$panel
  if (is.null(st) || !identical(st$n, length(fit$obs)) ||
      any(lengths(st$fe[!nzchar(st$fe_column)]) != st$n)) {
    return(sd_fit_panel_rebuild(fit, treatment))
  }
  fe <- st$fe
  for (k in which(nzchar(st$fe_column))) fe[[k]] <- .subset2(fit$data, st$fe_column[k])
  cl <- st$cluster
  for (k in which(st$cluster_fe > 0L)) cl[[k]] <- fe[[st$cluster_fe[k]]]
  names(cl) <- names(st$cluster_G)
  a <- fit$args
  w <- if (!is.null(a$weights)) as.double(.subset2(fit$data, a$weights)[fit$obs])
  out <- list(obs = fit$obs, n_input = fit$n_input, treat_name = fit$treat_name,
              fe = fe, fe_nlev = st$fe_nlev, fe_names = fit$fe_names,
              cluster = cl, cluster_G = st$cluster_G, weights = w)
  if (treatment) out$d <- sd_fit_treatment(fit)
  out
}

# The treatment dummy (or general treatment) on the fit's sample.
sd_fit_treatment <- function(fit) {
  a <- fit$args
  build_treatment(fit$data, a$time, a$treat, a$cohort, a$treat_name,
                  a$design %||% "staggered")$d[fit$obs]
}

# sd_panel() re-run on the fit's arguments (fits from older versions).
sd_fit_panel_rebuild <- function(fit, treatment) {
  a <- fit$args
  spec <- sd_fit_spec(fit)
  p <- sd_panel(fit$data, a$id, a$time, a$treat, a$cohort, spec$vars, spec$cluster,
                a$weights, a$fe, a$subset, singletons = a$singletons %||% TRUE,
                treat_name = a$treat_name, design = a$design %||% "staggered")
  if (!treatment) p$d <- NULL
  p[c("obs", "n_input", "treat_name", "fe", "fe_nlev", "fe_names", "cluster",
      "cluster_G", "weights", if (treatment) "d")]
}

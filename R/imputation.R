# The imputation estimator of Borusyak, Jaravel and Spiess (2024).
#
# 1. First stage on the untreated observations (never treated and not yet
#    treated): y = unit FE + period FE + controls, the fixed effects absorbed
#    by the package's C demeaning; the unit and period effects are then
#    recovered exactly from the normal equations (one small periods x periods
#    system).
# 2. Each treated observation's untreated outcome is imputed as
#    alpha_i + lambda_t + x'beta, and tau_it = y_it - that imputation.
# 3. The effect at horizon h = t - g is the mean of tau_it over the treated
#    observations at h; the static ATT is the mean over all of them. Treated
#    observations that cannot be imputed (their unit or period has no
#    untreated observation, e.g. always-treated units) are dropped with a
#    warning.
#
# Standard errors: the conservative variance of BJS Theorem 3 in its plain
# (not leave-out) form, as didimputation computes it. Every estimate is linear
# in the outcomes, sum_it v_it y_it, with v_it = w_it on treated observations
# and v = -Z0 (Z0'Z0)^- Z1'w1 on untreated ones (Z the first-stage design);
# then var = sum over clusters c of (sum_{it in c} v_it e_it)^2, with e the
# first-stage residual on untreated observations and tau_it minus its
# v^2-weighted mean within the observation's cohort-by-horizon cell on
# treated ones. No small-sample factor; normal p-values and intervals.
# Clusters: the fit's cluster variable (one-way), the unit otherwise.
#
# Pre-trends (leads): BJS's test regression on the untreated observations,
# the first stage plus dummies for relative periods -leads..-1 of the units
# not yet treated, with the fit's variance rules (as didimputation's
# `pretrends`). Its coefficients are the rows with rel_time < 0.

es_imputation <- function(fit, leads = NULL, lags = NULL, level = 0.95, ...) {
  check_no_dots("the imputation estimator", ...)
  check_level(level)
  sd_require(fit, "the imputation estimator")
  st <- sd_staggered(fit, "the imputation estimator")
  fs <- imp_first_stage(st, fit)
  tr <- fs$imputable
  rel <- st$rel
  all_hor <- sort(unique(rel[tr]))
  hor <- all_hor[sd_window(all_hor, NULL, lags)]
  # weights on treated observations: one column per horizon, then static
  W <- vapply(hor, function(h) as.numeric(tr & rel %in% h), numeric(length(tr)))
  W <- cbind(matrix(W, length(tr)), as.numeric(tr))
  W <- sweep(W, 2L, colSums(W), "/")
  tau <- ifelse(tr, st$y - fs$y0hat, 0)
  est <- colSums(W * tau)
  V <- imp_v(W, fs, st)
  cl <- imp_cluster(fit, st)
  eps <- imp_residuals(V, tau, fs, st, rel)
  S <- rowsum(V * eps, cl)
  k <- length(hor)
  pre <- imp_pretrends(fit, st, fs, leads, cl)
  if (is.null(pre)) {
    rel_out <- hor
    b <- est[seq_len(k)]
    Vm <- crossprod(S[, seq_len(k), drop = FALSE])
  } else {
    rel_out <- c(pre$rel, hor)
    b <- c(pre$coefficients, est[seq_len(k)])
    Vm <- if (is.null(pre$scores)) NULL else
      crossprod(cbind(pre$scores, S[rownames(pre$scores), seq_len(k), drop = FALSE]))
  }
  se <- if (is.null(Vm)) c(pre$se, sqrt(colSums(S[, seq_len(k), drop = FALSE]^2))) else
    sqrt(diag(Vm))
  # the static ATT weights each horizon by its treated observations; the
  # rows include every horizon unless `lags` cuts some
  n_h <- colSums(W[, seq_len(k), drop = FALSE] > 0)
  w_ov <- if (length(hor) == length(all_hor)) {
    c(rep(0, length(rel_out) - k), n_h / sum(n_h))
  }
  infl <- if (is.null(pre) || !is.null(pre$scores)) {
    psi <- if (is.null(pre)) S[, seq_len(k), drop = FALSE] else
      cbind(pre$scores, S[rownames(pre$scores), seq_len(k), drop = FALSE])
    list(psi = psi, ids = rownames(psi), factor = 1)
  }
  es_build(rel_out, b, se, Vm, list(estimate = est[k + 1L],
                                   std.error = sqrt(sum(S[, k + 1L]^2))),
           "imputation", sum(fs$untreated) + sum(tr), fit, level,
           overall_weights = w_ov, influence = if (!is.null(Vm)) infl,
           info = list(outcome = fit$outcome, n_untreated = sum(fs$untreated),
                       n_treated = sum(tr), not_imputed = fs$not_imputed,
                       beta = fs$beta, pretrend_dropped = pre$dropped,
                       overall_label = "static ATT (all treated observations)",
                       variance = "BJS (2024) Theorem 3, conservative, no leave-out",
                       note = paste0("Borusyak-Jaravel-Spiess imputation: first stage ",
                                     "on untreated observations; conservative std. ",
                                     "errors (normal)")))
}

# First stage: FE (and controls) on untreated observations, imputation of the
# untreated outcome for treated observations.
imp_first_stage <- function(st, fit) {
  u0 <- st$D == 0
  if (!any(st$D == 1)) sd_stop("no treated observation to impute")
  ucode <- st$unit
  tcode <- st$tidx
  # units and periods with untreated observations
  has_u <- tabulate(ucode[u0], st$n_units) > 0
  has_t <- tabulate(tcode[u0], length(st$periods)) > 0
  imputable <- !u0 & has_u[ucode] & has_t[tcode]
  not_imp <- sum(!u0) - sum(imputable)
  if (not_imp > 0) {
    warning(not_imp, " treated observation(s) cannot be imputed (their unit or ",
            "period has no untreated observation) and are dropped", call. = FALSE)
  }
  i0 <- which(u0)
  fe <- list(as.vector(group_codes(ucode[i0])), as.vector(group_codes(tcode[i0])))
  nlev <- c(length(unique(ucode[i0])), length(unique(tcode[i0])))
  X0 <- st$X[i0, , drop = FALSE]
  k <- ncol(X0)
  M <- .Call(C_sd_demean, c(list(st$y[i0]), lapply(seq_len(k), function(j) X0[, j])),
             fe, nlev, NULL, 1e-13, 100000L, as.integer(fit$args$nthreads %||% 1L))
  beta <- numeric(0)
  Xd <- M[, -1L, drop = FALSE]
  if (k) {
    ols <- .Call(C_sd_ols, Xd, M[, 1L], NULL, 1e-10)
    if (!all(ols$keep)) {
      sd_stop("the controls are collinear on the untreated observations; ",
              "drop some from the fit")
    }
    beta <- stats::setNames(ols$coefficients, colnames(st$X))
    resid <- ols$residuals
  } else {
    resid <- M[, 1L]
  }
  xb <- if (k) drop(st$X %*% beta) else numeric(length(st$y))
  sys <- imp_fe_system(ucode[i0], tcode[i0], st$n_units, length(st$periods))
  r0 <- st$y[i0] - xb[i0]
  ab <- imp_fe_solve(sys, rowsum_full(r0, ucode[i0], st$n_units),
                     rowsum_full(r0, tcode[i0], length(st$periods)))
  y0hat <- ifelse(imputable, ab$alpha[ucode] + ab$lambda[tcode] + xb, NA_real_)
  list(untreated = u0, imputable = imputable, not_imputed = not_imp, beta = beta,
       resid0 = resid, Xd0 = Xd, i0 = i0, sys = sys, y0hat = y0hat)
}

# Sums of the rows of x (a vector or matrix) by integer codes g in 1..n,
# with zero rows for absent codes.
rowsum_full <- function(x, g, n) {
  x <- as.matrix(x)
  out <- matrix(0, n, ncol(x))
  s <- rowsum(x, g)
  out[as.integer(rownames(s)), ] <- s
  out
}

# The normal equations of unit + period effects on the untreated
# observations: with n_i, m_t their counts and C the unit-by-period incidence,
# the unit effects are concentrated out, leaving
#   (diag(m) - C' diag(1/n) C) lambda = c - C' (a / n)
# solved with lambda_1 = 0 (the normalisation does not change alpha + lambda).
imp_fe_system <- function(unit, tidx, N, T) {
  n_i <- tabulate(unit, N)
  m_t <- tabulate(tidx, T)
  C <- matrix(0, N, T)
  C[cbind(unit, tidx)] <- 1
  ui <- n_i > 0
  ti <- which(m_t > 0)
  A <- diag(m_t, T) - crossprod(C[ui, , drop = FALSE] / sqrt(n_i[ui]))
  free <- ti[-1L]
  R <- tryCatch(chol(A[free, free, drop = FALSE]), error = function(e) {
    sd_stop("the untreated observations do not connect all units and periods; ",
            "the imputation estimator cannot identify the fixed effects")
  })
  list(C = C, n_i = n_i, m_t = m_t, free = free, R = R, ui = ui, ti = ti)
}

# Solve the normal equations for right-hand sides a (per unit) and c (per
# period); columns of a and c are separate systems.
imp_fe_solve <- function(sys, a, c) {
  a <- as.matrix(a)
  c <- as.matrix(c)
  an <- a / pmax(sys$n_i, 1)
  rhs <- c - crossprod(sys$C, an * sys$ui)
  lambda <- matrix(0, nrow(c), ncol(c))
  z <- backsolve(sys$R, forwardsolve(t(sys$R), rhs[sys$free, , drop = FALSE]))
  lambda[sys$free, ] <- z
  alpha <- (a - sys$C %*% lambda) / pmax(sys$n_i, 1)
  alpha[!sys$ui, ] <- NA
  lambda[-sys$ti, ] <- NA
  list(alpha = drop(alpha), lambda = drop(lambda))
}

# The weights v of each estimate on every observation (rows x estimates):
# w on treated observations, -Z0 (Z0'Z0)^- Z1'w on untreated ones, computed
# by blocks (fixed effects by the normal equations, controls by
# Frisch-Waugh-Lovell on the demeaned controls).
imp_v <- function(W, fs, st) {
  i0 <- fs$i0
  a <- rowsum_full(W, st$unit, st$n_units)
  c <- rowsum_full(W, st$tidx, length(st$periods))
  ab <- imp_fe_solve(fs$sys, a, c)
  al <- as.matrix(ab$alpha)
  la <- as.matrix(ab$lambda)
  u <- al[st$unit[i0], , drop = FALSE] + la[st$tidx[i0], , drop = FALSE]
  v0 <- u
  if (ncol(fs$Xd0)) {
    X <- st$X
    bX <- crossprod(X, W) - crossprod(X[i0, , drop = FALSE], u)
    gX <- solve(crossprod(fs$Xd0), bX)
    v0 <- u + fs$Xd0 %*% gX
  }
  V <- W
  V[i0, ] <- -v0
  V
}

# Residuals entering the variance, per estimate: first-stage residuals on
# untreated observations; on treated ones tau minus its v^2-weighted mean in
# the cohort-by-horizon cell.
imp_residuals <- function(V, tau, fs, st, rel) {
  eps <- matrix(0, nrow(V), ncol(V))
  eps[fs$i0, ] <- fs$resid0
  tr <- which(fs$imputable)
  cell <- paste(st$cohort[tr], rel[tr])
  for (j in seq_len(ncol(V))) {
    v2 <- V[tr, j]^2
    num <- rowsum(v2 * tau[tr], cell)
    den <- rowsum(v2, cell)
    bar <- ifelse(den[, 1] > 0, num[, 1] / den[, 1], 0)
    eps[tr, j] <- tau[tr] - bar[match(cell, rownames(num))]
  }
  eps
}

imp_cluster <- function(fit, st) {
  vi <- fit$vcov_info
  if (identical(vi$type, "cluster") && length(vi$cluster) == 1L) {
    return(as.vector(group_codes(fit$data[[vi$cluster]][st$rows])))
  }
  st$unit
}

# BJS's pre-trend regression on the untreated observations.
imp_pretrends <- function(fit, st, fs, leads, cl) {
  if (identical(leads, 0) || identical(leads, 0L)) return(NULL)
  i0 <- fs$i0
  rel <- st$rel[i0]
  avail <- sort(unique(rel[!is.na(rel) & rel < 0]))
  # nearest leads first: when the panel cannot identify them all (no
  # never-treated units), the collinearity check drops the most distant
  use <- rev(avail[sd_window(avail, leads, NULL)])
  if (!length(use)) return(NULL)
  L <- vapply(use, function(e) as.numeric(rel %in% e), numeric(length(i0)))
  L <- matrix(L, length(i0), dimnames = list(NULL, paste0("lead::", use)))
  X <- cbind(L, st$X[i0, , drop = FALSE])
  sp <- sd_subpanel(fit, st$rows[i0])
  est <- sd_fit_matrix(st$y[i0], X, sp, fit)
  ok <- colnames(L) %in% names(est$coefficients)
  nm <- colnames(L)[ok]
  b <- est$coefficients[nm]
  se <- sqrt(diag(est$vcov)[nm])
  scores <- NULL
  vi <- fit$vcov_info
  if (identical(vi$type, "cluster") && length(vi$cluster) == 1L) {
    # per-cluster contributions whose cross-product is the clustered variance
    Xk <- X[, names(est$coefficients), drop = FALSE]
    Xd <- .Call(C_sd_demean, lapply(seq_len(ncol(Xk)), function(j) Xk[, j]),
                sp$fe, sp$fe_nlev, NULL, 1e-13, 100000L, 1L)
    bread <- solve(crossprod(Xd))
    sc <- rowsum(Xd * est$residuals, cl[i0]) %*% bread
    colnames(sc) <- names(est$coefficients)
    fac <- sqrt(est$factor)
    scores <- matrix(0, length(unique(cl)), length(nm),
                     dimnames = list(sort(unique(cl)), nm))
    scores[rownames(sc), ] <- sc[, nm, drop = FALSE] * fac
  }
  o <- order(use[ok])
  list(rel = use[ok][o], coefficients = b[o], se = se[o],
       scores = if (is.null(scores)) NULL else scores[, o, drop = FALSE],
       dropped = sort(use[!ok]))
}

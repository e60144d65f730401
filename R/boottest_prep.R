# The wild cluster bootstrap's one pass over the data: the fit's design with
# the fixed effects partialled out, the clusterings as integer codes, and the
# cluster-level sums each hypothesis needs (src/boottest.c does the draws).
#
# Exactness with absorbed fixed effects. A draw re-estimates the model on
# y* = fitted_restricted + v * u_restricted. A fixed effect nested in the
# bootstrap clusters sees v constant within each of its levels, so
# projecting it out of v * u changes nothing and it can be absorbed once. A
# fixed effect that cuts across bootstrap clusters (years, when bootstrapping
# by province) does not commute with v: its levels enter as explicit dummy
# columns instead (Roodman et al. 2019, section 5), so that every draw equals
# the re-estimated regression exactly.

# The design on the fit's sample: list(X = partialled-out regressors
# (the fit's coefficients first, then dummies of the non-nested fixed
# effects), u = residuals, Q = (X'WX)^-1, beta, w, n). `fe_sums`: allow
# the period-sums correction (needs the dense form: Gc x Gb entries). For a model other
# than the fit itself (an event study's regression), `obs` are its rows of
# the fit's data, `extra` its regressors in place of the treatment (a named
# list of columns on those rows) and `coef_names` its coefficients.
bt_model <- function(fit, boot, nthreads, obs = fit$obs, extra = NULL,
                     coef_names = names(fit$coefficients), fe_sums = TRUE) {
  a <- fit$args
  data <- fit$data
  spec <- sd_fit_spec(fit)   # stored on the fit (R/engine.R)
  sp <- sd_subpanel(fit, obs)
  d <- if (is.null(extra)) build_treatment(data, a$time, a$treat, a$cohort)$d[obs]
       else rep(0, length(obs))
  panel <- c(list(obs = obs, d = d, treat_name = fit$treat_name), sp)
  design <- sd_design(data, panel, spec, gather = FALSE)
  X0 <- if (is.null(extra)) design$X else c(extra, design$X[-1L])
  nested <- bt_nested(sp$fe, sp$fe_nlev, boot)
  # the usual case, one fixed effect nested in the bootstrap clusters (units)
  # and one not (periods): absorb both and correct each draw with period
  # sums (bt_cross_fe()) instead of period dummies
  cross <- fe_sums && length(nested) == 2L && sum(nested) == 1L &&
    getOption("smartdid.boottest_fe_sums", TRUE)
  absorb <- if (cross) sp$fe else sp$fe[nested]
  nlev <- if (cross) sp$fe_nlev else sp$fe_nlev[nested]
  if (!length(absorb)) {               # nothing nested: absorb the constant
    absorb <- list(rep(1L, length(obs)))
    nlev <- 1L
  }
  dums <- if (cross) list() else bt_dummies(sp$fe[!nested], sp$fe_nlev[!nested])
  X <- c(X0[coef_names], dums)
  D <- sd_absorb_yx(design$y, X, absorb, nlev, sp$weights, nthreads,
                    caller = "boottest()")
  ols <- .Call(C_sd_ols_meat, D$X, D$y, sp$weights, 1e-10, NULL, 1L,
               as.integer(nthreads))
  p <- length(coef_names)
  if (!all(ols$keep[seq_len(p)])) {
    sd_stop("the fit's regressors became collinear when the fixed effects not ",
            "nested in 'bootcluster' were added as dummies; choose another ",
            "'bootcluster'")
  }
  keep <- ols$keep
  # no copy of a large X (and no names set on it, which would copy it: the
  # model's coefficients come first, in the order of coef_names)
  X <- if (all(keep)) D$X else D$X[, keep, drop = FALSE]
  list(X = X, u = ols$residuals, Q = ols$bread[keep, keep, drop = FALSE],
       beta = ols$coefficients[keep], w = sp$weights, n = length(obs), p = p,
       sp = sp, n_dummies = sum(keep) - p,
       cross = if (cross) bt_cross_setup(sp$fe[[which(nested)]], sp$fe[[which(!nested)]],
                                         sp$fe_nlev[which(!nested)], sp$weights))
}

# The crossing fixed effect (periods t, levels 1..T) when the nested one
# (units) and it are both absorbed. A draw's residuals are M_FE(v * u), and
# v * u (v constant within units, u summing to zero within them) projects on
# the fixed effects only through the unit-demeaned period dummies T~:
# P(v * u) = T~ A^+ T'W (v * u), A = T~'W T~ = diag(W_t) - sum_u W_ut W_ut' / W_u.
# The score of cluster c then loses R Q Y_c A^+ U_h v_h for each bootstrap
# cluster h, with Y_c the period sums of w x~ over c (x~ sums to zero
# within units, so X~_c'W T~_c = Y_c) and U_h the period sums of w u over h.
bt_cross_setup <- function(unit, per, T, w) {
  Nu <- max(unit)
  ut <- (unit - 1L) * T + per
  Wut <- matrix(if (is.null(w)) as.double(tabulate(ut, Nu * T))
                else bt_sums(w, NULL, ut, Nu * T),
                Nu, T, byrow = TRUE)                 # units x periods, weights
  A <- if (is.null(w) && all(Wut == 1)) {           # balanced, unweighted
    diag(Nu, T) - Nu / T
  } else {
    diag(colSums(Wut), T) - crossprod(Wut / sqrt(rowSums(Wut)))
  }
  e <- eigen(A, symmetric = TRUE)
  pos <- e$values > max(e$values) * 1e-10
  Ainv <- e$vectors[, pos, drop = FALSE] %*% (t(e$vectors[, pos, drop = FALSE]) / e$values[pos])
  list(per = as.integer(per), T = T, Ainv = Ainv)
}

# Which fixed effects are nested in the clusters `cl` (integer codes)?
bt_nested <- function(fe, nlev, cl) {
  .Call(C_sd_boottest_nested, lapply(fe, as.integer), as.integer(nlev), as.integer(cl))
}

# Dummy columns (one level of each fixed effect left out) as a named list.
bt_dummies <- function(fe, nlev) {
  out <- list()
  for (f in seq_along(fe)) {
    for (l in seq_len(nlev[f])[-1L]) {
      out[[paste0(".fe", f, "_", l)]] <- as.double(fe[[f]] == l)
    }
  }
  out
}

# Integer codes of one or more columns on the fit's sample (their
# intersection when several), with the levels' labels.
bt_codes <- function(fit, vars, arg, obs = fit$obs) {
  data <- fit$data
  check_column(data, vars, arg)
  codes <- lapply(vars, function(v) {
    x <- data[[v]][obs]
    if (anyNA(x)) {
      sd_stop("'", arg, "' column '", v, "' has missing values in the fit's ",
              "sample; refit with cluster = \"", v, "\" to drop those rows")
    }
    group_codes(x)
  })
  out <- codes[[1L]]
  if (length(codes) > 1L) out <- bt_intersect(codes)
  list(code = as.vector(out), G = length(attr(out, "levels")),
       name = paste(vars, collapse = " x "))
}

# Codes of the intersection of several code vectors.
bt_intersect <- function(codes) {
  key <- as.double(codes[[1L]])
  for (cc in codes[-1L]) {
    key <- (key - 1) * length(attr(cc, "levels")) + as.double(cc)
  }
  group_codes(key)
}

# The clusterings of the variance (one, or three with signs for two-way)
# and the bootstrap clustering.
bt_clusters <- function(fit, cluster, bootcluster, obs = fit$obs) {
  cluster <- cluster %||% fit$vcov_info$cluster
  if (is.null(cluster)) {
    sd_stop("'cluster' is needed: the fit's variance is not clustered; name ",
            "one or two columns of the fit's data")
  }
  if (!is.character(cluster) || !length(cluster) %in% 1:2 || anyNA(cluster)) {
    sd_stop("'cluster' must name one or two columns of the fit's data")
  }
  dims <- lapply(cluster, function(v) bt_codes(fit, v, "cluster", obs))
  signs <- 1
  if (length(cluster) == 2L) {
    both <- bt_codes(fit, cluster, "cluster", obs)
    dims <- c(dims, list(both))
    signs <- c(1, 1, -1)
  }
  boot <- if (is.null(bootcluster)) {
    if (length(cluster) == 2L) dims[[3L]] else dims[[1L]]
  } else if (identical(bootcluster, "min")) {
    G <- vapply(dims[seq_along(cluster)], `[[`, 1L, "G")
    dims[[which.min(G)]]
  } else {
    if (!is.character(bootcluster) || !length(bootcluster) || anyNA(bootcluster)) {
      sd_stop("'bootcluster' must be NULL (the intersection of the 'cluster' ",
              "columns), \"min\" or column names of the fit's data")
    }
    bt_codes(fit, bootcluster, "bootcluster", obs)
  }
  G <- vapply(dims[seq_along(cluster)], `[[`, 1L, "G")
  if (min(G) < 2L) sd_stop("'cluster' must have at least two clusters in the fit's sample")
  if (boot$G < 2L) sd_stop("'bootcluster' must have at least two clusters in the fit's sample")
  list(cluster = cluster, dims = dims, signs = signs, boot = boot, G = G)
}

# The small-sample factor and the t distribution's degrees of freedom of the
# fit's rules for these clusters (the fit's own when the clusters are its).
# `model`: the regression tested (the fit, or an event study's model with
# the fit's variance rules).
bt_factor <- function(fit, cl, n, model = fit) {
  vi <- model$vcov_info
  G <- min(cl$G)
  if (identical(vi$type, "cluster") && identical(vi$cluster, cl$cluster)) {
    return(list(factor = vi$factor, df = model$df_t))
  }
  ssc <- fit$args$ssc %||% ssc_rules()
  sp <- sd_subpanel(fit, model$obs)
  codes <- lapply(cl$dims[seq_along(cl$cluster)], `[[`, "code")
  K <- ssc_K(length(model$coefficients), sp$fe, sp$fe_nlev, codes, ssc)
  fac <- (if (ssc$adj) (n - 1) / (n - K) else 1) *
    (if (ssc$cluster_adj) G / (G - 1) else 1)
  df <- switch(ssc$t_df, normal = Inf, residual = n - K, cluster = G - 1)
  list(factor = fac, df = df)
}

# Can every clustering be stored densely (clusters x bootstrap clusters)?
bt_dense_ok <- function(cl) all(vapply(cl$dims, `[[`, 1L, "G") * as.double(cl$boot$G) <= 1e6)

# Sums over groups: G x k, row g = sum_{i in g} X_i v_i.
bt_sums <- function(X, v, code, G) {
  if (!is.matrix(X)) X <- matrix(X)
  .Call(C_sd_boottest_sums, X, v, code, as.integer(G))
}

# The raw (unscaled) clustered variance of R beta with residuals u, from the
# cluster sums of the scores.
bt_rawvar <- function(model, Rm, u, cl, z = model$X %*% (model$Q %*% t(Rm))) {
  w <- model$w
  wu <- if (is.null(w)) u else u * w
  V <- matrix(0, nrow(Rm), nrow(Rm))
  for (d in seq_along(cl$dims)) {
    cd <- cl$dims[[d]]
    s <- bt_sums(z, wu, cd$code, cd$G)             # Gc x m
    V <- V + cl$signs[d] * crossprod(s)
  }
  V
}

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
# effects), u = residuals, Q = (X'WX)^-1, beta, w, n). For a model other
# than the fit itself (an event study's regression), `obs` are its rows of
# the fit's data, `extra` its regressors in place of the treatment (a named
# list of columns on those rows) and `coef_names` its coefficients.
bt_model <- function(fit, boot, nthreads, obs = fit$obs, extra = NULL,
                     coef_names = names(fit$coefficients)) {
  a <- fit$args
  data <- fit$data
  spec <- sd_spec(a$formula, data, a$id, a$time, a$cluster, a$vcov, a$weights,
                  a$fe, a$ssc)
  sp <- sd_subpanel(fit, obs)
  d <- if (is.null(extra)) build_treatment(data, a$time, a$treat, a$cohort)$d[obs]
       else rep(0, length(obs))
  panel <- c(list(obs = obs, d = d, treat_name = fit$treat_name), sp)
  design <- sd_design(data, panel, spec, gather = FALSE)
  X0 <- if (is.null(extra)) design$X else c(extra, design$X[-1L])
  nested <- fe_nested(sp$fe, sp$fe_nlev, list(boot))
  absorb <- sp$fe[nested]
  nlev <- sp$fe_nlev[nested]
  if (!length(absorb)) {               # nothing nested: absorb the constant
    absorb <- list(rep(1L, length(obs)))
    nlev <- 1L
  }
  dums <- bt_dummies(sp$fe[!nested], sp$fe_nlev[!nested])
  X <- c(X0[coef_names], dums)
  D <- .Call(C_sd_demean_yx, design$y, X, absorb, as.integer(nlev), sp$weights,
             1e-13, 100000L, as.integer(nthreads), NULL)
  if (!D$converged) {
    warning("the fixed effects were not absorbed to full precision; results ",
            "may be inaccurate", call. = FALSE)
  }
  ols <- .Call(C_sd_ols_meat, D$X, D$y, sp$weights, 1e-10, NULL, 1L,
               as.integer(nthreads))
  p <- length(coef_names)
  if (!all(ols$keep[seq_len(p)])) {
    sd_stop("the fit's regressors became collinear when the fixed effects not ",
            "nested in 'bootcluster' were added as dummies; choose another ",
            "'bootcluster'")
  }
  keep <- ols$keep
  X <- D$X[, keep, drop = FALSE]
  colnames(X) <- c(coef_names, rep("", sum(keep) - p))
  list(X = X, u = ols$residuals, Q = ols$bread[keep, keep, drop = FALSE],
       beta = ols$coefficients[keep], w = sp$weights, n = length(obs), p = p,
       sp = sp, n_dummies = sum(keep) - p)
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

# Sums over groups: G x k, row g = sum_{i in g} X_i v_i.
bt_sums <- function(X, v, code, G) {
  if (!is.matrix(X)) X <- matrix(X)
  .Call(C_sd_boottest_sums, X, v, code, as.integer(G))
}

# The inputs of the C draws for the rows of Rm (m x k) with residuals U
# (n x m, column j for row j; or n x 1 for all rows): list(A, S, dims) as src/boottest.c reads them.
bt_parts <- function(model, Rm, U, cl) {
  X <- model$X
  w <- model$w
  m <- nrow(Rm)
  k <- ncol(X)
  QR <- model$Q %*% t(Rm)                           # k x m
  Z <- X %*% QR                                     # n x m: X Q R'
  b <- cl$boot
  A <- matrix(0, m, b$G)
  S <- matrix(0, k * m, b$G)
  wu <- if (is.null(w)) U else U * w
  col <- function(j) if (ncol(U) == 1L) 1L else j
  for (j in seq_len(m)) {
    Sj <- bt_sums(X, wu[, col(j)], b$code, b$G)          # Gb x k
    S[(j - 1) * k + seq_len(k), ] <- t(Sj)
    A[j, ] <- Sj %*% QR[, j]
  }
  dims <- vector("list", length(cl$dims))
  for (d in seq_along(cl$dims)) {
    cd <- cl$dims[[d]]
    cell <- bt_intersect(list(structure(cd$code, levels = seq_len(cd$G)),
                              structure(b$code, levels = seq_len(b$G))))
    lev <- attr(cell, "levels") - 1
    cell <- as.vector(cell)
    Mt <- array(0, c(m, k, cd$G))
    cv <- matrix(0, m, length(lev))
    wz <- if (is.null(w)) Z else Z * w
    for (j in seq_len(m)) {
      Mt[j, , ] <- t(bt_sums(X, wz[, j], cd$code, cd$G) %*% model$Q)
      cv[j, ] <- bt_sums(Z[, j], wu[, col(j)], cell, length(lev))
    }
    cc <- as.integer(lev %/% b$G)
    hh <- as.integer(lev %% b$G)
    # dense (every c x h entry, the M part folded in) when that is cheaper
    # per draw than the low-rank form and small
    dense <- cd$G * b$G <= k * (cd$G + b$G) + length(lev) && cd$G * b$G <= 1e6
    if (dense) {
      full <- matrix(0, m, cd$G * b$G)
      pos <- cc * b$G + hh + 1L
      full[, pos] <- cv
      for (j in seq_len(m)) {
        P <- crossprod(matrix(Mt[j, , ], k, cd$G),
                       S[(j - 1) * k + seq_len(k), , drop = FALSE])
        full[j, ] <- full[j, ] - as.vector(t(P))
      }
      cv <- full
      cc <- rep(seq_len(cd$G) - 1L, each = b$G)
      hh <- rep(seq_len(b$G) - 1L, cd$G)
      Mt <- numeric(0)
    }
    dims[[d]] <- list(cd$G, cc, hh, cv, Mt, cl$signs[d], dense)
  }
  list(A = A, S = S, dims = dims)
}

# The raw (unscaled) clustered variance of R beta with residuals u, from the
# cluster sums of the scores.
bt_rawvar <- function(model, Rm, u, cl) {
  w <- model$w
  z <- model$X %*% (model$Q %*% t(Rm))
  wu <- if (is.null(w)) u else u * w
  V <- matrix(0, nrow(Rm), nrow(Rm))
  for (d in seq_along(cl$dims)) {
    cd <- cl$dims[[d]]
    s <- bt_sums(z, wu, cd$code, cd$G)             # Gc x m
    V <- V + cl$signs[d] * crossprod(s)
  }
  V
}

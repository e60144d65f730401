# The staggered-adoption view of a smartdid fit, shared by the
# heterogeneity-robust estimators (bacon(), att_gt(), the Sun-Abraham and
# imputation event studies): each unit's adoption period, the outcome and
# controls on the fit's estimation sample, and small engine wrappers to
# re-estimate regressions with several regressors on part of that sample.

# Adoption periods ("cohorts") per row of the estimation sample, on the
# package's clock (R/clock.R): the calendar value of each unit's adoption
# period, Inf for never-treated units (and cohorts after the last period).
# Always-treated units keep their cohort (at or before their first
# observed period). With a 0/1 `treat` column, the cohort is the first
# period observed with treat = 1 (if a unit's adoption period is missing
# from the sample, a `cohort` column is more accurate), and the treatment
# must stay on once on.
sd_cohorts <- function(fit, unit, tt, D, clock) {
  a <- fit$args
  nu <- max(unit)
  k <- clock_index(clock, tt)
  if (!is.null(a$cohort)) {
    g <- fit$data[[a$cohort]][fit$obs]
    g <- ifelse(sd_never(g), Inf, as.double(g))
    # each row against its unit's first row: linear time (tapply() was the
    # slowest step of the robust estimators at 1M rows)
    gu <- g[match(seq_len(nu), unit)]
    bad <- which(g != gu[unit])
    if (length(bad)) {
      u <- unit[bad[1]]
      two <- sort(c(gu[u], g[bad[1]]))
      sd_stop("the 'cohort' column '", a$cohort, "' must be constant within ",
              "each unit; unit ", u, " has ", two[1], " and ", two[2])
    }
    gu[is.infinite(gu)] <- NA
    cu <- clock_units(clock, unit, k, nu, g = gu)
  } else {
    cu <- clock_units(clock, unit, k, nu, D = D)
    if (cu$n_switch > 0L) {
      off <- which(cu$status[unit] == "switcher" & D != as.numeric(k >= cu$adopt[unit]))
      sd_stop("the treatment '", a$treat, "' turns off again for some units ",
              "(first: unit code ", unit[off[1]], " in period ", format(tt[off[1]]),
              "); these estimators need staggered adoption, where a unit stays ",
              "treated once treated")
    }
  }
  gu <- ifelse(is.na(cu$adopt), Inf, clock_value(clock, cu$adopt))
  list(cohort = gu[unit], always = cu$status == "always")
}

# Everything the robust estimators need from a fit, on its estimation sample.
# `what` names the caller in messages. `all_controls`: keep the controls that
# the fit dropped as collinear (time-invariant covariates absorbed by the unit
# effects, which att_gt() can use). `rel` is each row's relative time on the
# clock (NA for never-treated units): the one every estimator reports.
sd_staggered <- function(fit, what, all_controls = FALSE) {
  check_fit(fit)
  a <- fit$args
  data <- fit$data
  obs <- fit$obs
  tt <- data[[a$time]][obs]
  if (!is.numeric(tt)) {
    sd_stop("the 'time' column '", a$time, "' must be numeric for ", what,
            ", which measures time since adoption in periods")
  }
  tt <- as.double(tt)
  clock <- sd_clock(tt)
  uc <- group_codes(data[[a$id]][obs])
  unit <- as.vector(uc)
  D <- if (!is.null(a$treat)) as.numeric(data[[a$treat]][obs]) else NULL
  if (is.null(D)) {
    g0 <- data[[a$cohort]][obs]
    D <- as.numeric(!sd_never(g0) & tt >= g0)
  }
  co <- sd_cohorts(fit, unit, tt, D, clock)
  g <- co$cohort
  periods <- clock$periods
  N <- length(attr(uc, "levels"))
  gu <- numeric(N)
  gu[unit] <- g
  list(rows = obs, unit = unit, unit_levels = attr(uc, "levels"), n_units = N,
       time = tt, periods = periods, tidx = match(tt, periods), clock = clock,
       rel = clock_rel(clock, tt, g),
       y = as.double(data[[fit$outcome]][obs]), X = sd_controls(fit, all_controls),
       D = D, cohort = g, unit_cohort = gu,
       always = co$always,
       balanced = length(obs) == N * length(periods))
}

# The fit's controls (as estimated, collinear ones removed unless `all`) on
# its sample.
sd_controls <- function(fit, all = FALSE) {
  n <- length(fit$obs)
  if (!length(fit$controls)) return(matrix(0, n, 0L))
  spec <- sd_fit_spec(fit)
  panel <- list(obs = fit$obs, d = numeric(n), treat_name = fit$treat_name)
  X <- sd_design(fit$data, panel, spec)$X[-1L]
  if (!all) X <- X[setdiff(names(X), fit$collinear)]
  if (!length(X)) return(matrix(0, n, 0L))
  M <- matrix(unlist(X, use.names = FALSE), n, length(X))
  colnames(M) <- names(X)
  M
}

# Stop when a fit has features an estimator does not support.
sd_require <- function(fit, what, weights = TRUE, fe = TRUE, controls = FALSE) {
  if (weights && !is.null(fit$args$weights)) {
    sd_stop(what, " supports unweighted fits only; refit without 'weights'")
  }
  if (fe && length(fit$args$fe)) {
    sd_stop(what, " supports unit and period fixed effects only; refit ",
            "without 'fe'")
  }
  if (controls && length(fit$controls)) {
    sd_stop(what, " decomposes the fit without controls; refit with ",
            "update(fit, . ~ 1)")
  }
  invisible(fit)
}

# Fixed-effect and cluster codes of the fit's model on some of its rows
# (`rows` index `fit$data`), for re-estimation on part of the sample. Rows
# of the fit's sample take the codes stored on the fit (sd_fit_panel()),
# renumbered densely in the same order, which is what coding the data on
# those rows gives; other rows (an event study's own sample) are coded from
# the data.
sd_subpanel <- function(fit, rows) {
  pos <- sd_sample_pos(fit, rows)
  if (is.null(pos)) return(sd_subpanel_data(fit, rows))
  pn <- sd_fit_panel(fit)
  whole <- length(pos) == length(fit$obs) && !is.unsorted(pos, strictly = TRUE)
  recode <- function(code) {
    if (whole) return(list(code = code, n = max(0L, code)))
    g <- code_groups(code[pos])
    list(code = g$code, n = length(g$levels))
  }
  fe <- lapply(pn$fe, recode)
  cl <- lapply(unname(pn$cluster), recode)
  data <- fit$data
  lev <- function(v) code_groups(.subset2(data, v)[rows])$levels
  list(fe = lapply(fe, `[[`, "code"), fe_nlev = vapply(fe, `[[`, 1L, "n"),
       unit_levels = lev(fit$args$id), time_levels = lev(fit$args$time),
       cluster = lapply(cl, `[[`, "code"), cluster_G = vapply(cl, `[[`, 1L, "n"),
       cluster_levels = lapply(fit$vcov_info$cluster, lev),
       weights = if (!is.null(pn$weights)) {
         if (whole) pn$weights else as.double(.subset2(data, fit$args$weights)[rows])
       })
}

# Positions of `rows` (rows of fit$data) in the fit's sample, or NULL when
# some are not in it.
sd_sample_pos <- function(fit, rows) {
  if (is.null(fit$panel)) return(NULL)
  inv <- integer(fit$n_input)
  inv[fit$obs] <- seq_along(fit$obs)
  pos <- inv[rows]
  if (anyNA(pos) || any(pos == 0L)) return(NULL)
  pos
}

# sd_subpanel() from the data's columns on `rows`.
sd_subpanel_data <- function(fit, rows) {
  a <- fit$args
  data <- fit$data
  raw <- c(list(data[[a$id]], data[[a$time]]),
           lapply(a$fe, fe_codes, data = data))
  fe <- lapply(raw, function(x) group_codes(x[rows]))
  cl <- lapply(fit$vcov_info$cluster, function(v) group_codes(data[[v]][rows]))
  nlev <- function(x) length(attr(x, "levels"))
  list(fe = lapply(fe, as.vector), fe_nlev = vapply(fe, nlev, 1L),
       unit_levels = attr(fe[[1]], "levels"), time_levels = attr(fe[[2]], "levels"),
       cluster = lapply(cl, as.vector), cluster_G = vapply(cl, nlev, 1L),
       cluster_levels = lapply(cl, attr, "levels"),
       weights = if (is.null(a$weights)) NULL else as.double(data[[a$weights]][rows]))
}

# Least squares of y on the columns of X with the fixed effects of `sp`
# absorbed (the package's C engine), with the fit's variance rules. Columns
# absorbed by the fixed effects or collinear with others are dropped and
# listed, not an error.
sd_fit_matrix <- function(y, X, sp, fit) {
  w <- sp$weights
  cols <- c(list(y), lapply(seq_len(ncol(X)), function(j) X[, j]))
  M <- sd_absorb(cols, sp$fe, sp$fe_nlev, w, fit$args$nthreads %||% 1L,
                 "the robust estimator")
  yd <- M[, 1L]
  Xd <- M[, -1L, drop = FALSE]
  colnames(Xd) <- colnames(X)
  # centred sums of squares without sweep() (its n x k temporaries dominated
  # Sun-Abraham, a column per cohort and period); cancellation in the raw
  # sums only rescales this threshold
  ss_raw <- pmax(colSums(X^2) - nrow(X) * colMeans(X)^2, 0)
  keep <- colSums(Xd^2) > 1e-12 * pmax(ss_raw, .Machine$double.xmin)
  if (!any(keep)) sd_stop("every regressor is absorbed by the fixed effects")
  ols <- .Call(C_sd_ols, Xd[, keep, drop = FALSE], yd, w, 1e-10)
  kept <- which(keep)[ols$keep]
  Xk <- Xd[, kept, drop = FALSE]
  b <- stats::setNames(ols$coefficients[ols$keep], colnames(Xk))
  bread <- ols$bread[ols$keep, ols$keep, drop = FALSE]
  ssc <- fit$args$ssc %||% ssc_rules()
  v <- sd_vcov(Xk, ols$residuals, w, bread, fit$vcov_info$type, sp$cluster,
               sp$cluster_G, sp$fe, sp$fe_nlev, ssc)
  dimnames(v$V) <- list(names(b), names(b))
  n <- length(y)
  df_t <- switch(ssc$t_df, normal = Inf, residual = n - v$K, cluster = v$df)
  list(coefficients = b, vcov = v$V, residuals = ols$residuals, df_t = df_t,
       nobs = n, factor = v$factor, dropped = setdiff(colnames(X), names(b)),
       scores = cluster_scores(Xk, ols$residuals, w, bread, sp, fit, v$factor))
}

# Per-cluster influence of the coefficients when the variance is clustered
# one way: rows = clusters (named by their values), vcov = crossprod(scores)
# (the small-sample factor folded in). NULL for other variance types, whose
# variance is not such a cross-product.
cluster_scores <- function(Xk, e, w, bread, sp, fit, factor) {
  if (!identical(fit$vcov_info$type, "cluster") || length(sp$cluster) != 1L) {
    return(NULL)
  }
  S <- sd_scores(Xk, e, w, bread, sp$cluster, sp$cluster_G, factor)$psi[[1L]]
  rownames(S) <- sp$cluster_levels[[1]][sort(unique(sp$cluster[[1]]))]
  S
}

# Leads and lags arguments: NULL for all available, else whole numbers >= 0.
sd_window <- function(rel, leads, lags) {
  if (!is.null(leads)) check_count(leads, "leads")
  if (!is.null(lags)) check_count(lags, "lags")
  lo <- if (is.null(leads)) -Inf else -leads
  hi <- if (is.null(lags)) Inf else lags
  rel >= lo & rel <= hi
}

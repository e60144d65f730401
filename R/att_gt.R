# Callaway and Sant'Anna (2021) group-time average treatment effects.

#' Group-time average treatment effects (Callaway and Sant'Anna)
#'
#' For every adoption group g (units first treated in period g) and period t,
#' `att_gt()` estimates ATT(g, t), the average effect in period t on the units
#' of group g, by a 2x2 difference-in-differences between group g and a
#' comparison group, from a base period before g (Callaway and Sant'Anna
#' 2021). These estimates are robust to effects that differ across groups and
#' over time, unlike the two-way fixed-effects coefficient. Aggregate them
#' with [att_aggregate()] (or `aggregate()`).
#'
#' Data come from `fit`: its estimation sample, unit and period columns, and
#' adoption periods from its `cohort` column or, with a 0/1 `treat` column,
#' each unit's first treated period (the treatment must stay on once on).
#' The panel must be balanced; units missing some periods are dropped with a
#' warning. Units treated in the first period (or, with anticipation, too
#' early to have an untreated base period) are dropped with a warning, as are
#' cells without comparison units.
#'
#' * `comparison = "never"` compares with units never treated in the sample;
#'   `"notyet"` adds the units not yet treated in both periods of the
#'   comparison (nor within `anticipation` periods of it). Without
#'   never-treated units, `"notyet"` uses the last group to adopt as the
#'   comparison and drops the periods from its adoption (minus
#'   `anticipation`) on, as the did package does.
#' * `base_period = "varying"` (the default, as in the did package) compares
#'   each pre-treatment period with the period just before it, and every
#'   post-treatment period with the last period before g - anticipation;
#'   `"universal"` uses that last period for all, and reports ATT(g, g-1-
#'   anticipation) = 0 with a missing standard error.
#' * `adjust`: `"none"` (differences of mean changes), `"or"` (outcome
#'   regression) or `"dr"` (doubly robust, Sant'Anna and Zhao 2020, with a
#'   logit propensity score; comparison units with a score above 0.995 are
#'   trimmed). The covariates are the fit's controls, taken in the earlier of
#'   the two periods of each comparison (the base period, except for the
#'   pre-periods of `base_period = "universal"`), as the did package does.
#'   The default is `"dr"` when the fit has controls, `"none"` otherwise.
#'
#' Standard errors come from the influence functions of the estimates,
#' clustered by unit (or by the fit's cluster variable when it is constant
#' within units): `sqrt(sum_c (sum_{i in c} psi_i)^2) / n` over n units.
#' With `bootstrap = TRUE`, a multiplier bootstrap (in C, with Mammen's or
#' Rademacher weights drawn per cluster) gives the standard errors
#' (interquartile range of the draws over that of the normal) and a
#' simultaneous confidence band over all cells (the `level` quantile of the
#' largest studentised deviation); set `seed` to make it reproducible.
#' Otherwise the intervals are pointwise normal ones.
#'
#' @param fit A [smartdid()] fit (unweighted, unit and period fixed effects).
#' @param comparison `"never"` or `"notyet"`: the comparison units (formerly
#'   `control`).
#' @param adjust How the fit's controls enter: `NULL` (the default), `"none"`,
#'   `"or"` or `"dr"` (formerly `covariates`).
#' @param base_period `"varying"` or `"universal"`.
#' @param anticipation Periods of anticipation (a whole number >= 0).
#' @param bootstrap Use the multiplier bootstrap for standard errors and a
#'   uniform confidence band.
#' @param draws Bootstrap draws (formerly `biters`).
#' @param level Confidence level.
#' @param seed `NULL` or a seed for [set.seed()] before the bootstrap; the
#'   session's random stream is left as it was.
#' @param multiplier `"mammen"` or `"rademacher"` bootstrap weights.
#' @param ... Not used; an error if given.
#' @param control,covariates,biters Deprecated names of `comparison`,
#'   `adjust` and `draws` (still accepted, with a message).
#' @return An object of class `smartdid_att_gt`: a list with `estimates`
#'   (group, time, estimate, std.error, statistic, p.value, conf.low,
#'   conf.high, base period, post), the influence functions `psi` (units by
#'   cells), the critical value `crit` of the band, and the settings.
#'   Methods: `print()`, `generics::tidy()`, `plot()`, `aggregate()`.
#' @references Callaway, B. and Sant'Anna, P. H. C. (2021).
#'   Difference-in-differences with multiple time periods. Journal of
#'   Econometrics 225(2), 200-230. Sant'Anna, P. H. C. and Zhao, J. (2020).
#'   Doubly robust difference-in-differences estimators. Journal of
#'   Econometrics 219(1), 101-122.
#' @examples
#' d <- expand.grid(unit = 1:60, year = 2001:2008)
#' d$first <- c(2004, 2006, NA)[d$unit %% 3 + 1]
#' d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
#' set.seed(2)
#' d$y <- ifelse(d$D == 1, d$year - d$first + 1, 0) + d$unit / 20 + rnorm(nrow(d))
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first")
#' at <- att_gt(fit, bootstrap = FALSE)
#' tidy(at)
#' att_aggregate(at, "dynamic")
#' @export
att_gt <- function(fit, comparison = c("never", "notyet"), adjust = NULL,
                   base_period = c("varying", "universal"), anticipation = 0,
                   bootstrap = TRUE, draws = 999, level = 0.95, seed = NULL,
                   multiplier = c("mammen", "rademacher"), ..., control = NULL,
                   covariates = NULL, biters = NULL) {
  check_no_dots("att_gt()", ...)
  check_fit(fit)
  # renamed arguments (R/deprecated.R); the body keeps the old local names
  control <- sd_renamed(comparison, control, "comparison", "control", "att_gt",
                        !missing(comparison))
  control <- sd_match_arg(control, c("never", "notyet"), "comparison")
  covariates <- sd_renamed(adjust, covariates, "adjust", "covariates", "att_gt",
                           !missing(adjust))
  biters <- sd_renamed(draws, biters, "draws", "biters", "att_gt", !missing(draws))
  check_seed(seed)
  base_period <- match.arg(base_period)
  multiplier <- match.arg(multiplier)
  covariates <- covariates %||% if (length(fit$controls)) "dr" else "none"
  if (!is.character(covariates) || length(covariates) != 1L ||
      !covariates %in% c("none", "or", "dr")) {
    sd_stop("'adjust' must be \"none\", \"or\" or \"dr\"")
  }
  if (covariates != "none" && !length(fit$controls)) {
    sd_stop("'adjust' = \"", covariates, "\" needs a fit with controls; ",
            "add them to the formula or use adjust = \"none\"")
  }
  anticipation <- check_count(anticipation, "anticipation")
  check_flag(bootstrap, "bootstrap")
  biters <- check_count(biters, "draws", min = 1)
  check_level(level)
  sd_require(fit, "att_gt()")
  # anticipation counts periods of the clock; the cells compare period values
  ant <- anticipation * clock_step(fit)
  pan <- cs_panel(fit, control, ant)
  cells <- cs_cells(pan, control, base_period, ant)
  if (!nrow(cells)) sd_stop("att_gt() found no group-time cell to estimate")
  K <- nrow(cells)
  N <- pan$n_units
  att <- rep(NA_real_, K)
  psi <- matrix(0, N, K)
  no_control <- 0L
  for (k in seq_len(K)) {
    if (cells$time[k] == cells$base[k]) {      # universal base period itself
      att[k] <- 0
      next
    }
    sel <- cs_select(pan, cells[k, ], control, ant)
    if (!any(sel$control)) {
      no_control <- no_control + 1L
      next
    }
    use <- sel$treated | sel$control
    ti <- cells$ti[k]
    bi <- cells$bi[k]
    dy <- pan$Y[use, ti] - pan$Y[use, bi]
    X <- if (covariates == "none") NULL else cbind(1, pan$X[use, , min(ti, bi)])
    r <- did2x2(dy, as.numeric(sel$treated[use]), X, covariates)
    att[k] <- r$att
    psi[use, k] <- (N / sum(use)) * r$psi
  }
  if (no_control) {
    warning(no_control, " group-time cell(s) have no comparison units and are ",
            "not estimated", call. = FALSE)
  }
  se <- cs_se(psi, pan$cluster)
  se[is.na(att)] <- NA
  boot <- NULL
  if (bootstrap) {
    boot <- with_seed(seed, cs_bootstrap(psi, pan$cluster, biters, multiplier, level, N))
    se <- boot$se
  }
  crit <- if (bootstrap) boot$crit else stats::qnorm(1 - (1 - level) / 2)
  inf <- sd_infer(att, se, level, crit = crit)
  est <- cbind(data.frame(group = cells$group, time = cells$time), inf,
               data.frame(base = cells$base, post = cells$time >= cells$group))
  structure(list(estimates = est, psi = psi, crit = unname(crit),
                 se_analytic = cs_se(psi, pan$cluster), cluster = pan$cluster,
                 unit_cohort = pan$cohort, n_units = N, nobs = N * pan$n_periods,
                 clock = pan$clock,
                 dropped_units = pan$dropped,
                 params = list(control = control, covariates = covariates,
                               base_period = base_period,
                               anticipation = anticipation, bootstrap = bootstrap,
                               biters = biters, level = level,
                               multiplier = multiplier),
                 outcome = fit$outcome),
            class = "smartdid_att_gt")
}

# Balanced unit-by-period matrices of the outcome and controls, cohorts per
# unit, clusters per unit.
cs_panel <- function(fit, control, anticipation) {
  st <- sd_staggered(fit, "att_gt()", all_controls = TRUE)
  periods <- st$periods
  T <- length(periods)
  cnt <- tabulate(st$unit, st$n_units)
  keep_u <- cnt == T
  dropped <- c(unbalanced = sum(!keep_u), always_treated = 0L)
  if (!all(keep_u)) {
    warning(sum(!keep_u), " unit(s) not observed in every period dropped to ",
            "balance the panel", call. = FALSE)
  }
  early <- keep_u & st$unit_cohort - anticipation <= periods[1]
  if (any(early)) {
    warning(sum(early), " unit(s) treated in the first period (or too early ",
            "for an untreated base period) dropped", call. = FALSE)
    dropped[["always_treated"]] <- sum(early)
    keep_u <- keep_u & !early
  }
  g <- st$unit_cohort
  last_period <- Inf
  if (!any(keep_u & is.infinite(g))) {
    if (control == "never") {
      sd_stop("there are no never-treated units; use comparison = \"notyet\"")
    }
    gmax <- max(g[keep_u])
    last_period <- gmax - anticipation
    g[g == gmax] <- Inf
  }
  rows <- keep_u[st$unit] & st$time < last_period
  unit_new <- cumsum(keep_u)[st$unit[rows]]
  periods <- periods[periods < last_period]
  ti <- match(st$time[rows], periods)
  N <- sum(keep_u)
  Tn <- length(periods)
  Y <- matrix(NA_real_, N, Tn)
  Y[cbind(unit_new, ti)] <- st$y[rows]
  k <- ncol(st$X)
  X <- array(NA_real_, c(N, max(k, 1L), Tn))
  for (j in seq_len(k)) X[, j, ][cbind(unit_new, ti)] <- st$X[rows, j]
  cohort <- g[keep_u]
  if (!any(is.finite(cohort) & cohort <= max(periods))) {
    sd_stop("att_gt() found no treated group with a period to estimate")
  }
  list(Y = Y, X = X[, seq_len(k), , drop = FALSE], cohort = cohort,
       periods = periods, n_units = N, n_periods = Tn,
       cluster = cs_cluster(fit, st, keep_u), dropped = dropped, clock = st$clock)
}

# Cluster codes per unit: the fit's cluster variable when it is constant
# within units, the unit otherwise.
cs_cluster <- function(fit, st, keep_u) {
  vi <- fit$vcov_info
  if (!identical(vi$type, "cluster") || identical(vi$cluster, fit$args$id)) {
    return(seq_len(sum(keep_u)))
  }
  if (length(vi$cluster) > 1L) {
    sd_stop("att_gt() clusters by one variable; refit with one 'cluster'")
  }
  cl <- fit$data[[vi$cluster]][st$rows]
  first <- match(seq_len(st$n_units), st$unit)
  if (any(cl != cl[first][st$unit])) {
    sd_stop("att_gt() needs a cluster variable constant within units; '",
            vi$cluster, "' varies within units")
  }
  as.vector(group_codes(cl[first][keep_u]))
}

# The group-time cells with their base periods (values and column indices).
cs_cells <- function(pan, control, base_period, anticipation) {
  periods <- pan$periods
  T <- length(periods)
  groups <- sort(unique(pan$cohort[is.finite(pan$cohort)]))
  groups <- groups[groups <= max(periods)]
  trange <- if (base_period == "varying") seq_len(T)[-1L] else seq_len(T)
  out <- list()
  for (g in groups) {
    gb <- max(which(periods + anticipation < g))
    for (ti in trange) {
      post <- periods[ti] >= g
      bi <- if (base_period == "universal" || post) gb else ti - 1L
      out[[length(out) + 1L]] <- c(g, periods[ti], periods[bi], ti, bi)
    }
  }
  m <- do.call(rbind, out)
  if (is.null(m)) m <- matrix(numeric(0), 0, 5)
  data.frame(group = m[, 1], time = m[, 2], base = m[, 3],
             ti = as.integer(m[, 4]), bi = as.integer(m[, 5]))
}

# Treated and comparison units of one cell.
cs_select <- function(pan, cell, control, anticipation) {
  g <- pan$cohort
  treated <- g == cell$group
  later <- max(cell$time, cell$base)
  comp <- if (control == "never") is.infinite(g) else
    is.infinite(g) | (g > later + anticipation & g != cell$group)
  list(treated = treated, control = comp)
}

# Analytic standard errors from influence functions (units x estimates),
# summed within clusters.
cs_se <- function(psi, cluster) {
  N <- nrow(psi)
  S <- if (length(unique(cluster)) == N) psi else rowsum(psi, cluster)
  se <- sqrt(colSums(S^2)) / N
  se[se <= sqrt(.Machine$double.eps) * 10] <- NA
  se
}

# Multiplier bootstrap (C): bootstrap standard errors and the critical value
# of a simultaneous band over the columns of psi.
cs_bootstrap <- function(psi, cluster, biters, multiplier, level, N) {
  S <- if (length(unique(cluster)) == N) psi else rowsum(psi, cluster)
  S <- S * (nrow(S) / N)
  draws <- .Call(C_sd_mboot, S, as.integer(biters),
                 if (multiplier == "mammen") 1L else 2L)
  q <- function(b, p) stats::quantile(b, p, type = 1, names = FALSE)
  se <- apply(draws, 2L, function(b) (q(b, 0.75) - q(b, 0.25))) /
    (stats::qnorm(0.75) - stats::qnorm(0.25))
  se[se <= sqrt(.Machine$double.eps) * 10] <- NA
  ok <- !is.na(se)
  crit <- stats::qnorm(1 - (1 - level) / 2)
  if (sum(ok) > 1L) {
    tmax <- apply(abs(sweep(draws[, ok, drop = FALSE], 2L, se[ok], "/")), 1L, max)
    crit <- q(tmax, level)
  }
  list(se = se, crit = crit, draws = draws)
}

#' @rdname att_gt
#' @param x A `smartdid_att_gt` object.
#' @export
tidy.smartdid_att_gt <- function(x, ...) {
  x$estimates[, c("group", "time", "estimate", "std.error", "statistic",
                  "p.value", "conf.low", "conf.high")]
}

#' @rdname att_gt
#' @param digits Digits to print.
#' @export
print.smartdid_att_gt <- function(x, digits = 4, ...) {
  p <- x$params
  cat("Group-time average treatment effects (Callaway and Sant'Anna)\n")
  cat("Outcome: ", x$outcome, "   units: ", x$n_units, "   comparison: ",
      if (p$control == "never") "never treated" else "not yet treated",
      "   covariates: ", p$covariates, "\n", sep = "")
  cat("Base period: ", p$base_period, "   anticipation: ", p$anticipation,
      "\nStd. errors: ", if (p$bootstrap) paste0("multiplier bootstrap (",
      p$biters, " draws); ", 100 * p$level, "% simultaneous band (critical value ",
      fmt_num(x$crit, 3), ")") else paste0("analytic (influence function); ",
      100 * p$level, "% pointwise intervals"), "\n\n", sep = "")
  e <- x$estimates
  tab <- data.frame(Group = e$group, Time = e$time,
                    ATT = fmt_num(e$estimate, digits),
                    `Std. Error` = fmt_num(e$std.error, digits),
                    `Conf. low` = fmt_num(e$conf.low, digits),
                    `Conf. high` = fmt_num(e$conf.high, digits),
                    check.names = FALSE)
  print(tab, row.names = FALSE)
  invisible(x)
}

#' @rdname att_gt
#' @param main,xlab,ylab Title and axis labels.
#' @return `plot()`: the plotted estimates (invisibly), one panel row per
#'   group: estimates by period with their intervals, pre-treatment periods
#'   in grey.
#' @export
plot.smartdid_att_gt <- function(x, main = "ATT(g, t)", xlab = "Period",
                                 ylab = "Estimate", ...) {
  e <- x$estimates
  groups <- unique(e$group)
  off <- (match(e$group, groups) - (length(groups) + 1) / 2) * 0.08
  ylim <- range(c(e$conf.low, e$conf.high, 0), na.rm = TRUE)
  graphics::plot(e$time + off, e$estimate, type = "n", ylim = ylim,
                 xlab = xlab, ylab = ylab, main = main, ...)
  graphics::abline(h = 0, lty = 2, col = "grey")
  col <- ifelse(e$post, "black", "grey50")
  pch <- 15 + (match(e$group, groups) - 1) %% 6
  graphics::segments(e$time + off, e$conf.low, e$time + off, e$conf.high, col = col)
  graphics::points(e$time + off, e$estimate, pch = pch, col = col)
  graphics::legend("topleft", legend = paste("group", groups),
                   pch = 15 + (seq_along(groups) - 1) %% 6, bty = "n", cex = 0.8)
  invisible(e)
}

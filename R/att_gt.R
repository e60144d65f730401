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
#' Data come from `fit`: its estimation sample, unit and period columns,
#' weights, and adoption periods from its `cohort` column or, with a 0/1
#' `treat` column, each unit's first treated period (the treatment must stay
#' on once on; in an unbalanced panel a `cohort` column is safer, since a
#' unit missing its first treated period would be dated late). Or `fit` is a
#' [cs_data()] description, which also covers repeated cross-sections.
#'
#' * A balanced panel compares outcome changes of units (did's panel
#'   estimators).
#' * An unbalanced panel (units missing some periods) is kept, as did's
#'   `allow_unbalanced_panel = TRUE` does: each cell compares the rows
#'   observed in its two periods with the repeated cross-section estimators,
#'   and the influence functions are summed by unit, so that units observed
#'   in both periods count once. `allow_unbalanced = FALSE` instead drops the
#'   units missing a period (did's default) with a warning.
#' * Repeated cross-sections (a [cs_data()] without `id`, or with an `id`
#'   that never repeats): every row is its own unit (did's `panel = FALSE`).
#'
#' Units treated in the first period (or, with anticipation, too early to
#' have an untreated base period) are dropped with a warning, as are cells
#' without comparison (or treated) observations in one of their periods.
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
#' Sampling weights (the fit's `weights`, or `cs_data(weights = )`, did's
#' `weightsname`) enter every mean, regression and propensity score of the
#' 2x2 comparisons (rescaled to mean 1 within each), and the group shares of
#' [att_aggregate()].
#'
#' Standard errors come from the influence functions of the estimates,
#' clustered by unit (or by the fit's cluster variable when it is constant
#' within units, i.e. at or above the unit): `sqrt(sum_c (sum_{i in c}
#' psi_i)^2) / n` over n units. For repeated cross-sections the unit is the
#' row, and any cluster variable is allowed.
#' With `bootstrap = TRUE`, a multiplier bootstrap (in C, with Mammen's or
#' Rademacher weights drawn per cluster) gives the standard errors
#' (interquartile range of the draws over that of the normal) and a
#' simultaneous confidence band over all cells (the `level` quantile of the
#' largest studentised deviation); set `seed` to make it reproducible.
#' Otherwise the intervals are pointwise normal ones.
#'
#' @param fit A [smartdid()] fit (unit and period fixed effects, weighted or
#'   not) or a [cs_data()] description.
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
#' @param allow_unbalanced Keep units missing some periods (the default)
#'   rather than dropping them.
#' @param outcomes `NULL` (the fit's outcome) or names of outcome columns of
#'   the fit's data: all are estimated in one pass that shares the groups,
#'   comparison sets and propensity scores, and a named list of results (one
#'   per outcome) is returned.
#' @param ... Not used; an error if given (for `[[`, the arguments of the
#'   default method, such as `exact`).
#' @param control,covariates,biters Deprecated names of `comparison`,
#'   `adjust` and `draws` (still accepted, with a message).
#' @return An object of class `smartdid_att_gt` (a named list of them with
#'   several outcomes): a list with `estimates`
#'   (group, time, estimate, std.error, statistic, p.value, conf.low,
#'   conf.high, base period, post), the influence functions `psi` (units by
#'   cells, summed within units; stored in a compact form and expanded to
#'   the matrix when read as `x$psi` or `x[["psi"]]`), the critical value
#'   `crit` of the band,
#'   `data_type` (`"panel"`, `"unbalanced"` or `"rcs"`), `n_units`, `nobs`,
#'   `unit_weights`, and the settings.
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
                   multiplier = c("mammen", "rademacher"),
                   allow_unbalanced = TRUE, outcomes = NULL, ..., control = NULL,
                   covariates = NULL, biters = NULL) {
  check_no_dots("att_gt()", ...)
  long <- cs_long(fit, outcomes)
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
  covariates <- covariates %||% if (ncol(long$X)) "dr" else "none"
  if (!is.character(covariates) || length(covariates) != 1L ||
      !covariates %in% c("none", "or", "dr")) {
    sd_stop("'adjust' must be \"none\", \"or\" or \"dr\"")
  }
  if (covariates != "none" && !ncol(long$X)) {
    sd_stop("'adjust' = \"", covariates, "\" needs a fit with controls; ",
            "add them to the formula or use adjust = \"none\"")
  }
  anticipation <- check_count(anticipation, "anticipation")
  check_flag(bootstrap, "bootstrap")
  check_flag(allow_unbalanced, "allow_unbalanced")
  biters <- check_count(biters, "draws", min = 1)
  check_level(level)
  # anticipation counts periods of the clock; the cells compare period values
  step <- long$clock$spacing
  ant <- anticipation * if (is.na(step)) 1 else step
  pan <- cs_panel(long, control, ant, allow_unbalanced)
  cells <- cs_cells(pan, control, base_period, ant)
  if (!nrow(cells)) sd_stop("att_gt() found no group-time cell to estimate")
  est <- cs_estimate(pan, cells, control, ant, covariates, compact = TRUE)
  if (est$no_control) {
    warning(est$no_control, " group-time cell(s) have no comparison (or no ",
            "treated) observations in one of their periods and are not ",
            "estimated", call. = FALSE)
  }
  params <- list(control = control, covariates = covariates,
                 base_period = base_period, anticipation = anticipation,
                 bootstrap = bootstrap, biters = biters, level = level,
                 multiplier = multiplier, weighted = pan$weighted)
  out <- with_seed(seed, lapply(seq_along(long$outcome), function(j) {
    cs_result(est$att[, j], est$psi[[j]], cells, pan, params, long$outcome[j],
              ss = est$ss[, j])
  }))
  if (is.null(outcomes) && length(out) == 1L) return(out[[1L]])
  stats::setNames(out, long$outcome)
}

# One outcome's smartdid_att_gt object: standard errors (analytic or
# multiplier bootstrap) and intervals of its ATT(g, t). psi: the influence
# functions (units x cells) or their implicit form (cs_psi()); ss: NULL or
# the sums of squares of their cluster sums, when the kernel computed them.
cs_result <- function(att, psi, cells, pan, params, outcome, ss = NULL) {
  level <- params$level
  se_an <- if (is.null(ss)) cs_se(psi, pan$cluster) else cs_se_ss(ss, pan$n_units)
  se_an[is.na(att)] <- NA
  se <- se_an
  crit <- stats::qnorm(1 - (1 - level) / 2)
  if (params$bootstrap) {
    boot <- cs_bootstrap(cs_psi(psi), pan$cluster, params$biters, params$multiplier,
                         level, pan$n_units)
    se <- boot$se
    crit <- boot$crit
  }
  inf <- sd_infer(att, se, level, crit = crit)
  est <- cbind(data.frame(group = cells$group, time = cells$time), inf,
               data.frame(base = cells$base, post = cells$time >= cells$group))
  structure(list(estimates = est, psi = psi, crit = unname(crit),
                 se_analytic = se_an, cluster = pan$cluster,
                 unit_cohort = pan$cohort, unit_weights = pan$unit_weights,
                 n_units = pan$n_units, nobs = pan$nobs, data_type = pan$mode,
                 clock = pan$clock, dropped_units = pan$dropped, params = params,
                 outcome = outcome),
            class = "smartdid_att_gt")
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

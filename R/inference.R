# The inference columns of the package, written once: statistic, p-value
# and confidence limits from estimates and standard errors, on a t
# distribution with `df` degrees of freedom (df = Inf: normal). Used by
# att_gt(), att_aggregate(), every event-study estimator (es_build(),
# es_fill_stats()) and tidy() of event studies at another level.

# `reference`: rows normalised to zero (estimate 0, no standard error),
# whose limits are 0 rather than NA. `crit`: a critical value replacing the
# pointwise quantile (simultaneous bands).
sd_infer <- function(est, se, level, df = Inf, reference = NULL, crit = NULL) {
  stat <- est / se
  q <- crit %||% stats::qt(1 - (1 - level) / 2, df)
  out <- data.frame(estimate = est, std.error = se, statistic = stat,
                    p.value = 2 * stats::pt(-abs(stat), df),
                    conf.low = est - q * se, conf.high = est + q * se)
  if (!is.null(reference)) out$conf.low[reference] <- out$conf.high[reference] <- 0
  out
}

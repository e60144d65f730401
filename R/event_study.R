#' Event study: dynamic effects around adoption and a pre-trend test
#'
#' Re-estimates a [smartdid()] model with one dummy per period relative to
#' each unit's adoption in place of the treatment dummy, keeping its
#' controls, fixed effects, weights, subset and variance rules. Never-treated
#' units are the comparison group (all their dummies are zero); the
#' reference period(s) are omitted, so every coefficient is measured against
#' them.
#'
#' **Relative time** is the same for every estimator: it counts periods of
#' the panel's own calendar (R/clock.R). A numeric time column has a
#' spacing, the step of which every difference between observed periods is
#' a multiple (1 for yearly data, 2 for a panel observed every second year:
#' there, relative time -1 is the observation two years before adoption);
#' a period missing from the whole panel is still a period of the calendar,
#' so relative time skips it rather than joining its neighbours. Dates and
#' factors are counted in observed positions (a factor's periods in the
#' order of its levels); a character time column is refused, its
#' alphabetical order not being that of the periods. The clock is stated in
#' `es$info$clock` (periods, spacing). The adoption period is each unit's
#' first row with the treatment equal to 1 (fits with `treat`), or the
#' first period on or after its cohort value (fits with `cohort`; `NA`, 0
#' and `Inf` mean never treated; a cohort after the last period counts as
#' never treated, with a message).
#'
#' **Units set aside, with a message.** Units treated in every period in
#' which they are observed (always-treated: their adoption is not observed)
#' are dropped. Units whose treatment switches off are dropped by default
#' (`switchers = "drop"`); `switchers = "first"` keeps them with event time
#' counted from their first adoption, whatever happens later.
#'
#' **End points.** With `bin = TRUE` (the default) periods before `-leads`
#' are pooled into the `-leads` dummy and periods after `lags` into the
#' `lags` dummy; with `bin = FALSE` those rows of treated units are dropped.
#' To reproduce the study's Table 1 (dummies -7 to 8 with the periods before
#' -7 as the omitted base) use `leads = 8, ref = -8`.
#'
#' **Summaries.** `es$pretest` is the joint Wald test that all pre-period
#' coefficients (other than the reference) are zero, `F = W / q` with
#' `W = b' V^-1 b` from the fit's variance, on `q` and the fit's t degrees
#' of freedom (G - 1 when clustering). `es$overall` is the mean of the
#' post-period coefficients (relative time 0 and later) with its standard
#' error `sqrt(a' V a)`, `a = 1/m`.
#'
#' @param fit A [smartdid()] fit.
#' @param leads,lags Number of periods before and after adoption with their
#'   own dummy (relative times `-leads` to `lags`); at most the number of
#'   periods minus one (or 8, whichever is larger).
#' @param ref Reference period(s): relative times whose dummies are omitted,
#'   within `-leads` to `lags`.
#' @param bin Pool the periods beyond the window into the end dummies
#'   (`TRUE`) or drop them (`FALSE`).
#' @param estimator The name of a registered estimator (the registry and
#'   the contract are in `R/estimators.R`): `"twfe"`, the two-way
#'   fixed-effects regression on relative-time dummies; or a heterogeneity-robust estimator for
#'   staggered adoption: `"cs"` (Callaway and Sant'Anna, see [att_gt()];
#'   pass `comparison = "notyet"` for not-yet-treated comparisons), `"sunab"`
#'   (Sun and Abraham's interaction-weighted estimator) or `"imputation"`
#'   (Borusyak, Jaravel and Spiess). The robust estimators report relative
#'   times `-leads` to `lags` without binning (`ref`, `bin` and `switchers`
#'   apply to `"twfe"` only), and their `overall` is the simple ATT (`"cs"`),
#'   the cohort-share-weighted ATT (`"sunab"`) or the static ATT
#'   (`"imputation"`).
#' @param level Confidence level of the intervals.
#' @param switchers `"drop"` or `"first"`: what to do with units whose
#'   treatment switches off (see Details).
#' @param ... Passed to the estimator: for `"cs"`, arguments of [att_gt()]
#'   such as `comparison` (`"never"` or `"notyet"`), `adjust`, `base_period`
#'   or `bootstrap`; for `"sunab"`, `comparison` (`"auto"`, `"never"` or
#'   `"last"`); none are used by `"twfe"`. The older name `control` of
#'   `comparison` still works, with a message.
#' @return An object of class `smartdid_es` (see [new_event_study()]):
#'   `estimates` (one row per relative time, the reference rows with
#'   estimate 0 and `NA` standard error), `overall`, `pretest`, `vcov`,
#'   `nobs`, `df`, `level`, `estimator`, `model` (the underlying regression,
#'   a `smartdid` fit whose coefficients include the controls), `fit`,
#'   `info` (with `clock`: the periods and their spacing), `influence`
#'   (influence functions, where the estimator has them: per unit or
#'   cluster for `"cs"`, `"imputation"`, `"dcdh"` and a one-way clustered
#'   `"sunab"`; for `"twfe"` with a clustered variance, per cluster from its
#'   regression,
#'   `sqrt(factor) (X'WX)^-1 sum_g x_i w_i e_i`, so that `crossprod(psi)`
#'   is `vcov`; with two-way clustering, the clusters of each variable and
#'   of their intersections stacked, with `sign` +1, +1, -1, so that
#'   `crossprod(psi, sign * psi)` is `vcov`; `NULL` for an iid or HC1
#'   variance) and
#'   `overall_weights` (the weights of the rows in `overall`). Methods: `print`, `generics::tidy`, `generics::glance`, `coef`,
#'   `vcov`, `nobs`, `plot`; see also [es_plot_data()] and [es_table()].
#' @seealso [shift_timing()] for the counterfactual-timing test.
#' @examples
#' set.seed(2)
#' d <- expand.grid(year = 2001:2012, unit = 1:60)
#' d$first <- ifelse(d$unit <= 30, 2005 + d$unit %% 4, NA)
#' d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
#' d$x <- rnorm(nrow(d))
#' rel <- ifelse(is.na(d$first), -99, d$year - d$first)
#' d$y <- 0.1 * pmax(rel + 1, 0) * d$D + 0.3 * d$x + d$unit / 20 + rnorm(nrow(d))
#' fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D")
#' es <- event_study(fit, leads = 4, lags = 5)
#' es
#' es$overall
#' plot(es)
#' @export
event_study <- function(fit, leads = 7, lags = 8, ref = -1, bin = TRUE,
                        estimator = "twfe", level = 0.95,
                        switchers = c("drop", "first"), ...) {
  check_fit(fit)
  leads <- check_count(leads, "leads")
  lags <- check_count(lags, "lags")
  check_flag(bin, "bin")
  check_level(level)
  switchers <- sd_match_arg(switchers, c("drop", "first"), "switchers")
  if (!is.numeric(ref) || length(ref) == 0L || anyNA(ref) || any(ref != round(ref)) ||
      any(ref < -leads | ref > lags)) {
    sd_stop("'ref' must be one or more whole numbers between -leads and lags ",
            "(here ", -leads, " and ", lags, "), such as -1")
  }
  ref <- sort(unique(as.numeric(ref)))
  if (length(ref) == leads + lags + 1L) {
    sd_stop("'ref' leaves no relative period to estimate; widen 'leads' or 'lags'")
  }
  entry <- es_estimator(estimator)
  # each estimator gets the common arguments it declares (see R/estimators.R)
  common <- list(leads = leads, lags = lags, ref = ref, bin = bin, level = level,
                 switchers = switchers)
  common <- common[names(common) %in% names(formals(entry$fun))]
  es <- do.call(entry$fun, c(list(fit), common, list(...)))
  es$call <- match.call()
  es
}

# Names of the relative-time regressors (and tidy()'s term column).
es_term <- function(k) paste0("rel::", k)

#' Statistics, pre-trend test and overall effect for event-study estimates
#'
#' Helpers for [new_event_study()]. `es_fill_stats()` adds `statistic`,
#' `p.value`, `conf.low`, `conf.high` from `estimate` and `std.error` with a
#' t distribution on `df` degrees of freedom. `es_pretest()` is the joint
#' Wald test that the estimated pre-period coefficients (negative relative
#' time, not reference) are zero: `W = b' V^-1 b`, `F = W / q` on `q` and
#' `df` degrees of freedom (`q` = the rank of `V`'s block, normally the number
#' of coefficients). `es_overall()` is the mean of the post-period
#' coefficients (relative time >= 0) with standard error `sqrt(a' V a)`.
#'
#' @param estimates Event-study estimates with `rel_time`, `estimate`,
#'   `std.error` (and `reference` or reference rows with `NA` std.error).
#' @param vcov Variance matrix of the estimated coefficients, with names
#'   `es_term(rel_time)` such as `"rel::-2"`.
#' @param df Degrees of freedom (`Inf` for the normal distribution).
#' @param level Confidence level.
#' @return `es_fill_stats()`: `estimates` with the columns added.
#'   `es_pretest()`: a list with `statistic` (F), `df1`, `df2`, `p.value`,
#'   `wald` (W) and `rel_time` (the periods tested), or `NULL` when no
#'   pre-period coefficient is estimated. `es_overall()`: a one-row data
#'   frame with `estimate`, `std.error`, `statistic`, `p.value`, `conf.low`,
#'   `conf.high`, `n_periods`.
#' @examples
#' est <- data.frame(rel_time = -2:1, estimate = c(0.1, 0, 0.5, 0.7),
#'                   std.error = c(0.2, NA, 0.2, 0.25))
#' est <- es_fill_stats(est, df = 40)
#' V <- diag(c(0.2, 0.2, 0.25)^2)
#' dimnames(V) <- rep(list(c("rel::-2", "rel::0", "rel::1")), 2)
#' es_pretest(est, V, df = 40)
#' es_overall(est, V, df = 40)
#' @export
es_fill_stats <- function(estimates, df = Inf, level = 0.95) {
  check_es_columns(estimates, c("estimate", "std.error"))
  b <- estimates$estimate
  se <- estimates$std.error
  inf <- sd_infer(b, se, level, df, reference = !is.na(b) & b == 0 & is.na(se))
  estimates[c("statistic", "p.value", "conf.low", "conf.high")] <-
    inf[c("statistic", "p.value", "conf.low", "conf.high")]
  estimates
}

check_es_columns <- function(estimates, need) {
  if (!is.data.frame(estimates) || !all(need %in% names(estimates))) {
    sd_stop("'estimates' must be a data frame with columns ",
            paste(need, collapse = ", "))
  }
}

# Rows of estimated (non-reference, non-NA) coefficients.
es_estimated <- function(estimates) {
  ref <- if ("reference" %in% names(estimates)) estimates$reference else
    !is.na(estimates$estimate) & estimates$estimate == 0 & is.na(estimates$std.error)
  !ref & !is.na(estimates$estimate) & !is.na(estimates$std.error)
}

#' @rdname es_fill_stats
#' @export
es_pretest <- function(estimates, vcov, df = Inf) {
  check_es_columns(estimates, c("rel_time", "estimate", "std.error"))
  pre <- es_estimated(estimates) & estimates$rel_time < 0
  if (!any(pre)) return(NULL)
  k <- estimates$rel_time[pre]
  b <- estimates$estimate[pre]
  V <- vcov[es_term(k), es_term(k), drop = FALSE]
  eg <- eigen(V, symmetric = TRUE)
  pos <- eg$values > max(eg$values, 0) * 1e-10
  if (!any(pos)) return(NULL)
  z <- crossprod(eg$vectors[, pos, drop = FALSE], b)
  W <- sum(z^2 / eg$values[pos])
  q <- sum(pos)
  Fs <- W / q
  list(statistic = Fs, df1 = q, df2 = df,
       p.value = stats::pf(Fs, q, df, lower.tail = FALSE), wald = W, rel_time = k)
}

#' @rdname es_fill_stats
#' @export
es_overall <- function(estimates, vcov, df = Inf, level = 0.95) {
  check_es_columns(estimates, c("rel_time", "estimate", "std.error"))
  post <- es_estimated(estimates) & estimates$rel_time >= 0
  m <- sum(post)
  if (m == 0L) {
    out <- data.frame(estimate = NA_real_, std.error = NA_real_, statistic = NA_real_,
                      p.value = NA_real_, conf.low = NA_real_, conf.high = NA_real_,
                      n_periods = 0L)
    return(out)
  }
  k <- es_term(estimates$rel_time[post])
  est <- mean(estimates$estimate[post])
  se <- sqrt(sum(vcov[k, k, drop = FALSE]) / m^2)
  out <- data.frame(estimate = est, std.error = se, n_periods = m)
  out <- es_fill_stats(out, df, level)
  out[, c("estimate", "std.error", "statistic", "p.value", "conf.low", "conf.high",
          "n_periods")]
}

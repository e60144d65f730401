#' Event study: dynamic effects around adoption and a pre-trend test
#'
#' Re-estimates a [smartdid()] model with one dummy per period relative to
#' each unit's adoption in place of the treatment dummy, keeping its
#' controls, fixed effects, weights, subset and variance rules. Never-treated
#' units are the comparison group (all their dummies are zero); the
#' reference period(s) are omitted, so every coefficient is measured against
#' them.
#'
#' **Relative time.** Periods are the sorted distinct values of the fit's
#' time column; relative time is a row's period position minus the position
#' of its unit's adoption period, so it counts observed periods, not calendar
#' units (with yearly data and no year missing from the whole panel, the
#' two agree; a year missing from every unit makes the years on either side
#' one period apart; non-integer or date periods work the same way; a
#' factor's periods are in the order of its levels; a character time column
#' is refused, its alphabetical order not being that of the periods). The
#' adoption period is each unit's first row with the treatment equal to 1
#' (fits with `treat`), or the first period on or after its cohort value
#' (fits with `cohort`; a cohort after the last period counts as never
#' treated, with a message).
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
#' @param estimator `"twfe"`, the two-way fixed-effects regression on
#'   relative-time dummies; or a heterogeneity-robust estimator for
#'   staggered adoption: `"cs"` (Callaway and Sant'Anna, see [att_gt()];
#'   pass `control = "notyet"` for not-yet-treated comparisons), `"sunab"`
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
#'   such as `control`, `covariates`, `base_period` or `bootstrap`; none are
#'   used by `"twfe"`.
#' @return An object of class `smartdid_es` (see [new_event_study()]):
#'   `estimates` (one row per relative time, the reference rows with
#'   estimate 0 and `NA` standard error), `overall`, `pretest`, `vcov`,
#'   `nobs`, `df`, `level`, `estimator`, `model` (the underlying regression,
#'   a `smartdid` fit whose coefficients include the controls), `fit` and
#'   `info`. Methods: `print`, `generics::tidy`, `generics::glance`, `coef`,
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
  if (!is.character(estimator) || length(estimator) != 1L) {
    sd_stop("'estimator' must be a single string such as \"twfe\"")
  }
  es <- switch(estimator,
    twfe = es_twfe(fit, leads = leads, lags = lags, ref = ref, bin = bin,
                   level = level, switchers = switchers, ...),
    cs = es_robust(es_cs(fit, leads = leads, lags = lags, level = level, ...), fit,
                   leads, lags, level),
    sunab = es_robust(es_sunab(fit, leads = leads, lags = lags, level = level, ...),
                      fit, leads, lags, level),
    imputation = es_robust(es_imputation(fit, leads = leads, lags = lags,
                                         level = level, ...),
                           fit, leads, lags, level),
    sd_stop("'estimator' must be one of \"twfe\", \"cs\", \"sunab\" or ",
            "\"imputation\", not \"", estimator, "\""))
  es$call <- match.call()
  es
}

# A heterogeneity-robust estimator's parts (es_cs(), es_sunab(),
# es_imputation()) as an event-study object: the reference period shown as a
# zero row when the estimator normalises one, the covariance named like the
# TWFE terms, and the joint pre-trend test from that covariance.
es_robust <- function(parts, fit, leads, lags, level) {
  est <- parts$estimates
  est$reference <- FALSE
  ref <- parts$info$ref
  if (!is.null(ref) && !ref %in% est$rel_time) {
    est <- rbind(est, data.frame(rel_time = ref, estimate = 0, std.error = NA_real_,
                                 statistic = NA_real_, p.value = NA_real_,
                                 conf.low = NA_real_, conf.high = NA_real_,
                                 reference = TRUE))
  }
  V <- parts$vcov
  if (!is.null(V)) {
    nm <- es_term(as.numeric(rownames(V)))
    dimnames(V) <- list(nm, nm)
  }
  df <- parts$info$df %||% Inf
  est <- est[order(est$rel_time), , drop = FALSE]
  pretest <- if (is.null(V)) NULL else es_pretest(est, V, df)
  info <- parts$info
  info$df <- NULL
  if (!is.data.frame(info$dropped)) {   # Sun-Abraham lists dropped cells by name
    info$dropped_cells <- info$dropped
    info$dropped <- NULL
  }
  info$overall_label <- parts$info$overall
  info$outcome <- fit$outcome
  info$note <- es_robust_note(parts$estimator, parts$info)
  new_event_study(est, parts$overall, parts$estimator, parts$nobs, vcov = V,
                  pretest = pretest, fit = fit, level = level, df = df, info = info)
}

es_robust_note <- function(estimator, info) {
  switch(estimator,
    cs = paste0("Callaway-Sant'Anna: ", info$control, "-treated comparisons, ",
                info$base_period %||% "varying", " base period; std. errors from ",
                "influence functions (normal)"),
    sunab = paste0("Sun-Abraham interaction-weighted: ", info$control,
                   " comparison, cohort-share weights; std. errors by the delta ",
                   "method with the fit's variance rules"),
    imputation = paste0("Borusyak-Jaravel-Spiess imputation: first stage on ",
                        "untreated observations; conservative std. errors (normal)"),
    NULL)
}

# The two-way fixed-effects event study: the fit's model with relative-time
# dummies in place of the treatment dummy, through the same engine.
es_twfe <- function(fit, leads, lags, ref, bin, level, switchers, ...) {
  check_no_dots("event_study(estimator = \"twfe\")", ...)
  a <- fit$args
  data <- fit$data
  tm <- es_timing(fit, switchers)
  # no unit is observed further than T - 1 periods from its adoption; a far
  # wider window would only build empty dummies (8: the default 'lags')
  max_k <- max(length(tm$periods) - 1L, 8L)
  if (leads > max_k || lags > max_k) {
    sd_stop("'leads' and 'lags' must be at most ", max_k, " (the panel has ",
            length(tm$periods), " periods)")
  }
  es_timing_message(tm)
  rel <- tm$rel
  in_subset <- subset_mask(data, a$subset)
  keep <- in_subset & !tm$drop_row
  outside <- !is.na(rel) & (rel < -leads | rel > lags)
  if (bin) {
    rel <- pmin(pmax(rel, -leads), lags)
  } else {
    keep <- keep & !outside
  }
  spec <- sd_spec(a$formula, data, a$id, a$time, a$cluster, a$vcov, a$weights,
                  a$fe, a$ssc)
  panel <- sd_panel(data, a$id, a$time, a$treat, a$cohort, spec$vars, spec$cluster,
                    a$weights, a$fe, keep, singletons = a$singletons)
  panel$dropped <- es_dropped(panel$dropped, in_subset, tm, if (bin) NULL else outside)
  design <- sd_design(data, panel, spec)
  r <- rel[panel$obs]
  times <- setdiff(seq(-leads, lags), ref)
  dummies <- lapply(times, function(k) as.double(!is.na(r) & r == k))
  names(dummies) <- es_term(times)
  counts <- vapply(dummies, sum, 1)
  if (all(counts == 0)) {
    sd_stop("no treated unit has an observation in the event window; check ",
            "'leads', 'lags' and the treatment")
  }
  # the engine requires its first regressor to be estimable: lead with the
  # best-populated dummy (the order of the output does not depend on this)
  ord <- order(-counts)
  X <- c(dummies[ord], design$X[-1L])
  est <- sd_estimate(design$y, X, panel, spec, a$nthreads %||% smartdid_threads())
  model <- sd_build_fit(est, list(X = X), panel, spec)
  model$treat_name <- names(dummies)[ord[1]]
  model$controls <- setdiff(names(X), names(dummies))
  model$call <- NULL  # not refittable by update(): it has no treatment column

  b <- est$coefficients
  V <- est$V
  terms_est <- intersect(names(dummies), names(b))
  b_rel <- rep(NA_real_, length(times))
  names(b_rel) <- names(dummies)
  b_rel[terms_est] <- b[terms_est]
  se_rel <- rep(NA_real_, length(times))
  se_rel[match(terms_est, names(dummies))] <- sqrt(pmax(diag(V)[terms_est], 0))
  Vrel <- V[terms_est, terms_est, drop = FALSE]
  collinear <- times[!names(dummies) %in% terms_est]
  if (length(collinear)) {
    message("relative period(s) ", paste(collinear, collapse = ", "), " could not be ",
            "estimated (no observations, or collinear with the fixed effects); ",
            "reported as NA")
  }
  est_tab <- data.frame(rel_time = c(times, ref),
                        estimate = c(unname(b_rel), rep(0, length(ref))),
                        std.error = c(se_rel, rep(NA_real_, length(ref))))
  est_tab <- est_tab[order(est_tab$rel_time), ]
  est_tab <- es_fill_stats(est_tab, model$df_t, level)
  est_tab$n_obs <- vapply(est_tab$rel_time, function(k) sum(!is.na(r) & r == k), 1)
  overall <- es_overall(est_tab, Vrel, model$df_t, level)
  pretest <- es_pretest(est_tab, Vrel, model$df_t)
  units <- c(treated = length(unique(panel$fe[[1]][!is.na(r)])),
             never = length(unique(panel$fe[[1]][is.na(r)])))
  new_event_study(
    estimates = est_tab, overall = overall, estimator = "twfe", nobs = model$nobs,
    vcov = Vrel, pretest = pretest, fit = fit, model = model, level = level,
    df = model$df_t,
    info = list(outcome = fit$outcome, treat_name = fit$treat_name, leads = leads,
                lags = lags, ref = ref, bin = bin, switchers = switchers,
                controls = model$controls, units = units,
                unit_status = tm$counts, dropped = panel$dropped,
                vcov_text = format_vcov_info(model), collinear = collinear,
                periods = tm$periods, adj.r.squared = model$adj.r.squared))
}

# Names of the relative-time regressors (and tidy()'s term column).
es_term <- function(k) paste0("rel::", k)

# Rows set aside, for es$info$dropped: the fit's reasons plus the units and
# periods the event study leaves out.
es_dropped <- function(dropped, in_subset, tm, outside = NULL) {
  n_es_units <- sum(in_subset & tm$drop_row)
  n_out <- if (is.null(outside)) 0L else sum(in_subset & !tm$drop_row & outside)
  i <- dropped$reason == "outside subset"
  dropped$rows[i] <- sum(!in_subset)
  extra <- dropped_table(`always-treated or switching units` = n_es_units,
                         `outside the event window (bin = FALSE)` = n_out)
  rbind(dropped, extra)
}

#' Build an event-study object
#'
#' The constructor shared by every event-study estimator of the package
#' (`event_study(estimator = ...)`); exported for extension packages.
#'
#' @param estimates A data frame with one row per relative period: numeric
#'   `rel_time`, `estimate`, `std.error`, `statistic`, `p.value`, `conf.low`,
#'   `conf.high`; reference periods have estimate 0 and `NA` standard error.
#'   Other columns are kept. A `term` column (`"rel::-1"`, ...) and a logical
#'   `reference` column are added when missing.
#' @param overall A one-row data frame with `estimate`, `std.error`,
#'   `statistic`, `p.value` (and optionally `conf.low`, `conf.high`): the
#'   estimator's summary effect.
#' @param estimator The estimator's name, such as `"twfe"`.
#' @param nobs Number of observations used.
#' @param vcov Variance matrix of the estimated (non-reference) coefficients,
#'   named by `term`, or `NULL`.
#' @param pretest The joint pre-trend test, as returned by [es_pretest()], or
#'   `NULL`.
#' @param fit The `smartdid` fit the event study came from.
#' @param model The underlying regression (a `smartdid` fit) when there is
#'   one, else `NULL`.
#' @param level Confidence level of `conf.low`, `conf.high`.
#' @param df Degrees of freedom of the t distribution (`Inf` for normal).
#' @param info A list of details for printing: `outcome`, `leads`, `lags`,
#'   `ref`, `bin`, `vcov_text`, `units` (named `treated`, `never`), `dropped`,
#'   `note` (extra lines to print), `overall_label` (what `overall` is, for
#'   print; TWFE prints "mean of m post-period coefficients"), ...
#' @return An object of class `smartdid_es`: a list with exactly these
#'   fields (`estimates`, `overall`, `estimator`, `nobs`, `vcov`, `pretest`,
#'   `fit`, `model`, `level`, `df`, `info`, `joint`: the joint tests and
#'   sup-t band of [es_joint()]).
#' @examples
#' est <- data.frame(rel_time = -2:2, estimate = c(0.1, 0, 0.5, 0.6, 0.8),
#'                   std.error = c(0.2, NA, 0.2, 0.2, 0.3))
#' est <- es_fill_stats(est, df = 30)
#' V <- diag(est$std.error[-2]^2)
#' dimnames(V) <- rep(list(paste0("rel::", c(-2, 0, 1, 2))), 2)
#' es <- new_event_study(est, es_overall(est, V, df = 30), "manual", nobs = 100,
#'                       vcov = V, pretest = es_pretest(est, V, df = 30), df = 30)
#' es
#' @export
new_event_study <- function(estimates, overall, estimator, nobs, vcov = NULL,
                            pretest = NULL, fit = NULL, model = NULL, level = 0.95,
                            df = Inf, info = list()) {
  need <- c("rel_time", "estimate", "std.error", "statistic", "p.value",
            "conf.low", "conf.high")
  if (!is.data.frame(estimates) || !all(need %in% names(estimates))) {
    sd_stop("'estimates' must be a data frame with columns ",
            paste(need, collapse = ", "))
  }
  estimates <- as.data.frame(estimates)
  estimates$rel_time <- as.numeric(estimates$rel_time)
  estimates <- estimates[order(estimates$rel_time), , drop = FALSE]
  rownames(estimates) <- NULL
  if (!"reference" %in% names(estimates)) {
    estimates$reference <- !is.na(estimates$estimate) & estimates$estimate == 0 &
      is.na(estimates$std.error)
  }
  if (!"term" %in% names(estimates)) estimates$term <- es_term(estimates$rel_time)
  estimates <- estimates[, c("term", setdiff(names(estimates), "term"))]
  ocols <- c("estimate", "std.error", "statistic", "p.value")
  if (!is.data.frame(overall) || nrow(overall) != 1L || !all(ocols %in% names(overall))) {
    sd_stop("'overall' must be a one-row data frame with columns ",
            paste(ocols, collapse = ", "))
  }
  check_string(estimator, "estimator")
  check_level(level)
  structure(list(estimates = estimates, overall = as.data.frame(overall),
                 estimator = estimator, nobs = nobs, vcov = vcov, pretest = pretest,
                 fit = fit, model = model, level = level, df = df, info = info,
                 joint = es_joint(estimates, vcov, df, level)),
            class = "smartdid_es")
}

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
  q <- stats::qt(1 - (1 - level) / 2, df)
  estimates$statistic <- b / se
  estimates$p.value <- 2 * stats::pt(-abs(b / se), df)
  estimates$conf.low <- b - q * se
  estimates$conf.high <- b + q * se
  ref <- !is.na(b) & b == 0 & is.na(se)
  estimates$conf.low[ref] <- estimates$conf.high[ref] <- 0
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

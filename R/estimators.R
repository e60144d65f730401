# The event-study estimators of the package and the contract they fulfil.
#
# REGISTRY. es_estimators() maps each name accepted by
# event_study(estimator = ) to
#   fun    the estimator: function(fit, <common arguments it uses>, ...)
#          returning new_event_study() (nothing translates its result);
#   label  its name in print(), tables and plot legends;
#   notes  one line on what it estimates and how its inference works.
# event_study() validates the common arguments (leads, lags, ref, bin,
# level, switchers) once and passes each estimator those among them that
# its `fun` declares as formal arguments, plus the user's `...`.
#
# ADDING AN ESTIMATOR is one new file and one line here:
#   1. R/es_<name>.R defines es_<name>(fit, leads, lags, level, ...) that
#      times events with the clock (R/clock.R: sd_staggered() or
#      es_timing(), never its own time - cohort), estimates, and returns
#      es_build(...) (or new_event_study(...)) filling the contract below;
#   2. one line in es_estimators():
#        reg$<name> <- es_entry(es_<name>, "label", "notes")
# Tables, plots, overlays, sensitivity() and boottest() read only the
# contract, so nothing else changes.
#
# CONTRACT (a `smartdid_es` object, validated by new_event_study()):
#   estimates  one row per relative time: term ("rel::k"), numeric rel_time
#              (periods of the panel's calendar, see R/clock.R), estimate,
#              std.error, statistic, p.value, conf.low, conf.high, logical
#              reference (normalised rows: estimate 0, NA std.error); extra
#              columns allowed;
#   vcov       the FULL covariance of the estimated (non-reference) rows,
#              named by term, or NULL when the estimator has none;
#   influence  NULL, or list(psi, ids, factor): psi a matrix (rows = units
#              or clusters `ids`, columns named like vcov) such that
#              vcov = factor * crossprod(psi); optionally `sign` (+1/-1 per
#              row, then vcov = factor * crossprod(psi, sign * psi)) and
#              `cluster` (the cluster variable of each row), as the TWFE
#              event study has them under two-way clustering (V1 + V2 - V12:
#              rows of the first variable, the second, their intersection);
#   overall    one-row data frame (estimate, std.error, statistic, p.value,
#              conf.low, conf.high), the estimator's summary effect;
#   overall_weights  named numeric vector over the terms such that
#              overall$estimate = sum(overall_weights * estimate), or NULL
#              when the summary is not a fixed linear combination of the
#              reported rows;
#   level, df (t degrees of freedom, Inf = normal), nobs, estimator (the
#   registry name), pretest (es_pretest()), fit (the smartdid fit), model
#   (the underlying regression or NULL), info (details for print, including
#   `clock`: the periods and their spacing); joint (es_joint(): Wald tests
#   of the pre and post periods and the sup-t band), added by
#   new_event_study() itself.

es_entry <- function(fun, label, notes) list(fun = fun, label = label, notes = notes)

es_estimators <- function() {
  reg <- list()
  reg$twfe <- es_entry(es_twfe, "two-way fixed effects",
                       "relative-time dummies in the fit's regression and variance rules")
  reg$cs <- es_entry(es_cs, "Callaway-Sant'Anna",
                     "group-time ATTs by event time; influence-function std. errors")
  reg$sunab <- es_entry(es_sunab, "Sun-Abraham",
                        "cohort-by-period interactions, cohort-share weights; delta method")
  reg$imputation <- es_entry(es_imputation, "imputation (Borusyak-Jaravel-Spiess)",
                             "untreated-outcome imputation; conservative BJS std. errors")
  reg$dcdh <- es_entry(es_dcdh, "de Chaisemartin-D'Haultfoeuille",
                       "any treatment path; switchers vs. same-baseline not-yet-switched")
  # new estimators: one line here, reg$<name> <- es_entry(es_<name>, "label", "notes")
  reg
}

# The registry entry of an estimator name, or a clear error.
es_estimator <- function(name) {
  reg <- es_estimators()
  if (!is.character(name) || length(name) != 1L || is.na(name)) {
    sd_stop("'estimator' must be a single string such as \"twfe\"")
  }
  if (!name %in% names(reg)) {
    q <- paste0("\"", names(reg), "\"")
    sd_stop("'estimator' must be one of ", paste(q[-length(q)], collapse = ", "),
            " or ", q[length(q)], ", not \"", name, "\"")
  }
  reg[[name]]
}

es_estimator_label <- function(estimator) {
  reg <- es_estimators()
  if (estimator %in% names(reg)) reg[[estimator]]$label else estimator
}

# An event-study object from an estimator's numbers: the helper every
# estimator of the registry ends with. `rel_time`, `estimate`, `std.error`
# are the estimated rows; `vcov` their covariance (any dimnames: renamed to
# the terms), `ref` the relative times the estimator normalises to zero
# (shown as reference rows when not estimated), `overall` a list or data
# frame with estimate and std.error, `crit` an optional critical value for
# simultaneous intervals (replacing the pointwise quantile of the rows).
es_build <- function(rel_time, estimate, std.error, vcov, overall, estimator, nobs,
                     fit, level, df = Inf, ref = NULL, influence = NULL,
                     overall_weights = NULL, model = NULL, info = list(),
                     crit = NULL) {
  rel_time <- as.numeric(rel_time)
  est <- cbind(data.frame(rel_time = rel_time),
               sd_infer(as.double(estimate), as.double(std.error), level, df,
                        crit = crit))
  est$reference <- FALSE
  ref <- setdiff(ref, rel_time)
  if (length(ref)) {
    add <- est[rep(1L, length(ref)), , drop = FALSE]
    add[] <- lapply(add, function(v) v[NA_integer_])
    add$rel_time <- ref
    add$estimate <- 0
    add$conf.low <- add$conf.high <- 0
    add$reference <- TRUE
    est <- rbind(est, add)
  }
  est <- est[order(est$rel_time), , drop = FALSE]
  terms <- es_term(rel_time)
  if (!is.null(vcov)) dimnames(vcov) <- list(terms, terms)
  if (!is.null(influence)) colnames(influence$psi) <- terms
  if (!is.null(overall_weights)) names(overall_weights) <- terms
  ov <- sd_infer(overall$estimate, overall$std.error, level, df)
  info$clock <- info$clock %||% es_clock_info(fit)
  pretest <- if (is.null(vcov)) NULL else es_pretest(est, vcov, df)
  new_event_study(est, ov, estimator, as.integer(nobs), vcov = vcov, pretest = pretest,
                  fit = fit, model = model, level = level, df = df, info = info,
                  influence = influence, overall_weights = overall_weights)
}

# The fit's clock as stored in es$info$clock: periods, spacing, unit.
es_clock_info <- function(fit, clock = NULL) {
  if (is.null(clock)) {
    if (is.null(fit)) return(NULL)
    clock <- sd_clock(fit$data[[fit$args$time]][fit$obs])
  }
  list(periods = clock$periods, spacing = clock$spacing, unit = clock$unit,
       n_periods = clock$n_periods, gaps = clock$gaps, text = clock_text(clock))
}

#' Build an event-study object
#'
#' The constructor shared by every event-study estimator of the package
#' (`event_study(estimator = ...)`); exported for extension packages. It
#' validates the estimator contract: see the section below.
#'
#' @section Contract: `estimates` has one row per relative time (periods of
#'   the panel's calendar); `vcov` is the full covariance of the estimated
#'   (non-reference) rows, named by `term`; `influence`, when given, is a
#'   list with a matrix `psi` (one row per unit or cluster, listed in `ids`;
#'   columns named like `vcov`) and a number `factor` such that
#'   `vcov = factor * crossprod(psi)`. With two-way clustering the variance
#'   `V1 + V2 - V12` is no single cross-product: `psi` then stacks the
#'   clusters of the first variable, of the second and of their
#'   intersections, a vector `sign` (+1, +1, -1 on them) gives
#'   `vcov = factor * crossprod(psi, sign * psi)`, and `cluster` names the
#'   variable of each row; `overall_weights`, when given, is a
#'   named vector over the terms with
#'   `overall$estimate = sum(overall_weights * estimate)` (`NULL` when the
#'   summary is not a fixed linear combination of the rows).
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
#'   print; TWFE prints "mean of m post-period coefficients"), `clock` (the
#'   periods and their spacing), ...
#' @param influence `NULL` or a list with `psi`, `ids` and `factor`, and
#'   optionally `sign` and `cluster` (see the contract).
#' @param overall_weights `NULL` or the weights of the terms in `overall`.
#' @return An object of class `smartdid_es`: a list with exactly these
#'   fields (`estimates`, `overall`, `estimator`, `nobs`, `vcov`, `pretest`,
#'   `fit`, `model`, `level`, `df`, `info`, `influence`, `overall_weights`,
#'   `joint`: the joint Wald tests and sup-t band of [es_joint()]).
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
                            df = Inf, info = list(), influence = NULL,
                            overall_weights = NULL) {
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
  es_check_vcov(vcov, estimates)
  es_check_influence(influence, vcov)
  es_check_weights(overall_weights, estimates, overall)
  structure(list(estimates = estimates, overall = as.data.frame(overall),
                 estimator = estimator, nobs = nobs, vcov = vcov, pretest = pretest,
                 fit = fit, model = model, level = level, df = df, info = info,
                 influence = influence, overall_weights = overall_weights,
                 joint = es_joint(estimates, vcov, df, level)),
            class = "smartdid_es")
}

# vcov: square, named by terms of non-reference rows.
es_check_vcov <- function(vcov, estimates) {
  if (is.null(vcov)) return(invisible())
  nm <- rownames(vcov)
  if (!is.matrix(vcov) || nrow(vcov) != ncol(vcov) || is.null(nm) ||
      !identical(nm, colnames(vcov)) ||
      !all(nm %in% estimates$term[!estimates$reference])) {
    sd_stop("'vcov' must be a square matrix named by the terms of the estimated ",
            "(non-reference) rows, such as \"rel::0\"")
  }
  invisible()
}

es_check_influence <- function(influence, vcov) {
  if (is.null(influence)) return(invisible())
  psi <- influence$psi
  ok <- is.list(influence) && is.matrix(psi) && !is.null(vcov) &&
    identical(colnames(psi), colnames(vcov)) && length(influence$ids) == nrow(psi) &&
    is.numeric(influence$factor) && length(influence$factor) == 1L &&
    (is.null(influence$sign) || (is.numeric(influence$sign) &&
                                 length(influence$sign) == nrow(psi)))
  if (!ok) {
    sd_stop("'influence' must be a list with a matrix 'psi' (columns named like ",
            "'vcov'), its row 'ids', a number 'factor' and optionally a 'sign' ",
            "per row")
  }
  V <- es_influence_vcov(influence)
  if (max(abs(V - vcov)) > 1e-8 * max(abs(vcov), .Machine$double.xmin)) {
    sd_stop("'influence' does not reproduce 'vcov': factor * crossprod(psi) ",
            "must equal vcov")
  }
  invisible()
}

# The covariance the contract's influence functions define:
# factor * crossprod(psi), or factor * crossprod(psi, sign * psi).
es_influence_vcov <- function(influence) {
  psi <- influence$psi
  s <- influence$sign
  influence$factor * if (is.null(s)) crossprod(psi) else crossprod(psi, s * psi)
}

es_check_weights <- function(w, estimates, overall) {
  if (is.null(w)) return(invisible())
  b <- estimates$estimate[match(names(w), estimates$term)]
  if (!is.numeric(w) || is.null(names(w)) || anyNA(b)) {
    sd_stop("'overall_weights' must be a numeric vector named by estimated terms")
  }
  if (abs(sum(w * b) - overall$estimate) > 1e-8 * max(1, abs(overall$estimate))) {
    sd_stop("'overall_weights' do not reproduce overall$estimate")
  }
  invisible()
}

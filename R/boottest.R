#' Wild cluster bootstrap tests and confidence intervals
#'
#' The wild cluster bootstrap with the null imposed (WCR, the default) or not
#' (WCU), computed with the algorithm of Roodman, MacKinnon, Nielsen and
#' Webb (2019): the fixed effects and controls are partialled out once, and
#' every draw then works on cluster-level sums, at a cost proportional to
#' the number of clusters times the number of regressors, whatever the
#' number of rows. With few clusters (fewer than about 30-50, or very
#' unequal ones) the clustered t test over-rejects; the WCR bootstrap keeps
#' its size (Cameron, Gelbach and Miller 2008; MacKinnon and Webb 2017).
#'
#' **What a draw is.** For `H0: R beta = r`, the restricted model (WCR) or the
#' fit itself (WCU) gives fitted values and residuals `u`; a draw multiplies
#' the residuals of every bootstrap cluster by one weight `v_g`, re-estimates
#' the model (all fixed effects included) and computes the clustered t
#' statistic of `R beta* - r` (WCR) or `R beta* - R beta` (WCU). The results
#' equal that re-estimation exactly: fixed effects nested in the bootstrap
#' clusters are absorbed once, the others enter the fast algorithm as dummy
#' columns.
#'
#' **Weights.** `"rademacher"` (+1 or -1), `"webb"` (six points
#' +-sqrt(1/2), +-1, +-sqrt(3/2)), `"mammen"` (two points) or `"norm"`
#' (standard normal), drawn from R's generator draw by draw, one per
#' bootstrap cluster in the sorted order of its levels (a Rademacher weight
#' is `-1` when `runif(1) < 0.5`; a Webb weight is the
#' `floor(6 * runif(1)) + 1`-th of the six values in increasing order), so
#' `set.seed()` or `seed` reproduces every draw on any number of threads;
#' `seed` leaves the session's random stream as it was. With Rademacher
#' weights and `2^G <= B` for `G` bootstrap clusters, the `2^G` sign vectors
#' are enumerated instead (deterministic; `B` becomes `2^G`; a message says
#' so), as Stata's boottest and fwildclusterboot do.
#'
#' **p-values** count draws strictly beyond the statistic (as
#' fwildclusterboot; draws within a relative 1e-9 of it are ties, so that
#' the draws equal to it in exact arithmetic are not counted by rounding:
#' under WCR a draw that gives every cluster the same weight `c` has
#' `t* = sign(c) t`, as do the identity draw and its mirror under
#' enumeration): `"symmetric"` `mean(|t*| > |t|)`, `"equal-tailed"`
#' `2 min(mean(t* > t), mean(t* < t))`, `">"` `mean(t* > t)` (alternative
#' `R beta > r`), `"<"` `mean(t* < t)`. Draws with a non-positive bootstrap
#' variance (possible with two-way clustering) are left out and counted.
#'
#' **Confidence interval** by test inversion: the set of values `r` that the
#' test does not reject at `1 - level`. Both bounds are found by bracketing
#' (steps of 2^-2, 2^-1, ..., 2^40 standard errors from the estimate) and
#' then bisection of the bracket until it is narrower than `tol` standard
#' errors. Under WCR every draw's t is a known function of `r` (its
#' numerator is linear and its variance quadratic in `r`), so each
#' evaluation of the p-value function costs O(B), not a new bootstrap; the
#' bisection sets aside the draws that cannot change side within the
#' current bracket, so that its later steps cost almost nothing. With
#' `p_type = ">"` the interval is `[low, Inf)`, with `"<"` `(-Inf, high]`.
#'
#' **Which bootstrap, when.** For a [smartdid()] fit and for the two-way
#' fixed-effects and Sun-Abraham event studies the wild cluster bootstrap
#' runs on a regression (WCR by default, WCU with `impose_null = FALSE`):
#' the fit's, the event study's, or Sun and Abraham's interacted regression
#' (whose aggregates are linear combinations of its coefficients, so the
#' null is imposed on the combination). For the imputation event study the
#' horizons get the WCR by a rule for estimators linear in the outcome, its
#' pre-periods the multiplier bootstrap; for the Callaway-Sant'Anna event
#' study it is the multiplier bootstrap of the influence functions (null
#' not imposed). See [boottest.smartdid_es()].
#' [bt_pvalue_function()] evaluates the p-value function anywhere.
#'
#' **Clustering.** `cluster` defaults to the fit's clustering; with two
#' columns the variance is two-way (`V1 + V2 - V12`, the fit's rules), and
#' `bootcluster` chooses the bootstrap clusters: by default the intersection
#' of the `cluster` columns (as Stata's boottest), `"min"` the `cluster`
#' column with the fewest clusters, or any column names (several: their
#' intersection). The reported t statistic uses the fit's small-sample factor
#' (the same t as `tidy(fit)` when the clusters are the fit's); p-values and
#' intervals do not depend on that scaling with one-way clustering.
#'
#' **Event studies.** See [boottest.smartdid_es()].
#'
#' @param x A fit from [smartdid()] or an event study from [event_study()].
#' @param param The coefficient to test: a name of `coef(x)`, or a named
#'   numeric vector of weights for a linear combination (such as
#'   `c(D = 1, x = -1)`).
#' @param B Number of bootstrap draws.
#' @param type Distribution of the weights: `"rademacher"`, `"webb"`,
#'   `"mammen"` or `"norm"`.
#' @param impose_null `TRUE` for WCR (the null imposed), `FALSE` for WCU.
#' @param cluster One or two columns of the fit's data to cluster by
#'   (default: the fit's clustering).
#' @param bootcluster The bootstrap clusters: `NULL`, `"min"` or column names
#'   (see Details).
#' @param level Confidence level of the interval.
#' @param conf_int Compute the confidence interval (and the p-value function
#'   that `plot()` shows)?
#' @param seed `NULL` (use the session's stream) or a number for
#'   `set.seed()`, restoring the session's stream afterwards.
#' @param r The value under the null: `H0: sum(param * coef) = r`.
#' @param p_type `"symmetric"`, `"equal-tailed"`, `">"` or `"<"`.
#' @param tol Tolerance of the interval's bounds, in standard errors.
#' @param nthreads Threads for the draws, see [smartdid_threads()].
#' @param progress Show a progress bar on long runs?
#' @param ... Not used; an error if given.
#' @return An object of class `smartdid_boottest`: `estimate` (`R beta`),
#'   `null` (`r`), `statistic` (t), `std.error`, `p.value`, `p_type`,
#'   `conf.low`, `conf.high`, `level`, `tol`, `t_boot` (the bootstrap t
#'   statistics), `B`, `type`, `enumerated`, `impose_null`, `cluster`,
#'   `n_clusters`, `bootcluster`, `n_bootclusters`, `p.value_t` (the
#'   clustered t test's p-value, for comparison), `df`, `n_invalid`,
#'   `draws` (what the p-value function needs, with `conf_int = TRUE`),
#'   `param` (the weights), `nobs`, `seed`, `call`. Methods: `print()`, `generics::tidy()`,
#'   `plot()` (the p-value function with the interval), `autoplot()`.
#' @references Roodman, D., MacKinnon, J. G., Nielsen, M. O. and Webb, M. D.
#'   (2019). Fast and wild: bootstrap inference in Stata using boottest.
#'   The Stata Journal 19(1), 4-60.
#' @examples
#' set.seed(1)
#' d <- expand.grid(unit = 1:40, year = 2001:2010)
#' d$region <- (d$unit - 1) %/% 4 + 1           # 10 regions of 4 units
#' d$first <- ifelse(d$region <= 5, 2004 + d$region %% 3, NA)
#' d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
#' d$x <- rnorm(nrow(d))
#' d$y <- 0.3 * d$D + 0.3 * d$x + d$unit / 10 + rnorm(nrow(d))
#' fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D",
#'                 cluster = "region")
#' bt <- boottest(fit, "D", B = 999, seed = 1)   # 2^10 > 999: random draws
#' bt
#' generics::tidy(bt)
#' plot(bt)
#' # full enumeration of the 2^10 sign vectors, and WCU
#' boottest(fit, "D", B = 9999)$B
#' boottest(fit, "D", B = 999, impose_null = FALSE, seed = 1)$p.value
#' # a linear combination
#' boottest(fit, c(D = 1, x = -1), B = 999, seed = 2, conf_int = FALSE)
#' # the Sun-Abraham event study: WCR on its interacted regression
#' es <- event_study(fit, estimator = "sunab")
#' boottest(es, B = 999, seed = 1)
#' @export
boottest <- function(x, ...) UseMethod("boottest")

#' @rdname boottest
#' @export
boottest.smartdid <- function(x, param, B = 9999,
                              type = c("rademacher", "webb", "mammen", "norm"),
                              impose_null = TRUE, cluster = NULL, bootcluster = NULL,
                              level = 0.95, conf_int = TRUE, seed = NULL, r = 0,
                              p_type = c("symmetric", "equal-tailed", ">", "<"),
                              tol = 1e-6, nthreads = smartdid_threads(),
                              progress = interactive(), ...) {
  check_no_dots("boottest()", ...)
  call <- match.call()
  opt <- bt_check_args(B, type, impose_null, level, conf_int, seed, r, p_type,
                       tol, nthreads, progress)
  cl <- bt_clusters(x, cluster, bootcluster)
  model <- bt_model(x, cl$boot$code, opt$nthreads, fe_sums = bt_dense_ok(cl))
  Rv <- bt_param(param, names(x$coefficients), ncol(model$X))
  out <- bt_test(model, matrix(Rv, 1L), cl, opt, bt_factor(x, cl, model$n))
  out$param <- Rv[seq_len(model$p)][Rv[seq_len(model$p)] != 0]
  names(out$param) <- names(x$coefficients)[Rv[seq_len(model$p)] != 0]
  out$seed <- seed
  out$call <- call
  out
}

bt_check_args <- function(B, type, impose_null, level, conf_int, seed, r, p_type,
                          tol, nthreads, progress) {
  B <- check_count(B, "B", min = 1)
  type <- sd_match_arg(type, c("rademacher", "webb", "mammen", "norm"), "type")
  check_flag(impose_null, "impose_null")
  check_level(level)
  check_flag(conf_int, "conf_int")
  check_seed(seed)
  if (!is.numeric(r) || length(r) != 1L || !is.finite(r)) {
    sd_stop("'r' must be a single finite number, the value under the null")
  }
  p_type <- sd_match_arg(p_type, c("symmetric", "equal-tailed", ">", "<"), "p_type")
  if (!is.numeric(tol) || length(tol) != 1L || !is.finite(tol) || tol <= 0) {
    sd_stop("'tol' must be a positive number (the bounds' tolerance in ",
            "standard errors), such as 1e-6")
  }
  check_flag(progress, "progress")
  list(B = B, type = type, impose_null = impose_null, level = level,
       conf_int = conf_int, seed = seed, r = r, p_type = p_type, tol = tol,
       nthreads = check_count(nthreads, "nthreads", min = 1), progress = progress)
}

# The hypothesis' weights on the model's k columns.
bt_param <- function(param, coef_names, k) {
  if (is.character(param)) {
    if (length(param) != 1L || is.na(param) || !param %in% coef_names) {
      sd_stop("'param' must name one coefficient of the fit (",
              paste0("\"", coef_names, "\"", collapse = ", "), ") or be a ",
              "named numeric vector of weights")
    }
    param <- stats::setNames(1, param)
  }
  if (!is.numeric(param) || !length(param) || is.null(names(param)) ||
      anyNA(param) || !all(is.finite(param)) || !all(names(param) %in% coef_names) ||
      anyDuplicated(names(param)) || all(param == 0)) {
    sd_stop("'param' must be a coefficient name or a named numeric vector of ",
            "weights whose names are coefficients of the fit (",
            paste0("\"", coef_names, "\"", collapse = ", "), "), not all zero")
  }
  out <- numeric(k)
  out[match(names(param), coef_names)] <- param
  out
}

# Rademacher enumeration when 2^G <= B.
bt_plan <- function(opt, G, quiet = FALSE) {
  if (opt$type == "rademacher" && G <= 30L && 2^G <= opt$B) {
    if (!quiet) message("boottest(): 2^", G, " = ", 2^G, " <= B: enumerating all ", 2^G,
            " Rademacher sign vectors (deterministic; B = ", 2^G, ")")
    return(list(B = as.integer(2^G), code = 0L, enumerated = TRUE))
  }
  code <- match(opt$type, c("rademacher", "webb", "mammen", "norm"))
  list(B = opt$B, code = code, enumerated = FALSE)
}

# The draws in C, with a progress bar on long interactive runs.
bt_draws <- function(parts, plan, opt) {
  tick <- NULL
  work <- as.double(plan$B) * length(parts$A) * nrow(parts$S)
  if (opt$progress && work > getOption("smartdid.progress_work", 1e9)) {
    bar <- utils::txtProgressBar(0, plan$B, style = 3)
    on.exit(close(bar))
    tick <- function(done) utils::setTxtProgressBar(bar, done)
  }
  # threads only for blocks of draws worth several milliseconds
  # (the table look-up of src/boottest_table.c can be switched off to check it)
  ctrl <- c(opt$nthreads, getOption("smartdid.boottest_min_work", 2e7),
            getOption("smartdid.boottest_table", TRUE))
  run <- function() .Call(C_sd_boottest_draws, parts$A, parts$S, parts$dims,
                          plan$B, plan$code, as.double(ctrl), tick)
  if (plan$enumerated) run() else with_seed(opt$seed, run())
}

# One hypothesis (Rm: 1 x k): t, the draws, p-value, interval. `fac`: the
# small-sample factor and degrees of freedom (bt_factor()).
bt_test <- function(model, Rm, cl, opt, fac, quiet = FALSE) {
  plan <- bt_plan(opt, cl$boot$G, quiet)
  est <- drop(Rm %*% model$beta)
  # WCR: a second row for the draws' slope in the tested value, whose
  # residuals are X Q R' / rho (see boottest_ci.R)
  parts <- if (opt$impose_null) {
    bt_parts(model, rbind(Rm, Rm), model$u, cl,
             slope = c(NA, drop(Rm %*% model$Q %*% t(Rm))))
  } else {
    bt_parts(model, Rm, model$u, cl)
  }
  sd0 <- suppressWarnings(sqrt(parts$v0))
  if (!is.finite(sd0) || sd0 <= 0) {
    sd_stop("the clustered variance of the tested combination is not ",
            "positive; boottest() cannot form its t statistic")
  }
  dr <- bt_draws(parts, plan, opt)
  bd <- bt_boot_parts(dr, opt$impose_null)
  delta0 <- est - opt$r
  cnt <- bt_count(bd, delta0, sd0)
  se <- sqrt(fac$factor) * sd0
  t_boot <- bt_tstat(bd, delta0, fac$factor)
  stat <- delta0 / se
  out <- list(
    estimate = est, null = opt$r, statistic = stat, std.error = se,
    p.value = bt_pvalue(cnt, opt$p_type)[1],
    p_type = opt$p_type,
    conf.low = NA_real_, conf.high = NA_real_, level = opt$level, tol = opt$tol,
    t_boot = t_boot, B = plan$B, type = opt$type, enumerated = plan$enumerated,
    impose_null = opt$impose_null, cluster = cl$cluster,
    n_clusters = stats::setNames(cl$G, cl$cluster),
    bootcluster = cl$boot$name, n_bootclusters = cl$boot$G,
    p.value_t = if (is.finite(fac$df)) 2 * stats::pt(-abs(stat), fac$df)
                else 2 * stats::pnorm(-abs(stat)),
    df = fac$df, n_invalid = plan$B - cnt[1, 4], nobs = model$n,
    n_dummies = model$n_dummies,
    draws = if (opt$conf_int) list(num = bd$num, cross = bd$cross, sd0 = sd0)
  )
  if (opt$conf_int) {
    ci <- bt_confint(bd, est, sd0, se, opt)
    out$conf.low <- ci[1]
    out$conf.high <- ci[2]
  }
  class(out) <- "smartdid_boottest"
  out
}

# The draws' t at the tested difference delta (NaN for a non-positive
# bootstrap variance, possible with two-way clustering).
bt_tstat <- function(bd, delta, factor) {
  den <- bd$cross[, 1] + delta * (2 * bd$cross[, 2] + delta * bd$cross[, 3])
  t <- (bd$num[, 1] + delta * bd$num[, 2]) / sqrt(factor * pmax(den, 0))
  t[!(den > 0)] <- NaN
  t
}

# num = [n0 n1], cross = [d0 d1 d2] in the tested difference delta (zeros
# for the slope under WCU: its draws do not depend on the null).
bt_boot_parts <- function(dr, impose_null) {
  if (impose_null) return(dr)
  B <- nrow(dr$num)
  list(num = cbind(dr$num, 0), cross = cbind(dr$cross, 0, 0))
}

# p-values from the counts of sd_boottest_count (one row per tested value).
bt_pvalue <- function(cnt, p_type) {
  ok <- cnt[, 4]
  p <- switch(p_type,
    symmetric = cnt[, 3] / ok,
    `equal-tailed` = 2 * pmin(cnt[, 1], cnt[, 2]) / ok,
    `>` = cnt[, 1] / ok,
    `<` = cnt[, 2] / ok)
  p[ok == 0] <- NA_real_
  p
}

#' Sensitivity of an event study to violations of parallel trends
#'
#' Confidence intervals for a post-treatment effect that remain valid when
#' parallel trends fails in a bounded way (Rambachan and Roth 2023, "A More
#' Credible Approach to Parallel Trends", *Review of Economic Studies*), from
#' an event study's coefficients and their full covariance matrix.
#'
#' **Restrictions.** `type = "relative"` bounds the post-treatment violations
#' of parallel trends by `Mbar` times the largest pre-treatment one
#' (relative magnitudes: every post-period change in the trend violation is
#' at most `Mbar` times the largest change between consecutive pre-periods).
#' `type = "smoothness"` lets the slope of the violation change by at most
#' `M` per period (`M = 0`: the pre-trend continues linearly).
#'
#' **Methods.** For relative magnitudes the default is the conditional-least
#' favourable hybrid of Andrews, Roth and Pakes (`"C-LF"`, HonestDiD's
#' default); `"Conditional"` is the purely conditional test. For smoothness
#' the default is the fixed-length confidence interval (`"FLCI"`, Armstrong
#' and Kolesar), with `"C-LF"` and `"Conditional"` as options. The tests are
#' inverted exactly: the linear programmes behind them have closed-form
#' solutions here (see `R/sens_arp.R`), so the bounds are the edges of the
#' accepted set found by bisection, not the points of a grid. The hybrid's
#' least-favourable critical value is simulated with 1,000 draws under
#' `seed` (the caller's random-number state is left untouched), as in
#' HonestDiD, whose accept/reject decisions these tests reproduce point by
#' point (with one post period they follow HonestDiD's single-period code:
#' the second stage does not condition on the first, and the critical value
#' is floored where the unnormalised moment is zero). The interval reported
#' is the hull of the accepted set, searched over the whole range where the
#' hybrid's first stage can accept (HonestDiD searches a fixed grid of plus
#' or minus 20 standard errors, which can cut an interval off: `open` flags
#' a conditional interval that reaches the end of the search range). The
#' FLCI needs the \pkg{quadprog} package.
#'
#' **Inputs.** The event study's estimated coefficients and their full
#' covariance `es$vcov`; the reference period (the row with `reference =
#' TRUE`) is the normalised period between the pre-periods (before it) and
#' the post-periods (after it); the periods must be consecutive. Inference is
#' normal (as in HonestDiD), so the original interval is `estimate +-
#' qnorm(1 - alpha / 2) * std.error`, not the event study's t-based one.
#'
#' @section Reference period: Rambachan and Roth's framework reads every
#'   coefficient as the effect plus the violation of parallel trends since one
#'   reference period, normalised to zero. TWFE (`ref`), Sun-Abraham and
#'   Callaway-Sant'Anna with `base_period = "universal"` have one and are used
#'   as they are. Two estimators do not; each is brought to that form with a
#'   message, the estimand (the effects at relative times 0, 1, ...) unchanged
#'   and the convention stated in the result (`note`, printed as
#'   "Reference"):
#'
#'   * **Callaway-Sant'Anna with the varying base period** (the default of
#'     [att_gt()]): its pre-period rows compare each period with the one before
#'     (short differences), its post-period rows compare with period `g - 1 -
#'     anticipation`. As HonestDiD's documentation requires of the did
#'     package, the event study is re-estimated from its fit with `base_period
#'     = "universal"` (same comparison group, covariate adjustment,
#'     anticipation and window); the reference is relative time `-1 -
#'     anticipation`. Both base periods estimate the post-period rows
#'     identically, and the re-estimate is checked to reproduce them and their
#'     covariance (to 1e-8), else it is an error asking for the universal base
#'     period explicitly.
#'   * **The imputation estimator** (Borusyak, Jaravel and Spiess): its
#'     pre-period rows are BJS's test regression on the untreated
#'     observations with dummies for relative times `-L, ..., -1`, so they
#'     measure the violation `delta_k` against the omitted untreated periods
#'     (relative times before `-L`, where `delta` is taken to be zero as that
#'     regression assumes, and the never-treated units). Its effects impute
#'     the untreated outcome from all untreated observations, the leads
#'     included, so that under a violation `E[beta_h] = tau_h + delta_h +
#'     s_h' delta_pre`, where `s_hk` is the total weight the estimate of
#'     horizon `h` puts on the untreated observations at lead `k` (computed
#'     exactly: the estimator is linear in the outcome, and `s_hk` is its
#'     estimate for the outcome 1 on those observations). The coefficients
#'     are re-expressed relative to period `-1`: before it, relative times
#'     `-L-1, ..., -2` with `beta_k - beta_-1` (`beta_-L-1 = 0`); after it,
#'     `beta_h - s_h' beta_pre - beta_-1`, with expectations `delta_k -
#'     delta_-1` and `tau_h + delta_h - delta_-1`; the covariance follows by
#'     the same linear map. The restrictions bound differences of `delta`
#'     only, so the shift of the normalisation changes nothing else. The
#'     original interval stays the estimator's own (parallel trends in every
#'     period); the robust intervals are centred on the re-expressed
#'     effects, so at `Mbar = 0` or `M = 0` they differ from it by the
#'     correction for the leads' pre-trends.
#'
#' **Breakdown value.** The largest `Mbar` (or `M`) at which the interval
#' still excludes zero, found by bisection to a relative precision of 1e-3
#' (`NA` when even the original interval includes zero; `Inf` if the
#' interval still excludes zero at 1,000 times the largest grid value).
#'
#' @param es An event study ([event_study()]) from any estimator.
#' @param type `"relative"` (relative magnitudes) or `"smoothness"`.
#' @param Mbar Values of the relative-magnitudes bound (non-negative).
#' @param M Values of the smoothness bound (non-negative); `NULL` means five
#'   values from 0 to the standard error of the target estimate.
#' @param target What to bound: `"first"` (the first post period, relative
#'   time 0), `"average"` (the mean of the post periods), `"each"` (every
#'   post period separately), `"overall"` (the weights that define the
#'   estimator's `overall` effect, `es$overall_weights`), or a numeric vector
#'   of weights over the post periods (relative times 0, 1, ...). `NULL`
#'   (the default) means `"overall"` for the heterogeneity-robust estimators
#'   that supply those weights, else `"first"`.
#' @param level Confidence level.
#' @param method `NULL` (the default of `type`), `"C-LF"`, `"Conditional"`, or
#'   (smoothness only) `"FLCI"`.
#' @param breakdown Compute the breakdown value (`TRUE`).
#' @param seed Seed of the simulated least-favourable critical value (`NULL`:
#'   the session's random stream, so results vary between calls).
#' @return An object of class `smartdid_sensitivity`: `results` (one row per
#'   target and bound: `target`, `bound` (the value of `Mbar` or `M`),
#'   `conf.low`, `conf.high`, `method`), `original` (per target: `estimate`,
#'   `std.error`, `conf.low`, `conf.high`), `breakdown` (per target),
#'   `weights` (the target weights over the post periods), `type`, `method`,
#'   `level`, `estimator`, `reference` (the reference period), `note` (how
#'   the reference was obtained, or `NULL`; see the section). Methods: `print`, `generics::tidy`, `plot`,
#'   `autoplot` (with \pkg{ggplot2}), and `plot_data()` through `tidy()`.
#' @references Rambachan, A. and Roth, J. (2023). A More Credible Approach to
#'   Parallel Trends. *Review of Economic Studies* 90(5), 2555-2591.
#'   Andrews, I., Roth, J. and Pakes, A. (2023). Inference for Linear
#'   Conditional Moment Inequalities. *Review of Economic Studies* 90(6).
#' @seealso [pretrend_power()], [es_joint()].
#' @examples
#' est <- data.frame(rel_time = -4:3,
#'                   estimate = c(0.02, -0.01, 0.01, 0, 0.30, 0.35, 0.42, 0.40),
#'                   std.error = c(0.05, 0.05, 0.04, NA, 0.06, 0.07, 0.08, 0.09))
#' est <- es_fill_stats(est)
#' V <- diag(est$std.error[-4]^2)
#' dimnames(V) <- rep(list(paste0("rel::", est$rel_time[-4])), 2)
#' es <- new_event_study(est, es_overall(est, V), "manual", nobs = 100, vcov = V)
#' s <- sensitivity(es, type = "relative", Mbar = c(0, 0.5, 1))
#' s
#' plot(s)
#' @export
sensitivity <- function(es, type = c("relative", "smoothness"),
                        Mbar = c(0, 0.5, 1, 1.5, 2), M = NULL, target = NULL,
                        level = 0.95, method = NULL, breakdown = TRUE, seed = 0L) {
  check_es(es)
  type <- sd_match_arg(type, c("relative", "smoothness"), "type")
  check_level(level)
  check_flag(breakdown, "breakdown")
  check_seed(seed)
  method <- sens_method(method, type)
  es <- sens_prepare(es, "sensitivity()")
  inp <- sens_inputs(es)
  targets <- sens_targets(target, es, inp)
  bounds <- if (type == "relative") Mbar else M
  arg <- if (type == "relative") "Mbar" else "M"
  if (type == "smoothness" && is.null(M)) bounds <- NULL
  else check_bounds(bounds, arg)
  if (method == "FLCI" && !requireNamespace("quadprog", quietly = TRUE)) {
    sd_stop("method = \"FLCI\" needs the 'quadprog' package; install it with ",
            "install.packages(\"quadprog\")")
  }
  alpha <- 1 - level
  res <- list()
  orig <- list()
  brk <- list()
  for (i in seq_along(targets)) {
    l <- targets[[i]]
    lfull <- sens_expand(l, inp)
    o <- sens_original(inp, lfull, alpha)
    b <- bounds %||% (o$std.error * seq(0, 1, length.out = 5))
    ci <- vapply(b, function(x) sens_ci(inp, lfull, type, method, x, alpha, seed),
                 numeric(3))
    res[[i]] <- data.frame(target = names(targets)[i], bound = b, conf.low = ci[1, ],
                           conf.high = ci[2, ], method = method, open = ci[3, ] > 0)
    orig[[i]] <- data.frame(target = names(targets)[i], o)
    brk[[i]] <- data.frame(
      target = names(targets)[i],
      breakdown = if (breakdown) sens_breakdown(inp, lfull, type, method, alpha, seed, o, b, ci)
                  else NA_real_)
  }
  structure(list(results = do.call(rbind, res), original = do.call(rbind, orig),
                 breakdown = do.call(rbind, brk), weights = targets, type = type,
                 parameter = arg, method = method, level = level,
                 estimator = es$estimator, periods = inp$post_rel,
                 breakdown_computed = breakdown, reference = inp$ref,
                 note = es$sens_note),
            class = "smartdid_sensitivity")
}

check_es <- function(es, arg = "es") {
  if (!inherits(es, "smartdid_es")) {
    sd_stop("'", arg, "' must be an event study returned by event_study()")
  }
  if (is.null(es$vcov)) {
    sd_stop("'", arg, "' has no covariance matrix ('vcov'); the estimator must ",
            "report one")
  }
  invisible(es)
}

check_bounds <- function(x, arg) {
  if (!is.numeric(x) || !length(x) || anyNA(x) || any(!is.finite(x)) || any(x < 0)) {
    sd_stop("'", arg, "' must be a vector of non-negative numbers, such as c(0, 0.5, 1)")
  }
  invisible(x)
}

sens_method <- function(method, type) {
  ok <- if (type == "relative") c("C-LF", "Conditional") else c("FLCI", "C-LF", "Conditional")
  if (is.null(method)) return(ok[1])
  if (!is.character(method) || length(method) != 1L || !method %in% ok) {
    sd_stop("'method' must be NULL or one of ", paste0("\"", ok, "\"", collapse = ", "),
            " for type = \"", type, "\"")
  }
  method
}

# The pre- and post-period coefficients in HonestDiD's layout: the reference
# period normalised to zero, K consecutive periods before it and T after.
sens_inputs <- function(es) {
  if (!is.null(es$sens_map)) return(sens_inputs_mapped(es))
  est <- es$estimates
  # a normalised row (estimate 0 without variance) is a reference period even
  # where the estimator does not flag it (Callaway-Sant'Anna's universal base)
  fixed <- !is.na(est$estimate) & est$estimate == 0 &
    (is.na(est$std.error) | est$std.error == 0)
  ref <- est$rel_time[est$reference | fixed]
  if (length(ref) != 1L) {
    sd_stop("sensitivity() needs an event study with exactly one reference period ",
            "(found ", length(ref), "): use a single 'ref' with estimator = \"twfe\", ",
            "estimator = \"sunab\", \"cs\" or \"imputation\"")
  }
  ok <- es_estimated(est) & !fixed & est$term %in% rownames(es$vcov)
  k <- est$rel_time[ok]
  pre <- sort(k[k < ref])
  post <- sort(k[k > ref])
  if (!length(pre)) sd_stop("'es' has no estimated period before its reference period")
  if (!any(post >= 0)) sd_stop("'es' has no estimated period at or after relative time 0")
  all_k <- c(pre, ref, post)
  if (any(diff(all_k) != 1)) {
    sd_stop("sensitivity() needs consecutive relative periods around the reference; ",
            "periods ", paste(setdiff(seq(min(all_k), max(all_k)), all_k), collapse = ", "),
            " are missing or not estimated")
  }
  terms <- es_term(c(pre, post))
  beta <- est$estimate[match(terms, est$term)]
  V <- es$vcov[terms, terms, drop = FALSE]
  V <- (V + t(V)) / 2
  list(beta = beta, sigma = V, K = length(pre), T = length(post), ref = ref,
       pre_rel = pre, post_rel = post)
}

# The inputs of an event study whose coefficients sens_prepare() maps to a
# reference period (the imputation estimator, R/sens_reference.R); the
# original interval stays that of the estimator's own post-period rows.
sens_inputs_mapped <- function(es) {
  m <- es$sens_map
  b <- es$estimates$estimate[match(m$from, es$estimates$term)]
  V <- es$vcov[m$from, m$from, drop = FALSE]
  V <- (V + t(V)) / 2
  K <- length(m$pre_rel)
  post <- K + seq_along(m$post_rel)
  S <- m$T %*% V %*% t(m$T)
  list(beta = drop(m$T %*% b), sigma = (S + t(S)) / 2, K = K, T = length(m$post_rel),
       ref = m$ref, pre_rel = m$pre_rel, post_rel = m$post_rel,
       orig_beta = b[post], orig_sigma = V[post, post, drop = FALSE])
}

# Named list of target weight vectors over the post periods at or after 0.
sens_targets <- function(target, es, inp) {
  post0 <- inp$post_rel[inp$post_rel >= 0]
  n <- length(post0)
  if (is.null(target)) {
    target <- if (!identical(es$estimator, "twfe") && !is.null(es$overall_weights))
      "overall" else "first"
  }
  if (is.numeric(target)) {
    if (length(target) != n || anyNA(target) || all(target == 0)) {
      sd_stop("a numeric 'target' must have one weight per post period (", n,
              ": relative times ", paste(post0, collapse = ", "), "), not all zero")
    }
    return(list(weights = as.numeric(target)))
  }
  target <- sd_match_arg(target, c("first", "average", "each", "overall"), "target")
  switch(target,
    first = list(first = c(1, rep(0, n - 1L))),
    average = list(average = rep(1 / n, n)),
    each = stats::setNames(lapply(seq_len(n), function(i) replace(numeric(n), i, 1)),
                           paste0("rel ", post0)),
    overall = list(overall = sens_overall_weights(es, post0)))
}

sens_overall_weights <- function(es, post0) {
  w <- es$overall_weights
  if (is.null(w)) {
    sd_stop("target = \"overall\" needs the estimator's aggregation weights ",
            "(es$overall_weights), which this event study does not have")
  }
  out <- numeric(length(post0))
  terms <- es_term(post0)
  hit <- match(names(w), terms)
  if (any(is.na(hit) & w != 0)) {
    sd_stop("the overall effect of this event study puts weight on periods before ",
            "relative time 0 or outside the estimated window; use another 'target'")
  }
  out[hit[!is.na(hit)]] <- w[!is.na(hit)]
  out
}

# Target weights over all post periods (anticipation periods between the
# reference and 0 get weight 0).
sens_expand <- function(l, inp) {
  out <- numeric(inp$T)
  out[inp$post_rel >= 0] <- l
  out
}

sens_original <- function(inp, l, alpha) {
  post <- inp$K + seq_len(inp$T)
  b <- inp$orig_beta %||% inp$beta[post]
  V <- inp$orig_sigma %||% inp$sigma[post, post, drop = FALSE]
  est <- sum(l * b)
  se <- sqrt(drop(crossprod(l, V %*% l)))
  z <- stats::qnorm(1 - alpha / 2)
  data.frame(estimate = est, std.error = se, conf.low = est - z * se,
             conf.high = est + z * se)
}

# One robust interval: c(lower, upper, open). For relative magnitudes the
# interval is the hull of the sets of 2K restriction sets: each is found on
# a grid, and only the sets whose grid end lies within one step of the
# overall end are refined to their exact boundary. `ends` says which ends
# to refine (the breakdown search needs one).
sens_ci <- function(inp, l, type, method, bound, alpha, seed, points = 501L,
                    ends = c(TRUE, TRUE)) {
  if (method == "FLCI") {
    f <- flci_interval(inp$beta, inp$sigma, inp$K, inp$T, l, bound, alpha)
    return(c(f$lower, f$upper, 0))
  }
  sets <- sens_moment_sets(type, inp$K, inp$T, bound)
  post <- inp$K + seq_len(inp$T)
  lf <- method == "C-LF"
  kappa <- alpha / 10
  co <- lapply(sets, function(ms) {
    st <- arp_setup(ms$A, ms$d, inp$beta, inp$sigma, post, l, ms$pairs)
    cv <- if (lf) arp_lf_cv(st, kappa, seed = seed) else NULL
    br <- arp_bracket(st, if (lf) cv else 20)
    if (!all(is.finite(br))) br <- sens_fallback_bracket(inp, l, br)
    pad <- 1e-9 * max(1, abs(br))
    arp_coarse(st, alpha, cv, kappa, br[1] - pad, br[2] + pad, points)
  })
  lb <- vapply(co, `[[`, 1, "lb")
  ub <- vapply(co, `[[`, 1, "ub")
  if (all(is.na(lb))) return(c(NA_real_, NA_real_, 0))
  step <- vapply(co, `[[`, 1, "step")
  open <- any(vapply(co, `[[`, TRUE, "open"))
  lo <- min(lb, na.rm = TRUE)
  hi <- max(ub, na.rm = TRUE)
  if (ends[1]) {
    cand <- which(!is.na(lb) & lb - step <= lo)
    lo <- min(vapply(co[cand], arp_refine, 1, end = 1L))
  }
  if (ends[2]) {
    cand <- which(!is.na(ub) & ub + step >= hi)
    hi <- max(vapply(co[cand], arp_refine, 1, end = 2L))
  }
  c(lo, hi, as.numeric(open))
}

sens_fallback_bracket <- function(inp, l, br) {
  post <- inp$K + seq_len(inp$T)
  est <- sum(l * inp$beta[post])
  se <- sqrt(drop(crossprod(l, inp$sigma[post, post] %*% l)))
  c(if (is.finite(br[1])) br[1] else est - 100 * se,
    if (is.finite(br[2])) br[2] else est + 100 * se)
}

# Largest bound at which the interval excludes zero: the robust intervals
# widen with the bound, so the near end of the interval (the lower one for a
# positive estimate) is a decreasing function of it whose root is found by
# uniroot() within the grid step where it changes sign (relative precision
# 1e-3); beyond the grid the bound is doubled until the interval includes 0.
sens_breakdown <- function(inp, l, type, method, alpha, seed, orig, grid, ci) {
  if (orig$conf.low <= 0 && orig$conf.high >= 0) return(NA_real_)
  sgn <- if (orig$estimate > 0) 1 else -1
  near <- function(ci) if (is.na(ci[1])) -Inf else if (sgn > 0) ci[1] else -ci[2]
  f <- function(b) near(sens_ci(inp, l, type, method, b, alpha, seed, points = 201L,
                                ends = if (sgn > 0) c(TRUE, FALSE) else c(FALSE, TRUE)))
  ord <- order(grid)
  grid <- grid[ord]
  val <- apply(ci[, ord, drop = FALSE], 2L, near)
  if (grid[1] > 0) {
    grid <- c(0, grid)
    val <- c(f(0), val)
  }
  if (val[1] <= 0) return(0)
  i <- which(val <= 0)[1]
  if (is.na(i)) {
    lo <- grid[length(grid)]
    hi <- max(2 * lo, orig$std.error, 1e-8)
    k <- 0
    while ((fv <- f(hi)) > 0) {
      lo <- hi
      hi <- 2 * hi
      k <- k + 1
      if (k > 10) return(Inf)
    }
    flo <- f(lo)
  } else {
    lo <- grid[i - 1L]
    hi <- grid[i]
    flo <- val[i - 1L]
    fv <- val[i]
  }
  stats::uniroot(f, c(lo, hi), f.lower = flo, f.upper = fv, tol = 1e-3 * hi)$root
}

# Accept (TRUE) or reject each theta under the union of the restriction
# sets (for checks against a grid such as HonestDiD's).
sens_accept <- function(inp, l, type, method, bound, alpha, seed, theta) {
  sets <- sens_moment_sets(type, inp$K, inp$T, bound)
  post <- inp$K + seq_len(inp$T)
  lf <- method == "C-LF"
  acc <- lapply(sets, function(ms) {
    st <- arp_setup(ms$A, ms$d, inp$beta, inp$sigma, post, l, ms$pairs)
    cv <- if (lf) arp_lf_cv(st, alpha / 10, seed = seed) else NULL
    arp_accept(theta, st, alpha, cv, alpha / 10)
  })
  Reduce(`|`, acc)
}

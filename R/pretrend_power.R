#' Power of the pre-trend test and the bias it leaves (Roth 2022)
#'
#' How large a linear violation of parallel trends would the joint pre-trend
#' test detect, and what does passing that test do to the post-period
#' estimates? (Roth 2022, "Pretest with Caution: Event-Study Estimates after
#' Testing for Parallel Trends", *AER: Insights*.)
#'
#' The pre-test is the joint Wald test that all estimated pre-period
#' coefficients are zero at size `alpha` (chi-squared, normal inference, as
#' in the sensitivity analysis; [es_joint()] reports the same test with the
#' event study's t degrees of freedom). A linear trend through the reference
#' period, `delta_k = slope * (k - ref)`, shifts the pre-period coefficients
#' by `delta_pre`, so the Wald statistic is non-central chi-squared with
#' non-centrality `delta_pre' V_pre^-1 delta_pre`:
#'
#' * `slope_power`: the slope the test detects with probability `power`;
#' * for a hypothesised `slope` (default: that slope): the test's power, and
#'   for each post period the bias of the estimate, unconditional
#'   (`delta_k`) and conditional on passing the test. Conditional on the
#'   Wald statistic falling below its critical value, the pre-period
#'   estimates are pulled toward zero: with `z = V_pre^-1/2 b_pre ~ N(mu, I)`
#'   the mean of `z` in the ball is `mu * m(|mu|) / |mu|` (a one-dimensional
#'   integral), and the post-period estimates move with them through their
#'   covariance, `E[b_post - tau | pass] = delta_post + V_post,pre V_pre^-1
#'   delta_pre (m / |mu| - 1)`.
#'
#' Callaway-Sant'Anna with a varying base period and the imputation
#' estimator have no single reference period and are brought to one as in
#' [sensitivity()] (section "Reference period"), with a message: the first is
#' re-estimated with a universal base period; for the second the analysis is
#' that of its coefficients re-expressed relative to period -1 (the pre-test
#' is the same Wald test, the map of its pre-period coefficients being
#' invertible; the post-period rows are the re-expressed effects).
#'
#' @param es An event study ([event_study()]).
#' @param power The power at which to report the detectable slope.
#' @param slope A hypothesised slope of the violation per period; `NULL`
#'   uses `slope_power`.
#' @param alpha Size of the pre-test.
#' @return An object of class `smartdid_pretrend_power`: `slope_power`,
#'   `power` (requested), `slope` (hypothesised), `power_slope` (the test's
#'   power against it), `prob_pass`, `table` (`rel_time`, `estimate`,
#'   `std.error`, `delta`, `bias` (unconditional), `bias_pass` (conditional
#'   on passing: the expected estimate given passing when the true effect
#'   is zero)), `pre` (the pre-period estimates and trend), `alpha`, `ref`,
#'   `q` (test degrees of freedom), `note` (how the reference period was
#'   obtained, or `NULL`). Methods: `print`, `tidy` (the table), `plot`, `autoplot`.
#' @references Roth, J. (2022). Pretest with Caution: Event-Study Estimates
#'   after Testing for Parallel Trends. *American Economic Review: Insights*
#'   4(3), 305-322.
#' @examples
#' est <- data.frame(rel_time = -4:3,
#'                   estimate = c(0.02, -0.01, 0.01, 0, 0.30, 0.35, 0.42, 0.40),
#'                   std.error = c(0.05, 0.05, 0.04, NA, 0.06, 0.07, 0.08, 0.09))
#' est <- es_fill_stats(est)
#' V <- diag(est$std.error[-4]^2)
#' dimnames(V) <- rep(list(paste0("rel::", est$rel_time[-4])), 2)
#' es <- new_event_study(est, es_overall(est, V), "manual", nobs = 100, vcov = V)
#' pp <- pretrend_power(es, power = 0.8)
#' pp
#' plot(pp)
#' @export
pretrend_power <- function(es, power = 0.8, slope = NULL, alpha = 0.05) {
  check_es(es)
  check_level(power, "power")
  check_level(alpha, "alpha")
  if (!is.null(slope) && (!is.numeric(slope) || length(slope) != 1L || !is.finite(slope))) {
    sd_stop("'slope' must be NULL or one finite number")
  }
  es <- sens_prepare(es, "pretrend_power()")
  inp <- sens_inputs(es)
  pre <- seq_len(inp$K)
  post <- inp$K + seq_len(inp$T)
  tpre <- inp$pre_rel - inp$ref
  tpost <- inp$post_rel - inp$ref
  Vp <- inp$sigma[pre, pre, drop = FALSE]
  eg <- eigen(Vp, symmetric = TRUE)
  pos <- eg$values > max(eg$values, 0) * 1e-10
  q <- sum(pos)
  Vinv <- eg$vectors[, pos, drop = FALSE] %*%
    (t(eg$vectors[, pos, drop = FALSE]) / eg$values[pos])
  crit <- stats::qchisq(1 - alpha, q)
  info1 <- drop(crossprod(tpre, Vinv %*% tpre))      # ncp per unit slope^2
  ncp_p <- ncp_for_power(power, q, crit)
  slope_power <- sqrt(ncp_p / info1)
  g <- slope %||% slope_power
  dpre <- g * tpre
  dpost <- g * tpost
  a <- sqrt(g^2 * info1)                              # |mu|
  pass <- stats::pchisq(crit, q, ncp = a^2)
  shrink <- if (a > 0) ball_mean(a, q, sqrt(crit)) / a - 1 else 0
  bias_pass <- dpost + drop(inp$sigma[post, pre, drop = FALSE] %*% Vinv %*% dpre) * shrink
  tab <- data.frame(rel_time = inp$post_rel, estimate = inp$beta[post],
                    std.error = sqrt(diag(inp$sigma)[post]), delta = dpost, bias = dpost,
                    bias_pass = bias_pass)
  structure(list(slope_power = slope_power, power = power, slope = g,
                 power_slope = 1 - pass, prob_pass = pass, table = tab, alpha = alpha,
                 ref = inp$ref, q = q, note = es$sens_note,
                 pre = data.frame(rel_time = inp$pre_rel, estimate = inp$beta[pre],
                                  std.error = sqrt(diag(Vp)), delta = dpre)),
            class = "smartdid_pretrend_power")
}

# The non-centrality at which a chi-squared(q) test with critical value
# `crit` has the given power.
ncp_for_power <- function(power, q, crit) {
  f <- function(ncp) stats::pchisq(crit, q, ncp = ncp, lower.tail = FALSE) - power
  hi <- 1
  while (f(hi) < 0) hi <- hi * 2
  stats::uniroot(f, c(0, hi), tol = 1e-12)$root
}

# E[z_1 | |z| <= r] for z ~ N((a, 0, ..., 0), I_q):
# int_{-r}^{r} x phi(x - a) F_{chi2(q-1)}(r^2 - x^2) dx / P(|z| <= r).
ball_mean <- function(a, q, r) {
  w <- function(x) stats::pchisq(pmax(r^2 - x^2, 0), q - 1)
  num <- stats::integrate(function(x) x * stats::dnorm(x - a) * w(x), -r, r,
                          rel.tol = 1e-10)$value
  den <- stats::integrate(function(x) stats::dnorm(x - a) * w(x), -r, r,
                          rel.tol = 1e-10)$value
  num / den
}

#' Print, tidy and plot a pre-trend power analysis
#'
#' `tidy()` returns the post-period table of [pretrend_power()]; `plot()`
#' draws the event-study estimates with their 95% intervals, the
#' hypothesised trend (dashed) and, after the reference period, the expected
#' estimates conditional on passing the pre-test when the true effect is
#' zero (`delta` plus the conditional bias shift); `autoplot()` the same
#' with \pkg{ggplot2}.
#' @param x,object A [pretrend_power()] result.
#' @param digits Digits printed.
#' @param ... Unused (`plot()`: passed to [graphics::plot()]).
#' @return `print()` and `plot()` return `x` invisibly; `tidy()` a data
#'   frame; `autoplot()` a ggplot object.
#' @examples
#' est <- data.frame(rel_time = -3:2, estimate = c(0.01, -0.02, 0, 0.3, 0.35, 0.4),
#'                   std.error = c(0.05, 0.05, NA, 0.06, 0.07, 0.08))
#' est <- es_fill_stats(est)
#' V <- diag(est$std.error[-3]^2)
#' dimnames(V) <- rep(list(paste0("rel::", est$rel_time[-3])), 2)
#' es <- new_event_study(est, es_overall(est, V), "manual", nobs = 100, vcov = V)
#' tidy(pretrend_power(es))
#' @name pretrend_power-methods
NULL

#' @rdname pretrend_power-methods
#' @export
print.smartdid_pretrend_power <- function(x, digits = 4, ...) {
  cat("Power of the joint pre-trend test (Roth 2022)\n")
  if (!is.null(x$note)) cat("Reference: ", x$note, "\n", sep = "")
  cat("Wald test of ", x$q, " pre-period coefficient(s), size ", format(x$alpha), "\n",
      sep = "")
  cat("Linear trend detected with power ", format(x$power), ": slope ",
      formatC(x$slope_power, format = "g", digits = digits), " per period\n", sep = "")
  cat("Hypothesised slope ", formatC(x$slope, format = "g", digits = digits),
      ": power ", fmt_num(x$power_slope, 3), ", probability of passing ",
      fmt_num(x$prob_pass, 3), "\n\n", sep = "")
  tab <- x$table
  num <- vapply(tab, is.numeric, TRUE)
  tab[num & names(tab) != "rel_time"] <- lapply(tab[num & names(tab) != "rel_time"],
                                                 fmt_num, digits = digits)
  print(tab, row.names = FALSE)
  invisible(x)
}

#' @rdname pretrend_power-methods
#' @method tidy smartdid_pretrend_power
#' @export
tidy.smartdid_pretrend_power <- function(x, ...) x$table

#' @rdname pretrend_power-methods
#' @export
plot.smartdid_pretrend_power <- function(x, ...) {
  d <- pp_plot_data(x)
  z <- stats::qnorm(0.975)
  lo <- d$estimate - z * d$std.error
  hi <- d$estimate + z * d$std.error
  graphics::plot(d$rel_time, d$estimate, pch = 19,
                 ylim = range(c(lo, hi, d$delta, d$expected_pass, 0), na.rm = TRUE),
                 xlab = "relative time", ylab = "estimate", ...)
  graphics::segments(d$rel_time, lo, d$rel_time, hi)
  graphics::abline(h = 0, col = "grey60")
  graphics::lines(d$rel_time, d$delta, lty = 2, col = "firebrick")
  post <- !is.na(d$expected_pass)
  graphics::points(d$rel_time[post], d$expected_pass[post], pch = 4, col = "navy")
  invisible(x)
}

# Estimates (reference row included), the trend and, after the reference,
# the expected estimate given passing when the true effect is zero.
pp_plot_data <- function(x) {
  pre <- x$pre
  post <- x$table
  rbind(data.frame(pre, expected_pass = NA_real_),
        data.frame(rel_time = x$ref, estimate = 0, std.error = 0, delta = 0,
                   expected_pass = NA_real_),
        data.frame(post[, c("rel_time", "estimate", "std.error", "delta")],
                   expected_pass = post$bias_pass))
}

#' @rdname pretrend_power-methods
#' @exportS3Method ggplot2::autoplot
autoplot.smartdid_pretrend_power <- function(object, ...) {
  need_ggplot2()
  d <- pp_plot_data(object)
  z <- stats::qnorm(0.975)
  d$conf.low <- d$estimate - z * d$std.error
  d$conf.high <- d$estimate + z * d$std.error
  ggplot2::ggplot(d, ggplot2::aes(x = .data$rel_time)) +
    ggplot2::geom_hline(yintercept = 0, colour = "grey60") +
    ggplot2::geom_pointrange(ggplot2::aes(y = .data$estimate, ymin = .data$conf.low,
                                          ymax = .data$conf.high)) +
    ggplot2::geom_line(ggplot2::aes(y = .data$delta), linetype = 2, colour = "firebrick") +
    ggplot2::geom_point(ggplot2::aes(y = .data$expected_pass), shape = 4,
                        colour = "navy", na.rm = TRUE) +
    ggplot2::labs(x = "relative time", y = "estimate")
}

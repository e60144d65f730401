# Confidence intervals by inverting the bootstrap test. Every draw's t is a
# known function of the tested value r (delta = estimate - r): its numerator
# n0 + delta n1 is linear and its variance d0 + 2 delta d1 + delta^2 d2
# quadratic in delta (under WCU n1 = d1 = d2 = 0), so the p-value function
# p(r) costs one pass over the draws (sd_boottest_count), not a new bootstrap.

# Relative distance below which a draw's t ties with the original t.
bt_tie_eps <- 1e-9

bt_count <- function(bd, delta, sd0) {
  .Call(C_sd_boottest_count, bd$num, bd$cross, as.double(delta), sd0, bt_tie_eps)
}

# p(r) at several values of r.
bt_pfun <- function(bd, est, sd0, p_type, values) {
  bt_pvalue(bt_count(bd, est - values, sd0), p_type)
}

# c(low, high).
bt_confint <- function(bd, est, sd0, se, opt) {
  alpha <- 1 - opt$level
  pf <- function(v) bt_pfun(bd, est, sd0, opt$p_type, v)
  code <- match(opt$p_type, c("symmetric", "equal-tailed", ">", "<"))
  bisect <- function(inner, outer, width) {
    .Call(C_sd_boottest_bisect, bd$num, bd$cross,
          as.double(c(est, sd0, bt_tie_eps, inner, outer, alpha, width, code)))
  }
  if (!isTRUE(getOption("smartdid.boottest_bisect_c", TRUE))) bisect <- NULL
  lo <- if (opt$p_type == "<") -Inf else bt_bound(pf, est, -se, alpha, opt$tol, bisect)
  hi <- if (opt$p_type == ">") Inf else bt_bound(pf, est, se, alpha, opt$tol, bisect)
  c(lo, hi)
}

# The bound on one side (step: plus or minus one standard error): a value
# where p(r) falls to alpha or below, moving away from the estimate. A
# bracket by doubling steps from the estimate (the innermost rejected value
# of 2^(-2:40) standard errors, found 8 at a time), then bisection until it
# is narrower than tol standard errors; the bound is the bracket's midpoint.
# NA if the estimate itself is rejected, +-Inf if nothing within 2^40
# standard errors is. `bisect(inner, outer, width)`: the same bisection in C
# (src/boottest_ci.c, which sets aside the draws that cannot change side
# within the bracket), returning the final c(inner, outer).
bt_bound <- function(pf, est, step, alpha, tol, bisect = NULL) {
  inner <- est
  if (!isTRUE(pf(inner) > alpha)) return(NA_real_)
  mult <- 2^(-2:40)
  outer <- NA_real_
  for (i in seq(1L, length(mult), by = 8L)) {
    vals <- est + step * mult[i:min(i + 7L, length(mult))]
    rej <- which(!(pf(vals) > alpha))
    if (length(rej)) {
      j <- rej[1]
      outer <- vals[j]
      if (j > 1L) inner <- vals[j - 1L]
      break
    }
    inner <- vals[length(vals)]
  }
  if (is.na(outer)) return(sign(step) * Inf)
  width <- abs(step) * tol
  if (!is.null(bisect)) {
    io <- bisect(inner, outer, width)
    return((io[1] + io[2]) / 2)
  }
  while (abs(outer - inner) > width) {
    mid <- (inner + outer) / 2
    if (isTRUE(pf(mid) > alpha)) inner <- mid else outer <- mid
  }
  (inner + outer) / 2
}

#' The p-value function of a wild cluster bootstrap test
#'
#' The bootstrap p-value of `H0: R beta = r` at each of `values` of `r`,
#' from the draws of a [boottest()] result (no new bootstrap: under WCR each
#' draw's t is a known function of `r`). Its upper level set at `1 - level`
#' is the confidence interval.
#'
#' @param x A [boottest()] result computed with `conf_int = TRUE`.
#' @param values Values of `r`; by default 201 points spanning the interval
#'   and half its width on each side.
#' @return A data frame: `value`, `p.value`.
#' @examples
#' d <- expand.grid(unit = 1:24, year = 2001:2008)
#' d$region <- (d$unit - 1) %/% 3 + 1
#' d$D <- as.numeric(d$region <= 4 & d$year >= 2005)
#' d$y <- 0.5 * d$D + cos(d$unit + 2 * d$year)
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D",
#'                 cluster = "region")
#' bt <- boottest(fit, "D")
#' bt_pvalue_function(bt, c(bt$conf.low, bt$estimate, bt$conf.high))
#' @export
bt_pvalue_function <- function(x, values = NULL) {
  if (!inherits(x, "smartdid_boottest")) sd_stop("'x' must be a boottest() result")
  if (is.null(x$draws)) {
    sd_stop("'x' has no p-value function; rerun boottest() with conf_int = TRUE")
  }
  if (is.null(values)) {
    se <- x$std.error
    span <- c(if (is.finite(x$conf.low)) x$conf.low else x$estimate - 4 * se,
              if (is.finite(x$conf.high)) x$conf.high else x$estimate + 4 * se)
    w <- diff(span)
    values <- sort(unique(c(seq(span[1] - w / 2, span[2] + w / 2, length.out = 201),
                            x$estimate)))
  }
  if (!is.numeric(values) || anyNA(values)) sd_stop("'values' must be numbers without NA")
  data.frame(value = values,
             p.value = bt_pfun(x$draws, x$estimate, x$draws$sd0, x$p_type, values))
}

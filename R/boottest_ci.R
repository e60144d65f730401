# Confidence intervals by inverting the bootstrap test. Every draw's t is a
# known function of the tested value r (delta = estimate - r): its numerator
# n0 + delta n1 is linear and its variance d0 + 2 delta d1 + delta^2 d2
# quadratic in delta (under WCU n1 = d1 = d2 = 0), so the p-value function
# p(r) costs one pass over the draws (sd_boottest_count), not a new bootstrap.

# p(r) at several values of r.
bt_pfun <- function(bd, est, sd0, p_type, values) {
  cnt <- .Call(C_sd_boottest_count, bd$num, bd$cross, as.double(est - values), sd0)
  bt_pvalue(cnt, p_type)
}

# list(bounds = c(low, high), curve = data.frame(value, p.value)).
bt_confint <- function(bd, est, sd0, se, opt) {
  alpha <- 1 - opt$level
  pf <- function(v) bt_pfun(bd, est, sd0, opt$p_type, v)
  lo <- if (opt$p_type == "<") -Inf else bt_bound(pf, est, -se, alpha, opt$tol)
  hi <- if (opt$p_type == ">") Inf else bt_bound(pf, est, se, alpha, opt$tol)
  span <- c(if (is.finite(lo)) lo else est - 4 * se, if (is.finite(hi)) hi else est + 4 * se)
  width <- diff(span)
  grid <- seq(span[1] - 0.5 * width, span[2] + 0.5 * width, length.out = 401)
  grid <- sort(unique(c(grid, est, span)))
  list(bounds = c(lo, hi), curve = data.frame(value = grid, p.value = pf(grid)))
}

# The bound on one side (step: plus or minus one standard error): the first
# value, moving away from the estimate, where p(r) falls to alpha or below.
# Bracket by doubling steps, then shrink the bracket 16-fold per round until
# it is narrower than tol standard errors; the bound is its midpoint. NA if
# the estimate itself is rejected, +-Inf if nothing within 2^40 standard
# errors is.
bt_bound <- function(pf, est, step, alpha, tol) {
  inner <- est
  if (!isTRUE(pf(inner) > alpha)) return(NA_real_)
  mult <- 2^(0:40)
  outer <- NA_real_
  for (i in seq(1L, length(mult), by = 8L)) {
    vals <- est + step * mult[i:min(i + 7L, length(mult))]
    p <- pf(vals)
    rej <- which(!(p > alpha))
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
  while (abs(outer - inner) > width) {
    vals <- inner + (outer - inner) * (1:15) / 16
    p <- pf(vals)
    rej <- which(!(p > alpha))
    if (length(rej)) {
      j <- rej[1]
      outer <- vals[j]
      if (j > 1L) inner <- vals[j - 1L]
    } else {
      inner <- vals[15]
    }
  }
  (inner + outer) / 2
}

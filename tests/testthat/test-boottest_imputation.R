# boottest() on the imputation event study (R/boottest_imputation.R): the WCR
# draws of the horizons equal re-running the estimator,
# event_study(estimator = "imputation"), on every bootstrap outcome with the
# same weights; the pre-periods keep the multiplier bootstrap.

# The restricted outcome of horizon h written out by hand: the first stage
# by lm() on the untreated observations, tau and its cohort-by-horizon cell
# means, the horizon's cells shifted to the null; then, for each draw,
# fitted + v * residual and the estimator re-run on it.
brute_imp <- function(d, h, V, r = 0) {
  u0 <- d$D == 0
  m0 <- stats::lm(y ~ x + factor(unit) + factor(year), data = d[u0, ])
  y0 <- stats::predict(m0, newdata = d)
  tau <- d$y - y0
  rel <- d$year - d$first
  cellmean <- stats::ave(tau, d$first, rel)
  at <- !u0 & rel == h
  theta <- mean(tau[at])
  fitted <- ifelse(u0, stats::fitted(m0)[match(seq_len(nrow(d)), which(u0))], y0 + cellmean)
  fitted[at] <- fitted[at] - (theta - r)
  res <- d$y - fitted
  vapply(seq_len(ncol(V)), function(j) {
    dd <- d
    dd$y <- fitted + V[d$prov, j] * res
    f <- smartdid(y ~ x, data = dd, id = "unit", time = "year", cohort = "first",
                  cluster = "prov")
    es <- event_study(f, estimator = "imputation", leads = 0, lags = 5, ref = 0)$estimates
    row <- es[es$rel_time == h, ]
    (row$estimate - r) / row$std.error
  }, 1)
}

test_that("imputation: WCR equals re-running the estimator on every draw", {
  d <- staggered_bt_panel()
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", cohort = "first",
                  cluster = "prov")
  es <- event_study(fit, estimator = "imputation", leads = 2)
  b <- boottest(es, B = 49, seed = 5, r = 0.1)
  expect_match(b$method, "WCR")
  est <- es$estimates[!es$estimates$reference, ]
  post <- b$estimates$rel_time >= 0
  expect_equal(b$estimates$statistic[post],
               (est$estimate[est$rel_time >= 0] - 0.1) / est$std.error[est$rel_time >= 0],
               tolerance = 1e-8)
  set.seed(5)
  V <- boot_weights("rademacher", 10, 49)
  for (h in c(0, 2)) {
    tm <- paste0("rel::", h)
    tb <- brute_imp(d, h, V, r = 0.1)
    expect_lt(max(abs(b$t_boot[, tm] - tb)) / max(1, abs(tb)), 1e-10)
    t0 <- b$estimates$statistic[b$estimates$term == tm]
    expect_equal(b$estimates$p.value[b$estimates$term == tm],
                 mean(abs(tb) > abs(t0) * (1 + 1e-9)))
  }
  # the interval inverts the test
  i <- which(b$estimates$term == "rel::1")
  expect_true(b$estimates$conf.low[i] < b$estimates$estimate[i] &&
                b$estimates$estimate[i] < b$estimates$conf.high[i])
  # pre-periods: the multiplier bootstrap (as with impose_null = FALSE)
  u <- boottest(es, B = 49, seed = 5, r = 0.1, impose_null = FALSE)
  expect_equal(b$estimates[!post, ], u$estimates[!post, ])
  expect_match(u$method, "multiplier")
  expect_error(boottest(es, B = 49, cluster = "prov"), "impose_null = FALSE")
})

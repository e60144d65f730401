# boottest() on event studies: the TWFE regression's coefficients equal the
# smartdid() boottest of the same regression; the multiplier bootstrap of
# the influence functions reproduces the analytic std. errors.

es_bt_panel <- function() {
  set.seed(1)
  d <- expand.grid(unit = 1:60, year = 2001:2010)
  d$prov <- (d$unit - 1) %/% 4 + 1
  d$first <- ifelse(d$unit <= 30, 2004 + d$unit %% 4, NA)
  d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
  d$x <- rnorm(nrow(d))
  d$y <- 0.3 * d$D + 0.2 * d$x + rnorm(nrow(d)) + rnorm(15)[d$prov]
  d
}

test_that("TWFE event study: each coefficient equals boottest() on the same regression", {
  d <- es_bt_panel()
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", cohort = "first",
                  cluster = "prov")
  es <- event_study(fit, leads = 3, lags = 2)
  b <- boottest(es, B = 399, seed = 4, type = "webb")
  est <- es$estimates[!es$estimates$reference, ]
  expect_equal(b$estimates$estimate, est$estimate, tolerance = 1e-10)
  expect_equal(b$estimates$statistic, est$statistic, tolerance = 1e-8)
  # the same regression as a smartdid() fit: relative-time dummies as columns
  rel <- ifelse(is.na(d$first), NA, d$year - d$first)
  if (isTRUE(es$info$bin)) rel <- pmin(pmax(rel, -3), 2)
  dd <- d[es$model$obs, ]
  rr <- rel[es$model$obs]
  for (k in c(-3, -2, 0, 1, 2)) dd[[paste0("r", k + 10)]] <- as.numeric(!is.na(rr) & rr == k)
  f2 <- smartdid(y ~ x + r7 + r8 + r11 + r12, data = dd, id = "unit", time = "year",
                 treat = "r10", cluster = "prov")
  b2 <- boottest(f2, "r10", B = 399, seed = 4, type = "webb")
  row <- b$estimates[b$estimates$term == "rel::0", ]
  expect_equal(row$estimate, b2$estimate, tolerance = 1e-10)
  expect_equal(row$p.value, b2$p.value)
  expect_equal(c(row$conf.low, row$conf.high), c(b2$conf.low, b2$conf.high), tolerance = 1e-8)
  # the joint pre-test: its statistic is the F of es_pretest(); the band covers
  # the pointwise intervals' quantile
  expect_equal(b$joint$statistic, es$pretest$statistic, tolerance = 1e-8)
  expect_true(b$joint$p.value > 0 && b$joint$p.value < 1)
  expect_gt(b$band_crit, stats::qnorm(0.975))
  expect_true(all(b$estimates$band.low <= b$estimates$estimate))
})

test_that("influence-function estimators: multiplier bootstrap with the analytic std. errors", {
  d <- es_bt_panel()
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", cohort = "first",
                  cluster = "prov")
  es <- event_study(fit, estimator = "cs", leads = 3, lags = 3)
  b <- boottest(es, B = 999, seed = 1, type = "webb")
  est <- es$estimates[!es$estimates$reference & !is.na(es$estimates$std.error), ]
  expect_equal(b$estimates$std.error, est$std.error, tolerance = 1e-8)
  expect_true(all(b$estimates$p.value >= 0 & b$estimates$p.value <= 1))
  expect_true(all(b$estimates$band.high - b$estimates$band.low >=
                    b$estimates$conf.high - b$estimates$conf.low - 1e-12))
  # reproducible with the seed, stream untouched
  set.seed(2)
  s0 <- .Random.seed
  b2 <- boottest(es, B = 999, seed = 1, type = "webb")
  expect_identical(.Random.seed, s0)
  expect_identical(b$estimates, b2$estimates)
  expect_error(boottest(es, B = 99, type = "norm"), "rademacher")
  expect_snapshot(print(boottest(es, B = 99, seed = 1, type = "webb")))
})

# sensitivity(): properties that hold without a reference implementation
# (the comparison with HonestDiD is in test-sensitivity-honestdid.R).

set.seed(11)
K <- 3
T <- 3
S <- sens_sigma(K + T)
b <- c(0.01, -0.03, 0.02, 0.30, 0.32, 0.35)
es <- sens_es(b, S, K)

test_that("the original interval is the normal interval of the target", {
  s <- sensitivity(es, Mbar = 1, breakdown = FALSE)
  z <- qnorm(0.975)
  expect_equal(s$original$estimate, b[4], tolerance = 1e-12)
  expect_equal(s$original$conf.low, b[4] - z * sqrt(S[4, 4]), tolerance = 1e-12)
  s <- sensitivity(es, Mbar = 1, target = "average", breakdown = FALSE)
  l <- rep(1 / 3, 3)
  se <- sqrt(drop(t(l) %*% S[4:6, 4:6] %*% l))
  expect_equal(s$original$conf.high, mean(b[4:6]) + z * se, tolerance = 1e-12)
})

test_that("with a tiny covariance the intervals shrink to the identified set", {
  tiny <- sens_es(b, S * 1e-12, K)
  # Mbar = 0: no post-period violation, theta = l' beta_post
  r <- sensitivity(tiny, Mbar = 0, breakdown = FALSE)$results
  expect_equal(c(r$conf.low, r$conf.high), rep(b[4], 2), tolerance = 1e-4)
  # Mbar = 1: delta_1 within +-max |pre first difference|
  md <- max(abs(diff(c(b[1:3], 0))))
  r <- sensitivity(tiny, Mbar = 1, breakdown = FALSE)$results
  expect_equal(c(r$conf.low, r$conf.high), b[4] + c(-1, 1) * md, tolerance = 1e-4)
  # smoothness, M = 0, conditional tests (post-period moments only):
  # delta_t = -t * beta_-1 extrapolated from the last pre period
  for (m in c("C-LF", "Conditional")) {
    r <- sensitivity(tiny, type = "smoothness", M = 0, method = m, breakdown = FALSE)$results
    expect_equal(c(r$conf.low, r$conf.high), rep(b[4] + b[3], 2), tolerance = 1e-4)
  }
})

test_that("the intervals widen with Mbar and the FLCI with M", {
  grid <- seq(0, 2, by = 0.25)
  for (tg in list("first", "average")) {
    r <- sensitivity(es, Mbar = grid, target = tg, breakdown = FALSE)$results
    expect_true(all(diff(r$conf.low) <= 1e-10))
    expect_true(all(diff(r$conf.high) >= -1e-10))
    r <- sensitivity(es, Mbar = grid, target = tg, method = "Conditional",
                     breakdown = FALSE)$results
    expect_true(all(diff(r$conf.low) <= 1e-10))
    expect_true(all(diff(r$conf.high) >= -1e-10))
  }
  skip_if_not_installed("quadprog")
  r <- sensitivity(es, type = "smoothness", M = seq(0, 0.1, by = 0.02),
                   breakdown = FALSE)$results
  expect_true(all(diff(r$conf.high - r$conf.low) >= -1e-10))
  r <- sensitivity(es, type = "smoothness", M = seq(0, 0.1, by = 0.02), method = "C-LF",
                   breakdown = FALSE)$results
  expect_true(all(diff(r$conf.low) <= 1e-10))
  expect_true(all(diff(r$conf.high) >= -1e-10))
})

test_that("the breakdown value is where the interval reaches zero", {
  s <- sensitivity(es, Mbar = c(0, 1, 2, 4))
  bd <- s$breakdown$breakdown
  expect_true(bd > 0)
  lo <- sensitivity(es, Mbar = bd * (1 - 3e-3), breakdown = FALSE)$results
  hi <- sensitivity(es, Mbar = bd * (1 + 3e-3), breakdown = FALSE)$results
  expect_gt(lo$conf.low, 0)
  expect_lte(hi$conf.low, 0)
  # an original interval that includes zero has no breakdown value
  flat <- sens_es(c(b[1:3], 0.01, 0.02, 0.03), S, K)
  expect_true(is.na(sensitivity(flat, Mbar = 1)$breakdown$breakdown))
})

test_that("targets: first, average, each, numeric", {
  a <- sensitivity(es, Mbar = c(0.5, 1), target = "average", breakdown = FALSE)
  n <- sensitivity(es, Mbar = c(0.5, 1), target = rep(1 / 3, 3), breakdown = FALSE)
  expect_equal(a$results$conf.low, n$results$conf.low)
  e <- sensitivity(es, Mbar = 1, target = "each", breakdown = FALSE)
  expect_equal(e$results$target, c("rel 0", "rel 1", "rel 2"))
  f <- sensitivity(es, Mbar = 1, target = "first", breakdown = FALSE)
  expect_equal(e$results$conf.low[1], f$results$conf.low)
  expect_error(sensitivity(es, target = c(1, 0)), "one weight per post period")
  expect_error(sensitivity(es, target = "last"), "'target' must be one of")
  expect_error(sensitivity(es, target = "overall"), "aggregation weights")
})

test_that("bad input is refused with a message naming the argument", {
  expect_error(sensitivity(list()), "'es' must be an event study")
  expect_error(sensitivity(es, Mbar = -1), "'Mbar' must be")
  expect_error(sensitivity(es, type = "smoothness", M = NA), "'M' must be")
  expect_error(sensitivity(es, method = "FLCI"), "'method' must be")
  expect_error(sensitivity(es, level = 2), "'level' must be")
  gap <- es
  gap$estimates <- gap$estimates[gap$estimates$rel_time != -3, ]
  expect_error(sensitivity(gap), "consecutive")
  noref <- es
  noref$estimates <- noref$estimates[!noref$estimates$reference, ]
  expect_error(sensitivity(noref), "exactly one reference period")
})

test_that("a violation inside the restriction set is covered at the nominal rate", {
  skip_on_cran()
  # relative magnitudes, Mbar = 1: pre-period differences up to 0.05, the
  # post-period violation changing by the same amount
  K <- 2
  T <- 2
  S <- sens_sigma(K + T, scale = 0.004)
  delta <- c(-0.05, 0, 0.05, 0.1)   # t = -2, -1 | 1, 2 (delta_0 = 0)
  tau <- c(0.2, 0.2)
  set.seed(20260)
  R <- chol(S)
  cover <- vapply(seq_len(150), function(r) {
    bh <- delta + c(0, 0, tau) + drop(rnorm(K + T) %*% R)
    ci <- sensitivity(sens_es(bh, S, K), Mbar = 1, breakdown = FALSE)$results
    ci$conf.low <= tau[1] && tau[1] <= ci$conf.high
  }, TRUE)
  # exact for this seed; at the nominal 95%, 150 draws cover fewer than 133
  # times with probability < 1%
  expect_gte(mean(cover), 133 / 150)
  skip_if_not_installed("quadprog")
  # smoothness, M = 0.02: a trend with a kink of 0.02 at the reference
  delta <- c(-0.04, -0.02, 0.02, 0.06)
  set.seed(20261)
  cover <- vapply(seq_len(150), function(r) {
    bh <- delta + c(0, 0, tau) + drop(rnorm(K + T) %*% R)
    ci <- sensitivity(sens_es(bh, S, K), type = "smoothness", M = 0.02,
                      breakdown = FALSE)$results
    ci$conf.low <= tau[1] && tau[1] <= ci$conf.high
  }, TRUE)
  expect_gte(mean(cover), 133 / 150)
  # the same violation with the hybrid test (smoothness, C-LF), average target
  set.seed(20262)
  cover <- vapply(seq_len(150), function(r) {
    bh <- delta + c(0, 0, tau) + drop(rnorm(K + T) %*% R)
    ci <- sensitivity(sens_es(bh, S, K), type = "smoothness", M = 0.02, method = "C-LF",
                      target = "average", breakdown = FALSE)$results
    ci$conf.low <= tau[1] && tau[1] <= ci$conf.high
  }, TRUE)
  expect_gte(mean(cover), 133 / 150)
})

test_that("works on event studies of the package's estimators", {
  set.seed(2)
  d <- expand.grid(year = 2001:2012, unit = 1:60)
  d$first <- ifelse(d$unit <= 30, 2005 + d$unit %% 4, NA)
  d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
  rel <- ifelse(is.na(d$first), -99, d$year - d$first)
  d$y <- 0.5 * (rel >= 0) + d$unit / 20 + rnorm(nrow(d), sd = 0.3)
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  tw <- suppressMessages(event_study(fit, leads = 3, lags = 3))
  s <- sensitivity(tw, Mbar = c(0, 1))
  expect_equal(s$original$estimate,
               tw$estimates$estimate[tw$estimates$rel_time == 0])
  expect_true(all(s$results$conf.low < s$original$estimate))
  sa <- suppressMessages(event_study(fit, leads = 3, lags = 3, estimator = "sunab"))
  s2 <- sensitivity(sa, Mbar = c(0, 1))
  expect_equal(nrow(s2$results), 2L)
  # Callaway-Sant'Anna: the universal base period is the reference; the
  # varying one (short differences before adoption) is re-estimated with it
  # and the imputation estimator re-expressed (test-sens_reference.R)
  cs <- suppressMessages(event_study(fit, leads = 3, lags = 3, estimator = "cs",
                                     base_period = "universal"))
  s3 <- sensitivity(cs, Mbar = 1, target = "first")
  expect_equal(s3$original$estimate, cs$estimates$estimate[cs$estimates$rel_time == 0])
  csv <- suppressMessages(event_study(fit, leads = 3, lags = 3, estimator = "cs"))
  expect_message(s5 <- sensitivity(csv, Mbar = 1, target = "first"), "universal")
  expect_equal(s5$results, s3$results, tolerance = 1e-12)
  bjs <- suppressMessages(event_study(fit, leads = 3, lags = 3, estimator = "imputation"))
  expect_message(sensitivity(bjs, Mbar = 1, breakdown = FALSE), "re-expressed")
  # the estimator's own aggregation weights are the default target when the
  # window holds every period of its overall effect
  sa7 <- suppressMessages(event_study(fit, leads = 3, lags = 7, estimator = "sunab"))
  skip_if(is.null(sa7$overall_weights))
  s4 <- sensitivity(sa7, Mbar = 1, breakdown = FALSE)
  expect_equal(names(s4$weights), "overall")
  expect_equal(s4$original$estimate, sa7$overall$estimate, tolerance = 1e-10)
  expect_equal(sum(s4$weights$overall), sum(sa7$overall_weights), tolerance = 1e-12)
})

# pretrend_power(): Roth (2022) power of the pre-test and bias after passing.

K <- 3
T <- 2
S <- sens_sigma(K + T, scale = 0.004, rho = 0.6)
b <- c(0.02, -0.01, 0.03, 0.2, 0.25)
es <- sens_es(b, S, K)

test_that("the detectable slope has the requested power", {
  pp <- pretrend_power(es, power = 0.8)
  tpre <- c(-3, -2, -1)
  ncp <- pp$slope_power^2 * drop(t(tpre) %*% solve(S[1:3, 1:3]) %*% tpre)
  expect_equal(pchisq(qchisq(0.95, 3), 3, ncp = ncp, lower.tail = FALSE), 0.8,
               tolerance = 1e-8)
  expect_equal(pp$power_slope, 0.8, tolerance = 1e-8)
  expect_equal(pp$table$delta, pp$slope_power * c(1, 2))
  pp5 <- pretrend_power(es, power = 0.5)
  expect_lt(pp5$slope_power, pp$slope_power)
})

test_that("the bias after passing matches a simulation", {
  slope <- 0.03
  pp <- pretrend_power(es, slope = slope)
  set.seed(42)
  n <- 200000
  delta <- slope * c(-3, -2, -1, 1, 2)
  draws <- matrix(rnorm(n * 5), n) %*% chol(S) + rep(delta, each = n)
  W <- rowSums((draws[, 1:3] %*% solve(S[1:3, 1:3])) * draws[, 1:3])
  pass <- W <= qchisq(0.95, 3)
  expect_equal(pp$prob_pass, mean(pass), tolerance = 0.01)
  sim <- colMeans(draws[pass, 4:5])
  se <- apply(draws[pass, 4:5], 2, sd) / sqrt(sum(pass))
  expect_true(all(abs(pp$table$bias_pass - sim) < 5 * se))
  # correlated with the pre-period estimates, the post ones move with them
  expect_true(all(abs(pp$table$bias_pass - pp$table$bias) > 1e-4))
})

test_that("without correlation between pre and post, passing changes nothing", {
  S0 <- S
  S0[1:3, 4:5] <- S0[4:5, 1:3] <- 0
  pp <- pretrend_power(sens_es(b, S0, K), slope = 0.02)
  expect_equal(pp$table$bias_pass, pp$table$delta, tolerance = 1e-12)
})

test_that("print, tidy, plot, autoplot and bad input", {
  pp <- pretrend_power(es)
  expect_output(print(pp), "detected with power 0.8")
  expect_equal(names(tidy(pp)), c("rel_time", "estimate", "std.error", "delta", "bias",
                                  "bias_pass"))
  pdf(NULL)
  on.exit(dev.off())
  expect_identical(plot(pp), pp)
  expect_error(pretrend_power(es, power = 1.2), "'power' must be")
  expect_error(pretrend_power(es, slope = "a"), "'slope' must be")
  skip_if_not_installed("ggplot2")
  expect_s3_class(ggplot2::autoplot(pp), "ggplot")
})

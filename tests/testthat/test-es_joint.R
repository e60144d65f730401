# es_joint(): joint Wald tests and the sup-t band of an event study.

est <- data.frame(rel_time = c(-3, -2, -1, 0, 1, 2),
                  estimate = c(0.05, -0.02, 0, 0.4, 0.5, 0.45),
                  std.error = c(0.04, 0.05, NA, 0.1, 0.12, 0.11))
est <- es_fill_stats(est, df = 30)
k <- c(-3, -2, 0, 1, 2)
V <- 0.5^abs(outer(1:5, 1:5, "-")) * tcrossprod(est$std.error[-3])
dimnames(V) <- rep(list(paste0("rel::", k)), 2)

test_that("the Wald tests equal the hand formula", {
  j <- es_joint(est, V, df = 30)
  b <- est$estimate[est$rel_time >= 0]
  Vq <- V[3:5, 3:5]
  W <- drop(t(b) %*% solve(Vq) %*% b)
  expect_equal(j$post$wald, W, tolerance = 1e-10)
  expect_equal(j$post$p.value, pf(W / 3, 3, 30, lower.tail = FALSE), tolerance = 1e-10)
  bp <- est$estimate[est$rel_time < -1]
  Wp <- drop(t(bp) %*% solve(V[1:2, 1:2]) %*% bp)
  expect_equal(j$pre$wald, Wp, tolerance = 1e-10)
  # the pre-period test is es_pretest()'s
  expect_equal(j$pre$statistic, es_pretest(est, V, df = 30)$statistic, tolerance = 1e-12)
  jn <- es_joint(est, V, df = Inf)
  expect_equal(jn$post$p.value, pchisq(W, 3, lower.tail = FALSE), tolerance = 1e-10)
})

test_that("the sup-t band has the simultaneous critical value", {
  # independent coefficients: crit = qnorm((1 + level^(1/p)) / 2) exactly
  Vd <- diag(diag(V))
  dimnames(Vd) <- dimnames(V)
  j <- es_joint(est, Vd, df = Inf)
  exact <- qnorm((1 + 0.95^(1 / 5)) / 2)
  expect_equal(j$crit, exact, tolerance = 0.01)   # 20,000 draws: sd about 0.006
  expect_equal(j$band$conf.low, est$estimate[-3] - j$crit * est$std.error[-3])
  # correlated: between the pointwise and the Bonferroni values
  jc <- es_joint(est, V, df = Inf)
  expect_gt(jc$crit, qnorm(0.975))
  expect_lt(jc$crit, qnorm(1 - 0.025 / 5))
  expect_lt(jc$crit, j$crit)
  # one coefficient: the pointwise t quantile
  one <- es_joint(est[est$rel_time %in% c(-1, 0), ], V[3, 3, drop = FALSE], df = 30)
  expect_equal(one$crit, qt(0.975, 30), tolerance = 0.02)
  # the same event study gives the same band (fixed seed), RNG untouched
  set.seed(1)
  u <- runif(1)
  set.seed(1)
  expect_identical(es_joint(est, V)$crit, jc$crit)
  expect_equal(runif(1), u)
})

test_that("no covariance, no tests", {
  expect_null(es_joint(est, NULL))
  j <- es_joint(est[est$rel_time >= -1, ], V[3:5, 3:5], df = 30)
  expect_null(j$pre)
})

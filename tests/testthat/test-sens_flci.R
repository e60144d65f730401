# R/sens_flci.R: the fixed-length confidence interval under smoothness.
# (The same example as test-sensitivity.R.)

K <- 3
T <- 3
S <- sens_sigma(K + T)
b <- c(0.01, -0.03, 0.02, 0.30, 0.32, 0.35)
es <- sens_es(b, S, K)

test_that("smoothness with M = 0 is the linear extrapolation (FLCI)", {
  skip_if_not_installed("quadprog")
  for (l in list(c(1, 0, 0), c(0.2, 0.3, 0.5))) {
    s <- sensitivity(es, type = "smoothness", M = 0, target = l, breakdown = FALSE)
    # minimum-variance unbiased estimator under delta_t = slope * t, by its
    # KKT system: minimise c' S c over the pre weights v subject to
    # sum(v * t_pre) + sum(l * t_post) = 0
    tpre <- -K:-1
    tpost <- 1:T
    kkt <- rbind(cbind(2 * S[1:K, 1:K], tpre), c(tpre, 0))
    rhs <- c(-2 * S[1:K, K + 1:T] %*% l, -sum(tpost * l))
    v <- solve(kkt, rhs)[1:K]
    w <- c(v, l)
    centre <- sum(w * b)
    half <- qnorm(0.975) * sqrt(drop(t(w) %*% S %*% w))
    expect_equal(s$results$conf.low, centre - half, tolerance = 1e-9)
    expect_equal(s$results$conf.high, centre + half, tolerance = 1e-9)
  }
})

test_that("flci_setup: the bias matrix G and the post-side constant C0 by hand", {
  st <- smartdid:::flci_setup(S, K, T, c(1, 0, 0))
  # rows j = -2, -1; entry (j - t) for pre periods t = -3, -2, -1 with t < j
  expect_equal(st$G, rbind(c(1, 0, 0), c(2, 1, 0)))
  # C0 = sum_{j=0}^{T-1} |sum_{t > j} l_t (t - j)|: 1 + 0 + 0
  expect_equal(st$C0, 1)
  expect_equal(st$e, -1)
  st <- smartdid:::flci_setup(S, K, T, c(0, 0, 1))
  # 3 + 2 + 1
  expect_equal(st$C0, 6)
  expect_equal(st$e, -3)
  # the variance of the estimator with weights (v, l) is w' S w
  v <- c(0.5, -1, 2)
  w <- c(v, 0, 0, 1)
  expect_equal(smartdid:::flci_var(v, st), drop(t(w) %*% S %*% w), tolerance = 1e-12)
})

test_that("qfoldnorm is the 1 - alpha quantile of |N(t, 1)|", {
  qf <- smartdid:::qfoldnorm
  expect_equal(qf(0.05, 0), qnorm(0.975))
  for (t in c(0.3, 1, 2.5, -1.7)) {
    c <- qf(0.05, t)
    expect_equal(pnorm(c - abs(t)) - pnorm(-c - abs(t)), 0.95, tolerance = 1e-10)
  }
  expect_equal(qf(0.1, 40), 40 + qnorm(0.9))
  expect_identical(qf(0.05, Inf), Inf)
})

test_that("flci_interval: M = 0 gives the exact linear-extrapolation interval", {
  skip_if_not_installed("quadprog")
  l <- c(0, 1, 0)
  ci <- smartdid:::flci_interval(b, S, K, T, l, M = 0, alpha = 0.1)
  # unbiased for any linear trend: the weights annihilate delta_t = t
  expect_equal(sum(ci$weights * c(-K:-1, 1:T)), 0, tolerance = 1e-12)
  tpre <- -K:-1
  kkt <- rbind(cbind(2 * S[1:K, 1:K], tpre), c(tpre, 0))
  v <- solve(kkt, c(-2 * S[1:K, K + 1:T] %*% l, -sum(1:T * l)))[1:K]
  w <- c(v, l)
  half <- qnorm(0.95) * sqrt(drop(t(w) %*% S %*% w))
  expect_equal(ci$weights, unname(w), tolerance = 1e-9)
  expect_equal(c(ci$lower, ci$upper), sum(w * b) + c(-1, 1) * half, tolerance = 1e-9)
  # a positive M can only lengthen the interval
  ci2 <- smartdid:::flci_interval(b, S, K, T, l, M = 0.05, alpha = 0.1)
  expect_gt(ci2$halflength, ci$halflength)
  expect_lt(ci2$lower, ci2$upper)
})

# R/sens_arp.R: the moment-inequality tests of Andrews, Roth and Pakes
# behind sensitivity(). (The same example as test-sensitivity.R.)

K <- 3
T <- 3
S <- sens_sigma(K + T)
b <- c(0.01, -0.03, 0.02, 0.30, 0.32, 0.35)
es <- sens_es(b, S, K)

test_that("the random-number state of the caller is left alone", {
  set.seed(3)
  x <- runif(1)
  set.seed(3)
  sensitivity(es, Mbar = 1, breakdown = FALSE)
  expect_equal(runif(1), x)
})

test_that("qtruncnorm is the quantile of the truncated standard normal", {
  qt <- smartdid:::qtruncnorm
  lo <- c(-1, 0.5, -3, -2)
  hi <- c(2, 3, -0.2, Inf)
  p <- c(0.9, 0.3, 0.5, 0.95)
  # the naive formula, accurate away from the tails; covers all three branches
  naive <- qnorm(pnorm(lo) + p * (pnorm(hi) - pnorm(lo)))
  expect_equal(qt(p, lo, hi), naive, tolerance = 1e-10)
  # far in the tail the naive formula fails, the result stays in [lo, hi]
  # and its truncated CDF is p
  x <- qt(0.5, 40, 41)
  expect_true(x > 40 && x < 41)
  cdf <- -expm1(pnorm(x, lower.tail = FALSE, log.p = TRUE) -
                pnorm(40, lower.tail = FALSE, log.p = TRUE))
  expect_equal(cdf, 0.5, tolerance = 1e-8)
  expect_equal(qt(0.5, -41, -40), -x)
  expect_length(qt(0.5, numeric(), numeric()), 0L)
})

test_that("arp_vertices: every vertex is in F, with the slope it reports", {
  # relative magnitudes, K = 2, T = 2 (paired rows)
  m <- smartdid:::sens_rm_moments(2, 2, Mbar = 1, s = 0, sgn = 1)
  sig <- sens_sigma(4)
  sY <- m$A %*% sig %*% t(m$A)
  l <- c(0.3, 0.7)
  v <- smartdid:::arp_vertices(m$A, sY, post = 3:4, l = l, pairs = TRUE)
  expect_equal(nrow(v$L), 2L + 2L)
  expect_true(all(v$L >= 0))
  # lambda' sd = 1 and lambda' A_post = c l'
  expect_equal(drop(v$L %*% sqrt(diag(sY))), rep(1, 4), tolerance = 1e-12)
  expect_equal(v$L %*% m$A[, 3:4], outer(v$c, l), tolerance = 1e-12)
  expect_gt(v$c[1], 0)
  expect_lt(v$c[2], 0)
  # one post period: the scaled unit vectors
  m1 <- smartdid:::sens_sd_moments(2, 1, M = 0.1)
  sY1 <- m1$A %*% sens_sigma(3) %*% t(m1$A)
  v1 <- smartdid:::arp_vertices(m1$A, sY1, post = 3, l = 1, pairs = FALSE)
  expect_equal(v1$L, diag(1 / sqrt(diag(sY1))))
  expect_equal(v1$c, drop(v1$L %*% m1$A[, 3]))
})

test_that("arp_accept: with a tiny covariance, accepts exactly the identified set", {
  # relative magnitudes, Mbar = 0, one post period: theta = beta_1 - delta_1
  # with delta_1 = 0, so only theta = beta_1 survives
  beta <- c(0.02, -0.01, 0.4)
  m <- smartdid:::sens_rm_moments(2, 1, Mbar = 0, s = 0, sgn = 1)
  st <- smartdid:::arp_setup(m$A, m$d, beta, sens_sigma(3, scale = 1e-12),
                             post = 3, l = 1, pairs = FALSE)
  acc <- smartdid:::arp_accept(c(0.3, 0.4, 0.5), st, alpha = 0.05)
  expect_equal(acc, c(FALSE, TRUE, FALSE))
  # the bracket from a critical value contains the accepted point
  br <- smartdid:::arp_bracket(st, cv = 1)
  expect_true(br[1] < 0.4 && 0.4 < br[2])
})

test_that("refine_edge and arp_coarse locate the accepted interval", {
  f <- function(x) x >= 0.3137
  expect_equal(smartdid:::refine_edge(f, 0, 1), 0.3137, tolerance = 1e-6)
  expect_true(f(smartdid:::refine_edge(f, 0, 1)))
  # a coarse set from the real test: lb <= ub, refined ends within a step
  m <- smartdid:::sens_rm_moments(2, 2, Mbar = 1, s = 0, sgn = 1)
  st <- smartdid:::arp_setup(m$A, m$d, c(0.01, -0.02, 0.3, 0.35), sens_sigma(4),
                             post = 3:4, l = c(1, 0), pairs = TRUE)
  co <- smartdid:::arp_coarse(st, 0.05, NULL, 0, lo = -2, hi = 2)
  expect_false(co$open)
  expect_lt(co$lb, co$ub)
  lb <- smartdid:::arp_refine(co, 1L)
  ub <- smartdid:::arp_refine(co, 2L)
  expect_true(lb <= co$lb && lb > co$lb - co$step)
  expect_true(ub >= co$ub && ub < co$ub + co$step)
  expect_true(all(co$f(c(lb, ub))))
})

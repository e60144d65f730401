rc_sample <- function(n = 600, seed = 1) {
  set.seed(seed)
  x1 <- rnorm(n); x2 <- runif(n)
  treat <- rbinom(n, 1, plogis(-0.3 + 0.8 * x1 - 0.5 * x2))
  post <- rbinom(n, 1, 0.5)
  y <- 1 + x1 + x2 + post * (0.5 + 0.4 * x1) + treat * (0.3 + x2) +
    treat * post * (1 + 0.5 * x2) + rnorm(n)
  list(y = y, post = post, treat = treat, X = cbind(1, x1, x2),
       w = runif(n, 0.5, 2))
}

test_that("the unconditional RC 2x2 is the weighted DID regression, its IF HC0", {
  s <- rc_sample()
  for (w in list(NULL, s$w)) {
    r <- did2x2_rc(s$y, s$post, s$treat, w = w)
    ww <- if (is.null(w)) rep(1, length(s$y)) else w
    Z <- cbind(1, s$treat, s$post, s$treat * s$post)
    m <- lm.wfit(Z, s$y, ww)
    expect_lt(abs(r$att - m$coefficients[[4]]), 1e-10)
    expect_lt(abs(mean(r$psi)), 1e-10)
    # HC0 sandwich of the interaction: (Z'WZ)^-1 Z'W^2 e^2 Z (Z'WZ)^-1
    B <- solve(crossprod(Z * ww, Z))
    meat <- crossprod(Z * (ww * m$residuals))
    v <- (B %*% meat %*% B)[4, 4]
    n <- length(s$y)
    expect_lt(rel_err(sum(r$psi^2) / n^2, v), 1e-10)
  }
})

test_that("RC outcome regression: period regressions of the comparison group", {
  s <- rc_sample(seed = 2)
  r <- did2x2_rc(s$y, s$post, s$treat, s$X, s$w, "or")
  c0 <- s$treat == 0
  b0 <- lm.wfit(s$X[c0 & s$post == 0, ], s$y[c0 & s$post == 0], s$w[c0 & s$post == 0])$coefficients
  b1 <- lm.wfit(s$X[c0 & s$post == 1, ], s$y[c0 & s$post == 1], s$w[c0 & s$post == 1])$coefficients
  t1 <- s$treat == 1
  wm <- function(v, sel) sum(s$w[sel] * v[sel]) / sum(s$w[sel])
  att <- wm(s$y, t1 & s$post == 1) - wm(s$y, t1 & s$post == 0) -
    wm(drop(s$X %*% (b1 - b0)), t1)
  expect_lt(abs(r$att - att), 1e-10)
  expect_lt(abs(mean(r$psi)), 1e-10)
})

test_that("the RC 2x2 estimators and IFs equal DRDID's, with and without weights", {
  skip_if_not_installed("DRDID")
  for (seed in 1:3) for (wt in c(FALSE, TRUE)) {
    s <- rc_sample(seed = seed)
    w <- if (wt) s$w else NULL
    ref <- DRDID::drdid_rc(s$y, s$post, s$treat, s$X, i.weights = w, inffunc = TRUE)
    r <- did2x2_rc(s$y, s$post, s$treat, s$X, w, "dr")
    expect_lt(abs(r$att - ref$ATT), 1e-8)
    if (drdid_rc_current()) expect_lt(max(abs(r$psi - ref$att.inf.func)), 1e-7)
    ref <- DRDID::reg_did_rc(s$y, s$post, s$treat, s$X, i.weights = w, inffunc = TRUE)
    r <- did2x2_rc(s$y, s$post, s$treat, s$X, w, "or")
    expect_lt(abs(r$att - ref$ATT), 1e-10)
    expect_lt(max(abs(r$psi - ref$att.inf.func)), 1e-10)
    ref <- DRDID::drdid_rc(s$y, s$post, s$treat, NULL, i.weights = w, inffunc = TRUE)
    r <- did2x2_rc(s$y, s$post, s$treat, w = w)
    expect_lt(abs(r$att - ref$ATT), 1e-10)
    expect_lt(max(abs(r$psi - ref$att.inf.func)), 1e-10)
  }
})

test_that("weighted panel 2x2 estimators equal DRDID's", {
  skip_if_not_installed("DRDID")
  set.seed(4)
  n <- 500
  x1 <- rnorm(n); x2 <- runif(n)
  treat <- rbinom(n, 1, plogis(0.5 * x1))
  y0 <- x1 + rnorm(n); y1 <- y0 + 0.5 * x2 + treat + rnorm(n)
  X <- cbind(1, x1, x2); w <- runif(n, 0.5, 2)
  ref <- DRDID::drdid_panel(y1, y0, treat, X, i.weights = w, inffunc = TRUE)
  r <- did2x2(y1 - y0, treat, X, "dr", w = w)
  expect_lt(abs(r$att - ref$ATT), 1e-8)
  expect_lt(max(abs(r$psi - ref$att.inf.func)), 1e-7)
  ref <- DRDID::reg_did_panel(y1, y0, treat, X, i.weights = w, inffunc = TRUE)
  r <- did2x2(y1 - y0, treat, X, "or", w = w)
  expect_lt(abs(r$att - ref$ATT), 1e-10)
  expect_lt(max(abs(r$psi - ref$att.inf.func)), 1e-10)
})

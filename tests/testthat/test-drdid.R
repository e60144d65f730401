two_by_two <- function(n = 400, seed = 1) {
  set.seed(seed)
  x1 <- rnorm(n); x2 <- runif(n)
  treat <- rbinom(n, 1, plogis(-0.3 + 0.8 * x1 - 0.5 * x2))
  y0 <- 1 + x1 + x2 + rnorm(n)
  y1 <- y0 + 0.5 + 0.4 * x1 + treat * (1 + 0.5 * x2) + rnorm(n)
  list(dy = y1 - y0, y0 = y0, y1 = y1, treat = treat, X = cbind(1, x1, x2))
}

test_that("the unconditional 2x2 is the DID regression, its IF the robust variance", {
  s <- two_by_two()
  r <- did2x2(s$dy, s$treat)
  m <- lm(s$dy ~ s$treat)
  expect_lt(abs(r$att - coef(m)[[2]]), 1e-10)
  expect_lt(abs(mean(r$psi)), 1e-12)
  # HC0 of the difference in means equals the IF variance
  n <- length(s$dy)
  v_hc0 <- var(s$dy[s$treat == 1]) * (sum(s$treat) - 1) / sum(s$treat)^2 +
    var(s$dy[s$treat == 0]) * (sum(1 - s$treat) - 1) / sum(1 - s$treat)^2
  expect_lt(rel_err(sum(r$psi^2) / n^2, v_hc0), 1e-10)
})

test_that("outcome regression: prediction from the comparison regression", {
  s <- two_by_two(seed = 2)
  r <- did2x2(s$dy, s$treat, s$X, "or")
  c0 <- s$treat == 0
  b <- coef(lm(s$dy[c0] ~ s$X[c0, -1]))
  att <- mean(s$dy[!c0] - s$X[!c0, ] %*% b)
  expect_lt(abs(r$att - att), 1e-10)
  expect_lt(abs(mean(r$psi)), 1e-10)
})

test_that("doubly robust: the weighted estimator by hand", {
  s <- two_by_two(seed = 3)
  r <- did2x2(s$dy, s$treat, s$X, "dr")
  ps <- fitted(glm(s$treat ~ s$X[, -1], family = binomial(),
                   control = list(epsilon = 1e-14)))
  c0 <- s$treat == 0
  mu <- drop(s$X %*% coef(lm(s$dy[c0] ~ s$X[c0, -1])))
  w0 <- ps * (1 - s$treat) / (1 - ps)
  att <- mean((s$dy - mu)[!c0]) - sum(w0 * (s$dy - mu)) / sum(w0)
  expect_lt(abs(r$att - att), 1e-9)
  expect_lt(abs(mean(r$psi)), 1e-9)
})

test_that("the 2x2 estimators and IFs equal DRDID's", {
  skip_if_not_installed("DRDID")
  for (seed in 1:3) {
    s <- two_by_two(seed = seed)
    ref <- DRDID::drdid_panel(s$y1, s$y0, s$treat, s$X, inffunc = TRUE)
    r <- did2x2(s$dy, s$treat, s$X, "dr")
    expect_lt(abs(r$att - ref$ATT), 1e-8)
    expect_lt(max(abs(r$psi - ref$att.inf.func)), 1e-7)
    ref <- DRDID::reg_did_panel(s$y1, s$y0, s$treat, s$X, inffunc = TRUE)
    r <- did2x2(s$dy, s$treat, s$X, "or")
    expect_lt(abs(r$att - ref$ATT), 1e-10)
    expect_lt(max(abs(r$psi - ref$att.inf.func)), 1e-10)
    ref <- DRDID::drdid_panel(s$y1, s$y0, s$treat, NULL, inffunc = TRUE)
    r <- did2x2(s$dy, s$treat)
    expect_lt(abs(r$att - ref$ATT), 1e-10)
    expect_lt(max(abs(r$psi - ref$att.inf.func)), 1e-10)
  }
})

test_that("collinear covariates are an error that says what to do", {
  s <- two_by_two()
  X <- cbind(s$X, s$X[, 2])
  expect_error(did2x2(s$dy, s$treat, X, "or"), "drop some controls")
})

test_that("the C 2x2 with covariates equals did2x2(), several outcomes and weights", {
  s <- two_by_two(seed = 5)
  Y <- cbind(s$dy, s$dy^2, -s$dy + s$X[, 2])
  for (w in list(NULL, runif(length(s$dy), 0.5, 2))) {
    for (meth in c("or", "dr")) {
      r <- .Call(C_sd_cs_2x2, Y, as.numeric(s$treat), s$X, w,
                 if (meth == "or") 1L else 2L, 0.995)
      for (j in 1:3) {
        ref <- did2x2(Y[, j], s$treat, s$X, meth, w = w)
        expect_lt(abs(r$att[j] - ref$att), 1e-10)
        expect_lt(max(abs(r$psi[, j] - ref$psi)), 1e-9)
      }
    }
  }
  expect_null(.Call(C_sd_cs_2x2, Y, as.numeric(s$treat), cbind(s$X, s$X[, 2]), NULL, 1L, 0.995))
})

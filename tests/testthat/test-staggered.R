test_that("cohorts from a treat column equal those from a cohort column", {
  d <- sim_panel(40, 10, seed = 2)
  f1 <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  f2 <- smartdid(y ~ x1, data = d, id = "unit", time = "year", cohort = "first")
  s1 <- sd_staggered(f1, "test")
  s2 <- sd_staggered(f2, "test")
  expect_identical(s1$cohort, s2$cohort)
  expect_identical(s1$cohort, ifelse(is.na(d$first), Inf, d$first))
  expect_equal(s1$X[, "x1"], d$x1)
  expect_true(s1$balanced)
  expect_false(any(s1$always))
})

test_that("cohorts after the last period are never treated, early ones always", {
  d <- sim_panel(20, 6, seed = 1)
  d$first[d$unit == 1] <- 2050
  d$first[d$unit == 2] <- 1990
  f <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first")
  s <- sd_staggered(f, "test")
  expect_identical(s$unit_cohort[1], Inf)
  expect_true(s$always[2])
  expect_equal(sum(s$always), 1L)
})

test_that("a treatment that turns off, or a varying cohort, is an error", {
  d <- sim_panel(20, 6, seed = 1)
  d$D[d$unit == 1 & d$year == max(d$year)] <- 0
  d$D[d$unit == 1 & d$year == max(d$year) - 1] <- 1
  f <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  expect_error(sd_staggered(f, "test"), "turns off again")
  d <- sim_panel(20, 6, seed = 1)
  d$first[d$unit == 1 & d$year == 2001] <- 2003
  d$first[d$unit == 1 & d$year > 2001] <- 2004
  f <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first")
  expect_error(sd_staggered(f, "test"), "constant within each unit")
})

test_that("a non-numeric time column is an error", {
  d <- sim_panel(20, 6, seed = 1)
  d$yr <- as.character(d$year)
  f <- smartdid(y ~ 1, data = d, id = "unit", time = "yr", treat = "D")
  expect_error(sd_staggered(f, "bacon()"), "must be numeric for bacon()")
})

test_that("sd_fit_matrix equals lm() with dummies, clustered variance by hand", {
  d <- sim_panel(30, 8, seed = 4)
  d <- d[-c(3, 50, 77), ]
  f <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  sp <- sd_subpanel(f, f$obs)
  X <- cbind(D = d$D, x1 = d$x1, x2 = d$x2)
  r <- sd_fit_matrix(d$y, X, sp, f)
  m <- lm(y ~ D + x1 + x2 + factor(unit) + factor(year), data = d)
  expect_lt(rel_err(r$coefficients, coef(m)[c("D", "x1", "x2")]), 1e-8)
  # CR1 with K = 3 regressors + periods (unit effects nested in the cluster)
  Xm <- model.matrix(m)
  B <- solve(crossprod(Xm))
  S <- rowsum(Xm * resid(m), d$unit)
  n <- nrow(d); G <- 30; K <- 3 + length(unique(d$year))
  V <- G / (G - 1) * (n - 1) / (n - K) * B %*% crossprod(S) %*% B
  expect_lt(rel_err(diag(r$vcov), diag(V)[c("D", "x1", "x2")]), 1e-8)
  expect_equal(r$df_t, G - 1)
  # a column absorbed by the fixed effects is dropped, not an error
  X2 <- cbind(X, u = d$unit)
  r2 <- sd_fit_matrix(d$y, X2, sp, f)
  expect_identical(r2$dropped, "u")
  expect_lt(rel_err(r2$coefficients, r$coefficients), 1e-8)
})

test_that("sd_window selects relative times", {
  expect_equal(sd_window(-3:3, 1, 2), c(FALSE, FALSE, TRUE, TRUE, TRUE, TRUE, FALSE))
  expect_true(all(sd_window(-3:3, NULL, NULL)))
})

# mechanism() against lm() with explicit unit and year dummies and the
# interaction built by hand; variances by hand on the lm-demeaned design.

mech_data <- function(seed) {
  d <- sim_panel(40, 9, seed = seed)
  set.seed(seed + 100)
  d$M <- runif(nrow(d), 1, 3)
  d$y <- d$y - 0.4 * d$D * d$M + 0.2 * d$M
  d
}

test_that("mechanism() equals lm() with dummies and an explicit interaction", {
  d <- mech_data(21)
  d <- d[-c(3, 90, 91, 250), ]
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  m <- mechanism(fit, moderator = "M")
  expect_s3_class(m, "smartdid")
  expect_identical(names(coef(m)), c("D", "x1", "x2", "M", "D:M"))
  d$DM <- d$D * d$M
  l <- lm(y ~ D + x1 + x2 + M + DM + factor(unit) + factor(year), data = d)
  b <- coef(l)[c("D", "x1", "x2", "M", "DM")]
  expect_lt(rel_err(coef(m), unname(b)), 1e-8)
  X <- sapply(c("D", "x1", "x2", "M", "DM"), function(v) dm_lm(d[[v]], d$unit, d$year))
  e <- unname(resid(l))
  n <- nrow(d); G <- 40; K <- 5 + 9
  V <- cr_hand(X, e, NULL, d$unit, G / (G - 1) * (n - 1) / (n - K))
  expect_lt(rel_err(unname(vcov(m)), unname(V)), 1e-8)
  expect_equal(m$mechanism$interaction, "D:M")
  expect_equal(m$key_terms, c("D:M", "M"))
})

test_that("mechanism() keeps weights and works on cohort (PSM-style weighted) fits", {
  d <- mech_data(22)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", cohort = "first",
                  weights = "w")
  m <- mechanism(fit, moderator = "M")
  expect_identical(names(coef(m)), c("first_treated", "x1", "M", "first_treated:M"))
  d$DM <- d$D * d$M
  l <- lm(y ~ D + x1 + M + DM + factor(unit) + factor(year), data = d, weights = w)
  expect_lt(rel_err(coef(m), unname(coef(l)[c("D", "x1", "M", "DM")])), 1e-8)
  X <- sapply(c("D", "x1", "M", "DM"), function(v) dm_lm(d[[v]], d$unit, d$year, d$w))
  n <- nrow(d); G <- 40; K <- 4 + 9
  V <- cr_hand(X, unname(resid(l)), d$w, d$unit, G / (G - 1) * (n - 1) / (n - K))
  expect_lt(rel_err(unname(vcov(m)), unname(V)), 1e-8)
  # the Stata constant of a mechanism fit matches its own definition
  sc <- stata_constant(m)
  xb <- c(wmean(d$D, d$w), wmean(d$x1, d$w), wmean(d$M, d$w), wmean(d$DM, d$w))
  expect_lt(rel_err(sc$estimate, wmean(d$y, d$w) - sum(coef(m) * xb)), 1e-8)
})

test_that("centring moves only the treatment coefficient, to its effect at the mean", {
  d <- mech_data(23)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  m0 <- mechanism(fit, "M")
  m1 <- mechanism(fit, "M", center = TRUE)
  expect_equal(m1$mechanism$center, mean(d$M))
  expect_lt(rel_err(coef(m1)[-1], coef(m0)[-1]), 1e-8)
  expect_lt(rel_err(coef(m1)[["D"]], coef(m0)[["D"]] + coef(m0)[["D:M"]] * mean(d$M)), 1e-8)
  m2 <- mechanism(fit, "M", center = 2)
  expect_lt(rel_err(coef(m2)[["D"]], coef(m0)[["D"]] + 2 * coef(m0)[["D:M"]]), 1e-8)
  expect_output(print(m2), "Mechanism: D:M (M centred at 2)", fixed = TRUE)
})

test_that("a moderator that is already a control keeps one main effect", {
  d <- mech_data(24)
  fit <- smartdid(y ~ M + x1, data = d, id = "unit", time = "year", treat = "D")
  m <- mechanism(fit, "M")
  expect_identical(names(coef(m)), c("D", "M", "x1", "D:M"))
  d$DM <- d$D * d$M
  l <- lm(y ~ D + M + x1 + DM + factor(unit) + factor(year), data = d)
  expect_lt(rel_err(coef(m), unname(coef(l)[c("D", "M", "x1", "DM")])), 1e-8)
  expect_equal(nrow(generics::tidy(m)), 4L)
  expect_true(is.finite(stata_constant(m)$std.error))
})

test_that("mechanism() explains bad arguments", {
  d <- mech_data(25)
  d$s <- letters[d$unit %% 3 + 1]
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  expect_snapshot(mechanism(fit, "s"), error = TRUE)
  expect_snapshot(mechanism(fit, "D"), error = TRUE)
  expect_snapshot(mechanism(fit, "nope"), error = TRUE)
  expect_snapshot(mechanism(fit, "M", center = "yes"), error = TRUE)
})

# The Stata-style constant against the areg construction done by hand:
# demean by lm() on dummies, recentre at the grand means, regress with an
# intercept, and compute the variance with the fit's rules written out.

areg_reference <- function(d, vars, w = NULL) {
  wv <- if (is.null(w)) NULL else d[[w]]
  rec <- function(v) dm_lm(d[[v]], d$unit, d$year, wv) + wmean(d[[v]], wv)
  y <- rec("y")
  X <- sapply(vars, rec)
  l <- stats::lm(y ~ X, weights = wv)
  list(lm = l, Z = stats::model.matrix(l), e = unname(stats::resid(l)), w = wv)
}

test_that("constant and its clustered std. error equal the areg regression", {
  d <- sim_panel(40, 10, seed = 11)
  d <- d[-c(5, 17, 88, 203, 301), ]                       # unbalanced
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  sc <- stata_constant(fit)
  ref <- areg_reference(d, c("D", "x1", "x2"))
  expect_lt(rel_err(sc$estimate, unname(coef(ref$lm)[1])), 1e-8)
  expect_lt(rel_err(coef(ref$lm)[-1], coef(fit)), 1e-8)
  n <- nrow(d); G <- 40; K <- 3 + 10                       # unit FE nested in cluster
  V <- cr_hand(ref$Z, ref$e, NULL, d$unit, G / (G - 1) * (n - 1) / (n - K))
  expect_lt(rel_err(sc$std.error, sqrt(V[1, 1])), 1e-8)
  expect_lt(rel_err(V[-1, -1], unname(vcov(fit))), 1e-8)   # slopes unchanged
  expect_equal(sc$statistic, sc$estimate / sc$std.error)
  expect_equal(sc$p.value, 2 * pt(-abs(sc$statistic), G - 1))
  expect_identical(names(sc), c("term", "estimate", "std.error", "statistic", "p.value"))
})

test_that("weighted constant uses weighted grand means and weighted scores", {
  d <- sim_panel(30, 8, seed = 12)
  d <- d[-c(2, 40, 41, 150), ]
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D",
                  weights = "w")
  sc <- stata_constant(fit)
  ref <- areg_reference(d, c("D", "x1"), w = "w")
  expect_lt(rel_err(sc$estimate, unname(coef(ref$lm)[1])), 1e-8)
  by_hand <- wmean(d$y, d$w) - sum(coef(fit) * c(wmean(d$D, d$w), wmean(d$x1, d$w)))
  expect_lt(rel_err(sc$estimate, by_hand), 1e-8)
  n <- nrow(d); G <- 30; K <- 2 + 8
  V <- cr_hand(ref$Z, ref$e, ref$w, d$unit, G / (G - 1) * (n - 1) / (n - K))
  expect_lt(rel_err(sc$std.error, sqrt(V[1, 1])), 1e-8)
})

test_that("HC1 and iid constants follow the fit's variance type", {
  d <- sim_panel(25, 6, seed = 13)
  ref <- areg_reference(d, c("D", "x1"))
  n <- nrow(d); K_all <- 2 + 25 + 6 - 1
  B <- solve(crossprod(ref$Z))
  fh <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D", vcov = "hc1")
  Vh <- n / (n - K_all) * B %*% crossprod(ref$Z * ref$e) %*% B
  expect_lt(rel_err(stata_constant(fh)$std.error, sqrt(Vh[1, 1])), 1e-8)
  fi <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D", vcov = "iid")
  Vi <- B * sum(ref$e^2) / (n - K_all)
  expect_lt(rel_err(stata_constant(fi)$std.error, sqrt(Vi[1, 1])), 1e-8)
  expect_equal(stata_constant(fi)$p.value,
               2 * pt(-abs(stata_constant(fi)$statistic), n - K_all))
})

test_that("no controls: the constant is mean(y) - b mean(D), and two-way clustering works", {
  d <- sim_panel(30, 8, seed = 14)
  d$prov <- d$unit %% 6                           # groups of units
  d$grp <- (d$unit + d$year) %% 5                 # crosses units and years
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  expect_lt(rel_err(stata_constant(fit)$estimate, mean(d$y) - coef(fit)[[1]] * mean(d$D)),
            1e-10)
  # this design's V1 + V2 - V12 is not positive definite: smartdid() says so
  f2 <- suppressWarnings(smartdid(y ~ x1, data = d, id = "unit", time = "year",
                                  treat = "D", cluster = c("prov", "grp")))
  ref <- areg_reference(d, c("D", "x1"))
  n <- nrow(d); G <- 5; K <- 2 + 8               # unit FE nested in 'prov'
  c2 <- G / (G - 1) * (n - 1) / (n - K)
  V <- cr_hand(ref$Z, ref$e, NULL, d$prov, c2) + cr_hand(ref$Z, ref$e, NULL, d$grp, c2) -
    cr_hand(ref$Z, ref$e, NULL, paste(d$prov, d$grp), c2)
  # intercept scores vanish within 'prov' (it nests the units), so V[1, 1]
  # may be negative here: compare the whole recentred variance matrix
  pt <- sd_parts(f2)
  xbar <- colMeans(pt$X)
  Vp <- sd_sandwich(cbind(1, sweep(pt$Xd, 2L, xbar, `+`)), pt, f2)
  expect_lt(max(abs(Vp - V)) / max(abs(V)), 1e-8)
})

test_that("a negative two-way variance gives NA with a warning, not zero", {
  d <- sim_panel(30, 8, seed = 14)
  f <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D",
                cluster = c("unit", "year"))
  # unit and year scores of the intercept vanish (residuals sum to zero within
  # both), so the two-way formula leaves -V(intersection) for the constant
  expect_warning(sc <- stata_constant(f), "negative")
  expect_true(is.na(sc$std.error))
})

test_that("stata_constant() rejects what is not a fit", {
  expect_snapshot(stata_constant(lm(dist ~ speed, cars)), error = TRUE)
})

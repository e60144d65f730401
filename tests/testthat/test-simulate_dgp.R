# Tests of R/simulate_dgp.R: the parts of simulate_smartcity()'s DGP.

no_policies <- c(Lowc = 0, Inno = 0, Tanp = 0)

test_that("the truth column is the effect of the stated DGP", {
  eff <- c(-0.05, -0.1, -0.2)
  d <- simulate_smartcity(seed = 3, effect = eff, moderation = 0, truth = TRUE)
  expect_true(all(d$tau[d$Smart_Policy == 0L] == 0))
  ev <- d$year - d$pilot_year
  tr <- d$Smart_Policy == 1L
  # the multiplier averages 1 over the pilots: the adoption-year effect
  # averaged over pilots is effect[1]; years 2+ carry the last value
  expect_equal(mean(d$tau[tr & ev == 0]), eff[1], tolerance = 1e-12)
  expect_equal(mean(d$tau[tr & ev == 1]), eff[2], tolerance = 1e-12)
  m <- tapply(d$tau[tr & ev >= 2], d$city[tr & ev >= 2], function(z) diff(range(z)))
  expect_true(all(m < 1e-12))
  # no heterogeneity: every pilot has the same effect path
  h <- simulate_smartcity(seed = 3, effect = eff, heterogeneity = NULL,
                          moderation = 0, truth = TRUE)
  ev <- h$year - h$pilot_year
  expect_equal(h$tau[h$Smart_Policy == 1L],
               eff[pmin(ev[h$Smart_Policy == 1L], 2) + 1])
  # the mechanism: the effect moves by `moderation` per unit of Ind_Pro above
  # the treated city-years' mean (Ind_Pro up to the rounding of its inputs)
  g <- simulate_smartcity(seed = 3, effect = eff, heterogeneity = NULL,
                          moderation = -0.05, truth = TRUE)
  tr <- g$Smart_Policy == 1L
  ev <- g$year - g$pilot_year
  expect_equal(g$tau[tr] - eff[pmin(ev[tr], 2) + 1],
               -0.05 * (g$Ind_Pro[tr] - mean(g$Ind_Pro[tr])), tolerance = 1e-3)
  expect_equal(mean(g$tau[tr]), mean(h$tau[h$Smart_Policy == 1L]),
               tolerance = 1e-3)
})

test_that("without noise the DID recovers the effect exactly", {
  d <- simulate_smartcity(seed = 5, effect = -0.2, heterogeneity = NULL,
                          confounding = 0, other_policies = no_policies,
                          moderation = 0, ind_pro_effect = 0, noise = 0)
  fit <- smartdid(reformulate(ctrl7, "Carbon"), data = d, id = "city",
                  time = "year", treat = "Smart_Policy")
  # only the rounding of the raw energy inputs separates Carbon from the DGP
  expect_equal(coef(fit)[["Smart_Policy"]], -0.2, tolerance = 1e-4)
  expect_equal(unname(coef(fit)[ctrl7]),
               c(0.65, 0.2, -0.1, 0.15, 0.5, 0.05, -0.3), tolerance = 1e-2)
})

test_that("smartdid() recovers the true effect within sampling error", {
  # constant-in-time effects that differ across cities; no confounding:
  # the two-way fixed-effects estimate is unbiased for their average
  est <- vapply(11:14, function(s) {
    d <- simulate_smartcity(seed = s, effect = -0.15, confounding = 0,
                            other_policies = no_policies, truth = TRUE)
    fit <- smartdid(reformulate(ctrl7, "Carbon"), data = d, id = "city",
                    time = "year", treat = "Smart_Policy")
    att <- mean(d$tau[d$Smart_Policy == 1L])
    c(b = coef(fit)[["Smart_Policy"]], se = sqrt(vcov(fit)[1, 1]), att = att)
  }, numeric(3))
  z <- (est["b", ] - est["att", ]) / est["se", ]
  expect_true(all(abs(z) < 3.5))
  expect_lt(abs(mean(z)), 3 / sqrt(ncol(est)))
  expect_true(all(est["att", ] < -0.1))
})

test_that("the default DGP's confounding biases the naive DID as designed", {
  base <- list(effect = -0.2, heterogeneity = NULL, other_policies = no_policies,
               moderation = 0, ind_pro_effect = 0, noise = 0)
  b <- function(conf) {
    d <- do.call(simulate_smartcity, c(list(seed = 2, confounding = conf), base))
    coef(smartdid(reformulate(ctrl7, "Carbon"), data = d, id = "city",
                  time = "year", treat = "Smart_Policy"))[["Smart_Policy"]]
  }
  expect_equal(b(0), -0.2, tolerance = 1e-4)
  # a negative shock on fiscally strong cities after 2012 exaggerates the cut
  expect_lt(b(-0.1), -0.21)
})

test_that("the pilot raises industrial upgrading when upgrading > 0", {
  d1 <- simulate_smartcity(seed = 4, upgrading = 0.05)
  d0 <- simulate_smartcity(seed = 4, upgrading = 0)
  post <- d1$Smart_Policy == 1L
  expect_true(all(d1$Ind_Pro[post] > d0$Ind_Pro[post]))
  expect_equal(d1$Ind_Pro[!post], d0$Ind_Pro[!post])
})

test_that("the controls move with Ind_Pro and bias the mechanism model without them", {
  # within-city, within-year co-movement of Wage and Ind_Pro
  within <- function(x, d) {
    x - ave(x, d$city) - ave(x, d$year) + mean(x)
  }
  corr <- function(d) cor(within(d$Wage, d), within(d$Ind_Pro, d))
  d0 <- simulate_smartcity(seed = 6, ind_pro_controls = NULL)
  d1 <- simulate_smartcity(seed = 6)
  expect_lt(abs(corr(d0)), 0.1)
  expect_gt(corr(d1), 0.3)
  # the loading leaves the other columns and Table 2's moments alone
  expect_identical(d1$Ind_Pro, d0$Ind_Pro)
  expect_equal(mean(d1$Wage[d1$pilot == 1L]), 4.5299, tolerance = 1e-4)
  # leaving the controls out raises Ind_Pro's coefficient by about the
  # omitted 0.65 * Wage's loading (Table 6, columns 1 and 3 against 2 and 4)
  b_ind <- function(d, rhs) {
    d$SPxInd <- d$Smart_Policy * d$Ind_Pro
    fit <- smartdid(reformulate(c("SPxInd", "Ind_Pro", rhs), "Carbon"),
                    data = d, id = "city", time = "year", treat = "Smart_Policy")
    coef(fit)[["Ind_Pro"]]
  }
  shift1 <- b_ind(d1, "1") - b_ind(d1, ctrl7)
  shift0 <- b_ind(d0, "1") - b_ind(d0, ctrl7)
  expect_gt(shift1, 0.3)
  expect_lt(abs(shift0), 0.1)
})

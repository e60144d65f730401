# The dcdh estimator against its closed form on a hand-made panel: four
# units, three periods, two never-switchers, one switching at period 2 and
# one at period 3 (de Chaisemartin and D'Haultfoeuille 2024, and the
# variance of their web appendix: U_g demeaned within cohorts, scaled by
# sqrt(n / (n - 1)), one-unit cohorts not demeaned).

hand_panel <- function() {
  Y <- rbind(c(1, 2, 4), c(2, 2.5, 3), c(0, 3, 3.5), c(1, 1.2, 3))
  D <- rbind(c(0, 0, 0), c(0, 0, 0), c(0, 1, 1), c(0, 0, 1))
  d <- data.frame(g = rep(1:4, 3), t = rep(1:3, each = 4), y = c(Y), d = c(D))
  list(Y = Y, d = d)
}

test_that("effects, placebo and the average total effect equal the closed form", {
  h <- hand_panel()
  Y <- h$Y
  dy <- function(g, t, l = 1) Y[g, t] - Y[g, t - l]
  did1 <- ((dy(3, 2) - mean(c(dy(1, 2), dy(2, 2), dy(4, 2)))) +
             (dy(4, 3) - mean(c(dy(1, 3), dy(2, 3))))) / 2
  did2 <- dy(3, 3, 2) - mean(c(dy(1, 3, 2), dy(2, 3, 2)))
  pl1 <- (Y[4, 1] - Y[4, 2]) - mean(c(Y[1, 1] - Y[1, 2], Y[2, 1] - Y[2, 2]))
  fit <- smartdid(y ~ 1, data = h$d, id = "g", time = "t", treat = "d",
                  design = "general")
  es <- event_study(fit, estimator = "dcdh", effects = 2, placebo = 1)
  e <- es$estimates
  expect_equal(e$estimate[e$rel_time == 0], did1)
  expect_equal(e$estimate[e$rel_time == 1], did2)
  expect_equal(e$estimate[e$rel_time == -2], pl1)
  expect_equal(e$n_switchers[e$rel_time >= 0], c(2, 1))
  # N_l-weighted effects over N_l-weighted treatment changes (all 1 here)
  expect_equal(es$overall$estimate, (2 * did1 + did2) / 3)
})

test_that("the standard error of DID_1 equals the closed form", {
  h <- hand_panel()
  Y <- h$Y
  dy <- function(g, t) Y[g, t] - Y[g, t - 1]
  m2 <- mean(c(dy(1, 2), dy(2, 2), dy(4, 2)))
  m3 <- mean(c(dy(1, 3), dy(2, 3)))
  ctl2 <- function(g) -2 / 3 * sqrt(3 / 2) * (dy(g, 2) - m2)
  ctl3 <- function(g) -1 * sqrt(2) * (dy(g, 3) - m3)
  # G / N_1 = 4 / 2 = 2; the switchers' cohorts have one unit each
  U <- c(ctl2(1) + ctl3(1), ctl2(2) + ctl3(2), 2 * dy(3, 2), ctl2(4) + 2 * dy(4, 3))
  fit <- smartdid(y ~ 1, data = h$d, id = "g", time = "t", treat = "d",
                  design = "general")
  es <- event_study(fit, estimator = "dcdh", effects = 2, placebo = 1)
  expect_equal(es$estimates$std.error[es$estimates$rel_time == 0], sqrt(sum(U^2) / 16))
  # DIDmultiplegtDYN 2.1.2 drops one-unit cohorts' terms (0 * Inf = NaN)
  es2 <- event_study(fit, estimator = "dcdh", effects = 2, placebo = 1, compat = TRUE)
  U2 <- c(U[1:2], 0, ctl2(4))
  expect_equal(es2$estimates$std.error[es2$estimates$rel_time == 0], sqrt(sum(U2^2) / 16))
  # influence functions: psi reproduces the covariance
  expect_equal(unname(es$influence$psi[, "rel::0"]), U / 16 * 4)
})

test_that("switchers out enter with their sign flipped", {
  h <- hand_panel()
  d <- h$d
  d$d <- 1 - d$d           # the same panel with every treatment reversed
  fit <- smartdid(y ~ 1, data = d, id = "g", time = "t", treat = "d",
                  design = "general")
  fit0 <- smartdid(y ~ 1, data = h$d, id = "g", time = "t", treat = "d",
                   design = "general")
  a <- event_study(fit, estimator = "dcdh", effects = 2, placebo = 1)
  b <- event_study(fit0, estimator = "dcdh", effects = 2, placebo = 1)
  expect_equal(a$estimates$estimate, -b$estimates$estimate)
  expect_equal(a$estimates$std.error, b$estimates$std.error)
  expect_equal(a$overall$estimate, -b$overall$estimate)
  expect_error(event_study(fit, estimator = "dcdh", direction = "in"), "no effect")
})

test_that("cluster-robust variance sums influence within clusters", {
  d <- dcdh_sim(G = 60, nT = 6, seed = 4, type = "discrete")
  fit <- dcdh_fit(d)
  es <- event_study(fit, estimator = "dcdh", effects = 2, placebo = 1)
  esc <- event_study(fit, estimator = "dcdh", effects = 2, placebo = 1, cluster = "cl")
  expect_equal(es$estimates$estimate, esc$estimates$estimate)
  cl <- d$cl[match(es$influence$ids, d$g)]
  S <- rowsum(es$influence$psi, cl)
  expect_equal(crossprod(S), esc$vcov, ignore_attr = TRUE)
})

# Tests of R/cs_se.R: att_gt()'s standard errors and multiplier bootstrap.

# the test panel of helper-cs.R, as cs_data() in this file (a helper of that
# name would mask smartdid::cs_data() in every test file)
cs_data <- cs_test_data

test_that("the C multiplier bootstrap draws the documented weights", {
  psi <- matrix(rnorm(50 * 3), 50, 3)
  set.seed(11)
  b <- .Call(C_sd_mboot, psi, 20L, 1L)
  set.seed(11)
  s5 <- sqrt(5)
  ref <- t(sapply(1:20, function(i) {
    v <- ifelse(runif(50) < (s5 + 1) / (2 * s5), (1 - s5) / 2, (1 + s5) / 2)
    colSums(v * psi) / 50
  }))
  expect_lt(max(abs(b - ref)), 1e-14)
  set.seed(12)
  b <- .Call(C_sd_mboot, psi, 20L, 2L)
  set.seed(12)
  ref <- t(sapply(1:20, function(i) {
    v <- ifelse(runif(50) < 0.5, -1, 1)
    colSums(v * psi) / 50
  }))
  expect_lt(max(abs(b - ref)), 1e-14)
  expect_error(.Call(C_sd_mboot, psi, 0L, 1L), "positive integer")
  expect_error(.Call(C_sd_mboot, psi, 5L, 3L), "Mammen")
})

test_that("bootstrap: reproducible, close to the analytic std. errors, uniform band", {
  d <- cs_data()
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  a1 <- att_gt(fit, seed = 5, draws = 999)
  a2 <- att_gt(fit, seed = 5, draws = 999)
  expect_identical(a1$estimates, a2$estimates)
  ratio <- a1$estimates$std.error / a1$se_analytic
  expect_lt(max(abs(ratio - 1)), 0.2)
  # a simultaneous band is wider than pointwise, narrower than Bonferroni
  expect_gt(a1$crit, qnorm(0.975))
  expect_lt(a1$crit, qnorm(1 - 0.025 / nrow(a1$estimates)))
  e <- a1$estimates
  expect_equal(e$conf.high - e$estimate, a1$crit * e$std.error)
  a3 <- att_gt(fit, seed = 5, draws = 999, multiplier = "rademacher")
  expect_lt(max(abs(a3$estimates$std.error / a1$se_analytic - 1)), 0.2)
})

test_that("clusters coarser than units sum the influence functions", {
  d <- cs_data()
  d$state <- (d$unit - 1) %/% 4
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D",
                  cluster = "state")
  at <- att_gt(fit, bootstrap = FALSE)
  S <- rowsum(at$psi, (seq_len(120) - 1) %/% 4)
  expect_equal(at$estimates$std.error, sqrt(colSums(S^2)) / 120, tolerance = 1e-12)
  d$bad <- d$year %% 2
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D",
                  cluster = "bad")
  expect_error(att_gt(fit, bootstrap = FALSE), "constant within units")
})

test_that("clusters above the unit: the influence functions summed by cluster (unbalanced, weighted)", {
  d <- cs_unbalanced()
  d$state <- (d$unit - 1) %/% 5
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first",
                  weights = "w", cluster = "state")
  at <- att_gt(fit, bootstrap = FALSE)
  fit_u <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first",
                    weights = "w")
  au <- att_gt(fit_u, bootstrap = FALSE)
  expect_equal(at$estimates$estimate, au$estimates$estimate, tolerance = 1e-14)
  expect_equal(at$psi, au$psi, tolerance = 1e-14)
  ucode <- sort(unique(d$unit))
  S <- rowsum(au$psi, (ucode - 1) %/% 5)
  expect_lt(rel_err(at$estimates$std.error, sqrt(colSums(S^2)) / at$n_units), 1e-12)
  # a hand sandwich of one cell's weighted regression, clustered by state
  k <- 12
  e <- at$estimates
  rows <- d$year %in% c(e$time[k], e$base[k]) & (d$g == e$group[k] | d$g == 0)
  s <- d[rows, ]
  D <- as.numeric(s$g == e$group[k]); P <- as.numeric(s$year == e$time[k])
  Z <- cbind(1, D, P, D * P)
  m <- lm.wfit(Z, s$y, s$w)
  B <- solve(crossprod(Z * s$w, Z))
  Sc <- rowsum(Z * (s$w * m$residuals), s$state)
  expect_lt(rel_err(e$std.error[k], sqrt((B %*% crossprod(Sc) %*% B)[4, 4])), 1e-10)
})

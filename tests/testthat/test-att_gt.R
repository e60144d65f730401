cs_data <- function(n = 120, seed = 3) {
  d <- sim_panel(n, 10, seed = seed)
  d$y <- d$y + ifelse(d$D == 1, (d$year - d$first) * 0.3, 0)
  d$g <- ifelse(is.na(d$first), 0, d$first)
  d
}

match_did <- function(ours, ref, tol_est, tol_se) {
  o <- tidy(ours)
  i <- match(paste(ref$group, ref$t), paste(o$group, o$time))
  expect_false(anyNA(i))
  expect_identical(nrow(o), length(ref$att))
  expect_lt(max(abs(o$estimate[i] - ref$att)), tol_est)
  expect_identical(is.na(o$std.error[i]), is.na(ref$se))
  expect_lt(rel_err(o$std.error[i][!is.na(ref$se)], ref$se[!is.na(ref$se)]), tol_se)
}

test_that("unconditional ATT(g,t) are differences of mean changes", {
  d <- cs_data()
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  at <- att_gt(fit, bootstrap = FALSE)
  e <- at$estimates
  dy <- function(units, t, b) {
    sapply(units, function(u) d$y[d$unit == u & d$year == t] - d$y[d$unit == u & d$year == b])
  }
  never <- unique(d$unit[is.na(d$first)])
  for (k in c(1, 7, 20, 33)) {
    gu <- unique(d$unit[d$first %in% e$group[k]])
    att <- mean(dy(gu, e$time[k], e$base[k])) - mean(dy(never, e$time[k], e$base[k]))
    expect_lt(abs(e$estimate[k] - att), 1e-12)
  }
  # varying base: post periods from g - 1, pre periods from t - 1
  expect_true(all(e$base[e$post] == e$group[e$post] - 1))
  expect_true(all(e$base[!e$post] == e$time[!e$post] - 1))
  expect_named(tidy(at), c("group", "time", "estimate", "std.error", "statistic",
                           "p.value", "conf.low", "conf.high"))
})

test_that("att_gt() equals did::att_gt (analytic std. errors)", {
  skip_if_not_installed("did")
  d <- cs_data()
  for (ctl in c("never", "notyet")) for (bp in c("varying", "universal")) {
    cg <- if (ctl == "never") "nevertreated" else "notyettreated"
    fit0 <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
    fit1 <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
    ref <- did::att_gt("y", "year", "unit", "g", data = d, control_group = cg,
                       base_period = bp, bstrap = FALSE, cband = FALSE)
    match_did(att_gt(fit0, control = ctl, base_period = bp, bootstrap = FALSE),
              ref, 1e-10, 1e-10)
    ref <- did::att_gt("y", "year", "unit", "g", xformla = ~ x1 + x2, data = d,
                       control_group = cg, base_period = bp, est_method = "reg",
                       bstrap = FALSE, cband = FALSE)
    match_did(att_gt(fit1, control = ctl, base_period = bp, covariates = "or",
                     bootstrap = FALSE), ref, 1e-10, 1e-10)
    ref <- did::att_gt("y", "year", "unit", "g", xformla = ~ x1 + x2, data = d,
                       control_group = cg, base_period = bp, bstrap = FALSE,
                       cband = FALSE)
    # did's logit stops at a looser tolerance than ours
    match_did(att_gt(fit1, control = ctl, base_period = bp, bootstrap = FALSE),
              ref, 1e-7, 1e-7)
  }
})

test_that("att_gt() equals did::att_gt on mpdta, with anticipation and without never-treated", {
  skip_if_not_installed("did")
  data("mpdta", package = "did", envir = environment())
  fit <- smartdid(lemp ~ lpop, data = mpdta, id = "countyreal", time = "year",
                  cohort = "first.treat")
  ref <- did::att_gt("lemp", "year", "countyreal", "first.treat", xformla = ~lpop,
                     data = mpdta, bstrap = FALSE, cband = FALSE)
  match_did(att_gt(fit, bootstrap = FALSE), ref, 1e-8, 1e-8)
  ref <- suppressWarnings(suppressMessages(
    did::att_gt("lemp", "year", "countyreal", "first.treat", data = mpdta,
                control_group = "notyettreated", anticipation = 1,
                bstrap = FALSE, cband = FALSE)))
  expect_warning(at <- att_gt(update(fit, . ~ 1), control = "notyet",
                              anticipation = 1, bootstrap = FALSE),
                 "20 unit\\(s\\) treated in the first")
  match_did(at, ref, 1e-10, 1e-10)
  m2 <- mpdta[mpdta$first.treat > 0, ]
  fit2 <- smartdid(lemp ~ 1, data = m2, id = "countyreal", time = "year",
                   cohort = "first.treat")
  ref <- did::att_gt("lemp", "year", "countyreal", "first.treat", data = m2,
                     control_group = "notyettreated", bstrap = FALSE, cband = FALSE)
  match_did(att_gt(fit2, control = "notyet", bootstrap = FALSE), ref, 1e-10, 1e-10)
  expect_error(att_gt(fit2, bootstrap = FALSE), "no never-treated units")
})

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
  a1 <- att_gt(fit, seed = 5, biters = 999)
  a2 <- att_gt(fit, seed = 5, biters = 999)
  expect_identical(a1$estimates, a2$estimates)
  ratio <- a1$estimates$std.error / a1$se_analytic
  expect_lt(max(abs(ratio - 1)), 0.2)
  # a simultaneous band is wider than pointwise, narrower than Bonferroni
  expect_gt(a1$crit, qnorm(0.975))
  expect_lt(a1$crit, qnorm(1 - 0.025 / nrow(a1$estimates)))
  e <- a1$estimates
  expect_equal(e$conf.high - e$estimate, a1$crit * e$std.error)
  a3 <- att_gt(fit, seed = 5, biters = 999, multiplier = "rademacher")
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

test_that("argument errors say what to do", {
  d <- cs_data(60)
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  expect_error(att_gt(fit, covariates = "dr"), "needs a fit with controls")
  expect_error(att_gt(fit, covariates = "ipw"), "must be \"none\", \"or\" or \"dr\"")
  expect_error(att_gt(fit, bogus = 1), "unknown argument")
  expect_error(att_gt(fit, anticipation = -1), "'anticipation' must be a whole number")
  fitw <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D",
                   weights = "w")
  expect_error(att_gt(fitw), "unweighted fits only")
  expect_warning(att_gt(update(fit, data = d[-1, ]), bootstrap = FALSE),
                 "1 unit\\(s\\) not observed in every period")
})

test_that("print() and plot() work", {
  d <- cs_data(60)
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  at <- att_gt(fit, seed = 1, biters = 99)
  out <- capture.output(print(at))
  expect_match(out[1], "Callaway and Sant'Anna")
  expect_true(any(grepl("simultaneous band", out)))
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  expect_identical(plot(at), at$estimates)
})

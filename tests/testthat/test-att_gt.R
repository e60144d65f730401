# the test panel of helper-cs.R, as cs_data() in this file (a helper of that
# name would mask smartdid::cs_data() in every test file)
cs_data <- cs_test_data

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
    match_did(att_gt(fit0, comparison = ctl, base_period = bp, bootstrap = FALSE),
              ref, 1e-10, 1e-10)
    ref <- did::att_gt("y", "year", "unit", "g", xformla = ~ x1 + x2, data = d,
                       control_group = cg, base_period = bp, est_method = "reg",
                       bstrap = FALSE, cband = FALSE)
    match_did(att_gt(fit1, comparison = ctl, base_period = bp, adjust = "or",
                     bootstrap = FALSE), ref, 1e-10, 1e-10)
    ref <- did::att_gt("y", "year", "unit", "g", xformla = ~ x1 + x2, data = d,
                       control_group = cg, base_period = bp, bstrap = FALSE,
                       cband = FALSE)
    # did's logit stops at a looser tolerance than ours
    match_did(att_gt(fit1, comparison = ctl, base_period = bp, bootstrap = FALSE),
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
  expect_warning(at <- att_gt(update(fit, . ~ 1), comparison = "notyet",
                              anticipation = 1, bootstrap = FALSE),
                 "20 unit\\(s\\) treated in the first")
  match_did(at, ref, 1e-10, 1e-10)
  m2 <- mpdta[mpdta$first.treat > 0, ]
  fit2 <- smartdid(lemp ~ 1, data = m2, id = "countyreal", time = "year",
                   cohort = "first.treat")
  ref <- did::att_gt("lemp", "year", "countyreal", "first.treat", data = m2,
                     control_group = "notyettreated", bstrap = FALSE, cband = FALSE)
  match_did(att_gt(fit2, comparison = "notyet", bootstrap = FALSE), ref, 1e-10, 1e-10)
  expect_error(att_gt(fit2, bootstrap = FALSE), "no never-treated units")
})

test_that("argument errors say what to do", {
  d <- cs_data(60)
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  expect_error(att_gt(fit, adjust = "dr"), "needs a fit with controls")
  expect_error(att_gt(fit, adjust = "ipw"), "must be \"none\", \"or\" or \"dr\"")
  expect_error(att_gt(fit, bogus = 1), "unknown argument")
  expect_error(att_gt(fit, anticipation = -1), "'anticipation' must be a whole number")
  expect_warning(at <- att_gt(update(fit, data = d[-1, ]), bootstrap = FALSE,
                              allow_unbalanced = FALSE),
                 "1 unit\\(s\\) not observed in every period")
  expect_identical(at$data_type, "panel")
  expect_identical(at$n_units, 59L)
  expect_error(att_gt(fit, allow_unbalanced = NA), "allow_unbalanced")
})

test_that("print() and plot() work", {
  d <- cs_data(60)
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  at <- att_gt(fit, seed = 1, draws = 99)
  out <- capture.output(print(at))
  expect_match(out[1], "Callaway and Sant'Anna")
  expect_true(any(grepl("simultaneous band", out)))
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  expect_identical(plot(at), at$estimates)
})

test_that("unbalanced panels and weights equal did::att_gt(allow_unbalanced_panel = TRUE)", {
  skip_if_not_installed("did")
  d <- cs_unbalanced()
  fit0 <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first")
  fit1 <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", cohort = "first")
  for (ctl in c("never", "notyet")) for (bp in c("varying", "universal")) {
    cg <- if (ctl == "never") "nevertreated" else "notyettreated"
    ref <- did::att_gt("y", "year", "unit", "g", data = d, control_group = cg,
                       base_period = bp, bstrap = FALSE, cband = FALSE,
                       allow_unbalanced_panel = TRUE)
    match_did(att_gt(fit0, comparison = ctl, base_period = bp, bootstrap = FALSE),
              ref, 1e-10, 1e-10)
    ref <- did::att_gt("y", "year", "unit", "g", xformla = ~ x1 + x2, data = d,
                       control_group = cg, base_period = bp, est_method = "reg",
                       bstrap = FALSE, cband = FALSE, allow_unbalanced_panel = TRUE)
    match_did(att_gt(fit1, comparison = ctl, base_period = bp, adjust = "or",
                     bootstrap = FALSE), ref, 1e-8, 1e-8)
  }
  ref <- did::att_gt("y", "year", "unit", "g", xformla = ~ x1 + x2, data = d,
                     bstrap = FALSE, cband = FALSE, allow_unbalanced_panel = TRUE)
  # did's logit (fastglm) stops at a looser tolerance than ours
  match_did(att_gt(fit1, bootstrap = FALSE), ref, 1e-7,
            if (drdid_rc_current()) 1e-7 else Inf)
  ref <- suppressWarnings(did::att_gt("y", "year", "unit", "g", data = d,
                     anticipation = 1, control_group = "notyettreated",
                     bstrap = FALSE, cband = FALSE, allow_unbalanced_panel = TRUE))
  at <- att_gt(fit0, comparison = "notyet", anticipation = 1, bootstrap = FALSE)
  match_did(at, ref, 1e-10, 1e-10)
  # sampling weights, on the unbalanced panel and a balanced one
  d$wu <- 0.5 + (d$unit %% 7) / 4
  fitw <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", cohort = "first",
                   weights = "wu")
  for (cv in c("none", "or", "dr")) {
    ref <- did::att_gt("y", "year", "unit", "g", data = d, weightsname = "wu",
                       xformla = if (cv == "none") ~1 else ~ x1 + x2,
                       est_method = if (cv == "or") "reg" else "dr",
                       bstrap = FALSE, cband = FALSE, allow_unbalanced_panel = TRUE)
    tol <- if (cv == "dr") 1e-7 else 1e-8
    match_did(att_gt(fitw, adjust = cv, bootstrap = FALSE), ref, tol,
              if (cv != "dr" || drdid_rc_current()) tol else Inf)
  }
  b <- cs_data()
  b$wu <- 0.5 + (b$unit %% 7) / 4
  fitb <- smartdid(y ~ x1 + x2, data = b, id = "unit", time = "year", cohort = "first",
                   weights = "wu")
  for (cv in c("none", "or", "dr")) {
    ref <- did::att_gt("y", "year", "unit", "g", data = b, weightsname = "wu",
                       xformla = if (cv == "none") ~1 else ~ x1 + x2,
                       est_method = if (cv == "or") "reg" else "dr",
                       control_group = "notyettreated", bstrap = FALSE, cband = FALSE)
    at <- att_gt(fitb, adjust = cv, comparison = "notyet", bootstrap = FALSE)
    match_did(at, ref, 1e-8, 1e-8)
    ag <- did::aggte(ref, "dynamic", bstrap = FALSE, cband = FALSE)
    ours <- att_aggregate(at, "dynamic")
    expect_lt(max(abs(ours$estimates$estimate - ag$att.egt)), 1e-8)
    expect_lt(rel_err(ours$estimates$std.error, ag$se.egt), 1e-8)
    expect_lt(rel_err(ours$overall$std.error, ag$overall.se), 1e-8)
  }
})

test_that("several outcomes in one call equal separate calls", {
  d <- cs_unbalanced()
  d$y2 <- d$y^2 / 4 + d$x1
  d$y3 <- -d$y + rnorm(nrow(d))
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", cohort = "first",
                  weights = "w")
  for (cv in c("none", "dr")) {
    all3 <- att_gt(fit, adjust = cv, bootstrap = FALSE, outcomes = c("y", "y2", "y3"))
    expect_named(all3, c("y", "y2", "y3"))
    for (o in c("y2", "y3")) {
      one <- att_gt(update(fit, as.formula(paste(o, "~ x1 + x2"))), adjust = cv,
                    bootstrap = FALSE)
      expect_equal(all3[[o]]$estimates, one$estimates, tolerance = 1e-10)
      expect_identical(all3[[o]]$outcome, o)
    }
  }
  b <- cs_data()
  b$y2 <- b$y * 2 + b$x1
  fb <- smartdid(y ~ x1 + x2, data = b, id = "unit", time = "year", treat = "D")
  two <- att_gt(fb, adjust = "or", bootstrap = FALSE, outcomes = c("y", "y2"))
  one <- att_gt(update(fb, y2 ~ x1 + x2), adjust = "or", bootstrap = FALSE)
  expect_equal(two$y2$estimates, one$estimates, tolerance = 1e-10)
  expect_error(att_gt(fb, outcomes = "nope"), "not found")
  expect_error(att_gt(fb, outcomes = c("y", "y")), "distinct")
})

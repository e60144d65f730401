# Renamed arguments (R/deprecated.R): the new names work, the old ones still
# work with a message, both at once is an error.

dep_fit <- function(controls = FALSE) {
  d <- sim_panel(90, 8, seed = 21)
  f <- if (controls) y ~ x1 else y ~ 1
  smartdid(f, data = d, id = "unit", time = "year", treat = "D")
}

test_that("sd_renamed() passes the new value, or the old one with a message", {
  expect_identical(sd_renamed(1, NULL, "new", "old", "f", FALSE), 1)
  expect_message(v <- sd_renamed(1, 2, "new", "old", "f", FALSE),
                 "f\\(\\): 'old' is deprecated; use 'new'")
  expect_identical(v, 2)
  expect_error(sd_renamed(1, 2, "new", "old", "f", TRUE), "not both")
})

test_that("att_gt(): comparison, adjust and draws replace control, covariates, biters", {
  fit <- dep_fit(controls = TRUE)
  new <- att_gt(fit, comparison = "notyet", adjust = "or", draws = 99, seed = 3)
  msgs <- capture_messages(old <- att_gt(fit, control = "notyet", covariates = "or",
                                         biters = 99, seed = 3))
  expect_match(msgs, "'control' is deprecated; use 'comparison'", all = FALSE)
  expect_match(msgs, "'covariates' is deprecated; use 'adjust'", all = FALSE)
  expect_match(msgs, "'biters' is deprecated; use 'draws'", all = FALSE)
  expect_equal(old$estimates, new$estimates)
  expect_identical(new$params$control, "notyet")
  expect_identical(new$params$covariates, "or")
  expect_identical(new$params$biters, 99L)
  expect_message(att_gt(fit, biters = 50, bootstrap = FALSE), "'biters' is deprecated")
  expect_message(att_gt(fit, covariates = "none", bootstrap = FALSE),
                 "'covariates' is deprecated; use 'adjust'")
  expect_error(att_gt(fit, comparison = "never", control = "never"), "not both")
  expect_error(att_gt(fit, comparison = "sometimes"), "'comparison' must be one of")
})

test_that("att_aggregate(): leads, lags and draws replace min_e, max_e, biters", {
  at <- att_gt(dep_fit(), bootstrap = FALSE)
  new <- att_aggregate(at, "dynamic", leads = 2, lags = 3)
  expect_identical(new$estimates$rel_time, as.numeric(-2:3))
  msgs <- capture_messages(old <- att_aggregate(at, "dynamic", min_e = -2, max_e = 3))
  expect_match(msgs, "'min_e' is deprecated; use 'leads'", all = FALSE)
  expect_match(msgs, "'max_e' is deprecated; use 'lags'", all = FALSE)
  expect_equal(old$estimates, new$estimates)
  expect_message(att_aggregate(at, "simple", biters = 50), "'biters' is deprecated")
  expect_error(att_aggregate(at, "dynamic", leads = 2, min_e = -2), "not both")
  expect_error(att_aggregate(at, "dynamic", leads = -1), "'leads' must be NULL or")
})

test_that("event_study(): comparison for CS and Sun-Abraham, control still accepted", {
  fit <- dep_fit()
  cs <- event_study(fit, leads = 2, lags = 2, estimator = "cs", comparison = "notyet")
  expect_message(cs_old <- event_study(fit, leads = 2, lags = 2, estimator = "cs",
                                       control = "notyet"), "'control' is deprecated")
  expect_equal(cs$estimates, cs_old$estimates)
  expect_identical(cs$info$control, "notyet")
  sa <- event_study(fit, leads = 2, lags = 2, estimator = "sunab", comparison = "last")
  expect_message(sa_old <- event_study(fit, leads = 2, lags = 2, estimator = "sunab",
                                       control = "last"), "'control' is deprecated")
  expect_equal(sa$estimates, sa_old$estimates)
  expect_identical(sa$info$control, "last")
})

test_that("psm(): ever_treated and match_level; the API's treat stays silent", {
  d <- sim_panel(60, 4, seed = 22)
  d$ever <- as.numeric(!is.na(d$first))
  m_api <- expect_silent(psm(d, treat = "ever", covariates = c("x1", "x2"), id = "unit",
                             time = "year"))
  m_new <- psm(d, ever_treated = "ever", covariates = c("x1", "x2"), id = "unit",
               time = "year")
  expect_equal(m_new$units, m_api$units)
  expect_error(psm(d, treat = "ever", ever_treated = "ever", covariates = "x1",
                   id = "unit", time = "year"), "not both")
  u_new <- psm(d, "ever", c("x1", "x2"), id = "unit", time = "year", match_level = "unit")
  expect_message(u_old <- psm(d, "ever", c("x1", "x2"), id = "unit", time = "year",
                              level = "unit"), "'level' is deprecated; use 'match_level'")
  expect_equal(u_old$units, u_new$units)
  expect_identical(u_new$settings$level, "unit")
})

test_that("the API names of DESIGN.md give no deprecation message", {
  fit <- dep_fit()
  expect_no_message <- function(expr) {
    msgs <- character()
    withCallingHandlers(expr, message = function(m) {
      msgs <<- c(msgs, conditionMessage(m))
      invokeRestart("muffleMessage")
    })
    expect_false(any(grepl("deprecated", msgs)))
  }
  expect_no_message(event_study(fit, leads = 3, lags = 3, ref = -1))
  expect_no_message(placebo(fit, draws = 20, seed = 1))
})

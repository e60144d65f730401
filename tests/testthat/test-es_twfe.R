test_that("the TWFE event study counts the rows it sets aside", {
  d <- sim_panel(n_units = 30, n_periods = 10, seed = 11)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", cohort = "first")
  es <- event_study(fit, leads = 2, lags = 2, bin = FALSE)
  dr <- es$info$dropped
  rel <- d$year - d$first
  outside <- sum(!is.na(rel) & (rel < -2 | rel > 2))
  expect_identical(as.integer(dr$rows[dr$reason == "outside the event window (bin = FALSE)"]),
                   as.integer(outside))
  expect_identical(nobs(es), nrow(d) - outside)
  # binned: nothing set aside, the end dummies pool the rest
  eb <- event_study(fit, leads = 2, lags = 2, bin = TRUE)
  expect_identical(nobs(eb), nrow(d))
  expect_equal(sum(eb$estimates$n_obs[eb$estimates$rel_time == 2]),
                   sum(!is.na(rel) & rel >= 2))
})

test_that("plot_event_studies() overlays estimators and returns the shifted data", {
  d <- sim_dynamic(seed = 6)$data
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first")
  a <- event_study(fit, leads = 2, lags = 2)
  b <- event_study(fit, leads = 2, lags = 2, estimator = "sunab")
  pdf(NULL)
  on.exit(dev.off())
  pd <- plot_event_studies(TWFE = a, SA = b, dodge = 0.2)
  expect_equal(unique(pd$estimator), c("TWFE", "SA"))
  expect_equal(pd$x[pd$estimator == "TWFE"], pd$rel_time[pd$estimator == "TWFE"] - 0.1)
  expect_equal(pd$x[pd$estimator == "SA"], pd$rel_time[pd$estimator == "SA"] + 0.1)
  expect_equal(pd$estimate[pd$estimator == "SA"], tidy(b)$estimate)
  expect_error(plot_event_studies(a, dodge = "x"), "'dodge' must be a number")
  expect_error(plot_event_studies(a, fit), "must be an event study")
})

test_that("plot_event_studies() warns when the studies' clocks differ", {
  d <- sim_panel(40, 10, seed = 41)
  f1 <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  d2 <- d
  d2$year <- 2000 + 2 * (d$year - 2000)
  f2 <- smartdid(y ~ 1, data = d2, id = "unit", time = "year", treat = "D")
  e1 <- event_study(f1, leads = 2, lags = 2)
  e2 <- event_study(f2, leads = 2, lags = 2)
  expect_equal(e2$info$clock$spacing, 2)
  pdf(NULL)
  on.exit(grDevices::dev.off())
  expect_warning(plot_event_studies(e1, e2), "periods of different lengths")
  expect_silent(plot_event_studies(e1, event_study(f1, leads = 2, lags = 2,
                                                   estimator = "sunab")))
})

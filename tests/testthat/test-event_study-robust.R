# event_study(estimator = ...) wires the heterogeneity-robust estimators into
# the common event-study object.

test_that("event_study() returns CS, SA and imputation results as event studies", {
  d <- sim_dynamic(seed = 3)$data
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first")
  for (est in c("cs", "sunab", "imputation")) {
    es <- event_study(fit, leads = 3, lags = 3, estimator = est)
    expect_s3_class(es, "smartdid_es")
    expect_equal(es$estimator, est)
    td <- tidy(es)
    expect_true(all(c("rel_time", "estimate", "std.error", "conf.low") %in% names(td)))
    expect_true(all(td$rel_time >= -3 & td$rel_time <= 3))
    expect_equal(nrow(es$overall), 1L)
    expect_output(print(es), "Overall")
  }
})

test_that("the robust event studies carry their estimator's numbers unchanged", {
  d <- sim_dynamic(seed = 4)$data
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first")
  cs <- event_study(fit, leads = 2, lags = 3, estimator = "cs", control = "notyet")
  parts <- es_cs(fit, control = "notyet", leads = 2, lags = 3)
  expect_equal(cs$overall$estimate, parts$overall$estimate)
  expect_equal(tidy(cs)$estimate, parts$estimates$estimate[order(parts$estimates$rel_time)])
  simple <- att_aggregate(att_gt(fit, control = "notyet", bootstrap = FALSE), "simple")
  expect_equal(cs$overall$estimate, simple$overall$estimate, tolerance = 1e-12)
  sa <- event_study(fit, leads = 2, lags = 3, estimator = "sunab")
  # Sun-Abraham normalises period -1: shown as the reference row
  ref <- tidy(sa)[tidy(sa)$rel_time == -1, ]
  expect_equal(ref$estimate, 0)
  expect_true(is.na(ref$std.error))
  expect_false(is.null(sa$pretest))
  im <- event_study(fit, leads = 2, lags = 3, estimator = "imputation")
  expect_equal(im$overall$estimate, es_imputation(fit, leads = 2, lags = 3)$overall$estimate)
})

test_that("an unknown estimator is a clear error", {
  d <- sim_dynamic(seed = 5)$data
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first")
  expect_error(event_study(fit, estimator = "did2s"), "'estimator' must be one of")
})

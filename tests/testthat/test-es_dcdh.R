# event_study(estimator = "dcdh"): the event-study contract and the
# arguments. The comparisons with DIDmultiplegtDYN are in
# test-es_dcdh-reference.R, the closed form in test-dcdh_estimate.R.

test_that("the default variance rules differ from 2.1.2 only where documented", {
  # binary panels starting from 0 and 1: comparison groups of switchers in
  # and out are disjoint, so only one-unit cohorts can make a difference
  d <- dcdh_sim(G = 300, nT = 6, seed = 11, type = "binary")
  fit <- dcdh_fit(d)
  a <- event_study(fit, estimator = "dcdh", effects = 2, placebo = 1)
  b <- event_study(fit, estimator = "dcdh", effects = 2, placebo = 1, compat = TRUE)
  expect_equal(a$estimates$estimate, b$estimates$estimate)
  expect_equal(a$overall$estimate, b$overall$estimate)
})

test_that("the result fulfils the event-study contract", {
  d <- dcdh_sim(G = 60, nT = 7, seed = 1, type = "binary")
  es <- event_study(dcdh_fit(d), estimator = "dcdh", effects = 3, placebo = 2)
  expect_s3_class(es, "smartdid_es")
  expect_equal(es$estimator, "dcdh")
  e <- es$estimates
  expect_equal(e$rel_time, c(-3, -2, -1, 0, 1, 2))
  expect_equal(e$effect, c("Placebo_2", "Placebo_1", "reference (F - 1)", "Effect_1",
                           "Effect_2", "Effect_3"))
  expect_true(e$reference[e$rel_time == -1])
  expect_equal(rownames(es$vcov), e$term[!e$reference])
  expect_equal(sqrt(diag(es$vcov)), e$std.error[!e$reference], ignore_attr = TRUE)
  # influence functions reproduce the covariance, weights the overall effect
  psi <- es$influence$psi
  expect_equal(es$influence$factor * crossprod(psi), es$vcov, ignore_attr = TRUE)
  w <- es$overall_weights
  expect_equal(sum(w * e$estimate[match(names(w), e$term)]), es$overall$estimate)
  expect_equal(nrow(generics::tidy(es)), 6L)
  expect_equal(es$pretest$df1, 2)
  expect_equal(es$info$joint$df, c(3, 2))
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off(), add = TRUE)
  expect_no_error(suppressMessages(plot_event_studies(twfe = event_study(dcdh_fit(d[d$d %in% 0:1, ]),
                                                        estimator = "twfe", leads = 3,
                                                        lags = 2, switchers = "first"),
                                     dcdh = es)))
})

test_that("bad arguments are refused with a message naming them", {
  d <- dcdh_sim(G = 40, nT = 5, seed = 2)
  fit <- dcdh_fit(d)
  expect_error(event_study(fit, estimator = "dcdh", effects = 0), "'effects'")
  expect_error(event_study(fit, estimator = "dcdh", direction = "up"), "'direction'")
  expect_error(event_study(fit, estimator = "dcdh", efects = 2), "efects")
  expect_error(event_study(fit, estimator = "dcdh", cluster = "x"),
               "nested in the clusters")
  expect_error(event_study(fit, estimator = "dcdh", controls = "zz"), "'controls'")
  expect_message(event_study(fit, estimator = "dcdh", effects = 9), "at most")
})

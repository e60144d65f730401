# The estimator registry and the event-study contract (R/estimators.R)

test_that("es_build() fills the contract, with reference rows and inference", {
  fit <- smartdid(y ~ 1, data = sim_panel(20, 6, seed = 2), id = "unit",
                  time = "year", treat = "D")
  psi <- matrix(c(0.1, -0.2, 0.3, 0.05, 0.1, -0.1), 3)
  V <- crossprod(psi)
  r <- es_build(c(-2, 0), c(0.1, 0.5), sqrt(diag(V)), V,
                list(estimate = 0.5, std.error = 0.3), "x", 100, fit, 0.9,
                ref = -1, influence = list(psi = psi, ids = 1:3, factor = 1),
                overall_weights = c(0, 1))
  expect_s3_class(r, "smartdid_es")
  expect_identical(r$estimates$rel_time, c(-2, -1, 0))
  expect_identical(r$estimates$reference, c(FALSE, TRUE, FALSE))
  expect_identical(r$estimates$term, c("rel::-2", "rel::-1", "rel::0"))
  expect_identical(dimnames(r$vcov)[[1]], c("rel::-2", "rel::0"))
  expect_identical(colnames(r$influence$psi), c("rel::-2", "rel::0"))
  expect_equal(r$estimates$conf.high[3], 0.5 + qnorm(0.95) * sqrt(V[2, 2]))
  expect_equal(r$overall$p.value, 2 * pnorm(-0.5 / 0.3))
  expect_identical(r$nobs, 100L)
  expect_equal(r$overall_weights, c(`rel::-2` = 0, `rel::0` = 1))
  expect_equal(r$info$clock$spacing, 1)
  expect_false(is.null(r$pretest))
  # t inference with df
  r2 <- es_build(0, 0.5, 0.2, NULL, list(estimate = 0.5, std.error = 0.2), "x", 10,
                 fit, 0.95, df = 12)
  expect_equal(r2$estimates$p.value, 2 * pt(-2.5, 12))
})

test_that("new_event_study() refuses results that break the contract", {
  est <- es_fill_stats(data.frame(rel_time = c(-1, 0, 1), estimate = c(0, 0.5, 1),
                                  std.error = c(NA, 0.2, 0.3)))
  V <- diag(c(0.04, 0.09))
  dimnames(V) <- rep(list(c("rel::0", "rel::1")), 2)
  ov <- es_overall(est, V)
  expect_s3_class(new_event_study(est, ov, "x", 1, vcov = V), "smartdid_es")
  bad <- V
  dimnames(bad) <- rep(list(c("rel::-1", "rel::1")), 2)
  expect_error(new_event_study(est, ov, "x", 1, vcov = bad), "'vcov' must be")
  psi <- diag(c(0.2, 0.3))
  colnames(psi) <- colnames(V)
  expect_s3_class(new_event_study(est, ov, "x", 1, vcov = V,
                                  influence = list(psi = psi, ids = 1:2, factor = 1)),
                  "smartdid_es")
  expect_error(new_event_study(est, ov, "x", 1, vcov = V,
                               influence = list(psi = psi, ids = 1:2, factor = 2)),
               "does not reproduce")
  expect_error(new_event_study(est, ov, "x", 1, vcov = V,
                               overall_weights = c(`rel::0` = 1)),
               "do not reproduce")
  expect_s3_class(new_event_study(est, ov, "x", 1, vcov = V,
                                  overall_weights = c(`rel::0` = 0.5, `rel::1` = 0.5)),
                  "smartdid_es")
})

test_that("every registered estimator fulfils the contract", {
  d <- sim_dynamic(120, 8, seed = 6)$data
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  reg <- es_estimators()
  expect_true(all(c("twfe", "cs", "sunab", "imputation") %in% names(reg)))
  for (nm in names(reg)) {
    expect_true(is.function(reg[[nm]]$fun) && nzchar(reg[[nm]]$label) &&
                  nzchar(reg[[nm]]$notes), info = nm)
    es <- suppressMessages(event_study(fit, leads = 2, lags = 3, estimator = nm))
    expect_identical(es$estimator, nm)
    e <- es$estimates
    expect_true(is.numeric(e$rel_time))
    expect_identical(rownames(es$vcov), e$term[!e$reference], info = nm)
    if (!is.null(es$overall_weights)) {
      w <- es$overall_weights
      expect_equal(sum(w * e$estimate[match(names(w), e$term)]), es$overall$estimate,
                   tolerance = 1e-10, info = nm)
    }
    if (!is.null(es$influence)) {
      expect_equal(es$influence$factor * crossprod(es$influence$psi), es$vcov,
                   tolerance = 1e-10, info = nm)
    }
    expect_match(format(es)[1], reg[[nm]]$label, fixed = TRUE)
  }
  expect_error(event_study(fit, estimator = "nope"), "'estimator' must be one of")
})

test_that("an estimator added to the registry is reachable from event_study()", {
  # the registry is the only list of estimators: adding one there is enough
  reg <- es_estimators()
  expect_identical(es_estimator("sunab"), reg$sunab)
  expect_identical(es_estimator_label("imputation"), reg$imputation$label)
  expect_identical(es_estimator_label("other"), "other")
})

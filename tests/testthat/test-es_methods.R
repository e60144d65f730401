# Methods of event-study objects (R/es_methods.R)

es_small <- function(seed = 31, ...) {
  d <- sim_panel(40, 10, seed = seed)
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  event_study(fit, leads = 3, lags = 4, ...)
}

test_that("the object has the documented structure", {
  es <- es_small()
  expect_s3_class(es, "smartdid_es")
  expect_named(es, c("estimates", "overall", "estimator", "nobs", "vcov", "pretest",
                     "fit", "model", "level", "df", "info", "influence",
                     "overall_weights", "joint", "call"))
  expect_equal(es$estimator, "twfe")
  expect_s3_class(es$model, "smartdid")
  expect_s3_class(es$fit, "smartdid")
  expect_true(all(c("x1", "x2") %in% names(coef(es$model))))
  expect_equal(es$model$controls, c("x1", "x2"))
  expect_equal(dimnames(es$vcov)[[1]], names(coef(es)))
  expect_true(is.numeric(es$estimates$rel_time))
})

test_that("tidy() gives the estimates; conf.level recomputes the limits", {
  es <- es_small()
  tab <- tidy(es)
  expect_equal(names(tab)[1:8], c("term", "rel_time", "estimate", "std.error",
                                  "statistic", "p.value", "conf.low", "conf.high"))
  expect_equal(tab$rel_time, -3:4)
  expect_equal(tab$n_obs[tab$rel_time == 0], 20)
  t90 <- tidy(es, conf.level = 0.9)
  q <- qt(0.95, es$df)
  ok <- !t90$reference
  expect_equal(t90$conf.high[ok], tab$estimate[ok] + q * tab$std.error[ok])
  expect_equal(t90$conf.low[!ok], 0)
  expect_null(tidy(es, conf.int = FALSE)$conf.low)
})

test_that("glance() has the fit statistics, the pre-trend test and the overall effect", {
  es <- es_small()
  g <- glance(es)
  expect_equal(nrow(g), 1L)
  expect_equal(g$nobs, 400L)
  expect_equal(g$pretest_F, es$pretest$statistic)
  expect_equal(g$pretest_p, es$pretest$p.value)
  expect_equal(g$overall, es$overall$estimate)
  expect_equal(g$adj.r.squared, es$model$adj.r.squared)
  expect_equal(g$n_clusters, 40L)
})

test_that("glance() of a dcdh event study reports the clusters it used", {
  d <- dcdh_sim(G = 60, nT = 6, seed = 3)
  es <- event_study(dcdh_fit(d), estimator = "dcdh", effects = 2, placebo = 1)
  # unclustered (by unit): one cluster per unit, the rows of its influence
  expect_identical(glance(es)$n_clusters, 60L)
  expect_identical(glance(es)$n_clusters, nrow(es$influence$psi))
  ec <- event_study(dcdh_fit(d, cluster = "cl"), estimator = "dcdh", effects = 2,
                    placebo = 1)
  expect_identical(glance(ec)$n_clusters, length(unique(d$cl)))
  expect_identical(glance(ec)$n_clusters, nrow(ec$influence$psi))
  # estimators with neither a regression nor a count report NA
  cs <- event_study(es_small()$fit, estimator = "cs")
  expect_identical(glance(cs)$n_clusters, NA_integer_)
})

test_that("print() shows the table, the pre-trend test and the overall effect", {
  es <- es_small()
  out <- capture.output(res <- print(es))
  expect_identical(res, es)
  expect_true(any(grepl("0 \\(reference\\)", out)))
  expect_true(any(grepl(sprintf("F\\(2, 39\\) = %.3f", es$pretest$statistic), out)))
  expect_true(any(grepl(sprintf("Overall \\(mean of 5 post-period coefficients\\): %.4f",
                                es$overall$estimate), out)))
  expect_snapshot(print(es))
})

test_that("plot() draws and returns the plot data; es_plot_data() stacks", {
  es <- es_small()
  pdf(NULL)
  on.exit(grDevices::dev.off())
  pd <- plot(es, level = 0.9, main = "x", ci = "band")
  ref <- es_plot_data(es, level = 0.9)
  expect_identical(pd[names(ref)], ref)
  expect_identical(pd$level, rep(0.9, nrow(pd)))
  pd2 <- plot(es)
  expect_equal(pd2$conf.low, tidy(es)$conf.low)
  expect_equal(names(pd), c("estimator", "rel_time", "estimate", "std.error",
                            "conf.low", "conf.high", "reference", "label", "level"))
  es2 <- es_small(ref = c(-3, -1))
  st <- es_plot_data(a = es, b = es2)
  expect_equal(nrow(st), 16L)
  expect_equal(unique(st$estimator), c("a", "b"))
  expect_error(es_plot_data(es, 1), "must be an event study")
})

test_that("new_event_study() validates and completes its input", {
  est <- data.frame(rel_time = c(1, -2, -1, 0), estimate = c(0.7, 0.1, 0, 0.5),
                    std.error = c(0.25, 0.2, NA, 0.2))
  est <- es_fill_stats(est, df = 40)
  V <- diag(c(0.2, 0.2, 0.25)^2)
  dimnames(V) <- rep(list(c("rel::-2", "rel::0", "rel::1")), 2)
  es <- new_event_study(est, es_overall(est, V, 40), "manual", nobs = 10, vcov = V,
                        pretest = es_pretest(est, V, 40), df = 40)
  expect_equal(es$estimates$rel_time, c(-2, -1, 0, 1))
  expect_equal(es$estimates$reference, c(FALSE, TRUE, FALSE, FALSE))
  expect_equal(es$estimates$term, c("rel::-2", "rel::-1", "rel::0", "rel::1"))
  expect_equal(es$overall$estimate, 0.6)
  expect_equal(es$overall$std.error, sqrt(0.2^2 + 0.25^2) / 2)
  expect_equal(es$pretest$statistic, (0.1 / 0.2)^2)
  expect_output(print(es), "Event study \\(manual\\)")
  expect_error(new_event_study(est[, 1:3], es$overall, "x", 1), "'estimates' must be")
  expect_error(new_event_study(est, es$overall[, 1:2], "x", 1), "'overall' must be")
})

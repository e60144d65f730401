# autoplot() methods (ggplot2 only suggested) and the data behind the
# base-graphics figures.

ap_fit <- function() {
  d <- sim_panel(60, 12, seed = 21)
  smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
}

test_that("event studies: one layer of points per estimate, overlays, truth markers", {
  skip_if_not_installed("ggplot2")
  fit <- ap_fit()
  es <- event_study(fit, leads = 3, lags = 3)
  g <- ggplot2::autoplot(es, level = 0.9)
  expect_s3_class(g, "ggplot")
  b <- ggplot2::ggplot_build(g)
  pd <- es_plot_data(es, level = 0.9)
  expect_equal(sort(b$data[[4]]$y), sort(pd$estimate[!is.na(pd$estimate)]))
  eb <- b$data[[3]]
  ref <- pd[!pd$reference & !is.na(pd$conf.low), ]
  expect_equal(sort(eb$ymin), sort(ref$conf.low))
  expect_match(g$labels$y, "90% confidence interval", fixed = TRUE)
  # the binned first period is labelled as a bin
  labs <- b$layout$panel_params[[1]]$x$get_labels()
  expect_identical(labs[1], paste(smartdid:::sym("le"), "-3"))
  # overlays and truth
  es2 <- event_study(fit, leads = 3, lags = 3, estimator = "sunab")
  g2 <- ggplot2::autoplot(es, SA = es2, truth = c(`0` = 1, `1` = 1.2))
  d2 <- ggplot2::ggplot_build(g2)$data
  expect_identical(length(unique(d2[[4]]$colour)), 2L)
  expect_equal(d2[[5]]$y, c(1, 1.2))
  expect_identical(g2$theme$legend.position, "top")
})

test_that("placebo: density, p-values scaled to the right axis, observed and p line", {
  skip_if_not_installed("ggplot2")
  pl <- placebo(ap_fit(), draws = 60, seed = 3)
  g <- ggplot2::autoplot(pl)
  expect_s3_class(g, "ggplot")
  pd <- smartdid:::placebo_plot_data(pl)
  expect_equal(g$layers[[1]]$data$density, pd$density$density)
  top <- max(pd$density$density) * 1.05
  expect_equal(g$layers[[2]]$data$scaled / top, pd$points$p.value)
  expect_equal(g$layers[[3]]$data$x, pl$observed)
  expect_match(g$layers[[4]]$data$text, smartdid:::fmt_perm_p(pl$p.value), fixed = TRUE)
  # the observed estimate is inside the x range, off the frame
  expect_gt(pl$observed, pd$xlim[1] + 0.05 * diff(pd$xlim))
  expect_lt(pl$observed, pd$xlim[2] - 0.05 * diff(pd$xlim))
})

test_that("psm, bacon and heterogeneity figures carry their data", {
  skip_if_not_installed("ggplot2")
  fit <- ap_fit()
  d <- fit$data
  d$ever <- ave(d$D, d$unit, FUN = max)
  m <- psm(d[d$year == min(d$year), ], "ever", "x1", id = "unit", time = "year")
  g <- ggplot2::autoplot(m)
  expect_equal(g$data$density, plot(m, plot = FALSE)$density)
  expect_true(all(g$data$x >= 0 & g$data$x <= 1))
  h <- heterogeneity(fit, split = "x1")
  gh <- ggplot2::autoplot(h, labels = c(low = "Low x", high = "High x"))
  expect_setequal(as.character(gh$data$label), c("Low x", "High x"))
  expect_equal(gh$data$estimate, smartdid:::het_plot_data(h, 0.95)$estimate)
  dc <- sim_panel(60, 12, seed = 22)
  bc <- bacon(smartdid(y ~ 1, data = dc, id = "unit", time = "year", treat = "D"))
  gb <- ggplot2::autoplot(bc)
  expect_equal(gb$data$estimate, bc$comparisons$estimate)
  expect_equal(gb$layers[[2]]$data$yintercept, bc$estimate)  # the TWFE line
})

test_that("base figures: labels kept, truth in the legend data, placebo data frames", {
  fit <- ap_fit()
  es <- event_study(fit, leads = 3, lags = 3)
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  pd <- plot(es)
  expect_identical(pd$label[1], paste(smartdid:::sym("le"), "-3"))
  es2 <- event_study(fit, leads = 3, lags = 3, estimator = "sunab")
  cmp <- plot_event_studies(TWFE = es, SA = es2, truth = c(`0` = 1, `1` = 1.2))
  expect_identical(cmp$estimator[cmp$estimator == "truth"], c("truth", "truth"))
  expect_error(plot_event_studies(es, truth = "a"), "'truth' must be")
  pl <- placebo(fit, draws = 40, seed = 3)
  pp <- plot(pl)
  expect_s3_class(pp$density, "data.frame")
  expect_s3_class(pp$points, "data.frame")
  cf <- plot(fit, labels = c(x1 = "A very long covariate label"))
  expect_true("A very long covariate label" %in% cf$label)
})

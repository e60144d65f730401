# The methods of boottest()'s result (R/boottest_methods.R): print, tidy, plot
# and autoplot.

test_that("print, tidy and plot", {
  d <- bt_panel()
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D",
                  cluster = "region")
  bt <- suppressMessages(boottest(fit, "D"))
  expect_snapshot(print(bt))
  td <- tidy(bt)
  expect_equal(td$term, "D")
  expect_equal(td$p.value, bt$p.value)
  expect_equal(c(td$conf.low, td$conf.high), c(bt$conf.low, bt$conf.high))
  pdf(NULL)
  on.exit(grDevices::dev.off())
  pf <- plot(bt)
  expect_true(all(c("value", "p.value") %in% names(pf)))
  expect_true(all(pf$p.value >= 0 & pf$p.value <= 1))
  skip_if_not_installed("ggplot2")
  expect_s3_class(ggplot2::autoplot(bt), "ggplot")
})

# R/sensitivity_methods.R: print, format, tidy, plot and autoplot of a
# sensitivity() result. (The same example as test-sensitivity.R.)

K <- 3
T <- 3
S <- sens_sigma(K + T)
b <- c(0.01, -0.03, 0.02, 0.30, 0.32, 0.35)
es <- sens_es(b, S, K)

test_that("print, tidy, plot and autoplot", {
  s <- sensitivity(es, Mbar = c(0, 1))
  expect_output(print(s), "relative magnitudes")
  expect_output(print(s), "breakdown Mbar")
  td <- tidy(s)
  expect_equal(td$method, c("original", "C-LF", "C-LF"))
  expect_equal(names(td), c("target", "parameter", "bound", "conf.low", "conf.high",
                            "method"))
  pdf(NULL)
  on.exit(dev.off())
  expect_identical(plot(s), s)
  e <- sensitivity(es, Mbar = 1, target = "each", breakdown = FALSE)
  expect_identical(plot(e), e)
  # a user's title (the replication vignette gives one) does not clash with the default
  expect_identical(plot(s, main = "Average effect"), s)
  expect_identical(plot(e, main = "Each period", col = "grey"), e)
  skip_if_not_installed("ggplot2")
  p <- ggplot2::autoplot(s)
  expect_s3_class(p, "ggplot")
  expect_equal(nrow(p$data), 3L)
})

test_that("tidy puts the original interval first and matches the results", {
  s <- sensitivity(es, Mbar = c(0, 0.5, 1), target = "each", breakdown = FALSE)
  td <- tidy(s)
  expect_equal(nrow(td), 3L * 4L)
  expect_equal(td$target, rep(c("rel 0", "rel 1", "rel 2"), each = 4))
  orig <- td[td$method == "original", ]
  expect_true(all(is.na(orig$bound)))
  expect_equal(orig$conf.low, s$original$conf.low)
  rob <- td[td$method != "original", ]
  expect_equal(rob$bound, rep(c(0, 0.5, 1), 3))
  expect_equal(rob$conf.high,
               s$results$conf.high[order(match(s$results$target, names(s$weights)))])
  expect_equal(unique(td$parameter), "Mbar")
})

test_that("format names the restriction, the target and the breakdown value", {
  s <- sensitivity(es, type = "smoothness", M = c(0, 0.01), method = "C-LF",
                   breakdown = FALSE)
  txt <- format(s, digits = 3)
  expect_match(txt[1], "smoothness (M)", fixed = TRUE)
  expect_true(any(grepl("^Target: first \\(weights 1.000 0.000 0.000", txt)))
  expect_true(any(grepl("breakdown M: not computed", txt, fixed = TRUE)))
  expect_equal(sum(grepl("^ +M = ", txt)), 2L)
  out <- capture.output(r <- withVisible(print(s, digits = 3)))
  expect_identical(out, txt)
  expect_false(r$visible)
  expect_identical(r$value, s)
})

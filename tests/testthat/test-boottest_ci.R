# boottest()'s confidence intervals by test inversion and its p-value function
# (R/boottest_ci.R).

test_that("the interval inverts the test: p-values straddle 1 - level at its bounds", {
  d <- bt_panel()
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D",
                  cluster = "region")
  for (imp in c(TRUE, FALSE)) for (pt in c("symmetric", "equal-tailed")) {
    bt <- boottest(fit, "D", B = 999, seed = 2, impose_null = imp, p_type = pt)
    eps <- 2 * bt$tol * bt$std.error
    p <- bt_pvalue_function(bt, c(bt$conf.low - eps, bt$conf.low + eps,
                                  bt$conf.high - eps, bt$conf.high + eps))$p.value
    expect_true(p[1] <= 0.05 && p[2] > 0.05 && p[3] > 0.05 && p[4] <= 0.05)
    expect_lt(bt$conf.low, bt$estimate)
    expect_gt(bt$conf.high, bt$estimate)
  }
  up <- boottest(fit, "D", B = 999, seed = 2, p_type = ">")
  expect_equal(up$conf.high, Inf)
  expect_true(is.finite(up$conf.low))
  # the p-value function reproduces the test's p-value at r
  bt <- boottest(fit, "D", B = 999, seed = 2, r = 0.3)
  expect_equal(bt_pvalue_function(bt, 0.3)$p.value, bt$p.value)
})

test_that("p-values and intervals equal fwildclusterboot's under full enumeration", {
  skip_if_not_installed("fwildclusterboot")
  d <- bt_panel()
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D",
                  cluster = "region")
  m <- stats::lm(y ~ D + x + factor(unit) + factor(year), data = d)
  types <- c(symmetric = "two-tailed", `equal-tailed` = "equal-tailed", `>` = ">", `<` = "<")
  for (imp in c(TRUE, FALSE)) for (pt in names(types)) {
    fw <- suppressWarnings(suppressMessages(getExportedValue("fwildclusterboot", "boottest")(
      m, param = "D", clustid = "region", B = 9999, impose_null = imp,
      p_val_type = types[[pt]], r = 0.1, conf_int = FALSE)))
    bt <- suppressMessages(boottest(fit, "D", B = 9999, impose_null = imp, r = 0.1,
                                    p_type = pt, conf_int = pt == "symmetric"))
    expect_equal(bt$p.value, fw$p_val, tolerance = 1e-12)
    if (pt == "symmetric") {
      # fwildclusterboot's own p-value flips from above to below 1 - level
      # within the stated tolerance of each bound
      eps <- 2 * bt$tol * bt$std.error
      pv <- function(r) suppressWarnings(suppressMessages(getExportedValue("fwildclusterboot", "boottest")(
        m, param = "D", clustid = "region", B = 9999, impose_null = imp, r = r,
        conf_int = FALSE)))$p_val
      expect_true(pv(bt$conf.low - eps) <= 0.05 && pv(bt$conf.low + eps) > 0.05)
      expect_true(pv(bt$conf.high + eps) <= 0.05 && pv(bt$conf.high - eps) > 0.05)
    }
  }
})

test_that("threads can be set and results do not depend on them", {
  old <- smartdid_threads()
  on.exit(smartdid_threads(old))
  d <- sim_panel(n_units = 300, n_periods = 12)
  smartdid_threads(1)
  a <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  expect_equal(smartdid_threads(2), 1L)
  b <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                nthreads = 2)
  expect_identical(coef(a), coef(b))
  expect_identical(vcov(a), vcov(b))
  expect_error(smartdid_threads(0), "'n' must be a whole number")
})

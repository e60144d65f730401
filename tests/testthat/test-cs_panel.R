# Tests of R/cs_panel.R: att_gt()'s data and panel.

test_that("rows grouped by unit or interleaved give the same influence functions", {
  d <- cs_unbalanced()
  by_unit <- d[order(d$unit, d$year), ]
  by_year <- d[order(d$year, d$unit), ]
  for (w in list(NULL, "w")) {
    # (smartdid::cs_data(): the tests' cs_data() makes the test panel)
    a <- att_gt(smartdid::cs_data(by_unit, "y", "year", "first", id = "unit", weights = w),
                bootstrap = FALSE)
    b <- att_gt(smartdid::cs_data(by_year, "y", "year", "first", id = "unit", weights = w),
                bootstrap = FALSE)
    expect_equal(a$estimates, b$estimates, tolerance = 1e-12)
    expect_equal(a$psi, b$psi, tolerance = 1e-12)
    expect_gt(sum(a$psi != 0), 0)
  }
})

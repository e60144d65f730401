# Bad input gets a clear error naming the argument.
test_that("roles are validated with clear messages", {
  d <- sim_panel(n_units = 10, n_periods = 5)
  expect_snapshot(error = TRUE, {
    smartdid(y ~ x1, data = d, id = "city", time = "year", treat = "D")
    smartdid(y ~ x1, data = d, id = "unit", time = "year")
    smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D", cohort = "first")
    smartdid(y ~ nope, data = d, id = "unit", time = "year", treat = "D")
    smartdid(region ~ x1, data = d, id = "unit", time = "year", treat = "D")
    smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "x1")
    smartdid(y ~ x1, data = rbind(d, d[1, ]), id = "unit", time = "year", treat = "D")
    smartdid(y ~ x1, data = transform(d, D = 0), id = "unit", time = "year", treat = "D")
    smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D", vcov = "hc3")
    smartdid(y ~ x1, data = transform(d, cl = NA), id = "unit", time = "year",
             treat = "D", cluster = "cl")
    smartdid(y ~ x1, data = transform(d, w = -w), id = "unit", time = "year",
             treat = "D", weights = "w")
    smartdid(y ~ x1, data = d[0, ], id = "unit", time = "year", treat = "D")
    smartdid(y ~ x1, data = as.list(d), id = "unit", time = "year", treat = "D")
    smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D", wieghts = "w")
    smartdid(y ~ x1 + D, data = d, id = "unit", time = "year", treat = "D")
  })
})

test_that("zero weights and NA clusters are dropped and counted", {
  d <- sim_panel()
  d$w[1:3] <- 0
  d$cl <- d$unit
  d$cl[10] <- NA
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D",
                  weights = "w", cluster = "cl")
  dr <- stats::setNames(fit$dropped$rows, fit$dropped$reason)
  expect_equal(dr[["zero weight"]], 3L)
  expect_equal(dr[["missing or non-finite value"]], 1L)
  expect_equal(nobs(fit), nrow(d) - 4L)
})

test_that("character, factor and Date periods and ids work", {
  d <- sim_panel()
  ref <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  d2 <- transform(d, unit = paste0("u", unit), year = as.Date(paste0(year, "-01-01")))
  expect_equal(coef(smartdid(y ~ x1, data = d2, id = "unit", time = "year", treat = "D")),
               coef(ref), tolerance = 1e-12)
  d3 <- transform(d, unit = factor(unit), year = factor(year))
  expect_equal(coef(smartdid(y ~ x1, data = d3, id = "unit", time = "year", treat = "D")),
               coef(ref), tolerance = 1e-12)
})

test_that("a missing part of an interacted fixed effect drops the row as missing", {
  d <- sim_panel(seed = 19)
  d$region[c(5, 17, 90)] <- NA
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D",
                  fe = "region^year")
  dr <- stats::setNames(fit$dropped$rows, fit$dropped$reason)
  expect_equal(dr[["missing or non-finite value"]], 3L)
  ok <- !is.na(d$region)
  ref <- smartdid(y ~ x1, data = d[ok, ], id = "unit", time = "year", treat = "D",
                  fe = "region^year")
  expect_equal(coef(fit), coef(ref))
})

# The one clock (R/clock.R): every estimator reports relative time in periods
# of the panel's own calendar.

clock_panel <- function(years, cohorts, n = 90, seed = 7) {
  set.seed(seed)
  d <- expand.grid(year = years, unit = seq_len(n))
  d$first <- cohorts[(d$unit %% length(cohorts)) + 1L]
  d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
  e <- match(d$year, years) - match(d$first, years)
  d$y <- ifelse(d$D == 1, 1 + 0.3 * e, 0) + d$unit / 30 + 0.01 * d$year +
    rnorm(nrow(d))
  d
}

all_axes <- function(fit, leads = 3, lags = 3) {
  out <- list()
  for (est in names(es_estimators())) {
    es <- suppressWarnings(suppressMessages(
      event_study(fit, leads = leads, lags = lags, estimator = est)))
    out[[est]] <- es
  }
  out
}

test_that("the clock finds the spacing, gaps and adoption periods", {
  ck <- sd_clock(seq(2000, 2016, by = 2))
  expect_equal(ck$spacing, 2)
  expect_identical(ck$n_periods, 9L)
  expect_identical(clock_index(ck, c(2000, 2004, 2016)), c(1L, 3L, 9L))
  expect_identical(clock_index(ck, 2005), NA_integer_)
  expect_identical(clock_index(ck, 2005, after = TRUE), 4L)
  expect_equal(clock_rel(ck, c(2002, 2006, 2010), c(2006, 2006, Inf)), c(-2, 0, NA))
  gap <- sd_clock(setdiff(2000:2010, 2005))
  expect_equal(gap$spacing, 1)
  expect_identical(gap$gaps, 1L)
  expect_identical(clock_index(gap, 2006), 7L)
  q <- sd_clock(2000 + (0:11) / 4)
  expect_equal(q$spacing, 0.25)
  expect_identical(clock_index(q, 2002.75), 12L)
  expect_identical(sd_clock(as.Date("2000-01-01") + c(0, 31, 59))$unit, "position")
  expect_equal(sd_never(c(NA, 0, Inf, 2004)), c(TRUE, TRUE, TRUE, FALSE))
})

test_that("every estimator gets the same axis on an every-second-year panel", {
  d <- clock_panel(seq(2000, 2016, by = 2), c(2006, 2010, NA))
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  axes <- all_axes(fit)
  for (es in axes) {
    expect_identical(es$estimates$rel_time, as.numeric(-3:3), info = es$estimator)
    expect_equal(es$info$clock$spacing, 2)
  }
  # a reference row only where the estimator normalises one, at -1
  expect_identical(axes$twfe$estimates$rel_time[axes$twfe$estimates$reference], -1)
  expect_identical(axes$sunab$estimates$rel_time[axes$sunab$estimates$reference], -1)
  # the same panel relabelled 1, 2, ..., 9 gives the same numbers
  d1 <- d
  d1$year <- (d$year - 2000) / 2 + 1
  d1$first <- (d$first - 2000) / 2 + 1
  ax1 <- all_axes(smartdid(y ~ 1, data = d1, id = "unit", time = "year", treat = "D"))
  for (est in names(axes)) {
    expect_equal(axes[[est]]$estimates$estimate, ax1[[est]]$estimates$estimate,
                 tolerance = 1e-10, info = est)
    expect_equal(axes[[est]]$estimates$std.error, ax1[[est]]$estimates$std.error,
                 tolerance = 1e-10, info = est)
    expect_equal(ax1[[est]]$info$clock$spacing, 1)
  }
  expect_output(print(axes$sunab), "spacing 2")
  # the cohort column times events the same way
  fc <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first")
  tm <- es_timing(fc)
  expect_equal(tm$rel, ifelse(is.na(d$first), NA, (d$year - d$first) / 2))
})

test_that("every estimator gets the same axis on a panel with a gap", {
  d <- clock_panel(setdiff(2000:2012, 2006), c(2005, 2008, NA))
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first")
  axes <- all_axes(fit)
  for (es in axes) {
    expect_identical(es$estimates$rel_time, as.numeric(-3:3), info = es$estimator)
    expect_identical(es$info$clock$gaps, 1L)
  }
  # relative time is year - adoption year: 2007 is two periods after 2005
  tm <- es_timing(fit)
  expect_equal(tm$rel, ifelse(is.na(d$first), NA, d$year - d$first))
  st <- sd_staggered(fit, "test")
  expect_equal(st$rel, ifelse(is.na(d$first), NA, d$year - d$first))
  # TWFE equals lm() with dummies on that axis
  rel <- pmin(pmax(d$year - d$first, -3), 3)
  for (k in setdiff(-3:3, -1)) {
    d[[paste0("r", k + 3)]] <- as.numeric(!is.na(rel) & rel == k)
  }
  m <- lm(y ~ r0 + r1 + r3 + r4 + r5 + r6 + factor(unit) + factor(year), data = d)
  tw <- axes$twfe$estimates
  expect_lt(max(abs(tw$estimate[!tw$reference] -
                      coef(m)[paste0("r", c(0, 1, 3, 4, 5, 6))])), 1e-8)
})

test_that("shift_timing() moves adoption by periods of the calendar", {
  d <- clock_panel(seq(2000, 2016, by = 2), c(2008, 2010, NA))
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  sh <- shift_timing(fit, years = 1)
  f1 <- sh[[1]]
  # one period earlier is two years earlier: units adopting in 2008 are
  # pseudo-treated from 2006, and the study sample ends at 2008
  dd <- f1$data
  expect_identical(max(dd$year[f1$obs]), 2008)
  expect_true(all(dd$D[dd$unit %% 3 == 0 & dd$year == 2006] == 1))
})

# Adoption timing and relative time (R/event_time.R)

timing_fit <- function(d, ...) {
  smartdid(y ~ x1, data = d, id = "unit", time = "year", ...)
}

test_that("relative time is period position minus adoption position", {
  d <- sim_panel(20, 10, seed = 11)
  tm <- es_timing(timing_fit(d, treat = "D"))
  expect_equal(tm$rel, ifelse(is.na(d$first), NA, d$year - d$first))
  expect_equal(as.vector(tm$counts[c("treated", "never")]), c(10L, 10L))
  # the cohort column gives the same timing
  tc <- es_timing(timing_fit(d, cohort = "first"))
  expect_identical(tc$rel, tm$rel)
  expect_identical(tc$adopt, tm$adopt)
})

test_that("gaps are periods of the calendar; non-integer periods are rescaled", {
  d <- sim_panel(20, 10, seed = 12)
  ref <- es_timing(timing_fit(d, treat = "D"))$rel
  # a year missing from every unit is still a period of the calendar: the
  # years around it are two periods apart (issue 16: one clock)
  g <- d[d$year != 2003, ]
  tg <- es_timing(timing_fit(g, treat = "D"))
  expect_equal(tg$rel, ifelse(is.na(g$first), NA, g$year - g$first))
  expect_identical(tg$clock$gaps, 1L)
  # rescaled non-integer periods give the same relative times
  h <- d
  h$year <- 2000 + (d$year - 2000) / 4 + 0.125
  h$first <- 2000 + (d$first - 2000) / 4 + 0.125
  expect_identical(es_timing(timing_fit(h, treat = "D"))$rel, ref)
  expect_identical(es_timing(timing_fit(h, cohort = "first"))$rel, ref)
  # a cohort value between two periods of the calendar starts at the next
  k <- d
  k$first[k$first == 2005 & !is.na(k$first)] <- 2004.2
  expect_identical(es_timing(timing_fit(k, cohort = "first"))$rel, ref)
  # dates and factors are counted in observed positions
  f <- g
  f$year <- factor(f$year)
  tf <- es_timing(timing_fit(f, treat = "D"))
  pos <- match(g$year, sort(unique(g$year)))
  adopt <- match(g$first, sort(unique(g$year)))
  expect_equal(tf$rel, ifelse(is.na(g$first), NA, pos - adopt))
  expect_identical(tf$clock$unit, "position")
})

test_that("always-treated, switching and late units are classified", {
  d <- sim_panel(20, 10, seed = 13)
  d$D[d$unit == 1] <- 1                       # always treated
  d$D[d$unit == 2 & d$year >= 2009] <- 0      # switches off
  tm <- es_timing(timing_fit(d, treat = "D"))
  expect_equal(tm$status[1:2], c("always", "switcher"))
  expect_true(all(tm$drop_row[d$unit %in% 1:2]))
  expect_false(any(tm$drop_row[!d$unit %in% 1:2]))
  expect_true(all(is.na(tm$rel[d$unit %in% 1:2])))
  expect_message(es_timing_message(tm), "1 always-treated unit")
  expect_message(es_timing_message(tm), "1 unit\\(s\\) whose treatment switches off")
  # switchers = "first": counted from the first adoption
  tf <- es_timing(timing_fit(d, treat = "D"), switchers = "first")
  expect_equal(tf$status[2], "treated")
  expect_equal(tf$rel[d$unit == 2], d$year[d$unit == 2] - d$first[d$unit == 2])
  expect_message(es_timing_message(tf), "kept with event time counted")
  # a cohort after the last period is never treated in the sample
  d <- sim_panel(20, 10, seed = 13)
  d$first[d$unit == 3] <- 2030
  d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
  tl <- es_timing(timing_fit(d, cohort = "first"))
  expect_equal(tl$status[3], "late")
  expect_message(es_timing_message(tl), "1 unit\\(s\\) adopting after the last period")
  # a cohort at or before the first period: always treated
  d$first[d$unit == 4] <- 1990
  expect_equal(es_timing(timing_fit(d, cohort = "first"))$status[4], "always")
})

test_that("cohort values must be constant within units", {
  d <- sim_panel(20, 10, seed = 14)
  d$first[d$unit == 1 & d$year == 2005] <- 2008
  expect_error(es_timing(timing_fit(d, cohort = "first")),
               "must be constant within each unit")
})

test_that("group_min agrees with tapply", {
  set.seed(1)
  g <- sample(1:30, 500, replace = TRUE)
  x <- sample(c(1:40, NA), 500, replace = TRUE)
  ref <- tapply(x, factor(g, levels = 1:32), function(v) {
    if (all(is.na(v))) NA_integer_ else min(v, na.rm = TRUE)
  })
  expect_identical(group_min(x, g, 32L), as.integer(ref))
})

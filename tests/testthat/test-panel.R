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

# integer64 (bit64; what data.table::fread() returns for large integers):
# every role reads the exact values, never the raw bits.
as_i64 <- function(x) bit64::as.integer64(x)

test_that("integer64 columns give the same fit as doubles, in every role", {
  skip_if_not_installed("bit64")
  p <- sim_panel(30, 8, seed = 41)
  p$y <- round(p$y * 1000)          # whole numbers: exact in integer64
  p$xi <- round(p$x1 * 1000)
  p$wi <- round(p$w * 10)
  p$prov <- p$unit %% 11
  p$grp <- p$unit %% 7
  ref <- smartdid(y ~ xi + x2, data = p, id = "unit", time = "year", treat = "D",
                  cluster = "prov", weights = "wi", fe = "grp^year")
  q <- p
  for (v in c("y", "xi", "D", "unit", "year", "prov", "wi", "grp")) q[[v]] <- as_i64(p[[v]])
  fit <- smartdid(y ~ xi + x2, data = q, id = "unit", time = "year", treat = "D",
                  cluster = "prov", weights = "wi", fe = "grp^year")
  expect_equal(coef(fit), coef(ref), tolerance = 1e-12)
  expect_equal(vcov(fit), vcov(ref), tolerance = 1e-12)
  expect_equal(fitted(fit), fitted(ref), tolerance = 1e-12)
  # the outcome alone, a control alone (the cases seen wrong), the cohort
  for (v in c("y", "xi")) {
    q1 <- p
    q1[[v]] <- as_i64(p[[v]])
    f1 <- smartdid(y ~ xi, data = q1, id = "unit", time = "year", treat = "D")
    expect_equal(coef(f1), coef(smartdid(y ~ xi, data = p, id = "unit", time = "year",
                                         treat = "D")), tolerance = 1e-12, info = v)
  }
  q2 <- p
  q2$first <- as_i64(p$first)
  q2$year <- as_i64(p$year)
  expect_equal(coef(smartdid(y ~ xi, data = q2, id = "unit", time = "year", cohort = "first")),
               coef(smartdid(y ~ xi, data = p, id = "unit", time = "year", cohort = "first")),
               tolerance = 1e-12)
  # the analyses built on the fit read the converted columns
  pl <- placebo(fit, draws = 20, seed = 3, progress = FALSE)
  pl0 <- placebo(ref, draws = 20, seed = 3, progress = FALSE)
  expect_equal(pl$draws$estimate, pl0$draws$estimate, tolerance = 1e-10)
})

test_that("integer64 from a data.table keeps the class; NA stays NA", {
  skip_if_not_installed("bit64")
  p <- sim_panel(20, 6, seed = 42)
  p$y <- round(p$y * 100)
  p$y[3] <- NA
  dt <- data.table::as.data.table(p)
  dt[["y"]] <- as_i64(p$y)
  fit <- smartdid(y ~ x1, data = dt, id = "unit", time = "year", treat = "D")
  ref <- smartdid(y ~ x1, data = p, id = "unit", time = "year", treat = "D")
  expect_equal(coef(fit), coef(ref), tolerance = 1e-12)
  expect_identical(fit$dropped, ref$dropped)
  expect_true(data.table::is.data.table(fit$data))
  expect_false(inherits(fit$data$y, "integer64"))
  expect_true(inherits(dt$y, "integer64"))  # the user's table is not changed
})

test_that("integer64 values beyond 2^53 are refused, naming the column", {
  skip_if_not_installed("bit64")
  p <- sim_panel(20, 6, seed = 43)
  p$big <- as_i64(p$unit)
  p$big[5] <- bit64::as.integer64("9007199254740993")
  expect_error(smartdid(y ~ big, data = p, id = "unit", time = "year", treat = "D"),
               "column 'big' of 'data' is a 64-bit integer.*beyond 2\\^53.*row 5")
  expect_error(smartdid(y ~ x1, data = p, id = "big", time = "year", treat = "D"),
               "column 'big'")
  # 2^53 itself is exact; an unused column beyond it is left alone
  p$big[5] <- bit64::as.integer64("9007199254740992")
  p$other <- bit64::as.integer64("9223372036854775807")
  expect_silent(fit <- smartdid(y ~ x1, data = p, id = "unit", time = "year", treat = "D"))
  expect_identical(smartdid:::int64_to_double(p$big)[5], 2^53)
  x <- bit64::as.integer64(c("-9007199254740992", "-4294967297", "-1", "0",
                             "4294967296", NA))
  expect_identical(smartdid:::int64_to_double(x),
                   c(-2^53, -4294967297, -1, 0, 4294967296, NA))
})

test_that("psm() reads integer64 treatment and covariates exactly", {
  skip_if_not_installed("bit64")
  d <- cross_section(200, seed = 44)
  d$x1 <- round(d$x1 * 100)
  ref <- psm(d, "t", c("x1", "x2"), id = "id", time = "year", caliper = 0.2)
  q <- d
  q$x1 <- as_i64(d$x1)
  q$t <- as_i64(d$t)
  q$id <- as_i64(d$id)
  m <- psm(q, "t", c("x1", "x2"), id = "id", time = "year", caliper = 0.2)
  expect_equal(m$units$score, ref$units$score, tolerance = 1e-12)
  expect_identical(m$match_matrix, ref$match_matrix)
})

test_that("a cohort fit names its coefficient as the user asks (treat_name)", {
  p <- sim_panel(30, 8, seed = 45)
  f0 <- smartdid(y ~ x1, data = p, id = "unit", time = "year", cohort = "first")
  expect_identical(names(coef(f0))[1], "first_treated")
  f1 <- smartdid(y ~ x1, data = p, id = "unit", time = "year", cohort = "first",
                 treat_name = "Smart_Policy")
  expect_identical(names(coef(f1)), c("Smart_Policy", "x1"))
  expect_identical(f1$treat_name, "Smart_Policy")
  expect_equal(unname(coef(f1)), unname(coef(f0)), tolerance = 1e-12)
  expect_true(any(grepl("Treatment: Smart_Policy", capture.output(print(f1)))))
  # the name survives refits built on the fit
  expect_identical(names(coef(update(f1, vcov = "hc1")))[1], "Smart_Policy")
  expect_identical(tidy(shift_timing(f1, years = 1))$term, "Smart_Policy")
  expect_identical(pretrend_constant_name <- names(coef(mechanism(f1, moderator = "x2")))[1],
                   "Smart_Policy")
  # and is validated
  expect_error(smartdid(y ~ x1, data = p, id = "unit", time = "year", treat = "D",
                        treat_name = "P"), "'treat_name' names the dummy built from 'cohort'")
  expect_error(smartdid(y ~ x1, data = p, id = "unit", time = "year", cohort = "first",
                        treat_name = NA_character_), "'treat_name' must be a single")
  expect_error(smartdid(y ~ x1, data = p, id = "unit", time = "year", cohort = "first",
                        treat_name = "x1"), "must not also be a control")
})

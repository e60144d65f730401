# Coefficients against lm() with explicit unit and period dummies.

lm_ref <- function(d, f = y ~ D + x1 + x2 + factor(unit) + factor(year), w = NULL) {
  ww <- if (is.null(w)) rep(1, nrow(d)) else d[[w]]
  stats::lm(f, d, weights = ww)
}

test_that("balanced panel: coefficients equal lm() with dummies", {
  d <- sim_panel()
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  ref <- coef(lm_ref(d))[c("D", "x1", "x2")]
  expect_lt(rel_err(coef(fit), ref), 1e-8)
  expect_equal(names(coef(fit)), c("D", "x1", "x2"))
  expect_equal(nobs(fit), nrow(d))
})

test_that("unbalanced and weighted panels: coefficients equal lm()", {
  d <- sim_panel(seed = 3)
  set.seed(9)
  du <- d[-sample(nrow(d), 70), ]
  fit <- smartdid(y ~ x1 + x2, data = du, id = "unit", time = "year", treat = "D")
  expect_lt(rel_err(coef(fit), coef(lm_ref(du))[c("D", "x1", "x2")]), 1e-8)
  fw <- smartdid(y ~ x1 + x2, data = du, id = "unit", time = "year", treat = "D",
                 weights = "w")
  expect_lt(rel_err(coef(fw), coef(lm_ref(du, w = "w"))[c("D", "x1", "x2")]), 1e-8)
  # balanced and weighted goes through the exact two-way solve too
  fb <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                 weights = "w")
  expect_lt(rel_err(coef(fb), coef(lm_ref(d, w = "w"))[c("D", "x1", "x2")]), 1e-8)
})

test_that("cohort builds the same dummy as treat", {
  d <- sim_panel()
  a <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  d$first[is.na(d$first)] <- 0
  b <- smartdid(y ~ x1, data = d, id = "unit", time = "year", cohort = "first")
  expect_equal(unname(coef(a)), unname(coef(b)), tolerance = 1e-12)
  expect_equal(names(coef(b))[1], "first_treated")
  d$first[d$first == 0] <- Inf
  c2 <- smartdid(y ~ x1, data = d, id = "unit", time = "year", cohort = "first")
  expect_equal(unname(coef(a)), unname(coef(c2)), tolerance = 1e-12)
})

test_that("no controls, factor controls and extra fixed effects", {
  d <- sim_panel(n_units = 30, seed = 4)
  f0 <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  expect_lt(rel_err(coef(f0), coef(lm(y ~ D + factor(unit) + factor(year), d))["D"]), 1e-8)
  d$grp <- factor(ifelse(d$x1 > 0, "hi", "lo"))
  ff <- smartdid(y ~ x1 + grp, data = d, id = "unit", time = "year", treat = "D")
  ref <- coef(lm(y ~ D + x1 + grp + factor(unit) + factor(year), d))
  expect_lt(rel_err(coef(ff), ref[c("D", "x1", "grplo")]), 1e-8)
  # region-by-year effects: alternating projections
  fr <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                 fe = "region^year")
  refr <- coef(lm(y ~ D + x1 + x2 + factor(unit) + factor(paste(region, year)), d))
  expect_lt(rel_err(coef(fr), refr[c("D", "x1", "x2")]), 1e-8)
})

test_that("time-invariant controls are reported as collinear", {
  d <- sim_panel()
  d$const_unit <- d$unit %% 7
  fit <- smartdid(y ~ x1 + const_unit, data = d, id = "unit", time = "year", treat = "D")
  expect_equal(fit$collinear, "const_unit")
  expect_equal(names(coef(fit)), c("D", "x1"))
  d$x1b <- 2 * d$x1
  fit2 <- smartdid(y ~ x1 + x1b, data = d, id = "unit", time = "year", treat = "D")
  expect_equal(fit2$collinear, "x1b")
})

test_that("dropped rows are counted, reported and printed", {
  d <- sim_panel()
  d$x1[c(3, 60)] <- NA
  d$x2[7] <- Inf
  d <- d[!(d$unit == 5 & d$year != 2001), ]  # unit 5 becomes a singleton
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  dr <- stats::setNames(fit$dropped$rows, fit$dropped$reason)
  expect_equal(dr[["missing or non-finite value"]], 3L)
  expect_equal(dr[["singleton"]], 1L)
  expect_equal(nobs(fit) + sum(dr), nrow(d))
  expect_output(print(fit), "3 \\(missing or non-finite value\\), 1 \\(singleton\\)")
  keep <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                   singletons = FALSE)
  expect_equal(nobs(keep), nrow(d) - 3L)
})

test_that("subset restricts the sample, as a formula or a logical vector", {
  d <- sim_panel()
  a <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D",
                subset = ~ region != "a")
  b <- smartdid(y ~ x1, data = d[d$region != "a", ], id = "unit", time = "year",
                treat = "D")
  expect_equal(coef(a), coef(b), tolerance = 1e-12)
  expect_equal(a$dropped$rows[a$dropped$reason == "outside subset"],
               sum(d$region == "a"))
  c2 <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D",
                 subset = d$region != "a")
  expect_equal(coef(a), coef(c2), tolerance = 1e-12)
})

test_that("input data are not modified", {
  d <- data.table::as.data.table(sim_panel())
  data.table::setkey(d, unit, year)
  before <- data.table::copy(d)
  smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  expect_identical(d, before)
})

test_that("update() changes arguments", {
  d <- sim_panel()
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  expect_equal(names(coef(update(fit, . ~ 1))), "D")
  expect_equal(update(fit, vcov = "iid")$vcov_info$type, "iid")
  expect_equal(coef(update(fit, data = d[d$year > 2001, ])),
               coef(smartdid(y ~ x1 + x2, data = d[d$year > 2001, ], id = "unit",
                             time = "year", treat = "D")))
})

test_that("non-syntactic column names work and offsets are refused", {
  d <- sim_panel(seed = 20)
  d$`my x` <- d$x1
  a <- smartdid(y ~ `my x`, data = d, id = "unit", time = "year", treat = "D")
  b <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  expect_equal(unname(coef(a)), unname(coef(b)))
  expect_equal(names(coef(a))[2], "my x")
  d$g <- factor(d$region)
  a2 <- smartdid(y ~ `my x` + g, data = d, id = "unit", time = "year", treat = "D")
  expect_equal(unname(coef(a2))[1:2],
               unname(coef(smartdid(y ~ x1 + g, data = d, id = "unit", time = "year",
                                    treat = "D")))[1:2])
  expect_error(smartdid(y ~ x1 + offset(x2), data = d, id = "unit", time = "year",
                        treat = "D"), "offset")
})

test_that("arguments caught by ... are named in one error", {
  expect_silent(check_no_dots("f()"))
  expect_error(check_no_dots("f()", 1, b = 2),
               "unknown argument\\(s\\) to f\\(\\): an unnamed value, 'b'$")
  expect_error(check_no_dots("g()", bogus = 1), "to g\\(\\): 'bogus'$")
})

test_that("design = \"general\" takes a numeric treatment that switches on and off", {
  set.seed(5)
  d <- expand.grid(t = 1:6, g = 1:30)
  d$D <- ifelse(d$g <= 15 & d$t >= 3 & d$t <= 4, 1.5, 0)
  d$D[d$g == 1 & d$t == 6] <- 3
  d$y <- d$g / 10 + 0.4 * d$D + rnorm(nrow(d))
  expect_error(smartdid(y ~ 1, data = d, id = "g", time = "t", treat = "D"),
               "only 0 and 1")
  fit <- smartdid(y ~ 1, data = d, id = "g", time = "t", treat = "D", design = "general")
  expect_equal(fit$design, "general")
  expect_equal(fit$args$design, "general")
  # the two-way fixed-effects slope on the treatment, as lm() with dummies
  b <- stats::coef(stats::lm(y ~ D + factor(g) + factor(t), data = d))["D"]
  expect_equal(unname(coef(fit)["D"]), unname(b), tolerance = 1e-10)
  expect_error(smartdid(y ~ 1, data = d, id = "g", time = "t", cohort = "t",
                        design = "general"), "needs 'treat'")
  d$k <- 2
  expect_error(smartdid(y ~ 1, data = d, id = "g", time = "t", treat = "k",
                        design = "general"), "single value")
  expect_error(smartdid(y ~ 1, data = d, id = "g", time = "t", treat = "D",
                        design = "gen"), NA)
  expect_error(smartdid(y ~ 1, data = d, id = "g", time = "t", treat = "D",
                        design = "x"), "'design'")
})

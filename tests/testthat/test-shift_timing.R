# shift_timing(): counterfactual adoption timing

# A study-shaped panel: 221 units, 2003-2020, 86 treated in 2012-2014.
study_panel <- function(seed = 51) {
  set.seed(seed)
  d <- expand.grid(year = 2003:2020, unit = 1:221)
  d$first <- ifelse(d$unit <= 86, 2012 + d$unit %% 3, NA)
  d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
  d$x1 <- rnorm(nrow(d))
  d$w <- runif(nrow(d), 0.5, 2)
  d$y <- -0.2 * d$D + 0.3 * d$x1 + d$unit / 50 + 0.02 * (d$year - 2003) +
    rnorm(nrow(d), sd = 0.3)
  d
}

test_that("the study's rule reproduces its sample sizes 2,210 / 1,989 / 1,768", {
  d <- study_panel()
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  st <- shift_timing(fit, years = 1:3)
  expect_s3_class(st, c("smartdid_shift", "smartdid_list"))
  expect_named(st, c("1 earlier", "2 earlier", "3 earlier"))
  expect_equal(vapply(st, nobs, 1L), c(`1 earlier` = 2210L, `2 earlier` = 1989L,
                                       `3 earlier` = 1768L))
  expect_equal(attr(st, "window")$last, c(2012L, 2011L, 2010L))
  expect_equal(attr(st, "window")$first, rep(2003L, 3))
})

test_that("each shift equals smartdid() on a hand-built pseudo-treatment", {
  d <- study_panel(52)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D",
                  weights = "w")
  st <- shift_timing(fit, years = c(1, 3))
  for (s in c(1, 3)) {
    h <- d[d$year <= 2013 - s, ]
    h$P <- as.numeric(!is.na(h$first) & h$year >= h$first - s)
    ref <- smartdid(y ~ x1, data = h, id = "unit", time = "year", treat = "P",
                    weights = "w")
    got <- st[[paste(s, "earlier")]]
    expect_lt(rel_err(coef(got), unname(coef(ref))), 1e-10)
    expect_lt(rel_err(vcov(got), unname(vcov(ref))), 1e-10)
    expect_equal(nobs(got), nobs(ref))
  }
  # against lm() with dummies and a hand-written clustered variance
  h <- d[d$year <= 2012, ]
  h$P <- as.numeric(!is.na(h$first) & h$year >= h$first - 1)
  m <- lm(y ~ P + x1 + factor(unit) + factor(year), data = h, weights = w)
  X <- model.matrix(m)
  B <- solve(crossprod(X, h$w * X))
  S <- rowsum(h$w * residuals(m) * X, h$unit)
  n <- nrow(h)
  V <- 221 / 220 * (n - 1) / (n - 2 - 10) * B %*% crossprod(S) %*% B
  expect_lt(rel_err(unname(coef(st[[1]])["D"]), unname(coef(m)["P"])), 1e-8)
  expect_lt(rel_err(sqrt(vcov(st[[1]])["D", "D"]), sqrt(V["P", "P"])), 1e-8)
})

test_that("the 'pre' and 'unit' sample rules", {
  d <- study_panel(53)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  pre <- shift_timing(fit, years = 1:2, sample = "pre")
  expect_equal(unname(vapply(pre, nobs, 1L)), c(1989L, 1989L))
  h <- d[d$year < 2012, ]
  h$P <- as.numeric(!is.na(h$first) & h$year >= h$first - 2)
  ref <- smartdid(y ~ x1, data = h, id = "unit", time = "year", treat = "P")
  expect_lt(rel_err(coef(pre[[2]]), unname(coef(ref))), 1e-10)
  un <- shift_timing(fit, years = 2, sample = "unit")
  h <- d[is.na(d$first) | d$year < d$first, ]
  h$P <- as.numeric(!is.na(h$first) & h$year >= h$first - 2)
  ref <- smartdid(y ~ x1, data = h, id = "unit", time = "year", treat = "P")
  expect_lt(rel_err(coef(un[[1]]), unname(coef(ref))), 1e-10)
  expect_equal(nobs(un[[1]]), nrow(h))
})

test_that("cohort fits give the same fits; units set aside get a message", {
  d <- study_panel(54)
  ft <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  fc <- smartdid(y ~ x1, data = d, id = "unit", time = "year", cohort = "first")
  a <- tidy(shift_timing(ft))
  b <- tidy(shift_timing(fc))
  expect_equal(a$estimate, b$estimate, tolerance = 1e-12)
  expect_equal(a$std.error, b$std.error, tolerance = 1e-12)
  expect_equal(b$term, rep("first_treated", 3))
  d$D[d$unit == 1] <- 1
  ft2 <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  expect_message(st <- shift_timing(ft2, years = 1), "1 always-treated unit")
  expect_equal(nobs(st[[1]]), 2200L)
})

test_that("tidy() and print() show one column per shift", {
  d <- study_panel(55)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  st <- shift_timing(fit)
  tb <- tidy(st)
  expect_equal(tb$shift, 1:3)
  expect_equal(tb$nobs, c(2210L, 1989L, 1768L))
  expect_equal(tb$estimate, unname(vapply(st, function(f) coef(f)[["D"]], 1)))
  out <- capture.output(print(st))
  expect_true(any(grepl("1 earlier +2 earlier +3 earlier", out)))
  expect_true(any(grepl("^Obs +2,210 +1,989 +1,768$", out)))
  expect_true(any(grepl("^Periods +2003-2012 +2003-2011 +2003-2010$", out)))
  expect_snapshot(print(st))
})

test_that("arguments are checked", {
  d <- study_panel(56)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  expect_error(shift_timing(fit, years = 0), "'years' must be positive whole numbers")
  expect_error(shift_timing(fit, years = 1.5), "'years' must be positive whole numbers")
  expect_error(shift_timing(fit, sample = "all"), "'sample' must be one of")
  expect_error(shift_timing(d), "must be a fit returned by smartdid")
  # a shift that leaves no pseudo-treated observation
  expect_error(shift_timing(fit, years = 12), "adoption moved 12 period\\(s\\) earlier")
})

test_that("on the shipped panel the sample sizes are the study's", {
  d <- shipped_panel()
  skip_if(is.null(d), "the shipped study panel is not available")
  st <- shift_timing(shipped_fit(d), years = 1:3)
  expect_equal(unname(vapply(st, nobs, 1L)), c(2210L, 1989L, 1768L))
})

sa_data <- function(n = 80, seed = 3) growing_panel(n, seed, never = 10000)

# The estimated rows (es_sunab() returns the event-study contract, with the
# normalised period -1 as a reference row).
sa_rows <- function(es) es$estimates[!es$estimates$reference, ]

test_that("cohort-by-period effects equal lm() with interaction dummies", {
  d <- sa_data()
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  es <- es_sunab(fit)
  cells <- es$info$cells
  rel <- d$year - d$g
  for (k in seq_len(nrow(cells))) {
    d[[paste0("c", k)]] <- as.numeric(d$g == cells$cohort[k] & rel == cells$rel[k])
  }
  f <- as.formula(paste("y ~ x1 +", paste0("c", seq_len(nrow(cells)), collapse = " + "),
                        "+ factor(unit) + factor(year)"))
  m <- lm(f, data = d)
  expect_lt(max(abs(cells$estimate - coef(m)[paste0("c", seq_len(nrow(cells)))])), 1e-8)
  # event-time estimates: observation-share weighted cohort effects
  for (e in c(-3, 0, 2)) {
    s <- cells[cells$rel == e, ]
    expect_equal(es$estimates$estimate[es$estimates$rel_time == e],
                 sum(s$n * s$estimate) / sum(s$n), tolerance = 1e-12)
  }
  post <- cells[cells$rel >= 0, ]
  expect_equal(es$overall$estimate, sum(post$n * post$estimate) / sum(post$n),
               tolerance = 1e-12)
  expect_identical(es$estimates$rel_time[es$estimates$reference], -1)
  expect_equal(sqrt(diag(es$vcov)), sa_rows(es)$std.error, ignore_attr = TRUE)
})

test_that("es_sunab() equals fixest::sunab (coefficients and clustered SEs)", {
  skip_if_not_installed("fixest")
  for (form in c("y ~ 1", "y ~ x1")) {
    d <- sa_data()
    fit <- smartdid(as.formula(form), data = d, id = "unit", time = "year", treat = "D")
    es <- es_sunab(fit)
    ref <- fixest::feols(as.formula(paste(form, "+ sunab(g, year) | unit + year")),
                         data = d, cluster = ~unit)
    ct <- fixest::coeftable(ref)
    ct <- ct[grepl("^year::", rownames(ct)), ]
    expect_identical(sa_rows(es)$rel_time, as.numeric(sub("year::", "", rownames(ct))))
    expect_lt(max(abs(sa_rows(es)$estimate - ct[, 1])), 1e-8)
    expect_lt(rel_err(sa_rows(es)$std.error, ct[, 2]), 1e-8)
    expect_lt(rel_err(sa_rows(es)$p.value, ct[, 4]), 1e-6)
    att <- stats::aggregate(ref, agg = "att")
    expect_lt(abs(es$overall$estimate - att[1, 1]), 1e-8)
    expect_lt(rel_err(es$overall$std.error, att[1, 2]), 1e-8)
  }
})

test_that("es_sunab() equals fixest on base_stagg, iid and HC1 variances too", {
  skip_if_not_installed("fixest")
  data("base_stagg", package = "fixest", envir = environment())
  for (v in c("cluster", "iid", "hc1")) {
    fit <- smartdid(y ~ x1, data = base_stagg, id = "id", time = "year",
                    cohort = "year_treated", vcov = v)
    es <- es_sunab(fit)
    vc <- switch(v, cluster = ~id, iid = "iid", hc1 = "hetero")
    ref <- fixest::feols(y ~ x1 + sunab(year_treated, year) | id + year,
                         data = base_stagg, vcov = vc)
    ct <- fixest::coeftable(ref)
    ct <- ct[grepl("^year::", rownames(ct)), ]
    expect_lt(max(abs(sa_rows(es)$estimate - ct[, 1])), 1e-8)
    expect_lt(rel_err(sa_rows(es)$std.error, ct[, 2]), 1e-8)
    att <- stats::aggregate(ref, agg = "att")
    expect_lt(rel_err(es$overall$std.error, att[1, 2]), 1e-8)
  }
})

test_that("es_sunab() with weights and extra fixed effects equals fixest", {
  skip_if_not_installed("fixest")
  d <- sa_data()
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D",
                  weights = "w")
  es <- es_sunab(fit)
  ref <- fixest::feols(y ~ x1 + sunab(g, year) | unit + year, data = d,
                       weights = ~w, cluster = ~unit)
  ct <- fixest::coeftable(ref)
  ct <- ct[grepl("^year::", rownames(ct)), ]
  expect_lt(max(abs(sa_rows(es)$estimate - ct[, 1])), 1e-8)
  expect_lt(rel_err(sa_rows(es)$std.error, ct[, 2]), 1e-8)
  att <- stats::aggregate(ref, agg = "att")
  expect_lt(abs(es$overall$estimate - att[1, 1]), 1e-8)
  expect_lt(rel_err(es$overall$std.error, att[1, 2]), 1e-8)
  fit <- update(fit, fe = "region^year")
  es <- es_sunab(fit)
  ref <- fixest::feols(y ~ x1 + sunab(g, year) | unit + year + region^year,
                       data = d, weights = ~w, cluster = ~unit)
  ct <- fixest::coeftable(ref)
  ct <- ct[grepl("^year::", rownames(ct)), ]
  expect_lt(max(abs(sa_rows(es)$estimate - ct[, 1])), 1e-8)
  # fixest iterates with three fixed effects; ours is exact
  expect_lt(rel_err(sa_rows(es)$std.error, ct[, 2]), 1e-6)
})

test_that("without never-treated units the last cohort is the comparison", {
  skip_if_not_installed("fixest")
  d <- sa_data(80, seed = 4)
  d <- d[d$g < 10000, ]
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  expect_error(es_sunab(fit, control = "never"), "no never-treated units")
  es <- es_sunab(fit)
  expect_identical(es$info$control, "last")
  gmax <- max(d$g)
  s <- d[d$year < gmax, ]
  ref <- fixest::feols(y ~ sunab(g, year, ref.c = gmax) | unit + year, data = s,
                       cluster = ~unit)
  ct <- fixest::coeftable(ref)
  ct <- ct[grepl("^year::", rownames(ct)), ]
  expect_lt(max(abs(sa_rows(es)$estimate - ct[, 1])), 1e-8)
  expect_lt(rel_err(sa_rows(es)$std.error, ct[, 2]), 1e-8)
  expect_identical(es$nobs, nrow(s))
})

test_that("always-treated units are dropped; leads and lags select rows", {
  d <- sa_data()
  d$D[d$unit %in% c(2, 6)] <- 1
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  es <- es_sunab(fit, leads = 2, lags = 3)
  expect_identical(es$estimates$rel_time, c(-2, -1, 0, 1, 2, 3))
  expect_identical(es$info$dropped_units, 2L)
  expect_identical(es$nobs, nrow(d) - 20L)
  expect_identical(es$estimator, "sunab")
  expect_error(es_sunab(fit, foo = 1), "unknown argument")
})

test_that("Sun-Abraham recovers heterogeneous dynamic effects", {
  s <- sim_dynamic(300, 10, seed = 3)
  fit <- smartdid(y ~ x, data = s$data, id = "unit", time = "year", treat = "D")
  es <- es_sunab(fit)
  expect_recovers_truth(es, s)
})

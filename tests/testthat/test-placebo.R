# Placebo draws against full smartdid() fits with the same pseudo-treatment,
# independent references (lm() with dummies, fixest), reproducibility,
# threads, the p-value convention, uniformity under the null, and errors.

# Re-estimate draws of `pl` with smartdid() and compare estimate, std. error
# and p-value.
expect_draws_match <- function(pl, fit, data, draws = c(1, 4, 9)) {
  for (k in draws) {
    data$pseudo_d <- placebo_treatment(pl, k)
    rf <- update(fit, data = data, treat = "pseudo_d")
    tab <- tidy(rf)
    expect_equal(pl$draws$estimate[k], tab$estimate[1], tolerance = 1e-10)
    expect_equal(pl$draws$std.error[k], tab$std.error[1], tolerance = 1e-10)
    expect_equal(pl$draws$p.value[k], tab$p.value[1], tolerance = 1e-9)
    expect_equal(pl$nobs, nobs(rf))
  }
}

unbalanced <- function(seed = 3, drop = 70) {
  d <- sim_panel(seed = seed)
  set.seed(seed + 100)
  d[-sample(nrow(d), drop), ]
}

test_that("balanced panel, clustered: draws equal full fits", {
  d <- sim_panel()
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  pl <- placebo(fit, draws = 12, seed = 1, keep_assignments = TRUE)
  expect_draws_match(pl, fit, d)
  expect_equal(pl$observed, unname(coef(fit)["D"]))
  expect_equal(pl$df, fit$df_t)
})

test_that("unbalanced panel: cluster, hc1 and iid draws equal full fits", {
  d <- unbalanced()
  for (v in c("cluster", "hc1", "iid")) {
    fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year",
                    treat = "D", vcov = v)
    pl <- placebo(fit, draws = 10, seed = 2, keep_assignments = TRUE)
    expect_draws_match(pl, fit, d, draws = c(2, 7))
  }
})

test_that("weighted panels (balanced and unbalanced) match full fits", {
  d <- sim_panel(seed = 5)
  for (v in c("cluster", "hc1", "iid")) {
    fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year",
                    treat = "D", weights = "w", vcov = v)
    pl <- placebo(fit, draws = 8, seed = 3, keep_assignments = TRUE)
    expect_draws_match(pl, fit, d, draws = c(1, 8))
  }
  du <- unbalanced(seed = 6)
  fit <- smartdid(y ~ x1 + x2, data = du, id = "unit", time = "year",
                  treat = "D", weights = "w")
  pl <- placebo(fit, draws = 8, seed = 4, keep_assignments = TRUE)
  expect_draws_match(pl, fit, du, draws = c(3, 5))
})

test_that("two-way clustering, extra fixed effects, cohorts, no controls", {
  d <- sim_panel(n_units = 36, seed = 7)
  d$state <- (d$unit - 1) %/% 4
  f2 <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                 cluster = c("unit", "year"))
  expect_draws_match(placebo(f2, draws = 6, seed = 5, keep_assignments = TRUE),
                     f2, d, draws = c(1, 6))
  # region-by-year effects: alternating projections for every draw
  fr <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                 fe = "region^year", cluster = "state")
  expect_draws_match(placebo(fr, draws = 6, seed = 6, keep_assignments = TRUE),
                     fr, d, draws = c(2, 5))
  fc <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first")
  expect_draws_match(placebo(fc, draws = 6, seed = 7, keep_assignments = TRUE),
                     fc, d, draws = c(1, 3))
})

test_that("types unit and time match full fits and draw what they say", {
  d <- unbalanced(seed = 8, drop = 40)
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year",
                  treat = "D", weights = "w")
  first <- tapply(d$year[d$D == 1], d$unit[d$D == 1], min)

  pu <- placebo(fit, draws = 10, type = "unit", seed = 9, keep_assignments = TRUE)
  expect_draws_match(pu, fit, d, draws = c(1, 10))
  for (k in 1:10) {
    a <- pu$assignments[pu$assignments$draw == k, ]
    expect_equal(sort(a$adoption), sort(as.vector(first)))
    expect_false(anyDuplicated(a$unit) > 0)
  }

  pt <- placebo(fit, draws = 10, type = "time", seed = 10, keep_assignments = TRUE)
  expect_draws_match(pt, fit, d, draws = c(2, 9))
  pre <- is.na(d$first) | d$year < d$first
  expect_equal(pt$nobs, sum(pre))   # no singleton in this panel
  for (k in 1:10) {
    a <- pt$assignments[pt$assignments$draw == k, ]
    expect_setequal(a$unit, as.numeric(names(first)))
    expect_true(all(a$adoption < first[as.character(a$unit)]))
    # after each unit's first pre-adoption period
    first_obs <- tapply(d$year, d$unit, min)
    expect_true(all(a$adoption > first_obs[as.character(a$unit)]))
  }
})

test_that("rows the fit dropped stay out; time draws respect 'years'", {
  d <- sim_panel(seed = 21)
  d$x1[c(3, 50, 123)] <- NA
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  pl <- placebo(fit, draws = 6, seed = 2, keep_assignments = TRUE)
  expect_true(all(is.na(placebo_treatment(pl, 1)[c(3, 50, 123)])))
  expect_draws_match(pl, fit, d, draws = c(1, 6))

  yrs <- 2004:2005
  pt <- placebo(fit, draws = 6, type = "time", years = yrs, seed = 3,
                keep_assignments = TRUE)
  expect_true(all(pt$assignments$adoption %in% yrs))
  # units with an observed pre-adoption period in 'years' after their first
  ok <- !is.na(d$x1)
  movable <- vapply(unique(d$unit[!is.na(d$first)]), function(u) {
    yr <- d$year[ok & d$unit == u & d$year < d$first]
    any(yr[yr > min(yr)] %in% yrs)
  }, TRUE)
  expect_equal(pt$treated_units, sum(movable))
  expect_equal(pt$unmoved, sum(!movable))
  expect_gt(pt$unmoved, 0)
  expect_output(print(pt), "could not be moved")
  expect_draws_match(pt, fit, d, draws = c(2, 5))
})

test_that("mixed draws: as many units as treated, periods from the cohorts or years", {
  d <- sim_panel(seed = 11)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  pl <- placebo(fit, draws = 30, seed = 12, keep_assignments = TRUE)
  n_tr <- length(unique(d$unit[d$D == 1]))
  expect_equal(pl$treated_units, n_tr)
  counts <- table(pl$assignments$draw)
  expect_true(all(counts == n_tr))
  expect_false(any(duplicated(pl$assignments[, c("draw", "unit")])))
  expect_true(all(pl$assignments$adoption %in% unique(d$first)))
  expect_equal(pl$years, sort(unique(d$first[!is.na(d$first)])))
  py <- placebo(fit, draws = 30, seed = 12, years = 2003:2009,
                keep_assignments = TRUE)
  expect_true(all(py$assignments$adoption %in% 2003:2009))
  expect_equal(length(unique(py$assignments$adoption)), 7L)
  expect_draws_match(py, fit, d, draws = c(4, 30))
  # every pseudo unit treated from the first period on: absorbed, NA
  p0 <- placebo(fit, draws = 3, seed = 1, years = 2001)
  expect_true(all(is.na(p0$draws$estimate)))
  expect_equal(p0$n_valid, 0L)
  expect_true(is.na(p0$p.value))
  expect_output(print(p0), "none")
})

test_that("one draw against lm() with dummies (iid, HC1) and fixest (cluster)", {
  d <- unbalanced(seed = 13)
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year",
                  treat = "D", weights = "w", vcov = "iid")
  pl <- placebo(fit, draws = 3, seed = 14, keep_assignments = TRUE)
  d$pd <- placebo_treatment(pl, 2)
  m <- lm(y ~ pd + x1 + x2 + factor(unit) + factor(year), d, weights = w)
  expect_lt(rel_err(pl$draws$estimate[2], coef(m)[["pd"]]), 1e-8)
  expect_lt(rel_err(pl$draws$std.error[2],
                    summary(m)$coefficients["pd", "Std. Error"]), 1e-8)
  # HC1 by hand: n / (n - k) (X'WX)^-1 X' W diag(e^2) W X (X'WX)^-1
  fh <- update(fit, vcov = "hc1")
  ph <- placebo(fh, draws = 3, seed = 14)
  X <- model.matrix(m)
  X <- X[, !is.na(coef(m))]
  e <- residuals(m)
  bread <- solve(crossprod(X * sqrt(d$w)))
  meat <- crossprod(X * (d$w * e))
  V <- nrow(X) / (nrow(X) - ncol(X)) * bread %*% meat %*% bread
  expect_lt(rel_err(ph$draws$std.error[2], sqrt(V["pd", "pd"])), 1e-8)
  skip_if_not_installed("fixest")
  fc <- update(fit, vcov = "cluster")
  pc <- placebo(fc, draws = 3, seed = 14)
  fx <- fixest::feols(y ~ pd + x1 + x2 | unit + year, d, weights = ~w,
                      cluster = ~unit)
  expect_lt(rel_err(pc$draws$estimate[2], coef(fx)[["pd"]]), 1e-8)
  expect_lt(rel_err(pc$draws$std.error[2], fixest::se(fx)[["pd"]]), 1e-8)
  expect_lt(rel_err(pc$draws$p.value[2], fixest::pvalue(fx)[["pd"]]), 1e-6)
})

test_that("set.seed() and seed = reproduce every draw; seed leaves the stream", {
  d <- sim_panel(seed = 15)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  set.seed(99)
  a <- placebo(fit, draws = 20)
  set.seed(99)
  b <- placebo(fit, draws = 20)
  expect_identical(a$draws, b$draws)
  c1 <- placebo(fit, draws = 20, seed = 4, keep_assignments = TRUE)
  c2 <- placebo(fit, draws = 20, seed = 4, keep_assignments = TRUE)
  expect_identical(c1$draws, c2$draws)
  expect_identical(c1$assignments, c2$assignments)
  expect_false(identical(a$draws, c1$draws))
  set.seed(1)
  r1 <- runif(3)
  set.seed(1)
  invisible(placebo(fit, draws = 5, seed = 123))
  expect_identical(runif(3), r1)
  # the first draws of a longer run are the same draws
  c3 <- placebo(fit, draws = 40, seed = 4, type = "time")
  c4 <- placebo(fit, draws = 20, seed = 4, type = "time")
  expect_identical(c3$draws$estimate[1:20], c4$draws$estimate)
})

test_that("results do not depend on threads or on progress chunks", {
  d <- sim_panel(n_units = 120, n_periods = 12, seed = 16)
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  # force threads even for these small draws
  old <- options(smartdid.placebo_min_work = 0, smartdid.progress_work = 0)
  on.exit(options(old))
  p1 <- placebo(fit, draws = 70, seed = 5, nthreads = 1)
  p2 <- placebo(fit, draws = 70, seed = 5, nthreads = 2)
  expect_identical(p1$draws, p2$draws)
  out <- capture.output(p3 <- placebo(fit, draws = 70, seed = 5, progress = TRUE))
  expect_true(any(grepl("100%", out)))
  expect_identical(p1$draws, p3$draws)
  # the progress callback runs after each block; an error in it is an R error
  frame <- placebo_frame(fit)
  asg <- with_seed(5, placebo_assign(frame, "mixed", 70L, NULL))
  model <- placebo_model(fit, frame, 1L)
  seen <- integer()
  ctrl <- c(1e-13, 1e5, 16, 2e5, 1)
  for (units in 0:1) {
    ctrl[5] <- units
    seen <- integer()
    r <- .Call(C_sd_placebo, model$Xd, model$e, model$Q, model$fe, model$fe_nlev,
               model$w, model$unit, model$tcode, asg$unit, asg$per, model$vc,
               ctrl, 1L, function(done) seen <<- c(seen, done))
    expect_identical(seen, c(16L, 32L, 48L, 64L, 70L))
    expect_equal(r$estimate, p1$draws$estimate, tolerance = 1e-10)
    expect_error(.Call(C_sd_placebo, model$Xd, model$e, model$Q, model$fe,
                       model$fe_nlev, model$w, model$unit, model$tcode, asg$unit,
                       asg$per, model$vc, ctrl, 1L, function(done) stop("boom")),
                 "boom")
  }
  # blocks of 7 draws instead of 64
  options(smartdid.placebo_block = 7)
  p4 <- placebo(fit, draws = 70, seed = 5, nthreads = 2)
  options(smartdid.placebo_block = NULL)
  expect_identical(p1$draws, p4$draws)
  fh <- update(fit, vcov = "hc1", weights = "w")
  expect_identical(placebo(fh, draws = 30, seed = 6, nthreads = 1)$draws,
                   placebo(fh, draws = 30, seed = 6, nthreads = 2)$draws)
})

test_that("p-value convention and shares significant", {
  d <- sim_panel(seed = 17)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  pl <- placebo(fit, draws = 60, seed = 8)
  est <- pl$draws$estimate
  cnt <- sum(abs(est) >= abs(pl$observed))
  expect_equal(pl$p.value, (1 + cnt) / 61)
  expect_equal(pl$p.value_share, cnt / 60)
  expect_equal(pl$p.value_plus1, (1 + cnt) / 61)
  expect_equal(unname(pl$significant), c(mean(pl$draws$p.value < 0.1),
                                         mean(pl$draws$p.value < 0.05),
                                         mean(pl$draws$p.value < 0.01)))
  expect_equal(pl$draws$statistic, est / pl$draws$std.error)
  expect_equal(pl$draws$p.value, 2 * pt(-abs(est / pl$draws$std.error), fit$df_t))
  # a huge real effect: no draw reaches it
  d$y2 <- d$y + 5 * d$D
  big <- placebo(update(fit, y2 ~ ., data = d), draws = 30, seed = 8)
  expect_equal(big$p.value, 1 / 31)
  expect_equal(big$p.value_share, 0)
  expect_equal(big$p.value_plus1, 1 / 31)
  # never printed as zero
  expect_output(print(big), "Randomization p-value:  0.032", fixed = TRUE)
  expect_output(print(big), "p < 1/30", fixed = TRUE)
  expect_identical(smartdid:::fmt_perm_p(1 / 5001), "0.00020")
  g <- glance(pl)
  expect_equal(g$p.value, pl$p.value)
  expect_equal(g$sig_05, unname(pl$significant[2]))
  expect_identical(tidy(pl), pl$draws)
  expect_named(pl$draws, c("draw", "estimate", "std.error", "statistic", "p.value"))
})

test_that("under the null, randomization p-values are uniform", {
  # The real treatment is drawn exactly as the "mixed" draws are, so the
  # randomization p-value is uniform on {0, 1/B, ..., 1}. 150 panels with
  # fixed seeds; each ECDF point may miss by 0.12 (about 4 standard errors).
  B <- 49
  p <- t_sig <- numeric(150)
  for (s in seq_along(p)) {
    set.seed(1000 + s)
    d <- expand.grid(year = 1:8, unit = 1:30)
    tr <- sample(30, 10)
    g <- rep(NA, 30)
    g[tr] <- sample(4:6, 10, replace = TRUE)
    d$D <- as.numeric(!is.na(g[d$unit]) & d$year >= g[d$unit])
    d$x <- rnorm(nrow(d))
    d$y <- 0.3 * d$x + d$unit / 10 + rnorm(nrow(d))
    fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D")
    pl <- placebo(fit, draws = B, seed = s, years = 4:6)
    p[s] <- pl$p.value
    t_sig[s] <- pl$significant[["5%"]]
  }
  for (u in c(0.1, 0.25, 0.5, 0.75, 0.9)) {
    expect_lt(abs(mean(p <= u) - u), 0.12)
  }
  # the draws' own t tests reject about 5 % of the time
  expect_gt(mean(t_sig), 0.02)
  expect_lt(mean(t_sig), 0.10)
})

test_that("print, plot and tidy show the test", {
  d <- sim_panel(seed = 18)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  pl <- placebo(fit, draws = 40, seed = 3)
  expect_snapshot(print(pl))
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  pd <- plot(pl)
  expect_named(pd, c("density", "points", "observed"))
  expect_equal(pd$points$estimate, pl$draws$estimate)
  expect_equal(pd$points$p.value, pl$draws$p.value)
  expect_equal(pd$observed, pl$observed)
  dens <- stats::density(pl$draws$estimate)
  expect_equal(pd$density$density, dens$y)
})

test_that("bad input gives clear errors", {
  d <- sim_panel(seed = 19)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  pl <- placebo(fit, draws = 5, seed = 1)
  expect_snapshot(error = TRUE, {
    placebo(fit, draws = 0)
    placebo(fit, draws = -3)
    placebo(fit, draws = 2.5)
    placebo(lm(y ~ x1, d))
    placebo(fit, type = "space")
    placebo(fit, seed = "a")
    placebo(fit, years = 1990)
    placebo(fit, type = "unit", years = 2005)
    placebo(fit, cluster = "year")
    placebo_treatment(pl, 1)
    placebo_treatment(fit, 1)
  })
  # a treated unit must be observed twice before adoption to move it
  d2 <- d[is.na(d$first) | d$year >= d$first - 1, ]
  f2 <- smartdid(y ~ x1, data = d2, id = "unit", time = "year", treat = "D")
  expect_snapshot(placebo(f2, type = "time"), error = TRUE)
})

test_that("the rebuilt sample equals sd_panel()'s", {
  d <- unbalanced(seed = 20)
  d$state <- (d$unit - 1) %/% 4
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                  weights = "w", fe = "region^year", cluster = c("state", "year"),
                  subset = ~ x1 > -2)
  a <- fit$args
  spec <- sd_spec(a$formula, d, a$id, a$time, a$cluster, a$vcov, a$weights,
                  a$fe, a$ssc)
  ref <- sd_panel(d, a$id, a$time, a$treat, a$cohort, spec$vars, spec$cluster,
                  a$weights, a$fe, a$subset, singletons = a$singletons)
  got <- placebo_panel(fit)
  expect_identical(got$obs, ref$obs)
  for (f in seq_along(ref$fe)) {
    # the same partition (codes may differ only by relabelling)
    expect_identical(match(got$fe[[f]], got$fe[[f]]), match(ref$fe[[f]], ref$fe[[f]]))
  }
  expect_identical(got$fe_nlev, ref$fe_nlev)
  expect_identical(unname(got$cluster_G), unname(ref$cluster_G))
  expect_identical(got$weights, ref$weights)
})

test_that("the closed form for balanced panels equals the general path", {
  # unit weights force the general path (build, demean) on the same model
  d <- sim_panel(60, 9, seed = 31)
  d$one <- 1
  for (v in c("cluster", "hc1", "iid")) {
    fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                    vcov = v)
    fw <- update(fit, weights = "one")
    a <- placebo(fit, draws = 40, seed = 5)
    b <- placebo(fw, draws = 40, seed = 5)
    expect_lt(rel_err(a$draws$estimate, b$draws$estimate), 1e-10)
    expect_lt(rel_err(a$draws$std.error, b$draws$std.error), 1e-10)
  }
})

# The same draws aggregated by unit (the default where possible) and row by
# row (forced by an option).
both_paths <- function(...) {
  a <- placebo(...)
  old <- options(smartdid.placebo_units = FALSE)
  on.exit(options(old))
  list(units = a, rows = placebo(...))
}

test_that("draws aggregated by unit: coarse clusters, within-unit clusters, years", {
  # balanced, unweighted panels take the unit-sums path when the variance is
  # iid or the clusters are constant within units; unit weights of one force
  # the general path (build and demean every draw)
  d <- sim_panel(48, 9, seed = 32)
  d$one <- 1
  d$state <- (d$unit - 1) %/% 5
  for (v in c("cluster", "iid")) {
    fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year",
                    treat = "D", vcov = v)
    r <- both_paths(fit, draws = 25, seed = 8)
    expect_lt(rel_err(r$units$draws$estimate, r$rows$draws$estimate), 1e-10)
    expect_lt(rel_err(r$units$draws$std.error, r$rows$draws$std.error), 1e-10)
  }
  cases <- list(
    list(cluster = "state"),                      # coarse clusters: cluster sums
    list(cluster = "year"),                       # varies within units: rows
    list(cluster = "unit", years = 2002:2008))    # many candidate periods
  for (cs in cases) {
    fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year",
                    treat = "D", cluster = cs$cluster)
    a <- placebo(fit, draws = 30, seed = 9, years = cs$years,
                 keep_assignments = TRUE)
    b <- placebo(update(fit, weights = "one"), draws = 30, seed = 9,
                 years = cs$years)
    expect_lt(rel_err(a$draws$estimate, b$draws$estimate), 1e-10)
    expect_lt(rel_err(a$draws$std.error, b$draws$std.error), 1e-10)
    expect_draws_match(a, fit, d, draws = c(3, 30))
  }
})

test_that("the unit-sums path counts a unit listed twice once, last period", {
  d <- sim_panel(30, 8, seed = 33)
  d$one <- 1
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  fw <- update(fit, weights = "one")
  frame <- placebo_frame(fit)
  aunit <- cbind(c(3L, 7L, 3L, 12L), c(1L, 2L, 5L, 6L))
  aper <- cbind(c(4L, 5L, 6L, 6L), c(4L, 4L, 5L, 7L))
  run <- function(f) placebo_run(placebo_model(f, frame, 1L), aunit, aper, 1L, FALSE)
  a <- run(fit)
  b <- run(fw)
  old <- options(smartdid.placebo_units = FALSE)
  r <- run(fit)
  options(old)
  expect_lt(rel_err(a$estimate, r$estimate), 1e-10)
  expect_lt(rel_err(a$std.error, r$std.error), 1e-10)
  expect_lt(rel_err(a$estimate, b$estimate), 1e-10)
  expect_lt(rel_err(a$std.error, b$std.error), 1e-10)
  # unit 3 from period 6 only: the same as listing it once
  a1 <- placebo_run(placebo_model(fit, frame, 1L), aunit[-1, 1, drop = FALSE],
                    aper[-1, 1, drop = FALSE], 1L, FALSE)
  expect_equal(a$estimate[1], a1$estimate, tolerance = 1e-12)
})

test_that("assignments are uniform, with R's default and other generators", {
  # 2,000 draws of 6 units out of 20 with periods out of 3: each unit is
  # drawn with probability 0.3 (sd of the frequency 0.01) and each period a
  # third of the time (sd 0.002); tolerances of about 5 sd
  for (kind in c("Mersenne-Twister", "L'Ecuyer-CMRG", "Knuth-TAOCP-2002")) {
    old <- RNGkind()
    RNGkind(kind)
    set.seed(42)
    r <- .Call(C_sd_placebo_assign, 20L, 6L, 2000L, c(2L, 5L, 9L), rng_mt())
    RNGkind(old[1])
    expect_true(all(apply(r$unit, 2, anyDuplicated) == 0))
    expect_true(all(r$unit >= 1 & r$unit <= 20))
    expect_lt(max(abs(tabulate(r$unit, 20) / 2000 - 0.3)), 0.05)
    expect_setequal(unique(as.vector(r$period)), c(2L, 5L, 9L))
    expect_lt(max(abs(table(r$period) / 12000 - 1 / 3)), 0.01)
  }
  # a non-default generator gives draws that still equal full refits
  d <- sim_panel(seed = 34)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  old <- RNGkind()
  on.exit(RNGkind(old[1]))
  RNGkind("L'Ecuyer-CMRG")
  pl <- placebo(fit, draws = 6, seed = 3, keep_assignments = TRUE)
  expect_identical(pl$draws, placebo(fit, draws = 6, seed = 3)$draws)
  expect_draws_match(pl, fit, d, draws = c(2, 6))
})

test_that("unit sums stay exact with most units treated and controls tied to timing", {
  # 90% of units pseudo-treated (the quadratic form then carries most of the
  # meat) and a control that trends after each unit's actual adoption
  d <- sim_panel(50, 10, seed = 35, share_treated = 0.9)
  d$x3 <- ifelse(is.na(d$first), 0, pmax(d$year - d$first, 0)) + rnorm(nrow(d), sd = 0.1)
  fit <- smartdid(y ~ x1 + x2 + x3, data = d, id = "unit", time = "year", treat = "D")
  r <- both_paths(fit, draws = 40, seed = 10)
  expect_lt(rel_err(r$units$draws$estimate, r$rows$draws$estimate), 1e-10)
  expect_lt(rel_err(r$units$draws$std.error, r$rows$draws$std.error), 1e-10)
  pl <- placebo(fit, draws = 5, seed = 11, keep_assignments = TRUE)
  expect_draws_match(pl, fit, d, draws = c(1, 5))
})

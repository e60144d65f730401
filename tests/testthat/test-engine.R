# The R wrapper of the C engine's demeaning: convergence judged on the scale
# of what is removed, the non-convergence warning in every caller, and the
# defaults held in one place.

# A limited-mobility panel (workers rarely change firms) with three fixed
# effects: alternating projections converge slowly on it.
mobility_fe <- function(n_workers = 300, seed = 7) {
  set.seed(seed)
  n <- n_workers * 10
  worker <- rep(seq_len(n_workers), each = 10)
  firm <- (worker %/% 10 + cumsum(stats::runif(n) < 0.03)) %% 60 + 1L
  list(fe = list(as.integer(worker), as.integer(firm), rep(1:10, n_workers)),
       nlev = c(n_workers, 60L, 10L), n = n)
}

test_that("convergence is judged on what is removed, not on the input's level", {
  m <- mobility_fe()
  noise <- stats::rnorm(m$n)
  # main stopped 1e9 + noise early (a change of 1e-4 is 1e-13 of 1e9) and
  # differed from the centred data by about 1 while reporting convergence
  a <- sd_absorb(list(1e9 + noise), m$fe, m$nlev)
  b <- sd_absorb(list(noise - mean(noise)), m$fe, m$nlev)
  expect_true(attr(a, "converged"))
  expect_lt(max(abs(a - b)), 1e-5)
  # the same with an exact reference: lm() with the three sets of dummies
  ref <- stats::lm.fit(cbind(1, stats::model.matrix(~ 0 + factor(m$fe[[1]]) +
                                               factor(m$fe[[2]]) + factor(m$fe[[3]]))),
                       noise)$residuals
  expect_lt(max(abs(b - ref)), 1e-8)
  expect_lt(max(abs(a - ref)), 1e-5)
})

test_that("non-convergence is a warning in every caller and stored on the fit", {
  d <- expand.grid(year = 2001:2010, unit = 1:60)
  set.seed(3)
  d$firm <- (d$unit %/% 4 + cumsum(stats::runif(nrow(d)) < 0.05)) %% 12
  d$D <- as.numeric(d$unit <= 25 & d$year >= 2004 + d$unit %% 4)
  d$x <- stats::rnorm(nrow(d))
  d$y <- d$D + d$x + d$firm / 3 + stats::rnorm(nrow(d))
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D",
                  fe = "firm")
  expect_true(fit$converged)
  old <- options(smartdid.demean_maxit = 1L)
  on.exit(options(old))
  expect_warning(f1 <- smartdid(y ~ x, data = d, id = "unit", time = "year",
                                treat = "D", fe = "firm"),
                 "smartdid\\(\\): the iterative demeaning .* did not converge in 1 iterations")
  expect_false(f1$converged)
  expect_warning(event_study(fit, leads = 2, lags = 2), "event_study\\(\\): .*did not converge")
  expect_warning(stata_constant(fit), "constant-effect estimator: .*did not converge")
  w <- testthat::capture_warnings(placebo(fit, draws = 5, seed = 1))
  expect_true(any(grepl("^placebo\\(\\): .*did not converge", w)))
  expect_true(any(grepl("^placebo\\(\\) \\(some draws\\): .*did not converge", w)))
  # the exact two-way strategies never iterate: no warning
  expect_silent(smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D"))
})

test_that("R code calls the demeaning only through the wrapper", {
  # the tolerance and iteration limit live in sd_demean_control() alone
  # (main repeated the literals `1e-13, 100000L` at six call sites, and two
  # of them never checked convergence)
  ns <- asNamespace("smartdid")
  uses <- Filter(function(f) {
    fn <- get(f, envir = ns)
    is.function(fn) && any(grepl("C_sd_demean", deparse(body(fn)), fixed = TRUE))
  }, ls(ns, all.names = TRUE))
  expect_setequal(uses, c("sd_absorb", "sd_absorb_yx"))
})

test_that("results do not depend on the scale of a column or of the weights", {
  set.seed(2)
  d <- expand.grid(year = 2001:2010, unit = 1:40)
  d$D <- as.numeric(d$unit <= 16 & d$year >= 2004 + d$unit %% 3)
  d$x <- stats::rnorm(nrow(d))
  d$z <- stats::rnorm(nrow(d))
  d$w <- stats::runif(nrow(d), 0.5, 2)
  d$y <- 0.8 * d$D + 0.5 * d$x - 0.3 * d$z + stats::rnorm(nrow(d))
  rel <- function(a, b) max(abs(a - b) / abs(b))
  fit <- function(data, ...) smartdid(y ~ x + z, data = data, id = "unit",
                                      time = "year", treat = "D", ...)
  for (wt in list(NULL, "w")) {
    base <- fit(d, weights = wt)
    se0 <- sqrt(diag(vcov(base)))
    # main: 1e-160 gave an infinite coefficient and a NaN SE, 1e300 and
    # 1e-300 declared x collinear and moved the treatment's estimate
    for (s in c(1e150, 1e-150, 1e-160, 1e300, 1e-300)) {
      e <- d
      e$x <- e$x * s
      f <- fit(e, weights = wt)
      b <- coef(f)
      b["x"] <- b["x"] * s
      expect_lt(rel(b, coef(base)), 1e-8)
      se <- sqrt(diag(vcov(f)))
      # the variance of x's coefficient (1/s^2) may lie outside the doubles
      expect_lt(rel(se[c("D", "z")], se0[c("D", "z")]), 1e-8)
      if (abs(log10(s)) <= 150) expect_lt(rel(se[["x"]] * s, se0[["x"]]), 1e-8)
    }
    for (s in c(1e150, 1e-150)) {
      e <- d
      e$y <- e$y * s
      f <- fit(e, weights = wt)
      expect_lt(rel(coef(f) / s, coef(base)), 1e-8)
      expect_lt(rel(sqrt(diag(vcov(f))) / s, se0), 1e-8)
    }
  }
  # weights: main gave SE 0 with 1e-300 and NaN with 1e300
  base <- fit(d, weights = "w")
  pb <- placebo(base, draws = 8, seed = 1, nthreads = 1)
  for (s in c(1e150, 1e-150, 1e300, 1e-300)) {
    e <- d
    e$w <- e$w * s
    f <- fit(e, weights = "w")
    expect_lt(rel(coef(f), coef(base)), 1e-8)
    expect_lt(rel(sqrt(diag(vcov(f))), sqrt(diag(vcov(base)))), 1e-8)
    p <- placebo(f, draws = 8, seed = 1, nthreads = 1)
    expect_lt(rel(p$draws$std.error, pb$draws$std.error), 1e-8)
  }
  # placebo draws with an outcome and a control of extreme scale
  e <- d
  e$y <- e$y * 1e-300
  e$x <- e$x * 1e300
  p <- placebo(fit(e, weights = "w"), draws = 8, seed = 1, nthreads = 1)
  expect_lt(rel(p$draws$estimate * 1e300, pb$draws$estimate), 1e-8)
  expect_lt(rel(p$draws$std.error * 1e300, pb$draws$std.error), 1e-8)
  # ordinary data are not touched
  eq <- sd_equilibrate(d$y, list(x = d$x, D = d$D), d$w)
  expect_false(eq$any)
  expect_identical(eq$y, d$y)
})

test_that("the C routines validate what they rely on", {
  # repeated cells with zero weights before the positive ones: main listed
  # a period once per such row and wrote past its buffer (a segfault here;
  # run in a child R, which a heap overflow may kill)
  dir <- child_script(c(
    "ns <- asNamespace('smartdid')",
    "u <- c(rep(1L, 20000), 1:6, 1:6); t <- c(rep(1:2, 10000), rep(1:3, 4))",
    "w <- c(rep(0, 20000), rep(1, 12)); set.seed(1); x <- rnorm(length(u))",
    "r <- .Call(ns$C_sd_demean, list(x), list(u, t), c(6L, 3L), w, 1e-13, 1000L, 1L)",
    "X <- model.matrix(~ factor(u) + factor(t))",
    "ref <- lm.wfit(X, x, w)$residuals",
    "cat('OK', isTRUE(all.equal(as.vector(r), unname(ref), tolerance = 1e-10)), '\\n')"))
  out <- file.path(dir, "out.txt")
  suppressWarnings(system2(child_rscript(), c("--vanilla", shQuote(file.path(dir, "run.R"))),
                           stdout = out, stderr = out, timeout = 60, env = "R_TESTS="))
  expect_true("OK TRUE " %in% readLines(out), info = paste(readLines(out), collapse = "\n"))
  # negative or non-finite weights are refused by the engine itself
  fe <- list(c(1L, 1L, 2L, 2L, 3L), c(1L, 2L, 1L, 2L, 1L))
  for (w in list(c(1, 1, -1, 1, 1), c(1, NaN, 1, 1, 1), c(1, Inf, 1, 1, 1))) {
    expect_error(.Call(C_sd_demean, list(as.double(1:5)), fe, c(3L, 2L), w, 1e-13,
                       100L, 1L), "weights must be finite and >= 0")
  }
})

test_that("period codes of INT_MAX and negative adoption codes, on both paths", {
  d <- expand.grid(year = 1:6, unit = 1:30)
  set.seed(4)
  d$D <- as.numeric(d$unit <= 10 & d$year >= 3 + d$unit %% 3)
  d$x <- stats::rnorm(nrow(d))
  d$y <- d$D + d$x + stats::rnorm(nrow(d))
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D")
  frame <- placebo_frame(fit)
  model <- placebo_model(fit, frame, 1L)
  aunit <- matrix(c(2L, 5L, 9L, 14L, 3L, 8L, 20L, 25L), 4)
  aper <- matrix(c(6L, 4L, 6L, 2L, 5L, 6L, 3L, 6L), 4)
  run <- function(m, ap, units) {
    old <- options(smartdid.placebo_units = units)
    on.exit(options(old))
    placebo_run(m, aunit, ap, 1L, FALSE)
  }
  # the last period coded INT_MAX: main's marker for "not pseudo-treated"
  big <- model
  big$tcode[model$tcode == 6L] <- .Machine$integer.max
  aper_big <- aper
  aper_big[aper == 6L] <- .Machine$integer.max
  for (units in c(FALSE, TRUE)) {
    a <- run(model, aper, units)
    b <- run(big, aper_big, units)
    expect_equal(b$estimate, a$estimate, tolerance = 1e-12)
    expect_equal(b$std.error, a$std.error, tolerance = 1e-12)
    expect_identical(b$treated_rows, a$treated_rows)
  }
  # a negative adoption code (or 0) treats the unit from its first period,
  # on both paths (main's unit-sums path ignored the unit)
  neg <- aper
  neg[1, ] <- c(-3L, 0L)
  one <- aper
  one[1, ] <- 1L
  r <- run(model, neg, FALSE)
  u <- run(model, neg, TRUE)
  expect_identical(u$treated_rows, r$treated_rows)
  expect_identical(r$treated_rows, run(model, one, FALSE)$treated_rows)
  expect_equal(u$estimate, r$estimate, tolerance = 1e-10)
  expect_equal(u$std.error, r$std.error, tolerance = 1e-10)
})

test_that("the multithreaded demeaning stops soon after an interrupt", {
  skip_on_os("windows")   # no SIGINT for another process
  # alternating projections that never converge (tolerance -1) on 2 threads:
  # main polled only on one thread and ran on to the iteration limit
  d <- interrupt_delay(c(
    "ns <- asNamespace('smartdid'); set.seed(1); n <- 40000",
    "fe <- lapply(c(300L, 200L, 100L), function(k) sample.int(k, n, TRUE))",
    "X <- replicate(8, rnorm(n), simplify = FALSE)"),
    ".Call(ns$C_sd_demean, X, fe, c(300L, 200L, 100L), NULL, -1, .Machine$integer.max, 2L)")
  out <- paste(attr(d, "out"), collapse = "\n")
  expect_true(any(grepl("RESULT interrupted", attr(d, "out"))), info = out)
  # "about a second"; generous for a shared machine
  expect_lt(d, 5)
})

# The fit's panel, stored once (sd_fit_panel()) -------------------------------

# A panel with what the stored panel must get right: a subset, missing
# values, zero weights, a singleton, an interacted fixed effect and
# clusters other than the unit.
stored_panel_data <- function() {
  d <- sim_panel(60, 8, seed = 11)
  d$x1[c(5, 77)] <- NA
  d$w[c(9, 130)] <- 0
  d$prov <- (d$unit %% 12) + 1
  d$grp <- letters[(d$unit %% 5) + 1]
  d$zone <- (d$unit * 7 + d$year) %% 15 + 1   # crosses units and provinces
  d
}

test_that("the stored panel equals sd_panel() re-run on the fit's arguments", {
  d <- stored_panel_data()
  # complete data with a singleton (a unit seen once): sd_panel()'s fast path
  clean <- sim_panel(30, 6, seed = 12)
  clean <- clean[-which(clean$unit == 4)[-1], ]
  fit <- smartdid(y ~ x1, data = clean, id = "unit", time = "year", treat = "D")
  expect_identical(fit$dropped$rows[fit$dropped$reason == "singleton"], 1L)
  expect_identical(sd_fit_panel(fit, treatment = TRUE),
                   sd_fit_panel_rebuild(fit, treatment = TRUE)[names(sd_fit_panel(fit, TRUE))])
  specs <- list(
    list(cluster = "unit", weights = NULL, fe = NULL, subset = NULL),
    list(cluster = c("prov", "zone"), weights = "w", fe = "grp^year",
         subset = ~ unit != 3),
    list(cluster = "prov", weights = "w", fe = "grp", subset = d$year > 2001))
  for (s in specs) {
    fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                    cluster = s$cluster, weights = s$weights, fe = s$fe,
                    subset = s$subset)
    expect_false(is.null(fit$panel))
    stored <- sd_fit_panel(fit, treatment = TRUE)
    rebuilt <- sd_fit_panel_rebuild(fit, treatment = TRUE)
    expect_identical(stored[names(rebuilt)], rebuilt)
    expect_identical(fit$spec, sd_spec(y ~ x1 + x2, d, "unit", "year", s$cluster,
                                       "cluster", s$weights, s$fe, ssc_rules()))
    # on the fit's rows and on part of them, the stored codes give what
    # coding the data gives
    expect_identical(sd_subpanel(fit, fit$obs), sd_subpanel_data(fit, fit$obs))
    part <- fit$obs[seq(1, length(fit$obs), by = 3)]
    expect_identical(sd_subpanel(fit, part), sd_subpanel_data(fit, part))
  }
  # rows outside the fit's sample are coded from the data
  expect_null(sd_sample_pos(fit, c(fit$obs[1:3], which(d$year == 2001)[1])))
})

test_that("the stored panel keeps codes, not columns, and the unit codes once", {
  d <- stored_panel_data()
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  expect_named(fit$panel, c("fe", "fe_column", "fe_nlev", "cluster", "cluster_fe",
                            "cluster_G", "n"))
  # clustering by unit: the cluster codes are the unit fixed effect's
  expect_null(fit$panel$cluster[[1]])
  expect_identical(fit$panel$cluster_fe, 1L)
  expect_true(all(vapply(fit$panel$fe, is.integer, TRUE)))
  expect_null(sd_fit_panel(fit)$weights)
  pn <- sd_fit_panel(fit)
  expect_identical(pn$cluster, list(unit = pn$fe[[1]]))
  # integer ids 1..k on every row: the codes are the data's column itself,
  # recorded by name rather than stored again
  clean <- sim_panel(30, 6, seed = 12)
  fit <- smartdid(y ~ x1, data = clean, id = "unit", time = "year", treat = "D")
  expect_identical(fit$panel$fe_column, c("unit", ""))
  expect_null(fit$panel$fe[[1]])
  expect_identical(sd_fit_panel(fit)$fe[[1]], clean$unit)
  expect_identical(sd_fit_panel(fit)$fe, sd_fit_panel_rebuild(fit, FALSE)$fe)
})

test_that("a fit without the stored panel (older versions) gives the same results", {
  d <- stored_panel_data()
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                  cluster = c("prov", "zone"), weights = "w", fe = "grp")
  old <- fit
  old$panel <- NULL
  old$spec <- NULL
  expect_identical(stata_constant(old), stata_constant(fit))
  expect_identical(sd_fit_panel(old), sd_fit_panel(fit)[names(sd_fit_panel(old))])
  expect_identical(sd_subpanel(old, old$obs), sd_subpanel(fit, fit$obs))
  f1 <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  o1 <- f1
  o1$panel <- o1$spec <- NULL
  expect_identical(placebo(o1, draws = 20, seed = 3, progress = FALSE)$draws,
                   placebo(f1, draws = 20, seed = 3, progress = FALSE)$draws)
  expect_identical(event_study(o1, estimator = "sunab")$estimates,
                   event_study(f1, estimator = "sunab")$estimates)
})

test_that("a fit with its stored panel survives saveRDS(), update() and predict()", {
  d <- stored_panel_data()
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                  cluster = "prov", weights = "w")
  f <- tempfile(fileext = ".rds")
  on.exit(unlink(f))
  saveRDS(fit, f)
  back <- readRDS(f)
  expect_identical(back$panel, fit$panel)
  expect_identical(stata_constant(back), stata_constant(fit))
  expect_identical(predict(back, newdata = d[1:5, ]), predict(fit, newdata = d[1:5, ]))
  # update() and a subset make a new sample, and a new stored panel with it
  sub <- update(fit, subset = ~ year >= 2003)
  expect_identical(sd_fit_panel(sub)[c("fe", "cluster", "weights")],
                   sd_fit_panel_rebuild(sub, FALSE)[c("fe", "cluster", "weights")])
  expect_lt(length(sub$panel$fe[[1]]), length(fit$panel$fe[[1]]))
  expect_equal(stata_constant(sub)$estimate,
               stata_constant(smartdid(y ~ x1 + x2, data = d[d$year >= 2003, ],
                                       id = "unit", time = "year", treat = "D",
                                       cluster = "prov", weights = "w"))$estimate,
               tolerance = 1e-10)
  # a fit edited by hand so that its stored panel no longer matches falls back
  bad <- fit
  bad$panel$fe[[1]] <- bad$panel$fe[[1]][-1]
  expect_identical(sd_fit_panel(bad)$fe, sd_fit_panel(fit)$fe)
})

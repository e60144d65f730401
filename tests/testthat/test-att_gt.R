cs_data <- function(n = 120, seed = 3) {
  d <- sim_panel(n, 10, seed = seed)
  d$y <- d$y + ifelse(d$D == 1, (d$year - d$first) * 0.3, 0)
  d$g <- ifelse(is.na(d$first), 0, d$first)
  d
}

test_that("unconditional ATT(g,t) are differences of mean changes", {
  d <- cs_data()
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  at <- att_gt(fit, bootstrap = FALSE)
  e <- at$estimates
  dy <- function(units, t, b) {
    sapply(units, function(u) d$y[d$unit == u & d$year == t] - d$y[d$unit == u & d$year == b])
  }
  never <- unique(d$unit[is.na(d$first)])
  for (k in c(1, 7, 20, 33)) {
    gu <- unique(d$unit[d$first %in% e$group[k]])
    att <- mean(dy(gu, e$time[k], e$base[k])) - mean(dy(never, e$time[k], e$base[k]))
    expect_lt(abs(e$estimate[k] - att), 1e-12)
  }
  # varying base: post periods from g - 1, pre periods from t - 1
  expect_true(all(e$base[e$post] == e$group[e$post] - 1))
  expect_true(all(e$base[!e$post] == e$time[!e$post] - 1))
  expect_named(tidy(at), c("group", "time", "estimate", "std.error", "statistic",
                           "p.value", "conf.low", "conf.high"))
})

test_that("att_gt() equals did::att_gt (analytic std. errors)", {
  skip_if_not_installed("did")
  d <- cs_data()
  for (ctl in c("never", "notyet")) for (bp in c("varying", "universal")) {
    cg <- if (ctl == "never") "nevertreated" else "notyettreated"
    fit0 <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
    fit1 <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
    ref <- did::att_gt("y", "year", "unit", "g", data = d, control_group = cg,
                       base_period = bp, bstrap = FALSE, cband = FALSE)
    match_did(att_gt(fit0, comparison = ctl, base_period = bp, bootstrap = FALSE),
              ref, 1e-10, 1e-10)
    ref <- did::att_gt("y", "year", "unit", "g", xformla = ~ x1 + x2, data = d,
                       control_group = cg, base_period = bp, est_method = "reg",
                       bstrap = FALSE, cband = FALSE)
    match_did(att_gt(fit1, comparison = ctl, base_period = bp, adjust = "or",
                     bootstrap = FALSE), ref, 1e-10, 1e-10)
    ref <- did::att_gt("y", "year", "unit", "g", xformla = ~ x1 + x2, data = d,
                       control_group = cg, base_period = bp, bstrap = FALSE,
                       cband = FALSE)
    # did's logit stops at a looser tolerance than ours
    match_did(att_gt(fit1, comparison = ctl, base_period = bp, bootstrap = FALSE),
              ref, 1e-7, 1e-7)
  }
})

test_that("att_gt() equals did::att_gt on mpdta, with anticipation and without never-treated", {
  skip_if_not_installed("did")
  data("mpdta", package = "did", envir = environment())
  fit <- smartdid(lemp ~ lpop, data = mpdta, id = "countyreal", time = "year",
                  cohort = "first.treat")
  ref <- did::att_gt("lemp", "year", "countyreal", "first.treat", xformla = ~lpop,
                     data = mpdta, bstrap = FALSE, cband = FALSE)
  match_did(att_gt(fit, bootstrap = FALSE), ref, 1e-8, 1e-8)
  ref <- suppressWarnings(suppressMessages(
    did::att_gt("lemp", "year", "countyreal", "first.treat", data = mpdta,
                control_group = "notyettreated", anticipation = 1,
                bstrap = FALSE, cband = FALSE)))
  expect_warning(at <- att_gt(update(fit, . ~ 1), comparison = "notyet",
                              anticipation = 1, bootstrap = FALSE),
                 "20 unit\\(s\\) treated in the first")
  match_did(at, ref, 1e-10, 1e-10)
  m2 <- mpdta[mpdta$first.treat > 0, ]
  fit2 <- smartdid(lemp ~ 1, data = m2, id = "countyreal", time = "year",
                   cohort = "first.treat")
  ref <- did::att_gt("lemp", "year", "countyreal", "first.treat", data = m2,
                     control_group = "notyettreated", bstrap = FALSE, cband = FALSE)
  match_did(att_gt(fit2, comparison = "notyet", bootstrap = FALSE), ref, 1e-10, 1e-10)
  expect_error(att_gt(fit2, bootstrap = FALSE), "no never-treated units")
})

test_that("the C multiplier bootstrap draws the documented weights", {
  psi <- matrix(rnorm(50 * 3), 50, 3)
  set.seed(11)
  b <- .Call(C_sd_mboot, psi, 20L, 1L)
  set.seed(11)
  s5 <- sqrt(5)
  ref <- t(sapply(1:20, function(i) {
    v <- ifelse(runif(50) < (s5 + 1) / (2 * s5), (1 - s5) / 2, (1 + s5) / 2)
    colSums(v * psi) / 50
  }))
  expect_lt(max(abs(b - ref)), 1e-14)
  set.seed(12)
  b <- .Call(C_sd_mboot, psi, 20L, 2L)
  set.seed(12)
  ref <- t(sapply(1:20, function(i) {
    v <- ifelse(runif(50) < 0.5, -1, 1)
    colSums(v * psi) / 50
  }))
  expect_lt(max(abs(b - ref)), 1e-14)
  expect_error(.Call(C_sd_mboot, psi, 0L, 1L), "positive integer")
  expect_error(.Call(C_sd_mboot, psi, 5L, 3L), "Mammen")
})

test_that("bootstrap: reproducible, close to the analytic std. errors, uniform band", {
  d <- cs_data()
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  a1 <- att_gt(fit, seed = 5, draws = 999)
  a2 <- att_gt(fit, seed = 5, draws = 999)
  expect_identical(a1$estimates, a2$estimates)
  ratio <- a1$estimates$std.error / a1$se_analytic
  expect_lt(max(abs(ratio - 1)), 0.2)
  # a simultaneous band is wider than pointwise, narrower than Bonferroni
  expect_gt(a1$crit, qnorm(0.975))
  expect_lt(a1$crit, qnorm(1 - 0.025 / nrow(a1$estimates)))
  e <- a1$estimates
  expect_equal(e$conf.high - e$estimate, a1$crit * e$std.error)
  a3 <- att_gt(fit, seed = 5, draws = 999, multiplier = "rademacher")
  expect_lt(max(abs(a3$estimates$std.error / a1$se_analytic - 1)), 0.2)
})

test_that("clusters coarser than units sum the influence functions", {
  d <- cs_data()
  d$state <- (d$unit - 1) %/% 4
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D",
                  cluster = "state")
  at <- att_gt(fit, bootstrap = FALSE)
  S <- rowsum(at$psi, (seq_len(120) - 1) %/% 4)
  expect_equal(at$estimates$std.error, sqrt(colSums(S^2)) / 120, tolerance = 1e-12)
  d$bad <- d$year %% 2
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D",
                  cluster = "bad")
  expect_error(att_gt(fit, bootstrap = FALSE), "constant within units")
})

test_that("argument errors say what to do", {
  d <- cs_data(60)
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  expect_error(att_gt(fit, adjust = "dr"), "needs a fit with controls")
  expect_error(att_gt(fit, adjust = "ipw"), "must be \"none\", \"or\" or \"dr\"")
  expect_error(att_gt(fit, bogus = 1), "unknown argument")
  expect_error(att_gt(fit, anticipation = -1), "'anticipation' must be a whole number")
  expect_warning(at <- att_gt(update(fit, data = d[-1, ]), bootstrap = FALSE,
                              allow_unbalanced = FALSE),
                 "1 unit\\(s\\) not observed in every period")
  expect_identical(at$data_type, "panel")
  expect_identical(at$n_units, 59L)
  expect_error(att_gt(fit, allow_unbalanced = NA), "allow_unbalanced")
})

test_that("print() and plot() work", {
  d <- cs_data(60)
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  at <- att_gt(fit, seed = 1, draws = 99)
  out <- capture.output(print(at))
  expect_match(out[1], "Callaway and Sant'Anna")
  expect_true(any(grepl("simultaneous band", out)))
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  expect_identical(plot(at), at$estimates)
})

# An unbalanced panel: about 15% of the rows missing, every unit kept with
# at least two rows (the fit drops singletons). Fits take the adoption
# period from `first`: a 0/1 treatment would date a unit missing its first
# treated period too late.
cs_unbalanced <- function(n = 150, seed = 7) {
  d <- cs_data(n, seed)
  set.seed(seed)
  d <- d[runif(nrow(d)) > 0.15, ]
  d[d$unit %in% names(which(table(d$unit) >= 2)), ]
}

# ATT(g, t) and unit-clustered CR0 standard error of the weighted 2x2
# regression y ~ D * post on the rows of one cell, by hand.
hand_cell <- function(d, g, t, b, w = NULL) {
  rows <- d$year %in% c(t, b) & (d$g == g | d$g == 0)
  s <- d[rows, ]
  ww <- if (is.null(w)) rep(1, nrow(s)) else s[[w]]
  D <- as.numeric(s$g == g); P <- as.numeric(s$year == t)
  Z <- cbind(1, D, P, D * P)
  m <- lm.wfit(Z, s$y, ww)
  B <- solve(crossprod(Z * ww, Z))
  S <- rowsum(Z * (ww * m$residuals), s$unit)
  c(att = m$coefficients[[4]], se = sqrt((B %*% crossprod(S) %*% B)[4, 4]))
}

test_that("unbalanced panels: each cell is the 2x2 regression on its rows, SE clustered by unit", {
  d <- cs_unbalanced()
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first")
  at <- att_gt(fit, bootstrap = FALSE)
  expect_identical(at$data_type, "unbalanced")
  expect_identical(at$n_units, length(unique(d$unit)))
  expect_identical(at$nobs, nrow(d))
  e <- at$estimates
  for (k in c(1, 8, 15, 30)) {
    h <- hand_cell(d, e$group[k], e$time[k], e$base[k])
    expect_lt(abs(e$estimate[k] - h[["att"]]), 1e-10)
    expect_lt(rel_err(e$std.error[k], h[["se"]]), 1e-10)
  }
  fitw <- update(fit, weights = "w")
  aw <- att_gt(fitw, bootstrap = FALSE)
  for (k in c(2, 9, 31)) {
    h <- hand_cell(d, aw$estimates$group[k], aw$estimates$time[k], aw$estimates$base[k], "w")
    expect_lt(abs(aw$estimates$estimate[k] - h[["att"]]), 1e-10)
  }
})

test_that("unbalanced panels and weights equal did::att_gt(allow_unbalanced_panel = TRUE)", {
  skip_if_not_installed("did")
  d <- cs_unbalanced()
  fit0 <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first")
  fit1 <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", cohort = "first")
  for (ctl in c("never", "notyet")) for (bp in c("varying", "universal")) {
    cg <- if (ctl == "never") "nevertreated" else "notyettreated"
    ref <- did::att_gt("y", "year", "unit", "g", data = d, control_group = cg,
                       base_period = bp, bstrap = FALSE, cband = FALSE,
                       allow_unbalanced_panel = TRUE)
    match_did(att_gt(fit0, comparison = ctl, base_period = bp, bootstrap = FALSE),
              ref, 1e-10, 1e-10)
    ref <- did::att_gt("y", "year", "unit", "g", xformla = ~ x1 + x2, data = d,
                       control_group = cg, base_period = bp, est_method = "reg",
                       bstrap = FALSE, cband = FALSE, allow_unbalanced_panel = TRUE)
    match_did(att_gt(fit1, comparison = ctl, base_period = bp, adjust = "or",
                     bootstrap = FALSE), ref, 1e-8, 1e-8)
  }
  ref <- did::att_gt("y", "year", "unit", "g", xformla = ~ x1 + x2, data = d,
                     bstrap = FALSE, cband = FALSE, allow_unbalanced_panel = TRUE)
  # did's logit (fastglm) stops at a looser tolerance than ours
  match_did(att_gt(fit1, bootstrap = FALSE), ref, 1e-7,
            if (drdid_rc_current()) 1e-7 else Inf)
  ref <- suppressWarnings(did::att_gt("y", "year", "unit", "g", data = d,
                     anticipation = 1, control_group = "notyettreated",
                     bstrap = FALSE, cband = FALSE, allow_unbalanced_panel = TRUE))
  at <- att_gt(fit0, comparison = "notyet", anticipation = 1, bootstrap = FALSE)
  match_did(at, ref, 1e-10, 1e-10)
  # sampling weights, on the unbalanced panel and a balanced one
  d$wu <- 0.5 + (d$unit %% 7) / 4
  fitw <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", cohort = "first",
                   weights = "wu")
  for (cv in c("none", "or", "dr")) {
    ref <- did::att_gt("y", "year", "unit", "g", data = d, weightsname = "wu",
                       xformla = if (cv == "none") ~1 else ~ x1 + x2,
                       est_method = if (cv == "or") "reg" else "dr",
                       bstrap = FALSE, cband = FALSE, allow_unbalanced_panel = TRUE)
    tol <- if (cv == "dr") 1e-7 else 1e-8
    match_did(att_gt(fitw, adjust = cv, bootstrap = FALSE), ref, tol,
              if (cv != "dr" || drdid_rc_current()) tol else Inf)
  }
  b <- cs_data()
  b$wu <- 0.5 + (b$unit %% 7) / 4
  fitb <- smartdid(y ~ x1 + x2, data = b, id = "unit", time = "year", cohort = "first",
                   weights = "wu")
  for (cv in c("none", "or", "dr")) {
    ref <- did::att_gt("y", "year", "unit", "g", data = b, weightsname = "wu",
                       xformla = if (cv == "none") ~1 else ~ x1 + x2,
                       est_method = if (cv == "or") "reg" else "dr",
                       control_group = "notyettreated", bstrap = FALSE, cband = FALSE)
    at <- att_gt(fitb, adjust = cv, comparison = "notyet", bootstrap = FALSE)
    match_did(at, ref, 1e-8, 1e-8)
    ag <- did::aggte(ref, "dynamic", bstrap = FALSE, cband = FALSE)
    ours <- att_aggregate(at, "dynamic")
    expect_lt(max(abs(ours$estimates$estimate - ag$att.egt)), 1e-8)
    expect_lt(rel_err(ours$estimates$std.error, ag$se.egt), 1e-8)
    expect_lt(rel_err(ours$overall$std.error, ag$overall.se), 1e-8)
  }
})

test_that("clusters above the unit: the influence functions summed by cluster (unbalanced, weighted)", {
  d <- cs_unbalanced()
  d$state <- (d$unit - 1) %/% 5
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first",
                  weights = "w", cluster = "state")
  at <- att_gt(fit, bootstrap = FALSE)
  fit_u <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first",
                    weights = "w")
  au <- att_gt(fit_u, bootstrap = FALSE)
  expect_equal(at$estimates$estimate, au$estimates$estimate, tolerance = 1e-14)
  expect_equal(at$psi, au$psi, tolerance = 1e-14)
  ucode <- sort(unique(d$unit))
  S <- rowsum(au$psi, (ucode - 1) %/% 5)
  expect_lt(rel_err(at$estimates$std.error, sqrt(colSums(S^2)) / at$n_units), 1e-12)
  # a hand sandwich of one cell's weighted regression, clustered by state
  k <- 12
  e <- at$estimates
  rows <- d$year %in% c(e$time[k], e$base[k]) & (d$g == e$group[k] | d$g == 0)
  s <- d[rows, ]
  D <- as.numeric(s$g == e$group[k]); P <- as.numeric(s$year == e$time[k])
  Z <- cbind(1, D, P, D * P)
  m <- lm.wfit(Z, s$y, s$w)
  B <- solve(crossprod(Z * s$w, Z))
  Sc <- rowsum(Z * (s$w * m$residuals), s$state)
  expect_lt(rel_err(e$std.error[k], sqrt((B %*% crossprod(Sc) %*% B)[4, 4])), 1e-10)
})

test_that("several outcomes in one call equal separate calls", {
  d <- cs_unbalanced()
  d$y2 <- d$y^2 / 4 + d$x1
  d$y3 <- -d$y + rnorm(nrow(d))
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", cohort = "first",
                  weights = "w")
  for (cv in c("none", "dr")) {
    all3 <- att_gt(fit, adjust = cv, bootstrap = FALSE, outcomes = c("y", "y2", "y3"))
    expect_named(all3, c("y", "y2", "y3"))
    for (o in c("y2", "y3")) {
      one <- att_gt(update(fit, as.formula(paste(o, "~ x1 + x2"))), adjust = cv,
                    bootstrap = FALSE)
      expect_equal(all3[[o]]$estimates, one$estimates, tolerance = 1e-10)
      expect_identical(all3[[o]]$outcome, o)
    }
  }
  b <- cs_data()
  b$y2 <- b$y * 2 + b$x1
  fb <- smartdid(y ~ x1 + x2, data = b, id = "unit", time = "year", treat = "D")
  two <- att_gt(fb, adjust = "or", bootstrap = FALSE, outcomes = c("y", "y2"))
  one <- att_gt(update(fb, y2 ~ x1 + x2), adjust = "or", bootstrap = FALSE)
  expect_equal(two$y2$estimates, one$estimates, tolerance = 1e-10)
  expect_error(att_gt(fb, outcomes = "nope"), "not found")
  expect_error(att_gt(fb, outcomes = c("y", "y")), "distinct")
})

test_that("the C kernel without covariates equals the 2x2 estimators cell by cell", {
  d <- cs_unbalanced()
  for (bal in c(FALSE, TRUE)) {
    dd <- if (bal) cs_data() else d
    fit <- smartdid(y ~ 1, data = dd, id = "unit", time = "year", cohort = "first",
                    weights = "w")
    long <- cs_long(fit)
    for (ctl in c("never", "notyet")) {
      pan <- cs_panel(long, ctl, 0, TRUE)
      cells <- cs_cells(pan, ctl, "universal", 0)
      fast <- cs_estimate(pan, cells, ctl, 0, "none")
      pan$w_varies <- TRUE                      # forces the R path
      slow <- cs_estimate(pan, cells, ctl, 0, "none")
      expect_equal(fast$att, slow$att, tolerance = 1e-12)
      expect_equal(fast$psi, slow$psi, tolerance = 1e-12)
    }
  }
})

test_that("the C loop over cells with covariates equals the cells one by one", {
  b <- cs_data()
  b$y2 <- b$y * 2 + b$x1 + rnorm(nrow(b))
  b$wu <- 1 + (b$unit %% 3)                        # weights constant within units
  fit <- smartdid(y ~ x1 + x2, data = b, id = "unit", time = "year", treat = "D",
                  weights = "wu")
  long <- cs_long(fit, outcomes = c("y", "y2"))
  for (ctl in c("never", "notyet")) for (bp in c("varying", "universal")) {
    pan <- cs_panel(long, ctl, 0, TRUE)
    expect_identical(pan$mode, "panel")
    cells <- cs_cells(pan, ctl, bp, 0)
    for (cv in c("or", "dr")) {
      fast <- cs_estimate(pan, cells, ctl, 0, cv)
      slow <- cs_estimate_cells(pan, cells, ctl, 0, cv)
      expect_equal(fast$att, slow$att, tolerance = 1e-13)
      expect_equal(fast$psi, slow$psi, tolerance = 1e-13)
      expect_identical(fast$no_control, slow$no_control)
    }
  }
  # collinear covariates among a cell's units: the same error
  b$x3 <- 2 * b$x1
  fit3 <- smartdid(y ~ x1 + x2 + x3, data = b, id = "unit", time = "year", treat = "D")
  expect_error(att_gt(fit3, adjust = "dr", bootstrap = FALSE), "collinear")
})

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

# The compact influence functions of att_gt() (implicit without covariates,
# each cell's units with covariates) against the dense ones of the cell by
# cell R path on the same data: estimates, analytic SEs, x$psi, products
# with cell weights, bootstrap draws.
compact_vs_dense <- function(cd, ctl, bp, adj) {
  at <- att_gt(cd, comparison = ctl, base_period = bp, adjust = adj, bootstrap = FALSE)
  pan <- cs_panel(cd, ctl, 0, TRUE)
  cells <- cs_cells(pan, ctl, bp, 0)
  ref <- cs_estimate_cells(pan, cells, ctl, 0, adj)
  expect_true(inherits(.subset2(at, "psi"), "smartdid_cs_psi") ||
                pan$w_varies || pan$mode != "panel" && adj != "none")
  expect_equal(at$estimates$estimate, ref$att[, 1], tolerance = 1e-10)
  expect_equal(at$psi, ref$psi[[1]], tolerance = 1e-10)
  expect_equal(at[["psi"]], ref$psi[[1]], tolerance = 1e-10)
  se <- cs_se(ref$psi[[1]], pan$cluster)
  se[is.na(ref$att[, 1])] <- NA
  expect_equal(at$estimates$std.error, se, tolerance = 1e-10)
  W <- matrix(stats::rnorm(nrow(cells) * 3), nrow(cells))
  expect_equal(cs_psi(at, W), ref$psi[[1]] %*% W, tolerance = 1e-10)
  # the multiplier bootstrap draws from the same cluster sums
  ab <- att_gt(cd, comparison = ctl, base_period = bp, adjust = adj, bootstrap = TRUE,
               draws = 99, seed = 5)
  bs <- with_seed(5, cs_bootstrap(ref$psi[[1]], pan$cluster, 99, "mammen", 0.95,
                                  pan$n_units))
  expect_equal(ab$estimates$std.error, bs$se, tolerance = 1e-10)
  expect_equal(ab$crit, bs$crit, tolerance = 1e-10)
  invisible(list(at = at, ref = ref))
}

test_that("compact influence functions without covariates equal the dense ones", {
  set.seed(21)
  d <- cs_data()
  d$wu <- 1 + d$unit %% 3                        # weights constant within units
  d$st <- d$unit %/% 4                           # clusters above the unit
  u <- cs_unbalanced()
  u$st <- u$unit %/% 5
  cases <- list(
    smartdid::cs_data(d, "y", "year", "first", id = "unit"),
    smartdid::cs_data(d, "y", "year", "first", id = "unit", weights = "wu", cluster = "st"),
    smartdid::cs_data(u, "y", "year", "first", id = "unit", weights = "w", cluster = "st"),
    smartdid::cs_data(u[order(u$year, -u$unit), ], "y", "year", "first", id = "unit"),
    smartdid::cs_data(u, "y", "year", "first", weights = "w"))           # rcs
  for (cd in cases) for (ctl in c("never", "notyet")) {
    compact_vs_dense(cd, ctl, if (ctl == "never") "varying" else "universal", "none")
  }
})

test_that("compact influence functions keep their digits for outcomes far from zero", {
  # y = 1e9 + noise with weights that are not whole numbers: the unit pass
  # and the products with cell weights subtract each (cohort, period)
  # pair's mean first, so they agree with the dense y - mean form to 1e-10
  # (before that, 1e-8 at 1e9 and 1e-5 at 1e12)
  set.seed(23)
  d <- cs_data()
  d$y <- d$y + 1e9
  d$wu <- stats::runif(max(d$unit))[d$unit] + 0.5
  d$st <- d$unit %/% 4
  for (cl in list(NULL, "st")) {
    cd <- smartdid::cs_data(d, "y", "year", "first", id = "unit", weights = "wu",
                            cluster = cl)
    r <- compact_vs_dense(cd, "never", "varying", "none")
    expect_true(inherits(.subset2(r$at, "psi"), "smartdid_cs_psi"))
  }
})

test_that("compact influence functions with covariates equal the dense ones", {
  set.seed(22)
  d <- cs_data(80)
  d$wu <- 1 + d$unit %% 3
  d$st <- d$unit %/% 4
  cd <- smartdid::cs_data(d, "y", "year", "first", id = "unit", controls = c("x1", "x2"),
                          weights = "wu", cluster = "st")
  for (adj in c("or", "dr")) {
    compact_vs_dense(cd, "never", "varying", adj)
  }
  compact_vs_dense(smartdid::cs_data(d, "y", "year", "first", id = "unit",
                                     controls = c("x1", "x2")), "notyet", "universal", "dr")
})

test_that("results with compact influence functions survive saveRDS and aggregate alike", {
  d <- cs_data()
  d$y2 <- d$y * 2 + d$x1
  for (ctl in list(NULL, c("x1", "x2"))) {
    cd <- smartdid::cs_data(d, c("y", "y2"), "year", "first", id = "unit", controls = ctl)
    two <- att_gt(cd, bootstrap = FALSE)
    one <- att_gt(smartdid::cs_data(d, "y2", "year", "first", id = "unit", controls = ctl),
                  bootstrap = FALSE)
    expect_equal(two$y2$estimates, one$estimates, tolerance = 1e-12)
    expect_equal(two$y2$psi, one$psi, tolerance = 1e-12)
    f <- tempfile(fileext = ".rds")
    saveRDS(two$y2, f)
    back <- readRDS(f)
    unlink(f)
    expect_identical(back$psi, two$y2$psi)
    expect_equal(att_aggregate(back, "dynamic"), att_aggregate(one, "dynamic"),
                 tolerance = 1e-12)
  }
})

test_that("five outcomes in one call equal five calls (none: outcomes four at a time)", {
  d <- cs_unbalanced()
  d$st <- d$unit %/% 5
  ys <- paste0("y", 1:5)
  for (j in 1:5) d[[ys[j]]] <- d$y * j + d$x1 * (j - 3) + sin(d$unit * j)
  for (cl in list(NULL, "st")) {
    five <- att_gt(smartdid::cs_data(d, ys, "year", "first", id = "unit", weights = "w",
                                     cluster = cl), bootstrap = FALSE)
    for (j in c(1, 4, 5)) {
      one <- att_gt(smartdid::cs_data(d, ys[j], "year", "first", id = "unit", weights = "w",
                                      cluster = cl), bootstrap = FALSE)
      expect_equal(five[[ys[j]]]$estimates, one$estimates, tolerance = 1e-12)
      expect_equal(five[[ys[j]]]$psi, one$psi, tolerance = 1e-12)
    }
  }
})

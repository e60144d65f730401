# Tests of R/cs_estimate.R: att_gt()'s estimators and compact influence functions.

# the test panel of helper-cs.R, as cs_data() in this file (a helper of that
# name would mask smartdid::cs_data() in every test file)
cs_data <- cs_test_data

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

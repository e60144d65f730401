# A representative workload for tools/check-valgrind.sh: every .Call routine
# of smartdid on its main paths (balanced and unbalanced two-way panels, three
# fixed effects, weights, one and two threads, collinear columns, clustered
# and HC1 variances, duplicates, matching with and without replacement and a
# caliper) and on its argument-error paths. Small sizes: valgrind runs it
# about 50 times slower than R alone.
suppressPackageStartupMessages(library(smartdid))
ns <- asNamespace("smartdid")
routines <- names(getDLLRegisteredRoutines("smartdid")$.Call)
cat("registered .Call routines:", paste(routines, collapse = ", "), "\n")
called <- character()
note <- function(...) called <<- union(called, c(...))

set.seed(1)
mk <- function(n_units = 30, n_periods = 8) {
  d <- expand.grid(year = 2001:(2000 + n_periods), unit = seq_len(n_units))
  d$first <- ifelse(d$unit <= n_units / 2, 2003 + d$unit %% 4, NA)
  d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
  d$x1 <- rnorm(nrow(d)); d$x2 <- rnorm(nrow(d))
  d$x3 <- 2 * d$x1                                   # collinear
  d$region <- c("a", "b", "c")[d$unit %% 3 + 1]
  d$w <- runif(nrow(d), 0.5, 2)
  d$y <- 0.5 * d$D + 0.3 * d$x1 + d$unit / 10 + rnorm(nrow(d))
  d
}
d <- mk()
f <- function(...) smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year",
                            treat = "D", ...)
fits <- list(
  f(),                                                # balanced closed form
  f(nthreads = 2),
  f(weights = "w"),                                   # exact two-way solve
  f(vcov = "hc1"), f(vcov = "iid"),
  f(cluster = c("unit", "region")),                   # two-way clustering
  f(fe = "region^year"),                              # alternating projections
  f(fe = "region^year", nthreads = 2),
  smartdid(y ~ x1 + x3, data = d, id = "unit", time = "year", treat = "D"),
  smartdid(y ~ x1, data = d[-c(3, 50, 77), ], id = "unit", time = "year",
           cohort = "first")                          # unbalanced
)
note("sd_demean", "sd_ols", "sd_meat_cluster", "sd_meat_hc", "sd_first_duplicate")
invisible(lapply(fits, function(x) { summary(x); stata_constant(x) }))
es <- event_study(fits[[1]], leads = 3, lags = 3)
het <- heterogeneity(fits[[1]], by = "region")
tab <- did_table(fits[[1]], fits[[3]], format = "latex")
# errors raised inside the C routines (argument checks) must leave R usable
bad <- list(
  quote(.Call(ns$C_sd_demean, list(1:3 + 0), list(c(1L, 2L, 9L)), 2L, NULL, 1e-8, 10L, 1L)),
  quote(.Call(ns$C_sd_ols, matrix(1, 2, 2), 1, NULL, 1e-10)),
  quote(.Call(ns$C_sd_meat_cluster, matrix(1, 2, 1), c(1, 1), NULL, c(1L, 5L), 2L)),
  quote(.Call(ns$C_sd_meat_hc, matrix(1, 2, 1), 1, NULL)),
  quote(.Call(ns$C_sd_first_duplicate, c(1L, 2L), c(1L, 0L), 2L, 2L)),
  quote(.Call(ns$C_sd_nn_match, c(0.1, 0.2), c(1L, 0L), c(FALSE, FALSE), 5L, 1L, FALSE, NA_real_))
)
for (b in bad) stopifnot(inherits(try(eval(b), silent = TRUE), "try-error"))

# matching
dd <- data.frame(unit = 1:400, year = 1, x = rnorm(400), z = runif(400))
dd$tr <- rbinom(400, 1, plogis(dd$x - 1))
ms <- list(psm(dd, "tr", c("x", "z"), id = "unit", time = "year"),
           psm(dd, "tr", c("x", "z"), id = "unit", time = "year", ratio = 3, replace = TRUE),
           psm(dd, "tr", c("x", "z"), id = "unit", time = "year", ratio = 2, caliper = 0.1,
               order = "data", discard = "both"))
note("sd_nn_match")
invisible(lapply(ms, function(m) { balance(m); matched_data(m) }))

# routines added later (placebo and the modern estimators) through their
# exported functions, when present
if (exists("placebo", ns)) {
  pl <- get("placebo", ns)(fits[[1]], draws = 20, seed = 1)
  pl2 <- get("placebo", ns)(fits[[7]], draws = 10, seed = 1)
  # the unit-sums paths (coarse clusters, iid), the row closed form (hc1),
  # the other types of draws and a progress callback
  pl3 <- get("placebo", ns)(f(cluster = "region"), draws = 10, seed = 2)
  pl4 <- get("placebo", ns)(fits[[5]], draws = 10, seed = 3)
  pl5 <- get("placebo", ns)(fits[[4]], draws = 10, seed = 4)
  pl6 <- get("placebo", ns)(fits[[1]], draws = 10, type = "unit", seed = 5)
  pl7 <- get("placebo", ns)(fits[[1]], draws = 10, type = "time", seed = 6)
  old <- options(smartdid.progress_work = 0)
  invisible(utils::capture.output(
    pl8 <- get("placebo", ns)(fits[[1]], draws = 40, seed = 7, progress = TRUE)))
  options(old)
  note(grep("placebo", routines, value = TRUE))
}
# issue 15's paths: equilibrated extreme columns and weights, repeated
# zero-weight cells in the exact two-way solve, refused negative weights,
# the resumable alternating projections on two threads, both placebo paths
# forced (the cost model picks one of them otherwise)
de <- d
de$x2 <- de$x2 * 1e-300
de$w <- de$w * 1e300
invisible(smartdid(y ~ x1 + x2, data = de, id = "unit", time = "year", treat = "D",
                   weights = "w"))
note("sd_scale_exponents")
u <- c(rep(1L, 50), 1:6, 1:6); tt <- c(rep(1:2, 25), rep(1:3, 4))
invisible(.Call(ns$C_sd_demean, list(rnorm(length(u))), list(u, tt), c(6L, 3L),
                c(rep(0, 50), rep(1, 12)), 1e-13, 100L, 1L))
stopifnot(inherits(try(.Call(ns$C_sd_demean, list(c(1, 2, 3)), list(c(1L, 1L, 2L),
  c(1L, 2L, 1L)), c(2L, 2L), c(1, -1, 1), 1e-13, 10L, 1L), silent = TRUE), "try-error"))
fe3 <- lapply(c(40L, 30L, 10L), function(k) sample.int(k, 3000, TRUE))
invisible(.Call(ns$C_sd_demean, replicate(4, rnorm(3000), simplify = FALSE), fe3,
                c(40L, 30L, 10L), NULL, 1e-10, 1000L, 2L))
if (exists("placebo_units_mode", ns)) {
  for (mode in list(TRUE, FALSE)) {
    old <- options(smartdid.placebo_units = mode)
    invisible(get("placebo", ns)(fits[[1]], draws = 10, seed = 8, nthreads = 2))
    options(old)
  }
}
# the heterogeneity-robust event studies, when merged
for (est in c("cs", "sunab", "imputation")) {
  r <- try(suppressMessages(event_study(fits[[1]], estimator = est, leads = 2, lags = 2)),
           silent = TRUE)
  if (!inherits(r, "try-error")) cat("event_study(estimator = \"", est, "\") ran\n", sep = "")
}
# Callaway-Sant'Anna from cs_data(): the kernels without covariates
# (balanced, weighted with clusters above the unit, unbalanced, one row per
# unit) and with them, their compact influence functions expanded and
# multiplied, and the bootstrap
dd <- d
dd$y2 <- dd$y + 1e9
dd$st <- dd$unit %/% 4
cds <- list(cs_data(dd, c("y", "y2"), "year", "first", id = "unit"),
            cs_data(dd, "y", "year", "first", id = "unit", weights = "w", cluster = "st"),
            cs_data(dd[-c(3, 50, 77), ], "y", "year", "first", id = "unit"),
            cs_data(dd, "y", "year", "first"),
            cs_data(dd, "y", "year", "first", id = "unit", controls = c("x1", "x2")))
for (cd in cds) {
  at <- suppressWarnings(att_gt(cd, bootstrap = FALSE))
  for (a in if (inherits(at, "smartdid_att_gt")) list(at) else at) {
    invisible(a$psi)
    invisible(att_aggregate(a, "dynamic", bootstrap = FALSE))
  }
}
invisible(att_gt(cds[[2]], bootstrap = TRUE, draws = 19, seed = 3))
note("sd_cs_prep", "sd_cs_none", "sd_cs_none_psi", "sd_cs_panel_cells",
     "sd_cs_cells_psi", "sd_colss", "sd_mboot")
missing <- setdiff(routines, called)
if (length(missing)) {
  cat("not named by this script (they may have run inside the calls above):",
      paste(missing, collapse = ", "), "\n")
}
cat("VALGRIND-EXERCISE-COMPLETE\n")

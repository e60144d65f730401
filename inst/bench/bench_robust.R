# Benchmark: smartdid's heterogeneity-robust estimators side by side with the
# packages they replace, on the same data in one run.
#   Callaway-Sant'Anna  att_gt()          vs did::att_gt (analytic SEs)
#   Sun-Abraham         es_sunab()        vs fixest::feols(y ~ sunab(g, year) | id + year)
#   imputation          es_imputation()   vs didimputation::did_imputation
#   several outcomes    att_gt(outcomes = 5 columns) vs att_gt() on one
# Usage (the machine is shared: run under the benchmark lock):
#   flock /tmp/bench.lock Rscript inst/bench/bench_robust.R            # 1M rows
#   SMARTDID_BENCH_10M=1 flock /tmp/bench.lock Rscript inst/bench/bench_robust.R
# Timings are medians of `reps` runs of elapsed time; ratios are smartdid /
# reference. Both sides start from the same data frame. For att_gt() two
# smartdid timings are given: from a cs_data() description of the data frame
# (the like-for-like path: did also starts from the data), and from an
# existing smartdid() fit (the fit's own time excluded). Peak memory (10M):
# VmHWM of a child process per call.
suppressPackageStartupMessages(library(smartdid))
has <- function(p) requireNamespace(p, quietly = TRUE)

make_panel <- function(n_units, n_periods = 10, seed = 1) {
  set.seed(seed)
  n <- n_units * n_periods
  d <- data.frame(id = rep(seq_len(n_units), each = n_periods),
                  year = rep(seq_len(n_periods), n_units))
  first <- sample(c(0L, 4L, 5L, 6L, 7L, 8L), n_units, replace = TRUE)
  d$g <- first[d$id]
  d$first <- ifelse(d$g == 0, NA, d$g)
  d$D <- as.numeric(d$g > 0 & d$year >= d$g)
  xu1 <- rnorm(n_units)
  d$x1 <- xu1[d$id]
  d$x2 <- rnorm(n)
  for (j in 1:5) {
    d[[paste0("y", j)]] <- (0.2 + 0.1 * j) * d$D * (1 + d$year - d$g) * (d$g > 0) +
      d$x1 + 0.5 * d$x2 + 0.05 * d$year + rnorm(n)
  }
  d$y <- d$y1
  d
}

time_it <- function(f, reps) {
  stats::median(vapply(seq_len(reps), function(i) {
    gc()
    system.time(f())[["elapsed"]]
  }, 0))
}

row <- function(task, rows, ours, ref, ref_name) {
  data.frame(task = task, rows = rows, smartdid_s = round(ours, 3),
             reference = ref_name, reference_s = round(ref, 3),
             ratio = round(ours / ref, 3))
}

bench_cs <- function(d, reps) {
  out <- list()
  cd <- function(controls = NULL) cs_data(d, "y", "year", "first", id = "id",
                                          controls = controls)
  fit0 <- smartdid(y ~ 1, data = d, id = "id", time = "year", cohort = "first")
  fit2 <- smartdid(y ~ x1 + x2, data = d, id = "id", time = "year", cohort = "first")
  t_ref0 <- if (has("did")) time_it(function() did::att_gt("y", "year", "id", "g", data = d,
                                                           bstrap = FALSE, cband = FALSE), reps) else NA
  t_ref2 <- if (has("did")) time_it(function() did::att_gt("y", "year", "id", "g", data = d,
                                                           xformla = ~ x1 + x2, bstrap = FALSE,
                                                           cband = FALSE), reps) else NA
  t_data0 <- time_it(function() att_gt(cd(), bootstrap = FALSE), reps)
  t_fit0 <- time_it(function() att_gt(fit0, bootstrap = FALSE), reps)
  t_data2 <- time_it(function() att_gt(cd(c("x1", "x2")), bootstrap = FALSE), reps)
  t_fit2 <- time_it(function() att_gt(fit2, bootstrap = FALSE), reps)
  ys <- paste0("y", 1:5)
  t_one <- time_it(function() att_gt(cs_data(d, "y1", "year", "first", id = "id"),
                                     bootstrap = FALSE), reps)
  t_five <- time_it(function() att_gt(cs_data(d, ys, "year", "first", id = "id"),
                                      bootstrap = FALSE), reps)
  t_one2 <- time_it(function() att_gt(cs_data(d, "y1", "year", "first", id = "id",
                                              controls = c("x1", "x2")), bootstrap = FALSE), reps)
  t_five2 <- time_it(function() att_gt(cs_data(d, ys, "year", "first", id = "id",
                                               controls = c("x1", "x2")), bootstrap = FALSE), reps)
  n <- nrow(d)
  rbind(row("CS, no covariates (from data)", n, t_data0, t_ref0, "did::att_gt"),
        row("CS, no covariates (from a fit)", n, t_fit0, t_ref0, "did::att_gt"),
        row("CS, doubly robust (from data)", n, t_data2, t_ref2, "did::att_gt"),
        row("CS, doubly robust (from a fit)", n, t_fit2, t_ref2, "did::att_gt"),
        row("CS, 5 outcomes vs 1, no covariates", n, t_five, t_one, "smartdid, 1 outcome"),
        row("CS, 5 outcomes vs 1, doubly robust", n, t_five2, t_one2, "smartdid, 1 outcome"))
}

bench_sunab <- function(d, reps) {
  fit <- smartdid(y ~ 1, data = d, id = "id", time = "year", cohort = "first")
  t_ours <- time_it(function() event_study(fit, estimator = "sunab"), reps)
  t_ref <- if (has("fixest")) time_it(function() fixest::feols(y ~ sunab(g, year) | id + year,
                                                             data = d, cluster = ~id), reps) else NA
  row("Sun-Abraham", nrow(d), t_ours, t_ref, "fixest::feols(sunab())")
}

bench_imputation <- function(d, reps, ref = TRUE) {
  fit <- smartdid(y ~ 1, data = d, id = "id", time = "year", cohort = "first")
  t_ours <- time_it(function() smartdid:::es_imputation(fit, leads = 0), reps)
  t_ref <- if (ref && has("didimputation")) time_it(function() suppressWarnings(
    didimputation::did_imputation(d, "y", "g", "year", "id", horizon = TRUE)), 1) else NA
  row("imputation", nrow(d), t_ours, t_ref, "didimputation")
}

# Peak resident memory (MB) of one call in a fresh child process.
peak_mb <- function(n_units, call) {
  code <- sprintf(paste0(
    "suppressPackageStartupMessages(library(smartdid)); source('%s');",
    "d <- make_panel(%d); invisible(gc(reset = TRUE));",
    "writeLines('5', '/proc/self/clear_refs');",
    "%s;",
    "s <- readLines('/proc/self/status'); cat(sub('[^0-9]*([0-9]+).*', '\\\\1', grep('VmHWM', s, value = TRUE)))"),
    bench_file, n_units, call)
  out <- tryCatch(system2("Rscript", c("-e", shQuote(code)), stdout = TRUE, stderr = FALSE),
                  error = function(e) NA)
  as.numeric(utils::tail(out, 1)) / 1024
}

bench_file <- tryCatch(normalizePath(sys.frame(1)$ofile), error = function(e)
  normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))))

if (sys.nframe() == 0L) {
  res <- list()
  d <- make_panel(100000)                             # 1M rows
  res[[1]] <- bench_cs(d, 3)
  res[[2]] <- bench_sunab(d, 3)
  res[[3]] <- bench_imputation(d, 3, ref = FALSE)
  d2 <- make_panel(20000)                             # 200k rows: didimputation
  res[[4]] <- bench_imputation(d2, 3)
  rm(d, d2)
  if (nzchar(Sys.getenv("SMARTDID_BENCH_10M"))) {
    d <- make_panel(1000000)                          # 10M rows
    res[[5]] <- bench_cs(d, 1)
    res[[6]] <- bench_sunab(d, 1)
    res[[7]] <- bench_imputation(d, 1, ref = FALSE)
    rm(d)
    calls <- c(
      cs_none = "att_gt(cs_data(d, 'y', 'year', 'first', id = 'id'), bootstrap = FALSE)",
      did_none = "did::att_gt('y', 'year', 'id', 'g', data = d, bstrap = FALSE, cband = FALSE)",
      data_only = "0")
    mem <- vapply(calls, function(cl) peak_mb(1000000, cl), 0)
    print(data.frame(call = names(calls), peak_mb = round(mem)))
  }
  tab <- do.call(rbind, res)
  print(tab, row.names = FALSE)
  cat("\nR", R.version$major, ".", R.version$minor, "; did ",
      if (has("did")) as.character(utils::packageVersion("did")) else "-", "; fixest ",
      if (has("fixest")) as.character(utils::packageVersion("fixest")) else "-",
      "; didimputation ",
      if (has("didimputation")) as.character(utils::packageVersion("didimputation")) else "-",
      "\n", sep = "")
}

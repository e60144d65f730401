# Benchmark: smartdid's heterogeneity-robust estimators side by side with the
# packages they replace, on the same data in one run.
#   Callaway-Sant'Anna  att_gt()            vs did::att_gt (analytic SEs)
#   several outcomes    att_gt() on 5       vs att_gt() on 1 outcome
#   Sun-Abraham         event_study("sunab") vs fixest::feols(y ~ sunab(g, year) | id + year)
#   imputation          es_imputation(leads = 0) vs didimputation::did_imputation
# Every call runs in a child process of its own (`Rscript bench_robust.R
# --child TASK DATA REPS`), which reads the data from an uncompressed .rds,
# runs the call REPS times (at least 15 when one call takes under half a
# second) and reports the median CPU (user + system) and
# elapsed seconds and its peak resident memory (VmHWM, reset after the data
# are loaded: the peak includes the data, "data MB" is the resident size
# before the call).
# Usage (the machine is shared: run under the benchmark lock):
#   R_LIBS=$PWD/.lib:$HOME/.cache/smartdid-cranlib flock /tmp/bench.lock \
#     Rscript inst/bench/bench_robust.R 1m        # 100,000 units x 10 periods
#   ... Rscript inst/bench/bench_robust.R 10m     # 1,000,000 units x 10 periods
#   ... Rscript inst/bench/bench_robust.R imp     # didimputation at 200k and 1M
#   ... Rscript inst/bench/bench_robust.R cs      # Callaway-Sant'Anna only, 1M and 10M
#   ... Rscript inst/bench/bench_robust.R cs1m    # Callaway-Sant'Anna only, 1M
#   ... Rscript inst/bench/bench_robust.R profile # CPU time of CS's steps at 1M
# Each child is limited to `SMARTDID_BENCH_TIMEOUT` seconds (default 600) and
# 16 GB of address space (a reference that runs out is reported as such).

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

# The calls. `setup` runs before the timing (e.g. a smartdid() fit for the
# "from a fit" rows); `call` is timed.
tasks <- list(
  cs_none = list(call = quote(att_gt(cs_data(d, "y", "year", "first", id = "id"),
                                     bootstrap = FALSE))),
  did_none = list(call = quote(did::att_gt("y", "year", "id", "g", data = d, bstrap = FALSE,
                                           cband = FALSE))),
  cs_dr = list(call = quote(att_gt(cs_data(d, "y", "year", "first", id = "id",
                                           controls = c("x1", "x2")), bootstrap = FALSE))),
  did_dr = list(call = quote(did::att_gt("y", "year", "id", "g", data = d,
                                         xformla = ~ x1 + x2, bstrap = FALSE, cband = FALSE))),
  cs_five = list(call = quote(att_gt(cs_data(d, paste0("y", 1:5), "year", "first", id = "id"),
                                     bootstrap = FALSE))),
  cs_five_dr = list(call = quote(att_gt(cs_data(d, paste0("y", 1:5), "year", "first",
                                                id = "id", controls = c("x1", "x2")),
                                        bootstrap = FALSE))),
  sa = list(call = quote(event_study(smartdid(y ~ 1, data = d, id = "id", time = "year",
                                              cohort = "first"), estimator = "sunab"))),
  sa_fit = list(setup = quote(fit <- smartdid(y ~ 1, data = d, id = "id", time = "year",
                                              cohort = "first")),
                call = quote(event_study(fit, estimator = "sunab"))),
  fixest_sa = list(call = quote(fixest::feols(y ~ sunab(g, year) | id + year, data = d,
                                              cluster = ~id))),
  # post-treatment horizons only, as didimputation's horizon = TRUE (without
  # pretrends); event_study() would also ask for the reference period -1
  imp = list(call = quote(smartdid:::es_imputation(smartdid(y ~ 1, data = d, id = "id",
                                                            time = "year", cohort = "first"),
                                                   leads = 0))),
  didimp = list(call = quote(suppressWarnings(
    didimputation::did_imputation(d, "y", "g", "year", "id", horizon = TRUE))))
)

mem_kb <- function(field) {
  s <- readLines("/proc/self/status")
  as.numeric(sub("[^0-9]*([0-9]+).*", "\\1", grep(paste0("^", field), s, value = TRUE)))
}

run_child <- function(task, file, reps) {
  suppressPackageStartupMessages(library(smartdid))
  if (grepl("^did_", task)) suppressPackageStartupMessages(library(did))
  if (task == "fixest_sa") suppressPackageStartupMessages(library(fixest))
  d <- readRDS(file)
  tk <- tasks[[task]]
  if (!is.null(tk$setup)) eval(tk$setup)
  invisible(gc())
  data_mb <- mem_kb("VmRSS") / 1024
  writeLines("5", "/proc/self/clear_refs")       # reset the peak (VmHWM)
  one <- function(i) {
    if (i > 1L) invisible(gc())
    s <- system.time(eval(tk$call))
    c(s[["user.self"]] + s[["sys.self"]], s[["elapsed"]])
  }
  t1 <- one(1L)
  # calls under half a second run 15 times: CPU times come in clock ticks
  # of 10 ms, and three runs of a 0.07 s call moved the ratios by 30 %
  if (t1[2] < 0.5) reps <- max(reps, 15L)
  t <- cbind(t1, vapply(seq_len(reps - 1L) + 1L, one, numeric(2)))
  cat(sprintf("RESULT %s %.3f %.3f %.0f %.0f\n", task, stats::median(t[1, ]),
              stats::median(t[2, ]), mem_kb("VmHWM") / 1024, data_mb))
}

this_file <- function() {
  f <- grep("^--file=", commandArgs(FALSE), value = TRUE)
  normalizePath(sub("^--file=", "", f[1]))
}

# One child per task; a failure (memory, time limit) is reported as such.
child <- function(task, file, reps) {
  limit <- Sys.getenv("SMARTDID_BENCH_TIMEOUT", "600")
  cmd <- sprintf("ulimit -v 16000000; timeout %s Rscript %s --child %s %s %d 2>&1",
                 limit, shQuote(this_file()), task, shQuote(file), reps)
  t0 <- Sys.time()
  out <- suppressWarnings(system2("bash", c("-c", shQuote(cmd)), stdout = TRUE))
  wall <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  res <- grep("^RESULT", out, value = TRUE)
  if (!length(res)) {
    status <- attr(out, "status") %||% NA
    msg <- paste(utils::tail(out, 6), collapse = " | ")
    cat(sprintf("FAILED %s after %.0f s (status %s): %s\n", task, wall, status, msg))
    return(data.frame(task = task, cpu_s = NA, elapsed_s = NA, peak_mb = NA, data_mb = NA,
                      note = if (identical(status, 124L)) "time limit" else "failed"))
  }
  v <- strsplit(res, " ")[[1]]
  r <- data.frame(task = task, cpu_s = as.numeric(v[3]), elapsed_s = as.numeric(v[4]),
                  peak_mb = as.numeric(v[5]), data_mb = as.numeric(v[6]), note = "")
  print(r, row.names = FALSE)
  r
}

`%||%` <- function(a, b) if (is.null(a)) b else a

ratios <- function(tab) {
  pairs <- list(c("cs_none", "did_none"), c("cs_dr", "did_dr"), c("cs_five", "cs_none"),
                c("cs_five_dr", "cs_dr"), c("sa", "fixest_sa"), c("sa_fit", "fixest_sa"),
                c("imp", "didimp"))
  out <- lapply(pairs, function(p) {
    a <- tab[tab$task == p[1], ]
    b <- tab[tab$task == p[2], ]
    if (!nrow(a) || !nrow(b)) return(NULL)
    data.frame(ours = p[1], reference = p[2],
               ratio_elapsed = round(a$elapsed_s / b$elapsed_s, 3),
               ratio_cpu = round(a$cpu_s / b$cpu_s, 3))
  })
  do.call(rbind, out)
}

bench <- function(n_units, task_names, reps) {
  file <- tempfile(fileext = ".rds")
  on.exit(unlink(file))
  d <- make_panel(n_units)
  saveRDS(d, file, compress = FALSE)
  rm(d)
  invisible(gc())
  cat(sprintf("\n== %s rows (%s units x 10 periods), %d run(s) per call, %s\n",
              formatC(n_units * 10, format = "d", big.mark = ","),
              formatC(n_units, format = "d", big.mark = ","),
              reps, format(Sys.time(), tz = "UTC", usetz = TRUE)))
  tab <- do.call(rbind, lapply(task_names, child, file = file, reps = reps))
  cat("\n")
  print(tab, row.names = FALSE)
  cat("\nratios (smartdid / reference, same run):\n")
  print(ratios(tab), row.names = FALSE)
  invisible(tab)
}

# CPU seconds of the steps of att_gt() (means of `reps` calls), to see what
# remains beyond the C kernels: without covariates and doubly robust, with
# one and five outcomes.
profile_cs <- function(n_units = 100000, reps = 10) {
  suppressPackageStartupMessages(library(smartdid))
  d <- make_panel(n_units)
  tm <- function(f) {
    invisible(gc())
    s <- system.time(for (i in seq_len(reps)) f())
    (s[["user.self"]] + s[["sys.self"]]) / reps
  }
  ns <- asNamespace("smartdid")
  for (adj in c("none", "dr")) for (ys in list("y", paste0("y", 1:5))) {
    ctl <- if (adj == "dr") c("x1", "x2")
    prep <- function() cs_data(d, ys, "year", "first", id = "id", controls = ctl)
    cd <- prep()
    pan <- ns$cs_panel(cd, "never", 0, TRUE)
    cells <- ns$cs_cells(pan, "never", "varying", 0)
    e1 <- ns$cs_estimate(pan, cells, "never", 0, adj, compact = TRUE)
    params <- list(control = "never", covariates = adj, base_period = "varying",
                   anticipation = 0, bootstrap = FALSE, biters = 999, level = 0.95,
                   multiplier = "mammen", weighted = FALSE)
    out <- c(
      att_gt = tm(function() att_gt(prep(), bootstrap = FALSE)),
      cs_data = tm(prep),
      cs_panel = tm(function() ns$cs_panel(cd, "never", 0, TRUE)),
      cs_cells = tm(function() ns$cs_cells(pan, "never", "varying", 0)),
      kernel = tm(function() ns$cs_estimate(pan, cells, "never", 0, adj, compact = TRUE)),
      cs_result = tm(function() for (j in seq_along(ys)) {
        ns$cs_result(e1$att[, j], e1$psi[[j]], cells, pan, params, ys[j], ss = e1$ss[, j])
      }))
    cat(sprintf("\nadjust = \"%s\", %d outcome(s): CPU seconds per call\n", adj, length(ys)))
    print(round(out, 4))
  }
}

args <- commandArgs(TRUE)
if (length(args) && args[1] == "--child") {
  run_child(args[2], args[3], as.integer(args[4]))
} else if (sys.nframe() == 0L) {
  what <- if (length(args)) args[1] else "1m"
  all_tasks <- c("cs_none", "did_none", "cs_dr", "did_dr", "cs_five", "cs_five_dr",
                 "sa", "sa_fit", "fixest_sa", "imp")
  if (what == "small") bench(2000, c(all_tasks, "didimp"), 1)      # a check of the script
  if (what == "1m") bench(100000, all_tasks, 3)
  if (what == "10m") bench(1000000, all_tasks, 1)
  cs_tasks <- c("cs_none", "did_none", "cs_dr", "did_dr", "cs_five", "cs_five_dr")
  if (what == "cs") {                                 # Callaway-Sant'Anna only
    bench(100000, cs_tasks, 3)
    bench(1000000, cs_tasks, 1)
  }
  if (what == "cs1m") bench(100000, cs_tasks, 3)     # the same at 1M rows only
  if (what == "fixest10m") bench(1000000, "fixest_sa", 1)
  if (what == "profile") profile_cs()
  if (what == "imp") {
    bench(20000, c("imp", "didimp"), 1)
    bench(100000, c("imp", "didimp"), 1)
  }
  cat("\nR ", R.version$major, ".", R.version$minor, "; smartdid ",
      as.character(utils::packageVersion("smartdid")), "; did ",
      tryCatch(as.character(utils::packageVersion("did")), error = function(e) "-"),
      "; DRDID ", tryCatch(as.character(utils::packageVersion("DRDID")), error = function(e) "-"),
      "; fixest ", tryCatch(as.character(utils::packageVersion("fixest")), error = function(e) "-"),
      "; didimputation ",
      tryCatch(as.character(utils::packageVersion("didimputation")), error = function(e) "-"),
      "\n", sep = "")
}

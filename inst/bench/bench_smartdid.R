# Benchmark: smartdid() against fixest::feols on the same model (unit + period
# fixed effects, 7 controls, clustered by unit), 1 and 2 threads, in one run.
# Usage: Rscript inst/bench/bench_smartdid.R            (study size, 1M, 800k)
#        SMARTDID_BENCH_10M=1 Rscript inst/bench/bench_smartdid.R   (adds 10M)
# Timings are medians of repeated runs; ratios are smartdid / fixest. Peak
# memory at 10M rows is measured in a child process per engine, from the
# moment the data exist to the end of one fit (VmHWM after a reset).
suppressPackageStartupMessages({
  library(smartdid)
  library(fixest)
})

make_panel <- function(n_units, n_periods, unbalanced = 0, seed = 1) {
  set.seed(seed)
  n <- n_units * n_periods
  d <- data.frame(id = rep.int(seq_len(n_units), rep.int(n_periods, n_units)),
                  year = rep.int(seq_len(n_periods), n_units))
  first <- sample(c(NA, 5L, 6L, 7L), n_units, replace = TRUE)
  d$D <- as.numeric(!is.na(first[d$id]) & d$year >= first[d$id])
  for (j in 1:7) d[[paste0("x", j)]] <- rnorm(n)
  d$y <- 0.2 * d$D + d$x1 - d$x2 + rnorm(n)
  if (unbalanced > 0) d <- d[sample(n, round(n * (1 - unbalanced))), ]
  d
}

fml_sd <- y ~ x1 + x2 + x3 + x4 + x5 + x6 + x7
fml_fx <- y ~ D + x1 + x2 + x3 + x4 + x5 + x6 + x7 | id + year

# Median over `reps` timings; each timing runs the call often enough to last
# about 0.2 s, so that small fits are not lost in the clock's resolution.
time_it <- function(expr, reps) {
  one <- function(k) {
    t0 <- proc.time()[["elapsed"]]
    for (i in seq_len(k)) force(expr())
    (proc.time()[["elapsed"]] - t0) / k
  }
  first <- one(1)
  k <- max(1L, min(200L, as.integer(0.2 / max(first, 1e-4))))
  stats::median(vapply(seq_len(reps), function(i) one(k), 0))
}

bench <- function(label, d, reps) {
  rows <- list()
  for (th in 1:2) {
    t_sd <- time_it(function() smartdid(fml_sd, data = d, id = "id", time = "year",
                                        treat = "D", nthreads = th), reps)
    t_fx <- time_it(function() feols(fml_fx, data = d, cluster = ~id, nthreads = th,
                                     fixef.rm = "singleton"), reps)
    rows[[th]] <- data.frame(panel = label, rows = nrow(d), threads = th,
                             smartdid_s = t_sd, fixest_s = t_fx, ratio = t_sd / t_fx)
  }
  # the same numbers?
  a <- smartdid(fml_sd, data = d, id = "id", time = "year", treat = "D")
  b <- feols(fml_fx, data = d, cluster = ~id, fixef.rm = "singleton")
  out <- do.call(rbind, rows)
  out$max_rel_diff_se <- max(abs(sqrt(diag(vcov(a))) / se(b) - 1))
  out
}

peak_rss <- function(label, n_units, n_periods, engine) {
  # a child process per engine, so that the peak resident memory is its own
  code <- sprintf('
    suppressPackageStartupMessages({library(smartdid); library(fixest)})
    source(%s, local = TRUE, echo = FALSE, chdir = FALSE)
    d <- make_panel(%d, %d); invisible(gc())
    # reset the peak-RSS counter (Linux): the peak then covers the fit only,
    # with the data resident, not the making of the data
    writeLines("5", "/proc/self/clear_refs")
    t0 <- proc.time()[["elapsed"]]
    if ("%s" == "smartdid") smartdid(fml_sd, data = d, id = "id", time = "year", treat = "D", nthreads = 2) else
      feols(fml_fx, data = d, cluster = ~id, nthreads = 2, fixef.rm = "singleton")
    el <- proc.time()[["elapsed"]] - t0
    hwm <- as.numeric(sub(".*:\\\\s+(\\\\d+) kB", "\\\\1", grep("VmHWM", readLines("/proc/self/status"), value = TRUE)))
    cat(el, hwm / 1024^2, as.numeric(object.size(d)) / 1024^3, "\n")',
    deparse(file.path(tempdir(), "bench_defs.R")), n_units, n_periods, engine)
  res <- system2(file.path(R.home("bin"), "Rscript"), c("-e", shQuote(code)), stdout = TRUE)
  v <- as.numeric(strsplit(trimws(tail(res, 1)), " ")[[1]])
  data.frame(panel = label, engine = engine, seconds = v[1], peak_gb = v[2], data_gb = v[3])
}

local({
  dump(c("make_panel", "fml_sd", "fml_fx"), file = file.path(tempdir(), "bench_defs.R"))
  cat("smartdid", as.character(packageVersion("smartdid")), "vs fixest",
      as.character(packageVersion("fixest")), "on", R.version.string, "\n")
  res <- rbind(
    bench("study size 221 x 18", make_panel(221, 18), reps = 9),
    bench("1M balanced 50k x 20", make_panel(50000, 20), reps = 5),
    bench("800k unbalanced 100k x 10 (20% dropped)", make_panel(100000, 10, 0.2), reps = 5)
  )
  if (nzchar(Sys.getenv("SMARTDID_BENCH_10M"))) {
    res <- rbind(res, bench("10M balanced 500k x 20", make_panel(500000, 20), reps = 2))
  }
  res$smartdid_ms <- signif(1000 * res$smartdid_s, 3)
  res$fixest_ms <- signif(1000 * res$fixest_s, 3)
  res$ratio <- round(res$ratio, 3)
  print(res[, c("panel", "rows", "threads", "smartdid_ms", "fixest_ms", "ratio",
                "max_rel_diff_se")], row.names = FALSE)
  if (nzchar(Sys.getenv("SMARTDID_BENCH_10M"))) {
    mem <- rbind(peak_rss("10M", 500000, 20, "smartdid"), peak_rss("10M", 500000, 20, "fixest"))
    print(mem, digits = 3, row.names = FALSE)
    cat("peak memory ratio smartdid / fixest:", round(mem$peak_gb[1] / mem$peak_gb[2], 2), "\n")
  }
})

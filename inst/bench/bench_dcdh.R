# Benchmark: event_study(estimator = "dcdh") against DIDmultiplegtDYN 2.1.2
# (did_multiplegt_dyn(), graph off) on the same simulated panels, in one run.
# Run from the package root under the shared lock:
#   flock /tmp/bench.lock Rscript inst/bench/bench_dcdh.R [sizes...]
# Sizes are numbers of rows (10 periods each); the reference runs up to
# REF_MAX rows (it is slow and memory-bound). Results go to stdout as a
# markdown table.
suppressMessages(library(smartdid))
args <- commandArgs(TRUE)
sizes <- if (length(args)) as.numeric(args) else c(1e4, 1e5)
REF_MAX <- as.numeric(Sys.getenv("REF_MAX", "1e5"))
has_ref <- requireNamespace("DIDmultiplegtDYN", quietly = TRUE)

sim_panel <- function(n, nT = 10, seed = 1) {
  set.seed(seed)
  G <- n / nT
  b <- stats::rbinom(G, 1, 0.3)                  # baseline treatment
  f <- sample(c(2:nT, rep(Inf, 4)), G, TRUE)     # first switch (or never)
  back <- f + sample(2:4, G, TRUE)               # switches back later
  t <- rep(seq_len(nT), G)
  g <- rep(seq_len(G), each = nT)
  on <- t >= f[g] & t < back[g]
  d <- ifelse(on, 1 - b[g], b[g])
  y <- g / G + t / 5 + 0.5 * d + stats::rnorm(length(t))
  data.frame(g = g, t = t, d = d, y = y)
}

time_it <- function(expr) {
  gc()
  t0 <- proc.time()[["elapsed"]]
  force(expr)
  proc.time()[["elapsed"]] - t0
}

rows <- list()
for (n in sizes) {
  d <- sim_panel(n)
  t_fit <- time_it(fit <- smartdid(y ~ 1, data = d, id = "g", time = "t", treat = "d",
                                   design = "general"))
  t_es <- time_it(es <- suppressMessages(
    event_study(fit, estimator = "dcdh", effects = 5, placebo = 3, compat = TRUE)))
  t_ref <- NA_real_
  diff <- NA_real_
  if (has_ref && n <= REF_MAX) {
    t_ref <- time_it(r <- suppressMessages(suppressWarnings(
      DIDmultiplegtDYN::did_multiplegt_dyn(d, "y", "g", "t", "d", effects = 5,
                                           placebo = 3, graph_off = TRUE))))
    e <- es$estimates[!es$estimates$reference & es$estimates$rel_time >= 0, ]
    diff <- max(abs(e$estimate - r$results$Effects[, "Estimate"]))
  }
  rows[[length(rows) + 1L]] <- data.frame(
    rows = format(n, big.mark = ",", scientific = FALSE),
    smartdid_fit_s = round(t_fit, 2), dcdh_event_study_s = round(t_es, 2),
    DIDmultiplegtDYN_s = round(t_ref, 2), ratio = round(t_ref / t_es, 1),
    max_abs_diff_effects = signif(diff, 2))
  cat(sprintf("%s rows: fit %.2f s, dcdh %.2f s, reference %s s\n", n, t_fit, t_es,
              format(round(t_ref, 2))))
  rm(d, fit, es)
}
tab <- do.call(rbind, rows)
cat("\n| rows | smartdid() fit (s) | event_study(dcdh) (s) | DIDmultiplegtDYN 2.1.2 (s) | ratio | max abs diff of effects |\n")
cat("|---:|---:|---:|---:|---:|---:|\n")
for (i in seq_len(nrow(tab))) {
  cat("|", paste(unlist(lapply(tab[i, ], format)), collapse = " | "), "|\n")
}
cat("\nmemory: peak R heap (gc) ", format(sum(gc()[, 6]), nsmall = 1), " MB\n", sep = "")

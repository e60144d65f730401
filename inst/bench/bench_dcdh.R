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

# elapsed and CPU (user + system) seconds: on a shared machine the CPU time
# is the steadier measure
time_it <- function(expr) {
  gc()
  t0 <- proc.time()
  force(expr)
  d <- proc.time() - t0
  c(elapsed = d[["elapsed"]], cpu = d[["user.self"]] + d[["sys.self"]])
}

rows <- list()
for (n in sizes) {
  d <- sim_panel(n)
  t_fit <- time_it(fit <- smartdid(y ~ 1, data = d, id = "g", time = "t", treat = "d",
                                   design = "general"))
  t_es <- time_it(es <- suppressMessages(
    event_study(fit, estimator = "dcdh", effects = 5, placebo = 3, compat = TRUE)))
  t_ref <- c(elapsed = NA_real_, cpu = NA_real_)
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
    fit = sprintf("%.2f / %.2f", t_fit[1], t_fit[2]),
    dcdh = sprintf("%.2f / %.2f", t_es[1], t_es[2]),
    reference = sprintf("%.2f / %.2f", t_ref[1], t_ref[2]),
    ratio_cpu = round(t_ref[["cpu"]] / t_es[["cpu"]], 0),
    max_abs_diff_effects = signif(diff, 2))
  cat(sprintf("%s rows: fit %.2f s (cpu %.2f), dcdh %.2f s (cpu %.2f), reference %.2f s (cpu %.2f)\n",
              n, t_fit[1], t_fit[2], t_es[1], t_es[2], t_ref[1], t_ref[2]))
  rm(d, fit, es)
}
tab <- do.call(rbind, rows)
cat("\n| rows | smartdid() fit, s elapsed / cpu | event_study(dcdh), s elapsed / cpu | DIDmultiplegtDYN 2.1.2, s elapsed / cpu | ratio (cpu) | max abs diff of effects |\n")
cat("|---:|---:|---:|---:|---:|---:|\n")
for (i in seq_len(nrow(tab))) {
  cat("|", paste(unlist(lapply(tab[i, ], format)), collapse = " | "), "|\n")
}
cat("\nmemory: peak R heap (gc) ", format(sum(gc()[, 6]), nsmall = 1), " MB\n", sep = "")

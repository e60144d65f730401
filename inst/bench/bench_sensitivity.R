# Timing of sensitivity() against HonestDiD 0.2.6 on the same coefficients
# and covariance, in the same R session (ratios are what to read: the
# machine may be shared). Run from the package root after installing both:
#   flock /tmp/bench.lock Rscript inst/bench/bench_sensitivity.R
# Writes nothing; paste the printed table into RESULTS-sensitivity.md.
suppressPackageStartupMessages({
  library(smartdid)
  library(HonestDiD)
})
cat("smartdid", format(packageVersion("smartdid")), "| HonestDiD",
    format(packageVersion("HonestDiD")), "|", R.version.string, "\n")

# an event study in HonestDiD's layout: K pre periods, T post periods
make_es <- function(beta, sigma, K) {
  n <- length(beta)
  k <- c(seq(-K - 1, -2), seq(0, n - K - 1))
  est <- es_fill_stats(data.frame(rel_time = c(k, -1), estimate = c(unname(beta), 0),
                                  std.error = c(sqrt(diag(sigma)), NA)))
  V <- unname(sigma)
  dimnames(V) <- rep(list(paste0("rel::", k)), 2)
  new_event_study(est, es_overall(est, V), "manual", nobs = 1, vcov = V)
}

# CPU seconds (user + system) and elapsed seconds of one evaluation
clock <- function(expr) {
  t0 <- proc.time()
  force(expr)
  d <- proc.time() - t0
  c(cpu = unname(d[1] + d[2]), elapsed = unname(d[3]))
}

set.seed(1)
K8 <- 7
T8 <- 8
n8 <- K8 + T8
S8 <- 0.01 * 0.5^abs(outer(1:n8, 1:n8, "-")) + 0.002
b8 <- c(rnorm(K8, 0, 0.05), 0.3 + 0.02 * (0:(T8 - 1)) + rnorm(T8, 0, 0.05))
data("BCdata_EventStudy", package = "HonestDiD")
bc <- BCdata_EventStudy
cases <- list(
  list(name = "BC data (4 pre, 4 post)", b = bc$betahat, S = bc$sigma, K = 4L, T = 4L))
# HonestDiD takes minutes per hybrid interval with several post periods, so
# the side-by-side runs use one bound value each (a single interval); the
# default five-value grid with 8 post periods is timed for smartdid alone
# below.

rows <- list()
for (cs in cases) {
  es <- make_es(cs$b, cs$S, cs$K)
  Mbar <- 1
  sdt <- sqrt(cs$S[cs$K + 1, cs$K + 1])
  M <- sdt * 0.5
  runs <- list(
    list(what = "relative, C-LF, Mbar = 1",
         sd = function() sensitivity(es, Mbar = Mbar, breakdown = FALSE),
         hd = function() createSensitivityResults_relativeMagnitudes(
           cs$b, cs$S, cs$K, cs$T, Mbarvec = Mbar)),
    list(what = "smoothness, FLCI, M = sd/2",
         sd = function() sensitivity(es, type = "smoothness", M = M, breakdown = FALSE),
         hd = function() createSensitivityResults(cs$b, cs$S, cs$K, cs$T, Mvec = M)),
    list(what = "smoothness, C-LF, M = sd/2",
         sd = function() sensitivity(es, type = "smoothness", M = M, method = "C-LF",
                                     breakdown = FALSE),
         hd = function() createSensitivityResults(cs$b, cs$S, cs$K, cs$T, Mvec = M,
                                                  method = "C-LF")))
  for (r in runs) {
    r$sd()                                         # warm-up (byte compiler, caches)
    tsd <- sapply(1:3, function(i) clock(r$sd()))
    tsd <- apply(tsd, 1, stats::median)
    thd <- clock(suppressWarnings(r$hd()))
    rows[[length(rows) + 1]] <- data.frame(
      case = cs$name, analysis = r$what,
      smartdid_cpu = round(tsd["cpu"], 3), smartdid_elapsed = round(tsd["elapsed"], 3),
      HonestDiD_cpu = round(thd["cpu"], 2), HonestDiD_elapsed = round(thd["elapsed"], 2),
      ratio_cpu = round(thd["cpu"] / tsd["cpu"]), row.names = NULL)
    print(rows[[length(rows)]])
  }
  # the default call, breakdown value included
  t_def <- apply(sapply(1:3, function(i) clock(sensitivity(es))), 1, stats::median)
  cat(cs$name, ": sensitivity(es) with the breakdown value: cpu", round(t_def["cpu"], 3),
      "s, elapsed", round(t_def["elapsed"], 3), "s\n")
}
res <- do.call(rbind, rows)
print(res, row.names = FALSE)

# the issue's target: the default grid (5 values) for 8 post periods
es8 <- make_es(b8, S8, K8)
for (ty in c("relative", "smoothness")) {
  sensitivity(es8, type = ty)
  t8 <- apply(sapply(1:5, function(i) clock(sensitivity(es8, type = ty))), 1, stats::median)
  t8b <- apply(sapply(1:5, function(i) clock(sensitivity(es8, type = ty, breakdown = FALSE))),
               1, stats::median)
  cat("synthetic (7 pre, 8 post), type =", ty, "default grid: cpu", round(t8["cpu"], 3),
      "s (elapsed", round(t8["elapsed"], 3), "s) with the breakdown value;",
      round(t8b["cpu"], 3), "s without\n")
}

# side by side on the 8-post-period event study: one interval each
# (HonestDiD's relative-magnitudes test with a 100-point grid, to keep its
# run to minutes; smartdid inverts exactly)
M8 <- sqrt(S8[K8 + 1, K8 + 1]) / 2
runs8 <- list(
  list(what = "relative, C-LF, Mbar = 1 (HonestDiD gridPoints = 100)",
       sd = function() sensitivity(es8, Mbar = 1, breakdown = FALSE),
       hd = function() createSensitivityResults_relativeMagnitudes(
         b8, S8, K8, T8, Mbarvec = 1, gridPoints = 100)),
  list(what = "smoothness, FLCI, M = sd/2",
       sd = function() sensitivity(es8, type = "smoothness", M = M8, breakdown = FALSE),
       hd = function() createSensitivityResults(b8, S8, K8, T8, Mvec = M8)))
for (r in runs8) {
  r$sd()
  tsd <- apply(sapply(1:3, function(i) clock(r$sd())), 1, stats::median)
  thd <- clock(suppressWarnings(r$hd()))
  print(data.frame(case = "synthetic (7 pre, 8 post)", analysis = r$what,
                   smartdid_cpu = round(tsd["cpu"], 3),
                   smartdid_elapsed = round(tsd["elapsed"], 3),
                   HonestDiD_cpu = round(thd["cpu"], 2),
                   HonestDiD_elapsed = round(thd["elapsed"], 2),
                   ratio_cpu = round(thd["cpu"] / tsd["cpu"]), row.names = NULL))
}

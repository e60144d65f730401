# Benchmark of the choice between placebo()'s two paths by their cost model
# (issue 15, item 8): 200 "mixed" draws, clustered by unit, on a balanced
# panel of 2,000 units x 10 periods, with p = 1, 10 and 100 controls; each
# path forced (option smartdid.placebo_units = TRUE / FALSE) and the
# default (the cost model). Ratios are to the faster forced path of the same
# run; CPU seconds are reported as well, since the machine may be shared.
#
# Run from the package root with an installed build, under the lock:
#   flock /tmp/bench.lock Rscript inst/bench/placebo_controls.R
suppressPackageStartupMessages(library(smartdid))

sim <- function(p, N = 2000, T = 10, seed = 1) {
  set.seed(seed)
  d <- data.frame(unit = rep(seq_len(N), each = T), year = rep(seq_len(T), N))
  first <- ifelse(seq_len(N) <= N * 0.4, 4L + seq_len(N) %% 3L, NA)
  d$D <- as.numeric(!is.na(first[d$unit]) & d$year >= first[d$unit])
  X <- matrix(rnorm(nrow(d) * p), nrow(d), p, dimnames = list(NULL, paste0("x", seq_len(p))))
  d <- cbind(d, X)
  d$y <- 0.3 * d$D + 0.1 * d$x1 + rnorm(nrow(d))
  d
}

timeit <- function(expr, reps) {
  e <- substitute(expr)
  env <- parent.frame()
  tt <- vapply(seq_len(reps), function(i) {
    st <- system.time(eval(e, env), gcFirst = TRUE)
    c(st[["elapsed"]], st[["user.self"]] + st[["sys.self"]])
  }, numeric(2))
  c(elapsed = stats::median(tt[1, ]), cpu = stats::median(tt[2, ]))
}

run <- function(fit, mode) {
  old <- options(smartdid.placebo_units = mode)
  on.exit(options(old))
  placebo(fit, draws = 200, seed = 1, nthreads = 1, progress = FALSE)
}

cat("date:", format(Sys.time(), "%Y-%m-%d %H:%M %Z"), "\n")
cat("load average:", tryCatch(readLines("/proc/loadavg"), error = function(e) "?"), "\n\n")
out <- NULL
for (p in c(1L, 10L, 100L)) {
  d <- sim(p)
  fit <- smartdid(reformulate(paste0("x", seq_len(p)), "y"), data = d, id = "unit",
                  time = "year", treat = "D")
  reps <- if (p >= 100L) 1L else 3L
  tu <- timeit(run(fit, TRUE), reps)
  tr <- timeit(run(fit, FALSE), reps)
  ta <- timeit(run(fit, NULL), reps)
  same <- max(abs(run(fit, TRUE)$draws$std.error - run(fit, FALSE)$draws$std.error) /
                run(fit, FALSE)$draws$std.error)
  best <- min(tu[["cpu"]], tr[["cpu"]])
  out <- rbind(out, data.frame(p = p, units_cpu = tu[["cpu"]], rows_cpu = tr[["cpu"]],
                               auto_cpu = ta[["cpu"]], auto_elapsed = ta[["elapsed"]],
                               auto_vs_best = ta[["cpu"]] / best, max_rel_diff_se = same))
  print(out[nrow(out), ], row.names = FALSE)
}
cat("\n")
print(out, row.names = FALSE)

# 500 placebo draws against one smartdid() fit on 1M rows (55,556 x 18, 40%
# of the units treated in three waves, 7 controls), clustered by unit, with
# 1 and 2 threads. The machine may be shared, so each time is the median of
# repeated runs (5 fits, 3 placebo runs, alternated) and every run is kept.
# Usage: Rscript inst/bench/placebo_1m.R
suppressPackageStartupMessages(library(smartdid))
set.seed(1)
n_units <- 55556; n_periods <- 18
d <- data.frame(id = rep(seq_len(n_units), each = n_periods), year = rep(2003:2020, n_units))
first <- sample(c(NA, 2012L, 2013L, 2014L), n_units, replace = TRUE, prob = c(0.6, 0.15, 0.15, 0.1))
d$D <- as.numeric(!is.na(first[d$id]) & d$year >= first[d$id])
for (j in 1:7) d[[paste0("x", j)]] <- rnorm(nrow(d))
d$y <- -0.2 * d$D + d$x1 + rnorm(nrow(d))
fml <- y ~ x1 + x2 + x3 + x4 + x5 + x6 + x7
cat("date:", format(Sys.time(), "%Y-%m-%d %H:%M %Z"), "; load average:",
    tryCatch(readLines("/proc/loadavg"), error = function(e) "?"), "\n")
el <- function(expr) system.time(expr, gcFirst = TRUE)[["elapsed"]]
res <- NULL
for (nt in 1:2) {
  fit <- smartdid(fml, data = d, id = "id", time = "year", treat = "D", nthreads = nt)
  invisible(placebo(fit, draws = 20, seed = 1, nthreads = nt))   # warm up
  t_fit <- t_pl <- numeric()
  for (r in 1:3) {
    t_fit <- c(t_fit, el(smartdid(fml, data = d, id = "id", time = "year",
                                  treat = "D", nthreads = nt)))
    t_pl <- c(t_pl, el(placebo(fit, draws = 500, seed = 1, nthreads = nt)))
  }
  t_fit <- c(t_fit, replicate(2, el(smartdid(fml, data = d, id = "id",
                                             time = "year", treat = "D",
                                             nthreads = nt))))
  cat(sprintf("threads %d: fits %s s; 500 draws %s s\n", nt,
              paste(format(t_fit, digits = 3), collapse = " "),
              paste(format(t_pl, digits = 3), collapse = " ")))
  res <- rbind(res, data.frame(threads = nt, fit = median(t_fit),
                               draws_500 = median(t_pl)))
}
res$ratio <- res$draws_500 / res$fit
cat("\nmedians:\n")
print(res, digits = 3, row.names = FALSE)

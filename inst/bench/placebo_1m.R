# 500 placebo draws against one smartdid() fit on 1M rows (55,556 x 18),
# clustered by unit, 1 and 2 threads, three runs each (the machine may be
# shared: every run is printed, then the medians).
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
res <- NULL
for (nt in 1:2) for (r in 1:3) {
  t_fit <- system.time(fit <- smartdid(fml, data = d, id = "id", time = "year",
                                       treat = "D", nthreads = nt))
  t_pl <- system.time(pl <- placebo(fit, draws = 500, seed = 1, nthreads = nt))
  res <- rbind(res, data.frame(threads = nt, run = r, fit = t_fit[["elapsed"]],
                               draws_500 = t_pl[["elapsed"]],
                               ratio = t_pl[["elapsed"]] / t_fit[["elapsed"]]))
}
print(res, digits = 3, row.names = FALSE)
med <- aggregate(cbind(fit, draws_500) ~ threads, res, stats::median)
med$ratio <- med$draws_500 / med$fit
cat("\nmedians:\n")
print(med, digits = 3, row.names = FALSE)

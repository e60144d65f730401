# boottest() timings, each the median of repeated runs (the machine may be
# shared; every run is printed), as ratios to references timed in the same
# run: (1) the study's size (smartcity, 3,978 rows, 30 province clusters),
# B = 99,999, against fwildclusterboot where installed (with fixest);
# (2) 1M rows (55,556 units x 18 years, 50 clusters of units), B = 9,999,
# against one smartdid() fit.
# Usage: flock /tmp/bench.lock Rscript inst/bench/bench_boottest.R
suppressPackageStartupMessages(library(smartdid))
cat("date:", format(Sys.time(), "%Y-%m-%d %H:%M %Z"), "; load average:",
    tryCatch(readLines("/proc/loadavg"), error = function(e) "?"), "\n")
# elapsed seconds, and the process's CPU seconds (user + system) beside them:
# on a shared machine the elapsed time includes waiting for a core
med <- function(f, n) {
  t <- replicate(n, { st <- system.time(f(), gcFirst = TRUE); c(st[["elapsed"]],
                                                             st[["user.self"]] + st[["sys.self"]]) })
  cat("  elapsed:", format(t[1, ], digits = 3), "\n  cpu:    ", format(t[2, ], digits = 3), "\n")
  stats::setNames(c(median(t[1, ]), median(t[2, ])), c("elapsed", "cpu"))
}

# (1) the study's size
fml <- Carbon ~ Wage + Pinf + Fiscal + Infra + Fdi + Sic + Green
fit <- smartdid(fml, data = smartcity, id = "city", time = "year",
                treat = "Smart_Policy", cluster = "province")
res <- list()
cat("study size, B = 99,999, WCR with the interval:\n")
res$study_ci <- med(function() boottest(fit, "Smart_Policy", B = 99999, seed = 1, nthreads = 1), 7)
cat("study size, B = 99,999, WCR without the interval:\n")
res$study_noci <- med(function() boottest(fit, "Smart_Policy", B = 99999, seed = 1,
                                          conf_int = FALSE, nthreads = 1), 7)
cat("study size: one fit:\n")
res$study_fit <- med(function() update(fit), 7)
if (requireNamespace("fwildclusterboot", quietly = TRUE)) {
  # fwildclusterboot on the same regression with explicit dummies (lm)
  lmf <- stats::lm(Carbon ~ Smart_Policy + Wage + Pinf + Fiscal + Infra + Fdi + Sic +
                     Green + factor(city) + factor(year), data = smartcity)
  cat("study size: fwildclusterboot 0.14 boottest() on lm(), B = 99,999, with the interval:\n")
  res$study_fwcb <- med(function() suppressWarnings(suppressMessages(
    fwildclusterboot::boottest(lmf, param = "Smart_Policy", clustid = "province",
                               B = 99999, nthreads = 1))), 3)
}
cat("study size, B = 99,999, WCR with the interval, default threads:\n")
res$study_ci_threads <- med(function() boottest(fit, "Smart_Policy", B = 99999, seed = 1), 7)

# (2) 1M rows, 50 clusters
set.seed(1)
n_units <- 55556; n_periods <- 18
d <- data.frame(id = rep(seq_len(n_units), each = n_periods),
                year = rep(2003:2020, n_units))
d$grp <- (d$id - 1L) %% 50L + 1L
first <- sample(c(NA, 2012L, 2013L, 2014L), n_units, replace = TRUE,
                prob = c(0.6, 0.15, 0.15, 0.1))
d$D <- as.numeric(!is.na(first[d$id]) & d$year >= first[d$id])
for (j in 1:7) d[[paste0("x", j)]] <- rnorm(nrow(d))
d$y <- -0.2 * d$D + d$x1 + rnorm(nrow(d)) + rnorm(50)[d$grp]
f1 <- y ~ x1 + x2 + x3 + x4 + x5 + x6 + x7
big <- smartdid(f1, data = d, id = "id", time = "year", treat = "D", cluster = "grp",
                nthreads = 1)
cat("1M rows: one fit:\n")
res$big_fit <- med(function() smartdid(f1, data = d, id = "id", time = "year",
                                       treat = "D", cluster = "grp", nthreads = 1), 5)
cat("1M rows: boottest(), B = 9,999, WCR with the interval:\n")
res$big_ci <- med(function() boottest(big, "D", B = 9999, seed = 1, nthreads = 1), 5)
cat("1M rows: boottest(), B = 9,999, WCR without the interval:\n")
res$big_noci <- med(function() boottest(big, "D", B = 9999, seed = 1, conf_int = FALSE,
                                        nthreads = 1), 5)
out <- data.frame(what = names(res), elapsed = vapply(res, `[[`, 1, "elapsed"),
                  cpu = vapply(res, `[[`, 1, "cpu"), row.names = NULL)
print(out, digits = 3)
r <- function(a, b, i) res[[a]][[i]] / res[[b]][[i]]
cat(sprintf("\nratios (elapsed / cpu): 1M-row boottest / one fit = %.2f / %.2f with the interval, %.2f / %.2f without\n",
            r("big_ci", "big_fit", 1), r("big_ci", "big_fit", 2),
            r("big_noci", "big_fit", 1), r("big_noci", "big_fit", 2)))
if (!is.null(res$study_fwcb)) {
  cat(sprintf("study size: smartdid / fwildclusterboot = %.4f / %.4f\n",
              r("study_ci", "study_fwcb", 1), r("study_ci", "study_fwcb", 2)))
}

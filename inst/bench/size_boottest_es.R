# Size of boottest()'s WCR for the Sun-Abraham and imputation event studies:
# panels of 40 units in 10 provinces (clusters), 8 years, 24 treated units in
# three cohorts, no effect, province-by-year shocks; the share of panels in
# which the test of relative period 1 rejects at 5 %, for the WCR (B = 199)
# and the event study's analytic test.
# Usage: Rscript inst/bench/size_boottest_es.R sunab 1000
#        Rscript inst/bench/size_boottest_es.R imputation 400
suppressPackageStartupMessages(library(smartdid))
args <- commandArgs(TRUE)
est <- args[1]
R <- as.integer(args[2])
sim <- function(s) {
  set.seed(s)
  d <- expand.grid(unit = 1:40, year = 2001:2008)
  d$prov <- (d$unit - 1) %/% 4 + 1
  d$first <- ifelse(d$unit <= 24, 2004 + d$unit %% 3, NA)
  d$x <- rnorm(nrow(d))
  # no effect; province shocks by year (within-cluster correlation)
  sh <- matrix(rnorm(10 * 8), 10, 8)
  d$y <- 0.2 * d$x + d$unit / 10 + rnorm(nrow(d)) + 1.5 * sh[cbind(d$prov, d$year - 2000)]
  fit <- suppressWarnings(smartdid(y ~ x, data = d, id = "unit", time = "year", cohort = "first", cluster = "prov"))
  es <- suppressWarnings(event_study(fit, estimator = est, leads = 0, lags = 2, ref = 0))
  b <- boottest(es, B = 199, seed = s, param = "rel::1", joint = FALSE, band = FALSE, conf_int = FALSE)
  e <- es$estimates[es$estimates$rel_time == 1, ]
  c(boot = b$estimates$p.value < 0.05, t = e$p.value < 0.05)
}
res <- t(vapply(seq_len(R), sim, c(boot = TRUE, t = TRUE)))
cat(est, R, "reps: rejection at 5%: WCR", mean(res[, 1]), " analytic", mean(res[, 2]), "\n")

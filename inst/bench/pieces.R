# Where the time of one smartdid() fit goes, piece by piece (CPU time of
# repeated calls to the internal steps), on a 1M-row balanced panel.
# Usage: Rscript inst/bench/pieces.R
suppressPackageStartupMessages(library(smartdid))
set.seed(1)
n_units <- 50000; n_periods <- 20
d <- data.frame(id = rep(seq_len(n_units), each = n_periods),
                year = rep(seq_len(n_periods), n_units))
first <- sample(c(NA, 5L, 6L, 7L), n_units, replace = TRUE)
d$D <- as.numeric(!is.na(first[d$id]) & d$year >= first[d$id])
for (j in 1:7) d[[paste0("x", j)]] <- rnorm(nrow(d))
d$y <- 0.2 * d$D + d$x1 - d$x2 + rnorm(nrow(d))
fml <- y ~ x1 + x2 + x3 + x4 + x5 + x6 + x7
ns <- asNamespace("smartdid")
tm <- function(label, expr) {
  e <- substitute(expr)
  t <- system.time(for (i in 1:5) eval(e))[["user.self"]] / 5
  cat(sprintf("%-10s %7.1f ms\n", label, 1000 * t))
}
spec <- ns$sd_spec(fml, d, "id", "year", "id", "cluster", NULL, NULL, ssc_rules())
panel <- ns$sd_panel(d, "id", "year", "D", NULL, spec$vars, spec$cluster, NULL, NULL, NULL)
design <- ns$sd_design(d, panel, spec)
est <- ns$sd_estimate(design$y, design$X, panel, spec, 1L)
tm("total", smartdid(fml, data = d, id = "id", time = "year", treat = "D", nthreads = 1))
tm("panel", ns$sd_panel(d, "id", "year", "D", NULL, spec$vars, spec$cluster, NULL, NULL, NULL))
tm("estimate", ns$sd_estimate(design$y, design$X, panel, spec, 1L))
tm("build", ns$sd_build_fit(est, design, panel, spec))
tm("demean", .Call(ns$C_sd_demean_yx, design$y, design$X, panel$fe, panel$fe_nlev,
                   NULL, 1e-13, 100000L, 1L, NULL))

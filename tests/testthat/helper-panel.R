# Small simulated panels for the tests: staggered adoption with known effects.
sim_panel <- function(n_units = 40, n_periods = 10, seed = 1, start = 2001,
                      effect = 0.5, share_treated = 0.5) {
  set.seed(seed)
  d <- expand.grid(year = start + seq_len(n_periods) - 1L, unit = seq_len(n_units))
  d <- d[, c("unit", "year")]
  n_tr <- round(n_units * share_treated)
  waves <- start + c(3L, 4L, 5L, 6L)
  first <- ifelse(seq_len(n_units) <= n_tr, waves[(seq_len(n_units) %% 4) + 1L], NA)
  d$first <- first[d$unit]
  d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
  d$x1 <- rnorm(nrow(d))
  d$x2 <- rnorm(nrow(d)) + 0.1 * d$year - 0.02 * d$unit
  d$region <- c("a", "b", "c")[(d$unit %% 3) + 1L]
  d$w <- runif(nrow(d), 0.5, 2)
  d$y <- effect * d$D + 0.3 * d$x1 - 0.2 * d$x2 + d$unit / 10 +
    0.05 * (d$year - start) + rnorm(nrow(d))
  d
}

rel_err <- function(a, b) max(abs(a - b) / pmax(abs(b), 1e-300))

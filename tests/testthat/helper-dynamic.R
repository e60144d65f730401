# A staggered panel with heterogeneous, growing effects: the effect of unit i
# in period t is tau(e) = 1 + 0.5 * e (e = t - adoption, e >= 0) plus a cohort
# shift, so two-way fixed effects is biased while the robust estimators are
# not. Returns the data and the true effects by event time (averaged over
# the treated observations at e).
sim_dynamic <- function(n_units = 300, n_periods = 10, seed = 1, sd = 0.5,
                        never = TRUE) {
  set.seed(seed)
  d <- expand.grid(year = seq_len(n_periods), unit = seq_len(n_units))
  waves <- c(4L, 6L, 8L)
  k <- if (never) 4L else 3L
  g <- c(waves, NA)[(seq_len(n_units) %% k) + 1L]
  d$first <- g[d$unit]
  e <- d$year - d$first
  d$D <- as.numeric(!is.na(d$first) & e >= 0)
  shift <- ifelse(is.na(d$first), 0, (d$first - 4) * 0.25)
  d$tau <- ifelse(d$D == 1, 1 + 0.5 * e + shift, 0)
  d$x <- rnorm(nrow(d))
  d$y <- d$tau + 0.5 * d$x + d$unit / 50 + 0.2 * d$year + rnorm(nrow(d), sd = sd)
  d$rel <- ifelse(d$D == 1, e, NA)
  truth <- tapply(d$tau[d$D == 1], d$rel[d$D == 1], mean)
  list(data = d, truth = truth, att = mean(d$tau[d$D == 1]))
}

# The robust estimators' recovery check: every post-period estimate within
# 4 std. errors of the true effect, every pre-period one within 4 of zero,
# and the overall effect within 4 of the true ATT.
expect_recovers_truth <- function(es, s) {
  est <- es$estimates[!es$estimates$reference, ]   # normalised rows have no SE
  post <- est[est$rel_time >= 0, ]
  truth <- s$truth[as.character(post$rel_time)]
  expect_true(all(abs(post$estimate - truth) < 4 * post$std.error))
  pre <- est[est$rel_time < 0, ]
  expect_true(all(abs(pre$estimate) < 4 * pre$std.error))
  expect_lt(abs(es$overall$estimate - s$att), 4 * es$overall$std.error)
}

# sim_panel() with effects growing by 0.3 a period after adoption, and the
# adoption period in `g` (never-treated units coded `never`).
growing_panel <- function(n = 80, seed = 3, never = 0) {
  d <- sim_panel(n, 10, seed = seed)
  d$y <- d$y + ifelse(d$D == 1, (d$year - d$first) * 0.3, 0)
  d$g <- ifelse(is.na(d$first), never, d$first)
  d
}

# boottest() on the Sun-Abraham event study (R/boottest_sunab.R): the wild
# cluster bootstrap on the interacted regression equals a brute-force loop
# that re-runs the estimator, event_study(estimator = "sunab"), on every
# bootstrap outcome with the same weights.

# The bootstrap t of one event-study term by re-running the estimator: the
# restricted (WCR) or unrestricted (WCU) fit of the interacted regression by
# lm() with explicit dummies, then, for each draw, the outcome
# fitted + v * residual and event_study(estimator = "sunab") on it.
brute_sa <- function(d, es, term, V, impose_null = TRUE, r = 0) {
  cells <- es$info$cells
  rel <- d$year - d$first
  Xc <- vapply(seq_len(nrow(cells)), function(j) {
    as.numeric(!is.na(d$first) & d$first == cells$cohort[j] & rel == cells$rel[j])
  }, numeric(nrow(d)))
  X <- cbind(Xc, x = d$x, stats::model.matrix(~ factor(unit) + factor(year), d))
  e <- as.numeric(sub("rel::", "", term))
  Rf <- c(ifelse(cells$rel == e, cells$n, 0), rep(0, ncol(X) - nrow(cells)))
  Rf <- Rf / sum(Rf)
  qx <- qr(X)
  X <- X[, qx$pivot[seq_len(qx$rank)]]
  Rf <- Rf[qx$pivot[seq_len(qx$rank)]]
  Q <- solve(crossprod(X))
  b <- drop(Q %*% crossprod(X, d$y))
  rq <- drop(Q %*% Rf)
  br <- if (impose_null) b - rq * (sum(Rf * b) - r) / sum(Rf * rq) else b
  fitted <- drop(X %*% br)
  res <- d$y - fitted
  center <- if (impose_null) r else sum(Rf * b)
  boot <- d$prov
  vapply(seq_len(ncol(V)), function(j) {
    d$ys <- fitted + V[boot, j] * res
    f <- smartdid(ys ~ x, data = d, id = "unit", time = "year", cohort = "first",
                  cluster = "prov")
    row <- event_study(f, estimator = "sunab")$estimates
    row <- row[!row$reference & row$rel_time == e, ]
    (row$estimate - center) / row$std.error
  }, 1)
}

test_that("Sun-Abraham: WCR and WCU equal re-running the estimator on every draw", {
  d <- staggered_bt_panel()
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", cohort = "first",
                  cluster = "prov")
  es <- event_study(fit, estimator = "sunab")
  est <- es$estimates[!es$estimates$reference, ]
  b <- boottest(es, B = 49, seed = 3, param = c("rel::-3", "rel::1"))
  expect_match(b$method, "WCR")
  # the t statistics are the event study's (delta-method std. errors)
  expect_equal(b$estimates$statistic,
               est$statistic[match(b$estimates$term, es_term(est$rel_time))],
               tolerance = 1e-8)
  set.seed(3)
  V <- boot_weights("rademacher", 10, 49)
  for (tm in c("rel::-3", "rel::1")) {
    tb <- brute_sa(d, es, tm, V)
    expect_lt(max(abs(b$t_boot[, tm] - tb)) / max(1, abs(tb)), 1e-10)
    t0 <- b$estimates$statistic[b$estimates$term == tm]
    expect_equal(b$estimates$p.value[b$estimates$term == tm],
                 mean(abs(tb) > abs(t0) * (1 + 1e-9)))
  }
  u <- boottest(es, B = 49, seed = 3, param = "rel::2", impose_null = FALSE,
                joint = FALSE, band = FALSE, conf_int = FALSE)
  tb <- brute_sa(d, es, "rel::2", V, impose_null = FALSE)
  expect_lt(max(abs(u$t_boot[, "rel::2"] - tb)) / max(1, abs(tb)), 1e-10)
})

test_that("Sun-Abraham with the last cohort as the comparison and weights", {
  d <- staggered_bt_panel(2)
  d$first[is.na(d$first)] <- 2008                      # no never-treated units
  d$w <- runif(nrow(d), 0.5, 2)
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", cohort = "first",
                  cluster = "prov", weights = "w")
  es <- event_study(fit, estimator = "sunab")
  expect_identical(es$info$control, "last")
  b <- boottest(es, B = 99, seed = 1, joint = FALSE, band = FALSE, conf_int = FALSE)
  est <- es$estimates[!es$estimates$reference, ]
  expect_equal(b$estimates$statistic, est$statistic, tolerance = 1e-8)
  expect_true(all(b$estimates$p.value >= 0 & b$estimates$p.value <= 1))
})

# event_study(): TWFE event study through the smartdid engine

# Relative-time dummies, binned, by hand.
hand_rel <- function(d, leads, lags, bin = TRUE) {
  rel <- ifelse(is.na(d$first), NA, d$year - d$first)
  if (bin) pmin(pmax(rel, -leads), lags) else rel
}

# lm() with hand-built dummies, unit and year dummies, and the cluster-robust
# variance with fixest's small-sample rules written out (K = p + periods,
# since the unit effects are nested in the unit clusters).
hand_es <- function(d, rel, times, controls = c("x1", "x2"), w = NULL) {
  X <- vapply(times, function(k) as.numeric(!is.na(rel) & rel == k), numeric(nrow(d)))
  colnames(X) <- paste0("rel::", times)
  Z <- cbind(X, as.matrix(d[controls]))
  p <- ncol(Z)
  ww <- if (is.null(w)) rep(1, nrow(d)) else w
  fit <- lm(d$y ~ Z + factor(d$unit) + factor(d$year), weights = ww)
  M <- model.matrix(fit)
  e <- residuals(fit)
  B <- solve(crossprod(M, ww * M))
  S <- rowsum(ww * e * M, d$unit)
  n <- nrow(d)
  G <- length(unique(d$unit))
  K <- p + length(unique(d$year))
  V <- G / (G - 1) * (n - 1) / (n - K) * B %*% crossprod(S) %*% B
  idx <- 1 + seq_along(times)
  list(b = unname(coef(fit)[idx]), V = V[idx, idx], df = G - 1)
}

test_that("coefficients and clustered std. errors equal lm() with hand-built dummies", {
  d <- sim_panel(50, 12, seed = 21)
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  es <- event_study(fit, leads = 4, lags = 5)
  times <- setdiff(-4:5, -1)
  h <- hand_es(d, hand_rel(d, 4, 5), times)
  tab <- tidy(es)
  est <- tab[!tab$reference, ]
  expect_equal(est$rel_time, times)
  expect_lt(rel_err(est$estimate, h$b), 1e-8)
  expect_lt(rel_err(est$std.error, sqrt(diag(h$V))), 1e-8)
  expect_lt(rel_err(unname(vcov(es)), unname(h$V)), 1e-8)
  expect_equal(unname(coef(es)), est$estimate)
  expect_equal(names(coef(es)), paste0("rel::", times))
  # the reference period is present with estimate 0 and no std. error
  r <- tab[tab$rel_time == -1, ]
  expect_true(r$reference)
  expect_identical(r$estimate, 0)
  expect_true(is.na(r$std.error))
  expect_equal(nobs(es), nrow(d))
  expect_equal(es$df, h$df)
  # t statistics, p-values and intervals from t(G - 1)
  q <- qt(0.975, h$df)
  expect_equal(est$statistic, est$estimate / est$std.error)
  expect_equal(est$p.value, 2 * pt(-abs(est$statistic), h$df))
  expect_equal(est$conf.low, est$estimate - q * est$std.error)
})

test_that("weights, bin = FALSE and several references match lm()", {
  d <- sim_panel(50, 12, seed = 22)
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                  weights = "w")
  es <- event_study(fit, leads = 3, lags = 4, bin = FALSE, ref = c(-3, -1))
  rel <- hand_rel(d, 3, 4, bin = FALSE)
  keep <- is.na(rel) | (rel >= -3 & rel <= 4)
  times <- c(-2, 0:4)
  h <- hand_es(d[keep, ], rel[keep], times, w = d$w[keep])
  est <- es$estimates[!es$estimates$reference, ]
  expect_equal(est$rel_time, times)
  expect_lt(rel_err(est$estimate, h$b), 1e-8)
  expect_lt(rel_err(est$std.error, sqrt(diag(h$V))), 1e-8)
  expect_equal(nobs(es), sum(keep))
  expect_equal(es$estimates$reference, es$estimates$rel_time %in% c(-3, -1))
  dr <- es$info$dropped
  expect_equal(dr$rows[dr$reason == "outside the event window (bin = FALSE)"], sum(!keep))
  # binning differs from dropping
  eb <- event_study(fit, leads = 3, lags = 4, ref = c(-3, -1))
  expect_equal(nobs(eb), nrow(d))
  expect_gt(max(abs(coef(eb) - coef(es))), 1e-6)
})

test_that("the event study equals fixest's i() event study", {
  skip_if_not_installed("fixest")
  d <- sim_panel(60, 12, seed = 23)
  d$rel <- ifelse(is.na(d$first), -1000, pmin(pmax(d$year - d$first, -4), 5))
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  es <- event_study(fit, leads = 4, lags = 5)
  f <- fixest::feols(y ~ i(rel, ref = c(-1, -1000)) + x1 + x2 | unit + year,
                     data = d, cluster = ~unit)
  b <- coef(f)[grepl("^rel::", names(coef(f)))]
  expect_equal(names(b), names(coef(es)))
  expect_lt(rel_err(unname(coef(es)), unname(b)), 1e-8)
  expect_lt(rel_err(unname(vcov(es)), unname(vcov(f)[names(b), names(b)])), 1e-8)
  # the pre-trend test equals fixest's Wald test on the leads
  wt <- fixest::wald(f, keep = "^rel::-", print = FALSE)
  expect_lt(rel_err(es$pretest$statistic, wt$stat), 1e-8)
  expect_lt(rel_err(es$pretest$p.value, wt$p), 1e-8)
  expect_equal(es$pretest$df2, wt$df2)
  # weights and HC1
  fit2 <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                   weights = "w", vcov = "hc1")
  es2 <- event_study(fit2, leads = 4, lags = 5)
  f2 <- fixest::feols(y ~ i(rel, ref = c(-1, -1000)) + x1 + x2 | unit + year,
                      data = d, weights = ~w, vcov = "hc1")
  b2 <- coef(f2)[grepl("^rel::", names(coef(f2)))]
  expect_lt(rel_err(unname(coef(es2)), unname(b2)), 1e-8)
  expect_lt(rel_err(unname(vcov(es2)), unname(vcov(f2)[names(b2), names(b2)])), 1e-8)
  # an extra fixed effect (smartdid always absorbs unit and period)
  fit3 <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                   weights = "w", fe = "region^year")
  es3 <- event_study(fit3, leads = 4, lags = 5)
  f3 <- fixest::feols(y ~ i(rel, ref = c(-1, -1000)) + x1 + x2 |
                        unit + year + region^year, data = d, weights = ~w,
                      cluster = ~unit, fixef.tol = 1e-11)
  b3 <- coef(f3)[grepl("^rel::", names(coef(f3)))]
  expect_lt(rel_err(unname(coef(es3)), unname(b3)), 1e-8)
  expect_lt(rel_err(unname(vcov(es3)), unname(vcov(f3)[names(b3), names(b3)])), 1e-8)
})

test_that("pre-trend test and overall effect equal hand computations", {
  d <- sim_panel(40, 10, seed = 24)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  es <- event_study(fit, leads = 3, lags = 3)
  e <- es$estimates
  V <- vcov(es)
  pre <- paste0("rel::", c(-3, -2))
  b <- coef(es)[pre]
  W <- drop(t(b) %*% solve(V[pre, pre]) %*% b)
  expect_lt(rel_err(es$pretest$wald, W), 1e-10)
  expect_lt(rel_err(es$pretest$statistic, W / 2), 1e-10)
  expect_equal(c(es$pretest$df1, es$pretest$df2), c(2, 39))
  expect_lt(rel_err(es$pretest$p.value, pf(W / 2, 2, 39, lower.tail = FALSE)), 1e-10)
  post <- paste0("rel::", 0:3)
  a <- rep(1 / 4, 4)
  o <- es$overall
  expect_equal(names(o)[1:4], c("estimate", "std.error", "statistic", "p.value"))
  expect_equal(nrow(o), 1L)
  expect_lt(rel_err(o$estimate, mean(coef(es)[post])), 1e-12)
  expect_lt(rel_err(o$std.error, sqrt(drop(t(a) %*% V[post, post] %*% a))), 1e-10)
  expect_lt(rel_err(o$p.value, 2 * pt(-abs(o$estimate / o$std.error), 39)), 1e-10)
  # a singular block is tested on its rank
  V2 <- V
  V2[pre, pre] <- matrix(V[pre[1], pre[1]], 2, 2)
  pt2 <- es_pretest(e, V2, df = 39)
  expect_equal(pt2$df1, 1)
  # no pre-period coefficient: no test
  expect_null(es_pretest(e[e$rel_time >= -1, ], V, 39))
})

test_that("never-treated units are the comparison; cohort fits give the same result", {
  d <- sim_panel(40, 10, seed = 25)
  fit_t <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  fit_c <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", cohort = "first")
  es_t <- event_study(fit_t, leads = 3, lags = 4)
  es_c <- event_study(fit_c, leads = 3, lags = 4)
  expect_equal(coef(es_t), coef(es_c), tolerance = 1e-12)
  expect_equal(es_t$info$units, c(treated = 20L, never = 20L))
  # the never-treated units carry no dummy: their outcome path is the
  # comparison, so shifting their outcomes by a unit-specific constant and a
  # common period effect changes nothing
  d2 <- d
  d2$y <- d$y + d$unit * 0.7 + (d$year - 2000)^2
  es2 <- event_study(update(fit_t, data = d2), leads = 3, lags = 4)
  expect_equal(coef(es2), coef(es_t), tolerance = 1e-8)
  # ... but a trend in the treated units' outcomes after adoption moves the
  # post-period coefficients by exactly that amount
  d3 <- d
  rel <- pmin(pmax(d$year - d$first, -3), 4)
  d3$y <- d$y + ifelse(!is.na(d$first) & rel >= 0, 0.25 * (rel + 1), 0)
  es3 <- event_study(update(fit_t, data = d3), leads = 3, lags = 4)
  expect_equal(unname(coef(es3) - coef(es_t)),
               ifelse(setdiff(-3:4, -1) >= 0, 0.25 * (setdiff(-3:4, -1) + 1), 0),
               tolerance = 1e-8)
})

test_that("always-treated and switching units are dropped with a message", {
  d <- sim_panel(40, 10, seed = 26)
  d$D[d$unit == 1] <- 1
  d$D[d$unit == 2 & d$year >= 2009] <- 0
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  expect_message(es <- event_study(fit, leads = 3, lags = 4),
                 "1 always-treated unit.*\\n1 unit\\(s\\) whose treatment switches off")
  clean <- smartdid(y ~ x1 + x2, data = d[!d$unit %in% 1:2, ], id = "unit",
                    time = "year", treat = "D")
  es0 <- event_study(clean, leads = 3, lags = 4)
  expect_equal(coef(es), coef(es0), tolerance = 1e-10)
  expect_equal(nobs(es), nobs(es0))
  dr <- es$info$dropped
  expect_equal(dr$rows[dr$reason == "always-treated or switching units"], 20L)
  # switchers = "first" keeps the switching unit, counted from its adoption
  expect_message(es1 <- event_study(fit, leads = 3, lags = 4, switchers = "first"),
                 "kept with event time")
  expect_equal(nobs(es1), nobs(es) + 10L)
})

test_that("the simulated effect is recovered and pre-trends are flat", {
  d <- sim_panel(400, 12, seed = 27, effect = 0.5)
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  es <- event_study(fit, leads = 5, lags = 6)
  e <- es$estimates[!es$estimates$reference, ]
  post <- e[e$rel_time >= 0, ]
  pre <- e[e$rel_time < 0, ]
  expect_true(all(abs(post$estimate - 0.5) < 3.5 * post$std.error))
  expect_true(all(abs(pre$estimate) < 3.5 * pre$std.error))
  expect_gt(es$pretest$p.value, 0.01)
  expect_lt(abs(es$overall$estimate - 0.5), 3 * es$overall$std.error)
  expect_lt(es$overall$p.value, 1e-6)
})

test_that("arguments are checked", {
  d <- sim_panel(20, 10, seed = 28)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  expect_error(event_study(d), "must be a fit returned by smartdid")
  expect_error(event_study(fit, leads = -1), "'leads' must be a whole number")
  expect_error(event_study(fit, ref = -9, leads = 7), "'ref' must be one or more")
  expect_error(event_study(fit, ref = 0.5), "'ref' must be one or more")
  expect_error(event_study(fit, leads = 0, lags = 0, ref = 0), "leaves no relative period")
  expect_error(event_study(fit, estimator = "foo"), "not \"foo\"")
  expect_error(event_study(fit, bogus = 1), "unknown argument.*'bogus'")
  expect_error(event_study(fit, level = 2), "'level' must be a number between 0 and 1")
})

test_that("relative periods without observations are reported as NA", {
  d <- sim_panel(40, 10, seed = 29)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D",
                  subset = ~ year <= 2007)
  expect_message(es <- event_study(fit, leads = 3, lags = 6, bin = FALSE),
                 "relative period\\(s\\) 4, 5, 6 could not be estimated")
  e <- es$estimates
  expect_true(all(is.na(e$estimate[e$rel_time >= 4])))
  expect_false(anyNA(e$estimate[e$rel_time < 4]))
  expect_equal(es$overall$n_periods, 4L)
})

test_that("on the shipped panel pre-trends are flat and post effects negative", {
  d <- shipped_panel()
  skip_if(is.null(d), "the shipped study panel is not available")
  es <- event_study(shipped_fit(d), leads = 7, lags = 8, ref = -1)
  expect_equal(es$estimates$rel_time, -7:8)
  expect_gt(es$pretest$p.value, 0.01)
  expect_lt(es$overall$estimate, 0)
  expect_lt(es$overall$p.value, 0.01)
})

imp_data <- function(n = 80, seed = 3) growing_panel(n, seed, never = 0)

test_that("imputed effects equal lm() on untreated observations, predicted", {
  d <- imp_data()
  d <- d[-c(5, 17, 140, 333), ]                      # unbalanced is fine
  # cohort =, not treat =: row 5 is unit 1's adoption year, which a 0/1
  # column could not reveal
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year",
                  cohort = "first")
  es <- es_imputation(fit, leads = 0)
  m <- lm(y ~ x1 + x2 + factor(unit) + factor(year), data = d[d$D == 0, ])
  tr <- d[d$D == 1, ]
  tau <- tr$y - predict(m, newdata = tr)
  rel <- tr$year - tr$first
  expect_lt(max(abs(es$estimates$estimate - tapply(tau, rel, mean))), 1e-8)
  expect_identical(es$estimates$rel_time, as.numeric(sort(unique(rel))))
  expect_lt(abs(es$overall$estimate - mean(tau)), 1e-8)
  expect_lt(rel_err(es$info$beta, coef(m)[c("x1", "x2")]), 1e-8)
  expect_identical(es$nobs, nrow(d))
})

test_that("the BJS variance equals its definition with explicit dummies", {
  d <- imp_data(40, seed = 5)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  es <- es_imputation(fit, leads = 0)
  Z <- model.matrix(~ x1 + factor(unit) + factor(year), data = d)
  u0 <- d$D == 0
  Z0 <- Z[u0, ]
  P <- function(A) {                      # Moore-Penrose inverse
    s <- svd(A)
    k <- s$d > 1e-9 * s$d[1]
    s$v[, k] %*% (t(s$u[, k]) / s$d[k])
  }
  theta <- P(crossprod(Z0)) %*% crossprod(Z0, d$y[u0])
  tau <- d$y - drop(Z %*% theta)
  rel <- d$year - d$first
  w <- as.numeric(d$D == 1 & rel == 2)
  w <- w / sum(w)
  v <- w
  v[u0] <- -drop(Z0 %*% P(crossprod(Z0)) %*% crossprod(Z[!u0, ], w[!u0]))
  eps <- tau
  cell <- paste(d$first, rel)
  tr <- which(!u0)
  bar <- tapply(v[tr]^2 * tau[tr], cell[tr], sum) / tapply(v[tr]^2, cell[tr], sum)
  bar[is.nan(bar)] <- 0
  eps[tr] <- tau[tr] - bar[cell[tr]]
  se <- sqrt(sum(rowsum(v * eps, d$unit)^2))
  expect_lt(rel_err(es$estimates$std.error[es$estimates$rel_time == 2], se), 1e-8)
  expect_lt(abs(sum(w * tau) - es$estimates$estimate[es$estimates$rel_time == 2]), 1e-8)
})

test_that("es_imputation() equals didimputation (estimates, SEs, pre-trends)", {
  skip_if_not_installed("didimputation")
  for (form in c("y ~ 1", "y ~ x1 + x2")) {
    d <- imp_data()
    fit <- smartdid(as.formula(form), data = d, id = "unit", time = "year", treat = "D")
    es <- es_imputation(fit, leads = 3)
    fs <- if (form == "y ~ 1") NULL else ~ x1 + x2 | unit + year
    ref <- suppressWarnings(didimputation::did_imputation(
      d, "y", "g", "year", "unit", first_stage = fs, horizon = TRUE,
      pretrends = -3:-1))
    expect_identical(es$estimates$rel_time, as.numeric(ref$term))
    expect_lt(max(abs(es$estimates$estimate - ref$estimate)), 1e-8)
    expect_lt(rel_err(es$estimates$std.error, ref$std.error), 1e-8)
    st <- suppressWarnings(didimputation::did_imputation(
      d, "y", "g", "year", "unit", first_stage = fs))
    expect_lt(abs(es$overall$estimate - st$estimate), 1e-8)
    expect_lt(rel_err(es$overall$std.error, st$std.error), 1e-8)
  }
})

test_that("es_imputation() equals didimputation on an unbalanced panel", {
  skip_if_not_installed("didimputation")
  d <- imp_data(60, seed = 8)[-c(3, 44, 45, 201, 388), ]
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", cohort = "first")
  es <- es_imputation(fit, leads = 0)
  ref <- didimputation::did_imputation(d, "y", "g", "year", "unit",
                                       first_stage = ~ x1 | unit + year,
                                       horizon = TRUE)
  # fixest demeans unbalanced panels iteratively (tolerance 1e-6); ours is
  # exact (see the lm() comparison above)
  expect_lt(max(abs(es$estimates$estimate - ref$estimate)), 1e-6)
  expect_lt(rel_err(es$estimates$std.error, ref$std.error), 1e-6)
})

test_that("es_imputation() equals didimputation on its df_het data", {
  skip_if_not_installed("didimputation")
  data("df_het", package = "didimputation", envir = environment())
  d <- as.data.frame(df_het[df_het$unit <= 300, ])
  fit <- smartdid(dep_var ~ 1, data = d, id = "unit", time = "year", cohort = "g",
                  cluster = "state")
  es <- es_imputation(fit, leads = 0)
  ref <- didimputation::did_imputation(d, "dep_var", "g", "year", "unit",
                                       horizon = TRUE, cluster_var = "state")
  expect_lt(max(abs(es$estimates$estimate - ref$estimate)), 1e-8)
  expect_lt(rel_err(es$estimates$std.error, ref$std.error), 1e-8)
})

test_that("treated observations that cannot be imputed are dropped with a warning", {
  d <- imp_data()
  d$D[d$unit %in% c(2, 6)] <- 1
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  expect_warning(es <- es_imputation(fit, leads = 0),
                 "20 treated observation\\(s\\) cannot be imputed")
  expect_identical(es$info$not_imputed, 20L)
  expect_identical(es$nobs, nrow(d) - 20L)
})

test_that("leads come from the pre-trend regression, with a joint covariance", {
  d <- imp_data()
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  es <- es_imputation(fit, leads = 2, lags = 3)
  expect_identical(es$estimates$rel_time, as.numeric(-2:3))
  u <- d[d$D == 0, ]
  u$l1 <- as.numeric(u$year - u$first == -1 & !is.na(u$first))
  u$l2 <- as.numeric(u$year - u$first == -2 & !is.na(u$first))
  pre <- smartdid(y ~ l2 + x1, data = u, id = "unit", time = "year", treat = "l1")
  expect_lt(max(abs(es$estimates$estimate[2:1] - coef(pre)[c("l1", "l2")])), 1e-8)
  expect_lt(rel_err(es$estimates$std.error[2:1], sqrt(diag(vcov(pre)))[c("l1", "l2")]), 1e-8)
  expect_equal(sqrt(diag(es$vcov)), es$estimates$std.error, ignore_attr = TRUE)
  expect_true(all(eigen(es$vcov, only.values = TRUE)$values > -1e-12))
  expect_identical(es$estimator, "imputation")
  fit_hc <- update(fit, vcov = "hc1")
  expect_null(es_imputation(fit_hc, leads = 2)$vcov)
})

test_that("the imputation estimator recovers heterogeneous dynamic effects", {
  s <- sim_dynamic(300, 10, seed = 4)
  fit <- smartdid(y ~ x, data = s$data, id = "unit", time = "year", treat = "D")
  es <- es_imputation(fit, leads = 3)
  expect_recovers_truth(es, s)
})

test_that("unsupported fits are errors", {
  d <- imp_data()
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D",
                  fe = "region^year")
  expect_error(es_imputation(fit), "unit and period fixed effects only")
  expect_error(es_imputation(update(fit, fe = NULL), bad = 2), "unknown argument")
})

test_that("weighted imputation: WLS first stage, weighted means, the BJS variance with weights", {
  d <- imp_data(50, seed = 6)[-c(7, 70, 71, 150), ]
  d$wt <- 0.5 + (d$unit %% 5) / 3
  d$st <- (d$unit - 1) %/% 4
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", cohort = "first",
                  weights = "wt", cluster = "st")
  es <- es_imputation(fit, leads = 0)
  Z <- model.matrix(~ x1 + factor(unit) + factor(year), data = d)
  u0 <- d$D == 0
  Z0 <- Z[u0, ]
  w0 <- d$wt[u0]
  P <- function(A) {
    s <- svd(A)
    k <- s$d > 1e-9 * s$d[1]
    s$v[, k] %*% (t(s$u[, k]) / s$d[k])
  }
  G <- P(crossprod(Z0 * w0, Z0))
  theta <- G %*% crossprod(Z0 * w0, d$y[u0])
  tau <- d$y - drop(Z %*% theta)
  rel <- d$year - d$first
  for (h in c(0, 3)) {
    w <- d$wt * (d$D == 1 & rel == h)
    w <- w / sum(w)
    v <- w
    v[u0] <- -w0 * drop(Z0 %*% G %*% crossprod(Z[!u0, ], w[!u0]))
    eps <- tau
    cell <- paste(d$first, rel)
    tr <- which(!u0)
    bar <- tapply(v[tr]^2 * tau[tr], cell[tr], sum) / tapply(v[tr]^2, cell[tr], sum)
    bar[is.nan(bar)] <- 0
    eps[tr] <- tau[tr] - bar[cell[tr]]
    se <- sqrt(sum(rowsum(v * eps, d$st)^2))
    k <- es$estimates$rel_time == h
    expect_lt(abs(sum(w * tau) - es$estimates$estimate[k]), 1e-8)
    expect_lt(rel_err(es$estimates$std.error[k], se), 1e-8)
  }
})

test_that("weighted, clustered imputation equals didimputation (wname, cluster_var), unbalanced too", {
  skip_if_not_installed("didimputation")
  d <- imp_data(80, seed = 3)
  d$wt <- 0.5 + (d$unit %% 5) / 3
  d$st <- (d$unit - 1) %/% 4
  for (unb in c(FALSE, TRUE)) for (ctl in c(FALSE, TRUE)) {
    dd <- if (unb) d[-c(3, 44, 45, 201, 388, 500), ] else d
    fit <- smartdid(if (ctl) y ~ x1 else y ~ 1, data = dd, id = "unit", time = "year",
                    cohort = "first", weights = "wt", cluster = "st")
    es <- es_imputation(fit, leads = 0)
    est <- es$estimates[!es$estimates$reference, ]
    fs <- if (ctl) ~ x1 | unit + year else NULL
    ref <- didimputation::did_imputation(dd, "y", "g", "year", "unit", first_stage = fs,
                                         horizon = TRUE, wname = "wt", cluster_var = "st")
    expect_identical(est$rel_time, as.numeric(ref$term))
    # fixest's weighted first stage iterates (tolerance 1e-6); ours is exact
    expect_lt(max(abs(est$estimate - ref$estimate)), 1e-6)
    st <- didimputation::did_imputation(dd, "y", "g", "year", "unit", first_stage = fs,
                                        wname = "wt", cluster_var = "st")
    expect_lt(abs(es$overall$estimate - st$estimate), 1e-6)
    # didimputation builds v from the design scaled by the weights in both
    # Z0'Z0 and Z1'w (weights squared); ours is the weighted first stage's
    # own v (the hand test above). They agree for unit and period effects
    # on a balanced panel with weights constant within units, the case
    # compared here.
    if (!ctl && !unb) {
      expect_lt(rel_err(est$std.error, ref$std.error), 1e-6)
      expect_lt(rel_err(es$overall$std.error, st$std.error), 1e-6)
    }
  }
})

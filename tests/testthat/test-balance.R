# balance(): Stata pstest's statistics, recomputed here by independent routes
# (lm() regressions, logLik() of glm fits, the pstest formulas written out).

bal_data <- function(n = 400, seed = 1) {
  set.seed(seed)
  d <- data.frame(id = seq_len(n), year = 1L, x1 = rnorm(n), x2 = rexp(n),
                  x3 = rbinom(n, 1, 0.4))
  d$t <- rbinom(n, 1, plogis(-1 + 0.8 * d$x1 + 0.3 * d$x3))
  d
}

# pstest, written out: unmatched rows unweighted, matched rows with the
# matching weights as importance weights (their sum is the sample size).
pstest_ref <- function(x, t, w) {
  iw <- function(z, ww) {
    n <- sum(ww)
    mu <- sum(ww * z) / n
    c(mean = mu, var = sum(ww * (z - mu)^2) / (n - 1), n = n)
  }
  on <- w > 0
  u1 <- iw(x[t == 1], rep(1, sum(t == 1)))
  u0 <- iw(x[t == 0], rep(1, sum(t == 0)))
  m1 <- iw(x[t == 1 & on], w[t == 1 & on])
  m0 <- iw(x[t == 0 & on], w[t == 0 & on])
  sdu <- sqrt((u1[["var"]] + u0[["var"]]) / 2)
  bu <- 100 * (u1[["mean"]] - u0[["mean"]]) / sdu
  bm <- 100 * (m1[["mean"]] - m0[["mean"]]) / sdu
  # t tests from regressions of x on the dummy; the matched one rescaled from
  # lm's residual df (rows - 2) to the importance-weight df (sum(w) - 2)
  fu <- summary(lm(x ~ t))$coefficients
  lw <- lm(x[on] ~ t[on], weights = w[on])
  fm <- summary(lw)$coefficients
  dfm <- sum(w[on]) - 2
  tm <- fm[2, 3] * sqrt(dfm / lw$df.residual)
  list(treated = c(u1[["mean"]], m1[["mean"]]), control = c(u0[["mean"]], m0[["mean"]]),
       bias = c(bu, bm), reduct = -100 * (abs(bm) - abs(bu)) / abs(bu),
       t = c(fu[2, 3], tm), p = c(fu[2, 4], 2 * pt(-abs(tm), dfm)),
       vr = c(u1[["var"]] / u0[["var"]], m1[["var"]] / m0[["var"]]),
       n = rbind(c(u1[["n"]], u0[["n"]]), c(m1[["n"]], m0[["n"]])))
}

test_that("per-covariate rows equal the pstest formulas (weighted matched rows)", {
  d <- bal_data()
  m <- psm(d, "t", c("x1", "x2", "x3"), id = "id", time = "year", ratio = 2,
           replace = TRUE, caliper = 0.1)
  w <- m$units$freq_weights
  expect_true(length(unique(w[w > 0])) > 2)   # the weights matter here
  b <- balance(m)
  expect_identical(b$variable, rep(c("x1", "x2", "x3"), each = 2))
  expect_identical(b$sample, rep(c("unmatched", "matched"), 3))
  for (v in c("x1", "x2", "x3")) {
    r <- pstest_ref(d[[v]], d$t, w)
    bv <- b[b$variable == v, ]
    expect_lt(rel_err(bv$treated_mean, r$treated), 1e-10)
    expect_lt(rel_err(bv$control_mean, r$control), 1e-10)
    expect_lt(rel_err(bv$std_bias_pct, r$bias), 1e-8)
    expect_lt(rel_err(bv$bias_reduction_pct[2], r$reduct), 1e-8)
    expect_true(is.na(bv$bias_reduction_pct[1]))
    expect_lt(rel_err(bv$t, r$t), 1e-8)
    expect_lt(rel_err(bv$p, r$p), 1e-8)
    expect_lt(rel_err(bv$var_ratio, r$vr), 1e-8)
    expect_equal(cbind(bv$n_treated, bv$n_control), r$n)
    lo <- qf(0.025, r$n[, 1] - 1, r$n[, 2] - 1)
    hi <- qf(0.975, r$n[, 1] - 1, r$n[, 2] - 1)
    expect_identical(bv$var_flag, r$vr < lo | r$vr > hi)
  }
})

test_that("1:1 matching without replacement: plain two-sample t tests", {
  d <- bal_data(300, seed = 2)
  m <- psm(d, "t", c("x1", "x2"), id = "id", time = "year")
  b <- balance(m)
  on <- m$units$matched
  for (v in c("x1", "x2")) {
    tt <- t.test(d[[v]][on & d$t == 1], d[[v]][on & d$t == 0], var.equal = TRUE)
    bm <- b[b$variable == v & b$sample == "matched", ]
    expect_lt(rel_err(bm$t, unname(tt$statistic)), 1e-8)
    expect_lt(rel_err(bm$p, tt$p.value), 1e-8)
    tu <- t.test(d[[v]][d$t == 1], d[[v]][d$t == 0], var.equal = TRUE)
    expect_lt(rel_err(b$t[b$variable == v & b$sample == "unmatched"],
                      unname(tu$statistic)), 1e-8)
  }
})

test_that("summary rows: pseudo R2, LR test, mean/median bias, Rubin's B and R", {
  d <- bal_data(400, seed = 3)
  m <- psm(d, "t", c("x1", "x2", "x3"), id = "id", time = "year", ratio = 2,
           replace = TRUE)
  w <- m$units$freq_weights
  b <- balance(m)
  sm <- attr(b, "summary")
  expect_identical(glance(b), sm)
  # unmatched: logLik() of the logit and of the constant-only model
  f1 <- glm(t ~ x1 + x2 + x3, family = binomial, data = d)
  f0 <- glm(t ~ 1, family = binomial, data = d)
  ll1 <- as.numeric(logLik(f1))
  ll0 <- as.numeric(logLik(f0))
  expect_lt(rel_err(sm$pseudo_r2[1], 1 - ll1 / ll0), 1e-8)
  expect_lt(rel_err(sm$lr_chi2[1], 2 * (ll1 - ll0)), 1e-8)
  expect_lt(rel_err(sm$lr_p[1], pchisq(2 * (ll1 - ll0), 3, lower.tail = FALSE)), 1e-6)
  xb <- predict(f1, type = "link")
  rb <- 100 * abs(mean(xb[d$t == 1]) - mean(xb[d$t == 0])) /
    sqrt((var(xb[d$t == 1]) + var(xb[d$t == 0])) / 2)
  expect_lt(rel_err(sm$rubin_b[1], rb), 1e-8)
  expect_lt(rel_err(sm$rubin_r[1], var(xb[d$t == 1]) / var(xb[d$t == 0])), 1e-8)
  # matched: the logit with the matching weights, its weighted log likelihood
  dm <- d[w > 0, ]
  wm <- w[w > 0]
  g1 <- glm(t ~ x1 + x2 + x3, family = quasibinomial, data = dm, weights = wm)
  p1 <- fitted(g1)
  p0 <- weighted.mean(dm$t, wm)
  l1 <- sum(wm * dbinom(dm$t, 1, p1, log = TRUE))
  l0 <- sum(wm * dbinom(dm$t, 1, p0, log = TRUE))
  expect_lt(rel_err(sm$pseudo_r2[2], 1 - l1 / l0), 1e-8)
  expect_lt(rel_err(sm$lr_chi2[2], 2 * (l1 - l0)), 1e-6)
  xm <- predict(g1, type = "link")
  iwv <- function(z, ww) sum(ww * (z - weighted.mean(z, ww))^2) / (sum(ww) - 1)
  a1 <- dm$t == 1
  rbm <- 100 * abs(weighted.mean(xm[a1], wm[a1]) - weighted.mean(xm[!a1], wm[!a1])) /
    sqrt((iwv(xm[a1], wm[a1]) + iwv(xm[!a1], wm[!a1])) / 2)
  expect_lt(rel_err(sm$rubin_b[2], rbm), 1e-6)
  expect_lt(rel_err(sm$rubin_r[2], iwv(xm[a1], wm[a1]) / iwv(xm[!a1], wm[!a1])), 1e-6)
  for (s in c("unmatched", "matched")) {
    ab <- abs(b$std_bias_pct[b$sample == s])
    expect_equal(sm$mean_bias[sm$sample == s], mean(ab))
    expect_equal(sm$median_bias[sm$sample == s], median(ab))
  }
  # probit, as Stata's pstest refits
  bp <- attr(balance(m, link = "probit"), "summary")
  fp <- glm(t ~ x1 + x2 + x3, family = binomial("probit"), data = d)
  expect_lt(rel_err(bp$pseudo_r2[1], 1 - as.numeric(logLik(fp)) / ll0), 1e-8)
})

test_that("matching improves balance on a confounded panel", {
  p <- sim_panel(120, 5, seed = 4)
  p$ever <- as.numeric(!is.na(p$first))
  p$z <- rnorm(nrow(p)) + 0.8 * p$ever
  m <- psm(p, "ever", c("z", "x1"), id = "unit", time = "year", caliper = 0.1)
  b <- balance(m)
  expect_gt(abs(b$std_bias_pct[1]), 50)
  expect_lt(abs(b$std_bias_pct[2]), 10)
  expect_gt(b$bias_reduction_pct[2], 80)
})

test_that("on the shipped panel every |standardised bias| after matching with replacement is < 5 %", {
  sc <- tryCatch(getExportedValue("smartdid", "smartcity"), error = function(e) NULL)
  skip_if(is.null(sc), "the simulated study panel is not in this build")
  tr <- intersect(c("pilot", "Treat", "treat"), names(sc))
  skip_if(length(tr) == 0L, "no pilot-city dummy in smartcity")
  cov <- intersect(c("Wage", "Pinf", "Fiscal", "Infra", "Fdi", "Sic", "Green"), names(sc))
  # the study matched as psmatch2 does by default: with replacement
  m <- psm(sc, tr[1], cov, id = "city", time = "year", replace = TRUE)
  b <- balance(m)
  expect_true(all(abs(b$std_bias_pct[b$sample == "matched"]) < 5))
  expect_equal(nrow(matched_data(m)), 2491L)
})

test_that("format_balance(): text, Markdown and LaTeX layouts", {
  d <- bal_data(200, seed = 5)
  d$x_under <- d$x2
  b <- balance(psm(d, "t", c("x1", "x_under"), id = "id", time = "year",
                   caliper = 0.2))
  expect_snapshot(print(b))
  expect_snapshot(format_balance(b, "markdown"))
  expect_snapshot(format_balance(b, "latex"))
  expect_snapshot(format_balance(b, "text", digits = 2, summary = FALSE))
  f <- tempfile(fileext = ".tex")
  on.exit(unlink(f))
  out <- format_balance(b, "latex", file = f)
  expect_identical(readLines(f), as.character(unclass(out)))
  td <- tidy(b)
  expect_identical(class(td), "data.frame")
  expect_null(attr(td, "summary"))
})

test_that("balance() survives a matching that matched nobody", {
  d <- bal_data(100, seed = 7)
  m <- psm(d, "t", "x1", id = "id", time = "year", caliper = 1e-9)
  expect_false(any(m$units$matched))
  b <- suppressWarnings(balance(m))
  expect_true(all(is.na(b$treated_mean[b$sample == "matched"])))
  expect_true(is.na(attr(b, "summary")$pseudo_r2[2]))
  expect_equal(nrow(matched_data(m)), 0L)
})

test_that("balance() and format_balance() reject bad input", {
  d <- bal_data(100, seed = 6)
  m <- psm(d, "t", "x1", id = "id", time = "year")
  expect_snapshot(error = TRUE, {
    balance(d)
    balance(m, link = "cauchit")
    format_balance(d)
    format_balance(balance(m), "csv")
  })
})

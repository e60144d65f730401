# boottest(): against a brute-force re-estimation of every draw, against
# fwildclusterboot under full enumeration, and for its size.

bt_panel <- function(seed = 3, n_units = 36, n_periods = 9) {
  set.seed(seed)
  d <- expand.grid(unit = seq_len(n_units), year = 2000 + seq_len(n_periods))
  d$region <- (d$unit - 1) %/% 3 + 1                   # 12 regions
  d$prov <- c("p1", "p2", "p3", "p4", "p5")[(d$unit %% 5) + 1]
  d$first <- ifelse(d$region <= 6, 2003 + d$region %% 4, NA)
  d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
  d$x <- rnorm(nrow(d))
  d$wt <- runif(nrow(d), 0.5, 2)
  d$y <- 0.2 * d$D + 0.3 * d$x + d$unit / 10 + rnorm(nrow(d)) + d$year / 50 +
    rnorm(12)[d$region]
  d
}

test_that("WCR and WCU equal a brute-force re-estimation of every draw (weights, FE)", {
  d <- bt_panel()
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D",
                  cluster = "region", weights = "wt")
  for (imp in c(TRUE, FALSE)) {
    bt <- boottest(fit, "D", B = 199, seed = 42, impose_null = imp, r = 0.1)
    set.seed(42)
    V <- boot_weights("rademacher", 12, 199)
    br <- brute_boot(d, "y", c("D", "x", "factor(unit)", "factor(year)"), w = d$wt,
                     R = c(D = 1), r = 0.1, clusters = list(d$region),
                     boot = d$region, V = V, impose_null = imp)
    expect_brute_equal(bt, br)
    expect_equal(bt$B, 199L)
    expect_false(bt$enumerated)
  }
  # the t statistic is the fit's
  bt0 <- boottest(fit, "D", B = 99, seed = 1, conf_int = FALSE)
  expect_equal(bt0$statistic, tidy(fit)$statistic[1], tolerance = 1e-10)
  expect_equal(bt0$std.error, tidy(fit)$std.error[1], tolerance = 1e-10)
})

test_that("every weight type, linear combinations and extra fixed effects match the brute force", {
  d <- bt_panel(seed = 5)
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D",
                  cluster = "region", fe = "prov^year")
  terms <- c("D", "x", "factor(unit)", "factor(paste(prov, year))")
  for (ty in c("webb", "mammen", "norm")) {
    bt <- boottest(fit, c(D = 1, x = -1), B = 99, seed = 7, type = ty, r = -0.2)
    set.seed(7)
    V <- boot_weights(ty, 12, 99)
    br <- brute_boot(d, "y", terms, R = c(D = 1, x = -1), r = -0.2,
                     clusters = list(d$region), boot = d$region, V = V)
    expect_brute_equal(bt, br)
  }
  expect_equal(boottest(fit, c(D = 1, x = -1), B = 9, seed = 7, conf_int = FALSE)$estimate,
               unname(coef(fit)["D"] - coef(fit)["x"]), tolerance = 1e-10)
})

test_that("bootstrapping by a finer or a crossing clustering matches the brute force", {
  d <- bt_panel(seed = 8)
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D",
                  cluster = "region")
  # finer (units within regions) and crossing (years: the unit effects are
  # then not nested, and become dummies)
  for (bc in c("unit", "year")) {
    G <- length(unique(d[[bc]]))
    bt <- boottest(fit, "D", B = 49, seed = 11, bootcluster = bc, type = "webb")
    set.seed(11)
    V <- boot_weights("webb", G, 49)
    br <- brute_boot(d, "y", c("D", "x", "factor(unit)", "factor(year)"), R = c(D = 1),
                     clusters = list(d$region), boot = sorted_codes(d[[bc]]), V = V)
    expect_brute_equal(bt, br)
    expect_equal(bt$n_bootclusters, G)
  }
})

test_that("two-way clustering matches the brute force (bootstrap by either or by the intersection)", {
  d <- bt_panel(seed = 9)
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D",
                  cluster = c("region", "prov"))
  cls <- list(d$region, d$prov, sorted_codes(d$region, d$prov))
  for (bc in list(NULL, "min", "region")) {
    bt <- boottest(fit, "D", B = 99, seed = 3, bootcluster = bc, type = "webb")
    boot <- if (is.null(bc)) sorted_codes(d$region, d$prov) else
      if (identical(bc, "min")) sorted_codes(d$prov) else sorted_codes(d$region)
    set.seed(3)
    V <- boot_weights("webb", max(boot), 99)
    br <- brute_boot(d, "y", c("D", "x", "factor(unit)", "factor(year)"), R = c(D = 1),
                     clusters = cls, signs = c(1, 1, -1), boot = boot, V = V)
    expect_brute_equal(bt, br)
  }
  expect_equal(boottest(fit, "D", B = 9, seed = 1, conf_int = FALSE)$statistic,
               tidy(fit)$statistic[1], tolerance = 1e-10)
})

test_that("2^G <= B enumerates the sign vectors, deterministically and with a message", {
  d <- bt_panel()
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D",
                  cluster = "region")
  expect_message(bt <- boottest(fit, "D", B = 9999), "enumerating all 4096")
  expect_true(bt$enumerated)
  expect_equal(bt$B, 4096L)
  bt2 <- suppressMessages(boottest(fit, "D", B = 5000, seed = 99))
  expect_identical(bt$t_boot, bt2$t_boot)
  # the identity draw and its mirror tie with t (strict inequality)
  expect_equal(sum(abs(abs(bt$t_boot) - abs(bt$statistic)) < 1e-8), 2L)
  # brute force over the enumerated signs
  V <- sapply(0:4095, function(b) ifelse(bitwAnd(b, bitwShiftL(1L, 0:11)) > 0, -1, 1))
  br <- brute_boot(d, "y", c("D", "x", "factor(unit)", "factor(year)"), R = c(D = 1),
                   clusters = list(d$region), boot = d$region, V = V)
  expect_brute_equal(bt, br)
  expect_equal(bt$p.value, sum(abs(br$t_boot) > abs(br$t0) * (1 + 1e-9)) / 4096)
})

test_that("seeds reproduce the draws on any number of threads and leave the stream alone", {
  d <- bt_panel()
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D",
                  cluster = "region")
  withr_opt <- options(smartdid.boottest_min_work = 0)   # threads for any block
  on.exit(options(withr_opt))
  for (ty in c("rademacher", "webb")) {
    set.seed(5)
    a <- boottest(fit, "D", B = 20000, nthreads = 1, bootcluster = "unit", type = ty)
    set.seed(5)
    b <- boottest(fit, "D", B = 20000, nthreads = 2, bootcluster = "unit", type = ty)
    expect_identical(a$t_boot, b$t_boot)
    expect_identical(a$conf.low, b$conf.low)
  }
  set.seed(1)
  before <- .Random.seed
  c1 <- boottest(fit, "D", B = 999, seed = 3, type = "webb", conf_int = FALSE)
  expect_identical(.Random.seed, before)
  c2 <- boottest(fit, "D", B = 999, seed = 3, type = "webb", conf_int = FALSE)
  expect_identical(c1$t_boot, c2$t_boot)
})

test_that("the interval inverts the test: p-values straddle 1 - level at its bounds", {
  d <- bt_panel()
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D",
                  cluster = "region")
  for (imp in c(TRUE, FALSE)) for (pt in c("symmetric", "equal-tailed")) {
    bt <- boottest(fit, "D", B = 999, seed = 2, impose_null = imp, p_type = pt)
    eps <- 2 * bt$tol * bt$std.error
    p <- bt_pvalue_function(bt, c(bt$conf.low - eps, bt$conf.low + eps,
                                  bt$conf.high - eps, bt$conf.high + eps))$p.value
    expect_true(p[1] <= 0.05 && p[2] > 0.05 && p[3] > 0.05 && p[4] <= 0.05)
    expect_lt(bt$conf.low, bt$estimate)
    expect_gt(bt$conf.high, bt$estimate)
  }
  up <- boottest(fit, "D", B = 999, seed = 2, p_type = ">")
  expect_equal(up$conf.high, Inf)
  expect_true(is.finite(up$conf.low))
  # the p-value function reproduces the test's p-value at r
  bt <- boottest(fit, "D", B = 999, seed = 2, r = 0.3)
  expect_equal(bt_pvalue_function(bt, 0.3)$p.value, bt$p.value)
})

test_that("p-values and intervals equal fwildclusterboot's under full enumeration", {
  skip_if_not_installed("fwildclusterboot")
  d <- bt_panel()
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D",
                  cluster = "region")
  m <- stats::lm(y ~ D + x + factor(unit) + factor(year), data = d)
  types <- c(symmetric = "two-tailed", `equal-tailed` = "equal-tailed", `>` = ">", `<` = "<")
  for (imp in c(TRUE, FALSE)) for (pt in names(types)) {
    fw <- suppressWarnings(suppressMessages(fwildclusterboot::boottest(
      m, param = "D", clustid = "region", B = 9999, impose_null = imp,
      p_val_type = types[[pt]], r = 0.1, conf_int = FALSE)))
    bt <- suppressMessages(boottest(fit, "D", B = 9999, impose_null = imp, r = 0.1,
                                    p_type = pt, conf_int = pt == "symmetric"))
    expect_equal(bt$p.value, fw$p_val, tolerance = 1e-12)
    if (pt == "symmetric") {
      # fwildclusterboot's own p-value flips from above to below 1 - level
      # within the stated tolerance of each bound
      eps <- 2 * bt$tol * bt$std.error
      pv <- function(r) suppressWarnings(suppressMessages(fwildclusterboot::boottest(
        m, param = "D", clustid = "region", B = 9999, impose_null = imp, r = r,
        conf_int = FALSE)))$p_val
      expect_true(pv(bt$conf.low - eps) <= 0.05 && pv(bt$conf.low + eps) > 0.05)
      expect_true(pv(bt$conf.high + eps) <= 0.05 && pv(bt$conf.high - eps) > 0.05)
    }
  }
})

test_that("WCR keeps its size with 10 clusters where the clustered t test over-rejects", {
  # 2,000 simulated panels, no effect, 10 clusters (the five treated ones of
  # 1 unit, the others of 8) with cluster-by-year shocks; full enumeration (2^10 sign vectors), so the result
  # is deterministic given the seeds
  sim <- function(seed) {
    set.seed(seed)
    sizes <- rep(c(1, 8), 5)                 # units per cluster
    cl <- rep(seq_along(sizes), sizes)
    d <- expand.grid(year = 1:6, unit = seq_along(cl))
    d$cl <- cl[d$unit]
    tr <- rep(c(1, 0), 5)[d$cl]
    d$D <- as.numeric(tr == 1 & d$year >= 4)
    shock <- rnorm(60)[(d$cl - 1) * 6 + d$year]
    d$y <- shock + rnorm(nrow(d)) + d$unit / 10
    d
  }
  R <- 2000
  rej <- c(t = 0, wcr = 0)
  for (i in seq_len(R)) {
    fit <- smartdid(y ~ 1, data = sim(i), id = "unit", time = "year", treat = "D",
                    cluster = "cl")
    bt <- suppressMessages(boottest(fit, "D", B = 1024, conf_int = FALSE))
    rej <- rej + c(bt$p.value_t < 0.05, bt$p.value < 0.05)
  }
  rate <- rej / R
  # binomial: at a true 5 %, 2,000 replications fall within [3.45 %, 6.65 %]
  # with probability 0.999 (qbinom);
  # the seeds fix the outcome (WCR 5.1 %, t 7.1 % when written)
  lim <- stats::qbinom(c(0.0005, 0.9995), R, 0.05) / R
  expect_gte(rate[["wcr"]], 0.04)
  expect_lte(rate[["wcr"]], 0.06)
  expect_true(rate[["wcr"]] >= lim[1] && rate[["wcr"]] <= lim[2])
  expect_gt(rate[["t"]], lim[2])
})

test_that("print, tidy and plot", {
  d <- bt_panel()
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D",
                  cluster = "region")
  bt <- suppressMessages(boottest(fit, "D"))
  expect_snapshot(print(bt))
  td <- tidy(bt)
  expect_equal(td$term, "D")
  expect_equal(td$p.value, bt$p.value)
  expect_equal(c(td$conf.low, td$conf.high), c(bt$conf.low, bt$conf.high))
  pdf(NULL)
  on.exit(grDevices::dev.off())
  pf <- plot(bt)
  expect_true(all(c("value", "p.value") %in% names(pf)))
  expect_true(all(pf$p.value >= 0 & pf$p.value <= 1))
  skip_if_not_installed("ggplot2")
  expect_s3_class(ggplot2::autoplot(bt), "ggplot")
})

test_that("bad input gives errors that name the argument", {
  d <- bt_panel()
  fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D",
                  cluster = "region")
  expect_snapshot(error = TRUE, {
    boottest(fit, "nope")
    boottest(fit, c(D = 0))
    boottest(fit, "D", B = 0)
    boottest(fit, "D", type = "gauss")
    boottest(fit, "D", cluster = "nope")
    boottest(fit, "D", bootcluster = 3)
    boottest(fit, "D", level = 2)
    boottest(fit, "D", r = NA)
    boottest(fit, "D", p_type = "two")
    boottest(fit, "D", tol = 0)
    boottest(fit, "D", B = 9, extra = 1)
  })
  nocl <- update(fit, vcov = "hc1")
  expect_error(boottest(nocl, "D"), "'cluster' is needed")
  expect_equal(boottest(nocl, "D", cluster = "region", B = 99, seed = 1,
                        conf_int = FALSE)$p.value,
               boottest(fit, "D", B = 99, seed = 1, conf_int = FALSE)$p.value)
})

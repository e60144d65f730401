# boottest(): enumeration of the sign vectors, seeds and threads, size, and
# its argument checks (the model preparation, the intervals and the methods
# are tested in test-boottest_prep.R, test-boottest_ci.R, test-boottest_methods.R).

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

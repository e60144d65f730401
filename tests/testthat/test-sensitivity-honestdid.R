# sensitivity() against HonestDiD (release 0.2.6 builds on R 4.2 from its
# public repository; current CRAN releases need R >= 4.3) on the example
# event studies it ships: Benzarti and Carloni (BCdata_EventStudy, 4 pre and
# 4 post periods) and Lovenheim and Willen (LWdata_EventStudy, 9 pre
# periods; its first 3 post periods here, to keep HonestDiD's run short).
skip_if_not_installed("HonestDiD")
# HonestDiD is not on CRAN for this R, so it is not in Suggests: reach it by name
hd_fun <- function(f) getExportedValue("HonestDiD", f)

bc <- hd_data("BCdata_EventStudy")
lw <- hd_data("LWdata_EventStudy")
lw_b <- unname(lw$betahat[1:12])
lw_S <- unname(lw$sigma[1:12, 1:12])
cases <- list(bc = list(b = unname(bc$betahat), S = unname(bc$sigma), K = 4L, T = 4L),
              lw = list(b = lw_b, S = lw_S, K = 9L, T = 3L))
targets <- function(T) list(first = c(1, rep(0, T - 1)), average = rep(1 / T, T))

# The exact 1 - alpha quantile of |N(mu, sd)| (HonestDiD simulates it with
# 1e6 draws), by root finding on the folded normal's distribution function.
exact_qfold <- function(p, mu = 0, sd = 1, ...) {
  vapply(mu, function(m) {
    f <- function(c) pnorm((c - m) / sd) - pnorm((-c - m) / sd) - p
    uniroot(f, c(0, abs(m) + 10 * sd), tol = 1e-14)$root
  }, 1)
}

# Run HonestDiD with its simulated folded-normal quantile replaced by the
# exact one, so that what is compared is the optimisation, not the draws.
with_exact_quantile <- function(expr) {
  ns <- asNamespace("HonestDiD")
  old <- get(".qfoldednormal", envir = ns)
  utils::assignInNamespace(".qfoldednormal", exact_qfold, "HonestDiD")
  on.exit(utils::assignInNamespace(".qfoldednormal", old, "HonestDiD"))
  expr
}

test_that("the original interval equals HonestDiD's", {
  for (cs in cases) {
    es <- sens_es(cs$b, cs$S, cs$K)
    for (l in targets(cs$T)) {
      hd <- hd_fun("constructOriginalCS")(cs$b, cs$S, cs$K, cs$T, l_vec = l)
      s <- sensitivity(es, Mbar = 0, target = l, breakdown = FALSE)$original
      expect_equal(c(s$conf.low, s$conf.high), c(hd$lb, hd$ub), tolerance = 1e-10)
    }
  }
})

# HonestDiD is slow (minutes per interval for the hybrid tests with several
# post periods); the default run checks one case of each kind, and
# SMARTDID_HONESTDID_FULL=true runs the whole grid of cases.
full <- identical(Sys.getenv("SMARTDID_HONESTDID_FULL"), "true")

test_that("the FLCI equals HonestDiD's to 1e-5", {
  skip_if_not_installed("quadprog")
  # (the full run compares every case: see the smoothness test below)
  cs <- cases$bc
  es <- sens_es(cs$b, cs$S, cs$K)
  M <- sqrt(cs$S[cs$K + 1, cs$K + 1]) * 0.5
  l <- targets(cs$T)$first
  s <- sensitivity(es, type = "smoothness", M = M, target = l, breakdown = FALSE)$results
  hd <- with_exact_quantile(hd_fun("findOptimalFLCI")(
    cs$b, cs$S, M = M, numPrePeriods = cs$K, numPostPeriods = cs$T, l_vec = l))
  expect_lt(abs(s$conf.low - hd$FLCI[1]), 1e-5)
  expect_lt(abs(s$conf.high - hd$FLCI[2]), 1e-5)
})

# The conditional and hybrid tests: the accept/reject decision of smartdid's
# closed-form test equals HonestDiD's LP-based one at every point of
# HonestDiD's grid (same least-favourable draws: seed 0); and the exact
# bounds of sensitivity() lie within one step outside HonestDiD's smallest
# and largest accepted grid points (unless those are the grid's own ends,
# where HonestDiD's interval is cut off).
check_grid <- function(hd, es, l, type, method, bound) {
  inp <- smartdid:::sens_inputs(es)
  mine <- smartdid:::sens_accept(inp, l, type, method, bound, 0.05, 0L, hd$grid)
  expect_equal(mine, hd$accept == 1)
  acc <- hd$grid[hd$accept == 1]
  step <- diff(hd$grid[1:2])
  s <- sensitivity(es, type = type, Mbar = bound, M = bound, target = l,
                   method = method, breakdown = FALSE)$results
  tol <- 1e-7 * step
  if (min(acc) > hd$grid[1]) {
    expect_true(s$conf.low <= min(acc) + tol && s$conf.low > min(acc) - step - tol)
  } else {
    expect_lte(s$conf.low, min(acc) + tol)
  }
  if (max(acc) < max(hd$grid)) {
    expect_true(s$conf.high >= max(acc) - tol && s$conf.high < max(acc) + step + tol)
  } else {
    expect_gte(s$conf.high, max(acc) - tol)
  }
  invisible(data.frame(lb = s$conf.low, ub = s$conf.high, hd_lb = min(acc),
                       hd_ub = max(acc), step = step, agree = sum(mine == (hd$accept == 1)),
                       points = length(mine)))
}

test_that("relative magnitudes, one post period: HonestDiD's grid", {
  b <- cases$bc$b[1:5]
  S <- cases$bc$S[1:5, 1:5]
  es <- sens_es(b, S, 4)
  for (m in c("C-LF", "Conditional")) {
    for (Mbar in c(0.5, 1, 2)) {
      # (HonestDiD warns when its grid cuts the interval off)
      hd <- suppressWarnings(hd_fun("computeConditionalCS_DeltaRM")(
        b, S, 4, 1, l_vec = 1, Mbar = Mbar, hybrid_flag = if (m == "C-LF") "LF" else "ARP"))
      check_grid(hd, es, 1, "relative", m, Mbar)
    }
  }
})

test_that("relative magnitudes, several post periods: HonestDiD's grid", {
  # Benzarti-Carloni's last 2 pre and first 2 post periods by default
  sub <- if (full) list(list(i = 1:8, K = 4L, T = 4L)) else list(list(i = 3:6, K = 2L, T = 2L))
  for (cs in sub) {
    b <- cases$bc$b[cs$i]
    S <- cases$bc$S[cs$i, cs$i]
    es <- sens_es(b, S, cs$K)
    tg <- if (full) targets(cs$T) else targets(cs$T)["first"]
    for (l in tg) {
      for (m in if (full) c("C-LF", "Conditional") else "C-LF") {
        for (Mbar in if (full) c(0.5, 2) else 1) {
          hd <- suppressWarnings(hd_fun("computeConditionalCS_DeltaRM")(
            b, S, cs$K, cs$T, l_vec = l, Mbar = Mbar, gridPoints = 200,
            hybrid_flag = if (m == "C-LF") "LF" else "ARP"))
          check_grid(hd, es, l, "relative", m, Mbar)
        }
      }
    }
  }
})

# Smoothness with several post periods, the full comparison (HonestDiD takes
# about a minute per interval here): three coefficient sets (Benzarti-Carloni,
# 4 pre and 4 post; Lovenheim-Willen, 9 pre and its first 3 post; a
# synthetic one with 3 and 3 and correlated neighbours), targets first,
# average and a numeric vector, M grids that include 0. The FLCI to 1e-5
# (HonestDiD run with the exact folded-normal quantile); the conditional and hybrid
# tests on HonestDiD's default grid of 1,000 points: the same decision at
# every point and the exact bounds within one step outside its accepted
# set. SMARTDID_HONESTDID_LOG names a CSV that receives every comparison.
# (Each interval takes HonestDiD about a minute here.)
test_that("smoothness, several post periods: FLCI and conditional/hybrid", {
  skip_if_not(full, "set SMARTDID_HONESTDID_FULL=true (HonestDiD takes minutes)")
  skip_if_not_installed("quadprog")
  syn <- list(b = c(0.03, -0.01, 0.02, 0.25, 0.30, 0.28),
              S = sens_sigma(6, scale = 0.004), K = 3L, T = 3L)
  sets <- list(synthetic = syn, bc = cases$bc, lw = cases$lw)
  # SMARTDID_HONESTDID_SETS (such as "bc,lw") and SMARTDID_HONESTDID_TARGETS
  # (such as "first,numeric") run some of them
  only <- strsplit(Sys.getenv("SMARTDID_HONESTDID_SETS"), ",")[[1]]
  if (length(only)) sets <- sets[names(sets) %in% only]
  only_t <- strsplit(Sys.getenv("SMARTDID_HONESTDID_TARGETS"), ",")[[1]]
  numeric_target <- list(`4` = c(0.1, 0.2, 0.3, 0.4), `3` = c(0.5, 0.3, 0.2))
  log <- list()
  save_log <- function(log) {
    out <- Sys.getenv("SMARTDID_HONESTDID_LOG")
    if (nzchar(out)) utils::write.csv(do.call(rbind, log), out, row.names = FALSE)
  }
  for (nm in names(sets)) {
    cs <- sets[[nm]]
    es <- sens_es(cs$b, cs$S, cs$K)
    sdt <- sqrt(cs$S[cs$K + 1, cs$K + 1])
    tg <- c(targets(cs$T), list(numeric = numeric_target[[as.character(cs$T)]]))
    if (length(only_t)) tg <- tg[names(tg) %in% only_t]
    for (tn in names(tg)) {
      l <- tg[[tn]]
      for (M in sdt * c(0, 0.5, 1)) {
        s <- sensitivity(es, type = "smoothness", M = M, target = l,
                         breakdown = FALSE)$results
        hd <- with_exact_quantile(hd_fun("findOptimalFLCI")(
          cs$b, cs$S, M = M, numPrePeriods = cs$K, numPostPeriods = cs$T, l_vec = l))
        # HonestDiD's convex solver (ECOS) can stop short of the optimum where
        # the half-length is flat in the weights (Lovenheim-Willen, M = 0:
        # its weights miss the linear-trend constraint by 1e-7 and move the
        # centre by 4e-4). Where the ends differ by more than 1e-5, smartdid's
        # weights must give an interval no longer than HonestDiD's weights do
        # (evaluated exactly) and the half-lengths must agree to 1e-5.
        if (max(abs(c(s$conf.low, s$conf.high) - hd$FLCI)) >= 1e-5) {
          st <- smartdid:::flci_setup(cs$S, cs$K, cs$T, l)
          hl_hd <- smartdid:::flci_halflength(hd$optimalVec[seq_len(cs$K)], st, M, 0.05)
          expect_lte((s$conf.high - s$conf.low) / 2, hl_hd + 1e-12)
          expect_lt(abs((s$conf.high - s$conf.low) / 2 - diff(hd$FLCI) / 2), 1e-5)
          expect_lt(abs(sum(st$tpre * hd$optimalVec[seq_len(cs$K)]) - st$e), 1e-5)
        } else {
          expect_lt(abs(s$conf.low - hd$FLCI[1]), 1e-5)
          expect_lt(abs(s$conf.high - hd$FLCI[2]), 1e-5)
        }
        log[[length(log) + 1L]] <- data.frame(
          set = nm, target = tn, M = M, method = "FLCI", lb = s$conf.low,
          ub = s$conf.high, hd_lb = hd$FLCI[1], hd_ub = hd$FLCI[2], step = NA,
          agree = NA, points = NA)
        save_log(log)
        if (M > sdt * 0.5) next
        for (flag in c("LF", "ARP")) {
          hd <- suppressWarnings(hd_fun("computeConditionalCS_DeltaSD")(
            cs$b, cs$S, cs$K, cs$T, l_vec = l, M = M, hybrid_flag = flag))
          m <- if (flag == "LF") "C-LF" else "Conditional"
          g <- check_grid(hd, es, l, "smoothness", m, M)
          log[[length(log) + 1L]] <- data.frame(set = nm, target = tn, M = M, method = m, g)
          save_log(log)
        }
      }
    }
  }
})

# The imputation event study (R/sens_reference.R): HonestDiD fed the mapped
# coefficients and covariance gives sensitivity()'s intervals (relative
# magnitudes on its grid by default; the FLCI, slow in HonestDiD, in the
# full run).
test_that("imputation event study: HonestDiD on the mapped coefficients", {
  set.seed(4)
  d <- expand.grid(year = 2001:2012, unit = 1:60)
  d$first <- ifelse(d$unit <= 40, 2005 + d$unit %% 4, NA)
  d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
  d$y <- 0.5 * d$D + d$unit / 20 + rnorm(nrow(d), sd = 0.3)
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  bjs <- suppressMessages(event_study(fit, leads = 3, lags = 0, estimator = "imputation"))
  inp <- smartdid:::sens_inputs(suppressMessages(smartdid:::sens_prepare(bjs)))
  b <- unname(inp$beta)
  S <- unname(inp$sigma)
  man <- sens_es(b, S, inp$K)
  for (Mbar in c(0.5, 1)) {
    hd <- suppressWarnings(hd_fun("computeConditionalCS_DeltaRM")(
      b, S, inp$K, 1, l_vec = 1, Mbar = Mbar, hybrid_flag = "LF"))
    check_grid(hd, man, 1, "relative", "C-LF", Mbar)
    s <- suppressMessages(sensitivity(bjs, Mbar = Mbar, breakdown = FALSE))$results
    sm <- sensitivity(man, Mbar = Mbar, breakdown = FALSE)$results
    expect_equal(s[c("conf.low", "conf.high")], sm[c("conf.low", "conf.high")],
                 tolerance = 1e-12)
  }
  skip_if_not(full, "set SMARTDID_HONESTDID_FULL=true (HonestDiD takes minutes)")
  skip_if_not_installed("quadprog")
  M <- sqrt(S[inp$K + 1, inp$K + 1]) / 2
  s <- suppressMessages(sensitivity(bjs, type = "smoothness", M = M,
                                    breakdown = FALSE))$results
  hd <- with_exact_quantile(hd_fun("findOptimalFLCI")(
    b, S, M = M, numPrePeriods = inp$K, numPostPeriods = 1, l_vec = 1))
  expect_lt(abs(s$conf.low - hd$FLCI[1]), 1e-5)
  expect_lt(abs(s$conf.high - hd$FLCI[2]), 1e-5)
})

# Callaway-Sant'Anna with a varying base period (R/sens_reference.R): the
# universal-base re-estimate's coefficients fed to HonestDiD give the
# original interval to 1e-10 and the same relative-magnitudes decisions on
# its grid; sensitivity() of the varying-base event study is that of the
# universal one.
test_that("CS with a varying base period: HonestDiD on the universal-base coefficients", {
  set.seed(5)
  d <- expand.grid(year = 2001:2012, unit = 1:60)
  d$first <- ifelse(d$unit <= 40, 2005 + d$unit %% 4, NA)
  d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
  d$y <- 0.5 * d$D + d$unit / 20 + rnorm(nrow(d), sd = 0.3)
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  csv <- suppressMessages(event_study(fit, leads = 3, lags = 0, estimator = "cs"))
  csu <- suppressMessages(event_study(fit, leads = 3, lags = 0, estimator = "cs",
                                      base_period = "universal"))
  inp <- smartdid:::sens_inputs(csu)
  b <- unname(inp$beta)
  S <- unname(inp$sigma)
  expect_equal(inp$K, 2L)
  hd <- hd_fun("constructOriginalCS")(b, S, inp$K, 1, l_vec = 1)
  s <- suppressMessages(sensitivity(csv, Mbar = c(0.5, 1), breakdown = FALSE))
  expect_equal(c(s$original$conf.low, s$original$conf.high), c(hd$lb, hd$ub),
               tolerance = 1e-10)
  for (Mbar in c(0.5, 1)) {
    hd <- suppressWarnings(hd_fun("computeConditionalCS_DeltaRM")(
      b, S, inp$K, 1, l_vec = 1, Mbar = Mbar, hybrid_flag = "LF"))
    g <- check_grid(hd, csu, 1, "relative", "C-LF", Mbar)
    expect_equal(unlist(s$results[s$results$bound == Mbar, c("conf.low", "conf.high")]),
                 c(conf.low = g$lb, conf.high = g$ub), tolerance = 1e-12)
  }
})

# sensitivity() against HonestDiD (release 0.2.6 builds on R 4.2 from its
# public repository; current CRAN releases need R >= 4.3) on the example
# event studies it ships: Benzarti and Carloni (BCdata_EventStudy, 4 pre and
# 4 post periods) and Lovenheim and Willen (LWdata_EventStudy, 9 pre
# periods; its first 3 post periods here, to keep HonestDiD's run short).
skip_if_not_installed("HonestDiD")

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
      hd <- HonestDiD::constructOriginalCS(cs$b, cs$S, cs$K, cs$T, l_vec = l)
      s <- sensitivity(es, Mbar = 0, target = l, breakdown = FALSE)$original
      expect_equal(c(s$conf.low, s$conf.high), c(hd$lb, hd$ub), tolerance = 1e-10)
    }
  }
})

test_that("the FLCI equals HonestDiD's to 1e-5", {
  skip_if_not_installed("quadprog")
  for (cs in cases) {
    es <- sens_es(cs$b, cs$S, cs$K)
    sdt <- sqrt(cs$S[cs$K + 1, cs$K + 1])
    for (l in targets(cs$T)) {
      for (M in sdt * c(0, 0.1, 0.5, 1, 2)) {
        s <- sensitivity(es, type = "smoothness", M = M, target = l,
                         breakdown = FALSE)$results
        hd <- with_exact_quantile(HonestDiD::findOptimalFLCI(
          cs$b, cs$S, M = M, numPrePeriods = cs$K, numPostPeriods = cs$T, l_vec = l))
        half <- (hd$FLCI[2] - hd$FLCI[1]) / 2
        expect_lt(abs(s$conf.low - hd$FLCI[1]), 1e-5 * half)
        expect_lt(abs(s$conf.high - hd$FLCI[2]), 1e-5 * half)
        # HonestDiD as shipped: its simulated quantile is off by about 1e-3
        hd0 <- HonestDiD::findOptimalFLCI(cs$b, cs$S, M = M, numPrePeriods = cs$K,
                                          numPostPeriods = cs$T, l_vec = l)
        expect_lt(abs(s$conf.low - hd0$FLCI[1]), 5e-3 * half)
      }
    }
  }
})

# HonestDiD's conditional and hybrid intervals are the smallest and largest
# accepted points of its grid; the exact bounds computed here must lie
# within one step outside them: lb in (HD lb - step, HD lb], ub in
# [HD ub, HD ub + step).
expect_bracketed <- function(s, hd, step) {
  tol <- 1e-7 * step
  expect_true(s$conf.low <= hd$lb + tol && s$conf.low > hd$lb - step - tol,
              info = paste("lower", s$conf.low, hd$lb, step))
  expect_true(s$conf.high >= hd$ub - tol && s$conf.high < hd$ub + step + tol,
              info = paste("upper", s$conf.high, hd$ub, step))
}

test_that("relative magnitudes: C-LF and conditional bracketed by HonestDiD's grid", {
  skip_on_cran()
  cs <- cases$bc
  es <- sens_es(cs$b, cs$S, cs$K)
  for (l in targets(cs$T)) {
    sdt <- sqrt(drop(t(l) %*% cs$S[5:8, 5:8] %*% l))
    step <- 40 * sdt / 999
    for (m in c("C-LF", "Conditional")) {
      hd <- suppressWarnings(HonestDiD::createSensitivityResults_relativeMagnitudes(
        cs$b, cs$S, cs$K, cs$T, Mbarvec = c(0.5, 2), l_vec = l, method = m))
      s <- sensitivity(es, Mbar = c(0.5, 2), target = l, method = m,
                       breakdown = FALSE)$results
      for (i in 1:2) expect_bracketed(s[i, ], hd[i, ], step)
    }
  }
})

test_that("smoothness: C-LF and conditional bracketed by HonestDiD's grid", {
  skip_on_cran()
  cs <- cases$bc
  es <- sens_es(cs$b, cs$S, cs$K)
  l <- targets(cs$T)$average
  for (M in c(0, 0.02)) {
    for (flag in c("LF", "ARP")) {
      hd <- HonestDiD::computeConditionalCS_DeltaSD(cs$b, cs$S, cs$K, cs$T, l_vec = l,
                                                    M = M, hybrid_flag = flag)
      acc <- hd$grid[hd$accept == 1]
      s <- sensitivity(es, type = "smoothness", M = M, target = l,
                       method = if (flag == "LF") "C-LF" else "Conditional",
                       breakdown = FALSE)$results
      expect_bracketed(s, list(lb = min(acc), ub = max(acc)), diff(hd$grid[1:2]))
    }
  }
})

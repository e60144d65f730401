test_that("the TWFE event study counts the rows it sets aside", {
  d <- sim_panel(n_units = 30, n_periods = 10, seed = 11)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", cohort = "first")
  es <- event_study(fit, leads = 2, lags = 2, bin = FALSE)
  dr <- es$info$dropped
  rel <- d$year - d$first
  outside <- sum(!is.na(rel) & (rel < -2 | rel > 2))
  expect_identical(as.integer(dr$rows[dr$reason == "outside the event window (bin = FALSE)"]),
                   as.integer(outside))
  expect_identical(nobs(es), nrow(d) - outside)
  # binned: nothing set aside, the end dummies pool the rest
  eb <- event_study(fit, leads = 2, lags = 2, bin = TRUE)
  expect_identical(nobs(eb), nrow(d))
  expect_equal(sum(eb$estimates$n_obs[eb$estimates$rel_time == 2]),
                   sum(!is.na(rel) & rel >= 2))
})

# The influence functions of the TWFE coefficients, against a hand-written
# reference: lm() with explicit unit and year dummies, its bread and
# residuals, the scores summed within clusters.
twfe_psi_reference <- function(es, d, cluster, weights = NULL) {
  m <- es$model
  rows <- m$obs
  dd <- d[rows, ]
  rel <- pmin(pmax(dd$year - dd$first, -es$info$leads), es$info$lags)   # binned
  terms <- colnames(es$vcov)
  k <- as.numeric(sub("rel::", "", terms))
  D <- vapply(k, function(v) as.numeric(!is.na(rel) & rel == v), numeric(nrow(dd)))
  X <- cbind(D, dd$x1, stats::model.matrix(~ factor(unit) + factor(year), dd))
  w <- if (is.null(weights)) rep(1, nrow(dd)) else dd[[weights]]
  r <- stats::lm.wfit(X, dd$y, w)
  ok <- !is.na(r$coefficients)
  Xk <- X[, ok]
  B <- solve(crossprod(Xk, w * Xk))
  S <- rowsum(Xk * (w * r$residuals), dd[[cluster]]) %*% B
  S[, seq_along(terms)] * sqrt(m$vcov_info$factor)
}

test_that("TWFE event-study influence functions reproduce the clustered vcov", {
  d <- sim_panel(n_units = 48, n_periods = 9, seed = 21)
  d$prov <- (d$unit %% 12) + 1
  for (wt in list(NULL, "w")) {
    for (cl in c("unit", "prov")) {
      fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", cohort = "first",
                      cluster = cl, weights = wt)
      es <- event_study(fit, leads = 3, lags = 3)
      inf <- es$influence
      expect_false(is.null(inf))
      expect_identical(colnames(inf$psi), colnames(es$vcov))
      expect_null(inf$sign)
      expect_equal(inf$factor * crossprod(inf$psi), es$vcov, tolerance = 1e-10)
      expect_setequal(inf$ids, unique(d[[cl]]))
      ref <- twfe_psi_reference(es, d, cl, wt)
      expect_equal(unname(inf$psi), unname(ref[as.character(inf$ids), ]), tolerance = 1e-8)
    }
  }
})

test_that("two-way clustered TWFE influence functions carry signs that reproduce vcov", {
  d <- sim_panel(n_units = 48, n_periods = 9, seed = 22)
  d$prov <- (d$unit %% 12) + 1
  d$zone <- (d$unit * 5 + d$year) %% 11 + 1
  for (wt in list(NULL, "w")) {
    fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", cohort = "first",
                    cluster = c("prov", "zone"), weights = wt)
    es <- event_study(fit, leads = 2, lags = 3)
    inf <- es$influence
    G <- c(length(unique(d$prov)), length(unique(d$zone)),
           nrow(unique(d[c("prov", "zone")])))
    expect_identical(as.vector(table(factor(inf$cluster, unique(inf$cluster)))), G)
    expect_identical(inf$sign, rep(c(1, 1, -1), G))
    expect_equal(inf$factor * crossprod(inf$psi, inf$sign * inf$psi), es$vcov,
                 tolerance = 1e-10)
    expect_equal(es_influence_vcov(inf), es$vcov, tolerance = 1e-10)
    # each block is the one-way influence of its clustering
    one <- event_study(update(fit, cluster = "prov"), leads = 2, lags = 3)$influence
    expect_equal(inf$psi[inf$cluster == "prov", ],
                 one$psi * sqrt(fit$vcov_info$factor /
                                  update(fit, cluster = "prov")$vcov_info$factor),
                 tolerance = 1e-10, ignore_attr = TRUE)
  }
})

test_that("TWFE influence functions survive extreme scales and are absent without clusters", {
  d <- sim_panel(n_units = 40, n_periods = 8, seed = 23)
  d$y <- d$y * 1e150
  d$x1 <- d$x1 * 1e-120
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", cohort = "first")
  es <- event_study(fit, leads = 2, lags = 2)
  expect_equal(crossprod(es$influence$psi), es$vcov, tolerance = 1e-10)
  expect_null(event_study(update(fit, vcov = "hc1"), leads = 2, lags = 2)$influence)
  expect_null(event_study(update(fit, vcov = "iid"), leads = 2, lags = 2)$influence)
})

agg_data <- function(n = 120, seed = 3) {
  d <- sim_panel(n, 10, seed = seed)
  d$y <- d$y + ifelse(d$D == 1, (d$year - d$first) * 0.3, 0)
  d$g <- ifelse(is.na(d$first), 0, d$first)
  d
}

test_that("aggregations equal did::aggte (analytic std. errors)", {
  skip_if_not_installed("did", minimum_version = "2.3")  # older group SEs differ
  d <- agg_data()
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  for (ctl in c("never", "notyet")) {
    cg <- if (ctl == "never") "nevertreated" else "notyettreated"
    at <- att_gt(fit, comparison = ctl, adjust = "or", bootstrap = FALSE)
    ref <- did::att_gt("y", "year", "unit", "g", xformla = ~x1, data = d,
                       control_group = cg, est_method = "reg", bstrap = FALSE,
                       cband = FALSE)
    for (ty in c("simple", "dynamic", "group", "calendar")) {
      a <- att_aggregate(at, ty)
      r <- did::aggte(ref, type = ty, bstrap = FALSE, cband = FALSE)
      expect_lt(abs(a$overall$estimate - r$overall.att), 1e-10)
      expect_lt(rel_err(a$overall$std.error, r$overall.se), 1e-10)
      if (ty != "simple") {
        expect_identical(a$estimates[[1]], as.numeric(r$egt))
        expect_lt(max(abs(a$estimates$estimate - r$att.egt)), 1e-10)
        expect_lt(rel_err(a$estimates$std.error, r$se.egt), 1e-10)
      }
    }
  }
})

test_that("aggregations equal did::aggte on mpdta (doubly robust, universal base)", {
  skip_if_not_installed("did", minimum_version = "2.3")  # older group SEs differ
  data("mpdta", package = "did", envir = environment())
  fit <- smartdid(lemp ~ lpop, data = mpdta, id = "countyreal", time = "year",
                  cohort = "first.treat")
  at <- att_gt(fit, base_period = "universal", bootstrap = FALSE)
  ref <- did::att_gt("lemp", "year", "countyreal", "first.treat", xformla = ~lpop,
                     data = mpdta, base_period = "universal", bstrap = FALSE,
                     cband = FALSE)
  for (ty in c("simple", "dynamic", "group", "calendar")) {
    a <- att_aggregate(at, ty)
    r <- did::aggte(ref, type = ty, bstrap = FALSE, cband = FALSE, na.rm = TRUE)
    expect_lt(abs(a$overall$estimate - r$overall.att), 1e-8)
    expect_lt(rel_err(a$overall$std.error, r$overall.se), 1e-8)
    if (ty != "simple") {
      expect_lt(max(abs(a$estimates$estimate - r$att.egt)), 1e-8)
      ok <- !is.na(r$se.egt)
      expect_identical(is.na(a$estimates$std.error), !ok)
      expect_lt(rel_err(a$estimates$std.error[ok], r$se.egt[ok]), 1e-8)
    }
  }
})

test_that("the simple ATT is the group-share weighted mean of post cells", {
  d <- agg_data()
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  at <- att_gt(fit, bootstrap = FALSE)
  e <- at$estimates
  n_g <- table(d$first[d$year == 2001])
  post <- e$time >= e$group
  w <- as.numeric(n_g[as.character(e$group[post])])
  expect_equal(att_aggregate(at, "simple")$overall$estimate,
               sum(w * e$estimate[post]) / sum(w), tolerance = 1e-12)
  g <- att_aggregate(at, "group")
  expect_equal(g$estimates$estimate,
               as.numeric(tapply(e$estimate[post], e$group[post], mean)),
               tolerance = 1e-12)
  dy <- att_aggregate(at, "dynamic", min_e = -2, max_e = 3)
  expect_identical(dy$estimates$rel_time, c(-2, -1, 0, 1, 2, 3))
})

test_that("bootstrap aggregation gives a uniform band over event times", {
  d <- agg_data(80)
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  at <- att_gt(fit, seed = 3, draws = 499)
  a <- att_aggregate(at, "dynamic")
  expect_true(a$bootstrap)
  expect_gt(a$crit, qnorm(0.975))
  an <- att_aggregate(at, "dynamic", bootstrap = FALSE)
  expect_lt(max(abs(a$estimates$std.error / an$estimates$std.error - 1)), 0.25)
  expect_equal(an$estimates$conf.low,
               an$estimates$estimate - qnorm(0.975) * an$estimates$std.error)
})

test_that("es_cs() returns the common event-study structure", {
  d <- agg_data()
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  es <- es_cs(fit, leads = 3, lags = 4)
  expect_s3_class(es, "smartdid_es")   # estimators return the contract (issue 16)
  expect_equal(es$info$clock$spacing, 1)
  expect_identical(es$estimator, "cs")
  expect_identical(es$estimates$rel_time, as.numeric(-3:4))
  expect_equal(sqrt(diag(es$vcov)), es$estimates$std.error, tolerance = 1e-12,
               ignore_attr = TRUE)
  at <- att_gt(fit, bootstrap = FALSE)
  s <- att_aggregate(at, "simple")
  expect_equal(es$overall$estimate, s$overall$estimate)
  expect_equal(es$overall$std.error, s$overall$std.error)
  expect_identical(es$nobs, nrow(d))
  esb <- es_cs(fit, leads = 3, lags = 4, bootstrap = TRUE, seed = 1, draws = 299)
  expect_equal(esb$estimates$estimate, es$estimates$estimate)
  expect_gt(esb$info$crit, qnorm(0.975))
  expect_equal(esb$estimates$conf.high - esb$estimates$estimate,
               esb$info$crit * esb$estimates$std.error)
  es2 <- es_cs(fit, comparison = "notyet", base_period = "universal")
  expect_identical(es2$info$base_period, "universal")
  expect_equal(es2$estimates$estimate[es2$estimates$rel_time == -1], 0)
})

test_that("CS recovers heterogeneous dynamic effects where TWFE does not", {
  s <- sim_dynamic(300, 10, seed = 2)
  fit <- smartdid(y ~ 1, data = s$data, id = "unit", time = "year", treat = "D")
  es <- es_cs(fit)
  expect_recovers_truth(es, s)
  # the TWFE coefficient is far from the ATT
  tw <- tidy(fit)
  expect_gt(abs(tw$estimate - s$att), 4 * tw$std.error)
})

test_that("print(), tidy() and plot() of aggregations", {
  d <- agg_data(60)
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  at <- att_gt(fit, bootstrap = FALSE)
  s <- aggregate(at, "simple")
  expect_identical(tidy(s), s$overall)
  expect_error(plot(s), "no rows to plot")
  g <- aggregate(at, "group")
  expect_named(tidy(g)[1:2], c("group", "estimate"))
  out <- capture.output(print(g))
  expect_match(out[1], "by group")
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  expect_identical(plot(g), g$estimates)
  expect_error(att_aggregate(fit), "must be a result of att_gt")
})

test_that("the estimated-weight influence term equals its units x cells matrix form", {
  set.seed(1)
  coh <- sample(c(3, 4, 5, Inf), 200, TRUE)
  uw <- runif(200)
  group <- rep(c(3, 4, 5), each = 4)
  pg <- c(0.2, 0.3, 0.25)[match(group, c(3, 4, 5))]
  keep <- c(1, 2, 5, 6, 7, 11)
  est <- rnorm(6)
  S <- sum(pg[keep])
  ind <- sapply(keep, function(k) uw * (coh == group[k]) - pg[k])
  full <- ind / S - outer(rowSums(ind), pg[keep] / S^2)
  expect_equal(agg_wif_dot(keep, pg, coh, group, uw, est), drop(full %*% est),
               tolerance = 1e-13)
})

test_that("the CS event study keeps the contract on unbalanced, weighted, clustered panels", {
  d <- sim_panel(150, 10, seed = 7)
  d$y <- d$y + ifelse(d$D == 1, (d$year - d$first) * 0.3, 0)
  set.seed(7)
  d <- d[runif(nrow(d)) > 0.15, ]
  d <- d[d$unit %in% names(which(table(d$unit) >= 2)), ]
  d$state <- (d$unit - 1) %/% 5
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first",
                  weights = "w", cluster = "state")
  es <- event_study(fit, estimator = "cs")
  est <- es$estimates[!es$estimates$reference, ]
  expect_equal(unname(es$vcov), unname(es$influence$factor * crossprod(es$influence$psi)),
               tolerance = 1e-12)
  expect_equal(sqrt(diag(es$vcov)), est$std.error, ignore_attr = TRUE, tolerance = 1e-10)
  expect_equal(nrow(es$influence$psi), length(unique(d$state)))
  expect_equal(sum(es$overall_weights * est$estimate), es$overall$estimate, tolerance = 1e-10)
  at <- att_gt(fit, bootstrap = FALSE)
  expect_identical(at$data_type, "unbalanced")
  expect_equal(es$overall$estimate, att_aggregate(at, "simple")$overall$estimate,
               tolerance = 1e-12)
})

test_that("aggregates of compact influence functions equal those of the dense matrix", {
  d <- agg_data()
  d$st <- d$unit %/% 4
  for (ctl in list(NULL, "x1")) {
    cd <- smartdid::cs_data(d, "y", "year", "first", id = "unit", controls = ctl,
                            cluster = "st")
    at <- att_gt(cd, bootstrap = FALSE)
    expect_s3_class(.subset2(at, "psi"), "smartdid_cs_psi")
    dense <- at
    dense$psi <- at$psi                          # the matrix, materialised
    expect_true(is.matrix(.subset2(dense, "psi")))
    for (type in c("simple", "dynamic", "group", "calendar")) {
      a <- att_aggregate(at, type)
      b <- att_aggregate(dense, type)
      expect_equal(a$estimates, b$estimates, tolerance = 1e-10)
      expect_equal(a$overall, b$overall, tolerance = 1e-10)
      expect_equal(a$psi, b$psi, tolerance = 1e-10)
      # the influence functions by hand: psi %*% (cell weights) for the overall
      # effect of the group aggregation's rows (equal weights within a group)
      if (type == "group") {
        e <- at$estimates
        ok <- !is.na(e$estimate) & e$post
        g1 <- a$estimates$group[1]
        w <- as.numeric(ok & e$group == g1) / sum(ok & e$group == g1)
        expect_equal(a$psi[, 1], drop(at$psi %*% w), tolerance = 1e-10)
      }
    }
    ab <- att_aggregate(at, "dynamic", bootstrap = TRUE, draws = 99)
    expect_equal(nrow(ab$estimates), nrow(att_aggregate(dense, "dynamic")$estimates))
  }
})

# boottest()'s model preparation (R/boottest_prep.R): fixed effects, weights,
# linear combinations, bootstrap clusterings and two-way clustering, each
# against a brute-force re-estimation of every draw (helper-boottest.R).

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
  fit <- suppressWarnings(smartdid(y ~ x, data = d, id = "unit", time = "year",
                                   treat = "D", cluster = c("region", "prov")))
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

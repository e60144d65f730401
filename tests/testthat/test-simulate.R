ctrl7 <- c("Wage", "Pinf", "Fiscal", "Infra", "Fdi", "Sic", "Green")
no_policies <- c(Lowc = 0, Inno = 0, Tanp = 0)
per_city <- function(d) d[!duplicated(d$city), ]

test_that("smartcity has the study's shape and counts", {
  d <- smartcity
  expect_s3_class(d, "data.frame")
  expect_identical(dim(d), c(3978L, 40L))
  expect_identical(names(d)[1:23], c(
    "city", "province", "region", "south", "central_city", "tier2plus",
    "year", "pilot_year", "pilot", "Smart_Policy", "Carbon", "CEI", "Wage",
    "Pinf", "Fiscal", "Infra", "Fdi", "Sic", "Green", "Ind_Pro", "Lowc",
    "Inno", "Tanp"))
  expect_true(all(c("Digital", "Green_patent", "Human_capital", "Gdp_pc",
                    "Agglomeration", "Env_reg", "gas", "lpg", "electricity",
                    "coal_share", "va_primary", "va_secondary", "va_tertiary",
                    "emp_primary", "emp_secondary", "emp_tertiary", "pop") %in%
                    names(d)))
  # balanced: every city in every year 2003-2020, sorted by city and year
  expect_identical(length(unique(d$city)), 221L)
  expect_identical(sort(unique(d$year)), 2003:2020)
  expect_true(all(table(d$city) == 18L))
  expect_identical(anyDuplicated(d[c("city", "year")]), 0L)
  expect_identical(order(d$city, d$year), seq_len(nrow(d)))
  cy <- per_city(d)
  expect_equal(as.vector(table(cy$pilot_year, useNA = "always")),
               c(37L, 31L, 18L, 135L))
  expect_identical(names(table(cy$pilot_year)), c("2012", "2013", "2014"))
  expect_identical(sum(cy$pilot), 86L)
  expect_equal(c(table(cy$region))[c("east", "northeast", "central", "west")],
               c(east = 56L, northeast = 28L, central = 65L, west = 72L))
  expect_identical(sum(cy$south), 112L)
  expect_identical(sum(cy$south == 0L), 109L)
  expect_identical(sum(cy$central_city), 12L)
  expect_identical(sum(cy$tier2plus), 20L)
  expect_true(all(cy$tier2plus[cy$central_city == 1L] == 1L))
  expect_identical(sum(d$central_city == 0L), 3762L)   # Table 5, peripheral
  expect_identical(sum(d$tier2plus == 1L), 360L)       # Table 9, tier
  # provinces: about 30, each inside one region and one side of the line
  expect_identical(length(unique(cy$province)), 30L)
  expect_true(all(tapply(cy$region, cy$province, function(x) length(unique(x))) == 1L))
  expect_true(all(tapply(cy$south, cy$province, function(x) length(unique(x))) == 1L))
  expect_true(all(cy$south[cy$region == "northeast"] == 0L))
  # city-level columns are constant within city
  for (v in c("province", "region", "south", "central_city", "tier2plus",
              "pilot_year", "pilot", "Digital")) {
    expect_true(all(tapply(d[[v]], d$city, function(x) length(unique(x))) == 1L),
                label = v)
  }
})

test_that("smartcity's treatment, policy and missing-value columns are coherent", {
  d <- smartcity
  expect_identical(d$pilot, as.integer(!is.na(d$pilot_year)))
  expect_identical(d$Smart_Policy,
                   as.integer(!is.na(d$pilot_year) & d$year >= d$pilot_year))
  expect_identical(sum(d$Smart_Policy), 37L * 9L + 31L * 8L + 18L * 7L)
  for (p in c("Lowc", "Inno", "Tanp")) {
    x <- d[[p]]
    expect_true(all(x %in% 0:1), label = p)
    # staggered: never switched off, adopted in more than one year
    expect_true(all(tapply(x, d$city, function(z) all(diff(z) >= 0))), label = p)
    first <- tapply(d$year[x == 1L], d$city[x == 1L], min)
    expect_gt(length(unique(first)), 1L)
  }
  # the carbon-trading pilot is provincial: one path per province
  expect_true(all(tapply(d$Tanp, paste(d$province, d$year),
                         function(z) length(unique(z))) == 1L))
  expect_true(all(is.na(d$CEI[d$year == 2020])))
  expect_false(anyNA(d$CEI[d$year < 2020]))
  expect_false(anyNA(d[setdiff(names(d), c("pilot_year", "CEI"))]))
  expect_true(all(d$CEI[d$year < 2020] > 0))
  num <- c(ctrl7[-c(1, 4, 6, 7)], "gas", "lpg", "electricity", "va_primary",
           "va_secondary", "va_tertiary", "emp_primary", "emp_secondary",
           "emp_tertiary", "pop", "Digital", "Green_patent", "Agglomeration")
  for (v in num) expect_true(all(d[[v]] > 0), label = v)
  expect_true(all(d$Env_reg < 0))
  expect_true(all(d$coal_share > 0 & d$coal_share < 1))
})

test_that("covariate means and gaps equal the unmatched rows of Table 2", {
  d <- smartcity
  published <- data.frame(
    var = ctrl7,
    treated = c(4.5299, 0.1573, 0.4877, 1.1554, 0.0188, 4.0539, 1.5641),
    control = c(4.5058, 0.1484, 0.3973, 1.1092, 0.0174, 3.8698, 1.5558),
    bias = c(18.6, 12.7, 43.2, 21.7, 12.3, 24.0, 11.6))
  for (i in seq_along(ctrl7)) {
    x <- d[[ctrl7[i]]]
    t1 <- x[d$pilot == 1L]
    t0 <- x[d$pilot == 0L]
    expect_equal(mean(t1), published$treated[i], tolerance = 1e-4 / 4)
    expect_equal(mean(t0), published$control[i], tolerance = 1e-4 / 3)
    sb <- 100 * (mean(t1) - mean(t0)) / sqrt((var(t1) + var(t0)) / 2)
    expect_equal(sb, published$bias[i], tolerance = 0.01, label = ctrl7[i])
  }
})

test_that("the baseline DID on smartcity is close to the published one", {
  fit <- smartdid(reformulate(ctrl7, "Carbon"), data = smartcity, id = "city",
                  time = "year", treat = "Smart_Policy")
  expect_lt(abs(coef(fit)[["Smart_Policy"]] - (-0.2283)), 0.06)
  # t within a factor 1.5 of the published -13.35 (issue 22)
  t_base <- coef(fit)[["Smart_Policy"]] / sqrt(vcov(fit)[1, 1])
  expect_lt(t_base, -13.35 / 1.5)
  expect_gt(t_base, -13.35 * 1.5)
  expect_gt(fit$adj.r.squared, 0.7)
  expect_lt(fit$adj.r.squared, 0.92)
  fit0 <- smartdid(Carbon ~ 1, data = smartcity, id = "city", time = "year",
                   treat = "Smart_Policy")
  expect_lt(abs(coef(fit0)[["Smart_Policy"]] - (-0.2273)), 0.06)
  # the mechanism: a negative Smart_Policy x Ind_Pro interaction (Table 6)
  d <- smartcity
  d$SPxInd <- d$Smart_Policy * d$Ind_Pro
  fm <- smartdid(reformulate(c("SPxInd", "Ind_Pro", ctrl7), "Carbon"),
                 data = d, id = "city", time = "year", treat = "Smart_Policy")
  expect_lt(coef(fm)[["SPxInd"]] / sqrt(vcov(fm)["SPxInd", "SPxInd"]), -2)
  # CEI falls after adoption (Table 4)
  fc <- smartdid(reformulate(ctrl7, "CEI"), data = d[!is.na(d$CEI), ],
                 id = "city", time = "year", treat = "Smart_Policy")
  expect_lt(coef(fc)[["Smart_Policy"]] / sqrt(vcov(fc)[1, 1]), -2)
})

test_that("simulate_smartcity() reproduces smartcity and is reproducible", {
  expect_equal(simulate_smartcity(seed = 76), smartcity, tolerance = 1e-12)
  a <- simulate_smartcity(seed = 7, truth = TRUE)
  expect_identical(simulate_smartcity(seed = 7, truth = TRUE), a)
  b <- simulate_smartcity(seed = 8)
  expect_false(isTRUE(all.equal(a$Carbon, b$Carbon)))
  expect_false(identical(a$pilot_year, b$pilot_year))
  # the caller's random-number stream is left untouched
  set.seed(99)
  x1 <- stats::runif(3)
  set.seed(99)
  invisible(simulate_smartcity(seed = 1))
  expect_identical(stats::runif(3), x1)
  expect_identical(attr(a, "params")$seed, 7)
  expect_identical(names(a)[41], "tau")
})

test_that("the truth column is the effect of the stated DGP", {
  eff <- c(-0.05, -0.1, -0.2)
  d <- simulate_smartcity(seed = 3, effect = eff, moderation = 0, truth = TRUE)
  expect_true(all(d$tau[d$Smart_Policy == 0L] == 0))
  ev <- d$year - d$pilot_year
  tr <- d$Smart_Policy == 1L
  # the multiplier averages 1 over the pilots: the adoption-year effect
  # averaged over pilots is effect[1]; years 2+ carry the last value
  expect_equal(mean(d$tau[tr & ev == 0]), eff[1], tolerance = 1e-12)
  expect_equal(mean(d$tau[tr & ev == 1]), eff[2], tolerance = 1e-12)
  m <- tapply(d$tau[tr & ev >= 2], d$city[tr & ev >= 2], function(z) diff(range(z)))
  expect_true(all(m < 1e-12))
  # no heterogeneity: every pilot has the same effect path
  h <- simulate_smartcity(seed = 3, effect = eff, heterogeneity = NULL,
                          moderation = 0, truth = TRUE)
  ev <- h$year - h$pilot_year
  expect_equal(h$tau[h$Smart_Policy == 1L],
               eff[pmin(ev[h$Smart_Policy == 1L], 2) + 1])
  # the mechanism: the effect moves by `moderation` per unit of Ind_Pro above
  # the treated city-years' mean (Ind_Pro up to the rounding of its inputs)
  g <- simulate_smartcity(seed = 3, effect = eff, heterogeneity = NULL,
                          moderation = -0.05, truth = TRUE)
  tr <- g$Smart_Policy == 1L
  ev <- g$year - g$pilot_year
  expect_equal(g$tau[tr] - eff[pmin(ev[tr], 2) + 1],
               -0.05 * (g$Ind_Pro[tr] - mean(g$Ind_Pro[tr])), tolerance = 1e-3)
  expect_equal(mean(g$tau[tr]), mean(h$tau[h$Smart_Policy == 1L]),
               tolerance = 1e-3)
})

test_that("without noise the DID recovers the effect exactly", {
  d <- simulate_smartcity(seed = 5, effect = -0.2, heterogeneity = NULL,
                          confounding = 0, other_policies = no_policies,
                          moderation = 0, ind_pro_effect = 0, noise = 0)
  fit <- smartdid(reformulate(ctrl7, "Carbon"), data = d, id = "city",
                  time = "year", treat = "Smart_Policy")
  # only the rounding of the raw energy inputs separates Carbon from the DGP
  expect_equal(coef(fit)[["Smart_Policy"]], -0.2, tolerance = 1e-4)
  expect_equal(unname(coef(fit)[ctrl7]),
               c(0.65, 0.2, -0.1, 0.15, 0.5, 0.05, -0.3), tolerance = 1e-2)
})

test_that("smartdid() recovers the true effect within sampling error", {
  # constant-in-time effects that differ across cities; no confounding:
  # the two-way fixed-effects estimate is unbiased for their average
  est <- vapply(11:14, function(s) {
    d <- simulate_smartcity(seed = s, effect = -0.15, confounding = 0,
                            other_policies = no_policies, truth = TRUE)
    fit <- smartdid(reformulate(ctrl7, "Carbon"), data = d, id = "city",
                    time = "year", treat = "Smart_Policy")
    att <- mean(d$tau[d$Smart_Policy == 1L])
    c(b = coef(fit)[["Smart_Policy"]], se = sqrt(vcov(fit)[1, 1]), att = att)
  }, numeric(3))
  z <- (est["b", ] - est["att", ]) / est["se", ]
  expect_true(all(abs(z) < 3.5))
  expect_lt(abs(mean(z)), 3 / sqrt(ncol(est)))
  expect_true(all(est["att", ] < -0.1))
})

test_that("the default DGP's confounding biases the naive DID as designed", {
  base <- list(effect = -0.2, heterogeneity = NULL, other_policies = no_policies,
               moderation = 0, ind_pro_effect = 0, noise = 0)
  b <- function(conf) {
    d <- do.call(simulate_smartcity, c(list(seed = 2, confounding = conf), base))
    coef(smartdid(reformulate(ctrl7, "Carbon"), data = d, id = "city",
                  time = "year", treat = "Smart_Policy"))[["Smart_Policy"]]
  }
  expect_equal(b(0), -0.2, tolerance = 1e-4)
  # a negative shock on fiscally strong cities after 2012 exaggerates the cut
  expect_lt(b(-0.1), -0.21)
})

test_that("the pilot raises industrial upgrading when upgrading > 0", {
  d1 <- simulate_smartcity(seed = 4, upgrading = 0.05)
  d0 <- simulate_smartcity(seed = 4, upgrading = 0)
  post <- d1$Smart_Policy == 1L
  expect_true(all(d1$Ind_Pro[post] > d0$Ind_Pro[post]))
  expect_equal(d1$Ind_Pro[!post], d0$Ind_Pro[!post])
})

test_that("the controls move with Ind_Pro and bias the mechanism model without them", {
  # within-city, within-year co-movement of Wage and Ind_Pro
  within <- function(x, d) {
    x - ave(x, d$city) - ave(x, d$year) + mean(x)
  }
  corr <- function(d) cor(within(d$Wage, d), within(d$Ind_Pro, d))
  d0 <- simulate_smartcity(seed = 6, ind_pro_controls = NULL)
  d1 <- simulate_smartcity(seed = 6)
  expect_lt(abs(corr(d0)), 0.1)
  expect_gt(corr(d1), 0.3)
  # the loading leaves the other columns and Table 2's moments alone
  expect_identical(d1$Ind_Pro, d0$Ind_Pro)
  expect_equal(mean(d1$Wage[d1$pilot == 1L]), 4.5299, tolerance = 1e-4)
  # leaving the controls out raises Ind_Pro's coefficient by about the
  # omitted 0.65 * Wage's loading (Table 6, columns 1 and 3 against 2 and 4)
  b_ind <- function(d, rhs) {
    d$SPxInd <- d$Smart_Policy * d$Ind_Pro
    fit <- smartdid(reformulate(c("SPxInd", "Ind_Pro", rhs), "Carbon"),
                    data = d, id = "city", time = "year", treat = "Smart_Policy")
    coef(fit)[["Ind_Pro"]]
  }
  shift1 <- b_ind(d1, "1") - b_ind(d1, ctrl7)
  shift0 <- b_ind(d0, "1") - b_ind(d0, ctrl7)
  expect_gt(shift1, 0.3)
  expect_lt(abs(shift0), 0.1)
})

test_that("simulate_smartcity() validates its arguments", {
  expect_snapshot(error = TRUE, simulate_smartcity(seed = "a"))
  expect_snapshot(error = TRUE, simulate_smartcity(effect = numeric(0)))
  expect_snapshot(error = TRUE, simulate_smartcity(heterogeneity = c(size = 1)))
  expect_snapshot(error = TRUE, simulate_smartcity(heterogeneity = 0.2))
  expect_snapshot(error = TRUE, simulate_smartcity(persistence = 1))
  expect_snapshot(error = TRUE, simulate_smartcity(noise = -1))
  expect_snapshot(error = TRUE, simulate_smartcity(other_policies = c(Lowc = 1)))
  expect_snapshot(error = TRUE, simulate_smartcity(waves = c(`2030` = 10)))
  expect_snapshot(error = TRUE, simulate_smartcity(waves = c(`2012` = 300)))
  expect_error(simulate_smartcity(waves = c(37, 31, 18)), "'waves' must")
  expect_snapshot(error = TRUE, simulate_smartcity(truth = NA))
  expect_error(simulate_smartcity(moderation = NA), "'moderation' must")
  expect_error(simulate_smartcity(ind_pro_effect = 1:2), "'ind_pro_effect' must")
  expect_error(simulate_smartcity(productivity = c(level = 1)), "'productivity' must")
  expect_error(simulate_smartcity(productivity = c(level = -1, growth = 0,
                                                   dispersion = 0.1, shocks = 0)),
               "level > 0")
  expect_error(simulate_smartcity(upgrading_sd = -1), "'upgrading_sd' must")
  expect_error(simulate_smartcity(ind_pro_controls = c(size = 1)),
               "'ind_pro_controls' must")
  expect_error(simulate_smartcity(ind_pro_controls = 1), "'ind_pro_controls' must")
  expect_error(simulate_smartcity(cei = c(level = 0.1, trend = 0)), "'cei' must")
  expect_error(simulate_smartcity(cei = c(level = 0.1, trend = 0, noise = -1)),
               "noise >= 0")
  # other waves and a random assignment work
  d <- simulate_smartcity(seed = 1, waves = c(`2010` = 20, `2015` = 30),
                          selection = 0)
  expect_equal(as.vector(table(per_city(d)$pilot_year)), c(20L, 30L))
  expect_identical(nrow(simulate_smartcity(seed = 1, heterogeneity = 0)), 3978L)
})

test_that("the default panel is the shipped smartcity data", {
  expect_identical(simulate_smartcity(), smartcity)
})

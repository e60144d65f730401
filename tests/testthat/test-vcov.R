# Variances against sandwich formulas written out by hand on lm()'s design.

hand_parts <- function(d, w = NULL) {
  f <- y ~ D + x1 + x2 + factor(unit) + factor(year)
  ww <- if (is.null(w)) rep(1, nrow(d)) else d[[w]]
  l <- lm(f, d, weights = ww)
  X <- model.matrix(l)
  e <- d$y - drop(X %*% coef(l))
  B <- solve(crossprod(X * sqrt(ww)))
  list(X = X, e = e, w = ww, B = B, n = nrow(d), K_all = ncol(X),
       idx = c("D", "x1", "x2"))
}

cluster_meat <- function(p, g) {
  S <- rowsum(p$X * (p$w * p$e), g)
  crossprod(S)
}

test_that("clustered variance equals the CR1 sandwich with fixest's K", {
  for (w in list(NULL, "w")) {
    d <- sim_panel(seed = 11)
    set.seed(5)
    d <- d[-sample(nrow(d), 40), ]
    p <- hand_parts(d, w)
    G <- length(unique(d$unit))
    K <- 3 + length(unique(d$year))      # unit effects nested in the cluster
    V <- G / (G - 1) * (p$n - 1) / (p$n - K) * p$B %*% cluster_meat(p, d$unit) %*% p$B
    fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                    weights = w)
    expect_lt(rel_err(vcov(fit), V[p$idx, p$idx]), 1e-8)
    expect_equal(fit$df_t, G - 1)
    expect_equal(fit$vcov_info$K, K)
  }
})

test_that("HC1 and iid variances equal their hand formulas", {
  d <- sim_panel(seed = 12)
  p <- hand_parts(d, "w")
  meat <- crossprod(p$X * (p$w * p$e))
  V_hc1 <- p$n / (p$n - p$K_all) * p$B %*% meat %*% p$B
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                  weights = "w", vcov = "hc1")
  expect_lt(rel_err(vcov(fit), V_hc1[p$idx, p$idx]), 1e-8)
  V_iid <- p$B * sum(p$w * p$e^2) / (p$n - p$K_all)
  fit_iid <- update(fit, vcov = "iid")
  expect_lt(rel_err(vcov(fit_iid), V_iid[p$idx, p$idx]), 1e-8)
  expect_equal(fit_iid$df_t, p$n - p$K_all)
})

test_that("two-way clustering is V1 + V2 - V12 with the smaller G", {
  d <- sim_panel(seed = 13)
  p <- hand_parts(d)
  M <- cluster_meat(p, d$unit) + cluster_meat(p, d$year) -
    cluster_meat(p, paste(d$unit, d$year))
  G <- min(length(unique(d$unit)), length(unique(d$year)))
  K <- 3 + 1  # both fixed effects nested in a cluster variable: the constant stays
  V <- G / (G - 1) * (p$n - 1) / (p$n - K) * p$B %*% M %*% p$B
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                  cluster = c("unit", "year"))
  expect_lt(rel_err(vcov(fit), V[p$idx, p$idx]), 1e-8)
  expect_equal(fit$df_t, G - 1)
})

test_that("small-sample rules can be changed", {
  d <- sim_panel(seed = 14)
  p <- hand_parts(d)
  raw <- p$B %*% cluster_meat(p, d$unit) %*% p$B
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                  ssc = ssc_rules(adj = FALSE, cluster_adj = FALSE, t_df = "normal"))
  expect_lt(rel_err(vcov(fit), raw[p$idx, p$idx]), 1e-8)
  expect_equal(fit$df_t, Inf)
  full <- update(fit, ssc = ssc_rules(fixef_K = "full"))
  G <- 40
  Vf <- G / (G - 1) * (p$n - 1) / (p$n - p$K_all) * raw
  expect_lt(rel_err(vcov(full), Vf[p$idx, p$idx]), 1e-8)
  expect_output(print(ssc_rules()), "fixef_K = \"nested\"")
})

test_that("clustering by a variable coarser than the unit (region)", {
  d <- sim_panel(seed = 15, n_units = 60)
  p <- hand_parts(d)
  G <- 3
  K <- 3 + length(unique(d$year))  # units are nested in regions
  V <- G / (G - 1) * (p$n - 1) / (p$n - K) * p$B %*% cluster_meat(p, d$region) %*% p$B
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                  cluster = "region")
  expect_lt(rel_err(vcov(fit), V[p$idx, p$idx]), 1e-8)
})

test_that("coefficients and std. errors equal fixest::feols", {
  skip_if_not_installed("fixest")
  d <- sim_panel(seed = 16)
  set.seed(2)
  du <- d[-sample(nrow(d), 50), ]
  for (w in list(NULL, "w")) {
    fx <- fixest::feols(y ~ D + x1 + x2 | unit + year, data = du, cluster = ~unit,
                        weights = if (is.null(w)) rep(1, nrow(du)) else du$w,
                        fixef.tol = 1e-11, fixef.rm = "none")
    fit <- smartdid(y ~ x1 + x2, data = du, id = "unit", time = "year", treat = "D",
                    weights = w, singletons = FALSE)
    expect_lt(rel_err(coef(fit), coef(fx)), 1e-8)
    expect_lt(rel_err(sqrt(diag(vcov(fit))), unname(fixest::se(fx))), 1e-8)
    expect_lt(rel_err(fit$adj.r.squared, fixest::r2(fx, "ar2")), 1e-8)
    expect_lt(rel_err(fit$within.r.squared, fixest::r2(fx, "wr2")), 1e-8)
  }
  hc <- fixest::feols(y ~ D + x1 + x2 | unit + year, data = du, vcov = "hetero",
                      fixef.tol = 1e-11)
  fh <- smartdid(y ~ x1 + x2, data = du, id = "unit", time = "year", treat = "D",
                 vcov = "hc1")
  expect_lt(rel_err(sqrt(diag(vcov(fh))), unname(fixest::se(hc))), 1e-8)
  io <- fixest::feols(y ~ D + x1 + x2 | unit + year, data = du, vcov = "iid",
                      fixef.tol = 1e-11)
  fi <- smartdid(y ~ x1 + x2, data = du, id = "unit", time = "year", treat = "D",
                 vcov = "iid")
  expect_lt(rel_err(sqrt(diag(vcov(fi))), unname(fixest::se(io))), 1e-8)
  fx <- fixest::feols(y ~ D + x1 + x2 | unit + year, data = du, cluster = ~unit)
  p_fx <- fixest::pvalue(fx)
  fit <- smartdid(y ~ x1 + x2, data = du, id = "unit", time = "year", treat = "D")
  expect_lt(rel_err(tidy(fit)$p.value, unname(p_fx)), 1e-8)
})

test_that("two-way clustering, fixef_K and iid rules equal fixest's", {
  skip_if_not_installed("fixest")
  d <- sim_panel(seed = 17)
  set.seed(3)
  d <- d[-sample(nrow(d), 30), ]
  f <- y ~ D + x1 + x2 | unit + year
  se_of <- function(fit) sqrt(diag(vcov(fit)))
  fx <- fixest::feols(f, d, cluster = ~ unit + year, fixef.tol = 1e-11)
  sd2 <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                  cluster = c("unit", "year"))
  expect_lt(rel_err(se_of(sd2), unname(fixest::se(fx))), 1e-8)
  expect_lt(rel_err(tidy(sd2)$p.value, unname(fixest::pvalue(fx))), 1e-8)
  for (K in c("none", "full")) {
    for (v in c("hc1", "iid")) {
      fx <- fixest::feols(f, d, vcov = if (v == "hc1") "hetero" else "iid",
                          ssc = fixest::ssc(fixef.K = K), fixef.tol = 1e-11)
      sv <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                     vcov = v, ssc = ssc_rules(fixef_K = K))
      expect_lt(rel_err(se_of(sv), unname(fixest::se(fx))), 1e-8)
      expect_lt(rel_err(tidy(sv)$p.value, unname(fixest::pvalue(fx))), 1e-8)
    }
  }
  fx <- fixest::feols(f, d, vcov = "iid", ssc = fixest::ssc(adj = FALSE), fixef.tol = 1e-11)
  sv <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                 vcov = "iid", ssc = ssc_rules(adj = FALSE))
  expect_lt(rel_err(se_of(sv), unname(fixest::se(fx))), 1e-8)
})

test_that("one cluster is a clear error", {
  d <- sim_panel(seed = 18)
  d$one <- 1
  expect_error(smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D",
                        cluster = "one"), "at least two clusters")
})

# fixest's ssc() without the (n - 1) / (n - K) adjustment, whatever its
# argument is called in the installed version (adj, later K.adj)
fixest_ssc_noadj <- function() {
  if ("K.adj" %in% names(formals(fixest::ssc))) fixest::ssc(K.adj = FALSE) else
    fixest::ssc(adj = FALSE)
}

test_that("one small-sample rule for every variance (issue 16)", {
  r <- ssc_rules()
  expect_equal(ssc_factor("iid", 100, 10, ssc = r), 99 / 90)
  expect_equal(ssc_factor("hc1", 100, 10, ssc = r), 100 / 90)
  expect_equal(ssc_factor("cluster", 100, 10, 20, r), 99 / 90 * 20 / 19)
  r0 <- ssc_rules(adj = FALSE, cluster_adj = FALSE)
  for (type in c("iid", "hc1", "cluster")) expect_equal(ssc_factor(type, 100, 10, 20, r0), 1)
  expect_equal(iid_sigma2(50, 100, 10, r), 50 / 90)
  expect_equal(iid_sigma2(50, 100, 10, ssc_rules(adj = FALSE)), 50 / 99)
  # the two-way terms: V1 + V2 - V12
  ct <- cluster_terms(list(c(1, 1, 2, 2), c(1, 2, 1, 1)), c(2, 2))
  expect_identical(ct$sign, c(1, 1, -1))
  expect_identical(ct$G, c(2L, 2L, 3L))
  expect_identical(length(unique(ct$codes[[3]])), 3L)
})

# The areg regression of stata_constant(), by hand: demeaned and recentred
# D and x1 with an intercept.
areg_like <- function(d) {
  rec <- function(v) dm_lm(d[[v]], d$unit, d$year) + mean(d[[v]])
  l <- stats::lm(rec("y") ~ rec("D") + rec("x1"))
  list(Z = stats::model.matrix(l), e = unname(stats::resid(l)))
}

test_that("with adj = FALSE the fit and stata_constant() divide by n - 1", {
  d <- sim_panel(25, 6, seed = 13)
  n <- nrow(d)
  ref <- areg_like(d)
  B <- solve(crossprod(ref$Z))
  fi <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D",
                 vcov = "iid", ssc = ssc_rules(adj = FALSE))
  Vi <- B * sum(ref$e^2) / (n - 1)
  expect_lt(rel_err(stata_constant(fi)$std.error, sqrt(Vi[1, 1])), 1e-8)
  expect_lt(rel_err(unname(vcov(fi)), Vi[-1, -1]), 1e-8)
  # two-way clustering without adj: G/(G-1) only, meat V1 + V2 - V12
  fc <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D",
                 cluster = c("unit", "region"), ssc = ssc_rules(adj = FALSE))
  G <- 3
  meat <- function(g) crossprod(rowsum(ref$Z * ref$e, g))
  Vc <- G / (G - 1) * B %*% (meat(d$unit) + meat(d$region) -
                               meat(paste(d$unit, d$region))) %*% B
  expect_lt(rel_err(stata_constant(fc)$std.error, sqrt(Vc[1, 1])), 1e-8)
  expect_lt(rel_err(unname(vcov(fc)), Vc[-1, -1]), 1e-8)
})

test_that("adj = FALSE equals fixest for iid, HC1 and two-way clusters", {
  skip_if_not_installed("fixest")
  d <- sim_panel(seed = 18)
  f <- y ~ D + x1 + x2 | unit + year
  for (v in c("iid", "hc1", "twoway")) {
    fx <- fixest::feols(f, d, vcov = switch(v, iid = "iid", hc1 = "hetero",
                                            twoway = ~ unit + year),
                        ssc = fixest_ssc_noadj(), fixef.tol = 1e-11)
    sv <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                   vcov = if (v == "twoway") "cluster" else v,
                   cluster = if (v == "twoway") c("unit", "year"),
                   ssc = ssc_rules(adj = FALSE))
    expect_lt(rel_err(sqrt(diag(vcov(sv))), unname(fixest::se(fx))), 1e-8)
  }
})

# event_study(estimator = "dcdh") against DIDmultiplegtDYN 2.1.2 without its
# rounding (helper-dcdh.R): estimates, standard errors, the average total
# effect and the joint tests to 1e-8. compat = TRUE selects 2.1.2's variance
# rules (see ?es_dcdh); the default rules are checked against the closed form
# in test-dcdh_estimate.R. Skipped where DIDmultiplegtDYN is not installed
# (CRAN's current release needs 'polars'; 2.1.2 builds from its repository).

skip_ref <- function() {
  Sys.setenv(RGL_USE_NULL = "TRUE")   # matlib (loaded by it) starts rgl without a display
  skip_if_not_installed("DIDmultiplegtDYN")
}

test_that("binary on/off treatment equals DIDmultiplegtDYN", {
  skip_ref()
  d <- dcdh_sim(G = 45, nT = 6, seed = 1, type = "binary")
  es <- event_study(dcdh_fit(d), estimator = "dcdh", effects = 3, placebo = 2,
                    compat = TRUE)
  expect_dcdh_ref(es, dcdh_ref(d, effects = 3, placebo = 2))
})

test_that("discrete treatment with weights and clusters equals DIDmultiplegtDYN", {
  skip_ref()
  d <- dcdh_sim(G = 45, nT = 6, seed = 3, type = "discrete")
  es <- event_study(dcdh_fit(d, weights = "w", cluster = "cl"), estimator = "dcdh",
                    effects = 4, placebo = 3, compat = TRUE)
  expect_equal(es$info$n_clusters, length(unique(d$cl)))
  expect_dcdh_ref(es, dcdh_ref(d, effects = 4, placebo = 3, weight = "w", cluster = "cl"))
})

test_that("continuous treatment, normalised effects, one direction equal DIDmultiplegtDYN", {
  skip_ref()
  d <- dcdh_sim(G = 45, nT = 6, seed = 5, type = "continuous")
  fit <- dcdh_fit(d)
  es <- event_study(fit, estimator = "dcdh", effects = 3, placebo = 2,
                    normalized = TRUE, compat = TRUE)
  expect_dcdh_ref(es, dcdh_ref(d, effects = 3, placebo = 2, normalized = TRUE))
  d2 <- dcdh_sim(G = 45, nT = 6, seed = 3, type = "discrete")
  fit2 <- dcdh_fit(d2, weights = "w")
  for (dir in c("in", "out")) {
    es <- event_study(fit2, estimator = "dcdh", effects = 3, placebo = 2,
                      direction = dir, compat = TRUE)
    expect_dcdh_ref(es, dcdh_ref(d2, effects = 3, placebo = 2, switchers = dir,
                                 weight = "w"))
  }
})

test_that("an unbalanced panel equals DIDmultiplegtDYN", {
  skip_ref()
  d <- dcdh_sim(G = 45, nT = 6, seed = 3, type = "discrete")
  set.seed(9)
  d <- d[-sample(nrow(d), 40), ]
  es <- event_study(dcdh_fit(d), estimator = "dcdh", effects = 4, placebo = 3,
                    compat = TRUE)
  expect_dcdh_ref(es, dcdh_ref(d, effects = 4, placebo = 3))
})

test_that("wagepan (wooldridge): union membership switching on and off", {
  skip_ref()
  skip_if_not_installed("wooldridge")
  data("wagepan", package = "wooldridge", envir = environment())
  # 120 of the 545 men keep the reference's run time short
  wagepan <- wagepan[wagepan$nr %in% unique(wagepan$nr)[1:120], ]
  fit <- smartdid(lwage ~ 1, data = wagepan, id = "nr", time = "year", treat = "union",
                  design = "general")
  es <- event_study(fit, estimator = "dcdh", effects = 3, placebo = 2, compat = TRUE)
  expect_dcdh_ref(es, dcdh_ref(wagepan, "lwage", "nr", "year", "union", effects = 3,
                               placebo = 2))
})


test_that("controls (and controls with weights) equal DIDmultiplegtDYN", {
  skip_ref()
  skip_if_not_installed("plm")
  dcdh_ref_plm_shim()   # see helper-dcdh.R: 2.1.2 fails with controls otherwise
  d <- dcdh_sim(G = 45, nT = 6, seed = 1, type = "binary")
  set.seed(2)
  d$x2 <- stats::rnorm(nrow(d))
  d$xa <- d$x           # 2.1.2 cannot take a control named "x"
  es <- event_study(dcdh_fit(d), estimator = "dcdh", effects = 3, placebo = 2,
                    controls = c("xa", "x2"), compat = TRUE)
  expect_dcdh_ref(es, dcdh_ref(d, effects = 3, placebo = 2, controls = c("xa", "x2")))
  d2 <- dcdh_sim(G = 45, nT = 6, seed = 3, type = "discrete")
  d2$xa <- d2$x
  es2 <- event_study(dcdh_fit(d2, weights = "w"), estimator = "dcdh", effects = 3,
                     placebo = 2, controls = "xa", compat = TRUE)
  expect_dcdh_ref(es2, dcdh_ref(d2, effects = 3, placebo = 2, controls = "xa",
                                weight = "w"))
})

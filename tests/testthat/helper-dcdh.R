# DIDmultiplegtDYN 2.1.2 (the reference for the dcdh estimator) without the
# rounding of its results table to 5 decimals: its internal
# did_multiplegt_main() evaluated with round() as the identity, so the
# comparisons can be made to 1e-8 rather than 1e-5.
dcdh_ref <- function(df, outcome = "y", group = "g", time = "t", treatment = "d",
                     effects = 3, placebo = 0, switchers = "", controls = NULL,
                     weight = NULL, cluster = NULL, normalized = FALSE) {
  f <- utils::getFromNamespace("did_multiplegt_main", "DIDmultiplegtDYN")
  env <- new.env(parent = asNamespace("DIDmultiplegtDYN"))
  env$round <- function(x, digits = 0) x
  environment(f) <- env
  df <- as.data.frame(df)
  # sorted by period: 2.1.2 numbers periods in their order of appearance
  df <- df[order(df[[time]], df[[group]]), ]
  r <- suppressWarnings(suppressMessages(f(
    df = df, outcome = outcome, group = group, time = time, treatment = treatment,
    effects = effects, placebo = placebo, ci_level = 95, switchers = switchers,
    only_never_switchers = FALSE, trends_nonparam = NULL, weight = weight,
    controls = controls, dont_drop_larger_lower = FALSE,
    drop_if_d_miss_before_first_switch = FALSE, cluster = cluster,
    same_switchers = FALSE, same_switchers_pl = FALSE, effects_equal = FALSE,
    save_results = NULL, normalized = normalized, predict_het = NULL,
    trends_lin = FALSE, less_conservative_se = FALSE, continuous = NULL)))
  m <- r$mat_res_XX
  ne <- r$l_XX
  np <- if (is.null(r$l_placebo_XX)) 0 else r$l_placebo_XX
  out <- r$did_multiplegt_dyn
  list(effects = m[seq_len(ne), 1:2, drop = FALSE],
       placebos = m[ne + 1 + seq_len(np), 1:2, drop = FALSE],
       ate = m[ne + 1, 1:2], vcov = r$coef$vcov, n_effects = ne, n_placebo = np,
       p_effects = out$p_jointeffects, p_placebos = out$p_jointplacebo)
}

# Compare an event_study(estimator = "dcdh") with dcdh_ref() on the same
# options: estimates, standard errors, the full covariance, the average
# total effect and the joint tests.
expect_dcdh_ref <- function(es, ref, tol = 1e-8) {
  e <- es$estimates[!es$estimates$reference, ]
  eff <- e[e$rel_time >= 0, ]
  pl <- e[e$rel_time < 0, ]
  pl <- pl[order(-pl$rel_time), ]
  expect_equal(nrow(eff), ref$n_effects)
  expect_equal(nrow(pl), ref$n_placebo)
  expect_equal(eff$estimate, unname(ref$effects[, 1]), tolerance = tol)
  expect_equal(eff$std.error, unname(ref$effects[, 2]), tolerance = tol)
  if (nrow(pl)) {
    expect_equal(pl$estimate, unname(ref$placebos[, 1]), tolerance = tol)
    expect_equal(pl$std.error, unname(ref$placebos[, 2]), tolerance = tol)
  }
  expect_equal(es$overall$estimate, unname(ref$ate[1]), tolerance = tol)
  expect_equal(es$overall$std.error, unname(ref$ate[2]), tolerance = tol)
  # 2.1.2's returned covariance has correct variances but not covariances
  # (an ifelse() on a scalar condition keeps one unit's value); the joint
  # tests below use its correct covariances of the effects and of the placebos
  terms <- c(eff$term, pl$term)
  expect_equal(unname(diag(es$vcov[terms, terms, drop = FALSE])), unname(diag(ref$vcov)),
               tolerance = tol)
  if (!is.null(ref$p_effects) && !is.na(ref$p_effects)) {
    j <- es$info$joint
    expect_equal(j$p.value[j$test == "all effects = 0"], ref$p_effects, tolerance = 1e-6)
  }
  if (!is.null(ref$p_placebos) && !is.na(ref$p_placebos)) {
    j <- es$info$joint
    expect_equal(j$p.value[j$test == "all placebos = 0"], ref$p_placebos, tolerance = 1e-6)
  }
}

# A panel whose treatment switches on and off (binary), moves between levels
# 0..3 (discrete) or takes continuous values after a switch from 0.
dcdh_sim <- function(G = 80, nT = 8, seed = 1, type = c("binary", "discrete", "continuous")) {
  type <- match.arg(type)
  set.seed(seed)
  d <- expand.grid(t = seq_len(nT), g = seq_len(G))
  D <- matrix(0, G, nT)
  for (g in seq_len(G)) {
    b <- switch(type, binary = stats::rbinom(1, 1, 0.3), discrete = sample(0:2, 1), 0)
    D[g, ] <- b
    if (stats::runif(1) < 0.6) {
      f <- sample(2:nT, 1)
      D[g, f:nT] <- switch(type, binary = 1 - b, discrete = sample(setdiff(0:3, b), 1),
                           stats::runif(1, 0.5, 2))
      if (stats::runif(1) < 0.4 && f < nT) D[g, sample(f:nT, 1):nT] <- b
    }
  }
  d$d <- D[cbind(d$g, d$t)]
  d$x <- stats::rnorm(nrow(d)) + d$t / 4
  d$y <- d$g / 10 + d$t / 5 + 0.7 * d$d + 0.3 * d$x + stats::rnorm(nrow(d))
  d$w <- stats::runif(nrow(d), 0.5, 2)
  d$cl <- (d$g - 1) %/% 4
  d
}

dcdh_fit <- function(d, weights = NULL, cluster = "g") {
  smartdid(y ~ 1, data = d, id = "g", time = "t", treat = "d", design = "general",
           weights = weights, cluster = cluster)
}

# 2.1.2 with `controls` stops in plm's as.matrix() of a pseries column whose
# index attribute no longer matches its length (it subsets a data.table of
# pseries columns; current plm checks the index). Reading such a column as a
# plain vector, what 2.1.2 intends, lets it run; nothing else changes.
dcdh_ref_plm_shim <- function() {
  f <- function(x, idbyrow = TRUE, ...) as.matrix(as.numeric(x))
  registerS3method("as.matrix", "pseries", f, envir = asNamespace("plm"))
}

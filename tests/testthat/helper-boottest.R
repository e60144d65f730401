# A brute-force wild cluster bootstrap for the boottest tests: every draw
# re-estimates the model by weighted least squares with explicit dummies
# (lm.wfit on the full design) and forms its clustered t from scratch.
# `terms`: right-hand side terms (dummies as factor(...)); `R`: named
# weights; `clusters`: list of cluster vectors with `signs` (two-way: three
# with +, +, -); `boot`: the bootstrap cluster of each row (integer codes
# 1..G in the order of the weights' rows); V: G x B weights.
brute_boot <- function(d, y, terms, w = NULL, R, r = 0, clusters, signs = 1,
                       boot, V, impose_null = TRUE) {
  X <- stats::model.matrix(stats::reformulate(terms), d)
  ww <- if (is.null(w)) rep(1, nrow(X)) else w
  qx <- qr(X * sqrt(ww))
  X <- X[, sort(qx$pivot[seq_len(qx$rank)]), drop = FALSE]
  Rf <- numeric(ncol(X))
  Rf[match(names(R), colnames(X))] <- R
  Q <- solve(crossprod(X, X * ww))
  yy <- d[[y]]
  b <- drop(Q %*% crossprod(X, yy * ww))
  rq <- drop(Q %*% Rf)
  br <- b - rq * (sum(Rf * b) - r) / sum(Rf * rq)
  base <- drop(X %*% (if (impose_null) br else b))
  u0 <- yy - base
  rawvar <- function(e) {
    v <- 0
    for (j in seq_along(clusters)) {
      s <- rowsum(X * (e * ww), clusters[[j]])
      v <- v + signs[j] * sum((s %*% rq)^2)
    }
    if (v > 0) v else NaN
  }
  t0 <- (sum(Rf * b) - r) / sqrt(rawvar(yy - drop(X %*% b)))
  center <- if (impose_null) r else sum(Rf * b)
  tb <- numeric(ncol(V))
  for (j in seq_len(ncol(V))) {
    ys <- base + V[boot, j] * u0
    bs <- drop(Q %*% crossprod(X, ys * ww))
    tb[j] <- (sum(Rf * bs) - center) / sqrt(rawvar(ys - drop(X %*% bs)))
  }
  list(t0 = t0, t_boot = tb)
}

# The weights boottest() draws (its documented order: draw by draw, cluster
# by cluster; Rademacher signs 16 per uniform).
boot_weights <- function(type, G, B) {
  if (type == "rademacher") {
    n16 <- ceiling(G / 16)
    u <- matrix(stats::runif(n16 * B), n16, B)
    V <- matrix(0, G, B)
    for (h in seq_len(G)) {
      bits <- as.integer(floor(u[(h - 1) %/% 16 + 1, ] * 65536))
      V[h, ] <- ifelse(bitwAnd(bits, bitwShiftL(1L, (h - 1) %% 16)) > 0, -1, 1)
    }
    return(V)
  }
  if (type == "norm") return(matrix(stats::rnorm(G * B), G, B))
  u <- matrix(stats::runif(G * B), G, B)
  if (type == "webb") {
    vals <- c(-sqrt(1.5), -1, -sqrt(0.5), sqrt(0.5), 1, sqrt(1.5))
    return(matrix(vals[pmin(floor(6 * u), 5) + 1], G, B))
  }
  s5 <- sqrt(5)
  matrix(ifelse(u < (s5 + 1) / (2 * s5), (1 - s5) / 2, (1 + s5) / 2), G, B)
}

# Dense codes in sorted order of the values (of their combination when
# several vectors are given, first vector first).
sorted_codes <- function(...) {
  key <- do.call(paste, c(lapply(list(...), function(x) sprintf("%012.3f", match(x, sort(unique(x))))), sep = "|"))
  match(key, sort(unique(key)))
}

# The bootstrap t of boottest() on the brute force's scale, and its p-value
# (draws with a non-positive variance, possible with two-way clustering, are
# NaN in both and left out; draws within a relative 1e-9 of t tie, as in
# boottest(): a draw giving every cluster the same weight has |t*| = |t| in
# exact arithmetic).
expect_brute_equal <- function(bt, br, tol = 1e-10) {
  sc <- bt$statistic / br$t0
  ok <- is.finite(br$t_boot)
  expect_identical(is.finite(bt$t_boot), ok)
  expect_lt(max(abs(bt$t_boot[ok] - br$t_boot[ok] * sc)) /
              max(1, max(abs(bt$t_boot[ok]))), tol)
  if (bt$p_type == "symmetric") {
    expect_equal(bt$p.value,
                 sum(abs(br$t_boot[ok]) > abs(br$t0) * (1 + 1e-9)) / sum(ok))
  }
}

# The panel of the boottest tests: 36 units in 12 regions (6 treated, staggered),
# 9 years, a covariate, weights and a second (crossing) clustering, prov.
bt_panel <- function(seed = 3, n_units = 36, n_periods = 9) {
  set.seed(seed)
  d <- expand.grid(unit = seq_len(n_units), year = 2000 + seq_len(n_periods))
  d$region <- (d$unit - 1) %/% 3 + 1                   # 12 regions
  d$prov <- c("p1", "p2", "p3", "p4", "p5")[(d$unit %% 5) + 1]
  d$first <- ifelse(d$region <= 6, 2003 + d$region %% 4, NA)
  d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
  d$x <- rnorm(nrow(d))
  d$wt <- runif(nrow(d), 0.5, 2)
  d$y <- 0.2 * d$D + 0.3 * d$x + d$unit / 10 + rnorm(nrow(d)) + d$year / 50 +
    rnorm(12)[d$region]
  d
}

# A staggered panel for the robust estimators' bootstrap tests: 50 units in
# 10 provinces, cohorts 2004-2006 and never treated, province shocks.
staggered_bt_panel <- function(seed = 1) {
  set.seed(seed)
  d <- expand.grid(unit = 1:50, year = 2001:2009)
  d$prov <- (d$unit - 1) %/% 5 + 1                     # 10 provinces
  d$first <- ifelse(d$unit <= 35, 2004 + d$unit %% 3, NA)
  d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
  d$x <- rnorm(nrow(d))
  d$y <- 0.3 * d$D + 0.2 * d$x + rnorm(nrow(d)) + rnorm(10)[d$prov]
  d
}

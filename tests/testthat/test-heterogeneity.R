# heterogeneity(): group fits equal separate smartdid() fits, and the
# difference test equals a fully interacted pooled model computed by hand
# (lm() demeaning within each group, stacked block-diagonal design, one
# clustered sandwich over all groups).

# The pooled Wald F by hand: groups given as a list of row sets of `d`.
het_by_hand <- function(d, rows, vars, cl, w = NULL) {
  Xs <- lapply(rows, function(r) {
    dd <- d[r, ]
    ww <- if (is.null(w)) NULL else dd[[w]]
    sapply(vars, function(v) dm_lm(dd[[v]], dd$unit, dd$year, ww))
  })
  es <- lapply(rows, function(r) {
    dd <- d[r, ]
    f <- stats::as.formula(paste("y ~", paste(vars, collapse = " + "),
                                 "+ factor(unit) + factor(year)"))
    wv <- if (is.null(w)) NULL else dd[[w]]
    unname(resid(lm(f, data = dd, weights = wv)))
  })
  bs <- lapply(rows, function(r) {
    dd <- d[r, ]
    f <- stats::as.formula(paste("y ~", paste(vars, collapse = " + "),
                                 "+ factor(unit) + factor(year)"))
    wv <- if (is.null(w)) NULL else dd[[w]]
    coef(lm(f, data = dd, weights = wv))[vars]
  })
  p <- length(vars)
  ng <- length(rows)
  n <- sum(lengths(rows))
  Z <- matrix(0, n, p * ng)
  r0 <- 0
  for (g in seq_len(ng)) {
    Z[r0 + seq_along(rows[[g]]), (g - 1) * p + seq_len(p)] <- Xs[[g]]
    r0 <- r0 + length(rows[[g]])
  }
  e <- unlist(es)
  ww <- if (is.null(w)) NULL else unlist(lapply(rows, function(r) d[[w]][r]))
  clv <- unlist(lapply(rows, function(r) d[[cl]][r]))
  G <- length(unique(clv))
  K <- sum(vapply(rows, function(r) p + length(unique(d$year[r])), 1))
  V <- cr_hand(Z, e, ww, clv, G / (G - 1) * (n - 1) / (n - K))
  idx <- (seq_len(ng) - 1) * p + 1                      # the treatment of each group
  b <- vapply(bs, function(x) x[[1]], 1)
  R <- cbind(-1, diag(ng - 1))
  Wd <- drop(t(R %*% b) %*% solve(R %*% V[idx, idx] %*% t(R), R %*% b))
  q <- ng - 1
  list(stat = Wd / q, df2 = G - 1, p = pf(Wd / q, q, G - 1, lower.tail = FALSE), b = b)
}

test_that("groups by a column equal separate fits; the test equals the hand computation", {
  d <- sim_panel(45, 8, seed = 31)
  d <- d[-c(4, 77, 200), ]
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  h <- heterogeneity(fit, by = "region")
  expect_s3_class(h, "smartdid_heterogeneity")
  expect_identical(names(h$fits), c("a", "b", "c"))
  for (g in c("a", "b", "c")) {
    sep <- smartdid(y ~ x1 + x2, data = d[d$region == g, ], id = "unit", time = "year",
                    treat = "D")
    expect_lt(rel_err(coef(h$fits[[g]]), coef(sep)), 1e-10)
    expect_lt(rel_err(vcov(h$fits[[g]]), vcov(sep)), 1e-10)
    expect_equal(h$groups$units[h$groups$group == g], length(unique(d$unit[d$region == g])))
    expect_equal(h$groups$nobs[h$groups$group == g], sum(d$region == g))
  }
  rows <- lapply(c("a", "b", "c"), function(g) which(d$region == g))
  ref <- het_by_hand(d, rows, c("D", "x1", "x2"), "unit")
  expect_lt(rel_err(h$test$statistic, ref$stat), 1e-8)
  expect_equal(h$test$df1, 2)
  expect_equal(h$test$df2, ref$df2)
  expect_lt(rel_err(h$test$p.value, ref$p), 1e-8)
  expect_match(h$test$method, "fully interacted pooled model")
})

test_that("a row-level split (clusters spanning groups) and weights match the hand test", {
  d <- sim_panel(40, 8, seed = 32)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D",
                  weights = "w")
  h <- heterogeneity(fit, split = "x2", at = "median")
  thr <- median(d$x2)
  expect_equal(h$threshold, thr)
  rows <- list(which(d$x2 < thr), which(d$x2 >= thr))
  # singletons (a unit alone in a group) are dropped by smartdid: do the same
  rows <- lapply(rows, function(r) {
    repeat {
      cnt_u <- table(d$unit[r])[as.character(d$unit[r])]
      cnt_t <- table(d$year[r])[as.character(d$year[r])]
      keep <- cnt_u > 1 & cnt_t > 1
      if (all(keep)) break
      r <- r[keep]
    }
    r
  })
  expect_equal(unname(h$groups$nobs), lengths(rows))
  ref <- het_by_hand(d, rows, c("D", "x1"), "unit", w = "w")
  expect_lt(rel_err(h$groups$estimate, unname(ref$b)), 1e-8)
  expect_lt(rel_err(h$test$statistic, ref$stat), 1e-8)
  expect_equal(h$test$df2, 39)
})

test_that("split thresholds: median, a number, a function", {
  d <- sim_panel(40, 6, seed = 33)
  d$size <- (d$unit %% 9)                       # constant within units
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  h1 <- heterogeneity(fit, split = "size")
  expect_equal(h1$threshold, median(d$size))
  expect_equal(h1$groups$nobs, c(sum(d$size < median(d$size)), sum(d$size >= median(d$size))))
  h2 <- heterogeneity(fit, split = "size", at = 3)
  sep <- smartdid(y ~ x1, data = d[d$size >= 3, ], id = "unit", time = "year", treat = "D")
  expect_lt(rel_err(coef(h2$fits$high), coef(sep)), 1e-10)
  h3 <- heterogeneity(fit, split = "size", at = function(x) quantile(x, 0.25))
  expect_equal(h3$threshold, unname(quantile(d$size, 0.25)))
  expect_snapshot(heterogeneity(fit, split = "size", at = "mean"), error = TRUE)
  expect_snapshot(heterogeneity(fit), error = TRUE)
  expect_snapshot(heterogeneity(fit, by = "region", split = "size"), error = TRUE)
})

test_that("the mechanism model in each group, tested on the interaction", {
  d <- sim_panel(45, 8, seed = 34)
  set.seed(34)
  d$M <- runif(nrow(d))
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  h <- heterogeneity(fit, by = "region", model = "mechanism", moderator = "M")
  expect_equal(h$term, "D:M")
  sep <- mechanism(smartdid(y ~ x1, data = d[d$region == "b", ], id = "unit",
                            time = "year", treat = "D"), "M")
  expect_lt(rel_err(coef(h$fits$b), coef(sep)), 1e-10)
  d$DM <- d$D * d$M
  rows <- lapply(c("a", "b", "c"), function(g) which(d$region == g))
  ref <- het_by_hand(d, rows, c("DM", "D", "x1", "M"), "unit")
  expect_lt(rel_err(h$test$statistic, ref$stat), 1e-8)
})

test_that("hc1 fits give an HC1 pooled test with n - K degrees of freedom", {
  d <- sim_panel(30, 6, seed = 35)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D", vcov = "hc1")
  h <- heterogeneity(fit, by = "region")
  rows <- lapply(c("a", "b", "c"), function(g) which(d$region == g))
  X <- lapply(rows, function(r) sapply(c("D", "x1"), function(v) dm_lm(d[[v]][r], d$unit[r], d$year[r])))
  e <- unlist(lapply(h$fits, residuals))
  Z <- matrix(0, sum(vapply(X, nrow, 1)), 6)
  r0 <- 0
  for (g in 1:3) {
    Z[r0 + seq_len(nrow(X[[g]])), 2 * g - 1:0] <- X[[g]]
    r0 <- r0 + nrow(X[[g]])
  }
  n <- nrow(d)
  K <- sum(vapply(rows, function(r) 2 + length(unique(d$unit[r])) + 6 - 1, 1))
  B <- solve(crossprod(Z))
  V <- n / (n - K) * B %*% crossprod(Z * e) %*% B
  b <- vapply(h$fits, function(f) coef(f)[["D"]], 1)
  R <- cbind(-1, diag(2))
  idx <- c(1, 3, 5)
  W <- drop(t(R %*% b) %*% solve(R %*% V[idx, idx] %*% t(R), R %*% b))
  expect_lt(rel_err(h$test$statistic, W / 2), 1e-8)
  expect_equal(h$test$df2, n - K)
})

test_that("print, tidy and glance", {
  d <- sim_panel(30, 6, seed = 36)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  h <- heterogeneity(fit, by = "region")
  td <- generics::tidy(h)
  expect_identical(names(td)[1:3], c("group", "term", "estimate"))
  expect_equal(nrow(td), 6L)
  expect_equal(td$estimate[td$group == "a"], unname(coef(h$fits$a)))
  gl <- generics::glance(h)
  expect_equal(nrow(gl), 1L)
  expect_equal(gl$statistic, h$test$statistic)
  expect_equal(gl$nobs, nrow(d))
  expect_snapshot(print(h))
})

test_that("plot() returns the group estimates and intervals it draws", {
  d <- sim_panel(30, 6, seed = 37)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  h <- heterogeneity(fit, by = "region")
  pdf(NULL)
  on.exit(dev.off())
  p <- plot(h, level = 0.9)
  ct <- coef_table(h$fits$b, 0.9)
  expect_equal(p$conf.low[p$group == "b"], ct$conf.low[ct$term == "D"])
  expect_equal(p$estimate, h$groups$estimate)
})

# The controls of the dcdh estimator (R/dcdh_controls.R): the first stage
# theta_k against lm(), outcomes net of theta_k' X, the generalised inverse
# and the weighted tabulation it relies on.

test_that("dcdh_controls(): theta_k is lm()'s first-difference coefficient per baseline", {
  # weighted regression of the first-differenced outcome on the
  # first-differenced controls and period effects, among the not-yet-switched
  # cells of each baseline
  d <- dcdh_sim(G = 80, nT = 6, seed = 5, type = "discrete")
  set.seed(9)
  d$x2 <- stats::rnorm(nrow(d)) + d$d / 2
  lay <- smartdid:::dcdh_layout(d$g, d$t, 80L, 6L, d$y, d$d, d$w, list(d$x, d$x2))
  tm <- smartdid:::dcdh_timing(lay)
  ctrl <- smartdid:::dcdh_controls(lay, tm)
  long <- expand.grid(g = 1:80, t = 2:6)
  pr <- cbind(long$g, long$t - 1L)
  cu <- cbind(long$g, long$t)
  long$dy <- tm$Y[cu] - tm$Y[pr]
  long$dx1 <- lay$X[[1]][cu] - lay$X[[1]][pr]
  long$dx2 <- lay$X[[2]][cu] - lay$X[[2]][pr]
  long$w <- lay$W[cu]
  long$base <- tm$base[long$g]
  long$F <- tm$F[long$g]
  expect_equal(dim(ctrl$theta), c(2L, tm$K))
  ks <- sort(unique(tm$base[tm$base >= 0]))
  expect_true(length(ks) >= 2)
  for (k in ks) {
    s <- long[long$base == k & long$F > long$t & !is.na(long$dy), ]
    th <- stats::coef(stats::lm(dy ~ dx1 + dx2 + factor(t), data = s, weights = w))
    expect_equal(ctrl$theta[, k + 1], unname(th[c("dx1", "dx2")]), tolerance = 1e-8)
    # outcomes net of theta_k' X
    u <- which(tm$base == k)
    expect_equal(ctrl$Ytilde[u, ],
                 tm$Y[u, ] - th[["dx1"]] * lay$X[[1]][u, ] - th[["dx2"]] * lay$X[[2]][u, ],
                 tolerance = 1e-8)
  }
  # the regression's sample: first differences of not-yet-switched cells
  expect_equal(sum(ctrl$A), sum(long$base >= 0 & long$F > long$t & !is.na(long$dy)))
})

test_that("collinear controls: a message and the minimum-norm coefficients", {
  d <- dcdh_sim(G = 60, nT = 5, seed = 6, type = "binary")
  lay1 <- smartdid:::dcdh_layout(d$g, d$t, 60L, 5L, d$y, d$d, X = list(d$x))
  lay2 <- smartdid:::dcdh_layout(d$g, d$t, 60L, 5L, d$y, d$d, X = list(d$x, 2 * d$x))
  tm <- smartdid:::dcdh_timing(lay1)
  b <- suppressMessages(smartdid:::dcdh_controls(lay1, tm))$theta
  expect_message(c2 <- smartdid:::dcdh_controls(lay2, tm), "collinear")
  # x2 = 2 x: the minimum-norm solution of theta1 + 2 theta2 = b is b (1, 2) / 5
  expect_equal(c2$theta, rbind(b[1, ] / 5, 2 * b[1, ] / 5), tolerance = 1e-8)
  expect_true(all(b != 0))
})

test_that("with controls, the estimates are those on outcomes net of theta_k' X", {
  # theta_k from lm(): first differences of y on those of x and period
  # effects, among the not-yet-switched cells of baseline k
  d <- dcdh_sim(G = 80, nT = 6, seed = 7, type = "binary")
  d <- d[order(d$g, d$t), ]
  fit <- dcdh_fit(d)
  es <- event_study(fit, estimator = "dcdh", effects = 2, placebo = 1, controls = "x")
  Fg <- tapply(seq_len(nrow(d)), d$g, function(i) {
    ch <- which(d$d[i] != d$d[i][1])
    if (length(ch)) d$t[i][ch[1]] else Inf
  })
  d$dsq <- ave(d$d, d$g, FUN = function(v) v[1])
  d$dy <- ave(d$y, d$g, FUN = function(v) c(NA, diff(v)))
  d$dx <- ave(d$x, d$g, FUN = function(v) c(NA, diff(v)))
  d$F <- Fg[as.character(d$g)]
  d$ynet <- d$y
  for (k in unique(d$dsq)) {
    s <- d$dsq == k & d$F > d$t & !is.na(d$dy)
    th <- stats::coef(stats::lm(dy ~ dx + factor(t), data = d[s, ]))["dx"]
    d$ynet[d$dsq == k] <- d$y[d$dsq == k] - th * d$x[d$dsq == k]
  }
  fit2 <- smartdid(ynet ~ 1, data = d, id = "g", time = "t", treat = "d",
                   design = "general")
  es2 <- event_study(fit2, estimator = "dcdh", effects = 2, placebo = 1)
  expect_equal(es$estimates$estimate, es2$estimates$estimate, tolerance = 1e-10)
  expect_equal(es$overall$estimate, es2$overall$estimate, tolerance = 1e-10)
  # the estimation of theta adds to the variance terms
  expect_false(isTRUE(all.equal(es$estimates$std.error, es2$estimates$std.error)))
})

test_that("dcdh_ginv() is the Moore-Penrose inverse, with its rank", {
  A <- matrix(c(2, 1, 1, 3), 2)
  g <- smartdid:::dcdh_ginv(A)
  expect_equal(unname(g), solve(A), ignore_attr = TRUE)
  expect_equal(attr(g, "rank"), 2L)
  # rank one: A = v v' with |v|^2 = 5 has inverse A / 25
  B <- matrix(c(1, 2, 2, 4), 2)
  gb <- smartdid:::dcdh_ginv(B)
  expect_equal(c(gb), c(B / 25))
  expect_equal(attr(gb, "rank"), 1L)
  g0 <- smartdid:::dcdh_ginv(matrix(0, 2, 2))
  expect_equal(c(g0), rep(0, 4))
  expect_equal(attr(g0, "rank"), 0L)
})

test_that("tabulate_w() sums weights by key", {
  expect_equal(smartdid:::tabulate_w(c(3L, 1L, 3L), c(2, 5, 4), 4L), c(5, 0, 6, 0))
  expect_equal(smartdid:::tabulate_w(c(2L, 2L), 1, 3L), c(0, 2, 0))
  expect_equal(smartdid:::tabulate_w(integer(), numeric(), 2L), c(0, 0))
})

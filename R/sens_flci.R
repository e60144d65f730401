# The fixed-length confidence interval (Armstrong and Kolesar 2018, 2020)
# for l' tau under the smoothness restriction Delta^SD(M), as in Rambachan
# and Roth (2023, section 4.1).
#
# The interval is v' beta_pre + l' beta_post +- chi, an affine estimator with
# pre-period weights v, and half-length chi = cv_alpha(b / sigma) * sigma,
# where sigma is the estimator's standard deviation, b its worst-case bias
# over Delta^SD(M) and cv_alpha(t) the 1 - alpha quantile of |N(t, 1)|.
#
# Worst-case bias in closed form. Write delta as a slope times t plus hinge
# functions: max(t - j, 0) for a second difference at j >= 0 and
# max(j - t, 0) at j < 0 (both zero at t = 0, each with second difference 1
# at j only). The bias c' delta (c = (v, l)) is bounded only if c' t = 0,
# and then equals M * (C0 + sum_j |g_j' v|), with
#   C0 = sum_{j=0}^{T-1} |sum_{t > j} l_t (t - j)|      (post side, fixed),
#   g_j' v = sum_{t < j} v_t (j - t),  j = -K+1, ..., -1  (pre side).
# The frontier of (bias, sd) is traced by minimising
#   sum_j |g_j' v| + (lambda / 2) var(v)   subject to  t_pre' v = -t_post' l,
# solved for each lambda through its dual, a box-constrained strictly
# convex quadratic programme (quadprog's Goldfarb-Idnani active set method,
# exact); lambda is then chosen to minimise the half-length.

flci_setup <- function(sigma, K, T, l) {
  pre <- seq_len(K)
  post <- K + seq_len(T)
  tpre <- seq(-K, -1)
  tpost <- seq_len(T)
  G <- matrix(0, K - 1L, K)
  for (r in seq_len(K - 1L)) {
    j <- -K + r
    below <- tpre < j
    G[r, below] <- j - tpre[below]
  }
  C0 <- sum(vapply(seq(0, T - 1), function(j) {
    after <- tpost > j
    abs(sum(l[after] * (tpost[after] - j)))
  }, 1))
  S <- sigma[pre, pre, drop = FALSE]
  list(K = K, T = T, l = l, G = G, C0 = C0, S = S, Sinv = solve(S),
       s = drop(sigma[pre, post, drop = FALSE] %*% l),
       sqq = drop(crossprod(l, sigma[post, post, drop = FALSE] %*% l)),
       tpre = tpre, e = -sum(tpost * l))
}

flci_var <- function(v, st) sum(v * (st$S %*% v)) + 2 * sum(st$s * v) + st$sqq
flci_bias <- function(v, st) st$C0 + sum(abs(st$G %*% v))

# The minimum-variance weights (the bias does not depend on v when K = 1,
# and only linear trends are allowed when M = 0).
flci_minvar <- function(st) {
  Si_t <- st$Sinv %*% st$tpre
  Si_s <- st$Sinv %*% st$s
  mu <- (-st$e - sum(st$tpre * Si_s)) / sum(st$tpre * Si_t)
  drop(-Si_s - mu * Si_t)
}

# The frontier point for penalty lambda, through the dual in y = (z, mu):
# minimise (1 / (2 lambda)) w' S^-1 w + e mu with w = lambda s + H y,
# H = [G', t_pre], |z| <= 1; then v = -S^-1 w / lambda.
flci_point <- function(lambda, st) {
  H <- cbind(t(st$G), st$tpre)
  K <- st$K
  D <- crossprod(H, st$Sinv %*% H) / lambda
  D <- (D + t(D)) / 2
  dvec <- -(drop(crossprod(H, st$Sinv %*% st$s)) + c(rep(0, K - 1L), st$e))
  Amat <- cbind(rbind(diag(K - 1L), 0), rbind(-diag(K - 1L), 0))
  bvec <- rep(-1, 2L * (K - 1L))
  y <- quadprog::solve.QP(D, dvec, Amat, bvec)$solution
  drop(-st$Sinv %*% (lambda * st$s + H %*% y) / lambda)
}

# The 1 - alpha quantile of |N(t, 1)|: the c with Phi(c - t) - Phi(-c - t)
# = 1 - alpha, which lies between t + z_{1-alpha} and t + z_{1-alpha/2}.
qfoldnorm <- function(alpha, t) {
  t <- abs(t)
  if (!is.finite(t)) return(Inf)
  # beyond 30 the lower tail Phi(-c - t) is below 1e-200: c = t + z_{1-alpha}
  if (t > 30) return(t + stats::qnorm(1 - alpha))
  f <- function(x) stats::pnorm(x - t) - stats::pnorm(-x - t) - (1 - alpha)
  lo <- t + stats::qnorm(1 - alpha)
  hi <- t + stats::qnorm(1 - alpha / 2)
  if (t == 0) return(hi)
  # the ends are exact only up to rounding (pnorm(qnorm(p)) != p): widen a hair
  stats::uniroot(f, c(lo - 1e-6, hi + 1e-6), tol = 1e-13, extendInt = "upX")$root
}

flci_halflength <- function(v, st, M, alpha) {
  sdv <- sqrt(max(flci_var(v, st), 0))
  b <- M * flci_bias(v, st)
  if (sdv <= 0) return(b)
  qfoldnorm(alpha, b / sdv) * sdv
}

# The FLCI for one M: list(lower, upper, weights = c(v, l), halflength).
flci_interval <- function(beta, sigma, K, T, l, M, alpha) {
  st <- flci_setup(sigma, K, T, l)
  pre <- seq_len(K)
  if (M == 0 || K == 1L) {
    v <- flci_minvar(st)
  } else {
    # lambda on a scale where bias (units of beta per unit M) and the
    # variance term balance; search its logarithm far to both sides
    # the half-length is flat where the penalty is too small to move the
    # minimum-bias solution (or too large to move the minimum-variance one)
    # and dips in between, which golden-section search can miss from a
    # plateau: locate the dip on a grid of log(lambda), then refine
    scale <- M / st$sqq
    obj <- function(x) flci_halflength(flci_point(scale * exp(x), st), st, M, alpha)
    xs <- seq(-25, 25, by = 0.5)
    hs <- vapply(xs, obj, 1)
    i <- which.min(hs)
    opt <- stats::optimize(obj, c(xs[max(i - 1L, 1L)], xs[min(i + 1L, length(xs))]),
                           tol = 1e-10)
    if (hs[i] < opt$objective) opt <- list(minimum = xs[i], objective = hs[i])
    v <- flci_point(scale * exp(opt$minimum), st)
    # the ends of the frontier can be optimal: minimum variance or minimum bias
    v0 <- flci_minvar(st)
    if (flci_halflength(v0, st, M, alpha) < opt$objective) v <- v0
  }
  hl <- flci_halflength(v, st, M, alpha)
  centre <- sum(v * beta[pre]) + sum(l * beta[K + seq_len(T)])
  list(lower = centre - hl, upper = centre + hl, weights = c(v, l), halflength = hl)
}

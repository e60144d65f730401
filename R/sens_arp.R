# The conditional and conditional-least-favourable (hybrid) moment-inequality
# tests of Andrews, Roth and Pakes (2023) behind sensitivity(), inverted in
# closed form.
#
# A restriction on the trend violations delta (smoothness or relative
# magnitudes) is a set of moments A delta <= d. Under the null l' tau = theta
# the moments Y(theta) = A beta - d - A_post tau must be <= 0 for some tau
# with l' tau = theta. The test statistic is
#   eta(theta) = min over tau of max_i Y_i / sd_i
#              = max over lambda in F of lambda' Y(theta)       (LP duality),
# F = {lambda >= 0, lambda' sd = 1, lambda' A_post proportional to l'}.
# HonestDiD solves that LP (and, in degenerate cases, a sequence of LPs for
# the conditioning bounds) at every point of a grid. Here F is a polytope
# whose vertices are known in closed form, so eta, the optimal vertex and
# the conditioning interval [vlo, vup] are all maxima over a short list:
#
# * one post period (no nuisance parameter): the vertices of F are e_i / sd_i;
# * several post periods: the moments come in pairs, the "+" rows with post
#   part D (square, invertible) and the "-" rows with post part -D. Then
#   lambda+ - lambda- = c * nu with nu = D^-T l, and the vertices are the two
#   points with c > 0 and c < 0 and no mass on both rows of a pair, and the T
#   points putting mass on both rows of one pair (c = 0); nothing else can be
#   a vertex (mass on both rows of a pair and c != 0, or on two pairs, can be
#   moved in both directions without leaving F).
#
# Each vertex j contributes a line lambda_j' Y(theta) = a_j - c_j theta, with
# lambda_j' A_post = c_j l'. Given the optimal vertex gamma, the conditional
# test truncates eta / sigma_gamma to the interval on which gamma stays
# optimal when Y moves along Sigma gamma (ARP's Lemma): with
# B_j = lambda_j' Sigma gamma / gamma' Sigma gamma and s_j = a_j(theta) - B_j eta,
#   vlo = max over B_j < 1 of s_j / (1 - B_j),  vup = min over B_j > 1 of the same.

# The vertex list of F for a set of moments. `A` is m x n (columns: pre then
# post periods), `post` the indices of the post columns, `pairs` TRUE when the
# rows are the "+" rows followed by the matching "-" rows (several post
# periods). Returns list(L = J x m matrix of vertices, c = slopes in theta).
arp_vertices <- function(A, sigmaY, post, l, pairs) {
  sd <- sqrt(pmax(diag(sigmaY), 0))
  Apost <- A[, post, drop = FALSE]
  m <- nrow(A)
  if (!pairs) {
    # one post period: theta = l * tau, so lambda' A_post tau = (lambda' A_post / l) theta
    L <- diag(1 / sd, m)
    return(list(L = L, c = drop(L %*% Apost) / l))
  }
  nT <- m / 2L
  D <- Apost[seq_len(nT), , drop = FALSE]
  nu <- drop(solve(t(D), l))
  sp <- sd[seq_len(nT)]
  sm <- sd[nT + seq_len(nT)]
  pos <- pmax(nu, 0)
  neg <- pmax(-nu, 0)
  up <- c(pos, neg) / sum(pos * sp + neg * sm)    # c > 0
  dn <- c(neg, pos) / sum(neg * sp + pos * sm)    # c < 0
  pr <- cbind(diag(1 / (sp + sm), nT), diag(1 / (sp + sm), nT))
  L <- rbind(up, dn, pr)
  list(L = unname(L), c = c(1 / sum(pos * sp + neg * sm), -1 / sum(neg * sp + pos * sm),
                            rep(0, nT)))
}

# Everything the test needs that does not depend on theta.
arp_setup <- function(A, d, beta, sigma, post, l, pairs) {
  sigmaY <- A %*% sigma %*% t(A)
  v <- arp_vertices(A, sigmaY, post, l, pairs)
  list(a = drop(v$L %*% (A %*% beta - d)), c = v$c,
       SL = v$L %*% sigmaY %*% t(v$L), L = v$L, sigmaY = sigmaY,
       one = !pairs, dl = drop(v$L %*% d))
}

# The least-favourable critical value: the 1 - kappa quantile of eta under
# Y ~ N(0, Sigma_Y), by simulation (HonestDiD's recipe: `sims` draws under
# set.seed(seed), the symmetric square root of Sigma_Y, type-7 quantile). The
# caller's random-number state is left untouched (with_seed(), R/seed.R).
arp_lf_cv <- function(setup, kappa, sims = 1000L, seed = 0L) {
  m <- ncol(setup$L)
  xi <- arp_draws(seed, sims, m)
  ev <- eigen(setup$sigmaY, symmetric = TRUE)
  R <- ev$vectors %*% (t(ev$vectors) * sqrt(pmax(ev$values, 0)))
  W <- tcrossprod(xi %*% R, setup$L)      # sims x J
  eta <- W[cbind(seq_len(sims), max.col(W, ties.method = "first"))]
  stats::quantile(eta, 1 - kappa, names = FALSE, type = 7)
}

# The standard normal draws behind the critical value: the same for every
# restriction set of a given size, so they are drawn once per session.
arp_draws <- function(seed, sims, m) {
  if (is.null(seed)) return(matrix(stats::rnorm(sims * m), sims, m, byrow = TRUE))
  key <- paste(seed, sims, m)
  hit <- arp_cache$draws[[key]]
  if (!is.null(hit)) return(hit)
  xi <- with_seed(seed, matrix(stats::rnorm(sims * m), sims, m, byrow = TRUE))
  if (length(arp_cache$draws) > 50L) arp_cache$draws <- list()
  arp_cache$draws[[key]] <- xi
  xi
}
arp_cache <- new.env(parent = emptyenv())
arp_cache$draws <- list()

# Accept (TRUE) or reject each theta. `lf_cv` is NULL for the purely
# conditional test. Vectorised over theta.
arp_accept <- function(theta, setup, alpha, lf_cv = NULL, kappa = 0) {
  V <- setup$a - outer(setup$c, theta)               # J x G
  if (is.null(dim(V))) V <- matrix(V, ncol = length(theta))
  G <- length(theta)
  g <- max.col(t(V), ties.method = "first")
  idx <- cbind(g, seq_len(G))
  eta <- V[idx]
  s2 <- diag(setup$SL)[g]
  # a vertex with zero variance (smoothness: both rows of a pair) makes eta
  # a constant; the test is then eta > 0 (handled below)
  degenerate <- s2 < .Machine$double.eps
  B <- setup$SL[, g, drop = FALSE] / rep(ifelse(degenerate, 1, s2), each = nrow(V))
  s <- V - B * rep(eta, each = nrow(V))
  den <- 1 - B
  r <- s / den
  lo <- r
  lo[!(den > 1e-10)] <- -Inf
  up <- -r
  up[!(den < -1e-10)] <- -Inf
  vlo <- lo[cbind(max.col(t(lo), ties.method = "first"), seq_len(G))]
  vup <- -up[cbind(max.col(t(up), ties.method = "first"), seq_len(G))]
  size <- alpha
  first <- rep(FALSE, G)
  if (!is.null(lf_cv)) {
    size <- (alpha - kappa) / (1 - kappa)
    first <- eta > lf_cv
    # the second stage conditions on passing the first (eta <= lf_cv); with
    # one post period HonestDiD does not, and is followed here
    if (!isTRUE(setup$one)) vup <- pmin(vup, lf_cv)
  }
  sB <- sqrt(ifelse(degenerate, 1, s2))
  z <- eta / sB
  zlo <- vlo / sB
  zup <- vup / sB
  inside <- !degenerate & zlo <= z & z <= zup
  cval <- rep(Inf, G)
  # never reject when every moment holds (eta <= 0). With one post period
  # HonestDiD floors the critical value where the unnormalised moment
  # lambda' A y is 0 instead, i.e. at eta = -lambda' d (the same when d = 0,
  # as for relative magnitudes); followed here
  floor <- if (isTRUE(setup$one)) -setup$dl[g] / sB else rep(0, G)
  cval[inside] <- pmax(floor[inside], qtruncnorm(1 - size, zlo[inside], zup[inside]))
  reject <- inside & z > cval
  reject[degenerate] <- eta[degenerate] > 0
  reject[first] <- TRUE
  !reject
}

# Quantile p of the standard normal truncated to [lo, hi], accurate in the
# tails (upper-tail probabilities on the log scale when lo >= 0, by symmetry
# when hi <= 0). Vectorised.
qtruncnorm <- function(p, lo, hi) {
  n <- max(length(lo), length(hi))
  if (n == 0L) return(numeric())
  p <- rep_len(p, n)
  lo <- rep_len(lo, n)
  hi <- rep_len(hi, n)
  out <- numeric(n)
  flip <- hi <= 0
  up <- lo >= 0 & !flip
  mid <- !flip & !up
  out[up] <- qtn_upper(p[up], lo[up], hi[up])
  out[flip] <- -qtn_upper(1 - p[flip], -hi[flip], -lo[flip])
  if (any(mid)) {
    a <- stats::pnorm(lo[mid])
    b <- stats::pnorm(hi[mid])
    out[mid] <- stats::qnorm(a + p[mid] * (b - a))
  }
  out
}

qtn_upper <- function(p, lo, hi) {
  if (!length(p)) return(numeric())
  la <- stats::pnorm(lo, lower.tail = FALSE, log.p = TRUE)
  lb <- stats::pnorm(hi, lower.tail = FALSE, log.p = TRUE)
  # log of S(lo) - p * (S(lo) - S(hi)), S the upper tail
  lt <- la + log1p(-p * (-expm1(lb - la)))
  pmin(pmax(stats::qnorm(lt, lower.tail = FALSE, log.p = TRUE), lo), hi)
}

# The confidence set {theta accepted} of one restriction set, on a grid
# over [lo, hi]: list(lb, ub) (the smallest and largest accepted grid
# points, NA when none), step, open (an end of the grid was accepted) and
# the test `f`. arp_refine() then moves an end to the exact boundary.
arp_coarse <- function(setup, alpha, lf_cv, kappa, lo, hi, points = 501L) {
  grid <- seq(lo, hi, length.out = points)
  f <- function(x) arp_accept(x, setup, alpha, lf_cv, kappa)
  acc <- which(f(grid))
  step <- grid[2] - grid[1]
  if (!length(acc)) return(list(lb = NA_real_, ub = NA_real_, step = step, open = FALSE, f = f))
  list(lb = grid[min(acc)], ub = grid[max(acc)], step = step, f = f,
       open = min(acc) == 1L || max(acc) == points, first = min(acc) == 1L,
       last = max(acc) == points)
}

# The exact lower (`end = 1`) or upper (`end = 2`) boundary of a coarse set:
# between the last rejected and the first accepted grid point by nested
# grids (each pass divides the gap by 64; four passes reach about 1e-7 of
# the grid step). An end that reached the grid's edge stays there.
arp_refine <- function(co, end) {
  if (end == 1L) {
    if (isTRUE(co$first)) return(co$lb)
    refine_edge(co$f, co$lb - co$step, co$lb)
  } else {
    if (isTRUE(co$last)) return(co$ub)
    refine_edge(co$f, co$ub + co$step, co$ub)
  }
}

# The boundary between a rejected point `out` and an accepted point `inn`:
# the accepted point nearest `out` on nested grids.
refine_edge <- function(f, out, inn, passes = 4L, n = 65L) {
  for (k in seq_len(passes)) {
    x <- seq(out, inn, length.out = n)
    j <- which(f(x))[1]             # inn itself is accepted, so j exists
    if (j == 1L) return(x[1])
    out <- x[j - 1L]
    inn <- x[j]
  }
  inn
}

# theta bracket outside which eta exceeds `cv` for sure: the lines with
# c_j > 0 bound theta from below, those with c_j < 0 from above.
arp_bracket <- function(setup, cv) {
  cj <- setup$c
  aj <- setup$a
  lo <- if (any(cj > 0)) max((aj[cj > 0] - cv) / cj[cj > 0]) else -Inf
  hi <- if (any(cj < 0)) min((aj[cj < 0] - cv) / cj[cj < 0]) else Inf
  c(lo, hi)
}

# Controls of the dcdh estimator (de Chaisemartin and D'Haultfoeuille 2024,
# web appendix; DIDmultiplegtDYN's `controls`). For each baseline treatment
# k, theta_k is the coefficient of the first-differenced controls in the
# weighted regression of the first-differenced outcome on them and period
# effects, among the not-yet-switched cells of baseline k. Outcomes are then
# taken net of theta_k' X (every long difference becomes Y - theta_k' X
# differenced), and each unit's variance term gets the correction for
# theta_k's estimation: M_k' (G * Den_k^-1 s_g - theta_k), with M_k the
# effect's weights applied to the controls' long differences and s_g the
# unit's demeaned score in the first-difference regression.

# Everything that does not depend on the effect: theta_k, Den_k^-1 and the
# scores s_g, from the first differences of the layout.
dcdh_controls <- function(lay, tm) {
  G <- lay$G
  nT <- lay$nT
  p <- length(lay$X)
  Y <- tm$Y
  N <- lay$W
  N[is.na(Y) | is.na(tm$D) | is.na(N)] <- 0
  Xs <- lapply(lay$X, function(x) { x[is.na(Y)] <- NA; x })
  fd <- function(M) cbind(NA_real_, M[, -1L, drop = FALSE] - M[, -nT, drop = FALSE])
  dY <- fd(Y)
  dX <- lapply(Xs, fd)
  tmat <- matrix(rep(seq_len(nT), each = G), G)
  base <- tm$base
  okX <- Reduce(`&`, lapply(dX, function(x) !is.na(x)))
  A <- base >= 0 & tm$F > tmat & !is.na(dY) & okX
  key <- base + 1L + tm$K * (tmat - 1L)       # baseline-by-period cell of (g, t)
  nkt <- tm$K * nT
  sumA <- function(v) { v[!A] <- 0; tabulate_w(key[A], v[A], nkt) }
  wA <- sumA(N)
  resid <- lapply(dX, function(x) {
    m <- sumA(N * x) / wA
    r <- x - m[key]
    r[!A] <- 0
    r
  })
  K <- tm$K
  theta <- matrix(0, p, K)
  inv_den <- vector("list", K)
  alpha <- numeric(nkt)
  singular <- character()
  for (k in seq_len(K)) {
    rows <- A & base == k - 1L
    if (!any(rows)) next
    R <- vapply(resid, function(r) r[rows], numeric(sum(rows)))
    if (!is.matrix(R)) R <- matrix(R, ncol = p)
    w <- N[rows]
    XtX <- crossprod(R * w, R)
    Xty <- crossprod(R * w, dY[rows])
    Ginv <- dcdh_ginv(XtX)
    if (attr(Ginv, "rank") < p) singular <- c(singular, format(tm$dsq[match(k - 1L, base)]))
    theta[, k] <- Ginv %*% Xty
    inv_den[[k]] <- Ginv * G
  }
  if (length(singular)) {
    message("dcdh: the controls are collinear among the not-yet-switched units with ",
            "baseline treatment ", paste(singular, collapse = ", "), "; a generalised ",
            "inverse is used")
  }
  # period effects of the first-difference regressions, and the fitted values
  th_g <- theta[, pmax(base, 0) + 1L, drop = FALSE]      # p x G
  xb <- Reduce(`+`, lapply(seq_len(p), function(j) th_g[j, ] * dX[[j]]))
  alpha <- sumA(N * (dY - xb)) / wA
  Ehat <- xb + alpha[key]
  # units of each baseline not yet switched, by period (all units, observed
  # or not); the denominators N_c of the scores
  nc_kt <- tabulate_w(key[base >= 0 & tm$F > tmat], 1, nkt)
  n_cell <- nc_kt[key]
  Ehat <- Ehat * (n_cell >= 2)
  Fk <- rep(0, K)
  mx <- tapply(tm$F[base >= 0], base[base >= 0], max)
  Fk[as.integer(names(mx)) + 1L] <- mx
  Td <- Fk - 1
  in_nc <- base >= 0 & tmat >= 2 & tmat <= Td[pmax(base, 0) + 1L] & tmat < tm$F
  Nc <- tabulate(matrix(base + 1L, G, nT)[in_nc], nbins = K)
  list(theta = theta, inv_den = inv_den, resid = resid, N = N, dY = dY, Ehat = Ehat,
       n_cell = n_cell, A = A, Nc = Nc, tmat = tmat, X = Xs,
       Ytilde = Y - Reduce(`+`, lapply(seq_len(p), function(j) th_g[j, ] * Xs[[j]])))
}

# The per-unit scores s_g (G x p) for the variance correction; `compat`
# keeps 2.1.2's dropped terms of one-unit periods.
dcdh_scores <- function(ctrl, tm, compat) {
  f <- ifelse(ctrl$n_cell >= 2, sqrt(ctrl$n_cell / (ctrl$n_cell - 1)),
              if (compat) ifelse(ctrl$n_cell == 1, NaN, 1) else 1)
  use <- ctrl$A & ctrl$tmat >= 2 & ctrl$tmat <= tm$F - 1
  e <- ctrl$dY - ctrl$Ehat
  Nc <- ctrl$Nc[pmax(tm$base, 0) + 1L]
  vapply(ctrl$resid, function(r) {
    v <- r * ctrl$N * f * e
    v[!use | is.na(v)] <- 0
    rowSums(v) / Nc
  }, numeric(length(tm$base)))
}

# The correction to the variance terms of one effect and direction from the
# kernel's result `r` (with its weights on the controls' changes, r$UX).
dcdh_controls_term <- function(ctrl, tm, r, l, dir, compat) {
  G <- length(tm$base)
  base <- tm$base
  S <- ctrl$scores %||% dcdh_scores(ctrl, tm, compat)
  if (is.null(dim(S))) S <- matrix(S, nrow = G)
  use <- base >= 0 & l <= tm$Tg - 2
  part <- numeric(G)
  for (k in seq_len(tm$K)) {
    g_k <- base == k - 1L
    if (!any(g_k)) next
    M <- colSums(r$UX[use & g_k, , drop = FALSE]) / G
    sc <- S[g_k, , drop = FALSE] * (tm$F[g_k] >= 3)
    part[g_k] <- drop(sc %*% (ctrl$inv_den[[k]] %*% M)) - sum(M * ctrl$theta[, k])
  }
  if (compat) {
    # 2.1.2 adds the correction on every cell with a variance term, and
    # with a plus sign for switchers out
    (if (dir == 1L) -1 else 1) * part * r$n_var
  } else {
    -part
  }
}

# sum of w by integer key in 1..n
tabulate_w <- function(key, w, n) {
  out <- numeric(n)
  if (!length(key)) return(out)
  s <- rowsum(rep_len(as.double(w), length(key)), key)
  out[as.integer(rownames(s))] <- s[, 1]
  out
}

# Moore-Penrose inverse (with its rank as an attribute).
dcdh_ginv <- function(A) {
  s <- svd(A)
  tol <- max(dim(A)) * max(s$d, 0) * .Machine$double.eps
  pos <- s$d > tol
  out <- if (any(pos)) s$v[, pos, drop = FALSE] %*% (t(s$u[, pos, drop = FALSE]) / s$d[pos])
         else matrix(0, ncol(A), nrow(A))
  attr(out, "rank") <- sum(pos)
  out
}

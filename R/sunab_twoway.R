# The Sun-Abraham regression without its n x cells design matrix, for fits
# with unit and period effects only (balanced or not, weighted or not) and
# an iid or one-way clustered variance with the units nested in the
# clusters (the usual case: clusters at or above the unit).
#
# Only the outcome and the controls are demeaned by the engine (one call);
# the cohort-by-period dummies enter through cross-products that one pass
# over the rows gives (src/sunab.c): with the unit effects concentrated
# out, the period effects are solved exactly from the periods-by-periods
# block, as the engine's two-way solve does for a column. The residuals take
# one more engine call (the fitted dummies as one column), and the clustered
# meat and the per-cluster influence functions come from cluster sums. The
# regression is the same as sd_fit_matrix() on the dense dummies (same
# dropping of absorbed and collinear columns, same variance rules).

# Does sunab_fit_twoway() cover the fit's fixed effects and variance?
sunab_twoway_ok <- function(sp, fit) {
  type <- fit$vcov_info$type
  if (length(sp$fe) != 2L) return(FALSE)
  if (identical(type, "iid")) return(TRUE)
  identical(type, "cluster") && length(sp$cluster) == 1L && sp$cluster_G[[1]] >= 2L &&
    fe_nested(sp$fe[1L], sp$fe_nlev[1L], sp$cluster)
}

# Moore-Penrose inverse of a small symmetric positive semi-definite matrix
# (the period block is singular: one period per connected set is redundant
# with the unit effects).
sd_pinv_sym <- function(A, tol = 1e-10) {
  e <- eigen(A, symmetric = TRUE)
  ok <- e$values > tol * max(e$values, 0)
  U <- e$vectors[, ok, drop = FALSE]
  U %*% (t(U) / e$values[ok])
}

# Least squares of y on the dummies of `cells` (key with weighted counts n,
# idx per row) and the controls Z, unit and period effects of `sp` absorbed,
# with the fit's variance rules. `agg(names)`: the aggregation of the kept
# cells (sunab_weights()), whose rows A give the influence functions psi
# (clusters x event times, the small-sample factor folded in). Returns what
# es_sunab() reads from sd_fit_matrix(), psi in place of the scores.
sunab_fit_twoway <- function(y, cells, Z, sp, fit, agg) {
  caller <- "the Sun-Abraham estimator"
  w <- sp$weights
  nth <- fit$args$nthreads %||% 1L
  D <- sd_absorb(c(list(as.double(y)), lapply(seq_len(ncol(Z)), function(j) Z[, j])),
                 sp$fe, sp$fe_nlev, w, nth, caller)
  cell <- as.integer(cells$idx)
  s <- sunab_twoway_system(D, Z, cells, cell, sp)
  ols <- .Call(C_sd_sunab_solve, s$A[s$sel, s$sel, drop = FALSE], s$rhs[s$sel], 1e-10)
  k <- nrow(cells$key)
  kept <- which(s$sel)[ols$keep]
  b <- stats::setNames(ols$coefficients[ols$keep], c(cells$key$name, colnames(Z))[kept])
  bread <- ols$bread[ols$keep, ols$keep, drop = FALSE]
  kx <- kept[kept <= k]
  kz <- kept[kept > k] - k
  # residuals: the fitted dummies are one column, demeaned once
  bx <- numeric(k)
  bx[kx] <- b[seq_along(kx)]
  fx <- bx[cell]
  fx[is.na(fx)] <- 0
  e <- D[, 1L] - sd_absorb(list(fx), sp$fe, sp$fe_nlev, w, nth, caller)[, 1L]
  Zk <- if (length(kz)) D[, 1L + kz, drop = FALSE]
  if (length(kz)) e <- e - drop(Zk %*% b[length(kx) + seq_along(kz)])
  v <- sunab_twoway_vcov(e, b, bread, kx, cell, Zk, s$lam, sp, fit, agg)
  list(coefficients = b, vcov = v$V, df_t = v$df_t, nobs = length(y), psi = v$psi)
}

# The normal equations of [dummies, controls] from the demeaned outcome and
# controls D (n x (1 + p)): A, rhs, the columns not absorbed by the fixed
# effects (sel) and the period coefficients of the dummies (lam, k x T).
sunab_twoway_system <- function(D, Z, cells, cell, sp) {
  w <- sp$weights
  n <- nrow(D)
  k <- nrow(cells$key)
  nT <- sp$fe_nlev[[2L]]
  gr <- .Call(C_sd_sunab_gram, sp$fe[[1L]], sp$fe_nlev[[1L]], sp$fe[[2L]], nT, cell, k,
              w, D)
  ix <- seq_len(k)
  it <- k + seq_len(nT)
  XT <- gr$gram[ix, it, drop = FALSE]
  lam <- XT %*% sd_pinv_sym(gr$gram[it, it, drop = FALSE])
  XX <- gr$gram[ix, ix, drop = FALSE] - lam %*% t(XT)
  # dummies absorbed by the fixed effects, and absorbed controls, as
  # sd_fit_matrix() judges them (against the centred sums of squares)
  Wt <- if (is.null(w)) n else sum(w)
  keep_x <- diag(XX) > 1e-12 * pmax(cells$key$n - cells$key$n^2 / Wt, .Machine$double.xmin)
  Zd <- D[, -1L, drop = FALSE]
  ss_z <- pmax(colSums(Z^2) - n * colMeans(Z)^2, 0)
  keep_z <- colSums(Zd^2) > 1e-12 * pmax(ss_z, .Machine$double.xmin)
  if (!any(keep_x, keep_z)) sd_stop("every regressor is absorbed by the fixed effects")
  wZ <- if (is.null(w)) Zd else Zd * w
  XZ <- gr$xty[, -1L, drop = FALSE]
  list(A = rbind(cbind(XX, XZ), cbind(t(XZ), crossprod(Zd, wZ))),
       rhs = c(gr$xty[, 1L], crossprod(wZ, D[, 1L])), sel = c(keep_x, keep_z), lam = lam)
}

# The fit's iid or clustered variance of the coefficients b (bread: the
# inverse of their normal equations; kx the kept dummies, Zk the kept
# demeaned controls), its t degrees of freedom and, clustered, the
# influence functions of the event-time effects (psi).
sunab_twoway_vcov <- function(e, b, bread, kx, cell, Zk, lam, sp, fit, agg) {
  w <- sp$weights
  n <- length(e)
  ssc <- fit$args$ssc %||% ssc_rules()
  type <- fit$vcov_info$type
  K <- ssc_K(length(b), sp$fe, sp$fe_nlev, if (type == "cluster") sp$cluster, ssc)
  psi <- NULL
  if (type == "iid") {
    V <- bread * iid_sigma2(if (is.null(w)) sum(e^2) else sum(w * e^2), n, K, ssc)
    df <- n - K
  } else {
    G <- sp$cluster_G[[1L]]
    fac <- ssc_factor("cluster", n, K, G, ssc)
    cmap <- integer(nrow(lam))
    cmap[kx] <- seq_along(kx)
    ck <- cmap[cell]
    ck[is.na(ck)] <- 0L
    ag <- agg(names(b)[seq_along(kx)])
    Q <- bread[, seq_along(kx), drop = FALSE] %*% t(ag$A[ag$keep, , drop = FALSE]) * sqrt(fac)
    sc <- .Call(C_sd_sunab_scores, sp$cluster[[1L]], G, sp$fe[[2L]], ck,
                if (is.null(w)) e else w * e, Zk, lam[kx, , drop = FALSE], Q)
    V <- fac * bread %*% sc$meat %*% bread
    psi <- sc$psi
    rownames(psi) <- sp$cluster_levels[[1L]]
    df <- G - 1
  }
  dimnames(V) <- list(names(b), names(b))
  list(V = V, psi = psi, df_t = switch(ssc$t_df, normal = Inf, residual = n - K,
                                       cluster = df))
}

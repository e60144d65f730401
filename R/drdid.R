# Two-group, two-period DID on panel data with its influence function: the
# building block of att_gt(). Three estimators of the ATT of the treated group
# from the outcome changes dy:
#  - "none": the difference of mean changes (treated minus comparison);
#  - "or":   outcome regression (Heckman, Ichimura and Todd 1997): dy
#            regressed on the covariates among comparison units, predicted
#            for the treated;
#  - "dr":   doubly robust (Sant'Anna and Zhao 2020, their traditional
#            estimator): the regression adjustment combined with inverse
#            probability weights from a logit propensity score.
# The influence function psi satisfies att_hat - att = mean(psi) + o_p(n^-1/2)
# over the n units of the 2x2 sample, including the estimation effect of the
# regression and of the propensity score.

# dy: outcome changes; treat: 1 for the treated group, 0 for comparison units;
# X: covariates with an intercept column (ignored for "none"); w: sampling
# weights or NULL (rescaled to mean 1, as the did package does).
did2x2 <- function(dy, treat, X = NULL, method = c("none", "or", "dr"),
                   trim = 0.995, w = NULL, ps = NULL) {
  method <- match.arg(method)
  w <- if (is.null(w)) rep(1, length(dy)) else w / mean(w)
  if (method == "none" || is.null(X) || ncol(X) == 0L) {
    return(did2x2_plain(dy, treat, w))
  }
  if (method == "or") did2x2_or(dy, treat, X, w) else did2x2_dr(dy, treat, X, trim, w, ps)
}

did2x2_plain <- function(dy, treat, w = rep(1, length(dy))) {
  m1 <- rc_mean(dy, w * treat)
  m0 <- rc_mean(dy, w * (1 - treat))
  list(att = m1$m - m0$m, psi = m1$psi - m0$psi)
}

# Weighted OLS of dy on X among comparison units, with the asymptotically
# linear representation of its coefficients (n x k).
did2x2_ols <- function(dy, treat, X, w = rep(1, length(dy))) {
  rc_wls(dy, X, w * (1 - treat))
}

did2x2_or <- function(dy, treat, X, w = rep(1, length(dy))) {
  ols <- did2x2_ols(dy, treat, X, w)
  wd <- w * treat
  att <- sum(wd * (dy - ols$fitted)) / sum(wd)
  M1 <- colMeans(wd * X)
  psi <- (wd * (dy - ols$fitted - att) - drop(ols$lin %*% M1)) / mean(wd)
  list(att = att, psi = psi)
}

# ps: the fitted propensity score when already known (several outcomes share
# it), NULL to fit it.
did2x2_dr <- function(dy, treat, X, trim, w = rep(1, length(dy)), ps = NULL) {
  n <- length(dy)
  ps <- pmin(ps %||% rc_logit(treat, X, w), 1 - 1e-6)
  keep <- ifelse(treat == 1, 1, as.numeric(ps < trim))
  ols <- did2x2_ols(dy, treat, X, w)
  w1 <- keep * w * treat
  w0 <- keep * w * ps * (1 - treat) / (1 - ps)
  r <- dy - ols$fitted
  eta1 <- sum(w1 * r) / sum(w1)
  eta0 <- sum(w0 * r) / sum(w0)
  # estimation effect of the logit: its score times the inverse Hessian
  H_inv <- solve(crossprod(X * (w * ps * (1 - ps)), X) / n)
  lin_ps <- ((w * (treat - ps)) * X) %*% H_inv
  psi1 <- (w1 * (r - eta1) - drop(ols$lin %*% colMeans(w1 * X))) / mean(w1)
  M2 <- colMeans(w0 * (r - eta0) * X)
  psi0 <- (w0 * (r - eta0) + drop(lin_ps %*% M2) -
             drop(ols$lin %*% colMeans(w0 * X))) / mean(w0)
  list(att = eta1 - eta0, psi = psi1 - psi0)
}

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
# X: covariates with an intercept column (ignored for "none").
did2x2 <- function(dy, treat, X = NULL, method = c("none", "or", "dr"),
                   trim = 0.995) {
  method <- match.arg(method)
  if (method == "none" || is.null(X) || ncol(X) == 0L) return(did2x2_plain(dy, treat))
  if (method == "or") did2x2_or(dy, treat, X) else did2x2_dr(dy, treat, X, trim)
}

did2x2_plain <- function(dy, treat) {
  p <- mean(treat)
  m1 <- mean(dy[treat == 1])
  m0 <- mean(dy[treat == 0])
  psi <- treat * (dy - m1) / p - (1 - treat) * (dy - m0) / (1 - p)
  list(att = m1 - m0, psi = psi)
}

# OLS of dy on X among comparison units, with the asymptotically linear
# representation of its coefficients (n x k).
did2x2_ols <- function(dy, treat, X) {
  n <- length(dy)
  c0 <- 1 - treat
  XtX <- crossprod(X * c0, X) / n
  XtX_inv <- tryCatch(solve(XtX), error = function(e) {
    sd_stop("the covariates are collinear among the comparison units of a ",
            "group-time cell; drop some controls from the fit")
  })
  beta <- XtX_inv %*% (crossprod(X * c0, dy) / n)
  fitted <- drop(X %*% beta)
  lin <- (c0 * (dy - fitted) * X) %*% XtX_inv
  list(fitted = fitted, lin = lin)
}

did2x2_or <- function(dy, treat, X) {
  ols <- did2x2_ols(dy, treat, X)
  p <- mean(treat)
  att <- sum(treat * (dy - ols$fitted)) / sum(treat)
  M1 <- colMeans(treat * X)
  psi <- (treat * (dy - ols$fitted - att) - drop(ols$lin %*% M1)) / p
  list(att = att, psi = psi)
}

# Logit propensity score by Newton-Raphson, to machine precision.
did2x2_logit <- function(treat, X) {
  fit <- stats::glm.fit(X, treat, family = stats::binomial(),
                        control = list(epsilon = 1e-14, maxit = 100))
  if (!fit$converged) {
    warning("the propensity-score logit did not converge in a group-time cell",
            call. = FALSE)
  }
  if (anyNA(fit$coefficients)) {
    sd_stop("the covariates are collinear in the propensity score of a ",
            "group-time cell; drop some controls from the fit")
  }
  drop(X %*% fit$coefficients)
}

did2x2_dr <- function(dy, treat, X, trim) {
  n <- length(dy)
  ps <- stats::plogis(did2x2_logit(treat, X))
  ps <- pmin(ps, 1 - 1e-6)
  keep <- ifelse(treat == 1, 1, as.numeric(ps < trim))
  ols <- did2x2_ols(dy, treat, X)
  w1 <- keep * treat
  w0 <- keep * ps * (1 - treat) / (1 - ps)
  r <- dy - ols$fitted
  eta1 <- sum(w1 * r) / sum(w1)
  eta0 <- sum(w0 * r) / sum(w0)
  # estimation effect of the logit: its score times the inverse Hessian
  H_inv <- solve(crossprod(X * (ps * (1 - ps)), X) / n)
  lin_ps <- ((treat - ps) * X) %*% H_inv
  psi1 <- (w1 * (r - eta1) - drop(ols$lin %*% colMeans(w1 * X))) / mean(w1)
  M2 <- colMeans(w0 * (r - eta0) * X)
  psi0 <- (w0 * (r - eta0) + drop(lin_ps %*% M2) -
             drop(ols$lin %*% colMeans(w0 * X))) / mean(w0)
  list(att = eta1 - eta0, psi = psi1 - psi0)
}

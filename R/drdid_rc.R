# Two-group, two-period DID on repeated cross-sections (or on the rows of an
# unbalanced panel) with its influence function: the building block of
# att_gt() when units are not observed in both periods of a comparison. The
# data are the rows of the two periods, `post` = 1 in the later one. Sampling
# weights `w` enter every mean and regression; they are rescaled to mean 1
# over the rows, so the influence function is in the units of those rows.
#  - "none": the difference of four weighted cell means (group x period);
#  - "or":   outcome regression (Heckman, Ichimura and Todd 1997): the
#            comparison units' regressions of y on the covariates in each
#            period, predicted for the treated;
#  - "dr":   the locally efficient doubly robust estimator of Sant'Anna and
#            Zhao (2020, section 3.2): outcome regressions of both groups in
#            both periods, inverse probability weights from a logit propensity
#            score fitted on all rows, comparison rows with a score above
#            `trim` trimmed.
# psi satisfies att_hat - att = mean(psi) + o_p(n^-1/2) over the n rows,
# including the estimation effect of every regression and of the score.

# y: outcome; post, treat: 0/1; X: covariates with an intercept column
# (ignored for "none"); w: weights or NULL.
did2x2_rc <- function(y, post, treat, X = NULL, w = NULL,
                      method = c("none", "or", "dr"), trim = 0.995, ps = NULL) {
  method <- match.arg(method)
  n <- length(y)
  w <- if (is.null(w)) rep(1, n) else w / mean(w)
  if (method == "none" || is.null(X) || ncol(X) == 0L) {
    return(did2x2_rc_plain(y, post, treat, w))
  }
  if (method == "or") did2x2_rc_or(y, post, treat, X, w) else
    did2x2_rc_dr(y, post, treat, X, w, trim, ps)
}

# Weighted mean of y over the rows with weight wc, and that mean's influence
# function (rows outside the cell get 0).
rc_mean <- function(y, wc) {
  m <- sum(wc * y) / sum(wc)
  list(m = m, psi = wc * (y - m) / mean(wc))
}

did2x2_rc_plain <- function(y, post, treat, w) {
  t1 <- rc_mean(y, w * treat * post)
  t0 <- rc_mean(y, w * treat * (1 - post))
  c1 <- rc_mean(y, w * (1 - treat) * post)
  c0 <- rc_mean(y, w * (1 - treat) * (1 - post))
  list(att = (t1$m - t0$m) - (c1$m - c0$m),
       psi = (t1$psi - t0$psi) - (c1$psi - c0$psi))
}

# Weighted least squares of y on X over the rows with weight ws, predicted
# for every row, with the asymptotically linear representation of the
# coefficients over all n rows (n x k).
rc_wls <- function(y, X, ws) {
  n <- length(y)
  XtX <- crossprod(X * ws, X) / n
  XtX_inv <- tryCatch(solve(XtX), error = function(e) {
    sd_stop("the covariates are collinear in a regression of a group-time ",
            "cell; drop some controls from the fit")
  })
  beta <- XtX_inv %*% (crossprod(X * ws, y) / n)
  fitted <- drop(X %*% beta)
  list(fitted = fitted, lin = (ws * (y - fitted) * X) %*% XtX_inv)
}

did2x2_rc_or <- function(y, post, treat, X, w) {
  pre <- rc_wls(y, X, w * (1 - treat) * (1 - post))
  pst <- rc_wls(y, X, w * (1 - treat) * post)
  t1 <- rc_mean(y, w * treat * post)
  t0 <- rc_mean(y, w * treat * (1 - post))
  wd <- w * treat
  dmu <- pst$fitted - pre$fitted
  ec <- sum(wd * dmu) / sum(wd)
  M1 <- colMeans(wd * X)
  psi_c <- (wd * (dmu - ec) + drop((pst$lin - pre$lin) %*% M1)) / mean(wd)
  list(att = (t1$m - t0$m) - ec, psi = (t1$psi - t0$psi) - psi_c)
}

# Weighted logit by Newton-Raphson on cross-products, to machine precision;
# returns the fitted probabilities.
rc_logit <- function(treat, X, w) {
  beta <- numeric(ncol(X))
  for (it in 1:100) {
    p <- stats::plogis(drop(X %*% beta))
    H <- crossprod(X * (w * p * (1 - p)), X)
    step <- tryCatch(solve(H, crossprod(X, w * (treat - p))), error = function(e) {
      sd_stop("the covariates are collinear in the propensity score of a ",
              "group-time cell; drop some controls from the fit")
    })
    beta <- beta + drop(step)
    if (max(abs(step)) < 1e-12 * max(1, max(abs(beta)))) break
  }
  if (it == 100L) {
    warning("the propensity-score logit did not converge in a group-time cell",
            call. = FALSE)
  }
  stats::plogis(drop(X %*% beta))
}

did2x2_rc_dr <- function(y, post, treat, X, w, trim, ps = NULL) {
  n <- length(y)
  ps <- pmin(ps %||% rc_logit(treat, X, w), 1 - 1e-6)
  k <- w * ifelse(treat == 1, 1, as.numeric(ps < trim))
  c0 <- rc_wls(y, X, w * (1 - treat) * (1 - post))
  c1 <- rc_wls(y, X, w * (1 - treat) * post)
  t0 <- rc_wls(y, X, w * treat * (1 - post))
  t1 <- rc_wls(y, X, w * treat * post)
  r <- y - (post * c1$fitted + (1 - post) * c0$fitted)
  odds <- ps / (1 - ps)
  # the four IPW components on residuals from the comparison regressions
  wt0 <- k * treat * (1 - post)
  wt1 <- k * treat * post
  wc0 <- k * odds * (1 - treat) * (1 - post)
  wc1 <- k * odds * (1 - treat) * post
  a <- function(wc, v) sum(wc * v) / sum(wc)
  at0 <- a(wt0, r); at1 <- a(wt1, r); ac0 <- a(wc0, r); ac1 <- a(wc1, r)
  # the local-efficiency adjustment: treated minus comparison regressions
  wd <- k * treat
  d1 <- t1$fitted - c1$fitted
  d0 <- t0$fitted - c0$fitted
  ad1 <- a(wd, d1); adt1 <- a(wt1, d1); ad0 <- a(wd, d0); adt0 <- a(wt0, d0)
  att <- (at1 - at0) - (ac1 - ac0) + (ad1 - adt1) - (ad0 - adt0)
  lead <- function(wc, v, m) wc * (v - m) / mean(wc)
  dmean <- function(wc) colMeans(wc * X) / mean(wc)
  H_inv <- chol2inv(chol(crossprod(X * (ps * (1 - ps) * w), X))) * n
  lin_ps <- (w * (treat - ps) * X) %*% H_inv
  # the comparison regressions' estimation effect enters with the sign of
  # its period (as in DRDID >= 1.4.0, which corrected the pre-period sign)
  inf_t <- lead(wt1, r, at1) - lead(wt0, r, at0) -
    drop(c1$lin %*% dmean(wt1)) + drop(c0$lin %*% dmean(wt0))
  M2 <- colMeans(wc1 * (r - ac1) * X) / mean(wc1) -
    colMeans(wc0 * (r - ac0) * X) / mean(wc0)
  inf_c <- lead(wc1, r, ac1) - lead(wc0, r, ac0) + drop(lin_ps %*% M2) -
    drop(c1$lin %*% dmean(wc1)) + drop(c0$lin %*% dmean(wc0))
  inf_eff <- (lead(wd, d1, ad1) - lead(wt1, d1, adt1)) -
    (lead(wd, d0, ad0) - lead(wt0, d0, adt0))
  inf_or <- drop((t1$lin - c1$lin) %*% (dmean(wd) - dmean(wt1))) -
    drop((t0$lin - c0$lin) %*% (dmean(wd) - dmean(wt0)))
  list(att = att, psi = inf_t - inf_c + inf_eff + inf_or)
}

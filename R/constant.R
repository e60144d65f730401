# The intercept that Stata's areg and reghdfe print for a fixed-effects model
# (the grand-mean constant), with its standard error under the fit's own
# variance rules; and the refit pieces (demeaned design, cluster codes) that
# it and the heterogeneity test need.

#' Stata-style constant of a fixed-effects fit
#'
#' A model with unit and period fixed effects has no intercept of its own.
#' Stata's `areg` and `reghdfe` nevertheless report one: the grand-mean
#' constant `_cons = mean(y) - mean(X)' b`, the means taken over the
#' estimation sample (weighted when the fit has weights). Its standard error
#' comes from regressing `y~ + mean(y)` on `[1, X~ + mean(X)]`, with `y~`
#' and `X~` the demeaned outcome and regressors: the same residuals, the same
#' variance type (clustered, HC1 or iid) and the same small-sample factor as
#' the fit; the intercept's entry of that variance is the constant's.
#' The slopes and their variance are unchanged by the recentring.
#'
#' @param fit A [smartdid()] fit.
#' @return A one-row data frame: term (`"Constant"`), estimate, std.error,
#'   statistic, p.value (from the fit's t distribution).
#' @examples
#' d <- expand.grid(unit = 1:30, year = 1:8)
#' d$D <- as.numeric(d$unit <= 10 & d$year >= 5)
#' d$x <- sin(d$unit * d$year)
#' d$y <- 2 + d$D + d$x + cos(d$unit + d$year)
#' fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D")
#' stata_constant(fit)
#' @export
stata_constant <- function(fit) {
  check_fit(fit)
  pt <- sd_parts(fit)
  w <- pt$w
  wmean <- function(x) if (is.null(w)) mean(x) else sum(w * x) / sum(w)
  b <- fit$coefficients
  ybar <- wmean(pt$y)
  xbar <- vapply(seq_len(ncol(pt$X)), function(j) wmean(pt$X[, j]), 1)
  est <- ybar - sum(xbar * b)
  Z <- cbind(1, sweep(pt$Xd, 2L, xbar, `+`))
  V <- sd_sandwich(Z, pt, fit)
  se <- if (V[1L, 1L] >= 0) sqrt(V[1L, 1L]) else {
    warning("the variance of the constant is negative (two-way clustering); ",
            "its std. error is NA", call. = FALSE)
    NA_real_
  }
  tval <- est / se
  data.frame(term = "Constant", estimate = est, std.error = se,
             statistic = tval, p.value = 2 * stats::pt(-abs(tval), fit$df_t),
             stringsAsFactors = FALSE)
}

# The estimation sample (stored on the fit, sd_fit_panel()), the design of
# the kept regressors and its demeaned version for a fit.
sd_parts <- function(fit) {
  a <- fit$args
  data <- fit$data
  spec <- sd_fit_spec(fit)
  panel <- sd_fit_panel(fit, treatment = TRUE)
  design <- sd_design(data, panel, spec)
  ren <- fit$renamed
  hit <- names(design$X) %in% names(ren)
  names(design$X)[hit] <- ren[names(design$X)[hit]]
  terms <- names(fit$coefficients)
  X <- do.call(cbind, design$X[terms])
  colnames(X) <- terms
  M <- sd_absorb(c(list(design$y), design$X[terms]), panel$fe, panel$fe_nlev,
                 panel$weights, a$nthreads %||% 1L, "the constant-effect estimator")
  Xd <- M[, -1L, drop = FALSE]
  colnames(Xd) <- terms
  list(panel = panel, spec = spec, y = design$y, X = X, yd = M[, 1L], Xd = Xd,
       w = panel$weights, e = fit$residuals)
}

# Variance of the coefficients on Z with the fit's variance type and
# small-sample factor (iid: the fit's residual variance).
sd_sandwich <- function(Z, pt, fit) {
  w <- pt$w
  bread <- solve(if (is.null(w)) crossprod(Z) else crossprod(Z, w * Z))
  type <- fit$vcov_info$type
  if (type == "iid") {
    ssc <- fit$vcov_info$ssc
    return(bread * iid_sigma2(fit$ssr, fit$nobs, fit$K, ssc))
  }
  meat <- sd_meat(Z, pt$e, w, type, pt$panel$cluster, pt$panel$cluster_G)
  fit$vcov_info$factor * bread %*% meat %*% bread
}

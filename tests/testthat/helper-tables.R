# Independent references for the table, constant, mechanism and
# heterogeneity tests: two-way demeaning by lm() on explicit dummies and
# sandwich variances written out by hand.

# Residual of v on unit and year dummies (weighted if w), i.e. v demeaned.
dm_lm <- function(v, unit, year, w = NULL) {
  unname(stats::resid(stats::lm(v ~ factor(unit) + factor(year), weights = w)))
}

wmean <- function(x, w = NULL) if (is.null(w)) mean(x) else sum(w * x) / sum(w)

# Clustered sandwich on regressors Z: c * B (sum_g s_g s_g') B.
cr_hand <- function(Z, e, w, cl, c) {
  if (is.null(w)) w <- rep(1, length(e))
  B <- solve(crossprod(Z, w * Z))
  S <- rowsum(Z * (w * e), cl)
  c * B %*% crossprod(S) %*% B
}

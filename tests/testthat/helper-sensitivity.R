# An event study from coefficients in HonestDiD's layout: K pre periods
# (relative times -K-1, ..., -2), the reference -1, then the post periods
# (0, 1, ...).
sens_es <- function(beta, sigma, K, estimator = "manual") {
  beta <- unname(beta)
  sigma <- unname(sigma)
  n <- length(beta)
  k <- c(seq(-K - 1, -2), seq(0, n - K - 1))
  est <- data.frame(rel_time = c(k, -1), estimate = c(beta, 0),
                    std.error = c(sqrt(diag(sigma)), NA))
  est <- es_fill_stats(est)
  dimnames(sigma) <- rep(list(paste0("rel::", k)), 2)
  new_event_study(est, es_overall(est, sigma), estimator, nobs = 100, vcov = sigma)
}

# A positive-definite covariance with correlated neighbours.
sens_sigma <- function(n, scale = 0.01, rho = 0.5) {
  scale * rho^abs(outer(seq_len(n), seq_len(n), "-")) + scale / 5
}

# HonestDiD's shipped example (Benzarti and Carloni), read from its data
# when HonestDiD is installed.
# (HonestDiD is not on CRAN for this R and so not in Suggests: named through a
# variable, as everywhere in the tests)
hd_data <- function(name, pkg = "HonestDiD") {
  e <- new.env()
  utils::data(list = name, package = pkg, envir = e)
  e[[name]]
}

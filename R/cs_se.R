# att_gt()'s standard errors: analytic (from the influence functions) and
# the multiplier bootstrap.

# Analytic standard errors from influence functions (units x estimates),
# summed within clusters.
cs_se <- function(psi, cluster) {
  N <- nrow(psi)
  # (the clusters are the units when every code is distinct)
  S <- if (!anyDuplicated(cluster)) psi else rowsum(psi, cluster)
  if (!is.double(S)) storage.mode(S) <- "double"
  se <- sqrt(.Call(C_sd_colss, S)) / N
  se[se <= sqrt(.Machine$double.eps) * 10] <- NA
  se
}

# The same from the sums of squares of the cluster sums (cells).
cs_se_ss <- function(ss, N) {
  se <- sqrt(ss) / N
  se[se <= sqrt(.Machine$double.eps) * 10] <- NA
  se
}

# Multiplier bootstrap (C): bootstrap standard errors and the critical value
# of a simultaneous band over the columns of psi.
cs_bootstrap <- function(psi, cluster, biters, multiplier, level, N) {
  S <- if (length(unique(cluster)) == N) psi else rowsum(psi, cluster)
  S <- S * (nrow(S) / N)
  draws <- .Call(C_sd_mboot, S, as.integer(biters),
                 if (multiplier == "mammen") 1L else 2L)
  q <- function(b, p) stats::quantile(b, p, type = 1, names = FALSE)
  se <- apply(draws, 2L, function(b) (q(b, 0.75) - q(b, 0.25))) /
    (stats::qnorm(0.75) - stats::qnorm(0.25))
  se[se <= sqrt(.Machine$double.eps) * 10] <- NA
  ok <- !is.na(se)
  crit <- stats::qnorm(1 - (1 - level) / 2)
  if (sum(ok) > 1L) {
    tmax <- apply(abs(sweep(draws[, ok, drop = FALSE], 2L, se[ok], "/")), 1L, max)
    crit <- q(tmax, level)
  }
  list(se = se, crit = crit, draws = draws)
}

#' Joint Wald tests and a simultaneous (sup-t) band for an event study
#'
#' Every event study carries, in `es$joint`, the joint Wald test that all
#' estimated pre-period coefficients are zero, the same test for the
#' post-period coefficients (relative time >= 0), and a simultaneous
#' confidence band over all estimated coefficients, all from the event
#' study's own covariance matrix.
#'
#' **Wald tests.** `W = b' V^+ b` on the `q` = rank of `V`'s block, reported
#' as `F = W / q` with `q` and `df` degrees of freedom (chi-squared `W` on
#' `q` when `df = Inf`), as [es_pretest()].
#'
#' **Sup-t band.** `estimate +- c * std.error`, where `c` is the `level`
#' quantile of `max_k |Z_k|` for `Z` with the correlation matrix of the
#' estimates (multivariate t with `df` degrees of freedom when `df` is
#' finite): the band covers all coefficients at once with probability
#' `level` (Montiel Olea and Plagborg-Moller 2019). `c` is simulated with
#' `draws` draws under a fixed `seed`, leaving the caller's random-number
#' state untouched, so it is the same for the same event study.
#'
#' @param estimates Event-study estimates (`rel_time`, `estimate`,
#'   `std.error`, `term`, `reference`).
#' @param vcov Their covariance, named by term.
#' @param df Degrees of freedom (`Inf`: normal).
#' @param level Confidence level of the band.
#' @param draws,seed Simulation size and seed of the band's critical value.
#' @return A list: `pre` and `post` (each `NULL` or a list with `statistic`
#'   (F), `df1`, `df2`, `p.value`, `wald`, `rel_time`), `band` (a data frame
#'   `term`, `rel_time`, `conf.low`, `conf.high`), `crit` (the band's
#'   critical value), `level`; or `NULL` without a covariance.
#' @examples
#' est <- data.frame(rel_time = -2:2, estimate = c(0.1, 0, 0.5, 0.6, 0.8),
#'                   std.error = c(0.2, NA, 0.2, 0.2, 0.3))
#' est <- es_fill_stats(est, df = 30)
#' V <- diag(est$std.error[-2]^2)
#' dimnames(V) <- rep(list(paste0("rel::", c(-2, 0, 1, 2))), 2)
#' j <- es_joint(est, V, df = 30)
#' j$post
#' j$band
#' @export
es_joint <- function(estimates, vcov, df = Inf, level = 0.95, draws = 20000L,
                     seed = 1L) {
  if (is.null(vcov)) return(NULL)
  check_es_columns(estimates, c("rel_time", "estimate", "std.error"))
  if (!"term" %in% names(estimates)) estimates$term <- es_term(estimates$rel_time)
  ok <- es_estimated(estimates) & estimates$term %in% rownames(vcov)
  est <- estimates[ok, , drop = FALSE]
  b <- es_band(est, vcov, df, level, draws, seed)
  list(pre = es_wald(est[est$rel_time < 0, , drop = FALSE], vcov, df),
       post = es_wald(est[est$rel_time >= 0, , drop = FALSE], vcov, df),
       band = b$band, crit = b$crit, level = level)
}

# The Wald test that the coefficients of `est` are all zero (pseudo-inverse
# on the positive eigenvalues, so a singular block is tested on its rank).
es_wald <- function(est, vcov, df) {
  if (!nrow(est)) return(NULL)
  V <- vcov[est$term, est$term, drop = FALSE]
  eg <- eigen((V + t(V)) / 2, symmetric = TRUE)
  pos <- eg$values > max(eg$values, 0) * 1e-10
  if (!any(pos)) return(NULL)
  z <- crossprod(eg$vectors[, pos, drop = FALSE], est$estimate)
  W <- sum(z^2 / eg$values[pos])
  q <- sum(pos)
  Fs <- W / q
  p <- if (is.finite(df)) stats::pf(Fs, q, df, lower.tail = FALSE)
       else stats::pchisq(W, q, lower.tail = FALSE)
  list(statistic = Fs, df1 = q, df2 = df, p.value = p, wald = W, rel_time = est$rel_time)
}

es_band <- function(est, vcov, df, level, draws, seed) {
  if (!nrow(est)) return(NULL)
  se <- est$std.error
  crit <- es_supt_crit(vcov[est$term, est$term, drop = FALSE], df, level, draws, seed)
  list(crit = crit,
       band = data.frame(term = est$term, rel_time = est$rel_time,
                         conf.low = est$estimate - crit * se,
                         conf.high = est$estimate + crit * se))
}

# The level quantile of max |Z_k| / sd_k, Z ~ N(0, V) (or multivariate t).
es_supt_crit <- function(V, df, level, draws, seed) {
  s <- sqrt(pmax(diag(V), 0))
  keep <- s > 0
  if (!any(keep)) return(NA_real_)
  R <- V[keep, keep, drop = FALSE] / tcrossprod(s[keep])
  ev <- eigen((R + t(R)) / 2, symmetric = TRUE)
  root <- ev$vectors %*% (t(ev$vectors) * sqrt(pmax(ev$values, 0)))
  p <- sum(keep)
  z <- with_seed(seed, {
    zz <- matrix(stats::rnorm(draws * p), draws, p) %*% root
    if (is.finite(df)) zz <- zz / sqrt(stats::rchisq(draws, df) / df)
    zz
  })
  m <- abs(z)[cbind(seq_len(draws), max.col(abs(z), ties.method = "first"))]
  stats::quantile(m, level, names = FALSE, type = 7)
}

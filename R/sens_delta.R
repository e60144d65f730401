# The restriction sets of Rambachan and Roth (2023) as moment inequalities
# A delta <= d on the trend violations delta = (delta_pre, delta_post).
#
# Indexing (HonestDiD's): K pre periods t = -K, ..., -1, then T post periods
# t = 1, ..., T, with the reference period t = 0 normalised (delta_0 = 0) and
# left out of the columns. sens_col(t) is the column of delta_t (0 for t = 0).

sens_col <- function(t, K) ifelse(t < 0, t + K + 1, ifelse(t > 0, K + t, 0))

# A row vector with the given coefficients on delta_t (t = 0 dropped).
sens_row <- function(t, coef, K, T) {
  r <- numeric(K + T)
  for (i in seq_along(t)) {
    j <- sens_col(t[i], K)
    if (j > 0) r[j] <- r[j] + coef[i]
  }
  r
}

# Relative magnitudes, for the pre-period difference delta_s - delta_{s-1}
# (s = -K+1, ..., 0) taken as the largest one with sign `sgn`: every post
# first difference satisfies |delta_t - delta_{t-1}| <= Mbar * sgn *
# (delta_s - delta_{s-1}). Only the moments that involve post periods enter
# the test (HonestDiD's default, postPeriodMomentsOnly = TRUE): the "+" rows
# a_t - Mbar sgn g, then the "-" rows -a_t - Mbar sgn g, d = 0.
sens_rm_moments <- function(K, T, Mbar, s, sgn) {
  g <- sens_row(c(s, s - 1), c(1, -1), K, T)
  a <- t(vapply(seq_len(T), function(t) sens_row(c(t, t - 1), c(1, -1), K, T),
                numeric(K + T)))
  if (T == 1L) a <- matrix(a, 1L)
  shift <- matrix(Mbar * sgn * g, T, K + T, byrow = TRUE)
  list(A = rbind(a - shift, -a - shift), d = rep(0, 2L * T), pairs = T > 1L)
}

# Smoothness: |delta_{t+1} - 2 delta_t + delta_{t-1}| <= M. With several
# post periods only the second differences that involve a post period
# (t = 0, ..., T-1) enter the test; with one post period all of them do
# (HonestDiD's choices).
sens_sd_moments <- function(K, T, M) {
  centres <- if (T > 1L) seq(0, T - 1) else seq(-K + 1, T - 1)
  S <- t(vapply(centres, function(t) sens_row(c(t + 1, t, t - 1), c(1, -2, 1), K, T),
                numeric(K + T)))
  if (length(centres) == 1L) S <- matrix(S, 1L)
  list(A = rbind(S, -S), d = rep(M, 2L * nrow(S)), pairs = T > 1L)
}

# The list of moment sets whose union defines the restriction: one for
# smoothness, 2K (every s and sign) for relative magnitudes.
sens_moment_sets <- function(type, K, T, bound) {
  if (type == "smoothness") return(list(sens_sd_moments(K, T, bound)))
  out <- list()
  for (s in seq(-(K - 1), 0)) {
    for (sgn in c(1, -1)) out[[length(out) + 1L]] <- sens_rm_moments(K, T, bound, s, sgn)
  }
  out
}

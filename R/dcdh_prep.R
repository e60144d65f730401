# de Chaisemartin-D'Haultfoeuille: from a fit's rows to the units-by-periods
# layout the estimator works on, and each unit's timing.
#
# Conventions (those of the paper, adapted to unbalanced panels as
# DIDmultiplegtDYN 2.1.2 does):
#   period t = 1..T   the position of a row's period among the sorted distinct
#                     periods of the sample
#   d_sq[g]           baseline treatment: g's treatment in its first period
#   F[g]              first period whose treatment differs from d_sq[g]
#                     (T + 1: never changes)
#   T_g[g]            the last period in which some unit with g's baseline
#                     has not changed yet (g's comparisons exist up to
#                     there): max over that baseline of F (a never-switcher:
#                     its last observed period + 1), minus 1
#   S[g]              1 switcher in (mean treatment over F..T_g above d_sq),
#                     0 switcher out, NA otherwise
#   L[g]              T_g - F + 1: how many effects g contributes to
# Cells where a unit has had both a higher and a lower treatment than its
# baseline are set aside (the paper's design restriction 2), as are units
# whose baseline no other unit shares with a different F (no comparison), and
# periods in which every unit of a baseline has changed treatment.

# `unit`, `tidx`: integer codes 1..G and 1..T of the rows; y, d, w: doubles
# (w NULL for unit weights); X: list of control columns or NULL.
dcdh_layout <- function(unit, tidx, G, nT, y, d, w = NULL, X = NULL) {
  # one row per unit and period: smartdid() has refused duplicates already
  cell <- unit + (tidx - 1L) * G
  Y <- D <- W <- matrix(NA_real_, G, nT)
  Y[cell] <- y
  D[cell] <- d
  W[cell] <- if (is.null(w)) 1 else w
  Xm <- lapply(X, function(x) {
    m <- matrix(NA_real_, G, nT)
    m[cell] <- x
    m
  })
  list(Y = Y, D = D, W = W, X = Xm, G = G, nT = nT)
}

# Timing of every unit and the cells set aside, on a dcdh_layout(): loops run
# over the (few) periods, each step vectorised over the units.
dcdh_timing <- function(lay) {
  Y <- lay$Y
  D <- lay$D
  G <- lay$G
  nT <- lay$nT
  pres <- !is.na(Y) & !is.na(D)
  first <- rep(NA_integer_, G)
  last <- rep(NA_integer_, G)
  for (t in seq_len(nT)) {
    p <- pres[, t]
    first[p & is.na(first)] <- t
    last[p] <- t
  }
  dsq <- D[cbind(seq_len(G), first)]
  # design restriction 2: from the first period in which a unit has had both
  # a higher and a lower treatment than its baseline, its cells are set aside
  up <- dn <- rep(FALSE, G)
  n_both <- 0
  Fg <- rep(Inf, G)
  for (t in seq_len(nT)) {
    p <- pres[, t]
    dt <- D[, t]
    up <- up | (p & dt > dsq)
    dn <- dn | (p & dt < dsq)
    both <- up & dn & p
    if (any(both)) {
      n_both <- n_both + sum(both)
      pres[both, t] <- FALSE
      p <- pres[, t]
    }
    Fg[p & dt != dsq & is.infinite(Fg)] <- t
  }
  # baselines whose units all switch at the same period (or never) have no
  # comparison: set aside
  base <- group_codes(dsq)
  K <- length(attr(base, "levels"))
  base <- as.vector(base)
  Fkey <- ifelse(is.infinite(Fg), 0, Fg)
  nF <- tabulate(base[!duplicated(base * (nT + 2) + Fkey)], nbins = K)
  keep <- nF[base] > 1L
  n_nocomp <- sum(!keep)
  # periods in which every present unit of a baseline has already switched
  nc_kt <- matrix(0, K, nT)
  for (t in seq_len(nT)) {
    nc_kt[, t] <- tabulate(base[keep & pres[, t] & Fg > t], nbins = K)
  }
  lost <- 0
  for (t in seq_len(nT)) {
    off <- keep & pres[, t] & nc_kt[base, t] == 0
    if (any(off)) {
      lost <- lost + sum(off)
      pres[off, t] <- FALSE
    }
  }
  Tmax <- 0L
  for (t in seq_len(nT)) if (any(pres[keep, t])) Tmax <- t
  Fg[is.infinite(Fg)] <- Tmax + 1
  # a switcher unobserved just before its first switch cannot be timed: it
  # only serves as a comparison, up to its last period before the gap
  ldbf <- rep(0L, G)
  for (t in seq_len(nT)) ldbf[pres[, t] & t < Fg] <- t
  gap <- Fg <= Tmax & ldbf < Fg - 1
  for (t in seq_len(nT)) pres[gap & t > ldbf, t] <- FALSE
  Fg[gap] <- Tmax + 1
  Ftr <- ifelse(Fg == Tmax + 1, pmin(Fg, last + 1L), Fg)
  Tg_k <- rep(-Inf, K)
  mx <- tapply(Ftr[keep], base[keep], max)
  Tg_k[as.integer(names(mx))] <- mx
  Tg <- Tg_k[base] - 1
  # direction of switch: mean treatment from F to T_g above or below baseline
  s_sum <- s_cnt <- numeric(G)
  for (t in seq_len(nT)) {
    w <- pres[, t] & t >= Fg & t <= Tg
    s_sum[w] <- s_sum[w] + D[w, t]
    s_cnt[w] <- s_cnt[w] + 1
  }
  S <- ifelse(keep & Fg <= Tmax & s_cnt > 0, as.integer(s_sum / s_cnt > dsq), NA_integer_)
  dfg <- dsq
  sw <- Fg <= Tmax
  dfg[sw] <- D[cbind(which(sw), Fg[sw])]
  Y[!pres] <- NA_real_
  D[!pres] <- NA_real_
  list(Y = Y, D = D, pres = pres, dsq = dsq, base = ifelse(keep, base - 1L, -1L),
       K = K, F = as.integer(Fg), Tg = as.integer(pmax(Tg, -1)), S = S,
       L = as.integer(pmax(Tg - Fg + 1, -1)), dfg = dfg, keep = keep, Tmax = Tmax,
       set_aside = c(cells_both = n_both, units_no_comparison = n_nocomp,
                     cells_no_comparison = lost, units_gap = sum(gap)))
}

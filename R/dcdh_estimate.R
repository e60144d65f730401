# de Chaisemartin-D'Haultfoeuille (2024) event-study estimates from a
# dcdh_layout() and its dcdh_timing(): the effects DID_l, the placebos
# DID^pl_l, the average total effect, their influence functions and
# covariance. The per-effect work (long differences, comparison weights,
# cohort means, each unit's influence) is C (src/dcdh_kernel.c).
#
# Influence functions: for each estimate, U_g / G with sum_g U_g / G the
# estimate; the variance uses the cohort-demeaned U^var_g: V = sum over
# clusters of (sum_g U^var_g)^2 / G^2 (the paper's estimator; with
# compat = TRUE, DIDmultiplegtDYN 2.1.2's rules, see es_dcdh()).

dcdh_estimate <- function(lay, tm, effects, placebo, dirs = c(1L, 0L),
                          normalized = FALSE, cluster = NULL, compat = FALSE,
                          ctrl = NULL, quiet = FALSE) {
  G <- lay$G
  N <- lay$W
  N[is.na(tm$Y) | is.na(tm$D) | is.na(N)] <- 0
  Y <- if (is.null(ctrl)) tm$Y else ctrl$Ytilde
  # switcher cohorts: baseline, first switch, treatment at the switch
  dfg <- as.vector(group_codes(tm$dfg))
  coh <- group_codes((as.double(tm$base) * (lay$nT + 2) + tm$F) * (max(dfg) + 1) + dfg)
  ncoh <- length(attr(coh, "levels"))
  units <- list(as.integer(tm$base), tm$F, tm$Tg, tm$L,
                ifelse(is.na(tm$S), -1L, tm$S), as.integer(coh) - 1L)
  sizes <- c(tm$K, ncoh)
  Xl <- if (is.null(ctrl)) list() else ctrl$X
  if (!is.null(ctrl)) ctrl$scores <- dcdh_scores(ctrl, tm, compat)
  one <- function(l, dir, pl) {
    r <- .Call(C_dcdh_effect, Y, N, tm$D, Xl, as.double(tm$dsq), units, sizes,
               as.integer(c(l, dir, pl, compat)), as.double(G))
    if (!is.null(ctrl) && r$N > 0) r$Uv <- r$Uv + dcdh_controls_term(ctrl, tm, r, l, dir, compat)
    r
  }
  # how many effects and placebos some switcher can have
  sw <- !is.na(tm$S) & tm$S %in% dirs
  Lmax <- if (any(sw)) max(tm$L[sw]) else 0L
  if (Lmax < 1L) {
    sd_stop("no effect can be estimated: no unit changes treatment while a unit with ",
            "the same baseline treatment has not changed yet (design restriction 1 of ",
            "de Chaisemartin and D'Haultfoeuille)")
  }
  pl_ok <- sw & tm$F >= 3L
  Pmax <- if (any(pl_ok)) max(pmin(tm$L[pl_ok], tm$F[pl_ok] - 2L)) else 0L
  n_eff <- min(effects, Lmax)
  n_pl <- min(placebo, Pmax, n_eff)
  if (n_eff < effects && !quiet) {
    message("dcdh: ", effects, " effects requested, at most ", n_eff,
            " can be estimated; estimating ", n_eff)
  }
  if (n_pl < placebo && !quiet) {
    message("dcdh: ", placebo, " placebos requested, at most ", n_pl,
            " can be estimated (no more than the effects); estimating ", n_pl)
  }
  combine <- function(l, pl) {
    parts <- lapply(dirs, function(s) {
      if (l > max(c(0L, tm$L[!is.na(tm$S) & tm$S == s]))) return(list(N = 0, n_switchers = 0))
      one(l, s, as.integer(pl))
    })
    Ns <- vapply(parts, function(r) r$N, 1)
    tot <- sum(Ns)
    U <- Uv <- numeric(G)
    dn <- 0
    for (k in seq_along(dirs)) {
      if (Ns[k] <= 0) next
      sg <- if (dirs[k] == 1L) 1 else -1
      U <- U + Ns[k] / tot * sg * parts[[k]]$U
      Uv <- Uv + Ns[k] / tot * (if (compat) 1 else sg) * parts[[k]]$Uv
      dn <- dn + Ns[k] / tot * parts[[k]]$delta_norm
    }
    list(estimate = if (tot > 0) sum(U) / G else NA_real_, U = U, Uv = Uv, N = tot,
         n_switchers = sum(vapply(parts, function(r) r$n_switchers, 1)),
         delta_norm = dn, parts = parts, Ns = Ns)
  }
  eff <- lapply(seq_len(n_eff), combine, pl = FALSE)
  pls <- lapply(seq_len(n_pl), combine, pl = TRUE)
  ate <- dcdh_ate(eff, dirs, compat, G)
  all <- c(eff, pls)
  est <- vapply(all, function(e) e$estimate, 1)
  Uv <- vapply(all, function(e) e$Uv, numeric(G))
  U <- vapply(all, function(e) e$U, numeric(G))
  if (!is.matrix(Uv)) Uv <- matrix(Uv, nrow = G)
  if (!is.matrix(U)) U <- matrix(U, nrow = G)
  dn <- vapply(all, function(e) e$delta_norm, 1)
  if (normalized) {
    est <- est / dn
    Uv <- sweep(Uv, 2L, dn, "/")
    U <- sweep(U, 2L, dn, "/")
  }
  nm <- c(paste0("Effect_", seq_len(n_eff)), paste0("Placebo_", seq_len(n_pl)), "Av_tot_eff")
  est <- c(est, ate$estimate)
  Uv <- cbind(Uv, ate$Uv)
  U <- cbind(U, ate$U)
  colnames(Uv) <- colnames(U) <- names(est) <- nm
  # unestimable rows (no switcher) carry no influence
  Uv[, is.na(est)] <- 0
  cl <- if (is.null(cluster)) seq_len(G) else cluster
  Sc <- rowsum(Uv, cl, reorder = FALSE)
  V <- crossprod(Sc) / G^2
  V[is.na(est), ] <- NA
  V[, is.na(est)] <- NA
  list(estimate = est, V = V, U = U / G, Uv = Uv / G, n_effects = n_eff, n_placebo = n_pl,
       N = c(vapply(all, function(e) e$N, 1), sum(vapply(eff, function(e) e$N, 1))),
       n_switchers = c(vapply(all, function(e) e$n_switchers, 1),
                       sum(vapply(eff, function(e) e$n_switchers, 1))),
       delta_norm = dn, ate_weights = ate$weights, G = G,
       n_clusters = length(unique(cl)))
}


# The average total effect: the effects of both directions weighted by their
# switchers' weight, over the same weighted mean treatment change. As a
# combination of the DID_l it has weights N_l / sum_k (N^+_k dD^+_k +
# N^-_k dD^-_k), returned in `weights`.
dcdh_ate <- function(eff, dirs, compat, G) {
  dir_parts <- list()
  for (k in seq_along(dirs)) {
    Nl <- vapply(eff, function(e) e$Ns[k], 1)
    if (sum(Nl) == 0) next
    sg <- if (dirs[k] == 1L) 1 else -1
    wl <- Nl / sum(Nl)
    Un <- Uvn <- 0
    den <- 0
    for (i in seq_along(eff)) {
      if (Nl[i] == 0) next
      p <- eff[[i]]$parts[[k]]
      Un <- Un + wl[i] * p$U
      Uvn <- Uvn + wl[i] * p$Uv
      den <- den + wl[i] * p$delta_D
    }
    dir_parts[[length(dir_parts) + 1L]] <- list(
      U = sg * Un / den, Uv = (if (compat) 1 else sg) * Uvn / den, den = den,
      sN = sum(Nl))
  }
  if (length(dir_parts) == 2L) {
    a <- dir_parts[[1]]
    b <- dir_parts[[2]]
    wp <- a$den * a$sN / (a$den * a$sN + b$den * b$sN)
    U <- wp * a$U + (1 - wp) * b$U
    Uv <- wp * a$Uv + (1 - wp) * b$Uv
    total_den <- a$den * a$sN + b$den * b$sN
  } else {
    U <- dir_parts[[1]]$U
    Uv <- dir_parts[[1]]$Uv
    total_den <- dir_parts[[1]]$den * dir_parts[[1]]$sN
  }
  Ntot <- vapply(eff, function(e) e$N, 1)
  list(estimate = sum(U) / G, U = U, Uv = Uv, weights = Ntot / total_den)
}

# boottest() for the imputation event study (Borusyak, Jaravel and Spiess):
# the wild cluster bootstrap with the null imposed (WCR) for its horizons,
# by the rule for estimators linear in the outcome.
#
# The rule. BJS's estimate of horizon h is linear in the outcome,
# theta = a'y: a is w (1 / n_h) on the treated observations of the horizon
# and -Z0 (Z0'Z0)^- Z1'w1 on the untreated ones (Z the first-stage design).
# Its variance is sum_g s_g(y)^2, with cluster scores s_g = sum_{i in g}
# a_i eps_i linear in y: eps is the first-stage residual on untreated
# observations and tau_it minus its cohort-by-horizon cell mean on treated
# ones. Write y = yhat + eps: yhat (the first-stage fit plus the cell means
# of tau) is the model in which the effects are constant within cells, and
# the estimator reproduces it exactly (a'eps = 0, s_g(yhat) = 0). Imposing
# theta = r on that model by least squares on the treated observations
# shifts every cell of horizon h by the same amount, so with d the
# indicator of the treated observations of h (a'd = 1):
#   yhat_r = yhat - d (theta - r),   e_r = eps + d (theta - r),
# and a draw with weights v_h, one per cluster h, has the outcome
# y* = yhat_r + v_h e_r (rows of h), so that
#   theta* - r = sum_h v_h a_h'e_r,h,
#   s_g(y*) = sum_h v_h [s_g(eps masked to h) + (theta - r) s_g(d masked to h)].
# (The residuals of the saturated regression, one dummy per treated
# observation, are zero on treated observations and would leave the
# treated observations' noise out of the draws, which the variance keeps.)
# Both are linear in theta - r, so each draw's t is the same closed form in
# the tested value as for a regression (boottest_ci.R), and the interval
# follows by test inversion. The scores are the estimator's own (its
# influence functions in the event-study contract), evaluated by re-running
# it on the masked vectors: 2 G + 1 runs in all for G clusters (the scores
# of d masked to h for every horizon come from one run, the treated
# indicator masked to h, cells lying within horizons). a, eps and yhat
# come from a dense first stage (panels of up to a few thousand units and
# periods) and are checked against the event study: a'y against the
# estimates, the scores of eps against those of y.

bt_es_imputation <- function(x, est, param, cluster, opt, joint, band) {
  if (opt$impose_null && !is.null(cluster)) {
    sd_stop("'cluster' must be NULL for the WCR of the imputation estimator (the ",
            "estimator's own clusters are bootstrapped); use impose_null = FALSE ",
            "for the multiplier bootstrap")
  }
  out <- bt_es_multiplier(x, est, param, cluster, opt, joint, band)
  if (!opt$impose_null) return(out)
  tab <- out$estimates
  post <- which(tab$rel_time >= 0)
  if (!length(post)) return(out)
  lin <- bt_imp_linear(x, tab$rel_time[post])
  plan <- bt_plan(opt, lin$G, quiet = TRUE)
  V <- t(bt_draws(list(A = diag(lin$G), S = matrix(0, 0L, lin$G), dims = list()),
                  plan, opt)$num)                            # G x B weights
  t_boot <- matrix(NA_real_, plan$B, length(post),
                   dimnames = list(NULL, tab$term[post]))
  for (i in seq_along(post)) {
    res <- bt_imp_test(lin, i, V, opt)
    j <- post[i]
    tab$statistic[j] <- res$statistic
    tab$p.value[j] <- res$p.value
    tab$conf.low[j] <- res$conf.low
    tab$conf.high[j] <- res$conf.high
    t_boot[, i] <- res$t_boot
  }
  out$estimates <- tab
  out$t_boot <- t_boot
  out$B <- plan$B
  out$enumerated <- plan$enumerated
  out$impose_null <- TRUE
  out$method <- paste0("WCR for the horizons (linear in the outcome; bootstrap ",
                       "clusters: the estimator's); multiplier bootstrap of the ",
                       "influence functions for the pre-periods, the band and the ",
                       "joint test")
  out
}

# One horizon's WCR test (i: its column in lin), the draws' weights V.
bt_imp_test <- function(lin, i, V, opt) {
  a <- lin$a[, i]
  d <- lin$d[, i]
  sy <- lin$Sy[, i]
  est <- sum(a * lin$y)
  h <- lin$map
  n0 <- drop(rowsum(a * lin$eps, h, reorder = TRUE))
  n1 <- drop(rowsum(a * d, h, reorder = TRUE))
  P0 <- lin$Ce[[i]] %*% V
  P1 <- lin$Cd[[i]] %*% V
  bd <- list(num = cbind(drop(crossprod(V, n0)), drop(crossprod(V, n1))),
             cross = cbind(colSums(P0^2), colSums(P0 * P1), colSums(P1^2)))
  sd0 <- sqrt(sum(sy^2))
  delta0 <- est - opt$r
  cnt <- bt_count(bd, delta0, sd0)
  out <- list(statistic = delta0 / sd0, p.value = bt_pvalue(cnt, opt$p_type)[1],
              t_boot = bt_tstat(bd, delta0, 1), conf.low = NA_real_,
              conf.high = NA_real_)
  if (opt$conf_int) {
    ci <- bt_confint(bd, est, sd0, sd0, opt)
    out$conf.low <- ci[1]
    out$conf.high <- ci[2]
  }
  out
}

# BJS's weights a and the shift directions d (n x horizons), the residuals
# eps, the outcome, each row's cluster (map, 1..G in the order of the
# influence functions' rows) and the scores: Sy (G x horizons) at y, and
# per horizon Ce and Cd (G x G: the scores of eps and of d masked to each
# cluster).
bt_imp_linear <- function(x, hor) {
  fit <- x$fit
  st <- sd_staggered(fit, "the imputation estimator")
  n <- length(st$rows)
  u0 <- st$D == 0
  has_u <- tabulate(st$unit[u0], st$n_units) > 0
  has_t <- tabulate(st$tidx[u0], length(st$periods)) > 0
  tr <- !u0 & has_u[st$unit] & has_t[st$tidx]
  p <- sum(has_u) + sum(has_t) + ncol(st$X)
  if (p > 3000 || as.double(n) * p > 5e7) {
    sd_stop("the WCR of the imputation estimator handles panels of up to 3,000 units ",
            "and periods; use impose_null = FALSE (the multiplier bootstrap)")
  }
  Z <- cbind(bt_onehot(st$unit, has_u), bt_onehot(st$tidx, has_t), st$X)
  i0 <- which(u0)
  qz <- qr(Z[i0, , drop = FALSE])
  r <- qz$rank
  piv <- qz$pivot[seq_len(r)]
  Rr <- qr.R(qz)[seq_len(r), seq_len(r), drop = FALSE]
  y <- st$y
  rel <- st$rel
  a <- d <- matrix(0, n, length(hor))
  for (j in seq_along(hor)) {
    at <- tr & !is.na(rel) & rel == hor[j]
    q <- colSums(Z[at, , drop = FALSE]) / sum(at)
    tq <- backsolve(Rr, q[piv], transpose = TRUE)
    a[at, j] <- 1 / sum(at)
    a[i0, j] <- -qr.qy(qz, c(tq, numeric(length(i0) - r)))
    d[at, j] <- 1
  }
  # eps: first-stage residuals; tau minus its cohort-by-horizon mean
  eps <- numeric(n)
  eps[i0] <- qr.resid(qz, y[i0])
  it <- which(tr)
  gam <- backsolve(Rr, qr.qty(qz, y[i0])[seq_len(r)])
  tau <- y[it] - drop(Z[it, piv, drop = FALSE] %*% gam)
  cell <- paste(st$cohort[it], rel[it])
  eps[it] <- tau - stats::ave(tau, cell)
  cl <- bt_imp_clusters(fit, st)
  G <- max(cl)
  b <- x$estimates$estimate[match(hor, x$estimates$rel_time)]
  if (max(abs(drop(crossprod(a, y)) - b)) > 1e-7 * max(1, abs(b))) {
    sd_stop("boottest() could not rebuild the imputation estimator's weights for this ",
            "event study (its estimates differ); use impose_null = FALSE")
  }
  terms <- es_term(hor)
  score <- function(v) bt_imp_scores(fit, v, max(hor), G)[, terms, drop = FALSE]
  Sy <- score(y)
  Ce_all <- lapply(seq_len(G), function(h) score(ifelse(cl == h, eps, 0)))
  Cd_all <- lapply(seq_len(G), function(h) score(ifelse(cl == h & tr, 1, 0)))
  if (max(abs(Reduce(`+`, Ce_all) - Sy)) > 1e-7 * max(1, abs(Sy))) {
    sd_stop("boottest() could not rebuild the imputation estimator's residuals for ",
            "this event study; use impose_null = FALSE")
  }
  per <- function(L, j) vapply(L, function(S) S[, j], numeric(G))   # G x G
  list(a = a, d = d, eps = eps, y = y, map = cl, G = G, Sy = Sy,
       Ce = lapply(seq_along(hor), function(j) per(Ce_all, j)),
       Cd = lapply(seq_along(hor), function(j) per(Cd_all, j)))
}

# Dummy columns of the levels of `code` that are `used`.
bt_onehot <- function(code, used) {
  lev <- which(used)
  M <- matrix(0, length(code), length(lev))
  hit <- match(code, lev)
  M[cbind(which(!is.na(hit)), hit[!is.na(hit)])] <- 1
  M
}

# The imputation estimator's clusters on its rows (the fit's one-way
# clustering, the units otherwise), as codes 1..G in sorted order.
bt_imp_clusters <- function(fit, st) {
  vi <- fit$vcov_info
  if (identical(vi$type, "cluster") && length(vi$cluster) == 1L) {
    return(as.vector(group_codes(fit$data[[vi$cluster]][st$rows])))
  }
  st$unit
}

# The estimator's cluster scores (its influence functions, G x horizons) for
# the outcome v on the fit's rows: the fit re-run on v, then the event study.
bt_imp_scores <- function(fit, v, lags, G) {
  a <- fit$args
  d <- fit$data
  d[[fit$outcome]][fit$obs] <- v
  args <- c(list(formula = a$formula, data = d), a[c("id", "time", "treat", "cohort",
            "cluster", "vcov", "weights", "fe", "subset", "ssc", "singletons", "design",
            "treat_name")])
  args <- args[!vapply(args, is.null, TRUE)]
  f2 <- suppressWarnings(do.call(smartdid, c(args, list(nthreads = 1L))))
  # (the imputation estimator has no reference period; ref = 0 only passes
  # event_study()'s check)
  es <- suppressWarnings(event_study(f2, estimator = "imputation", leads = 0,
                                     lags = max(lags, 1), ref = 0))
  psi <- es$influence$psi
  if (is.null(psi) || nrow(psi) != G) {
    sd_stop("boottest(): the imputation estimator's influence functions do not have ",
            "one row per cluster; use impose_null = FALSE")
  }
  psi[order(as.numeric(rownames(psi))), , drop = FALSE]
}

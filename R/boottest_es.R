# boottest() for event studies: every event-time coefficient, the joint test
# of the pre-periods and a sup-t band.
#
# Which bootstrap, when:
# - "twfe" (the regression in es$model): the wild cluster bootstrap of
#   boottest.smartdid() on that regression. Each coefficient: WCR (or WCU)
#   with its interval by test inversion. The pre-periods: a wild bootstrap
#   Wald test with all of them set to zero under the null (WCR) or not
#   (WCU). The band: the (1 - level) quantile of max_j |t*_j| over the
#   estimated coefficients from WCU draws (the band is centred on the
#   estimates, so the null is not imposed).
# - "sunab": the wild cluster bootstrap on Sun and Abraham's interacted
#   regression, the estimates being linear combinations of its coefficients
#   (R/boottest_sunab.R): WCR imposes the null on the combination.
# - "imputation": WCR for the horizons by the rule for estimators linear in
#   the outcome (R/boottest_imputation.R); the rest as below.
# - estimators with influence functions in the contract (es$influence:
#   Callaway-Sant'Anna, imputation): the multiplier bootstrap of the
#   influence functions, psi's rows (units, summed to clusters when
#   `cluster` is coarser) multiplied by Rademacher or Webb weights:
#   deviations d*_j = sum_i v_i psi_ij, p-values mean(|d*_j| > |estimate_j|),
#   percentile-t intervals with the analytic std. errors, the band from
#   max_j |d*_j| / se_j, and the Wald test of the pre-periods with d*. The
#   null is not imposed there (no restricted re-estimation).
# - others without influence functions or a regression: an error saying so.

#' Wild bootstrap inference for an event study
#'
#' @describeIn boottest For an event study from [event_study()]: every
#'   event-time coefficient (or those in `param`, terms such as `"rel::2"`),
#'   the joint test of the pre-periods and a sup-t band. For the two-way
#'   fixed-effects event study (`estimator = "twfe"`) the wild cluster
#'   bootstrap runs on its regression (`es$model`). For the Sun-Abraham
#'   estimator (`estimator = "sunab"`) it runs on Sun and Abraham's interacted
#'   regression (cohort-by-relative-period dummies, the fit's controls and
#'   fixed effects, on the estimator's sample): each event-study coefficient
#'   is a linear combination of that regression's coefficients (the cohort
#'   shares), so WCR imposes the null on the combination and every draw
#'   re-estimates the whole regression; the t statistics are the event
#'   study's (delta-method std. errors). For the imputation estimator
#'   (`estimator = "imputation"`) the horizons (relative periods >= 0), which
#'   are linear in the outcome, get the WCR by the rule of
#'   `R/boottest_imputation.R`: the restricted outcome shifts the horizon's
#'   cohort-by-horizon effects to the null, the residuals are those of BJS's
#'   variance (first-stage residuals, and tau minus its cell mean), and every
#'   draw equals re-running the estimator on the bootstrap outcome (its own
#'   clusters are bootstrapped; 2 G + 1 runs of the estimator for G clusters,
#'   so this suits few clusters); its pre-period coefficients, the band and
#'   the joint test use the multiplier bootstrap below, as does
#'   `impose_null = FALSE`. For the Callaway-Sant'Anna estimator it is the
#'   multiplier bootstrap of the influence functions with Rademacher or Webb
#'   weights (the null is not imposed there). The result has class
#'   `smartdid_boottest_es`: `estimates` (one row per coefficient: term,
#'   rel_time, estimate, std.error, statistic, p.value, conf.low, conf.high,
#'   band.low, band.high), `joint` (the pre-period Wald test: statistic,
#'   p.value, terms), `band_crit`, `method`, `B`, `type`, and for the wild
#'   bootstrap `t_boot` (the bootstrap t statistics, one column per term).
#' @param joint Test the pre-periods jointly?
#' @param band Compute the sup-t band?
#' @export
boottest.smartdid_es <- function(x, param = NULL, B = 9999,
                                 type = c("rademacher", "webb", "mammen", "norm"),
                                 impose_null = TRUE, cluster = NULL, bootcluster = NULL,
                                 level = 0.95, conf_int = TRUE, seed = NULL, r = 0,
                                 p_type = c("symmetric", "equal-tailed", ">", "<"),
                                 tol = 1e-6, nthreads = smartdid_threads(),
                                 progress = interactive(), joint = TRUE, band = TRUE,
                                 ...) {
  check_no_dots("boottest()", ...)
  call <- match.call()
  opt <- bt_check_args(B, type, impose_null, level, conf_int, seed, r, p_type,
                       tol, nthreads, progress)
  check_flag(joint, "joint")
  check_flag(band, "band")
  est <- x$estimates
  est <- est[!est$reference & !is.na(est$std.error), , drop = FALSE]
  est$term <- es_term(est$rel_time)
  if (!is.null(param)) {
    if (!is.character(param) || !all(param %in% est$term)) {
      sd_stop("'param' must be NULL (every coefficient) or terms of the event ",
              "study: ", paste0("\"", est$term, "\"", collapse = ", "))
    }
  }
  out <- if (identical(x$estimator, "twfe") && inherits(x$model, "smartdid")) {
    bt_es_wild(x, est, param, cluster, bootcluster, opt, joint, band)
  } else if (identical(x$estimator, "sunab") && !is.null(x$info$cells)) {
    bt_es_sunab(x, est, param, cluster, bootcluster, opt, joint, band)
  } else if (identical(x$estimator, "imputation") && !is.null(x$influence)) {
    bt_es_imputation(x, est, param, cluster, opt, joint, band)
  } else if (!is.null(x$influence)) {
    bt_es_multiplier(x, est, param, cluster, opt, joint, band)
  } else {
    sd_stop("boottest() needs the regression (estimator \"twfe\") or influence ",
            "functions in the event study; the \"", x$estimator, "\" estimator ",
            "provides neither")
  }
  out$estimator <- x$estimator
  out$level <- level
  out$call <- call
  class(out) <- "smartdid_boottest_es"
  out
}

# The TWFE event study's regression, rebuilt from the fit and the model's
# rows: the relative-time dummies as es_twfe() makes them.
bt_es_design <- function(x) {
  fit <- x$fit
  model <- x$model
  info <- x$info
  tm <- es_timing(fit, info$switchers)
  rel <- tm$rel
  if (isTRUE(info$bin)) rel <- pmin(pmax(rel, -info$leads), info$lags)
  r <- rel[model$obs]
  terms <- names(model$coefficients)
  dum <- setdiff(terms, model$controls)
  k <- as.numeric(sub("^rel::", "", dum))
  extra <- lapply(k, function(v) as.double(!is.na(r) & r == v))
  names(extra) <- dum
  list(extra = extra, terms = terms)
}

bt_es_wild <- function(x, est, param, cluster, bootcluster, opt, joint, band) {
  fit <- x$fit
  reg <- x$model
  cl <- bt_clusters(fit, cluster %||% reg$vcov_info$cluster, bootcluster, obs = reg$obs)
  ds <- bt_es_design(x)
  model <- bt_model(fit, cl$boot$code, opt$nthreads, obs = reg$obs, extra = ds$extra,
                    coef_names = ds$terms, fe_sums = bt_dense_ok(cl))
  fac <- bt_factor(fit, cl, model$n, model = reg)
  k <- ncol(model$X)
  rows <- function(terms) {
    Rm <- matrix(0, length(terms), k)
    Rm[cbind(seq_along(terms), match(terms, ds$terms))] <- 1
    Rm
  }
  out <- bt_es_tests(model, rows, est, param, cl, opt, joint, band, fac)
  out$method <- paste0("wild cluster bootstrap on the regression (",
                       if (opt$impose_null) "WCR" else "WCU", "; band from WCU draws)")
  out
}

# Every coefficient's test and interval, the band and the joint pre-test of
# an event study that is a linear combination of a regression's
# coefficients: `rows(terms)` gives the combinations' rows (on model$X's
# columns) of the event-study terms.
bt_es_tests <- function(model, rows, est, param, cl, opt, joint, band, fac) {
  terms <- param %||% est$term
  plan <- bt_plan(opt, cl$boot$G)
  tests <- lapply(terms, function(tm) bt_test(model, rows(tm), cl, opt, fac, quiet = TRUE))
  tab <- est[match(terms, est$term), c("term", "rel_time", "estimate", "std.error"),
             drop = FALSE]
  tab$statistic <- vapply(tests, `[[`, 1, "statistic")
  tab$p.value <- vapply(tests, `[[`, 1, "p.value")
  tab$conf.low <- vapply(tests, `[[`, 1, "conf.low")
  tab$conf.high <- vapply(tests, `[[`, 1, "conf.high")
  crit <- NA_real_
  if (band) {
    parts <- bt_parts(model, rows(tab$term), model$u, cl)
    dr <- bt_draws(parts, plan, opt)
    crit <- bt_supt_crit(dr, fac$factor, opt$level)
  }
  tab$band.low <- tab$estimate - crit * tab$std.error
  tab$band.high <- tab$estimate + crit * tab$std.error
  jt <- if (joint) bt_es_wald_wild(model, est, rows, cl, opt, plan, fac$factor)
  rownames(tab) <- NULL
  t_boot <- matrix(vapply(tests, `[[`, numeric(plan$B), "t_boot"), plan$B,
                   dimnames = list(NULL, terms))
  list(estimates = tab, joint = jt, band_crit = crit, B = plan$B, type = opt$type,
       enumerated = plan$enumerated, impose_null = opt$impose_null, t_boot = t_boot,
       cluster = cl$cluster, n_clusters = stats::setNames(cl$G, cl$cluster),
       bootcluster = cl$boot$name, n_bootclusters = cl$boot$G)
}

# The (level) quantile of max_j |t*_j| over the rows of unrestricted draws.
bt_supt_crit <- function(dr, factor, level) {
  m <- ncol(dr$num)
  diag_cols <- cumsum(seq_len(m))               # (j, j) in the packed triangle
  se <- sqrt(factor * pmax(dr$cross[, diag_cols, drop = FALSE], 0))
  tmax <- apply(abs(dr$num) / se, 1L, max)
  unname(stats::quantile(tmax[is.finite(tmax)], level, type = 6))
}

# Wild bootstrap Wald test that every pre-period coefficient is zero.
bt_es_wald_wild <- function(model, est, rows, cl, opt, plan, factor) {
  pre <- est$term[est$rel_time < 0]
  if (!length(pre)) return(NULL)
  Rm <- rows(pre)
  b <- drop(Rm %*% model$beta)
  u <- model$u
  if (opt$impose_null) {                         # residuals with R beta = 0
    QR <- model$Q %*% t(Rm)
    u <- u + drop(model$X %*% (QR %*% solve(Rm %*% QR, b)))
  }
  V0 <- bt_rawvar(model, Rm, model$u, cl)
  W <- drop(b %*% solve(V0, b))                  # raw: the factor cancels
  parts <- bt_parts(model, Rm, u, cl)
  dr <- bt_draws(parts, plan, opt)
  Wb <- bt_wald_draws(dr, length(pre))
  ok <- is.finite(Wb)
  list(statistic = W / factor / length(pre), df = length(pre),
       p.value = sum(Wb[ok] > W * (1 + bt_tie_eps)) / sum(ok), terms = pre)
}

# Wald statistics of the draws, num' cross^-1 num (the numerators are
# R beta* - r under WCR and R beta* - R beta under WCU).
bt_wald_draws <- function(dr, m) {
  B <- nrow(dr$num)
  idx <- matrix(0L, m, m)
  q <- 0L
  for (j2 in seq_len(m)) for (j1 in seq_len(j2)) {
    q <- q + 1L
    idx[j1, j2] <- idx[j2, j1] <- q
  }
  vapply(seq_len(B), function(i) {
    S <- matrix(dr$cross[i, idx], m, m)
    n <- dr$num[i, ]
    out <- tryCatch(drop(n %*% solve(S, n)), error = function(e) NaN)
    out
  }, 1)
}

# The multiplier bootstrap of the contract's influence functions.
bt_es_multiplier <- function(x, est, param, cluster, opt, joint, band) {
  if (!opt$type %in% c("rademacher", "webb")) {
    sd_stop("'type' must be \"rademacher\" or \"webb\" for the multiplier ",
            "bootstrap of the \"", x$estimator, "\" estimator's influence functions")
  }
  inf <- x$influence
  psi <- inf$psi[, est$term, drop = FALSE]
  ids <- inf$ids
  if (!is.null(cluster)) psi <- bt_psi_by_cluster(x, psi, ids, cluster)
  G <- nrow(psi)
  se <- sqrt(inf$factor * colSums(psi^2))
  plan <- bt_plan(opt, G)
  parts <- list(A = t(psi), S = matrix(0, 0L, G), dims = list())
  dr <- bt_draws(parts, plan, opt)
  dev <- dr$num                                   # B x m deviations
  tstar <- abs(sweep(dev, 2L, se, "/"))
  terms <- param %||% est$term
  j <- match(terms, est$term)
  tab <- est[j, c("term", "rel_time", "estimate", "std.error"), drop = FALSE]
  tab$std.error <- se[j]
  tab$statistic <- tab$estimate / tab$std.error
  tab$p.value <- vapply(j, function(i) mean(tstar[, i] > abs(est$estimate[i] / se[i]) *
                                              (1 + bt_tie_eps)), 1)
  q <- vapply(j, function(i) unname(stats::quantile(tstar[, i], opt$level, type = 6)), 1)
  tab$conf.low <- tab$estimate - q * tab$std.error
  tab$conf.high <- tab$estimate + q * tab$std.error
  crit <- if (band) unname(stats::quantile(apply(tstar, 1L, max), opt$level, type = 6))
          else NA_real_
  tab$band.low <- tab$estimate - crit * tab$std.error
  tab$band.high <- tab$estimate + crit * tab$std.error
  jt <- NULL
  pre <- which(est$rel_time < 0)
  if (joint && length(pre)) {
    V <- inf$factor * crossprod(psi[, pre, drop = FALSE])
    b <- est$estimate[pre]
    W <- drop(b %*% solve(V, b))
    Wb <- apply(dev[, pre, drop = FALSE], 1L, function(d) drop(d %*% solve(V, d)))
    jt <- list(statistic = W / length(pre), df = length(pre),
               p.value = mean(Wb > W * (1 + bt_tie_eps)), terms = est$term[pre])
  }
  rownames(tab) <- NULL
  list(estimates = tab, joint = jt, band_crit = crit, B = plan$B, type = opt$type,
       enumerated = plan$enumerated, impose_null = FALSE,
       method = "multiplier bootstrap of the influence functions (null not imposed)",
       cluster = cluster, n_clusters = G, bootcluster = cluster %||% "influence rows",
       n_bootclusters = G)
}

# Influence functions summed within clusters (a column of the fit's data
# constant within each of psi's rows).
bt_psi_by_cluster <- function(x, psi, ids, cluster) {
  fit <- x$fit
  check_string(cluster, "cluster")
  check_column(fit$data, cluster, "cluster")
  idv <- fit$data[[fit$args$id]]
  clv <- fit$data[[cluster]]
  map <- unique(data.frame(id = idv, cl = clv))
  if (anyDuplicated(map$id)) {
    sd_stop("'cluster' column '", cluster, "' must be constant within each unit ",
            "for the multiplier bootstrap of influence functions")
  }
  g <- map$cl[match(ids, map$id)]
  if (anyNA(g)) sd_stop("'cluster': some units of the influence functions have no cluster")
  rowsum(psi, g, reorder = TRUE)
}

#' @export
format.smartdid_boottest_es <- function(x, digits = 4, ...) {
  tab <- x$estimates
  num <- c("estimate", "std.error", "statistic", "p.value", "conf.low", "conf.high",
           "band.low", "band.high")
  shown <- tab
  shown[num] <- lapply(tab[num], fmt_num, digits = digits)
  op <- options(width = 200)
  on.exit(options(op))
  lines <- utils::capture.output(print(shown[c("term", num)], row.names = FALSE))
  c(paste0("Wild bootstrap for an event study (", x$estimator, ")"),
    paste0("  ", x$method, ", ", x$type, " weights, ",
           if (x$enumerated) paste0("all ", x$B, " sign vectors") else paste0("B = ", x$B),
           "; bootstrap clusters: ", x$bootcluster, " (", x$n_bootclusters, ")"),
    lines,
    if (!is.na(x$band_crit)) paste0("  sup-t band (", 100 * x$level, " %): critical value ",
                                    fmt_num(x$band_crit, 3)),
    if (!is.null(x$joint)) paste0("  pre-periods jointly zero (", x$joint$df,
                                  " terms): Wald/df = ", fmt_num(x$joint$statistic, 3),
                                  ", bootstrap p = ", fmt_num(x$joint$p.value, digits)))
}

#' @export
print.smartdid_boottest_es <- function(x, digits = 4, ...) {
  cat(format(x, digits = digits), sep = "\n")
  invisible(x)
}

#' @rdname tidy.smartdid_boottest
#' @method tidy smartdid_boottest_es
#' @export
tidy.smartdid_boottest_es <- function(x, ...) x$estimates

#' @rdname plot.smartdid_boottest
#' @export
plot.smartdid_boottest_es <- function(x, main = "Event study, wild bootstrap", xlab = NULL,
                                      ...) {
  tab <- x$estimates
  yl <- range(c(tab$conf.low, tab$conf.high, tab$band.low, tab$band.high, 0),
              finite = TRUE)
  graphics::plot(tab$rel_time, tab$estimate, ylim = yl, pch = 19,
                 xlab = xlab %||% "Periods relative to adoption", ylab = "Estimate",
                 main = main, ...)
  graphics::abline(h = 0, lty = 3)
  if (all(is.finite(tab$band.low))) {
    graphics::segments(tab$rel_time, tab$band.low, tab$rel_time, tab$band.high,
                       col = "grey70", lwd = 6)
  }
  graphics::segments(tab$rel_time, tab$conf.low, tab$rel_time, tab$conf.high, lwd = 2)
  graphics::points(tab$rel_time, tab$estimate, pch = 19)
  invisible(tab)
}

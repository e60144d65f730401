# boottest() for the Sun-Abraham event study: the wild cluster bootstrap
# (WCR by default) on its interacted regression.
#
# The Sun-Abraham estimates are linear combinations R beta of the
# coefficients of one regression: the outcome on one dummy per adoption
# cohort and relative period (every relative period but -1), the fit's
# controls and fixed effects, on the sample without always-treated units
# (and, with the last cohort as the comparison, without the periods from
# its adoption on). Row e of R holds the cohort shares of relative period e
# (the cells' observations at e over all of them), as es_sunab() aggregates.
# The regression's clustered variance of R beta is the estimate's
# delta-method variance, so the event study's test of R beta = r is a test
# on a regression, and the wild cluster bootstrap of boottest.smartdid()
# applies with R as the hypothesis: the restricted regression imposes
# R beta = r, and every draw re-estimates the whole regression. The
# regression is rebuilt here from the event study's public result (its
# cells with their observation counts, and the comparison) and checked
# against its estimates.

bt_es_sunab <- function(x, est, param, cluster, bootcluster, opt, joint, band) {
  fit <- x$fit
  sa <- bt_sa_regression(x)
  cl <- bt_clusters(fit, cluster %||% fit$vcov_info$cluster, bootcluster, obs = sa$obs)
  model <- bt_model(fit, cl$boot$code, opt$nthreads, obs = sa$obs, extra = sa$extra,
                    coef_names = sa$terms, fe_sums = bt_dense_ok(cl))
  # the variance rules of the fit with the regression's own coefficient count
  fac <- bt_factor(fit, cl, model$n, model = list(coefficients = sa$terms, obs = sa$obs))
  k <- ncol(model$X)
  rows <- function(terms) {
    i <- match(terms, est$term)
    Rm <- matrix(0, length(terms), k)
    Rm[, seq_len(ncol(sa$A))] <- sa$A[match(est$rel_time[i], sa$rel), , drop = FALSE]
    Rm
  }
  b <- drop(rows(est$term) %*% model$beta)
  if (max(abs(b - est$estimate)) > 1e-7 * max(1, abs(est$estimate))) {
    sd_stop("boottest() could not rebuild the Sun-Abraham regression of this event ",
            "study (its estimates differ); refit the event study")
  }
  out <- bt_es_tests(model, rows, est, param, cl, opt, joint, band, fac)
  out$method <- paste0("wild cluster bootstrap on the interacted regression (",
                       if (opt$impose_null) "WCR" else "WCU", "; band from WCU draws)")
  out
}

# The Sun-Abraham regression of an event study: `obs` (rows of the fit's
# data), `extra` (the cells' dummies on those rows), `terms` (the dummies,
# then the fit's controls), `A` (relative periods x cells: the weights of
# each relative period `rel`).
bt_sa_regression <- function(x) {
  fit <- x$fit
  info <- x$info
  st <- sd_staggered(fit, "the Sun-Abraham estimator")
  keep <- !st$always[st$unit]
  cohort <- st$cohort
  if (identical(info$control, "last")) {
    gmax <- max(cohort[keep & is.finite(cohort)])
    keep <- keep & st$time < gmax
    cohort[cohort == gmax] <- Inf
  }
  rows <- which(keep)
  g <- cohort[rows]
  rel <- clock_rel(st$clock, st$time[rows], g)
  cells <- info$cells
  extra <- lapply(seq_len(nrow(cells)), function(j) {
    as.double(is.finite(g) & !is.na(rel) & g == cells$cohort[j] & rel == cells$rel[j])
  })
  names(extra) <- paste0(".sa", seq_len(nrow(cells)))
  es <- sort(unique(cells$rel))
  A <- t(vapply(es, function(e) {
    s <- ifelse(cells$rel == e, cells$n, 0)
    s / sum(s)
  }, numeric(nrow(cells))))
  list(obs = st$rows[rows], extra = extra,
       terms = c(names(extra), setdiff(names(fit$coefficients), fit$treat_name)),
       A = matrix(A, length(es)), rel = es)
}

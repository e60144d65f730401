# The Sun and Abraham (2021) interaction-weighted event study.
#
# The fit's model is re-estimated with one dummy per adoption cohort and
# relative period (period - cohort) instead of the single treatment dummy,
# every relative period except the reference -1, the never-treated units (or
# the last cohort to adopt) as the comparison. Each cohort-specific effect is
# then free of the contamination that the pooled two-way fixed-effects event
# study suffers under heterogeneous effects. The event-study coefficient of
# relative period e is the average of the cohort-specific ones, weighted by
# each cohort's share of the observations at e in the estimation sample; the
# overall effect weights every post-period (e >= 0) cohort-period cell by its
# number of observations. Standard errors by the delta method from the
# variance of the interaction coefficients, which follows the fit's rules
# (clustering, small-sample factor, t distribution); the weights are taken as
# fixed, as in fixest's sunab() aggregation.
#
# Details that match fixest::sunab(cohort, period) with its defaults:
# - always-treated units (treated in every period of the sample) are dropped;
# - cohorts adopting after the last period count as never treated;
# - without never-treated units, comparison = "last" makes the last cohort the
#   comparison and drops the periods from its adoption on (Sun and Abraham's
#   recommendation; fixest needs that subsample and ref.c = the last cohort);
# - interaction dummies absorbed by the fixed effects or collinear are dropped
#   (listed in info$dropped_cells) and do not enter the averages.

# Relative periods e in [-leads, lags] are reported (all by default); the
# regression itself always has every relative period.
es_sunab <- function(fit, leads = NULL, lags = NULL, level = 0.95,
                     comparison = c("auto", "never", "last"), ..., control = NULL) {
  check_no_dots("the Sun-Abraham estimator", ...)
  check_level(level)
  control <- sd_renamed(comparison, control, "comparison", "control",
                        "event_study(estimator = \"sunab\")", !missing(comparison))
  control <- sd_match_arg(control, c("auto", "never", "last"), "comparison")
  st <- sd_staggered(fit, "the Sun-Abraham estimator")
  sa <- sunab_sample(st, control)
  rows <- sa$keep
  cells <- sunab_dummies(sa$cohort[rows], clock_rel(st$clock, st$time[rows],
                                                     sa$cohort[rows]))
  Z <- st$X[rows, , drop = FALSE]
  sp <- sd_subpanel(fit, st$rows[rows])
  # (weighted) observations per cell, as fixest's aggregation counts them
  has <- !is.na(cells$idx)
  n_cell <- if (is.null(sp$weights)) tabulate(cells$idx[has], nrow(cells$key)) else
    rowsum_full(sp$weights[has], cells$idx[has], nrow(cells$key))[, 1L]
  cells$key$n <- n_cell
  agg <- function(names) sunab_weights(cells$key[match(names, cells$key$name), ],
                                       leads, lags)
  est <- if (sunab_twoway_ok(sp, fit)) {
    sunab_fit_twoway(st$y[rows], cells, Z, sp, fit, agg)
  } else {
    sd_fit_matrix(st$y[rows], cbind(sunab_design(cells), Z), sp, fit)
  }
  ok <- cells$key$name %in% names(est$coefficients)
  key <- cells$key[ok, , drop = FALSE]
  if (!nrow(key)) sd_stop("every cohort-by-period effect is collinear with the fixed effects")
  b <- est$coefficients[key$name]
  V <- est$vcov[key$name, key$name, drop = FALSE]
  ag <- agg(key$name)
  Ak <- ag$A[ag$keep, , drop = FALSE]
  Ve <- Ak %*% V %*% t(Ak)
  infl <- if (!is.null(est$psi)) {
    list(psi = est$psi, ids = rownames(est$psi), factor = 1)
  } else if (!is.null(est$scores)) {
    psi <- est$scores[, key$name, drop = FALSE] %*% t(Ak)
    list(psi = psi, ids = rownames(psi), factor = 1)
  }
  es_build(ag$es[ag$keep], drop(Ak %*% b), sqrt(diag(Ve)), Ve,
           list(estimate = sum(ag$a_att * b),
                std.error = sqrt(drop(ag$a_att %*% V %*% ag$a_att))),
           "sunab", est$nobs, fit, level, df = est$df_t, ref = -1,
           overall_weights = ag$w_ov, influence = infl,
           info = list(control = sa$control, outcome = fit$outcome,
                       cohorts = sort(unique(key$cohort)),
                       cells = cbind(key[, c("cohort", "rel", "n")],
                                     estimate = unname(b), std.error = sqrt(diag(V))),
                       dropped_cells = setdiff(cells$key$name, key$name),
                       dropped_units = sa$dropped_units,
                       overall_label = "cohort-share-weighted ATT",
                       note = paste0("Sun-Abraham interaction-weighted: ", sa$control,
                                     " comparison, cohort-share weights; std. ",
                                     "errors by the delta method with the fit's ",
                                     "variance rules")))
}

# The aggregation of the estimated cells `key` (cohort, rel, n): A maps the
# cells to the event-time effects of relative periods es (each a cohort-share
# weighted average), `keep` the ones in the leads/lags window, a_att the
# overall effect's weights on the cells and w_ov its weights on the reported
# event-time effects (NULL when the window leaves out a post period).
sunab_weights <- function(key, leads, lags) {
  es <- sort(unique(key$rel))
  A <- t(vapply(es, function(e) {
    s <- ifelse(key$rel == e, key$n, 0)
    s / sum(s)
  }, numeric(nrow(key))))
  A <- matrix(A, nrow = length(es))
  a_att <- ifelse(key$rel >= 0, key$n, 0)
  a_att <- a_att / sum(a_att)
  keep <- sd_window(es, leads, lags)
  # the overall effect weights each post period by its observations: a
  # linear combination of the rows when the window keeps every post period
  n_e <- vapply(es, function(e) sum(key$n[key$rel == e]), 1)
  w_ov <- if (all(keep | es < 0)) (n_e * (es >= 0) / sum(n_e[es >= 0]))[keep]
  list(es = es, A = A, keep = keep, a_att = a_att, w_ov = w_ov)
}

# Rows of the staggered sample used by the regression, and the comparison.
sunab_sample <- function(st, control) {
  never <- any(is.infinite(st$unit_cohort))
  if (control == "auto") control <- if (never) "never" else "last"
  if (control == "never" && !never) {
    sd_stop("there are no never-treated units; use comparison = \"last\" to ",
            "compare with the last cohort to adopt")
  }
  keep <- !st$always[st$unit]
  if (control == "last") {
    gmax <- max(st$cohort[keep & is.finite(st$cohort)])
    keep <- keep & st$time < gmax
    st$cohort[st$cohort == gmax] <- Inf
  }
  if (!any(is.finite(st$cohort[keep]))) {
    sd_stop("the Sun-Abraham estimator found no treated cohort to estimate")
  }
  list(keep = which(keep), cohort = st$cohort, control = control,
       dropped_units = sum(st$always))
}

# One dummy per (cohort, relative period) except relative period -1: the
# cells (key: cohort, rel, name) and each row's cell (idx, NA for none);
# `rel` is the clock's relative time of each row (NA for never-treated
# units). Cells are coded by integer arithmetic on the cohort and
# relative-period indices (no string keys).
sunab_dummies <- function(cohort, rel) {
  tr <- is.finite(cohort) & !is.na(rel)
  cell <- tr & rel != -1
  gl <- sort(unique(cohort[cell]))
  rl <- sort(unique(rel[cell]))
  code <- rep(NA_integer_, length(cohort))
  code[cell] <- (match(cohort[cell], gl) - 1L) * length(rl) + match(rel[cell], rl)
  used <- sort(unique(code[cell]))
  key <- data.frame(cohort = gl[(used - 1L) %/% length(rl) + 1L],
                    rel = rl[(used - 1L) %% length(rl) + 1L])
  key$name <- paste0("sa::", key$cohort, "::", key$rel)
  list(key = key, idx = match(code, used))
}

# The dense n x cells dummy matrix, for the fits that sunab_fit_twoway()
# does not cover.
sunab_design <- function(cells) {
  idx <- cells$idx
  X <- matrix(0, length(idx), nrow(cells$key), dimnames = list(NULL, cells$key$name))
  X[cbind(which(!is.na(idx)), idx[!is.na(idx)])] <- 1
  X
}

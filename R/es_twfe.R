# The two-way fixed-effects event study (event_study(estimator = "twfe")).

# The fit's model with relative-time
# dummies in place of the treatment dummy, through the same engine.
es_twfe <- function(fit, leads, lags, ref, bin, level, switchers, ...) {
  check_no_dots("event_study(estimator = \"twfe\")", ...)
  a <- fit$args
  data <- fit$data
  tm <- es_timing(fit, switchers)
  # no unit is observed further than T - 1 periods from its adoption; a far
  # wider window would only build empty dummies (8: the default 'lags')
  max_k <- max(tm$clock$n_periods - 1L, 8L)
  if (leads > max_k || lags > max_k) {
    sd_stop("'leads' and 'lags' must be at most ", max_k, " (the panel has ",
            tm$clock$n_periods, " periods)")
  }
  es_timing_message(tm)
  rel <- tm$rel
  in_subset <- subset_mask(data, a$subset)
  keep <- in_subset & !tm$drop_row
  outside <- !is.na(rel) & (rel < -leads | rel > lags)
  if (bin) {
    rel <- pmin(pmax(rel, -leads), lags)
  } else {
    keep <- keep & !outside
  }
  # the one place that re-runs sd_panel() on a fit's arguments rather than
  # reading the stored panel (sd_fit_panel()): the event study's sample is
  # not the fit's (its own subset, window and singletons), so its codes,
  # clusters and dropped rows must be made afresh
  spec <- sd_fit_spec(fit)
  panel <- sd_panel(data, a$id, a$time, a$treat, a$cohort, spec$vars, spec$cluster,
                    a$weights, a$fe, keep, singletons = a$singletons)
  panel$dropped <- es_dropped(panel$dropped, in_subset, tm, if (bin) NULL else outside)
  design <- sd_design(data, panel, spec)
  r <- rel[panel$obs]
  times <- setdiff(seq(-leads, lags), ref)
  dummies <- lapply(times, function(k) as.double(!is.na(r) & r == k))
  names(dummies) <- es_term(times)
  counts <- vapply(dummies, sum, 1)
  if (all(counts == 0)) {
    sd_stop("no treated unit has an observation in the event window; check ",
            "'leads', 'lags' and the treatment")
  }
  # the engine requires its first regressor to be estimable: lead with the
  # best-populated dummy (the order of the output does not depend on this)
  ord <- order(-counts)
  X <- c(dummies[ord], design$X[-1L])
  est <- sd_estimate(design$y, X, panel, spec, a$nthreads %||% smartdid_threads(),
                     caller = "event_study()", scores = TRUE)
  model <- sd_build_fit(est, list(X = X), panel, spec)
  model$treat_name <- names(dummies)[ord[1]]
  model$controls <- setdiff(names(X), names(dummies))
  model$call <- NULL  # not refittable by update(): it has no treatment column

  b <- est$coefficients
  V <- est$V
  terms_est <- intersect(names(dummies), names(b))
  b_rel <- rep(NA_real_, length(times))
  names(b_rel) <- names(dummies)
  b_rel[terms_est] <- b[terms_est]
  se_rel <- rep(NA_real_, length(times))
  se_rel[match(terms_est, names(dummies))] <- sqrt(pmax(diag(V)[terms_est], 0))
  Vrel <- V[terms_est, terms_est, drop = FALSE]
  collinear <- times[!names(dummies) %in% terms_est]
  if (length(collinear)) {
    message("relative period(s) ", paste(collinear, collapse = ", "), " could not be ",
            "estimated (no observations, or collinear with the fixed effects); ",
            "reported as NA")
  }
  est_tab <- data.frame(rel_time = c(times, ref),
                        estimate = c(unname(b_rel), rep(0, length(ref))),
                        std.error = c(se_rel, rep(NA_real_, length(ref))))
  est_tab <- est_tab[order(est_tab$rel_time), ]
  est_tab <- es_fill_stats(est_tab, model$df_t, level)
  est_tab$n_obs <- vapply(est_tab$rel_time, function(k) sum(!is.na(r) & r == k), 1)
  overall <- es_overall(est_tab, Vrel, model$df_t, level)
  post <- es_estimated(est_tab) & est_tab$rel_time >= 0
  w_overall <- if (any(post)) {
    stats::setNames(rep(1 / sum(post), sum(post)), es_term(est_tab$rel_time[post]))
  }
  pretest <- es_pretest(est_tab, Vrel, model$df_t)
  units <- c(treated = length(unique(panel$fe[[1]][!is.na(r)])),
             never = length(unique(panel$fe[[1]][is.na(r)])))
  new_event_study(
    estimates = est_tab, overall = overall, estimator = "twfe", nobs = model$nobs,
    vcov = Vrel, pretest = pretest, fit = fit, model = model, level = level,
    df = model$df_t, overall_weights = w_overall,
    influence = es_twfe_influence(est$scores, terms_est, data, panel),
    info = list(clock = es_clock_info(fit, tm$clock), outcome = fit$outcome,
                overall_label = paste0("mean of ", overall$n_periods,
                                       " post-period coefficients"),
                treat_name = fit$treat_name, leads = leads, lags = lags, ref = ref,
                bin = bin, switchers = switchers,
                controls = model$controls, units = units,
                unit_status = tm$counts, dropped = panel$dropped,
                vcov_text = format_vcov_info(model), collinear = collinear,
                periods = tm$periods, adj.r.squared = model$adj.r.squared))
}

# The contract's influence functions of the TWFE coefficients `terms`, from
# the regression's per-cluster scores (sd_estimate(scores = TRUE)): psi's
# row for cluster g is sqrt(factor) * (X~'WX~)^-1 sum_{i in g} x~_i w_i e_i,
# so that crossprod(psi) is the reported clustered vcov (factor = 1, the
# small-sample factor folded in). Two-way clustering has no such single
# set: V = V1 + V2 - V12. psi then stacks the clusters of the first
# variable, of the second and of their intersections, `sign` is +1, +1 and
# -1 on them, `cluster` names the variable of each row, and vcov =
# crossprod(psi, sign * psi). NULL without clustering (an iid or HC1
# variance has no per-cluster influence).
es_twfe_influence <- function(sc, terms, data, panel) {
  if (is.null(sc) || !length(terms)) return(NULL)
  vars <- names(panel$cluster)
  lev <- lapply(vars, function(v) code_groups(.subset2(data, v)[panel$obs])$levels)
  psi <- lapply(sc$psi, function(P) P[, terms, drop = FALSE])
  if (length(psi) == 1L) return(list(psi = psi[[1L]], ids = lev[[1L]], factor = 1))
  # the intersection's clusters, named by the pair of values they hold
  both <- sc$codes[[3L]]
  first <- match(seq_len(max(both)), both)
  ids12 <- paste(lev[[1L]][sc$codes[[1L]][first]], lev[[2L]][sc$codes[[2L]][first]],
                 sep = " & ")
  n <- vapply(psi, nrow, 1L)
  list(psi = do.call(rbind, psi),
       ids = c(as.character(lev[[1L]]), as.character(lev[[2L]]), ids12),
       factor = 1, sign = rep(sc$sign, n),
       cluster = rep(c(vars, paste(vars, collapse = " & ")), n))
}

# Rows set aside, for es$info$dropped: the fit's reasons plus the units and
# periods the event study leaves out.
es_dropped <- function(dropped, in_subset, tm, outside = NULL) {
  n_es_units <- sum(in_subset & tm$drop_row)
  n_out <- if (is.null(outside)) 0L else sum(in_subset & !tm$drop_row & outside)
  i <- dropped$reason == "outside subset"
  dropped$rows[i] <- sum(!in_subset)
  extra <- dropped_table(`always-treated or switching units` = n_es_units,
                         `outside the event window (bin = FALSE)` = n_out)
  rbind(dropped, extra)
}


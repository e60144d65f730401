# The steps of replicate_study(), one per table or figure of the article. Each
# estimates its models, writes its files through rep_write_table() or
# rep_write_figure() (R/replicate.R) and returns its results with a one-line
# "summary" attribute for the progress report.

rep_bq <- function(v) ifelse(make.names(v) == v, v, paste0("`", v, "`"))

rep_num <- function(x, digits = 4) fmt_cell(x, digits)

# "estimate (t = ...)" of one term of a fit.
rep_est <- function(fit, term = fit$treat_name) {
  ct <- coef_table(fit)
  i <- match(term, ct$term)
  if (is.na(i)) return("NA")
  paste0(rep_num(ct$estimate[i]), " (t = ", rep_num(ct$statistic[i], 2), ")")
}

rep_summary <- function(x, ...) structure(x, summary = paste0(...))

# did_table() in every format, the fits given as a list.
rep_did <- function(st, item, title, fits, titles, keep = NULL) {
  rep_write_table(st, item, title, function(fmt) {
    do.call(did_table, c(fits, list(format = fmt, titles = titles, keep = keep,
                                    labels = st$labels, caption = title)))
  })
}

# The label of a column or term for titles and progress lines.
rep_lab <- function(st, x) relabel(x, st$labels)

rep_baseline <- function(d, r, ...) {
  f <- stats::as.formula(paste(rep_bq(r$outcome), "~",
                               paste(rep_bq(r$controls), collapse = " + ")))
  fit <- smartdid(f, data = d, id = r$id, time = r$time, treat = r$treat,
                  cohort = r$cohort, ...)
  fit0 <- stats::update(fit, . ~ 1)
  rep_summary(list(no_controls = fit0, controls = fit),
              "effect ", rep_est(fit), " with controls, ", rep_est(fit0), " without")
}

rep_table1 <- function(st, fit, window) {
  es <- event_study(fit, leads = 1L - window[1], lags = window[2], ref = window[1] - 1L)
  heads <- stats::setNames(list(es), st$roles$outcome)
  title1 <- paste0("Table 1. Event study: effects by period relative to adoption (",
                   window[1], " to ", window[2], ")")
  rep_write_table(st, "table1_event_study", title1,
                  function(fmt) do.call(es_table, c(heads, list(format = fmt, ref = "omit",
                                                              caption = title1))))
  rep_write_figure(st, "figure_event_study", "Figure. Event study (Table 1)", function() {
    plot(es, main = paste0("Event study: ", st$roles$outcome))
  })
  g <- glance(es)
  tb <- es$estimates
  post <- tb[tb$rel_time >= 0 & !is.na(tb$estimate), ]
  rep_summary(es, "pre-trend F = ", rep_num(g$pretest_F, 2), " (p = ",
              rep_num(g$pretest_p, 3), "); effects from ", rep_num(post$estimate[1]),
              " (period ", post$rel_time[1], ") to ", rep_num(post$estimate[nrow(post)]),
              " (period ", post$rel_time[nrow(post)], ")")
}

rep_table2 <- function(st, d, r) {
  m <- psm(d, treat = r$pilot, covariates = r$controls, id = r$id, time = r$time,
           replace = TRUE)
  b <- balance(m)
  title2 <- "Table 2. Covariate balance before and after propensity-score matching"
  rep_write_table(st, "table2_balance", title2, function(fmt) {
    format_balance(b, fmt, labels = st$labels, caption = title2)
  })
  rep_write_figure(st, "figure_psm_density",
                   "Figure. Propensity-score densities before and after matching",
                   function() plot(m), width = 10, height = 4.5)
  md <- matched_data(m)
  n_tr <- sum(md[[r$pilot]] == 1)
  bias <- function(s) max(abs(b$std_bias_pct[b$sample == s]))
  rep_summary(list(psm = m, balance = b, data = md),
              format(nrow(md), big.mark = ","), " matched unit-periods (",
              format(n_tr, big.mark = ","), " treated, ",
              format(nrow(md) - n_tr, big.mark = ","), " controls); largest |bias| ",
              rep_num(bias("unmatched"), 1), "% before, ", rep_num(bias("matched"), 1),
              "% after matching")
}

rep_table3 <- function(st, base, t2) {
  fits <- list(did = base$no_controls, did_controls = base$controls,
               psm_did = stats::update(base$no_controls, data = t2$data),
               psm_did_controls = stats::update(base$controls, data = t2$data))
  rep_did(st, "table3_baseline", "Table 3. Baseline DID and PSM-DID", unname(fits),
          titles = c("DID", "DID", "PSM-DID", "PSM-DID"))
  rep_summary(fits, "PSM-DID ", rep_est(fits$psm_did_controls), " with controls on ",
              format(fits$psm_did_controls$nobs, big.mark = ","), " unit-periods")
}

rep_figure1 <- function(st, fit, draws, seed) {
  pl <- placebo(fit, draws = draws, seed = seed)
  est <- pl$draws$estimate[!is.na(pl$draws$estimate)]
  pv <- pl$draws$p.value[!is.na(pl$draws$estimate)]
  txt <- paste0("Observed estimate ", rep_num(pl$observed), "; ", length(est),
                " placebo estimates: mean ", rep_num(mean(est)), ", sd ",
                rep_num(stats::sd(est)), "; randomization p-value ",
                fmt_perm_p(pl$p.value), " ", perm_p_text(pl$p.value_share, pl$n_valid), "; ",
                rep_num(100 * mean(pv < 0.05), 1), "% of the draws significant at 5%.")
  rep_write_figure(st, "figure1_placebo",
                   paste0("Figure 1. Placebo test (", draws, " random pseudo-treatments)"),
                   function() plot(pl), notes = txt)
  rep_summary(pl, "randomization p = ", fmt_perm_p(pl$p.value), ", placebo mean ",
              rep_num(mean(est)))
}

rep_table4 <- function(st, fit, d, r) {
  fits <- list()
  if (!is.null(r$alt_outcome)) {
    fits[[r$alt_outcome]] <- stats::update(fit, stats::as.formula(
      paste(rep_bq(r$alt_outcome), "~ .")))
  }
  lag_name <- paste0("L.", r$outcome)
  dl <- panel_lag(fit$data, r$outcome, id = r$id, time = r$time, name = lag_name)
  fits[["Lagged outcome"]] <- stats::update(
    fit, stats::as.formula(paste(". ~ . +", rep_bq(lag_name))), data = dl)
  if (length(r$policies)) {
    pol <- add_controls(fit, r$policies)
    fits[paste("+", r$policies)] <- pol
  }
  rep_did(st, "table4_alternatives",
          "Table 4. Robustness: alternative outcome, lagged outcome, other policies",
          unname(fits), titles = names(fits), keep = c(fit$treat_name, lag_name, r$policies))
  rep_summary(fits, "effect from ", rep_num(min(vapply(fits, function(f)
    unname(coef(f)[fit$treat_name]), 1))), " to ", rep_num(max(vapply(fits, function(f)
      unname(coef(f)[fit$treat_name]), 1))), " across ", length(fits), " models")
}

rep_table5 <- function(st, fit, d, r) {
  fits <- list()
  if (!is.null(r$central)) {
    keep <- subset_mask(fit$data, fit$args$subset) & fit$data[[r$central]] %in% 0
    fits[["Peripheral"]] <- stats::update(fit, subset = keep)
  }
  fits[["Winsorized 1%"]] <- winsorize(fit, probs = c(0.01, 0.99), quiet = st$quiet)
  fits[["Trimmed 1%"]] <- trim(fit, probs = c(0.01, 0.99), quiet = st$quiet)
  sh <- unclass(shift_timing(fit, years = 1:3))
  fits[paste("Earlier by", 1:3)] <- sh[1:3]
  rep_did(st, "table5_samples",
          "Table 5. Robustness: sample, outliers and counterfactual timing", unname(fits),
          titles = names(fits))
  rep_summary(fits, "counterfactual timing: ", paste(vapply(sh, rep_est, ""),
                                                     collapse = ", "))
}

rep_table6 <- function(st, t3, r) {
  if (is.null(r$moderator)) return(rep_summary(list(), "skipped (moderator = NULL)"))
  fits <- lapply(t3, mechanism, moderator = r$moderator)
  rep_did(st, "table6_mechanism",
          paste0("Table 6. Mechanism: treatment ", sym("times"), " ", rep_lab(st, r$moderator),
                 " (DID and PSM-DID)"),
          unname(fits), titles = c("DID", "DID", "PSM-DID", "PSM-DID"))
  rep_summary(fits, "interaction ", rep_est(fits[[2]], fits[[2]]$mechanism$interaction),
              " (DID with controls)")
}

# Median split of a unit-level value: the median of the unit means over the
# units in the fit's sample; units at or above it are "high".
rep_split <- function(fit, r, v) {
  col <- r$split_cols[[v]]
  used <- fit$data[fit$obs, , drop = FALSE]
  um <- used[[col]][!duplicated(used[[r$id]])]
  heterogeneity(fit, split = col, at = stats::median(um, na.rm = TRUE),
                model = "mechanism", moderator = r$moderator)
}

rep_by <- function(fit, r, col) {
  heterogeneity(fit, by = col, model = "mechanism", moderator = r$moderator)
}

# Writes a heterogeneity table (one column per group, a spanning heading per
# grouping variable) and summarises it.
rep_het_table <- function(st, item, title, hets) {
  shown <- stats::setNames(hets, rep_lab(st, names(hets)))
  rep_did(st, item, title, shown, titles = NULL, keep = hets[[1]]$term)
  rep_summary(hets, paste(vapply(seq_along(hets), function(j) {
    g <- hets[[j]]$groups
    paste0(names(shown)[j], ": ", paste(rep_lab(st, g$group), rep_num(g$estimate, 3),
                                        collapse = ", "))
  }, ""), collapse = "; "))
}

rep_table7 <- function(st, fit, r) {
  if (is.null(r$moderator) || !length(r$splits7)) {
    return(rep_summary(list(), "skipped (no moderator or splits7)"))
  }
  hets <- stats::setNames(lapply(r$splits7, rep_split, fit = fit, r = r), r$splits7)
  rep_het_table(st, "table7_heterogeneity",
                paste0("Table 7. Heterogeneity of the mechanism: median splits of ",
                       paste(tolower_first(rep_lab(st, r$splits7)), collapse = " and ")),
                hets)
}

rep_table8 <- function(st, fit, r) {
  cols <- c(r$region_col, r$south_col)
  if (is.null(r$moderator) || !length(cols)) {
    return(rep_summary(list(), "skipped (no moderator, regions or south)"))
  }
  hets <- stats::setNames(lapply(cols, rep_by, fit = fit, r = r), c(r$regions, r$south))
  rep_het_table(st, "table8_heterogeneity",
                "Table 8. Heterogeneity of the mechanism: regions", hets)
}

rep_table9 <- function(st, fit, r) {
  if (is.null(r$moderator) || (!length(r$splits9) && is.null(r$tier))) {
    return(rep_summary(list(), "skipped (no moderator, splits9 or tier)"))
  }
  hets <- stats::setNames(lapply(r$splits9, rep_split, fit = fit, r = r), r$splits9)
  if (!is.null(r$tier)) hets[[r$tier]] <- rep_by(fit, r, r$tier_col)
  rep_het_table(st, "table9_heterogeneity",
                paste0("Table 9. Heterogeneity of the mechanism: ",
                       paste(tolower_first(rep_lab(st, c(r$splits9, r$tier))), collapse = ", ")),
                hets)
}

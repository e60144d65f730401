#' de Chaisemartin-D'Haultfoeuille event study
#'
#' The estimator of de Chaisemartin and D'Haultfoeuille (2024, "Difference-
#' in-differences estimators of intertemporal treatment effects", *Review of
#' Economics and Statistics*), valid when the treatment switches on and off
#' or varies in intensity (binary, discrete or continuous): reached as
#' `event_study(fit, estimator = "dcdh", ...)`, best on a fit with
#' `design = "general"` (see [smartdid()]).
#'
#' Each unit's **baseline** is its treatment in its first period; its first
#' switch `F` the first period in which its treatment differs. The effect
#' `DID_l` compares, for every unit that switched `l - 1` periods ago, the
#' change of its outcome from `F - 1` to `F - 1 + l` with the mean change
#' over the same periods of the units **with the same baseline** that have
#' not switched yet, and averages over switchers (weighted by their cell
#' weights). Switchers out (treatment below baseline) enter with the sign
#' flipped, so every effect is "per switch towards more treatment";
#' `direction = "in"` or `"out"` keeps one kind. The placebo `DID^pl_l`
#' compares the same switchers and comparison units from `F - 1 - l` to
#' `F - 1`. `normalized = TRUE` divides each effect by the switchers' mean
#' cumulated treatment change (an effect per unit of treatment); `overall`
#' is the **average total effect** per unit of treatment,
#' `sum_l N_l DID_l / sum_l N_l dD_l` (`N_l` the switchers' weight, `dD_l`
#' their mean treatment change `l - 1` periods after the switch): its
#' weights on the rows are in `es$overall_weights`.
#'
#' **Relative time.** The package's clock: `rel_time = 0` is the first
#' period with the new treatment (`F`), so `DID_l` is at `rel_time = l - 1`,
#' counted in observed periods (the sorted distinct periods of the sample,
#' as DIDmultiplegtDYN counts them; a period missing from the whole panel is
#' skipped, not counted),
#' the placebo `DID^pl_l` at `rel_time = -l - 1`, and the reference period
#' `F - 1` at `-1` (a zero row): the axis of the two-way fixed-effects event
#' study with `ref = -1`, which [plot_event_studies()] overlays. The column
#' `effect` keeps the paper's labels ("Effect_1", "Placebo_1").
#'
#' **Inference** (analytic, from influence functions, as the paper and
#' DIDmultiplegtDYN): the variance of each estimate is
#' `sum_c (sum_{g in c} U_g)^2 / G^2` over clusters `c` (units by default, or
#' the fit's cluster variable, in which units must be nested), with `U_g`
#' demeaned within cohorts (baseline and period for comparison units;
#' baseline, first switch and treatment at the switch for switchers) and
#' scaled by `sqrt(n / (n - 1))`; intervals and p-values are normal. `vcov`
#' is the full covariance of the effects and placebos and `influence` their
#' influence functions (`vcov = crossprod(psi)`). `es$info$joint` holds the
#' Wald tests that all effects, and all placebos, are zero.
#'
#' **Controls** (`controls`): as DIDmultiplegtDYN's `controls`: for each
#' baseline, the first difference of the outcome is regressed on the first
#' differences of the controls and period effects among not-yet-switched
#' units, and the long differences are taken net of the controls' changes
#' times those coefficients; the variance accounts for their estimation.
#'
#' **What is set aside** (counted in `es$info$set_aside`): cells from the
#' period in which a unit has had both a higher and a lower treatment than
#' its baseline; units whose baseline no other unit shares with a different
#' first-switch period; periods in which every unit of a baseline has
#' switched; switchers unobserved just before their switch (kept as
#' comparisons up to their gap).
#'
#' **DIDmultiplegtDYN 2.1.2.** Estimates equal it to machine precision.
#' Its standard errors differ from the paper's in ways that its later
#' releases correct: a cohort with a single unit loses its variance terms
#' (`0 * Inf`); switchers out enter the variance of the combined effects
#' without their sign flip; a normalised placebo cumulates the treatment
#' only over periods where its long difference exists; with controls, the
#' correction for estimating `theta_k` is added on each of a unit's cells
#' (and with a plus sign for switchers out) rather than once per unit; and a
#' placebo switcher without comparison units counts in the placebo's weight
#' while its term is dropped (here it is left out). `compat = TRUE`
#' reproduces 2.1.2 exactly (the tests compare with it to 1e-8).
#'
#' @param fit A [smartdid()] fit (`design = "general"` for a treatment that
#'   switches off or is not 0/1).
#' @param effects Number of effects `DID_1..DID_L` (relative times 0 to
#'   `L - 1`); by default `lags + 1`, so that the window is event_study()'s.
#' @param placebo Number of placebos (at most `effects`; relative times -2
#'   to `-placebo - 1`); by default `leads - 1`.
#' @param leads,lags event_study()'s window (relative times `-leads` to
#'   `lags`), used when `effects` or `placebo` is not given; effects and
#'   placebos that cannot be estimated are left out (with a message when
#'   `effects` or `placebo` was given).
#' @param direction `"both"`, `"in"` (switchers to a higher treatment only)
#'   or `"out"` (to a lower one only).
#' @param normalized Divide each effect by the switchers' mean cumulated
#'   treatment change.
#' @param controls Names of time-varying control columns, or `NULL`.
#' @param cluster A column to cluster by, in which units are nested; by
#'   default the fit's (the unit when the fit clusters by unit or does not
#'   cluster).
#' @param compat Reproduce DIDmultiplegtDYN 2.1.2's standard errors (see
#'   Details).
#' @param level Confidence level.
#' @param ... Not used; an error if given.
#' @return An event-study object (see [new_event_study()]) with estimator
#'   `"dcdh"`; `estimates` also has `effect`, `n_switchers` and `weight`
#'   (the switchers' total weight `N_l`).
#' @references de Chaisemartin, C. and D'Haultfoeuille, X. (2024).
#'   Difference-in-differences estimators of intertemporal treatment effects.
#'   *Review of Economics and Statistics*.
#' @examples
#' set.seed(3)
#' d <- expand.grid(year = 1:8, unit = 1:60)
#' on <- ifelse(d$unit <= 40, 2 + d$unit %% 5, 99)   # first switch
#' off <- on + 3                                     # switches off again
#' d$D <- as.numeric(d$year >= on & d$year < off)
#' d$y <- d$unit / 10 + d$year / 5 + 1 * d$D + rnorm(nrow(d))
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D",
#'                 design = "general")
#' es <- event_study(fit, estimator = "dcdh", effects = 3, placebo = 2)
#' es
#' es$overall
#' @export
es_dcdh <- function(fit, effects = NULL, placebo = NULL,
                    direction = c("both", "in", "out"), normalized = FALSE,
                    controls = NULL, cluster = NULL, compat = FALSE, level = 0.95,
                    leads = 3, lags = 4, ...) {
  check_no_dots("event_study(estimator = \"dcdh\")", ...)
  check_fit(fit)
  # effects and placebos cover event_study()'s window -leads..lags unless given
  asked <- !is.null(effects) || !is.null(placebo)
  effects <- check_count(effects %||% (lags + 1), "effects", min = 1)
  placebo <- check_count(placebo %||% max(leads - 1, 0), "placebo")
  direction <- sd_match_arg(direction, c("both", "in", "out"), "direction")
  check_flag(normalized, "normalized")
  check_flag(compat, "compat")
  check_level(level)
  pan <- dcdh_panel(fit, controls, cluster)
  lay <- dcdh_layout(pan$unit, pan$tidx, pan$G, length(pan$periods), pan$y, pan$d,
                     pan$w, pan$X)
  tm <- dcdh_timing(lay)
  ctrl <- if (length(controls)) dcdh_controls(lay, tm) else NULL
  dirs <- switch(direction, both = c(1L, 0L), `in` = 1L, out = 0L)
  r <- dcdh_estimate(lay, tm, effects, placebo, dirs, normalized, pan$cluster_unit,
                     compat, ctrl, quiet = !asked)
  dcdh_result(r, fit, pan, tm, level, list(direction = direction, normalized = normalized,
                                          controls = controls, compat = compat))
}

# The fit's estimation sample as the estimator needs it: unit and period
# codes, outcome, treatment, weights, controls and each unit's cluster.
dcdh_panel <- function(fit, controls, cluster) {
  a <- fit$args
  data <- fit$data
  obs <- fit$obs
  tt <- data[[a$time]][obs]
  if (is.character(tt)) {
    sd_stop("the 'time' column '", a$time, "' holds strings; convert it to numbers, ",
            "dates or a factor with its levels in time order")
  }
  if (!is.null(a$treat)) {
    d <- as.double(data[[a$treat]][obs])
  } else {
    g0 <- data[[a$cohort]][obs]
    d <- as.double(!sd_never(g0) & tt >= g0)   # the clock's never-treated rule
  }
  keep <- rep(TRUE, length(obs))
  X <- NULL
  if (length(controls)) {
    if (!is.character(controls) || anyNA(controls)) {
      sd_stop("'controls' must be a character vector of column names")
    }
    check_column(data, controls, "controls")
    X <- lapply(controls, function(v) {
      check_numeric_column(data, v, "controls")
      as.double(data[[v]][obs])
    })
    for (x in X) keep <- keep & is.finite(x)
  }
  if (is.null(cluster) && identical(a$vcov, "cluster") && length(a$cluster)) {
    cluster <- a$cluster[1]
    if (length(a$cluster) > 1L) {
      message("dcdh clusters at one level: using '", cluster, "'")
    }
  }
  if (!is.null(cluster)) {
    check_string(cluster, "cluster")
    check_column(data, cluster, "cluster")
    if (identical(cluster, a$id)) cluster <- NULL
  }
  cl <- if (!is.null(cluster)) data[[cluster]][obs]
  if (!is.null(cl)) keep <- keep & !is.na(cl)
  n_dropped <- sum(!keep)
  if (n_dropped) {
    obs <- obs[keep]
    tt <- tt[keep]
    d <- d[keep]
    X <- lapply(X, function(x) x[keep])
    cl <- cl[keep]
  }
  uc <- group_codes(data[[a$id]][obs])
  unit <- as.vector(uc)
  G <- length(attr(uc, "levels"))
  periods <- sort(unique(tt))
  cluster_unit <- NULL
  if (!is.null(cl)) {
    first <- match(seq_len(G), unit)
    cu <- cl[first]
    if (any(cl != cu[unit])) {
      sd_stop("units must be nested in the clusters: '", cluster, "' changes within ",
              "a unit; cluster by a variable that is constant within units")
    }
    cluster_unit <- as.vector(group_codes(cu))
  }
  w <- if (!is.null(a$weights)) as.double(data[[a$weights]][obs])
  list(unit = unit, tidx = match(tt, periods), G = G, periods = periods,
       unit_levels = attr(uc, "levels"), y = as.double(data[[fit$outcome]][obs]),
       d = d, w = w, X = X, cluster = cluster, cluster_unit = cluster_unit,
       n_dropped = n_dropped, nobs = length(obs))
}

# The event-study object from dcdh_estimate()'s numbers.
dcdh_result <- function(r, fit, pan, tm, level, opts) {
  ne <- r$n_effects
  np <- r$n_placebo
  rows <- seq_len(ne + np)
  rel <- c(seq_len(ne) - 1, -seq_len(np) - 1)
  est <- r$estimate[rows]
  V <- r$V[rows, rows, drop = FALSE]
  se <- sqrt(pmax(diag(V), 0))
  ok <- !is.na(est)
  terms <- es_term(rel)
  tab <- data.frame(rel_time = rel, estimate = est, std.error = se)
  tab <- es_fill_stats(tab, Inf, level)
  tab$effect <- names(r$estimate)[rows]
  tab$n_switchers <- r$n_switchers[rows]
  tab$weight <- r$N[rows]
  tab$reference <- FALSE
  ref_row <- tab[1L, ]
  ref_row[] <- lapply(ref_row, function(v) v[NA_integer_])
  ref_row$rel_time <- -1
  ref_row$estimate <- 0
  ref_row$conf.low <- ref_row$conf.high <- 0
  ref_row$effect <- "reference (F - 1)"
  ref_row$reference <- TRUE
  tab <- rbind(tab, ref_row)
  tab$term <- es_term(tab$rel_time)
  o <- order(rel)
  o <- o[ok[o]]
  Vok <- V[o, o, drop = FALSE]
  dimnames(Vok) <- list(terms[o], terms[o])
  ate <- r$estimate[length(r$estimate)]
  ate_se <- sqrt(r$V[length(r$estimate), length(r$estimate)])
  overall <- es_fill_stats(data.frame(estimate = ate, std.error = ate_se), Inf, level)
  overall$n_switchers <- r$n_switchers[length(r$n_switchers)]
  rownames(overall) <- NULL
  # weights of the average total effect on the reported effects
  ow <- c(r$ate_weights * if (opts$normalized) r$delta_norm[seq_len(ne)] else 1,
          rep(0, np))
  names(ow) <- terms
  ow <- ow[o]
  psi <- rowsum(r$Uv[, rows[o], drop = FALSE], pan$cluster_unit %||% seq_len(r$G),
                reorder = FALSE)
  influence <- list(psi = unname(psi), ids = if (is.null(pan$cluster_unit))
    pan$unit_levels else unique(pan$cluster_unit), factor = 1)
  colnames(influence$psi) <- terms[o]
  joint <- dcdh_joint(tab, Vok)
  info <- list(outcome = fit$outcome, treat_name = fit$treat_name,
               effects = ne, placebo = np, direction = opts$direction,
               normalized = opts$normalized, controls = opts$controls,
               compat = opts$compat, cluster = pan$cluster %||% fit$args$id,
               n_clusters = r$n_clusters, n_units = r$G, joint = joint,
               set_aside = tm$set_aside, rows_dropped = pan$n_dropped,
               periods = pan$periods, ref = -1,
               overall_label = "average total effect per unit of treatment",
               note = paste0("de Chaisemartin-D'Haultfoeuille: switchers vs. not-yet-",
                             "switched units with the same baseline treatment; ",
                             "std. errors from influence functions (normal)",
                             if (opts$compat) ", DIDmultiplegtDYN 2.1.2 rules"))
  pretest <- es_pretest(tab, Vok, Inf)
  dcdh_new_es(tab, overall, nobs = pan$nobs, vcov = Vok, pretest = pretest, fit = fit,
              level = level, info = info, influence = influence, overall_weights = ow)
}

# The registry's constructor with the clock of the fit.
dcdh_new_es <- function(tab, overall, nobs, vcov, pretest, fit, level, info,
                        influence, overall_weights) {
  info$clock <- es_clock_info(fit)
  new_event_study(tab, overall, "dcdh", nobs, vcov = vcov, pretest = pretest, fit = fit,
                  level = level, df = Inf, info = info, influence = influence,
                  overall_weights = overall_weights)
}

# Wald tests that all effects, and all placebos, are zero (chi-squared with
# a generalised inverse, as DIDmultiplegtDYN), when there are two or more
# and all are estimated.
dcdh_joint <- function(tab, V) {
  one <- function(rows, what) {
    if (length(rows) < 2L || anyNA(tab$estimate[rows])) return(NULL)
    b <- tab$estimate[rows]
    S <- V[tab$term[rows], tab$term[rows], drop = FALSE]
    eg <- eigen(S, symmetric = TRUE)
    pos <- eg$values > max(eg$values, 0) * 1e-12
    z <- crossprod(eg$vectors[, pos, drop = FALSE], b)
    W <- sum(z^2 / eg$values[pos])
    data.frame(test = what, statistic = W, df = length(rows),
               p.value = stats::pchisq(W, length(rows), lower.tail = FALSE))
  }
  est <- !tab$reference
  rbind(one(which(est & tab$rel_time >= 0), "all effects = 0"),
        one(which(est & tab$rel_time < -1), "all placebos = 0"))
}

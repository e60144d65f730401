# Callaway and Sant'Anna (2021) group-time average treatment effects.

#' Group-time average treatment effects (Callaway and Sant'Anna)
#'
#' For every adoption group g (units first treated in period g) and period t,
#' `att_gt()` estimates ATT(g, t), the average effect in period t on the units
#' of group g, by a 2x2 difference-in-differences between group g and a
#' comparison group, from a base period before g (Callaway and Sant'Anna
#' 2021). These estimates are robust to effects that differ across groups and
#' over time, unlike the two-way fixed-effects coefficient. Aggregate them
#' with [att_aggregate()] (or `aggregate()`).
#'
#' Data come from `fit`: its estimation sample, unit and period columns,
#' weights, and adoption periods from its `cohort` column or, with a 0/1
#' `treat` column, each unit's first treated period (the treatment must stay
#' on once on; in an unbalanced panel a `cohort` column is safer, since a
#' unit missing its first treated period would be dated late). Or `fit` is a
#' [cs_data()] description, which also covers repeated cross-sections.
#'
#' * A balanced panel compares outcome changes of units (did's panel
#'   estimators).
#' * An unbalanced panel (units missing some periods) is kept, as did's
#'   `allow_unbalanced_panel = TRUE` does: each cell compares the rows
#'   observed in its two periods with the repeated cross-section estimators,
#'   and the influence functions are summed by unit, so that units observed
#'   in both periods count once. `allow_unbalanced = FALSE` instead drops the
#'   units missing a period (did's default) with a warning.
#' * Repeated cross-sections (a [cs_data()] without `id`, or with an `id`
#'   that never repeats): every row is its own unit (did's `panel = FALSE`).
#'
#' Units treated in the first period (or, with anticipation, too early to
#' have an untreated base period) are dropped with a warning, as are cells
#' without comparison (or treated) observations in one of their periods.
#'
#' * `comparison = "never"` compares with units never treated in the sample;
#'   `"notyet"` adds the units not yet treated in both periods of the
#'   comparison (nor within `anticipation` periods of it). Without
#'   never-treated units, `"notyet"` uses the last group to adopt as the
#'   comparison and drops the periods from its adoption (minus
#'   `anticipation`) on, as the did package does.
#' * `base_period = "varying"` (the default, as in the did package) compares
#'   each pre-treatment period with the period just before it, and every
#'   post-treatment period with the last period before g - anticipation;
#'   `"universal"` uses that last period for all, and reports ATT(g, g-1-
#'   anticipation) = 0 with a missing standard error.
#' * `adjust`: `"none"` (differences of mean changes), `"or"` (outcome
#'   regression) or `"dr"` (doubly robust, Sant'Anna and Zhao 2020, with a
#'   logit propensity score; comparison units with a score above 0.995 are
#'   trimmed). The covariates are the fit's controls, taken in the earlier of
#'   the two periods of each comparison (the base period, except for the
#'   pre-periods of `base_period = "universal"`), as the did package does.
#'   The default is `"dr"` when the fit has controls, `"none"` otherwise.
#'
#' Sampling weights (the fit's `weights`, or `cs_data(weights = )`, did's
#' `weightsname`) enter every mean, regression and propensity score of the
#' 2x2 comparisons (rescaled to mean 1 within each), and the group shares of
#' [att_aggregate()].
#'
#' Standard errors come from the influence functions of the estimates,
#' clustered by unit (or by the fit's cluster variable when it is constant
#' within units, i.e. at or above the unit): `sqrt(sum_c (sum_{i in c}
#' psi_i)^2) / n` over n units. For repeated cross-sections the unit is the
#' row, and any cluster variable is allowed.
#' With `bootstrap = TRUE`, a multiplier bootstrap (in C, with Mammen's or
#' Rademacher weights drawn per cluster) gives the standard errors
#' (interquartile range of the draws over that of the normal) and a
#' simultaneous confidence band over all cells (the `level` quantile of the
#' largest studentised deviation); set `seed` to make it reproducible.
#' Otherwise the intervals are pointwise normal ones.
#'
#' @param fit A [smartdid()] fit (unit and period fixed effects, weighted or
#'   not) or a [cs_data()] description.
#' @param comparison `"never"` or `"notyet"`: the comparison units (formerly
#'   `control`).
#' @param adjust How the fit's controls enter: `NULL` (the default), `"none"`,
#'   `"or"` or `"dr"` (formerly `covariates`).
#' @param base_period `"varying"` or `"universal"`.
#' @param anticipation Periods of anticipation (a whole number >= 0).
#' @param bootstrap Use the multiplier bootstrap for standard errors and a
#'   uniform confidence band.
#' @param draws Bootstrap draws (formerly `biters`).
#' @param level Confidence level.
#' @param seed `NULL` or a seed for [set.seed()] before the bootstrap; the
#'   session's random stream is left as it was.
#' @param multiplier `"mammen"` or `"rademacher"` bootstrap weights.
#' @param allow_unbalanced Keep units missing some periods (the default)
#'   rather than dropping them.
#' @param outcomes `NULL` (the fit's outcome) or names of outcome columns of
#'   the fit's data: all are estimated in one pass that shares the groups,
#'   comparison sets and propensity scores, and a named list of results (one
#'   per outcome) is returned.
#' @param ... Not used; an error if given (for `[[`, the arguments of the
#'   default method, such as `exact`).
#' @param control,covariates,biters Deprecated names of `comparison`,
#'   `adjust` and `draws` (still accepted, with a message).
#' @return An object of class `smartdid_att_gt` (a named list of them with
#'   several outcomes): a list with `estimates`
#'   (group, time, estimate, std.error, statistic, p.value, conf.low,
#'   conf.high, base period, post), the influence functions `psi` (units by
#'   cells, summed within units; stored in a compact form and expanded to
#'   the matrix when read as `x$psi` or `x[["psi"]]`), the critical value
#'   `crit` of the band,
#'   `data_type` (`"panel"`, `"unbalanced"` or `"rcs"`), `n_units`, `nobs`,
#'   `unit_weights`, and the settings.
#'   Methods: `print()`, `generics::tidy()`, `plot()`, `aggregate()`.
#' @references Callaway, B. and Sant'Anna, P. H. C. (2021).
#'   Difference-in-differences with multiple time periods. Journal of
#'   Econometrics 225(2), 200-230. Sant'Anna, P. H. C. and Zhao, J. (2020).
#'   Doubly robust difference-in-differences estimators. Journal of
#'   Econometrics 219(1), 101-122.
#' @examples
#' d <- expand.grid(unit = 1:60, year = 2001:2008)
#' d$first <- c(2004, 2006, NA)[d$unit %% 3 + 1]
#' d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
#' set.seed(2)
#' d$y <- ifelse(d$D == 1, d$year - d$first + 1, 0) + d$unit / 20 + rnorm(nrow(d))
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first")
#' at <- att_gt(fit, bootstrap = FALSE)
#' tidy(at)
#' att_aggregate(at, "dynamic")
#' @export
att_gt <- function(fit, comparison = c("never", "notyet"), adjust = NULL,
                   base_period = c("varying", "universal"), anticipation = 0,
                   bootstrap = TRUE, draws = 999, level = 0.95, seed = NULL,
                   multiplier = c("mammen", "rademacher"),
                   allow_unbalanced = TRUE, outcomes = NULL, ..., control = NULL,
                   covariates = NULL, biters = NULL) {
  check_no_dots("att_gt()", ...)
  long <- cs_long(fit, outcomes)
  # renamed arguments (R/deprecated.R); the body keeps the old local names
  control <- sd_renamed(comparison, control, "comparison", "control", "att_gt",
                        !missing(comparison))
  control <- sd_match_arg(control, c("never", "notyet"), "comparison")
  covariates <- sd_renamed(adjust, covariates, "adjust", "covariates", "att_gt",
                           !missing(adjust))
  biters <- sd_renamed(draws, biters, "draws", "biters", "att_gt", !missing(draws))
  check_seed(seed)
  base_period <- match.arg(base_period)
  multiplier <- match.arg(multiplier)
  covariates <- covariates %||% if (ncol(long$X)) "dr" else "none"
  if (!is.character(covariates) || length(covariates) != 1L ||
      !covariates %in% c("none", "or", "dr")) {
    sd_stop("'adjust' must be \"none\", \"or\" or \"dr\"")
  }
  if (covariates != "none" && !ncol(long$X)) {
    sd_stop("'adjust' = \"", covariates, "\" needs a fit with controls; ",
            "add them to the formula or use adjust = \"none\"")
  }
  anticipation <- check_count(anticipation, "anticipation")
  check_flag(bootstrap, "bootstrap")
  check_flag(allow_unbalanced, "allow_unbalanced")
  biters <- check_count(biters, "draws", min = 1)
  check_level(level)
  # anticipation counts periods of the clock; the cells compare period values
  step <- long$clock$spacing
  ant <- anticipation * if (is.na(step)) 1 else step
  pan <- cs_panel(long, control, ant, allow_unbalanced)
  cells <- cs_cells(pan, control, base_period, ant)
  if (!nrow(cells)) sd_stop("att_gt() found no group-time cell to estimate")
  est <- cs_estimate(pan, cells, control, ant, covariates, compact = TRUE)
  if (est$no_control) {
    warning(est$no_control, " group-time cell(s) have no comparison (or no ",
            "treated) observations in one of their periods and are not ",
            "estimated", call. = FALSE)
  }
  params <- list(control = control, covariates = covariates,
                 base_period = base_period, anticipation = anticipation,
                 bootstrap = bootstrap, biters = biters, level = level,
                 multiplier = multiplier, weighted = pan$weighted)
  out <- with_seed(seed, lapply(seq_along(long$outcome), function(j) {
    cs_result(est$att[, j], est$psi[[j]], cells, pan, params, long$outcome[j],
              ss = est$ss[, j])
  }))
  if (is.null(outcomes) && length(out) == 1L) return(out[[1L]])
  stats::setNames(out, long$outcome)
}

# One outcome's smartdid_att_gt object: standard errors (analytic or
# multiplier bootstrap) and intervals of its ATT(g, t). psi: the influence
# functions (units x cells) or their implicit form (cs_psi()); ss: NULL or
# the sums of squares of their cluster sums, when the kernel computed them.
cs_result <- function(att, psi, cells, pan, params, outcome, ss = NULL) {
  level <- params$level
  se_an <- if (is.null(ss)) cs_se(psi, pan$cluster) else cs_se_ss(ss, pan$n_units)
  se_an[is.na(att)] <- NA
  se <- se_an
  crit <- stats::qnorm(1 - (1 - level) / 2)
  if (params$bootstrap) {
    boot <- cs_bootstrap(cs_psi(psi), pan$cluster, params$biters, params$multiplier,
                         level, pan$n_units)
    se <- boot$se
    crit <- boot$crit
  }
  inf <- sd_infer(att, se, level, crit = crit)
  est <- cbind(data.frame(group = cells$group, time = cells$time), inf,
               data.frame(base = cells$base, post = cells$time >= cells$group))
  structure(list(estimates = est, psi = psi, crit = unname(crit),
                 se_analytic = se_an, cluster = pan$cluster,
                 unit_cohort = pan$cohort, unit_weights = pan$unit_weights,
                 n_units = pan$n_units, nobs = pan$nobs, data_type = pan$mode,
                 clock = pan$clock, dropped_units = pan$dropped, params = params,
                 outcome = outcome),
            class = "smartdid_att_gt")
}

# The long data att_gt() works on, from a smartdid() fit or a cs_data()
# description: per row the outcome, period, unit code, controls, weight,
# cohort and cluster code (NULL: the unit).
cs_long <- function(fit, outcomes = NULL) {
  if (!is.null(outcomes) && (!is.character(outcomes) || !length(outcomes) ||
                             anyNA(outcomes) || anyDuplicated(outcomes))) {
    sd_stop("'outcomes' must be NULL or distinct column names")
  }
  if (inherits(fit, "smartdid_cs_data")) {
    if (!is.null(outcomes) && !identical(outcomes, fit$outcome)) {
      sd_stop("with cs_data(), name the outcomes in cs_data(y = ) and use ",
              "outcomes = NULL")
    }
    return(fit)
  }
  check_fit(fit)
  sd_require(fit, "att_gt()", weights = FALSE)
  st <- sd_staggered(fit, "att_gt()", all_controls = TRUE)
  a <- fit$args
  outcomes <- outcomes %||% fit$outcome
  miss <- setdiff(outcomes, names(fit$data))
  if (length(miss)) sd_stop("'outcomes' not found in the fit's data: ", paste(miss, collapse = ", "))
  Ym <- vapply(outcomes, function(o) {
    v <- fit$data[[o]][st$rows]
    if (!is.numeric(v) || anyNA(v)) {
      sd_stop("outcome '", o, "' must be numeric without missing values on ",
              "the fit's estimation sample")
    }
    as.double(v)
  }, numeric(length(st$rows)))
  st$y <- matrix(Ym, length(st$rows))
  w <- if (is.null(a$weights)) NULL else as.double(fit$data[[a$weights]][st$rows])
  vi <- fit$vcov_info
  cl <- NULL
  if (identical(vi$type, "cluster") && !identical(vi$cluster, a$id)) {
    if (length(vi$cluster) > 1L) {
      sd_stop("att_gt() clusters by one variable; refit with one 'cluster'")
    }
    cl <- as.vector(group_codes(fit$data[[vi$cluster]][st$rows]))
  }
  list(y = st$y, time = st$time, ti = st$tidx, unit = st$unit, n_units = st$n_units,
       X = st$X, w = w, cohort = st$cohort, cluster = cl, clock = st$clock,
       cluster_name = if (is.null(cl)) NULL else vi$cluster,
       outcome = outcomes)
}

# Units, periods and comparison sets of the sample: a balanced panel (unit x
# period matrices), or the rows of an unbalanced panel or of repeated
# cross-sections (each row its own unit), which att_gt() compares with the
# repeated cross-section estimators and influence functions summed by unit,
# as the did package does with allow_unbalanced_panel = TRUE / panel = FALSE.
cs_panel <- function(long, control, anticipation, allow_unbalanced) {
  periods <- long$clock$periods             # sort(unique(long$time))
  T <- length(periods)
  N0 <- long$n_units
  # per unit: rows and cohort (cs_data() has them from its pass over the rows)
  cnt <- long$unit_count %||% tabulate(long$unit, N0)
  gu <- .subset2(long, "unit_cohort")
  if (is.null(gu)) {
    gu <- numeric(N0)
    gu[long$unit] <- long$cohort
  }
  keep_u <- cnt > 0
  dropped <- c(unbalanced = 0L, always_treated = 0L)
  mode <- if (all(cnt[keep_u] == 1L)) "rcs" else if (all(cnt[keep_u] == T)) "panel" else
    if (allow_unbalanced) "unbalanced" else "balance"
  if (mode == "balance") {
    bad <- keep_u & cnt != T
    warning(sum(bad), " unit(s) not observed in every period dropped to ",
            "balance the panel (allow_unbalanced = TRUE keeps them)", call. = FALSE)
    dropped[["unbalanced"]] <- sum(bad)
    keep_u <- keep_u & !bad
    mode <- "panel"
  }
  early <- keep_u & gu - anticipation <= periods[1]
  if (any(early)) {
    warning(sum(early), if (mode == "rcs") " observation(s)" else " unit(s)",
            " treated in the first period (or too early for an untreated ",
            "base period) dropped", call. = FALSE)
    dropped[["always_treated"]] <- sum(early)
    keep_u <- keep_u & !early
  }
  last_period <- Inf
  if (!any(keep_u & is.infinite(gu))) {
    if (control == "never") {
      sd_stop("there are no never-treated units; use comparison = \"notyet\"")
    }
    gmax <- max(gu[keep_u])
    last_period <- gmax - anticipation
    gu[gu == gmax] <- Inf
  }
  # every row kept (the usual case): no copies of the columns
  all_rows <- all(keep_u[cnt > 0]) && last_period == Inf
  rows <- if (all_rows) NULL else which(keep_u[long$unit] & long$time < last_period)
  take <- function(x) if (is.null(rows)) x else x[rows]
  if (!all_rows) keep_u <- keep_u & tabulate(long$unit[rows], N0) > 0
  periods <- periods[periods < last_period]
  new_code <- cumsum(keep_u)
  N <- sum(keep_u)
  unit <- if (all(keep_u)) take(long$unit) else new_code[take(long$unit)]
  # period indices are unchanged by dropping the last periods
  ti <- if (is.null(long$ti)) match(take(long$time), periods) else take(long$ti)
  cohort <- gu[keep_u]
  if (!any(is.finite(cohort) & cohort <= max(periods))) {
    sd_stop("att_gt() found no treated group with a period to estimate")
  }
  w <- if (is.null(long$w)) NULL else take(long$w)
  if (!is.null(w) && (any(!is.finite(w) | w < 0) || !any(w > 0))) {
    sd_stop("att_gt() needs finite, non-negative weights with a positive sum")
  }
  nobs <- if (all_rows) length(long$unit) else length(rows)
  out <- list(mode = mode, periods = periods, n_periods = length(periods),
              n_units = N, cohort = cohort, nobs = nobs,
              cluster = cs_cluster_units(long, rows %||% seq_len(nobs), unit, N, mode),
              weighted = !is.null(long$w), dropped = dropped, clock = long$clock)
  # the rows stay in their order (cs_rows() sorts them by period for the
  # row-wise estimators); w is NULL without weights
  out$unit <- unit
  out$ti <- ti
  out$y <- if (all_rows) long$y else if (is.list(long$y)) {
    lapply(long$y, function(v) v[rows])
  } else long$y[rows, , drop = FALSE]
  out$w <- w
  out$X <- if (all_rows) long$X else long$X[rows, , drop = FALSE]
  # did::aggte() takes the group shares with each unit's mean weight (the
  # first period's weight in a balanced panel)
  out$unit_weights <- if (is.null(w)) rep(1, N) else if (mode == "panel") {
    uw <- numeric(N)
    first <- ti == 1L
    uw[unit[first]] <- w[first]
    uw
  } else as.vector(rowsum(w, unit)) / tabulate(unit, N)
  # a balanced panel compares units with the earlier period's weight (did)
  out$w_varies <- mode == "panel" && out$weighted &&
    any(w != out$unit_weights[unit])
  out
}

# Units x periods matrices of a balanced panel (outcomes: units x periods x
# outcomes; controls: units x controls x periods; weights), for the 2x2
# comparisons of outcome changes.
cs_matrices <- function(pan) {
  N <- pan$n_units
  Tn <- pan$n_periods
  idx <- cbind(pan$unit, pan$ti)
  W <- matrix(NA_real_, N, Tn)
  W[idx] <- pan$w %||% 1
  m <- ncol(pan$y)
  Y <- array(NA_real_, c(N, Tn, m))
  for (j in seq_len(m)) Y[, , j][idx] <- pan$y[, j]
  k <- ncol(pan$X)
  X <- array(NA_real_, c(N, max(k, 1L), Tn))
  for (j in seq_len(k)) X[, j, ][idx] <- pan$X[, j]
  pan$Y <- Y
  pan$W <- W
  pan$X <- X[, seq_len(k), , drop = FALSE]
  pan
}

# The outcomes (a matrix, or cs_data()'s list of columns): their number,
# and as a rows x outcomes matrix.
cs_ny <- function(y) if (is.list(y)) length(y) else ncol(y)
cs_ymat <- function(y) {
  if (!is.list(y)) return(y)
  matrix(unlist(y, use.names = FALSE), ncol = length(y), dimnames = list(NULL, names(y)))
}

# By-period row lists of the repeated cross-section path.
cs_rows <- function(pan) {
  o <- order(pan$ti, pan$unit)
  pan$unit <- pan$unit[o]
  pan$ti <- pan$ti[o]
  pan$w <- pan$w[o]
  pan$y <- pan$y[o, , drop = FALSE]
  pan$X <- pan$X[o, , drop = FALSE]
  pan$by_period <- split(seq_along(pan$ti), factor(pan$ti, seq_len(pan$n_periods)))
  pan
}

# Cluster codes per unit: the unit, or the fit's cluster variable, which must
# be constant within units (a level at or above the unit).
cs_cluster_units <- function(long, rows, unit, N, mode) {
  if (is.null(long$cluster)) return(seq_len(N))
  cl <- long$cluster[rows]
  first <- match(seq_len(N), unit)
  if (mode != "rcs" && any(cl != cl[first][unit])) {
    sd_stop("att_gt() needs a cluster variable constant within units; '",
            long$cluster_name, "' varies within units (cluster at the unit ",
            "level or above)")
  }
  as.vector(group_codes(cl[first]))
}

# The group-time cells with their base periods (values and column indices).
cs_cells <- function(pan, control, base_period, anticipation) {
  periods <- pan$periods
  T <- length(periods)
  groups <- sort(unique(pan$cohort[is.finite(pan$cohort)]))
  groups <- groups[groups <= max(periods)]
  trange <- if (base_period == "varying") seq_len(T)[-1L] else seq_len(T)
  # every group with every period (groups outer), vectorised
  gb <- vapply(groups, function(g) max(which(periods + anticipation < g)), 1)
  g <- rep(groups, each = length(trange))
  ti <- rep(trange, times = length(groups))
  bi <- ifelse(base_period == "universal" | periods[ti] >= g,
               rep(gb, each = length(trange)), ti - 1L)
  data.frame(group = as.numeric(g), time = as.numeric(periods[ti]),
             base = as.numeric(periods[bi]), ti = as.integer(ti), bi = as.integer(bi))
}

# Comparison cohorts of every cell (cohorts lev x cells, logical): as
# cs_select() cell by cell, without a data frame row per cell.
cs_ctrl <- function(lev, cells, control, anticipation) {
  never <- matrix(is.infinite(lev), length(lev), nrow(cells))
  if (control == "never") return(never)
  later <- pmax(cells$time, cells$base)
  never | (outer(lev, later + anticipation, `>`) & outer(lev, cells$group, `!=`))
}

# Treated and comparison units of one cell (logical over units).
cs_select <- function(pan, cell, control, anticipation) {
  g <- pan$cohort
  treated <- g == cell$group
  later <- max(cell$time, cell$base)
  comp <- if (control == "never") is.infinite(g) else
    is.infinite(g) | (g > later + anticipation & g != cell$group)
  list(treated = treated, control = comp)
}

# ATT(g, t) of every cell and outcome (cells x outcomes) and their influence
# functions (one units x cells matrix per outcome, scaled so that the
# variance is sum_c (sum_{i in c} psi_i)^2 / N^2). The comparison sets and
# propensity scores of a cell are computed once for all outcomes.
# With compact = TRUE the influence functions may come in the compact forms
# that cs_psi() reads (att_gt() keeps them so), else as matrices.
cs_estimate <- function(pan, cells, control, anticipation, covariates,
                        compact = FALSE) {
  if (covariates == "none" && !pan$w_varies) {
    r <- cs_estimate_none(pan, cells, control, anticipation)
    if (!compact) r$psi <- lapply(r$psi, cs_psi)
    return(r)
  }
  if (covariates != "none" && pan$mode == "panel") {
    r <- cs_estimate_panel(pan, cells, control, anticipation, covariates)
    if (!compact) r$psi <- lapply(r$psi, cs_psi)
    return(r)
  }
  cs_estimate_cells(pan, cells, control, anticipation, covariates)
}

# The same cell by cell in R (unbalanced panels, repeated cross-sections,
# and weights that vary within units without covariates).
cs_estimate_cells <- function(pan, cells, control, anticipation, covariates) {
  pan$y <- cs_ymat(pan$y)
  pan <- if (pan$mode == "panel") cs_matrices(pan) else cs_rows(pan)
  K <- nrow(cells)
  N <- pan$n_units
  m <- ncol(pan$y)
  att <- matrix(NA_real_, K, m)
  psi <- rep(list(matrix(0, N, K)), m)
  no_control <- 0L
  for (k in seq_len(K)) {
    if (cells$time[k] == cells$base[k]) {      # universal base period itself
      att[k, ] <- 0
      next
    }
    sel <- cs_select(pan, cells[k, ], control, anticipation)
    r <- if (pan$mode == "panel") cs_cell_panel(pan, cells[k, ], sel, covariates) else
      cs_cell_rc(pan, cells[k, ], sel, covariates)
    if (is.null(r)) {
      no_control <- no_control + 1L
      next
    }
    for (j in seq_len(m)) {
      if (is.finite(r$att[j])) {
        att[k, j] <- r$att[j]
        psi[[j]][r$units, k] <- r$psi[, j]
      }
    }
  }
  list(att = att, psi = psi, no_control = no_control)
}

# Without covariates, every cell and outcome in C (src/cs_none.c): the
# weighted cohort-by-period sums in one pass, the influence functions in a
# second. Equal to the 2x2 estimators on outcome changes (balanced panels,
# weights constant within units) and on rows (unbalanced panels, repeated
# cross-sections).
#
# The influence functions are not stored as units x cells matrices: the
# kernel returns the sums of squares of their cluster sums (the standard
# errors), and each outcome's result keeps the kernel's arguments (shared by
# all outcomes: references to the rows' vectors, no copies) from which
# cs_psi() recomputes the matrix, or its product with cell weights, on
# demand.
cs_estimate_none <- function(pan, cells, control, anticipation) {
  lev <- sort(unique(pan$cohort))
  ctrl <- cs_ctrl(lev, cells, control, anticipation)
  cm <- cbind(match(cells$group, lev), cells$ti, cells$bi)
  storage.mode(cm) <- "integer"
  args <- list(unit = as.integer(pan$unit), ti = as.integer(pan$ti),
               ucode = match(pan$cohort, lev), y = pan$y,
               w = if (pan$weighted) pan$w else NULL, cells = cm, ctrl = ctrl,
               dims = as.integer(c(pan$n_units, pan$n_periods, length(lev))))
  clus <- if (anyDuplicated(pan$cluster)) as.integer(pan$cluster) else NULL
  r <- .Call(C_sd_cs_none, args$unit, args$ti, args$ucode, args$y, args$w,
             args$cells, args$ctrl, args$dims, clus)
  psi <- lapply(seq_len(cs_ny(pan$y)), function(j) {
    structure(list(args = args, j = j), class = "smartdid_cs_psi")
  })
  list(att = r$att, psi = psi, ss = r$ss, no_control = sum(!r$ok))
}

# The influence functions of an att_gt() result (or of its `psi` element):
# the units x cells matrix (W = NULL), or its product with W (cells x p),
# units x p. Results store them as a matrix, or without covariates in the
# implicit form of cs_estimate_none(), which C expands in one pass over the
# rows (O(rows x p) for a product), or with covariates on a balanced panel
# in the compact form of cs_estimate_panel() (each cell's units and values).
cs_psi <- function(x, W = NULL) {
  p <- if (inherits(x, "smartdid_att_gt")) .subset2(x, "psi") else x
  if (!is.null(W)) {
    W <- as.matrix(W)
    if (!is.double(W)) storage.mode(W) <- "double"
  }
  if (inherits(p, "smartdid_cs_psi")) {
    if (!is.null(p$units)) {                   # cs_estimate_panel()
      return(.Call(C_sd_cs_cells_psi, p$units, p$start, p$vals, p$n_units, W))
    }
    a <- p$args                                # cs_estimate_none()
    return(.Call(C_sd_cs_none_psi, a$unit, a$ti, a$ucode, a$y, a$w, a$cells,
                 a$ctrl, a$dims, as.integer(p$j), W))
  }
  if (is.null(W)) p else p %*% W
}

#' @rdname att_gt
#' @param name,i The element to extract. `psi` is stored in a compact form
#'   and returned as the units by cells matrix.
#' @export
`$.smartdid_att_gt` <- function(x, name) {
  v <- .subset2(x, name)
  if (inherits(v, "smartdid_cs_psi")) cs_psi(v) else v
}

#' @rdname att_gt
#' @export
`[[.smartdid_att_gt` <- function(x, i, ...) {
  v <- .subset2(x, i, ...)
  if (inherits(v, "smartdid_cs_psi")) cs_psi(v) else v
}

# With covariates on a balanced panel, every cell in C (src/cs_cells.c): the
# 2x2 of cs_cell_panel() with the rows read in place, the propensity score
# fitted once for consecutive cells with the same units, covariates and
# weights (psid).
cs_estimate_panel <- function(pan, cells, control, anticipation, covariates) {
  lev <- sort(unique(pan$cohort))
  ctrl <- cs_ctrl(lev, cells, control, anticipation)
  early <- pmin(cells$ti, cells$bi)
  cm <- cbind(match(cells$group, lev), cells$ti, cells$bi, early)
  storage.mode(cm) <- "integer"
  key <- paste(cm[, 1L], early, apply(ctrl, 2L, function(v) paste(which(v), collapse = ",")))
  clus <- if (anyDuplicated(pan$cluster)) as.integer(pan$cluster) else NULL
  r <- .Call(C_sd_cs_panel_cells, as.integer(pan$unit), as.integer(pan$ti), pan$y,
             pan$X, if (pan$weighted) pan$w else NULL, match(pan$cohort, lev), cm, ctrl,
             as.integer(c(pan$n_units, pan$n_periods, length(lev))),
             if (covariates == "or") 1L else 2L, 0.995, match(key, unique(key)), clus)
  if (any(r$status == 2L)) {
    sd_stop("the covariates are collinear among the units of a group-time ",
            "cell; drop some controls from the fit")
  }
  # compact influence functions: each cell's units (shared by the outcomes)
  # and each outcome's values there (cs_psi())
  psi <- lapply(r$vals, function(v) {
    structure(list(units = r$units, start = r$start, vals = v, n_units = pan$n_units),
              class = "smartdid_cs_psi")
  })
  list(att = r$att, psi = psi, ss = r$ss, no_control = sum(r$status == 1L))
}

# The 2x2 of every outcome of a cell, the propensity score fitted once.
cs_2x2_outcomes <- function(Y, fun, treat, X, w, covariates) {
  ps <- if (covariates == "dr") rc_logit(treat, X, w %||% rep(1, length(treat))) else NULL
  rs <- lapply(seq_len(ncol(Y)), function(j) fun(Y[, j], ps))
  list(att = vapply(rs, `[[`, 1, "att"),
       psi = matrix(vapply(rs, `[[`, numeric(nrow(Y)), "psi"), nrow(Y)))
}

# One cell of a balanced panel: the 2x2 on outcome changes, covariates and
# weights of the earlier of the two periods (as the did package).
cs_cell_panel <- function(pan, cell, sel, covariates) {
  if (!any(sel$control)) return(NULL)
  use <- which(sel$treated | sel$control)
  ti <- cell$ti
  bi <- cell$bi
  early <- min(ti, bi)
  dy <- matrix(pan$Y[use, ti, ] - pan$Y[use, bi, ], length(use))
  X <- if (covariates == "none") NULL else cbind(1, pan$X[use, , early])
  w <- if (pan$weighted) pan$W[use, early] else NULL
  D <- as.numeric(sel$treated[use])
  r <- if (covariates == "none") {
    cs_2x2_outcomes(dy, function(v, ps) did2x2(v, D, X, covariates, w = w, ps = ps),
                    D, X, w, covariates)
  } else {
    # in C (src/cs_drdid.c): the formulas of did2x2() on cross-products
    .Call(C_sd_cs_2x2, dy, D, X, w, if (covariates == "or") 1L else 2L, 0.995) %||%
      sd_stop("the covariates are collinear among the units of a group-time ",
              "cell; drop some controls from the fit")
  }
  list(att = r$att, units = use, psi = (pan$n_units / length(use)) * r$psi)
}

# One cell from rows (unbalanced panel, repeated cross-sections): the
# repeated cross-section 2x2 on the rows of both periods, the influence
# function summed by unit.
cs_cell_rc <- function(pan, cell, sel, covariates) {
  rows <- c(pan$by_period[[cell$ti]], pan$by_period[[cell$bi]])
  u <- pan$unit[rows]
  D <- sel$treated[u]
  rows <- rows[D | sel$control[u]]
  u <- pan$unit[rows]
  D <- as.numeric(sel$treated[u])
  post <- as.numeric(pan$ti[rows] == cell$ti)
  if (!all(c(sum(D * post), sum(D * (1 - post)), sum((1 - D) * post),
             sum((1 - D) * (1 - post))) > 0)) {
    return(NULL)
  }
  X <- if (covariates == "none") NULL else cbind(1, pan$X[rows, , drop = FALSE])
  w <- if (pan$weighted) pan$w[rows] else NULL
  r <- cs_2x2_outcomes(pan$y[rows, , drop = FALSE],
                       function(v, ps) did2x2_rc(v, post, D, X, w, covariates, ps = ps),
                       D, X, w, covariates)
  s <- rowsum((pan$n_units / length(rows)) * r$psi, u)
  list(att = r$att, units = as.integer(rownames(s)), psi = s)
}

# Analytic standard errors from influence functions (units x estimates),
# summed within clusters.
cs_se <- function(psi, cluster) {
  N <- nrow(psi)
  # (the clusters are the units when every code is distinct)
  S <- if (!anyDuplicated(cluster)) psi else rowsum(psi, cluster)
  if (!is.double(S)) storage.mode(S) <- "double"
  se <- sqrt(.Call(C_sd_colss, S)) / N
  se[se <= sqrt(.Machine$double.eps) * 10] <- NA
  se
}

# The same from the sums of squares of the cluster sums (cells).
cs_se_ss <- function(ss, N) {
  se <- sqrt(ss) / N
  se[se <= sqrt(.Machine$double.eps) * 10] <- NA
  se
}

# Multiplier bootstrap (C): bootstrap standard errors and the critical value
# of a simultaneous band over the columns of psi.
cs_bootstrap <- function(psi, cluster, biters, multiplier, level, N) {
  S <- if (length(unique(cluster)) == N) psi else rowsum(psi, cluster)
  S <- S * (nrow(S) / N)
  draws <- .Call(C_sd_mboot, S, as.integer(biters),
                 if (multiplier == "mammen") 1L else 2L)
  q <- function(b, p) stats::quantile(b, p, type = 1, names = FALSE)
  se <- apply(draws, 2L, function(b) (q(b, 0.75) - q(b, 0.25))) /
    (stats::qnorm(0.75) - stats::qnorm(0.25))
  se[se <= sqrt(.Machine$double.eps) * 10] <- NA
  ok <- !is.na(se)
  crit <- stats::qnorm(1 - (1 - level) / 2)
  if (sum(ok) > 1L) {
    tmax <- apply(abs(sweep(draws[, ok, drop = FALSE], 2L, se[ok], "/")), 1L, max)
    crit <- q(tmax, level)
  }
  list(se = se, crit = crit, draws = draws)
}

#' @rdname att_gt
#' @param x A `smartdid_att_gt` object.
#' @export
tidy.smartdid_att_gt <- function(x, ...) {
  x$estimates[, c("group", "time", "estimate", "std.error", "statistic",
                  "p.value", "conf.low", "conf.high")]
}

#' @rdname att_gt
#' @param digits Digits to print.
#' @export
print.smartdid_att_gt <- function(x, digits = 4, ...) {
  p <- x$params
  cat("Group-time average treatment effects (Callaway and Sant'Anna)\n")
  cat("Outcome: ", x$outcome, "   units: ", x$n_units, "   comparison: ",
      if (p$control == "never") "never treated" else "not yet treated",
      "   covariates: ", p$covariates, "\n", sep = "")
  cat("Base period: ", p$base_period, "   anticipation: ", p$anticipation,
      "\nStd. errors: ", if (p$bootstrap) paste0("multiplier bootstrap (",
      p$biters, " draws); ", 100 * p$level, "% simultaneous band (critical value ",
      fmt_num(x$crit, 3), ")") else paste0("analytic (influence function); ",
      100 * p$level, "% pointwise intervals"), "\n\n", sep = "")
  e <- x$estimates
  tab <- data.frame(Group = e$group, Time = e$time,
                    ATT = fmt_num(e$estimate, digits),
                    `Std. Error` = fmt_num(e$std.error, digits),
                    `Conf. low` = fmt_num(e$conf.low, digits),
                    `Conf. high` = fmt_num(e$conf.high, digits),
                    check.names = FALSE)
  print(tab, row.names = FALSE)
  invisible(x)
}

#' @rdname att_gt
#' @param main,xlab,ylab Title and axis labels.
#' @return `plot()`: the plotted estimates (invisibly), one panel row per
#'   group: estimates by period with their intervals, pre-treatment periods
#'   in grey.
#' @export
plot.smartdid_att_gt <- function(x, main = "ATT(g, t)", xlab = "Period",
                                 ylab = "Estimate", ...) {
  e <- x$estimates
  groups <- unique(e$group)
  off <- (match(e$group, groups) - (length(groups) + 1) / 2) * 0.08
  ylim <- range(c(e$conf.low, e$conf.high, 0), na.rm = TRUE)
  graphics::plot(e$time + off, e$estimate, type = "n", ylim = ylim,
                 xlab = xlab, ylab = ylab, main = main, ...)
  graphics::abline(h = 0, lty = 2, col = "grey")
  col <- ifelse(e$post, "black", "grey50")
  pch <- 15 + (match(e$group, groups) - 1) %% 6
  graphics::segments(e$time + off, e$conf.low, e$time + off, e$conf.high, col = col)
  graphics::points(e$time + off, e$estimate, pch = pch, col = col)
  graphics::legend("topleft", legend = paste("group", groups),
                   pch = 15 + (seq_along(groups) - 1) %% 6, bty = "n", cex = 0.8)
  invisible(e)
}

# att_gt()'s data: the long rows from a fit or cs_data(), and the panel
# (units, periods, comparison sets, weights, clusters) its estimators read.

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

# Propensity-score matching for PSM-DID: the score (logit or probit), k:1
# nearest-neighbour matching in C (src/match.c), and the matched sample.
# Balance tables live in R/balance.R, the methods in R/psm-methods.R.

#' Propensity-score matching for difference-in-differences (PSM-DID)
#'
#' Estimates a propensity score by logit (or probit) and matches every
#' treated unit to its `ratio` nearest controls on that score, with or
#' without replacement, within an optional caliper and on the common
#' support. The matched sample, with matching weights, feeds
#' [smartdid()] for a PSM-DID estimate (see [matched_data()]); [balance()]
#' gives Stata pstest's balance table and `plot()` the score densities
#' before and after matching.
#'
#' @section What is matched:
#' - `match_level = "obs"` (the default, as in most applied PSM-DID work): the
#'   score is estimated on all unit-period rows pooled and rows are matched
#'   to rows; `treat` is read row by row.
#' - `match_level = "unit"`: one row per unit (its covariates in the `baseline`
#'   period), treated when `treat` is 1 in any period; matched units keep
#'   their whole panels in [matched_data()].
#' - At the observation level `treat` must be constant within units (an
#'   ever-treated flag such as `pilot`): a post-policy dummy that switches on
#'   within units would match a unit's treated periods and leave its earlier
#'   periods as controls, so it is an error, unless matching is asked for
#'   period by period with `by` (such as `by = "year"`), where each unit has
#'   one row per group.
#' - `by = "year"` (any column): the score is estimated and the matching done
#'   separately within each value of `by` (period by period); at the unit
#'   level `by` must be constant within units. Groups without treated or
#'   without control units are off support.
#'
#' @section Matching rules (deterministic):
#' The distance is the score (or its linear index, `distance = "linear"`).
#' All units are sorted by the distance, ties kept in data order. Treated
#' units are visited in `order`: `"largest"` distance first (MatchIt's
#' default), `"smallest"` first, or in data order (ties in data order). Each
#' takes the nearest control still available on either side of it in the
#' sorted order; at equal distance the control with the smaller distance
#' (the left neighbour) wins. A match is kept when its distance is at most
#' the caliper. Without replacement, matching runs in `ratio` rounds (first
#' controls for everyone, then second controls, ...) and a matched control
#' leaves the pool; with replacement each treated unit simply takes its
#' `ratio` nearest controls and the order is irrelevant. These are the rules
#' of MatchIt's nearest-neighbour matching with `distance = "glm"` (its
#' `m.order`, `caliper` and `discard`), and the tests check that the matches
#' agree. (MatchIt 4.5.1's search on a distance vector compares absolute
#' score differences truncated to whole numbers, so with scores in (0, 1) it
#' may take a farther control and ignore the caliper; its search on a
#' distance matrix agrees with `psm()`. Among several controls with exactly
#' the same score, MatchIt 4.8.1 sometimes takes another one than 4.5.1 and
#' `psm()`; the scores matched, and so balance and estimates, are the same.)
#' The search runs in C on the sorted
#' scores with union-find "next available" pointers, O(n log n) overall.
#'
#' `caliper` is in standard deviations of the distance (over the units not
#' discarded, within each `by` group), as MatchIt's default `std.caliper =
#' TRUE`. `discard` trims to the common support: `"treated"` drops treated
#' units whose distance lies outside the controls' range (Stata psmatch2's
#' `common`), `"control"` the reverse, `"both"` both.
#'
#' @section Weights:
#' Matched treated units weigh 1. A control weighs the sum, over the treated
#' units it is matched to, of 1 / (number of controls of that treated unit);
#' these are psmatch2's `_weight` (stored as `freq_weights`, used by
#' [balance()]). [matched_data()] returns MatchIt's scaling of them: the
#' control weights multiplied by (number of matched controls) / (their sum).
#' Without replacement at 1:1 every weight is 1.
#'
#' @param data A data frame (or data.table or tibble) in long format.
#' @param treat,ever_treated Name of a 0/1 (or logical) column flagging the
#'   treatment group (units ever treated; constant within units). Either
#'   name works; `ever_treated` says what it is, as opposed to the
#'   per-period dummy `treat` of [smartdid()].
#' @param covariates Names of the numeric covariates of the score model.
#' @param id,time Names of the unit and period columns.
#' @param method `"nearest"` (the only method implemented).
#' @param ratio Number of controls per treated unit (k in k:1).
#' @param caliper `NULL` (none) or a positive number of standard deviations
#'   of the distance.
#' @param replace Match with replacement (a control may serve several
#'   treated units)?
#' @param link `"logit"` or `"probit"`.
#' @param match_level `"obs"` (unit-period rows) or `"unit"`; see Details.
#' @param level Deprecated name of `match_level` (accepted with a message).
#' @param by `NULL` or the name of a column within whose values the score is
#'   estimated and units matched separately (such as the period).
#' @param discard Common-support trimming: `"none"`, `"treated"`,
#'   `"control"` or `"both"`.
#' @param order Order in which treated units are matched: `"largest"`,
#'   `"smallest"` or `"data"`.
#' @param distance Match on the `"score"` or on its `"linear"` index.
#' @param baseline For `match_level = "unit"`: the covariates of each unit are
#'   taken in its first period (`NULL`), in the period given (a value of
#'   `time`), or averaged over its periods (`"mean"`).
#' @param ... Not used; an error if given, to catch misspelt arguments.
#' @return An object of class `smartdid_psm`: a list with `units` (one row
#'   per matching unit: `row` (its row in `data`; at the unit level the
#'   baseline row) and `unit`, `treat`, `group`, `score`, `linear`,
#'   `distance`, `discarded` (off support), `matched`, `weights`,
#'   `freq_weights`, `subclass`), `X` (their covariates), `match_matrix`
#'   (one row per treated unit, named by its index in `units`; the indices
#'   of its controls, in the order found), `models` (the score models'
#'   coefficient tables, one per group), `caliper_abs` (the caliper in
#'   distance units, per group), `row_unit` (the matching unit of each row
#'   of `data`), `counts`, `dropped`, `data`, `call` and `settings`. Methods: `print`, `plot`, `generics::tidy`,
#'   `generics::glance`, [balance()], [matched_data()].
#' @seealso [balance()], [matched_data()], [smartdid()].
#' @examples
#' set.seed(1)
#' d <- expand.grid(year = 2001:2006, unit = 1:60)
#' d$x1 <- rnorm(nrow(d)) + (d$unit <= 20)
#' d$x2 <- runif(nrow(d))
#' d$pilot <- as.numeric(d$unit <= 20)
#' d$D <- d$pilot * (d$year >= 2004)
#' d$y <- 0.5 * d$D + d$x1 + rnorm(nrow(d))
#' m <- psm(d, treat = "pilot", covariates = c("x1", "x2"),
#'          id = "unit", time = "year", caliper = 0.2)
#' m
#' balance(m)
#' md <- matched_data(m)
#' smartdid(y ~ x1 + x2, data = md, id = "unit", time = "year", treat = "D",
#'          weights = "weights")
#' # units matched on their first-period covariates, whole panels kept
#' psm(d, treat = "pilot", covariates = c("x1", "x2"), id = "unit",
#'     time = "year", match_level = "unit")
#' @export
psm <- function(data, treat, covariates, id, time, method = "nearest", ratio = 1,
                caliper = NULL, replace = FALSE, link = "logit",
                match_level = c("obs", "unit"), by = NULL, discard = "none",
                order = "largest", distance = "score", baseline = NULL, ...,
                ever_treated = NULL, level = NULL) {
  check_no_dots("psm()", ...)
  cl <- match.call()
  check_data(data)
  # one name, one meaning (R/deprecated.R): `ever_treated` is the documented
  # name of the group flag (`treat`, in the API contract, stays accepted);
  # `level` is a confidence level elsewhere, so the matching unit is
  # `match_level`
  if (!is.null(ever_treated)) {
    if (!missing(treat)) sd_stop("psm(): give 'ever_treated' or 'treat', not both")
    treat <- ever_treated
  }
  used <- if (is.null(level)) "match_level" else "level"   # named as the user did
  level <- sd_renamed(match_level, level, "match_level", "level", "psm",
                      !missing(match_level))
  level <- psm_choice(level, c("obs", "unit"), used)
  data <- sd_plain_columns(data, c(treat, covariates, id, time, by))
  s <- psm_settings(data, treat, covariates, id, time, method, ratio, caliper,
                    replace, link, level, by, discard, order, distance, baseline)
  u <- if (level == "obs") psm_units_obs(data, s) else psm_units_unit(data, s)
  res <- psm_match_groups(u$units, u$X, s)
  names(res$models) <- u$group_levels[as.integer(names(res$models))]
  names(res$caliper_abs) <- u$group_levels[as.integer(names(res$caliper_abs))]
  m <- list(call = cl, data = data, units = res$units, X = u$X,
            match_matrix = res$mm, models = res$models,
            caliper_abs = res$caliper_abs, row_unit = u$row_unit,
            group_levels = u$group_levels, dropped = u$dropped, settings = s)
  m$counts <- psm_counts(m$units)
  class(m) <- "smartdid_psm"
  m
}

psm_choice <- function(x, choices, arg) {
  if (identical(x, choices)) return(choices[1])
  if (!is.character(x) || length(x) != 1L || is.na(x) || !x %in% choices) {
    q <- paste0("\"", choices, "\"")
    sd_stop("'", arg, "' must be one of ", paste(q[-length(q)], collapse = ", "), " or ",
            q[length(q)])
  }
  x
}

# Validate the arguments and collect them.
psm_settings <- function(data, treat, covariates, id, time, method, ratio, caliper,
                         replace, link, level, by, discard, order, distance,
                         baseline) {
  for (a in c("treat", "id", "time")) {
    v <- get(a)
    check_string(v, a)
    check_column(data, v, a)
  }
  tv <- data[[treat]]
  if (!(is.numeric(tv) || is.logical(tv))) {
    sd_stop("'treat' column '", treat, "' must be 0/1 (numeric or logical), not ",
            class(tv)[1])
  }
  bad <- which(!is.na(tv) & !(tv %in% c(0, 1)))
  if (length(bad)) {
    sd_stop("'treat' column '", treat, "' must contain only 0 and 1; found ",
            format(tv[bad[1]]), " in row ", bad[1])
  }
  if (!is.character(covariates) || length(covariates) == 0L || anyNA(covariates) ||
      anyDuplicated(covariates)) {
    sd_stop("'covariates' must be a character vector of distinct column names")
  }
  check_column(data, covariates, "covariates")
  for (v in covariates) check_numeric_column(data, v, "covariates")
  if (treat %in% covariates) sd_stop("'treat' must not also be in 'covariates'")
  if (!identical(method, "nearest")) {
    sd_stop("'method' must be \"nearest\" (the only method implemented)")
  }
  ratio <- check_count(ratio, "ratio", min = 1)
  if (!is.null(caliper) && (!is.numeric(caliper) || length(caliper) != 1L ||
                            !is.finite(caliper) || caliper <= 0)) {
    sd_stop("'caliper' must be NULL or a positive number (standard deviations ",
            "of the distance), such as 0.2")
  }
  check_flag(replace, "replace")
  link <- psm_choice(link, c("logit", "probit"), "link")
  discard <- psm_choice(discard, c("none", "treated", "control", "both"), "discard")
  order <- psm_choice(order, c("largest", "smallest", "data"), "order")
  distance <- psm_choice(distance, c("score", "linear"), "distance")
  if (!is.null(by)) {
    check_string(by, "by")
    check_column(data, by, "by")
  }
  if (!is.null(baseline)) {
    if (level != "unit") sd_stop("'baseline' applies only with match_level = \"unit\"")
    if (length(baseline) != 1L || is.na(baseline) ||
        !(identical(baseline, "mean") || baseline %in% data[[time]])) {
      sd_stop("'baseline' must be NULL (first period), \"mean\" or a period ",
              "found in the '", time, "' column")
    }
  }
  list(treat = treat, covariates = covariates, id = id, time = time,
       method = method, ratio = ratio, caliper = caliper, replace = replace,
       link = link, level = level, by = by, discard = discard, order = order,
       distance = distance, baseline = baseline)
}

psm_complete <- function(data, cols) {
  ok <- rep(TRUE, nrow(data))
  for (v in cols) {
    x <- data[[v]]
    ok <- ok & !is.na(x)
    if (is.numeric(x)) ok <- ok & is.finite(x)
  }
  ok
}

psm_covariate_matrix <- function(data, rows, covariates) {
  X <- vapply(covariates, function(v) as.double(data[[v]][rows]), numeric(length(rows)))
  if (!is.matrix(X)) X <- matrix(X, nrow = length(rows))
  colnames(X) <- covariates
  X
}

# Observation level: one matching unit per complete row.
psm_units_obs <- function(data, s) {
  ok <- psm_complete(data, c(s$treat, s$covariates, s$id, s$time, s$by))
  rows <- which(ok)
  if (length(rows) == 0L) sd_stop("no row of 'data' is complete in 'treat', ",
                                  "'covariates', 'id', 'time' and 'by'")
  check_treat_constant(data, rows, s)
  gc <- if (is.null(s$by)) structure(rep(1L, length(rows)), levels = "all") else
    group_codes(data[[s$by]][rows])
  units <- data.frame(row = rows, treat = as.integer(data[[s$treat]][rows]),
                      group = as.integer(gc))
  row_unit <- rep(NA_integer_, nrow(data))
  row_unit[rows] <- seq_along(rows)
  list(units = units, X = psm_covariate_matrix(data, rows, s$covariates),
       row_unit = row_unit, group_levels = attr(gc, "levels"),
       dropped = data.frame(reason = "rows with missing values", rows = sum(!ok)))
}

# Unit level: one matching unit per panel unit, covariates at baseline.
psm_units_unit <- function(data, s) {
  ok <- psm_complete(data, c(s$treat, s$id, s$time, s$by))
  rows <- which(ok)
  if (length(rows) == 0L) sd_stop("no row of 'data' is complete in 'treat', ",
                                  "'id', 'time' and 'by'")
  uid <- data[[s$id]][rows]
  code <- group_codes(uid)
  nu <- length(attr(code, "levels"))
  tv <- data[[s$treat]][rows]
  treat_u <- as.integer(tapply(tv, code, max))
  tt <- data[[s$time]][rows]
  if (identical(s$baseline, "mean")) {
    X <- vapply(s$covariates, function(v) {
      as.double(tapply(as.double(data[[v]][rows]), code, mean, na.rm = TRUE))
    }, numeric(nu))
    if (!is.matrix(X)) X <- matrix(X, nrow = nu)
    base_row <- rows[!duplicated(code)][order(code[!duplicated(code)])]
  } else {
    pick <- if (is.null(s$baseline)) {
      o <- order(code, tt)
      o[!duplicated(code[o])]
    } else {
      w <- which(tt == s$baseline)
      w[!duplicated(code[w])]
    }
    base_row <- rep(NA_integer_, nu)
    base_row[code[pick]] <- rows[pick]
    X <- matrix(NA_real_, nu, length(s$covariates))
    X[!is.na(base_row), ] <- psm_covariate_matrix(data, base_row[!is.na(base_row)],
                                                  s$covariates)
  }
  colnames(X) <- s$covariates
  group <- structure(rep(1L, nu), levels = "all")
  if (!is.null(s$by)) {
    bv <- data[[s$by]][rows]
    n_by <- tapply(bv, code, function(z) length(unique(z)))
    if (any(n_by > 1L)) {
      sd_stop("'by' column '", s$by, "' must be constant within units when ",
              "match_level = \"unit\"")
    }
    group <- group_codes(bv[!duplicated(code)][order(code[!duplicated(code)])])
  }
  keep <- stats::complete.cases(X) & apply(X, 1L, function(r) all(is.finite(r)))
  if (!any(keep)) sd_stop("no unit has complete covariates at baseline")
  units <- data.frame(unit = attr(code, "levels")[keep], treat = treat_u[keep],
                      group = as.integer(group)[keep], row = base_row[keep])
  map <- cumsum(keep)
  map[!keep] <- NA_integer_
  row_unit <- rep(NA_integer_, nrow(data))
  row_unit[rows] <- map[code]
  list(units = units, X = X[keep, , drop = FALSE], row_unit = row_unit,
       group_levels = attr(group, "levels"),
       dropped = data.frame(reason = c("rows with missing values",
                                       "units without baseline covariates"),
                            rows = c(sum(!ok), sum(!keep))))
}

# Fit the score, trim, and match within each group; combine the results.
psm_match_groups <- function(units, X, s) {
  n <- nrow(units)
  units$score <- units$linear <- units$distance <- NA_real_
  units$discarded <- FALSE
  tr_all <- which(units$treat == 1L)
  n0 <- sum(units$treat == 0L)
  if (s$ratio > max(n0, 1L)) {
    sd_stop("'ratio' (", s$ratio, ") must be at most the number of control ",
            "units (", n0, ")")
  }
  mm <- matrix(NA_integer_, length(tr_all), s$ratio)
  models <- list()
  cal_abs <- numeric(0)
  for (g in sort(unique(units$group))) {
    idx <- which(units$group == g)
    tg <- units$treat[idx]
    if (!any(tg == 1L) || !any(tg == 0L)) {
      units$discarded[idx] <- TRUE
      next
    }
    fit <- psm_score(tg, X[idx, , drop = FALSE], s$link)
    models[[as.character(g)]] <- fit$table
    units$score[idx] <- fit$score
    units$linear[idx] <- fit$linear
    dist <- if (s$distance == "score") fit$score else fit$linear
    units$distance[idx] <- dist
    disc <- psm_discard(dist, tg, s$discard)
    units$discarded[idx] <- disc
    cal <- NA_real_
    if (!is.null(s$caliper)) {
      cal <- s$caliper * stats::sd(dist[!disc])
      cal_abs[as.character(g)] <- cal
    }
    tloc <- which(tg == 1L)
    ord <- switch(s$order,
                  largest = order(dist[tloc], decreasing = TRUE, method = "radix"),
                  smallest = order(dist[tloc], method = "radix"),
                  data = seq_along(tloc))
    res <- .Call(C_sd_nn_match, as.double(dist), as.integer(tg), disc,
                 as.integer(tloc[ord]), s$ratio, s$replace, as.double(cal))
    res[] <- idx[res]
    mm[match(idx[tloc], tr_all), ] <- res
  }
  if (!length(models)) {
    sd_stop("no group has both treated and control units; check 'treat' and 'by'")
  }
  w <- psm_weights(mm, tr_all, n)
  units$matched <- w$freq > 0
  units$weights <- w$weights
  units$freq_weights <- w$freq
  units$subclass <- psm_subclass(mm, tr_all, n)
  rownames(mm) <- tr_all
  list(units = units, mm = mm, models = models, caliper_abs = cal_abs)
}

# The score model: a binomial GLM with the chosen link.
psm_score <- function(y, X, link) {
  df <- as.data.frame(X)
  names(df) <- paste0("x", seq_len(ncol(X)))
  df$.psm_y <- y
  f <- stats::reformulate(names(df)[seq_len(ncol(X))], response = ".psm_y")
  fit <- stats::glm(f, family = stats::binomial(link), data = df)
  tab <- summary(fit)$coefficients
  full <- data.frame(term = c("(Intercept)", colnames(X)), estimate = NA_real_,
                     std.error = NA_real_, statistic = NA_real_, p.value = NA_real_)
  pos <- match(rownames(tab), c("(Intercept)", names(df)[seq_len(ncol(X))]))
  full[pos, 2:5] <- tab[, 1:4]
  list(score = unname(stats::fitted(fit)), linear = unname(fit$linear.predictors),
       table = full)
}

psm_discard <- function(dist, treat, rule) {
  t1 <- treat == 1L
  rt <- range(dist[t1])
  rc <- range(dist[!t1])
  out_t <- t1 & (dist < rc[1] | dist > rc[2])
  out_c <- !t1 & (dist < rt[1] | dist > rt[2])
  switch(rule, none = rep(FALSE, length(dist)), treated = out_t,
         control = out_c, both = out_t | out_c)
}

# psmatch2's frequency weights and MatchIt's scaled weights.
psm_weights <- function(mm, tr_all, n) {
  k <- rowSums(!is.na(mm))
  freq <- numeric(n)
  freq[tr_all[k > 0]] <- 1
  ctrl <- as.vector(mm)
  share <- rep(1 / pmax(k, 1), ncol(mm))
  ok <- !is.na(ctrl)
  add <- tapply(share[ok], ctrl[ok], sum)
  freq[as.integer(names(add))] <- freq[as.integer(names(add))] + as.vector(add)
  weights <- freq
  cu <- as.integer(names(add))
  if (length(cu)) weights[cu] <- freq[cu] * length(cu) / sum(freq[cu])
  list(freq = freq, weights = weights)
}

# Pair ids: the k-th matched treated unit (in data order) and its controls;
# a control matched to several treated units (with replacement) gets NA.
psm_subclass <- function(mm, tr_all, n) {
  sub <- rep(NA_integer_, n)
  has <- rowSums(!is.na(mm)) > 0
  sub[tr_all[has]] <- seq_len(sum(has))
  ids <- rep(cumsum(has), ncol(mm))
  ctrl <- as.vector(mm)
  ok <- !is.na(ctrl)
  uses <- tabulate(ctrl[ok], nbins = n)
  once <- ok & uses[pmax(ctrl, 1L)] == 1L
  sub[ctrl[once]] <- ids[once]
  sub
}

psm_counts <- function(units) {
  tab <- function(x) c(control = sum(x & units$treat == 0L), treated = sum(x & units$treat == 1L))
  all <- rep(TRUE, nrow(units))
  out <- rbind(all = tab(all), matched = tab(units$matched),
               unmatched = tab(!units$matched & !units$discarded),
               discarded = tab(units$discarded))
  out
}

# Matching rows on a treatment that switches on within units (a post-policy
# dummy) pairs a unit's treated periods with controls and its own earlier
# periods with treated rows: an error unless matching is asked for period by
# period (`by`), where each unit has one row per group.
check_treat_constant <- function(data, rows, s) {
  key <- data[[s$id]][rows]
  if (!is.null(s$by)) key <- paste(key, data[[s$by]][rows], sep = "\r")
  code <- match(key, unique(key))
  tv <- as.double(data[[s$treat]][rows])
  n1 <- as.vector(rowsum(tv, code, reorder = FALSE))
  n <- tabulate(code)
  mixed <- n1 > 0 & n1 < n
  if (!any(mixed)) return(invisible())
  where <- if (is.null(s$by)) "units" else paste0("units within '", s$by, "'")
  sd_stop("'treat' column '", s$treat, "' varies within ", where, " (", sum(mixed),
          " units have both 0 and 1): matching on it would match a unit's ",
          "treated periods and leave its earlier ones as controls. Give an ",
          "ever-treated flag (1 in every period of a unit ever treated), or ",
          "use match_level = \"unit\"; or, to match period by period on purpose, ",
          "give by = \"", s$time, "\"")
}

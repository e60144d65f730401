# Robustness helpers: winsorizing and trimming at percentiles, lags built
# within units, and extra controls added one at a time. Each works on a data
# frame (returning the modified data) or on a smartdid fit (returning the
# re-estimated fit).

#' Winsorize or trim variables at percentiles
#'
#' `winsorize()` replaces values below the `probs[1]` quantile by that
#' quantile and values above the `probs[2]` quantile by that quantile.
#' `trim()` drops the rows with a value strictly below the lower or strictly
#' above the upper quantile of any of `vars`. Quantiles are
#' [stats::quantile()]'s default (type 7), computed on the non-missing values
#' of each variable separately, over all rows of `data` or within each group
#' of `by` (for example by year). Missing values are left alone (and rows
#' with them are kept by `trim()`), and so are rows whose `by` value is
#' missing (they belong to no group).
#'
#' Given a [smartdid()] fit instead of a data frame, both functions modify
#' the fit's data and re-estimate the model on it; `vars` then defaults to
#' the outcome and the numeric variables of the formula that are not 0/1
#' dummies (the study winsorizes and trims the outcome and the controls).
#'
#' @param data A data frame (or data.table or tibble), or a [smartdid()] fit.
#' @param vars Names of numeric columns to treat.
#' @param probs Lower and upper probabilities, such as `c(0.01, 0.99)`.
#' @param by Optional name of a column: quantiles are computed within each of
#'   its groups.
#' @param quiet Suppress the message saying what was changed.
#' @return The modified data (same class as `data`), or the re-estimated fit,
#'   with an attribute `"robustness"`: a data frame with one row per variable
#'   (and group): the bounds `lower` and `upper`, and the numbers of values
#'   below and above them (`n_low`, `n_high`): values changed by
#'   `winsorize()`, rows flagged by `trim()` (a row outside on several
#'   variables is counted for each, and once in the attribute
#'   `"rows_dropped"`).
#' @examples
#' d <- data.frame(id = rep(1:20, each = 5), t = rep(1:5, 20),
#'                 y = c(1:99, 1000))
#' w <- winsorize(d, "y", probs = c(0.05, 0.95))
#' range(w$y)
#' attr(w, "robustness")
#' nrow(trim(d, "y", probs = c(0.05, 0.95)))
#' @name winsorize
#' @export
winsorize <- function(data, vars = NULL, probs = c(0.01, 0.99), by = NULL,
                      quiet = FALSE) {
  robust_apply(data, vars, probs, by, quiet, action = "winsorize")
}

#' @rdname winsorize
#' @export
trim <- function(data, vars = NULL, probs = c(0.01, 0.99), by = NULL, quiet = FALSE) {
  robust_apply(data, vars, probs, by, quiet, action = "trim")
}

robust_apply <- function(data, vars, probs, by, quiet, action) {
  fit <- NULL
  if (inherits(data, "smartdid")) {
    fit <- data
    data <- fit$data
    if (is.null(vars)) vars <- fit_continuous_vars(fit)
  }
  check_data(data)
  if (!is.character(vars) || length(vars) == 0L || anyNA(vars)) {
    sd_stop("'vars' must name one or more numeric columns of 'data'")
  }
  check_column(data, vars, "vars")
  for (v in vars) {
    if (!is.numeric(data[[v]])) sd_stop("'vars' column '", v, "' must be numeric")
  }
  if (!is.numeric(probs) || length(probs) != 2L || anyNA(probs) ||
      probs[1] < 0 || probs[2] > 1 || probs[1] >= probs[2]) {
    sd_stop("'probs' must be two increasing probabilities in [0, 1], ",
            "such as c(0.01, 0.99)")
  }
  check_flag(quiet, "quiet")
  grp <- rep(1L, nrow(data))
  if (!is.null(by)) {
    check_string(by, "by")
    check_column(data, by, "by")
    grp <- data[[by]]
  }
  idx <- split(seq_len(nrow(data)), grp, drop = TRUE)
  report <- list()
  flag <- rep(FALSE, nrow(data))
  for (v in vars) {
    x <- data[[v]]
    for (g in names(idx)) {
      rows <- idx[[g]]
      q <- stats::quantile(x[rows], probs, na.rm = TRUE, names = FALSE)
      low <- rows[!is.na(x[rows]) & x[rows] < q[1]]
      high <- rows[!is.na(x[rows]) & x[rows] > q[2]]
      if (action == "winsorize") {
        x[low] <- q[1]
        x[high] <- q[2]
      } else {
        flag[c(low, high)] <- TRUE
      }
      report[[length(report) + 1L]] <- data.frame(
        variable = v, group = if (is.null(by)) NA_character_ else g,
        lower = q[1], upper = q[2], n_low = length(low), n_high = length(high),
        stringsAsFactors = FALSE)
    }
    if (action == "winsorize") data <- set_column(data, v, x)
  }
  report <- do.call(rbind, report)
  if (is.null(by)) report$group <- NULL
  pct <- paste0(format(100 * probs, trim = TRUE), "%", collapse = "/")
  if (action == "winsorize") {
    n_changed <- sum(report$n_low + report$n_high)
    msg <- paste0("winsorized ", length(vars), " variable(s) at ", pct, ": ",
                  n_changed, " value(s) changed")
  } else {
    n_changed <- sum(flag)
    data <- data[!flag, , drop = FALSE]
    msg <- paste0("trimmed ", length(vars), " variable(s) at ", pct, ": ",
                  n_changed, " of ", length(flag), " row(s) dropped")
  }
  if (!quiet) message(msg)
  out <- if (is.null(fit)) {
    data
  } else if (action == "trim" && is.logical(fit$args$subset)) {
    stats::update(fit, data = data, subset = fit$args$subset[!flag])
  } else {
    stats::update(fit, data = data)
  }
  attr(out, "robustness") <- report
  attr(out, if (action == "winsorize") "values_changed" else "rows_dropped") <- n_changed
  out
}

# The outcome and the numeric, non-dummy variables of a fit's formula.
fit_continuous_vars <- function(fit) {
  f <- fit$args$formula
  v <- unique(c(fit$outcome, all.vars(f[[3]])))
  v <- v[vapply(v, function(x) {
    z <- fit$data[[x]]
    is.numeric(z) && !all(z[!is.na(z)] %in% c(0, 1))
  }, TRUE)]
  if (!length(v)) sd_stop("the fit has no continuous variable to treat; give 'vars'")
  v
}

# Replace or add a column, keeping data.table objects valid.
set_column <- function(data, name, value) {
  if (data.table::is.data.table(data)) {
    data <- data.table::copy(data)
    data.table::set(data, j = name, value = value)
  } else {
    data[[name]] <- value
  }
  data
}

#' Lag (or lead) a variable within units
#'
#' Builds `L.var` (or `Lk.var` for `k > 1`, `Fk.var` for leads `k < 0`) as
#' the value of `var` for the same unit `k` periods earlier, matched on the
#' unit and the period, not on the order of the rows: a missing period gives
#' `NA`, as Stata's `L.` operator does on a panel set with `xtset`. The
#' result feeds lagged-outcome models such as the study's
#' `smartdid(Carbon ~ L.Carbon + ...)`.
#'
#' @param data A data frame, data.table or tibble.
#' @param var Names of numeric columns to lag.
#' @param id,time Unit and period columns (`time` numeric, in steps of one
#'   period).
#' @param k Lag orders (whole numbers; negative for leads).
#' @param name Names of the new columns (one per `var` and `k`, in the order
#'   `var` varies fastest); by default `L.var`, `L2.var`, `F.var`...
#' @return `data` with the new columns added (existing columns of those
#'   names are overwritten, with a warning). Rows with a missing unit or a
#'   missing or non-finite period get `NA`. Periods are matched within
#'   `1e-8 * |k|`, so that steps not exact in binary (such as 0.1) still meet.
#' @examples
#' d <- data.frame(city = rep(1:2, each = 4), year = c(1:4, c(1, 2, 4, 5)),
#'                 Carbon = c(10, 11, 12, 13, 20, 21, 22, 23))
#' panel_lag(d[sample(nrow(d)), ], "Carbon", id = "city", time = "year")
#' @export
panel_lag <- function(data, var, id, time, k = 1, name = NULL) {
  check_data(data)
  check_string(id, "id")
  check_string(time, "time")
  check_column(data, c(id, time), "id")
  if (!is.character(var) || length(var) == 0L) {
    sd_stop("'var' must name one or more columns of 'data'")
  }
  check_column(data, var, "var")
  if (!is.numeric(k) || length(k) == 0L || anyNA(k) || any(k != round(k)) || any(k == 0)) {
    sd_stop("'k' must be non-zero whole numbers (negative for leads)")
  }
  tv <- data[[time]]
  if (!is.numeric(tv)) sd_stop("'time' column '", time, "' must be numeric")
  grid <- expand.grid(var = var, k = k, stringsAsFactors = FALSE)
  if (is.null(name)) {
    pre <- ifelse(grid$k > 0, "L", "F")
    ak <- abs(grid$k)
    name <- paste0(pre, ifelse(ak == 1, "", ak), ".", grid$var)
  }
  if (!is.character(name) || length(name) != nrow(grid)) {
    sd_stop("'name' must give one name per variable and lag (", nrow(grid), ")")
  }
  clash <- intersect(name, names(data))
  if (length(clash)) {
    warning("panel_lag(): column(s) ", paste0("'", clash, "'", collapse = ", "),
            " of 'data' overwritten by the lags", call. = FALSE)
  }
  idv <- data[[id]]
  ok <- !is.na(idv) & is.finite(tv)
  rows <- which(ok)
  check_duplicates(list(code_groups(idv[rows]), code_groups(tv[rows])), rows,
                   data, id, time)
  idc <- as.double(group_codes(idv))
  # exact integer keys: unit code x (number of distinct periods) + period code
  ut <- sort(unique(tv[ok]))
  L <- length(ut) + 1
  own <- idc * L + match(tv, ut)
  own[!ok] <- NA
  for (r in seq_len(nrow(grid))) {
    k <- grid$k[r]
    # the period k earlier is found within a tolerance, so that steps such as
    # 0.1 (not exact in binary) still meet; periods so large that t - k is
    # not exact cannot be lagged reliably
    tol <- 1e-8 * abs(k)
    if (length(ut) && max(abs(ut)) * 4 * .Machine$double.eps > tol) {
      sd_stop("'time' column '", time, "' has values too large (up to ",
              format(max(abs(ut))), ") to be shifted by ", k, " exactly; ",
              "subtract a base period first")
    }
    want <- idc * L + nearest_period(tv - k, ut, tol)
    want[!ok] <- NA
    val <- data[[grid$var[r]]][match(want, own, incomparables = NA)]
    data <- set_column(data, name[r], val)
  }
  data
}

# Position in the sorted periods `ut` of the period within `tol` of each x
# (NA if none).
nearest_period <- function(x, ut, tol) {
  if (!length(ut)) return(rep(NA_integer_, length(x)))
  x[!is.finite(x)] <- NA
  i <- findInterval(x, ut)
  lo <- pmax(i, 1L)
  hi <- pmin(i + 1L, length(ut))
  dlo <- abs(ut[lo] - x)
  dhi <- abs(ut[hi] - x)
  j <- ifelse(dlo <= dhi, lo, hi)
  j[is.na(x) | !(pmin(dlo, dhi) <= tol)] <- NA_integer_
  j
}

#' Add controls to a fit, together or one at a time
#'
#' A robustness check that adds other policies (the study's low-carbon city,
#' innovative city and carbon-trading pilots `Lowc`, `Inno`, `Tanp`) or any
#' other variables as controls. Other checks need no helper: a sample
#' restriction is `update(fit, subset = ~ peripheral == 1)`, an alternative
#' outcome is `update(fit, CEI ~ .)`, a lagged outcome is
#' `update(fit, . ~ . + L.Carbon, data = panel_lag(data, "Carbon", ...))`,
#' and [winsorize()] and [trim()] accept a fit.
#'
#' @param fit A [smartdid()] fit.
#' @param vars Names of columns of the fit's data to add.
#' @param one_at_a_time `TRUE` for one fit per variable (as the study's
#'   Table 4), `FALSE` for one fit with all of them.
#' @return A named list of fits (one per variable), or one fit.
#' @examples
#' d <- expand.grid(unit = 1:30, year = 1:8)
#' d$D <- as.numeric(d$unit <= 10 & d$year >= 5)
#' d$P <- as.numeric(d$unit %% 3 == 0 & d$year >= 4)
#' d$y <- d$D + 0.5 * d$P + cos(d$unit + d$year)
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
#' add_controls(fit, "P")
#' @export
add_controls <- function(fit, vars, one_at_a_time = TRUE) {
  check_fit(fit)
  if (!is.character(vars) || length(vars) == 0L || anyNA(vars)) {
    sd_stop("'vars' must name one or more columns of the fit's data")
  }
  check_column(fit$data, vars, "vars", data_arg = "fit$data")
  check_flag(one_at_a_time, "one_at_a_time")
  add <- function(v) {
    f <- stats::as.formula(paste(". ~ . +", paste(v, collapse = " + ")))
    stats::update(fit, f)
  }
  if (!one_at_a_time) return(add(vars))
  stats::setNames(lapply(vars, add), vars)
}

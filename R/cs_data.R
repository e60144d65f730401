# Data for att_gt() without a two-way fixed-effects fit: repeated
# cross-sections (where a fit with unit effects does not exist) or any panel.

#' Describe data for att_gt() directly (panels or repeated cross-sections)
#'
#' [att_gt()] usually reads its data from a [smartdid()] fit. Repeated
#' cross-sections (surveys that draw new people every period) have no unit
#' fixed effects to fit, so `cs_data()` describes such data, or any panel,
#' for `att_gt()` directly. Without `id`, or with an `id` that does not
#' repeat, every row is its own unit and `att_gt()` uses the repeated
#' cross-section estimators (did's `panel = FALSE`); with a repeating `id` it
#' is a panel, balanced or not.
#'
#' @param data A data frame.
#' @param y Name of the outcome column, or several names: [att_gt()] then
#'   returns one result per outcome, computed together.
#' @param time Name of the (numeric) period column.
#' @param cohort Name of the column with each row's adoption period (`NA`, 0
#'   or `Inf` for never treated; constant within a unit).
#' @param id `NULL` or the name of the unit column.
#' @param controls `NULL` or names of numeric covariate columns (for
#'   `covariates = "or"` or `"dr"` in [att_gt()]).
#' @param weights `NULL` or the name of a column of sampling weights.
#' @param cluster `NULL` (the unit, or the row for repeated cross-sections)
#'   or the name of a cluster column, constant within units.
#' @return An object of class `smartdid_cs_data` to pass to [att_gt()] in
#'   place of a fit; rows with a missing value in a used column are dropped
#'   and counted in its `dropped` element.
#' @examples
#' set.seed(1)
#' d <- data.frame(year = rep(2001:2006, each = 200),
#'                 first = sample(c(2003, 2005, NA), 1200, TRUE))
#' d$y <- rnorm(1200) + ifelse(!is.na(d$first) & d$year >= d$first, 1, 0)
#' at <- att_gt(cs_data(d, "y", "year", "first"), bootstrap = FALSE)
#' att_aggregate(at, "simple")
#' @export
cs_data <- function(data, y, time, cohort, id = NULL, controls = NULL,
                    weights = NULL, cluster = NULL) {
  check_data(data)
  if (!is.character(y) || !length(y) || anyNA(y) || anyDuplicated(y)) {
    sd_stop("'y' must be one or more distinct column names")
  }
  for (a in c("time", "cohort")) check_string(get(a), a)
  check_string(id, "id", null_ok = TRUE)
  check_string(weights, "weights", null_ok = TRUE)
  check_string(cluster, "cluster", null_ok = TRUE)
  if (!is.null(controls) && (!is.character(controls) || anyNA(controls))) {
    sd_stop("'controls' must be NULL or column names")
  }
  cols <- c(y, time, cohort, id, controls, weights, cluster)
  miss <- setdiff(cols, names(data))
  if (length(miss)) sd_stop("column(s) not found in 'data': ", paste(miss, collapse = ", "))
  for (v in c(y, time, controls, weights)) {
    if (!is.numeric(data[[v]])) sd_stop("column '", v, "' must be numeric")
  }
  g <- data[[cohort]]
  if (!is.numeric(g)) sd_stop("column '", cohort, "' must be numeric (NA for never treated)")
  used <- unique(cols)
  # only the used columns, and no copy when no used column has a missing
  # value (then complete.cases() is not needed either)
  na_cols <- setdiff(used, cohort)
  all_ok <- !any(vapply(na_cols, function(v) anyNA(data[[v]]), TRUE))
  ok <- if (all_ok) NULL else stats::complete.cases(as.data.frame(data)[na_cols])
  d <- lapply(stats::setNames(used, used), function(v) {
    if (all_ok) data[[v]] else data[[v]][ok]
  })
  if (!all_ok) g <- g[ok]
  # integer periods and cohorts are read as they are (C)
  tt <- d[[time]]
  if (!is.integer(tt)) tt <- as.double(tt)
  if (!is.integer(g)) g <- as.double(g)
  # unit codes (the id column itself when it is already 1..N, no copy)
  unit <- if (is.null(id)) seq_along(tt) else code_groups(d[[id]])$code
  # cohorts cleaned, periods coded and the unit checks in one pass (C)
  pr <- .Call(C_sd_cs_prep, if (is.null(id)) NULL else unit,
              max(unit, 1L), tt, g)
  g <- pr$cohort          # per row (NULL with units, which have unit_cohort)
  if (is.null(pr$periods) && !is.null(id)) pr$error <- cs_data_check(unit, tt, g)
  if (pr$error[1L] == 1L) {
    sd_stop("'", id, "' and '", time, "' do not identify rows: some unit ",
            "has two rows in a period")
  }
  if (pr$error[1L] == 2L) {
    sd_stop("the 'cohort' column '", cohort, "' must be constant within each unit")
  }
  nr <- length(tt)
  X <- if (length(controls)) matrix(unlist(d[controls], use.names = FALSE), nr,
                                    dimnames = list(NULL, controls)) else matrix(0, nr, 0L)
  if (!is.double(X)) storage.mode(X) <- "double"
  # the outcomes as a list of the data's columns (no copies; the kernels
  # read them in place, cs_ymat() makes the matrix where R needs one)
  Y <- lapply(d[y], function(v) if (is.double(v)) v else as.double(v))
  structure(list(y = Y, time = tt, unit = unit,
                 n_units = max(unit), X = X,
                 w = if (is.null(weights)) NULL else as.double(d[[weights]]),
                 cohort = g, ti = pr$ti,
                 # per unit (NULL: cs_panel() finds them): cohort, rows
                 unit_cohort = if (is.null(id)) g else pr$unit_cohort,
                 unit_count = pr$unit_count,
                 clock = sd_clock(if (is.null(pr$periods)) tt else pr$periods),
                 cluster = if (is.null(cluster)) NULL else as.vector(group_codes(d[[cluster]])),
                 cluster_name = cluster, outcome = y,
                 dropped = c(missing = if (all_ok) 0L else sum(!ok))),
            class = "smartdid_cs_data")
}

#' @rdname cs_data
#' @param x A `smartdid_cs_data` object.
#' @param name,i The element to extract. With units, each row's cleaned
#'   `cohort` is kept per unit and expanded to the rows when asked for.
#' @export
`$.smartdid_cs_data` <- function(x, name) cs_data_elt(x, name)

#' @rdname cs_data
#' @param ... Ignored (the arguments of the default `[[`, such as `exact`).
#' @export
`[[.smartdid_cs_data` <- function(x, i, ...) cs_data_elt(x, i)

cs_data_elt <- function(x, name) {
  v <- .subset2(x, name)
  if (is.null(v) && identical(name, "cohort") && !is.null(.subset2(x, "unit_cohort"))) {
    return(.subset2(x, "unit_cohort")[.subset2(x, "unit")])
  }
  v
}

# The checks of sd_cs_prep() in R, for data with more periods than it codes:
# c(kind, 0) with kind 1 for a unit with two rows in a period, 2 for a
# cohort that varies within a unit, 0 when neither.
cs_data_check <- function(unit, tt, g) {
  o <- order(unit, tt, method = "radix")
  n <- length(o)
  if (n > 1L && any(unit[o][-1L] == unit[o][-n] & tt[o][-1L] == tt[o][-n])) return(c(1L, 0L))
  g1 <- g[match(seq_len(max(unit)), unit)]
  if (any(g1[unit] != g)) return(c(2L, 0L))
  c(0L, 0L)
}

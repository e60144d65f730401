# From a user's data frame to the estimation sample: validate the roles,
# build the treatment dummy, drop (and count) incomplete rows and singletons,
# and map unit, period, cluster and extra fixed effects to dense integer codes.

# The treatment dummy from a 0/1 column or from adoption periods (cohorts).
build_treatment <- function(data, time, treat, cohort) {
  if (is.null(treat) == is.null(cohort)) {
    sd_stop("give exactly one of 'treat' (a 0/1 column) and 'cohort' ",
            "(the first treated period of each unit)")
  }
  if (!is.null(treat)) {
    check_string(treat, "treat")
    check_column(data, treat, "treat")
    d <- .subset2(data, treat)
    if (is.logical(d)) d <- as.numeric(d)
    if (!is.numeric(d)) {
      sd_stop("'treat' column '", treat, "' must be 0/1 (numeric or logical), not ",
              class(d)[1])
    }
    bad <- .Call(C_sd_first_nonbinary, d)
    if (bad > 0L) {
      sd_stop("'treat' column '", treat, "' must contain only 0 and 1; found ",
              format(d[bad]), " in row ", bad)
    }
    return(list(d = as.numeric(d), name = treat, cohort = NULL))
  }
  check_string(cohort, "cohort")
  check_column(data, cohort, "cohort")
  g <- .subset2(data, cohort)
  tt <- .subset2(data, time)
  if (!is.numeric(g) || !is.numeric(tt)) {
    sd_stop("'cohort' column '", cohort, "' and the 'time' column must both be ",
            "numeric to compare adoption periods with periods")
  }
  never <- sd_never(g)   # the never-treated codes, defined once in R/clock.R
  d <- as.numeric(!never & tt >= g)
  list(d = d, name = "treated", cohort = ifelse(never, NA_real_, g))
}

# A logical row mask from `subset` (logical vector or one-sided formula).
subset_mask <- function(data, subset) {
  n <- nrow(data)
  if (is.null(subset)) return(rep(TRUE, n))
  if (inherits(subset, "formula")) {
    subset <- eval(subset[[length(subset)]], data, environment(subset))
  }
  if (!is.logical(subset) || length(subset) != n) {
    sd_stop("'subset' must be a logical vector with one value per row of 'data' ",
            "or a one-sided formula such as ~ central_city == 0")
  }
  !is.na(subset) & subset
}

# Codes of one fixed effect given as "a" or an interaction "a^b".
fe_codes <- function(data, spec) {
  parts <- strsplit(spec, "^", fixed = TRUE)[[1]]
  check_column(data, parts, "fe")
  if (length(parts) == 1L) return(.subset2(data, parts))
  cols <- lapply(parts, function(p) .subset2(data, p))
  out <- do.call(paste, c(cols, sep = "\r"))
  # a missing (or non-finite) part makes the interaction missing, not a level
  miss <- Reduce(`|`, lapply(cols, function(x) if (is.numeric(x)) !is.finite(x) else is.na(x)))
  out[miss] <- NA_character_
  out
}

dropped_table <- function(...) {
  x <- c(...)
  structure(list(reason = names(x), rows = as.integer(x)), class = "data.frame",
            row.names = seq_along(x))
}

sd_panel <- function(data, id, time, treat, cohort, vars, cluster, weights,
                     fe, subset, singletons = TRUE) {
  check_data(data)
  check_string(id, "id")
  check_string(time, "time")
  check_column(data, id, "id")
  check_column(data, time, "time")
  for (v in unique(c(id, time, cluster))) {
    x <- .subset2(data, v)
    if (!is.atomic(x) || !is.null(dim(x))) {
      sd_stop("column '", v, "' of 'data' must be an atomic vector (numbers, ",
              "strings, factors or dates), not ", class(x)[1])
    }
  }
  n <- nrow(data)
  tr <- build_treatment(data, time, treat, cohort)
  in_subset <- if (is.null(subset)) TRUE else subset_mask(data, subset)

  # complete, finite rows on every role
  fe_raw <- lapply(fe, fe_codes, data = data)
  w <- NULL
  positive <- TRUE
  if (!is.null(weights)) {
    w <- .subset2(data, weights)
    positive <- is.na(w) | w != 0
  }
  roles <- c(list(.subset2(data, id), .subset2(data, time), tr$d), lapply(vars, function(v) .subset2(data, v)),
             lapply(cluster, function(v) .subset2(data, v)), fe_raw, list(w))
  # the usual case in C: all rows complete, unit and period ids whole
  # numbers, no duplicate, d both 0 and 1 (then only singletons may drop)
  fast <- if (is.null(subset) && is.null(weights) && !length(fe))
    .Call(C_sd_panel_fast, roles[[1]], roles[[2]], roles, tr$d)
  if (!is.null(fast)) {
    codes <- unname(fast[c("unit", "period")])
    nlev <- c(fast$n_units, fast$n_periods)
    s <- if (singletons && fast$singletons) .Call(C_sd_singletons, codes, nlev)
    if (is.null(s)) {
      return(panel_result(n, tr, fe = codes, fe_nlev = nlev,
                          rows = NULL, data = data, id = id, time = time,
                          cluster = cluster, w = NULL, fe_names = fe,
                          dropped = c(0L, 0L, 0L, 0L)))
    }
    return(panel_sample(n, tr, treat, s$codes, s$nlev, s$rows, data, id, time,
                        cluster, NULL, fe, c(0L, 0L, 0L, s$dropped)))
  }
  ok <- complete_rows(roles[!vapply(roles, is.null, TRUE)], n)  # NULL: all rows
  if (is.null(subset) && is.null(weights)) {
    n_subset <- 0L
    n_na <- if (is.null(ok)) 0L else n - sum(ok)
    zero_w <- 0L
    keep <- ok
  } else {
    if (is.null(ok)) ok <- TRUE
    n_subset <- sum(!in_subset)
    n_na <- sum(in_subset & !ok)
    zero_w <- sum(in_subset & ok & !positive)
    keep <- in_subset & ok & positive
  }

  # codes on the complete rows; singletons dropped from there
  raw <- c(list(.subset2(data, id), .subset2(data, time)), fe_raw)
  rows <- if (is.null(keep) || all(keep)) NULL else which(keep)
  on_rows <- function(x) if (is.null(rows)) x else x[rows]
  coded <- lapply(raw, function(x) code_groups(on_rows(x)))
  check_duplicates(coded, rows, data, id, time)
  fe_used <- lapply(coded, function(g) g$code)
  fe_nlev <- vapply(coded, function(g) length(g$levels), 1L)
  n_single <- 0L
  if (singletons && length(fe_used[[1]])) {
    s <- .Call(C_sd_singletons, fe_used, fe_nlev)   # NULL: no singletons
    if (!is.null(s)) {
      n_single <- s$dropped
      rows <- if (is.null(rows)) s$rows else rows[s$rows]
      fe_used <- s$codes
      fe_nlev <- s$nlev
    }
  }
  panel_sample(n, tr, treat, fe_used, fe_nlev, rows, data, id, time, cluster, w,
               fe, c(n_subset, n_na, zero_w, n_single))
}

# The checks on the final sample (`rows` of `data`, NULL for all), then
# panel_result(). `dropped`: rows outside subset, incomplete, of zero
# weight, singletons.
panel_sample <- function(n, tr, treat, fe, fe_nlev, rows, data, id, time,
                         cluster, w, fe_names, dropped) {
  if (!is.null(rows) && length(rows) == 0L) {
    no_rows_error(n, dropped[2], dropped[1], dropped[3], dropped[4])
  }
  d <- if (is.null(rows)) tr$d else tr$d[rows]
  has <- .Call(C_sd_has01, d)   # the sample's d is complete and 0/1
  if (!has[2]) {
    sd_stop("no treated observations in the estimation sample: check '",
            if (is.null(treat)) "cohort" else "treat", "'")
  }
  if (!has[1]) {
    sd_stop("no untreated observations in the estimation sample: a ",
            "difference-in-differences needs a comparison")
  }
  panel_result(n, tr, fe = fe, fe_nlev = fe_nlev, rows = rows, data = data,
               id = id, time = time, cluster = cluster, w = w,
               fe_names = fe_names, dropped = dropped, d = d)
}

# What sd_panel() returns, from the codes of the fixed effects on the sample
# (`rows` of `data`, NULL for all of them).
panel_result <- function(n, tr, fe, fe_nlev, rows, data, id, time, cluster, w,
                         fe_names, dropped, d = on_rows(tr$d)) {
  on_rows <- function(x) if (is.null(rows)) x else x[rows]
  cl_codes <- cl_G <- vector("list", length(cluster))
  for (k in seq_along(cluster)) {
    if (identical(cluster[k], id)) {
      cl_codes[[k]] <- fe[[1]]
      cl_G[[k]] <- fe_nlev[1]
    } else {
      g <- code_groups(on_rows(.subset2(data, cluster[k])))
      cl_codes[[k]] <- g$code
      cl_G[[k]] <- length(g$levels)
    }
  }
  names(cl_codes) <- cluster
  list(obs = if (is.null(rows)) seq_len(n) else rows, n_input = n,
       d = d, treat_name = tr$name,
       cohort = if (is.null(tr$cohort)) NULL else on_rows(tr$cohort),
       fe = fe, fe_nlev = fe_nlev, fe_names = c(id, time, fe_names),
       cluster = cl_codes,
       cluster_G = if (length(cluster)) stats::setNames(unlist(cl_G), cluster) else integer(),
       weights = if (is.null(w)) NULL else as.double(on_rows(w)),
       dropped = dropped_table(`outside subset` = dropped[1],
                               `missing or non-finite value` = dropped[2],
                               `zero weight` = dropped[3],
                               singleton = dropped[4]))
}

# TRUE where every column is finite (numbers) or not NA (other types); NULL
# when that holds for every row.
complete_rows <- function(cols, n) {
  plain <- vapply(cols, function(x) is.atomic(x) && typeof(x) %in%
                    c("double", "integer", "logical", "character", "complex"), TRUE)
  if (all(plain)) return(.Call(C_sd_complete_rows, cols, n))
  ok <- rep(TRUE, n)
  for (x in cols) ok <- ok & if (is.numeric(x)) is.finite(x) else !is.na(x)
  if (all(ok)) NULL else ok
}

no_rows_error <- function(n, n_na, n_subset, zero_w, n_single) {
  why <- c(if (n_na) paste0(n_na, " have missing or non-finite values in the ",
                            "model's variables"),
           if (n_subset) paste0(n_subset, " are outside 'subset'"),
           if (zero_w) paste0(zero_w, " have zero weight"),
           if (n_single) paste0(n_single, " are singletons (alone in their unit or ",
                                "period: a panel needs at least two units and ",
                                "two periods)"))
  sd_stop("no rows left to estimate on: of the ", n, " rows, ",
          paste(why, collapse = "; "))
}

check_duplicates <- function(coded, rows, data, id, time) {
  u <- coded[[1]]
  t <- coded[[2]]
  if (!length(u$code)) return(invisible())
  dup <- .Call(C_sd_first_duplicate, u$code, t$code, length(u$levels), length(t$levels))
  if (dup > 0L) {
    row <- if (is.null(rows)) dup else rows[dup]
    sd_stop("'data' has more than one row for the same '", id, "' and '", time,
            "' (first duplicate: row ", row, ", ", id, " = ", format(.subset2(data, id)[row]),
            ", ", time, " = ", format(.subset2(data, time)[row]),
            "); aggregate or remove the duplicates")
  }
}

# From a user's data frame to the estimation sample: validate the roles,
# build the treatment dummy, drop (and count) incomplete rows and singletons,
# and map unit, period, cluster and extra fixed effects to dense integer codes.

# The treatment dummy from a 0/1 column or from adoption periods (cohorts).
# The dummy built from a cohort is named `treat_name` (by default the cohort
# column's name and "_treated").
build_treatment <- function(data, time, treat, cohort, treat_name = NULL,
                            design = "staggered") {
  if (is.null(treat) == is.null(cohort)) {
    sd_stop("give exactly one of 'treat' (a 0/1 column) and 'cohort' ",
            "(the first treated period of each unit)")
  }
  if (!is.null(treat_name)) {
    if (!is.null(treat)) {
      sd_stop("'treat_name' names the dummy built from 'cohort'; with 'treat' ",
              "the coefficient is named after the treat column (rename the ",
              "column to change it)")
    }
    check_string(treat_name, "treat_name")
  }
  if (!is.null(treat)) {
    check_string(treat, "treat")
    check_column(data, treat, "treat")
    d <- .subset2(data, treat)
    if (design == "general") return(treatment_general(d, treat))
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
  list(d = d, name = treat_name %||% paste0(cohort, "_treated"),
       cohort = ifelse(never, NA_real_, g))
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
                     fe, subset, singletons = TRUE, treat_name = NULL,
                     design = "staggered") {
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
  tr <- build_treatment(data, time, treat, cohort, treat_name, design)
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
  check_plain_for_c(roles)
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
  if (isTRUE(tr$general)) {
    if (!length(d) || all(d == d[1])) {
      sd_stop("the treatment '", tr$name, "' takes a single value in the estimation ",
              "sample: a difference-in-differences needs it to vary")
    }
    return(panel_result(n, tr, fe = fe, fe_nlev = fe_nlev, rows = rows, data = data,
                        id = id, time = time, cluster = cluster, w = w,
                        fe_names = fe_names, dropped = dropped, d = d))
  }
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

# Columns of bit64's class integer64 (what data.table::fread() returns for
# large integers) keep 64-bit integers in double storage: read as doubles
# they are meaningless bits, so every such column is converted to double
# here, exactly, before any of it reaches C. Values beyond 2^53 have no
# exact double: a column used by the call (`used`) holding one is refused;
# other columns holding one are left as they are.
sd_plain_columns <- function(data, used = character(), arg = "data") {
  is64 <- vapply(data, function(x) inherits(x, "integer64"), TRUE)
  if (!any(is64)) return(data)
  conv <- list()
  for (v in names(data)[is64]) {
    x <- int64_to_double(.subset2(data, v))
    if (is.null(attr(x, "beyond"))) {
      conv[[v]] <- x
    } else if (v %in% used) {
      sd_stop("column '", v, "' of '", arg, "' is a 64-bit integer (integer64) ",
              "with values beyond 2^53 (first in row ", attr(x, "beyond"), "), ",
              "which a double cannot hold exactly; convert it yourself (as ",
              "character for an identifier, or rescaled for a quantity)")
    }
  }
  replace_columns(data, conv)
}

# Exact double values of an integer64 vector (bit64's storage: the 64-bit
# two's complement integers in the bytes of a double vector), computed from
# its two 32-bit halves so that bit64 need not be installed. NA (INT64_MIN)
# stays NA; attribute "beyond": the first element with |x| > 2^53.
int64_to_double <- function(x) {
  n <- length(x)
  h <- readBin(writeBin(unclass(as.vector(unclass(x), "double")), raw()),
               "integer", n = 2L * n, size = 4L)
  lo_at <- if (.Platform$endian == "little") 1L else 2L
  lo <- as.double(h[seq.int(lo_at, by = 2L, length.out = n)])
  hi <- as.double(h[seq.int(3L - lo_at, by = 2L, length.out = n)])
  # readBin gives NA for the bit pattern of INT_MIN: those halves are -2^31
  lo[is.na(lo)] <- -2^31
  hi[is.na(hi)] <- -2^31
  lo <- lo + ifelse(lo < 0, 2^32, 0)
  out <- hi * 2^32 + lo              # exact whenever |result| <= 2^53
  na <- hi == -2^31 & lo == 0
  out[na] <- NA_real_
  big <- which(!na & (hi > 2^21 | (hi == 2^21 & lo > 0) | hi < -2^21))
  if (length(big)) attr(out, "beyond") <- big[1]
  out
}

# `data` with some columns replaced, its class (data.frame, tibble or
# data.table) kept, the other columns not copied.
replace_columns <- function(data, cols) {
  if (!length(cols)) return(data)
  if (inherits(data, "data.table")) {
    x <- as.list(data)
    x[names(cols)] <- cols
    return(data.table::setDT(x))
  }
  for (v in names(cols)) data[[v]] <- cols[[v]]
  data
}

# A last guard before columns go to C: a classed double whose storage is not
# its value (integer64 and the like) must never be reinterpreted there.
check_plain_for_c <- function(cols) {
  for (x in cols) {
    if (inherits(x, "integer64")) {
      sd_stop("internal error: an integer64 column reached the C engine ",
              "unconverted; please report this")
    }
  }
  invisible()
}

# The columns a smartdid() call reads (those that are names, as given).
sd_used_columns <- function(formula, id, time, treat, cohort, cluster, weights, fe) {
  chr <- function(x) if (is.character(x)) x
  c(if (inherits(formula, "formula")) all.vars(formula), chr(id), chr(time),
    chr(treat), chr(cohort), chr(cluster), chr(weights),
    unlist(strsplit(chr(fe) %||% character(), "^", fixed = TRUE)))
}

# Small argument checkers shared by every exported function. Messages follow
# "Writing R Extensions": lower case, the argument quoted, the fix stated.

sd_stop <- function(...) stop(paste0(...), call. = FALSE)

# An error naming the arguments a function's `...` caught (misspelt or
# unknown ones); `what` names the function, as in "smartdid()".
check_no_dots <- function(what, ...) {
  if (...length() == 0L) return(invisible())
  nm <- names(list(...)) %||% rep("", ...length())
  shown <- ifelse(nzchar(nm), paste0("'", nm, "'"), "an unnamed value")
  sd_stop("unknown argument(s) to ", what, ": ", paste(shown, collapse = ", "))
}

check_data <- function(data, arg = "data") {
  if (!is.data.frame(data)) {
    sd_stop("'", arg, "' must be a data frame (or data.table or tibble), not ",
            class(data)[1])
  }
  if (nrow(data) == 0L) sd_stop("'", arg, "' has no rows")
  invisible(data)
}

check_string <- function(x, arg, null_ok = FALSE) {
  if (is.null(x) && null_ok) return(invisible(NULL))
  if (!is.character(x) || length(x) != 1L || is.na(x) || !nzchar(x)) {
    sd_stop("'", arg, "' must be a single column name (a string)")
  }
  invisible(x)
}

check_column <- function(data, col, arg, data_arg = "data") {
  nms <- names(data)
  if (all(col %in% nms)) return(invisible(col))
  miss <- setdiff(col, nms)
  if (length(miss)) {
    sd_stop("'", arg, "' must name a column of '", data_arg, "': ",
            paste0("'", miss, "'", collapse = ", "), " not found")
  }
  invisible(col)
}

check_numeric_column <- function(data, col, arg) {
  x <- .subset2(data, col)
  if (!(is.numeric(x) || is.logical(x))) {
    sd_stop("'", arg, "' column '", col, "' must be numeric, not ", class(x)[1],
            "; convert it with as.numeric()")
  }
  invisible(x)
}

check_flag <- function(x, arg) {
  if (!is.logical(x) || length(x) != 1L || is.na(x)) {
    sd_stop("'", arg, "' must be TRUE or FALSE")
  }
  invisible(x)
}

check_count <- function(x, arg, min = 0) {
  if (!is.numeric(x) || length(x) != 1L || !is.finite(x) || x < min ||
      x != round(x) || x > .Machine$integer.max) {
    sd_stop("'", arg, "' must be a whole number >= ", min)
  }
  invisible(as.integer(x))
}

# match.arg() with a message that names the argument: the first choice when
# `x` is the default vector, else one (possibly abbreviated) choice.
sd_match_arg <- function(x, choices, arg) {
  if (identical(x, choices)) return(choices[1])
  if (is.character(x) && length(x) == 1L && !is.na(x) && nzchar(x)) {
    i <- pmatch(x, choices)
    if (!is.na(i)) return(choices[i])
  }
  q <- paste0("\"", choices, "\"")
  sd_stop("'", arg, "' must be one of ", paste(q[-length(q)], collapse = ", "),
          " or ", q[length(q)])
}

check_level <- function(level, arg = "level") {
  if (!is.numeric(level) || length(level) != 1L || is.na(level) ||
      level <= 0 || level >= 1) {
    sd_stop("'", arg, "' must be a number between 0 and 1, such as 0.95")
  }
  invisible(level)
}

check_fit <- function(fit, arg = "fit") {
  if (!inherits(fit, "smartdid")) {
    sd_stop("'", arg, "' must be a fit returned by smartdid()")
  }
  invisible(fit)
}

# Dense 1-based integer codes of a vector, in sorted order of its values:
# list(code, levels, counts). Whole numbers over a modest range are coded by
# direct indexing (no hashing or sorting), which is what ids and years
# usually are; a vector that already holds the codes 1..k is used as it is.
code_groups <- function(x) {
  if (is.factor(x)) x <- as.character(x)
  # one pass in C: the range of x, or NULL when x is not all whole numbers
  r <- if (is.numeric(x)) .Call(C_sd_int_range, x)
  if (!is.null(r)) {
    if (is.integer(x)) r <- as.integer(r)
    span <- r[2] - r[1] + 1
    if (is.finite(span) && span <= 4 * length(x) + 1e5) {
      pos <- if (is.integer(x) && r[1] == 1L) x
             else if (is.integer(x)) x - (r[1] - 1L)
             else as.integer(x - (r[1] - 1))
      counts <- tabulate(pos, nbins = span)
      present <- counts > 0L
      if (all(present)) {
        return(list(code = pos, levels = seq(r[1], r[2]), counts = counts))
      }
      return(list(code = cumsum(present)[pos], levels = (r[1] - 1) + which(present),
                  counts = counts[present]))
    }
  }
  u <- sort(unique(x))
  code <- match(x, u)
  list(code = code, levels = u, counts = tabulate(code, nbins = length(u)))
}

# The codes of code_groups() with the levels as an attribute.
group_codes <- function(x) {
  g <- code_groups(x)
  structure(g$code, levels = g$levels)
}

`%||%` <- function(a, b) if (is.null(a)) b else a

fmt_num <- function(x, digits = 4) {
  formatC(x, format = "f", digits = digits)
}

# Human labels for variables, terms and groups, used by the tables, their
# notes and the figures, so that no internal column name reaches a reader.

#' Labels for tables, notes and figures
#'
#' A label map is a named character vector: names are column, term or group
#' names as they appear in the data and the fits, values the words a reader
#' sees. Tables ([did_table()], [format_balance()]) and figures take one
#' through their `labels` argument; [replicate_study()] uses `smartcity_labels()`
#' by default. An interaction `a:b` without its own entry is labelled part by
#' part and shown as "a x b" (with the multiplication sign).
#'
#' `smartcity_labels()` gives the article's wording for the variables of
#' [smartcity]: the heterogeneity variables of Tables 7 to 9 as the article
#' names them (digitalisation, green innovation, human capital, economic
#' base, agglomeration, environmental regulation, city tier), the regions, and
#' the study's own variable names (such as `Smart_Policy`, `Ind_Pro`) kept as
#' printed in its tables.
#'
#' @param ... Labels as `name = "label"` pairs, or named character vectors.
#'   Later entries override earlier ones.
#' @return A named character vector.
#' @examples
#' lab <- var_labels(smartcity_labels(), Carbon = "log CO2 emissions")
#' lab[c("Carbon", "Gdp_pc", "tier2plus")]
#' @export
var_labels <- function(...) {
  parts <- list(...)
  out <- character()
  for (i in seq_along(parts)) {
    p <- parts[[i]]
    nm <- names(parts)[i]
    if (!is.null(nm) && nzchar(nm)) p <- stats::setNames(as.character(p), nm)
    check_labels(p, "...")
    out[names(p)] <- unname(p)
  }
  out
}

#' @rdname var_labels
#' @export
smartcity_labels <- function() {
  c(Smart_Policy = "Smart_Policy",
    Digital = "Digitalisation", Green_patent = "Green innovation",
    Human_capital = "Human capital", Gdp_pc = "Economic base",
    Agglomeration = "Agglomeration", Env_reg = "Environmental regulation",
    tier2plus = "City tier", region = "Region", south = "South and north",
    east = "East", northeast = "Northeast", central = "Central", west = "West",
    low = "Low", high = "High",
    central_city = "Central city", pilot = "Pilot city", pilot_year = "Pilot year",
    city = "City", year = "Year")
}

check_labels <- function(labels, arg = "labels") {
  if (is.null(labels)) return(invisible())
  if (!is.character(labels) || is.null(names(labels)) || anyNA(names(labels)) ||
      !all(nzchar(names(labels))) || anyNA(labels)) {
    sd_stop("'", arg, "' must be a named character vector of labels, such as ",
            "c(Smart_Policy = \"Smart city pilot\")")
  }
  invisible()
}

# Labels of `x` from `labels`; interactions "a:b" labelled part by part.
relabel <- function(x, labels) {
  x <- as.character(x)
  if (!length(labels) || !length(x)) return(x)
  out <- x
  hit <- x %in% names(labels)
  out[hit] <- labels[x[hit]]
  inter <- !hit & grepl(":", x, fixed = TRUE)
  out[inter] <- vapply(strsplit(x[inter], ":", fixed = TRUE), function(p) {
    h <- p %in% names(labels)
    p[h] <- labels[p[h]]
    paste(p, collapse = paste0(" ", sym("times"), " "))
  }, "")
  unname(out)
}

tolower_first <- function(x) {
  # lower-case the first letter of a label used inside a sentence, unless it
  # is an acronym or a variable name (two capitals or an underscore)
  keep <- grepl("^[A-Z][A-Z]|_", x)
  ifelse(keep, x, paste0(tolower(substr(x, 1L, 1L)), substring(x, 2L)))
}

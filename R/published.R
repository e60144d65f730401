#' Published results of the smart-city study
#'
#' The numbers printed in Li and Zhan's article on smart cities and carbon
#' emissions (see [smartcity]), typed in from the article and shipped in
#' `inst/extdata/` for comparison with a replication (typos of the article
#' are kept as printed: Table 6 repeats a row in columns 1 and 4). The
#' article's city data are not public, so these numbers cannot be reproduced
#' exactly; [replicate_study()] runs the same analyses on the simulated
#' panel [smartcity].
#'
#' @param table `NULL` for every regression table, or one table: a number
#'   from 1 to 9 or a string such as `"T3"`. Table 2 (the balance table) has
#'   its own layout.
#' @return A data frame. For the regression tables (1 and 3 to 9): `table`,
#'   `column` (the column number in the article), `label` (what the column
#'   estimates), `term`, `estimate`, `t` (the t value printed in
#'   parentheses), `stars`, `controls` (`"YES"`/`"NO"`), `nobs`, `adj_r2`.
#'   Table 1's terms are the article's `Admico_7` ... `Admico8` (relative
#'   periods -7 to 8); a column `rel_time` gives them as numbers. For
#'   Table 2: `variable` (the article's names: `Econo` is `Wage` and `Fore`
#'   is `Fdi` in [smartcity]), `sample` (`"unmatched"`, `"matched"`),
#'   `treated_mean`, `control_mean`, `std_bias_pct`, `t`, `p`.
#' @examples
#' head(published_results())
#' published_results(3)
#' published_results("T2")
#' @export
published_results <- function(table = NULL) {
  dir <- system.file("extdata", package = "smartdid")
  if (!nzchar(dir)) sd_stop("the files of the published results are missing; reinstall smartdid")
  if (!is.null(table)) {
    ok <- (is.numeric(table) || is.character(table)) && length(table) == 1L && !is.na(table)
    id <- if (ok) sub("^T", "", toupper(as.character(table))) else ""
    if (!id %in% as.character(1:9)) {
      sd_stop("'table' must be NULL or one table of the article, 1 to 9 (or \"T1\" ",
              "to \"T9\")")
    }
    if (id == "2") {
      return(utils::read.csv(file.path(dir, "balance_table2.csv"), stringsAsFactors = FALSE))
    }
  }
  pub <- utils::read.csv(file.path(dir, "published_tables.csv"), stringsAsFactors = FALSE,
                         colClasses = c(stars = "character"))
  pub$stars[is.na(pub$stars)] <- ""
  rel <- suppressWarnings(as.numeric(sub("^Admico_?", "", pub$term)))
  pub$rel_time <- ifelse(grepl("^Admico", pub$term),
                         ifelse(grepl("^Admico_", pub$term), -rel, rel), NA_real_)
  if (!is.null(table)) pub <- pub[pub$table == paste0("T", id), , drop = FALSE]
  rownames(pub) <- NULL
  pub
}

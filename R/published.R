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

#' Compare a replication with the published tables, cell by cell
#'
#' Puts every coefficient of the article's Tables 1 and 3 to 9 (the
#' constants left out: 67 cells) next to the same coefficient of a
#' [replicate_study()] run, and says whether the two fall in the same
#' significance class: not significant, or significant at 10, 5 or 1 %,
#' read from |t| against the normal critical values 1.645, 1.960 and 2.576
#' (the article's stars are not used: some contradict their own t values).
#' The share of agreeing cells is the replication's score.
#'
#' A few published cells cannot be matched by any data because the article
#' contradicts itself there; the column `note` names them: in Table 6 the
#' row of `Ind_Pro` repeats the interaction's estimate in columns 1 and 4
#' (and in column 1 its t value too), and in Table 4 the estimate of `Lowc`
#' has stars (1 %) that its t value (-2.07, 5 %) does not support.
#'
#' @param x The value of [replicate_study()] (or its `results` element), run
#'   with the study's roles (the defaults of [replicate_study()]).
#' @return A data frame of class `smartdid_comparison`, one row per cell:
#'   `table`, `column`, `label`, `term`, the published `estimate`, `t` and
#'   `stars`, the replication's `sim_estimate` and `sim_t`, the two classes
#'   `pub_class` and `sim_class`, `agrees`, `same_sign` and `note`. Its
#'   `print()` method shows the score by table and overall;
#'   `attr(x, "score")` holds it as a data frame (`table`, `cells`, `agree`,
#'   `share`).
#' @seealso [published_results()], [replicate_study()].
#' @examples
#' \donttest{
#' res <- replicate_study(out = file.path(tempdir(), "replication"), draws = 20,
#'                        quiet = TRUE)
#' cmp <- compare_published(res)
#' cmp
#' cmp[!cmp$agrees, c("table", "column", "term", "t", "sim_t")]
#' }
#' @export
compare_published <- function(x) {
  r <- if (is.list(x) && !is.null(x$results)) x$results else x
  need <- c("table1", "table3", "table4", "table5", "table6", "table7", "table8", "table9")
  if (!is.list(r) || !all(need %in% names(r))) {
    sd_stop("'x' must be the value of replicate_study() (or its 'results'), run with ",
            "the study's tables 1 and 3 to 9")
  }
  pub <- published_results()
  pub <- pub[pub$term != "Constant", c("table", "column", "label", "term", "estimate",
                                       "t", "stars")]
  sim <- replication_cells(r)
  i <- match(paste(pub$table, pub$column, pub$term), paste(sim$table, sim$column, sim$term))
  out <- cbind(pub, sim_estimate = sim$estimate[i], sim_t = sim$t[i])
  out$pub_class <- significance_class(out$t)
  out$sim_class <- significance_class(out$sim_t)
  out$agrees <- !is.na(out$sim_class) & out$pub_class == out$sim_class
  out$same_sign <- sign(out$estimate) == sign(out$sim_estimate)
  out$note <- published_inconsistency(out)
  rownames(out) <- NULL
  tabs <- unique(out$table)
  score <- data.frame(table = c(tabs, "all"),
                      cells = c(as.vector(table(out$table)[tabs]), nrow(out)),
                      agree = c(vapply(tabs, function(t) sum(out$agrees[out$table == t]), 1),
                                sum(out$agrees)))
  score$share <- score$agree / score$cells
  structure(out, score = score, class = c("smartdid_comparison", "data.frame"))
}

#' @export
print.smartdid_comparison <- function(x, ...) {
  s <- attr(x, "score")
  if (is.null(s)) {
    # a subset of the rows (`[` keeps the class, not the score): a data frame
    y <- x
    class(y) <- setdiff(class(x), "smartdid_comparison")
    print(y, ...)
    return(invisible(x))
  }
  cat("Replication against the published tables: ", s$agree[nrow(s)], " of ",
      s$cells[nrow(s)], " coefficient cells in the same significance class (",
      sprintf("%.0f %%", 100 * s$share[nrow(s)]), ")\n", sep = "")
  by_table <- s[-nrow(s), ]
  cat(paste0("  ", by_table$table, ": ", by_table$agree, "/", by_table$cells), "\n")
  miss <- x[!x$agrees, , drop = FALSE]
  if (nrow(miss)) {
    cat("Cells that differ:\n")
    lab <- paste0(miss$table, " col. ", miss$column, " ", miss$term)
    cat(sprintf("  %-34s published t %6.2f (%s), here %6.2f (%s)%s\n", lab, miss$t,
                miss$pub_class, miss$sim_t, miss$sim_class,
                ifelse(nzchar(miss$note), paste0(": ", miss$note), "")), sep = "")
  }
  invisible(x)
}

# Significance class from |t| (normal critical values).
significance_class <- function(t) {
  k <- findInterval(abs(t), stats::qnorm(c(0.95, 0.975, 0.995)))
  out <- c("none", "10%", "5%", "1%")[k + 1L]
  out[is.na(t)] <- NA_character_
  out
}

# The replication's estimate and t value for every published coefficient cell.
replication_cells <- function(r) {
  cell <- function(tab, col, fit, terms) {
    b <- stats::coef(fit)[terms]
    se <- sqrt(diag(stats::vcov(fit)))[terms]
    data.frame(table = tab, column = col, term = terms, estimate = unname(b),
               t = unname(b / se), stringsAsFactors = FALSE)
  }
  groups <- function(tab, first, h) {
    g <- h$groups
    data.frame(table = tab, column = first + seq_len(nrow(g)) - 1L, term = g$term,
               estimate = g$estimate, t = g$statistic, stringsAsFactors = FALSE)
  }
  es <- r$table1$estimates
  es <- es[!es$reference & es$rel_time >= -7 & es$rel_time <= 8, , drop = FALSE]
  k <- es$rel_time
  out <- list(data.frame(table = "T1", column = 1L,
                         term = ifelse(k < 0, paste0("Admico_", -k), paste0("Admico", k)),
                         estimate = es$estimate, t = es$estimate / es$std.error,
                         stringsAsFactors = FALSE))
  add <- function(x) out[[length(out) + 1L]] <<- x
  for (j in 1:4) add(cell("T3", j, r$table3[[j]], "Smart_Policy"))
  t4 <- r$table4
  add(cell("T4", 1L, t4[[1]], "Smart_Policy"))
  add(cell("T4", 2L, t4[[2]], c("Smart_Policy", "L.Carbon")))
  pol <- c("Lowc", "Inno", "Tanp")
  for (j in 3:5) add(cell("T4", j, t4[[j]], c("Smart_Policy", pol[j - 2L])))
  for (j in 1:6) add(cell("T5", j, r$table5[[j]], "Smart_Policy"))
  for (j in 1:4) {
    add(cell("T6", j, r$table6[[j]], c("Smart_Policy", "Smart_Policy:Ind_Pro", "Ind_Pro")))
  }
  add(groups("T7", 1L, r$table7[[1]]))
  add(groups("T7", 3L, r$table7[[2]]))
  add(groups("T8", 1L, r$table8[[1]]))
  add(groups("T8", 5L, r$table8[[2]]))
  for (j in seq_along(r$table9)) add(groups("T9", 2L * j - 1L, r$table9[[j]]))
  do.call(rbind, out)
}

# Cells where the article contradicts itself (see ?compare_published).
published_inconsistency <- function(cmp) {
  note <- character(nrow(cmp))
  at <- function(tab, col, term) cmp$table == tab & cmp$column == col & cmp$term == term
  note[at("T6", 1, "Ind_Pro")] <- "the article repeats the interaction's row here"
  note[at("T6", 4, "Ind_Pro")] <- "the article repeats the interaction's estimate here"
  note[at("T4", 3, "Lowc")] <- "the article's stars (1 %) contradict its t value (5 %)"
  note
}

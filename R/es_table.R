#' Event-study table
#'
#' One row pair per relative period (the estimate with significance stars,
#' its t value or standard error in parentheses below), labelled by
#' relative period as in the study's Table 1 (-7, ..., 8), one column per
#' event study, and footer rows with the controls, observations, adjusted
#' R-squared, the joint pre-trend test and the overall effect. Several event
#' studies (different estimators or specifications) are put side by side.
#'
#' @param ... Event studies from [event_study()]; names become the column
#'   headings.
#' @param format `"text"`, `"markdown"` or `"latex"`.
#' @param digits Decimals of the estimates (statistics get 2).
#' @param stat What goes in parentheses: `"t"` (t value, as the study) or
#'   `"se"` (standard error).
#' @param stars Add significance stars (`*` p < 0.10, `**` p < 0.05, `***` p < 0.01).
#' @param row_label A function turning relative periods into row labels,
#'   such as `function(k) paste0("Admico", ifelse(k < 0, "_", ""), abs(k))`
#'   for the study's variable names.
#' @param ref `"show"` the reference period(s) (marked "ref.") or `"omit"`
#'   them.
#' @param file A file to write the lines to.
#' @return The table's lines, a character vector of class
#'   `smartdid_es_table` that prints as the table (invisibly when `file` is
#'   given).
#' @examples
#' d <- expand.grid(year = 1:10, unit = 1:40)
#' d$D <- as.numeric(d$unit <= 20 & d$year >= 4 + d$unit %% 3)
#' d$y <- d$D * (d$year - 3) / 4 + cos(d$unit * d$year)
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
#' es <- event_study(fit, leads = 3, lags = 4)
#' es_table(es)
#' es_table(Carbon = es, format = "markdown", stat = "se")
#' @export
es_table <- function(..., format = c("text", "markdown", "latex"), digits = 4,
                     stat = c("t", "se"), stars = TRUE, row_label = NULL,
                     ref = c("show", "omit"), file = NULL) {
  ess <- list(...)
  if (length(ess) == 0L || !all(vapply(ess, inherits, TRUE, "smartdid_es"))) {
    sd_stop("es_table() needs one or more event studies from event_study()")
  }
  format <- sd_match_arg(format, c("text", "markdown", "latex"), "format")
  stat <- sd_match_arg(stat, c("t", "se"), "stat")
  ref <- sd_match_arg(ref, c("show", "omit"), "ref")
  check_flag(stars, "stars")
  digits <- check_count(digits, "digits")
  if (is.null(row_label)) row_label <- function(k) as.character(k)
  if (!is.function(row_label)) sd_stop("'row_label' must be a function of the relative periods")
  heads <- names(ess) %||% rep("", length(ess))
  heads[!nzchar(heads)] <- paste0("(", seq_along(ess), ")")[!nzchar(heads)]
  body <- es_table_body(ess, digits, stat, stars, ref, format)
  lab <- row_label(body$rel)
  if (length(lab) != length(body$rel)) {
    sd_stop("'row_label' must return one label per relative period")
  }
  labels <- ifelse(body$first, lab, "")
  blank <- !body$first & apply(body$cells == "", 1L, all)
  labels <- labels[!blank]
  body$cells <- body$cells[!blank, , drop = FALSE]
  foot <- es_table_footer(ess, digits)
  note <- paste0(if (stat == "t") "t values" else "Standard errors",
                 " in parentheses",
                 if (stars) "; * p < 0.10, ** p < 0.05, *** p < 0.01" else "",
                 "; reference period(s): ",
                 paste(unique(unlist(lapply(ess, function(e)
                   e$estimates$rel_time[e$estimates$reference]))), collapse = ", "))
  lines <- switch(format,
    text = es_lines_text(heads, labels, body$cells, foot, note),
    markdown = es_lines_markdown(heads, labels, body$cells, foot, note),
    latex = es_lines_latex(heads, labels, body$cells, foot, note))
  out <- structure(lines, class = c("smartdid_es_table", "character"), format = format)
  if (!is.null(file)) {
    writeLines(lines, file)
    return(invisible(out))
  }
  out
}

#' @export
print.smartdid_es_table <- function(x, ...) {
  cat(unclass(x), sep = "\n")
  invisible(x)
}

# The body: two lines per relative period, one column per event study.
es_table_body <- function(ess, digits, stat, stars, ref, format) {
  rel <- sort(unique(unlist(lapply(ess, function(e) e$estimates$rel_time))))
  if (ref == "omit") {
    is_ref <- vapply(rel, function(k) all(vapply(ess, function(e) {
      r <- e$estimates$reference[e$estimates$rel_time == k]
      length(r) == 0L || isTRUE(r)
    }, TRUE)), TRUE)
    rel <- rel[!is_ref]
  }
  star <- function(p) {
    s <- ifelse(is.na(p), "", signif_stars(p))
    if (format == "latex") ifelse(nzchar(s), paste0("$^{", s, "}$"), "") else s
  }
  cols <- lapply(ess, function(e) {
    t <- e$estimates[match(rel, e$estimates$rel_time), , drop = FALSE]
    est <- ifelse(is.na(t$estimate), "",
                  paste0(formatC(t$estimate, format = "f", digits = digits),
                         if (stars) star(t$p.value) else ""))
    s <- if (stat == "t") t$statistic else t$std.error
    below <- ifelse(is.na(s), "", paste0("(", formatC(s, format = "f",
                                                     digits = if (stat == "t") 2 else digits),
                                         ")"))
    isref <- !is.na(t$reference) & t$reference
    est[isref] <- "ref."
    below[isref] <- ""
    c(rbind(est, below))
  })
  list(rel = rep(rel, each = 2L), first = rep(c(TRUE, FALSE), length(rel)),
       cells = do.call(cbind, cols))
}

es_table_footer <- function(ess, digits) {
  get <- function(f) vapply(ess, f, "")
  rows <- list(
    Controls = get(function(e) {
      ctl <- e$info$controls
      if (is.null(ctl)) "" else if (length(ctl)) "YES" else "NO"
    }),
    Obs = get(function(e) format(e$nobs, big.mark = ",")),
    `Adj. R2` = get(function(e) {
      a <- e$model$adj.r.squared %||% e$info$adj.r.squared
      if (is.null(a)) "" else formatC(a, format = "f", digits = 4)
    }),
    `Pre-trend F` = get(function(e) {
      p <- e$pretest
      if (is.null(p)) "" else paste0(formatC(p$statistic, format = "f", digits = 2),
                                     " (p = ", formatC(p$p.value, format = "f",
                                                      digits = 3), ")")
    }),
    Overall = get(function(e) {
      o <- e$overall
      if (is.na(o$estimate)) "" else
        paste0(formatC(o$estimate, format = "f", digits = digits), " (",
               formatC(o$std.error, format = "f", digits = digits), ")")
    }))
  keep <- vapply(rows, function(r) any(nzchar(r)), TRUE)
  rows[keep]
}

es_lines_text <- function(heads, labels, cells, foot, note) {
  fl <- names(foot)
  fm <- do.call(rbind, foot)
  allc <- rbind(heads, cells, if (length(foot)) fm)
  w1 <- max(nchar(c("Rel. period", labels, fl)))
  wc <- apply(allc, 2, function(v) max(nchar(v)))
  row <- function(lab, v) {
    paste0(lab, strrep(" ", w1 - nchar(lab)), "  ",
           paste0(strrep(" ", wc - nchar(v)), v, collapse = "  "))
  }
  total <- w1 + sum(wc + 2L)
  rule <- strrep("-", total)
  c(rule, row("Rel. period", heads), rule,
    vapply(seq_along(labels), function(i) row(labels[i], cells[i, ]), ""),
    if (length(foot)) c(rule, vapply(seq_along(foot), function(i) row(fl[i], foot[[i]]), "")),
    rule, note)
}

es_lines_markdown <- function(heads, labels, cells, foot, note) {
  row <- function(lab, v) paste0("| ", paste(c(lab, v), collapse = " | "), " |")
  c(row("Rel. period", heads),
    paste0("|:---|", paste(rep("---:", length(heads)), collapse = "|"), "|"),
    vapply(seq_along(labels), function(i) row(labels[i], cells[i, ]), ""),
    vapply(seq_along(foot), function(i) row(names(foot)[i], foot[[i]]), ""),
    "", note)
}

latex_escape <- function(x) {
  x <- gsub("\\\\", "\\\\textbackslash{}", x)
  gsub("([%&_#$])", "\\\\\\1", x)
}

es_lines_latex <- function(heads, labels, cells, foot, note) {
  row <- function(lab, v) paste0(paste(c(lab, v), collapse = " & "), " \\\\")
  k <- length(heads)
  c(paste0("\\begin{tabular}{l", strrep("c", k), "}"), "\\toprule",
    row("Rel. period", latex_escape(heads)), "\\midrule",
    vapply(seq_along(labels), function(i) row(labels[i], cells[i, ]), ""),
    if (length(foot)) c("\\midrule", vapply(seq_along(foot), function(i)
      row(latex_escape(names(foot)[i]), latex_escape(foot[[i]])), "")),
    "\\bottomrule",
    paste0("\\multicolumn{", k + 1L, "}{l}{\\footnotesize ", latex_escape(note), "} \\\\"),
    "\\end{tabular}")
}

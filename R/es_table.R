#' Event-study table
#'
#' One row pair per relative period (the estimate with significance stars,
#' its t value or standard error in parentheses below), labelled by
#' relative period as in the study's Table 1 (-7, ..., 8), one column per
#' event study, and footer rows with the controls, observations, adjusted
#' R-squared, the joint pre-trend test and the overall effect (with its t
#' value or standard error below it, like every estimate). Several event
#' studies (different estimators or specifications) are put side by side.
#'
#' @param ... Event studies from [event_study()]; names become the column
#'   headings.
#' @param format `"text"`, `"markdown"`, `"latex"` or `"html"` (all laid
#'   out by the same renderer as [did_table()], with the same escaping).
#' @param digits Decimals of the estimates (statistics get 2).
#' @param stat What goes in parentheses: `"t"` (t value, as the study) or
#'   `"se"` (standard error).
#' @param stars Add significance stars (`*` p < 0.10, `**` p < 0.05, `***` p < 0.01).
#' @param row_label A function turning relative periods into row labels
#'   (by default the periods, the first period of a binned TWFE event study,
#'   which pools all earlier ones, shown as a bin such as "<= -8"), such as `function(k) paste0("Admico", ifelse(k < 0, "_", ""), abs(k))`
#'   for the study's variable names.
#' @param ref `"show"` the reference period(s) (marked "ref.") or `"omit"`
#'   them.
#' @param caption Optional caption.
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
es_table <- function(..., format = c("text", "markdown", "latex", "html"), digits = 4,
                     stat = c("t", "se"), stars = TRUE, row_label = NULL,
                     ref = c("show", "omit"), caption = NULL, file = NULL) {
  ess <- list(...)
  if (length(ess) == 0L || !all(vapply(ess, inherits, TRUE, "smartdid_es"))) {
    sd_stop("es_table() needs one or more event studies from event_study()")
  }
  format <- sd_match_arg(format, c("text", "markdown", "latex", "html"), "format")
  stat <- sd_match_arg(stat, c("t", "se"), "stat")
  ref <- sd_match_arg(ref, c("show", "omit"), "ref")
  check_flag(stars, "stars")
  digits <- check_count(digits, "digits")
  if (!is.null(caption)) check_string(caption, "caption")
  if (is.null(row_label)) {
    # the first period is a bin only if every study binned it
    binned <- all(vapply(ess, function(e) isTRUE(e$info$bin), TRUE))
    row_label <- function(k) if (binned) es_rel_label(ess[[1]], k) else as.character(k)
  }
  if (!is.function(row_label)) sd_stop("'row_label' must be a function of the relative periods")
  heads <- names(ess) %||% rep("", length(ess))
  heads[!nzchar(heads)] <- paste0("(", seq_along(ess), ")")[!nzchar(heads)]
  body <- es_table_body(ess, digits, stat, stars, ref)
  lab <- row_label(body$rel)
  if (length(lab) != length(body$rel)) {
    sd_stop("'row_label' must return one label per relative period")
  }
  labels <- ifelse(body$first, lab, "")
  blank <- !body$first & apply(body$cells == "", 1L, all)
  foot <- es_table_footer(ess, digits, stat, stars)
  keep <- !blank
  block <- tab_block(lead = c(labels[keep], foot$label), lead_head = "Rel. period",
                     cells = rbind(body$cells[keep, , drop = FALSE], foot$cells),
                     marks = rbind(body$marks[keep, , drop = FALSE], foot$marks),
                     title = heads, stat_row = c(!body$first[keep], foot$stat_row),
                     rule = c(rep(FALSE, sum(keep)), seq_along(foot$label) == 1L))
  refs <- unique(unlist(lapply(ess, function(e) {
    es_rel_label(e, e$estimates$rel_time[e$estimates$reference])
  })))
  note <- c(paste0(if (stat == "t") "t values" else "Standard errors", " in parentheses",
                   " (also under the overall effect). Reference period",
                   if (length(refs) > 1L) "s", ": ", paste(refs, collapse = ", "),
                   if (any(grepl(sym("le"), refs, fixed = TRUE)))
                     " (all periods up to it pooled into the omitted base)", "."),
            if (stars) stars_note())
  lines <- render_table(list(block), note, format, caption = caption)
  out <- structure(with_spec(lines, list(block), note, caption, format),
                   class = c("smartdid_es_table", "character"))
  if (!is.null(file)) {
    writeLines(lines, file, useBytes = TRUE)
    return(invisible(out))
  }
  out
}

#' @export
print.smartdid_es_table <- function(x, ...) print_table(x)

# Row labels of relative periods; the first period of a binned TWFE event
# study pools every earlier period, so it is labelled as a bin ("<= -8").
es_rel_label <- function(es, k) {
  lab <- as.character(k)
  info <- es$info
  if (isTRUE(info$bin) && !is.null(info$leads)) {
    lo <- k <= -info$leads
    lab[lo] <- paste(sym("le"), k[lo])
  }
  lab
}

# The body: two lines per relative period, one column per event study.
es_table_body <- function(ess, digits, stat, stars, ref) {
  rel <- sort(unique(unlist(lapply(ess, function(e) e$estimates$rel_time))))
  if (ref == "omit") {
    is_ref <- vapply(rel, function(k) all(vapply(ess, function(e) {
      r <- e$estimates$reference[e$estimates$rel_time == k]
      length(r) == 0L || isTRUE(r)
    }, TRUE)), TRUE)
    rel <- rel[!is_ref]
  }
  one <- function(e) {
    t <- e$estimates[match(rel, e$estimates$rel_time), , drop = FALSE]
    est <- fmt_cell(t$estimate, digits)
    s <- if (stat == "t") t$statistic else t$std.error
    below <- fmt_cell(s, if (stat == "t") 2L else digits)
    below[nzchar(below)] <- paste0("(", below[nzchar(below)], ")")
    isref <- !is.na(t$reference) & t$reference
    est[isref] <- "ref."
    below[isref] <- ""
    nst <- if (stars) n_stars(t$p.value) else rep(0L, length(rel))
    nst[isref] <- 0L
    list(cells = c(rbind(est, below)), marks = c(rbind(nst, 0L)))
  }
  cols <- lapply(ess, one)
  list(rel = rep(rel, each = 2L), first = rep(c(TRUE, FALSE), length(rel)),
       cells = do.call(cbind, lapply(cols, `[[`, "cells")),
       marks = do.call(cbind, lapply(cols, `[[`, "marks")))
}

# Footer rows: controls, observations, adjusted R2, the pre-trend test and
# the overall effect (with its t value or standard error below, as above).
es_table_footer <- function(ess, digits, stat, stars) {
  get <- function(f) vapply(ess, f, "")
  k <- length(ess)
  rows <- list(
    Controls = get(function(e) {
      ctl <- e$info$controls
      if (is.null(ctl)) "" else if (length(ctl)) "YES" else "NO"
    }),
    Obs = get(function(e) fmt_count(e$nobs)),
    `Adj. R2` = get(function(e) {
      a <- e$model$adj.r.squared %||% e$info$adj.r.squared
      if (is.null(a)) "" else fmt_cell(a, 4L)
    }),
    `Pre-trend F` = get(function(e) {
      p <- e$pretest
      if (is.null(p)) "" else paste0(fmt_cell(p$statistic, 2L), " (p = ", fmt_cell(p$p.value, 3L), ")")
    }))
  keep <- vapply(rows, function(r) any(nzchar(r)), TRUE)
  rows <- rows[keep]
  lab <- names(rows)
  cells <- do.call(rbind, rows)
  marks <- matrix(0L, length(rows), k)
  stat_row <- rep(FALSE, length(rows))
  o <- lapply(ess, `[[`, "overall")
  if (any(vapply(o, function(x) !is.null(x) && !is.na(x$estimate[1]), TRUE))) {
    est <- vapply(o, function(x) fmt_cell(x$estimate[1], digits), "")
    s <- vapply(o, function(x) {
      v <- if (stat == "t") x$statistic[1] else x$std.error[1]
      if (is.null(v) || is.na(v)) "" else paste0("(", fmt_cell(v, if (stat == "t") 2L else digits), ")")
    }, "")
    nst <- if (stars) vapply(o, function(x) n_stars(x$p.value[1]), 1L) else rep(0L, k)
    lab <- c(lab, "Overall effect", "")
    cells <- rbind(cells, est, s)
    marks <- rbind(marks, nst, 0L)
    stat_row <- c(stat_row, FALSE, TRUE)
  }
  dimnames(cells) <- NULL
  list(label = lab, cells = cells, marks = marks, stat_row = stat_row)
}

# Publication tables in the study's layout: estimates with stars, t values
# (or std. errors) in parentheses, the Stata-style constant, Controls YES/NO,
# fixed-effect rows, Obs, Adj. R2, column titles and a note; laid out by the
# one renderer in R/render.R as text, LaTeX, Markdown or HTML.

#' Regression table in the study's layout
#'
#' Puts several fits side by side, one column each: the estimate with
#' significance stars, its t value (or std. error) in parentheses below, the
#' Stata-style constant ([stata_constant()]: the grand-mean intercept that
#' areg and reghdfe report) with its own t, a row "Controls" saying YES when
#' the model has regressors not shown in the table, one row per fixed effect
#' (YES/NO), the number of observations, the adjusted R2 (and the within R2
#' on request), column numbers and titles, and a note saying what the stars
#' and parentheses mean and how the standard errors were computed.
#'
#' Rows shown: with `keep`, those terms in that order; otherwise, when
#' `controls_row = TRUE`, the treatment, its interactions and the moderator
#' of [mechanism()] fits (the controls are summarised by the Controls row),
#' and with `controls_row = FALSE` every coefficient. Stars and p-values use
#' each fit's own t distribution (G - 1 degrees of freedom when clustering).
#'
#' @param ... [smartdid()] fits, [mechanism()] fits, [heterogeneity()]
#'   results (one column per group, and the difference test in the note),
#'   lists of these (such as [add_controls()] or a list of shifted fits), or
#'   other objects with `generics::tidy()` and `generics::glance()` methods.
#'   Argument or list names become column titles.
#' @param format `"text"`, `"latex"` (booktabs), `"markdown"` (GitHub pipe
#'   table) or `"html"`.
#' @param stat What goes in parentheses: `"t"` statistics or `"se"`.
#' @param stars P-value thresholds for one, two, three... stars (largest
#'   first); `NULL` for none.
#' @param digits Decimals of estimates and R2.
#' @param stat_digits Decimals of the parenthesised statistic (2 for t
#'   values, `digits` for standard errors by default).
#' @param constant Show the Stata-style constant.
#' @param within_r2 Add a row with the within R2.
#' @param keep Terms to show, in order (exact names).
#' @param labels A named character vector of labels (see [var_labels()]):
#'   terms (an interaction `a:b` is labelled part by part and shown as
#'   "a x b"), fixed effects (by column name, shown as "<label> FE"),
#'   column titles, the grouping variables and groups of [heterogeneity()]
#'   results (headings and the note), and the rows `"Constant"`,
#'   `"Controls"`, `"Obs"`, `"Adj. R2"`, `"Within R2"`.
#' @param caption Optional caption (the LaTeX float's caption, an HTML `<caption>`, a
#'   first line in text and Markdown).
#' @param titles Column titles (one per column); by default the names given
#'   in `...` or the outcome.
#' @param controls_row,fe_rows Show the Controls and fixed-effect rows.
#' @param note `TRUE` for the standard note, `FALSE` for none, or a
#'   character vector replacing it.
#' @param file Optional path: the lines are written there (and returned
#'   invisibly).
#' @return A character vector of lines, of class `did_table`, printed when
#'   not assigned. `generics::tidy()` gives the numbers shown (one row per
#'   column and term) and `generics::glance()` one row per column.
#' @examples
#' set.seed(4)
#' d <- expand.grid(unit = 1:40, year = 2001:2008)
#' d$D <- as.numeric(d$unit <= 15 & d$year >= 2005)
#' d$x <- rnorm(nrow(d))
#' d$y <- 3 - 0.2 * d$D + 0.1 * d$x + rnorm(nrow(d), sd = 0.1)
#' f1 <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
#' f2 <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D")
#' did_table(f1, f2)
#' did_table(`No controls` = f1, `Controls` = f2, format = "markdown")
#' @export
did_table <- function(..., format = c("text", "latex", "markdown", "html"),
                      stat = c("t", "se"), stars = c(0.1, 0.05, 0.01), digits = 4,
                      stat_digits = if (stat == "t") 2 else digits,
                      constant = TRUE, within_r2 = FALSE, keep = NULL,
                      labels = NULL, titles = NULL, controls_row = TRUE,
                      fe_rows = TRUE, note = TRUE, caption = NULL, file = NULL) {
  format <- sd_match_arg(format, c("text", "latex", "markdown", "html"), "format")
  stat <- sd_match_arg(stat, c("t", "se"), "stat")
  objs <- list(...)
  if (!length(objs)) sd_stop("give at least one fit to 'did_table()'")
  check_count(digits, "digits")
  check_count(stat_digits, "stat_digits")
  for (a in c("constant", "within_r2", "controls_row", "fe_rows")) {
    check_flag(get(a), a)
  }
  if (!is.null(stars) && (!is.numeric(stars) || anyNA(stars) ||
                          any(stars <= 0 | stars >= 1))) {
    sd_stop("'stars' must be p-value thresholds in (0, 1), such as ",
            "c(0.1, 0.05, 0.01), or NULL")
  }
  stars <- if (length(stars)) sort(stars, decreasing = TRUE) else numeric()
  check_labels(labels)
  if (!is.null(caption)) check_string(caption, "caption")
  col <- tab_collect(objs, names(objs) %||% rep("", length(objs)), constant, labels)
  cols <- col$cols
  k <- length(cols)
  if (!is.null(titles)) {
    if (!is.character(titles) || length(titles) != k) {
      sd_stop("'titles' must give one title per column (", k, ")")
    }
    for (j in seq_len(k)) cols[[j]]$title <- titles[j]
  }
  rows <- tab_rows(cols, keep, controls_row)
  grid <- tab_grid(cols, rows, stat, stars, digits, stat_digits, constant,
                   within_r2, controls_row, fe_rows)
  notes <- if (isTRUE(note)) {
    tab_note(cols, stat, stars, constant, col$notes)
  } else if (isFALSE(note)) {
    character()
  } else if (is.character(note)) {
    note
  } else {
    sd_stop("'note' must be TRUE, FALSE or a character vector")
  }
  grid$label <- relabel(grid$label, labels)
  grid$label[grid$kind == "fe"] <- paste(relabel(grid$key[grid$kind == "fe"], labels), "FE")
  h <- tab_header(cols, labels)
  stats_start <- which(!grid$kind %in% c("coef", "coef_stat", "const", "const_stat"))[1]
  block <- tab_block(lead = grid$label, cells = grid$vals, marks = grid$stars,
                     num = h$num, title = h$title, group = h$group,
                     stat_row = grepl("_stat$", grid$kind),
                     rule = seq_along(grid$label) == stats_start)
  out <- with_spec(render_table(list(block), notes, format, caption = caption),
                   list(block), notes, caption, format)
  out <- structure(out, class = "did_table",
                   numbers = tab_numbers(cols, rows, constant))
  if (!is.null(file)) {
    check_string(file, "file")
    writeLines(unclass(out), file, useBytes = TRUE)
    return(invisible(out))
  }
  out
}

#' @export
print.did_table <- function(x, ...) print_table(x)

#' @export
format.did_table <- function(x, ...) {
  out <- unclass(x)
  attributes(out) <- NULL
  out
}

# One column per fit: what the table needs from it. The columns of a
# heterogeneity() result share a spanning heading (the grouping variable).
tab_collect <- function(objs, nms, constant, labels = NULL) {
  cols <- list()
  notes <- character()
  add <- function(x, title) {
    if (inherits(x, "smartdid_heterogeneity")) {
      var <- relabel(x$by %||% x$split, labels)
      grp <- if (nzchar(title)) title else var
      lev <- relabel(names(x$fits), labels)
      for (j in seq_along(x$fits)) {
        cc <- tab_column(x$fits[[j]], lev[j], constant)
        cc$group <- grp
        cols[[length(cols) + 1L]] <<- cc
      }
      what <- if (!is.null(x$by)) paste0(var, ", all groups") else paste0(var, ", low vs high")
      if (!length(notes)) {
        notes <<- paste0("Group differences (Wald tests of equal ", relabel(x$term, labels),
                         " in the fully interacted pooled model):")
      }
      notes <<- c(notes, paste0(what, ": ", format_het_test(x$test), "."))
    } else if (inherits(x, "smartdid") || !is.list(x) || !identical(class(x), "list")) {
      cols[[length(cols) + 1L]] <<- tab_column(x, if (nzchar(title)) title, constant)
    } else {
      inner <- names(x) %||% rep("", length(x))
      for (j in seq_along(x)) add(x[[j]], inner[j])
    }
  }
  for (i in seq_along(objs)) add(objs[[i]], nms[i])
  list(cols = cols, notes = notes)
}

tab_column <- function(x, title, constant) {
  if (inherits(x, "smartdid")) {
    ct <- coef_table(x)[, c("term", "estimate", "std.error", "statistic", "p.value")]
    return(list(coef = ct, constant = if (constant) stata_constant(x),
                nobs = x$nobs, adj_r2 = x$adj.r.squared,
                within_r2 = x$within.r.squared, fe = x$fe_names,
                title = title %||% x$outcome, vcov = vcov_phrase(x),
                treat = x$treat_name, key = x$key_terms))
  }
  # atomic vectors have deprecated tidy() methods in broom: refuse them here
  td <- if (!is.object(x)) NULL else
    tryCatch(as.data.frame(generics::tidy(x)), error = function(e) NULL)
  gl <- tryCatch(as.data.frame(generics::glance(x)), error = function(e) NULL)
  if (is.null(td) || !all(c("term", "estimate") %in% names(td))) {
    sd_stop("objects in '...' must be smartdid fits, heterogeneity() results, ",
            "lists of them, or have generics::tidy() and glance() methods; got ",
            class(x)[1])
  }
  gl <- tryCatch(as.data.frame(generics::glance(x)), error = function(e) NULL)
  for (v in c("std.error", "statistic", "p.value")) if (is.null(td[[v]])) td[[v]] <- NA_real_
  td$term <- as.character(td$term)
  is_int <- td$term == "(Intercept)"
  g <- function(v) if (!is.null(gl[[v]])) gl[[v]][1] else NA
  list(coef = td[!is_int, c("term", "estimate", "std.error", "statistic", "p.value")],
       constant = if (constant && any(is_int)) td[is_int, , drop = FALSE][1, ],
       nobs = g("nobs"), adj_r2 = g("adj.r.squared"), within_r2 = g("within.r.squared"),
       fe = NULL, title = title %||% "", vcov = NULL, treat = NULL, key = NULL)
}

vcov_phrase <- function(x) {
  vi <- x$vcov_info
  switch(vi$type,
         cluster = paste0("clustered by ", paste(vi$cluster, collapse = " and ")),
         hc1 = "heteroskedasticity-robust, HC1",
         iid = "iid")
}

# The coefficient rows: `keep`, or the treatment and its interactions (and
# mechanism moderators), or everything.
tab_rows <- function(cols, keep, controls_row) {
  all_terms <- unique(unlist(lapply(cols, function(cc) cc$coef$term)))
  if (!is.null(keep)) {
    if (!is.character(keep)) sd_stop("'keep' must be a character vector of term names")
    rows <- keep[keep %in% all_terms]
    if (!length(rows)) {
      sd_stop("none of 'keep' is a term of the fits; terms are: ",
              paste(all_terms, collapse = ", "))
    }
    return(rows)
  }
  if (!controls_row) return(all_terms)
  key <- unique(unlist(lapply(cols, function(cc) {
    tr <- cc$treat
    tm <- cc$coef$term
    if (is.null(tr)) return(tm)
    inter <- vapply(strsplit(tm, ":", fixed = TRUE),
                    function(p) length(p) > 1L && tr %in% p, TRUE)
    c(tm[tm == tr], tm[inter], intersect(cc$key, tm))
  })))
  if (!length(key)) all_terms else key
}

# The table as a data frame of rows: label, kind (coef, stat, const,
# const_stat, controls, fe, obs, r2), key, and one cell and star count per
# column.
tab_grid <- function(cols, rows, stat, stars, digits, stat_digits, constant,
                     within_r2, controls_row, fe_rows) {
  k <- length(cols)
  cells <- list()
  addrow <- function(label, kind, key, vals, nst = rep(0L, k)) {
    cells[[length(cells) + 1L]] <<- list(label = label, kind = kind, key = key,
                                         vals = vals, stars = nst)
  }
  coef_rows <- function(tabs, label, kind) {
    est <- vapply(tabs, function(t) if (is.null(t)) NA_real_ else t$estimate, 1)
    sv <- vapply(tabs, function(t) {
      if (is.null(t)) NA_real_ else if (stat == "t") t$statistic else t$std.error
    }, 1)
    p <- vapply(tabs, function(t) if (is.null(t)) NA_real_ else t$p.value, 1)
    sv_txt <- fmt_cell(sv, stat_digits)
    sv_txt[nzchar(sv_txt)] <- paste0("(", sv_txt[nzchar(sv_txt)], ")")
    addrow(label, kind, label, fmt_cell(est, digits), n_stars(p, stars))
    addrow("", paste0(kind, "_stat"), label, sv_txt)
  }
  for (r in rows) {
    coef_rows(lapply(cols, function(cc) {
      i <- match(r, cc$coef$term)
      if (is.na(i)) NULL else cc$coef[i, ]
    }), r, "coef")
  }
  if (constant) coef_rows(lapply(cols, `[[`, "constant"), "Constant", "const")
  if (controls_row) {
    addrow("Controls", "controls", "Controls", vapply(cols, function(cc) {
      if (any(!cc$coef$term %in% rows)) "YES" else "NO"
    }, ""))
  }
  if (fe_rows) {
    fes <- unique(unlist(lapply(cols, `[[`, "fe")))
    for (f in fes) {
      addrow(f, "fe", f, vapply(cols, function(cc) {
        if (is.null(cc$fe)) "" else if (f %in% cc$fe) "YES" else "NO"
      }, ""))
    }
  }
  addrow("Obs", "obs", "Obs", vapply(cols, function(cc) {
    if (is.na(cc$nobs)) "" else fmt_count(cc$nobs)
  }, ""))
  addrow("Adj. R2", "r2", "Adj. R2", fmt_cell(vapply(cols, function(cc) as.double(cc$adj_r2), 1), digits))
  if (within_r2) {
    addrow("Within R2", "r2", "Within R2",
           fmt_cell(vapply(cols, function(cc) as.double(cc$within_r2), 1), digits))
  }
  list(label = vapply(cells, `[[`, "", "label"), kind = vapply(cells, `[[`, "", "kind"),
       key = vapply(cells, `[[`, "", "key"),
       vals = do.call(rbind, lapply(cells, `[[`, "vals")),
       stars = do.call(rbind, lapply(cells, `[[`, "stars")))
}

tab_note <- function(cols, stat, stars, constant, extra) {
  ph <- vapply(cols, function(cc) cc$vcov %||% "", "")
  u <- unique(ph[nzchar(ph)])
  se_txt <- if (length(u) == 1L) u else if (length(u) > 1L) {
    paste(vapply(u, function(v) paste0(v, " in ", paste0("(", which(ph == v), ")", collapse = ", ")), ""),
          collapse = "; ")
  } else ""
  first <- if (stat == "t") {
    paste0("t statistics in parentheses",
           if (nzchar(se_txt)) paste0(" (standard errors ", se_txt, ")"), ".")
  } else {
    paste0("Standard errors in parentheses", if (nzchar(se_txt)) paste0(", ", se_txt), ".")
  }
  lines <- c(paste0("Note: ", first), stars_note(stars))
  if (constant) {
    lines <- c(lines, "Constant: grand-mean intercept, as reported by Stata's areg and reghdfe.")
  }
  c(lines, extra)
}

# The header: column numbers, titles and spanning group headings.
tab_header <- function(cols, labels = NULL) {
  grp <- vapply(cols, function(cc) as.character(cc$group %||% ""), "")
  list(num = paste0("(", seq_along(cols), ")"),
       title = relabel(vapply(cols, function(cc) as.character(cc$title %||% ""), ""), labels),
       group = if (any(nzchar(grp))) grp)
}

# The numbers behind the table, for tidy() and glance().
tab_numbers <- function(cols, rows, constant) {
  coefs <- do.call(rbind, lapply(seq_along(cols), function(j) {
    cc <- cols[[j]]
    t <- cc$coef[stats::na.omit(match(rows, cc$coef$term)), , drop = FALSE]
    if (constant && !is.null(cc$constant)) {
      cn <- cc$constant[, c("estimate", "std.error", "statistic", "p.value")]
      t <- rbind(t, data.frame(term = "Constant", cn, stringsAsFactors = FALSE))
    }
    if (!nrow(t)) return(NULL)
    data.frame(column = j, title = as.character(cc$title %||% ""), t,
               stringsAsFactors = FALSE, row.names = NULL)
  }))
  stats <- do.call(rbind, lapply(seq_along(cols), function(j) {
    cc <- cols[[j]]
    data.frame(column = j, title = as.character(cc$title %||% ""),
               nobs = as.double(cc$nobs), adj.r.squared = as.double(cc$adj_r2),
               within.r.squared = as.double(cc$within_r2),
               controls = any(!cc$coef$term %in% rows), stringsAsFactors = FALSE)
  }))
  list(coefs = coefs, stats = stats)
}

#' Tidy and glance a did_table
#'
#' @param x A [did_table()] result.
#' @param ... Not used.
#' @return `tidy()`: the coefficients shown (one row per column and term,
#'   the constant included) with column, title, term, estimate, std.error,
#'   statistic, p.value. `glance()`: one row per column with nobs,
#'   adj.r.squared, within.r.squared and controls (TRUE when regressors are
#'   hidden).
#' @examples
#' d <- expand.grid(unit = 1:30, year = 1:8)
#' d$D <- as.numeric(d$unit <= 10 & d$year >= 5)
#' d$y <- 1 + d$D + cos(d$unit + d$year)
#' tab <- did_table(smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D"))
#' tidy(tab)
#' glance(tab)
#' @name tidy.did_table
#' @method tidy did_table
#' @export
tidy.did_table <- function(x, ...) attr(x, "numbers")$coefs

#' @rdname tidy.did_table
#' @method glance did_table
#' @export
glance.did_table <- function(x, ...) attr(x, "numbers")$stats

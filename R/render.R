# The one table renderer. did_table(), es_table() and format_balance() describe
# their table as blocks of cells (tab_block()) and render_table() lays them out
# as text, LaTeX, Markdown or HTML. Escaping for each format, number formats
# and significance marks live here and nowhere else, so a new table format is
# one render_* function and a new table is one tab_block() call.

# ---- numbers -----------------------------------------------------------------

# Fixed decimals with thousands separators ("3,978.0000"); "" for NA; no "-0".
fmt_cell <- function(x, digits = 4L, big_mark = ",") {
  x <- as.double(x)
  out <- rep("", length(x))
  ok <- !is.na(x)
  r <- round(x[ok], digits)
  r[r == 0] <- 0
  out[ok] <- formatC(r, format = "f", digits = digits, big.mark = big_mark)
  out
}

# Counts (observations, units, draws) with thousands separators: "3,978".
fmt_count <- function(x, big_mark = ",") fmt_cell(round(as.double(x)), 0L, big_mark)

# Number of significance stars of p-values; `stars` are the thresholds.
n_stars <- function(p, stars = c(0.1, 0.05, 0.01)) {
  if (!length(stars)) return(rep(0L, length(p)))
  vapply(p, function(q) if (is.na(q)) 0L else sum(q < stars), 1L)
}

# The note that explains the stars: "* p < 0.1, ** p < 0.05, *** p < 0.01."
stars_note <- function(stars = c(0.1, 0.05, 0.01)) {
  if (!length(stars)) return(character())
  stars <- sort(stars, decreasing = TRUE)
  paste0(paste0(strrep("*", seq_along(stars)), " p < ", vapply(stars, format, ""),
                collapse = ", "), ".")
}

# Symbols that have no ASCII form; plain fallbacks in non-UTF-8 sessions.
sym <- function(name) {
  utf8 <- isTRUE(l10n_info()[["UTF-8"]])
  switch(name,
         le = if (utf8) "\u2264" else "<=",
         ge = if (utf8) "\u2265" else ">=",
         times = if (utf8) "\u00d7" else "x",
         sd_stop("unknown symbol"))
}

# ---- escaping ----------------------------------------------------------------

# Text to LaTeX: every special character, and the symbols sym() produces.
esc_latex <- function(x) {
  map <- c("\\" = "\\textbackslash{}", "&" = "\\&", "%" = "\\%", "$" = "\\$",
           "#" = "\\#", "_" = "\\_", "{" = "\\{", "}" = "\\}",
           "~" = "\\textasciitilde{}", "^" = "\\textasciicircum{}",
           "<" = "$<$", ">" = "$>$", "|" = "$|$",
           "\u2264" = "$\\leq$", "\u2265" = "$\\geq$", "\u00d7" = "$\\times$")
  x <- enc2utf8(as.character(x))
  vapply(x, function(s) {
    if (is.na(s)) return("")
    ch <- strsplit(s, "", fixed = TRUE)[[1]]
    hit <- ch %in% names(map)
    ch[hit] <- map[ch[hit]]
    paste(ch, collapse = "")
  }, "", USE.NAMES = FALSE)
}

# R2 and chi2 in headers and row labels as mathematics (after esc_latex()).
tex_math <- function(x) {
  x <- gsub("\\bR2\\b", "$R^2$", x, perl = TRUE)
  gsub("\\bchi2\\b", "$\\\\chi^2$", x, perl = TRUE)
}

# Text to Markdown (GitHub and pandoc): the characters that start markup.
# Brackets stay: a bracket is a link only when "(" follows it, and pandoc
# reads "\\[" as the start of display mathematics.
esc_markdown <- function(x) {
  x <- as.character(x)
  x[is.na(x)] <- ""
  x <- gsub("([\\\\`*_|<>#])", "\\\\\\1", x, perl = TRUE)
  gsub("](", "]\\(", x, fixed = TRUE)
}

esc_html <- function(x) {
  x <- as.character(x)
  x[is.na(x)] <- ""
  x <- gsub("&", "&amp;", x, fixed = TRUE)
  x <- gsub("<", "&lt;", x, fixed = TRUE)
  x <- gsub(">", "&gt;", x, fixed = TRUE)
  gsub("\"", "&quot;", x, fixed = TRUE)
}

# Escapes `x` for `format` ("text" leaves it as is).
tab_escape <- function(x, format) {
  switch(format, text = as.character(x), latex = esc_latex(x),
         markdown = esc_markdown(x), html = esc_html(x))
}

# A cell with its significance marks, in the format's markup.
with_marks <- function(x, n, format) {
  mark <- switch(format,
                 text = strrep("*", n),
                 latex = ifelse(n > 0L, paste0("$^{", strrep("*", n), "}$"), ""),
                 markdown = strrep("\\*", n),
                 html = ifelse(n > 0L, paste0("<sup>", strrep("*", n), "</sup>"), ""))
  ifelse(nzchar(x) & n > 0L, paste0(x, mark), x)
}

# ---- the table description ---------------------------------------------------

# One block of a table. `lead`: matrix of the left (label) columns with their
# headings `lead_head`; `cells`: matrix of the data columns with `marks`
# (stars, flags) per cell; column headings `num` ("(1)", ...), `title` and
# `group` (equal neighbours are one spanning heading), each NULL or one per
# data column; `stat_row` marks rows of parenthesised statistics, `rule` rows
# with a rule above them; `align` "c" or "r" for the data columns; `split`
# FALSE keeps a wide LaTeX block whole (shrunk to the line width instead);
# `markable` rows hold numbers that may carry marks (aligned in LaTeX by
# invisible marks): by default the rows above the first rule that are not
# statistics, and rows with marks.
tab_block <- function(lead, cells, marks = NULL, lead_head = NULL, num = NULL,
                      title = NULL, group = NULL, stat_row = NULL, rule = NULL,
                      align = "c", panel = NULL, split = TRUE, markable = NULL) {
  lead <- as.matrix(lead)
  cells <- as.matrix(cells)
  cells[is.na(cells)] <- ""
  n <- nrow(cells)
  if (is.null(marks)) marks <- matrix(0L, n, ncol(cells))
  stat_row <- stat_row %||% rep(FALSE, n)
  rule <- rule %||% rep(FALSE, n)
  if (is.null(markable)) {
    markable <- (!stat_row & cumsum(rule) == 0L) | apply(marks > 0L, 1L, any)
  }
  list(lead = lead, cells = cells, marks = marks,
       lead_head = lead_head %||% rep("", ncol(lead)), num = num, title = title,
       group = group, stat_row = stat_row, rule = rule, align = align, panel = panel,
       split = split, markable = markable)
}

# The data columns `j` of a block (a panel of a wide table).
block_cols <- function(b, j) {
  b$cells <- b$cells[, j, drop = FALSE]
  b$marks <- b$marks[, j, drop = FALSE]
  for (h in c("num", "title", "group")) if (!is.null(b[[h]])) b[[h]] <- b[[h]][j]
  b
}

# Splits the data columns of `b` into the fewest panels of about equal
# numbers of columns whose width (from `width()` of a block) is at most `max`,
# never inside a spanning group.
split_panels <- function(b, width, max) {
  k <- ncol(b$cells)
  if (k <= 1L || width(b) <= max) return(list(b))
  g <- b$group %||% seq_len(k)
  runs <- cumsum(c(TRUE, g[-1] != g[-k]))
  start <- match(unique(runs), runs) - 1L
  for (np in seq(2L, length(start))) {
    chunk <- pmin(np, floor(start / (k / np) + 1e-9) + 1L)[runs]
    panels <- split(seq_len(k), chunk)
    fits <- vapply(panels, function(j) width(block_cols(b, j)) <= max, TRUE)
    if (all(fits) || np == length(start)) break
  }
  if (length(panels) == 1L) return(list(b))
  lapply(seq_along(panels), function(p) {
    j <- panels[[p]]
    out <- block_cols(b, j)
    out$panel <- paste0("Panel ", LETTERS[p], ": ",
                        if (!is.null(b$num)) paste(unique(b$num[range(j)]), collapse = "-")
                        else paste0("columns ", paste(unique(range(j)), collapse = "-")))
    out
  })
}

# Renders a table: a list of blocks, notes (one paragraph each) and an
# optional caption, in one of the four formats.
render_table <- function(blocks, notes = character(), format, caption = NULL,
                         width = getOption("width", 80L)) {
  switch(format,
         text = render_text(blocks, notes, caption, width),
         latex = render_latex(blocks, notes, caption),
         markdown = render_markdown(blocks, notes, caption),
         html = render_html(blocks, notes, caption))
}

# Runs of equal neighbours: list(text, start, n).
header_runs <- function(g) {
  k <- length(g)
  starts <- which(c(TRUE, g[-1] != g[-k]))
  n <- diff(c(starts, k + 1L))
  list(text = g[starts], start = starts, n = n)
}

# ---- text --------------------------------------------------------------------

centre <- function(x, width) {
  pad <- pmax(width - nchar(x, type = "width"), 0L)
  left <- pad %/% 2L
  paste0(strrep(" ", left), x, strrep(" ", pad - left))
}

pad_right <- function(x, width) paste0(x, strrep(" ", pmax(width - nchar(x, type = "width"), 0L)))
pad_left <- function(x, width) paste0(strrep(" ", pmax(width - nchar(x, type = "width"), 0L)), x)

# The data cells of one block as text: numbers right-aligned with the stars
# hanging after them and a closing parenthesis under the first star.
text_cells <- function(b) {
  v <- b$cells
  out <- v
  for (j in seq_len(ncol(v))) {
    s <- b$marks[, j]
    S <- max(c(0L, s))
    st <- b$stat_row
    W <- max(1L, nchar(v[!st, j], type = "width"), nchar(v[st, j], type = "width") - 1L)
    out[, j] <- ifelse(st & S > 0L, paste0(pad_left(v[, j], W + 1L), strrep(" ", max(S - 1L, 0L))),
                       paste0(pad_left(v[, j], W), pad_right(strrep("*", s), S)))
  }
  out
}

text_block <- function(b) {
  body <- text_cells(b)
  nl <- ncol(b$lead)
  heads <- list(b$group, b$num, b$title)
  heads <- heads[!vapply(heads, is.null, TRUE)]
  lw <- vapply(seq_len(nl), function(i) {
    max(nchar(c(b$lead[, i], b$lead_head[i], ""), type = "width"))
  }, 1L)
  w <- vapply(seq_len(ncol(body)), function(j) {
    max(nchar(c(body[, j], vapply(heads[!vapply(heads, identical, TRUE, b$group)],
                                  `[`, "", j), ""), type = "width"))
  }, 1L)
  # widen the columns under a spanning heading that is wider than they are
  if (!is.null(b$group)) {
    r <- header_runs(b$group)
    for (i in seq_along(r$text)) {
      j <- r$start[i] + seq_len(r$n[i]) - 1L
      need <- nchar(r$text[i], type = "width") - (sum(w[j]) + 2L * (length(j) - 1L))
      if (need > 0L) w[j] <- w[j] + ceiling(need / length(j))
    }
  }
  line <- function(lead, cells) {
    l <- paste(vapply(seq_len(nl), function(i) pad_right(lead[i], lw[i]), ""), collapse = "  ")
    sub("\\s+$", "", paste0(l, "  ", paste(cells, collapse = "  ")))
  }
  total <- sum(lw) + 2L * nl + sum(w) + 2L * (length(w) - 1L)
  out <- c(if (!is.null(b$panel)) b$panel, strrep("=", total))
  if (!is.null(b$group)) {
    r <- header_runs(b$group)
    span <- vapply(seq_along(r$text), function(i) {
      j <- r$start[i] + seq_len(r$n[i]) - 1L
      centre(r$text[i], sum(w[j]) + 2L * (length(j) - 1L))
    }, "")
    out <- c(out, line(rep("", nl), span))
  }
  hl <- b$lead_head
  for (h in list(b$num, b$title)) {
    if (is.null(h) || !any(nzchar(h))) next
    out <- c(out, line(hl, centre(h, w)))
    hl <- rep("", nl)
  }
  if (any(nzchar(hl))) out <- c(out, line(hl, rep("", length(w))))
  out <- c(out, strrep("-", total))
  for (i in seq_len(nrow(body))) {
    if (b$rule[i]) out <- c(out, strrep("-", total))
    out <- c(out, line(b$lead[i, ], centre(body[i, ], w)))
  }
  c(out, strrep("=", total))
}

render_text <- function(blocks, notes, caption, width) {
  wfun <- function(b) max(nchar(text_block(b), type = "width"))
  out <- if (!is.null(caption)) strwrap(caption, width)
  for (i in seq_along(blocks)) {
    for (p in split_panels(blocks[[i]], wfun, width)) {
      out <- c(out, if (length(out)) "", text_block(p))
    }
  }
  # notes wrapped to the width, so that printing never runs off the right
  c(out, unlist(lapply(notes, function(n) if (nzchar(n)) strwrap(n, width) else n)))
}

# ---- LaTeX -------------------------------------------------------------------

# Width of a block in points when set in \small (9 pt: digits 4.5 pt, an
# average character about 3.6 pt, measured on the compiled replication
# tables) with 8 pt between columns; used to split wide tables
# into panels. The LaTeX itself shrinks a panel that still exceeds \linewidth.
latex_width <- function(b) {
  lw <- vapply(seq_len(ncol(b$lead)), function(i) max(nchar(c(b$lead[, i], b$lead_head[i], "")), 1L), 1L)
  cw <- vapply(seq_len(ncol(b$cells)), function(j) {
    max(nchar(c(b$cells[, j], b$num[j], b$title[j], "")), 1L) + 0.6 * max(c(0L, b$marks[, j]))
  }, 1)
  if (!is.null(b$group)) {
    r <- header_runs(b$group)
    for (i in seq_along(r$text)) {
      j <- r$start[i] + seq_len(r$n[i]) - 1L
      need <- nchar(r$text[i]) - sum(cw[j])
      if (need > 0) cw[j] <- cw[j] + need / length(j)
    }
  }
  3.6 * (sum(lw) + sum(cw)) + 8 * (length(lw) + length(cw))
}

latex_block <- function(b) {
  nl <- ncol(b$lead)
  k <- ncol(b$cells)
  row <- function(cells) paste0(paste(cells, collapse = " & "), " \\\\")
  lead <- tex_math(esc_latex(b$lead))
  dim(lead) <- dim(b$lead)
  body <- with_marks(esc_latex(b$cells), b$marks, "latex")
  dim(body) <- dim(b$cells)
  # invisible stars after unmarked numbers keep a column's numbers aligned
  for (j in seq_len(k)) {
    S <- max(c(0L, b$marks[, j]))
    gap <- S - b$marks[, j]
    pad <- gap > 0L & nzchar(b$cells[, j]) & S > 0L & b$markable
    body[pad, j] <- paste0(body[pad, j], "\\phantom{$^{", strrep("*", gap[pad]), "}$}")
  }
  out <- c(paste0("\\begin{tabular}{", strrep("l", nl), strrep(b$align, k), "}"), "\\toprule")
  if (!is.null(b$group)) {
    r <- header_runs(b$group)
    spans <- ifelse(r$n > 1L, paste0("\\multicolumn{", r$n, "}{c}{", esc_latex(r$text), "}"),
                    esc_latex(r$text))
    out <- c(out, row(c(rep("", nl), spans)))
    multi <- which(r$n > 1L & nzchar(r$text))
    if (length(multi)) {
      out <- c(out, paste0(paste0("\\cmidrule(lr){", nl + r$start[multi], "-",
                                  nl + r$start[multi] + r$n[multi] - 1L, "}"), collapse = ""))
    }
  }
  hl <- tex_math(esc_latex(b$lead_head))
  for (h in list(b$num, b$title)) {
    if (is.null(h) || !any(nzchar(h))) next
    out <- c(out, row(c(hl, tex_math(esc_latex(h)))))
    hl <- rep("", nl)
  }
  if (any(nzchar(hl))) out <- c(out, row(c(hl, rep("", k))))
  out <- c(out, "\\midrule")
  for (i in seq_len(nrow(body))) {
    if (b$rule[i]) out <- c(out, "\\midrule")
    out <- c(out, row(c(lead[i, ], body[i, ])))
  }
  c(out, "\\bottomrule", "\\end{tabular}")
}

# A table float that compiles in a plain article class with booktabs and
# graphicx: wide tables split into panels, each panel shrunk to \linewidth
# only if it is still wider, the notes in a paragraph of \linewidth under it.
render_latex <- function(blocks, notes, caption) {
  # the float numbers the table itself: no "Table 9." in the caption
  if (!is.null(caption)) caption <- sub("^Table [0-9A-Za-z]+[.:] +", "", caption)
  out <- c("% smartdid table: needs \\usepackage{booktabs} and \\usepackage{graphicx}",
           "\\begin{table}[htbp]", "\\centering", "\\small", "\\setlength{\\tabcolsep}{4pt}",
           if (!is.null(caption)) paste0("\\caption{", esc_latex(caption), "}"),
           "\\ifdefined\\sdtablebox\\else\\newsavebox{\\sdtablebox}\\fi")
  first <- TRUE
  for (b in blocks) {
    # up to a tenth wider than the 345 pt of an article's text: shrunk, not split
    panels <- if (isFALSE(b$split)) list(b) else split_panels(b, latex_width, 380)
    for (p in panels) {
      if (!first) out <- c(out, "\\par\\medskip")
      first <- FALSE
      if (!is.null(p$panel)) {
        out <- c(out, paste0("\\textit{", esc_latex(p$panel), "}\\par\\smallskip"))
      }
      out <- c(out, "\\sbox{\\sdtablebox}{%", latex_block(p), "}%",
               paste0("\\ifdim\\wd\\sdtablebox>\\linewidth",
                      "\\resizebox{\\linewidth}{!}{\\usebox{\\sdtablebox}}",
                      "\\else\\usebox{\\sdtablebox}\\fi"))
    }
  }
  if (length(notes)) {
    out <- c(out, "\\par\\smallskip", "\\begin{minipage}{\\linewidth}\\footnotesize",
             paste0(esc_latex(notes), "\\par"), "\\end{minipage}")
  }
  c(out, "\\end{table}")
}

# ---- Markdown ----------------------------------------------------------------

# Column headings of one Markdown header row: group, number and title.
flat_heads <- function(b) {
  k <- ncol(b$cells)
  parts <- list(b$num, b$group, b$title)
  vapply(seq_len(k), function(j) {
    p <- vapply(parts, function(h) if (is.null(h)) "" else as.character(h[j]), "")
    p <- p[nzchar(p)]
    if (length(p) == 3L) paste0(p[1], " ", p[2], ": ", p[3])
    else if (length(p) == 2L && !is.null(b$num) && nzchar(b$num[j])) paste(p, collapse = " ")
    else paste(p, collapse = ": ")
  }, "")
}

md_block <- function(b) {
  nl <- ncol(b$lead)
  row <- function(cells) paste0("| ", paste(cells, collapse = " | "), " |")
  body <- with_marks(esc_markdown(b$cells), b$marks, "markdown")
  dim(body) <- dim(b$cells)
  lead <- esc_markdown(b$lead)
  dim(lead) <- dim(b$lead)
  al <- if (b$align == "r") "---:" else ":---:"
  c(if (!is.null(b$panel)) c(paste0("**", esc_markdown(b$panel), "**"), ""),
    row(c(esc_markdown(b$lead_head), esc_markdown(flat_heads(b)))),
    paste0("|", paste(c(rep(":---", nl), rep(al, ncol(body))), collapse = "|"), "|"),
    vapply(seq_len(nrow(body)), function(i) row(c(lead[i, ], body[i, ])), ""))
}

render_markdown <- function(blocks, notes, caption) {
  out <- if (!is.null(caption)) c(paste0("**", esc_markdown(caption), "**"), "")
  for (i in seq_along(blocks)) out <- c(out, if (i > 1L) "", md_block(blocks[[i]]))
  if (length(notes)) out <- c(out, as.vector(rbind("", esc_markdown(notes))))
  out
}

# ---- HTML --------------------------------------------------------------------

html_block <- function(b, notes, caption) {
  nl <- ncol(b$lead)
  k <- ncol(b$cells)
  body <- with_marks(esc_html(b$cells), b$marks, "html")
  dim(body) <- dim(b$cells)
  al <- if (b$align == "r") "right" else "center"
  td <- function(x, tag = "td", a = al, span = 1L) {
    paste0("<", tag, ifelse(span > 1L, paste0(" colspan=\"", span, "\""), ""),
           " style=\"text-align:", a, ";padding:0 0.6em\">", x, "</", tag, ">")
  }
  row <- function(lead, cells, tag = "td") {
    paste0("<tr>", paste(td(lead, tag, "left"), collapse = ""), paste(cells, collapse = ""), "</tr>")
  }
  out <- c("<table class=\"smartdid-table\" style=\"border-collapse:collapse;border-bottom:2px solid\">",
           if (!is.null(caption)) paste0("<caption>", esc_html(caption), "</caption>"),
           "<thead style=\"border-top:2px solid;border-bottom:1px solid\">")
  if (!is.null(b$group)) {
    r <- header_runs(b$group)
    out <- c(out, row(rep("", nl), td(esc_html(r$text), "th", "center", r$n), "th"))
  }
  hl <- esc_html(b$lead_head)
  for (h in list(b$num, b$title)) {
    if (is.null(h) || !any(nzchar(h))) next
    out <- c(out, row(hl, td(esc_html(h), "th", "center"), "th"))
    hl <- rep("", nl)
  }
  if (any(nzchar(hl))) out <- c(out, row(hl, td(rep("", k), "th"), "th"))
  out <- c(out, "</thead>", "<tbody>")
  for (i in seq_len(nrow(body))) {
    if (b$rule[i]) out <- c(out, "</tbody>", "<tbody style=\"border-top:1px solid\">")
    out <- c(out, row(esc_html(b$lead[i, ]), td(body[i, ])))
  }
  out <- c(out, "</tbody>")
  if (length(notes)) {
    out <- c(out, "<tfoot style=\"border-top:2px solid\">",
             paste0("<tr><td colspan=\"", nl + k, "\" style=\"text-align:left\">",
                    esc_html(notes), "</td></tr>"), "</tfoot>")
  }
  c(out, "</table>")
}

render_html <- function(blocks, notes, caption) {
  out <- character()
  for (i in seq_along(blocks)) {
    last <- i == length(blocks)
    out <- c(out, html_block(blocks[[i]], if (last) notes else character(),
                             if (i == 1L) caption))
  }
  out
}

# ---- printing and knitr ------------------------------------------------------

# Keeps the description of a table on its lines: print() lays a text table
# out again at the console's width, and knitr shows it as a Markdown table.
with_spec <- function(lines, blocks, notes, caption, format) {
  attr(lines, "spec") <- list(blocks = blocks, notes = notes, caption = caption)
  attr(lines, "format") <- format
  lines
}

print_table <- function(x) {
  spec <- attr(x, "spec")
  lines <- if (!is.null(spec) && identical(attr(x, "format"), "text")) {
    render_table(spec$blocks, spec$notes, "text", spec$caption)
  } else {
    as.character(unclass(x))
  }
  cat(lines, sep = "\n")
  invisible(x)
}

# In R Markdown a text table becomes a real (pipe) table; tables asked for
# in another format are shown as their source.
knit_table <- function(x, ...) {
  spec <- attr(x, "spec")
  if (is.null(spec) || !identical(attr(x, "format"), "text")) {
    return(knitr::normal_print(x))
  }
  md <- render_table(spec$blocks, spec$notes, "markdown", spec$caption)
  knitr::asis_output(paste(c("", md, ""), collapse = "\n"))
}

#' Tables in R Markdown
#'
#' In an R Markdown document, a table from [did_table()], [es_table()] or
#' [format_balance()] made in the (default) text format, and a [balance()]
#' table, are shown as Markdown tables (real tables in HTML, PDF or Word
#' output) instead of console text. Tables made in another format are shown
#' as their source. Called by knitr; not for direct use.
#'
#' @param x A table.
#' @param ... Not used.
#' @return A `knit_asis` object.
#' @name knit_print.did_table
#' @keywords internal
#' @exportS3Method knitr::knit_print
knit_print.did_table <- function(x, ...) knit_table(x, ...)

#' @rdname knit_print.did_table
#' @exportS3Method knitr::knit_print
knit_print.smartdid_es_table <- function(x, ...) knit_table(x, ...)

#' @rdname knit_print.did_table
#' @exportS3Method knitr::knit_print
knit_print.smartdid_balance_lines <- function(x, ...) knit_table(x, ...)

#' @rdname knit_print.did_table
#' @exportS3Method knitr::knit_print
knit_print.smartdid_balance <- function(x, ...) {
  knit_table(format_balance(x, "text", summary = !is.null(attr(x, "summary"))), ...)
}

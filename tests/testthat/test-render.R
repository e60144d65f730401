# The one table renderer: escaping in every format, number formats, panels,
# and the LaTeX of every table of replicate_study() compiled in a plain
# article (no overfull box).

withr_width <- function(w, expr) {
  op <- options(width = w)
  on.exit(options(op))
  expr
}

awkward <- "a_b & 50% #1 $x$ {y} ~z^2 <w> |v| \\q `c` *s* [l]"

test_that("escaping: LaTeX, Markdown and HTML special characters", {
  tex <- smartdid:::esc_latex(awkward)
  expect_identical(tex, paste0("a\\_b \\& 50\\% \\#1 \\$x\\$ \\{y\\} \\textasciitilde{}z",
                               "\\textasciicircum{}2 $<$w$>$ $|$v$|$ \\textbackslash{}q ",
                               "`c` *s* [l]"))
  md <- smartdid:::esc_markdown(awkward)
  expect_identical(md, paste0("a\\_b & 50% \\#1 $x$ {y} ~z^2 \\<w\\> \\|v\\| \\\\q ",
                              "\\`c\\` \\*s\\* [l]"))
  expect_identical(smartdid:::esc_markdown("[a](b)"), "[a]\\(b)")
  html <- smartdid:::esc_html("a < b & \"c\" > d")
  expect_identical(html, "a &lt; b &amp; &quot;c&quot; &gt; d")
  expect_identical(smartdid:::esc_latex(c("x", NA)), c("x", ""))
  expect_identical(smartdid:::esc_latex("\u2264 -8 \u00d7"), "$\\leq$ -8 $\\times$")
})

test_that("every table function escapes row labels, titles and notes in every format", {
  d <- sim_panel(40, 10, seed = 3)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  es <- event_study(fit, leads = 3, lags = 3)
  lab <- function(k) paste0("Admico", ifelse(k < 0, "_", ""), abs(k))
  for (fmt in c("latex", "markdown", "html")) {
    dt <- did_table(`A_1 & <b>` = fit, format = fmt, labels = c(D = "D_x | 100%"))
    et <- es_table(`E_1 & <b>` = es, format = fmt, row_label = lab)
    raw <- c(dt, et)
    if (fmt == "latex") {
      expect_true(any(grepl("D\\_x $|$ 100\\%", dt, fixed = TRUE)))
      expect_true(any(grepl("A\\_1 \\& $<$b$>$", dt, fixed = TRUE)))
      expect_true(any(grepl("^Admico\\\\_3 &", et)))
      expect_false(any(grepl("Admico_3", et, fixed = TRUE)))
      expect_true(any(grepl("E\\_1 \\& $<$b$>$", et, fixed = TRUE)))
    } else if (fmt == "markdown") {
      expect_true(any(grepl("D\\_x \\| 100%", dt, fixed = TRUE)))
      expect_true(any(grepl("^\\| Admico\\\\_3 \\|", et)))
      expect_true(any(grepl("E\\_1 & \\<b\\>", et, fixed = TRUE)))
      # stars are literal, not emphasis
      expect_false(any(grepl("[^\\\\]\\*", sub("^\\* p.*", "", gsub("\\\\\\*", "", raw)))))
    } else {
      expect_true(any(grepl("A_1 &amp; &lt;b&gt;", dt, fixed = TRUE)))
      expect_true(any(grepl("E_1 &amp; &lt;b&gt;", et, fixed = TRUE)))
      expect_false(any(grepl("<b>", raw, fixed = TRUE)))
    }
  }
  b <- balance(psm(transform(d[d$year == 2001, ], t = as.numeric(unit <= 15)), "t",
                   "x1", id = "unit", time = "year"))
  bt <- format_balance(b, "latex", labels = c(x1 = "Wage_1 & co"))
  expect_true(any(grepl("Wage\\_1 \\& co", bt, fixed = TRUE)))
  expect_true(any(grepl("Rubin's B", format_balance(b, "markdown"))))
})

test_that("one number format: thousands separators, no negative zero", {
  expect_identical(smartdid:::fmt_cell(c(3978, -0.00001, NA, 1234567.891), 2),
                   c("3,978.00", "0.00", "", "1,234,567.89"))
  expect_identical(smartdid:::fmt_count(c(3978, 25, NA)), c("3,978", "25", ""))
})

test_that("text tables wider than the console split into panels within the width", {
  d <- sim_panel(40, 10, seed = 3)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  fits <- rep(list(fit), 9)
  names(fits) <- paste("Specification", 1:9)
  tab <- do.call(did_table, fits)
  expect_true(all(nchar(tab) <= getOption("width")))
  expect_true(any(grepl("^Panel B: \\(", tab)))
  # every column appears once (the panel titles name their first and last)
  body <- tab[!startsWith(tab, "Panel")]
  for (j in 1:9) expect_identical(sum(grepl(paste0("(", j, ")"), body, fixed = TRUE)), 1L)
  tex <- do.call(did_table, c(fits, list(format = "latex")))
  expect_true(any(grepl("Panel B", tex, fixed = TRUE)))
})

test_that("no top-level name is defined twice in R/", {
  dir <- test_path("..", "..", "R")
  skip_if_not(dir.exists(dir), "package sources not available")
  defs <- unlist(lapply(list.files(dir, "\\.R$", full.names = TRUE), function(f) {
    ex <- parse(f, keep.source = FALSE)
    unlist(lapply(ex, function(e) {
      if (is.call(e) && is.name(e[[1]]) && as.character(e[[1]]) %in% c("<-", "=") &&
          is.name(e[[2]])) {
        as.character(e[[2]])
      }
    }))
  }))
  expect_identical(defs[duplicated(defs)], character())
})

# pdflatex on files \input one per page of a plain article; the log lines.
compile_tex <- function(paths, dir) {
  doc <- file.path(dir, "doc.tex")
  inputs <- paste0("\\input{", normalizePath(paths, winslash = "/"), "}\\clearpage")
  writeLines(c("\\documentclass{article}", "\\usepackage{booktabs}",
               "\\usepackage{graphicx}", "\\begin{document}", inputs,
               "\\end{document}"), doc)
  owd <- setwd(dir)
  on.exit(setwd(owd))
  status <- system2(Sys.which("pdflatex"),
                    c("-interaction=nonstopmode", "-halt-on-error", "doc.tex"),
                    stdout = FALSE, stderr = FALSE)
  structure(readLines(file.path(dir, "doc.log"), warn = FALSE), status = status)
}

test_that("every LaTeX table of replicate_study() compiles in an article and fits", {
  skip_if(!nzchar(Sys.which("pdflatex")), "pdflatex not available")
  res <- rep_result()
  tex <- res$files$path[res$files$format == "tex"]
  expect_length(tex, 9L)
  d <- sim_panel(40, 10, seed = 3)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  wide <- tempfile(fileext = ".tex")
  do.call(did_table, c(rep(list(fit), 10), list(format = "latex", file = wide)))
  # the example of es_table()'s help page: labels with underscores
  adm <- tempfile(fileext = ".tex")
  es_table(event_study(fit, leads = 3, lags = 3), format = "latex", file = adm,
           row_label = function(k) paste0("Admico", ifelse(k < 0, "_", ""), abs(k)))
  dir <- tempfile()
  dir.create(dir)
  on.exit(unlink(dir, recursive = TRUE))
  log <- compile_tex(c(tex, wide, adm), dir)
  expect_identical(attr(log, "status"), 0L)
  # one page per table: every file was set
  expect_true(any(grepl("Output written on doc.pdf \\(11 pages", log)))
  bad <- grep("Overfull|Float too large|Undefined control", log, value = TRUE)
  expect_identical(bad, character())
})

test_that("no internal variable name in any file replicate_study() writes", {
  res <- rep_result()
  internal <- c("_unit_mean", "_group", "Human_capital", "Green_patent", "Gdp_pc",
                "Env_reg", "tier2plus", "\\bDigital\\b", "central_city", "pilot_year")
  for (f in res$files$path[res$files$format %in% c("txt", "tex", "md")]) {
    txt <- readLines(f, warn = FALSE, encoding = "UTF-8")
    for (pat in internal) {
      expect_false(any(grepl(pat, txt, perl = TRUE)),
                   label = paste0("'", pat, "' in ", basename(f)))
    }
  }
})

test_that("knitr shows text tables as Markdown tables; print() re-lays at the width", {
  skip_if_not_installed("knitr")
  d <- sim_panel(40, 10, seed = 3)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  tab <- did_table(A = fit, B = fit)
  k <- knitr::knit_print(tab)
  expect_s3_class(k, "knit_asis")
  expect_match(k, "| (1) A | (2) B |", fixed = TRUE)
  expect_match(k, "|:---|:---:|:---:|", fixed = TRUE)
  # a table asked for in LaTeX stays LaTeX source
  expect_false(inherits(knitr::knit_print(did_table(fit, format = "latex")), "knit_asis"))
  b <- balance(psm(transform(d[d$year == 2001, ], t = as.numeric(unit <= 15)), "t",
                   "x1", id = "unit", time = "year"))
  expect_match(knitr::knit_print(b), "| Variable | Sample |", fixed = TRUE)
  wide <- do.call(did_table, rep(list(fit), 8))
  narrow <- capture.output(withr_width(40, print(wide)))
  expect_true(all(nchar(narrow) <= 40))
})

test_that("replication files: one number format, Table 2 explains its marks", {
  res <- rep_result()
  files <- res$files[res$files$format %in% c("txt", "tex", "md"), ]
  for (f in files$path) {
    txt <- readLines(f, warn = FALSE, encoding = "UTF-8")
    obs <- grep("^\\|? ?Obs\\b", txt, value = TRUE)
    # counts of 1,000 or more carry a thousands separator
    expect_false(any(grepl("(^|[ |&])[0-9]{4,}([ |\\\\]|$)", obs)), label = basename(f))
  }
  for (f in files$path[files$item == "table2_balance"]) {
    txt <- paste(readLines(f, warn = FALSE), collapse = " ")
    expect_match(txt, "Rubin's B", fixed = TRUE)
    expect_match(txt, "Rubin's R", fixed = TRUE)
    expect_true(grepl("marks a ratio outside", txt, fixed = TRUE))
  }
  t1 <- readLines(files$path[files$item == "table1_event_study" & files$format == "txt"])
  i <- grep("^Overall effect", t1)
  expect_match(t1[i + 1L], "^ +\\(-?[0-9.]+\\)$")
})

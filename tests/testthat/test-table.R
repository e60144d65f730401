# did_table(): snapshots of a fixed table in every format, the numbers shown
# against the fits (stars recomputed by hand), and that each format is what
# it claims (HTML parses as XML, Markdown renders as a table, LaTeX compiles).

table_fits <- function() {
  d <- sim_panel(40, 10, seed = 1)
  d$M <- ((d$unit %% 5) + 1) * ((d$year %% 3) + 1) / 10   # not absorbed by the FE
  f0 <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  f1 <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  list(d = d, f0 = f0, f1 = f1, m = mechanism(f1, "M"))
}

test_that("snapshots: text, markdown, latex, html", {
  tf <- table_fits()
  for (fmt in c("text", "markdown", "latex", "html")) {
    expect_snapshot(print(did_table(`No controls` = tf$f0, Controls = tf$f1,
                                    Mechanism = tf$m, format = fmt)))
  }
  expect_snapshot(print(did_table(tf$f0, tf$f1, stat = "se", within_r2 = TRUE,
                                  keep = c("x1", "D"), stars = c(0.05, 0.01),
                                  labels = c(D = "Policy", unit = "City", Obs = "N"))))
})

test_that("cells show the estimates, stars from the fits' p-values, and t values", {
  tf <- table_fits()
  tab <- did_table(tf$f0, tf$f1, tf$m)
  fits <- list(tf$f0, tf$f1, tf$m)
  G <- 40
  star <- function(p) strrep("\\*", sum(p < c(0.1, 0.05, 0.01)))
  for (j in 1:3) {
    b <- coef(fits[[j]])[["D"]]
    se <- sqrt(vcov(fits[[j]])["D", "D"])
    p <- 2 * pt(-abs(b / se), G - 1)
    line <- tab[grepl("^D ", tab)]
    expect_match(line, paste0(sprintf("%.4f", b), star(p), "(\\s|$)"))
    expect_match(tab[which(grepl("^D ", tab)) + 1L], sprintf("(%.2f)", b / se), fixed = TRUE)
  }
  td <- generics::tidy(tab)
  sc <- stata_constant(tf$f1)
  expect_equal(td$estimate[td$column == 2 & td$term == "Constant"], sc$estimate)
  expect_equal(td$std.error[td$column == 2 & td$term == "Constant"], sc$std.error)
  expect_identical(unique(td$term), c("D", "Constant", "D:M", "M"))
  gl <- generics::glance(tab)
  expect_equal(gl$controls, c(FALSE, TRUE, TRUE))
  expect_equal(gl$adj.r.squared, c(tf$f0$adj.r.squared, tf$f1$adj.r.squared, tf$m$adj.r.squared))
  expect_match(tab[grepl("^Controls", tab)], "NO\\s+YES\\s+YES")
  expect_match(tab[grepl("^Obs", tab)], "400\\s+400\\s+400")
  expect_match(tab[grepl("^Adj. R2", tab)], sprintf("%.4f", tf$f1$adj.r.squared), fixed = TRUE)
  expect_true(any(grepl("clustered by unit", tab)))
})

test_that("rows: keep, all terms without the controls row, no constant", {
  tf <- table_fits()
  all <- did_table(tf$f1, controls_row = FALSE, constant = FALSE, fe_rows = FALSE)
  expect_true(any(grepl("^x2 ", all)))
  expect_false(any(grepl("^Controls|^Constant|FE ", all)))
  k <- did_table(tf$f1, tf$m, keep = c("M", "D"))
  expect_lt(which(grepl("^M ", k)), which(grepl("^D ", k)))
  expect_false(any(grepl("^D:M", k)))
  expect_match(k[grepl("^Controls", k)], "YES\\s+YES")
  expect_false(any(grepl("\\*", did_table(tf$f1, stars = NULL, note = FALSE))))
})

test_that("heterogeneity results give one column per group and the test in the note", {
  tf <- table_fits()
  h <- heterogeneity(tf$f1, by = "region")
  tab <- did_table(h)
  expect_match(tab[2], "^\\s+region$")
  expect_match(tab[4], "^\\s+a\\s+b\\s+c$")
  expect_true(any(grepl(format_het_test(h$test), tab, fixed = TRUE)))
  lst <- did_table(list(first = tf$f0, second = tf$f1))
  expect_match(lst[3], "first\\s+second")
})

test_that("file = writes the lines and returns them invisibly", {
  tf <- table_fits()
  path <- tempfile(fileext = ".tex")
  expect_invisible(out <- did_table(tf$f0, tf$f1, format = "latex", file = path))
  expect_identical(readLines(path), unclass(out)[seq_along(out)])
  expect_identical(as.vector(unclass(out)), readLines(path))
  expect_output(print(out), "\\toprule", fixed = TRUE)
})

test_that("HTML output is a well-formed table", {
  skip_if_not_installed("xml2")
  tf <- table_fits()
  tab <- did_table(tf$f0, tf$f1, tf$m, format = "html")
  x <- xml2::read_xml(paste(tab, collapse = "\n"))
  expect_equal(xml2::xml_name(x), "table")
  rows <- xml2::xml_find_all(x, ".//thead/tr|.//tbody/tr")
  ncell <- vapply(rows, function(r) length(xml2::xml_children(r)), 1L)
  expect_true(all(ncell == 4L))
  # 2 header rows; D, D:M, M and the constant with their t rows; controls,
  # 2 FE, obs, R2
  expect_equal(length(rows), 2 + 4 * 2 + 1 + 2 + 1 + 1)
  txt <- paste(tab, collapse = "")
  expect_equal(length(xml2::xml_find_all(x, ".//sup")),
               lengths(regmatches(txt, gregexpr("<sup>", txt, fixed = TRUE))))
  expect_equal(xml2::xml_text(xml2::xml_find_first(x, ".//tbody/tr/td")), "D")
})

test_that("Markdown output renders as a GitHub table with literal stars", {
  skip_if_not_installed("commonmark")
  tf <- table_fits()
  tab <- did_table(tf$f0, tf$f1, format = "markdown")
  html <- commonmark::markdown_html(paste(tab, collapse = "\n"), extensions = "table")
  expect_match(html, "<table>", fixed = TRUE)
  n_table_lines <- sum(grepl("^\\|", tab)) - 1L          # minus the alignment row
  expect_equal(lengths(regmatches(html, gregexpr("<tr>", html))), n_table_lines)
  expect_false(grepl("<em>|<strong>", html))
  b <- sprintf("%.4f", coef(tf$f1)[["D"]])
  expect_match(html, paste0(b, "\\*"))
  expect_match(html, "p &lt; 0.1", fixed = TRUE)
})

test_that("LaTeX output compiles with booktabs", {
  tf <- table_fits()
  tab <- did_table(tf$f0, tf$m, format = "latex", labels = c(D = "D_{x} & 100%"))
  expect_true(any(grepl("D\\_\\{x\\} \\& 100\\%", tab, fixed = TRUE)))
  expect_true("\\toprule" %in% tab)
  expect_identical(tab[2], "\\begin{table}[htbp]")
  pdflatex <- Sys.which("pdflatex")
  skip_if(!nzchar(pdflatex), "pdflatex not available")
  dir <- tempfile()
  dir.create(dir)
  writeLines(c("\\documentclass{article}", "\\usepackage{booktabs,graphicx}",
               "\\begin{document}", tab, "\\end{document}"), file.path(dir, "t.tex"))
  owd <- setwd(dir)
  on.exit(setwd(owd))
  status <- system2(pdflatex, c("-interaction=nonstopmode", "-halt-on-error", "t.tex"),
                    stdout = FALSE, stderr = FALSE)
  expect_equal(status, 0L)
  expect_true(file.exists(file.path(dir, "t.pdf")))
})

test_that("objects with tidy() and glance() methods make columns too", {
  obj <- structure(list(), class = "sd_test_model")
  registerS3method("tidy", "sd_test_model", function(x, ...) {
    data.frame(term = c("(Intercept)", "D"), estimate = c(1, 0.5),
               std.error = c(0.1, 0.25), statistic = c(10, 2), p.value = c(0, 0.07))
  }, envir = asNamespace("generics"))
  registerS3method("glance", "sd_test_model", function(x, ...) {
    data.frame(nobs = 99, adj.r.squared = 0.5)
  }, envir = asNamespace("generics"))
  tf <- table_fits()
  tab <- did_table(tf$f1, Other = obj)
  expect_match(tab[grepl("^D ", tab)], "0.5000\\*\\s*$")
  expect_match(tab[grepl("^Constant ", tab)], "1.0000\\*\\*\\*\\s*$")
  expect_match(tab[grepl("^Obs", tab)], "99$")
})

test_that("modelsummary accepts the fits", {
  skip_if_not_installed("modelsummary")
  tf <- table_fits()
  h <- heterogeneity(tf$f1, by = "region")
  ms <- modelsummary::modelsummary(list(tf$f1, tf$m, h$fits$a), output = "data.frame")
  expect_true("D" %in% ms$term)
  # modelsummary >= 2.0 shows interactions as "D \u00d7 M"
  expect_true(any(c("D:M", "D \u00d7 M") %in% ms$term))
})

test_that("did_table() explains bad arguments", {
  tf <- table_fits()
  expect_snapshot(did_table(), error = TRUE)
  expect_snapshot(did_table(tf$f0, titles = c("a", "b")), error = TRUE)
  expect_snapshot(did_table(tf$f0, keep = "nope"), error = TRUE)
  expect_snapshot(did_table(tf$f0, stars = 2), error = TRUE)
  expect_snapshot(did_table(tf$f0, labels = "x"), error = TRUE)
  expect_snapshot(did_table(tf$f0, 42), error = TRUE)
})

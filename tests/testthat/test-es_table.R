# es_table(): event-study tables

es_for_table <- function(formula = y ~ x1 + x2, seed = 41) {
  d <- sim_panel(60, 18, seed = seed)
  # adoption from 2009 on, so that relative periods -7 ... 8 are all observed
  d$y <- d$y - 0.5 * d$D
  d$first <- d$first + 5
  d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
  d$y <- d$y + 0.8 * d$D
  fit <- smartdid(formula, data = d, id = "unit", time = "year", treat = "D")
  event_study(fit, leads = 7, lags = 8)
}

test_that("the text table is labelled by relative period -7 ... 8", {
  es <- es_for_table()
  tb <- es_table(es)
  expect_s3_class(tb, "smartdid_es_table")
  lab <- sub(" .*", "", tb)
  expect_true(all(as.character(-6:8) %in% lab))
  # the first period pools all earlier ones (bin = TRUE): labelled as a bin
  le <- smartdid:::sym("le")
  expect_true(any(startsWith(tb, paste(le, "-7 "))))
  e <- es$estimates
  row0 <- tb[lab == "0"]
  expect_match(row0, formatC(e$estimate[e$rel_time == 0], format = "f", digits = 4),
               fixed = TRUE)
  i <- which(lab == "0")
  expect_match(tb[i + 1], sprintf("(%.2f)", e$statistic[e$rel_time == 0]), fixed = TRUE)
  expect_match(tb[lab == "-1"], "ref.", fixed = TRUE)
  expect_true(any(grepl("^Obs +1,080$", tb)))
  # the overall effect: estimate, then its t value in parentheses as the note says
  o <- es$overall
  i <- which(startsWith(tb, "Overall effect"))
  expect_match(tb[i], formatC(o$estimate, format = "f", digits = 4), fixed = TRUE)
  expect_match(tb[i + 1L], sprintf("(%.2f)", o$statistic), fixed = TRUE)
  expect_true(any(grepl("^t values in parentheses", tb)))
  expect_true(any(grepl("^Controls +YES$", tb)))
  expect_output(print(tb), "Rel. period")
  expect_snapshot(print(tb))
})

test_that("several event studies sit side by side; options work", {
  es <- es_for_table()
  es0 <- es_for_table(y ~ 1)
  tb <- es_table(`With controls` = es, `No controls` = es0, stat = "se", ref = "omit",
                 row_label = function(k) paste0("Admico", ifelse(k < 0, "_", ""), abs(k)))
  expect_true(any(grepl("With controls +No controls", tb)))
  expect_true(any(grepl("^Admico_7 ", tb)))
  expect_false(any(grepl("^Admico_1 ", tb)))
  expect_true(any(grepl("^Controls +YES +NO$", tb)))
  se8 <- es0$estimates$std.error[es0$estimates$rel_time == 8]
  expect_true(any(grepl(sprintf("(%.4f)", se8), tb, fixed = TRUE)))
  md <- es_table(es, format = "markdown")
  expect_equal(md[2], "|:---|:---:|")
  expect_true(any(grepl("^\\| 8 \\| ", md)))
  tex <- es_table(es, format = "latex", stars = FALSE)
  expect_true("\\begin{tabular}{lc}" %in% tex)
  expect_equal(tex[2], "\\begin{table}[htbp]")
  expect_equal(tail(tex, 1), "\\end{table}")
  expect_false(any(grepl("$^{", tex, fixed = TRUE)))
  expect_true(any(grepl("$^{***}$", es_table(es, format = "latex"), fixed = TRUE)))
  f <- tempfile(fileext = ".tex")
  res <- es_table(es, format = "latex", file = f)
  expect_equal(readLines(f), as.character(unclass(res)))
  expect_error(es_table(1), "needs one or more event studies")
  expect_error(es_table(es, row_label = function(k) "a"), "one label per relative period")
})

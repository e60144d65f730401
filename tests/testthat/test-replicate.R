items <- c("table1_event_study", "figure_event_study", "table2_balance",
           "figure_psm_density", "table3_baseline", "figure1_placebo",
           "table4_alternatives", "table5_samples", "table6_mechanism",
           "table7_heterogeneity", "table8_heterogeneity", "table9_heterogeneity")

test_that("replicate_study() writes every table in three formats and every figure", {
  res <- rep_result()
  f <- res$files
  expect_identical(unique(f$item), c(items, "comparison", "index"))
  tabs <- grep("^table", items, value = TRUE)
  for (it in tabs) expect_setequal(f$format[f$item == it], c("txt", "tex", "md"))
  figs <- grep("^figure", items, value = TRUE)
  fig_ext <- if (capabilities("png")) "png" else "pdf"
  for (it in figs) expect_identical(f$format[f$item == it], fig_ext)
  expect_setequal(f$format[f$item == "comparison"], c("csv", "md"))
  expect_identical(nrow(f), 3L * length(tabs) + length(figs) + 2L + 1L)
  expect_true(all(file.exists(f$path)))
  expect_true(all(file.size(f$path) > 100))
  expect_identical(basename(f$path), paste0(f$item, ".", f$format))
  if (fig_ext == "png") {
    sig <- readBin(f$path[f$item == "figure1_placebo"], "raw", 8)
    expect_identical(sig[2:4], charToRaw("PNG"))
  }
})

test_that("the index lists the tables and figures in the article's order", {
  res <- rep_result()
  idx <- readLines(res$index)
  expect_identical(res$index, res$files$path[res$files$item == "index"])
  toc <- grep("^\\| (Table|Figure)", idx, value = TRUE)
  expect_length(toc, length(items))
  links <- regmatches(toc, gregexpr("\\]\\([^)]+\\)", toc))
  links <- lapply(links, function(l) gsub("^\\]\\(|\\)$", "", l))
  expect_identical(tools::file_path_sans_ext(vapply(links, `[`, "", 1)), items)
  heads <- grep("^## (Table|Figure)", idx, value = TRUE)
  expect_identical(sub("^## ", "", heads), sub("^\\| (.*?) \\|.*$", "\\1", toc))
  expect_match(heads, "^## (Table [1-9]|Figure)")
  tab_heads <- grep("^## Table", heads, value = TRUE)
  expect_identical(as.integer(sub("^## Table ([1-9]).*$", "\\1", tab_heads)), 1:9)
  # every linked file exists; the Markdown tables and the images are shown
  expect_true(all(file.exists(file.path(dirname(res$index), unlist(links)))))
  expect_true(any(grepl("Smart\\\\_Policy", idx)))
  if (capabilities("png")) expect_true(any(idx == "![Figure 1. Placebo test (20 random pseudo-treatments)](figure1_placebo.png)"))
  expect_true(any(grepl("These data are simulated", idx, fixed = TRUE)))
})

test_that("the returned baseline equals a direct smartdid() call", {
  res <- rep_result()
  fit <- smartdid(Carbon ~ Wage + Pinf + Fiscal + Infra + Fdi + Sic + Green,
                  data = smartcity, id = "city", time = "year", treat = "Smart_Policy")
  expect_equal(coef(res$baseline), coef(fit), tolerance = 1e-12)
  expect_equal(vcov(res$baseline), vcov(fit), tolerance = 1e-12)
  fit0 <- smartdid(Carbon ~ 1, data = smartcity, id = "city", time = "year",
                   treat = "Smart_Policy")
  expect_equal(coef(res$results$baseline$no_controls), coef(fit0), tolerance = 1e-12)
  expect_identical(names(res$results),
                   c("baseline", paste0("table", 1:3), "figure1", paste0("table", 4:9),
                     "comparison"))
  expect_named(res$seconds)
  expect_length(res$seconds, 12L)
})

test_that("the placebo test uses the baseline fit, the draws and the seed", {
  res <- rep_result()
  pl <- res$results$figure1
  expect_identical(nrow(pl$draws), 20L)
  expect_equal(pl$observed, unname(coef(res$baseline)["Smart_Policy"]), tolerance = 1e-12)
  again <- placebo(res$baseline, draws = 20, seed = 7)
  expect_equal(again$draws$estimate, pl$draws$estimate, tolerance = 1e-12)
  idx <- readLines(res$index)
  expect_true(any(grepl(paste0("Observed estimate ", formatC(pl$observed, format = "f",
                                                             digits = 4)), idx, fixed = TRUE)))
})

test_that("replicate_study() runs on another panel with optional roles left out", {
  d <- sim_panel(n_units = 40, n_periods = 10, seed = 3)
  d$y2 <- d$y + rnorm(nrow(d))
  out <- file.path(tempdir(), "replication-generic")
  unlink(out, recursive = TRUE)
  msgs <- capture_messages(
    res <- replicate_study(d, out = out, draws = 5, seed = 1, outcome = "y", treat = NULL,
                           cohort = "first", controls = "x1", id = "unit", time = "year",
                           pilot = NULL, alt_outcome = "y2", policies = NULL,
                           central = NULL, moderator = "x2", splits7 = NULL,
                           regions = "region", south = NULL, splits9 = "x1", tier = NULL,
                           window = c(-2, 3), formats = c("md", "tex")))
  expect_match(msgs[1], "^Replicating the study on d: 400 rows, 40 units \\(unit\\)")
  steps <- grep("^\\[", msgs, value = TRUE)
  expect_identical(substr(steps, 1, 7), sprintf("[%2d/11]", 1:11))
  expect_match(steps[9], "Table 7", fixed = TRUE)
  expect_true(any(grepl("skipped (no moderator or splits7)", msgs, fixed = TRUE)))
  expect_match(msgs[length(msgs)], "^Done in .*: 20 files in ")
  expect_identical(unique(res$files$item),
                   c(setdiff(items, "table7_heterogeneity"), "index"))
  expect_setequal(res$files$format[res$files$item == "table3_baseline"], c("md", "tex"))
  expect_length(res$results$table7, 0L)
  # the ever-treated group is derived from the cohort column
  expect_identical(sum(res$results$table2$psm$units$treat), 20L * 10L)
  t1 <- rep_lines(res, "table1_event_study", "md")
  expect_identical(sum(grepl("^\\| -?[0-9] \\|", t1)), 6L)  # -2 .. 3
  # the omitted base pools every period up to -3: a bin
  expect_true(any(grepl(paste("Reference period:", smartdid:::sym("le"), "-3"), t1,
                        fixed = TRUE)))
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", cohort = "first")
  expect_equal(coef(res$baseline), coef(fit), tolerance = 1e-12)
  t4 <- rep_lines(res, "table4_alternatives", "md")
  expect_match(t4[3], "(1) y2 | (2) Lagged outcome", fixed = TRUE)
  expect_false(any(grepl("Peripheral", rep_lines(res, "table5_samples", "md"))))
  t8 <- rep_lines(res, "table8_heterogeneity", "md")
  expect_match(t8[3], "|  | (1) Region: a | (2) Region: b | (3) Region: c |", fixed = TRUE)
})

test_that("arguments of smartdid() in '...' reach every model", {
  d <- sim_panel(n_units = 30, n_periods = 8, seed = 5)
  d$pilot <- as.numeric(!is.na(d$first))
  out <- file.path(tempdir(), "replication-hc1")
  res <- replicate_study(d, out = out, draws = 3, outcome = "y", treat = "D",
                         controls = c("x1", "x2"), id = "unit", time = "year",
                         cohort = NULL, pilot = "pilot", alt_outcome = NULL, policies = NULL,
                         central = NULL, moderator = NULL, splits7 = NULL, regions = NULL,
                         south = NULL, splits9 = NULL, tier = NULL, formats = "txt",
                         quiet = TRUE, vcov = "hc1")
  expect_identical(res$baseline$vcov_info$type, "hc1")
  expect_identical(res$results$table3$psm_did_controls$vcov_info$type, "hc1")
  expect_identical(res$results$table5[["Earlier by 2"]]$vcov_info$type, "hc1")
  expect_false(any(grepl("table[6-9]", res$files$item)))
})

test_that("figures fall back to PDF and tables honour 'formats'", {
  st <- rep_state(tempdir(), c(md = "markdown"), quiet = TRUE, roles = list())
  p <- rep_write_figure(st, "fig_test", "A figure", function() plot(1:3), png_ok = FALSE)
  expect_identical(basename(p), "fig_test.pdf")
  expect_identical(readChar(p, 4, useBytes = TRUE), "%PDF")
  q <- rep_write_table(st, "tab_test", "A table", function(fmt) c(fmt, "x"))
  expect_identical(readLines(q), c("markdown", "x"))
  expect_identical(st$files$format, c("pdf", "md"))
  expect_identical(st$items$tab_test$show, c("markdown", "x"))
})

test_that("replicate_study() checks its arguments", {
  out <- file.path(tempdir(), "replication-errors")
  expect_snapshot(error = TRUE, {
    replicate_study(out = out, outcome = "CO2")
    replicate_study(out = out, alt_outcome = "CEI2")
    replicate_study(out = out, treat = NULL, cohort = NULL)
    replicate_study(out = out, controls = character())
    replicate_study(out = out, formats = "html")
    replicate_study(out = out, window = c(1, 8))
    replicate_study(out = out, draws = 0)
    replicate_study(out = out, seed = "a")
    replicate_study(out = NA_character_)
    replicate_study(data = list(a = 1), out = out)
  })
})

test_that("on the shipped panel the run is scored against the article", {
  res <- rep_result()
  cmp <- res$results$comparison
  expect_s3_class(cmp, "smartdid_comparison")
  expect_identical(cmp$agrees, compare_published(res)$agrees)
  csv <- utils::read.csv(res$files$path[res$files$item == "comparison" &
                                          res$files$format == "csv"])
  expect_identical(nrow(csv), 67L)
  expect_equal(csv$sim_t, cmp$sim_t, tolerance = 1e-12)
  idx <- readLines(res$index)
  expect_true(any(idx == "## Comparison with the published tables"))
  s <- attr(cmp, "score")
  expect_true(any(startsWith(idx, paste0("Score: ", s$agree[nrow(s)], " of 67 "))))
})

test_that("the index links to the installed replication vignette", {
  html <- system.file("doc", "smartcity-replication.html", package = "smartdid")
  skip_if(!nzchar(html), "the vignettes were not built in this installation")
  idx <- readLines(rep_result()$index)
  link <- grep("smartcity-replication.html", idx, fixed = TRUE, value = TRUE)
  expect_length(link, 1L)
  target <- sub("^.*\\(file://([^)]*)\\).*$", "\\1", link)
  expect_true(file.exists(utils::URLdecode(target)))
})

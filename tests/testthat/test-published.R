test_that("published_results() returns the article's numbers", {
  all <- published_results()
  expect_identical(names(all), c("table", "column", "label", "term", "estimate", "t",
                                 "stars", "controls", "nobs", "adj_r2", "rel_time"))
  expect_identical(unique(all$table), paste0("T", c(1, 3:9)))
  expect_identical(nrow(all), 106L)
  t3 <- published_results(3)
  expect_identical(t3, published_results("T3"))
  expect_identical(t3, published_results("t3"))
  b <- t3[t3$term == "Smart_Policy", ]
  expect_identical(b$estimate, c(-0.2273, -0.2283, -0.1984, -0.2003))
  expect_identical(b$nobs, c(3978L, 3978L, 2506L, 2506L))
  expect_identical(b$stars, rep("***", 4))
  t1 <- published_results(1)
  expect_identical(t1$rel_time, as.numeric(-7:8))
  expect_identical(t1$term[t1$rel_time == -7], "Admico_7")
  expect_identical(t1$estimate[t1$rel_time == 8], -0.3671)
  expect_true(all(is.na(all$rel_time[all$table != "T1"])))
  expect_identical(published_results(5)$stars[published_results(5)$column == 4], c("", "***"))
  # the shipped files are the study's files
  expect_identical(nrow(utils::read.csv(system.file("extdata", "published_tables.csv",
                                                    package = "smartdid"))), 106L)
})

test_that("published_results(2) is the balance table", {
  b <- published_results(2)
  expect_identical(names(b), c("variable", "sample", "treated_mean", "control_mean",
                               "std_bias_pct", "t", "p"))
  expect_identical(b$variable[c(1, 3, 13)], c("Econo", "Pinf", "Green"))
  expect_identical(b$sample[1:2], c("unmatched", "matched"))
  expect_identical(b$std_bias_pct[b$variable == "Fiscal"], c(43.2, -0.4))
})

test_that("published_results() checks 'table'", {
  expect_snapshot(error = TRUE, {
    published_results(10)
    published_results(c(1, 3))
    published_results("Table 3")
  })
})

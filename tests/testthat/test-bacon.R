bacon_panel <- function(seed = 3, always = FALSE, never = TRUE) {
  d <- sim_panel(60, 12, seed = seed)
  if (!never) d <- d[!is.na(d$first), ]
  d$y <- d$y + ifelse(d$D == 1, (d$year - d$first) * 0.3, 0)
  if (always) d$D[d$unit %in% c(1, 5, 9)] <- 1
  d
}

check_bacon <- function(d) {
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  b <- bacon(fit)
  cmp <- tidy(b)
  expect_lt(abs(sum(cmp$weight) - 1), 1e-8)
  expect_lt(rel_err(sum(cmp$weight * cmp$estimate), unname(coef(fit)["D"])), 1e-8)
  # every 2x2 estimate is the TWFE coefficient on its subsample (lm)
  first <- tapply(ifelse(d$D == 1, d$year, Inf), d$unit, min)
  g <- first[as.character(d$unit)]
  for (r in seq_len(nrow(cmp))) {
    tr <- cmp$treated[r]; co <- cmp$control[r]
    s <- d[g %in% c(tr, co), ]
    if (cmp$type[r] == "Earlier vs Later Treated") s <- s[s$year < co, ]
    if (cmp$type[r] == "Later vs Earlier Treated") s <- s[s$year >= co, ]
    s$Dt <- as.numeric(first[as.character(s$unit)] == tr & s$year >= tr)
    m <- lm(y ~ Dt + factor(unit) + factor(year), data = s)
    expect_lt(abs(coef(m)[["Dt"]] - cmp$estimate[r]), 1e-8)
  }
  invisible(b)
}

test_that("weights sum to one and the weighted 2x2 estimates equal TWFE", {
  b <- check_bacon(bacon_panel())
  expect_setequal(unique(tidy(b)$type), c("Treated vs Never Treated",
                                         "Earlier vs Later Treated",
                                         "Later vs Earlier Treated"))
  b <- check_bacon(bacon_panel(seed = 5, always = TRUE))
  expect_true("Later vs Always Treated" %in% tidy(b)$type)
  b <- check_bacon(bacon_panel(seed = 7, never = FALSE))
  expect_false("Treated vs Never Treated" %in% tidy(b)$type)
})

test_that("the cohort column gives the same decomposition as the treat column", {
  d <- bacon_panel()
  b1 <- bacon(smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D"))
  b2 <- bacon(smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first"))
  expect_equal(tidy(b1), tidy(b2), tolerance = 1e-12)
})

test_that("bacon() equals bacondecomp::bacon", {
  skip_if_not_installed("bacondecomp")
  for (d in list(bacon_panel(), bacon_panel(seed = 5, always = TRUE))) {
    fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
    ours <- tidy(bacon(fit))
    ref <- bacondecomp::bacon(y ~ D, data = d, id_var = "unit", time_var = "year",
                              quietly = TRUE)
    ref$untreated[ref$untreated == 99999] <- Inf
    ref <- ref[ref$weight > 0, ]
    key_o <- paste(ours$treated, ours$control)
    key_r <- paste(ref$treated, ref$untreated)
    expect_setequal(key_o, key_r)
    i <- match(key_o, key_r)
    expect_lt(max(abs(ours$estimate - ref$estimate[i])), 1e-8)
    expect_lt(max(abs(ours$weight - ref$weight[i])), 1e-8)
    ref_type <- sub("Treated vs Untreated", "Treated vs Never Treated", ref$type[i])
    expect_identical(ours$type, ref_type)
  }
})

test_that("bacon() refuses what it cannot decompose exactly", {
  d <- bacon_panel()
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  expect_error(bacon(fit), "without controls; refit with update\\(fit, . ~ 1\\)")
  fit <- smartdid(y ~ 1, data = d[-5, ], id = "unit", time = "year", treat = "D")
  expect_error(bacon(fit), "balanced panel")
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D",
                  weights = "w")
  expect_error(bacon(fit), "unweighted fits only")
  expect_error(bacon(lm(y ~ D, d)), "must be a fit returned by smartdid")
})

test_that("print() shows the types, plot() returns the comparisons", {
  d <- bacon_panel()
  b <- bacon(smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D"))
  out <- capture.output(print(b))
  expect_true(any(grepl("Later vs Earlier Treated", out)))
  expect_true(any(grepl(sprintf("%.4f", b$estimate), out, fixed = TRUE)))
  expect_equal(sum(b$by_type$weight), 1, tolerance = 1e-10)
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  expect_identical(plot(b), tidy(b))
})

test_that("tidy, glance, confint and coef agree", {
  d <- sim_panel()
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  td <- tidy(fit)
  expect_named(td, c("term", "estimate", "std.error", "statistic", "p.value",
                     "conf.low", "conf.high"))
  se <- sqrt(diag(vcov(fit)))
  expect_equal(td$std.error, unname(se))
  q <- qt(0.975, 39)
  expect_equal(td$conf.low, unname(coef(fit) - q * se))
  expect_equal(unname(confint(fit)[, 2]), td$conf.high)
  expect_equal(td$p.value, unname(2 * pt(-abs(coef(fit) / se), 39)))
  gl <- glance(fit)
  expect_equal(gl$nobs, 400)
  expect_equal(gl$n_clusters, 40)
  expect_equal(nrow(confint(fit, "D", level = 0.9)), 1)
  expect_equal(fitted(fit) + residuals(fit), d$y)
})

test_that("R2 measures equal lm()'s", {
  d <- sim_panel(seed = 21)
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  l <- summary(lm(y ~ D + x1 + x2 + factor(unit) + factor(year), d))
  expect_lt(rel_err(fit$r.squared, l$r.squared), 1e-10)
  expect_lt(rel_err(fit$adj.r.squared, l$adj.r.squared), 1e-10)
})

test_that("print, summary and plot show the fit", {
  d <- sim_panel()
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  expect_snapshot(print(fit))
  expect_output(print(summary(fit)), "Confidence intervals")
  pdf(NULL)
  on.exit(dev.off())
  pd <- plot(fit)
  expect_equal(pd$term, c("D", "x1", "x2"))
})

# predict(): in sample and for new rows of known units and periods, against
# lm() with explicit dummies and fixest where installed.
unbalanced_panel <- function(seed) {
  p <- sim_panel(40, 9, seed = seed)
  set.seed(seed)
  p[-sample(nrow(p), 40), ]
}

test_that("predict() in sample equals lm() with dummies, fixed effects included", {
  p <- unbalanced_panel(61)
  fit <- smartdid(y ~ x1 + x2, data = p, id = "unit", time = "year", treat = "D")
  ref <- lm(y ~ D + x1 + x2 + factor(unit) + factor(year), data = p)
  expect_lt(rel_err(predict(fit), unname(fitted(ref))), 1e-10)
  expect_identical(predict(fit), fitted(fit))
  # newdata = the data itself: the fixed effects recovered from the fit
  expect_lt(rel_err(predict(fit, newdata = p), unname(fitted(ref))), 1e-10)
  # a counterfactual: treated rows without the policy, other x
  cf <- p[p$D == 1, ]
  cf$D <- 0
  cf$x1 <- cf$x1 + 1
  expect_lt(rel_err(predict(fit, newdata = cf), unname(predict(ref, newdata = cf))), 1e-10)
  # weights, a third (interacted) fixed effect, a factor control, a cohort fit
  p$grp <- p$unit %% 4
  p$f <- c("a", "b", "c")[p$year %% 3 + 1]
  cf <- p[p$D == 1, ]
  cf$D <- 0
  fw <- smartdid(y ~ x1 + f, data = p, id = "unit", time = "year", treat = "D",
                 weights = "w", fe = "grp^year")
  rw <- lm(y ~ D + x1 + f + factor(unit) + factor(year) + factor(paste(grp, year)),
           data = p, weights = w)
  expect_lt(rel_err(predict(fw, newdata = cf),
                    unname(suppressWarnings(predict(rw, newdata = cf)))), 1e-9)
  fc <- smartdid(y ~ x1, data = p, id = "unit", time = "year", cohort = "first")
  rc <- lm(y ~ D + x1 + factor(unit) + factor(year), data = p)
  expect_lt(rel_err(predict(fc, newdata = p[1:50, ]), unname(fitted(rc))[1:50]), 1e-10)
})

test_that("predict() equals fixest's predict() where installed", {
  skip_if_not_installed("fixest")
  p <- unbalanced_panel(62)
  fit <- smartdid(y ~ x1, data = p, id = "unit", time = "year", treat = "D")
  ff <- fixest::feols(y ~ D + x1 | unit + year, data = p)
  expect_lt(rel_err(predict(fit), unname(predict(ff))), 1e-10)
  nd <- p[seq(1, nrow(p), 7), ]
  nd$x1 <- nd$x1 * 2
  expect_lt(rel_err(predict(fit, newdata = nd), unname(predict(ff, newdata = nd))), 1e-10)
})

test_that("predict() gives NA, with a message, for unknown levels and missing values", {
  p <- sim_panel(20, 6, seed = 63)
  fit <- smartdid(y ~ x1, data = p, id = "unit", time = "year", treat = "D")
  nd <- p[1:4, ]
  nd$unit[2] <- 999
  nd$year[3] <- 1900
  expect_message(pr <- predict(fit, newdata = nd), "2 row\\(s\\).*not in the estimation sample")
  expect_identical(is.na(pr), c(FALSE, TRUE, TRUE, FALSE))
  expect_equal(pr[c(1, 4)], unname(predict(fit)[c(1, 4)]), tolerance = 1e-10)
  nd <- p[1:3, ]
  nd$x1[1] <- NA
  expect_message(pr <- predict(fit, newdata = nd), "1 row\\(s\\).*missing values")
  expect_true(is.na(pr[1]))
  expect_error(predict(fit, newdata = p[, c("unit", "year", "D")]), "'x1' not found")
  expect_error(predict(fit, newdata = 1), "'newdata' must be a data frame")
  expect_error(predict(fit, nd, type = "x"), "unknown argument")
})

# Few clusters: a warning below 10, a note in print() below 30.
test_that("few clusters warn and print() names the wild cluster bootstrap", {
  p <- sim_panel(40, 6, seed = 64)
  p$prov2 <- p$unit %% 2
  expect_warning(fit2 <- smartdid(y ~ x1, data = p, id = "unit", time = "year",
                                  treat = "D", cluster = "prov2"),
                 "only 2 clusters \\('prov2'\\).*boottest\\(fit, param = \"D\"\\)")
  out <- capture.output(print(fit2))
  expect_true(any(grepl("Note: 2 clusters", out)))
  expect_true(any(grepl("boottest()", out, fixed = TRUE)))
  # two-way clustering: the smaller dimension counts
  p$prov9 <- p$unit %% 9
  expect_warning(smartdid(y ~ x1, data = p, id = "unit", time = "year", treat = "D",
                          cluster = c("unit", "prov9")), "only 9 clusters \\('prov9'\\)")
  # 10 to 29 clusters: no warning, a note
  p$prov20 <- p$unit %% 20
  expect_silent(f20 <- smartdid(y ~ x1, data = p, id = "unit", time = "year",
                                treat = "D", cluster = "prov20"))
  expect_true(any(grepl("Note: 20 clusters", capture.output(print(f20)))))
  # 40 clusters, or no clustering: neither
  f40 <- smartdid(y ~ x1, data = p, id = "unit", time = "year", treat = "D")
  expect_false(any(grepl("Note:", capture.output(print(f40)))))
  p$prov2 <- NULL
  expect_silent(smartdid(y ~ x1, data = p[p$unit <= 5 | p$unit > 35, ], id = "unit",
                         time = "year", treat = "D", vcov = "hc1"))
})

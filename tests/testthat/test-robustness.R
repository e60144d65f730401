# Robustness helpers against hand computations with quantile() and a lag
# built by looking each row's unit and previous period up one by one.

test_that("winsorize() clamps at quantile() bounds and counts the changes", {
  d <- sim_panel(30, 8, seed = 41)
  d$x1[c(3, 9)] <- NA
  expect_message(w <- winsorize(d, c("y", "x1"), probs = c(0.05, 0.95)),
                 "winsorized 2 variable\\(s\\) at 5%/95%")
  for (v in c("y", "x1")) {
    q <- quantile(d[[v]], c(0.05, 0.95), na.rm = TRUE, names = FALSE)
    expect_identical(w[[v]], pmin(pmax(d[[v]], q[1]), q[2]))
    r <- attr(w, "robustness")[attr(w, "robustness")$variable == v, ]
    expect_equal(c(r$lower, r$upper), q)
    expect_equal(r$n_low, sum(d[[v]] < q[1], na.rm = TRUE))
    expect_equal(r$n_high, sum(d[[v]] > q[2], na.rm = TRUE))
  }
  expect_true(all(is.na(w$x1[c(3, 9)])))
  expect_identical(w$x2, d$x2)
  expect_equal(attr(w, "values_changed"), sum(attr(w, "robustness")[, c("n_low", "n_high")]))
})

test_that("winsorize() by group uses each group's quantiles", {
  d <- sim_panel(30, 5, seed = 42)
  w <- winsorize(d, "y", probs = c(0.1, 0.9), by = "year", quiet = TRUE)
  for (yr in unique(d$year)) {
    s <- d$year == yr
    q <- quantile(d$y[s], c(0.1, 0.9), names = FALSE)
    expect_identical(w$y[s], pmin(pmax(d$y[s], q[1]), q[2]))
  }
  expect_equal(nrow(attr(w, "robustness")), 5L)
})

test_that("trim() drops rows outside any variable's bounds", {
  d <- sim_panel(30, 8, seed = 43)
  expect_message(tr <- trim(d, c("y", "x1", "x2"), probs = c(0.02, 0.98)), "row\\(s\\) dropped")
  out <- rep(FALSE, nrow(d))
  for (v in c("y", "x1", "x2")) {
    q <- quantile(d[[v]], c(0.02, 0.98), names = FALSE)
    out <- out | d[[v]] < q[1] | d[[v]] > q[2]
  }
  expect_identical(tr, structure(d[!out, ], robustness = attr(tr, "robustness"),
                                 rows_dropped = sum(out)))
  expect_equal(attr(tr, "rows_dropped"), sum(out))
})

test_that("winsorize() and trim() on a fit re-estimate on the treated data", {
  d <- sim_panel(30, 8, seed = 44)
  fit <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  wf <- winsorize(fit, quiet = TRUE)
  expect_s3_class(wf, "smartdid")
  expect_identical(attr(wf, "robustness")$variable, c("y", "x1", "x2"))   # D is a dummy
  ref <- smartdid(y ~ x1 + x2, data = winsorize(d, c("y", "x1", "x2"), quiet = TRUE),
                  id = "unit", time = "year", treat = "D")
  expect_equal(coef(wf), coef(ref))
  tf <- trim(fit, vars = "y", quiet = TRUE)
  expect_equal(nobs(tf), nrow(d) - attr(tf, "rows_dropped") -
                 sum(tf$dropped$rows))
  # a logical subset follows the dropped rows
  fs <- update(fit, subset = d$year > 2001)
  ts <- trim(fs, vars = "y", quiet = TRUE)
  keep <- d$y >= quantile(d$y, 0.01) & d$y <= quantile(d$y, 0.99)
  ref <- smartdid(y ~ x1 + x2, data = d[keep & d$year > 2001, ], id = "unit",
                  time = "year", treat = "D")
  expect_equal(coef(ts), coef(ref))
})

test_that("winsorize() keeps data.tables valid", {
  skip_if_not_installed("data.table")
  d <- data.table::as.data.table(sim_panel(20, 5, seed = 45))
  w <- winsorize(d, "y", quiet = TRUE)
  expect_true(data.table::is.data.table(w))
  expect_equal(nrow(w), nrow(d))
})

test_that("robustness helpers explain bad arguments", {
  d <- sim_panel(10, 4, seed = 46)
  expect_snapshot(winsorize(d, "region"), error = TRUE)
  expect_snapshot(winsorize(d, "y", probs = c(0.9, 0.1)), error = TRUE)
  expect_snapshot(trim(d, character()), error = TRUE)
  expect_snapshot(panel_lag(d, "y", "unit", "year", k = 0), error = TRUE)
  expect_snapshot(panel_lag(rbind(d, d[1, ]), "y", "unit", "year"), error = TRUE)
})

# For each row, the value of `var` in the row of the same unit k periods
# earlier, found by a loop.
lag_by_hand <- function(d, var, k) {
  vapply(seq_len(nrow(d)), function(i) {
    j <- which(d$unit == d$unit[i] & d$year == d$year[i] - k)
    if (length(j)) d[[var]][j] else NA_real_
  }, 1)
}

test_that("panel_lag() matches on unit and period, not row order, and gaps give NA", {
  d <- sim_panel(15, 8, seed = 47)
  set.seed(47)
  d <- d[sample(nrow(d)), ]                  # shuffled
  d <- d[-sample(nrow(d), 25), ]             # gaps
  out <- panel_lag(d, c("y", "x1"), id = "unit", time = "year", k = c(1, 2, -1))
  expect_identical(names(out)[-seq_along(d)],
                   c("L.y", "L.x1", "L2.y", "L2.x1", "F.y", "F.x1"))
  expect_identical(out$L.y, lag_by_hand(d, "y", 1))
  expect_identical(out$L2.x1, lag_by_hand(d, "x1", 2))
  expect_identical(out$F.y, lag_by_hand(d, "y", -1))
  expect_true(anyNA(out$L.y))
  named <- panel_lag(d, "y", "unit", "year", name = "ylag")
  expect_identical(named$ylag, out$L.y)
})

test_that("a lagged-outcome model runs on the lagged column", {
  d <- sim_panel(30, 8, seed = 48)
  d <- panel_lag(d, "y", "unit", "year")
  fit <- smartdid(y ~ L.y + x1, data = d, id = "unit", time = "year", treat = "D")
  expect_equal(nobs(fit), sum(!is.na(d$L.y)))
  l <- lm(y ~ D + L.y + x1 + factor(unit) + factor(year), data = d)
  expect_lt(rel_err(coef(fit), unname(coef(l)[c("D", "L.y", "x1")])), 1e-8)
})

test_that("add_controls() adds variables one at a time or together", {
  d <- sim_panel(30, 8, seed = 49)
  d$P1 <- as.numeric(d$unit %% 4 == 0 & d$year >= 2004)
  d$P2 <- as.numeric(d$unit %% 5 == 0 & d$year >= 2006)
  fit <- smartdid(y ~ x1, data = d, id = "unit", time = "year", treat = "D")
  one <- add_controls(fit, c("P1", "P2"))
  expect_named(one, c("P1", "P2"))
  expect_equal(coef(one$P2), coef(smartdid(y ~ x1 + P2, data = d, id = "unit",
                                           time = "year", treat = "D")))
  both <- add_controls(fit, c("P1", "P2"), one_at_a_time = FALSE)
  expect_identical(names(coef(both)), c("D", "x1", "P1", "P2"))
  expect_snapshot(add_controls(fit, "nope"), error = TRUE)
})

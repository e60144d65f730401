# Tests R/cs_cells.R: att_gt()'s group-time cells, base periods and comparison cohorts.

cells_pan <- function() {
  # units' cohorts: 2003, 2005, never (Inf), and 2008 (after the last period)
  list(periods = 2001:2006, cohort = c(2003, 2003, 2005, Inf, Inf, 2008))
}

# the rules written out cell by cell: base g - 1 - anticipation after (and,
# universal, before) adoption; the previous period before adoption (varying)
hand_cells <- function(periods, groups, base_period, ant) {
  out <- NULL
  for (g in groups) {
    gb <- max(which(periods + ant < g))
    for (ti in seq_along(periods)) {
      if (base_period == "varying" && ti == 1L) next
      bi <- if (base_period == "universal" || periods[ti] >= g) gb else ti - 1L
      out <- rbind(out, data.frame(group = g, time = periods[ti], base = periods[bi],
                                   ti = ti, bi = bi))
    }
  }
  out$group <- as.numeric(out$group); out$time <- as.numeric(out$time)
  out$base <- as.numeric(out$base)
  out$ti <- as.integer(out$ti); out$bi <- as.integer(out$bi)
  out
}

test_that("cs_cells(): every group with every period, base periods by the rules", {
  pan <- cells_pan()
  for (bp in c("varying", "universal")) for (ant in 0:1) {
    got <- smartdid:::cs_cells(pan, "never", bp, ant)
    # the cohort adopting after the last period has no cell
    expect_identical(unique(got$group), c(2003, 2005))
    expect_equal(got, hand_cells(pan$periods, c(2003, 2005), bp, ant))
  }
  v <- smartdid:::cs_cells(pan, "never", "varying", 0)
  expect_identical(v$base[v$group == 2003], c(2001, 2002, 2002, 2002, 2002))
  u <- smartdid:::cs_cells(pan, "never", "universal", 1)
  expect_true(all(u$base[u$group == 2003] == 2001))
  expect_identical(nrow(u), 12L)
})

test_that("cs_ctrl() equals cs_select() cell by cell; never- and not-yet-treated", {
  pan <- cells_pan()
  lev <- sort(unique(pan$cohort))
  for (control in c("never", "notyet")) for (ant in 0:1) {
    cells <- smartdid:::cs_cells(pan, control, "varying", ant)
    ctrl <- smartdid:::cs_ctrl(lev, cells, control, ant)
    expect_identical(dim(ctrl), c(length(lev), nrow(cells)))
    for (k in seq_len(nrow(cells))) {
      sel <- smartdid:::cs_select(pan, cells[k, ], control, ant)
      expect_identical(sel$treated, pan$cohort == cells$group[k])
      expect_identical(sel$control, ctrl[match(pan$cohort, lev), k])
    }
  }
  cells <- smartdid:::cs_cells(pan, "notyet", "varying", 0)
  at <- function(g, t) which(cells$group == g & cells$time == t)
  sel <- function(g, t, ant = 0) {
    smartdid:::cs_select(pan, cells[at(g, t), ], "notyet", ant)$control
  }
  # 2003 in 2003: never-treated, the 2005 cohort and the 2008 cohort
  expect_identical(sel(2003, 2003), c(FALSE, FALSE, TRUE, TRUE, TRUE, TRUE))
  # 2003 in 2005: the 2005 cohort is treated by then
  expect_identical(sel(2003, 2005), c(FALSE, FALSE, FALSE, TRUE, TRUE, TRUE))
  # anticipation of one period: the 2005 cohort leaves a period earlier
  expect_identical(sel(2003, 2004, ant = 1), c(FALSE, FALSE, FALSE, TRUE, TRUE, TRUE))
  expect_identical(smartdid:::cs_select(pan, cells[at(2003, 2005), ], "never", 0)$control,
                   is.infinite(pan$cohort))
})

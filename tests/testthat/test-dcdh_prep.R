# dcdh_layout() and dcdh_timing() (R/dcdh_prep.R): the units-by-periods
# layout and each unit's timing, on hand-made panels whose baselines, first
# switches, T_g, directions and set-aside cells are worked out by hand.

# A matrix of treatments (units by periods, NA: no row) as the rows of a fit.
prep_rows <- function(D, Y = NULL) {
  G <- nrow(D)
  nT <- ncol(D)
  if (is.null(Y)) Y <- matrix(seq_len(G * nT) / 10, G, nT)
  d <- data.frame(g = rep(seq_len(G), nT), t = rep(seq_len(nT), each = G),
                  y = c(Y), d = c(D))
  d[!is.na(d$d), ]
}

test_that("dcdh_layout() puts each row in its unit-by-period cell", {
  # rows in scrambled order, one cell (unit 2, period 1) missing
  unit <- c(2L, 1L, 3L, 1L, 3L, 2L, 1L, 3L)
  tidx <- c(2L, 1L, 1L, 2L, 2L, 3L, 3L, 3L)
  y <- c(22, 11, 31, 12, 32, 23, 13, 33)
  d <- c(0, 0, 1, 0, 1, 1, 0, 1)
  x <- y * 100
  lay <- smartdid:::dcdh_layout(unit, tidx, 3L, 3L, y, d, X = list(x))
  expect_equal(lay$Y, rbind(c(11, 12, 13), c(NA, 22, 23), c(31, 32, 33)))
  expect_equal(lay$D, rbind(c(0, 0, 0), c(NA, 0, 1), c(1, 1, 1)))
  expect_equal(lay$X[[1]], lay$Y * 100)
  expect_equal(lay$W, rbind(c(1, 1, 1), c(NA, 1, 1), c(1, 1, 1)))
  expect_equal(c(lay$G, lay$nT), c(3L, 3L))
  w <- seq_along(y) / 2
  lw <- smartdid:::dcdh_layout(unit, tidx, 3L, 3L, y, d, w = w)
  expect_equal(lw$W[cbind(unit, tidx)], w)
  expect_length(lw$X, 0L)
})

test_that("timing of a simple panel: baseline, first switch, T_g, L, direction", {
  # the panel of test-dcdh_estimate.R: two never-switchers, one unit
  # switching in at period 2, one at period 3
  D <- rbind(c(0, 0, 0), c(0, 0, 0), c(0, 1, 1), c(0, 0, 1))
  r <- prep_rows(D)
  tm <- smartdid:::dcdh_timing(smartdid:::dcdh_layout(r$g, r$t, 4L, 3L, r$y, r$d))
  expect_equal(tm$dsq, c(0, 0, 0, 0))
  expect_equal(tm$F, c(4L, 4L, 2L, 3L))        # never-switchers: T + 1
  expect_equal(tm$Tmax, 3L)
  expect_equal(tm$Tg, c(3L, 3L, 3L, 3L))
  expect_equal(tm$L, c(0L, 0L, 2L, 1L))
  expect_equal(tm$S, c(NA, NA, 1L, 1L))
  expect_equal(tm$dfg, c(0, 0, 1, 1))
  expect_equal(tm$base, c(0L, 0L, 0L, 0L))
  expect_true(all(tm$keep))
  expect_true(all(tm$pres))
  expect_equal(unname(tm$set_aside), c(0, 0, 0, 0))
})

test_that("timing with several baselines, switchers out and every set-aside rule", {
  D <- rbind(c(0, 0, 0, 0),    # 1 never switches
             c(0, 0, 1, 1),    # 2 in at 3
             c(0, 1, 1, 1),    # 3 in at 2
             c(1, 1, 1, 0),    # 4 out at 4
             c(1, 0, 0, 0),    # 5 out at 2: at 4 every baseline-1 unit has switched
             c(2, 2, 2, 2),    # 6 the only unit of baseline 2: no comparison
             c(0, 1, -1, 0),   # 7 above then below its baseline from period 3
             c(0, NA, 1, 1))   # 8 unobserved just before its first switch
  r <- prep_rows(D)
  lay <- smartdid:::dcdh_layout(r$g, r$t, 8L, 4L, r$y, r$d)
  tm <- smartdid:::dcdh_timing(lay)
  expect_equal(tm$dsq, c(0, 0, 0, 1, 1, 2, 0, 0))
  expect_equal(tm$K, 3L)
  expect_equal(tm$keep, c(TRUE, TRUE, TRUE, TRUE, TRUE, FALSE, TRUE, TRUE))
  expect_equal(tm$base, c(0L, 0L, 0L, 1L, 1L, -1L, 0L, 0L))
  expect_equal(tm$Tmax, 4L)
  # unit 8 is a comparison only (F = Tmax + 1), as are the never-switchers
  expect_equal(tm$F, c(5L, 3L, 2L, 4L, 2L, 5L, 2L, 5L))
  # baseline 0: some unit never changes, T_g = 5 - 1; baseline 1: the last
  # switch is at 4, T_g = 3; baseline 2 set aside
  expect_equal(tm$Tg, c(4L, 4L, 4L, 3L, 3L, -1L, 4L, 4L))
  expect_equal(tm$L, c(0L, 2L, 3L, 0L, 2L, -1L, 3L, 0L))
  # unit 4 switches after T_g (no effect, no direction); unit 5 switches out;
  # unit 7's only cell from F to T_g is period 2 (treatment 1)
  expect_equal(tm$S, c(NA, 1L, 1L, NA, 0L, NA, 1L, NA))
  expect_equal(tm$dfg, c(0, 1, 1, 0, 0, 2, 1, 0))
  expect_equal(tm$set_aside,
               c(cells_both = 2, units_no_comparison = 1, cells_no_comparison = 2,
                 units_gap = 1))
  off <- rbind(c(7, 3), c(7, 4), c(4, 4), c(5, 4), c(8, 2), c(8, 3), c(8, 4))
  expect_false(any(tm$pres[off]))
  expect_equal(sum(!tm$pres), nrow(off))
  expect_true(all(is.na(tm$Y[off])) && all(is.na(tm$D[off])))
  expect_equal(tm$Y[!is.na(tm$Y)], lay$Y[tm$pres])
})

test_that("timing is unchanged by the order of the rows and shifts of the treatment", {
  d <- dcdh_sim(G = 50, nT = 6, seed = 3, type = "discrete")
  tm_of <- function(d) {
    smartdid:::dcdh_timing(smartdid:::dcdh_layout(d$g, d$t, 50L, 6L, d$y, d$d))
  }
  a <- tm_of(d)
  b <- tm_of(d[rev(seq_len(nrow(d))), ])
  expect_equal(a, b)
  d2 <- d
  d2$d <- d2$d + 10
  c2 <- tm_of(d2)
  expect_equal(c2$dsq, a$dsq + 10)
  expect_equal(c2[c("F", "Tg", "L", "S", "base", "pres", "set_aside")],
               a[c("F", "Tg", "L", "S", "base", "pres", "set_aside")])
  # by hand on the rows: first period whose treatment differs from the first
  Fh <- tapply(seq_len(nrow(d)), d$g, function(i) {
    i <- i[order(d$t[i])]
    ch <- which(d$d[i] != d$d[i][1])
    if (length(ch)) d$t[i][ch[1]] else NA
  })
  sw <- a$keep & !is.na(Fh)
  expect_true(any(sw))
  expect_equal(a$F[sw], unname(as.integer(Fh[sw])))
})

# R/sens_delta.R: the restriction matrices A delta <= d, checked by hand.
# Columns: delta_-2, delta_-1 (K = 2 pre periods), then delta_1, delta_2
# (T = 2 post periods); delta_0 = 0 is left out.

test_that("sens_col and sens_row index the periods around the reference", {
  col <- smartdid:::sens_col
  expect_equal(col(c(-2, -1, 0, 1, 2), 2), c(1, 2, 0, 3, 4))
  # delta_1 - 2 delta_0 + delta_-1: the t = 0 coefficient is dropped
  expect_equal(smartdid:::sens_row(c(1, 0, -1), c(1, -2, 1), 2, 2), c(0, 1, 1, 0))
})

test_that("smoothness: second differences around the post periods", {
  m <- smartdid:::sens_sd_moments(2, 2, M = 0.5)
  # t = 0: delta_1 - 2 delta_0 + delta_-1; t = 1: delta_2 - 2 delta_1 + delta_0
  S <- rbind(c(0, 1, 1, 0), c(0, 0, -2, 1))
  expect_equal(m$A, rbind(S, -S))
  expect_equal(m$d, rep(0.5, 4))
  expect_true(m$pairs)
  # one post period: every second difference, t = -1 and t = 0
  m1 <- smartdid:::sens_sd_moments(2, 1, M = 0.5)
  S1 <- rbind(c(1, -2, 0), c(0, 1, 1))
  expect_equal(m1$A, rbind(S1, -S1))
  expect_false(m1$pairs)
  # a linear trend satisfies the restriction with M = 0, a kink does not
  expect_true(all(m$A %*% c(-2, -1, 1, 2) <= 1e-12))
  expect_false(all(m$A %*% c(-2, -1, 1, 3) <= 0.5))
})

test_that("relative magnitudes: post first differences bounded by a pre one", {
  # s = 0, sign +: g = delta_0 - delta_-1 = (0, -1, 0, 0);
  # rows a_t - Mbar g and -a_t - Mbar g with a_1 = delta_1 - delta_0,
  # a_2 = delta_2 - delta_1
  m <- smartdid:::sens_rm_moments(2, 2, Mbar = 1, s = 0, sgn = 1)
  expect_equal(m$A, rbind(c(0, 1, 1, 0), c(0, 1, -1, 1),
                          c(0, 1, -1, 0), c(0, 1, 1, -1)))
  expect_equal(m$d, rep(0, 4))
  expect_true(m$pairs)
  # s = -1, sign -, Mbar = 2: shift = -2 (delta_-1 - delta_-2) = (2, -2, 0, 0)
  m <- smartdid:::sens_rm_moments(2, 2, Mbar = 2, s = -1, sgn = -1)
  expect_equal(m$A, rbind(c(-2, 2, 1, 0), c(-2, 2, -1, 1),
                          c(-2, 2, -1, 0), c(-2, 2, 1, -1)))
  # one post period: a single pair of rows, no pairing
  m1 <- smartdid:::sens_rm_moments(2, 1, Mbar = 1, s = 0, sgn = 1)
  expect_equal(m1$A, rbind(c(0, 1, 1), c(0, 1, -1)))
  expect_false(m1$pairs)
})

test_that("sens_moment_sets: one set for smoothness, 2K for relative magnitudes", {
  sd <- smartdid:::sens_moment_sets("smoothness", 2, 2, 0.1)
  expect_length(sd, 1L)
  expect_equal(sd[[1]], smartdid:::sens_sd_moments(2, 2, 0.1))
  rm <- smartdid:::sens_moment_sets("relative", 3, 2, 1.5)
  expect_length(rm, 6L)
  # ordered by s = -2, -1, 0, each with sign + then -
  expect_equal(rm[[4]], smartdid:::sens_rm_moments(3, 2, 1.5, s = -1, sgn = -1))
  # delta in the union: post differences (0.1, 0.1) within Mbar = 1.5 times
  # the largest pre difference, |-0.15| (sign -, at s = -1); (0.5, 0.5) is not
  delta <- c(0, 0.05, -0.1, 0.1, 0.2)   # t = -3, -2, -1 | 1, 2
  inside <- vapply(rm, function(m) all(m$A %*% delta <= m$d + 1e-12), TRUE)
  expect_true(any(inside))
  far <- c(0, 0.05, -0.1, 0.5, 1)
  expect_false(any(vapply(rm, function(m) all(m$A %*% far <= m$d + 1e-12), TRUE)))
})

# One seed helper (R/seed.R): seeded functions leave the session's stream as
# it was.

test_that("att_gt(seed = ) and placebo(seed = ) leave the random stream alone", {
  d <- sim_panel(60, 6, seed = 23)
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  set.seed(99)
  before <- .Random.seed
  a1 <- att_gt(fit, seed = 4, draws = 99)
  expect_identical(.Random.seed, before)
  placebo(fit, draws = 10, seed = 4)
  expect_identical(.Random.seed, before)
  # reproducible: the same seed gives the same bootstrap
  a2 <- att_gt(fit, seed = 4, draws = 99)
  expect_identical(a1$estimates$std.error, a2$estimates$std.error)
  # without a seed the session's stream is used (and advanced)
  att_gt(fit, draws = 99)
  expect_false(identical(.Random.seed, before))
  expect_error(att_gt(fit, seed = "a"), "'seed' must be NULL or a single number")
})

test_that("with_seed() restores a missing .Random.seed too", {
  env <- globalenv()
  old <- if (exists(".Random.seed", envir = env)) get(".Random.seed", envir = env)
  on.exit(if (!is.null(old)) assign(".Random.seed", old, envir = env))
  if (exists(".Random.seed", envir = env)) rm(".Random.seed", envir = env)
  x <- with_seed(1, stats::runif(1))
  expect_false(exists(".Random.seed", envir = env))
  expect_identical(x, with_seed(1, stats::runif(1)))
  expect_identical(with_seed(NULL, 5), 5)
})

# Tests of R/simulate_checks.R: simulate_smartcity()'s argument checks.

test_that("simulate_smartcity() validates its arguments", {
  expect_snapshot(error = TRUE, simulate_smartcity(seed = "a"))
  expect_snapshot(error = TRUE, simulate_smartcity(effect = numeric(0)))
  expect_snapshot(error = TRUE, simulate_smartcity(heterogeneity = c(size = 1)))
  expect_snapshot(error = TRUE, simulate_smartcity(heterogeneity = 0.2))
  expect_snapshot(error = TRUE, simulate_smartcity(persistence = 1))
  expect_snapshot(error = TRUE, simulate_smartcity(noise = -1))
  expect_snapshot(error = TRUE, simulate_smartcity(other_policies = c(Lowc = 1)))
  expect_snapshot(error = TRUE, simulate_smartcity(waves = c(`2030` = 10)))
  expect_snapshot(error = TRUE, simulate_smartcity(waves = c(`2012` = 300)))
  expect_error(simulate_smartcity(waves = c(37, 31, 18)), "'waves' must")
  expect_snapshot(error = TRUE, simulate_smartcity(truth = NA))
  expect_error(simulate_smartcity(moderation = NA), "'moderation' must")
  expect_error(simulate_smartcity(ind_pro_effect = 1:2), "'ind_pro_effect' must")
  expect_error(simulate_smartcity(productivity = c(level = 1)), "'productivity' must")
  expect_error(simulate_smartcity(productivity = c(level = -1, growth = 0,
                                                   dispersion = 0.1, shocks = 0)),
               "level > 0")
  expect_error(simulate_smartcity(upgrading_sd = -1), "'upgrading_sd' must")
  expect_error(simulate_smartcity(ind_pro_controls = c(size = 1)),
               "'ind_pro_controls' must")
  expect_error(simulate_smartcity(ind_pro_controls = 1), "'ind_pro_controls' must")
  expect_error(simulate_smartcity(cei = c(level = 0.1, trend = 0)), "'cei' must")
  expect_error(simulate_smartcity(cei = c(level = 0.1, trend = 0, noise = -1)),
               "noise >= 0")
  # other waves and a random assignment work
  d <- simulate_smartcity(seed = 1, waves = c(`2010` = 20, `2015` = 30),
                          selection = 0)
  expect_equal(as.vector(table(per_city(d)$pilot_year)), c(20L, 30L))
  expect_identical(nrow(simulate_smartcity(seed = 1, heterogeneity = 0)), 3978L)
})

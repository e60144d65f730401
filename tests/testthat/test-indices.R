test_that("carbon_emissions() is eq. 2 with the article's factors", {
  gas <- c(1e6, 0, 2.5e5)
  lpg <- c(2e5, 3e4, 0)
  elec <- c(5e7, 1e6, 0)
  eta <- c(0.7, 0.8, 0.65)
  hand <- 2.1622 * gas + 3.1013 * lpg + 1.3023 * (eta * elec)
  expect_equal(carbon_emissions(gas, lpg, elec, eta), hand, tolerance = 1e-14)
  # one gas unit, one LPG unit, one kWh at coal share 1: the three factors
  expect_equal(carbon_emissions(1, 0, 0, 0), 2.1622)
  expect_equal(carbon_emissions(0, 1, 0, 0), 3.1013)
  expect_equal(carbon_emissions(0, 0, 1, 1), 1.3023)
  expect_equal(carbon_emissions(0, 0, 10, 0.5), 6.5115)
})

test_that("carbon_emissions() recycles, takes other factors, propagates NA", {
  expect_equal(carbon_emissions(c(1, 2), c(3, 4), c(5, 6), 0.5),
               carbon_emissions(c(1, 2), c(3, 4), c(5, 6), c(0.5, 0.5)))
  f <- c(lpg = 1, coal_power = 10, gas = 2)   # any order of the names
  expect_equal(carbon_emissions(1, 1, 1, 0.5, factors = f), 2 + 1 + 10 * 0.5)
  out <- carbon_emissions(c(1, NA, 1), c(1, 1, 1), c(1, 1, NA), c(0.5, 0.5, 0.5))
  expect_equal(is.na(out), c(FALSE, TRUE, TRUE))
  expect_true(is.na(carbon_emissions(1, 1, 1, NA)))
  expect_identical(carbon_emissions(numeric(0), numeric(0), numeric(0), 0.5),
                   numeric(0))
})

test_that("carbon_emissions() rejects bad inputs with clear messages", {
  expect_snapshot(error = TRUE, carbon_emissions(-1, 0, 0, 0.5))
  expect_snapshot(error = TRUE, carbon_emissions(1, 0, 0, 70))
  expect_snapshot(error = TRUE, carbon_emissions(1, 0, 0, -0.1))
  expect_snapshot(error = TRUE, carbon_emissions(1:3, 1:2, 1, 0.5))
  expect_snapshot(error = TRUE, carbon_emissions("1", 0, 0, 0.5))
  expect_snapshot(error = TRUE, carbon_emissions(Inf, 0, 0, 0.5))
  expect_snapshot(error = TRUE,
                  carbon_emissions(1, 1, 1, 0.5, factors = c(2, 3, 1)))
  expect_error(carbon_emissions(1, 1, 1, 0.5,
                                factors = c(gas = -1, lpg = 1, coal_power = 1)),
               "non-negative")
})

test_that("industrial_upgrading() is eq. 4: GDP shares x labour productivity", {
  va <- cbind(c(10, 30, 5), c(50, 40, 60), c(40, 30, 35))
  emp <- cbind(c(20, 50, 4), c(20, 10, 30), c(20, 15, 7))
  gdp <- rowSums(va)
  hand <- rowSums((va / gdp) * (va / emp))
  got <- industrial_upgrading(va[, 1], va[, 2], va[, 3],
                              emp[, 1], emp[, 2], emp[, 3])
  expect_equal(got, hand, tolerance = 1e-14)
  # a worked case: shares 0.1, 0.5, 0.4; productivities 0.5, 2.5, 2
  expect_equal(industrial_upgrading(10, 50, 40, 20, 20, 20),
               0.1 * 0.5 + 0.5 * 2.5 + 0.4 * 2)
  # one sector only: share 1, so the index is its productivity
  expect_equal(industrial_upgrading(0, 80, 0, 5, 40, 0), 2)
  # scaling value added by k scales the index by k; employment by k: 1/k
  expect_equal(industrial_upgrading(20, 100, 80, 20, 20, 20),
               2 * industrial_upgrading(10, 50, 40, 20, 20, 20))
  expect_equal(industrial_upgrading(10, 50, 40, 40, 40, 40),
               industrial_upgrading(10, 50, 40, 20, 20, 20) / 2)
})

test_that("industrial_upgrading() recycles, propagates NA, checks inputs", {
  expect_equal(industrial_upgrading(c(10, 20), 50, 40, 20, 20, 20),
               c(industrial_upgrading(10, 50, 40, 20, 20, 20),
                 industrial_upgrading(20, 50, 40, 20, 20, 20)))
  out <- industrial_upgrading(c(10, NA), 50, 40, c(20, 20), 20, c(20, 20))
  expect_equal(is.na(out), c(FALSE, TRUE))
  expect_true(is.na(industrial_upgrading(10, 50, 40, 20, NA, 20)))
  expect_snapshot(error = TRUE, industrial_upgrading(10, -50, 40, 20, 20, 20))
  expect_snapshot(error = TRUE, industrial_upgrading(10, 50, 40, 20, 0, 20))
  expect_snapshot(error = TRUE, industrial_upgrading(0, 0, 0, 20, 20, 20))
  expect_snapshot(error = TRUE,
                  industrial_upgrading(1:2, 1:3, 1, 1, 1, 1))
})

test_that("the shipped data hold Carbon and Ind_Pro of their raw inputs exactly", {
  d <- smartcity
  expect_identical(d$Carbon,
                   log(carbon_emissions(d$gas, d$lpg, d$electricity,
                                        d$coal_share)))
  expect_identical(d$Ind_Pro,
                   industrial_upgrading(d$va_primary, d$va_secondary,
                                        d$va_tertiary, d$emp_primary,
                                        d$emp_secondary, d$emp_tertiary))
  expect_identical(d$Gdp_pc, log(1e4 * (d$va_primary + d$va_secondary +
                                          d$va_tertiary) / d$pop))
  # the same from hand-written formulas, not the package functions
  hand_c <- log(2.1622 * d$gas + 3.1013 * d$lpg +
                  1.3023 * d$coal_share * d$electricity)
  expect_equal(d$Carbon, hand_c, tolerance = 1e-13)
  va <- cbind(d$va_primary, d$va_secondary, d$va_tertiary)
  emp <- cbind(d$emp_primary, d$emp_secondary, d$emp_tertiary)
  expect_equal(d$Ind_Pro, rowSums(va / rowSums(va) * va / emp),
               tolerance = 1e-13)
})

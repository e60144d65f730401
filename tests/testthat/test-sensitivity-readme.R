# sensitivity() against the example outputs printed in HonestDiD's README
# (release 0.2.6): the Medicaid-expansion event study, a TWFE regression of
# the insured share `dins` on year-by-treated dummies (2014 cohort, 2013 the
# reference, years 2008-2015, state and year fixed effects, clustered by
# state) on the public ehec data of Mixtape-Sessions/Advanced-DID
# (Exercises/Data/ehec_data.csv). The coefficients and covariance below are
# smartdid's event_study(fit, leads = 6, lags = 1, ref = -1) on that panel,
# which equals the README's fixest::feols() fit (same small-sample rule).
# The README prints 3 significant digits. Its C-LF bounds are points of a
# grid with step 40 sd / 999 (sd = 0.00915): the exact bounds lie within one
# step of them. Its FLCI uses a folded-normal quantile simulated with 1e6
# draws, about 1e-4 from the exact one used here.

ehec_beta <- c(-0.00528534242424258, -0.0112973183982685, -0.00267597554112568,
               -0.00141931190476206, 0.000339677489177334, 0.0464468645021643,
               0.0692061803030301)
ehec_sigma <- structure(c(
  7.48848471039938e-05, 6.03987552435228e-05, 4.44461869047786e-05,
  3.38576559900313e-05, 4.32801350865316e-05, 4.76588218376747e-05,
  2.42512953733462e-05, 6.03987552435228e-05, 7.26649906075213e-05,
  3.78932811569899e-05, 2.86657630724063e-05, 4.5433213430978e-05,
  4.42885268516477e-05, 2.82465579304939e-05, 4.44461869047786e-05,
  3.78932811569898e-05, 5.05205072440556e-05, 2.67367795136407e-05,
  2.77819383301211e-05, 3.06064542428351e-05, 9.637548016175e-06,
  3.38576559900313e-05, 2.86657630724063e-05, 2.67367795136407e-05,
  4.00322177950153e-05, 2.4128608688487e-05, 2.38086937108391e-05,
  2.92390190910032e-06, 4.32801350865316e-05, 4.5433213430978e-05,
  2.77819383301211e-05, 2.4128608688487e-05, 5.4626653870844e-05,
  3.68253531635765e-05, 9.72297778995122e-06, 4.76588218376747e-05,
  4.42885268516477e-05, 3.06064542428351e-05, 2.38086937108391e-05,
  3.68253531635765e-05, 8.37567402851624e-05, 6.32140330338885e-05,
  2.42512953733461e-05, 2.82465579304938e-05, 9.63754801617498e-06,
  2.92390190910032e-06, 9.7229777899512e-06, 6.32140330338886e-05,
  0.000107123581529564), dim = c(7L, 7L))
ehec_sigma <- (ehec_sigma + t(ehec_sigma)) / 2
ehec <- sens_es(ehec_beta, ehec_sigma, K = 5)

# within half a unit of the last printed digit (3 significant digits)
printed_tol <- function(x) 0.5 * 10^(floor(log10(abs(x))) - 2)

test_that("relative magnitudes match the README (C-LF, first period)", {
  s <- sensitivity(ehec, Mbar = seq(0.5, 2, by = 0.5), breakdown = FALSE)$results
  lb <- c(0.0241, 0.0171, 0.00859, -0.00107)
  ub <- c(0.0673, 0.0720, 0.0796, 0.0883)
  step <- 40 * sqrt(ehec_sigma[6, 6]) / 999
  # the grid's first accepted point is at or above the exact lower bound,
  # its last at or below the exact upper bound, each within one step (the
  # README's lower bound at Mbar = 1.5 sits 1.03 steps above ours)
  expect_true(all(abs(s$conf.low - lb) <= 1.05 * step + printed_tol(lb)))
  expect_true(all(abs(s$conf.high - ub) <= step + printed_tol(ub)))
  expect_true(all(s$conf.low <= lb + printed_tol(lb)))
  expect_true(all(s$conf.high >= ub - printed_tol(ub)))
  # the README reads the breakdown value off its grid: Mbar = 2 no longer
  # excludes zero, 1.5 still does
  bd <- sensitivity(ehec, Mbar = seq(0.5, 2, by = 0.5))$breakdown$breakdown
  expect_true(bd > 1.5 && bd < 2)
})

test_that("smoothness matches the README (FLCI, first period)", {
  skip_if_not_installed("quadprog")
  s <- sensitivity(ehec, type = "smoothness", M = seq(0, 0.05, by = 0.01),
                   breakdown = FALSE)$results
  lb <- c(0.0259, 0.0132, 0.00286, -0.00714, -0.0171, -0.0271)
  ub <- c(0.0607, 0.0787, 0.0907, 0.101, 0.111, 0.121)
  expect_true(all(abs(s$conf.low - lb) <= 1e-4 + printed_tol(lb)))
  expect_true(all(abs(s$conf.high - ub) <= 1e-4 + printed_tol(ub)))
  # "the breakdown value for a significant effect is M ~ 0.03": the README's
  # interval excludes zero at M = 0.02 and includes it at 0.03
  bd <- sensitivity(ehec, type = "smoothness", M = seq(0, 0.05, by = 0.01))$breakdown
  expect_true(bd$breakdown > 0.02 && bd$breakdown < 0.03)
})

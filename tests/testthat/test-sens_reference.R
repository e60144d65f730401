# The reference period of the Callaway-Sant'Anna (varying base) and
# imputation event studies (R/sens_reference.R).

ref_panel <- function(seed = 2) {
  set.seed(seed)
  d <- expand.grid(year = 2001:2012, unit = 1:60)
  d$first <- ifelse(d$unit <= 40, 2005 + d$unit %% 4, NA)
  d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
  d$rel <- ifelse(is.na(d$first), NA, d$year - d$first)
  d$y <- 0.5 * d$D + d$unit / 20 + rnorm(nrow(d), sd = 0.3)
  d
}

test_that("CS with a varying base period is re-estimated with a universal one", {
  d <- ref_panel()
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  csv <- suppressMessages(event_study(fit, leads = 3, lags = 3, estimator = "cs"))
  csu <- suppressMessages(event_study(fit, leads = 3, lags = 3, estimator = "cs",
                                      base_period = "universal"))
  expect_message(s <- sensitivity(csv, Mbar = c(0, 1), breakdown = FALSE),
                 "re-estimating with base_period = \"universal\"")
  su <- sensitivity(csu, Mbar = c(0, 1), breakdown = FALSE)
  expect_equal(s$results, su$results, tolerance = 1e-12)
  expect_equal(s$original, su$original, tolerance = 1e-12)
  expect_match(s$note, "universal base period")
  # the estimand is unchanged: the varying-base event study's own effect
  post <- csv$estimates$rel_time == 0
  expect_equal(s$original$estimate, csv$estimates$estimate[post], tolerance = 1e-12)
  # the pre-periods are the universal ones (long differences against -1)
  inp <- smartdid:::sens_inputs(smartdid:::sens_prepare(suppressMessages(csv)))
  expect_equal(inp$pre_rel, c(-3, -2))
  expect_equal(unname(inp$beta[1:2]),
               csu$estimates$estimate[match(c(-3, -2), csu$estimates$rel_time)])
  p <- suppressMessages(pretrend_power(csv))
  expect_equal(p$slope_power, pretrend_power(csu)$slope_power, tolerance = 1e-12)
  # a re-estimate that does not reproduce the post-period rows is refused
  bad <- csv
  bad$estimates$estimate[post] <- bad$estimates$estimate[post] + 1
  expect_error(suppressMessages(sensitivity(bad)), "did not reproduce")
  # without pre-periods there is nothing to re-estimate
  c0 <- suppressMessages(event_study(fit, leads = 0, lags = 2, ref = 0, estimator = "cs"))
  expect_error(suppressMessages(sensitivity(c0)), "leads >= 2")
  # an event study without its fit cannot be re-estimated
  nofit <- csv
  nofit$fit <- NULL
  expect_error(sensitivity(nofit), "base_period = \"universal\"")
})

# The imputation convention, exactly: the estimator is linear in the
# outcome, so adding to a noisy outcome a signal alpha_i + lambda_t + a
# violation delta_r that depends on relative time only (zero before the
# first lead, as BJS's test regression assumes) and effects tau_h moves the
# mapped coefficients by exactly delta_k - delta_{-1} before the reference
# and tau_h + delta_h - delta_{-1} after it.
test_that("imputation: mapped coefficients are tau + delta relative to period -1", {
  d <- ref_panel()
  dl <- c(`-3` = 0.3, `-2` = -0.2, `-1` = 0.5, `0` = 1, `1` = -1, `2` = 2, `3` = 0.7,
          `4` = 0, `5` = 0, `6` = 0, `7` = 0)
  tau <- c(2, 3, 4, 5, 6, 6, 6, 6)
  r <- d$rel
  sig <- d$unit / 7 + sin(d$year) +
    ifelse(!is.na(r) & r >= -3, dl[as.character(r)], 0) +
    ifelse(!is.na(r) & r >= 0, tau[pmax(r, 0) + 1], 0)
  d2 <- d
  d2$y <- d$y + sig
  fits <- lapply(list(d, d2), function(x)
    smartdid(y ~ 1, data = x, id = "unit", time = "year", treat = "D"))
  es <- lapply(fits, function(f) suppressMessages(
    event_study(f, leads = 3, lags = 3, estimator = "imputation")))
  inp <- lapply(es, function(e)
    smartdid:::sens_inputs(suppressMessages(smartdid:::sens_prepare(e))))
  expect_equal(inp[[1]]$pre_rel, -4:-2)
  expect_equal(inp[[1]]$post_rel, 0:3)
  expect_equal(inp[[1]]$ref, -1)
  want <- c(0 - 0.5, 0.3 - 0.5, -0.2 - 0.5, tau[1:4] + dl[c("0", "1", "2", "3")] - 0.5)
  expect_equal(unname(inp[[2]]$beta - inp[[1]]$beta), unname(want), tolerance = 1e-9)
  # the covariance is the same linear map of the estimator's
  m <- suppressMessages(smartdid:::sens_prepare(es[[2]]))$sens_map
  expect_equal(inp[[2]]$sigma, m$T %*% es[[2]]$vcov[m$from, m$from] %*% t(m$T),
               tolerance = 1e-12)
  # without the violation the estimator's own rows already are tau (BJS is
  # unbiased under parallel trends), and the mapped ones too
  sig0 <- d$unit / 7 + sin(d$year) + ifelse(!is.na(r) & r >= 0, tau[pmax(r, 0) + 1], 0)
  d3 <- d
  d3$y <- d$y + sig0
  e3 <- suppressMessages(event_study(
    smartdid(y ~ 1, data = d3, id = "unit", time = "year", treat = "D"),
    leads = 3, lags = 3, estimator = "imputation"))
  i3 <- smartdid:::sens_inputs(suppressMessages(smartdid:::sens_prepare(e3)))
  expect_equal(unname(i3$beta - inp[[1]]$beta), c(0, 0, 0, tau[1:4]), tolerance = 1e-9)
  expect_equal(e3$estimates$estimate[e3$estimates$rel_time >= 0] -
                 es[[1]]$estimates$estimate[es[[1]]$estimates$rel_time >= 0],
               tau[1:4], tolerance = 1e-9)
})

test_that("imputation: sensitivity() is that of the mapped coefficients", {
  d <- ref_panel(3)
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  bjs <- suppressMessages(event_study(fit, leads = 3, lags = 3, estimator = "imputation"))
  expect_message(s <- sensitivity(bjs, Mbar = c(0, 1), target = "average",
                                  breakdown = FALSE),
                 "re-expressed relative to period -1")
  inp <- smartdid:::sens_inputs(suppressMessages(smartdid:::sens_prepare(bjs)))
  man <- sens_es(inp$beta, inp$sigma, inp$K)
  sm <- sensitivity(man, Mbar = c(0, 1), target = "average", breakdown = FALSE)
  expect_equal(s$results, sm$results, tolerance = 1e-12)
  # the original interval is the estimator's own (parallel trends everywhere)
  post <- bjs$estimates$rel_time >= 0
  expect_equal(s$original$estimate, mean(bjs$estimates$estimate[post]), tolerance = 1e-12)
  V <- bjs$vcov[bjs$estimates$term[post], bjs$estimates$term[post]]
  expect_equal(s$original$std.error, sqrt(sum(V)) / 4, tolerance = 1e-12)
  # the pre-test of the mapped pre-periods is BJS's own Wald test
  pre <- seq_len(inp$K)
  W <- drop(crossprod(inp$beta[pre], solve(inp$sigma[pre, pre], inp$beta[pre])))
  expect_equal(W, bjs$pretest$wald, tolerance = 1e-9)
  pp <- suppressMessages(pretrend_power(bjs))
  expect_equal(pp$q, 3)
  expect_equal(pp$table$estimate, unname(inp$beta[-pre]), tolerance = 1e-12)
  expect_match(pp$note, "imputation")
  # the default target is the static ATT's weights
  s0 <- suppressMessages(sensitivity(suppressMessages(event_study(
    fit, leads = 2, estimator = "imputation")), Mbar = 1, breakdown = FALSE))
  expect_equal(names(s0$weights), "overall")
  skip_if_not_installed("quadprog")
  f <- suppressMessages(sensitivity(bjs, type = "smoothness", M = c(0, 0.05),
                                    breakdown = FALSE))
  fm <- sensitivity(man, type = "smoothness", M = c(0, 0.05), breakdown = FALSE)
  expect_equal(f$results, fm$results, tolerance = 1e-12)
  # M = 0: the linear extrapolation of the mapped pre-periods
  expect_lte(f$results$conf.low[1], f$results$conf.high[1])
})

test_that("imputation without leads or with a gap is refused", {
  d <- ref_panel()
  fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
  e0 <- suppressMessages(event_study(fit, leads = 0, lags = 3, ref = 0, estimator = "imputation"))
  expect_error(sensitivity(e0), "leads >= 1")
  e3 <- suppressMessages(event_study(fit, leads = 3, lags = 3, estimator = "imputation"))
  gap <- e3
  gap$estimates <- gap$estimates[gap$estimates$rel_time != -2, ]
  expect_error(sensitivity(gap), "consecutive")
})

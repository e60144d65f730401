# ATT(g, t) of att_gt() against a did::att_gt() result, cell by cell.
match_did <- function(ours, ref, tol_est, tol_se) {
  o <- tidy(ours)
  i <- match(paste(ref$group, ref$t), paste(o$group, o$time))
  expect_false(anyNA(i))
  expect_identical(nrow(o), length(ref$att))
  expect_lt(max(abs(o$estimate[i] - ref$att)), tol_est)
  expect_identical(is.na(o$std.error[i]), is.na(ref$se))
  expect_lt(rel_err(o$std.error[i][!is.na(ref$se)], ref$se[!is.na(ref$se)]), tol_se)
}

# DRDID 1.4.0 corrected the sign of the pre-period regressions' estimation
# effect in drdid_rc()'s influence function; smartdid follows the corrected
# form, so the doubly robust repeated cross-section standard errors are
# compared with DRDID >= 1.4.0 only (older releases, as some distributions
# package, give the uncorrected ones).
drdid_rc_current <- function() {
  requireNamespace("DRDID", quietly = TRUE) && utils::packageVersion("DRDID") >= "1.4.0"
}

# The test panel of the att_gt() tests: sim_panel() (helper-panel.R) with an
# effect growing with time since adoption and did's cohort column g (0: never
# treated). Test files bind it locally as cs_data().
cs_test_data <- function(n = 120, seed = 3) {
  d <- sim_panel(n, 10, seed = seed)
  d$y <- d$y + ifelse(d$D == 1, (d$year - d$first) * 0.3, 0)
  d$g <- ifelse(is.na(d$first), 0, d$first)
  d
}

# An unbalanced panel: about 15% of the rows missing, every unit kept with
# at least two rows (the fit drops singletons). Fits take the adoption
# period from `first`: a 0/1 treatment would date a unit missing its first
# treated period too late.
cs_unbalanced <- function(n = 150, seed = 7) {
  d <- cs_test_data(n, seed)
  set.seed(seed)
  d <- d[runif(nrow(d)) > 0.15, ]
  d[d$unit %in% names(which(table(d$unit) >= 2)), ]
}

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

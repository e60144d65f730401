# Renamed arguments (issue 16: one argument name, one meaning). The old
# names keep working for a release, with a message, through sd_renamed().
#
#   old                          new            where
#   control (never/notyet;       comparison     att_gt(), event_study(
#     auto/never/last)                            estimator = "cs"/"sunab")
#   covariates ("none"/"or"/"dr")  adjust       att_gt()
#   biters                       draws          att_gt(), att_aggregate()
#   min_e, max_e                 leads, lags    att_aggregate() (min_e = -leads)
#   level ("obs"/"unit")         match_level    psm()
# `level` is a confidence level everywhere else, `covariates` names columns
# (psm()), `draws` counts random draws (placebo()), `leads`/`lags` bound
# event time. psm(treat = ) (an ever-treated flag) is in the API contract of
# DESIGN.md and stays accepted without a message; its documented name is
# `ever_treated`, so that `treat` otherwise means the per-period dummy of
# smartdid().

# The value of a renamed argument: `new_value` unless the old name was given
# (`old_value` not NULL), which is used with a message; both is an error.
# `fun` names the caller ("att_gt" or 'event_study(estimator = "cs")').
# `new_given`: whether the caller supplied the new name (!missing(new)).
sd_renamed <- function(new_value, old_value, new, old, fun, new_given) {
  if (is.null(old_value)) return(new_value)
  if (!endsWith(fun, ")")) fun <- paste0(fun, "()")
  if (new_given) {
    sd_stop(fun, ": give '", new, "' or its old name '", old, "', not both")
  }
  message(fun, ": '", old, "' is deprecated; use '", new, "' (same meaning). ",
          "The old name will be removed in a future release.")
  old_value
}

# The reference period of an event study as sensitivity() and
# pretrend_power() need it: one period, normalised to zero, between the
# pre-periods and the post-periods, against which every coefficient
# (placebo and effect alike) measures the violation of parallel trends
# (Rambachan and Roth 2023: beta = tau + delta with delta_ref = 0).
#
# TWFE, Sun-Abraham and Callaway-Sant'Anna with a universal base period
# have one. Two estimators do not, and are brought to that form here, each
# with a message and without changing the estimand (the effects at relative
# times 0, 1, ...):
#
# * Callaway-Sant'Anna with the varying base period (the default): its
#   pre-period rows are short differences (t against t - 1) while its
#   post-period rows are long differences against g - 1 - anticipation. It
#   is re-estimated with base_period = "universal" (what HonestDiD's README
#   requires of did's event studies); the post-period rows, which both base
#   periods estimate identically, are checked to be unchanged.
#
# * The imputation estimator (Borusyak, Jaravel and Spiess): its pre-period
#   rows come from BJS's test regression on the untreated observations with
#   dummies for relative times -L..-1, so they measure the violation
#   delta_k against the omitted untreated periods (relative times before
#   -L, where delta is normalised to zero, and the never-treated units). Its
#   effects impute the untreated outcome from all untreated observations,
#   the lead periods -L..-1 included, so under a violation
#   E[beta_h] = tau_h + delta_h + s_h' delta_pre, where s_{h,k} is the total
#   weight the estimate of horizon h puts on the untreated observations at
#   lead k. sens_imputation_s() computes s exactly (the estimator is linear
#   in the outcome: s_{h,k} is the estimate of horizon h for the outcome
#   1[relative time = k, untreated]). The coefficients are then re-expressed
#   relative to period -1, an invertible linear map (every restriction of
#   Rambachan and Roth bounds differences of delta, so the shift of the
#   normalisation changes nothing else):
#     pre  (relative times -L-1, ..., -2): beta_k - beta_{-1}, with
#          beta_{-L-1} = 0 (the omitted periods);
#     post (relative times 0, ..., H):     beta_h - s_h' beta_pre - beta_{-1},
#   whose expectations are delta_k - delta_{-1} and tau_h + delta_h -
#   delta_{-1}. The covariance follows as T V T'.

# Returns the event study to analyse (re-estimated for Callaway-Sant'Anna
# with a varying base period) with, for the imputation estimator, the map
# above in `sens_map`; `sens_note` says what was done.
sens_prepare <- function(es, caller = "sensitivity()") {
  if (identical(es$estimator, "cs") && identical(es$info$base_period, "varying")) {
    return(sens_cs_universal(es, caller))
  }
  if (identical(es$estimator, "imputation")) return(sens_imputation(es, caller))
  es
}

sens_cs_universal <- function(es, caller) {
  at <- es$info$att_gt
  if (is.null(es$fit) || is.null(at)) {
    sd_stop(caller, " needs an event study with one reference period; re-estimate ",
            "it with event_study(..., estimator = \"cs\", base_period = \"universal\")")
  }
  message(caller, ": Callaway-Sant'Anna with a varying base period has no single ",
          "reference period (its pre-period rows are short differences); ",
          "re-estimating with base_period = \"universal\" (reference: relative time ",
          -1 - at$params$anticipation, "). The post-period estimates are unchanged.")
  p <- at$params
  rel <- es$estimates$rel_time
  if (min(rel) >= 0) {
    sd_stop(caller, " needs pre-period coefficients: estimate the event study with ",
            "leads >= 2")
  }
  args <- list(es$fit, estimator = "cs", leads = -min(rel), lags = max(rel),
               level = es$level, comparison = p$control, adjust = p$covariates,
               base_period = "universal", anticipation = p$anticipation,
               bootstrap = FALSE, ref = max(rel))
  args <- c(args, sens_call_literals(es$call, setdiff(names(formals(att_gt)), c(
    names(args), "comparison", "control", "covariates", "draws", "biters", "seed",
    "multiplier", "outcomes", "..."))))
  es2 <- suppressMessages(do.call(event_study, args))
  sens_check_post(es, es2)
  es2$sens_note <- paste0("Callaway-Sant'Anna re-estimated with a universal base ",
                          "period (reference: relative time ", -1 - p$anticipation,
                          "); post-period estimates unchanged")
  es2
}

# Arguments of the original call that were literal constants (such as
# allow_unbalanced = FALSE): they can be passed again without the caller's
# environment. Others are left out; sens_check_post() catches a difference.
sens_call_literals <- function(call, keep) {
  if (is.null(call)) return(list())
  a <- as.list(call)[-1L]
  a <- a[names(a) %in% keep]
  a[vapply(a, function(v) is.atomic(v) && length(v) == 1L, TRUE)]
}

# The re-estimate must reproduce the original post-period rows and their
# covariance: only the reference of the pre-periods may change.
sens_check_post <- function(es, es2) {
  e1 <- es$estimates[es_estimated(es$estimates) & es$estimates$rel_time >= 0, ]
  e2 <- es2$estimates[match(e1$term, es2$estimates$term), ]
  V1 <- es$vcov[e1$term, e1$term, drop = FALSE]
  ok <- !anyNA(e2$estimate) && all(e1$term %in% rownames(es2$vcov)) &&
    isTRUE(all.equal(e1$estimate, e2$estimate, tolerance = 1e-8)) &&
    isTRUE(all.equal(V1, es2$vcov[e1$term, e1$term, drop = FALSE], tolerance = 1e-8))
  if (!ok) {
    sd_stop("re-estimating with base_period = \"universal\" did not reproduce the ",
            "post-period estimates; re-estimate the event study yourself with ",
            "event_study(..., estimator = \"cs\", base_period = \"universal\")")
  }
  invisible(TRUE)
}

sens_imputation <- function(es, caller) {
  est <- es$estimates
  ok <- es_estimated(est)
  pre <- sort(est$rel_time[ok & est$rel_time < 0])
  post <- sort(est$rel_time[ok & est$rel_time >= 0])
  if (!length(pre)) {
    sd_stop(caller, " needs pre-period coefficients: estimate the imputation event ",
            "study with leads >= 1")
  }
  if (any(diff(c(pre, post)) != 1) || max(pre) != -1 || min(post) != 0) {
    sd_stop(caller, " needs consecutive relative periods from ", min(pre), " to ",
            max(post), "; periods ", paste(setdiff(seq(min(pre), max(post)),
                                                  c(pre, post)), collapse = ", "),
            " are missing or not estimated")
  }
  if (is.null(es$fit)) sd_stop(caller, " needs the fit of the imputation event study")
  L <- length(pre)
  message(caller, ": the imputation estimator's pre-period coefficients are measured ",
          "against the untreated periods before relative time ", -L, " (BJS's test ",
          "regression) and its effects against all untreated periods; the ",
          "coefficients are re-expressed relative to period -1 (see ?sensitivity). ",
          "The estimand is unchanged.")
  s <- sens_imputation_s(es, pre, post)
  n <- L + length(post)
  Tm <- matrix(0, n, n)
  last <- L                                   # position of beta_{-1}
  for (j in seq_len(L)) {                     # new pre j: relative time -L-2+j
    r <- -L - 2 + j
    if (r >= -L) Tm[j, r + L + 1] <- 1
    Tm[j, last] <- Tm[j, last] - 1
  }
  for (h in seq_along(post)) {
    Tm[L + h, L + h] <- 1
    Tm[L + h, seq_len(L)] <- -s[h, ]
    Tm[L + h, last] <- Tm[L + h, last] - 1
  }
  es$sens_map <- list(T = Tm, from = es_term(c(pre, post)),
                      pre_rel = seq(-L - 1, -2), post_rel = post, ref = -1, s = s)
  es$sens_note <- paste0("imputation: coefficients re-expressed relative to period -1 ",
                         "(pre-trends against the untreated periods before ", -L,
                         ", effects net of the imputation's weight on the leads)")
  es
}

# s[h, k]: the estimate of horizon h (row) for the outcome that is 1 on the
# untreated observations at lead k (column) and 0 elsewhere, i.e. the total
# weight the estimate puts on those observations. The pre-trend coefficients
# of the same refit must be the unit vectors (the outcome is their own
# regressor): a check that the refit reproduced the original design.
sens_imputation_s <- function(es, pre, post) {
  fit <- es$fit
  st <- sd_staggered(fit, "the imputation estimator")
  rel <- st$rel
  untreated <- st$D == 0
  s <- matrix(0, length(post), length(pre))
  for (j in seq_along(pre)) {
    d <- fit$data
    y <- rep(NA_real_, nrow(d))
    y[st$rows] <- as.numeric(untreated & !is.na(rel) & rel == pre[j])
    d[[fit$outcome]] <- y
    e <- suppressWarnings(suppressMessages(event_study(
      stats::update(fit, data = d), leads = length(pre), lags = max(post),
      estimator = "imputation")))$estimates
    b <- e$estimate[match(es_term(c(pre, post)), e$term)]
    if (anyNA(b) || max(abs(b[seq_along(pre)] - (seq_along(pre) == j))) > 1e-8) {
      sd_stop("could not reproduce the imputation estimator's design to re-express ",
              "its coefficients; please report this")
    }
    s[, j] <- b[length(pre) + seq_along(post)]
  }
  s
}

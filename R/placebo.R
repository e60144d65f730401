# Placebo tests (randomization inference): many regressions of the outcome
# on random pseudo-treatments. The fixed effects and the controls are absorbed
# once; each draw only demeans and residualises its pseudo-treatment in C
# (src/placebo.c, Frisch-Waugh-Lovell), so 500 draws cost about one fit.

#' Placebo tests: randomization inference for a DID estimate
#'
#' Re-estimates the model of a [smartdid()] fit many times with the treatment
#' replaced by a random pseudo-treatment, and compares the real estimate with
#' the distribution of the placebo estimates (the study's Figure 1). Each
#' draw gives an estimate and a standard error under exactly the inference
#' rules of the fit (the same clustering, small-sample factor and degrees of
#' freedom), so its t statistic and p-value equal those of a full
#' `smartdid()` fit with that pseudo-treatment.
#'
#' @section Types of draws:
#' A pseudo-treated unit is treated from its pseudo adoption period on
#' (`D = 1` when the period is at or after it).
#' \describe{
#'   \item{`"mixed"` (the study's)}{each draw picks as many random units as
#'     the fit has treated units (units with `D = 1` in some period) and gives
#'     each an adoption period drawn uniformly, with replacement, from the
#'     periods at which units of the fit adopt (or from `years`).}
#'   \item{`"unit"` (placebo in space)}{each draw gives the actual adoption
#'     periods to random units: the same number of units in each cohort as in
#'     the fit, each period kept; `years` is not used.}
#'   \item{`"time"` (placebo in time)}{the units that are actually treated
#'     keep their status, but each one's adoption is moved to a random earlier
#'     period; the model is estimated on the pre-adoption sample: all rows of
#'     never-treated units and the rows of treated units before their actual
#'     adoption (the rows of the fit's sample with `D = 0` when the treatment
#'     is absorbing). A unit's pseudo adoption period is drawn uniformly among
#'     the periods at which it is observed in that sample except its first
#'     one (so it has at least one pseudo-untreated and one pseudo-treated
#'     row), restricted to `years` when given. Treated units without such a
#'     period stay untreated in every draw (their number is reported as
#'     `unmoved`). The sample and its variance rules (for example the number
#'     of clusters) are those of `smartdid()` on that sample.}
#' }
#'
#' @section Randomization p-value:
#' `p.value` is `(1 + count) / (1 + B)`, where `count` is the number of draws
#' whose estimate is at least as large in absolute value as the observed one
#' and `B` the number of draws with an estimate: the observed assignment
#' counts as one of the equally likely assignments, so the p-value is never
#' zero (at least `1 / (1 + B)`) and a test at level `a` rejects at most a
#' share `a` of the time. `p.value_share` is the plain share
#' `count / B` (zero when no draw reaches the observed estimate);
#' `p.value_plus1` is the same as `p.value` (kept for code that used it).
#' The draws' own p-values (`draws$p.value`) are t tests and are unchanged.
#' The observed estimate is the fit's, also for `type = "time"`.
#'
#' @section Computation:
#' Random numbers come from R's generator and are all drawn before any
#' estimation, so `set.seed()` or `seed` reproduce every draw whatever the
#' number of threads. Each pseudo-treated unit and its period come from one
#' uniform integer, drawn by rejection (exactly uniform); with R's default
#' generator (Mersenne-Twister) one random number carries 32 random bits,
#' with any other 16. The outcome and the controls are demeaned once, with
#' the fit's C engine. In general each draw then builds its pseudo-treatment,
#' demeans it the same way, residualises it on the demeaned controls and
#' computes its estimate and variance at a cost of O(rows x controls). In a
#' balanced panel without weights, extra fixed effects or `hc1` errors (iid
#' errors or clusters constant within units, such as the study's clustering
#' by city), the demeaned pseudo-treatment has a closed form and a draw needs
#' only per-unit sums computed once: it costs O(units x controls^2), and with
#' clusters by unit only its pseudo-treated units are visited; since those
#' sums grow as controls^4, this path is taken when a cost model finds it
#' cheaper than the rows (see [smartdid_options]). Large draws
#' (rows x (controls + 2) of at least 200,000) run in parallel (OpenMP) on
#' `nthreads` threads; smaller ones on one. Results do not depend on the
#' number of threads, also when OpenMP gives fewer than asked for.
#' Interrupting (Ctrl-C) is honoured between blocks of draws and within the
#' long per-unit sums.
#'
#' @param fit A [smartdid()] fit.
#' @param draws Number of placebo draws (a whole number >= 1).
#' @param type `"mixed"`, `"unit"` or `"time"`, see below.
#' @param seed `NULL` to use the current random-number stream, or a number
#'   passed to [set.seed()]; the stream of the session is then left as it was.
#' @param years Candidate pseudo adoption periods (values of the fit's `time`
#'   column, all of which must occur in its sample) for `"mixed"` (default:
#'   the periods at which units adopt) and `"time"` (default: any earlier
#'   period).
#' @param keep_assignments Store the pseudo-treated units and their pseudo
#'   adoption periods of every draw (`$assignments`), so that any draw can be
#'   rebuilt with [placebo_treatment()] and re-estimated.
#' @param nthreads Threads, see [smartdid_threads()].
#' @param progress Show a progress bar on long runs (by default in
#'   interactive sessions).
#' @param ... Not used; an error if given.
#' @return An object of class `smartdid_placebo`: a list with
#'   \describe{
#'     \item{`draws`}{a data frame, one row per draw: `draw`, `estimate`,
#'       `std.error`, `statistic`, `p.value` (a draw whose pseudo-treatment
#'       is absorbed by the fixed effects or the controls has `NA`s).}
#'     \item{`observed`}{the fit's estimate.}
#'     \item{`p.value`, `p.value_share`, `p.value_plus1`}{randomization
#'       p-values, see below.}
#'     \item{`significant`}{shares of draws with a p-value below 0.10, 0.05,
#'       0.01, over the draws with a p-value.}
#'     \item{`n_no_se`}{draws with an estimate but no standard error (their
#'       variance is NaN, as after an overflow): `NA` std. error and
#'       p-value, left out of `significant`, reported by `print()`.}
#'     \item{`type`, `n_draws`, `n_valid`, `treated_units`, `unmoved`,
#'       `years`, `nobs`, `vcov_info`, `df`}{what was drawn and how.}
#'     \item{`assignments`}{with `keep_assignments = TRUE`, a data frame
#'       `draw`, `unit`, `adoption` (values of the fit's id and time
#'       columns); otherwise `NULL`.}
#'   }
#'   Methods: `print()`, [plot()][plot.smartdid_placebo],
#'   `generics::tidy()` (the draws), `generics::glance()` (one row).
#' @examples
#' d <- expand.grid(unit = 1:40, year = 2001:2010)
#' d$first <- ifelse(d$unit <= 16, 2004 + d$unit %% 3, NA)
#' d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
#' d$x <- sin(d$unit * d$year)
#' d$y <- 0.5 * d$D + 0.3 * d$x + cos(d$unit + 2 * d$year)
#' fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D")
#' pl <- placebo(fit, draws = 200, seed = 1)
#' pl
#' head(generics::tidy(pl))
#' plot(pl)
#' # the in-space and in-time variants
#' placebo(fit, draws = 100, type = "unit", seed = 2)$p.value
#' placebo(fit, draws = 100, type = "time", seed = 3)$significant
#' @export
placebo <- function(fit, draws = 500, type = c("mixed", "unit", "time"),
                    seed = NULL, years = NULL, keep_assignments = FALSE,
                    nthreads = smartdid_threads(), progress = interactive(), ...) {
  check_no_dots("placebo()", ...)
  cl <- match.call()
  check_fit(fit)
  draws <- check_count(draws, "draws", min = 1)
  type <- check_placebo_type(type)
  check_seed(seed)
  check_flag(keep_assignments, "keep_assignments")
  check_flag(progress, "progress")
  nthreads <- check_count(nthreads, "nthreads", min = 1)

  panel <- placebo_panel(fit)
  frame <- placebo_frame(fit, panel)
  ycode <- placebo_years(years, frame, type)
  asg <- with_seed(seed, placebo_assign(frame, type, draws, ycode))
  base <- if (type == "time") placebo_base_time(fit, frame, asg) else fit
  model <- placebo_model(base, frame, nthreads,
                         panel = if (type == "time") NULL else panel)
  aunit <- asg$unit
  if (!identical(model$unit_map, seq_along(model$unit_map))) {
    aunit <- model$unit_map[aunit]
    aunit[is.na(aunit)] <- 0L
    dim(aunit) <- dim(asg$unit)
  }
  res <- placebo_run(model, aunit, asg$per, nthreads, progress)

  est <- res$estimate
  se <- res$std.error
  stat <- est / se
  pv <- 2 * stats::pt(-abs(stat), base$df_t)
  observed <- unname(fit$coefficients[fit$treat_name])
  sh <- placebo_shares(est, se, pv, observed)
  out <- list(
    draws = data.frame(draw = seq_len(draws), estimate = est, std.error = se,
                       statistic = stat, p.value = pv),
    observed = observed,
    p.value = sh$p.value,
    p.value_share = sh$p.value_share,
    p.value_plus1 = sh$p.value_plus1,
    significant = sh$significant,
    type = type,
    n_draws = draws,
    n_valid = sh$n_valid,
    n_no_se = sh$n_no_se,
    treated_units = nrow(asg$unit),
    n_units = length(frame$units),
    unmoved = asg$unmoved,
    years = frame$periods[asg$cand],
    nobs = length(base$obs),
    vcov_info = base$vcov_info,
    n_clusters = base$n_clusters,
    df = base$df_t,
    converged = res$converged,
    sample_rows = base$obs,
    periods = frame$periods,
    assignments = if (keep_assignments) placebo_assignments(asg, frame) else NULL,
    fit = fit,
    seed = seed,
    call = cl
  )
  class(out) <- "smartdid_placebo"
  out
}

# The randomization p-values over the draws with an estimate, and the shares
# of significant draws over those with a p-value: a draw whose variance is
# NaN (its std. error NA) is left out of the shares and counted (n_no_se),
# never taken as significant.
placebo_shares <- function(est, se, pv, observed) {
  ok <- !is.na(est)
  count <- sum(abs(est[ok]) >= abs(observed))
  okp <- ok & !is.na(pv)
  share <- function(a) if (any(okp)) mean(pv[okp] < a) else NA_real_
  list(p.value = if (any(ok)) perm_pvalue(count, sum(ok)) else NA_real_,
       p.value_share = if (any(ok)) count / sum(ok) else NA_real_,
       p.value_plus1 = if (any(ok)) perm_pvalue(count, sum(ok)) else NA_real_,
       significant = c(`10%` = share(0.10), `5%` = share(0.05), `1%` = share(0.01)),
       n_valid = sum(ok), n_no_se = sum(ok & is.na(se)))
}

check_placebo_type <- function(type) {
  all_types <- c("mixed", "unit", "time")
  if (identical(type, all_types)) return("mixed")
  if (!is.character(type) || length(type) != 1L || !type %in% all_types) {
    sd_stop("'type' must be one of \"mixed\", \"unit\" or \"time\"")
  }
  type
}

# Units, periods and actual adoption periods on the fit's sample (codes of
# the fit's units and periods from its rebuilt panel).
placebo_frame <- function(fit, panel = placebo_panel(fit)) {
  a <- fit$args
  d <- build_treatment(fit$data, a$time, a$treat, a$cohort)$d[fit$obs]
  unit <- panel$fe[[1]]
  tcode <- panel$fe[[2]]
  units <- panel$unit_levels
  # each unit's first treated period: the treated rows by decreasing period,
  # so that the last value written for a unit is its smallest
  first <- rep(NA_integer_, length(units))
  on <- which(d == 1)
  if (length(on)) {
    o <- on[order(tcode[on], decreasing = TRUE, method = "radix")]
    first[unit[o]] <- tcode[o]
  }
  list(unit = unit, tcode = tcode, units = units, periods = panel$time_levels,
       first = first, id = a$id, time = a$time)
}

placebo_years <- function(years, frame, type) {
  if (is.null(years)) return(NULL)
  if (type == "unit") {
    sd_stop("'years' is not used with type = \"unit\", which keeps the actual ",
            "adoption periods; drop 'years' or use type = \"mixed\"")
  }
  if (length(years) == 0L || anyNA(years)) {
    sd_stop("'years' must be a non-empty vector of periods without NA")
  }
  code <- match(years, frame$periods)
  if (anyNA(code)) {
    sd_stop("'years' must list periods of the fit's sample (values of '",
            frame$time, "'); not found: ",
            paste(format(years[is.na(code)]), collapse = ", "))
  }
  sort(unique(code))
}

# The random part, all in R's generator: pseudo-treated unit codes and their
# adoption period codes, one column per draw.
placebo_assign <- function(frame, type, draws, ycode) {
  N <- length(frame$units)
  tu <- which(!is.na(frame$first))
  m <- length(tu)
  if (type == "time") return(placebo_assign_time(frame, draws, ycode, tu))
  if (type == "mixed") {
    cand <- ycode %||% sort(unique(frame$first[tu]))
    r <- .Call(C_sd_placebo_assign, N, m, draws, as.integer(cand), rng_mt())
    aunit <- r$unit
    aper <- r$period
  } else {
    cand <- sort(unique(frame$first[tu]))
    aunit <- .Call(C_sd_placebo_assign, N, m, draws, integer(), rng_mt())$unit
    aper <- matrix(frame$first[tu], m, draws)
  }
  list(unit = aunit, per = aper, cand = cand, unmoved = 0L, pre = NULL)
}

# Is R's generator the Mersenne-Twister (32 random bits per number)?
rng_mt <- function() identical(RNGkind()[1L], "Mersenne-Twister")

placebo_assign_time <- function(frame, draws, ycode, tu) {
  unit <- frame$unit
  tcode <- frame$tcode
  g <- frame$first[unit]
  pre <- is.na(g) | tcode < g
  # candidate periods: pre-adoption periods of treated units but their first
  rows <- which(!is.na(g) & tcode < g)
  rows <- rows[order(unit[rows], tcode[rows])]
  rows <- rows[duplicated(unit[rows])]
  if (!is.null(ycode)) rows <- rows[tcode[rows] %in% ycode]
  cand <- split(tcode[rows], factor(unit[rows], levels = tu))
  movable <- tu[lengths(cand) > 0L]
  if (length(movable) == 0L) {
    sd_stop("type = \"time\" needs treated units observed at least twice before ",
            "their adoption", if (!is.null(ycode)) " (within 'years')",
            "; none is, so no adoption can be moved earlier")
  }
  cand <- cand[lengths(cand) > 0L]
  # draw by draw (so a longer run starts with the draws of a shorter one):
  # unit j takes flat[offset_j + k], k uniform on 1..len_j
  len <- lengths(cand)
  flat <- unlist(cand, use.names = FALSE)
  offset <- cumsum(c(0L, len[-length(len)]))
  aper <- matrix(0L, length(movable), draws)
  for (b in seq_len(draws)) {
    k <- pmin(floor(stats::runif(length(len)) * len), len - 1)
    aper[, b] <- flat[offset + k + 1]
  }
  aunit <- matrix(movable, length(movable), draws)
  list(unit = aunit, per = aper, cand = sort(unique(unlist(cand))),
       unmoved = length(tu) - length(movable), pre = pre)
}

# The fit on the pre-adoption sample (type "time"): smartdid() with the
# first draw's pseudo-treatment gives its sample and variance rules.
placebo_base_time <- function(fit, frame, asg) {
  data <- fit$data
  col <- ".placebo_d"
  while (col %in% names(data)) col <- paste0(col, "_")
  gu <- rep(NA_integer_, length(frame$units))
  gu[asg$unit[, 1]] <- asg$per[, 1]
  g <- gu[frame$unit]
  dcol <- rep(0, nrow(data))
  dcol[fit$obs] <- as.numeric(!is.na(g) & frame$tcode >= g)
  mask <- rep(FALSE, nrow(data))
  mask[fit$obs[asg$pre]] <- TRUE
  data[[col]] <- dcol
  stats::update(fit, data = data, treat = col, subset = mask)
}

# Absorb once: demeaned controls, Q = (X~'WX~)^-1, the outcome's residual e,
# and everything the C loop needs about the sample and the variance rules.
placebo_model <- function(base, frame, nthreads, panel = NULL) {
  data <- base$data
  spec <- sd_fit_spec(base)
  panel <- panel %||% placebo_panel(base)
  # whole columns, read at the sample's rows by the engine (no copies in R)
  design <- sd_design(data, panel, spec, gather = TRUE)
  ctrl <- design$X[setdiff(names(base$coefficients), base$treat_name)]
  # extreme magnitudes scaled by powers of two (exact); only the outcome's
  # scale reaches the draws' estimates, undone in placebo_run()
  eq <- sd_equilibrate(design$y, ctrl, panel$weights, design$rows)
  w <- eq$w
  D <- sd_absorb_yx(eq$y, eq$X, panel$fe, panel$fe_nlev, w, nthreads,
                    design$rows, "placebo()")
  yd <- D$y
  Xd <- D$X
  if (ncol(Xd) > 0L) {
    ols <- .Call(C_sd_ols_meat, Xd, yd, w, 1e-10, NULL, 1L, as.integer(nthreads))
    if (!all(ols$keep)) Xd <- Xd[, ols$keep, drop = FALSE]
    Q <- ols$bread[ols$keep, ols$keep, drop = FALSE]
    e <- ols$residuals
  } else {
    Q <- matrix(0, 0L, 0L)
    e <- yd
  }
  list(Xd = Xd, e = e, Q = Q, fe = panel$fe, fe_nlev = panel$fe_nlev, w = w,
       unit = panel$fe[[1]], unit_map = match(frame$units, panel$unit_levels),
       tcode = if (identical(panel$time_levels, frame$periods)) panel$fe[[2]]
               else match(panel$time_levels, frame$periods)[panel$fe[[2]]],
       vc = placebo_vc(base, panel, length(e)), y_exp = eq$ey)
}

# The parts of sd_panel() the draws need, on the fit's sample (already
# validated and cleaned when the fit was made): codes of the fixed effects
# and clusters (stored on the fit, see sd_fit_panel()), and the weights.
placebo_panel <- function(base) {
  # d: the treatment is not used (the draws replace it)
  c(list(obs = base$obs, d = numeric(0), treat_name = base$treat_name),
    sd_subpanel(base, base$obs))
}

# The variance rules of the fit, for the C loop: list(type, scale, clusters
# (codes), G (their numbers of levels), sign).
placebo_vc <- function(base, panel, n) {
  vi <- base$vcov_info
  none <- function(type, scale) list(type = type, scale = scale, clusters = list(),
                                     G = integer(), sign = double())
  switch(vi$type,
    iid = none(0L, iid_sigma2(1, n, vi$K, vi$ssc)),
    hc1 = none(1L, vi$factor),
    cluster = {
      ct <- cluster_terms(panel$cluster, panel$cluster_G)
      list(type = 2L, scale = vi$factor, clusters = ct$codes, G = ct$G,
           sign = ct$sign)
    })
}

# Run the draws in C, with a progress bar on long interactive runs (C
# reports after each block of draws).
placebo_run <- function(model, aunit, aper, nthreads, progress) {
  B <- ncol(aunit)
  work <- as.double(length(model$e)) * (ncol(model$Xd) + 3) * B
  long <- work > getOption("smartdid.progress_work", 1e9)
  tick <- NULL
  if (progress && B >= 20L && long) {
    bar <- utils::txtProgressBar(0, B, style = 3)
    on.exit(close(bar))
    tick <- function(done) utils::setTxtProgressBar(bar, done)
  }
  r <- .Call(C_sd_placebo, model, list(unit = aunit, period = aper),
             placebo_options(nthreads), tick)
  sd_warn_converged(r$converged, "placebo() (some draws)")
  ey <- model$y_exp %||% 0L
  list(estimate = sd_pow2(r$estimate, -ey), std.error = sd_pow2(r$std.error, -ey),
       treated_rows = r$treated_rows, converged = r$converged)
}

# The options of the C loop, by name (see sd_placebo() in src/placebo.c).
placebo_options <- function(nthreads) {
  ctl <- sd_demean_control()
  list(tol = ctl$tol, maxit = ctl$maxit,
       block = as.double(getOption("smartdid.placebo_block", 0)),
       min_work = as.double(getOption("smartdid.placebo_min_work", 2e5)),
       units = placebo_units_mode(), nthreads = as.integer(nthreads))
}

# Which path may take the draws of a balanced, unweighted panel (option
# smartdid.placebo_units): NULL (default) the cheaper by the cost model in C,
# TRUE the per-unit sums whenever they apply, FALSE always the rows.
placebo_units_mode <- function() {
  opt <- getOption("smartdid.placebo_units")
  if (is.null(opt)) 1 else if (isTRUE(opt)) 2 else 0
}

placebo_assignments <- function(asg, frame) {
  m <- nrow(asg$unit)
  B <- ncol(asg$unit)
  data.frame(draw = rep(seq_len(B), each = m),
             unit = frame$units[as.vector(asg$unit)],
             adoption = frame$periods[as.vector(asg$per)],
             stringsAsFactors = FALSE)
}

#' Rebuild the pseudo-treatment of one placebo draw
#'
#' Gives the 0/1 pseudo-treatment column of a draw of [placebo()] (run with
#' `keep_assignments = TRUE`), one value per row of the fit's data, so that
#' the draw can be re-estimated independently with [smartdid()] or
#' `update()`.
#'
#' @param x A [placebo()] result with stored assignments.
#' @param draw The number of the draw (a row of `x$draws`).
#' @return A numeric vector with one value per row of the data of the fit:
#'   1 from the pseudo adoption period of a pseudo-treated unit on, 0
#'   otherwise, and `NA` for rows outside the sample the placebo used (rows
#'   the fit dropped, and for `type = "time"` the rows from each treated
#'   unit's actual adoption on). Re-estimating with it as `treat` drops
#'   exactly those rows.
#' @examples
#' d <- expand.grid(unit = 1:30, year = 2001:2008)
#' d$D <- as.numeric(d$unit <= 10 & d$year >= 2005)
#' d$y <- 0.5 * d$D + cos(d$unit + 2 * d$year)
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
#' pl <- placebo(fit, draws = 20, seed = 1, keep_assignments = TRUE)
#' d$pseudo <- placebo_treatment(pl, 7)
#' refit <- update(fit, data = d, treat = "pseudo")
#' c(refit = unname(coef(refit)["pseudo"]), draw = pl$draws$estimate[7])
#' @export
placebo_treatment <- function(x, draw) {
  if (!inherits(x, "smartdid_placebo")) sd_stop("'x' must be a result of placebo()")
  if (is.null(x$assignments)) {
    sd_stop("'x' holds no assignments; rerun placebo() with ",
            "keep_assignments = TRUE")
  }
  draw <- check_count(draw, "draw", min = 1)
  if (draw > x$n_draws) sd_stop("'draw' must be at most ", x$n_draws)
  a <- x$fit$args
  data <- x$fit$data
  asg <- x$assignments[x$assignments$draw == draw, , drop = FALSE]
  g <- match(asg$adoption, x$periods)[match(data[[a$id]], asg$unit)]
  tpos <- match(data[[a$time]], x$periods)
  out <- as.numeric(!is.na(g) & !is.na(tpos) & tpos >= g)
  out[-x$sample_rows] <- NA
  out
}

# ---- methods ---------------------------------------------------------------

#' @export
format.smartdid_placebo <- function(x, digits = 4, ...) {
  f <- function(v) formatC(v, digits = digits, format = "f")
  pct <- function(v) paste0(formatC(100 * v, digits = 1, format = "f"), "%")
  what <- switch(x$type,
    mixed = paste0(x$treated_units, " random units of ", x$n_units,
                   ", each from a random period among ", fmt_periods(x$years)),
    unit = paste0(x$treated_units, " random units of ", x$n_units,
                  " with the actual adoption periods (", fmt_periods(x$years), ")"),
    time = paste0("the ", x$treated_units, " treated units, adoption moved to a ",
                  "random earlier period, on the pre-adoption sample",
                  if (x$unmoved > 0L) paste0(" (", x$unmoved, " treated units ",
                                             "could not be moved)") else ""))
  est <- x$draws$estimate[!is.na(x$draws$estimate)]
  fake <- list(vcov_info = x$vcov_info, df_t = x$df, n_clusters = x$n_clusters)
  c(paste0("Placebo test (randomization inference), type \"", x$type, "\": ",
           format(x$n_draws, big.mark = ","), " draws",
           if (x$n_valid < x$n_draws) paste0(" (", x$n_draws - x$n_valid,
                                             " not estimable)") else "",
           if (isTRUE(x$n_no_se > 0L)) paste0("; ", x$n_no_se, " without a ",
                                              "std. error (NaN variance), left ",
                                              "out of the shares significant")),
    paste0("Each draw: ", what),
    paste0("Sample: ", format(x$nobs, big.mark = ","), " observations; std. errors ",
           format_vcov_info(fake)),
    paste0("Observed estimate:      ", f(x$observed)),
    if (length(est) == 0L) "Placebo estimates:      none (no pseudo-treatment was estimable)"
    else paste0("Placebo estimates:      mean ", f(mean(est)), ", sd ",
                f(stats::sd(est)), ", range [", f(min(est)), ", ", f(max(est)), "]"),
    paste0("Randomization p-value:  ", fmt_perm_p(x$p.value), "  ",
           perm_p_text(x$p.value_share, x$n_valid)),
    paste0("Draws significant at 10% / 5% / 1%: ", pct(x$significant[1]), " / ",
           pct(x$significant[2]), " / ", pct(x$significant[3])))
}

# The randomization p-value with the observed assignment counted as a draw.
perm_pvalue <- function(count, B) (1 + count) / (1 + B)

# A randomization p-value with enough decimals never to print as zero.
fmt_perm_p <- function(p) {
  if (is.na(p)) return("NA")
  formatC(p, format = "f", digits = max(3L, ceiling(-log10(p)) + 1L))
}

# How it was computed: "= (1 + 0) / (1 + 500): no draw reached ...".
perm_p_text <- function(share, B) {
  if (is.na(share) || !B) return("")
  count <- round(share * B)
  paste0("= (1 + ", count, ") / (1 + ", B, ")",
         if (count == 0) paste0(": no draw reached |observed|, so p < 1/", B)
         else paste0(": ", count, " draws with |estimate| >= |observed|, plus the observed one"))
}

fmt_periods <- function(p) {
  if (length(p) > 6L) paste0(format(p[1]), ", ..., ", format(p[length(p)]))
  else paste(format(p), collapse = ", ")
}

#' @export
print.smartdid_placebo <- function(x, digits = 4, ...) {
  cat(format(x, digits = digits), sep = "\n")
  invisible(x)
}

#' Plot a placebo test (the study's Figure 1)
#'
#' A kernel density of the placebo estimates (left axis), the p-value of each
#' draw as a point at its estimate (right axis), a dashed vertical line at
#' the observed estimate (labelled with its value and the randomization
#' p-value), and a labelled dotted line at `p_line`. The legend sits above
#' the plotting region. Base graphics; `autoplot()` draws it with ggplot2.
#'
#' @param x A [placebo()] result.
#' @param p_line Draw a dotted horizontal line at this p-value (`NULL` for
#'   none).
#' @param main,xlab Title and x-axis label.
#' @param legend Add a legend.
#' @param ... Passed to [stats::density()] (such as `bw` or `adjust`).
#' @return The plotted data, invisibly: a list of two data frames,
#'   `density` (`x`, `density`) and `points` (`estimate`, `p.value`), and
#'   `observed`.
#' @examples
#' d <- expand.grid(unit = 1:40, year = 2001:2010)
#' d$D <- as.numeric(d$unit <= 15 & d$year >= 2005)
#' d$y <- 0.5 * d$D + cos(d$unit + 2 * d$year)
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
#' pd <- plot(placebo(fit, draws = 100, seed = 1))
#' head(pd$points)
#' @export
plot.smartdid_placebo <- function(x, p_line = 0.1, main = "Placebo test",
                                  xlab = "Estimate", legend = TRUE, ...) {
  pd <- placebo_plot_data(x, ...)
  est <- pd$points$estimate
  pv <- pd$points$p.value
  xlim <- pd$xlim
  op <- graphics::par(mar = c(5, 4, if (isTRUE(legend)) 6 else 4, 4) + 0.1)
  on.exit(graphics::par(op))
  graphics::plot(pd$density$x, pd$density$density, type = "l", lwd = 2, xlim = xlim,
                 ylim = c(0, 1.04 * max(pd$density$density)), xlab = xlab,
                 ylab = "Density of placebo estimates", main = "")
  graphics::title(main = main, line = if (isTRUE(legend)) 4.2 else 2)
  graphics::abline(v = x$observed, lty = 2)
  graphics::par(new = TRUE)
  graphics::plot(est, pv, xlim = xlim, ylim = c(0, 1), axes = FALSE, xlab = "",
                 ylab = "", pch = 1, cex = 0.6, col = "grey40")
  graphics::axis(4)
  graphics::mtext("p-value of each placebo estimate", side = 4, line = 2.5)
  if (!is.null(p_line)) {
    graphics::abline(h = p_line, lty = 3, col = "grey40")
    graphics::text(xlim[2], p_line, paste0("p = ", format(p_line)), adj = c(1, -0.4),
                   cex = 0.75, col = "grey30")
  }
  # the observed estimate, labelled beside its line, with the randomization p
  right <- x$observed < mean(xlim)
  graphics::text(x$observed, 0.97, adj = c(if (right) -0.05 else 1.05, 1), cex = 0.75,
                 paste0("observed ", formatC(x$observed, format = "f", digits = 4),
                        "\nrandomization p = ", fmt_perm_p(x$p.value)))
  if (isTRUE(legend)) {
    # above the plotting region: never over the density or the p-values
    usr <- graphics::par("usr")
    graphics::legend(mean(usr[1:2]), usr[4], xjust = 0.5, yjust = 0, xpd = NA,
                     horiz = TRUE, bty = "n", cex = 0.8,
                     legend = c("Density of estimates", "p-values",
                                "Observed estimate"),
                     lty = c(1, NA, 2), lwd = c(2, NA, 1), pch = c(NA, 1, NA),
                     col = c("black", "grey40", "black"))
  }
  invisible(pd[c("density", "points", "observed")])
}

# The data of the placebo figure (also used by autoplot()): the density of
# the estimates, each draw's estimate and p-value, the observed estimate and
# x limits that keep the observed line off the frame.
placebo_plot_data <- function(x, ...) {
  ok <- !is.na(x$draws$estimate)
  est <- x$draws$estimate[ok]
  pv <- x$draws$p.value[ok]
  if (length(est) < 2L) sd_stop("'x' has fewer than two estimable draws to plot")
  dens <- stats::density(est, ...)
  xlim <- range(dens$x, x$observed)
  xlim <- xlim + c(-1, 1) * 0.08 * diff(xlim)
  list(density = data.frame(x = dens$x, density = dens$y),
       points = data.frame(estimate = est, p.value = pv),
       observed = x$observed, p.value = x$p.value, xlim = xlim)
}

#' Tidy and glance a placebo test
#'
#' @param x A [placebo()] result.
#' @param ... Not used.
#' @return `tidy()`: the draws, one row each: `draw`, `estimate`,
#'   `std.error`, `statistic`, `p.value`. `glance()`: one row with `type`,
#'   `draws`, `valid`, `observed`, `mean`, `sd`, `p.value` (randomization,
#'   `(1 + count) / (1 + B)`), `p.value_share`, `p.value_plus1`, and the shares of draws significant at 10, 5 and 1 %
#'   (`sig_10`, `sig_05`, `sig_01`).
#' @examples
#' d <- expand.grid(unit = 1:30, year = 2001:2008)
#' d$D <- as.numeric(d$unit <= 10 & d$year >= 2005)
#' d$y <- 0.5 * d$D + cos(d$unit + 2 * d$year)
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
#' pl <- placebo(fit, draws = 50, seed = 1)
#' head(tidy(pl))
#' glance(pl)
#' @name tidy.smartdid_placebo
#' @method tidy smartdid_placebo
#' @export
tidy.smartdid_placebo <- function(x, ...) {
  x$draws
}

#' @rdname tidy.smartdid_placebo
#' @method glance smartdid_placebo
#' @export
glance.smartdid_placebo <- function(x, ...) {
  est <- x$draws$estimate[!is.na(x$draws$estimate)]
  data.frame(type = x$type, draws = x$n_draws, valid = x$n_valid,
             observed = x$observed, mean = mean(est), sd = stats::sd(est),
             p.value = x$p.value, p.value_share = x$p.value_share,
             p.value_plus1 = x$p.value_plus1,
             sig_10 = unname(x$significant[1]), sig_05 = unname(x$significant[2]),
             sig_01 = unname(x$significant[3]), stringsAsFactors = FALSE)
}

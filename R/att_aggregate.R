# Aggregations of Callaway-Sant'Anna group-time effects, and the CS event
# study in the common event-study form.

#' Aggregate group-time average treatment effects
#'
#' Summarises the ATT(g, t) of [att_gt()] as in Callaway and Sant'Anna (2021):
#' * `"simple"`: the average of all post-treatment ATT(g, t), weighted by
#'   group size;
#' * `"dynamic"`: by event time e = t - g, the group-size weighted average of
#'   the ATT(g, g + e); overall, the mean over e >= 0;
#' * `"group"`: by group, the mean of its post-treatment ATT(g, t); overall,
#'   their group-size weighted average;
#' * `"calendar"`: by period, the group-size weighted average over the groups
#'   treated by then; overall, the mean over periods.
#'
#' Group sizes are shares of units, estimated, and their estimation enters the
#' influence function of every weighted average, so the standard errors equal
#' those of `did::aggte()`. Standard errors and intervals follow the settings
#' of `x` (analytic and pointwise, or multiplier bootstrap with a simultaneous
#' band over the rows), unless `bootstrap` is given.
#'
#' @param x A [att_gt()] result.
#' @param type `"simple"`, `"dynamic"`, `"group"` or `"calendar"`.
#' @param leads,lags Event times kept by `"dynamic"`: `-leads` to `lags`
#'   (`NULL`: all); `lags` also bounds the post-treatment horizon of every
#'   type.
#' @param bootstrap,draws,level Inference settings (by default those of `x`;
#'   `draws` is the number of bootstrap draws).
#' @param ... Not used; an error if given.
#' @param min_e,max_e,biters Deprecated names (`min_e = -leads`,
#'   `max_e = lags`, `biters = draws`), still accepted with a message.
#' @return An object of class `smartdid_att_agg`: `estimates` (a data frame
#'   with `rel_time`, `group` or `time`, then estimate, std.error, statistic,
#'   p.value, conf.low, conf.high; `NULL` for `"simple"`), `overall` (one
#'   row: estimate, std.error, statistic, p.value, conf.low, conf.high),
#'   `psi` (influence functions of the rows, then of the overall effect),
#'   `crit` and `type`. Methods `print()`, `generics::tidy()` (the rows, or
#'   the overall effect for `"simple"`) and `plot()`.
#' @examples
#' d <- expand.grid(unit = 1:60, year = 2001:2008)
#' d$first <- c(2004, 2006, NA)[d$unit %% 3 + 1]
#' d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
#' set.seed(2)
#' d$y <- ifelse(d$D == 1, d$year - d$first + 1, 0) + d$unit / 20 + rnorm(nrow(d))
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first")
#' at <- att_gt(fit, bootstrap = FALSE)
#' att_aggregate(at, "simple")
#' es <- att_aggregate(at, "dynamic")
#' tidy(es)
#' plot(es)
#' @export
att_aggregate <- function(x, type = c("simple", "dynamic", "group", "calendar"),
                          leads = NULL, lags = NULL, bootstrap = NULL,
                          draws = NULL, level = NULL, ..., min_e = NULL,
                          max_e = NULL, biters = NULL) {
  check_no_dots("att_aggregate()", ...)
  if (!inherits(x, "smartdid_att_gt")) sd_stop("'x' must be a result of att_gt()")
  type <- match.arg(type)
  # renamed arguments (R/deprecated.R): event time bounded by leads and lags
  # as in event_study(), bootstrap draws called draws as in placebo()
  leads <- sd_renamed(leads, if (!is.null(min_e)) -min_e, "leads", "min_e",
                      "att_aggregate", !is.null(leads))
  lags <- sd_renamed(lags, max_e, "lags", "max_e", "att_aggregate", !is.null(lags))
  draws <- sd_renamed(draws, biters, "draws", "biters", "att_aggregate",
                      !is.null(draws))
  for (a in list(list(leads, "leads"), list(lags, "lags"))) {
    if (!is.null(a[[1]]) && (!is.numeric(a[[1]]) || length(a[[1]]) != 1L ||
                             is.na(a[[1]]) || a[[1]] < 0)) {
      sd_stop("'", a[[2]], "' must be NULL or a number >= 0, such as 3")
    }
  }
  min_e <- if (is.null(leads)) -Inf else -leads
  max_e <- if (is.null(lags)) Inf else lags
  p <- x$params
  bootstrap <- bootstrap %||% p$bootstrap
  biters <- draws %||% p$biters
  level <- level %||% p$level
  check_flag(bootstrap, "bootstrap")
  check_level(level)
  e <- x$estimates
  ok <- !is.na(e$estimate)
  N <- x$n_units
  g_all <- sort(unique(e$group))
  uw <- x$unit_weights %||% rep(1, N)
  pg_grp <- vapply(g_all, function(g) mean(uw * (x$unit_cohort == g)), 1)
  pg <- pg_grp[match(e$group, g_all)]
  rel <- clock_rel(x$clock, e$time, e$group)   # event time on the one clock
  post <- ok & rel >= 0 & rel <= max_e
  K <- nrow(e)
  # a weighted average of cells `which` with estimated group-share weights;
  # its influence function is psi %*% wk (cs_psi(), in agg_finish()) plus
  # `extra`, that of the weights
  wavg <- function(which) {
    w <- pg[which] / sum(pg[which])
    est <- sum(w * e$estimate[which])
    wk <- numeric(K)
    wk[which] <- w
    list(est = est, wk = wk,
         extra = agg_wif_dot(which, pg, x$unit_cohort, e$group, uw, e$estimate[which]))
  }
  rows <- NULL
  if (type == "simple") {
    ov <- wavg(which(post))
  } else if (type == "dynamic") {
    es <- sort(unique(rel[ok & rel >= min_e & rel <= max_e]))
    parts <- lapply(es, function(k) wavg(which(ok & rel == k)))
    rows <- agg_rows(data.frame(rel_time = es), parts)
    pos <- es >= 0
    ov <- agg_mean(parts[pos])
  } else if (type == "group") {
    gs <- g_all[vapply(g_all, function(g) any(post & e$group == g), TRUE)]
    parts <- lapply(gs, function(g) {
      which <- which(post & e$group == g)
      wk <- numeric(K)
      wk[which] <- 1 / length(which)
      list(est = mean(e$estimate[which]), wk = wk, extra = 0)
    })
    rows <- agg_rows(data.frame(group = gs), parts)
    pgg <- pg_grp[match(gs, g_all)]
    w <- pgg / sum(pgg)
    att_g <- vapply(parts, `[[`, 1, "est")
    ov <- list(est = sum(w * att_g),
               wk = drop(vapply(parts, `[[`, numeric(K), "wk") %*% w),
               extra = agg_wif_dot(seq_along(gs), pgg, x$unit_cohort, gs, uw, att_g))
  } else {
    ts <- sort(unique(e$time[e$time >= min(e$group)]))
    ts <- ts[vapply(ts, function(t) any(ok & e$time == t & e$group <= t), TRUE)]
    parts <- lapply(ts, function(t) wavg(which(ok & e$time == t & e$group <= t)))
    rows <- agg_rows(data.frame(time = ts), parts)
    ov <- agg_mean(parts)
  }
  agg_finish(rows, ov, x, type, bootstrap, biters, level)
}

#' @rdname att_aggregate
#' @importFrom stats aggregate
#' @export
aggregate.smartdid_att_gt <- function(x, type = c("simple", "dynamic", "group",
                                                  "calendar"), ...) {
  att_aggregate(x, type = type, ...)
}

# Influence function of estimated weights pg[k] / sum(pg[keep]) (units x
# cells) times the estimates `est` of the cells: the group shares are
# (weighted) means of unit indicators, so with ind_k = uw 1(cohort = g_k) -
# pg_k the product is sum_k est_k (ind_k / S - rowSums(ind) pg_k / S^2),
# computed through per-cohort sums in O(units), without the units x cells
# matrix.
agg_wif_dot <- function(keep, pg, cohort, group, uw, est) {
  S <- sum(pg[keep])
  g <- group[keep]
  p <- pg[keep]
  lev <- unique(g)
  a <- vapply(lev, function(v) sum(est[g == v]), 1)
  cnt <- vapply(lev, function(v) sum(g == v), 1)
  ci <- match(cohort, lev)
  on <- !is.na(ci)
  sum_est_ind <- -sum(est * p) + ifelse(on, uw * a[ci], 0)
  row_ind <- -sum(p) + ifelse(on, uw * cnt[ci], 0)
  sum_est_ind / S - row_ind * sum(p * est) / S^2
}

# The rows' estimates, their parts (cell weights and influence functions of
# the weights) kept as attribute "parts".
agg_rows <- function(key, parts) {
  key$estimate <- vapply(parts, `[[`, 1, "est")
  attr(key, "parts") <- parts
  key
}

agg_mean <- function(parts) {
  K <- length(parts[[1L]]$wk)
  list(est = mean(vapply(parts, `[[`, 1, "est")),
       wk = rowMeans(matrix(vapply(parts, `[[`, numeric(K), "wk"), K)),
       extra = agg_extra_mean(parts))
}

# Mean of the parts' weight influence functions (scalars 0 or unit vectors).
agg_extra_mean <- function(parts) {
  Reduce(`+`, lapply(parts, `[[`, "extra")) / length(parts)
}

# Influence functions (units x parts) of the rows and the overall effect:
# psi %*% (their cell weights) in one cs_psi() call, plus the influence
# functions of their estimated weights.
agg_psi <- function(x, parts) {
  W <- matrix(vapply(parts, `[[`, numeric(length(parts[[1L]]$wk)), "wk"),
              ncol = length(parts))
  psi <- cs_psi(x, W)
  for (j in seq_along(parts)) psi[, j] <- psi[, j] + parts[[j]]$extra
  psi
}

# Standard errors (analytic or bootstrap) and intervals of the rows and the
# overall effect.
agg_finish <- function(rows, ov, x, type, bootstrap, biters, level) {
  N <- x$n_units
  parts <- if (is.null(rows)) list() else attr(rows, "parts")
  psi <- agg_psi(x, c(parts, list(ov)))
  psi_rows <- psi[, seq_along(parts), drop = FALSE]
  se <- cs_se(psi, x$cluster)
  z <- stats::qnorm(1 - (1 - level) / 2)
  crit <- z
  if (bootstrap) {
    b <- cs_bootstrap(psi, x$cluster, biters, x$params$multiplier, level, N)
    se <- b$se
    if (ncol(psi_rows) > 1L) {
      crit <- cs_bootstrap(psi_rows, x$cluster, biters, x$params$multiplier,
                           level, N)$crit
      se[seq_len(ncol(psi_rows))] <- b$se[seq_len(ncol(psi_rows))]
    }
  }
  k <- ncol(psi_rows)
  overall <- sd_infer(ov$est, se[k + 1L], level)
  est <- NULL
  if (k) {
    inf <- sd_infer(rows$estimate, se[seq_len(k)], level, crit = crit)
    est <- cbind(rows[, 1L, drop = FALSE], inf)
    attr(est, "parts") <- NULL
  }
  structure(list(type = type, estimates = est, overall = overall, psi = psi,
                 crit = unname(crit), n_units = N, params = x$params,
                 bootstrap = bootstrap, level = level, outcome = x$outcome),
            class = "smartdid_att_agg")
}

#' @rdname att_aggregate
#' @export
tidy.smartdid_att_agg <- function(x, ...) {
  if (is.null(x$estimates)) x$overall else x$estimates
}

#' @rdname att_aggregate
#' @param digits Digits to print.
#' @export
print.smartdid_att_agg <- function(x, digits = 4, ...) {
  what <- c(simple = "simple average", dynamic = "by event time",
            group = "by group", calendar = "by calendar period")[[x$type]]
  cat("Aggregated ATT (Callaway and Sant'Anna), ", what, "\n", sep = "")
  cat("Outcome: ", x$outcome, "   units: ", x$n_units, "   comparison: ",
      if (x$params$control == "never") "never treated" else "not yet treated",
      "\n", sep = "")
  o <- x$overall
  cat("Overall ATT: ", fmt_num(o$estimate, digits), " (std. error ",
      fmt_num(o$std.error, digits), "), ", 100 * x$level, "% CI [",
      fmt_num(o$conf.low, digits), ", ", fmt_num(o$conf.high, digits), "]\n",
      sep = "")
  if (!is.null(x$estimates)) {
    cat(if (x$bootstrap) "Simultaneous" else "Pointwise", " ", 100 * x$level,
        "% intervals\n\n", sep = "")
    e <- x$estimates
    tab <- data.frame(e[[1]], fmt_num(e$estimate, digits), fmt_num(e$std.error, digits),
                      fmt_num(e$conf.low, digits), fmt_num(e$conf.high, digits))
    names(tab) <- c(names(e)[1], "ATT", "Std. Error", "Conf. low", "Conf. high")
    print(tab, row.names = FALSE)
  }
  invisible(x)
}

#' @rdname att_aggregate
#' @param main,xlab,ylab Title and axis labels.
#' @export
plot.smartdid_att_agg <- function(x, main = NULL, xlab = NULL,
                                  ylab = "ATT", ...) {
  e <- x$estimates
  if (is.null(e)) sd_stop("a simple aggregation has no rows to plot")
  key <- names(e)[1]
  xlab <- xlab %||% c(rel_time = "Event time", group = "Group",
                      time = "Period")[[key]]
  main <- main %||% paste("ATT", c(rel_time = "by event time", group = "by group",
                                   time = "by period")[[key]])
  ylim <- range(c(e$conf.low, e$conf.high, 0), na.rm = TRUE)
  graphics::plot(e[[1]], e$estimate, pch = 19, ylim = ylim, xlab = xlab,
                 ylab = ylab, main = main, ...)
  graphics::segments(e[[1]], e$conf.low, e[[1]], e$conf.high)
  graphics::abline(h = 0, lty = 2, col = "grey")
  if (key == "rel_time") graphics::abline(v = -0.5, lty = 3, col = "grey")
  invisible(e)
}

# The Callaway-Sant'Anna event study (event_study(estimator = "cs")):
# dynamic aggregation by event time e in [-leads, lags], the simple ATT
# overall, the covariance of the event-time estimates from their influence
# functions. Analytic standard errors and pointwise normal intervals by
# default; with bootstrap = TRUE, multiplier-bootstrap standard errors and a
# simultaneous band over the reported event times. `...` goes to att_gt()
# (covariates, base_period, anticipation, biters, seed, ...).
es_cs <- function(fit, comparison = c("never", "notyet"), leads = NULL, lags = NULL,
                  level = 0.95, bootstrap = FALSE, ..., control = NULL) {
  control <- sd_renamed(comparison, control, "comparison", "control",
                        "event_study(estimator = \"cs\")", !missing(comparison))
  control <- sd_match_arg(control, c("never", "notyet"), "comparison")
  check_level(level)
  sd_window(0, leads, lags)
  at <- att_gt(fit, comparison = control, bootstrap = bootstrap, level = level, ...)
  dyn <- att_aggregate(at, "dynamic", leads = leads, lags = lags)
  simple <- att_aggregate(at, "simple")
  e <- dyn$estimates
  k <- nrow(e)
  S <- dyn$psi[, seq_len(k), drop = FALSE] / at$n_units
  if (length(unique(at$cluster)) < at$n_units) S <- rowsum(S, at$cluster)
  V <- crossprod(S)
  es_build(e$rel_time, e$estimate, e$std.error, V, simple$overall, "cs", at$nobs,
           fit, level, crit = if (bootstrap) dyn$crit,
           influence = list(psi = S, ids = rownames(S) %||% seq_len(nrow(S)),
                            factor = 1),
           overall_weights = cs_overall_weights(at, e$rel_time),
           info = list(control = control, covariates = at$params$covariates,
                       base_period = at$params$base_period,
                       anticipation = at$params$anticipation,
                       n_units = at$n_units, overall_label = "simple ATT",
                       outcome = fit$outcome, bootstrap = bootstrap, crit = dyn$crit,
                       dynamic_overall = dyn$overall, att_gt = at,
                       clock = es_clock_info(fit, at$clock),
                       note = paste0("Callaway-Sant'Anna: ", control, "-treated ",
                                     "comparisons, ", at$params$base_period,
                                     " base period; std. errors from influence ",
                                     "functions (normal)")))
}

# The simple ATT as a combination of the event-time rows: each post-period
# event time weighted by the group shares of its cells (NULL when the rows
# leave out a post-period event time).
cs_overall_weights <- function(at, rel_rows) {
  e <- at$estimates
  rel <- clock_rel(at$clock, e$time, e$group)
  post <- !is.na(e$estimate) & rel >= 0
  uw <- at$unit_weights %||% rep(1, at$n_units)
  pg <- vapply(e$group[post], function(g) mean(uw * (at$unit_cohort == g)), 1)
  s_e <- tapply(pg, rel[post], sum)
  ks <- as.numeric(names(s_e))
  if (!all(ks %in% rel_rows)) return(NULL)
  w <- numeric(length(rel_rows))
  w[match(ks, rel_rows)] <- s_e / sum(s_e)
  w
}

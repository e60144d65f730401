# Methods for event-study objects (class smartdid_es), whatever the estimator.

#' @export
coef.smartdid_es <- function(object, ...) {
  e <- object$estimates[!object$estimates$reference, , drop = FALSE]
  stats::setNames(e$estimate, e$term)
}

#' @export
vcov.smartdid_es <- function(object, ...) object$vcov

#' @export
nobs.smartdid_es <- function(object, ...) object$nobs

#' Tidy and glance an event study
#'
#' @param x An event study from [event_study()].
#' @param conf.int Keep the confidence limits.
#' @param conf.level Confidence level (the limits are recomputed from the
#'   standard errors when it differs from the event study's level).
#' @param ... Not used.
#' @return `tidy()`: one row per relative period with `term` (`"rel::-7"`,
#'   ...), numeric `rel_time`, `estimate`, `std.error`, `statistic`,
#'   `p.value`, `conf.low`, `conf.high`, `reference` (the reference period(s):
#'   estimate 0, `NA` std.error) and any estimator-specific columns (such as
#'   `n_obs`, the treated observations at that relative time). `glance()`:
#'   one row with `nobs`, `estimator`, the pre-trend test (`pretest_F`,
#'   `pretest_df1`, `pretest_df2`, `pretest_p`), the overall effect
#'   (`overall`, `overall_se`, `overall_p`), for regression estimators
#'   `r.squared`, `adj.r.squared`, `within.r.squared`, and `n_clusters`: the
#'   clusters the inference used (the regression's, the smaller of two with
#'   two-way clustering; for `"dcdh"` the clusters, or units, its influence
#'   functions are summed over; `NA` when the estimator reports none).
#' @examples
#' d <- expand.grid(year = 1:10, unit = 1:40)
#' d$D <- as.numeric(d$unit <= 20 & d$year >= 4 + d$unit %% 3)
#' d$y <- d$D * (d$year - 3) / 4 + cos(d$unit * d$year)
#' es <- event_study(smartdid(y ~ 1, data = d, id = "unit", time = "year",
#'                            treat = "D"), leads = 3, lags = 4)
#' tidy(es)
#' glance(es)
#' @name tidy.smartdid_es
#' @method tidy smartdid_es
#' @export
tidy.smartdid_es <- function(x, conf.int = TRUE, conf.level = x$level, ...) {
  check_level(conf.level, "conf.level")
  tab <- x$estimates
  if (!isTRUE(all.equal(conf.level, x$level))) {
    tab[, c("conf.low", "conf.high")] <- es_limits(tab, x$df, conf.level)
  }
  if (!isTRUE(conf.int)) tab$conf.low <- tab$conf.high <- NULL
  tab
}

es_limits <- function(tab, df, level) {
  sd_infer(tab$estimate, tab$std.error, level, df,
           reference = tab$reference)[c("conf.low", "conf.high")]
}

#' @rdname tidy.smartdid_es
#' @method glance smartdid_es
#' @export
glance.smartdid_es <- function(x, ...) {
  pt <- x$pretest
  m <- x$model
  data.frame(
    nobs = x$nobs, estimator = x$estimator,
    pretest_F = if (is.null(pt)) NA_real_ else pt$statistic,
    pretest_df1 = if (is.null(pt)) NA_real_ else pt$df1,
    pretest_df2 = if (is.null(pt)) NA_real_ else pt$df2,
    pretest_p = if (is.null(pt)) NA_real_ else pt$p.value,
    overall = x$overall$estimate, overall_se = x$overall$std.error,
    overall_p = x$overall$p.value,
    r.squared = if (is.null(m)) NA_real_ else m$r.squared,
    adj.r.squared = if (is.null(m)) NA_real_ else m$adj.r.squared,
    within.r.squared = if (is.null(m)) NA_real_ else m$within.r.squared,
    n_clusters = es_n_clusters(x),
    df = x$df, stringsAsFactors = FALSE)
}

# The number of clusters the event study's inference used: its regression's
# (the smallest, with two-way clustering), else the estimator's own count
# in info$n_clusters (dcdh: the clusters, or units, its influence functions
# are summed over), else NA.
es_n_clusters <- function(x) {
  n <- x$model$n_clusters %||% x$info$n_clusters
  if (is.null(n)) NA_integer_ else as.integer(min(n))
}

p_eq <- function(p) {
  f <- format_p(p)
  paste0("p ", ifelse(startsWith(f, "<"), f, paste("=", f)))
}

format_p <- function(p) {
  ifelse(is.na(p), "NA", ifelse(p < 1e-4, "< 1e-04", formatC(p, format = "f", digits = 4)))
}

#' @export
format.smartdid_es <- function(x, digits = 4, ...) {
  inf <- x$info
  out <- paste0("Event study (", es_estimator_label(x$estimator), ")")
  if (!is.null(inf$outcome)) out <- c(out, paste0("Outcome: ", inf$outcome))
  if (!is.null(inf$leads)) {
    out <- c(out, paste0("Window: ", -inf$leads, " to ", inf$lags,
                         if (isTRUE(inf$bin)) " (end points binned)" else
                           " (periods beyond dropped)",
                         "; reference: ", paste(inf$ref, collapse = ", ")))
  }
  line <- paste0("Observations: ", format(x$nobs, big.mark = ","))
  if (!is.null(inf$units)) {
    line <- paste0(line, "; units: ", inf$units[["treated"]], " treated, ",
                   inf$units[["never"]], " never treated")
  }
  out <- c(out, line)
  if (!is.null(inf$dropped)) {
    dd <- inf$dropped[inf$dropped$rows > 0, , drop = FALSE]
    if (nrow(dd)) {
      out <- c(out, paste0("Dropped: ", paste0(format(dd$rows, big.mark = ","), " (",
                                               dd$reason, ")", collapse = ", ")))
    }
  }
  if (!is.null(inf$vcov_text)) out <- c(out, paste0("Std. errors: ", inf$vcov_text))
  ck <- inf$clock
  if (!is.null(ck) && (!identical(ck$spacing, 1) || ck$gaps > 0L)) {
    out <- c(out, paste0("Relative time: periods of the panel's calendar (", ck$text, ")"))
  }
  if (!is.null(inf$note)) out <- c(out, inf$note)
  e <- x$estimates
  fmt <- function(v) ifelse(is.na(v), "", formatC(v, format = "f", digits = digits))
  tab <- cbind(
    `Rel. period` = format(e$rel_time),
    Estimate = ifelse(e$reference, "0 (reference)", fmt(e$estimate)),
    `Std. Error` = fmt(e$std.error),
    `t value` = ifelse(is.na(e$statistic), "", formatC(e$statistic, format = "f",
                                                         digits = 2)),
    `Pr(>|t|)` = ifelse(e$reference, "", format_p(e$p.value)),
    ` ` = ifelse(e$reference | is.na(e$p.value), "", signif_stars(e$p.value)))
  tab[!e$reference & is.na(e$estimate), "Estimate"] <- "NA (not estimable)"
  widths <- pmax(nchar(colnames(tab)), apply(tab, 2, function(v) max(nchar(v))))
  pad <- function(v, w, left) formatC(v, width = if (left) -w else w)
  rows <- apply(rbind(colnames(tab), tab), 1, function(v) {
    paste(vapply(seq_along(v), function(j) pad(v[j], widths[j], j == 6), ""),
          collapse = "  ")
  })
  out <- c(out, "", sub("\\s+$", "", rows), "---")
  pt <- x$pretest
  if (!is.null(pt)) {
    df2 <- if (is.finite(pt$df2)) format(pt$df2) else "Inf"
    out <- c(out, paste0("Pre-trend test (all ", length(pt$rel_time), " pre-period ",
                         "coefficients = 0): F(", pt$df1, ", ", df2, ") = ",
                         formatC(pt$statistic, format = "f", digits = 3),
                         ", ", p_eq(pt$p.value)))
  } else {
    out <- c(out, "Pre-trend test: no pre-period coefficient estimated")
  }
  o <- x$overall
  what <- inf$overall_label %||% "overall effect"
  out <- c(out, paste0("Overall (", what, "): ", fmt(o$estimate), " (std. error ",
                       fmt(o$std.error), "), t = ",
                       formatC(o$statistic, format = "f", digits = 2),
                       ", ", p_eq(o$p.value)))
  out
}

signif_stars <- function(p) {
  as.character(cut(p, c(-Inf, 0.01, 0.05, 0.1, Inf), c("***", "**", "*", ""),
                   right = FALSE))
}

#' @export
print.smartdid_es <- function(x, digits = 4, ...) {
  cat(format(x, digits = digits), sep = "\n")
  invisible(x)
}

#' Plot data of one or more event studies
#'
#' The data behind `plot()` of an event study, for users who draw their own
#' figure (with ggplot2, say). Several event studies are stacked, with their
#' estimator (or the argument names) in the `estimator` column.
#'
#' @param ... Event studies from [event_study()] (optionally named).
#' @param level Confidence level of the intervals (default: each event
#'   study's own).
#' @return A data frame with `estimator`, `rel_time`, `estimate`,
#'   `std.error`, `conf.low`, `conf.high`, `reference`.
#' @examples
#' d <- expand.grid(year = 1:10, unit = 1:40)
#' d$D <- as.numeric(d$unit <= 20 & d$year >= 4 + d$unit %% 3)
#' d$y <- d$D * (d$year - 3) / 4 + cos(d$unit * d$year)
#' es <- event_study(smartdid(y ~ 1, data = d, id = "unit", time = "year",
#'                            treat = "D"), leads = 3, lags = 4)
#' es_plot_data(es, level = 0.9)
#' @export
es_plot_data <- function(..., level = NULL) {
  all <- list(...)
  if (length(all) == 0L) sd_stop("es_plot_data() needs one or more event studies")
  nms <- names(all) %||% rep("", length(all))
  out <- lapply(seq_along(all), function(i) {
    es <- all[[i]]
    if (!inherits(es, "smartdid_es")) {
      sd_stop("every argument of es_plot_data() must be an event study from ",
              "event_study()")
    }
    tab <- tidy.smartdid_es(es, conf.level = level %||% es$level)
    data.frame(estimator = if (nzchar(nms[i])) nms[i] else es$estimator,
               rel_time = tab$rel_time, estimate = tab$estimate,
               std.error = tab$std.error, conf.low = tab$conf.low,
               conf.high = tab$conf.high, reference = tab$reference,
               stringsAsFactors = FALSE)
  })
  do.call(rbind, out)
}

#' Plot an event study
#'
#' The classic event-study figure in base graphics: one point per relative
#' period with its confidence interval, a horizontal line at zero and a
#' vertical line between the last pre-period and adoption. The confidence
#' level is in the y-axis label; every period keeps its axis label (shrunk
#' or staggered when space is short), and the first period of a binned TWFE
#' event study is labelled as the bin it is ("<= -8"). The reference period
#' is an open circle. `autoplot()` draws the same with ggplot2.
#'
#' @param x An event study from [event_study()].
#' @param level Confidence level of the intervals (default: the event
#'   study's).
#' @param main,xlab,ylab Title and axis labels (`ylab` names the confidence
#'   level by default).
#' @param col,pch Colour and symbol of the points and intervals.
#' @param ci `"bars"` (error bars) or `"band"` (a shaded band).
#' @param vline Where to draw the vertical line (`NULL` for none).
#' @param ... Passed to [graphics::plot()].
#' @return The plotted data (invisibly), as [es_plot_data()] with the axis
#'   `label` of each period and the `level`.
#' @examples
#' d <- expand.grid(year = 1:10, unit = 1:40)
#' d$D <- as.numeric(d$unit <= 20 & d$year >= 4 + d$unit %% 3)
#' d$y <- d$D * (d$year - 3) / 4 + cos(d$unit * d$year)
#' es <- event_study(smartdid(y ~ 1, data = d, id = "unit", time = "year",
#'                            treat = "D"), leads = 3, lags = 4)
#' plot(es, level = 0.9, main = "Dynamic effects")
#' @export
plot.smartdid_es <- function(x, level = NULL, main = "Event study",
                             xlab = "Periods relative to adoption",
                             ylab = NULL, col = "black", pch = 19,
                             ci = c("bars", "band"), vline = -0.5, ...) {
  ci <- sd_match_arg(ci, c("bars", "band"), "ci")
  if (!is.null(level)) check_level(level)
  pd <- es_plot_data(x, level = level)
  pd$label <- es_rel_label(x, pd$rel_time)
  pd$level <- level %||% x$level
  ylab <- ylab %||% paste("Estimate and", ci_words(pd$level[1]))
  ok <- !is.na(pd$estimate)
  ylim <- range(c(pd$conf.low[ok], pd$conf.high[ok], 0), na.rm = TRUE)
  graphics::plot(pd$rel_time[ok], pd$estimate[ok], type = "n", ylim = ylim,
                 xlab = xlab, ylab = ylab, main = main, xaxt = "n", ...)
  axis_all(1, at = pd$rel_time, labels = plotmath_labels(pd$label))
  graphics::abline(h = 0, lty = 2, col = "grey40")
  if (!is.null(vline)) graphics::abline(v = vline, lty = 3, col = "grey40")
  if (ci == "band") {
    band <- grDevices::adjustcolor(col, alpha.f = 0.2)
    graphics::polygon(c(pd$rel_time[ok], rev(pd$rel_time[ok])),
                      c(pd$conf.low[ok], rev(pd$conf.high[ok])), col = band,
                      border = NA)
    graphics::lines(pd$rel_time[ok], pd$estimate[ok], col = col)
  } else {
    bars <- ok & !pd$reference
    graphics::arrows(pd$rel_time[bars], pd$conf.low[bars], pd$rel_time[bars],
                     pd$conf.high[bars], angle = 90, code = 3, length = 0.03, col = col)
  }
  graphics::points(pd$rel_time[ok], pd$estimate[ok], pch = ifelse(pd$reference[ok], 1, pch),
                   col = col)
  invisible(pd)
}

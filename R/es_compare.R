#' Compare event studies in one figure
#'
#' Overlays several event studies (for instance the two-way fixed-effects
#' one and the heterogeneity-robust estimators of [event_study()]) in one
#' base-graphics figure: each estimator's points and confidence intervals,
#' shifted slightly along the x axis so they do not overlap, with a legend.
#' This is the usual way to show that the TWFE dynamics survive (or not) the
#' corrections for staggered adoption.
#'
#' @param ... Event studies from [event_study()]; names, if given, label
#'   them in the legend.
#' @param level Confidence level of the intervals (default: each study's).
#' @param main,xlab,ylab Title and axis labels (`ylab` names the confidence
#'   level by default).
#' @param col,pch Colours and symbols, one per event study (recycled).
#' @param dodge Horizontal shift between estimators, in periods.
#' @param legend `"above"` (the default: in the top margin, never over the
#'   estimates), another position of [graphics::legend()], or `NULL` for none.
#' @param truth Optional true effects to mark (in simulations): a numeric
#'   vector named by relative period, or a data frame with `rel_time` and
#'   `estimate`; drawn as crosses and listed in the legend.
#' @return The plotted data (invisibly): [es_plot_data()] of the event studies
#'   with the shifted positions in `x` (and the truth as rows with
#'   `estimator = "truth"`).
#' @examples
#' d <- expand.grid(year = 1:10, unit = 1:60)
#' d$first <- ifelse(d$unit <= 40, 4 + d$unit %% 3, NA)
#' d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
#' d$y <- d$D * (d$year - d$first + 1) / 4 + cos(d$unit * d$year)
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", cohort = "first")
#' plot_event_studies(TWFE = event_study(fit, leads = 3, lags = 3),
#'                    `Sun-Abraham` = event_study(fit, leads = 3, lags = 3,
#'                                                estimator = "sunab"))
#' @export
plot_event_studies <- function(..., level = NULL, main = "Event studies compared",
                               xlab = "Periods relative to adoption",
                               ylab = NULL,
                               col = c("black", "firebrick", "steelblue", "darkgreen"),
                               pch = c(19, 17, 15, 18), dodge = 0.12,
                               legend = "above", truth = NULL) {
  if (!is.null(level)) check_level(level)
  if (!is.numeric(dodge) || length(dodge) != 1L || is.na(dodge)) {
    sd_stop("'dodge' must be a number, such as 0.12")
  }
  pd <- es_plot_data(..., level = level)
  es_check_clocks(list(...))
  lev <- level %||% unique(vapply(list(...), function(e) e$level, 1))
  ylab <- ylab %||% paste("Estimate and", if (length(lev) == 1L) ci_words(lev) else
    "confidence interval")
  labs <- unique(pd$estimator)
  k <- match(pd$estimator, labs)
  pd$x <- pd$rel_time + (k - (length(labs) + 1) / 2) * dodge
  col <- rep_len(col, length(labs))
  pch <- rep_len(pch, length(labs))
  ok <- !is.na(pd$estimate)
  tr <- es_truth(truth)
  ylim <- range(c(pd$conf.low[ok], pd$conf.high[ok], 0, tr$estimate), na.rm = TRUE)
  above <- identical(legend, "above")
  if (above) {
    op <- graphics::par(mar = graphics::par("mar") + c(0, 0, 1.5, 0))
    on.exit(graphics::par(op))
  }
  graphics::plot(pd$x[ok], pd$estimate[ok], type = "n", ylim = ylim, xlab = xlab,
                 ylab = ylab, main = "", xaxt = "n")
  graphics::title(main = main, line = if (above) 3 else 1.5)
  axis_all(1, at = sort(unique(pd$rel_time)))
  graphics::abline(h = 0, lty = 2, col = "grey40")
  graphics::abline(v = -0.5, lty = 3, col = "grey40")
  ci <- ok & !is.na(pd$conf.low)
  graphics::segments(pd$x[ci], pd$conf.low[ci], pd$x[ci], pd$conf.high[ci],
                     col = col[k[ci]])
  graphics::points(pd$x[ok], pd$estimate[ok], col = col[k[ok]], pch = pch[k[ok]])
  if (!is.null(tr)) {
    graphics::points(tr$rel_time, tr$estimate, pch = 4, cex = 1.4, lwd = 2, col = "darkorange")
  }
  if (!is.null(legend)) {
    lg <- list(legend = c(labs, if (!is.null(tr)) "truth"),
               col = c(col, if (!is.null(tr)) "darkorange"),
               pch = c(pch, if (!is.null(tr)) 4), cex = 0.85)
    if (above) do.call(legend_above, lg) else do.call(graphics::legend, c(list(legend, bty = "n"), lg))
  }
  if (!is.null(tr)) {
    add <- pd[rep(NA_integer_, nrow(tr)), , drop = FALSE]
    add$estimator <- "truth"
    add$rel_time <- add$x <- tr$rel_time
    add$estimate <- tr$estimate
    add$reference <- FALSE
    pd <- rbind(pd, add)
    rownames(pd) <- NULL
  }
  invisible(pd)
}

# True effects to mark: a vector named by relative period or a data frame.
es_truth <- function(truth) {
  if (is.null(truth)) return(NULL)
  if (is.data.frame(truth) && all(c("rel_time", "estimate") %in% names(truth))) {
    return(data.frame(rel_time = as.numeric(truth$rel_time),
                      estimate = as.numeric(truth$estimate)))
  }
  rt <- suppressWarnings(as.numeric(names(truth)))
  if (!is.numeric(truth) || is.null(names(truth)) || anyNA(rt)) {
    sd_stop("'truth' must be a numeric vector named by relative period, such as ",
            "c(`0` = -0.1, `1` = -0.2), or a data frame with 'rel_time' and 'estimate'")
  }
  data.frame(rel_time = rt, estimate = unname(as.numeric(truth)))
}

# Event studies drawn on one axis must count relative time in periods of the
# same length (R/clock.R); fits of differently spaced panels do not.
es_check_clocks <- function(studies) {
  sp <- vapply(studies, function(es) {
    s <- es$info$clock$spacing
    if (is.null(s)) NA_real_ else s
  }, 1)
  sp <- unique(sp[!is.na(sp)])
  if (length(sp) > 1L) {
    warning("the event studies count relative time in periods of different ",
            "lengths (spacing ", paste(format(sp), collapse = " and "), "); ",
            "one period on the x axis does not mean the same for all of them",
            call. = FALSE)
  }
  invisible(sp)
}

#' Print, tidy and plot a sensitivity analysis
#'
#' `tidy()` returns one row per target and bound (`target`, `parameter`
#' (`"Mbar"` or `"M"`), `bound`, `conf.low`, `conf.high`, `method`) preceded
#' by the original (parallel-trends) interval of each target (`method =
#' "original"`, `bound = NA`): that data frame is the plot's data. `plot()`
#' draws the robust intervals against the bound, the original interval at the
#' left in another colour, a dashed line at zero and the breakdown value as a
#' dotted vertical line; with several targets, one panel each. `autoplot()`
#' draws the same with \pkg{ggplot2}.
#'
#' @param x,object A [sensitivity()] result.
#' @param digits Digits printed.
#' @param main Title of the plot (of each panel when several targets are plotted);
#'   by default the target's name when there are several, else none.
#' @param ... Unused (`plot()`: passed to [graphics::plot()]).
#' @return `print()` and `plot()` return `x` invisibly; `tidy()` a data
#'   frame; `autoplot()` a ggplot object.
#' @examples
#' est <- data.frame(rel_time = -3:2, estimate = c(0.01, -0.02, 0, 0.3, 0.35, 0.4),
#'                   std.error = c(0.05, 0.05, NA, 0.06, 0.07, 0.08))
#' est <- es_fill_stats(est)
#' V <- diag(est$std.error[-3]^2)
#' dimnames(V) <- rep(list(paste0("rel::", est$rel_time[-3])), 2)
#' es <- new_event_study(est, es_overall(est, V), "manual", nobs = 100, vcov = V)
#' s <- sensitivity(es, Mbar = c(0, 1, 2))
#' tidy(s)
#' plot(s)
#' @name sensitivity-methods
NULL

#' @rdname sensitivity-methods
#' @export
print.smartdid_sensitivity <- function(x, digits = 4, ...) {
  cat(format(x, digits = digits), sep = "\n")
  invisible(x)
}

#' @rdname sensitivity-methods
#' @export
format.smartdid_sensitivity <- function(x, digits = 4, ...) {
  what <- if (x$type == "relative") "relative magnitudes (Mbar)" else "smoothness (M)"
  out <- c(paste0("Sensitivity to violations of parallel trends: ", what),
           paste0("Method: ", x$method, ", ", format(100 * x$level), "% intervals; ",
                  "estimator: ", x$estimator))
  if (!is.null(x$note)) out <- c(out, paste0("Reference: ", x$note))
  for (tg in names(x$weights)) {
    w <- x$weights[[tg]]
    o <- x$original[x$original$target == tg, ]
    r <- x$results[x$results$target == tg, ]
    b <- x$breakdown$breakdown[x$breakdown$target == tg]
    out <- c(out, "", paste0("Target: ", tg, " (weights ",
                             paste(fmt_num(w, 3), collapse = " "), " on relative times ",
                             paste(x$periods[x$periods >= 0], collapse = ", "), ")"),
             paste0("  original  ", fmt_num(o$estimate, digits), "  [",
                    fmt_num(o$conf.low, digits), ", ", fmt_num(o$conf.high, digits), "]"))
    tab <- paste0("  ", formatC(x$parameter, width = 4), " = ",
                  formatC(r$bound, format = "g", digits = 4, width = -6), "[",
                  fmt_num(r$conf.low, digits), ", ", fmt_num(r$conf.high, digits), "]",
                  ifelse(r$open, "  (open: the accepted set reaches the search range)", ""))
    out <- c(out, tab, paste0("  breakdown ", x$parameter, ": ",
                              if (!isTRUE(x$breakdown_computed)) "not computed"
                              else if (is.na(b)) "none (the original interval includes 0)"
                              else formatC(b, format = "g", digits = 4)))
  }
  out
}

#' @rdname sensitivity-methods
#' @method tidy smartdid_sensitivity
#' @export
tidy.smartdid_sensitivity <- function(x, ...) {
  o <- x$original
  orig <- data.frame(target = o$target, parameter = x$parameter, bound = NA_real_,
                     conf.low = o$conf.low, conf.high = o$conf.high, method = "original")
  r <- x$results
  res <- data.frame(target = r$target, parameter = x$parameter, bound = r$bound,
                    conf.low = r$conf.low, conf.high = r$conf.high, method = r$method)
  out <- rbind(orig, res)
  out[order(match(out$target, names(x$weights))), , drop = FALSE]
}

#' @rdname sensitivity-methods
#' @export
plot.smartdid_sensitivity <- function(x, main = NULL, ...) {
  tg <- names(x$weights)
  if (length(tg) > 1L) {
    op <- graphics::par(mfrow = grDevices::n2mfrow(length(tg)))
    on.exit(graphics::par(op))
  }
  for (t in tg) {
    # a title given by the user heads each panel; by default the target's
    # name when there are several
    ttl <- main %||% (if (length(tg) > 1L) t else "")
    sens_plot_one(x, t, main = ttl, ...)
  }
  invisible(x)
}

sens_plot_one <- function(x, tg, main = "", ...) {
  r <- x$results[x$results$target == tg, ]
  o <- x$original[x$original$target == tg, ]
  b <- x$breakdown$breakdown[x$breakdown$target == tg]
  step <- if (nrow(r) > 1L) min(diff(sort(r$bound))) else 1
  xo <- min(r$bound) - step
  xs <- c(xo, r$bound)
  ys <- range(c(o$conf.low, o$conf.high, r$conf.low, r$conf.high, 0), na.rm = TRUE)
  graphics::plot(xs, rep(NA, length(xs)), ylim = ys, xaxt = "n",
                 xlab = x$parameter, ylab = "robust confidence interval",
                 main = main, ...)
  graphics::axis(1, at = xs, labels = c("original", format(r$bound)))
  graphics::abline(h = 0, lty = 2, col = "grey50")
  graphics::segments(xo, o$conf.low, xo, o$conf.high, lwd = 2, col = "firebrick")
  graphics::segments(r$bound, r$conf.low, r$bound, r$conf.high, lwd = 2, col = "navy")
  if (!is.na(b) && is.finite(b)) graphics::abline(v = b, lty = 3, col = "grey30")
}

#' @rdname sensitivity-methods
#' @exportS3Method ggplot2::autoplot
autoplot.smartdid_sensitivity <- function(object, ...) {
  need_ggplot2()
  d <- tidy.smartdid_sensitivity(object)
  d$x <- ifelse(is.na(d$bound), "original", format(d$bound))
  d$x <- factor(d$x, levels = unique(c("original", format(sort(object$results$bound)))))
  d$kind <- ifelse(d$method == "original", "original", "robust")
  p <- ggplot2::ggplot(d, ggplot2::aes(x = .data$x, ymin = .data$conf.low,
                                       ymax = .data$conf.high, colour = .data$kind)) +
    ggplot2::geom_hline(yintercept = 0, linetype = 2, colour = "grey50") +
    ggplot2::geom_errorbar(width = 0.2, linewidth = 0.8) +
    ggplot2::scale_colour_manual(values = c(original = "firebrick", robust = "navy"),
                                 name = NULL) +
    ggplot2::labs(x = object$parameter, y = "robust confidence interval")
  if (length(object$weights) > 1L) p <- p + ggplot2::facet_wrap(~target)
  p
}

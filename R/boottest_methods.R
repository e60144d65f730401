# print, tidy, plot and autoplot of boottest() results.

bt_label <- function(x) {
  p <- x$param
  if (length(p) == 1L && p == 1) return(names(p))
  terms <- paste0(ifelse(p < 0, "- ", "+ "), format(abs(p)), " * ", names(p))
  sub("^\\+ ", "", paste(terms, collapse = " "))
}

bt_method <- function(x) {
  paste0(if (x$impose_null) "WCR (null imposed)" else "WCU (null not imposed)",
         ", ", x$type, " weights, ",
         if (x$enumerated) paste0("all ", x$B, " sign vectors enumerated")
         else paste0("B = ", x$B))
}

#' @export
format.smartdid_boottest <- function(x, digits = 4, ...) {
  cl <- paste0(names(x$n_clusters), " (", x$n_clusters, ")", collapse = " and ")
  ci <- if (is.na(x$conf.low) && is.na(x$conf.high)) "not computed" else
    paste0("[", fmt_num(x$conf.low, digits), ", ", fmt_num(x$conf.high, digits),
           "] (", 100 * x$level, " %, by test inversion)")
  c("Wild cluster bootstrap test",
    paste0("  H0: ", bt_label(x), " = ", format(x$null)),
    paste0("  ", bt_method(x)),
    paste0("  clusters: ", cl, "; bootstrap clusters: ", x$bootcluster, " (",
           x$n_bootclusters, ")"),
    paste0("  estimate ", fmt_num(x$estimate, digits), ", t = ",
           fmt_num(x$statistic, digits), ", bootstrap p-value (", x$p_type, ") = ",
           fmt_num(x$p.value, digits)),
    paste0("  confidence interval: ", ci),
    paste0("  clustered t test for comparison: p = ", fmt_num(x$p.value_t, digits),
           " (t with ", format(x$df), " df)"),
    if (x$n_invalid > 0) paste0("  ", x$n_invalid, " draws with a non-positive ",
                                "bootstrap variance were left out"))
}

#' @export
print.smartdid_boottest <- function(x, digits = 4, ...) {
  cat(format(x, digits = digits), sep = "\n")
  invisible(x)
}

#' Tidy a wild cluster bootstrap test
#'
#' @param x A [boottest()] result.
#' @param ... Not used.
#' @return One row: `term`, `estimate`, `std.error`, `statistic`, `p.value`
#'   (bootstrap), `conf.low`, `conf.high` (by test inversion), `null`,
#'   `p_type`, `B`, `type`, `impose_null`, `n_bootclusters`.
#' @examples
#' d <- expand.grid(unit = 1:24, year = 2001:2008)
#' d$region <- (d$unit - 1) %/% 3 + 1
#' d$D <- as.numeric(d$region <= 4 & d$year >= 2005)
#' d$y <- 0.5 * d$D + cos(d$unit + 2 * d$year)
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D",
#'                 cluster = "region")
#' tidy(boottest(fit, "D"))
#' @name tidy.smartdid_boottest
#' @method tidy smartdid_boottest
#' @export
tidy.smartdid_boottest <- function(x, ...) {
  data.frame(term = bt_label(x), estimate = x$estimate, std.error = x$std.error,
             statistic = x$statistic, p.value = x$p.value, conf.low = x$conf.low,
             conf.high = x$conf.high, null = x$null, p_type = x$p_type, B = x$B,
             type = x$type, impose_null = x$impose_null,
             n_bootclusters = x$n_bootclusters, stringsAsFactors = FALSE)
}

#' Plot the p-value function of a wild cluster bootstrap test
#'
#' The bootstrap p-value of `H0: R beta = r` as a function of `r`, with the
#' confidence level's cut-off, the interval (the values not rejected) and
#' the estimate. Base graphics; `autoplot()` gives the same figure with
#' ggplot2.
#'
#' @param x A [boottest()] result computed with `conf_int = TRUE`.
#' @param main,xlab Title and x-axis label.
#' @param ... Passed to [graphics::plot()].
#' @return The plotted data, invisibly: a data frame `value`, `p.value`.
#' @examples
#' d <- expand.grid(unit = 1:24, year = 2001:2008)
#' d$region <- (d$unit - 1) %/% 3 + 1
#' d$D <- as.numeric(d$region <= 4 & d$year >= 2005)
#' d$y <- 0.5 * d$D + cos(d$unit + 2 * d$year)
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D",
#'                 cluster = "region")
#' plot(boottest(fit, "D"))
#' @export
plot.smartdid_boottest <- function(x, main = "Wild bootstrap p-value function",
                                   xlab = NULL, ...) {
  pf <- bt_curve(x)
  graphics::plot(pf$value, pf$p.value, type = "s", ylim = c(0, 1),
                 xlab = xlab %||% paste("Value of", bt_label(x), "under the null"),
                 ylab = "Bootstrap p-value", main = main, ...)
  graphics::abline(h = 1 - x$level, lty = 3, col = "grey40")
  graphics::abline(v = c(x$conf.low, x$conf.high), lty = 2)
  graphics::abline(v = x$estimate, lty = 1, col = "grey40")
  invisible(pf)
}

bt_curve <- function(x) bt_pvalue_function(x)

#' @rdname plot.smartdid_boottest
#' @param object A [boottest()] result.
#' @return `autoplot()`: a ggplot object (needs ggplot2).
#' @exportS3Method ggplot2::autoplot
autoplot.smartdid_boottest <- function(object, ...) {
  if (!requireNamespace("ggplot2", quietly = TRUE)) {
    sd_stop("autoplot() needs the ggplot2 package; install it or use plot()")
  }
  pf <- bt_curve(object)
  ci <- c(object$conf.low, object$conf.high)
  ci <- ci[is.finite(ci)]
  value <- p.value <- NULL   # columns of pf (silences R CMD check)
  ggplot2::ggplot(pf, ggplot2::aes(x = value, y = p.value)) +
    ggplot2::geom_step() +
    ggplot2::geom_hline(yintercept = 1 - object$level, linetype = 3) +
    ggplot2::geom_vline(xintercept = ci, linetype = 2) +
    ggplot2::geom_vline(xintercept = object$estimate, colour = "grey40") +
    ggplot2::coord_cartesian(ylim = c(0, 1)) +
    ggplot2::labs(x = paste("Value of", bt_label(object), "under the null"),
                  y = "Bootstrap p-value", title = "Wild bootstrap p-value function")
}

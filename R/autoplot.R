# ggplot2 versions of the package's figures. ggplot2 is only suggested: the
# methods are registered for ggplot2's autoplot() generic when ggplot2 is
# loaded (S3method(ggplot2::autoplot, ...) in NAMESPACE), so smartdid never
# imports it. Each method draws from the same data as the base-graphics
# plot() and returns a ggplot object that can be modified with `+`.

utils::globalVariables(".data")

need_ggplot2 <- function() {
  if (!requireNamespace("ggplot2", quietly = TRUE)) {
    sd_stop("autoplot() needs the ggplot2 package; install it with ",
            "install.packages(\"ggplot2\") or use plot()")
  }
}

#' ggplot2 figures of event studies, placebo tests, matchings, Bacon
#' decompositions and heterogeneity
#'
#' `autoplot()` methods for the package's results, drawing the same figures as
#' their `plot()` methods with ggplot2 (which is only suggested: load it, then
#' call `autoplot()` or `ggplot2::autoplot()`). Each returns a ggplot object;
#' its layers' data are the plotted data frames.
#'
#' - Event studies: points and confidence intervals by relative period (the
#'   level in the y-axis label, the binned first period labelled as a bin).
#'   Further event studies in `...` are overlaid, dodged and coloured by
#'   estimator (argument names label them), with optional `truth` markers
#'   listed in the legend.
#' - Placebo tests: the density of the placebo estimates, each draw's p-value
#'   (right axis), the observed estimate with the randomization p-value, and
#'   a labelled line at `p_line`.
#' - Matchings ([psm()]): score densities of treated and controls before and
#'   after matching, on \[0, 1\] (reflected at the boundaries).
#' - Bacon decompositions: each 2x2 comparison's estimate against its weight,
#'   by type, with the TWFE estimate.
#' - Heterogeneity: each group's estimate with its confidence interval.
#'
#' @param object A result of [event_study()], [placebo()], [psm()], [bacon()]
#'   or [heterogeneity()].
#' @param ... For event studies, more event studies to overlay (optionally
#'   named); otherwise not used.
#' @param level Confidence level (default: the result's own, or 0.95).
#' @param truth For event studies: true effects to mark, a numeric vector
#'   named by relative period or a data frame with `rel_time` and `estimate`.
#' @param dodge For overlays: horizontal shift between estimators.
#' @param p_line For placebo tests: p-value of the labelled dotted line.
#' @param labels For heterogeneity: labels of the groups ([var_labels()]).
#' @return A ggplot object.
#' @examples
#' if (requireNamespace("ggplot2", quietly = TRUE)) {
#'   d <- expand.grid(year = 1:10, unit = 1:40)
#'   d$D <- as.numeric(d$unit <= 20 & d$year >= 4 + d$unit %% 3)
#'   d$y <- d$D * (d$year - 3) / 4 + cos(d$unit * d$year)
#'   fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
#'   es <- event_study(fit, leads = 3, lags = 4)
#'   ggplot2::autoplot(es)
#'   ggplot2::autoplot(placebo(fit, draws = 50, seed = 1))
#' }
#' @name autoplot.smartdid
NULL

#' @rdname autoplot.smartdid
#' @exportS3Method ggplot2::autoplot
autoplot.smartdid_es <- function(object, ..., level = NULL, truth = NULL, dodge = 0.15) {
  need_ggplot2()
  if (!is.null(level)) check_level(level)
  more <- list(...)
  all <- c(list(object), more)
  nms <- c("", names(more) %||% rep("", length(more)))
  if (length(more) && !nzchar(nms[1])) nms[1] <- object$estimator
  names(all) <- nms
  pd <- do.call(es_plot_data, c(all, list(level = level)))
  # the first period is a bin only if every overlaid study binned it
  binned <- all(vapply(all, function(e) isTRUE(e$info$bin), TRUE))
  axis_lab <- function(k) if (binned) es_rel_label(object, k) else as.character(k)
  pd$label <- axis_lab(pd$rel_time)
  lev <- level %||% object$level
  labs <- unique(pd$estimator)
  pd$estimator <- factor(pd$estimator, levels = labs)
  k <- as.integer(pd$estimator)
  pd$x <- pd$rel_time + if (length(labs) > 1L) (k - (length(labs) + 1) / 2) * dodge else 0
  ok <- !is.na(pd$estimate)
  ci <- ok & !is.na(pd$conf.low) & !pd$reference
  brk <- sort(unique(pd$rel_time))
  g <- ggplot2::ggplot(pd[ok, ], ggplot2::aes(x = .data$x, y = .data$estimate,
                                              colour = .data$estimator)) +
    ggplot2::geom_hline(yintercept = 0, linetype = 2, colour = "grey40") +
    ggplot2::geom_vline(xintercept = -0.5, linetype = 3, colour = "grey40") +
    ggplot2::geom_errorbar(data = pd[ci, ], ggplot2::aes(ymin = .data$conf.low,
                                                       ymax = .data$conf.high),
                           width = 0.15) +
    ggplot2::geom_point(ggplot2::aes(shape = .data$reference), size = 2) +
    ggplot2::scale_shape_manual(values = c(`FALSE` = 19, `TRUE` = 1), guide = "none") +
    ggplot2::scale_x_continuous(breaks = brk, labels = axis_lab(brk)) +
    ggplot2::labs(x = "Periods relative to adoption",
                  y = paste("Estimate and", ci_words(lev)), colour = NULL) +
    ggplot2::theme_bw() +
    ggplot2::theme(legend.position = if (length(labs) > 1L || !is.null(truth)) "top" else "none",
                   panel.grid.minor = ggplot2::element_blank())
  tr <- es_truth(truth)
  if (!is.null(tr)) {
    tr$what <- "truth"
    g <- g + ggplot2::geom_point(data = tr, ggplot2::aes(x = .data$rel_time, y = .data$estimate,
                                                         fill = .data$what),
                                 inherit.aes = FALSE, shape = 4, size = 3, stroke = 1.2,
                                 colour = "darkorange") +
      ggplot2::scale_fill_manual(values = c(truth = "darkorange"), name = NULL,
                                 guide = ggplot2::guide_legend(override.aes = list(
                                   shape = 4, colour = "darkorange")))
  }
  if (length(labs) == 1L) g <- g + ggplot2::scale_colour_manual(values = "black")
  g
}

#' @rdname autoplot.smartdid
#' @exportS3Method ggplot2::autoplot
autoplot.smartdid_placebo <- function(object, ..., p_line = 0.1) {
  need_ggplot2()
  pd <- placebo_plot_data(object)
  top <- max(pd$density$density) * 1.05
  pts <- pd$points
  pts$scaled <- pts$p.value * top
  obs <- data.frame(x = pd$observed, what = "Observed estimate",
                    text = paste0("observed ", fmt_cell(pd$observed, 4),
                                  "\nrandomization p = ", fmt_perm_p(pd$p.value)))
  dens <- pd$density
  dens$what <- "Density of estimates"
  pts$what <- "p-values"
  right <- pd$observed < mean(pd$xlim)
  g <- ggplot2::ggplot() +
    ggplot2::geom_line(data = dens, ggplot2::aes(x = .data$x, y = .data$density,
                                                 linetype = .data$what), linewidth = 0.8) +
    ggplot2::geom_point(data = pts, ggplot2::aes(x = .data$estimate, y = .data$scaled,
                                                 shape = .data$what),
                        colour = "grey40", size = 1) +
    ggplot2::geom_vline(data = obs, ggplot2::aes(xintercept = .data$x,
                                                 linetype = .data$what)) +
    ggplot2::geom_text(data = obs, ggplot2::aes(x = .data$x, y = top, label = .data$text),
                       hjust = if (right) -0.05 else 1.05, vjust = 1, size = 3) +
    ggplot2::scale_linetype_manual(values = c(`Density of estimates` = 1,
                                              `Observed estimate` = 2), name = NULL) +
    ggplot2::scale_shape_manual(values = c(`p-values` = 1), name = NULL) +
    ggplot2::scale_y_continuous("Density of placebo estimates", limits = c(0, top),
                                sec.axis = ggplot2::sec_axis(~ . / top,
                                                             name = "p-value of each placebo estimate")) +
    ggplot2::scale_x_continuous("Estimate", limits = pd$xlim) +
    ggplot2::theme_bw() + ggplot2::theme(legend.position = "top")
  if (!is.null(p_line)) {
    g <- g + ggplot2::geom_hline(yintercept = p_line * top, linetype = 3, colour = "grey40") +
      ggplot2::annotate("text", x = pd$xlim[2], y = p_line * top, hjust = 1, vjust = -0.4,
                        size = 3, colour = "grey30", label = paste0("p = ", format(p_line)))
  }
  g
}

#' @rdname autoplot.smartdid
#' @exportS3Method ggplot2::autoplot
autoplot.smartdid_psm <- function(object, ...) {
  need_ggplot2()
  pd <- plot.smartdid_psm(object, plot = FALSE)
  pd$panel <- factor(ifelse(pd$panel == "before", "Before matching", "After matching"),
                     levels = c("Before matching", "After matching"))
  pd$group <- factor(ifelse(pd$group == "treated", "Treated", "Control"),
                     levels = c("Treated", "Control"))
  ggplot2::ggplot(pd, ggplot2::aes(x = .data$x, y = .data$density, colour = .data$group,
                                   linetype = .data$group)) +
    ggplot2::geom_line(linewidth = 0.8) +
    ggplot2::facet_wrap(~panel) +
    ggplot2::scale_x_continuous("Propensity score", limits = c(0, 1), expand = c(0, 0)) +
    ggplot2::scale_colour_manual(values = c(Treated = "black", Control = "grey45"), name = NULL) +
    ggplot2::scale_linetype_manual(values = c(Treated = 1, Control = 2), name = NULL) +
    ggplot2::labs(y = "Density") +
    ggplot2::theme_bw() + ggplot2::theme(legend.position = "top")
}

#' @rdname autoplot.smartdid
#' @exportS3Method ggplot2::autoplot
autoplot.smartdid_bacon <- function(object, ...) {
  need_ggplot2()
  cmp <- object$comparisons
  cmp$type <- factor(cmp$type, levels = intersect(bacon_types, cmp$type))
  ggplot2::ggplot(cmp, ggplot2::aes(x = .data$weight, y = .data$estimate,
                                    colour = .data$type, shape = .data$type)) +
    ggplot2::geom_hline(yintercept = 0, colour = "grey") +
    ggplot2::geom_hline(yintercept = object$estimate, linetype = 2) +
    ggplot2::geom_point(size = 2) +
    ggplot2::scale_x_continuous("Weight", limits = c(0, max(cmp$weight))) +
    ggplot2::labs(y = "2x2 DID estimate", colour = NULL, shape = NULL,
                  caption = paste0("Dashed line: the TWFE estimate, ",
                                   fmt_cell(object$estimate, 4))) +
    ggplot2::theme_bw() + ggplot2::theme(legend.position = "top")
}

#' @rdname autoplot.smartdid
#' @exportS3Method ggplot2::autoplot
autoplot.smartdid_heterogeneity <- function(object, ..., level = 0.95, labels = NULL) {
  need_ggplot2()
  check_level(level)
  check_labels(labels)
  tab <- het_plot_data(object, level, labels)
  tab$label <- factor(tab$label, levels = rev(tab$label))
  ggplot2::ggplot(tab, ggplot2::aes(x = .data$estimate, y = .data$label)) +
    ggplot2::geom_vline(xintercept = 0, linetype = 2) +
    ggplot2::geom_errorbar(ggplot2::aes(xmin = .data$conf.low, xmax = .data$conf.high),
                           orientation = "y", width = 0.15) +
    ggplot2::geom_point(size = 2) +
    ggplot2::labs(x = paste("Estimate and", ci_words(level)), y = NULL,
                  title = paste0(relabel(object$term, labels), " by group"),
                  subtitle = paste0("Difference: ", format_het_test(object$test))) +
    ggplot2::theme_bw()
}

# Standard methods for smartdid fits.

coef_table <- function(object, level = 0.95) {
  b <- object$coefficients
  se <- sqrt(pmax(diag(object$vcov), 0))
  tval <- b / se
  df <- object$df_t
  p <- 2 * stats::pt(-abs(tval), df)
  q <- stats::qt(1 - (1 - level) / 2, df)
  data.frame(term = names(b), estimate = unname(b), std.error = unname(se),
             statistic = unname(tval), p.value = unname(p),
             conf.low = unname(b - q * se), conf.high = unname(b + q * se),
             stringsAsFactors = FALSE)
}

#' @export
coef.smartdid <- function(object, ...) object$coefficients

#' @export
vcov.smartdid <- function(object, ...) object$vcov

#' @export
nobs.smartdid <- function(object, ...) object$nobs

#' @export
residuals.smartdid <- function(object, ...) object$residuals

#' @export
fitted.smartdid <- function(object, ...) {
  # computed on demand: storing them would double the fit's size
  as.double(object$data[[object$outcome]][object$obs]) - object$residuals
}

#' @export
confint.smartdid <- function(object, parm, level = 0.95, ...) {
  check_level(level)
  tab <- coef_table(object, level)
  out <- cbind(tab$conf.low, tab$conf.high)
  pct <- paste(format(100 * c((1 - level) / 2, 1 - (1 - level) / 2), trim = TRUE), "%")
  dimnames(out) <- list(tab$term, pct)
  if (!missing(parm)) out <- out[parm, , drop = FALSE]
  out
}

#' Re-estimate a smartdid model with some arguments changed
#'
#' @param object A [smartdid()] fit.
#' @param formula. A new formula; `.` stands for the old one, as in
#'   [stats::update.formula()].
#' @param ... Arguments of [smartdid()] to change, such as `data`, `treat`,
#'   `cluster` or `subset`.
#' @return A new `smartdid` fit.
#' @examples
#' d <- expand.grid(unit = 1:30, year = 1:8)
#' d$D <- as.numeric(d$unit <= 10 & d$year >= 5)
#' d$x <- sin(d$unit * d$year)
#' d$y <- d$D + d$x + cos(d$unit + d$year)
#' fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D")
#' update(fit, . ~ 1)
#' update(fit, vcov = "hc1")
#' @export
update.smartdid <- function(object, formula., ...) {
  args <- object$args
  args$data <- object$data
  if (!missing(formula.)) {
    args$formula <- stats::update.formula(args$formula, formula.)
  }
  new <- list(...)
  if ("treat" %in% names(new)) args["cohort"] <- list(NULL)
  if ("cohort" %in% names(new)) args["treat"] <- list(NULL)
  args[names(new)] <- new
  if (!"cluster" %in% names(new) && identical(args$vcov, "cluster") &&
      is.null(args$cluster)) args$cluster <- args$id
  do.call(smartdid, args)
}

format_dropped <- function(x) {
  d <- x$dropped[x$dropped$rows > 0, , drop = FALSE]
  if (nrow(d) == 0L) return("none")
  paste0(format(d$rows, big.mark = ","), " (", d$reason, ")", collapse = ", ")
}

format_vcov_info <- function(x) {
  vi <- x$vcov_info
  df <- if (is.finite(x$df_t)) paste0("t(", x$df_t, ")") else "normal"
  what <- switch(vi$type,
    cluster = paste0("clustered by ", paste(vi$cluster, collapse = " and "), " (",
                     paste(format(x$n_clusters, big.mark = ","), collapse = " and "),
                     " clusters)"),
    hc1 = "heteroskedasticity-robust (HC1)",
    iid = "iid")
  paste0(what, "; small-sample factor ", formatC(vi$factor, digits = 6, format = "f"),
         " (K = ", vi$K, "); p-values from ", df)
}

#' @export
print.smartdid <- function(x, digits = 4, ...) {
  cat("Two-way fixed-effects DID (smartdid)\n")
  cat("Outcome: ", x$outcome, "   Treatment: ", x$treat_name, "\n", sep = "")
  cat("Fixed effects: ", paste0(x$fe_names, " (", x$fe_nlev, ")", collapse = ", "),
      "\n", sep = "")
  cat("Observations: ", format(x$nobs, big.mark = ","), " of ",
      format(x$n_input, big.mark = ","), " rows; dropped: ", format_dropped(x),
      "\n", sep = "")
  if (length(x$collinear)) {
    cat("Collinear, removed: ", paste(x$collinear, collapse = ", "), "\n", sep = "")
  }
  cat("Std. errors: ", format_vcov_info(x), "\n\n", sep = "")
  tab <- coef_table(x)
  mat <- as.matrix(tab[, c("estimate", "std.error", "statistic", "p.value")])
  dimnames(mat) <- list(tab$term, c("Estimate", "Std. Error", "t value", "Pr(>|t|)"))
  stats::printCoefmat(mat, digits = digits, P.values = TRUE, has.Pvalue = TRUE,
                      signif.legend = FALSE)
  cat("---\nR2: ", fmt_num(x$r.squared), "   Adj. R2: ", fmt_num(x$adj.r.squared),
      "   Within R2: ", fmt_num(x$within.r.squared), "\n", sep = "")
  invisible(x)
}

#' @export
summary.smartdid <- function(object, level = 0.95, ...) {
  check_level(level)
  object$coeftable <- coef_table(object, level)
  class(object) <- c("summary.smartdid", class(object))
  object
}

#' @export
print.summary.smartdid <- function(x, ...) {
  print.smartdid(x, ...)
  ci <- x$coeftable
  cat("Confidence intervals:\n")
  print(data.frame(term = ci$term, conf.low = ci$conf.low, conf.high = ci$conf.high),
        row.names = FALSE, digits = 4)
  invisible(x)
}

#' @importFrom generics tidy
#' @export
generics::tidy

#' @importFrom generics glance
#' @export
generics::glance

#' Tidy and glance a smartdid fit
#'
#' @param x A [smartdid()] fit.
#' @param conf.int Add confidence limits (always computed; kept for the
#'   broom convention).
#' @param conf.level Confidence level.
#' @param ... Not used.
#' @return `tidy()`: one row per coefficient with term, estimate, std.error,
#'   statistic, p.value, conf.low, conf.high. `glance()`: one row with nobs,
#'   r.squared, adj.r.squared, within.r.squared, n_clusters, vcov, df.
#' @examples
#' d <- expand.grid(unit = 1:30, year = 1:8)
#' d$D <- as.numeric(d$unit <= 10 & d$year >= 5)
#' d$y <- d$D + cos(d$unit + d$year)
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
#' tidy(fit)
#' glance(fit)
#' @name tidy.smartdid
#' @method tidy smartdid
#' @export
tidy.smartdid <- function(x, conf.int = TRUE, conf.level = 0.95, ...) {
  check_level(conf.level, "conf.level")
  tab <- coef_table(x, conf.level)
  if (!isTRUE(conf.int)) tab$conf.low <- tab$conf.high <- NULL
  tab
}

#' @rdname tidy.smartdid
#' @method glance smartdid
#' @export
glance.smartdid <- function(x, ...) {
  data.frame(nobs = x$nobs, r.squared = x$r.squared,
             adj.r.squared = x$adj.r.squared, within.r.squared = x$within.r.squared,
             n_clusters = if (is.null(x$n_clusters)) NA_integer_ else min(x$n_clusters),
             vcov = x$vcov_info$type, df = x$df_t, stringsAsFactors = FALSE)
}

#' Plot the coefficients of a smartdid fit
#'
#' Point estimates with confidence intervals, one row per coefficient. The
#' left margin grows with the longest coefficient name (up to 45 % of the
#' figure, then the names shrink), so long names are never clipped.
#'
#' @param x A [smartdid()] fit.
#' @param level Confidence level.
#' @param main,xlab Title and axis label (`xlab` names the level by default).
#' @param labels Labels of the terms (see [var_labels()]).
#' @param ... Passed to [graphics::plot()].
#' @return The plotted data (invisibly), a data frame as [tidy.smartdid()]
#'   with the `label` shown for each term.
#' @examples
#' d <- expand.grid(unit = 1:30, year = 1:8)
#' d$D <- as.numeric(d$unit <= 10 & d$year >= 5)
#' d$x <- sin(d$unit * d$year)
#' d$y <- d$D + d$x + cos(d$unit + d$year)
#' plot(smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D"))
#' @export
plot.smartdid <- function(x, level = 0.95, main = "Coefficients", xlab = NULL,
                          labels = NULL, ...) {
  check_labels(labels)
  tab <- coef_table(x, level)
  tab$label <- relabel(tab$term, labels)
  xlab <- xlab %||% paste("Estimate and", ci_words(level))
  k <- nrow(tab)
  room <- left_margin(tab$label)
  on.exit(graphics::par(room$op))
  cex <- room$cex
  graphics::plot(tab$estimate, rev(seq_len(k)), xlim = range(tab$conf.low, tab$conf.high, 0),
                 ylim = c(0.5, k + 0.5), yaxt = "n", pch = 19, xlab = xlab, ylab = "",
                 main = main, ...)
  graphics::segments(tab$conf.low, rev(seq_len(k)), tab$conf.high, rev(seq_len(k)))
  graphics::axis(2, at = rev(seq_len(k)), labels = tab$label, las = 1, cex.axis = cex,
                 gap.axis = -1)
  graphics::abline(v = 0, lty = 2)
  invisible(tab)
}

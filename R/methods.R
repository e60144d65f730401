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
  if ("treat" %in% names(new)) args[c("cohort", "treat_name")] <- list(NULL)
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
  cat("Std. errors: ", format_vcov_info(x), "\n", sep = "")
  few <- few_clusters_line(x)
  if (!is.null(few)) cat(strwrap(few, width = 0.9 * getOption("width")), sep = "\n")
  cat("\n")
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

# Few clusters. With G clusters the cluster-robust variance has at most G - 1
# degrees of freedom and is biased down when G is small (two clusters gave a
# standard error of 3.5e-16); the wild cluster bootstrap stays reliable.
few_clusters_min <- 10L
few_clusters_note <- 30L

# The smallest number of clusters of a fit's cluster variables (NULL when the
# fit is not clustered).
fit_min_clusters <- function(x) {
  if (!identical(x$vcov_info$type, "cluster") || !length(x$n_clusters)) return(NULL)
  G <- x$n_clusters
  list(G = min(G), name = names(G)[which.min(G)])
}

# A warning for a clustered fit with fewer than `few_clusters_min` clusters.
warn_few_clusters <- function(x) {
  g <- fit_min_clusters(x)
  if (is.null(g) || g$G >= few_clusters_min) return(invisible(x))
  warning("only ", g$G, " clusters ('", g$name, "'): cluster-robust standard ",
          "errors are unreliable with fewer than ", few_clusters_min,
          " (often far too small); use the wild cluster bootstrap, ",
          "boottest(fit, param = \"", x$treat_name, "\")", call. = FALSE)
  invisible(x)
}

# The line print() adds below about 30 clusters (NULL otherwise).
few_clusters_line <- function(x) {
  g <- fit_min_clusters(x)
  if (is.null(g) || g$G >= few_clusters_note) return(NULL)
  paste0("Note: ", g$G, " clusters ('", g$name, "'); with fewer than about ",
         few_clusters_note, " cluster-robust tests can over-reject: the wild ",
         "cluster bootstrap, boottest(), is the remedy")
}

#' Predictions from a smartdid fit, fixed effects included
#'
#' In sample, the fitted values of the estimation sample (outcome minus
#' residual: the treatment, the controls and every fixed effect). With
#' `newdata`, the linear prediction for rows whose units, periods and other
#' fixed-effect levels all appear in the estimation sample: the fixed effects
#' are recovered exactly from the fit (their sum is identified, whatever the
#' normalisation), the regressors are built from `newdata` as in the fit
#' (the 0/1 `treat` column, or the treatment implied by the `cohort` column
#' and the period). Rows with an unknown level or a missing value get `NA`,
#' and a message counts them.
#'
#' @param object A [smartdid()] fit.
#' @param newdata `NULL` (the estimation sample) or a data frame holding the
#'   model's columns.
#' @param ... Not used; an error if given.
#' @return A numeric vector: one value per row of the estimation sample (the
#'   rows `object$obs` of the data), or per row of `newdata`.
#' @examples
#' set.seed(1)
#' d <- expand.grid(unit = 1:30, year = 2001:2008)
#' d$D <- as.numeric(d$unit <= 10 & d$year >= 2005)
#' d$x <- rnorm(nrow(d))
#' d$y <- d$D + 0.5 * d$x + d$unit / 10 + rnorm(nrow(d))
#' fit <- smartdid(y ~ x, data = d, id = "unit", time = "year", treat = "D")
#' head(predict(fit))
#' # counterfactual: the treated rows without the policy
#' cf <- d[d$D == 1, ]
#' cf$D <- 0
#' head(predict(fit, newdata = cf))
#' @export
predict.smartdid <- function(object, newdata = NULL, ...) {
  check_no_dots("predict()", ...)
  if (is.null(newdata)) return(stats::fitted(object))
  check_data(newdata, "newdata")
  a <- object$args
  newdata <- sd_plain_columns(newdata, sd_used_columns(a$formula, a$id, a$time,
                                                       a$treat, a$cohort, NULL,
                                                       NULL, a$fe), "newdata")
  fe <- fit_fe_values(object)
  X <- predict_design(object, newdata, "newdata")
  out <- drop(X %*% object$coefficients)
  unknown <- rep(FALSE, nrow(newdata))
  for (k in seq_along(fe)) {
    key <- fe_key(newdata, fe[[k]]$spec, "newdata")
    pos <- match(key, fe[[k]]$levels)
    unknown <- unknown | (!is.na(key) & is.na(pos))
    out <- out + fe[[k]]$values[pos]
  }
  if (any(unknown)) {
    message(sum(unknown), " row(s) of 'newdata' have a unit, period or fixed-effect ",
            "level not in the estimation sample: their predictions are NA")
  }
  n_na <- sum(is.na(out) & !unknown)
  if (n_na) message(n_na, " row(s) of 'newdata' have missing values: their predictions are NA")
  out
}

# The keys of one fixed effect ("a" or "a^b") as strings, NA where missing.
fe_key <- function(data, spec, arg) {
  parts <- strsplit(spec, "^", fixed = TRUE)[[1]]
  check_column(data, parts, arg)
  x <- fe_codes(data, spec)
  out <- as.character(x)
  out[if (is.numeric(x)) !is.finite(x) else is.na(x)] <- NA_character_
  out
}

# The fit's regressors (treatment first, then the controls kept) on `data`,
# as a matrix whose columns are named as the coefficients.
predict_design <- function(object, data, arg) {
  a <- object$args
  d <- build_treatment(data, a$time, a$treat, a$cohort, a$treat_name)$d
  b <- object$coefficients
  ctrl <- setdiff(names(b), object$treat_name)
  X <- matrix(0, nrow(data), length(b), dimnames = list(NULL, names(b)))
  X[, object$treat_name] <- d
  if (!length(ctrl)) return(X)
  rhs <- all.vars(a$formula[[3]])
  check_column(data, rhs, arg)
  labels <- sum_of_names(a$formula[[3]])
  if (!is.null(labels) && all(ctrl %in% labels) && is_plain_rhs(labels, data)) {
    for (v in ctrl) X[, v] <- as.double(.subset2(data, v))
    return(X)
  }
  # other terms: model.matrix() with the factor levels of the fit's data
  fd <- object$data
  xlev <- list()
  for (v in rhs) {
    z <- .subset2(fd, v)
    if (is.character(z) || is.factor(z) || is.logical(z)) {
      xlev[[v]] <- levels(factor(z[object$obs]))
    }
  }
  tt <- stats::delete.response(stats::terms(a$formula))
  mf <- stats::model.frame(tt, as.data.frame(lapply(stats::setNames(rhs, rhs),
                                                    function(v) .subset2(data, v))),
                           na.action = stats::na.pass, xlev = xlev)
  mm <- stats::model.matrix(tt, mf)
  X[, ctrl] <- mm[, ctrl, drop = FALSE]
  X
}

# The fixed effects of a fit, recovered from its sample: there the fitted
# values minus the regressors' part lie exactly in the span of the
# fixed-effect dummies, so alternating projections (Gauss-Seidel on the
# normal equations) find values whose sum reproduces them; one list element
# per fixed effect: spec, levels (string keys), values.
fit_fe_values <- function(object, tol = 1e-13, max_sweeps = 10000L) {
  obs <- object$obs
  sample <- object$data
  specs <- object$fe_names
  keys <- lapply(specs, function(s) fe_key(sample, s, "data")[obs])
  X <- predict_design(object, sample, "data")[obs, , drop = FALSE]
  f <- stats::fitted(object) - drop(X %*% object$coefficients)
  codes <- lapply(keys, function(k) match(k, unique(k)))
  levels <- lapply(keys, unique)
  counts <- lapply(codes, tabulate)
  vals <- lapply(levels, function(l) numeric(length(l)))
  part <- function(k) vals[[k]][codes[[k]]]
  scale <- max(abs(f), 1)
  total <- numeric(length(f))
  converged <- FALSE
  for (it in seq_len(max_sweeps)) {
    for (k in seq_along(specs)) {
      r <- f - total + part(k)
      vals[[k]] <- as.vector(rowsum(r, codes[[k]], reorder = FALSE)) / counts[[k]]
      total <- Reduce(`+`, lapply(seq_along(specs), part))
    }
    if (max(abs(f - total)) <= tol * scale) {
      converged <- TRUE
      break
    }
  }
  if (!converged) {
    warning("the fixed effects were not recovered to full precision: predictions ",
            "may be off by up to ", format(max(abs(f - total)), digits = 3), call. = FALSE)
  }
  lapply(seq_along(specs), function(k) list(spec = specs[k], levels = levels[[k]],
                                           values = vals[[k]]))
}

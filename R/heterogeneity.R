# Split-sample heterogeneity: the model re-estimated within groups, with a
# Wald test that the effect is the same in every group.

#' Heterogeneity: the model re-estimated within groups
#'
#' Splits the fit's sample into groups, by the values of a column (`by`,
#' such as a region) or at a threshold of a numeric column (`split`, such as
#' a digitalisation index cut at its median), and re-estimates the model
#' in each group with everything else unchanged. With `model = "mechanism"`
#' each group fits the [mechanism()] model instead, and the test is on the
#' interaction term.
#'
#' **The test of the difference between groups.** The groups' estimates are
#' compared with a Wald test in the fully interacted pooled model: every
#' coefficient and every fixed effect interacted with the group (which
#' reproduces the groups' separate estimates and residuals exactly), with the
#' fit's variance type on the pooled sample: clustered by the fit's cluster
#' variable over all groups (so clusters that span groups are handled), HC1
#' or iid. The small-sample factor uses the pooled n, the pooled number of
#' clusters G and K = the sum of the groups' K. The hypothesis is that `term`
#' is equal in all groups (q = groups - 1 restrictions); the statistic is
#' `W / q`, compared with F(q, G - 1) when clustering (F(q, n - K)
#' otherwise; chi-squared(q) with `ssc_rules(t_df = "normal")`).
#'
#' @param fit A [smartdid()] fit.
#' @param by Name of a column whose values define the groups (missing values
#'   belong to no group).
#' @param split Name of a numeric column to cut at `at`: group `"low"` has
#'   values below the threshold, `"high"` values at or above it. For a split
#'   of units, give a column constant within units (such as the 2019 value of
#'   an index).
#' @param at `"median"` (the median of `split` over the fit's estimation
#'   sample), a number, or a function of those values returning a number
#'   (such as `function(x) quantile(x, 0.75)`).
#' @param model `"did"` (the fit's model) or `"mechanism"`.
#' @param moderator,center Passed to [mechanism()] when
#'   `model = "mechanism"`.
#' @param term The coefficient compared across groups; by default the
#'   treatment (the interaction for the mechanism model).
#' @return An object of class `smartdid_heterogeneity`: `fits` (a named list
#'   of group fits), `groups` (one row per group: group, units, nobs and the
#'   estimate of `term` with its std.error, statistic and p.value), `test`
#'   (a one-row data frame: statistic, df1, df2, p.value, method), `term`,
#'   `threshold` (for `split`) and the arguments. Methods: `print`,
#'   `generics::tidy` (every coefficient of every group, with a `group`
#'   column), `generics::glance` (the test) and [did_table()] (one column per
#'   group).
#' @examples
#' set.seed(3)
#' d <- expand.grid(unit = 1:60, year = 1:8)
#' d$D <- as.numeric(d$unit <= 30 & d$year >= 5)
#' d$region <- c("east", "west")[1 + d$unit %% 2]
#' d$size <- (d$unit %% 7) / 7
#' d$y <- d$D * (1 + (d$region == "east")) + rnorm(nrow(d))
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
#' heterogeneity(fit, by = "region")
#' heterogeneity(fit, split = "size", at = "median")
#' @export
heterogeneity <- function(fit, by = NULL, split = NULL, at = "median",
                          model = c("did", "mechanism"), moderator = "Ind_Pro",
                          center = FALSE, term = NULL) {
  check_fit(fit)
  model <- sd_match_arg(model, c("did", "mechanism"), "model")
  if (is.null(by) == is.null(split)) {
    sd_stop("give exactly one of 'by' (a grouping column) and 'split' ",
            "(a numeric column to cut at 'at')")
  }
  data <- fit$data
  grp <- if (!is.null(by)) het_by(data, by) else het_split(data, split, at, fit)
  base <- subset_mask(data, fit$args$subset)
  levs <- grp$levels
  fits <- lapply(levs, function(lev) {
    mask <- base & !is.na(grp$g) & grp$g == lev
    if (!any(mask)) sd_stop("group '", lev, "' has no rows")
    tryCatch({
      f <- stats::update(fit, subset = mask)
      if (model == "mechanism") f <- mechanism(f, moderator, center)
      f
    }, error = function(e) {
      sd_stop("in group '", lev, "': ", conditionMessage(e))
    })
  })
  names(fits) <- levs
  if (is.null(term)) {
    term <- if (model == "mechanism") fits[[1]]$mechanism$interaction else fit$treat_name
  }
  check_string(term, "term")
  for (lev in levs) {
    if (!term %in% names(fits[[lev]]$coefficients)) {
      sd_stop("'term' '", term, "' is not estimated in group '", lev, "'")
    }
  }
  id <- fit$args$id
  groups <- do.call(rbind, lapply(levs, function(lev) {
    f <- fits[[lev]]
    ct <- coef_table(f)
    ct <- ct[ct$term == term, c("term", "estimate", "std.error", "statistic", "p.value")]
    data.frame(group = lev, units = length(unique(f$data[[id]][f$obs])),
               nobs = f$nobs, ct, stringsAsFactors = FALSE, row.names = NULL)
  }))
  structure(list(fits = fits, groups = groups, test = het_test(fits, term),
                 term = term, by = by, split = split, threshold = grp$threshold,
                 model = model, moderator = if (model == "mechanism") moderator,
                 call = match.call()),
            class = "smartdid_heterogeneity")
}

het_by <- function(data, by) {
  check_string(by, "by")
  check_column(data, by, "by", data_arg = "fit$data")
  g <- data[[by]]
  levs <- if (is.factor(g)) levels(droplevels(g)) else as.character(sort(unique(g[!is.na(g)])))
  g <- as.character(g)
  if (length(levs) < 2L) sd_stop("'by' column '", by, "' must have at least two groups")
  list(g = g, levels = levs, threshold = NULL)
}

het_split <- function(data, split, at, fit) {
  check_string(split, "split")
  check_column(data, split, "split", data_arg = "fit$data")
  x <- data[[split]]
  if (!is.numeric(x)) sd_stop("'split' column '", split, "' must be numeric")
  vals <- x[fit$obs]
  vals <- vals[is.finite(vals)]
  thr <- if (identical(at, "median")) {
    stats::median(vals)
  } else if (is.function(at)) {
    at(vals)
  } else {
    at
  }
  if (!is.numeric(thr) || length(thr) != 1L || !is.finite(thr)) {
    sd_stop("'at' must be \"median\", a number or a function returning one number")
  }
  thr <- unname(thr)
  g <- ifelse(is.na(x), NA_character_, ifelse(x < thr, "low", "high"))
  list(g = g, levels = c("low", "high"), threshold = thr)
}

# Wald test of equal `term` across the groups in the fully interacted pooled
# model (block-diagonal design, the groups' residuals, pooled variance).
het_test <- function(fits, term) {
  f1 <- fits[[1]]
  type <- f1$vcov_info$type
  ssc <- f1$vcov_info$ssc
  parts <- lapply(fits, sd_parts)
  p <- vapply(parts, function(pt) ncol(pt$Xd), 1L)
  n_g <- vapply(parts, function(pt) nrow(pt$Xd), 1L)
  n <- sum(n_g)
  off <- c(0L, cumsum(p))
  roff <- c(0L, cumsum(n_g))
  Z <- matrix(0, n, sum(p))
  bread <- matrix(0, sum(p), sum(p))
  for (j in seq_along(parts)) {
    rows <- roff[j] + seq_len(n_g[j])
    cols <- off[j] + seq_len(p[j])
    Xd <- parts[[j]]$Xd
    w <- parts[[j]]$w
    Z[rows, cols] <- Xd
    bread[cols, cols] <- solve(if (is.null(w)) crossprod(Xd) else crossprod(Xd, w * Xd))
  }
  e <- unlist(lapply(parts, `[[`, "e"), use.names = FALSE)
  w <- if (is.null(parts[[1]]$w)) NULL else unlist(lapply(parts, `[[`, "w"), use.names = FALSE)
  K <- sum(vapply(fits, function(f) as.double(f$vcov_info$K), 1))
  clus <- NULL
  if (type == "iid") {
    ssr <- sum(if (is.null(w)) e^2 else w * e^2)
    V <- bread * iid_sigma2(ssr, n, K, ssc)
    df2 <- n - K
  } else if (type == "hc1") {
    V <- ssc_factor("hc1", n, K, ssc = ssc) * bread %*% sd_meat(Z, e, w, "hc1") %*% bread
    df2 <- n - K
  } else {
    cl_names <- f1$vcov_info$cluster
    codes <- lapply(cl_names, function(cl) {
      raw <- unlist(lapply(fits, function(f) as.character(f$data[[cl]][f$obs])),
                    use.names = FALSE)
      group_codes(raw)
    })
    G_each <- vapply(codes, function(cd) length(attr(cd, "levels")), 1L)
    G <- min(G_each)
    fac <- ssc_factor("cluster", n, K, G, ssc)
    meat <- sd_meat(Z, e, w, "cluster", lapply(codes, as.vector), G_each)
    V <- fac * bread %*% meat %*% bread
    df2 <- G - 1
    clus <- paste(cl_names, collapse = " and ")
  }
  if (ssc$t_df == "residual") df2 <- n - K
  if (ssc$t_df == "normal") df2 <- Inf
  idx <- vapply(seq_along(fits), function(j) {
    off[j] + match(term, names(fits[[j]]$coefficients))
  }, 1)
  b <- unlist(lapply(fits, function(f) f$coefficients[[term]]))
  q <- length(b) - 1L
  R <- cbind(-1, diag(q))
  Rb <- R %*% b
  RVR <- R %*% V[idx, idx] %*% t(R)
  W <- drop(t(Rb) %*% solve(RVR, Rb))
  stat <- W / q
  pval <- if (is.finite(df2)) stats::pf(stat, q, df2, lower.tail = FALSE) else
    stats::pchisq(W, q, lower.tail = FALSE)
  method <- paste0("Wald test of equal '", term, "' across groups, fully ",
                   "interacted pooled model, variance ",
                   switch(type, cluster = paste0("clustered by ", clus),
                          hc1 = "HC1", iid = "iid"))
  data.frame(statistic = stat, df1 = q, df2 = df2, p.value = pval,
             method = method, stringsAsFactors = FALSE)
}

het_label <- function(x) {
  if (!is.null(x$by)) return(paste0(x$by, " = ", names(x$fits)))
  paste0(x$split, " ", names(x$fits))
}

format_het_test <- function(test) {
  dist <- if (is.finite(test$df2)) paste0("F(", test$df1, ", ", test$df2, ")") else
    paste0("chi2(", test$df1, ")/", test$df1)
  paste0(dist, " = ", formatC(test$statistic, format = "f", digits = 3),
         ", p = ", formatC(test$p.value, format = "f", digits = 4))
}

#' @export
print.smartdid_heterogeneity <- function(x, digits = 4, ...) {
  what <- if (!is.null(x$by)) paste0("by ", x$by) else
    paste0("split of ", x$split, " at ", format(x$threshold, digits = 6),
           " (low: below, high: at or above)")
  cat("Heterogeneity ", what, "\n", sep = "")
  cat("Model: ", x$model, if (x$model == "mechanism") paste0(" (moderator ", x$moderator, ")"),
      "; term: ", x$term, "\n\n", sep = "")
  g <- x$groups
  tab <- data.frame(group = g$group, units = fmt_count(g$units), nobs = fmt_count(g$nobs),
                    estimate = fmt_num(g$estimate, digits),
                    std.error = fmt_num(g$std.error, digits),
                    statistic = fmt_num(g$statistic, 2),
                    p.value = fmt_num(g$p.value, 4))
  print(tab, row.names = FALSE, right = TRUE)
  cat("\nDifference between groups: ", format_het_test(x$test), "\n", sep = "")
  cat("(", x$test$method, ")\n", sep = "")
  invisible(x)
}

#' Tidy and glance a heterogeneity analysis
#'
#' @param x A [heterogeneity()] result.
#' @param conf.int,conf.level As for [tidy.smartdid()].
#' @param ... Not used.
#' @return `tidy()`: every coefficient of every group fit, with a `group`
#'   column first, then the columns of [tidy.smartdid()] and the group's
#'   `units` and `nobs`. `glance()`: one row with the number of groups, the
#'   total number of observations and the difference test (statistic, df1,
#'   df2, p.value, method).
#' @examples
#' set.seed(3)
#' d <- expand.grid(unit = 1:40, year = 1:6)
#' d$D <- as.numeric(d$unit <= 20 & d$year >= 4)
#' d$region <- c("east", "west")[1 + d$unit %% 2]
#' d$y <- d$D + rnorm(nrow(d))
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
#' h <- heterogeneity(fit, by = "region")
#' tidy(h)
#' glance(h)
#' @name tidy.smartdid_heterogeneity
#' @method tidy smartdid_heterogeneity
#' @export
tidy.smartdid_heterogeneity <- function(x, conf.int = TRUE, conf.level = 0.95, ...) {
  out <- do.call(rbind, lapply(names(x$fits), function(lev) {
    t <- tidy.smartdid(x$fits[[lev]], conf.int = conf.int, conf.level = conf.level)
    g <- x$groups[x$groups$group == lev, ]
    cbind(group = lev, t, units = g$units, nobs = g$nobs, stringsAsFactors = FALSE)
  }))
  rownames(out) <- NULL
  out
}

#' @rdname tidy.smartdid_heterogeneity
#' @method glance smartdid_heterogeneity
#' @export
glance.smartdid_heterogeneity <- function(x, ...) {
  data.frame(n_groups = length(x$fits), nobs = sum(x$groups$nobs), term = x$term,
             x$test, stringsAsFactors = FALSE)
}

#' Plot the group estimates of a heterogeneity analysis
#'
#' One point per group with its confidence interval, and the difference test
#' in the subtitle.
#'
#' @param x A [heterogeneity()] result.
#' @param level Confidence level.
#' @param main,xlab Title and axis label (`xlab` names the level by
#'   default).
#' @param labels Labels of the groups and the term ([var_labels()]).
#' @param ... Passed to [graphics::plot()].
#' @return The plotted data (invisibly): group, estimate, conf.low,
#'   conf.high and the label shown.
#' @examples
#' set.seed(3)
#' d <- expand.grid(unit = 1:40, year = 1:6)
#' d$D <- as.numeric(d$unit <= 20 & d$year >= 4)
#' d$region <- c("east", "west")[1 + d$unit %% 2]
#' d$y <- d$D + rnorm(nrow(d))
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
#' plot(heterogeneity(fit, by = "region"))
#' @export
plot.smartdid_heterogeneity <- function(x, level = 0.95, main = NULL,
                                        xlab = NULL, labels = NULL, ...) {
  check_level(level)
  check_labels(labels)
  tab <- het_plot_data(x, level, labels)
  xlab <- xlab %||% paste("Estimate and", ci_words(level))
  room <- left_margin(tab$label)
  on.exit(graphics::par(room$op))
  k <- nrow(tab)
  yy <- rev(seq_len(k))
  graphics::plot(tab$estimate, yy, xlim = range(tab$conf.low, tab$conf.high, 0),
                 ylim = c(0.5, k + 0.5), yaxt = "n", pch = 19, xlab = xlab, ylab = "",
                 main = main %||% paste0(relabel(x$term, labels), " by group"), ...)
  graphics::segments(tab$conf.low, yy, tab$conf.high, yy)
  graphics::axis(2, at = yy, labels = tab$label, las = 1, cex.axis = room$cex, gap.axis = -1)
  graphics::abline(v = 0, lty = 2)
  graphics::mtext(paste0("Difference: ", format_het_test(x$test)), side = 3,
                  line = 0.3, cex = 0.8)
  invisible(tab)
}

# Each group's estimate of the term with its confidence interval and label.
het_plot_data <- function(x, level, labels = NULL) {
  tab <- do.call(rbind, lapply(names(x$fits), function(lev) {
    ct <- coef_table(x$fits[[lev]], level)
    ct <- ct[ct$term == x$term, ]
    data.frame(group = lev, estimate = ct$estimate, conf.low = ct$conf.low,
               conf.high = ct$conf.high, stringsAsFactors = FALSE)
  }))
  tab$label <- relabel(tab$group, labels)
  tab
}

# The Goodman-Bacon (2021) decomposition of a two-way fixed-effects DID
# estimate into the 2x2 comparisons it averages.

#' Goodman-Bacon decomposition of a two-way fixed-effects estimate
#'
#' With staggered adoption, the two-way fixed-effects (TWFE) coefficient is a
#' weighted average of every 2x2 difference-in-differences between two timing
#' groups (units adopting in the same period) over the periods where only one
#' of them changes treatment status (Goodman-Bacon 2021, Theorem 1).
#' `bacon()` lists those comparisons with their estimates and weights; the
#' weights sum to one and the weighted sum of the estimates equals the TWFE
#' coefficient of `fit`.
#'
#' Comparison types:
#' * `"Treated vs Never Treated"`: a timing group against the units never
#'   treated in the sample, over all periods;
#' * `"Earlier vs Later Treated"`: an earlier group against a later one, over
#'   the periods before the later one adopts;
#' * `"Later vs Earlier Treated"`: a later group against an earlier one
#'   *already treated*, over the periods from the earlier adoption on. These
#'   are the "forbidden" comparisons that bias TWFE when effects change over
#'   time;
#' * `"Later vs Always Treated"`: a group against units treated in every
#'   period of the sample (only when there are such units).
#'
#' The decomposition is exact for the model without controls on a balanced
#' panel without weights or extra fixed effects, and `bacon()` requires
#' exactly that: a fit with controls is an error (refit with
#' `update(fit, . ~ 1)`). With controls, Goodman-Bacon's decomposition gains a
#' within-group term that is not a 2x2 comparison, and is not provided.
#'
#' @param fit A [smartdid()] fit without controls on a balanced panel.
#' @return An object of class `smartdid_bacon`: a list with `comparisons` (a
#'   data frame: treated and control adoption periods, `Inf` for never
#'   treated; type; estimate; weight), `by_type` (weight and weighted average
#'   per type), `estimate` (the TWFE coefficient) and `nobs`. Methods:
#'   `print()` (by type), `generics::tidy()` (the comparisons), `plot()`
#'   (estimate against weight by type).
#' @references Goodman-Bacon, A. (2021). Difference-in-differences with
#'   variation in treatment timing. Journal of Econometrics 225(2), 254-277.
#' @examples
#' d <- expand.grid(unit = 1:30, year = 2001:2010)
#' d$first <- c(2004, 2006, 2008, NA, NA)[d$unit %% 5 + 1]
#' d$D <- as.numeric(!is.na(d$first) & d$year >= d$first)
#' d$y <- ifelse(d$D == 1, d$year - d$first + 1, 0) + sin(d$unit) + d$year / 10
#' fit <- smartdid(y ~ 1, data = d, id = "unit", time = "year", treat = "D")
#' b <- bacon(fit)
#' b
#' tidy(b)
#' plot(b)
#' @export
bacon <- function(fit) {
  sd_require(fit, "bacon()", controls = TRUE)
  st <- sd_staggered(fit, "bacon()")
  if (!st$balanced) {
    sd_stop("bacon() needs a balanced panel: every unit observed in every ",
            "period of the estimation sample")
  }
  periods <- st$periods
  T <- length(periods)
  g <- st$unit_cohort
  g[st$always] <- periods[1]     # pool always-treated units into one group
  groups <- sort(unique(g))
  gi <- match(g, groups)
  n_g <- tabulate(gi, length(groups)) / st$n_units
  # group-by-period means of the outcome
  ybar <- rowsum(st$y, (gi[st$unit] - 1L) * T + st$tidx, reorder = TRUE)
  means <- matrix(ybar[, 1] / (st$n_units * n_g[rep(seq_along(groups), each = T)]),
                  length(groups), T, byrow = TRUE)
  vd <- bacon_vd(st)
  cmp <- bacon_pairs(groups, periods)
  est <- wt <- numeric(nrow(cmp))
  for (r in seq_len(nrow(cmp))) {
    a <- match(cmp$treated[r], groups)
    b <- match(cmp$control[r], groups)
    win <- periods >= cmp$from[r] & periods < cmp$to[r]
    post <- win & periods >= groups[a]
    pre <- win & !post
    est[r] <- (mean(means[a, post]) - mean(means[a, pre])) -
      (mean(means[b, post]) - mean(means[b, pre]))
    m <- n_g[a] / (n_g[a] + n_g[b])
    s <- sum(post) / sum(win)
    wt[r] <- (n_g[a] + n_g[b])^2 * (sum(win) / T)^2 * m * (1 - m) * s * (1 - s) / vd
  }
  out <- data.frame(treated = cmp$treated, control = cmp$control,
                    type = cmp$type, estimate = est, weight = wt,
                    stringsAsFactors = FALSE)
  out <- out[out$weight > 0, , drop = FALSE]
  rownames(out) <- NULL
  structure(list(comparisons = out, by_type = bacon_by_type(out),
                 estimate = unname(fit$coefficients[fit$treat_name]),
                 weight_sum = sum(out$weight), nobs = fit$nobs,
                 n_units = st$n_units, treat_name = fit$treat_name),
            class = "smartdid_bacon")
}

# Variance of the treatment dummy after removing unit and period means.
bacon_vd <- function(st) {
  Dm <- matrix(0, st$n_units, length(st$periods))
  Dm[cbind(st$unit, st$tidx)] <- st$D
  Dd <- Dm - rowMeans(Dm) - rep(colMeans(Dm), each = nrow(Dm)) + mean(Dm)
  mean(Dd^2)
}

# Every ordered pair of groups with the window of periods [from, to) in which
# only the treated group changes status.
bacon_pairs <- function(groups, periods) {
  first <- periods[1]
  timing <- groups[is.finite(groups) & groups > first]
  rows <- list()
  add <- function(tr, co, from, to, type) {
    rows[[length(rows) + 1L]] <<- data.frame(treated = tr, control = co, from = from,
                                             to = to, type = type,
                                             stringsAsFactors = FALSE)
  }
  for (k in timing) {
    if (any(is.infinite(groups))) add(k, Inf, -Inf, Inf, "Treated vs Never Treated")
    if (any(groups <= first)) add(k, first, -Inf, Inf, "Later vs Always Treated")
    for (l in timing[timing > k]) {
      add(k, l, -Inf, l, "Earlier vs Later Treated")
      add(l, k, k, Inf, "Later vs Earlier Treated")
    }
  }
  if (!length(rows)) {
    sd_stop("bacon() found no comparison: the panel needs units adopting ",
            "within the sample period and units to compare them with")
  }
  do.call(rbind, rows)
}

bacon_types <- c("Treated vs Never Treated", "Earlier vs Later Treated",
                 "Later vs Earlier Treated", "Later vs Always Treated")

bacon_by_type <- function(cmp) {
  types <- intersect(bacon_types, cmp$type)
  do.call(rbind, lapply(types, function(ty) {
    s <- cmp[cmp$type == ty, , drop = FALSE]
    data.frame(type = ty, comparisons = nrow(s), weight = sum(s$weight),
               estimate = sum(s$weight * s$estimate) / sum(s$weight),
               stringsAsFactors = FALSE)
  }))
}

#' @rdname bacon
#' @param x A `smartdid_bacon` object.
#' @param ... Not used (`print`, `tidy`); passed to [graphics::plot()] (`plot`).
#' @export
tidy.smartdid_bacon <- function(x, ...) x$comparisons

#' @rdname bacon
#' @param digits Digits to print.
#' @export
print.smartdid_bacon <- function(x, digits = 4, ...) {
  cat("Goodman-Bacon decomposition of the TWFE estimate of ", x$treat_name, "\n",
      sep = "")
  cat("TWFE estimate: ", fmt_num(x$estimate, digits), "   2x2 comparisons: ",
      nrow(x$comparisons), "   units: ", x$n_units, "\n\n", sep = "")
  bt <- x$by_type
  tab <- data.frame(Type = bt$type, Comparisons = bt$comparisons,
                    Weight = fmt_num(bt$weight, digits),
                    `Avg. estimate` = fmt_num(bt$estimate, digits),
                    check.names = FALSE)
  print(tab, row.names = FALSE, right = FALSE)
  cat("\nWeighted sum of the 2x2 estimates: ",
      fmt_num(sum(x$comparisons$weight * x$comparisons$estimate), digits), "\n",
      sep = "")
  invisible(x)
}

#' @rdname bacon
#' @param main,xlab,ylab Title and axis labels.
#' @return `plot()`: the plotted comparisons (invisibly).
#' @export
plot.smartdid_bacon <- function(x, main = "Goodman-Bacon decomposition",
                                xlab = "Weight", ylab = "2x2 DID estimate", ...) {
  cmp <- x$comparisons
  types <- intersect(bacon_types, cmp$type)
  k <- match(cmp$type, bacon_types)
  pch <- c(19, 17, 15, 4)
  col <- c("black", "#1b9e77", "#d95f02", "#7570b3")
  graphics::plot(cmp$weight, cmp$estimate, pch = pch[k], col = col[k],
                 xlab = xlab, ylab = ylab, main = main,
                 xlim = c(0, max(cmp$weight)), ...)
  graphics::abline(h = x$estimate, lty = 2)
  graphics::abline(h = 0, col = "grey")
  j <- match(types, bacon_types)
  graphics::legend("topright", legend = types, pch = pch[j], col = col[j],
                   bty = "n", cex = 0.8)
  invisible(cmp)
}

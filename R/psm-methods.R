# Methods for psm() results: print, plot, the matched sample, tidy, glance.

check_psm <- function(m, arg = "m") {
  if (!inherits(m, "smartdid_psm")) sd_stop("'", arg, "' must be a result of psm()")
  invisible(m)
}

#' The matched sample of a propensity-score matching, for PSM-DID
#'
#' Returns the rows of the original data that belong to the matched sample,
#' with two added columns: `weights` (the matching weights, see [psm()]) and
#' `subclass` (the pair id: the matched treated unit and its controls share
#' it). At `match_level = "obs"` these are the matched rows; at
#' `match_level = "unit"` all rows of the matched units (whole panels).
#'
#' Pass the result to [smartdid()] for a PSM-DID estimate, either unweighted
#' on the matched rows (the usual practice when matching 1:1 without
#' replacement, where every weight is 1) or with `weights = "weights"`
#' (needed with replacement or `ratio > 1`, where controls used more often
#' count more).
#'
#' @param m A [psm()] result.
#' @param pairs `FALSE` (the default): one row per matched row, a control
#'   used by several treated units once, with its summed weight; its
#'   `subclass` is then `NA`. `TRUE`: one block per matched treated unit
#'   (the treated rows, weight 1, then its controls, weight 1/k each), so
#'   controls used several times appear several times, each with the
#'   `subclass` of its pair.
#' @return A data frame (a data.table if `data` was one) with the columns of
#'   the original data plus `weights` and `subclass`. Existing columns of
#'   those names are overwritten, with a warning.
#' @examples
#' set.seed(2)
#' d <- expand.grid(year = 1:5, unit = 1:40)
#' d$x <- rnorm(nrow(d)) + (d$unit <= 15)
#' d$treated <- as.numeric(d$unit <= 15)
#' m <- psm(d, "treated", "x", id = "unit", time = "year", replace = TRUE)
#' head(matched_data(m))
#' head(matched_data(m, pairs = TRUE))
#' @export
matched_data <- function(m, pairs = FALSE) {
  check_psm(m)
  check_flag(pairs, "pairs")
  u <- m$units
  data <- m$data
  is_dt <- inherits(data, "data.table")
  if (is_dt) data <- as.data.frame(data)
  if (!pairs) {
    rows <- which(!is.na(m$row_unit) & u$matched[pmax(m$row_unit, 1L)])
    ui <- m$row_unit[rows]
    w <- u$weights[ui]
    sc <- u$subclass[ui]
  } else {
    mm <- m$match_matrix
    k <- rowSums(!is.na(mm))
    tr <- as.integer(rownames(mm))[k > 0]
    mm <- mm[k > 0, , drop = FALSE]
    k <- k[k > 0]
    blocks <- lapply(seq_along(tr), function(i) {
      cc <- mm[i, !is.na(mm[i, ])]
      data.frame(unit = c(tr[i], cc), w = c(1, rep(1 / k[i], length(cc))), sub = i)
    })
    b <- do.call(rbind, blocks)
    rows_of <- split(seq_along(m$row_unit), factor(m$row_unit, levels = seq_len(nrow(u))))
    rr <- rows_of[b$unit]
    len <- lengths(rr)
    rows <- unlist(rr, use.names = FALSE)
    w <- rep(b$w, len)
    sc <- rep(b$sub, len)
  }
  out <- data[rows, , drop = FALSE]
  clash <- intersect(c("weights", "subclass"), names(out))
  if (length(clash)) {
    warning("matched_data(): column(s) ", paste0("'", clash, "'", collapse = ", "),
            " of the data overwritten by the matching ", clash, call. = FALSE)
  }
  out[["weights"]] <- w
  out[["subclass"]] <- sc
  rownames(out) <- NULL
  if (is_dt) out <- data.table::as.data.table(out)
  out
}

format_psm_counts <- function(counts) {
  lab <- c(all = "All", matched = "Matched", unmatched = "Unmatched",
           discarded = "Off support")
  w <- max(nchar(format(counts, big.mark = ",")), 7L)
  head <- paste0(formatC("", width = 12), formatC("Control", width = w),
                 formatC("Treated", width = w + 1L))
  body <- vapply(rownames(counts), function(r) {
    paste0(formatC(lab[[r]], width = -12),
           formatC(format(counts[r, "control"], big.mark = ","), width = w),
           formatC(format(counts[r, "treated"], big.mark = ","), width = w + 1L))
  }, "")
  c(head, unname(body))
}

#' @export
format.smartdid_psm <- function(x, ...) {
  s <- x$settings
  what <- if (s$level == "obs") "unit-period rows pooled" else
    paste0("units (", if (is.null(s$baseline)) "first-period" else if
           (identical(s$baseline, "mean")) "mean" else paste0(s$time, " = ", s$baseline),
           " covariates)")
  by <- if (is.null(s$by)) "" else
    paste0(", separately by '", s$by, "' (", length(x$group_levels), " groups)")
  cal <- if (is.null(s$caliper)) "no caliper" else if (length(x$caliper_abs) == 1L)
    paste0("caliper ", format(s$caliper), " SD (", format(unname(x$caliper_abs), digits = 4), ")")
  else paste0("caliper ", format(s$caliper), " SD within each group")
  disc <- c(none = "none", treated = "treated outside the controls' range",
            control = "controls outside the treated range",
            both = "units outside the other group's range")[[s$discard]]
  c("Propensity-score matching (smartdid)",
    paste0("Score: ", s$link, " of '", s$treat, "' on ",
           paste(s$covariates, collapse = ", "), "; ", what, by),
    paste0("Matching: ", s$ratio, ":1 nearest neighbour on the ",
           if (s$distance == "score") "score" else "linear index", ", ",
           if (s$replace) "with" else "without", " replacement, ",
           if (s$replace) "" else paste0(s$order, " first, "), cal),
    paste0("Common support: ", disc),
    "",
    format_psm_counts(x$counts),
    if (any(x$dropped$rows > 0)) paste0("Dropped: ", paste0(
      format(x$dropped$rows[x$dropped$rows > 0], big.mark = ","), " (",
      x$dropped$reason[x$dropped$rows > 0], ")", collapse = ", ")))
}

#' @export
print.smartdid_psm <- function(x, ...) {
  cat(format(x), sep = "\n")
  invisible(x)
}

#' Score densities before and after matching
#'
#' Two panels of kernel densities of the propensity score for treated and
#' control units: all units before matching, and the matched units after,
#' weighted by the matching weights (psmatch2's `_weight`). Bandwidths are
#' [stats::bw.nrd0()] of each sample's scores. The densities live on
#' \[0, 1\]: they are reflected at 0 and 1 (no mass beyond the unit interval,
#' none lost at its edges), and the x axis is the unit interval.
#'
#' @param x A [psm()] result.
#' @param main Titles of the two panels.
#' @param xlab Axis label.
#' @param col,lty Colours and line types for treated and controls.
#' @param plot Draw the plot (`FALSE` only returns its data).
#' @param ... Passed to [graphics::plot()].
#' @return (Invisibly) the plotted data: a data frame with `panel`
#'   ("before", "after"), `group` ("treated", "control"), `x` and `density`.
#' @examples
#' set.seed(3)
#' d <- data.frame(unit = 1:200, year = 1, x = rnorm(200))
#' d$treated <- rbinom(200, 1, plogis(d$x - 1))
#' m <- psm(d, "treated", "x", id = "unit", time = "year")
#' pd <- plot(m)
#' head(pd)
#' @export
plot.smartdid_psm <- function(x, main = c("Before matching", "After matching"),
                              xlab = "Propensity score", col = c("black", "grey45"),
                              lty = c(1, 2), plot = TRUE, ...) {
  check_flag(plot, "plot")
  u <- x$units
  dens <- function(sel, w, panel) {
    do.call(rbind, lapply(c(1L, 0L), function(g) {
      keep <- sel & u$treat == g & !is.na(u$score)
      s <- u$score[keep]
      if (length(s) < 2L) return(NULL)
      d <- score_density(s, w[keep])
      data.frame(panel = panel, group = if (g == 1L) "treated" else "control",
                 x = d$x, density = d$y, stringsAsFactors = FALSE)
    }))
  }
  pd <- rbind(dens(rep(TRUE, nrow(u)), rep(1, nrow(u)), "before"),
              dens(u$freq_weights > 0, u$freq_weights, "after"))
  if (plot) {
    op <- graphics::par(mfrow = c(1, 2))
    on.exit(graphics::par(op))
    for (p in c("before", "after")) {
      dp <- pd[pd$panel == p, , drop = FALSE]
      graphics::plot(c(0, 1), c(0, max(dp$density, 0)), type = "n", xaxs = "i",
                     main = main[match(p, c("before", "after"))], xlab = xlab,
                     ylab = "Density", ...)
      for (g in c("treated", "control")) {
        dg <- dp[dp$group == g, , drop = FALSE]
        j <- if (g == "treated") 1L else 2L
        graphics::lines(dg$x, dg$density, col = col[j], lty = lty[j], lwd = 1.5)
      }
      graphics::legend("topright", c("Treated", "Control"), col = col, lty = lty,
                       bty = "n", lwd = 1.5)
    }
  }
  invisible(pd)
}

# Kernel density of propensity scores on [0, 1]: reflected at 0 and 1 so
# that no mass lies outside the unit interval and none is lost at the edges
# (the bandwidth is that of the scores themselves).
score_density <- function(s, w) {
  bw <- stats::bw.nrd0(s)
  w <- w / sum(w)
  d <- stats::density(c(s, -s, 2 - s), bw = bw, weights = rep(w, 3) / 3,
                      from = 0, to = 1, n = 512)
  list(x = d$x, y = 3 * d$y)
}

#' Tidy and glance a propensity-score matching
#'
#' @param x A [psm()] result.
#' @param ... Not used.
#' @return `tidy()`: the coefficients of the score model (term, estimate,
#'   std.error, statistic, p.value; with a `group` column when `by` was
#'   used). `glance()`: one row with the sample sizes (all, matched,
#'   unmatched and off support, for treated and controls) and the settings.
#' @examples
#' set.seed(3)
#' d <- data.frame(unit = 1:200, year = 1, x = rnorm(200))
#' d$treated <- rbinom(200, 1, plogis(d$x - 1))
#' m <- psm(d, "treated", "x", id = "unit", time = "year", ratio = 2)
#' tidy(m)
#' glance(m)
#' @name tidy.smartdid_psm
#' @method tidy smartdid_psm
#' @export
tidy.smartdid_psm <- function(x, ...) {
  out <- do.call(rbind, lapply(names(x$models), function(g) {
    cbind(group = g, x$models[[g]], stringsAsFactors = FALSE)
  }))
  if (is.null(x$settings$by)) out$group <- NULL
  rownames(out) <- NULL
  out
}

#' @rdname tidy.smartdid_psm
#' @method glance smartdid_psm
#' @export
glance.smartdid_psm <- function(x, ...) {
  s <- x$settings
  ct <- x$counts
  data.frame(n = sum(ct["all", ]), n_treated = ct["all", "treated"],
             n_control = ct["all", "control"],
             matched_treated = ct["matched", "treated"],
             matched_control = ct["matched", "control"],
             unmatched_treated = ct["unmatched", "treated"],
             unmatched_control = ct["unmatched", "control"],
             discarded_treated = ct["discarded", "treated"],
             discarded_control = ct["discarded", "control"],
             level = s$level, link = s$link, ratio = s$ratio, replace = s$replace,
             caliper = if (is.null(s$caliper)) NA_real_ else s$caliper,
             stringsAsFactors = FALSE)
}

# Helpers shared by the base-graphics figures: axes that keep every label,
# legends outside the data, and the wording of confidence levels.

# An axis with a label at every tick: the labels shrink (down to 60 %) and
# then alternate between two lines rather than being silently dropped, which
# base graphics does when they would overlap.
axis_all <- function(side, at, labels = as.character(at), cex = graphics::par("cex.axis")) {
  if (!length(at)) return(invisible())
  usr <- graphics::par("usr")
  span <- if (side %in% c(1, 3)) usr[2] - usr[1] else usr[4] - usr[3]
  gap <- if (length(at) > 1L) min(diff(sort(at))) else span
  w <- max(graphics::strwidth(labels, units = "user", cex = cex)) * 1.15
  if (side %in% c(2, 4)) w <- max(graphics::strheight(labels, units = "user", cex = cex)) * 1.5
  if (w > gap) cex <- max(0.6 * cex, cex * gap / w)
  w2 <- max(graphics::strwidth(labels, units = "user", cex = cex)) * 1.15
  graphics::axis(side, at = at, labels = FALSE)
  if (side %in% c(1, 3) && w2 > gap) {
    odd <- seq_along(at) %% 2L == 1L
    graphics::mtext(labels[odd], side = side, at = at[odd], line = 0.6, cex = cex)
    graphics::mtext(labels[!odd], side = side, at = at[!odd], line = 1.4, cex = cex)
  } else {
    graphics::axis(side, at = at, labels = labels, cex.axis = cex, gap.axis = -1,
                   tick = FALSE)
  }
  invisible()
}

# A legend in the top margin, centred above the plotting region and never
# over the data; the margin must have room (about 2 lines).
legend_above <- function(..., ncol = NULL) {
  usr <- graphics::par("usr")
  args <- list(...)
  n <- length(args$legend)
  graphics::legend(mean(usr[1:2]), usr[4], xjust = 0.5, yjust = 0, xpd = NA, bty = "n",
                   ncol = ncol %||% n, ...)
}

# "95% confidence interval".
ci_words <- function(level) paste0(format(100 * level), "% confidence interval")

# Sets a left margin wide enough for `labels` on the current device (at most
# 45 % of the figure; beyond that the labels shrink); returns the old
# settings (`op`, to restore) and the `cex` to draw the labels with.
left_margin <- function(labels) {
  if (grDevices::dev.cur() == 1L) grDevices::dev.new()
  cex <- graphics::par("cex.axis")
  need <- max(graphics::strwidth(labels, units = "inches", cex = cex))
  avail <- 0.45 * graphics::par("fin")[1]
  if (need > avail) {
    cex <- max(0.5, cex * avail / need)
    need <- avail
  }
  mar <- graphics::par("mar")
  op <- graphics::par(mar = c(mar[1], max(mar[2], need / graphics::par("csi") + 1.2), mar[3:4]))
  list(op = op, cex = cex)
}

# Labels for base graphics: "<= -8" made with sym() becomes a plotmath
# expression, which every device can draw (the pdf() device cannot draw the
# Unicode sign in its default encoding).
plotmath_labels <- function(labels) {
  le <- startsWith(labels, paste0(sym("le"), " "))
  ge <- startsWith(labels, paste0(sym("ge"), " "))
  if (!any(le | ge)) return(labels)
  num <- sub("^\\S+ ", "", labels)
  do.call(expression, lapply(seq_along(labels), function(i) {
    if (le[i]) bquote("" <= .(num[i])) else if (ge[i]) bquote("" >= .(num[i])) else labels[i]
  }))
}

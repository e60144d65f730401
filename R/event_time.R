# Adoption timing of every unit of a smartdid fit, in period positions: the
# basis of event_study() and shift_timing().
#
# Periods are the sorted distinct values of the fit's time column (on the rows
# of its subset with a known unit, period and treatment); a row's period
# position is its rank among them. A unit's adoption position is the position
# of its first treated period: from the `treat` column, its first row with
# treat = 1; from the `cohort` column, the first period on or after the
# cohort value. Relative time = period position - adoption position, so it
# counts observed periods, not calendar units.
#
# Units are classified as
#   never     never treated (treat always 0, or cohort NA/0/Inf)
#   late      cohort value after the last period: never treated in the sample
#   treated   untreated first, treated from adoption on (absorbing)
#   always    treated in every observed period: adoption not observed
#   switcher  treated and later untreated again (treat column only)

es_timing <- function(fit, switchers = "drop") {
  a <- fit$args
  data <- fit$data
  n <- nrow(data)
  rows <- subset_mask(data, a$subset) & !is.na(data[[a$id]]) & !is.na(data[[a$time]])
  if (!is.null(a$treat)) {
    D <- data[[a$treat]]
    if (is.logical(D)) D <- as.numeric(D)
    rows <- rows & !is.na(D)
  }
  tt <- data[[a$time]]
  if (is.character(tt)) {
    sd_stop("the 'time' column '", a$time, "' holds strings, whose alphabetical ",
            "order (\"10\" before \"9\") need not be the order of the periods; ",
            "convert it to numbers, dates or a factor with its levels in time order")
  }
  periods <- sort(unique(tt[rows]))
  pidx <- match(tt, periods)
  pidx[!rows] <- NA_integer_
  ucode <- rep(NA_integer_, n)
  ucode[rows] <- group_codes(data[[a$id]][rows])
  nu <- max(ucode, 0L, na.rm = TRUE)
  r <- which(rows)
  u <- ucode[r]
  first_obs <- group_min(pidx[r], u, nu)
  if (!is.null(a$treat)) {
    dr <- D[r]
    adopt <- group_min(ifelse(dr == 1, pidx[r], NA_integer_), u, nu)
    after_on <- !is.na(adopt[u]) & pidx[r] > adopt[u] & dr == 0
    off <- tabulate(u[after_on], nbins = nu) > 0L
    status <- ifelse(is.na(adopt), "never", "treated")
    status[off] <- "switcher"
  } else {
    g <- data[[a$cohort]][r]
    g[is.na(g) | g == 0 | is.infinite(g)] <- NA
    gu <- g[match(seq_len(nu), u)]
    bad <- !is.na(g) & g != gu[u] | is.na(g) != is.na(gu[u])
    if (any(bad)) {
      k <- r[which(bad)[1]]
      sd_stop("'cohort' column '", a$cohort, "' must be constant within each unit; ",
              "it changes for ", a$id, " = ", format(data[[a$id]][k]))
    }
    adopt <- findInterval(gu, periods, left.open = TRUE) + 1L
    adopt[is.na(gu)] <- NA_integer_
    status <- ifelse(is.na(gu), "never", "treated")
    late <- !is.na(adopt) & adopt > length(periods)
    status[late] <- "late"
    adopt[late] <- NA_integer_
  }
  n_switch <- sum(status == "switcher")
  if (switchers == "first") status[status == "switcher"] <- "treated"
  status[status == "treated" & adopt <= first_obs] <- "always"
  use <- status == "treated"
  rel <- rep(NA_integer_, n)
  rel[r] <- ifelse(use[u], pidx[r] - adopt[u], NA_integer_)
  drop_unit <- status %in% c("always", "switcher")
  list(periods = periods, pidx = pidx, unit = ucode, rows = rows,
       rel = rel, adopt = ifelse(use, adopt, NA_integer_), status = status,
       drop_row = rows & drop_unit[pmax(ucode, 1L)] & !is.na(ucode),
       switchers = switchers, n_switch = n_switch,
       counts = table(factor(status, c("treated", "never", "late", "always",
                                       "switcher"))))
}

# Smallest value per group (NA when the group has none).
group_min <- function(x, g, ng) {
  out <- rep(NA_integer_, ng)
  ok <- which(!is.na(x))
  ord <- ok[order(x[ok], decreasing = TRUE)]
  out[g[ord]] <- x[ord]  # the last (smallest) assignment wins
  out
}

# One message saying which units were set aside or reclassified.
es_timing_message <- function(tm, what = "the event study") {
  cnt <- tm$counts
  rows_of <- function(s) {
    sum(tm$rows & !is.na(tm$unit) & tm$status[pmax(tm$unit, 1L)] == s)
  }
  msg <- character()
  if (cnt[["always"]] > 0L) {
    msg <- c(msg, paste0(cnt[["always"]], " always-treated unit(s) (treated in every ",
                         "observed period, so their adoption is not observed) dropped from ",
                         what, " (", rows_of("always"), " rows)"))
  }
  if (cnt[["switcher"]] > 0L) {
    msg <- c(msg, paste0(cnt[["switcher"]], " unit(s) whose treatment switches off ",
                         "dropped from ", what, " (", rows_of("switcher"), " rows); ",
                         "use switchers = \"first\" to keep them with their first ",
                         "adoption"))
  }
  if (tm$switchers == "first" && tm$n_switch > 0L) {
    msg <- c(msg, paste0(tm$n_switch, " unit(s) whose treatment switches off kept ",
                         "with event time counted from their first adoption"))
  }
  if (cnt[["late"]] > 0L) {
    msg <- c(msg, paste0(cnt[["late"]], " unit(s) adopting after the last period ",
                         "used as never treated"))
  }
  if (length(msg)) message(paste(msg, collapse = "\n"))
  invisible(msg)
}

# Adoption timing of every unit of a smartdid fit on the package's one clock
# (R/clock.R): the basis of event_study(estimator = "twfe") and
# shift_timing().
#
# The clock is built on the rows of the fit's subset with a known unit,
# period and treatment. `pidx` is a row's calendar period number, `adopt` its
# unit's adoption period number, `rel` = pidx - adopt (treated units only),
# `status` the unit classification of clock_units().

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
  clock <- sd_clock(tt[rows])
  pidx <- rep(NA_integer_, n)
  pidx[rows] <- clock_index(clock, tt[rows])
  ucode <- rep(NA_integer_, n)
  ucode[rows] <- group_codes(data[[a$id]][rows])
  nu <- max(ucode, 0L, na.rm = TRUE)
  r <- which(rows)
  u <- ucode[r]
  if (!is.null(a$treat)) {
    cu <- clock_units(clock, u, pidx[r], nu, D = D[r], switchers = switchers)
  } else {
    g <- data[[a$cohort]][r]
    g[sd_never(g)] <- NA
    gu <- g[match(seq_len(nu), u)]
    bad <- !is.na(g) & g != gu[u] | is.na(g) != is.na(gu[u])
    if (any(bad)) {
      k <- r[which(bad)[1]]
      sd_stop("'cohort' column '", a$cohort, "' must be constant within each unit; ",
              "it changes for ", a$id, " = ", format(data[[a$id]][k]))
    }
    cu <- clock_units(clock, u, pidx[r], nu, g = gu, switchers = switchers)
  }
  status <- cu$status
  adopt <- cu$adopt
  use <- status == "treated"
  rel <- rep(NA_integer_, n)
  rel[r] <- ifelse(use[u], pidx[r] - adopt[u], NA_integer_)
  drop_unit <- status %in% c("always", "switcher")
  list(periods = clock$periods, clock = clock, pidx = pidx, unit = ucode, rows = rows,
       rel = rel, adopt = ifelse(use, adopt, NA_integer_), status = status,
       drop_row = rows & drop_unit[pmax(ucode, 1L)] & !is.na(ucode),
       switchers = switchers, n_switch = cu$n_switch,
       counts = table(factor(status, c("treated", "never", "late", "always",
                                       "switcher"))))
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

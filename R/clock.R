# The one clock of the package: what a period is, when a unit adopts, which
# units are never, always or switching treated, and what "relative time"
# means. Every estimator times events through these functions (es_timing()
# for the two-way fixed-effects event study and shift_timing(),
# sd_staggered() for bacon(), att_gt(), Sun-Abraham and imputation), so all
# of them report relative time on the same axis.
#
# Relative time is counted in periods of the panel's own calendar:
# - a numeric time column has a spacing, the largest step of which every
#   difference between observed periods is a whole multiple (1 for yearly
#   data, 2 for a panel observed every second year, 0.25 for quarters coded
#   2000.00, 2000.25, ...). Period k of the calendar is first + (k - 1) *
#   spacing; a period missing from the data (a gap) is still a period of the
#   calendar, so relative time across a gap skips a value rather than
#   pretending the periods on either side are adjacent;
# - any other time column (dates, factors) has no arithmetic the package
#   can trust (months have 28 to 31 days), so its periods are counted in
#   observed positions (spacing NA, `unit = "position"`).
# Relative time of a row = its calendar period - its unit's adoption period,
# so -1 is always the period before adoption, whatever the spacing.
#
# Adoption: from a 0/1 `treat` column, the unit's first row with treat = 1;
# from a `cohort` column, the first calendar period on or after the cohort
# value. The never-treated codes of a cohort column are written once, in
# sd_never().
#
# Units are classified (clock_units()) as
#   never     never treated (treat always 0, or cohort NA/0/Inf)
#   late      cohort after the last period: never treated within the sample
#   treated   untreated first, treated from adoption on (absorbing)
#   always    treated from the unit's first observed period on: its
#             adoption is not observed
#   switcher  treated and later untreated again (treat column only)

# The never-treated codes of a cohort column: NA, 0 or Inf.
sd_never <- function(g) is.na(g) | g == 0 | is.infinite(g)

# The calendar of a vector of period values (the rows used by a fit).
# Returns the observed periods, the spacing, the calendar's first period,
# its length in periods (n_periods, gaps included) and whether periods were
# counted by calendar arithmetic or by position.
sd_clock <- function(times) {
  periods <- sort(unique(times[!is.na(times)]))
  if (is.numeric(periods) && !is.factor(periods) && !inherits(periods, "Date") &&
      !inherits(periods, "POSIXt")) {
    p <- as.double(periods)
    spacing <- if (length(p) > 1L) clock_gcd(diff(p)) else 1
    n <- if (length(p)) round((p[length(p)] - p[1]) / spacing) + 1 else 0
    structure(list(periods = periods, spacing = spacing, origin = p[1],
                   n_periods = as.integer(n), unit = "calendar",
                   gaps = as.integer(n - length(p))), class = "sd_clock")
  } else {
    structure(list(periods = periods, spacing = NA_real_, origin = NA_real_,
                   n_periods = length(periods), unit = "position", gaps = 0L),
              class = "sd_clock")
  }
}

# Greatest common step of positive differences, up to rounding error in
# non-integer periods (quarters as 2000.25, ...).
clock_gcd <- function(d) {
  tol <- 1e-8 * max(d)
  g <- d[1]
  for (x in d[-1]) {
    a <- max(g, x)
    b <- min(g, x)
    while (b > tol) {
      r <- a %% b
      if (r > b - tol) r <- 0   # a is a multiple of b up to rounding
      a <- b
      b <- r
    }
    g <- a
  }
  g
}

# Calendar period number (1 = the first period) of period values x; NA for
# values off the calendar (between two of its periods) unless `after`, which
# gives the first period on or after x (the rule for cohort values).
clock_index <- function(clock, x, after = FALSE) {
  if (clock$unit == "position") {
    if (!after) return(match(x, clock$periods))
    return(findInterval(x, clock$periods, left.open = TRUE) + 1L)
  }
  k <- (as.double(x) - clock$origin) / clock$spacing + 1
  kr <- round(k)
  on <- abs(k - kr) < 1e-6
  out <- if (after) ifelse(on, kr, ceiling(k)) else ifelse(on, kr, NA_real_)
  as.integer(out)
}

# The period value of calendar period numbers k (inverse of clock_index()).
clock_value <- function(clock, k) {
  if (clock$unit == "position") return(clock$periods[k])
  clock$origin + (k - 1) * clock$spacing
}

# Relative time (in periods) of rows at period values `time` of units
# adopting at cohort values `cohort` (Inf: never treated, NA returned).
clock_rel <- function(clock, time, cohort) {
  out <- rep(NA_real_, length(time))
  tr <- is.finite(cohort)
  out[tr] <- clock_index(clock, time[tr]) - clock_index(clock, cohort[tr], after = TRUE)
  out
}

# The length of one period in units of a fit's time column (1 for columns
# counted in positions, where period values are not added to).
clock_step <- function(fit) {
  sp <- sd_clock(fit$data[[fit$args$time]][fit$obs])$spacing
  if (is.na(sp)) 1 else sp
}

# A description of the clock for printing and es$info$clock.
clock_text <- function(clock) {
  if (clock$unit == "position") {
    return(paste0(length(clock$periods), " periods, counted in observed positions"))
  }
  paste0(length(clock$periods), " periods observed, spacing ", format(clock$spacing),
         if (clock$gaps > 0L) paste0(" (", clock$gaps, " calendar period(s) missing)"))
}

# Adoption and status of every unit. `unit` (codes 1..nu) and `k` (calendar
# period numbers) describe the rows; `D` the 0/1 treatment of the rows or
# `g` the cohort value of each unit (NA: never treated). `switchers`:
# "drop" keeps them as "switcher", "first" counts them as treated from their
# first adoption on. Returns per unit the adoption period number (NA unless
# adopting within the sample), the status (see the top of this file), the
# first observed period number, and the number of switching units.
clock_units <- function(clock, unit, k, nu, D = NULL, g = NULL, switchers = "drop") {
  first_obs <- group_min(k, unit, nu)
  if (!is.null(D)) {
    adopt <- group_min(ifelse(D == 1, k, NA_integer_), unit, nu)
    after_on <- !is.na(adopt[unit]) & k > adopt[unit] & D == 0
    off <- tabulate(unit[after_on], nbins = nu) > 0L
    status <- ifelse(is.na(adopt), "never", "treated")
    status[off] <- "switcher"
  } else {
    adopt <- clock_index(clock, g, after = TRUE)
    adopt[is.na(g)] <- NA_integer_
    status <- ifelse(is.na(g), "never", "treated")
    late <- !is.na(adopt) & adopt > clock$n_periods
    status[late] <- "late"
    adopt[late] <- NA_integer_
  }
  n_switch <- sum(status == "switcher")
  if (switchers == "first") status[status == "switcher"] <- "treated"
  status[status == "treated" & adopt <= first_obs] <- "always"
  list(adopt = adopt, status = status, first_obs = first_obs, n_switch = n_switch)
}

# Smallest value per group (NA when the group has none).
group_min <- function(x, g, ng) {
  out <- rep(NA_integer_, ng)
  ok <- which(!is.na(x))
  ord <- ok[order(x[ok], decreasing = TRUE)]
  out[g[ord]] <- x[ord]  # the last (smallest) assignment wins
  out
}

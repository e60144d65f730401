# att_gt()'s group-time cells and their comparison cohorts.

# The group-time cells with their base periods (values and column indices).
cs_cells <- function(pan, control, base_period, anticipation) {
  periods <- pan$periods
  T <- length(periods)
  groups <- sort(unique(pan$cohort[is.finite(pan$cohort)]))
  groups <- groups[groups <= max(periods)]
  trange <- if (base_period == "varying") seq_len(T)[-1L] else seq_len(T)
  # every group with every period (groups outer), vectorised
  gb <- vapply(groups, function(g) max(which(periods + anticipation < g)), 1)
  g <- rep(groups, each = length(trange))
  ti <- rep(trange, times = length(groups))
  bi <- ifelse(base_period == "universal" | periods[ti] >= g,
               rep(gb, each = length(trange)), ti - 1L)
  data.frame(group = as.numeric(g), time = as.numeric(periods[ti]),
             base = as.numeric(periods[bi]), ti = as.integer(ti), bi = as.integer(bi))
}

# Comparison cohorts of every cell (cohorts lev x cells, logical): as
# cs_select() cell by cell, without a data frame row per cell.
cs_ctrl <- function(lev, cells, control, anticipation) {
  never <- matrix(is.infinite(lev), length(lev), nrow(cells))
  if (control == "never") return(never)
  later <- pmax(cells$time, cells$base)
  never | (outer(lev, later + anticipation, `>`) & outer(lev, cells$group, `!=`))
}

# Treated and comparison units of one cell (logical over units).
cs_select <- function(pan, cell, control, anticipation) {
  g <- pan$cohort
  treated <- g == cell$group
  later <- max(cell$time, cell$base)
  comp <- if (control == "never") is.infinite(g) else
    is.infinite(g) | (g > later + anticipation & g != cell$group)
  list(treated = treated, control = comp)
}

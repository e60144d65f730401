# Scores simulated panels against the article's 67 coefficient cells, as the
# replication vignette does for the shipped one: replicate_study() (a small
# placebo, which no cell uses) and compare_published(). Used to calibrate
# simulate_smartcity() (issue 22) and to score seeds (seed-scores.R). Not
# part of the package build. Install the package first (R CMD INSTALL .),
# then run from the package root:
#   Rscript data-raw/score-calibration.R [seed ...]
# Each panel takes about 0.7 s. Any argument of simulate_smartcity() can be
# varied through score_panel(seed, ...).
suppressMessages(library(smartdid))
# The score needs the fits, not the table and figure files: in this session
# only, the writers are replaced by no-ops (about 40 % of the time).
local({
  ns <- asNamespace("smartdid")
  for (f in c("rep_write_table", "rep_write_figure")) {
    unlockBinding(f, ns)
    assign(f, function(...) invisible(NULL), envir = ns)
  }
})
score_panel <- function(seed = 662, ...) {
  d <- simulate_smartcity(seed = seed, ...)
  out <- tempfile("score")
  on.exit(unlink(out, recursive = TRUE), add = TRUE)
  res <- suppressWarnings(suppressMessages(
    replicate_study(d, out = out, draws = 3, quiet = TRUE, formats = "md")))
  cmp <- compare_published(res)
  head <- cmp$table == "T3" | (cmp$table == "T6" & cmp$column == 2)
  ratio <- cmp$sim_t[head] / cmp$t[head]
  sig5 <- abs(cmp$t) >= stats::qnorm(0.975) & !nzchar(cmp$note)
  list(comparison = cmp, agree = sum(cmp$agrees),
       headline_within_1.5 = all(ratio > 1 / 1.5 & ratio < 1.5),
       wrong_sign = cmp[sig5 & !cmp$same_sign, c("table", "column", "term")])
}
if (sys.nframe() == 0L) {  # run as a script, not source()d
args <- commandArgs(trailingOnly = TRUE)
seeds <- if (length(args)) as.numeric(args) else 662
for (s in seeds) {
  r <- score_panel(s)
  cat(sprintf("seed %s: %d of 67 cells agree; headline t within 1.5x: %s; ",
              s, r$agree, r$headline_within_1.5),
      "published-5 % cells of the other sign: ", nrow(r$wrong_sign), "\n", sep = "")
}
}

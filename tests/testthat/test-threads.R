test_that("threads can be set and results do not depend on them", {
  old <- smartdid_threads()
  on.exit(smartdid_threads(old))
  d <- sim_panel(n_units = 300, n_periods = 12)
  smartdid_threads(1)
  a <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D")
  expect_equal(smartdid_threads(2), 1L)
  b <- smartdid(y ~ x1 + x2, data = d, id = "unit", time = "year", treat = "D",
                nthreads = 2)
  expect_identical(coef(a), coef(b))
  expect_identical(vcov(a), vcov(b))
  expect_error(smartdid_threads(0), "'n' must be a whole number")
})

# Run threads-child.R in a child R with `env` and return the lines it prints.
team_child <- function(env) {
  dir <- child_script(c(
    sprintf("source(%s)", deparse(normalizePath(test_path("threads-child.R")))),
    "team_checks()"))
  out <- file.path(dir, "out.txt")
  suppressWarnings(system2(child_rscript(), c("--vanilla", shQuote(file.path(dir, "run.R"))),
                           stdout = out, stderr = out, timeout = 120,
                           env = c(env, "R_TESTS=")))
  readLines(out)
}

test_that("a smaller thread team than asked for changes no result", {
  skip_on_os("windows")
  what <- c("units_cluster", "units_coarse", "rows_cluster", "rows_iid", "hc1",
            "weights", "unbalanced", "twoway_cl", "fe3", "demean_ap",
            "demean_2way", "demean_grid", "variance", "bootstrap")
  for (env in c("OMP_THREAD_LIMIT=1", "OMP_DYNAMIC=TRUE")) {
    out <- team_child(env)
    for (w in what) {
      expect_true(paste("SAME", w, "TRUE ") %in% out,
                  info = paste(c(env, w, out), collapse = "\n"))
    }
  }
})

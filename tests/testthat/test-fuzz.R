# Fuzzing: random data frames (random column types, missing and non-finite
# values, 0 to 500 rows) through smartdid(), event_study(), psm() (and
# placebo() once merged), in a child R process so that a crash in C is
# detected rather than taking the test run down. Every call must return a
# valid object or raise an R error. 60 cases here; more with the environment
# variable SMARTDID_FUZZ_N (and other cases with SMARTDID_FUZZ_SEED).

run_fuzz_child <- function(n, seed0, timeout = 300) {
  log <- tempfile("fuzz-log-")
  dir <- child_script(c(
    sprintf("source(%s)", deparse(normalizePath(test_path("fuzz-child.R")))),
    sprintf("fuzz_run(%d, %d, %s)", as.integer(n), as.integer(seed0), deparse(log))))
  script <- file.path(dir, "run.R")
  status <- suppressWarnings(system2(child_rscript(), c("--vanilla", shQuote(script)),
                                     stdout = file.path(dir, "out.txt"),
                                     stderr = file.path(dir, "out.txt"),
                                     timeout = timeout,
                                     env = c("OMP_THREAD_LIMIT=2", "R_TESTS=")))
  list(status = status, log = if (file.exists(log)) readLines(log) else character(),
       out = readLines(file.path(dir, "out.txt")))
}

test_that("random data frames never crash R: a valid object or an R error", {
  n <- as.integer(Sys.getenv("SMARTDID_FUZZ_N", "60"))
  seed0 <- as.integer(Sys.getenv("SMARTDID_FUZZ_SEED", "20240601"))
  res <- run_fuzz_child(n, seed0)
  log <- res$log
  last_case <- tail(grep("^case ", log, value = TRUE), 1L)
  started <- sub("^start ", "", grep("^start ", log, value = TRUE))
  done <- sub(" \\S+ $", " ", sub("^done ", "", grep("^done ", log, value = TRUE)))
  info <- paste0("seed0 = ", seed0, "; last case: ", last_case, "\nchild output:\n",
                 paste(tail(res$out, 20), collapse = "\n"))
  # the child finished: no crash, no hang
  expect_identical(res$status, 0L, info = info)
  expect_true(any(log == paste("finished", n, "")), info = info)
  # every call that started also returned (a crash would leave one open)
  expect_identical(setdiff(trimws(started), trimws(done)), character(), info = info)
  status <- sub(".* (\\S+) $", "\\1", grep("^done ", log, value = TRUE))
  # no call returned an invalid object
  bad <- grep(" invalid $", log, value = TRUE)
  expect_identical(bad, character(), info = info)
  # the cases exercise both outcomes: valid fits and clean errors
  expect_true(all(status %in% c("ok", "error")))
  calls <- sub("^done \\d+ (\\S+) .*", "\\1", grep("^done ", log, value = TRUE))
  for (f in c("smartdid", "event_study", "psm")) {
    expect_true(any(calls == f & status == "ok"), label = paste(f, "succeeds on some cases"))
    expect_true(any(calls == f & status == "error"), label = paste(f, "fails cleanly on some cases"))
  }
  expect_identical(length(grep("^case ", log)), n)
})

test_that("the fuzz batch reports a crash instead of missing it", {
  # a child killed mid-call leaves an unmatched "start" line and a non-zero
  # status: the checks above would fail
  dir <- tempfile("smartdid-crash-")
  dir.create(dir)
  script <- file.path(dir, "crash.R")
  writeLines(c('cat("start 1 smartdid \\n", file = commandArgs(TRUE)[1])',
               'tools::pskill(Sys.getpid(), tools::SIGKILL)'), script)
  log <- file.path(dir, "log")
  st <- suppressWarnings(system2(file.path(R.home("bin"), "Rscript"),
                                 c("--vanilla", shQuote(script), shQuote(log)),
                                 stdout = FALSE, stderr = FALSE))
  expect_false(identical(st, 0L))
  expect_identical(readLines(log), "start 1 smartdid ")
})

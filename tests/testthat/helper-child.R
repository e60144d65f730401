# Child R processes for tests that must survive a crash or an interrupt of
# the code under test (callr is not a dependency): a script written to
# tempdir() and run with this R's Rscript, loading the same copy of smartdid
# as the tests: the development copy under pkgload (devtools::test,
# testthat::test_local), else the installed one from .libPaths() (R CMD check).
child_loader <- function() {
  ns <- asNamespace("smartdid")
  if (exists(".__DEVTOOLS__", envir = ns, inherits = FALSE)) {
    root <- getNamespaceInfo(ns, "path")
    return(sprintf(paste0("suppressMessages(pkgload::load_all(%s, quiet = TRUE, ",
                          "export_all = FALSE, compile = FALSE))"),
                   deparse(normalizePath(root))))
  }
  sprintf("suppressPackageStartupMessages(library(smartdid, lib.loc = %s))",
          deparse(dirname(getNamespaceInfo(ns, "path"))))
}

# Write `lines` (R code, run after loading smartdid) to a script in a fresh
# temporary directory; returns the directory.
child_script <- function(lines) {
  dir <- tempfile("smartdid-child-")
  dir.create(dir)
  writeLines(c(sprintf(".libPaths(%s)", paste(deparse(.libPaths()), collapse = "")),
               child_loader(), lines), file.path(dir, "run.R"))
  dir
}

child_rscript <- function() file.path(R.home("bin"), "Rscript")

# Run `setup` in a child R, then `call` (an expression that runs for long),
# interrupt it (SIGINT, as Ctrl-C) `wait` seconds after `call` starts, and
# return how many seconds passed from the interrupt to the child's report
# that the call ended (Inf when it did not end within `timeout`: the child
# is then killed), with the child's output as attribute "out".
interrupt_delay <- function(setup, call, wait = 1, timeout = 20,
                            env = "OMP_THREAD_LIMIT=2") {
  dir <- tempfile("smartdid-child-")
  dir.create(dir)
  pidf <- file.path(dir, "pid")
  dir <- child_script(c(setup,
    sprintf("writeLines(as.character(Sys.getpid()), %s)", deparse(paste0(pidf, ".tmp"))),
    sprintf("invisible(file.rename(%s, %s))", deparse(paste0(pidf, ".tmp")), deparse(pidf)),
    "t_call <- proc.time()[[3]]",
    sprintf("r <- tryCatch({%s; 'finished'}, interrupt = function(i) 'interrupted')", call),
    "cat('RESULT', r, 'after', proc.time()[[3]] - t_call, 's\\n')"))
  out <- file.path(dir, "out.txt")
  system2(child_rscript(), c("--vanilla", shQuote(file.path(dir, "run.R"))),
          stdout = out, stderr = out, wait = FALSE, env = c(env, "R_TESTS="))
  t0 <- Sys.time()
  secs <- function(t) as.numeric(difftime(Sys.time(), t, units = "secs"))
  while (!file.exists(pidf) && secs(t0) < 120) Sys.sleep(0.05)
  if (!file.exists(pidf)) return(structure(Inf, out = "the child never got ready"))
  pid <- as.integer(readLines(pidf))
  Sys.sleep(wait)
  system2("kill", c("-INT", pid))
  t1 <- Sys.time()
  done <- function() file.exists(out) && any(grepl("^RESULT", readLines(out)))
  while (!done() && secs(t1) < timeout) Sys.sleep(0.05)
  delay <- if (done()) secs(t1) else Inf
  if (!done()) system2("kill", c("-KILL", pid))   # never leave it running
  structure(delay, out = if (file.exists(out)) readLines(out) else character())
}

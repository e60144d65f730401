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

.onLoad <- function(libname, pkgname) {
  if (is.null(getOption("smartdid.threads"))) {
    cores <- suppressWarnings(as.integer(Sys.getenv("OMP_THREAD_LIMIT", "")))
    if (is.na(cores)) cores <- 2L
    options(smartdid.threads = max(1L, min(2L, cores)))
  }
  invisible()
}

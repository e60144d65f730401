# One run of replicate_study() on the shipped panel, shared by
# test-replicate.R and test-replicate_tables.R (it takes a few seconds).
rep_cache <- new.env()
rep_result <- function() {
  if (is.null(rep_cache$res)) {
    out <- file.path(tempdir(), "replication-test")
    unlink(out, recursive = TRUE)
    rep_cache$res <- replicate_study(data = smartcity, out = out, draws = 20, seed = 7,
                                     quiet = TRUE)
  }
  rep_cache$res
}

rep_lines <- function(res, item, ext) {
  readLines(res$files$path[res$files$item == item & res$files$format == ext])
}

rep_ctrl <- c("Wage", "Pinf", "Fiscal", "Infra", "Fdi", "Sic", "Green")

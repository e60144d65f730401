# testthat 3.2 writes snapshots of conditions differently from 3.1
# ("Condition / Error: / ! message" instead of "Error <simpleError> /
# message"). Debian's testthat (3.1) keeps the snapshots in _snaps/; CRAN's
# (3.2 and later) reads its own copies from _snaps/testthat-3.2/, so that the
# tests hold with both. A changed snapshot is recorded in both.
snapshot_variant <- function() {
  if (utils::packageVersion("testthat") >= "3.2.0") "testthat-3.2"
}
expect_snapshot <- function(...) {
  testthat::expect_snapshot(..., variant = snapshot_variant())
}

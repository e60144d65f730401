#' Number of threads used by the C engine
#'
#' Large panels are demeaned column by column in parallel (OpenMP); small ones
#' always run on one thread, where a second thread costs more than it saves.
#' Results do not depend on the number of threads.
#'
#' @param n Number of threads to use from now on, or `NULL` to only query.
#' @return The number of threads in use (before the change, invisibly, when
#'   `n` is given).
#' @examples
#' smartdid_threads()
#' old <- smartdid_threads(1)
#' smartdid_threads(old)
#' @export
smartdid_threads <- function(n = NULL) {
  old <- getOption("smartdid.threads", 1L)
  if (is.null(n)) return(old)
  check_count(n, "n", min = 1)
  options(smartdid.threads = as.integer(n))
  invisible(old)
}

# Called by tools/install-deps.sh: "install" installs from the CRAN
# repository R is configured with every package smartdid needs that does not
# load; "verify" (run in a new R process) fails if one still does not load.
# MODE ("all" or "runtime") and CRAN_ALL (extra packages) come from the
# environment.
step <- commandArgs(TRUE)[1]
dep_names <- function(x) {
  x <- trimws(unlist(strsplit(gsub("\\([^)]*\\)", "", x[!is.na(x)]), ",")))
  setdiff(x[nzchar(x)], c("R", rownames(installed.packages(priority = "base"))))
}
desc <- read.dcf("DESCRIPTION")
field <- function(f) if (f %in% colnames(desc)) desc[1, f] else NA
pkgs <- c(dep_names(field("Imports")), dep_names(field("VignetteBuilder")), "rmarkdown")
if (Sys.getenv("MODE") == "all") {
  pkgs <- unique(c(pkgs, dep_names(field("Suggests")),
                   strsplit(Sys.getenv("CRAN_ALL"), " ")[[1]]))
}
missing <- pkgs[!vapply(pkgs, requireNamespace, TRUE, quietly = TRUE)]
if (identical(step, "install") && length(missing)) {
  repos <- getOption("repos")
  if (!length(repos) || any(repos == "@CRAN@")) {
    stop("no CRAN repository is configured; set one with options(repos = ...) ",
         "in the Rprofile.site of R or ~/.Rprofile", call. = FALSE)
  }
  message("installing from ", paste(repos, collapse = ", "), ": ",
          paste(missing, collapse = ", "))
  install.packages(missing, Ncpus = 2L, quiet = TRUE)
} else if (identical(step, "verify") && length(missing)) {
  stop("could not install: ", paste(missing, collapse = ", "), call. = FALSE)
}

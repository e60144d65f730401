# Make a library hold the current CRAN release of every package smartdid's
# DESCRIPTION names (Depends, Imports, Suggests, LinkingTo) and of all their
# dependencies, wherever the copy R would load otherwise (Debian's r-cran-*,
# the site library) is older or missing. The library is meant to be kept
# between runs: a package is (re)installed only when CRAN has a newer version.
#
# Usage: Rscript tools/cran-lib.R LIBDIR
# Uses the repository R is configured with (getOption("repos")).
args <- commandArgs(TRUE)
if (length(args) != 1L) stop("usage: Rscript tools/cran-lib.R LIBDIR")
lib <- normalizePath(args[1], mustWork = FALSE)
dir.create(lib, recursive = TRUE, showWarnings = FALSE)
.libPaths(c(lib, .libPaths()))
repos <- getOption("repos")
if (!length(repos) || any(repos == "@CRAN@"))
  stop("no CRAN repository is configured: set options(repos = ...) in R's ",
       "Rprofile.site or ~/.Rprofile")
t0 <- Sys.time()
elapsed <- function() sprintf("[%4.0f s]", as.numeric(Sys.time() - t0, units = "secs"))

dep_names <- function(x) {
  x <- x[!is.na(x)]
  x <- trimws(unlist(strsplit(gsub("\\([^)]*\\)", "", x), ",")))
  setdiff(x[nzchar(x)], "R")
}
desc <- read.dcf("DESCRIPTION")
fields <- intersect(c("Depends", "Imports", "Suggests", "LinkingTo"), colnames(desc))
direct <- dep_names(desc[1, fields])

ap <- available.packages()
base <- rownames(installed.packages(priority = "base"))
rec <- tools::package_dependencies(intersect(direct, rownames(ap)), db = ap,
                                   which = c("Depends", "Imports", "LinkingTo"),
                                   recursive = TRUE)
all <- setdiff(intersect(unique(c(direct, unlist(rec))), rownames(ap)), base)

# the version R would load: the first library on .libPaths() holding it
loaded_version <- function(p) {
  for (l in .libPaths()) {
    f <- file.path(l, p, "DESCRIPTION")
    if (file.exists(f)) return(read.dcf(f, "Version")[1, 1])
  }
  NA_character_
}
have <- vapply(all, loaded_version, "")
want <- ap[all, "Version"]
stale <- all[is.na(have) | package_version(ifelse(is.na(have), "0.0", have)) <
               package_version(want)]
message(elapsed(), " ", length(all), " packages (smartdid's dependencies and ",
        "theirs); ", length(stale), " older than CRAN or missing")
if (length(stale)) {
  message(elapsed(), " installing into ", lib, ": ", paste(sort(stale), collapse = " "))
  ncpus <- as.integer(Sys.getenv("SMARTDID_NCPUS", "2"))
  install.packages(stale, lib = lib, dependencies = FALSE, Ncpus = ncpus,
                   quiet = TRUE)
}
have <- vapply(all, loaded_version, "")
bad <- all[is.na(have) | have != want]
report <- data.frame(package = direct[direct %in% all],
                     version = have[direct[direct %in% all]], row.names = NULL)
message(elapsed(), " versions now first on the library path:\n",
        paste(sprintf("  %-14s %s", report$package, report$version), collapse = "\n"))
if (length(bad)) {
  stop("not at CRAN's version after installing: ",
       paste(sprintf("%s (%s, CRAN %s)", bad, have[bad], want[bad]), collapse = ", "))
}
message(elapsed(), " done")

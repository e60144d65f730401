# Make a library hold the current CRAN release of every package smartdid's
# DESCRIPTION names (Depends, Imports, Suggests, LinkingTo), together with
# the newer versions of their dependencies that those releases require (a
# dependency is updated only when the copy R would load otherwise, Debian's
# r-cran-* build or the site library's, is missing or too old for a version
# requirement), as install.packages() would give a user of this machine.
# The library is meant to be kept between runs: a package is (re)installed
# only when CRAN has a newer version.
#
# Usage: Rscript tools/cran-lib.R LIBDIR [--dry-run]
# Uses the repository R is configured with (getOption("repos")).
args <- commandArgs(TRUE)
dry <- "--dry-run" %in% args
args <- setdiff(args, "--dry-run")
if (length(args) != 1L) stop("usage: Rscript tools/cran-lib.R LIBDIR [--dry-run]")
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
direct <- setdiff(intersect(direct, rownames(ap)), base)

# the version R would load: the first library on .libPaths() holding it
loaded_version <- function(p) {
  for (l in .libPaths()) {
    f <- file.path(l, p, "DESCRIPTION")
    if (file.exists(f)) return(read.dcf(f, "Version")[1, 1])
  }
  NA_character_
}
older <- function(have, want) {
  is.na(have) | package_version(ifelse(is.na(have), "0.0", have)) < package_version(want)
}
# the requirements of package p on CRAN: name, operator, version (NA: none)
requirements <- function(p) {
  f <- ap[p, c("Depends", "Imports", "LinkingTo")]
  parts <- trimws(unlist(strsplit(f[!is.na(f)], ",")))
  parts <- parts[nzchar(parts)]
  name <- trimws(sub("\\(.*", "", parts))
  has <- grepl("\\(", parts)
  op <- ifelse(has, sub("^.*\\(\\s*([<>=]+).*$", "\\1", parts), NA)
  ver <- ifelse(has, trimws(sub("^.*\\(\\s*[<>=]+\\s*([^)]*)\\).*$", "\\1", parts)), NA)
  keep <- name %in% rownames(ap) & !name %in% base
  data.frame(name = name, op = op, ver = ver)[keep, , drop = FALSE]
}
satisfied <- function(have, op, ver) {
  if (is.na(have)) return(FALSE)
  if (is.na(op)) return(TRUE)
  do.call(op, list(package_version(have), package_version(ver)))
}
# what to install: the direct packages older than CRAN, then, transitively,
# each dependency of something installed that is missing or too old
stale <- direct[older(vapply(direct, loaded_version, ""), ap[direct, "Version"])]
queue <- stale
while (length(queue)) {
  p <- queue[1]
  queue <- queue[-1]
  r <- requirements(p)
  for (i in seq_len(nrow(r))) {
    d <- r$name[i]
    if (d %in% stale) next
    if (!satisfied(loaded_version(d), r$op[i], r$ver[i])) {
      stale <- c(stale, d)
      queue <- c(queue, d)
    }
  }
}
all <- direct
message(elapsed(), " ", length(direct), " packages named by DESCRIPTION; to ",
        "install or update (with the dependencies their CRAN versions need): ",
        length(stale))
if (dry) {
  message(paste(sprintf("  %-14s %-12s -> %s", stale, vapply(stale, loaded_version, ""),
                        ap[stale, "Version"]), collapse = "\n"))
  quit(save = "no")
}
if (length(stale)) {
  message(elapsed(), " installing into ", lib, ": ", paste(sort(stale), collapse = " "))
  ncpus <- as.integer(Sys.getenv("SMARTDID_NCPUS", "2"))
  install.packages(stale, lib = lib, dependencies = FALSE, Ncpus = ncpus,
                   quiet = TRUE)
}
check <- unique(c(direct, stale))
have <- vapply(check, loaded_version, "")
want <- ap[check, "Version"]
bad <- check[is.na(have) | have != want]
report <- data.frame(package = direct[direct %in% all],
                     version = have[direct[direct %in% all]], row.names = NULL)
message(elapsed(), " versions now first on the library path:\n",
        paste(sprintf("  %-14s %s", report$package, report$version), collapse = "\n"))
if (length(bad)) {
  stop("not at CRAN's version after installing: ",
       paste(sprintf("%s (%s, CRAN %s)", bad, have[bad], want[bad]), collapse = ", "))
}
message(elapsed(), " done")

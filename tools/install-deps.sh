#!/usr/bin/env bash
# Install everything smartdid needs to build, check and run its tests and
# vignettes on a fresh Debian machine with R: Debian's prebuilt r-cran-*
# packages where they exist (fast), CRAN source packages for the rest.
set -euo pipefail

APT_PKGS="r-cran-data.table r-cran-generics r-cran-testthat r-cran-knitr
  r-cran-rmarkdown pandoc tidy qpdf r-cran-matchit r-cran-sandwich r-cran-tibble
  r-cran-ggplot2 r-cran-ggpubr r-cran-pbapply r-cran-tidyr r-cran-nlme
  r-cran-numderiv r-cran-rcpp r-cran-formula r-cran-zoo r-cran-roxygen2
  r-cran-xml2 r-cran-commonmark r-cran-checkmate r-cran-glue r-cran-insight
  r-cran-parameters r-cran-performance r-cran-broom"
CRAN_PKGS="dreamerr stringmagic fixest BMisc DRDID did bacondecomp didimputation modelsummary quadprog"

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  missing=""
  for p in $APT_PKGS; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "installing from Debian:$missing"
    apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  fi
  # LaTeX for the test that compiles the booktabs tables (no recommends: small)
  if ! command -v pdflatex >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      texlive-latex-base texlive-latex-recommended >/dev/null || true
  fi
fi

CRAN_PKGS="$CRAN_PKGS" Rscript -e '
pkgs <- strsplit(Sys.getenv("CRAN_PKGS"), " ")[[1]]
base <- c("data.table", "generics", "testthat", "knitr", "rmarkdown", "MatchIt", "sandwich", "tibble")
need <- setdiff(c(base, pkgs), rownames(installed.packages()))
if (length(need)) {
  message("installing from CRAN: ", paste(need, collapse = ", "))
  options(repos = c(CRAN = "https://cloud.r-project.org"), Ncpus = 2L)
  install.packages(need, quiet = TRUE)
}
still <- setdiff(base, rownames(installed.packages()))
if (length(still)) stop("could not install: ", paste(still, collapse = ", "))
'

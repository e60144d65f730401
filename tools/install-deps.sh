#!/usr/bin/env bash
# Install what smartdid needs on a fresh Debian machine with R.
#
#   bash tools/install-deps.sh            everything to build, check and test
#                                         the package (the test command, CI)
#   bash tools/install-deps.sh --runtime  only what running it needs (its
#                                         Imports) and what building its
#                                         vignettes needs (the main job)
#
# Debian's prebuilt r-cran-* packages where they exist (fast; run as root),
# then source packages for whatever is still missing from the CRAN
# repository R is configured with (getOption("repos"), set in R's
# Rprofile.site or ~/.Rprofile): no mirror is named here. Current CRAN
# versions of everything (for the check) come from tools/cran-lib.R.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=all
[ "${1:-}" = "--runtime" ] && mode=runtime

# Imports, plus knitr, rmarkdown and pandoc to build the vignettes
APT_RUNTIME="r-cran-data.table r-cran-generics r-cran-knitr r-cran-rmarkdown pandoc"
APT_ALL="$APT_RUNTIME r-cran-testthat tidy qpdf r-cran-matchit r-cran-sandwich
  r-cran-tibble r-cran-ggplot2 r-cran-pbapply r-cran-tidyr r-cran-nlme
  r-cran-numderiv r-cran-rcpp r-cran-formula r-cran-zoo r-cran-roxygen2
  r-cran-xml2 r-cran-commonmark r-cran-checkmate r-cran-glue r-cran-insight
  r-cran-parameters r-cran-performance r-cran-broom r-cran-bit64"
# not packaged by Debian (or too old there to build the others)
CRAN_ALL="dreamerr stringmagic fixest BMisc DRDID did bacondecomp didimputation modelsummary quadprog wooldridge"

apt_pkgs=$APT_RUNTIME
[ "$mode" = all ] && apt_pkgs=$APT_ALL
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  missing=""
  for p in $apt_pkgs; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "installing from Debian:$missing"
    apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      $missing >/dev/null
  fi
  # LaTeX for the test that compiles the booktabs tables (no recommends: small)
  if [ "$mode" = all ] && ! command -v pdflatex >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      texlive-latex-base texlive-latex-recommended >/dev/null || true
  fi
fi

# Install what is missing, then verify in a new R process: the first one
# loaded the old versions of some dependencies (Debian's data.table, Rcpp,
# ...) that the packages just installed need newer versions of, and in that
# session they would fail to load although they are installed correctly.
export MODE="$mode" CRAN_ALL
Rscript tools/install-deps.R install
Rscript tools/install-deps.R verify

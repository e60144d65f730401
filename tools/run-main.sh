#!/usr/bin/env bash
# The main job: install what running smartdid needs (its Imports, and knitr,
# rmarkdown and pandoc to build its vignettes; the test command installs the
# rest), build the package with its vignettes, install it into ./.lib, and
# run the study's replication on the shipped simulated panel, writing every
# table and figure to ./replication (or the directory given as the first
# argument) with an index. Each step prints a line with the elapsed time.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-replication}"
start=$(date +%s)
nsteps=4
step() {  # step N "what"
  printf '[%4d s] step %d/%d: %s\n' $(( $(date +%s) - start )) "$1" "$nsteps" "$2"
}
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
fail() { echo "FAILED: $1 (log below)"; tail -n 40 "$2"; exit 1; }

step 1 "installing what smartdid needs to run (tools/install-deps.sh --runtime)"
bash tools/install-deps.sh --runtime 2>&1 | sed 's/^/         /'

step 2 "building the package and its vignettes (R CMD build)"
MAKEFLAGS="${MAKEFLAGS:--j2}" R CMD build --no-manual . >"$log/build.log" 2>&1 || fail "R CMD build" "$log/build.log"
tarball=$(ls -t smartdid_*.tar.gz | head -1)

step 3 "installing $tarball into ./.lib (R CMD INSTALL)"
lib="$(pwd)/.lib"
mkdir -p "$lib"
MAKEFLAGS="${MAKEFLAGS:--j2}" R CMD INSTALL --library="$lib" "$tarball" >"$log/install.log" 2>&1 ||
  fail "R CMD INSTALL" "$log/install.log"
rm -f "$tarball"

step 4 "replicating the study into $out/ (replicate_study())"
R_LIBS="$lib${R_LIBS:+:$R_LIBS}" Rscript -e '
library(smartdid)
out <- commandArgs(TRUE)[1]
replicate_study(data = smartcity, out = out, draws = 500)
cat("vignettes installed:", paste(vignette(package = "smartdid")$results[, "Item"],
                                  collapse = ", "), "\n")
' "$out"
printf '[%4d s] done: %s/index.md; vignette("smartcity-replication") with R_LIBS=%s\n' \
  $(( $(date +%s) - start )) "$out" "$lib"

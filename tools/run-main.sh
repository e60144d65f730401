#!/usr/bin/env bash
# The main job: install what is missing, build and install smartdid, and run
# the study's replication on the shipped simulated panel, writing every table
# and figure to ./replication (or the directory given as the first argument).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-replication}"
bash tools/install-deps.sh
lib="$(pwd)/.lib"
mkdir -p "$lib"
R CMD build --no-build-vignettes --no-manual . >/dev/null
tarball=$(ls -t smartdid_*.tar.gz | head -1)
R CMD INSTALL --library="$lib" "$tarball" >/dev/null
rm -f "$tarball"
R_LIBS="$lib:${R_LIBS:-}" Rscript -e '
library(smartdid)
out <- commandArgs(TRUE)[1]
replicate_study(data = smartcity, out = out, draws = 500)
' "$out"

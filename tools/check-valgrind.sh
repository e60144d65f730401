#!/usr/bin/env bash
# Run smartdid's C routines under valgrind (memcheck): install the package
# into a private library, then run tools/valgrind-exercise.R (every .Call
# routine on its main and error paths) and, with --tests, the testthat files
# given (default: the fast engine tests) under
#   R -d "valgrind --error-exitcode=1 --leak-check=no"
# Fails on any memcheck error ("Invalid read/write", "uninitialised", ...)
# or when R does not finish normally.
#
# Usage: bash tools/check-valgrind.sh [--tests [filter regexp]]
set -uo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null 2>&1 || {
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -qq valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
  fi
}
command -v valgrind >/dev/null 2>&1 || { echo "valgrind is not installed"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
(R CMD build --no-build-vignettes --no-manual . >"$work/build.log" 2>&1) ||
  { cat "$work/build.log"; exit 1; }
tarball=$(ls -t smartdid_*.tar.gz | head -1)
mv "$tarball" "$work/"
mkdir -p "$work/lib"
# -O0 -g: exact line numbers and no optimised-away reads in the reports
echo "CFLAGS = -g -O0 -Wall -pedantic" >"$work/Makevars"
R_MAKEVARS_USER="$work/Makevars" R CMD INSTALL --library="$work/lib" \
  "$work/$tarball" >"$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }

vg="valgrind --error-exitcode=1 --leak-check=no --track-origins=yes"
fail=0
run() {  # $1: label, $2: R script
  echo "== valgrind: $1"
  NOT_CRAN=true R_LIBS="$work/lib" OMP_THREAD_LIMIT=2 R -d "$vg" --vanilla --no-echo -f "$2" \
    >"$work/$1.log" 2>&1
  local st=$?
  grep -E "registered .Call|not named|ran$|^testthat:" "$work/$1.log"
  tail -n 3 "$work/$1.log"
  if grep -E -q "Invalid (read|write|free)|uninitialised|Mismatched free|Source and destination overlap|Conditional jump" "$work/$1.log"; then
    echo "== MEMCHECK ERRORS in $1:"
    grep -E -n -A25 "Invalid (read|write|free)|uninitialised|Mismatched free|Source and destination overlap|Conditional jump" "$work/$1.log" | head -n 150
    fail=1
  fi
  grep -q "ERROR SUMMARY: 0 errors" "$work/$1.log" || { echo "== $1: memcheck found errors"; fail=1; }
  [ $st -eq 0 ] || { echo "== $1: exit status $st"; fail=1; }
  grep -q "$3" "$work/$1.log" || { echo "== $1 did not finish"; fail=1; }
}
run exercise tools/valgrind-exercise.R VALGRIND-EXERCISE-COMPLETE

if [ "${1:-}" = "--tests" ]; then
  filter="${2:-^(smartdid|panel|vcov|psm|threads)$}"
  cp -r tests/testthat "$work/tests"
  cat >"$work/tests.R" <<RS
library(testthat); library(smartdid)
res <- test_dir("$work/tests", package = "smartdid", load_package = "installed",
                filter = "$filter", reporter = "summary", stop_on_failure = FALSE)
df <- as.data.frame(res)
cat(sprintf("testthat: %d passed, %d failed\n", sum(df\$passed), sum(df\$failed)))
cat("VALGRIND-TESTS-COMPLETE\n")
RS
  run tests "$work/tests.R" VALGRIND-TESTS-COMPLETE
fi
end=$(date +%s)
echo "== valgrind check took $((end - start)) s; $( [ $fail = 0 ] && echo clean || echo FAILED )"
exit $fail

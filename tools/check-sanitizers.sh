#!/usr/bin/env bash
# Build smartdid with AddressSanitizer and UndefinedBehaviorSanitizer into a
# private library and run the testthat suite against that build. Fails when
# any sanitizer report appears ("ERROR: AddressSanitizer", "runtime error")
# or when the R process does not finish normally. R itself is not
# instrumented: libasan is preloaded, and leak detection is off (R keeps
# memory until exit by design).
#
# Usage: bash tools/check-sanitizers.sh [test filter regexp]
# Needs gcc with libasan/libubsan (Debian: gcc's own runtime libraries).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
filter="${1:-}"

asan=$(gcc -print-file-name=libasan.so)
ubsan=$(gcc -print-file-name=libubsan.so)
if [ ! -e "$asan" ] || [ ! -e "$ubsan" ]; then
  echo "libasan/libubsan not found (install gcc's sanitizer runtimes)"; exit 1
fi
flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
cat >"$work/Makevars" <<MK
CC = gcc $flags
CFLAGS = -g -O1 -Wall -pedantic
MK

start=$(date +%s)
echo "== building with: $flags"
(R CMD build --no-build-vignettes --no-manual . >"$work/build.log" 2>&1) ||
  { cat "$work/build.log"; exit 1; }
tarball=$(ls -t smartdid_*.tar.gz | head -1)
mv "$tarball" "$work/"
mkdir -p "$work/lib"
R_MAKEVARS_USER="$work/Makevars" R CMD INSTALL --no-test-load \
  --library="$work/lib" "$work/$tarball" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; exit 1; }
# (nm's output to a file first: with pipefail, `nm | grep -q` fails whenever
# grep stops reading before nm has written everything)
nm -D "$work/lib/smartdid/libs/smartdid.so" >"$work/symbols.txt" 2>&1
grep -q "__asan_" "$work/symbols.txt" ||
  { echo "the sanitizer flags did not reach the compiler"; cat "$work/install.log"; exit 1; }

cp -r tests/testthat "$work/tests"
cat >"$work/run.R" <<'RS'
args <- commandArgs(TRUE)
library(testthat)
library(smartdid)
filter <- if (nzchar(args[1])) args[1] else NULL
res <- test_dir(args[2], package = "smartdid", load_package = "installed",
                filter = filter, reporter = "summary", stop_on_failure = FALSE)
df <- as.data.frame(res)
cat(sprintf("\ntestthat: %d passed, %d failed, %d skipped\n",
            sum(df$passed), sum(df$failed), sum(df$skipped)))
cat("SANITIZER-RUN-COMPLETE\n")
RS

echo "== running the tests under ASan/UBSan"
LD_PRELOAD="$asan" \
ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:detect_odr_violation=0" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
NOT_CRAN=true R_LIBS="$work/lib" OMP_THREAD_LIMIT=2 SMARTDID_FUZZ_N="${SMARTDID_FUZZ_N:-60}" \
  Rscript "$work/run.R" "$filter" "$work/tests" >"$work/test.log" 2>&1
status=$?
end=$(date +%s)
tail -n 40 "$work/test.log"

fail=0
if grep -E -q "ERROR: AddressSanitizer|runtime error|SUMMARY: UndefinedBehaviorSanitizer" "$work/test.log"; then
  echo "== SANITIZER REPORT:"
  grep -E -n -B2 -A30 "ERROR: AddressSanitizer|runtime error" "$work/test.log" | head -n 120
  fail=1
fi
if ! grep -q "SANITIZER-RUN-COMPLETE" "$work/test.log"; then
  echo "== the test run did not finish (exit status $status)"; fail=1
fi
echo "== sanitizer check took $((end - start)) s; $( [ $fail = 0 ] && echo clean || echo FAILED )"
exit $fail

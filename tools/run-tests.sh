#!/usr/bin/env bash
# The test command: install what is missing, bring the current CRAN release
# of every dependency (Suggests included) into a library of its own, build
# the package, run R CMD check --as-cran against those (tests and vignettes
# included, no manual), fail on any ERROR, WARNING or NOTE other than the
# new-submission one, and print the testthat totals as "N passed, N failed".
#
# The CRAN library is kept between runs (SMARTDID_CRANLIB, by default
# ~/.cache/smartdid-cranlib): a package is compiled again only when CRAN has
# a newer version. SMARTDID_CRANLIB=none checks against the installed
# packages only (Debian's r-cran-* builds), which is faster.
set -uo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
bash tools/install-deps.sh || { echo "dependency installation failed"; exit 1; }
cranlib="${SMARTDID_CRANLIB:-$HOME/.cache/smartdid-cranlib}"
if [ "$cranlib" != "none" ]; then
  echo "== current CRAN versions into $cranlib"
  MAKEFLAGS="${MAKEFLAGS:--j1}" Rscript tools/cran-lib.R "$cranlib" ||
    { echo "installing the current CRAN packages failed"; exit 1; }
  export R_LIBS="$cranlib${R_LIBS:+:$R_LIBS}"
  echo "== dependencies ready after $(( $(date +%s) - t0 )) s"
fi

export _R_CHECK_SYSTEM_CLOCK_=FALSE
export _R_CHECK_CRAN_INCOMING_REMOTE_=FALSE
export OMP_THREAD_LIMIT=2
# run the comparisons with reference packages too (they use skip_on_cran())
export NOT_CRAN=true
work=$(mktemp -d)
R CMD build --no-manual . >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
tarball=$(ls -t smartdid_*.tar.gz | head -1)
mv "$tarball" "$work/"
(cd "$work" && R CMD check --as-cran --no-manual "$tarball" >check.log 2>&1)
status=$?
cat "$work/check.log"

fail=0
[ $status -ne 0 ] && fail=1
grep -q "^Status: .*ERROR" "$work/check.log" && fail=1
grep -q "^Status: .*WARNING" "$work/check.log" && fail=1
# every NOTE must be the new-submission one
# (a step that reports timings puts them before the word: "... [6s/7s] NOTE")
notes=$(grep -E '^\* checking .*\.\.\. (\[[^]]*\] )?NOTE$' "$work/check.log" |
  grep -v "CRAN incoming feasibility" || true)
if [ -n "$notes" ]; then echo "unexpected NOTE(s):"; echo "$notes"; fail=1; fi

out=$(ls "$work"/smartdid.Rcheck/tests/testthat.Rout* 2>/dev/null | head -1)
if [ -n "$out" ]; then
  line=$(grep -E "\[ FAIL [0-9]+ \| WARN [0-9]+ \| SKIP [0-9]+ \| PASS [0-9]+ \]" "$out" | tail -1)
  passed=$(echo "$line" | sed -E 's/.*PASS ([0-9]+).*/\1/')
  failed=$(echo "$line" | sed -E 's/.*FAIL ([0-9]+).*/\1/')
  echo "testthat: $line"
else
  passed=0; failed=1; fail=1
fi
[ "${failed:-1}" != "0" ] && fail=1
echo "== test command took $(( $(date +%s) - t0 )) s"
echo "${passed:-0} passed, ${failed:-1} failed"
exit $fail

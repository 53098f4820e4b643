#!/bin/sh
# summary.sh DIR...: count the test cases Automake's TAP driver recorded in
# every .trs file under the build directories given, and print one line:
#   N passed, N failed, N skipped
# Exit 1 if anything failed (FAIL, XPASS or ERROR) or nothing ran.
pass=0; fail=0; skip=0
for d in "$@"; do
	[ -d "$d" ] || continue
	counts=$(find "$d" -name '*.trs' -exec cat {} + 2>/dev/null |
	    awk '/^:test-result:/ { r[$2]++ }
		END { printf "%d %d %d\n", r["PASS"] + r["XFAIL"],
		    r["FAIL"] + r["XPASS"] + r["ERROR"], r["SKIP"] }')
	set -- $counts
	pass=$((pass + $1)); fail=$((fail + $2)); skip=$((skip + $3))
done
# Extra results recorded by dev.sh (a build, valgrind, the cross run).
if [ -n "$TEND_EXTRA_FAILED" ]; then fail=$((fail + TEND_EXTRA_FAILED)); fi
if [ -n "$TEND_EXTRA_PASSED" ]; then pass=$((pass + TEND_EXTRA_PASSED)); fi
if [ -n "$TEND_EXTRA_SKIPPED" ]; then skip=$((skip + TEND_EXTRA_SKIPPED)); fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

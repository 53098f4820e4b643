#!/bin/sh
# fuzz/run.sh SRCDIR TENDFUZZ SECONDS: what `make fuzz` runs.  Each target
# TENDFUZZ lists runs for SECONDS on its corpus (fuzz/corpus/TARGET in the
# build directory, kept between runs) seeded from SRCDIR/fuzz/seeds/TARGET
# (and conf/ and the unit test fixtures for the config loader).  A crash,
# a leak, a sanitizer report or a timeout fails the run; the input that
# caused it is kept as fuzz/artifacts/TARGET-crash-... (rerun it with
# TEND_FUZZ=TARGET TENDFUZZ FILE).  One line per target: executions.
set -u
src=$1 bin=$2 secs=$3
mkdir -p fuzz/corpus fuzz/artifacts fuzz/logs || exit 1
# FUZZ_TARGETS="a b": only those (a long run of the targets a change touched).
targets=${FUZZ_TARGETS:-$(TEND_FUZZ=list "$bin")} || { echo "fuzz: $bin does not list its targets" >&2; exit 1; }
failed=0 total=0
for t in $targets; do
	mkdir -p "fuzz/corpus/$t"
	seeds="$src/fuzz/seeds/$t"
	case $t in config | ini) seeds="$seeds $src/conf $src/tests/unit/fixtures" ;; esac
	log=fuzz/logs/$t.log
	# shellcheck disable=SC2086
	TEND_FUZZ=$t "$bin" -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 -close_fd_mask=1 \
	    -artifact_prefix="fuzz/artifacts/$t-" "fuzz/corpus/$t" $seeds \
	    >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	total=$((total + ${execs:-0}))
	if [ "$rc" -ne 0 ]; then
		failed=$((failed + 1))
		echo "fuzz: $t: FAILED (exit $rc) after ${execs:-?} executions; $log:"
		grep -A40 -m1 'ERROR: \|==ERROR\|runtime error\|deadly signal\|Test unit written' "$log" | head -60
		for f in fuzz/artifacts/"$t"-*; do
			[ -e "$f" ] && echo "fuzz: reproducer: $f"
		done
	else
		echo "fuzz: $t: ${execs:-?} executions in $secs s, no finding"
	fi
done
echo "fuzz: $total executions in all; $failed target(s) failed"
[ "$failed" -eq 0 ]

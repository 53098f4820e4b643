#!/bin/sh
# tests/integration/run.sh: run the pytest integration suite against the
# built tendd/tendctl and print TAP (one line per test case) for Automake's
# tap-driver.sh.  pytest's own output follows as TAP comments.
#
# make check sets TEND_SRCDIR, TEND_BUILDDIR and PYTHON3.  By hand, from the
# build directory:
#     TEND_BUILDDIR=$PWD sh /path/to/src/tests/integration/run.sh [PYTEST ARGS]
# Extra arguments go to pytest (e.g. -k restart).  Exits 0 when every test
# passed or was skipped.
set -u

here=$(cd "$(dirname "$0")" && pwd)
TEND_SRCDIR=${TEND_SRCDIR:-$(cd "$here/../.." && pwd)}
if [ -z "${TEND_BUILDDIR:-}" ]; then
	echo "Bail out! TEND_BUILDDIR is not set (the build directory holding src/tendd)"
	exit 1
fi
# The python3 first on PATH may lack pytest; Debian's python3-pytest is for
# /usr/bin/python3.
PYTHON3=${PYTHON3:-/usr/bin/python3}
case $PYTHON3 in no | "") PYTHON3=/usr/bin/python3 ;; esac
export TEND_SRCDIR TEND_BUILDDIR PYTHON3

if ! "$PYTHON3" -c 'import pytest' 2>/dev/null; then
	echo "1..0 # SKIP pytest is not installed for $PYTHON3 (apt-get install python3-pytest)"
	exit 0
fi
for f in src/tendd src/tendctl; do
	if [ ! -x "$TEND_BUILDDIR/$f" ]; then
		echo "Bail out! $TEND_BUILDDIR/$f is not built"
		exit 1
	fi
done

# Test configs and sockets live under this directory: a unix socket's
# path is limited to 107 bytes, so keep the prefix short.
tmp=${TMPDIR:-/tmp}
[ ${#tmp} -le 40 ] || tmp=/tmp
work=$(mktemp -d "$tmp/tend-it.XXXXXX") || {
	echo "Bail out! mktemp failed"
	exit 1
}

# Tests in parallel (Debian's python3-pytest-xdist, when installed): most
# of a test's time is spent waiting on tendd and its services, and each
# test has its own directory, socket, tendd and ports.  TEND_TEST_JOBS
# workers (default 4 on any machine: waiting costs no CPU); 0 runs them
# one after another in this process.
jobs=${TEND_TEST_JOBS:-4}
if [ "$jobs" -gt 0 ] 2>/dev/null &&
    "$PYTHON3" -c 'import xdist' 2>/dev/null; then
	set -- -n "$jobs" "$@"
fi

# No bytecode in the (possibly read-only, distcheck) source tree.
PYTHONDONTWRITEBYTECODE=1 "$PYTHON3" -m pytest -q -p no:cacheprovider --tb=short \
	-o junit_family=xunit1 --junitxml="$work/junit.xml" --durations=15 \
	--basetemp="$work/tmp" --rootdir="$TEND_SRCDIR/tests/integration" \
	"$TEND_SRCDIR/tests/integration" "$@" >"$work/pytest.out" 2>&1
rc=$?

"$PYTHON3" "$here/junit2tap.py" "$work/junit.xml"
taprc=$?

# Each failure's traceback is already under its "not ok" line; add the
# slowest tests and pytest's summary line, or its whole output if there
# was no report to read.
if [ $taprc -gt 1 ] || [ ! -s "$work/junit.xml" ]; then
	sed 's/^/# /' "$work/pytest.out"
else
	sed -n -e '/slowest .*durations/p' \
	    -e '/^[0-9.]*s  *\(setup\|call\|teardown\) /p' "$work/pytest.out" |
	    sed 's/^/# /'
	tail -n 1 "$work/pytest.out" | sed 's/^/# /'
fi
if [ $rc -eq 0 ] && [ $taprc -eq 0 ]; then
	rm -rf "$work"
else
	echo "# pytest exit status $rc; logs and configs kept in $work/tmp"
	[ $rc -eq 0 ] && rc=1
fi
exit $rc

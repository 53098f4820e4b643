#!/bin/sh
# version.sh: `tendd --version`, `tendd -V`, `tendctl --version` and
# `tendctl -V` print configure's version (PACKAGE_VERSION in the build's
# autoconf.h).  `tendctl version`, which asks a running tendd, is checked
# against the same value by tests/integration/test_status.py.  TAP.
builddir=${TEND_BUILDDIR:-.}

want=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' \
    "$builddir/autoconf.h" 2>/dev/null)
if [ -z "$want" ]; then
	echo "Bail out! no PACKAGE_VERSION in $builddir/autoconf.h"
	exit 1
fi

echo "1..4"
n=0
fail=0
for cmd in "tendd --version" "tendd -V" "tendctl --version" "tendctl -V"; do
	n=$((n + 1))
	# shellcheck disable=SC2086 # split "tendd --version" into words
	set -- $cmd
	prog=$1
	shift
	out=$("$builddir/src/$prog" "$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ "$out" = "$prog $want" ]; then
		echo "ok $n - $cmd: $out"
	else
		echo "not ok $n - $cmd: exit $rc, printed '$out'," \
		    "expected '$prog $want'"
		fail=1
	fi
done
exit $fail

#!/bin/sh
# conf.sh: every example in conf/ passes `tendd -n`.  TAP.
srcdir=${TEND_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${TEND_BUILDDIR:-.}
files=$(ls "$srcdir"/conf/*.conf 2>/dev/null)
set -- $files
echo "1..$#"
n=0; fail=0
for f in "$@"; do
	n=$((n + 1))
	if out=$("$builddir/src/tendd" -n -c "$f" 2>&1) &&
	    printf '%s\n' "$out" | grep -q "configuration OK"; then
		echo "ok $n - tendd -n $(basename "$f")"
	else
		echo "not ok $n - tendd -n $(basename "$f")"
		printf '%s\n' "$out" | sed 's/^/# /'
		fail=1
	fi
done
exit $fail

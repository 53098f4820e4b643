#!/bin/sh
# size.sh: the size rules of HACKING.md stay true: no file of src/ over
# MAX_FILE lines, no function over MAX_FN lines (its body, between the
# braces at column 0, as tend's style writes every function: the name at
# the start of its line, the braces alone).  A function that truly reads
# better whole is named in ALLOW with its reason, one line each.  Prints
# TAP: one test per file, then negative controls of the counter itself.
srcdir=${TEND_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/src
MAX_FILE=${MAX_FILE:-1200}
MAX_FN=${MAX_FN:-80}

# FILE:FUNCTION  reason (keep it short; every entry is a debt)
ALLOW='
'

# fnlen FILE...: "FILE:LINE: NAME() LINES" per function body.
fnlen() {
	awk '
	/^[A-Za-z_][A-Za-z0-9_]*\(/ {
		name = $0; sub(/\(.*/, "", name); nline = FNR
	}
	/^\{/ { start = FNR; inside = 1; next }
	/^\}/ && inside {
		inside = 0
		print FILENAME ":" nline ": " name "() " FNR - start - 1
	}' "$@"
}

# long FILE: the functions of FILE over MAX_FN lines, not allowed.
long() {
	fnlen "$1" | awk -v max="$MAX_FN" '$NF > max' | sed "s|^$srcdir/||" |
	    while read -r where name n; do
		f=${where%%:*}; fn=${name%%()}
		printf '%s\n' "$ALLOW" | grep -q "^$f:$fn[[:space:]]" ||
			echo "$where $name $n lines"
	done
}

files=$(cd "$srcdir" && ls ./*.c ./*.h ./*.def 2>/dev/null | sed 's|^\./||')
count=$(printf '%s\n' "$files" | grep -c .)
echo "1..$((count + 2))"
n=0; fail=0
for f in $files; do
	n=$((n + 1))
	lines=$(wc -l < "$srcdir/$f")
	bad=$(long "$srcdir/$f")
	if [ "$lines" -gt "$MAX_FILE" ]; then
		echo "not ok $n - $f: $lines lines (over $MAX_FILE: split it by concern)"
		fail=1
	elif [ -n "$bad" ]; then
		echo "not ok $n - $f: functions over $MAX_FN lines (split them):"
		printf '%s\n' "$bad" | sed 's/^/#   /'
		fail=1
	else
		echo "ok $n - $f: $lines lines, every function <= $MAX_FN"
	fi
done

# Negative controls: a function of MAX_FN + 1 lines is caught, one of
# MAX_FN is not.
tmp=${TMPDIR:-/tmp}/tend-size.$$.c
body() {
	printf 'static int\n%s(void)\n{\n' "$1"
	i=1
	while [ "$i" -le "$2" ]; do echo "	x++;"; i=$((i + 1)); done
	printf '}\n'
}
{ body long_one $((MAX_FN + 1)); body short_one "$MAX_FN"; } > "$tmp"
out=$(fnlen "$tmp" | awk -v max="$MAX_FN" '$NF > max')
n=$((n + 1))
if printf '%s\n' "$out" | grep -q 'long_one()'; then
	echo "ok $n - the counter catches a function of $((MAX_FN + 1)) lines"
else
	echo "not ok $n - the counter missed a function of $((MAX_FN + 1)) lines"
	fail=1
fi
n=$((n + 1))
if printf '%s\n' "$out" | grep -q 'short_one()'; then
	echo "not ok $n - the counter flags a function of $MAX_FN lines"
	fail=1
else
	echo "ok $n - a function of $MAX_FN lines passes"
fi
rm -f "$tmp"
exit $fail

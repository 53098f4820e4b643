#!/bin/sh
# verbs.sh: every verb tendctl accepts is documented in tendctl(1), and
# tendctl(1) documents no verb that tendctl does not accept.  TAP.
#
# The accepted verbs come from tendctl itself (`tendctl help` prints its
# verb table); the documented ones are the items of the VERBS section of
# src/tendctl.1 (".It Cm VERB ..." or ".It Xo" followed by ".Cm VERB"),
# top-level list only, so nested lists inside a verb's text do not count.
srcdir=${TEND_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${TEND_BUILDDIR:-.}
tendctl=$builddir/src/tendctl
page=$srcdir/src/tendctl.1

if [ ! -x "$tendctl" ]; then
	echo "Bail out! $tendctl is not built"
	exit 1
fi
if [ ! -f "$page" ]; then
	echo "Bail out! $page is missing"
	exit 1
fi

# -s: a socket path, so that tendctl reads no config to find one; help
# never connects.  Verb lines are "  VERB ARGS  help"; a long argument
# form puts the help text on a continuation line indented further.
accepted=$("$tendctl" -s /nonexistent/tend.sock help 2>&1 |
    awk '/^  [a-z]/ { print $1 }' | sort -u)
if [ -z "$accepted" ]; then
	echo "Bail out! tendctl help listed no verbs"
	exit 1
fi

documented=$(awk '
	/^\.Sh / { insec = ($2 == "VERBS"); depth = 0; next }
	!insec { next }
	/^\.Bl/ { depth++; next }
	/^\.El/ { depth--; next }
	depth != 1 { next }
	/^\.It Cm / { print $3; next }
	/^\.It Xo/ { xo = 1; next }
	xo && /^\.Cm / { print $2; xo = 0; next }
	{ xo = 0 }
' "$page" | sort -u)

n=0
fail=0
count=$(printf '%s\n%s\n' "$accepted" "$documented" | sort -u | wc -l)
echo "1..$count"
for v in $(printf '%s\n%s\n' "$accepted" "$documented" | sort -u); do
	n=$((n + 1))
	in_acc=$(printf '%s\n' "$accepted" | grep -cx "$v")
	in_doc=$(printf '%s\n' "$documented" | grep -cx "$v")
	if [ "$in_acc" -gt 0 ] && [ "$in_doc" -gt 0 ]; then
		echo "ok $n - $v: accepted and documented"
	elif [ "$in_acc" -gt 0 ]; then
		echo "not ok $n - $v: tendctl accepts it, tendctl(1) lacks it" \
		    "(add '.It Cm $v' to the VERBS section)"
		fail=1
	else
		echo "not ok $n - $v: tendctl(1) documents it, tendctl does" \
		    "not accept it"
		fail=1
	fi
done
exit $fail

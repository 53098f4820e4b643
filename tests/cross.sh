#!/bin/sh
# tests/cross.sh BUILDDIR [EMULATOR]: the tests of a cross-built tend run
# under a user-mode emulator (default qemu-aarch64): the unit tests, the
# kernel-behaviour tests (tests/sys) and a smoke run of tendd + tendctl
# (three services up, one stopped, shutdown).  `./dev.sh cross` builds
# BUILDDIR and calls this.  Prints TAP-like lines and ends with
# "N passed, N failed, N skipped"; exits 1 on any failure.
#
# tests/cross.sh BUILDDIR - smoke: the smoke run alone, natively.
# `./dev.sh check` tests the embedded line (build-small) this way: the
# integration suite needs what that line leaves out (`tendctl events`,
# HTTP), and the unit tests are of the full build (test_config expects
# every key, where this line refuses the ones it leaves out).
#
# What the emulator lacks is what tend's fallbacks must carry: qemu-user
# 7.2 answers clone3 with ENOSYS (tendd forks and takes a pidfd with
# pidfd_open) and PR_SET_CHILD_SUBREAPER with EINVAL (tendd warns and runs
# without adopting orphans); the smoke run prints which of these it saw.
set -u
build=${1:?usage: tests/cross.sh BUILDDIR [EMULATOR]}
emu=${2:-qemu-aarch64}
only=${3:-}
case $only in
'' | smoke) ;;
*) echo "usage: tests/cross.sh BUILDDIR [EMULATOR|-] [smoke]" >&2; exit 2 ;;
esac
where="under $emu"
if [ "$emu" = - ]; then
	emu='env' # runs its arguments as they are
	where=natively
fi
build=$(cd "$build" && pwd) || exit 1
TEND_SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
TEND_BUILDDIR=$build
export TEND_SRCDIR TEND_BUILDDIR
passed=0 failed=0 skipped=0 noclone3=

count() { # count FILE: add its TAP results to the totals
	p=$(grep -c '^ok ' "$1")
	f=$(grep -c '^not ok ' "$1")
	s=$(grep -c '^1\.\.0 # SKIP' "$1")
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if grep -q '^Bail out!' "$1" || [ $((p + f + s)) -eq 0 ]; then
		failed=$((failed + 1))
	fi
}

out=$(mktemp -d "${TMPDIR:-/tmp}/tend-cross.XXXXXX") || exit 1
for t in "$build"/tests/unit/test_* "$build"/tests/sys/*; do
	[ "$only" = smoke ] && break
	case $t in *.o | *.log | *.trs) continue ;; esac
	[ -x "$t" ] || continue
	name=${t#"$build"/}
	CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$emu" "$t" >"$out/r" 2>&1
	echo "# $name"
	grep -E '^(ok|not ok|1\.\.0 # SKIP|Bail out!)' "$out/r"
	grep -q 'SKIP clone3' "$out/r" && noclone3=yes
	count "$out/r"
done

# The smoke run.
dir=$out/smoke
mkdir -p "$dir/logs"
cat >"$dir/tend.conf" <<EOF
[unix_http_server]
file=$dir/tend.sock

[supervisord]
logfile=$dir/tendd.log
childlogdir=$dir/logs

[program:one]
command=/bin/sleep 1000
startsecs=0
stopwaitsecs=2

[program:two]
command=/bin/sh -c 'echo hello; exec /bin/sleep 1000'
startsecs=0
stopwaitsecs=2

[program:three]
command=/bin/sleep 1000
startsecs=0
stopwaitsecs=2
EOF
ctl() { timeout 60 "$emu" "$build/src/tendctl" -c "$dir/tend.conf" "$@"; }
smoke() { # smoke N WHAT CMD...: one TAP line
	n=$1 what=$2
	shift 2
	if "$@" >"$out/s" 2>&1; then
		echo "ok $n - smoke: $what"
	else
		echo "not ok $n - smoke: $what"
		sed 's/^/#   /' "$out/s" | tail -n 20
	fi
}
running3() {
	i=0
	while [ $i -lt 120 ]; do
		[ "$(ctl status 2>/dev/null | grep -c RUNNING)" = 3 ] && return 0
		sleep 0.5
		i=$((i + 1))
	done
	ctl status
	return 1
}
stopped_one() { ctl stop one && ctl status one | grep -q STOPPED; }
logged() { ctl tail two | grep -q hello; }
# This build has no HTTP: supervisorctl's request gets an HTTP answer
# saying so, not a tend error frame it would call a bad status line.
http_refused() {
	/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(60)
s.connect(sys.argv[1])
s.sendall(b"POST /RPC2 HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
line = s.makefile("rb").readline()
print(line)
sys.exit(line != b"HTTP/1.0 501 tendd built without HTTP\r\n")
' "$dir/tend.sock"
}
"$emu" "$build/src/tendd" -c "$dir/tend.conf" >"$dir/tendd.out" 2>&1 &
tpid=$!
{
	smoke 1 "tendd -n accepts the config" \
	    "$emu" "$build/src/tendd" -n -c "$dir/tend.conf"
	smoke 2 "three services RUNNING" running3
	smoke 3 "stop one" stopped_one
	smoke 4 "tail shows a service's output" logged
	smoke 5 "an HTTP client is told HTTP is not built in" http_refused
	smoke 6 "shutdown" ctl shutdown
} >"$out/r"
i=0
while kill -0 "$tpid" 2>/dev/null && [ $i -lt 60 ]; do
	sleep 0.5
	i=$((i + 1))
done
if kill -0 "$tpid" 2>/dev/null; then
	echo "not ok 7 - smoke: tendd exits after shutdown" >>"$out/r"
	kill -9 "$tpid"
	wait "$tpid"
elif wait "$tpid"; then
	echo "ok 7 - smoke: tendd exits 0 after shutdown" >>"$out/r"
else
	echo "not ok 7 - smoke: tendd exited $? after shutdown" >>"$out/r"
fi
echo "# smoke: tendd + tendctl $where"
cat "$out/r"
count "$out/r"
grep -q 'PR_SET_CHILD_SUBREAPER' "$dir/tendd.log" 2>/dev/null &&
	echo "# smoke: no PR_SET_CHILD_SUBREAPER here: ran without adopting orphans"
[ -n "$noclone3" ] &&
	echo "# smoke: no clone3 here: tendd spawned with fork + pidfd_open"
rm -rf "$out"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]

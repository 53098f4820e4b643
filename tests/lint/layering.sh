#!/bin/sh
# layering.sh: data flows one way, config -> svctab -> fsm -> spawn/reap;
# request handlers (req.c and its rooms) never reach the socket (ctl.h).
# Each rule names a file and the room headers it must never include.
# Prints TAP.  A negative control checks that a violation is caught.
srcdir=${TEND_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/src

RULES='
config.c      svctab.h fsm.h spawn.h reap.h logcap.h ctl.h
config_keys.c svctab.h fsm.h spawn.h reap.h logcap.h ctl.h config_ini.h
config_value.c svctab.h fsm.h spawn.h reap.h logcap.h ctl.h config_ini.h
config_num.c  svctab.h fsm.h spawn.h reap.h logcap.h ctl.h config_ini.h
config_read.c svctab.h fsm.h spawn.h reap.h logcap.h ctl.h
config_resolve.c svctab.h fsm.h spawn.h reap.h logcap.h ctl.h config_ini.h
config_dump.c svctab.h fsm.h spawn.h reap.h logcap.h ctl.h config_ini.h
config_ini.c  config.h svctab.h fsm.h spawn.h reap.h logcap.h ctl.h
expand.c      config.h svctab.h fsm.h spawn.h reap.h logcap.h ctl.h
util.c        config.h svctab.h fsm.h spawn.h reap.h logcap.h ctl.h
log.c         config.h svctab.h fsm.h spawn.h reap.h logcap.h ctl.h
svctab.c      fsm.h spawn.h reap.h logcap.h ctl.h
fsm.c         spawn.h reap.h logcap.h ctl.h proto.h
fsm_deps.c    spawn.h reap.h logcap.h ctl.h proto.h
fsm_describe.c spawn.h reap.h logcap.h ctl.h proto.h
fsm_policy.c  spawn.h reap.h logcap.h ctl.h proto.h
proto.c       config.h svctab.h fsm.h spawn.h reap.h logcap.h ctl.h
spawn.c       svctab.h fsm.h reap.h logcap.h ctl.h
spawn_env.c   svctab.h fsm.h reap.h logcap.h ctl.h
spawn_child.c svctab.h fsm.h reap.h logcap.h ctl.h
reap.c        fsm.h spawn.h logcap.h ctl.h
logcap.c      fsm.h spawn.h reap.h ctl.h
logcap_follow.c fsm.h spawn.h reap.h ctl.h
logcap_event.c fsm.h spawn.h reap.h ctl.h
logfile.c     config.h svctab.h fsm.h spawn.h reap.h logcap.h ctl.h
ready.c       spawn.h reap.h logcap.h ctl.h
procinfo.c    config.h svctab.h fsm.h spawn.h reap.h logcap.h ctl.h
cgroup.c      fsm.h spawn.h reap.h logcap.h ctl.h
cgroup_scan.c fsm.h spawn.h reap.h logcap.h ctl.h
sdnotify.c    config.h svctab.h fsm.h spawn.h reap.h logcap.h ctl.h
ctl.c         spawn.h reap.h fsm.h logcap.h cgroup.h procinfo.h
ctl_out.c     spawn.h reap.h fsm.h logcap.h cgroup.h procinfo.h
req.c         spawn.h reap.h ctl.h
ctlsock.c     config.h svctab.h fsm.h spawn.h reap.h logcap.h ctl.h req.h
job.c         spawn.h reap.h logcap.h cgroup.h ctl.h
reload.c      spawn.h reap.h logcap.h cgroup.h ctl.h
status.c      spawn.h reap.h ctl.h
logs.c        spawn.h reap.h fsm.h cgroup.h ctl.h
lsnproto.c    config.h svctab.h fsm.h spawn.h reap.h logcap.h ctl.h req.h
feed.c        spawn.h reap.h fsm.h logcap.h cgroup.h ctl.h
listener.c    spawn.h reap.h fsm.h logcap.h cgroup.h ctl.h req.h
lsnbuf.c      config.h svctab.h fsm.h spawn.h reap.h logcap.h ctl.h req.h evbus.h
events.c      spawn.h reap.h logcap.h cgroup.h ctl.h
evbus_names.c config.h svctab.h fsm.h spawn.h reap.h logcap.h ctl.h
evbus.c       config_impl.h fsm.h spawn.h reap.h logcap.h cgroup.h ctl.h req.h
http.c        svctab.h fsm.h spawn.h reap.h logcap.h cgroup.h ctl.h job.h
http_stream.c svctab.h fsm.h spawn.h reap.h logcap.h cgroup.h ctl.h job.h
http_metrics.c svctab.h fsm.h spawn.h reap.h logcap.h cgroup.h ctl.h job.h httplib.h
xmlrpc.c      fsm.h spawn.h reap.h logcap.h cgroup.h ctl.h http.h job.h status.h
health.c      ctl.h logcap.h cgroup.h job.h http.h
probe.c       config.h svctab.h fsm.h spawn.h reap.h logcap.h ctl.h
config_health.c svctab.h fsm.h spawn.h reap.h logcap.h ctl.h
xmlrpc_sv.c   fsm.h spawn.h reap.h logcap.h cgroup.h ctl.h http.h job.h status.h
xmlrpc_cf.c   fsm.h spawn.h reap.h logcap.h cgroup.h ctl.h http.h job.h status.h
web.c         svctab.h fsm.h spawn.h reap.h logcap.h cgroup.h ctl.h http.h job.h status.h events.h logs.h
web_page.c    svctab.h fsm.h spawn.h reap.h logcap.h cgroup.h ctl.h http.h job.h status.h events.h logs.h req.h
webfmt.c      config.h svctab.h fsm.h spawn.h reap.h logcap.h cgroup.h ctl.h req.h
ctlclient.c   svctab.h fsm.h spawn.h reap.h logcap.h ctl.h
tendctl.c     svctab.h fsm.h spawn.h reap.h logcap.h ctl.h
'

# check FILE FORBIDDEN...: print the forbidden headers FILE includes.
check() {
	f=$1; shift
	for h in "$@"; do
		grep -Eq "^[[:space:]]*#[[:space:]]*include[[:space:]]+\"$h\"" "$f" &&
			printf '%s ' "$h"
	done
}

n=0; fail=0
count=$(printf '%s\n' "$RULES" | grep -c .)
echo "1..$((count + 1))"
printf '%s\n' "$RULES" | grep . > "${TMPDIR:-/tmp}/tend-layering.$$"
while read -r file forbidden; do
	n=$((n + 1))
	if [ ! -f "$srcdir/$file" ]; then
		echo "not ok $n - $file: missing"; fail=1; continue
	fi
	# shellcheck disable=SC2086
	bad=$(check "$srcdir/$file" $forbidden)
	if [ -n "$bad" ]; then
		echo "not ok $n - $file includes $bad(forbidden by the data flow)"
		fail=1
	else
		echo "ok $n - $file respects the layering"
	fi
done < "${TMPDIR:-/tmp}/tend-layering.$$"
rm -f "${TMPDIR:-/tmp}/tend-layering.$$"

# Negative control: a file that breaks a rule must be caught.
tmp=$(mktemp)
printf '#include "spawn.h"\n' > "$tmp"
if [ -n "$(check "$tmp" fsm.h spawn.h)" ]; then
	echo "ok $((n + 1)) - negative control: a forbidden include is detected"
else
	echo "not ok $((n + 1)) - negative control: checker missed a violation"
	fail=1
fi
rm -f "$tmp"
exit $fail

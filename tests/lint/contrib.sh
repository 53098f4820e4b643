#!/bin/sh
# contrib.sh: every file in contrib/ is at least well-formed.  TAP.
#
#   tendd.service   systemd-analyze verify (a copy whose ExecStart= is the
#                   built tendd: verify wants the binary to exist; the man
#                   pages of Documentation= are found in the source tree)
#   tend.init       LSB header; sh -n; shellcheck
#   tend.openrc     sh -n; shellcheck
#   tendctl.bash    bash -n; shellcheck
#   _tendctl        zsh -n
#   tend.logrotate  logrotate -d; its postrotate script: sh -n, shellcheck
#   tend.conf, container.conf   tendd -n
#   k8s-pod.yaml    parses as YAML (python3-yaml), a Pod whose httpGet
#                   probes ask /readyz and /healthz on container.conf's
#                   [inet_http_server] port, which makes them public
#   prometheus.yml  promtool check config (Debian's prometheus), else
#                   parses as YAML; scrapes /metrics on that port with
#                   basic auth; its commented Kubernetes job parses too
#   Dockerfile      what it COPYs from contrib/ exists; exec-form ENTRYPOINT
#
# A check whose tool is not installed is skipped (shellcheck, zsh,
# logrotate, systemd-analyze, python3-yaml: dev.sh deps installs them;
# promtool is Debian's prometheus, not installed by dev.sh).
srcdir=${TEND_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${TEND_BUILDDIR:-.}
c=$srcdir/contrib

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tend-contrib.XXXXXX") || {
	echo "Bail out! mktemp failed"
	exit 1
}
trap 'rm -rf "$tmp"' EXIT

n=0
fail=0
have() { command -v "$1" >/dev/null 2>&1; }
ok() {
	n=$((n + 1))
	echo "ok $n - $*"
}
skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}
# notok DESCRIPTION OUTPUT
notok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	[ -n "$2" ] && printf '%s\n' "$2" | sed 's/^/# /'
	fail=1
}
# check DESCRIPTION COMMAND...: ok when it exits 0 and prints nothing.
check() {
	what=$1
	shift
	if out=$("$@" 2>&1) && [ -z "$out" ]; then
		ok "$what"
	else
		notok "$what" "$out"
	fi
}

# The plan is printed at the end (TAP allows it there).

# --- systemd unit ---------------------------------------------------------
if ! have systemd-analyze; then
	skip "tendd.service: systemd-analyze verify" "systemd-analyze not installed"
elif [ ! -x "$builddir/src/tendd" ]; then
	notok "tendd.service: systemd-analyze verify" "$builddir/src/tendd is not built"
else
	sed "s|/usr/sbin/tendd|$(cd "$builddir" && pwd)/src/tendd|g" \
	    "$c/tendd.service" >"$tmp/tendd.service"
	mkdir -p "$tmp/man/man1" "$tmp/man/man5" "$tmp/man/man8"
	cp "$srcdir/src/tendctl.1" "$tmp/man/man1/"
	cp "$srcdir/src/tend.conf.5" "$tmp/man/man5/"
	cp "$srcdir/src/tendd.8" "$tmp/man/man8/"
	# verify reports unknown keys and bad values on stderr but still
	# exits 0: any output is a failure.
	man=--man=yes
	have man || man=--man=no
	check "tendd.service: systemd-analyze verify" \
	    env MANPATH="$tmp/man" SYSTEMD_LOG_LEVEL=warning \
	    systemd-analyze verify "$man" "$tmp/tendd.service"
fi
for key in Type=notify Delegate=yes KillMode=mixed; do
	if grep -qx "$key" "$c/tendd.service"; then
		ok "tendd.service: $key"
	else
		notok "tendd.service: $key" "missing"
	fi
done

# --- init scripts -----------------------------------------------------------
hdr=$(sed -n '/^### BEGIN INIT INFO$/,/^### END INIT INFO$/p' "$c/tend.init")
missing=
for f in Provides Required-Start Required-Stop Default-Start Default-Stop \
    Short-Description; do
	printf '%s\n' "$hdr" | grep -q "^# $f:" || missing="$missing $f"
done
if [ -n "$hdr" ] && [ -z "$missing" ]; then
	ok "tend.init: LSB header"
else
	notok "tend.init: LSB header" "missing:${missing:- the whole block}"
fi
check "tend.init: sh -n" sh -n "$c/tend.init"
check "tend.openrc: sh -n" sh -n "$c/tend.openrc"
check "tendctl.bash: bash -n" bash -n "$c/tendctl.bash"
if have shellcheck; then
	check "tend.init: shellcheck" shellcheck -s sh "$c/tend.init"
	check "tend.openrc: shellcheck" shellcheck -s sh "$c/tend.openrc"
	check "tendctl.bash: shellcheck" shellcheck -s bash "$c/tendctl.bash"
else
	for f in tend.init tend.openrc tendctl.bash; do
		skip "$f: shellcheck" "shellcheck not installed"
	done
fi
if have zsh; then
	check "_tendctl: zsh -n" zsh -n "$c/_tendctl"
else
	skip "_tendctl: zsh -n" "zsh not installed"
fi

# --- logrotate --------------------------------------------------------------
if have logrotate; then
	# -d: nothing is done; problems are "error:" lines, exit status 0.
	out=$(logrotate -d -s "$tmp/logrotate.state" "$c/tend.logrotate" 2>&1)
	if printf '%s\n' "$out" | grep -qi '^error'; then
		notok "tend.logrotate: logrotate -d" "$out"
	else
		ok "tend.logrotate: logrotate -d"
	fi
else
	skip "tend.logrotate: logrotate -d" "logrotate not installed"
fi
sed -n '/^[[:space:]]*postrotate$/,/^[[:space:]]*endscript$/p' \
    "$c/tend.logrotate" | sed '1d;$d' >"$tmp/postrotate.sh"
if [ ! -s "$tmp/postrotate.sh" ]; then
	notok "tend.logrotate: postrotate script" "no postrotate ... endscript"
elif have shellcheck; then
	# shellcheck disable=SC2016 # $1 is the inner shell's
	check "tend.logrotate: postrotate: sh -n, shellcheck" \
	    sh -c 'sh -n "$1" && shellcheck -s sh "$1"' sh "$tmp/postrotate.sh"
else
	check "tend.logrotate: postrotate: sh -n" sh -n "$tmp/postrotate.sh"
fi

# --- configs ----------------------------------------------------------------
# tend.conf's directories are made by the unit and the init scripts.
mkdir -p "$tmp/run" "$tmp/log"
sed -e "s|/var/log/tend|$tmp/log|g" -e "s|/run/tend|$tmp/run|g" \
    "$c/tend.conf" >"$tmp/tend.conf"
for f in "$tmp/tend.conf" "$c/container.conf"; do
	if out=$("$builddir/src/tendd" -n -c "$f" 2>&1) &&
	    printf '%s\n' "$out" | grep -q "configuration OK"; then
		ok "$(basename "$f"): tendd -n"
	else
		notok "$(basename "$f"): tendd -n" "$out"
	fi
done

# --- container examples -----------------------------------------------------
py=${PYTHON3:-python3}
case $py in no | "") py=python3 ;; esac
if "$py" -c 'import yaml' 2>/dev/null; then
	check "k8s-pod.yaml: httpGet /readyz and /healthz on [inet_http_server]" \
	    "$py" -c '
import re, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
conf = open(sys.argv[2]).read()
port = int(re.search(r"^\[inet_http_server\][^[]*^port *= *\S*?(\d+)$",
                     conf, re.M | re.S).group(1))
assert re.search(r"^http_probes_public *= *true$", conf, re.M), \
    "container.conf: the kubelet sends no credentials"
assert doc["kind"] == "Pod", "not a Pod"
for c in doc["spec"]["containers"]:
    ports = {p.get("name"): p["containerPort"] for p in c["ports"]}
    for probe, path in (("readinessProbe", "/readyz"),
                        ("livenessProbe", "/healthz")):
        g = c[probe]["httpGet"]
        assert g["path"] == path, f"{probe}: {g}"
        assert ports.get(g["port"], g["port"]) == port, f"{probe}: {g}"
' "$c/k8s-pod.yaml" "$c/container.conf"
	check "prometheus.yml: scrapes /metrics with basic auth; parses" \
	    "$py" -c '
import re, sys, yaml
text = open(sys.argv[1]).read()
doc = yaml.safe_load(text)
jobs = doc["scrape_configs"]
assert any(j.get("metrics_path", "/metrics") == "/metrics" and
           "basic_auth" in j for j in jobs), jobs
# the commented Kubernetes job is YAML too once uncommented
i = text.index("  # - job_name: kubernetes-pods")
k8s = "\n".join(l.replace("  # ", "  ", 1) for l in text[i:].splitlines())
assert yaml.safe_load("scrape_configs:\n" + k8s)["scrape_configs"]
' "$c/prometheus.yml"
else
	skip "k8s-pod.yaml: parses" "python3-yaml not installed"
	skip "prometheus.yml: parses" "python3-yaml not installed"
fi
if have promtool; then
	# password_file must exist for promtool
	: >"$tmp/tend.password"
	sed "s|/etc/prometheus/tend.password|$tmp/tend.password|" \
	    "$c/prometheus.yml" >"$tmp/prometheus.yml"
	if out=$(promtool check config "$tmp/prometheus.yml" 2>&1); then
		ok "prometheus.yml: promtool check config"
	else
		notok "prometheus.yml: promtool check config" "$out"
	fi
else
	skip "prometheus.yml: promtool check config" "promtool not installed"
fi
out=
# shellcheck disable=SC2013 # paths hold no blanks
for src in $(sed -n 's/^COPY \(--[^ ]* \)*\(contrib\/[^ ]*\) .*/\2/p' "$c/Dockerfile"); do
	[ -e "$srcdir/$src" ] || out="$out COPY source $src does not exist;"
done
grep -q '^ENTRYPOINT \["/usr/sbin/tendd"' "$c/Dockerfile" ||
    out="$out no exec-form ENTRYPOINT running tendd (it must be PID 1);"
if [ -z "$out" ]; then
	ok "Dockerfile: COPY sources exist, tendd is the exec-form ENTRYPOINT"
else
	notok "Dockerfile" "$out"
fi

echo "1..$n"
exit $fail

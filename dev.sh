#!/bin/sh
# dev.sh: set-up and everyday commands on a Debian 12 machine.
#
#   ./dev.sh run     install what is missing, build, run tendd on
#                    conf/tend.conf in the foreground (Ctrl-C stops it)
#   ./dev.sh check   install what is missing, build, and run every test:
#                    debug build (-Werror), the same suite under
#                    ASan+UBSan, valgrind over the unit tests; ends with
#                    "N passed, N failed, N skipped"
#   ./dev.sh deps    only install the Debian packages
set -u
cd "$(dirname "$0")" || exit 1
top=$(pwd)

BUILD_DEPS="build-essential autoconf automake pkg-config libev-dev
libsystemd-dev libedit-dev libmicrohttpd-dev
libxmlrpc-core-c3-dev"
# Also zsh, logrotate, python3-yaml and shellcheck: tests/lint/contrib.sh's
# checks of contrib/ (each is skipped when its tool is missing).  Debian's
# prometheus (promtool check metrics) is used by test_metrics.py when
# installed; it is not pulled in here, as it brings a server along.
TEST_DEPS="libcmocka-dev python3-pytest valgrind mandoc shellcheck zsh
logrotate python3-yaml supervisor prometheus-node-exporter"

install_deps() {
	missing=
	for p in $BUILD_DEPS ${1:-}; do
		dpkg-query -W -f '${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "dev.sh: installing:$missing"
	sudo=
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	$sudo apt-get update -qq || true
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing ||
	    { echo "dev.sh: apt-get install failed" >&2; exit 1; }
}

# configure_build DIR ARGS...: (re)configure DIR out of tree.
configure_build() {
	dir=$1; shift
	mkdir -p "$dir" || return 1
	if [ ! -f "$dir/Makefile" ] || [ configure -nt "$dir/Makefile" ]; then
		(cd "$dir" && "$top/configure" "$@" >configure.out 2>&1) ||
		    { cat "$dir/configure.out"; return 1; }
	fi
}

jobs=$(nproc 2>/dev/null || echo 2)

case "${1:-}" in
deps)
	install_deps "$TEST_DEPS"
	;;
run)
	install_deps ""
	[ -x configure ] || ./autogen.sh || exit 1
	configure_build build --enable-debug || exit 1
	make -C build -j"$jobs" src/tendd src/tendctl || exit 1
	echo "dev.sh: checking conf/tend.conf"
	build/src/tendd -n -c conf/tend.conf || exit 1
	echo "dev.sh: running tendd in the foreground; in another shell:"
	echo "        build/src/tendctl -c conf/tend.conf status"
	exec build/src/tendd -c conf/tend.conf
	;;
check)
	install_deps "$TEST_DEPS"
	[ -x configure ] || ./autogen.sh || exit 1
	extra_failed=0; extra_passed=0
	# Stale results must not be counted.
	find build build-asan -name '*.trs' -delete 2>/dev/null
	for b in "build --enable-debug" "build-asan --enable-debug --enable-sanitize"; do
		# shellcheck disable=SC2086
		set -- $b
		dir=$1; shift
		echo "=== $dir: $*"
		if ! configure_build "$dir" "$@" || ! make -C "$dir" -j"$jobs"; then
			echo "dev.sh: $dir: build FAILED"
			extra_failed=$((extra_failed + 1)); continue
		fi
		make -C "$dir" -j"$jobs" check || {
			echo "dev.sh: $dir: make check FAILED; logs:"
			find "$dir" -name '*.log' -path '*tests*' -newer "$dir/Makefile" |
			    while read -r l; do
				grep -q '^not ok\|^ERROR\|^FAIL' "$l" 2>/dev/null &&
				    { echo "--- $l"; tail -n 60 "$l"; }
			    done
		}
	done
	echo "=== build: valgrind over the unit tests"
	if make -C build check-valgrind; then
		extra_passed=$((extra_passed + 1))
	else
		extra_failed=$((extra_failed + 1))
	fi
	TEND_EXTRA_FAILED=$extra_failed TEND_EXTRA_PASSED=$extra_passed \
	    sh tests/summary.sh build build-asan
	;;
*)
	sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac

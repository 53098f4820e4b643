#!/bin/sh
# dev.sh: set-up and everyday commands on a Debian 12 machine.
#
#   ./dev.sh run     install what is missing, build, run tendd on
#                    conf/tend.conf in the foreground (Ctrl-C stops it)
#   ./dev.sh check   install what is missing, build, and run every test:
#                    debug build (-Werror), the same suite under
#                    ASan+UBSan, valgrind over the unit tests, each
#                    fuzz target for 10 s (TEND_FUZZ_SECONDS), the
#                    embedded line (build-small) built and smoke-run,
#                    the aarch64 cross run (as ./dev.sh cross); ends with
#                    "N passed, N failed, N skipped"
#   ./dev.sh deps    only install the Debian packages
#   ./dev.sh cross   cross-build for aarch64 (Debian's cross gcc, arm64
#                    -dev packages by multiarch) in build-cross and run
#                    its unit, kernel-behaviour and smoke tests under
#                    qemu-aarch64 (tests/cross.sh)
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
# libfaketime: test_faults.py steps the realtime clock tendd sees.
# chromium: test_web_browser.py loads the web page headless and clicks
# through it (skipped without it).  It is installed without its
# recommends (a GPU driver, upower, printing, a notification daemon:
# 120 packages, 4 minutes of apt on this Debian 12), which headless
# chromium with --disable-gpu never opens, but for fonts-liberation,
# the font of its screenshots (BARE_DEPS).
# python3-pytest-xdist: tests/integration/run.sh runs the tests in
# parallel with it (TEND_TEST_JOBS), one after another without.
# supervisor: its config parser, which test_config_compat.py compares
# tend's with (where an init system runs, the package may also start a
# system supervisord; no test talks to it).
TEST_DEPS="libcmocka-dev python3-pytest python3-pytest-xdist valgrind mandoc
shellcheck zsh logrotate python3-yaml supervisor prometheus-node-exporter
clang libfuzzer-14-dev libfaketime"
BARE_DEPS="chromium fonts-liberation"

# missing_of PACKAGES: those of PACKAGES not installed.
missing_of() {
	for p in "$@"; do
		dpkg-query -W -f '${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || printf ' %s' "$p"
	done
}

# install_deps [PACKAGES [PACKAGES_WITHOUT_RECOMMENDS]]: BUILD_DEPS and
# PACKAGES, what of them is missing.
install_deps() {
	# shellcheck disable=SC2086
	missing=$(missing_of $BUILD_DEPS ${1:-})
	# shellcheck disable=SC2086
	bare=$(missing_of ${2:-})
	[ -z "$missing$bare" ] && return 0
	echo "dev.sh: installing:$missing$bare"
	sudo=
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	$sudo apt-get update -qq || true
	# shellcheck disable=SC2086
	if [ -n "$missing" ]; then apt_install $missing || exit 1; fi
	# shellcheck disable=SC2086
	if [ -n "$bare" ]; then
		apt_install --no-install-recommends $bare || exit 1
	fi
}

apt_install() {
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" ||
	    { echo "dev.sh: apt-get install failed" >&2; return 1; }
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

# check's build of the embedded line, warnings as errors.
SMALL_ARGS="--enable-debug --enable-small --with-systemd=no --without-http
	--disable-health --disable-events --disable-reexec --disable-cgroups
	--disable-fcgi --disable-notify --disable-metrics --disable-event-stream"

# cross: the aarch64 cross build and its run under qemu-aarch64.  On a
# fresh machine the packages take about 2.5 minutes; configure, build
# and tests about 35 s on a quiet 2-core machine (several minutes under
# load).  Returns non-zero if anything failed; tests/cross.sh's summary
# line is the last line printed.
cross() {
	sudo=
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	dpkg --print-foreign-architectures | grep -qx arm64 ||
	    $sudo dpkg --add-architecture arm64 || return 1
	dpkg-query -W -f '${Status}' libev-dev:arm64 2>/dev/null |
	    grep -q 'install ok installed' || $sudo apt-get update -qq || true
	(install_deps "autoconf automake pkg-config gcc-aarch64-linux-gnu
	    qemu-user libev-dev:arm64 libcmocka-dev:arm64") || return 1
	[ -x configure ] || ./autogen.sh || return 1
	# --without-http: Debian's libxmlrpc-core-c3-dev is not Multi-Arch
	# co-installable (the arm64 one would remove the native one).
	PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig \
	    configure_build build-cross --host=aarch64-linux-gnu \
	    --with-systemd=no --without-http --enable-debug || return 1
	make -C build-cross -j"$jobs" || return 1
	make -C build-cross -j"$jobs" check TESTS= >/dev/null || return 1
	sh tests/cross.sh build-cross qemu-aarch64
}

# The embedded line: built, then its smoke run, natively.
small() {
	# shellcheck disable=SC2086
	configure_build build-small $SMALL_ARGS || return 1
	make -C build-small -j"$jobs" src/tendd src/tendctl || return 1
	sh tests/cross.sh build-small - smoke
}

# counted NAME CMD...: run CMD, whose output ends in "N passed, N failed,
# N skipped", and add its counts to check's summary; a failure before
# that line (a build, a set-up) counts as one failure.
counted() {
	name=$1
	shift
	out=$(mktemp "${TMPDIR:-/tmp}/tend-counted.XXXXXX") || exit 1
	"$@" 2>&1 | tee "$out"
	last=$(tail -n 1 "$out")
	rm -f "$out"
	case $last in
	*" passed, "*" failed, "*" skipped")
		# shellcheck disable=SC2086
		set -- $last
		extra_passed=$((extra_passed + $1))
		extra_failed=$((extra_failed + $3))
		extra_skipped=$((extra_skipped + $5))
		;;
	*)
		echo "dev.sh: $name: FAILED before its tests ran"
		extra_failed=$((extra_failed + 1))
		;;
	esac
}

case "${1:-}" in
cross)
	cross
	;;
deps)
	install_deps "$TEST_DEPS" "$BARE_DEPS"
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
	install_deps "$TEST_DEPS" "$BARE_DEPS"
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
		# Integration tests in parallel (run.sh): 4 workers in the
		# debug build, 2 under ASan, whose tendd needs more of the
		# CPU (at load 25 beside others, 4 ASan workers failed 8
		# tests, each of a state seen within a few seconds).
		w=4
		[ "$dir" = build-asan ] && w=2
		TEND_TEST_JOBS=${TEND_TEST_JOBS:-$w} \
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
	# Each fuzz target for a short budget (fuzz/README.md); the corpus
	# in build-fuzz/fuzz/corpus grows from run to run.
	fs=${TEND_FUZZ_SECONDS:-10}
	echo "=== build-fuzz: CC=clang --enable-fuzzing, make fuzz FUZZ_SECONDS=$fs"
	if configure_build build-fuzz CC=clang --enable-fuzzing &&
	    make -C build-fuzz -j"$jobs" fuzz/tendfuzz &&
	    make -C build-fuzz fuzz FUZZ_SECONDS="$fs"; then
		extra_passed=$((extra_passed + 1))
	else
		extra_failed=$((extra_failed + 1))
	fi
	extra_skipped=0
	# The embedded line (README.md, "Embedded") must keep building,
	# warning-free, with every optional feature left out, and run: the
	# smoke run of tests/cross.sh, natively (sizes are
	# bench/results.md's).
	echo "=== build-small: $SMALL_ARGS"
	counted build-small small
	# The aarch64 cross build, its unit and kernel-behaviour tests and
	# a smoke run under qemu-aarch64 (issue 22: CI runs it).
	echo "=== build-cross: aarch64 under qemu-aarch64"
	counted build-cross cross
	TEND_EXTRA_FAILED=$extra_failed TEND_EXTRA_PASSED=$extra_passed \
	TEND_EXTRA_SKIPPED=$extra_skipped \
	    sh tests/summary.sh build build-asan
	;;
*)
	sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac

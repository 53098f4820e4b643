/*
 * test_ready.c: the pure parts of ready.c: parsing sd_notify(3) messages
 * and choosing the socket's name.  The socket itself is exercised by the
 * integration tests (tests/integration/test_ready.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ready.h"

static void
parse(const char *s, struct ready_msg *m)
{
	ready_parse(s, strlen(s), m);
}

static void
test_ready_only(void **state)
{
	struct ready_msg m;

	parse("READY=1", &m);
	assert_true(m.ready);
	assert_false(m.reloading || m.stopping || m.watchdog ||
	             m.watchdog_trigger || m.has_status);
	assert_int_equal(m.mainpid, 0);
	assert_int_equal(m.ignored, 0);
}

/* What redis-server --supervised systemd and libsystemd users send. */
static void
test_ready_and_status(void **state)
{
	struct ready_msg m;

	parse("READY=1\nSTATUS=Ready to accept connections\n", &m);
	assert_true(m.ready);
	assert_true(m.has_status);
	assert_string_equal(m.status, "Ready to accept connections");
	assert_int_equal(m.ignored, 0);
}

static void
test_every_known_key(void **state)
{
	struct ready_msg m;

	parse("RELOADING=1\nSTOPPING=1\nWATCHDOG=1\nMAINPID=4242\nERRNO=2\n"
	      "MONOTONIC_USEC=123",
	    &m);
	assert_false(m.ready);
	assert_true(m.reloading);
	assert_true(m.stopping);
	assert_true(m.watchdog);
	assert_false(m.watchdog_trigger);
	assert_int_equal(m.mainpid, 4242);
	assert_int_equal(m.errnum, 2);
	assert_int_equal(m.ignored, 1); /* MONOTONIC_USEC */
	parse("WATCHDOG=trigger", &m);
	assert_true(m.watchdog_trigger);
	assert_false(m.watchdog);
}

/* Values other than the documented ones mean nothing. */
static void
test_wrong_values_ignored(void **state)
{
	struct ready_msg m;

	parse("READY=0\nREADY=yes\nREADY=11\nSTOPPING=2\nWATCHDOG=0\n"
	      "MAINPID=0\nMAINPID=-5\nMAINPID=12x\nMAINPID=\n"
	      "MAINPID=12345678901",
	    &m);
	assert_false(m.ready || m.stopping || m.watchdog);
	assert_int_equal(m.mainpid, 0);
	assert_int_equal(m.ignored, 10);
}

/* Lines without '=', unknown keys, keys that only share a prefix. */
static void
test_malformed_lines(void **state)
{
	struct ready_msg m;

	parse("garbage\nREADY\nREADYX=1\n=1\nFDSTORE=1\nREADY=1", &m);
	assert_true(m.ready);
	assert_int_equal(m.ignored, 5);
}

static void
test_empty(void **state)
{
	struct ready_msg m;

	parse("", &m);
	assert_false(m.ready);
	assert_int_equal(m.ignored, 0);
	parse("\n\n", &m);
	assert_int_equal(m.ignored, 0);
}

/* An empty STATUS= clears the text; the last STATUS= wins. */
static void
test_status_forms(void **state)
{
	struct ready_msg m;

	parse("STATUS=", &m);
	assert_true(m.has_status);
	assert_string_equal(m.status, "");
	parse("STATUS=one\nSTATUS=two", &m);
	assert_string_equal(m.status, "two");
	parse("STATUS=a=b", &m);
	assert_string_equal(m.status, "a=b");
}

/* Control characters never reach the status output; long text is cut. */
static void
test_status_sanitized_and_cut(void **state)
{
	char buf[300];
	struct ready_msg m;

	ready_parse("STATUS=a\tb\033[2Jc\x7f", 16, &m);
	assert_string_equal(m.status, "a?b?[2Jc?");
	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "STATUS=", 7);
	ready_parse(buf, sizeof(buf), &m);
	assert_int_equal(strlen(m.status), sizeof(m.status) - 1);
}

/* Not NUL-terminated: only LEN bytes are read. */
static void
test_length_bounds(void **state)
{
	struct ready_msg m;

	ready_parse("READY=1", 6, &m);
	assert_false(m.ready);
	assert_int_equal(m.ignored, 1);
	ready_parse("STATUS=abcdef", 10, &m);
	assert_string_equal(m.status, "abc");
}

/* A NUL inside a message is just a byte of a line. */
static void
test_embedded_nul(void **state)
{
	struct ready_msg m;

	ready_parse("READY=1\0\nSTOPPING=1", 19, &m);
	assert_false(m.ready);
	assert_true(m.stopping);
	assert_int_equal(m.ignored, 1);
}

static void
test_default_path(void **state)
{
	char out[256], want[64], longp[200];

	ready_default_path("/run/tend/tend.sock", out, sizeof(out));
	assert_string_equal(out, "/run/tend/tend.notify");
	ready_default_path("/tmp/x/ctl", out, sizeof(out));
	assert_string_equal(out, "/tmp/x/ctl.notify");
	/* 103 bytes + ".notify" does not fit sun_path: abstract. */
	memset(longp, 'a', 103);
	longp[0] = '/';
	longp[103] = '\0';
	ready_default_path(longp, out, sizeof(out));
	(void)snprintf(want, sizeof(want), "@tend-notify-%ld", (long)getpid());
	assert_string_equal(out, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ready_only),
	    cmocka_unit_test(test_ready_and_status),
	    cmocka_unit_test(test_every_known_key),
	    cmocka_unit_test(test_wrong_values_ignored),
	    cmocka_unit_test(test_malformed_lines),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_status_forms),
	    cmocka_unit_test(test_status_sanitized_and_cut),
	    cmocka_unit_test(test_length_bounds),
	    cmocka_unit_test(test_embedded_nul),
	    cmocka_unit_test(test_default_path),
	};

	return cmocka_run_group_tests_name("ready", tests, NULL, NULL);
}

/*
 * test_proto.c: the control protocol's framing: round trips, truncated,
 * oversized and garbage frames, unknown types, the default socket path.
 */
#include "proto.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static unsigned char frame[PROTO_MAX_FRAME + 16];
static char err[256];

static void
test_roundtrip_request(void **state)
{
	struct proto_writer w;
	struct proto_msg m;
	const char *s;
	ssize_t n;

	proto_begin(&w, frame, sizeof(frame), PROTO_REQ_START, 0xdeadbeef);
	proto_put_str(&w, "web:*");
	proto_put_str(&w, "");
	proto_put_str(&w, "db");
	n = proto_finish(&w);
	assert_int_equal(n, PROTO_HDR_SIZE + (3 + 5) + 3 + (3 + 2));
	/* The header is big-endian, field by field. */
	assert_int_equal(frame[0], 0);
	assert_int_equal(frame[3], n - 4);
	assert_int_equal(frame[4], 0);
	assert_int_equal(frame[5], 101);
	assert_int_equal(frame[6], 0xde);
	assert_int_equal(frame[9], 0xef);

	assert_int_equal(proto_frame_size(frame, 4, err, sizeof(err)), n);
	assert_int_equal(
	    proto_decode(frame, (size_t)n, &m, err, sizeof(err)), 0);
	assert_int_equal(m.type, PROTO_REQ_START);
	assert_int_equal(m.id, 0xdeadbeef);
	assert_int_equal(proto_count_strs(&m), 3);
	assert_int_equal(proto_get_str(&m, &s), 0);
	assert_string_equal(s, "web:*");
	assert_int_equal(proto_get_str(&m, &s), 0);
	assert_string_equal(s, "");
	assert_int_equal(proto_get_str(&m, &s), 0);
	assert_string_equal(s, "db");
	assert_true(proto_at_end(&m));
	assert_int_equal(proto_get_str(&m, &s), -1);
}

static void
test_roundtrip_hello_u32(void **state)
{
	struct proto_writer w;
	struct proto_msg m;
	const char *s;
	uint32_t v;
	ssize_t n;

	proto_begin(&w, frame, sizeof(frame), PROTO_HELLO, 1);
	proto_put_u32(&w, PROTO_VERSION);
	proto_put_str(&w, "tend 0.1.0");
	proto_put_u32(&w, 4242);
	assert_true((n = proto_finish(&w)) > 0);
	assert_int_equal(
	    proto_decode(frame, (size_t)n, &m, err, sizeof(err)), 0);
	assert_int_equal(proto_get_u32(&m, &v), 0);
	assert_int_equal(v, PROTO_VERSION);
	assert_int_equal(proto_get_str(&m, &s), 0);
	assert_string_equal(s, "tend 0.1.0");
	assert_int_equal(proto_get_u32(&m, &v), 0);
	assert_int_equal(v, 4242);
	assert_int_equal(proto_get_u32(&m, &v), -1);
}

static void
test_record_lookup(void **state)
{
	struct proto_writer w;
	struct proto_msg m;
	ssize_t n;

	proto_begin(&w, frame, sizeof(frame), PROTO_RECORD, 7);
	proto_put_kv(&w, "name", "web:web_00");
	proto_put_kvf(&w, "pid", "%d", 1234);
	proto_put_kv(&w, "description", "pid 1234, uptime 0:00:05");
	assert_true((n = proto_finish(&w)) > 0);
	assert_int_equal(
	    proto_decode(frame, (size_t)n, &m, err, sizeof(err)), 0);
	assert_int_equal(proto_count_strs(&m), 6);
	assert_string_equal(proto_record_get(&m, "pid"), "1234");
	assert_string_equal(proto_record_get(&m, "name"), "web:web_00");
	assert_string_equal(
	    proto_record_get(&m, "description"), "pid 1234, uptime 0:00:05");
	assert_null(proto_record_get(&m, "state"));
	/* Lookups do not move the cursor. */
	assert_int_equal(m.off, 0);
}

static void
test_empty_body(void **state)
{
	struct proto_writer w;
	struct proto_msg m;
	ssize_t n;

	proto_begin(&w, frame, sizeof(frame), PROTO_END, 3);
	assert_int_equal((n = proto_finish(&w)), PROTO_HDR_SIZE);
	assert_int_equal(
	    proto_decode(frame, (size_t)n, &m, err, sizeof(err)), 0);
	assert_int_equal(m.type, PROTO_END);
	assert_true(proto_at_end(&m));
	assert_int_equal(proto_count_strs(&m), 0);
}

static void
test_truncated(void **state)
{
	struct proto_writer w;
	struct proto_msg m;
	ssize_t n;
	size_t i;

	proto_begin(&w, frame, sizeof(frame), PROTO_REQ_STATUS, 9);
	proto_put_str(&w, "web");
	n = proto_finish(&w);
	/* Fewer than four bytes: read more. */
	for (i = 0; i < 4; i++)
		assert_int_equal(
		    proto_frame_size(frame, i, err, sizeof(err)), 0);
	/* The size is known from four bytes on; a decoder given less than
	 * the whole frame refuses it. */
	for (i = 4; i < (size_t)n; i++) {
		assert_int_equal(
		    proto_frame_size(frame, i, err, sizeof(err)), n);
		assert_int_equal(
		    proto_decode(frame, i, &m, err, sizeof(err)), -1);
	}
	assert_int_equal(proto_decode(frame, 9, &m, err, sizeof(err)), -1);
	assert_string_equal(err, "frame truncated: 9 bytes");
	assert_int_equal(proto_decode(frame, 12, &m, err, sizeof(err)), -1);
	assert_string_equal(err, "frame length 16 disagrees with 12 bytes");
}

static void
test_truncated_fields(void **state)
{
	struct proto_msg m;
	const char *s;
	uint32_t v;
	/* A string claiming 5 bytes with only 2 left. */
	static const unsigned char bad[] = {
	    0, 0, 0, 11, 0, 100, 0, 0, 0, 1, 0, 5, 'a', 'b', 0};

	assert_int_equal(
	    proto_decode(bad, sizeof(bad), &m, err, sizeof(err)), 0);
	assert_int_equal(proto_count_strs(&m), -1);
	assert_int_equal(proto_get_str(&m, &s), -1);
	assert_int_equal(m.off, 0);
	/* Three bytes left is not a u32. */
	m.off = 0;
	m.bodylen = 3;
	assert_int_equal(proto_get_u32(&m, &v), -1);
}

static void
test_oversized(void **state)
{
	struct proto_writer w;
	char *big;
	ssize_t n;
	unsigned char hdr[4] = {0x00, 0x01, 0x00, 0x00}; /* 65536 */

	/* Refused from the length field alone, before any buffering. */
	assert_int_equal(proto_frame_size(hdr, 4, err, sizeof(err)), -1);
	assert_string_equal(err, "frame too large: 65536 bytes (limit 65532)");
	hdr[0] = 0xff;
	assert_int_equal(proto_frame_size(hdr, 4, err, sizeof(err)), -1);
	assert_string_equal(
	    err, "frame too large: 4278255616 bytes (limit 65532)");
	/* The largest legal frame is accepted. */
	hdr[0] = 0;
	hdr[1] = 0;
	hdr[2] = 0xff;
	hdr[3] = 0xfc;
	assert_int_equal(
	    proto_frame_size(hdr, 4, err, sizeof(err)), PROTO_MAX_FRAME);

	/* A writer never produces more than PROTO_MAX_FRAME. */
	big = malloc(40000);
	assert_non_null(big);
	memset(big, 'x', 39999);
	big[39999] = '\0';
	proto_begin(&w, frame, sizeof(frame), PROTO_RECORD, 1);
	proto_put_kv(&w, "a", big);
	assert_true(proto_finish(&w) > 0);
	proto_put_kv(&w, "b", big);
	assert_true(w.overflow);
	errno = 0;
	n = proto_finish(&w);
	assert_int_equal(n, -1);
	assert_int_equal(errno, EMSGSIZE);
	free(big);

	/* Nor more than its buffer. */
	proto_begin(&w, frame, 12, PROTO_REQ_STOP, 1);
	proto_put_str(&w, "web");
	assert_int_equal(proto_finish(&w), -1);
	proto_begin(&w, frame, 4, PROTO_END, 1);
	assert_int_equal(proto_finish(&w), -1);
}

static void
test_too_short(void **state)
{
	unsigned char hdr[4] = {0, 0, 0, 5};

	assert_int_equal(proto_frame_size(hdr, 4, err, sizeof(err)), -1);
	assert_string_equal(err, "frame too short: 5 bytes");
}

static void
test_unknown_type(void **state)
{
	struct proto_writer w;
	struct proto_msg m;
	ssize_t n;

	proto_begin(&w, frame, sizeof(frame), 999, 77);
	proto_put_str(&w, "x");
	n = proto_finish(&w);
	assert_int_equal(
	    proto_decode(frame, (size_t)n, &m, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown message type 999");
	/* The id is still known, so the error reply can carry it. */
	assert_int_equal(m.id, 77);
	assert_null(proto_type_name(999));
	assert_null(proto_type_name(0));
	assert_string_equal(
	    proto_type_name(PROTO_REQ_SHUTDOWN), "REQ_SHUTDOWN");
}

static void
test_garbage_strings(void **state)
{
	struct proto_msg m;
	const char *s;
	/* A string without its NUL, and one with an embedded NUL. */
	static const unsigned char nonul[] = {
	    0, 0, 0, 11, 0, 100, 0, 0, 0, 1, 0, 2, 'a', 'b', 'c'};
	static const unsigned char embedded[] = {
	    0, 0, 0, 11, 0, 100, 0, 0, 0, 1, 0, 2, 'a', 0, 0};

	assert_int_equal(
	    proto_decode(nonul, sizeof(nonul), &m, err, sizeof(err)), 0);
	assert_int_equal(proto_get_str(&m, &s), -1);
	assert_null(proto_record_get(&m, "a"));
	assert_int_equal(
	    proto_decode(embedded, sizeof(embedded), &m, err, sizeof(err)), 0);
	assert_int_equal(proto_get_str(&m, &s), -1);
	assert_int_equal(proto_count_strs(&m), -1);
}

/* Random bytes never crash the decoder nor read past the buffer (ASan and
 * valgrind watch this). */
static void
test_garbage_random(void **state)
{
	struct proto_msg m;
	const char *s;
	unsigned char *buf;
	unsigned seed = 12345;
	size_t len, i;
	int round;

	for (round = 0; round < 2000; round++) {
		seed = seed * 1103515245 + 12345;
		len = 4 + (seed >> 16) % 60;
		buf = malloc(len);
		assert_non_null(buf);
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			buf[i] = (unsigned char)(seed >> 16);
		}
		/* Make the length field honest half the time, so decoding
		 * goes on into the body. */
		if (round % 2 == 0 && len >= PROTO_HDR_SIZE) {
			buf[0] = buf[1] = 0;
			buf[2] = (unsigned char)((len - 4) >> 8);
			buf[3] = (unsigned char)(len - 4);
			buf[4] = 0;
			buf[5] = 100;
		}
		(void)proto_frame_size(buf, len, err, sizeof(err));
		if (proto_decode(buf, len, &m, err, sizeof(err)) == 0) {
			(void)proto_count_strs(&m);
			(void)proto_record_get(&m, "name");
			while (proto_get_str(&m, &s) == 0)
				;
		}
		free(buf);
	}
}

static void
test_fault_text(void **state)
{
	assert_string_equal(
	    proto_fault_text(PROTO_F_ALREADY_STARTED), "already started");
	assert_string_equal(
	    proto_fault_text(PROTO_F_NO_SUCH_PROCESS), "no such process");
	assert_string_equal(proto_fault_text(PROTO_F_ABNORMAL_TERMINATION),
	    "abnormal termination");
	assert_string_equal(proto_fault_text(PROTO_F_OK), "");
	assert_string_equal(proto_fault_text(PROTO_F_TIMED_OUT), "timed out");
	assert_string_equal(
	    proto_type_name(PROTO_REQ_EVENTS), "REQ_EVENTS");
	assert_string_equal(
	    proto_type_name(PROTO_REQ_RESTART_T), "REQ_RESTART_T");
	assert_string_equal(proto_fault_text(-1), "unknown fault");
	assert_string_equal(proto_fault_text(1000), "unknown fault");
}

static void
test_default_socket(void **state)
{
	char buf[108], want[108];
	char *old = getenv("XDG_RUNTIME_DIR");
	char *saved = old ? strdup(old) : NULL;

	if (geteuid() == 0) {
		assert_int_equal(proto_default_socket(buf, sizeof(buf)), 0);
		assert_string_equal(buf, "/run/tend/tend.sock");
	} else {
		setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
		assert_int_equal(proto_default_socket(buf, sizeof(buf)), 0);
		assert_string_equal(buf, "/run/user/1000/tend.sock");
		/* Unset or relative: a per-user directory in /tmp. */
		unsetenv("XDG_RUNTIME_DIR");
		snprintf(want, sizeof(want), "/tmp/tend-%u/tend.sock",
		    (unsigned)geteuid());
		assert_int_equal(proto_default_socket(buf, sizeof(buf)), 0);
		assert_string_equal(buf, want);
		setenv("XDG_RUNTIME_DIR", "relative", 1);
		assert_int_equal(proto_default_socket(buf, sizeof(buf)), 0);
		assert_string_equal(buf, want);
	}
	errno = 0;
	assert_int_equal(proto_default_socket(buf, 5), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	if (saved) {
		setenv("XDG_RUNTIME_DIR", saved, 1);
		free(saved);
	} else {
		unsetenv("XDG_RUNTIME_DIR");
	}
}

/* Protocol 9's options block: a round trip, a body without one (as
 * protocol 8 sent it), and malformed blocks. */
static void
test_options(void **state)
{
	static const char *const kv[] = {"timeout", "2.5", "full", "1"};
	const char *got[2 * PROTO_MAX_OPTS], *s;
	struct proto_writer w;
	struct proto_msg m;
	ssize_t n;

	proto_begin(&w, frame, sizeof(frame), PROTO_REQ_START, 3);
	proto_put_opts(&w, kv, 2);
	proto_put_str(&w, "web");
	assert_true((n = proto_finish(&w)) > 0);
	assert_int_equal(proto_decode(frame, (size_t)n, &m, err, sizeof(err)),
	    0);
	assert_int_equal(proto_get_opts(&m, got, PROTO_MAX_OPTS), 2);
	assert_string_equal(got[0], "timeout");
	assert_string_equal(got[1], "2.5");
	assert_string_equal(got[3], "1");
	assert_int_equal(proto_count_strs(&m), 1);
	assert_int_equal(proto_get_str(&m, &s), 0);
	assert_string_equal(s, "web");
	/* Over the caller's limit: refused. */
	assert_int_equal(proto_decode(frame, (size_t)n, &m, err, sizeof(err)),
	    0);
	assert_int_equal(proto_get_opts(&m, got, 1), -1);

	/* No block: 0, the cursor stays at the first string. */
	proto_begin(&w, frame, sizeof(frame), PROTO_REQ_STATUS, 4);
	proto_put_str(&w, "web");
	assert_true((n = proto_finish(&w)) > 0);
	assert_int_equal(proto_decode(frame, (size_t)n, &m, err, sizeof(err)),
	    0);
	assert_int_equal(proto_get_opts(&m, got, PROTO_MAX_OPTS), 0);
	assert_int_equal(proto_count_strs(&m), 1);

	/* A block announcing more pairs than it holds. */
	proto_begin(&w, frame, sizeof(frame), PROTO_REQ_STATUS, 5);
	proto_put_opts(&w, kv, 1);
	assert_true((n = proto_finish(&w)) > 0);
	frame[PROTO_HDR_SIZE + 3] = 2;
	assert_int_equal(proto_decode(frame, (size_t)n, &m, err, sizeof(err)),
	    0);
	assert_int_equal(proto_get_opts(&m, got, PROTO_MAX_OPTS), -1);
}

/* HELLO's ranges: the highest common version, none when disjoint; a
 * client of protocol 8 (no range) gets 8. */
static void
test_pick_version(void **state)
{
	assert_int_equal(proto_pick_version(8, 8), 8);
	assert_int_equal(proto_pick_version(PROTO_VERSION_MIN, PROTO_VERSION),
	    PROTO_VERSION);
	assert_int_equal(proto_pick_version(8, 1000), PROTO_VERSION);
	assert_int_equal(proto_pick_version(PROTO_VERSION + 1, 1000), -1);
	assert_int_equal(proto_pick_version(1, PROTO_VERSION_MIN - 1), -1);
	assert_int_equal(proto_pick_version(9, 8), -1);
	/* The retired variants keep their names (and numbers). */
	assert_string_equal(proto_type_name(PROTO_REQ_STATUS_FULL),
	    "REQ_STATUS_FULL");
	assert_int_equal(PROTO_REQ_START_T, 131);
	assert_null(proto_type_name(161));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip_request),
	    cmocka_unit_test(test_roundtrip_hello_u32),
	    cmocka_unit_test(test_record_lookup),
	    cmocka_unit_test(test_empty_body),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_truncated_fields),
	    cmocka_unit_test(test_oversized),
	    cmocka_unit_test(test_too_short),
	    cmocka_unit_test(test_unknown_type),
	    cmocka_unit_test(test_garbage_strings),
	    cmocka_unit_test(test_garbage_random),
	    cmocka_unit_test(test_fault_text),
	    cmocka_unit_test(test_default_socket),
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_pick_version),
	};

	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}

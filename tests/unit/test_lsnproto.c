/*
 * test_lsnproto.c: the event listener's stdout reader, against what
 * supervisord 4.2's PEventListenerDispatcher does with the same bytes
 * (dispatchers.py): READY, RESULT with OK and anything else, messages
 * split over reads and several in one read, lengths that do not match
 * the result, bad result lines, output while READY; and the envelope
 * header of process.py's _eventEnvelope.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lsnproto.h"

/* Notes as letters: R ready, O ok, J rejected, B bad result line,
 * G garbage, S spurious. */
struct rec {
	char notes[64];
	char text[LSNPROTO_LINE_MAX + 1];
};

static void
rec_note(void *ctx, enum lsnproto_note note, const char *text, size_t len)
{
	static const char letters[] = "ROJBGS";
	struct rec *r = ctx;
	size_t n = strlen(r->notes);

	r->notes[n] = letters[note];
	r->notes[n + 1] = '\0';
	if (text != NULL) {
		memcpy(r->text, text, len);
		r->text[len] = '\0';
	}
}

/* Feed S (a C string) as one read; return the notes it gave. */
static const char *
feed(struct lsnproto *p, struct rec *r, const char *s)
{
	r->notes[0] = '\0';
	lsnproto_feed(p, s, strlen(s), rec_note, r);
	return r->notes;
}

static void
test_ready(void **state)
{
	struct lsnproto p;
	struct rec r;

	(void)state;
	lsnproto_init(&p);
	assert_int_equal(p.state, LSN_ACKNOWLEDGED);
	assert_string_equal(feed(&p, &r, "REA"), "");
	assert_string_equal(feed(&p, &r, "DY"), "");
	assert_string_equal(feed(&p, &r, "\n"), "R");
	assert_int_equal(p.state, LSN_READY);
	assert_string_equal(lsnproto_state_name(p.state), "READY");
	/* Two READYs in one read: the second is output while READY. */
	lsnproto_init(&p);
	assert_string_equal(feed(&p, &r, "READY\nREADY\n"), "RS");
	assert_int_equal(p.state, LSN_UNKNOWN);
	/* UNKNOWN is for good: nothing is read any more. */
	assert_string_equal(feed(&p, &r, "READY\n"), "");
	assert_int_equal(p.state, LSN_UNKNOWN);
	assert_int_equal(p.len, 0);
}

static void
test_garbage(void **state)
{
	struct lsnproto p;
	struct rec r;

	(void)state;
	lsnproto_init(&p);
	/* Fewer than six bytes decide nothing. */
	assert_string_equal(feed(&p, &r, "hello"), "");
	assert_string_equal(feed(&p, &r, "!"), "G");
	assert_string_equal(r.text, "hello!");
	assert_int_equal(p.state, LSN_UNKNOWN);
	lsnproto_init(&p);
	assert_string_equal(feed(&p, &r, "ready\n"), "G");
}

static void
test_results(void **state)
{
	struct lsnproto p;
	struct rec r;

	(void)state;
	lsnproto_init(&p);
	assert_string_equal(feed(&p, &r, "READY\n"), "R");
	lsnproto_sent(&p);
	assert_int_equal(p.state, LSN_BUSY);
	assert_string_equal(feed(&p, &r, "RESULT 2\nOK"), "O");
	assert_int_equal(p.state, LSN_ACKNOWLEDGED);
	/* childutils' ok() then ready() arriving in one read. */
	assert_string_equal(feed(&p, &r, "READY\n"), "R");
	lsnproto_sent(&p);
	assert_string_equal(feed(&p, &r, "RESULT 2\nOKREADY\n"), "OR");
	lsnproto_sent(&p);
	assert_string_equal(feed(&p, &r, "RESULT 4\nFAIL"), "J");
	assert_string_equal(feed(&p, &r, "READY\n"), "R");
	/* Split anywhere. */
	lsnproto_sent(&p);
	assert_string_equal(feed(&p, &r, "RES"), "");
	assert_string_equal(feed(&p, &r, "ULT 2"), "");
	assert_string_equal(feed(&p, &r, "\nO"), "");
	assert_int_equal(p.state, LSN_BUSY);
	assert_string_equal(feed(&p, &r, "K"), "O");
	/* The first seven bytes are not checked, as in supervisord. */
	assert_string_equal(feed(&p, &r, "READY\n"), "R");
	lsnproto_sent(&p);
	assert_string_equal(feed(&p, &r, "xxxxxxx2\nOK"), "O");
}

static void
test_lengths(void **state)
{
	struct lsnproto p;
	struct rec r;

	(void)state;
	lsnproto_init(&p);
	(void)feed(&p, &r, "READY\n");
	lsnproto_sent(&p);
	/* Longer than sent: waits for the rest, then it is not "OK". */
	assert_string_equal(feed(&p, &r, "RESULT 3\nOK"), "");
	assert_string_equal(feed(&p, &r, "!"), "J");
	/* Shorter: "O" is the result, the "K" is read as what follows
	 * (too short to decide, then not READY). */
	(void)feed(&p, &r, "READY\n");
	lsnproto_sent(&p);
	assert_string_equal(feed(&p, &r, "RESULT 1\nOK"), "J");
	assert_int_equal(p.state, LSN_ACKNOWLEDGED);
	assert_string_equal(feed(&p, &r, "READY\n"), "G");
	/* RESULT 0 alone decides only once more output comes. */
	lsnproto_init(&p);
	(void)feed(&p, &r, "READY\n");
	lsnproto_sent(&p);
	assert_string_equal(feed(&p, &r, "RESULT 0\n"), "");
	assert_int_equal(p.state, LSN_BUSY);
	assert_string_equal(feed(&p, &r, "READY\n"), "JR");
	/* Python's int(): blanks, a sign, underscores. */
	lsnproto_sent(&p);
	assert_string_equal(feed(&p, &r, "RESULT +1_0\r\n0123456789"), "J");
	assert_int_equal(p.state, LSN_ACKNOWLEDGED);
	/* A long result is counted, not kept. */
	(void)feed(&p, &r, "READY\n");
	lsnproto_sent(&p);
	assert_string_equal(feed(&p, &r, "RESULT 1000\n"), "");
	for (int i = 0; i < 99; i++)
		assert_string_equal(feed(&p, &r, "0123456789"), "");
	assert_string_equal(feed(&p, &r, "0123456789"), "J");
}

static void
test_bad_result_lines(void **state)
{
	static const char *const bad[] = {
	    "RESULT x\n", "OK\n", "RESULT \n", "RESULT -1\n", "RESULT 1__0\n",
	    "RESULT 1_\n", "RESULT 2 2\n"};
	struct lsnproto p;
	struct rec r;
	char big[LSNPROTO_LINE_MAX + 8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		lsnproto_init(&p);
		(void)feed(&p, &r, "READY\n");
		lsnproto_sent(&p);
		assert_string_equal(feed(&p, &r, bad[i]), "B");
		assert_int_equal(strlen(r.text), strlen(bad[i]) - 1);
		assert_int_equal(p.state, LSN_UNKNOWN);
	}
	/* A line that never ends is bad once the buffer is full. */
	lsnproto_init(&p);
	(void)feed(&p, &r, "READY\n");
	lsnproto_sent(&p);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_string_equal(feed(&p, &r, big), "B");
	assert_int_equal(strlen(r.text), LSNPROTO_LINE_MAX);
	/* Output while READY. */
	lsnproto_init(&p);
	(void)feed(&p, &r, "READY\n");
	assert_string_equal(feed(&p, &r, "x"), "S");
	assert_string_equal(r.text, "x");
}

static void
test_header(void **state)
{
	char buf[256];
	int n;

	(void)state;
	n = lsnproto_header(buf, sizeof(buf), "supervisor", 0, "listener", 0,
	    "PROCESS_STATE_STARTING", 59);
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf,
	    "ver:3.0 server:supervisor serial:0 pool:listener poolserial:0 "
	    "eventname:PROCESS_STATE_STARTING len:59\n");
	assert_int_equal(lsnproto_header(buf, 8, "s", 12345678901ULL, "p", 7,
	                     "TICK_5", 10),
	    (int)strlen("ver:3.0 server:s serial:12345678901 pool:p "
	                "poolserial:7 eventname:TICK_5 len:10\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ready),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_results),
	    cmocka_unit_test(test_lengths),
	    cmocka_unit_test(test_bad_result_lines),
	    cmocka_unit_test(test_header),
	};

	return cmocka_run_group_tests_name("lsnproto", tests, NULL, NULL);
}

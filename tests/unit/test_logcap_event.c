/*
 * test_logcap_event.c: supervisord's log events and capture mode
 * (logcap_event.c) on a scripted series of reads, against what
 * supervisord 4.2's own POutputDispatcher.record_output() does with the
 * same chunks (stdout_capture_maxbytes=16, stdout_events_enabled=true;
 * printed with its test doubles and a real BoundIO capture log).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "evbus.h"
#include "logcap_impl.h"

static char events[2048], logged[2048];

static void
rec_cb(void *ctx, struct evbus_event *ev)
{
	size_t n = strlen(events);

	(void)ctx;
	(void)snprintf(events + n, sizeof(events) - n, "[%s|%s]",
	    evbus_name(ev->type), ev->payload);
}

static void
out_cb(void *arg, const char *buf, size_t n)
{
	size_t l = strlen(logged);

	(void)arg;
	(void)snprintf(logged + l, sizeof(logged) - l, "<%.*s>", (int)n, buf);
}

static struct conf_proc conf;
static struct proc proc;

static void
feed(struct logcap_capture **c, const char *s)
{
	events[0] = logged[0] = '\0';
	logcap_event_chunk(c, &proc, 7, 1, s, strlen(s), out_cb, NULL);
}

static void
test_capture(void **state)
{
	struct logcap_capture *c = NULL;

	(void)state;
	evbus_close();
	conf.name = "cat";
	conf.group = "grp";
	conf.out.capture_maxbytes = 16;
	conf.out.events_enabled = true;
	proc.conf = &conf;
	proc.fullname = "grp:cat";
	assert_true(evbus_subscribe(evbus_mask_parse("PROCESS_LOG,"
	                                             "PROCESS_COMMUNICATION",
	                                NULL, 0),
	                rec_cb, NULL) > 0);
	/* No longer than the token: held back. */
	feed(&c, "abc");
	assert_string_equal(events, "");
	assert_string_equal(logged, "");
	feed(&c, "hello <!--XSUPER");
	assert_string_equal(events, "");
	feed(&c, "VISOR:BEGIN-->0123456789");
	assert_string_equal(events, "[PROCESS_LOG_STDOUT|processname:cat "
	                            "groupname:grp pid:7 channel:stdout\n"
	                            "abchello ]");
	assert_string_equal(logged, "<abchello >");
	/* Captured output goes to no log, but still makes log events. */
	feed(&c, "ABCDEFGHIJ<!--XSUPERVISOR:END-->tail");
	assert_string_equal(events,
	    "[PROCESS_LOG_STDOUT|processname:cat groupname:grp pid:7 "
	    "channel:stdout\n0123456789ABCDEFGHIJ]"
	    "[PROCESS_COMMUNICATION_STDOUT|processname:cat groupname:grp "
	    "pid:7\n0123456789ABCDEFGHIJ]");
	assert_string_equal(logged, "");
	feed(&c, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	assert_string_equal(events,
	    "[PROCESS_LOG_STDOUT|processname:cat groupname:grp pid:7 "
	    "channel:stdout\ntailxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx]");
	assert_string_equal(logged, "<tailxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx>");
	feed(&c, "<!--XSUPERVISOR:BEGIN-->0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	         "<!--XSUPERVISOR:END-->");
	assert_string_equal(events,
	    "[PROCESS_LOG_STDOUT|processname:cat groupname:grp pid:7 "
	    "channel:stdout\n0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ]"
	    "[PROCESS_COMMUNICATION_STDOUT|processname:cat groupname:grp "
	    "pid:7\n0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ]");
	/* BoundIO: over maxbytes, as many bytes as written leave the front
	 * (so the second write replaces the first). */
	feed(&c, "<!--XSUPERVISOR:BEGIN-->aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_string_equal(logged, "");
	feed(&c, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	/* The end token alone is no longer than itself: held back. */
	feed(&c, "<!--XSUPERVISOR:END-->");
	assert_string_equal(events, "");
	feed(&c, "\n");
	assert_string_equal(events,
	    "[PROCESS_COMMUNICATION_STDOUT|processname:cat groupname:grp "
	    "pid:7\nbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb]");
	assert_string_equal(logged, "");
	/* EOF: what is held back is logged (supervisord drops it). */
	feed(&c, "end");
	assert_string_equal(logged, "");
	events[0] = logged[0] = '\0';
	logcap_event_end(&c, &proc, 7, 1, out_cb, NULL);
	assert_null(c);
	assert_string_equal(logged, "<\nend>");
	evbus_close();
}

static void
test_plain(void **state)
{
	struct logcap_capture *c = NULL;

	(void)state;
	evbus_close();
	memset(&conf, 0, sizeof(conf));
	conf.name = "cat";
	conf.group = "cat";
	conf.out.events_enabled = true;
	proc.conf = &conf;
	/* Nobody listens: logged, no event. */
	feed(&c, "one\n");
	assert_string_equal(logged, "<one\n>");
	assert_string_equal(events, "");
	assert_true(evbus_subscribe(EVBUS_BIT(EVT_PROCESS_LOG_STDOUT), rec_cb,
	                NULL) > 0);
	/* One event per read, as supervisord's one per readfd(). */
	feed(&c, "two\nthree");
	assert_string_equal(logged, "<two\nthree>");
	assert_string_equal(events, "[PROCESS_LOG_STDOUT|processname:cat "
	                            "groupname:cat pid:7 channel:stdout\n"
	                            "two\nthree]");
	assert_null(c); /* no capture state without capture_maxbytes */
	conf.out.events_enabled = false;
	feed(&c, "four");
	assert_string_equal(events, "");
	evbus_close();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_capture),
	    cmocka_unit_test(test_plain),
	};

	return cmocka_run_group_tests_name("logcap_event", tests, NULL, NULL);
}

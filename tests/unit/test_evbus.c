/*
 * test_evbus.c: supervisord's events as evbus.c publishes them: names and
 * `events=` masks (supertypes), subscriptions and references, each
 * payload byte for byte, the mapping of tend's state changes to
 * supervisord's PROCESS_STATE_* sequence, and the tick timers (armed
 * only while a subscription wants a TICK).
 *
 * The expected payloads were printed by supervisord 4.2's own classes
 * (Debian's python3-supervisor): e.g.
 *   events.ProcessStateRunningEvent(proc, ProcessStates.STARTING).payload()
 * with a stand-in process (config.name, group.config.name, pid, backoff).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evbus.h"
#include "svctab.h"

#include <ev.h>

/* What the recording subscriber saw, one "EVENTNAME|payload" each. */
#define REC_MAX 16
static char rec[REC_MAX][512];
static int nrec;
static struct evbus_event *kept;

static void
rec_cb(void *ctx, struct evbus_event *ev)
{
	(void)ctx;
	assert_true(nrec < REC_MAX);
	assert_int_equal(strlen(ev->payload), ev->len);
	(void)snprintf(rec[nrec++], sizeof(rec[0]), "%s|%s",
	    evbus_name(ev->type), ev->payload);
}

static int
setup(void **state)
{
	(void)state;
	nrec = 0;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	evbus_close();
	return 0;
}

/* A process "NAME" of group "GROUP" as tendd's table holds it. */
static struct conf_proc conf;
static struct proc proc;

static struct proc *
mkproc(const char *name, const char *group, int startretries)
{
	memset(&conf, 0, sizeof(conf));
	memset(&proc, 0, sizeof(proc));
	conf.name = (char *)name;
	conf.group = (char *)group;
	conf.startretries = startretries;
	conf.exitcodes.bits[0] = 1; /* exitcodes=0 */
	proc.conf = &conf;
	return &proc;
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(
	    evbus_name(EVT_PROCESS_STATE_RUNNING), "PROCESS_STATE_RUNNING");
	assert_string_equal(evbus_name(EVT_SUPERVISOR_STATE_CHANGE_STOPPING),
	    "SUPERVISOR_STATE_CHANGE_STOPPING");
	assert_string_equal(
	    evbus_name(EVT_PROCESS_GROUP_REMOVED), "PROCESS_GROUP_REMOVED");
	assert_string_equal(evbus_name(EVT_TICK_3600), "TICK_3600");
	assert_string_equal(evbus_name(EVT__COUNT), "UNKNOWN");
}

static void
test_mask_parse(void **state)
{
	char bad[64];

	(void)state;
	assert_int_equal(evbus_mask_parse("PROCESS_STATE", bad, sizeof(bad)),
	    EVBUS_PROCESS_STATE_MASK);
	assert_int_equal(evbus_mask_parse(" TICK_60 , PROCESS_STATE_EXITED,",
	                     bad, sizeof(bad)),
	    EVBUS_BIT(EVT_TICK_60) | EVBUS_BIT(EVT_PROCESS_STATE_EXITED));
	assert_int_equal(evbus_mask_parse("EVENT", bad, sizeof(bad)),
	    (uint32_t)((1ULL << EVT__COUNT) - 1));
	assert_int_equal(
	    evbus_mask_parse("TICK", bad, sizeof(bad)), EVBUS_TICK_MASK);
	assert_int_equal(evbus_mask_parse("PROCESS_LOG", bad, sizeof(bad)),
	    EVBUS_BIT(EVT_PROCESS_LOG_STDOUT) |
	        EVBUS_BIT(EVT_PROCESS_LOG_STDERR));
	assert_int_equal(
	    evbus_mask_parse("PROCESS_COMMUNICATION,SUPERVISOR_STATE_CHANGE,"
	                     "PROCESS_GROUP",
	        bad, sizeof(bad)),
	    EVBUS_BIT(EVT_PROCESS_COMMUNICATION_STDOUT) |
	        EVBUS_BIT(EVT_PROCESS_COMMUNICATION_STDERR) |
	        EVBUS_BIT(EVT_SUPERVISOR_STATE_CHANGE_RUNNING) |
	        EVBUS_BIT(EVT_SUPERVISOR_STATE_CHANGE_STOPPING) |
	        EVBUS_BIT(EVT_PROCESS_GROUP_ADDED) |
	        EVBUS_BIT(EVT_PROCESS_GROUP_REMOVED));
	assert_int_equal(
	    evbus_mask_parse("TICK_5,PROCESS_STATEX", bad, sizeof(bad)), 0);
	assert_string_equal(bad, "PROCESS_STATEX");
	/* Names are case sensitive, as supervisord's getattr(). */
	assert_int_equal(evbus_mask_parse("tick_5", bad, sizeof(bad)), 0);
	assert_string_equal(bad, "tick_5");
}

static void
test_subscribe(void **state)
{
	int a, b;

	(void)state;
	assert_int_equal(evbus_wanted, 0);
	/* Nobody listens: nothing is built, nothing delivered. */
	evbus_remote("t", "d");
	assert_int_equal(nrec, 0);
	a = evbus_subscribe(EVBUS_BIT(EVT_REMOTE_COMMUNICATION), rec_cb, NULL);
	b = evbus_subscribe(EVBUS_BIT(EVT_PROCESS_GROUP_ADDED), rec_cb, NULL);
	assert_true(a > 0 && b > a);
	assert_true(evbus_wants(EVBUS_BIT(EVT_REMOTE_COMMUNICATION)));
	assert_false(evbus_wants(EVBUS_BIT(EVT_TICK_5)));
	evbus_remote("t", "d");
	evbus_group(EVT_PROCESS_GROUP_REMOVED, "g"); /* nobody wants it */
	assert_int_equal(nrec, 1);
	evbus_unsubscribe(a);
	assert_false(evbus_wants(EVBUS_BIT(EVT_REMOTE_COMMUNICATION)));
	evbus_remote("t", "d");
	assert_int_equal(nrec, 1);
	evbus_group(EVT_PROCESS_GROUP_ADDED, "g");
	assert_int_equal(nrec, 2);
	evbus_unsubscribe(b);
	assert_int_equal(evbus_wanted, 0);
}

static void
keep_cb(void *ctx, struct evbus_event *ev)
{
	(void)ctx;
	evbus_ref(ev);
	kept = ev;
}

static void
test_refs(void **state)
{
	(void)state;
	/* A subscriber that keeps the event holds it past the publisher. */
	assert_true(evbus_subscribe(EVBUS_BIT(EVT_REMOTE_COMMUNICATION),
	                keep_cb, NULL) > 0);
	evbus_remote("x", "y");
	assert_non_null(kept);
	assert_int_equal(kept->refs, 1);
	assert_int_equal(kept->serial, 0);
	assert_string_equal(kept->payload, "type:x\ny");
	evbus_unref(kept); /* freed: valgrind/ASan check */
	kept = NULL;
}

static void
expect(int i, const char *want)
{
	assert_true(i < nrec);
	assert_string_equal(rec[i], want);
}

static void
test_payload_simple(void **state)
{
	(void)state;
	assert_true(evbus_subscribe(
	                evbus_mask_parse("EVENT", NULL, 0), rec_cb, NULL) > 0);
	evbus_remote("mytype", "some data");
	evbus_supervisor_state(EVT_SUPERVISOR_STATE_CHANGE_RUNNING);
	evbus_supervisor_state(EVT_SUPERVISOR_STATE_CHANGE_STOPPING);
	evbus_group(EVT_PROCESS_GROUP_ADDED, "grp");
	evbus_group(EVT_PROCESS_GROUP_REMOVED, "grp");
	evbus_tick(EVT_TICK_5, 1201063880);
	evbus_tick(EVT_TICK_3600, 1201060800);
	assert_int_equal(nrec, 7);
	expect(0, "REMOTE_COMMUNICATION|type:mytype\nsome data");
	expect(1, "SUPERVISOR_STATE_CHANGE_RUNNING|");
	expect(2, "SUPERVISOR_STATE_CHANGE_STOPPING|");
	expect(3, "PROCESS_GROUP_ADDED|groupname:grp\n");
	expect(4, "PROCESS_GROUP_REMOVED|groupname:grp\n");
	expect(5, "TICK_5|when:1201063880");
	expect(6, "TICK_3600|when:1201060800");
}

static void
test_payload_output(void **state)
{
	struct proc *p = mkproc("cat", "cat", 3);

	(void)state;
	assert_true(
	    evbus_subscribe(
	        evbus_mask_parse("PROCESS_LOG,PROCESS_COMMUNICATION", NULL, 0),
	        rec_cb, NULL) > 0);
	evbus_proc_log(p, 2766, 1, "hello\n", 6);
	evbus_proc_log(p, 2766, 2, "", 0); /* _log(): nothing for no data */
	evbus_proc_log(p, 2766, 2, "\xff'ab\t\"\\\x01\x7f", 9);
	evbus_proc_log(p, 2766, 2,
	    "\xff"
	    "ab\t\\\x01\x7f",
	    7);
	evbus_proc_log(p, 2766, 1, "\xed\xa0\x80", 3); /* a surrogate */
	evbus_proc_log(p, 2766, 1, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9);
	evbus_proc_comm(p, 2766, 1, "<x>data</x>", 11);
	evbus_proc_comm(p, 2766, 2, "", 0);
	assert_int_equal(nrec, 7);
	expect(0, "PROCESS_LOG_STDOUT|processname:cat groupname:cat pid:2766 "
	          "channel:stdout\nhello\n");
	expect(1, "PROCESS_LOG_STDERR|processname:cat groupname:cat pid:2766 "
	          "channel:stderr\nUndecodable: "
	          "b'\\xff\\'ab\\t\"\\\\\\x01\\x7f'");
	expect(2, "PROCESS_LOG_STDERR|processname:cat groupname:cat pid:2766 "
	          "channel:stderr\nUndecodable: b'\\xffab\\t\\\\\\x01\\x7f'");
	expect(3, "PROCESS_LOG_STDOUT|processname:cat groupname:cat pid:2766 "
	          "channel:stdout\nUndecodable: b'\\xed\\xa0\\x80'");
	expect(4, "PROCESS_LOG_STDOUT|processname:cat groupname:cat pid:2766 "
	          "channel:stdout\n\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	expect(5, "PROCESS_COMMUNICATION_STDOUT|processname:cat groupname:cat "
	          "pid:2766\n<x>data</x>");
	expect(6, "PROCESS_COMMUNICATION_STDERR|processname:cat groupname:cat "
	          "pid:2766\n");
}

/* Move P to TO and publish, as fsm's changed hook would. */
static void
move(struct proc *p, enum proc_state to)
{
	enum proc_state from = p->state;

	p->state = to;
	evbus_proc_changed(p, from);
}

static void
test_state_run_exit_stop(void **state)
{
	struct proc *p = mkproc("web_01", "pool", 3);

	(void)state;
	assert_true(
	    evbus_subscribe(EVBUS_PROCESS_STATE_MASK, rec_cb, NULL) > 0);
	p->pid = 2766;
	move(p, PROC_STARTING);
	move(p, PROC_RUNNING);
	/* An exit: reap.c has cleared p->pid; the exit keeps it. */
	p->pid = 0;
	p->lastexit.valid = true;
	p->lastexit.pid = 2766;
	p->lastexit.code = 3;
	move(p, PROC_EXITED);
	p->lastexit.code = 0;
	p->state = PROC_RUNNING;
	move(p, PROC_EXITED);
	/* Killed by a signal: es is -1, never expected. */
	p->lastexit.signal = 9;
	p->state = PROC_RUNNING;
	move(p, PROC_EXITED);
	p->pid = 2800;
	p->state = PROC_RUNNING;
	move(p, PROC_STOPPING);
	p->pid = 0;
	p->lastexit.pid = 2800;
	move(p, PROC_STOPPED);
	assert_int_equal(nrec, 7);
	expect(0, "PROCESS_STATE_STARTING|processname:web_01 groupname:pool "
	          "from_state:STOPPED tries:0");
	expect(1, "PROCESS_STATE_RUNNING|processname:web_01 groupname:pool "
	          "from_state:STARTING pid:2766");
	expect(2, "PROCESS_STATE_EXITED|processname:web_01 groupname:pool "
	          "from_state:RUNNING expected:0 pid:2766");
	expect(3, "PROCESS_STATE_EXITED|processname:web_01 groupname:pool "
	          "from_state:RUNNING expected:1 pid:2766");
	expect(4, "PROCESS_STATE_EXITED|processname:web_01 groupname:pool "
	          "from_state:RUNNING expected:0 pid:2766");
	expect(5, "PROCESS_STATE_STOPPING|processname:web_01 groupname:pool "
	          "from_state:RUNNING pid:2800");
	expect(6, "PROCESS_STATE_STOPPED|processname:web_01 groupname:pool "
	          "from_state:STOPPING pid:2800");
}

static void
test_state_backoff_fatal(void **state)
{
	struct proc *p = mkproc("cat", "cat", 1);

	(void)state;
	assert_true(
	    evbus_subscribe(EVBUS_PROCESS_STATE_MASK, rec_cb, NULL) > 0);
	move(p, PROC_STARTING);
	p->backoff = 1;
	move(p, PROC_BACKOFF);
	move(p, PROC_STARTING);
	/* The last failed start: tend goes straight to FATAL (backoff
	 * reset); supervisord passes BACKOFF tries:2 first. */
	p->backoff = 0;
	move(p, PROC_FATAL);
	/* BACKOFF stopped by a stop request: pid 0 (process.py kill()). */
	p->state = PROC_BACKOFF;
	p->lastexit.valid = true;
	p->lastexit.pid = 99;
	move(p, PROC_STOPPED);
	assert_int_equal(nrec, 6);
	expect(0, "PROCESS_STATE_STARTING|processname:cat groupname:cat "
	          "from_state:STOPPED tries:0");
	expect(1, "PROCESS_STATE_BACKOFF|processname:cat groupname:cat "
	          "from_state:STARTING tries:1");
	expect(2, "PROCESS_STATE_STARTING|processname:cat groupname:cat "
	          "from_state:BACKOFF tries:1");
	expect(3, "PROCESS_STATE_BACKOFF|processname:cat groupname:cat "
	          "from_state:STARTING tries:2");
	expect(4, "PROCESS_STATE_FATAL|processname:cat groupname:cat "
	          "from_state:BACKOFF");
	expect(5, "PROCESS_STATE_STOPPED|processname:cat groupname:cat "
	          "from_state:BACKOFF pid:0");
}

static void
test_state_spawn_failed(void **state)
{
	struct proc *p = mkproc("cat", "cat", 0);

	(void)state;
	assert_true(
	    evbus_subscribe(EVBUS_PROCESS_STATE_MASK, rec_cb, NULL) > 0);
	/* A spawn that fails at once: tend STOPPED -> BACKOFF; supervisord
	 * enters STARTING first. */
	p->backoff = 1;
	conf.startretries = 3;
	move(p, PROC_BACKOFF);
	/* startretries=0 and an exec failure: STARTING -> FATAL. */
	conf.startretries = 0;
	p->state = PROC_EXITED;
	p->backoff = 0;
	move(p, PROC_FATAL);
	assert_int_equal(nrec, 5);
	expect(0, "PROCESS_STATE_STARTING|processname:cat groupname:cat "
	          "from_state:STOPPED tries:0");
	expect(1, "PROCESS_STATE_BACKOFF|processname:cat groupname:cat "
	          "from_state:STARTING tries:1");
	expect(2, "PROCESS_STATE_STARTING|processname:cat groupname:cat "
	          "from_state:EXITED tries:0");
	expect(3, "PROCESS_STATE_BACKOFF|processname:cat groupname:cat "
	          "from_state:STARTING tries:1");
	expect(4, "PROCESS_STATE_FATAL|processname:cat groupname:cat "
	          "from_state:BACKOFF");
}

static void
test_state_filtered(void **state)
{
	struct proc *p = mkproc("cat", "cat", 0);

	(void)state;
	/* Only EXITED wanted (crashmail's events=PROCESS_STATE_EXITED). */
	assert_true(evbus_subscribe(
	                EVBUS_BIT(EVT_PROCESS_STATE_EXITED), rec_cb, NULL) > 0);
	p->pid = 5;
	move(p, PROC_STARTING);
	move(p, PROC_RUNNING);
	p->lastexit.valid = true;
	p->lastexit.pid = 5;
	move(p, PROC_EXITED);
	assert_int_equal(nrec, 1);
	expect(0, "PROCESS_STATE_EXITED|processname:cat groupname:cat "
	          "from_state:RUNNING expected:1 pid:5");
}

static void
test_startup_groups(void **state)
{
	struct conf_proc c[4];
	struct proc p[4], *v[4];
	struct conf_group grp = {.name = "g", .priority = 1};
	struct conf_group *groups[1] = {&grp};
	struct tend_conf tc;
	const char *names[4] = {"b", "g1", "a", "g2"};
	int i;

	(void)state;
	memset(&tc, 0, sizeof(tc));
	tc.groups = groups;
	tc.ngroups = 1;
	for (i = 0; i < 4; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		memset(&p[i], 0, sizeof(p[i]));
		c[i].name = (char *)names[i];
		c[i].group = names[i][0] == 'g' ? "g" : (char *)names[i];
		c[i].priority = 999;
		p[i].conf = &c[i];
		v[i] = &p[i];
	}
	assert_true(evbus_subscribe(evbus_mask_parse("PROCESS_GROUP,"
	                                             "SUPERVISOR_STATE_CHANGE",
	                                NULL, 0),
	                rec_cb, NULL) > 0);
	/* supervisord: groups by priority, then name; each once. */
	evbus_startup(&tc, v, 4);
	assert_int_equal(nrec, 4);
	expect(0, "PROCESS_GROUP_ADDED|groupname:g\n");
	expect(1, "PROCESS_GROUP_ADDED|groupname:a\n");
	expect(2, "PROCESS_GROUP_ADDED|groupname:b\n");
	expect(3, "SUPERVISOR_STATE_CHANGE_RUNNING|");
	/* A group is removed with its last process. */
	assert_true(evbus_group_has(v, 4, "g", &p[1]));
	assert_false(evbus_group_has(v, 4, "a", &p[2]));
}

static void
test_timeslice(void **state)
{
	(void)state;
	/* supervisord.timeslice(period, 1201063883.7) */
	assert_int_equal(evbus_timeslice(5, 1201063883.7), 1201063880);
	assert_int_equal(evbus_timeslice(60, 1201063883.7), 1201063860);
	assert_int_equal(evbus_timeslice(3600, 1201063883.7), 1201060800);
	assert_int_equal(evbus_timeslice(5, 1201063880.0), 1201063880);
	assert_int_equal(evbus_timeslice(5, -1.0), -5);
}

static void
test_tick_timers(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	int a, b;

	(void)state;
	assert_non_null(loop);
	evbus_init(loop);
	/* No TICK wanted: no timer at all. */
	a = evbus_subscribe(EVBUS_PROCESS_STATE_MASK, rec_cb, NULL);
	assert_false(evbus_tick_armed(EVT_TICK_5));
	assert_false(evbus_tick_armed(EVT_TICK_60));
	assert_false(evbus_tick_armed(EVT_TICK_3600));
	b = evbus_subscribe(EVBUS_BIT(EVT_TICK_60), rec_cb, NULL);
	assert_false(evbus_tick_armed(EVT_TICK_5));
	assert_true(evbus_tick_armed(EVT_TICK_60));
	assert_false(evbus_tick_armed(EVT_TICK_3600));
	evbus_unsubscribe(b);
	assert_false(evbus_tick_armed(EVT_TICK_60));
	b = evbus_subscribe(EVBUS_TICK_MASK, rec_cb, NULL);
	assert_true(evbus_tick_armed(EVT_TICK_5));
	assert_true(evbus_tick_armed(EVT_TICK_3600));
	evbus_unsubscribe(a);
	evbus_unsubscribe(b);
	assert_false(evbus_tick_armed(EVT_TICK_5));
	assert_int_equal(evbus_wanted, 0);
	evbus_close();
	ev_loop_destroy(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_mask_parse),
	    cmocka_unit_test_setup_teardown(test_subscribe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refs, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_payload_simple, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_payload_output, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state_run_exit_stop, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state_backoff_fatal, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state_spawn_failed, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state_filtered, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_startup_groups, setup, teardown),
	    cmocka_unit_test(test_timeslice),
	    cmocka_unit_test_setup_teardown(test_tick_timers, setup, teardown),
	};

	return cmocka_run_group_tests_name("evbus", tests, NULL, NULL);
}

/*
 * test_listener.c: listener.c's pools against supervisord 4.2's
 * EventListenerPool and PEventListenerDispatcher (process.py,
 * dispatchers.py): nothing is sent before READY, nor to a listener that
 * is not RUNNING; an event goes to the first READY listener in process
 * order with supervisord's envelope (serials from 0, len in characters);
 * OK settles it, FAIL and a death while BUSY put it back at the head
 * with its serials; a full buffer discards its oldest; garbage makes a
 * listener UNKNOWN.  feed.c's writes and the events history are stubs
 * here: what was written to each listener's stdin is recorded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evbus.h"
#include "feed.h"
#include "events.h"
#include "listener.h"
#include "lsnproto.h"

/* --- stubs ------------------------------------------------------------ */

#define NP 3
static struct conf_proc confs[NP];
static struct proc procs[NP];
static struct proc *tabv[NP];
static struct tend_conf tconf;
static struct svctab tab;
static char written[NP][4096]; /* each listener's stdin */
static bool broken[NP];	       /* its pipe is gone (EPIPE) */
static int noted;	       /* events_record_pool() calls */

int
feed_write(struct proc *p, const void *buf, size_t len)
{
	size_t i = (size_t)(p - procs), have = strlen(written[i]);

	if (broken[i]) {
		errno = EPIPE;
		return -1;
	}
	assert_true(have + len < sizeof(written[i]));
	memcpy(written[i] + have, buf, len);
	written[i][have + len] = '\0';
	return 0;
}

void
events_record_pool(const struct proc *p, uint64_t buffered, uint64_t dropped,
    uint64_t max)
{
	(void)p;
	(void)buffered;
	(void)dropped;
	(void)max;
	noted++;
}

/* --- a pool "pool" of NP listeners, RUNNING, not READY yet ------------ */

static char names[NP][16], fullnames[NP][24];

static int
setup(void **state)
{
	size_t i;

	(void)state;
	memset(confs, 0, sizeof(confs));
	memset(procs, 0, sizeof(procs));
	memset(written, 0, sizeof(written));
	memset(broken, 0, sizeof(broken));
	noted = 0;
	memset(&tconf, 0, sizeof(tconf));
	tconf.global.identifier = (char *)"supervisor";
	evbus_init(NULL);
	for (i = 0; i < NP; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "pool_%zu", i);
		(void)snprintf(fullnames[i], sizeof(fullnames[i]), "pool:pool_%zu",
		    i);
		confs[i].name = names[i];
		confs[i].group = (char *)"pool";
		/* Table order is not process order: the pool sorts. */
		confs[i].process_num = (int)(NP - 1 - i);
		confs[i].events = EVBUS_BIT(EVT_REMOTE_COMMUNICATION);
		confs[i].buffer_size = 3;
		procs[i].conf = &confs[i];
		procs[i].fullname = fullnames[i];
		procs[i].state = PROC_RUNNING;
		procs[i].pid = (pid_t)(100 + i);
		tabv[i] = &procs[i];
	}
	tab.procs = tabv;
	tab.nprocs = NP;
	tab.conf = &tconf;
	listener_init(&tab);
	listener_sync();
	for (i = 0; i < NP; i++)
		listener_spawned(&procs[i]);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	listener_close();
	evbus_close();
	return 0;
}

static void
say(size_t i, const char *s)
{
	listener_output(&procs[i], procs[i].pid, s, strlen(s));
}

static void
publish(const char *data)
{
	evbus_remote("t", data);
}

static struct listener_pool_info info;

static void
info_cb(void *arg, const struct listener_pool_info *in)
{
	(void)arg;
	info = *in;
}

static const struct listener_pool_info *
pool(void)
{
	memset(&info, 0, sizeof(info));
	listener_pools(info_cb, NULL);
	return &info;
}

#define ENV(serial, pserial, data)                                            \
	"ver:3.0 server:supervisor serial:" #serial " pool:pool poolserial:"  \
	#pserial " eventname:REMOTE_COMMUNICATION len:"

/* --- tests ------------------------------------------------------------ */

/* Buffered until READY; then the first READY listener in process_num
 * order (procs[2] is process 0) takes the oldest. */
static void
test_ready_then_first_in_order(void **state)
{
	(void)state;
	publish("a");
	publish("b");
	assert_int_equal(pool()->buffered, 2);
	assert_string_equal(written[2], "");
	say(0, "READY\n");
	assert_string_equal(written[0],
	    ENV(0, 0, "a") "8\ntype:t\na");
	assert_int_equal(listener_state(&procs[0]), LSN_BUSY);
	say(1, "REA");
	assert_string_equal(written[1], "");
	say(1, "DY\n");
	assert_string_equal(written[1], ENV(1, 1, "b") "8\ntype:t\nb");
	/* Both READY again, a new event: process 0 first. */
	say(2, "READY\n");
	say(0, "RESULT 2\nOKREADY\n");
	publish("c");
	assert_string_equal(written[2], ENV(2, 2, "c") "8\ntype:t\nc");
	assert_int_equal(pool()->accepted, 3);
	assert_int_equal(pool()->busy, 2);
	assert_int_equal(pool()->ready, 1);
}

/* FAIL puts the event back at the head, serials kept: the next READY
 * listener gets it before newer ones. */
static void
test_fail_rebuffers_at_head(void **state)
{
	(void)state;
	say(2, "READY\n");
	publish("a");
	publish("b");
	say(2, "RESULT 4\nFAIL");
	assert_int_equal(pool()->rejected, 1);
	assert_int_equal(pool()->buffered, 2);
	say(1, "READY\n");
	assert_string_equal(written[1], ENV(0, 0, "a") "8\ntype:t\na");
	/* A bad result line: UNKNOWN, and the event back too. */
	say(1, "RESULT x\n");
	assert_int_equal(listener_state(&procs[1]), LSN_UNKNOWN);
	say(0, "READY\n");
	assert_string_equal(written[0], ENV(0, 0, "a") "8\ntype:t\na");
	assert_int_equal(pool()->rejected, 2);
}

/* A listener that ends while BUSY: its event goes back and the next
 * READY one takes it; the dead one's late output is ignored. */
static void
test_death_rebuffers(void **state)
{
	(void)state;
	say(2, "READY\n");
	publish("a");
	publish("b");
	listener_exited(&procs[2]);
	procs[2].state = PROC_EXITED;
	say(2, "RESULT 2\nOK");
	assert_int_equal(pool()->buffered, 2);
	/* Not RUNNING yet (startsecs): READY is not enough. */
	procs[0].state = PROC_STARTING;
	say(0, "READY\n");
	assert_string_equal(written[0], "");
	procs[0].state = PROC_RUNNING;
	listener_proc_changed(&procs[0]);
	assert_string_equal(written[0], ENV(0, 0, "a") "8\ntype:t\na");
	/* Started again: ACKNOWLEDGED, and it gets the next. */
	procs[2].state = PROC_RUNNING;
	procs[2].pid = 200;
	listener_spawned(&procs[2]);
	assert_int_equal(listener_state(&procs[2]), LSN_ACKNOWLEDGED);
	memset(written[2], 0, sizeof(written[2]));
	say(2, "READY\n");
	assert_string_equal(written[2], ENV(1, 1, "b") "8\ntype:t\nb");
}

/* buffer_size=3: the oldest go; the count is kept and told once. */
static void
test_overflow_drops_oldest(void **state)
{
	(void)state;
	publish("a");
	publish("b");
	publish("c");
	publish("d");
	publish("e");
	assert_int_equal(pool()->buffered, 3);
	assert_int_equal(pool()->dropped, 2);
	assert_int_equal(noted, 1);
	say(1, "READY\n");
	assert_string_equal(written[1], ENV(2, 2, "c") "8\ntype:t\nc");
}

/* Garbage before READY: UNKNOWN, never sent anything; an EPIPE leaves
 * the state alone and the next listener is tried. */
static void
test_garbage_and_epipe(void **state)
{
	(void)state;
	say(2, "HELLO!\n");
	assert_int_equal(listener_state(&procs[2]), LSN_UNKNOWN);
	broken[1] = true;
	say(1, "READY\n");
	say(0, "READY\n");
	publish("a");
	assert_string_equal(written[2], "");
	assert_string_equal(written[1], "");
	assert_string_equal(written[0], ENV(0, 0, "a") "8\ntype:t\na");
	assert_int_equal(listener_state(&procs[1]), LSN_READY);
}

/* len: is Python's len() of the payload, characters. */
static void
test_len_in_characters(void **state)
{
	(void)state;
	say(2, "READY\n");
	publish("\xc3\xa9t\xc3\xa9");
	assert_string_equal(written[2],
	    ENV(0, 0, "") "10\ntype:t\n\xc3\xa9t\xc3\xa9");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_ready_then_first_in_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_fail_rebuffers_at_head, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_death_rebuffers, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_overflow_drops_oldest, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_garbage_and_epipe, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_len_in_characters, setup, teardown),
	};

	return cmocka_run_group_tests_name("listener", tests, NULL, NULL);
}

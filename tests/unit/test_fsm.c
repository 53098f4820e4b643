/*
 * test_fsm.c: fsm.c on a fake clock with fake spawn/kill/timers.
 *
 * Every fake op appends a word to one trace (F.log), so each test asserts
 * the exact sequence of effects of one event:
 *   "spawn" / "spawn!" (a spawn that failed), "kill(TERM)" or
 *   "kill(TERM,group)", "timer(1.5)", "cancel", and "FROM>TO" for each
 *   call of the changed hook.  Effects on another proc than P (the
 *   dependency tests' "db") carry its name: "db:spawn", "db:STOPPED>...".
 * take() returns the trace so far and clears it.  Nothing sleeps and no
 * process is created: the test plays the runtime (it reaps by setting
 * pid to 0 and calling fsm_on_exit, and fires timers by hand).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fsm.h"

/* Nov 23 2023 03:46:10 UTC, the wall clock at the start of every test. */
#define T0_WALL 1700711170.0
#define T0_MONO 1000.0

static struct fake {
	double now;     /* monotonic */
	double wall;    /* realtime */
	int spawn_fail; /* how many coming spawns fail */
	int nspawn;
	pid_t next_pid;
	int kill_ret;   /* what kill returns ... */
	int kill_errno; /* ... and its errno when -1 */
	int nkill;
	bool timer_armed;
	double timer_secs;
	char log[1024];
	int leftovers;  /* what the leftovers op counts */
} F;

static struct conf_proc C;
static struct proc P;
static char taken[1024];

/* A second process for the depends_on tests: P (app) depends on D (db). */
static struct conf_proc CD;
static struct proc D;

/* "" for P, "db:" for another proc. */
static const char *
who(const struct proc *p)
{
	static char buf[64];

	if (p == &P)
		return "";
	(void)snprintf(buf, sizeof(buf), "%s:", p->fullname);
	return buf;
}

static void TEND_PRINTF(1, 2) trace(const char *fmt, ...)
{
	size_t used = strlen(F.log);
	va_list ap;

	if (used != 0 && used + 1 < sizeof(F.log))
		F.log[used++] = ' ';
	va_start(ap, fmt);
	(void)vsnprintf(F.log + used, sizeof(F.log) - used, fmt, ap);
	va_end(ap);
}

/* The trace since the last take(), cleared. */
static const char *
take(void)
{
	(void)snprintf(taken, sizeof(taken), "%s", F.log);
	F.log[0] = '\0';
	return taken;
}

static int
fake_spawn(struct proc *p, char *err, size_t errlen)
{
	F.nspawn++;
	if (F.spawn_fail > 0) {
		F.spawn_fail--;
		trace("%sspawn!", who(p));
		(void)snprintf(err, errlen, "%s",
		    "fork: Resource temporarily unavailable");
		return -1;
	}
	trace("%sspawn", who(p));
	p->pid = F.next_pid++;
	return 0;
}

static int
fake_kill(struct proc *p, int sig, bool group)
{
	const char *name = sig == SIGKILL   ? "KILL"
	                   : sig == SIGTERM ? "TERM"
	                   : sig == SIGHUP  ? "HUP"
	                   : sig == SIGINT  ? "INT"
	                   : sig == SIGABRT ? "ABRT"
	                                    : "?";

	F.nkill++;
	trace("%skill(%s%s)", who(p), name, group ? ",group" : "");
	if (F.kill_ret == -1)
		errno = F.kill_errno;
	return F.kill_ret;
}

static void
fake_timer_set(struct proc *p, double seconds)
{
	if (p != &P) {
		trace("%stimer(%g)", who(p), seconds);
		return;
	}
	F.timer_armed = true;
	F.timer_secs = seconds;
	trace("timer(%g)", seconds);
}

static void
fake_timer_cancel(struct proc *p)
{
	if (p != &P) {
		trace("%scancel", who(p));
		return;
	}
	F.timer_armed = false;
	trace("cancel");
}

static double
fake_now(void)
{
	return F.now;
}

static double
fake_wallclock(void)
{
	return F.wall;
}

static void
fake_changed(struct proc *p, enum proc_state from)
{
	/* The hook only runs for real changes. */
	assert_int_not_equal(from, p->state);
	trace("%s%s>%s", who(p), fsm_state_name(from),
	    fsm_state_name(p->state));
}

/* Leftovers: the count is F.leftovers (not traced: every exit asks). */
static int
fake_leftovers(struct proc *p)
{
	p->leftovers = F.leftovers;
	p->leftover_pid = F.leftovers > 0 ? 99 : 0;
	return F.leftovers;
}

static int
fake_kill_leftovers(struct proc *p, int sig)
{
	trace("%skillall(%s)", who(p),
	    sig == SIGKILL ? "KILL" : sig == SIGTERM ? "TERM" : "?");
	return 0;
}

static void
fake_stuck(struct proc *p)
{
	trace("%sstuck", who(p));
	p->stuck_pid = 77;
	p->stuck_state = 'D';
}

static const struct fsm_ops fake_ops = {
    .spawn = fake_spawn,
    .kill = fake_kill,
    .timer_set = fake_timer_set,
    .timer_cancel = fake_timer_cancel,
    .now = fake_now,
    .wallclock = fake_wallclock,
    .changed = fake_changed,
    .leftovers = fake_leftovers,
    .kill_leftovers = fake_kill_leftovers,
    .stuck = fake_stuck,
};

/* supervisord's [program:x] defaults. */
static void
conf_defaults(struct conf_proc *c)
{
	static char name[] = "web";
	static char command[] = "/usr/bin/web";

	memset(c, 0, sizeof(*c));
	c->name = name;
	c->program = name;
	c->group = name;
	c->numprocs = 1;
	c->command = command;
	c->umask = -1;
	c->priority = 999;
	c->autostart = true;
	c->autorestart = CONF_AUTORESTART_UNEXPECTED;
	c->startsecs = 1;
	c->startretries = 3;
	c->exitcodes.bits[0] = 1; /* exitcodes=0 */
	c->stopsignal = SIGTERM;
	c->stopwaitsecs = 10;
	c->readiness = CONF_READINESS_NONE;
	c->pdeathsig = SIGKILL;
	c->restart_delay = 0;
	c->restart_backoff_max = 0;
	c->restart_backoff_reset = 60;
}

static void
set_exitcode(int code)
{
	C.exitcodes.bits[code / 64] |= 1ULL << (code % 64);
}

/* The notes are heap strings now (svctab_note_set). */
static void
clear_notes(struct proc *p)
{
	svctab_note_clear(&p->spawnerr);
	svctab_note_clear(&p->status_text);
	svctab_note_clear(&p->stopnote);
}

static int
setup(void **state)
{
	static char fullname[] = "web";

	memset(&F, 0, sizeof(F));
	F.now = T0_MONO;
	F.wall = T0_WALL;
	F.next_pid = 1234;
	conf_defaults(&C);
	clear_notes(&P); /* tests call setup() again midway */
	memset(&P, 0, sizeof(P));
	P.conf = &C;
	P.fullname = fullname;
	P.state = PROC_STOPPED;
	P.pidfd = -1;
	P.execfd = -1;
	clear_notes(&D);
	memset(&D, 0, sizeof(D));
	fsm_init(&fake_ops);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	clear_notes(&P);
	clear_notes(&D);
	return 0;
}

/* Let SECONDS pass on both clocks. */
static void
advance(double seconds)
{
	F.now += seconds;
	F.wall += seconds;
}

/* Let the armed timer run out and deliver it. */
static void
fire(void)
{
	/* Play the runtime: by the time a timer runs out, a child that was
	 * spawned has long exec'd (EOF on its exec pipe). */
	if (P.state == PROC_STARTING && !P.execed)
		fsm_on_exec(&P);
	assert_true(F.timer_armed);
	advance(F.timer_secs);
	F.timer_armed = false;
	fsm_on_timer(&P);
}

/* Play the runtime: reap the process with exit status CODE. */
static void
reap_code(int code)
{
	struct proc_exit ex = {.code = code};

	P.pid = 0;
	fsm_on_exit(&P, &ex, NULL);
}

static void
reap_signal(int sig, bool core)
{
	struct proc_exit ex = {.signal = sig, .core = core};

	P.pid = 0;
	fsm_on_exit(&P, &ex, NULL);
}

static void
reap_exec_error(const char *why)
{
	struct proc_exit ex = {.code = 127};

	P.pid = 0;
	fsm_on_exit(&P, &ex, why);
}

static void
start_ok(void)
{
	char err[128] = "";

	assert_int_equal(fsm_start(&P, err, sizeof(err)), FSM_OK);
	assert_string_equal(err, "");
}

/* Helpers that reach a state through real transitions, trace cleared. */
static void
to_starting(void)
{
	start_ok();
	assert_int_equal(P.state, PROC_STARTING);
	take();
}

static void
to_running(void)
{
	start_ok();
	fire();
	assert_int_equal(P.state, PROC_RUNNING);
	take();
}

static void
to_backoff(void)
{
	start_ok();
	advance(0.5);
	reap_code(1);
	assert_int_equal(P.state, PROC_BACKOFF);
	take();
}

static void
to_stopping(void)
{
	to_running();
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_int_equal(P.state, PROC_STOPPING);
	take();
}

static void
to_exited(void)
{
	C.autorestart = CONF_AUTORESTART_FALSE;
	to_running();
	advance(5);
	reap_code(1);
	assert_int_equal(P.state, PROC_EXITED);
	take();
}

static void
to_exited_pending(void)
{
	C.restart_delay = 2;
	to_running();
	advance(5);
	reap_code(1);
	assert_int_equal(P.state, PROC_EXITED);
	assert_true(P.restart_wall > 0);
	take();
}

static void
to_fatal(void)
{
	C.startretries = 0;
	start_ok();
	advance(0.5);
	reap_code(1);
	assert_int_equal(P.state, PROC_FATAL);
	take();
}

/* The events that must change nothing in the current state. */
static void
assert_ignored(bool exit, bool timer, bool ready)
{
	enum proc_state s = P.state;
	struct proc_exit ex = {.code = 3};

	if (exit) {
		fsm_on_exit(&P, &ex, NULL);
		assert_int_equal(P.state, s);
		assert_string_equal(take(), "");
	}
	if (timer) {
		fsm_on_timer(&P);
		assert_int_equal(P.state, s);
		assert_string_equal(take(), "");
	}
	if (ready) {
		fsm_on_ready(&P);
		assert_int_equal(P.state, s);
		assert_string_equal(take(), "");
	}
}

static void
describe(char *buf, size_t len)
{
	fsm_describe(&P, F.now, buf, len);
}

/* ---- STOPPED ---------------------------------------------------------- */

static void
test_stopped_start(void **state)
{
	start_ok();
	assert_string_equal(take(), "spawn STOPPED>STARTING timer(1)");
	assert_int_equal(P.state, PROC_STARTING);
	assert_int_equal(P.pid, 1234);
	assert_int_equal(P.spawns, 1);
	assert_true(P.laststart == T0_MONO);
	assert_true(P.start_wall == T0_WALL);
	assert_false(P.ready);
	assert_false(P.killing);
	assert_int_equal(P.backoff, 0);
}

static void
test_stopped_start_spawn_error(void **state)
{
	char err[128] = "";

	F.spawn_fail = 1;
	assert_int_equal(fsm_start(&P, err, sizeof(err)), FSM_SPAWN_ERROR);
	assert_string_equal(err, "fork: Resource temporarily unavailable");
	assert_string_equal(take(), "spawn! STOPPED>BACKOFF timer(1)");
	assert_int_equal(P.state, PROC_BACKOFF);
	assert_int_equal(P.backoff, 1);
	assert_int_equal(P.spawns, 0);
	assert_string_equal(svctab_note(P.spawnerr), "spawn error: fork: Resource temporarily unavailable");
	/* A NULL error buffer is allowed. */
	setup(NULL);
	F.spawn_fail = 1;
	assert_int_equal(fsm_start(&P, NULL, 0), FSM_SPAWN_ERROR);
	assert_int_equal(P.state, PROC_BACKOFF);
}

static void
test_stopped_other_events(void **state)
{
	assert_int_equal(fsm_stop(&P), FSM_NOT_RUNNING);
	assert_string_equal(take(), "");
	assert_ignored(true, true, true);
	assert_false(P.lastexit.valid); /* a stray exit is not recorded */
	assert_int_equal(P.state, PROC_STOPPED);
}

/* ---- STARTING --------------------------------------------------------- */

static void
test_starting_start(void **state)
{
	char err[64] = "";

	to_starting();
	assert_int_equal(fsm_start(&P, err, sizeof(err)), FSM_ALREADY_STARTED);
	assert_string_equal(take(), "");
	assert_int_equal(P.spawns, 1);
}

static void
test_starting_stop(void **state)
{
	to_starting();
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_string_equal(take(), "STARTING>STOPPING timer(10) kill(TERM)");
	assert_true(P.killing);
	assert_int_equal(P.state, PROC_STOPPING);
}

static void
test_starting_stop_asgroup(void **state)
{
	C.stopasgroup = true;
	C.killasgroup = true;
	C.stopsignal = SIGINT;
	C.stopwaitsecs = 3;
	to_starting();
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_string_equal(
	    take(), "STARTING>STOPPING timer(3) kill(INT,group)");
	fire();
	assert_string_equal(take(), "timer(3) kill(KILL,group)");
	/* Each phase reads its own key. */
	setup(NULL);
	C.killasgroup = true;
	to_starting();
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_string_equal(take(), "STARTING>STOPPING timer(10) kill(TERM)");
	fire();
	assert_string_equal(take(), "timer(3) kill(KILL,group)");
}

static void
test_starting_exit_too_quickly(void **state)
{
	to_starting();
	advance(0.5);
	reap_code(0);
	assert_string_equal(take(), "STARTING>BACKOFF timer(1)");
	assert_int_equal(P.backoff, 1);
	assert_string_equal(svctab_note(P.spawnerr), "Exited too quickly (process log may have details)");
	assert_true(P.lastexit.valid);
	assert_int_equal(P.lastexit.code, 0);
	assert_true(P.lastexit.uptime == 0.5);
	assert_true(P.lastexit.wall == T0_WALL + 0.5);
	assert_true(P.stop_wall == T0_WALL + 0.5);
	assert_int_equal(P.pid, 0);
}

/* The runtime's own uptime and wall time are kept when it gives them. */
static void
test_exit_keeps_runtime_facts(void **state)
{
	struct proc_exit ex = {.code = 1,
	    .uptime = 7.25,
	    .wall = 42.0,
	    .utime = 1.5,
	    .maxrss_kb = 900};

	to_running();
	advance(9);
	fsm_on_exit(&P, &ex, NULL);
	assert_true(P.lastexit.uptime == 7.25);
	assert_true(P.lastexit.wall == 42.0);
	assert_true(P.lastexit.utime == 1.5);
	assert_int_equal(P.lastexit.maxrss_kb, 900);
	assert_true(P.stop_wall == 42.0);
	/* A NULL exit is treated as a plain exit 0. */
	take();
	setup(NULL);
	to_running();
	fsm_on_exit(&P, NULL, NULL);
	assert_int_equal(P.state, PROC_EXITED);
	assert_int_equal(P.lastexit.code, 0);
	assert_true(P.lastexit.valid);
}

/* startsecs passed but the exit came before the timer was handled: the
 * start counts as a success (RUNNING, then EXITED). */
static void
test_starting_exit_after_startsecs(void **state)
{
	to_starting();
	advance(1);
	reap_code(0);
	assert_string_equal(take(), "cancel STARTING>RUNNING RUNNING>EXITED");
	assert_int_equal(P.backoff, 0);
	assert_string_equal(svctab_note(P.spawnerr), "");
}

static void
test_starting_exit_exec_error(void **state)
{
	to_starting();
	reap_exec_error("execve(/usr/bin/web): No such file or directory");
	assert_string_equal(take(), "STARTING>BACKOFF timer(1)");
	assert_string_equal(svctab_note(P.spawnerr),
	    "spawn error: execve(/usr/bin/web): No such file or directory");
	assert_int_equal(P.lastexit.code, 127);
}

static void
test_starting_timer(void **state)
{
	to_starting();
	fire();
	assert_string_equal(take(), "cancel STARTING>RUNNING");
	assert_int_equal(P.backoff, 0);
	assert_string_equal(svctab_note(P.spawnerr), "");
}

static void
test_starting_ready_ignored_without_notify(void **state)
{
	to_starting();
	fsm_on_ready(&P);
	assert_string_equal(take(), "");
	assert_int_equal(P.state, PROC_STARTING);
	assert_false(P.ready);
}

/* ---- RUNNING ---------------------------------------------------------- */

static void
test_running_start(void **state)
{
	to_running();
	assert_int_equal(fsm_start(&P, NULL, 0), FSM_ALREADY_STARTED);
	assert_string_equal(take(), "");
}

static void
test_running_stop(void **state)
{
	to_running();
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_string_equal(take(), "RUNNING>STOPPING timer(10) kill(TERM)");
	assert_true(P.killing);
}

static void
test_running_timer_ready_ignored(void **state)
{
	to_running();
	assert_ignored(false, true, true);
	assert_int_equal(P.state, PROC_RUNNING);
}

static void
test_running_exit_expected(void **state)
{
	to_running();
	advance(30);
	reap_code(0);
	assert_string_equal(take(), "RUNNING>EXITED");
	assert_int_equal(P.state, PROC_EXITED);
	assert_true(P.lastexit.uptime == 31);
	assert_int_equal(P.restart_wall, 0);
	assert_int_equal(F.nspawn, 1);
}

static void
test_running_exit_unexpected_restarts(void **state)
{
	to_running();
	advance(30);
	reap_code(2);
	assert_string_equal(
	    take(), "RUNNING>EXITED spawn EXITED>STARTING timer(1)");
	assert_int_equal(P.spawns, 2);
	assert_int_equal(P.backoff, 0);
}

static void
test_running_exit_in_exitcodes(void **state)
{
	set_exitcode(2);
	to_running();
	reap_code(2);
	assert_string_equal(take(), "RUNNING>EXITED");
	/* exitcodes=2: now 0 is the unexpected one. */
	setup(NULL);
	C.exitcodes.bits[0] = 0;
	set_exitcode(2);
	to_running();
	reap_code(0);
	assert_string_equal(
	    take(), "RUNNING>EXITED spawn EXITED>STARTING timer(1)");
}

/* supervisord: a death by signal is never expected (es = -1). */
static void
test_running_exit_signal_unexpected(void **state)
{
	to_running();
	reap_signal(SIGTERM, false);
	assert_string_equal(
	    take(), "RUNNING>EXITED spawn EXITED>STARTING timer(1)");
	assert_int_equal(P.lastexit.signal, SIGTERM);
}

static void
test_running_autorestart_false(void **state)
{
	C.autorestart = CONF_AUTORESTART_FALSE;
	to_running();
	reap_signal(SIGSEGV, true);
	assert_string_equal(take(), "RUNNING>EXITED");
	assert_int_equal(P.state, PROC_EXITED);
	assert_int_equal(F.nspawn, 1);
}

static void
test_running_autorestart_true(void **state)
{
	C.autorestart = CONF_AUTORESTART_TRUE;
	to_running();
	reap_code(0);
	assert_string_equal(
	    take(), "RUNNING>EXITED spawn EXITED>STARTING timer(1)");
}

static void
test_running_restart_spawn_error(void **state)
{
	C.autorestart = CONF_AUTORESTART_TRUE;
	to_running();
	F.spawn_fail = 1;
	reap_code(0);
	assert_string_equal(
	    take(), "RUNNING>EXITED spawn! EXITED>BACKOFF timer(1)");
	assert_int_equal(P.backoff, 1);
	assert_string_equal(svctab_note(P.spawnerr), "spawn error: fork: Resource temporarily unavailable");
}

/* ---- BACKOFF ---------------------------------------------------------- */

static void
test_backoff_start(void **state)
{
	to_backoff();
	assert_int_equal(fsm_start(&P, NULL, 0), FSM_ALREADY_STARTED);
	assert_string_equal(take(), "");
	assert_int_equal(P.backoff, 1);
}

static void
test_backoff_stop(void **state)
{
	to_backoff();
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_string_equal(take(), "cancel BACKOFF>STOPPED");
	assert_int_equal(P.state, PROC_STOPPED);
	assert_int_equal(F.nkill, 0);
}

static void
test_backoff_exit_ready_ignored(void **state)
{
	to_backoff();
	assert_ignored(true, false, true);
	assert_int_equal(P.backoff, 1);
}

static void
test_backoff_timer_retries(void **state)
{
	to_backoff();
	fire();
	assert_string_equal(take(), "spawn BACKOFF>STARTING timer(1)");
	/* A retry is not an administrative start: the count stays. */
	assert_int_equal(P.backoff, 1);
	assert_string_equal(svctab_note(P.spawnerr), "Exited too quickly (process log may have details)");
	assert_int_equal(P.spawns, 2);
	/* Reaching RUNNING forgets the failures. */
	fire();
	assert_string_equal(take(), "cancel STARTING>RUNNING");
	assert_int_equal(P.backoff, 0);
	assert_string_equal(svctab_note(P.spawnerr), "");
}

/* startretries=3: delays 1, 2, 3, then FATAL; 4 attempts in all. */
static void
test_backoff_counts_to_fatal(void **state)
{
	int i;

	start_ok();
	for (i = 1; i <= 3; i++) {
		advance(0.2);
		reap_code(1);
		assert_int_equal(P.state, PROC_BACKOFF);
		assert_int_equal(P.backoff, i);
		assert_true(F.timer_secs == i);
		fire();
		assert_int_equal(P.state, PROC_STARTING);
	}
	take();
	advance(0.2);
	reap_code(1);
	assert_string_equal(take(), "cancel STARTING>FATAL");
	assert_int_equal(P.state, PROC_FATAL);
	assert_int_equal(P.backoff, 0);
	assert_int_equal(F.nspawn, 4);
	assert_false(F.timer_armed);
	assert_string_equal(svctab_note(P.spawnerr), "Exited too quickly (process log may have details)");
}

static void
test_backoff_startretries_zero(void **state)
{
	C.startretries = 0;
	start_ok();
	take();
	reap_code(1);
	assert_string_equal(take(), "cancel STARTING>FATAL");
	assert_int_equal(F.nspawn, 1);
}

/* Spawn failures count the same way; BACKOFF to BACKOFF is no change. */
static void
test_backoff_spawn_failures(void **state)
{
	char err[64];

	F.spawn_fail = 100;
	assert_int_equal(fsm_start(&P, err, sizeof(err)), FSM_SPAWN_ERROR);
	assert_string_equal(take(), "spawn! STOPPED>BACKOFF timer(1)");
	fire();
	assert_string_equal(take(), "spawn! timer(2)");
	fire();
	assert_string_equal(take(), "spawn! timer(3)");
	fire();
	assert_string_equal(take(), "spawn! cancel BACKOFF>FATAL");
	assert_int_equal(F.nspawn, 4);
	assert_int_equal(P.backoff, 0);
	assert_string_equal(svctab_note(P.spawnerr), "spawn error: fork: Resource temporarily unavailable");
}

/* ---- STOPPING --------------------------------------------------------- */

static void
test_stopping_start_stop(void **state)
{
	to_stopping();
	assert_int_equal(fsm_start(&P, NULL, 0), FSM_ALREADY_STARTED);
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_string_equal(take(), "");
	assert_int_equal(P.state, PROC_STOPPING);
}

static void
test_stopping_exit(void **state)
{
	to_stopping();
	advance(0.3);
	reap_signal(SIGTERM, false);
	assert_string_equal(take(), "cancel STOPPING>STOPPED");
	assert_false(P.killing);
	assert_true(P.lastexit.valid);
	assert_int_equal(P.lastexit.signal, SIGTERM);
	assert_true(P.stop_wall == F.wall);
	/* No restart after a stop, whatever autorestart says. */
	assert_int_equal(F.nspawn, 1);
}

/* stopwaitsecs ran out: SIGKILL once, then FSM_KILL_GRACE for it to
 * work. */
static void
test_stopping_timer_sigkill(void **state)
{
	to_stopping();
	fire();
	assert_string_equal(take(), "timer(3) kill(KILL)");
	assert_true(F.timer_armed);
	assert_true(P.killsent);
	assert_int_equal(P.state, PROC_STOPPING);
	reap_signal(SIGKILL, false);
	assert_string_equal(take(), "cancel STOPPING>STOPPED");
}

static void
test_stopping_ready_ignored(void **state)
{
	C.readiness = CONF_READINESS_NOTIFY;
	start_ok();
	assert_int_equal(fsm_stop(&P), FSM_OK);
	take();
	assert_ignored(false, false, true);
	assert_false(P.ready);
}

/* The process died just before the stop: kill says ESRCH, fine. */
static void
test_stop_race_esrch(void **state)
{
	to_running();
	F.kill_ret = -1;
	F.kill_errno = ESRCH;
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_string_equal(take(), "RUNNING>STOPPING timer(10) kill(TERM)");
	reap_code(0);
	assert_string_equal(take(), "cancel STOPPING>STOPPED");
	assert_int_equal(F.nspawn, 1);
}

/* An exit that was in flight while a STARTING process was stopped is
 * the end of the stop, never a failed start. */
static void
test_stop_race_starting_exit(void **state)
{
	to_starting();
	assert_int_equal(fsm_stop(&P), FSM_OK);
	take();
	reap_exec_error("execve(/usr/bin/web): Permission denied");
	assert_string_equal(take(), "cancel STOPPING>STOPPED");
	assert_int_equal(P.backoff, 0);
	assert_string_equal(svctab_note(P.spawnerr), "");
}

static void
test_stop_kill_error(void **state)
{
	to_running();
	F.kill_ret = -1;
	F.kill_errno = EPERM;
	errno = 0;
	assert_int_equal(fsm_stop(&P), FSM_SIGNAL_ERROR);
	assert_int_equal(errno, EPERM);
	assert_string_equal(take(), "RUNNING>STOPPING timer(10) kill(TERM)");
	assert_int_equal(P.state, PROC_STOPPING);
	assert_true(F.timer_armed);
}

/* ---- EXITED ----------------------------------------------------------- */

static void
test_exited_start(void **state)
{
	to_exited();
	P.backoff = 2; /* as if; an administrative start resets it */
	assert_int_equal(fsm_start(&P, NULL, 0), FSM_OK);
	assert_string_equal(take(), "spawn EXITED>STARTING timer(1)");
	assert_int_equal(P.backoff, 0);
}

static void
test_exited_stop(void **state)
{
	to_exited();
	assert_int_equal(fsm_stop(&P), FSM_NOT_RUNNING);
	assert_string_equal(take(), "");
	assert_int_equal(P.state, PROC_EXITED);
}

static void
test_exited_events_ignored(void **state)
{
	to_exited();
	assert_ignored(true, true, true);
	assert_int_equal(F.nspawn, 1);
}

static void
test_exited_pending_stop(void **state)
{
	to_exited_pending();
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_string_equal(take(), "cancel EXITED>STOPPED");
	assert_int_equal(P.restart_wall, 0);
	/* A stale timer after the cancel changes nothing. */
	fsm_on_timer(&P);
	assert_string_equal(take(), "");
	assert_int_equal(P.state, PROC_STOPPED);
}

static void
test_exited_pending_start(void **state)
{
	to_exited_pending();
	assert_int_equal(fsm_start(&P, NULL, 0), FSM_OK);
	assert_string_equal(take(), "spawn EXITED>STARTING timer(1)");
	assert_int_equal(P.restart_wall, 0);
	assert_true(P.restart_delay == 0);
}

static void
test_exited_pending_timer(void **state)
{
	to_exited_pending();
	fire();
	assert_string_equal(take(), "spawn EXITED>STARTING timer(1)");
	assert_int_equal(P.restart_wall, 0);
	assert_int_equal(P.spawns, 2);
}

static void
test_exited_pending_other_events(void **state)
{
	to_exited_pending();
	assert_ignored(true, false, true);
	assert_true(P.restart_wall > 0);
}

/* ---- FATAL ------------------------------------------------------------ */

static void
test_fatal_start(void **state)
{
	to_fatal();
	assert_int_equal(fsm_start(&P, NULL, 0), FSM_OK);
	assert_string_equal(take(), "spawn FATAL>STARTING timer(1)");
	assert_string_equal(svctab_note(P.spawnerr), "");
	assert_int_equal(P.backoff, 0);
}

static void
test_fatal_other_events(void **state)
{
	to_fatal();
	assert_int_equal(fsm_stop(&P), FSM_NOT_RUNNING);
	assert_string_equal(take(), "");
	assert_ignored(true, true, true);
	assert_int_equal(P.state, PROC_FATAL);
}

/* ---- UNKNOWN (never entered by tend) ---------------------------------- */

static void
test_unknown_row(void **state)
{
	P.state = PROC_UNKNOWN;
	assert_int_equal(fsm_start(&P, NULL, 0), FSM_ALREADY_STARTED);
	assert_int_equal(fsm_stop(&P), FSM_NOT_RUNNING);
	assert_ignored(false, true, true);
	reap_code(0);
	assert_string_equal(take(), "cancel UNKNOWN>STOPPED");
	/* A value outside the enum behaves as UNKNOWN. */
	P.state = (enum proc_state)7;
	assert_int_equal(fsm_start(&P, NULL, 0), FSM_ALREADY_STARTED);
	assert_string_equal(fsm_state_name(P.state), "UNKNOWN");
}

/* ---- startsecs=0, readiness=notify ------------------------------------- */

static void
test_startsecs_zero(void **state)
{
	C.startsecs = 0;
	start_ok();
	/* RUNNING waits for the exec to be confirmed, not for a timer. */
	assert_string_equal(take(), "spawn STOPPED>STARTING cancel");
	fsm_on_exec(&P);
	assert_string_equal(take(), "cancel STARTING>RUNNING");
	/* An immediate exit is a run that ended, not a failed start. */
	reap_code(1);
	assert_string_equal(
	    take(), "RUNNING>EXITED spawn EXITED>STARTING cancel");
	/* An exec failure is a failed start, and it counts: the command
	 * never ran, so the retries run out (supervisord's FATAL). */
	reap_exec_error("exec web: No such file or directory");
	assert_string_equal(take(), "STARTING>BACKOFF timer(1)");
	assert_string_equal(svctab_note(P.spawnerr), "spawn error: exec web: No such file or directory");
	fire();
	assert_string_equal(take(), "spawn BACKOFF>STARTING cancel");
	reap_exec_error("exec web: No such file or directory");
	assert_string_equal(take(), "STARTING>BACKOFF timer(2)");
	fire();
	take();
	reap_exec_error("exec web: No such file or directory");
	assert_string_equal(take(), "STARTING>BACKOFF timer(3)");
	fire();
	take();
	reap_exec_error("exec web: No such file or directory");
	assert_string_equal(take(), "cancel STARTING>FATAL");
}

/* startsecs=0: an exit before the exec is confirmed, without a failure
 * report, is still a run (the runtime confirms the exec first). */
static void
test_startsecs_zero_exit_after_exec(void **state)
{
	C.startsecs = 0;
	C.autorestart = CONF_AUTORESTART_FALSE;
	start_ok();
	take();
	fsm_on_exec(&P);
	reap_code(0);
	assert_string_equal(take(), "cancel STARTING>RUNNING RUNNING>EXITED");
}

/* A slow exec: startsecs runs out first; RUNNING comes with EXEC. */
static void
test_startsecs_before_exec(void **state)
{
	start_ok();
	assert_string_equal(take(), "spawn STOPPED>STARTING timer(1)");
	advance(1);
	F.timer_armed = false;
	fsm_on_timer(&P);
	assert_string_equal(take(), "");
	assert_int_equal(P.state, PROC_STARTING);
	fsm_on_exec(&P);
	assert_string_equal(take(), "cancel STARTING>RUNNING");
	/* EXEC in any other state changes nothing. */
	fsm_on_exec(&P);
	assert_string_equal(take(), "");
}

/* The startsecs timer runs out early (libev counts it from its loop
 * time, which a long loop turn of spawns leaves behind the spawn), before
 * EXEC: it waits out the rest, and EXEC before the rest is over does not
 * make it RUNNING; the second timer does.  (It once stayed STARTING for
 * good: the early timer found no exec, the exec came before startsecs,
 * and nothing was armed any more.) */
static void
test_startsecs_timer_early_before_exec(void **state)
{
	start_ok();
	assert_string_equal(take(), "spawn STOPPED>STARTING timer(1)");
	advance(0.25);
	F.timer_armed = false;
	fsm_on_timer(&P);
	assert_string_equal(take(), "timer(0.75)");
	assert_int_equal(P.state, PROC_STARTING);
	advance(0.25);
	fsm_on_exec(&P);
	assert_string_equal(take(), "");
	assert_int_equal(P.state, PROC_STARTING);
	fire();
	assert_string_equal(take(), "cancel STARTING>RUNNING");
}

/* The same after EXEC: not RUNNING before startsecs has passed. */
static void
test_startsecs_timer_early_after_exec(void **state)
{
	start_ok();
	take();
	fsm_on_exec(&P);
	advance(0.5);
	F.timer_armed = false;
	fsm_on_timer(&P);
	assert_string_equal(take(), "timer(0.5)");
	assert_int_equal(P.state, PROC_STARTING);
	fire();
	assert_string_equal(take(), "cancel STARTING>RUNNING");
}

/* EXEC before startsecs: the timer still decides. */
static void
test_exec_before_startsecs(void **state)
{
	start_ok();
	take();
	fsm_on_exec(&P);
	assert_string_equal(take(), "");
	assert_int_equal(P.state, PROC_STARTING);
	fire();
	assert_string_equal(take(), "cancel STARTING>RUNNING");
}

static void
test_notify_start_waits_for_ready(void **state)
{
	C.readiness = CONF_READINESS_NOTIFY;
	start_ok();
	assert_string_equal(take(), "spawn STOPPED>STARTING cancel");
	/* A stale timer does not make it RUNNING. */
	advance(100);
	fsm_on_timer(&P);
	assert_string_equal(take(), "");
	assert_int_equal(P.state, PROC_STARTING);
	fsm_on_ready(&P);
	assert_string_equal(take(), "cancel STARTING>RUNNING");
	assert_true(P.ready);
	/* A second READY=1 changes nothing. */
	fsm_on_ready(&P);
	assert_string_equal(take(), "");
}

static void
test_notify_startsecs_zero(void **state)
{
	C.readiness = CONF_READINESS_NOTIFY;
	C.startsecs = 0;
	start_ok();
	assert_string_equal(take(), "spawn STOPPED>STARTING cancel");
	assert_int_equal(P.state, PROC_STARTING);
}

/* Dying before READY=1 is a failed start however long it ran. */
static void
test_notify_exit_before_ready(void **state)
{
	C.readiness = CONF_READINESS_NOTIFY;
	start_ok();
	take();
	advance(100);
	reap_code(0);
	assert_string_equal(take(), "STARTING>BACKOFF timer(1)");
	assert_string_equal(svctab_note(P.spawnerr), "Exited before READY=1 (process log may have details)");
}

/* READY=1 before startsecs: RUNNING at once; a later exit is a run. */
static void
test_notify_ready_before_startsecs(void **state)
{
	C.readiness = CONF_READINESS_NOTIFY;
	C.startsecs = 10;
	start_ok();
	take();
	advance(0.1);
	fsm_on_ready(&P);
	assert_string_equal(take(), "cancel STARTING>RUNNING");
	advance(0.1);
	reap_code(1);
	assert_string_equal(
	    take(), "RUNNING>EXITED spawn EXITED>STARTING cancel");
	assert_false(P.ready); /* the new run must notify again */
}

/* ---- restart delay ------------------------------------------------------ */

static void
test_restart_delay_fixed(void **state)
{
	char buf[128];

	C.restart_delay = 2;
	to_running();
	advance(5);
	reap_code(1);
	assert_string_equal(take(), "RUNNING>EXITED timer(2)");
	assert_true(P.restart_delay == 2);
	assert_true(P.restart_wall == F.now + 2);
	describe(buf, sizeof(buf));
	assert_string_equal(
	    buf, "exit status 1, Nov 23 03:46 AM; restarting in 2.0s");
	advance(0.5);
	describe(buf, sizeof(buf));
	assert_string_equal(
	    buf, "exit status 1, Nov 23 03:46 AM; restarting in 1.5s");
	fire();
	assert_string_equal(take(), "spawn EXITED>STARTING timer(1)");
	/* Without backoff the delay never grows. */
	fire();
	take();
	reap_code(1);
	assert_string_equal(take(), "RUNNING>EXITED timer(2)");
}

/* Run for RAN seconds from a fresh start and exit 1; returns the trace. */
static const char *
run_and_crash(double ran)
{
	assert_int_equal(P.state, PROC_STARTING);
	fire(); /* startsecs: RUNNING */
	advance(ran - F.timer_secs);
	take();
	reap_code(1);
	return take();
}

static void
test_restart_backoff_growth(void **state)
{
	static const double want[] = {1, 2, 4, 8, 10, 10};
	char buf[64];
	size_t i;

	C.restart_backoff_max = 10;
	C.restart_backoff_reset = 60;
	start_ok();
	for (i = 0; i < TEND_NELEM(want); i++) {
		(void)snprintf(
		    buf, sizeof(buf), "RUNNING>EXITED timer(%g)", want[i]);
		assert_string_equal(run_and_crash(5), buf);
		assert_true(P.restart_delay == want[i]);
		fire();
	}
	/* A long run resets the delay to the base, 0: restart at once. */
	assert_string_equal(
	    run_and_crash(60), "RUNNING>EXITED spawn EXITED>STARTING timer(1)");
	assert_true(P.restart_delay == 0);
	/* And the next short run starts the growth over. */
	assert_string_equal(run_and_crash(5), "RUNNING>EXITED timer(1)");
}

static void
test_restart_backoff_base(void **state)
{
	static const double want[] = {3, 6, 12, 20, 20};
	char buf[64];
	size_t i;

	C.restart_delay = 3;
	C.restart_backoff_max = 20;
	C.restart_backoff_reset = 30;
	start_ok();
	for (i = 0; i < TEND_NELEM(want); i++) {
		(void)snprintf(
		    buf, sizeof(buf), "RUNNING>EXITED timer(%g)", want[i]);
		assert_string_equal(run_and_crash(2), buf);
		fire();
	}
	assert_string_equal(run_and_crash(30), "RUNNING>EXITED timer(3)");
	fire();
	assert_string_equal(run_and_crash(2), "RUNNING>EXITED timer(6)");
	fire();
	/* An administrative start forgets the growth. */
	assert_int_equal(fsm_stop(&P), FSM_OK);
	reap_code(0);
	start_ok();
	assert_string_equal(run_and_crash(2), "RUNNING>EXITED timer(3)");
}

/* A cap below the base: the base wins. */
static void
test_restart_backoff_cap_below_base(void **state)
{
	C.restart_delay = 5;
	C.restart_backoff_max = 3;
	start_ok();
	assert_string_equal(run_and_crash(2), "RUNNING>EXITED timer(5)");
	fire();
	assert_string_equal(run_and_crash(2), "RUNNING>EXITED timer(5)");
}

/* No restart wanted: no delay either. */
static void
test_restart_delay_not_wanted(void **state)
{
	C.restart_delay = 2;
	to_running();
	reap_code(0);
	assert_string_equal(take(), "RUNNING>EXITED");
	assert_int_equal(P.restart_wall, 0);
	assert_int_equal(fsm_stop(&P), FSM_NOT_RUNNING);
}

/* ---- fsm_signal --------------------------------------------------------- */

static void
test_signal(void **state)
{
	char err[128] = "";

	C.stopasgroup = true; /* signal goes to the process only */
	to_running();
	assert_int_equal(fsm_signal(&P, SIGHUP, err, sizeof(err)), FSM_OK);
	assert_string_equal(take(), "kill(HUP)");
	assert_int_equal(P.state, PROC_RUNNING);

	F.kill_ret = -1;
	F.kill_errno = ESRCH;
	assert_int_equal(fsm_signal(&P, SIGHUP, err, sizeof(err)), FSM_OK);
	assert_string_equal(err, "");

	F.kill_errno = EPERM;
	assert_int_equal(
	    fsm_signal(&P, SIGHUP, err, sizeof(err)), FSM_SIGNAL_ERROR);
	assert_string_equal(err, "kill(SIGHUP): Operation not permitted");
	assert_int_equal(fsm_signal(&P, SIGHUP, NULL, 0), FSM_SIGNAL_ERROR);
	take();
}

static void
test_signal_states(void **state)
{
	to_starting();
	assert_int_equal(fsm_signal(&P, SIGHUP, NULL, 0), FSM_OK);
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_int_equal(fsm_signal(&P, SIGHUP, NULL, 0), FSM_OK);
	reap_code(0);
	take();
	assert_int_equal(P.state, PROC_STOPPED);
	assert_int_equal(fsm_signal(&P, SIGHUP, NULL, 0), FSM_NOT_RUNNING);
	to_backoff();
	assert_int_equal(fsm_signal(&P, SIGHUP, NULL, 0), FSM_NOT_RUNNING);
	setup(NULL);
	to_exited();
	assert_int_equal(fsm_signal(&P, SIGHUP, NULL, 0), FSM_NOT_RUNNING);
	setup(NULL);
	to_fatal();
	assert_int_equal(fsm_signal(&P, SIGHUP, NULL, 0), FSM_NOT_RUNNING);
	assert_string_equal(take(), "");
}

/* ---- names -------------------------------------------------------------- */

static void
test_state_names(void **state)
{
	static const struct {
		enum proc_state s;
		const char *name;
		bool active;
	} t[] = {
	    {PROC_STOPPED, "STOPPED", false},
	    {PROC_STARTING, "STARTING", true},
	    {PROC_RUNNING, "RUNNING", true},
	    {PROC_BACKOFF, "BACKOFF", true},
	    {PROC_STOPPING, "STOPPING", true},
	    {PROC_EXITED, "EXITED", false},
	    {PROC_FATAL, "FATAL", false},
	    {PROC_UNKNOWN, "UNKNOWN", false},
	};
	size_t i;

	for (i = 0; i < TEND_NELEM(t); i++) {
		assert_string_equal(fsm_state_name(t[i].s), t[i].name);
		assert_int_equal(fsm_state_parse(t[i].name), (int)t[i].s);
		assert_int_equal(fsm_is_active(t[i].s), t[i].active);
	}
	assert_int_equal(fsm_state_parse("running"), PROC_RUNNING);
	assert_int_equal(fsm_state_parse("Backoff"), PROC_BACKOFF);
	assert_int_equal(fsm_state_parse("RUN"), -1);
	assert_int_equal(fsm_state_parse(""), -1);
	assert_int_equal(fsm_state_parse(NULL), -1);
	assert_string_equal(fsm_state_name((enum proc_state)12345), "UNKNOWN");
}

/* ---- describe ----------------------------------------------------------- */

static void
test_describe_running(void **state)
{
	char buf[128];

	to_running();
	advance(61); /* 62 s since the spawn */
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "pid 1234, uptime 0:01:02");
	svctab_note_set(&P.status_text, SVCTAB_STATUS_TEXT_MAX, "%s", "Serving 12 clients");
	describe(buf, sizeof(buf));
	assert_string_equal(
	    buf, "pid 1234, uptime 0:01:02, Serving 12 clients");
	svctab_note_clear(&P.status_text);
	advance(2 * 86400 + 3600);
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "pid 1234, uptime 2 days, 1:01:02");
	/* A time before the start (not from a monotonic clock, but the
	 * guard stays): no negative uptime. */
	fsm_describe(&P, T0_MONO - 100, buf, sizeof(buf));
	assert_string_equal(buf, "pid 1234, uptime 0:00:00");
	/* The realtime clock stepped back a day: the uptime is the
	 * monotonic one. */
	F.wall -= 86400;
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "pid 1234, uptime 2 days, 1:01:02");
}

static void
test_describe_starting_stopping(void **state)
{
	char buf[128] = "junk";

	to_starting();
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "");
	svctab_note_set(&P.status_text, SVCTAB_STATUS_TEXT_MAX, "%s", "Loading data");
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "Loading data");
	assert_int_equal(fsm_stop(&P), FSM_OK);
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "Loading data");
	svctab_note_clear(&P.status_text);
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void
test_describe_backoff_fatal(void **state)
{
	static char fullname[] = "grp:web_00";
	char buf[128];

	to_backoff();
	describe(buf, sizeof(buf));
	assert_string_equal(
	    buf, "Exited too quickly (process log may have details)");
	svctab_note_clear(&P.spawnerr);
	P.fullname = fullname;
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "unknown error (try \"tail grp:web_00\")");
	setup(NULL);
	F.spawn_fail = 1;
	C.startretries = 0;
	assert_int_equal(fsm_start(&P, NULL, 0), FSM_SPAWN_ERROR);
	assert_int_equal(P.state, PROC_FATAL);
	describe(buf, sizeof(buf));
	assert_string_equal(
	    buf, "spawn error: fork: Resource temporarily unavailable");
	svctab_note_clear(&P.spawnerr);
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "unknown error (try \"tail web\")");
}

static void
test_describe_stopped(void **state)
{
	char buf[128];

	describe(buf, sizeof(buf));
	assert_string_equal(buf, "Not started");
	to_stopping();
	advance(3600 * 12); /* 03:46 PM */
	reap_code(0);
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "Nov 23 03:46 PM");
	/* Only failed spawns: it never ran. */
	setup(NULL);
	F.spawn_fail = 1;
	assert_int_equal(fsm_start(&P, NULL, 0), FSM_SPAWN_ERROR);
	assert_int_equal(fsm_stop(&P), FSM_OK);
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "Not started");
}

static void
test_describe_exited(void **state)
{
	char buf[128];

	to_exited();
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "exit status 1, Nov 23 03:46 AM");
	setup(NULL);
	C.autorestart = CONF_AUTORESTART_FALSE;
	to_running();
	reap_signal(SIGSEGV, true);
	describe(buf, sizeof(buf));
	assert_string_equal(
	    buf, "terminated by SIGSEGV (core dumped), Nov 23 03:46 AM");
	P.lastexit.core = false;
	P.lastexit.signal = SIGTERM;
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "terminated by SIGTERM, Nov 23 03:46 AM");
	P.lastexit.signal = 40; /* a real-time signal has no name */
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "terminated by SIG40, Nov 23 03:46 AM");
	/* A due restart not yet handled: 0.0s, never negative. */
	P.restart_wall = F.now - 1;
	P.lastexit.signal = 0;
	P.lastexit.code = 3;
	describe(buf, sizeof(buf));
	assert_string_equal(
	    buf, "exit status 3, Nov 23 03:46 AM; restarting in 0.0s");
}

static void
test_describe_unknown_and_small_buffers(void **state)
{
	char buf[128] = "junk";
	char small[8];

	P.state = PROC_UNKNOWN;
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "");
	setup(NULL);
	to_running();
	describe(small, sizeof(small));
	assert_string_equal(small, "pid 123");
	setup(NULL);
	to_exited();
	small[0] = 'x';
	fsm_describe(&P, F.now, small, 0); /* must not write */
	assert_int_equal(small[0], 'x');
	fsm_describe(&P, F.now, small, 1);
	assert_string_equal(small, "");
}

/* ---- a whole life ------------------------------------------------------- */

/* A crash loop that recovers: fail twice, run, crash, restart, stop. */
static void
test_life(void **state)
{
	start_ok();
	reap_code(1);
	fire();
	reap_code(1);
	fire();
	fire();
	advance(100);
	reap_code(139);
	fire();
	assert_int_equal(fsm_stop(&P), FSM_OK);
	fire();
	reap_signal(SIGKILL, false);
	assert_string_equal(take(),
	    "spawn STOPPED>STARTING timer(1) "
	    "STARTING>BACKOFF timer(1) "
	    "spawn BACKOFF>STARTING timer(1) "
	    "STARTING>BACKOFF timer(2) "
	    "spawn BACKOFF>STARTING timer(1) "
	    "cancel STARTING>RUNNING "
	    "RUNNING>EXITED spawn EXITED>STARTING timer(1) "
	    "cancel STARTING>RUNNING "
	    "RUNNING>STOPPING timer(10) kill(TERM) "
	    "timer(3) kill(KILL) "
	    "cancel STOPPING>STOPPED");
	assert_int_equal(P.spawns, 4);
	assert_int_equal(P.backoff, 0);
	assert_int_equal(P.state, PROC_STOPPED);
}

/* ---- depends_on: P ("web") depends on D ("db") --------------------------- */

static struct proc *dep_v[1], *rdep_v[1];

static void
deps_setup(void)
{
	static char dbname[] = "db";

	conf_defaults(&CD);
	CD.name = CD.program = CD.group = dbname;
	CD.startsecs = 0; /* db is RUNNING once exec'd */
	memset(&D, 0, sizeof(D));
	D.conf = &CD;
	D.fullname = dbname;
	D.state = PROC_STOPPED;
	D.pidfd = -1;
	D.execfd = -1;
	dep_v[0] = &D;
	rdep_v[0] = &P;
	P.deps = dep_v;
	P.ndeps = 1;
	D.rdeps = rdep_v;
	D.nrdeps = 1;
}

static void
db_reap(int code)
{
	struct proc_exit ex = {.code = code};

	D.pid = 0;
	fsm_on_exit(&D, &ex, NULL);
}

static void
db_running(void)
{
	assert_int_equal(fsm_start(&D, NULL, 0), FSM_OK);
	fsm_on_exec(&D);
	assert_int_equal(D.state, PROC_RUNNING);
	take();
}

/* db RUNNING -> crash -> immediate restart -> dies early -> FATAL. */
static void
db_running_to_fatal(void)
{
	CD.startretries = 0;
	CD.startsecs = 1; /* so that the second exit is a failed start */
	advance(5);
	db_reap(1);
	assert_int_equal(D.state, PROC_STARTING);
	take();
	db_reap(1);
	assert_int_equal(D.state, PROC_FATAL);
}

static void
test_deps_start_starts_dependency_first(void **state)
{
	char buf[64];

	deps_setup();
	start_ok();
	assert_string_equal(take(),
	    "db:spawn db:STOPPED>STARTING db:cancel cancel STOPPED>STARTING");
	assert_true(P.waiting);
	assert_int_equal(P.pid, 0);
	assert_int_equal(F.nspawn, 1);
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "waiting for db");
	/* db RUNNING: now web is spawned. */
	fsm_on_exec(&D);
	assert_string_equal(
	    take(), "db:cancel db:STARTING>RUNNING spawn timer(1)");
	assert_false(P.waiting);
	assert_int_equal(P.state, PROC_STARTING);
	assert_int_equal(P.pid, 1235);
}

static void
test_deps_ready_spawns_at_once(void **state)
{
	deps_setup();
	db_running();
	start_ok();
	assert_string_equal(take(), "spawn STOPPED>STARTING timer(1)");
	assert_false(P.waiting);
}

/* The WAITING row: no process, so most events mean nothing. */
static void
test_deps_waiting_events(void **state)
{
	struct proc_exit ex = {.code = 0};
	char err[64] = "";

	deps_setup();
	start_ok();
	take();
	assert_int_equal(fsm_start(&P, err, sizeof(err)), FSM_ALREADY_STARTED);
	fsm_on_timer(&P);
	fsm_on_ready(&P);
	fsm_on_exec(&P);
	fsm_on_watchdog(&P);
	fsm_on_exit(&P, &ex, NULL);
	assert_string_equal(take(), "");
	assert_true(P.waiting);
	assert_int_equal(P.state, PROC_STARTING);
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_string_equal(take(), "cancel STARTING>STOPPED");
	assert_false(P.waiting);
	/* db comes up later: web stays stopped (nobody wants it now). */
	fsm_on_exec(&D);
	assert_string_equal(take(), "db:cancel db:STARTING>RUNNING");
	assert_int_equal(P.state, PROC_STOPPED);
}

static void
test_deps_waiting_dependency_fatal(void **state)
{
	char buf[64];

	deps_setup();
	CD.startretries = 0;
	F.spawn_fail = 1;
	start_ok();
	assert_string_equal(take(), "db:spawn! db:cancel db:STOPPED>FATAL "
				    "cancel STOPPED>STARTING STARTING>STOPPED");
	assert_int_equal(P.state, PROC_STOPPED);
	assert_string_equal(svctab_note(P.stopnote), "dependency db is FATAL");
	assert_true(P.dep_stopped);
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "dependency db is FATAL");
	/* db fixed and started by hand: web comes back by itself. */
	assert_int_equal(fsm_start(&D, NULL, 0), FSM_OK);
	assert_string_equal(
	    take(), "db:spawn db:FATAL>STARTING db:cancel");
	assert_int_equal(P.state, PROC_STOPPED);
	fsm_on_exec(&D);
	assert_string_equal(take(), "db:cancel db:STARTING>RUNNING spawn "
				    "STOPPED>STARTING timer(1)");
	assert_string_equal(svctab_note(P.stopnote), "");
	assert_false(P.dep_stopped);
}

/* STOPPED stop: no error when it cancels a come-back; else not running. */
static void
test_deps_stopped_stop_cancels_comeback(void **state)
{
	deps_setup();
	CD.startretries = 0;
	F.spawn_fail = 1;
	start_ok();
	take();
	assert_true(P.dep_stopped);
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_false(P.dep_stopped);
	assert_int_equal(fsm_stop(&P), FSM_NOT_RUNNING);
	db_running();
	assert_int_equal(P.state, PROC_STOPPED);
	assert_int_equal(F.nspawn, 2);
}

static void
test_deps_running_dependency_fatal(void **state)
{
	char buf[64];

	deps_setup();
	db_running();
	to_running();
	db_running_to_fatal();
	assert_string_equal(take(), "db:cancel db:STARTING>FATAL "
				    "RUNNING>STOPPING timer(10) kill(TERM)");
	assert_string_equal(svctab_note(P.stopnote), "dependency db is FATAL");
	assert_true(P.dep_stopped);
	reap_signal(SIGTERM, false);
	assert_string_equal(take(), "cancel STOPPING>STOPPED");
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "dependency db is FATAL");
}

static void
test_deps_starting_dependency_fatal(void **state)
{
	deps_setup();
	db_running();
	to_starting();
	db_running_to_fatal();
	assert_string_equal(take(), "db:cancel db:STARTING>FATAL "
				    "STARTING>STOPPING timer(10) kill(TERM)");
	assert_true(P.dep_stopped);
}

/* A dependency's crash and restart do not touch a running dependent. */
static void
test_deps_dependency_restart_leaves_dependent(void **state)
{
	deps_setup();
	db_running();
	to_running();
	advance(5);
	db_reap(1);
	assert_string_equal(take(),
	    "db:RUNNING>EXITED db:spawn db:EXITED>STARTING db:cancel");
	assert_int_equal(P.state, PROC_RUNNING);
}

static void
test_deps_backoff_dependency_fatal(void **state)
{
	deps_setup();
	db_running();
	F.spawn_fail = 1;
	assert_int_equal(fsm_start(&P, NULL, 0), FSM_SPAWN_ERROR);
	assert_int_equal(P.state, PROC_BACKOFF);
	take();
	db_running_to_fatal();
	assert_string_equal(
	    take(), "db:cancel db:STARTING>FATAL cancel BACKOFF>STOPPED");
	assert_string_equal(svctab_note(P.stopnote), "dependency db is FATAL");
}

static void
test_deps_exited_dependency_fatal(void **state)
{
	deps_setup();
	db_running();
	to_exited_pending();
	db_running_to_fatal();
	assert_string_equal(
	    take(), "db:cancel db:STARTING>FATAL cancel EXITED>STOPPED");
	assert_int_equal(P.restart_wall, 0);
	assert_true(P.dep_stopped);
}

/* EXITED with no restart pending stays as it is. */
static void
test_deps_exited_no_restart_ignores(void **state)
{
	deps_setup();
	db_running();
	to_exited();
	db_running_to_fatal();
	assert_string_equal(take(), "db:cancel db:STARTING>FATAL");
	assert_int_equal(P.state, PROC_EXITED);
}

/* Stopping db stops web first; db holds, unsignalled (HOLDING). */
static void
test_deps_stop_holds_for_dependents(void **state)
{
	char buf[64];

	deps_setup();
	db_running();
	to_running();
	assert_int_equal(fsm_stop(&D), FSM_OK);
	assert_string_equal(take(), "RUNNING>STOPPING timer(10) kill(TERM) "
				    "db:cancel db:RUNNING>STOPPING");
	assert_true(D.holding);
	assert_true(P.dep_stopped);
	assert_string_equal(svctab_note(P.stopnote), "stopped with db");
	D.pid = 77;
	P.fullname = (char *)"web";
	fsm_describe(&D, F.now, buf, sizeof(buf));
	assert_string_equal(buf, "waiting for web to stop");
	/* HOLDING: start is busy, the timer and a second stop do nothing. */
	assert_int_equal(fsm_start(&D, NULL, 0), FSM_ALREADY_STARTED);
	fsm_on_timer(&D);
	assert_int_equal(fsm_stop(&D), FSM_OK);
	fsm_on_ready(&D);
	fsm_on_watchdog(&D);
	assert_string_equal(take(), "");
	/* web is gone: now db gets its stop signal. */
	reap_signal(SIGTERM, false);
	assert_string_equal(take(),
	    "cancel STOPPING>STOPPED db:timer(10) db:kill(TERM)");
	assert_false(D.holding);
	db_reap(0);
	assert_string_equal(take(), "db:cancel db:STOPPING>STOPPED");
	assert_int_equal(P.state, PROC_STOPPED);
	/* db started again: web follows. */
	db_running();
	assert_int_equal(P.state, PROC_STARTING);
	assert_string_equal(svctab_note(P.stopnote), "");
}

/* HOLDING exit: db died on its own while waiting for web. */
static void
test_deps_holding_exit(void **state)
{
	deps_setup();
	db_running();
	to_running();
	(void)fsm_stop(&D);
	take();
	db_reap(1);
	assert_string_equal(take(), "db:cancel db:STOPPING>STOPPED");
	assert_false(D.holding);
	assert_int_equal(P.state, PROC_STOPPING);
}

/* A stop asked for while a dependency's stop is under way takes over:
 * no come-back. */
static void
test_stopping_stop_cancels_comeback(void **state)
{
	deps_setup();
	db_running();
	to_running();
	(void)fsm_stop(&D);
	take();
	assert_true(P.dep_stopped);
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_string_equal(take(), "");
	assert_false(P.dep_stopped);
	assert_string_equal(svctab_note(P.stopnote), "");
}

/* An automatic restart waits for a dependency that is restarting too. */
static void
test_deps_auto_restart_waits(void **state)
{
	deps_setup();
	CD.startsecs = 1;
	assert_int_equal(fsm_start(&D, NULL, 0), FSM_OK);
	fsm_on_exec(&D);
	advance(1);
	fsm_on_timer(&D);
	assert_int_equal(D.state, PROC_RUNNING);
	to_running();
	advance(5);
	db_reap(1); /* db restarts: STARTING for startsecs */
	take();
	reap_code(1);
	assert_string_equal(take(), "RUNNING>EXITED cancel EXITED>STARTING");
	assert_true(P.waiting);
	assert_int_equal(P.pid, 0);
}

/* ---- readiness_timeout --------------------------------------------------- */

static void
test_notify_readiness_timeout(void **state)
{
	C.readiness = CONF_READINESS_NOTIFY;
	C.readiness_timeout = 5;
	start_ok();
	assert_string_equal(take(), "spawn STOPPED>STARTING timer(5)");
	fire();
	assert_string_equal(take(), "timer(10) kill(TERM)");
	assert_int_equal(P.state, PROC_STARTING);
	assert_true(P.timed_out);
	assert_string_equal(svctab_note(P.spawnerr), "No READY=1 within 5s (readiness_timeout)");
	/* Too late now. */
	fsm_on_ready(&P);
	assert_string_equal(take(), "");
	assert_false(P.ready);
	fire();
	assert_string_equal(take(), "kill(KILL)");
	reap_signal(SIGKILL, false);
	assert_string_equal(take(), "STARTING>BACKOFF timer(1)");
	assert_string_equal(svctab_note(P.spawnerr), "No READY=1 within 5s (readiness_timeout)");
	/* The retry starts with a clean slate. */
	fire();
	assert_string_equal(take(), "spawn BACKOFF>STARTING timer(5)");
	assert_false(P.timed_out);
}

/* ---- readiness=health and fsm_restart (health.c's uses) ----------------- */

static void
test_health_readiness(void **state)
{
	C.readiness = CONF_READINESS_HEALTH;
	C.readiness_timeout = 5;
	start_ok();
	assert_string_equal(take(), "spawn STOPPED>STARTING timer(5)");
	/* READY=1 is not a passing probe, nor the reverse. */
	fsm_on_ready(&P);
	assert_string_equal(take(), "");
	fsm_on_healthy(&P);
	assert_string_equal(take(), "cancel STARTING>RUNNING");
	assert_true(P.ready);
	reap_code(1);
	assert_string_equal(
	    take(), "RUNNING>EXITED spawn EXITED>STARTING timer(5)");
	/* Dying before a pass is a failed start. */
	reap_code(0);
	assert_string_equal(take(), "STARTING>BACKOFF timer(1)");
	assert_string_equal(svctab_note(P.spawnerr),
	    "Exited before a health probe passed (process log may have "
	    "details)");
	fire();
	take();
	fire();
	assert_string_equal(take(), "timer(10) kill(TERM)");
	assert_string_equal(svctab_note(P.spawnerr),
	    "No passing health probe within 5s (readiness_timeout)");
}

static void
test_restart(void **state)
{
	assert_int_equal(fsm_restart(&P), FSM_NOT_RUNNING);
	to_running();
	assert_int_equal(fsm_restart(&P), FSM_OK);
	assert_string_equal(take(), "RUNNING>STOPPING timer(10) kill(TERM)");
	assert_true(P.restarting);
	reap_signal(SIGTERM, false);
	assert_string_equal(
	    take(), "cancel STOPPING>STOPPED spawn STOPPED>STARTING timer(1)");
	assert_false(P.restarting);
	/* An administrative stop meanwhile cancels the start. */
	fire();
	take();
	assert_int_equal(fsm_restart(&P), FSM_OK);
	take();
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_false(P.restarting);
	reap_signal(SIGTERM, false);
	assert_string_equal(take(), "cancel STOPPING>STOPPED");
	assert_int_equal(P.state, PROC_STOPPED);
}

/* ---- the watchdog -------------------------------------------------------- */

static void
test_watchdog_running(void **state)
{
	to_running();
	fsm_on_watchdog(&P);
	assert_string_equal(take(), "timer(10) kill(ABRT)");
	assert_true(P.watchdog_fired);
	assert_int_equal(P.state, PROC_RUNNING);
	fsm_on_watchdog(&P);
	assert_string_equal(take(), "");
	fire();
	assert_string_equal(take(), "kill(KILL)");
	reap_signal(SIGABRT, true);
	/* unexpected (a signal): autorestart=unexpected restarts it */
	assert_string_equal(
	    take(), "RUNNING>EXITED spawn EXITED>STARTING timer(1)");
	assert_false(P.watchdog_fired);
}

static void
test_watchdog_other_states_ignored(void **state)
{
	fsm_on_watchdog(&P); /* STOPPED */
	to_starting();
	fsm_on_watchdog(&P);
	assert_string_equal(take(), "");
	setup(state);
	to_backoff();
	fsm_on_watchdog(&P);
	assert_string_equal(take(), "");
	setup(state);
	to_stopping();
	fsm_on_watchdog(&P);
	assert_string_equal(take(), "");
	setup(state);
	to_exited();
	fsm_on_watchdog(&P);
	assert_string_equal(take(), "");
	setup(state);
	to_fatal();
	fsm_on_watchdog(&P);
	assert_string_equal(take(), "");
}

static void
test_describe_reloading(void **state)
{
	char buf[128];

	to_running();
	P.reloading = true;
	svctab_note_set(&P.status_text, SVCTAB_STATUS_TEXT_MAX, "%s", "v2");
	describe(buf, sizeof(buf));
	assert_string_equal(buf, "pid 1234, uptime 0:00:01, reloading, v2");
}


/* The changed hook is optional. */
static void
test_no_changed_hook(void **state)
{
	struct fsm_ops ops = fake_ops;

	ops.changed = NULL;
	fsm_init(&ops);
	start_ok();
	fire();
	assert_string_equal(take(), "spawn timer(1) cancel");
	assert_int_equal(P.state, PROC_RUNNING);
}

/* ---- leftovers, DRAINING, unkillable processes ------------------------- */

/* The main process is reaped in STOPPING; a leftover lives on: it gets
 * stopsignal, and EMPTY ends the stop. */
static void
test_stopping_exit_drains_leftovers(void **state)
{
	char desc[160];

	C.stop_leftovers = true;
	to_stopping();
	F.leftovers = 2;
	reap_signal(SIGTERM, false);
	assert_string_equal(take(), "killall(TERM)");
	assert_int_equal(P.state, PROC_STOPPING);
	assert_true(P.draining);
	assert_true(F.timer_armed); /* what is left of stopwaitsecs */
	fsm_describe(&P, F.now, desc, sizeof(desc));
	assert_string_equal(desc, "");
	/* Busy while draining; a second stop is no error. */
	assert_int_equal(fsm_start(&P, NULL, 0), FSM_ALREADY_STARTED);
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_string_equal(take(), "");
	F.leftovers = 0;
	fsm_on_empty(&P);
	assert_string_equal(take(), "cancel STOPPING>STOPPED");
	assert_false(P.draining);
	assert_int_equal(P.lastexit.signal, SIGTERM);
}

/* stop_leftovers=false: the stop ends with the main process. */
static void
test_stopping_exit_leftovers_off(void **state)
{
	to_stopping();
	F.leftovers = 2;
	reap_signal(SIGTERM, false);
	assert_string_equal(take(), "cancel STOPPING>STOPPED");
}

/* stopwaitsecs runs out while draining: SIGKILL to the leftovers, and
 * after the grace they are stuck: STOPPED anyway, reported. */
static void
test_draining_timer_sigkill_then_stuck(void **state)
{
	char desc[160];

	C.stop_leftovers = true;
	to_stopping();
	F.leftovers = 1;
	reap_code(0);
	assert_string_equal(take(), "killall(TERM)");
	fire();
	assert_string_equal(take(), "timer(3) killall(KILL)");
	assert_true(P.killsent);
	fire();
	assert_string_equal(take(), "stuck cancel STOPPING>STOPPED");
	assert_true(P.stuck);
	fsm_describe(&P, F.now, desc, sizeof(desc));
	assert_string_equal(desc, "Nov 23 03:46 AM; unkillable: pid 77 in D "
	                          "state since Nov 23 03:46 AM");
	/* A new start clears it. */
	start_ok();
	assert_false(P.stuck);
}

/* The timer finds the leftovers gone (no event said so). */
static void
test_draining_timer_none_left(void **state)
{
	C.stop_leftovers = true;
	to_stopping();
	F.leftovers = 1;
	reap_code(0);
	take();
	F.leftovers = 0;
	fire();
	assert_string_equal(take(), "cancel STOPPING>STOPPED");
}

/* SIGKILL was needed for the main process: the leftovers get it at once,
 * with a fresh grace. */
static void
test_stopping_killed_then_leftovers(void **state)
{
	C.stop_leftovers = true;
	to_stopping();
	fire();
	assert_string_equal(take(), "timer(3) kill(KILL) killall(KILL)");
	F.leftovers = 1;
	reap_signal(SIGKILL, false);
	assert_string_equal(take(), "timer(3) killall(KILL)");
	assert_true(P.draining);
	F.leftovers = 0;
	fsm_on_empty(&P);
	assert_string_equal(take(), "cancel STOPPING>STOPPED");
}

/* The main process survives SIGKILL: reported, still STOPPING, and its
 * late exit ends the stop. */
static void
test_stopping_main_stuck(void **state)
{
	char desc[160];

	to_stopping();
	fire();
	assert_string_equal(take(), "timer(3) kill(KILL)");
	fire();
	assert_string_equal(take(), "stuck");
	assert_true(P.stuck);
	assert_int_equal(P.state, PROC_STOPPING);
	assert_false(F.timer_armed);
	fsm_describe(&P, F.now, desc, sizeof(desc));
	assert_string_equal(desc, "unkillable: pid 77 in D state since Nov "
	                          "23 03:46 AM");
	reap_signal(SIGKILL, false);
	assert_string_equal(take(), "cancel STOPPING>STOPPED");
	assert_false(P.stuck);
}

/* The main process exits, a daemonised child lives on: EXITED says so,
 * and a stop drains it. */
static void
test_exited_with_leftovers_stop(void **state)
{
	char desc[160];

	C.stop_leftovers = true;
	to_running();
	F.leftovers = 1;
	reap_code(0);
	assert_string_equal(take(), "RUNNING>EXITED");
	assert_int_equal(P.leftovers, 1);
	fsm_describe(&P, F.now, desc, sizeof(desc));
	assert_string_equal(desc, "exit status 0, Nov 23 03:46 AM; main "
	                          "process exited; 1 process left (pid 99)");
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_string_equal(take(), "EXITED>STOPPING timer(10) killall(TERM)");
	assert_true(P.draining);
	F.leftovers = 0;
	fsm_on_empty(&P);
	assert_string_equal(take(), "cancel STOPPING>STOPPED");
}

/* Without stop_leftovers a stop of EXITED is "not running", as before. */
static void
test_exited_with_leftovers_off(void **state)
{
	to_running();
	F.leftovers = 1;
	reap_code(0);
	take();
	assert_int_equal(fsm_stop(&P), FSM_NOT_RUNNING);
	assert_string_equal(take(), "");
}

/* BACKOFF, FATAL and STOPPED with leftovers of earlier runs drain too;
 * without leftovers they keep their old answers. */
static void
test_rest_states_stop_drains(void **state)
{
	C.stop_leftovers = true;
	to_backoff();
	F.leftovers = 1;
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_string_equal(take(), "BACKOFF>STOPPING timer(10) killall(TERM)");
	F.leftovers = 0;
	fsm_on_empty(&P);
	assert_string_equal(take(), "cancel STOPPING>STOPPED");
	assert_int_equal(fsm_stop(&P), FSM_NOT_RUNNING);
	F.leftovers = 1;
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_string_equal(take(), "STOPPED>STOPPING timer(10) killall(TERM)");
	F.leftovers = 0;
	fsm_on_empty(&P);
	take();

	setup(NULL);
	C.stop_leftovers = true;
	to_fatal();
	assert_int_equal(fsm_stop(&P), FSM_NOT_RUNNING);
	F.leftovers = 3;
	assert_int_equal(fsm_stop(&P), FSM_OK);
	assert_string_equal(take(), "FATAL>STOPPING timer(10) killall(TERM)");
}

/* EMPTY means nothing outside DRAINING. */
static void
test_empty_ignored_elsewhere(void **state)
{
	C.stop_leftovers = true;
	fsm_on_empty(&P);
	to_running();
	fsm_on_empty(&P);
	assert_string_equal(take(), "");
	assert_int_equal(P.state, PROC_RUNNING);
	assert_int_equal(fsm_stop(&P), FSM_OK);
	take();
	fsm_on_empty(&P);
	assert_string_equal(take(), "");
	assert_int_equal(P.state, PROC_STOPPING);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_stopped_start),
	    T(test_stopped_start_spawn_error),
	    T(test_stopped_other_events),
	    T(test_starting_start),
	    T(test_starting_stop),
	    T(test_starting_stop_asgroup),
	    T(test_starting_exit_too_quickly),
	    T(test_exit_keeps_runtime_facts),
	    T(test_starting_exit_after_startsecs),
	    T(test_starting_exit_exec_error),
	    T(test_starting_timer),
	    T(test_starting_ready_ignored_without_notify),
	    T(test_running_start),
	    T(test_running_stop),
	    T(test_running_timer_ready_ignored),
	    T(test_running_exit_expected),
	    T(test_running_exit_unexpected_restarts),
	    T(test_running_exit_in_exitcodes),
	    T(test_running_exit_signal_unexpected),
	    T(test_running_autorestart_false),
	    T(test_running_autorestart_true),
	    T(test_running_restart_spawn_error),
	    T(test_backoff_start),
	    T(test_backoff_stop),
	    T(test_backoff_exit_ready_ignored),
	    T(test_backoff_timer_retries),
	    T(test_backoff_counts_to_fatal),
	    T(test_backoff_startretries_zero),
	    T(test_backoff_spawn_failures),
	    T(test_stopping_start_stop),
	    T(test_stopping_exit),
	    T(test_stopping_timer_sigkill),
	    T(test_stopping_exit_drains_leftovers),
	    T(test_stopping_exit_leftovers_off),
	    T(test_draining_timer_sigkill_then_stuck),
	    T(test_draining_timer_none_left),
	    T(test_stopping_killed_then_leftovers),
	    T(test_stopping_main_stuck),
	    T(test_exited_with_leftovers_stop),
	    T(test_exited_with_leftovers_off),
	    T(test_rest_states_stop_drains),
	    T(test_empty_ignored_elsewhere),
	    T(test_stopping_ready_ignored),
	    T(test_stop_race_esrch),
	    T(test_stop_race_starting_exit),
	    T(test_stop_kill_error),
	    T(test_exited_start),
	    T(test_exited_stop),
	    T(test_exited_events_ignored),
	    T(test_exited_pending_stop),
	    T(test_exited_pending_start),
	    T(test_exited_pending_timer),
	    T(test_exited_pending_other_events),
	    T(test_fatal_start),
	    T(test_fatal_other_events),
	    T(test_unknown_row),
	    T(test_startsecs_zero),
	    T(test_startsecs_zero_exit_after_exec),
	    T(test_startsecs_before_exec),
	    T(test_exec_before_startsecs),
	    T(test_startsecs_timer_early_before_exec),
	    T(test_startsecs_timer_early_after_exec),
	    T(test_notify_start_waits_for_ready),
	    T(test_notify_startsecs_zero),
	    T(test_notify_exit_before_ready),
	    T(test_notify_ready_before_startsecs),
	    T(test_health_readiness),
	    T(test_restart),
	    T(test_restart_delay_fixed),
	    T(test_restart_backoff_growth),
	    T(test_restart_backoff_base),
	    T(test_restart_backoff_cap_below_base),
	    T(test_restart_delay_not_wanted),
	    T(test_signal),
	    T(test_signal_states),
	    T(test_state_names),
	    T(test_describe_running),
	    T(test_describe_starting_stopping),
	    T(test_describe_backoff_fatal),
	    T(test_describe_stopped),
	    T(test_describe_exited),
	    T(test_describe_unknown_and_small_buffers),
	    T(test_life),
	    T(test_no_changed_hook),
	    T(test_deps_start_starts_dependency_first),
	    T(test_deps_ready_spawns_at_once),
	    T(test_deps_waiting_events),
	    T(test_deps_waiting_dependency_fatal),
	    T(test_deps_stopped_stop_cancels_comeback),
	    T(test_deps_running_dependency_fatal),
	    T(test_deps_starting_dependency_fatal),
	    T(test_deps_dependency_restart_leaves_dependent),
	    T(test_deps_backoff_dependency_fatal),
	    T(test_deps_exited_dependency_fatal),
	    T(test_deps_exited_no_restart_ignores),
	    T(test_deps_stop_holds_for_dependents),
	    T(test_deps_holding_exit),
	    T(test_stopping_stop_cancels_comeback),
	    T(test_deps_auto_restart_waits),
	    T(test_notify_readiness_timeout),
	    T(test_watchdog_running),
	    T(test_watchdog_other_states_ignored),
	    T(test_describe_reloading),
	};

	/* fsm_describe prints local time: pin it. */
	if (setenv("TZ", "UTC", 1) == -1)
		return 1;
	tzset();
	return cmocka_run_group_tests_name("fsm", tests, NULL, NULL);
}

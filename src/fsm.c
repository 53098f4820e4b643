/*
 * fsm.c: the per-process state machine.
 *
 * Owns: struct proc's fsm fields (state, backoff, spawns, laststart,
 * start_wall, stop_wall, restart_delay, restart_wall, killing, ready,
 * lastexit, spawnerr, waiting, holding, dep_stopped, timed_out,
 * watchdog_fired, stopnote, the dependency-event queue) and every rule
 * that moves a process between supervisord's states: startsecs,
 * startretries, autorestart, exitcodes, readiness and tend's restart
 * delay (what the policy says of one exit is fsm_policy.c's, what then
 * happens is here).  Leaves alone: pid, pidfd, fds, watchers and logs
 * (the runtime's), and every syscall: all effects go through struct
 * fsm_ops, so the unit tests drive this file with a fake clock and fake
 * spawn/kill.
 *
 * Shape (s6-supervise's): the public entry points turn a request or an
 * occurrence into an event, and fsm_table[state][event] names the one
 * action that handles it.  Each action is a few lines; the table below is
 * the whole behaviour on one screen, and fsm.h draws the same table.
 *
 * Choices where supervisord gives no answer, or where tend differs:
 * - A spawn that fails at once moves straight from the state it started in
 *   to BACKOFF (or FATAL): STARTING is not entered for a process that never
 *   existed.  When backoff exceeds startretries the process goes to FATAL
 *   directly, without a visible BACKOFF step (supervisord passes BACKOFF and
 *   gives up on its next tick; the end state and counters are the same).
 * - spawnerr reads "spawn error: WHY" for a spawn or exec failure,
 *   supervisord's "Exited too quickly (process log may have details)" for
 *   an early exit, and "Exited before READY=1 (...)" for a readiness=notify
 *   process that died before notifying.  It survives automatic retries
 *   (so status keeps showing why) and is cleared by an administrative
 *   start and on reaching RUNNING.
 * - readiness=notify: no startsecs timer is armed; only READY=1 makes the
 *   process RUNNING, and an exit before it is a failed start.  READY=1 that
 *   arrives before startsecs has elapsed still means RUNNING at once: the
 *   service said it is ready, which is a stronger signal than a timer.
 *   READY=1 is ignored for readiness=none processes.
 * - A stop whose kill fails with anything but ESRCH still enters STOPPING
 *   (the stopwaitsecs timer will try SIGKILL) and fsm_stop() returns
 *   FSM_SIGNAL_ERROR with errno as the kill op left it, for the caller to
 *   report.  supervisord goes to UNKNOWN instead; tend never enters UNKNOWN.
 * - The SIGKILL after stopwaitsecs is sent once; the timer is not re-armed.
 *   A process that survives SIGKILL (stuck in D state) stays STOPPING until
 *   it exits, as in supervisord, and tendd stays idle meanwhile.
 * - An administrative start also resets the restart delay growth.
 *
 * - Dependencies (depends_on, linked by svctab): a start waits in STARTING
 *   without a process (the WAITING row) until every dependency is
 *   RUNNING; an administrative start starts the dependencies that are
 *   down, an automatic restart only waits.  A stop stops the dependents
 *   first and holds in STOPPING without a signal (the HOLDING row) until
 *   they are down; they are marked dep_stopped and start again once their
 *   dependencies run again (restart db: app follows).  A dependency
 *   entering FATAL stops its dependents (stopnote says why); a dependency
 *   that crashes and restarts leaves running dependents alone.  DEPS
 *   events are queued by fsm_set_state() and delivered after the
 *   outermost event (fsm_drain()), so a dependent only sees where a
 *   dependency's event ended.
 * - readiness_timeout reuses the one timer in STARTING (notify only): on
 *   expiry stopsignal, SIGKILL after stopwaitsecs, and the exit is a
 *   failed start "No READY=1 within Ns (readiness_timeout)".
 * - WATCHDOG (ready.c's timer ran out) in RUNNING: SIGABRT, SIGKILL after
 *   stopwaitsecs through the one timer (idle in RUNNING otherwise); the
 *   process stays RUNNING so that its exit is an unexpected one.
 *
 * The changed hook runs in the middle of an action (STARTING>RUNNING is
 * followed by RUNNING>EXITED within one exit event), so it may act on
 * other procs (dependants) but must not call fsm functions on P itself.
 */
#include "fsm_impl.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The events the table is indexed by. */
enum fsm_event_type {
	FSM_EV_START = 0, /* administrative start */
	FSM_EV_STOP,      /* administrative stop */
	FSM_EV_EXIT,      /* the process was reaped */
	FSM_EV_TIMER,     /* the proc's one timer fired */
	FSM_EV_READY,     /* READY=1 arrived */
	FSM_EV_EXEC,      /* the child exec'd its command */
	FSM_EV_DEPS,      /* a dependency or a dependent changed state */
	FSM_EV_WATCHDOG,  /* watchdog_sec passed without WATCHDOG=1 */
	FSM_EV_EMPTY,     /* the service's leftover processes are gone */
	FSM_NEVENTS,
};

/* Dense row numbers for the sparse supervisord state codes.  Two rows
 * are steps inside a state (DESIGN.md adds no state names): WAITING is
 * STARTING before the spawn, while dependencies are not RUNNING yet;
 * HOLDING is STOPPING before the stop signal, while dependents are still
 * stopping.  They come after the real states, which index the names. */
enum fsm_row {
	FSM_ROW_STOPPED = 0,
	FSM_ROW_STARTING,
	FSM_ROW_RUNNING,
	FSM_ROW_BACKOFF,
	FSM_ROW_STOPPING,
	FSM_ROW_EXITED,
	FSM_ROW_FATAL,
	FSM_ROW_UNKNOWN,
	FSM_NSTATES,
	FSM_ROW_WAITING = FSM_NSTATES,
	FSM_ROW_HOLDING,
	FSM_ROW_DRAINING, /* STOPPING, main process reaped, leftovers not */
	FSM_NROWS,
};

/* One event and its arguments. */
struct fsm_event {
	enum fsm_event_type type;
	const struct proc_exit *ex; /* EXIT */
	const char *exec_error;     /* EXIT, may be NULL */
	bool healthy;               /* READY: from a health probe */
	char *err;                  /* START: the caller's error buffer */
	size_t errlen;
};

typedef enum fsm_result fsm_action(struct proc *p, const struct fsm_event *ev);

static const struct fsm_ops *fsm_ops;

/*
 * Dependency events are queued, not dispatched inside the action that
 * caused them: an action may pass through several states (STARTING ->
 * RUNNING -> EXITED in one exit event) and a dependent must only see where
 * it ends.  fsm_dispatch() drains the queue when the outermost event is
 * done.  The queue is intrusive (p->deps_next) and always empty between
 * calls, so a proc freed by a reload is never on it.
 */
static struct {
	struct proc *head, *tail;
	int depth; /* nested fsm_dispatch() calls */
} fsm_q;

static const char *const fsm_state_names[FSM_NSTATES] = {
    [FSM_ROW_STOPPED] = "STOPPED",
    [FSM_ROW_STARTING] = "STARTING",
    [FSM_ROW_RUNNING] = "RUNNING",
    [FSM_ROW_BACKOFF] = "BACKOFF",
    [FSM_ROW_STOPPING] = "STOPPING",
    [FSM_ROW_EXITED] = "EXITED",
    [FSM_ROW_FATAL] = "FATAL",
    [FSM_ROW_UNKNOWN] = "UNKNOWN",
};

static const enum proc_state fsm_row_states[FSM_NSTATES] = {
    [FSM_ROW_STOPPED] = PROC_STOPPED,
    [FSM_ROW_STARTING] = PROC_STARTING,
    [FSM_ROW_RUNNING] = PROC_RUNNING,
    [FSM_ROW_BACKOFF] = PROC_BACKOFF,
    [FSM_ROW_STOPPING] = PROC_STOPPING,
    [FSM_ROW_EXITED] = PROC_EXITED,
    [FSM_ROW_FATAL] = PROC_FATAL,
    [FSM_ROW_UNKNOWN] = PROC_UNKNOWN,
};

static enum fsm_row
fsm_row_of(enum proc_state s)
{
	size_t i;

	for (i = 0; i < FSM_NSTATES; i++)
		if (fsm_row_states[i] == s)
			return (enum fsm_row)i;
	/* A value outside the enum: treat it as the state nobody enters. */
	return FSM_ROW_UNKNOWN;
}

/* The table row of P: its state, or one of the steps inside a state. */
static enum fsm_row
fsm_row_of_proc(const struct proc *p)
{
	if (p->state == PROC_STARTING && p->waiting)
		return FSM_ROW_WAITING;
	if (p->state == PROC_STOPPING && p->holding)
		return FSM_ROW_HOLDING;
	if (p->state == PROC_STOPPING && p->draining)
		return FSM_ROW_DRAINING;
	return fsm_row_of(p->state);
}

/* ---- dependencies (pure: they only read the procs svctab linked) ------ */

static void
fsm_enqueue(struct proc *p)
{
	if (p->deps_queued)
		return;
	p->deps_queued = true;
	p->deps_next = NULL;
	if (fsm_q.tail != NULL)
		fsm_q.tail->deps_next = p;
	else
		fsm_q.head = p;
	fsm_q.tail = p;
}

static struct proc *
fsm_dequeue(void)
{
	struct proc *p = fsm_q.head;

	if (p == NULL)
		return NULL;
	fsm_q.head = p->deps_next;
	if (fsm_q.head == NULL)
		fsm_q.tail = NULL;
	p->deps_next = NULL;
	p->deps_queued = false;
	return p;
}


/* ---- small steps shared by the actions -------------------------------- */

/* The only place p->state is written: report real changes only. */
static void
fsm_set_state(struct proc *p, enum proc_state to)
{
	enum proc_state from = p->state;

	size_t i;

	if (from == to)
		return;
	p->state = to;
	if (to != PROC_STARTING)
		p->waiting = false;
	if (to != PROC_STOPPING) {
		p->holding = false;
		p->draining = false;
	}
	if (fsm_ops->changed != NULL)
		fsm_ops->changed(p, from);
	if (to == PROC_STOPPED && p->restarting)
		fsm_enqueue(p); /* fsm_act_resume() starts it again */
	/* Dependents may start or stop, dependencies may be released. */
	for (i = 0; i < p->nrdeps; i++)
		fsm_enqueue(p->rdeps[i]);
	for (i = 0; i < p->ndeps; i++)
		fsm_enqueue(p->deps[i]);
}

/* Enter RUNNING: the start succeeded, so the retry count starts over. */
static void
fsm_enter_running(struct proc *p)
{
	fsm_ops->timer_cancel(p);
	p->backoff = 0;
	svctab_note_clear(&p->spawnerr);
	fsm_set_state(p, PROC_RUNNING);
}

/*
 * A start failed (p->spawnerr says why).  supervisord: entering BACKOFF
 * counts one more failure and waits that many seconds (1, 2, 3...); once
 * the count exceeds startretries it gives up: FATAL, count reset.  So
 * startretries=3 means 4 attempts, startretries=0 means one.
 */
static void
fsm_enter_backoff(struct proc *p)
{
	p->backoff++;
	if (p->backoff > p->conf->startretries) {
		p->backoff = 0;
		fsm_ops->timer_cancel(p);
		fsm_set_state(p, PROC_FATAL);
		return;
	}
	fsm_set_state(p, PROC_BACKOFF);
	fsm_ops->timer_set(p, (double)p->backoff);
}

/*
 * Start the process now.  On success: STARTING, then RUNNING at once when
 * nothing needs waiting for (startsecs=0, no readiness).  On failure:
 * BACKOFF or FATAL, and ERR (if any) gets the spawn op's reason as is.
 */
static enum fsm_result
fsm_spawn(struct proc *p, char *err, size_t errlen)
{
	const struct conf_proc *c = p->conf;
	/* Sized so that "spawn error: " + WHY always fits in spawnerr. */
	char why[SVCTAB_SPAWNERR_MAX - sizeof(FSM_SPAWN_ERROR_PREFIX) + 1];

	p->restart_wall = 0;
	why[0] = '\0';
	if (fsm_ops->spawn(p, why, sizeof(why)) == -1) {
		svctab_note_set(&p->spawnerr, SVCTAB_SPAWNERR_MAX, "%s%s",
		    FSM_SPAWN_ERROR_PREFIX, why[0] != '\0' ? why : "unknown");
		if (err != NULL && errlen > 0)
			(void)snprintf(err, errlen, "%s",
			    why[0] != '\0' ? why : "spawn error");
		fsm_enter_backoff(p);
		return FSM_SPAWN_ERROR;
	}
	p->laststart = fsm_ops->now();
	p->start_wall = fsm_ops->wallclock();
	p->spawns++;
	p->ready = false;
	p->execed = false;
	p->killing = false;
	p->timed_out = false;
	p->watchdog_fired = false;
	p->waiting = false;
	p->killsent = false;
	p->stuck = false;
	svctab_note_clear(&p->stopnote);
	svctab_note_clear(&p->status_text);
	fsm_set_state(p, PROC_STARTING);
	/* startsecs=0 waits for the EXEC event; notify waits for READY=1,
	 * at most readiness_timeout. */
	if (c->readiness == CONF_READINESS_NONE && c->startsecs > 0)
		fsm_ops->timer_set(p, c->startsecs);
	else if (c->readiness != CONF_READINESS_NONE &&
		 c->readiness_timeout > 0)
		fsm_ops->timer_set(p, c->readiness_timeout);
	else
		fsm_ops->timer_cancel(p);
	return FSM_OK;
}

static enum fsm_result fsm_stop_now(struct proc *p);

/*
 * Start P once its dependencies are RUNNING.  ADMIN (a start someone
 * asked for) also starts the dependencies that are down; an automatic
 * restart only waits for those that are coming anyway, and a dependency
 * that is down for good leaves P STOPPED with a note saying which.
 */
static enum fsm_result
fsm_begin(struct proc *p, bool admin, char *err, size_t errlen)
{
	const struct proc *down = NULL;
	size_t i;

	p->restart_wall = 0;
	if (fsm_deps_check(p, &down) == FSM_DEPS_READY)
		return fsm_spawn(p, err, errlen);
	if (admin)
		for (i = 0; i < p->ndeps; i++)
			if (fsm_is_down(p->deps[i]))
				(void)fsm_start(p->deps[i], NULL, 0);
	fsm_ops->timer_cancel(p);
	p->killing = false;
	p->waiting = true;
	/* Leaving STARTING clears it; entering it from STARTING (a retry of
	 * a notify process cannot: it passes BACKOFF) is not a change. */
	fsm_set_state(p, PROC_STARTING);
	p->waiting = true;
	/* A dependency that went FATAL just now has queued a DEPS event:
	 * the queue settles it once this event is done. */
	return FSM_OK;
}

/* Copy the exit facts, filling what the runtime left at 0. */
static void
fsm_record_exit(struct proc *p, const struct proc_exit *ex)
{
	static const struct proc_exit none;
	double ran = fsm_ops->now() - p->laststart;

	p->lastexit = ex != NULL ? *ex : none;
	p->lastexit.valid = true;
	if (p->lastexit.uptime <= 0)
		p->lastexit.uptime = ran > 0 ? ran : 0;
	if (p->lastexit.wall <= 0)
		p->lastexit.wall = fsm_ops->wallclock();
	p->stop_wall = p->lastexit.wall;
}

/* EXITED and autorestart says go: now (supervisord's way) or later. */
static void
fsm_schedule_restart(struct proc *p, double ran)
{
	double delay = fsm_restart_delay(p, ran);

	p->restart_delay = delay;
	if (delay <= 0) {
		(void)fsm_begin(p, false, NULL, 0);
		return;
	}
	p->restart_wall = fsm_ops->now() + delay;
	fsm_ops->timer_set(p, delay);
}

/* ---- leftovers ---------------------------------------------------------- */

/* How many of P's processes outlive its main one (0: none tracked). */
static int
fsm_leftovers(struct proc *p)
{
	if (fsm_ops->leftovers == NULL)
		return 0;
	return fsm_ops->leftovers(p);
}

/* Should a stop of P go after its leftovers now? */
static bool
fsm_has_leftovers(struct proc *p)
{
	return p->conf->stop_leftovers && fsm_leftovers(p) > 0;
}

static void
fsm_kill_leftovers(struct proc *p, int sig)
{
	if (fsm_ops->kill_leftovers != NULL)
		(void)fsm_ops->kill_leftovers(p, sig);
}

/*
 * Drain P's leftovers from a resting state (EXITED, BACKOFF, FATAL,
 * STOPPED: the main process is long gone): STOPPING with a fresh
 * stopwaitsecs, stopsignal to each of them.
 */
static enum fsm_result
fsm_drain_begin(struct proc *p)
{
	p->dep_stopped = false;
	svctab_note_clear(&p->stopnote);
	p->restart_wall = 0;
	p->killing = true;
	p->killsent = false;
	p->draining = true;
	fsm_set_state(p, PROC_STOPPING);
	p->draining = true;
	fsm_ops->timer_set(p, p->conf->stopwaitsecs);
	fsm_kill_leftovers(p, p->conf->stopsignal);
	return FSM_OK;
}

/* The stop is over (leftovers gone, or given up on as stuck). */
static enum fsm_result
fsm_drain_done(struct proc *p)
{
	p->killing = false;
	p->draining = false;
	fsm_ops->timer_cancel(p);
	fsm_set_state(p, PROC_STOPPED);
	return FSM_OK;
}

/* SIGKILL was sent FSM_KILL_GRACE ago and something is still there. */
static void
fsm_mark_stuck(struct proc *p)
{
	if (p->stuck)
		return;
	p->stuck = true;
	if (fsm_ops->stuck != NULL)
		fsm_ops->stuck(p);
}

/* ---- the actions, one per table cell kind ------------------------------ */

/* The request makes no sense here, or the event is stale: do nothing. */
static enum fsm_result
fsm_act_ignore(struct proc *p, const struct fsm_event *ev)
{
	return FSM_OK;
}

static enum fsm_result
fsm_act_busy(struct proc *p, const struct fsm_event *ev)
{
	return FSM_ALREADY_STARTED;
}

static enum fsm_result
fsm_act_norun(struct proc *p, const struct fsm_event *ev)
{
	return FSM_NOT_RUNNING;
}

/* Administrative start: a fresh retry budget and a clean error. */
static enum fsm_result
fsm_act_start(struct proc *p, const struct fsm_event *ev)
{
	p->backoff = 0;
	p->restart_delay = 0;
	svctab_note_clear(&p->spawnerr);
	svctab_note_clear(&p->stopnote);
	p->dep_stopped = false;
	return fsm_begin(p, true, ev->err, ev->errlen);
}

/*
 * STARTING/RUNNING stop: stopsignal now, SIGKILL after stopwaitsecs.  The
 * state changes before the kill so errno survives for the caller.
 */
static enum fsm_result
fsm_signal_stop(struct proc *p)
{
	const struct conf_proc *c = p->conf;

	p->killing = true;
	p->holding = false;
	p->killsent = false;
	fsm_set_state(p, PROC_STOPPING);
	fsm_ops->timer_set(p, c->stopwaitsecs);
	if (fsm_ops->kill(p, c->stopsignal, c->stopasgroup) == -1 &&
	    errno != ESRCH) /* ESRCH: dead but unreaped; EXIT will come */
		return FSM_SIGNAL_ERROR;
	return FSM_OK;
}

/*
 * Stop a STARTING or RUNNING process; dependents stop first ("stops
 * before they do"): they are stopped, marked to come back with P, and P
 * holds in STOPPING, unsignalled, until the last one is down.
 */
static enum fsm_result
fsm_stop_now(struct proc *p)
{
	size_t i;

	for (i = 0; i < p->nrdeps; i++) {
		struct proc *d = p->rdeps[i];

		if (!fsm_is_up(d))
			continue;
		(void)fsm_stop(d);
		d->dep_stopped = true;
		svctab_note_set(&d->stopnote, SVCTAB_STOPNOTE_MAX,
		    "stopped with %s", p->fullname != NULL ? p->fullname : "?");
	}
	if (!fsm_rdeps_up(p))
		return fsm_signal_stop(p);
	fsm_ops->timer_cancel(p);
	p->killing = false;
	p->holding = true;
	fsm_set_state(p, PROC_STOPPING);
	p->holding = true;
	return FSM_OK;
}

/* STARTING/RUNNING administrative stop. */
static enum fsm_result
fsm_act_kill(struct proc *p, const struct fsm_event *ev)
{
	p->dep_stopped = false;
	svctab_note_clear(&p->stopnote);
	return fsm_stop_now(p);
}

/* STOPPING stop: already under way; a stop asked for by someone takes
 * over from one caused by a dependency (no coming back). */
static enum fsm_result
fsm_act_restop(struct proc *p, const struct fsm_event *ev)
{
	p->dep_stopped = false;
	svctab_note_clear(&p->stopnote);
	return FSM_OK;
}

/* STOPPED stop: nothing runs; but a stop asked for by someone cancels a
 * come-back after a dependency (and is then no error). */
static enum fsm_result
fsm_act_unresume(struct proc *p, const struct fsm_event *ev)
{
	if (fsm_has_leftovers(p))
		return fsm_drain_begin(p);
	if (!p->dep_stopped)
		return FSM_NOT_RUNNING;
	p->dep_stopped = false;
	return FSM_OK;
}

/* WAITING stop: no process exists yet; forget the start. */
static enum fsm_result
fsm_act_unwait(struct proc *p, const struct fsm_event *ev)
{
	p->dep_stopped = false;
	svctab_note_clear(&p->stopnote);
	fsm_ops->timer_cancel(p);
	fsm_set_state(p, PROC_STOPPED);
	return FSM_OK;
}

/* BACKOFF stop: no process exists, only a pending retry. */
static enum fsm_result
fsm_act_unbackoff(struct proc *p, const struct fsm_event *ev)
{
	if (fsm_has_leftovers(p))
		return fsm_drain_begin(p);
	p->dep_stopped = false;
	svctab_note_clear(&p->stopnote);
	fsm_ops->timer_cancel(p);
	fsm_set_state(p, PROC_STOPPED);
	return FSM_OK;
}

/* EXITED stop: cancels a delayed restart, else there is nothing to do. */
static enum fsm_result
fsm_act_unexit(struct proc *p, const struct fsm_event *ev)
{
	if (fsm_has_leftovers(p))
		return fsm_drain_begin(p);
	if (p->restart_wall == 0)
		return FSM_NOT_RUNNING;
	p->dep_stopped = false;
	svctab_note_clear(&p->stopnote);
	p->restart_wall = 0;
	fsm_ops->timer_cancel(p);
	fsm_set_state(p, PROC_STOPPED);
	return FSM_OK;
}

/* STARTING/RUNNING exit: a failed start, or a run that ended. */
static enum fsm_result
fsm_act_exit(struct proc *p, const struct fsm_event *ev)
{
	double ran = fsm_ops->now() - p->laststart;
	bool failed = fsm_failed_start(p, ev->exec_error, fsm_ops->now());

	fsm_record_exit(p, ev->ex);
	p->killing = false;
	/* A daemonised child living on is shown with the exit. */
	(void)fsm_leftovers(p);
	if (failed) {
		fsm_failed_start_reason(p, ev->exec_error);
		fsm_enter_backoff(p);
		return FSM_OK;
	}
	/* startsecs had passed but its timer had not fired yet: the start
	 * succeeded, and watchers see RUNNING before EXITED, as in
	 * supervisord's finish(). */
	if (p->state == PROC_STARTING)
		fsm_enter_running(p);
	p->backoff = 0;
	fsm_set_state(p, PROC_EXITED);
	if (fsm_wants_restart(p))
		fsm_schedule_restart(p, ran);
	return FSM_OK;
}

/* STOPPING (or UNKNOWN) exit: the stop is done, unless leftovers of
 * the service live on: then they are drained, within what is left of
 * stopwaitsecs (SIGKILL at once if the main process needed it). */
static enum fsm_result
fsm_act_stopped(struct proc *p, const struct fsm_event *ev)
{
	fsm_record_exit(p, ev->ex);
	p->holding = false;
	p->stuck = false;
	if (p->state == PROC_STOPPING && fsm_has_leftovers(p)) {
		if (!p->killing)
			fsm_ops->timer_set(p, p->conf->stopwaitsecs);
		else if (p->killsent)
			fsm_ops->timer_set(p, FSM_KILL_GRACE);
		p->killing = true;
		p->draining = true;
		fsm_kill_leftovers(
		    p, p->killsent ? SIGKILL : p->conf->stopsignal);
		return FSM_OK;
	}
	p->killing = false;
	fsm_ops->timer_cancel(p);
	fsm_set_state(p, PROC_STOPPED);
	return FSM_OK;
}

/* DRAINING timer: stopwaitsecs ran out (SIGKILL the leftovers), or the
 * grace after SIGKILL did (they are stuck: stop anyway). */
static enum fsm_result
fsm_act_drainkill(struct proc *p, const struct fsm_event *ev)
{
	if (fsm_leftovers(p) == 0)
		return fsm_drain_done(p);
	if (!p->killsent) {
		p->killsent = true;
		p->stuck_wall = fsm_ops->wallclock();
		fsm_ops->timer_set(p, FSM_KILL_GRACE);
		fsm_kill_leftovers(p, SIGKILL);
		return FSM_OK;
	}
	fsm_mark_stuck(p);
	return fsm_drain_done(p);
}

/* DRAINING empty: the last leftover is gone. */
static enum fsm_result
fsm_act_drained(struct proc *p, const struct fsm_event *ev)
{
	return fsm_drain_done(p);
}

/* FATAL stop: nothing runs, unless leftovers of a failed start do. */
static enum fsm_result
fsm_act_fatalstop(struct proc *p, const struct fsm_event *ev)
{
	if (fsm_has_leftovers(p))
		return fsm_drain_begin(p);
	return FSM_NOT_RUNNING;
}

/* STARTING timer: startsecs elapsed with the process alive. */
static enum fsm_result
fsm_act_startsecs(struct proc *p, const struct fsm_event *ev)
{
	const struct conf_proc *c = p->conf;
	double left;

	/* readiness=notify: the timer is readiness_timeout; only READY=1
	 * makes such a process RUNNING.  On expiry it is stopped and its
	 * exit is a failed start; a second expiry (stopwaitsecs later) is
	 * the SIGKILL. */
	if (c->readiness != CONF_READINESS_NONE) {
		if (c->readiness_timeout <= 0)
			return FSM_OK; /* stale: no timeout was armed */
		if (p->timed_out) {
			(void)fsm_ops->kill(p, SIGKILL, c->killasgroup);
			return FSM_OK;
		}
		p->timed_out = true;
		fsm_note_timeout(p);
		fsm_ops->timer_set(p, c->stopwaitsecs);
		(void)fsm_ops->kill(p, c->stopsignal, c->stopasgroup);
		return FSM_OK;
	}
	/* Early: libev counts a timer from its loop time, taken at the
	 * start of the loop turn, and a turn that spawned many processes
	 * on a loaded machine began long before this one's laststart.
	 * Wait out the rest, whether or not the exec is seen yet: EXEC
	 * arriving before startsecs has elapsed arms nothing, so without
	 * this timer nothing would ever finish the start. */
	left = c->startsecs - (fsm_ops->now() - p->laststart);
	if (left > 0) {
		fsm_ops->timer_set(p, left);
		return FSM_OK;
	}
	/* The exec is not confirmed yet (a very slow exec): EXEC will find
	 * startsecs elapsed and finish the start. */
	if (!p->execed)
		return FSM_OK;
	fsm_enter_running(p);
	return FSM_OK;
}

/* STARTING EXEC: the command runs.  RUNNING now if startsecs is already
 * over (startsecs=0, or a slow exec); else the timer decides. */
static enum fsm_result
fsm_act_execed(struct proc *p, const struct fsm_event *ev)
{
	const struct conf_proc *c = p->conf;

	p->execed = true;
	if (c->readiness == CONF_READINESS_NONE &&
	    fsm_ops->now() - p->laststart >= c->startsecs)
		fsm_enter_running(p);
	return FSM_OK;
}

/* BACKOFF timer: the wait is over, try again (not a fresh budget). */
static enum fsm_result
fsm_act_retry(struct proc *p, const struct fsm_event *ev)
{
	(void)fsm_begin(p, false, NULL, 0);
	return FSM_OK;
}

/* STOPPING timer: stopwaitsecs passed; SIGKILL, once (the leftovers
 * too, when they are to be stopped), then FSM_KILL_GRACE for it to
 * work.  ESRCH and other failures change nothing: the EXIT event ends
 * STOPPING.  The second expiry finds the process unkillable (D state):
 * it is reported, and stays STOPPING until it exits, without holding
 * anyone up. */
static enum fsm_result
fsm_act_sigkill(struct proc *p, const struct fsm_event *ev)
{
	if (p->killsent) {
		fsm_mark_stuck(p);
		return FSM_OK;
	}
	p->killsent = true;
	p->stuck_wall = fsm_ops->wallclock();
	fsm_ops->timer_set(p, FSM_KILL_GRACE);
	(void)fsm_ops->kill(p, SIGKILL, p->conf->killasgroup);
	if (p->conf->stop_leftovers)
		fsm_kill_leftovers(p, SIGKILL);
	return FSM_OK;
}

/* EXITED timer: the delayed restart is due. */
static enum fsm_result
fsm_act_restart(struct proc *p, const struct fsm_event *ev)
{
	if (p->restart_wall == 0)
		return FSM_OK; /* stale: the restart was cancelled */
	(void)fsm_begin(p, false, NULL, 0);
	return FSM_OK;
}

/* STARTING READY=1: the service says it is up. */
static enum fsm_result
fsm_act_ready(struct proc *p, const struct fsm_event *ev)
{
	if (p->conf->readiness != (ev->healthy ? CONF_READINESS_HEALTH
	                                       : CONF_READINESS_NOTIFY))
		return FSM_OK;
	if (p->timed_out)
		return FSM_OK; /* too late: it is being stopped */
	p->ready = true;
	fsm_enter_running(p);
	return FSM_OK;
}

/* WAITING deps: spawn once every dependency is RUNNING; give up (STOPPED,
 * with a note) when one is down for good. */
static enum fsm_result
fsm_act_depwait(struct proc *p, const struct fsm_event *ev)
{
	const struct proc *down = NULL;

	switch (fsm_deps_check(p, &down)) {
	case FSM_DEPS_READY:
		p->waiting = false;
		(void)fsm_spawn(p, NULL, 0);
		break;
	case FSM_DEPS_DOWN:
		fsm_note_dep(p, down);
		p->dep_stopped = true;
		fsm_set_state(p, PROC_STOPPED);
		break;
	case FSM_DEPS_WAIT:
		break;
	}
	return FSM_OK;
}

/* STARTING/RUNNING deps: a dependency went FATAL; stop, and come back
 * with it. */
static enum fsm_result
fsm_act_depkill(struct proc *p, const struct fsm_event *ev)
{
	const struct proc *q = fsm_deps_fatal(p);

	if (q == NULL)
		return FSM_OK;
	(void)fsm_stop_now(p);
	fsm_note_dep(p, q);
	p->dep_stopped = true;
	return FSM_OK;
}

/* BACKOFF/EXITED deps: a dependency went FATAL; drop the pending retry
 * or restart. */
static enum fsm_result
fsm_act_depdrop(struct proc *p, const struct fsm_event *ev)
{
	const struct proc *q = fsm_deps_fatal(p);

	if (q == NULL || (p->state == PROC_EXITED && p->restart_wall == 0))
		return FSM_OK;
	p->restart_wall = 0;
	fsm_ops->timer_cancel(p);
	fsm_note_dep(p, q);
	p->dep_stopped = true;
	fsm_set_state(p, PROC_STOPPED);
	return FSM_OK;
}

/* STOPPED deps: stopped because of a dependency, which runs again:
 * start again (with a fresh retry budget: nobody asked for the stop). */
static enum fsm_result
fsm_act_resume(struct proc *p, const struct fsm_event *ev)
{
	const struct proc *down = NULL;

	if (p->restarting) { /* fsm_restart()'s second half */
		p->restarting = false;
		return fsm_begin(p, false, NULL, 0);
	}
	if (!p->dep_stopped || p->ndeps == 0 ||
	    fsm_deps_check(p, &down) != FSM_DEPS_READY)
		return FSM_OK;
	p->dep_stopped = false;
	p->backoff = 0;
	p->restart_delay = 0;
	svctab_note_clear(&p->spawnerr);
	return fsm_spawn(p, NULL, 0);
}

/* HOLDING deps: the last dependent is down; now stop P itself. */
static enum fsm_result
fsm_act_release(struct proc *p, const struct fsm_event *ev)
{
	if (fsm_rdeps_up(p))
		return FSM_OK;
	return fsm_signal_stop(p);
}

/*
 * RUNNING watchdog: no WATCHDOG=1 for watchdog_sec.  The process is hung:
 * SIGABRT (systemd's WatchdogSignal default: a core for the post-mortem),
 * SIGKILL after stopwaitsecs.  It stays RUNNING, so its exit is an
 * unexpected one (by signal) and autorestart restarts it.
 */
static enum fsm_result
fsm_act_watchdog(struct proc *p, const struct fsm_event *ev)
{
	if (p->watchdog_fired)
		return FSM_OK;
	p->watchdog_fired = true;
	fsm_ops->timer_set(p, p->conf->stopwaitsecs);
	(void)fsm_ops->kill(p, SIGABRT, p->conf->stopasgroup);
	return FSM_OK;
}

/* RUNNING timer: only the watchdog's SIGKILL uses it. */
static enum fsm_result
fsm_act_wdkill(struct proc *p, const struct fsm_event *ev)
{
	if (p->watchdog_fired)
		(void)fsm_ops->kill(p, SIGKILL, p->conf->killasgroup);
	return FSM_OK;
}

/*
 * The whole behaviour: fsm_table[state][event], A(x) naming fsm_act_x.
 * UNKNOWN is never entered by tend; its row keeps a stray value safe.
 */
#define A(x) fsm_act_##x
/* clang-format off */
static fsm_action *const fsm_table[FSM_NROWS][FSM_NEVENTS] = {
/*   START     STOP          EXIT        TIMER         READY      EXEC
 *   DEPS        WATCHDOG     EMPTY */
[FSM_ROW_STOPPED] =
    {A(start), A(unresume),  A(ignore),  A(ignore),    A(ignore), A(ignore),
     A(resume),  A(ignore),   A(ignore)},
[FSM_ROW_WAITING] =
    {A(busy),  A(unwait),    A(ignore),  A(ignore),    A(ignore), A(ignore),
     A(depwait), A(ignore),   A(ignore)},
[FSM_ROW_STARTING] =
    {A(busy),  A(kill),      A(exit),    A(startsecs), A(ready),  A(execed),
     A(depkill), A(ignore),   A(ignore)},
[FSM_ROW_RUNNING] =
    {A(busy),  A(kill),      A(exit),    A(wdkill),    A(ignore), A(ignore),
     A(depkill), A(watchdog), A(ignore)},
[FSM_ROW_BACKOFF] =
    {A(busy),  A(unbackoff), A(ignore),  A(retry),     A(ignore), A(ignore),
     A(depdrop), A(ignore),   A(ignore)},
[FSM_ROW_HOLDING] =
    {A(busy),  A(restop),    A(stopped), A(ignore),    A(ignore), A(ignore),
     A(release), A(ignore),   A(ignore)},
[FSM_ROW_STOPPING] =
    {A(busy),  A(restop),    A(stopped), A(sigkill),   A(ignore), A(ignore),
     A(ignore),  A(ignore),   A(ignore)},
[FSM_ROW_DRAINING] =
    {A(busy),  A(restop),    A(ignore),  A(drainkill), A(ignore), A(ignore),
     A(ignore),  A(ignore),   A(drained)},
[FSM_ROW_EXITED] =
    {A(start), A(unexit),    A(ignore),  A(restart),   A(ignore), A(ignore),
     A(depdrop), A(ignore),   A(ignore)},
[FSM_ROW_FATAL] =
    {A(start), A(fatalstop), A(ignore),  A(ignore),    A(ignore), A(ignore),
     A(ignore),  A(ignore),   A(ignore)},
[FSM_ROW_UNKNOWN] =
    {A(busy),  A(norun),     A(stopped), A(ignore),    A(ignore), A(ignore),
     A(ignore),  A(ignore),   A(ignore)},
};
/* clang-format on */
#undef A

/* Deliver the queued dependency events until none is left. */
static void
fsm_drain(void)
{
	struct fsm_event ev = {.type = FSM_EV_DEPS};
	struct proc *p;
	int saved = errno; /* fsm_stop's caller reads errno after us */

	fsm_q.depth++;
	while ((p = fsm_dequeue()) != NULL)
		(void)fsm_table[fsm_row_of_proc(p)][FSM_EV_DEPS](p, &ev);
	fsm_q.depth--;
	errno = saved;
}

static enum fsm_result
fsm_dispatch(struct proc *p, const struct fsm_event *ev)
{
	enum fsm_result res;

	fsm_q.depth++;
	res = fsm_table[fsm_row_of_proc(p)][ev->type](p, ev);
	fsm_q.depth--;
	if (fsm_q.depth == 0)
		fsm_drain();
	return res;
}

/* ---- the API ------------------------------------------------------------ */

void
fsm_init(const struct fsm_ops *ops)
{
	fsm_ops = ops;
}

enum fsm_result
fsm_start(struct proc *p, char *err, size_t errlen)
{
	struct fsm_event ev = {
	    .type = FSM_EV_START, .err = err, .errlen = errlen};

	p->restarting = false;
	return fsm_dispatch(p, &ev);
}

enum fsm_result
fsm_stop(struct proc *p)
{
	struct fsm_event ev = {.type = FSM_EV_STOP};

	p->restarting = false;
	return fsm_dispatch(p, &ev);
}

enum fsm_result
fsm_restart(struct proc *p)
{
	struct fsm_event ev = {.type = FSM_EV_STOP};
	enum fsm_result res;

	if (p->state != PROC_RUNNING &&
	    (p->state != PROC_STARTING || p->waiting))
		return FSM_NOT_RUNNING;
	p->restarting = true;
	res = fsm_dispatch(p, &ev);
	if (res != FSM_OK && res != FSM_SIGNAL_ERROR)
		p->restarting = false;
	return res;
}

/* A signal changes no state, so it is a plain check, not a table event.
 * It goes to the process only, never its group (supervisord's signal). */
enum fsm_result
fsm_signal(struct proc *p, int sig, char *err, size_t errlen)
{
	if (p->state != PROC_STARTING && p->state != PROC_RUNNING &&
	    p->state != PROC_STOPPING)
		return FSM_NOT_RUNNING;
	if (fsm_ops->kill(p, sig, false) == 0)
		return FSM_OK;
	/* ESRCH: it died on its own and is not reaped yet; supervisord
	 * counts the signal as delivered and so do we. */
	if (errno == ESRCH)
		return FSM_OK;
	if (err != NULL && errlen > 0)
		(void)snprintf(err, errlen, "kill(SIG%s): %s",
		    util_signal_name(sig), strerror(errno));
	return FSM_SIGNAL_ERROR;
}

/* An occurrence with no arguments. */
static void
fsm_post(struct proc *p, enum fsm_event_type type)
{
	struct fsm_event ev = {.type = type};

	(void)fsm_dispatch(p, &ev);
}

void
fsm_on_exit(struct proc *p, const struct proc_exit *ex, const char *exec_error)
{
	struct fsm_event ev = {
	    .type = FSM_EV_EXIT, .ex = ex, .exec_error = exec_error};

	(void)fsm_dispatch(p, &ev);
}

void
fsm_on_timer(struct proc *p)
{
	fsm_post(p, FSM_EV_TIMER);
}

void
fsm_on_ready(struct proc *p)
{
	fsm_post(p, FSM_EV_READY);
}

void
fsm_on_healthy(struct proc *p)
{
	struct fsm_event ev = {.type = FSM_EV_READY, .healthy = true};

	(void)fsm_dispatch(p, &ev);
}

void
fsm_on_exec(struct proc *p)
{
	fsm_post(p, FSM_EV_EXEC);
}

void
fsm_on_watchdog(struct proc *p)
{
	fsm_post(p, FSM_EV_WATCHDOG);
}

void
fsm_on_empty(struct proc *p)
{
	fsm_post(p, FSM_EV_EMPTY);
}

const char *
fsm_state_name(enum proc_state s)
{
	return fsm_state_names[fsm_row_of(s)];
}

int
fsm_state_parse(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < FSM_NSTATES; i++)
		if (strcasecmp(name, fsm_state_names[i]) == 0)
			return (int)fsm_row_states[i];
	return -1;
}

bool
fsm_is_active(enum proc_state s)
{
	return s == PROC_STARTING || s == PROC_RUNNING || s == PROC_BACKOFF ||
	       s == PROC_STOPPING;
}

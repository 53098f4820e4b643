/*
 * fsm_policy.c: the exit and restart policy as the state machine reads it
 * (fsm_impl.h): did a run fail to start (startsecs, readiness), the
 * spawnerr text saying why, whether an exit was expected (exitcodes) and
 * wants a restart (autorestart), and the restart delay with its backoff
 * (restart_delay, restart_backoff_max, restart_backoff_reset).  Pure: it
 * reads struct proc and its config and sets only the spawnerr note; what
 * happens then is fsm.c's table.
 */
#include "fsm_impl.h"
#include "svctab.h"

/*
 * Did the run that just ended fail to start?  An exec failure always
 * does; in STARTING so does an exit before startsecs (readiness=none) or
 * before READY=1 (readiness=notify).
 */
bool
fsm_failed_start(const struct proc *p, const char *exec_error, double now)
{
	const struct conf_proc *c = p->conf;

	if (exec_error != NULL)
		return true;
	if (p->state != PROC_STARTING)
		return false;
	if (c->readiness != CONF_READINESS_NONE)
		return !p->ready;
	return now - p->laststart < c->startsecs;
}

/* readiness_timeout ran out: say what did not come. */
void
fsm_note_timeout(struct proc *p)
{
	svctab_note_set(&p->spawnerr, SVCTAB_SPAWNERR_MAX, "%s within %gs "
	    "(readiness_timeout)",
	    p->conf->readiness == CONF_READINESS_HEALTH
		? "No passing health probe"
		: "No READY=1",
	    p->conf->readiness_timeout);
}

/* Fill spawnerr for a failed start (supervisord's text for an early exit). */
void
fsm_failed_start_reason(struct proc *p, const char *exec_error)
{
	const char *why;

	if (exec_error != NULL) {
		svctab_note_set(&p->spawnerr, SVCTAB_SPAWNERR_MAX, "%s%s",
		    FSM_SPAWN_ERROR_PREFIX, exec_error);
		return;
	}
	if (p->timed_out) {
		fsm_note_timeout(p);
		return;
	}
	if (p->conf->readiness == CONF_READINESS_NOTIFY)
		why = "Exited before READY=1 (process log may have details)";
	else if (p->conf->readiness == CONF_READINESS_HEALTH)
		why = "Exited before a health probe passed (process log may "
		      "have details)";
	else
		why = "Exited too quickly (process log may have details)";
	svctab_note_set(&p->spawnerr, SVCTAB_SPAWNERR_MAX, "%s", why);
}

/* supervisord: an exit is expected when its code is in exitcodes; a
 * death by signal never is (decode_wait_status gives es = -1). */
bool
fsm_exit_expected(const struct proc *p)
{
	if (p->lastexit.signal != 0)
		return false;
	return conf_exitcode_expected(&p->conf->exitcodes, p->lastexit.code);
}

bool
fsm_wants_restart(const struct proc *p)
{
	switch (p->conf->autorestart) {
	case CONF_AUTORESTART_TRUE:
		return true;
	case CONF_AUTORESTART_UNEXPECTED:
		return !fsm_exit_expected(p);
	case CONF_AUTORESTART_FALSE:
	default:
		return false;
	}
}

/*
 * The delay before restarting after a run of RAN seconds.  restart_delay
 * is the base.  With restart_backoff_max > 0, a run shorter than
 * restart_backoff_reset doubles the previous delay, never below
 * max(base, 1s) nor above the cap; a long enough run resets it to base.
 */
double
fsm_restart_delay(const struct proc *p, double ran)
{
	const struct conf_proc *c = p->conf;
	double base = c->restart_delay > 0 ? c->restart_delay : 0;
	double floor = base > 1 ? base : 1;
	double d;

	if (c->restart_backoff_max <= 0 || ran >= c->restart_backoff_reset)
		return base;
	d = p->restart_delay * 2;
	if (d < floor)
		d = floor;
	if (d > c->restart_backoff_max)
		d = c->restart_backoff_max;
	if (d < base) /* a cap below the base: the base wins */
		d = base;
	return d;
}

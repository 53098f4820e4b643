/*
 * fsm_deps.c: depends_on= as the state machine sees it: is a process up
 * or down for good, are a process's dependencies ready, is a dependent
 * still up, and the stopnote naming the dependency that held it.  Pure
 * reads of struct proc (but the stopnote); fsm.c decides what follows.
 */
#include "fsm_impl.h"

#include "svctab.h"

/* A process that is, or will be without anyone asking, running: a
 * process exists or a start is pending. */
bool
fsm_is_up(const struct proc *p)
{
	return fsm_is_active(p->state) ||
	       (p->state == PROC_EXITED && p->restart_wall != 0);
}

/* A dependency that cannot become RUNNING unless someone starts it. */
bool
fsm_is_down(const struct proc *p)
{
	return !fsm_is_up(p);
}

/* Q (a depends_on=Q:exited task) ended with one of its exitcodes. */
static bool
fsm_exited_well(const struct proc *q)
{
	return q->state == PROC_EXITED && q->lastexit.valid &&
	       q->lastexit.signal == 0 &&
	       conf_exitcode_expected(&q->conf->exitcodes, q->lastexit.code);
}

/* Are P's dependencies all RUNNING (or, for depends_on=Q:exited, exited
 * well)?  DOWN names the first one that is down for good (FATAL, stopped
 * and not coming back, or a task that exited badly and will not retry). */
enum fsm_deps
fsm_deps_check(const struct proc *p, const struct proc **down)
{
	enum fsm_deps r = FSM_DEPS_READY;
	size_t i;

	for (i = 0; i < p->ndeps; i++) {
		const struct proc *q = p->deps[i];
		bool task = svctab_dep_exited(p, q);

		if (task ? fsm_exited_well(q) : q->state == PROC_RUNNING)
			continue;
		if (fsm_is_down(q)) {
			*down = q;
			return FSM_DEPS_DOWN;
		}
		r = FSM_DEPS_WAIT;
	}
	return r;
}

/* The first dependency of P in FATAL, or NULL. */
const struct proc *
fsm_deps_fatal(const struct proc *p)
{
	size_t i;

	for (i = 0; i < p->ndeps; i++)
		if (p->deps[i]->state == PROC_FATAL)
			return p->deps[i];
	return NULL;
}

/* Is a dependent of P still up (so P must not be signalled yet)? */
bool
fsm_rdeps_up(const struct proc *p)
{
	size_t i;

	for (i = 0; i < p->nrdeps; i++)
		if (fsm_is_up(p->rdeps[i]))
			return true;
	return false;
}

/* "dependency db is FATAL" into P's stopnote; for a task that exited
 * badly, how. */
void
fsm_note_dep(struct proc *p, const struct proc *q)
{
	const char *name = q->fullname != NULL ? q->fullname : "?";

	if (q->state == PROC_EXITED && q->lastexit.valid &&
	    q->lastexit.signal != 0)
		svctab_note_set(&p->stopnote, SVCTAB_STOPNOTE_MAX,
		    "dependency %s exited on signal %d", name,
		    q->lastexit.signal);
	else if (q->state == PROC_EXITED && q->lastexit.valid)
		svctab_note_set(&p->stopnote, SVCTAB_STOPNOTE_MAX,
		    "dependency %s exited with status %d, not one of its exitcodes",
		    name, q->lastexit.code);
	else
		svctab_note_set(&p->stopnote, SVCTAB_STOPNOTE_MAX,
		    "dependency %s is %s", name, fsm_state_name(q->state));
}

/*
 * job.c: the jobs that wait on processes (job.h): start, stop, restart,
 * signal, the steps of an update and of a rolling restart, shutdown.
 *
 * A start or stop does not block: the request waits in job.pending and
 * job_proc_changed() completes it when its processes reach a final
 * state.  update, add, remove and reload (reload.c) and rolling restarts
 * are job_ops: a step per process, moved on the same way.  Results go out
 * through the request's reply sink (req.h) as each completes, in order.
 *
 * Acts only through fsm.h and svctab.h; never forks, signals or reaps.
 */
#include "job.h"
#include "fsm.h"
#include "log.h"
#include "proto.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
	struct job_req *pending;
	bool sweeping;
} job;

static void job_ops_touch(struct proc *p);
static void job_ops_gone(struct proc *p);
static void job_req_cancel(struct req *rq);

/* --- results of start/stop/signal ---------------------------------- */

void
job_put_result(struct req *rq, const struct job_wait *wt, const char *success)
{
	req_result(rq, wt->name, wt->fault,
	    wt->fault == PROTO_F_OK ? success : NULL, wt->detail);
}

void
job_wait_finish(struct job_wait *wt, int fault, const char *detail)
{
	wt->done = true;
	wt->fault = fault;
	(void)snprintf(
	    wt->detail, sizeof(wt->detail), "%s", detail != NULL ? detail : "");
}

/* Has the start or stop of WT reached a final state? */
static void
job_wait_eval(struct job_wait *wt, enum job_phase phase)
{
	struct proc *p = wt->p;

	if (wt->done || !wt->issued || p == NULL)
		return;
	if (phase == JOB_PHASE_STOP) {
		/* STOPPED, EXITED or FATAL: nothing runs any more. */
		if (!fsm_is_active(p->state))
			job_wait_finish(wt, PROTO_F_OK, NULL);
		/* Survived SIGKILL (D state): waiting would never end. */
		else if (p->stuck)
			job_wait_finish(wt, PROTO_F_FAILED,
			    "unkillable: survives SIGKILL (see status)");
		return;
	}
	/* supervisord's startProcess: RUNNING is success, a spawn error is
	 * one, leaving STARTING any other way is an abnormal end. */
	switch (p->state) {
	case PROC_RUNNING:
		job_wait_finish(wt, PROTO_F_OK, NULL);
		break;
	case PROC_STARTING:
		break;
	default:
		if (p->state == PROC_STOPPED && p->stopnote != NULL)
			/* a dependency is down: "dependency db is FATAL" */
			job_wait_finish(
			    wt, PROTO_F_ABNORMAL_TERMINATION, p->stopnote);
		else if (p->spawnerr != NULL)
			job_wait_finish(wt, PROTO_F_SPAWN_ERROR, p->spawnerr);
		else {
			char why[64];

			(void)snprintf(why, sizeof(why),
			    "it became %s before RUNNING",
			    fsm_state_name(p->state));
			job_wait_finish(wt, PROTO_F_ABNORMAL_TERMINATION, why);
		}
		break;
	}
}

/* Make the fsm call for one wait of a start or stop phase. */
static void
job_wait_issue(struct job_wait *wt, enum job_phase phase)
{
	char err[200] = "";
	enum fsm_result res;

	if (wt->done || wt->p == NULL)
		return;
	if (phase == JOB_PHASE_STOP) {
		/* Already on its way down (fsm_stop says FSM_OK, and a
		 * stop asked for here replaces one caused by a dependency,
		 * which would come back with it). */
		res = fsm_stop(wt->p);
	} else {
		if (req_env.shutting_down) {
			job_wait_finish(wt, PROTO_F_SHUTTING_DOWN, NULL);
			return;
		}
		res = fsm_start(wt->p, err, sizeof(err));
	}
	switch (res) {
	case FSM_OK:
		wt->issued = true;
		job_wait_eval(wt, phase);
		break;
	case FSM_ALREADY_STARTED:
		job_wait_finish(wt, PROTO_F_ALREADY_STARTED, NULL);
		break;
	case FSM_NOT_RUNNING:
		job_wait_finish(wt, PROTO_F_NOT_RUNNING, NULL);
		break;
	case FSM_SPAWN_ERROR:
		job_wait_finish(wt, PROTO_F_SPAWN_ERROR,
		    err[0] ? err : svctab_note(wt->p->spawnerr));
		break;
	case FSM_SIGNAL_ERROR:
		/* The stop goes on (SIGKILL after stopwaitsecs): wait, and
		 * say why the first signal failed if it never stops. */
		wt->issued = true;
		job_wait_eval(wt, phase);
		break;
	}
}

/*
 * Dependency depths, memoized: how many depends_on levels lie below a
 * process (0: depends on nothing).  Without the memo, a depth walks every
 * path: six levels of 100 processes, each depending on the whole level
 * below, are 10^10 calls per process of the top level.  An open-addressing
 * table keyed by the proc's address, sized for every process of the
 * table; the config refused cycles and LIMIT only bounds the recursion.
 */
struct job_depth_memo {
	const struct proc **key;
	int *depth;
	size_t mask;
};

static int
job_depth_memo_init(struct job_depth_memo *m, size_t nprocs)
{
	size_t cap = 16;

	while (cap < 2 * nprocs + 2)
		cap <<= 1;
	m->mask = cap - 1;
	m->key = calloc(cap, sizeof(*m->key));
	m->depth = calloc(cap, sizeof(*m->depth));
	return m->key != NULL && m->depth != NULL ? 0 : -1;
}

static void
job_depth_memo_free(struct job_depth_memo *m)
{
	free(m->key);
	free(m->depth);
}

/* P's slot in M: the one holding it, or the free one it would take. */
static size_t
job_depth_slot(const struct job_depth_memo *m, const struct proc *p)
{
	size_t h = (size_t)(((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ull);

	for (h &= m->mask; m->key[h] != NULL && m->key[h] != p;
	     h = (h + 1) & m->mask)
		;
	return h;
}

static int
job_dep_depth(struct job_depth_memo *m, const struct proc *p, int limit)
{
	size_t i, h;
	int d, best = 0;

	if (p == NULL || limit <= 0 || p->ndeps == 0)
		return 0;
	if (m->key[h = job_depth_slot(m, p)] == p)
		return m->depth[h];
	for (i = 0; i < p->ndeps; i++)
		if ((d = 1 + job_dep_depth(m, p->deps[i], limit - 1)) > best)
			best = d;
	/* The recursion filled slots: look again. */
	h = job_depth_slot(m, p);
	m->key[h] = p;
	m->depth[h] = best;
	return best;
}

/*
 * Starts go in table order (priority), stops in reverse order within
 * each argument, the arguments in the order given: "stop all" stops by
 * descending priority, "stop a b" stops a first.  Then depends_on wins
 * (a stable sort by dependency depth): dependencies are started before
 * their dependents and stopped after them, so the fsm (which enforces
 * the same order) never reports "already started" for a dependency it
 * started itself.
 */
static void
job_req_order(struct job_req *r)
{
	struct job_depth_memo memo = {0};
	size_t i, j, s, e, t;
	int *depth;
	bool any = false;

	for (s = 0; s < r->nw; s = e) {
		for (e = s; e < r->nw && r->w[e].pat == r->w[s].pat; e++)
			;
		for (i = s; i < e; i++)
			r->order[i] =
			    r->phase == JOB_PHASE_START ? i : e - 1 - (i - s);
	}
	if ((depth = calloc(r->nw + 1, sizeof(*depth))) == NULL ||
	    job_depth_memo_init(&memo, req_env.tab->nprocs) == -1) {
		free(depth);
		job_depth_memo_free(&memo);
		return; /* the fsm still enforces the order */
	}
	for (i = 0; i < r->nw; i++)
		if ((depth[i] = job_dep_depth(&memo, r->w[i].p, 64)) > 0)
			any = true;
	job_depth_memo_free(&memo);
	/* Insertion sort: stable, and only run when depends_on is used. */
	for (i = 1; any && i < r->nw; i++) {
		t = r->order[i];
		for (j = i; j > 0; j--) {
			int a = depth[r->order[j - 1]], b = depth[t];

			if (r->phase == JOB_PHASE_START ? a <= b : a >= b)
				break;
			r->order[j] = r->order[j - 1];
		}
		r->order[j] = t;
	}
	free(depth);
}

/* Reset the waits for a new phase and make the fsm calls, skipping the
 * no-ops of group members (supervisord's startProcessGroup starts only
 * what is not running, stopProcessGroup stops only what runs). */
static void
job_req_issue(struct job_req *r)
{
	size_t i;
	bool active;

	r->issuing = true;
	r->emitted = 0;
	job_req_order(r);
	for (i = 0; i < r->nw; i++) {
		struct job_wait *wt = &r->w[i];

		if (wt->p == NULL)
			continue; /* "no such process" stays */
		wt->done = wt->issued = false;
		wt->fault = PROTO_F_OK;
		wt->detail[0] = '\0';
		active = fsm_is_active(wt->p->state);
		if (r->group[i] && (r->phase == JOB_PHASE_START) == active) {
			/* Marked done with a fault we never print. */
			job_wait_finish(wt, -1, NULL);
			continue;
		}
	}
	for (i = 0; i < r->nw; i++)
		job_wait_issue(&r->w[r->order[i]], r->phase);
	r->issuing = false;
	r->dirty = true;
}

/* Send the completed prefix of results; true when the request is over. */
static bool
job_req_progress(struct job_req *r)
{
	const char *success =
	    r->phase == JOB_PHASE_START ? "started" : "stopped";

	while (r->emitted < r->nw && r->w[r->order[r->emitted]].done) {
		const struct job_wait *wt = &r->w[r->order[r->emitted++]];

		if (wt->fault >= 0)
			job_put_result(r->rq, wt, success);
	}
	if (r->emitted < r->nw)
		return false;
	if (r->phase == JOB_PHASE_STOP && r->restart) {
		r->phase = JOB_PHASE_START;
		job_req_issue(r);
		return false;
	}
	req_end(r->rq);
	return true;
}

void
job_req_free(struct job_req *r)
{
	struct job_req **pp;
	size_t i;

	for (pp = &job.pending; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	ev_timer_stop(req_env.loop, &r->timeout);
	for (i = 0; i < r->nw; i++)
		free(r->w[i].name);
	free(r->w);
	free(r->group);
	free(r->order);
	free(r);
}

/* Progress every dirty request until none is.  Re-entrant calls (an fsm
 * call made here changes a state, which lands in ctl_proc_changed) only
 * mark requests dirty; the outermost sweep finishes the work, so no
 * request is freed under a caller's feet. */
static void
job_sweep(void)
{
	struct job_req *r;
	bool again;

	if (job.sweeping)
		return;
	job.sweeping = true;
	do {
		again = false;
		for (r = job.pending; r != NULL; r = r->next) {
			if (!r->dirty || r->issuing)
				continue;
			r->dirty = false;
			again = true;
			if (job_req_progress(r)) {
				/* Reading resumes once the reply is out
				 * (ctl_write_cb). */
				job_req_free(r);
				break;
			}
		}
	} while (again);
	job.sweeping = false;
}

/* --- requests ----------------------------------------------------- */

/* Append one wait per process PATTERN names to R (no duplicates); a
 * pattern naming nothing becomes a "no such process" result.  -1 on
 * ENOMEM. */
int
job_req_add(struct job_req *r, const char *pattern)
{
	struct proc_list list = {0};
	struct job_wait *nw;
	bool *ng, group;
	size_t i, j, k, nw0 = r->nw;
	unsigned pat = r->npat++;
	int n;

	if ((n = svctab_match(req_env.tab, pattern, &list)) < 0)
		return -1;
	/* A single process named exactly reports its no-ops; a group,
	 * GROUP:* or all skips them (supervisorctl). */
	group = n == 0 || svctab_find(req_env.tab, pattern) == NULL;
	nw = realloc(r->w, (r->nw + list.n + 1) * sizeof(*nw));
	if (nw != NULL)
		r->w = nw;
	ng = realloc(r->group, (r->nw + list.n + 1) * sizeof(*ng));
	if (ng != NULL)
		r->group = ng;
	if (nw == NULL || ng == NULL) {
		proc_list_free(&list);
		return -1;
	}
	if (n == 0) {
		memset(&r->w[r->nw], 0, sizeof(r->w[0]));
		r->group[r->nw] = false;
		r->w[r->nw].pat = pat;
		if ((r->w[r->nw].name = strdup(pattern)) == NULL) {
			proc_list_free(&list);
			return -1;
		}
		job_wait_finish(&r->w[r->nw], PROTO_F_NO_SUCH_PROCESS, NULL);
		r->nw++;
	}
	for (k = 0; k < list.n; k++) {
		struct proc *p = list.v[k];

		/* svctab_match lists each process once: look for it only
		 * among earlier arguments' (status all of 1,000 processes
		 * must not cost a million comparisons). */
		for (j = 0; j < nw0; j++)
			if (r->w[j].p == p)
				break;
		if (j < nw0)
			continue;
		i = r->nw;
		memset(&r->w[i], 0, sizeof(r->w[i]));
		r->w[i].p = p;
		r->w[i].pat = pat;
		r->group[i] = group;
		if ((r->w[i].name = strdup(p->fullname)) == NULL) {
			proc_list_free(&list);
			return -1;
		}
		r->nw++;
	}
	proc_list_free(&list);
	return 0;
}

/* start/stop -t ran out: whatever has not got there fails "timed out"
 * (the process itself carries on towards where it was sent), and a
 * restart does not go on to its start phase. */
static void
job_req_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct job_req *r = w->data;
	char why[96];
	size_t i;

	for (i = 0; i < r->nw; i++) {
		struct job_wait *wt = &r->w[i];

		if (wt->done || wt->p == NULL)
			continue;
		(void)snprintf(why, sizeof(why), "still %s after %g seconds",
		    fsm_state_name(wt->p->state), r->timeout_secs);
		job_wait_finish(wt, PROTO_F_TIMED_OUT, why);
	}
	r->restart = false;
	r->dirty = true;
	job_sweep();
}

void
job_do_startstop(struct req *rq)
{
	uint16_t type = rq->type;
	const char **argv = rq->argv;
	int argc = rq->argc;
	const char *t = req_opt(rq, "timeout");
	struct job_req *r;
	double secs = 0;
	char *end;
	int i;

	if (t != NULL && ((secs = strtod(t, &end), *end != '\0' || *t == '\0') ||
	                     !(secs > 0 && secs <= 1e6))) {
		req_error(rq, "bad timeout: %s", t);
		return;
	}
	if (argc == 0) {
		req_error(rq, "a process name is required");
		return;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto nomem;
	r->rq = rq;
	ev_timer_init(&r->timeout, job_req_timeout_cb, secs, 0.);
	r->timeout.data = r;
	r->timeout_secs = secs;
	r->restart = type == PROTO_REQ_RESTART;
	r->phase = type == PROTO_REQ_START ? JOB_PHASE_START : JOB_PHASE_STOP;
	for (i = 0; i < argc; i++)
		if (job_req_add(r, argv[i]) == -1) {
			job_req_free(r);
			goto nomem;
		}
	if ((r->order = calloc(r->nw + 1, sizeof(*r->order))) == NULL) {
		job_req_free(r);
		goto nomem;
	}
	r->next = job.pending;
	job.pending = r;
	rq->state = r;
	rq->cancel = job_req_cancel;
	if (secs > 0)
		ev_timer_start(req_env.loop, &r->timeout);
	job_req_issue(r);
	job_sweep();
	return;
nomem:
	req_error(rq, "tendd: out of memory");
}

void
job_do_signal(struct req *rq)
{
	const char **argv = rq->argv;
	int argc = rq->argc;
	struct job_req *r;
	char err[200];
	int sig, i;
	size_t k;

	if (argc < 2) {
		req_error(rq, "a signal and a process name are required");
		return;
	}
	sig = util_signal_parse(argv[0]);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto nomem;
	for (i = 1; i < argc; i++)
		if (job_req_add(r, argv[i]) == -1) {
			job_req_free(r);
			goto nomem;
		}
	for (k = 0; k < r->nw; k++) {
		struct job_wait *wt = &r->w[k];

		if (wt->p == NULL) {
			/* no such process, already finished */
		} else if (sig <= 0) {
			job_wait_finish(wt, PROTO_F_BAD_SIGNAL, NULL);
		} else {
			err[0] = '\0';
			switch (fsm_signal(wt->p, sig, err, sizeof(err))) {
			case FSM_OK:
				job_wait_finish(wt, PROTO_F_OK, NULL);
				break;
			case FSM_NOT_RUNNING:
				job_wait_finish(wt, PROTO_F_NOT_RUNNING, NULL);
				break;
			default:
				job_wait_finish(wt, PROTO_F_FAILED, err);
				break;
			}
		}
		job_put_result(rq, wt, "signalled");
	}
	job_req_free(r);
	req_end(rq);
	return;
nomem:
	req_error(rq, "tendd: out of memory");
}

/* Decimal digits of V into the end of BUF (LEN bytes); returns where
 * they start.  status formats a dozen numbers per process: printf's
 * float path (a multi-precision division per %.3f) cost more than the
 * rest of a status of 1,000 processes together. */

/* --- reload family and rolling restarts -------------------------------- */

/*
 * update, add, remove and reload ask tendd.c (hooks->reload) to load the
 * config and apply the per-process diff; the reply then waits, as start
 * and stop do, until every process acted on is where the plan puts it:
 * removed ones freed, changed ones restarted with their new config,
 * added ones RUNNING.  A rolling restart is driven from here: one batch
 * of `width` processes at a time is stopped, started again and awaited
 * at RUNNING (READY=1 with readiness=notify) before the next begins; the
 * first replacement that fails ends it.  Both live in ctl.ops and move
 * on from ctl_proc_changed(), never blocking the loop.
 */

static struct {
	struct job_op *head;
	bool sweeping;
} job_ops;

void
job_op_free(struct job_op *o)
{
	struct job_op **pp;
	size_t i;

	for (pp = &job_ops.head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == o) {
			*pp = o->next;
			break;
		}
	for (i = 0; i < o->ns; i++)
		free(o->s[i].name);
	free(o->s);
	free(o);
}

/* Add a step for P (NAME) to O; -1 on ENOMEM. */
struct job_step *
job_op_add(struct job_op *o, struct proc *p, const char *name,
    enum job_goal goal, const char *success)
{
	struct job_step *ns, *st;

	if ((ns = realloc(o->s, (o->ns + 1) * sizeof(*ns))) == NULL)
		return NULL;
	o->s = ns;
	st = &o->s[o->ns];
	memset(st, 0, sizeof(*st));
	if ((st->name = strdup(name)) == NULL)
		return NULL;
	o->ns++;
	st->p = p;
	st->goal = goal;
	st->success = success;
	return st;
}

void
job_step_finish(
    struct job_step *st, int fault, const char *result, const char *detail)
{
	st->done = true;
	st->fault = fault;
	st->result = result;
	(void)snprintf(
	    st->detail, sizeof(st->detail), "%s", detail != NULL ? detail : "");
}

/* Did a start of ST's process end, and how (start's rules)? */
static void
job_step_eval_start(struct job_step *st)
{
	const struct proc *p = st->p;
	char why[64];

	switch (p->state) {
	case PROC_RUNNING:
		job_step_finish(st, PROTO_F_OK, NULL, NULL);
		break;
	case PROC_STARTING:
		break;
	default:
		if (p->spawnerr != NULL) {
			job_step_finish(
			    st, PROTO_F_SPAWN_ERROR, NULL, p->spawnerr);
			break;
		}
		(void)snprintf(why, sizeof(why), "it became %s before RUNNING",
		    fsm_state_name(p->state));
		job_step_finish(st, PROTO_F_ABNORMAL_TERMINATION, NULL, why);
		break;
	}
}

/* Look at ST's process; only reads state (no fsm calls). */
static void
job_step_eval(struct job_step *st)
{
	if (st->done || st->p == NULL)
		return;
	switch (st->goal) {
	case JOB_GOAL_GONE:
		break; /* job_ops_gone() finishes it */
	case JOB_GOAL_RUNNING:
		/* A changed process restarts once its stop is over and
		 * tendd has given it the new config. */
		if (st->p->next_conf == NULL)
			job_step_eval_start(st);
		break;
	case JOB_GOAL_SETTLED:
		if (st->p->next_conf == NULL)
			job_step_finish(st, PROTO_F_OK, NULL, NULL);
		break;
	case JOB_GOAL_ROLL_WAIT:
	case JOB_GOAL_ROLL_STOP:
		break; /* job_roll() moves these on */
	}
}

static void
job_step_send(struct job_op *o, struct job_step *st)
{
	req_result(o->rq, st->name, st->fault,
	    st->fault == PROTO_F_OK ? st->success : st->result, st->detail);
	st->sent = true;
}

/* A rolling restart's turn for ST: stop it (or, not running, start it
 * at once).  May change states synchronously. */
static void
job_roll_begin(struct job_step *st)
{
	if (fsm_is_active(st->p->state) ||
	    (st->p->state == PROC_EXITED && st->p->restart_wall != 0)) {
		st->goal = JOB_GOAL_ROLL_STOP;
		(void)fsm_stop(st->p);
	} else {
		st->goal = JOB_GOAL_ROLL_STOP; /* stopped already */
	}
}

/* Move a rolling restart on; true if it did anything. */
static bool
job_roll(struct job_op *o)
{
	char err[200] = "";
	size_t i, inflight = 0;
	bool moved = false;

	for (i = 0; i < o->ns; i++) {
		struct job_step *st = &o->s[i];

		if (st->done || st->p == NULL || st->p->removed)
			continue; /* a reload removes it: job_ops_gone() */
		if (st->goal == JOB_GOAL_ROLL_STOP && st->p->next_conf != NULL) {
			/* A reload changed it while it stopped: the reload
			 * starts it with its new config. */
			st->goal = JOB_GOAL_RUNNING;
			moved = true;
			job_step_eval(st);
		} else if (st->goal == JOB_GOAL_ROLL_STOP &&
		           !fsm_is_active(st->p->state)) {
			/* Its predecessor is down: the replacement starts
			 * right away. */
			st->goal = JOB_GOAL_RUNNING;
			moved = true;
			if (req_env.shutting_down) {
				job_step_finish(
				    st, PROTO_F_SHUTTING_DOWN, NULL, NULL);
				continue;
			}
			if (fsm_start(st->p, err, sizeof(err)) ==
			    FSM_SPAWN_ERROR) {
				job_step_finish(st, PROTO_F_SPAWN_ERROR, NULL,
				    err[0] ? err
				           : svctab_note(st->p->spawnerr));
				continue;
			}
			job_step_eval(st);
		}
		if (st->goal == JOB_GOAL_ROLL_STOP ||
		    (st->goal == JOB_GOAL_RUNNING && !st->done))
			inflight++;
	}
	for (i = 0; i < o->ns; i++)
		if (o->s[i].done && o->s[i].fault != PROTO_F_OK)
			o->failed = true;
	for (i = 0; i < o->ns && !moved; i++) {
		struct job_step *st = &o->s[i];

		if (st->done || st->goal != JOB_GOAL_ROLL_WAIT ||
		    st->p->removed)
			continue;
		if (o->failed) {
			job_step_finish(st, PROTO_F_FAILED,
			    "not restarted: an earlier replacement failed",
			    NULL);
			moved = true;
		} else if (inflight < o->width) {
			inflight++;
			job_roll_begin(st);
			moved = true;
		}
	}
	return moved;
}

/* Send what is complete; true when O is over (END sent). */
static bool
job_op_progress(struct job_op *o)
{
	size_t i;
	bool all = true;

	do {
		for (i = 0; i < o->ns; i++)
			job_step_eval(&o->s[i]);
	} while (o->rolling && job_roll(o));
	for (i = 0; i < o->ns; i++) {
		struct job_step *st = &o->s[i];

		if (st->done && !st->sent)
			job_step_send(o, st);
		if (!st->done)
			all = false;
	}
	if (!all)
		return false;
	req_end(o->rq);
	return true;
}

/* Progress every dirty op; re-entrant calls (an fsm call made here)
 * only mark ops dirty, and the outermost sweep finishes the work. */
static void
job_ops_sweep(void)
{
	struct job_op *o;
	bool again;

	if (job_ops.sweeping)
		return;
	job_ops.sweeping = true;
	do {
		again = false;
		for (o = job_ops.head; o != NULL; o = o->next) {
			if (!o->dirty)
				continue;
			o->dirty = false;
			again = true;
			if (job_op_progress(o)) {
				job_op_free(o);
				break;
			}
		}
	} while (again);
	job_ops.sweeping = false;
}

static void
job_ops_touch(struct proc *p)
{
	struct job_op *o;
	size_t i;

	for (o = job_ops.head; o != NULL; o = o->next)
		for (i = 0; i < o->ns; i++)
			if (o->s[i].p == p)
				o->dirty = true;
	job_ops_sweep();
}

static void
job_ops_gone(struct proc *p)
{
	struct job_op *o;
	size_t i;

	for (o = job_ops.head; o != NULL; o = o->next)
		for (i = 0; i < o->ns; i++) {
			struct job_step *st = &o->s[i];

			if (st->p != p)
				continue;
			if (!st->done && o->rolling)
				/* A reload took it out of the pool: the job
				 * shrinks with it. */
				st->success = "removed";
			if (!st->done &&
			    (st->goal == JOB_GOAL_GONE || o->rolling))
				job_step_finish(st, PROTO_F_OK, NULL, NULL);
			else if (!st->done)
				job_step_finish(st,
				    PROTO_F_ABNORMAL_TERMINATION, NULL,
				    "removed from the configuration");
			st->p = NULL;
			o->dirty = true;
		}
	job_ops_sweep();
}

static void
job_op_cancel(struct req *rq)
{
	job_op_free(rq->state);
}

/* Queue O, the reply to RQ, and move it on. */
void
job_op_queue(struct req *rq, struct job_op *o)
{
	o->rq = rq;
	o->next = job_ops.head;
	job_ops.head = o;
	rq->state = o;
	rq->cancel = job_op_cancel;
	o->dirty = true;
	job_ops_sweep();
}

void
job_do_rolling(struct req *rq)
{
	const char **argv = rq->argv;
	int argc = rq->argc;
	struct proc_list list = {0};
	struct job_op *o;
	char *end;
	unsigned long width;
	size_t k;
	int i, n;

	if (argc < 2) {
		req_error(rq, "a batch size and a name are required");
		return;
	}
	width = strtoul(argv[0], &end, 10);
	if (*argv[0] == '\0' || *end != '\0' || width == 0 || width > 1000000) {
		req_error(rq, "bad batch size %s", argv[0]);
		return;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL)
		goto nomem;
	o->rolling = true;
	o->width = (unsigned)width;
	for (i = 1; i < argc; i++) {
		if ((n = svctab_match(req_env.tab, argv[i], &list)) < 0)
			goto nomem_free;
		if (n == 0)
			req_unknown(rq, argv[i]);
	}
	/* In table order: ascending priority, then as configured. */
	for (k = 0; k < req_env.tab->nprocs; k++) {
		struct proc *p = req_env.tab->procs[k];
		size_t j;

		for (j = 0; j < list.n && list.v[j] != p; j++)
			;
		if (j == list.n)
			continue;
		if (job_op_add(o, p, p->fullname, JOB_GOAL_ROLL_WAIT,
		        "restarted") == NULL)
			goto nomem_free;
	}
	proc_list_free(&list);
	if (o->ns == 0) {
		free(o);
		req_end(rq);
		return;
	}
	log_info("rolling restart of %zu process%s, %lu at a time", o->ns,
	    o->ns == 1 ? "" : "es", width);
	job_op_queue(rq, o);
	return;
nomem_free:
	proc_list_free(&list);
	job_op_free(o);
nomem:
	req_error(rq, "tendd: out of memory");
}

void
job_do_shutdown(struct req *rq)
{
	if (req_env.shutting_down) {
		req_error(rq, "already shutting down");
		return;
	}
	log_info("shutdown requested by control client (pid %d, uid %u)",
	    (int)rq->pid, (unsigned)rq->uid);
	req_env.shutting_down = true;
	req_end(rq);
	/* Push the reply out now: with nothing to stop, tendd may leave
	 * its loop before the write watcher runs.  The client then waits
	 * for EOF, which means tendd is gone. */
	req_flush(rq);
	if (req_env.hooks != NULL && req_env.hooks->shutdown != NULL)
		req_env.hooks->shutdown();
}

/* --- notifications ------------------------------------------------- */

static void
job_req_cancel(struct req *rq)
{
	job_req_free(rq->state);
}

void
job_proc_changed(struct proc *p)
{
	struct job_req *r;
	size_t i;

	for (r = job.pending; r != NULL; r = r->next)
		for (i = 0; i < r->nw; i++)
			if (r->w[i].p == p && r->w[i].issued && !r->w[i].done) {
				job_wait_eval(&r->w[i], r->phase);
				r->dirty = true;
			}
	job_sweep();
	job_ops_touch(p);
}

void
job_proc_gone(struct proc *p)
{
	struct job_req *r;
	size_t i;

	for (r = job.pending; r != NULL; r = r->next)
		for (i = 0; i < r->nw; i++)
			if (r->w[i].p == p) {
				if (!r->w[i].done)
					job_wait_finish(&r->w[i],
					    PROTO_F_ABNORMAL_TERMINATION,
					    "removed from the configuration");
				r->w[i].p = NULL;
				r->dirty = true;
			}
	job_sweep();
	job_ops_gone(p);
}

void
job_close(void)
{
	while (job.pending != NULL)
		job_req_free(job.pending);
	while (job_ops.head != NULL)
		job_op_free(job_ops.head);
}

/*
 * job.c: the one job engine (job.h): everything that waits on processes.
 * start, stop, restart (-t), the steps of an update (reload.c) and of a
 * rolling restart, and tendd's shutdown order (its rounds in
 * job_shutdown.c), are each a struct job with one step per process; one
 * evaluator (job_step_eval) decides when a step reached its goal, one
 * encoder (job_step_put) sends its result.  signal, clear and status use
 * the same lists without waiting (JOB_LIST).
 *
 * A queued job's steps are linked to their processes (proc->waiters):
 * a state change evaluates only the steps waiting on that process and
 * marks their jobs dirty; job_sweep() then moves the dirty jobs on.  A
 * reload that removes a process completes its steps (job_proc_gone): a
 * rolling restart shrinks with its pool, an update's removal is done,
 * a start or stop waiting on it failed.  One that adds a process grows
 * the rolling restarts whose names name it (job_proc_added).
 *
 * Acts only through fsm.h and svctab.h; never forks, signals or reaps.
 */
#include "job.h"
#include "job_impl.h"
#include "fsm.h"
#include "log.h"
#include "proto.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
	struct job *head; /* queued jobs */
	bool sweeping;
	/* The shutdown job is moved on once per loop turn, not once per
	 * state change: a turn's exits make one round (job_shutdown_round
	 * looks only at what changed, struct job_down). */
	ev_timer shutdown_turn;
	bool shutdown_pass;
} job;

static void job_cancel(struct req *rq);
static void job_sweep(void);
static void job_shutdown_turn(struct ev_loop *loop, ev_timer *w, int revents);

/* --- steps --------------------------------------------------------- */

struct job *
job_new(enum job_kind kind)
{
	struct job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	j->kind = kind;
	return j;
}

struct job_step *
job_add_step(struct job *j, struct proc *p, const char *name,
    enum job_goal goal, const char *success)
{
	struct job_step *ns, *st;

	if ((ns = realloc(j->s, (j->ns + 1) * sizeof(*ns))) == NULL)
		return NULL;
	j->s = ns;
	st = &j->s[j->ns];
	memset(st, 0, sizeof(*st));
	if ((st->name = strdup(name)) == NULL)
		return NULL;
	j->ns++;
	st->p = p;
	st->job = j;
	st->goal = goal;
	st->success = success;
	st->pat = j->npat;
	/* An update's steps were acted on by the reload itself; a
	 * shutdown waits on every process, stopped by it or not. */
	st->issued = j->kind == JOB_UPDATE || j->kind == JOB_ROLLING ||
	    j->kind == JOB_SHUTDOWN;
	return st;
}

void
job_step_finish(
    struct job_step *st, int fault, const char *result, const char *detail)
{
	if (st->job->down != NULL && !st->done)
		job_down_left(st->job, (size_t)(st - st->job->s), false);
	st->done = true;
	st->fault = fault;
	st->result = result;
	(void)snprintf(
	    st->detail, sizeof(st->detail), "%s", detail != NULL ? detail : "");
}

void
job_step_put(struct req *rq, const struct job_step *st)
{
	req_result(rq, st->name, st->fault,
	    st->fault == PROTO_F_OK ? st->success : st->result, st->detail);
}

/* Take ST off its process's list of waiters. */
static void
job_step_unlink(struct job_step *st)
{
	struct job_step **pp;

	if (st->p == NULL || !st->job->queued)
		return; /* never linked */
	for (pp = &st->p->waiters; *pp != NULL; pp = &(*pp)->wnext)
		if (*pp == st) {
			*pp = st->wnext;
			break;
		}
	st->wnext = NULL;
}

void
job_free(struct job *j)
{
	struct job **pp;
	size_t i;

	for (pp = &job.head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	ev_timer_stop(req_env.loop, &j->timeout);
	for (i = 0; i < j->ns; i++) {
		job_step_unlink(&j->s[i]);
		free(j->s[i].name);
	}
	for (i = 0; i < j->npats; i++)
		free(j->pats[i]);
	free(j->pats);
	job_down_free(j->down);
	free(j->s);
	free(j->order);
	free(j);
}

/* --- the evaluator -------------------------------------------------- */

/* Did a start of ST's process end, and how?  supervisord's startProcess:
 * RUNNING is success, a spawn error is one, leaving STARTING any other
 * way is an abnormal end. */
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
		if (p->state == PROC_STOPPED && p->stopnote != NULL)
			/* a dependency is down: "dependency db is FATAL" */
			job_step_finish(st, PROTO_F_ABNORMAL_TERMINATION, NULL,
			    p->stopnote);
		else if (p->spawnerr != NULL)
			job_step_finish(
			    st, PROTO_F_SPAWN_ERROR, NULL, p->spawnerr);
		else {
			(void)snprintf(why, sizeof(why),
			    "it became %s before RUNNING",
			    fsm_state_name(p->state));
			job_step_finish(
			    st, PROTO_F_ABNORMAL_TERMINATION, NULL, why);
		}
		break;
	}
}

/* Has ST reached its goal?  Only reads state (no fsm calls). */
static void
job_step_eval(struct job_step *st)
{
	const struct proc *p = st->p;

	if (st->goal == JOB_GOAL_DOWN && st->job->down != NULL) {
		job_down_eval(st); /* may take back a done */
		return;
	}
	if (st->done || p == NULL || !st->issued)
		return;
	switch (st->goal) {
	case JOB_GOAL_STOPPED:
		/* STOPPED, EXITED or FATAL: nothing runs any more. */
		if (!fsm_is_active(p->state))
			job_step_finish(st, PROTO_F_OK, NULL, NULL);
		/* Survived SIGKILL (D state): waiting would never end. */
		else if (p->stuck)
			job_step_finish(st, PROTO_F_FAILED, NULL,
			    "unkillable: survives SIGKILL (see status)");
		break;
	case JOB_GOAL_RUNNING:
		/* A changed process restarts once its stop is over and
		 * tendd has given it the new config.  A removed one is being
		 * stopped for good: its STOPPING is no failed start, and
		 * job_proc_gone() reports it once it is gone. */
		if (p->next_conf == NULL && !p->removed)
			job_step_eval_start(st);
		break;
	case JOB_GOAL_SETTLED:
		if (p->next_conf == NULL)
			job_step_finish(st, PROTO_F_OK, NULL, NULL);
		break;
	case JOB_GOAL_DOWN:
		if (!job_proc_active(p))
			job_step_finish(st, PROTO_F_OK, NULL, NULL);
		break;
	case JOB_GOAL_NONE:
	case JOB_GOAL_GONE: /* job_proc_gone() finishes it */
	case JOB_GOAL_ROLL_WAIT:
	case JOB_GOAL_ROLL_STOP: /* job_roll() moves these on */
		break;
	}
}

/* --- start, stop, restart ------------------------------------------ */

/* Make the fsm call for one step of a start or stop phase. */
static void
job_step_issue(struct job_step *st, enum job_phase phase)
{
	char err[200] = "";
	enum fsm_result res;

	if (st->done || st->p == NULL)
		return;
	if (phase == JOB_PHASE_STOP) {
		/* Already on its way down (fsm_stop says FSM_OK, and a
		 * stop asked for here replaces one caused by a dependency,
		 * which would come back with it). */
		res = fsm_stop(st->p);
	} else {
		if (req_env.shutting_down) {
			job_step_finish(st, PROTO_F_SHUTTING_DOWN, NULL, NULL);
			return;
		}
		res = fsm_start(st->p, err, sizeof(err));
	}
	switch (res) {
	case FSM_OK:
	case FSM_SIGNAL_ERROR:
		/* A stop whose first signal failed goes on (SIGKILL after
		 * stopwaitsecs): wait for it as for any other. */
		st->issued = true;
		job_step_eval(st);
		break;
	case FSM_ALREADY_STARTED:
		job_step_finish(st, PROTO_F_ALREADY_STARTED, NULL, NULL);
		break;
	case FSM_NOT_RUNNING:
		job_step_finish(st, PROTO_F_NOT_RUNNING, NULL, NULL);
		break;
	case FSM_SPAWN_ERROR:
		job_step_finish(st, PROTO_F_SPAWN_ERROR, NULL,
		    err[0] ? err : svctab_note(st->p->spawnerr));
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
job_order(struct job *j)
{
	struct job_depth_memo memo = {0};
	size_t i, k, s, e, t;
	int *depth;
	bool any = false;

	for (s = 0; s < j->ns; s = e) {
		for (e = s; e < j->ns && j->s[e].pat == j->s[s].pat; e++)
			;
		for (i = s; i < e; i++)
			j->order[i] =
			    j->phase == JOB_PHASE_START ? i : e - 1 - (i - s);
	}
	if ((depth = calloc(j->ns + 1, sizeof(*depth))) == NULL ||
	    job_depth_memo_init(&memo, req_env.tab->nprocs) == -1) {
		free(depth);
		job_depth_memo_free(&memo);
		return; /* the fsm still enforces the order */
	}
	for (i = 0; i < j->ns; i++)
		if ((depth[i] = job_dep_depth(&memo, j->s[i].p, 64)) > 0)
			any = true;
	job_depth_memo_free(&memo);
	/* Insertion sort: stable, and only run when depends_on is used. */
	for (i = 1; any && i < j->ns; i++) {
		t = j->order[i];
		for (k = i; k > 0; k--) {
			int a = depth[j->order[k - 1]], b = depth[t];

			if (j->phase == JOB_PHASE_START ? a <= b : a >= b)
				break;
			j->order[k] = j->order[k - 1];
		}
		j->order[k] = t;
	}
	free(depth);
}

/* Reset the steps for a new phase and make the fsm calls, skipping the
 * no-ops of group members (supervisord's startProcessGroup starts only
 * what is not running, stopProcessGroup stops only what runs). */
static void
job_issue(struct job *j)
{
	bool start = j->phase == JOB_PHASE_START;
	size_t i;

	j->issuing = true;
	j->emitted = 0;
	job_order(j);
	for (i = 0; i < j->ns; i++) {
		struct job_step *st = &j->s[i];

		if (st->p == NULL)
			continue; /* "no such process" stays */
		st->done = st->issued = st->sent = st->quiet = false;
		st->fault = PROTO_F_OK;
		st->result = NULL;
		st->detail[0] = '\0';
		st->goal = start ? JOB_GOAL_RUNNING : JOB_GOAL_STOPPED;
		st->success = start ? "started" : "stopped";
		if (st->group && start == fsm_is_active(st->p->state)) {
			job_step_finish(st, PROTO_F_OK, NULL, NULL);
			st->quiet = true;
		}
	}
	for (i = 0; i < j->ns; i++)
		job_step_issue(&j->s[j->order[i]], j->phase);
	j->issuing = false;
	j->dirty = true;
}

/* start/stop -t ran out: whatever has not got there fails "timed out"
 * (the process itself carries on towards where it was sent), and a
 * restart does not go on to its start phase. */
static void
job_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct job *j = w->data;
	char why[96];
	size_t i;

	for (i = 0; i < j->ns; i++) {
		struct job_step *st = &j->s[i];

		if (st->done || st->p == NULL)
			continue;
		(void)snprintf(why, sizeof(why), "still %s after %g seconds",
		    fsm_state_name(st->p->state), j->timeout_secs);
		job_step_finish(st, PROTO_F_TIMED_OUT, NULL, why);
	}
	j->restart = false;
	j->dirty = true;
	job_sweep();
}

/* --- rolling restarts ----------------------------------------------- */

/* A rolling restart's turn for ST: stop it (stopped already: it is
 * started at once by job_roll).  May change states synchronously. */
static void
job_roll_begin(struct job_step *st)
{
	st->goal = JOB_GOAL_ROLL_STOP;
	if (fsm_is_active(st->p->state) ||
	    (st->p->state == PROC_EXITED && st->p->restart_wall != 0))
		(void)fsm_stop(st->p);
}

/* ST's predecessor is down: start the replacement (a reload that changed
 * it meanwhile starts it with its new config). */
static void
job_roll_start(struct job_step *st)
{
	char err[200] = "";

	st->goal = JOB_GOAL_RUNNING;
	if (st->p->next_conf == NULL) {
		if (req_env.shutting_down) {
			job_step_finish(st, PROTO_F_SHUTTING_DOWN, NULL, NULL);
			return;
		}
		if (fsm_start(st->p, err, sizeof(err)) == FSM_SPAWN_ERROR) {
			job_step_finish(st, PROTO_F_SPAWN_ERROR, NULL,
			    err[0] ? err : svctab_note(st->p->spawnerr));
			return;
		}
	}
	job_step_eval(st);
}

/* Move a rolling restart on; true if it did anything.  A step whose
 * process a reload removes waits for job_proc_gone(), out of the count
 * of those in flight. */
static bool
job_roll(struct job *j)
{
	size_t i, inflight = 0;
	bool moved = false;

	for (i = 0; i < j->ns; i++) {
		struct job_step *st = &j->s[i];

		if (st->done && st->fault != PROTO_F_OK)
			j->failed = true;
		if (st->done || st->p == NULL || st->p->removed)
			continue;
		if (st->goal == JOB_GOAL_ROLL_STOP &&
		    (st->p->next_conf != NULL ||
		        !fsm_is_active(st->p->state))) {
			job_roll_start(st);
			moved = true;
		}
		if (st->goal == JOB_GOAL_ROLL_STOP ||
		    (st->goal == JOB_GOAL_RUNNING && !st->done))
			inflight++;
	}
	for (i = 0; i < j->ns && !moved; i++) {
		struct job_step *st = &j->s[i];

		if (st->done || st->goal != JOB_GOAL_ROLL_WAIT ||
		    st->p->removed)
			continue;
		/* Added and being started by the reload: its turn waits
		 * until that start is over (the update waits for it). */
		if (st->added && st->p->state == PROC_STARTING)
			continue;
		if (j->failed) {
			job_step_finish(st, PROTO_F_FAILED,
			    "not restarted: an earlier replacement failed",
			    NULL);
			moved = true;
		} else if (inflight < j->width) {
			inflight++;
			job_roll_begin(st);
			moved = true;
		}
	}
	return moved;
}

/* --- progress ------------------------------------------------------- */

/* Send J's completed results: a start or stop in the order of its fsm
 * calls, the others as they complete.  True when every step is done. */
static bool
job_send(struct job *j)
{
	size_t i;
	bool all = true;

	if (j->kind == JOB_STARTSTOP) {
		while (j->emitted < j->ns && j->s[j->order[j->emitted]].done) {
			const struct job_step *st = &j->s[j->order[j->emitted++]];

			if (!st->quiet)
				job_step_put(j->rq, st);
		}
		return j->emitted == j->ns;
	}
	if (j->kind == JOB_SHUTDOWN)
		return job_down_over(j); /* it answers no one */
	for (i = 0; i < j->ns; i++) {
		struct job_step *st = &j->s[i];

		if (st->done && !st->sent && !st->quiet && j->rq != NULL) {
			job_step_put(j->rq, st);
			st->sent = true;
		}
		if (!st->done)
			all = false;
	}
	return all;
}

/* Move J on and send what is complete; true when J is over (END sent). */
static bool
job_progress(struct job *j)
{
	size_t i;

	/* A state change evaluated the steps waiting on its process
	 * (job_proc_changed): evaluating every step again on each change
	 * made "stop all" of N processes N^2 evaluations (10,000: 2 x 10^8,
	 * the seconds that ran its stops past stopwaitsecs). */
	do {
		for (i = 0; j->evalall && i < j->ns; i++)
			job_step_eval(&j->s[i]);
		j->evalall = j->kind == JOB_ROLLING;
	} while (j->kind == JOB_ROLLING && job_roll(j));
	if (j->kind == JOB_SHUTDOWN)
		job_shutdown_round(j);
	if (!job_send(j))
		return false;
	if (j->kind == JOB_STARTSTOP && j->phase == JOB_PHASE_STOP &&
	    j->restart) {
		j->phase = JOB_PHASE_START;
		job_issue(j);
		return false;
	}
	if (j->rq != NULL)
		req_end(j->rq);
	else if (j->done != NULL)
		j->done();
	return true;
}

/* Progress every dirty job until none is.  Re-entrant calls (an fsm call
 * made here changes a state, which lands in job_proc_changed) only mark
 * jobs dirty; the outermost sweep finishes the work, so no job is freed
 * under a caller's feet. */
static void
job_sweep(void)
{
	struct job *j;
	bool again;

	if (job.sweeping)
		return;
	job.sweeping = true;
	do {
		again = false;
		for (j = job.head; j != NULL; j = j->next) {
			if (!j->dirty || j->issuing)
				continue;
			if (j->kind == JOB_SHUTDOWN && !job.shutdown_pass) {
				if (!ev_is_active(&job.shutdown_turn))
					ev_timer_start(
					    req_env.loop, &job.shutdown_turn);
				continue;
			}
			j->dirty = false;
			again = true;
			if (job_progress(j)) {
				/* Reading resumes once the reply is out. */
				job_free(j);
				break;
			}
		}
	} while (again);
	job.sweeping = false;
}

void
job_turn_init(void)
{
	ev_timer_init(&job.shutdown_turn, job_shutdown_turn, 0., 0.);
}

/* The loop turn after a state change dirtied the shutdown job. */
static void
job_shutdown_turn(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	job.shutdown_pass = true;
	job_sweep();
	job.shutdown_pass = false;
}

static void
job_cancel(struct req *rq)
{
	job_free(rq->state);
}

void
job_queue(struct req *rq, struct job *j)
{
	size_t i;

	j->rq = rq;
	j->next = job.head;
	job.head = j;
	j->queued = true;
	for (i = 0; i < j->ns; i++) {
		struct job_step *st = &j->s[i];

		if (st->p != NULL) {
			st->wnext = st->p->waiters;
			st->p->waiters = st;
		}
	}
	if (rq != NULL) {
		rq->state = j;
		rq->cancel = job_cancel;
	}
	j->evalall = true;
	if (j->kind == JOB_STARTSTOP) {
		if (j->timeout_secs > 0)
			ev_timer_start(req_env.loop, &j->timeout);
		job_issue(j);
	}
	j->dirty = true;
	job_sweep();
}

/* --- notifications ------------------------------------------------- */

void
job_proc_changed(struct proc *p)
{
	struct job_step *st;

	for (st = p->waiters; st != NULL; st = st->wnext) {
		job_step_eval(st);
		st->job->dirty = true;
	}
	job_sweep();
}

void
job_proc_gone(struct proc *p)
{
	struct job_step *st, *next;

	for (st = p->waiters; st != NULL; st = next) {
		next = st->wnext;
		st->wnext = NULL;
		st->p = NULL;
		st->job->dirty = true;
		if (st->done)
			continue;
		if (st->job->kind == JOB_ROLLING) {
			/* A reload took it out of the pool: the job shrinks
			 * with it. */
			st->success = "removed";
			job_step_finish(st, PROTO_F_OK, NULL, NULL);
		} else if (st->goal == JOB_GOAL_GONE ||
		           st->goal == JOB_GOAL_DOWN) {
			job_step_finish(st, PROTO_F_OK, NULL, NULL);
		} else {
			job_step_finish(st, PROTO_F_ABNORMAL_TERMINATION, NULL,
			    "removed from the configuration");
		}
	}
	p->waiters = NULL;
	job_sweep();
}

/* Does one of J's names name P? */
static bool
job_names(const struct job *j, const struct proc *p)
{
	struct proc_list list = {0};
	size_t i, k;
	bool hit = false;

	for (i = 0; i < j->npats && !hit; i++) {
		if (svctab_match(req_env.tab, j->pats[i], &list) < 0)
			break; /* ENOMEM: it stays out of the job */
		for (k = 0; k < list.n && !hit; k++)
			hit = list.v[k] == p;
		proc_list_free(&list);
	}
	return hit;
}

/* Append a step for P to queued job J.  Steps live in one array that
 * the append may move: unlink them all, append, link them again. */
static int
job_append_queued(struct job *j, struct proc *p)
{
	struct job_step *st;
	size_t i;
	int rc = 0;

	for (i = 0; i < j->ns; i++)
		job_step_unlink(&j->s[i]);
	if ((st = job_add_step(j, p, p->fullname, JOB_GOAL_ROLL_WAIT,
	         "restarted")) == NULL)
		rc = -1;
	else
		st->added = true;
	for (i = 0; i < j->ns; i++) {
		st = &j->s[i];
		if (st->p != NULL) {
			st->wnext = st->p->waiters;
			st->p->waiters = st;
		}
	}
	return rc;
}

void
job_proc_added(struct proc *p)
{
	struct job *j;

	for (j = job.head; j != NULL; j = j->next) {
		if (j->kind != JOB_ROLLING || !job_names(j, p))
			continue;
		if (job_append_queued(j, p) == -1) {
			log_warnx("%s: out of memory: not in the rolling "
			          "restart",
			    p->fullname);
			continue;
		}
		log_info("%s: added to the rolling restart", p->fullname);
		j->dirty = true;
	}
	job_sweep();
}

void
job_close(void)
{
	while (job.head != NULL)
		job_free(job.head);
}

/* --- requests ----------------------------------------------------- */

int
job_add(struct job *j, const char *pattern)
{
	struct proc_list list = {0};
	struct job_step *st;
	size_t k, i, n0 = j->ns;
	bool group;
	int n;

	if ((n = svctab_match(req_env.tab, pattern, &list)) < 0)
		return -1;
	/* A single process named exactly reports its no-ops; a group,
	 * GROUP:* or all skips them (supervisorctl). */
	group = n == 0 || svctab_find(req_env.tab, pattern) == NULL;
	if (n == 0) {
		if ((st = job_add_step(j, NULL, pattern, JOB_GOAL_NONE,
		         NULL)) == NULL)
			goto nomem;
		job_step_finish(st, PROTO_F_NO_SUCH_PROCESS, NULL, NULL);
	}
	for (k = 0; k < list.n; k++) {
		struct proc *p = list.v[k];

		/* svctab_match lists each process once: look for it only
		 * among earlier arguments' (status all of 1,000 processes
		 * must not cost a million comparisons). */
		for (i = 0; i < n0 && j->s[i].p != p; i++)
			;
		if (i < n0)
			continue;
		if ((st = job_add_step(j, p, p->fullname, JOB_GOAL_NONE,
		         NULL)) == NULL)
			goto nomem;
		st->group = group;
	}
	proc_list_free(&list);
	j->npat++;
	return 0;
nomem:
	proc_list_free(&list);
	return -1;
}

/* A job of the processes RQ's arguments from FIRST on name; NULL on
 * ENOMEM. */
static struct job *
job_of_args(struct req *rq, enum job_kind kind, int first)
{
	struct job *j;
	int i;

	if ((j = job_new(kind)) == NULL)
		return NULL;
	for (i = first; i < rq->argc; i++)
		if (job_add(j, rq->argv[i]) == -1) {
			job_free(j);
			return NULL;
		}
	return j;
}

void
job_do_startstop(struct req *rq)
{
	const char *t = req_opt(rq, "timeout");
	struct job *j;
	double secs = 0;
	char *end;

	if (t != NULL && ((secs = strtod(t, &end), *end != '\0' || *t == '\0') ||
	                     !(secs > 0 && secs <= 1e6))) {
		req_error(rq, "bad timeout: %s", t);
		return;
	}
	if (rq->argc == 0) {
		req_error(rq, "a process name is required");
		return;
	}
	if ((j = job_of_args(rq, JOB_STARTSTOP, 0)) == NULL ||
	    (j->order = calloc(j->ns + 1, sizeof(*j->order))) == NULL) {
		if (j != NULL)
			job_free(j);
		req_error(rq, "tendd: out of memory");
		return;
	}
	ev_timer_init(&j->timeout, job_timeout_cb, secs, 0.);
	j->timeout.data = j;
	j->timeout_secs = secs;
	j->restart = rq->type == PROTO_REQ_RESTART;
	j->phase = rq->type == PROTO_REQ_START ? JOB_PHASE_START
	                                       : JOB_PHASE_STOP;
	job_queue(rq, j);
}

/* Signal ST's process with SIG. */
static void
job_step_signal(struct job_step *st, int sig)
{
	char err[200] = "";

	st->success = "signalled";
	if (st->p == NULL)
		return; /* no such process, already finished */
	if (sig <= 0) {
		job_step_finish(st, PROTO_F_BAD_SIGNAL, NULL, NULL);
		return;
	}
	switch (fsm_signal(st->p, sig, err, sizeof(err))) {
	case FSM_OK:
		job_step_finish(st, PROTO_F_OK, NULL, NULL);
		break;
	case FSM_NOT_RUNNING:
		job_step_finish(st, PROTO_F_NOT_RUNNING, NULL, NULL);
		break;
	default:
		job_step_finish(st, PROTO_F_FAILED, NULL, err);
		break;
	}
}

void
job_do_signal(struct req *rq)
{
	struct job *j;
	size_t k;
	int sig;

	if (rq->argc < 2) {
		req_error(rq, "a signal and a process name are required");
		return;
	}
	sig = util_signal_parse(rq->argv[0]);
	if ((j = job_of_args(rq, JOB_LIST, 1)) == NULL) {
		req_error(rq, "tendd: out of memory");
		return;
	}
	for (k = 0; k < j->ns; k++) {
		job_step_signal(&j->s[k], sig);
		job_step_put(rq, &j->s[k]);
	}
	job_free(j);
	req_end(rq);
}

/* restart --rolling: ARGV[0] the batch width, then names. */
void
job_do_rolling(struct req *rq)
{
	struct proc_list list = {0};
	struct job *j;
	char *end;
	unsigned long width;
	size_t k, i;
	int a, n;

	if (rq->argc < 2) {
		req_error(rq, "a batch size and a name are required");
		return;
	}
	width = strtoul(rq->argv[0], &end, 10);
	if (*rq->argv[0] == '\0' || *end != '\0' || width == 0 ||
	    width > 1000000) {
		req_error(rq, "bad batch size %s", rq->argv[0]);
		return;
	}
	if ((j = job_new(JOB_ROLLING)) == NULL)
		goto nomem;
	j->width = (unsigned)width;
	if ((j->pats = calloc((size_t)rq->argc, sizeof(*j->pats))) == NULL)
		goto nomem_free;
	for (a = 1; a < rq->argc; a++) {
		if ((j->pats[j->npats] = strdup(rq->argv[a])) == NULL)
			goto nomem_free;
		j->npats++;
		if ((n = svctab_match(req_env.tab, rq->argv[a], &list)) < 0)
			goto nomem_free;
		if (n == 0)
			req_unknown(rq, rq->argv[a]);
	}
	/* In table order: ascending priority, then as configured. */
	for (k = 0; k < req_env.tab->nprocs; k++) {
		struct proc *p = req_env.tab->procs[k];

		for (i = 0; i < list.n && list.v[i] != p; i++)
			;
		if (i < list.n && job_add_step(j, p, p->fullname,
		                      JOB_GOAL_ROLL_WAIT, "restarted") == NULL)
			goto nomem_free;
	}
	proc_list_free(&list);
	if (j->ns == 0) {
		job_free(j);
		req_end(rq);
		return;
	}
	log_info("rolling restart of %zu process%s, %lu at a time", j->ns,
	    j->ns == 1 ? "" : "es", width);
	job_queue(rq, j);
	return;
nomem_free:
	proc_list_free(&list);
	job_free(j);
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
	/* The reply first: with nothing to stop, tendd leaves its loop
	 * within the hook, and the front ends push out what was answered
	 * as they close (ctl_close, http_close).  The client then waits
	 * for EOF, which means tendd is gone. */
	req_end(rq);
	if (req_env.hooks != NULL && req_env.hooks->shutdown != NULL)
		req_env.hooks->shutdown();
}

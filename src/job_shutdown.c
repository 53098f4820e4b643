/*
 * job_shutdown.c: tendd's shutdown order as a job (job.h): a priority
 * level at a time, highest first, each level's processes stopped in
 * reverse table order; the job is over once nothing is active.  Its
 * bookkeeping (struct job_down) makes a state change cost O(1)
 * amortised, so a shutdown of N processes is linear in N.
 *
 * Acts only through fsm.h; job.c evaluates and sweeps it like any job.
 */
#include "fsm.h"
#include "job.h"
#include "job_impl.h"
#include "log.h"
#include "proto.h"

#include <stdint.h>
#include <stdlib.h>

bool
job_proc_active(const struct proc *p)
{
	/* Unkillable (D state): waiting would hang forever. */
	if (p->stuck)
		return false;
	/* A daemonised child outlives an EXITED main process: stop it. */
	if (p->leftovers > 0 && p->conf->stop_leftovers)
		return true;
	return fsm_is_active(p->state) ||
	       (p->state == PROC_EXITED && p->restart_wall != 0);
}

/*
 * The shutdown's rounds, kept so that a state change costs O(1)
 * amortised: a round that walked every step on each change made a
 * shutdown of N processes N^2 (10,000: a minute of rounds).  The steps in
 * stop order (priority descending, then reverse table order) are cut
 * into levels of one priority each, with a count per level of the steps
 * not done and a list of the steps that changed since the last round.
 */
struct job_down {
	size_t *order;   /* step indexes in stop order */
	size_t *lvstart; /* level k: order[lvstart[k] .. lvstart[k + 1]) */
	size_t *pending; /* per level: its steps not done */
	unsigned *lvl;   /* per step: its level */
	size_t nlv;
	size_t cur;    /* the first level with a step not done; nlv: none */
	size_t walked; /* the level whose stops were sent; SIZE_MAX: none */
	size_t undone; /* steps not done, all levels */
	size_t *moved; /* steps that changed since the last round */
	size_t nmoved;
	bool *inmoved;
};

void
job_down_free(struct job_down *d)
{
	if (d == NULL)
		return;
	free(d->order);
	free(d->lvstart);
	free(d->pending);
	free(d->lvl);
	free(d->moved);
	free(d->inmoved);
	free(d);
}

struct job_down_key {
	int prio;
	size_t i;
};

static int
job_down_cmp(const void *a, const void *b)
{
	const struct job_down_key *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio > y->prio ? -1 : 1;
	return x->i > y->i ? -1 : x->i < y->i;
}

/* J's levels, once its steps are all added (priorities are read once: a
 * reload is refused while shutting down).  -1 on ENOMEM. */
static int
job_down_new(struct job *j)
{
	struct job_down *d;
	struct job_down_key *key;
	size_t i, k;

	if ((j->down = d = calloc(1, sizeof(*d))) == NULL ||
	    (key = calloc(j->ns + 1, sizeof(*key))) == NULL)
		return -1;
	for (i = 0; i < j->ns; i++)
		key[i] = (struct job_down_key){j->s[i].p->conf->priority, i};
	qsort(key, j->ns, sizeof(*key), job_down_cmp);
	d->order = calloc(j->ns + 1, sizeof(*d->order));
	d->lvstart = calloc(j->ns + 2, sizeof(*d->lvstart));
	d->pending = calloc(j->ns + 1, sizeof(*d->pending));
	d->lvl = calloc(j->ns + 1, sizeof(*d->lvl));
	d->moved = calloc(j->ns + 1, sizeof(*d->moved));
	d->inmoved = calloc(j->ns + 1, sizeof(*d->inmoved));
	if (d->order == NULL || d->lvstart == NULL || d->pending == NULL ||
	    d->lvl == NULL || d->moved == NULL || d->inmoved == NULL) {
		free(key);
		return -1;
	}
	for (k = 0; k < j->ns; k++) {
		if (k > 0 && key[k].prio != key[k - 1].prio)
			d->lvstart[++d->nlv] = k;
		d->order[k] = key[k].i;
		d->lvl[key[k].i] = (unsigned)d->nlv;
		d->pending[d->nlv]++;
	}
	d->nlv = j->ns > 0 ? d->nlv + 1 : 0;
	d->lvstart[d->nlv] = j->ns;
	d->undone = j->ns;
	d->walked = SIZE_MAX;
	free(key);
	return 0;
}

void
job_down_left(struct job *j, size_t i, bool back)
{
	struct job_down *d = j->down;
	size_t lv = d->lvl[i];

	if (!back) {
		d->pending[lv]--;
		d->undone--;
		return;
	}
	d->pending[lv]++;
	d->undone++;
	if (lv < d->cur)
		d->cur = lv; /* a higher priority runs again: its turn */
}

/* Done once nothing of ST's process is active; a process that restarted
 * meanwhile is waited for again, and stopped again if its level's turn
 * has come (job_shutdown_round). */
void
job_down_eval(struct job_step *st)
{
	struct job *j = st->job;
	struct job_down *d = j->down;
	size_t i = (size_t)(st - j->s);

	if (st->p == NULL)
		return; /* gone: job_proc_gone() finished it */
	if (!job_proc_active(st->p)) {
		if (!st->done)
			job_step_finish(st, PROTO_F_OK, NULL, NULL);
		return;
	}
	if (st->done) {
		job_down_left(j, i, true);
		st->done = false;
	}
	if (!d->inmoved[i]) {
		d->inmoved[i] = true;
		d->moved[d->nmoved++] = i;
	}
}

static void
job_down_stop(struct job_step *st)
{
	if (!st->done && st->p != NULL && st->p->state != PROC_STOPPING)
		(void)fsm_stop(st->p);
}

/*
 * One round of the shutdown order (supervisord's): stop every active
 * process of the highest priority that still has one, in reverse table
 * order, and wait; each loop turn with state changes brings the job back
 * here.  A level's turn stops all of it; later rounds stop again only
 * the processes of that level that changed (restarted meanwhile).  Stops
 * may complete synchronously (BACKOFF -> STOPPED) and change the level:
 * they only mark the job dirty, and job_sweep() comes back.
 */
void
job_shutdown_round(struct job *j)
{
	struct job_down *d = j->down;
	size_t k, i, lv;

	while (d->cur < d->nlv && d->pending[d->cur] == 0)
		d->cur++;
	if (d->cur != d->walked) {
		/* The level's turn: all of it, what moved included. */
		while (d->nmoved > 0)
			d->inmoved[d->moved[--d->nmoved]] = false;
		d->walked = lv = d->cur;
		if (lv == d->nlv)
			return; /* nothing left */
		for (k = d->lvstart[lv]; k < d->lvstart[lv + 1]; k++)
			job_down_stop(&j->s[d->order[k]]);
		return;
	}
	while (d->nmoved > 0) {
		i = d->moved[--d->nmoved];
		d->inmoved[i] = false;
		if (d->lvl[i] == d->cur)
			job_down_stop(&j->s[i]);
	}
}

/* Called once the shutdown is over (tendd.c). */
static void (*job_shutdown_done)(void);

/* The shutdown job; on ENOMEM tried again a second later (exiting
 * would leave every process running, unsupervised). */

void
job_shutdown_queue(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct job *j;
	size_t i;

	if ((j = job_new(JOB_SHUTDOWN)) == NULL)
		goto nomem;
	j->done = job_shutdown_done;
	for (i = 0; i < req_env.tab->nprocs; i++) {
		struct proc *p = req_env.tab->procs[i];

		if (job_add_step(j, p, p->fullname, JOB_GOAL_DOWN, "stopped") ==
		    NULL) {
			job_free(j);
			goto nomem;
		}
	}
	if (job_down_new(j) == -1) {
		job_free(j);
		goto nomem;
	}
	job_queue(NULL, j);
	return;
nomem:
	log_warn("shutdown: trying again in a second");
	ev_timer_set(w, 1., 0.);
	ev_timer_start(loop, w);
}

void
job_shutdown(void (*done)(void))
{
	static ev_timer retry;

	if (req_env.shutting_down)
		return;
	req_env.shutting_down = true;
	job_shutdown_done = done;
	job_turn_init();
	ev_timer_init(&retry, job_shutdown_queue, 1., 0.);
	job_shutdown_queue(req_env.loop, &retry, 0);
}

bool
job_down_over(const struct job *j)
{
	return j->down->undone == 0;
}

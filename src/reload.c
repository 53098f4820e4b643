/*
 * reload.c: the reload family of requests: reread, update (-n), add,
 * remove, reload.  tendd.c's hook (req_env.hooks->reload) loads the
 * config and applies the per-process diff; this room turns the plan into
 * the reply: the errors of a refused config, notes, what reread and
 * update -n would do, and for an applied update a job (job.h) that sends
 * each process's result once it got where the plan puts it: removed ones
 * freed, changed ones restarted with their new config, added ones
 * RUNNING.
 */
#include "reload.h"
#include "config.h"
#include "job.h"
#include "proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
reload_req_done(struct reload_req *r)
{
	size_t i;

	svctab_plan_free(&r->plan);
	config_errors_free(&r->errs);
	for (i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r->hits);
	r->notes = NULL;
	r->nnotes = 0;
	r->hits = NULL;
}

/* The words of one delta: what reread says, what update -n says, what
 * update says once done. */
static const char *
reload_delta_word(const struct svctab_delta *d, bool dry)
{
	switch (d->change) {
	case SVCTAB_REMOVED:
		return dry ? "would be removed" : "removed";
	case SVCTAB_CHANGED:
		if (d->start)
			return dry ? "would be restarted" : "restarted";
		return dry ? "would be updated (not running)"
		           : "updated (not running)";
	case SVCTAB_ADDED:
		if (d->start)
			return dry ? "would be added and started"
			           : "added and started";
		return dry ? "would be added" : "added";
	case SVCTAB_UPDATED:
		return dry ? "would be updated (no restart)"
		           : "updated (no restart)";
	case SVCTAB_UNCHANGED:
		break;
	}
	return "unchanged";
}

/* Build the reply of an applied update: a step per delta acted on. */
static struct job *
reload_update_job(const struct reload_req *r)
{
	struct job *o;
	struct job_step *st;
	size_t i;

	if ((o = job_new(JOB_UPDATE)) == NULL)
		return NULL;
	for (i = 0; i < r->plan.n; i++) {
		const struct svctab_delta *d = &r->plan.v[i];
		enum job_goal goal;

		if (d->refused == NULL &&
		    (!d->selected || d->change == SVCTAB_UNCHANGED))
			continue;
		if (d->change == SVCTAB_REMOVED)
			goal = JOB_GOAL_GONE;
		else if (d->start)
			goal = JOB_GOAL_RUNNING;
		else
			goal = JOB_GOAL_SETTLED;
		st = job_add_step(
		    o, d->p, d->fullname, goal, reload_delta_word(d, false));
		if (st == NULL) {
			job_free(o);
			return NULL;
		}
		if (d->refused != NULL)
			job_step_finish(st, PROTO_F_FAILED, d->refused, NULL);
		else if (d->p == NULL)
			job_step_finish(
			    st, PROTO_F_FAILED, "not added", "out of memory");
	}
	return o;
}

void
reload_do(struct req *rq)
{
	uint16_t type = rq->type;
	const char **argv = rq->argv;
	int argc = rq->argc;
	struct reload_req r;
	struct job *o;
	size_t i, shown = 0;
	int first = 0;

	memset(&r, 0, sizeof(r));
	switch (type) {
	case PROTO_REQ_REREAD:
		r.verb = RELOAD_REREAD;
		break;
	case PROTO_REQ_UPDATE:
	case PROTO_REQ_RELOAD:
		r.verb = RELOAD_UPDATE;
		/* The first argument holds the flags: "n" is a dry run. */
		if (argc > 0) {
			r.dry_run = strchr(argv[0], 'n') != NULL;
			first = 1;
		}
		if (type == PROTO_REQ_RELOAD)
			argc = first; /* reload: always everything */
		break;
	case PROTO_REQ_ADD:
		r.verb = RELOAD_ADD;
		break;
	default:
		r.verb = RELOAD_REMOVE;
		break;
	}
	if ((r.verb == RELOAD_ADD || r.verb == RELOAD_REMOVE) && argc == 0) {
		req_error(rq, "a process or group name is required");
		return;
	}
	if (req_env.hooks == NULL || req_env.hooks->reload == NULL) {
		req_error(rq, "reload is not available");
		return;
	}
	r.names = argc > first ? argv + first : NULL;
	if (req_env.hooks->reload(&r) == -1) {
		/* Every FILE:LINE: message, then the verdict. */
		for (i = 0; i < r.errs.n; i++)
			req_kv1(rq, "error", r.errs.msgs[i]);
		if (r.errs.n > 0)
			req_error(rq,
			    "configuration has %zu error%s; nothing changed",
			    r.errs.n, r.errs.n == 1 ? "" : "s");
		else
			req_error(rq, "%s; nothing changed",
			    r.err[0] ? r.err : "reload failed");
		reload_req_done(&r);
		return;
	}
	req_config_sync(); /* count a config it swapped in */
	for (i = 0; i < r.nnotes; i++)
		req_kv1(rq, "note", r.notes[i]);
	for (i = 0; r.names != NULL && r.names[i] != NULL; i++)
		if (r.hits != NULL && r.hits[i] == 0)
			req_unknown(rq, r.names[i]);
	if (r.verb == RELOAD_REREAD || r.dry_run) {
		for (i = 0; i < r.plan.n; i++) {
			const struct svctab_delta *d = &r.plan.v[i];

			if (d->refused == NULL &&
			    (!d->selected || d->change == SVCTAB_UNCHANGED))
				continue;
			shown++;
			req_result(rq, d->fullname,
			    d->refused ? PROTO_F_FAILED : PROTO_F_OK,
			    d->refused ? d->refused
			    : r.verb == RELOAD_REREAD
			        ? svctab_change_name(d->change)
			        : reload_delta_word(d, true),
			    NULL);
		}
		if (shown == 0)
			req_kv1(rq, "none", "No config updates to processes");
		reload_req_done(&r);
		req_end(rq);
		return;
	}
	o = reload_update_job(&r);
	reload_req_done(&r);
	if (o == NULL) {
		/* Applied, but the reply cannot follow it: say so. */
		req_error(rq, "tendd: out of memory (the update was "
		              "applied)");
		return;
	}
	if (o->ns == 0)
		req_kv1(rq, "none", "No config updates to processes");
	job_queue(rq, o);
}

/* restart --rolling: ARGV[0] the batch width, then names. */

/*
 * reload.c: the reload room: reread, update (-n), add, remove, reload and
 * SIGHUP, from the config file to the reply.
 *
 * Plan: load the config, diff it against the table per process
 * (svctab_plan_make), select what the names name.  Apply: everything that
 * can fail first (room for the old config, svctab_apply, which changes
 * nothing on ENOMEM); only then is the config swapped in and its global
 * settings applied, so a failed reload leaves old and new exactly as
 * they were.  Commit: stops and starts through the fsm; a changed process
 * takes its new config once stopped, a removed one is freed
 * (reload_settle, from the loop).  The reply: the errors of a refused
 * config, notes, what reread and update -n would do, and for an applied
 * update a job (job.h) that sends each process's result once it got
 * where the plan puts it.
 *
 * The runtime a process holds (watchers, log capture, cgroup) is
 * tendd.c's: this room reaches it only through struct reload_ops.
 */
#include "reload.h"
#include "config.h"
#include "evbus.h"
#include "fdbudget.h"
#include "fsm.h"
#include "job.h"
#include "log.h"
#include "proto.h"
#include "sdnotify.h"

#include <errno.h>
#include <stdarg.h>
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

/* What reread or update -n says of R's plan: a record per delta that
 * would be acted on or was refused. */
static void
reload_put_plan(struct req *rq, const struct reload_req *r)
{
	size_t i, shown = 0;

	for (i = 0; i < r->plan.n; i++) {
		const struct svctab_delta *d = &r->plan.v[i];

		if (d->refused == NULL &&
		    (!d->selected || d->change == SVCTAB_UNCHANGED))
			continue;
		shown++;
		req_result(rq, d->fullname,
		    d->refused ? PROTO_F_FAILED : PROTO_F_OK,
		    d->refused                 ? d->refused
		    : r->verb == RELOAD_REREAD ? svctab_change_name(d->change)
		                               : reload_delta_word(d, true),
		    NULL);
	}
	if (shown == 0)
		req_kv1(rq, "none", "No config updates to processes");
}

void
reload_do(struct req *rq)
{
	uint16_t type = rq->type;
	const char **argv = rq->argv;
	int argc = rq->argc;
	struct reload_req r;
	struct job *o;
	size_t i;
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
		reload_put_plan(rq, &r);
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

/* --- plan, apply, commit ------------------------------------------------ */

/*
 * A reload (tendctl update/reload/add/remove, SIGHUP) loads the config
 * afresh, diffs it against the table per process (svctab_plan_make) and
 * applies it: unchanged processes keep their struct proc (pid, pidfd,
 * uptime) and only read the new conf_proc; changed ones stop and restart
 * with the new one once stopped (reload_settle); removed ones stop, in
 * reverse priority, and are freed once stopped.  A process may point
 * into an older config for a while, so each config stays alive in
 * rl.old until no process points into it (reload_gc).
 */
static struct {
	struct ev_loop *loop;
	struct svctab *tab;
	struct tend_conf **conf; /* tendd's current config */
	const char *path;	 /* what -c said */
	const struct reload_ops *ops;
	struct tend_conf **old; /* replaced configs still in use */
	size_t nold;
	ev_timer kick; /* runs reload_settle() from the loop */
} rl;

/* Is CP one of C's processes? */
static bool
reload_conf_holds(const struct tend_conf *c, const struct conf_proc *cp)
{
	size_t i;

	for (i = 0; cp != NULL && i < c->nprocs; i++)
		if (c->procs[i] == cp)
			return true;
	return false;
}

/* Free the replaced configs no process points into.  Only once nothing
 * is waiting for a stop: then the scan runs once per reload, not once per
 * state change. */
static void
reload_gc(void)
{
	size_t i, j, k;
	bool used;

	for (i = 0; i < rl.tab->nprocs; i++)
		if (rl.tab->procs[i]->next_conf != NULL || rl.tab->procs[i]->removed)
			return;
	for (k = 0; k < rl.nold;) {
		used = false;
		for (j = 0; j < rl.tab->nprocs && !used; j++)
			used = reload_conf_holds(rl.old[k], rl.tab->procs[j]->conf);
		if (used) {
			k++;
			continue;
		}
		config_free(rl.old[k]);
		rl.old[k] = rl.old[--rl.nold];
	}
}

/* A removed process has stopped: let go of it everywhere, then free. */
static void
reload_drop(struct proc *p)
{
	log_info("removed: '%s'", p->fullname);
	/* supervisord's removeProcessGroup: once its processes stopped. */
	if (evbus_wants(EVBUS_BIT(EVT_PROCESS_GROUP_REMOVED)) &&
	    !evbus_group_has(rl.tab->procs, rl.tab->nprocs, p->conf->group, p))
		evbus_group(EVT_PROCESS_GROUP_REMOVED, p->conf->group);
	rl.ops->forget(p);
	if (svctab_drop(rl.tab, p) == -1)
		log_warn("service table: dependencies");
}

/*
 * Finish what stops were waiting for: a changed process that has stopped
 * takes its new config and starts again if it should; a removed one is
 * freed.  Runs from the loop (reload_kick), never inside an fsm action,
 * which must not be re-entered on the proc it is changing.
 */
static void
reload_settle(void)
{
	char err[256];
	size_t i;
	bool start;

	for (i = rl.tab->nprocs; i-- > 0;) {
		struct proc *p = rl.tab->procs[i];

		if ((p->next_conf == NULL && !p->removed) ||
		    rl.ops->pending(p))
			continue;
		if (p->removed) {
			reload_drop(p);
			continue;
		}
		start = p->reload_start && !req_env.shutting_down;
		p->reload_start = false;
		if (svctab_commit(rl.tab, p) == -1)
			log_warn("service table: dependencies");
		log_info("%s: now configured as %s:%d", p->fullname,
		    p->conf->file, p->conf->line);
		if (start)
			(void)fsm_start(p, err, sizeof(err));
		/* Requests waiting for the new config look again. */
		rl.ops->settled(p);
	}
	reload_gc();
}

static void
reload_kick_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	reload_settle();
}

void
reload_proc_changed(struct proc *p)
{
	if ((p->next_conf != NULL || p->removed) && !rl.ops->pending(p) &&
	    !ev_is_active(&rl.kick)) {
		ev_timer_set(&rl.kick, 0., 0.);
		ev_timer_start(rl.loop, &rl.kick);
	}
}

static int reload_note(struct reload_req *r, const char *fmt, ...)
    TEND_PRINTF(2, 3);

static int
reload_note(struct reload_req *r, const char *fmt, ...)
{
	char **v;
	va_list ap;
	int rc;

	if ((v = realloc(r->notes, (r->nnotes + 1) * sizeof(*v))) == NULL)
		return -1;
	r->notes = v;
	va_start(ap, fmt);
	rc = vasprintf(&v[r->nnotes], fmt, ap);
	va_end(ap);
	if (rc == -1)
		return -1;
	r->nnotes++;
	return 0;
}

static bool
reload_str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/*
 * The global settings a running tendd cannot take (the socket is bound,
 * the log open, limits raised): each difference is a note for the
 * client and the log.  loglevel and childlogdir apply at once (the latter
 * to the next start of each process); [tend] environment is part of each
 * process's environment and so of its diff.
 */
static void
reload_globals(const struct conf_global *a, const struct conf_global *b,
    struct reload_req *r)
{
	static const char *const tail = "takes effect when tendd restarts";

#define STR_NOTE(field, key)                                                   \
	if (reload_str_differs(a->field, b->field))                            \
	(void)reload_note(r, "%s: changed from %s to %s; %s", key,             \
	    a->field ? a->field : "(default)",                                 \
	    b->field ? b->field : "(default)", tail)
#define NUM_NOTE(field, key, fmt, cast)                                        \
	if (a->field != b->field)                                              \
	(void)reload_note(r, "%s: changed from " fmt " to " fmt "; %s", key,   \
	    (cast)a->field, (cast)b->field, tail)
	STR_NOTE(socket, "socket (file=)");
	NUM_NOTE(socket_mode, "chmod", "%04o", unsigned);
	STR_NOTE(socket_owner, "chown");
	STR_NOTE(logfile, "logfile");
	NUM_NOTE(
	    logfile_maxbytes, "logfile_maxbytes", "%llu", unsigned long long);
	NUM_NOTE(logfile_backups, "logfile_backups", "%d", int);
	STR_NOTE(pidfile, "pidfile");
	STR_NOTE(directory, "directory");
	NUM_NOTE(umask, "umask", "%03o", unsigned);
	NUM_NOTE(minfds, "minfds", "%ld", long);
	NUM_NOTE(minprocs, "minprocs", "%ld", long);
	STR_NOTE(identifier, "identifier");
	STR_NOTE(inet_http_port, "[inet_http_server] port");
	/* Credentials apply at once (http_configure); say so, never how. */
	if (reload_str_differs(a->unix_http_username, b->unix_http_username) ||
	    reload_str_differs(a->unix_http_password, b->unix_http_password))
		(void)reload_note(r, "[unix_http_server] username/password: "
		                     "changed; applied to the next request");
	if (reload_str_differs(a->inet_http_username, b->inet_http_username) ||
	    reload_str_differs(a->inet_http_password, b->inet_http_password))
		(void)reload_note(r, "[inet_http_server] username/password: "
		                     "changed; applied to the next request");
#undef STR_NOTE
#undef NUM_NOTE
}

/* Mark the deltas add and remove must not act on, and why. */
static void
reload_refuse(struct reload_req *r)
{
	size_t i;

	for (i = 0; i < r->plan.n; i++) {
		struct svctab_delta *d = &r->plan.v[i];

		if (!d->selected)
			continue;
		if (r->verb == RELOAD_ADD && d->change != SVCTAB_ADDED)
			d->refused = "already active";
		else if (r->verb == RELOAD_REMOVE && d->p != NULL &&
		         rl.ops->pending(d->p))
			d->refused = "process still running";
		if (d->refused != NULL)
			d->selected = false;
	}
}

/* NC's processes must fit in the descriptor limit (fdbudget.c), as at
 * start-up; else the reload is refused and nothing changes. */
static int
reload_fd_check(struct reload_req *r, const struct tend_conf *nc)
{
	if (fdbudget_check(nc, r->err, sizeof(r->err)) == 0) {
		if (r->err[0] != '\0')
			(void)reload_note(r, "warning: %s", r->err);
		r->err[0] = '\0';
		return 0;
	}
	log_warnx("%s: %s; nothing changed", rl.path, r->err);
	return -1;
}

/* What will be (re)started: a changed process that runs (or is to run),
 * or that autostarts, as supervisord's re-added group would; a new one
 * that autostarts. */
static void
reload_plan_starts(struct reload_req *r)
{
	size_t i;

	for (i = 0; i < r->plan.n; i++) {
		struct svctab_delta *d = &r->plan.v[i];

		if (d->change == SVCTAB_CHANGED)
			d->start = d->conf->autostart || d->p->reload_start ||
			           rl.ops->pending(d->p);
		else if (d->change == SVCTAB_ADDED)
			d->start = d->conf->autostart;
	}
}

/* Load (unless removing), diff and select; nothing changes yet. */
static int
reload_plan(struct reload_req *r, struct tend_conf **ncp)
{
	struct tend_conf *nc = NULL;
	size_t i, n = 0;

	*ncp = NULL;
	if (r->verb != RELOAD_REMOVE &&
	    (nc = config_load(rl.path, &r->errs)) == NULL) {
		for (i = 0; i < r->errs.n; i++)
			log_warnx("%s", r->errs.msgs[i]);
		log_warnx("%s: configuration has %zu error%s; nothing changed",
		    rl.path, r->errs.n, r->errs.n == 1 ? "" : "s");
		return -1;
	}
	if (nc != NULL && reload_fd_check(r, nc) == -1) {
		config_free(nc);
		return -1;
	}
	if (svctab_plan_make(rl.tab, nc, &r->plan) == -1)
		goto nomem;
	while (r->names != NULL && r->names[n] != NULL)
		n++;
	if (n > 0) {
		if ((r->hits = calloc(n, sizeof(*r->hits))) == NULL)
			goto nomem;
		svctab_plan_select_none(&r->plan);
		for (i = 0; i < n; i++)
			r->hits[i] = svctab_plan_select(&r->plan, r->names[i]);
	}
	reload_refuse(r);
	for (i = 0; nc != NULL && i < nc->nwarnings; i++)
		(void)reload_note(r, "warning: %s", nc->warnings[i]);
	if (nc != NULL)
		reload_globals(&(*rl.conf)->global, &nc->global, r);
	reload_plan_starts(r);
	*ncp = nc;
	return 0;
nomem:
	(void)snprintf(r->err, sizeof(r->err), "tendd: out of memory");
	config_free(nc);
	return -1;
}

/* Room in rl.old for the config a reload replaces: taken before the
 * table changes, so the swap itself cannot fail. */
static int
reload_reserve(size_t n)
{
	struct tend_conf **v;

	if ((v = realloc(rl.old, (rl.nold + n) * sizeof(*v))) == NULL)
		return -1;
	rl.old = v;
	return 0;
}

/* Make NC the current config (reload_reserve() made room to keep the old
 * one while it is used) and apply its global settings. */
static void
reload_swap_conf(struct tend_conf *nc)
{
	rl.old[rl.nold++] = *rl.conf;
	*rl.conf = nc;
	rl.ops->globals(nc);
}

/* Does anyone want PROCESS_GROUP_ADDED, or a pool PLAN brings?  (A new
 * [eventlistener:x] subscribes before the groups are announced, so it
 * hears of its own, as supervisord's new pool does.) */
static bool
reload_wants_groups(const struct svctab_plan *plan)
{
	size_t i;

	if (evbus_wants(EVBUS_BIT(EVT_PROCESS_GROUP_ADDED)))
		return true;
	for (i = 0; i < plan->n; i++)
		if (plan->v[i].selected && plan->v[i].conf != NULL &&
		    (plan->v[i].conf->events &
		        EVBUS_BIT(EVT_PROCESS_GROUP_ADDED)))
			return true;
	return false;
}

/* Before the table takes PLAN: which selected ADDED deltas bring a group
 * the table does not have yet (the first of each such group).  NULL when
 * nobody wants PROCESS_GROUP_ADDED (or out of memory: logged, no event). */
static bool *
reload_groups_new(const struct svctab_plan *plan)
{
	bool *fresh;
	size_t i, j;

	if (!reload_wants_groups(plan) || plan->n == 0)
		return NULL;
	if ((fresh = calloc(plan->n, sizeof(*fresh))) == NULL) {
		log_warn("reload: PROCESS_GROUP_ADDED events lost");
		return NULL;
	}
	for (i = 0; i < plan->n; i++) {
		const struct svctab_delta *d = &plan->v[i];

		if (!d->selected || d->change != SVCTAB_ADDED ||
		    evbus_group_has(rl.tab->procs, rl.tab->nprocs,
			d->conf->group, NULL))
			continue;
		fresh[i] = true;
		for (j = 0; j < i && fresh[i]; j++)
			if (fresh[j] &&
			    strcmp(plan->v[j].conf->group, d->conf->group) == 0)
				fresh[i] = false;
	}
	return fresh;
}

/* supervisord's addProcessGroup: PROCESS_GROUP_ADDED for each new group,
 * before its processes start. */
static void
reload_groups_added(const struct svctab_plan *plan, bool *fresh)
{
	size_t i;

	for (i = 0; fresh != NULL && i < plan->n; i++)
		if (fresh[i])
			evbus_group(EVT_PROCESS_GROUP_ADDED,
			    plan->v[i].conf->group);
	free(fresh);
}

/* The table has taken the plan: capture follows the kept processes,
 * changed and removed ones stop, new groups are announced (FRESH,
 * freed), added ones start; what is already stopped settles from the
 * loop. */
static void
reload_commit(struct reload_req *r, bool *fresh)
{
	size_t i, counts[SVCTAB_REMOVED + 1] = {0};

	/* Added processes: grow the descriptor table now, not under the
	 * children that share it (see spawn_reserve). */
	rl.ops->resized();
	for (i = 0; i < r->plan.n; i++) {
		const struct svctab_delta *d = &r->plan.v[i];

		/* Kept processes may have new rotation sizes or log paths:
		 * their capture follows without a restart. */
		if (d->p != NULL && d->change != SVCTAB_REMOVED &&
		    d->change != SVCTAB_CHANGED)
			rl.ops->reconfigure(d->p);
		if (d->selected && d->change != SVCTAB_UNCHANGED) {
			counts[d->change]++;
			log_info("reload: %s: %s", d->fullname,
			    svctab_change_name(d->change));
		}
	}
	/* Stops first, highest priority first (the plan is in ascending
	 * order, removed ones last), then the new processes in order. */
	for (i = r->plan.n; i-- > 0;) {
		struct svctab_delta *d = &r->plan.v[i];

		if (!d->selected || (d->change != SVCTAB_CHANGED &&
		                        d->change != SVCTAB_REMOVED))
			continue;
		d->p->reload_start = d->start;
		if (rl.ops->pending(d->p) && d->p->state != PROC_STOPPING)
			(void)fsm_stop(d->p);
	}
	reload_groups_added(&r->plan, fresh);
	for (i = 0; i < r->plan.n; i++) {
		struct svctab_delta *d = &r->plan.v[i];
		char err[256];

		if (d->selected && d->change == SVCTAB_ADDED && d->start)
			(void)fsm_start(d->p, err, sizeof(err));
	}
	/* A rolling restart under way takes in new members of its pool. */
	for (i = 0; i < r->plan.n; i++) {
		struct svctab_delta *d = &r->plan.v[i];

		if (d->selected && d->change == SVCTAB_ADDED && d->p != NULL)
			job_proc_added(d->p);
	}
	/* Whatever is already stopped is settled from the loop, once the
	 * caller has seen the plan. */
	ev_timer_set(&rl.kick, 0., 0.);
	ev_timer_start(rl.loop, &rl.kick);
	log_info("reload: %zu added, %zu changed, %zu removed, %zu updated "
	         "without a restart",
	    counts[SVCTAB_ADDED], counts[SVCTAB_CHANGED],
	    counts[SVCTAB_REMOVED], counts[SVCTAB_UPDATED]);
}

int
reload_run(struct reload_req *r)
{
	struct tend_conf *nc;
	bool *fresh;
	size_t i;

	if (req_env.shutting_down) {
		(void)snprintf(
		    r->err, sizeof(r->err), "tendd is shutting down");
		return -1;
	}
	if (reload_plan(r, &nc) == -1)
		return -1;
	for (i = 0; i < r->nnotes; i++)
		log_warnx("reload: %s", r->notes[i]);
	if (r->verb == RELOAD_REREAD || r->dry_run) {
		config_free(nc);
		return 0;
	}
	sdnotify_reloading();
	fresh = reload_groups_new(&r->plan);
	/* Everything that can fail comes first; the config and its global
	 * settings are swapped in only once the table has taken it. */
	if ((nc != NULL && reload_reserve(1) == -1) ||
	    svctab_apply(rl.tab, nc != NULL ? nc : *rl.conf, &r->plan) == -1) {
		config_free(nc);
		free(fresh);
		goto nomem;
	}
	if (nc != NULL)
		reload_swap_conf(nc);
	reload_commit(r, fresh);
	sdnotify_reloaded();
	return 0;
nomem:
	(void)snprintf(r->err, sizeof(r->err), "tendd: out of memory");
	sdnotify_reloaded();
	return -1;
}

const struct tend_conf *
reload_config(size_t i)
{
	if (i == 0)
		return *rl.conf;
	return i <= rl.nold ? rl.old[i - 1] : NULL;
}

int
reload_handover(struct tend_conf **prev, size_t nprev)
{
	struct reload_req r;
	bool *fresh;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.verb = RELOAD_UPDATE;
	/* The configs the table runs are kept while used, as replaced
	 * ones are (the current one was loaded at start-up, its globals
	 * applied then). */
	if (reload_reserve(nprev) == -1)
		goto nomem;
	for (i = 0; i < nprev; i++)
		rl.old[rl.nold++] = prev[i];
	if (svctab_plan_make(rl.tab, *rl.conf, &r.plan) == -1)
		goto nomem;
	reload_plan_starts(&r);
	fresh = reload_groups_new(&r.plan);
	if (svctab_apply(rl.tab, *rl.conf, &r.plan) == -1) {
		free(fresh);
		goto nomem;
	}
	log_info("reexec: applying %s as a reload would", rl.path);
	reload_commit(&r, fresh);
	reload_req_done(&r);
	return 0;
nomem:
	reload_req_done(&r);
	errno = ENOMEM;
	return -1;
}

void
reload_signal(void)
{
	struct reload_req r;

	log_info("received SIGHUP: reloading %s", rl.path);
	memset(&r, 0, sizeof(r));
	r.verb = RELOAD_UPDATE;
	if (reload_run(&r) == -1 && r.err[0] != '\0')
		log_warnx("reload: %s; nothing changed", r.err);
	reload_req_done(&r);
}

void
reload_close(void)
{
	size_t i;

	ev_timer_stop(rl.loop, &rl.kick);
	for (i = 0; i < rl.nold; i++)
		config_free(rl.old[i]);
	free(rl.old);
	rl.old = NULL;
	rl.nold = 0;
}

void
reload_init(struct ev_loop *loop, struct svctab *tab, struct tend_conf **conf,
    const char *path, const struct reload_ops *ops)
{
	rl.loop = loop;
	rl.tab = tab;
	rl.conf = conf;
	rl.path = path;
	rl.ops = ops;
	ev_timer_init(&rl.kick, reload_kick_cb, 0., 0.);
}

/*
 * status.c: the requests that look and change nothing: status (and its
 * --json fields), pid, ps, avail, version, metrics.  Reads struct proc,
 * the cgroup's membership and /proc; answers through the reply sink
 * (req.h).
 */
#include "status.h"
#include "cgroup.h"
#include "fsm.h"
#include "health.h"
#include "job.h"
#include "listener.h"
#include "log.h"
#include "logcap.h"
#include "procinfo.h"
#include "proto.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* What ps and status show of one OS process. */
struct status_pinfo {
	struct procinfo pi;
	double cpu_s;   /* utime + stime, seconds */
	double cpu_pct; /* over its lifetime, as ps(1) computes %CPU */
	double uptime;  /* seconds since it started */
};

static void
status_pinfo_fill(struct status_pinfo *x, double boot_uptime)
{
	double hz = (double)procinfo_hz();
	double age = boot_uptime - (double)x->pi.st.starttime / hz;

	x->cpu_s = (double)(x->pi.st.utime + x->pi.st.stime) / hz;
	x->uptime = age > 0 ? age : 0;
	x->cpu_pct = age > 0.01 ? 100.0 * x->cpu_s / age : 0;
}

/*
 * Read every live process of P (its cgroup, or its session in fallback
 * mode): *V (malloc'd), *N.  Processes that vanish meanwhile are left
 * out.  -1 with errno when the membership cannot be read.
 */
static int
status_pinfo_read(
    const struct proc *p, bool cmdline, struct status_pinfo **v, size_t *n)
{
	struct cgroup_member *m = NULL;
	double up = procinfo_uptime();
	size_t nm = 0, i, k = 0;

	*v = NULL;
	*n = 0;
	if (cgroup_member_pids(p, &m, &nm) == -1)
		return -1;
	if ((*v = calloc(nm + 1, sizeof(**v))) == NULL) {
		free(m);
		return -1;
	}
	for (i = 0; i < nm; i++) {
		if (procinfo_read(m[i].pid, true, cmdline, &(*v)[k].pi) == -1)
			continue;
		status_pinfo_fill(&(*v)[k], up);
		k++;
	}
	free(m);
	*n = k;
	return 0;
}

/* tracking, nprocs, rss_kb, pss_kb, cpu_s: P's processes summed (PSS is
 * what adds up: shared pages are divided among their users). */
static void
status_put_usage(struct req *rq, const struct proc *p)
{
	struct status_pinfo *v;
	long long rss = 0, pss = 0;
	double cpu = 0;
	size_t n = 0, i;

	req_kv(rq, "tracking", cgroup_tracking(p));
	if (status_pinfo_read(p, false, &v, &n) == 0) {
		for (i = 0; i < n; i++) {
			rss += v[i].pi.mem.rss_kb;
			pss += v[i].pi.mem.pss_kb;
			cpu += v[i].cpu_s;
		}
		free(v);
	}
	req_kvf(rq, "nprocs", "%zu", n);
	req_kvf(rq, "rss_kb", "%lld", rss);
	req_kvf(rq, "pss_kb", "%lld", pss);
	req_kvf(rq, "cpu_s", "%.2f", cpu);
	req_kvf(rq, "leftovers", "%d", p->pid == 0 ? p->leftovers : 0);
	req_kv(rq, "unkillable", p->stuck ? "1" : "0");
}

/* One service and its processes, for ps. */
static void
status_put_ps(struct req *rq, const struct proc *p, double now)
{
	struct status_pinfo *v = NULL;
	long long rss = 0, pss = 0;
	double cpu = 0;
	size_t n = 0, i;
	char desc[256];

	if (status_pinfo_read(p, true, &v, &n) == -1)
		n = 0;
	for (i = 0; i < n; i++) {
		rss += v[i].pi.mem.rss_kb;
		pss += v[i].pi.mem.pss_kb;
		cpu += v[i].cpu_s;
	}
	fsm_describe(p, now, desc, sizeof(desc));
	req_record(rq);
	req_kv(rq, "kind", "service");
	req_kv(rq, "fullname", p->fullname);
	req_kv(rq, "state", fsm_state_name(p->state));
	req_kvf(rq, "pid", "%ld", (long)p->pid);
	req_kv(rq, "tracking", cgroup_tracking(p));
	req_kvf(rq, "nprocs", "%zu", n);
	req_kvf(rq, "rss_kb", "%lld", rss);
	req_kvf(rq, "pss_kb", "%lld", pss);
	req_kvf(rq, "cpu_s", "%.2f", cpu);
	req_kv(rq, "description", desc);
	req_record_end(rq);
	for (i = 0; i < n; i++) {
		const struct status_pinfo *x = &v[i];

		req_record(rq);
		req_kv(rq, "kind", "proc");
		req_kv(rq, "fullname", p->fullname);
		req_kvf(rq, "pid", "%ld", (long)x->pi.st.pid);
		req_kvf(rq, "ppid", "%ld", (long)x->pi.st.ppid);
		req_kv(rq, "main", x->pi.st.pid == p->pid ? "1" : "0");
		req_kvf(rq, "state", "%c", x->pi.st.state);
		req_kvf(rq, "threads", "%ld", x->pi.st.num_threads);
		req_kvf(rq, "rss_kb", "%ld", x->pi.mem.rss_kb);
		req_kvf(rq, "pss_kb", "%ld", x->pi.mem.pss_kb);
		req_kvf(rq, "cpu_s", "%.2f", x->cpu_s);
		req_kvf(rq, "cpu_pct", "%.1f", x->cpu_pct);
		req_kvf(rq, "uptime", "%.0f", x->uptime);
		req_kv(rq, "cmd", x->pi.cmdline);
		req_record_end(rq);
	}
	free(v);
}

/* P's probe for status --json (nothing without healthcheck=). */
static void
status_put_health(struct req *rq, const struct proc *p)
{
	struct health_view v;

	if (!health_view(p, &v))
		return;
	req_kv(rq, "health", v.probing ? probe_health_name(v.tally.health)
	                               : "unknown");
	req_kvll(rq, "health_failures", v.probing ? v.tally.streak : 0);
	req_kv(rq, "health_reason", v.why);
	req_kvll(rq, "health_probes", (long long)v.tally.probes);
	req_kvll(rq, "health_probe_failures", (long long)v.tally.failures);
	req_kvll(rq, "health_actions", (long long)v.actions);
}

/* supervisorctl's status fields for P; with FULL every field of --json,
 * its processes' memory and CPU (read from /proc) among them. */
static void
status_put_status(struct req *rq, const struct proc *p, double now, bool full)
{
	const struct proc_exit *ex = &p->lastexit;
	char desc[256];

	fsm_describe(p, now, desc, sizeof(desc));
	req_record(rq);
	req_kv(rq, "fullname", p->fullname);
	req_kv(rq, "state", fsm_state_name(p->state));
	req_kv(rq, "description", desc);
	if (!full) {
		/* What the table shows, nothing more: 1,000 of these make
		 * one `status`. */
		req_record_end(rq);
		return;
	}
	req_kv(rq, "name", p->conf->name);
	req_kv(rq, "group", p->conf->group);
	req_kvll(rq, "statecode", (int)p->state);
	req_kvll(rq, "pid", (long)p->pid);
	/* Durations are monotonic; "start" is that run's start on today's
	 * realtime clock, so that now - start is the uptime after a clock
	 * step as well. */
	req_kvsec(rq, "start",
	    p->start_wall > 0 ? util_wall_of(p->laststart) : 0.0);
	req_kvsec(rq, "stop", p->stop_wall);
	req_kvsec(rq, "now", util_wall_of(now));
	req_kvsec(rq, "uptime",
	    p->pid > 0 && p->start_wall > 0 && now > p->laststart
	        ? now - p->laststart
	        : 0.0);
	req_kv(rq, "spawnerr", svctab_note(p->spawnerr));
	req_kvll(rq, "spawns", p->spawns);
	req_kvll(rq, "log_dropped_bytes", (long long)logcap_dropped(p));
	req_kv(rq, "stdout_logfile",
	    logcap_path(p, 1) != NULL ? logcap_path(p, 1) : "");
	req_kv(rq, "stderr_logfile",
	    logcap_path(p, 2) != NULL ? logcap_path(p, 2) : "");
	req_kv(rq, "exit", ex->valid ? "1" : "0");
	if (ex->valid) {
		req_kvll(rq, "exit_code", ex->code);
		req_kvll(rq, "exit_signal", ex->signal);
		req_kv(rq, "exit_core", ex->core ? "1" : "0");
		req_kvsec(rq, "exit_utime", ex->utime);
		req_kvsec(rq, "exit_stime", ex->stime);
		req_kvll(rq, "exit_maxrss_kb", ex->maxrss_kb);
		/* how long that run lasted, and when it ended */
		req_kvsec(rq, "exit_uptime", ex->uptime);
		req_kvsec(rq, "exit_time", ex->wall);
		req_kv(rq, "exit_oom", ex->oom ? "1" : "0");
	}
	status_put_health(rq, p);
	/* /proc reads cost about 0.1 ms a process: only when asked. */
	status_put_usage(rq, p);
	req_record_end(rq);
}

static bool
status_args_have_all(const char **argv, int argc)
{
	int i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "all") == 0)
			return true;
	return false;
}

/* P's record(s) for a status (FULL: every field), ps or pid request of
 * TYPE. */
static void
status_put_listed(
    struct req *rq, uint16_t type, bool full, const struct proc *p, double now)
{
	if (type == PROTO_REQ_STATUS) {
		status_put_status(rq, p, now, full);
	} else if (type == PROTO_REQ_PS) {
		status_put_ps(rq, p, now);
	} else {
		req_record(rq);
		req_kv(rq, "name", p->fullname);
		req_kvf(rq, "pid", "%ld", (long)p->pid);
		req_record_end(rq);
	}
}

/*
 * A status --json or ps reads /proc for every process (about 0.1 ms
 * each): done in one go for 1,000 processes it held the loop for ~80 ms
 * while exits waited.  So it is a walk: STATUS_CHUNK processes per loop
 * turn, from a check watcher of the lowest priority (an idle watcher keeps
 * the loop turning meanwhile), and none while the client has not taken
 * the previous chunk (rq->pump starts it again).  The table is read by
 * index each turn and named processes are found again by name: a reload
 * between turns frees nothing the walk holds.
 */
#define STATUS_CHUNK 32

struct status_walk {
	struct req *rq;
	ev_check check;
	ev_idle idle;
	uint16_t type;
	bool full;
	struct job *names; /* NULL: the whole table */
	size_t next;
	unsigned turns;
};

static void
status_walk_stop(struct status_walk *w)
{
	ev_check_stop(req_env.loop, &w->check);
	ev_idle_stop(req_env.loop, &w->idle);
}

static void
status_walk_free(struct status_walk *w)
{
	status_walk_stop(w);
	if (w->names != NULL)
		job_free(w->names);
	free(w);
}

static void
status_walk_cancel(struct req *rq)
{
	status_walk_free(rq->state);
}

/* The next chunk of W's records; true when the walk is over. */
static bool
status_walk_chunk(struct status_walk *w)
{
	const struct svctab *tab = req_env.tab;
	double now = util_monotonic();
	const struct proc *p;
	size_t n;

	for (n = 0;
	     w->names == NULL && n < STATUS_CHUNK && w->next < tab->nprocs; n++)
		status_put_listed(
		    w->rq, w->type, w->full, tab->procs[w->next++], now);
	if (w->names == NULL)
		return w->next >= tab->nprocs;
	for (n = 0; n < STATUS_CHUNK && w->next < w->names->ns; n++) {
		const struct job_step *wt = &w->names->s[w->next++];

		/* Found at the request: look again (a reload may have
		 * freed it meanwhile; then it is left out). */
		if (wt->done && wt->fault == PROTO_F_NO_SUCH_PROCESS)
			req_unknown(w->rq, wt->name);
		else if ((p = svctab_find(tab, wt->name)) != NULL)
			status_put_listed(w->rq, w->type, w->full, p, now);
	}
	return w->next >= w->names->ns;
}

/* A turn: a chunk, unless the client has not taken the last one. */
static void
status_walk_cb(struct ev_loop *loop, ev_check *c, int revents)
{
	struct status_walk *w = c->data;
	struct req *rq = w->rq;

	if (req_busy(rq)) {
		status_walk_stop(w); /* rq->pump starts it again */
		return;
	}
	w->turns++;
	if (!status_walk_chunk(w))
		return;
	log_debug("control client %d: %s of %zu processes sent in %u turns",
	    (int)rq->pid, w->type == PROTO_REQ_PS ? "ps" : "status",
	    w->names != NULL ? w->names->ns : req_env.tab->nprocs, w->turns);
	status_walk_free(w);
	req_end(rq);
}

static void
status_walk_idle_cb(struct ev_loop *loop, ev_idle *i, int revents)
{
	/* Only keeps the loop from blocking while the walk goes on. */
}

static void
status_walk_pump(struct req *rq)
{
	struct status_walk *w = rq->state;

	ev_check_start(req_env.loop, &w->check);
	ev_idle_start(req_env.loop, &w->idle);
}

/* Start the walk of NAMES (NULL: every process) for RQ.  -1: no memory
 * (nothing sent). */
static int
status_walk_start(struct req *rq, bool full, struct job *names)
{
	struct status_walk *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -1;
	w->rq = rq;
	w->type = rq->type;
	w->full = full;
	w->names = names;
	ev_check_init(&w->check, status_walk_cb);
	ev_set_priority(&w->check, EV_MINPRI);
	ev_idle_init(&w->idle, status_walk_idle_cb);
	ev_set_priority(&w->idle, EV_MINPRI);
	w->check.data = w->idle.data = w;
	rq->state = w;
	rq->cancel = status_walk_cancel;
	rq->pump = status_walk_pump;
	/* A short list is answered at once, as before. */
	w->turns = 1;
	if (status_walk_chunk(w)) {
		status_walk_free(w);
		req_end(rq);
		return 0;
	}
	status_walk_pump(rq);
	return 0;
}

/* status and pid share the name handling: every process for no names or
 * "all", else each pattern's matches (unknown ones reported), once. */
void
status_do_list(struct req *rq)
{
	uint16_t type = rq->type;
	const char **argv = rq->argv;
	const char *opt = req_opt(rq, "full");
	bool full = opt != NULL && strcmp(opt, "1") == 0;
	bool walk = type == PROTO_REQ_PS || (type == PROTO_REQ_STATUS && full);
	bool all = rq->argc == 0 || status_args_have_all(argv, rq->argc);
	struct job *r = NULL;
	double now = util_monotonic();
	size_t k;
	int i;

	if (type == PROTO_REQ_PID && rq->argc == 0) {
		req_record(rq);
		req_kv(rq, "name", "tendd");
		req_kvf(rq, "pid", "%ld", (long)getpid());
		req_record_end(rq);
		req_end(rq);
		return;
	}
	if (!all && (r = job_new(JOB_LIST)) == NULL)
		goto nomem;
	for (i = 0; !all && i < rq->argc; i++)
		if (job_add(r, argv[i]) == -1)
			goto nomem;
	if (walk) {
		if (status_walk_start(rq, full, r) == -1)
			goto nomem;
		return;
	}
	/* Without /proc: the whole answer at once (plain status of 1,000
	 * processes is a few hundred microseconds). */
	for (k = 0; all && k < req_env.tab->nprocs; k++)
		status_put_listed(rq, type, full, req_env.tab->procs[k], now);
	for (k = 0; !all && k < r->ns; k++) {
		const struct proc *p = r->s[k].p;

		if (p == NULL && r->s[k].fault == PROTO_F_NO_SUCH_PROCESS)
			req_unknown(rq, r->s[k].name);
		else if (p != NULL)
			status_put_listed(rq, type, full, p, now);
	}
	if (r != NULL)
		job_free(r);
	req_end(rq);
	return;
nomem:
	if (r != NULL)
		job_free(r);
	req_error(rq, "tendd: out of memory");
}

/* The priority of P's group: its [group:x] section's, else the program's
 * own (supervisord gives a lone program a group of its own priority). */
static int
status_group_priority(const struct conf_proc *cp)
{
	const struct tend_conf *conf = req_env.tab->conf;
	size_t i;

	for (i = 0; conf != NULL && i < conf->ngroups; i++)
		if (strcmp(conf->groups[i]->name, cp->group) == 0)
			return conf->groups[i]->priority;
	return cp->priority;
}

/* One stream's log settings, keys PREFIX...: getAllConfigInfo's. */
static void
status_put_logconf(struct req *rq, const struct proc *p, int fd)
{
	const struct conf_log *l = fd == 1 ? &p->conf->out : &p->conf->err;
	const char *pre = fd == 1 ? "stdout_" : "stderr_";
	const char *path;
	char key[40];

	path = l->kind == CONF_LOG_FILE ? l->path
	       : l->kind == CONF_LOG_AUTO ? "auto"
	                                  : "none";
	(void)snprintf(key, sizeof(key), "%slogfile", pre);
	req_kv(rq, key, path);
	(void)snprintf(key, sizeof(key), "%slogfile_backups", pre);
	req_kvll(rq, key, l->backups);
	(void)snprintf(key, sizeof(key), "%slogfile_maxbytes", pre);
	req_kvll(rq, key, (long long)l->maxbytes);
	(void)snprintf(key, sizeof(key), "%ssyslog", pre);
	req_kv(rq, key, l->syslog ? "1" : "0");
	(void)snprintf(key, sizeof(key), "%scapture_maxbytes", pre);
	req_kvll(rq, key, (long long)l->capture_maxbytes);
	(void)snprintf(key, sizeof(key), "%sevents_enabled", pre);
	req_kv(rq, key, l->events_enabled ? "1" : "0");
}

/* AVAIL full=1: the rest of what getAllConfigInfo shows. */
static void
status_put_config(struct req *rq, const struct proc *p)
{
	const struct conf_proc *cp = p->conf;
	char codes[1024];
	size_t n = 0;
	int c;

	req_kv(rq, "command", cp->command != NULL ? cp->command : "");
	req_kv(rq, "directory", cp->directory != NULL ? cp->directory : "none");
	if (cp->user != NULL)
		req_kvll(rq, "uid", (long long)cp->uid);
	else
		req_kv(rq, "uid", "none");
	codes[0] = '\0';
	for (c = 0; c < 256 && n + 5 < sizeof(codes); c++)
		if (conf_exitcode_expected(&cp->exitcodes, c))
			n += (size_t)snprintf(codes + n, sizeof(codes) - n,
			    "%s%d", n ? "," : "", c);
	req_kv(rq, "exitcodes", codes);
	req_kv(rq, "killasgroup", cp->killasgroup ? "1" : "0");
	req_kv(rq, "redirect_stderr", cp->redirect_stderr ? "1" : "0");
	req_kvll(rq, "startretries", cp->startretries);
	req_kvf(rq, "startsecs", "%g", cp->startsecs);
	req_kvll(rq, "stopsignal", cp->stopsignal);
	req_kvf(rq, "stopwaitsecs", "%g", cp->stopwaitsecs);
	req_kv(rq, "serverurl",
	    cp->serverurl != NULL && strcasecmp(cp->serverurl, "AUTO") != 0
		? cp->serverurl
		: "AUTO");
	status_put_logconf(rq, p, 1);
	status_put_logconf(rq, p, 2);
}

void
status_do_avail(struct req *rq)
{
	const char *full = req_opt(rq, "full");
	size_t i;

	for (i = 0; i < req_env.tab->nprocs; i++) {
		const struct proc *p = req_env.tab->procs[i];

		req_record(rq);
		req_kv(rq, "name", p->fullname);
		req_kv(rq, "group", p->conf->group);
		req_kv(rq, "inuse", p->removed ? "0" : "1");
		req_kv(rq, "autostart", p->conf->autostart ? "1" : "0");
		req_kvf(rq, "priority", "%d", p->conf->priority);
		req_kvf(
		    rq, "group_priority", "%d", status_group_priority(p->conf));
		if (full != NULL && strcmp(full, "1") == 0)
			status_put_config(rq, p);
		req_record_end(rq);
	}
	req_end(rq);
}

void
status_do_version(struct req *rq)
{
	req_record(rq);
	req_kv(rq, "version", TEND_VERSION);
	req_kvf(rq, "protocol", "%d", PROTO_VERSION);
	req_kvf(rq, "pid", "%ld", (long)getpid());
	req_record_end(rq);
	req_end(rq);
}

#ifdef HAVE_METRICS
/* CPU and memory of PID from /proc into the record; nothing when it cannot
 * be read (gone, or a zombie: smaps_rollup is empty). */
static void
status_put_procinfo(struct req *rq, pid_t pid)
{
	struct procinfo pi;
	long hz = procinfo_hz();

	if (pid <= 0 || hz <= 0 || procinfo_read(pid, true, false, &pi) == -1)
		return;
	req_kvf(rq, "cpu_user", "%.3f", (double)pi.st.utime / hz);
	req_kvf(rq, "cpu_system", "%.3f", (double)pi.st.stime / hz);
	req_kvf(rq, "threads", "%ld", pi.st.num_threads);
	if (pi.mem.valid) {
		req_kvf(
		    rq, "rss_bytes", "%lld", (long long)pi.mem.rss_kb * 1024);
		req_kvf(
		    rq, "pss_bytes", "%lld", (long long)pi.mem.pss_kb * 1024);
	}
}

/* P's probe counts; "healthy" only while its health is known. */
static void
status_put_health_metrics(struct req *rq, const struct proc *p)
{
	struct health_view v;

	if (!health_view(p, &v))
		return;
	if (v.probing && v.tally.health != PROBE_UNKNOWN)
		req_kv(rq, "healthy",
		    v.tally.health == PROBE_HEALTHY ? "1" : "0");
	req_kvf(rq, "health_probes", "%llu",
	    (unsigned long long)v.tally.probes);
	req_kvf(rq, "health_failures", "%llu",
	    (unsigned long long)v.tally.failures);
	req_kvf(rq, "health_actions", "%llu", (unsigned long long)v.actions);
	req_kvf(rq, "health_seconds", "%.6f", v.seconds);
}

static void
status_put_metrics(struct req *rq, const struct proc *p, double now)
{
	const struct proc_exit *ex = &p->lastexit;
	bool up = p->pid > 0 && p->start_wall > 0;

	req_record(rq);
	req_kv(rq, "kind", "process");
	req_kv(rq, "fullname", p->fullname);
	req_kv(rq, "name", p->conf->name);
	req_kv(rq, "group", p->conf->group);
	req_kv(rq, "state", fsm_state_name(p->state));
	req_kvf(rq, "statecode", "%d", (int)p->state);
	req_kvf(rq, "pid", "%ld", (long)p->pid);
	req_kvf(rq, "spawns", "%u", p->spawns);
	req_kvf(rq, "backoff", "%d", p->backoff);
	req_kvf(rq, "start_time", "%.3f", up ? util_wall_of(p->laststart) : 0.0);
	req_kvf(rq, "uptime", "%.3f",
	    up && now > p->laststart ? now - p->laststart : 0.0);
	req_kvf(rq, "log_dropped_bytes", "%llu",
	    (unsigned long long)logcap_dropped(p));
	req_kv(rq, "exit", ex->valid ? "1" : "0");
	if (ex->valid) {
		req_kvf(rq, "exit_code", "%d", ex->code);
		req_kvf(rq, "exit_signal", "%d", ex->signal);
		req_kvf(rq, "exit_time", "%.3f", ex->wall);
	}
	status_put_health_metrics(rq, p);
	/* The main process only: what it forked and reaped itself, or
	 * left running, is not counted. */
	status_put_procinfo(rq, p->pid);
	req_record_end(rq);
}

/* An [eventlistener:x] pool's counts (listener.c). */
static void
status_put_pool(void *arg, const struct listener_pool_info *in)
{
	struct req *rq = arg;

	req_record(rq);
	req_kv(rq, "kind", "pool");
	req_kv(rq, "name", in->name);
	req_kvf(rq, "buffered", "%zu", in->buffered);
	req_kvf(rq, "buffer_size", "%zu", in->buffer_size);
	req_kvf(rq, "accepted", "%llu", (unsigned long long)in->accepted);
	req_kvf(rq, "dropped", "%llu", (unsigned long long)in->dropped);
	req_kvf(rq, "rejected", "%llu", (unsigned long long)in->rejected);
	req_kvf(rq, "listeners", "%zu", in->listeners);
	req_kvf(rq, "ready", "%zu", in->ready);
	req_kvf(rq, "busy", "%zu", in->busy);
	req_record_end(rq);
}

/*
 * tendctl metrics: a record about tendd, then one per process, then one
 * per event listener pool.  The
 * numbers are raw; tendctl writes Prometheus's text format.  Reading
 * /proc costs a few system calls per running process, in the loop: a
 * scrape of 1,000 processes takes milliseconds, not more.
 */
void
status_do_metrics(struct req *rq)
{
	double now = util_monotonic();
	size_t i;

	req_config_sync();
	req_record(rq);
	req_kv(rq, "kind", "tendd");
	req_kv(rq, "version", TEND_VERSION);
	req_kvf(rq, "protocol", "%d", PROTO_VERSION);
	req_kvf(rq, "pid", "%ld", (long)getpid());
	req_kvf(rq, "start_time", "%.3f", req_env.started);
	req_kvf(rq, "clients", "%zu", req_env.nclients);
	req_kvf(rq, "clients_max", "%zu", req_env.clients_max);
	req_kvf(rq, "config_generation", "%lu", req_env.generation);
	req_kvf(rq, "processes", "%zu", req_env.tab->nprocs);
	status_put_procinfo(rq, getpid());
	req_record_end(rq);
	for (i = 0; i < req_env.tab->nprocs; i++)
		status_put_metrics(rq, req_env.tab->procs[i], now);
	listener_pools(status_put_pool, rq);
	req_end(rq);
}
#else
/* Built --disable-metrics (an embedded tendd). */
void
status_do_metrics(struct req *rq)
{
	req_error(rq, "metrics are not built into this tendd (configured "
	              "--disable-metrics)");
}
#endif

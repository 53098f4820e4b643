/*
 * handover_proc.c: one process across a reexec (handover.c's other
 * half).  Its record: struct proc's fields as fsm.c left them, its pid
 * and pidfd, its exec-failure pipe and log pipes, its cgroup's OOM base,
 * and what its timers had left; and the configs the processes run
 * ("configs": the table is made again from them, handover_table).  The
 * new tendd gives each process of that table its record; the config on
 * disk is applied afterwards, as a reload (reload_handover).
 */
#include "handover.h"
#include "cgroup.h"
#include "feed.h"
#include "listener.h"
#include "config.h"
#include "health.h"
#include "log.h"
#include "logcap.h"
#include "reap.h"
#include "ready.h"
#include "util.h"
#include "reload.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct {
	struct ev_loop *loop;
	struct svctab *tab;
	const struct handover_ops *ops;
} hp;

static void procs_save(struct handover_w *w);
static void configs_save(struct handover_w *w);

void
handover_procs_init(
    struct ev_loop *loop, struct svctab *tab, const struct handover_ops *ops)
{
	hp.loop = loop;
	hp.tab = tab;
	hp.ops = ops;
	handover_register("configs", configs_save);
	handover_register("procs", procs_save);
}

/* --- the configs the processes run --------------------------------------
 *
 * The new tendd must know what each process runs to apply the config on
 * disk as a reload would (reload_handover), and the old config may be
 * gone from the disk: each config the table points into is carried as
 * the texts it was read from (struct conf_source) and read again, then
 * each process of the table as (config, index, full name).
 */

/* Where CP is: the config's number (reload_config) and its index. */
static bool
conf_locate(const struct conf_proc *cp, uint64_t *gen, uint64_t *idx)
{
	const struct tend_conf *c;
	size_t g, i;

	for (g = 0; (c = reload_config(g)) != NULL; g++)
		for (i = 0; i < c->nprocs; i++)
			if (c->procs[i] == cp) {
				*gen = g;
				*idx = i;
				return true;
			}
	return false;
}

static void
configs_save(struct handover_w *w)
{
	const struct tend_conf *c;
	uint64_t gen, idx;
	size_t g, i, n;

	for (n = 0; reload_config(n) != NULL; n++)
		;
	handover_put_u64(w, n);
	for (g = 0; g < n; g++) {
		c = reload_config(g);
		handover_put_str(w, c->cwd);
		handover_put_u64(w, c->nsources);
		for (i = 0; i < c->nsources; i++) {
			handover_put_str(w, c->sources[i].path);
			handover_put_str(w, c->sources[i].text);
		}
	}
	handover_put_u64(w, hp.tab->nprocs);
	for (i = 0; i < hp.tab->nprocs; i++) {
		const struct proc *p = hp.tab->procs[i];

		/* reexec waits for a reload to settle: no next_conf */
		if (!conf_locate(p->conf, &gen, &idx))
			gen = idx = UINT64_MAX;
		handover_put_str(w, p->fullname);
		handover_put_u64(w, gen);
		handover_put_u64(w, idx);
	}
}

/* One carried config, read again from its texts. */
static struct tend_conf *
config_take(struct handover_r *r)
{
	struct conf_errors errs = {0};
	struct conf_source *src;
	struct tend_conf *c;
	char *cwd = handover_get_str(r);
	uint64_t n = handover_get_u64(r), i;

	if (!handover_ok(r) || n > 4096)
		handover_end(r);
	if ((src = calloc(n + 1, sizeof(*src))) == NULL)
		fatal("handover: configs");
	for (i = 0; i < n; i++) {
		src[i].path = handover_get_str(r);
		src[i].text = handover_get_str(r);
		src[i].len = src[i].text ? strlen(src[i].text) : 0;
	}
	if (!handover_ok(r) || cwd == NULL)
		handover_end(r); /* falls back */
	c = config_load_sources(cwd, src, (size_t)n, &errs);
	for (i = 0; i < n; i++) {
		free(src[i].path);
		free(src[i].text);
	}
	free(src);
	free(cwd);
	if (c == NULL)
		handover_fallback("the config the processes run does not "
		                      "load in this tendd: %s",
		    errs.n > 0 ? errs.msgs[0] : "out of memory");
	return c;
}

/* The conf_proc of FULLNAME in C, at IDX as it was, else by name (a
 * binary may sort differently); NULL if C has no such process. */
static struct conf_proc *
conf_proc_of(const struct tend_conf *c, uint64_t idx, const char *fullname)
{
	char *fn;
	size_t i;
	bool same;

	for (i = 0; i <= c->nprocs; i++) {
		size_t k = i == 0 ? (size_t)idx : i - 1;

		if (k >= c->nprocs || (fn = svctab_fullname(c->procs[k])) == NULL)
			continue;
		same = strcmp(fn, fullname) == 0;
		free(fn);
		if (same)
			return c->procs[k];
	}
	return NULL;
}

struct tend_conf **
handover_table(struct svctab *tab, const struct tend_conf *conf, size_t *ngens)
{
	struct handover_r *r = handover_section("configs");
	struct tend_conf **gens, view;
	uint64_t n, g, idx, nprocs, i;
	char *name;

	*ngens = 0;
	if (r == NULL && handover_read_version() < 3) {
		/* An older tendd did not carry its configs: the table is
		 * the config on disk, a record it lacks falls back. */
		if (svctab_init(tab, conf) == -1)
			fatal("service table");
		return NULL;
	}
	if (r == NULL)
		handover_fallback("no configs section");
	n = handover_get_u64(r);
	if (n == 0 || n > 1024)
		handover_fallback("configs: bad count");
	if ((gens = calloc(n, sizeof(*gens))) == NULL)
		fatal("handover: configs");
	for (g = 0; g < n; g++)
		gens[g] = config_take(r);
	nprocs = handover_get_u64(r);
	if (!handover_ok(r) || nprocs > 1000000)
		handover_end(r);
	/* A view of the processes in the table's order: each in the
	 * config it runs. */
	view = *gens[0];
	if ((view.procs = calloc(nprocs + 1, sizeof(*view.procs))) == NULL)
		fatal("handover: configs");
	view.nprocs = (size_t)nprocs;
	for (i = 0; i < nprocs && handover_ok(r); i++) {
		name = handover_get_str(r);
		g = handover_get_u64(r);
		idx = handover_get_u64(r);
		if (name == NULL || g >= n ||
		    (view.procs[i] = conf_proc_of(gens[g], idx, name)) == NULL)
			handover_fallback("%s: not in the config it runs",
			    name ? name : "?");
		free(name);
	}
	handover_end(r);
	if (svctab_init(tab, &view) == -1)
		fatal("service table");
	free(view.procs);
	tab->conf = gens[0];
	*ngens = (size_t)n;
	return gens;
}

/* --- one process ------------------------------------------------------- */

#define PF(x) ((uint64_t)(x))
enum {
	PB_KILLING = 1 << 0,
	PB_READY = 1 << 1,
	PB_EXECED = 1 << 2,
	PB_WAITING = 1 << 3,
	PB_HOLDING = 1 << 4,
	PB_DEP_STOPPED = 1 << 5,
	PB_TIMED_OUT = 1 << 6,
	PB_WATCHDOG_FIRED = 1 << 7,
	PB_DRAINING = 1 << 8,
	PB_KILLSENT = 1 << 9,
	PB_STUCK = 1 << 10,
	PB_RELOADING = 1 << 11,
	/* the exec was seen (tendd.c's exec_sweep), the state machine not
	 * told yet: the new tendd tells it */
	PB_EXEC_SEEN = 1 << 12,
};

static uint64_t
proc_bits(const struct proc *p)
{
	return (p->killing ? PB_KILLING : 0) | (p->ready ? PB_READY : 0) |
	       (p->execed ? PB_EXECED : 0) | (p->waiting ? PB_WAITING : 0) |
	       (p->holding ? PB_HOLDING : 0) |
	       (p->dep_stopped ? PB_DEP_STOPPED : 0) |
	       (p->timed_out ? PB_TIMED_OUT : 0) |
	       (p->watchdog_fired ? PB_WATCHDOG_FIRED : 0) |
	       (p->draining ? PB_DRAINING : 0) |
	       (p->killsent ? PB_KILLSENT : 0) | (p->stuck ? PB_STUCK : 0) |
	       (p->reloading ? PB_RELOADING : 0) |
	       (p->execfd == -1 && ev_is_pending(&p->exec_io) ? PB_EXEC_SEEN
	                                                      : 0);
}

static void
proc_set_bits(struct proc *p, uint64_t b)
{
	p->killing = b & PB_KILLING;
	p->ready = b & PB_READY;
	p->execed = b & PB_EXECED;
	p->waiting = b & PB_WAITING;
	p->holding = b & PB_HOLDING;
	p->dep_stopped = b & PB_DEP_STOPPED;
	p->timed_out = b & PB_TIMED_OUT;
	p->watchdog_fired = b & PB_WATCHDOG_FIRED;
	p->draining = b & PB_DRAINING;
	p->killsent = b & PB_KILLSENT;
	p->stuck = b & PB_STUCK;
	p->reloading = b & PB_RELOADING;
}

static void
exit_save(struct handover_w *w, const struct proc_exit *e)
{
	handover_put_u64(w, PF(e->valid) | PF(e->core) << 1 | PF(e->oom) << 2);
	handover_put_i64(w, e->code);
	handover_put_i64(w, e->signal);
	handover_put_f64(w, e->utime);
	handover_put_f64(w, e->stime);
	handover_put_i64(w, e->maxrss_kb);
	handover_put_f64(w, e->uptime);
	handover_put_f64(w, e->wall);
}

static void
exit_load(struct handover_r *r, struct proc_exit *e)
{
	uint64_t b = handover_get_u64(r);

	e->valid = b & 1;
	e->core = b & 2;
	e->oom = b & 4;
	e->code = (int)handover_get_i64(r);
	e->signal = (int)handover_get_i64(r);
	e->utime = handover_get_f64(r);
	e->stime = handover_get_f64(r);
	e->maxrss_kb = (long)handover_get_i64(r);
	e->uptime = handover_get_f64(r);
	e->wall = handover_get_f64(r);
}

/* An fd or nothing: u64 0/1, then the fd. */
static void
put_opt_fd(struct handover_w *w, int fd, enum handover_fd_kind kind, pid_t pid)
{
	handover_put_u64(w, fd >= 0);
	if (fd >= 0)
		handover_put_fd(w, fd, kind, pid);
}

static int
get_opt_fd(struct handover_r *r)
{
	return handover_get_u64(r) != 0 ? handover_get_fd(r) : -1;
}

static double
timer_left(ev_timer *t)
{
	return ev_is_active(t) ? ev_timer_remaining(hp.loop, t) : -1;
}

static void
proc_save(struct handover_w *w, struct proc *p)
{
	long long oom_base;
	char hbuf[512];
	bool killed;
	int out, err;

	handover_put_str(w, p->fullname);
	handover_put_u64(w, (uint64_t)p->state);
	handover_put_i64(w, p->backoff);
	handover_put_u64(w, p->spawns);
	handover_put_u64(w, proc_bits(p));
	handover_put_f64(w, p->laststart);
	handover_put_f64(w, p->start_wall);
	handover_put_f64(w, p->stop_wall);
	handover_put_f64(w, p->restart_delay);
	handover_put_f64(w, p->restart_wall);
	handover_put_f64(w, p->stuck_wall);
	exit_save(w, &p->lastexit);
	handover_put_str(w, p->spawnerr);
	handover_put_str(w, p->status_text);
	handover_put_str(w, p->stopnote);
	handover_put_str(w, p->exec_error);
	handover_put_i64(w, p->pid);
	handover_put_i64(w, p->mainpid);
	handover_put_i64(w, p->leftovers);
	handover_put_i64(w, p->leftover_pid);
	handover_put_i64(w, p->stuck_pid);
	handover_put_i64(w, p->stuck_state);
	handover_put_f64(w, timer_left(&p->timer));
	handover_put_f64(w, timer_left(&p->watchdog));
	cgroup_carry(p, &oom_base, &killed);
	handover_put_i64(w, oom_base);
	handover_put_u64(w, killed);
	put_opt_fd(w, p->pid > 0 ? p->pidfd : -1, HANDOVER_FD_PIDFD, p->pid);
	put_opt_fd(w, p->execfd, HANDOVER_FD_PIPE, 0);
	logcap_carry(p, &out, &err);
	put_opt_fd(w, out, HANDOVER_FD_PIPE, 0);
	put_opt_fd(w, err, HANDOVER_FD_PIPE, 0);
	handover_put_str(w, health_save(p, hbuf, sizeof(hbuf)) > 0 ? hbuf : NULL);
	/* 5: the stdin pipe (what feed.c still queued is not carried) and
	 * an event listener's protocol state. */
	put_opt_fd(w, p->pid > 0 ? feed_fd(p) : -1, HANDOVER_FD_PIPE, 0);
	handover_put_i64(w, listener_state(p));
}

static void
procs_save(struct handover_w *w)
{
	size_t i;

	ev_now_update(hp.loop);
	handover_put_u64(w, hp.tab->nprocs);
	for (i = 0; i < hp.tab->nprocs; i++)
		proc_save(w, hp.tab->procs[i]);
}

/* The fields of one record, into P (a scratch proc when the config no
 * longer has it). */
static uint64_t
proc_fields(struct handover_r *r, struct proc *p)
{
	uint64_t bits;

	p->state = (enum proc_state)handover_get_u64(r);
	p->backoff = (int)handover_get_i64(r);
	p->spawns = (unsigned)handover_get_u64(r);
	bits = handover_get_u64(r);
	proc_set_bits(p, bits);
	p->laststart = handover_get_f64(r);
	p->start_wall = handover_get_f64(r);
	p->stop_wall = handover_get_f64(r);
	p->restart_delay = handover_get_f64(r);
	p->restart_wall = handover_get_f64(r);
	p->stuck_wall = handover_get_f64(r);
	if (handover_read_version() < 2) {
		/* Format 1 kept these two on the realtime clock. */
		double shift = util_realtime() - util_monotonic();

		if (p->laststart > 0)
			p->laststart -= shift;
		if (p->restart_wall > 0)
			p->restart_wall -= shift;
	}
	exit_load(r, &p->lastexit);
	p->spawnerr = handover_get_str(r);
	p->status_text = handover_get_str(r);
	p->stopnote = handover_get_str(r);
	p->exec_error = handover_get_str(r);
	p->pid = (pid_t)handover_get_i64(r);
	p->mainpid = (pid_t)handover_get_i64(r);
	p->leftovers = (int)handover_get_i64(r);
	p->leftover_pid = (pid_t)handover_get_i64(r);
	p->stuck_pid = (pid_t)handover_get_i64(r);
	p->stuck_state = (char)handover_get_i64(r);
	return bits;
}

/* Watchers and timers of a restored P. */
static void
proc_resume(struct proc *p, double timer, double watchdog, const int fds[3],
    bool exec_seen)
{
	char err[256];

	if (p->pidfd >= 0)
		reap_watch(p);
	p->execfd = fds[0];
	if (fds[0] >= 0 || exec_seen)
		hp.ops->exec_watch(p);
	if ((fds[1] >= 0 || fds[2] >= 0) &&
	    logcap_attach(p, fds[1], fds[2], err, sizeof(err)) == -1)
		log_warnx("%s: output not captured: %s", p->fullname, err);
	if (timer >= 0)
		hp.ops->timer_set(p, timer);
#ifdef HAVE_NOTIFY
	if (watchdog >= 0)
		ready_watchdog_resume(p, watchdog);
#endif
}

/* One record: the process of the table it names, taken over. */
static struct proc *
proc_load(struct handover_r *r)
{
	struct proc *p;
	char *name = handover_get_str(r);
	double timer, watchdog;
	char *health;
	uint64_t bits;
	long long oom_base;
	bool killed;
	int pidfd, fds[3], infd = -1;
	int64_t lstate = -1;

	/* The table was made from the state's list (handover_table). */
	if ((p = svctab_find(hp.tab, name)) == NULL)
		handover_fallback("process %s: not in the table", name ? name : "?");
	bits = proc_fields(r, p);
	timer = handover_get_f64(r);
	watchdog = handover_get_f64(r);
	oom_base = handover_get_i64(r);
	killed = handover_get_u64(r) != 0;
	pidfd = get_opt_fd(r);
	fds[0] = get_opt_fd(r);
	fds[1] = get_opt_fd(r);
	fds[2] = get_opt_fd(r);
	health = handover_get_str(r);
	if (handover_read_version() >= 5) {
		infd = get_opt_fd(r);
		lstate = handover_get_i64(r);
	}
	if (!handover_ok(r))
		handover_end(r); /* falls back */
	free(name);
	p->pidfd = p->pid > 0 ? pidfd : -1;
	if (p->pid > 0)
		cgroup_adopt(p, oom_base, killed);
	proc_resume(p, timer, watchdog, fds, (bits & PB_EXEC_SEEN) != 0);
	if (infd >= 0 && p->pid > 0 && feed_attach(p, infd) == -1)
		log_warn("%s: stdin pipe not taken over", p->fullname);
	else if (infd >= 0 && p->pid <= 0)
		(void)close(infd);
	if (lstate >= 0 && p->pid > 0)
		listener_taken_over(p, (int)lstate);
	/* Probes go on: the counts and health of the run are kept, the
	 * next probe is an interval from now. */
	if (health != NULL && p->pid > 0) {
		health_spawned(p);
		if (health_restore(p, health) == -1)
			log_warnx("%s: health probe state not taken over",
			    p->fullname);
	}
	free(health);
	return p;
}

size_t
handover_restore(void)
{
	struct handover_r *r;
	struct proc *p;
	bool *seen;
	uint64_t n, i;
	size_t k, taken = 0;

	/* Every other room has read its section by now. */
	handover_check_sections("procs");
	if ((r = handover_section("procs")) == NULL)
		fatalx("handover: no procs section"); /* registered: cannot be */
	if ((seen = calloc(hp.tab->nprocs + 1, sizeof(*seen))) == NULL)
		fatal("handover");
	n = handover_get_u64(r);
	for (i = 0; i < n && handover_ok(r); i++) {
		if ((p = proc_load(r)) == NULL)
			continue;
		taken++;
		for (k = 0; k < hp.tab->nprocs; k++)
			if (hp.tab->procs[k] == p)
				seen[k] = true;
	}
	handover_end(r);
	/* Orphans that ended while nobody listened for SIGCHLD. */
	(void)reap_sigchld();
	for (k = 0; k < hp.tab->nprocs; k++)
		if (!seen[k])
			hp.ops->fresh(hp.tab->procs[k]);
	free(seen);
	log_info("handover: %zu processes taken over", taken);
	return taken;
}


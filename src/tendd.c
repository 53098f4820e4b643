/*
 * tendd.c: the daemon's main: options, start-up order, the one event loop,
 * signal watchers and the shutdown order.
 *
 * This file holds no policy.  It wires the rooms together: config ->
 * svctab -> fsm, whose operations (struct fsm_ops) are implemented here on
 * top of spawn.c, reap.c and logcap.c, and ctl.c for the control socket.
 *
 * The loop is created with ev_loop_new(), never ev_default_loop(): libev's
 * default loop installs a SIGCHLD handler that reaps every child with
 * waitpid(-1) and would steal the exit statuses the pidfds are for.
 */
#include "tend.h"
#include "cgroup.h"
#include "config.h"
#include "ctl.h"
#include "evbus.h"
#include "fdbudget.h"
#include "feed.h"
#include "fsm.h"
#include "fcgisock.h"
#include "handover.h"
#include "listener.h"
#include "privdrop.h"
#include "health.h"
#ifdef HAVE_HTTP
#include "http.h"
#endif
#include "job.h"
#include "log.h"
#include "logcap.h"
#include "proto.h"
#include "reap.h"
#include "reload.h"
#include "ready.h"
#include "sdnotify.h"
#include "spawn.h"
#include "svctab.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ev.h>

static struct ev_loop *loop;
static struct tend_conf *conf;
static struct svctab tab;
static struct spawn_opts spawn_opts;
static char socket_path[4096];
static char server_url[4200];
#ifdef HAVE_NOTIFY
static char notify_path[4200]; /* services' NOTIFY_SOCKET (ready.c) */
#endif

/* tendd's exit status (tendd(8) EXIT STATUS): 0 every process stopped
 * cleanly; TENDD_EXIT_CRITICAL a critical= program ended (which began
 * the shutdown); TENDD_EXIT_DEADLINE shutdown_timeout passed and what was
 * left got SIGKILL. */
#define TENDD_EXIT_CRITICAL 3
#define TENDD_EXIT_DEADLINE 4
static int exit_status;
static bool started;   /* start_autostart() is done */
static bool is_pid1;   /* a container's init (getpid() == 1) */
static ev_timer shutdown_deadline, critical_later;

static ev_signal sig_term, sig_int, sig_hup, sig_chld, sig_usr1, sig_usr2;

static void shutdown_begin(void);
static void ready_check(void);
static void critical_check(struct proc *p);

/* --- fsm operations ---------------------------------------------------- */

/* Exec pipes open at once: fdbudget.c counts FDBUDGET_EXEC_PIPES of
 * them, not one per process, so past that op_spawn() closes the ones
 * whose child has exec'd (a start-up of 10,000 services runs no loop
 * iteration in between to do it). */
static size_t exec_open, exec_sweep_at = FDBUDGET_EXEC_PIPES;

static void
exec_close(struct proc *p)
{
	ev_io_stop(loop, &p->exec_io);
	(void)close(p->execfd);
	p->execfd = -1;
	exec_open--;
}

/* A failure report read from P's exec pipe (RC 1) is kept until the
 * exit arrives: exit_cb gives it to the state machine with the status. */
static void
exec_keep_failure(struct proc *p, int rc, const char *msg)
{
	if (rc == 1 && p->exec_error == NULL)
		p->exec_error = strdup(msg);
}

static void
exec_cb(struct ev_loop *l, ev_io *w, int revents)
{
	struct proc *p = (struct proc *)((char *)w - offsetof(struct proc,
	    exec_io));
	char msg[256];
	int rc;

	/* exec_sweep() saw the exec and fed this event. */
	if (p->execfd == -1) {
		fsm_on_exec(p);
		return;
	}
	/* EOF (the exec happened) frees the fd early. */
	rc = spawn_read_failure(p->execfd, msg, sizeof(msg));
	if (rc == -1 && errno == EAGAIN)
		return;
	exec_keep_failure(p, rc, msg);
	exec_close(p);
	if (rc == 0)
		fsm_on_exec(p);
}

/* Close the exec pipes whose child has exec'd or reported a failure;
 * the state machine hears of an exec from the loop (exec_cb), not
 * inside the spawn that swept, and of a failure with the exit. */
static void
exec_sweep(void)
{
	char msg[256];
	size_t i;
	int rc;

	for (i = 0; i < tab.nprocs && exec_open > 0; i++) {
		struct proc *p = tab.procs[i];

		if (p->execfd == -1)
			continue;
		rc = spawn_read_failure(p->execfd, msg, sizeof(msg));
		if (rc == -1)
			continue;
		exec_keep_failure(p, rc, msg);
		exec_close(p);
		if (rc == 0)
			ev_feed_event(loop, &p->exec_io, EV_CUSTOM);
	}
}

/* Watch P's exec-failure pipe (a spawn, or one a reexec carried). */
static void
exec_watch(struct proc *p)
{
	/* A reexec carried an exec exec_sweep() saw but had not told. */
	if (p->execfd == -1) {
		ev_init(&p->exec_io, exec_cb);
		ev_feed_event(loop, &p->exec_io, EV_CUSTOM);
		return;
	}
	exec_open++;
	ev_io_init(&p->exec_io, exec_cb, p->execfd, EV_READ);
	ev_io_start(loop, &p->exec_io);
}

static int
op_spawn(struct proc *p, char *err, size_t errlen)
{
	struct spawn_child child;
	int cgfd, rc;

	if (exec_open >= exec_sweep_at) {
		exec_sweep();
		exec_sweep_at = exec_open + FDBUDGET_EXEC_PIPES;
	} else if (exec_open < FDBUDGET_EXEC_PIPES) {
		exec_sweep_at = FDBUDGET_EXEC_PIPES;
	}
	cgfd = cgroup_prepare(p);
	spawn_opts.use_cgroup = cgfd >= 0;
	spawn_opts.cgroup_fd = cgfd;
	spawn_opts.cgroup_join = !cgroup_clone_into_ok(p);
	spawn_opts.stdin_fd = -1;
	if (p->conf->fcgi != NULL &&
	    (spawn_opts.stdin_fd = fcgisock_fd(p->conf->fcgi, err, errlen)) < 0) {
		if (cgfd >= 0)
			(void)close(cgfd);
		log_warnx("%s: spawn failed: %s", p->fullname, err);
		return -1;
	}
	rc = spawn_start(p->conf, &spawn_opts, &child, err, errlen);
	spawn_opts.stdin_fd = -1;
	/* The cgroup's directory is held only around the clone. */
	if (cgfd >= 0)
		(void)close(cgfd);
	if (rc == -1) {
		log_warnx("%s: spawn failed: %s", p->fullname, err);
		return -1;
	}
	p->pid = child.pid;
	cgroup_spawned(p);
	p->pidfd = child.pidfd;
	p->execfd = child.execfd;
	exec_watch(p);
	reap_watch(p);
	if (logcap_attach(p, child.outfd, child.errfd, err, errlen) == -1)
		log_warnx("%s: output not captured: %s", p->fullname, err);
	if (feed_attach(p, child.infd) == -1)
		log_warn("%s: stdin pipe dropped", p->fullname);
	listener_spawned(p);
	log_info("spawned: '%s' with pid %d", p->fullname, (int)p->pid);
	health_spawned(p);
	return 0;
}

static int
op_kill(struct proc *p, int sig, bool group)
{
	int rc = reap_kill(p, sig, group);

	if (rc == -1 && errno != ESRCH)
		log_warn("%s: kill(%s)", p->fullname, util_signal_name(sig));
	return rc;
}

static void
timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	struct proc *p = (struct proc *)((char *)w - offsetof(struct proc,
	    timer));

	/* The timer of a stop (SIGKILL after stopwaitsecs, "unkillable"
	 * after the grace) first collects an exit the reaper has not got
	 * to: with thousands exiting at once an exit waits some loop turns
	 * (reap.c, REAP_TURN_NS), and a process that did exit is neither
	 * to be killed nor called unkillable.  Its exit moved it on. */
	if (p->state == PROC_STOPPING && reap_now(p) == 1)
		return;
	fsm_on_timer(p);
}

static void
op_timer_set(struct proc *p, double seconds)
{
	/* struct proc is zeroed at creation, so stopping a timer that was
	 * never started is a no-op in libev. */
	ev_timer_stop(loop, &p->timer);
	ev_timer_init(&p->timer, timer_cb, seconds, 0.);
	ev_timer_start(loop, &p->timer);
}

static void
op_timer_cancel(struct proc *p)
{
	ev_timer_stop(loop, &p->timer);
}

static double
op_now(void)
{
	/* CLOCK_MONOTONIC, not ev_now(): libev's loop time is the realtime
	 * clock (ev_rt_now), which an NTP step or `date -s` moves (a box
	 * without an RTC steps decades forward at boot), and startsecs,
	 * uptimes and restart delays are durations. */
	return util_monotonic();
}

static void
log_transition(struct proc *p, enum proc_state from)
{
	const struct conf_proc *c = p->conf;
	const struct proc_exit *ex = &p->lastexit;

	switch (p->state) {
	case PROC_RUNNING:
		if (c->readiness == CONF_READINESS_NOTIFY)
			log_info("success: %s entered RUNNING state, process "
				 "reported READY=1", p->fullname);
		else if (c->readiness == CONF_READINESS_HEALTH)
			log_info("success: %s entered RUNNING state, a health "
				 "probe passed", p->fullname);
		else
			log_info("success: %s entered RUNNING state, process "
				 "has stayed up for > than %g seconds "
				 "(startsecs)", p->fullname, c->startsecs);
		break;
	case PROC_FATAL:
		log_info("gave up: %s entered FATAL state, too many start "
			 "retries too quickly", p->fullname);
		break;
	case PROC_BACKOFF:
		log_info("%s entered BACKOFF state: %s", p->fullname,
		    svctab_note(p->spawnerr));
		break;
	case PROC_EXITED:
		if (ex->signal != 0)
			log_info("exited: %s (terminated by SIG%s%s; not "
				 "expected)", p->fullname,
			    util_signal_name(ex->signal),
			    ex->core ? ", core dumped" : "");
		else
			log_info("exited: %s (exit status %d; %s)",
			    p->fullname, ex->code,
			    conf_exitcode_expected(&c->exitcodes, ex->code)
				? "expected"
				: "not expected");
		break;
	case PROC_STOPPED:
		if (from != PROC_STOPPING)
			break;
		if (ex->signal != 0)
			log_info("stopped: %s (terminated by SIG%s)", p->fullname,
			    util_signal_name(ex->signal));
		else
			log_info("stopped: %s (exit status %d)", p->fullname,
			    ex->code);
		break;
	case PROC_STOPPING:
		log_info("waiting for %s to stop", p->fullname);
		break;
	default:
		log_debug("%s: %s -> %s", p->fullname, fsm_state_name(from),
		    fsm_state_name(p->state));
		break;
	}
}

static void
op_changed(struct proc *p, enum proc_state from)
{
	log_transition(p, from);
	evbus_proc_changed(p, (int)from);
	listener_proc_changed(p);
#ifdef HAVE_NOTIFY
	ready_proc_changed(p, from);
#endif
	health_proc_changed(p, from);
	ctl_proc_changed(p, from);
	reload_proc_changed(p);
	sdnotify_status_changed();
	if (!req_env.shutting_down) {
		critical_check(p);
		ready_check();
	}
}

/* Something of P outlived SIGKILL (D state): say so, and let the stop
 * requests and the shutdown waiting for it move on. */
static void
op_stuck(struct proc *p)
{
	cgroup_find_stuck(p);
	log_warnx("%s: pid %ld survives SIGKILL (state %c); reported as "
	          "unkillable, not waited for",
	    p->fullname, (long)p->stuck_pid, p->stuck_state);
	ctl_proc_changed(p, p->state);
}

static const struct fsm_ops tendd_fsm_ops = {
	.spawn = op_spawn,
	.kill = op_kill,
	.timer_set = op_timer_set,
	.timer_cancel = op_timer_cancel,
	.now = op_now,
	.wallclock = util_realtime,
	.changed = op_changed,
	.leftovers = cgroup_leftovers,
	.kill_leftovers = cgroup_kill_leftovers,
	.stuck = op_stuck,
};

/* P's cgroup emptied, or its session drained (cgroup.c). */
static void
empty_cb(struct proc *p)
{
	enum proc_state before = p->state;

	fsm_on_empty(p);
	/* A state change has told everyone already (op_changed). */
	if (p->state != before)
		return;
	ctl_proc_changed(p, p->state);
}

static void
cgroup_warn_cb(const char *msg)
{
	log_warnx("warning: %s", msg);
}

/* Limit keys that cannot apply here are warned about, never dropped
 * silently. */
static void
cgroup_check_all(void)
{
	size_t i;

	for (i = 0; i < tab.nprocs; i++)
		(void)cgroup_check_conf(tab.procs[i]->next_conf != NULL
		                            ? tab.procs[i]->next_conf
		                            : tab.procs[i]->conf,
		    tab.procs[i]->fullname, cgroup_warn_cb);
}

/* reap.c found P's process gone. */
static void
exit_cb(struct proc *p, const struct proc_exit *ex)
{
	char msg[256];
	const char *exec_error = NULL;
	int rc;

	/* exec_sweep() saw the exec; its event has not run yet. */
	if (p->execfd == -1 && ev_clear_pending(loop, &p->exec_io) != 0)
		fsm_on_exec(p);
	if (p->execfd != -1) {
		/* The child wrote its failure before _exit(), so if there is
		 * one it is in the pipe by now; EOF means the exec happened
		 * and exec_cb has not run yet: say so first, so that the
		 * state machine sees the run before its end. */
		rc = spawn_read_failure(p->execfd, msg, sizeof(msg));
		exec_close(p);
		if (rc == 1)
			exec_error = msg;
		else if (rc == 0)
			fsm_on_exec(p);
	}
	if (exec_error == NULL && p->exec_error != NULL) {
		(void)snprintf(msg, sizeof(msg), "%s", p->exec_error);
		exec_error = msg;
	}
	free(p->exec_error);
	p->exec_error = NULL;
	logcap_detach(p);
	feed_detach(p);
	/* After its last output was read: a RESULT it wrote before it
	 * ended counts. */
	listener_exited(p);
	if (cgroup_oom_killed(p)) {
		struct proc_exit oom = *ex;

		oom.oom = true;
		log_warnx("%s: killed by the OOM killer (memory.events "
		          "oom_kill)", p->fullname);
		fsm_on_exit(p, &oom, exec_error);
		return;
	}
	fsm_on_exit(p, ex, exec_error);
}

/* --- start-up and shutdown --------------------------------------------- */

static void
start_autostart(void)
{
	char err[256];
	size_t i;

	/* conf->procs is sorted by ascending priority. */
	for (i = 0; i < tab.nprocs; i++) {
		struct proc *p = tab.procs[i];

		if (p->conf->autostart)
			(void)fsm_start(p, err, sizeof(err));
	}
}

/* A process the config has and a reexec's state had not: as a reload
 * would add it. */
static void
handover_fresh(struct proc *p)
{
	char err[256];

	if (p->conf->autostart)
		(void)fsm_start(p, err, sizeof(err));
}

/* Why tendd cannot re-execute now, or NULL. */
static const char *
handover_busy(void)
{
	size_t i;

	if (req_env.shutting_down)
		return "tendd is shutting down";
	for (i = 0; i < tab.nprocs; i++)
		if (tab.procs[i]->next_conf != NULL || tab.procs[i]->removed)
			return "a reload is still being applied";
	return NULL;
}

static const struct handover_ops tendd_handover_ops = {
	.timer_set = op_timer_set,
	.exec_watch = exec_watch,
	.busy = handover_busy,
	.fresh = handover_fresh,
};

/*
 * shutdown_timeout passed.  First: SIGKILL the process group of every
 * process still there (including those holding for their dependents).
 * Then, if even that is not reaped within TENDD_KILL_GRACE seconds (a
 * process stuck in D state), give up waiting and exit.
 */
#define TENDD_KILL_GRACE 2.0
static void
shutdown_deadline_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	static bool killed;
	size_t i, n = 0;

	exit_status = exit_status != 0 ? exit_status : TENDD_EXIT_DEADLINE;
	if (killed) {
		log_warnx("processes survive SIGKILL; exiting anyway");
		ev_break(l, EVBREAK_ALL);
		return;
	}
	killed = true;
	for (i = 0; i < tab.nprocs; i++) {
		struct proc *p = tab.procs[i];

		if (p->pid == 0)
			continue;
		n++;
		if (reap_kill(p, SIGKILL, true) == -1 && errno != ESRCH)
			log_warn("%s: kill(KILL)", p->fullname);
	}
	log_warnx("shutdown_timeout passed: sent SIGKILL to %zu process%s", n,
	    n == 1 ? "" : "es");
	ev_timer_set(w, TENDD_KILL_GRACE, 0.);
	ev_timer_start(l, w);
}

/* shutdown_timeout, or 0 for none; as PID 1 the default fits docker's
 * `docker stop` (SIGKILL 10 s after SIGTERM). */
static double
shutdown_timeout(void)
{
	if (conf->global.shutdown_timeout > 0)
		return conf->global.shutdown_timeout;
	return is_pid1 ? 9.0 : 0;
}

/* The shutdown job is over (job.c): nothing runs any more. */
static void
shutdown_done(void)
{
	log_info("all processes stopped; exiting");
	ev_break(loop, EVBREAK_ALL);
}

/* Shutdown: job.c stops one priority level at a time, highest first, and
 * moves on once none of that level is active (supervisord's order). */
static void
shutdown_begin(void)
{
	double t = shutdown_timeout();

	if (req_env.shutting_down)
		return;
	log_info("shutting down");
	evbus_supervisor_state(EVT_SUPERVISOR_STATE_CHANGE_STOPPING);
	sdnotify_stopping();
	if (t > 0) {
		ev_timer_init(&shutdown_deadline, shutdown_deadline_cb, t, 0.);
		ev_timer_start(loop, &shutdown_deadline);
	}
	job_shutdown(shutdown_done);
}

/* A critical= program ended: shut down from the loop, not from inside
 * the state change that told us (the fsm must not be re-entered on P). */
static void
critical_later_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	shutdown_begin();
}

static void
critical_check(struct proc *p)
{
	enum conf_critical c = p->conf->critical;
	bool ended;

	if (c == CONF_CRITICAL_FALSE || ev_is_active(&critical_later))
		return;
	if (c == CONF_CRITICAL_FATAL)
		ended = p->state == PROC_FATAL;
	else
		ended = p->state == PROC_FATAL || p->state == PROC_EXITED ||
			p->state == PROC_BACKOFF;
	if (!ended)
		return;
	log_warnx("%s is critical and entered %s: shutting down", p->fullname,
	    fsm_state_name(p->state));
	exit_status = TENDD_EXIT_CRITICAL;
	ev_timer_init(&critical_later, critical_later_cb, 0., 0.);
	ev_timer_start(loop, &critical_later);
}

/* STATUS= for systemd: "3 running, 1 starting, 1 fatal of 5". */
static void
status_counts(char *buf, size_t len)
{
	size_t i, run = 0, starting = 0, backoff = 0, fatal = 0;

	for (i = 0; i < tab.nprocs; i++)
		switch (tab.procs[i]->state) {
		case PROC_RUNNING:
			run++;
			break;
		case PROC_STARTING:
			starting++;
			break;
		case PROC_BACKOFF:
			backoff++;
			break;
		case PROC_FATAL:
			fatal++;
			break;
		default:
			break;
		}
	(void)snprintf(buf, len, "%s%zu running, %zu starting, %zu backoff, "
				 "%zu fatal of %zu",
	    req_env.shutting_down ? "stopping: " : "", run, starting, backoff, fatal,
	    tab.nprocs);
}

/* systemd's READY=1 once the autostart processes have settled: none is
 * STARTING (each is RUNNING, or its start failed). */
static void
ready_check(void)
{
	static bool sent;
	size_t i;

	if (sent || !started || req_env.shutting_down || !sdnotify_enabled())
		return;
	for (i = 0; i < tab.nprocs; i++)
		if (tab.procs[i]->state == PROC_STARTING)
			return;
	sent = true;
	sdnotify_ready();
}

/* --- what a reload asks of the runtime (reload.h) ----------------------- */

/* A removed process has stopped: let go of it everywhere. */
static void
reload_op_forget(struct proc *p)
{
	ctl_proc_gone(p);
	logcap_forget(p);
	feed_detach(p);
	listener_forget(p);
	cgroup_forget(p);
	health_forget(p);
	ev_timer_stop(loop, &p->timer);
	ev_io_stop(loop, &p->exec_io);
}

static void
reload_op_settled(struct proc *p)
{
	ctl_proc_changed(p, p->state);
}

/* Added processes: grow the descriptor table now, not under the
 * children that share it (see spawn_reserve). */
static void
reload_op_resized(void)
{
	/* Event listener pools added, changed or gone with the table
	 * (before the new groups are announced: a new pool hears of its
	 * own, as with supervisord). */
	listener_sync();
	spawn_reserve(tab.nprocs);
	cgroup_check_all();
}

/* Kept processes may have new rotation sizes or log paths: their
 * capture follows without a restart. */
static void
reload_op_reconfigure(struct proc *p)
{
	if (p->logcap != NULL)
		logcap_reconfigure(p);
}

static void
reload_op_globals(const struct tend_conf *c)
{
	char err[512];

	/* A socket that cannot be bound now fails its workers' spawns
	 * (each one tries again): the reload itself goes on. */
	if (fcgisock_sync(c, err, sizeof(err)) == -1)
		log_warnx("%s", err);
	logcap_init(loop, &c->global);
	log_set_level((enum log_level)c->global.loglevel);
	ctl_config_sync();
#ifdef HAVE_HTTP
	switch (http_configure(&c->global)) {
	case 1:
		log_info("HTTP credentials changed");
		break;
	case -1:
		log_errorx("HTTP credentials: out of memory; every HTTP "
		          "request that needs them is refused until a "
		          "reload succeeds");
		break;
	}
#endif
}

static const struct reload_ops reload_ops = {
    .pending = job_proc_active,
    .forget = reload_op_forget,
    .settled = reload_op_settled,
    .resized = reload_op_resized,
    .reconfigure = reload_op_reconfigure,
    .globals = reload_op_globals,
};

/*
 * Orphans were reaped: in session mode that is how a daemonised child of
 * an exited service is seen to end (it was re-parented to us), so count
 * again what each exited service left behind.  (cgroup mode learns it
 * from cgroup.events.)
 */
static void
leftovers_recount(void)
{
	size_t i;

	cgroup_orphans_reaped();
	for (i = 0; i < tab.nprocs; i++) {
		struct proc *p = tab.procs[i];

		if (p->leftovers > 0 && p->pid == 0 && !p->draining &&
		    cgroup_leftovers(p) == 0) {
			p->stuck = false;
			ctl_proc_changed(p, p->state);
		}
	}
}

static void
signal_cb(struct ev_loop *l, ev_signal *w, int revents)
{
	switch (w->signum) {
	case SIGTERM:
	case SIGINT:
		log_info("received SIG%s indicating exit request",
		    util_signal_name(w->signum));
		shutdown_begin();
		break;
	case SIGHUP:
		reload_signal();
		break;
	case SIGCHLD:
		reap_on_sigchld(); /* then leftovers_recount() for orphans */
		break;
	case SIGUSR1:
		log_info("received SIGUSR1: re-executing %s", "tendd");
		handover_reexec();
		break;
	case SIGUSR2:
		log_info("received SIGUSR2: reopening log files");
		if (log_reopen() == -1)
			log_warn("reopen tendd log");
		logcap_reopen_all(&tab);
		break;
	}
}

static void
signals_init(void)
{
	struct sigaction sa;

	/* A client that hangs up must not kill tendd. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		fatal("sigaction(SIGPIPE)");
	ev_signal_init(&sig_term, signal_cb, SIGTERM);
	ev_signal_init(&sig_int, signal_cb, SIGINT);
	ev_signal_init(&sig_hup, signal_cb, SIGHUP);
	ev_signal_init(&sig_chld, signal_cb, SIGCHLD);
	/* After the pidfd watchers of the same loop turn: they collect the
	 * exits of tendd's own children, so that the walk for orphans
	 * (reap_on_sigchld) does not find and collect them first and then
	 * walk every child once more. */
	ev_set_priority(&sig_chld, EV_MINPRI);
	ev_signal_init(&sig_usr1, signal_cb, SIGUSR1);
	ev_signal_init(&sig_usr2, signal_cb, SIGUSR2);
	ev_signal_start(loop, &sig_term);
	ev_signal_start(loop, &sig_int);
	ev_signal_start(loop, &sig_hup);
	ev_signal_start(loop, &sig_chld);
	ev_signal_start(loop, &sig_usr1);
	ev_signal_start(loop, &sig_usr2);
}

static void
resolve_socket_path(const struct tend_conf *c)
{
	if (c->global.socket != NULL)
		(void)snprintf(socket_path, sizeof(socket_path), "%s",
		    c->global.socket);
	else if (proto_default_socket(socket_path, sizeof(socket_path)) == -1)
		fatal("default control socket path");
	(void)snprintf(server_url, sizeof(server_url), "unix://%s",
	    socket_path);
}

/* mkdir -p the socket's directory (e.g. /run/tend), mode 0755. */
static void
make_socket_dir(void)
{
	char dir[sizeof(socket_path)], *s;

	(void)snprintf(dir, sizeof(dir), "%s", socket_path);
	if ((s = strrchr(dir, '/')) == NULL || s == dir)
		return;
	*s = '\0';
	for (s = dir + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST)
			fatal("mkdir %s", dir);
		*s = '/';
	}
	if (mkdir(dir, socket_path[0] == '/' &&
		    strncmp(dir, "/tmp/tend-", 10) == 0 ? 0700 : 0755) == -1 &&
	    errno != EEXIST)
		fatal("mkdir %s", dir);
}

/* The pidfile written at start-up: a reload may name another one, but
 * this is the file to remove at exit. */
static char *pidfile_written;

static void
write_pidfile(const char *path)
{
	FILE *fp;

	if (path == NULL)
		return;
	if ((pidfile_written = strdup(path)) == NULL)
		fatal("pidfile %s", path);
	if ((fp = fopen(path, "we")) == NULL)
		fatal("pidfile %s", path);
	if (fprintf(fp, "%d\n", (int)getpid()) < 0 || fclose(fp) == EOF)
		fatal("pidfile %s: write", path);
}

static void
apply_globals(const struct tend_conf *c)
{
	const struct conf_global *g = &c->global;

	log_set_rotation(g->logfile_maxbytes, g->logfile_backups);
	log_set_ident(g->identifier);
	if (g->logfile != NULL && log_open(g->logfile) == -1)
		fatal("logfile %s", g->logfile);
	log_set_level((enum log_level)g->loglevel);
	(void)umask((mode_t)g->umask);
	if (g->directory != NULL && chdir(g->directory) == -1)
		fatal("directory %s: chdir", g->directory);
}

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: tendd [-nvV] [-c file]\n"
		    "  -c file  configuration (default %s)\n"
		    "  -n       check the configuration and exit\n"
		    "  --strict every warning about the configuration is an error\n"
		    "  -v       with -n, print the resolved process table\n"
		    "  -V       print the version and exit\n",
	    TEND_DEFAULT_CONF);
}

static struct tend_conf *
load_or_exit(const char *path, bool check_only, bool verbose, bool strict)
{
	struct conf_errors errs = {0};
	struct tend_conf *c;
	char msg[512];
	size_t i;

	c = config_load_flags(path, strict ? CONFIG_STRICT : 0, &errs);
	if (c == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		fprintf(stderr, "%s: configuration has %zu error%s\n", path,
		    errs.n, errs.n == 1 ? "" : "s");
		config_errors_free(&errs);
		exit(1);
	}
	for (i = 0; i < c->nwarnings; i++)
		fprintf(stderr, "%s: warning: %s\n", "tendd", c->warnings[i]);
	/* Before anything starts, and in -n: a config whose processes do
	 * not fit in the descriptor limit is refused whole. */
	if (fdbudget_check(c, msg, sizeof(msg)) == -1) {
		fprintf(stderr, "tendd: %s: %s\n", path, msg);
		config_free(c);
		exit(1);
	}
	if (msg[0] != '\0')
		fprintf(stderr, "tendd: warning: %s\n", msg);
	if (check_only) {
		if (verbose)
			config_dump(c, stdout);
		printf("%s: configuration OK\n", path);
		config_free(c);
		exit(0);
	}
	return c;
}

/* What the command line asks for. */
struct tendd_args {
	const char *path;
	bool check_only, verbose, strict;
	bool fallback;	      /* --handover-fallback */
	const char *handover; /* --handover=STATE,IMAGE */
};

/* Parse the command line into A; -1 to go on, else the exit status
 * (--version, --help, --handover-version, a usage error). */
static int
parse_args(int argc, char **argv, struct tendd_args *a)
{
	static const struct option longopts[] = {
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{"strict", no_argument, NULL, 'S'},
		{"handover", required_argument, NULL, 'H'},
		{"handover-fallback", no_argument, NULL, 'F'},
		{"handover-version", no_argument, NULL, 'R'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:nvVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			a->path = optarg;
			break;
		case 'n':
			a->check_only = true;
			break;
		case 'v':
			a->verbose = true;
			break;
		case 'S':
			a->strict = true;
			break;
		case 'V':
			printf("tendd %s\n", TEND_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case 'H':
			a->handover = optarg;
			break;
		case 'F':
			a->fallback = true;
			break;
		case 'R':
#ifdef HAVE_REEXEC
			printf("%d %d\n", HANDOVER_VERSION_MIN, HANDOVER_VERSION);
#else
			/* No format: a tendd re-executing into this binary
			 * refuses it before it stops anything. */
			printf("0 0\n");
#endif
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	return -1;
}

/* Orphans of our services (double forks) are re-parented to us, so we
 * can reap them and see every process a service leaves behind (prctl(2)
 * PR_SET_CHILD_SUBREAPER). */
static void
subreaper_init(void)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1) {
		/* Only an emulator says EINVAL (qemu-user; the kernel has
		 * it since 3.4): orphans go to init, and only cgroups still
		 * tie them to their service. */
		if (errno != EINVAL)
			fatal("prctl(PR_SET_CHILD_SUBREAPER)");
		log_warn("prctl(PR_SET_CHILD_SUBREAPER); orphans of services "
		         "are not adopted");
	}
}

/* The process table (fresh, or made again from a hand-over: then
 * *PREV_CONFS are the configs its processes run) and the rooms that
 * keep state per process, up to the services' sockets. */
static void
table_init(struct tend_conf ***prev_confs, size_t *nprev)
{
	char err[512], cgerr[256];

	if (handover_active())
		*prev_confs = handover_table(&tab, conf, nprev);
	else if (svctab_init(&tab, conf) == -1)
		fatal("service table");
	fsm_init(&tendd_fsm_ops);
	handover_init(loop, &tab, &tendd_handover_ops);
	reap_init(loop, &tab, exit_cb, leftovers_recount);
	if (cgroup_init(loop, &tab, conf->global.cgroup, empty_cb, err,
	        sizeof(err), cgerr, sizeof(cgerr)) == -1)
		fatalx("%s", cgerr);
	if (err[0] != '\0')
		log_warnx("warning: cgroup tracking unavailable (%s); "
		          "tracking processes by session",
		    err);
	cgroup_check_all();
	logcap_init(loop, &conf->global);
	/* Before any worker: supervisord refuses to start without them. */
	fcgisock_init();
	if (fcgisock_sync(conf, err, sizeof(err)) == -1)
		fatalx("%s", err);
	feed_init(loop);
}

/* The control socket, HTTP, the pidfile, the notify socket, systemd;
 * then [supervisord] user= drops privileges. */
static void
frontends_init(void)
{
	static const struct req_hooks hooks = {
	    .shutdown = shutdown_begin, .reload = reload_run};
	char err[512];

	resolve_socket_path(conf);
	make_socket_dir();
	if (ctl_init(loop, &tab, &conf->global, socket_path, &hooks, err,
		sizeof(err)) == -1)
		fatalx("%s", err);
#ifdef HAVE_HTTP
	if (http_init(loop, &conf->global, err, sizeof(err)) == -1)
		fatalx("%s", err);
#else
	if (conf->global.inet_http_port != NULL)
		log_warnx("[inet_http_server]: this tendd was built "
		          "--without-http; no HTTP listener");
#endif
	write_pidfile(conf->global.pidfile);

#ifdef HAVE_NOTIFY
	ready_default_path(socket_path, notify_path, sizeof(notify_path));
	if (!handover_ready(loop, &tab, notify_path) &&
	    ready_init(loop, &tab, notify_path, err, sizeof(err)) == -1)
		fatalx("%s", err);
#endif
	sdnotify_init(loop, status_counts);
	/* [supervisord] user=: every socket and cgroup exists, nothing has
	 * started.  The control socket is the user's unless chown= says. */
	{
		const char *mine[] = {
		    conf->global.socket_uid == (uid_t)-1 ? socket_path : NULL,
		    pidfile_written, log_file_path()};

		privdrop(&conf->global, mine, TEND_NELEM(mine));
	}
}

/* The loop is over: close everything, in the reverse order. */
static void
tendd_close(void)
{
	/* Orphans killed with their service may still be dying: reap them
	 * rather than leave zombies to init (issue 20). */
	(void)reap_at_exit(FSM_KILL_GRACE);
#ifdef HAVE_NOTIFY
	ready_close();
#endif
	sdnotify_close();
#ifdef HAVE_HTTP
	http_close();
#endif
	ctl_close();
	if (pidfile_written != NULL) {
		(void)unlink(pidfile_written);
		free(pidfile_written);
	}
	for (size_t i = 0; i < tab.nprocs; i++) {
		logcap_forget(tab.procs[i]);
		health_forget(tab.procs[i]);
	}
	logcap_close();
	fcgisock_close();
	cgroup_close(&tab);
	listener_close();
	svctab_free(&tab);
	reload_close();
	config_free(conf);
	evbus_close();
	ev_loop_destroy(loop);
	if (exit_status != 0)
		log_info("exit status %d (%s)", exit_status,
		    exit_status == TENDD_EXIT_CRITICAL
			? "a critical program ended"
			: "shutdown_timeout passed");
	log_close();
}

int
main(int argc, char **argv)
{
	struct tendd_args a = {.path = TEND_DEFAULT_CONF};
	struct tend_conf **prev_confs = NULL;
	size_t nprev = 0;
	int rc;

	if ((rc = parse_args(argc, argv, &a)) != -1)
		return rc;
	if (!a.check_only)
		handover_start(a.path, a.handover, a.fallback);
	conf = load_or_exit(a.path, a.check_only, a.verbose, a.strict);
	privdrop_check(&conf->global);
	apply_globals(conf);
	/* A container's init: orphans of the whole PID namespace land on
	 * us (pid_namespaces(7)); reap.c's SIGCHLD path reaps them as it
	 * does our subreaper orphans, and shutdown gets a deadline. */
	is_pid1 = getpid() == 1;
	subreaper_init();

	if ((loop = ev_loop_new(EVFLAG_AUTO)) == NULL)
		fatalx("cannot create the event loop (ev_loop_new)");
	evbus_init(loop);
	signals_init();
	reload_init(loop, &tab, &conf, a.path, &reload_ops);
	table_init(&prev_confs, &nprev);
	frontends_init();

	spawn_opts.tendd_pid = getpid();
	spawn_opts.server_url = server_url;
#ifdef HAVE_NOTIFY
	spawn_opts.notify_socket = ready_socket_path();
#endif
	health_init(loop, &spawn_opts);

	log_info("tendd %s started with pid %d%s, control socket %s",
	    TEND_VERSION, (int)getpid(), is_pid1 ? " (init of a PID namespace)" : "",
	    socket_path);
	spawn_reserve(tab.nprocs);
	listener_init(&tab);
	/* The pools subscribe before anything is published. */
	listener_sync();
	if (handover_active()) {
		(void)handover_restore();
		handover_finish();
		/* The config on disk, as a reload applies it. */
		if (prev_confs != NULL &&
		    reload_handover(prev_confs, nprev) == -1)
			fatal("reexec: applying %s", a.path);
		free(prev_confs);
	} else {
		/* supervisord: GROUP_ADDED per group, RUNNING, then the
		 * processes start (a reexec is no start-up: no events). */
		evbus_startup(conf, tab.procs, tab.nprocs);
		start_autostart();
	}
	started = true;
	ready_check();

	ev_run(loop, 0);
	tendd_close();
	return exit_status;
}

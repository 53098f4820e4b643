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
#include "config.h"
#include "ctl.h"
#include "fsm.h"
#include "log.h"
#include "logcap.h"
#include "proto.h"
#include "reap.h"
#include "spawn.h"
#include "svctab.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
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

/* Shutdown: stop one priority level at a time, highest first, and move on
 * once none of that level is active (supervisord's order). */
static bool shutting_down;

static ev_signal sig_term, sig_int, sig_hup, sig_chld, sig_usr2;

static void shutdown_step(void);

/* --- fsm operations ---------------------------------------------------- */

static void
exec_cb(struct ev_loop *l, ev_io *w, int revents)
{
	struct proc *p = (struct proc *)((char *)w - offsetof(struct proc,
	    exec_io));
	char msg[256];
	int rc;

	/* EOF (the exec happened) frees the fd early; a failure report is
	 * left in the pipe for exit_cb, which needs it with the status. */
	rc = spawn_read_failure(p->execfd, msg, sizeof(msg));
	if (rc == -1 && errno == EAGAIN)
		return;
	ev_io_stop(l, w);
	if (rc == 1 && p->exec_error == NULL) {
		/* Keep the report until the exit arrives (exit_cb). */
		p->exec_error = strdup(msg);
	}
	(void)close(p->execfd);
	p->execfd = -1;
	if (rc == 0)
		fsm_on_exec(p);
}

static int
op_spawn(struct proc *p, char *err, size_t errlen)
{
	struct spawn_child child;

	if (spawn_start(p->conf, &spawn_opts, &child, err, errlen) == -1) {
		log_warnx("%s: spawn failed: %s", p->fullname, err);
		return -1;
	}
	p->pid = child.pid;
	p->pidfd = child.pidfd;
	p->execfd = child.execfd;
	ev_io_init(&p->exec_io, exec_cb, p->execfd, EV_READ);
	ev_io_start(loop, &p->exec_io);
	reap_watch(p);
	if (logcap_attach(p, child.outfd, child.errfd, err, errlen) == -1)
		log_warnx("%s: output not captured: %s", p->fullname, err);
	log_info("spawned: '%s' with pid %d", p->fullname, (int)p->pid);
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
	/* ev_now() is the loop's cached monotonic time; refresh it so that
	 * startsecs is measured from the real spawn moment. */
	ev_now_update(loop);
	return ev_now(loop);
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
		    p->spawnerr);
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
	ctl_proc_changed(p, from);
	if (shutting_down)
		shutdown_step();
}

static const struct fsm_ops tendd_fsm_ops = {
	.spawn = op_spawn,
	.kill = op_kill,
	.timer_set = op_timer_set,
	.timer_cancel = op_timer_cancel,
	.now = op_now,
	.wallclock = util_realtime,
	.changed = op_changed,
};

/* reap.c found P's process gone. */
static void
exit_cb(struct proc *p, const struct proc_exit *ex)
{
	char msg[256];
	const char *exec_error = NULL;
	int rc;

	if (p->execfd != -1) {
		/* The child wrote its failure before _exit(), so if there is
		 * one it is in the pipe by now; EOF means the exec happened
		 * and exec_cb has not run yet: say so first, so that the
		 * state machine sees the run before its end. */
		rc = spawn_read_failure(p->execfd, msg, sizeof(msg));
		ev_io_stop(loop, &p->exec_io);
		(void)close(p->execfd);
		p->execfd = -1;
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

/* Active for shutdown: a process exists, or a start is pending. */
static bool
shutdown_pending(const struct proc *p)
{
	return fsm_is_active(p->state) ||
	    (p->state == PROC_EXITED && p->restart_wall != 0);
}

/*
 * One step of the ordered shutdown: stop every pending proc of the highest
 * priority that still has one, and wait (op_changed calls back here).  A
 * proc that restarts meanwhile is simply found again.  Stops can complete
 * synchronously (BACKOFF -> STOPPED) and re-enter through op_changed, so
 * re-entry only asks the running step to look again.
 */
static void
shutdown_step(void)
{
	static bool in_step, again;
	size_t i;
	int top;
	bool found;

	if (in_step) {
		again = true;
		return;
	}
	in_step = true;
	do {
		again = false;
		found = false;
		top = 0;
		for (i = 0; i < tab.nprocs; i++) {
			const struct proc *p = tab.procs[i];

			if (shutdown_pending(p) &&
			    (!found || p->conf->priority > top)) {
				top = p->conf->priority;
				found = true;
			}
		}
		if (!found) {
			log_info("all processes stopped; exiting");
			ev_break(loop, EVBREAK_ALL);
			break;
		}
		for (i = tab.nprocs; i-- > 0;) {
			struct proc *p = tab.procs[i];

			if (p->conf->priority == top && shutdown_pending(p) &&
			    p->state != PROC_STOPPING)
				(void)fsm_stop(p);
		}
	} while (again);
	in_step = false;
}

static void
shutdown_begin(void)
{
	if (shutting_down)
		return;
	shutting_down = true;
	log_info("shutting down");
	ctl_shutdown_begun();
	shutdown_step();
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
		log_warnx("received SIGHUP: reload is not implemented yet; "
			  "nothing changed");
		break;
	case SIGCHLD:
		(void)reap_sigchld();
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
	ev_signal_init(&sig_usr2, signal_cb, SIGUSR2);
	ev_signal_start(loop, &sig_term);
	ev_signal_start(loop, &sig_int);
	ev_signal_start(loop, &sig_hup);
	ev_signal_start(loop, &sig_chld);
	ev_signal_start(loop, &sig_usr2);
}

/* Each process needs a pidfd, up to two pipes and a short-lived exec pipe:
 * make sure that fits, whatever minfds says (supervisord's minfds). */
static void
raise_fd_limit(const struct tend_conf *c)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)c->global.minfds;
	rlim_t need = (rlim_t)c->nprocs * 5 + 64;

	if (need > want)
		want = need;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit(RLIMIT_NOFILE)");
		return;
	}
	if (rl.rlim_cur >= want)
		return;
	if (rl.rlim_max < want) {
		rl.rlim_max = want; /* only root may; say so if refused */
	}
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
		log_warn("setrlimit(RLIMIT_NOFILE, %llu); the limit is %llu",
		    (unsigned long long)want, (unsigned long long)rl.rlim_cur);
	}
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

static void
write_pidfile(const char *path)
{
	FILE *fp;

	if (path == NULL)
		return;
	if ((fp = fopen(path, "we")) == NULL)
		fatal("pidfile %s", path);
	if (fprintf(fp, "%d\n", (int)getpid()) < 0 || fclose(fp) == EOF)
		fatal("pidfile %s: write", path);
}

static void
apply_globals(const struct tend_conf *c)
{
	const struct conf_global *g = &c->global;

	if (g->logfile != NULL && log_open(g->logfile) == -1)
		fatal("logfile %s", g->logfile);
	log_set_level((enum log_level)g->loglevel);
	(void)umask((mode_t)g->umask);
	if (g->directory != NULL && chdir(g->directory) == -1)
		fatal("directory %s: chdir", g->directory);
	raise_fd_limit(c);
}

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: tendd [-nvV] [-c file]\n"
		    "  -c file  configuration (default %s)\n"
		    "  -n       check the configuration and exit\n"
		    "  -v       with -n, print the resolved process table\n"
		    "  -V       print the version and exit\n",
	    TEND_DEFAULT_CONF);
}

static struct tend_conf *
load_or_exit(const char *path, bool check_only, bool verbose)
{
	struct conf_errors errs = {0};
	struct tend_conf *c;
	size_t i;

	c = config_load(path, &errs);
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
	if (check_only) {
		if (verbose)
			config_dump(c, stdout);
		printf("%s: configuration OK\n", path);
		config_free(c);
		exit(0);
	}
	return c;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = TEND_DEFAULT_CONF;
	bool check_only = false, verbose = false;
	struct ctl_hooks hooks = {.shutdown = shutdown_begin};
	char err[512];
	int ch;

	while ((ch = getopt_long(argc, argv, "c:nvVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check_only = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'V':
			printf("tendd %s\n", TEND_VERSION);
			return 0;
		case 'h':
			usage(stdout);
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

	conf = load_or_exit(path, check_only, verbose);
	apply_globals(conf);

	/* Orphans of our services (double forks) are re-parented to us, so
	 * we can reap them and see every process a service leaves behind
	 * (prctl(2) PR_SET_CHILD_SUBREAPER). */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_CHILD_SUBREAPER)");

	if ((loop = ev_loop_new(EVFLAG_AUTO)) == NULL)
		fatalx("cannot create the event loop (ev_loop_new)");
	signals_init();

	if (svctab_init(&tab, conf) == -1)
		fatal("service table");
	fsm_init(&tendd_fsm_ops);
	reap_init(loop, &tab, exit_cb);
	logcap_init(loop, &conf->global);

	resolve_socket_path(conf);
	make_socket_dir();
	if (ctl_init(loop, &tab, &conf->global, socket_path, &hooks, err,
		sizeof(err)) == -1)
		fatalx("%s", err);
	write_pidfile(conf->global.pidfile);

	spawn_opts.tendd_pid = getpid();
	spawn_opts.server_url = server_url;
	spawn_opts.notify_socket = NULL;

	log_info("tendd %s started with pid %d, control socket %s",
	    TEND_VERSION, (int)getpid(), socket_path);
	start_autostart();

	ev_run(loop, 0);

	ctl_close();
	if (conf->global.pidfile != NULL)
		(void)unlink(conf->global.pidfile);
	svctab_free(&tab);
	config_free(conf);
	ev_loop_destroy(loop);
	log_close();
	return 0;
}

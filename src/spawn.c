/*
 * spawn.c: starting one process.
 *
 * Owns: the exec-failure pipe, the output pipes, clone3(CLONE_PIDFD) (or
 * fork + pidfd_open on kernels without clone3), and the child-side order
 * that DESIGN.md pins: session, credentials, directory, umask,
 * PR_SET_PDEATHSIG, the getppid() check, signal reset, fds, exec.
 *
 * Leaves alone: waiting (reap.c is the only caller of wait*()), reading
 * output (logcap.c), deciding what a failure means (fsm.c).  It keeps no
 * state between calls.
 *
 * Everything that may allocate or consult NSS (the environment, the
 * passwd entry, the supplementary groups, the environment_file) is done in
 * the parent before the clone; the child only makes system calls on what
 * it was handed, and reports a failure as one line on the exec pipe.
 */
#include "spawn.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/sched.h> /* struct clone_args, CLONE_PIDFD */
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

/* PATH for a child whose environment has none (systemd's default). */
#define SPAWN_DEFAULT_PATH                                                     \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The child's environment, built in the parent.  Every string is owned. */
struct spawn_env {
	char **v; /* NULL-terminated once built */
	size_t n;
	size_t cap;
};

/* Everything the child needs, prepared by the parent before the clone. */
struct spawn_plan {
	const struct conf_proc *c;
	char **envp;
	const char *path; /* PATH value inside envp, or the default */

	bool setcred; /* change credentials (user= differs from ours) */
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int ngroups;

	pid_t tendd_pid;
	int cgroup_fd; /* join this cgroup in the child, -1: done or none */
	int fd[3]; /* what becomes the child's 0, 1, 2 */
	int efd;   /* exec-failure pipe, write end (close-on-exec) */
};

/* Every fd spawn_start() may open, so one function can close them all. */
struct spawn_fds {
	int devnull;
	int exec[2];
	int out[2];
	int err[2];
};

/* ---------------------------------------------------------------------
 * The environment
 */

static size_t
spawn_env_keylen(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq ? (size_t)(eq - kv) : strlen(kv);
}

/* Add KV (taking ownership), replacing an entry with the same key: later
 * sources win.  -1 on ENOMEM (KV is freed). */
static int
spawn_env_put(struct spawn_env *e, char *kv)
{
	size_t klen = spawn_env_keylen(kv);
	char **nv;
	size_t i;

	for (i = 0; i < e->n; i++) {
		if (spawn_env_keylen(e->v[i]) == klen &&
		    strncmp(e->v[i], kv, klen) == 0) {
			free(e->v[i]);
			e->v[i] = kv;
			return 0;
		}
	}
	if (e->n + 1 >= e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 64;

		nv = realloc(e->v, ncap * sizeof(*nv));
		if (nv == NULL) {
			free(kv);
			return -1;
		}
		e->v = nv;
		e->cap = ncap;
	}
	e->v[e->n++] = kv;
	e->v[e->n] = NULL;
	return 0;
}

static int
spawn_env_copy(struct spawn_env *e, const char *kv)
{
	char *s = strdup(kv);

	if (s == NULL)
		return -1;
	return spawn_env_put(e, s);
}

static int
spawn_env_set(struct spawn_env *e, const char *key, const char *value)
{
	char *s;

	if (asprintf(&s, "%s=%s", key, value) < 0)
		return -1;
	return spawn_env_put(e, s);
}

static void
spawn_env_free(struct spawn_env *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	e->v = NULL;
	e->n = e->cap = 0;
}

static const char *
spawn_env_get(const struct spawn_env *e, const char *key)
{
	size_t klen = strlen(key);
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strncmp(e->v[i], key, klen) == 0 && e->v[i][klen] == '=')
			return e->v[i] + klen + 1;
	return NULL;
}

static char *
spawn_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	                      end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static bool
spawn_valid_key(const char *k)
{
	if (!(*k == '_' || (*k >= 'A' && *k <= 'Z') ||
	        (*k >= 'a' && *k <= 'z')))
		return false;
	for (k++; *k; k++)
		if (!(*k == '_' || (*k >= 'A' && *k <= 'Z') ||
		        (*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9')))
			return false;
	return true;
}

/*
 * One environment_file line: "KEY=VALUE", optionally "export KEY=VALUE",
 * the value optionally in matching single or double quotes (taken
 * literally, no escapes).  Blank lines and '#' comments are skipped.
 * 1: added, 0: nothing on the line, -1 with errno ENOMEM or EINVAL.
 */
static int
spawn_envfile_line(struct spawn_env *e, char *line)
{
	char *s = spawn_trim(line);
	char *eq, *key, *val;
	size_t vlen;

	if (*s == '\0' || *s == '#')
		return 0;
	if (strncmp(s, "export ", 7) == 0)
		s = spawn_trim(s + 7);
	eq = strchr(s, '=');
	if (eq == NULL) {
		errno = EINVAL;
		return -1;
	}
	*eq = '\0';
	key = spawn_trim(s);
	val = spawn_trim(eq + 1);
	if (!spawn_valid_key(key)) {
		errno = EINVAL;
		return -1;
	}
	vlen = strlen(val);
	if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') &&
	    val[vlen - 1] == val[0]) {
		val[vlen - 1] = '\0';
		val++;
	}
	if (spawn_env_set(e, key, val) < 0)
		return -1;
	return 1;
}

/*
 * Read environment_file in the parent, so a missing or malformed file is
 * an ordinary spawn error with the file named, before any process exists.
 */
static int
spawn_envfile_read(
    struct spawn_env *e, const char *path, char *err, size_t errlen)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0;
	int rc = 0;

	fp = fopen(path, "re");
	if (fp == NULL) {
		snprintf(err, errlen, "environment_file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	errno = 0;
	while (getline(&line, &cap, fp) >= 0) {
		lineno++;
		if (spawn_envfile_line(e, line) < 0) {
			if (errno == EINVAL)
				snprintf(err, errlen,
				    "environment_file %s:%d: expected KEY=VALUE",
				    path, lineno);
			else
				snprintf(err, errlen, "environment_file %s: %s",
				    path, strerror(errno));
			rc = -1;
			break;
		}
		errno = 0;
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(err, errlen, "environment_file %s: %s", path,
		    strerror(errno ? errno : EIO));
		rc = -1;
	}
	free(line);
	fclose(fp);
	return rc;
}

/*
 * Variables in tendd's environ that describe tendd itself, as systemd's
 * service manager hands them over (sd_notify(3), sd_listen_fds(3),
 * sd_watchdog_enabled(3)).  A service inheriting NOTIFY_SOCKET would
 * talk to systemd in tendd's name, so none of them are passed on; a
 * program's own environment= may still set them.
 */
static bool
spawn_env_private(const char *kv)
{
	static const char *const names[] = {"NOTIFY_SOCKET", "LISTEN_PID",
	    "LISTEN_FDS", "LISTEN_FDNAMES", "WATCHDOG_PID", "WATCHDOG_USEC"};
	size_t klen = spawn_env_keylen(kv);
	size_t i;

	for (i = 0; i < TEND_NELEM(names); i++)
		if (strlen(names[i]) == klen &&
		    strncmp(kv, names[i], klen) == 0)
			return true;
	return false;
}

/*
 * tendd's environ (less the variables above), then the user's
 * HOME/USER/LOGNAME/SHELL, then the SUPERVISOR_* variables (as supervisord sets
 * them), then the program's environment= entries, then environment_file, then
 * NOTIFY_SOCKET.  Later sources win, so a program may override anything but
 * NOTIFY_SOCKET.
 */
static int
spawn_env_build(struct spawn_env *e, const struct conf_proc *c,
    const struct spawn_opts *o, const struct passwd *pw, char *err,
    size_t errlen)
{
	char **ep;

	for (ep = environ; ep && *ep; ep++)
		if (strchr(*ep, '=') && !spawn_env_private(*ep) &&
		    spawn_env_copy(e, *ep) < 0)
			goto nomem;
	if (pw != NULL &&
	    (spawn_env_set(e, "HOME", pw->pw_dir) < 0 ||
	        spawn_env_set(e, "USER", pw->pw_name) < 0 ||
	        spawn_env_set(e, "LOGNAME", pw->pw_name) < 0 ||
	        spawn_env_set(e, "SHELL",
	            pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh") <
	            0))
		goto nomem;
	if (spawn_env_set(e, "SUPERVISOR_ENABLED", "1") < 0 ||
	    spawn_env_set(e, "SUPERVISOR_PROCESS_NAME", c->name) < 0 ||
	    spawn_env_set(
	        e, "SUPERVISOR_GROUP_NAME", c->group ? c->group : c->name) < 0)
		goto nomem;
	if (o->server_url != NULL &&
	    spawn_env_set(e, "SUPERVISOR_SERVER_URL", o->server_url) < 0)
		goto nomem;
	for (ep = c->environment; ep && *ep; ep++)
		if (spawn_env_copy(e, *ep) < 0)
			goto nomem;
	if (c->environment_file != NULL &&
	    spawn_envfile_read(e, c->environment_file, err, errlen) < 0)
		return -1;
	/* A watchdog_sec process needs the socket to send WATCHDOG=1 even
	 * without readiness=notify; WATCHDOG_USEC tells it the interval
	 * (sd_watchdog_enabled(3); no WATCHDOG_PID: we cannot know the pid
	 * here, and sd_watchdog_enabled() accepts its absence). */
	if ((c->readiness == CONF_READINESS_NOTIFY || c->watchdog_sec > 0) &&
	    o->notify_socket &&
	    spawn_env_set(e, "NOTIFY_SOCKET", o->notify_socket) < 0)
		goto nomem;
	if (c->watchdog_sec > 0 && o->notify_socket) {
		char usec[32];

		snprintf(usec, sizeof(usec), "%llu",
		    (unsigned long long)(c->watchdog_sec * 1e6));
		if (spawn_env_set(e, "WATCHDOG_USEC", usec) < 0)
			goto nomem;
	}
	return 0;
nomem:
	snprintf(err, errlen, "environment: %s", strerror(ENOMEM));
	return -1;
}

/* ---------------------------------------------------------------------
 * Credentials, looked up in the parent
 */

/*
 * Resolve user= to uid, gid, supplementary groups and the passwd entry.
 * NSS may open sockets, take locks or load modules, which a freshly
 * cloned child should not do, so all of it happens here.
 */
static int
spawn_cred_prepare(const struct conf_proc *c, struct spawn_plan *pl,
    struct passwd *pwbuf, char **pwstr, const struct passwd **pwout, char *err,
    size_t errlen)
{
	struct passwd *pw = NULL;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	int n;

	*pwout = NULL;
	if (c->user == NULL)
		return 0;
	pl->uid = c->uid;
	pl->gid = c->gid;
	if (sz < 1024)
		sz = 16384;
	*pwstr = malloc((size_t)sz);
	if (*pwstr == NULL)
		goto nomem;
	/* config.c resolved uid and gid; the passwd entry only adds the
	 * home, shell and group list, and must be the same user. */
	if (getpwnam_r(c->user, pwbuf, *pwstr, (size_t)sz, &pw) != 0 ||
	    pw == NULL || pw->pw_uid != c->uid) {
		pw = NULL;
		if (getpwuid_r(c->uid, pwbuf, *pwstr, (size_t)sz, &pw) != 0)
			pw = NULL;
	}
	*pwout = pw;
	/* Changing to ourselves needs no privilege (supervisord skips it
	 * too); anything else is attempted and fails in the child with
	 * EPERM if we are not root. */
	pl->setcred = geteuid() != pl->uid;
	if (!pl->setcred)
		return 0;

	n = 32;
	for (;;) {
		gid_t *g = realloc(pl->groups, (size_t)n * sizeof(*g));
		int got = n;

		if (g == NULL)
			goto nomem;
		pl->groups = g;
		if (pw == NULL) {
			g[0] = pl->gid;
			pl->ngroups = 1;
			break;
		}
		if (getgrouplist(pw->pw_name, pl->gid, g, &got) >= 0) {
			pl->ngroups = got;
			break;
		}
		if (got <= n || n > 65536) {
			snprintf(err, errlen, "getgrouplist(%s): failed",
			    pw->pw_name);
			return -1;
		}
		n = got;
	}
	return 0;
nomem:
	snprintf(err, errlen, "user %s: %s", c->user, strerror(ENOMEM));
	return -1;
}

/* ---------------------------------------------------------------------
 * The child.  Runs between clone and exec; never returns.
 */

/* Write "WHAT: strerror(ERR)" to the exec pipe and exit 127. */
static void TEND_NORETURN
spawn_child_fail(const struct spawn_plan *pl, int err, const char *what)
{
	char msg[512];
	int len;

	len = snprintf(msg, sizeof(msg), "%s: %s", what, strerror(err));
	if (len < 0)
		len = 0;
	if ((size_t)len >= sizeof(msg))
		len = sizeof(msg) - 1;
	/* One write below PIPE_BUF is atomic; the parent reads it whole. */
	while (write(pl->efd, msg, (size_t)len) < 0 && errno == EINTR)
		;
	_exit(127);
}

static void spawn_child_failf(const struct spawn_plan *pl, int err,
    const char *fmt, ...) TEND_PRINTF(3, 4) TEND_NORETURN;

static void
spawn_child_failf(const struct spawn_plan *pl, int err, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	spawn_child_fail(pl, err, what);
}

static void
spawn_child_creds(const struct spawn_plan *pl)
{
	if (!pl->setcred)
		return;
	/* Groups first, then gid, then uid: once the uid is dropped we no
	 * longer have the right to change the others (setresuid(2)). */
	if (setgroups((size_t)pl->ngroups, pl->groups) < 0)
		spawn_child_failf(
		    pl, errno, "setgroups(%d groups)", pl->ngroups);
	if (setresgid(pl->gid, pl->gid, pl->gid) < 0)
		spawn_child_failf(
		    pl, errno, "setresgid(%u)", (unsigned)pl->gid);
	if (setresuid(pl->uid, pl->uid, pl->uid) < 0)
		spawn_child_failf(
		    pl, errno, "setresuid(%u)", (unsigned)pl->uid);
}

static void
spawn_child_signals(void)
{
	struct sigaction sa;
	sigset_t none;
	int sig;

	/* tendd's handlers must not run in the child, and a service must
	 * start with default dispositions (an inherited SIG_IGN survives
	 * exec, signal(7)).  32 and 33 are glibc's own and refuse with
	 * EINVAL; that is fine. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		(void)sigaction(sig, &sa, NULL);
	}
	/* The parent blocked everything around the clone; the mask is
	 * inherited across exec, so clear it. */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

static int
spawn_close_range(unsigned first, unsigned last)
{
	struct rlimit rl;
	unsigned fd, max;

	if (first > last)
		return 0;
	if (syscall(SYS_close_range, first, last, 0) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
	/* close_range(2) arrived in 5.9; close one by one up to the
	 * descriptor limit. */
	max = 65536;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max = rl.rlim_cur < 1048576 ? (unsigned)rl.rlim_cur : 1048576;
	for (fd = first; fd <= last && fd < max; fd++)
		(void)close((int)fd);
	return 0;
}

static void
spawn_child_fds(struct spawn_plan *pl)
{
	int tmp[3];
	int i;

	/* If tendd was started with 0, 1 or 2 closed, our pipes may sit
	 * there.  Move the exec pipe and the three sources to >= 3 first,
	 * so no dup2() below can clobber one of them, and dup2() never
	 * sees oldfd == newfd (which would keep close-on-exec set). */
	if (pl->efd < 3) {
		int nfd = fcntl(pl->efd, F_DUPFD_CLOEXEC, 3);

		if (nfd < 0)
			_exit(127);
		pl->efd = nfd;
	}
	for (i = 0; i < 3; i++) {
		tmp[i] = fcntl(pl->fd[i], F_DUPFD_CLOEXEC, 3);
		if (tmp[i] < 0)
			spawn_child_failf(pl, errno, "dup fd %d", i);
	}
	for (i = 0; i < 3; i++)
		if (dup2(tmp[i], i) < 0)
			spawn_child_failf(pl, errno, "dup2 fd %d", i);
	/* Close everything else (our temporaries included) but the exec
	 * pipe, which close-on-exec will close on success. */
	if (spawn_close_range(3, (unsigned)pl->efd - 1) < 0 ||
	    spawn_close_range((unsigned)pl->efd + 1, ~0U) < 0)
		spawn_child_fail(pl, errno, "close_range");
}

/*
 * execvpe() with the child's own PATH: glibc's execvpe() searches the
 * caller's PATH, not the one in ENVP.  As execvp(3): ENOENT/ENOTDIR move
 * on, EACCES is remembered, anything else stops the search.
 */
static void TEND_NORETURN
spawn_child_exec(const struct spawn_plan *pl)
{
	char *const *argv = pl->c->argv;
	const char *file = argv[0];
	const char *p = pl->path;
	char buf[PATH_MAX];
	bool eacces = false;
	int err = ENOENT;

	if (strchr(file, '/') != NULL) {
		execve(file, argv, pl->envp);
		spawn_child_failf(pl, errno, "exec %s", file);
	}
	while (*p) {
		const char *colon = strchrnul(p, ':');
		size_t dlen = (size_t)(colon - p);
		size_t flen = strlen(file);

		if (dlen == 0) { /* empty element: the current directory */
			buf[0] = '.';
			dlen = 1;
		} else if (dlen < sizeof(buf)) {
			memcpy(buf, p, dlen);
		}
		if (dlen + 1 + flen < sizeof(buf)) {
			buf[dlen] = '/';
			memcpy(buf + dlen + 1, file, flen + 1);
			execve(buf, argv, pl->envp);
			err = errno;
			if (err == EACCES)
				eacces = true;
			else if (err != ENOENT && err != ENOTDIR)
				spawn_child_failf(pl, err, "exec %s", buf);
		}
		p = *colon ? colon + 1 : colon;
	}
	spawn_child_failf(pl, eacces ? EACCES : ENOENT, "exec %s", file);
}

/*
 * Join the service's cgroup when clone3 could not put us there: first,
 * before any other step, so that nothing the child does escapes it.
 * Writing "0" moves the writer (cgroup-v2.rst, "Processes").
 */
static void
spawn_child_cgroup(const struct spawn_plan *pl)
{
	int fd;

	if (pl->cgroup_fd < 0)
		return;
	fd = openat(pl->cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		spawn_child_fail(pl, errno, "cgroup.procs");
	(void)close(fd);
}

/* One rlimit_* key; KEY names it in the failure. */
static void
spawn_child_rlimit(const struct spawn_plan *pl, int res,
    const struct conf_rlimit *cr, const char *key)
{
	struct rlimit rl;

	if (!cr->set)
		return;
	rl.rlim_cur = cr->soft == CONF_RLIM_INFINITY ? RLIM_INFINITY
	                                             : (rlim_t)cr->soft;
	rl.rlim_max = cr->hard == CONF_RLIM_INFINITY ? RLIM_INFINITY
	                                             : (rlim_t)cr->hard;
	if (setrlimit(res, &rl) < 0)
		spawn_child_failf(pl, errno, "%s: setrlimit", key);
}

/* Before the credential change: raising a hard limit needs
 * CAP_SYS_RESOURCE, which dropping to user= loses (setrlimit(2)). */
static void
spawn_child_rlimits(const struct spawn_plan *pl)
{
	const struct conf_proc *c = pl->c;

	spawn_child_rlimit(pl, RLIMIT_NOFILE, &c->rlimit_nofile,
	    "rlimit_nofile");
	spawn_child_rlimit(pl, RLIMIT_NPROC, &c->rlimit_nproc, "rlimit_nproc");
	spawn_child_rlimit(pl, RLIMIT_CORE, &c->rlimit_core, "rlimit_core");
	spawn_child_rlimit(pl, RLIMIT_AS, &c->rlimit_as, "rlimit_as");
}

/* DESIGN.md's order; each step's reason is beside it. */
static void TEND_NORETURN
spawn_child(struct spawn_plan *pl)
{
	const struct conf_proc *c = pl->c;

	spawn_child_cgroup(pl);
	/* Own session and process group: stopasgroup can signal the whole
	 * group, and terminal signals aimed at tendd do not reach it. */
	if (setsid() < 0)
		spawn_child_fail(pl, errno, "setsid");
	spawn_child_rlimits(pl);
	spawn_child_creds(pl);
	if (c->directory != NULL && chdir(c->directory) < 0)
		spawn_child_failf(pl, errno, "chdir %s", c->directory);
	if (c->umask >= 0)
		umask((mode_t)c->umask);
	/* After the credential change: changing uids/gids clears the
	 * parent-death signal (prctl(2), PR_SET_PDEATHSIG). */
	if (c->pdeathsig > 0 &&
	    prctl(PR_SET_PDEATHSIG, (unsigned long)c->pdeathsig) < 0)
		spawn_child_failf(
		    pl, errno, "prctl(PR_SET_PDEATHSIG, %d)", c->pdeathsig);
	/* tendd may have died before the prctl; then nobody would ever send
	 * the signal, and we would run unsupervised. */
	if (getppid() != pl->tendd_pid)
		_exit(127);
	spawn_child_signals();
	spawn_child_fds(pl);
	spawn_child_exec(pl);
}

/* ---------------------------------------------------------------------
 * The parent
 */

static void
spawn_close(int *fd)
{
	if (*fd >= 0) {
		(void)close(*fd);
		*fd = -1;
	}
}

static void
spawn_fds_close(struct spawn_fds *f)
{
	spawn_close(&f->devnull);
	spawn_close(&f->exec[0]);
	spawn_close(&f->exec[1]);
	spawn_close(&f->out[0]);
	spawn_close(&f->out[1]);
	spawn_close(&f->err[0]);
	spawn_close(&f->err[1]);
}

/* A close-on-exec pipe whose read end (ours) is non-blocking. */
static int
spawn_pipe(int fds[2], const char *what, char *err, size_t errlen)
{
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (util_set_nonblock(fds[0]) < 0) {
		snprintf(
		    err, errlen, "%s pipe: fcntl: %s", what, strerror(errno));
		return -1;
	}
	return 0;
}

/* Open /dev/null and the pipes, and pick the child's fds 0, 1, 2. */
static int
spawn_fds_open(const struct conf_proc *c, struct spawn_fds *f,
    struct spawn_plan *pl, char *err, size_t errlen)
{
	f->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (f->devnull < 0) {
		snprintf(err, errlen, "open /dev/null: %s", strerror(errno));
		return -1;
	}
	if (spawn_pipe(f->exec, "exec", err, errlen) < 0)
		return -1;
	/* A NONE stream is still captured when it goes to syslog. */
	if ((c->out.kind != CONF_LOG_NONE || c->out.syslog) &&
	    spawn_pipe(f->out, "stdout", err, errlen) < 0)
		return -1;
	if (!c->redirect_stderr &&
	    (c->err.kind != CONF_LOG_NONE || c->err.syslog) &&
	    spawn_pipe(f->err, "stderr", err, errlen) < 0)
		return -1;

	pl->fd[0] = f->devnull;
	pl->fd[1] = f->out[1] >= 0 ? f->out[1] : f->devnull;
	if (c->redirect_stderr)
		pl->fd[2] = pl->fd[1];
	else
		pl->fd[2] = f->err[1] >= 0 ? f->err[1] : f->devnull;
	pl->efd = f->exec[1];
	return 0;
}

/*
 * clone3() gives the pidfd atomically with the child, so there is no
 * window in which the PID could be reaped and reused (clone(2),
 * CLONE_PIDFD).  exit_signal SIGCHLD makes it an ordinary child for
 * waitid().  Returns the pid in the parent, 0 in the child, -1 on error.
 */
static pid_t
spawn_clone(int *pidfd, const char **what, int *cgfd, bool join)
{
	struct clone_args args;
	pid_t pid;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_PIDFD;
	args.pidfd = (uint64_t)(uintptr_t)pidfd;
	args.exit_signal = SIGCHLD;
	*what = "clone3";
	/* CLONE_INTO_CGROUP (5.7) starts the child in its cgroup: there is
	 * no moment in which it, or a child it forks at once, is in
	 * tendd's (clone(2)).  Older kernels say E2BIG or EINVAL; then the
	 * child joins through cgroup.procs before anything else. */
	if (*cgfd >= 0 && !join) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)*cgfd;
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0) {
			*cgfd = -1; /* the child is there already */
			return pid;
		}
		if (errno != E2BIG && errno != EINVAL &&
		    errno != EOPNOTSUPP && errno != ENOSYS)
			return pid;
		args.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		args.cgroup = 0;
	}
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid >= 0 || errno != ENOSYS)
		return pid;

	/* No clone3 (before 5.3, or a seccomp filter saying ENOSYS).  An
	 * unreaped child's PID cannot be reused, and only reap.c reaps,
	 * synchronously in this same thread, so pidfd_open() right after
	 * fork() names the right process (pidfd_open(2)). */
	*what = "fork";
	pid = fork();
	if (pid <= 0)
		return pid;
	/* The new fd is close-on-exec already (pidfd_open(2)). */
	*what = "pidfd_open";
	*pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (*pidfd < 0) {
		int e = errno;

		/* Left for reap_sigchld() to collect as an untracked
		 * child: spawn.c never waits. */
		(void)kill(pid, SIGKILL);
		errno = e;
		return -1;
	}
	return pid;
}

static void
spawn_plan_free(struct spawn_plan *pl, struct spawn_env *env, char *pwstr)
{
	spawn_env_free(env);
	free(pl->groups);
	free(pwstr);
}

int
spawn_start(const struct conf_proc *c, const struct spawn_opts *o,
    struct spawn_child *child, char *err, size_t errlen)
{
	struct spawn_fds f = {-1, {-1, -1}, {-1, -1}, {-1, -1}};
	struct spawn_plan pl;
	struct spawn_env env = {NULL, 0, 0};
	struct passwd pwbuf;
	const struct passwd *pw;
	char *pwstr = NULL;
	sigset_t all, old;
	const char *what = "clone3";
	int pidfd = -1;
	pid_t pid;
	int e;

	memset(&pl, 0, sizeof(pl));
	pl.c = c;
	pl.tendd_pid = o->tendd_pid > 0 ? o->tendd_pid : getpid();
	pl.cgroup_fd = o->use_cgroup ? o->cgroup_fd : -1;
	if (c->argv == NULL || c->argv[0] == NULL || c->argv[0][0] == '\0') {
		snprintf(err, errlen, "command: empty");
		return -1;
	}
	if (spawn_cred_prepare(c, &pl, &pwbuf, &pwstr, &pw, err, errlen) < 0 ||
	    spawn_env_build(&env, c, o, pw, err, errlen) < 0)
		goto fail;
	pl.envp = env.v;
	pl.path = spawn_env_get(&env, "PATH");
	if (pl.path == NULL)
		pl.path = SPAWN_DEFAULT_PATH;
	if (spawn_fds_open(c, &f, &pl, err, errlen) < 0)
		goto fail;

	/* Block every signal around the clone: until the child has reset
	 * its dispositions, a signal would run one of tendd's handlers
	 * (libev's) inside the child. */
	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &old) < 0) {
		snprintf(err, errlen, "sigprocmask: %s", strerror(errno));
		goto fail;
	}
	pid = spawn_clone(&pidfd, &what, &pl.cgroup_fd, o->cgroup_join);
	if (pid == 0)
		spawn_child(&pl);
	e = errno;
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		snprintf(err, errlen, "%s: %s", what, strerror(e));
		goto fail;
	}

	/* Ours are the read ends; the child's ends live on in the child. */
	child->pid = pid;
	child->pidfd = pidfd;
	child->execfd = f.exec[0];
	child->outfd = f.out[0];
	child->errfd = f.err[0];
	f.exec[0] = f.out[0] = f.err[0] = -1;
	spawn_fds_close(&f);
	spawn_plan_free(&pl, &env, pwstr);
	return 0;
fail:
	spawn_fds_close(&f);
	spawn_plan_free(&pl, &env, pwstr);
	return -1;
}

int
spawn_read_failure(int execfd, char *msg, size_t len)
{
	char buf[512];
	ssize_t n;

	do
		n = read(execfd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0) {
		if (len > 0)
			msg[0] = '\0';
		return 0;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
		n--;
	buf[n] = '\0';
	snprintf(msg, len, "%s", buf);
	return 1;
}

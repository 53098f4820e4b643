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
 * state about processes; what it keeps is set up at the first spawn
 * (struct spawn_kit): /dev/null, the ignored signals, and the frames of
 * children sharing tendd's memory.
 *
 * Everything that may allocate or consult NSS (the environment, the
 * passwd entry, the supplementary groups, the environment_file) is done in
 * the parent before the clone; the child only makes system calls on what
 * it was handed, and reports a failure as one line on the exec pipe.
 *
 * Why children share tendd's memory (x86-64).  A child cloned as fork(2)
 * does copies tendd's page tables and descriptor table, and both grow with
 * the number of services: at 1,000 services the copies, the copy-on-write
 * faults that follow and closing the inherited descriptors were most of
 * a spawn.  vfork(2) (posix_spawn(3)) avoids the copies but stops tendd
 * until each exec, and on two CPUs that wait cost more than it saved.  So
 * the child is cloned with CLONE_VM and CLONE_FILES, without CLONE_VFORK:
 * tendd goes on while it runs on a stack of its own, in a "frame" that
 * also holds everything it reads (the plan, with copies of the command
 * and the environment).  The kernel zeroes frame->busy when the child
 * leaves tendd's memory, at its exec or its exit (CLONE_CHILD_CLEARTID),
 * and only then is the frame reused.  The child's first step makes itself
 * a descriptor table holding only tendd's lowest descriptors
 * (close_range(2) CLOSE_RANGE_UNSHARE, which copies just the part below
 * the range); its pipe ends come through the frame's socket (SCM_RIGHTS),
 * so tendd holds none of them once the clone returns.  The child shares
 * tendd's thread-local storage too, so it makes raw system calls only
 * (spawn_sys: no errno), calls nothing that allocates or locks, writes
 * nothing of tendd's but its own stack and frame->received, and has no
 * signal handler to run (CLONE_CLEAR_SIGHAND, 5.5).  With every frame in
 * use a spawn waits (spawn_frame_get).  Other architectures, kernels that
 * refuse those flags, a cgroup to join by hand, or frames that stay busy
 * (children stuck before their exec) clone as fork(2) does.
 */
#include "spawn.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/sched.h> /* struct clone_args, CLONE_PIDFD */
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* PATH for a child whose environment has none (systemd's default). */
#define SPAWN_DEFAULT_PATH                                                     \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* close_range(2) flag (5.9); older headers lack it. */
#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
/* clone3(2) flags (5.5, 5.7); older headers lack them. */
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* Children share tendd's memory where spawn_sys() and spawn_clone3_vm()
 * are written. */
#if defined(__x86_64__)
#define SPAWN_HAVE_VM 1
#endif

/* The child's code must not be instrumented by the sanitizers or the
 * stack protector: on a stack they do not know, their bookkeeping would
 * act on tendd's thread (whose thread-local storage the child shares).
 * It calls no libc function either, not even memcpy() or strlen(): a
 * sanitizer intercepts those (spawn_mem*, spawn_str* below). */
#ifndef __has_attribute
#define __has_attribute(x) 0
#endif
#if __has_attribute(no_sanitize)
#define SPAWN_NO_SANITIZE __attribute__((no_sanitize("address", "undefined")))
#elif defined(__GNUC__)
#define SPAWN_NO_SANITIZE __attribute__((no_sanitize_address))
#else
#define SPAWN_NO_SANITIZE
#endif
#if __has_attribute(no_stack_protector)
#define SPAWN_NO_SSP __attribute__((no_stack_protector))
#else
#define SPAWN_NO_SSP
#endif
#define SPAWN_CHILD_FN SPAWN_NO_SANITIZE SPAWN_NO_SSP

/* Frames: children that may be between clone and exec at once.  A child
 * leaves its frame within a few hundred microseconds (its exec); spawns
 * come one after another, so two are rarely in use. */
#define SPAWN_FRAMES 4
/* How long a spawn waits for a frame when all are in use, seconds. */
#define SPAWN_FRAME_WAIT 0.02
/* A frame's stack: the child's deepest call holds a PATH_MAX buffer.
 * Pages never touched cost nothing. */
#define SPAWN_STACK_SIZE (64 * 1024)

/* Longest failure report the child writes (below PIPE_BUF: one atomic
 * write). */
#define SPAWN_MSG_MAX 512

/* The child's environment, built in the parent.  The strings in own[]
 * are its own; the others are borrowed from spawn_kit.environ. */
struct spawn_env {
	char **v; /* NULL-terminated once built */
	size_t n;
	size_t cap;
	char **own;
	size_t nown;
	size_t capown;
};

/*
 * Everything the child needs, prepared by the parent before the clone.
 * The child reads nothing else of tendd's: a reload may free the
 * conf_proc while a child sharing tendd's memory still runs.
 */
struct spawn_plan {
	char **argv;           /* copied (spawn_plan_copy) */
	char **envp;           /* the frame's or spawn_start()'s env */
	const char *path;      /* PATH value inside envp, or the default */
	const char *directory; /* copied, NULL: stay */
	int umask;             /* -1: inherit */
	int pdeathsig;
	struct conf_rlimit rlim[4]; /* RLIMIT_NOFILE, NPROC, CORE, AS */

	bool setcred; /* change credentials (user= differs from ours) */
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int ngroups;

	pid_t tendd_pid;
	int cgroup_fd;    /* join this cgroup in the child, -1: done or none */
	uint64_t ignored; /* signals to set back to SIG_DFL, bit SIG - 1 */

	int null;     /* /dev/null: stdin, and unused stdout/stderr */
	bool has_out; /* stdout is a pipe (else null) */
	bool has_err; /* stderr is a pipe (else null or stdout) */
	bool redirect_stderr;
	int fd[3];     /* fork-like: exec, out, err write ends, -1 none */
	int sock;      /* sharing memory: receive them here, else -1 */
	unsigned keep; /* sharing memory: keep fds below this */
	int *received; /* sharing memory: set once they arrived */
};

/*
 * A child sharing tendd's memory lives in a frame from its clone until its
 * exec (or exit).  busy is the CLONE_CHILD_CLEARTID word: set by us before
 * the clone, zeroed by the kernel when the child leaves our memory.  The
 * pipe ends travel through sock (ours [0], the child's [1], a low fd kept
 * at the child's unshare).
 */
struct spawn_frame {
	int busy;
	int received; /* the child took its fds from sock[1] */
	bool sent;    /* a message was put on sock[0] for this use */
	int sock[2];
	char *stack; /* lowest byte, above a guard page */
	struct spawn_plan pl;
	struct spawn_env env; /* owned until the frame is reused */
	char *copy;           /* argv and directory (spawn_plan_copy) */
};

/* Set up at the first spawn (spawn_kit_init) and kept. */
static struct {
	bool ready;
	int null;         /* /dev/null, >= 3 */
	uint64_t ignored; /* SIG_IGN at the first spawn, bit SIG - 1 */
	unsigned keep;    /* highest of null and frames' sock[1], + 1 */
	struct spawn_frame *frames; /* SPAWN_FRAMES, NULL: none */
	size_t next;                /* round robin */
	bool vm_off;                /* the kernel refused: fork-like only */
	bool congested;             /* a frame wait timed out */
	struct spawn_env environ;   /* spawn_env_base() */
} spawn_kit;

/* Every fd spawn_start() may open, so one function can close them all. */
struct spawn_fds {
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

/* Grow *V (holding N, room for *CAP) to hold N + 2. */
static int
spawn_env_room(char ***v, size_t n, size_t *cap)
{
	char **nv;
	size_t ncap;

	if (n + 2 <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	if ((nv = realloc(*v, ncap * sizeof(*nv))) == NULL)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* Add KV (taking ownership), replacing an entry with the same key: later
 * sources win.  -1 on ENOMEM (KV is freed). */
static int
spawn_env_put(struct spawn_env *e, char *kv)
{
	size_t klen = spawn_env_keylen(kv);
	size_t i;

	if (spawn_env_room(&e->own, e->nown, &e->capown) < 0 ||
	    spawn_env_room(&e->v, e->n, &e->cap) < 0) {
		free(kv);
		return -1;
	}
	e->own[e->nown++] = kv;
	for (i = 0; i < e->n; i++) {
		if (strncmp(e->v[i], kv, klen) == 0 &&
		    (e->v[i][klen] == '=' || e->v[i][klen] == '\0')) {
			e->v[i] = kv;
			return 0;
		}
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

	for (i = 0; i < e->nown; i++)
		free(e->own[i]);
	free(e->own);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

/* Start E from BASE's entries, borrowed (BASE outlives E). */
static int
spawn_env_from(struct spawn_env *e, const struct spawn_env *base)
{
	e->cap = base->n + 16;
	if ((e->v = malloc(e->cap * sizeof(*e->v))) == NULL)
		return -1;
	if (base->n > 0)
		memcpy(e->v, base->v, base->n * sizeof(*e->v));
	e->n = base->n;
	e->v[e->n] = NULL;
	return 0;
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
 * tendd's environ less the variables above, once (spawn_kit_init): tendd
 * never changes its environment, and copying it for each of 1,000
 * services was a tenth of a spawn.
 */
static int
spawn_env_base(struct spawn_env *e)
{
	char **ep;

	for (ep = environ; ep && *ep; ep++)
		if (strchr(*ep, '=') && !spawn_env_private(*ep) &&
		    spawn_env_copy(e, *ep) < 0)
			return -1;
	return 0;
}

/*
 * tendd's environ (less the variables above: spawn_env_base), then the user's
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

	if (spawn_env_from(e, &spawn_kit.environ) < 0)
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
 * The child.  Runs between clone and exec; never returns.  Only raw
 * system calls and pure string functions: see "Why children share tendd's
 * memory" at the top.
 */

#ifdef SPAWN_HAVE_VM
/* A system call that leaves errno alone: the result, or -errno.  The
 * syscall instruction clobbers rcx and r11 (and rax, the result). */
static inline long
spawn_sys(long nr, long a, long b, long c, long d)
{
	register long rax __asm__("rax") = nr;
	register long r10 __asm__("r10") = d;

	__asm__ volatile("syscall"
	                 : "+r"(rax)
	                 : "D"(a), "S"(b), "d"(c), "r"(r10)
	                 : "rcx", "r11", "memory");
	return rax;
}
#else
/* Children never share tendd's memory here: glibc's wrapper will do. */
static long
spawn_sys(long nr, long a, long b, long c, long d)
{
	long rc = syscall(nr, a, b, c, d);

	return rc < 0 ? -errno : rc;
}
#endif

#define SPAWN_SYS0(nr) spawn_sys(nr, 0, 0, 0, 0)
#define SPAWN_SYS1(nr, a) spawn_sys(nr, (long)(a), 0, 0, 0)
#define SPAWN_SYS2(nr, a, b) spawn_sys(nr, (long)(a), (long)(b), 0, 0)
#define SPAWN_SYS3(nr, a, b, c)                                                \
	spawn_sys(nr, (long)(a), (long)(b), (long)(c), 0)
#define SPAWN_SYS4(nr, a, b, c, d)                                             \
	spawn_sys(nr, (long)(a), (long)(b), (long)(c), (long)(d))

/*
 * memcpy(), memset(), strlen() and strchrnul() for the child.  The
 * volatile accesses keep the compiler from turning the loops back into
 * calls of the library functions (which a sanitizer intercepts).
 */
static void SPAWN_CHILD_FN
spawn_memcpy(void *dst, const void *src, size_t n)
{
	volatile char *d = dst;
	const char *s = src;

	while (n-- > 0)
		*d++ = *s++;
}

static void SPAWN_CHILD_FN
spawn_memzero(void *dst, size_t n)
{
	volatile char *d = dst;

	while (n-- > 0)
		*d++ = 0;
}

static const char *SPAWN_CHILD_FN
spawn_strchrnul(const char *s, char c)
{
	const volatile char *p = s;

	while (*p != '\0' && *p != c)
		p++;
	return (const char *)p;
}

static size_t SPAWN_CHILD_FN
spawn_strlen(const char *s)
{
	return (size_t)(spawn_strchrnul(s, '\0') - s);
}

static void TEND_NORETURN SPAWN_CHILD_FN
spawn_child_exit(void)
{
	for (;;)
		(void)SPAWN_SYS1(SYS_exit_group, 127);
}

/* V in decimal at the end of BUF[24]; returns the first digit. */
static const char *SPAWN_CHILD_FN
spawn_num(char buf[24], long long v)
{
	unsigned long long u =
	    v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	char *s = buf + 23;

	*s = '\0';
	do
		*--s = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--s = '-';
	return s;
}

/* Append S to MSG (LEN used of SPAWN_MSG_MAX), truncating. */
static size_t SPAWN_CHILD_FN
spawn_cat(char *msg, size_t len, const char *s)
{
	size_t n;

	if (s == NULL)
		return len;
	n = spawn_strlen(s);
	if (n > SPAWN_MSG_MAX - len)
		n = SPAWN_MSG_MAX - len;
	spawn_memcpy(msg + len, s, n);
	return len + n;
}

/*
 * Report "ERRNO A B C" on the exec pipe EFD and exit 127.  The parent
 * turns it into "A B C: strerror(ERRNO)" (spawn_read_failure); B and C may
 * be NULL.  RC is a spawn_sys() result (-errno).
 */
static void TEND_NORETURN SPAWN_CHILD_FN
spawn_child_fail(int efd, long rc, const char *a, const char *b, const char *c)
{
	char msg[SPAWN_MSG_MAX], num[24];
	size_t len;

	len = spawn_cat(msg, 0, spawn_num(num, -rc));
	len = spawn_cat(msg, len, " ");
	len = spawn_cat(msg, len, a);
	len = spawn_cat(msg, len, b);
	len = spawn_cat(msg, len, c);
	/* One write below PIPE_BUF is atomic; the parent reads it whole. */
	if (efd >= 0)
		while (SPAWN_SYS3(SYS_write, efd, msg, len) == -EINTR)
			;
	spawn_child_exit();
}

/* One SCM_RIGHTS message of up to three fds and a byte: the write ends a
 * frame's child receives (spawn_frame_send, spawn_child_take_fds,
 * spawn_frame_drain). */
struct spawn_fdmsg {
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(3 * sizeof(int))];
	} u;
	struct msghdr msg;
	struct iovec iov;
	char byte;
};

/* Point M's header at its own byte and control buffer.  Called by the
 * child too: it touches nothing but M. */
static void SPAWN_CHILD_FN
spawn_fdmsg_init(struct spawn_fdmsg *m)
{
	spawn_memzero(m, sizeof(*m));
	m->iov.iov_base = &m->byte;
	m->iov.iov_len = 1;
	m->msg.msg_iov = &m->iov;
	m->msg.msg_iovlen = 1;
	m->msg.msg_control = m->u.buf;
	m->msg.msg_controllen = sizeof(m->u.buf);
}

/*
 * The child's descriptors.  Sharing tendd's table (CLONE_FILES), first a
 * table of its own holding only fds below pl->keep (/dev/null and the
 * frames' sockets; the kernel copies just that part, close_range(2)),
 * then its pipe ends from the frame's socket.  Returns the exec pipe's
 * write end and fills SRC with what becomes 0, 1 and 2.
 */
static int SPAWN_CHILD_FN
spawn_child_take_fds(const struct spawn_plan *pl, int src[3])
{
	struct spawn_fdmsg m;
	struct cmsghdr *cm;
	int fds[3] = {-1, -1, -1};
	int want = 1 + pl->has_out + pl->has_err, n = 0;
	long rc;

	if (pl->sock < 0) {
		fds[0] = pl->fd[0];
		fds[1] = pl->fd[1];
		fds[2] = pl->fd[2];
	} else {
		rc = SPAWN_SYS3(
		    SYS_close_range, pl->keep, ~0U, CLOSE_RANGE_UNSHARE);
		/* Before 5.9 (no close_range): a table of our own, copied
		 * whole; spawn_child_fds() closes the rest one by one. */
		if (rc == -ENOSYS)
			rc = SPAWN_SYS1(SYS_unshare, CLONE_FILES);
		if (rc < 0)
			spawn_child_exit();
		spawn_fdmsg_init(&m);
		do
			rc = SPAWN_SYS3(
			    SYS_recvmsg, pl->sock, &m.msg, MSG_CMSG_CLOEXEC);
		while (rc == -EINTR);
		cm = CMSG_FIRSTHDR(&m.msg);
		if (rc == 1 && cm != NULL && cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS)
			n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (n != want)
			spawn_child_exit();
		spawn_memcpy(fds, CMSG_DATA(cm), (size_t)n * sizeof(int));
		__atomic_store_n(pl->received, 1, __ATOMIC_RELEASE);
		if (!pl->has_out) {
			fds[2] = fds[1];
			fds[1] = -1;
		}
	}
	src[0] = pl->null;
	src[1] = pl->has_out ? fds[1] : pl->null;
	if (pl->redirect_stderr)
		src[2] = src[1];
	else
		src[2] = pl->has_err ? fds[2] : pl->null;
	return fds[0];
}

/* Close FIRST..LAST (ENOSYS before 5.9: one by one, up to the limit). */
static long SPAWN_CHILD_FN
spawn_child_close(unsigned first, unsigned last)
{
	struct rlimit rl;
	unsigned fd, max = 65536;
	long rc;

	if (first > last)
		return 0;
	rc = SPAWN_SYS3(SYS_close_range, first, last, 0);
	if (rc != -ENOSYS)
		return rc;
	if (SPAWN_SYS4(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY)
		max = rl.rlim_cur < 1048576 ? (unsigned)rl.rlim_cur : 1048576;
	for (fd = first; fd <= last && fd < max; fd++)
		(void)SPAWN_SYS1(SYS_close, fd);
	return 0;
}

/*
 * SRC onto 0, 1, 2 and every other fd closed but the exec pipe EFD
 * (close-on-exec closes it on success).  A source below 3 (tendd started
 * with 0, 1 or 2 closed) is moved up first, so no dup3() clobbers one not
 * yet placed or sees oldfd == newfd; dup3() leaves close-on-exec off on
 * the new fd.  Returns EFD, moved to >= 3 if it was not.
 */
static int SPAWN_CHILD_FN
spawn_child_fds(const struct spawn_plan *pl)
{
	int src[3], efd, i;
	char num[24];
	long rc;

	efd = spawn_child_take_fds(pl, src);
	if (efd < 3) {
		rc = SPAWN_SYS3(SYS_fcntl, efd, F_DUPFD_CLOEXEC, 3);
		if (rc < 0)
			spawn_child_exit();
		efd = (int)rc;
	}
	for (i = 0; i < 3; i++)
		if (src[i] < 3) {
			rc = SPAWN_SYS3(SYS_fcntl, src[i], F_DUPFD_CLOEXEC, 3);
			if (rc < 0)
				spawn_child_fail(efd, rc, "dup fd ",
				    spawn_num(num, i), NULL);
			src[i] = (int)rc;
		}
	for (i = 0; i < 3; i++) {
		rc = SPAWN_SYS3(SYS_dup3, src[i], i, 0);
		if (rc < 0)
			spawn_child_fail(
			    efd, rc, "dup2 fd ", spawn_num(num, i), NULL);
	}
	if ((rc = spawn_child_close(3, (unsigned)efd - 1)) < 0 ||
	    (rc = spawn_child_close((unsigned)efd + 1, ~0U)) < 0)
		spawn_child_fail(efd, rc, "close_range", NULL, NULL);
	return efd;
}

static void SPAWN_CHILD_FN
spawn_child_creds(const struct spawn_plan *pl)
{
	char num[24];
	long rc;

	if (!pl->setcred)
		return;
	/* Groups first, then gid, then uid: once the uid is dropped we no
	 * longer have the right to change the others (setresuid(2)).  The
	 * raw calls also skip glibc's signalling of other threads. */
	if ((rc = SPAWN_SYS2(SYS_setgroups, pl->ngroups, pl->groups)) < 0)
		spawn_child_fail(pl->fd[0], rc, "setgroups(",
		    spawn_num(num, pl->ngroups), " groups)");
	if ((rc = SPAWN_SYS3(SYS_setresgid, pl->gid, pl->gid, pl->gid)) < 0)
		spawn_child_fail(
		    pl->fd[0], rc, "setresgid(", spawn_num(num, pl->gid), ")");
	if ((rc = SPAWN_SYS3(SYS_setresuid, pl->uid, pl->uid, pl->uid)) < 0)
		spawn_child_fail(
		    pl->fd[0], rc, "setresuid(", spawn_num(num, pl->uid), ")");
}

/* The kernel's struct sigaction for rt_sigaction(2) (x86-64 layout;
 * no restorer is needed to set SIG_DFL). */
struct spawn_ksigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

/*
 * A service starts with default dispositions and an empty mask.  Caught
 * signals need nothing: CLONE_CLEAR_SIGHAND reset them (without it,
 * execve(2) does); an ignored one survives exec (signal(7)), so the ones
 * tendd ignored at its first spawn (SIGPIPE, whatever it inherited) are
 * set back.  The parent blocked every signal around the clone, and the
 * mask is inherited across exec: clear it.
 */
static void SPAWN_CHILD_FN
spawn_child_signals(const struct spawn_plan *pl)
{
	struct spawn_ksigaction sa;
	uint64_t none = 0;
	int sig;

	spawn_memzero(&sa, sizeof(sa));
	sa.handler = SIG_DFL;
	for (sig = 1; sig <= 64; sig++)
		if (pl->ignored & (1ULL << (sig - 1)))
			(void)SPAWN_SYS4(
			    SYS_rt_sigaction, sig, &sa, NULL, sizeof(uint64_t));
	(void)SPAWN_SYS4(
	    SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none));
}

/*
 * execvpe() with the child's own PATH: glibc's execvpe() searches the
 * caller's PATH, not the one in ENVP.  As execvp(3): ENOENT/ENOTDIR move
 * on, EACCES is remembered, anything else stops the search.
 */
static void TEND_NORETURN SPAWN_CHILD_FN
spawn_child_exec(const struct spawn_plan *pl, int efd)
{
	char *const *argv = pl->argv;
	const char *file = argv[0];
	const char *p = pl->path;
	char buf[PATH_MAX];
	bool eacces = false;
	long rc = -ENOENT;

	if (*spawn_strchrnul(file, '/') != '\0') {
		rc = SPAWN_SYS3(SYS_execve, file, argv, pl->envp);
		spawn_child_fail(efd, rc, "exec ", file, NULL);
	}
	while (*p) {
		const char *colon = spawn_strchrnul(p, ':');
		size_t dlen = (size_t)(colon - p);
		size_t flen = spawn_strlen(file);

		if (dlen == 0) { /* empty element: the current directory */
			buf[0] = '.';
			dlen = 1;
		} else if (dlen < sizeof(buf)) {
			spawn_memcpy(buf, p, dlen);
		}
		if (dlen + 1 + flen < sizeof(buf)) {
			buf[dlen] = '/';
			spawn_memcpy(buf + dlen + 1, file, flen + 1);
			rc = SPAWN_SYS3(SYS_execve, buf, argv, pl->envp);
			if (rc == -EACCES)
				eacces = true;
			else if (rc != -ENOENT && rc != -ENOTDIR)
				spawn_child_fail(efd, rc, "exec ", buf, NULL);
		}
		p = *colon ? colon + 1 : colon;
	}
	spawn_child_fail(efd, eacces ? -EACCES : -ENOENT, "exec ", file, NULL);
}

/*
 * Join the service's cgroup when clone3 could not put us there: first,
 * before any other step, so that nothing the child does escapes it.
 * Writing "0" moves the writer (cgroup-v2.rst, "Processes").  Only a
 * child cloned as by fork joins so (spawn_frame_get).
 */
static void SPAWN_CHILD_FN
spawn_child_cgroup(const struct spawn_plan *pl)
{
	long fd, rc;

	if (pl->cgroup_fd < 0)
		return;
	fd = SPAWN_SYS4(
	    SYS_openat, pl->cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC, 0);
	if (fd < 0)
		spawn_child_fail(pl->fd[0], fd, "cgroup.procs", NULL, NULL);
	rc = SPAWN_SYS3(SYS_write, fd, "0", 1);
	if (rc != 1)
		spawn_child_fail(
		    pl->fd[0], rc < 0 ? rc : -EIO, "cgroup.procs", NULL, NULL);
	(void)SPAWN_SYS1(SYS_close, fd);
}

/* Before the credential change: raising a hard limit needs
 * CAP_SYS_RESOURCE, which dropping to user= loses (setrlimit(2)). */
static void SPAWN_CHILD_FN
spawn_child_rlimits(const struct spawn_plan *pl)
{
	static const int res[4] = {
	    RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_CORE, RLIMIT_AS};
	static const char *const key[4] = {
	    "rlimit_nofile", "rlimit_nproc", "rlimit_core", "rlimit_as"};
	struct rlimit rl;
	long rc;
	int i;

	for (i = 0; i < 4; i++) {
		const struct conf_rlimit *cr = &pl->rlim[i];

		if (!cr->set)
			continue;
		rl.rlim_cur = cr->soft == CONF_RLIM_INFINITY ? RLIM_INFINITY
		                                             : (rlim_t)cr->soft;
		rl.rlim_max = cr->hard == CONF_RLIM_INFINITY ? RLIM_INFINITY
		                                             : (rlim_t)cr->hard;
		rc = SPAWN_SYS4(SYS_prlimit64, 0, res[i], &rl, NULL);
		if (rc < 0)
			spawn_child_fail(
			    pl->fd[0], rc, key[i], ": setrlimit", NULL);
	}
}

/*
 * DESIGN.md's order; each step's reason is beside it.  Before the fds are
 * in place (spawn_child_fds), a failure is reported on pl->fd[0], the
 * exec pipe of a child cloned as by fork; a child sharing tendd's memory
 * takes its fds first and has none there, so it reports nothing before.
 */
static void TEND_NORETURN SPAWN_CHILD_FN
spawn_child(const struct spawn_plan *pl)
{
	struct spawn_plan own;
	char num[24];
	int efd;
	long rc;

	/* The fds first when sharing tendd's table: until then every fd
	 * tendd opens or closes is ours too. */
	if (pl->sock >= 0) {
		efd = spawn_child_fds(pl);
		/* Not "own = *pl": the compiler may call memcpy(). */
		spawn_memcpy(&own, pl, sizeof(own));
		own.fd[0] = efd;
		pl = &own;
	}
	spawn_child_cgroup(pl);
	/* Own session and process group: stopasgroup can signal the whole
	 * group, and terminal signals aimed at tendd do not reach it. */
	if ((rc = SPAWN_SYS0(SYS_setsid)) < 0)
		spawn_child_fail(pl->fd[0], rc, "setsid", NULL, NULL);
	spawn_child_rlimits(pl);
	spawn_child_creds(pl);
	if (pl->directory != NULL &&
	    (rc = SPAWN_SYS1(SYS_chdir, pl->directory)) < 0)
		spawn_child_fail(pl->fd[0], rc, "chdir ", pl->directory, NULL);
	if (pl->umask >= 0)
		(void)SPAWN_SYS1(SYS_umask, pl->umask);
	/* After the credential change: changing uids/gids clears the
	 * parent-death signal (prctl(2), PR_SET_PDEATHSIG). */
	if (pl->pdeathsig > 0 &&
	    (rc = SPAWN_SYS2(SYS_prctl, PR_SET_PDEATHSIG, pl->pdeathsig)) < 0)
		spawn_child_fail(pl->fd[0], rc, "prctl(PR_SET_PDEATHSIG, ",
		    spawn_num(num, pl->pdeathsig), ")");
	/* tendd may have died before the prctl; then nobody would ever send
	 * the signal, and we would run unsupervised. */
	if (SPAWN_SYS0(SYS_getppid) != pl->tendd_pid)
		spawn_child_exit();
	spawn_child_signals(pl);
	efd = pl->sock >= 0 ? pl->fd[0] : spawn_child_fds(pl);
	spawn_child_exec(pl, efd);
}

#ifdef SPAWN_HAVE_VM
/*
 * clone3() for a child on a stack of its own (CLONE_VM): it cannot return
 * into a function tendd is still running, so the child half never leaves
 * the assembly: it calls spawn_child(PL) on the new stack (rsp is the top
 * of args->stack, clone3(2)), which ends in execve() or exit_group().
 * Returns the pid, or -1 with errno.
 */
static pid_t
spawn_clone3_vm(struct clone_args *args, const struct spawn_plan *pl)
{
	register long rax __asm__("rax") = SYS_clone3;
	register struct clone_args *rdi __asm__("rdi") = args;
	register size_t rsi __asm__("rsi") = sizeof(*args);
	register void (*r12)(const struct spawn_plan *) __asm__("r12") =
	    spawn_child;
	register const struct spawn_plan *r13 __asm__("r13") = pl;

	__asm__ volatile("syscall\n\t"
	                 "testq %%rax, %%rax\n\t"
	                 "jnz 1f\n\t"
	                 "xorl %%ebp, %%ebp\n\t" /* outermost frame */
	                 "andq $-16, %%rsp\n\t"
	                 "movq %%r13, %%rdi\n\t"
	                 "callq *%%r12\n\t"
	                 "ud2\n"
	                 "1:"
	                 : "+r"(rax)
	                 : "r"(rdi), "r"(rsi), "r"(r12), "r"(r13)
	                 : "rcx", "r11", "memory", "cc");
	if (rax < 0) {
		errno = (int)-rax;
		return -1;
	}
	return (pid_t)rax;
}
#endif

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

static bool
spawn_kit_is_ignored(int sig)
{
#ifdef SPAWN_HAVE_VM
	struct spawn_ksigaction ka;

	/* The raw call, unlike glibc's sigaction(), answers for the two
	 * signals glibc keeps for itself (32 and 33) too: an inherited
	 * SIG_IGN there would reach the services as well. */
	memset(&ka, 0, sizeof(ka));
	return SPAWN_SYS4(SYS_rt_sigaction, sig, NULL, &ka, sizeof(uint64_t)) ==
	           0 &&
	       ka.handler == SIG_IGN;
#else
	struct sigaction sa;

	return sigaction(sig, NULL, &sa) == 0 && !(sa.sa_flags & SA_SIGINFO) &&
	       sa.sa_handler == SIG_IGN;
#endif
}

/*
 * The signals tendd ignores (SIG_IGN), which a service must not inherit.
 * Caught ones need no record (spawn_child_signals).  Taken once: tendd
 * sets its dispositions before it starts anything (tendd.c), and one
 * sigaction() per signal per spawn is what this saves.
 */
static uint64_t
spawn_kit_ignored(void)
{
	uint64_t set = 0;
	int sig;

	for (sig = 1; sig < NSIG && sig <= 64; sig++)
		if (spawn_kit_is_ignored(sig))
			set |= 1ULL << (sig - 1);
	return set;
}

static void
spawn_kit_frames(void)
{
#ifdef SPAWN_HAVE_VM
	struct spawn_frame *v;
	long page = sysconf(_SC_PAGESIZE);
	size_t span, i;
	char *map;

	if (page <= 0)
		page = 4096;
	span = (size_t)page + SPAWN_STACK_SIZE;
	v = calloc(SPAWN_FRAMES, sizeof(*v));
	map = mmap(NULL, span * SPAWN_FRAMES, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (v == NULL || map == MAP_FAILED) {
		log_warn("spawn: frames; children are cloned as by fork");
		free(v);
		if (map != MAP_FAILED)
			(void)munmap(map, span * SPAWN_FRAMES);
		return;
	}
	for (i = 0; i < SPAWN_FRAMES; i++) {
		struct spawn_frame *f = &v[i];

		/* A guard page below each stack: a child that overflowed
		 * would fault rather than write over what lies below. */
		f->stack = map + i * span + page;
		if (mprotect(map + i * span, (size_t)page, PROT_NONE) < 0 ||
		    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, f->sock) <
		        0) {
			log_warn("spawn: frames; children are cloned as by "
			         "fork");
			while (i-- > 0) {
				spawn_close(&v[i].sock[0]);
				spawn_close(&v[i].sock[1]);
			}
			(void)munmap(map, span * SPAWN_FRAMES);
			free(v);
			return;
		}
		if ((unsigned)f->sock[1] >= spawn_kit.keep)
			spawn_kit.keep = (unsigned)f->sock[1] + 1;
	}
	spawn_kit.frames = v;
#endif
}

/*
 * TEND_SPAWN=fork in tendd's environment: every child is cloned as by
 * fork(2), never sharing tendd's memory (the path other architectures
 * and old kernels take), so that tests can run both ways on one machine.
 * Read once, at the first spawn.
 */
static bool
spawn_kit_fork_only(void)
{
	const char *v = getenv("TEND_SPAWN");

	if (v == NULL || *v == '\0')
		return false;
	if (strcmp(v, "fork") == 0) {
		log_info("spawn: TEND_SPAWN=fork: children are cloned as by "
		         "fork");
		return true;
	}
	log_warnx("spawn: TEND_SPAWN=%s: unknown (\"fork\" is known); "
	          "ignored", v);
	return false;
}

/* /dev/null (>= 3: the child dup()s it onto 0, 1 or 2), the environment
 * every child starts from, the ignored signals, the frames. */
static int
spawn_kit_init(char *err, size_t errlen)
{
	int fd, hi, e;

	if (spawn_kit.ready)
		return 0;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "open /dev/null: %s", strerror(errno));
		return -1;
	}
	if (fd < 3) {
		hi = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		e = errno;
		(void)close(fd);
		if (hi < 0) {
			snprintf(
			    err, errlen, "/dev/null: fcntl: %s", strerror(e));
			return -1;
		}
		fd = hi;
	}
	if (spawn_env_base(&spawn_kit.environ) < 0) {
		snprintf(err, errlen, "environment: %s", strerror(ENOMEM));
		spawn_env_free(&spawn_kit.environ);
		(void)close(fd);
		return -1;
	}
	spawn_kit.null = fd;
	spawn_kit.keep = (unsigned)fd + 1;
	spawn_kit.ignored = spawn_kit_ignored();
	if (spawn_kit_fork_only())
		spawn_kit.vm_off = true;
	else
		spawn_kit_frames();
	spawn_kit.ready = true;
	return 0;
}

/* Take back the fds of a message no child received (it died first, or
 * the clone failed). */
static void
spawn_frame_drain(struct spawn_frame *f)
{
	struct spawn_fdmsg m;
	struct cmsghdr *cm;
	int fd;
	size_t i, n;

	spawn_fdmsg_init(&m);
	if (recvmsg(f->sock[1], &m.msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0)
		return;
	for (cm = CMSG_FIRSTHDR(&m.msg); cm != NULL;
	     cm = CMSG_NXTHDR(&m.msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(
			    &fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			(void)close(fd);
		}
	}
}

/* F's child has left our memory: free what it read. */
static void
spawn_frame_clean(struct spawn_frame *f)
{
	if (f->sent && !__atomic_load_n(&f->received, __ATOMIC_ACQUIRE))
		spawn_frame_drain(f);
	f->sent = false;
	spawn_env_free(&f->env);
	free(f->pl.groups);
	free(f->copy);
	memset(&f->pl, 0, sizeof(f->pl));
	f->copy = NULL;
}

/*
 * Wait up to SPAWN_FRAME_WAIT for F's child to leave our memory: the
 * kernel wakes the CLONE_CHILD_CLEARTID word (a shared futex, futex(2)).
 */
static bool
spawn_frame_wait(struct spawn_frame *f)
{
	double end = util_monotonic() + SPAWN_FRAME_WAIT, left;
	struct timespec ts;
	int v;

	while ((v = __atomic_load_n(&f->busy, __ATOMIC_ACQUIRE)) != 0) {
		left = end - util_monotonic();
		if (left <= 0)
			return false;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		(void)syscall(SYS_futex, &f->busy, FUTEX_WAIT, v, &ts, NULL, 0);
	}
	return true;
}

/*
 * A free frame for a child sharing our memory, or NULL: none on this
 * architecture, or every one still in use.  Frames whose child has gone
 * are cleaned on the way.  When all are in use, spawns are coming faster
 * than children get a CPU to exec on: wait for the oldest rather than
 * clone as fork does, which would copy tendd's memory and make it
 * worse.  A child that never leaves (stopped, or stuck in D state before
 * its exec) costs one such wait, not one per spawn.
 */
static struct spawn_frame *
spawn_frame_get(void)
{
	struct spawn_frame *f, *found = NULL;
	size_t i, k;

	if (spawn_kit.vm_off || spawn_kit.frames == NULL)
		return NULL;
	for (i = 0; i < SPAWN_FRAMES; i++) {
		k = (spawn_kit.next + i) % SPAWN_FRAMES;
		f = &spawn_kit.frames[k];
		if (__atomic_load_n(&f->busy, __ATOMIC_ACQUIRE) != 0)
			continue;
		if (f->sent || f->copy != NULL || f->env.v != NULL)
			spawn_frame_clean(f);
		if (found == NULL) {
			found = f;
			spawn_kit.next = (k + 1) % SPAWN_FRAMES;
		}
	}
	if (found == NULL && !spawn_kit.congested) {
		/* The least recently used frame holds the oldest child. */
		f = &spawn_kit.frames[spawn_kit.next];
		if (spawn_frame_wait(f)) {
			spawn_frame_clean(f);
			found = f;
			spawn_kit.next = (spawn_kit.next + 1) % SPAWN_FRAMES;
		} else {
			spawn_kit.congested = true;
		}
	}
	if (found != NULL)
		spawn_kit.congested = false;
	return found;
}

/* Copy C's argv and directory into one block (*COPY) for PL. */
static int
spawn_plan_copy(struct spawn_plan *pl, const struct conf_proc *c, char **copy)
{
	size_t n = 0, size, i, len;
	char **argv, *s;

	while (c->argv[n] != NULL)
		n++;
	size = (n + 1) * sizeof(char *);
	for (i = 0; i < n; i++)
		size += strlen(c->argv[i]) + 1;
	if (c->directory != NULL)
		size += strlen(c->directory) + 1;
	if ((*copy = malloc(size)) == NULL)
		return -1;
	argv = (char **)(void *)*copy;
	s = *copy + (n + 1) * sizeof(char *);
	for (i = 0; i < n; i++) {
		len = strlen(c->argv[i]) + 1;
		argv[i] = memcpy(s, c->argv[i], len);
		s += len;
	}
	argv[n] = NULL;
	pl->argv = argv;
	pl->directory = NULL;
	if (c->directory != NULL)
		pl->directory =
		    memcpy(s, c->directory, strlen(c->directory) + 1);
	return 0;
}

static void
spawn_fds_close(struct spawn_fds *f)
{
	spawn_close(&f->exec[0]);
	spawn_close(&f->exec[1]);
	spawn_close(&f->out[0]);
	spawn_close(&f->out[1]);
	spawn_close(&f->err[0]);
	spawn_close(&f->err[1]);
}

/*
 * A close-on-exec pipe whose read end (ours) is non-blocking.  FLAGS may
 * make the write end non-blocking too: not for output pipes (the flag
 * would be the service's stdout's), but for the exec pipe, whose one
 * report below PIPE_BUF never blocks.
 */
static int
spawn_pipe(int fds[2], int flags, const char *what, char *err, size_t errlen)
{
	if (pipe2(fds, O_CLOEXEC | flags) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	/* A new pipe's read end has no other status flag to keep. */
	if (!(flags & O_NONBLOCK) && fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
		snprintf(
		    err, errlen, "%s pipe: fcntl: %s", what, strerror(errno));
		return -1;
	}
	return 0;
}

/* Make the pipes and tell the plan where the child's fds come from. */
static int
spawn_fds_open(const struct conf_proc *c, struct spawn_fds *f,
    struct spawn_plan *pl, char *err, size_t errlen)
{
	if (spawn_pipe(f->exec, O_NONBLOCK, "exec", err, errlen) < 0)
		return -1;
	/* A NONE stream is still captured when it goes to syslog. */
	if ((c->out.kind != CONF_LOG_NONE || c->out.syslog) &&
	    spawn_pipe(f->out, 0, "stdout", err, errlen) < 0)
		return -1;
	if (!c->redirect_stderr &&
	    (c->err.kind != CONF_LOG_NONE || c->err.syslog) &&
	    spawn_pipe(f->err, 0, "stderr", err, errlen) < 0)
		return -1;
	pl->null = spawn_kit.null;
	pl->has_out = f->out[1] >= 0;
	pl->has_err = f->err[1] >= 0;
	pl->redirect_stderr = c->redirect_stderr;
	pl->fd[0] = f->exec[1];
	pl->fd[1] = f->out[1];
	pl->fd[2] = f->err[1];
	pl->sock = -1;
	return 0;
}

/* Put the write ends on F's socket for its child (SCM_RIGHTS). */
static int
spawn_frame_send(struct spawn_frame *f, const struct spawn_plan *pl)
{
	struct spawn_fdmsg m;
	struct cmsghdr *cm;
	int fds[3], n = 0;

	fds[n++] = pl->fd[0];
	if (pl->has_out)
		fds[n++] = pl->fd[1];
	if (pl->has_err)
		fds[n++] = pl->fd[2];
	spawn_fdmsg_init(&m);
	m.msg.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
	cm = CMSG_FIRSTHDR(&m.msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, (size_t)n * sizeof(int));
	if (sendmsg(f->sock[0], &m.msg, MSG_DONTWAIT | MSG_NOSIGNAL) != 1)
		return -1;
	f->sent = true;
	__atomic_store_n(&f->received, 0, __ATOMIC_RELAXED);
	return 0;
}

/* clone3() as fork(2) does, or sharing tendd's memory (CLONE_VM in
 * ARGS).  The pid in the parent, -1 with errno; never returns in the
 * child. */
static pid_t
spawn_clone3(struct clone_args *args, const struct spawn_plan *pl)
{
	pid_t pid;

#ifdef SPAWN_HAVE_VM
	if (args->flags & CLONE_VM)
		return spawn_clone3_vm(args, pl);
#endif
	pid = (pid_t)syscall(SYS_clone3, args, sizeof(*args));
	if (pid == 0)
		spawn_child(pl);
	return pid;
}

/* clone3(2)'s answers to a flag or size this kernel does not know. */
static bool
spawn_unknown_flag(int e)
{
	return e == E2BIG || e == EINVAL || e == EOPNOTSUPP || e == ENOSYS;
}

#ifdef SPAWN_HAVE_VM
/* A child sharing our memory, in frame F. */
static pid_t
spawn_clone3_frame(struct spawn_frame *f, const struct clone_args *args)
{
	struct clone_args a = *args;
	pid_t pid;

	a.flags |=
	    CLONE_VM | CLONE_FILES | CLONE_CLEAR_SIGHAND | CLONE_CHILD_CLEARTID;
	a.child_tid = (uint64_t)(uintptr_t)&f->busy;
	a.stack = (uint64_t)(uintptr_t)f->stack;
	a.stack_size = SPAWN_STACK_SIZE;
	__atomic_store_n(&f->busy, 1, __ATOMIC_RELEASE);
	pid = spawn_clone3_vm(&a, &f->pl);
	if (pid < 0)
		__atomic_store_n(&f->busy, 0, __ATOMIC_RELEASE);
	return pid;
}
#else
static pid_t
spawn_clone3_frame(struct spawn_frame *f, const struct clone_args *args)
{
	(void)f;
	(void)args;
	errno = ENOSYS;
	return -1;
}
#endif

/*
 * clone3() gives the pidfd atomically with the child, so there is no
 * window in which the PID could be reaped and reused (clone(2),
 * CLONE_PIDFD).  exit_signal SIGCHLD makes it an ordinary child for
 * waitid().  With a frame F, first a child sharing our memory; then, or
 * without F, one cloned as fork does from PL.  *USED: the child is F's.
 * *REFUSED: the kernel refused only what a child sharing our memory
 * needs.  Returns the pid, or -1 on error.
 */
static pid_t
spawn_clone(struct spawn_frame *f, struct spawn_plan *pl, int *pidfd,
    const char **what, bool join, bool *used, bool *refused)
{
	struct clone_args args;
	int cgfd = pl->cgroup_fd;
	bool into = cgfd >= 0 && !join;
	pid_t pid;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_PIDFD;
	args.pidfd = (uint64_t)(uintptr_t)pidfd;
	args.exit_signal = SIGCHLD;
	*what = "clone3";
	*used = *refused = false;
	/* CLONE_INTO_CGROUP (5.7) starts the child in its cgroup: there is
	 * no moment in which it, or a child it forks at once, is in
	 * tendd's (clone(2)).  Older kernels say E2BIG or EINVAL; then the
	 * child joins through cgroup.procs before anything else. */
	if (into) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgfd;
		pl->cgroup_fd = -1; /* the child is there already */
	}
	if (f != NULL) {
		pid = spawn_clone3_frame(f, &args);
		if (pid >= 0 || !spawn_unknown_flag(errno)) {
			*used = pid >= 0;
			return pid;
		}
		/* Which flag?  If a fork-like clone with the same cgroup
		 * works, the ones for sharing memory. */
		*refused = true;
	}
	pid = spawn_clone3(&args, pl);
	if (pid >= 0 || !spawn_unknown_flag(errno))
		return pid;
	if (into) {
		*refused = false;
		args.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		args.cgroup = 0;
		pl->cgroup_fd = cgfd;
		pid = spawn_clone3(&args, pl);
	}
	if (pid >= 0 || errno != ENOSYS)
		return pid;

	/* No clone3 (before 5.3, or a seccomp filter saying ENOSYS).  An
	 * unreaped child's PID cannot be reused, and only reap.c reaps,
	 * synchronously in this same thread, so pidfd_open() right after
	 * fork() names the right process (pidfd_open(2)). */
	*what = "fork";
	pid = fork();
	if (pid == 0)
		spawn_child(pl);
	if (pid < 0)
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

/* Copy C's fields the child reads into PL. */
static void
spawn_plan_fill(struct spawn_plan *pl, const struct conf_proc *c)
{
	pl->argv = c->argv;
	pl->directory = c->directory;
	pl->umask = c->umask;
	pl->pdeathsig = c->pdeathsig;
	pl->rlim[0] = c->rlimit_nofile;
	pl->rlim[1] = c->rlimit_nproc;
	pl->rlim[2] = c->rlimit_core;
	pl->rlim[3] = c->rlimit_as;
	pl->ignored = spawn_kit.ignored;
}

/*
 * Hand the plan, its environment and groups over to frame F for a child
 * sharing our memory: F owns them until its reuse.  -1 (nothing moved):
 * clone as fork does.
 */
static int
spawn_frame_fill(struct spawn_frame *f, struct spawn_plan *pl,
    struct spawn_env *env, const struct conf_proc *c)
{
	struct spawn_plan fp = *pl;
	char *copy;

	if (spawn_plan_copy(&fp, c, &copy) < 0)
		return -1;
	if (spawn_frame_send(f, pl) < 0) {
		free(copy);
		return -1;
	}
	fp.fd[0] = fp.fd[1] = fp.fd[2] = -1;
	fp.cgroup_fd = -1; /* cloned into it, or none */
	fp.sock = f->sock[1];
	fp.keep = spawn_kit.keep;
	fp.received = &f->received;
	f->pl = fp;
	f->copy = copy;
	f->env = *env;
	memset(env, 0, sizeof(*env));
	pl->groups = NULL; /* the frame's now */
	return 0;
}

/* F was not used after all: the environment and groups back to PL and
 * ENV, the message back off its socket. */
static void
spawn_frame_unfill(
    struct spawn_frame *f, struct spawn_plan *pl, struct spawn_env *env)
{
	*env = f->env;
	memset(&f->env, 0, sizeof(f->env));
	pl->groups = f->pl.groups;
	f->pl.groups = NULL;
	spawn_frame_clean(f);
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
	struct spawn_fds f = {{-1, -1}, {-1, -1}, {-1, -1}};
	struct spawn_frame *frame;
	struct spawn_plan pl;
	struct spawn_env env = {NULL, 0, 0, NULL, 0, 0};
	struct passwd pwbuf;
	const struct passwd *pw;
	char *pwstr = NULL;
	sigset_t all, old;
	const char *what = "clone3";
	int pidfd = -1;
	bool used, refused;
	pid_t pid;
	int e;

	memset(&pl, 0, sizeof(pl));
	pl.tendd_pid = o->tendd_pid > 0 ? o->tendd_pid : getpid();
	pl.cgroup_fd = o->use_cgroup ? o->cgroup_fd : -1;
	if (c->argv == NULL || c->argv[0] == NULL || c->argv[0][0] == '\0') {
		snprintf(err, errlen, "command: empty");
		return -1;
	}
	if (spawn_kit_init(err, errlen) < 0)
		return -1;
	spawn_plan_fill(&pl, c);
	if (spawn_cred_prepare(c, &pl, &pwbuf, &pwstr, &pw, err, errlen) < 0 ||
	    spawn_env_build(&env, c, o, pw, err, errlen) < 0)
		goto fail;
	pl.envp = env.v;
	pl.path = spawn_env_get(&env, "PATH");
	if (pl.path == NULL)
		pl.path = SPAWN_DEFAULT_PATH;
	if (spawn_fds_open(c, &f, &pl, err, errlen) < 0)
		goto fail;
	/* A child joining its cgroup by hand opens a file under an fd of
	 * tendd's: not from a table it shares with tendd. */
	frame = NULL;
	if (!(pl.cgroup_fd >= 0 && o->cgroup_join) &&
	    (frame = spawn_frame_get()) != NULL &&
	    spawn_frame_fill(frame, &pl, &env, c) < 0)
		frame = NULL;

	/* Block every signal around the clone: a child cloned as by fork
	 * keeps tendd's handlers (libev's) until it execs, and no child
	 * should see a signal before it has its own mask. */
	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &old) < 0) {
		snprintf(err, errlen, "sigprocmask: %s", strerror(errno));
		if (frame != NULL)
			spawn_frame_unfill(frame, &pl, &env);
		goto fail;
	}
	pid = spawn_clone(
	    frame, &pl, &pidfd, &what, o->cgroup_join, &used, &refused);
	e = errno;
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	if (frame != NULL && !used) {
		spawn_frame_unfill(frame, &pl, &env);
		/* A kernel refusing it (before 5.5) will refuse it again. */
		if (refused)
			spawn_kit.vm_off = true;
	}
	if (pid < 0) {
		snprintf(err, errlen, "%s: %s", what, strerror(e));
		goto fail;
	}

	/* Ours are the read ends; the child has (or will receive) its
	 * ends. */
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

/* Descriptors a process may hold in tendd: pidfd, exec pipe, two output
 * pipes, its cgroup's directory. */
#define SPAWN_FDS_PER_PROC 5

void
spawn_reserve(size_t nprocs)
{
	struct rlimit rl;
	size_t want = nprocs * SPAWN_FDS_PER_PROC + 64;
	int fd, hi;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && want >= rl.rlim_cur)
		want = rl.rlim_cur > 64 ? (size_t)rl.rlim_cur - 1 : 64;
	if (want > INT_MAX)
		want = INT_MAX;
	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return;
	/* Taking an fd that high grows the table once, now, unshared; the
	 * kernel never shrinks it.  A failure is harmless: the table grows
	 * on demand. */
	if ((hi = fcntl(fd, F_DUPFD_CLOEXEC, (int)want)) >= 0)
		(void)close(hi);
	(void)close(fd);
}

/*
 * The child writes "ERRNO WHAT" (spawn_child_fail); strerror() is ours to
 * call.  Anything else is passed on as it came.
 */
int
spawn_read_failure(int execfd, char *msg, size_t len)
{
	char buf[SPAWN_MSG_MAX + 1], *what;
	long code;
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
	what = strchr(buf, ' ');
	if (what != NULL) {
		*what = '\0';
		if (util_parse_long(buf, 0, INT_MAX, &code) == 0) {
			snprintf(
			    msg, len, "%s: %s", what + 1, strerror((int)code));
			return 1;
		}
		*what = ' ';
	}
	snprintf(msg, len, "%s", buf);
	return 1;
}

/*
 * cgroup.c: every process a service owns.
 *
 * Owns: the tracking mode (cgroup v2, or the session fallback), tendd's
 * cgroup subtree (tend.PID with one cgroup per process below it), the
 * limits written there (memory.max, memory.high, cpu.max), the inotify
 * watch on each cgroup.events, the OOM count of memory.events, and
 * signalling the processes that outlive a main process; the session
 * fallback's membership (its /proc scan) is cgroup_scan.c's.  Per process state hangs off p->track.
 *
 * Leaves alone: the main process (spawn.c starts it, reap.c reaps and
 * signals it through its pidfd), what a leftover means for the state
 * (fsm.c), and /proc's formats (procinfo.c).
 *
 * Why cgroups: a process that double-forks and calls setsid() leaves its
 * session and process group, and after its parent exits its ppid is
 * tendd (the subreaper); nothing but a cgroup still ties it to its
 * service (cgroups(7): children inherit their parent's cgroup, and only
 * a process with write access to cgroup.procs can move it out).
 */
#include "cgroup.h"
#include "cgroup_impl.h"

#include "log.h"
#include "procinfo.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* While a fallback-mode process drains, look for its leftovers this
 * often (no event says when a session empties). */
#define CGROUP_POLL_SECONDS 0.2
/* tendd's own cgroup once it gave up root (cgroup_delegate): not a
 * process's full name, which never starts with ':'. */
#define CGROUP_SELF ":tendd"
/* cpu.max period, microseconds (the kernel's default). */
#define CGROUP_CPU_PERIOD 100000

/* Built --disable-cgroups (an embedded tendd): the session fallback only.
 * With these constant, the compiler drops the cgroup v2 code; the keys
 * that need it are refused (config_keys.c). */
#ifdef HAVE_CGROUPS
#define CG_BUILT true
#define CG_ON() (cg.on)
#define HAS_DIR(t) ((t)->dir)
#else
#define CG_BUILT false /* no inotify fd, no tend.PID, no watch */
#define CG_ON() false
#define HAS_DIR(t) false
#endif

static struct {
	struct ev_loop *loop;
	const struct svctab *tab;
	cgroup_empty_fn *on_empty;
	bool on;             /* cgroup mode */
	bool delegated;      /* tend.PID is user='s, tendd is in :tendd */
	int basefd;
	int ifd;               /* inotify, -1 */
	ev_io iio;
	ev_timer poll;            /* fallback draining poll */
} cg = {.basefd = -1, .ifd = -1};

/* The absolute path of tend.PID and the controllers enabled for the
 * processes' cgroups, apart from cg: zero-initialised, so they take no
 * room in the executable (.bss). */
static struct {
	char base[PATH_MAX];
	char controllers[128];
} cgpath;

/* ---- small file helpers ----------------------------------------------- */

/* Write S to FILE in the directory DFD (cgroup files take one write). */
static int
cgroup_write(int dfd, const char *file, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd, e;

	fd = openat(dfd, file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do
		n = write(fd, s, len);
	while (n < 0 && errno == EINTR);
	e = errno;
	(void)close(fd);
	errno = e;
	return n == (ssize_t)len ? 0 : -1;
}

/* Is NAME a word of LIST ("cpu memory pids", as cgroup.controllers)? */
static bool
cgroup_listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *s = list;

	while ((s = strstr(s, name)) != NULL) {
		if ((s == list || s[-1] == ' ') &&
		    (s[n] == ' ' || s[n] == '\n' || s[n] == '\0'))
			return true;
		s += n;
	}
	return false;
}

static bool
cgroup_has_controller(const char *name)
{
	return cgroup_listed(cgpath.controllers, name);
}

/* ---- set-up ----------------------------------------------------------- */

/* Remove tend.PID directories a dead tendd left (their processes died
 * with it through PDEATHSIG, so they are empty). */
static void
cgroup_sweep_stale(const char *parent)
{
	DIR *d = opendir(parent);
	struct dirent *e;
	char path[PATH_MAX];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		long pid;
		DIR *sub;
		struct dirent *se;

		int lfd;

		if (strncmp(e->d_name, "tend.", 5) != 0 ||
		    util_parse_long(e->d_name + 5, 1, INT_MAX, &pid) == -1 ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", parent, e->d_name) >=
		    (int)sizeof(path))
			continue;
		/*
		 * ESRCH is not enough: a tendd in another PID namespace (a
		 * container, `unshare --pid`) sees live tendds outside it as
		 * dead.  The owner holds flock(2) on its directory for its
		 * whole life, so a directory we can lock is really stale.
		 */
		lfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (lfd < 0)
			continue;
		if (flock(lfd, LOCK_EX | LOCK_NB) == -1) {
			(void)close(lfd);
			continue;
		}
		if ((sub = opendir(path)) != NULL) {
			while ((se = readdir(sub)) != NULL)
				if (se->d_type == DT_DIR &&
				    se->d_name[0] != '.')
					(void)unlinkat(dirfd(sub), se->d_name,
					    AT_REMOVEDIR);
			(void)closedir(sub);
		}
		if (rmdir(path) == 0)
			log_info("removed stale cgroup %s", path);
		(void)close(lfd);
	}
	(void)closedir(d);
}

/* Enable what can be enabled of cpu and memory for the children of DIR:
 * only what its cgroup.controllers offers (a refused write takes the
 * cgroup lock all the same: up to a millisecond each, measured), and each
 * alone, since one refused controller fails the whole write
 * (cgroup-v2.rst, "Enabling and Disabling"). */
static void
cgroup_enable(int dfd)
{
	static const char *const want[] = {"memory", "cpu", "pids"};
	char have[512], plus[16];
	size_t i;

	if (procinfo_read_file(dfd, "cgroup.controllers", have, sizeof(have)) <
	    0)
		have[0] = '\0';
	for (i = 0; i < TEND_NELEM(want); i++) {
		if (!cgroup_listed(have, want[i]))
			continue;
		(void)snprintf(plus, sizeof(plus), "+%s", want[i]);
		(void)cgroup_write(dfd, "cgroup.subtree_control", plus);
	}
}

static void cgroup_inotify_cb(struct ev_loop *l, ev_io *w, int revents);
static void cgroup_poll_cb(struct ev_loop *l, ev_timer *w, int revents);

/* Find the hierarchy: PARENT (PATH_MAX) the cgroup tend.PID goes in
 * (SETTING, or tendd's own), cgpath.base tend.PID's path; -1 with NOTE
 * saying why not. */
static int
cgroup_paths(const char *setting, char *parent, char *note, size_t notelen)
{
	char buf[16384], mnt[PATH_MAX], own[PATH_MAX];

	if (procinfo_read_file(
	        AT_FDCWD, "/proc/self/mountinfo", buf, sizeof(buf)) < 0 ||
	    procinfo_cgroup2_mount(buf, mnt, sizeof(mnt)) == -1) {
		(void)snprintf(
		    note, notelen, "no cgroup2 mount in /proc/self/mountinfo");
		return -1;
	}
	if (setting[0] == '/') {
		(void)snprintf(own, sizeof(own), "%s", setting);
	} else if (procinfo_read_file(
	               AT_FDCWD, "/proc/self/cgroup", buf, sizeof(buf)) < 0 ||
	           procinfo_cgroup2_path(buf, own, sizeof(own)) == -1) {
		(void)snprintf(note, notelen,
		    "/proc/self/cgroup: no cgroup v2 path (0::)");
		return -1;
	}
	if (snprintf(parent, PATH_MAX, "%s%s", mnt,
	        strcmp(own, "/") == 0 ? "" : own) >= (int)PATH_MAX ||
	    snprintf(cgpath.base, sizeof(cgpath.base), "%s/tend.%ld", parent,
	        (long)getpid()) >= (int)sizeof(cgpath.base)) {
		(void)snprintf(note, notelen, "cgroup path too long");
		return -1;
	}
	return 0;
}

/* Find the hierarchy and make tend.PID; -1 with NOTE saying why not. */
static int
cgroup_setup(const char *setting, char *note, size_t notelen)
{
	char buf[16384], parent[PATH_MAX];
	ssize_t n;
	int pfd;

	if (cgroup_paths(setting, parent, note, notelen) == -1)
		return -1;
	if (setting[0] == '/' && mkdir(parent, 0755) == -1 && errno != EEXIST) {
		(void)snprintf(
		    note, notelen, "mkdir %s: %s", parent, strerror(errno));
		return -1;
	}
	cgroup_sweep_stale(parent);
	if (mkdir(cgpath.base, 0755) == -1 && errno != EEXIST) {
		(void)snprintf(
		    note, notelen, "mkdir %s: %s", cgpath.base, strerror(errno));
		return -1;
	}
	cg.basefd = open(cgpath.base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg.basefd < 0) {
		(void)snprintf(
		    note, notelen, "open %s: %s", cgpath.base, strerror(errno));
		(void)rmdir(cgpath.base);
		return -1;
	}
	/* Ours while we live: cgroup_sweep_stale() of other tendds skips a
	 * locked directory (the lock goes with the fd when we die). */
	if (flock(cg.basefd, LOCK_EX | LOCK_NB) == -1)
		log_warn("flock %s", cgpath.base);
	/* Can we move a process there?  Ourselves would change our own
	 * cgroup; writing to cgroup.procs needs write access to it and to
	 * the common ancestor's (cgroup-v2.rst "Delegation Containment"),
	 * which access(2) approximates without side effects. */
	if (faccessat(cg.basefd, "cgroup.procs", W_OK, 0) == -1) {
		(void)snprintf(note, notelen, "%s/cgroup.procs: %s", cgpath.base,
		    strerror(errno));
		goto undo;
	}
	/* The parent may enable controllers only if it holds no process
	 * of its own (the root may always); errors just leave them off. */
	if ((pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		cgroup_enable(pfd);
		(void)close(pfd);
	}
	cgroup_enable(cg.basefd);
	n = procinfo_read_file(
	    cg.basefd, "cgroup.subtree_control", buf, sizeof(buf));
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (n <= 0 || (size_t)n >= sizeof(cgpath.controllers))
		buf[0] = '\0';
	memcpy(cgpath.controllers, buf, strlen(buf) + 1);
	cg.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (cg.ifd < 0) {
		(void)snprintf(
		    note, notelen, "inotify_init1: %s", strerror(errno));
		goto undo;
	}
	return 0;
undo:
	(void)close(cg.basefd);
	cg.basefd = -1;
	(void)rmdir(cgpath.base);
	return -1;
}

int
cgroup_init(struct ev_loop *loop, const struct svctab *tab, const char *setting,
    cgroup_empty_fn *on_empty, char *note, size_t notelen, char *err,
    size_t errlen)
{
	cg.loop = loop;
	cg.tab = tab;
	cg.on_empty = on_empty;
	note[0] = '\0';
	if (setting == NULL)
		setting = "auto";
	ev_timer_init(
	    &cg.poll, cgroup_poll_cb, CGROUP_POLL_SECONDS, CGROUP_POLL_SECONDS);
	if (strcmp(setting, "off") == 0)
		return 0;
	if (strcmp(setting, "auto") != 0 && setting[0] != '/') {
		(void)snprintf(err, errlen,
		    "cgroup: '%s' is not auto, off or an absolute path",
		    setting);
		return -1;
	}
#ifndef HAVE_CGROUPS
	/* auto falls back, as where cgroup v2 cannot be used, but
	 * silently: this tendd was built that way. */
	if (setting[0] == '/') {
		(void)snprintf(err, errlen,
		    "cgroup: %s: not built into this tendd (configured "
		    "--disable-cgroups)",
		    setting);
		return -1;
	}
	return 0;
#endif
	if (cgroup_setup(setting, note, notelen) == -1) {
		cgpath.base[0] = '\0';
		return 0;
	}
	cg.on = true;
	ev_io_init(&cg.iio, cgroup_inotify_cb, cg.ifd, EV_READ);
	ev_io_start(loop, &cg.iio);
	log_info("tracking processes with cgroup v2 under %s (controllers: "
	         "%s)",
	    cgpath.base, cgpath.controllers[0] != '\0' ? cgpath.controllers : "none");
	return 0;
}

void
cgroup_set_table(const struct svctab *tab)
{
	cg.tab = tab;
}

const char *
cgroup_mode(void)
{
	return CG_ON() ? "cgroup" : "session";
}

const char *
cgroup_base(void)
{
	return CG_ON() ? cgpath.base : "";
}

const char *
cgroup_controllers(void)
{
	return cgpath.controllers;
}

size_t
cgroup_check_conf(const struct conf_proc *c, const char *fullname,
    void (*warn)(const char *msg))
{
	static const struct {
		const char *key, *ctl;
	} keys[] = {{"memory_max", "memory"}, {"memory_high", "memory"},
	    {"cpu_max", "cpu"}};
	bool set[] = {c->memory_max > 0, c->memory_high > 0, c->cpu_max > 0};
	char msg[PATH_MAX + 512];
	size_t i, n = 0;

	if (!CG_BUILT) /* the three keys are refused (config_keys.c) */
		return 0;
	for (i = 0; i < TEND_NELEM(keys); i++) {
		if (!set[i])
			continue;
		if (!CG_ON())
			(void)snprintf(msg, sizeof(msg),
			    "%s: %s: not applied: processes are not tracked "
			    "with cgroups (session mode)",
			    fullname, keys[i].key);
		else if (!cgroup_has_controller(keys[i].ctl))
			(void)snprintf(msg, sizeof(msg),
			    "%s: %s: not applied: the %s controller is not "
			    "available in %s (enabled: %s)",
			    fullname, keys[i].key, keys[i].ctl, cgpath.base,
			    cgpath.controllers[0] != '\0' ? cgpath.controllers
			                              : "none");
		else
			continue;
		warn(msg);
		n++;
	}
	return n;
}

/* ---- per process ------------------------------------------------------ */

static struct cgroup_track *
cgroup_track_of(struct proc *p)
{
	struct cgroup_track *t = p->track;

	if (t != NULL)
		return t;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->wd = -1;
	p->track = t;
	return t;
}

/* The cgroup directory name of P: its full name ("web:web_00"); a '/'
 * cannot occur in names (config.c refuses it). */
static const char *
cgroup_name(const struct proc *p)
{
	return p->fullname;
}

/* FILE of P's cgroup, relative to cg.basefd, in BUF; "" if it does not
 * fit (openat() then fails with ENOENT). */
static const char *
cgroup_file(const struct proc *p, const char *file, char buf[PATH_MAX])
{
	if (snprintf(buf, PATH_MAX, "%s/%s", cgroup_name(p), file) >=
	    PATH_MAX) {
		errno = ENAMETOOLONG;
		return "";
	}
	return buf;
}

/* Forget P's cgroup directory (gone, or to be made afresh). */
static void
cgroup_unwatch(struct cgroup_track *t)
{
	if (CG_BUILT && t->wd >= 0)
		(void)inotify_rm_watch(cg.ifd, t->wd);
	t->wd = -1;
	t->dir = false;
	t->killed = false;
}

/*
 * P's limits onto its cgroup FD, at every spawn: a reload may have changed
 * them.  A new cgroup has none ("max"), and most services set none: then
 * nothing is written (three files opened and written per spawn, else).
 */
static void
cgroup_limits(struct proc *p, struct cgroup_track *t, int fd)
{
	const struct conf_proc *c = p->conf;
	bool none = c->memory_max == 0 && c->memory_high == 0 &&
	            c->cpu_max <= 0;
	char v[64];

	if (none && t->unlimited)
		return;
	t->unlimited = none;
	if (cgroup_has_controller("memory")) {
		(void)snprintf(
		    v, sizeof(v), "%llu", (unsigned long long)c->memory_max);
		if (cgroup_write(
		        fd, "memory.max", c->memory_max > 0 ? v : "max") == -1)
			log_warn("%s: memory.max", p->fullname);
		(void)snprintf(
		    v, sizeof(v), "%llu", (unsigned long long)c->memory_high);
		if (cgroup_write(fd, "memory.high",
		        c->memory_high > 0 ? v : "max") == -1)
			log_warn("%s: memory.high", p->fullname);
	}
	if (cgroup_has_controller("cpu")) {
		if (c->cpu_max > 0)
			(void)snprintf(v, sizeof(v), "%lld %d",
			    (long long)(c->cpu_max / 100 * CGROUP_CPU_PERIOD),
			    CGROUP_CPU_PERIOD);
		else
			(void)snprintf(
			    v, sizeof(v), "max %d", CGROUP_CPU_PERIOD);
		if (cgroup_write(fd, "cpu.max", v) == -1)
			log_warn("%s: cpu.max", p->fullname);
	}
}

static long long
cgroup_oom_count(int dfd, const char *file)
{
	char buf[512];
	long long v = 0;

	/* Without the memory controller there is no memory.events. */
	if (!cgroup_has_controller("memory") ||
	    procinfo_read_file(dfd, file, buf, sizeof(buf)) <= 0 ||
	    procinfo_flat_key(buf, "oom_kill", &v) == -1)
		return 0;
	return v;
}

/*
 * Fold the CPU statistics of every cgroup below tend.PID into tend.PID
 * at once, by reading its cpu.stat, before removing them one by one.
 * The kernel keeps the cgroups with unflushed statistics on a per-CPU
 * list of their parent's that is singly linked, and flushing one cgroup
 * at its release walks that list to unlink it (kernel/cgroup/rstat.c):
 * with N services that all ran, removing them costs N^2/2 steps under
 * cgroup_mutex, which the removals in turn wait for.  A flush from
 * tend.PID takes the whole list in one pass.  At 10,000 services right
 * after a restart of all, tendd's exit took 3.1-3.6 s without it and
 * 0.5 s with it.  So every removal flushes first: one read of ~20 us
 * against a walk of up to N.  cpu.stat is the core's: it exists without
 * the cpu controller.
 */
static void
cgroup_flush_stats(void)
{
	char buf[512];

	if (CG_BUILT && cg.basefd >= 0)
		(void)procinfo_read_file(cg.basefd, "cpu.stat", buf, sizeof(buf));
}

int
cgroup_prepare(struct proc *p)
{
	struct cgroup_track *t;
	char f[PATH_MAX];
	bool made;
	int fd;

	if (!CG_ON() || (t = cgroup_track_of(p)) == NULL)
		return -1;
	/*
	 * A cgroup that cgroup.kill was used on kills every child cloned
	 * into it with CLONE_INTO_CGROUP at once (seen on 6.x: the fork
	 * compares the kill sequence of the parent's cgroup with the
	 * target's).  Start over with a fresh cgroup when it is empty;
	 * otherwise the child joins through cgroup.procs (spawn.c, told by
	 * cgroup_clone_into_ok()).
	 */
	/* Removed behind our back (an administrator, an old tendd's sweep):
	 * CLONE_INTO_CGROUP would fail with ENOENT; make a new one. */
	if (HAS_DIR(t) &&
	    faccessat(cg.basefd, cgroup_file(p, "cgroup.procs", f), F_OK, 0) ==
	        -1 &&
	    errno == ENOENT)
		cgroup_unwatch(t);
	if (t->killed && HAS_DIR(t)) {
		cgroup_flush_stats();
		if (unlinkat(cg.basefd, cgroup_name(p), AT_REMOVEDIR) == 0)
			cgroup_unwatch(t);
	}
	if (!HAS_DIR(t)) {
		made = mkdirat(cg.basefd, cgroup_name(p), 0755) == 0;
		if (!made && errno != EEXIST) {
			log_warn("%s: mkdir %s/%s; tracking by session",
			    p->fullname, cgpath.base, cgroup_name(p));
			return -1;
		}
		t->unlimited = made; /* a new cgroup has no limits */
	}
	/* O_PATH is enough for CLONE_INTO_CGROUP (clone(2)) and as the
	 * directory of openat(), and costs no real open.  Held only for
	 * this spawn: the caller closes it. */
	if (util_fault("cgroup_open")) {
		errno = EMFILE;
		fd = -1;
	} else
		fd = openat(cg.basefd, cgroup_name(p),
		    O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		log_warn("%s: open %s/%s; tracking by session", p->fullname,
		    cgpath.base, cgroup_name(p));
		/* Made or not, cgroup_forget() removes it. */
		return -1;
	}
	t->dir = true;
	cgroup_limits(p, t, fd);
	t->oom_base = cgroup_oom_count(fd, "memory.events");
	return fd;
}

void
cgroup_spawned(struct proc *p)
{
	struct cgroup_track *t = cgroup_track_of(p);

	if (t == NULL)
		return;
	t->sid = p->pid;
	t->since = util_monotonic();
	p->leftovers = 0;
	p->leftover_pid = 0;
	p->stuck = false;
}

void
cgroup_carry(const struct proc *p, long long *oom_base, bool *killed)
{
	const struct cgroup_track *t = p->track;

	*oom_base = t != NULL ? t->oom_base : 0;
	*killed = t != NULL && t->killed;
}

void
cgroup_adopt(struct proc *p, long long oom_base, bool killed)
{
	struct cgroup_track *t;
	char f[PATH_MAX];

	if ((t = cgroup_track_of(p)) == NULL)
		return;
	t->sid = p->pid;
	t->since = util_monotonic();
	t->oom_base = oom_base;
	t->killed = killed;
	/* tend.PID is the same directory (the PID is): the process's
	 * cgroup is still there, unless it ran untracked. */
	t->dir = CG_ON() && faccessat(cg.basefd,
	                      cgroup_file(p, "cgroup.procs", f), F_OK, 0) == 0;
}

bool
cgroup_oom_killed(struct proc *p)
{
	struct cgroup_track *t = p->track;
	char f[PATH_MAX];

	return t != NULL && HAS_DIR(t) &&
	       cgroup_oom_count(cg.basefd,
	           cgroup_file(p, "memory.events", f)) > t->oom_base;
}

bool
cgroup_clone_into_ok(const struct proc *p)
{
	const struct cgroup_track *t = p->track;

	return t == NULL || !t->killed;
}

const char *
cgroup_tracking(const struct proc *p)
{
	const struct cgroup_track *t = p->track;

	return t != NULL && HAS_DIR(t) ? "cgroup" : "session";
}

/* ---- membership ------------------------------------------------------- */

/* The pids in cgroup.procs of P's cgroup, malloc'd. */
static int
cgroup_read_procs(const struct proc *p, pid_t **pids, size_t *n)
{
	size_t cap = 8192, got = 0, k = 0;
	char *buf = NULL, *s, *nb, path[PATH_MAX];
	ssize_t r;
	int pfd;

	*pids = NULL;
	*n = 0;
	pfd = openat(cg.basefd, cgroup_file(p, "cgroup.procs", path),
	    O_RDONLY | O_CLOEXEC);
	if (pfd < 0)
		return -1;
	for (;;) {
		if (got + 1 >= cap || buf == NULL) {
			cap = buf == NULL ? cap : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nb;
		}
		r = read(pfd, buf + got, cap - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	(void)close(pfd);
	for (s = buf; *s != '\0'; s++)
		k += *s == '\n';
	if ((*pids = calloc(k + 1, sizeof(**pids))) == NULL) {
		free(buf);
		return -1;
	}
	for (s = buf; *s != '\0';) {
		char *end;
		long v = strtol(s, &end, 10);

		if (end == s)
			break;
		if (v > 0 && *n < k + 1)
			(*pids)[(*n)++] = (pid_t)v;
		s = end;
		while (*s == '\n')
			s++;
	}
	free(buf);
	return 0;
fail:
	free(buf);
	(void)close(pfd);
	return -1;
}

/* cgroup_members(); without STAT, a cgroup's members come without ppid
 * and starttime (no /proc/PID/stat read each). */
static int
cgroup_members_stat(const struct proc *p, bool stat,
    struct cgroup_member **out, size_t *nout)
{
	struct cgroup_track *t = p->track;
	struct procinfo_stat st;
	struct cgroup_member *v;
	pid_t *pids;
	size_t i, n, k = 0;

	*out = NULL;
	*nout = 0;
	if (t == NULL)
		return 0;
	if (!HAS_DIR(t))
		return cgroup_fallback_members(cg.tab, cg.loop, t->sid, out, nout);
	if (cgroup_read_procs(p, &pids, &n) == -1)
		return -1;
	if ((v = calloc(n + 1, sizeof(*v))) == NULL) {
		free(pids);
		return -1;
	}
	for (i = 0; i < n; i++) {
		/* Gone between the two reads: not a member any more. */
		if (stat && procinfo_read_stat(pids[i], &st) == -1)
			continue;
		v[k].pid = pids[i];
		v[k].ppid = stat ? st.ppid : 0;
		v[k].starttime = stat ? st.starttime : 0;
		k++;
	}
	free(pids);
	*out = v;
	*nout = k;
	return 0;
}

int
cgroup_members(const struct proc *p, struct cgroup_member **out, size_t *nout)
{
	return cgroup_members_stat(p, true, out, nout);
}

int
cgroup_member_pids(
    const struct proc *p, struct cgroup_member **out, size_t *nout)
{
	return cgroup_members_stat(p, false, out, nout);
}

/*
 * Watch P's cgroup.events (inotify) for the moment it empties.  Only once
 * a process outlives the main one: while the main process lives the
 * cgroup cannot be empty, and a watch on every cgroup would wake tendd at
 * each spawn and exit (populated changes).  The caller counts the members
 * after this, so an emptying in between is not missed.
 */
static void
cgroup_watch(struct proc *p, struct cgroup_track *t)
{
	char path[PATH_MAX];

	if (t->wd >= 0 || !HAS_DIR(t))
		return;
	if (snprintf(path, sizeof(path), "%s/%s/cgroup.events", cgpath.base,
	        cgroup_name(p)) < (int)sizeof(path))
		t->wd = inotify_add_watch(cg.ifd, path, IN_MODIFY);
	if (t->wd < 0)
		log_warn("%s: inotify_add_watch %s", p->fullname, path);
}

/* The members of P's cgroup but its main process, the first one into
 * p->leftover_pid: cgroup.procs alone, no stat needed to count. */
static int
cgroup_count_others(struct proc *p, const struct cgroup_track *t)
{
	pid_t *pids = NULL;
	size_t n = 0, i;
	int left = 0;

	p->leftover_pid = 0;
	if (cgroup_read_procs(p, &pids, &n) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (pids[i] != p->pid) {
			if (left++ == 0)
				p->leftover_pid = pids[i];
		}
	free(pids);
	return left;
}

int
cgroup_leftovers(struct proc *p)
{
	struct cgroup_track *t = p->track;
	struct cgroup_member *v = NULL;
	size_t n = 0, i;
	int left = 0;

	p->leftovers = 0;
	p->leftover_pid = 0;
	if (t == NULL)
		return 0;
	if (HAS_DIR(t)) {
		left = cgroup_count_others(p, t);
		/* Something outlives the main process: from now on its
		 * leaving is an event (cgroup_watch), so count again. */
		if (left > 0 && t->wd < 0) {
			cgroup_watch(p, t);
			left = cgroup_count_others(p, t);
		}
	} else {
		/* Count from a scan made after the main process exited:
		 * one made before could miss a process it forked just
		 * before exiting.  This turn's scan will do if it saw the
		 * exit; else scan afresh.  (Scanning afresh every time, a
		 * stop all of 10,000 scanned /proc 10,000 times: ~7 min.) */
		if (!cgroup_scan_saw_exit(cg.loop, t->sid, t->since))
			cgroup_scan_stale();
		if (cgroup_fallback_members(cg.tab, cg.loop, t->sid, &v, &n) == -1)
			return 0;
		for (i = 0; i < n; i++)
			if (v[i].pid != p->pid) {
				if (left++ == 0)
					p->leftover_pid = v[i].pid;
			}
		free(v);
	}
	p->leftovers = left;
	return left;
}

void
cgroup_orphans_reaped(void)
{
	cgroup_scan_stale();
}

/* Signal one member through a pidfd, after checking that the pid still
 * names the process we listed (same start time): a pid may be recycled
 * between the listing and the kill (pidfd_open(2)). */
static int
cgroup_signal_member(const struct cgroup_member *m, int sig)
{
	struct procinfo_stat st;
	int fd, rc;

	fd = (int)syscall(SYS_pidfd_open, m->pid, 0);
	if (fd < 0)
		return -1;
	rc = -1;
	if (procinfo_read_stat(m->pid, &st) == 0 &&
	    st.starttime == m->starttime)
		rc = (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
	else
		errno = ESRCH;
	(void)close(fd);
	return rc;
}

static bool
cgroup_any_draining(void)
{
	size_t i;

	for (i = 0; cg.tab != NULL && i < cg.tab->nprocs; i++)
		if (cg.tab->procs[i]->draining)
			return true;
	return false;
}

int
cgroup_kill_leftovers(struct proc *p, int sig)
{
	struct cgroup_track *t = p->track;
	struct cgroup_member *v = NULL;
	size_t n = 0, i, hit = 0;
	char f[PATH_MAX];

	if (t == NULL)
		return 0;
	/* Their end is what a stop waits for (cgroup_leftovers() has
	 * watched already when it counted them). */
	cgroup_watch(p, t);
	/* cgroup.kill (5.14) kills the whole cgroup at once, forks in
	 * flight included; the main process is reaped or being killed. */
	if (sig == SIGKILL && HAS_DIR(t) &&
	    cgroup_write(cg.basefd, cgroup_file(p, "cgroup.kill", f), "1") ==
	        0) {
		t->killed = true;
		log_info("%s: SIGKILL to its cgroup", p->fullname);
		return 0;
	}
	cgroup_scan_stale(); /* a fresh scan: we are about to act on it */
	if (cgroup_members(p, &v, &n) == -1) {
		log_warn("%s: listing its processes", p->fullname);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (v[i].pid == p->pid)
			continue;
		if (cgroup_signal_member(&v[i], sig) == 0)
			hit++;
		else if (errno != ESRCH)
			log_warn("%s: kill(%ld, %s)", p->fullname,
			    (long)v[i].pid, util_signal_name(sig));
	}
	free(v);
	if (hit > 0)
		log_info("%s: SIG%s to %zu leftover process%s", p->fullname,
		    util_signal_name(sig), hit, hit == 1 ? "" : "es");
	if (!HAS_DIR(t) && !ev_is_active(&cg.poll))
		ev_timer_start(cg.loop, &cg.poll);
	return 0;
}

void
cgroup_find_stuck(struct proc *p)
{
	struct cgroup_member *v = NULL;
	struct procinfo_stat st;
	size_t n = 0, i;

	p->stuck_pid = p->pid;
	p->stuck_state = '?';
	if (p->pid > 0 && procinfo_read_stat(p->pid, &st) == 0) {
		p->stuck_state = st.state;
		return;
	}
	cgroup_scan_stale();
	if (cgroup_members(p, &v, &n) == -1)
		return;
	for (i = 0; i < n; i++)
		if (procinfo_read_stat(v[i].pid, &st) == 0) {
			p->stuck_pid = v[i].pid;
			p->stuck_state = st.state;
			/* The D one is the one worth naming. */
			if (st.state == 'D')
				break;
		}
	free(v);
}

/* ---- events ------------------------------------------------------------ */

static struct proc *
cgroup_proc_of_wd(int wd)
{
	size_t i;

	for (i = 0; cg.tab != NULL && i < cg.tab->nprocs; i++) {
		struct cgroup_track *t = cg.tab->procs[i]->track;

		if (t != NULL && t->wd == wd)
			return cg.tab->procs[i];
	}
	return NULL;
}

/* Check P's cgroup.events; report emptiness. */
static void
cgroup_check_events(struct proc *p)
{
	struct cgroup_track *t = p->track;
	char buf[256], f[PATH_MAX];
	long long populated = 1;

	if (t == NULL || !HAS_DIR(t) ||
	    procinfo_read_file(cg.basefd, cgroup_file(p, "cgroup.events", f),
	        buf, sizeof(buf)) <= 0 ||
	    procinfo_flat_key(buf, "populated", &populated) == -1 ||
	    populated != 0)
		return;
	p->leftovers = 0;
	p->leftover_pid = 0;
	if (p->pid == 0)
		p->stuck = false;
	cg.on_empty(p);
}

static void
cgroup_inotify_cb(struct ev_loop *l, ev_io *w, int revents)
{
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	char *s;

	for (;;) {
		n = read(cg.ifd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		for (s = buf; s < buf + n; s += sizeof(*ev) + ev->len) {
			struct proc *p;

			ev = (const struct inotify_event *)(void *)s;
			if ((ev->mask & IN_MODIFY) &&
			    (p = cgroup_proc_of_wd(ev->wd)) != NULL)
				cgroup_check_events(p);
		}
	}
}

/* Fallback: while something drains, look for its leftovers. */
static void
cgroup_poll_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	size_t i;

	cgroup_scan_stale();
	for (i = 0; cg.tab != NULL && i < cg.tab->nprocs; i++) {
		struct proc *p = cg.tab->procs[i];

		if (p->draining && cgroup_leftovers(p) == 0)
			cg.on_empty(p);
	}
	if (!cgroup_any_draining())
		ev_timer_stop(l, w);
}

/* ---- the end ----------------------------------------------------------- */

/* Let go of P's cgroup: the watch, the directory, the record. */
static void
cgroup_remove(struct proc *p)
{
	struct cgroup_track *t = p->track;

	if (t == NULL)
		return;
	cgroup_unwatch(t);
	/* Whether or not opening it ever worked (cgroup_prepare): a
	 * directory made and then not opened must not be left behind.
	 * EBUSY: something is still in it (unkillable); leave it. */
	if (CG_BUILT && cg.basefd >= 0 &&
	    unlinkat(cg.basefd, cgroup_name(p), AT_REMOVEDIR) == -1 &&
	    errno != ENOENT)
		log_warn("%s: rmdir %s/%s", p->fullname, cgpath.base,
		    cgroup_name(p));
	free(t);
	p->track = NULL;
}

void
cgroup_forget(struct proc *p)
{
	if (p->track != NULL)
		cgroup_flush_stats();
	cgroup_remove(p);
}

/* Back to session mode, before any process was spawned. */
static void
cgroup_off(void)
{
	if (cg.ifd >= 0) {
		ev_io_stop(cg.loop, &cg.iio);
		(void)close(cg.ifd);
		cg.ifd = -1;
	}
	(void)unlinkat(cg.basefd, CGROUP_SELF, AT_REMOVEDIR);
	(void)close(cg.basefd);
	cg.basefd = -1;
	(void)rmdir(cgpath.base);
	cgpath.base[0] = '\0';
	cg.on = false;
}

int
cgroup_delegate(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	static const char *const files[] = {
	    "cgroup.procs", "cgroup.threads", "cgroup.subtree_control"};
	char self[PATH_MAX], pid[24];
	const char *what = "mkdir";
	size_t i;
	int fd = -1;

	if (!CG_ON())
		return 0;
	(void)snprintf(self, sizeof(self), "%s/%s", CGROUP_SELF, "cgroup.procs");
	if (mkdirat(cg.basefd, CGROUP_SELF, 0755) == -1 && errno != EEXIST)
		goto fail;
	what = "chown";
	if (fchown(cg.basefd, uid, gid) == -1 ||
	    fchownat(cg.basefd, CGROUP_SELF, uid, gid, 0) == -1 ||
	    fchownat(cg.basefd, self, uid, gid, 0) == -1)
		goto fail;
	for (i = 0; i < TEND_NELEM(files); i++)
		if (fchownat(cg.basefd, files[i], uid, gid, 0) == -1)
			goto fail;
	what = "cgroup.procs";
	(void)snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if ((fd = openat(cg.basefd, self, O_WRONLY | O_CLOEXEC)) == -1 ||
	    write(fd, pid, strlen(pid)) == -1)
		goto fail;
	(void)close(fd);
	cg.delegated = true;
	return 0;
fail:
	(void)snprintf(err, errlen, "%s %s/%s: %s", what, cgpath.base,
	    CGROUP_SELF, strerror(errno));
	if (fd >= 0)
		(void)close(fd);
	cgroup_off();
	return -1;
}

void
cgroup_close(const struct svctab *tab)
{
	size_t i;

	cgroup_flush_stats(); /* once for all */
	for (i = 0; tab != NULL && i < tab->nprocs; i++)
		cgroup_remove(tab->procs[i]);
	if (cg.loop != NULL) {
		ev_timer_stop(cg.loop, &cg.poll);
		if (CG_BUILT && cg.ifd >= 0)
			ev_io_stop(cg.loop, &cg.iio);
	}
	if (CG_BUILT && cg.ifd >= 0)
		(void)close(cg.ifd);
	cg.ifd = -1;
	/* Delegated, tendd is inside and its parent is root's: the next
	 * tendd sweeps it (cgroup_sweep_stale). */
	if (CG_BUILT && cg.basefd >= 0) {
		(void)close(cg.basefd);
		if (!cg.delegated && rmdir(cgpath.base) == -1 &&
		    errno != ENOENT)
			log_warn("rmdir %s", cgpath.base);
	}
	cg.basefd = -1;
	cgroup_scan_free();
}

/*
 * spawn.c: starting one process.
 *
 * Owns: the exec-failure pipe, the output pipes, clone3(CLONE_PIDFD) (or
 * fork + pidfd_open on kernels without clone3), and the child-side order
 * that DESIGN.md pins: session, credentials, directory, umask,
 * PR_SET_PDEATHSIG, the getppid() check, signal reset, fds, exec.
 *
 * Rooms: this file is the parent side; the child's code is spawn_child.c,
 * the environment and credentials it is handed are built in spawn_env.c.
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
#include "spawn_impl.h"

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

/* PATH for a child whose environment has none (systemd's default). */
#define SPAWN_DEFAULT_PATH                                                     \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Frames: children that may be between clone and exec at once.  A child
 * leaves its frame within a few hundred microseconds (its exec) on an
 * idle machine, so two are rarely in use; but exec health probes come in
 * bursts (processes started together are probed together), and on a
 * loaded machine a child waits milliseconds for a CPU to exec on: with 4
 * frames nearly every probe's spawn waited for one (a futex wait per
 * probe, and a fork-like clone after a wait timed out).  16: two tendds
 * of 100 exec-probed services side by side (bench/results.md, issue 19)
 * at load 31-42, 375 -> 200 and 280 -> 222 us of tendd's CPU per probe
 * (medians, the two start orders).  Frames are taken lowest first, so
 * the stacks of the upper ones are touched (resident), and their
 * sockets made, only under such bursts. */
#define SPAWN_FRAMES 16
/* How long a spawn waits for a frame when all are in use, seconds. */
#define SPAWN_FRAME_WAIT 0.02
/* A frame's stack: the child's deepest call holds a PATH_MAX buffer.
 * Pages never touched cost nothing. */
#define SPAWN_STACK_SIZE (64 * 1024)

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
	uint64_t use;         /* spawn_kit.uses when last taken */
};

/* Set up at the first spawn (spawn_kit_init) and kept. */
static struct {
	bool ready;
	int null;         /* /dev/null, >= 3 */
	uint64_t ignored; /* SIG_IGN at the first spawn, bit SIG - 1 */
	unsigned keep;    /* null + 1 (a frame's child keeps its sock[1]
			     too: spawn_frame_fill) */
	struct spawn_frame *frames; /* SPAWN_FRAMES, NULL: none */
	uint64_t uses;              /* frames taken so far: their order */
	bool vm_off;                /* the kernel refused: fork-like only */
	bool congested;             /* a frame wait timed out */
	struct spawn_env environ;   /* spawn_env_base() */
} spawn_kit;

/* Every fd spawn_start() may open, so one function can close them all. */
struct spawn_fds {
	int exec[2];
	int out[2];
	int err[2];
	int in[2];
};

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
		/* Its socket at its first use (spawn_frame_get): the
		 * upper frames serve only bursts. */
		f->sock[0] = f->sock[1] = -1;
		if (mprotect(map + i * span, (size_t)page, PROT_NONE) < 0) {
			log_warn("spawn: frames; children are cloned as by "
			         "fork");
			(void)munmap(map, span * SPAWN_FRAMES);
			free(v);
			return;
		}
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
	struct spawn_frame *f, *found = NULL, *oldest = NULL;
	size_t i;

	if (spawn_kit.vm_off || spawn_kit.frames == NULL)
		return NULL;
	for (i = 0; i < SPAWN_FRAMES; i++) {
		f = &spawn_kit.frames[i];
		if (__atomic_load_n(&f->busy, __ATOMIC_ACQUIRE) != 0) {
			if (oldest == NULL || f->use < oldest->use)
				oldest = f;
			continue;
		}
		if (f->sent || f->copy != NULL || f->env.v != NULL)
			spawn_frame_clean(f);
		if (found == NULL)
			found = f; /* the lowest: see SPAWN_FRAMES */
	}
	if (found == NULL && oldest != NULL && !spawn_kit.congested) {
		/* The frame taken longest ago holds the oldest child. */
		if (spawn_frame_wait(oldest)) {
			spawn_frame_clean(oldest);
			found = oldest;
		} else {
			spawn_kit.congested = true;
		}
	}
	if (found != NULL && found->sock[0] < 0 &&
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, found->sock) <
	        0) {
		log_warn("spawn: frame socket; this child is cloned as by fork");
		found->sock[0] = found->sock[1] = -1;
		return NULL;
	}
	if (found != NULL) {
		spawn_kit.congested = false;
		found->use = ++spawn_kit.uses;
	}
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
	spawn_close(&f->in[0]);
	spawn_close(&f->in[1]);
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
	/* TEND_FAULT=spawn_pipe:N: the system's file table is full. */
	if (util_fault("spawn_pipe") ? (errno = ENFILE, true)
	                              : pipe2(fds, O_CLOEXEC | flags) < 0) {
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

/*
 * The stdin pipe: the child's read end blocks as a terminal's would, ours
 * (the write end) does not: tendd queues what does not fit (feed.c).
 */
static int
spawn_stdin_pipe(int fds[2], char *err, size_t errlen)
{
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (fcntl(fds[1], F_SETFL, O_NONBLOCK) < 0) {
		snprintf(err, errlen, "stdin pipe: fcntl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Make the pipes and tell the plan where the child's fds come from
 * (STDIN_FD: spawn_opts'). */
static int
spawn_fds_open(const struct conf_proc *c, const struct spawn_opts *o,
    struct spawn_fds *f, struct spawn_plan *pl, char *err, size_t errlen)
{
	int stdin_fd = o->stdin_fd;

	/* A shared report socket: one pipe fewer to make, pass and close
	 * per spawn (exec health probes). */
	if (o->report_fd < 3 &&
	    spawn_pipe(f->exec, O_NONBLOCK, "exec", err, errlen) < 0)
		return -1;
	/* A NONE stream is still captured when it goes to syslog or to
	 * supervisord's events; a listener's stdout always is (its
	 * protocol). */
	if ((conf_log_captured(&c->out) || conf_is_listener(c)) &&
	    spawn_pipe(f->out, 0, "stdout", err, errlen) < 0)
		return -1;
	if (!c->redirect_stderr && conf_log_captured(&c->err) &&
	    spawn_pipe(f->err, 0, "stderr", err, errlen) < 0)
		return -1;
	/* fcgi-program's socket is its stdin instead (spawn_start). */
	if (c->stdin_pipe && stdin_fd < 3 &&
	    spawn_stdin_pipe(f->in, err, errlen) < 0)
		return -1;
	pl->null = spawn_kit.null;
	pl->has_out = f->out[1] >= 0;
	pl->has_err = f->err[1] >= 0;
	pl->has_in = f->in[0] >= 0;
	pl->in = f->in[0];
	pl->redirect_stderr = c->redirect_stderr;
	pl->shared_report = o->report_fd >= 3;
	pl->fd[0] = pl->shared_report ? o->report_fd : f->exec[1];
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
	int fds[4], n = 0;

	if (!pl->shared_report)
		fds[n++] = pl->fd[0];
	if (pl->has_out)
		fds[n++] = pl->fd[1];
	if (pl->has_err)
		fds[n++] = pl->fd[2];
	if (pl->has_in)
		fds[n++] = pl->in;
	if (n == 0)
		return 0; /* nothing to take: spawn_child_take_fds() */
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
	fp.fd[1] = fp.fd[2] = fp.in = -1;
	if (!pl->shared_report)
		fp.fd[0] = -1;
	fp.cgroup_fd = -1; /* cloned into it, or none */
	fp.sock = f->sock[1];
	fp.keep = spawn_kit.keep;
	/* Its frame's socket and the shared report socket stay in the
	 * child's table through its close_range(UNSHARE), which copies the
	 * part below keep. */
	if ((unsigned)f->sock[1] >= fp.keep)
		fp.keep = (unsigned)f->sock[1] + 1;
	if (pl->shared_report && (unsigned)pl->fd[0] >= fp.keep)
		fp.keep = (unsigned)pl->fd[0] + 1;
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

/* Ours are the read ends of F, now CHILD's; the child has (or will
 * receive) its ends, closed here. */
static void
spawn_child_take(
    struct spawn_child *child, pid_t pid, int pidfd, struct spawn_fds *f)
{
	child->pid = pid;
	child->pidfd = pidfd;
	child->execfd = f->exec[0];
	child->outfd = f->out[0];
	child->errfd = f->err[0];
	child->infd = f->in[1];
	f->exec[0] = f->out[0] = f->err[0] = f->in[1] = -1;
	spawn_fds_close(f);
}

int
spawn_start(const struct conf_proc *c, const struct spawn_opts *o,
    struct spawn_child *child, char *err, size_t errlen)
{
	struct spawn_fds f = {{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}};
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
	    spawn_env_build(&env, &spawn_kit.environ, c, o, pw, err, errlen) < 0)
		goto fail;
	pl.envp = env.v;
	pl.path = spawn_env_get(&env, "PATH");
	if (pl.path == NULL)
		pl.path = SPAWN_DEFAULT_PATH;
	if (spawn_fds_open(c, o, &f, &pl, err, errlen) < 0)
		goto fail;
	/* fcgi-program's socket: tendd keeps its own; the child's fd 0 is
	 * a copy, made by dup3() in the child. */
	if (o->stdin_fd >= 3) {
		pl.has_in = true;
		pl.in = o->stdin_fd;
	}
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

	spawn_child_take(child, pid, pidfd, &f);
	spawn_plan_free(&pl, &env, pwstr);
	return 0;
fail:
	spawn_fds_close(&f);
	spawn_plan_free(&pl, &env, pwstr);
	return -1;
}

/* Descriptors a process may hold in tendd: pidfd, exec pipe, two output
 * pipes, the stdin pipe, its cgroup's directory. */
#define SPAWN_FDS_PER_PROC 6

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
 * The child writes "PID ERRNO WHAT" (spawn_child_fail); strerror() is ours
 * to call.  Anything else is passed on as it came.  BUF holds N + 1 bytes.
 */
void
spawn_parse_failure(char *buf, size_t n, pid_t *pid, char *msg, size_t len)
{
	char *what, *text = buf;
	long v;

	*pid = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
		n--;
	buf[n] = '\0';
	/* "PID ": spawn_child_fail() */
	if ((what = strchr(text, ' ')) != NULL) {
		*what = '\0';
		if (util_parse_long(text, 1, INT_MAX, &v) == 0) {
			*pid = (pid_t)v;
			text = what + 1;
		} else
			*what = ' ';
	}
	what = strchr(text, ' ');
	if (what != NULL) {
		*what = '\0';
		if (util_parse_long(text, 0, INT_MAX, &v) == 0) {
			snprintf(msg, len, "%s: %s", what + 1, strerror((int)v));
			return;
		}
		*what = ' ';
	}
	snprintf(msg, len, "%s", text);
}

int
spawn_read_failure(int execfd, char *msg, size_t len)
{
	char buf[SPAWN_MSG_MAX + 1];
	ssize_t n;
	pid_t pid;

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
	spawn_parse_failure(buf, (size_t)n, &pid, msg, len);
	return 1;
}

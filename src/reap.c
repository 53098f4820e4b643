/*
 * reap.c: watching, signalling and reaping processes.
 *
 * Owns: one ev_io per service process on its pidfd, the waitid() calls
 * (this file is the only caller of wait*() in tend), pidfd_send_signal(),
 * and reaping the orphans that land on tendd as a child subreaper.
 *
 * Leaves alone: what an exit means (fsm.c, through the on_exit callback),
 * the pipes (logcap.c), starting processes (spawn.c).  Its only state is
 * the loop, the table and the callback given to reap_init().
 */
#include "reap.h"

#include "log.h"
#include "procinfo.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* waitid(2): P_PIDFD arrived in Linux 5.4; older headers lack it. */
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* At most this many children per reap_sigchld(), so a fork bomb of
 * orphans cannot hold the loop; SIGCHLD comes again for the rest. */
#define REAP_MAX_PER_CALL 4096

/*
 * At most this many service exits are collected per reap_sigchld().  A
 * collected exit may restart the service at once, and a crash-looping
 * service dies again before the loop comes round: without a bound, one
 * SIGCHLD callback would run for as long as services keep crashing and
 * the control socket would starve.  Service exits left over are not lost:
 * their own pidfd watchers collect them; orphans queued behind them are
 * looked at again on the next loop turn (reap_again).
 */
#define REAP_MAX_SERVICES_PER_CALL 16

/*
 * The reaper's share of a loop iteration, over pidfd watchers and SIGCHLD
 * together: it takes exits until it has spent REAP_TURN_NS in this
 * iteration (at least one exit per iteration).  What an exit costs
 * differs a hundredfold: one that spawns a replacement (a clone and an
 * exec) takes about a millisecond, one that ends a stop some tens of
 * microseconds.  With a hundred services crash-looping, handling every
 * ready pidfd in one iteration would keep control clients waiting for a
 * hundred spawns; a count of 2 exits per turn (what this was) kept a
 * status call under ~3 ms then (bench churn), but made "stop all" of
 * 10,000 take 5,000 turns.  Two milliseconds are about those two spawns,
 * or about a hundred stops.  A pidfd left over stays readable, so its
 * watcher simply fires again on the next iteration, after the control
 * socket has had its turn.  The allowance is refilled before each poll
 * (ev_prepare).
 *
 * But each pidfd left over is reported again by the next epoll_wait: with
 * B exits waiting, a turn that takes b of them wastes B/b wake-ups per
 * exit.  So the turn's allowance grows by a millisecond per
 * REAP_BACKLOG_PER_MS pidfds turned away in the turn before: 2 ms for a
 * hundred crash-looping services, ~80 ms (a few thousand stops) while
 * 10,000 exit together.
 *
 * And the allowance is at least twice what the turn's first exit took.
 * A cost that the exits of one turn share, paid by the first (session
 * mode's /proc scan, ~100 ms at 10,000 processes: cgroup_scan.c), must
 * be spread over many exits, not paid again in the next turn by one.
 */
#define REAP_TURN_NS 2000000LL
#define REAP_BACKLOG_PER_MS 128

/*
 * reap_sigchld()'s walk (waitid(P_ALL, WNOWAIT)) looks at every child of
 * tendd, so it costs O(services) each time; yet it is needed only for
 * orphans (a service's grandchild re-parented to tendd, the subreaper):
 * every child tendd started is collected through its own pidfd.  And
 * every exit of a child sends SIGCHLD, exec health probes included: a
 * clone without an exit signal does not help, since execve() sets it
 * back to SIGCHLD (de_thread() in the kernel's fs/exec.c).  With 200
 * services probed every second by exec, a walk per probe was ~10% of
 * tendd's CPU.  So after a walk, SIGCHLDs within REAP_WALK_GAP only
 * arm a timer for one more walk at its end: an orphan's zombie lingers
 * at most that long while children exit often, and not at all when
 * they do not (the first SIGCHLD after a quiet spell walks at once).
 * Service and probe exits do not wait for it: their pidfd watchers take
 * them (they run before the SIGCHLD watcher in a loop turn: tendd.c).
 */
#define REAP_WALK_GAP 0.05

static struct ev_loop *reap_loop;
static ev_timer reap_again;
static ev_timer reap_walk_timer; /* a deferred walk: REAP_WALK_GAP */
static double reap_walked;	 /* monotonic: the last walk; 0: none */
static reap_orphans_fn *reap_on_orphans;
static ev_prepare reap_refill;
static long long reap_allow_ns = REAP_TURN_NS; /* this turn's allowance */
static long long reap_turn_t0; /* first exit taken this turn; 0: none yet */
static bool reap_second;       /* a second exit was asked for this turn */
static bool reap_spent;	       /* the allowance is used up */
static int reap_skipped; /* pidfd callbacks turned away this turn */
static const struct svctab *reap_tab;
static reap_exit_fn *reap_on_exit;
static struct reap_child *reap_children; /* see reap_child_watch() */

/* Walk now, and tell the caller of reap_init() about orphans. */
static void
reap_walk(void)
{
	if (reap_sigchld() > 0 && reap_on_orphans != NULL)
		reap_on_orphans();
}

static void
reap_again_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	reap_walk();
}

void
reap_on_sigchld(void)
{
	double now, due;

	if (ev_is_active(&reap_walk_timer) || ev_is_active(&reap_again))
		return; /* a walk is due already: it will see this exit */
	now = util_monotonic();
	due = reap_walked + REAP_WALK_GAP;
	if (reap_walked > 0 && now < due && now >= reap_walked) {
		ev_timer_set(&reap_walk_timer, due - now, 0.);
		ev_timer_start(reap_loop, &reap_walk_timer);
		return;
	}
	reap_walk();
}

static void
reap_refill_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	reap_allow_ns = REAP_TURN_NS +
	    (long long)(reap_skipped / REAP_BACKLOG_PER_MS) * 1000000LL;
	reap_skipped = 0;
	reap_turn_t0 = 0;
	reap_second = false;
	reap_spent = false;
}

static long long
reap_clock_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* May this turn take one more exit?  See REAP_TURN_NS. */
static bool
reap_take(void)
{
	long long now;

	if (reap_spent)
		return false;
	now = reap_clock_ns();
	if (reap_turn_t0 == 0) {
		reap_turn_t0 = now;
		return true;
	}
	if (!reap_second) { /* the first exit took now - t0 */
		reap_second = true;
		if (reap_allow_ns < 2 * (now - reap_turn_t0))
			reap_allow_ns = 2 * (now - reap_turn_t0);
	}
	if (now - reap_turn_t0 < reap_allow_ns)
		return true;
	reap_spent = true;
	return false;
}

void
reap_init(struct ev_loop *loop, const struct svctab *tab, reap_exit_fn *on_exit,
    reap_orphans_fn *on_orphans)
{
	reap_loop = loop;
	reap_tab = tab;
	reap_on_exit = on_exit;
	reap_on_orphans = on_orphans;
	/* Armed only when a reap_sigchld() stopped early, or SIGCHLDs come
	 * close together: idle stays idle. */
	ev_timer_init(&reap_again, reap_again_cb, 0.001, 0.);
	ev_timer_init(&reap_walk_timer, reap_again_cb, 0., 0.);
	/* A prepare watcher never wakes the loop by itself. */
	ev_prepare_init(&reap_refill, reap_refill_cb);
	ev_prepare_start(loop, &reap_refill);
	ev_unref(loop); /* it must not keep ev_run() going either */
}

void
reap_set_table(const struct svctab *tab)
{
	reap_tab = tab;
}

/*
 * The raw system call: glibc's waitid() has no rusage argument, but the
 * kernel's takes one as the fifth (the same numbers wait4() gives).
 */
static int
reap_waitid(
    idtype_t type, id_t id, siginfo_t *si, int options, struct rusage *ru)
{
	int rc;

	do
		rc = (int)syscall(SYS_waitid, type, id, si, options, ru);
	while (rc < 0 && errno == EINTR);
	return rc;
}

static double
reap_tv(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static void
reap_fill_exit(const struct proc *p, const siginfo_t *si,
    const struct rusage *ru, struct proc_exit *ex)
{
	memset(ex, 0, sizeof(*ex));
	ex->valid = true;
	ex->pid = p->pid;
	switch (si->si_code) {
	case CLD_EXITED:
		ex->code = si->si_status;
		break;
	case CLD_DUMPED:
		ex->core = true;
		/* FALLTHROUGH */
	case CLD_KILLED:
		ex->signal = si->si_status;
		break;
	default: /* not asked for (no WSTOPPED/WCONTINUED) */
		ex->code = -1;
		break;
	}
	ex->utime = reap_tv(&ru->ru_utime);
	ex->stime = reap_tv(&ru->ru_stime);
	ex->maxrss_kb = ru->ru_maxrss; /* kilobytes on Linux, getrusage(2) */
	ex->wall = util_realtime();
	if (p->laststart > 0)
		ex->uptime = util_monotonic() - p->laststart;
}

/* Forget P's process: no more watching, no pidfd, no pid. */
static void
reap_forget(struct proc *p)
{
	ev_io_stop(reap_loop, &p->pidfd_io);
	(void)close(p->pidfd);
	p->pidfd = -1;
	p->pid = 0;
}

/*
 * Collect P's status through its pidfd.  1: reaped and on_exit called (P
 * may be gone), 0: not exited yet, -1: error (logged; P untouched).
 */
static int
reap_collect(struct proc *p)
{
	struct proc_exit ex;
	struct rusage ru;
	siginfo_t si;
	int rc;

	memset(&si, 0, sizeof(si));
	memset(&ru, 0, sizeof(ru));
	rc = reap_waitid(P_PIDFD, (id_t)p->pidfd, &si, WEXITED | WNOHANG, &ru);
	/* Before 5.4 waitid() knows no P_PIDFD.  The pid is still safe to
	 * use: we hold the unreaped child, so it cannot be recycled. */
	if (rc < 0 && errno == EINVAL)
		rc = reap_waitid(
		    P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG, &ru);
	if (rc < 0) {
		log_warn("%s: waitid pid %d", p->fullname, (int)p->pid);
		return -1; /* errno kept: log_warn saves it */
	}
	/* WNOHANG and still running: si_pid stays 0 (waitid(2)).  A pidfd
	 * only polls readable at exit, but a spurious wakeup is harmless. */
	if (si.si_pid == 0)
		return 0;

	reap_fill_exit(p, &si, &ru, &ex);
	reap_forget(p);
	/* Last: the callback may free P (a removed process). */
	reap_on_exit(p, &ex);
	return 1;
}

/* The proc whose pidfd_io W is (ev(3): embed watchers, get back with
 * offsetof). */
static struct proc *
reap_proc_of(ev_io *w)
{
	char *base = (char *)w - offsetof(struct proc, pidfd_io);

	return (struct proc *)(void *)base;
}

static void
reap_pidfd_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct proc *p = reap_proc_of(w);
	struct proc_exit ex;

	(void)loop;
	(void)revents;
	if (!reap_take()) {
		reap_skipped++;
		return; /* next iteration: see REAP_TURN_NS */
	}
	if (reap_collect(p) >= 0)
		return;
	if (errno != ECHILD) {
		/* Cannot happen with a valid pidfd; do not spin on it. */
		log_errorx(
		    "%s: pid %d no longer watched", p->fullname, (int)p->pid);
		ev_io_stop(reap_loop, &p->pidfd_io);
		return;
	}
	/* ECHILD: something reaped it behind our back (only reap.c should
	 * wait).  The process is gone and its status with it. */
	memset(&ex, 0, sizeof(ex));
	ex.valid = true;
	ex.code = -1;
	ex.pid = p->pid;
	ex.wall = util_realtime();
	reap_forget(p);
	reap_on_exit(p, &ex);
}

int
reap_now(struct proc *p)
{
	if (p->pidfd < 0)
		return 0;
	return reap_collect(p);
}

void
reap_watch(struct proc *p)
{
	/* A pidfd polls readable (POLLIN) once the process has exited
	 * (pidfd_open(2)); it never needs a write watcher. */
	ev_io_init(&p->pidfd_io, reap_pidfd_cb, p->pidfd, EV_READ);
	ev_io_start(reap_loop, &p->pidfd_io);
}

int
reap_kill(struct proc *p, int sig, bool group)
{
	if (p->pidfd < 0 || p->pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	/*
	 * The group's id is the leader's pid (it called setsid()).  While
	 * the leader is unreaped -- alive or a zombie, which is exactly
	 * while we still hold its pidfd -- that pid cannot be handed to a
	 * new process, and a process group can only be created with its
	 * creator's own pid (setpgid(2), setsid(2)), so -pid cannot name a
	 * stranger's group.  Once reaped, the leftover members keep the id
	 * but it could be recycled, so we stop group kills there.
	 * (A group whose only member is the zombie leader still accepts
	 * kill(); it returns 0 and hits nobody.)
	 *
	 * The leader belongs to its group (a session leader cannot leave
	 * it), so a successful group kill reaches it; sending to it again
	 * through the pidfd would deliver a second signal to programs that
	 * treat a second SIGTERM as "force".  Only when the group does not
	 * exist yet (the child has not reached setsid()) do we fall back to
	 * the pidfd.
	 */
	if (group) {
		if (kill(-p->pid, sig) == 0)
			return 0;
		if (errno != ESRCH)
			return -1;
	}
	/* Never kill(pid): a pidfd names this process, not a recycled pid
	 * (pidfd_send_signal(2)). */
	if (syscall(SYS_pidfd_send_signal, p->pidfd, sig, NULL, 0) < 0)
		return -1;
	return 0;
}

/* ---- children that are not services (reap.h) --------------------------- */

static void
reap_child_unlink(struct reap_child *c)
{
	struct reap_child **pp;

	for (pp = &reap_children; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	c->next = NULL;
}

/* Collect C.  1: reaped and done called, 0: still running, -1: error. */
static int
reap_child_collect(struct reap_child *c)
{
	siginfo_t si;
	int rc, code = -1, sig = 0;

	memset(&si, 0, sizeof(si));
	rc = reap_waitid(P_PIDFD, (id_t)c->pidfd, &si, WEXITED | WNOHANG, NULL);
	if (rc < 0 && errno == EINVAL)
		rc = reap_waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG,
		    NULL);
	if (rc < 0 && errno != ECHILD) {
		log_warn("waitid pid %d", (int)c->pid);
		return -1;
	}
	if (rc == 0 && si.si_pid == 0)
		return 0;
	if (rc == 0 && si.si_code == CLD_EXITED)
		code = si.si_status;
	else if (rc == 0)
		sig = si.si_status;
	ev_io_stop(reap_loop, &c->io);
	reap_child_unlink(c);
	(void)close(c->pidfd);
	c->pidfd = -1;
	c->pid = 0;
	c->done(c, code, sig);
	return 1;
}

static void
reap_child_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct reap_child *c =
	    (struct reap_child *)(void *)((char *)w -
	                                  offsetof(struct reap_child, io));

	if (reap_child_collect(c) == -1)
		ev_io_stop(reap_loop, &c->io); /* do not spin on it */
}

void
reap_child_watch(struct reap_child *c)
{
	c->next = reap_children;
	reap_children = c;
	ev_io_init(&c->io, reap_child_cb, c->pidfd, EV_READ);
	ev_io_start(reap_loop, &c->io);
}

int
reap_child_kill(struct reap_child *c, int sig)
{
	if (c->pidfd < 0 || c->pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	/* The group's id is the unreaped leader's pid: see reap_kill(). */
	if (kill(-c->pid, sig) == 0)
		return 0;
	if (errno != ESRCH)
		return -1;
	if (syscall(SYS_pidfd_send_signal, c->pidfd, sig, NULL, 0) < 0)
		return -1;
	return 0;
}

/* The watched child of pid PID, or NULL. */
static struct reap_child *
reap_child_find(pid_t pid)
{
	struct reap_child *c;

	for (c = reap_children; c != NULL; c = c->next)
		if (c->pid == pid)
			return c;
	return NULL;
}

/* Reap an orphan (not a service process).  1 reaped, 0 not, -1 error. */
static int
reap_orphan(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (reap_waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG, NULL) < 0)
		return -1;
	if (si.si_pid == 0)
		return 0;
	if (si.si_code == CLD_EXITED)
		log_debug("reaped orphan pid %d, exit status %d", (int)pid,
		    si.si_status);
	else
		log_debug("reaped orphan pid %d, killed by SIG%s", (int)pid,
		    util_signal_name(si.si_status));
	return 1;
}

int
reap_sigchld(void)
{
	int orphans = 0, services = 0;
	int i, rc;

	reap_walked = util_monotonic();
	ev_timer_stop(reap_loop, &reap_walk_timer); /* this is the walk */
	/*
	 * Peek with WNOWAIT: a plain waitid(P_ALL) would reap whichever
	 * child exited first, service processes included.  Their pidfd
	 * watcher would then get ECHILD and lose the status, and the pid
	 * could be recycled while fsm still thinks it is ours.  Peeking
	 * leaves the zombie in place until we know whose it is
	 * (waitid(2), WNOWAIT).
	 */
	for (i = 0; i < REAP_MAX_PER_CALL; i++) {
		struct reap_child *c;
		struct proc *p;
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		if (reap_waitid(
		        P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT, NULL) < 0) {
			if (errno != ECHILD)
				log_warn("waitid");
			break;
		}
		if (si.si_pid == 0)
			break;
		p = reap_tab ? svctab_find_pid(reap_tab, si.si_pid) : NULL;
		if (p != NULL && p->pidfd >= 0) {
			if (services++ == REAP_MAX_SERVICES_PER_CALL ||
			    !reap_take()) {
				/* Let the loop turn: see the comment at
				 * REAP_MAX_SERVICES_PER_CALL. */
				ev_timer_start(reap_loop, &reap_again);
				break;
			}
			/* Its own path, so on_exit gets the status; if that
			 * fails the zombie stays and we would see it again:
			 * stop rather than spin. */
			if (reap_collect(p) != 1)
				break;
			continue;
		}
		if ((c = reap_child_find(si.si_pid)) != NULL) {
			if (reap_child_collect(c) != 1)
				break;
			continue;
		}
		rc = reap_orphan(si.si_pid);
		if (rc != 1) {
			/* Seen but not reapable: never spin on it. */
			if (rc < 0)
				log_warn("waitid pid %d", (int)si.si_pid);
			break;
		}
		orphans++;
	}
	return orphans;
}

/* ---- at exit ------------------------------------------------------------ */

#define REAP_PF_EXITING 0x4 /* include/linux/sched.h: in do_exit() */
#define REAP_EXIT_MAX_CHILDREN 4096

/* Is our child PID on its way out: exiting, or with SIGKILL pending? */
static bool
reap_child_exiting(pid_t pid)
{
	struct procinfo_stat st;
	struct procinfo_status ss;

	if (procinfo_read_stat(pid, &st) == -1)
		return false; /* gone, or reaped meanwhile */
	if (st.state == 'Z' || st.state == 'X' ||
	    (st.flags & REAP_PF_EXITING) != 0)
		return true;
	if (procinfo_read_status(pid, &ss) == -1)
		return false;
	return (ss.sigpnd & ((uint64_t)1 << (SIGKILL - 1))) != 0;
}

/* Reap every zombie child; how many. */
static int
reap_zombies(void)
{
	int n = 0;

	for (;;) {
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		if (reap_waitid(P_ALL, 0, &si, WEXITED | WNOHANG, NULL) < 0) {
			if (errno != ECHILD)
				log_warn("waitid at exit");
			return n;
		}
		if (si.si_pid == 0)
			return n;
		n++;
	}
}

/* How many of our children are exiting (-1: /proc unreadable). */
static int
reap_exiting_children(void)
{
	static pid_t kids[REAP_EXIT_MAX_CHILDREN];
	ssize_t n = procinfo_children(getpid(), kids, REAP_EXIT_MAX_CHILDREN);
	int exiting = 0;

	if (n < 0)
		return -1;
	for (ssize_t i = 0; i < n; i++)
		if (reap_child_exiting(kids[i]))
			exiting++;
	return exiting;
}

int
reap_at_exit(double max)
{
	struct timespec pause = {0, 5 * 1000 * 1000};
	double deadline = util_monotonic() + max;
	int reaped = reap_zombies(), left;

	while ((left = reap_exiting_children()) > 0) {
		if (util_monotonic() >= deadline) {
			log_warnx("%d child process%s still exiting after %g "
			          "seconds; left to init",
			    left, left == 1 ? "" : "es", max);
			break;
		}
		/* The loop is over and no event says when a dying child
		 * becomes a zombie: poll, for as long as one is dying. */
		(void)nanosleep(&pause, NULL);
		reaped += reap_zombies();
	}
	if (left < 0)
		log_warn("/proc/%d/task/%d/children", (int)getpid(),
		    (int)getpid());
	reaped += reap_zombies();
	if (reaped > 0)
		log_debug("reaped %d child process%s at exit", reaped,
		    reaped == 1 ? "" : "es");
	return reaped;
}

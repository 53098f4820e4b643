/*
 * reap.h: watching and reaping.  Each process has a pidfd watched by an
 * ev_io; when it becomes readable, waitid(P_PIDFD) collects the status and
 * rusage and the exit callback runs.  Signals go through
 * pidfd_send_signal(), so a recycled PID is never hit.  As a child
 * subreaper tendd also inherits orphans: on SIGCHLD it peeks with WNOWAIT
 * and reaps only PIDs that are not a tracked service process.  reap.c is
 * the only caller of wait*(); it decides nothing about restarts.
 */
#ifndef TEND_REAP_H
#define TEND_REAP_H

#include "tend.h"
#include "svctab.h"

#include <ev.h>

/* Called once per reaped service process, with its exit facts. */
typedef void reap_exit_fn(struct proc *p, const struct proc_exit *ex);

/* Called after orphans were reaped by a SIGCHLD (reap_on_sigchld). */
typedef void reap_orphans_fn(void);

/* TAB is consulted to tell service processes from orphans. */
void reap_init(struct ev_loop *loop, const struct svctab *tab,
    reap_exit_fn *on_exit, reap_orphans_fn *on_orphans);
void reap_set_table(const struct svctab *tab);
/* Start watching p->pidfd. */
void reap_watch(struct proc *p);
/* Collect P's exit now if its process has exited, ahead of its watcher's
 * turn (REAP_TURN_NS).  1: reaped and on_exit called (P may be gone),
 * 0: still running (or nothing to reap), -1: error (logged). */
int reap_now(struct proc *p);
/* Signal P's process (its process group if GROUP and the leader is not yet
 * reaped).  0, or -1 with errno (ESRCH: already exited). */
int reap_kill(struct proc *p, int sig, bool group);
/*
 * A child that is no service's main process (an exec health probe):
 * watched through its pidfd and reaped here like a service's, so the
 * SIGCHLD path never takes it for an orphan.  The caller fills pid,
 * pidfd and done; DONE runs once, after the pidfd is closed (CODE is the
 * exit status, or -1 when killed by SIG).
 */
struct reap_child {
	pid_t pid;
	int pidfd;
	ev_io io;
	void (*done)(struct reap_child *c, int code, int sig);
	struct reap_child *next; /* reap.c's list of watched children */
};
void reap_child_watch(struct reap_child *c);
/* SIG to C's process group (it is a session leader; safe while it is
 * unreaped), else to C itself.  0, or -1 with errno. */
int reap_child_kill(struct reap_child *c, int sig);

/* SIGCHLD arrived: reap_sigchld() now, or, when the last one ran less
 * than REAP_WALK_GAP ago, once that much time has passed (reap.c says
 * why); ON_ORPHANS runs after either if it reaped orphans.  Give the
 * SIGCHLD watcher a lower priority than the pidfd watchers. */
void reap_on_sigchld(void);
/* Reap every orphan now; collect any service process found exited
 * through its own pidfd path.  Returns how many orphans. */
int reap_sigchld(void);
/*
 * At exit, after the loop: reap every child that is a zombie or on its
 * way to being one (an orphan tendd killed whose exit is still under way:
 * its cgroup empties before it becomes a zombie), so that none passes to
 * init as a zombie.  Children not exiting (stop_leftovers=false, an
 * unkillable process) are left to outlive tendd.  Waits MAX seconds at
 * most; returns how many it reaped.
 */
int reap_at_exit(double max);

#endif /* TEND_REAP_H */

/*
 * cgroup.h: which processes belong to each service, and acting on all of
 * them.  With cgroup v2 (found through /proc/self/mountinfo) tendd makes
 * tend.PID under its own cgroup (or under [tend] cgroup=PATH) and one
 * cgroup per process below it: membership is cgroup.procs, emptiness is
 * cgroup.events (watched with inotify), a kill is cgroup.kill, and the
 * memory and cpu limits go on the process's cgroup.  Without cgroups
 * (cgroup=off, no cgroup2, no write access) it falls back to the session
 * and process group tendd gave the process, and their descendants, found
 * by scanning /proc.  The mode is global and shown per process.
 */
#ifndef TEND_CGROUP_H
#define TEND_CGROUP_H

#include "tend.h"
#include "config.h"
#include "svctab.h"

#include <ev.h>

/* One process of a service. */
struct cgroup_member {
	pid_t pid;
	pid_t ppid;
	unsigned long long starttime; /* to tell a recycled pid */
};

/* P's cgroup became empty (cgroup mode), or a fallback poll found no
 * leftover while P is draining.  P's leftovers are already 0. */
typedef void cgroup_empty_fn(struct proc *p);

/*
 * Decide the mode from SETTING ([tend] cgroup=: "auto", "off" or a path)
 * and set up tend.PID.  Never fails: when cgroups cannot be used, NOTE
 * says why (a warning for the log) and the mode is the fallback.  -1 only
 * with ERR filled when SETTING is malformed.
 */
int cgroup_init(struct ev_loop *loop, const struct svctab *tab,
    const char *setting, cgroup_empty_fn *on_empty, char *note, size_t notelen,
    char *err, size_t errlen);
void cgroup_set_table(const struct svctab *tab);
/* "cgroup" or "session": the tracking mode of every process. */
const char *cgroup_mode(void);
/* The directory processes' cgroups are made in; "" in fallback mode. */
const char *cgroup_base(void);
/* The controllers enabled for the processes' cgroups ("cpu memory"). */
const char *cgroup_controllers(void);

/* Warnings for C's limit keys that cannot apply (a missing controller,
 * or no cgroups): "web: memory_max: ...".  Returns how many, each given
 * to WARN. */
size_t cgroup_check_conf(const struct conf_proc *c, const char *fullname,
    void (*warn)(const char *msg));

/* Before spawning P: make its cgroup (if missing), apply the limits, and
 * return an O_PATH fd of it for CLONE_INTO_CGROUP, which the caller
 * closes after the spawn (no fd is held per process), or -1 in fallback
 * mode.  A failure is logged and P runs untracked by cgroup. */
int cgroup_prepare(struct proc *p);
/* May P's child be cloned straight into its cgroup (CLONE_INTO_CGROUP)?
 * False after cgroup.kill on a cgroup still holding a process: the
 * child must join by writing cgroup.procs instead. */
bool cgroup_clone_into_ok(const struct proc *p);
/* P's process was just spawned (p->pid is set). */
void cgroup_spawned(struct proc *p);
/* A reexec carries P's OOM count at spawn and whether cgroup.kill was
 * used on its cgroup; the new tendd adopts P (alive, p->pid set) with
 * them, finding its cgroup again under the same tend.PID. */
void cgroup_carry(const struct proc *p, long long *oom_base, bool *killed);
void cgroup_adopt(struct proc *p, long long oom_base, bool killed);
/* P's main process was reaped: did the OOM killer end a process of its
 * cgroup during the run? */
bool cgroup_oom_killed(struct proc *p);

/* Every live process of P (its main one included), in *V (malloc'd, the
 * caller frees), N of them.  0, or -1 with errno. */
int cgroup_members(const struct proc *p, struct cgroup_member **v, size_t *n);
/* The same, but ppid and starttime may be 0 (a cgroup's members are
 * listed without a /proc/PID/stat read each): for a caller that reads
 * /proc itself (status --json reads 10,000 of them). */
int cgroup_member_pids(
    const struct proc *p, struct cgroup_member **v, size_t *n);
/* How many of P's processes live besides its main one; fills
 * p->leftovers and p->leftover_pid (fsm_ops.leftovers). */
int cgroup_leftovers(struct proc *p);
/* Orphans were reaped: the next cgroup_leftovers() in session mode looks
 * at /proc afresh, not at a scan made before they ended. */
void cgroup_orphans_reaped(void);
/* Send SIG to every process of P but its main one (cgroup.kill for
 * SIGKILL); arms the fallback poll while P drains.  0, or -1 with
 * errno. */
int cgroup_kill_leftovers(struct proc *p, int sig);
/* The first process of P still there (after SIGKILL): its pid and state
 * letter into p->stuck_pid and p->stuck_state. */
void cgroup_find_stuck(struct proc *p);

/* "cgroup" if P's processes are tracked by its cgroup, else "session". */
const char *cgroup_tracking(const struct proc *p);

/* P is dropped: remove its cgroup if empty, free its state. */
void cgroup_forget(struct proc *p);
/* tendd exits: forget every process of TAB, remove tend.PID. */
void cgroup_close(const struct svctab *tab);

/*
 * tendd gives up root ([supervisord] user=): it moves itself into
 * tend.PID/:tendd (no process's full name) and makes tend.PID UID's,
 * the directory and its cgroup.procs, cgroup.threads and
 * cgroup.subtree_control (cgroup-v2.rst "Delegation"): moving a process
 * needs write access to the cgroup.procs of the common ancestor of both
 * cgroups, tend.PID once tendd is inside.  -1 with ERR: cgroup mode is
 * off from now on, processes are tracked by session (the caller warns).
 */
int cgroup_delegate(uid_t uid, gid_t gid, char *err, size_t errlen);

#endif /* TEND_CGROUP_H */

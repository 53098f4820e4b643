/*
 * svctab.h: the service table.  Programs x numprocs become struct proc, one
 * per process, each pointing at its immutable struct conf_proc.  svctab owns
 * the lifetime of struct proc and answers name lookups (NAME, GROUP:NAME,
 * GROUP:*, all); it never forks, signals or sets timers.
 */
#ifndef TEND_SVCTAB_H
#define TEND_SVCTAB_H

#include "tend.h"
#include "config.h"

#include <ev.h>

/* supervisord's states, with supervisord's numeric codes (scripts and the
 * JSON output rely on both). */
enum proc_state {
	PROC_STOPPED = 0,
	PROC_STARTING = 10,
	PROC_RUNNING = 20,
	PROC_BACKOFF = 30,
	PROC_STOPPING = 40,
	PROC_EXITED = 100,
	PROC_FATAL = 200,
	PROC_UNKNOWN = 1000,
};

/* How the last run of a process ended. */
struct proc_exit {
	bool valid;	 /* false until the first exit */
	bool core;	 /* core dumped */
	int code;	 /* exit status when !signal */
	int signal;	 /* terminating signal, 0 if exited */
	pid_t pid;	 /* the process that ended (for evbus's events; not
			    carried across reexec) */
	double utime;	 /* CPU seconds, user */
	double stime;	 /* CPU seconds, system */
	long maxrss_kb;	 /* peak RSS */
	double uptime;	 /* seconds it ran */
	double wall;	 /* realtime of the exit */
	bool oom;	 /* the kernel's OOM killer ended it (memory.events
			    oom_kill grew during the run; cgroup mode) */
};

struct job_step;

struct proc {
	const struct conf_proc *conf;
	char *fullname; /* "group:name", or "name" when they agree */

	/* --- owned by fsm.c ------------------------------------------- */
	enum proc_state state;
	int backoff;	      /* failed starts in a row (supervisord's) */
	unsigned spawns;      /* successful spawns since tendd started */
	bool killing;	      /* we sent stopsignal (STOPPING) */
	bool ready;	      /* readiness=notify: READY=1 seen */
	bool execed;	      /* the child's exec is confirmed */
	bool waiting;	      /* STARTING, no process yet: dependencies are
				 not RUNNING */
	bool holding;	      /* STOPPING, not signalled yet: dependents are
				 still stopping */
	bool dep_stopped;     /* stopped because of a dependency; started
				 again when its dependencies run again */
	bool timed_out;	      /* no READY=1 within readiness_timeout */
	bool watchdog_fired;  /* the watchdog expired; the process is being
				 killed and its exit is a failure */
	bool deps_queued;     /* on fsm's dependency-event queue */
	bool draining;	      /* STOPPING, the main process is gone: the
				 service's leftover processes are being
				 stopped (stop_leftovers) */
	bool killsent;	      /* SIGKILL was sent in this stop */
	bool stuck;	      /* something survived SIGKILL (D state) */
	bool restarting;      /* stopped by fsm_restart(): start again once
				 STOPPED */
	double laststart;     /* monotonic time of the last spawn */
	double start_wall;    /* realtime of the last spawn */
	double stop_wall;     /* realtime of the last stop/exit, 0 = never */
	double restart_delay; /* current post-startsecs restart delay */
	double restart_wall;  /* monotonic time a delayed restart is due, 0 = none
				 pending (EXITED with the timer armed) */
	double stuck_wall;    /* realtime SIGKILL was sent to it */
	struct proc_exit lastexit;
	/* Texts most processes never have: NULL while empty, set with
	 * svctab_note_set() (see there), read with svctab_note(). */
	char *spawnerr;	      /* why the last start failed */
	char *status_text;    /* STATUS= from the process (readiness) */
	char *stopnote;	      /* why a dependency keeps it STOPPED */
	char *health_text;    /* health.c: "unhealthy (3 failures: ...)",
				 NULL without a probe */
	struct proc *deps_next; /* the dependency-event queue's link */

	/* --- owned by svctab.c: depends_on, resolved to procs ---------- */
	struct proc **deps;   /* processes this one depends on */
	size_t ndeps;
	struct proc **rdeps;  /* processes depending on this one */
	size_t nrdeps;

	/* --- owned by the runtime (tendd.c, reap.c, logcap.c) --------- */
	pid_t pid;    /* 0 when no process */
	int pidfd;    /* -1 when no process */
	int execfd;   /* exec-failure pipe read end, -1 once closed */
	pid_t mainpid;	/* MAINPID= from the process, 0 = none (ready.c) */
	char *exec_error; /* the child's failure report, until the exit */
	ev_io pidfd_io;
	ev_io exec_io;
	ev_timer timer; /* the fsm's one timer (see fsm_ops) */
	ev_timer watchdog; /* watchdog_sec timer (ready.c) */
	struct job_step *waiters; /* job.c: the steps of jobs waiting on
				     it, linked through their wnext */
	void *logcap;	/* logcap.c's per-process state, NULL until the
			   process has output to capture or it is asked for */
	void *feed;	/* feed.c's stdin pipe, NULL without one */
	void *lsn;	/* listener.c's protocol state, NULL but for a
			   process of an [eventlistener:x] pool */
	void *health;	/* health.c's per-process state, NULL without
			   healthcheck= */
	void *track;	/* cgroup.c's per-process state (its cgroup, or
			   the session it tracks in fallback mode) */
	int leftovers;	/* processes of the service alive without its
			   main process (a daemonised child); cgroup.c */
	pid_t leftover_pid; /* one of them, for status */
	pid_t stuck_pid;    /* the process that survives SIGKILL */
	char stuck_state;   /* its state letter then ('D') */
	bool reloading;	/* RELOADING=1 seen, no READY=1 since (ready.c) */
	bool removed;	/* dropped from the config; freed once stopped */
	/* --- reload (svctab.c sets, tendd.c commits) ------------------ */
	bool reload_start; /* start it once next_conf is in (tendd.c) */
	const struct conf_proc *next_conf; /* changed by a reload: run with
					      this once stopped; NULL: none */
};

/* The longest each note may grow (bytes, with the NUL): longer texts are
 * cut, as the fixed buffers they replace did. */
#define SVCTAB_SPAWNERR_MAX 160
#define SVCTAB_STATUS_TEXT_MAX 96
#define SVCTAB_STOPNOTE_MAX 96
#define SVCTAB_HEALTH_TEXT_MAX 128

struct svctab {
	struct proc **procs; /* in conf->procs order (priority, name) */
	size_t nprocs;
	const struct tend_conf *conf;
};

/* A growable list of matches. */
struct proc_list {
	struct proc **v;
	size_t n;
	size_t cap;
};

/* One STOPPED proc per conf->procs entry; -1 with errno on ENOMEM. */
int svctab_init(struct svctab *tab, const struct tend_conf *conf);
void svctab_free(struct svctab *tab);

/*
 * Resolve every proc's depends_on (a program name: all its processes;
 * "group:*": every process of that group) into p->deps, and fill the
 * reverse edges p->rdeps.  svctab_init() does it; call it again after
 * changing the table.  -1 with errno on ENOMEM.  The config has already
 * refused unknown names and cycles.
 */
int svctab_link_deps(struct svctab *tab);
/* Does P wait for its dependency Q to have exited with one of Q's
 * exitcodes (depends_on=Q:exited), rather than for Q RUNNING? */
bool svctab_dep_exited(const struct proc *p, const struct proc *q);

/* Set *NOTE to the printf-style text, cut to MAX bytes with the NUL, or
 * free it when the text is empty.  Out of memory leaves the note empty
 * (it is informational).  svctab_note_clear() empties it. */
void svctab_note_set(char **note, size_t max, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void svctab_note_clear(char **note);
/* The note's text, "" when it has none. */
static inline const char *
svctab_note(const char *note)
{
	return note != NULL ? note : "";
}

struct proc *svctab_find(const struct svctab *tab, const char *fullname);
/* "group:name", or "name" when the group is the program itself (a
 * copy; NULL without memory). */
char *svctab_fullname(const struct conf_proc *c);
struct proc *svctab_find_pid(const struct svctab *tab, pid_t pid);

/*
 * Append the procs PATTERN names to LIST: "all", "GROUP:*", "GROUP:NAME",
 * a full name, or a bare group name (its whole group).  Returns how many
 * matched (0: no such process), -1 on ENOMEM.  No duplicates are added.
 */
int svctab_match(const struct svctab *tab, const char *pattern,
    struct proc_list *list);
void proc_list_free(struct proc_list *list);

/*
 * Reload: the per-process diff between the table and a new config.
 * svctab_plan_make() is pure: it compares each proc's config (the one it
 * will run with: next_conf if a restart is pending) with the new one by
 * full name.  The caller picks what to act on (svctab_plan_select()),
 * then svctab_apply() changes the table; stopping, starting and freeing
 * are the caller's (tendd.c).
 */
enum svctab_change {
	SVCTAB_UNCHANGED = 0, /* the same config */
	SVCTAB_UPDATED,	      /* policy keys only: applies without restart */
	SVCTAB_CHANGED,	      /* runs differently: restart with the new one */
	SVCTAB_ADDED,	      /* new process */
	SVCTAB_REMOVED,	      /* gone from the config */
};

struct svctab_delta {
	enum svctab_change change;
	char *fullname;
	struct proc *p; /* the table's proc; ADDED: set by svctab_apply() */
	const struct conf_proc *conf; /* the new config's; NULL if REMOVED */
	bool selected;	/* acted on by svctab_apply() */
	bool start;	/* the caller's: it is (re)started */
	const char *refused; /* the caller's: why it is not acted on */
};

struct svctab_plan {
	struct svctab_delta *v; /* new config order, then REMOVED ones in
				   table order */
	size_t n;
};

/* Fill PLAN (every delta selected); -1 with errno ENOMEM. */
int svctab_plan_make(const struct svctab *tab, const struct tend_conf *conf,
    struct svctab_plan *plan);
/* Select only the deltas PATTERN names (NAME, GROUP:NAME, GROUP:*, a bare
 * group or program name, all), in addition to those already selected by
 * earlier calls after svctab_plan_select_none().  Returns how many deltas
 * it names, changed or not (0: no such process). */
void svctab_plan_select_none(struct svctab_plan *plan);
size_t svctab_plan_select(struct svctab_plan *plan, const char *pattern);
/* How many selected deltas are not UNCHANGED. */
size_t svctab_plan_count(const struct svctab_plan *plan);
void svctab_plan_free(struct svctab_plan *plan);
/* "available", "changed", "disappeared" (supervisorctl's reread words),
 * "changed (no restart needed)", "unchanged". */
const char *svctab_change_name(enum svctab_change c);

/*
 * Apply the selected deltas of PLAN (made from this table and CONF):
 * UNCHANGED procs (selected or not) and selected UPDATED ones point at
 * CONF's conf_proc at once; CHANGED ones get next_conf (and lose
 * `removed`); ADDED ones are created STOPPED (delta->p); REMOVED ones are
 * marked `removed`.  The table is reordered as CONF orders it (procs
 * CONF lacks last), tab->conf becomes CONF and depends_on is relinked.
 * -1 with errno ENOMEM and nothing changed.
 */
int svctab_apply(struct svctab *tab, const struct tend_conf *conf,
    struct svctab_plan *plan);
/* P is stopped: take its next_conf (if any) and relink dependencies. */
int svctab_commit(struct svctab *tab, struct proc *p);
/* Take P out of the table and free it (the caller has let go of every
 * watcher and reference: ctl_proc_gone(), logcap_forget()).  -1 with
 * errno ENOMEM: P is still in the table, linked as before. */
int svctab_drop(struct svctab *tab, struct proc *p);

#endif /* TEND_SVCTAB_H */

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
	int code;	 /* exit status when !signal */
	int signal;	 /* terminating signal, 0 if exited */
	bool core;	 /* core dumped */
	double utime;	 /* CPU seconds, user */
	double stime;	 /* CPU seconds, system */
	long maxrss_kb;	 /* peak RSS */
	double uptime;	 /* seconds it ran */
	double wall;	 /* realtime of the exit */
};

struct proc {
	const struct conf_proc *conf;
	char *fullname; /* "group:name", or "name" when they agree */

	/* --- owned by fsm.c ------------------------------------------- */
	enum proc_state state;
	int backoff;	      /* failed starts in a row (supervisord's) */
	unsigned spawns;      /* successful spawns since tendd started */
	double laststart;     /* monotonic time of the last spawn */
	double start_wall;    /* realtime of the last spawn */
	double stop_wall;     /* realtime of the last stop/exit, 0 = never */
	double restart_delay; /* current post-startsecs restart delay */
	double restart_wall;  /* realtime a delayed restart is due, 0 = none
				 pending (EXITED with the timer armed) */
	bool killing;	      /* we sent stopsignal (STOPPING) */
	bool ready;	      /* readiness=notify: READY=1 seen */
	bool execed;	      /* the child's exec is confirmed */
	struct proc_exit lastexit;
	char spawnerr[160];   /* why the last start failed, "" if it did not */
	char status_text[96]; /* STATUS= from the process (readiness) */

	/* --- owned by the runtime (tendd.c, reap.c, logcap.c) --------- */
	pid_t pid;    /* 0 when no process */
	int pidfd;    /* -1 when no process */
	int execfd;   /* exec-failure pipe read end, -1 once closed */
	char *exec_error; /* the child's failure report, until the exit */
	ev_io pidfd_io;
	ev_io exec_io;
	ev_timer timer; /* the fsm's one timer (see fsm_ops) */
	void *logcap;	/* logcap.c's per-process state */
	bool removed;	/* dropped from the config; freed once stopped */
};

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

struct proc *svctab_find(const struct svctab *tab, const char *fullname);
struct proc *svctab_find_pid(const struct svctab *tab, pid_t pid);

/*
 * Append the procs PATTERN names to LIST: "all", "GROUP:*", "GROUP:NAME",
 * a full name, or a bare group name (its whole group).  Returns how many
 * matched (0: no such process), -1 on ENOMEM.  No duplicates are added.
 */
int svctab_match(const struct svctab *tab, const char *pattern,
    struct proc_list *list);
void proc_list_free(struct proc_list *list);

#endif /* TEND_SVCTAB_H */

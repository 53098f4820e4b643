/*
 * fsm.h: the per-process state machine, supervisord's rules as a table.
 *
 *            | START  STOP       EXIT          TIMER        READY EXEC  DEPS
 * -----------+---------------------------------------------------------------
 * STOPPED    | begin  -/uncome   -             -            -     -     come
 *  (WAITING) | busy   STOPPED    -             -            -     -     spawn|
 *            |                                                         STOPPED
 * STARTING   | busy   stop       early:BACKOFF startsecs:RUN RUN   RUN?  dep
 *            |                                 notify:kill               FATAL:
 * RUNNING    | busy   stop       EXITED(+rst)  wd:SIGKILL   -     -     stop
 * BACKOFF    | busy   STOPPED    -             begin|FATAL  -     -     STOPPED
 *  (HOLDING) | busy   -          STOPPED       -            -     -     signal
 * STOPPING   | busy   -          STOPPED|drain SIGKILL|stuck -    -     -
 *  (DRAINING)| busy   -          -             KILL|STOPPED -     -     -
 * EXITED     | begin  STOPPED    -             delayed begin -    -     STOPPED
 * FATAL      | begin  -          -             -            -     -     -
 *
 * WATCHDOG (no WATCHDOG=1 for watchdog_sec) acts in RUNNING only: SIGABRT,
 * SIGKILL after stopwaitsecs; the exit is an unexpected one.
 *
 * Leftovers (the service's processes other than the main one: a
 * daemonised child, workers that outlive their master).  With
 * stop_leftovers=true (the default), a stop does not end when the main
 * process is reaped: if ops->leftovers() counts any, P stays STOPPING
 * (the DRAINING step, p->draining) while they get stopsignal, SIGKILL
 * when stopwaitsecs runs out, and EMPTY (fsm_on_empty) or a timer that
 * finds none left makes it STOPPED.  A stop of an EXITED, BACKOFF,
 * FATAL or STOPPED process whose leftovers live on drains them the same
 * way.  A process still there FSM_KILL_GRACE seconds after SIGKILL (D
 * state) is "stuck": ops->stuck() records it, status says "unkillable",
 * a draining stop ends STOPPED anyway and a main process stays STOPPING
 * without blocking anyone (tendd's shutdown and ctl's stop skip it).
 *
 * Dependencies (depends_on, resolved by svctab into p->deps/p->rdeps):
 * "begin" spawns at once when every dependency is RUNNING, else waits in
 * STARTING without a process (the WAITING step, p->waiting); an
 * administrative start also starts dependencies that are down.  "stop"
 * stops the dependents first and holds in STOPPING without signalling
 * (the HOLDING step, p->holding) until they are down.  DEPS is queued
 * whenever a dependency or dependent changes state: it spawns a WAITING
 * process once its dependencies run, leaves it STOPPED (p->stopnote says
 * why) when one is down for good, stops processes whose dependency went
 * FATAL, and starts again ("come") a process stopped because of a
 * dependency once that runs again.

 * RUNNING needs the exec confirmed (EXEC) as well as startsecs elapsed:
 * with startsecs=0 a command that cannot be executed must still count as
 * a failed start (BACKOFF, then FATAL), as supervisord's does, instead of
 * flapping RUNNING/EXITED forever.
 *
 * "spawn" goes to STARTING (or BACKOFF/FATAL if the spawn fails).  A failed
 * start (exit before startsecs, before READY=1, or an exec failure) goes to
 * BACKOFF with a delay of `backoff` seconds (1, 2, 3...), and to FATAL once
 * backoff exceeds startretries.  An exit from RUNNING is EXITED; it restarts
 * when autorestart=true, or =unexpected and the code is not in exitcodes,
 * after restart_delay (growing up to restart_backoff_max when runs are
 * shorter than restart_backoff_reset).
 *
 * fsm.c makes no syscalls: it acts only through struct fsm_ops, so unit
 * tests drive it with a fake clock and fake spawn/kill.
 */
#ifndef TEND_FSM_H
#define TEND_FSM_H

#include "tend.h"
#include "svctab.h"

struct fsm_ops {
	/* Start P's process.  0: running (p->pid set).  -1: ERR says why
	 * (a failed start). */
	int (*spawn)(struct proc *p, char *err, size_t errlen);
	/* Send SIG to P's process (its process group if GROUP).  0, or -1
	 * with errno; ESRCH (already dead, not yet reaped) is normal. */
	int (*kill)(struct proc *p, int sig, bool group);
	/* Arm P's one timer to fire fsm_on_timer() after SECONDS; replaces
	 * any armed one. */
	void (*timer_set)(struct proc *p, double seconds);
	void (*timer_cancel)(struct proc *p);
	double (*now)(void);	   /* monotonic seconds */
	double (*wallclock)(void); /* realtime seconds */
	/* Called after every state change (may be NULL). */
	void (*changed)(struct proc *p, enum proc_state from);
	/* How many of P's processes live on besides its main process
	 * (which is reaped); the runtime also fills p->leftovers and
	 * p->leftover_pid.  May be NULL (none are tracked). */
	int (*leftovers)(struct proc *p);
	/* Send SIG to every leftover process of P.  0, or -1 with errno. */
	int (*kill_leftovers)(struct proc *p, int sig);
	/* Something of P survived SIGKILL for FSM_KILL_GRACE seconds:
	 * record which (p->stuck_pid, p->stuck_state) and say so.  May be
	 * NULL. */
	void (*stuck)(struct proc *p);
};

/* Seconds after SIGKILL before a survivor is reported unkillable. */
#define FSM_KILL_GRACE 3.0

/* Install the operations; must precede every other fsm call. */
void fsm_init(const struct fsm_ops *ops);

/* Results of requests (supervisord's faults). */
enum fsm_result {
	FSM_OK = 0,
	FSM_ALREADY_STARTED, /* STARTING, RUNNING, BACKOFF, STOPPING */
	FSM_NOT_RUNNING,     /* nothing to stop or signal */
	FSM_SPAWN_ERROR,     /* the spawn failed at once (ERR filled) */
	FSM_SIGNAL_ERROR,    /* kill failed (ERR filled) */
};

/* An administrative start: from STOPPED, EXITED or FATAL (resets the
 * retry count). */
enum fsm_result fsm_start(struct proc *p, char *err, size_t errlen);
/* An administrative stop: STARTING/RUNNING -> STOPPING, BACKOFF or a
 * delayed restart -> STOPPED. */
enum fsm_result fsm_stop(struct proc *p);
/* Stop a STARTING or RUNNING process and start it again once it is
 * STOPPED (healthcheck_action=restart); an administrative start or stop
 * meanwhile cancels the second half.  FSM_NOT_RUNNING otherwise. */
enum fsm_result fsm_restart(struct proc *p);
/* Send SIG to a STARTING, RUNNING or STOPPING process. */
enum fsm_result fsm_signal(struct proc *p, int sig, char *err, size_t errlen);

/* The process was reaped.  EXEC_ERROR is the child's report when exec (or
 * a step before it) failed, else NULL. */
void fsm_on_exit(struct proc *p, const struct proc_exit *ex,
    const char *exec_error);
/* P's timer fired. */
void fsm_on_timer(struct proc *p);
/* READY=1 arrived for P (readiness=notify). */
void fsm_on_ready(struct proc *p);
/* A health probe of P passed (readiness=health: STARTING -> RUNNING). */
void fsm_on_healthy(struct proc *p);
/* P's child has exec'd its command (EOF on the exec-failure pipe). */
void fsm_on_exec(struct proc *p);
/* watchdog_sec passed without WATCHDOG=1 from P (ready.c's timer). */
void fsm_on_watchdog(struct proc *p);
/* P's leftovers are gone (its cgroup emptied, or the runtime found none
 * left); the runtime has cleared p->leftovers. */
void fsm_on_empty(struct proc *p);

/* "RUNNING" etc.; the one place state names live. */
const char *fsm_state_name(enum proc_state s);
/* Parse a state name; -1 if unknown. */
int fsm_state_parse(const char *name);
/* True for STARTING, RUNNING, BACKOFF, STOPPING (supervisord's
 * RUNNING_STATES plus STOPPING: a process or a pending start exists). */
bool fsm_is_active(enum proc_state s);

/* supervisorctl's DESCRIPTION column for P at NOW (ops->now()'s clock:
 * monotonic). */
void fsm_describe(const struct proc *p, double now, char *buf,
    size_t len);

#endif /* TEND_FSM_H */

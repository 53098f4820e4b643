/*
 * job.h: everything that waits on processes: start, stop, restart (with a
 * timeout), signal, update's and a rolling restart's steps, shutdown.  A
 * job acts through fsm.h and answers through a request's reply sink
 * (req.h); it moves on from job_proc_changed(), never blocking the loop.
 */
#ifndef TEND_JOB_H
#define TEND_JOB_H

#include "req.h"
#include "svctab.h"

#include <ev.h>

/*
 * One job engine: start, stop, restart, update's and a rolling restart's
 * steps are all a struct job with one step per process.  A step is
 * linked to its process (proc->waiters) while the job is queued, so a
 * state change looks only at the steps waiting on that process.
 */
enum job_kind {
	JOB_LIST = 0,  /* a list of what names name, never queued: status,
			  clear, signal */
	JOB_STARTSTOP, /* start, stop, restart (-t): phases, results in
			  the order the fsm calls were made */
	JOB_UPDATE,    /* update, add, remove, reload (reload.c) */
	JOB_ROLLING,   /* restart --rolling: `width` at a time */
	JOB_SHUTDOWN,  /* tendd's shutdown order: a priority level at a
			  time, highest first; no request answers it */
};

enum job_phase { JOB_PHASE_STOP, JOB_PHASE_START };

enum job_goal {
	JOB_GOAL_NONE = 0,  /* a list entry: nothing to wait for */
	JOB_GOAL_STOPPED,   /* stopped: done once nothing runs */
	JOB_GOAL_RUNNING,   /* (re)started: done at RUNNING (with a pending
			       next_conf in), or failed */
	JOB_GOAL_GONE,      /* removed: done once freed (job_proc_gone) */
	JOB_GOAL_SETTLED,   /* changed, not started: done with next_conf in */
	JOB_GOAL_ROLL_WAIT, /* rolling: its turn has not come */
	JOB_GOAL_ROLL_STOP, /* rolling: stopping, to be started again */
	JOB_GOAL_DOWN,      /* shutdown: nothing left to stop
			       (job_proc_active() false); a process that
			       restarts meanwhile is waited for again */
};

struct job;
struct job_down; /* job_shutdown.c */

/* One process a job acts on. */
struct job_step {
	struct proc *p;	      /* NULL: no such process, or removed */
	struct job *job;
	struct job_step *wnext; /* the next step waiting on p */
	char *name;	 /* what to print: fullname, or the unknown pattern */
	enum job_goal goal;
	const char *success; /* the result word when it succeeds */
	unsigned pat;	     /* which argument named it */
	bool group;	     /* named through a group: no-ops are skipped */
	bool issued;	     /* acted on: waiting for the goal */
	bool done, sent;
	bool quiet; /* done without a result (a group member's no-op) */
	bool added; /* JOB_ROLLING: a reload added it to the pool */
	int fault;  /* enum proto_fault */
	const char *result; /* not PROTO_F_OK: what to print, NULL: the
			       fault's text */
	char detail[200];
};

struct job {
	struct job *next; /* in the queue */
	struct req *rq;	  /* NULL for a JOB_LIST or JOB_SHUTDOWN */
	void (*done)(void); /* JOB_SHUTDOWN: called once it is over */
	enum job_kind kind;
	enum job_phase phase; /* JOB_STARTSTOP */
	bool restart;	      /* a start phase follows the stop phase */
	ev_timer timeout;     /* start/stop -t; active only while it runs */
	double timeout_secs;
	unsigned width; /* JOB_ROLLING: processes in flight at most */
	bool failed;	/* JOB_ROLLING: a replacement failed; begin no more */
	bool issuing;	/* fsm calls under way: the sweep leaves it alone */
	bool dirty;	/* a step may have moved: the sweep looks */
	bool evalall;	/* evaluate every step, not only the ones a
			   state change evaluated (job_progress) */
	bool queued;	/* its steps are linked to their processes */
	struct job_step *s;
	size_t ns;
	size_t *order;	/* JOB_STARTSTOP: this phase's order of calls and
			   results */
	size_t emitted; /* results of this phase already sent in order */
	unsigned npat;	/* arguments added so far */
	char **pats;	/* JOB_ROLLING: the names it was given, which a
			   process a reload adds may match */
	size_t npats;
	struct job_down *down; /* JOB_SHUTDOWN: its rounds (job.c) */
};

/* A new empty job of KIND; NULL on ENOMEM. */
struct job *job_new(enum job_kind kind);
/* Append a step per process PATTERN names to J (no duplicates); a
 * pattern naming nothing becomes a "no such process" result.  -1 on
 * ENOMEM. */
int job_add(struct job *j, const char *pattern);
/* Add a step for P (NAME) to J; NULL on ENOMEM. */
struct job_step *job_add_step(struct job *j, struct proc *p,
    const char *name, enum job_goal goal, const char *success);
void job_step_finish(
    struct job_step *st, int fault, const char *result, const char *detail);
/* ST's result record (the one encoder of every job's results). */
void job_step_put(struct req *rq, const struct job_step *st);
void job_free(struct job *j);
/* J answers RQ from now on: link its steps, queue it and move it on. */
void job_queue(struct req *rq, struct job *j);

/* P changed state: move on the jobs waiting on it. */
void job_proc_changed(struct proc *p);
/* P is about to be freed: its waits complete ("removed from the
 * configuration", or done for a step that removes it). */
void job_proc_gone(struct proc *p);
/* A reload added P: a rolling restart whose names name it restarts it
 * in its turn. */
void job_proc_added(struct proc *p);
/* Free every job in flight (tendd exits). */
void job_close(void);

/* Is P active for a stop: a process of it exists (a main one, or a
 * leftover that stop_leftovers stops), or a restart is pending?  A
 * process stuck in D state is not: waiting would never end. */
bool job_proc_active(const struct proc *p);
/* Begin tendd's ordered shutdown (once; later calls do nothing): from now
 * on req_env.shutting_down refuses starts, and a job stops every process,
 * one priority level at a time, highest first (fsm_stop() keeps a
 * dependency up until its dependents are down).  DONE is called once
 * nothing is active. */
void job_shutdown(void (*done)(void));

/* Handlers (req.def). */
void job_do_startstop(struct req *rq);
void job_do_signal(struct req *rq);
void job_do_rolling(struct req *rq);
void job_do_shutdown(struct req *rq);

#endif /* TEND_JOB_H */

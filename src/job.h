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

/* One process a start/stop/restart request acts on. */
struct job_wait {
	struct proc *p; /* NULL: no such process, or removed */
	char *name;     /* what to print: fullname, or the unknown pattern */
	unsigned pat;   /* which argument named it */
	bool issued;    /* the fsm call was made; waiting for a final state */
	bool done;
	int fault; /* enum proto_fault */
	char detail[200];
};

enum job_phase { JOB_PHASE_STOP, JOB_PHASE_START };

/* A start, stop or restart in flight (or, with no RQ, only a list of the
 * processes some names name: status, clear). */
struct job_req {
	struct job_req *next; /* in the pending list */
	struct req *rq;
	ev_timer timeout; /* start/stop -t; active only while it runs */
	double timeout_secs;
	enum job_phase phase;
	bool restart; /* a start phase follows the stop phase */
	bool issuing; /* fsm calls under way: the sweep leaves it alone */
	bool dirty;   /* a wait may have completed: the sweep looks */
	struct job_wait *w;
	size_t nw;
	size_t *order;  /* this phase's order of fsm calls and results */
	size_t emitted; /* results of this phase already sent */
	unsigned npat;  /* arguments added so far */
	bool *group;    /* per wait: named through a group (skip no-ops) */
};

/* Append one wait per process PATTERN names to R (calloc'd; no
 * duplicates); a pattern naming nothing becomes a "no such process"
 * result.  -1 on ENOMEM. */
int job_req_add(struct job_req *r, const char *pattern);
void job_req_free(struct job_req *r);
void job_wait_finish(struct job_wait *wt, int fault, const char *detail);
/* WT's result record: SUCCESS when it went well. */
void job_put_result(
    struct req *rq, const struct job_wait *wt, const char *success);

enum job_goal {
	JOB_GOAL_GONE = 0,  /* removed: done once freed (ctl_proc_gone) */
	JOB_GOAL_RUNNING,   /* (re)started: done at RUNNING, or failed */
	JOB_GOAL_SETTLED,   /* changed, not started: done with next_conf in */
	JOB_GOAL_ROLL_WAIT, /* rolling: its turn has not come */
	JOB_GOAL_ROLL_STOP, /* rolling: stopping, to be started again */
};

/* One process an update or a rolling restart acts on. */
struct job_step {
	struct proc *p; /* NULL once freed */
	char *name;
	enum job_goal goal;
	const char *success; /* the result word when it succeeds */
	bool done, sent;
	int fault;          /* enum proto_fault */
	const char *result; /* PROTO_F_FAILED: what to print */
	char detail[200];
};

struct job_op {
	struct job_op *next; /* in job_ops */
	struct req *rq;
	bool rolling;
	unsigned width; /* rolling: processes in flight at most */
	bool failed;    /* rolling: a replacement failed; begin no more */
	bool dirty;
	struct job_step *s;
	size_t ns;
};

/* Add a step for P (NAME) to O; NULL on ENOMEM. */
struct job_step *job_op_add(struct job_op *o, struct proc *p, const char *name,
    enum job_goal goal, const char *success);
void job_step_finish(
    struct job_step *st, int fault, const char *result, const char *detail);
void job_op_free(struct job_op *o);
/* O answers RQ from now on: queue it and move it on. */
void job_op_queue(struct req *rq, struct job_op *o);

/* P changed state: move on the jobs waiting on it. */
void job_proc_changed(struct proc *p);
/* P is about to be freed: its waits complete ("removed from the
 * configuration", or done for a step that removes it). */
void job_proc_gone(struct proc *p);
/* Free every job in flight (tendd exits). */
void job_close(void);

/* Handlers (req.def). */
void job_do_startstop(struct req *rq);
void job_do_signal(struct req *rq);
void job_do_rolling(struct req *rq);
void job_do_shutdown(struct req *rq);

#endif /* TEND_JOB_H */

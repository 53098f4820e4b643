/*
 * health.h: active health probes (healthcheck=), run from the loop.
 *
 * A process with healthcheck= gets a struct health (p->health) at its
 * first spawn; one without has none, and no timer.  Probes run while the
 * process is STARTING (readiness=health) or RUNNING, never two at once;
 * healthcheck_retries failures in a row act (healthcheck_action).  The
 * state shows in p->health_text (DESCRIPTION), status --json, the event
 * stream and metrics.
 */
#ifndef TEND_HEALTH_H
#define TEND_HEALTH_H

#include "tend.h"
#include "probe.h"
#include "svctab.h"

#include <ev.h>

struct spawn_opts;

/* What status and metrics show of P's probes. */
struct health_view {
	struct probe_tally tally; /* health of the current run, counts */
	uint64_t actions;	  /* restarts or signals it caused */
	double seconds;		  /* time spent in probes, in all */
	const char *why;	  /* the last failure, "" if none */
	bool probing;		  /* the process is being probed now */
};

#ifdef HAVE_HEALTH
/* OPTS: how exec probes are spawned (tendd's pid; no notify socket). */
void health_init(struct ev_loop *loop, const struct spawn_opts *opts);
/* P's process was just spawned: a new run, probed from now on. */
void health_spawned(struct proc *p);
/* P changed state: probing stops when it leaves STARTING and RUNNING. */
void health_proc_changed(struct proc *p, enum proc_state from);
/* P is about to be freed: drop its probe (an exec probe still running
 * is killed and reaped later). */
void health_forget(struct proc *p);

/* false: P has no probe. */
bool health_view(const struct proc *p, struct health_view *v);

/* Save and restore of the probe state across tendd's re-exec: the
 * counters and the health of the run (a probe in flight is not carried;
 * the next one starts an interval after the restore). */
int health_save(const struct proc *p, char *buf, size_t len);
int health_restore(struct proc *p, const char *text);

#else /* --disable-health: no process has a probe. */
static inline void
health_init(struct ev_loop *loop, const struct spawn_opts *opts)
{
	(void)loop;
	(void)opts;
}
static inline void
health_spawned(struct proc *p)
{
	(void)p;
}
static inline void
health_proc_changed(struct proc *p, enum proc_state from)
{
	(void)p;
	(void)from;
}
static inline void
health_forget(struct proc *p)
{
	(void)p;
}
static inline bool
health_view(const struct proc *p, struct health_view *v)
{
	(void)p;
	(void)v;
	return false;
}
static inline int
health_save(const struct proc *p, char *buf, size_t len)
{
	(void)p;
	(void)buf;
	(void)len;
	return 0;
}
/* A state saved by a tendd with probes: nothing here to restore into. */
static inline int
health_restore(struct proc *p, const char *text)
{
	(void)p;
	(void)text;
	return 0;
}
#endif /* HAVE_HEALTH */

#endif /* TEND_HEALTH_H */

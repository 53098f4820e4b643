/*
 * events.h: the history of state changes and the events request (req.def).
 */
#ifndef TEND_EVENTS_H
#define TEND_EVENTS_H

#include "req.h"
#include "svctab.h"

#ifdef HAVE_EVENT_STREAM
/* Allocate the history (once).  -1 with errno. */
int events_init(void);
/* P changed state from FROM: record it, wake subscribers at the end.
 * Only copies and wakes: safe inside any fsm call. */
void events_record(const struct proc *p, enum proc_state from);
/* P's health changed to HEALTH ("healthy", "unhealthy"; static): an
 * event whose state stays, and whose description says why. */
void events_record_health(const struct proc *p, const char *health);
/* P's [eventlistener:x] pool (its group) discarded events: an event
 * whose state stays, with the pool's counts (listener.c, at most once a
 * second per pool). */
void events_record_pool(const struct proc *p, uint64_t buffered,
    uint64_t dropped, uint64_t max);
/* Free the history (subscriptions are cancelled by their front end). */
void events_close(void);

void events_do_events(struct req *rq);
#else
/* Built --disable-event-stream (an embedded tendd): nothing is kept,
 * and tendctl events fails saying so. */
static inline int
events_init(void)
{
	return 0;
}
static inline void
events_record(const struct proc *p, enum proc_state from)
{
	(void)p;
	(void)from;
}
static inline void
events_record_health(const struct proc *p, const char *health)
{
	(void)p;
	(void)health;
}
static inline void
events_record_pool(const struct proc *p, uint64_t buffered, uint64_t dropped,
    uint64_t max)
{
	(void)p;
	(void)buffered;
	(void)dropped;
	(void)max;
}
static inline void
events_close(void)
{
}
static inline void
events_do_events(struct req *rq)
{
	req_error(rq, "the event stream is not built into this tendd "
	              "(configured --disable-event-stream)");
}
#endif

#endif /* TEND_EVENTS_H */

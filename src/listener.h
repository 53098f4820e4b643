/*
 * listener.h: supervisord's [eventlistener:x] pools (its process.py
 * EventListenerPool and dispatchers.py PEventListenerDispatcher).
 *
 * Each pool subscribes to evbus with its events= mask, buffers what it
 * accepts (lsnbuf.c: buffer_size, the oldest dropped on overflow), and
 * hands each event to one READY listener of the pool: a process of the
 * pool that is RUNNING and wrote READY (lsnproto.c reads its stdout),
 * the first in process order, as _dispatchEvent() picks it.  A RESULT
 * that is not OK, or a listener that exits while BUSY, puts the event
 * back at the head of the buffer.  Serials are supervisord's: a global
 * one taken when the first pool accepts an event, one per pool; both
 * start at 0.
 *
 * Cost: nothing without [eventlistener:x] (no pool, no subscription);
 * a listener process carries one struct (its protocol reader, ~300
 * bytes) through p->lsn.
 */
#ifndef TEND_LISTENER_H
#define TEND_LISTENER_H

#include "svctab.h"

#include <stdint.h>
#include <sys/types.h>

/* The table whose processes are the pools' (tendd's). */
struct listener_pool_info {
	const char *name;
	size_t buffered;   /* events waiting now */
	size_t buffer_size;
	uint64_t accepted; /* events it took (its pool serial) */
	uint64_t dropped;  /* discarded by overflow */
	uint64_t rejected; /* rebuffered: FAIL, a bad result, a death */
	size_t listeners, ready, busy;
};
/* Call FN for each pool, in the order they were made. */
#ifdef HAVE_EVENTS
void listener_init(const struct svctab *tab);
/*
 * Make the pools what the table's configs say: new pools subscribe,
 * changed ones take their new events= and buffer_size, pools no process
 * names any more unsubscribe and drop what they buffered.  At start-up
 * (before evbus_startup(), so the pools see PROCESS_GROUP_ADDED and
 * SUPERVISOR_STATE_CHANGE_RUNNING) and after each reload or reexec.
 */
void listener_sync(void);
/* P's process was just spawned: a new listener is ACKNOWLEDGED. */
void listener_spawned(struct proc *p);
/* P's process ended (its last output read): an event it was BUSY with
 * goes back to the head of its pool's buffer. */
void listener_exited(struct proc *p);
/* P's state changed: a listener that became RUNNING may take events. */
void listener_proc_changed(struct proc *p);
/* N bytes of stdout of P's process PID (logcap.c, for a listener). */
void listener_output(struct proc *p, pid_t pid, const char *buf, size_t n);
/* P leaves the table (reload): let go of its state. */
void listener_forget(struct proc *p);
/* A reexec kept P's listener process running: its protocol state is
 * STATE (enum lsnproto_state), as the old tendd left it. */
void listener_taken_over(struct proc *p, int state);
/* P's listener state (enum lsnproto_state), -1 for a non-listener. */
int listener_state(const struct proc *p);
/* tendd exits: every pool and listener state freed. */
void listener_close(void);

/* One pool, as status and metrics show it. */
void listener_pools(void (*fn)(void *arg, const struct listener_pool_info *),
    void *arg);

#else /* --disable-events: no [eventlistener:x] can be configured. */
static inline void
listener_init(const struct svctab *tab)
{
	(void)tab;
}
static inline void
listener_sync(void)
{
}
#define LISTENER_PROC_STUB(name)                                               \
	static inline void name(struct proc *p)                                \
	{                                                                      \
		(void)p;                                                       \
	}
LISTENER_PROC_STUB(listener_spawned)
LISTENER_PROC_STUB(listener_exited)
LISTENER_PROC_STUB(listener_proc_changed)
LISTENER_PROC_STUB(listener_forget)
static inline void
listener_output(struct proc *p, pid_t pid, const char *buf, size_t n)
{
	(void)p;
	(void)pid;
	(void)buf;
	(void)n;
}
static inline void
listener_taken_over(struct proc *p, int state)
{
	(void)p;
	(void)state;
}
static inline int
listener_state(const struct proc *p)
{
	(void)p;
	return 0;
}
static inline void
listener_close(void)
{
}
static inline void
listener_pools(void (*fn)(void *arg, const struct listener_pool_info *),
    void *arg)
{
	(void)fn;
	(void)arg;
}
#endif /* HAVE_EVENTS */

#endif /* TEND_LISTENER_H */

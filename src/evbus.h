/*
 * evbus.h: supervisord's events (its events.py) as tendd publishes them.
 *
 * The contract between the publishers (tendd's state changes, log capture,
 * ticks, reload, XML-RPC's sendRemoteCommEvent: evbus.c and its hooks) and
 * the subscribers ([eventlistener:x] pools: listener.c).  evbus.c owns the
 * type names, the supertypes, each event's payload text (exactly as
 * supervisord 4.2 writes it: "processname:X groupname:Y from_state:S
 * tries:N" ...) and the tick timers; listener.c owns the header line
 * ("ver:3.0 server:... serial:... pool:... poolserial:... eventname:...
 * len:..."), the serials, buffers and the READY/RESULT protocol.
 *
 * Cost when nobody listens: each evbus_* publisher is a mask test and
 * returns; no tick timer exists unless a subscriber's mask has a TICK.
 */
#ifndef TEND_EVBUS_H
#define TEND_EVBUS_H

#include "tend.h"

#include <stddef.h>
#include <stdint.h>

/* Concrete event types, in supervisord's names (evbus_name()). */
enum evbus_type {
	EVT_PROCESS_STATE_STOPPED,
	EVT_PROCESS_STATE_STARTING,
	EVT_PROCESS_STATE_RUNNING,
	EVT_PROCESS_STATE_BACKOFF,
	EVT_PROCESS_STATE_STOPPING,
	EVT_PROCESS_STATE_EXITED,
	EVT_PROCESS_STATE_FATAL,
	EVT_PROCESS_STATE_UNKNOWN,
	EVT_REMOTE_COMMUNICATION,
	EVT_PROCESS_LOG_STDOUT,
	EVT_PROCESS_LOG_STDERR,
	EVT_PROCESS_COMMUNICATION_STDOUT,
	EVT_PROCESS_COMMUNICATION_STDERR,
	EVT_SUPERVISOR_STATE_CHANGE_RUNNING,
	EVT_SUPERVISOR_STATE_CHANGE_STOPPING,
	EVT_TICK_5,
	EVT_TICK_60,
	EVT_TICK_3600,
	EVT_PROCESS_GROUP_ADDED,
	EVT_PROCESS_GROUP_REMOVED,
	EVT__COUNT
};

#define EVBUS_BIT(t) ((uint32_t)1 << (t))

/* One published event, shared by every pool that buffers it. */
struct evbus_event {
	unsigned refs;
	enum evbus_type type;
	/* supervisord's global serial: 0 until the first pool accepts the
	 * event, then set once by listener.c (GlobalSerial is taken at the
	 * first acceptance, as supervisord's EventListenerPool._acceptEvent
	 * does). */
	uint64_t serial;
	/* The pid of the process the event is about (0: none); listener.c
	 * applies supervisord's rules about a pool's own processes. */
	int pid;
	size_t len;
	char payload[]; /* the body after the header line, len bytes + NUL */
};

/* The subscriber's callback: EV is valid for the call only; keep it with
 * evbus_ref() and release it with evbus_unref(). */
typedef void (*evbus_fn)(void *ctx, struct evbus_event *ev);

/* Subscribe FN for every type in MASK (EVBUS_BIT()s).  Returns a handle
 * > 0, or -1 with errno (ENOMEM). */
int evbus_subscribe(uint32_t mask, evbus_fn fn, void *ctx);
/* Drop a subscription (the tick timers stop when no mask wants them). */
void evbus_unsubscribe(int handle);

/* "PROCESS_STATE, TICK_60" (supervisord's `events=`: comma separated,
 * supertypes EVENT, PROCESS_STATE, PROCESS_LOG, PROCESS_COMMUNICATION,
 * SUPERVISOR_STATE_CHANGE, TICK, PROCESS_GROUP expand to their members).
 * Returns the mask, or 0 with the first unknown name copied to BAD. */
uint32_t evbus_mask_parse(const char *list, char *bad, size_t badlen);
const char *evbus_name(enum evbus_type t);

void evbus_ref(struct evbus_event *ev);
void evbus_unref(struct evbus_event *ev);

/* --- added with evbus.c (backward compatible: declarations only) ------ */

/* Every PROCESS_STATE_* bit, and the TICK_* bits. */
#define EVBUS_PROCESS_STATE_MASK                                               \
	(EVBUS_BIT(EVT_PROCESS_STATE_STOPPED) |                                \
	    EVBUS_BIT(EVT_PROCESS_STATE_STARTING) |                            \
	    EVBUS_BIT(EVT_PROCESS_STATE_RUNNING) |                             \
	    EVBUS_BIT(EVT_PROCESS_STATE_BACKOFF) |                             \
	    EVBUS_BIT(EVT_PROCESS_STATE_STOPPING) |                            \
	    EVBUS_BIT(EVT_PROCESS_STATE_EXITED) |                              \
	    EVBUS_BIT(EVT_PROCESS_STATE_FATAL) |                               \
	    EVBUS_BIT(EVT_PROCESS_STATE_UNKNOWN))
#define EVBUS_TICK_MASK                                                        \
	(EVBUS_BIT(EVT_TICK_5) | EVBUS_BIT(EVT_TICK_60) |                      \
	    EVBUS_BIT(EVT_TICK_3600))

struct ev_loop;
struct proc;
struct tend_conf;

#ifdef HAVE_EVENTS
/* The union of every subscription's mask: the one test a hook makes
 * before doing anything (evbus_wants()). */
extern uint32_t evbus_wanted;

static inline int
evbus_wants(uint32_t bits)
{
	return (evbus_wanted & bits) != 0;
}

/* The loop the tick timers run on (tendd.c, before any subscription);
 * NULL (unit tests): no timers, ticks only through evbus_tick(). */
void evbus_init(struct ev_loop *loop);
/* Drop every subscription and timer (tendd's exit). */
void evbus_close(void);

/* The publishers.  Each returns at once when no subscription wants its
 * type; otherwise it builds the payload supervisord's payload() would
 * and hands the event to each subscriber in subscription order. */

/* P's state changed from FROM (int: enum proc_state) to p->state
 * (tendd.c's fsm_ops.changed): PROCESS_STATE_* with from_state, tries,
 * expected, pid as supervisord's process.py sets them.  Where tend
 * skips a state supervisord passes through (a spawn that fails at once:
 * no STARTING; the last failed start: FATAL without BACKOFF), the
 * missing events are published first (tendd(8), EVENTS). */
void evbus_proc_changed(const struct proc *p, int from);
/* Output of P's process PID on CHANNEL (1 stdout, 2 stderr):
 * PROCESS_LOG_STDOUT/STDERR ("processname:X groupname:Y pid:N
 * channel:stdout\n" DATA). */
void evbus_proc_log(const struct proc *p, int pid, int channel,
    const char *data, size_t len);
/* A captured block (between <!--XSUPERVISOR:BEGIN--> and END):
 * PROCESS_COMMUNICATION_STDOUT/STDERR. */
void evbus_proc_comm(const struct proc *p, int pid, int channel,
    const char *data, size_t len);
/* Start-up, once the listener pools have subscribed and before any
 * process starts: PROCESS_GROUP_ADDED for each group of PROCS (each
 * once, sorted as supervisord sorts them: priority, then name; CONF's
 * [group:x] priorities), then SUPERVISOR_STATE_CHANGE_RUNNING. */
void evbus_startup(const struct tend_conf *conf, struct proc *const *procs,
    size_t n);
/* Does any of PROCS other than SKIP belong to GROUP?  (A group is added
 * with its first process and removed with its last.) */
int evbus_group_has(struct proc *const *procs, size_t n, const char *group,
    const struct proc *skip);
/* SUPERVISOR_STATE_CHANGE_RUNNING or _STOPPING (empty payload). */
void evbus_supervisor_state(enum evbus_type t);
/* PROCESS_GROUP_ADDED or _REMOVED ("groupname:X\n"). */
void evbus_group(enum evbus_type t, const char *group);
/* REMOTE_COMMUNICATION ("type:T\n" DATA), from sendRemoteCommEvent. */
void evbus_remote(const char *type, const char *data);
/* TICK_5/60/3600 for the timeslice WHEN ("when:N"); the timers call it,
 * tests may too. */
void evbus_tick(enum evbus_type t, long long when);
/* supervisord's timeslice(period, when): WHEN rounded down to a
 * multiple of PERIOD seconds. */
long long evbus_timeslice(int period, double when);
/* Is the timer of tick type T armed?  (Tests: no timer unless wanted.) */
int evbus_tick_armed(enum evbus_type t);

#else /* !HAVE_EVENTS: configured --disable-events, no subscriber can
       * exist: every hook is nothing, and the compiler drops it. */
static inline int
evbus_wants(uint32_t bits)
{
	(void)bits;
	return 0;
}
static inline void
evbus_init(struct ev_loop *loop)
{
	(void)loop;
}
static inline void
evbus_close(void)
{
}
static inline void
evbus_proc_changed(const struct proc *p, int from)
{
	(void)p;
	(void)from;
}
static inline void
evbus_startup(const struct tend_conf *conf, struct proc *const *procs,
    size_t n)
{
	(void)conf;
	(void)procs;
	(void)n;
}
static inline int
evbus_group_has(struct proc *const *procs, size_t n, const char *group,
    const struct proc *skip)
{
	(void)procs;
	(void)n;
	(void)group;
	(void)skip;
	return 0;
}
static inline void
evbus_supervisor_state(enum evbus_type t)
{
	(void)t;
}
static inline void
evbus_group(enum evbus_type t, const char *group)
{
	(void)t;
	(void)group;
}
/* sendRemoteCommEvent: supervisord answers True with nobody listening. */
static inline void
evbus_remote(const char *type, const char *data)
{
	(void)type;
	(void)data;
}
#endif /* HAVE_EVENTS */

#endif /* TEND_EVBUS_H */

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

#endif /* TEND_EVBUS_H */

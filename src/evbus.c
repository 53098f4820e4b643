/*
 * evbus.c: supervisord's events (its events.py) as tendd publishes them.
 *
 * Owns the subscriptions, refcounted events, the payload of every event
 * type exactly as supervisord 4.2's payload() writes it, the mapping of
 * tend's state changes to supervisord's PROCESS_STATE_* events, and the
 * tick timers.  Leaves alone: the header line, the serials, the pools'
 * buffers and the READY/RESULT protocol (listener.c); when the hooks are
 * called (tendd.c, logcap.c, reload.c, xmlrpc_sv.c).  The type names and
 * supertypes (`events=` of a listener) are evbus_names.c's: pure, in
 * libtend.a, for the config loader.
 *
 * Cost when nobody listens: every publisher first tests its bit in
 * evbus_wanted and returns; no tick timer exists unless a subscription
 * wants a TICK (idle stays at zero wake-ups).
 */
#include "tend.h"
#include "evbus.h"
#include "log.h"
#include "svctab.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

uint32_t evbus_wanted;

struct evbus_sub {
	int handle; /* 0: a free slot */
	uint32_t mask;
	evbus_fn fn;
	void *ctx;
};

static struct evbus_sub *subs;
static size_t nsubs;
static int last_handle;

/* The tick timers: one ev_periodic per period, aligned on multiples of
 * the period in wall-clock time, as supervisord's timeslice() is. */
static struct ev_loop *evbus_loop;
static const int tick_periods[3] = {5, 60, 3600};
static ev_periodic tick_timers[3];
static long long tick_last[3];

/* --- subscriptions and tick timers -------------------------------------- */

static void evbus_tick_cb(struct ev_loop *loop, ev_periodic *w, int revents);

static void
evbus_recompute(void)
{
	uint32_t m = 0;
	size_t i;

	for (i = 0; i < nsubs; i++)
		if (subs[i].handle != 0)
			m |= subs[i].mask;
	evbus_wanted = m;
	if (evbus_loop == NULL)
		return;
	for (i = 0; i < 3; i++) {
		bool want = (m & EVBUS_BIT(EVT_TICK_5 + i)) != 0;
		bool armed = ev_is_active(&tick_timers[i]);

		if (want && !armed) {
			/* supervisord's first tick() remembers the
			 * current timeslice and notifies only once it
			 * rolls over. */
			tick_last[i] = evbus_timeslice(
			    tick_periods[i], ev_now(evbus_loop));
			ev_periodic_init(&tick_timers[i], evbus_tick_cb, 0.,
			    (ev_tstamp)tick_periods[i], NULL);
			tick_timers[i].data = (void *)(uintptr_t)i;
			ev_periodic_start(evbus_loop, &tick_timers[i]);
		} else if (!want && armed)
			ev_periodic_stop(evbus_loop, &tick_timers[i]);
	}
}

int
evbus_subscribe(uint32_t mask, evbus_fn fn, void *ctx)
{
	struct evbus_sub *v;
	size_t i;

	for (i = 0; i < nsubs; i++)
		if (subs[i].handle == 0)
			break;
	if (i == nsubs) {
		v = realloc(subs, (nsubs + 1) * sizeof(*subs));
		if (v == NULL)
			return -1; /* errno ENOMEM */
		subs = v;
		nsubs++;
	}
	subs[i].handle = ++last_handle;
	subs[i].mask = mask;
	subs[i].fn = fn;
	subs[i].ctx = ctx;
	evbus_recompute();
	return subs[i].handle;
}

void
evbus_unsubscribe(int handle)
{
	size_t i;

	for (i = 0; i < nsubs; i++)
		if (subs[i].handle == handle && handle > 0) {
			subs[i].handle = 0;
			subs[i].mask = 0;
			break;
		}
	evbus_recompute();
}

void
evbus_init(struct ev_loop *loop)
{
	evbus_loop = loop;
	evbus_recompute();
}

void
evbus_close(void)
{
	size_t i;

	for (i = 0; i < 3 && evbus_loop != NULL; i++)
		if (ev_is_active(&tick_timers[i]))
			ev_periodic_stop(evbus_loop, &tick_timers[i]);
	free(subs);
	subs = NULL;
	nsubs = 0;
	evbus_wanted = 0;
	evbus_loop = NULL;
}

/* --- events --------------------------------------------------------------- */

void
evbus_ref(struct evbus_event *ev)
{
	ev->refs++;
}

void
evbus_unref(struct evbus_event *ev)
{
	if (ev != NULL && --ev->refs == 0)
		free(ev);
}

/* Hand EV to every subscription that wants its type, in subscription
 * order (supervisord's events.notify), then drop the publisher's
 * reference.  A callback may subscribe or unsubscribe: slots are only
 * reused, never moved, and the count is read afresh. */
static void
evbus_deliver(struct evbus_event *ev)
{
	size_t i;

	for (i = 0; i < nsubs; i++)
		if (subs[i].handle != 0 && (subs[i].mask & EVBUS_BIT(ev->type)))
			subs[i].fn(subs[i].ctx, ev);
	evbus_unref(ev);
}

/* A new event of type T about PID with room for LEN payload bytes;
 * NULL (logged) when out of memory: the event is lost, as any event
 * supervisord could not build. */
static struct evbus_event *
evbus_new(enum evbus_type t, int pid, size_t len)
{
	struct evbus_event *ev = malloc(sizeof(*ev) + len + 1);

	if (ev == NULL) {
		log_warn(
		    "evbus: %s event of %zu bytes lost", evbus_name(t), len);
		return NULL;
	}
	ev->refs = 1;
	ev->type = t;
	ev->serial = 0;
	ev->pid = pid;
	ev->len = len;
	ev->payload[len] = '\0';
	return ev;
}

/* Publish a payload made of a printf head and raw DATA. */
static void __attribute__((format(printf, 5, 0)))
evbus_publishv(enum evbus_type t, int pid, const char *data, size_t dlen,
    const char *fmt, va_list ap)
{
	struct evbus_event *ev;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	ev = evbus_new(t, pid, (size_t)n + dlen);
	if (ev == NULL)
		return;
	(void)vsnprintf(ev->payload, (size_t)n + 1, fmt, ap);
	if (dlen > 0)
		memcpy(ev->payload + n, data, dlen);
	ev->payload[ev->len] = '\0';
	evbus_deliver(ev);
}

static void evbus_publish(enum evbus_type t, int pid, const char *data,
    size_t dlen, const char *fmt, ...) TEND_PRINTF(5, 6);

static void
evbus_publish(enum evbus_type t, int pid, const char *data, size_t dlen,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	evbus_publishv(t, pid, data, dlen, fmt, ap);
	va_end(ap);
}

/* --- process output ------------------------------------------------------- */

/* The length of the valid UTF-8 sequence at S (N bytes left), 0 if it is
 * not one: Python's strict decoder (no overlongs, no surrogates, nothing
 * above U+10FFFF). */
static size_t
evbus_utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned c = s[0];
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static bool
evbus_utf8_valid(const char *data, size_t len)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t i = 0, k;

	while (i < len) {
		k = evbus_utf8_seq(s + i, len - i);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

/* Python's repr() of bytes, into OUT (4 * LEN + 3 bytes at most):
 * what supervisord sends as "Undecodable: %r" for output that is not
 * UTF-8. */
static size_t
evbus_bytes_repr(const char *data, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)data;
	char quote = '\'';
	size_t i, o = 0;

	if (memchr(data, '\'', len) != NULL && memchr(data, '"', len) == NULL)
		quote = '"';
	out[o++] = 'b';
	out[o++] = quote;
	for (i = 0; i < len; i++) {
		unsigned c = s[i];

		if (c == (unsigned char)quote || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\t' || c == '\n' || c == '\r') {
			out[o++] = '\\';
			out[o++] = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
		} else if (c < 0x20 || c >= 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else
			out[o++] = (char)c;
	}
	out[o++] = quote;
	return o;
}

/* Publish output DATA with the head FMT (name, group, pid[, channel]),
 * as supervisord's as_string(data) or 'Undecodable: %r' % data. */
static void
evbus_output(enum evbus_type t, const struct proc *p, int pid, const char *chan,
    const char *data, size_t len)
{
	const char *name = p->conf->name, *group = p->conf->group;
	char *repr = NULL;

	if (!evbus_utf8_valid(data, len)) {
		repr = malloc(sizeof("Undecodable: ") + 4 * len + 3);
		if (repr == NULL) {
			log_warn("evbus: %s event of %zu bytes lost",
			    evbus_name(t), len);
			return;
		}
		memcpy(repr, "Undecodable: ", 13);
		len = 13 + evbus_bytes_repr(data, len, repr + 13);
		data = repr;
	}
	if (chan != NULL)
		evbus_publish(t, pid, data, len,
		    "processname:%s groupname:%s pid:%d channel:%s\n", name,
		    group, pid, chan);
	else
		evbus_publish(t, pid, data, len,
		    "processname:%s groupname:%s pid:%d\n", name, group, pid);
	free(repr);
}

void
evbus_proc_log(
    const struct proc *p, int pid, int channel, const char *data, size_t len)
{
	enum evbus_type t =
	    channel == 2 ? EVT_PROCESS_LOG_STDERR : EVT_PROCESS_LOG_STDOUT;

	/* supervisord's _log() sends nothing for empty data. */
	if (!evbus_wants(EVBUS_BIT(t)) || len == 0)
		return;
	evbus_output(t, p, pid, channel == 2 ? "stderr" : "stdout", data, len);
}

void
evbus_proc_comm(
    const struct proc *p, int pid, int channel, const char *data, size_t len)
{
	enum evbus_type t = channel == 2 ? EVT_PROCESS_COMMUNICATION_STDERR
	                                 : EVT_PROCESS_COMMUNICATION_STDOUT;

	if (!evbus_wants(EVBUS_BIT(t)))
		return;
	evbus_output(t, p, pid, NULL, data, len);
}

/* --- supervisor, groups, remote, ticks ------------------------------------ */

void
evbus_supervisor_state(enum evbus_type t)
{
	if (!evbus_wants(EVBUS_BIT(t)))
		return;
	evbus_publish(t, 0, NULL, 0, "%s", "");
}

int
evbus_group_has(struct proc *const *procs, size_t n, const char *group,
    const struct proc *skip)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (procs[i] != skip && strcmp(procs[i]->conf->group, group) == 0)
			return 1;
	return 0;
}

struct evbus_grp {
	const char *name;
	int priority;
};

static int
evbus_grp_cmp(const void *a, const void *b)
{
	const struct evbus_grp *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* A group's priority as supervisord sorts groups: [group:x]'s own, else
 * (a program's homogeneous group) the program's. */
static int
evbus_grp_priority(const struct tend_conf *conf, const struct proc *p)
{
	size_t i;

	for (i = 0; conf != NULL && i < conf->ngroups; i++)
		if (strcmp(conf->groups[i]->name, p->conf->group) == 0)
			return conf->groups[i]->priority;
	return p->conf->priority;
}

void
evbus_startup(const struct tend_conf *conf, struct proc *const *procs,
    size_t n)
{
	struct evbus_grp *g = NULL;
	size_t i, ng = 0;

	if (evbus_wants(EVBUS_BIT(EVT_PROCESS_GROUP_ADDED)) && n > 0 &&
	    (g = calloc(n, sizeof(*g))) == NULL)
		log_warn("evbus: PROCESS_GROUP_ADDED events lost");
	/* supervisord adds its groups sorted by priority, then name. */
	for (i = 0; g != NULL && i < n; i++)
		if (!evbus_group_has(procs, i, procs[i]->conf->group, NULL)) {
			g[ng].name = procs[i]->conf->group;
			g[ng++].priority = evbus_grp_priority(conf, procs[i]);
		}
	if (g != NULL)
		qsort(g, ng, sizeof(*g), evbus_grp_cmp);
	for (i = 0; i < ng; i++)
		evbus_group(EVT_PROCESS_GROUP_ADDED, g[i].name);
	free(g);
	evbus_supervisor_state(EVT_SUPERVISOR_STATE_CHANGE_RUNNING);
}

void
evbus_group(enum evbus_type t, const char *group)
{
	if (!evbus_wants(EVBUS_BIT(t)))
		return;
	evbus_publish(t, 0, NULL, 0, "groupname:%s\n", group);
}

void
evbus_remote(const char *type, const char *data)
{
	if (!evbus_wants(EVBUS_BIT(EVT_REMOTE_COMMUNICATION)))
		return;
	evbus_publish(
	    EVT_REMOTE_COMMUNICATION, 0, data, strlen(data), "type:%s\n", type);
}

void
evbus_tick(enum evbus_type t, long long when)
{
	if (!evbus_wants(EVBUS_BIT(t)))
		return;
	evbus_publish(t, 0, NULL, 0, "when:%lld", when);
}

long long
evbus_timeslice(int period, double when)
{
	/* Python's int(when - (when % period)): % is floored, so this is
	 * the multiple of PERIOD at or below WHEN, negative times too. */
	double q = when / period;
	long long k = (long long)q;

	if ((double)k > q)
		k--;
	return k * period;
}

int
evbus_tick_armed(enum evbus_type t)
{
	if (t < EVT_TICK_5 || t > EVT_TICK_3600)
		return 0;
	return ev_is_active(&tick_timers[t - EVT_TICK_5]);
}

static void
evbus_tick_cb(struct ev_loop *loop, ev_periodic *w, int revents)
{
	size_t i = (size_t)(uintptr_t)w->data;
	/* libev fires at or just after the boundary; a hair of slack keeps
	 * a boundary met a microsecond early in its own timeslice. */
	long long now = evbus_timeslice(tick_periods[i], ev_now(loop) + 1e-3);

	(void)revents;
	if (now == tick_last[i])
		return;
	tick_last[i] = now;
	evbus_tick((enum evbus_type)(EVT_TICK_5 + i), now);
}

/* --- process states ---------------------------------------------------------
 */

/* supervisord's names (states.py): the same as tend's. */
static const char *
evbus_state_name(int s)
{
	switch (s) {
	case PROC_STOPPED:
		return "STOPPED";
	case PROC_STARTING:
		return "STARTING";
	case PROC_RUNNING:
		return "RUNNING";
	case PROC_BACKOFF:
		return "BACKOFF";
	case PROC_STOPPING:
		return "STOPPING";
	case PROC_EXITED:
		return "EXITED";
	case PROC_FATAL:
		return "FATAL";
	default:
		return "UNKNOWN";
	}
}

static enum evbus_type
evbus_state_type(int s)
{
	switch (s) {
	case PROC_STOPPED:
		return EVT_PROCESS_STATE_STOPPED;
	case PROC_STARTING:
		return EVT_PROCESS_STATE_STARTING;
	case PROC_RUNNING:
		return EVT_PROCESS_STATE_RUNNING;
	case PROC_BACKOFF:
		return EVT_PROCESS_STATE_BACKOFF;
	case PROC_STOPPING:
		return EVT_PROCESS_STATE_STOPPING;
	case PROC_EXITED:
		return EVT_PROCESS_STATE_EXITED;
	case PROC_FATAL:
		return EVT_PROCESS_STATE_FATAL;
	default:
		return EVT_PROCESS_STATE_UNKNOWN;
	}
}

/* One PROCESS_STATE_* event: "processname:X groupname:Y from_state:S"
 * and the extra values of its class in events.py. */
static void
evbus_state(
    const struct proc *p, int to, int from, int tries, int expected, int pid)
{
	enum evbus_type t = evbus_state_type(to);
	const char *name = p->conf->name, *group = p->conf->group;
	const char *fs = evbus_state_name(from);

	if (!evbus_wants(EVBUS_BIT(t)))
		return;
	switch (to) {
	case PROC_STARTING:
	case PROC_BACKOFF:
		evbus_publish(t, pid, NULL, 0,
		    "processname:%s groupname:%s from_state:%s tries:%d", name,
		    group, fs, tries);
		break;
	case PROC_EXITED:
		evbus_publish(t, pid, NULL, 0,
		    "processname:%s groupname:%s from_state:%s expected:%d "
		    "pid:%d",
		    name, group, fs, expected, pid);
		break;
	case PROC_RUNNING:
	case PROC_STOPPING:
	case PROC_STOPPED:
		evbus_publish(t, pid, NULL, 0,
		    "processname:%s groupname:%s from_state:%s pid:%d", name,
		    group, fs, pid);
		break;
	default: /* FATAL, UNKNOWN: no extra values */
		evbus_publish(t, pid, NULL, 0,
		    "processname:%s groupname:%s from_state:%s", name, group,
		    fs);
		break;
	}
}

/* The pid supervisord's event would carry: the process's, which tend
 * has already forgotten when the change comes from its exit (reap.c
 * clears p->pid before fsm_on_exit), so the exit's pid then. */
static int
evbus_pid(const struct proc *p)
{
	if (p->pid != 0)
		return (int)p->pid;
	return p->lastexit.valid ? (int)p->lastexit.pid : 0;
}

void
evbus_proc_changed(const struct proc *p, int from)
{
	int to = (int)p->state, retries = p->conf->startretries;
	const struct proc_exit *ex = &p->lastexit;

	if (!evbus_wants(EVBUS_PROCESS_STATE_MASK))
		return;
	switch (to) {
	case PROC_STARTING:
		evbus_state(p, to, from, p->backoff, 1, evbus_pid(p));
		break;
	case PROC_BACKOFF:
		/* A spawn that failed at once never entered STARTING;
		 * supervisord's spawn() always does first. */
		if (from != PROC_STARTING)
			evbus_state(
			    p, PROC_STARTING, from, p->backoff - 1, 1, 0);
		evbus_state(p, to, PROC_STARTING, p->backoff, 1, evbus_pid(p));
		break;
	case PROC_FATAL:
		/* tend gives up without the last BACKOFF step
		 * (fsm_enter_backoff: the only way to FATAL); supervisord
		 * enters BACKOFF with tries = startretries + 1, then FATAL
		 * on its next tick. */
		if (from != PROC_STARTING)
			evbus_state(p, PROC_STARTING, from, retries, 1, 0);
		evbus_state(p, PROC_BACKOFF, PROC_STARTING, retries + 1, 1,
		    evbus_pid(p));
		evbus_state(p, to, PROC_BACKOFF, 0, 1, evbus_pid(p));
		break;
	case PROC_EXITED:
		/* decode_wait_status(): a signal is es -1, never expected. */
		evbus_state(p, to, from, 0,
		    ex->signal == 0 &&
		        conf_exitcode_expected(&p->conf->exitcodes, ex->code),
		    evbus_pid(p));
		break;
	case PROC_STOPPED:
		/* Only a stop that ended a process has one; BACKOFF or a
		 * pending restart stopped has pid 0 (process.py's kill()). */
		evbus_state(p, to, from, 0, 1,
		    from == PROC_STOPPING ? evbus_pid(p) : 0);
		break;
	default:
		evbus_state(p, to, from, 0, 1, evbus_pid(p));
		break;
	}
}

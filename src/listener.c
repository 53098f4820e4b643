/*
 * listener.c: supervisord's [eventlistener:x] pools (listener.h).
 *
 * Owns: the pools (their evbus subscription, their buffer, their
 * serial), the global serial, each listener process's protocol state
 * (p->lsn: the stdout reader and the event it is BUSY with), the
 * envelope written to a listener's stdin.  Leaves alone: reading the
 * pipe (logcap.c hands each chunk of a listener's stdout here and still
 * writes it to stdout_logfile, as supervisord's childlog does), writing
 * it (feed.c queues what the pipe does not take, never blocking), the
 * payloads (evbus.c), the process states (fsm.c).
 *
 * Dispatch happens at once when it can (an event accepted, a listener
 * READY or RUNNING, an event back in the buffer), where supervisord
 * waits for its next loop turn; the order is the same.  Nothing here
 * waits on a listener: a listener that never answers keeps its one
 * event and its pool buffers the rest, up to buffer_size.
 */
#include "listener.h"

#include "evbus.h"
#include "events.h"
#include "feed.h"
#include "log.h"
#include "lsnbuf.h"
#include "lsnproto.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct lsn_pool {
	struct lsn_pool *next;
	char *name;
	uint32_t mask;
	int handle;	     /* evbus subscription, -1: none */
	struct lsnbuf buf;
	uint64_t serial;     /* the next pool serial */
	uint64_t rejected;
	double noted;	     /* when tendctl events last heard of a
				discard (monotonic), 0: not since an event
				was sent */
	struct proc **members; /* its processes, by process_num */
	size_t nmembers;
	bool seen;	     /* listener_sync's mark */
};

struct lsn_proc {
	struct lsnproto rd;
	struct lsn_pool *pool; /* NULL: no longer in a pool (reload) */
	pid_t pid;	       /* the process the state is about, 0: none */
	struct lsnbuf_item cur; /* the event while BUSY (ev NULL: none) */
};

static struct {
	const struct svctab *tab;
	struct lsn_pool *pools;
	uint64_t serial; /* the last global serial given, plus one */
} L;

static void pool_dispatch(struct lsn_pool *pool);
static struct lsn_pool *pool_find(const char *name);

void
listener_init(const struct svctab *tab)
{
	L.tab = tab;
}

/* --- the buffer ------------------------------------------------------- */

static void
pool_discarded(struct lsn_pool *pool, struct lsnbuf_item *it)
{
	struct evbus_event *ev = it->ev;
	double now;

	log_errorx("pool %s event buffer overflowed, discarding event %llu "
	           "(%llu discarded so far; buffer_size=%zu)",
	    pool->name, (unsigned long long)(ev->serial - 1),
	    (unsigned long long)pool->buf.dropped, pool->buf.max);
	evbus_unref(ev);
	/* tendctl events hears of it once per episode, at most once a
	 * second while it goes on. */
	now = util_monotonic();
	if (pool->nmembers > 0 && (pool->noted == 0 || now - pool->noted >= 1)) {
		pool->noted = now;
		events_record_pool(pool->members[0], pool->buf.max,
		    pool->buf.dropped, pool->buf.max);
	}
}

/* supervisord's _acceptEvent(): the item holds a reference. */
static void
pool_push(struct lsn_pool *pool, struct lsnbuf_item it, bool head)
{
	struct lsnbuf_item gone;
	struct evbus_event *ev = it.ev;

	switch (lsnbuf_push(&pool->buf, it, head, &gone)) {
	case 1:
		pool_discarded(pool, &gone);
		break;
	case -1:
		log_errorx("pool %s: out of memory, discarding event %llu",
		    pool->name, (unsigned long long)(ev->serial - 1));
		pool->buf.dropped++;
		evbus_unref(ev);
		break;
	}
}

/* Back at the head: rejected, or its listener is gone. */
static void
pool_rebuffer(struct lsn_pool *pool, struct lsnbuf_item it)
{
	struct evbus_event *ev = it.ev;

	pool->rejected++;
	log_debug("rebuffering event %llu for pool %s (buf size=%zu, max=%zu)",
	    (unsigned long long)(ev->serial - 1), pool->name, pool->buf.n,
	    pool->buf.max);
	pool_push(pool, it, true);
	pool_dispatch(pool);
}

/* The evbus subscription: a new event for the pool. */
static void
pool_accept(void *ctx, struct evbus_event *ev)
{
	struct lsn_pool *pool = ctx;
	struct lsnbuf_item it = {ev, pool->serial++};

	/* evbus's serial 0 means "none yet": ours are stored plus one. */
	if (ev->serial == 0)
		ev->serial = ++L.serial;
	evbus_ref(ev);
	pool_push(pool, it, false);
	pool_dispatch(pool);
}

/* --- dispatch --------------------------------------------------------- */

/* Python's len() of the payload: characters, not bytes (evbus.c's
 * payloads are UTF-8). */
static size_t
utf8_chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

/* Write IT's envelope to P.  -1: P's stdin did not take it. */
static int
send_event(struct lsn_pool *pool, struct proc *p, struct lsnbuf_item it)
{
	struct evbus_event *ev = it.ev;
	const char *server = L.tab->conf->global.identifier;
	char *buf;
	int hl, rc, e;

	hl = lsnproto_header(NULL, 0, server != NULL ? server : "",
	    ev->serial - 1, pool->name, it.poolserial, evbus_name(ev->type),
	    utf8_chars(ev->payload, ev->len));
	if (hl < 0 || (buf = malloc((size_t)hl + 1 + ev->len)) == NULL) {
		log_warnx("%s: event %llu not sent: out of memory",
		    p->fullname, (unsigned long long)(ev->serial - 1));
		return -1;
	}
	(void)lsnproto_header(buf, (size_t)hl + 1, server != NULL ? server : "",
	    ev->serial - 1, pool->name, it.poolserial, evbus_name(ev->type),
	    utf8_chars(ev->payload, ev->len));
	memcpy(buf + hl, ev->payload, ev->len);
	rc = feed_write(p, buf, (size_t)hl + ev->len);
	e = errno;
	free(buf);
	if (rc == -1)
		log_debug("%s while sending event %llu to listener %s, "
		          "listener state unchanged",
		    e == EPIPE ? "epipe occurred" : strerror(e),
		    (unsigned long long)(ev->serial - 1), p->fullname);
	return rc;
}

/* supervisord's _dispatchEvent(): the first RUNNING, READY process of
 * the pool takes IT.  false: none could. */
static bool
pool_send(struct lsn_pool *pool, struct lsnbuf_item it)
{
	struct lsn_proc *l;
	struct proc *p;
	size_t i;

	for (i = 0; i < pool->nmembers; i++) {
		p = pool->members[i];
		l = p->lsn;
		if (p->state != PROC_RUNNING || l == NULL || l->pid == 0 ||
		    l->pid != p->pid || l->rd.state != LSN_READY)
			continue;
		if (send_event(pool, p, it) == -1)
			continue;
		lsnproto_sent(&l->rd);
		l->cur = it;
		pool->noted = 0;
		log_debug("event %llu sent to listener %s",
		    (unsigned long long)(((struct evbus_event *)it.ev)->serial -
		                         1),
		    p->fullname);
		return true;
	}
	return false;
}

/* supervisord's dispatch(): the oldest first, until one cannot go. */
static void
pool_dispatch(struct lsn_pool *pool)
{
	struct lsnbuf_item it, gone;

	while (lsnbuf_pop(&pool->buf, &it)) {
		if (pool_send(pool, it))
			continue;
		/* Back where it was: the buffer has room for it now. */
		if (lsnbuf_push(&pool->buf, it, true, &gone) != 0)
			evbus_unref(it.ev); /* cannot happen: it was there */
		break;
	}
}

/* --- a listener's stdout ---------------------------------------------- */

/* The event P was BUSY with is done: accepted (OK) or back in the
 * buffer. */
static void
proc_settle(struct proc *p, bool ok)
{
	struct lsn_proc *l = p->lsn;
	struct lsnbuf_item it = l->cur;

	struct lsn_pool *pool = l->pool;

	l->cur.ev = NULL;
	if (it.ev == NULL)
		return;
	/* A process a reload took out of its pool: its pool, if it is
	 * still there (fewer numprocs), has the event back. */
	if (pool == NULL)
		pool = pool_find(p->conf->group);
	if (ok || pool == NULL)
		evbus_unref(it.ev);
	else
		pool_rebuffer(pool, it);
}

static void
proc_unknown(struct proc *p)
{
	log_warnx("%s: has entered the UNKNOWN state and will no longer "
	          "receive events, this usually indicates the process "
	          "violated the eventlistener protocol",
	    p->fullname);
}

/* What lsnproto read means (dispatchers.py's handle_listener_state_
 * change and handle_result, their messages). */
static void
proc_note(void *ctx, enum lsnproto_note note, const char *text, size_t len)
{
	struct proc *p = ctx;
	struct lsn_proc *l = p->lsn;

	switch (note) {
	case LSN_NOTE_READY:
		log_debug("%s: ACKNOWLEDGED -> READY", p->fullname);
		proc_settle(p, false); /* none expected: READY after OK */
		if (l->pool != NULL)
			pool_dispatch(l->pool);
		break;
	case LSN_NOTE_OK:
		log_debug("%s: event was processed", p->fullname);
		proc_settle(p, true);
		break;
	case LSN_NOTE_REJECTED:
		log_warnx("%s: event was rejected", p->fullname);
		proc_settle(p, false);
		break;
	case LSN_NOTE_BAD_RESULT:
		log_warnx("%s: bad result line: '%.*s'", p->fullname,
		    (int)(len > 200 ? 200 : len), text);
		proc_unknown(p);
		proc_settle(p, false);
		break;
	case LSN_NOTE_GARBAGE:
	case LSN_NOTE_SPURIOUS:
		log_debug("%s: %s -> UNKNOWN (output: '%.*s')", p->fullname,
		    note == LSN_NOTE_GARBAGE ? "ACKNOWLEDGED" : "READY",
		    (int)(len > 200 ? 200 : len), text);
		proc_unknown(p);
		proc_settle(p, false);
		break;
	}
}

void
listener_output(struct proc *p, pid_t pid, const char *buf, size_t n)
{
	struct lsn_proc *l = p->lsn;

	if (l == NULL || l->pid == 0 || l->pid != pid)
		return;
	log_debug("'%s' stdout output:\n%.*s", p->fullname,
	    (int)(n > 1024 ? 1024 : n), buf);
	lsnproto_feed(&l->rd, buf, n, proc_note, p);
}

/* --- processes -------------------------------------------------------- */

void
listener_spawned(struct proc *p)
{
	struct lsn_proc *l = p->lsn;

	if (l == NULL)
		return;
	/* A reload made it a program: its stdout is no protocol now. */
	if (!conf_is_listener(p->conf)) {
		listener_forget(p);
		return;
	}
	proc_settle(p, false);
	lsnproto_init(&l->rd);
	l->pid = p->pid;
}

void
listener_exited(struct proc *p)
{
	struct lsn_proc *l = p->lsn;

	if (l == NULL)
		return;
	l->pid = 0;
	proc_settle(p, false);
}

void
listener_proc_changed(struct proc *p)
{
	struct lsn_proc *l = p->lsn;

	if (l != NULL && l->pool != NULL && p->state == PROC_RUNNING)
		pool_dispatch(l->pool);
}

void
listener_taken_over(struct proc *p, int state)
{
	struct lsn_proc *l = p->lsn;

	if (l == NULL || p->pid == 0)
		return;
	lsnproto_init(&l->rd);
	/* BUSY's event stayed with the old tendd: its RESULT, when it
	 * comes, settles nothing. */
	l->rd.state = (enum lsnproto_state)state;
	if (state == LSN_BUSY)
		lsnproto_sent(&l->rd);
	l->pid = p->pid;
}

int
listener_state(const struct proc *p)
{
	const struct lsn_proc *l = p->lsn;

	return l != NULL ? (int)l->rd.state : -1;
}

/* Out of its pool's members (a pool that goes, a reload). */
static void
proc_leave(struct lsn_pool *pool, struct proc *p)
{
	size_t i;

	for (i = 0; i < pool->nmembers; i++)
		if (pool->members[i] == p) {
			memmove(&pool->members[i], &pool->members[i + 1],
			    (pool->nmembers - i - 1) * sizeof(*pool->members));
			pool->nmembers--;
			break;
		}
}

void
listener_forget(struct proc *p)
{
	struct lsn_proc *l = p->lsn;

	if (l == NULL)
		return;
	l->pid = 0;
	proc_settle(p, false);
	if (l->pool != NULL)
		proc_leave(l->pool, p);
	free(l);
	p->lsn = NULL;
}

/* --- pools ------------------------------------------------------------ */

static struct lsn_pool *
pool_find(const char *name)
{
	struct lsn_pool *pool;

	for (pool = L.pools; pool != NULL; pool = pool->next)
		if (strcmp(pool->name, name) == 0)
			return pool;
	return NULL;
}

static struct lsn_pool *
pool_new(const char *name)
{
	struct lsn_pool *pool, **pp;

	if ((pool = calloc(1, sizeof(*pool))) == NULL ||
	    (pool->name = strdup(name)) == NULL) {
		free(pool);
		return NULL;
	}
	pool->handle = -1;
	lsnbuf_init(&pool->buf, 10);
	/* In the order made: status and metrics list them so. */
	for (pp = &L.pools; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = pool;
	return pool;
}

/* Unsubscribe; what is buffered is dropped with it (a pool removed by
 * reload loses its events, as supervisord's removed group does). */
static void
pool_free(struct lsn_pool *pool)
{
	struct lsnbuf_item it;

	if (pool->handle > 0)
		evbus_unsubscribe(pool->handle);
	while (lsnbuf_pop(&pool->buf, &it))
		evbus_unref(it.ev);
	lsnbuf_free(&pool->buf);
	free(pool->members);
	free(pool->name);
	free(pool);
}

/* events= and buffer_size= of C (the pool's first process). */
static void
pool_configure(struct lsn_pool *pool, const struct conf_proc *c)
{
	struct lsnbuf_item gone;

	if (pool->mask != c->events || pool->handle <= 0) {
		if (pool->handle > 0)
			evbus_unsubscribe(pool->handle);
		pool->mask = c->events;
		if ((pool->handle = evbus_subscribe(c->events, pool_accept,
		         pool)) == -1)
			log_warn("pool %s: cannot subscribe to its events",
			    pool->name);
	}
	while (lsnbuf_set_max(&pool->buf, (size_t)c->buffer_size, &gone) == 1)
		pool_discarded(pool, &gone);
}

static const struct conf_proc *
proc_conf(const struct proc *p)
{
	return p->next_conf != NULL ? p->next_conf : p->conf;
}

static int
member_cmp(const void *a, const void *b)
{
	const struct proc *p = *(struct proc *const *)a;
	const struct proc *q = *(struct proc *const *)b;

	return (proc_conf(p)->process_num > proc_conf(q)->process_num) -
	       (proc_conf(p)->process_num < proc_conf(q)->process_num);
}

/* P joins the pool of its config; false when out of memory. */
static bool
proc_join(struct proc *p)
{
	const struct conf_proc *c = proc_conf(p);
	struct lsn_pool *pool = pool_find(c->group);
	struct lsn_proc *l = p->lsn;
	struct proc **m;

	if (pool == NULL && (pool = pool_new(c->group)) == NULL)
		return false;
	if (!pool->seen) {
		pool->seen = true;
		pool_configure(pool, c);
	}
	if (l == NULL) {
		if ((l = calloc(1, sizeof(*l))) == NULL)
			return false;
		lsnproto_init(&l->rd);
		p->lsn = l;
	}
	if ((m = realloc(pool->members,
	         (pool->nmembers + 1) * sizeof(*m))) == NULL)
		return false;
	pool->members = m;
	m[pool->nmembers++] = p;
	l->pool = pool;
	return true;
}

void
listener_sync(void)
{
	struct lsn_pool *pool, **pp;
	size_t i;

	for (pool = L.pools; pool != NULL; pool = pool->next) {
		pool->seen = false;
		for (i = 0; i < pool->nmembers; i++)
			((struct lsn_proc *)pool->members[i]->lsn)->pool = NULL;
		pool->nmembers = 0;
	}
	for (i = 0; i < L.tab->nprocs; i++) {
		struct proc *p = L.tab->procs[i];

		if (p->removed || !conf_is_listener(proc_conf(p)))
			continue;
		if (!proc_join(p))
			log_errorx("%s: out of memory: it gets no events",
			    p->fullname);
	}
	for (pp = &L.pools; (pool = *pp) != NULL;) {
		if (!pool->seen) {
			*pp = pool->next;
			pool_free(pool);
			continue;
		}
		qsort(pool->members, pool->nmembers, sizeof(*pool->members),
		    member_cmp);
		pp = &pool->next;
	}
	for (pool = L.pools; pool != NULL; pool = pool->next)
		pool_dispatch(pool);
}

void
listener_close(void)
{
	struct lsn_pool *pool;
	size_t i;

	/* The pools first: an event a listener still holds is then
	 * released, not rebuffered and dispatched on the way out. */
	while ((pool = L.pools) != NULL) {
		L.pools = pool->next;
		for (i = 0; i < pool->nmembers; i++)
			((struct lsn_proc *)pool->members[i]->lsn)->pool = NULL;
		pool_free(pool);
	}
	for (i = 0; L.tab != NULL && i < L.tab->nprocs; i++)
		listener_forget(L.tab->procs[i]);
	L.serial = 0;
}

void
listener_pools(void (*fn)(void *arg, const struct listener_pool_info *),
    void *arg)
{
	struct listener_pool_info in;
	const struct lsn_pool *pool;
	const struct lsn_proc *l;
	const struct proc *p;
	size_t i;

	for (pool = L.pools; pool != NULL; pool = pool->next) {
		memset(&in, 0, sizeof(in));
		in.name = pool->name;
		in.buffered = pool->buf.n;
		in.buffer_size = pool->buf.max;
		in.accepted = pool->serial;
		in.dropped = pool->buf.dropped;
		in.rejected = pool->rejected;
		in.listeners = pool->nmembers;
		for (i = 0; i < pool->nmembers; i++) {
			p = pool->members[i];
			l = p->lsn;
			if (p->state != PROC_RUNNING || l->pid != p->pid ||
			    l->pid == 0)
				continue;
			in.ready += l->rd.state == LSN_READY;
			in.busy += l->rd.state == LSN_BUSY;
		}
		fn(arg, &in);
	}
}

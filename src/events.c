/*
 * events.c: state changes as a stream (tendctl events).
 *
 * Every state change gets a sequence number and goes into a history ring
 * of EVENTS_RING entries, allocated once.  A subscriber is only a cursor
 * into it: it is sent one batch when its previous one is out (rq->pump),
 * so a slow subscriber costs no memory; one that falls behind the ring's
 * end is told how many it lost ("lost" record), never silently skipped.
 * No timer is involved.
 */
#include "events.h"
#include "fsm.h"
#include "handover.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENTS_RING 512 /* state changes kept for events --since */
#define EVENTS_BATCH 64 /* events per pump of a subscriber */

/* One state change in the history ring. */
struct events_entry {
	uint64_t seq; /* 0: slot unused */
	double wall;
	enum proc_state from, to;
	long pid;
	bool exit; /* the change followed an exit: the facts below */
	int exit_code, exit_signal;
	bool exit_core;
	const char *health; /* a health change: "healthy"... (static) */
	bool pool;	    /* an [eventlistener:x] pool's buffer overflowed
			       (the process is its first listener) */
	uint64_t pool_buffered, pool_dropped;
	/* "fullname\0name\0group\0", whole (names have no length limit);
	 * the slot keeps its buffer for the next event */
	char *names;
	size_t namescap;
	char desc[160];
};

/* A subscription: a cursor into the ring. */
struct events_sub {
	struct events_sub *next, **prevp;
	struct req *rq;
	bool live;         /* follow: wait for more at the end */
	uint64_t next_seq; /* the next seq to send */
};

static struct {
	struct events_entry *ring; /* EVENTS_RING entries */
	uint64_t lastseq;          /* of the newest event; 0: none yet */
	struct events_sub *subs;
} events;

static struct events_entry *events_at(uint64_t seq);
static uint64_t events_first(void);

/* A reexec carries the history and its serial: `events --since SEQ`
 * resumes across it. */
static void
events_save(struct handover_w *w)
{
	uint64_t seq;
	const char *name, *group;

	handover_put_u64(w, events.lastseq);
	for (seq = events_first(); seq <= events.lastseq; seq++) {
		const struct events_entry *e = events_at(seq);

		name = e->names + strlen(e->names) + 1;
		group = name + strlen(name) + 1;
		handover_put_f64(w, e->wall);
		handover_put_u64(w, (uint64_t)e->from);
		handover_put_u64(w, (uint64_t)e->to);
		handover_put_i64(w, e->pid);
		handover_put_u64(w, e->exit | (uint64_t)e->exit_core << 1);
		handover_put_i64(w, e->exit_code);
		handover_put_i64(w, e->exit_signal);
		handover_put_str(w, e->names);
		handover_put_str(w, name);
		handover_put_str(w, group);
		handover_put_str(w, e->desc);
	}
}

/* One entry, as saved; -1 (ENOMEM). */
static int
events_load_entry(struct handover_r *r, struct events_entry *e)
{
	char *v[4];
	size_t len[3], i;
	uint64_t b;

	e->wall = handover_get_f64(r);
	e->from = (enum proc_state)handover_get_u64(r);
	e->to = (enum proc_state)handover_get_u64(r);
	e->pid = (long)handover_get_i64(r);
	b = handover_get_u64(r);
	e->exit = b & 1;
	e->exit_core = b & 2;
	e->exit_code = (int)handover_get_i64(r);
	e->exit_signal = (int)handover_get_i64(r);
	for (i = 0; i < 4; i++)
		v[i] = handover_get_str(r);
	for (i = 0; i < 3; i++)
		len[i] = v[i] != NULL ? strlen(v[i]) + 1 : 1;
	e->namescap = len[0] + len[1] + len[2];
	if ((e->names = calloc(1, e->namescap)) == NULL)
		return -1;
	for (i = 0; i < 3; i++)
		if (v[i] != NULL)
			memcpy(e->names + (i > 0 ? len[0] : 0) +
			           (i > 1 ? len[1] : 0),
			    v[i], len[i]);
	(void)snprintf(e->desc, sizeof(e->desc), "%s", v[3] ? v[3] : "");
	for (i = 0; i < 4; i++)
		free(v[i]);
	return 0;
}

static int
events_load(struct handover_r *r)
{
	uint64_t seq;

	events.lastseq = handover_get_u64(r);
	for (seq = events_first(); seq <= events.lastseq; seq++) {
		events_at(seq)->seq = seq;
		if (events_load_entry(r, events_at(seq)) == -1)
			return -1;
	}
	handover_end(r);
	return 0;
}

int
events_init(void)
{
	struct handover_r *r;

	if (events.ring != NULL)
		return 0;
	if ((events.ring = calloc(EVENTS_RING, sizeof(*events.ring))) == NULL)
		return -1;
	handover_register("events", events_save);
	if ((r = handover_section("events")) != NULL)
		return events_load(r);
	return 0;
}

void
events_close(void)
{
	size_t i;

	for (i = 0; events.ring != NULL && i < EVENTS_RING; i++)
		free(events.ring[i].names);
	free(events.ring);
	events.ring = NULL;
}

static struct events_entry *
events_at(uint64_t seq)
{
	return &events.ring[seq % EVENTS_RING];
}

/* The oldest seq the ring still holds (lastseq + 1 when empty). */
static uint64_t
events_first(void)
{
	return events.lastseq >= EVENTS_RING ? events.lastseq - EVENTS_RING + 1
	                                     : 1;
}

/* E's names become P's; the rest of E is cleared.  -1 (ENOMEM). */
static int
events_names(struct events_entry *e, const struct proc *p)
{
	size_t a = strlen(p->fullname) + 1, b = strlen(p->conf->name) + 1;
	size_t c = strlen(p->conf->group) + 1;
	char *names = e->names;
	size_t cap = e->namescap;

	if (a + b + c > cap) {
		if ((names = realloc(e->names, a + b + c)) == NULL)
			return -1;
		cap = a + b + c;
	}
	memset(e, 0, sizeof(*e));
	e->names = names;
	e->namescap = cap;
	memcpy(names, p->fullname, a);
	memcpy(names + a, p->conf->name, b);
	memcpy(names + a + b, p->conf->group, c);
	return 0;
}

/* A new entry about P, or NULL (logged). */
static struct events_entry *
events_new(const struct proc *p, enum proc_state from)
{
	struct events_entry *e = events_at(events.lastseq + 1);

	if (events_names(e, p) == -1) {
		log_warn("events: %s: recording a state change", p->fullname);
		return NULL;
	}
	e->seq = ++events.lastseq;
	e->wall = util_realtime();
	e->from = from;
	e->to = p->state;
	e->pid = (long)p->pid;
	fsm_describe(p, util_monotonic(), e->desc, sizeof(e->desc));
	return e;
}

static void
events_wake(void)
{
	struct events_sub *s;

	for (s = events.subs; s != NULL; s = s->next)
		req_wake(s->rq);
}

void
events_record_health(const struct proc *p, const char *health)
{
	struct events_entry *e;

	if (events.ring == NULL || (e = events_new(p, p->state)) == NULL)
		return;
	e->health = health;
	events_wake();
}

void
events_record_pool(const struct proc *p, uint64_t buffered, uint64_t dropped,
    uint64_t max)
{
	struct events_entry *e;

	if (events.ring == NULL || (e = events_new(p, p->state)) == NULL)
		return;
	e->pool = true;
	e->pool_buffered = buffered;
	e->pool_dropped = dropped;
	(void)snprintf(e->desc, sizeof(e->desc),
	    "pool %s: event buffer overflowed, %llu events discarded so far "
	    "(buffer_size %llu)",
	    p->conf->group, (unsigned long long)dropped,
	    (unsigned long long)max);
	events_wake();
}

void
events_record(const struct proc *p, enum proc_state from)
{
	struct events_entry *e;

	/* The fsm also reports a state entered again (a restart being
	 * scheduled in EXITED): that is no change to stream. */
	if (events.ring == NULL || p->state == from ||
	    (e = events_new(p, from)) == NULL)
		return;
	/* Leaving a state with a process for one without: the exit that
	 * ended it (if it is this run's), as status shows it. */
	if (p->lastexit.valid && p->lastexit.wall >= p->start_wall &&
	    (p->state == PROC_BACKOFF || p->state == PROC_EXITED ||
	        p->state == PROC_FATAL || p->state == PROC_STOPPED) &&
	    (from == PROC_RUNNING || from == PROC_STARTING ||
	        from == PROC_STOPPING)) {
		e->exit = true;
		e->exit_code = p->lastexit.code;
		e->exit_signal = p->lastexit.signal;
		e->exit_core = p->lastexit.core;
	}
	events_wake();
}

static void
events_put(struct req *rq, const struct events_entry *e)
{
	const char *name = e->names + strlen(e->names) + 1;

	req_record(rq);
	req_kvll(rq, "seq", (long long)e->seq);
	req_kvsec(rq, "time", e->wall);
	req_kv(rq, "fullname", e->names);
	req_kv(rq, "name", name);
	req_kv(rq, "group", name + strlen(name) + 1);
	req_kv(rq, "from", fsm_state_name(e->from));
	req_kv(rq, "state", fsm_state_name(e->to));
	req_kvll(rq, "pid", e->pid);
	req_kv(rq, "description", e->desc);
	if (e->health != NULL)
		req_kv(rq, "health", e->health);
	if (e->pool) {
		req_kv(rq, "pool", name + strlen(name) + 1);
		req_kvll(rq, "pool_buffered", (long long)e->pool_buffered);
		req_kvll(rq, "pool_dropped", (long long)e->pool_dropped);
	}
	if (e->exit) {
		req_kvll(rq, "exit_code", e->exit_code);
		req_kvll(rq, "exit_signal", e->exit_signal);
		req_kv(rq, "exit_core", e->exit_core ? "1" : "0");
	}
	req_record_end(rq);
}

static void
events_sub_free(struct events_sub *s)
{
	*s->prevp = s->next;
	if (s->next != NULL)
		s->next->prevp = s->prevp;
	free(s);
}

static void
events_cancel(struct req *rq)
{
	events_sub_free(rq->state);
}

/* The previous batch is out: send the next events not seen, a "lost"
 * record first if the ring moved past the cursor, or END when a one-shot
 * subscription has caught up. */
static void
events_pump(struct req *rq)
{
	struct events_sub *s = rq->state;
	uint64_t first = events_first();
	int n = 0;

	if (s->next_seq < first) {
		req_record(rq);
		req_kvll(rq, "lost", (long long)(first - s->next_seq));
		req_kvll(rq, "next", (long long)first);
		req_record_end(rq);
		log_warnx("control client %d: events: %llu lost (history "
		          "holds %d)",
		    (int)rq->pid, (unsigned long long)(first - s->next_seq),
		    EVENTS_RING);
		s->next_seq = first;
	}
	while (s->next_seq <= events.lastseq && n++ < EVENTS_BATCH &&
	       !req_dropped(rq))
		events_put(rq, events_at(s->next_seq++));
	if (s->next_seq <= events.lastseq || s->live)
		return; /* more to send, or events_record wakes us */
	events_sub_free(s);
	req_end(rq);
}

/* events SINCE FOLLOW */
void
events_do_events(struct req *rq)
{
	const char **argv = rq->argv;
	struct events_sub *s;
	unsigned long long since = 0;
	bool reset = false;
	char *end;

	if (rq->argc != 2 ||
	    (strcmp(argv[1], "0") != 0 && strcmp(argv[1], "1") != 0)) {
		req_error(rq, "events: malformed request");
		return;
	}
	if (argv[0][0] == '\0') {
		since = events.lastseq; /* from now on */
	} else {
		errno = 0;
		since = strtoull(argv[0], &end, 10);
		if (errno != 0 || *end != '\0' || argv[0][0] == '-') {
			req_error(
			    rq, "events: bad sequence number: %s", argv[0]);
			return;
		}
	}
	/* Past the last event: the client counted events of an earlier
	 * tendd, whose numbers started over here. */
	if (since > events.lastseq) {
		reset = true;
		since = 0;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		req_error(rq, "tendd: out of memory");
		return;
	}
	s->rq = rq;
	s->live = argv[1][0] == '1';
	s->next_seq = since + 1;
	s->next = events.subs;
	s->prevp = &events.subs;
	if (events.subs != NULL)
		events.subs->prevp = &s->next;
	events.subs = s;
	rq->state = s;
	rq->cancel = events_cancel;
	rq->pump = events_pump;
	req_record(rq);
	req_kvll(rq, "first", (long long)events_first());
	req_kvll(rq, "next", (long long)events.lastseq + 1);
	req_kvll(rq, "history", EVENTS_RING);
	if (reset)
		req_kv(rq, "reset", "1");
	req_record_end(rq);
	/* The sink pumps the first batch once this record is out. */
}

/*
 * ctl.c: the control socket server inside tendd.
 *
 * Owns: the listening socket (its mode, owner, stale-file handling), the
 * clients (peer checks, read buffers, output buffers, deadlines) and the
 * requests in flight.  It is the only place control requests are decoded
 * and replies encoded (with proto.c's packers).  It acts on processes only
 * through fsm.h and svctab.h and reads struct proc for status; it never
 * forks, signals, reaps or sets a process timer itself.
 *
 * Rules that keep a hostile or slow client from hurting tendd:
 * - a client is read one frame at a time, header first, and the frame's
 *   size is checked against PROTO_MAX_FRAME before its body is read;
 * - a frame must be complete CTL_DEADLINE seconds after its first byte,
 *   and a reply must make progress every CTL_DEADLINE seconds; the one
 *   per-client timer runs only while a frame or a reply is partial, so an
 *   idle tendd has no timers;
 * - while a request is in flight or a reply is unsent, the client is not
 *   read at all, so a client holds at most one reply in memory
 *   (CTL_OUT_MAX caps that too) and cannot pipeline work;
 * - writes never block (MSG_DONTWAIT); destruction of a client happens only
 *   in its own watcher callbacks, never inside a state-change notification;
 * - at most CTL_MAX_CLIENTS clients; accept() running out of descriptors
 *   pauses the listener for CTL_PAUSE seconds (relayd's habit), so a flood
 *   cannot spin the loop.
 *
 * A start or stop does not block: the request waits in ctl_pending and
 * ctl_proc_changed() completes it when its processes reach a final state.
 *
 * tail and maintail read the log file through a logcap reader, one frame
 * at a time and only when the client's previous frame is out: a client
 * holds at most one frame, whatever the log's size.  A tail -f client
 * that falls more than LOGCAP_FOLLOW_BEHIND bytes behind is skipped ahead
 * (it gets a "skipped" record); one that takes nothing for CTL_DEADLINE
 * seconds is cut off like any stalled reply.  Neither ever slows a service
 * or the loop.
 *
 * Events: every state change gets a sequence number and goes into a
 * history ring of CTL_EVENTS_RING entries, allocated once at ctl_init.
 * A subscriber (tendctl events) is only a cursor into it: it is sent one
 * batch when its previous one is out, so a slow subscriber costs no
 * memory; one that falls behind the ring's end is told how many it lost
 * ("lost" record), never silently skipped.  No timer is involved.
 *
 * At CTL_MAX_CLIENTS, a new connection evicts a client that waits on its
 * peer (idle, half a frame in, or a reply it does not take): one of the
 * process holding the most connections, the longest without progress of
 * those.  So a flood of idle or stalled connections cannot lock out a
 * good client; clients waiting on tendd (a start, an update, a follower
 * at the end of its log) are never evicted.
 */
#include "ctl.h"
#include "cgroup.h"
#include "log.h"
#include "logcap.h"
#include "procinfo.h"
#include "proto.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_MAX_CLIENTS 64
#define CTL_DEADLINE 10.0       /* seconds for a partial frame or reply */
#define CTL_PAUSE 1.0           /* seconds the listener rests on EMFILE */
#define CTL_OUT_MAX (16u << 20) /* bytes of unsent reply per client */
#define CTL_EVENTS_RING 512     /* state changes kept for events --since */
#define CTL_EVENTS_BATCH 64     /* events per write turn of a subscriber */
#define CTL_ACCEPT_BATCH 8      /* accepts per turn: clients get read */
/* A client's first input buffer: requests are small; it grows for a
 * larger frame, up to PROTO_MAX_FRAME. */
#define CTL_IN_START 512
/* Queued reply bytes that are sent at once, while the reply is built. */
#define CTL_FLUSH_AT 32768
/*
 * The listener's and the clients' watchers run first in a loop turn
 * (libev invokes pending watchers by priority, ev(3) "WATCHER
 * PRIORITY MODELS"): with services crash-looping, a turn also holds a
 * batch of exits and restarts (reap.c's REAP_BUDGET), and a status call
 * should not wait behind them.
 */
#define CTL_PRIORITY EV_MAXPRI

/* One state change in the history ring. */
struct ctl_event {
	uint64_t seq; /* 0: slot unused */
	double wall;
	enum proc_state from, to;
	long pid;
	bool exit; /* the change followed an exit: the facts below */
	int exit_code, exit_signal;
	bool exit_core;
	char fullname[128]; /* cut if longer; names are short in practice */
	char name[64];
	char group[64];
	char desc[160];
};

/* One process a start/stop/restart request acts on. */
struct ctl_wait {
	struct proc *p; /* NULL: no such process, or removed */
	char *name;     /* what to print: fullname, or the unknown pattern */
	unsigned pat;   /* which argument named it */
	bool issued;    /* the fsm call was made; waiting for a final state */
	bool done;
	int fault; /* enum proto_fault */
	char detail[200];
};

enum ctl_phase { CTL_PHASE_STOP, CTL_PHASE_START };

/* A start, stop or restart in flight. */
struct ctl_req {
	struct ctl_req *next; /* in ctl_pending */
	struct ctl_client *c;
	uint32_t id;
	ev_timer timeout; /* start/stop -t; active only while it runs */
	double timeout_secs;
	enum ctl_phase phase;
	bool restart; /* a start phase follows the stop phase */
	bool issuing; /* fsm calls under way: ctl_sweep() leaves it alone */
	bool dirty;   /* a wait may have completed: ctl_sweep() looks */
	struct ctl_wait *w;
	size_t nw;
	size_t *order;  /* this phase's order of fsm calls and results */
	size_t emitted; /* results of this phase already sent */
	unsigned npat;  /* arguments added so far */
	bool *group;    /* per wait: named through a group (skip no-ops) */
};

struct ctl_client {
	struct ctl_client *next;
	ev_io rio;
	ev_io wio;
	ev_timer deadline;
	int fd;
	uid_t uid;
	pid_t pid;
	bool hello;   /* versions agreed */
	bool closing; /* close once the output is sent */
	bool dropped; /* output discarded: close at the next chance */
	struct ctl_req *req;
	struct ctl_op *op; /* update, reload, rolling restart in flight */
	struct logcap_follow *follow; /* tail, maintail in progress */
	uint32_t follow_id;
	bool follow_live; /* tail -f: wait for more at the end */
	bool events;	  /* an events subscription is open */
	bool events_live; /* follow: wait for more at the end */
	uint32_t events_id;
	uint64_t events_next; /* the next seq to send */
	uint64_t active;      /* ctl.tick of its last progress (eviction) */
	unsigned char *in;    /* INCAP bytes, grown for a larger frame */
	size_t incap, inlen;
	size_t inneed; /* frame size, once the header is in */
	unsigned char *out;
	size_t outlen, outoff, outcap;
	bool outfull; /* the socket took no more: wait for the write watcher */
};

/* The room's state: one control socket per tendd. */
static struct {
	struct ev_loop *loop;
	struct svctab *tab;
	const struct ctl_hooks *hooks;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	ev_io lio;
	ev_timer pause;
	struct ctl_client *clients;
	size_t nclients;
	struct ctl_req *pending;
	bool sweeping;
	bool shutting_down;
	/* for metrics */
	double started;                  /* realtime of ctl_init() */
	unsigned long generation;        /* configs taken; the first is 1 */
	const struct tend_conf *genconf; /* the config GENERATION counts */
	uid_t socket_uid;
	gid_t socket_gid;
	int socket_mode;
	unsigned char scratch[PROTO_MAX_FRAME];
	unsigned char logbuf[PROTO_MAX_BODY]; /* a piece of a log, for tail */
	struct ctl_event *ring; /* CTL_EVENTS_RING entries */
	uint64_t lastseq;	/* of the newest event; 0: none yet */
	uint64_t tick;		/* counts client progress, for eviction */
} ctl = {.fd = -1};

static void ctl_read_cb(struct ev_loop *, ev_io *, int);
static void ctl_write_cb(struct ev_loop *, ev_io *, int);
static void ctl_deadline_cb(struct ev_loop *, ev_timer *, int);
static void ctl_req_free(struct ctl_req *r);
struct ctl_op;
static void ctl_op_free(struct ctl_op *o);
static void ctl_ops_touch(struct proc *p);
static void ctl_ops_gone(struct proc *p);
static void ctl_do_reload(struct ctl_client *c, uint32_t id, uint16_t type,
    const char **argv, int argc);
static void ctl_do_rolling(struct ctl_client *c, uint32_t id,
    const char **argv, int argc);
static void ctl_follow_pump(struct ctl_client *c);
static void ctl_events_pump(struct ctl_client *c);
static void ctl_put_kvll(struct proto_writer *w, const char *key, long long v);
static void ctl_put_kvsec(struct proto_writer *w, const char *key, double v);

/* --- clients: buffers and lifetime ------------------------------------ */

/* Closing a UNIX socket with unread input resets the connection, and
 * the peer may lose our last reply (the error saying why) to ECONNRESET
 * (unix(7), unix_release_sock()).  Throw away what is queued, a bounded
 * amount, first. */
static void
ctl_discard_input(int fd)
{
	size_t total = 0;
	ssize_t n;

	while (
	    total < PROTO_MAX_FRAME &&
	    (n = recv(fd, ctl.scratch, sizeof(ctl.scratch), MSG_DONTWAIT)) > 0)
		total += (size_t)n;
}

static void
ctl_client_free(struct ctl_client *c)
{
	struct ctl_client **pp;

	for (pp = &ctl.clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	ctl.nclients--;
	ev_io_stop(ctl.loop, &c->rio);
	ev_io_stop(ctl.loop, &c->wio);
	ev_timer_stop(ctl.loop, &c->deadline);
	if (c->req != NULL)
		ctl_req_free(c->req);
	if (c->op != NULL)
		ctl_op_free(c->op);
	logcap_unfollow(c->follow);
	ctl_discard_input(c->fd);
	if (close(c->fd) == -1)
		log_warn("control client %d: close", (int)c->pid);
	free(c->in);
	free(c->out);
	free(c);
	/* A slot is free again: a paused listener may take it. */
	if (ctl.fd != -1 && !ev_is_active(&ctl.lio) &&
	    !ev_is_active(&ctl.pause))
		ev_io_start(ctl.loop, &ctl.lio);
}

static bool
ctl_client_busy(const struct ctl_client *c)
{
	return c->req != NULL || c->op != NULL || c->outoff < c->outlen ||
	       c->closing || c->follow != NULL || c->events;
}

/* A client whose start or stop is waiting is not read: one request at a
 * time.  But a client that hangs up (tendctl interrupted) frees its slot
 * at once; any other input waits, unread, until the reply is out. */
static void
ctl_peek_eof(struct ctl_client *c)
{
	char byte;
	ssize_t n;

	n = recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == -1 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		log_debug("control client %d: hung up with a request waiting",
		    (int)c->pid);
		ctl_client_free(c);
		return;
	}
	ev_io_stop(ctl.loop, &c->rio);
}

static int ctl_flush(struct ctl_client *c);

/* Send what is queued for C, as far as the socket takes it, from inside
 * a reply being built.  Never frees: a client found gone is only marked,
 * and its write callback drops it. */
static void
ctl_send_some(struct ctl_client *c)
{
	if (ctl_flush(c) == -1) {
		c->closing = c->dropped = true;
		c->outoff = c->outlen = 0;
		return;
	}
	c->outfull = c->outoff < c->outlen;
}

/* Queue a sealed frame for C.  Never frees: a client over its output cap
 * is only marked, and its write callback drops it.  A long reply (status
 * of 1,000 processes) goes out in pieces of CTL_FLUSH_AT bytes as it is
 * built: the client decodes one piece while tendd packs the next, and the
 * buffer stays small. */
static void
ctl_send(struct ctl_client *c, const struct proto_writer *w)
{
	size_t n = w->len, need;
	unsigned char *p;

	if (c->dropped)
		return;
	if (c->outoff == c->outlen) {
		c->outoff = c->outlen = 0;
	} else if (c->outoff > 0 && c->outlen + n > c->outcap) {
		/* Reuse the room of what was sent before growing. */
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	need = c->outlen + n;
	if (need > CTL_OUT_MAX) {
		log_warnx("control client %d: reply over %u bytes unread; "
		          "dropping it",
		    (int)c->pid, CTL_OUT_MAX);
		c->closing = c->dropped = true;
		c->outoff = c->outlen = 0;
		ev_io_start(ctl.loop, &c->wio);
		return;
	}
	if (need > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 4096;

		while (cap < need)
			cap *= 2;
		if ((p = realloc(c->out, cap)) == NULL) {
			log_warnx("control client %d: out of memory; dropping "
			          "it",
			    (int)c->pid);
			c->closing = c->dropped = true;
			c->outoff = c->outlen = 0;
			ev_io_start(ctl.loop, &c->wio);
			return;
		}
		c->out = p;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, w->buf, n);
	c->outlen += n;
	ev_io_stop(ctl.loop, &c->rio);
	ev_io_start(ctl.loop, &c->wio);
	if (!ev_is_active(&c->deadline)) {
		ev_timer_set(&c->deadline, CTL_DEADLINE, 0.);
		ev_timer_start(ctl.loop, &c->deadline);
	}
	if (c->outlen - c->outoff >= CTL_FLUSH_AT && !c->outfull)
		ctl_send_some(c);
}

/* Seal W and queue it; a frame that does not fit becomes an ERROR. */
static void
ctl_send_frame(struct ctl_client *c, struct proto_writer *w)
{
	uint32_t id;

	if (proto_finish(w) >= 0) {
		ctl_send(c, w);
		return;
	}
	/* The id sits at offset 6 of the header already written. */
	id = ((uint32_t)w->buf[6] << 24) | ((uint32_t)w->buf[7] << 16) |
	     ((uint32_t)w->buf[8] << 8) | w->buf[9];
	proto_begin(w, ctl.scratch, sizeof(ctl.scratch), PROTO_ERROR, id);
	proto_put_str(w, "tendd: reply too large for one frame");
	if (proto_finish(w) >= 0)
		ctl_send(c, w);
}

static void ctl_send_error(
    struct ctl_client *c, uint32_t id, const char *fmt, ...) TEND_PRINTF(3, 4);

static void
ctl_send_error(struct ctl_client *c, uint32_t id, const char *fmt, ...)
{
	struct proto_writer w;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	proto_begin(&w, ctl.scratch, sizeof(ctl.scratch), PROTO_ERROR, id);
	proto_put_str(&w, msg);
	ctl_send_frame(c, &w);
}

static void
ctl_send_end(struct ctl_client *c, uint32_t id)
{
	struct proto_writer w;

	proto_begin(&w, ctl.scratch, sizeof(ctl.scratch), PROTO_END, id);
	ctl_send_frame(c, &w);
}

/* A protocol violation: tell the client why, then hang up. */
static void
ctl_fail(struct ctl_client *c, uint32_t id, const char *why)
{
	log_warnx("control client %d: %s; closing it", (int)c->pid, why);
	ctl_send_error(c, id, "tendd: %s", why);
	c->closing = true;
	ev_io_stop(ctl.loop, &c->rio);
	ev_io_start(ctl.loop, &c->wio);
}

/* Write what the socket takes now.  0: all sent or the socket is full;
 * -1: the client is gone (the caller frees it, when it safely can). */
static int
ctl_flush(struct ctl_client *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		/* MSG_NOSIGNAL: a client that hung up gives EPIPE, not a
		 * SIGPIPE that would kill tendd (send(2)). */
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno != EPIPE && errno != ECONNRESET)
				log_warn(
				    "control client %d: send", (int)c->pid);
			return -1;
		}
		c->outoff += (size_t)n;
		c->active = ++ctl.tick;
		/* Progress: the reply deadline starts over. */
		ev_timer_stop(ctl.loop, &c->deadline);
		ev_timer_set(&c->deadline, CTL_DEADLINE, 0.);
		ev_timer_start(ctl.loop, &c->deadline);
	}
	return 0;
}

static void
ctl_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;

	c->outfull = false;
	if (ctl_flush(c) == -1) {
		ctl_client_free(c);
		return;
	}
	if (c->outoff < c->outlen)
		return;
	c->outoff = c->outlen = 0;
	ev_io_stop(loop, &c->wio);
	ev_timer_stop(loop, &c->deadline);
	if (c->closing) {
		ctl_client_free(c);
		return;
	}
	/* With a request still waiting, reading only watches for EOF. */
	ev_io_start(loop, &c->rio);
	if (c->follow != NULL)
		ctl_follow_pump(c);
	else if (c->events)
		ctl_events_pump(c);
}

static void
ctl_deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_client *c = w->data;

	log_warnx("control client %d: %s stalled for %.0f seconds; dropping "
	          "it",
	    (int)c->pid, c->inlen > 0 ? "request" : "reply", CTL_DEADLINE);
	ctl_client_free(c);
}

/* --- results of start/stop/signal ---------------------------------- */

static void
ctl_put_result(struct ctl_client *c, uint32_t id, const struct ctl_wait *wt,
    const char *success)
{
	struct proto_writer w;

	proto_begin(&w, ctl.scratch, sizeof(ctl.scratch), PROTO_RECORD, id);
	proto_put_kv(&w, "name", wt->name);
	proto_put_kvf(&w, "fault", "%d", wt->fault);
	proto_put_kv(&w, "result",
	    wt->fault == PROTO_F_OK ? success : proto_fault_text(wt->fault));
	if (wt->detail[0] != '\0')
		proto_put_kv(&w, "detail", wt->detail);
	ctl_send_frame(c, &w);
}

static void
ctl_wait_finish(struct ctl_wait *wt, int fault, const char *detail)
{
	wt->done = true;
	wt->fault = fault;
	(void)snprintf(
	    wt->detail, sizeof(wt->detail), "%s", detail != NULL ? detail : "");
}

/* Has the start or stop of WT reached a final state? */
static void
ctl_wait_eval(struct ctl_wait *wt, enum ctl_phase phase)
{
	struct proc *p = wt->p;

	if (wt->done || !wt->issued || p == NULL)
		return;
	if (phase == CTL_PHASE_STOP) {
		/* STOPPED, EXITED or FATAL: nothing runs any more. */
		if (!fsm_is_active(p->state))
			ctl_wait_finish(wt, PROTO_F_OK, NULL);
		/* Survived SIGKILL (D state): waiting would never end. */
		else if (p->stuck)
			ctl_wait_finish(wt, PROTO_F_FAILED,
			    "unkillable: survives SIGKILL (see status)");
		return;
	}
	/* supervisord's startProcess: RUNNING is success, a spawn error is
	 * one, leaving STARTING any other way is an abnormal end. */
	switch (p->state) {
	case PROC_RUNNING:
		ctl_wait_finish(wt, PROTO_F_OK, NULL);
		break;
	case PROC_STARTING:
		break;
	default:
		if (p->state == PROC_STOPPED && p->stopnote != NULL)
			/* a dependency is down: "dependency db is FATAL" */
			ctl_wait_finish(
			    wt, PROTO_F_ABNORMAL_TERMINATION, p->stopnote);
		else if (p->spawnerr != NULL)
			ctl_wait_finish(wt, PROTO_F_SPAWN_ERROR, p->spawnerr);
		else {
			char why[64];

			(void)snprintf(why, sizeof(why),
			    "it became %s before RUNNING",
			    fsm_state_name(p->state));
			ctl_wait_finish(wt, PROTO_F_ABNORMAL_TERMINATION, why);
		}
		break;
	}
}

/* Make the fsm call for one wait of a start or stop phase. */
static void
ctl_wait_issue(struct ctl_wait *wt, enum ctl_phase phase)
{
	char err[200] = "";
	enum fsm_result res;

	if (wt->done || wt->p == NULL)
		return;
	if (phase == CTL_PHASE_STOP) {
		/* Already on its way down (fsm_stop says FSM_OK, and a
		 * stop asked for here replaces one caused by a dependency,
		 * which would come back with it). */
		res = fsm_stop(wt->p);
	} else {
		if (ctl.shutting_down) {
			ctl_wait_finish(wt, PROTO_F_SHUTTING_DOWN, NULL);
			return;
		}
		res = fsm_start(wt->p, err, sizeof(err));
	}
	switch (res) {
	case FSM_OK:
		wt->issued = true;
		ctl_wait_eval(wt, phase);
		break;
	case FSM_ALREADY_STARTED:
		ctl_wait_finish(wt, PROTO_F_ALREADY_STARTED, NULL);
		break;
	case FSM_NOT_RUNNING:
		ctl_wait_finish(wt, PROTO_F_NOT_RUNNING, NULL);
		break;
	case FSM_SPAWN_ERROR:
		ctl_wait_finish(wt, PROTO_F_SPAWN_ERROR,
		    err[0] ? err : svctab_note(wt->p->spawnerr));
		break;
	case FSM_SIGNAL_ERROR:
		/* The stop goes on (SIGKILL after stopwaitsecs): wait, and
		 * say why the first signal failed if it never stops. */
		wt->issued = true;
		ctl_wait_eval(wt, phase);
		break;
	}
}

/* How many depends_on levels lie below P (0: depends on nothing).  The
 * config refused cycles; LIMIT only bounds the recursion. */
static int
ctl_dep_depth(const struct proc *p, int limit)
{
	int d, best = 0;
	size_t i;

	if (p == NULL || limit <= 0)
		return 0;
	for (i = 0; i < p->ndeps; i++)
		if ((d = 1 + ctl_dep_depth(p->deps[i], limit - 1)) > best)
			best = d;
	return best;
}

/*
 * Starts go in table order (priority), stops in reverse order within
 * each argument, the arguments in the order given: "stop all" stops by
 * descending priority, "stop a b" stops a first.  Then depends_on wins
 * (a stable sort by dependency depth): dependencies are started before
 * their dependents and stopped after them, so the fsm (which enforces
 * the same order) never reports "already started" for a dependency it
 * started itself.
 */
static void
ctl_req_order(struct ctl_req *r)
{
	size_t i, j, s, e, t;
	int *depth;
	bool any = false;

	for (s = 0; s < r->nw; s = e) {
		for (e = s; e < r->nw && r->w[e].pat == r->w[s].pat; e++)
			;
		for (i = s; i < e; i++)
			r->order[i] =
			    r->phase == CTL_PHASE_START ? i : e - 1 - (i - s);
	}
	if ((depth = calloc(r->nw + 1, sizeof(*depth))) == NULL)
		return; /* the fsm still enforces the order */
	for (i = 0; i < r->nw; i++)
		if ((depth[i] = ctl_dep_depth(r->w[i].p, 64)) > 0)
			any = true;
	/* Insertion sort: stable, and only run when depends_on is used. */
	for (i = 1; any && i < r->nw; i++) {
		t = r->order[i];
		for (j = i; j > 0; j--) {
			int a = depth[r->order[j - 1]], b = depth[t];

			if (r->phase == CTL_PHASE_START ? a <= b : a >= b)
				break;
			r->order[j] = r->order[j - 1];
		}
		r->order[j] = t;
	}
	free(depth);
}

/* Reset the waits for a new phase and make the fsm calls, skipping the
 * no-ops of group members (supervisord's startProcessGroup starts only
 * what is not running, stopProcessGroup stops only what runs). */
static void
ctl_req_issue(struct ctl_req *r)
{
	size_t i;
	bool active;

	r->issuing = true;
	r->emitted = 0;
	ctl_req_order(r);
	for (i = 0; i < r->nw; i++) {
		struct ctl_wait *wt = &r->w[i];

		if (wt->p == NULL)
			continue; /* "no such process" stays */
		wt->done = wt->issued = false;
		wt->fault = PROTO_F_OK;
		wt->detail[0] = '\0';
		active = fsm_is_active(wt->p->state);
		if (r->group[i] && (r->phase == CTL_PHASE_START) == active) {
			/* Marked done with a fault we never print. */
			ctl_wait_finish(wt, -1, NULL);
			continue;
		}
	}
	for (i = 0; i < r->nw; i++)
		ctl_wait_issue(&r->w[r->order[i]], r->phase);
	r->issuing = false;
	r->dirty = true;
}

/* Send the completed prefix of results; true when the request is over. */
static bool
ctl_req_progress(struct ctl_req *r)
{
	const char *success =
	    r->phase == CTL_PHASE_START ? "started" : "stopped";

	while (r->emitted < r->nw && r->w[r->order[r->emitted]].done) {
		const struct ctl_wait *wt = &r->w[r->order[r->emitted++]];

		if (wt->fault >= 0)
			ctl_put_result(r->c, r->id, wt, success);
	}
	if (r->emitted < r->nw)
		return false;
	if (r->phase == CTL_PHASE_STOP && r->restart) {
		r->phase = CTL_PHASE_START;
		ctl_req_issue(r);
		return false;
	}
	ctl_send_end(r->c, r->id);
	return true;
}

static void
ctl_req_free(struct ctl_req *r)
{
	struct ctl_req **pp;
	size_t i;

	for (pp = &ctl.pending; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	if (r->c != NULL && r->c->req == r)
		r->c->req = NULL;
	ev_timer_stop(ctl.loop, &r->timeout);
	for (i = 0; i < r->nw; i++)
		free(r->w[i].name);
	free(r->w);
	free(r->group);
	free(r->order);
	free(r);
}

/* Progress every dirty request until none is.  Re-entrant calls (an fsm
 * call made here changes a state, which lands in ctl_proc_changed) only
 * mark requests dirty; the outermost sweep finishes the work, so no
 * request is freed under a caller's feet. */
static void
ctl_sweep(void)
{
	struct ctl_req *r;
	bool again;

	if (ctl.sweeping)
		return;
	ctl.sweeping = true;
	do {
		again = false;
		for (r = ctl.pending; r != NULL; r = r->next) {
			if (!r->dirty || r->issuing)
				continue;
			r->dirty = false;
			again = true;
			if (ctl_req_progress(r)) {
				/* Reading resumes once the reply is out
				 * (ctl_write_cb). */
				ctl_req_free(r);
				break;
			}
		}
	} while (again);
	ctl.sweeping = false;
}

/* --- events ------------------------------------------------------- */

static struct ctl_event *
ctl_event_at(uint64_t seq)
{
	return &ctl.ring[seq % CTL_EVENTS_RING];
}

/* The oldest seq the ring still holds (lastseq + 1 when empty). */
static uint64_t
ctl_events_first(void)
{
	return ctl.lastseq >= CTL_EVENTS_RING
	           ? ctl.lastseq - CTL_EVENTS_RING + 1
	           : 1;
}

/* Record P's change from FROM in the ring and wake the subscribers that
 * wait at the end.  Runs inside fsm calls: it only copies and starts
 * watchers, never sends or frees. */
static void
ctl_events_record(const struct proc *p, enum proc_state from)
{
	struct ctl_event *e;
	struct ctl_client *c;

	/* The fsm also reports a state entered again (a restart being
	 * scheduled in EXITED): that is no change to stream. */
	if (ctl.ring == NULL || p->state == from)
		return;
	e = ctl_event_at(++ctl.lastseq);
	memset(e, 0, sizeof(*e));
	e->seq = ctl.lastseq;
	e->wall = util_realtime();
	e->from = from;
	e->to = p->state;
	e->pid = (long)p->pid;
	(void)snprintf(e->fullname, sizeof(e->fullname), "%s", p->fullname);
	(void)snprintf(e->name, sizeof(e->name), "%s", p->conf->name);
	(void)snprintf(e->group, sizeof(e->group), "%s", p->conf->group);
	fsm_describe(p, e->wall, e->desc, sizeof(e->desc));
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
	for (c = ctl.clients; c != NULL; c = c->next)
		if (c->events && c->outoff == c->outlen &&
		    !ev_is_active(&c->wio))
			ev_io_start(ctl.loop, &c->wio);
}

static void
ctl_put_event(struct proto_writer *w, const struct ctl_event *e)
{
	ctl_put_kvll(w, "seq", (long long)e->seq);
	ctl_put_kvsec(w, "time", e->wall);
	proto_put_kv(w, "fullname", e->fullname);
	proto_put_kv(w, "name", e->name);
	proto_put_kv(w, "group", e->group);
	proto_put_kv(w, "from", fsm_state_name(e->from));
	proto_put_kv(w, "state", fsm_state_name(e->to));
	ctl_put_kvll(w, "pid", e->pid);
	proto_put_kv(w, "description", e->desc);
	if (e->exit) {
		ctl_put_kvll(w, "exit_code", e->exit_code);
		ctl_put_kvll(w, "exit_signal", e->exit_signal);
		proto_put_kv(w, "exit_core", e->exit_core ? "1" : "0");
	}
}

/* C's previous batch is out: send the next events it has not seen, a
 * "lost" record first if the ring moved past its cursor, or END when a
 * one-shot subscription has caught up. */
static void
ctl_events_pump(struct ctl_client *c)
{
	struct proto_writer w;
	uint64_t first = ctl_events_first();
	int n = 0;

	if (c->events_next < first) {
		proto_begin(&w, ctl.scratch, sizeof(ctl.scratch),
		    PROTO_RECORD, c->events_id);
		ctl_put_kvll(&w, "lost", (long long)(first - c->events_next));
		ctl_put_kvll(&w, "next", (long long)first);
		ctl_send_frame(c, &w);
		log_warnx("control client %d: events: %llu lost (history "
		          "holds %d)",
		    (int)c->pid, (unsigned long long)(first - c->events_next),
		    CTL_EVENTS_RING);
		c->events_next = first;
	}
	while (c->events_next <= ctl.lastseq && n++ < CTL_EVENTS_BATCH &&
	       !c->dropped) {
		proto_begin(&w, ctl.scratch, sizeof(ctl.scratch),
		    PROTO_RECORD, c->events_id);
		ctl_put_event(&w, ctl_event_at(c->events_next++));
		ctl_send_frame(c, &w);
	}
	if (c->events_next <= ctl.lastseq || c->events_live)
		return; /* more to send, or ctl_events_record wakes us */
	c->events = false;
	ctl_send_end(c, c->events_id);
}

/* events SINCE FOLLOW */
static void
ctl_do_events(
    struct ctl_client *c, uint32_t id, const char **argv, int argc)
{
	struct proto_writer w;
	unsigned long long since = 0;
	bool reset = false;
	char *end;

	if (argc != 2 || (strcmp(argv[1], "0") != 0 &&
	                     strcmp(argv[1], "1") != 0)) {
		ctl_send_error(c, id, "events: malformed request");
		return;
	}
	if (argv[0][0] == '\0') {
		since = ctl.lastseq; /* from now on */
	} else {
		errno = 0;
		since = strtoull(argv[0], &end, 10);
		if (errno != 0 || *end != '\0' || argv[0][0] == '-') {
			ctl_send_error(c, id,
			    "events: bad sequence number: %s", argv[0]);
			return;
		}
	}
	/* Past the last event: the client counted events of an earlier
	 * tendd, whose numbers started over here. */
	if (since > ctl.lastseq) {
		reset = true;
		since = 0;
	}
	c->events = true;
	c->events_live = argv[1][0] == '1';
	c->events_id = id;
	c->events_next = since + 1;
	proto_begin(&w, ctl.scratch, sizeof(ctl.scratch), PROTO_RECORD, id);
	ctl_put_kvll(&w, "first", (long long)ctl_events_first());
	ctl_put_kvll(&w, "next", (long long)ctl.lastseq + 1);
	ctl_put_kvll(&w, "history", CTL_EVENTS_RING);
	if (reset)
		proto_put_kv(&w, "reset", "1");
	ctl_send_frame(c, &w);
	/* The writer sends the first batch (ctl_write_cb). */
}

void
ctl_proc_changed(struct proc *p, enum proc_state from)
{
	struct ctl_req *r;
	size_t i;

	ctl_events_record(p, from);

	for (r = ctl.pending; r != NULL; r = r->next)
		for (i = 0; i < r->nw; i++)
			if (r->w[i].p == p && r->w[i].issued && !r->w[i].done) {
				ctl_wait_eval(&r->w[i], r->phase);
				r->dirty = true;
			}
	ctl_sweep();
	ctl_ops_touch(p);
	ctl_config_sync();
}

void
ctl_proc_gone(struct proc *p)
{
	struct ctl_req *r;
	size_t i;

	for (r = ctl.pending; r != NULL; r = r->next)
		for (i = 0; i < r->nw; i++)
			if (r->w[i].p == p) {
				if (!r->w[i].done)
					ctl_wait_finish(&r->w[i],
					    PROTO_F_ABNORMAL_TERMINATION,
					    "removed from the configuration");
				r->w[i].p = NULL;
				r->dirty = true;
			}
	ctl_sweep();
	ctl_ops_gone(p);
}

void
ctl_shutdown_begun(void)
{
	ctl.shutting_down = true;
}

/* --- requests ----------------------------------------------------- */

/* Append one wait per process PATTERN names to R (no duplicates); a
 * pattern naming nothing becomes a "no such process" result.  -1 on
 * ENOMEM. */
static int
ctl_req_add(struct ctl_req *r, const char *pattern)
{
	struct proc_list list = {0};
	struct ctl_wait *nw;
	bool *ng, group;
	size_t i, j, k, nw0 = r->nw;
	unsigned pat = r->npat++;
	int n;

	if ((n = svctab_match(ctl.tab, pattern, &list)) < 0)
		return -1;
	/* A single process named exactly reports its no-ops; a group,
	 * GROUP:* or all skips them (supervisorctl). */
	group = n == 0 || svctab_find(ctl.tab, pattern) == NULL;
	nw = realloc(r->w, (r->nw + list.n + 1) * sizeof(*nw));
	if (nw != NULL)
		r->w = nw;
	ng = realloc(r->group, (r->nw + list.n + 1) * sizeof(*ng));
	if (ng != NULL)
		r->group = ng;
	if (nw == NULL || ng == NULL) {
		proc_list_free(&list);
		return -1;
	}
	if (n == 0) {
		memset(&r->w[r->nw], 0, sizeof(r->w[0]));
		r->group[r->nw] = false;
		r->w[r->nw].pat = pat;
		if ((r->w[r->nw].name = strdup(pattern)) == NULL) {
			proc_list_free(&list);
			return -1;
		}
		ctl_wait_finish(&r->w[r->nw], PROTO_F_NO_SUCH_PROCESS, NULL);
		r->nw++;
	}
	for (k = 0; k < list.n; k++) {
		struct proc *p = list.v[k];

		/* svctab_match lists each process once: look for it only
		 * among earlier arguments' (status all of 1,000 processes
		 * must not cost a million comparisons). */
		for (j = 0; j < nw0; j++)
			if (r->w[j].p == p)
				break;
		if (j < nw0)
			continue;
		i = r->nw;
		memset(&r->w[i], 0, sizeof(r->w[i]));
		r->w[i].p = p;
		r->w[i].pat = pat;
		r->group[i] = group;
		if ((r->w[i].name = strdup(p->fullname)) == NULL) {
			proc_list_free(&list);
			return -1;
		}
		r->nw++;
	}
	proc_list_free(&list);
	return 0;
}

/* start/stop -t ran out: whatever has not got there fails "timed out"
 * (the process itself carries on towards where it was sent), and a
 * restart does not go on to its start phase. */
static void
ctl_req_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_req *r = w->data;
	char why[96];
	size_t i;

	for (i = 0; i < r->nw; i++) {
		struct ctl_wait *wt = &r->w[i];

		if (wt->done || wt->p == NULL)
			continue;
		(void)snprintf(why, sizeof(why), "still %s after %g seconds",
		    fsm_state_name(wt->p->state), r->timeout_secs);
		ctl_wait_finish(wt, PROTO_F_TIMED_OUT, why);
	}
	r->restart = false;
	r->dirty = true;
	ctl_sweep();
}

static void
ctl_do_startstop(struct ctl_client *c, uint32_t id, uint16_t type,
    const char **argv, int argc)
{
	struct ctl_req *r;
	double secs = 0;
	char *end;
	int i;

	if (type == PROTO_REQ_START_T || type == PROTO_REQ_STOP_T ||
	    type == PROTO_REQ_RESTART_T) {
		/* the first argument is the timeout */
		if (argc < 1 || (secs = strtod(argv[0], &end), *end != '\0') ||
		    !(secs > 0 && secs <= 1e6)) {
			ctl_send_error(c, id, "bad timeout: %s",
			    argc > 0 ? argv[0] : "(none)");
			return;
		}
		type = type == PROTO_REQ_START_T  ? PROTO_REQ_START
		       : type == PROTO_REQ_STOP_T ? PROTO_REQ_STOP
		                                  : PROTO_REQ_RESTART;
		argv++;
		argc--;
	}
	if (argc == 0) {
		ctl_send_error(c, id, "a process name is required");
		return;
	}
	if (ctl.shutting_down && type != PROTO_REQ_STOP) {
		ctl_send_error(c, id, "tendd is shutting down");
		return;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto nomem;
	r->c = c;
	r->id = id;
	ev_timer_init(&r->timeout, ctl_req_timeout_cb, secs, 0.);
	r->timeout.data = r;
	r->timeout_secs = secs;
	r->restart = type == PROTO_REQ_RESTART;
	r->phase = type == PROTO_REQ_START ? CTL_PHASE_START : CTL_PHASE_STOP;
	for (i = 0; i < argc; i++)
		if (ctl_req_add(r, argv[i]) == -1) {
			ctl_req_free(r);
			goto nomem;
		}
	if ((r->order = calloc(r->nw + 1, sizeof(*r->order))) == NULL) {
		ctl_req_free(r);
		goto nomem;
	}
	r->next = ctl.pending;
	ctl.pending = r;
	c->req = r;
	if (secs > 0)
		ev_timer_start(ctl.loop, &r->timeout);
	ctl_req_issue(r);
	ctl_sweep();
	return;
nomem:
	ctl_send_error(c, id, "tendd: out of memory");
}

static void
ctl_do_signal(struct ctl_client *c, uint32_t id, const char **argv, int argc)
{
	struct ctl_req *r;
	char err[200];
	int sig, i;
	size_t k;

	if (argc < 2) {
		ctl_send_error(
		    c, id, "a signal and a process name are required");
		return;
	}
	sig = util_signal_parse(argv[0]);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto nomem;
	for (i = 1; i < argc; i++)
		if (ctl_req_add(r, argv[i]) == -1) {
			ctl_req_free(r);
			goto nomem;
		}
	for (k = 0; k < r->nw; k++) {
		struct ctl_wait *wt = &r->w[k];

		if (wt->p == NULL) {
			/* no such process, already finished */
		} else if (sig <= 0) {
			ctl_wait_finish(wt, PROTO_F_BAD_SIGNAL, NULL);
		} else {
			err[0] = '\0';
			switch (fsm_signal(wt->p, sig, err, sizeof(err))) {
			case FSM_OK:
				ctl_wait_finish(wt, PROTO_F_OK, NULL);
				break;
			case FSM_NOT_RUNNING:
				ctl_wait_finish(wt, PROTO_F_NOT_RUNNING, NULL);
				break;
			default:
				ctl_wait_finish(wt, PROTO_F_FAILED, err);
				break;
			}
		}
		ctl_put_result(c, id, wt, "signalled");
	}
	ctl_req_free(r);
	ctl_send_end(c, id);
	return;
nomem:
	ctl_send_error(c, id, "tendd: out of memory");
}

/* Decimal digits of V into the end of BUF (LEN bytes); returns where
 * they start.  status formats a dozen numbers per process: printf's
 * float path (a multi-precision division per %.3f) cost more than the
 * rest of a status of 1,000 processes together. */
static char *
ctl_fmt_u64(char *buf, size_t len, unsigned long long v)
{
	char *p = buf + len - 1;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && p > buf);
	return p;
}

static void
ctl_put_kvll(struct proto_writer *w, const char *key, long long v)
{
	char buf[32], *p;

	p = ctl_fmt_u64(buf, sizeof(buf),
	    v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v);
	if (v < 0)
		*--p = '-';
	proto_put_kv(w, key, p);
}

/* V as "%.3f" (seconds with milliseconds). */
static void
ctl_put_kvsec(struct proto_writer *w, const char *key, double v)
{
	char buf[40], *p;
	unsigned long long ms;

	if (!(v >= 0 && v < 1e15)) { /* negative, huge or NaN: rare */
		proto_put_kvf(w, key, "%.3f", v);
		return;
	}
	ms = (unsigned long long)(v * 1000.0 + 0.5);
	p = ctl_fmt_u64(buf, sizeof(buf) - 4, ms / 1000);
	/* The integer part ends at buf + sizeof(buf) - 5; append .mmm. */
	buf[sizeof(buf) - 5] = '.';
	buf[sizeof(buf) - 4] = (char)('0' + ms / 100 % 10);
	buf[sizeof(buf) - 3] = (char)('0' + ms / 10 % 10);
	buf[sizeof(buf) - 2] = (char)('0' + ms % 10);
	buf[sizeof(buf) - 1] = '\0';
	proto_put_kv(w, key, p);
}

/* --- processes: status's sums and the ps verb ------------------------ */

/* What ps and status show of one OS process. */
struct ctl_pinfo {
	struct procinfo pi;
	double cpu_s;	/* utime + stime, seconds */
	double cpu_pct; /* over its lifetime, as ps(1) computes %CPU */
	double uptime;	/* seconds since it started */
};

static void
ctl_pinfo_fill(struct ctl_pinfo *x, double boot_uptime)
{
	double hz = (double)procinfo_hz();
	double age = boot_uptime - (double)x->pi.st.starttime / hz;

	x->cpu_s = (double)(x->pi.st.utime + x->pi.st.stime) / hz;
	x->uptime = age > 0 ? age : 0;
	x->cpu_pct = age > 0.01 ? 100.0 * x->cpu_s / age : 0;
}

/*
 * Read every live process of P (its cgroup, or its session in fallback
 * mode): *V (malloc'd), *N.  Processes that vanish meanwhile are left
 * out.  -1 with errno when the membership cannot be read.
 */
static int
ctl_pinfo_read(const struct proc *p, bool cmdline, struct ctl_pinfo **v,
    size_t *n)
{
	struct cgroup_member *m = NULL;
	double up = procinfo_uptime();
	size_t nm = 0, i, k = 0;

	*v = NULL;
	*n = 0;
	if (cgroup_members(p, &m, &nm) == -1)
		return -1;
	if ((*v = calloc(nm + 1, sizeof(**v))) == NULL) {
		free(m);
		return -1;
	}
	for (i = 0; i < nm; i++) {
		if (procinfo_read(m[i].pid, true, cmdline, &(*v)[k].pi) == -1)
			continue;
		ctl_pinfo_fill(&(*v)[k], up);
		k++;
	}
	free(m);
	*n = k;
	return 0;
}

/* tracking, nprocs, rss_kb, pss_kb, cpu_s: P's processes summed (PSS is
 * what adds up: shared pages are divided among their users). */
static void
ctl_put_usage(struct proto_writer *w, const struct proc *p)
{
	struct ctl_pinfo *v;
	long long rss = 0, pss = 0;
	double cpu = 0;
	size_t n = 0, i;

	proto_put_kv(w, "tracking", cgroup_tracking(p));
	if (ctl_pinfo_read(p, false, &v, &n) == 0) {
		for (i = 0; i < n; i++) {
			rss += v[i].pi.mem.rss_kb;
			pss += v[i].pi.mem.pss_kb;
			cpu += v[i].cpu_s;
		}
		free(v);
	}
	proto_put_kvf(w, "nprocs", "%zu", n);
	proto_put_kvf(w, "rss_kb", "%lld", rss);
	proto_put_kvf(w, "pss_kb", "%lld", pss);
	proto_put_kvf(w, "cpu_s", "%.2f", cpu);
	proto_put_kvf(w, "leftovers", "%d", p->pid == 0 ? p->leftovers : 0);
	proto_put_kv(w, "unkillable", p->stuck ? "1" : "0");
}

/* One service and its processes, for ps. */
static void
ctl_put_ps(struct ctl_client *c, uint32_t id, const struct proc *p,
    double now)
{
	struct proto_writer w;
	struct ctl_pinfo *v = NULL;
	long long rss = 0, pss = 0;
	double cpu = 0;
	size_t n = 0, i;
	char desc[256];

	if (ctl_pinfo_read(p, true, &v, &n) == -1)
		n = 0;
	for (i = 0; i < n; i++) {
		rss += v[i].pi.mem.rss_kb;
		pss += v[i].pi.mem.pss_kb;
		cpu += v[i].cpu_s;
	}
	fsm_describe(p, now, desc, sizeof(desc));
	proto_begin(&w, ctl.scratch, sizeof(ctl.scratch), PROTO_RECORD, id);
	proto_put_kv(&w, "kind", "service");
	proto_put_kv(&w, "fullname", p->fullname);
	proto_put_kv(&w, "state", fsm_state_name(p->state));
	proto_put_kvf(&w, "pid", "%ld", (long)p->pid);
	proto_put_kv(&w, "tracking", cgroup_tracking(p));
	proto_put_kvf(&w, "nprocs", "%zu", n);
	proto_put_kvf(&w, "rss_kb", "%lld", rss);
	proto_put_kvf(&w, "pss_kb", "%lld", pss);
	proto_put_kvf(&w, "cpu_s", "%.2f", cpu);
	proto_put_kv(&w, "description", desc);
	ctl_send_frame(c, &w);
	for (i = 0; i < n; i++) {
		const struct ctl_pinfo *x = &v[i];

		proto_begin(
		    &w, ctl.scratch, sizeof(ctl.scratch), PROTO_RECORD, id);
		proto_put_kv(&w, "kind", "proc");
		proto_put_kv(&w, "fullname", p->fullname);
		proto_put_kvf(&w, "pid", "%ld", (long)x->pi.st.pid);
		proto_put_kvf(&w, "ppid", "%ld", (long)x->pi.st.ppid);
		proto_put_kv(&w, "main", x->pi.st.pid == p->pid ? "1" : "0");
		proto_put_kvf(&w, "state", "%c", x->pi.st.state);
		proto_put_kvf(&w, "threads", "%ld", x->pi.st.num_threads);
		proto_put_kvf(&w, "rss_kb", "%ld", x->pi.mem.rss_kb);
		proto_put_kvf(&w, "pss_kb", "%ld", x->pi.mem.pss_kb);
		proto_put_kvf(&w, "cpu_s", "%.2f", x->cpu_s);
		proto_put_kvf(&w, "cpu_pct", "%.1f", x->cpu_pct);
		proto_put_kvf(&w, "uptime", "%.0f", x->uptime);
		proto_put_kv(&w, "cmd", x->pi.cmdline);
		ctl_send_frame(c, &w);
	}
	free(v);
}

/* supervisorctl's status fields for P; with FULL every field of --json,
 * its processes' memory and CPU (read from /proc) among them. */
static void
ctl_put_status(struct ctl_client *c, uint32_t id, const struct proc *p,
    double now, bool full)
{
	const struct proc_exit *ex = &p->lastexit;
	struct proto_writer w;
	char desc[256];

	fsm_describe(p, now, desc, sizeof(desc));
	proto_begin(&w, ctl.scratch, sizeof(ctl.scratch), PROTO_RECORD, id);
	proto_put_kv(&w, "fullname", p->fullname);
	proto_put_kv(&w, "state", fsm_state_name(p->state));
	proto_put_kv(&w, "description", desc);
	if (!full) {
		/* What the table shows, nothing more: 1,000 of these make
		 * one `status`. */
		ctl_send_frame(c, &w);
		return;
	}
	proto_put_kv(&w, "name", p->conf->name);
	proto_put_kv(&w, "group", p->conf->group);
	ctl_put_kvll(&w, "statecode", (int)p->state);
	ctl_put_kvll(&w, "pid", (long)p->pid);
	ctl_put_kvsec(&w, "start", p->start_wall);
	ctl_put_kvsec(&w, "stop", p->stop_wall);
	ctl_put_kvsec(&w, "now", now);
	ctl_put_kvsec(&w, "uptime",
	    p->pid > 0 && p->start_wall > 0 && now > p->start_wall
	        ? now - p->start_wall
	        : 0.0);
	proto_put_kv(&w, "spawnerr", svctab_note(p->spawnerr));
	ctl_put_kvll(&w, "spawns", p->spawns);
	ctl_put_kvll(&w, "log_dropped_bytes", (long long)logcap_dropped(p));
	proto_put_kv(&w, "stdout_logfile",
	    logcap_path(p, 1) != NULL ? logcap_path(p, 1) : "");
	proto_put_kv(&w, "stderr_logfile",
	    logcap_path(p, 2) != NULL ? logcap_path(p, 2) : "");
	proto_put_kv(&w, "exit", ex->valid ? "1" : "0");
	if (ex->valid) {
		ctl_put_kvll(&w, "exit_code", ex->code);
		ctl_put_kvll(&w, "exit_signal", ex->signal);
		proto_put_kv(&w, "exit_core", ex->core ? "1" : "0");
		ctl_put_kvsec(&w, "exit_utime", ex->utime);
		ctl_put_kvsec(&w, "exit_stime", ex->stime);
		ctl_put_kvll(&w, "exit_maxrss_kb", ex->maxrss_kb);
		/* how long that run lasted, and when it ended */
		ctl_put_kvsec(&w, "exit_uptime", ex->uptime);
		ctl_put_kvsec(&w, "exit_time", ex->wall);
		proto_put_kv(&w, "exit_oom", ex->oom ? "1" : "0");
	}
	/* /proc reads cost about 0.1 ms a process: only when asked. */
	ctl_put_usage(&w, p);
	ctl_send_frame(c, &w);
}

static void
ctl_put_unknown(struct ctl_client *c, uint32_t id, const char *name)
{
	struct proto_writer w;

	proto_begin(&w, ctl.scratch, sizeof(ctl.scratch), PROTO_RECORD, id);
	proto_put_kv(&w, "name", name);
	proto_put_kvf(&w, "fault", "%d", PROTO_F_NO_SUCH_PROCESS);
	proto_put_kv(&w, "result", proto_fault_text(PROTO_F_NO_SUCH_PROCESS));
	ctl_send_frame(c, &w);
}

static bool
ctl_args_have_all(const char **argv, int argc)
{
	int i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "all") == 0)
			return true;
	return false;
}

/* P's record(s) for a status, ps or pid request of TYPE. */
static void
ctl_put_listed(struct ctl_client *c, uint32_t id, uint16_t type,
    const struct proc *p, double now)
{
	struct proto_writer w;

	if (type == PROTO_REQ_STATUS || type == PROTO_REQ_STATUS_FULL) {
		ctl_put_status(c, id, p, now, type == PROTO_REQ_STATUS_FULL);
	} else if (type == PROTO_REQ_PS) {
		ctl_put_ps(c, id, p, now);
	} else {
		proto_begin(
		    &w, ctl.scratch, sizeof(ctl.scratch), PROTO_RECORD, id);
		proto_put_kv(&w, "name", p->fullname);
		proto_put_kvf(&w, "pid", "%ld", (long)p->pid);
		ctl_send_frame(c, &w);
	}
}

/* status and pid share the name handling: every process for no names or
 * "all", else each pattern's matches (unknown ones reported), once. */
static void
ctl_do_list(struct ctl_client *c, uint32_t id, uint16_t type, const char **argv,
    int argc)
{
	struct ctl_req *r;
	struct proto_writer w;
	double now = util_realtime();
	size_t k;
	int i;

	if (type == PROTO_REQ_PID && argc == 0) {
		proto_begin(
		    &w, ctl.scratch, sizeof(ctl.scratch), PROTO_RECORD, id);
		proto_put_kv(&w, "name", "tendd");
		proto_put_kvf(&w, "pid", "%ld", (long)getpid());
		ctl_send_frame(c, &w);
		ctl_send_end(c, id);
		return;
	}
	if (argc == 0 || ctl_args_have_all(argv, argc)) {
		/* What ctl_req_add(r, "all") would list, in the table's
		 * order, without a copy of 1,000 names first. */
		for (k = 0; k < ctl.tab->nprocs; k++)
			ctl_put_listed(c, id, type, ctl.tab->procs[k], now);
		ctl_send_end(c, id);
		return;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto nomem;
	for (i = 0; i < argc; i++)
		if (ctl_req_add(r, argv[i]) == -1)
			goto nomem_free;
	for (k = 0; k < r->nw; k++) {
		const struct proc *p = r->w[k].p;

		if (p == NULL && r->w[k].fault == PROTO_F_NO_SUCH_PROCESS)
			ctl_put_unknown(c, id, r->w[k].name);
		else if (p != NULL)
			ctl_put_listed(c, id, type, p, now);
	}
	ctl_req_free(r);
	ctl_send_end(c, id);
	return;
nomem_free:
	ctl_req_free(r);
nomem:
	ctl_send_error(c, id, "tendd: out of memory");
}

/* The priority of P's group: its [group:x] section's, else the program's
 * own (supervisord gives a lone program a group of its own priority). */
static int
ctl_group_priority(const struct conf_proc *cp)
{
	const struct tend_conf *conf = ctl.tab->conf;
	size_t i;

	for (i = 0; conf != NULL && i < conf->ngroups; i++)
		if (strcmp(conf->groups[i]->name, cp->group) == 0)
			return conf->groups[i]->priority;
	return cp->priority;
}

static void
ctl_do_avail(struct ctl_client *c, uint32_t id)
{
	struct proto_writer w;
	size_t i;

	for (i = 0; i < ctl.tab->nprocs; i++) {
		const struct proc *p = ctl.tab->procs[i];

		proto_begin(
		    &w, ctl.scratch, sizeof(ctl.scratch), PROTO_RECORD, id);
		proto_put_kv(&w, "name", p->fullname);
		proto_put_kv(&w, "group", p->conf->group);
		proto_put_kv(&w, "inuse", p->removed ? "0" : "1");
		proto_put_kv(&w, "autostart", p->conf->autostart ? "1" : "0");
		proto_put_kvf(&w, "priority", "%d", p->conf->priority);
		proto_put_kvf(
		    &w, "group_priority", "%d", ctl_group_priority(p->conf));
		ctl_send_frame(c, &w);
	}
	ctl_send_end(c, id);
}

/* --- logs: tail, maintail, clear, reopen ------------------------------ */

/* logcap says there may be more to read: wake the writer, which reads
 * (ctl_write_cb -> ctl_follow_pump).  This runs inside logcap and inside
 * log.c's write of a line, so it must not log, send or free. */
static void
ctl_follow_cb(void *arg)
{
	struct ctl_client *c = arg;

	if (c->outoff == c->outlen && !ev_is_active(&c->wio))
		ev_io_start(ctl.loop, &c->wio);
}

/* C's previous frame is out: send the next piece of the log, or END
 * when a one-shot tail is done or the followed process went away. */
static void
ctl_follow_pump(struct ctl_client *c)
{
	struct proto_writer w;
	uint32_t id = c->follow_id;
	uint64_t skipped;
	ssize_t n;

	n = logcap_follow_read(
	    c->follow, ctl.logbuf, sizeof(ctl.logbuf), &skipped);
	if (skipped > 0) {
		proto_begin(
		    &w, ctl.scratch, sizeof(ctl.scratch), PROTO_RECORD, id);
		proto_put_kvf(
		    &w, "skipped", "%llu", (unsigned long long)skipped);
		ctl_send_frame(c, &w);
	}
	if (n > 0) {
		proto_begin(&w, ctl.scratch, sizeof(ctl.scratch), PROTO_DATA, id);
		proto_put_bytes(&w, ctl.logbuf, (size_t)n);
		ctl_send_frame(c, &w);
		return;
	}
	if (n == 0 && c->follow_live)
		return; /* ctl_follow_cb wakes us */
	logcap_unfollow(c->follow);
	c->follow = NULL;
	ctl_send_end(c, id);
}

/* "bytes"|"lines", COUNT, "0"|"1" */
static int
ctl_tail_args(const char **argv, uint64_t *count, bool *lines, bool *follow)
{
	long n;

	if (strcmp(argv[0], "bytes") == 0)
		*lines = false;
	else if (strcmp(argv[0], "lines") == 0)
		*lines = true;
	else
		return -1;
	if (util_parse_long(argv[1], 0, LONG_MAX, &n) == -1)
		return -1;
	*count = (uint64_t)n;
	if (strcmp(argv[2], "0") != 0 && strcmp(argv[2], "1") != 0)
		return -1;
	*follow = argv[2][0] == '1';
	return 0;
}

static void
ctl_do_tail(struct ctl_client *c, uint32_t id, uint16_t type,
    const char **argv, int argc)
{
	struct logcap_follow *f;
	struct proc *p = NULL;
	uint64_t count;
	bool lines, follow;
	char err[512];
	int fd = 1;

	if (type == PROTO_REQ_TAIL) {
		if (argc != 5 || (strcmp(argv[1], "stdout") != 0 &&
		                     strcmp(argv[1], "stderr") != 0)) {
			ctl_send_error(c, id, "tail: malformed request");
			return;
		}
		if ((p = svctab_find(ctl.tab, argv[0])) == NULL) {
			ctl_send_error(c, id, "%s: no such process", argv[0]);
			return;
		}
		fd = strcmp(argv[1], "stderr") == 0 ? 2 : 1;
		argv += 2;
	} else if (argc != 3) {
		ctl_send_error(c, id, "maintail: malformed request");
		return;
	}
	if (ctl_tail_args(argv, &count, &lines, &follow) == -1) {
		ctl_send_error(c, id, "tail: malformed request");
		return;
	}
	f = logcap_follow(p, fd, count, lines, follow, ctl_follow_cb, c, err,
	    sizeof(err));
	if (f == NULL) {
		ctl_send_error(c, id, "%s", err);
		return;
	}
	c->follow = f;
	c->follow_id = id;
	c->follow_live = follow;
	/* The writer sends the first piece (ctl_write_cb). */
	ev_io_start(ctl.loop, &c->wio);
}

static void
ctl_do_clear(struct ctl_client *c, uint32_t id, const char **argv, int argc)
{
	struct ctl_req *r;
	char err[200];
	size_t k;
	int i;

	if (argc == 0) {
		ctl_send_error(c, id, "a process name is required");
		return;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto nomem;
	for (i = 0; i < argc; i++)
		if (ctl_req_add(r, argv[i]) == -1) {
			ctl_req_free(r);
			goto nomem;
		}
	for (k = 0; k < r->nw; k++) {
		struct ctl_wait *wt = &r->w[k];

		if (wt->p != NULL) {
			if (logcap_clear(wt->p, err, sizeof(err)) == 0)
				ctl_wait_finish(wt, PROTO_F_OK, NULL);
			else
				ctl_wait_finish(wt, PROTO_F_FAILED, err);
		}
		ctl_put_result(c, id, wt, "cleared");
	}
	ctl_req_free(r);
	ctl_send_end(c, id);
	return;
nomem:
	ctl_send_error(c, id, "tendd: out of memory");
}

static void
ctl_do_reopen(struct ctl_client *c, uint32_t id)
{
	log_info("reopening log files (asked by control client %d)",
	    (int)c->pid);
	if (log_reopen() == -1)
		log_warn("tendd log: reopen");
	logcap_reopen_all(ctl.tab);
	ctl_send_end(c, id);
}

static void
ctl_do_version(struct ctl_client *c, uint32_t id)
{
	struct proto_writer w;

	proto_begin(&w, ctl.scratch, sizeof(ctl.scratch), PROTO_RECORD, id);
	proto_put_kv(&w, "version", TEND_VERSION);
	proto_put_kvf(&w, "protocol", "%d", PROTO_VERSION);
	proto_put_kvf(&w, "pid", "%ld", (long)getpid());
	ctl_send_frame(c, &w);
	ctl_send_end(c, id);
}

/* --- metrics ------------------------------------------------------------ */

void
ctl_config_sync(void)
{
	if (ctl.tab != NULL && ctl.tab->conf != ctl.genconf) {
		ctl.generation++;
		ctl.genconf = ctl.tab->conf;
	}
}

/* CPU and memory of PID from /proc into W; nothing when it cannot be
 * read (gone, or a zombie: smaps_rollup is empty). */
static void
ctl_put_procinfo(struct proto_writer *w, pid_t pid)
{
	struct procinfo pi;
	long hz = procinfo_hz();

	if (pid <= 0 || hz <= 0 || procinfo_read(pid, true, false, &pi) == -1)
		return;
	proto_put_kvf(w, "cpu_user", "%.3f", (double)pi.st.utime / hz);
	proto_put_kvf(w, "cpu_system", "%.3f", (double)pi.st.stime / hz);
	proto_put_kvf(w, "threads", "%ld", pi.st.num_threads);
	if (pi.mem.valid) {
		proto_put_kvf(
		    w, "rss_bytes", "%lld", (long long)pi.mem.rss_kb * 1024);
		proto_put_kvf(
		    w, "pss_bytes", "%lld", (long long)pi.mem.pss_kb * 1024);
	}
}

static void
ctl_put_metrics(
    struct ctl_client *c, uint32_t id, const struct proc *p, double now)
{
	const struct proc_exit *ex = &p->lastexit;
	struct proto_writer w;
	bool up = p->pid > 0 && p->start_wall > 0;

	proto_begin(&w, ctl.scratch, sizeof(ctl.scratch), PROTO_RECORD, id);
	proto_put_kv(&w, "kind", "process");
	proto_put_kv(&w, "fullname", p->fullname);
	proto_put_kv(&w, "name", p->conf->name);
	proto_put_kv(&w, "group", p->conf->group);
	proto_put_kv(&w, "state", fsm_state_name(p->state));
	proto_put_kvf(&w, "statecode", "%d", (int)p->state);
	proto_put_kvf(&w, "pid", "%ld", (long)p->pid);
	proto_put_kvf(&w, "spawns", "%u", p->spawns);
	proto_put_kvf(&w, "backoff", "%d", p->backoff);
	proto_put_kvf(&w, "start_time", "%.3f", up ? p->start_wall : 0.0);
	proto_put_kvf(&w, "uptime", "%.3f",
	    up && now > p->start_wall ? now - p->start_wall : 0.0);
	proto_put_kvf(&w, "log_dropped_bytes", "%llu",
	    (unsigned long long)logcap_dropped(p));
	proto_put_kv(&w, "exit", ex->valid ? "1" : "0");
	if (ex->valid) {
		proto_put_kvf(&w, "exit_code", "%d", ex->code);
		proto_put_kvf(&w, "exit_signal", "%d", ex->signal);
		proto_put_kvf(&w, "exit_time", "%.3f", ex->wall);
	}
	/* The main process only: what it forked and reaped itself, or
	 * left running, is not counted. */
	ctl_put_procinfo(&w, p->pid);
	ctl_send_frame(c, &w);
}

/*
 * tendctl metrics: a record about tendd, then one per process.  The
 * numbers are raw; tendctl writes Prometheus's text format.  Reading
 * /proc costs a few system calls per running process, in the loop: a
 * scrape of 1,000 processes takes milliseconds, not more.
 */
static void
ctl_do_metrics(struct ctl_client *c, uint32_t id)
{
	struct proto_writer w;
	double now = util_realtime();
	size_t i;

	ctl_config_sync();
	proto_begin(&w, ctl.scratch, sizeof(ctl.scratch), PROTO_RECORD, id);
	proto_put_kv(&w, "kind", "tendd");
	proto_put_kv(&w, "version", TEND_VERSION);
	proto_put_kvf(&w, "protocol", "%d", PROTO_VERSION);
	proto_put_kvf(&w, "pid", "%ld", (long)getpid());
	proto_put_kvf(&w, "start_time", "%.3f", ctl.started);
	proto_put_kvf(&w, "clients", "%zu", ctl.nclients);
	proto_put_kvf(&w, "clients_max", "%d", CTL_MAX_CLIENTS);
	proto_put_kvf(&w, "config_generation", "%lu", ctl.generation);
	proto_put_kvf(&w, "processes", "%zu", ctl.tab->nprocs);
	ctl_put_procinfo(&w, getpid());
	ctl_send_frame(c, &w);
	for (i = 0; i < ctl.tab->nprocs; i++)
		ctl_put_metrics(c, id, ctl.tab->procs[i], now);
	ctl_send_end(c, id);
}

static void
ctl_do_shutdown(struct ctl_client *c, uint32_t id)
{
	if (ctl.shutting_down) {
		ctl_send_error(c, id, "already shutting down");
		return;
	}
	log_info("shutdown requested by control client (pid %d, uid %u)",
	    (int)c->pid, (unsigned)c->uid);
	ctl.shutting_down = true;
	ctl_send_end(c, id);
	/* Push the reply out now: with nothing to stop, tendd may leave
	 * its loop before the write watcher runs.  The client then waits
	 * for EOF, which means tendd is gone. */
	(void)ctl_flush(c);
	if (ctl.hooks != NULL && ctl.hooks->shutdown != NULL)
		ctl.hooks->shutdown();
}

static void
ctl_hello(struct ctl_client *c, struct proto_msg *m)
{
	struct proto_writer w;
	uint32_t version;
	const char *who = "?";

	if (m->type != PROTO_HELLO) {
		ctl_fail(c, m->id, "expected HELLO first");
		return;
	}
	if (proto_get_u32(m, &version) == -1) {
		ctl_fail(c, m->id, "malformed HELLO");
		return;
	}
	(void)proto_get_str(m, &who);
	if (version != PROTO_VERSION) {
		char why[200];

		(void)snprintf(why, sizeof(why),
		    "protocol version mismatch: client (%s) speaks %u, tendd %s speaks %d",
		    who, version, TEND_VERSION, PROTO_VERSION);
		ctl_fail(c, m->id, why);
		return;
	}
	c->hello = true;
	proto_begin(&w, ctl.scratch, sizeof(ctl.scratch), PROTO_HELLO, m->id);
	proto_put_u32(&w, PROTO_VERSION);
	proto_put_str(&w, "tend " TEND_VERSION);
	proto_put_u32(&w, (uint32_t)getpid());
	ctl_send_frame(c, &w);
}

/* One complete frame from C. */
static void
ctl_dispatch(struct ctl_client *c, const unsigned char *frame, size_t len)
{
	struct proto_msg m;
	const char **argv;
	char err[128];
	int argc, i;

	if (proto_decode(frame, len, &m, err, sizeof(err)) == -1) {
		ctl_fail(c, m.id, err);
		return;
	}
	if (!c->hello) {
		ctl_hello(c, &m);
		return;
	}
	if (m.type < PROTO_REQ_STATUS) {
		(void)snprintf(err, sizeof(err), "unexpected message %s",
		    proto_type_name(m.type));
		ctl_fail(c, m.id, err);
		return;
	}
	if ((argc = proto_count_strs(&m)) < 0) {
		ctl_fail(c, m.id, "malformed request body");
		return;
	}
	if ((argv = calloc((size_t)argc + 1, sizeof(*argv))) == NULL) {
		ctl_send_error(c, m.id, "tendd: out of memory");
		return;
	}
	for (i = 0; i < argc; i++)
		(void)proto_get_str(&m, &argv[i]);
	log_debug("control client %d: %s (%d arguments)", (int)c->pid,
	    proto_type_name(m.type), argc);
	switch (m.type) {
	case PROTO_REQ_STATUS:
	case PROTO_REQ_STATUS_FULL:
	case PROTO_REQ_PID:
	case PROTO_REQ_PS:
		ctl_do_list(c, m.id, m.type, argv, argc);
		break;
	case PROTO_REQ_START:
	case PROTO_REQ_STOP:
	case PROTO_REQ_RESTART:
	case PROTO_REQ_START_T:
	case PROTO_REQ_STOP_T:
	case PROTO_REQ_RESTART_T:
		ctl_do_startstop(c, m.id, m.type, argv, argc);
		break;
	case PROTO_REQ_EVENTS:
		ctl_do_events(c, m.id, argv, argc);
		break;
	case PROTO_REQ_SIGNAL:
		ctl_do_signal(c, m.id, argv, argc);
		break;
	case PROTO_REQ_AVAIL:
		ctl_do_avail(c, m.id);
		break;
	case PROTO_REQ_VERSION:
		ctl_do_version(c, m.id);
		break;
	case PROTO_REQ_SHUTDOWN:
		ctl_do_shutdown(c, m.id);
		break;
	case PROTO_REQ_REREAD:
	case PROTO_REQ_UPDATE:
	case PROTO_REQ_ADD:
	case PROTO_REQ_REMOVE:
	case PROTO_REQ_RELOAD:
		ctl_do_reload(c, m.id, m.type, argv, argc);
		break;
	case PROTO_REQ_ROLLING:
		ctl_do_rolling(c, m.id, argv, argc);
		break;
	case PROTO_REQ_TAIL:
	case PROTO_REQ_MAINTAIL:
		ctl_do_tail(c, m.id, m.type, argv, argc);
		break;
	case PROTO_REQ_CLEAR:
		ctl_do_clear(c, m.id, argv, argc);
		break;
	case PROTO_REQ_REOPEN:
		ctl_do_reopen(c, m.id);
		break;
	case PROTO_REQ_METRICS:
		ctl_do_metrics(c, m.id);
		break;
	default:
		ctl_fail(c, m.id, "unknown request");
		break;
	}
	free(argv);
}

/* Make C's input buffer hold the frame being read (c->inneed bytes, at
 * most PROTO_MAX_FRAME).  -1: out of memory, the client is failed. */
static int
ctl_grow_in(struct ctl_client *c)
{
	unsigned char *p;

	if ((p = realloc(c->in, c->inneed)) == NULL) {
		ev_timer_stop(ctl.loop, &c->deadline);
		c->inlen = c->inneed = 0;
		ctl_fail(c, 0, "out of memory for a request");
		return -1;
	}
	c->in = p;
	c->incap = c->inneed;
	return 0;
}

/* Read what is there of one frame: the header first, then exactly the
 * rest, so the buffer never holds more than one frame. */
static void
ctl_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;
	char err[128];
	ssize_t n, size;
	size_t want;
	int frames = 0;

again:
	if (ctl_client_busy(c)) {
		ctl_peek_eof(c);
		return;
	}
	want = c->inneed ? c->inneed - c->inlen : PROTO_LEN_SIZE - c->inlen;
	n = recv(c->fd, c->in + c->inlen, want, MSG_DONTWAIT);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		if (errno != ECONNRESET)
			log_warn("control client %d: recv", (int)c->pid);
		ctl_client_free(c);
		return;
	}
	if (n == 0) {
		if (c->inlen > 0)
			log_warnx("control client %d: hung up inside a frame",
			    (int)c->pid);
		ctl_client_free(c);
		return;
	}
	c->active = ++ctl.tick;
	/* The first byte of a frame starts its deadline. */
	if (c->inlen == 0) {
		ev_timer_set(&c->deadline, CTL_DEADLINE, 0.);
		ev_timer_start(loop, &c->deadline);
	}
	c->inlen += (size_t)n;
	if (c->inneed == 0) {
		if (c->inlen < PROTO_LEN_SIZE)
			return;
		/* The size is checked before the body is buffered. */
		if ((size = proto_frame_size(
		         c->in, c->inlen, err, sizeof(err))) < 0) {
			ev_timer_stop(loop, &c->deadline);
			c->inlen = 0;
			ctl_fail(c, 0, err);
			return;
		}
		c->inneed = (size_t)size;
		if (c->inneed > c->incap && ctl_grow_in(c) == -1)
			return;
		/* The body has usually come with the header: read it now,
		 * not one loop turn later. */
		if (c->inlen < c->inneed)
			goto again;
	}
	if (c->inlen < c->inneed)
		return;
	ev_timer_stop(loop, &c->deadline);
	want = c->inlen;
	c->inlen = c->inneed = 0;
	ctl_dispatch(c, c->in, want);
	/* Write the reply now rather than one loop turn later: most replies
	 * fit in the socket at once, and the client (which sent its request
	 * behind its HELLO) is served without a round trip.  This is C's own
	 * callback, so it may be freed here. */
	if (c->outoff < c->outlen && ev_is_active(&c->wio)) {
		if (ctl_flush(c) == -1) {
			ctl_client_free(c);
			return;
		}
		if (c->outoff < c->outlen)
			return; /* the write watcher goes on */
		if (c->closing || c->follow != NULL || c->events) {
			ctl_write_cb(loop, &c->wio, EV_WRITE); /* may free */
			return;
		}
		/* All out: as ctl_write_cb, but C stays ours to read. */
		c->outoff = c->outlen = 0;
		ev_io_stop(loop, &c->wio);
		ev_timer_stop(loop, &c->deadline);
		ev_io_start(loop, &c->rio);
	}
	/* Nothing to send and nothing waiting: take the next frame (a
	 * request pipelined behind a HELLO), a few per turn at most. */
	if (!ctl_client_busy(c) && ++frames < 4)
		goto again;
}

/* --- reload family and rolling restarts -------------------------------- */

/*
 * update, add, remove and reload ask tendd.c (hooks->reload) to load the
 * config and apply the per-process diff; the reply then waits, as start
 * and stop do, until every process acted on is where the plan puts it:
 * removed ones freed, changed ones restarted with their new config,
 * added ones RUNNING.  A rolling restart is driven from here: one batch
 * of `width` processes at a time is stopped, started again and awaited
 * at RUNNING (READY=1 with readiness=notify) before the next begins; the
 * first replacement that fails ends it.  Both live in ctl.ops and move
 * on from ctl_proc_changed(), never blocking the loop.
 */

enum ctl_goal {
	CTL_GOAL_GONE = 0,  /* removed: done once freed (ctl_proc_gone) */
	CTL_GOAL_RUNNING,   /* (re)started: done at RUNNING, or failed */
	CTL_GOAL_SETTLED,   /* changed, not started: done with next_conf in */
	CTL_GOAL_ROLL_WAIT, /* rolling: its turn has not come */
	CTL_GOAL_ROLL_STOP, /* rolling: stopping, to be started again */
};

/* One process an update or a rolling restart acts on. */
struct ctl_step {
	struct proc *p; /* NULL once freed */
	char *name;
	enum ctl_goal goal;
	const char *success; /* the result word when it succeeds */
	bool done, sent;
	int fault;          /* enum proto_fault */
	const char *result; /* PROTO_F_FAILED: what to print */
	char detail[200];
};

struct ctl_op {
	struct ctl_op *next; /* in ctl_ops */
	struct ctl_client *c;
	uint32_t id;
	bool rolling;
	unsigned width; /* rolling: processes in flight at most */
	bool failed;    /* rolling: a replacement failed; begin no more */
	bool dirty;
	struct ctl_step *s;
	size_t ns;
};

static struct {
	struct ctl_op *head;
	bool sweeping;
} ctl_ops;

void
ctl_reload_done(struct ctl_reload *r)
{
	size_t i;

	svctab_plan_free(&r->plan);
	config_errors_free(&r->errs);
	for (i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r->hits);
	r->notes = NULL;
	r->nnotes = 0;
	r->hits = NULL;
}

static void
ctl_op_free(struct ctl_op *o)
{
	struct ctl_op **pp;
	size_t i;

	for (pp = &ctl_ops.head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == o) {
			*pp = o->next;
			break;
		}
	if (o->c != NULL && o->c->op == o)
		o->c->op = NULL;
	for (i = 0; i < o->ns; i++)
		free(o->s[i].name);
	free(o->s);
	free(o);
}

/* Add a step for P (NAME) to O; -1 on ENOMEM. */
static struct ctl_step *
ctl_op_add(struct ctl_op *o, struct proc *p, const char *name,
    enum ctl_goal goal, const char *success)
{
	struct ctl_step *ns, *st;

	if ((ns = realloc(o->s, (o->ns + 1) * sizeof(*ns))) == NULL)
		return NULL;
	o->s = ns;
	st = &o->s[o->ns];
	memset(st, 0, sizeof(*st));
	if ((st->name = strdup(name)) == NULL)
		return NULL;
	o->ns++;
	st->p = p;
	st->goal = goal;
	st->success = success;
	return st;
}

static void
ctl_step_finish(
    struct ctl_step *st, int fault, const char *result, const char *detail)
{
	st->done = true;
	st->fault = fault;
	st->result = result;
	(void)snprintf(
	    st->detail, sizeof(st->detail), "%s", detail != NULL ? detail : "");
}

/* Did a start of ST's process end, and how (start's rules)? */
static void
ctl_step_eval_start(struct ctl_step *st)
{
	const struct proc *p = st->p;
	char why[64];

	switch (p->state) {
	case PROC_RUNNING:
		ctl_step_finish(st, PROTO_F_OK, NULL, NULL);
		break;
	case PROC_STARTING:
		break;
	default:
		if (p->spawnerr != NULL) {
			ctl_step_finish(
			    st, PROTO_F_SPAWN_ERROR, NULL, p->spawnerr);
			break;
		}
		(void)snprintf(why, sizeof(why), "it became %s before RUNNING",
		    fsm_state_name(p->state));
		ctl_step_finish(st, PROTO_F_ABNORMAL_TERMINATION, NULL, why);
		break;
	}
}

/* Look at ST's process; only reads state (no fsm calls). */
static void
ctl_step_eval(struct ctl_step *st)
{
	if (st->done || st->p == NULL)
		return;
	switch (st->goal) {
	case CTL_GOAL_GONE:
		break; /* ctl_ops_gone() finishes it */
	case CTL_GOAL_RUNNING:
		/* A changed process restarts once its stop is over and
		 * tendd has given it the new config. */
		if (st->p->next_conf == NULL)
			ctl_step_eval_start(st);
		break;
	case CTL_GOAL_SETTLED:
		if (st->p->next_conf == NULL)
			ctl_step_finish(st, PROTO_F_OK, NULL, NULL);
		break;
	case CTL_GOAL_ROLL_WAIT:
	case CTL_GOAL_ROLL_STOP:
		break; /* ctl_roll() moves these on */
	}
}

static void
ctl_step_send(struct ctl_op *o, struct ctl_step *st)
{
	struct proto_writer w;
	const char *result;

	if (st->fault == PROTO_F_OK)
		result = st->success;
	else if (st->result != NULL)
		result = st->result;
	else
		result = proto_fault_text(st->fault);
	proto_begin(&w, ctl.scratch, sizeof(ctl.scratch), PROTO_RECORD, o->id);
	proto_put_kv(&w, "name", st->name);
	proto_put_kvf(&w, "fault", "%d", st->fault);
	proto_put_kv(&w, "result", result);
	if (st->detail[0] != '\0')
		proto_put_kv(&w, "detail", st->detail);
	ctl_send_frame(o->c, &w);
	st->sent = true;
}

/* A rolling restart's turn for ST: stop it (or, not running, start it
 * at once).  May change states synchronously. */
static void
ctl_roll_begin(struct ctl_step *st)
{
	if (fsm_is_active(st->p->state) ||
	    (st->p->state == PROC_EXITED && st->p->restart_wall != 0)) {
		st->goal = CTL_GOAL_ROLL_STOP;
		(void)fsm_stop(st->p);
	} else {
		st->goal = CTL_GOAL_ROLL_STOP; /* stopped already */
	}
}

/* Move a rolling restart on; true if it did anything. */
static bool
ctl_roll(struct ctl_op *o)
{
	char err[200] = "";
	size_t i, inflight = 0;
	bool moved = false;

	for (i = 0; i < o->ns; i++) {
		struct ctl_step *st = &o->s[i];

		if (st->done || st->p == NULL)
			continue;
		if (st->goal == CTL_GOAL_ROLL_STOP &&
		    !fsm_is_active(st->p->state)) {
			/* Its predecessor is down: the replacement starts
			 * right away. */
			st->goal = CTL_GOAL_RUNNING;
			moved = true;
			if (ctl.shutting_down) {
				ctl_step_finish(
				    st, PROTO_F_SHUTTING_DOWN, NULL, NULL);
				continue;
			}
			if (fsm_start(st->p, err, sizeof(err)) ==
			    FSM_SPAWN_ERROR) {
				ctl_step_finish(st, PROTO_F_SPAWN_ERROR, NULL,
				    err[0] ? err : svctab_note(st->p->spawnerr));
				continue;
			}
			ctl_step_eval(st);
		}
		if (st->goal == CTL_GOAL_ROLL_STOP ||
		    (st->goal == CTL_GOAL_RUNNING && !st->done))
			inflight++;
	}
	for (i = 0; i < o->ns; i++)
		if (o->s[i].done && o->s[i].fault != PROTO_F_OK)
			o->failed = true;
	for (i = 0; i < o->ns && !moved; i++) {
		struct ctl_step *st = &o->s[i];

		if (st->done || st->goal != CTL_GOAL_ROLL_WAIT)
			continue;
		if (o->failed) {
			ctl_step_finish(st, PROTO_F_FAILED,
			    "not restarted: an earlier replacement failed",
			    NULL);
			moved = true;
		} else if (inflight < o->width) {
			inflight++;
			ctl_roll_begin(st);
			moved = true;
		}
	}
	return moved;
}

/* Send what is complete; true when O is over (END sent). */
static bool
ctl_op_progress(struct ctl_op *o)
{
	size_t i;
	bool all = true;

	do {
		for (i = 0; i < o->ns; i++)
			ctl_step_eval(&o->s[i]);
	} while (o->rolling && ctl_roll(o));
	for (i = 0; i < o->ns; i++) {
		struct ctl_step *st = &o->s[i];

		if (st->done && !st->sent)
			ctl_step_send(o, st);
		if (!st->done)
			all = false;
	}
	if (!all)
		return false;
	ctl_send_end(o->c, o->id);
	return true;
}

/* Progress every dirty op; re-entrant calls (an fsm call made here)
 * only mark ops dirty, and the outermost sweep finishes the work. */
static void
ctl_ops_sweep(void)
{
	struct ctl_op *o;
	bool again;

	if (ctl_ops.sweeping)
		return;
	ctl_ops.sweeping = true;
	do {
		again = false;
		for (o = ctl_ops.head; o != NULL; o = o->next) {
			if (!o->dirty)
				continue;
			o->dirty = false;
			again = true;
			if (ctl_op_progress(o)) {
				ctl_op_free(o);
				break;
			}
		}
	} while (again);
	ctl_ops.sweeping = false;
}

static void
ctl_ops_touch(struct proc *p)
{
	struct ctl_op *o;
	size_t i;

	for (o = ctl_ops.head; o != NULL; o = o->next)
		for (i = 0; i < o->ns; i++)
			if (o->s[i].p == p)
				o->dirty = true;
	ctl_ops_sweep();
}

static void
ctl_ops_gone(struct proc *p)
{
	struct ctl_op *o;
	size_t i;

	for (o = ctl_ops.head; o != NULL; o = o->next)
		for (i = 0; i < o->ns; i++) {
			struct ctl_step *st = &o->s[i];

			if (st->p != p)
				continue;
			if (!st->done && st->goal == CTL_GOAL_GONE)
				ctl_step_finish(st, PROTO_F_OK, NULL, NULL);
			else if (!st->done)
				ctl_step_finish(st,
				    PROTO_F_ABNORMAL_TERMINATION, NULL,
				    "removed from the configuration");
			st->p = NULL;
			o->dirty = true;
		}
	ctl_ops_sweep();
}

/* Queue O for C and move it on. */
static void
ctl_op_queue(struct ctl_client *c, struct ctl_op *o)
{
	o->c = c;
	o->next = ctl_ops.head;
	ctl_ops.head = o;
	c->op = o;
	o->dirty = true;
	ctl_ops_sweep();
}

static void
ctl_put_kv1(
    struct ctl_client *c, uint32_t id, const char *key, const char *value)
{
	struct proto_writer w;

	proto_begin(&w, ctl.scratch, sizeof(ctl.scratch), PROTO_RECORD, id);
	proto_put_kv(&w, key, value);
	ctl_send_frame(c, &w);
}

/* The words of one delta: what reread says, what update -n says, what
 * update says once done. */
static const char *
ctl_delta_word(const struct svctab_delta *d, bool dry)
{
	switch (d->change) {
	case SVCTAB_REMOVED:
		return dry ? "would be removed" : "removed";
	case SVCTAB_CHANGED:
		if (d->start)
			return dry ? "would be restarted" : "restarted";
		return dry ? "would be updated (not running)"
		           : "updated (not running)";
	case SVCTAB_ADDED:
		if (d->start)
			return dry ? "would be added and started"
			           : "added and started";
		return dry ? "would be added" : "added";
	case SVCTAB_UPDATED:
		return dry ? "would be updated (no restart)"
		           : "updated (no restart)";
	case SVCTAB_UNCHANGED:
		break;
	}
	return "unchanged";
}

/* Build the reply of an applied update: a step per delta acted on. */
static struct ctl_op *
ctl_update_op(uint32_t id, const struct ctl_reload *r)
{
	struct ctl_op *o;
	struct ctl_step *st;
	size_t i;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->id = id;
	for (i = 0; i < r->plan.n; i++) {
		const struct svctab_delta *d = &r->plan.v[i];
		enum ctl_goal goal;

		if (d->refused == NULL &&
		    (!d->selected || d->change == SVCTAB_UNCHANGED))
			continue;
		if (d->change == SVCTAB_REMOVED)
			goal = CTL_GOAL_GONE;
		else if (d->start)
			goal = CTL_GOAL_RUNNING;
		else
			goal = CTL_GOAL_SETTLED;
		st = ctl_op_add(
		    o, d->p, d->fullname, goal, ctl_delta_word(d, false));
		if (st == NULL) {
			ctl_op_free(o);
			return NULL;
		}
		if (d->refused != NULL)
			ctl_step_finish(st, PROTO_F_FAILED, d->refused, NULL);
		else if (d->p == NULL)
			ctl_step_finish(
			    st, PROTO_F_FAILED, "not added", "out of memory");
	}
	return o;
}

static void
ctl_do_reload(struct ctl_client *c, uint32_t id, uint16_t type,
    const char **argv, int argc)
{
	struct ctl_reload r;
	struct proto_writer w;
	struct ctl_op *o;
	size_t i, shown = 0;
	int first = 0;

	memset(&r, 0, sizeof(r));
	switch (type) {
	case PROTO_REQ_REREAD:
		r.verb = CTL_RELOAD_REREAD;
		break;
	case PROTO_REQ_UPDATE:
	case PROTO_REQ_RELOAD:
		r.verb = CTL_RELOAD_UPDATE;
		/* The first argument holds the flags: "n" is a dry run. */
		if (argc > 0) {
			r.dry_run = strchr(argv[0], 'n') != NULL;
			first = 1;
		}
		if (type == PROTO_REQ_RELOAD)
			argc = first; /* reload: always everything */
		break;
	case PROTO_REQ_ADD:
		r.verb = CTL_RELOAD_ADD;
		break;
	default:
		r.verb = CTL_RELOAD_REMOVE;
		break;
	}
	if ((r.verb == CTL_RELOAD_ADD || r.verb == CTL_RELOAD_REMOVE) &&
	    argc == 0) {
		ctl_send_error(c, id, "a process or group name is required");
		return;
	}
	if (ctl.hooks == NULL || ctl.hooks->reload == NULL) {
		ctl_send_error(c, id, "reload is not available");
		return;
	}
	if (ctl.shutting_down) {
		ctl_send_error(c, id, "tendd is shutting down");
		return;
	}
	r.names = argc > first ? argv + first : NULL;
	if (ctl.hooks->reload(&r) == -1) {
		/* Every FILE:LINE: message, then the verdict. */
		for (i = 0; i < r.errs.n; i++)
			ctl_put_kv1(c, id, "error", r.errs.msgs[i]);
		if (r.errs.n > 0)
			ctl_send_error(c, id,
			    "configuration has %zu error%s; nothing changed",
			    r.errs.n, r.errs.n == 1 ? "" : "s");
		else
			ctl_send_error(c, id, "%s; nothing changed",
			    r.err[0] ? r.err : "reload failed");
		ctl_reload_done(&r);
		return;
	}
	ctl_config_sync(); /* count a config it swapped in */
	for (i = 0; i < r.nnotes; i++)
		ctl_put_kv1(c, id, "note", r.notes[i]);
	for (i = 0; r.names != NULL && r.names[i] != NULL; i++)
		if (r.hits != NULL && r.hits[i] == 0)
			ctl_put_unknown(c, id, r.names[i]);
	if (r.verb == CTL_RELOAD_REREAD || r.dry_run) {
		for (i = 0; i < r.plan.n; i++) {
			const struct svctab_delta *d = &r.plan.v[i];

			if (d->refused == NULL &&
			    (!d->selected || d->change == SVCTAB_UNCHANGED))
				continue;
			shown++;
			proto_begin(&w, ctl.scratch, sizeof(ctl.scratch),
			    PROTO_RECORD, id);
			proto_put_kv(&w, "name", d->fullname);
			proto_put_kvf(&w, "fault", "%d",
			    d->refused ? PROTO_F_FAILED : PROTO_F_OK);
			proto_put_kv(&w, "result",
			    d->refused ? d->refused
			    : r.verb == CTL_RELOAD_REREAD
			        ? svctab_change_name(d->change)
			        : ctl_delta_word(d, true));
			ctl_send_frame(c, &w);
		}
		if (shown == 0)
			ctl_put_kv1(
			    c, id, "none", "No config updates to processes");
		ctl_reload_done(&r);
		ctl_send_end(c, id);
		return;
	}
	o = ctl_update_op(id, &r);
	ctl_reload_done(&r);
	if (o == NULL) {
		/* Applied, but the reply cannot follow it: say so. */
		ctl_send_error(c, id,
		    "tendd: out of memory (the update was "
		    "applied)");
		return;
	}
	if (o->ns == 0)
		ctl_put_kv1(c, id, "none", "No config updates to processes");
	ctl_op_queue(c, o);
}

/* restart --rolling: ARGV[0] the batch width, then names. */
static void
ctl_do_rolling(struct ctl_client *c, uint32_t id, const char **argv, int argc)
{
	struct proc_list list = {0};
	struct ctl_op *o;
	char *end;
	unsigned long width;
	size_t k;
	int i, n;

	if (argc < 2) {
		ctl_send_error(c, id, "a batch size and a name are required");
		return;
	}
	width = strtoul(argv[0], &end, 10);
	if (*argv[0] == '\0' || *end != '\0' || width == 0 || width > 1000000) {
		ctl_send_error(c, id, "bad batch size %s", argv[0]);
		return;
	}
	if (ctl.shutting_down) {
		ctl_send_error(c, id, "tendd is shutting down");
		return;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL)
		goto nomem;
	o->id = id;
	o->rolling = true;
	o->width = (unsigned)width;
	for (i = 1; i < argc; i++) {
		if ((n = svctab_match(ctl.tab, argv[i], &list)) < 0)
			goto nomem_free;
		if (n == 0)
			ctl_put_unknown(c, id, argv[i]);
	}
	/* In table order: ascending priority, then as configured. */
	for (k = 0; k < ctl.tab->nprocs; k++) {
		struct proc *p = ctl.tab->procs[k];
		size_t j;

		for (j = 0; j < list.n && list.v[j] != p; j++)
			;
		if (j == list.n)
			continue;
		if (ctl_op_add(o, p, p->fullname, CTL_GOAL_ROLL_WAIT,
		        "restarted") == NULL)
			goto nomem_free;
	}
	proc_list_free(&list);
	if (o->ns == 0) {
		free(o);
		ctl_send_end(c, id);
		return;
	}
	log_info("rolling restart of %zu process%s, %lu at a time", o->ns,
	    o->ns == 1 ? "" : "es", width);
	ctl_op_queue(c, o);
	return;
nomem_free:
	proc_list_free(&list);
	ctl_op_free(o);
nomem:
	ctl_send_error(c, id, "tendd: out of memory");
}

/* --- accepting ---------------------------------------------------- */

/* Who may talk to tendd: root, tendd's own user, and the socket's owner
 * and group as chown= set them (the group by the peer's primary gid, all
 * SO_PEERCRED tells). */
static bool
ctl_peer_allowed(const struct ucred *cr)
{
	if (cr->uid == 0 || cr->uid == geteuid())
		return true;
	if (ctl.socket_uid != (uid_t)-1 && cr->uid == ctl.socket_uid)
		return true;
	if (ctl.socket_gid != (gid_t)-1 && cr->gid == ctl.socket_gid &&
	    (ctl.socket_mode & 0060) == 0060)
		return true;
	return false;
}

/* Tell a connection we will not serve it why, best effort, and close. */
static void
ctl_reject(int fd, const char *why)
{
	struct proto_writer w;
	ssize_t n;

	proto_begin(&w, ctl.scratch, sizeof(ctl.scratch), PROTO_ERROR, 0);
	proto_put_str(&w, why);
	if ((n = proto_finish(&w)) > 0)
		(void)send(
		    fd, ctl.scratch, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	(void)close(fd);
}

static void
ctl_pause_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	if (ctl.fd != -1)
		ev_io_start(loop, &ctl.lio);
}

static struct ctl_client *
ctl_client_new(int fd, const struct ucred *cr)
{
	struct ctl_client *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->in = malloc(CTL_IN_START)) == NULL) {
		free(c);
		return NULL;
	}
	c->incap = CTL_IN_START;
	c->fd = fd;
	c->uid = cr->uid;
	c->pid = cr->pid;
	ev_io_init(&c->rio, ctl_read_cb, fd, EV_READ);
	ev_io_init(&c->wio, ctl_write_cb, fd, EV_WRITE);
	ev_set_priority(&c->rio, CTL_PRIORITY);
	ev_set_priority(&c->wio, CTL_PRIORITY);
	ev_timer_init(&c->deadline, ctl_deadline_cb, CTL_DEADLINE, 0.);
	c->rio.data = c->wio.data = c->deadline.data = c;
	c->active = ++ctl.tick;
	c->next = ctl.clients;
	ctl.clients = c;
	ctl.nclients++;
	ev_io_start(ctl.loop, &c->rio);
	return c;
}

/* Is C waiting for its peer rather than for tendd?  Idle, half a frame
 * in, a reply or a batch it does not take: all of these are the peer's
 * doing.  A start or update in flight, or a follower or subscriber at
 * the end of its stream, waits on tendd. */
static bool
ctl_client_evictable(const struct ctl_client *c)
{
	if (c->req != NULL || c->op != NULL)
		return false;
	if ((c->follow != NULL || c->events) && c->outoff == c->outlen)
		return false;
	return true;
}

/* How many clients the process PID holds open. */
static size_t
ctl_clients_of(pid_t pid)
{
	const struct ctl_client *c;
	size_t n = 0;

	for (c = ctl.clients; c != NULL; c = c->next)
		n += c->pid == pid;
	return n;
}

/* Make room for a new client: drop one that waits on its peer, taken
 * from the process holding the most connections (a flood from one
 * process evicts its own), the one without progress longest among
 * those.  false if every client waits on tendd. */
static bool
ctl_evict_one(void)
{
	struct ctl_client *c, *victim = NULL;
	size_t n, vn = 0;

	for (c = ctl.clients; c != NULL; c = c->next) {
		if (!ctl_client_evictable(c))
			continue;
		n = ctl_clients_of(c->pid);
		if (victim == NULL || n > vn ||
		    (n == vn && c->active < victim->active)) {
			victim = c;
			vn = n;
		}
	}
	if (victim == NULL)
		return false;
	log_warnx("control client %d: %d clients connected; dropping this "
	          "idle one, the longest without progress",
	    (int)victim->pid, CTL_MAX_CLIENTS);
	if (!victim->dropped && victim->outoff == victim->outlen) {
		struct proto_writer w;
		ssize_t len;

		/* Best effort: say why, if the socket takes it now. */
		proto_begin(&w, ctl.scratch, sizeof(ctl.scratch), PROTO_ERROR,
		    0);
		proto_put_str(&w, "tendd: too many control clients; this "
		                  "idle connection was dropped");
		if ((len = proto_finish(&w)) > 0)
			(void)send(victim->fd, ctl.scratch, (size_t)len,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	ctl_client_free(victim);
	return true;
}

static void
ctl_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c;
	struct ucred cr;
	socklen_t crlen;
	char why[160];
	int fd, batch;

	/* A bounded number per turn: the clients accepted get read (and
	 * show progress) before a flood behind them can evict them. */
	for (batch = 0; batch < CTL_ACCEPT_BATCH; batch++) {
		fd = accept4(ctl.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* EMFILE, ENFILE, ENOBUFS, ENOMEM: the pending
			 * connection stays readable, so retrying now would
			 * spin; rest the listener (accept(2)). */
			log_warn("control socket: accept");
			ev_io_stop(loop, &ctl.lio);
			ev_timer_set(&ctl.pause, CTL_PAUSE, 0.);
			ev_timer_start(loop, &ctl.pause);
			return;
		}
		crlen = sizeof(cr);
		/* The peer's credentials as of connect() (unix(7)). */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) ==
		    -1) {
			log_warn("control socket: getsockopt(SO_PEERCRED)");
			(void)close(fd);
			continue;
		}
		if (!ctl_peer_allowed(&cr)) {
			(void)snprintf(why, sizeof(why),
			    "tendd: permission denied: uid %u may not use this socket",
			    (unsigned)cr.uid);
			log_warnx("control socket: refused pid %d uid %u",
			    (int)cr.pid, (unsigned)cr.uid);
			ctl_reject(fd, why);
			continue;
		}
		if (ctl.nclients >= CTL_MAX_CLIENTS && !ctl_evict_one()) {
			(void)snprintf(why, sizeof(why),
			    "tendd: too many control clients (limit %d)",
			    CTL_MAX_CLIENTS);
			ctl_reject(fd, why);
			continue;
		}
		if ((c = ctl_client_new(fd, &cr)) == NULL) {
			ctl_reject(fd, "tendd: out of memory");
			continue;
		}
		/* tendctl sends its HELLO and request right behind
		 * connect(): read them now, not a loop turn later (a turn
		 * under churn is a batch of restarts).  Nothing there yet
		 * costs one EAGAIN; the callback may free C. */
		ctl_read_cb(loop, &c->rio, EV_READ);
	}
}

/* --- the socket ----------------------------------------------------- */

/* Is a tendd answering on PATH?  1 yes, 0 no (stale or absent), -1 error
 * (ERR says). */
static int
ctl_socket_alive(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	int fd, alive;

	if (lstat(sun->sun_path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		(void)snprintf(err, errlen, "%s: lstat: %s", sun->sun_path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		(void)snprintf(err, errlen,
		    "%s: exists and is not a socket; refusing to replace it",
		    sun->sun_path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	         0)) == -1) {
		(void)snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* ECONNREFUSED: nobody listens, the file is stale.  EAGAIN: the
	 * backlog is full, which means someone listens (unix(7)). */
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
	    errno == EAGAIN)
		alive = 1;
	else if (errno == ECONNREFUSED)
		alive = 0;
	else {
		(void)snprintf(err, errlen, "%s: connect: %s", sun->sun_path,
		    strerror(errno));
		alive = -1;
	}
	(void)close(fd);
	return alive;
}

/* The socket's directory must not be someone else's to swap files in. */
static int
ctl_check_dir(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(ctl.path)];
	char *slash;
	struct stat st;

	(void)snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		(void)snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) == -1) {
		(void)snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		(void)snprintf(err, errlen,
		    "%s: owned by uid %u, not by root or us; refusing to put the control socket there",
		    dir, (unsigned)st.st_uid);
		return -1;
	}
	return 0;
}

int
ctl_init(struct ev_loop *loop, struct svctab *tab, const struct conf_global *g,
    const char *path, const struct ctl_hooks *hooks, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd, alive;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		(void)snprintf(err, errlen,
		    "%s: control socket path too long (limit %zu bytes)", path,
		    sizeof(sun.sun_path) - 1);
		return -1;
	}
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (ctl_check_dir(path, err, errlen) == -1)
		return -1;
	if ((alive = ctl_socket_alive(&sun, err, errlen)) == -1)
		return -1;
	if (alive) {
		(void)snprintf(
		    err, errlen, "another tendd is listening on %s", path);
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		(void)snprintf(err, errlen, "%s: unlink stale socket: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	         0)) == -1) {
		(void)snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	ctl.socket_mode =
	    g != NULL && g->socket_mode > 0 ? g->socket_mode : 0700;
	ctl.socket_uid = g != NULL ? g->socket_uid : (uid_t)-1;
	ctl.socket_gid = g != NULL ? g->socket_gid : (gid_t)-1;
	/* bind(2) creates the file with 0777 & ~umask: a tight umask means
	 * it is never more open than 0600 before chmod narrows or widens it
	 * to the configured mode. */
	old = umask(0177);
	if (bind(fd, (const struct sockaddr *)&sun, sizeof(sun)) == -1) {
		(void)snprintf(
		    err, errlen, "%s: bind: %s", path, strerror(errno));
		(void)umask(old);
		(void)close(fd);
		return -1;
	}
	(void)umask(old);
	if (chmod(path, (mode_t)ctl.socket_mode) == -1) {
		(void)snprintf(err, errlen, "%s: chmod(%04o): %s", path,
		    (unsigned)ctl.socket_mode, strerror(errno));
		goto fail;
	}
	if ((ctl.socket_uid != (uid_t)-1 || ctl.socket_gid != (gid_t)-1) &&
	    chown(path, ctl.socket_uid, ctl.socket_gid) == -1) {
		(void)snprintf(err, errlen, "%s: chown(%d:%d): %s", path,
		    (int)ctl.socket_uid, (int)ctl.socket_gid, strerror(errno));
		goto fail;
	}
	if (listen(fd, SOMAXCONN) == -1) {
		(void)snprintf(
		    err, errlen, "%s: listen: %s", path, strerror(errno));
		goto fail;
	}
	/* The event history: allocated once, never grows. */
	if (ctl.ring == NULL &&
	    (ctl.ring = calloc(CTL_EVENTS_RING, sizeof(*ctl.ring))) == NULL) {
		(void)snprintf(err, errlen, "control socket: event history: %s",
		    strerror(errno));
		goto fail;
	}
	ctl.loop = loop;
	ctl.tab = tab;
	ctl.hooks = hooks;
	ctl.fd = fd;
	ctl.started = util_realtime();
	ctl.generation = 1;
	ctl.genconf = tab->conf;
	(void)snprintf(ctl.path, sizeof(ctl.path), "%s", path);
	ev_io_init(&ctl.lio, ctl_accept_cb, fd, EV_READ);
	ev_set_priority(&ctl.lio, CTL_PRIORITY);
	ev_timer_init(&ctl.pause, ctl_pause_cb, CTL_PAUSE, 0.);
	ev_io_start(loop, &ctl.lio);
	return 0;
fail:
	(void)unlink(path);
	(void)close(fd);
	return -1;
}

void
ctl_close(void)
{
	while (ctl.pending != NULL)
		ctl_req_free(ctl.pending);
	while (ctl_ops.head != NULL)
		ctl_op_free(ctl_ops.head);
	while (ctl.clients != NULL)
		ctl_client_free(ctl.clients);
	free(ctl.ring);
	ctl.ring = NULL;
	if (ctl.fd == -1)
		return;
	ev_io_stop(ctl.loop, &ctl.lio);
	ev_timer_stop(ctl.loop, &ctl.pause);
	if (close(ctl.fd) == -1)
		log_warn("control socket: close");
	ctl.fd = -1;
	if (unlink(ctl.path) == -1 && errno != ENOENT)
		log_warn("%s: unlink", ctl.path);
}

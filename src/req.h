/*
 * req.h: the request API every front end shares.  A front end (the
 * control socket in ctl.c; an HTTP/XML-RPC server alike) decodes a request
 * into a struct req -- its type, its arguments as strings -- and hands it
 * to the handler; the handler answers through the reply sink the front end
 * put in the request, so one handler serves every front end and only the
 * encoding differs.
 *
 * A reply is zero or more records (key/value string pairs, opened by
 * req_record() and closed by req_record_end()) or DATA pieces (raw bytes:
 * log output), then exactly one req_end() or one req_error() (the request
 * failed as a whole).  After either, the handler never touches RQ again.
 *
 * Variants are options, not new types: `start -t 5` is START with
 * timeout=5, `status --json` STATUS with full=1.  A row lists the options
 * it takes; req_dispatch() refuses any other.
 *
 * A handler that answers at once calls req_end() before it returns.  One
 * that waits (start/stop, update, a rolling restart) keeps its state in
 * rq->state, sets rq->cancel and answers later, from a state-change
 * notification, through the same sink.  A stream (tail -f, events) also
 * sets rq->pump: the front end calls it whenever everything sent so far
 * has left (backpressure: a stream sends one batch per pump), and the
 * handler calls req_wake() when it has more to send at a moment the
 * front end was not going to pump it.
 *
 * When the client goes away with the request in flight, the front end
 * calls rq->cancel (the handler frees its state and must not send), and
 * never calls rq->pump again.
 *
 * The sink's functions never free the client: a front end that finds its
 * peer gone only marks it, and drops it from its own callbacks.  So any
 * handler may answer any client from inside any other's callback (a state
 * change completing another client's start).
 *
 * How to add a request: one row in req.def (name, wire number, arguments,
 * flags), one handler `void ROOM_do_NAME(struct req *rq)` in the room of
 * its concern, one entry in tendctl(1).
 */
#ifndef TEND_REQ_H
#define TEND_REQ_H

#include "tend.h"
#include "proto.h"
#include "svctab.h"

#include <ev.h>

struct req;
struct reload_req;

/* req.def's flags */
#define REQ_F_SHUTDOWN 0x1 /* may run while tendd shuts down */
#define REQ_F_WAITS 0x2    /* the reply outlives the handler's call */

/* A front end's encoder.  Every op is required. */
struct req_sink_ops {
	void (*record)(struct req *rq); /* open a record */
	void (*kv)(struct req *rq, const char *key, const char *value);
	void (*record_end)(struct req *rq);
	void (*data)(struct req *rq, const void *buf, size_t n);
	/* The reply is complete / failed as a whole (MSG: the reason). */
	void (*end)(struct req *rq);
	void (*error)(struct req *rq, const char *msg);
	/* A stream has more: call rq->pump once the sink has room. */
	void (*wake)(struct req *rq);
	/* True when the client is gone or over its output cap: stop
	 * producing (the front end will cancel the request). */
	bool (*dropped)(const struct req *rq);
	/* True while output sent earlier has not left yet: a producer that
	 * may pace itself waits for rq->pump. */
	bool (*busy)(const struct req *rq);
};

struct req {
	/* filled by the front end */
	const struct req_sink_ops *ops;
	void *sink;        /* the front end's client */
	uint16_t type;     /* PROTO_REQ_*: a row of req.def */
	const char **argv; /* the arguments, NULL-terminated; valid only
	                      during the handler's call */
	int argc;
	/* options (req.def's row names those it takes): OPTS[2i] a key,
	 * OPTS[2i+1] its value; valid only during the handler's call */
	const char *const *opts;
	int nopts;
	pid_t pid; /* who asked, for logs (-1: unknown) */
	uid_t uid;
	/* set by a handler whose reply outlives its call */
	void *state;
	void (*cancel)(struct req *rq);
	void (*pump)(struct req *rq);
	bool live; /* in flight: req_end/req_error not yet called */
};

/* What the handlers share with the front ends: one per tendd. */
struct req_hooks {
	/* tendd begins an orderly shutdown */
	void (*shutdown)(void);
	/* run a reload (reload.h) */
	int (*reload)(struct reload_req *r);
};

struct req_env {
	struct ev_loop *loop;
	struct svctab *tab;
	const struct req_hooks *hooks;
	bool shutting_down;              /* start/restart/update are refused */
	double started;                  /* realtime tendd's requests began */
	unsigned long generation;        /* configs taken; the first is 1 */
	const struct tend_conf *genconf; /* the config GENERATION counts */
	size_t nclients, clients_max;    /* the control socket's */
};
extern struct req_env req_env;

/* Records. */
void req_record(struct req *rq);
void req_kv(struct req *rq, const char *key, const char *value);
void req_kvf(struct req *rq, const char *key, const char *fmt, ...)
    TEND_PRINTF(3, 4);
void req_kvll(struct req *rq, const char *key, long long v);
/* V as "%.3f" (seconds with milliseconds), without printf's cost. */
void req_kvsec(struct req *rq, const char *key, double v);
void req_record_end(struct req *rq);
/* A record of one key. */
void req_kv1(struct req *rq, const char *key, const char *value);
/* The per-process result record: name, fault, result (RESULT, or the
 * fault's words when NULL), detail (when not empty). */
void req_result(struct req *rq, const char *name, int fault, const char *result,
    const char *detail);
/* "NAME: no such process" as a result record. */
void req_unknown(struct req *rq, const char *name);
void req_data(struct req *rq, const void *buf, size_t n);
void req_end(struct req *rq);
void req_error(struct req *rq, const char *fmt, ...) TEND_PRINTF(2, 3);
void req_wake(struct req *rq);
bool req_dropped(const struct req *rq);
bool req_busy(const struct req *rq);

/*
 * Run RQ: find its row in req.def, refuse it while shutting down unless
 * the row allows it, call its handler.  An unknown type: -1 (nothing
 * sent; the front end decides).
 */
int req_dispatch(struct req *rq);
/* The row's flags; -1 for an unknown type. */
int req_flags(uint16_t type);
/* The value of option KEY, NULL when not given. */
const char *req_opt(const struct req *rq, const char *key);

/* The config generation: count a config the table took since. */
void req_config_sync(void);

/* Decimal digits of V into the end of BUF (LEN bytes); returns where they
 * start. */
char *req_fmt_u64(char *buf, size_t len, unsigned long long v);

#endif /* TEND_REQ_H */

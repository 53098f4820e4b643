/*
 * http_impl.h: what http.c shares with http_stream.c (the /logtail and
 * /events streams); nothing else includes it.
 */
#ifndef TEND_HTTP_IMPL_H
#define TEND_HTTP_IMPL_H

#include "tend.h"
#include "httplib.h"
#include "httproute.h"
#include "req.h"
#include "web.h"
#include "webfmt.h"

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One connection (MHD's socket context). */
struct http_conn {
	struct http_conn *next;
	struct MHD_Connection *mc;
	int fd;
	bool inet;	  /* from the TCP listener: its credentials */
	pid_t pid;	  /* the UNIX socket's peer; -1 on TCP */
	uid_t uid;
	char peer[64];	  /* "pid N" or the address, for logs and limits */
	uint64_t active;  /* http.tick of its last progress */
	bool waiting;	  /* suspended on tendd: not evictable */
	bool evicted;	  /* shut down: MHD closes it at its next turn */
};

/* One request (MHD's request context). */
struct http_req {
	struct http_conn *conn;
	int refuse;	/* an HTTP status to answer with, the body unread */
	char *body;
	size_t len, cap;
	size_t seen;	/* body bytes received, kept or not */
	bool started;	/* the call was handed to xmlrpc.c */
	struct xmlrpc_call *call;
	bool answered;	/* reply (or NULL: bad request) is here */
	char *reply;
	size_t replylen;
	enum http_route route;
	struct http_stream *stream;
	struct web_call *wcall; /* in flight */
	struct web_out wout;    /* its answer, once ANSWERED */
};

/*
 * A /logtail stream: a TAIL (or MAINTAIL) request that follows the file,
 * as `tendctl tail -f` does, through logcap's followers: no polling.  Its
 * pieces wait in BUF until MHD's reader takes them; the request is pumped
 * for the next only once BUF is empty, so a reader that does not read
 * costs one piece of memory and nothing else (and MHD cuts it off after
 * HTTP_TIMEOUT without progress).  At the end of the file the connection
 * is suspended (no timeout, not evictable) until logcap wakes us; an
 * ev_io watches for the peer hanging up meanwhile.
 */
struct http_stream {
	struct req rq;
	struct http_req *r;	/* NULL once MHD has let go of the request */
	struct MHD_Connection *mc;
	char *buf;
	size_t len, off, cap;
	bool ended;	/* END or ERROR came */
	bool failed;	/* ERROR before any data: 404 */
	bool suspended;
	ev_io hup;	/* the peer, while suspended */
	bool sse;	/* records as text/event-stream JSON (GET /events) */
	struct wbuf rec;	/* the record being encoded */
};
/* http.c */
struct ev_loop *http_ev_loop(void);
bool http_is_closing(void); /* http_close() runs: suspend nothing */
void http_schedule(void);   /* MHD has work: run it from the loop */
enum MHD_Result http_error(
    struct MHD_Connection *mc, unsigned status, const char *text);

/* http_stream.c */
/* Answer R's GET /logtail/..., /mainlogtail or /events with its stream. */
enum MHD_Result http_logtail(
    struct MHD_Connection *mc, struct http_req *r, const char *url);
/* The request is over for MHD: stop the stream's request, free it. */
void http_stream_close(struct http_stream *st);

#endif /* TEND_HTTP_IMPL_H */

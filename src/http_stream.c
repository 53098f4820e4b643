/*
 * http_stream.c: the HTTP front end's streams: GET /logtail/NAME[/CHANNEL]
 * and /mainlogtail (a TAIL or MAINTAIL request that follows the file, as
 * `tendctl tail -f` does) and GET /events (an EVENTS request as
 * text/event-stream, one JSON record per `data:` line).  A reply sink
 * that keeps one piece for MHD's reader and pumps the request for the
 * next only once it is taken; at the end of the file the connection is
 * suspended until the request wakes it.  http.c routes to it and owns
 * the connections.
 */
#include "http_impl.h"
#include "httplib.h"
#include "httproute.h"
#include "proto.h"
#include "req.h"
#include "webfmt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* --- /logtail streams -------------------------------------------------- */

static void
http_stream_resume(struct http_stream *st)
{
	if (!st->suspended)
		return;
	st->suspended = false;
	ev_io_stop(http_ev_loop(), &st->hup);
	if (st->r != NULL)
		st->r->conn->waiting = false;
	MHD_resume_connection(st->mc);
	http_schedule();
}

/* The request is over for MHD: stop the TAIL, forget everything. */
void
http_stream_close(struct http_stream *st)
{
	ev_io_stop(http_ev_loop(), &st->hup);
	if (st->rq.live && st->rq.cancel != NULL) {
		st->rq.cancel(&st->rq);
		st->rq.live = false;
	}
	if (st->rq.live) {
		/* It answers later; the sink then frees it. */
		st->r = NULL;
		return;
	}
	webfmt_free(&st->rec);
	free(st->buf);
	free(st);
}

static void http_st_data(struct req *rq, const void *data, size_t n);

/* Records go out only on /events: each one line "data: {JSON}". */
static void
http_st_record(struct req *rq)
{
	struct http_stream *st = rq->sink;

	if (!st->sse)
		return;
	st->rec.len = 0;
	st->rec.oom = false;
	webfmt_puts(&st->rec, "data: {");
}

static void
http_st_kv(struct req *rq, const char *key, const char *value)
{
	struct http_stream *st = rq->sink;

	if (!st->sse)
		return;
	if (st->rec.len > strlen("data: {"))
		webfmt_puts(&st->rec, ",");
	webfmt_json(&st->rec, key);
	webfmt_puts(&st->rec, ":");
	webfmt_json(&st->rec, value);
}

static void
http_st_record_end(struct req *rq)
{
	struct http_stream *st = rq->sink;

	if (!st->sse)
		return;
	webfmt_puts(&st->rec, "}\n\n");
	if (!st->rec.oom)
		http_st_data(rq, st->rec.s, st->rec.len);
}

static void
http_st_data(struct req *rq, const void *data, size_t n)
{
	struct http_stream *st = rq->sink;
	size_t cap;
	char *p;

	if (st->off == st->len)
		st->off = st->len = 0;
	if (st->len + n > st->cap) {
		cap = st->cap ? st->cap : 4096;
		while (cap < st->len + n)
			cap *= 2;
		if ((p = realloc(st->buf, cap)) == NULL)
			return; /* the piece is lost; the stream goes on */
		st->buf = p;
		st->cap = cap;
	}
	memcpy(st->buf + st->len, data, n);
	st->len += n;
	http_stream_resume(st);
}

static void
http_st_end(struct req *rq)
{
	struct http_stream *st = rq->sink;

	st->ended = true;
	if (st->r == NULL) {
		webfmt_free(&st->rec);
		free(st->buf);
		free(st);
		return;
	}
	http_stream_resume(st);
}

static void
http_st_error(struct req *rq, const char *msg)
{
	struct http_stream *st = rq->sink;

	if (st->len == 0)
		st->failed = true;
	http_st_end(rq);
}

/* Called from inside logcap: no logging, no freeing. */
static void
http_st_wake(struct req *rq)
{
	http_stream_resume(rq->sink);
}

static bool
http_st_dropped(const struct req *rq)
{
	const struct http_stream *st = rq->sink;

	return st->r == NULL;
}

/* Pieces not yet taken by MHD's reader. */
static bool
http_st_busy(const struct req *rq)
{
	const struct http_stream *st = rq->sink;

	return st->off < st->len;
}

static const struct req_sink_ops http_st_ops = {
    .record = http_st_record,
    .kv = http_st_kv,
    .record_end = http_st_record_end,
    .data = http_st_data,
    .end = http_st_end,
    .error = http_st_error,
    .wake = http_st_wake,
    .dropped = http_st_dropped,
    .busy = http_st_busy,
};

/* The peer of a suspended stream: at EOF, let MHD find it closed. */
static void
http_st_hup_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct http_stream *st = w->data;
	char b;

	if (recv(w->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 1)
		return;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return;
	ev_io_stop(loop, w);
	http_stream_resume(st);
}

/* MHD wants more of the body. */
static ssize_t
http_st_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct http_stream *st = cls;
	size_t n;

	if (st->off == st->len && !st->ended && st->rq.live &&
	    st->rq.pump != NULL)
		st->rq.pump(&st->rq);
	if (st->off < st->len) {
		n = st->len - st->off < max ? st->len - st->off : max;
		memcpy(out, st->buf + st->off, n);
		st->off += n;
		return (ssize_t)n;
	}
	if (st->ended || http_is_closing())
		return MHD_CONTENT_READER_END_OF_STREAM;
	/* At the end of the log: wait for logcap, not for a timeout. */
	st->suspended = true;
	st->r->conn->waiting = true;
	ev_io_set(&st->hup, st->r->conn->fd, EV_READ);
	ev_io_start(http_ev_loop(), &st->hup);
	MHD_suspend_connection(st->mc);
	return 0;
}

static bool http_stream_open(struct MHD_Connection *mc, struct http_req *r,
    uint16_t type, const char **argv, int i, bool sse);

/* Start the TAIL of URL for R ("/logtail/NAME[/CHANNEL]",
 * "/mainlogtail"); false: 404. */
static bool
http_stream_start(struct MHD_Connection *mc, struct http_req *r,
    const char *url)
{
	char name[256];
	const char *argv[6];
	bool main, err;
	int i = 0;

	http_logtail_args(url, name, sizeof(name), &main, &err);
	if (!main) {
		argv[i++] = name;
		argv[i++] = err ? "stderr" : "stdout";
	}
	argv[i++] = "bytes";
	argv[i++] = "1024"; /* supervisord starts 1 KiB from the end */
	argv[i++] = "1";
	argv[i] = NULL;
	return http_stream_open(mc, r,
	    main ? PROTO_REQ_MAINTAIL : PROTO_REQ_TAIL, argv, i, false);
}

/* Start request TYPE (ARGV, ARGC) as R's stream; false: 404. */
static bool
http_stream_open(struct MHD_Connection *mc, struct http_req *r,
    uint16_t type, const char **argv, int i, bool sse)
{
	struct http_stream *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return false;
	st->r = r;
	st->mc = mc;
	st->sse = sse;
	ev_io_init(&st->hup, http_st_hup_cb, r->conn->fd, EV_READ);
	st->hup.data = st;
	st->rq.ops = &http_st_ops;
	st->rq.sink = st;
	st->rq.type = type;
	st->rq.argv = argv;
	st->rq.argc = i;
	st->rq.pid = r->conn->pid;
	st->rq.uid = r->conn->uid;
	r->stream = st;
	if (req_dispatch(&st->rq) == -1)
		st->failed = st->ended = true;
	return !st->failed;
}

enum MHD_Result
http_logtail(struct MHD_Connection *mc, struct http_req *r, const char *url)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	const char *since, *argv[3];
	size_t i;

	if (r->stream == NULL && r->route == HTTP_ROUTE_EVENTS) {
		/* since=SEQ: what happened after the page was made */
		since = MHD_lookup_connection_value(
		    mc, MHD_GET_ARGUMENT_KIND, "since");
		for (i = 0; since != NULL && since[i] != '\0'; i++)
			if (since[i] < '0' || since[i] > '9' || i > 20)
				since = NULL;
		argv[0] = since != NULL ? since : "";
		argv[1] = "1";
		argv[2] = NULL;
		if (!http_stream_open(mc, r, PROTO_REQ_EVENTS, argv, 2, true))
			return http_error(
			    mc, MHD_HTTP_NOT_FOUND, "404 Not Found\n");
	}
	if (r->stream == NULL && !http_stream_start(mc, r, url))
		return http_error(mc, MHD_HTTP_NOT_FOUND, "404 Not Found\n");
	resp = MHD_create_response_from_callback(
	    MHD_SIZE_UNKNOWN, 4096, http_st_read, r->stream, NULL);
	if (resp == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    r->route == HTTP_ROUTE_EVENTS ? "text/event-stream"
	                                  : "text/plain;charset=utf-8");
	(void)MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	if (r->route == HTTP_ROUTE_EVENTS)
		(void)MHD_add_response_header(resp, "Cache-Control", "no-store");
	ret = MHD_queue_response(mc, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

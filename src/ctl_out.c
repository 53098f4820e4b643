/*
 * ctl_out.c: a control client's output: the frames packed into its
 * buffer (proto.c's packers), the reply sink a request writes through,
 * and flushing without blocking (MSG_DONTWAIT, the write watcher,
 * CTL_OUT_MAX).  The server side is ctl.c.
 */
#include "ctl_impl.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
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

/* Where the frames of a dropped client go, unsent; apart from ctl and
 * zero-initialised, so it takes no room in the executable (.bss). */
static struct {
	unsigned char scratch[PROTO_MAX_FRAME];
} ctlbuf;

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

/* Make room for a whole frame at the end of C's output; false (C is
 * marked dropped) over CTL_OUT_MAX or out of memory.  Never frees. */
static bool
ctl_out_room(struct ctl_client *c)
{
	size_t need;
	unsigned char *p;

	if (c->outoff == c->outlen) {
		c->outoff = c->outlen = 0;
	} else if (c->outoff > 0 && c->outlen + PROTO_MAX_FRAME > c->outcap) {
		/* Reuse the room of what was sent before growing. */
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	need = c->outlen + PROTO_MAX_FRAME;
	if (c->outlen - c->outoff <= CTL_OUT_MAX && need <= c->outcap)
		return true;
	if (c->outlen - c->outoff > CTL_OUT_MAX) {
		ctl_warn("control client %d: reply over %u bytes unread; "
		          "dropping it",
		    (int)c->pid, CTL_OUT_MAX);
	} else if ((p = realloc(c->out, need + need / 2)) == NULL) {
		ctl_warn("control client %d: out of memory; dropping it",
		    (int)c->pid);
	} else {
		c->out = p;
		c->outcap = need + need / 2;
		return true;
	}
	c->closing = c->dropped = true;
	c->outoff = c->outlen = 0;
	ev_io_start(ctl.loop, &c->wio);
	return false;
}

/* Start a frame of TYPE for C's request in its output buffer (packed in
 * place: no copy).  A dropped client's frames go to the scratch buffer
 * and are thrown away. */
void
ctl_frame_begin(struct ctl_client *c, uint16_t type)
{
	if (c->dropped || !ctl_out_room(c)) {
		proto_begin(&c->w, ctlbuf.scratch, sizeof(ctlbuf.scratch), type,
		    c->id);
		return;
	}
	proto_begin(&c->w, c->out + c->outlen, PROTO_MAX_FRAME, type, c->id);
}

/* Seal the frame being packed and queue it (a frame that does not fit
 * becomes an ERROR).  Never frees.  A long reply (status of 1,000
 * processes) goes out in pieces of CTL_FLUSH_AT bytes as it is built: the
 * client decodes one piece while tendd packs the next, and the buffer
 * stays small. */
void
ctl_frame_end(struct ctl_client *c)
{
	ssize_t n;

	if (c->dropped)
		return;
	if ((n = proto_finish(&c->w)) < 0) {
		proto_begin(&c->w, c->out + c->outlen, PROTO_MAX_FRAME,
		    PROTO_ERROR, c->id);
		proto_put_str(&c->w, "tendd: reply too large for one frame");
		if ((n = proto_finish(&c->w)) < 0)
			return;
	}
	c->outlen += (size_t)n;
	ev_io_stop(ctl.loop, &c->rio);
	ev_io_start(ctl.loop, &c->wio);
	if (!ev_is_active(&c->deadline)) {
		ev_timer_set(&c->deadline, CTL_DEADLINE, 0.);
		ev_timer_start(ctl.loop, &c->deadline);
	}
	if (c->outlen - c->outoff >= CTL_FLUSH_AT && !c->outfull)
		ctl_send_some(c);
}

void
ctl_send_error(struct ctl_client *c, const char *msg)
{
	ctl_frame_begin(c, PROTO_ERROR);
	proto_put_str(&c->w, msg);
	ctl_frame_end(c);
}

/* A protocol violation: tell the client why, then hang up. */
void
ctl_fail(struct ctl_client *c, uint32_t id, const char *why)
{
	char msg[256];

	ctl_warn("control client %d: %s; closing it", (int)c->pid, why);
	(void)snprintf(msg, sizeof(msg), "tendd: %s", why);
	c->id = id;
	ctl_send_error(c, msg);
	c->closing = true;
	ev_io_stop(ctl.loop, &c->rio);
	ev_io_start(ctl.loop, &c->wio);
}

/* --- the reply sink (req.h) ----------------------------------------- */

static struct ctl_client *
ctl_of(const struct req *rq)
{
	return rq->sink;
}

static void
ctl_sink_record(struct req *rq)
{
	ctl_frame_begin(ctl_of(rq), PROTO_RECORD);
}

static void
ctl_sink_kv(struct req *rq, const char *key, const char *value)
{
	proto_put_kv(&ctl_of(rq)->w, key, value);
}

static void
ctl_sink_record_end(struct req *rq)
{
	ctl_frame_end(ctl_of(rq));
}

static void
ctl_sink_data(struct req *rq, const void *buf, size_t n)
{
	struct ctl_client *c = ctl_of(rq);

	ctl_frame_begin(c, PROTO_DATA);
	proto_put_bytes(&c->w, buf, n);
	ctl_frame_end(c);
}

static void
ctl_sink_end(struct req *rq)
{
	struct ctl_client *c = ctl_of(rq);

	ctl_frame_begin(c, PROTO_END);
	ctl_frame_end(c);
}

static void
ctl_sink_error(struct req *rq, const char *msg)
{
	ctl_send_error(ctl_of(rq), msg);
}

/* A stream has more: the writer pumps it once the output is out.  Runs
 * inside logcap, log.c and fsm calls: it only starts a watcher. */
static void
ctl_sink_wake(struct req *rq)
{
	struct ctl_client *c = ctl_of(rq);

	if (c->outoff == c->outlen && !ev_is_active(&c->wio))
		ev_io_start(ctl.loop, &c->wio);
}

static bool
ctl_sink_dropped(const struct req *rq)
{
	return ctl_of(rq)->dropped;
}

static bool
ctl_sink_busy(const struct req *rq)
{
	const struct ctl_client *c = ctl_of(rq);

	return c->outoff < c->outlen;
}

const struct req_sink_ops ctl_sink_ops = {
    .record = ctl_sink_record,
    .kv = ctl_sink_kv,
    .record_end = ctl_sink_record_end,
    .data = ctl_sink_data,
    .end = ctl_sink_end,
    .error = ctl_sink_error,
    .wake = ctl_sink_wake,
    .dropped = ctl_sink_dropped,
    .busy = ctl_sink_busy,
};

/* Write what the socket takes now.  0: all sent or the socket is full;
 * -1: the client is gone (the caller frees it, when it safely can). */
int
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

void
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
	if (c->rq.live && c->rq.pump != NULL)
		c->rq.pump(&c->rq);
}

/*
 * ctl.c: the control socket server inside tendd: the first front end of
 * the request API (req.h).
 *
 * Owns: the listening socket (its mode, owner, stale-file handling), the
 * clients (peer checks, read buffers, output buffers, deadlines, limits),
 * the framing (proto.c's packers) and the session (HELLO).  Each request
 * frame becomes a struct req whose reply sink packs records into frames
 * in the client's output buffer; req_dispatch() runs the handler of the
 * request's row in req.def.  What requests do lives in their rooms
 * (status.c, job.c, reload.c, logs.c, events.c).
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
 *   in its own watcher callbacks, never inside a state-change notification
 *   or another client's request;
 * - at most CTL_MAX_CLIENTS clients; accept() running out of descriptors
 *   pauses the listener for CTL_PAUSE seconds (relayd's habit), so a flood
 *   cannot spin the loop.
 *
 * Streams (tail -f, events) are pumped: the handler's rq->pump runs when
 * everything sent so far has left, so a client holds at most one batch.
 *
 * At CTL_MAX_CLIENTS, a new connection evicts a client that waits on its
 * peer (idle, half a frame in, or a reply it does not take): one of the
 * process holding the most connections, the longest without progress of
 * those.  So a flood of idle or stalled connections cannot lock out a
 * good client; clients waiting on tendd (a start, an update, a follower
 * at the end of its log) are never evicted.
 */
#include "ctl_impl.h"
#include "ctlsock.h"
#include "events.h"
#include "handover.h"
#include "job.h"
#ifdef HAVE_HTTP
#include "http.h"
#endif
#include "log.h"
#include "proto.h"
#include "req.h"
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

static void ctl_read_cb(struct ev_loop *, ev_io *, int);
static void ctl_deadline_cb(struct ev_loop *, ev_timer *, int);

struct ctl_state ctl = {.fd = -1, .reserve = -1};
/* The socket's path, apart from ctl: zero-initialised, so it takes no
 * room in the executable (.bss). */
static char ctl_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

/* --- clients: buffers and lifetime ------------------------------------ */

/*
 * Warn about a client's doing (hung up inside a frame, stalled, a bad
 * frame, over its output cap).  Each costs a log line, and a flood of
 * such clients must not flood the log: at most CTL_WARN_BURST in
 * CTL_WARN_PERIOD seconds; the rest are counted, and the count is said
 * with the first warning of a later period.
 */
void
ctl_warn(const char *fmt, ...)
{
	double now = util_monotonic();
	char msg[512];
	va_list ap;

	if (now - ctl.warn_start >= CTL_WARN_PERIOD) {
		if (ctl.warn_dropped > 0)
			log_warnx("control socket: %lu more warnings about "
			          "clients were not logged",
			    ctl.warn_dropped);
		ctl.warn_start = now;
		ctl.warn_n = 0;
		ctl.warn_dropped = 0;
	}
	if (ctl.warn_n >= CTL_WARN_BURST) {
		ctl.warn_dropped++;
		return;
	}
	ctl.warn_n++;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s", msg);
}

/* Closing a UNIX socket with unread input resets the connection, and
 * the peer may lose our last reply (the error saying why) to ECONNRESET
 * (unix(7), unix_release_sock()).  Throw away what is queued, a bounded
 * amount, first. */
static void
ctl_discard_input(int fd)
{
	char buf[4096];
	size_t total = 0;
	ssize_t n;

	while (total < PROTO_MAX_FRAME &&
	       (n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		total += (size_t)n;
}

/* Hold the reserve descriptor again (its slot is free). */
static void
ctl_reserve_take(void)
{
	if (ctl.reserve == -1 &&
	    (ctl.reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		log_warn("control socket: /dev/null (the reserve descriptor)");
}

void
ctl_client_free(struct ctl_client *c)
{
	struct ctl_client **pp;

	for (pp = &ctl.clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	req_env.nclients--;
	ev_io_stop(ctl.loop, &c->rio);
	ev_io_stop(ctl.loop, &c->wio);
	ev_timer_stop(ctl.loop, &c->deadline);
	/* The request in flight forgets the client; it sends nothing. */
	if (c->rq.live && c->rq.cancel != NULL)
		c->rq.cancel(&c->rq);
	c->rq.live = false;
	if (c->fd != -1) {
		ctl_discard_input(c->fd);
		if (close(c->fd) == -1)
			log_warn("control client %d: close", (int)c->pid);
	if (c->reserved)
		ctl_reserve_take();
	}
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
	return c->rq.live || c->outoff < c->outlen || c->closing;
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

static void
ctl_deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_client *c = w->data;

	ctl_warn("control client %d: %s stalled for %.0f seconds; dropping "
	          "it",
	    (int)c->pid, c->inlen > 0 ? "request" : "reply", CTL_DEADLINE);
	ctl_client_free(c);
}

static void
ctl_hello(struct ctl_client *c, struct proto_msg *m)
{
	uint32_t lo, hi;
	const char *who = "?";
	int v;

	if (m->type != PROTO_HELLO) {
		ctl_fail(c, m->id, "expected HELLO first");
		return;
	}
	if (proto_get_u32(m, &lo) == -1) {
		ctl_fail(c, m->id, "malformed HELLO");
		return;
	}
	/* A client of protocol 8 sends no highest version. */
	if (proto_get_str(m, &who) == -1 || proto_get_u32(m, &hi) == -1)
		hi = lo;
	if ((v = proto_pick_version(lo, hi)) < 0) {
		char why[200];

		(void)snprintf(why, sizeof(why),
		    "protocol version mismatch: client (%s) speaks %u..%u, "
		    "tendd %s speaks %d..%d",
		    who, lo, hi, TEND_VERSION, PROTO_VERSION_MIN,
		    PROTO_VERSION);
		ctl_fail(c, m->id, why);
		return;
	}
	c->hello = true;
	c->version = (uint32_t)v;
	c->id = m->id;
	ctl_frame_begin(c, PROTO_HELLO);
	proto_put_u32(&c->w, c->version);
	proto_put_str(&c->w, "tend " TEND_VERSION);
	proto_put_u32(&c->w, (uint32_t)getpid());
	ctl_frame_end(c);
}

/* Protocol 8's variants as the options that replaced them: START_T,
 * STOP_T, RESTART_T (the first argument the timeout) and STATUS_FULL.
 * OPTS has room for one more pair when ROOM. */
static void
ctl_legacy(struct req *rq, const char **opts, bool room)
{
	switch (rq->type) {
	case PROTO_REQ_START_T:
	case PROTO_REQ_STOP_T:
	case PROTO_REQ_RESTART_T:
		rq->type = rq->type == PROTO_REQ_START_T  ? PROTO_REQ_START
		           : rq->type == PROTO_REQ_STOP_T ? PROTO_REQ_STOP
		                                          : PROTO_REQ_RESTART;
		if (!room || rq->argc == 0)
			return; /* the handler says a name is required */
		opts[2 * rq->nopts] = "timeout";
		opts[2 * rq->nopts + 1] = rq->argv[0];
		rq->nopts++;
		rq->argv++;
		rq->argc--;
		break;
	case PROTO_REQ_STATUS_FULL:
		rq->type = PROTO_REQ_STATUS;
		if (!room)
			return;
		opts[2 * rq->nopts] = "full";
		opts[2 * rq->nopts + 1] = "1";
		rq->nopts++;
		break;
	default:
		break;
	}
}

/* One complete frame from C. */
static void
ctl_dispatch(struct ctl_client *c, const unsigned char *frame, size_t len)
{
	struct proto_msg m;
	const char **argv, *opts[2 * PROTO_MAX_OPTS + 2];
	char err[128];
	int argc, nopts, i;

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
	if ((nopts = proto_get_opts(&m, opts, PROTO_MAX_OPTS)) < 0 ||
	    (argc = proto_count_strs(&m)) < 0) {
		ctl_fail(c, m.id, "malformed request body");
		return;
	}
	c->id = m.id;
	if ((argv = calloc((size_t)argc + 1, sizeof(*argv))) == NULL) {
		ctl_send_error(c, "tendd: out of memory");
		return;
	}
	for (i = 0; i < argc; i++)
		(void)proto_get_str(&m, &argv[i]);
	log_debug("control client %d: %s (%d arguments)", (int)c->pid,
	    proto_type_name(m.type), argc);
	c->rq.ops = &ctl_sink_ops;
	c->rq.sink = c;
	c->rq.type = m.type;
	c->rq.argv = argv;
	c->rq.argc = argc;
	c->rq.opts = opts;
	c->rq.nopts = nopts;
	ctl_legacy(&c->rq, opts, nopts < PROTO_MAX_OPTS);
	c->rq.pid = c->pid;
	c->rq.uid = c->uid;
	if (req_dispatch(&c->rq) == -1)
		ctl_fail(c, m.id, "unknown request");
	c->rq.argv = NULL;
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

#ifdef HAVE_HTTP
/* A frame starts with a zero byte (its length is at most 64 KiB), an
 * HTTP request with a method name: supervisorctl's and XML-RPC clients'
 * connections go to http.c, unread.  Returns 1 when C was handed over
 * (and freed), -1 when nothing is there to look at yet (the caller waits:
 * reading on would race the client's first bytes and take "POST" for a
 * frame's length), 0 for a tendctl client or a hang-up. */
static int
ctl_http_handoff(struct ctl_client *c)
{
	char b;
	int fd = c->fd;
	ssize_t n;

	n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	                   errno == EINTR))
		return -1;
	if (n != 1 || b < 'A' || b > 'Z')
		return 0;
	c->fd = -1;
	http_adopt_unix(fd, c->pid, c->uid);
	ctl_client_free(c);
	return 1;
}
#endif

#ifndef HAVE_HTTP
/* A frame's length starts with a zero byte; a method name ("POST /RPC2")
 * is supervisorctl or another XML-RPC client, which this build cannot
 * answer.  Tell it so in its own protocol, rather than as a tend error
 * frame it would report as a bad status line.  True when C was freed. */
static bool
ctl_http_refused(struct ctl_client *c)
{
	static const char body[] =
	    "tendd was built without HTTP (./configure --without-http): "
	    "supervisorctl and XML-RPC clients cannot use it; use tendctl\n";
	char msg[512];
	int n;

	if (c->in[0] < 'A' || c->in[0] > 'Z')
		return false;
	n = snprintf(msg, sizeof(msg),
	    "HTTP/1.0 501 tendd built without HTTP\r\n"
	    "Content-Type: text/plain\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s",
	    sizeof(body) - 1, body);
	/* Best effort: the client is dropped either way. */
	(void)send(c->fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	ctl_warn("control client %d: an HTTP request, but tendd was built "
	         "without HTTP",
	    (int)c->pid);
	ctl_client_free(c);
	return true;
}
#endif

/*
 * Write the reply now rather than one loop turn later: most replies fit
 * in the socket at once, and the client (which sent its request behind
 * its HELLO) is served without a round trip.  Called from C's own
 * callback, so C may be freed here.  0: C may take its next frame; -1:
 * the caller returns (C freed, or its reply still going out).
 */
static int
ctl_reply_now(struct ev_loop *loop, struct ctl_client *c)
{
	if (c->outoff >= c->outlen || !ev_is_active(&c->wio))
		return 0;
	if (ctl_flush(c) == -1) {
		ctl_client_free(c);
		return -1;
	}
	if (c->outoff < c->outlen)
		return -1; /* the write watcher goes on */
	if (c->closing || (c->rq.live && c->rq.pump != NULL)) {
		ctl_write_cb(loop, &c->wio, EV_WRITE); /* may free */
		return -1;
	}
	/* All out: as ctl_write_cb, but C stays ours to read. */
	c->outoff = c->outlen = 0;
	ev_io_stop(loop, &c->wio);
	ev_timer_stop(loop, &c->deadline);
	ev_io_start(loop, &c->rio);
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
#ifdef HAVE_HTTP
	if (!c->hello && c->inlen == 0 && ctl_http_handoff(c) != 0)
		return;
#endif
	want = c->inneed ? c->inneed - c->inlen : PROTO_LEN_SIZE - c->inlen;
	n = recv(c->fd, c->in + c->inlen, want, MSG_DONTWAIT);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		if (errno != ECONNRESET)
			ctl_warn("control client %d: recv: %s", (int)c->pid,
			    strerror(errno));
		ctl_client_free(c);
		return;
	}
	if (n == 0) {
		if (c->inlen > 0)
			ctl_warn("control client %d: hung up inside a frame",
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
#ifndef HAVE_HTTP
			if (!c->hello && ctl_http_refused(c))
				return;
#endif
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
	if (ctl_reply_now(loop, c) == -1)
		return;
	/* Nothing to send and nothing waiting: take the next frame (a
	 * request pipelined behind a HELLO), a few per turn at most. */
	if (!ctl_client_busy(c) && ++frames < 4)
		goto again;
}
/* --- notifications from tendd ------------------------------------- */

void
ctl_proc_changed(struct proc *p, enum proc_state from)
{
	events_record(p, from);
	job_proc_changed(p);
	req_config_sync();
}

void
ctl_proc_gone(struct proc *p)
{
	job_proc_gone(p);
}

void
ctl_config_sync(void)
{
	req_config_sync();
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
	unsigned char buf[512];
	struct proto_writer w;
	ssize_t n;

	proto_begin(&w, buf, sizeof(buf), PROTO_ERROR, 0);
	proto_put_str(&w, why);
	if ((n = proto_finish(&w)) > 0)
		(void)send(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
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
	req_env.nclients++;
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
	if (c->rq.live && c->rq.pump == NULL)
		return false;
	if (c->rq.live && c->outoff == c->outlen)
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
ctl_evict_one(bool nofd)
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
	if (nofd)
		ctl_warn("control client %d: out of file descriptors; dropping "
		         "this idle one, the longest without progress",
		    (int)victim->pid);
	else
		ctl_warn("control client %d: %d clients connected; dropping "
		         "this idle one, the longest without progress",
		    (int)victim->pid, CTL_MAX_CLIENTS);
	if (!victim->dropped && victim->outoff == victim->outlen) {
		unsigned char buf[512];
		struct proto_writer w;
		ssize_t len;

		/* Best effort: say why, if the socket takes it now. */
		proto_begin(&w, buf, sizeof(buf), PROTO_ERROR, 0);
		proto_put_str(&w, nofd ? "tendd: out of file descriptors; this "
		                         "idle connection was dropped"
		                       : "tendd: too many control clients; this "
		                         "idle connection was dropped");
		if ((len = proto_finish(&w)) > 0)
			(void)send(victim->fd, buf, (size_t)len,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	ctl_client_free(victim);
	return true;
}

/* accept4() of a new client; TEND_FAULT=ctl_accept:N makes the first N
 * fail with ENFILE (the system's file table full: no rlimit of tendd's
 * can make that happen in a test). */
static int
ctl_accept4(void)
{
	if (util_fault("ctl_accept")) {
		errno = ENFILE;
		return -1;
	}
	return accept4(ctl.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

/*
 * accept() found no descriptor left (EMFILE, ENFILE): make one.  A client
 * waiting on its peer is evicted first (idle connections must not lock
 * out a shutdown); else the reserve's slot is given up.  The accepted fd
 * (*RESERVED: it holds the reserve's slot), or -1 with errno.
 */
static int
ctl_accept_short(bool *reserved)
{
	int fd, e = errno;

	if (ctl_evict_one(true) &&
	    (fd = ctl_accept4()) !=
	        -1)
		return fd;
	if (ctl.reserve == -1) {
		errno = e;
		return -1;
	}
	(void)close(ctl.reserve);
	ctl.reserve = -1;
	if ((fd = ctl_accept4()) ==
	    -1) {
		e = errno;
		ctl_reserve_take();
		errno = e;
		return -1;
	}
	ctl_warn("control socket: out of file descriptors; serving one client "
	         "from the reserve");
	*reserved = true;
	return fd;
}

static void
ctl_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c;
	struct ucred cr;
	socklen_t crlen;
	char why[160];
	bool reserved = false;
	int fd, batch;

	/* A bounded number per turn: the clients accepted get read (and
	 * show progress) before a flood behind them can evict them. */
	for (batch = 0; batch < CTL_ACCEPT_BATCH; batch++) {
		/* The last one was refused: the reserve's slot is free. */
		if (reserved)
			ctl_reserve_take();
		reserved = false;
		fd = ctl_accept4();
		/* accept() says EMFILE before it looks at the queue: only
		 * the first of a turn is sure to have a connection behind
		 * it (the listener was readable); later ones wait a turn. */
		if (fd == -1 && (errno == EMFILE || errno == ENFILE)) {
			if (batch > 0)
				break;
			fd = ctl_accept_short(&reserved);
		}
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* EMFILE, ENFILE, ENOBUFS, ENOMEM: the pending
			 * connection stays readable, so retrying now would
			 * spin; rest the listener (accept(2)). */
			ctl_warn("control socket: accept: %s", strerror(errno));
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
		if (req_env.nclients >= CTL_MAX_CLIENTS && !ctl_evict_one(false)) {
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
		c->reserved = reserved; /* C holds the slot now */
		reserved = false;
		/* tendctl sends its HELLO and request right behind
		 * connect(): read them now, not a loop turn later (a turn
		 * under churn is a batch of restarts).  Nothing there yet
		 * costs one EAGAIN; the callback may free C. */
		ctl_read_cb(loop, &c->rio, EV_READ);
	}
	if (reserved)
		ctl_reserve_take();
}

/* --- the socket ----------------------------------------------------- */

/* Serve the listening socket FD at PATH.  -1 with errno (the event
 * history could not be allocated). */
static int
ctl_listen(struct ev_loop *loop, struct svctab *tab, const char *path,
    const struct req_hooks *hooks, int fd)
{
	/* The event history: allocated once, never grows. */
	if (events_init() == -1)
		return -1;
	ctl.loop = loop;
	req_env.loop = loop;
	req_env.tab = tab;
	req_env.hooks = hooks;
	req_env.started = util_realtime();
	req_env.generation = 1;
	req_env.genconf = tab->conf;
	req_env.clients_max = CTL_MAX_CLIENTS;
	ctl.fd = fd;
	ctl_reserve_take();
	(void)snprintf(ctl_path, sizeof(ctl_path), "%s", path);
	ev_io_init(&ctl.lio, ctl_accept_cb, fd, EV_READ);
	ev_set_priority(&ctl.lio, CTL_PRIORITY);
	ev_timer_init(&ctl.pause, ctl_pause_cb, CTL_PAUSE, 0.);
	ev_io_start(loop, &ctl.lio);
	return 0;
}

/*
 * A reexec: every client is told and closed (a request in flight ends
 * with an ERROR; the reexec's own reply is out already), and the
 * listening socket is carried with tendd's start time.
 */
static void
ctl_handover_save(struct handover_w *w)
{
	struct ctl_client *c, *next;

	for (c = ctl.clients; c != NULL; c = next) {
		next = c->next;
		if (c->rq.live)
			req_error(&c->rq, "tendd is re-executing; reconnect");
		(void)ctl_flush(c);
		ctl_client_free(c);
	}
	handover_put_fd(w, ctl.fd, HANDOVER_FD_SOCKET, 0);
	handover_put_f64(w, req_env.started);
}

/* The listening socket of the tendd before the reexec. */
static int
ctl_adopt(struct ev_loop *loop, struct svctab *tab, const char *path,
    const struct req_hooks *hooks, struct handover_r *r, char *err,
    size_t errlen)
{
	int fd = handover_get_fd(r);
	double started = handover_get_f64(r);

	handover_end(r);
	if (ctl_listen(loop, tab, path, hooks, fd) == -1) {
		(void)snprintf(err, errlen, "control socket: event history: %s",
		    strerror(errno));
		return -1;
	}
	req_env.started = started;
	return 0;
}

int
ctl_init(struct ev_loop *loop, struct svctab *tab, const struct conf_global *g,
    const char *path, const struct req_hooks *hooks, char *err, size_t errlen)
{
	struct handover_r *r = handover_section("ctl");
	int fd;

	handover_register("ctl", ctl_handover_save);
	ctl.socket_mode =
	    g != NULL && g->socket_mode > 0 ? g->socket_mode : 0700;
	ctl.socket_uid = g != NULL ? g->socket_uid : (uid_t)-1;
	ctl.socket_gid = g != NULL ? g->socket_gid : (gid_t)-1;
	if (r != NULL)
		return ctl_adopt(loop, tab, path, hooks, r, err, errlen);
	if ((fd = ctlsock_listen(path, ctl.socket_mode, ctl.socket_uid,
	         ctl.socket_gid, err, errlen)) == -1)
		return -1;
	if (ctl_listen(loop, tab, path, hooks, fd) == -1) {
		(void)snprintf(err, errlen, "control socket: event history: %s",
		    strerror(errno));
		(void)unlink(path);
		(void)close(fd);
		return -1;
	}
	return 0;
}

void
ctl_close(void)
{
	/* Replies already answered go out (shutdown's own: its client
	 * waits for EOF); a request still in flight is cut short. */
	while (ctl.clients != NULL) {
		(void)ctl_flush(ctl.clients);
		ctl_client_free(ctl.clients);
	}
	job_close();
	events_close();
	if (ctl.fd == -1)
		return;
	ev_io_stop(ctl.loop, &ctl.lio);
	ev_timer_stop(ctl.loop, &ctl.pause);
	if (ctl.reserve != -1 && close(ctl.reserve) == -1)
		log_warn("control socket: close the reserve descriptor");
	ctl.reserve = -1;
	if (close(ctl.fd) == -1)
		log_warn("control socket: close");
	ctl.fd = -1;
	if (unlink(ctl_path) == -1 && errno != ENOENT)
		log_warn("%s: unlink", ctl_path);
}

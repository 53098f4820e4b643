/*
 * ctlclient.c: tendctl's connection to tendd.  Owns finding the socket
 * path in a config file (config_ini.c, only the few keys that name it), the
 * connection with its timeouts, the HELLO exchange and frame I/O.  It
 * prints nothing and knows no verbs: tendctl.c does.
 */
#include "ctlclient.h"
#include "config_ini.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double
ctlc_now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait for FD to become readable until DEADLINE (<0: forever).  0 ready,
 * -1 timed out (errno ETIMEDOUT) or failed. */
static int
ctlc_wait_readable(int fd, double deadline)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	double left;
	int ms, n;

	for (;;) {
		if (deadline < 0)
			ms = -1;
		else {
			left = deadline - ctlc_now();
			if (left <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			ms = (int)(left * 1000) + 1;
		}
		n = poll(&pfd, 1, ms);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n > 0)
			return 0;
	}
}

/* Have at least NEED bytes of reply buffered from c->roff on.  0 ok, 1
 * EOF before any of them, -1 error (EOF inside a frame: errno EPROTO).
 * It first takes what the socket already holds (MSG_DONTWAIT) and polls
 * only when that is nothing, so a burst of records costs one recv.
 * *DEADLINE is TIMEOUT seconds from the first wait (<0: none); 0 until
 * then, so a frame already buffered costs no clock read. */
static int
ctlc_fill(struct ctlc *c, size_t need, double timeout, double *deadline)
{
	ssize_t n;

	if (c->rlen - c->roff >= need)
		return 0;
	/* Move the partial frame to the front: a frame (at most
	 * PROTO_MAX_FRAME) then always fits in the room behind it. */
	if (c->roff > 0) {
		memmove(c->rbuf, c->rbuf + c->roff, c->rlen - c->roff);
		c->rlen -= c->roff;
		c->roff = 0;
	}
	while (c->rlen < need) {
		n = recv(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen,
		    MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (*deadline == 0)
				*deadline =
				    timeout < 0 ? -1 : ctlc_now() + timeout;
			if (ctlc_wait_readable(c->fd, *deadline) == -1)
				return -1;
			continue;
		}
		if (n == -1)
			return -1;
		if (n == 0) {
			if (c->rlen == 0)
				return 1;
			errno = EPROTO;
			return -1;
		}
		c->rlen += (size_t)n;
	}
	return 0;
}

int
ctlc_read(struct ctlc *c, struct proto_msg *m, double timeout, char *err,
    size_t errlen)
{
	double deadline = 0;
	char why[128];
	ssize_t size = 0;
	int r;

	r = ctlc_fill(c, PROTO_LEN_SIZE, timeout, &deadline);
	if (r == 0) {
		/* Refuse an oversized frame before reading it. */
		if ((size = proto_frame_size(c->rbuf + c->roff, PROTO_LEN_SIZE,
		         why, sizeof(why))) < 0) {
			(void)snprintf(
			    err, errlen, "bad reply from tendd: %s", why);
			errno = EPROTO;
			return -1;
		}
		r = ctlc_fill(c, (size_t)size, timeout, &deadline);
		if (r == 1) {
			r = -1;
			errno = EPROTO;
		}
	}
	if (r == 1) {
		(void)snprintf(err, errlen, "tendd closed the connection");
		errno = 0;
		return -1;
	}
	if (r == -1) {
		if (errno == ETIMEDOUT)
			(void)snprintf(err, errlen,
			    "no reply from tendd at %s within %.0f seconds",
			    c->path, timeout);
		else if (errno == EPROTO)
			(void)snprintf(err, errlen,
			    "tendd closed the connection inside a reply");
		else
			(void)snprintf(err, errlen, "read from %s: %s", c->path,
			    strerror(errno));
		return -1;
	}
	/* M points into rbuf until the next read compacts it. */
	if (proto_decode(
	        c->rbuf + c->roff, (size_t)size, m, why, sizeof(why)) == -1) {
		(void)snprintf(err, errlen, "bad reply from tendd: %s", why);
		errno = EPROTO;
		return -1;
	}
	c->roff += (size_t)size;
	return 0;
}

int
ctlc_wait_eof(struct ctlc *c, char *err, size_t errlen)
{
	struct proto_msg m;

	for (;;) {
		if (ctlc_read(c, &m, CTLC_FOREVER, err, errlen) == -1)
			return errno == 0 ? 0 : -1;
		/* Anything tendd says meanwhile is ignored. */
	}
}

static int
ctlc_send(struct ctlc *c, const unsigned char *buf, size_t len, char *err,
    size_t errlen)
{
	ssize_t n;

	while (len > 0) {
		/* MSG_NOSIGNAL: a tendd that went away is an error to
		 * report, not a SIGPIPE (send(2)). */
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			(void)snprintf(err, errlen, "send to %s: %s", c->path,
			    errno == EAGAIN ? "timed out" : strerror(errno));
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * A tendd of protocol 8 takes no options: the variants it had instead
 * (START_T... with the timeout first, STATUS_FULL).  *TYPE and *LEAD (an
 * argument to put first, or NULL) say how; -1 with ERR for an option it
 * cannot express.
 */
static int
ctlc_legacy(uint16_t *type, const char *const *opts, int nopts,
    const char **lead, char *err, size_t errlen)
{
	*lead = NULL;
	if (nopts == 0)
		return 0;
	if (nopts == 1 && strcmp(opts[0], "timeout") == 0 &&
	    (*type == PROTO_REQ_START || *type == PROTO_REQ_STOP ||
	        *type == PROTO_REQ_RESTART)) {
		*type = *type == PROTO_REQ_START  ? PROTO_REQ_START_T
		        : *type == PROTO_REQ_STOP ? PROTO_REQ_STOP_T
		                                  : PROTO_REQ_RESTART_T;
		*lead = opts[1];
		return 0;
	}
	if (nopts == 1 && strcmp(opts[0], "full") == 0 &&
	    *type == PROTO_REQ_STATUS) {
		*type = PROTO_REQ_STATUS_FULL;
		return 0;
	}
	(void)snprintf(err, errlen,
	    "tendd speaks protocol 8, which has no option %s for this request",
	    opts[0]);
	return -1;
}

/* Pack a request at BUF (CAP bytes) for a tendd of protocol VERSION.
 * Its size, or -1 with ERR. */
static ssize_t
ctlc_pack(struct ctlc *c, void *buf, size_t cap, uint32_t version,
    const struct ctlc_req *rq, uint32_t *id, char *err, size_t errlen)
{
	struct proto_writer w;
	uint16_t type = rq->type;
	const char *lead = NULL;
	ssize_t n;
	int i;

	if (version < 9 &&
	    ctlc_legacy(&type, rq->opts, rq->nopts, &lead, err, errlen) == -1)
		return -1;
	*id = ++c->nextid;
	proto_begin(&w, buf, cap, type, *id);
	if (version >= 9)
		proto_put_opts(&w, rq->opts, rq->nopts);
	if (lead != NULL)
		proto_put_str(&w, lead);
	for (i = 0; i < rq->argc; i++)
		proto_put_str(&w, rq->argv[i]);
	if ((n = proto_finish(&w)) < 0)
		(void)snprintf(err, errlen, "request too long (limit %d bytes)",
		    (int)(cap < PROTO_MAX_FRAME ? cap : PROTO_MAX_FRAME));
	return n;
}

int
ctlc_request(struct ctlc *c, const struct ctlc_req *rq, uint32_t *id, char *err,
    size_t errlen)
{
	ssize_t n;

	if ((n = ctlc_pack(c, c->buf, sizeof(c->buf), c->version, rq, id, err,
	         errlen)) < 0)
		return -1;
	return ctlc_send(c, c->buf, (size_t)n, err, errlen);
}

/* Pack our HELLO at the start of c->buf; its size, or -1. */
static ssize_t
ctlc_pack_hello(struct ctlc *c)
{
	struct proto_writer w;

	proto_begin(&w, c->buf, sizeof(c->buf), PROTO_HELLO, ++c->nextid);
	/* The lowest version first: a tendd of protocol 8 reads only that
	 * (and refuses anything but 8); a newer one reads the range. */
	proto_put_u32(&w, PROTO_VERSION_MIN);
	proto_put_str(&w, "tendctl " TEND_VERSION);
	proto_put_u32(&w, PROTO_VERSION);
	return proto_finish(&w);
}

/* Send the LEN bytes of c->buf (a HELLO, perhaps a request behind it). */
static int
ctlc_send_hello(struct ctlc *c, size_t len, char *err, size_t errlen)
{
	struct proto_msg m;
	const char *s;
	char why[256];

	if (ctlc_send(c, c->buf, len, err, errlen) == -1) {
		/* tendd may have refused us (too many clients, permission)
		 * and closed before our HELLO went out: its ERROR is still
		 * waiting to be read, and says more than EPIPE. */
		if (ctlc_read(c, &m, 0.5, why, sizeof(why)) == 0 &&
		    m.type == PROTO_ERROR && proto_get_str(&m, &s) == 0)
			(void)snprintf(err, errlen, "%s", s);
		return -1;
	}
	return 0;
}

/* tendd's answer to our HELLO; its ERROR (permission, version) is passed
 * on as it is. */
static int
ctlc_hello_reply(struct ctlc *c, char *err, size_t errlen)
{
	struct proto_msg m;
	const char *s;
	uint32_t v, pid;

	if (ctlc_read(c, &m, CTLC_CONNECT_TIMEOUT, err, errlen) == -1)
		return -1;
	if (m.type == PROTO_ERROR) {
		(void)snprintf(err, errlen, "%s",
		    proto_get_str(&m, &s) == 0 ? s : "tendd refused us");
		return -1;
	}
	if (m.type != PROTO_HELLO || proto_get_u32(&m, &v) == -1) {
		(void)snprintf(err, errlen, "bad reply from tendd: no HELLO");
		return -1;
	}
	if (v < PROTO_VERSION_MIN || v > PROTO_VERSION) {
		(void)snprintf(err, errlen,
		    "protocol version mismatch: tendd speaks %u, tendctl %s speaks %d..%d",
		    v, TEND_VERSION, PROTO_VERSION_MIN, PROTO_VERSION);
		return -1;
	}
	c->version = v;
	if (proto_get_str(&m, &s) == 0)
		(void)snprintf(c->server, sizeof(c->server), "%s", s);
	if (proto_get_u32(&m, &pid) == 0)
		c->server_pid = (long)pid;
	return 0;
}

static int
ctlc_hello(struct ctlc *c, char *err, size_t errlen)
{
	ssize_t n;

	if ((n = ctlc_pack_hello(c)) < 0)
		return -1;
	if (ctlc_send_hello(c, (size_t)n, err, errlen) == -1)
		return -1;
	return ctlc_hello_reply(c, err, errlen);
}

/* socket() and connect() to PATH, no HELLO yet. */
static int
ctlc_connect(struct ctlc *c, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct timeval tv = {.tv_sec = (time_t)CTLC_CONNECT_TIMEOUT};

	/* Not memset(c): its buffers are 192 KiB that nobody reads before
	 * writing, and zeroing them faulted in every page (~8% of a
	 * `status` run). */
	c->fd = -1;
	c->nextid = 0;
	c->server[0] = '\0';
	c->server_pid = 0;
	c->version = 0;
	c->rlen = c->roff = 0;
	(void)snprintf(c->path, sizeof(c->path), "%s", path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		(void)snprintf(err, errlen, "cannot reach tendd at %s: %s",
		    path, strerror(ENAMETOOLONG));
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		(void)snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* A blocking connect() on a UNIX socket whose backlog is full waits
	 * for the send timeout (unix(7)); so does a request send. */
	if (setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1) {
		(void)snprintf(err, errlen, "setsockopt(SO_SNDTIMEO): %s",
		    strerror(errno));
		goto fail;
	}
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		(void)snprintf(err, errlen, "cannot reach tendd at %s: %s",
		    path,
		    errno == EAGAIN || errno == EINPROGRESS
		        ? "connection timed out"
		        : strerror(errno));
		goto fail;
	}
	return 0;
fail:
	(void)close(c->fd);
	c->fd = -1;
	return -1;
}

int
ctlc_open(struct ctlc *c, const char *path, char *err, size_t errlen)
{
	if (ctlc_connect(c, path, err, errlen) == -1)
		return -1;
	if (ctlc_hello(c, err, errlen) == -1) {
		ctlc_close(c);
		return -1;
	}
	return 0;
}

int
ctlc_open_request(struct ctlc *c, const char *path, const struct ctlc_req *rq,
    uint32_t *id, char *err, size_t errlen)
{
	ssize_t n1, n2;

	/* Options depend on the version tendd speaks: ask first. */
	if (rq->nopts > 0) {
		if (ctlc_open(c, path, err, errlen) == -1)
			return -1;
		if (ctlc_request(c, rq, id, err, errlen) == -1)
			goto fail;
		return 0;
	}
	if (ctlc_connect(c, path, err, errlen) == -1)
		return -1;
	if ((n1 = ctlc_pack_hello(c)) < 0)
		goto fail;
	/* Without options a request means the same in every version. */
	if ((n2 = ctlc_pack(c, c->buf + n1, sizeof(c->buf) - (size_t)n1,
	         PROTO_VERSION_MIN, rq, id, err, errlen)) < 0)
		goto fail;
	/* One write, one wake-up of tendd for both frames. */
	if (ctlc_send_hello(c, (size_t)(n1 + n2), err, errlen) == -1 ||
	    ctlc_hello_reply(c, err, errlen) == -1)
		goto fail;
	return 0;
fail:
	ctlc_close(c);
	return -1;
}

void
ctlc_close(struct ctlc *c)
{
	if (c->fd != -1)
		(void)close(c->fd);
	c->fd = -1;
}

/* --- the socket path from a config file ------------------------------- */

struct ctlc_conf {
	const char *file;
	char socket[256];      /* [tend] socket */
	char file_socket[256]; /* [unix_http_server] file */
	char serverurl[256];   /* [supervisorctl] serverurl=unix:// */
};

/* supervisord's %(here)s, absolute: FILE's real directory, into HERE
 * (LEN bytes) unless it is there already. */
static const char *
ctlc_here(const char *file, char *here, size_t len)
{
	char *slash;

	if (here[0] != '\0')
		return here;
	if (len < PATH_MAX || realpath(file, here) == NULL)
		(void)snprintf(here, len, "%s", file);
	if ((slash = strrchr(here, '/')) == NULL)
		(void)snprintf(here, len, ".");
	else if (slash == here)
		here[1] = '\0';
	else
		*slash = '\0';
	return here;
}

/* Expand supervisord's %(here)s (the config's directory) and %(ENV_X)s in
 * SRC; -1 if the result does not fit or a name is unknown. */
static int
ctlc_expand(const char *file, const char *src, char *dst, size_t len)
{
	const char *p = src, *end, *val;
	char name[128], here[PATH_MAX];
	size_t o = 0, n;

	here[0] = '\0'; /* filled when %(here)s is first seen */
	while (*p != '\0') {
		if (p[0] == '%' && p[1] == '(' &&
		    (end = strstr(p + 2, ")s")) != NULL &&
		    (size_t)(end - p - 2) < sizeof(name)) {
			memcpy(name, p + 2, (size_t)(end - p - 2));
			name[end - p - 2] = '\0';
			if (strcmp(name, "here") == 0)
				val = ctlc_here(file, here, sizeof(here));
			else if (strncmp(name, "ENV_", 4) == 0 &&
			         (val = getenv(name + 4)) != NULL)
				;
			else
				return -1;
			n = strlen(val);
			if (o + n >= len)
				return -1;
			memcpy(dst + o, val, n);
			o += n;
			p = end + 2;
			continue;
		}
		if (o + 1 >= len)
			return -1;
		dst[o++] = *p++;
	}
	dst[o] = '\0';
	return 0;
}

static void
ctlc_conf_set(char *dst, size_t len, const char *value)
{
	/* The first assignment wins; continuation lines are ignored. */
	if (dst[0] == '\0')
		(void)snprintf(dst, len, "%s", value);
}

static void
ctlc_conf_section(void *user, const char *name, int line)
{
	(void)user;
	(void)name;
	(void)line;
}

static void
ctlc_conf_key(void *user, const char *section, const char *name,
    const char *value, int line, bool cont)
{
	struct ctlc_conf *cc = user;

	(void)line;
	if (cont)
		return;
	if (strcmp(section, "tend") == 0 && strcmp(name, "socket") == 0)
		ctlc_conf_set(cc->socket, sizeof(cc->socket), value);
	else if (strcmp(section, "unix_http_server") == 0 &&
	         strcmp(name, "file") == 0)
		ctlc_conf_set(cc->file_socket, sizeof(cc->file_socket), value);
	else if (strcmp(section, "supervisorctl") == 0 &&
	         strcmp(name, "serverurl") == 0 &&
	         strncmp(value, "unix://", 7) == 0)
		ctlc_conf_set(cc->serverurl, sizeof(cc->serverurl), value + 7);
}

/* Syntax errors are not tendctl's business: it only needs the socket,
 * and must work while the config is being edited. */
static void
ctlc_conf_error(void *user, int line, const char *msg)
{
	(void)user;
	(void)line;
	(void)msg;
}

static const struct config_ini_ops ctlc_ini_ops = {
    ctlc_conf_section,
    ctlc_conf_key,
    ctlc_conf_error,
};

int
ctlc_socket_from_config(
    const char *file, char *buf, size_t len, char *err, size_t errlen)
{
	struct ctlc_conf cc;
	const char *v;
	FILE *fp;

	memset(&cc, 0, sizeof(cc));
	cc.file = file;
	if ((fp = fopen(file, "re")) == NULL) {
		(void)snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	(void)config_ini_parse(fp, &ctlc_ini_ops, &cc);
	(void)fclose(fp);
	if (cc.socket[0] != '\0')
		v = cc.socket;
	else if (cc.file_socket[0] != '\0')
		v = cc.file_socket;
	else if (cc.serverurl[0] != '\0')
		v = cc.serverurl;
	else
		return 0;
	if (ctlc_expand(file, v, buf, len) == -1) {
		(void)snprintf(err, errlen,
		    "%s: cannot expand the socket path \"%s\"", file, v);
		return -1;
	}
	return 1;
}

/*
 * feed.c: a process's stdin pipe, tendd's end of it (feed.h).
 *
 * Owns: the write end spawn.c handed over (non-blocking), the queue of
 * what the pipe has not taken yet (bounded by FEED_MAX), its EV_WRITE
 * watcher (started only while something is queued), and the STDIN
 * request (supervisord's sendProcessStdin).
 *
 * Leaves alone: what is written (listener.c's events, the client's
 * bytes), the process's state.  A process without a stdin pipe costs
 * nothing here: p->feed stays NULL.
 */
#include "feed.h"

#include "log.h"
#include "req.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct feed {
	struct proc *p;
	ev_io io;    /* EV_WRITE on fd, while len > 0 */
	int fd;      /* -1 once the process closed its end */
	char *buf;   /* queued bytes: buf[off..off+len) */
	size_t off, len, cap;
};

static struct ev_loop *feed_loop;

void
feed_init(struct ev_loop *loop)
{
	feed_loop = loop;
}

static void
feed_close(struct feed *f)
{
	ev_io_stop(feed_loop, &f->io);
	if (f->fd >= 0 && close(f->fd) == -1 && errno != EINTR)
		log_warn("%s: close stdin pipe", f->p->fullname);
	f->fd = -1;
	free(f->buf);
	f->buf = NULL;
	f->off = f->len = f->cap = 0;
}

/* Write what is queued.  -1 with errno EPIPE: the reader is gone (the
 * pipe is closed and the queue dropped, as supervisord's input
 * dispatcher does). */
static int
feed_flush(struct feed *f)
{
	ssize_t n;

	while (f->len > 0) {
		n = write(f->fd, f->buf + f->off, f->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			if (errno != EPIPE)
				log_warn("%s: write to stdin", f->p->fullname);
			feed_close(f);
			errno = EPIPE;
			return -1;
		}
		f->off += (size_t)n;
		f->len -= (size_t)n;
	}
	if (f->len == 0) {
		f->off = 0;
		ev_io_stop(feed_loop, &f->io);
	} else if (!ev_is_active(&f->io)) {
		ev_io_start(feed_loop, &f->io);
	}
	return 0;
}

static void
feed_io_cb(struct ev_loop *l, ev_io *w, int revents)
{
	struct feed *f = (struct feed *)((char *)w - offsetof(struct feed, io));

	(void)l;
	(void)revents;
	(void)feed_flush(f);
}

int
feed_attach(struct proc *p, int fd)
{
	struct feed *f = p->feed;

	if (fd < 0)
		return 0;
	if (f == NULL && (f = calloc(1, sizeof(*f))) == NULL) {
		(void)close(fd);
		return -1;
	}
	if (p->feed != NULL)
		feed_close(f);
	f->p = p;
	f->fd = fd;
	ev_io_init(&f->io, feed_io_cb, fd, EV_WRITE);
	p->feed = f;
	return 0;
}

void
feed_detach(struct proc *p)
{
	struct feed *f = p->feed;

	if (f == NULL)
		return;
	feed_close(f);
	free(f);
	p->feed = NULL;
}

/* Room for LEN more bytes at the end of the queue. */
static int
feed_reserve(struct feed *f, size_t len)
{
	size_t cap;
	char *nb;

	if (f->off > 0) {
		memmove(f->buf, f->buf + f->off, f->len);
		f->off = 0;
	}
	if (f->len + len <= f->cap)
		return 0;
	cap = f->cap != 0 ? f->cap : 4096;
	while (cap < f->len + len)
		cap *= 2;
	if (cap > FEED_MAX)
		cap = FEED_MAX;
	if ((nb = realloc(f->buf, cap)) == NULL)
		return -1;
	f->buf = nb;
	f->cap = cap;
	return 0;
}

int
feed_write(struct proc *p, const void *buf, size_t len)
{
	struct feed *f = p->feed;
	ssize_t n = 0;

	if (f == NULL || f->fd < 0) {
		errno = EPIPE;
		return -1;
	}
	if (f->len + len > FEED_MAX) {
		errno = ENOBUFS;
		return -1;
	}
	/* Nothing queued: straight into the pipe, the usual case. */
	if (f->len == 0) {
		do
			n = write(f->fd, buf, len);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno != EAGAIN) {
			if (errno != EPIPE)
				log_warn("%s: write to stdin", p->fullname);
			feed_close(f);
			errno = EPIPE;
			return -1;
		}
		if (n < 0)
			n = 0;
		if ((size_t)n == len)
			return 0;
	}
	if (feed_reserve(f, len - (size_t)n) == -1)
		return -1; /* what the pipe took stays taken */
	memcpy(f->buf + f->len, (const char *)buf + n, len - (size_t)n);
	f->len += len - (size_t)n;
	return feed_flush(f);
}

int
feed_fd(const struct proc *p)
{
	const struct feed *f = p->feed;

	return f != NULL ? f->fd : -1;
}

size_t
feed_queued(const struct proc *p)
{
	const struct feed *f = p->feed;

	return f != NULL ? f->len : 0;
}

/* supervisord's sendProcessStdin: NAME, DATA.  Errors carry its fault
 * names (xmlrpc_sv.c maps them). */
void
feed_do_stdin(struct req *rq)
{
	struct proc_list l = {NULL, 0, 0};
	struct proc *p;
	int n;

	if (rq->argc != 2) {
		req_error(rq, "BAD_ARGUMENTS: a process name and the data");
		return;
	}
	n = svctab_match(req_env.tab, rq->argv[0], &l);
	p = n == 1 ? l.v[0] : NULL;
	proc_list_free(&l);
	if (n == -1) {
		req_error(rq, "tendd: out of memory");
		return;
	}
	if (p == NULL) {
		req_error(rq, "BAD_NAME: %s", rq->argv[0]);
		return;
	}
	if (p->pid == 0 || p->killing) {
		req_error(rq, "NOT_RUNNING: %s", rq->argv[0]);
		return;
	}
	if (feed_write(p, rq->argv[1], strlen(rq->argv[1])) == -1) {
		if (errno == EPIPE)
			req_error(rq, "NO_FILE: %s", rq->argv[0]);
		else
			req_error(rq, "FAILED: %s: stdin: %s", rq->argv[0],
			    errno == ENOBUFS ? "over 1 MiB not yet read"
			                     : strerror(errno));
		return;
	}
	req_end(rq);
}

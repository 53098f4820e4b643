/*
 * logcap.c: service output -> log files.
 *
 * Each captured stream (stdout, stderr) is a non-blocking pipe watched by
 * an ev_io.  Data is appended to the stream's file as it arrives, and the
 * file is rotated by size (supervisord's *_logfile_maxbytes/_backups).  A
 * stream outlives its process when something else still holds the pipe's
 * write end (a daemonised grandchild): it keeps draining until EOF, so
 * nothing is lost and nothing blocks.  logcap never changes process state.
 */
#include "logcap.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct logcap_stream {
	ev_io io;
	int fd;		/* pipe read end */
	int file;	/* log file, -1 when discarded or failing */
	char *path;	/* NULL: discard */
	uint64_t size;	/* bytes in the current file */
	uint64_t maxbytes;
	int backups;
	bool seekable;	/* regular file: rotation makes sense */
	bool failing;	/* a write failed; said once in tendd's log */
	uint64_t dropped;
	char *name;	/* "web:0 stdout", for messages */
};

struct logcap_proc {
	struct logcap_stream *out;
	struct logcap_stream *err;
};

static struct ev_loop *logcap_loop;
static const char *logcap_childlogdir = "/tmp";
/* One shared buffer: the loop is single-threaded and reads never nest. */
static char logcap_buf[65536];

void
logcap_init(struct ev_loop *loop, const struct conf_global *g)
{
	logcap_loop = loop;
	if (g != NULL && g->childlogdir != NULL)
		logcap_childlogdir = g->childlogdir;
}

static int
stream_open_file(struct logcap_stream *s)
{
	struct stat st;

	if (s->path == NULL)
		return 0;
	s->file = open(s->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NONBLOCK, 0644);
	if (s->file == -1)
		return -1;
	if (fstat(s->file, &st) == 0 && S_ISREG(st.st_mode)) {
		s->seekable = true;
		s->size = (uint64_t)st.st_size;
	} else {
		/* A pipe, tty or /dev/stdout cannot be rotated ("Illegal
		 * seek" in supervisord): rotation is simply off. */
		s->seekable = false;
	}
	return 0;
}

static void
stream_rotate(struct logcap_stream *s)
{
	char from[4096], to[4096];
	int i;

	(void)close(s->file);
	s->file = -1;
	for (i = s->backups - 1; i >= 1; i--) {
		(void)snprintf(from, sizeof(from), "%s.%d", s->path, i);
		(void)snprintf(to, sizeof(to), "%s.%d", s->path, i + 1);
		if (rename(from, to) == -1 && errno != ENOENT)
			log_warn("%s: rename %s", s->name, from);
	}
	if (s->backups > 0) {
		(void)snprintf(to, sizeof(to), "%s.1", s->path);
		if (rename(s->path, to) == -1)
			log_warn("%s: rename %s", s->name, s->path);
	} else if (truncate(s->path, 0) == -1) {
		log_warn("%s: truncate %s", s->name, s->path);
	}
	s->size = 0;
	if (stream_open_file(s) == -1 && !s->failing) {
		log_warn("%s: reopen %s", s->name, s->path);
		s->failing = true;
	}
}

static void
stream_write(struct logcap_stream *s, const char *buf, size_t n)
{
	ssize_t w;

	if (s->path == NULL)
		return;
	if (s->file == -1 && stream_open_file(s) == -1) {
		s->dropped += n;
		return;
	}
	if (s->seekable && s->maxbytes > 0 && s->size + n > s->maxbytes &&
	    s->size > 0)
		stream_rotate(s);
	while (n > 0 && s->file != -1) {
		w = write(s->file, buf, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			if (!s->failing)
				log_warn("%s: write %s (dropping output until "
					 "it works again)", s->name, s->path);
			s->failing = true;
			s->dropped += n;
			return;
		}
		if (s->failing) {
			log_info("%s: writing %s again (%llu bytes dropped)",
			    s->name, s->path, (unsigned long long)s->dropped);
			s->failing = false;
		}
		s->size += (uint64_t)w;
		buf += w;
		n -= (size_t)w;
	}
}

static void
stream_free(struct logcap_stream *s)
{
	if (s == NULL)
		return;
	ev_io_stop(logcap_loop, &s->io);
	if (s->fd != -1)
		(void)close(s->fd);
	if (s->file != -1)
		(void)close(s->file);
	free(s->path);
	free(s->name);
	free(s);
}

/* Read what is there now.  Returns true at EOF or on a hard error. */
static bool
stream_drain(struct logcap_stream *s, int max_reads)
{
	ssize_t n;

	while (max_reads-- > 0) {
		n = read(s->fd, logcap_buf, sizeof(logcap_buf));
		if (n > 0) {
			stream_write(s, logcap_buf, (size_t)n);
			continue;
		}
		if (n == 0)
			return true;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return false;
		log_warn("%s: read", s->name);
		return true;
	}
	return false;
}

static void
stream_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct logcap_stream *s = (struct logcap_stream *)w;

	/* A bounded number of reads per wake-up keeps one flooding service
	 * from starving the rest of the loop. */
	if (stream_drain(s, 16)) {
		ev_io_stop(loop, w);
		(void)close(s->fd);
		s->fd = -1;
		/* Detached streams (process gone) free themselves at EOF. */
		if (w->data == NULL)
			stream_free(s);
	}
}

static char *
auto_path(const struct proc *p, const char *channel)
{
	char buf[4096], *c;

	/* Deterministic, so users and tests find it: NAME-stdout.log with
	 * the group separator made file-name safe. */
	(void)snprintf(buf, sizeof(buf), "%s/%s-%s.log", logcap_childlogdir,
	    p->fullname, channel);
	for (c = buf + strlen(logcap_childlogdir) + 1; *c != '\0'; c++)
		if (*c == ':' || *c == '/')
			*c = '_';
	return strdup(buf);
}

static struct logcap_stream *
stream_new(struct proc *p, int fd, const struct conf_log *cl,
    const char *channel, char *err, size_t errlen)
{
	struct logcap_stream *s;
	char name[256];

	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto nomem;
	s->fd = fd;
	s->file = -1;
	s->maxbytes = cl->maxbytes;
	s->backups = cl->backups;
	(void)snprintf(name, sizeof(name), "%s %s", p->fullname, channel);
	if ((s->name = strdup(name)) == NULL)
		goto nomem;
	if (cl->kind == CONF_LOG_AUTO)
		s->path = auto_path(p, channel);
	else if (cl->kind == CONF_LOG_FILE)
		s->path = strdup(cl->path);
	if (cl->kind != CONF_LOG_NONE && s->path == NULL)
		goto nomem;
	if (stream_open_file(s) == -1) {
		(void)snprintf(err, errlen, "%s: open %s: %s", s->name,
		    s->path, strerror(errno));
		s->fd = -1; /* the caller closes it */
		stream_free(s);
		return NULL;
	}
	ev_io_init(&s->io, stream_cb, fd, EV_READ);
	s->io.data = p;
	ev_io_start(logcap_loop, &s->io);
	return s;
nomem:
	(void)snprintf(err, errlen, "%s: %s log: out of memory", p->fullname,
	    channel);
	if (s != NULL)
		s->fd = -1;
	stream_free(s);
	return NULL;
}

int
logcap_attach(struct proc *p, int outfd, int errfd, char *err, size_t errlen)
{
	struct logcap_proc *lp = p->logcap;

	if (lp == NULL && (lp = p->logcap = calloc(1, sizeof(*lp))) == NULL) {
		(void)snprintf(err, errlen, "%s: logs: out of memory",
		    p->fullname);
		goto fail;
	}
	if (outfd != -1) {
		lp->out = stream_new(p, outfd, &p->conf->out, "stdout", err,
		    errlen);
		if (lp->out == NULL)
			goto fail;
		outfd = -1;
	}
	if (errfd != -1) {
		lp->err = stream_new(p, errfd, &p->conf->err, "stderr", err,
		    errlen);
		if (lp->err == NULL)
			goto fail;
		errfd = -1;
	}
	return 0;
fail:
	if (outfd != -1)
		(void)close(outfd);
	if (errfd != -1)
		(void)close(errfd);
	logcap_detach(p);
	return -1;
}

static void
stream_detach(struct logcap_stream *s)
{
	if (s == NULL)
		return;
	/* The process has exited: its last bytes are in the pipe already.
	 * Take them now; if a grandchild still holds the write end, keep
	 * draining in the background until EOF. */
	if (s->fd == -1 || stream_drain(s, 64)) {
		stream_free(s);
		return;
	}
	s->io.data = NULL;
}

void
logcap_detach(struct proc *p)
{
	struct logcap_proc *lp = p->logcap;

	if (lp == NULL)
		return;
	stream_detach(lp->out);
	stream_detach(lp->err);
	free(lp);
	p->logcap = NULL;
}

const char *
logcap_path(const struct proc *p, int fd)
{
	const struct logcap_proc *lp = p->logcap;
	const struct logcap_stream *s;

	if (lp == NULL)
		return NULL;
	s = fd == 2 ? lp->err : lp->out;
	return s != NULL ? s->path : NULL;
}

void
logcap_reopen_all(const struct svctab *tab)
{
	struct logcap_proc *lp;
	size_t i;

	for (i = 0; i < tab->nprocs; i++) {
		if ((lp = tab->procs[i]->logcap) == NULL)
			continue;
		if (lp->out != NULL && lp->out->file != -1) {
			(void)close(lp->out->file);
			lp->out->file = -1;
		}
		if (lp->err != NULL && lp->err->file != -1) {
			(void)close(lp->err->file);
			lp->err->file = -1;
		}
	}
}

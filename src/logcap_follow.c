/*
 * logcap_follow.c: tail readers (logcap_follow): a reader reads the log
 * file itself from an offset, and, following, is woken by logcap.c's
 * follow_notify() as the file grows, rotates or goes.  No buffer of its
 * own beyond the caller's.
 */
#include "logcap_impl.h"
#include "log.h"
#include "logfile.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* Readers of tendd's own log (logcap_main_written). */
static struct logcap_follow *follow_main;

/* --- tail readers ----------------------------------------------------- */

void
follow_notify(struct logcap_follow *list)
{
	struct logcap_follow *f, *next;

	for (f = list; f != NULL; f = next) {
		next = f->next;
		f->fn(f->arg);
	}
}

static void
logcap_main_written(void)
{
	follow_notify(follow_main);
}

static const char *
follow_path(const struct logcap_follow *f)
{
	if (f->main)
		return log_file_path();
	return f->sink != NULL ? f->sink->path : NULL;
}

/* Open the file F reads; 0 or -1 (ENOENT: not there yet). */
static int
follow_open(struct logcap_follow *f)
{
	const char *path = follow_path(f);
	struct stat st;

	if (path == NULL) {
		errno = ENOENT;
		return -1;
	}
	f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (f->fd == -1)
		return -1;
	if (fstat(f->fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		(void)close(f->fd);
		f->fd = -1;
		errno = ESPIPE;
		return -1;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	return 0;
}

struct logcap_follow *
logcap_follow(struct proc *p, int fd, uint64_t count, bool lines, bool follow,
    logcap_follow_fn fn, void *arg, char *err, size_t errlen)
{
	struct logcap_follow *f;
	struct logcap_sink *k = NULL;
	struct logcap_proc *lp;
	const char *what, *path;
	struct stat st;
	off_t end = 0, start;

	if (p != NULL) {
		if ((lp = logcap_proc_get(p)) == NULL) {
			(void)snprintf(err, errlen, "out of memory");
			return NULL;
		}
		k = &lp->sink[fd == 2 ? 1 : 0];
		what = k->channel;
		path = k->path;
		if (path == NULL) {
			if (fd == 2 && p->conf->redirect_stderr)
				(void)snprintf(err, errlen,
				    "%s: stderr is redirected to stdout (redirect_stderr=true); tail its stdout",
				    p->fullname);
			else
				(void)snprintf(err, errlen,
				    "%s: %s is not logged to a file (%s_logfile=NONE)",
				    p->fullname, what, what);
			return NULL;
		}
	} else {
		path = log_file_path();
		if (path == NULL) {
			(void)snprintf(err, errlen,
			    "tendd logs to stderr, not to a file (set logfile= to use maintail)");
			return NULL;
		}
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->sink = k;
	f->main = p == NULL;
	f->follow = follow;
	f->fn = fn;
	f->arg = arg;
	f->fd = -1;
	if (follow_open(f) == -1 && errno != ENOENT) {
		(void)snprintf(err, errlen, "%s%s%s: %s",
		    p != NULL ? p->fullname : "", p != NULL ? ": " : "", path,
		    errno == ESPIPE ? "not a regular file; nothing to tail"
		                    : strerror(errno));
		free(f);
		return NULL;
	}
	if (f->fd != -1 && fstat(f->fd, &st) == 0)
		end = st.st_size;
	start = end;
	if (f->fd != -1 && lines)
		start = logfile_lines_back(f->fd, end,
		    count > ULONG_MAX ? ULONG_MAX : (unsigned long)count);
	else if (!lines)
		start = (uint64_t)end > count ? end - (off_t)count : 0;
	f->off = start < 0 ? 0 : start;
	f->limit = end;
	if (p == NULL) {
		f->next = follow_main;
		f->prevp = &follow_main;
		log_set_written_hook(logcap_main_written);
	} else {
		f->next = k->followers;
		f->prevp = &k->followers;
	}
	if (f->next != NULL)
		f->next->prevp = &f->next;
	*f->prevp = f;
	return f;
}

/* Did the path move on to a new file (rotation, reopen, clear by
 * removal)?  Then the reader switches to it, from its start. */
static bool
follow_switch(struct logcap_follow *f)
{
	const char *path = follow_path(f);
	struct stat st;

	if (path == NULL || stat(path, &st) == -1)
		return false;
	if (f->fd != -1 && st.st_dev == f->dev && st.st_ino == f->ino)
		return false;
	if (f->fd != -1)
		(void)close(f->fd);
	f->fd = -1;
	f->off = 0;
	return follow_open(f) == 0;
}

ssize_t
logcap_follow_read(
    struct logcap_follow *f, void *buf, size_t len, uint64_t *skipped)
{
	struct stat st;
	ssize_t n;
	int tries;

	*skipped = 0;
	if (f->gone)
		return -1;
	if (f->fd == -1) {
		if (!f->follow || follow_open(f) == -1)
			return 0;
		f->off = 0;
	}
	for (tries = 0; tries < 2; tries++) {
		if (fstat(f->fd, &st) == -1)
			return 0;
		if (st.st_size < f->off)
			f->off = 0; /* truncated (clear, copytruncate) */
		if (!f->follow) {
			if (f->off >= f->limit)
				return 0;
			if ((off_t)len > f->limit - f->off)
				len = (size_t)(f->limit - f->off);
		} else if (st.st_size - f->off > (off_t)LOGCAP_FOLLOW_BEHIND) {
			/* Too far behind to catch up: skip ahead rather
			 * than hold the reader's backlog anywhere. */
			*skipped = (uint64_t)(st.st_size - f->off -
			                      (off_t)LOGCAP_FOLLOW_KEEP);
			f->off = st.st_size - (off_t)LOGCAP_FOLLOW_KEEP;
		}
		n = pread(f->fd, buf, len, f->off);
		if (n > 0) {
			f->off += n;
			return n;
		}
		if (n == -1 && errno != EINTR)
			return 0;
		if (!f->follow || !follow_switch(f))
			return 0;
	}
	return 0;
}

void
logcap_unfollow(struct logcap_follow *f)
{
	if (f == NULL)
		return;
	*f->prevp = f->next;
	if (f->next != NULL)
		f->next->prevp = f->prevp;
	if (f->fd != -1)
		(void)close(f->fd);
	if (f->main && follow_main == NULL)
		log_set_written_hook(NULL);
	free(f);
}

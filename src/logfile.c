/*
 * logfile.c: the pure parts of log handling (see logfile.h): rotation,
 * counting lines back from the end of a file, AUTO log names, RFC 3339
 * stamps and the line splitter.  It owns no state and no descriptors
 * beyond a call; it knows nothing of processes, the event loop or the
 * config.  log.c (tendd's own log) and logcap.c (service output) use it.
 */
#include "logfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
logfile_rotate(const char *path, int backups, char *err, size_t errlen)
{
	char from[4096], to[4096];
	int i;

	if (backups <= 0) {
		/* supervisord with backups=0: the file starts over. */
		if (truncate(path, 0) == -1 && errno != ENOENT) {
			(void)snprintf(err, errlen, "truncate %s: %s", path,
			    strerror(errno));
			return -1;
		}
		return 0;
	}
	/* Oldest first, so that every rename lands on a free name; the
	 * last backup is overwritten by rename(2) and thereby dropped. */
	for (i = backups - 1; i >= 1; i--) {
		if (snprintf(from, sizeof(from), "%s.%d", path, i) >=
		        (int)sizeof(from) ||
		    snprintf(to, sizeof(to), "%s.%d", path, i + 1) >=
		        (int)sizeof(to)) {
			(void)snprintf(err, errlen, "%s: name too long", path);
			return -1;
		}
		if (rename(from, to) == -1 && errno != ENOENT) {
			(void)snprintf(err, errlen, "rename %s: %s", from,
			    strerror(errno));
			return -1;
		}
	}
	if (snprintf(to, sizeof(to), "%s.1", path) >= (int)sizeof(to)) {
		(void)snprintf(err, errlen, "%s: name too long", path);
		return -1;
	}
	if (rename(path, to) == -1 && errno != ENOENT) {
		(void)snprintf(
		    err, errlen, "rename %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

off_t
logfile_lines_back(int fd, off_t end, unsigned long lines)
{
	char buf[8192];
	off_t pos = end;
	size_t n, i;
	ssize_t r;
	bool last = true; /* looking at the byte at END-1 */

	if (lines == 0)
		return end;
	while (pos > 0) {
		n = pos < (off_t)sizeof(buf) ? (size_t)pos : sizeof(buf);
		pos -= (off_t)n;
		r = pread(fd, buf, n, pos);
		if (r == -1 && errno == EINTR) {
			pos += (off_t)n;
			continue;
		}
		if (r == -1)
			return -1;
		if ((size_t)r < n) {
			/* The file shrank under us: start over at its end. */
			errno = EAGAIN;
			return -1;
		}
		for (i = n; i-- > 0;) {
			if (buf[i] == '\n') {
				/* A final newline ends the last line. */
				if (last) {
					last = false;
					continue;
				}
				if (--lines == 0)
					return pos + (off_t)i + 1;
			}
			last = false;
		}
	}
	return 0;
}

int
logfile_auto_path(char *buf, size_t len, const char *dir, const char *name,
    const char *channel)
{
	size_t start = strlen(dir) + 1;
	char *c;
	int n;

	n = snprintf(buf, len, "%s/%s-%s.log", dir, name, channel);
	if (n < 0 || (size_t)n >= len)
		return -1;
	/* "group:name" must not make a path component or a Windows-hostile
	 * name when the logs are copied around. */
	for (c = buf + start; *c != '\0'; c++)
		if (*c == ':' || *c == '/')
			*c = '_';
	return 0;
}

size_t
logfile_stamp(double t, char *buf, size_t len)
{
	time_t sec = (time_t)t;
	long usec = (long)((t - (double)sec) * 1e6);
	struct tm tm;
	size_t n;
	int w;

	if (usec < 0)
		usec = 0;
	if (usec > 999999)
		usec = 999999;
	if (gmtime_r(&sec, &tm) == NULL || len == 0)
		return 0;
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0)
		return 0;
	w = snprintf(buf + n, len - n, ".%06ldZ", usec);
	if (w < 0 || (size_t)w >= len - n)
		return 0;
	return n + (size_t)w;
}

/* Append N bytes to the held line (the caller made sure they fit). */
static int
logfile_hold(struct logfile_lines *l, const char *in, size_t n, double now)
{
	if (l->hold == NULL && (l->hold = malloc(LOGFILE_LINE_MAX)) == NULL)
		return -1;
	if (l->held == 0)
		l->since = now;
	memcpy(l->hold + l->held, in, n);
	l->held += n;
	return 0;
}

int
logfile_lines_feed(struct logfile_lines *l, const char *in, size_t n,
    double now, logfile_line_fn fn, void *arg)
{
	const char *nl;
	size_t take, room;
	int rc = 0;

	while (n > 0) {
		nl = memchr(in, '\n', n);
		take = nl != NULL ? (size_t)(nl - in) + 1 : n;
		if (l->held == 0 && nl != NULL) {
			/* The common case: a whole line, passed in place. */
			fn(arg, in, take, true, now);
		} else if (l->held == 0 && take < LOGFILE_LINE_MAX) {
			/* The start of a line: wait for the rest. */
			if (logfile_hold(l, in, take, now) == -1) {
				fn(arg, in, take, false, now);
				rc = -1;
			}
		} else if (l->held == 0) {
			/* No newline in sight and too long to hold. */
			take = LOGFILE_LINE_MAX;
			fn(arg, in, take, false, now);
		} else {
			room = LOGFILE_LINE_MAX - l->held;
			if (take > room || (take == room && nl == NULL)) {
				/* The held line outgrew HOLD: pass a piece. */
				take = room;
				memcpy(l->hold + l->held, in, take);
				l->held = 0;
				fn(arg, l->hold, LOGFILE_LINE_MAX, false,
				    l->since);
			} else {
				memcpy(l->hold + l->held, in, take);
				l->held += take;
				if (nl != NULL) {
					room = l->held;
					l->held = 0;
					fn(arg, l->hold, room, true, l->since);
				}
			}
		}
		in += take;
		n -= take;
	}
	return rc;
}

void
logfile_lines_flush(struct logfile_lines *l, logfile_line_fn fn, void *arg)
{
	size_t n = l->held;

	if (n == 0)
		return;
	l->held = 0;
	fn(arg, l->hold, n, false, l->since);
}

void
logfile_lines_free(struct logfile_lines *l)
{
	free(l->hold);
	l->hold = NULL;
	l->held = 0;
}

int
logfile_read_range(long long offset, long long length, long long size,
    long long *from, long long *n)
{
	if (length < 0 || (offset < 0 && length != 0))
		return -1;
	if (offset < 0) {
		/* The last -OFFSET bytes. */
		*from = size + offset > 0 ? size + offset : 0;
		*n = size - *from;
		return 0;
	}
	*from = offset < size ? offset : size;
	*n = size - *from;
	if (length > 0 && length < *n)
		*n = length;
	return 0;
}

void
logfile_tail_range(long long offset, long long length, long long size,
    long long *from, long long *n, bool *overflow)
{
	*overflow = false;
	if (size > offset + length) {
		/* Grown past what the client asked for: the end of it. */
		*overflow = true;
		offset = size - 1;
	}
	if (offset + length > size) {
		if (offset > size - 1)
			length = 0;
		offset = size - length;
	}
	if (offset < 0)
		offset = 0;
	if (length < 0)
		length = 0;
	*from = offset;
	/* (supervisord asks for LENGTH and gets what there is) */
	*n = offset + length > size ? (size > offset ? size - offset : 0)
	                            : length;
}


size_t
logfile_strip_ansi(unsigned char *state, char *buf, size_t n, bool *lone_esc)
{
	size_t i, out = 0;

	*lone_esc = false;
	for (i = 0; i < n; i++) {
		char c = buf[i];

		switch (*state) {
		case LOGFILE_ANSI_HIDE:
			if (c != '\0' && strchr("HfABCDRsuJKhlpm", c) != NULL)
				*state = LOGFILE_ANSI_SHOW;
			continue;
		case LOGFILE_ANSI_ESC:
			if (c == '[') {
				*state = LOGFILE_ANSI_HIDE;
				continue;
			}
			/* A lone ESC is output, not an escape. */
			if (i == 0)
				*lone_esc = true;
			else
				buf[out++] = '\x1b';
			*state = LOGFILE_ANSI_SHOW;
			break;
		default:
			break;
		}
		if (c == '\x1b')
			*state = LOGFILE_ANSI_ESC;
		else
			buf[out++] = c;
	}
	return out;
}

/*
 * logcap.c: service output -> log files, syslog and tail readers.
 *
 * Owns: the pipes' read ends once spawned (streams), the log files of each
 * process (sinks: open file, size, rotation, failure state, dropped
 * bytes), the connection to syslog, and the tail readers (follows).  It
 * never changes process state and never blocks:
 *
 * - each pipe is non-blocking and drained by an ev_io as data arrives, a
 *   bounded number of reads per wake-up, so one flooding service cannot
 *   starve the loop;
 * - log files are opened O_NONBLOCK, so a full pipe or tty as a target
 *   (/dev/stdout in a container) gives EAGAIN instead of stalling tendd;
 *   what cannot be written is counted as dropped, said once in tendd's
 *   log, and writing is retried (at most once a second, as data arrives,
 *   no timer) until it works again;
 * - plain streams are copied byte for byte with read(2) and write(2), not
 *   splice(2) (see LOGCAP_READ_MAX); with log_timestamps or log_prefix,
 *   or syslog, lines are split (logfile.c) and an unfinished line is held
 *   back briefly so that no line is ever cut or interleaved;
 * - tail readers read the file, not a buffer: memory per service is a few
 *   hundred bytes plus a 4 KiB line buffer only when lines are split.
 *
 * The one read buffer and the one output buffer are shared: the loop is
 * single-threaded and callbacks never nest.
 */
#include "logcap_impl.h"
#include "evbus.h"
#include "listener.h"
#include "log.h"
#include "logfile.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define LOGCAP_READS 16         /* reads per wake-up (fairness) */
#define LOGCAP_DETACH_READS 256 /* reads at exit before going background */
#define LOGCAP_RETRY 1.0        /* seconds between retries of a failing sink */
#define LOGCAP_CHECK 1.0        /* seconds between checks that PATH is ours */
#define LOGCAP_HOLD 1.0         /* seconds an unfinished line is held back */
#define LOGCAP_PIPE_MAX (1u << 20) /* a flooding stream's pipe */
/*
 * One read(2) takes at most this much: supervisord's read size.  Output is
 * read and written, not spliced: a splice(2) into a file holds the pipe's
 * lock for the whole write into the page cache, and a writer waiting for
 * it spins (mutex_spin_on_owner), so the service paid for tendd's work in
 * its own CPU (0.6-1.2 s per GiB against supervisord's 0.27).  read(2)
 * holds the lock only while it copies out (bench/README.md, "logs: the
 * writer's CPU").
 */
#define LOGCAP_READ_MAX (128u << 10)

struct logcap_proc;

/* One pipe of one run of a process. */
struct logcap_stream {
	ev_io io;
	ev_timer hold; /* runs only while a line is held back */
	struct logcap_stream *next, **prevp;
	int fd;
	struct logcap_sink *sink; /* NULL once the process is forgotten */
	struct logcap_proc *lp;
	pid_t pid;   /* for syslog */
	bool grown;  /* the pipe was enlarged (stream_grow) */
	bool stamp;  /* log_timestamps */
	bool syslog; /* *_syslog */
	unsigned char chan; /* 1 stdout, 2 stderr (evbus's channel) */
	unsigned char ansi; /* logfile_strip_ansi()'s state */
	int syslog_pri;
	char prefix[160]; /* log_prefix: "[name] ", or "" */
	char tag[64];     /* syslog tag */
	struct logfile_lines lines;
	/* supervisord's capture mode (logcap_event.c), NULL unless the
	 * process has *_capture_maxbytes. */
	struct logcap_capture *capture;
};

/* The room's state. */
static struct {
	struct ev_loop *loop;
	char *childlogdir;
	struct logcap_stream *streams;
	int syslog_fd;
	bool syslog_failing;
	double syslog_retry_at;
	size_t outlen;
	struct logcap_sink *outsink;
	double stamp_t; /* the time logcap.stamp shows */
	char stamp[40];
	size_t stamplen;
	bool strip_ansi; /* [supervisord] strip_ansi */
} lc = {.syslog_fd = -1, .stamp_t = -1};

/* The two buffers, apart from lc: zero-initialised, so they take no room
 * in the executable (.bss, not .data) and no memory until used. */
static struct {
	char outbuf[65536 + LOGFILE_LINE_MAX + 256];
	char buf[LOGCAP_READ_MAX];
} lcbuf;

static const char *const logcap_channels[2] = {"stdout", "stderr"};


static double
logcap_now(void)
{
	return lc.loop != NULL ? ev_now(lc.loop) : util_monotonic();
}

/* --- sinks: the files ------------------------------------------------- */

static void
sink_close(struct logcap_sink *k)
{
	if (k->fd != -1 && close(k->fd) == -1)
		log_warn(
		    "%s %s: close %s", k->lp->p->fullname, k->channel, k->path);
	k->fd = -1;
}

static int
sink_open(struct logcap_sink *k)
{
	struct stat st, lst;

	/* O_NONBLOCK: a pipe or tty target that fills up must give EAGAIN,
	 * never stall the loop (open(2)); it has no effect on files. */
	k->fd = open(k->path,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
	    0644);
	if (k->fd == -1)
		return -1;
	if (fstat(k->fd, &st) == -1) {
		sink_close(k);
		return -1;
	}
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	/* A pipe, tty or /dev/stdout cannot be rotated ("Illegal seek" in
	 * supervisord): rotation is simply off for them.  So it is for a
	 * name that is a symlink (/dev/stdout -> /proc/self/fd/1 may well
	 * lead to a regular file): rotating would rename the link. */
	k->regular = S_ISREG(st.st_mode) && lstat(k->path, &lst) == 0 &&
	             S_ISREG(lst.st_mode);
	k->size = k->regular ? (uint64_t)st.st_size : 0;
	/* A regular file is written at explicit offsets: its size at each
	 * write (sink_write's fstat), which is what O_APPEND would pick; that
	 * size is also what rotation counts, and it follows a truncation by
	 * someone else (logrotate's copytruncate). */
	if (k->regular && fcntl(k->fd, F_SETFL, O_NONBLOCK) == -1) {
		sink_close(k);
		return -1;
	}
	k->check_at = logcap_now() + LOGCAP_CHECK;
	return 0;
}

/* Make K's file exist without keeping it open.  A target that is not a
 * regular file (a tty, a fifo, /dev/stdout) is opened now, as it always
 * was: its other end may be watching for a writer. */
static int
sink_create(struct logcap_sink *k)
{
	struct stat st;
	int fd;

	if (stat(k->path, &st) == 0)
		return S_ISREG(st.st_mode) ? 0 : sink_open(k);
	if (errno != ENOENT)
		return 0;
	fd = open(k->path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd == -1)
		return -1;
	(void)close(fd);
	return 0;
}

/* Writing failed with errno ERR; N bytes are lost. */
static void
sink_fail(struct logcap_sink *k, const char *what, int err, size_t n)
{
	if (!k->failing)
		log_warnx("%s %s: %s %s: %s; dropping output until it can be "
		          "written again",
		    k->lp->p->fullname, k->channel, what, k->path,
		    strerror(err));
	k->failing = true;
	k->retry_at = logcap_now() + LOGCAP_RETRY;
	k->dropped += n;
	k->outage += n;
}

static void
sink_recovered(struct logcap_sink *k)
{
	if (!k->failing)
		return;
	log_info("%s %s: writing %s again; %llu bytes were dropped",
	    k->lp->p->fullname, k->channel, k->path,
	    (unsigned long long)k->outage);
	k->failing = false;
	k->outage = 0;
}

static void
sink_rotate(struct logcap_sink *k)
{
	char err[512];

	sink_close(k);
	if (logfile_rotate(k->path, k->backups, err, sizeof(err)) == -1) {
		if (!k->rot_failing)
			log_warnx("%s %s: rotate: %s; the file keeps growing",
			    k->lp->p->fullname, k->channel, err);
		k->rot_failing = true;
	} else {
		k->rot_failing = false;
	}
	(void)sink_open(k);
	follow_notify(k->followers);
}

/*
 * Is PATH still the file we write?  Someone may have removed or renamed
 * it (logrotate without copytruncate, rm, a removed directory): look at
 * most once a second while output flows, and reopen, so that output goes
 * where the user looks.
 */
static void
sink_check(struct logcap_sink *k, double now)
{
	struct stat st;

	if (now < k->check_at)
		return;
	k->check_at = now + LOGCAP_CHECK;
	if (stat(k->path, &st) == 0 && st.st_dev == k->dev &&
	    st.st_ino == k->ino)
		return;
	sink_close(k);
	(void)sink_open(k);
	follow_notify(k->followers);
}

/*
 * Make K ready for N more bytes: open, check, rotate.  False when the
 * bytes must be dropped (failing, and not yet time to retry).
 */
static bool
sink_ready(struct logcap_sink *k, size_t n)
{
	double now = logcap_now();

	if (k->failing && now < k->retry_at)
		return false;
	if (k->fd == -1 && sink_open(k) == -1) {
		sink_fail(k, "open", errno, 0);
		return false;
	}
	if (k->regular)
		sink_check(k, now);
	if (k->fd == -1) {
		sink_fail(k, "open", errno, 0);
		return false;
	}
	/* Rotate before a write that would cross maxbytes, so no file holds
	 * more than maxbytes unless one write alone is larger. */
	if (k->regular && k->maxbytes > 0 && k->size > 0 &&
	    k->size + n > k->maxbytes) {
		sink_rotate(k);
		if (k->fd == -1) {
			sink_fail(k, "open", errno, 0);
			return false;
		}
	}
	return true;
}

/*
 * K's file is written again after a failure (ENOSPC, EIO...) that cut a
 * line: end that line first, so that the output after the gap does not
 * glue onto it ("w-liw-line-420").  One open and pread at recovery,
 * regular files only; a failure here shows in the write that follows.
 */
static void
sink_mend(struct logcap_sink *k, off_t *off)
{
	char c = '\n';
	int rfd;

	if (!k->failing || !k->regular || *off <= 0)
		return;
	/* k->fd is write-only: read the last byte through a fd of its own */
	rfd = open(k->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (rfd == -1)
		return;
	if (pread(rfd, &c, 1, *off - 1) != 1)
		c = '\n';
	(void)close(rfd);
	if (c != '\n' && pwrite(k->fd, "\n", 1, *off) == 1)
		(*off)++;
}

/* Write N bytes to K's file, or count them as dropped. */
static void
sink_write(struct logcap_sink *k, const char *buf, size_t n)
{
	struct stat st;
	off_t off = 0;
	ssize_t w;

	if (k == NULL || k->path == NULL || n == 0)
		return;
	if (!sink_ready(k, n)) {
		k->dropped += n;
		k->outage += n;
		return;
	}
	if (k->regular) {
		if (fstat(k->fd, &st) == -1) {
			sink_fail(k, "fstat", errno, n);
			return;
		}
		off = st.st_size;
		sink_mend(k, &off);
	}
	while (n > 0) {
		w = k->regular ? pwrite(k->fd, buf, n, off)
		               : write(k->fd, buf, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			/* EAGAIN: a full pipe or tty that we must not wait
			 * for; ENOSPC, EIO, EDQUOT...: the file itself. */
			sink_fail(k, "write", errno, n);
			break;
		}
		sink_recovered(k);
		off += w;
		k->size = k->regular ? (uint64_t)off : k->size + (uint64_t)w;
		buf += w;
		n -= (size_t)w;
	}
	follow_notify(k->followers);
}

/* --- the framed-output buffer (timestamps, prefixes) ------------------- */

static void
out_flush(void)
{
	if (lc.outlen > 0)
		sink_write(lc.outsink, lcbuf.outbuf, lc.outlen);
	lc.outlen = 0;
}

static void
out_add(struct logcap_sink *k, const char *s, size_t n)
{
	if (lc.outsink != k || lc.outlen + n > sizeof(lcbuf.outbuf))
		out_flush();
	lc.outsink = k;
	memcpy(lcbuf.outbuf + lc.outlen, s, n);
	lc.outlen += n;
}

static void
stamp_for(double t)
{
	if (t == lc.stamp_t)
		return;
	lc.stamp_t = t;
	lc.stamplen = logfile_stamp(t, lc.stamp, sizeof(lc.stamp) - 1);
	lc.stamp[lc.stamplen++] = ' ';
}

/* --- syslog ----------------------------------------------------------- */

/*
 * A datagram to /dev/log per line, sent with MSG_DONTWAIT: syslog(3)
 * would block tendd when the syslog daemon is slow (its socket is
 * blocking).  A refused line is counted as dropped.
 */
static int
syslog_connect(void)
{
	struct sockaddr_un sun;
	const char *path = getenv("TEND_SYSLOG_SOCKET");

	if (path == NULL || *path == '\0')
		path = "/dev/log";
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	lc.syslog_fd =
	    socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (lc.syslog_fd == -1)
		return -1;
	if (connect(lc.syslog_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		(void)close(lc.syslog_fd);
		lc.syslog_fd = -1;
		return -1;
	}
	return 0;
}

static void
syslog_fail(struct logcap_stream *s, const char *what, size_t n)
{
	if (!lc.syslog_failing)
		log_warn(
		    "syslog: %s; dropping lines until it works again", what);
	lc.syslog_failing = true;
	lc.syslog_retry_at = logcap_now() + LOGCAP_RETRY;
	if (s->lp != NULL)
		s->lp->syslog_dropped += n;
}

static void
syslog_line(struct logcap_stream *s, const char *line, size_t len)
{
	char msg[LOGFILE_LINE_MAX + 256], date[32];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (lc.syslog_failing && logcap_now() < lc.syslog_retry_at) {
		if (s->lp != NULL)
			s->lp->syslog_dropped += len;
		return;
	}
	if (lc.syslog_fd == -1 && syslog_connect() == -1) {
		syslog_fail(s, "connect", len);
		return;
	}
	(void)localtime_r(&now, &tm);
	(void)strftime(date, sizeof(date), "%b %e %H:%M:%S", &tm);
	/* RFC 3164 as syslog(3) writes it: <PRI>TIMESTAMP TAG[PID]: MSG */
	n = snprintf(msg, sizeof(msg), "<%d>%s %s[%d]: %.*s", s->syslog_pri,
	    date, s->tag, (int)s->pid, (int)len, line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg))
		n = (int)sizeof(msg) - 1;
	if (send(lc.syslog_fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) ==
	    -1) {
		/* ECONNREFUSED: syslogd restarted; connect again later. */
		if (errno != EAGAIN && errno != ENOBUFS) {
			(void)close(lc.syslog_fd);
			lc.syslog_fd = -1;
		}
		syslog_fail(s, "send", len);
		return;
	}
	if (lc.syslog_failing) {
		log_info("syslog: sending lines again");
		lc.syslog_failing = false;
	}
}

/* --- streams: the pipes ----------------------------------------------- */

static bool
stream_framed(const struct logcap_stream *s)
{
	return s->stamp || s->prefix[0] != '\0';
}

/* One line out of the splitter: to the file (framed) and to syslog. */
static void
stream_line_cb(void *arg, const char *line, size_t len, bool complete, double t)
{
	struct logcap_stream *s = arg;
	size_t plen = strlen(s->prefix);

	if (s->sink != NULL && s->sink->path != NULL && stream_framed(s)) {
		if (s->stamp) {
			stamp_for(t);
			out_add(s->sink, lc.stamp, lc.stamplen);
		}
		if (plen > 0)
			out_add(s->sink, s->prefix, plen);
		out_add(s->sink, line, len);
	}
	if (s->syslog)
		syslog_line(s, line, len);
	(void)complete;
}

static void
stream_hold_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct logcap_stream *s =
	    (struct logcap_stream *)((char *)w -
	                             offsetof(struct logcap_stream, hold));

	/* Nothing more came for a while: pass the unfinished line on (a
	 * prompt, a progress dot) rather than sit on it. */
	logfile_lines_flush(&s->lines, stream_line_cb, s);
	out_flush();
}

/* N bytes of S's output to be logged: to the file, framed or not, and
 * to syslog (a logcap_out_fn). */
static void
stream_out(void *arg, const char *buf, size_t n)
{
	struct logcap_stream *s = arg;
	bool framed =
	    s->sink != NULL && s->sink->path != NULL && stream_framed(s);

	if (!framed)
		sink_write(s->sink, buf, n);
	if (framed || s->syslog) {
		(void)logfile_lines_feed(
		    &s->lines, buf, n, util_realtime(), stream_line_cb, s);
		out_flush();
		if (s->lines.held > 0 && !ev_is_active(&s->hold)) {
			ev_timer_set(&s->hold, LOGCAP_HOLD, 0.);
			ev_timer_start(lc.loop, &s->hold);
		} else if (s->lines.held == 0) {
			ev_timer_stop(lc.loop, &s->hold);
		}
	}
}

/* Is S a listener's stdout (listener.c reads its protocol)? */
static bool
stream_listener(const struct logcap_stream *s)
{
	return s->chan == 1 && s->lp != NULL && s->lp->p->lsn != NULL;
}

/* Does S's output concern supervisord's events: capture mode, or log
 * events someone listens to?  Only then does it go through
 * logcap_event.c (the test is a few loads; it follows reloads and
 * listeners coming and going). */
static bool
stream_evented(const struct logcap_stream *s)
{
	const struct conf_log *cl;

	if (s->capture != NULL)
		return true;
	if (s->lp == NULL)
		return false;
	/* A listener's stdout is its protocol (listener.c reads it). */
	if (stream_listener(s))
		return true;
	cl = s->chan == 1 ? &s->lp->p->conf->out : &s->lp->p->conf->err;
	return cl->capture_maxbytes > 0 ||
	       (cl->events_enabled &&
	           evbus_wants(EVBUS_BIT(s->chan == 1 ? EVT_PROCESS_LOG_STDOUT
	                                               : EVT_PROCESS_LOG_STDERR)));
}

/* N bytes of S's output, escapes already stripped if asked. */
static void
stream_pass(struct logcap_stream *s, const char *buf, size_t n)
{
	if (n == 0)
		return;
	/* A listener's stdout: the protocol had it (stream_chunk); the
	 * same bytes go to stdout_logfile, no log events, no capture
	 * (supervisord's PEventListenerDispatcher). */
	if (stream_listener(s)) {
		stream_out(s, buf, n);
		return;
	}
	if (stream_evented(s) && s->lp != NULL)
		logcap_event_chunk(&s->capture, s->lp->p, (int)s->pid,
		    s->chan, buf, n, stream_out, s);
	else
		stream_out(s, buf, n);
}

/* N bytes just read from S's pipe (BUF is ours to change).  With
 * strip_ansi they are stripped before anything sees them, as
 * supervisord strips before its logs, capture and log events. */
static void
stream_chunk(struct logcap_stream *s, char *buf, size_t n)
{
	bool lone_esc;

	/* The protocol reads the raw bytes: supervisord strips only its
	 * log's copy. */
	if (stream_listener(s))
		listener_output(s->lp->p, (pid_t)s->pid, buf, n);
	if (lc.strip_ansi || s->ansi != 0) {
		n = logfile_strip_ansi(&s->ansi, buf, n, &lone_esc);
		if (lone_esc)
			stream_pass(s, "\x1b", 1);
	}
	stream_pass(s, buf, n);
}

/*
 * A pipe found full holds a flood: give it more room (fcntl(2)
 * F_SETPIPE_SZ), so the writer blocks less often and each wake-up moves
 * more.  Quiet services keep the default; pages are only allocated as
 * data waits, and a refusal (pipe-user-pages-soft) is harmless.
 */
static void
stream_grow(struct logcap_stream *s, size_t got)
{
	int size;

	if (s->grown || got < 65536)
		return;
	s->grown = true;
	if ((size = fcntl(s->fd, F_GETPIPE_SZ)) == -1 ||
	    (size_t)got < (size_t)size)
		return;
	(void)fcntl(s->fd, F_SETPIPE_SZ, (int)LOGCAP_PIPE_MAX);
}

/*
 * Read what is there now, at most MAX reads.  True at EOF or on a hard
 * error (the pipe is done).  A short read means the pipe was empty a
 * moment ago: the loop wakes us again if more comes, so stop there and
 * save the read that would say EAGAIN, unless TO_END asks to see EOF or
 * EAGAIN for sure (the process exited).
 */
static bool
stream_drain(struct logcap_stream *s, int max, bool to_end)
{
	ssize_t n;

	while (max-- > 0) {
		n = read(s->fd, lcbuf.buf, sizeof(lcbuf.buf));
		if (n > 0) {
			stream_grow(s, (size_t)n);
			stream_chunk(s, lcbuf.buf, (size_t)n);
			if ((size_t)n < sizeof(lcbuf.buf) && !to_end)
				return false;
			continue;
		}
		if (n == 0) {
			/* An ESC held back by the stripper was the last
			 * byte: it was output, not an escape. */
			if (s->ansi == LOGFILE_ANSI_ESC)
				stream_pass(s, "\x1b", 1);
			s->ansi = 0;
			return true;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return false;
		log_warn("%s %s: read",
		    s->lp != NULL ? s->lp->p->fullname : "?",
		    s->sink != NULL ? s->sink->channel : "pipe");
		return true;
	}
	return false;
}

static void
stream_free(struct logcap_stream *s)
{
	/* EOF: a held unfinished line is all there will be. */
	logcap_event_end(&s->capture, s->lp != NULL ? s->lp->p : NULL,
	    (int)s->pid, s->chan, stream_out, s);
	logfile_lines_flush(&s->lines, stream_line_cb, s);
	out_flush();
	logfile_lines_free(&s->lines);
	ev_io_stop(lc.loop, &s->io);
	ev_timer_stop(lc.loop, &s->hold);
	if (s->fd != -1)
		(void)close(s->fd);
	if (s->sink != NULL && --s->sink->nstreams == 0)
		sink_close(s->sink); /* no writer left: hold no fd */
	if (s->lp != NULL) {
		if (s->lp->cur[0] == s)
			s->lp->cur[0] = NULL;
		if (s->lp->cur[1] == s)
			s->lp->cur[1] = NULL;
	}
	*s->prevp = s->next;
	if (s->next != NULL)
		s->next->prevp = s->prevp;
	free(s);
}

static void
stream_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct logcap_stream *s = (struct logcap_stream *)w;

	if (stream_drain(s, LOGCAP_READS, false))
		stream_free(s);
}

/* --- per process ------------------------------------------------------ */

/* Point the sinks of LP at what P's config says now. */
static void
sinks_configure(struct logcap_proc *lp)
{
	const struct conf_proc *c = lp->p->conf;
	const struct conf_log *cl;
	char path[4096];
	const char *want;
	int i;

	for (i = 0; i < 2; i++) {
		struct logcap_sink *k = &lp->sink[i];

		cl = i == 0 ? &c->out : &c->err;
		want = NULL;
		if (i == 1 && c->redirect_stderr)
			want = NULL; /* supervisord ignores stderr_logfile */
		else if (cl->kind == CONF_LOG_FILE)
			want = cl->path;
		else if (cl->kind == CONF_LOG_AUTO &&
		         logfile_auto_path(path, sizeof(path), lc.childlogdir,
		             lp->p->fullname, logcap_channels[i]) == 0)
			want = path;
		k->maxbytes = cl->maxbytes;
		k->backups = cl->backups;
		if ((want == NULL && k->path == NULL) ||
		    (want != NULL && k->path != NULL &&
		        strcmp(want, k->path) == 0))
			continue;
		/* A reload moved the log: the next write opens the new one. */
		sink_close(k);
		free(k->path);
		k->path = want != NULL ? strdup(want) : NULL;
		if (want != NULL && k->path == NULL)
			log_warnx("%s %s: out of memory; output discarded",
			    lp->p->fullname, k->channel);
		k->failing = k->rot_failing = false;
		k->outage = 0;
		follow_notify(k->followers);
	}
}

struct logcap_proc *
logcap_proc_get(struct proc *p)
{
	struct logcap_proc *lp = p->logcap;
	int i;

	if (lp != NULL) {
		sinks_configure(lp);
		return lp;
	}
	if ((lp = calloc(1, sizeof(*lp))) == NULL)
		return NULL;
	lp->p = p;
	for (i = 0; i < 2; i++) {
		lp->sink[i].lp = lp;
		lp->sink[i].channel = logcap_channels[i];
		lp->sink[i].fd = -1;
	}
	p->logcap = lp;
	sinks_configure(lp);
	return lp;
}

void
logcap_init(struct ev_loop *loop, const struct conf_global *g)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;

	lc.loop = loop;
	lc.strip_ansi = g != NULL && g->strip_ansi;
	if (g != NULL && g->childlogdir != NULL)
		dir = strdup(g->childlogdir);
	else
		dir = strdup(tmp != NULL && *tmp == '/' ? tmp : "/tmp");
	if (dir != NULL) {
		free(lc.childlogdir);
		lc.childlogdir = dir;
	}
	log_set_written_hook(NULL);
}

static int
stream_new(struct logcap_proc *lp, int i, int fd, char *err, size_t errlen)
{
	const struct conf_proc *c = lp->p->conf;
	const struct conf_log *cl = i == 0 ? &c->out : &c->err;
	struct logcap_stream *s;
	char *t;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		(void)snprintf(err, errlen, "%s %s: out of memory",
		    lp->p->fullname, logcap_channels[i]);
		(void)close(fd);
		return -1;
	}
	s->fd = fd;
	s->lp = lp;
	s->sink = &lp->sink[i];
	s->sink->nstreams++;
	/* The file exists once the process runs, as with supervisord, even
	 * before it writes anything; it is held open from the first output
	 * on (sink_ready), so a quiet process costs no descriptor for it
	 * (fdbudget.c). */
	if (s->sink->path != NULL && s->sink->fd == -1 &&
	    sink_create(s->sink) == -1)
		sink_fail(s->sink, "open", errno, 0);
	s->pid = lp->p->pid;
	s->stamp = c->log_timestamps;
	if (c->log_prefix)
		(void)snprintf(
		    s->prefix, sizeof(s->prefix), "[%s] ", lp->p->fullname);
	/* With redirect_stderr the one pipe carries both: stdout's keys. */
	s->syslog = cl->syslog;
	s->syslog_pri = LOG_DAEMON | (i == 0 ? LOG_INFO : LOG_ERR);
	s->chan = (unsigned char)(i + 1);
	(void)snprintf(s->tag, sizeof(s->tag), "%s", lp->p->fullname);
	/* ':' ends a syslog tag (RFC 3164): "group:name" -> "group_name". */
	for (t = s->tag; *t != '\0'; t++)
		if (*t == ':' || *t == '[' || *t == ' ')
			*t = '_';
	ev_io_init(&s->io, stream_cb, fd, EV_READ);
	ev_timer_init(&s->hold, stream_hold_cb, LOGCAP_HOLD, 0.);
	s->next = lc.streams;
	if (s->next != NULL)
		s->next->prevp = &s->next;
	s->prevp = &lc.streams;
	lc.streams = s;
	lp->cur[i] = s;
	ev_io_start(lc.loop, &s->io);
	return 0;
}

int
logcap_attach(struct proc *p, int outfd, int errfd, char *err, size_t errlen)
{
	struct logcap_proc *lp;
	int rc = 0;

	/* Nothing to capture (both NONE, no syslog): no per-process state
	 * until tail or clear asks for it, which saves its ~280 bytes for
	 * each quiet service of a big pool. */
	if (outfd == -1 && errfd == -1 && p->logcap == NULL)
		return 0;
	if ((lp = logcap_proc_get(p)) == NULL) {
		(void)snprintf(
		    err, errlen, "%s: logs: out of memory", p->fullname);
		if (outfd != -1)
			(void)close(outfd);
		if (errfd != -1)
			(void)close(errfd);
		return -1;
	}
	if (outfd != -1 && stream_new(lp, 0, outfd, err, errlen) == -1)
		rc = -1;
	if (errfd != -1 && stream_new(lp, 1, errfd, err, errlen) == -1)
		rc = -1;
	return rc;
}

void
logcap_carry(struct proc *p, int *outfd, int *errfd)
{
	struct logcap_proc *lp = p->logcap;
	int *fds[2] = {outfd, errfd};
	struct logcap_stream *s;
	int i;

	for (i = 0; i < 2; i++) {
		*fds[i] = -1;
		if (lp == NULL || (s = lp->cur[i]) == NULL)
			continue;
		/* What is read is written: a held unfinished line goes out
		 * now; what is still in the pipe is the next tendd's. */
		logfile_lines_flush(&s->lines, stream_line_cb, s);
		out_flush();
		*fds[i] = s->fd;
	}
}

static void
stream_detach(struct logcap_stream *s)
{
	if (s == NULL)
		return;
	if (s->lp->cur[0] == s)
		s->lp->cur[0] = NULL;
	if (s->lp->cur[1] == s)
		s->lp->cur[1] = NULL;
	/* The process has exited: its last bytes are in the pipe already
	 * (a pipe keeps written data after the writer exits, pipe(7)).
	 * Take them now, so the log is complete before the exit is
	 * reported; if a descendant still holds the write end, keep
	 * draining in the background until EOF. */
	if (stream_drain(s, LOGCAP_DETACH_READS, true))
		stream_free(s);
}

void
logcap_detach(struct proc *p)
{
	struct logcap_proc *lp = p->logcap;

	if (lp == NULL)
		return;
	stream_detach(lp->cur[0]);
	stream_detach(lp->cur[1]);
}

void
logcap_forget(struct proc *p)
{
	struct logcap_proc *lp = p->logcap;
	struct logcap_stream *s;
	struct logcap_follow *f;
	int i;

	if (lp == NULL)
		return;
	for (s = lc.streams; s != NULL; s = s->next)
		if (s->lp == lp) {
			/* Still draining for a descendant: discard. */
			logfile_lines_flush(&s->lines, stream_line_cb, s);
			out_flush();
			s->lp = NULL;
			s->sink = NULL;
			s->syslog = false;
		}
	if (lc.outsink != NULL && lc.outsink->lp == lp)
		lc.outsink = NULL;
	for (i = 0; i < 2; i++) {
		struct logcap_sink *k = &lp->sink[i];

		while ((f = k->followers) != NULL) {
			k->followers = f->next;
			if (f->next != NULL)
				f->next->prevp = &k->followers;
			f->next = NULL;
			f->prevp = &f->next;
			f->sink = NULL;
			f->gone = true;
			f->fn(f->arg);
		}
		sink_close(k);
		free(k->path);
	}
	free(lp);
	p->logcap = NULL;
}

void
logcap_reconfigure(struct proc *p)
{
	if (p->logcap != NULL)
		sinks_configure(p->logcap);
}

void
logcap_close(void)
{
	while (lc.streams != NULL)
		stream_free(lc.streams);
	if (lc.syslog_fd != -1)
		(void)close(lc.syslog_fd);
	lc.syslog_fd = -1;
	free(lc.childlogdir);
	lc.childlogdir = NULL;
}

const char *
logcap_path(const struct proc *p, int fd)
{
	const struct logcap_proc *lp = p->logcap;

	if (lp == NULL)
		return NULL;
	return lp->sink[fd == 2 ? 1 : 0].path;
}

uint64_t
logcap_dropped(const struct proc *p)
{
	const struct logcap_proc *lp = p->logcap;

	if (lp == NULL)
		return 0;
	return lp->sink[0].dropped + lp->sink[1].dropped + lp->syslog_dropped;
}

void
logcap_reopen_all(const struct svctab *tab)
{
	struct logcap_proc *lp;
	size_t i;
	int j;

	for (i = 0; i < tab->nprocs; i++) {
		if ((lp = tab->procs[i]->logcap) == NULL)
			continue;
		for (j = 0; j < 2; j++) {
			struct logcap_sink *k = &lp->sink[j];

			if (k->fd == -1)
				continue;
			/* Reopen now rather than at the next write, so a
			 * failure is reported to whoever asked. */
			sink_close(k);
			if (sink_open(k) == -1)
				sink_fail(k, "reopen", errno, 0);
			else
				sink_recovered(k);
			follow_notify(k->followers);
		}
	}
	if (lc.syslog_fd != -1) {
		(void)close(lc.syslog_fd);
		lc.syslog_fd = -1;
	}
}

int
logcap_clear(struct proc *p, char *err, size_t errlen)
{
	struct logcap_proc *lp = logcap_proc_get(p);
	struct stat st;
	int i;

	if (lp == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < 2; i++) {
		struct logcap_sink *k = &lp->sink[i];

		if (k->path == NULL)
			continue;
		/* Only regular files, not through a symlink: truncating
		 * /dev/stdout or a fifo means nothing, and a device or the
		 * file behind /dev/stdout may mean harm. */
		if (lstat(k->path, &st) == -1) {
			if (errno == ENOENT)
				continue;
			(void)snprintf(err, errlen, "stat %s: %s", k->path,
			    strerror(errno));
			return -1;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		if (truncate(k->path, 0) == -1) {
			(void)snprintf(err, errlen, "truncate %s: %s", k->path,
			    strerror(errno));
			return -1;
		}
		k->size = 0;
		follow_notify(k->followers);
	}
	return 0;
}

/*
 * logcap_impl.h: what logcap.c (streams and sinks) shares with
 * logcap_follow.c (tail readers); nothing else includes it.
 */
#ifndef TEND_LOGCAP_IMPL_H
#define TEND_LOGCAP_IMPL_H

#include "logcap.h"

#include <sys/types.h>

struct logcap_follow;

/* Where one channel of one process goes. */
struct logcap_sink {
	struct logcap_proc *lp;
	const char *channel; /* "stdout" or "stderr" */
	char *path;          /* NULL: discarded (NONE, or redirected) */
	int fd;              /* -1: closed */
	dev_t dev;           /* identity of the open file */
	ino_t ino;
	uint64_t size; /* bytes in the current file (regular files) */
	uint64_t maxbytes;
	int backups;
	bool regular;     /* a regular file: rotation, tail */
	bool failing;     /* writing fails; said once */
	bool rot_failing; /* rotating fails; said once */
	double retry_at;  /* failing: next attempt */
	double check_at;  /* next check that PATH is still our file */
	uint64_t dropped; /* total, for status */
	uint64_t outage;  /* dropped during the current failure */
	unsigned nstreams;
	struct logcap_follow *followers;
};

struct logcap_proc {
	struct proc *p;
	struct logcap_sink sink[2];   /* stdout, stderr */
	struct logcap_stream *cur[2]; /* this run's pipes */
	uint64_t syslog_dropped;
};

struct logcap_follow {
	struct logcap_follow *next, **prevp;
	struct logcap_sink *sink; /* NULL with MAIN or when GONE */
	bool main;                /* tendd's own log */
	bool gone;
	bool follow;
	int fd;
	dev_t dev;
	ino_t ino;
	off_t off;
	off_t limit; /* without FOLLOW: where to stop */
	logcap_follow_fn fn;
	void *arg;
};

struct logcap_proc *logcap_proc_get(struct proc *p);

/* logcap_event.c: supervisord's log events and capture mode. */
struct logcap_capture;
/* Where output that is to be logged goes (logcap.c's writer). */
typedef void (*logcap_out_fn)(void *arg, const char *buf, size_t n);
/* N bytes read from channel CHAN (1 stdout, 2 stderr) of P's process
 * PID: logged through OUT, PROCESS_LOG_* when *_events_enabled, capture
 * mode when *_capture_maxbytes > 0 (*CP is its state, NULL until
 * needed). */
#ifdef HAVE_EVENTS
void logcap_event_chunk(struct logcap_capture **cp, const struct proc *p,
    int pid, int chan, const char *buf, size_t n, logcap_out_fn out,
    void *arg);
/* EOF (or capture turned off): output what was held back, free *CP. */
void logcap_event_end(struct logcap_capture **cp, const struct proc *p,
    int pid, int chan, logcap_out_fn out, void *arg);
#else
/* --disable-events: no capture mode, output is only logged. */
static inline void
logcap_event_chunk(struct logcap_capture **cp, const struct proc *p, int pid,
    int chan, const char *buf, size_t n, logcap_out_fn out, void *arg)
{
	(void)cp;
	(void)p;
	(void)pid;
	(void)chan;
	out(arg, buf, n);
}
static inline void
logcap_event_end(struct logcap_capture **cp, const struct proc *p, int pid,
    int chan, logcap_out_fn out, void *arg)
{
	(void)cp;
	(void)p;
	(void)pid;
	(void)chan;
	(void)out;
	(void)arg;
}
#endif
/* Wake the tail readers of LIST: their file grew, rotated or vanished. */
void follow_notify(struct logcap_follow *list);

#endif /* TEND_LOGCAP_IMPL_H */

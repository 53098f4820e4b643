/*
 * feed.h: a process's stdin pipe, tendd's end of it.
 *
 * A process has one when its config says so (conf_proc.stdin_pipe: every
 * [eventlistener:x], a [program:x] with stdin_pipe=true, or any program of
 * a config with [rpcinterface:supervisor]).  tendd writes without blocking:
 * what the pipe does not take is queued, up to FEED_MAX bytes, and written
 * when the pipe has room.  What writes: supervisor.sendProcessStdin (the
 * STDIN request) and listener.c (events).
 */
#ifndef TEND_FEED_H
#define TEND_FEED_H

#include "svctab.h"

#include <ev.h>

struct req;

/* Bytes queued per process beyond what its pipe holds (the pipe itself
 * holds 64 KiB on Linux): a process that never reads costs tendd at most
 * this much. */
#define FEED_MAX (1024 * 1024)

void feed_init(struct ev_loop *loop);
/* P was spawned with FD (the write end, non-blocking; -1: no pipe).  The
 * fd is P's feed's from now on, closed on any failure.  -1 with errno
 * (ENOMEM) when no state could be allocated. */
int feed_attach(struct proc *p, int fd);
/* P's process is gone: close the pipe, drop what is queued. */
void feed_detach(struct proc *p);
/*
 * Write LEN bytes of BUF to P's stdin, queueing what the pipe does not
 * take now.  0: written or queued, whole.  -1 with errno and nothing
 * queued: EPIPE (no pipe, or the process closed its end: supervisord's
 * NO_FILE), ENOBUFS (FEED_MAX would be passed), ENOMEM.
 */
int feed_write(struct proc *p, const void *buf, size_t len);
/* P's write end (a reexec carries it), -1: none. */
int feed_fd(const struct proc *p);
/* Bytes queued and not yet in P's pipe. */
size_t feed_queued(const struct proc *p);

/* The STDIN request: NAME, DATA (req.def). */
void feed_do_stdin(struct req *rq);

#endif /* TEND_FEED_H */

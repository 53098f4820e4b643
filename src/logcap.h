/*
 * logcap.h: capturing what services write.  Each captured stream is a
 * pipe drained by an ev_io in tendd's loop into its log file (rotated by
 * size), so a service never blocks on a full pipe because of tendd.
 * logcap never changes process state.
 *
 * A process has two sinks, stdout and stderr: where its output goes (a
 * file, or nothing), with the file's rotation state, its failure state and
 * what was dropped.  Sinks outlive runs of the process (tail -f follows a
 * process across restarts); the pipes of one run are streams feeding them.
 */
#ifndef TEND_LOGCAP_H
#define TEND_LOGCAP_H

#include "tend.h"
#include "svctab.h"

#include <ev.h>

/* Bytes a tail -f reader may fall behind before it is skipped ahead, and
 * how much of the end it is then given. */
#define LOGCAP_FOLLOW_BEHIND (1u << 20)
#define LOGCAP_FOLLOW_KEEP (64u << 10)

/* Call at start-up and after a reload: childlogdir, the syslog ident. */
void logcap_init(struct ev_loop *loop, const struct conf_global *g);
/* Start draining P's pipes (either may be -1); takes ownership of the fds.
 * 0, or -1 with ERR filled (the fds are closed either way). */
int logcap_attach(
    struct proc *p, int outfd, int errfd, char *err, size_t errlen);
/* P's process is gone: read its pipes to the last byte now; a pipe still
 * held open by a descendant keeps draining in the background until EOF. */
void logcap_detach(struct proc *p);
/* A reexec: the read ends of P's current pipes (-1: none), after
 * writing out what was read of them; the next tendd attaches them again
 * (logcap_attach) and goes on from the first byte not yet read. */
void logcap_carry(struct proc *p, int *outfd, int *errfd);
/* P is about to be freed: drop its sinks; its followers end, pipes still
 * draining discard what they read. */
void logcap_forget(struct proc *p);
/* P's config was replaced by a reload without a restart: apply its log
 * paths and rotation sizes to the running capture. */
void logcap_reconfigure(struct proc *p);
/* Free everything (tendd's exit). */
void logcap_close(void);
/* The path logs of stream FD (1 or 2) of P go to; NULL if discarded or P
 * never ran. */
const char *logcap_path(const struct proc *p, int fd);
/* Bytes of P's output that could not be logged (write errors, a full
 * non-blocking target, syslog refusals), since tendd started. */
uint64_t logcap_dropped(const struct proc *p);
/* Reopen every open log file (SIGUSR2, logrotate). */
void logcap_reopen_all(const struct svctab *tab);
/* Empty P's current log files (supervisorctl clear); backups stay.  0, or
 * -1 with ERR filled. */
int logcap_clear(struct proc *p, char *err, size_t errlen);

/*
 * tail: a reader of P's log file for channel FD (1 or 2), or of tendd's
 * own log when P is NULL.  It starts COUNT bytes (or, with LINES, COUNT
 * lines) before the end.  With FOLLOW it stays and FN(ARG) is called
 * whenever there may be more to read (new output, a rotation, the source
 * going away); without it, it ends at the size the file had when the tail
 * began.  NULL with ERR filled if there is no file to read.
 */
struct logcap_follow;
typedef void (*logcap_follow_fn)(void *arg);
struct logcap_follow *logcap_follow(struct proc *p, int fd, uint64_t count,
    bool lines, bool follow, logcap_follow_fn fn, void *arg, char *err,
    size_t errlen);
/*
 * Read up to LEN bytes.  >0: bytes; 0: nothing now (or, without FOLLOW,
 * the end); -1: the source is gone (its process was removed).  A reader
 * more than LOGCAP_FOLLOW_BEHIND bytes behind is skipped ahead to the
 * last LOGCAP_FOLLOW_KEEP bytes; *SKIPPED says how many bytes it missed.
 */
ssize_t logcap_follow_read(
    struct logcap_follow *f, void *buf, size_t len, uint64_t *skipped);
void logcap_unfollow(struct logcap_follow *f);

#endif /* TEND_LOGCAP_H */

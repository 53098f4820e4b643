/*
 * logcap.h: capturing what services write.  Each captured stream is a
 * pipe drained by an ev_io in tendd's loop into its log file (rotated by
 * size), so a service never blocks on a full pipe because of tendd.
 * logcap never changes process state.
 */
#ifndef TEND_LOGCAP_H
#define TEND_LOGCAP_H

#include "tend.h"
#include "svctab.h"

#include <ev.h>

void logcap_init(struct ev_loop *loop, const struct conf_global *g);
/* Start draining P's pipes (either may be -1); takes ownership of the fds.
 * 0, or -1 with ERR filled (the fds are closed either way). */
int logcap_attach(struct proc *p, int outfd, int errfd, char *err,
    size_t errlen);
/* P's process is gone: read its pipes to EOF (every last byte), close
 * them and the log files. */
void logcap_detach(struct proc *p);
/* The path logs of stream FD (1 or 2) of P go to; NULL if discarded. */
const char *logcap_path(const struct proc *p, int fd);
/* Reopen every open log file (SIGUSR2, logrotate). */
void logcap_reopen_all(const struct svctab *tab);

#endif /* TEND_LOGCAP_H */

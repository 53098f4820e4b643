/*
 * ctl.h: tendd's control socket server.  It runs inside tendd's one libev
 * loop, decodes tendctl's requests (proto.h) into the request API (req.h)
 * and encodes the replies.  A hostile or slow client can
 * never stall or crash tendd: requests are capped at one frame, partial
 * frames have a deadline, output is bounded, clients are counted.
 */
#ifndef TEND_CTL_H
#define TEND_CTL_H

#include "tend.h"
#include "config.h"
#include "fsm.h"
#include "req.h"
#include "svctab.h"

#include <ev.h>

/*
 * Create the listening socket at PATH (already resolved by tendd), mode
 * g->socket_mode (default 0700), owner g->socket_uid/gid if set.  A stale
 * socket file from a dead tendd is replaced; a live one (connect()
 * succeeds) is never stolen: return -1 with err "another tendd is
 * listening on PATH".  The socket's directory must exist (tendd makes it)
 * and belong to root or to tendd's user.
 */
int ctl_init(struct ev_loop *loop, struct svctab *tab,
    const struct conf_global *g, const char *path,
    const struct req_hooks *hooks, char *err, size_t errlen);
/* tendd calls this from fsm_ops.changed after every state change: wake
 * clients waiting on P. */
void ctl_proc_changed(struct proc *p, enum proc_state from);
/* P is about to be freed (a reload dropped it): requests waiting on it
 * complete with "abnormal termination" and forget it. */
void ctl_proc_gone(struct proc *p);
/*
 * The service table may have a new config (a reload swapped it in):
 * count it in the config generation that `tendctl metrics` reports.
 * ctl calls it after its own reloads, on every state change and before
 * each metrics reply; tendd may call it right after any other swap
 * (SIGHUP) to make the count exact.
 */
void ctl_config_sync(void);
/* Close every client and the listener, unlink the socket. */
void ctl_close(void);

#endif /* TEND_CTL_H */

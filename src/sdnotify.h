/*
 * sdnotify.h: tendd -> systemd (sd_notify(3)): READY=1 once the autostart
 * processes have settled, STATUS= with counts, RELOADING=1, STOPPING=1,
 * and pings of systemd's watchdog when WATCHDOG_USEC is set.  Without
 * libsystemd (HAVE_SYSTEMD unset) every function is a no-op.
 */
#ifndef TEND_SDNOTIFY_H
#define TEND_SDNOTIFY_H

#include "tend.h"

#include <ev.h>

/* Builds the STATUS= text into BUF (sdnotify_status_changed()). */
typedef void sdnotify_status_fn(char *buf, size_t len);

/*
 * Look at the environment systemd gave us: NOTIFY_SOCKET (is anyone
 * listening?) and WATCHDOG_USEC (then ping every half interval, the only
 * periodic timer, armed only then).  STATUS builds the status text.
 */
void sdnotify_init(struct ev_loop *loop, sdnotify_status_fn *status);
/* True when systemd listens (NOTIFY_SOCKET was set). */
bool sdnotify_enabled(void);
/* READY=1 with the current status; sent once, later calls are no-ops. */
void sdnotify_ready(void);
/* Something changed: send STATUS= soon (coalesced: one datagram per
 * SDNOTIFY_STATUS_DELAY seconds at most, no timer while nothing does). */
void sdnotify_status_changed(void);
/* RELOADING=1 (a reload, a reexec), once READY=1 was sent. */
void sdnotify_reloading(void);
/* READY=1 again after a reload. */
void sdnotify_reloaded(void);
/* READY=1 was sent (a reexec carries it). */
bool sdnotify_ready_sent(void);
/* After a reexec: READY=1 with MAINPID (unchanged) and the status, when
 * the previous tendd had sent READY=1 (WAS_READY); else the start-up's
 * READY=1 comes as usual. */
void sdnotify_reexeced(bool was_ready);
void sdnotify_stopping(void);
void sdnotify_close(void);

#endif /* TEND_SDNOTIFY_H */

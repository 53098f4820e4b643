/*
 * sdnotify.c: tendd's own notifications to systemd, for a Type=notify
 * unit (contrib/tendd.service).
 *
 * Owns: the only use of libsystemd in tend (the only file including
 * <systemd/...>), the READY=1-once flag, the coalescing of STATUS=
 * updates and the ping timer of systemd's watchdog.  Leaves alone: when
 * tendd counts as ready or what the status says (tendd.c decides and
 * builds the text), and the NOTIFY_SOCKET services talk to (ready.c).
 *
 * sd_notify() is called with unset_environment=0: spawn.c never passes
 * tendd's NOTIFY_SOCKET or WATCHDOG_USEC on to services anyway, and
 * keeping them lets a re-exec or a debug look see what systemd gave.
 * Built without libsystemd (configure --with-systemd=no), every function
 * is a no-op and tendd runs as Type=simple would.
 *
 * libsystemd is loaded with dlopen(3) only when systemd gave tendd a
 * NOTIFY_SOCKET: linked in, it and what it pulls (libgcrypt, liblzma,
 * liblz4, libzstd, libcap...) cost every tendd about 800 KiB of PSS,
 * half of tendd's footprint in a container that never talks to systemd.
 */
#include "sdnotify.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_SYSTEMD
#include <dlfcn.h>
#include <systemd/sd-daemon.h>

/* The two functions used, resolved from libsystemd.so.0 at run time. */
static __typeof__(sd_notify) *sdn_notify;
static __typeof__(sd_watchdog_enabled) *sdn_watchdog_enabled;

/* dlopen libsystemd; false (logged) if it cannot be used. */
static bool
sdnotify_load(void)
{
	void *h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);

	if (h == NULL) {
		log_warnx("NOTIFY_SOCKET is set but libsystemd cannot be "
			  "loaded: %s; not notifying systemd", dlerror());
		return false;
	}
	sdn_notify = (__typeof__(sdn_notify))dlsym(h, "sd_notify");
	sdn_watchdog_enabled = (__typeof__(sdn_watchdog_enabled))dlsym(
	    h, "sd_watchdog_enabled");
	if (sdn_notify == NULL || sdn_watchdog_enabled == NULL) {
		log_warnx("libsystemd.so.0: sd_notify or sd_watchdog_enabled "
			  "missing; not notifying systemd");
		(void)dlclose(h);
		return false;
	}
	return true; /* kept loaded for tendd's lifetime */
}

/* Coalesce STATUS= updates: 1,000 services starting are one datagram. */
#define SDNOTIFY_STATUS_DELAY 0.5

static struct {
	struct ev_loop *loop;
	sdnotify_status_fn *status;
	bool enabled;
	bool ready_sent;
	ev_timer status_timer;
	ev_timer watchdog_timer;
	char last_status[256];
} sdn;

/* sd_notify() with tendd's log on failure (the unit would then time
 * out, and the log says why). */
static void
sdnotify_send(const char *msg)
{
	int rc;

	if (!sdn.enabled)
		return;
	if ((rc = sdn_notify(0, msg)) < 0)
		log_warnx("sd_notify(%.*s): %s", (int)strcspn(msg, "\n"), msg,
		    strerror(-rc));
}

/* Build the status; true if it differs from the last one sent. */
static bool
sdnotify_status_text(char *buf, size_t len)
{
	buf[0] = '\0';
	if (sdn.status != NULL)
		sdn.status(buf, len);
	return strcmp(buf, sdn.last_status) != 0;
}

static void
sdnotify_status_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	char text[sizeof(sdn.last_status)], msg[sizeof(text) + 16];

	if (!sdnotify_status_text(text, sizeof(text)))
		return;
	(void)snprintf(sdn.last_status, sizeof(sdn.last_status), "%s", text);
	(void)snprintf(msg, sizeof(msg), "STATUS=%s", text);
	sdnotify_send(msg);
}

static void
sdnotify_watchdog_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	sdnotify_send("WATCHDOG=1");
}

void
sdnotify_init(struct ev_loop *loop, sdnotify_status_fn *status)
{
	uint64_t usec = 0;
	const char *ns = getenv("NOTIFY_SOCKET");
	int rc;

	sdn.loop = loop;
	sdn.status = status;
	sdn.enabled = ns != NULL && *ns != '\0' && sdnotify_load();
	ev_timer_init(
	    &sdn.status_timer, sdnotify_status_cb, SDNOTIFY_STATUS_DELAY, 0.);
	if (!sdn.enabled)
		return;
	/* sd_watchdog_enabled(3): > 0 when WATCHDOG_USEC is set (and
	 * WATCHDOG_PID, if set, is ours).  Pinging at half the interval is
	 * what the man page recommends. */
	rc = sdn_watchdog_enabled(0, &usec);
	if (rc < 0)
		log_warnx("sd_watchdog_enabled: %s", strerror(-rc));
	if (rc > 0 && usec > 0) {
		double every = (double)usec / 2e6;

		ev_timer_init(
		    &sdn.watchdog_timer, sdnotify_watchdog_cb, every, every);
		ev_timer_start(loop, &sdn.watchdog_timer);
		log_info("systemd watchdog: pinging every %gs", every);
	}
}

bool
sdnotify_enabled(void)
{
	return sdn.enabled;
}

void
sdnotify_ready(void)
{
	char text[sizeof(sdn.last_status)], msg[sizeof(text) + 32];

	if (!sdn.enabled || sdn.ready_sent)
		return;
	sdn.ready_sent = true;
	(void)sdnotify_status_text(text, sizeof(text));
	(void)snprintf(sdn.last_status, sizeof(sdn.last_status), "%s", text);
	(void)snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", text);
	sdnotify_send(msg);
}

void
sdnotify_status_changed(void)
{
	if (!sdn.enabled || ev_is_active(&sdn.status_timer))
		return;
	ev_timer_set(&sdn.status_timer, SDNOTIFY_STATUS_DELAY, 0.);
	ev_timer_start(sdn.loop, &sdn.status_timer);
}

void
sdnotify_reloading(void)
{
	char msg[64];

	/* Before READY=1, systemd still waits for the start: nothing to
	 * say (sdnotify_reloaded sends nothing then either). */
	if (!sdn.ready_sent)
		return;
	/* systemd >= 253 wants MONOTONIC_USEC with RELOADING=1
	 * (Type=notify-reload); older ones ignore it. */
	(void)snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)(util_monotonic() * 1e6));
	sdnotify_send(msg);
}

void
sdnotify_reloaded(void)
{
	if (sdn.ready_sent)
		sdnotify_send("READY=1");
}

bool
sdnotify_ready_sent(void)
{
	return sdn.ready_sent;
}

void
sdnotify_reexeced(bool was_ready)
{
	char text[sizeof(sdn.last_status)], msg[sizeof(text) + 64];

	if (!sdn.enabled || !was_ready || sdn.ready_sent)
		return;
	sdn.ready_sent = true;
	(void)sdnotify_status_text(text, sizeof(text));
	(void)snprintf(sdn.last_status, sizeof(sdn.last_status), "%s", text);
	/* MAINPID: the same pid, said again so a unit that tracks it
	 * (Type=notify-reload) sees the hand-over is over. */
	(void)snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%ld\nSTATUS=%s",
	    (long)getpid(), text);
	sdnotify_send(msg);
}

void
sdnotify_stopping(void)
{
	sdnotify_send("STOPPING=1\nSTATUS=Stopping processes");
}

void
sdnotify_close(void)
{
	if (sdn.loop == NULL)
		return;
	ev_timer_stop(sdn.loop, &sdn.status_timer);
	ev_timer_stop(sdn.loop, &sdn.watchdog_timer);
	sdn.loop = NULL;
}

#else /* !HAVE_SYSTEMD: no systemd to talk to. */

void
sdnotify_init(struct ev_loop *loop, sdnotify_status_fn *status)
{
}

bool
sdnotify_enabled(void)
{
	return false;
}

void
sdnotify_ready(void)
{
}

void
sdnotify_status_changed(void)
{
}

void
sdnotify_reloading(void)
{
}

void
sdnotify_reloaded(void)
{
}

bool
sdnotify_ready_sent(void)
{
	return false;
}

void
sdnotify_reexeced(bool was_ready)
{
}

void
sdnotify_stopping(void)
{
}

void
sdnotify_close(void)
{
}

#endif /* HAVE_SYSTEMD */

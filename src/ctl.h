/*
 * ctl.h: tendd's control socket server.  It runs inside tendd's one libev
 * loop, decodes tendctl's requests (proto.h), acts through the fsm and
 * svctab APIs only, and encodes the replies.  A hostile or slow client can
 * never stall or crash tendd: requests are capped at one frame, partial
 * frames have a deadline, output is bounded, clients are counted.
 */
#ifndef TEND_CTL_H
#define TEND_CTL_H

#include "tend.h"
#include "config.h"
#include "fsm.h"
#include "svctab.h"

#include <ev.h>

/* The reload family: reread, update, add, remove, reload (and SIGHUP,
 * which tendd runs as an update of everything). */
enum ctl_reload_verb {
	CTL_RELOAD_REREAD = 0, /* load the config and diff; change nothing */
	CTL_RELOAD_UPDATE,     /* load, diff, apply (NAMES: only theirs) */
	CTL_RELOAD_ADD,	       /* load, add only the new processes NAMES name */
	CTL_RELOAD_REMOVE,     /* drop the stopped processes NAMES name; the
				  config is not read (supervisorctl remove) */
};

struct ctl_reload {
	/* in */
	enum ctl_reload_verb verb;
	bool dry_run;	    /* update -n: make the plan only */
	const char **names; /* NULL-terminated; NULL or empty: everything */
	/* out, filled by the hook; ctl_reload_done() frees them */
	struct conf_errors errs; /* the config was refused: nothing changed */
	char err[256];		 /* another failure (no memory) */
	struct svctab_plan plan; /* selected deltas were (or would be) acted
				    on; refused ones say why */
	char **notes;	/* global settings not applied, config warnings */
	size_t nnotes;
	size_t *hits; /* per name: how many processes it named */
};

struct ctl_hooks {
	/* tendd begins an orderly shutdown: stops everything in descending
	 * priority, exits 0 when all are gone */
	void (*shutdown)(void);
	/* Run R (tendd.c loads the config and swaps it in).  0: done (or
	 * planned); the plan's procs are valid until the loop runs again.
	 * -1: refused as a whole, R->errs or R->err says why. */
	int (*reload)(struct ctl_reload *r);
};

/* Free what a reload hook put in R. */
void ctl_reload_done(struct ctl_reload *r);

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
    const struct ctl_hooks *hooks, char *err, size_t errlen);
/* tendd calls this from fsm_ops.changed after every state change: wake
 * clients waiting on P. */
void ctl_proc_changed(struct proc *p, enum proc_state from);
/* P is about to be freed (a reload dropped it): requests waiting on it
 * complete with "abnormal termination" and forget it. */
void ctl_proc_gone(struct proc *p);
/* tendd is shutting down (a signal, or the shutdown verb): start and
 * restart are refused from now on with "shutting down". */
void ctl_shutdown_begun(void);
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

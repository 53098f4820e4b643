/*
 * reload.h: the reload family of requests (reread, update, add, remove,
 * reload; SIGHUP runs as an update of everything) and what tendd.c's
 * reload hook fills in.
 */
#ifndef TEND_RELOAD_H
#define TEND_RELOAD_H

#include "config.h"
#include "req.h"
#include "svctab.h"

#include <ev.h>

enum reload_verb {
	RELOAD_REREAD = 0, /* load the config and diff; change nothing */
	RELOAD_UPDATE,     /* load, diff, apply (NAMES: only theirs) */
	RELOAD_ADD,        /* load, add only the new processes NAMES name */
	RELOAD_REMOVE,     /* drop the stopped processes NAMES name; the
	                      config is not read (supervisorctl remove) */
};

struct reload_req {
	/* in */
	enum reload_verb verb;
	bool dry_run;       /* update -n: make the plan only */
	const char **names; /* NULL-terminated; NULL or empty: everything */
	/* out, filled by the hook; reload_req_done() frees them */
	struct conf_errors errs; /* the config was refused: nothing changed */
	char err[256];           /* another failure (no memory) */
	struct svctab_plan plan; /* selected deltas were (or would be) acted
	                            on; refused ones say why */
	char **notes; /* global settings not applied, config warnings */
	size_t nnotes;
	size_t *hits; /* per name: how many processes it named */
};

/* Free what a reload hook put in R. */
void reload_req_done(struct reload_req *r);

/* What tendd.c, which owns each process's runtime, does for a reload. */
struct reload_ops {
	/* Is P active for a stop (a process exists, a start is pending)? */
	bool (*pending)(const struct proc *p);
	/* P leaves the table: let go of its watchers, capture, cgroup and
	 * every request waiting on it. */
	void (*forget)(struct proc *p);
	/* P took its new config (it may be started): waiters look again. */
	void (*settled)(struct proc *p);
	/* The table took a plan (new, changed or removed processes):
	 * descriptors, cgroups, event listener pools.  Before any stop,
	 * start or PROCESS_GROUP_ADDED of the commit. */
	void (*resized)(void);
	/* P keeps running under a new config: its log capture follows. */
	void (*reconfigure)(struct proc *p);
	/* CONF was swapped in: apply the globals that apply live. */
	void (*globals)(const struct tend_conf *conf);
};

/* The room's state: TAB and *CONF are tendd's (a reload swaps *CONF),
 * PATH the config file. */
void reload_init(struct ev_loop *loop, struct svctab *tab,
    struct tend_conf **conf, const char *path, const struct reload_ops *ops);
/* Run R: plan, and unless it is reread or a dry run, apply and commit.
 * 0: done (or planned); the plan's procs are valid until the loop runs
 * again.  -1: refused as a whole, R->errs or R->err says why, and
 * nothing changed.  The hook behind req_env.hooks->reload. */
int reload_run(struct reload_req *r);
/* The configs the table's processes may point into: 0 the current one,
 * then the replaced ones still in use; NULL past the last (a reexec
 * carries them). */
const struct tend_conf *reload_config(size_t i);
/*
 * After a reexec: the table was built from PREV (the configs the old
 * tendd ran, read again from their texts, taken over and freed once
 * unused) and the processes taken over; apply the current config (loaded
 * at start-up) as an update of everything would: unchanged processes
 * untouched, policy changes live, changed ones restarted with it,
 * removed ones stopped with their own stop settings, new ones started.
 * -1 (ENOMEM): nothing applied.
 */
int reload_handover(struct tend_conf **prev, size_t nprev);
/* SIGHUP: reload everything, as tendctl reload does. */
void reload_signal(void);
/* tendd calls this on every state change: P may be what a reload waits
 * for (a changed process stopped, a removed one gone). */
void reload_proc_changed(struct proc *p);
/* Free the replaced configs (tendd exits). */
void reload_close(void);

/* Handler (req.def): REREAD, UPDATE, ADD, REMOVE, RELOAD. */
void reload_do(struct req *rq);

#endif /* TEND_RELOAD_H */

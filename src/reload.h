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

/* Handler (req.def): REREAD, UPDATE, ADD, REMOVE, RELOAD. */
void reload_do(struct req *rq);

#endif /* TEND_RELOAD_H */

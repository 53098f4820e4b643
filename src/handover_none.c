/*
 * handover_none.c: a tendd configured --disable-reexec (an embedded
 * build).  Owns: the answers of SIGUSR1, `tendctl reexec` and a
 * --handover argument, each saying re-executing is not built in.  Leaves
 * alone: everything else handover.h declares, nothing there (its
 * inline stubs).
 */
#include "handover.h"
#include "log.h"

#define HANDOVER_NONE "not built into this tendd (configured --disable-reexec)"

void
handover_start(const char *conf_path, const char *arg, bool fallback)
{
	(void)conf_path;
	(void)fallback;
	/* Only a tendd that has it execs tendd with --handover; and it
	 * checks `--handover-version` first, which says 0 0 here. */
	if (arg != NULL)
		fatalx("--handover: re-executing is %s", HANDOVER_NONE);
}

void
handover_reexec(void)
{
	log_warnx("reexec: %s; tendd goes on as it was", HANDOVER_NONE);
}

void
handover_do_reexec(struct req *rq)
{
	req_error(rq, "re-executing is %s", HANDOVER_NONE);
}

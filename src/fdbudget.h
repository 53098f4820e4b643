/*
 * fdbudget.h: the file descriptors a configuration needs, against tendd's
 * RLIMIT_NOFILE (fdbudget.c says what is counted).
 */
#ifndef TEND_FDBUDGET_H
#define TEND_FDBUDGET_H

#include "tend.h"
#include "config.h"

/* Exec pipes tendd keeps open at once (tendd.c's exec_sweep): a child's
 * is closed once it has exec'd. */
#define FDBUDGET_EXEC_PIPES 64

struct fdbudget {
	size_t nprocs;
	size_t need; /* held while every process runs, tendd's own included */
	size_t want; /* with every log file open, and minfds= */
};

/* Count what C needs into B. */
void fdbudget_count(const struct tend_conf *c, struct fdbudget *b);

/* What C needs, the number fdbudget_check() refuses below. */
size_t fdbudget_need(const struct tend_conf *c);

/*
 * Raise RLIMIT_NOFILE towards what C wants (root raises the hard limit
 * too).  -1: the limit stays below what C needs, and MSG says so with the
 * need, the limit and the fix.  0: it fits; MSG is empty, or a warning
 * (room for the processes, not for all their log files).
 */
int fdbudget_check(const struct tend_conf *c, char *msg, size_t len);

#endif /* TEND_FDBUDGET_H */

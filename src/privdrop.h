/*
 * privdrop.h: tendd giving up root for [supervisord] user=.
 *
 * supervisord takes user= first of all (options.py set_uid_or_exit), so
 * its log, pidfile and sockets are made as the user.  tendd takes it once
 * its sockets are bound and its cgroups made, before any process starts:
 * a privileged port (an [fcgi-program:x] on :80) and cgroup tracking keep
 * working, and what tendd must still write as the user (its log file,
 * pidfile and control socket) is given to the user.
 */
#ifndef TEND_PRIVDROP_H
#define TEND_PRIVDROP_H

#include "config.h"

/*
 * Become G->user (supplementary groups as initgroups(3), then the group,
 * then the user), after chown(2)ing each of the N files in MINE (NULL
 * entries skipped) and delegating tend.PID (cgroup_delegate).  Nothing
 * when G->user is unset or is tendd's user already.  Fatal (tendd exits
 * 1) when tendd is not root or a step fails.
 */
void privdrop(const struct conf_global *g, const char *const *mine, size_t n);

/* At start-up, before anything is made: fatal when G->user is not
 * tendd's user and tendd is not root (it could never become it). */
void privdrop_check(const struct conf_global *g);

#endif /* TEND_PRIVDROP_H */

/*
 * privdrop.c: tendd giving up root for [supervisord] user= (privdrop.h).
 *
 * Owns: the order (files given to the user, cgroup delegation, groups,
 * gid, uid) and its checks.  Leaves alone: when it happens in start-up
 * (tendd.c), what a delegated cgroup is (cgroup.c).
 */
#include "privdrop.h"

#include "cgroup.h"
#include "log.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* The files tendd made as root and writes again later (a reopened log,
 * the pidfile it removes, the control socket its user's clients use). */
static void
privdrop_chown(const struct conf_global *g, const char *const *mine, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (mine[i] != NULL && mine[i][0] == '/' &&
		    lchown(mine[i], g->user_uid, g->user_gid) == -1 &&
		    errno != ENOENT)
			log_warn("user=%s: chown %s", g->user, mine[i]);
}

void
privdrop_check(const struct conf_global *g)
{
	/* supervisord: "Can't drop privilege as nonroot user" */
	if (g->user != NULL && g->user_uid != getuid() && getuid() != 0)
		fatalx("user=%s: tendd runs as uid %ld, not as root, and cannot "
		       "become another user",
		    g->user, (long)getuid());
}

void
privdrop(const struct conf_global *g, const char *const *mine, size_t n)
{
	struct passwd *pw;
	char err[PATH_MAX + 128];

	if (g->user == NULL || g->user_uid == getuid())
		return;
	privdrop_check(g);
	errno = 0;
	if ((pw = getpwuid(g->user_uid)) == NULL)
		fatal("user=%s: getpwuid(%ld)", g->user, (long)g->user_uid);
	privdrop_chown(g, mine, n);
	if (cgroup_delegate(g->user_uid, g->user_gid, err, sizeof(err)) == -1)
		log_warnx("warning: user=%s: %s; tracking processes by session",
		    g->user, err);
	/* As supervisord: the groups the user is a member of, the primary
	 * first; then the gid, then the uid (the kernel drops every
	 * capability with the last root uid). */
	if (initgroups(pw->pw_name, g->user_gid) == -1)
		fatal("user=%s: initgroups", g->user);
	if (setgid(g->user_gid) == -1)
		fatal("user=%s: setgid(%ld)", g->user, (long)g->user_gid);
	if (setuid(g->user_uid) == -1)
		fatal("user=%s: setuid(%ld)", g->user, (long)g->user_uid);
	if (setuid(0) != -1)
		fatalx("user=%s: root could be regained after setuid", g->user);
	/* A credential change makes the process non-dumpable, and its
	 * /proc/self files root's: tendd reads them (procinfo.c). */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == -1)
		log_warn("prctl(PR_SET_DUMPABLE)");
	log_info("set uid to user %s (uid %ld, gid %ld) succeeded", g->user,
	    (long)g->user_uid, (long)g->user_gid);
}

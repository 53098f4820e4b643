/*
 * spawn_env.c: what a child is given, prepared in the parent before the
 * clone: its environment (tendd's, the user's, supervisord's
 * SUPERVISOR_* variables, environment= and environment_file) and its
 * credentials (user= resolved through NSS, which the child must not
 * call).  Allocates freely; the child (spawn_child.c) only reads.
 */
#include "spawn_impl.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/sched.h> /* struct clone_args, CLONE_PIDFD */
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---------------------------------------------------------------------
 * The environment
 */

static size_t
spawn_env_keylen(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq ? (size_t)(eq - kv) : strlen(kv);
}

/* Grow *V (holding N, room for *CAP) to hold N + 2. */
static int
spawn_env_room(char ***v, size_t n, size_t *cap)
{
	char **nv;
	size_t ncap;

	if (n + 2 <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	if ((nv = realloc(*v, ncap * sizeof(*nv))) == NULL)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* Add KV (taking ownership), replacing an entry with the same key: later
 * sources win.  -1 on ENOMEM (KV is freed). */
static int
spawn_env_put(struct spawn_env *e, char *kv)
{
	size_t klen = spawn_env_keylen(kv);
	size_t i;

	if (spawn_env_room(&e->own, e->nown, &e->capown) < 0 ||
	    spawn_env_room(&e->v, e->n, &e->cap) < 0) {
		free(kv);
		return -1;
	}
	e->own[e->nown++] = kv;
	for (i = 0; i < e->n; i++) {
		if (strncmp(e->v[i], kv, klen) == 0 &&
		    (e->v[i][klen] == '=' || e->v[i][klen] == '\0')) {
			e->v[i] = kv;
			return 0;
		}
	}
	e->v[e->n++] = kv;
	e->v[e->n] = NULL;
	return 0;
}

static int
spawn_env_copy(struct spawn_env *e, const char *kv)
{
	char *s = strdup(kv);

	if (s == NULL)
		return -1;
	return spawn_env_put(e, s);
}

static int
spawn_env_set(struct spawn_env *e, const char *key, const char *value)
{
	char *s;

	if (asprintf(&s, "%s=%s", key, value) < 0)
		return -1;
	return spawn_env_put(e, s);
}

void
spawn_env_free(struct spawn_env *e)
{
	size_t i;

	for (i = 0; i < e->nown; i++)
		free(e->own[i]);
	free(e->own);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

/* Start E from BASE's entries, borrowed (BASE outlives E). */
static int
spawn_env_from(struct spawn_env *e, const struct spawn_env *base)
{
	e->cap = base->n + 16;
	if ((e->v = malloc(e->cap * sizeof(*e->v))) == NULL)
		return -1;
	if (base->n > 0)
		memcpy(e->v, base->v, base->n * sizeof(*e->v));
	e->n = base->n;
	e->v[e->n] = NULL;
	return 0;
}

const char *
spawn_env_get(const struct spawn_env *e, const char *key)
{
	size_t klen = strlen(key);
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strncmp(e->v[i], key, klen) == 0 && e->v[i][klen] == '=')
			return e->v[i] + klen + 1;
	return NULL;
}

static char *
spawn_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	                      end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static bool
spawn_valid_key(const char *k)
{
	if (!(*k == '_' || (*k >= 'A' && *k <= 'Z') ||
	        (*k >= 'a' && *k <= 'z')))
		return false;
	for (k++; *k; k++)
		if (!(*k == '_' || (*k >= 'A' && *k <= 'Z') ||
		        (*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9')))
			return false;
	return true;
}

/*
 * One environment_file line: "KEY=VALUE", optionally "export KEY=VALUE",
 * the value optionally in matching single or double quotes (taken
 * literally, no escapes).  Blank lines and '#' comments are skipped.
 * 1: added, 0: nothing on the line, -1 with errno ENOMEM or EINVAL.
 */
static int
spawn_envfile_line(struct spawn_env *e, char *line)
{
	char *s = spawn_trim(line);
	char *eq, *key, *val;
	size_t vlen;

	if (*s == '\0' || *s == '#')
		return 0;
	if (strncmp(s, "export ", 7) == 0)
		s = spawn_trim(s + 7);
	eq = strchr(s, '=');
	if (eq == NULL) {
		errno = EINVAL;
		return -1;
	}
	*eq = '\0';
	key = spawn_trim(s);
	val = spawn_trim(eq + 1);
	if (!spawn_valid_key(key)) {
		errno = EINVAL;
		return -1;
	}
	vlen = strlen(val);
	if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') &&
	    val[vlen - 1] == val[0]) {
		val[vlen - 1] = '\0';
		val++;
	}
	if (spawn_env_set(e, key, val) < 0)
		return -1;
	return 1;
}

/*
 * Read environment_file in the parent, so a missing or malformed file is
 * an ordinary spawn error with the file named, before any process exists.
 */
static int
spawn_envfile_read(
    struct spawn_env *e, const char *path, char *err, size_t errlen)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0;
	int rc = 0;

	fp = fopen(path, "re");
	if (fp == NULL) {
		snprintf(err, errlen, "environment_file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	errno = 0;
	while (getline(&line, &cap, fp) >= 0) {
		lineno++;
		if (spawn_envfile_line(e, line) < 0) {
			if (errno == EINVAL)
				snprintf(err, errlen,
				    "environment_file %s:%d: expected KEY=VALUE",
				    path, lineno);
			else
				snprintf(err, errlen, "environment_file %s: %s",
				    path, strerror(errno));
			rc = -1;
			break;
		}
		errno = 0;
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(err, errlen, "environment_file %s: %s", path,
		    strerror(errno ? errno : EIO));
		rc = -1;
	}
	free(line);
	fclose(fp);
	return rc;
}

/*
 * Variables in tendd's environ that describe tendd itself, as systemd's
 * service manager hands them over (sd_notify(3), sd_listen_fds(3),
 * sd_watchdog_enabled(3)).  A service inheriting NOTIFY_SOCKET would
 * talk to systemd in tendd's name, so none of them are passed on; a
 * program's own environment= may still set them.
 */
static bool
spawn_env_private(const char *kv)
{
	static const char *const names[] = {"NOTIFY_SOCKET", "LISTEN_PID",
	    "LISTEN_FDS", "LISTEN_FDNAMES", "WATCHDOG_PID", "WATCHDOG_USEC"};
	size_t klen = spawn_env_keylen(kv);
	size_t i;

	for (i = 0; i < TEND_NELEM(names); i++)
		if (strlen(names[i]) == klen &&
		    strncmp(kv, names[i], klen) == 0)
			return true;
	return false;
}

/*
 * tendd's environ less the variables above, once (spawn_kit_init): tendd
 * never changes its environment, and copying it for each of 1,000
 * services was a tenth of a spawn.
 */
int
spawn_env_base(struct spawn_env *e)
{
	char **ep;

	for (ep = environ; ep && *ep; ep++)
		if (strchr(*ep, '=') && !spawn_env_private(*ep) &&
		    spawn_env_copy(e, *ep) < 0)
			return -1;
	return 0;
}

/* supervisord's SUPERVISOR_SERVER_URL (process.py, _spawn_as_child): the
 * program's serverurl= unless AUTO, else the server's URL (tendd's
 * control socket, unix://PATH: supervisord prefers its unix socket too);
 * an empty serverurl= sets none.  SUPERVISOR_USERNAME/PASSWORD are never
 * set by supervisord (childutils only reads them): environment= may. */
static const char *
spawn_env_server_url(const struct conf_proc *c, const struct spawn_opts *o)
{
	if (c->serverurl == NULL || strcasecmp(c->serverurl, "AUTO") == 0)
		return o->server_url;
	return c->serverurl[0] != '\0' ? c->serverurl : NULL;
}

/*
 * tendd's environ (less the variables above: spawn_env_base), then the user's
 * HOME/USER/LOGNAME/SHELL, then the SUPERVISOR_* variables (as supervisord sets
 * them), then the program's environment= entries, then environment_file, then
 * NOTIFY_SOCKET.  Later sources win, so a program may override anything but
 * NOTIFY_SOCKET.
 */
int
spawn_env_build(struct spawn_env *e, const struct spawn_env *base,
    const struct conf_proc *c,
    const struct spawn_opts *o, const struct passwd *pw, char *err,
    size_t errlen)
{
	const char *url;
	char **ep;

	if (spawn_env_from(e, base) < 0)
		goto nomem;
	if (pw != NULL &&
	    (spawn_env_set(e, "HOME", pw->pw_dir) < 0 ||
	        spawn_env_set(e, "USER", pw->pw_name) < 0 ||
	        spawn_env_set(e, "LOGNAME", pw->pw_name) < 0 ||
	        spawn_env_set(e, "SHELL",
	            pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh") <
	            0))
		goto nomem;
	if (spawn_env_set(e, "SUPERVISOR_ENABLED", "1") < 0 ||
	    spawn_env_set(e, "SUPERVISOR_PROCESS_NAME", c->name) < 0 ||
	    spawn_env_set(
	        e, "SUPERVISOR_GROUP_NAME", c->group ? c->group : c->name) < 0)
		goto nomem;
	if ((url = spawn_env_server_url(c, o)) != NULL &&
	    spawn_env_set(e, "SUPERVISOR_SERVER_URL", url) < 0)
		goto nomem;
	for (ep = c->environment; ep && *ep; ep++)
		if (spawn_env_copy(e, *ep) < 0)
			goto nomem;
	if (c->environment_file != NULL &&
	    spawn_envfile_read(e, c->environment_file, err, errlen) < 0)
		return -1;
	/* A watchdog_sec process needs the socket to send WATCHDOG=1 even
	 * without readiness=notify; WATCHDOG_USEC tells it the interval
	 * (sd_watchdog_enabled(3); no WATCHDOG_PID: we cannot know the pid
	 * here, and sd_watchdog_enabled() accepts its absence). */
	if ((c->readiness == CONF_READINESS_NOTIFY || c->watchdog_sec > 0) &&
	    o->notify_socket &&
	    spawn_env_set(e, "NOTIFY_SOCKET", o->notify_socket) < 0)
		goto nomem;
	if (c->watchdog_sec > 0 && o->notify_socket) {
		char usec[32];

		snprintf(usec, sizeof(usec), "%llu",
		    (unsigned long long)(c->watchdog_sec * 1e6));
		if (spawn_env_set(e, "WATCHDOG_USEC", usec) < 0)
			goto nomem;
	}
	return 0;
nomem:
	snprintf(err, errlen, "environment: %s", strerror(ENOMEM));
	return -1;
}

/* ---------------------------------------------------------------------
 * Credentials, looked up in the parent
 */

/*
 * Resolve user= to uid, gid, supplementary groups and the passwd entry.
 * NSS may open sockets, take locks or load modules, which a freshly
 * cloned child should not do, so all of it happens here.
 */
int
spawn_cred_prepare(const struct conf_proc *c, struct spawn_plan *pl,
    struct passwd *pwbuf, char **pwstr, const struct passwd **pwout, char *err,
    size_t errlen)
{
	struct passwd *pw = NULL;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	int n;

	*pwout = NULL;
	if (c->user == NULL)
		return 0;
	pl->uid = c->uid;
	pl->gid = c->gid;
	if (sz < 1024)
		sz = 16384;
	*pwstr = malloc((size_t)sz);
	if (*pwstr == NULL)
		goto nomem;
	/* config.c resolved uid and gid; the passwd entry only adds the
	 * home, shell and group list, and must be the same user. */
	if (getpwnam_r(c->user, pwbuf, *pwstr, (size_t)sz, &pw) != 0 ||
	    pw == NULL || pw->pw_uid != c->uid) {
		pw = NULL;
		if (getpwuid_r(c->uid, pwbuf, *pwstr, (size_t)sz, &pw) != 0)
			pw = NULL;
	}
	*pwout = pw;
	/* Changing to ourselves needs no privilege (supervisord skips it
	 * too); anything else is attempted and fails in the child with
	 * EPERM if we are not root. */
	pl->setcred = geteuid() != pl->uid;
	if (!pl->setcred)
		return 0;

	n = 32;
	for (;;) {
		gid_t *g = realloc(pl->groups, (size_t)n * sizeof(*g));
		int got = n;

		if (g == NULL)
			goto nomem;
		pl->groups = g;
		if (pw == NULL) {
			g[0] = pl->gid;
			pl->ngroups = 1;
			break;
		}
		if (getgrouplist(pw->pw_name, pl->gid, g, &got) >= 0) {
			pl->ngroups = got;
			break;
		}
		if (got <= n || n > 65536) {
			snprintf(err, errlen, "getgrouplist(%s): failed",
			    pw->pw_name);
			return -1;
		}
		n = got;
	}
	return 0;
nomem:
	snprintf(err, errlen, "user %s: %s", c->user, strerror(ENOMEM));
	return -1;
}

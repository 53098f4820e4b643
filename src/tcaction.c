/*
 * tcaction.c: the verbs that act and print per-process results in
 * supervisorctl's words: start, stop, restart (-t, --rolling), signal,
 * clear, shutdown, and the reload family (reread, update, add, remove,
 * reload).
 */
#include "tc.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What a start/stop/signal result counts as: supervisorctl shrugs at
 * "already started" for start and "not running" for stop. */
struct tc_results {
	uint16_t type;
	int failed;
};

static int
tc_result_cb(struct tc *t, const struct rec *r, void *arg)
{
	struct tc_results *res = arg;
	long long fault = rec_int(r, "fault");
	const char *name = rec_str(r, "name");
	const char *detail = rec_get(r, "detail");

	if (fault == PROTO_F_OK) {
		printf("%s: %s\n", name, rec_str(r, "result"));
		return 0;
	}
	if (fault == PROTO_F_NO_SUCH_PROCESS)
		tc_print_unknown(name);
	else
		printf("%s: ERROR (%s)\n", name, rec_str(r, "result"));
	/* The why, which supervisorctl leaves to the logs. */
	if (detail != NULL && *detail != '\0')
		tc_err("%s: %s", name, detail);
	(void)fflush(stdout);
	if ((fault == PROTO_F_ALREADY_STARTED &&
	        (res->type == PROTO_REQ_START ||
	            res->type == PROTO_REQ_RESTART)) ||
	    (fault == PROTO_F_NOT_RUNNING &&
	        (res->type == PROTO_REQ_STOP ||
	            res->type == PROTO_REQ_RESTART)))
		return 0;
	res->failed = 1;
	return 0;
}

static int tc_rolling(
    struct tc *t, const struct verb *v, int argc, char **argv);

/*
 * start/stop/restart [-t SECONDS] NAME...: wait until each process got
 * there; with -t, tendd reports "ERROR (timed out)" for those that did
 * not in time (they carry on).  Without -t a start or stop waits as long
 * as tendd takes (startsecs, startretries and stopwaitsecs bound it) and
 * EOF tells if tendd dies.
 */
static int
tc_startstop(struct tc *t, const struct verb *v, uint16_t type, int argc,
    char **argv, struct tc_results *res)
{
	const char *opts[2] = {"timeout", tc_opt(t, "timeout")};
	struct tc local = *t;
	int rc;

	local.opts = opts;
	local.nopts = opts[1] != NULL;
	rc = tc_call(&local, v->name, type, argv, argc, CTLC_FOREVER,
	    tc_result_cb, res);
	if (rc != EXIT_OK)
		return rc;
	return res->failed ? EXIT_FAIL : EXIT_OK;
}

int
tc_action(struct tc *t, const struct verb *v, int argc, char **argv)
{
	struct tc_results res = {0};
	uint16_t type = v->type;
	int rc;

	/* -N n implies --rolling. */
	if (tc_opt(t, "rolling") != NULL || tc_opt(t, "N") != NULL) {
		if (tc_opt(t, "timeout") != NULL)
			return tc_usage_err(
			    v, "-t and --rolling cannot be combined");
		return tc_rolling(t, v, argc, argv);
	}
	res.type = type;
	if (type == PROTO_REQ_START || type == PROTO_REQ_STOP ||
	    type == PROTO_REQ_RESTART)
		return tc_startstop(t, v, type, argc, argv, &res);
	rc = tc_call(t, v->name, type, argv, argc,
	    type == PROTO_REQ_SIGNAL ? CTLC_REPLY_TIMEOUT : CTLC_FOREVER,
	    tc_result_cb, &res);
	if (rc != EXIT_OK)
		return rc;
	return res.failed ? EXIT_FAIL : EXIT_OK;
}

int
tc_shutdown(struct tc *t, const struct verb *v, int argc, char **argv)
{
	int rc;

	rc = tc_call(t, v->name, PROTO_REQ_SHUTDOWN, argv, argc, CTLC_FOREVER,
	    NULL, NULL);
	if (rc == EXIT_OK)
		printf("Shut down\n");
	return rc;
}

/* --- reread, update, add, remove, reload, restart --rolling ----------- */

/* One record of the reload family: a config error or a note (stderr),
 * "none", or a per-process result (as start's). */
static int
tc_reload_cb(struct tc *t, const struct rec *r, void *arg)
{
	const char *s;

	if ((s = rec_get(r, "error")) != NULL) {
		(void)fflush(stdout);
		fprintf(stderr, "%s\n", s);
		return 0;
	}
	if ((s = rec_get(r, "note")) != NULL) {
		tc_err("%s", s);
		return 0;
	}
	if ((s = rec_get(r, "none")) != NULL) {
		printf("%s\n", s);
		return 0;
	}
	return tc_result_cb(t, r, arg);
}

static int
tc_reload_call(
    struct tc *t, const struct verb *v, uint16_t type, char **argv, int argc)
{
	struct tc_results res = {0};
	int rc;

	res.type = type;
	/* update and reload wait for the stops and starts they cause, which
	 * tendd bounds with stopwaitsecs and startsecs. */
	rc = tc_call(t, v->name, type, argv, argc,
	    type == PROTO_REQ_REREAD ? CTLC_REPLY_TIMEOUT : CTLC_FOREVER,
	    tc_reload_cb, &res);
	if (rc != EXIT_OK)
		return rc;
	return res.failed ? EXIT_FAIL : EXIT_OK;
}

int
tc_reread(struct tc *t, const struct verb *v, int argc, char **argv)
{
	return tc_reload_call(t, v, PROTO_REQ_REREAD, argv, argc);
}

/* update [-n] [NAME...] and reload [-n]: the first field carries the
 * flags. */
int
tc_update(struct tc *t, const struct verb *v, int argc, char **argv)
{
	char **args, flags[2] = "";
	int rc;

	if (tc_opt(t, "dry-run") != NULL)
		flags[0] = 'n';
	args = tc_xmalloc(((size_t)argc + 2) * sizeof(*args));
	args[0] = flags;
	memcpy(args + 1, argv, (size_t)argc * sizeof(*args));
	rc = tc_reload_call(t, v, v->type, args, argc + 1);
	free(args);
	return rc;
}

/* add and remove answer per argument, in supervisorctl's words. */
enum tc_group_res {
	TC_GROUP_DONE = 0,
	TC_GROUP_ACTIVE,  /* add: already there */
	TC_GROUP_RUNNING, /* remove: a process still runs */
	TC_GROUP_UNKNOWN,
	TC_GROUP_FAILED, /* said as start says it */
};

struct tc_groups {
	char **names;
	int n;
	enum tc_group_res *res;
	bool answered; /* results came: the request was carried out */
};

/* Which argument named FULL (a fullname tendd answered for)? */
static int
tc_group_of(const struct tc_groups *g, const char *full)
{
	size_t n;
	int i;

	for (i = 0; i < g->n; i++) {
		n = strlen(g->names[i]);
		if (n > 2 && strcmp(g->names[i] + n - 2, ":*") == 0)
			n -= 2;
		if (strncmp(full, g->names[i], n) == 0 &&
		    (full[n] == '\0' || full[n] == ':'))
			return i;
	}
	return -1;
}

static int
tc_group_cb(struct tc *t, const struct rec *r, void *arg)
{
	struct tc_groups *g = arg;
	long long fault = rec_int(r, "fault");
	const char *result = rec_str(r, "result");
	enum tc_group_res res = TC_GROUP_FAILED;
	int i;

	if (rec_get(r, "none") != NULL)
		return 0; /* each argument gets its line */
	if (rec_get(r, "error") != NULL || rec_get(r, "note") != NULL)
		return tc_reload_cb(t, r, NULL);
	g->answered = true;
	if ((i = tc_group_of(g, rec_str(r, "name"))) < 0)
		return tc_result_cb(t, r, &(struct tc_results){0});
	if (fault == PROTO_F_OK)
		return 0;
	if (fault == PROTO_F_NO_SUCH_PROCESS)
		res = TC_GROUP_UNKNOWN;
	else if (strcmp(result, "already active") == 0)
		res = TC_GROUP_ACTIVE;
	else if (strcmp(result, "process still running") == 0)
		res = TC_GROUP_RUNNING;
	if (res == TC_GROUP_FAILED)
		(void)tc_result_cb(t, r, &(struct tc_results){0});
	if (g->res[i] == TC_GROUP_DONE)
		g->res[i] = res;
	return 1;
}

/* add/remove NAME...: "NAME: added process group", "ERROR: no such
 * process/group: NAME"... as supervisorctl prints them. */
int
tc_addremove(struct tc *t, const struct verb *v, int argc, char **argv)
{
	bool add = strcmp(v->name, "add") == 0;
	struct tc_groups g = {argv, argc, NULL, false};
	int i, rc;

	g.res = tc_xmalloc(((size_t)argc + 1) * sizeof(*g.res));
	memset(g.res, 0, ((size_t)argc + 1) * sizeof(*g.res));
	rc = tc_call(t, v->name, add ? PROTO_REQ_ADD : PROTO_REQ_REMOVE, argv,
	    argc, CTLC_FOREVER, tc_group_cb, &g);
	for (i = 0; i < argc && rc != EXIT_UNREACHABLE; i++) {
		if (g.res[i] == TC_GROUP_DONE && (rc == EXIT_OK || g.answered))
			printf("%s: %s process group\n", argv[i],
			    add ? "added" : "removed");
		else if (g.res[i] == TC_GROUP_ACTIVE)
			printf("ERROR: process group already active\n");
		else if (g.res[i] == TC_GROUP_RUNNING)
			printf("ERROR: process/group still running: %s\n",
			    argv[i]);
		else if (g.res[i] == TC_GROUP_UNKNOWN)
			printf("ERROR: no such process/group: %s\n", argv[i]);
	}
	free(g.res);
	return rc;
}

/* restart --rolling [-N n] NAME...: one batch of n at a time. */
static int
tc_rolling(struct tc *t, const struct verb *v, int argc, char **argv)
{
	const char *n = tc_opt(t, "N");
	char **args;
	int rc;

	args = tc_xmalloc(((size_t)argc + 2) * sizeof(*args));
	args[0] = (char *)(n != NULL ? n : "1");
	memcpy(args + 1, argv, (size_t)argc * sizeof(*args));
	rc = tc_reload_call(t, v, PROTO_REQ_ROLLING, args, argc + 1);
	free(args);
	return rc;
}

/* --- reexec ------------------------------------------------------------ */

/* After a reexec: the listening socket is the same, so a connection
 * waits in its backlog until the new tendd answers.  Its HELLO names it
 * and its pid (the same one: that is the point). */
static int
tc_reexec_wait(struct tc *t, long pid)
{
	static struct ctlc c;
	char err[512];
	int i;

	for (i = 0; i < 60; i++) {
		if (ctlc_open(&c, t->sock, err, sizeof(err)) == 0) {
			printf("tendd re-executed: %s, pid %ld\n", c.server,
			    c.server_pid);
			ctlc_close(&c);
			if (pid > 0 && c.server_pid != pid) {
				tc_err("reexec: tendd's pid changed (%ld, was "
				       "%ld)", c.server_pid, pid);
				return EXIT_FAIL;
			}
			return EXIT_OK;
		}
		(void)usleep(500000);
	}
	tc_err("reexec: %s", err);
	return EXIT_UNREACHABLE;
}

/* reexec [--dry-run]: tendd checks the binary at its path; unless a dry
 * run it then re-executes it, and we wait for the new one to answer. */
int
tc_reexec(struct tc *t, const struct verb *v, int argc, char **argv)
{
	static const char *const dry[] = {"dry_run", "1"};
	struct tc local = *t;
	struct recs rs = {0};
	const struct rec *r;
	bool dry_run = tc_opt(t, "dry-run") != NULL;
	int rc;

	local.opts = dry_run ? dry : NULL;
	local.nopts = dry_run ? 1 : 0;
	rc = tc_call(&local, v->name, PROTO_REQ_REEXEC, NULL, 0,
	    CTLC_REPLY_TIMEOUT, tc_collect_cb, &rs);
	if (rc != EXIT_OK || rs.n == 0) {
		recs_free(&rs);
		return rc != EXIT_OK ? rc : EXIT_FAIL;
	}
	r = &rs.v[0];
	printf("%s: state format %s, config %s: %s\n", rec_str(r, "binary"),
	    rec_str(r, "format"), rec_str(r, "config"), rec_str(r, "result"));
	recs_free(&rs);
	return dry_run ? EXIT_OK : tc_reexec_wait(t, tc_server_pid);
}

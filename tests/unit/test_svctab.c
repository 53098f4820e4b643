/*
 * test_svctab.c: the service table built from a hand-made tend_conf:
 * full names, the fresh state of each proc, name and pid lookups, and
 * every argument form of svctab_match() (supervisorctl's NAME,
 * GROUP:NAME, GROUP:*, all, plus a bare group name), and the reload diff
 * (svctab_plan_make, select, apply, commit, drop) on configs loaded from
 * temporary files.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "svctab.h"

/*
 * The table, in conf order:
 *   [program:web] numprocs=2      -> web:web_00, web:web_01
 *   [program:db]                  -> db
 *   [group:grp] programs=api,worker -> grp:api, grp:worker
 *   [group:svc] programs=svc,log  -> svc (group and name agree), svc:log
 *   [program:solo] group NULL     -> solo (no group recorded at all)
 */
static struct conf_proc procs[] = {
    {.name = "web_00", .program = "web", .group = "web", .numprocs = 2},
    {.name = "web_01",
        .program = "web",
        .group = "web",
        .numprocs = 2,
        .process_num = 1},
    {.name = "db", .program = "db", .group = "db", .numprocs = 1},
    {.name = "api", .program = "api", .group = "grp", .numprocs = 1},
    {.name = "worker", .program = "worker", .group = "grp", .numprocs = 1},
    {.name = "svc", .program = "svc", .group = "svc", .numprocs = 1},
    {.name = "log", .program = "log", .group = "svc", .numprocs = 1},
    {.name = "solo", .program = "solo", .group = NULL, .numprocs = 1},
};
#define NPROCS TEND_NELEM(procs)

static struct conf_proc *procp[NPROCS];
static struct tend_conf conf;
static struct svctab tab;
static struct proc_list list;

static int
setup(void **state)
{
	size_t i;

	for (i = 0; i < NPROCS; i++)
		procp[i] = &procs[i];
	memset(&conf, 0, sizeof(conf));
	conf.procs = procp;
	conf.nprocs = NPROCS;
	memset(&list, 0, sizeof(list));
	assert_int_equal(svctab_init(&tab, &conf), 0);
	return 0;
}

static int
teardown(void **state)
{
	proc_list_free(&list);
	svctab_free(&tab);
	return 0;
}

/* The list's full names, space-separated, for exact comparisons. */
static const char *
names(const struct proc_list *l)
{
	static char buf[512];
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < l->n; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s",
		    i ? " " : "", l->v[i]->fullname);
	return buf;
}

/* Match PATTERN into a fresh list; returns the count. */
static int
match(const char *pattern)
{
	proc_list_free(&list);
	return svctab_match(&tab, pattern, &list);
}

static void
test_init(void **state)
{
	static const char *const want[NPROCS] = {"web:web_00", "web:web_01",
	    "db", "grp:api", "grp:worker", "svc", "svc:log", "solo"};
	struct proc *p;
	size_t i;

	assert_int_equal(tab.nprocs, NPROCS);
	assert_ptr_equal(tab.conf, &conf);
	for (i = 0; i < NPROCS; i++) {
		p = tab.procs[i];
		assert_string_equal(p->fullname, want[i]);
		assert_ptr_equal(p->conf, &procs[i]);
		assert_int_equal(p->state, PROC_STOPPED);
		assert_int_equal(p->pid, 0);
		assert_int_equal(p->pidfd, -1);
		assert_int_equal(p->execfd, -1);
		assert_null(p->logcap);
		assert_int_equal(p->backoff, 0);
		assert_int_equal(p->spawns, 0);
		assert_false(p->lastexit.valid);
		assert_null(p->spawnerr);
		assert_false(p->removed);
	}
}

static void
test_init_empty(void **state)
{
	struct tend_conf empty;
	struct svctab t;

	memset(&empty, 0, sizeof(empty));
	assert_int_equal(svctab_init(&t, &empty), 0);
	assert_int_equal(t.nprocs, 0);
	assert_null(svctab_find(&t, "web"));
	assert_null(svctab_find_pid(&t, 1));
	memset(&list, 0, sizeof(list));
	assert_int_equal(svctab_match(&t, "all", &list), 0);
	assert_int_equal(list.n, 0);
	svctab_free(&t);
	svctab_free(&t); /* freeing twice is harmless: it was zeroed */
}

static void
test_find(void **state)
{
	assert_ptr_equal(svctab_find(&tab, "web:web_00"), tab.procs[0]);
	assert_ptr_equal(svctab_find(&tab, "web:web_01"), tab.procs[1]);
	assert_ptr_equal(svctab_find(&tab, "db"), tab.procs[2]);
	assert_ptr_equal(svctab_find(&tab, "grp:worker"), tab.procs[4]);
	assert_ptr_equal(svctab_find(&tab, "svc"), tab.procs[5]);
	assert_ptr_equal(svctab_find(&tab, "solo"), tab.procs[7]);
	/* Only full names: no bare process names, no GROUP:NAME spelling
	 * of a name that has no group, no prefixes. */
	assert_null(svctab_find(&tab, "api"));
	assert_null(svctab_find(&tab, "web_00"));
	assert_null(svctab_find(&tab, "db:db"));
	assert_null(svctab_find(&tab, "web:web_0"));
	assert_null(svctab_find(&tab, ""));
	assert_null(svctab_find(&tab, NULL));
}

static void
test_find_pid(void **state)
{
	tab.procs[1]->pid = 4242;
	tab.procs[6]->pid = 77;
	assert_ptr_equal(svctab_find_pid(&tab, 4242), tab.procs[1]);
	assert_ptr_equal(svctab_find_pid(&tab, 77), tab.procs[6]);
	assert_null(svctab_find_pid(&tab, 78));
	/* pid 0 is "no process" in every idle proc: never a match. */
	assert_null(svctab_find_pid(&tab, 0));
	assert_null(svctab_find_pid(&tab, -1));
	tab.procs[6]->pid = 0;
	assert_null(svctab_find_pid(&tab, 77));
}

static void
test_match_all(void **state)
{
	assert_int_equal(match("all"), (int)NPROCS);
	assert_string_equal(names(&list),
	    "web:web_00 web:web_01 db grp:api grp:worker svc svc:log solo");
}

static void
test_match_group_star(void **state)
{
	assert_int_equal(match("web:*"), 2);
	assert_string_equal(names(&list), "web:web_00 web:web_01");
	assert_int_equal(match("grp:*"), 2);
	assert_string_equal(names(&list), "grp:api grp:worker");
	assert_int_equal(match("svc:*"), 2);
	assert_string_equal(names(&list), "svc svc:log");
	assert_int_equal(match("db:*"), 1);
	assert_string_equal(names(&list), "db");
	/* A program without a recorded group is its own group. */
	assert_int_equal(match("solo:*"), 1);
	assert_string_equal(names(&list), "solo");
	/* supervisorctl's split_namespec: "GROUP:" is the whole group. */
	assert_int_equal(match("web:"), 2);
	assert_string_equal(names(&list), "web:web_00 web:web_01");
}

static void
test_match_group_name(void **state)
{
	assert_int_equal(match("web:web_01"), 1);
	assert_string_equal(names(&list), "web:web_01");
	assert_int_equal(match("grp:api"), 1);
	assert_string_equal(names(&list), "grp:api");
	/* The GROUP:NAME spelling of a process whose names agree. */
	assert_int_equal(match("db:db"), 1);
	assert_string_equal(names(&list), "db");
	assert_int_equal(match("svc:svc"), 1);
	assert_string_equal(names(&list), "svc");
}

static void
test_match_bare(void **state)
{
	/* A full name. */
	assert_int_equal(match("db"), 1);
	assert_string_equal(names(&list), "db");
	assert_int_equal(match("solo"), 1);
	assert_string_equal(names(&list), "solo");
	/* A bare group name: the whole group (numprocs > 1, [group:x]). */
	assert_int_equal(match("web"), 2);
	assert_string_equal(names(&list), "web:web_00 web:web_01");
	assert_int_equal(match("grp"), 2);
	assert_string_equal(names(&list), "grp:api grp:worker");
	/* A process named like its group wins over the group, as in
	 * supervisord ("svc" is svc:svc; "svc:*" is the group). */
	assert_int_equal(match("svc"), 1);
	assert_string_equal(names(&list), "svc");
}

static void
test_match_unknown(void **state)
{
	static const char *const bad[] = {
	    "nope",
	    "nope:*",
	    "nope:web_00",
	    "web:nope",
	    "web:web_0",
	    "we",
	    "we:*",
	    "web_00",
	    "api",
	    "grp:web_00",
	    "*",
	    ":",
	    ":*",
	    ":web_00",
	    "",
	    "ALL",
	    "Web",
	    "all:*",
	    "web:*:x",
	};
	size_t i;

	for (i = 0; i < TEND_NELEM(bad); i++) {
		memset(&list, 0, sizeof(list));
		if (svctab_match(&tab, bad[i], &list) != 0)
			fail_msg(
			    "pattern \"%s\" matched %s", bad[i], names(&list));
		assert_int_equal(list.n, 0);
		proc_list_free(&list);
	}
	assert_int_equal(svctab_match(&tab, NULL, &list), 0);
}

/* Matches accumulate in one list without duplicates; the count says how
 * many the pattern named, so "already listed" is not "no such process". */
static void
test_match_duplicates(void **state)
{
	assert_int_equal(svctab_match(&tab, "web:web_01", &list), 1);
	assert_int_equal(svctab_match(&tab, "web:*", &list), 2);
	assert_string_equal(names(&list), "web:web_01 web:web_00");
	assert_int_equal(svctab_match(&tab, "web", &list), 2);
	assert_int_equal(svctab_match(&tab, "web:web_00", &list), 1);
	assert_int_equal(svctab_match(&tab, "db", &list), 1);
	assert_int_equal(svctab_match(&tab, "db", &list), 1);
	assert_int_equal(svctab_match(&tab, "db:*", &list), 1);
	assert_string_equal(names(&list), "web:web_01 web:web_00 db");
	assert_int_equal(svctab_match(&tab, "all", &list), (int)NPROCS);
	assert_int_equal(list.n, NPROCS);
	assert_string_equal(names(&list),
	    "web:web_01 web:web_00 db grp:api grp:worker svc svc:log solo");
	assert_int_equal(svctab_match(&tab, "nope", &list), 0);
	assert_int_equal(list.n, NPROCS);
}

/* Lists grow past their first allocation. */
static void
test_match_growth(void **state)
{
	int i;

	for (i = 0; i < 3; i++)
		assert_int_equal(svctab_match(&tab, "all", &list), (int)NPROCS);
	assert_int_equal(list.n, NPROCS);
	proc_list_free(&list);
	assert_null(list.v);
	assert_int_equal(list.n, 0);
	assert_int_equal(list.cap, 0);
	proc_list_free(&list); /* twice is harmless */
}

/* --- reload: svctab_plan_make(), select, apply, commit, drop ---------- */

/* Load TEXT as a config from a temporary file. */
static struct tend_conf *
conf_from(const char *text)
{
	char path[] = "/tmp/test_svctab.XXXXXX";
	struct conf_errors errs = {0};
	struct tend_conf *c;
	FILE *fp;
	int fd;

	fd = mkstemp(path);
	assert_true(fd != -1);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	c = config_load(path, &errs);
	if (c == NULL && errs.n > 0)
		fail_msg("config: %s", errs.msgs[0]);
	config_errors_free(&errs);
	(void)unlink(path);
	assert_non_null(c);
	return c;
}

/* "NAME=change NAME=change ..." over the plan, for exact comparisons. */
static const char *
plan_str(const struct svctab_plan *plan, bool all)
{
	static const char *const abbr[] = {
	    [SVCTAB_UNCHANGED] = "same",
	    [SVCTAB_UPDATED] = "updated",
	    [SVCTAB_CHANGED] = "changed",
	    [SVCTAB_ADDED] = "added",
	    [SVCTAB_REMOVED] = "removed",
	};
	static char buf[1024];
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < plan->n; i++) {
		if (!all && !plan->v[i].selected)
			continue;
		used += (size_t)snprintf(buf + used, sizeof(buf) - used,
		    "%s%s=%s", used ? " " : "", plan->v[i].fullname,
		    abbr[plan->v[i].change]);
	}
	return buf;
}

struct reload_fixture {
	struct tend_conf *a, *b;
	struct svctab tab;
	struct svctab_plan plan;
};

static struct reload_fixture rf;

static void
reload_load(const char *before, const char *after)
{
	memset(&rf, 0, sizeof(rf));
	rf.a = conf_from(before);
	rf.b = conf_from(after);
	assert_int_equal(svctab_init(&rf.tab, rf.a), 0);
	assert_int_equal(svctab_plan_make(&rf.tab, rf.b, &rf.plan), 0);
}

static int
reload_teardown(void **state)
{
	svctab_plan_free(&rf.plan);
	svctab_free(&rf.tab);
	config_free(rf.a);
	config_free(rf.b);
	return 0;
}

#define PROG(name, extra)                                                      \
	"[program:" name "]\ncommand=/bin/sleep 100\n" extra "\n"

static void
test_plan_each_kind(void **state)
{
	reload_load(PROG("keep", "") PROG("gone", "") PROG("changed", "")
	                PROG("policy", "autorestart=false"),
	    PROG("keep", "") PROG("changed", "command=/bin/sleep 200")
	        PROG("policy", "autorestart=true") PROG("new", ""));
	/* New config order (priority, then as written), removed ones
	 * last. */
	assert_string_equal(plan_str(&rf.plan, true),
	    "keep=same changed=changed policy=updated new=added gone=removed");
	assert_int_equal(svctab_plan_count(&rf.plan), 4);
	assert_string_equal(svctab_change_name(SVCTAB_ADDED), "available");
	assert_string_equal(svctab_change_name(SVCTAB_CHANGED), "changed");
	assert_string_equal(svctab_change_name(SVCTAB_REMOVED), "disappeared");
}

static void
test_plan_identical(void **state)
{
	reload_load(PROG("a", "") PROG("b",
	                "numprocs=2\n"
	                "process_name=%(program_name)s_%(process_num)d"),
	    PROG("a", "")
	        PROG("b", "numprocs=2\n"
	                  "process_name=%(program_name)s_%(process_num)d"));
	assert_string_equal(
	    plan_str(&rf.plan, true), "a=same b:b_0=same b:b_1=same");
	assert_int_equal(svctab_plan_count(&rf.plan), 0);
}

#define POOL(n)                                                                \
	"[program:web]\ncommand=/bin/sleep 100\nnumprocs=" n "\n"              \
	"process_name=%(program_name)s_%(process_num)d\n"

static void
test_plan_numprocs_up(void **state)
{
	reload_load(POOL("2"), POOL("4"));
	/* Only the new processes: the running two keep going. */
	assert_string_equal(plan_str(&rf.plan, true),
	    "web:web_0=same web:web_1=same web:web_2=added web:web_3=added");
}

static void
test_plan_numprocs_down(void **state)
{
	reload_load(POOL("4"), POOL("2"));
	/* The highest ones go. */
	assert_string_equal(plan_str(&rf.plan, true),
	    "web:web_0=same web:web_1=same web:web_2=removed "
	    "web:web_3=removed");
}

#define GROUP "[group:g]\nprograms=a,b\n"

static void
test_plan_group_member(void **state)
{
	reload_load(GROUP PROG("a", "") PROG("b", ""),
	    GROUP PROG("a", "") PROG("b", "environment=X=1"));
	/* One program of a group changes: that program alone restarts. */
	assert_string_equal(plan_str(&rf.plan, true), "g:a=same g:b=changed");
}

static void
test_plan_group_move(void **state)
{
	reload_load(
	    PROG("a", "") PROG("b", ""), GROUP PROG("a", "") PROG("b", ""));
	/* A new group means new full names: out of the old, into the new
	 * one (supervisord's group membership rule). */
	assert_string_equal(plan_str(&rf.plan, true),
	    "g:a=added g:b=added a=removed b=removed");
}

static void
test_plan_policy_keys(void **state)
{
	reload_load(
	    PROG("a", "priority=5\nstartretries=3\nstdout_logfile_maxbytes=1MB")
	        PROG("b", "stopsignal=TERM"),
	    PROG("a", "priority=6\nstartretries=9\nstdout_logfile_maxbytes=1MB")
	        PROG("b", "stopsignal=INT"));
	/* Policy keys apply without a restart; stopsignal is how the
	 * running process is stopped, which counts. */
	assert_string_equal(plan_str(&rf.plan, true), "a=updated b=changed");
}

static void
test_plan_select(void **state)
{
	reload_load(GROUP PROG("a", "") PROG("b", "") PROG("c", "") POOL("2"),
	    GROUP PROG("a", "autostart=false") PROG("b", "command=/bin/true")
	        PROG("d", "") POOL("3"));
	svctab_plan_select_none(&rf.plan);
	assert_string_equal(plan_str(&rf.plan, false), "");
	/* A program name inside a group selects that program. */
	assert_int_equal(svctab_plan_select(&rf.plan, "b"), 1);
	assert_string_equal(plan_str(&rf.plan, false), "g:b=changed");
	assert_int_equal(svctab_plan_select(&rf.plan, "web"), 3);
	assert_int_equal(svctab_plan_select(&rf.plan, "g:*"), 2);
	assert_int_equal(svctab_plan_select(&rf.plan, "c"), 1);
	assert_int_equal(svctab_plan_select(&rf.plan, "nope"), 0);
	assert_int_equal(svctab_plan_select(&rf.plan, "web:web_9"), 0);
	assert_string_equal(plan_str(&rf.plan, false),
	    "g:a=updated g:b=changed web:web_0=same web:web_1=same "
	    "web:web_2=added c=removed");
	assert_int_equal(svctab_plan_count(&rf.plan), 4);
	svctab_plan_select_none(&rf.plan);
	assert_int_equal(svctab_plan_select(&rf.plan, "all"), 7);
}

static void
test_apply(void **state)
{
	struct proc *keep, *gone, *changed, *policy, *p;

	reload_load(PROG("keep", "") PROG("gone", "") PROG("changed", "")
	                PROG("policy", "autorestart=false"),
	    PROG("keep", "") PROG("changed", "command=/bin/sleep 200")
	        PROG("policy", "autorestart=true") PROG("new", ""));
	keep = svctab_find(&rf.tab, "keep");
	gone = svctab_find(&rf.tab, "gone");
	changed = svctab_find(&rf.tab, "changed");
	policy = svctab_find(&rf.tab, "policy");
	keep->pid = 42; /* a running process keeps its struct */
	assert_int_equal(svctab_apply(&rf.tab, rf.b, &rf.plan), 0);
	assert_ptr_equal(rf.tab.conf, rf.b);
	/* The new config's order, removed ones last. */
	assert_int_equal(rf.tab.nprocs, 5);
	assert_ptr_equal(rf.tab.procs[0], keep);
	assert_ptr_equal(rf.tab.procs[1], changed);
	assert_ptr_equal(rf.tab.procs[2], policy);
	assert_string_equal(rf.tab.procs[3]->fullname, "new");
	assert_ptr_equal(rf.tab.procs[4], gone);
	/* Unchanged and policy-only: repointed now, same struct. */
	assert_ptr_equal(keep->conf, config_find_proc(rf.b, "keep"));
	assert_int_equal(keep->pid, 42);
	assert_ptr_equal(policy->conf, config_find_proc(rf.b, "policy"));
	assert_null(policy->next_conf);
	/* Changed: keeps its old config until it has stopped. */
	assert_ptr_equal(changed->conf, config_find_proc(rf.a, "changed"));
	assert_ptr_equal(changed->next_conf, config_find_proc(rf.b, "changed"));
	assert_true(gone->removed);
	p = svctab_find(&rf.tab, "new");
	assert_ptr_equal(rf.plan.v[3].p, p);
	assert_int_equal(p->state, PROC_STOPPED);
	assert_int_equal(p->pidfd, -1);
	assert_ptr_equal(p->conf, config_find_proc(rf.b, "new"));
	/* Once stopped, the changed one takes the new config. */
	assert_int_equal(svctab_commit(&rf.tab, changed), 0);
	assert_ptr_equal(changed->conf, config_find_proc(rf.b, "changed"));
	assert_null(changed->next_conf);
	assert_int_equal(svctab_drop(&rf.tab, gone), 0);
	assert_int_equal(rf.tab.nprocs, 4);
	assert_null(svctab_find(&rf.tab, "gone"));
	/* Nothing points into the old config any more. */
	for (size_t i = 0; i < rf.tab.nprocs; i++)
		assert_ptr_not_equal(rf.tab.procs[i]->conf,
		    config_find_proc(rf.a, rf.tab.procs[i]->fullname));
}

static void
test_apply_partial(void **state)
{
	struct proc *a, *b, *c;

	reload_load(PROG("a", "") PROG("b", "") PROG("c", ""),
	    PROG("a", "autostart=false") PROG("b", "command=/bin/true")
	        PROG("n", ""));
	a = svctab_find(&rf.tab, "a");
	b = svctab_find(&rf.tab, "b");
	c = svctab_find(&rf.tab, "c");
	svctab_plan_select_none(&rf.plan);
	assert_int_equal(svctab_plan_select(&rf.plan, "a"), 1);
	assert_int_equal(svctab_apply(&rf.tab, rf.b, &rf.plan), 0);
	/* Only a was acted on: b keeps its config, n is not added, c is not
	 * removed. */
	assert_ptr_equal(a->conf, config_find_proc(rf.b, "a"));
	assert_ptr_equal(b->conf, config_find_proc(rf.a, "b"));
	assert_null(b->next_conf);
	assert_false(c->removed);
	assert_null(svctab_find(&rf.tab, "n"));
	assert_int_equal(rf.tab.nprocs, 3);
}

static void
test_plan_removed_comes_back(void **state)
{
	struct svctab_plan again;
	struct proc *b;

	reload_load(PROG("a", "") PROG("b", ""), PROG("a", ""));
	b = svctab_find(&rf.tab, "b");
	assert_int_equal(svctab_apply(&rf.tab, rf.b, &rf.plan), 0);
	assert_true(b->removed);
	/* b is still stopping when a config holding it again comes: the
	 * same proc takes it, there are never two b. */
	assert_int_equal(svctab_plan_make(&rf.tab, rf.a, &again), 0);
	assert_string_equal(plan_str(&again, true), "a=same b=changed");
	assert_int_equal(svctab_apply(&rf.tab, rf.a, &again), 0);
	assert_false(b->removed);
	assert_ptr_equal(b->next_conf, config_find_proc(rf.a, "b"));
	assert_int_equal(rf.tab.nprocs, 2);
	svctab_plan_free(&again);
}

static void
test_plan_to_nothing(void **state)
{
	reload_load(PROG("a", "") PROG("b", ""), PROG("b", ""));
	svctab_plan_free(&rf.plan);
	/* No config: everything is removed (tendctl remove's plan). */
	assert_int_equal(svctab_plan_make(&rf.tab, NULL, &rf.plan), 0);
	assert_string_equal(plan_str(&rf.plan, true), "a=removed b=removed");
}

/* depends_on resolved to procs: a program name is all its processes,
 * "GROUP:*" every process of the group; reverse edges follow; a process
 * never depends on itself through its own group. */
static void
test_link_deps(void **state)
{
	static char *on_db[] = {"db", NULL};
	static char *on_grp[] = {"grp:*", "db", "web", NULL};
	static char *on_own[] = {"svc:*", NULL};
	static struct conf_proc dprocs[] = {
	    {.name = "web_00",
	        .program = "web",
	        .group = "web",
	        .depends_on = on_db},
	    {.name = "web_01",
	        .program = "web",
	        .group = "web",
	        .depends_on = on_db},
	    {.name = "db", .program = "db", .group = "db"},
	    {.name = "api", .program = "api", .group = "grp"},
	    {.name = "worker", .program = "worker", .group = "grp"},
	    {.name = "solo",
	        .program = "solo",
	        .group = NULL,
	        .depends_on = on_grp},
	    {.name = "log",
	        .program = "log",
	        .group = "svc",
	        .depends_on = on_own},
	    {.name = "svc", .program = "svc", .group = "svc"},
	};
	struct conf_proc *dp[TEND_NELEM(dprocs)];
	struct tend_conf dconf;
	struct svctab dtab;
	struct proc *web0, *db, *solo, *log, *svc;
	size_t i;

	(void)state;
	for (i = 0; i < TEND_NELEM(dprocs); i++)
		dp[i] = &dprocs[i];
	memset(&dconf, 0, sizeof(dconf));
	dconf.procs = dp;
	dconf.nprocs = TEND_NELEM(dprocs);
	assert_int_equal(svctab_init(&dtab, &dconf), 0);
	web0 = svctab_find(&dtab, "web:web_00");
	db = svctab_find(&dtab, "db");
	solo = svctab_find(&dtab, "solo");
	log = svctab_find(&dtab, "svc:log");
	svc = svctab_find(&dtab, "svc");
	assert_non_null(web0);
	assert_int_equal(web0->ndeps, 1);
	assert_ptr_equal(web0->deps[0], db);
	/* db: both web processes and solo depend on it */
	assert_int_equal(db->nrdeps, 3);
	assert_int_equal(db->ndeps, 0);
	/* solo: grp:* (api, worker), db, web (both processes), no dups */
	assert_int_equal(solo->ndeps, 5);
	assert_string_equal(solo->deps[0]->fullname, "grp:api");
	assert_string_equal(solo->deps[1]->fullname, "grp:worker");
	assert_ptr_equal(solo->deps[2], db);
	assert_int_equal(solo->nrdeps, 0);
	/* svc:* from within svc: the other member only */
	assert_int_equal(log->ndeps, 1);
	assert_ptr_equal(log->deps[0], svc);
	assert_int_equal(svc->nrdeps, 1);
	/* relinking is idempotent */
	assert_int_equal(svctab_link_deps(&dtab), 0);
	assert_int_equal(solo->ndeps, 5);
	assert_int_equal(db->nrdeps, 3);
	svctab_free(&dtab);
}

/* Notes: NULL while empty, cut to their maximum, freed when emptied. */
static void
test_note(void **state)
{
	char *note = NULL;
	const char *before;
	char long_text[300];

	(void)state;
	assert_string_equal(svctab_note(note), "");
	svctab_note_set(&note, 16, "dependency %s is %s", "db", "FATAL");
	assert_string_equal(note, "dependency db i"); /* 15 bytes + NUL */
	before = note;
	svctab_note_set(&note, 16, "dependency %s is %s", "db", "FATAL");
	assert_ptr_equal(note, before); /* same text: kept as is */
	svctab_note_set(&note, 16, "%s", note); /* its own text as input */
	assert_string_equal(note, "dependency db i");
	svctab_note_set(&note, 16, "%s", "");
	assert_null(note);
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	svctab_note_set(&note, SVCTAB_SPAWNERR_MAX, "%s", long_text);
	assert_int_equal(strlen(note), SVCTAB_SPAWNERR_MAX - 1);
	svctab_note_clear(&note);
	assert_null(note);
	svctab_note_clear(&note); /* twice is harmless */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define R(f) cmocka_unit_test_teardown(f, reload_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_init),
	    T(test_init_empty),
	    T(test_find),
	    T(test_find_pid),
	    T(test_match_all),
	    T(test_match_group_star),
	    T(test_match_group_name),
	    T(test_match_bare),
	    T(test_match_unknown),
	    T(test_match_duplicates),
	    T(test_match_growth),
	    R(test_plan_each_kind),
	    R(test_plan_identical),
	    R(test_plan_numprocs_up),
	    R(test_plan_numprocs_down),
	    R(test_plan_group_member),
	    R(test_plan_group_move),
	    R(test_plan_policy_keys),
	    R(test_plan_select),
	    R(test_apply),
	    R(test_apply_partial),
	    R(test_plan_removed_comes_back),
	    R(test_plan_to_nothing),
	    cmocka_unit_test(test_link_deps),
	    cmocka_unit_test(test_note),
	};

	return cmocka_run_group_tests_name("svctab", tests, NULL, NULL);
}

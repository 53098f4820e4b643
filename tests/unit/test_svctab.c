/*
 * test_svctab.c: the service table built from a hand-made tend_conf:
 * full names, the fresh state of each proc, name and pid lookups, and
 * every argument form of svctab_match() (supervisorctl's NAME,
 * GROUP:NAME, GROUP:*, all, plus a bare group name).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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
		assert_string_equal(p->spawnerr, "");
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

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

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
	};

	return cmocka_run_group_tests_name("svctab", tests, NULL, NULL);
}

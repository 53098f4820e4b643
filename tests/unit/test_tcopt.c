/*
 * test_tcopt.c: tendctl's option parser (src/tcopt.c): every spec of
 * req.def parses, the positional forms scripts use (supervisorctl's `tail
 * -f NAME`, `tail -100 NAME`, `tail NAME stderr`), attached values, `--`,
 * and each kind of usage error with the message the spec makes.
 */
#include "tc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* req.def's verbs: name, positional words, spec. */
static const struct verb verbs[] = {
#define VERB(req, name, args, fn, help, min, max, flags, spec)                 \
	{name, args, NULL, help, min, max, flags, spec, 0},
#define NOVERB
#define REQ(name, num, handler, flags, opts, verb) verb
#include "req.def"
#undef REQ
#undef NOVERB
#undef VERB
    {NULL, NULL, NULL, NULL, 0, 0, 0, NULL, 0},
};

static const struct verb *
verb(const char *name)
{
	const struct verb *v;

	for (v = verbs; v->name != NULL; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	fail_msg("no verb %s in req.def", name);
	return NULL;
}

static struct tc_opts o;
static char err[256];
static char *words[16];
static int nwords;

/* Parse the words of LINE (blank-separated) for VERB. */
static int
parse(const char *vname, const char *line)
{
	static char buf[256];
	char *w, *save = NULL;

	(void)snprintf(buf, sizeof(buf), "%s", line);
	nwords = 0;
	for (w = strtok_r(buf, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save))
		words[nwords++] = w;
	words[nwords] = NULL;
	err[0] = '\0';
	return tc_opts_parse(verb(vname), &o, &nwords, words, err, sizeof(err));
}

static void
test_every_spec_parses(void **state)
{
	const struct verb *v;
	struct tc_opts spec;
	char line[160];

	for (v = verbs; v->name != NULL; v++) {
		assert_int_equal(tc_optspec(v->opts, &spec), 0);
		tc_usage_line(v, line, sizeof(line));
		assert_true(strncmp(line, v->name, strlen(v->name)) == 0);
	}
	tc_usage_line(verb("restart"), line, sizeof(line));
	assert_string_equal(line, "restart [-t SECS] [--rolling] [-N n] NAME...");
	tc_usage_line(verb("tail"), line, sizeof(line));
	assert_string_equal(
	    line, "tail [-f] [-BYTES] [-n LINES] NAME [stdout|stderr]");
	tc_usage_line(verb("reexec"), line, sizeof(line));
	assert_string_equal(line, "reexec [--dry-run]");
	/* malformed specs */
	assert_int_equal(tc_optspec("t", &spec), -1);
	assert_int_equal(tc_optspec("-t ", &spec), -1);
	assert_int_equal(tc_optspec("-a|-b|-c|-d|-e|-f|-g|-h|-i", &spec), -1);
}

static void
test_tail_positional_forms(void **state)
{
	assert_int_equal(parse("tail", "-f web"), 0);
	assert_string_equal(tc_opts_get(&o, "f"), "");
	assert_null(tc_opts_get(&o, "BYTES"));
	assert_int_equal(nwords, 1);
	assert_string_equal(words[0], "web");

	assert_int_equal(parse("tail", "-100 web"), 0);
	assert_string_equal(tc_opts_get(&o, "BYTES"), "100");
	assert_null(tc_opts_get(&o, "f"));
	assert_int_equal(nwords, 1);

	assert_int_equal(parse("tail", "web stderr"), 0);
	assert_int_equal(nwords, 2);
	assert_string_equal(words[1], "stderr");

	assert_int_equal(parse("tail", "-f -1600 web stderr"), 0);
	assert_string_equal(tc_opts_get(&o, "BYTES"), "1600");
	assert_int_equal(nwords, 2);

	assert_int_equal(parse("tail", "-n1 web"), 0);
	assert_string_equal(tc_opts_get(&o, "n"), "1");
	assert_int_equal(parse("tail", "-n 5 web"), 0);
	assert_string_equal(tc_opts_get(&o, "n"), "5");
	assert_string_equal(words[0], "web");
}

static void
test_values_and_order(void **state)
{
	/* options after the names, attached values, long forms */
	assert_int_equal(parse("start", "web -t 5"), 0);
	assert_string_equal(tc_opts_get(&o, "timeout"), "5");
	assert_int_equal(nwords, 1);
	assert_int_equal(parse("stop", "-t0.5 a b"), 0);
	assert_string_equal(tc_opts_get(&o, "timeout"), "0.5");
	assert_int_equal(nwords, 2);
	assert_int_equal(parse("start", "--timeout=7 web"), 0);
	assert_string_equal(tc_opts_get(&o, "timeout"), "7");
	assert_int_equal(parse("restart", "--rolling -N 2 web:*"), 0);
	assert_string_equal(tc_opts_get(&o, "rolling"), "");
	assert_string_equal(tc_opts_get(&o, "N"), "2");
	assert_null(tc_opts_get(&o, "timeout"));
	assert_int_equal(parse("update", "--dry-run web"), 0);
	assert_string_equal(tc_opts_get(&o, "dry-run"), "");
	assert_int_equal(parse("update", "-n"), 0);
	assert_string_equal(tc_opts_get(&o, "dry-run"), "");
	assert_int_equal(parse("events", "--since=4 --no-follow"), 0);
	assert_string_equal(tc_opts_get(&o, "since"), "4");
	assert_string_equal(tc_opts_get(&o, "no-follow"), "");
	/* `--` ends the options; a lone `-` is a word */
	assert_int_equal(parse("start", "-- -odd -"), 0);
	assert_int_equal(nwords, 2);
	assert_string_equal(words[0], "-odd");
	assert_string_equal(words[1], "-");
	/* a verb without options takes every word as it is */
	assert_int_equal(parse("signal", "-9 web"), 0);
	assert_int_equal(nwords, 2);
	assert_string_equal(words[0], "-9");
}

static void
test_usage_errors(void **state)
{
	static const struct {
		const char *verb, *line, *msg;
	} bad[] = {
	    {"restart", "-q web", "restart: bad option -q"},
	    {"events", "--bogus", "events: bad option --bogus"},
	    {"tail", "-x t", "tail: bad option -x"},
	    {"start", "-t", "start: -t needs an argument (SECS)"},
	    {"events", "--since", "events: --since needs an argument (SEQ)"},
	    {"start", "-t 0 web",
	        "start: -t needs a number of seconds above 0, not '0'"},
	    {"stop", "--timeout=x web",
	        "stop: -t needs a number of seconds above 0, not 'x'"},
	    {"start", "-t 1e7 web",
	        "start: -t needs a number of seconds above 0, not '1e7'"},
	    {"restart", "-N 0 web", "restart: -N needs a positive number, "
	                            "not '0'"},
	    {"restart", "-Nx web", "restart: -N needs a positive number, "
	                           "not 'x'"},
	    {"events", "--since -3", "events: --since needs a number, not '-3'"},
	    {"tail", "-n x t", "tail: -n needs a number, not 'x'"},
	    {"tail", "-12x t", "tail: -BYTES needs a number, not '12x'"},
	    {"update", "--dry-run=1", "update: --dry-run takes no value"},
	    {"update", "-nq", "update: -nq takes no value"},
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i].verb, bad[i].line) != -1)
			fail_msg("%s %s: accepted", bad[i].verb, bad[i].line);
		if (strcmp(err, bad[i].msg) != 0)
			fail_msg("%s %s: '%s', not '%s'", bad[i].verb,
			    bad[i].line, err, bad[i].msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_spec_parses),
	    cmocka_unit_test(test_tail_positional_forms),
	    cmocka_unit_test(test_values_and_order),
	    cmocka_unit_test(test_usage_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

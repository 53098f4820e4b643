/*
 * test_expand.c: supervisord's interpolation, shlex word splitting and
 * quoting, checked against what Python does with the same input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "expand.h"

static const struct expand_var vars[] = {
    {"group_name", "pool", false},
    {"here", "/etc/tend", false},
    {"process_num", "7", true},
    {"program_name", "web", false},
};

static char *const envp[] = {"HOME=/home/u", "EMPTY=", NULL};

/* Expand IN and compare with WANT (or, WANT NULL, with the error ERR). */
static void
check(const char *in, const char *want, const char *werr)
{
	char err[512] = "";
	char *out = expand_interpolate(in, vars, 4, envp, err, sizeof(err));

	if (want != NULL) {
		assert_non_null(out);
		assert_string_equal(out, want);
	} else {
		assert_null(out);
		assert_int_equal(errno, EINVAL);
		assert_string_equal(err, werr);
	}
	free(out);
}

static void
test_interpolate_plain(void **state)
{
	(void)state;
	check("", "", NULL);
	check("no percent", "no percent", NULL);
	check("%(program_name)s", "web", NULL);
	check("%(group_name)s:%(program_name)s", "pool:web", NULL);
	check("%(here)s/x.log", "/etc/tend/x.log", NULL);
	check("100%%", "100%", NULL);
	check("%%(program_name)s", "%(program_name)s", NULL);
}

static void
test_interpolate_widths(void **state)
{
	(void)state;
	check("%(process_num)d", "7", NULL);
	check("%(process_num)02d", "07", NULL);
	check("w_%(process_num)03d", "w_007", NULL);
	check("%(process_num)-3d|", "7  |", NULL);
	check("%(process_num)3d", "  7", NULL);
	check("%(process_num)+d", "+7", NULL);
	check("%(process_num).3d", "007", NULL);
	check("%(process_num)i", "7", NULL);
	check("%(process_num)s", "7", NULL);
	check("%(program_name)5s|", "  web|", NULL);
	check("%(program_name)-5s|", "web  |", NULL);
	check("%(program_name).2s", "we", NULL);
}

static void
test_interpolate_env(void **state)
{
	(void)state;
	check("%(ENV_HOME)s/.cache", "/home/u/.cache", NULL);
	check("[%(ENV_EMPTY)s]", "[]", NULL);
	check("%(ENV_NOPE)s", NULL,
	    "%(ENV_NOPE): NOPE is not set in tendd's environment");
}

static void
test_interpolate_errors(void **state)
{
	(void)state;
	check("%(nope)s", NULL,
	    "%(nope): unknown name 'nope' (known: group_name, here, process_num, program_name, ENV_*)");
	check("50%", NULL, "stray '%' in '50%' (write %% for a literal %)");
	check("date +%s", NULL,
	    "stray '%' in 'date +%s' (write %% for a literal %)");
	check("%(program_name", NULL, "'%(' without ')' in '%(program_name'");
	check("%(program_name)", NULL,
	    "%(program_name) must be followed by a conversion such as s or d");
	check("%(program_name)x", NULL,
	    "%(program_name) must be followed by a conversion such as s or d");
	check("%(program_name)d", NULL,
	    "%(program_name)d: 'web' is not a number");
	check("%(process_num)99999d", NULL,
	    "%(process_num) must be followed by a conversion such as s or d");
}

static void
test_interpolate_no_env(void **state)
{
	char err[256];
	char *out;

	(void)state;
	out =
	    expand_interpolate("%(ENV_HOME)s", vars, 1, NULL, err, sizeof(err));
	assert_null(out);
	assert_string_equal(
	    err, "%(ENV_HOME): unknown name 'ENV_HOME' (known: group_name)");
}

/* Split S and compare with the NULL-terminated WANT list. */
static void
split_ok(const char *s, const char *const *want)
{
	char err[128] = "";
	char **argv;
	int n, i;

	n = expand_split(s, &argv, err, sizeof(err));
	assert_string_equal(err, "");
	assert_non_null(argv);
	for (i = 0; want[i] != NULL; i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], want[i]);
	}
	assert_null(argv[i]);
	assert_int_equal(n, i);
	expand_free_argv(argv);
}

static void
split_err(const char *s, const char *werr)
{
	char err[128] = "";
	char **argv = (char **)1;

	assert_int_equal(expand_split(s, &argv, err, sizeof(err)), -1);
	assert_null(argv);
	assert_string_equal(err, werr);
}

static void
test_split_words(void **state)
{
	(void)state;
	split_ok("", (const char *[]){NULL});
	split_ok("   \t\n ", (const char *[]){NULL});
	split_ok("/bin/sleep 10", (const char *[]){"/bin/sleep", "10", NULL});
	split_ok("  a   b\tc\nd  ", (const char *[]){"a", "b", "c", "d", NULL});
	split_ok("sleep", (const char *[]){"sleep", NULL});
}

static void
test_split_quotes(void **state)
{
	(void)state;
	split_ok("sh -c 'echo hi; exit 3'",
	    (const char *[]){"sh", "-c", "echo hi; exit 3", NULL});
	split_ok(
	    "echo \"a b\" 'c d'", (const char *[]){"echo", "a b", "c d", NULL});
	split_ok("a'b'\"c\"d", (const char *[]){"abcd", NULL});
	split_ok("'' x \"\"", (const char *[]){"", "x", "", NULL});
	split_ok("'a\\b'", (const char *[]){"a\\b", NULL});
	split_ok("\"a\\\"b\\\\c\\d\"", (const char *[]){"a\"b\\c\\d", NULL});
	split_ok("\"it's\"", (const char *[]){"it's", NULL});
	split_ok("'say \"hi\"'", (const char *[]){"say \"hi\"", NULL});
	split_ok("# not a comment",
	    (const char *[]){"#", "not", "a", "comment", NULL});
}

static void
test_split_backslash(void **state)
{
	(void)state;
	split_ok("a\\ b c", (const char *[]){"a b", "c", NULL});
	split_ok("\\'x", (const char *[]){"'x", NULL});
	split_ok("\\\\", (const char *[]){"\\", NULL});
}

static void
test_split_errors(void **state)
{
	(void)state;
	split_err("sh -c 'echo", "unbalanced single quote");
	split_err("echo \"abc", "unbalanced double quote");
	split_err("echo \"a\\\"", "unbalanced double quote");
	split_err("echo a\\", "trailing backslash");
}

static void
test_quote(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"plain", "plain"},
	    {"/usr/bin/x", "/usr/bin/x"},
	    {"a=b,c:d@e%f+g", "a=b,c:d@e%f+g"},
	    {"", "''"},
	    {"a b", "'a b'"},
	    {"it's", "'it'\"'\"'s'"},
	    {"$HOME", "'$HOME'"},
	};
	char *q;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		q = expand_quote(cases[i].in);
		assert_non_null(q);
		assert_string_equal(q, cases[i].out);
		free(q);
	}
}

/* quote() then split() gives the word back. */
static void
test_quote_roundtrip(void **state)
{
	static const char *const words[] = {
	    "a b", "it's", "", "x\"y", "\\", "tab\there"};
	char *q, **argv, err[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		q = expand_quote(words[i]);
		assert_non_null(q);
		assert_int_equal(expand_split(q, &argv, err, sizeof(err)), 1);
		assert_string_equal(argv[0], words[i]);
		expand_free_argv(argv);
		free(q);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_interpolate_plain),
	    cmocka_unit_test(test_interpolate_widths),
	    cmocka_unit_test(test_interpolate_env),
	    cmocka_unit_test(test_interpolate_errors),
	    cmocka_unit_test(test_interpolate_no_env),
	    cmocka_unit_test(test_split_words),
	    cmocka_unit_test(test_split_quotes),
	    cmocka_unit_test(test_split_backslash),
	    cmocka_unit_test(test_split_errors),
	    cmocka_unit_test(test_quote),
	    cmocka_unit_test(test_quote_roundtrip),
	};

	return cmocka_run_group_tests_name("expand", tests, NULL, NULL);
}

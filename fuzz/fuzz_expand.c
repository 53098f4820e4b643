/*
 * fuzz_expand.c: "%(...)s" interpolation and shell-word splitting
 * (expand.c), as config values go through them: interpolate, then split
 * the result.  Each word also goes through expand_quote() and back: the
 * quoted form must split into exactly that word again.
 */
#include "fuzz.h"

#include "expand.h"

#include <stdlib.h>
#include <string.h>

static const struct expand_var fuzz_vars[] = {
    {"program_name", "web", false},
    {"process_num", "7", true},
    {"numprocs", "12", true},
    {"group_name", "pool", false},
    {"here", "/etc/tend", false},
    {"host_node_name", "host", false},
};

static char *const fuzz_env[] = {"HOME=/root", "X=%(x)s", "EMPTY=", NULL};

static void
fuzz_round_trip(const char *word)
{
	char err[256], **argv = NULL;
	char *q = expand_quote(word);

	if (q == NULL)
		abort();
	if (expand_split(q, &argv, err, sizeof(err)) != 1 ||
	    strcmp(argv[0], word) != 0)
		abort(); /* quote() and split() disagree */
	expand_free_argv(argv);
	free(q);
}

static void
fuzz_split(const char *s)
{
	char err[256], **argv = NULL;
	int i, n = expand_split(s, &argv, err, sizeof(err));

	if (n < 0)
		return;
	for (i = 0; i < n; i++)
		fuzz_round_trip(argv[i]);
	if (argv[n] != NULL)
		abort();
	expand_free_argv(argv);
}

FUZZ_TARGET(expand)(const uint8_t *data, size_t size)
{
	char err[256];
	char *in = fuzz_string(data, size);
	char *out = expand_interpolate(in, fuzz_vars,
	    sizeof(fuzz_vars) / sizeof(fuzz_vars[0]), fuzz_env, err,
	    sizeof(err));

	if (out != NULL) {
		fuzz_split(out);
		free(out);
	}
	fuzz_split(in);
	free(in);
	return 0;
}

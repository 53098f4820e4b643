/*
 * tcshell.c: the interactive shell: lines split as supervisorctl splits
 * them, libedit loaded with dlopen(3) when the shell starts (HACKING.md,
 * "Speed of the control path"), completion of verbs and names.
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

#ifdef HAVE_LIBEDIT
#include <dlfcn.h>
#include <editline/readline.h>
#endif

/* --- the interactive shell ---------------------------------------------- */

/* Split LINE on blanks in place (supervisorctl does no quoting). */
int
tc_split(char *line, char **words)
{
	int n = 0;
	char *s, *save = NULL;

	for (s = strtok_r(line, " \t\r\n", &save); s != NULL && n < TC_MAXWORDS;
	     s = strtok_r(NULL, " \t\r\n", &save))
		words[n++] = s;
	return n;
}

#ifdef HAVE_LIBEDIT
/*
 * libedit is loaded with dlopen(3) when the shell starts, not linked:
 * as a DT_NEEDED entry it and what it pulls in (libtinfo, libbsd, libmd)
 * cost every tendctl run about 0.45 ms of dynamic linking, a sixth of a
 * `status` of 1,000 processes, although only the shell edits lines.
 * LIBEDIT_SONAME is the name configure's test link recorded.  These
 * point at its functions and variables; none is referenced directly, so
 * the link cannot pull libedit back in.
 */
static struct {
	bool loaded;
	__typeof__(readline) *readline;
	__typeof__(add_history) *add_history;
	__typeof__(using_history) *using_history;
	__typeof__(rl_completion_matches) *completion_matches;
	__typeof__(rl_readline_name) *readline_name;
	__typeof__(rl_attempted_completion_function) *completion_function;
	__typeof__(rl_attempted_completion_over) *completion_over;
	__typeof__(rl_line_buffer) *line_buffer;
} tc_el;

/* dlsym NAME from H; NULL (and *OK false) if it is missing. */
static void *
tc_el_sym(void *h, const char *name, bool *ok)
{
	void *p = dlsym(h, name);

	if (p == NULL)
		*ok = false;
	return p;
}

/* Load libedit; false (said on stderr) if the shell must do without. */
static bool
tc_el_load(void)
{
	void *h = dlopen(LIBEDIT_SONAME, RTLD_NOW | RTLD_LOCAL);
	bool ok = true;

	if (h == NULL) {
		tc_err("%s; no line editing", dlerror());
		return false;
	}
	tc_el.readline =
	    (__typeof__(tc_el.readline))tc_el_sym(h, "readline", &ok);
	tc_el.add_history =
	    (__typeof__(tc_el.add_history))tc_el_sym(h, "add_history", &ok);
	tc_el.using_history =
	    (__typeof__(tc_el.using_history))tc_el_sym(h, "using_history", &ok);
	tc_el.completion_matches =
	    (__typeof__(tc_el.completion_matches))tc_el_sym(
	        h, "rl_completion_matches", &ok);
	tc_el.readline_name = (__typeof__(tc_el.readline_name))tc_el_sym(
	    h, "rl_readline_name", &ok);
	tc_el.completion_function =
	    (__typeof__(tc_el.completion_function))tc_el_sym(
	        h, "rl_attempted_completion_function", &ok);
	tc_el.completion_over = (__typeof__(tc_el.completion_over))tc_el_sym(
	    h, "rl_attempted_completion_over", &ok);
	tc_el.line_buffer =
	    (__typeof__(tc_el.line_buffer))tc_el_sym(h, "rl_line_buffer", &ok);
	if (!ok) {
		tc_err("%s: not libedit's readline interface; no line "
		       "editing",
		    LIBEDIT_SONAME);
		(void)dlclose(h);
		return false;
	}
	tc_el.loaded = true; /* kept loaded until tendctl exits */
	return true;
}

/* Completion: verbs for the first word, process names after it. */
static char **tc_names;
static size_t tc_nnames;

static void
tc_load_names(struct tc *t)
{
	struct recs rs = {0};
	size_t i, k = 0;
	int saved = dup(STDERR_FILENO);

	if (tc_names != NULL)
		return;
	/* Quietly: a missing tendd is reported by the command itself. */
	if (saved != -1)
		(void)freopen("/dev/null", "w", stderr);
	(void)tc_call(t, "avail", PROTO_REQ_AVAIL, NULL, 0, CTLC_REPLY_TIMEOUT,
	    tc_collect_cb, &rs);
	if (saved != -1) {
		(void)fflush(stderr);
		(void)dup2(saved, STDERR_FILENO);
		(void)close(saved);
	}
	tc_names = tc_xmalloc((2 * rs.n + 2) * sizeof(char *));
	tc_names[k++] = tc_xstrdup("all");
	for (i = 0; i < rs.n; i++)
		tc_names[k++] = tc_xstrdup(rec_str(&rs.v[i], "name"));
	tc_nnames = k;
	recs_free(&rs);
}

static struct tc *tc_shell_ctx;

static char *
tc_complete_verb(const char *text, int state)
{
	static const struct verb *v;
	size_t len = strlen(text);

	if (state == 0)
		v = tc_verbs;
	for (; v->name != NULL; v++)
		if (strncmp(v->name, text, len) == 0)
			return tc_xstrdup((v++)->name);
	return NULL;
}

static char *
tc_complete_name(const char *text, int state)
{
	static size_t i;
	size_t len = strlen(text);

	if (state == 0)
		i = 0;
	for (; i < tc_nnames; i++)
		if (strncmp(tc_names[i], text, len) == 0)
			return tc_xstrdup(tc_names[i++]);
	return NULL;
}

static char **
tc_complete(const char *text, int start, int end)
{
	const char *lb = *tc_el.line_buffer;
	int i;

	*tc_el.completion_over = 1;
	for (i = 0; i < start && (lb[i] == ' ' || lb[i] == '\t'); i++)
		;
	if (i == start)
		return tc_el.completion_matches(text, tc_complete_verb);
	tc_load_names(tc_shell_ctx);
	return tc_el.completion_matches(text, tc_complete_name);
}
#endif

static char *
tc_readline(void)
{
	char buf[4096];

#ifdef HAVE_LIBEDIT
	if (tc_el.loaded) {
		char *line = tc_el.readline("tend> ");

		if (line != NULL && line[strspn(line, " \t")] != '\0')
			(void)tc_el.add_history(line);
		return line;
	}
#endif
	fputs("tend> ", stdout);
	(void)fflush(stdout);
	if (fgets(buf, sizeof(buf), stdin) == NULL)
		return NULL;
	return tc_xstrdup(buf);
}

int
tc_shell(struct tc *t)
{
	char *line, *words[TC_MAXWORDS];
	int n;

	t->shell = true;
#ifdef HAVE_LIBEDIT
	if (tc_el_load()) {
		tc_shell_ctx = t;
		*tc_el.readline_name = "tendctl";
		*tc_el.completion_function = tc_complete;
		tc_el.using_history();
	}
#endif
	/* supervisorctl greets with the status table. */
	{
		char *st[] = {"status"};

		(void)tc_run(t, 1, st);
	}
	while ((line = tc_readline()) != NULL) {
		n = tc_split(line, words);
		if (n > 0 && (strcmp(words[0], "exit") == 0 ||
		                 strcmp(words[0], "quit") == 0)) {
			free(line);
			return EXIT_OK;
		}
		if (n > 0)
			(void)tc_run(t, n, words);
		free(line);
	}
	putchar('\n');
	return EXIT_OK;
}

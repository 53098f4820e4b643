/*
 * expand.h: supervisord's string rules, as pure functions.
 *
 * expand_interpolate() does Python "%(name)s" formatting the way supervisord
 * applies it to config values; expand_split() splits a command line into
 * words as Python's shlex.split(posix=True) does; expand_quote() is the
 * inverse, for display.  Nothing here does I/O or reads globals: the
 * caller passes the variables and the environment.
 */
#ifndef TEND_EXPAND_H
#define TEND_EXPAND_H

#include "tend.h"

/* One interpolation variable.  NUMBER marks a value that "%(x)d" accepts
 * (the decimal text of VALUE is then its number). */
struct expand_var {
	const char *name;
	const char *value;
	bool number;
};

/*
 * Expand "%(name)s", "%(name)d" (flags "-0+ ", width, precision, as in
 * "%(process_num)02d") and "%%" in IN.  Names come from VARS (NVARS of
 * them) and, as "ENV_X", from ENVP ("X=value" strings, NULL-terminated;
 * ENVP NULL allows no ENV_ names).  Returns a malloc'd string, or NULL
 * with a message in ERR (errno ENOMEM when out of memory, EINVAL else).
 */
char *expand_interpolate(const char *in, const struct expand_var *vars,
    size_t nvars, char *const *envp, char *err, size_t errlen);

/*
 * Split S into words like shlex.split(S) (POSIX mode): blanks separate
 * words, '...' is literal, "..." keeps backslash only before " and \,
 * a backslash outside quotes escapes the next character, adjacent pieces
 * join ("a'b'c" is one word), '' is an empty word.  On success *ARGVP is
 * a malloc'd NULL-terminated vector (free with expand_free_argv()) and
 * the word count is returned; -1 with ERR filled on an unbalanced quote,
 * a trailing backslash or ENOMEM.
 */
int expand_split(const char *s, char ***argvp, char *err, size_t errlen);
void expand_free_argv(char **argv);

/* A copy of WORD quoted for a POSIX shell when it needs quoting (as
 * Python's shlex.quote); NULL on ENOMEM. */
char *expand_quote(const char *word);

#endif /* TEND_EXPAND_H */

/*
 * tcopt.c: tendctl's one option parser.  Each verb's options are a spec
 * in its row of req.def, getopt-style: options separated by '|', each one
 * or more comma-separated forms and an optional argument name:
 *
 *   "-t,--timeout SECS|--rolling|-N n"     restart
 *   "-f|-BYTES|-n LINES"                   tail
 *
 * A form is -X (one letter), --LONG, or -BYTES (any -DIGITS word: tail's
 * byte count).  The argument name says how its value is checked (SECS,
 * n, a count).  Options may come before, between or after the
 * positional words (`start web -t 5`); `--` ends them; a value is the
 * next word or attached (`-t5`, `-n1`, `--since=4`).  A verb whose spec is
 * empty takes every word as positional (process names are free-form).
 * The usage line and every error message come from the same spec.
 *
 * Pure: errors go to a buffer (tests/unit/test_tcopt.c), no I/O.
 */
#include "tc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copy the N bytes at S into DST (SIZE bytes); -1 if they do not fit. */
static int
tc_optcopy(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* One option of a spec: "-t,--timeout SECS".  -1 if malformed. */
static int
tc_optdef_parse(const char *s, size_t len, struct tc_optdef *d)
{
	const char *end = s + len, *sp = memchr(s, ' ', len), *f, *fe;

	memset(d, 0, sizeof(*d));
	if (sp != NULL) {
		if (tc_optcopy(d->arg, sizeof(d->arg), sp + 1,
		        (size_t)(end - sp - 1)) == -1 ||
		    d->arg[0] == '\0')
			return -1;
		end = sp;
	}
	for (f = s; f < end; f = fe + 1) {
		if ((fe = memchr(f, ',', (size_t)(end - f))) == NULL)
			fe = end;
		if (fe - f > 2 && f[0] == '-' && f[1] == '-') {
			if (tc_optcopy(d->lng, sizeof(d->lng), f + 2,
			        (size_t)(fe - f - 2)) == -1)
				return -1;
		} else if (fe - f == 2 && f[0] == '-')
			d->sh = f[1];
		else if (fe - f > 1 && f[0] == '-' && d->arg[0] == '\0' &&
		         tc_optcopy(d->arg, sizeof(d->arg), f + 1,
		             (size_t)(fe - f - 1)) == 0)
			d->sh = '#'; /* -BYTES: the word is the value */
		else
			return -1;
		if (d->first[0] == '\0' &&
		    tc_optcopy(d->first, sizeof(d->first), f,
		        (size_t)(fe - f)) == -1)
			return -1;
	}
	return d->first[0] != '\0' ? 0 : -1;
}

int
tc_optspec(const char *spec, struct tc_opts *o)
{
	const char *s = spec, *e;

	memset(o, 0, sizeof(*o));
	while (s != NULL && *s != '\0') {
		if ((e = strchr(s, '|')) == NULL)
			e = s + strlen(s);
		if (o->n == TC_MAXOPTS ||
		    tc_optdef_parse(s, (size_t)(e - s), &o->d[o->n]) == -1)
			return -1;
		o->n++;
		s = *e != '\0' ? e + 1 : e;
	}
	return 0;
}

/* How D's option is asked for by name (tc_opt). */
static const char *
tc_optkey(const struct tc_optdef *d)
{
	static char letter[2];

	if (d->lng[0] != '\0')
		return d->lng;
	if (d->sh == '#')
		return d->arg;
	letter[0] = d->sh;
	letter[1] = '\0';
	return letter;
}

const char *
tc_opts_get(const struct tc_opts *o, const char *key)
{
	int i;

	for (i = 0; o != NULL && i < o->n; i++)
		if (strcmp(tc_optkey(&o->d[i]), key) == 0)
			return o->val[i];
	return NULL;
}

void
tc_usage_line(const struct verb *v, char *buf, size_t len)
{
	struct tc_opts o;
	size_t n;
	int i;

	n = (size_t)snprintf(buf, len, "%s", v->name);
	if (tc_optspec(v->opts, &o) == -1)
		o.n = 0;
	for (i = 0; i < o.n && n < len; i++) {
		const struct tc_optdef *d = &o.d[i];

		n += (size_t)snprintf(buf + n, len - n, " [%s%s%s]", d->first,
		    d->arg[0] != '\0' && d->sh != '#' ? " " : "",
		    d->sh != '#' ? d->arg : "");
	}
	if (n < len && v->args[0] != '\0')
		(void)snprintf(buf + n, len - n, " %s", v->args);
}

/* Is VAL right for an argument named ARG?  Else what it needs. */
static const char *
tc_optcheck(const char *arg, const char *val)
{
	char *end;
	double secs;
	unsigned long n;

	if (strcmp(arg, "SECS") == 0) {
		secs = strtod(val, &end);
		return *val != '\0' && *end == '\0' && secs > 0 && secs <= 1e6
		           ? NULL
		           : "a number of seconds above 0";
	}
	if (*val < '0' || *val > '9' || strlen(val) > 18 ||
	    (n = strtoul(val, &end, 10), *end != '\0'))
		return strcmp(arg, "n") == 0 ? "a positive number" : "a number";
	if (strcmp(arg, "n") == 0 && (n == 0 || n > 1000000))
		return "a positive number";
	return NULL;
}

/* Find the option word A names in O: its index, or -1.  *VAL is set to
 * an attached value ("-t5", "--since=4", "-100"), else NULL. */
static int
tc_optfind(const struct tc_opts *o, const char *a, const char **val)
{
	size_t len;
	int i;

	*val = NULL;
	for (i = 0; i < o->n; i++) {
		const struct tc_optdef *d = &o->d[i];

		if (a[1] == '-') {
			len = strcspn(a + 2, "=");
			if (d->lng[0] == '\0' || strlen(d->lng) != len ||
			    strncmp(a + 2, d->lng, len) != 0)
				continue;
			*val = a[2 + len] == '=' ? a + 3 + len : NULL;
			return i;
		}
		if (d->sh == '#' && a[1] >= '0' && a[1] <= '9') {
			*val = a + 1;
			return i;
		}
		if (d->sh != '\0' && d->sh == a[1]) {
			*val = a[2] != '\0' ? a + 2 : NULL;
			return i;
		}
	}
	return -1;
}

#define TC_OPTERR(...)                                                         \
	do {                                                                   \
		(void)snprintf(err, errlen, __VA_ARGS__);                      \
		return -1;                                                     \
	} while (0)

int
tc_opts_parse(const struct verb *v, struct tc_opts *o, int *argc,
    char **argv, char *err, size_t errlen)
{
	const char *val;
	bool dashdash = false;
	int i, k, n = 0;

	if (tc_optspec(v->opts, o) == -1)
		TC_OPTERR("%s: bad option spec in req.def", v->name);
	for (i = 0; i < *argc; i++) {
		const char *a = argv[i];

		if (o->n > 0 && !dashdash && strcmp(a, "--") == 0) {
			dashdash = true;
			continue;
		}
		if (o->n == 0 || dashdash || a[0] != '-' || a[1] == '\0') {
			argv[n++] = argv[i];
			continue;
		}
		if ((k = tc_optfind(o, a, &val)) == -1)
			TC_OPTERR("%s: bad option %s", v->name, a);
		if (o->d[k].sh == '#')
			; /* the word is its value */
		else if (o->d[k].arg[0] == '\0') {
			if (val != NULL)
				TC_OPTERR("%s: %.*s takes no value", v->name,
				    (int)strcspn(a, "="), a);
			val = "";
		} else if (val == NULL) {
			if (i + 1 == *argc)
				TC_OPTERR("%s: %s needs an argument (%s)",
				    v->name, a, o->d[k].arg);
			val = argv[++i];
		}
		if (o->d[k].arg[0] != '\0' &&
		    (a = tc_optcheck(o->d[k].arg, val)) != NULL)
			TC_OPTERR("%s: %s needs %s, not '%s'", v->name,
			    o->d[k].first, a, val);
		o->val[k] = val;
	}
	*argc = n;
	argv[n] = NULL;
	return 0;
}

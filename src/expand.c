/*
 * expand.c: supervisord's string rules (interpolation, word splitting,
 * quoting) as pure functions.
 *
 * Owns: the "%(name)s" formatter (the subset of Python's %-formatting that
 * supervisord configs use), the shlex.split(posix=True) word splitter and
 * shlex.quote().  Leaves alone: where the variables come from (config.c
 * builds them), the environment of the running process (the caller passes
 * envp), and any I/O.
 */
#include "expand.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Widths beyond this are surely typos; refuse them rather than allocate. */
#define EXPAND_MAX_WIDTH 4096

/* A growable string; every append reports ENOMEM by returning -1. */
struct sbuf {
	char *s;
	size_t len;
	size_t cap;
};

static int
sbuf_grow(struct sbuf *b, size_t more)
{
	size_t ncap;
	char *n;

	if (b->len + more + 1 <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < b->len + more + 1)
		ncap *= 2;
	n = realloc(b->s, ncap);
	if (n == NULL)
		return -1;
	b->s = n;
	b->cap = ncap;
	return 0;
}

static int
sbuf_addn(struct sbuf *b, const char *s, size_t n)
{
	if (sbuf_grow(b, n) == -1)
		return -1;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static int
sbuf_addc(struct sbuf *b, char c)
{
	return sbuf_addn(b, &c, 1);
}

static int
sbuf_pad(struct sbuf *b, char c, size_t n)
{
	while (n-- > 0)
		if (sbuf_addc(b, c) == -1)
			return -1;
	return 0;
}

/* Terminate an empty buffer too, so callers always get a string. */
static char *
sbuf_finish(struct sbuf *b)
{
	if (b->s == NULL && sbuf_grow(b, 0) == -1)
		return NULL;
	b->s[b->len] = '\0';
	return b->s;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    TEND_PRINTF(3, 4);

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* One "%(name)<flags><width>.<prec><conv>" directive, parsed. */
struct fmtspec {
	bool left;  /* '-' */
	bool zero;  /* '0' */
	bool plus;  /* '+' */
	bool space; /* ' ' */
	long width;
	long prec; /* -1: none */
	char conv; /* 's' or 'd' ('i' is folded into 'd') */
};

/* Parse flags, width, precision and the conversion at *PP. */
static int
parse_spec(const char **pp, struct fmtspec *sp)
{
	const char *p = *pp;

	memset(sp, 0, sizeof(*sp));
	sp->prec = -1;
	for (;; p++) {
		if (*p == '-')
			sp->left = true;
		else if (*p == '0')
			sp->zero = true;
		else if (*p == '+')
			sp->plus = true;
		else if (*p == ' ')
			sp->space = true;
		else if (*p != '#')
			break;
	}
	while (isdigit((unsigned char)*p) && sp->width <= EXPAND_MAX_WIDTH)
		sp->width = sp->width * 10 + (*p++ - '0');
	if (*p == '.') {
		sp->prec = 0;
		p++;
		while (
		    isdigit((unsigned char)*p) && sp->prec <= EXPAND_MAX_WIDTH)
			sp->prec = sp->prec * 10 + (*p++ - '0');
	}
	if (sp->width > EXPAND_MAX_WIDTH || sp->prec > EXPAND_MAX_WIDTH)
		return -1;
	if (*p == 's' || *p == 'd' || *p == 'i') {
		sp->conv = *p == 'i' ? 'd' : *p;
		*pp = p + 1;
		return 0;
	}
	return -1;
}

static int
format_string(struct sbuf *b, const struct fmtspec *sp, const char *v)
{
	size_t len = strlen(v);
	size_t pad;

	if (sp->prec >= 0 && (size_t)sp->prec < len)
		len = (size_t)sp->prec;
	pad = (size_t)sp->width > len ? (size_t)sp->width - len : 0;
	if (!sp->left && sbuf_pad(b, ' ', pad) == -1)
		return -1;
	if (sbuf_addn(b, v, len) == -1)
		return -1;
	return sp->left ? sbuf_pad(b, ' ', pad) : 0;
}

/* printf's %d rules: sign, precision as minimum digits, then width. */
static int
format_number(struct sbuf *b, const struct fmtspec *sp, long n)
{
	char digits[32], sign = '\0';
	unsigned long u = n < 0 ? 0UL - (unsigned long)n : (unsigned long)n;
	size_t nd, zeros = 0, len, pad;

	(void)snprintf(digits, sizeof(digits), "%lu", u);
	nd = strlen(digits);
	if (n < 0)
		sign = '-';
	else if (sp->plus)
		sign = '+';
	else if (sp->space)
		sign = ' ';
	if (sp->prec >= 0 && (size_t)sp->prec > nd)
		zeros = (size_t)sp->prec - nd;
	len = nd + zeros + (sign ? 1 : 0);
	pad = (size_t)sp->width > len ? (size_t)sp->width - len : 0;
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!sp->left && sbuf_pad(b, ' ', pad) == -1)
		return -1;
	if (sign && sbuf_addc(b, sign) == -1)
		return -1;
	if (sbuf_pad(b, '0', zeros) == -1 || sbuf_addn(b, digits, nd) == -1)
		return -1;
	return sp->left ? sbuf_pad(b, ' ', pad) : 0;
}

static const char *
env_lookup(char *const *envp, const char *name, size_t len)
{
	size_t i;

	for (i = 0; envp != NULL && envp[i] != NULL; i++)
		if (strncmp(envp[i], name, len) == 0 && envp[i][len] == '=')
			return envp[i] + len + 1;
	return NULL;
}

/* "group_name, here, ..., ENV_*": what the user may write instead. */
static void
known_names(const struct expand_var *vars, size_t nvars, bool env, char *buf,
    size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < nvars && off < len; i++)
		off += (size_t)snprintf(
		    buf + off, len - off, "%s%s", i ? ", " : "", vars[i].name);
	if (env && off < len)
		(void)snprintf(
		    buf + off, len - off, "%sENV_*", nvars ? ", " : "");
}

/* Expand the directive whose name is NAME (LEN bytes) per SPEC. */
static int
expand_one(struct sbuf *b, const char *name, size_t len,
    const struct fmtspec *sp, const struct expand_var *vars, size_t nvars,
    char *const *envp, char *err, size_t errlen)
{
	const struct expand_var *var = NULL;
	const char *value = NULL;
	char known[256];
	char *end;
	long n;
	size_t i;

	for (i = 0; i < nvars; i++)
		if (strlen(vars[i].name) == len &&
		    strncmp(vars[i].name, name, len) == 0)
			var = &vars[i];
	if (var != NULL) {
		value = var->value;
	} else if (envp != NULL && len > 4 && strncmp(name, "ENV_", 4) == 0) {
		value = env_lookup(envp, name + 4, len - 4);
		if (value == NULL) {
			seterr(err, errlen,
			    "%%(%.*s): %.*s is not set in tendd's environment",
			    (int)len, name, (int)len - 4, name + 4);
			errno = EINVAL;
			return -1;
		}
	} else {
		known_names(vars, nvars, envp != NULL, known, sizeof(known));
		seterr(err, errlen, "%%(%.*s): unknown name '%.*s' (known: %s)",
		    (int)len, name, (int)len, name, known);
		errno = EINVAL;
		return -1;
	}
	if (sp->conv == 's')
		return format_string(b, sp, value);
	errno = 0;
	n = strtol(value, &end, 10);
	if ((var != NULL && !var->number) || *value == '\0' || *end != '\0' ||
	    errno == ERANGE) {
		seterr(err, errlen, "%%(%.*s)d: '%s' is not a number", (int)len,
		    name, value);
		errno = EINVAL;
		return -1;
	}
	return format_number(b, sp, n);
}

char *
expand_interpolate(const char *in, const struct expand_var *vars, size_t nvars,
    char *const *envp, char *err, size_t errlen)
{
	struct sbuf b = {NULL, 0, 0};
	struct fmtspec spec;
	const char *p = in, *name, *close;

	while (*p != '\0') {
		const char *pct = strchr(p, '%');

		if (pct == NULL) {
			if (sbuf_addn(&b, p, strlen(p)) == -1)
				goto nomem;
			break;
		}
		if (sbuf_addn(&b, p, (size_t)(pct - p)) == -1)
			goto nomem;
		if (pct[1] == '%') {
			if (sbuf_addc(&b, '%') == -1)
				goto nomem;
			p = pct + 2;
			continue;
		}
		if (pct[1] != '(') {
			seterr(err, errlen,
			    "stray '%%' in '%s' (write %%%% for a literal %%)",
			    in);
			goto inval;
		}
		name = pct + 2;
		close = strchr(name, ')');
		if (close == NULL) {
			seterr(err, errlen, "'%%(' without ')' in '%s'", in);
			goto inval;
		}
		p = close + 1;
		if (parse_spec(&p, &spec) == -1) {
			seterr(err, errlen,
			    "%%(%.*s) must be followed by a conversion such as s or d",
			    (int)(close - name), name);
			goto inval;
		}
		if (expand_one(&b, name, (size_t)(close - name), &spec, vars,
		        nvars, envp, err, errlen) == -1) {
			if (errno == ENOMEM)
				goto nomem;
			goto inval;
		}
	}
	if (sbuf_finish(&b) == NULL)
		goto nomem;
	return b.s;
nomem:
	free(b.s);
	seterr(err, errlen, "%s", strerror(ENOMEM));
	errno = ENOMEM;
	return NULL;
inval:
	free(b.s);
	errno = EINVAL;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Word splitting. */

struct wordvec {
	char **v;
	size_t n;
	size_t cap;
};

static int
wordvec_push(struct wordvec *w, char *word)
{
	char **nv;
	size_t ncap;

	/* Keep room for the NULL terminator at all times. */
	if (w->n + 2 > w->cap) {
		ncap = w->cap ? w->cap * 2 : 8;
		nv = realloc(w->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		w->v = nv;
		w->cap = ncap;
	}
	w->v[w->n++] = word;
	w->v[w->n] = NULL;
	return 0;
}

void
expand_free_argv(char **argv)
{
	size_t i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/* shlex's default whitespace set. */
static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Read one word starting at *PP (not blank) into B.  Returns 0, or -1
 * with ERR set (EINVAL) or errno ENOMEM.
 */
static int
split_word(const char **pp, struct sbuf *b, char *err, size_t errlen)
{
	const char *p = *pp;

	while (*p != '\0' && !is_blank(*p)) {
		if (*p == '\\') {
			if (p[1] == '\0') {
				seterr(err, errlen, "trailing backslash");
				errno = EINVAL;
				return -1;
			}
			if (sbuf_addc(b, p[1]) == -1)
				return -1;
			p += 2;
		} else if (*p == '\'') {
			const char *q = strchr(p + 1, '\'');

			if (q == NULL) {
				seterr(err, errlen, "unbalanced single quote");
				errno = EINVAL;
				return -1;
			}
			if (sbuf_addn(b, p + 1, (size_t)(q - p - 1)) == -1)
				return -1;
			p = q + 1;
		} else if (*p == '"') {
			for (p++; *p != '"'; p++) {
				if (*p == '\0') {
					seterr(err, errlen,
					    "unbalanced double quote");
					errno = EINVAL;
					return -1;
				}
				/* Inside "...", shlex keeps the backslash
				 * unless it escapes " or \ itself. */
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				if (sbuf_addc(b, *p) == -1)
					return -1;
			}
			p++;
		} else {
			if (sbuf_addc(b, *p) == -1)
				return -1;
			p++;
		}
	}
	*pp = p;
	return 0;
}

int
expand_split(const char *s, char ***argvp, char *err, size_t errlen)
{
	struct wordvec w = {NULL, 0, 0};
	const char *p = s;

	*argvp = NULL;
	if (wordvec_push(&w, NULL) == -1)
		goto nomem;
	w.n = 0;
	for (;;) {
		struct sbuf b = {NULL, 0, 0};

		while (is_blank(*p))
			p++;
		if (*p == '\0')
			break;
		if (split_word(&p, &b, err, errlen) == -1) {
			free(b.s);
			if (errno == ENOMEM)
				goto nomem;
			expand_free_argv(w.v);
			return -1;
		}
		/* '' is a word of its own, so an empty buffer still counts. */
		if (sbuf_finish(&b) == NULL || wordvec_push(&w, b.s) == -1) {
			free(b.s);
			goto nomem;
		}
	}
	*argvp = w.v;
	return (int)w.n;
nomem:
	expand_free_argv(w.v);
	seterr(err, errlen, "%s", strerror(ENOMEM));
	errno = ENOMEM;
	return -1;
}

/* shlex.quote's safe set: \w plus @%+=:,./- (ASCII). */
static bool
is_safe(unsigned char c)
{
	return isalnum(c) || c == '_' || strchr("@%+=:,./-", c) != NULL;
}

char *
expand_quote(const char *word)
{
	struct sbuf b = {NULL, 0, 0};
	const char *p;
	bool safe = *word != '\0';

	for (p = word; *p != '\0'; p++)
		if (!is_safe((unsigned char)*p))
			safe = false;
	if (safe)
		return strdup(word);
	if (sbuf_addc(&b, '\'') == -1)
		goto nomem;
	for (p = word; *p != '\0'; p++) {
		if (*p == '\'') {
			if (sbuf_addn(&b, "'\"'\"'", 5) == -1)
				goto nomem;
		} else if (sbuf_addc(&b, *p) == -1) {
			goto nomem;
		}
	}
	if (sbuf_addc(&b, '\'') == -1)
		goto nomem;
	return b.s;
nomem:
	free(b.s);
	errno = ENOMEM;
	return NULL;
}

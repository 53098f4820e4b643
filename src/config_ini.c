/*
 * config_ini.c: libinih glue.  Owns line reading, line numbers and the
 * checks that keep libinih's limits from ever changing a value; leaves
 * every interpretation of sections and keys to config.c.
 *
 * Why a checking reader: Debian's libinih 55 reads through a fixed
 * 200-byte buffer (INI_MAX_LINE) and silently splits a longer line in two,
 * handing the cut value to the handler; it keeps section and key names in
 * 50-byte arrays (also cut silently); it reports only the first syntax
 * error, and its handler gets no line number.  So this reader reads whole
 * physical lines itself (getline(3)), numbers them, and classifies each
 * before libinih sees it:
 *
 *   blank or comment        handed over as a blank line
 *   [section]               reported to ops->section, handed over as "[s]"
 *                           (we keep the full name ourselves)
 *   key = value             handed over with inline comments removed
 *   indented, after a key   a continuation, handed over indented
 *   anything else           ops->error, handed over as a blank line
 *
 * A line longer than the buffer libinih offers (ini_parse_stream passes
 * its size as NUM) is refused with its line number and length.  After a
 * refused line its continuation lines are swallowed, so one mistake gives
 * one message.  Multi-line values: libinih calls the handler once per
 * continuation line with the same key (INI_ALLOW_MULTILINE, checked with
 * Debian's build); config.c joins them with "\n" as configparser does.
 */
#include "config_ini.h"

#include <ini.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ini_state {
	FILE *fp;
	const struct config_ini_ops *ops;
	void *user;
	int lineno;
	char *buf; /* getline(3) buffer */
	size_t cap;
	char *section; /* current section, full name; NULL before any */
	char *key;     /* key that continuation lines extend; NULL if none */
	bool poisoned; /* last key line was refused: drop its continuations */
	bool skipping; /* bad section header: drop its keys until the next */
	bool cont;     /* the line handed out is a continuation line */
	int err;       /* errno of a read or allocation failure */
};

static void ini_error(struct ini_state *st, const char *fmt, ...)
    TEND_PRINTF(2, 3);

static void
ini_error(struct ini_state *st, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	st->ops->error(st->user, st->lineno, msg);
}

/* Cut an inline comment: ';' or '#' with a blank (or nothing) before it,
 * as supervisord's configparser (inline_comment_prefixes ; and #). */
static void
strip_inline_comment(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++) {
		if ((*p == ';' || *p == '#') &&
		    (p == s || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			return;
		}
	}
}

static char *
rstrip(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static char *
lskip(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static int
set_string(struct ini_state *st, char **dst, const char *s, size_t n)
{
	char *copy = strndup(s, n);

	if (copy == NULL) {
		st->err = ENOMEM;
		return -1;
	}
	free(*dst);
	*dst = copy;
	return 0;
}

/* A short, printable excerpt of LINE for messages. */
static void
excerpt(const char *line, char *out, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len && line[i] != '\0'; i++)
		out[i] = isprint((unsigned char)line[i]) ? line[i] : '?';
	out[i] = '\0';
	if (line[i] != '\0' && len > 4)
		memcpy(out + len - 4, "...", 4);
}

/* "[name]": record it; hand libinih a placeholder (see the top). */
static const char *
classify_section(struct ini_state *st, char *line)
{
	char *end, *name;

	strip_inline_comment(line);
	rstrip(line);
	end = line + strlen(line) - 1;
	if (*end != ']') {
		ini_error(st, "syntax error: section header without ']'");
		goto refuse;
	}
	*end = '\0';
	name = rstrip(lskip(line + 1));
	if (*name == '\0' || strchr(name, ']') != NULL ||
	    strchr(name, '[') != NULL) {
		ini_error(st, "syntax error: bad section header '[%s]'", name);
		goto refuse;
	}
	if (set_string(st, &st->section, name, strlen(name)) == -1)
		return NULL;
	free(st->key);
	st->key = NULL;
	st->poisoned = false;
	st->skipping = false;
	st->ops->section(st->user, st->section, st->lineno);
	return "[s]";
refuse:
	/* Keys below a broken header belong to no section we know: drop
	 * them quietly instead of filing them under the previous one. */
	free(st->key);
	st->key = NULL;
	st->poisoned = true;
	st->skipping = true;
	return "";
}

/* "key = value" (or "key: value"). */
static const char *
classify_key(struct ini_state *st, char *line)
{
	char ex[48];
	size_t klen;

	if (st->skipping)
		return "";
	strip_inline_comment(line);
	rstrip(line);
	klen = strcspn(line, "=:");
	if (line[klen] == '\0') {
		excerpt(line, ex, sizeof(ex));
		ini_error(st,
		    "syntax error: '%s' is neither '[section]' nor 'key = value'",
		    ex);
		goto refuse;
	}
	while (klen > 0 && isspace((unsigned char)line[klen - 1]))
		klen--;
	if (klen == 0) {
		ini_error(st, "syntax error: no key name before '%c'",
		    line[strcspn(line, "=:")]);
		goto refuse;
	}
	if (st->section == NULL) {
		excerpt(line, ex, sizeof(ex));
		ini_error(
		    st, "syntax error: '%s' comes before any [section]", ex);
		goto refuse;
	}
	if (set_string(st, &st->key, line, klen) == -1)
		return NULL;
	st->poisoned = false;
	return line;
refuse:
	free(st->key);
	st->key = NULL;
	st->poisoned = true;
	return "";
}

/*
 * A key line refused whole: tell the caller the key was there (so a
 * missing required key is not reported as well), without a value.
 */
static void
refuse_key(struct ini_state *st, char *line)
{
	size_t klen = strcspn(line, "=:");

	free(st->key);
	st->key = NULL;
	st->poisoned = true;
	if (st->skipping || st->section == NULL || line[klen] == '\0')
		return;
	while (klen > 0 && isspace((unsigned char)line[klen - 1]))
		klen--;
	if (klen == 0)
		return;
	line[klen] = '\0';
	st->ops->key(st->user, st->section, line, NULL, st->lineno, false);
}

/*
 * Classify one physical line (without its newline) and return the text to
 * hand to libinih, or NULL on allocation failure.
 */
static const char *
classify(struct ini_state *st, char *line, size_t len, int limit)
{
	bool indented = line[0] == ' ' || line[0] == '\t';
	char *start = lskip(line);

	st->cont = false;
	/* Blank lines and whole-line comments carry no value, however long. */
	if (*start == '\0' || *start == ';' || *start == '#')
		return "";
	if (memchr(line, '\0', len) != NULL) {
		ini_error(st, "NUL byte in line");
		st->poisoned = true;
		return "";
	}
	if (indented && (st->key != NULL || st->poisoned)) {
		if (st->poisoned)
			return "";
		if ((int)len > limit) {
			ini_error(st, "line too long (%zu bytes, limit %d)",
			    len, limit);
			st->poisoned = true;
			return "";
		}
		strip_inline_comment(start);
		rstrip(start);
		if (*start == '\0')
			return "";
		/* libinih treats an indented line as a continuation. */
		st->cont = true;
		return start - 1;
	}
	if (*start == '[')
		return classify_section(st, start);
	if ((int)len > limit) {
		ini_error(
		    st, "line too long (%zu bytes, limit %d)", len, limit);
		refuse_key(st, start);
		return "";
	}
	return classify_key(st, start);
}

/* The ini_reader: fgets(3)-like, NUM bytes of room at STR. */
static char *
reader_cb(char *str, int num, void *stream)
{
	struct ini_state *st = stream;
	const char *out;
	ssize_t n;
	char *line;

	errno = 0;
	n = getline(&st->buf, &st->cap, st->fp);
	if (n == -1) {
		if (ferror(st->fp))
			st->err = errno ? errno : EIO;
		return NULL;
	}
	st->lineno++;
	line = st->buf;
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	if (n > 0 && line[n - 1] == '\r')
		line[--n] = '\0';
	/* A UTF-8 byte order mark is not part of the first line. */
	if (st->lineno == 1 && n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
		line += 3;
		n -= 3;
	}
	out = classify(st, line, (size_t)n, num - 1);
	if (out == NULL)
		return NULL;
	/* classify() guarantees strlen(out) <= num - 1. */
	(void)snprintf(str, (size_t)num, "%s", out);
	return str;
}

/* The ini_handler: called once per key line or continuation line, right
 * after reader_cb() handed that line over, so st->lineno is its line. */
static int
handler_cb(void *user, const char *section, const char *name, const char *value)
{
	struct ini_state *st = user;

	(void)section; /* possibly cut to 49 bytes; st->section is not */
	if (st->cont)
		st->ops->key(
		    st->user, st->section, st->key, value, st->lineno, true);
	else
		st->ops->key(
		    st->user, st->section, name, value, st->lineno, false);
	return 1;
}

int
config_ini_parse(FILE *fp, const struct config_ini_ops *ops, void *user)
{
	struct ini_state st;
	int rc;

	memset(&st, 0, sizeof(st));
	st.fp = fp;
	st.ops = ops;
	st.user = user;
	rc = ini_parse_stream(reader_cb, &st, handler_cb, &st);
	free(st.buf);
	free(st.section);
	free(st.key);
	if (st.err != 0) {
		errno = st.err;
		return -1;
	}
	if (rc == -2) {
		errno = ENOMEM;
		return -1;
	}
	/* Every line libinih sees was checked; a complaint would be a bug
	 * here, so say so rather than lose it. */
	if (rc > 0)
		ops->error(user, rc, "syntax error");
	return 0;
}

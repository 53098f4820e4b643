/*
 * config_ini.c: the INI syntax under the config loader, tend's own reader
 * of supervisord's dialect.  Owns line reading, line numbers, comments,
 * section headers, "key = value" lines and continuation lines; leaves
 * every interpretation of sections and keys to config_read.c.
 *
 * The dialect is Python's configparser as supervisord 4.2 sets it up
 * (RawConfigParser with inline_comment_prefixes ; and #, strict off,
 * empty_lines_in_values on), read from its source:
 *
 *   - a line whose first non-blank character is ';' or '#' is a comment;
 *   - elsewhere ';' or '#' starts a comment when a blank precedes it (or it
 *     opens the line): "a;b" is a value, "a ;b" is "a";
 *   - "[NAME]" opens a section; "key = value" or "key: value" splits at the
 *     first '=' or ':', both sides stripped of blanks;
 *   - a line indented deeper than the line of its key continues the value:
 *     the value gets "\n" and the line, stripped; blank lines between
 *     continuation lines are kept as empty lines, trailing ones dropped;
 *     a comment line inside a value is skipped.
 *
 * Lines have no length limit (getline(3)): values are byte-exact.  What
 * configparser refuses (a key before any section, a line that is neither a
 * header nor a key, an empty key name) is an error with its line number;
 * the rest of the file is still read, so every mistake is reported.  A
 * NUL byte is refused too (no C string could carry the value).
 */
#include "config_ini.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ini_state {
	const struct config_ini_ops *ops;
	void *user;
	int lineno;
	char *section; /* current section; NULL before any */
	char *key;     /* key that continuation lines extend; NULL if none */
	size_t indent; /* indentation of the key's line */
	int blanks;    /* blank lines seen since the key's last line */
	bool skipping; /* bad section header: drop its keys until the next */
	int err;       /* errno of an allocation failure */
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

/* Cut an inline comment: ';' or '#' opening the line or after a blank. */
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
strip(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int
set_string(struct ini_state *st, char **dst, const char *s, size_t n)
{
	char *copy = NULL;

	if (s != NULL && (copy = strndup(s, n)) == NULL) {
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

/* "[name]" (comment already cut, stripped). */
static void
section_line(struct ini_state *st, char *line)
{
	char *end = strrchr(line, ']'), *name;

	(void)set_string(st, &st->key, NULL, 0);
	if (end == NULL) {
		ini_error(st, "syntax error: section header without ']'");
		goto refuse;
	}
	if (end[1] != '\0')
		ini_error(st, "syntax error: text after the section header");
	*end = '\0';
	name = strip(line + 1);
	if (*name == '\0' || strpbrk(name, "[]") != NULL) {
		ini_error(st, "syntax error: bad section header '[%s]'", name);
		goto refuse;
	}
	if (set_string(st, &st->section, name, strlen(name)) == -1)
		return;
	st->skipping = false;
	st->ops->section(st->user, st->section, st->lineno);
	return;
refuse:
	/* Keys below a broken header belong to no section we know: drop
	 * them quietly instead of filing them under the previous one. */
	st->skipping = true;
}

/* "key = value" or "key: value" (comment already cut, stripped). */
static void
key_line(struct ini_state *st, char *line, size_t indent)
{
	size_t klen = strcspn(line, "=:");
	char ex[48], *value;

	(void)set_string(st, &st->key, NULL, 0);
	if (st->skipping)
		return;
	if (line[klen] == '\0') {
		excerpt(line, ex, sizeof(ex));
		ini_error(st,
		    "syntax error: '%s' is neither '[section]' nor 'key = value'",
		    ex);
		return;
	}
	value = strip(line + klen + 1);
	while (klen > 0 && isspace((unsigned char)line[klen - 1]))
		klen--;
	if (klen == 0) {
		ini_error(st, "syntax error: no key name before '%c'",
		    line[strcspn(line, "=:")]);
		return;
	}
	if (st->section == NULL) {
		excerpt(line, ex, sizeof(ex));
		ini_error(
		    st, "syntax error: '%s' comes before any [section]", ex);
		return;
	}
	if (set_string(st, &st->key, line, klen) == -1)
		return;
	st->indent = indent;
	st->blanks = 0;
	st->ops->key(st->user, st->section, st->key, value, st->lineno, false);
}

/* A continuation of st->key: first the blank lines it kept, then TEXT. */
static void
continuation_line(struct ini_state *st, const char *text)
{
	for (; st->blanks > 0; st->blanks--)
		st->ops->key(
		    st->user, st->section, st->key, "", st->lineno, true);
	st->ops->key(st->user, st->section, st->key, text, st->lineno, true);
}

/* One physical line, without its newline. */
static void
parse_line(struct ini_state *st, char *line, size_t len)
{
	size_t indent = strspn(line, " \t");
	char *text = line + indent;

	if (*text == ';' || *text == '#')
		return; /* a comment, even inside a value */
	if (memchr(line, '\0', len) != NULL) {
		ini_error(st, "NUL byte in line");
		(void)set_string(st, &st->key, NULL, 0);
		return;
	}
	strip_inline_comment(text);
	text = strip(text);
	if (*text == '\0') {
		/* Blank (a comment needs a blank before it, so only a blank
		 * line is empty here): kept if more of the value follows. */
		st->blanks++;
		return;
	}
	if (st->key != NULL && indent > st->indent) {
		continuation_line(st, text);
		return;
	}
	if (*text == '[')
		section_line(st, text);
	else
		key_line(st, text, indent);
}

int
config_ini_parse(FILE *fp, const struct config_ini_ops *ops, void *user)
{
	struct ini_state st;
	char *buf = NULL, *line;
	size_t cap = 0;
	ssize_t n;

	memset(&st, 0, sizeof(st));
	st.ops = ops;
	st.user = user;
	errno = 0;
	while (st.err == 0 && (n = getline(&buf, &cap, fp)) != -1) {
		st.lineno++;
		line = buf;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		/* A UTF-8 byte order mark is not part of the first line. */
		if (st.lineno == 1 && n >= 3 &&
		    memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
			line += 3;
			n -= 3;
		}
		parse_line(&st, line, (size_t)n);
	}
	if (st.err == 0 && ferror(fp))
		st.err = errno ? errno : EIO;
	free(buf);
	free(st.section);
	free(st.key);
	if (st.err != 0) {
		errno = st.err;
		return -1;
	}
	return 0;
}

/*
 * webfmt.c: the pure text work of the web page (webfmt.h).
 *
 * Owns: the output buffer, escaping for HTML, URLs and JSON, and the two
 * decoders of browser input (form fields, cookies).  Leaves alone: what a
 * page shows (web_page.c) and what a request does (web.c).  Decoding is
 * strict: a bad %-escape, a NUL or a value too long is no value at all,
 * so a caller never acts on a half-decoded field.
 */
#include "webfmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
webfmt_grow(struct wbuf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n + 1)
		cap *= 2;
	if ((p = realloc(b->s, cap)) == NULL) {
		b->oom = true;
		return false;
	}
	b->s = p;
	b->cap = cap;
	return true;
}

void
webfmt_put(struct wbuf *b, const char *s, size_t n)
{
	if (!webfmt_grow(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
webfmt_puts(struct wbuf *b, const char *s)
{
	webfmt_put(b, s, strlen(s));
}

void
webfmt_printf(struct wbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !webfmt_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
webfmt_html(struct wbuf *b, const char *s)
{
	const char *run = s, *rep;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		webfmt_put(b, run, (size_t)(s - run));
		webfmt_puts(b, rep);
		run = s + 1;
	}
	webfmt_put(b, run, (size_t)(s - run));
}

void
webfmt_url(struct wbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	char esc[3];

	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~:", c) != NULL) {
			webfmt_put(b, s, 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 15];
		webfmt_put(b, esc, 3);
	}
}

void
webfmt_json(struct wbuf *b, const char *s)
{
	unsigned char c;

	webfmt_put(b, "\"", 1);
	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (c == '"' || c == '\\') {
			webfmt_put(b, "\\", 1);
			webfmt_put(b, s, 1);
		} else if (c < 0x20 || c == 0x7f) {
			webfmt_printf(b, "\\u%04x", c);
		} else if (c == '<') {
			/* never "</script>" in a JSON text inside a page */
			webfmt_puts(b, "\\u003c");
		} else {
			webfmt_put(b, s, 1);
		}
	}
	webfmt_put(b, "\"", 1);
}

char *
webfmt_take(struct wbuf *b, size_t *len)
{
	char *s = b->s;

	if (b->oom || s == NULL) {
		webfmt_free(b);
		return NULL;
	}
	*len = b->len;
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void
webfmt_free(struct wbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

static int
webfmt_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode the urlencoded S (N bytes) into OUT; -1 on a bad value. */
static int
webfmt_decode(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;
	int hi, lo;
	char c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (i + 2 >= n)
				return -1;
			if ((hi = webfmt_hexval(s[i + 1])) < 0 ||
			    (lo = webfmt_hexval(s[i + 2])) < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0' || o + 1 >= outlen)
			return -1;
		out[o++] = c;
	}
	if (outlen == 0)
		return -1;
	out[o] = '\0';
	return 0;
}

int
webfmt_form_get(
    const char *body, size_t len, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key), i = 0, end, eq;

	while (i <= len) {
		for (end = i; end < len && body[end] != '&'; end++)
			;
		for (eq = i; eq < end && body[eq] != '='; eq++)
			;
		if (eq - i == klen && memcmp(body + i, key, klen) == 0)
			return webfmt_decode(body + eq + (eq < end),
			    end - eq - (eq < end), out, outlen);
		i = end + 1;
	}
	return -1;
}

int
webfmt_cookie_get(const char *hdr, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name), vlen;
	const char *p = hdr;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			p += nlen + 1;
			vlen = strcspn(p, ";");
			while (vlen > 0 && p[vlen - 1] == ' ')
				vlen--;
			if (vlen + 1 > outlen)
				return -1;
			memcpy(out, p, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p = strchr(p, ';');
	}
	return -1;
}

void
webfmt_hex(const unsigned char *in, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * len] = '\0';
}

bool
webfmt_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char diff = la != lb;

	for (i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

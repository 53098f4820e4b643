/*
 * webfmt.h: the pure text work of the web page (web.c): a growing output
 * buffer, HTML and URL escaping, and decoding what a browser sends (a
 * urlencoded form, the Cookie header).  No I/O, no state: unit-tested
 * and fuzzed (fuzz/fuzz_webform.c) on its own.
 */
#ifndef TEND_WEBFMT_H
#define TEND_WEBFMT_H

#include "tend.h"

/* An output buffer; on ENOMEM it stops growing and sets OOM (the page
 * then answers 500), so callers append without checking each call. */
struct wbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

void webfmt_put(struct wbuf *b, const char *s, size_t n);
void webfmt_puts(struct wbuf *b, const char *s);
void webfmt_printf(struct wbuf *b, const char *fmt, ...) TEND_PRINTF(2, 3);
/* S escaped for HTML text and quoted attribute values (& < > " '). */
void webfmt_html(struct wbuf *b, const char *s);
/* S percent-encoded for a URL path segment (all but A-Za-z0-9-._~:). */
void webfmt_url(struct wbuf *b, const char *s);
/* S as a JSON string, quotes included. */
void webfmt_json(struct wbuf *b, const char *s);
/* Take the text (NUL-terminated, malloc'd; NULL when OOM or empty). */
char *webfmt_take(struct wbuf *b, size_t *len);
void webfmt_free(struct wbuf *b);

/*
 * The value of field KEY of the urlencoded form BODY (LEN bytes), decoded
 * (+ and %XX) into OUT (OUTLEN bytes, NUL-terminated).  -1: no such field,
 * or its value does not fit, or holds a NUL or a bad escape.
 */
int webfmt_form_get(
    const char *body, size_t len, const char *key, char *out, size_t outlen);
/* The value of cookie NAME in the Cookie header HDR into OUT; -1 when
 * absent or longer than OUTLEN - 1. */
int webfmt_cookie_get(
    const char *hdr, const char *name, char *out, size_t outlen);
/* LEN bytes of IN as lower-case hex into OUT (2 * LEN + 1 bytes). */
void webfmt_hex(const unsigned char *in, size_t len, char *out);
/* Equal strings, in time that depends only on their lengths. */
bool webfmt_streq(const char *a, const char *b);

#endif /* TEND_WEBFMT_H */

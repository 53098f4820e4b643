/*
 * lsnproto.c: supervisord's event listener protocol, the pure part
 * (lsnproto.h): the stdout reader's state machine and the envelope
 * header.  Owns no descriptor and reads no clock; listener.c does the I/O
 * and decides what a note means for the pool.
 *
 * The reader follows dispatchers.py's handle_listener_state_change()
 * step by step, including its quirks: the state is only looked at while
 * bytes are buffered (so "RESULT 0\n" alone decides nothing until more
 * output comes), the first seven bytes of a result line are not checked,
 * and after READY any output at all is a violation.  Where supervisord
 * would buffer without bound (a result line that never ends, a length
 * that never arrives) tend keeps a bound or a count instead of the
 * bytes: only whether the result is exactly "OK" matters.
 */
#include "lsnproto.h"

#include <stdio.h>
#include <string.h>

#define READY_TOKEN "READY\n"
#define READY_LEN 6
#define RESULT_PREFIX_LEN 7 /* "RESULT " */

void
lsnproto_init(struct lsnproto *r)
{
	memset(r, 0, sizeof(*r));
	r->state = LSN_ACKNOWLEDGED;
}

void
lsnproto_sent(struct lsnproto *r)
{
	r->state = LSN_BUSY;
	r->have_len = false;
}

const char *
lsnproto_state_name(enum lsnproto_state s)
{
	switch (s) {
	case LSN_ACKNOWLEDGED:
		return "ACKNOWLEDGED";
	case LSN_READY:
		return "READY";
	case LSN_BUSY:
		return "BUSY";
	case LSN_UNKNOWN:
		break;
	}
	return "UNKNOWN";
}

static void
consume(struct lsnproto *r, size_t n)
{
	memmove(r->buf, r->buf + n, r->len - n);
	r->len -= n;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/*
 * Python's int() of the bytes after "RESULT ": blanks around, a sign,
 * digits with single underscores between them.  A negative length is
 * refused here (supervisord would then swallow the listener's output
 * for ever without deciding).  -1: not a number.
 */
static int
parse_len(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	bool digit = false, under = false;
	size_t i = 0;

	while (i < n && is_space(s[i]))
		i++;
	while (n > i && is_space(s[n - 1]))
		n--;
	if (i < n && s[i] == '+')
		i++;
	for (; i < n; i++) {
		if (s[i] == '_' && digit && !under) {
			under = true;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v > (UINT64_MAX - 9) / 10 ? UINT64_MAX
		                              : v * 10 + (uint64_t)(s[i] - '0');
		digit = true;
		under = false;
	}
	if (!digit || under)
		return -1;
	*out = v;
	return 0;
}

/* BUSY, no result line yet: read it if it is all there.  false: wait
 * for more (or the state changed to UNKNOWN). */
static bool
busy_line(struct lsnproto *r, lsnproto_fn fn, void *ctx)
{
	const char *nl = memchr(r->buf, '\n', r->len);
	size_t linelen;

	if (nl == NULL && r->len < sizeof(r->buf))
		return false;
	linelen = nl != NULL ? (size_t)(nl - r->buf) : r->len;
	if (nl == NULL || linelen < RESULT_PREFIX_LEN ||
	    parse_len(r->buf + RESULT_PREFIX_LEN, linelen - RESULT_PREFIX_LEN,
	        &r->resultlen) == -1) {
		r->state = LSN_UNKNOWN;
		fn(ctx, LSN_NOTE_BAD_RESULT, r->buf, linelen);
		r->len = 0;
		return false;
	}
	consume(r, linelen + 1);
	r->have_len = true;
	r->got = 0;
	r->ok_so_far = true;
	return true;
}

/* BUSY with the length known: take result bytes; decide once all are
 * in. */
static void
busy_result(struct lsnproto *r, lsnproto_fn fn, void *ctx)
{
	uint64_t need = r->resultlen - r->got;
	size_t take = need < r->len ? (size_t)need : r->len;
	size_t i;

	for (i = 0; i < take; i++, r->got++)
		if (r->got >= 2 || r->buf[i] != "OK"[r->got])
			r->ok_so_far = false;
	consume(r, take);
	if (r->got < r->resultlen)
		return;
	r->have_len = false;
	r->state = LSN_ACKNOWLEDGED;
	fn(ctx, r->ok_so_far && r->resultlen == 2 ? LSN_NOTE_OK
	                                          : LSN_NOTE_REJECTED,
	    NULL, 0);
}

/* supervisord's handle_listener_state_change(), its recursion as a
 * loop: runs while bytes are buffered and they decide something. */
static void
step(struct lsnproto *r, lsnproto_fn fn, void *ctx)
{
	while (r->len > 0) {
		switch (r->state) {
		case LSN_UNKNOWN:
			r->len = 0;
			return;
		case LSN_ACKNOWLEDGED:
			if (r->len < READY_LEN)
				return;
			if (memcmp(r->buf, READY_TOKEN, READY_LEN) == 0) {
				consume(r, READY_LEN);
				r->state = LSN_READY;
				fn(ctx, LSN_NOTE_READY, NULL, 0);
			} else {
				r->state = LSN_UNKNOWN;
				fn(ctx, LSN_NOTE_GARBAGE, r->buf, r->len);
				r->len = 0;
			}
			break;
		case LSN_READY:
			r->state = LSN_UNKNOWN;
			fn(ctx, LSN_NOTE_SPURIOUS, r->buf, r->len);
			r->len = 0;
			return;
		case LSN_BUSY:
			if (!r->have_len) {
				if (!busy_line(r, fn, ctx))
					return;
			} else {
				busy_result(r, fn, ctx);
			}
			break;
		}
	}
}

void
lsnproto_feed(struct lsnproto *r, const char *data, size_t n,
    lsnproto_fn fn, void *ctx)
{
	size_t room;

	/* In pieces that fit the buffer: each piece is looked at before
	 * the next comes in, which is what one big buffer would give. */
	while (n > 0) {
		room = sizeof(r->buf) - r->len;
		if (room > n)
			room = n;
		memcpy(r->buf + r->len, data, room);
		r->len += room;
		data += room;
		n -= room;
		step(r, fn, ctx);
	}
}

int
lsnproto_header(char *buf, size_t len, const char *server, uint64_t serial,
    const char *pool, uint64_t poolserial, const char *eventname,
    size_t payload_len)
{
	return snprintf(buf, len,
	    "ver:3.0 server:%s serial:%llu pool:%s poolserial:%llu "
	    "eventname:%s len:%zu\n",
	    server, (unsigned long long)serial, pool,
	    (unsigned long long)poolserial, eventname, payload_len);
}

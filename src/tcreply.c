/*
 * tcreply.c: tendctl's side of a request: connect, send, and the reply
 * loop that hands each RECORD (or DATA piece) to the verb; records
 * copied out of their frames; the JSON writer; small helpers.
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

/* --- small helpers ---------------------------------------------------- */

void
tc_err(const char *fmt, ...)
{
	va_list ap;

	(void)fflush(stdout);
	fputs("tendctl: ", stderr);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void *
tc_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL) {
		tc_err("out of memory");
		exit(EXIT_FAIL);
	}
	return p;
}

char *
tc_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(tc_xmalloc(n), s, n);
}

const char *
rec_get(const struct rec *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->kv[2 * i], key) == 0)
			return r->kv[2 * i + 1];
	return NULL;
}

/* KEY as a string, "" when absent. */
const char *
rec_str(const struct rec *r, const char *key)
{
	const char *v = rec_get(r, key);

	return v != NULL ? v : "";
}

long long
rec_int(const struct rec *r, const char *key)
{
	const char *v = rec_get(r, key);

	return v != NULL ? strtoll(v, NULL, 10) : 0;
}

double
rec_num(const struct rec *r, const char *key)
{
	const char *v = rec_get(r, key);
	double d = v != NULL ? strtod(v, NULL) : 0;

	return isfinite(d) ? d : 0;
}

/* Copy the RECORD M into R; -1 if it is malformed. */
static int
rec_copy(const struct proto_msg *m, struct rec *r)
{
	struct proto_msg c;
	const char *s;
	int n, i;

	if ((n = proto_count_strs(m)) < 0 || n % 2 != 0)
		return -1;
	r->bloblen = m->bodylen - m->off;
	r->blob = tc_xmalloc(r->bloblen);
	memcpy(r->blob, m->body + m->off, r->bloblen);
	/* Decode the copy: the strings are NUL-terminated in place. */
	memset(&c, 0, sizeof(c));
	c.body = (const unsigned char *)r->blob;
	c.bodylen = r->bloblen;
	r->n = (size_t)n / 2;
	r->kv = tc_xmalloc((size_t)n * sizeof(*r->kv));
	for (i = 0; i < n; i++) {
		(void)proto_get_str(&c, &s);
		r->kv[i] = r->blob + (s - (const char *)c.body);
	}
	return 0;
}

/* A deep copy of SRC into DST. */
static void
rec_dup(const struct rec *src, struct rec *dst)
{
	size_t i;

	dst->n = src->n;
	dst->bloblen = src->bloblen;
	dst->blob = tc_xmalloc(src->bloblen);
	memcpy(dst->blob, src->blob, src->bloblen);
	dst->kv = tc_xmalloc(2 * src->n * sizeof(*dst->kv));
	for (i = 0; i < 2 * src->n; i++)
		dst->kv[i] = dst->blob + (src->kv[i] - src->blob);
}

static void
rec_free(struct rec *r)
{
	free(r->blob);
	free(r->kv);
	r->kv = NULL;
	r->blob = NULL;
	r->n = 0;
}

void
recs_free(struct recs *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		rec_free(&rs->v[i]);
	free(rs->v);
	rs->v = NULL;
	rs->n = rs->cap = 0;
}

/* --- JSON output -------------------------------------------------------- */

/* S as a JSON string: quotes, backslashes and control characters
 * escaped; bytes that are not UTF-8 become U+FFFD. */
static void
json_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	/* JSON's two-character escapes: the byte, then its letter. */
	static const char from[] = "\"\\\n\r\t\b\f", to[] = "\"\\nrtbf";
	const char *e;

	putchar('"');
	while (*p != '\0') {
		if ((e = strchr(from, *p)) != NULL) {
			putchar('\\');
			putchar(to[e - from]);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			printf("\\u%04x", *p++);
		} else if ((n = util_utf8_len(p)) == 0) {
			fputs("\\ufffd", stdout);
			p++;
		} else {
			(void)fwrite(p, 1, n, stdout);
			p += n;
		}
	}
	putchar('"');
}

void
json_key(const char *key, bool *first)
{
	if (!*first)
		putchar(',');
	*first = false;
	json_str(key);
	putchar(':');
}

void
json_kstr(const char *key, const char *v, bool *first)
{
	json_key(key, first);
	json_str(v);
}

void
json_kint(const char *key, long long v, bool *first)
{
	json_key(key, first);
	printf("%lld", v);
}

void
json_knum(const char *key, double v, bool *first)
{
	json_key(key, first);
	printf("%.3f", v);
}

/* --- talking to tendd --------------------------------------------------- */

/* One frame of the reply to request ID: 1 when the reply is over (END,
 * or a failure RC says), 0 to read on. */
static int
tc_reply_frame(struct tc *t, const char *verb, struct proto_msg *m,
    const struct tc_reply *h, int *rc)
{
	const unsigned char *p;
	const char *s;
	size_t n;
	int r;

	switch (m->type) {
	case PROTO_END:
		return 1;
	case PROTO_ERROR:
		tc_err(
		    "%s: %s", verb, proto_get_str(m, &s) == 0 ? s : "failed");
		*rc = EXIT_FAIL;
		return 1;
	case PROTO_DATA:
		if (h->data == NULL)
			break;
		proto_get_rest(m, &p, &n);
		if (h->data(t, p, n, h->arg) != 0) {
			*rc = EXIT_FAIL;
			return 1;
		}
		return 0;
	case PROTO_RECORD:
		if ((r = h->record(t, m, h->arg)) < 0)
			break;
		if (r > 0)
			*rc = EXIT_FAIL;
		return 0;
	}
	tc_err("%s: bad reply from tendd", verb);
	*rc = EXIT_FAIL;
	return 1;
}

/*
 * The one reply loop: connect, send TYPE with ARGV (and T's options), and
 * hand every frame of the reply to H until END.  Returns EXIT_OK,
 * EXIT_FAIL (tendd answered ERROR, or H counted a failure; printed) or
 * EXIT_UNREACHABLE (no tendd, or it went away; printed).
 */
long tc_server_pid;

int
tc_request(struct tc *t, const char *verb, uint16_t type, char **argv, int argc,
    const struct tc_reply *h)
{
	static struct ctlc c;
	struct ctlc_req rq = {type, t->opts, t->nopts, argv, argc};
	struct proto_msg m;
	char err[512];
	uint32_t id;
	int rc = EXIT_OK;

	if (ctlc_open_request(&c, t->sock, &rq, &id, err, sizeof(err)) == -1) {
		tc_err("%s", err);
		return EXIT_UNREACHABLE;
	}
	tc_server_pid = c.server_pid;
	for (;;) {
		if (ctlc_read(&c, &m, h->timeout, err, sizeof(err)) == -1) {
			tc_err("%s: %s", verb, err);
			rc = EXIT_UNREACHABLE;
			break;
		}
		if (m.id != id)
			continue;
		if (tc_reply_frame(t, verb, &m, h, &rc) == 1)
			break;
		if (h->stream && fflush(stdout) == EOF) {
			rc = EXIT_FAIL;
			break;
		}
	}
	if (rc == EXIT_OK &&
	    (type == PROTO_REQ_SHUTDOWN ||
	        (type == PROTO_REQ_REEXEC && t->nopts == 0)) &&
	    ctlc_wait_eof(&c, err, sizeof(err)) == -1) {
		/* tendd is gone (or execs) when it closes the connection. */
		tc_err("%s: %s", verb, err);
		rc = EXIT_FAIL;
	}
	ctlc_close(&c);
	if (h->stream && fflush(stdout) == EOF && rc == EXIT_OK)
		rc = EXIT_FAIL;
	return rc;
}

/* tc_request() with FN for each RECORD and nothing else expected. */
int
tc_call_msgs(struct tc *t, const char *verb, uint16_t type, char **argv,
    int argc, double timeout, tc_msg_fn fn, void *arg)
{
	struct tc_reply h = {fn, NULL, arg, timeout, false};

	return tc_request(t, verb, type, argv, argc, &h);
}

struct tc_rec_call {
	tc_record_fn fn;
	void *arg;
};

/* tc_call's tc_msg_fn: the record copied out, for FN. */
static int
tc_rec_cb(struct tc *t, struct proto_msg *m, void *arg)
{
	const struct tc_rec_call *rc = arg;
	struct rec r;
	int failed;

	if (rec_copy(m, &r) == -1)
		return -1;
	failed = rc->fn != NULL && rc->fn(t, &r, rc->arg) != 0;
	rec_free(&r);
	return failed;
}

/* tc_call_msgs() with each RECORD copied into a struct rec for FN. */
int
tc_call(struct tc *t, const char *verb, uint16_t type, char **argv, int argc,
    double timeout, tc_record_fn fn, void *arg)
{
	struct tc_rec_call rc = {fn, arg};

	return tc_call_msgs(t, verb, type, argv, argc, timeout, tc_rec_cb, &rc);
}

int
tc_collect_cb(struct tc *t, const struct rec *r, void *arg)
{
	struct recs *rs = arg;
	struct rec *nv;
	size_t cap;

	if (rs->n == rs->cap) {
		cap = rs->cap ? 2 * rs->cap : 16;
		if ((nv = realloc(rs->v, cap * sizeof(*nv))) == NULL) {
			tc_err("out of memory");
			exit(EXIT_FAIL);
		}
		rs->v = nv;
		rs->cap = cap;
	}
	/* Take a deep copy: R is freed by the caller. */
	rec_dup(r, &rs->v[rs->n]);
	rs->n++;
	return 0;
}

/* "foo: ERROR (no such process)", or "(no such group)" for GROUP:*, as
 * supervisorctl says it. */
void
tc_print_unknown(const char *name)
{
	size_t n = strlen(name);

	if (n > 2 && strcmp(name + n - 2, ":*") == 0)
		printf("%.*s: ERROR (no such group)\n", (int)(n - 2), name);
	else
		printf("%s: ERROR (no such process)\n", name);
}

bool
rec_is_unknown(const struct rec *r)
{
	return rec_int(r, "fault") == PROTO_F_NO_SUCH_PROCESS &&
	       rec_get(r, "state") == NULL && rec_get(r, "pid") == NULL;
}

/* A log's DATA, as it is (binary included). */
static int
tc_stream_data(struct tc *t, const unsigned char *p, size_t n, void *arg)
{
	return fwrite(p, 1, n, stdout) != n ? -1 : 0;
}

/* A log's records: only "skipped", when tendd skipped a slow follower
 * ahead. */
static int
tc_stream_rec(struct tc *t, struct proto_msg *m, void *arg)
{
	const char *s;

	if ((s = proto_record_get(m, "skipped")) == NULL)
		return -1;
	tc_err("%s: skipped %s bytes (this reader fell too far behind)",
	    (const char *)arg, s);
	return 0;
}

/* Stream a log: every DATA frame's bytes to stdout until END. */
int
tc_stream(struct tc *t, const char *verb, uint16_t type, char **argv, int argc,
    bool follow)
{
	struct tc_reply h = {tc_stream_rec, tc_stream_data, (void *)verb,
	    follow ? CTLC_FOREVER : CTLC_REPLY_TIMEOUT, follow};

	return tc_request(t, verb, type, argv, argc, &h);
}

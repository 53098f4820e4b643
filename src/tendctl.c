/*
 * tendctl.c: the control CLI.  Owns the verb table (name, argument form,
 * handler, one-line help; it drives `tendctl help` and the shell's
 * completion, as smtpctl's table does), option parsing, supervisorctl's
 * output formats, --json, the exit codes and the interactive shell.  The
 * connection and the wire format are ctlclient.c's and proto.c's.
 *
 * Exit codes (DESIGN.md): 0 success; 1 an action failed or a name is
 * unknown; 2 usage error; 3 status found a process that is not RUNNING;
 * 4 tendd cannot be reached (or went away during the request).
 */
#include "ctlclient.h"
#include "proto.h"
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

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_NOTRUNNING = 3,
	EXIT_UNREACHABLE = 4,
};

#define TC_JSON 0x1   /* the verb accepts --json */
#define TC_NOTYET 0x2 /* named by DESIGN.md, not implemented yet */
#define TC_SHELL 0x4  /* only in the interactive shell */

struct tc;

struct verb {
	const char *name;
	const char *args; /* the argument form, for help */
	int (*fn)(struct tc *t, const struct verb *v, int argc, char **argv);
	const char *help;
	int min, max; /* argument counts; max -1: any */
	unsigned flags;
};

/* One invocation's settings. */
struct tc {
	char sock[256];
	bool json;
	bool shell;
	/* the options of the request being made (req.def) */
	const char *const *opts;
	int nopts;
};

/* A RECORD copied out of its frame: key/value pairs.  The strings live
 * in BLOB, one copy of the frame's body (two allocations per record, not
 * one per string: status of 1,000 processes stays cheap). */
struct rec {
	char **kv;
	size_t n; /* pairs */
	char *blob;
	size_t bloblen;
};

struct recs {
	struct rec *v;
	size_t n, cap;
};

static const struct verb verbs[];

/* --- small helpers ---------------------------------------------------- */

static void tc_err(const char *fmt, ...) TEND_PRINTF(1, 2);

static void
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

static void *
tc_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL) {
		tc_err("out of memory");
		exit(EXIT_FAIL);
	}
	return p;
}

static char *
tc_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(tc_xmalloc(n), s, n);
}

static const char *
rec_get(const struct rec *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->kv[2 * i], key) == 0)
			return r->kv[2 * i + 1];
	return NULL;
}

/* KEY as a string, "" when absent. */
static const char *
rec_str(const struct rec *r, const char *key)
{
	const char *v = rec_get(r, key);

	return v != NULL ? v : "";
}

static long long
rec_int(const struct rec *r, const char *key)
{
	const char *v = rec_get(r, key);

	return v != NULL ? strtoll(v, NULL, 10) : 0;
}

static double
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

static void
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

/* Length of the valid UTF-8 sequence at S, 0 if it is not one. */
static size_t
json_utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

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
		} else if ((n = json_utf8_len(p)) == 0) {
			fputs("\\ufffd", stdout);
			p++;
		} else {
			(void)fwrite(p, 1, n, stdout);
			p += n;
		}
	}
	putchar('"');
}

static void
json_key(const char *key, bool *first)
{
	if (!*first)
		putchar(',');
	*first = false;
	json_str(key);
	putchar(':');
}

static void
json_kstr(const char *key, const char *v, bool *first)
{
	json_key(key, first);
	json_str(v);
}

static void
json_kint(const char *key, long long v, bool *first)
{
	json_key(key, first);
	printf("%lld", v);
}

static void
json_knum(const char *key, double v, bool *first)
{
	json_key(key, first);
	printf("%.3f", v);
}

/* --- talking to tendd --------------------------------------------------- */

typedef int (*tc_record_fn)(struct tc *t, const struct rec *r, void *arg);
/* A RECORD as it came, its cursor at the first key; valid only during
 * the call.  <0: malformed; >0: a failure to count (EXIT_FAIL). */
typedef int (*tc_msg_fn)(struct tc *t, struct proto_msg *m, void *arg);

/*
 * Connect, send TYPE with ARGV, and hand every RECORD of the reply to FN
 * until END.  Returns EXIT_OK, EXIT_FAIL (tendd answered ERROR; printed)
 * or EXIT_UNREACHABLE (no tendd, or it went away; printed).
 */
static int
tc_call_msgs(struct tc *t, const char *verb, uint16_t type, char **argv,
    int argc, double timeout, tc_msg_fn fn, void *arg)
{
	static struct ctlc c;
	struct proto_msg m;
	char err[512];
	const char *s;
	uint32_t id;
	int rc = EXIT_OK, r;

	struct ctlc_req rq = {type, t->opts, t->nopts, argv, argc};

	if (ctlc_open_request(&c, t->sock, &rq, &id, err, sizeof(err)) == -1) {
		tc_err("%s", err);
		return EXIT_UNREACHABLE;
	}
	for (;;) {
		if (ctlc_read(&c, &m, timeout, err, sizeof(err)) == -1) {
			tc_err("%s: %s", verb, err);
			rc = EXIT_UNREACHABLE;
			break;
		}
		if (m.id != id)
			continue;
		if (m.type == PROTO_END)
			break;
		if (m.type == PROTO_ERROR) {
			tc_err("%s: %s", verb,
			    proto_get_str(&m, &s) == 0 ? s : "failed");
			rc = EXIT_FAIL;
			break;
		}
		if (m.type != PROTO_RECORD || (r = fn(t, &m, arg)) < 0) {
			tc_err("%s: bad reply from tendd", verb);
			rc = EXIT_FAIL;
			break;
		}
		if (r > 0)
			rc = EXIT_FAIL;
	}
	if (rc == EXIT_OK && type == PROTO_REQ_SHUTDOWN) {
		/* tendd is gone when it closes the connection. */
		if (ctlc_wait_eof(&c, err, sizeof(err)) == -1) {
			tc_err("%s: %s", verb, err);
			rc = EXIT_FAIL;
		}
	}
	ctlc_close(&c);
	return rc;
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
static int
tc_call(struct tc *t, const char *verb, uint16_t type, char **argv, int argc,
    double timeout, tc_record_fn fn, void *arg)
{
	struct tc_rec_call rc = {fn, arg};

	return tc_call_msgs(t, verb, type, argv, argc, timeout, tc_rec_cb, &rc);
}

static int
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
static void
tc_print_unknown(const char *name)
{
	size_t n = strlen(name);

	if (n > 2 && strcmp(name + n - 2, ":*") == 0)
		printf("%.*s: ERROR (no such group)\n", (int)(n - 2), name);
	else
		printf("%s: ERROR (no such process)\n", name);
}

static bool
rec_is_unknown(const struct rec *r)
{
	return rec_int(r, "fault") == PROTO_F_NO_SUCH_PROCESS &&
	       rec_get(r, "state") == NULL && rec_get(r, "pid") == NULL;
}

/* --- verbs -------------------------------------------------------------- */

/* supervisorctl's STOPPED_STATES, which make `status` exit 3: STOPPED,
 * EXITED, FATAL (and UNKNOWN).  STARTING, RUNNING and BACKOFF count as
 * running (RUNNING_STATES), and so does STOPPING. */
static bool
tc_state_stopped(const char *state)
{
	return strcmp(state, "STOPPED") == 0 || strcmp(state, "EXITED") == 0 ||
	       strcmp(state, "FATAL") == 0 || strcmp(state, "UNKNOWN") == 0;
}

static void
tc_status_json(const struct recs *rs)
{
	bool first, efirst;
	size_t i, shown = 0;

	putchar('[');
	for (i = 0; i < rs->n; i++) {
		const struct rec *r = &rs->v[i];

		if (rec_is_unknown(r))
			continue;
		printf(shown++ ? ",\n {" : "\n {");
		first = true;
		json_kstr("name", rec_str(r, "name"), &first);
		json_kstr("group", rec_str(r, "group"), &first);
		json_kstr("fullname", rec_str(r, "fullname"), &first);
		json_kstr("state", rec_str(r, "state"), &first);
		json_kint("statecode", rec_int(r, "statecode"), &first);
		json_kint("pid", rec_int(r, "pid"), &first);
		json_kint("start", (long long)rec_num(r, "start"), &first);
		json_kint("stop", (long long)rec_num(r, "stop"), &first);
		json_kint("now", (long long)rec_num(r, "now"), &first);
		json_kint("uptime", (long long)rec_num(r, "uptime"), &first);
		json_kstr("description", rec_str(r, "description"), &first);
		json_kstr("spawnerr", rec_str(r, "spawnerr"), &first);
		json_key("exit", &first);
		if (rec_int(r, "exit") != 0) {
			efirst = true;
			putchar('{');
			json_kint("code", rec_int(r, "exit_code"), &efirst);
			json_kint("signal", rec_int(r, "exit_signal"), &efirst);
			json_key("core", &efirst);
			fputs(
			    rec_int(r, "exit_core") ? "true" : "false", stdout);
			json_knum("utime", rec_num(r, "exit_utime"), &efirst);
			json_knum("stime", rec_num(r, "exit_stime"), &efirst);
			json_kint(
			    "maxrss_kb", rec_int(r, "exit_maxrss_kb"), &efirst);
			json_knum("uptime", rec_num(r, "exit_uptime"), &efirst);
			json_kint("time", (long long)rec_num(r, "exit_time"),
			    &efirst);
			json_key("oom", &efirst);
			fputs(rec_int(r, "exit_oom") ? "true" : "false", stdout);
			putchar('}');
		} else {
			fputs("null", stdout);
		}
		json_kint("spawns", rec_int(r, "spawns"), &first);
		json_kint("log_dropped_bytes", rec_int(r, "log_dropped_bytes"),
		    &first);
		json_kstr("stdout_logfile", rec_str(r, "stdout_logfile"),
		    &first);
		json_kstr("stderr_logfile", rec_str(r, "stderr_logfile"),
		    &first);
		json_kstr("tracking", rec_str(r, "tracking"), &first);
		json_kint("nprocs", rec_int(r, "nprocs"), &first);
		json_kint("rss_kb", rec_int(r, "rss_kb"), &first);
		json_kint("pss_kb", rec_int(r, "pss_kb"), &first);
		json_knum("cpu_s", rec_num(r, "cpu_s"), &first);
		json_kint("leftovers", rec_int(r, "leftovers"), &first);
		json_key("unkillable", &first);
		fputs(rec_int(r, "unkillable") ? "true" : "false", stdout);
		putchar('}');
	}
	printf("%s]\n", shown ? "\n" : "");
}

/* status --json: full records (with /proc's memory and CPU, which the
 * table does not show), unknown names on stderr. */
static int
tc_status_json_call(struct tc *t, const struct verb *v, int argc, char **argv)
{
	struct recs rs = {0};
	bool unknown = false, notrunning = false;
	size_t i;
	int rc;

	static const char *const full[] = {"full", "1"};
	struct tc local = *t;

	local.opts = full;
	local.nopts = 1;
	rc = tc_call(&local, v->name, PROTO_REQ_STATUS, argv, argc,
	    CTLC_REPLY_TIMEOUT, tc_collect_cb, &rs);
	if (rc != EXIT_OK) {
		recs_free(&rs);
		return rc;
	}
	for (i = 0; i < rs.n; i++) {
		if (rec_is_unknown(&rs.v[i])) {
			unknown = true;
			(void)fflush(stdout);
			fprintf(stderr, "%s: ERROR (no such process)\n",
			    rec_str(&rs.v[i], "name"));
			continue;
		}
		if (tc_state_stopped(rec_str(&rs.v[i], "state")))
			notrunning = true;
	}
	tc_status_json(&rs);
	recs_free(&rs);
	if (unknown)
		return EXIT_FAIL;
	return notrunning ? EXIT_NOTRUNNING : EXIT_OK;
}

/*
 * The status table, gathered as the records come in: each row's strings
 * (fullname, state, description; or the unknown name) back to back in one
 * arena, NUL-terminated, instead of a copy of every record; printed with
 * one write.  A `status` of 1,000 processes is 1,000 records.
 */
struct tc_row {
	size_t off;   /* of the row's first string in the arena */
	bool unknown; /* "no such process": only the name */
};

struct tc_table {
	char *arena;
	size_t len, cap;
	struct tc_row *rows;
	size_t n, rcap;
	size_t width; /* of the longest fullname */
	bool notrunning, unknown;
};

static void *
tc_xgrow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;

	if (need <= *cap)
		return p;
	while (n < need)
		n *= 2;
	if ((p = realloc(p, n * size)) == NULL) {
		tc_err("out of memory");
		exit(EXIT_FAIL);
	}
	*cap = n;
	return p;
}

/* Append S and its NUL to the arena; S's length. */
static size_t
tc_table_put(struct tc_table *tb, const char *s)
{
	size_t n = strlen(s);

	tb->arena = tc_xgrow(tb->arena, &tb->cap, tb->len + n + 1, 1);
	memcpy(tb->arena + tb->len, s, n + 1);
	tb->len += n + 1;
	return n;
}

/* The first value of a key wins, as rec_get() has it. */
static void
tc_first(const char **dst, const char *v)
{
	if (*dst == NULL)
		*dst = v;
}

/* A tc_msg_fn: one status record into the table. */
static int
tc_table_cb(struct tc *t, struct proto_msg *m, void *arg)
{
	struct tc_table *tb = arg;
	const char *k, *v, *full = NULL, *name = NULL, *state = NULL;
	const char *desc = NULL, *pid = NULL, *fault = NULL;
	struct tc_row *row;
	size_t n;

	while (!proto_at_end(m)) {
		if (proto_get_str(m, &k) == -1 || proto_get_str(m, &v) == -1)
			return -1;
		if (strcmp(k, "fullname") == 0)
			tc_first(&full, v);
		else if (strcmp(k, "name") == 0)
			tc_first(&name, v);
		else if (strcmp(k, "state") == 0)
			tc_first(&state, v);
		else if (strcmp(k, "description") == 0)
			tc_first(&desc, v);
		else if (strcmp(k, "pid") == 0)
			tc_first(&pid, v);
		else if (strcmp(k, "fault") == 0)
			tc_first(&fault, v);
	}
	tb->rows = tc_xgrow(tb->rows, &tb->rcap, tb->n + 1, sizeof(*tb->rows));
	row = &tb->rows[tb->n++];
	row->off = tb->len;
	/* as rec_is_unknown() */
	row->unknown = fault != NULL &&
	               strtoll(fault, NULL, 10) == PROTO_F_NO_SUCH_PROCESS &&
	               state == NULL && pid == NULL;
	if (row->unknown) {
		tb->unknown = true;
		(void)tc_table_put(tb, name != NULL ? name : "");
		return 0;
	}
	if (state == NULL || tc_state_stopped(state))
		tb->notrunning = true;
	if ((n = tc_table_put(tb, full != NULL ? full : "")) > tb->width)
		tb->width = n;
	(void)tc_table_put(tb, state != NULL ? state : "");
	(void)tc_table_put(tb, desc != NULL ? desc : "");
	return 0;
}

/* Copy S to P, then blanks up to WIDTH bytes (printf's %-*s); the end. */
static char *
tc_pad(char *p, const char *s, size_t len, size_t width)
{
	memcpy(p, s, len);
	p += len;
	if (len < width) {
		memset(p, ' ', width - len);
		p += width - len;
	}
	return p;
}

static const char *tc_sort_arena;

/* FULL's group and name: "g:n", or a lone program's "n" (group n). */
static void
tc_split_fullname(const char *full, const char **name, size_t *glen)
{
	const char *colon = strchr(full, ':');

	*name = colon != NULL ? colon + 1 : full;
	*glen = colon != NULL ? (size_t)(colon - full) : strlen(full);
}

/* Rows by (group, name), as supervisord lists its processes. */
static int
tc_row_cmp(const void *a, const void *b)
{
	const char *fa = tc_sort_arena + ((const struct tc_row *)a)->off;
	const char *fb = tc_sort_arena + ((const struct tc_row *)b)->off;
	const char *na, *nb;
	size_t ga, gb;
	int c;

	tc_split_fullname(fa, &na, &ga);
	tc_split_fullname(fb, &nb, &gb);
	if ((c = memcmp(fa, fb, ga < gb ? ga : gb)) != 0)
		return c;
	if (ga != gb)
		return ga < gb ? -1 : 1;
	return strcmp(na, nb);
}

/* supervisorctl's layout: errors first, then the table, NAME padded to
 * the longest name plus 3 (at least 33 columns), STATE to 10. */
static void
tc_table_print(const struct tc_table *tb)
{
	size_t i, w = (tb->width > 30 ? tb->width : 30) + 3, fl, sl, dl;
	char *out, *p;
	const char *f, *st, *d;

	for (i = 0; i < tb->n; i++)
		if (tb->rows[i].unknown)
			tc_print_unknown(tb->arena + tb->rows[i].off);
	/* In supervisorctl's order: by group, then name. */
	tc_sort_arena = tb->arena;
	qsort(tb->rows, tb->n, sizeof(*tb->rows), tc_row_cmp);
	/* Each row's strings take at most its share of the arena, plus
	 * padding: a bound for the whole table. */
	out = tc_xmalloc(tb->len + tb->n * (w + 10 + 1));
	p = out;
	for (i = 0; i < tb->n; i++) {
		if (tb->rows[i].unknown)
			continue;
		f = tb->arena + tb->rows[i].off;
		fl = strlen(f);
		st = f + fl + 1;
		sl = strlen(st);
		d = st + sl + 1;
		dl = strlen(d);
		p = tc_pad(p, f, fl, w);
		p = tc_pad(p, st, sl, 10);
		memcpy(p, d, dl);
		p += dl;
		*p++ = '\n';
	}
	(void)fwrite(out, 1, (size_t)(p - out), stdout);
	free(out);
}

static int
tc_status(struct tc *t, const struct verb *v, int argc, char **argv)
{
	struct tc_table tb = {0};
	int rc;

	if (t->json)
		return tc_status_json_call(t, v, argc, argv);
	rc = tc_call_msgs(t, v->name, PROTO_REQ_STATUS, argv, argc,
	    CTLC_REPLY_TIMEOUT, tc_table_cb, &tb);
	if (rc == EXIT_OK)
		tc_table_print(&tb);
	free(tb.arena);
	free(tb.rows);
	if (rc != EXIT_OK)
		return rc;
	if (tb.unknown)
		return EXIT_FAIL;
	return tb.notrunning ? EXIT_NOTRUNNING : EXIT_OK;
}

/* What a start/stop/signal result counts as: supervisorctl shrugs at
 * "already started" for start and "not running" for stop. */
struct tc_results {
	uint16_t type;
	int failed;
};

static int
tc_result_cb(struct tc *t, const struct rec *r, void *arg)
{
	struct tc_results *res = arg;
	long long fault = rec_int(r, "fault");
	const char *name = rec_str(r, "name");
	const char *detail = rec_get(r, "detail");

	if (fault == PROTO_F_OK) {
		printf("%s: %s\n", name, rec_str(r, "result"));
		return 0;
	}
	if (fault == PROTO_F_NO_SUCH_PROCESS)
		tc_print_unknown(name);
	else
		printf("%s: ERROR (%s)\n", name, rec_str(r, "result"));
	/* The why, which supervisorctl leaves to the logs. */
	if (detail != NULL && *detail != '\0')
		tc_err("%s: %s", name, detail);
	(void)fflush(stdout);
	if ((fault == PROTO_F_ALREADY_STARTED &&
	        (res->type == PROTO_REQ_START ||
	            res->type == PROTO_REQ_RESTART)) ||
	    (fault == PROTO_F_NOT_RUNNING &&
	        (res->type == PROTO_REQ_STOP ||
	            res->type == PROTO_REQ_RESTART)))
		return 0;
	res->failed = 1;
	return 0;
}

static int tc_rolling(struct tc *t, const struct verb *v, int argc,
    char **argv);

/*
 * start/stop/restart [-t SECONDS] NAME...: wait until each process got
 * there; with -t, tendd reports "ERROR (timed out)" for those that did
 * not in time (they carry on).  Without -t a start or stop waits as long
 * as tendd takes (startsecs, startretries and stopwaitsecs bound it) and
 * EOF tells if tendd dies.
 */
static int
tc_startstop(struct tc *t, const struct verb *v, uint16_t type, int argc,
    char **argv, struct tc_results *res)
{
	const char *val = NULL, *opts[2] = {"timeout", NULL};
	struct tc local = *t;
	char **args, *end;
	double secs;
	int i, n = 1, rc;

	args = tc_xmalloc(((size_t)argc + 2) * sizeof(*args));
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-t") == 0 ||
		    strcmp(argv[i], "--timeout") == 0) {
			val = i + 1 < argc ? argv[++i] : "";
			continue;
		}
		if (strncmp(argv[i], "-t", 2) == 0) {
			val = argv[i] + 2;
			continue;
		}
		if (strncmp(argv[i], "--timeout=", 10) == 0) {
			val = argv[i] + 10;
			continue;
		}
		if (argv[i][0] == '-') {
			tc_err("%s: unknown option %s (usage: %s %s)", v->name,
			    argv[i], v->name, v->args);
			free(args);
			return EXIT_USAGE;
		}
		args[n++] = argv[i];
	}
	if (val != NULL && (secs = strtod(val, &end), *val == '\0' ||
	                        *end != '\0' || !(secs > 0 && secs <= 1e6))) {
		tc_err("%s: -t needs a number of seconds above 0, not '%s'",
		    v->name, val);
		free(args);
		return EXIT_USAGE;
	}
	if (n == 1) {
		tc_err("%s: a process name is required (usage: %s %s)", v->name,
		    v->name, v->args);
		free(args);
		return EXIT_USAGE;
	}
	opts[1] = val;
	local.opts = opts;
	local.nopts = val != NULL;
	rc = tc_call(&local, v->name, type, args + 1, n - 1, CTLC_FOREVER,
	    tc_result_cb, res);
	free(args);
	if (rc != EXIT_OK)
		return rc;
	return res->failed ? EXIT_FAIL : EXIT_OK;
}

static int
tc_action(struct tc *t, const struct verb *v, int argc, char **argv)
{
	struct tc_results res = {0};
	uint16_t type;
	int rc, i;

	for (i = 0; i < argc; i++)
		if (strcmp(v->name, "restart") == 0 &&
		    (strcmp(argv[i], "--rolling") == 0 ||
			strncmp(argv[i], "-N", 2) == 0))
			return tc_rolling(t, v, argc, argv);
	if (strcmp(v->name, "start") == 0)
		type = PROTO_REQ_START;
	else if (strcmp(v->name, "stop") == 0)
		type = PROTO_REQ_STOP;
	else if (strcmp(v->name, "restart") == 0)
		type = PROTO_REQ_RESTART;
	else if (strcmp(v->name, "clear") == 0)
		type = PROTO_REQ_CLEAR;
	else
		type = PROTO_REQ_SIGNAL;
	res.type = type;
	if (type == PROTO_REQ_START || type == PROTO_REQ_STOP ||
	    type == PROTO_REQ_RESTART)
		return tc_startstop(t, v, type, argc, argv, &res);
	rc = tc_call(t, v->name, type, argv, argc,
	    type == PROTO_REQ_SIGNAL ? CTLC_REPLY_TIMEOUT : CTLC_FOREVER,
	    tc_result_cb, &res);
	if (rc != EXIT_OK)
		return rc;
	return res.failed ? EXIT_FAIL : EXIT_OK;
}

/* --- ps: each service's process tree ----------------------------------- */

/* "12.3M" from kilobytes, ps-like. */
static void
tc_ps_size(long long kb, char *buf, size_t len)
{
	if (kb < 10 * 1024)
		(void)snprintf(buf, len, "%lldK", kb);
	else if (kb < 10 * 1024 * 1024)
		(void)snprintf(buf, len, "%.1fM", (double)kb / 1024);
	else
		(void)snprintf(buf, len, "%.1fG", (double)kb / (1024 * 1024));
}

/* Is record K (a proc of the service whose records are V[A..B)) the
 * child of a process of the same service? */
static bool
tc_ps_has_parent(const struct recs *rs, size_t a, size_t b, size_t k)
{
	long long ppid = rec_int(&rs->v[k], "ppid");
	size_t i;

	for (i = a; i < b; i++)
		if (i != k && rec_int(&rs->v[i], "pid") == ppid)
			return true;
	return false;
}

static void
tc_ps_proc(const struct tc *t, const struct rec *r, int depth, bool *first)
{
	char rss[32], pss[32], up[64];
	bool f = true;
	int i;

	if (t->json) {
		printf(*first ? "\n   {" : ",\n   {");
		*first = false;
		json_kint("pid", rec_int(r, "pid"), &f);
		json_kint("ppid", rec_int(r, "ppid"), &f);
		json_key("main", &f);
		fputs(rec_int(r, "main") ? "true" : "false", stdout);
		json_kint("depth", depth, &f);
		json_kstr("state", rec_str(r, "state"), &f);
		json_kint("threads", rec_int(r, "threads"), &f);
		json_kint("rss_kb", rec_int(r, "rss_kb"), &f);
		json_kint("pss_kb", rec_int(r, "pss_kb"), &f);
		json_knum("cpu_s", rec_num(r, "cpu_s"), &f);
		json_knum("cpu_pct", rec_num(r, "cpu_pct"), &f);
		json_kint("uptime", rec_int(r, "uptime"), &f);
		json_kstr("cmd", rec_str(r, "cmd"), &f);
		putchar('}');
		return;
	}
	tc_ps_size(rec_int(r, "rss_kb"), rss, sizeof(rss));
	tc_ps_size(rec_int(r, "pss_kb"), pss, sizeof(pss));
	util_format_uptime(rec_num(r, "uptime"), up, sizeof(up));
	printf("  %7lld %7lld %s %4lld %7s %7s %5.1f %10s ", rec_int(r, "pid"),
	    rec_int(r, "ppid"), rec_str(r, "state"), rec_int(r, "threads"),
	    rss, pss, rec_num(r, "cpu_pct"), up);
	for (i = 0; i < depth; i++)
		fputs(i + 1 == depth ? " \\_ " : "    ", stdout);
	printf("%s\n", rec_str(r, "cmd"));
}

/* Print the subtree of the process PID (records V[A..B)), children in
 * pid order (records come in cgroup.procs order, which is by pid). */
static void
tc_ps_tree(const struct tc *t, const struct recs *rs, size_t a, size_t b,
    size_t k, int depth, bool *first)
{
	long long pid = rec_int(&rs->v[k], "pid");
	size_t i;

	tc_ps_proc(t, &rs->v[k], depth, first);
	if (depth > 64)
		return;
	for (i = a; i < b; i++)
		if (i != k && rec_int(&rs->v[i], "ppid") == pid)
			tc_ps_tree(t, rs, a, b, i, depth + 1, first);
}

/* One service: its record at S, its processes in V[S+1..B). */
static void
tc_ps_service(const struct tc *t, const struct recs *rs, size_t s, size_t b,
    bool *sfirst)
{
	const struct rec *r = &rs->v[s];
	char rss[32], pss[32];
	bool f = true, pfirst = true;
	size_t k;

	if (t->json) {
		printf(*sfirst ? "\n {" : ",\n {");
		json_kstr("name", rec_str(r, "fullname"), &f);
		json_kstr("state", rec_str(r, "state"), &f);
		json_kint("pid", rec_int(r, "pid"), &f);
		json_kstr("tracking", rec_str(r, "tracking"), &f);
		json_kint("nprocs", rec_int(r, "nprocs"), &f);
		json_kint("rss_kb", rec_int(r, "rss_kb"), &f);
		json_kint("pss_kb", rec_int(r, "pss_kb"), &f);
		json_knum("cpu_s", rec_num(r, "cpu_s"), &f);
		json_kstr("description", rec_str(r, "description"), &f);
		json_key("processes", &f);
		putchar('[');
	} else {
		tc_ps_size(rec_int(r, "rss_kb"), rss, sizeof(rss));
		tc_ps_size(rec_int(r, "pss_kb"), pss, sizeof(pss));
		printf("%s%-32s %-9s %lld process%s, RSS %s, PSS %s, CPU %.2fs "
		       "(%s)\n",
		    *sfirst ? "" : "\n", rec_str(r, "fullname"),
		    rec_str(r, "state"), rec_int(r, "nprocs"),
		    rec_int(r, "nprocs") == 1 ? "" : "es", rss, pss,
		    rec_num(r, "cpu_s"), rec_str(r, "tracking"));
		if (s + 1 < b)
			printf("  %7s %7s %s %4s %7s %7s %5s %10s %s\n", "PID",
			    "PPID", "S", "THR", "RSS", "PSS", "%CPU",
			    "UPTIME", "COMMAND");
	}
	*sfirst = false;
	for (k = s + 1; k < b; k++)
		if (!tc_ps_has_parent(rs, s + 1, b, k))
			tc_ps_tree(t, rs, s + 1, b, k, 0, &pfirst);
	if (t->json)
		printf("%s]}", pfirst ? "" : "\n  ");
}

static int
tc_ps(struct tc *t, const struct verb *v, int argc, char **argv)
{
	struct recs rs = {0};
	bool first = true;
	size_t i, j;
	int rc;

	rc = tc_call(t, v->name, PROTO_REQ_PS, argv, argc, CTLC_REPLY_TIMEOUT,
	    tc_collect_cb, &rs);
	if (rc != EXIT_OK) {
		recs_free(&rs);
		return rc;
	}
	if (t->json)
		putchar('[');
	for (i = 0; i < rs.n; i = j) {
		j = i + 1;
		if (rec_is_unknown(&rs.v[i])) {
			(void)fflush(stdout);
			tc_print_unknown(rec_str(&rs.v[i], "name"));
			rc = EXIT_FAIL;
			continue;
		}
		if (strcmp(rec_str(&rs.v[i], "kind"), "service") != 0)
			continue;
		while (j < rs.n &&
		       strcmp(rec_str(&rs.v[j], "kind"), "proc") == 0)
			j++;
		tc_ps_service(t, &rs, i, j, &first);
	}
	if (t->json)
		printf("%s]\n", first ? "" : "\n");
	recs_free(&rs);
	return rc;
}

static int
tc_pid(struct tc *t, const struct verb *v, int argc, char **argv)
{
	struct recs rs = {0};
	bool first, all = argc == 0;
	int rc, i;
	size_t k, shown = 0;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "all") == 0)
			all = true;
	rc = tc_call(t, v->name, PROTO_REQ_PID, argv, argc, CTLC_REPLY_TIMEOUT,
	    tc_collect_cb, &rs);
	if (rc != EXIT_OK) {
		recs_free(&rs);
		return rc;
	}
	if (t->json)
		putchar('[');
	for (k = 0; k < rs.n; k++) {
		const struct rec *r = &rs.v[k];

		if (rec_is_unknown(r)) {
			(void)fflush(stdout);
			fprintf(stderr, "%s: ERROR (no such process)\n",
			    rec_str(r, "name"));
			rc = EXIT_FAIL;
			continue;
		}
		/* A named process that is not running is a failed
		 * lookup (supervisorctl exits non-zero too). */
		if (!all && rec_int(r, "pid") == 0)
			rc = EXIT_FAIL;
		if (t->json) {
			printf(shown++ ? ",\n {" : "\n {");
			first = true;
			json_kstr("name", rec_str(r, "name"), &first);
			json_kint("pid", rec_int(r, "pid"), &first);
			putchar('}');
		} else {
			printf("%lld\n", rec_int(r, "pid"));
		}
	}
	if (t->json)
		printf("%s]\n", shown ? "\n" : "");
	recs_free(&rs);
	return rc;
}

static int
tc_avail(struct tc *t, const struct verb *v, int argc, char **argv)
{
	struct recs rs = {0};
	char prio[64];
	bool first;
	size_t k;
	int rc;

	rc = tc_call(t, v->name, PROTO_REQ_AVAIL, argv, argc,
	    CTLC_REPLY_TIMEOUT, tc_collect_cb, &rs);
	if (rc != EXIT_OK) {
		recs_free(&rs);
		return rc;
	}
	if (t->json)
		putchar('[');
	for (k = 0; k < rs.n; k++) {
		const struct rec *r = &rs.v[k];

		if (t->json) {
			printf(k ? ",\n {" : "\n {");
			first = true;
			json_kstr("name", rec_str(r, "name"), &first);
			json_kstr("group", rec_str(r, "group"), &first);
			json_key("inuse", &first);
			fputs(rec_int(r, "inuse") ? "true" : "false", stdout);
			json_key("autostart", &first);
			fputs(
			    rec_int(r, "autostart") ? "true" : "false", stdout);
			json_kint("priority", rec_int(r, "priority"), &first);
			json_kint("group_priority",
			    rec_int(r, "group_priority"), &first);
			putchar('}');
			continue;
		}
		/* supervisorctl's "%-32s %-9s %-9s GROUP:PROCESS priority" */
		(void)snprintf(prio, sizeof(prio), "%lld:%lld",
		    rec_int(r, "group_priority"), rec_int(r, "priority"));
		printf("%-32s %-9s %-9s %s\n", rec_str(r, "name"),
		    rec_int(r, "inuse") ? "in use" : "avail",
		    rec_int(r, "autostart") ? "auto" : "manual", prio);
	}
	if (t->json)
		printf("%s]\n", rs.n ? "\n" : "");
	recs_free(&rs);
	return EXIT_OK;
}

static int
tc_version(struct tc *t, const struct verb *v, int argc, char **argv)
{
	struct recs rs = {0};
	bool first = true;
	int rc;

	rc = tc_call(t, v->name, PROTO_REQ_VERSION, argv, argc,
	    CTLC_REPLY_TIMEOUT, tc_collect_cb, &rs);
	if (rc != EXIT_OK || rs.n == 0) {
		recs_free(&rs);
		return rc != EXIT_OK ? rc : EXIT_FAIL;
	}
	if (t->json) {
		putchar('{');
		json_kstr("tendd", rec_str(&rs.v[0], "version"), &first);
		json_kstr("tendctl", TEND_VERSION, &first);
		json_kint("protocol", rec_int(&rs.v[0], "protocol"), &first);
		printf("}\n");
	} else {
		printf("%s\n", rec_str(&rs.v[0], "version"));
	}
	recs_free(&rs);
	return EXIT_OK;
}

static int
tc_shutdown(struct tc *t, const struct verb *v, int argc, char **argv)
{
	int rc;

	rc = tc_call(t, v->name, PROTO_REQ_SHUTDOWN, argv, argc, CTLC_FOREVER,
	    NULL, NULL);
	if (rc == EXIT_OK)
		printf("Shut down\n");
	return rc;
}

/* --- events ------------------------------------------------------------ */

static const char *
msg_str(const struct proto_msg *m, const char *key)
{
	const char *v = proto_record_get(m, key);

	return v != NULL ? v : "";
}

static long long
msg_int(const struct proto_msg *m, const char *key)
{
	return strtoll(msg_str(m, key), NULL, 10);
}

/* One state change: "SEQ DATE TIME NAME FROM -> STATE DESCRIPTION", or
 * one JSON object on a line of its own. */
static void
tc_event_print(const struct tc *t, const struct proto_msg *m)
{
	double when = strtod(msg_str(m, "time"), NULL);
	time_t secs = (time_t)when;
	bool first = true, efirst = true;
	char stamp[64];
	struct tm tm;

	if (t->json) {
		putchar('{');
		json_kint("seq", msg_int(m, "seq"), &first);
		json_knum("time", isfinite(when) ? when : 0, &first);
		json_kstr("name", msg_str(m, "name"), &first);
		json_kstr("group", msg_str(m, "group"), &first);
		json_kstr("fullname", msg_str(m, "fullname"), &first);
		json_kstr("from", msg_str(m, "from"), &first);
		json_kstr("state", msg_str(m, "state"), &first);
		json_kint("pid", msg_int(m, "pid"), &first);
		json_kstr("description", msg_str(m, "description"), &first);
		json_key("exit", &first);
		if (proto_record_get(m, "exit_code") != NULL) {
			putchar('{');
			json_kint("code", msg_int(m, "exit_code"), &efirst);
			json_kint("signal", msg_int(m, "exit_signal"), &efirst);
			json_key("core", &efirst);
			fputs(msg_int(m, "exit_core") ? "true" : "false", stdout);
			putchar('}');
		} else {
			fputs("null", stdout);
		}
		fputs("}\n", stdout);
		return;
	}
	if (localtime_r(&secs, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		(void)snprintf(stamp, sizeof(stamp), "%lld", (long long)secs);
	printf("%lld %s.%03d %s %s -> %s%s%s\n", msg_int(m, "seq"), stamp,
	    (int)((when - (double)secs) * 1000) % 1000, msg_str(m, "fullname"),
	    msg_str(m, "from"), msg_str(m, "state"),
	    *msg_str(m, "description") ? " " : "", msg_str(m, "description"));
}

/*
 * events [--since SEQ] [--no-follow]: print every state change tendd
 * records, each with its sequence number; with --since, first the ones
 * after SEQ that tendd still holds.  An overflow of that history is
 * reported, on standard error and as a {"lost": N} line with --json, and
 * makes a --no-follow run exit 1.
 */
static int
tc_events(struct tc *t, const struct verb *v, int argc, char **argv)
{
	static struct ctlc c;
	const char *since = "", *s;
	char *args[2], *end, err[512];
	bool follow = true, lost = false;
	struct proto_msg m;
	uint32_t id;
	int i, rc = EXIT_OK;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--no-follow") == 0)
			follow = false;
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc)
			since = argv[++i];
		else if (strncmp(argv[i], "--since=", 8) == 0)
			since = argv[i] + 8;
		else {
			tc_err("events: unexpected argument %s (usage: events "
			       "%s)",
			    argv[i], v->args);
			return EXIT_USAGE;
		}
	}
	if (*since != '\0' &&
	    (*since < '0' || *since > '9' ||
	        (strtoull(since, &end, 10), *end != '\0'))) {
		tc_err("events: --since needs a sequence number, not '%s'",
		    since);
		return EXIT_USAGE;
	}
	args[0] = (char *)since;
	args[1] = follow ? "1" : "0";
	struct ctlc_req rq = {PROTO_REQ_EVENTS, NULL, 0, args, 2};

	if (ctlc_open_request(&c, t->sock, &rq, &id,
	        err, sizeof(err)) == -1) {
		tc_err("%s", err);
		return EXIT_UNREACHABLE;
	}
	for (;;) {
		if (ctlc_read(&c, &m, follow ? CTLC_FOREVER : CTLC_REPLY_TIMEOUT,
		        err, sizeof(err)) == -1) {
			tc_err("events: %s", err);
			rc = EXIT_UNREACHABLE;
			break;
		}
		if (m.id != id)
			continue;
		if (m.type == PROTO_END)
			break;
		if (m.type == PROTO_ERROR) {
			tc_err("events: %s",
			    proto_get_str(&m, &s) == 0 ? s : "failed");
			rc = EXIT_FAIL;
			break;
		}
		if (m.type != PROTO_RECORD || proto_count_strs(&m) < 0) {
			tc_err("events: bad reply from tendd");
			rc = EXIT_FAIL;
			break;
		}
		if (proto_record_get(&m, "seq") != NULL) {
			tc_event_print(t, &m);
		} else if ((s = proto_record_get(&m, "lost")) != NULL) {
			lost = true;
			tc_err("events: %s events lost: tendd keeps only the "
			       "last ones; resuming at %s",
			    s, msg_str(&m, "next"));
			if (t->json)
				printf("{\"lost\":%lld,\"next\":%lld}\n",
				    msg_int(&m, "lost"), msg_int(&m, "next"));
		} else if (proto_record_get(&m, "reset") != NULL) {
			tc_err("events: sequence %s is past tendd's last "
			       "(%lld): tendd restarted; showing all it kept",
			    since, msg_int(&m, "next") - 1);
		}
		if (follow && fflush(stdout) == EOF) {
			rc = EXIT_FAIL;
			break;
		}
	}
	ctlc_close(&c);
	if (fflush(stdout) == EOF && rc == EXIT_OK)
		rc = EXIT_FAIL;
	if (rc == EXIT_OK && lost)
		rc = EXIT_FAIL;
	return rc;
}

/*
 * Stream a log: connect, send TYPE with ARGV, write every DATA frame's
 * bytes to stdout as they are (binary included) until END.  A follower
 * that tendd skipped ahead is told so on stderr.
 */
static int
tc_stream(struct tc *t, const char *verb, uint16_t type, char **argv,
    int argc, bool follow)
{
	static struct ctlc c;
	const unsigned char *p;
	struct proto_msg m;
	const char *s;
	char err[512];
	uint32_t id;
	size_t n;
	int rc = EXIT_OK;

	struct ctlc_req rq = {type, NULL, 0, argv, argc};

	if (ctlc_open_request(&c, t->sock, &rq, &id, err, sizeof(err)) == -1) {
		tc_err("%s", err);
		return EXIT_UNREACHABLE;
	}
	for (;;) {
		if (ctlc_read(&c, &m, follow ? CTLC_FOREVER : CTLC_REPLY_TIMEOUT,
		        err, sizeof(err)) == -1) {
			tc_err("%s: %s", verb, err);
			rc = EXIT_UNREACHABLE;
			break;
		}
		if (m.id != id)
			continue;
		if (m.type == PROTO_DATA) {
			proto_get_rest(&m, &p, &n);
			if (fwrite(p, 1, n, stdout) != n ||
			    (follow && fflush(stdout) == EOF)) {
				rc = EXIT_FAIL;
				break;
			}
			continue;
		}
		if (m.type == PROTO_RECORD &&
		    (s = proto_record_get(&m, "skipped")) != NULL) {
			tc_err("%s: skipped %s bytes (this reader fell too far "
			       "behind)",
			    verb, s);
			continue;
		}
		if (m.type == PROTO_END)
			break;
		if (m.type == PROTO_ERROR) {
			tc_err("%s: %s", verb,
			    proto_get_str(&m, &s) == 0 ? s : "failed");
			rc = EXIT_FAIL;
			break;
		}
		tc_err("%s: bad reply from tendd", verb);
		rc = EXIT_FAIL;
		break;
	}
	ctlc_close(&c);
	if (fflush(stdout) == EOF && rc == EXIT_OK)
		rc = EXIT_FAIL;
	return rc;
}

/* Bytes (-BYTES, default 1600 as supervisorctl) or lines (-n LINES). */
struct tc_tailopts {
	bool follow;
	bool lines;
	char count[32];
};

/* Parse [-f] [-BYTES] [-n LINES] from ARGV; returns how many words were
 * options, -1 on a usage error (printed). */
static int
tc_tail_opts(const char *verb, int argc, char **argv, struct tc_tailopts *o)
{
	const char *num;
	char *end;
	int i;

	memset(o, 0, sizeof(*o));
	(void)snprintf(o->count, sizeof(o->count), "1600");
	for (i = 0; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		num = NULL;
		if (strcmp(argv[i], "-f") == 0) {
			o->follow = true;
			continue;
		}
		if (strncmp(argv[i], "-n", 2) == 0) {
			o->lines = true;
			num = argv[i][2] != '\0' ? argv[i] + 2 : NULL;
			if (num == NULL && i + 1 < argc)
				num = argv[++i];
		} else {
			o->lines = false;
			num = argv[i] + 1;
		}
		if (num == NULL || *num < '0' || *num > '9' ||
		    (strtoull(num, &end, 10), *end != '\0') ||
		    strlen(num) >= sizeof(o->count)) {
			tc_err("%s: bad option %s (usage: %s [-f] [-BYTES] "
			       "[-n LINES]%s)",
			    verb, argv[i], verb,
			    strcmp(verb, "tail") == 0 ? " NAME [stdout|stderr]"
			                              : "");
			return -1;
		}
		(void)snprintf(o->count, sizeof(o->count), "%s", num);
	}
	return i;
}

static int
tc_tail(struct tc *t, const struct verb *v, int argc, char **argv)
{
	struct tc_tailopts o;
	char *args[5];
	int k;

	if ((k = tc_tail_opts(v->name, argc, argv, &o)) < 0)
		return EXIT_USAGE;
	argc -= k;
	argv += k;
	if (argc < 1 || argc > 2 ||
	    (argc == 2 && strcmp(argv[1], "stdout") != 0 &&
	        strcmp(argv[1], "stderr") != 0)) {
		tc_err("tail: usage: tail [-f] [-BYTES] [-n LINES] NAME "
		       "[stdout|stderr]");
		return EXIT_USAGE;
	}
	args[0] = argv[0];
	args[1] = argc == 2 ? argv[1] : "stdout";
	args[2] = o.lines ? "lines" : "bytes";
	args[3] = o.count;
	args[4] = o.follow ? "1" : "0";
	return tc_stream(t, v->name, PROTO_REQ_TAIL, args, 5, o.follow);
}

static int
tc_maintail(struct tc *t, const struct verb *v, int argc, char **argv)
{
	struct tc_tailopts o;
	char *args[3];
	int k;

	if ((k = tc_tail_opts(v->name, argc, argv, &o)) < 0)
		return EXIT_USAGE;
	if (k != argc) {
		tc_err("maintail: usage: maintail [-f] [-BYTES] [-n LINES]");
		return EXIT_USAGE;
	}
	args[0] = o.lines ? "lines" : "bytes";
	args[1] = o.count;
	args[2] = o.follow ? "1" : "0";
	return tc_stream(t, v->name, PROTO_REQ_MAINTAIL, args, 3, o.follow);
}

static int
tc_reopen(struct tc *t, const struct verb *v, int argc, char **argv)
{
	int rc;

	rc = tc_call(t, v->name, PROTO_REQ_REOPEN, argv, argc,
	    CTLC_REPLY_TIMEOUT, NULL, NULL);
	if (rc == EXIT_OK)
		printf("Reopened log files\n");
	return rc;
}

/* --- reread, update, add, remove, reload, restart --rolling ----------- */

/* One record of the reload family: a config error or a note (stderr),
 * "none", or a per-process result (as start's). */
static int
tc_reload_cb(struct tc *t, const struct rec *r, void *arg)
{
	const char *s;

	if ((s = rec_get(r, "error")) != NULL) {
		(void)fflush(stdout);
		fprintf(stderr, "%s\n", s);
		return 0;
	}
	if ((s = rec_get(r, "note")) != NULL) {
		tc_err("%s", s);
		return 0;
	}
	if ((s = rec_get(r, "none")) != NULL) {
		printf("%s\n", s);
		return 0;
	}
	return tc_result_cb(t, r, arg);
}

static int
tc_reload_call(
    struct tc *t, const struct verb *v, uint16_t type, char **argv, int argc)
{
	struct tc_results res = {0};
	int rc;

	res.type = type;
	/* update and reload wait for the stops and starts they cause, which
	 * tendd bounds with stopwaitsecs and startsecs. */
	rc = tc_call(t, v->name, type, argv, argc,
	    type == PROTO_REQ_REREAD ? CTLC_REPLY_TIMEOUT : CTLC_FOREVER,
	    tc_reload_cb, &res);
	if (rc != EXIT_OK)
		return rc;
	return res.failed ? EXIT_FAIL : EXIT_OK;
}

static int
tc_reread(struct tc *t, const struct verb *v, int argc, char **argv)
{
	return tc_reload_call(t, v, PROTO_REQ_REREAD, argv, argc);
}

/* update [-n] [NAME...] and reload [-n]: the first field carries the
 * flags. */
static int
tc_update(struct tc *t, const struct verb *v, int argc, char **argv)
{
	char **args, flags[2] = "";
	int i, n = 0, rc;
	bool reload = strcmp(v->name, "reload") == 0;

	args = tc_xmalloc(((size_t)argc + 2) * sizeof(*args));
	args[n++] = flags;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 ||
		    strcmp(argv[i], "--dry-run") == 0) {
			flags[0] = 'n';
			continue;
		}
		if (argv[i][0] == '-' || reload) {
			tc_err("%s: unexpected argument %s (usage: %s %s)",
			    v->name, argv[i], v->name, v->args);
			free(args);
			return EXIT_USAGE;
		}
		args[n++] = argv[i];
	}
	rc = tc_reload_call(
	    t, v, reload ? PROTO_REQ_RELOAD : PROTO_REQ_UPDATE, args, n);
	free(args);
	return rc;
}

/* add and remove answer per argument, in supervisorctl's words. */
enum tc_group_res {
	TC_GROUP_DONE = 0,
	TC_GROUP_ACTIVE,  /* add: already there */
	TC_GROUP_RUNNING, /* remove: a process still runs */
	TC_GROUP_UNKNOWN,
	TC_GROUP_FAILED, /* said as start says it */
};

struct tc_groups {
	char **names;
	int n;
	enum tc_group_res *res;
	bool answered; /* results came: the request was carried out */
};

/* Which argument named FULL (a fullname tendd answered for)? */
static int
tc_group_of(const struct tc_groups *g, const char *full)
{
	size_t n;
	int i;

	for (i = 0; i < g->n; i++) {
		n = strlen(g->names[i]);
		if (n > 2 && strcmp(g->names[i] + n - 2, ":*") == 0)
			n -= 2;
		if (strncmp(full, g->names[i], n) == 0 &&
		    (full[n] == '\0' || full[n] == ':'))
			return i;
	}
	return -1;
}

static int
tc_group_cb(struct tc *t, const struct rec *r, void *arg)
{
	struct tc_groups *g = arg;
	long long fault = rec_int(r, "fault");
	const char *result = rec_str(r, "result");
	enum tc_group_res res = TC_GROUP_FAILED;
	int i;

	if (rec_get(r, "none") != NULL)
		return 0; /* each argument gets its line */
	if (rec_get(r, "error") != NULL || rec_get(r, "note") != NULL)
		return tc_reload_cb(t, r, NULL);
	g->answered = true;
	if ((i = tc_group_of(g, rec_str(r, "name"))) < 0)
		return tc_result_cb(t, r, &(struct tc_results){0});
	if (fault == PROTO_F_OK)
		return 0;
	if (fault == PROTO_F_NO_SUCH_PROCESS)
		res = TC_GROUP_UNKNOWN;
	else if (strcmp(result, "already active") == 0)
		res = TC_GROUP_ACTIVE;
	else if (strcmp(result, "process still running") == 0)
		res = TC_GROUP_RUNNING;
	if (res == TC_GROUP_FAILED)
		(void)tc_result_cb(t, r, &(struct tc_results){0});
	if (g->res[i] == TC_GROUP_DONE)
		g->res[i] = res;
	return 1;
}

/* add/remove NAME...: "NAME: added process group", "ERROR: no such
 * process/group: NAME"... as supervisorctl prints them. */
static int
tc_addremove(struct tc *t, const struct verb *v, int argc, char **argv)
{
	bool add = strcmp(v->name, "add") == 0;
	struct tc_groups g = {argv, argc, NULL, false};
	int i, rc;

	g.res = tc_xmalloc(((size_t)argc + 1) * sizeof(*g.res));
	memset(g.res, 0, ((size_t)argc + 1) * sizeof(*g.res));
	rc = tc_call(t, v->name, add ? PROTO_REQ_ADD : PROTO_REQ_REMOVE, argv,
	    argc, CTLC_FOREVER, tc_group_cb, &g);
	for (i = 0; i < argc && rc != EXIT_UNREACHABLE; i++) {
		if (g.res[i] == TC_GROUP_DONE && (rc == EXIT_OK || g.answered))
			printf("%s: %s process group\n", argv[i],
			    add ? "added" : "removed");
		else if (g.res[i] == TC_GROUP_ACTIVE)
			printf("ERROR: process group already active\n");
		else if (g.res[i] == TC_GROUP_RUNNING)
			printf("ERROR: process/group still running: %s\n",
			    argv[i]);
		else if (g.res[i] == TC_GROUP_UNKNOWN)
			printf("ERROR: no such process/group: %s\n", argv[i]);
	}
	free(g.res);
	return rc;
}

/* restart --rolling [-N n] NAME...: one batch of n at a time. */
static int
tc_rolling(struct tc *t, const struct verb *v, int argc, char **argv)
{
	char **args, width[16] = "1", *end;
	const char *nval;
	unsigned long n;
	int i, k = 0, rc;

	args = tc_xmalloc(((size_t)argc + 2) * sizeof(*args));
	args[k++] = width;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--rolling") == 0)
			continue;
		if (strncmp(argv[i], "-N", 2) == 0) {
			nval = argv[i][2] != '\0' ? argv[i] + 2
			       : i + 1 < argc     ? argv[++i]
			                          : "";
			n = strtoul(nval, &end, 10);
			if (*nval == '\0' || *end != '\0' || n == 0 ||
			    n > 1000000) {
				tc_err("restart: -N needs a positive number, "
				       "not '%s'",
				    nval);
				free(args);
				return EXIT_USAGE;
			}
			(void)snprintf(width, sizeof(width), "%lu", n);
			continue;
		}
		args[k++] = argv[i];
	}
	if (k < 2) {
		tc_err("restart: a process name is required (usage: restart "
		       "--rolling [-N n] NAME...)");
		free(args);
		return EXIT_USAGE;
	}
	rc = tc_reload_call(t, v, PROTO_REQ_ROLLING, args, k);
	free(args);
	return rc;
}

/* --- metrics: Prometheus's text format ---------------------------------- */

/* A label value: backslash, double quote and newline escaped, as the
 * text format wants; bytes that are not UTF-8 become U+FFFD. */
static void
tc_prom_label(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p != '\0') {
		if (*p == '\\' || *p == '"') {
			putchar('\\');
			putchar(*p++);
		} else if (*p == '\n') {
			fputs("\\n", stdout);
			p++;
		} else if ((n = json_utf8_len(p)) == 0) {
			fputs("\xef\xbf\xbd", stdout);
			p++;
		} else {
			(void)fwrite(p, 1, n, stdout);
			p += n;
		}
	}
}

/* A sample value: integers as such, the rest with milliseconds. */
static void
tc_prom_value(double d)
{
	/* (no floor(): tendctl does not link libm) */
	if (d > -1e15 && d < 1e15 && d == (double)(long long)d)
		printf(" %.0f\n", d);
	else
		printf(" %.3f\n", d);
}

/*
 * What `tendctl metrics` prints: one family per row, in this order.  KEY
 * is the record key holding the value (a sample only where the record
 * has it); rows of one family follow each other, told apart by an extra
 * label LKEY="LVAL".  KEY NULL: computed (see tc_prom_special).
 */
struct tc_prom_row {
	bool tendd; /* from the tendd record; else one sample per process */
	const char *metric;
	const char *type;
	const char *help;
	const char *key;
	const char *lkey, *lval;
};

static const struct tc_prom_row tc_prom_rows[] = {
    {true, "tend_info", "gauge",
        "tendd's version and control protocol version (always 1).", NULL, NULL,
        NULL},
    {true, "tend_start_time_seconds", "gauge",
        "When tendd started, in seconds since the epoch.", "start_time", NULL,
        NULL},
    {true, "tend_control_clients", "gauge",
        "Control clients connected to tendd, this one included.", "clients",
        NULL, NULL},
    {true, "tend_control_clients_max", "gauge",
        "Control clients tendd accepts at once.", "clients_max", NULL, NULL},
    {true, "tend_config_generation", "gauge",
        "Configurations tendd has taken: 1 at start, one more per applied "
        "reload.",
        "config_generation", NULL, NULL},
    {true, "tend_processes", "gauge", "Processes in tendd's table.",
        "processes", NULL, NULL},
    {true, "tend_cpu_seconds_total", "counter", "CPU time tendd has used.",
        "cpu_user", "mode", "user"},
    {true, "tend_cpu_seconds_total", NULL, NULL, "cpu_system", "mode",
        "system"},
    {true, "tend_resident_memory_bytes", "gauge",
        "tendd's resident memory (RSS).", "rss_bytes", NULL, NULL},
    {false, "tend_process_state", "gauge",
        "1 for the state the process is in, 0 for the others.", NULL, "state",
        NULL},
    {false, "tend_process_spawns_total", "counter",
        "Times the process was spawned since tendd started.", "spawns", NULL,
        NULL},
    {false, "tend_process_restarts_total", "counter",
        "Spawns after the first (automatic and requested restarts).", NULL,
        NULL, NULL},
    {false, "tend_process_failed_starts", "gauge",
        "Failed starts in a row (supervisord's backoff count; FATAL after "
        "startretries).",
        "backoff", NULL, NULL},
    {false, "tend_process_start_time_seconds", "gauge",
        "When the running process was spawned, in seconds since the epoch.",
        "start_time", NULL, NULL},
    {false, "tend_process_uptime_seconds", "gauge",
        "How long the process has been running (0 when it is not).", "uptime",
        NULL, NULL},
    {false, "tend_process_last_exit_code", "gauge",
        "Exit status of the last run (0 when a signal ended it).", "exit_code",
        NULL, NULL},
    {false, "tend_process_last_exit_signal", "gauge",
        "Signal that ended the last run (0 when it exited).", "exit_signal",
        NULL, NULL},
    {false, "tend_process_last_exit_time_seconds", "gauge",
        "When the last run ended, in seconds since the epoch.", "exit_time",
        NULL, NULL},
    {false, "tend_process_cpu_seconds_total", "counter",
        "CPU time of the running main process (its own, not its children's).",
        "cpu_user", "mode", "user"},
    {false, "tend_process_cpu_seconds_total", NULL, NULL, "cpu_system", "mode",
        "system"},
    {false, "tend_process_resident_memory_bytes", "gauge",
        "Resident memory (RSS) of the running main process.", "rss_bytes", NULL,
        NULL},
    {false, "tend_process_proportional_memory_bytes", "gauge",
        "Proportional set size (PSS: shared pages divided among their "
        "users) of the running main process.",
        "pss_bytes", NULL, NULL},
    {false, "tend_process_threads", "gauge",
        "Threads of the running main process.", "threads", NULL, NULL},
    {false, "tend_process_log_dropped_bytes_total", "counter",
        "Output bytes that could not be written to the log files.",
        "log_dropped_bytes", NULL, NULL},
};

static const char *const tc_prom_states[] = {"STOPPED", "STARTING", "RUNNING",
    "BACKOFF", "STOPPING", "EXITED", "FATAL", "UNKNOWN"};

/* The labels of R's samples: {name="G:P",group="G"[,LKEY="LVAL"]}. */
static void
tc_prom_labels(const struct rec *r, const char *lkey, const char *lval)
{
	putchar('{');
	if (r != NULL) {
		fputs("name=\"", stdout);
		tc_prom_label(rec_str(r, "fullname"));
		fputs("\",group=\"", stdout);
		tc_prom_label(rec_str(r, "group"));
		putchar('"');
	}
	if (lkey != NULL) {
		printf("%s%s=\"", r != NULL ? "," : "", lkey);
		tc_prom_label(lval);
		putchar('"');
	}
	putchar('}');
}

/* The samples of a computed row for record R (tendd's or a process's);
 * returns how many it printed (PRINT false: only counts). */
static int
tc_prom_special(const struct tc_prom_row *row, const struct rec *r, bool print)
{
	size_t i;
	long long spawns;

	if (strcmp(row->metric, "tend_info") == 0) {
		if (print) {
			fputs(row->metric, stdout);
			printf("{version=\"");
			tc_prom_label(rec_str(r, "version"));
			printf("\",protocol=\"");
			tc_prom_label(rec_str(r, "protocol"));
			printf("\"} 1\n");
		}
		return 1;
	}
	if (strcmp(row->metric, "tend_process_state") == 0) {
		for (i = 0; print && i < TEND_NELEM(tc_prom_states); i++) {
			fputs(row->metric, stdout);
			tc_prom_labels(r, "state", tc_prom_states[i]);
			printf(" %d\n", strcmp(rec_str(r, "state"),
			                    tc_prom_states[i]) == 0);
		}
		return (int)TEND_NELEM(tc_prom_states);
	}
	/* tend_process_restarts_total */
	spawns = rec_int(r, "spawns");
	if (print) {
		fputs(row->metric, stdout);
		tc_prom_labels(r, NULL, NULL);
		printf(" %lld\n", spawns > 0 ? spawns - 1 : 0);
	}
	return 1;
}

/* Print (or, PRINT false, count) ROW's samples over the records. */
static int
tc_prom_samples(
    const struct tc_prom_row *row, const struct recs *rs, bool print)
{
	const struct rec *r;
	const char *kind;
	size_t i;
	int n = 0;

	for (i = 0; i < rs->n; i++) {
		r = &rs->v[i];
		kind = rec_str(r, "kind");
		if (strcmp(kind, row->tendd ? "tendd" : "process") != 0)
			continue;
		if (row->key == NULL) {
			n += tc_prom_special(row, r, print);
			continue;
		}
		if (rec_get(r, row->key) == NULL)
			continue;
		/* A process that never ran has no start time. */
		if (strcmp(row->key, "start_time") == 0 &&
		    rec_num(r, row->key) <= 0)
			continue;
		n++;
		if (!print)
			continue;
		fputs(row->metric, stdout);
		if (!row->tendd || row->lkey != NULL)
			tc_prom_labels(
			    row->tendd ? NULL : r, row->lkey, row->lval);
		tc_prom_value(rec_num(r, row->key));
	}
	return n;
}

/*
 * metrics: tendd's numbers in Prometheus's text exposition format, for
 * node_exporter's textfile collector or any scraper that runs a command.
 * Nothing is printed unless tendd answered in full, so
 * `tendctl metrics > f.tmp && mv f.tmp f.prom` never publishes half a
 * file.  A family without samples (no process has exited yet) is left
 * out, HELP and TYPE included.
 */
static int
tc_metrics(struct tc *t, const struct verb *v, int argc, char **argv)
{
	struct recs rs = {0};
	const struct tc_prom_row *row, *head = NULL;
	size_t i, k;
	int rc, n;

	rc = tc_call(t, v->name, PROTO_REQ_METRICS, argv, argc,
	    CTLC_REPLY_TIMEOUT, tc_collect_cb, &rs);
	if (rc != EXIT_OK) {
		recs_free(&rs);
		return rc;
	}
	for (i = 0; i < TEND_NELEM(tc_prom_rows); i++) {
		row = &tc_prom_rows[i];
		if (row->type != NULL) {
			/* A family's first row: HELP and TYPE, if any row
			 * of it has a sample. */
			head = row;
			for (n = 0, k = i; k < TEND_NELEM(tc_prom_rows); k++) {
				if (k > i && tc_prom_rows[k].type != NULL)
					break;
				n += tc_prom_samples(
				    &tc_prom_rows[k], &rs, false);
			}
			if (n > 0)
				printf("# HELP %s %s\n# TYPE %s %s\n",
				    head->metric, head->help, head->metric,
				    head->type);
		}
		(void)tc_prom_samples(row, &rs, true);
	}
	recs_free(&rs);
	if (fflush(stdout) == EOF) {
		tc_err("metrics: standard output: %s", strerror(errno));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int
tc_notyet(struct tc *t, const struct verb *v, int argc, char **argv)
{
	tc_err("%s: not yet available in this version of tend", v->name);
	return EXIT_FAIL;
}

static void
tc_verb_usage(FILE *fp, const struct verb *v)
{
	char form[64];

	(void)snprintf(form, sizeof(form), "%s%s%s", v->name,
	    v->args[0] ? " " : "", v->args);
	/* A long form gets a line of its own. */
	if (strlen(form) > 22)
		fprintf(fp, "  %s\n  %-22s %s%s\n", form, "", v->help,
		    v->flags & TC_NOTYET ? " (not yet)" : "");
	else
		fprintf(fp, "  %-22s %s%s\n", form, v->help,
		    v->flags & TC_NOTYET ? " (not yet)" : "");
}

static const struct verb *tc_find_verb(const char *name);

static int
tc_help(struct tc *t, const struct verb *v, int argc, char **argv)
{
	const struct verb *h;

	if (argc == 1) {
		if ((h = tc_find_verb(argv[0])) == NULL) {
			tc_err("help: unknown verb: %s", argv[0]);
			return EXIT_USAGE;
		}
		tc_verb_usage(stdout, h);
		if (h->flags & TC_JSON)
			printf("  (accepts --json)\n");
		return EXIT_OK;
	}
	printf("verbs (NAME is PROCESS, GROUP:PROCESS, GROUP:* or all):\n");
	for (h = verbs; h->name != NULL; h++)
		if (t->shell || !(h->flags & TC_SHELL))
			tc_verb_usage(stdout, h);
	return EXIT_OK;
}

static const struct verb verbs[] = {
    {"status", "[NAME...]", tc_status,
        "show processes; exit 3 if one is stopped, exited or fatal", 0, -1,
        TC_JSON},
    {"start", "[-t SECS] NAME...", tc_action,
        "start processes, wait until RUNNING (-t: at most SECS)", 1, -1, 0},
    {"stop", "[-t SECS] NAME...", tc_action,
        "stop processes, wait until stopped (-t: at most SECS)", 1, -1, 0},
    {"restart", "[-t SECS | --rolling [-N n]] NAME...", tc_action,
        "stop, then start processes (--rolling: n at a time)", 1, -1, 0},
    {"events", "[--since SEQ] [--no-follow]", tc_events,
        "stream state changes as they happen, numbered", 0, -1, TC_JSON},
    {"signal", "SIGNAL NAME...", tc_action, "send SIGNAL (TERM, HUP, 15...)", 2,
        -1, 0},
    {"pid", "[NAME...|all]", tc_pid, "tendd's pid, or the processes'", 0, -1,
        TC_JSON},
    {"ps", "[NAME...]", tc_ps,
        "each process's tree: pid, state, threads, RSS, PSS, CPU, command", 0,
        -1, TC_JSON},
    {"avail", "", tc_avail, "list the configured processes", 0, 0, TC_JSON},
    {"version", "", tc_version, "print tendd's version", 0, 0, TC_JSON},
    {"shutdown", "", tc_shutdown, "stop everything, then tendd; wait for it", 0,
        0, 0},
    {"tail", "[-f] [-BYTES] [-n LINES] NAME [stdout|stderr]", tc_tail,
        "show the end of a process's log; -f: keep following", 1, -1, 0},
    {"maintail", "[-f] [-BYTES] [-n LINES]", tc_maintail,
        "show the end of tendd's log; -f: keep following", 0, -1, 0},
    {"clear", "NAME...", tc_action, "empty processes' log files", 1, -1, 0},
    {"reopen", "", tc_reopen, "reopen every log file (after logrotate)", 0,
        0, 0},
    {"reread", "", tc_reread, "show what the config changed, act on none",
        0, 0, 0},
    {"update", "[-n] [NAME|GROUP...]", tc_update,
        "apply config changes (-n: show the plan only)", 0, -1, 0},
    {"add", "NAME|GROUP...", tc_addremove,
        "add new processes from the config", 1, -1, 0},
    {"remove", "NAME|GROUP...", tc_addremove,
        "remove stopped processes", 1, -1, 0},
    {"reload", "[-n]", tc_update,
        "re-read the config and apply it as update does", 0, 1, 0},
    {"metrics", "", tc_metrics,
        "print numbers for monitoring (Prometheus text format)", 0, 0, 0},
    {"help", "[VERB]", tc_help, "list verbs, or show one", 0, 1, 0},
    {"exit", "", NULL, "leave the shell", 0, 0, TC_SHELL},
    {"quit", "", NULL, "leave the shell", 0, 0, TC_SHELL},
    {NULL, NULL, NULL, NULL, 0, 0, 0},
};

static const struct verb *
tc_find_verb(const char *name)
{
	const struct verb *v;

	for (v = verbs; v->name != NULL; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

static void
tc_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: tendctl [-c FILE] [-s SOCKET] [--json] [VERB [ARG...]]\n"
	    "       tendctl -h | -V\n"
	    "With no verb, an interactive shell.  `tendctl help` lists the "
	    "verbs.\n");
}

static int tc_split(char *line, char **words);
static int tc_run(struct tc *t, int argc, char **argv);

#define TC_MAXWORDS 128

/* ARGV[0] holds blanks: its words, then the other arguments. */
static int
tc_run_split(struct tc *t, int argc, char **argv)
{
	char *words[TC_MAXWORDS], **all;
	int n, i, rc;

	if ((n = tc_split(argv[0], words)) == 0 || n + argc > TC_MAXWORDS + 1)
		return tc_run(t, argc - 1, argv + 1);
	all = tc_xmalloc(((size_t)n + (size_t)argc) * sizeof(*all));
	memcpy(all, words, (size_t)n * sizeof(*all));
	for (i = 1; i < argc; i++)
		all[n++] = argv[i];
	all[n] = NULL;
	rc = tc_run(t, n, all);
	free(all);
	return rc;
}

/* Run one command line (ARGV[0] is the verb).  The settings in T may be
 * changed by --json for this command only. */
static int
tc_run(struct tc *t, int argc, char **argv)
{
	const struct verb *v;
	struct tc local = *t;
	char **args;
	int n = 0, i, rc;

	/* supervisorctl joins its arguments into one command line: `'signal
	 * HUP' web` is `signal HUP web` (Ansible's module runs that). */
	if (argc > 0 && strpbrk(argv[0], " \t") != NULL)
		return tc_run_split(t, argc, argv);
	if ((v = tc_find_verb(argv[0])) == NULL ||
	    (!t->shell && (v->flags & TC_SHELL))) {
		tc_err("unknown verb: %s", argv[0]);
		if (!t->shell)
			tc_usage(stderr);
		return EXIT_USAGE;
	}
	if (v->flags & TC_NOTYET)
		return tc_notyet(t, v, 0, NULL);
	/* --json may follow the verb too: `tendctl status --json`. */
	args = tc_xmalloc((size_t)argc * sizeof(*args));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			local.json = true;
			continue;
		}
		args[n++] = argv[i];
	}
	rc = EXIT_USAGE;
	if (local.json && !(v->flags & TC_JSON))
		tc_err(
		    "%s: --json is not supported (status, pid, avail and version take it)",
		    v->name);
	else if (n < v->min)
		tc_err("%s: %s required (usage: %s %s)", v->name,
		    v->min == 2 ? "a signal and a process name are"
		                : "a process name is",
		    v->name, v->args);
	else if (v->max >= 0 && n > v->max)
		tc_err("%s: too many arguments (usage: %s%s%s)", v->name,
		    v->name, v->args[0] ? " " : "", v->args);
	else
		rc = v->fn(&local, v, n, args);
	free(args);
	(void)fflush(stdout);
	return rc;
}

/* --- the interactive shell ---------------------------------------------- */

/* Split LINE on blanks in place (supervisorctl does no quoting). */
static int
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
		v = verbs;
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

static int
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

/* --- main --------------------------------------------------------------- */

/* -s, else the config's socket (-c, or the default config if readable),
 * else the built-in default. */
static int
tc_resolve_socket(struct tc *t, const char *sock, const char *conf)
{
	char err[512];
	int r;

	if (sock != NULL) {
		(void)snprintf(t->sock, sizeof(t->sock), "%s", sock);
		return 0;
	}
	if (conf != NULL || access(TEND_DEFAULT_CONF, R_OK) == 0) {
		r = ctlc_socket_from_config(conf ? conf : TEND_DEFAULT_CONF,
		    t->sock, sizeof(t->sock), err, sizeof(err));
		if (r == 1)
			return 0;
		if (r == -1) {
			tc_err("%s", err);
			return -1;
		}
	}
	if (proto_default_socket(t->sock, sizeof(t->sock)) == -1) {
		tc_err("default socket path: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct tc t;
	const char *sock = NULL, *conf = NULL;
	int ch;

	memset(&t, 0, sizeof(t));
	/* "+": options end at the verb, so `tail -f` keeps its -f. */
	while (
	    (ch = getopt_long(argc, argv, "+c:s:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'j':
			t.json = true;
			break;
		case 'h':
			tc_usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("tendctl %s\n", TEND_VERSION);
			return EXIT_OK;
		default:
			tc_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (tc_resolve_socket(&t, sock, conf) == -1)
		return EXIT_USAGE;
	if (optind == argc) {
		if (t.json) {
			tc_err("--json needs a verb");
			tc_usage(stderr);
			return EXIT_USAGE;
		}
		return tc_shell(&t);
	}
	return tc_run(&t, argc - optind, argv + optind);
}

/*
 * tcstatus.c: the verbs that look: status (the table, --json), ps, pid,
 * avail, version, metrics (Prometheus's text format).
 */
#include "metrics.h"
#include "tc.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* --- verbs -----------------------------------------------------------------
 */

/* supervisorctl's STOPPED_STATES, which make `status` exit 3: STOPPED,
 * EXITED, FATAL (and UNKNOWN).  STARTING, RUNNING and BACKOFF count as
 * running (RUNNING_STATES), and so does STOPPING. */
static bool
tc_state_stopped(const char *state)
{
	return strcmp(state, "STOPPED") == 0 || strcmp(state, "EXITED") == 0 ||
	       strcmp(state, "FATAL") == 0 || strcmp(state, "UNKNOWN") == 0;
}

/* "health": the probe's state and counts, null without healthcheck=. */
static void
tc_health_json(const struct rec *r, bool *first)
{
	bool hfirst = true;

	json_key("health", first);
	if (rec_get(r, "health") == NULL) {
		fputs("null", stdout);
		return;
	}
	putchar('{');
	json_kstr("state", rec_str(r, "health"), &hfirst);
	json_kint("failures", rec_int(r, "health_failures"), &hfirst);
	json_kstr("reason", rec_str(r, "health_reason"), &hfirst);
	json_kint("probes", rec_int(r, "health_probes"), &hfirst);
	json_kint("probe_failures", rec_int(r, "health_probe_failures"),
	    &hfirst);
	json_kint("actions", rec_int(r, "health_actions"), &hfirst);
	putchar('}');
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
			fputs(
			    rec_int(r, "exit_oom") ? "true" : "false", stdout);
			putchar('}');
		} else {
			fputs("null", stdout);
		}
		json_kint("spawns", rec_int(r, "spawns"), &first);
		json_kint("log_dropped_bytes", rec_int(r, "log_dropped_bytes"),
		    &first);
		json_kstr(
		    "stdout_logfile", rec_str(r, "stdout_logfile"), &first);
		json_kstr(
		    "stderr_logfile", rec_str(r, "stderr_logfile"), &first);
		json_kstr("tracking", rec_str(r, "tracking"), &first);
		json_kint("nprocs", rec_int(r, "nprocs"), &first);
		json_kint("rss_kb", rec_int(r, "rss_kb"), &first);
		json_kint("pss_kb", rec_int(r, "pss_kb"), &first);
		json_knum("cpu_s", rec_num(r, "cpu_s"), &first);
		json_kint("leftovers", rec_int(r, "leftovers"), &first);
		json_key("unkillable", &first);
		fputs(rec_int(r, "unkillable") ? "true" : "false", stdout);
		tc_health_json(r, &first);
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
 * arena, NUL-terminated, instead of a copy of every record; printed
 * through one 64 KiB buffer.  A `status` of 10,000 processes is 10,000
 * records: what it costs tendctl is mostly page faults (about 14 us each
 * in a paravirtualised guest) on what it touches, so rows carry their
 * lengths, sorting splits no name again, and the output is not built
 * whole in memory before the write.
 */
struct tc_row {
	uint32_t off;  /* of the row's first string in the arena */
	uint32_t fl;   /* the fullname's length */
	uint32_t glen; /* its group part: up to ':', or all of it */
	bool unknown;  /* "no such process": only the name */
};

struct tc_table {
	char *arena;
	size_t len, cap;
	struct tc_row *rows;
	size_t n, rcap;
	size_t width; /* of the longest fullname */
	bool notrunning, unknown;
};

/* Arrays start at 256 KiB: glibc maps that much with mmap and grows it
 * with mremap, so a large table is neither copied nor faulted in twice,
 * and a small one touches a page or two of it. */
#define TC_TABLE_CHUNK (256 * 1024)

static void *
tc_xgrow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : TC_TABLE_CHUNK / size;

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

	if (tb->len + n + 1 > UINT32_MAX) { /* rows keep 32-bit offsets */
		tc_err("out of memory");
		exit(EXIT_FAIL);
	}
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
	row->off = (uint32_t)tb->len;
	/* as rec_is_unknown() */
	row->unknown = fault != NULL &&
	               strtoll(fault, NULL, 10) == PROTO_F_NO_SUCH_PROCESS &&
	               state == NULL && pid == NULL;
	if (row->unknown) {
		tb->unknown = true;
		n = tc_table_put(tb, name != NULL ? name : "");
		row->fl = row->glen = (uint32_t)n; /* sorted, not printed */
		return 0;
	}
	if (state == NULL || tc_state_stopped(state))
		tb->notrunning = true;
	full = full != NULL ? full : "";
	if ((n = tc_table_put(tb, full)) > tb->width)
		tb->width = n;
	row->fl = (uint32_t)n;
	row->glen = strchr(full, ':') != NULL
	                ? (uint32_t)(strchr(full, ':') - full)
	                : row->fl;
	(void)tc_table_put(tb, state != NULL ? state : "");
	(void)tc_table_put(tb, desc != NULL ? desc : "");
	return 0;
}

/* The table's output: rows go out a 64 KiB buffer at a time. */
struct tc_out {
	size_t n;
	char buf[65536];
};

static void
tc_out_flush(struct tc_out *o)
{
	(void)fwrite(o->buf, 1, o->n, stdout);
	o->n = 0;
}

/* S (LEN bytes), then blanks up to WIDTH (printf's %-*s). */
static void
tc_out_pad(struct tc_out *o, const char *s, size_t len, size_t width)
{
	size_t pad = len < width ? width - len : 0;

	if (o->n + len + pad > sizeof(o->buf))
		tc_out_flush(o);
	if (len + pad > sizeof(o->buf)) {
		(void)fwrite(s, 1, len, stdout); /* a huge field: as it is */
		while (pad-- > 0)
			(void)putchar(' ');
		return;
	}
	memcpy(o->buf + o->n, s, len);
	memset(o->buf + o->n + len, ' ', pad);
	o->n += len + pad;
}

static const struct tc_table *tc_sorting;

/* Rows (by index) by (group, name), as supervisord lists its processes;
 * a lone program "n" is group n, name n. */
static int
tc_row_cmp(const void *a, const void *b)
{
	const struct tc_row *ra = &tc_sorting->rows[*(const uint32_t *)a];
	const struct tc_row *rb = &tc_sorting->rows[*(const uint32_t *)b];
	const char *arena = tc_sorting->arena;
	const char *fa = arena + ra->off, *fb = arena + rb->off;
	int c;

	if ((c = memcmp(fa, fb, ra->glen < rb->glen ? ra->glen : rb->glen)) !=
	    0)
		return c;
	if (ra->glen != rb->glen)
		return ra->glen < rb->glen ? -1 : 1;
	return strcmp(fa + (ra->glen < ra->fl ? ra->glen + 1 : 0),
	    fb + (rb->glen < rb->fl ? rb->glen + 1 : 0));
}

/* supervisorctl's layout: errors first, then the table, NAME padded to
 * the longest name plus 3 (at least 33 columns), STATE to 10. */
static void
tc_table_print(const struct tc_table *tb)
{
	static struct tc_out out; /* .bss: 64 KiB nobody else needs */
	size_t i, w = (tb->width > 30 ? tb->width : 30) + 3, sl;
	const struct tc_row *r;
	const char *f, *st;
	uint32_t *idx;

	for (i = 0; i < tb->n; i++)
		if (tb->rows[i].unknown)
			tc_print_unknown(tb->arena + tb->rows[i].off);
	/* In supervisorctl's order: by group, then name.  Indexes are
	 * sorted, a quarter of the rows' size (qsort copies a merge sort's
	 * worth of what it sorts). */
	idx = tc_xmalloc((tb->n + 1) * sizeof(*idx));
	for (i = 0; i < tb->n; i++)
		idx[i] = (uint32_t)i;
	tc_sorting = tb;
	qsort(idx, tb->n, sizeof(*idx), tc_row_cmp);
	for (i = 0; i < tb->n; i++) {
		r = &tb->rows[idx[i]];
		if (r->unknown)
			continue;
		f = tb->arena + r->off;
		st = f + r->fl + 1;
		sl = strlen(st);
		tc_out_pad(&out, f, r->fl, w);
		tc_out_pad(&out, st, sl, 10);
		tc_out_pad(&out, st + sl + 1, strlen(st + sl + 1), 0);
		tc_out_pad(&out, "\n", 1, 0);
	}
	tc_out_flush(&out);
	free(idx);
}

int
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
	    rec_int(r, "ppid"), rec_str(r, "state"), rec_int(r, "threads"), rss,
	    pss, rec_num(r, "cpu_pct"), up);
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
tc_ps_service(
    const struct tc *t, const struct recs *rs, size_t s, size_t b, bool *sfirst)
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
			    "PPID", "S", "THR", "RSS", "PSS", "%CPU", "UPTIME",
			    "COMMAND");
	}
	*sfirst = false;
	for (k = s + 1; k < b; k++)
		if (!tc_ps_has_parent(rs, s + 1, b, k))
			tc_ps_tree(t, rs, s + 1, b, k, 0, &pfirst);
	if (t->json)
		printf("%s]}", pfirst ? "" : "\n  ");
}

int
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
		while (
		    j < rs.n && strcmp(rec_str(&rs.v[j], "kind"), "proc") == 0)
			j++;
		tc_ps_service(t, &rs, i, j, &first);
	}
	if (t->json)
		printf("%s]\n", first ? "" : "\n");
	recs_free(&rs);
	return rc;
}

int
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

int
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

int
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

/* --- metrics: Prometheus's text format (metrics.c) ------------------ */

/*
 * metrics: tendd's numbers in Prometheus's text exposition format, for
 * node_exporter's textfile collector or any scraper that runs a command.
 * Nothing is printed unless tendd answered in full, so
 * `tendctl metrics > f.tmp && mv f.tmp f.prom` never publishes half a
 * file.  A family without samples (no process has exited yet) is left
 * out, HELP and TYPE included.
 */
int
tc_metrics(struct tc *t, const struct verb *v, int argc, char **argv)
{
	struct recs rs = {0};
	struct metrics_rec *mv;
	size_t i, len;
	char *text;
	int rc;

	rc = tc_call(t, v->name, PROTO_REQ_METRICS, argv, argc,
	    CTLC_REPLY_TIMEOUT, tc_collect_cb, &rs);
	if (rc != EXIT_OK) {
		recs_free(&rs);
		return rc;
	}
	mv = tc_xmalloc((rs.n ? rs.n : 1) * sizeof(*mv));
	for (i = 0; i < rs.n; i++) {
		mv[i].kv = rs.v[i].kv;
		mv[i].n = rs.v[i].n;
	}
	text = metrics_text(mv, rs.n, &len);
	free(mv);
	recs_free(&rs);
	if (text == NULL) {
		tc_err("metrics: %s", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	rc = fwrite(text, 1, len, stdout) == len ? 0 : -1;
	free(text);
	if (rc == -1 || fflush(stdout) == EOF) {
		tc_err("metrics: standard output: %s", strerror(errno));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

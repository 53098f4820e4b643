/*
 * metrics.c: Prometheus's text format from METRICS records (metrics.h).
 *
 * Owns: the families (name, type, help, which record key holds each
 * value), label escaping, how numbers print, the text's order.  Leaves
 * alone: where the numbers come from (status.c) and where the text goes
 * (tendctl's standard output, an HTTP reply).
 */
#include "metrics.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The text being built; OOM once an allocation failed (then the rest is
 * skipped and metrics_text() answers NULL). */
struct mbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void
mb_put(struct mbuf *b, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
mb_puts(struct mbuf *b, const char *s)
{
	mb_put(b, s, strlen(s));
}

static void TEND_PRINTF(2, 3)
mb_printf(struct mbuf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	/* Only numbers and short names come here. */
	if (n > 0)
		mb_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n
		                                        : sizeof(tmp) - 1);
}

/* --- records -------------------------------------------------------- */

static const char *
rec_get(const struct metrics_rec *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->kv[2 * i], key) == 0)
			return r->kv[2 * i + 1];
	return NULL;
}

static const char *
rec_str(const struct metrics_rec *r, const char *key)
{
	const char *v = rec_get(r, key);

	return v != NULL ? v : "";
}

static double
rec_num(const struct metrics_rec *r, const char *key)
{
	const char *v = rec_get(r, key);
	double d = v != NULL ? strtod(v, NULL) : 0;

	return isfinite(d) ? d : 0;
}

/* --- the text --------------------------------------------------------- */

/* A label value: backslash, double quote and newline escaped, as the
 * text format wants; bytes that are not UTF-8 become U+FFFD. */
static void
mb_label(struct mbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p != '\0') {
		if (*p == '\\' || *p == '"') {
			mb_put(b, "\\", 1);
			mb_put(b, (const char *)p++, 1);
		} else if (*p == '\n') {
			mb_puts(b, "\\n");
			p++;
		} else if ((n = util_utf8_len(p)) == 0) {
			mb_puts(b, "\xef\xbf\xbd");
			p++;
		} else {
			mb_put(b, (const char *)p, n);
			p += n;
		}
	}
}

/* A sample value: integers as such, the rest with milliseconds. */
static void
mb_value(struct mbuf *b, double d)
{
	if (d > -1e15 && d < 1e15 && d == (double)(long long)d)
		mb_printf(b, " %.0f\n", d);
	else
		mb_printf(b, " %.3f\n", d);
}

/*
 * The families, one per row, in this order.  KEY is the record key
 * holding the value (a sample only where the record has it); rows of one
 * family follow each other, told apart by an extra label LKEY="LVAL".
 * KEY NULL: computed (see metrics_special).
 */
#define MR_POOL 2

struct metrics_row {
	int tendd; /* 1: from the tendd record; 0: one sample per process;
		      MR_POOL: one per [eventlistener:x] pool */
	const char *metric;
	const char *type;
	const char *help;
	const char *key;
	const char *lkey, *lval;
};

static const struct metrics_row metrics_rows[] = {
    {true, "tend_info", "gauge",
        "tendd's version and control protocol version (always 1).", NULL, NULL,
        NULL},
    {true, "tend_start_time_seconds", "gauge",
        "When tendd started, in seconds since the epoch.", "start_time", NULL,
        NULL},
    {true, "tend_control_clients", "gauge",
        "Clients connected to tendd's control socket (a tendctl asking is one).",
        "clients",
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
    {false, "tend_process_healthy", "gauge",
        "1 when the last health probes passed, 0 after healthcheck_retries "
        "failures in a row (only while the health is known).",
        "healthy", NULL, NULL},
    {false, "tend_process_health_probes_total", "counter",
        "Health probes run (healthcheck=).", "health_probes", NULL, NULL},
    {false, "tend_process_health_probe_failures_total", "counter",
        "Health probes that failed.", "health_failures", NULL, NULL},
    {false, "tend_process_health_actions_total", "counter",
        "Restarts or signals that failed health probes caused "
        "(healthcheck_action).",
        "health_actions", NULL, NULL},
    {false, "tend_process_health_probe_seconds_total", "counter",
        "Time spent in health probes.", "health_seconds", NULL, NULL},
    {MR_POOL, "tend_listener_pool_buffered_events", "gauge",
        "Events an [eventlistener:x] pool holds until a listener is READY.",
        "buffered", NULL, NULL},
    {MR_POOL, "tend_listener_pool_buffer_size", "gauge",
        "The pool's buffer_size.", "buffer_size", NULL, NULL},
    {MR_POOL, "tend_listener_pool_events_total", "counter",
        "Events the pool accepted (its pool serial).", "accepted", NULL,
        NULL},
    {MR_POOL, "tend_listener_pool_dropped_events_total", "counter",
        "Events discarded, the oldest first, because the pool's buffer "
        "was full.",
        "dropped", NULL, NULL},
    {MR_POOL, "tend_listener_pool_rebuffered_events_total", "counter",
        "Events put back at the head of the buffer: a result other than "
        "OK, a bad result line, a listener that ended while BUSY.",
        "rejected", NULL, NULL},
    {MR_POOL, "tend_listener_pool_listeners", "gauge",
        "The pool's processes that are RUNNING and READY, or BUSY with an "
        "event.",
        "ready", "state", "READY"},
    {MR_POOL, "tend_listener_pool_listeners", NULL, NULL, "busy", "state",
        "BUSY"},
};

static const char *const metrics_kinds[] = {"process", "tendd", "pool"};

static const char *const metrics_states[] = {"STOPPED", "STARTING",
    "RUNNING", "BACKOFF", "STOPPING", "EXITED", "FATAL", "UNKNOWN"};

/* The labels of R's samples: {name="G:P",group="G"[,LKEY="LVAL"]}, a
 * pool's {pool="NAME"[,...]}. */
static void
mb_labels(struct mbuf *b, const struct metrics_rec *r, const char *lkey,
    const char *lval)
{
	mb_put(b, "{", 1);
	if (r != NULL && strcmp(rec_str(r, "kind"), "pool") == 0) {
		mb_puts(b, "pool=\"");
		mb_label(b, rec_str(r, "name"));
		mb_put(b, "\"", 1);
	} else if (r != NULL) {
		mb_puts(b, "name=\"");
		mb_label(b, rec_str(r, "fullname"));
		mb_puts(b, "\",group=\"");
		mb_label(b, rec_str(r, "group"));
		mb_put(b, "\"", 1);
	}
	if (lkey != NULL) {
		mb_printf(b, "%s%s=\"", r != NULL ? "," : "", lkey);
		mb_label(b, lval);
		mb_put(b, "\"", 1);
	}
	mb_put(b, "}", 1);
}

/* The samples of a computed row for record R (tendd's or a process's);
 * returns how many it wrote (B NULL: only counts). */
static int
metrics_special(
    struct mbuf *b, const struct metrics_row *row, const struct metrics_rec *r)
{
	const char *v;
	long long spawns;
	size_t i;

	if (strcmp(row->metric, "tend_info") == 0) {
		if (b != NULL) {
			mb_puts(b, row->metric);
			mb_puts(b, "{version=\"");
			mb_label(b, rec_str(r, "version"));
			mb_puts(b, "\",protocol=\"");
			mb_label(b, rec_str(r, "protocol"));
			mb_puts(b, "\"} 1\n");
		}
		return 1;
	}
	if (strcmp(row->metric, "tend_process_state") == 0) {
		for (i = 0; b != NULL && i < TEND_NELEM(metrics_states); i++) {
			mb_puts(b, row->metric);
			mb_labels(b, r, "state", metrics_states[i]);
			mb_puts(b, strcmp(rec_str(r, "state"),
			               metrics_states[i]) == 0
			               ? " 1\n"
			               : " 0\n");
		}
		return (int)TEND_NELEM(metrics_states);
	}
	/* tend_process_restarts_total */
	v = rec_get(r, "spawns");
	spawns = v != NULL ? strtoll(v, NULL, 10) : 0;
	if (b != NULL) {
		mb_puts(b, row->metric);
		mb_labels(b, r, NULL, NULL);
		mb_printf(b, " %lld\n", spawns > 0 ? spawns - 1 : 0);
	}
	return 1;
}

/* Write (or, B NULL, count) ROW's samples over the records. */
static int
metrics_samples(struct mbuf *b, const struct metrics_row *row,
    const struct metrics_rec *v, size_t nrec)
{
	const struct metrics_rec *r;
	size_t i;
	int n = 0;

	for (i = 0; i < nrec; i++) {
		r = &v[i];
		if (strcmp(rec_str(r, "kind"), metrics_kinds[row->tendd]))
			continue;
		if (row->key == NULL) {
			n += metrics_special(b, row, r);
			continue;
		}
		if (rec_get(r, row->key) == NULL)
			continue;
		/* A process that never ran has no start time. */
		if (strcmp(row->key, "start_time") == 0 &&
		    rec_num(r, row->key) <= 0)
			continue;
		n++;
		if (b == NULL)
			continue;
		mb_puts(b, row->metric);
		if (row->tendd != 1 || row->lkey != NULL)
			mb_labels(b, row->tendd == 1 ? NULL : r, row->lkey,
			    row->lval);
		mb_value(b, rec_num(r, row->key));
	}
	return n;
}

char *
metrics_text(const struct metrics_rec *v, size_t nrec, size_t *len)
{
	struct mbuf b = {0};
	const struct metrics_row *row;
	size_t i, k;
	int n;

	mb_put(&b, "", 0); /* an empty text is still a string */
	for (i = 0; i < TEND_NELEM(metrics_rows); i++) {
		row = &metrics_rows[i];
		if (row->type != NULL) {
			/* A family's first row: HELP and TYPE, if any row
			 * of it has a sample. */
			for (n = 0, k = i; k < TEND_NELEM(metrics_rows); k++) {
				if (k > i && metrics_rows[k].type != NULL)
					break;
				n += metrics_samples(
				    NULL, &metrics_rows[k], v, nrec);
			}
			if (n > 0) {
				mb_printf(&b, "# HELP %s ", row->metric);
				mb_puts(&b, row->help);
				mb_printf(&b, "\n# TYPE %s %s\n",
				    row->metric, row->type);
			}
		}
		(void)metrics_samples(&b, row, v, nrec);
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

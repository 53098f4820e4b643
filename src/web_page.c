/*
 * web_page.c: the HTML of the web page (web.h): the status page, a
 * process's page with its chart, the log page.
 *
 * Owns: the markup, from the records web.c collected (status --json's,
 * ps's, the event history's, a tail's).  Leaves alone: what is asked
 * (web.c) and how it travels (http.c).  Every text from a record goes
 * through webfmt_html() (or webfmt_url() in an address): a process may
 * be called "<script>".  No inline script or style: the page works with
 * tend.css and tend.js (src/web/) or without them; actions are buttons
 * of one form per page (form=act), which carries the session's token.
 */
#include "web_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PG_REFRESH 10 /* seconds: the meta refresh without script */
#define PG_HOUR 3600.0
#define PG_BUCKETS 30 /* bars of the restart chart: 2 minutes each */
#define PG_HISTORY 40 /* state changes shown on a process's page */

/* --- pieces ------------------------------------------------------------- */

static void
pg_head(struct wbuf *b, const char *title, const char *page,
    const struct web_ctx *x, unsigned refresh)
{
	webfmt_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	               "<meta charset=\"utf-8\">"
	               "<meta name=\"viewport\" content=\"width=device-width, "
	               "initial-scale=1\"><title>");
	webfmt_html(b, title);
	/* an icon of its own: the browser asks no /favicon.ico */
	webfmt_puts(b, "</title><link rel=\"icon\" href=\"data:,\">"
	               "<link rel=\"stylesheet\" "
	               "href=\"/static/tend.css\"><script "
	               "src=\"/static/tend.js\" defer></script>");
	/* Only without script: with it, the event stream updates the page. */
	if (refresh > 0)
		webfmt_printf(b,
		    "<noscript><meta http-equiv=\"refresh\" "
		    "content=\"%u\"></noscript>",
		    refresh);
	webfmt_printf(b, "</head>\n<body data-page=\"%s\"", page);
	if (x->events != NULL && x->events->nrecs > 0)
		webfmt_printf(b, " data-since=\"%lld\"",
		    (long long)web_getd(x->events, 0, "next") - 1);
	if (x->name != NULL) {
		webfmt_puts(b, " data-name=\"");
		webfmt_html(b, x->name);
		webfmt_puts(b, "\"");
	}
	webfmt_puts(b, ">\n");
}

/* The one form every action button belongs to. */
static void
pg_form(struct wbuf *b, const struct web_ctx *x, const char *back)
{
	webfmt_printf(b,
	    "<form id=\"act\" method=\"post\" action=\"/action\">"
	    "<input type=\"hidden\" name=\"token\" value=\"%s\">"
	    "<input type=\"hidden\" name=\"back\" value=\"",
	    x->token);
	webfmt_html(b, back);
	webfmt_puts(b, "\"></form>\n");
}

static void
pg_button(struct wbuf *b, const char *verb, const char *target,
    const char *label, const char *cls)
{
	webfmt_puts(b, "<button form=\"act\" name=\"do\" ");
	if (*cls != '\0')
		webfmt_printf(b, "class=\"%s\" ", cls);
	webfmt_printf(b, "value=\"%s ", verb);
	webfmt_html(b, target);
	webfmt_printf(b, "\">%s</button>", label);
}

static void
pg_msg(struct wbuf *b, const struct web_ctx *x)
{
	if (x->msg == NULL)
		return;
	webfmt_puts(b, "<p class=\"msg\" role=\"status\">");
	webfmt_html(b, x->msg);
	webfmt_puts(b, "</p>\n");
}

static void
pg_lower(char *dst, size_t len, const char *s)
{
	size_t i;

	for (i = 0; i + 1 < len && s[i] != '\0'; i++)
		dst[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	dst[i] = '\0';
}

static void
pg_state(struct wbuf *b, const char *state)
{
	char cls[16];

	pg_lower(cls, sizeof(cls), state);
	webfmt_printf(b, "<span class=\"state %s\">", cls);
	webfmt_html(b, state);
	webfmt_puts(b, "</span>");
}

/* KB as a person reads it. */
static void
pg_kb(struct wbuf *b, const char *kb)
{
	double v = strtod(kb, NULL);

	if (*kb == '\0' || v <= 0)
		webfmt_puts(b, "\xe2\x80\x94"); /* an em dash */
	else if (v < 1024)
		webfmt_printf(b, "%.0f KiB", v);
	else if (v < 1024 * 1024)
		webfmt_printf(b, "%.1f MiB", v / 1024);
	else
		webfmt_printf(b, "%.2f GiB", v / 1024 / 1024);
}

static void
pg_secs(struct wbuf *b, double s)
{
	long t = (long)s;

	if (s < 60)
		webfmt_printf(b, "%.2f s", s);
	else
		webfmt_printf(
		    b, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

static void
pg_time(struct wbuf *b, double wall)
{
	time_t t = (time_t)wall;
	struct tm tm;
	char s[32];

	if (wall <= 0 || localtime_r(&t, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		webfmt_puts(b, "\xe2\x80\x94");
	else
		webfmt_puts(b, s);
}

static void
pg_link(struct wbuf *b, const char *prefix, const char *name)
{
	webfmt_printf(b, "<a href=\"%s", prefix);
	webfmt_url(b, name);
	webfmt_puts(b, "\">");
	webfmt_html(b, name);
	webfmt_puts(b, "</a>");
}

static bool
pg_health_shown(const char *h)
{
	return *h != '\0' && strcmp(h, "none") != 0;
}

/* --- the status page ------------------------------------------------------ */

/*
 * The status page's table, read once from the records: with 1,000
 * processes, looking fields up by key inside loops over the table (the
 * group of each, the restarts of each) made the page take 2 s.
 */
struct pg_ent {
	const char *name, *group, *state;
	size_t rec;        /* its record in x->status */
	size_t gsize;      /* processes of its group */
	size_t gpos;       /* where its group starts in BYGROUP */
	unsigned restarts; /* in the last hour */
	bool seen;         /* the history has an event of it */
	bool shown;        /* the filter keeps it */
};

struct pg_tab {
	struct pg_ent *e;
	size_t n;
	size_t *bygroup; /* indexes of E by group, then record */
	size_t *byname;  /* indexes of E by name */
};

static int
pg_cmp_group(const void *a, const void *b, void *arg)
{
	const struct pg_ent *e = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(e[i].group, e[j].group);

	return c != 0 ? c : (i > j) - (i < j);
}

static int
pg_cmp_name(const void *a, const void *b, void *arg)
{
	const struct pg_ent *e = arg;

	return strcmp(e[*(const size_t *)a].name, e[*(const size_t *)b].name);
}

static struct pg_ent *
pg_by_name(const struct pg_tab *t, const char *name)
{
	size_t lo = 0, hi = t->n, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(name, t->e[t->byname[mid]].name);
		if (c == 0)
			return &t->e[t->byname[mid]];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Restarts in the last hour, from the history: each entry to STARTING
 * but a process's first (its start with tendd). */
static void
pg_restarts(struct pg_tab *t, const struct web_ctx *x)
{
	const struct web_col *ev = x->events;
	struct pg_ent *e;
	size_t i;

	for (i = 0; ev != NULL && i < ev->nrecs; i++) {
		if ((e = pg_by_name(t, web_get(ev, i, "fullname"))) == NULL)
			continue;
		if (strcmp(web_get(ev, i, "state"), "STARTING") == 0 &&
		    (e->seen || strcmp(web_get(ev, i, "from"), "STOPPED") != 0) &&
		    x->now - web_getd(ev, i, "time") <= PG_HOUR)
			e->restarts++;
		e->seen = true;
	}
}

static void
pg_tab_free(struct pg_tab *t)
{
	free(t->e);
	free(t->bygroup);
	free(t->byname);
}

static int
pg_tab_make(struct pg_tab *t, const struct web_ctx *x)
{
	const struct web_col *st = x->status;
	size_t i, j, k, n = st->nrecs;

	memset(t, 0, sizeof(*t));
	t->n = n;
	t->e = calloc(n + 1, sizeof(*t->e));
	t->bygroup = calloc(n + 1, sizeof(*t->bygroup));
	t->byname = calloc(n + 1, sizeof(*t->byname));
	if (t->e == NULL || t->bygroup == NULL || t->byname == NULL) {
		pg_tab_free(t);
		return -1;
	}
	for (i = 0; i < n; i++) {
		t->e[i].rec = i;
		t->e[i].name = web_get(st, i, "fullname");
		t->e[i].group = web_get(st, i, "group");
		t->e[i].state = web_get(st, i, "state");
		t->e[i].shown = x->filter == NULL ||
		                strstr(t->e[i].name, x->filter) != NULL;
		t->bygroup[i] = t->byname[i] = i;
	}
	qsort_r(t->bygroup, n, sizeof(size_t), pg_cmp_group, t->e);
	qsort_r(t->byname, n, sizeof(size_t), pg_cmp_name, t->e);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && strcmp(t->e[t->bygroup[j]].group,
		                         t->e[t->bygroup[i]].group) == 0;
		     j++)
			;
		for (k = i; k < j; k++) {
			t->e[t->bygroup[k]].gsize = j - i;
			t->e[t->bygroup[k]].gpos = i;
		}
	}
	pg_restarts(t, x);
	return 0;
}

static void
pg_row(struct wbuf *b, const struct web_ctx *x, const struct pg_ent *e)
{
	const struct web_col *st = x->status;
	size_t i = e->rec;
	const char *name = e->name;
	const char *state = e->state;
	const char *health = web_get(st, i, "health");
	unsigned restarts = e->restarts;
	bool up = strcmp(state, "RUNNING") == 0 ||
	          strcmp(state, "STARTING") == 0 ||
	          strcmp(state, "BACKOFF") == 0;

	webfmt_puts(b, "<tr data-name=\"");
	webfmt_html(b, name);
	/* three restarts an hour: a process a person should look at */
	webfmt_puts(b, restarts >= 3 ? "\" class=\"hot\">" : "\">");
	webfmt_puts(b, "<td class=\"st\">");
	pg_state(b, state);
	webfmt_puts(b, "</td><td class=\"desc\">");
	webfmt_html(b, web_get(st, i, "description"));
	webfmt_puts(b, "</td><td class=\"name\">");
	pg_link(b, "/proc/", name);
	webfmt_puts(b, "</td><td class=\"num opt\">");
	pg_kb(b, web_get(st, i, "pss_kb"));
	webfmt_puts(b, "</td><td class=\"num opt\">");
	pg_secs(b, web_getd(st, i, "cpu_s"));
	webfmt_printf(b, "</td><td class=\"num opt\">%s</td><td class=\"opt\">",
	    web_get(st, i, "nprocs"));
	if (pg_health_shown(health)) {
		webfmt_puts(b, "<span class=\"health ");
		webfmt_html(b, health);
		webfmt_puts(b, "\">");
		webfmt_html(b, health);
		webfmt_puts(b, "</span>");
	}
	webfmt_printf(
	    b, "</td><td class=\"num rs\">%u</td><td class=\"act\">", restarts);
	if (up)
		pg_button(b, "stop", name, "Stop", "");
	else
		pg_button(b, "start", name, "Start", "");
	pg_button(b, "restart", name, "Restart", "");
	pg_button(b, "clear", name, "Clear log", "minor");
	webfmt_puts(b, "<a class=\"tail\" href=\"/tail/");
	webfmt_url(b, name);
	webfmt_puts(b, "\">Tail</a></td></tr>\n");
}

static const char pg_thead[] =
    "<div class=\"tw\"><table class=\"st\"><thead><tr><th>State</th>"
    "<th>Description</th>"
    "<th>Name</th><th class=\"num opt\">PSS</th><th class=\"num opt\">CPU</th>"
    "<th class=\"num opt\" title=\"processes of the service\">Procs</th>"
    "<th class=\"opt\">Health</th>"
    "<th class=\"num\" title=\"restarts in the last hour\">Restarts/h</th>"
    "<th>Actions</th></tr></thead><tbody>\n";

/* A group of several processes (from BYGROUP[POS] on): collapsible,
 * with its own actions. */
static void
pg_group(struct wbuf *b, const struct web_ctx *x, const struct pg_tab *t,
    size_t pos)
{
	const struct pg_ent *e;
	char target[1024];
	size_t k, n = 0, up = 0, size = t->e[t->bygroup[pos]].gsize;

	for (k = pos; k < pos + size; k++) {
		e = &t->e[t->bygroup[k]];
		n += e->shown;
		up += e->shown && strcmp(e->state, "RUNNING") == 0;
	}
	if (n == 0)
		return;
	e = &t->e[t->bygroup[pos]];
	(void)snprintf(target, sizeof(target), "%s:*", e->group);
	webfmt_puts(b, "<details open class=\"group\"><summary><span "
	               "class=\"gname\">");
	webfmt_html(b, e->group);
	webfmt_printf(b,
	    "</span> <span class=\"gcount\">%zu processes, %zu "
	    "running</span></summary><div class=\"gact\">",
	    n, up);
	pg_button(b, "start", target, "Start group", "");
	pg_button(b, "stop", target, "Stop group", "");
	pg_button(b, "restart", target, "Restart group", "");
	webfmt_puts(b, "</div>");
	webfmt_puts(b, pg_thead);
	for (k = pos; k < pos + size; k++)
		if (t->e[t->bygroup[k]].shown)
			pg_row(b, x, &t->e[t->bygroup[k]]);
	webfmt_puts(b, "</tbody></table></div></details>\n");
}

static void
pg_summary(struct wbuf *b, const struct web_col *st)
{
	size_t i, up = 0, bad = 0;
	const char *s;

	for (i = 0; i < st->nrecs; i++) {
		s = web_get(st, i, "state");
		up += strcmp(s, "RUNNING") == 0;
		bad += strcmp(s, "FATAL") == 0 || strcmp(s, "BACKOFF") == 0;
	}
	webfmt_printf(b,
	    "<p class=\"sum\" id=\"sum\">%zu processes, %zu "
	    "running, %zu failing</p>",
	    st->nrecs, up, bad);
}

/* The processes of groups of one (supervisord's plain programs) share a
 * table; a group of several gets its own (pg_group), in the order of
 * its first process. */
static void
pg_tables(struct wbuf *b, const struct web_ctx *x)
{
	struct pg_tab t;
	size_t i, shown = 0;

	if (pg_tab_make(&t, x) == -1) {
		b->oom = true;
		return;
	}
	for (i = 0; i < t.n; i++)
		shown += t.e[i].gsize == 1 && t.e[i].shown;
	if (shown > 0) {
		webfmt_printf(b,
		    "<details open class=\"group\"><summary><span "
		    "class=\"gname\">programs</span> <span "
		    "class=\"gcount\">%zu</span></summary>",
		    shown);
		webfmt_puts(b, pg_thead);
		for (i = 0; i < t.n; i++)
			if (t.e[i].gsize == 1 && t.e[i].shown)
				pg_row(b, x, &t.e[i]);
		webfmt_puts(b, "</tbody></table></div></details>\n");
	}
	for (i = 0; i < t.n; i++)
		if (t.e[i].gsize > 1 && t.bygroup[t.e[i].gpos] == i)
			pg_group(b, x, &t, t.e[i].gpos);
	pg_tab_free(&t);
}

unsigned
web_page_status(struct wbuf *b, const struct web_ctx *x)
{
	pg_head(b, "tend: processes", "status", x, PG_REFRESH);
	pg_form(b, x, "/");
	webfmt_puts(b, "<header><h1><a href=\"/\">tend</a></h1>");
	pg_summary(b, x->status);
	webfmt_puts(b, "<div class=\"all\">");
	pg_button(b, "start", "all", "Start all", "");
	pg_button(b, "restart", "all", "Restart all", "");
	pg_button(b, "stop", "all", "Stop all", "danger");
	webfmt_puts(b, "</div></header>\n<main>");
	pg_msg(b, x);
	if (x->status->failed) {
		webfmt_puts(b, "<p class=\"msg bad\">");
		webfmt_html(b, x->status->err);
		webfmt_puts(b, "</p>");
	}
	webfmt_puts(b, "<form class=\"filter\" method=\"get\" action=\"/\">"
	               "<input type=\"search\" name=\"q\" id=\"filter\" "
	               "placeholder=\"Filter by name\" autocomplete=\"off\" "
	               "value=\"");
	webfmt_html(b, x->filter != NULL ? x->filter : "");
	webfmt_puts(b, "\"><button>Filter</button></form>\n");
	pg_tables(b, x);
	webfmt_puts(b, "</main></body></html>\n");
	return 200;
}

/* --- a process's page ---------------------------------------------------- */

static void
pg_dt(struct wbuf *b, const char *term)
{
	webfmt_printf(b, "<dt>%s</dt><dd>", term);
}

static void
pg_dd(struct wbuf *b, const char *term, const char *value)
{
	if (*value == '\0')
		return;
	pg_dt(b, term);
	webfmt_html(b, value);
	webfmt_puts(b, "</dd>");
}

/* The last exit, as far as tend knows why. */
static void
pg_exit(struct wbuf *b, const struct web_col *st, size_t i)
{
	long sig = (long)web_getd(st, i, "exit_signal");

	if (strcmp(web_get(st, i, "exit"), "1") != 0)
		return;
	pg_dt(b, "Last exit");
	if (sig > 0)
		webfmt_printf(b, "killed by signal %ld%s", sig,
		    strcmp(web_get(st, i, "exit_core"), "1") == 0
		        ? " (core dumped)"
		        : "");
	else
		webfmt_printf(b, "exit status %s", web_get(st, i, "exit_code"));
	if (strcmp(web_get(st, i, "exit_oom"), "1") == 0)
		webfmt_puts(
		    b, " <strong class=\"bad\">after an OOM kill</strong>");
	webfmt_puts(b, "<br>at ");
	pg_time(b, web_getd(st, i, "exit_time"));
	webfmt_puts(b, ", after ");
	pg_secs(b, web_getd(st, i, "exit_uptime"));
	webfmt_puts(b, " up; max RSS ");
	pg_kb(b, web_get(st, i, "exit_maxrss_kb"));
	webfmt_puts(b, ", CPU ");
	pg_secs(
	    b, web_getd(st, i, "exit_utime") + web_getd(st, i, "exit_stime"));
	webfmt_puts(b, "</dd>");
}

static void
pg_facts(struct wbuf *b, const struct web_col *st, size_t i)
{
	const char *health = web_get(st, i, "health");

	webfmt_puts(b, "<section><h2>Now</h2><dl class=\"facts\">");
	pg_dd(b, "PID",
	    strcmp(web_get(st, i, "pid"), "0") != 0 ? web_get(st, i, "pid")
	                                            : "");
	pg_dt(b, "Memory (PSS)");
	pg_kb(b, web_get(st, i, "pss_kb"));
	webfmt_puts(b, " (RSS ");
	pg_kb(b, web_get(st, i, "rss_kb"));
	webfmt_puts(b, ")</dd>");
	pg_dt(b, "CPU");
	pg_secs(b, web_getd(st, i, "cpu_s"));
	webfmt_puts(b, "</dd>");
	pg_dd(b, "Processes", web_get(st, i, "nprocs"));
	pg_dd(b, "Spawns", web_get(st, i, "spawns"));
	pg_dd(b, "Tracking", web_get(st, i, "tracking"));
	if (pg_health_shown(health)) {
		pg_dt(b, "Health");
		webfmt_html(b, health);
		if (*web_get(st, i, "health_reason") != '\0') {
			webfmt_puts(b, ": ");
			webfmt_html(b, web_get(st, i, "health_reason"));
		}
		webfmt_puts(b, "</dd>");
	}
	pg_dd(b, "Spawn error", web_get(st, i, "spawnerr"));
	pg_exit(b, st, i);
	if (strcmp(web_get(st, i, "unkillable"), "1") == 0)
		pg_dd(b, "Unkillable", "a process survives SIGKILL (D state)");
	pg_dd(b, "stdout log", web_get(st, i, "stdout_logfile"));
	pg_dd(b, "stderr log", web_get(st, i, "stderr_logfile"));
	webfmt_puts(b, "</dl></section>\n");
}

/* The rows of ps below PPID, depth first, indented by DEPTH. */
static void
pg_tree(struct wbuf *b, const struct web_col *ps, const char *ppid,
    unsigned depth, bool *shown)
{
	size_t i;

	for (i = 0; i < ps->nrecs && depth < 32; i++) {
		if (shown[i] || strcmp(web_get(ps, i, "kind"), "proc") != 0 ||
		    (ppid != NULL && strcmp(web_get(ps, i, "ppid"), ppid) != 0))
			continue;
		shown[i] = true;
		webfmt_printf(b,
		    "<tr><td class=\"num\">%s</td><td class=\"num "
		    "opt\">%s</td><td>%s</td><td class=\"num opt\">"
		    "%s</td><td class=\"num\">",
		    web_get(ps, i, "pid"), web_get(ps, i, "ppid"),
		    web_get(ps, i, "state"), web_get(ps, i, "threads"));
		pg_kb(b, web_get(ps, i, "pss_kb"));
		webfmt_printf(b,
		    "</td><td class=\"num\">%s%%</td><td "
		    "class=\"cmd d%u\">",
		    web_get(ps, i, "cpu_pct"), depth < 8 ? depth : 8);
		webfmt_html(b, web_get(ps, i, "cmd"));
		webfmt_puts(b, "</td></tr>\n");
		pg_tree(b, ps, web_get(ps, i, "pid"), depth + 1, shown);
	}
}

static void
pg_ps(struct wbuf *b, const struct web_col *ps)
{
	bool *shown;
	size_t i;

	webfmt_puts(b, "<section><h2>Processes</h2>");
	if (ps->nrecs < 2 ||
	    (shown = calloc(ps->nrecs, sizeof(*shown))) == NULL) {
		webfmt_puts(b, "<p class=\"none\">No process runs.</p>"
		               "</section>\n");
		return;
	}
	webfmt_puts(b, "<div class=\"tw\"><table class=\"ps\"><thead><tr>"
	               "<th class=\"num\">PID</th><th class=\"num opt\">PPID"
	               "</th><th>S</th><th class=\"num opt\">Threads</th>"
	               "<th class=\"num\">PSS</th><th class=\"num\">CPU</th>"
	               "<th>Command</th></tr></thead><tbody>\n");
	/* The main process first, then what hangs below it; what is left
	 * (children re-parented away, a session's other members) after. */
	for (i = 0; i < ps->nrecs; i++)
		if (strcmp(web_get(ps, i, "main"), "1") == 0) {
			pg_tree(b, ps, web_get(ps, i, "ppid"), 0, shown);
			break;
		}
	pg_tree(b, ps, NULL, 0, shown);
	free(shown);
	webfmt_puts(b, "</tbody></table></div></section>\n");
}

/* An inline SVG: memory (the samples taken while the page was looked
 * at) above, restarts per two minutes (the history) below, over the
 * last hour. */
static void
pg_chart(struct wbuf *b, const struct web_ctx *x)
{
	const struct web_samples *s = x->samples;
	const struct web_col *ev = x->events;
	unsigned bars[PG_BUCKETS] = {0}, bmax = 0, k, n;
	double t0 = x->now - PG_HOUR, kbmax = 0, px, py, t;
	char kb[32];
	size_t i;

	for (i = 0; ev != NULL && i < ev->nrecs; i++) {
		t = web_getd(ev, i, "time");
		if (strcmp(web_get(ev, i, "fullname"), x->name) != 0 ||
		    strcmp(web_get(ev, i, "state"), "STARTING") != 0 || t < t0)
			continue;
		k = (unsigned)((t - t0) / (PG_HOUR / PG_BUCKETS));
		k = k < PG_BUCKETS ? k : PG_BUCKETS - 1;
		if (++bars[k] > bmax)
			bmax = bars[k];
	}
	for (n = 0; s != NULL && n < s->n; n++)
		if (s->kb[n] > kbmax)
			kbmax = s->kb[n];
	webfmt_puts(b,
	    "<section><h2>Last hour</h2><svg class=\"chart\" "
	    "viewBox=\"0 0 600 170\" role=\"img\" aria-label=\"memory "
	    "and starts over the last hour\">"
	    "<rect class=\"bg\" x=\"0\" y=\"0\" width=\"600\" "
	    "height=\"80\"/><rect class=\"bg\" x=\"0\" y=\"100\" "
	    "width=\"600\" height=\"50\"/>");
	webfmt_puts(b, "<text x=\"4\" y=\"14\">memory (PSS), max ");
	(void)snprintf(kb, sizeof(kb), "%.0f", kbmax);
	pg_kb(b, kb);
	webfmt_puts(b, "</text><polyline class=\"mem\" points=\"");
	for (n = 0; s != NULL && n < s->n && kbmax > 0; n++) {
		i = (s->head + WEB_SAMPLES - s->n + n) % WEB_SAMPLES;
		if (s->t[i] < t0)
			continue;
		px = (s->t[i] - t0) / PG_HOUR * 600;
		py = 78 - s->kb[i] / kbmax * 60;
		webfmt_printf(b, "%.1f,%.1f ", px, py);
	}
	webfmt_puts(b, "\"/>");
	/* each sample a dot too: one sample is no line */
	for (n = 0; s != NULL && n < s->n && kbmax > 0; n++) {
		i = (s->head + WEB_SAMPLES - s->n + n) % WEB_SAMPLES;
		if (s->t[i] >= t0)
			webfmt_printf(b,
			    "<circle class=\"dot\" cx=\"%.1f\" cy=\"%.1f\" "
			    "r=\"3\"/>",
			    (s->t[i] - t0) / PG_HOUR * 600,
			    78 - s->kb[i] / kbmax * 60);
	}
	webfmt_printf(b,
	    "<text x=\"4\" y=\"114\">starts per 2 minutes, max "
	    "%u</text>",
	    bmax);
	for (k = 0; k < PG_BUCKETS; k++)
		if (bars[k] > 0)
			webfmt_printf(b,
			    "<rect class=\"bar\" x=\"%u\" y=\"%.1f\" "
			    "width=\"16\" height=\"%.1f\"/>",
			    k * 20 + 2, 150 - bars[k] * 32.0 / bmax,
			    bars[k] * 32.0 / bmax);
	webfmt_puts(b, "<text x=\"0\" y=\"166\">-60 min</text><text x=\"280\" "
	               "y=\"166\">-30</text><text x=\"576\" y=\"166\">now"
	               "</text></svg>");
	if (s == NULL || s->n < 2)
		webfmt_puts(b, "<p class=\"note\">Memory is sampled while this "
		               "page is open (every 30 s).</p>");
	webfmt_puts(b, "</section>\n");
}

/* Its state changes in the history, newest first. */
static void
pg_history(struct wbuf *b, const struct web_ctx *x)
{
	const struct web_col *ev = x->events;
	size_t i, n = 0;
	long sig;

	webfmt_puts(b, "<section><h2>History</h2><div class=\"tw\"><table "
	               "class=\"hist\"><thead><tr><th>Time</th><th>Change</th>"
	               "<th class=\"num opt\">PID</th><th>Description</th>"
	               "<th>Exit</th></tr></thead><tbody>\n");
	for (i = ev->nrecs; i-- > 0 && n < PG_HISTORY;) {
		if (strcmp(web_get(ev, i, "fullname"), x->name) != 0)
			continue;
		n++;
		webfmt_puts(b, "<tr><td>");
		pg_time(b, web_getd(ev, i, "time"));
		webfmt_puts(b, "</td><td>");
		pg_state(b, web_get(ev, i, "from"));
		webfmt_puts(b, " \xe2\x86\x92 ");
		pg_state(b, web_get(ev, i, "state"));
		webfmt_printf(b, "</td><td class=\"num opt\">%s</td><td>",
		    web_get(ev, i, "pid"));
		webfmt_html(b, web_get(ev, i, "description"));
		webfmt_puts(b, "</td><td>");
		sig = (long)web_getd(ev, i, "exit_signal");
		if (*web_get(ev, i, "exit_code") != '\0' && sig > 0)
			webfmt_printf(b, "signal %ld%s", sig,
			    strcmp(web_get(ev, i, "exit_core"), "1") == 0
			        ? " (core)"
			        : "");
		else if (*web_get(ev, i, "exit_code") != '\0')
			webfmt_printf(b, "status %ld",
			    (long)web_getd(ev, i, "exit_code"));
		webfmt_puts(b, "</td></tr>\n");
	}
	if (n == 0)
		webfmt_puts(b, "<tr><td colspan=\"5\" class=\"none\">No state "
		               "change in the history.</td></tr>");
	webfmt_printf(b,
	    "</tbody></table></div><p class=\"note\">tendd keeps "
	    "the last %s state changes of all processes.</p>"
	    "</section>\n",
	    ev->nrecs > 0 ? web_get(ev, 0, "history") : "512");
}

/* The last lines the process wrote to LAST_CHANNEL's log: why it failed,
 * in its own words, next to the exit status.  A line cut by the window
 * of bytes read is left out. */
static void
pg_last(struct wbuf *b, const struct web_ctx *x)
{
	const struct web_col *t = x->last;
	const char *text = t->data.s != NULL ? t->data.s : "";
	const char *nl = strchr(text, '\n');

	if (t->failed)
		return; /* no log file: nothing to show */
	if (t->data.len >= WEB_LAST_LEN && nl != NULL && nl[1] != '\0')
		text = nl + 1;
	webfmt_printf(b, "<section><h2>Last output <span class=\"desc\">(%s)"
	                 "</span></h2>", x->last_channel);
	if (*text == '\0') {
		webfmt_puts(b, "<p class=\"none\">Nothing logged.</p></section>\n");
		return;
	}
	webfmt_puts(b, "<pre class=\"last\">");
	webfmt_html(b, text);
	webfmt_puts(b, "</pre></section>\n");
}

/* The part of a process's page that changes (?part=main refetches it). */
static void
pg_proc_main(struct wbuf *b, const struct web_ctx *x, size_t i)
{
	webfmt_puts(b, "<div id=\"live\"><p class=\"now\">");
	pg_state(b, web_get(x->status, i, "state"));
	webfmt_puts(b, " <span class=\"desc\">");
	webfmt_html(b, web_get(x->status, i, "description"));
	webfmt_puts(b, "</span></p>");
	pg_facts(b, x->status, i);
	if (x->last != NULL)
		pg_last(b, x);
	pg_chart(b, x);
	pg_ps(b, x->ps);
	pg_history(b, x);
	webfmt_puts(b, "</div>");
}

static unsigned
pg_not_found(struct wbuf *b, const struct web_ctx *x)
{
	pg_head(b, "tend: no such process", "none", x, 0);
	webfmt_puts(b, "<header><h1><a href=\"/\">tend</a></h1></header><main>"
	               "<p class=\"msg bad\">No such process: ");
	webfmt_html(b, x->name);
	webfmt_puts(b, "</p><p><a href=\"/\">All processes</a></p></main>"
	               "</body></html>\n");
	return 404;
}

unsigned
web_page_proc(struct wbuf *b, const struct web_ctx *x)
{
	long i = web_find(x->status, "fullname", x->name);
	const char *state;
	char back[1024];
	bool up;

	if (i < 0 || *web_get(x->status, (size_t)i, "state") == '\0')
		return pg_not_found(b, x);
	if (x->part != NULL && strcmp(x->part, "main") == 0) {
		pg_proc_main(b, x, (size_t)i);
		return 200;
	}
	state = web_get(x->status, (size_t)i, "state");
	up = strcmp(state, "RUNNING") == 0 || strcmp(state, "STARTING") == 0 ||
	     strcmp(state, "BACKOFF") == 0;
	(void)snprintf(back, sizeof(back), "tend: %s", x->name);
	pg_head(b, back, "proc", x, PG_REFRESH);
	(void)snprintf(back, sizeof(back), "/proc/%s", x->name);
	pg_form(b, x, back);
	webfmt_puts(b, "<header><h1><a href=\"/\">tend</a> / <span>");
	webfmt_html(b, x->name);
	webfmt_puts(b, "</span></h1><div class=\"all\">");
	if (up)
		pg_button(b, "stop", x->name, "Stop", "");
	else
		pg_button(b, "start", x->name, "Start", "");
	pg_button(b, "restart", x->name, "Restart", "");
	pg_button(b, "clear", x->name, "Clear log", "minor");
	webfmt_puts(b, "<a class=\"tail\" href=\"/tail/");
	webfmt_url(b, x->name);
	webfmt_puts(b, "\">Tail log</a></div></header>\n<main>");
	pg_msg(b, x);
	pg_proc_main(b, x, (size_t)i);
	webfmt_puts(b, "</main></body></html>\n");
	return 200;
}

/* --- the log page ------------------------------------------------------------
 */

unsigned
web_page_tail(struct wbuf *b, const struct web_ctx *x)
{
	char title[1024];

	if (web_find(x->status, "fullname", x->name) < 0)
		return pg_not_found(b, x);
	(void)snprintf(title, sizeof(title), "tend: %s log", x->name);
	pg_head(b, title, "tail", x, 5);
	webfmt_puts(b, "<header><h1><a href=\"/\">tend</a> / ");
	pg_link(b, "/proc/", x->name);
	webfmt_puts(b, " / log</h1></header>\n<main><pre id=\"log\" "
	               "data-src=\"/logtail/");
	webfmt_url(b, x->name);
	webfmt_puts(b, "\">");
	if (x->tail->failed)
		webfmt_html(b, x->tail->err);
	else if (x->tail->data.s != NULL)
		webfmt_html(b, x->tail->data.s);
	webfmt_puts(b, "</pre><p class=\"note\" id=\"follow\">The last 16 KiB "
	               "of its standard output; this page reloads every 5 s "
	               "(with script, it follows the log as it grows).</p>"
	               "</main></body></html>\n");
	return 200;
}

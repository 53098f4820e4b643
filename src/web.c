/*
 * web.c: the status page for people (web.h), on the HTTP front end.
 *
 * Owns: which URLs are pages, the session and its CSRF token, the
 * requests a page is made of (run through req_dispatch() with a sink
 * that collects their records, one after another), the actions of
 * POST /action, the messages they leave for the next page, and the
 * memory samples of the processes whose pages are looked at.  Leaves
 * alone: HTTP (http.c), the HTML (web_page.c), and everything a request
 * does (its handler's room): nothing here reads the process table.
 *
 * Safe by construction:
 * - a GET never changes anything; every action is a POST to /action;
 * - a POST must carry the session's token: the session is a random id in
 *   a SameSite=Strict, HttpOnly cookie, its token the HMAC-SHA-256 of the
 *   id under a key drawn at the first page (so it changes with each
 *   tendd); a missing or wrong token is 403 and nothing runs, and so is
 *   a POST a browser says came from another site (Sec-Fetch-Site,
 *   Origin);
 * - every text is escaped where it is written (web_page.c), and the
 *   headers (web_headers) forbid inline script and style, framing and
 *   sending the page's address elsewhere.
 *
 * Cost: nothing until a page is asked for (no timer, no memory: the key,
 * messages and sample slots are made then).  A page of 1,000 processes
 * is one status --json, one walk of the event history and ~0.5 MB of
 * HTML, made once per request.
 */
#include "web_impl.h"
#include "httplib.h"
#include "log.h"
#include "proto.h"
#include "req.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define WEB_ACTION_WAIT "10" /* seconds an action waits for its result */
#define WEB_TAIL_BYTES "16384"
#define WEB_STR_(x) #x
#define WEB_STR(x) WEB_STR_(x)
#define WEB_MSGS 16            /* action results kept for the next page */
#define WEB_SAMPLED 8          /* processes whose memory is sampled at once */
#define WEB_SAMPLE_KEEP 3600.0 /* a slot not looked at for this is freed */
#define WEB_SID_LEN 32         /* hex digits of a session id */
#define WEB_STEPS 4

/* Referrer-Policy: same-origin, not no-referrer: with no-referrer a
 * browser sends "Origin: null" with the page's own forms, and the
 * origin check could not tell them from a sandboxed page's. */
const char *const web_headers[] = {
    "Content-Security-Policy",
    "default-src 'none'; style-src 'self'; script-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options",
    "nosniff",
    "Referrer-Policy",
    "same-origin",
    "X-Frame-Options",
    "DENY",
    NULL,
};

enum web_page { WEB_STATUS, WEB_PROC, WEB_TAIL, WEB_ACTION };

struct web_call;

/* One request of a page, with its collecting sink. */
struct web_step {
	struct req rq;
	struct web_call *c;
	struct web_col col;
	bool done;
};

struct web_call {
	struct web_call *dead; /* answered, freed by web_reap() */
	web_done_fn *done;     /* NULL: the client went away */
	void *arg;
	enum web_page page;
	char *name;   /* the process (or action's target) */
	char *filter; /* ?q= */
	char *part;   /* ?part= */
	unsigned msg; /* ?m= */
	char sid[WEB_SID_LEN + 1];
	bool newsid;
	uint16_t action; /* PROTO_REQ_* of a POST */
	char back[256];  /* where a POST returns: "/" or "/proc/NAME" */
	struct web_step step[WEB_STEPS];
	int nsteps, cur;
	bool dispatching; /* inside req_dispatch(): answers wait */
	pid_t pid;
	uid_t uid;
};

static struct {
	bool keyed;
	unsigned char key[32];
	struct web_call *dead;
	unsigned lastmsg;
	struct web_msg {
		unsigned id;
		char text[400];
	} msgs[WEB_MSGS];
	struct web_samples *samples; /* WEB_SAMPLED, made at first use */
} web;

static void web_advance(struct web_call *c);

/* --- collected records ---------------------------------------------- */

static size_t
web_pool_add(struct web_col *col, const char *s)
{
	size_t n = strlen(s) + 1, cap, off = col->plen;
	char *p;

	if (col->plen + n > col->pcap) {
		cap = col->pcap ? col->pcap : 4096;
		while (cap < col->plen + n)
			cap *= 2;
		if ((p = realloc(col->pool, cap)) == NULL) {
			col->oom = true;
			return 0;
		}
		col->pool = p;
		col->pcap = cap;
	}
	memcpy(col->pool + off, s, n);
	col->plen += n;
	return off;
}

const char *
web_get(const struct web_col *c, size_t i, const char *key)
{
	const struct web_rec *r;
	size_t k;

	if (i >= c->nrecs)
		return "";
	r = &c->recs[i];
	for (k = r->first; k < r->first + r->n; k++)
		if (strcmp(c->pool + c->kv[2 * k], key) == 0)
			return c->pool + c->kv[2 * k + 1];
	return "";
}

double
web_getd(const struct web_col *c, size_t i, const char *key)
{
	return strtod(web_get(c, i, key), NULL);
}

long
web_find(const struct web_col *c, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < c->nrecs; i++)
		if (strcmp(web_get(c, i, key), value) == 0)
			return (long)i;
	return -1;
}

static void
web_col_free(struct web_col *c)
{
	free(c->pool);
	free(c->kv);
	free(c->recs);
	webfmt_free(&c->data);
}

/* --- the sink ----------------------------------------------------------- */

static void
web_sk_record(struct req *rq)
{
	struct web_col *c = &((struct web_step *)rq->sink)->col;
	struct web_rec *v;
	size_t cap;

	if (c->oom)
		return;
	if (c->nrecs == c->reccap) {
		cap = c->reccap ? 2 * c->reccap : 64;
		if ((v = realloc(c->recs, cap * sizeof(*v))) == NULL) {
			c->oom = true;
			return;
		}
		c->recs = v;
		c->reccap = cap;
	}
	c->recs[c->nrecs].first = c->nkv;
	c->recs[c->nrecs++].n = 0;
}

static void
web_sk_kv(struct req *rq, const char *key, const char *value)
{
	struct web_col *c = &((struct web_step *)rq->sink)->col;
	size_t cap, *v;

	if (c->oom || c->nrecs == 0)
		return;
	if (c->nkv == c->kvcap) {
		cap = c->kvcap ? 2 * c->kvcap : 512;
		if ((v = realloc(c->kv, 2 * cap * sizeof(*v))) == NULL) {
			c->oom = true;
			return;
		}
		c->kv = v;
		c->kvcap = cap;
	}
	c->kv[2 * c->nkv] = web_pool_add(c, key);
	c->kv[2 * c->nkv + 1] = web_pool_add(c, value);
	if (c->oom)
		return;
	c->nkv++;
	c->recs[c->nrecs - 1].n++;
}

static void
web_sk_record_end(struct req *rq)
{
}

static void
web_sk_data(struct req *rq, const void *buf, size_t n)
{
	struct web_col *c = &((struct web_step *)rq->sink)->col;

	webfmt_put(&c->data, buf, n);
}

/* The step's request is over: the next step, or the page. */
static void
web_sk_end(struct req *rq)
{
	struct web_step *s = rq->sink;
	struct web_call *c = s->c;

	s->done = true;
	if (c->done == NULL) {
		/* Its client went away while it ran. */
		c->dead = web.dead;
		web.dead = c;
		return;
	}
	if (c->dispatching)
		return;
	c->cur++;
	web_advance(c);
}

static void
web_sk_error(struct req *rq, const char *msg)
{
	struct web_step *s = rq->sink;

	s->col.failed = true;
	(void)snprintf(s->col.err, sizeof(s->col.err), "%s", msg);
	web_sk_end(rq);
}

static void
web_sk_wake(struct req *rq)
{
}

static bool
web_sk_dropped(const struct req *rq)
{
	const struct web_step *s = rq->sink;

	return s->c->done == NULL || s->col.oom;
}

/* Everything is collected at once: never busy. */
static bool
web_sk_busy(const struct req *rq)
{
	return false;
}


static const struct req_sink_ops web_sink_ops = {
    .record = web_sk_record,
    .kv = web_sk_kv,
    .record_end = web_sk_record_end,
    .data = web_sk_data,
    .end = web_sk_end,
    .error = web_sk_error,
    .wake = web_sk_wake,
    .dropped = web_sk_dropped,
    .busy = web_sk_busy,
};

/* --- sessions and tokens ----------------------------------------------- */

/* The key tokens are made with, drawn once: -1 when the kernel has no
 * randomness for us (getrandom(2) blocks only before the pool is ready
 * at boot; GRND_NONBLOCK refuses then, and so does the page). */
static int
web_key(void)
{
	if (web.keyed)
		return 0;
	if (getrandom(web.key, sizeof(web.key), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(web.key)) {
		log_warn("web page: getrandom");
		return -1;
	}
	web.keyed = true;
	return 0;
}

static bool
web_sid_ok(const char *sid)
{
	size_t i;

	for (i = 0; sid[i] != '\0'; i++)
		if (!((sid[i] >= '0' && sid[i] <= '9') ||
		        (sid[i] >= 'a' && sid[i] <= 'f')))
			return false;
	return i == WEB_SID_LEN;
}

/* The session's token into OUT (65 bytes); -1 on failure. */
static int
web_token(const char *sid, char *out)
{
	unsigned char md[32];

	if (web_key() == -1 || gnutls_hmac_fast(GNUTLS_MAC_SHA256, web.key,
	                           sizeof(web.key), sid, strlen(sid), md) != 0)
		return -1;
	webfmt_hex(md, sizeof(md), out);
	return 0;
}

/* C's session from the Cookie header, or a new one. */
static int
web_session(struct web_call *c, const char *cookie)
{
	unsigned char r[WEB_SID_LEN / 2];

	if (cookie != NULL &&
	    webfmt_cookie_get(cookie, "tend_sid", c->sid, sizeof(c->sid)) ==
	        0 &&
	    web_sid_ok(c->sid))
		return 0;
	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		log_warn("web page: getrandom");
		return -1;
	}
	webfmt_hex(r, sizeof(r), c->sid);
	c->newsid = true;
	return 0;
}

/*
 * May IN act?  Its session cookie, its token and what the browser says
 * of where the form came from.  NULL: yes; else why not (403).
 */
static const char *
web_csrf_refusal(const struct web_in *in, struct web_call *c)
{
	char token[80], want[65], origin[300];

	if (in->fetch_site != NULL &&
	    strcmp(in->fetch_site, "same-origin") != 0 &&
	    strcmp(in->fetch_site, "none") != 0)
		return "a form of another site";
	if (in->origin != NULL && in->host != NULL) {
		(void)snprintf(origin, sizeof(origin), "://%s", in->host);
		if (strstr(in->origin, "://") == NULL ||
		    strcmp(strstr(in->origin, "://"), origin) != 0)
			return "a form of another origin";
	}
	if (in->cookie == NULL ||
	    webfmt_cookie_get(in->cookie, "tend_sid", c->sid, sizeof(c->sid)) ==
	        -1 ||
	    !web_sid_ok(c->sid))
		return "no session";
	if (webfmt_form_get(in->body, in->len, "token", token, sizeof(token)) ==
	    -1)
		return "no token";
	if (web_token(c->sid, want) == -1)
		return "no key";
	if (!webfmt_streq(token, want))
		return "a wrong token";
	return NULL;
}

/* --- messages and samples --------------------------------------------------
 */

static unsigned
web_msg_put(const char *text)
{
	struct web_msg *m;

	m = &web.msgs[++web.lastmsg % WEB_MSGS];
	m->id = web.lastmsg;
	(void)snprintf(m->text, sizeof(m->text), "%s", text);
	return m->id;
}

static const char *
web_msg_get(unsigned id)
{
	const struct web_msg *m = &web.msgs[id % WEB_MSGS];

	return id != 0 && m->id == id ? m->text : NULL;
}

/* NAME's samples, with one more taken now (at most every
 * WEB_SAMPLE_EVERY seconds): a slot is made when a process's page is
 * first looked at and freed an hour after the last look. */
static const struct web_samples *
web_sample(const char *name, double now, const char *pss_kb)
{
	struct web_samples *s, *use = NULL;
	size_t i;

	if (web.samples == NULL &&
	    (web.samples = calloc(WEB_SAMPLED, sizeof(*web.samples))) == NULL)
		return NULL;
	for (i = 0; i < WEB_SAMPLED; i++) {
		s = &web.samples[i];
		if (s->name != NULL && now - s->seen > WEB_SAMPLE_KEEP) {
			free(s->name);
			memset(s, 0, sizeof(*s));
		}
		if (s->name != NULL && strcmp(s->name, name) == 0)
			use = s;
	}
	for (i = 0; use == NULL && i < WEB_SAMPLED; i++) {
		s = &web.samples[i];
		if (use == NULL || s->name == NULL || s->seen < use->seen)
			use = s;
	}
	if (use->name == NULL || strcmp(use->name, name) != 0) {
		free(use->name);
		memset(use, 0, sizeof(*use));
		if ((use->name = strdup(name)) == NULL)
			return NULL;
	}
	use->seen = now;
	if (*pss_kb == '\0' ||
	    (use->n > 0 &&
	        now - use->t[(use->head + WEB_SAMPLES - 1) % WEB_SAMPLES] <
	            WEB_SAMPLE_EVERY))
		return use;
	use->t[use->head] = now;
	use->kb[use->head] = (uint32_t)strtoul(pss_kb, NULL, 10);
	use->head = (use->head + 1) % WEB_SAMPLES;
	if (use->n < WEB_SAMPLES)
		use->n++;
	return use;
}

/* --- a page's requests ------------------------------------------------------
 */

/* Run request TYPE (ARGV, OPTS: NULL-terminated) as C's current step. */
static void
web_dispatch(
    struct web_call *c, uint16_t type, const char **argv, const char **opts)
{
	struct web_step *s = &c->step[c->cur];
	int n;

	s->c = c;
	s->rq.ops = &web_sink_ops;
	s->rq.sink = s;
	s->rq.type = type;
	s->rq.argv = argv;
	for (n = 0; argv[n] != NULL; n++)
		;
	s->rq.argc = n;
	s->rq.opts = opts;
	for (n = 0; opts[2 * n] != NULL; n++)
		;
	s->rq.nopts = n;
	s->rq.pid = c->pid;
	s->rq.uid = c->uid;
	c->dispatching = true;
	if (req_dispatch(&s->rq) == -1) {
		s->col.failed = true;
		(void)snprintf(s->col.err, sizeof(s->col.err), "no request");
		s->done = true;
	}
	c->dispatching = false;
}

/* Which log a process page shows the end of: stderr, where programs say
 * why they fail, unless it has no file of its own (redirect_stderr,
 * NONE); then stdout. */
static const char *
web_last_channel(const struct web_call *c)
{
	long i = web_find(&c->step[0].col, "fullname", c->name);

	if (i >= 0 && *web_get(&c->step[0].col, (size_t)i, "stderr_logfile"))
		return "stderr";
	return "stdout";
}

/* The request of step C->cur of C's page. */
static void
web_step_run(struct web_call *c)
{
	static const char *full[] = {"full", "1", NULL};
	static const char *wait[] = {"timeout", WEB_ACTION_WAIT, NULL};
	static const char *none[] = {NULL};
	const char *history[] = {"0", "0", NULL};
	const char *one[] = {c->name, NULL};
	const char *tail[] = {
	    c->name, "stdout", "bytes", WEB_TAIL_BYTES, "0", NULL};
	const char *last[] = {
	    c->name, "stdout", "bytes", WEB_STR(WEB_LAST_LEN), "0", NULL};
	const char *all[] = {NULL};

	switch (c->page) {
	case WEB_STATUS:
		if (c->cur == 0)
			web_dispatch(c, PROTO_REQ_STATUS, all, full);
		else
			web_dispatch(c, PROTO_REQ_EVENTS, history, none);
		break;
	case WEB_PROC:
		if (c->cur == 0)
			web_dispatch(c, PROTO_REQ_STATUS, one, full);
		else if (c->cur == 1)
			web_dispatch(c, PROTO_REQ_PS, one, none);
		else if (c->cur == 2)
			web_dispatch(c, PROTO_REQ_EVENTS, history, none);
		else {
			last[1] = web_last_channel(c);
			web_dispatch(c, PROTO_REQ_TAIL, last, none);
		}
		break;
	case WEB_TAIL:
		if (c->cur == 0)
			web_dispatch(c, PROTO_REQ_STATUS, one, none);
		else
			web_dispatch(c, PROTO_REQ_TAIL, tail, none);
		break;
	case WEB_ACTION:
		web_dispatch(c, c->action, one,
		    c->action == PROTO_REQ_CLEAR ? none : wait);
		break;
	}
}

static void
web_cookie(struct web_call *c, struct web_out *out)
{
	if (c->newsid)
		(void)snprintf(out->cookie, sizeof(out->cookie),
		    "tend_sid=%s; Path=/; HttpOnly; SameSite=Strict", c->sid);
}

/* Does record I say what one before it said (restart's stop and start
 * results of an unknown name)?  Looks back a few records only. */
static bool
web_same_as_before(const struct web_col *col, size_t i)
{
	static const char *keys[] = {"name", "result", "detail"};
	size_t j, k;

	for (j = i > 16 ? i - 16 : 0; j < i; j++) {
		for (k = 0; k < TEND_NELEM(keys); k++)
			if (strcmp(web_get(col, i, keys[k]),
			        web_get(col, j, keys[k])) != 0)
				break;
		if (k == TEND_NELEM(keys))
			return true;
	}
	return false;
}

/* An action's results as one line for the next page. */
static void
web_action_text(const struct web_col *col, char *out, size_t outlen)
{
	struct wbuf b = {0};
	const char *detail;
	size_t i, shown = 0;

	if (col->failed)
		webfmt_printf(&b, "%s", col->err);
	for (i = 0; i < col->nrecs; i++) {
		if (*web_get(col, i, "name") == '\0' ||
		    web_same_as_before(col, i))
			continue;
		if (shown++ >= 8)
			continue;
		detail = web_get(col, i, "detail");
		webfmt_printf(&b, "%s%s: %s%s%s%s", b.len ? "; " : "",
		    web_get(col, i, "name"), web_get(col, i, "result"),
		    *detail ? " (" : "", detail, *detail ? ")" : "");
	}
	if (shown > 8)
		webfmt_printf(&b, "; and %zu more", shown - 8);
	(void)snprintf(out, outlen, "%s",
	    b.s != NULL       ? b.s
	    : col->nrecs == 0 ? "done"
	                      : "out of memory");
	webfmt_free(&b);
}

static void
web_action_done(struct web_call *c, struct web_out *out)
{
	char text[400];
	unsigned id;

	web_action_text(&c->step[0].col, text, sizeof(text));
	id = web_msg_put(text);
	log_info("web page (pid %d): %s", (int)c->pid, text);
	out->status = 303;
	(void)snprintf(
	    out->location, sizeof(out->location), "%s?m=%u", c->back, id);
	out->body = (char *)"303 See Other\n";
	out->len = strlen(out->body);
	out->static_body = true;
	out->type = "text/plain";
}

static void
web_page_done(struct web_call *c, struct web_out *out)
{
	struct web_ctx x = {0};
	struct wbuf b = {0};
	char token[65];
	long i;

	if (web_token(c->sid, token) == -1) {
		out->status = 500;
		return;
	}
	x.token = token;
	x.name = c->name;
	x.filter = c->filter;
	x.part = c->part;
	x.msg = web_msg_get(c->msg);
	x.now = (double)time(NULL);
	x.status = &c->step[0].col;
	if (c->page == WEB_STATUS) {
		x.events = &c->step[1].col;
		out->status = web_page_status(&b, &x);
	} else if (c->page == WEB_PROC) {
		x.ps = &c->step[1].col;
		x.events = &c->step[2].col;
		x.last = &c->step[3].col;
		x.last_channel = web_last_channel(c);
		if ((i = web_find(x.status, "fullname", c->name)) >= 0)
			x.samples = web_sample(c->name, x.now,
			    web_get(x.status, (size_t)i, "pss_kb"));
		out->status = web_page_proc(&b, &x);
	} else {
		x.tail = &c->step[1].col;
		out->status = web_page_tail(&b, &x);
	}
	if ((out->body = webfmt_take(&b, &out->len)) == NULL)
		out->status = 500;
}

/* Every step answered: the page (or the redirect), to the client. */
static void
web_finish(struct web_call *c)
{
	struct web_out out;
	web_done_fn *done = c->done;

	memset(&out, 0, sizeof(out));
	out.type = "text/html; charset=utf-8";
	out.cache = "no-store";
	web_cookie(c, &out);
	if (c->page == WEB_ACTION)
		web_action_done(c, &out);
	else
		web_page_done(c, &out);
	if (out.status == 500 && out.body == NULL) {
		out.type = "text/plain";
		out.body = (char *)"500 Internal Server Error\n";
		out.len = strlen(out.body);
		out.static_body = true;
	}
	c->done = NULL;
	c->dead = web.dead;
	web.dead = c;
	done(c->arg, &out);
}

/* A stream (the event history, a tail) sends a batch per pump, once the
 * front end has taken the last: the collector takes everything, so it
 * pumps again as long as that brings more.  A walk (status --json of
 * many processes) goes on from the loop by itself. */
static void
web_pump(struct web_call *c, struct web_step *s)
{
	size_t before;

	while (!s->done && s->rq.live && s->rq.pump != NULL) {
		before = s->col.nrecs + s->col.data.len;
		c->dispatching = true;
		s->rq.pump(&s->rq);
		c->dispatching = false;
		if (s->col.nrecs + s->col.data.len == before)
			break;
	}
}

static void
web_advance(struct web_call *c)
{
	while (c->cur < c->nsteps) {
		web_step_run(c);
		web_pump(c, &c->step[c->cur]);
		if (!c->step[c->cur].done)
			return; /* web_sk_end() goes on */
		c->cur++;
	}
	web_finish(c);
}

static void
web_call_free(struct web_call *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < WEB_STEPS; i++)
		web_col_free(&c->step[i].col);
	free(c->name);
	free(c->filter);
	free(c->part);
	free(c);
}

void
web_reap(void)
{
	struct web_call *c;

	while ((c = web.dead) != NULL) {
		web.dead = c->dead;
		web_call_free(c);
	}
}

void
web_cancel(struct web_call *c)
{
	struct web_step *s;

	if (c == NULL || c->done == NULL)
		return;
	c->done = NULL;
	s = &c->step[c->cur];
	if (c->cur < c->nsteps && s->rq.live) {
		if (s->rq.cancel == NULL)
			return; /* it ends by itself; web_sk_end frees C */
		s->rq.cancel(&s->rq);
		s->rq.live = false;
	}
	c->dead = web.dead;
	web.dead = c;
}

/* --- routing
 * ------------------------------------------------------------------ */

static bool
web_is(const char *method, const char *m)
{
	return strcmp(method, m) == 0;
}

/* A POST whose form web.c reads (http.c has taken the body). */
static bool
web_wants_body(const char *method, const char *url)
{
	return web_is(method, "POST") && strcmp(url, "/action") == 0;
}

/* Answer OUT at once (static files, refusals). */
static struct web_call *
web_now(struct web_call *c, web_done_fn *done, void *arg, unsigned status,
    const char *type, const char *body, size_t len)
{
	struct web_out out;

	memset(&out, 0, sizeof(out));
	out.status = status;
	out.type = type;
	out.len = len;
	/* A refusal's text may be on the caller's stack: copied. */
	out.static_body = status == 200 || status == 404;
	out.body = out.static_body ? (char *)body : strndup(body, len);
	if (out.body == NULL) {
		out.body = (char *)"";
		out.len = 0;
		out.static_body = true;
	}
	out.cache = status == 200 ? "max-age=3600" : "no-store";
	web_call_free(c);
	done(arg, &out);
	return NULL;
}

static struct web_call *
web_static(struct web_call *c, const char *url, web_done_fn *done, void *arg)
{
	if (strcmp(url, "/static/tend.css") == 0)
		return web_now(c, done, arg, 200, "text/css; charset=utf-8",
		    web_css, web_css_len);
	if (strcmp(url, "/static/tend.js") == 0)
		return web_now(c, done, arg, 200,
		    "text/javascript; charset=utf-8", web_js, web_js_len);
	return web_now(c, done, arg, 404, "text/plain", "404 Not Found\n", 14);
}

/* POST /action: "do" is "VERB NAME", "back" the page to return to. */
static int
web_action_parse(struct web_call *c, const struct web_in *in)
{
	static const struct {
		const char *verb;
		uint16_t type;
	} verbs[] = {
	    {"start", PROTO_REQ_START},
	    {"stop", PROTO_REQ_STOP},
	    {"restart", PROTO_REQ_RESTART},
	    {"clear", PROTO_REQ_CLEAR},
	};
	char what[1024], back[256], *sp;
	struct wbuf b = {0};
	size_t i;

	if (webfmt_form_get(in->body, in->len, "do", what, sizeof(what)) ==
	        -1 ||
	    (sp = strchr(what, ' ')) == NULL || sp[1] == '\0')
		return -1;
	*sp = '\0';
	for (i = 0; i < TEND_NELEM(verbs); i++)
		if (strcmp(what, verbs[i].verb) == 0)
			c->action = verbs[i].type;
	if (c->action == 0 || (c->name = strdup(sp + 1)) == NULL)
		return -1;
	/* Back to the page it came from, rebuilt: nothing of the form goes
	 * into the Location header as it came. */
	webfmt_puts(&b, "/");
	if (webfmt_form_get(in->body, in->len, "back", back, sizeof(back)) ==
	        0 &&
	    strncmp(back, "/proc/", 6) == 0 && back[6] != '\0') {
		webfmt_puts(&b, "proc/");
		webfmt_url(&b, back + 6);
	}
	(void)snprintf(c->back, sizeof(c->back), "%s",
	    b.s != NULL && b.len < sizeof(c->back) ? b.s : "/");
	webfmt_free(&b);
	return 0;
}

/* Which page IN asks for; -1: none (404). */
static int
web_page_of(struct web_call *c, const struct web_in *in)
{
	const char *name = NULL;

	if (strcmp(in->url, "/") == 0) {
		c->page = WEB_STATUS;
		c->nsteps = 2;
	} else if (strncmp(in->url, "/proc/", 6) == 0) {
		c->page = WEB_PROC;
		c->nsteps = 4;
		name = in->url + 6;
	} else if (strncmp(in->url, "/tail/", 6) == 0) {
		c->page = WEB_TAIL;
		c->nsteps = 2;
		name = in->url + 6;
	} else {
		return -1;
	}
	if (name != NULL && (*name == '\0' || (c->name = strdup(name)) == NULL))
		return -1;
	if (in->q != NULL && *in->q != '\0' &&
	    (c->filter = strdup(in->q)) == NULL)
		return -1;
	if (in->part != NULL && (c->part = strdup(in->part)) == NULL)
		return -1;
	c->msg = in->m != NULL ? (unsigned)strtoul(in->m, NULL, 10) : 0;
	return 0;
}

struct web_call *
web_run(const struct web_in *in, web_done_fn *done, void *arg)
{
	static const char nf[] = "404 Not Found\n";
	struct web_call *c;
	const char *why;
	char text[320];

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return web_now(NULL, done, arg, 500, "text/plain",
		    "500 Internal Server Error\n", 26);
	c->done = done;
	c->arg = arg;
	c->pid = in->pid;
	c->uid = in->uid;
	if (strncmp(in->url, "/static/", 8) == 0)
		return web_static(c, in->url, done, arg);
	if (web_wants_body(in->method, in->url)) {
		if ((why = web_csrf_refusal(in, c)) != NULL) {
			log_warnx("web page (pid %d): POST /action refused: %s",
			    (int)in->pid, why);
			(void)snprintf(text, sizeof(text),
			    "403 Forbidden: %s; reload the page\n", why);
			return web_now(c, done, arg, 403, "text/plain", text,
			    strlen(text));
		}
		if (web_action_parse(c, in) == -1)
			return web_now(c, done, arg, 400, "text/plain",
			    "400 Bad Request\n", 16);
		c->page = WEB_ACTION;
		c->nsteps = 1;
	} else if (web_page_of(c, in) == -1) {
		return web_now(
		    c, done, arg, 404, "text/plain", nf, sizeof(nf) - 1);
	} else if (web_session(c, in->cookie) == -1) {
		return web_now(c, done, arg, 500, "text/plain",
		    "500 Internal Server Error\n", 26);
	}
	web_advance(c);
	return c->done != NULL ? c : NULL;
}

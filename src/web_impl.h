/*
 * web_impl.h: what web.c (requests, sessions, actions) shares with
 * web_page.c (the HTML).  Not for other rooms.
 */
#ifndef TEND_WEB_IMPL_H
#define TEND_WEB_IMPL_H

#include "web.h"
#include "webfmt.h"

/* The records (and DATA) one request answered, collected. */
struct web_col {
	char *pool; /* "key\0value\0" ... */
	size_t plen, pcap;
	size_t *kv; /* offsets into POOL: key, value, key, value... */
	size_t nkv, kvcap;
	struct web_rec {
		size_t first, n; /* its pairs: KV[2 * first ...] */
	} * recs;
	size_t nrecs, reccap;
	struct wbuf data;
	char err[256]; /* the request failed as a whole: why */
	bool failed, oom;
};

/* Record I's value of KEY; "" when it has none. */
const char *web_get(const struct web_col *c, size_t i, const char *key);
double web_getd(const struct web_col *c, size_t i, const char *key);
/* The first record with KEY equal to VALUE; -1: none. */
long web_find(const struct web_col *c, const char *key, const char *value);

/* Memory samples of a process, taken while its page is looked at. */
#define WEB_SAMPLES 120
#define WEB_SAMPLE_EVERY 30.0 /* seconds: 120 of them are an hour */
struct web_samples {
	char *name;
	double seen; /* when its page was last served */
	unsigned head, n;
	double t[WEB_SAMPLES];
	uint32_t kb[WEB_SAMPLES];
};

/* What a page is made of. */
/* How much of a process's log its page shows: enough for the last lines
 * before a crash ("fatal: database unreachable"). */
#define WEB_LAST_LEN 2048

struct web_ctx {
	const struct web_col *status; /* STATUS full=1 */
	const struct web_col *ps;     /* PS of the process */
	const struct web_col *events; /* EVENTS: the history */
	const struct web_col *tail;   /* TAIL: the end of its log */
	const struct web_col *last;   /* TAIL: the last lines of a process */
	const char *last_channel;     /* which log LAST is: "stderr", "stdout" */
	const char *name;             /* the process of the page */
	const char *token;            /* the session's CSRF token */
	const char *filter;           /* ?q= */
	const char *msg;              /* the result of the last action */
	const char *part;             /* ?part=main: only the live part */
	const struct web_samples *samples;
	double now;
};

/* Each fills B with a whole page (or its part); the HTTP status. */
unsigned web_page_status(struct wbuf *b, const struct web_ctx *x);
unsigned web_page_proc(struct wbuf *b, const struct web_ctx *x);
unsigned web_page_tail(struct wbuf *b, const struct web_ctx *x);

/* The compiled-in files of src/web/ (web_assets.c, generated). */
extern const char web_css[], web_js[];
extern const size_t web_css_len, web_js_len;

#endif /* TEND_WEB_IMPL_H */

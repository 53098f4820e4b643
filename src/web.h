/*
 * web.h: the status page for people on the HTTP front end (http.c is the
 * transport; web.c and web_page.c the pages).  Every page is made from
 * requests through req_dispatch(), as tendctl's answers are.
 *
 *   GET  /               every process: state, description, name, PSS, CPU,
 *                        processes, health, restarts in the last hour,
 *                        actions (?q= filters by name)
 *   GET  /proc/NAME      one process: its tree, facts of its last exit, a
 *                        chart of restarts and memory, its recent history
 *   GET  /tail/NAME      a page that follows the log (/logtail/NAME)
 *   GET  /static/tend.css, /static/tend.js   compiled in
 *   POST /action         start, stop, restart, clear: a process, a group,
 *                        all; needs the session's token (CSRF)
 *   GET  /events         (http.c) the EVENTS request as text/event-stream
 *
 * httproute.c routes these URLs here (HTTP_ROUTE_WEB).
 *
 * Nothing here runs before such a request arrives: no timer, no memory.
 */
#ifndef TEND_WEB_H
#define TEND_WEB_H

#include "tend.h"

#include <sys/types.h>

/* What http.c read of a request for web.c. */
struct web_in {
	const char *method, *url; /* the path, %-decoded by MHD */
	const char *body;         /* POST: the urlencoded form */
	size_t len;
	const char *cookie;     /* Cookie header, or NULL (and below) */
	const char *origin;     /* Origin header */
	const char *fetch_site; /* Sec-Fetch-Site header */
	const char *host;       /* Host header */
	const char *q;          /* ?q= (the filter) */
	const char *m;          /* ?m= (a message of an action) */
	const char *part;       /* ?part= (a piece of a page, for script) */
	pid_t pid;              /* who asked, for logs (-1: TCP) */
	uid_t uid;
};

/* The answer.  BODY is malloc'd unless STATIC_BODY. */
struct web_out {
	unsigned status;
	const char *type;
	char *body;
	size_t len;
	bool static_body;
	const char *cache;  /* Cache-Control */
	char location[512]; /* "" or a redirect's target */
	char cookie[128];   /* "" or a Set-Cookie value */
};

/* The security headers of every page (name, value, ..., NULL). */
extern const char *const web_headers[];

typedef void web_done_fn(void *arg, struct web_out *out);

/*
 * Answer IN: DONE(ARG, out) is called once, maybe before web_run()
 * returns (then NULL is returned), else later from the loop; DONE takes
 * the body.  web_cancel(): the client went away, DONE is not called.
 */
struct web_call *web_run(const struct web_in *in, web_done_fn *done, void *arg);
void web_cancel(struct web_call *c);
/* Free what answered calls still hold (from http.c's loop turn). */
void web_reap(void);

#endif /* TEND_WEB_H */

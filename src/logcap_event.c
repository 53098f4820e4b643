/*
 * logcap_event.c: a stream's output as supervisord's events see it
 * (its dispatchers.py POutputDispatcher): PROCESS_LOG_* for each chunk
 * read when *_events_enabled, and capture mode (*_capture_maxbytes):
 * what a process writes between <!--XSUPERVISOR:BEGIN--> and
 * <!--XSUPERVISOR:END--> goes to no log file but into a bounded buffer,
 * sent as one PROCESS_COMMUNICATION_* event at the end token.
 *
 * Owns: the capture state of a stream (allocated only for a stream whose
 * process has capture_maxbytes > 0).  Leaves alone: reading the pipe and
 * writing the log (logcap.c hands each chunk here and gets back what is
 * to be logged through OUT), the events' payloads (evbus.c).
 *
 * Chunks: supervisord sends one log event per read(2) of up to 128 KiB;
 * tendd's reads are up to 64 KiB (logcap.c's buffer), so a flood is cut
 * into more, smaller events.  With capture mode, supervisord holds back
 * output no longer than the token it looks for (and the start of a token
 * at the end of a chunk) until more comes; at EOF it drops what it held,
 * tendd logs it.
 */
#include "logcap_impl.h"
#include "evbus.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

#define BEGIN_TOKEN "<!--XSUPERVISOR:BEGIN-->"
#define END_TOKEN "<!--XSUPERVISOR:END-->"

struct logcap_capture {
	bool mode;	/* between the tokens (supervisord's capturemode) */
	char *held;	/* output_buffer: not yet looked at in full */
	size_t nheld;
	char *cap;	/* the capture log (supervisord's BoundIO) */
	size_t ncap;
};

/* Everything one chunk needs to say what it is. */
struct logcap_evctx {
	const struct proc *p;
	int pid, chan;
	bool events; /* *_events_enabled (and someone listens) */
	uint64_t max;
	logcap_out_fn out;
	void *arg;
};

/* Append N bytes to *BUF of *LEN; false when out of memory. */
static bool
logcap_ev_append(char **buf, size_t *len, const char *s, size_t n)
{
	char *b;

	if (n == 0)
		return true;
	if ((b = realloc(*buf, *len + n)) == NULL)
		return false;
	memcpy(b + *len, s, n);
	*buf = b;
	*len += n;
	return true;
}

/* supervisord's BoundIO.write(): over MAX, drop as many bytes from the
 * front as are written, then append (so one long write may exceed MAX;
 * the buffer stays below MAX plus one read). */
static void
logcap_ev_bound(struct logcap_capture *c, const struct logcap_evctx *x,
    const char *s, size_t n)
{
	size_t drop;

	if (c->ncap + n > x->max && c->ncap > 0) {
		drop = n < c->ncap ? n : c->ncap;
		memmove(c->cap, c->cap + drop, c->ncap - drop);
		c->ncap -= drop;
	}
	if (!logcap_ev_append(&c->cap, &c->ncap, s, n))
		log_warnx("%s: capture: out of memory, %zu bytes lost",
		    x->p->fullname, n);
}

/* supervisord's _log(): to the log (or the capture log), and an event. */
static void
logcap_ev_log(struct logcap_capture *c, const struct logcap_evctx *x,
    const char *s, size_t n)
{
	if (n == 0)
		return;
	if (c != NULL && c->mode)
		logcap_ev_bound(c, x, s, n);
	else
		x->out(x->arg, s, n);
	if (x->events)
		evbus_proc_log(x->p, x->pid, x->chan, s, n);
}

/* supervisord's toggle_capturemode(): leaving it sends what was
 * captured. */
static void
logcap_ev_toggle(struct logcap_capture *c, const struct logcap_evctx *x)
{
	c->mode = !c->mode;
	if (c->mode)
		return;
	evbus_proc_comm(x->p, x->pid, x->chan, c->cap != NULL ? c->cap : "",
	    c->ncap);
	free(c->cap);
	c->cap = NULL;
	c->ncap = 0;
}

/* The longest start of TOKEN that DATA ends with, shorter than TOKEN
 * (asynchat's find_prefix_at_end). */
static size_t
logcap_ev_prefix(const char *data, size_t n, const char *token, size_t tlen)
{
	size_t l;

	for (l = tlen - 1; l > 0; l--)
		if (l <= n && memcmp(data + n - l, token, l) == 0)
			return l;
	return 0;
}

static const char *
logcap_ev_find(const char *hay, size_t n, const char *tok, size_t tlen)
{
	const char *s = hay, *end = hay + n;

	while ((size_t)(end - s) >= tlen &&
	       (s = memchr(s, tok[0], (size_t)(end - s) - tlen + 1)) != NULL) {
		if (memcmp(s, tok, tlen) == 0)
			return s;
		s++;
	}
	return NULL;
}

/* supervisord's record_output() on what C holds, as a loop: log up to
 * the token it looks for, toggle, go on with what follows; keep back a
 * token's possible start, or everything while no longer than the
 * token. */
static void
logcap_ev_record(struct logcap_capture *c, const struct logcap_evctx *x)
{
	const char *tok, *at;
	size_t tlen, keep, rest;
	char *data;

	for (;;) {
		tok = c->mode ? END_TOKEN : BEGIN_TOKEN;
		tlen = strlen(tok);
		if (c->nheld <= tlen)
			return;
		data = c->held;
		at = logcap_ev_find(data, c->nheld, tok, tlen);
		if (at == NULL) {
			keep = logcap_ev_prefix(data, c->nheld, tok, tlen);
			logcap_ev_log(c, x, data, c->nheld - keep);
			memmove(data, data + c->nheld - keep, keep);
			c->nheld = keep;
			return;
		}
		logcap_ev_log(c, x, data, (size_t)(at - data));
		logcap_ev_toggle(c, x);
		rest = c->nheld - (size_t)(at - data) - tlen;
		memmove(data, at + tlen, rest);
		c->nheld = rest;
		if (rest == 0)
			return;
	}
}

void
logcap_event_chunk(struct logcap_capture **cp, const struct proc *p, int pid,
    int chan, const char *buf, size_t n, logcap_out_fn out, void *arg)
{
	const struct conf_log *cl = chan == 1 ? &p->conf->out : &p->conf->err;
	struct logcap_evctx x = {p, pid, chan,
	    cl->events_enabled &&
		evbus_wants(EVBUS_BIT(chan == 1 ? EVT_PROCESS_LOG_STDOUT
						: EVT_PROCESS_LOG_STDERR)),
	    cl->capture_maxbytes, out, arg};
	struct logcap_capture *c = *cp;

	if (x.max == 0) {
		/* No capture (or a reload turned it off: what was held
		 * is output as it is). */
		if (c != NULL)
			logcap_event_end(cp, p, pid, chan, out, arg);
		logcap_ev_log(NULL, &x, buf, n);
		return;
	}
	if (c == NULL && (c = *cp = calloc(1, sizeof(*c))) == NULL) {
		log_warnx("%s: capture: out of memory", p->fullname);
		logcap_ev_log(NULL, &x, buf, n);
		return;
	}
	if (!logcap_ev_append(&c->held, &c->nheld, buf, n)) {
		log_warnx("%s: capture: out of memory", p->fullname);
		logcap_ev_log(c, &x, buf, n);
		return;
	}
	logcap_ev_record(c, &x);
	/* Nothing held: give the memory back between chunks. */
	if (c->nheld == 0) {
		free(c->held);
		c->held = NULL;
	}
}

void
logcap_event_end(struct logcap_capture **cp, const struct proc *p, int pid,
    int chan, logcap_out_fn out, void *arg)
{
	struct logcap_capture *c = *cp;

	if (c == NULL)
		return;
	/* What was held back is output, not dropped (supervisord drops
	 * it); an unfinished capture is dropped, as supervisord's is. */
	if (c->nheld > 0 && p != NULL && !c->mode)
		out(arg, c->held, c->nheld);
	free(c->held);
	free(c->cap);
	free(c);
	*cp = NULL;
}

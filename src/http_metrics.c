/*
 * http_metrics.c: GET /metrics as a request: the METRICS request through
 * req_dispatch() with a reply sink that collects its records, then
 * metrics.c's Prometheus text of them.  No MHD: http.c answers with the
 * text.
 */
#include "http_metrics.h"
#include "metrics.h"
#include "proto.h"
#include "req.h"

#include <stdlib.h>
#include <string.h>

/* The records of one METRICS request: KV holds every pair of every
 * record, REC each record's first pair and count. */
struct http_mcoll {
	struct req rq;
	char **kv;
	size_t nkv, capkv;
	struct {
		size_t first, n;
	} *rec;
	size_t nrec, caprec;
	bool oom, ended, failed;
};

static bool
http_grow(void *pp, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *p;

	if (need <= *cap)
		return true;
	while (n < need)
		n *= 2;
	if ((p = realloc(*(void **)pp, n * size)) == NULL)
		return false;
	*(void **)pp = p;
	*cap = n;
	return true;
}

static void
http_mc_record(struct req *rq)
{
	struct http_mcoll *m = rq->sink;

	if (m->oom || !http_grow(&m->rec, &m->caprec, m->nrec + 1,
	                  sizeof(*m->rec))) {
		m->oom = true;
		return;
	}
	m->rec[m->nrec].first = m->nkv / 2;
	m->rec[m->nrec++].n = 0;
}

static void
http_mc_kv(struct req *rq, const char *key, const char *value)
{
	struct http_mcoll *m = rq->sink;
	char *k, *v;

	if (m->oom || m->nrec == 0)
		return;
	if (!http_grow(&m->kv, &m->capkv, m->nkv + 2, sizeof(*m->kv)) ||
	    (k = strdup(key)) == NULL) {
		m->oom = true;
		return;
	}
	if ((v = strdup(value)) == NULL) {
		free(k);
		m->oom = true;
		return;
	}
	m->kv[m->nkv++] = k;
	m->kv[m->nkv++] = v;
	m->rec[m->nrec - 1].n++;
}

static void
http_mc_nop(struct req *rq)
{
}

static void
http_mc_data(struct req *rq, const void *data, size_t n)
{
}

static void
http_mc_end(struct req *rq)
{
	((struct http_mcoll *)rq->sink)->ended = true;
}

static void
http_mc_error(struct req *rq, const char *msg)
{
	struct http_mcoll *m = rq->sink;

	(void)msg; /* the only failure: tendd is shutting down */
	m->ended = m->failed = true;
}

static bool
http_mc_no(const struct req *rq)
{
	return false;
}

static const struct req_sink_ops http_mc_ops = {
    .record = http_mc_record,
    .kv = http_mc_kv,
    .record_end = http_mc_nop,
    .data = http_mc_data,
    .end = http_mc_end,
    .error = http_mc_error,
    .wake = http_mc_nop,
    .dropped = http_mc_no,
    .busy = http_mc_no,
};

/* The text of M's records; NULL on ENOMEM. */
static char *
http_mc_text(const struct http_mcoll *m, size_t *len)
{
	struct metrics_rec *v;
	size_t i;
	char *text;

	if ((v = calloc(m->nrec ? m->nrec : 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < m->nrec; i++) {
		v[i].kv = m->kv + 2 * m->rec[i].first;
		v[i].n = m->rec[i].n;
	}
	text = metrics_text(v, m->nrec, len);
	free(v);
	return text;
}
/* METRICS answers at once (it does not wait on processes), so the
 * records are all here when req_dispatch() returns. */
char *
http_metrics_text(pid_t pid, uid_t uid, size_t *len, bool *exiting)
{
	struct http_mcoll m = {0};
	const char *argv[1] = {NULL};
	char *text = NULL;
	size_t i;

	m.rq.ops = &http_mc_ops;
	m.rq.sink = &m;
	m.rq.type = PROTO_REQ_METRICS;
	m.rq.argv = argv;
	m.rq.pid = pid;
	m.rq.uid = uid;
	*len = 0;
	if (req_dispatch(&m.rq) == 0 && m.ended && !m.failed && !m.oom)
		text = http_mc_text(&m, len);
	for (i = 0; i < m.nkv; i++)
		free(m.kv[i]);
	free(m.kv);
	free(m.rec);
	*exiting = text == NULL && m.failed;
	return text;
}

/*
 * req.c: the request API's common half (see req.h): the dispatch from
 * req.def's table to the handlers, the "shutting down" rule, and the
 * record helpers every handler uses (numbers without printf, the
 * per-process result record).  It knows no front end: each call goes to
 * the sink's ops.
 */
#include "req.h"
#include "events.h"
#include "feed.h"
#include "handover.h"
#include "job.h"
#include "logs.h"
#include "reload.h"
#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct req_env req_env;

static const struct {
	uint16_t type;
	int flags;
	void (*handler)(struct req *rq);
	const char *name;
	const char *opts; /* the options it takes, space-separated */
} req_table[] = {
#define REQ(name, num, handler, flags, opts, verb)                             \
	{num, flags, handler, #name, opts},
#include "req.def"
#undef REQ
};

static int
req_row(uint16_t type)
{
	size_t i;

	for (i = 0; i < TEND_NELEM(req_table); i++)
		if (req_table[i].type == type)
			return (int)i;
	return -1;
}

int
req_flags(uint16_t type)
{
	int i = req_row(type);

	return i < 0 ? -1 : req_table[i].flags;
}

const char *
req_opt(const struct req *rq, const char *key)
{
	int i;

	for (i = 0; i < rq->nopts; i++)
		if (strcmp(rq->opts[2 * i], key) == 0)
			return rq->opts[2 * i + 1];
	return NULL;
}

/* Is KEY a word of the row's option list? */
static bool
req_opt_known(const char *list, const char *key)
{
	size_t n = strlen(key);
	const char *p;

	for (p = list; (p = strstr(p, key)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return n > 0;
	return false;
}

int
req_dispatch(struct req *rq)
{
	int i = req_row(rq->type), k;

	if (i < 0)
		return -1;
	rq->live = true;
	rq->state = NULL;
	rq->cancel = NULL;
	rq->pump = NULL;
	for (k = 0; k < rq->nopts; k++)
		if (!req_opt_known(req_table[i].opts, rq->opts[2 * k])) {
			req_error(rq, "%s: unknown option %s",
			    req_table[i].name, rq->opts[2 * k]);
			return 0;
		}
	if (req_env.shutting_down && !(req_table[i].flags & REQ_F_SHUTDOWN)) {
		req_error(rq, "tendd is shutting down");
		return 0;
	}
	req_table[i].handler(rq);
	return 0;
}

void
req_config_sync(void)
{
	if (req_env.tab != NULL && req_env.tab->conf != req_env.genconf) {
		req_env.generation++;
		req_env.genconf = req_env.tab->conf;
	}
}

/* --- records ------------------------------------------------------- */

void
req_record(struct req *rq)
{
	rq->ops->record(rq);
}

void
req_kv(struct req *rq, const char *key, const char *value)
{
	rq->ops->kv(rq, key, value);
}

void
req_kvf(struct req *rq, const char *key, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rq->ops->kv(rq, key, buf);
}

/* status formats a dozen numbers per process: printf's float path (a
 * multi-precision division per %.3f) cost more than the rest of a status
 * of 1,000 processes together. */
char *
req_fmt_u64(char *buf, size_t len, unsigned long long v)
{
	char *p = buf + len - 1;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && p > buf);
	return p;
}

void
req_kvll(struct req *rq, const char *key, long long v)
{
	char buf[32], *p;

	p = req_fmt_u64(buf, sizeof(buf),
	    v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v);
	if (v < 0)
		*--p = '-';
	rq->ops->kv(rq, key, p);
}

void
req_kvsec(struct req *rq, const char *key, double v)
{
	char buf[40], *p;
	unsigned long long ms;

	if (!(v >= 0 && v < 1e15)) { /* negative, huge or NaN: rare */
		req_kvf(rq, key, "%.3f", v);
		return;
	}
	ms = (unsigned long long)(v * 1000.0 + 0.5);
	p = req_fmt_u64(buf, sizeof(buf) - 4, ms / 1000);
	/* The integer part ends at buf + sizeof(buf) - 5; append .mmm. */
	buf[sizeof(buf) - 5] = '.';
	buf[sizeof(buf) - 4] = (char)('0' + ms / 100 % 10);
	buf[sizeof(buf) - 3] = (char)('0' + ms / 10 % 10);
	buf[sizeof(buf) - 2] = (char)('0' + ms % 10);
	buf[sizeof(buf) - 1] = '\0';
	rq->ops->kv(rq, key, p);
}

void
req_record_end(struct req *rq)
{
	rq->ops->record_end(rq);
}

void
req_kv1(struct req *rq, const char *key, const char *value)
{
	req_record(rq);
	req_kv(rq, key, value);
	req_record_end(rq);
}

void
req_result(struct req *rq, const char *name, int fault, const char *result,
    const char *detail)
{
	req_record(rq);
	req_kv(rq, "name", name);
	req_kvll(rq, "fault", fault);
	req_kv(rq, "result", result != NULL ? result : proto_fault_text(fault));
	if (detail != NULL && detail[0] != '\0')
		req_kv(rq, "detail", detail);
	req_record_end(rq);
}

void
req_unknown(struct req *rq, const char *name)
{
	req_result(rq, name, PROTO_F_NO_SUCH_PROCESS, NULL, NULL);
}

void
req_data(struct req *rq, const void *buf, size_t n)
{
	rq->ops->data(rq, buf, n);
}

void
req_end(struct req *rq)
{
	rq->live = false;
	rq->state = NULL;
	rq->cancel = NULL;
	rq->pump = NULL;
	rq->ops->end(rq);
}

void
req_error(struct req *rq, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rq->live = false;
	rq->state = NULL;
	rq->cancel = NULL;
	rq->pump = NULL;
	rq->ops->error(rq, msg);
}

void
req_wake(struct req *rq)
{
	rq->ops->wake(rq);
}

bool
req_dropped(const struct req *rq)
{
	return rq->ops->dropped(rq);
}

bool
req_busy(const struct req *rq)
{
	return rq->ops->busy(rq);
}


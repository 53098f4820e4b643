/*
 * fuzz_xmlrpc.c: supervisord's XML-RPC as tendd decodes it: the input is
 * a POST /RPC2 body given to xmlrpc_run(), which parses the methodCall
 * with xmlrpc-c (the libraries loaded by httplib.c, as in tendd), finds
 * the method, reads its parameters (system.multicall's nested calls
 * included) and turns them into tend's requests.  The request side is
 * a stub: each request answers one record shaped like a process's
 * status, or, for one in three by its type and arguments, fails, so
 * both answer paths and the faults are serialized.  Every call must
 * answer (done called once) and free everything.
 */
#include "fuzz.h"

#include "evbus.h"
#include "httplib.h"
#include "req.h"
#include "xmlrpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fuzz_answers;

/* What xmlrpc_sv.c reads of tendd's state, and the event bus
 * (sendRemoteCommEvent): stubs. */
struct req_env req_env;

void
evbus_remote(const char *type, const char *data)
{
	(void)type;
	(void)data;
}

/* tend's request side (req.c) as far as xmlrpc_sv.c reaches it. */
int
req_dispatch(struct req *rq)
{
	unsigned h = rq->type;
	int i;

	for (i = 0; i < rq->argc && rq->argv[i] != NULL; i++)
		h = h * 31 + (unsigned)strlen(rq->argv[i]);
	rq->live = true;
	if (h % 3 == 2) {
		rq->live = false;
		rq->ops->error(rq, "BAD_NAME: no such process");
		return 0;
	}
	rq->ops->record(rq);
	rq->ops->kv(rq, "fullname", rq->argc > 0 && rq->argv[0] != NULL
	                                ? rq->argv[0]
	                                : "g:a");
	rq->ops->kv(rq, "name", "a");
	rq->ops->kv(rq, "group", "g");
	rq->ops->kv(rq, "state", "RUNNING");
	rq->ops->kv(rq, "statecode", "20");
	rq->ops->kv(rq, "result", h % 2 ? "ok" : "error");
	rq->ops->kv(rq, "pid", "42");
	rq->ops->kv(rq, "description", "pid 42, uptime 0:00:01");
	rq->ops->record_end(rq);
	rq->ops->data(rq, "log\n", 4);
	rq->live = false;
	rq->ops->end(rq);
	return 0;
}

static void
fuzz_done(void *arg, char *xml, size_t len)
{
	fuzz_answers++;
	if (xml != NULL && strnlen(xml, len + 1) < len)
		abort(); /* an answer with a NUL inside its length */
	free(xml);
}

FUZZ_TARGET(xmlrpc)(const uint8_t *data, size_t size)
{
	static int loaded;
	struct xmlrpc_call *c;
	char err[256];

	if (!loaded) {
		if (httplib_load(err, sizeof(err)) == -1) {
			fprintf(stderr, "fuzz xmlrpc: %s\n", err);
			abort();
		}
		xmlrpc_set_identification("fuzz");
		loaded = 1;
	}
	if (size > (256u << 10))
		return 0; /* http.c refuses larger bodies unread */
	fuzz_answers = 0;
	c = xmlrpc_run((const char *)data, size, fuzz_done, NULL, 1, 0);
	/* The stub answers at once: nothing may still wait. */
	if (c != NULL)
		xmlrpc_cancel(c);
	xmlrpc_reap();
	if (fuzz_answers > 1)
		abort();
	return 0;
}

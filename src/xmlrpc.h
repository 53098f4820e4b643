/*
 * xmlrpc.h: supervisord's XML-RPC interface (API 3.0) inside tendd.  The
 * HTTP room hands it a request body; it decodes the call with xmlrpc-c's
 * parser, runs the method (some complete later: a start waits for
 * RUNNING, as supervisord's NOT_DONE_YET does) and hands back the
 * serialized response or fault.
 */
#ifndef TEND_XMLRPC_H
#define TEND_XMLRPC_H

#include "tend.h"

#include <stddef.h>

struct xmlrpc_call;

/*
 * The reply to one request: XML (malloc'd, the callee frees it) of LEN
 * bytes; XML NULL means the body was not an XML-RPC call at all (HTTP
 * 400, as supervisord answers).
 */
typedef void xmlrpc_done_fn(void *arg, char *xml, size_t len);

/*
 * Run the call in BODY for the peer PID, UID (-1: unknown; for logs).
 * DONE(ARG, ...) is called exactly once; if that
 * happened before xmlrpc_run returns, it returns NULL, else a handle for
 * xmlrpc_cancel().
 */
struct xmlrpc_call *xmlrpc_run(const char *body, size_t len,
    xmlrpc_done_fn *done, void *arg, pid_t pid, uid_t uid);

/* Free what answered calls left (call at a loop turn's start, never
 * from inside a request handler). */
void xmlrpc_reap(void);

/* The client went away: forget CALL; DONE is never called. */
void xmlrpc_cancel(struct xmlrpc_call *call);

/* What supervisor.getIdentification answers ([supervisord]
 * identifier=); NULL: "supervisor", supervisord's default. */
void xmlrpc_set_identification(const char *id);

#endif /* TEND_XMLRPC_H */

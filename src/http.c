/*
 * http.c: the HTTP front end for supervisord's clients.
 *
 * Owns: the [inet_http_server] listener, the HTTP connections (taken
 * from ctl.c's socket or accepted here), their limits, basic auth and
 * routing (the table is httproute.c's): POST /RPC2 to xmlrpc.c, GET
 * /logtail/NAME[/stderr], /mainlogtail and /events to the streams
 * (http_stream.c), GET /healthz and /readyz (health.c's answer), GET
 * /metrics (http_metrics.c: the METRICS request as metrics.c's text).
 * libmicrohttpd parses HTTP; it runs in tendd's libev loop with no
 * thread and no listening socket of its own:
 * its epoll fd is an ev_io, MHD_get_timeout() an ev_timer that runs only
 * while a connection exists, and connections come in through
 * MHD_add_connection().  The daemon is created at the first connection,
 * so an idle tendd that nobody asked over HTTP has no MHD state at all;
 * the libraries themselves are loaded then too (httplib.c: tendd does
 * not link them), or at start-up when [inet_http_server] is configured.
 *
 * Limits, as on the binary protocol:
 * - a body larger than HTTP_BODY_MAX is refused (413) from its
 *   Content-Length, before any of it is read; headers are capped by
 *   MHD's per-connection memory (HTTP_CONN_MEMORY, 431 beyond);
 * - a connection that makes no progress for HTTP_TIMEOUT seconds (half a
 *   request, a reply it does not take) is closed by MHD; one waiting on
 *   tendd (suspended: a start in flight, a follower at the end of its
 *   log) is not, and costs no timer;
 * - at most HTTP_MAX_CONNS connections, HTTP_MAX_PER_PEER per peer (a
 *   process on the UNIX socket, an address on TCP).  At either cap a
 *   new connection evicts one that waits on its peer, taken from the
 *   peer holding the most, the one longest without progress of those
 *   (ctl.c's rule): a flood of idle connections locks nobody out.
 */
#include "handover.h"
#include "http.h"
#include "http_impl.h"
#include "http_metrics.h"
#include "httplib.h"
#include "healthz.h"
#include "httproute.h"
#include "log.h"
#include "proto.h"
#include "req.h"
#include "web.h"
#include "webfmt.h"
#include "xmlrpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define HTTP_BODY_MAX (256u << 10) /* supervisorctl sends a few KiB */
#define HTTP_CONN_MEMORY (32u << 10)
#define HTTP_TIMEOUT 10 /* seconds without progress */
#define HTTP_MAX_CONNS 64
#define HTTP_MAX_PER_PEER 16
#define HTTP_ACCEPT_BATCH 8
#define HTTP_PAUSE 1.0 /* seconds the listener rests on EMFILE */
#define HTTP_PRIORITY EV_MAXPRI

static struct {
	struct ev_loop *loop;
	struct MHD_Daemon *d;
	ev_io eio;	/* MHD's epoll fd */
	ev_timer tick_timer; /* MHD's timeout, or 0 after a resume */
	/* [inet_http_server] */
	int lfd;
	ev_io lio;
	ev_timer pause;
	char *unix_user, *unix_pass, *inet_user, *inet_pass;
	bool probes_public; /* [tend] http_probes_public */
	bool locked;	    /* new credentials could not be taken: refuse */
	struct http_conn *conns;
	size_t nconns;
	uint64_t tick;
	struct http_conn *adopting; /* for MHD's connection-start callback */
	bool closing;		    /* http_close(): suspend nothing */
} http = {.lfd = -1};

struct ev_loop *
http_ev_loop(void)
{
	return http.loop;
}

bool
http_is_closing(void)
{
	return http.closing;
}

/* --- credentials ------------------------------------------------------ */

/* Equal strings, in time that does not depend on where they differ. */
static bool
http_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char diff = la != lb;

	for (i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

/* Does PASS match WANT: plain, or "{SHA}" and the hex SHA-1 of PASS? */
static bool
http_password_ok(const char *pass, const char *want)
{
	unsigned char md[20];
	char hex[41];
	size_t i;

	if (strncmp(want, "{SHA}", 5) != 0)
		return http_streq(pass, want);
	if (gnutls_hash_fast(GNUTLS_DIG_SHA1, pass, strlen(pass), md) != 0) {
		log_warnx("HTTP: SHA-1 of a password failed");
		return false;
	}
	for (i = 0; i < sizeof(md); i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return strlen(want + 5) == 40 && strncasecmp(want + 5, hex, 40) == 0;
}

/* Does the request carry the configured credentials (or need none)? */
static bool
http_authorized(struct MHD_Connection *mc, const struct http_conn *hc)
{
	const char *user = hc->inet ? http.inet_user : http.unix_user;
	const char *want = hc->inet ? http.inet_pass : http.unix_pass;
	char *name, *pass = NULL;
	bool ok;

	if (http.locked)
		return false;
	if (user == NULL)
		return true;
	if ((name = MHD_basic_auth_get_username_password(mc, &pass)) == NULL)
		return false;
	ok = http_streq(name, user) && pass != NULL &&
	     http_password_ok(pass, want != NULL ? want : "");
	MHD_free(name);
	if (pass != NULL)
		MHD_free(pass);
	return ok;
}

/* --- answers --------------------------------------------------------- */

static enum MHD_Result
http_answer(struct MHD_Connection *mc, unsigned status, const char *type,
    char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if ((resp = MHD_create_response_from_buffer(len, body, mode)) ==
	    NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	if (type != NULL)
		(void)MHD_add_response_header(
		    resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(mc, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result
http_error(struct MHD_Connection *mc, unsigned status, const char *text)
{
	return http_answer(mc, status, "text/plain", (char *)text,
	    strlen(text), MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result
http_unauthorized(struct MHD_Connection *mc)
{
	static const char text[] = "401 Unauthorized\n";
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if ((resp = MHD_create_response_from_buffer(sizeof(text) - 1,
	         (void *)text, MHD_RESPMEM_PERSISTENT)) == NULL)
		return MHD_NO;
	ret = MHD_queue_basic_auth_fail_response(mc, "default", resp);
	MHD_destroy_response(resp);
	return ret;
}

/* --- XML-RPC ------------------------------------------------------------ */

/* xmlrpc.c's answer, now or later. */
static void
http_rpc_done(void *arg, char *xml, size_t len)
{
	struct http_req *r = arg;

	r->call = NULL;
	r->answered = true;
	r->reply = xml;
	r->replylen = len;
	if (r->conn->waiting) {
		r->conn->waiting = false;
		MHD_resume_connection(r->conn->mc);
		http_schedule();
	}
}

/* R's answer is not there yet: suspend the connection until its callback
 * resumes it (a 503 while tendd exits). */
static enum MHD_Result
http_await(struct MHD_Connection *mc, struct http_req *r)
{
	if (http.closing)
		return http_error(mc, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "503 tendd is exiting\n");
	r->conn->waiting = true;
	MHD_suspend_connection(mc);
	return MHD_YES;
}

static enum MHD_Result
http_rpc(struct MHD_Connection *mc, struct http_req *r)
{
	char *xml;

	if (!r->started) {
		r->started = true;
		r->call = xmlrpc_run(r->body != NULL ? r->body : "", r->len,
		    http_rpc_done, r, r->conn->pid, r->conn->uid);
		free(r->body);
		r->body = NULL;
	}
	if (!r->answered)
		return http_await(mc, r);
	if (r->reply == NULL)
		return http_error(mc, MHD_HTTP_BAD_REQUEST, "400 Bad Request\n");
	xml = r->reply;
	r->reply = NULL;
	return http_answer(mc, MHD_HTTP_OK, "text/xml", xml, r->replylen,
	    MHD_RESPMEM_MUST_FREE);
}

/* Take a piece of the body; false once it is over the cap. */
static bool
http_take_body(struct http_req *r, const char *data, size_t n)
{
	size_t cap;
	char *p;

	if (r->len + n > HTTP_BODY_MAX)
		return false;
	if (r->len + n + 1 > r->cap) {
		cap = r->cap ? r->cap : 4096;
		while (cap < r->len + n + 1)
			cap *= 2;
		if ((p = realloc(r->body, cap)) == NULL)
			return false;
		r->body = p;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return true;
}

/* --- probes: GET /healthz, /readyz ------------------------------------ */

/* /healthz: answered from the loop, so the loop runs.  /readyz: 200 when
 * every autostart process is RUNNING and healthy, else 503 and the list
 * of those that are not (health.c). */
static enum MHD_Result
http_probe(struct MHD_Connection *mc, enum http_route route)
{
	static char ok[] = "ok\n";
	size_t len;
	bool ready;
	char *body;

	if (route == HTTP_ROUTE_HEALTHZ)
		return http_answer(mc, MHD_HTTP_OK, "text/plain", ok,
		    sizeof(ok) - 1, MHD_RESPMEM_PERSISTENT);
	if ((body = health_readyz(&len, &ready)) == NULL)
		return http_error(mc, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "500 Internal Server Error\n");
	return http_answer(mc,
	    ready ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
	    "text/plain; charset=utf-8", body, len, MHD_RESPMEM_MUST_FREE);
}

/* --- GET /metrics: the METRICS request's records as metrics.c's text --- */

/* METRICS answers at once (it does not wait on processes): http_metrics.c
 * collects its records and returns their text. */
static enum MHD_Result
http_metrics(struct MHD_Connection *mc, const struct http_conn *hc)
{
	bool exiting = false;
	size_t len = 0;
	char *text;

	text = http_metrics_text(hc->pid, hc->uid, &len, &exiting);
	if (text == NULL && exiting)
		return http_error(mc, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "503 tendd is exiting\n");
	if (text == NULL)
		return http_error(mc, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "500 Internal Server Error\n");
	/* The text format's content type, version 0.0.4. */
	return http_answer(mc, MHD_HTTP_OK,
	    "text/plain; version=0.0.4; charset=utf-8", text, len,
	    MHD_RESPMEM_MUST_FREE);
}

/* --- the web page (web.c) -------------------------------------------- */

static void
http_web_done(void *arg, struct web_out *out)
{
	struct http_req *r = arg;

	r->wcall = NULL;
	r->answered = true;
	r->wout = *out;
	if (r->conn->waiting) {
		r->conn->waiting = false;
		MHD_resume_connection(r->conn->mc);
		http_schedule();
	}
}

static const char *
http_header(struct MHD_Connection *mc, const char *name)
{
	return MHD_lookup_connection_value(mc, MHD_HEADER_KIND, name);
}

static const char *
http_arg(struct MHD_Connection *mc, const char *name)
{
	return MHD_lookup_connection_value(mc, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result
http_web_answer(struct MHD_Connection *mc, struct http_req *r)
{
	struct web_out *o = &r->wout;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t i;

	resp = MHD_create_response_from_buffer(o->len, o->body,
	    o->static_body ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		return MHD_NO; /* http_completed_cb frees the body */
	o->body = NULL;
	(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    o->type);
	if (o->cache != NULL)
		(void)MHD_add_response_header(resp, "Cache-Control", o->cache);
	if (o->location[0] != '\0')
		(void)MHD_add_response_header(resp, "Location", o->location);
	if (o->cookie[0] != '\0')
		(void)MHD_add_response_header(resp, "Set-Cookie", o->cookie);
	for (i = 0; web_headers[i] != NULL; i += 2)
		(void)MHD_add_response_header(
		    resp, web_headers[i], web_headers[i + 1]);
	ret = MHD_queue_response(mc, o->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
http_web(struct MHD_Connection *mc, struct http_req *r, const char *url,
    const char *method)
{
	struct web_in in;

	if (!r->started) {
		r->started = true;
		memset(&in, 0, sizeof(in));
		in.method = method;
		in.url = url;
		in.body = r->body != NULL ? r->body : "";
		in.len = r->len;
		in.cookie = http_header(mc, "Cookie");
		in.origin = http_header(mc, "Origin");
		in.fetch_site = http_header(mc, "Sec-Fetch-Site");
		in.host = http_header(mc, "Host");
		in.q = http_arg(mc, "q");
		in.m = http_arg(mc, "m");
		in.part = http_arg(mc, "part");
		in.pid = r->conn->pid;
		in.uid = r->conn->uid;
		r->wcall = web_run(&in, http_web_done, r);
		free(r->body);
		r->body = NULL;
	}
	if (!r->answered)
		return http_await(mc, r);
	return http_web_answer(mc, r);
}

/* --- routing ---------------------------------------------------------- */

/* The first call for a request: check it, say whether to read on. */
static enum MHD_Result
http_begin(struct MHD_Connection *mc, struct http_conn *hc, const char *url,
    const char *method, void **con_cls)
{
	struct http_req *r;
	const char *cl;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return MHD_NO;
	r->conn = hc;
	*con_cls = r;
	r->route = http_route(method, url);
	if (!http_route_public(r->route, http.probes_public) &&
	    !http_authorized(mc, hc)) {
		log_info("HTTP %s: %s %s: wrong or missing credentials",
		    hc->peer, method, url);
		r->refuse = MHD_HTTP_UNAUTHORIZED;
		return MHD_YES;
	}
	switch (r->route) {
	case HTTP_ROUTE_NOT_FOUND:
		r->refuse = MHD_HTTP_NOT_FOUND;
		break;
	case HTTP_ROUTE_BAD_METHOD:
		r->refuse = MHD_HTTP_METHOD_NOT_ALLOWED;
		break;
	case HTTP_ROUTE_RPC:
	case HTTP_ROUTE_WEB:
		cl = MHD_lookup_connection_value(
		    mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (http_body_check(cl, HTTP_BODY_MAX) == -1) {
			log_warnx("HTTP %s: a body of %s bytes refused "
			          "(limit %u)",
			    hc->peer, cl, HTTP_BODY_MAX);
			r->refuse = MHD_HTTP_CONTENT_TOO_LARGE;
		}
		break;
	default:
		break;
	}
	return MHD_YES;
}

static enum MHD_Result
http_refuse(struct MHD_Connection *mc, int status)
{
	switch (status) {
	case MHD_HTTP_UNAUTHORIZED:
		return http_unauthorized(mc);
	case MHD_HTTP_CONTENT_TOO_LARGE:
		return http_error(mc, MHD_HTTP_CONTENT_TOO_LARGE,
		    "413 Request Entity Too Large\n");
	case MHD_HTTP_METHOD_NOT_ALLOWED:
		return http_error(mc, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "405 Method Not Allowed\n");
	default:
		return http_error(mc, MHD_HTTP_NOT_FOUND, "404 Not Found\n");
	}
}

static enum MHD_Result
http_access_cb(void *cls, struct MHD_Connection *mc, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	const union MHD_ConnectionInfo *ci;
	struct http_conn *hc;
	struct http_req *r = *con_cls;
	size_t n;

	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci == NULL || (hc = ci->socket_context) == NULL)
		return MHD_NO;
	hc->active = ++http.tick;
	if (r == NULL) {
		if (http_begin(mc, hc, url, method, con_cls) == MHD_NO)
			return MHD_NO;
		r = *con_cls;
		/* Too large: answered before any of the body is read (MHD
		 * closes the connection after).  Other refusals read and
		 * drop the body first, so that the client, still sending,
		 * gets its answer rather than a broken pipe. */
		return r->refuse == MHD_HTTP_CONTENT_TOO_LARGE
		           ? http_refuse(mc, r->refuse)
		           : MHD_YES;
	}
	if (*upload_data_size > 0) {
		n = *upload_data_size;
		*upload_data_size = 0;
		r->seen += n;
		if (r->seen <= HTTP_BODY_MAX &&
		    (r->refuse != 0 || http_take_body(r, upload_data, n)))
			return MHD_YES;
		/* Over the cap (or no memory): answer now, read no more. */
		log_warnx("HTTP %s: request body over %u bytes refused",
		    hc->peer, HTTP_BODY_MAX);
		free(r->body);
		r->body = NULL;
		r->refuse = MHD_HTTP_CONTENT_TOO_LARGE;
		return http_refuse(mc, r->refuse);
	}
	if (r->refuse != 0)
		return http_refuse(mc, r->refuse);
	switch (r->route) {
	case HTTP_ROUTE_HEALTHZ:
	case HTTP_ROUTE_READYZ:
		return http_probe(mc, r->route);
	case HTTP_ROUTE_METRICS:
		return http_metrics(mc, r->conn);
	case HTTP_ROUTE_LOGTAIL:
		return http_logtail(mc, r, url);
	case HTTP_ROUTE_EVENTS:
		return http_logtail(mc, r, url);
	case HTTP_ROUTE_WEB:
		return http_web(mc, r, url, method);
	default:
		return http_rpc(mc, r);
	}
}

static void
http_completed_cb(void *cls, struct MHD_Connection *mc, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_req *r = *con_cls;

	if (r == NULL)
		return;
	if (r->call != NULL)
		xmlrpc_cancel(r->call);
	if (r->wcall != NULL)
		web_cancel(r->wcall);
	if (r->wout.body != NULL && !r->wout.static_body)
		free(r->wout.body);
	if (r->stream != NULL)
		http_stream_close(r->stream);
	free(r->body);
	free(r->reply);
	free(r);
	*con_cls = NULL;
}

/* --- connections -------------------------------------------------------- */

static void
http_conn_cb(void *cls, struct MHD_Connection *mc, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct http_conn *hc, **pp;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		hc = http.adopting;
		http.adopting = NULL;
		if (hc == NULL)
			return;
		hc->mc = mc;
		hc->next = http.conns;
		http.conns = hc;
		http.nconns++;
		*socket_context = hc;
		return;
	}
	if ((hc = *socket_context) == NULL)
		return;
	for (pp = &http.conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == hc) {
			*pp = hc->next;
			break;
		}
	if (!hc->evicted)
		http.nconns--;
	free(hc);
	*socket_context = NULL;
}

static size_t
http_conns_of(const char *peer)
{
	const struct http_conn *hc;
	size_t n = 0;

	for (hc = http.conns; hc != NULL; hc = hc->next)
		n += !hc->evicted && strcmp(hc->peer, peer) == 0;
	return n;
}

/* Drop one connection that waits on its peer, of PEER if not NULL, else
 * of the peer holding the most; false if none may go. */
static bool
http_evict_one(const char *peer)
{
	struct http_conn *hc, *victim = NULL;
	size_t n, vn = 0;

	for (hc = http.conns; hc != NULL; hc = hc->next) {
		if (hc->evicted || hc->waiting ||
		    (peer != NULL && strcmp(hc->peer, peer) != 0))
			continue;
		n = http_conns_of(hc->peer);
		if (victim == NULL || n > vn ||
		    (n == vn && hc->active < victim->active)) {
			victim = hc;
			vn = n;
		}
	}
	if (victim == NULL)
		return false;
	log_warnx("HTTP %s: too many connections; dropping its idle one, "
	          "the longest without progress",
	    victim->peer);
	/* MHD sees the hang-up at its next turn and closes it. */
	if (shutdown(victim->fd, SHUT_RDWR) == -1)
		log_warn("HTTP %s: shutdown", victim->peer);
	victim->evicted = true;
	http.nconns--;
	http_schedule();
	return true;
}

/* --- the MHD daemon in the loop ------------------------------------------ */

static void
http_run(void)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (http.d == NULL)
		return;
	xmlrpc_reap();
	web_reap();
	if (MHD_run(http.d) == MHD_NO)
		log_warnx("HTTP: MHD_run failed");
	/* (libev: an active timer must be stopped before it is set.) */
	ev_timer_stop(http.loop, &http.tick_timer);
	if (MHD_get_timeout(http.d, &ms) == MHD_YES) {
		ev_timer_set(&http.tick_timer, (double)ms / 1000., 0.);
		ev_timer_start(http.loop, &http.tick_timer);
	}
}

static void
http_epoll_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	http_run();
}

static void
http_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	http_run();
}

/* Run MHD at the next loop turn (after a resume, an eviction): never
 * from inside one of its own callbacks. */
void
http_schedule(void)
{
	ev_timer_stop(http.loop, &http.tick_timer);
	ev_timer_set(&http.tick_timer, 0., 0.);
	ev_timer_start(http.loop, &http.tick_timer);
}

static int
http_start_daemon(void)
{
	const union MHD_DaemonInfo *di;
	static bool logged;
	char err[320];

	if (httplib_load(err, sizeof(err)) == -1) {
		if (!logged)
			log_warnx("%s; HTTP connections are closed", err);
		logged = true;
		return -1;
	}
	http.d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET |
	                              MHD_ALLOW_SUSPEND_RESUME,
	    0, NULL, NULL, http_access_cb, NULL, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)HTTP_MAX_CONNS + 8, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)HTTP_TIMEOUT, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)HTTP_CONN_MEMORY, MHD_OPTION_NOTIFY_CONNECTION, http_conn_cb,
	    NULL, MHD_OPTION_NOTIFY_COMPLETED, http_completed_cb, NULL,
	    MHD_OPTION_END);
	if (http.d == NULL) {
		log_warnx("HTTP: cannot start libmicrohttpd");
		return -1;
	}
	if ((di = MHD_get_daemon_info(http.d, MHD_DAEMON_INFO_EPOLL_FD)) ==
	    NULL) {
		log_warnx("HTTP: libmicrohttpd has no epoll fd");
		MHD_stop_daemon(http.d);
		http.d = NULL;
		return -1;
	}
	ev_io_init(&http.eio, http_epoll_cb, di->epoll_fd, EV_READ);
	ev_set_priority(&http.eio, HTTP_PRIORITY);
	ev_timer_init(&http.tick_timer, http_timer_cb, 0., 0.);
	ev_set_priority(&http.tick_timer, HTTP_PRIORITY);
	ev_io_start(http.loop, &http.eio);
	return 0;
}

/* Hand FD (peer PEER, INET: from the TCP listener) to MHD. */
static void
http_adopt(int fd, bool inet, pid_t pid, uid_t uid, const char *peer,
    const struct sockaddr *sa, socklen_t salen)
{
	struct http_conn *hc;

	if (http.d == NULL && http_start_daemon() == -1) {
		(void)close(fd);
		return;
	}
	if ((http_conns_of(peer) >= HTTP_MAX_PER_PEER &&
	        !http_evict_one(peer)) ||
	    (http.nconns >= HTTP_MAX_CONNS && !http_evict_one(NULL))) {
		log_warnx("HTTP %s: too many connections; refused", peer);
		(void)close(fd);
		return;
	}
	if ((hc = calloc(1, sizeof(*hc))) == NULL) {
		log_warn("HTTP %s: connection", peer);
		(void)close(fd);
		return;
	}
	hc->fd = fd;
	hc->inet = inet;
	hc->pid = pid;
	hc->uid = uid;
	hc->active = ++http.tick;
	(void)snprintf(hc->peer, sizeof(hc->peer), "%s", peer);
	http.adopting = hc;
	/* MHD closes FD itself when it cannot take it. */
	if (MHD_add_connection(http.d, fd, sa, salen) != MHD_YES) {
		log_warn("HTTP %s: MHD_add_connection", peer);
		if (http.adopting == hc)
			free(hc);
	}
	http.adopting = NULL;
	/* The request is usually in already: read it now. */
	http_run();
}

void
http_adopt_unix(int fd, pid_t pid, uid_t uid)
{
	struct sockaddr_un sun;
	char peer[32];

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)snprintf(peer, sizeof(peer), "pid %d", (int)pid);
	http_adopt(fd, false, pid, uid, peer, (const struct sockaddr *)&sun,
	    sizeof(sun));
}

/* --- [inet_http_server] -------------------------------------------------- */

static void
http_pause_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	if (http.lfd != -1)
		ev_io_start(loop, &http.lio);
}

static void
http_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	char host[INET6_ADDRSTRLEN];
	int fd, batch;

	for (batch = 0; batch < HTTP_ACCEPT_BATCH; batch++) {
		sslen = sizeof(ss);
		fd = accept4(http.lfd, (struct sockaddr *)&ss, &sslen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			log_warn("HTTP listener: accept");
			ev_io_stop(loop, &http.lio);
			ev_timer_set(&http.pause, HTTP_PAUSE, 0.);
			ev_timer_start(loop, &http.pause);
			return;
		}
		if (getnameinfo((struct sockaddr *)&ss, sslen, host,
		        sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
			(void)snprintf(host, sizeof(host), "?");
		http_adopt(fd, true, -1, (uid_t)-1, host,
		    (struct sockaddr *)&ss, sslen);
	}
}

/* Split supervisord's port= ("HOST:PORT", ":PORT", "*:PORT", "PORT"). */
static int
http_split_port(const char *spec, char *host, size_t hostlen, char *port,
    size_t portlen)
{
	const char *colon = strrchr(spec, ':');

	if (colon == NULL) {
		host[0] = '\0';
		(void)snprintf(port, portlen, "%s", spec);
	} else {
		(void)snprintf(host, hostlen, "%.*s", (int)(colon - spec), spec);
		(void)snprintf(port, portlen, "%s", colon + 1);
	}
	if (strcmp(host, "*") == 0)
		host[0] = '\0';
	/* [::1]:9001 */
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	return port[0] == '\0' ? -1 : 0;
}

static bool
http_is_loopback(const struct addrinfo *ai)
{
	if (ai->ai_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ai->ai_addr)
		                  ->sin_addr.s_addr) >>
		           24) == 127;
	if (ai->ai_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(
		    &((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
	return false;
}

static void
http_serve(int fd, const char *spec)
{
	http.lfd = fd;
	ev_io_init(&http.lio, http_accept_cb, fd, EV_READ);
	ev_set_priority(&http.lio, HTTP_PRIORITY);
	ev_timer_init(&http.pause, http_pause_cb, HTTP_PAUSE, 0.);
	ev_io_start(http.loop, &http.lio);
	log_info("HTTP: listening on %s", spec);
}

static int
http_listen(const char *spec, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char host[256], port[32];
	int fd, rc, one = 1;

	if (http_split_port(spec, host, sizeof(host), port, sizeof(port)) ==
	    -1) {
		(void)snprintf(err, errlen,
		    "[inet_http_server] port=%s: expected HOST:PORT", spec);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints,
	         &res)) != 0) {
		(void)snprintf(err, errlen, "[inet_http_server] port=%s: %s",
		    spec, gai_strerror(rc));
		return -1;
	}
	if ((fd = socket(res->ai_family,
	         res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ==
	        -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		(void)snprintf(err, errlen, "[inet_http_server] port=%s: %s",
		    spec, strerror(errno));
		if (fd != -1)
			(void)close(fd);
		freeaddrinfo(res);
		return -1;
	}
	if (!http_is_loopback(res) && http.inet_user == NULL)
		log_warnx("WARNING: [inet_http_server] port=%s listens beyond "
		          "this host with no username/password: anyone who "
		          "can reach it can start, stop and read every "
		          "service",
		    spec);
	freeaddrinfo(res);
	http_serve(fd, spec);
	return 0;
}

/* A reexec carries the [inet_http_server] listener (handover.c). */
static void
http_handover_save(struct handover_w *w)
{
	handover_put_u64(w, http.lfd != -1);
	if (http.lfd != -1)
		handover_put_fd(w, http.lfd, HANDOVER_FD_SOCKET, 0);
}

/* The listener the tendd before the reexec had: 1 taken (or closed when
 * the config no longer has a port), 0 none carried. */
static int
http_take_listener(const char *spec)
{
	struct handover_r *r = handover_section("http");
	int fd = -1;

	handover_register("http", http_handover_save);
	if (r == NULL)
		return 0;
	if (handover_get_u64(r) != 0)
		fd = handover_get_fd(r);
	handover_end(r);
	if (fd == -1)
		return 0;
	if (spec == NULL) {
		(void)close(fd);
		return 1;
	}
	http_serve(fd, spec);
	return 1;
}

static char *
http_dup(const char *s)
{
	return s != NULL && *s != '\0' ? strdup(s) : NULL;
}

/* Did a credential change between what we hold and G's? */
static bool
http_str_changed(const char *held, const char *s)
{
	if (s == NULL || *s == '\0')
		return held != NULL;
	return held == NULL || strcmp(held, s) != 0;
}

int
http_configure(const struct conf_global *g)
{
	const char *want[4] = {g->unix_http_username, g->unix_http_password,
	    g->inet_http_username, g->inet_http_password};
	char **held[4] = {&http.unix_user, &http.unix_pass, &http.inet_user,
	    &http.inet_pass};
	char *v[4];
	bool changed = false, oom = false;
	size_t i;

	http.probes_public = g->http_probes_public;
	xmlrpc_set_identification(g->identifier);
	for (i = 0; i < 4; i++)
		changed |= http_str_changed(*held[i], want[i]);
	if (!changed)
		return 0;
	/* All or nothing: never a new user with the old password. */
	for (i = 0; i < 4; i++) {
		v[i] = http_dup(want[i]);
		oom |= v[i] == NULL && want[i] != NULL && *want[i] != '\0';
	}
	/* Out of memory: the old credentials must not go on working (a
	 * password is changed because it leaked), so nobody gets in over
	 * HTTP until a reload that succeeds. */
	for (i = 0; i < 4; i++) {
		free(*held[i]);
		*held[i] = oom ? NULL : v[i];
		if (oom)
			free(v[i]);
	}
	http.locked = oom;
	if (oom) {
		errno = ENOMEM;
		return -1;
	}
	return 1;
}

int
http_init(struct ev_loop *loop, const struct conf_global *g, char *err,
    size_t errlen)
{
	http.loop = loop;
	if (http_configure(g) == -1) {
		(void)snprintf(err, errlen, "HTTP credentials: %s",
		    strerror(errno));
		return -1;
	}
	if (g->inet_http_port != NULL && httplib_load(err, errlen) == -1)
		return -1;
	if (http_take_listener(g->inet_http_port) == 1)
		return 0;
	if (g->inet_http_port != NULL)
		return http_listen(g->inet_http_port, err, errlen);
	return 0;
}

void
http_close(void)
{
	struct http_conn *hc;
	int i;

	if (http.d != NULL) {
		/* Replies already answered (shutdown's own) go out; streams
		 * end.  MHD stops only with every connection resumed, and
		 * while closing none suspends again. */
		http.closing = true;
		for (i = 0; i < 4; i++) {
			for (hc = http.conns; hc != NULL; hc = hc->next)
				if (hc->waiting) {
					hc->waiting = false;
					MHD_resume_connection(hc->mc);
				}
			(void)MHD_run(http.d);
		}
		ev_io_stop(http.loop, &http.eio);
		ev_timer_stop(http.loop, &http.tick_timer);
		MHD_stop_daemon(http.d);
		http.d = NULL;
		xmlrpc_reap();
		web_reap();
	}
	if (http.lfd != -1) {
		ev_io_stop(http.loop, &http.lio);
		ev_timer_stop(http.loop, &http.pause);
		if (close(http.lfd) == -1)
			log_warn("HTTP listener: close");
		http.lfd = -1;
	}
	free(http.unix_user);
	free(http.unix_pass);
	free(http.inet_user);
	free(http.inet_pass);
	http.unix_user = http.unix_pass = http.inet_user = http.inet_pass =
	    NULL;
}

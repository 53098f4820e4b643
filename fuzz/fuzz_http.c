/*
 * fuzz_http.c: the HTTP request path as tendd's http.c runs it: the
 * input is what a client sends on a connection tendd accepted.
 * libmicrohttpd (loaded by httplib.c, as in tendd) is started with
 * http.c's flags and limits (no listening socket, epoll, suspend and
 * resume, 32 KiB of memory per connection) and given one end of a
 * socketpair with MHD_add_connection(); the input is written to the
 * other end.  The access handler makes http.c's decisions with
 * httproute.c (route, public probes, the Content-Length cap, a
 * /logtail URL's arguments), reads basic auth with
 * MHD_basic_auth_get_username_password() and the body with the same
 * 256 KiB cap, and answers.  The first input byte picks whether the
 * probes are public.  Every connection must end and free everything.
 */
#include "fuzz.h"

#include "httplib.h"
#include "httproute.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define FUZZ_BODY_MAX (256u << 10)   /* http.c's HTTP_BODY_MAX */
#define FUZZ_CONN_MEMORY (32u << 10) /* HTTP_CONN_MEMORY */

struct fuzz_req {
	enum http_route route;
	int refuse;
	size_t seen;
};

static struct MHD_Daemon *fuzz_d;
static bool fuzz_public;

static enum MHD_Result
fuzz_answer(struct MHD_Connection *mc, unsigned status)
{
	static char text[] = "fuzz\n";
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(
	    sizeof(text) - 1, text, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	ret = status == MHD_HTTP_UNAUTHORIZED
	          ? MHD_queue_basic_auth_fail_response(mc, "default", r)
	          : MHD_queue_response(mc, status, r);
	MHD_destroy_response(r);
	return ret;
}

static bool
fuzz_authorized(struct MHD_Connection *mc)
{
	char *name, *pass = NULL;
	bool ok;

	if ((name = MHD_basic_auth_get_username_password(mc, &pass)) == NULL)
		return false;
	ok = strcmp(name, "alice") == 0 && pass != NULL &&
	     strcmp(pass, "pw") == 0;
	MHD_free(name);
	if (pass != NULL)
		MHD_free(pass);
	return ok;
}

static enum MHD_Result
fuzz_begin(struct MHD_Connection *mc, const char *url, const char *method,
    void **con_cls)
{
	struct fuzz_req *r;
	const char *cl;
	char name[256];
	bool main, err;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		abort();
	*con_cls = r;
	r->route = http_route(method, url);
	if (!http_route_public(r->route, fuzz_public) && !fuzz_authorized(mc))
		r->refuse = MHD_HTTP_UNAUTHORIZED;
	else if (r->route == HTTP_ROUTE_NOT_FOUND)
		r->refuse = MHD_HTTP_NOT_FOUND;
	else if (r->route == HTTP_ROUTE_BAD_METHOD)
		r->refuse = MHD_HTTP_METHOD_NOT_ALLOWED;
	else if (r->route == HTTP_ROUTE_RPC) {
		cl = MHD_lookup_connection_value(
		    mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (http_body_check(cl, FUZZ_BODY_MAX) == -1)
			r->refuse = MHD_HTTP_CONTENT_TOO_LARGE;
	} else if (r->route == HTTP_ROUTE_LOGTAIL) {
		http_logtail_args(url, name, sizeof(name), &main, &err);
		if (memchr(name, '\0', sizeof(name)) == NULL)
			abort();
	}
	return r->refuse == MHD_HTTP_CONTENT_TOO_LARGE
	           ? fuzz_answer(mc, MHD_HTTP_CONTENT_TOO_LARGE)
	           : MHD_YES;
}

static enum MHD_Result
fuzz_access_cb(void *cls, struct MHD_Connection *mc, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct fuzz_req *r = *con_cls;

	if (r == NULL)
		return fuzz_begin(mc, url, method, con_cls);
	if (*upload_data_size > 0) {
		r->seen += *upload_data_size;
		*upload_data_size = 0;
		if (r->seen <= FUZZ_BODY_MAX)
			return MHD_YES;
		r->refuse = MHD_HTTP_CONTENT_TOO_LARGE;
		return fuzz_answer(mc, MHD_HTTP_CONTENT_TOO_LARGE);
	}
	return fuzz_answer(mc, r->refuse != 0 ? (unsigned)r->refuse
	                                      : MHD_HTTP_OK);
}

static void
fuzz_completed_cb(void *cls, struct MHD_Connection *mc, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	free(*con_cls);
	*con_cls = NULL;
}

static void
fuzz_start(void)
{
	char err[256];

	if (httplib_load(err, sizeof(err)) == -1) {
		fprintf(stderr, "fuzz http: %s\n", err);
		abort();
	}
	fuzz_d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET |
	                              MHD_ALLOW_SUSPEND_RESUME,
	    0, NULL, NULL, fuzz_access_cb, NULL, MHD_OPTION_CONNECTION_LIMIT,
	    72u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)FUZZ_CONN_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, fuzz_completed_cb, NULL,
	    MHD_OPTION_END);
	if (fuzz_d == NULL)
		abort();
}

static unsigned
fuzz_conns(void)
{
	const union MHD_DaemonInfo *di;

	di = MHD_get_daemon_info(fuzz_d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return di != NULL ? di->num_connections : 0;
}

FUZZ_TARGET(http)(const uint8_t *data, size_t size)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char sink[4096];
	size_t off = 0;
	ssize_t n;
	int sv[2], i, idle;
	bool got;

	if (fuzz_d == NULL)
		fuzz_start();
	fuzz_public = size > 0 && (data[0] & 1);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	        sv) == -1)
		abort();
	if (MHD_add_connection(fuzz_d, sv[0], (struct sockaddr *)&sun,
	        sizeof(sun)) != MHD_YES)
		abort(); /* MHD closes sv[0] itself */
	/* Feed the request, take the answers, until MHD has been idle for
	 * a few turns with everything written (or ended the connection). */
	for (i = idle = 0; i < 10000 && idle < 4 && fuzz_conns() > 0; i++) {
		if (off < size) {
			n = write(sv[1], data + off, size - off);
			if (n > 0)
				off += (size_t)n;
		}
		if (off == size)
			(void)shutdown(sv[1], SHUT_WR);
		(void)MHD_run(fuzz_d);
		got = false;
		while ((n = read(sv[1], sink, sizeof(sink))) > 0)
			got = true;
		idle = off == size && !got ? idle + 1 : 0;
	}
	(void)close(sv[1]);
	/* The peer is gone: MHD sees it and frees the connection. */
	for (i = 0; i < 100 && fuzz_conns() > 0; i++)
		(void)MHD_run(fuzz_d);
	if (fuzz_conns() > 0)
		abort(); /* a connection that outlives its peer */
	return 0;
}

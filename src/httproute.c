/*
 * httproute.c: the pure decisions about an HTTP request (httproute.h).
 *
 * Owns: the URL table of the HTTP front end (probes, metrics, RPC2, log
 * streams, the web page's URLs), which routes are public, the Content-Length rule, a log
 * stream's arguments.  Leaves alone: parsing HTTP and credentials
 * (libmicrohttpd), answering (http.c), what a request does (req.c).
 */
#include "httproute.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
http_is(const char *method, const char *want)
{
	return strcmp(method, want) == 0;
}

enum http_route
http_route(const char *method, const char *url)
{
	bool get = http_is(method, "GET"), head = http_is(method, "HEAD");
	bool post = http_is(method, "POST");

	if (get || head) {
		if (strcmp(url, "/healthz") == 0)
			return HTTP_ROUTE_HEALTHZ;
		if (strcmp(url, "/readyz") == 0)
			return HTTP_ROUTE_READYZ;
		if (strcmp(url, "/metrics") == 0)
			return HTTP_ROUTE_METRICS;
	}
	/* supervisord serves XML-RPC on any path under /RPC2. */
	if (post && strncmp(url, "/RPC2", 5) == 0)
		return HTTP_ROUTE_RPC;
	if (get && (strncmp(url, "/logtail/", 9) == 0 ||
	               strcmp(url, "/mainlogtail") == 0))
		return HTTP_ROUTE_LOGTAIL;
	if (get && strcmp(url, "/events") == 0)
		return HTTP_ROUTE_EVENTS;
	if ((get || head) &&
	    (strcmp(url, "/") == 0 || strncmp(url, "/proc/", 6) == 0 ||
	        strncmp(url, "/tail/", 6) == 0 ||
	        strncmp(url, "/static/", 8) == 0))
		return HTTP_ROUTE_WEB;
	if (post && strcmp(url, "/action") == 0)
		return HTTP_ROUTE_WEB;
	return get || head || post ? HTTP_ROUTE_NOT_FOUND
	                           : HTTP_ROUTE_BAD_METHOD;
}

bool
http_route_public(enum http_route route, bool probes_public)
{
	return probes_public &&
	       (route == HTTP_ROUTE_HEALTHZ || route == HTTP_ROUTE_READYZ);
}

int
http_body_check(const char *content_length, size_t max)
{
	unsigned long long n;

	if (content_length == NULL)
		return 0;
	/* Only the size is judged: libmicrohttpd refuses a malformed
	 * header itself, and a negative one wraps past MAX. */
	errno = 0;
	n = strtoull(content_length, NULL, 10);
	if (errno != 0 || n > max)
		return -1;
	return 0;
}

void
http_logtail_args(const char *url, char *name, size_t namelen, bool *main,
    bool *stderr_)
{
	const char *rest;
	size_t n;

	*main = strncmp(url, "/mainlogtail", 12) == 0;
	*stderr_ = false;
	if (namelen > 0)
		name[0] = '\0';
	if (*main || strncmp(url, "/logtail/", 9) != 0 || namelen == 0)
		return;
	rest = url + 9;
	n = strcspn(rest, "/");
	(void)snprintf(name, namelen, "%.*s", (int)n, rest);
	*stderr_ = strcmp(rest + n, "/stderr") == 0;
}

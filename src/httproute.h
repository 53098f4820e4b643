/*
 * httproute.h: what the HTTP front end does with a request line, before
 * any of it runs: the route of a method and URL, whether it needs
 * credentials, the body's announced size, a /logtail URL's process and
 * channel.  Pure (no MHD, no loop), so that tests/unit/test_httproute.c
 * and fuzz/fuzz_http.c reach it without a daemon; http.c calls it.
 */
#ifndef TEND_HTTPROUTE_H
#define TEND_HTTPROUTE_H

#include "tend.h"

#include <stdbool.h>
#include <stddef.h>

enum http_route {
	HTTP_ROUTE_NOT_FOUND = 0, /* 404 */
	HTTP_ROUTE_BAD_METHOD,	  /* 405 */
	HTTP_ROUTE_HEALTHZ,	  /* GET|HEAD /healthz */
	HTTP_ROUTE_READYZ,	  /* GET|HEAD /readyz */
	HTTP_ROUTE_METRICS,	  /* GET|HEAD /metrics */
	HTTP_ROUTE_RPC,		  /* POST /RPC2... (supervisord's prefix rule) */
	HTTP_ROUTE_LOGTAIL,	  /* GET /logtail/NAME[/CHANNEL], /mainlogtail */
	HTTP_ROUTE_EVENTS,	  /* GET /events: state changes, for the page */
	HTTP_ROUTE_WEB,		  /* the web page (web.h): GET|HEAD /,
				     /proc/..., /tail/..., /static/...;
				     POST /action */
};

/* The route of METHOD and URL (the path, without a query). */
enum http_route http_route(const char *method, const char *url);

/* Does ROUTE answer without credentials?  Only the two probes, and only
 * when [tend] http_probes_public=true (PROBES_PUBLIC). */
bool http_route_public(enum http_route route, bool probes_public);

/* A Content-Length header (NULL: none) against MAX: 0 fits (or is
 * absent), -1 is over it or not a number. */
int http_body_check(const char *content_length, size_t max);

/*
 * A /logtail route's URL: *MAIN for /mainlogtail; else the process name
 * (up to the next '/', cut to NAMELEN - 1 bytes) in NAME and the channel
 * in *STDERR ("/stderr" after the name; anything else is stdout).
 */
void http_logtail_args(const char *url, char *name, size_t namelen,
    bool *main, bool *stderr_);

#endif /* TEND_HTTPROUTE_H */

/*
 * test_httproute.c: the HTTP front end's pure decisions (httproute.c):
 * routes by method and path, which are public, Content-Length against
 * the cap, a /logtail URL's name and channel.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "httproute.h"

static void
test_routes(void **state)
{
	(void)state;
	assert_int_equal(http_route("GET", "/healthz"), HTTP_ROUTE_HEALTHZ);
	assert_int_equal(http_route("HEAD", "/readyz"), HTTP_ROUTE_READYZ);
	assert_int_equal(http_route("GET", "/metrics"), HTTP_ROUTE_METRICS);
	assert_int_equal(http_route("POST", "/RPC2"), HTTP_ROUTE_RPC);
	assert_int_equal(http_route("POST", "/RPC2/x"), HTTP_ROUTE_RPC);
	assert_int_equal(http_route("GET", "/logtail/a"), HTTP_ROUTE_LOGTAIL);
	assert_int_equal(http_route("GET", "/mainlogtail"), HTTP_ROUTE_LOGTAIL);
	assert_int_equal(http_route("HEAD", "/logtail/a"), HTTP_ROUTE_NOT_FOUND);
	assert_int_equal(http_route("POST", "/metrics"), HTTP_ROUTE_NOT_FOUND);
	assert_int_equal(http_route("GET", "/healthz/"), HTTP_ROUTE_NOT_FOUND);
	assert_int_equal(http_route("GET", "/RPC2"), HTTP_ROUTE_NOT_FOUND);
	assert_int_equal(http_route("DELETE", "/RPC2"), HTTP_ROUTE_BAD_METHOD);
	assert_int_equal(http_route("get", "/healthz"), HTTP_ROUTE_BAD_METHOD);
	assert_int_equal(http_route("", ""), HTTP_ROUTE_BAD_METHOD);
	/* the web page (web.c) */
	assert_int_equal(http_route("GET", "/"), HTTP_ROUTE_WEB);
	assert_int_equal(http_route("HEAD", "/proc/a"), HTTP_ROUTE_WEB);
	assert_int_equal(http_route("GET", "/tail/a"), HTTP_ROUTE_WEB);
	assert_int_equal(http_route("GET", "/static/tend.css"), HTTP_ROUTE_WEB);
	assert_int_equal(http_route("POST", "/action"), HTTP_ROUTE_WEB);
	assert_int_equal(http_route("GET", "/action"), HTTP_ROUTE_NOT_FOUND);
	assert_int_equal(http_route("POST", "/"), HTTP_ROUTE_NOT_FOUND);
	assert_int_equal(http_route("PUT", "/action"), HTTP_ROUTE_BAD_METHOD);
	assert_int_equal(http_route("GET", "/events"), HTTP_ROUTE_EVENTS);
	assert_int_equal(http_route("POST", "/events"), HTTP_ROUTE_NOT_FOUND);
}

static void
test_public(void **state)
{
	enum http_route r;

	(void)state;
	for (r = HTTP_ROUTE_NOT_FOUND; r <= HTTP_ROUTE_WEB; r++) {
		assert_false(http_route_public(r, false));
		assert_int_equal(http_route_public(r, true),
		    r == HTTP_ROUTE_HEALTHZ || r == HTTP_ROUTE_READYZ);
	}
}

static void
test_body(void **state)
{
	(void)state;
	assert_int_equal(http_body_check(NULL, 100), 0);
	assert_int_equal(http_body_check("100", 100), 0);
	assert_int_equal(http_body_check("101", 100), -1);
	assert_int_equal(http_body_check("4294967296", 100), -1);
	assert_int_equal(http_body_check("99999999999999999999999", 100), -1);
	assert_int_equal(http_body_check("-1", 100), -1);
}

static void
test_logtail_args(void **state)
{
	char name[8];
	bool main, err;

	(void)state;
	http_logtail_args("/mainlogtail", name, sizeof(name), &main, &err);
	assert_true(main);
	http_logtail_args("/logtail/g:a/stderr", name, sizeof(name), &main, &err);
	assert_false(main);
	assert_true(err);
	assert_string_equal(name, "g:a");
	http_logtail_args("/logtail/web", name, sizeof(name), &main, &err);
	assert_false(err);
	assert_string_equal(name, "web");
	http_logtail_args("/logtail/web/stdout", name, sizeof(name), &main, &err);
	assert_false(err);
	/* cut to the buffer, never past it */
	http_logtail_args("/logtail/0123456789", name, sizeof(name), &main, &err);
	assert_string_equal(name, "0123456");
	http_logtail_args("/logtail/", name, sizeof(name), &main, &err);
	assert_string_equal(name, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_routes),
	    cmocka_unit_test(test_public),
	    cmocka_unit_test(test_body),
	    cmocka_unit_test(test_logtail_args),
	};

	return cmocka_run_group_tests_name("httproute", tests, NULL, NULL);
}

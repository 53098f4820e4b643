/*
 * test_probe.c: the pure parts of health checking: the count of passes
 * and failures (retries, start period, acting once), the HTTP/1.0 request
 * and the status line parser on whole, partial and bad responses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "probe.h"

static void
test_count_retries(void **state)
{
	struct probe_tally t = {0};

	(void)state;
	assert_int_equal(probe_count(&t, true, 1, 0, 3), PROBE_PASS);
	assert_int_equal(t.health, PROBE_HEALTHY);
	assert_int_equal(probe_count(&t, false, 2, 0, 3), PROBE_FAILING);
	assert_int_equal(probe_count(&t, false, 3, 0, 3), PROBE_FAILING);
	assert_int_equal(t.health, PROBE_HEALTHY);
	assert_int_equal(probe_count(&t, false, 4, 0, 3), PROBE_ACT);
	assert_int_equal(t.health, PROBE_UNHEALTHY);
	assert_int_equal(t.streak, 3);
	/* Acts once per streak; the caller resets it to act again. */
	assert_int_equal(probe_count(&t, false, 5, 0, 3), PROBE_FAILING);
	assert_int_equal(t.probes, 5);
	assert_int_equal(t.failures, 4);
	/* A pass ends the streak. */
	assert_int_equal(probe_count(&t, true, 6, 0, 3), PROBE_PASS);
	assert_int_equal(t.streak, 0);
	assert_int_equal(t.health, PROBE_HEALTHY);
}

static void
test_count_start_period(void **state)
{
	struct probe_tally t = {0};

	(void)state;
	assert_int_equal(probe_count(&t, false, 1, 5, 1), PROBE_IGNORED);
	assert_int_equal(probe_count(&t, false, 4.9, 5, 1), PROBE_IGNORED);
	assert_int_equal(t.streak, 0);
	assert_int_equal(t.health, PROBE_UNKNOWN);
	assert_int_equal(t.failures, 2);
	assert_int_equal(probe_count(&t, false, 5, 5, 1), PROBE_ACT);
	assert_int_equal(t.health, PROBE_UNHEALTHY);
	/* retries below 1 reads as 1 */
	t = (struct probe_tally){0};
	assert_int_equal(probe_count(&t, false, 9, 0, 0), PROBE_ACT);
}

static void
test_http_request(void **state)
{
	char buf[256], tiny[16];
	int n;

	(void)state;
	n = probe_http_request(buf, sizeof(buf), "127.0.0.1", 8080, "/healthz");
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf,
	    "GET /healthz HTTP/1.0\r\nHost: 127.0.0.1:8080\r\n"
	    "User-Agent: tend-healthcheck\r\nConnection: close\r\n\r\n");
	(void)probe_http_request(buf, sizeof(buf), "::1", 80, "/");
	assert_non_null(strstr(buf, "\r\nHost: [::1]:80\r\n"));
	assert_int_equal(
	    probe_http_request(tiny, sizeof(tiny), "h", 80, "/"), -1);
}

static int
status_of(const char *s)
{
	int code = -7;
	int rc = probe_http_status(s, strlen(s), &code);

	return rc == 1 ? code : rc;
}

static void
test_http_status(void **state)
{
	(void)state;
	assert_int_equal(status_of("HTTP/1.0 200 OK\r\n"), 200);
	assert_int_equal(status_of("HTTP/1.1 503 Service Unavailable\r\nX: y"),
	    503);
	assert_int_equal(status_of("HTTP/1.1 302\r\n"), 302);
	assert_int_equal(status_of("HTTP/2 204 \n"), 204);
	assert_int_equal(status_of("HTTP/1.0 200 OK"), 200);
	/* partial: more needed */
	assert_int_equal(status_of(""), 0);
	assert_int_equal(status_of("HT"), 0);
	assert_int_equal(status_of("HTTP/1.1"), 0);
	assert_int_equal(status_of("HTTP/1.1 20"), 0);
	assert_int_equal(status_of("HTTP/1.1 200"), 0);
	/* not HTTP */
	assert_int_equal(status_of("SSH-2.0-OpenSSH\r\n"), -1);
	assert_int_equal(status_of("HTTP/ 200 OK\r\n"), -1);
	assert_int_equal(status_of("HTTP/1.1 2x0 OK\r\n"), -1);
	assert_int_equal(status_of("HTTP/1.1 099 OK\r\n"), -1);
	assert_int_equal(status_of("HTTP/1.1 2000 OK\r\n"), -1);
	assert_int_equal(status_of("HTTP/1.1 20\r\n"), -1);
}

static void
test_health_names(void **state)
{
	(void)state;
	assert_string_equal(probe_health_name(PROBE_HEALTHY), "healthy");
	assert_string_equal(probe_health_name(PROBE_UNHEALTHY), "unhealthy");
	assert_string_equal(probe_health_name(PROBE_UNKNOWN), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_count_retries),
	    cmocka_unit_test(test_count_start_period),
	    cmocka_unit_test(test_http_request),
	    cmocka_unit_test(test_http_status),
	    cmocka_unit_test(test_health_names),
	};

	return cmocka_run_group_tests_name("probe", tests, NULL, NULL);
}

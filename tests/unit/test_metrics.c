/*
 * test_metrics.c: Prometheus's text from METRICS records (metrics.c):
 * families in order with HELP and TYPE once, families without samples
 * left out, label escaping and bad UTF-8, computed families (tend_info,
 * tend_process_state, restarts), numbers, and no records at all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define REC(a) {(a), sizeof(a) / sizeof((a)[0]) / 2}

static char *tendd_kv[] = {"kind", "tendd", "version", "1.2", "protocol",
    "9", "start_time", "1700000000.5", "processes", "1", "cpu_user",
    "0.25", "cpu_system", "1"};
static char *proc_kv[] = {"kind", "process", "fullname", "g:a\"b\\c\nd",
    "group", "g\xff", "state", "RUNNING", "spawns", "3", "start_time",
    "0.000", "healthy", "0", "health_probes", "12"};

static void
test_text(void **state)
{
	struct metrics_rec v[] = {REC(tendd_kv), REC(proc_kv)};
	size_t len;
	char *t;

	(void)state;
	t = metrics_text(v, 2, &len);
	assert_non_null(t);
	assert_int_equal(strlen(t), len);
	assert_non_null(strstr(t, "tend_info{version=\"1.2\",protocol=\"9\"} 1\n"));
	assert_non_null(strstr(t, "tend_start_time_seconds 1700000000.500\n"));
	/* One HELP and TYPE for the two cpu rows, then both samples. */
	assert_non_null(strstr(t,
	    "# TYPE tend_cpu_seconds_total counter\n"
	    "tend_cpu_seconds_total{mode=\"user\"} 0.250\n"
	    "tend_cpu_seconds_total{mode=\"system\"} 1\n"));
	/* Escaped name, U+FFFD for the bad byte. */
	assert_non_null(strstr(t,
	    "tend_process_state{name=\"g:a\\\"b\\\\c\\nd\",group=\"g\xef\xbf\xbd\","
	    "state=\"RUNNING\"} 1\n"));
	assert_non_null(strstr(t, ",state=\"FATAL\"} 0\n"));
	assert_non_null(strstr(t, "tend_process_restarts_total{name="));
	assert_non_null(strstr(t, "\"} 2\n# HELP"));
	assert_non_null(strstr(t, "tend_process_healthy{"));
	assert_non_null(strstr(t, "tend_process_health_probes_total{"));
	/* No sample, no family: never ran, never exited, no memory. */
	assert_null(strstr(t, "tend_process_start_time_seconds"));
	assert_null(strstr(t, "tend_process_last_exit_code"));
	assert_null(strstr(t, "tend_resident_memory_bytes"));
	assert_int_equal(t[len - 1], '\n');
	free(t);
}

/* An [eventlistener:x] pool's record: samples labelled pool="NAME". */
static char *pool_kv[] = {"kind", "pool", "name", "crash\"mail", "buffered",
    "3", "buffer_size", "10", "accepted", "12", "dropped", "2", "rejected",
    "1", "listeners", "2", "ready", "1", "busy", "1"};

static void
test_pools(void **state)
{
	struct metrics_rec v[] = {REC(tendd_kv), REC(proc_kv), REC(pool_kv)};
	size_t len;
	char *t;

	(void)state;
	t = metrics_text(v, 3, &len);
	assert_non_null(t);
	assert_non_null(strstr(t,
	    "# TYPE tend_listener_pool_buffered_events gauge\n"
	    "tend_listener_pool_buffered_events{pool=\"crash\\\"mail\"} 3\n"));
	assert_non_null(strstr(t,
	    "tend_listener_pool_dropped_events_total{pool=\"crash\\\"mail\"} 2\n"));
	assert_non_null(strstr(t,
	    "tend_listener_pool_events_total{pool=\"crash\\\"mail\"} 12\n"));
	assert_non_null(strstr(t,
	    "tend_listener_pool_rebuffered_events_total{pool=\"crash\\\"mail\"} 1\n"));
	assert_non_null(strstr(t,
	    "tend_listener_pool_listeners{pool=\"crash\\\"mail\",state=\"READY\"} 1\n"
	    "tend_listener_pool_listeners{pool=\"crash\\\"mail\",state=\"BUSY\"} 1\n"));
	/* A pool is not a process. */
	assert_null(strstr(t, "tend_process_state{name=\"\""));
	free(t);
	/* Without pools, no pool family. */
	t = metrics_text(v, 2, &len);
	assert_non_null(t);
	assert_null(strstr(t, "tend_listener_pool"));
	free(t);
}

static void
test_empty(void **state)
{
	size_t len = 99;
	char *t;

	(void)state;
	t = metrics_text(NULL, 0, &len);
	assert_non_null(t);
	assert_int_equal(len, 0);
	assert_string_equal(t, "");
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text),
	    cmocka_unit_test(test_pools),
	    cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}

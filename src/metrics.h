/*
 * metrics.h: Prometheus's text exposition format from the records of
 * the METRICS request (status.c answers it).  One formatter for both
 * readers, `tendctl metrics` and GET /metrics (http.c), so the two
 * cannot drift.  Pure: records in, text out; unit-tested in
 * tests/unit/test_metrics.c.
 */
#ifndef TEND_METRICS_H
#define TEND_METRICS_H

#include "tend.h"

#include <stddef.h>

/* One record: KV holds N key/value pairs (key, value, key, value...).
 * tendctl's struct rec and the HTTP front end's collector both are. */
struct metrics_rec {
	char *const *kv;
	size_t n;
};

/*
 * The text for the N records of V ("kind" "tendd" for tendd's own, then
 * "process" ones): malloc'd, NUL-terminated, *LEN bytes without the NUL.
 * A family without samples is left out, HELP and TYPE included.  NULL
 * on ENOMEM.
 */
char *metrics_text(const struct metrics_rec *v, size_t n, size_t *len);

#endif /* TEND_METRICS_H */

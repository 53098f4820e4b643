/*
 * probe.h: the pure parts of health checking (health.c runs the probes):
 * the HTTP/1.0 request, its status line, and the count of passes and
 * failures that decides when a process is unhealthy and when to act.
 * No I/O, no clock: unit-tested in tests/unit/test_probe.c.
 */
#ifndef TEND_PROBE_H
#define TEND_PROBE_H

#include "tend.h"

#include <stddef.h>
#include <stdint.h>

/* What is known of a process's health. */
enum probe_health {
	PROBE_UNKNOWN = 0, /* no probe has passed or failed for good yet */
	PROBE_HEALTHY,	   /* the last probe passed (or failures are still
			      fewer than healthcheck_retries) */
	PROBE_UNHEALTHY,   /* healthcheck_retries failures in a row */
};

struct probe_tally {
	uint64_t probes;   /* probes finished in this tendd's life */
	uint64_t failures; /* of which failed */
	unsigned streak;   /* failures in a row that count */
	enum probe_health health;
};

/* What one probe's result means. */
enum probe_verdict {
	PROBE_PASS,    /* it passed */
	PROBE_IGNORED, /* failed while younger than the start period */
	PROBE_FAILING, /* failed; not yet (or no more) a reason to act */
	PROBE_ACT,     /* the RETRIES-th failure in a row: act now */
};

/* Count one result.  AGE: seconds since the process started. */
enum probe_verdict probe_count(struct probe_tally *t, bool ok, double age,
    double start_period, int retries);

/* "unhealthy", "healthy", "unknown". */
const char *probe_health_name(enum probe_health h);

/*
 * The request "GET PATH HTTP/1.0" with Host, into BUF.  Its length, or
 * -1 when it does not fit.
 */
int probe_http_request(char *buf, size_t len, const char *host, int port,
    const char *path);

/*
 * Parse the status line at the start of BUF (LEN bytes read so far).
 * 1: complete, *CODE is the status (100..999).  0: more bytes needed.
 * -1: not an HTTP status line.
 */
int probe_http_status(const char *buf, size_t len, int *code);

#endif /* TEND_PROBE_H */

/*
 * http_metrics.h: the text of GET /metrics (http_metrics.c).
 */
#ifndef TEND_HTTP_METRICS_H
#define TEND_HTTP_METRICS_H

#include "tend.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Run a METRICS request for the peer PID/UID and return its Prometheus
 * text (malloc'ed, *LEN bytes); NULL with *EXITING true when tendd is
 * shutting down, false on ENOMEM. */
char *http_metrics_text(pid_t pid, uid_t uid, size_t *len, bool *exiting);

#endif /* TEND_HTTP_METRICS_H */

/*
 * healthz.h: what the HTTP front end answers on GET /readyz (health.c
 * builds it from the process table; http.c only serves it).
 */
#ifndef TEND_HEALTHZ_H
#define TEND_HEALTHZ_H

#include <stdbool.h>
#include <stddef.h>

/*
 * READY: every autostart process is RUNNING and none is unhealthy.  The
 * plain-text body (malloc'd, *LEN bytes): "ready\n", or one line
 * "NAME STATE DESCRIPTION" per process that is not.  NULL on ENOMEM.
 */
char *health_readyz(size_t *len, bool *ready);

#endif /* TEND_HEALTHZ_H */

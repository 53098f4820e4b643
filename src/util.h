/*
 * util.h: small helpers with no better home: number parsing, fd flags,
 * clocks.  Syscall-like functions return 0 or -1 with errno set.
 */
#ifndef TEND_UTIL_H
#define TEND_UTIL_H

#include "tend.h"

/* Parse a whole decimal integer in [min, max]; -1 (errno EINVAL/ERANGE)
 * if S is empty, has trailing junk, or is out of range. */
int util_parse_long(const char *s, long min, long max, long *out);
/* Parse seconds with an optional fraction ("1", "0.5"); -1 if not >= 0. */
int util_parse_seconds(const char *s, double *out);
/* Parse a byte size with optional KB/MB/GB suffix (supervisord's
 * byte_size: powers of 1024), -1 if malformed. */
int util_parse_size(const char *s, uint64_t *out);
/* Signal name ("TERM", "SIGTERM", "term") or number to a number; -1 if
 * unknown. */
int util_signal_parse(const char *s);
/* "TERM" for SIGTERM; "SIG23" style if unnamed.  Static storage. */
const char *util_signal_name(int sig);

int util_set_cloexec(int fd);
int util_set_nonblock(int fd);

/* CLOCK_MONOTONIC in seconds. */
double util_monotonic(void);
/* CLOCK_REALTIME in seconds. */
double util_realtime(void);
/* MONO (a util_monotonic() time) on today's realtime clock: the same
 * moment, wherever the realtime clock was stepped to since. */
double util_wall_of(double mono);

/* Format H:MM:SS or "N days, H:MM:SS" as supervisorctl does. */
void util_format_uptime(double seconds, char *buf, size_t len);

/*
 * Test fault hooks, compiled in by --enable-debug only: true the first N
 * times SITE is reached when tendd runs with TEND_FAULT=SITE:N (one site
 * at a time); the caller then fails as if out of memory.  Release
 * builds have no hooks and pay nothing.
 */
#ifdef TEND_FAULTS
bool util_fault(const char *site);
#else
#define util_fault(site) false
#endif

/* Length of the valid UTF-8 sequence at S, 0 if it is not one (an
 * overlong form, a surrogate, past U+10FFFF). */
size_t util_utf8_len(const unsigned char *s);

#endif /* TEND_UTIL_H */

/*
 * util.c: number, size and signal parsing, fd flags and clocks.  Nothing
 * here knows about services; anything bigger gets its own room.
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int
util_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s)) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0') {
		errno = EINVAL;
		return -1;
	}
	if (errno == ERANGE || v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

int
util_parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s)) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtod(s, &end);
	/* strtod accepts "inf", "nan" and hex floats; seconds are plain. */
	if (*end != '\0' || !isfinite(v) || strpbrk(s, "xXnNiI") != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (errno == ERANGE || v < 0 || v > 1e9) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

int
util_parse_size(const char *s, uint64_t *out)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
		{"KB", 1024ULL},
		{"MB", 1024ULL * 1024},
		{"GB", 1024ULL * 1024 * 1024},
	};
	char num[32];
	size_t len, i;
	uint64_t mult = 1;
	long v;

	if (s == NULL || (len = strlen(s)) == 0 || len >= sizeof(num)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(num, s, len + 1);
	/* supervisord's byte_size(): an optional KB/MB/GB suffix, any case. */
	for (i = 0; i < TEND_NELEM(units); i++) {
		if (len > 2 && strcasecmp(num + len - 2, units[i].suffix) == 0) {
			mult = units[i].mult;
			num[len - 2] = '\0';
			break;
		}
	}
	if (util_parse_long(num, 0, LONG_MAX, &v) == -1)
		return -1;
	if ((uint64_t)v > UINT64_MAX / mult) {
		errno = ERANGE;
		return -1;
	}
	*out = (uint64_t)v * mult;
	return 0;
}

static const struct {
	const char *name;
	int sig;
} signal_names[] = {
	{"HUP", SIGHUP}, {"INT", SIGINT}, {"QUIT", SIGQUIT},
	{"ILL", SIGILL}, {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},
	{"IOT", SIGIOT}, {"BUS", SIGBUS}, {"FPE", SIGFPE},
	{"KILL", SIGKILL}, {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},
	{"USR2", SIGUSR2}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},
	{"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},
	{"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},
	{"TTIN", SIGTTIN}, {"TTOU", SIGTTOU}, {"URG", SIGURG},
	{"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
	{"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
	{"POLL", SIGPOLL}, {"PWR", SIGPWR}, {"SYS", SIGSYS},
};

int
util_signal_parse(const char *s)
{
	size_t i;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	if (util_parse_long(s, 1, NSIG - 1, &v) == 0)
		return (int)v;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; i < TEND_NELEM(signal_names); i++)
		if (strcasecmp(s, signal_names[i].name) == 0)
			return signal_names[i].sig;
	return -1;
}

const char *
util_signal_name(int sig)
{
	static char buf[16];
	size_t i;

	for (i = 0; i < TEND_NELEM(signal_names); i++)
		if (signal_names[i].sig == sig)
			return signal_names[i].name;
	(void)snprintf(buf, sizeof(buf), "SIG%d", sig);
	return buf;
}

int
util_set_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags == -1)
		return -1;
	return fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

int
util_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags == -1)
		return -1;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static double
clock_seconds(clockid_t id)
{
	struct timespec ts;

	/* clock_gettime() cannot fail for these clocks (clock_gettime(2)). */
	(void)clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
util_monotonic(void)
{
	return clock_seconds(CLOCK_MONOTONIC);
}

double
util_realtime(void)
{
	return clock_seconds(CLOCK_REALTIME);
}

/* realtime - monotonic, read so that being preempted between the two
 * reads does not shift it: the realtime read is bracketed by two
 * monotonic reads and the narrowest of a few brackets is kept.  A plain
 * pair was off by the length of the preemption, which under load moved
 * a process's reported start across a second from one status to the
 * next (a reexec seemed to change it). */
static double
clock_offset(void)
{
	double best = 0, width = -1;
	int i;

	for (i = 0; i < 4; i++) {
		double m1 = util_monotonic(), r = util_realtime();
		double m2 = util_monotonic();

		if (width < 0 || m2 - m1 < width) {
			width = m2 - m1;
			best = r - (m1 + m2) / 2;
		}
		if (width < 20e-6)
			break;
	}
	return best;
}

double
util_wall_of(double mono)
{
	return mono + clock_offset();
}

void
util_format_uptime(double seconds, char *buf, size_t len)
{
	long total = seconds > 0 ? (long)seconds : 0;
	long days = total / 86400, h = total % 86400 / 3600;
	long m = total % 3600 / 60, s = total % 60;

	/* supervisorctl prints datetime.timedelta: "2 days, 3:04:05". */
	if (days > 0)
		(void)snprintf(buf, len, "%ld day%s, %ld:%02ld:%02ld", days,
		    days == 1 ? "" : "s", h, m, s);
	else
		(void)snprintf(buf, len, "%ld:%02ld:%02ld", h, m, s);
}

#ifdef TEND_FAULTS
bool
util_fault(const char *site)
{
	static long fired;
	const char *spec = getenv("TEND_FAULT");
	size_t len = strlen(site);
	long n;

	if (spec == NULL || strncmp(spec, site, len) != 0 ||
	    spec[len] != ':' ||
	    util_parse_long(spec + len + 1, 0, LONG_MAX, &n) == -1 ||
	    fired >= n)
		return false;
	fired++;
	errno = ENOMEM;
	return true;
}
#endif

/* Length of the valid UTF-8 sequence at S, 0 if it is not one. */
size_t
util_utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

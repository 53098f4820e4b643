/*
 * config_num.c: the numbers of supervisord's values, pure text -> value:
 * exitcodes= lists, octal modes, integers in a key's range, rlimit_*=
 * (N, SOFT:HARD, unlimited) and CPU percentages, with their messages.
 * config_value.c's rows call them; nothing here knows a key's name.
 */
#include "config_impl.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
cfg_parse_exitcodes(
    const char *s, struct conf_exitcodes *out, char *err, size_t errlen)
{
	struct conf_exitcodes e;
	const char *p = s;
	char item[32];
	long code;

	memset(&e, 0, sizeof(e));
	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		char *t;

		(void)snprintf(item, sizeof(item), "%.*s", (int)n, p);
		t = cfg_trim(item);
		if (n >= sizeof(item) ||
		    util_parse_long(t, 0, 255, &code) == -1) {
			(void)snprintf(err, errlen,
			    "'%.*s' is not an exit code (0 to 255)",
			    (int)(n < 40 ? n : 40), p);
			return -1;
		}
		e.bits[code / 64] |= 1ULL << (code % 64);
		p += n;
		if (*p == ',')
			p++;
	}
	*out = e;
	return 0;
}

int
cfg_parse_octal(const char *s, int *out, char *err, size_t errlen)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 8);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 0777 ||
	    strspn(s, "01234567") != strlen(s)) {
		(void)snprintf(
		    err, errlen, "'%s' is not an octal mode (such as 022)", s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int
cfg_parse_int_range(const struct conf_key *k, const char *v, long *out,
    char *err, size_t errlen)
{
	static const long range[][2] = {
	    [R_NONNEG] = {0, INT_MAX},
	    [R_HALF] = {0, INT_MAX / 2},
	    [R_POS] = {1, INT_MAX},
	    [R_INT] = {INT_MIN, INT_MAX},
	    [R_LONG] = {0, LONG_MAX},
	    [R_NUMPROCS] = {1, CONF_MAX_NUMPROCS},
	};
	long min = range[k->range][0], max = range[k->range][1];

	if (util_parse_long(v, min, max, out) == 0)
		return 0;
	if (errno == ERANGE && util_parse_long(v, LONG_MIN, LONG_MAX, out) == 0)
		(void)snprintf(err, errlen, "'%s' is %s than %ld", v,
		    *out < min ? "less" : "greater", *out < min ? min : max);
	else
		(void)snprintf(err, errlen, "'%s' is not an integer", v);
	return -1;
}

/* One rlimit bound: a size (KB/MB/GB allowed), or unlimited/infinity. */
static int
rlimit_one(const char *v, uint64_t *out)
{
	if (strcasecmp(v, "unlimited") == 0 || strcasecmp(v, "infinity") == 0) {
		*out = CONF_RLIM_INFINITY;
		return 0;
	}
	return util_parse_size(v, out);
}

/* rlimit_*=N (soft and hard) or SOFT:HARD, as systemd's Limit*=. */
int
cfg_parse_rlimit(
    const char *v, struct conf_rlimit *rl, char *err, size_t errlen)
{
	char buf[128], *colon;
	const char *hard;

	if (snprintf(buf, sizeof(buf), "%s", v) >= (int)sizeof(buf))
		goto bad;
	colon = strchr(buf, ':');
	if (colon != NULL)
		*colon = '\0';
	hard = colon != NULL ? colon + 1 : buf;
	if (rlimit_one(buf, &rl->soft) == -1 ||
	    rlimit_one(hard, &rl->hard) == -1)
		goto bad;
	if (rl->soft > rl->hard) {
		(void)snprintf(err, errlen,
		    "'%s': the soft limit is above the hard limit", v);
		return -1;
	}
	rl->set = true;
	return 0;
bad:
	(void)snprintf(
	    err, errlen, "'%s' is not a limit (N, SOFT:HARD, or unlimited)", v);
	return -1;
}

/* "50%" or "50": percent of one CPU; 200% is two CPUs. */
int
cfg_parse_percent(const char *v, double *out, char *err, size_t errlen)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (*end == '%')
		end++;
	if (end == v || *end != '\0' || errno != 0 || !(d > 0) || d > 100000) {
		(void)snprintf(err, errlen,
		    "'%s' is not a percentage above 0 (50%% is half a CPU)", v);
		return -1;
	}
	*out = d;
	return 0;
}

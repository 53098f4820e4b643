/*
 * probe.c: the pure parts of health checking (see probe.h).
 *
 * Owns: the failure count (probe_count), the HTTP request text and the
 * status line parser.  Leaves alone: sockets, children, timers and what
 * an unhealthy process gets (health.c).
 */
#include "probe.h"

#include <stdio.h>
#include <string.h>

enum probe_verdict
probe_count(struct probe_tally *t, bool ok, double age, double start_period,
    int retries)
{
	t->probes++;
	if (ok) {
		t->streak = 0;
		t->health = PROBE_HEALTHY;
		return PROBE_PASS;
	}
	t->failures++;
	/* Docker's rule: failures while young do not count; a pass then
	 * still makes the process healthy. */
	if (age < start_period)
		return PROBE_IGNORED;
	t->streak++;
	if (t->streak < (unsigned)(retries > 0 ? retries : 1))
		return PROBE_FAILING;
	t->health = PROBE_UNHEALTHY;
	return t->streak == (unsigned)(retries > 0 ? retries : 1)
	           ? PROBE_ACT
	           : PROBE_FAILING;
}

const char *
probe_health_name(enum probe_health h)
{
	switch (h) {
	case PROBE_HEALTHY:
		return "healthy";
	case PROBE_UNHEALTHY:
		return "unhealthy";
	default:
		return "unknown";
	}
}

int
probe_http_request(
    char *buf, size_t len, const char *host, int port, const char *path)
{
	bool v6 = strchr(host, ':') != NULL;
	char h[300];
	int n;

	/* An IPv6 literal goes back in brackets (RFC 7230, 5.4). */
	n = snprintf(h, sizeof(h), "%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "");
	if (n < 0 || (size_t)n >= sizeof(h))
		return -1;
	n = snprintf(buf, len,
	    "GET %s HTTP/1.0\r\nHost: %s:%d\r\nUser-Agent: tend-healthcheck\r\n"
	    "Connection: close\r\n\r\n",
	    path, h, port);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return n;
}

int
probe_http_status(const char *buf, size_t len, int *code)
{
	static const char proto[] = "HTTP/";
	const char *eol = memchr(buf, '\n', len);
	size_t i, n = eol != NULL ? (size_t)(eol - buf) : len;

	/* "HTTP/" DIGIT "." DIGIT SP 3DIGIT (RFC 9112, 4), checked as far
	 * as it has arrived. */
	for (i = 0; i < n && i < sizeof(proto) - 1; i++)
		if (buf[i] != proto[i])
			return -1;
	for (; i < n && buf[i] != ' '; i++)
		if (!((buf[i] >= '0' && buf[i] <= '9') || buf[i] == '.'))
			return -1;
	if (i < n && i == sizeof(proto) - 1)
		return -1; /* no version */
	if (i + 4 > n)
		return eol != NULL ? -1 : 0;
	if (buf[i + 1] < '1' || buf[i + 1] > '9' || buf[i + 2] < '0' ||
	    buf[i + 2] > '9' || buf[i + 3] < '0' || buf[i + 3] > '9')
		return -1;
	if (i + 4 < n && buf[i + 4] != ' ' && buf[i + 4] != '\r')
		return -1;
	if (eol == NULL && i + 4 == n)
		return 0; /* "HTTP/1.0 200" may go on ("2001"?): wait */
	*code = (buf[i + 1] - '0') * 100 + (buf[i + 2] - '0') * 10 +
	        (buf[i + 3] - '0');
	return 1;
}

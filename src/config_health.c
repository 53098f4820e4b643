/*
 * config_health.c: the values of healthcheck= and healthcheck_action=.
 *
 * Owns: parsing "exec:COMMAND ARGS", "tcp:HOST:PORT",
 * "http://HOST[:PORT][/PATH]" and "none" into a struct conf_health (its
 * comparison and freeing), and "restart", "none", "signal:SIG".  Leaves
 * alone: running probes (health.c), the key table (config_keys.c).
 */
#include "config_impl.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
cfg_health_free(struct conf_health *h)
{
	if (h == NULL)
		return;
	free(h->text);
	free(h->host);
	free(h->path);
	expand_free_argv(h->argv);
	free(h);
}

/* "HOST:PORT" (HOST may be "[v6]") into H's host and port. */
static int
health_hostport(struct loader *ld, struct conf_health *h, const char *s,
    size_t len, int defport, char *err, size_t errlen)
{
	const char *colon = NULL, *end = s + len, *hs = s, *he;
	long port = defport;
	char num[8];

	if (*s == '[') {
		hs = s + 1;
		if ((he = memchr(s, ']', len)) == NULL) {
			(void)snprintf(err, errlen, "missing ']' after [%.*s",
			    (int)len, s);
			return -1;
		}
		if (he + 1 < end && he[1] == ':')
			colon = he + 1;
		else if (he + 1 != end)
			goto bad;
	} else {
		colon = memrchr(s, ':', len);
		he = colon != NULL ? colon : end;
	}
	if (he == hs)
		goto bad;
	if (colon != NULL) {
		if ((size_t)(end - colon - 1) >= sizeof(num) || end == colon + 1)
			goto bad;
		memcpy(num, colon + 1, (size_t)(end - colon - 1));
		num[end - colon - 1] = '\0';
		if (util_parse_long(num, 1, 65535, &port) == -1)
			goto bad;
	} else if (defport == 0)
		goto bad;
	if ((h->host = strndup(hs, (size_t)(he - hs))) == NULL) {
		ld->oom = true;
		return -1;
	}
	h->port = (int)port;
	return 0;
bad:
	(void)snprintf(err, errlen, "'%.*s' is not HOST:PORT (port 1-65535)",
	    (int)len, s);
	return -1;
}

/* The part after "exec:", "tcp:" or "http://". */
static int
health_parse_kind(struct loader *ld, struct conf_health *h, const char *v,
    char *err, size_t errlen)
{
	const char *slash;

	if (strncasecmp(v, "exec:", 5) == 0) {
		h->kind = CONF_HEALTH_EXEC;
		if (expand_split(v + 5, &h->argv, err, errlen) == -1) {
			if (errno == ENOMEM)
				ld->oom = true;
			return -1;
		}
		if (h->argv[0] == NULL) {
			(void)snprintf(err, errlen, "exec: with no command");
			return -1;
		}
		return 0;
	}
	if (strncasecmp(v, "tcp:", 4) == 0) {
		h->kind = CONF_HEALTH_TCP;
		return health_hostport(
		    ld, h, v + 4, strlen(v + 4), 0, err, errlen);
	}
	if (strncasecmp(v, "http://", 7) == 0) {
		h->kind = CONF_HEALTH_HTTP;
		v += 7;
		slash = v + strcspn(v, "/");
		if (health_hostport(ld, h, v, (size_t)(slash - v), 80, err,
		        errlen) == -1)
			return -1;
		if (strpbrk(slash, " \t\r\n") != NULL) {
			(void)snprintf(err, errlen, "spaces in the URL's path");
			return -1;
		}
		h->path = strdup(*slash != '\0' ? slash : "/");
		if (h->path == NULL)
			ld->oom = true;
		return h->path != NULL ? 0 : -1;
	}
	(void)snprintf(err, errlen,
	    "'%s' is not exec:COMMAND, tcp:HOST:PORT, http://HOST:PORT/PATH "
	    "or none",
	    v);
	return -1;
}

int
cfg_health_parse(struct loader *ld, const char *v, struct conf_health **out,
    char *err, size_t errlen)
{
	struct conf_health *h;

	if (*v == '\0' || strcasecmp(v, "none") == 0) {
		cfg_health_free(*out);
		*out = NULL;
		return 0;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->text = strdup(v)) == NULL) {
		free(h);
		ld->oom = true;
		return -1;
	}
	if (health_parse_kind(ld, h, v, err, errlen) == -1) {
		cfg_health_free(h);
		return -1;
	}
	/* The healthcheck_* values already read (the program's). */
	if (*out != NULL)
		h->o = (*out)->o;
	cfg_health_free(*out);
	*out = h;
	return 0;
}

bool
cfg_health_equal(const struct conf_health *a, const struct conf_health *b)
{
	/* (kind 0: only the healthcheck_* values, no probe yet) */
	if (a == NULL || b == NULL || a->kind == 0 || b->kind == 0)
		return (a == NULL || a->kind == 0) == (b == NULL || b->kind == 0);
	return strcmp(a->text, b->text) == 0;
}

void
cfg_health_settle(struct conf_proc *p)
{
	if (p->health != NULL && p->health->kind == 0) {
		cfg_health_free(p->health);
		p->health = NULL;
	}
}

int
cfg_health_action_parse(const char *v, int *out, char *err, size_t errlen)
{
	int sig;

	if (strcasecmp(v, "restart") == 0) {
		*out = CONF_HEALTH_RESTART;
		return 0;
	}
	if (strcasecmp(v, "none") == 0) {
		*out = CONF_HEALTH_NONE;
		return 0;
	}
	if (strncasecmp(v, "signal:", 7) == 0 &&
	    (sig = util_signal_parse(v + 7)) > 0) {
		*out = sig;
		return 0;
	}
	(void)snprintf(err, errlen,
	    "'%s' is not one of restart, none, signal:SIG", v);
	return -1;
}

void
cfg_health_action_print(FILE *fp, int action)
{
	if (action == CONF_HEALTH_RESTART)
		(void)fputs("restart", fp);
	else if (action == CONF_HEALTH_NONE)
		(void)fputs("none", fp);
	else
		(void)fprintf(fp, "signal:%s", util_signal_name(action));
}

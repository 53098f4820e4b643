/*
 * config_fcgi.c: the socket keys of [fcgi-program:x] (socket=,
 * socket_owner=, socket_mode=, socket_backlog=) as one struct conf_fcgi
 * per process, and supervisord 4.2's checks of them (options.py,
 * parse_fcgi_socket): unix:// needs an absolute path, tcp:// is
 * HOST:PORT, owner and mode only for a UNIX socket, a backlog of
 * 1..65535, a UNIX socket's owner by default the program's user= when
 * that is not tendd's.  Leaves alone: binding it (fcgisock.c).
 */
#include "config_impl.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
#include <unistd.h>

bool
cfg_sec_fcgi(const struct rsec *s)
{
	return strcmp(s->info->name, "fcgi-program") == 0;
}

/* The struct of BASE's field K, made on first use. */
static struct conf_fcgi *
fcgi_of(struct loader *ld, const struct conf_key *k, void *base)
{
	struct conf_fcgi **f = FIELD(k, base, struct conf_fcgi *);

	if (*f == NULL) {
		if ((*f = calloc(1, sizeof(**f))) == NULL) {
			ld->oom = true;
			return NULL;
		}
		(*f)->uid = (uid_t)-1;
		(*f)->gid = (gid_t)-1;
		(*f)->mode = -1;
	}
	return *f;
}

/* tcp://HOST:PORT (supervisord: r'tcp://([^\s:]+):(\d+)$'). */
static int
parse_tcp(struct loader *ld, struct conf_fcgi *f, const char *v, char *err,
    size_t errlen)
{
	const char *host = v + 6, *colon = strrchr(host, ':');
	char *end, *h, *url;
	long port;
	size_t i, n;

	n = colon != NULL ? (size_t)(colon - host) : 0;
	if (n == 0 || strcspn(host, " \t\r\n:") != n || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1)) {
		(void)snprintf(err, errlen,
		    "'%s' is not tcp://HOST:PORT or unix:///PATH", v);
		return -1;
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || port < 1 || port > 65535) {
		(void)snprintf(err, errlen, "'%s': port %s is not 1..65535", v,
		    colon + 1);
		return -1;
	}
	if ((h = strndup(host, n)) == NULL) {
		ld->oom = true;
		return -1;
	}
	for (i = 0; i < n; i++)
		h[i] = (char)tolower((unsigned char)h[i]);
	if (asprintf(&url, "tcp://%s:%ld", h, port) == -1) {
		free(h);
		ld->oom = true;
		return -1;
	}
	free(f->host);
	free(f->socket);
	f->host = h;
	f->socket = url;
	f->port = (int)port;
	return 0;
}

static int
parse_unix(struct loader *ld, struct conf_fcgi *f, const char *v, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;
	char *path, *url;

	if (v[7] != '/') {
		(void)snprintf(err, errlen,
		    "'%s': the UNIX socket path is not absolute", v);
		return -1;
	}
	if ((path = cfg_path_abs(ld, v + 7)) == NULL)
		return -1;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		(void)snprintf(err, errlen,
		    "'%s': a UNIX socket path has at most %zu bytes", v,
		    sizeof(sun.sun_path) - 1);
		free(path);
		return -1;
	}
	if (asprintf(&url, "unix://%s", path) == -1) {
		free(path);
		ld->oom = true;
		return -1;
	}
	free(f->path);
	free(f->socket);
	f->path = path;
	f->socket = url;
	return 0;
}

static int
parse_owner(struct loader *ld, struct conf_fcgi *f, const char *v, char *err,
    size_t errlen)
{
	const char *colon = strchr(v, ':');
	char *user, *copy;
	uid_t uid;
	gid_t gid = (gid_t)-1, ugid;
	int rc;

	if ((user = strndup(v, colon ? (size_t)(colon - v) : strlen(v))) ==
	    NULL) {
		ld->oom = true;
		return -1;
	}
	rc = cfg_lookup_user(user, &uid, &ugid, err, errlen);
	free(user);
	if (rc == -1 ||
	    (colon != NULL && cfg_lookup_group(colon + 1, &gid, err, errlen) ==
	                          -1))
		return -1;
	if ((copy = cfg_xstrdup(ld, v)) == NULL)
		return -1;
	free(f->owner);
	f->owner = copy;
	f->uid = uid;
	f->gid = gid;
	return 0;
}

int
cfg_fcgi_parse(const struct valctx *vc, const struct conf_key *k,
    const char *v, void *base, char *err, size_t errlen)
{
	struct conf_fcgi *f = fcgi_of(vc->ld, k, base);
	long n;
	char *end;

	if (f == NULL)
		return -1;
	switch (k->type) {
	case KT_FCGI_SOCKET:
		if (strncmp(v, "unix://", 7) == 0)
			return parse_unix(vc->ld, f, v, err, errlen);
		if (strncmp(v, "tcp://", 6) == 0)
			return parse_tcp(vc->ld, f, v, err, errlen);
		(void)snprintf(err, errlen,
		    "'%s' is not tcp://HOST:PORT or unix:///PATH", v);
		return -1;
	case KT_FCGI_OWNER:
		return parse_owner(vc->ld, f, v, err, errlen);
	case KT_FCGI_MODE:
		return cfg_parse_octal(v, &f->mode, err, errlen);
	default:
		errno = 0;
		n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0 || n < 1 ||
		    n > 65535) {
			(void)snprintf(err, errlen,
			    "'%s' is not a backlog of 1 to 65535", v);
			return -1;
		}
		f->backlog = (int)n;
		return 0;
	}
}

bool
cfg_fcgi_equal(const struct conf_key *k, const void *a, const void *b)
{
	const struct conf_fcgi *x = *CFIELD(k, a, struct conf_fcgi *);
	const struct conf_fcgi *y = *CFIELD(k, b, struct conf_fcgi *);

	if (x == NULL || y == NULL)
		return x == y;
	switch (k->type) {
	case KT_FCGI_SOCKET:
		return cfg_str_equal(x->socket, y->socket);
	case KT_FCGI_OWNER:
		return x->uid == y->uid && x->gid == y->gid;
	case KT_FCGI_MODE:
		return x->mode == y->mode;
	default:
		return x->backlog == y->backlog;
	}
}

static void
fcgi_free(struct conf_fcgi *f)
{
	if (f == NULL)
		return;
	free(f->socket);
	free(f->host);
	free(f->path);
	free(f->owner);
	free(f);
}

/* The first of the four keys copies the whole struct; the others find it
 * there. */
int
cfg_fcgi_copy(
    struct loader *ld, const struct conf_key *k, void *dst, const void *src)
{
	const struct conf_fcgi *s = *CFIELD(k, src, struct conf_fcgi *);
	struct conf_fcgi **d = FIELD(k, dst, struct conf_fcgi *), *n;

	if (s == NULL || *d != NULL)
		return 0;
	if ((n = malloc(sizeof(*n))) == NULL) {
		ld->oom = true;
		return -1;
	}
	*n = *s;
	n->socket = n->host = n->path = n->owner = NULL;
	if ((s->socket != NULL &&
	        (n->socket = cfg_xstrdup(ld, s->socket)) == NULL) ||
	    (s->host != NULL && (n->host = cfg_xstrdup(ld, s->host)) == NULL) ||
	    (s->path != NULL && (n->path = cfg_xstrdup(ld, s->path)) == NULL) ||
	    (s->owner != NULL &&
	        (n->owner = cfg_xstrdup(ld, s->owner)) == NULL)) {
		fcgi_free(n);
		return -1;
	}
	*d = n;
	return 0;
}

void
cfg_fcgi_free(const struct conf_key *k, void *base)
{
	struct conf_fcgi **f = FIELD(k, base, struct conf_fcgi *);

	fcgi_free(*f);
	*f = NULL;
}

/* As `tendd -n -v` prints them (only for an [fcgi-program:x]). */
void
cfg_fcgi_print(FILE *fp, const struct conf_key *k, const void *base)
{
	const struct conf_fcgi *f = *CFIELD(k, base, struct conf_fcgi *);

	if (f == NULL) {
		(void)fputs("(none)", fp);
		return;
	}
	switch (k->type) {
	case KT_FCGI_SOCKET:
		(void)fputs(f->socket ? f->socket : "(none)", fp);
		break;
	case KT_FCGI_OWNER:
		if (f->uid == (uid_t)-1)
			(void)fputs("(tendd's)", fp);
		else if (f->gid == (gid_t)-1)
			(void)fprintf(fp, "%s (uid %u)",
			    f->owner ? f->owner : "", (unsigned)f->uid);
		else
			(void)fprintf(fp, "%s (uid %u, gid %u)",
			    f->owner ? f->owner : "", (unsigned)f->uid,
			    (unsigned)f->gid);
		break;
	case KT_FCGI_MODE:
		if (f->path == NULL)
			(void)fputs("(none)", fp);
		else
			(void)fprintf(fp, "%04o", f->mode >= 0 ? f->mode : 0700);
		break;
	default:
		if (f->backlog > 0)
			(void)fprintf(fp, "%d", f->backlog);
		else
			(void)fputs("SOMAXCONN", fp);
		break;
	}
}

/*
 * supervisord's checks of the whole socket: it is required, owner and
 * mode are only for a UNIX socket, whose owner defaults to the
 * program's user= (and that user's group) when that is not tendd's.
 */
void
cfg_fcgi_check(struct loader *ld, const struct rsec *s, struct conf_proc *t,
    int owner_line)
{
	struct conf_fcgi *f = t->fcgi;

	if (f == NULL || f->socket == NULL) {
		cfg_lerr(ld, s->file, s->line, "[%s] has no socket=", s->name);
		return;
	}
	if (f->path == NULL) {
		if (f->owner != NULL || f->mode != -1)
			cfg_lerr(ld, s->file, owner_line,
			    "socket_owner and socket_mode are only for a unix:// socket (socket=%s)",
			    f->socket);
		return;
	}
	if (f->owner == NULL && t->user != NULL && t->uid != getuid()) {
		f->uid = t->uid;
		f->gid = t->gid;
	}
}

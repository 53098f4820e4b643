/*
 * fcgisock.c: the listening sockets of [fcgi-program:x] (fcgisock.h).
 *
 * Owns: binding them as supervisord 4.2 does (datatypes.py: TCP with
 * SO_REUSEADDR; UNIX: a stale socket file removed, bound, chown, chmod,
 * then listen with socket_backlog or SOMAXCONN), keeping them by URL,
 * and carrying them across a reexec.  The sockets stay blocking: the
 * workers share the open file description, and O_NONBLOCK on it would be
 * theirs too.  Leaves alone: what a worker is and when it runs (fsm.c);
 * spawn.c puts the fd on the child's 0.
 */
#include "fcgisock.h"

#include "handover.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct fsock {
	char *url;  /* the key: conf_fcgi's socket */
	char *path; /* UNIX: the file tendd made, NULL for TCP */
	dev_t dev;  /* UNIX: the file's identity, to unlink only ours */
	ino_t ino;
	int fd;
	int mode; /* as applied: -1 (TCP), else the file's mode */
	uid_t uid;
	gid_t gid;
	int backlog;
	bool named; /* by the config being synced */
};

static struct {
	struct fsock *v;
	size_t n, cap;
	bool registered;
} fs;

static struct fsock *
fsock_find(const char *url)
{
	size_t i;

	for (i = 0; i < fs.n; i++)
		if (strcmp(fs.v[i].url, url) == 0)
			return &fs.v[i];
	return NULL;
}

static void
fsock_save(struct handover_w *w)
{
	size_t i;

	handover_put_u64(w, fs.n);
	for (i = 0; i < fs.n; i++) {
		struct fsock *s = &fs.v[i];

		handover_put_str(w, s->url);
		handover_put_str(w, s->path);
		handover_put_u64(w, (uint64_t)s->dev);
		handover_put_u64(w, (uint64_t)s->ino);
		handover_put_i64(w, s->mode);
		handover_put_i64(w, s->uid == (uid_t)-1 ? -1 : (int64_t)s->uid);
		handover_put_i64(w, s->gid == (gid_t)-1 ? -1 : (int64_t)s->gid);
		handover_put_i64(w, s->backlog);
		handover_put_fd(w, s->fd, HANDOVER_FD_SOCKET, 0);
	}
}

/* Room for one more; the reexec section exists from the first socket
 * on (a tendd without any writes none). */
static struct fsock *
fsock_new(void)
{
	struct fsock *nv;

	if (!fs.registered) {
		handover_register("fcgisock", fsock_save);
		fs.registered = true;
	}
	if (fs.n == fs.cap) {
		nv = reallocarray(fs.v, fs.cap ? fs.cap * 2 : 4, sizeof(*nv));
		if (nv == NULL)
			return NULL;
		fs.v = nv;
		fs.cap = fs.cap ? fs.cap * 2 : 4;
	}
	memset(&fs.v[fs.n], 0, sizeof(fs.v[fs.n]));
	fs.v[fs.n].fd = -1;
	return &fs.v[fs.n++];
}

void
fcgisock_init(void)
{
	struct handover_r *r = handover_section("fcgisock");
	uint64_t n, i;
	struct fsock *s;
	int64_t uid, gid;

	if (r == NULL)
		return;
	n = handover_get_u64(r);
	for (i = 0; i < n && handover_ok(r); i++) {
		if ((s = fsock_new()) == NULL)
			fatal("fcgi-program sockets");
		s->url = handover_get_str(r);
		s->path = handover_get_str(r);
		s->dev = (dev_t)handover_get_u64(r);
		s->ino = (ino_t)handover_get_u64(r);
		s->mode = (int)handover_get_i64(r);
		uid = handover_get_i64(r);
		gid = handover_get_i64(r);
		s->uid = uid < 0 ? (uid_t)-1 : (uid_t)uid;
		s->gid = gid < 0 ? (gid_t)-1 : (gid_t)gid;
		s->backlog = (int)handover_get_i64(r);
		s->fd = handover_get_fd(r);
		if (s->url == NULL) {
			s->url = strdup("");
			if (s->url == NULL)
				fatal("fcgi-program sockets");
		}
	}
	handover_end(r);
}

/* Our fd, kept >= 3: a child's 0, 1 and 2 are placed by dup3(). */
static int
fd_high(int fd)
{
	int hi;

	if (fd >= 3)
		return fd;
	hi = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	(void)close(fd);
	return hi;
}

static int
bind_tcp(const struct conf_fcgi *f, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char port[16];
	int fd, one = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET; /* supervisord: socket.AF_INET */
	hints.ai_socktype = SOCK_STREAM;
	(void)snprintf(port, sizeof(port), "%d", f->port);
	if ((rc = getaddrinfo(f->host, port, &hints, &res)) != 0) {
		(void)snprintf(err, errlen, "%s: %s", f->host,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		(void)snprintf(err, errlen, "socket: %s", strerror(errno));
		freeaddrinfo(res);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
		(void)snprintf(err, errlen, "bind: %s", strerror(errno));
		freeaddrinfo(res);
		(void)close(fd);
		return -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* A socket file left by an earlier run is replaced; anything else at
 * the path is refused (supervisord would remove it). */
static int
unlink_stale(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		(void)snprintf(err, errlen, "lstat: %s", strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		(void)snprintf(err, errlen, "%s exists and is not a socket",
		    path);
		return -1;
	}
	if (unlink(path) < 0) {
		(void)snprintf(err, errlen, "unlink: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
bind_unix(const struct conf_fcgi *f, struct fsock *s, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path);
	if (unlink_stale(f->path, err, errlen) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		(void)snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		(void)snprintf(err, errlen, "bind: %s", strerror(errno));
		(void)close(fd);
		return -1;
	}
	s->mode = f->mode >= 0 ? f->mode : 0700;
	s->uid = f->uid;
	s->gid = f->gid;
	if ((f->uid != (uid_t)-1 && chown(f->path, f->uid, f->gid) < 0) ||
	    chmod(f->path, (mode_t)s->mode) < 0 || stat(f->path, &st) < 0) {
		(void)snprintf(err, errlen, "%s: %s",
		    f->uid != (uid_t)-1 ? "chown/chmod" : "chmod",
		    strerror(errno));
		(void)unlink(f->path);
		(void)close(fd);
		return -1;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return fd;
}

/* Bind F's socket into S (fields set only on success). */
static int
fsock_bind(struct fsock *s, const struct conf_fcgi *f, char *err,
    size_t errlen)
{
	int fd, backlog = f->backlog > 0 ? f->backlog : SOMAXCONN;

	s->mode = -1;
	s->uid = (uid_t)-1;
	s->gid = (gid_t)-1;
	fd = f->path != NULL ? bind_unix(f, s, err, errlen)
	                     : bind_tcp(f, err, errlen);
	if (fd < 0)
		return -1;
	if (listen(fd, backlog) < 0) {
		(void)snprintf(err, errlen, "listen: %s", strerror(errno));
		if (f->path != NULL)
			(void)unlink(f->path);
		(void)close(fd);
		return -1;
	}
	if ((fd = fd_high(fd)) < 0) {
		(void)snprintf(err, errlen, "fcntl: %s", strerror(errno));
		return -1;
	}
	if ((s->url = strdup(f->socket)) == NULL ||
	    (f->path != NULL && (s->path = strdup(f->path)) == NULL)) {
		(void)snprintf(err, errlen, "%s", strerror(ENOMEM));
		free(s->url);
		s->url = NULL;
		(void)close(fd);
		return -1;
	}
	s->fd = fd;
	s->backlog = f->backlog;
	log_info("created socket %s for fcgi-program workers", s->url);
	return 0;
}

/* A new socket for F, or -1 with ERR. */
static struct fsock *
fsock_add(const struct conf_fcgi *f, char *err, size_t errlen)
{
	struct fsock *s = fsock_new();

	if (s == NULL) {
		(void)snprintf(err, errlen, "%s", strerror(ENOMEM));
		return NULL;
	}
	if (fsock_bind(s, f, err, errlen) < 0) {
		fs.n--;
		return NULL;
	}
	return s;
}

/* A kept socket takes a reload's socket_owner, socket_mode and
 * socket_backlog (a second listen(2) sets the backlog). */
static void
fsock_update(struct fsock *s, const struct conf_fcgi *f)
{
	int mode = f->mode >= 0 ? f->mode : 0700;

	if (f->path != NULL && (f->uid != s->uid || f->gid != s->gid) &&
	    f->uid != (uid_t)-1) {
		if (chown(f->path, f->uid, f->gid) < 0)
			log_warn("socket %s: chown", s->url);
		s->uid = f->uid;
		s->gid = f->gid;
	}
	if (f->path != NULL && mode != s->mode) {
		if (chmod(f->path, (mode_t)mode) < 0)
			log_warn("socket %s: chmod", s->url);
		s->mode = mode;
	}
	if (f->backlog != s->backlog) {
		if (listen(s->fd, f->backlog > 0 ? f->backlog : SOMAXCONN) < 0)
			log_warn("socket %s: listen", s->url);
		s->backlog = f->backlog;
	}
}

/* Close S; its file goes too if it is still the one tendd made. */
static void
fsock_drop(struct fsock *s)
{
	struct stat st;

	if (s->path != NULL && lstat(s->path, &st) == 0 &&
	    st.st_dev == s->dev && st.st_ino == s->ino)
		(void)unlink(s->path);
	if (s->fd >= 0)
		(void)close(s->fd);
	log_info("closed socket %s", s->url);
	free(s->url);
	free(s->path);
}

int
fcgisock_sync(const struct tend_conf *conf, char *err, size_t errlen)
{
	struct fsock *s;
	char why[256];
	size_t i, j;
	int rc = 0;

	for (i = 0; i < fs.n; i++)
		fs.v[i].named = false;
	for (i = 0; i < conf->nprocs; i++) {
		const struct conf_fcgi *f = conf->procs[i]->fcgi;

		if (f != NULL && (s = fsock_find(f->socket)) != NULL &&
		    !s->named) {
			s->named = true;
			fsock_update(s, f);
		}
	}
	/* First those no longer named: a new URL may be the same address
	 * ("localhost" for "127.0.0.1"). */
	for (i = j = 0; i < fs.n; i++) {
		if (fs.v[i].named)
			fs.v[j++] = fs.v[i];
		else
			fsock_drop(&fs.v[i]);
	}
	fs.n = j;
	for (i = 0; i < conf->nprocs; i++) {
		const struct conf_proc *p = conf->procs[i];

		if (p->fcgi == NULL || fsock_find(p->fcgi->socket) != NULL)
			continue;
		if (fsock_add(p->fcgi, why, sizeof(why)) == NULL && rc == 0) {
			(void)snprintf(err, errlen,
			    "[fcgi-program:%s] socket %s: %s", p->program,
			    p->fcgi->socket, why);
			rc = -1;
		}
	}
	return rc;
}

int
fcgisock_fd(const struct conf_fcgi *f, char *err, size_t errlen)
{
	struct fsock *s = fsock_find(f->socket);
	char why[256];

	if (s == NULL && (s = fsock_add(f, why, sizeof(why))) == NULL) {
		(void)snprintf(err, errlen, "socket %s: %s", f->socket, why);
		return -1;
	}
	return s->fd;
}

void
fcgisock_close(void)
{
	size_t i;

	for (i = 0; i < fs.n; i++)
		fsock_drop(&fs.v[i]);
	free(fs.v);
	memset(&fs, 0, sizeof(fs));
}

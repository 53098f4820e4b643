/*
 * ctlsock.c: the control socket's file: a stale one of a dead tendd
 * replaced, a live one never stolen, its directory checked, its mode and
 * owner set with no moment more open than asked.  No clients here (ctl.c).
 */
#include "ctlsock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Is a tendd answering on PATH?  1 yes, 0 no (stale or absent), -1 error
 * (ERR says). */
static int
ctlsock_alive(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	int fd, alive;

	if (lstat(sun->sun_path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		(void)snprintf(err, errlen, "%s: lstat: %s", sun->sun_path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		(void)snprintf(err, errlen,
		    "%s: exists and is not a socket; refusing to replace it",
		    sun->sun_path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	         0)) == -1) {
		(void)snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* ECONNREFUSED: nobody listens, the file is stale.  EAGAIN: the
	 * backlog is full, which means someone listens (unix(7)). */
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
	    errno == EAGAIN)
		alive = 1;
	else if (errno == ECONNREFUSED)
		alive = 0;
	else {
		(void)snprintf(err, errlen, "%s: connect: %s", sun->sun_path,
		    strerror(errno));
		alive = -1;
	}
	(void)close(fd);
	return alive;
}

/* The socket's directory must not be someone else's to swap files in. */
static int
ctlsock_check_dir(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;
	struct stat st;

	(void)snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		(void)snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) == -1) {
		(void)snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		(void)snprintf(err, errlen,
		    "%s: owned by uid %u, not by root or us; refusing to put the control socket there",
		    dir, (unsigned)st.st_uid);
		return -1;
	}
	return 0;
}

int
ctlsock_listen(const char *path, int mode, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd, alive;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		(void)snprintf(err, errlen,
		    "%s: control socket path too long (limit %zu bytes)", path,
		    sizeof(sun.sun_path) - 1);
		return -1;
	}
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (ctlsock_check_dir(path, err, errlen) == -1)
		return -1;
	if ((alive = ctlsock_alive(&sun, err, errlen)) == -1)
		return -1;
	if (alive) {
		(void)snprintf(
		    err, errlen, "another tendd is listening on %s", path);
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		(void)snprintf(err, errlen, "%s: unlink stale socket: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	         0)) == -1) {
		(void)snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* bind(2) creates the file with 0777 & ~umask: a tight umask means
	 * it is never more open than 0600 before chmod narrows or widens it
	 * to the configured mode. */
	old = umask(0177);
	if (bind(fd, (const struct sockaddr *)&sun, sizeof(sun)) == -1) {
		(void)snprintf(
		    err, errlen, "%s: bind: %s", path, strerror(errno));
		(void)umask(old);
		(void)close(fd);
		return -1;
	}
	(void)umask(old);
	if (chmod(path, (mode_t)mode) == -1) {
		(void)snprintf(err, errlen, "%s: chmod(%04o): %s", path,
		    (unsigned)mode, strerror(errno));
		goto fail;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    chown(path, uid, gid) == -1) {
		(void)snprintf(err, errlen, "%s: chown(%d:%d): %s", path,
		    (int)uid, (int)gid, strerror(errno));
		goto fail;
	}
	if (listen(fd, SOMAXCONN) == -1) {
		(void)snprintf(
		    err, errlen, "%s: listen: %s", path, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	(void)unlink(path);
	(void)close(fd);
	return -1;
}

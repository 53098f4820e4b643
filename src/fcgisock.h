/*
 * fcgisock.h: the listening sockets of [fcgi-program:x].
 *
 * tendd binds each socket= before the program's workers start and gives
 * it to every one of them as its fd 0 (spawn_opts.stdin_fd).  A socket is
 * kept, under its URL, while the config names it: across the workers'
 * restarts (a client connecting meanwhile waits in the backlog), across
 * reloads that keep socket=, and across a reexec (handover).  supervisord
 * closes it when its last worker has exited and binds it again at the
 * next spawn; tend does not (tend.conf(5)).  With no [fcgi-program:x]
 * this room holds nothing: no fd, no allocation.
 */
#ifndef TEND_FCGISOCK_H
#define TEND_FCGISOCK_H

#include "config.h"

#ifdef HAVE_FCGI
/* At start-up, after the config and before anything is spawned: take
 * the sockets of a hand-over back, if tendd re-executed. */
void fcgisock_init(void);

/*
 * Make the sockets match CONF: bind those it names that tendd does not
 * hold, apply socket_owner=, socket_mode= and socket_backlog= to those it
 * holds, close (and unlink) those it no longer names.  -1: a socket could
 * not be bound, ERR says which and why ("[fcgi-program:php] socket
 * unix:///run/php.sock: bind: Permission denied"); the others are done.
 */
int fcgisock_sync(const struct tend_conf *conf, char *err, size_t errlen);

/* The socket of F for a spawn, bound now if an earlier try failed; -1
 * with ERR when it cannot be. */
int fcgisock_fd(const struct conf_fcgi *f, char *err, size_t errlen);

/* At exit: close every socket, unlink the UNIX ones tendd made. */
void fcgisock_close(void);
#else
/* Built --disable-fcgi: no [fcgi-program:x] loads, so there is no
 * socket to hold (config_read.c refuses the section). */
static inline void
fcgisock_init(void)
{
}
static inline int
fcgisock_sync(const struct tend_conf *conf, char *err, size_t errlen)
{
	(void)conf;
	(void)err;
	(void)errlen;
	return 0;
}
static inline int
fcgisock_fd(const struct conf_fcgi *f, char *err, size_t errlen)
{
	(void)f;
	(void)snprintf(err, errlen, "FastCGI programs are not built in");
	return -1;
}
static inline void
fcgisock_close(void)
{
}
#endif

#endif /* TEND_FCGISOCK_H */

/*
 * http.h: tendd's HTTP front end for supervisord's clients: XML-RPC on
 * POST /RPC2 (xmlrpc.c), the /logtail and /mainlogtail streams.  It is
 * served on the control socket (ctl.c hands over a connection whose
 * first byte starts an HTTP method) and on [inet_http_server] port=.
 * libmicrohttpd runs inside tendd's one libev loop, started at the first
 * connection: a tendd nobody talks HTTP to pays nothing for it.
 */
#ifndef TEND_HTTP_H
#define TEND_HTTP_H

#include "tend.h"
#include "config.h"

#include <ev.h>
#include <sys/types.h>

/*
 * Take G's HTTP settings (credentials, the TCP listener's address) and
 * open [inet_http_server]'s listener if one is configured.  -1: ERR says
 * why (a bad address, bind failed).
 */
int http_init(struct ev_loop *loop, const struct conf_global *g, char *err,
    size_t errlen);

/* A control socket connection whose peer (PID, UID by SO_PEERCRED) spoke
 * HTTP: http.c owns FD from now on (closes it on any failure). */
void http_adopt_unix(int fd, pid_t pid, uid_t uid);

/*
 * Take G's credentials ([unix_http_server] and [inet_http_server]
 * username/password), http_probes_public and identifier: at start-up
 * and after each reload.  1 when the credentials changed (they apply to
 * the next request), 0 when not, -1 (ENOMEM) when the new ones could
 * not be taken: then every request that needs credentials is refused
 * (401) until a later call succeeds; the old password never stays.
 */
int http_configure(const struct conf_global *g);

/* Close every connection and the listener. */
void http_close(void);

#endif /* TEND_HTTP_H */

/*
 * ctlsock.h: creating the control socket's file and listening on it.
 */
#ifndef TEND_CTLSOCK_H
#define TEND_CTLSOCK_H

#include "tend.h"

/*
 * Listen on PATH (a UNIX stream socket, non-blocking, close-on-exec) with
 * MODE and, when not -1, owner UID and group GID.  A stale socket file
 * from a dead tendd is replaced; a live one (connect() succeeds) is never
 * stolen: -1 with ERR "another tendd is listening on PATH".  The
 * directory must exist and belong to root or to us.  The fd, or -1 with
 * ERR filled.
 */
int ctlsock_listen(const char *path, int mode, uid_t uid, gid_t gid,
    char *err, size_t errlen);

#endif /* TEND_CTLSOCK_H */

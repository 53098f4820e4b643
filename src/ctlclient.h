/*
 * ctlclient.h: tendctl's side of the control protocol: finding the socket,
 * connecting with a timeout, the version exchange, sending a request and
 * reading its reply frames.  Blocking I/O with deadlines; no formatting
 * (tendctl.c prints).
 */
#ifndef TEND_CTLCLIENT_H
#define TEND_CTLCLIENT_H

#include "tend.h"
#include "proto.h"

#define CTLC_CONNECT_TIMEOUT 5.0 /* seconds for connect() and HELLO */
#define CTLC_REPLY_TIMEOUT 30.0  /* seconds for a reply to a quick verb */
#define CTLC_FOREVER (-1.0)      /* start/stop/shutdown: tendd bounds it */

struct ctlc {
	int fd;
	uint32_t nextid;
	char path[108];
	char server[64]; /* "tend 0.1.0", from tendd's HELLO */
	long server_pid;
	uint32_t version; /* the protocol version tendd chose */
	unsigned char buf[PROTO_MAX_FRAME]; /* a request being packed */
	/* Replies are read in as large pieces as the socket holds and cut
	 * into frames here: one read per many small records, not two. */
	unsigned char rbuf[2 * PROTO_MAX_FRAME];
	size_t rlen, roff; /* bytes in rbuf; the next frame's offset */
};

/* A request: its type, options (OPTS[2i] a key, OPTS[2i+1] its value),
 * arguments. */
struct ctlc_req {
	uint16_t type;
	const char *const *opts;
	int nopts;
	char *const *argv;
	int argc;
};

/*
 * Connect to the tendd at PATH and exchange versions.  -1 with ERR filled:
 * "cannot reach tendd at PATH: REASON" when the socket cannot be reached
 * (tendctl exits 4), or tendd's own refusal (permission, version).
 */
int ctlc_open(struct ctlc *c, const char *path, char *err, size_t errlen);
void ctlc_close(struct ctlc *c);

/*
 * ctlc_open() and ctlc_request() in one: the HELLO and the request go out
 * in one write, so a short verb costs tendd one wake-up and the client
 * one round trip (a request with options waits for the HELLO first: how
 * to send them depends on tendd's version).  Errors as ctlc_open's (tendctl exits 4).
 */
int ctlc_open_request(struct ctlc *c, const char *path,
    const struct ctlc_req *rq, uint32_t *id, char *err, size_t errlen);

/* Send RQ, encoded for the protocol version tendd chose (protocol 8: the
 * variants that options replaced); its id goes in *ID. */
int ctlc_request(struct ctlc *c, const struct ctlc_req *rq, uint32_t *id,
    char *err, size_t errlen);

/*
 * Read the next frame into M (valid until the next read), waiting at most
 * TIMEOUT seconds (CTLC_FOREVER: no limit).  -1 with ERR on a timeout, a
 * malformed frame, or EOF ("tendd closed the connection"); on EOF errno
 * is 0.
 */
int ctlc_read(struct ctlc *c, struct proto_msg *m, double timeout, char *err,
    size_t errlen);

/* Wait until tendd closes the connection (after shutdown). */
int ctlc_wait_eof(struct ctlc *c, char *err, size_t errlen);

/*
 * The control socket named in the config FILE: [tend] socket, else
 * [unix_http_server] file, else [supervisorctl] serverurl=unix://PATH,
 * with %(here)s and %(ENV_X)s expanded.  Only those keys are read; the
 * rest of the file need not be valid.  1: found (BUF filled); 0: none
 * set; -1: FILE cannot be read (ERR says why).
 */
int ctlc_socket_from_config(
    const char *file, char *buf, size_t len, char *err, size_t errlen);

#endif /* TEND_CTLCLIENT_H */

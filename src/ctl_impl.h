/*
 * ctl_impl.h: what ctl.c (the socket server: accept, peers, limits,
 * reading and dispatching frames) shares with ctl_out.c (a client's
 * output: frames, the reply sink, flushing); nothing else includes it.
 */
#ifndef TEND_CTL_IMPL_H
#define TEND_CTL_IMPL_H

#include "ctl.h"
#include "proto.h"
#include "req.h"

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#define CTL_MAX_CLIENTS 64
#define CTL_DEADLINE 10.0       /* seconds for a partial frame or reply */
#define CTL_PAUSE 1.0           /* seconds the listener rests on EMFILE */
#define CTL_OUT_MAX (16u << 20) /* bytes of unsent reply per client */
#define CTL_WARN_BURST 10       /* warnings about clients per period */
#define CTL_WARN_PERIOD 10.0    /* seconds */
#define CTL_ACCEPT_BATCH 8      /* accepts per turn: clients get read */
/* A client's first input buffer: requests are small; it grows for a
 * larger frame, up to PROTO_MAX_FRAME. */
#define CTL_IN_START 512
/* Queued reply bytes that are sent at once, while the reply is built. */
#define CTL_FLUSH_AT 32768
/*
 * The listener's and the clients' watchers run first in a loop turn
 * (libev invokes pending watchers by priority, ev(3) "WATCHER
 * PRIORITY MODELS"): with services crash-looping, a turn also holds a
 * batch of exits and restarts (reap.c's REAP_BUDGET), and a status call
 * should not wait behind them.
 */
#define CTL_PRIORITY EV_MAXPRI

struct ctl_client {
	struct ctl_client *next;
	ev_io rio;
	ev_io wio;
	ev_timer deadline;
	int fd;
	uid_t uid;
	pid_t pid;
	bool hello;            /* versions agreed */
	uint32_t version;      /* the protocol version agreed */
	bool closing;          /* close once the output is sent */
	bool dropped;          /* output discarded: close at the next chance */
	bool reserved;         /* holds the reserve descriptor's slot */
	uint32_t id;           /* of the request in flight */
	struct req rq;         /* the request in flight (rq.live) */
	struct proto_writer w; /* the record being packed, in OUT */
	uint64_t active;       /* ctl.tick of its last progress (eviction) */
	unsigned char *in;     /* INCAP bytes, grown for a larger frame */
	size_t incap, inlen;
	size_t inneed; /* frame size, once the header is in */
	unsigned char *out;
	size_t outlen, outoff, outcap;
	bool outfull; /* the socket took no more: wait for the write watcher */
};

/* The room's state: one control socket per tendd. */
struct ctl_state {
	struct ev_loop *loop;
	int fd;
	/* A descriptor kept open (/dev/null) so that one client can be
	 * served when tendd has none left (EMFILE): accept() takes its slot;
	 * it is opened again when that client goes. */
	int reserve;
	ev_io lio;
	ev_timer pause;
	struct ctl_client *clients;
	uid_t socket_uid;
	gid_t socket_gid;
	int socket_mode;
	uint64_t tick; /* counts client progress, for eviction */
	/* ctl_warn()'s budget */
	double warn_start;
	unsigned warn_n;
	unsigned long warn_dropped;
};
extern struct ctl_state ctl;

/* ctl.c */
void ctl_warn(const char *fmt, ...) TEND_PRINTF(1, 2);
void ctl_client_free(struct ctl_client *c);

/* ctl_out.c */
extern const struct req_sink_ops ctl_sink_ops;
void ctl_send_error(struct ctl_client *c, const char *msg);
void ctl_fail(struct ctl_client *c, uint32_t id, const char *why);
void ctl_frame_begin(struct ctl_client *c, uint16_t type);
void ctl_frame_end(struct ctl_client *c);
int ctl_flush(struct ctl_client *c);
void ctl_write_cb(struct ev_loop *loop, ev_io *w, int revents);

#endif /* TEND_CTL_IMPL_H */

/*
 * proto.h: the control protocol between tendctl and tendd.
 *
 * A frame is a 4-byte big-endian length (of what follows it), then a u16
 * message type, a u32 request id, then a body.  Everything is packed field
 * by field in network byte order; nothing is ever a struct memcpy.  A body
 * is a sequence of fields, each a u32 or a string.  A string is a u16
 * length N, N bytes holding no NUL, and a NUL byte, so a decoded string can
 * be used in place as a C string.  A whole frame (length field included) is
 * at most PROTO_MAX_FRAME bytes; a reader checks that from the first four
 * bytes, before it buffers anything more.
 *
 * A session: the client sends HELLO (u32 the lowest protocol version it
 * speaks, str its name and version, u32 the highest; a client of protocol
 * 8 sent no highest: it speaks only the lowest); the server picks the
 * highest version both speak and answers HELLO (u32 that version, str
 * "tend X.Y.Z", u32 its pid), or ERROR and closes when there is none.
 * (A server of protocol 8 accepts a HELLO whose first field is 8 and
 * ignores what follows: so a newer client opens with 8.)  Then each
 * request (a PROTO_REQ_* message, a row of req.def; body: from protocol 9
 * an optional options block, then strings, its arguments) is answered,
 * under the same
 * request id, by zero or more RECORDs (key/value string pairs, so records
 * can grow new keys) and one END, or by one ERROR (the request failed as a
 * whole).  A malformed frame, an unknown type or a request before HELLO
 * gets an ERROR and the server closes the connection.
 *
 * This file does no I/O: it packs into and parses out of caller buffers.
 */
#ifndef TEND_PROTO_H
#define TEND_PROTO_H

#include "tend.h"

/*
 * Bump PROTO_VERSION on EVERY change to the wire format or to the meaning
 * of a message, a key or a fault code.  Message numbers are never reused:
 * retire a number by leaving it out, never by giving it a new meaning.
 */
#define PROTO_VERSION 11 /* 2: DATA, tail, maintail, clear, reopen;
			   3: reread, update, add, remove, reload,
			   rolling restart;
			   4: events, start/stop/restart with a timeout,
			   exit_uptime/exit_time in status;
			   5: metrics;
			   6: ps, tracking/rss/pss/cpu in status;
			   7: STATUS is the table's fields, STATUS_FULL the rest;
			   8: STATUS only fullname, state, description;
			   9: version ranges in HELLO, request options
			   (START/STOP/RESTART timeout, STATUS full);
			   10: REEXEC;
			   11: STDIN */
/* The oldest version this side still speaks: a new tendctl can still
 * status and shut down a tendd of protocol 8. */
#define PROTO_VERSION_MIN 8

#define PROTO_MAX_FRAME 65536 /* bytes, the length field included */
#define PROTO_LEN_SIZE 4      /* the length field */
#define PROTO_HDR_SIZE 10     /* length + type + request id */
#define PROTO_MAX_BODY (PROTO_MAX_FRAME - PROTO_HDR_SIZE)

enum proto_type {
	/* 1..99: session and replies */
	PROTO_HELLO = 1,  /* both ways: u32 version, str software[, u32 pid] */
	PROTO_ERROR = 2,  /* server: str message */
	PROTO_END = 3,    /* server: the reply to a request is complete */
	PROTO_RECORD = 4, /* server: key/value string pairs */
	PROTO_DATA = 5,   /* server: raw bytes (log output), the whole body */

	/* 100..: requests, one per row of req.def (their arguments and
	 * replies are documented there); body: strings, the arguments */
#define REQ(name, num, handler, flags, opts, verb) PROTO_REQ_##name = num,
#include "req.def"
#undef REQ
	/* Retired with protocol 9 (numbers never reused); tendd still
	 * decodes them: START/STOP/RESTART with the first string a timeout
	 * in seconds, STATUS with every field. */
	PROTO_REQ_START_T = 131,
	PROTO_REQ_STOP_T = 132,
	PROTO_REQ_RESTART_T = 133,
	PROTO_REQ_STATUS_FULL = 160,
};

/*
 * Per-process results (supervisord's faults) in the "fault" key of result
 * records.  Never renumber.
 */
enum proto_fault {
	PROTO_F_OK = 0,
	PROTO_F_NO_SUCH_PROCESS = 1,
	PROTO_F_ALREADY_STARTED = 2,
	PROTO_F_NOT_RUNNING = 3,
	PROTO_F_SPAWN_ERROR = 4,
	PROTO_F_ABNORMAL_TERMINATION = 5,
	PROTO_F_BAD_SIGNAL = 6,
	PROTO_F_FAILED = 7, /* "detail" says why */
	PROTO_F_SHUTTING_DOWN = 8,
	PROTO_F_TIMED_OUT = 9, /* start/stop -t: not there in time */
};

/*
 * A request's options (protocol 9): first in its body, u16
 * PROTO_OPTS_MARK (never the length of a string: those are shorter), u16
 * N, then N pairs of strings (key, value).  Without the block a request is
 * as protocol 8 sent it.
 */
#define PROTO_OPTS_MARK 0xffff
#define PROTO_MAX_OPTS 16

/* The version a side speaking PROTO_VERSION_MIN..PROTO_VERSION picks for
 * a peer speaking LO..HI: the highest both speak, -1 if none. */
int proto_pick_version(uint32_t lo, uint32_t hi);

/* "already started" etc.: supervisorctl's words for F; "" for OK. */
const char *proto_fault_text(int f);

/* A frame being packed into a caller buffer. */
struct proto_writer {
	unsigned char *buf;
	size_t cap; /* at most PROTO_MAX_FRAME is ever used */
	size_t len;
	bool overflow; /* a put did not fit: proto_finish() fails */
};

/* Start a frame of TYPE for request ID in BUF (CAP bytes). */
void proto_begin(
    struct proto_writer *w, void *buf, size_t cap, uint16_t type, uint32_t id);
void proto_put_u32(struct proto_writer *w, uint32_t v);
/* S must hold no more than UINT16_MAX - 1 bytes (it is cut otherwise,
 * and the frame fails). */
void proto_put_str(struct proto_writer *w, const char *s);
void proto_put_kv(struct proto_writer *w, const char *key, const char *value);
/* N raw bytes (a DATA body: nothing may follow them). */
void proto_put_bytes(struct proto_writer *w, const void *buf, size_t n);
void proto_put_kvf(struct proto_writer *w, const char *key, const char *fmt,
    ...) TEND_PRINTF(3, 4);
/* The options block: N pairs, KV[2i] the key and KV[2i+1] the value.
 * Nothing for N == 0. */
void proto_put_opts(struct proto_writer *w, const char *const *kv, int n);
/* Seal the frame; returns its size, or -1 (errno EMSGSIZE) if it did not
 * fit in the buffer or in PROTO_MAX_FRAME. */
ssize_t proto_finish(struct proto_writer *w);

/*
 * How long is the frame at the start of BUF (LEN bytes buffered)?  >0:
 * the whole frame's size (it may not all be there yet); 0: fewer than
 * PROTO_LEN_SIZE bytes, read more; -1: the announced size is below the
 * header or above PROTO_MAX_FRAME, ERR says so.  Call it as soon as four
 * bytes are in, to refuse an oversized frame before buffering it.
 */
ssize_t proto_frame_size(const void *buf, size_t len, char *err, size_t errlen);

/* A decoded frame; points into the caller's buffer. */
struct proto_msg {
	uint16_t type;
	uint32_t id;
	const unsigned char *body;
	size_t bodylen;
	size_t off; /* read cursor in body */
};

/*
 * Decode the complete frame FRAME of LEN bytes (as proto_frame_size()
 * said).  -1 with ERR filled if the length disagrees or the type is
 * unknown; the header fields of M are still filled when they could be
 * read (so an error reply can carry the request id).
 */
int proto_decode(const void *frame, size_t len, struct proto_msg *m, char *err,
    size_t errlen);
/* Read the next field.  0 ok; -1 if the body ends or is malformed. */
int proto_get_u32(struct proto_msg *m, uint32_t *v);
int proto_get_str(struct proto_msg *m, const char **s);
/* An options block at the cursor: up to MAX pairs into KV (2 * MAX
 * pointers into the body), the cursor past it.  The number of pairs; 0
 * when the body does not start with one; -1 if malformed or over MAX. */
int proto_get_opts(struct proto_msg *m, const char **kv, int max);
/* The rest of the body, raw (a DATA frame's bytes). */
void proto_get_rest(struct proto_msg *m, const unsigned char **p, size_t *n);
/* True when every field has been read. */
bool proto_at_end(const struct proto_msg *m);
/*
 * Check that the rest of M's body is only well-formed strings; returns
 * how many (for records: an even number is required by the caller), -1
 * if malformed.  The cursor is not moved.
 */
int proto_count_strs(const struct proto_msg *m);
/* Find KEY in a record (the body from the cursor on is key/value pairs);
 * NULL if absent or malformed. */
const char *proto_record_get(const struct proto_msg *m, const char *key);

/* "HELLO", "REQ_STATUS"... or NULL if TYPE is unknown. */
const char *proto_type_name(uint16_t type);

/*
 * The default control socket: /run/tend/tend.sock for root, else
 * $XDG_RUNTIME_DIR/tend.sock when that is set to an absolute path, else
 * /tmp/tend-UID/tend.sock.  -1 (errno ENAMETOOLONG) if it does not fit.
 * Shared by tendd and tendctl so that both agree.
 */
int proto_default_socket(char *buf, size_t len);

#endif /* TEND_PROTO_H */

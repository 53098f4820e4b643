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
 * A session: the client sends HELLO (u32 PROTO_VERSION, str its name and
 * version); the server answers HELLO (u32 PROTO_VERSION, str "tend X.Y.Z",
 * u32 its pid) or ERROR and closes.  Then each request (a PROTO_REQ_*
 * message, body: strings, its arguments) is answered, under the same
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
#define PROTO_VERSION 8 /* 2: DATA, tail, maintail, clear, reopen;
			   3: reread, update, add, remove, reload,
			   rolling restart;
			   4: events, start/stop/restart with a timeout,
			   exit_uptime/exit_time in status;
			   5: metrics;
			   6: ps, tracking/rss/pss/cpu in status;
			   7: STATUS is the table's fields, STATUS_FULL the rest;
			   8: STATUS only fullname, state, description */

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

	/* 100..: requests from tendctl; body: strings (the arguments) */
	PROTO_REQ_STATUS = 100,   /* [names...]: one record per process */
				  /* (see STATUS_FULL for --json) */
	PROTO_REQ_START = 101,    /* names...: one result per process */
	PROTO_REQ_STOP = 102,     /* names... */
	PROTO_REQ_RESTART = 103,  /* names...: stop results, start results */
	PROTO_REQ_SIGNAL = 104,   /* signal, names... */
	PROTO_REQ_PID = 105,      /* [names...]; none: tendd's own pid */
	PROTO_REQ_AVAIL = 106,    /* one record per configured process */
	PROTO_REQ_VERSION = 107,  /* one record: version, protocol */
	PROTO_REQ_SHUTDOWN = 108, /* END, then tendd shuts down */
	/* name, stdout|stderr, bytes|lines, count, 0|1 (follow): DATAs,
	 * a RECORD "skipped" when a follower was skipped ahead, then END
	 * (without follow; with it, when the process is removed) */
	PROTO_REQ_TAIL = 109,
	PROTO_REQ_MAINTAIL = 110, /* bytes|lines, count, 0|1: as TAIL */
	PROTO_REQ_CLEAR = 111,    /* names...: one result per process */
	PROTO_REQ_REOPEN = 112,   /* END once every log file is reopened */
	/* The reload family (120..129).  Replies: RECORDs "error" (each
	 * FILE:LINE: message of a refused config, then an ERROR), "note"
	 * (a global setting not applied, a config warning), "none" (no
	 * change), and per process name/fault/result[/detail]; update and
	 * reload send each result once that process got where the plan
	 * puts it. */
	PROTO_REQ_REREAD = 120,  /* result: available|changed|disappeared */
	PROTO_REQ_UPDATE = 121,  /* flags ("" or "n": dry run), [names...] */
	PROTO_REQ_ADD = 122,     /* names...: only new processes */
	PROTO_REQ_REMOVE = 123,  /* names...: only stopped processes */
	PROTO_REQ_RELOAD = 124,  /* flags: update of everything */
	PROTO_REQ_ROLLING = 125, /* batch size, names...: restart --rolling */
	/* 130..139: events and timed actions.
	 * EVENTS: since ("": from now on; N: every event after seq N),
	 * 0|1 (follow).  Replies: a RECORD "first"/"next" (the history
	 * held: seq range), then one RECORD per state change (seq, time,
	 * name, group, fullname, from, state, pid, description[, exit_code,
	 * exit_signal, exit_core]); a RECORD "lost" (count, next) when the
	 * history no longer holds what was asked for; "reset" when SINCE
	 * is past the last seq (tendd restarted).  Without follow, END
	 * once caught up; with it, the stream goes on. */
	PROTO_REQ_EVENTS = 130,
	/* As START/STOP/RESTART, the first string a timeout in seconds:
	 * processes not there in time get fault TIMED_OUT. */
	PROTO_REQ_START_T = 131,
	PROTO_REQ_STOP_T = 132,
	PROTO_REQ_RESTART_T = 133,
	/* 140..149: processes.
	 * PS: [names...].  Per process (a service), a RECORD kind=service
	 * (fullname, state, pid, tracking, nprocs, rss_kb, pss_kb, cpu_s,
	 * description), then one RECORD kind=proc per live OS process of
	 * it (fullname, pid, ppid, main 0|1, state (a letter), threads,
	 * rss_kb, pss_kb, cpu_s, cpu_pct, uptime, cmd); unknown names get
	 * a "no such process" record.  Then END. */
	PROTO_REQ_PS = 140,
	/* 150..159: monitoring.
	 * METRICS: no arguments.  Replies: a RECORD kind=tendd (version,
	 * protocol, pid, start_time, clients, clients_max,
	 * config_generation, processes, cpu_user, cpu_system, rss_bytes),
	 * then one RECORD kind=process per process (fullname, name, group,
	 * state, statecode, pid, spawns, backoff, start_time, uptime,
	 * log_dropped_bytes, exit 0|1 [exit_code, exit_signal,
	 * exit_time], and, while it runs and /proc answers, cpu_user,
	 * cpu_system (seconds), rss_bytes, pss_bytes, threads), then END.
	 * tendctl prints them in Prometheus's text format. */
	PROTO_REQ_METRICS = 150,
	/* 160..169: variants of the core verbs.
	 * STATUS_FULL: as STATUS, with every field status --json shows:
	 * times, spawns, logs, the last exit, and what /proc and the cgroup
	 * say (tracking, nprocs, rss_kb, pss_kb, cpu_s, leftovers,
	 * unkillable).  Plain STATUS carries only what the table shows
	 * (fullname, state, description), so the everyday `status` stays
	 * cheap with thousands of processes. */
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

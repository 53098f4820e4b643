/*
 * lsnproto.h: supervisord's event listener protocol, the pure part.
 *
 * A listener's stdout is read as supervisord's PEventListenerDispatcher
 * reads it (dispatchers.py, handle_listener_state_change): "READY\n" in
 * ACKNOWLEDGED makes it READY; in BUSY a result line "RESULT <len>\n"
 * (the first 7 bytes are not checked, as there) and <len> bytes of result
 * follow, "OK" accepting the event and anything else rejecting it;
 * anything else, or any byte while READY, is a protocol violation
 * (UNKNOWN: no more events until the process is started again).  Bytes
 * arrive in any pieces: a message split over reads, several in one read.
 *
 * No I/O: lsnproto_feed() takes bytes and reports what they meant through
 * a callback, so the reader is tested and fuzzed alone (listener.c does
 * the reading and the writing).
 */
#ifndef TEND_LSNPROTO_H
#define TEND_LSNPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* supervisord's EventListenerStates. */
enum lsnproto_state {
	LSN_ACKNOWLEDGED = 0, /* waiting for READY (the state of a new one) */
	LSN_READY,	      /* may be sent an event */
	LSN_BUSY,	      /* was sent one, its RESULT is awaited */
	LSN_UNKNOWN,	      /* broke the protocol: sent nothing more */
};

/* What the bytes fed meant, in the order they meant it. */
enum lsnproto_note {
	LSN_NOTE_READY,	     /* ACKNOWLEDGED -> READY */
	LSN_NOTE_OK,	     /* BUSY -> ACKNOWLEDGED, the event was processed */
	LSN_NOTE_REJECTED,   /* BUSY -> ACKNOWLEDGED, result not "OK": the
				event goes back to the head of the buffer */
	LSN_NOTE_BAD_RESULT, /* BUSY -> UNKNOWN: the result line has no
				number (TEXT: the line); the event goes back */
	LSN_NOTE_GARBAGE,    /* ACKNOWLEDGED -> UNKNOWN: not READY */
	LSN_NOTE_SPURIOUS,   /* READY -> UNKNOWN: output while READY */
};

/* A result line longer than this without its newline is taken as a bad
 * one (supervisord would buffer it without end). */
#define LSNPROTO_LINE_MAX 256

struct lsnproto {
	enum lsnproto_state state;
	bool have_len;	 /* the result line was read (resultlen known) */
	bool ok_so_far;	 /* the result bytes so far are a prefix of "OK" */
	uint64_t resultlen;
	uint64_t got;	 /* result bytes read */
	size_t len;	 /* bytes in buf (supervisord's state_buffer) */
	char buf[LSNPROTO_LINE_MAX];
};

typedef void (*lsnproto_fn)(void *ctx, enum lsnproto_note note,
    const char *text, size_t textlen);

/* A new process: ACKNOWLEDGED, nothing buffered. */
void lsnproto_init(struct lsnproto *r);
/* An event was written to it: READY -> BUSY. */
void lsnproto_sent(struct lsnproto *r);
/* N bytes of the listener's stdout; FN is called for each transition. */
void lsnproto_feed(struct lsnproto *r, const char *data, size_t n,
    lsnproto_fn fn, void *ctx);
/* "ACKNOWLEDGED", "READY", "BUSY", "UNKNOWN". */
const char *lsnproto_state_name(enum lsnproto_state s);

/*
 * supervisord's envelope header (EventListenerPool._eventEnvelope):
 * "ver:3.0 server:ID serial:N pool:NAME poolserial:N eventname:TYPE
 * len:N\n", the payload follows.  Written to BUF (LEN bytes); returns the
 * length it needs, as snprintf.
 */
int lsnproto_header(char *buf, size_t len, const char *server,
    uint64_t serial, const char *pool, uint64_t poolserial,
    const char *eventname, size_t payload_len);

#endif /* TEND_LSNPROTO_H */

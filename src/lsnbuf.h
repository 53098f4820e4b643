/*
 * lsnbuf.h: the event buffer of one [eventlistener:x] pool, pure.
 *
 * supervisord's EventListenerPool.event_buffer (process.py): a list of at
 * most buffer_size events, the oldest first.  New events go to the tail;
 * one that comes back (rejected with FAIL, or its listener died while
 * BUSY) goes to the head; a push into a full buffer first discards the
 * oldest (the head), as _acceptEvent() does, and counts it.  Each item
 * keeps the pool serial it was given when first accepted.
 *
 * The items are opaque (listener.c stores evbus events); memory grows
 * with what is buffered, never beyond buffer_size items, so a pool with
 * a huge buffer_size that is kept empty costs nothing.
 */
#ifndef TEND_LSNBUF_H
#define TEND_LSNBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lsnbuf_item {
	void *ev;
	uint64_t poolserial;
};

struct lsnbuf {
	struct lsnbuf_item *v; /* ring of cap slots, NULL until needed */
	size_t cap, head, n;
	size_t max;	       /* buffer_size */
	uint64_t dropped;      /* items discarded by overflow, ever */
};

void lsnbuf_init(struct lsnbuf *b, size_t max);
/*
 * Add IT at the tail (or at the head when HEAD).  A full buffer first
 * discards its oldest item into *DROPPED and returns 1 (the caller logs
 * and releases it); 0 otherwise.  -1 with errno ENOMEM: IT was not
 * added (the caller drops it).
 */
int lsnbuf_push(struct lsnbuf *b, struct lsnbuf_item it, bool head,
    struct lsnbuf_item *dropped);
/* Take the oldest item into *OUT; false when empty. */
bool lsnbuf_pop(struct lsnbuf *b, struct lsnbuf_item *out);
/* The I-th oldest item (I < n). */
const struct lsnbuf_item *lsnbuf_at(const struct lsnbuf *b, size_t i);
/* A new buffer_size: while more than MAX are buffered, the oldest is
 * discarded into *DROPPED and 1 returned (call again until 0). */
int lsnbuf_set_max(struct lsnbuf *b, size_t max, struct lsnbuf_item *dropped);
/* Forget the items (the caller has released them) and the memory. */
void lsnbuf_free(struct lsnbuf *b);

#endif /* TEND_LSNBUF_H */

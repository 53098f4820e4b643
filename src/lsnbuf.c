/*
 * lsnbuf.c: a pool's event buffer (lsnbuf.h), a ring that grows by
 * doubling up to buffer_size items.  Owns no event: listener.c takes and
 * releases references; this file only orders them and decides which one
 * an overflow discards.
 */
#include "lsnbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void
lsnbuf_init(struct lsnbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max > 0 ? max : 1;
}

/* Room for one more (up to max): the items unrolled into a bigger ring. */
static int
lsnbuf_grow(struct lsnbuf *b)
{
	struct lsnbuf_item *v;
	size_t cap, i;

	if (b->n < b->cap)
		return 0;
	cap = b->cap == 0 ? 4 : b->cap * 2;
	if (cap > b->max)
		cap = b->max;
	if (cap <= b->cap || cap > SIZE_MAX / sizeof(*v)) {
		errno = ENOMEM;
		return -1;
	}
	if ((v = malloc(cap * sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < b->n; i++)
		v[i] = b->v[(b->head + i) % b->cap];
	free(b->v);
	b->v = v;
	b->cap = cap;
	b->head = 0;
	return 0;
}

bool
lsnbuf_pop(struct lsnbuf *b, struct lsnbuf_item *out)
{
	if (b->n == 0)
		return false;
	*out = b->v[b->head];
	b->head = (b->head + 1) % b->cap;
	b->n--;
	return true;
}

int
lsnbuf_push(struct lsnbuf *b, struct lsnbuf_item it, bool head,
    struct lsnbuf_item *dropped)
{
	int rc = 0;

	/* supervisord: a full buffer loses its oldest first, even when
	 * the new one goes to the head. */
	if (b->n >= b->max && lsnbuf_pop(b, dropped)) {
		b->dropped++;
		rc = 1;
	} else if (lsnbuf_grow(b) == -1) {
		return -1;
	}
	if (head) {
		b->head = (b->head + b->cap - 1) % b->cap;
		b->v[b->head] = it;
	} else {
		b->v[(b->head + b->n) % b->cap] = it;
	}
	b->n++;
	return rc;
}

const struct lsnbuf_item *
lsnbuf_at(const struct lsnbuf *b, size_t i)
{
	return &b->v[(b->head + i) % b->cap];
}

int
lsnbuf_set_max(struct lsnbuf *b, size_t max, struct lsnbuf_item *dropped)
{
	b->max = max > 0 ? max : 1;
	if (b->n > b->max && lsnbuf_pop(b, dropped)) {
		b->dropped++;
		return 1;
	}
	/* A smaller ring than the items it holds is fine: cap only grows
	 * up to max from here (lsnbuf_grow clamps). */
	return 0;
}

void
lsnbuf_free(struct lsnbuf *b)
{
	free(b->v);
	b->v = NULL;
	b->cap = b->head = b->n = 0;
}

/*
 * fuzz_lsnproto.c: the event listener's stdout reader (lsnproto_feed(),
 * what listener.c applies to each read of a listener's stdout).  The
 * first byte of the input says where the rest is cut into reads and when
 * an event is "sent" (READY -> BUSY, as listener.c does on a READY
 * note); the same bytes fed in one piece must mean the same notes.
 */
#include "fuzz.h"

#include "lsnproto.h"

#include <stdlib.h>
#include <string.h>

struct fz {
	struct lsnproto *r;
	unsigned char notes[64];
	size_t n;
	bool send;
};

static void
fz_note(void *ctx, enum lsnproto_note note, const char *text, size_t len)
{
	struct fz *z = ctx;

	if (text == NULL && len != 0)
		abort();
	if (text != NULL && len > LSNPROTO_LINE_MAX)
		abort();
	if (z->n < sizeof(z->notes))
		z->notes[z->n++] = (unsigned char)note;
	/* A listener that says READY is sent an event at once. */
	if (note == LSN_NOTE_READY && z->send)
		lsnproto_sent(z->r);
}

static void
fz_run(struct fz *z, struct lsnproto *r, const uint8_t *data, size_t size,
    unsigned cut)
{
	size_t off = 0, n;

	lsnproto_init(r);
	z->r = r;
	z->n = 0;
	z->send = true;
	while (off < size) {
		n = cut == 0 ? size - off : 1 + (off * 7 + cut) % cut;
		if (n > size - off)
			n = size - off;
		lsnproto_feed(r, (const char *)data + off, n, fz_note, z);
		if (r->len > LSNPROTO_LINE_MAX || r->state > LSN_UNKNOWN)
			abort();
		off += n;
	}
}

FUZZ_TARGET(lsnproto)(const uint8_t *data, size_t size)
{
	struct lsnproto a, b;
	struct fz za, zb;
	unsigned cut;
	char hdr[128];

	if (size == 0)
		return 0;
	cut = data[0] % 17;
	fz_run(&za, &a, data + 1, size - 1, 0);
	fz_run(&zb, &b, data + 1, size - 1, cut);
	/* Cut anywhere, the same bytes mean the same: only the bound on a
	 * result line could tell pieces apart, and it is applied to the
	 * buffer, whatever the pieces. */
	if (za.n != zb.n || memcmp(za.notes, zb.notes, za.n) != 0 ||
	    a.state != b.state)
		abort();
	if (lsnproto_header(hdr, sizeof(hdr), "s", UINT64_MAX, "p", 0,
	        lsnproto_state_name(a.state), size) <= 0)
		abort();
	return 0;
}

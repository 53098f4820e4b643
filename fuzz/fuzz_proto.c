/*
 * fuzz_proto.c: the control protocol's decoder as tendd's control socket
 * (ctl.c) and tendctl use it: the input is a byte stream from a client;
 * frames are cut with proto_frame_size(), decoded with proto_decode(),
 * and each body read the way its type is read (HELLO's u32 and string,
 * a request's strings, a record's key lookups, DATA's rest).
 */
#include "fuzz.h"

#include "proto.h"

#include <stdlib.h>
#include <string.h>

static void
fuzz_body(struct proto_msg *m)
{
	const unsigned char *rest;
	const char *s;
	uint32_t v;
	size_t n;
	int i, count;

	switch (m->type) {
	case PROTO_HELLO:
		if (proto_get_u32(m, &v) == 0 && proto_get_str(m, &s) == 0)
			(void)proto_get_u32(m, &v);
		(void)proto_at_end(m);
		break;
	case PROTO_DATA:
		proto_get_rest(m, &rest, &n);
		break;
	case PROTO_RECORD:
		(void)proto_record_get(m, "state");
		(void)proto_record_get(m, "fullname");
		/* fall through: a record is strings too */
	default:
		count = proto_count_strs(m);
		for (i = 0; i < count; i++) {
			if (proto_get_str(m, &s) != 0)
				abort(); /* count_strs promised this */
			(void)strlen(s);
		}
		if (count >= 0 && !proto_at_end(m))
			abort();
		break;
	}
}

FUZZ_TARGET(proto)(const uint8_t *data, size_t size)
{
	char err[256];
	size_t off = 0;

	while (off < size) {
		struct proto_msg m;
		ssize_t fs = proto_frame_size(
		    data + off, size - off, err, sizeof(err));

		if (fs <= 0 || (size_t)fs > size - off)
			break; /* bad (tendd hangs up) or incomplete */
		/* the frame in a buffer of its own size, as tendd reads it,
		 * so ASan sees any read past its end */
		unsigned char *frame = malloc((size_t)fs);

		if (frame == NULL)
			abort();
		memcpy(frame, data + off, (size_t)fs);
		if (proto_decode(frame, (size_t)fs, &m, err, sizeof(err)) == 0)
			fuzz_body(&m);
		free(frame);
		off += (size_t)fs;
	}
	return 0;
}

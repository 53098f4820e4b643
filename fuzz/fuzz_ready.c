/*
 * fuzz_ready.c: the NOTIFY_SOCKET datagram parser (ready_parse(), what
 * ready.c applies to each message a service sends), and the notify
 * socket's name derived from a control socket path.
 */
#include "fuzz.h"

#include "ready.h"

#include <stdlib.h>
#include <string.h>

FUZZ_TARGET(ready)(const uint8_t *data, size_t size)
{
	struct ready_msg m;
	char path[108];
	char *s;

	if (size > READY_MSG_MAX)
		return 0; /* ready.c drops those unread */
	/* the datagram in a buffer of its own size */
	s = malloc(size ? size : 1);
	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	memset(&m, 0, sizeof(m));
	ready_parse(s, size, &m);
	if (memchr(m.status, '\0', sizeof(m.status)) == NULL)
		abort(); /* status must stay a C string */
	free(s);
	s = fuzz_string(data, size);
	ready_default_path(s, path, sizeof(path));
	if (memchr(path, '\0', sizeof(path)) == NULL)
		abort();
	free(s);
	return 0;
}

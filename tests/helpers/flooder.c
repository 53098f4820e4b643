/*
 * flooder [BYTES]: writes BYTES (default: without end) of text to stdout
 * in 64 KiB writes, then exits 0.  For log capture and flood limits.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FLOODER_CHUNK 65536

static char flooder_buf[FLOODER_CHUNK];

/* 64-byte lines "flooder 000000000000 xxxx...\n", so a reader can
 * check that nothing was reordered inside a chunk. */
static void
flooder_fill(void)
{
	size_t i;

	for (i = 0; i < sizeof(flooder_buf); i += 64) {
		char head[32];
		int n = snprintf(head, sizeof(head), "flooder %012zu ", i / 64);

		memset(flooder_buf + i, 'x', 63);
		memcpy(flooder_buf + i, head, (size_t)n);
		flooder_buf[i + 63] = '\n';
	}
}

static int
flooder_write(const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("flooder: write");
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned long long left = UINT64_MAX;
	char *end;

	if (argc > 2) {
		fprintf(stderr, "usage: flooder [BYTES]\n");
		return 2;
	}
	if (argc == 2) {
		errno = 0;
		left = strtoull(argv[1], &end, 10);
		if (errno != 0 || end == argv[1] || *end != '\0' ||
		    argv[1][0] == '-') {
			fprintf(stderr, "flooder: bad BYTES '%s'\n", argv[1]);
			return 2;
		}
	}
	flooder_fill();
	while (left > 0) {
		size_t n = left < FLOODER_CHUNK ? (size_t)left : FLOODER_CHUNK;

		if (flooder_write(flooder_buf, n) < 0)
			return 1;
		if (argc == 2)
			left -= n;
	}
	return 0;
}

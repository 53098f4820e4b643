/*
 * notifyready [DELAY_MS] [STATUS]: a readiness=notify service.  After
 * DELAY_MS milliseconds (default 0) it sends "READY=1" (and
 * "STATUS=..." when given) as one datagram to $NOTIFY_SOCKET, then waits
 * forever.  A path starting with '@' names an abstract socket
 * (sd_notify(3)).  Without NOTIFY_SOCKET it exits 2.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long
notifyready_ms(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 86400000L) {
		fprintf(stderr, "notifyready: bad DELAY_MS '%s'\n", s);
		exit(2);
	}
	return v;
}

static int
notifyready_send(const char *path, const char *msg)
{
	struct sockaddr_un sun;
	size_t plen = strlen(path);
	socklen_t alen;
	int fd;

	if (plen == 0 || plen >= sizeof(sun.sun_path)) {
		fprintf(stderr, "notifyready: NOTIFY_SOCKET '%s': bad length\n",
		    path);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, plen);
	/* Abstract namespace: a leading NUL instead of '@', and the length
	 * counts exactly the name (unix(7)). */
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen +
	                   (path[0] == '@' ? 0 : 1));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("notifyready: socket");
		return -1;
	}
	if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sun, alen) <
	    0) {
		fprintf(stderr, "notifyready: sendto %s: %s\n", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *path = getenv("NOTIFY_SOCKET");
	long delay = argc > 1 ? notifyready_ms(argv[1]) : 0;
	char msg[1024];
	struct timespec ts;

	if (argc > 3) {
		fprintf(stderr, "usage: notifyready [DELAY_MS] [STATUS]\n");
		return 2;
	}
	if (path == NULL || *path == '\0') {
		fprintf(stderr, "notifyready: NOTIFY_SOCKET is not set\n");
		return 2;
	}
	ts.tv_sec = delay / 1000;
	ts.tv_nsec = (delay % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0) {
		if (errno != EINTR) {
			perror("notifyready: nanosleep");
			return 2;
		}
	}
	if (argc > 2)
		snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", argv[2]);
	else
		snprintf(msg, sizeof(msg), "READY=1");
	if (notifyready_send(path, msg) < 0)
		return 1;
	fprintf(stderr, "notifyready: pid %ld sent READY=1\n", (long)getpid());
	for (;;)
		pause();
}

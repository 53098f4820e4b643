/*
 * soaksvc: the services of bench/soak (which compiles it with cc).
 *
 *   soaksvc crash MS          run MS milliseconds, then exit 1
 *   soaksvc log NAME BPS      write numbered lines "NAME SEQ xxx...\n"
 *                             (100 bytes each, one write(2) per line) at
 *                             about BPS bytes a second; on SIGTERM write
 *                             "NAME END SEQ\n" (SEQ: the lines before it)
 *                             and exit 0, so a reader can tell that no
 *                             byte of any line was lost
 *   soaksvc sleep             pause() until a signal ends it
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SOAK_LINE 100

static volatile sig_atomic_t soak_term;

static void
soak_on_term(int sig)
{
	(void)sig;
	soak_term = 1;
}

static void
soak_sleep_ns(long ns)
{
	struct timespec ts = {ns / 1000000000L, ns % 1000000000L};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR && !soak_term)
		;
}

/* Write all of BUF or die: a short write would lose bytes silently. */
static void
soak_write(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			perror("soaksvc: write stdout");
			exit(3);
		}
		buf += n;
		len -= (size_t)n;
	}
}

static int
soak_log(const char *name, long bps)
{
	struct sigaction sa;
	unsigned long long seq = 0;
	long gap = bps > 0 ? 1000000000L / (bps / SOAK_LINE + 1) : 0;
	char line[SOAK_LINE + 1];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = soak_on_term;
	if (sigaction(SIGTERM, &sa, NULL) == -1) {
		perror("soaksvc: sigaction SIGTERM");
		return 2;
	}
	while (!soak_term) {
		int n = snprintf(line, sizeof(line), "%s %llu ", name, seq);

		if (n < 0 || n >= SOAK_LINE - 1)
			return 2;
		memset(line + n, 'x', (size_t)(SOAK_LINE - 1 - n));
		line[SOAK_LINE - 1] = '\n';
		soak_write(line, SOAK_LINE);
		seq++;
		soak_sleep_ns(gap);
	}
	snprintf(line, sizeof(line), "%s END %llu\n", name, seq);
	soak_write(line, strlen(line));
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "crash") == 0) {
		long ms = atol(argv[2]);

		soak_sleep_ns(ms % 1000 * 1000000L);
		sleep((unsigned)(ms / 1000));
		return 1;
	}
	if (argc == 4 && strcmp(argv[1], "log") == 0)
		return soak_log(argv[2], atol(argv[3]));
	if (argc == 2 && strcmp(argv[1], "sleep") == 0) {
		for (;;)
			pause();
	}
	fprintf(stderr, "usage: soaksvc crash MS | log NAME BPS | sleep\n");
	return 2;
}

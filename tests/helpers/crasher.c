/*
 * crasher [CODE] [DELAY_MS]: a service that dies on purpose, for the
 * integration tests.  After DELAY_MS milliseconds (default 0) it exits
 * with CODE (default 1); CODE "segv" raises SIGSEGV instead, "abort"
 * SIGABRT.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long
crasher_number(const char *s, const char *what, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max) {
		fprintf(
		    stderr, "crasher: bad %s '%s' (0..%ld)\n", what, s, max);
		exit(2);
	}
	return v;
}

static void
crasher_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0) {
		if (errno != EINTR) {
			perror("crasher: nanosleep");
			exit(2);
		}
	}
}

/* Die by SIG even if it is ignored or blocked, as a real crash would. */
static void
crasher_die_by(int sig)
{
	sigset_t set;

	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	fprintf(stderr, "crasher: raise(%d) returned\n", sig);
	exit(3);
}

int
main(int argc, char **argv)
{
	const char *code = argc > 1 ? argv[1] : "1";
	long delay = 0;

	if (argc > 3) {
		fprintf(
		    stderr, "usage: crasher [CODE|segv|abort] [DELAY_MS]\n");
		return 2;
	}
	if (argc > 2)
		delay = crasher_number(argv[2], "DELAY_MS", 86400000L);
	if (strcmp(code, "segv") != 0 && strcmp(code, "abort") != 0)
		(void)crasher_number(code, "CODE", 255);
	if (delay > 0)
		crasher_sleep_ms(delay);
	fprintf(
	    stderr, "crasher: pid %ld exiting with %s\n", (long)getpid(), code);
	if (strcmp(code, "segv") == 0)
		crasher_die_by(SIGSEGV);
	if (strcmp(code, "abort") == 0)
		crasher_die_by(SIGABRT);
	return (int)crasher_number(code, "CODE", 255);
}

/*
 * sleeper [--print-env VAR...]: a well-behaved service that reports how
 * it was started.  Prints "pid N", then "VAR=value" (or "VAR unset") for
 * each VAR, "cwd DIR", "umask 0NNN", "uid N", "gid N" to stdout, flushes,
 * and waits forever (SIGTERM ends it, by default disposition).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char cwd[PATH_MAX];
	mode_t mask;
	int i = 1;

	if (argc > 1) {
		if (strcmp(argv[1], "--print-env") != 0) {
			fprintf(
			    stderr, "usage: sleeper [--print-env VAR...]\n");
			return 2;
		}
		i = 2;
	}
	printf("pid %ld\n", (long)getpid());
	for (; i < argc; i++) {
		const char *v = getenv(argv[i]);

		if (v != NULL)
			printf("%s=%s\n", argv[i], v);
		else
			printf("%s unset\n", argv[i]);
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		fprintf(stderr, "sleeper: getcwd: %s\n", strerror(errno));
		return 1;
	}
	mask = umask(0);
	umask(mask);
	printf("cwd %s\numask %04o\nuid %ld\ngid %ld\n", cwd, (unsigned)mask,
	    (long)getuid(), (long)getgid());
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "sleeper: stdout: %s\n", strerror(errno));
		return 1;
	}
	for (;;)
		pause();
}

/*
 * threads N [RLIMITS]: a multi-threaded service.  Starts N-1 threads that
 * sleep, so the process has N threads in all, prints "threads N" and,
 * with a second argument, its soft limits ("nofile 64 nproc 100 core 0
 * as 1073741824", "unlimited" spelt out), then waits for SIGTERM.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static void *
threads_sleep(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void
threads_print_limit(const char *name, int res)
{
	struct rlimit rl;

	if (getrlimit(res, &rl) < 0) {
		printf(" %s ?", name);
		return;
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		printf(" %s unlimited", name);
	else
		printf(" %s %llu", name, (unsigned long long)rl.rlim_cur);
}

int
main(int argc, char **argv)
{
	pthread_t t;
	long n, i;
	int rc;

	if (argc < 2 || (n = strtol(argv[1], NULL, 10)) < 1 || n > 1000) {
		fprintf(stderr, "usage: threads N [limits]\n");
		return 2;
	}
	for (i = 1; i < n; i++) {
		rc = pthread_create(&t, NULL, threads_sleep, NULL);
		if (rc != 0) {
			fprintf(stderr, "threads: pthread_create: %s\n",
			    strerror(rc));
			return 1;
		}
	}
	printf("threads %ld\n", n);
	if (argc > 2) {
		printf("limits");
		threads_print_limit("nofile", RLIMIT_NOFILE);
		threads_print_limit("nproc", RLIMIT_NPROC);
		threads_print_limit("core", RLIMIT_CORE);
		threads_print_limit("as", RLIMIT_AS);
		printf("\n");
	}
	fflush(stdout);
	for (;;)
		pause();
}

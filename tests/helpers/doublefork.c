/*
 * doublefork PIDFILE [exit]: leaves an orphan behind, as daemonizing
 * programs do.  The main process forks an intermediate child, which forks
 * a grandchild and exits at once; the grandchild waits until it is an
 * orphan (adopted by the nearest subreaper), then writes its pid to
 * PIDFILE and sleeps.  The main process then exits if the second
 * argument is "exit", else waits forever.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Write the pid to PATH.tmp and rename it, so a reader never sees a
 * partial file (rename(2) is atomic). */
static int
doublefork_write_pid(const char *path)
{
	char tmp[4096];
	FILE *fp;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		fprintf(stderr, "doublefork: %s: path too long\n", path);
		return -1;
	}
	fp = fopen(tmp, "w");
	if (fp == NULL) {
		fprintf(stderr, "doublefork: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	if (fprintf(fp, "%ld\n", (long)getpid()) < 0 || fclose(fp) == EOF) {
		fprintf(stderr, "doublefork: %s: write: %s\n", tmp,
		    strerror(errno));
		return -1;
	}
	if (rename(tmp, path) < 0) {
		fprintf(stderr, "doublefork: rename %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Wait until the intermediate child MID has exited and this process has
 * been re-parented.  Without this the pidfile could appear while MID is
 * still alive (the grandchild runs beside it on another CPU), and a
 * reader would see MID, not the subreaper, as the parent.  exit_files()
 * runs before the re-parenting in the kernel's do_exit(), so a pipe's
 * EOF would not tell it either: getppid() does.  Bounded: 10 s.
 */
static int
doublefork_wait_orphaned(pid_t mid)
{
	struct timespec ms = { 0, 1000000 };
	int i;

	for (i = 0; i < 10000; i++) {
		if (getppid() != mid)
			return 0;
		(void)nanosleep(&ms, NULL);
	}
	fprintf(stderr, "doublefork: still a child of %ld after 10 s\n",
	    (long)mid);
	return -1;
}

static void
doublefork_grandchild(const char *path, pid_t mid)
{
	if (doublefork_wait_orphaned(mid) < 0 ||
	    doublefork_write_pid(path) < 0)
		_exit(1);
	for (;;)
		pause();
}

int
main(int argc, char **argv)
{
	pid_t mid;
	int status;

	if (argc < 2 || argc > 3 ||
	    (argc == 3 && strcmp(argv[2], "exit") != 0)) {
		fprintf(stderr, "usage: doublefork PIDFILE [exit]\n");
		return 2;
	}
	mid = fork();
	if (mid < 0) {
		perror("doublefork: fork");
		return 1;
	}
	if (mid == 0) {
		pid_t self = getpid();
		pid_t gc = fork();

		if (gc < 0) {
			perror("doublefork: fork (grandchild)");
			_exit(1);
		}
		if (gc == 0)
			doublefork_grandchild(argv[1], self);
		_exit(0); /* orphan the grandchild */
	}
	while (waitpid(mid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("doublefork: waitpid");
			return 1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "doublefork: intermediate child failed\n");
		return 1;
	}
	if (argc == 3)
		return 0;
	for (;;)
		pause();
}

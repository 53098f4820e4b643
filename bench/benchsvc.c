/*
 * benchsvc: the one service program every supervisor runs in bench/run.
 *
 * It owns the time stamps the benchmark is built on: each mode takes
 * CLOCK_MONOTONIC first thing in main(), so "exec'd" means "main() ran".
 * It leaves all judgement (percentiles, validity) to bench/run.
 *
 *   benchsvc restart FILE            append "START EXIT PID", exit 1 at once
 *   benchsvc mark FILE [PROG ARG..]  append "START PID", name itself
 *                                    "benchsvc", then exec PROG (or
 *                                    pause() for ever: what bench/run uses)
 *   benchsvc flood FIFO STAMPS BYTES wait until FIFO has a writer, write
 *                                    BYTES of 512-byte lines to stdout in
 *                                    64 KiB writes, append "T0 T1 CPU"
 *                                    (CPU: its own, ns) to STAMPS, then
 *                                    pause() for ever
 *   benchsvc forkloop N FILE PROG..  the bare baseline: fork+exec
 *                                    "benchsvc mark FILE PROG.." N times
 *   benchsvc respawn SECS PROG ARG.. the bare restart loop: waitpid(2),
 *                                    then fork+exec PROG again, for SECS
 *   benchsvc spawnloop N FILE STOPS  the bare baselines at scale:
 *                                    posix_spawn "benchsvc mark FILE" N
 *                                    times; then, on SIGUSR1, SIGTERM
 *                                    each child and reap them all,
 *                                    appending "T0 T1" to STOPS
 *
 * Without a mode as first argument (s6 and runit run ./run, a symlink to
 * this program; s6-supervise passes the service name) the arguments are read
 * from ./args, one line, words split on blanks.  Records have fixed widths so
 * that bench/run counts them with a stat(2) instead of reading the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define BENCHSVC_CHUNK 65536
#define BENCHSVC_LINE 512
#define BENCHSVC_MAXARGS 16

static uint64_t
benchsvc_now(void)
{
	struct timespec ts;

	/* clock_gettime(2) on CLOCK_MONOTONIC is a vDSO call: no syscall,
	 * and the same clock Python's time.monotonic_ns() reads. */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* This process's CPU time (user + system), ns: what writing its output
 * costs the service. */
static uint64_t
benchsvc_cpu(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
benchsvc_die(const char *what, const char *arg)
{
	fprintf(stderr, "benchsvc: %s: %s: %s\n", what, arg, strerror(errno));
	exit(111);
}

static int
benchsvc_write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One write(2) with O_APPEND: records from many processes never
 * interleave inside a regular file (write(2), "atomic" under O_APPEND). */
static void
benchsvc_append(const char *path, const char *rec, size_t len)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		benchsvc_die("open", path);
	if (benchsvc_write_all(fd, rec, len) < 0)
		benchsvc_die("write", path);
	if (close(fd) < 0)
		benchsvc_die("close", path);
}

static void
benchsvc_pause_forever(void)
{
	for (;;)
		pause();
}

static int
benchsvc_restart(uint64_t t0, int argc, char **argv)
{
	char rec[64];
	int n;

	if (argc < 1)
		return 100;
	n = snprintf(rec, sizeof(rec), "%020" PRIu64 " %020" PRIu64 " %010d\n",
	    t0, benchsvc_now(), (int)getpid());
	benchsvc_append(argv[0], rec, (size_t)n);
	return 1;
}

static int
benchsvc_mark(uint64_t t0, int argc, char **argv)
{
	char rec[64];
	int n;

	if (argc < 1)
		return 100;
	n = snprintf(
	    rec, sizeof(rec), "%020" PRIu64 " %010d\n", t0, (int)getpid());
	benchsvc_append(argv[0], rec, (size_t)n);
	/* s6 and runit exec us as "run": one comm for every supervisor, so
	 * bench/run counts services by name (prctl(2) PR_SET_NAME). */
	(void)prctl(PR_SET_NAME, "benchsvc", 0, 0, 0);
	if (argc > 1) {
		execv(argv[1], argv + 1);
		benchsvc_die("execv", argv[1]);
	}
	benchsvc_pause_forever();
	return 0;
}

static int
benchsvc_flood(int argc, char **argv)
{
	static char buf[BENCHSVC_CHUNK];
	unsigned long long total, done;
	uint64_t t0, t1, c0, c1;
	char rec[80];
	size_t i;
	int fd, n;

	if (argc < 3)
		return 100;
	total = strtoull(argv[2], NULL, 10);
	for (i = 0; i < sizeof(buf); i += BENCHSVC_LINE) {
		memset(buf + i, 'x', BENCHSVC_LINE - 1);
		buf[i + BENCHSVC_LINE - 1] = '\n';
	}
	/* open(2) of a FIFO for reading blocks until a writer opens it
	 * (fifo(7)): bench/run opens it once it has read the CPU counters. */
	fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		benchsvc_die("open", argv[0]);
	close(fd);
	t0 = benchsvc_now();
	c0 = benchsvc_cpu();
	for (done = 0; done < total; done += BENCHSVC_CHUNK) {
		size_t len = total - done < BENCHSVC_CHUNK
		                 ? (size_t)(total - done)
		                 : BENCHSVC_CHUNK;

		if (benchsvc_write_all(STDOUT_FILENO, buf, len) < 0)
			benchsvc_die("write", "stdout");
	}
	t1 = benchsvc_now();
	c1 = benchsvc_cpu();
	n = snprintf(rec, sizeof(rec),
	    "%020" PRIu64 " %020" PRIu64 " %020" PRIu64 "\n", t0, t1, c1 - c0);
	benchsvc_append(argv[1], rec, (size_t)n);
	benchsvc_pause_forever();
	return 0;
}

static int
benchsvc_forkloop(int argc, char **argv)
{
	char self[4096];
	char *args[BENCHSVC_MAXARGS + 3];
	ssize_t len;
	long n, i;
	int k;

	if (argc < 2 || argc > BENCHSVC_MAXARGS)
		return 100;
	n = strtol(argv[0], NULL, 10);
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0)
		benchsvc_die("readlink", "/proc/self/exe");
	self[len] = '\0';
	args[0] = self;
	args[1] = "mark";
	for (k = 1; k < argc; k++)
		args[k + 1] = argv[k];
	args[argc + 1] = NULL;
	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			benchsvc_die("fork", "child");
		if (pid == 0) {
			execv(self, args);
			_exit(127);
		}
	}
	return 0;
}

/* SIGTERM each of the N children in PIDS and reap them all: what a
 * supervisor's "stop all" cannot beat. */
static void
benchsvc_killall(const pid_t *pids, long n, const char *stops)
{
	uint64_t t0, t1;
	char rec[64];
	long i;
	int status, len;

	t0 = benchsvc_now();
	for (i = 0; i < n; i++)
		if (kill(pids[i], SIGTERM) < 0)
			benchsvc_die("kill", "child");
	for (i = 0; i < n; i++)
		if (waitpid(pids[i], &status, 0) < 0)
			benchsvc_die("waitpid", "child");
	t1 = benchsvc_now();
	len = snprintf(
	    rec, sizeof(rec), "%020" PRIu64 " %020" PRIu64 "\n", t0, t1);
	benchsvc_append(stops, rec, (size_t)len);
}

static int
benchsvc_spawnloop(int argc, char **argv)
{
	char self[4096], *args[4];
	sigset_t usr1;
	pid_t *pids;
	ssize_t len;
	long n, i;
	int sig;

	if (argc != 3)
		return 100;
	n = strtol(argv[0], NULL, 10);
	if (n <= 0 || (pids = calloc((size_t)n, sizeof(*pids))) == NULL)
		return 100;
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0)
		benchsvc_die("readlink", "/proc/self/exe");
	self[len] = '\0';
	args[0] = self;
	args[1] = "mark";
	args[2] = argv[1];
	args[3] = NULL;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &usr1, NULL) < 0)
		benchsvc_die("sigprocmask", "SIGUSR1");
	for (i = 0; i < n; i++) {
		posix_spawnattr_t attr;
		sigset_t none;
		int e;

		/* The children must not inherit the blocked SIGUSR1. */
		sigemptyset(&none);
		if (posix_spawnattr_init(&attr) != 0 ||
		    posix_spawnattr_setsigmask(&attr, &none) != 0 ||
		    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK) != 0)
			benchsvc_die("posix_spawnattr", "child");
		e = posix_spawn(&pids[i], self, NULL, &attr, args, environ);
		posix_spawnattr_destroy(&attr);
		if (e != 0) {
			errno = e;
			benchsvc_die("posix_spawn", self);
		}
	}
	if (sigwait(&usr1, &sig) != 0)
		benchsvc_die("sigwait", "SIGUSR1");
	benchsvc_killall(pids, n, argv[2]);
	free(pids);
	return 0;
}

static int
benchsvc_is_mode(const char *s)
{
	return strcmp(s, "restart") == 0 || strcmp(s, "mark") == 0 ||
	       strcmp(s, "flood") == 0 || strcmp(s, "forkloop") == 0 ||
	       strcmp(s, "respawn") == 0 || strcmp(s, "spawnloop") == 0;
}

/* The floor for the restart workload: wait for the child, fork+exec it
 * again at once, for SECS seconds.  No supervisor does less. */
static int
benchsvc_respawn(int argc, char **argv)
{
	uint64_t end;

	if (argc < 2)
		return 100;
	end = benchsvc_now() + (uint64_t)(strtod(argv[0], NULL) * 1e9);
	while (benchsvc_now() < end) {
		int status;
		pid_t pid = fork();

		if (pid < 0)
			benchsvc_die("fork", "child");
		if (pid == 0) {
			execv(argv[1], argv + 1);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0)
			benchsvc_die("waitpid", "child");
	}
	return 0;
}

/* s6 and runit give ./run no arguments (s6-supervise passes the service
 * name, which is no mode): read them from ./args. */
static int
benchsvc_args_file(char **argv, int max)
{
	static char line[4096];
	ssize_t len;
	char *p, *save = NULL;
	int fd, n = 0;

	fd = open("args", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		benchsvc_die("open", "./args");
	len = read(fd, line, sizeof(line) - 1);
	if (len < 0)
		benchsvc_die("read", "./args");
	close(fd);
	line[len] = '\0';
	for (p = strtok_r(line, " \t\n", &save); p && n < max;
	     p = strtok_r(NULL, " \t\n", &save))
		argv[n++] = p;
	argv[n] = NULL;
	return n;
}

int
main(int argc, char **argv)
{
	uint64_t t0 = benchsvc_now();
	char *fargv[BENCHSVC_MAXARGS + 1];

	if (argc < 2 || !benchsvc_is_mode(argv[1])) {
		argc = benchsvc_args_file(fargv, BENCHSVC_MAXARGS);
		argv = fargv;
		if (argc < 1)
			return 100;
	} else {
		argc--;
		argv++;
	}
	if (strcmp(argv[0], "restart") == 0)
		return benchsvc_restart(t0, argc - 1, argv + 1);
	if (strcmp(argv[0], "mark") == 0)
		return benchsvc_mark(t0, argc - 1, argv + 1);
	if (strcmp(argv[0], "flood") == 0)
		return benchsvc_flood(argc - 1, argv + 1);
	if (strcmp(argv[0], "forkloop") == 0)
		return benchsvc_forkloop(argc - 1, argv + 1);
	if (strcmp(argv[0], "respawn") == 0)
		return benchsvc_respawn(argc - 1, argv + 1);
	if (strcmp(argv[0], "spawnloop") == 0)
		return benchsvc_spawnloop(argc - 1, argv + 1);
	fprintf(stderr, "benchsvc: %s: unknown mode\n", argv[0]);
	return 100;
}

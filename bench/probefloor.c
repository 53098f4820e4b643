/*
 * probefloor: the floor under exec health probes (bench/probes, issue 19).
 *
 *     probefloor RATE SECS PROGRAM
 *
 * Runs PROGRAM (no arguments, stdio on /dev/null) RATE times a second,
 * evenly spread, for SECS seconds, with nothing but what a spawn needs:
 * clone(CLONE_VM | CLONE_PIDFD) with no exit signal (the child runs on a
 * stack of its own while the parent goes on, as tendd's do), exec, poll on
 * the pidfds, waitid(P_PIDFD).  No pipes, no environment built,
 * no event loop, no state: the least a supervisor's own process can
 * spend per probe on this machine.  Prints "PCT RATE": this process's
 * own user+system time (getrusage RUSAGE_SELF: not its children's) as a
 * share of one CPU, and the children reaped per second.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define MAXKIDS 1024
#define STACK (16 * 1024)

static const char *prog;
static int devnull;
static char **envp;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int
child(void *arg)
{
	(void)arg;
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(devnull, 2);
	execve(prog, (char *[]){(char *)prog, NULL}, envp);
	_exit(127);
}

int
main(int argc, char **argv, char **env)
{
	static struct pollfd kids[MAXKIDS];
	static int stackof[MAXKIDS], freestk[MAXKIDS];
	static char stacks[MAXKIDS][STACK] __attribute__((aligned(16)));
	int nfree = MAXKIDS;
	double rate, secs, t0, c0, next, end, t;
	long reaped = 0;
	int n = 0, i, pidfd;

	if (argc != 4) {
		fprintf(stderr, "usage: probefloor RATE SECS PROGRAM\n");
		return 2;
	}
	rate = atof(argv[1]);
	secs = atof(argv[2]);
	prog = argv[3];
	envp = env;
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 ||
	    rate <= 0 || secs <= 0) {
		perror("probefloor");
		return 2;
	}
	for (i = 0; i < MAXKIDS; i++)
		freestk[i] = i;
	t0 = now();
	c0 = cpu();
	next = t0;
	end = t0 + secs;
	while ((t = now()) < end || n > 0) {
		if (t >= next && t < end && n < MAXKIDS) {
			/* A stack per child until it is reaped (it has
			 * left it at its exec; reaped, it surely has). */
			int k = freestk[--nfree];

			if (clone(child, stacks[k] + STACK,
			        CLONE_VM | CLONE_PIDFD, NULL, &pidfd) < 0) {
				perror("clone");
				return 1;
			}
			stackof[n] = k;
			kids[n].fd = pidfd;
			kids[n].events = POLLIN;
			n++;
			next += 1.0 / rate;
			continue;
		}
		t = next - now();
		if (poll(kids, (nfds_t)n,
		        now() >= end ? -1 : (t > 0 ? (int)(t * 1000) + 1 : 0)) <
		    0) {
			perror("poll");
			return 1;
		}
		for (i = 0; i < n; i++) {
			siginfo_t si;

			if (!(kids[i].revents & POLLIN))
				continue;
			memset(&si, 0, sizeof(si));
			if (waitid((idtype_t)P_PIDFD, (id_t)kids[i].fd, &si,
			        WEXITED | __WALL) < 0) {
				perror("waitid");
				return 1;
			}
			close(kids[i].fd);
			freestk[nfree++] = stackof[i];
			n--;
			stackof[i] = stackof[n];
			kids[i--] = kids[n];
			reaped++;
		}
	}
	t = now() - t0;
	printf("%.2f %.1f\n", (cpu() - c0) / t * 100, (double)reaped / t);
	return 0;
}

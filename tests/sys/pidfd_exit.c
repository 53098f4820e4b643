/*
 * pidfd_exit: the pidfd behaviour reap.c relies on (pidfd_open(2),
 * clone(2) CLONE_PIDFD, waitid(2) P_PIDFD, pidfd_send_signal(2)):
 *
 *  - clone3(CLONE_PIDFD) hands back a pidfd with the child;
 *  - the pidfd polls readable once the child has exited, and not before;
 *  - waitid(P_PIDFD) reaps it and gives its exit code;
 *  - pidfd_send_signal() to an exited but unreaped child (a zombie)
 *    returns 0 on the kernels we know (the task still exists, the signal
 *    is simply dropped); we accept ESRCH too, since either way nothing
 *    is hit;
 *  - after reaping, pidfd_send_signal() fails with ESRCH: a pidfd never
 *    reaches a process that has reused the pid.
 *
 * Prints TAP; "1..0 # SKIP" when the kernel lacks clone3 or P_PIDFD.
 */
#define _GNU_SOURCE /* setresuid, clone_args users */
#include <errno.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static void
skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(0);
}

static pid_t
clone_pidfd(int *pidfd)
{
	struct clone_args args;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_PIDFD;
	args.pidfd = (uint64_t)(uintptr_t)pidfd;
	args.exit_signal = SIGCHLD;
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

static int
pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int
main(void)
{
	struct pollfd pfd;
	int gate[2];
	int pidfd = -1;
	siginfo_t si;
	pid_t pid;
	char c = 'x';
	int rc;

	alarm(60); /* hard guard: a hung case fails instead of hanging */
	if (pipe(gate) < 0)
		bail("pipe");
	pid = clone_pidfd(&pidfd);
	if (pid < 0 && (errno == ENOSYS || errno == EINVAL || errno == E2BIG))
		skip_all("clone3 with CLONE_PIDFD not supported");
	if (pid < 0)
		bail("clone3");
	if (pid == 0) {
		/* Exit only when the parent says so, so "not readable while
		 * alive" is tested without a race. */
		close(gate[1]);
		if (read(gate[0], &c, 1) != 1)
			_exit(99);
		_exit(3);
	}
	close(gate[0]);
	printf("1..7\n");
	tap(pidfd >= 0, "clone3(CLONE_PIDFD) returns a pidfd (%d)", pidfd);

	pfd.fd = pidfd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	rc = poll(&pfd, 1, 0);
	tap(rc == 0, "pidfd is not readable while the child runs (poll %d)",
	    rc);

	if (write(gate[1], &c, 1) != 1)
		bail("write");
	pfd.revents = 0;
	rc = poll(&pfd, 1, 5000);
	tap(rc == 1 && (pfd.revents & POLLIN),
	    "pidfd polls readable after exit (poll %d, revents %#x)", rc,
	    (unsigned)pfd.revents);

	/* The child is a zombie now: exited, not reaped. */
	errno = 0;
	rc = pidfd_signal(pidfd, SIGTERM);
	tap(rc == 0 || errno == ESRCH,
	    "pidfd_send_signal to a zombie: rc %d (%s)", rc,
	    rc == 0 ? "0, dropped" : strerror(errno));

	memset(&si, 0, sizeof(si));
	rc = waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG);
	if (rc < 0 && errno == EINVAL) {
		/* Pre-5.4: reap by pid so we leave nothing behind. */
		(void)waitpid(pid, NULL, 0);
		printf(
		    "ok %d # SKIP waitid(P_PIDFD) needs Linux 5.4\n", ++tap_n);
	} else {
		tap(rc == 0 && si.si_pid == pid && si.si_code == CLD_EXITED &&
		        si.si_status == 3,
		    "waitid(P_PIDFD) reaps it with exit code 3 (rc %d, pid %d, "
		    "code %d, status %d)",
		    rc, (int)si.si_pid, si.si_code, si.si_status);
	}

	errno = 0;
	rc = pidfd_signal(pidfd, SIGTERM);
	tap(rc < 0 && errno == ESRCH,
	    "pidfd_send_signal after reaping fails with ESRCH (rc %d, %s)", rc,
	    strerror(errno));

	memset(&si, 0, sizeof(si));
	rc = waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG);
	tap(rc < 0 && errno == ECHILD,
	    "a second waitid(P_PIDFD) finds nothing (ECHILD)");
	close(pidfd);
	close(gate[1]);
	return tap_failed;
}

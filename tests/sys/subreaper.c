/*
 * subreaper: the orphan handling reap.c relies on.
 *
 *  1  negative control: without PR_SET_CHILD_SUBREAPER an orphaned
 *     grandchild is re-parented elsewhere (init or an outer subreaper);
 *  2  with it, the grandchild's getppid() becomes our pid;
 *  3  waitid(P_ALL, WNOWAIT) shows its exit status;
 *  4  ... and leaves the zombie in place: a second peek sees it again;
 *  5  waitid without WNOWAIT reaps it;
 *  6  ... and then it is gone (ECHILD): the negative control for 4.
 *
 * See prctl(2) PR_SET_CHILD_SUBREAPER and waitid(2) WNOWAIT.
 */
#define _GNU_SOURCE /* setresuid, clone_args users */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

/*
 * Fork an intermediate that forks a grandchild and exits at once.  The
 * grandchild waits until it is orphaned, sends its pid and new parent on
 * the pipe and exits 5.  Returns the grandchild's pid, *NEWPARENT its
 * parent after re-parenting.
 */
static pid_t
orphan(pid_t *newparent)
{
	int fds[2];
	pid_t msg[2];
	pid_t mid;
	int status;

	if (pipe(fds) < 0)
		bail("pipe");
	mid = fork();
	if (mid < 0)
		bail("fork");
	if (mid == 0) {
		pid_t me = getpid();
		pid_t gc = fork();

		if (gc < 0)
			_exit(1);
		if (gc == 0) {
			struct timespec ts = {0, 1000000L};

			/* alarm() is not inherited by fork(); the
			 * parent's guard and the read end bound us. */
			alarm(60);
			while (getppid() == me)
				nanosleep(&ts, NULL);
			msg[0] = getpid();
			msg[1] = getppid();
			if (write(fds[1], msg, sizeof(msg)) != sizeof(msg))
				_exit(1);
			_exit(5);
		}
		_exit(0);
	}
	close(fds[1]);
	while (waitpid(mid, &status, 0) < 0)
		if (errno != EINTR)
			bail("waitpid intermediate");
	if (read(fds[0], msg, sizeof(msg)) != sizeof(msg))
		bail("read from grandchild");
	close(fds[0]);
	*newparent = msg[1];
	return msg[0];
}

int
main(void)
{
	pid_t gc, parent;
	siginfo_t si;
	int rc;

	alarm(60);
	/* An emulator (qemu-user) may not know the option at all. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 0) < 0 && errno == EINVAL) {
		printf("1..0 # SKIP PR_SET_CHILD_SUBREAPER: %s\n",
		    strerror(errno));
		return 0;
	}
	printf("1..6\n");

	/* The control's grandchild goes to someone else, who reaps it. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 0) < 0)
		bail("prctl(PR_SET_CHILD_SUBREAPER, 0)");
	gc = orphan(&parent);
	tap(parent != getpid(),
	    "control: without the subreaper flag, orphan %d goes to %d, not "
	    "us (%d)",
	    (int)gc, (int)parent, (int)getpid());

	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		printf(
		    "Bail out! PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
		return 1;
	}
	gc = orphan(&parent);
	tap(parent == getpid(),
	    "as subreaper, orphan %d is re-parented to us "
	    "(getppid %d)",
	    (int)gc, (int)parent);

	/* Blocking peek: the grandchild exits right after writing. */
	memset(&si, 0, sizeof(si));
	rc = waitid(P_ALL, 0, &si, WEXITED | WNOWAIT);
	tap(rc == 0 && si.si_pid == gc && si.si_code == CLD_EXITED &&
	        si.si_status == 5,
	    "waitid(P_ALL, WNOWAIT) sees it exit 5 (pid %d, status %d)",
	    (int)si.si_pid, si.si_status);

	memset(&si, 0, sizeof(si));
	rc = waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT);
	tap(rc == 0 && si.si_pid == gc,
	    "a second WNOWAIT peek still sees the zombie (pid %d)",
	    (int)si.si_pid);

	memset(&si, 0, sizeof(si));
	rc = waitid(P_PID, (id_t)gc, &si, WEXITED | WNOHANG);
	tap(rc == 0 && si.si_pid == gc, "waitid without WNOWAIT reaps it");

	memset(&si, 0, sizeof(si));
	rc = waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT);
	tap(rc < 0 && errno == ECHILD,
	    "control: after reaping, the peek finds nothing (ECHILD)");
	return tap_failed;
}

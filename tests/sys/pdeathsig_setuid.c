/*
 * pdeathsig_setuid: why spawn.c sets PR_SET_PDEATHSIG *after* dropping
 * credentials (prctl(2): "the parent-death signal setting is cleared ...
 * when the effective user ID, effective group ID, filesystem user ID, or
 * filesystem group ID is changed").
 *
 *  1-3  a child sets PDEATHSIG, then setresuid(65534): PR_GET_PDEATHSIG
 *       reads 0 afterwards;
 *  4-6  the order spawn.c uses: setresuid first, then PDEATHSIG.  It
 *       sticks, and when the intermediate parent is SIGKILLed the
 *       grandchild dies of that signal;
 *  7    negative control: with the wrong order the grandchild survives
 *       its parent's death.
 *
 * We are a child subreaper, so the orphaned grandchildren come back to
 * us and we reap (and, for the control, kill) only those.  Needs root;
 * otherwise "1..0 # SKIP".
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

#define NOBODY 65534

static int
drop_to_nobody(void)
{
	return setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	               setresuid(NOBODY, NOBODY, NOBODY) < 0
	           ? -1
	           : 0;
}

static int
get_pdeathsig(void)
{
	int sig = -1;

	if (prctl(PR_GET_PDEATHSIG, &sig) < 0)
		return -1;
	return sig;
}

static pid_t
wait_status(pid_t pid, int *status)
{
	pid_t r;

	while ((r = waitpid(pid, status, 0)) < 0 && errno == EINTR)
		;
	return r;
}

/* Case 1-3: set, drop, read back.  The child reports as its exit code:
 * 10 + (before == SIGUSR1) + 2 * (after == 0). */
static void
case_cleared(void)
{
	int status = 0;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		bail("fork");
	if (pid == 0) {
		int before, after;

		if (prctl(PR_SET_PDEATHSIG, SIGUSR1) < 0)
			_exit(1);
		before = get_pdeathsig();
		if (drop_to_nobody() < 0)
			_exit(2);
		after = get_pdeathsig();
		_exit(10 + (before == SIGUSR1) + 2 * (after == 0));
	}
	if (wait_status(pid, &status) != pid)
		bail("waitpid");
	tap(WIFEXITED(status) && WEXITSTATUS(status) >= 10,
	    "child set PDEATHSIG and dropped to uid %d (status %#x)", NOBODY,
	    status);
	tap(WIFEXITED(status) && (WEXITSTATUS(status) - 10) & 1,
	    "PR_GET_PDEATHSIG reads SIGUSR1 before the credential change");
	tap(WIFEXITED(status) && (WEXITSTATUS(status) - 10) & 2,
	    "PR_GET_PDEATHSIG reads 0 after setresuid(%d)", NOBODY);
}

/*
 * Fork an intermediate process that forks a grandchild.  The grandchild
 * drops to nobody and sets PDEATHSIG=SIGUSR2 in the given order, then
 * reports its pid and the setting on PIPE and waits.  Returns the
 * grandchild's pid and sets *mid and *seen.
 */
static pid_t
start_pair(int prctl_first, pid_t *mid, int *seen)
{
	int fds[2];
	int msg[2];
	pid_t m;

	if (pipe(fds) < 0)
		bail("pipe");
	m = fork();
	if (m < 0)
		bail("fork");
	if (m == 0) {
		pid_t parent = getpid();
		pid_t gc = fork();

		if (gc < 0)
			_exit(1);
		if (gc == 0) {
			if (prctl_first && prctl(PR_SET_PDEATHSIG, SIGUSR2) < 0)
				_exit(1);
			if (drop_to_nobody() < 0)
				_exit(2);
			if (!prctl_first &&
			    prctl(PR_SET_PDEATHSIG, SIGUSR2) < 0)
				_exit(3);
			/* The intermediate may already be gone (as tendd
			 * could be); spawn.c checks this too. */
			if (getppid() != parent)
				_exit(4);
			msg[0] = getpid();
			msg[1] = get_pdeathsig();
			if (write(fds[1], msg, sizeof(msg)) != sizeof(msg))
				_exit(5);
			for (;;)
				pause();
		}
		for (;;)
			pause(); /* until the test kills us */
	}
	close(fds[1]);
	if (read(fds[0], msg, sizeof(msg)) != sizeof(msg))
		bail("read from grandchild");
	close(fds[0]);
	*mid = m;
	*seen = msg[1];
	return msg[0];
}

/* Has PID (our child) ended within MS milliseconds?  Then *STATUS. */
static int
ended_within(pid_t pid, int ms, int *status)
{
	struct timespec ts = {0, 10 * 1000000L};
	int i;

	for (i = 0; i < ms / 10; i++) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 1;
		if (r < 0 && errno != EINTR)
			bail("waitpid grandchild");
		nanosleep(&ts, NULL);
	}
	return 0;
}

static void
kill_mid(pid_t mid)
{
	int status;

	if (kill(mid, SIGKILL) < 0)
		bail("kill intermediate");
	if (wait_status(mid, &status) != mid)
		bail("waitpid intermediate");
}

static void
case_sticks(void)
{
	int seen = -1, status = 0;
	pid_t mid, gc;

	gc = start_pair(0, &mid, &seen);
	tap(seen == SIGUSR2,
	    "PDEATHSIG set after setresuid(%d) sticks (reads %d)", NOBODY,
	    seen);
	kill_mid(mid);
	tap(ended_within(gc, 30000, &status),
	    "grandchild ends when its parent is SIGKILLed");
	tap(WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR2,
	    "... killed by SIGUSR2, the parent-death signal (status %#x)",
	    status);
}

static void
case_control(void)
{
	int seen = -1, status = 0;
	pid_t mid, gc;
	int ended;

	gc = start_pair(1, &mid, &seen);
	kill_mid(mid);
	ended = ended_within(gc, 300, &status);
	tap(!ended && seen == 0,
	    "control: PDEATHSIG set before setresuid is lost; the grandchild "
	    "survives its parent");
	if (!ended) {
		/* Ours (we are its subreaper and it is unreaped), so the pid
		 * is safe to signal. */
		kill(gc, SIGKILL);
		wait_status(gc, &status);
	}
}

int
main(void)
{
	alarm(60);
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root for setresuid\n");
		return 0;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		printf("1..0 # SKIP PR_SET_CHILD_SUBREAPER: %s\n",
		    strerror(errno));
		return 0;
	}
	printf("1..7\n");
	case_cleared();
	case_sticks();
	case_control();
	return tap_failed;
}

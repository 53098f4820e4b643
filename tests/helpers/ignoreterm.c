/*
 * ignoreterm: a service that ignores SIGTERM, so the tests can watch
 * tendd fall back to SIGKILL after stopwaitsecs.  Prints "ready" once
 * the signal is ignored, then waits forever.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int
main(void)
{
	struct sigaction sa;

	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0) {
		perror("ignoreterm: sigaction(SIGTERM)");
		return 2;
	}
	/* "ready" only after the disposition is in place, so a test that
	 * sees it knows a SIGTERM will be ignored. */
	if (printf("ready\n") < 0 || fflush(stdout) == EOF) {
		perror("ignoreterm: stdout");
		return 2;
	}
	for (;;)
		pause();
}

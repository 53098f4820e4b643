/*
 * handover_check.c: the check of the new binary before a reexec: is the
 * file at tendd's path a tendd that reads the state this one writes
 * (`--handover-version`), and does it accept the config (`-n -c CONF`)?
 * Each step is a child of the loop with a deadline; the verdict answers
 * the request (or is logged, for SIGUSR1), and a check that passed asks
 * handover.c to execute.  Owns nothing of the state's format.
 */
#include "handover_impl.h"
#include "log.h"
#include "reap.h"
#include "req.h"
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define HANDOVER_CHECK_TIMEOUT 30.0 /* seconds for the new binary's -n */

/*
 * `tendd --handover-version`, then `tendd -n -c CONF`, each a child of
 * the loop (spawn.c, reaped by reap.c as health.c's exec probes are,
 * with a deadline): tendd goes on answering while a slow binary, a slow
 * disk or a config with many includes is being checked.  One check at a
 * time; the request waits for it (or SIGUSR1 logs it).
 */
#define CHECK_OUT 1024

static struct {
	struct reap_child child;
	ev_io out_io;
	ev_timer deadline;
	int outfd, execfd;
	size_t outlen;
	bool running, timed_out, dry;
	int step; /* 0: --handover-version, 1: -n */
	struct req *rq; /* NULL: SIGUSR1, or the client left */
} ck = {.outfd = -1, .execfd = -1};

/* The check's output, apart from ck: zero-initialised, so it takes no
 * room in the executable (.bss, not .data). */
static struct {
	char out[CHECK_OUT];
} ckout;

static void check_step(void);

/* Keep the first CHECK_OUT - 1 bytes of the output, drop the rest. */
static void
check_drain(void)
{
	char sink[4096];
	ssize_t n;

	while (ck.outfd >= 0) {
		if (ck.outlen < sizeof(ckout.out) - 1)
			n = read(ck.outfd, ckout.out + ck.outlen,
			    sizeof(ckout.out) - 1 - ck.outlen);
		else
			n = read(ck.outfd, sink, sizeof(sink));
		if (n > 0 && ck.outlen < sizeof(ckout.out) - 1)
			ck.outlen += (size_t)n;
		else if (n == 0 || (n < 0 && errno != EINTR)) {
			if (n == 0 || errno != EAGAIN)
				ev_io_stop(handover_loop(), &ck.out_io);
			break;
		}
	}
	ckout.out[ck.outlen] = '\0';
}

static void
check_out_cb(struct ev_loop *l, ev_io *w, int revents)
{
	(void)l, (void)w, (void)revents;
	check_drain();
}

static void
check_deadline_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l, (void)w, (void)revents;
	ck.timed_out = true;
	if (reap_child_kill(&ck.child, SIGKILL) == -1 && errno != ESRCH)
		log_warn("reexec: check: kill");
}

/* The first line of S, for a message. */
static const char *
first_line(char *s)
{
	s[strcspn(s, "\n")] = '\0';
	return s;
}

/* The check is over: MSG (NULL when it passed). */
static void
check_end(const char *msg)
{
	struct req *rq = ck.rq;
	const char *busy;

	ck.running = false;
	ck.rq = NULL;
	if (msg == NULL && (busy = handover_busy()) != NULL)
		msg = busy;
	if (msg != NULL) {
		if (rq != NULL)
			req_error(rq, "%s", msg);
		else
			log_warnx("reexec: %s; tendd goes on as it was", msg);
		return;
	}
	if (rq != NULL) {
		req_record(rq);
		req_kv(rq, "binary", handover_exe());
		req_kvll(rq, "format", HANDOVER_VERSION);
		req_kv(rq, "config", handover_conf());
		req_kv(rq, "result", ck.dry ? "checked" : "re-executing");
		req_record_end(rq);
		req_end(rq);
	}
	if (ck.dry)
		return;
	/* From the loop: the answer must reach the client first (ctl's
	 * section flushes it). */
	handover_exec_soon();
}

/* What one step's child said; -1 when it did not exit 0 (MSG filled). */
static int
check_verdict(int code, int sig, const char *what, char *msg, size_t len)
{
	char fail[128];

	if (ck.execfd >= 0 &&
	    spawn_read_failure(ck.execfd, fail, sizeof(fail)) == 1) {
		(void)snprintf(msg, len, "%.256s: %s", handover_exe(), fail);
		return -1;
	}
	if (ck.timed_out) {
		(void)snprintf(msg, len, "%.256s %s: no answer in %.0f s",
		    handover_exe(), what, HANDOVER_CHECK_TIMEOUT);
		return -1;
	}
	if (code == 0 && sig == 0)
		return 0;
	(void)snprintf(msg, len, "%.256s %s: %.150s (exit %d)", handover_exe(),
	    what, first_line(ckout.out), sig ? 128 + sig : code);
	return -1;
}

static void
check_done(struct reap_child *c, int code, int sig)
{
	char msg[600];
	long lo, hi;

	(void)c;
	ev_timer_stop(handover_loop(), &ck.deadline);
	check_drain();
	ev_io_stop(handover_loop(), &ck.out_io);
	if (check_verdict(code, sig,
	        ck.step == 0 ? "--handover-version" : "-n", msg,
	        sizeof(msg)) == -1) {
		if (ck.step == 0)
			(void)snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
			    ": not a tendd that can take a hand-over");
	} else if (ck.step == 0 && sscanf(ckout.out, "%ld %ld", &lo, &hi) != 2) {
		(void)snprintf(msg, sizeof(msg),
		    "%.256s --handover-version: %.150s: not a tendd that can "
		    "take a hand-over",
		    handover_exe(), first_line(ckout.out));
	} else if (ck.step == 0 &&
	           (HANDOVER_VERSION < lo || HANDOVER_VERSION > hi)) {
		(void)snprintf(msg, sizeof(msg),
		    "%.256s reads state formats %ld to %ld, this tendd writes "
		    "%d",
		    handover_exe(), lo, hi, HANDOVER_VERSION);
	} else
		msg[0] = '\0';
	if (ck.outfd >= 0)
		(void)close(ck.outfd);
	if (ck.execfd >= 0)
		(void)close(ck.execfd);
	ck.outfd = ck.execfd = -1;
	if (msg[0] != '\0') {
		check_end(msg);
		return;
	}
	if (ck.step++ == 0)
		check_step();
	else
		check_end(NULL);
}

/* Run the current step's command as a child of the loop. */
static void
check_step(void)
{
	char *exe = (char *)handover_exe();
	char *vargv[] = {exe, (char *)"--handover-version", NULL};
	char *nargv[] = {exe, (char *)"-n", (char *)"-c",
	    (char *)handover_conf(), NULL};
	struct spawn_opts o = {.tendd_pid = getpid(), .cgroup_fd = -1,
	    .stdin_fd = -1};
	struct spawn_child child;
	struct conf_proc pc;
	char err[256], msg[400];

	/* No service: its output into a pipe of ours, stderr with it, in
	 * tendd's cgroup, tendd's environment. */
	memset(&pc, 0, sizeof(pc));
	pc.name = (char *)"tendd-reexec-check";
	pc.argv = ck.step == 0 ? vargv : nargv;
	pc.umask = -1;
	pc.out.kind = CONF_LOG_AUTO;
	pc.redirect_stderr = true;
	ck.outlen = 0;
	ckout.out[0] = '\0';
	ck.timed_out = false;
	if (spawn_start(&pc, &o, &child, err, sizeof(err)) == -1) {
		(void)snprintf(msg, sizeof(msg), "checking %.200s: %.180s",
		    handover_exe(), err);
		check_end(msg);
		return;
	}
	ck.outfd = child.outfd;
	ck.execfd = child.execfd;
	if (ck.outfd >= 0) {
		if (util_set_nonblock(ck.outfd) == -1)
			log_warn("reexec: check: O_NONBLOCK");
		ev_io_init(&ck.out_io, check_out_cb, ck.outfd, EV_READ);
		ev_io_start(handover_loop(), &ck.out_io);
	}
	ck.child.pid = child.pid;
	ck.child.pidfd = child.pidfd;
	ck.child.done = check_done;
	reap_child_watch(&ck.child);
	ev_timer_init(&ck.deadline, check_deadline_cb, HANDOVER_CHECK_TIMEOUT,
	    0.);
	ev_timer_start(handover_loop(), &ck.deadline);
}

static void
check_cancel(struct req *rq)
{
	(void)rq;
	ck.rq = NULL; /* the check goes on; its end is logged */
}

int
handover_check_begin(struct req *rq, bool dry, char *msg, size_t len)
{
	const char *busy = handover_busy();

	if (busy != NULL) {
		(void)snprintf(msg, len, "%s", busy);
		return -1;
	}
	if (ck.running) {
		(void)snprintf(msg, len, "a reexec check is already running");
		return -1;
	}
	if (!handover_has_image()) {
		(void)snprintf(msg, len, "tendd's own image could not be "
		                         "opened at start-up: no fallback");
		return -1;
	}
	ck.running = true;
	ck.dry = dry;
	ck.step = 0;
	ck.rq = rq;
	if (rq != NULL) {
		rq->state = &ck;
		rq->cancel = check_cancel;
	}
	check_step();
	return 0;
}

/*
 * fdbudget.c: the file descriptors a configuration needs, and tendd's
 * RLIMIT_NOFILE.
 *
 * Owns: counting what a tend_conf needs (fdbudget_need), raising the
 * limit towards it and towards minfds=, and the refusal when the limit
 * cannot reach it: at start-up, in `tendd -n`, and for a reload.  A
 * config that does not fit is refused whole, before anything starts,
 * rather than a part of its services turning FATAL with "Too many open
 * files".
 *
 * Leaves alone: opening or closing anything (spawn.c, logcap.c, cgroup.c
 * own the descriptors counted here).
 *
 * What a process holds in tendd while it runs (the "need"): its pidfd,
 * the read end of each output pipe (a stream that is captured: logged to
 * a file or to syslog) and the write end of its stdin pipe, if it has one
 * (stdin_pipe=).  What it may hold besides (the "want"): the log
 * file of each stream, opened at the first output and kept open while
 * the process runs.  Exec pipes (from a spawn until its exec) are
 * FDBUDGET_EXEC_PIPES at once, whatever the number of processes.  Below
 * the need, services
 * would fail to start; below the want, output may be dropped ("open: Too
 * many open files" in tendd's log) while every service runs.
 */
#include "fdbudget.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

/* tendd's own: stdio, the loop, signals, inotify, the control socket and
 * its clients with a tail each, NOTIFY_SOCKET, syslog, /dev/null, the
 * spawn frames' sockets, its log file. */
#define FDBUDGET_BASE 192

static bool
fdbudget_captured(const struct conf_log *l)
{
	return conf_log_captured(l);
}

/* The streams of C that have a pipe: stdout, and stderr unless it is
 * redirected into stdout. */
static size_t
fdbudget_pipes(const struct conf_proc *c)
{
	return (size_t)(fdbudget_captured(&c->out) || conf_is_listener(c)) +
	       (size_t)(!c->redirect_stderr && fdbudget_captured(&c->err)) +
	       (size_t)c->stdin_pipe;
}

static size_t
fdbudget_files(const struct conf_proc *c)
{
	return (size_t)(c->out.kind != CONF_LOG_NONE) +
	       (size_t)(!c->redirect_stderr && c->err.kind != CONF_LOG_NONE);
}

void
fdbudget_count(const struct tend_conf *c, struct fdbudget *b)
{
	size_t i;

	memset(b, 0, sizeof(*b));
	b->nprocs = c->nprocs;
	b->need = FDBUDGET_BASE + FDBUDGET_EXEC_PIPES;
	b->want = b->need;
	for (i = 0; i < c->nprocs; i++) {
		const struct conf_proc *p = c->procs[i];
		/* an [fcgi-program:x]'s socket: one per program */
		size_t held = 1 + fdbudget_pipes(p) +
		              (p->fcgi != NULL &&
		                  p->process_num == p->numprocs_start);

		b->need += held;
		b->want += held + fdbudget_files(p);
	}
	if (c->global.minfds > 0 && (size_t)c->global.minfds > b->want)
		b->want = (size_t)c->global.minfds;
}

size_t
fdbudget_need(const struct tend_conf *c)
{
	struct fdbudget b;

	fdbudget_count(c, &b);
	return b.need;
}

/* Raise the soft limit (and, with CAP_SYS_RESOURCE, the hard one) to
 * WANT, or as near as allowed.  RL: the limits in force afterwards.  -1:
 * getrlimit() failed. */
static int
fdbudget_raise(rlim_t want, struct rlimit *rl)
{
	struct rlimit nl;

	if (getrlimit(RLIMIT_NOFILE, rl) == -1)
		return -1;
	if (rl->rlim_cur == RLIM_INFINITY || rl->rlim_cur >= want)
		return 0;
	nl.rlim_cur = want;
	nl.rlim_max = rl->rlim_max != RLIM_INFINITY && rl->rlim_max < want
	                  ? want
	                  : rl->rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &nl) == -1 && rl->rlim_cur < rl->rlim_max) {
		nl.rlim_cur = rl->rlim_max < want ? rl->rlim_max : want;
		nl.rlim_max = rl->rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &nl);
	}
	return getrlimit(RLIMIT_NOFILE, rl);
}

int
fdbudget_check(const struct tend_conf *c, char *msg, size_t len)
{
	struct fdbudget b;
	struct rlimit rl;

	msg[0] = '\0';
	fdbudget_count(c, &b);
	if (fdbudget_raise((rlim_t)b.want, &rl) == -1) {
		(void)snprintf(msg, len, "getrlimit(RLIMIT_NOFILE): %s",
		    strerror(errno));
		return 0;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= (rlim_t)b.want)
		return 0;
	if (rl.rlim_cur < (rlim_t)b.need) {
		(void)snprintf(msg, len,
		    "%zu processes need %zu file descriptors, but the limit "
		    "is %llu (hard %llu) and cannot be raised: start tendd "
		    "with `ulimit -n %zu` or LimitNOFILE=%zu, or with "
		    "CAP_SYS_RESOURCE and minfds=%zu",
		    b.nprocs, b.need, (unsigned long long)rl.rlim_cur,
		    (unsigned long long)rl.rlim_max, b.want, b.want, b.want);
		return -1;
	}
	(void)snprintf(msg, len,
	    "the limit on open files is %llu: room for the %zu processes "
	    "(%zu), not for all their log files and minfds= (%zu); output "
	    "that cannot be written is dropped (`ulimit -n %zu` gives room)",
	    (unsigned long long)rl.rlim_cur, b.nprocs, b.need, b.want, b.want);
	return 0;
}

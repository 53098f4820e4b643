/*
 * logs.c: the log requests: tail and maintail (one-shot or -f), clear,
 * reopen.
 *
 * tail and maintail read the log file through a logcap reader, one piece
 * at a time and only when the sink has sent the previous one (rq->pump):
 * a client holds at most one piece, whatever the log's size.  A tail -f
 * client that falls more than LOGCAP_FOLLOW_BEHIND bytes behind is
 * skipped ahead (it gets a "skipped" record); the front end cuts off one
 * that takes nothing for too long.  Neither ever slows a service or the
 * loop.
 */
#include "logs.h"
#include "job.h"
#include "log.h"
#include "logcap.h"
#include "logfile.h"
#include "proto.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A tail in progress. */
struct logs_tail {
	struct logcap_follow *f;
	bool live; /* tail -f: wait for more at the end */
};

/* A piece of a log: one DATA reply's worth.  Filled and sent in one go,
 * so the pumps of all tails share it. */
static unsigned char logs_buf[PROTO_MAX_BODY];

/* logcap says there may be more to read: ask the sink to pump us.  This
 * runs inside logcap and inside log.c's write of a line, so it must not
 * log, send or free. */
static void
logs_follow_cb(void *arg)
{
	req_wake(arg);
}

static void
logs_tail_free(struct logs_tail *t)
{
	logcap_unfollow(t->f);
	free(t);
}

static void
logs_tail_cancel(struct req *rq)
{
	logs_tail_free(rq->state);
}

/* The previous piece is out: send the next one, or END when a one-shot
 * tail is done or the followed process went away. */
static void
logs_tail_pump(struct req *rq)
{
	struct logs_tail *t = rq->state;
	uint64_t skipped;
	ssize_t n;

	n = logcap_follow_read(t->f, logs_buf, sizeof(logs_buf), &skipped);
	if (skipped > 0) {
		req_record(rq);
		req_kvll(rq, "skipped", (long long)skipped);
		req_record_end(rq);
	}
	if (n > 0) {
		req_data(rq, logs_buf, (size_t)n);
		return;
	}
	if (n == 0 && t->live)
		return; /* logs_follow_cb wakes us */
	logs_tail_free(t);
	req_end(rq);
}

/* "bytes"|"lines", COUNT, "0"|"1" */
static int
logs_tail_args(const char **argv, uint64_t *count, bool *lines, bool *follow)
{
	long n;

	if (strcmp(argv[0], "bytes") == 0)
		*lines = false;
	else if (strcmp(argv[0], "lines") == 0)
		*lines = true;
	else
		return -1;
	if (util_parse_long(argv[1], 0, LONG_MAX, &n) == -1)
		return -1;
	*count = (uint64_t)n;
	if (strcmp(argv[2], "0") != 0 && strcmp(argv[2], "1") != 0)
		return -1;
	*follow = argv[2][0] == '1';
	return 0;
}

void
logs_do_tail(struct req *rq)
{
	const char **argv = rq->argv;
	int argc = rq->argc;
	struct logs_tail *t;
	struct proc *p = NULL;
	uint64_t count;
	bool lines, follow;
	char err[512];
	int fd = 1;

	if (rq->type == PROTO_REQ_TAIL) {
		if (argc != 5 || (strcmp(argv[1], "stdout") != 0 &&
		                     strcmp(argv[1], "stderr") != 0)) {
			req_error(rq, "tail: malformed request");
			return;
		}
		if ((p = svctab_find(req_env.tab, argv[0])) == NULL) {
			req_error(rq, "%s: no such process", argv[0]);
			return;
		}
		fd = strcmp(argv[1], "stderr") == 0 ? 2 : 1;
		argv += 2;
	} else if (argc != 3) {
		req_error(rq, "maintail: malformed request");
		return;
	}
	if (logs_tail_args(argv, &count, &lines, &follow) == -1) {
		req_error(rq, "tail: malformed request");
		return;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		req_error(rq, "tendd: out of memory");
		return;
	}
	t->f = logcap_follow(
	    p, fd, count, lines, follow, logs_follow_cb, rq, err, sizeof(err));
	if (t->f == NULL) {
		free(t);
		req_error(rq, "%s", err);
		return;
	}
	t->live = follow;
	rq->state = t;
	rq->cancel = logs_tail_cancel;
	rq->pump = logs_tail_pump;
	/* The sink pumps the first piece. */
	req_wake(rq);
}

void
logs_do_clear(struct req *rq)
{
	struct job *r;
	char err[200];
	size_t k;
	int i;

	if (rq->argc == 0) {
		req_error(rq, "a process name is required");
		return;
	}
	if ((r = job_new(JOB_LIST)) == NULL)
		goto nomem;
	for (i = 0; i < rq->argc; i++)
		if (job_add(r, rq->argv[i]) == -1) {
			job_free(r);
			goto nomem;
		}
	for (k = 0; k < r->ns; k++) {
		struct job_step *st = &r->s[k];

		st->success = "cleared";
		if (st->p != NULL) {
			if (logcap_clear(st->p, err, sizeof(err)) == 0)
				job_step_finish(st, PROTO_F_OK, NULL, NULL);
			else
				job_step_finish(st, PROTO_F_FAILED, NULL, err);
		}
		job_step_put(rq, st);
	}
	job_free(r);
	req_end(rq);
	return;
nomem:
	req_error(rq, "tendd: out of memory");
}

void
logs_do_reopen(struct req *rq)
{
	log_info(
	    "reopening log files (asked by control client %d)", (int)rq->pid);
	if (log_reopen() == -1)
		log_warn("tendd log: reopen");
	logcap_reopen_all(req_env.tab);
	req_end(rq);
}

/* --- READLOG: supervisord's offset reads ------------------------------- */

/* Never more than this in one reply (a read with LENGTH 0 of a huge
 * log): the client asks again from where it got to. */
#define LOGS_READ_MAX (16ll << 20)

/* Send N bytes of FD from FROM as DATA pieces; -1: ERR says why. */
static int
logs_send_range(struct req *rq, int fd, long long from, long long n,
    char *err, size_t errlen)
{
	ssize_t got;
	size_t want;

	while (n > 0) {
		want = n < (long long)sizeof(logs_buf) ? (size_t)n
		                                       : sizeof(logs_buf);
		if ((got = pread(fd, logs_buf, want, (off_t)from)) == -1) {
			(void)snprintf(err, errlen, "read: %s", strerror(errno));
			return -1;
		}
		if (got == 0)
			break; /* truncated meanwhile */
		req_data(rq, logs_buf, (size_t)got);
		from += got;
		n -= got;
	}
	return 0;
}

/* The log READLOG's arguments name, or NULL (the reply is sent). */
static const char *
logs_readlog_path(struct req *rq)
{
	struct proc *p;
	const char *path;

	if (rq->argv[0][0] == '\0') {
		if ((path = log_file_path()) == NULL)
			req_error(rq, "NO_FILE: tendd logs to standard error");
		return path;
	}
	if ((p = svctab_find(req_env.tab, rq->argv[0])) == NULL) {
		req_error(rq, "BAD_NAME: %s", rq->argv[0]);
		return NULL;
	}
	path = logcap_path(p, strcmp(rq->argv[1], "stderr") == 0 ? 2 : 1);
	if (path == NULL && strcmp(rq->argv[2], "read") == 0)
		req_error(rq, "NO_FILE: %s has no %s log file", rq->argv[0],
		    rq->argv[1]);
	else if (path == NULL)
		req_end(rq); /* tail: nothing, as supervisord */
	return path;
}

void
logs_do_readlog(struct req *rq)
{
	long offset, length;
	long long from, n, size;
	bool tail, overflow = false;
	const char *path;
	struct stat st;
	char err[300];
	int fd;

	if (rq->argc != 5 || util_parse_long(rq->argv[3], LONG_MIN, LONG_MAX,
	                         &offset) == -1 ||
	    util_parse_long(rq->argv[4], LONG_MIN, LONG_MAX, &length) == -1) {
		req_error(rq, "readlog: malformed request");
		return;
	}
	tail = strcmp(rq->argv[2], "tail") == 0;
	if ((path = logs_readlog_path(rq)) == NULL)
		return;
	if (strcmp(rq->argv[2], "clear") == 0) {
		if (truncate(path, 0) == -1)
			req_error(rq, "FAILED: %s: truncate: %s", path,
			    strerror(errno));
		else
			req_end(rq);
		return;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (tail)
			req_end(rq);
		else
			req_error(rq, "NO_FILE: %s", path);
		return;
	}
	if (fstat(fd, &st) == -1) {
		(void)snprintf(err, sizeof(err), "fstat: %s", strerror(errno));
		goto fail;
	}
	size = (long long)st.st_size;
	if (tail)
		logfile_tail_range(offset, length, size, &from, &n, &overflow);
	else if (logfile_read_range(offset, length, size, &from, &n) == -1) {
		(void)close(fd);
		req_error(rq, "BAD_ARGUMENTS");
		return;
	}
	if (n > LOGS_READ_MAX)
		n = LOGS_READ_MAX;
	if (logs_send_range(rq, fd, from, n, err, sizeof(err)) == -1)
		goto fail;
	(void)close(fd);
	if (tail) {
		req_record(rq);
		req_kvll(rq, "offset", size);
		req_kv(rq, "overflow", overflow ? "1" : "0");
		req_record_end(rq);
	}
	req_end(rq);
	return;
fail:
	(void)close(fd);
	if (tail)
		req_end(rq);
	else
		req_error(rq, "FAILED: %s: %s", path, err);
}

/*
 * tcstream.c: the verbs that stream: events, tail, maintail; and reopen.
 */
#include "tc.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* --- events ------------------------------------------------------------ */

static const char *
msg_str(const struct proto_msg *m, const char *key)
{
	const char *v = proto_record_get(m, key);

	return v != NULL ? v : "";
}

static long long
msg_int(const struct proto_msg *m, const char *key)
{
	return strtoll(msg_str(m, key), NULL, 10);
}

/* One state change: "SEQ DATE TIME NAME FROM -> STATE DESCRIPTION", or
 * one JSON object on a line of its own. */
static void
tc_event_print(const struct tc *t, const struct proto_msg *m)
{
	double when = strtod(msg_str(m, "time"), NULL);
	time_t secs = (time_t)when;
	bool first = true, efirst = true;
	char stamp[64];
	struct tm tm;

	if (t->json) {
		putchar('{');
		json_kint("seq", msg_int(m, "seq"), &first);
		json_knum("time", isfinite(when) ? when : 0, &first);
		json_kstr("name", msg_str(m, "name"), &first);
		json_kstr("group", msg_str(m, "group"), &first);
		json_kstr("fullname", msg_str(m, "fullname"), &first);
		json_kstr("from", msg_str(m, "from"), &first);
		json_kstr("state", msg_str(m, "state"), &first);
		json_kint("pid", msg_int(m, "pid"), &first);
		json_kstr("description", msg_str(m, "description"), &first);
		json_key("exit", &first);
		if (proto_record_get(m, "exit_code") != NULL) {
			putchar('{');
			json_kint("code", msg_int(m, "exit_code"), &efirst);
			json_kint("signal", msg_int(m, "exit_signal"), &efirst);
			json_key("core", &efirst);
			fputs(
			    msg_int(m, "exit_core") ? "true" : "false", stdout);
			putchar('}');
		} else {
			fputs("null", stdout);
		}
		if (proto_record_get(m, "health") != NULL) {
			json_kstr("health", msg_str(m, "health"), &first);
		} else {
			json_key("health", &first);
			fputs("null", stdout);
		}
		json_key("pool", &first);
		if (proto_record_get(m, "pool") != NULL) {
			efirst = true;
			putchar('{');
			json_kstr("name", msg_str(m, "pool"), &efirst);
			json_kint("buffered", msg_int(m, "pool_buffered"),
			    &efirst);
			json_kint("dropped", msg_int(m, "pool_dropped"),
			    &efirst);
			putchar('}');
		} else {
			fputs("null", stdout);
		}
		fputs("}\n", stdout);
		return;
	}
	if (localtime_r(&secs, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		(void)snprintf(stamp, sizeof(stamp), "%lld", (long long)secs);
	printf("%lld %s.%03d %s %s -> %s%s%s\n", msg_int(m, "seq"), stamp,
	    (int)((when - (double)secs) * 1000) % 1000, msg_str(m, "fullname"),
	    msg_str(m, "from"), msg_str(m, "state"),
	    *msg_str(m, "description") ? " " : "", msg_str(m, "description"));
}

/*
 * events [--since SEQ] [--no-follow]: print every state change tendd
 * records, each with its sequence number; with --since, first the ones
 * after SEQ that tendd still holds.  An overflow of that history is
 * reported, on standard error and as a {"lost": N} line with --json, and
 * makes a --no-follow run exit 1.
 */
/* The state of an events call, for its records. */
struct tc_events {
	const char *since;
	bool lost;
};

static int
tc_event_rec(struct tc *t, struct proto_msg *m, void *arg)
{
	struct tc_events *ev = arg;
	const char *s;

	if (proto_count_strs(m) < 0)
		return -1;
	if (proto_record_get(m, "seq") != NULL) {
		tc_event_print(t, m);
	} else if ((s = proto_record_get(m, "lost")) != NULL) {
		ev->lost = true;
		tc_err(
		    "events: %s events lost: tendd keeps only the last ones; "
		    "resuming at %s",
		    s, msg_str(m, "next"));
		if (t->json)
			printf("{\"lost\":%lld,\"next\":%lld}\n",
			    msg_int(m, "lost"), msg_int(m, "next"));
	} else if (proto_record_get(m, "reset") != NULL) {
		tc_err("events: sequence %s is past tendd's last (%lld): tendd "
		       "restarted; showing all it kept",
		    ev->since, msg_int(m, "next") - 1);
	}
	return 0;
}

int
tc_events(struct tc *t, const struct verb *v, int argc, char **argv)
{
	struct tc_events ev = {"", false};
	struct tc_reply h = {tc_event_rec, NULL, &ev, CTLC_FOREVER, true};
	bool follow = tc_opt(t, "no-follow") == NULL;
	char *args[2];
	int rc;

	if (tc_opt(t, "since") != NULL)
		ev.since = tc_opt(t, "since");
	args[0] = (char *)ev.since;
	args[1] = follow ? "1" : "0";
	if (!follow)
		h.timeout = CTLC_REPLY_TIMEOUT;
	rc = tc_request(t, "events", PROTO_REQ_EVENTS, args, 2, &h);
	if (rc == EXIT_OK && ev.lost)
		rc = EXIT_FAIL;
	return rc;
}

/* [-f] [-BYTES] [-n LINES]: bytes (default 1600, as supervisorctl) or
 * lines, and follow.  -1 on a usage error (printed). */
struct tc_tailopts {
	bool follow;
	bool lines;
	const char *count;
};

static int
tc_tail_opts(struct tc *t, const struct verb *v, struct tc_tailopts *o)
{
	const char *lines = tc_opt(t, "n"), *bytes = tc_opt(t, "BYTES");

	if (lines != NULL && bytes != NULL) {
		(void)tc_usage_err(v, "-n and -BYTES cannot be combined");
		return -1;
	}
	o->follow = tc_opt(t, "f") != NULL;
	o->lines = lines != NULL;
	o->count = lines != NULL ? lines : bytes != NULL ? bytes : "1600";
	return 0;
}

int
tc_tail(struct tc *t, const struct verb *v, int argc, char **argv)
{
	struct tc_tailopts o;
	char *args[5];

	if (tc_tail_opts(t, v, &o) == -1)
		return EXIT_USAGE;
	/* supervisorctl's `tail NAME stderr` */
	if (argc == 2 && strcmp(argv[1], "stdout") != 0 &&
	    strcmp(argv[1], "stderr") != 0)
		return tc_usage_err(v, "%s: stdout or stderr?", argv[1]);
	args[0] = argv[0];
	args[1] = argc == 2 ? argv[1] : "stdout";
	args[2] = o.lines ? "lines" : "bytes";
	args[3] = (char *)o.count;
	args[4] = o.follow ? "1" : "0";
	return tc_stream(t, v->name, PROTO_REQ_TAIL, args, 5, o.follow);
}

int
tc_maintail(struct tc *t, const struct verb *v, int argc, char **argv)
{
	struct tc_tailopts o;
	char *args[3];

	if (tc_tail_opts(t, v, &o) == -1)
		return EXIT_USAGE;
	args[0] = o.lines ? "lines" : "bytes";
	args[1] = (char *)o.count;
	args[2] = o.follow ? "1" : "0";
	return tc_stream(t, v->name, PROTO_REQ_MAINTAIL, args, 3, o.follow);
}

int
tc_reopen(struct tc *t, const struct verb *v, int argc, char **argv)
{
	int rc;

	rc = tc_call(t, v->name, PROTO_REQ_REOPEN, argv, argc,
	    CTLC_REPLY_TIMEOUT, NULL, NULL);
	if (rc == EXIT_OK)
		printf("Reopened log files\n");
	return rc;
}

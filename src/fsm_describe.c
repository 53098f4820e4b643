/*
 * fsm_describe.c: the DESCRIPTION column of status (fsm_describe()),
 * from the fsm fields of struct proc; it decides nothing.
 */
#include "fsm_impl.h"

#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- the DESCRIPTION column ---------------------------------------------
 * supervisorctl's _interpretProcessInfo(), plus what tend knows more:
 *   RUNNING   "pid 1234, uptime 0:01:02" then ", STATUS" if the service
 *             sent STATUS= (appended, so "pid N, uptime T" stays a prefix)
 *   STARTING  STATUS text or ""          STOPPING  STATUS text or ""
 *   BACKOFF, FATAL   spawnerr, or 'unknown error (try "tail NAME")'
 *   STOPPED   "Not started", or the stop time "Nov 23 03:46 AM"
 *   EXITED    "exit status 1, Nov 23 03:46 AM" or "terminated by SIGSEGV
 *             (core dumped), Nov 23 ...", then "; restarting in 2.0s"
 *             while a delayed restart is pending.
 */

/* Append to BUF (length LEN, already holding a string) without overflow. */
static void TEND_PRINTF(3, 4)
    fsm_append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(buf, len);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* Append the decimal V, then SUFFIX, at BUF + *O (LEN bytes in all). */
static void
fsm_put_num(
    char *buf, size_t len, size_t *o, unsigned long v, const char *suffix)
{
	char tmp[24];
	size_t n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0 && *o + 1 < len)
		buf[(*o)++] = tmp[--n];
	while (*suffix != '\0' && *o + 1 < len)
		buf[(*o)++] = *suffix++;
	buf[*o] = '\0';
}

/* RUNNING's "pid 42, uptime 1:02:03" into the empty BUF.  Without printf
 * when under a day (UP, UPLEN: scratch): a status of 1,000 processes
 * formats 1,000 of these, and two snprintf calls were a third of it. */
static void
fsm_running_text(const struct proc *p, double now, char *buf, size_t len,
    char *up, size_t uplen)
{
	double secs = now - p->laststart;
	unsigned long t = secs > 0 ? (unsigned long)secs : 0;
	size_t o = 4; /* after "pid " */

	if (t >= 86400 || p->pid < 0 || len < 64) {
		util_format_uptime(secs, up, uplen);
		fsm_append(buf, len, "pid %ld, uptime %s", (long)p->pid, up);
		return;
	}
	memcpy(buf, "pid ", 5);
	fsm_put_num(buf, len, &o, (unsigned long)p->pid, ", uptime ");
	fsm_put_num(buf, len, &o, t / 3600, t % 3600 < 600 ? ":0" : ":");
	fsm_put_num(buf, len, &o, t % 3600 / 60, t % 60 < 10 ? ":0" : ":");
	fsm_put_num(buf, len, &o, t % 60, "");
}

/* supervisord's strftime('%b %d %I:%M %p') of the local time. */
static void
fsm_append_time(char *buf, size_t len, double wall)
{
	time_t t = (time_t)wall;
	struct tm tm;
	char when[64];

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%b %d %I:%M %p", &tm) == 0)
		(void)snprintf(when, sizeof(when), "%.0f", wall);
	fsm_append(buf, len, "%s", when);
}

/* "exit status 1" / "terminated by SIGSEGV (core dumped)" */
static void
fsm_append_exit(char *buf, size_t len, const struct proc_exit *ex)
{
	const char *name;

	if (ex->signal == 0) {
		fsm_append(buf, len, "exit status %d", ex->code);
		return;
	}
	/* util_signal_name says "SEGV", or "SIG40" for unnamed ones. */
	name = util_signal_name(ex->signal);
	fsm_append(buf, len, "terminated by %s%s%s",
	    strncmp(name, "SIG", 3) == 0 ? "" : "SIG", name,
	    ex->core ? " (core dumped)" : "");
}

/* "waiting for db, cache": the dependencies not RUNNING yet. */
static void
fsm_append_waiting(char *buf, size_t len, const struct proc *p)
{
	const char *sep = "waiting for ";
	size_t i;

	for (i = 0; i < p->ndeps; i++) {
		if (p->deps[i]->state == PROC_RUNNING)
			continue;
		fsm_append(buf, len, "%s%s", sep, p->deps[i]->fullname);
		sep = ", ";
	}
}

/* "waiting for app to stop": the dependents still up. */
static void
fsm_append_holding(char *buf, size_t len, const struct proc *p)
{
	const char *sep = "waiting for ";
	size_t i, n = 0;

	for (i = 0; i < p->nrdeps; i++) {
		if (!fsm_is_up(p->rdeps[i]))
			continue;
		fsm_append(buf, len, "%s%s", sep, p->rdeps[i]->fullname);
		sep = ", ";
		n++;
	}
	if (n > 0)
		fsm_append(buf, len, " to stop");
}

/*
 * What outlives the main process: "unkillable: pid 42 in D state since
 * Nov 23 03:46 AM" once SIGKILL did not work, else, with the main
 * process gone, "main process exited; 1 process left (pid 42)".
 */
static void
fsm_append_leftovers(char *buf, size_t len, const struct proc *p)
{
	const char *sep = buf[0] != '\0' ? "; " : "";

	if (p->stuck) {
		fsm_append(buf, len, "%sunkillable: pid %ld in %c state since ",
		    sep, (long)p->stuck_pid,
		    p->stuck_state != '\0' ? p->stuck_state : '?');
		fsm_append_time(buf, len, p->stuck_wall);
		return;
	}
	if (p->pid != 0 || p->leftovers <= 0 || p->draining)
		return;
	fsm_append(buf, len, "%smain process exited; %d process%s left (pid %ld)",
	    sep, p->leftovers, p->leftovers == 1 ? "" : "es",
	    (long)p->leftover_pid);
}

void
fsm_describe(const struct proc *p, double now, char *buf, size_t len)
{
	char up[64];
	double left;

	if (buf == NULL || len == 0)
		return;
	buf[0] = '\0';
	switch (p->state) {
	case PROC_RUNNING:
		fsm_running_text(p, now, buf, len, up, sizeof(up));
		if (p->reloading)
			fsm_append(buf, len, ", reloading");
		if (p->status_text != NULL)
			fsm_append(buf, len, ", %s", p->status_text);
		if (p->health_text != NULL)
			fsm_append(buf, len, ", %s", p->health_text);
		break;
	case PROC_STARTING:
		if (p->waiting)
			fsm_append_waiting(buf, len, p);
		else if (p->health_text != NULL)
			fsm_append(buf, len, "%s", p->health_text);
		else
			fsm_append(buf, len, "%s", svctab_note(p->status_text));
		break;
	case PROC_STOPPING:
		if (p->holding)
			fsm_append_holding(buf, len, p);
		else
			fsm_append(buf, len, "%s", svctab_note(p->status_text));
		break;
	case PROC_BACKOFF:
	case PROC_FATAL:
		if (p->spawnerr != NULL)
			fsm_append(buf, len, "%s", p->spawnerr);
		else
			fsm_append(buf, len, "unknown error (try \"tail %s\")",
			    p->fullname != NULL ? p->fullname : "");
		break;
	case PROC_EXITED:
		if (p->lastexit.valid) {
			fsm_append_exit(buf, len, &p->lastexit);
			fsm_append(buf, len, ", ");
		}
		fsm_append_time(buf, len, p->stop_wall);
		if (p->restart_wall != 0) {
			left = p->restart_wall - now;
			fsm_append(buf, len, "; restarting in %.1fs",
			    left > 0 ? left : 0);
		}
		break;
	case PROC_STOPPED:
		if (p->stopnote != NULL)
			fsm_append(buf, len, "%s", p->stopnote);
		else if (p->start_wall == 0 || p->stop_wall == 0)
			fsm_append(buf, len, "Not started");
		else
			fsm_append_time(buf, len, p->stop_wall);
		break;
	case PROC_UNKNOWN:
	default:
		break;
	}
	fsm_append_leftovers(buf, len, p);
}

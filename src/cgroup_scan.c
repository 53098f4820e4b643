/*
 * cgroup_scan.c: the session fallback's membership (cgroup=off, no
 * cgroup2, no write access): a service's processes are those whose
 * session or process group is the main pid at spawn, and their
 * descendants, from one scan of /proc per loop iteration shared by every
 * service.  cgroup.c asks it and acts on the answer.
 */
#include "cgroup_impl.h"

#include "procinfo.h"
#include "util.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

/* One /proc entry of a fallback scan. */
struct cgroup_scan {
	pid_t pid, ppid, pgrp, session;
	unsigned long long starttime;
	char state; /* proc(5): Z a zombie */
	pid_t owner; /* the tracked sid it belongs to, 0: none, -1: not
	                computed yet */
};

/* The last /proc scan, sorted by pid, the loop time it was made for
 * and the monotonic time it began. */
static struct {
	struct cgroup_scan *scan;
	size_t nscan;
	double at;
	double began;
} sc;

static int
cgroup_pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static int
cgroup_scan_cmp(const void *a, const void *b)
{
	return cgroup_pid_cmp(&((const struct cgroup_scan *)a)->pid,
	    &((const struct cgroup_scan *)b)->pid);
}

static struct cgroup_scan *
cgroup_scan_find(pid_t pid)
{
	struct cgroup_scan key = {.pid = pid};

	return bsearch(
	    &key, sc.scan, sc.nscan, sizeof(*sc.scan), cgroup_scan_cmp);
}

/*
 * Give every scanned process its owner: the tracked session (a main pid
 * at spawn) its own session or process group names, else its parent's
 * owner.  One pass over the scan for all services, so that listing 1,000
 * services costs one /proc scan, not 1,000 (measured: HACKING.md).
 */
static void
cgroup_scan_owners(const struct svctab *tab)
{
	pid_t *sids, self = getpid();
	size_t i, ns = 0;
	int depth;

	qsort(sc.scan, sc.nscan, sizeof(*sc.scan), cgroup_scan_cmp);
	sids = calloc(tab != NULL ? tab->nprocs + 1 : 1, sizeof(*sids));
	for (i = 0; sids != NULL && tab != NULL && i < tab->nprocs; i++) {
		const struct cgroup_track *t = tab->procs[i]->track;

		if (t != NULL && !t->dir && t->sid > 0)
			sids[ns++] = t->sid;
	}
	if (sids != NULL)
		qsort(sids, ns, sizeof(*sids), cgroup_pid_cmp);
	for (i = 0; i < sc.nscan; i++)
		sc.scan[i].owner = -1;
	for (i = 0; i < sc.nscan; i++) {
		struct cgroup_scan *path[64], *e = &sc.scan[i];
		pid_t owner = 0;
		int k;

		for (depth = 0; e != NULL && depth < 64; depth++) {
			if (e->owner >= 0) {
				owner = e->owner;
				break;
			}
			path[depth] = e;
			if (e->pid == self || e->pid == 1 || sids == NULL)
				break;
			if (bsearch(&e->session, sids, ns, sizeof(*sids),
			        cgroup_pid_cmp) != NULL) {
				owner = e->session;
				break;
			}
			if (bsearch(&e->pgrp, sids, ns, sizeof(*sids),
			        cgroup_pid_cmp) != NULL) {
				owner = e->pgrp;
				break;
			}
			e = cgroup_scan_find(e->ppid);
		}
		for (k = 0; k < depth && k < 64; k++)
			path[k]->owner = owner;
		if (depth < 64 && e != NULL && e->owner < 0)
			e->owner = owner;
	}
	free(sids);
}

/* One scan per loop iteration: a status of 1,000 services is answered in
 * one callback, so it scans /proc once. */
static double
cgroup_scan_turn(struct ev_loop *loop)
{
	return loop != NULL ? ev_now(loop) : util_monotonic();
}

/* Scan /proc (fallback mode), or reuse this turn's scan. */
static int
cgroup_scan_proc(const struct svctab *tab, struct ev_loop *loop)
{
	double now = cgroup_scan_turn(loop), began;
	struct cgroup_scan *v = NULL, *nv;
	size_t n = 0, cap = 0;
	struct procinfo_stat st;
	struct dirent *e;
	DIR *d;
	long pid;

	if (sc.scan != NULL && now == sc.at)
		return 0;
	began = util_monotonic();
	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (util_parse_long(e->d_name, 1, INT_MAX, &pid) == -1 ||
		    procinfo_read_stat((pid_t)pid, &st) == -1 || st.kthread)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				free(v);
				(void)closedir(d);
				return -1;
			}
			v = nv;
		}
		v[n].pid = st.pid;
		v[n].ppid = st.ppid;
		v[n].pgrp = st.pgrp;
		v[n].session = st.session;
		v[n].starttime = st.starttime;
		v[n].state = st.state;
		n++;
	}
	(void)closedir(d);
	free(sc.scan);
	sc.scan = v;
	sc.nscan = n;
	sc.at = now;
	sc.began = began;
	cgroup_scan_owners(tab);
	return 0;
}

/*
 * Was this turn's scan made after PID (a main process, ours since SINCE,
 * monotonic) exited?  It was if it saw PID a zombie, or did not see it
 * though PID was ours before the scan began: only tendd reaps its
 * children, and not while it scans.  Whatever PID left behind is then in
 * the scan (a process it forked just before exiting included), and many
 * services stopping in one turn share one scan.
 */
bool
cgroup_scan_saw_exit(struct ev_loop *loop, pid_t pid, double since)
{
	const struct cgroup_scan *e;

	if (sc.scan == NULL || pid <= 0 || sc.at != cgroup_scan_turn(loop))
		return false;
	if ((e = cgroup_scan_find(pid)) == NULL)
		return since < sc.began;
	return e->state == 'Z' || e->state == 'X';
}

/* The main process SID's own zombie is not one of its members. */
static bool
cgroup_scan_member(const struct cgroup_scan *e, pid_t sid)
{
	return e->owner == sid &&
	       !(e->pid == sid && (e->state == 'Z' || e->state == 'X'));
}

/* Fallback membership: the session or process group named after the
 * main pid, and the descendants of those (a child that called setsid()
 * but still has its parent): the scan's owner (cgroup_scan_owners). */
int
cgroup_fallback_members(const struct svctab *tab, struct ev_loop *loop,
    pid_t sid, struct cgroup_member **out, size_t *nout)
{
	struct cgroup_member *v;
	size_t i, j, n = 0;

	*out = NULL;
	*nout = 0;
	if (sid <= 0)
		return 0;
	if (cgroup_scan_proc(tab, loop) == -1)
		return -1;
	for (i = 0; i < sc.nscan; i++)
		n += cgroup_scan_member(&sc.scan[i], sid);
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return -1;
	for (i = 0, j = 0; i < sc.nscan; i++)
		if (cgroup_scan_member(&sc.scan[i], sid)) {
			v[j].pid = sc.scan[i].pid;
			v[j].ppid = sc.scan[i].ppid;
			v[j].starttime = sc.scan[i].starttime;
			j++;
		}
	*out = v;
	*nout = n;
	return 0;
}

void
cgroup_scan_stale(void)
{
	sc.at = -1;
}

void
cgroup_scan_free(void)
{
	free(sc.scan);
	sc.scan = NULL;
	sc.nscan = 0;
}

/*
 * cgroup_impl.h: what cgroup.c shares with cgroup_scan.c (the session
 * fallback's /proc scan); nothing else includes it.
 */
#ifndef TEND_CGROUP_IMPL_H
#define TEND_CGROUP_IMPL_H

#include "cgroup.h"
#include "svctab.h"

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Per process (p->track). */
struct cgroup_track {
	bool dir;           /* has its cgroup (tend.PID/NAME), opened when
	                       needed: no descriptor held per process */
	int wd;             /* inotify watch on its cgroup.events, -1 */
	pid_t sid;          /* the main pid at spawn: session and pgid */
	double since;       /* monotonic: when sid became ours */
	long long oom_base; /* memory.events oom_kill at spawn */
	bool killed;	    /* cgroup.kill was used on it (see prepare) */
	bool unlimited;	    /* memory.max, memory.high, cpu.max are "max" */
};

/* cgroup_scan.c */
/* The members of the tracked session SID (fallback mode) among TAB's
 * processes, from a /proc scan made at most once per turn of LOOP; -1 on
 * error. */
int cgroup_fallback_members(const struct svctab *tab, struct ev_loop *loop,
    pid_t sid, struct cgroup_member **out, size_t *nout);
/* The next cgroup_fallback_members() scans /proc afresh. */
void cgroup_scan_stale(void);
/* Was the scan of this turn of LOOP made after PID (ours since SINCE,
 * monotonic) exited? */
bool cgroup_scan_saw_exit(struct ev_loop *loop, pid_t pid, double since);
void cgroup_scan_free(void);

#endif /* TEND_CGROUP_IMPL_H */

/*
 * svctab.c: the service table.
 *
 * Owns: the lifetime of struct proc (one per conf->procs entry, same
 * order), their full names, and the name lookups tendctl's argument forms
 * need: NAME, GROUP:NAME, GROUP:*, a bare group name, and all.  Leaves
 * alone: every fsm field after creation (fsm.c), every runtime field
 * after creation (tendd.c, reap.c, logcap.c), and the conf it points at
 * (config.c owns it; the table only borrows it).  It never forks, signals
 * or arms timers.
 *
 * Lookups are linear scans.  That is a few microseconds for a thousand
 * processes, far below a control round trip; svctab_find_pid() runs once
 * per reaped orphan and is the first candidate for a hash if that changes.
 */
#include "svctab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "group:name", or "name" when the group is the program itself. */
static char *
svctab_fullname(const struct conf_proc *c)
{
	size_t len;
	char *s;

	if (c->group == NULL || strcmp(c->group, c->name) == 0)
		return strdup(c->name);
	len = strlen(c->group) + 1 + strlen(c->name) + 1;
	if ((s = malloc(len)) == NULL)
		return NULL;
	(void)snprintf(s, len, "%s:%s", c->group, c->name);
	return s;
}

/* A fresh STOPPED proc with no process and no fds. */
static struct proc *
svctab_proc_new(const struct conf_proc *c)
{
	struct proc *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->fullname = svctab_fullname(c)) == NULL) {
		free(p);
		return NULL;
	}
	p->conf = c;
	p->state = PROC_STOPPED;
	p->pid = 0;
	p->pidfd = -1;
	p->execfd = -1;
	p->logcap = NULL;
	return p;
}

static void
svctab_proc_free(struct proc *p)
{
	if (p == NULL)
		return;
	free(p->fullname);
	free(p);
}

int
svctab_init(struct svctab *tab, const struct tend_conf *conf)
{
	size_t i;

	memset(tab, 0, sizeof(*tab));
	tab->conf = conf;
	if (conf->nprocs == 0)
		return 0;
	if ((tab->procs = calloc(conf->nprocs, sizeof(*tab->procs))) == NULL)
		goto nomem;
	for (i = 0; i < conf->nprocs; i++) {
		if ((tab->procs[i] = svctab_proc_new(conf->procs[i])) == NULL)
			goto nomem;
		tab->nprocs++;
	}
	return 0;

nomem:
	svctab_free(tab);
	errno = ENOMEM;
	return -1;
}

void
svctab_free(struct svctab *tab)
{
	size_t i;

	for (i = 0; i < tab->nprocs; i++)
		svctab_proc_free(tab->procs[i]);
	free(tab->procs);
	memset(tab, 0, sizeof(*tab));
}

struct proc *
svctab_find(const struct svctab *tab, const char *fullname)
{
	size_t i;

	if (fullname == NULL)
		return NULL;
	for (i = 0; i < tab->nprocs; i++)
		if (strcmp(tab->procs[i]->fullname, fullname) == 0)
			return tab->procs[i];
	return NULL;
}

struct proc *
svctab_find_pid(const struct svctab *tab, pid_t pid)
{
	size_t i;

	/* pid 0 means "no process" in struct proc: never a match. */
	if (pid <= 0)
		return NULL;
	for (i = 0; i < tab->nprocs; i++)
		if (tab->procs[i]->pid == pid)
			return tab->procs[i];
	return NULL;
}

/* The group a proc belongs to ([group:x], or its own program name). */
static const char *
svctab_group_of(const struct proc *p)
{
	return p->conf->group != NULL ? p->conf->group : p->conf->name;
}

/* Was P already in LIST before this call (its first N0 entries)? */
static bool
proc_list_has(const struct proc_list *list, size_t n0, const struct proc *p)
{
	size_t i;

	for (i = 0; i < n0; i++)
		if (list->v[i] == p)
			return true;
	return false;
}

static int
proc_list_push(struct proc_list *list, struct proc *p)
{
	struct proc **v;
	size_t cap;

	if (list->n == list->cap) {
		cap = list->cap != 0 ? list->cap * 2 : 8;
		if (cap > SIZE_MAX / sizeof(*v) ||
		    (v = realloc(list->v, cap * sizeof(*v))) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		list->v = v;
		list->cap = cap;
	}
	list->v[list->n++] = p;
	return 0;
}

/* How a pattern selects procs. */
struct svctab_pattern {
	bool all;          /* "all" */
	const char *group; /* group to match, NULL: any */
	size_t grouplen;
	const char *name; /* process name within GROUP, NULL: all of it */
};

/*
 * Split PATTERN as supervisorctl's split_namespec() does: "all";
 * "GROUP:NAME"; "GROUP:*" or "GROUP:" for a whole group.  A bare word is
 * decided by the caller (a full name first, else a group).
 */
static void
svctab_parse(const char *pattern, struct svctab_pattern *pat)
{
	const char *colon = strchr(pattern, ':');

	memset(pat, 0, sizeof(*pat));
	if (strcmp(pattern, "all") == 0) {
		pat->all = true;
		return;
	}
	pat->group = pattern;
	if (colon == NULL) {
		pat->grouplen = strlen(pattern);
		return;
	}
	pat->grouplen = (size_t)(colon - pattern);
	if (colon[1] != '\0' && strcmp(colon + 1, "*") != 0)
		pat->name = colon + 1;
}

static bool
svctab_pattern_matches(const struct svctab_pattern *pat, const struct proc *p)
{
	const char *group = svctab_group_of(p);

	if (pat->all)
		return true;
	if (strlen(group) != pat->grouplen ||
	    strncmp(group, pat->group, pat->grouplen) != 0)
		return false;
	return pat->name == NULL || strcmp(pat->name, p->conf->name) == 0;
}

int
svctab_match(
    const struct svctab *tab, const char *pattern, struct proc_list *list)
{
	struct svctab_pattern pat;
	struct proc *exact;
	size_t n0 = list->n, i;
	int matched = 0;

	if (pattern == NULL || *pattern == '\0')
		return 0;
	svctab_parse(pattern, &pat);
	/* A bare word names a process first ("web" with group web), and only
	 * failing that its whole group (numprocs > 1, or [group:web]). */
	if (!pat.all && strchr(pattern, ':') == NULL &&
	    (exact = svctab_find(tab, pattern)) != NULL) {
		if (!proc_list_has(list, n0, exact) &&
		    proc_list_push(list, exact) == -1)
			return -1;
		return 1;
	}
	for (i = 0; i < tab->nprocs; i++) {
		if (!svctab_pattern_matches(&pat, tab->procs[i]))
			continue;
		matched++;
		if (proc_list_has(list, n0, tab->procs[i]))
			continue;
		if (proc_list_push(list, tab->procs[i]) == -1) {
			list->n = n0; /* no half-applied match */
			return -1;
		}
	}
	return matched;
}

void
proc_list_free(struct proc_list *list)
{
	free(list->v);
	memset(list, 0, sizeof(*list));
}

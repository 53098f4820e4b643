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
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *
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
	free(p->deps);
	free(p->rdeps);
	free(p->fullname);
	free(p->spawnerr);
	free(p->status_text);
	free(p->stopnote);
	free(p->health_text);
	free(p);
}

/*
 * The notes are empty for nearly every process nearly all the time, so
 * they live on the heap rather than as buffers in struct proc: at 1,000
 * services three inline buffers cost 350 KiB (issue 9's memory target).
 * A restart loop clears spawnerr on every run; clearing an empty note is
 * a NULL test.
 */
void
svctab_note_set(char **note, size_t max, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	char *s;

	if (max > sizeof(buf))
		max = sizeof(buf);
	va_start(ap, fmt);
	(void)vsnprintf(buf, max, fmt, ap);
	va_end(ap);
	if (buf[0] == '\0') {
		svctab_note_clear(note);
		return;
	}
	if (*note != NULL && strcmp(*note, buf) == 0)
		return;
	s = strdup(buf);
	free(*note);
	*note = s;
}

void
svctab_note_clear(char **note)
{
	free(*note);
	*note = NULL;
}

/* Does the depends_on entry NAME ("prog", "prog:exited" or "group:*")
 * stand for Q? */
static bool
svctab_dep_names(const char *name, const struct proc *q)
{
	const struct conf_proc *c = q->conf;
	bool exited;
	size_t n = config_dep_name_len(name, &exited);

	if (n > 2 && strncmp(name + n - 2, ":*", 2) == 0)
		return c->group != NULL && strlen(c->group) == n - 2 &&
		       strncmp(c->group, name, n - 2) == 0;
	return c->program != NULL && strlen(c->program) == n &&
	       strncmp(c->program, name, n) == 0;
}

bool
svctab_dep_exited(const struct proc *p, const struct proc *q)
{
	char **names = p->conf->depends_on;
	bool exited;
	size_t k;

	for (k = 0; names != NULL && names[k] != NULL; k++)
		if (svctab_dep_names(names[k], q) &&
		    (config_dep_name_len(names[k], &exited), exited))
			return true;
	return false;
}

/* Append Q to the array *V of *N entries unless it is there already. */
static int
svctab_edge_add(struct proc ***v, size_t *n, struct proc *q)
{
	struct proc **nv;
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*v)[i] == q)
			return 0;
	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL)
		return -1;
	nv[(*n)++] = q;
	*v = nv;
	return 0;
}

/* One proc's edges while svctab_link_deps() builds them. */
struct svctab_edges {
	struct proc **deps, **rdeps;
	size_t ndeps, nrdeps;
};

static void
svctab_edges_free(struct svctab_edges *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(e[i].deps);
		free(e[i].rdeps);
	}
	free(e);
}

/* Build every proc's edges into E (one per table entry); -1 on ENOMEM. */
static int
svctab_edges_make(const struct svctab *tab, struct svctab_edges *e)
{
	size_t i, j, k;

	/* Quadratic in the worst case, but only over procs that declare
	 * depends_on, once per load. */
	for (i = 0; i < tab->nprocs; i++) {
		struct proc *p = tab->procs[i];
		char **names = p->conf->depends_on;

		for (k = 0; names != NULL && names[k] != NULL; k++)
			for (j = 0; j < tab->nprocs; j++) {
				struct proc *q = tab->procs[j];

				/* A removed proc still stopping is nobody's
				 * dependency any more (numprocs 8 -> 4 must
				 * not stop web's dependents). */
				if (q == p || (q->removed && !p->removed) ||
				    !svctab_dep_names(names[k], q))
					continue;
				if (svctab_edge_add(&e[i].deps, &e[i].ndeps,
				        q) == -1 ||
				    svctab_edge_add(&e[j].rdeps, &e[j].nrdeps,
				        p) == -1)
					return -1;
			}
	}
	return 0;
}

int
svctab_link_deps(struct svctab *tab)
{
	struct svctab_edges *e;
	size_t i;

	/* Built aside first: out of memory leaves the old edges. */
	if ((e = calloc(tab->nprocs + 1, sizeof(*e))) == NULL ||
	    svctab_edges_make(tab, e) == -1) {
		if (e != NULL)
			svctab_edges_free(e, tab->nprocs);
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < tab->nprocs; i++) {
		struct proc *p = tab->procs[i];

		free(p->deps);
		free(p->rdeps);
		p->deps = e[i].deps;
		p->ndeps = e[i].ndeps;
		p->rdeps = e[i].rdeps;
		p->nrdeps = e[i].nrdeps;
	}
	free(e);
	return 0;
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
	if (svctab_link_deps(tab) == -1)
		goto nomem;
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

/* --- reload: the diff and its application ---------------------------- */

static bool
svctab_str_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static enum svctab_change
svctab_compare(const struct proc *p, const struct conf_proc *c)
{
	const struct conf_proc *cur = p->next_conf ? p->next_conf : p->conf;

	/* A proc still stopping after its removal comes back as a changed
	 * one: it must not exist twice under one name. */
	if (p->removed)
		return SVCTAB_CHANGED;
	switch (config_proc_compare(cur, c)) {
	case CONF_RESTART:
		return SVCTAB_CHANGED;
	case CONF_POLICY:
		return SVCTAB_UPDATED;
	case CONF_SAME:
		break;
	}
	return SVCTAB_UNCHANGED;
}

int
svctab_plan_make(const struct svctab *tab, const struct tend_conf *conf,
    struct svctab_plan *plan)
{
	size_t i, n = 0, cap;
	bool *seen;

	memset(plan, 0, sizeof(*plan));
	cap = tab->nprocs + (conf != NULL ? conf->nprocs : 0);
	if ((seen = calloc(tab->nprocs + 1, sizeof(*seen))) == NULL)
		return -1;
	if ((plan->v = calloc(cap + 1, sizeof(*plan->v))) == NULL)
		goto nomem;
	/* Quadratic in the number of processes (a name lookup each); for
	 * a thousand that is a few milliseconds, once per reload. */
	for (i = 0; conf != NULL && i < conf->nprocs; i++) {
		struct svctab_delta *d = &plan->v[n];
		size_t j;

		d->conf = conf->procs[i];
		if ((d->fullname = svctab_fullname(d->conf)) == NULL)
			goto nomem;
		n++;
		d->selected = true;
		d->change = SVCTAB_ADDED;
		for (j = 0; j < tab->nprocs; j++)
			if (!seen[j] &&
			    strcmp(tab->procs[j]->fullname, d->fullname) == 0)
				break;
		if (j == tab->nprocs)
			continue;
		seen[j] = true;
		d->p = tab->procs[j];
		d->change = svctab_compare(d->p, d->conf);
	}
	for (i = 0; i < tab->nprocs; i++) {
		struct svctab_delta *d = &plan->v[n];

		if (seen[i])
			continue;
		d->p = tab->procs[i];
		if ((d->fullname = strdup(d->p->fullname)) == NULL)
			goto nomem;
		n++;
		d->selected = true;
		d->change = SVCTAB_REMOVED;
	}
	plan->n = n;
	free(seen);
	return 0;
nomem:
	plan->n = n;
	svctab_plan_free(plan);
	free(seen);
	errno = ENOMEM;
	return -1;
}

void
svctab_plan_select_none(struct svctab_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n; i++)
		plan->v[i].selected = false;
}

/* Does PAT name the process C describes (FULLNAME)?  Besides tendctl's
 * usual forms, a bare program name names that program's processes, so
 * one program of a [group:x] can be updated alone. */
static bool
svctab_pattern_names(const struct svctab_pattern *pat, const char *pattern,
    const struct conf_proc *c, const char *fullname)
{
	const char *group = c->group != NULL ? c->group : c->name;

	if (pat->all)
		return true;
	if (strchr(pattern, ':') == NULL &&
	    (strcmp(pattern, fullname) == 0 ||
	        svctab_str_equal(pattern, c->program)))
		return true;
	if (strlen(group) != pat->grouplen ||
	    strncmp(group, pat->group, pat->grouplen) != 0)
		return false;
	return pat->name == NULL || strcmp(pat->name, c->name) == 0;
}

size_t
svctab_plan_select(struct svctab_plan *plan, const char *pattern)
{
	struct svctab_pattern pat;
	size_t i, n = 0;

	if (pattern == NULL || *pattern == '\0')
		return 0;
	svctab_parse(pattern, &pat);
	for (i = 0; i < plan->n; i++) {
		struct svctab_delta *d = &plan->v[i];
		bool hit = false;

		/* A changed process answers to its old and its new names
		 * (its group may have changed). */
		if (d->conf != NULL)
			hit = svctab_pattern_names(
			    &pat, pattern, d->conf, d->fullname);
		if (!hit && d->p != NULL)
			hit = svctab_pattern_names(
			    &pat, pattern, d->p->conf, d->p->fullname);
		if (hit) {
			d->selected = true;
			n++;
		}
	}
	return n;
}

size_t
svctab_plan_count(const struct svctab_plan *plan)
{
	size_t i, n = 0;

	for (i = 0; i < plan->n; i++)
		if (plan->v[i].selected &&
		    plan->v[i].change != SVCTAB_UNCHANGED)
			n++;
	return n;
}

void
svctab_plan_free(struct svctab_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n; i++)
		free(plan->v[i].fullname);
	free(plan->v);
	memset(plan, 0, sizeof(*plan));
}

const char *
svctab_change_name(enum svctab_change c)
{
	switch (c) {
	case SVCTAB_UNCHANGED:
		return "unchanged";
	case SVCTAB_UPDATED:
		return "changed (no restart needed)";
	case SVCTAB_CHANGED:
		return "changed";
	case SVCTAB_ADDED:
		return "available";
	case SVCTAB_REMOVED:
		return "disappeared";
	}
	return "?";
}

/* What svctab_apply() changes in a kept proc, to put back on failure. */
struct svctab_undo {
	const struct conf_proc *conf, *next_conf;
	bool removed, reload_start;
};

/* Free the procs svctab_apply() made for PLAN's ADDED deltas. */
static void
svctab_apply_unadd(struct svctab_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n; i++)
		if (plan->v[i].change == SVCTAB_ADDED && plan->v[i].selected) {
			svctab_proc_free(plan->v[i].p);
			plan->v[i].p = NULL;
		}
}

/* Point PLAN's procs at their new configs, saving the old in U, and list
 * them in V in the new order; returns how many. */
static size_t
svctab_apply_mark(
    struct svctab_plan *plan, struct svctab_undo *u, struct proc **v)
{
	size_t i, n = 0;

	for (i = 0; i < plan->n; i++) {
		struct svctab_delta *d = &plan->v[i];
		struct proc *p = d->p;

		if (p == NULL)
			continue; /* an ADDED one left out */
		v[n++] = p;
		u[i] = (struct svctab_undo){
		    p->conf, p->next_conf, p->removed, p->reload_start};
		if (d->change == SVCTAB_UNCHANGED ||
		    (d->change == SVCTAB_UPDATED && d->selected)) {
			/* Same process: only the config it reads moves. */
			if (p->next_conf != NULL)
				p->next_conf = d->conf;
			else
				p->conf = d->conf;
		} else if (d->change == SVCTAB_CHANGED && d->selected) {
			p->next_conf = d->conf;
			p->removed = false;
		} else if (d->change == SVCTAB_REMOVED && d->selected) {
			p->removed = true;
			p->next_conf = NULL;
			p->reload_start = false;
		}
	}
	return n;
}

static void
svctab_apply_undo(struct svctab_plan *plan, const struct svctab_undo *u)
{
	size_t i;

	for (i = 0; i < plan->n; i++) {
		struct proc *p = plan->v[i].p;

		if (p == NULL || plan->v[i].change == SVCTAB_ADDED)
			continue;
		p->conf = u[i].conf;
		p->next_conf = u[i].next_conf;
		p->removed = u[i].removed;
		p->reload_start = u[i].reload_start;
	}
	svctab_apply_unadd(plan);
}

int
svctab_apply(
    struct svctab *tab, const struct tend_conf *conf, struct svctab_plan *plan)
{
	struct proc **v, **old = tab->procs;
	struct svctab_undo *u;
	size_t i, n, oldn = tab->nprocs;

	/* Allocate first; then change, and put everything back if linking
	 * the dependencies fails: a failure changes nothing. */
	v = calloc(plan->n + 1, sizeof(*v));
	u = calloc(plan->n + 1, sizeof(*u));
	for (i = 0; v != NULL && u != NULL && i < plan->n; i++) {
		struct svctab_delta *d = &plan->v[i];

		if (d->change == SVCTAB_ADDED && d->selected &&
		    (d->p = svctab_proc_new(d->conf)) == NULL)
			break;
	}
	if (v == NULL || u == NULL || i < plan->n) {
		if (v != NULL && u != NULL)
			svctab_apply_unadd(plan);
		goto nomem;
	}
	n = svctab_apply_mark(plan, u, v);
	tab->procs = v;
	tab->nprocs = n;
	if (util_fault("svctab_apply") || svctab_link_deps(tab) == -1) {
		tab->procs = old;
		tab->nprocs = oldn;
		svctab_apply_undo(plan, u);
		goto nomem;
	}
	free(old);
	free(u);
	tab->conf = conf;
	return 0;
nomem:
	free(v);
	free(u);
	errno = ENOMEM;
	return -1;
}

int
svctab_commit(struct svctab *tab, struct proc *p)
{
	if (p->next_conf == NULL)
		return 0;
	p->conf = p->next_conf;
	p->next_conf = NULL;
	return svctab_link_deps(tab);
}

int
svctab_drop(struct svctab *tab, struct proc *p)
{
	size_t i;

	for (i = 0; i < tab->nprocs; i++)
		if (tab->procs[i] == p)
			break;
	if (i == tab->nprocs)
		return 0;
	memmove(&tab->procs[i], &tab->procs[i + 1],
	    (tab->nprocs - i - 1) * sizeof(*tab->procs));
	tab->nprocs--;
	if (svctab_link_deps(tab) == -1) {
		/* The old edges still point at P: keep it (a later drop
		 * tries again). */
		memmove(&tab->procs[i + 1], &tab->procs[i],
		    (tab->nprocs - i) * sizeof(*tab->procs));
		tab->procs[i] = p;
		tab->nprocs++;
		return -1;
	}
	svctab_proc_free(p);
	return 0;
}

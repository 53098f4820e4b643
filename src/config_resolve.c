/*
 * config_resolve.c: pass two of the loader, raw sections -> struct
 * tend_conf.  Globals first (lowest-precedence alias first), then groups,
 * then programs (which need their group for %(group_name)s; numprocs
 * expands each into processes, sharing strings through the conf's string
 * pool), then depends_on (which needs every program: unknown names,
 * cycles).  Leaves alone: files and syntax (config_read.c).
 */
#include "config_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void
resolve_globals(struct loader *ld)
{
	/* Lowest precedence first: a later kind overrides an earlier. */
	static const enum sect_kind order[] = {
	    SK_SUPERVISORCTL,
	    SK_SUPERVISORD,
	    SK_UNIX_HTTP_SERVER,
	    SK_INET_HTTP_SERVER,
	    SK_RPCINTERFACE,
	    SK_TEND,
	};
	struct conf_global *g = &ld->conf->global;
	const struct rkey *slots[CONF_MAX_SECTION_KEYS];
	const char *tmp;
	size_t o, i, j;

	g->socket_uid = (uid_t)-1;
	g->socket_gid = (gid_t)-1;
	cfg_apply_defaults(ld, cfg_tend_keys, g);
	for (o = 0; o < TEND_NELEM(order); o++) {
		for (i = 0; i < ld->nsecs; i++) {
			struct rsec *s = ld->secs[i];
			const struct conf_key *tab = s->info->keys;
			struct expand_var vars[1];

			if (s->info->kind != order[o])
				continue;
			vars[0].name = "here";
			vars[0].value = ld->files[s->file].here;
			vars[0].number = false;
			memset(slots, 0, sizeof(slots));
			cfg_match_keys(ld, s, tab, slots);
			for (j = 0; tab[j].name != NULL; j++)
				if (slots[j] != NULL)
					(void)cfg_apply_rkey(ld, s, slots[j],
					    &tab[j], vars, 1, g);
		}
	}
	if (g->childlogdir == NULL) {
		tmp = getenv("TMPDIR");
		g->childlogdir =
		    cfg_xstrdup(ld, tmp && *tmp == '/' ? tmp : "/tmp");
	}
}

/* ------------------------------------------------------------------ */
/* Pass two: groups. */

static struct conf_group *
group_of(const struct loader *ld, const char *program, size_t *idx)
{
	size_t i, j;

	for (i = 0; i < ld->conf->ngroups; i++) {
		struct conf_group *gr = ld->conf->groups[i];

		for (j = 0; gr->programs != NULL && gr->programs[j]; j++) {
			if (strcmp(gr->programs[j], program) != 0)
				continue;
			if (idx != NULL)
				*idx = i;
			return gr;
		}
	}
	return NULL;
}

/* The raw [program:NAME] section, or NULL. */
static struct rsec *
find_program(const struct loader *ld, const char *name)
{
	size_t i;

	for (i = 0; i < ld->nsecs; i++)
		if (ld->secs[i]->info->kind == SK_PROGRAM &&
		    strcmp(ld->secs[i]->sub, name) == 0)
			return ld->secs[i];
	return NULL;
}

static void
check_group_members(
    struct loader *ld, struct conf_group *gr, int file, int line)
{
	struct rsec *ps;
	struct conf_group *other;
	size_t i, j;

	for (i = 0; gr->programs != NULL && gr->programs[i] != NULL; i++) {
		const char *name = gr->programs[i];

		ps = find_program(ld, name);
		if (ps == NULL) {
			const char *sugg = NULL;

			for (j = 0; j < ld->nsecs; j++)
				if (ld->secs[j]->info->kind == SK_PROGRAM &&
				    cfg_is_close(name, ld->secs[j]->sub))
					sugg = ld->secs[j]->sub;
			if (sugg != NULL)
				cfg_lerr(ld, file, line,
				    "programs: unknown program '%s'; did you mean '%s'?",
				    name, sugg);
			else
				cfg_lerr(ld, file, line,
				    "programs: unknown program '%s'", name);
			continue;
		}
		for (j = 0; j < i; j++)
			if (strcmp(gr->programs[j], name) == 0)
				break;
		if (j < i) {
			cfg_lerr(ld, file, line,
			    "programs: '%s' is listed twice", name);
			continue;
		}
		other = group_of(ld, name, NULL);
		if (other != NULL)
			cfg_lerr(ld, file, line,
			    "programs: '%s' is already in [group:%s] (%s:%d)",
			    name, other->name, other->file, other->line);
	}
}

static void
resolve_groups(struct loader *ld)
{
	const struct rkey *slots[4];
	struct conf_group *gr;
	struct rsec *ps;
	size_t i;

	for (i = 0; i < ld->nsecs; i++) {
		struct rsec *s = ld->secs[i];
		struct expand_var vars[1] = {
		    {"here", ld->files[s->file].here, false}};
		struct conf_group **nv;

		if (s->info->kind != SK_GROUP)
			continue;
		memset(slots, 0, sizeof(slots));
		cfg_match_keys(ld, s, cfg_group_keys, slots);
		gr = calloc(1, sizeof(*gr));
		if (gr == NULL) {
			ld->oom = true;
			return;
		}
		gr->name = cfg_xstrdup(ld, s->sub);
		gr->file = cfg_xstrdup(ld, cfg_file_path(ld, s->file));
		gr->line = s->line;
		cfg_apply_defaults(ld, cfg_group_keys, gr);
		if (slots[1] != NULL)
			(void)cfg_apply_rkey(ld, s, slots[1],
			    &cfg_group_keys[1], vars, 1, gr);
		if (slots[0] == NULL)
			cfg_lerr(ld, s->file, s->line,
			    "[%s] has no programs=", s->name);
		else if (cfg_apply_rkey(ld, s, slots[0], &cfg_group_keys[0],
		             vars, 1, gr) == 0)
			check_group_members(
			    ld, gr, slots[0]->file, slots[0]->line);
		nv = reallocarray(
		    ld->conf->groups, ld->conf->ngroups + 1, sizeof(*nv));
		if (nv == NULL) {
			ld->oom = true;
			cfg_free_value(&cfg_group_keys[0], gr);
			free(gr->name);
			free(gr->file);
			free(gr);
			return;
		}
		ld->conf->groups = nv;
		nv[ld->conf->ngroups++] = gr;
	}
	/* An ungrouped program is a group of its own name (supervisorctl's
	 * "web:*"), so a [group:web] beside it would be ambiguous. */
	for (i = 0; i < ld->conf->ngroups; i++) {
		gr = ld->conf->groups[i];
		ps = find_program(ld, gr->name);
		if (ps != NULL && group_of(ld, gr->name, NULL) == NULL)
			cfg_lerr(ld, cfg_file_index(ld, gr->file), gr->line,
			    "[group:%s] has the name of [%s] (%s:%d), which is in no group",
			    gr->name, ps->name, cfg_file_path(ld, ps->file),
			    ps->line);
	}
}

/* ------------------------------------------------------------------ */
/* Pass two: programs. */

void
cfg_proc_free(struct conf_proc *p)
{
	const struct conf_key *k;

	if (p == NULL)
		return;
	if (!p->interned) {
		free(p->program);
		free(p->group);
		free(p->file);
	}
	for (k = cfg_program_keys; k->name != NULL; k++) {
		if (!p->interned || !(k->flags & KF_POOLED))
			cfg_free_value(k, p);
		else if (k->type == KT_COMMAND)
			free(p->argv); /* the array is the process's own */
	}
	free(p);
}

/*
 * The string pool.  numprocs=1000 makes 1,000 processes whose program,
 * group, file and usually command and argv are the same text; each copy
 * is a malloc chunk of 32 bytes or more.  Identical strings are kept once
 * per conf (issue 9: under 2 KiB per extra service).  Open addressing,
 * FNV-1a, at most half full.
 */
struct conf_strpool {
	char **slot;
	size_t size; /* a power of two, or 0 */
	size_t n;
};

static uint64_t
strpool_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot where S is, or where it would go. */
static char **
strpool_find(const struct conf_strpool *sp, const char *s)
{
	size_t i = strpool_hash(s) & (sp->size - 1);

	while (sp->slot[i] != NULL && strcmp(sp->slot[i], s) != 0)
		i = (i + 1) & (sp->size - 1);
	return &sp->slot[i];
}

static int
strpool_grow(struct conf_strpool *sp)
{
	struct conf_strpool bigger;
	size_t i;

	bigger.size = sp->size != 0 ? sp->size * 2 : 64;
	bigger.n = sp->n;
	if ((bigger.slot = calloc(bigger.size, sizeof(char *))) == NULL)
		return -1;
	for (i = 0; i < sp->size; i++)
		if (sp->slot[i] != NULL)
			*strpool_find(&bigger, sp->slot[i]) = sp->slot[i];
	free(sp->slot);
	*sp = bigger;
	return 0;
}

/* Give S (malloc'd, or NULL) to the pool; returns the pool's copy. */
static char *
strpool_take(struct loader *ld, char *s)
{
	struct conf_strpool *sp = ld->conf->strings;
	char **slot;

	if (s == NULL)
		return NULL;
	if (sp->n + 1 > sp->size / 2 && strpool_grow(sp) == -1) {
		ld->oom = true;
		return s; /* still owned by the caller */
	}
	slot = strpool_find(sp, s);
	if (*slot != NULL) {
		free(s);
		return *slot;
	}
	sp->n++;
	return *slot = s;
}

void
cfg_strpool_free(struct conf_strpool *sp)
{
	size_t i;

	if (sp == NULL)
		return;
	for (i = 0; i < sp->size; i++)
		free(sp->slot[i]);
	free(sp->slot);
	free(sp);
}

/* Move P's shareable strings into the pool: program, group, file and the
 * KF_POOLED keys (see cfg_proc_free). */
static void
proc_intern(struct loader *ld, struct conf_proc *p)
{
	char **strs[8] = {&p->program, &p->group, &p->file};
	const struct conf_key *k;
	size_t i, nstrs = 3, need;
	char **argv;

	for (k = cfg_program_keys; k->name != NULL; k++)
		if ((k->flags & KF_POOLED) && nstrs < TEND_NELEM(strs))
			strs[nstrs++] = FIELD(k, p, char *);
	need = nstrs;
	if (ld->conf->strings == NULL &&
	    (ld->conf->strings = calloc(1, sizeof(*ld->conf->strings))) ==
	        NULL) {
		ld->oom = true;
		return;
	}
	/* All or nothing: growing can fail (oom), so make room first for
	 * every string this process may add. */
	for (i = 0; p->argv != NULL && p->argv[i] != NULL; i++)
		need++;
	while (ld->conf->strings->n + need > ld->conf->strings->size / 2)
		if (strpool_grow(ld->conf->strings) == -1) {
			ld->oom = true;
			return;
		}
	for (i = 0; i < nstrs; i++)
		*strs[i] = strpool_take(ld, *strs[i]);
	for (i = 0; p->argv != NULL && p->argv[i] != NULL; i++)
		p->argv[i] = strpool_take(ld, p->argv[i]);
	p->interned = true;
	/* The splitter grows argv in steps; keep only what is used. */
	if (p->argv != NULL &&
	    (argv = realloc(p->argv, (i + 1) * sizeof(*argv))) != NULL)
		p->argv = argv;
}

/* A copy of the program-level template T for one process (its per-process
 * keys are still unset). */
static struct conf_proc *
proc_copy(struct loader *ld, const struct conf_proc *t)
{
	struct conf_proc *p = calloc(1, sizeof(*p));
	const struct conf_key *k;

	if (p == NULL) {
		ld->oom = true;
		return NULL;
	}
	for (k = cfg_program_keys; k->name != NULL; k++) {
		if (cfg_copy_value(ld, k, p, t) == -1) {
			cfg_proc_free(p);
			return NULL;
		}
	}
	return p;
}

/* [tend] environment first, minus the keys the program sets itself. */
static int
merge_environ(struct loader *ld, struct conf_proc *p)
{
	char *const *g = ld->conf->global.environment;
	char **out = NULL;
	size_t i, j, klen;
	bool overridden;

	for (i = 0; g != NULL && g[i] != NULL; i++) {
		klen = strcspn(g[i], "=") + 1;
		overridden = false;
		for (j = 0; p->environment && p->environment[j]; j++)
			if (strncmp(p->environment[j], g[i], klen) == 0)
				overridden = true;
		if (!overridden &&
		    cfg_strv_push(ld, &out, cfg_xstrdup(ld, g[i])) == -1)
			goto fail;
	}
	for (j = 0; p->environment && p->environment[j]; j++)
		if (cfg_strv_push(
		        ld, &out, cfg_xstrdup(ld, p->environment[j])) == -1)
			goto fail;
	cfg_strv_free(p->environment);
	p->environment = out;
	return 0;
fail:
	cfg_strv_free(out);
	return -1;
}

static void
add_proc(struct loader *ld, struct conf_proc *p, int gpriority, size_t order)
{
	if (cfg_grow(ld, (void **)&ld->procs, &ld->capprocs, ld->nprocs,
	        sizeof(*ld->procs)) == -1) {
		cfg_proc_free(p);
		return;
	}
	ld->procs[ld->nprocs].p = p;
	ld->procs[ld->nprocs].gpriority = gpriority;
	ld->procs[ld->nprocs].order = order;
	ld->nprocs++;
}

/* Fill the per-process part of P: keys marked KF_PROC. */
static void
resolve_process(struct loader *ld, struct rsec *s, const struct rkey **slots,
    struct conf_proc *p, struct expand_var *vars, size_t nvars)
{
	const struct conf_key *k;
	size_t j;

	for (j = 0, k = cfg_program_keys; k->name != NULL; k++, j++) {
		/* (a key of a feature not built in has no value at all) */
		if ((k->flags & (KF_PROC | KF_ABSENT)) != KF_PROC)
			continue;
		if (slots[j] != NULL)
			(void)cfg_apply_rkey(ld, s, slots[j], k, vars, nvars, p);
		else if (k->def != NULL)
			(void)cfg_apply_key(
			    ld, s->file, s->line, k, k->def, vars, nvars, p);
	}
	if (p->name == NULL)
		p->name = cfg_xstrdup(ld, s->sub);
	(void)merge_environ(ld, p);
}

static const struct rkey *
slot_of(const struct rkey **slots, const char *name)
{
	const struct conf_key *k = cfg_key_find(cfg_program_keys, name);

	return slots[k - cfg_program_keys];
}

/* Where depends_on was written, for its messages. */
static int
dep_line(const struct rkey **slots, int fallback)
{
	const struct rkey *k = slot_of(slots, "depends_on");

	if (k == NULL)
		k = slot_of(slots, "dependent_startup_wait_for");
	return k != NULL ? k->line : fallback;
}

/* Does the config have [rpcinterface:supervisor]?  (config_read.c keeps
 * no other [rpcinterface:x].) */
static bool
has_rpcinterface(const struct loader *ld)
{
	size_t i;

	for (i = 0; i < ld->nsecs; i++)
		if (ld->secs[i]->info->kind == SK_RPCINTERFACE)
			return true;
	return false;
}

/* What supervisord's options.py checks and sets for [eventlistener:x]
 * beyond a program's keys (its messages, with FILE:LINE). */
static void
resolve_listener(struct loader *ld, struct rsec *s, const struct rkey **slots,
    struct conf_proc *t)
{
	const struct rkey *k;

	/* Started first, stopped last. */
	if (slot_of(slots, "priority") == NULL)
		t->priority = -1;
	if (slot_of(slots, "events") == NULL)
		cfg_lerr(ld, s->file, s->line,
		    "[%s] section requires an \"events\" line", s->name);
	if ((k = slot_of(slots, "redirect_stderr")) != NULL && t->redirect_stderr)
		cfg_lerr(ld, s->file, k->line,
		    "[%s] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol",
		    s->name);
	k = slot_of(slots, "result_handler");
	if (k != NULL && k->value != NULL &&
	    strcmp(k->value, "supervisor.dispatchers:default_handler") != 0)
		cfg_lwarn(ld, s->file, k->line,
		    "result_handler: '%s' is not implemented by tend; the default (OK accepts, anything else rejects) is used",
		    k->value);
	/* stdout is the protocol: supervisord neither logs events of it
	 * nor captures it (PEventListenerDispatcher); say so. */
	if ((k = slot_of(slots, "stdout_capture_maxbytes")) != NULL &&
	    t->out.capture_maxbytes > 0)
		cfg_lwarn(ld, s->file, k->line,
		    "stdout_capture_maxbytes has no effect in [%s]: standard output is the event listener protocol",
		    s->name);
	if ((k = slot_of(slots, "stdout_events_enabled")) != NULL &&
	    t->out.events_enabled)
		cfg_lwarn(ld, s->file, k->line,
		    "stdout_events_enabled has no effect in [%s]: standard output is the event listener protocol",
		    s->name);
	t->out.capture_maxbytes = 0;
	t->out.events_enabled = false;
	/* The events go in through stdin. */
	t->stdin_pipe = true;
}

/* The keys of [program:x] S that depend on others (stdin_pipe,
 * killasgroup), an [eventlistener:x]'s own, and supervisord's checks
 * across keys: command=, an fcgi-program's socket, process_name with
 * numprocs. */
static void
program_settle(struct loader *ld, struct rsec *s, const struct rkey **slots,
    struct conf_proc *t)
{
	const struct rkey *pn, *np, *kag;

	/* supervisord gives every process a stdin pipe; tend only where its
	 * API (sendProcessStdin) is asked for: an fd per process.  An
	 * fcgi-program's stdin is its socket. */
	if (slot_of(slots, "stdin_pipe") == NULL)
		t->stdin_pipe = has_rpcinterface(ld);
	if (cfg_sec_fcgi(s))
		t->stdin_pipe = false;
	if (s->info->kind == SK_EVENTLISTENER)
		resolve_listener(ld, s, slots, t);
	/* killasgroup follows stopasgroup unless set; supervisord refuses
	 * stopasgroup=true with killasgroup=false. */
	kag = slot_of(slots, "killasgroup");
	if (kag == NULL)
		t->killasgroup = t->stopasgroup;
	else if (t->stopasgroup && !t->killasgroup)
		cfg_lerr(ld, kag->file, kag->line,
		    "killasgroup: cannot be false when stopasgroup is true");
	if (slot_of(slots, "command") == NULL)
		cfg_lerr(ld, s->file, s->line, "[%s] has no command=", s->name);
#ifdef HAVE_FCGI
	if (cfg_sec_fcgi(s)) {
		const struct rkey *own = slot_of(slots, "socket_owner");

		if (own == NULL)
			own = slot_of(slots, "socket_mode");
		cfg_fcgi_check(ld, s, t, own ? own->line : s->line);
	}
#endif
	pn = slot_of(slots, "process_name");
	np = slot_of(slots, "numprocs");
	if (t->numprocs > 1 &&
	    (pn == NULL || (pn->value != NULL &&
	                       strstr(pn->value, "%(process_num)") == NULL)))
		cfg_lerr(ld, s->file, pn ? pn->line : np->line,
		    "%%(process_num) must be present within process_name when numprocs > 1");
}

static void
resolve_program(
    struct loader *ld, struct rsec *s, struct rprog *rp, size_t order)
{
	const struct rkey *slots[CONF_MAX_SECTION_KEYS];
	struct conf_proc t, *p;
	struct conf_group *gr = NULL;
	char num[24], nprocs[24];
	const char *group = s->sub;
	const struct conf_key *k;
	int i;
	size_t j;

	memset(slots, 0, sizeof(slots));
	cfg_match_keys(ld, s, cfg_program_keys, slots);
	/* A pool is a group of its own; [group:x] lists programs only. */
	if (s->info->kind == SK_PROGRAM &&
	    (gr = group_of(ld, s->sub, NULL)) != NULL)
		group = gr->name;

	/* Sorted by name: the "known:" list of a bad %(x)s reads well. */
	struct expand_var vars[] = {
	    {"group_name", group, false},
	    {"here", ld->files[s->file].here, false},
	    {"host_node_name", ld->host, false},
	    {"numprocs", nprocs, true},
	    {"process_num", num, true},
	    {"program_name", s->sub, false},
	};
	struct expand_var common[] = {vars[0], vars[1], vars[2], vars[5]};

	memset(&t, 0, sizeof(t));
	t.umask = -1;
	cfg_apply_defaults(ld, cfg_program_keys, &t);
	for (j = 0, k = cfg_program_keys; k->name != NULL; k++, j++)
		if (slots[j] != NULL && !(k->flags & KF_PROC))
			(void)cfg_apply_rkey(ld, s, slots[j], k, common,
			    TEND_NELEM(common), &t);
	program_settle(ld, s, slots, &t);

	rp->sec = s;
	rp->group = group;
	rp->gpriority = gr ? gr->priority : t.priority;
	rp->deps = cfg_strv_dup(ld, t.depends_on);
	rp->dep_line = dep_line(slots, s->line);

	(void)snprintf(nprocs, sizeof(nprocs), "%d", t.numprocs);
	for (i = 0; i < t.numprocs; i++) {
		(void)snprintf(num, sizeof(num), "%d", t.numprocs_start + i);
		p = proc_copy(ld, &t);
		if (p == NULL)
			break;
		p->process_num = t.numprocs_start + i;
		p->program = cfg_xstrdup(ld, s->sub);
		p->group = cfg_xstrdup(ld, group);
		p->file = cfg_xstrdup(ld, cfg_file_path(ld, s->file));
		p->line = s->line;
		resolve_process(ld, s, slots, p, vars, TEND_NELEM(vars));
#ifdef HAVE_HEALTH
		cfg_health_settle(p);
#endif
		proc_intern(ld, p);
		add_proc(ld, p, rp->gpriority, order);
	}
	for (k = cfg_program_keys; k->name != NULL; k++)
		cfg_free_value(k, &t);
}

bool
cfg_proc_grouped(const struct conf_proc *p)
{
	return p->group != NULL && strcmp(p->group, p->name) != 0;
}

/* Same full name?  (A name has no ':', so "g:n" is never a plain name.) */
static bool
same_fullname(const struct conf_proc *p, const struct conf_proc *q)
{
	return cfg_proc_grouped(p) == cfg_proc_grouped(q) &&
	       strcmp(p->name, q->name) == 0 &&
	       (!cfg_proc_grouped(p) || strcmp(p->group, q->group) == 0);
}

static void
check_duplicate_names(struct loader *ld)
{
	size_t i, j;

	for (i = 1; i < ld->nprocs; i++) {
		struct conf_proc *p = ld->procs[i].p;

		if (p->name == NULL)
			continue;
		for (j = 0; j < i; j++) {
			struct conf_proc *q = ld->procs[j].p;

			/* Within one program, the %(process_num) check has
			 * already said why the names collide. */
			if (q->name == NULL ||
			    ld->procs[j].order == ld->procs[i].order ||
			    !same_fullname(p, q))
				continue;
			cfg_lerr(ld, ld->secs[ld->procs[i].order]->file,
			    p->line,
			    "duplicate process name '%s%s%s' (also made by [program:%s] at %s:%d)",
			    CFG_FULLNAME(p), q->program, q->file, q->line);
			break;
		}
	}
}

/* ------------------------------------------------------------------ */
/* depends_on. */

static int
prog_index(const struct loader *ld, const char *name)
{
	size_t i;

	for (i = 0; i < ld->nprogs; i++)
		if (strcmp(ld->progs[i].sec->sub, name) == 0)
			return (int)i;
	return -1;
}

/* Programs NAME stands for ("prog" or "group:*"): a bitmap over progs. */
static int
dep_targets(
    struct loader *ld, struct rprog *rp, const char *name, bool *targets)
{
	const char *sugg = NULL;
	size_t n = strlen(name), i;
	bool any = false;
	int idx;

	if (n > 2 && strcmp(name + n - 2, ":*") == 0) {
		for (i = 0; i < ld->nprogs; i++) {
			if (strlen(ld->progs[i].group) == n - 2 &&
			    strncmp(ld->progs[i].group, name, n - 2) == 0) {
				targets[i] = true;
				any = true;
			}
		}
		if (!any)
			cfg_lerr(ld, rp->sec->file, rp->dep_line,
			    "depends_on: unknown group '%.*s'", (int)(n - 2),
			    name);
		return any ? 0 : -1;
	}
	idx = prog_index(ld, name);
	if (idx >= 0) {
		targets[idx] = true;
		return 0;
	}
	for (i = 0; i < ld->nprogs; i++)
		if (cfg_is_close(name, ld->progs[i].sec->sub))
			sugg = ld->progs[i].sec->sub;
	if (sugg != NULL)
		cfg_lerr(ld, rp->sec->file, rp->dep_line,
		    "depends_on: unknown program '%s'; did you mean '%s'?",
		    name, sugg);
	else
		cfg_lerr(ld, rp->sec->file, rp->dep_line,
		    "depends_on: unknown program '%s'", name);
	return -1;
}

/* One depends_on entry: its state checked, its name resolved. */
static void
dep_entry(struct loader *ld, struct rprog *rp, const char *entry, bool *targets)
{
	size_t len;
	bool exited;
	char *name;

	if ((len = config_dep_name_len(entry, &exited)) == 0) {
		cfg_lerr(ld, rp->sec->file, rp->dep_line,
		    "depends_on: '%s': the state must be running or exited",
		    entry);
		return;
	}
	if ((name = strndup(entry, len)) == NULL) {
		ld->oom = true;
		return;
	}
	(void)dep_targets(ld, rp, name, targets);
	free(name);
}

/* Depth-first search; COLOR 0 new, 1 on the path, 2 done. */
static void
dep_visit(
    struct loader *ld, bool *edges, int *color, int *path, int depth, int v)
{
	size_t n = ld->nprogs, w;
	char chain[1024];
	size_t off = 0;
	int i, start;

	color[v] = 1;
	path[depth] = v;
	for (w = 0; w < n; w++) {
		if (!edges[(size_t)v * n + w])
			continue;
		if (color[w] == 1) {
			for (start = 0; path[start] != (int)w; start++)
				;
			chain[0] = '\0';
			for (i = start; i <= depth && off < sizeof(chain); i++)
				off += (size_t)snprintf(chain + off,
				    sizeof(chain) - off, "%s -> ",
				    ld->progs[path[i]].sec->sub);
			if (off < sizeof(chain))
				(void)snprintf(chain + off, sizeof(chain) - off,
				    "%s", ld->progs[w].sec->sub);
			cfg_lerr(ld, ld->progs[w].sec->file,
			    ld->progs[w].dep_line, "depends_on: cycle %s",
			    chain);
			off = 0;
		} else if (color[w] == 0) {
			dep_visit(ld, edges, color, path, depth + 1, (int)w);
		}
	}
	color[v] = 2;
}

static void
resolve_depends(struct loader *ld)
{
	size_t n = ld->nprogs, i, j;
	bool *edges;
	int *color, *path;

	if (n == 0)
		return;
	edges = calloc(n * n, sizeof(*edges));
	color = calloc(n, sizeof(*color));
	path = calloc(n + 1, sizeof(*path));
	if (edges == NULL || color == NULL || path == NULL) {
		ld->oom = true;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct rprog *rp = &ld->progs[i];

		for (j = 0; rp->deps != NULL && rp->deps[j] != NULL; j++)
			dep_entry(ld, rp, rp->deps[j], &edges[i * n]);
	}
	for (i = 0; i < n; i++)
		if (color[i] == 0)
			dep_visit(ld, edges, color, path, 0, (int)i);
out:
	free(edges);
	free(color);
	free(path);
}

void
cfg_resolve_all(struct loader *ld)
{
	size_t i, n = 0;

	resolve_globals(ld);
	cfg_check_defaults(ld);
	/* Unknown keys of [include] (read in pass one) are reported here. */
	for (i = 0; i < ld->nsecs; i++) {
		const struct rkey *slots[2] = {NULL, NULL};

		if (ld->secs[i]->info->kind == SK_INCLUDE)
			cfg_match_keys(
			    ld, ld->secs[i], cfg_include_keys, slots);
		if (ld->secs[i]->info->kind == SK_PROGRAM ||
		    ld->secs[i]->info->kind == SK_EVENTLISTENER)
			n++;
	}
	resolve_groups(ld);
	ld->progs = calloc(n ? n : 1, sizeof(*ld->progs));
	if (ld->progs == NULL) {
		ld->oom = true;
		return;
	}
	for (i = 0; i < ld->nsecs; i++)
		if (ld->secs[i]->info->kind == SK_PROGRAM ||
		    ld->secs[i]->info->kind == SK_EVENTLISTENER)
			resolve_program(
			    ld, ld->secs[i], &ld->progs[ld->nprogs++], i);
	check_duplicate_names(ld);
	resolve_depends(ld);
}

/*
 * config.c: configuration files -> an immutable struct tend_conf.
 *
 * Owns: config_load() and the other entry points of config.h, the loader's
 * state, its FILE:LINE: messages, and the small helpers the rooms of the
 * loader share (config_impl.h lists the rooms).  Leaves alone: all running
 * state.  A reload builds a fresh tend_conf and the caller decides what to
 * do with it.
 *
 * Loading runs in two passes.  Pass one (config_read.c) reads the main
 * file and its includes into raw sections (struct rsec: name, file, line,
 * keys with their lines).  Pass two (config_resolve.c) resolves the raw
 * sections: globals, groups, programs, depends_on.  Every problem becomes
 * one "FILE:LINE: message"; loading never stops at the first one, and the
 * messages are sorted by file and line at the end so that they read like a
 * compiler's.
 */
#include "config_impl.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char **environ;

char *
cfg_xstrdup(struct loader *ld, const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		ld->oom = true;
	return d;
}

/* Grow *VP (of *CAP elements of SIZE bytes) to hold N + 1. */
int
cfg_grow(struct loader *ld, void **vp, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *nv;

	if (n + 1 <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	nv = reallocarray(*vp, ncap, size);
	if (nv == NULL) {
		ld->oom = true;
		return -1;
	}
	*vp = nv;
	*cap = ncap;
	return 0;
}

const char *
cfg_file_path(const struct loader *ld, int file)
{
	return file >= 0 ? ld->files[file].path : "";
}

int
cfg_file_index(const struct loader *ld, const char *path)
{
	size_t i;

	for (i = 0; i < ld->nfiles; i++)
		if (strcmp(ld->files[i].path, path) == 0)
			return (int)i;
	return -1;
}

/* Add "FILE:LINE: MSG" to the list *V (once: numprocs expansion repeats a
 * program's mistakes per process). */
static void
add_msg(struct loader *ld, struct lmsg **v, size_t *n, size_t *cap, int file,
    int line, const char *msg)
{
	char buf[1200];
	size_t i;

	if (file >= 0)
		(void)snprintf(buf, sizeof(buf), "%s:%d: %s",
		    cfg_file_path(ld, file), line, msg);
	else
		(void)snprintf(buf, sizeof(buf), "%s", msg);
	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].msg, buf) == 0)
			return;
	if (cfg_grow(ld, (void **)v, cap, *n, sizeof(**v)) == -1)
		return;
	(*v)[*n].msg = cfg_xstrdup(ld, buf);
	if ((*v)[*n].msg == NULL)
		return;
	(*v)[*n].file = file;
	(*v)[*n].line = line;
	(*v)[*n].seq = *n;
	(*n)++;
}

void
cfg_lerr(struct loader *ld, int file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	add_msg(ld, &ld->errs, &ld->nerrs, &ld->caperrs, file, line, msg);
}

void
cfg_lwarn(struct loader *ld, int file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	add_msg(ld, &ld->warns, &ld->nwarns, &ld->capwarns, file, line, msg);
}

/* ------------------------------------------------------------------ */
/* Small helpers. */

/* Optimal string alignment distance (edits with transpositions), small
 * strings only: enough to catch "autostrat" for "autostart". */
size_t
cfg_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t d[33][33];

	if (la > 32 || lb > 32)
		return SIZE_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/* Is CAND close enough to WORD to suggest it? */
bool
cfg_is_close(const char *word, const char *cand)
{
	size_t d = cfg_edit_distance(word, cand);
	size_t limit = strlen(cand) <= 4 ? 1 : 2;

	return d <= limit;
}

const struct conf_key *
cfg_key_find(const struct conf_key *tab, const char *name)
{
	for (; tab->name != NULL; tab++)
		if (strcmp(tab->name, name) == 0)
			return tab;
	return NULL;
}

const char *
cfg_key_suggest(const struct conf_key *tab, const char *name)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX, d;

	for (; tab->name != NULL; tab++) {
		if (!cfg_is_close(name, tab->name))
			continue;
		d = cfg_edit_distance(name, tab->name);
		if (d < bestd) {
			bestd = d;
			best = tab->name;
		}
	}
	return best;
}

bool
cfg_parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	size_t i;

	for (i = 0; i < TEND_NELEM(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

/* Lexically clean an absolute path: no "//", "/./", "/x/../". */
static void
path_clean(char *p)
{
	char *out = p, *in = p;

	while (*in != '\0') {
		if (in[0] == '/' && in[1] == '/') {
			in++;
		} else if (in[0] == '/' && in[1] == '.' &&
		           (in[2] == '/' || in[2] == '\0')) {
			in += 2;
		} else if (in[0] == '/' && in[1] == '.' && in[2] == '.' &&
		           (in[3] == '/' || in[3] == '\0')) {
			in += 3;
			while (out > p && *--out != '/')
				;
		} else {
			*out++ = *in++;
		}
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
}

/* P made absolute against tendd's working directory, as supervisord's
 * os.path.abspath(); NULL on ENOMEM. */
char *
cfg_path_abs(struct loader *ld, const char *p)
{
	char *r;

	if (p[0] == '/') {
		r = cfg_xstrdup(ld, p);
	} else if (asprintf(&r, "%s/%s", ld->cwd, p) == -1) {
		ld->oom = true;
		r = NULL;
	}
	if (r != NULL)
		path_clean(r);
	return r;
}

void
cfg_strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

size_t
cfg_strv_len(char *const *v)
{
	size_t n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

int
cfg_strv_push(struct loader *ld, char ***vp, char *s)
{
	size_t n = cfg_strv_len(*vp);
	char **nv;

	if (s == NULL)
		return -1;
	nv = reallocarray(*vp, n + 2, sizeof(*nv));
	if (nv == NULL) {
		free(s);
		ld->oom = true;
		return -1;
	}
	nv[n] = s;
	nv[n + 1] = NULL;
	*vp = nv;
	return 0;
}

char **
cfg_strv_dup(struct loader *ld, char *const *v)
{
	char **r = NULL;
	size_t i;

	if (v == NULL)
		return NULL;
	r = calloc(cfg_strv_len(v) + 1, sizeof(*r));
	if (r == NULL) {
		ld->oom = true;
		return NULL;
	}
	for (i = 0; v[i] != NULL; i++) {
		r[i] = cfg_xstrdup(ld, v[i]);
		if (r[i] == NULL) {
			cfg_strv_free(r);
			return NULL;
		}
	}
	return r;
}

bool
cfg_strv_equal(char *const *a, char *const *b)
{
	size_t i;

	if (cfg_strv_len(a) != cfg_strv_len(b))
		return false;
	for (i = 0; a != NULL && a[i] != NULL; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

bool
cfg_str_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

char *
cfg_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* supervisord's process_or_group_name(): no blank, ':' or '/'. */
int
cfg_check_name(const char *name, char *err, size_t errlen)
{
	const char *bad;

	if (*name == '\0') {
		(void)snprintf(err, errlen, "empty name");
		return -1;
	}
	bad = strpbrk(name, " \t\n:/");
	if (bad != NULL) {
		(void)snprintf(err, errlen,
		    "invalid name '%s': '%c' is not allowed", name,
		    *bad == '\n' ? ' ' : *bad);
		return -1;
	}
	return 0;
}

static int
procent_cmp(const void *a, const void *b)
{
	const struct procent *x = a, *y = b;

	if (x->gpriority != y->gpriority)
		return x->gpriority < y->gpriority ? -1 : 1;
	if (x->p->priority != y->p->priority)
		return x->p->priority < y->p->priority ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return (x->p->process_num > y->p->process_num) -
	       (x->p->process_num < y->p->process_num);
}

static int
lmsg_cmp(const void *a, const void *b)
{
	const struct lmsg *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static void
sources_free(struct conf_source *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].text);
	}
	free(v);
}

static void
loader_free(struct loader *ld)
{
	size_t i, j;

	for (i = 0; i < ld->nsecs; i++) {
		for (j = 0; j < ld->secs[i]->nkeys; j++) {
			free(ld->secs[i]->keys[j].name);
			free(ld->secs[i]->keys[j].value);
		}
		free(ld->secs[i]->keys);
		free(ld->secs[i]->name);
		free(ld->secs[i]);
	}
	free(ld->secs);
	for (i = 0; i < ld->nfiles; i++) {
		free(ld->files[i].path);
		free(ld->files[i].here);
	}
	free(ld->files);
	for (i = 0; i < ld->nprogs; i++)
		cfg_strv_free(ld->progs[i].deps);
	free(ld->progs);
	for (i = 0; i < ld->nprocs; i++)
		cfg_proc_free(ld->procs[i].p);
	free(ld->procs);
	for (i = 0; i < ld->nerrs; i++)
		free(ld->errs[i].msg);
	free(ld->errs);
	for (i = 0; i < ld->nwarns; i++)
		free(ld->warns[i].msg);
	free(ld->warns);
	free(ld->cwd);
	sources_free(ld->srcs, ld->nsrcs);
}

/* Move the collected messages, sorted, into ERRS. */
static void
export_errors(struct loader *ld, struct conf_errors *errs)
{
	char **nv;
	size_t i;

	if (ld->oom)
		cfg_lerr(ld, -1, 0, "%s", strerror(ENOMEM));
	if (ld->nerrs > 0)
		qsort(ld->errs, ld->nerrs, sizeof(*ld->errs), lmsg_cmp);
	nv = reallocarray(errs->msgs, errs->n + ld->nerrs + 1, sizeof(*nv));
	if (nv == NULL)
		return; /* loader_free() frees the messages */
	errs->msgs = nv;
	for (i = 0; i < ld->nerrs; i++) {
		nv[errs->n++] = ld->errs[i].msg;
		ld->errs[i].msg = NULL;
	}
	nv[errs->n] = NULL;
}

/* Strict: every warning becomes an error. */
static void
warnings_to_errors(struct loader *ld)
{
	size_t i;

	for (i = 0; i < ld->nwarns; i++) {
		if (cfg_grow(ld, (void **)&ld->errs, &ld->caperrs, ld->nerrs,
		        sizeof(*ld->errs)) == -1)
			return;
		ld->errs[ld->nerrs++] = ld->warns[i];
		ld->warns[i].msg = NULL;
	}
	ld->nwarns = 0;
}

/* Give up: every message into ERRS, nothing returned. */
static struct tend_conf *
load_failed(struct loader *ld, struct tend_conf *conf, struct conf_errors *errs)
{
	export_errors(ld, errs);
	loader_free(ld);
	config_free(conf);
	return NULL;
}

/* Move the processes (sorted) and warnings of LD into CONF. */
static int
load_finish(struct loader *ld, struct tend_conf *conf)
{
	size_t i;

	if (ld->nprocs > 0)
		qsort(ld->procs, ld->nprocs, sizeof(*ld->procs), procent_cmp);
	conf->procs = calloc(ld->nprocs + 1, sizeof(*conf->procs));
	conf->warnings = calloc(ld->nwarns + 1, sizeof(*conf->warnings));
	if (conf->procs == NULL || conf->warnings == NULL) {
		ld->oom = true;
		return -1;
	}
	for (i = 0; i < ld->nprocs; i++) {
		conf->procs[i] = ld->procs[i].p;
		ld->procs[i].p = NULL;
	}
	conf->nprocs = ld->nprocs;
	if (ld->nwarns > 0)
		qsort(ld->warns, ld->nwarns, sizeof(*ld->warns), lmsg_cmp);
	for (i = 0; i < ld->nwarns; i++) {
		conf->warnings[i] = ld->warns[i].msg;
		ld->warns[i].msg = NULL;
	}
	conf->nwarnings = ld->nwarns;
	/* The texts read, for a reexec (config_load_sources). */
	conf->sources = ld->srcs;
	conf->nsources = ld->nsrcs;
	conf->cwd = ld->cwd;
	ld->srcs = NULL;
	ld->nsrcs = 0;
	ld->cwd = NULL;
	return 0;
}

struct tend_conf *
config_load(const char *path, struct conf_errors *errs)
{
	return config_load_flags(path, 0, errs);
}

/* Load PATH with LD set up (replaying or not). */
static struct tend_conf *
load_with(struct loader *ld, const char *path, unsigned flags,
    struct conf_errors *errs)
{
	struct tend_conf *conf;
	struct utsname un;

	ld->curfile = -1;
	ld->envp = environ;
	conf = calloc(1, sizeof(*conf));
	if (conf == NULL || ld->cwd == NULL) {
		cfg_lerr(ld, -1, 0, "%s: getcwd: %s", path, strerror(errno));
		return load_failed(ld, conf, errs);
	}
	ld->conf = conf;
	if (uname(&un) == 0)
		(void)snprintf(ld->host, sizeof(ld->host), "%s", un.nodename);
	cfg_load_file(ld, path, -1, 0);
	if (ld->nfiles > 0) {
		conf->path = cfg_path_abs(ld, path);
		cfg_resolve_all(ld);
	}
	if ((flags & CONFIG_STRICT) || conf->global.strict)
		warnings_to_errors(ld);
	if (ld->nerrs > 0 || ld->oom || load_finish(ld, conf) == -1)
		return load_failed(ld, conf, errs);
	loader_free(ld);
	return conf;
}

struct tend_conf *
config_load_flags(const char *path, unsigned flags, struct conf_errors *errs)
{
	struct loader ld;

	memset(&ld, 0, sizeof(ld));
	ld.cwd = getcwd(NULL, 0);
	return load_with(&ld, path, flags, errs);
}

struct tend_conf *
config_load_sources(const char *cwd, const struct conf_source *src, size_t n,
    struct conf_errors *errs)
{
	struct loader ld;

	memset(&ld, 0, sizeof(ld));
	ld.replay = src;
	ld.nreplay = n;
	if (n == 0) {
		cfg_lerr(&ld, -1, 0, "no configuration text");
		return load_failed(&ld, NULL, errs);
	}
	ld.cwd = strdup(cwd);
	return load_with(&ld, src[0].path, 0, errs);
}

void
config_free(struct tend_conf *conf)
{
	const struct conf_key *k;
	size_t i;

	if (conf == NULL)
		return;
	free(conf->path);
	free(conf->cwd);
	sources_free(conf->sources, conf->nsources);
	for (i = 0; (k = cfg_global_key(i)) != NULL; i++)
		if (!cfg_global_key_alias(k))
			cfg_free_value(k, &conf->global);
	for (i = 0; i < conf->nprocs; i++)
		cfg_proc_free(conf->procs[i]);
	free(conf->procs);
	cfg_strpool_free(conf->strings);
	for (i = 0; i < conf->ngroups; i++) {
		cfg_strv_free(conf->groups[i]->programs);
		free(conf->groups[i]->name);
		free(conf->groups[i]->file);
		free(conf->groups[i]);
	}
	free(conf->groups);
	for (i = 0; i < conf->nwarnings; i++)
		free(conf->warnings[i]);
	free(conf->warnings);
	free(conf);
}

void
config_errors_free(struct conf_errors *errs)
{
	size_t i;

	if (errs == NULL)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->n = 0;
}

const struct conf_proc *
config_find_proc(const struct tend_conf *conf, const char *fullname)
{
	const char *colon = strchr(fullname, ':');
	size_t i;

	for (i = 0; i < conf->nprocs; i++) {
		const struct conf_proc *p = conf->procs[i];

		if (colon == NULL) {
			if (strcmp(p->name, fullname) == 0 &&
			    strcmp(p->group, p->name) == 0)
				return p;
		} else if (strlen(p->group) == (size_t)(colon - fullname) &&
		           strncmp(p->group, fullname,
		               (size_t)(colon - fullname)) == 0 &&
		           strcmp(p->name, colon + 1) == 0) {
			return p;
		}
	}
	return NULL;
}

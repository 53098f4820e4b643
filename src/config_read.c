/*
 * config_read.c: pass one of the loader, files -> raw sections.  Owns
 * reading the main file and its [include]s (globs, loops, depth), section
 * names and supervisord's section aliases, duplicate keys, and matching a
 * raw section's keys against the key table (unknown keys, suggestions).
 * Leaves alone: the syntax of a line (config_ini.c) and what the values
 * mean (config_value.c, config_resolve.c).
 */
#include "config_impl.h"
#include "config_ini.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Pass one: files into raw cfg_sections. */

static const struct sect_info *
section_info(const char *name)
{
	size_t i, n;

	for (i = 0; i < cfg_nsections; i++) {
		n = strlen(cfg_sections[i].name);
		if (strncmp(name, cfg_sections[i].name, n) != 0)
			continue;
		if (cfg_sections[i].prefix ? name[n] == ':' : name[n] == '\0')
			return &cfg_sections[i];
	}
	return NULL;
}

/* "[program:x]" with a typo in the kind: suggest the right spelling. */
static const char *
section_suggest(const char *name)
{
	char kind[64];
	size_t i;

	(void)snprintf(
	    kind, sizeof(kind), "%.*s", (int)strcspn(name, ":"), name);
	for (i = 0; i < cfg_nsections; i++)
		if (cfg_is_close(kind, cfg_sections[i].name) &&
		    (strchr(name, ':') != NULL) == cfg_sections[i].prefix)
			return cfg_sections[i].name;
	return NULL;
}

struct rsec *
cfg_find_section(const struct loader *ld, const char *name)
{
	size_t i;

	for (i = 0; i < ld->nsecs; i++)
		if (strcmp(ld->secs[i]->name, name) == 0)
			return ld->secs[i];
	return NULL;
}

/* configparser's default section: one for every file, its keys those
 * of every section that does not set them. */
static const struct sect_info default_info = {
    "DEFAULT", false, SK_DEFAULT, NULL};

/* A section of a feature configure left out: an error, with its line. */
static bool
section_absent(struct loader *ld, const struct sect_info *info,
    const char *name, int line)
{
#ifndef HAVE_EVENTS
	if (info->kind == SK_EVENTLISTENER) {
		cfg_lerr(ld, ld->curfile, line,
		    "[%s]: event listeners are not built into this tendd "
		    "(configured --disable-events)",
		    name);
		return true;
	}
#endif
#ifndef HAVE_FCGI
	if (strcmp(info->name, "fcgi-program") == 0) {
		cfg_lerr(ld, ld->curfile, line,
		    "[%s]: FastCGI programs are not built into this tendd "
		    "(configured --disable-fcgi)",
		    name);
		return true;
	}
#endif
	(void)ld;
	(void)info;
	(void)name;
	(void)line;
	return false;
}

static void
ini_section_cb(void *user, const char *name, int line)
{
	struct loader *ld = user;
	const struct sect_info *info = section_info(name);
	const char *sugg;
	struct rsec *s, *prev;
	char err[256];

	ld->cur = NULL;
	if (strcmp(name, "DEFAULT") == 0) {
		if (ld->defaults != NULL) {
			ld->cur = ld->defaults;
			return;
		}
		info = &default_info;
	} else if (info == NULL) {
		sugg = section_suggest(name);
		/* supervisord ignores a section it does not know. */
		if (sugg != NULL)
			cfg_lwarn(ld, ld->curfile, line,
			    "unknown section [%s] (ignored); did you mean [%s%s]?",
			    name, sugg,
			    strchr(name, ':') ? strchr(name, ':') : "");
		else
			cfg_lwarn(ld, ld->curfile, line,
			    "unknown section [%s] (ignored)", name);
		return;
	}
	if (section_absent(ld, info, name, line))
		return;
	if (info->kind == SK_IGNORED ||
	    (info->kind == SK_RPCINTERFACE &&
	        strcmp(name, "rpcinterface:supervisor") != 0)) {
		cfg_lwarn(ld, ld->curfile, line,
		    "[%s] is not implemented by tend; section ignored", name);
		return;
	}
	if (info->prefix && cfg_check_name(name + strlen(info->name) + 1, err,
	                        sizeof(err)) == -1) {
		cfg_lerr(ld, ld->curfile, line, "[%s]: %s", name, err);
		return;
	}
	prev = cfg_find_section(ld, name);
	/* configparser (strict off) adds the keys to the first, in the
	 * same file or in an included one (supervisord reads them all
	 * into one parser): a key set again replaces the earlier. */
	if (prev != NULL && info->prefix && prev->file == ld->curfile) {
		cfg_lwarn(ld, ld->curfile, line,
		    "duplicate section [%s]: its keys are added to line %d's",
		    name, prev->line);
		ld->cur = prev;
		return;
	}
	if (prev != NULL && info->prefix) {
		cfg_lwarn(ld, ld->curfile, line,
		    "duplicate section [%s]: its keys are added to those of %s:%d",
		    name, cfg_file_path(ld, prev->file), prev->line);
		ld->cur = prev;
		return;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL ||
	    cfg_grow(ld, (void **)&ld->secs, &ld->capsecs, ld->nsecs,
	        sizeof(*ld->secs)) == -1 ||
	    (s->name = cfg_xstrdup(ld, name)) == NULL) {
		ld->oom = true;
		free(s);
		return;
	}
	s->sub = info->prefix ? s->name + strlen(info->name) + 1 : s->name;
	s->info = info;
	s->file = ld->curfile;
	s->line = line;
	ld->secs[ld->nsecs++] = s;
	ld->cur = s;
	if (info == &default_info)
		ld->defaults = s;
}

static void
ini_key_cb(void *user, const char *section, const char *key, const char *value,
    int line, bool cont)
{
	struct loader *ld = user;
	struct rsec *s = ld->cur;
	struct rkey *k;
	char *name, *joined;
	size_t i;

	(void)section;
	if (s == NULL)
		return;
	if (cont) {
		/* configparser joins continuation lines with "\n". */
		if (s->nkeys == 0 || s->keys[s->nkeys - 1].value == NULL)
			return;
		k = &s->keys[s->nkeys - 1];
		if (asprintf(&joined, "%s\n%s", k->value, value) == -1) {
			ld->oom = true;
			return;
		}
		free(k->value);
		k->value = joined;
		return;
	}
	if ((name = cfg_xstrdup(ld, key)) == NULL)
		return;
	/* configparser folds option names to lower case. */
	for (i = 0; name[i] != '\0'; i++)
		name[i] = (char)tolower((unsigned char)name[i]);
	for (i = 0; i < s->nkeys; i++) {
		if (strcmp(s->keys[i].name, name) != 0)
			continue;
		/* supervisord (strict=False) lets the last one win; say so
		 * and keep the order of lines for continuations. */
		if (s->keys[i].file == ld->curfile)
			cfg_lwarn(ld, ld->curfile, line,
			    "duplicate key '%s' in [%s]; this one replaces line %d",
			    name, s->name, s->keys[i].line);
		else
			cfg_lwarn(ld, ld->curfile, line,
			    "duplicate key '%s' in [%s]; this one replaces %s:%d",
			    name, s->name, cfg_file_path(ld, s->keys[i].file),
			    s->keys[i].line);
		free(s->keys[i].name);
		free(s->keys[i].value);
		memmove(&s->keys[i], &s->keys[i + 1],
		    (s->nkeys - i - 1) * sizeof(*s->keys));
		s->nkeys--;
		break;
	}
	if (cfg_grow(ld, (void **)&s->keys, &s->cap, s->nkeys,
	        sizeof(*s->keys)) == -1) {
		free(name);
		return;
	}
	k = &s->keys[s->nkeys];
	k->name = name;
	k->value = value ? cfg_xstrdup(ld, value) : NULL;
	k->line = line;
	k->file = ld->curfile;
	k->here_own = s != ld->defaults && s->file != ld->curfile;
	if (value != NULL && k->value == NULL) {
		free(name);
		return;
	}
	s->nkeys++;
}

static void
ini_error_cb(void *user, int line, const char *msg)
{
	struct loader *ld = user;

	cfg_lerr(ld, ld->curfile, line, "%s", msg);
}

static const struct config_ini_ops ini_ops = {
    ini_section_cb,
    ini_key_cb,
    ini_error_cb,
};

/* Interpolation variables of a section outside [program:x]. */
static char *
expand_plain(
    struct loader *ld, int file, const char *v, char *err, size_t errlen)
{
	struct expand_var vars[] = {
	    {"here", ld->files[file].here, false},
	};
	char *r = expand_interpolate(
	    v, vars, TEND_NELEM(vars), ld->envp, err, errlen);

	if (r == NULL && errno == ENOMEM)
		ld->oom = true;
	return r;
}

static bool
has_glob_magic(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int
path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* glob(3) over the files being replayed: the paths PAT matched when the
 * config was read (they are the only ones a replay has), sorted as glob
 * sorts them.  G->gl_pathv borrows the paths. */
static int
replay_glob(struct loader *ld, const char *pat, glob_t *g)
{
	size_t i;

	g->gl_pathv = calloc(ld->nreplay + 1, sizeof(*g->gl_pathv));
	if (g->gl_pathv == NULL)
		return GLOB_NOSPACE;
	for (i = 0; i < ld->nreplay; i++)
		if (fnmatch(pat, ld->replay[i].path, FNM_PATHNAME | FNM_PERIOD) ==
		    0)
			g->gl_pathv[g->gl_pathc++] = ld->replay[i].path;
	qsort(g->gl_pathv, g->gl_pathc, sizeof(*g->gl_pathv), path_cmp);
	return g->gl_pathc > 0 ? 0 : GLOB_NOMATCH;
}

/* The whole text of the file at PATH (from the replayed texts when
 * replaying, where the index stands in for the inode), kept in LD->srcs
 * for the conf; *ST describes it.  -1 with errno. */
static const struct conf_source *
source_read(struct loader *ld, const char *path, struct stat *st)
{
	struct conf_source *src;
	size_t i, cap = 0;
	char *text = NULL, *nt;
	ssize_t n;
	int fd, saved;

	memset(st, 0, sizeof(*st));
	if (cfg_grow(ld, (void **)&ld->srcs, &ld->capsrcs, ld->nsrcs,
	        sizeof(*ld->srcs)) == -1)
		return errno = ENOMEM, NULL;
	src = &ld->srcs[ld->nsrcs];
	if (ld->replay != NULL) {
		for (i = 0; i < ld->nreplay; i++)
			if (strcmp(ld->replay[i].path, path) == 0)
				break;
		if (i == ld->nreplay)
			return errno = ENOENT, NULL;
		st->st_mode = S_IFREG;
		st->st_ino = (ino_t)i + 1;
		src->len = ld->replay[i].len;
		if ((text = malloc(src->len + 1)) == NULL)
			return errno = ENOMEM, NULL;
		memcpy(text, ld->replay[i].text, src->len);
	} else {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			return NULL;
		if (fstat(fd, st) == -1 || (S_ISDIR(st->st_mode) &&
		                               (errno = EISDIR) != 0)) {
			saved = errno;
			(void)close(fd);
			return errno = saved, NULL;
		}
		src->len = 0;
		for (;;) {
			if (src->len + 4096 + 1 > cap) {
				cap = cap ? 2 * cap : 8192;
				if ((nt = realloc(text, cap)) == NULL) {
					n = -1;
					errno = ENOMEM;
					break;
				}
				text = nt;
			}
			n = read(fd, text + src->len, cap - src->len - 1);
			if (n > 0)
				src->len += (size_t)n;
			else if (n == 0 || errno != EINTR)
				break;
		}
		saved = errno;
		(void)close(fd);
		if (n == -1) {
			free(text);
			return errno = saved, NULL;
		}
	}
	text[src->len] = '\0';
	src->text = text;
	if ((src->path = strdup(path)) == NULL) {
		free(text);
		return errno = ENOMEM, NULL;
	}
	ld->nsrcs++;
	return src;
}

/* One pattern of [include] files=, relative to the including file. */
static void
include_pattern(struct loader *ld, int file, int line, const char *pat)
{
	const char *from = ld->files[file].path;
	const char *slash = strrchr(from, '/');
	char *full;
	glob_t g;
	size_t i;
	int rc;

	if (pat[0] == '/' || slash == NULL)
		full = cfg_xstrdup(ld, pat);
	else if (asprintf(&full, "%.*s/%s", (int)(slash - from), from, pat) ==
	         -1)
		full = NULL;
	if (full == NULL) {
		ld->oom = true;
		return;
	}
	memset(&g, 0, sizeof(g));
	rc = ld->replay != NULL ? replay_glob(ld, full, &g) : glob(full, 0, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		/* A glob may match nothing (an empty conf.d/); a plain
		 * name that does not exist (yet: some are made at run
		 * time) is skipped with a warning, as supervisord. */
		if (!has_glob_magic(full))
			cfg_lwarn(ld, file, line, "include %s: %s (skipped)",
			    full, strerror(ENOENT));
	} else if (rc == GLOB_NOSPACE) {
		ld->oom = true;
	} else if (rc != 0) {
		cfg_lerr(ld, file, line,
		    "include %s: cannot read the directory", full);
	} else {
		for (i = 0; i < g.gl_pathc; i++)
			cfg_load_file(ld, g.gl_pathv[i], file, line);
	}
	if (ld->replay != NULL)
		free(g.gl_pathv);
	else
		globfree(&g);
	free(full);
}

/* The [include] cfg_sections FILE held, read after the file, as supervisord. */
static void
process_includes(struct loader *ld, int file, size_t first_sec, size_t last_sec)
{
	char err[512], *v, *tok, *save = NULL;
	const struct conf_key *k;
	size_t i, j;

	for (i = first_sec; i < last_sec; i++) {
		struct rsec *s = ld->secs[i];

		if (s->info->kind != SK_INCLUDE || s->file != file)
			continue;
		for (j = 0; j < s->nkeys; j++) {
			k = cfg_key_find(cfg_include_keys, s->keys[j].name);
			if (k == NULL || s->keys[j].value == NULL)
				continue; /* reported in pass two */
			v = expand_plain(
			    ld, file, s->keys[j].value, err, sizeof(err));
			if (v == NULL) {
				cfg_lerr(ld, file, s->keys[j].line, "files: %s",
				    err);
				continue;
			}
			for (tok = strtok_r(v, " \t\n", &save); tok != NULL;
			     tok = strtok_r(NULL, " \t\n", &save))
				include_pattern(ld, file, s->keys[j].line, tok);
			free(v);
		}
	}
}

static int
add_file(struct loader *ld, const char *path, const struct stat *st)
{
	struct rfile *f;
	char *abs, *slash;

	if (cfg_grow(ld, (void **)&ld->files, &ld->capfiles, ld->nfiles,
	        sizeof(*ld->files)) == -1)
		return -1;
	f = &ld->files[ld->nfiles];
	f->path = cfg_xstrdup(ld, path);
	abs = cfg_path_abs(ld, path);
	if (f->path == NULL || abs == NULL) {
		free(f->path);
		free(abs);
		return -1;
	}
	slash = strrchr(abs, '/');
	if (slash == abs)
		slash[1] = '\0';
	else
		*slash = '\0';
	f->here = abs;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	return (int)ld->nfiles++;
}

static void
include_loop_error(
    struct loader *ld, int from, int from_line, const char *path, int again)
{
	char chain[1024];
	size_t off = 0;
	int i;

	chain[0] = '\0';
	for (i = 0; i < ld->depth && off < sizeof(chain); i++) {
		if (ld->stack[i] != again && off == 0)
			continue;
		off += (size_t)snprintf(chain + off, sizeof(chain) - off,
		    "%s -> ", ld->files[ld->stack[i]].path);
	}
	cfg_lerr(ld, from, from_line, "include loop: %s%s", chain, path);
}

void
cfg_load_file(struct loader *ld, const char *path, int from, int from_line)
{
	const struct conf_source *src;
	struct stat st;
	size_t first_sec, i;
	int saved, file, rc;
	FILE *fp = NULL;

	if ((src = source_read(ld, path, &st)) == NULL) {
		saved = errno;
		if (saved == ENOMEM)
			ld->oom = true;
		else if (from >= 0)
			cfg_lerr(ld, from, from_line, "include %s: %s", path,
			    strerror(saved));
		else
			cfg_lerr(ld, -1, 0, "%s: %s", path, strerror(saved));
		return;
	}
	/* An empty file has no lines (fmemopen(3) wants a size). */
	if (src->len > 0 &&
	    (fp = fmemopen(src->text, src->len, "r")) == NULL) {
		ld->oom = true;
		return;
	}
	for (i = 0; i < ld->nfiles; i++) {
		if (ld->files[i].dev != st.st_dev ||
		    ld->files[i].ino != st.st_ino)
			continue;
		for (rc = 0; rc < ld->depth; rc++)
			if (ld->stack[rc] == (int)i)
				break;
		if (rc < ld->depth)
			include_loop_error(ld, from, from_line, path, (int)i);
		else
			cfg_lerr(ld, from, from_line,
			    "include %s: already included (as %s)", path,
			    ld->files[i].path);
		if (fp != NULL)
			(void)fclose(fp);
		return;
	}
	if (ld->depth >= CONF_MAX_INCLUDE_DEPTH) {
		cfg_lerr(ld, from, from_line,
		    "include %s: includes nested more than %d deep", path,
		    CONF_MAX_INCLUDE_DEPTH);
		if (fp != NULL)
			(void)fclose(fp);
		return;
	}
	if ((file = add_file(ld, path, &st)) == -1) {
		if (fp != NULL)
			(void)fclose(fp);
		return;
	}
	ld->stack[ld->depth++] = file;
	saved = ld->curfile;
	ld->curfile = file;
	ld->cur = NULL;
	first_sec = ld->nsecs;
	rc = fp != NULL ? config_ini_parse(fp, &ini_ops, ld) : 0;
	if (rc == -1) {
		if (errno == ENOMEM)
			ld->oom = true;
		else
			cfg_lerr(
			    ld, -1, 0, "%s: read: %s", path, strerror(errno));
	}
	if (fp != NULL)
		(void)fclose(fp);
	ld->cur = NULL;
	process_includes(ld, file, first_sec, ld->nsecs);
	ld->curfile = saved;
	ld->depth--;
}

/* ------------------------------------------------------------------ */
/* Pass two: globals. */

/* The other section kind whose keys include NAME: supervisord's names
 * first, [tend] last; NULL if none. */
static const struct sect_info *
key_home(const struct sect_info *own, const char *name)
{
	const struct sect_info *tend = NULL, *si;
	size_t i;

	for (i = 0; i < cfg_nsections; i++) {
		si = &cfg_sections[i];
		if (si->keys == NULL || si->keys == own->keys ||
		    cfg_key_find(si->keys, name) == NULL)
			continue;
		if (si->kind != SK_TEND)
			return si;
		tend = si;
	}
	return tend;
}

/* A key S's table does not have: a warning, as supervisord ignores it,
 * with where it belongs or what it may be a misspelling of. */
static void
unknown_key(struct loader *ld, const struct rsec *s, const struct rkey *rk)
{
	const struct sect_info *home = key_home(s->info, rk->name);
	const char *sugg = cfg_key_suggest(s->info->keys, rk->name);

	if (home != NULL)
		cfg_lwarn(ld, rk->file, rk->line,
		    "unknown key '%s' in [%s] (ignored); '%s' belongs in [%s%s]",
		    rk->name, s->name, rk->name, home->name,
		    home->prefix ? ":x" : "");
	else if (sugg != NULL)
		cfg_lwarn(ld, rk->file, rk->line,
		    "unknown key '%s' in [%s] (ignored); did you mean '%s'?",
		    rk->name, s->name, sugg);
	else
		cfg_lwarn(ld, rk->file, rk->line,
		    "unknown key '%s' in [%s] (ignored)", rk->name, s->name);
}

/* A [DEFAULT] key no section kind has: a warning, once; one of a
 * feature not built in: an error. */
void
cfg_check_defaults(struct loader *ld)
{
	const struct rsec *d = ld->defaults;
	size_t i, j;

	for (i = 0; d != NULL && i < d->nkeys; i++) {
		const struct conf_key *k = NULL;

		for (j = 0; j < cfg_nsections; j++)
			if (cfg_sections[j].keys != NULL &&
			    (k = cfg_key_find(cfg_sections[j].keys,
			         d->keys[i].name)) != NULL)
				break;
		if (k != NULL && (k->flags & KF_ABSENT))
			cfg_lerr(ld, d->keys[i].file, d->keys[i].line,
			    ABSENT_FMT, d->keys[i].name, cfg_key_absent(k));
		else if (j == cfg_nsections)
			cfg_lwarn(ld, d->keys[i].file, d->keys[i].line,
			    "unknown key '%s' in [DEFAULT] (ignored)",
			    d->keys[i].name);
	}
}

/* Check every key of S against TAB; fill SLOTS (indexed like TAB). */
void
cfg_match_keys(struct loader *ld, const struct rsec *s,
    const struct conf_key *tab, const struct rkey **slots)
{
	const struct rsec *d = ld->defaults;
	const struct conf_key *k;
	size_t i;

	/* [DEFAULT]'s keys that S's kind has, silently; S's own win.
	 * ([include] is read before [DEFAULT] may be complete.) */
	for (i = 0; d != NULL && s->info->kind != SK_INCLUDE && i < d->nkeys;
	     i++)
		if ((k = cfg_key_find(tab, d->keys[i].name)) != NULL &&
		    !(k->flags & KF_ABSENT) &&
		    (!(k->flags & KF_FCGI) || cfg_sec_fcgi(s)))
			slots[k - tab] = &d->keys[i];
	for (i = 0; i < s->nkeys; i++) {
		const struct rkey *rk = &s->keys[i];

		if ((k = cfg_key_find(tab, rk->name)) == NULL) {
			unknown_key(ld, s, rk);
			continue;
		}
		if ((k->flags & KF_FCGI) && !cfg_sec_fcgi(s)) {
			cfg_lwarn(ld, rk->file, rk->line,
			    "unknown key '%s' in [%s] (ignored); '%s' belongs in [fcgi-program:x]",
			    rk->name, s->name, rk->name);
			continue;
		}
		if (k->flags & KF_ABSENT) {
			cfg_lerr(ld, rk->file, rk->line, ABSENT_FMT, rk->name,
			    cfg_key_absent(k));
			continue;
		}
		/* [program:x] and [eventlistener:x] share one table. */
		if ((s->info->kind == SK_PROGRAM && (k->flags & KF_LISTENER)) ||
		    (s->info->kind == SK_EVENTLISTENER &&
		        (k->flags & KF_PROGRAM))) {
			cfg_lwarn(ld, s->file, rk->line,
			    "unknown key '%s' in [%s] (ignored); '%s' belongs in [%s:x]",
			    rk->name, s->name, rk->name,
			    s->info->kind == SK_PROGRAM ? "eventlistener"
			                                : "program");
			continue;
		}
		slots[k - tab] = rk;
	}
}

int
cfg_apply_rkey(struct loader *ld, const struct rsec *s, const struct rkey *rk,
    const struct conf_key *k, const struct expand_var *vars, size_t nvars,
    void *base)
{
	struct expand_var own[8];
	size_t i;

	if (!rk->here_own || rk->file == s->file || nvars > TEND_NELEM(own))
		return cfg_apply_key(
		    ld, rk->file, rk->line, k, rk->value, vars, nvars, base);
	for (i = 0; i < nvars; i++) {
		own[i] = vars[i];
		if (strcmp(own[i].name, "here") == 0)
			own[i].value = ld->files[rk->file].here;
	}
	return cfg_apply_key(
	    ld, rk->file, rk->line, k, rk->value, own, nvars, base);
}

/* Expand and parse one key; errors as "FILE:LINE: key: message". */
int
cfg_apply_key(struct loader *ld, int file, int line, const struct conf_key *k,
    const char *raw, const struct expand_var *vars, size_t nvars, void *base)
{
	struct valctx vc = {ld, file, line};
	char err[768];
	char *v;
	int rc;

	/* A refused line: already reported, nothing to parse. */
	if (raw == NULL)
		return -1;
	err[0] = '\0';
	v = expand_interpolate(raw, vars, nvars, ld->envp, err, sizeof(err));
	if (v == NULL) {
		if (errno == ENOMEM)
			ld->oom = true;
		else
			cfg_lerr(ld, file, line, "%s: %s", k->name, err);
		return -1;
	}
	rc = cfg_parse_value(&vc, k, v, base, err, sizeof(err));
	if (rc == -1 && !ld->oom)
		cfg_lerr(ld, file, line, "%s: %s", k->name, err);
	free(v);
	return rc;
}

/* The built-in defaults of TAB into BASE (keys whose default needs
 * no interpolation; a key of a feature not built in has none: its
 * field stays zero). */
void
cfg_apply_defaults(struct loader *ld, const struct conf_key *tab, void *base)
{
	struct valctx vc = {ld, -1, 0};
	char err[256];

	for (; tab->name != NULL; tab++)
		if (tab->def != NULL && !(tab->flags & (KF_PROC | KF_ABSENT)) &&
		    cfg_parse_value(
		        &vc, tab, tab->def, base, err, sizeof(err)) == -1 &&
		    !ld->oom)
			cfg_lerr(ld, -1, 0, "built-in default of %s: %s",
			    tab->name, err);
}

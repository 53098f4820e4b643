/*
 * config_value.c: one type of value per row of key_ops: how a value of that
 * type is parsed from its text, compared, copied and freed.  Owns the
 * parsers' messages ("'maybe' is not one of true, false, unexpected").
 * Leaves alone: which key has which type (config_keys.c) and where the
 * text came from (config_read.c).
 */
#include "config_impl.h"
#include "evbus.h"
#include "log.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* Values. */

/*
 * supervisord's environment= syntax: KEY=VALUE pairs separated by commas;
 * a value may be quoted ('...' or "...") to hold commas or blanks.
 */
static int
parse_environ(
    struct loader *ld, const char *s, char ***out, char *err, size_t errlen)
{
	char **v = NULL;
	const char *p = s;

	while (*p != '\0') {
		const char *k, *val;
		size_t klen, vlen;
		char *entry;

		while (isspace((unsigned char)*p) || *p == ',')
			p++;
		if (*p == '\0')
			break;
		k = p;
		while (*p != '\0' && *p != '=' && *p != ',' &&
		       !isspace((unsigned char)*p))
			p++;
		klen = (size_t)(p - k);
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '=' || klen == 0) {
			(void)snprintf(err, errlen,
			    "expected KEY=VALUE at '%.*s'",
			    (int)strcspn(k, ","), k);
			goto fail;
		}
		p++;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '"' || *p == '\'') {
			const char *q = strchr(p + 1, *p);

			if (q == NULL) {
				(void)snprintf(err, errlen,
				    "unbalanced %s quote in the value of %.*s",
				    *p == '"' ? "double" : "single", (int)klen,
				    k);
				goto fail;
			}
			val = p + 1;
			vlen = (size_t)(q - val);
			p = q + 1;
			while (isspace((unsigned char)*p))
				p++;
			if (*p != '\0' && *p != ',') {
				(void)snprintf(err, errlen,
				    "expected ',' after the quoted value of %.*s",
				    (int)klen, k);
				goto fail;
			}
		} else {
			val = p;
			while (*p != '\0' && *p != ',')
				p++;
			vlen = (size_t)(p - val);
			while (
			    vlen > 0 && isspace((unsigned char)val[vlen - 1]))
				vlen--;
		}
		if (asprintf(&entry, "%.*s=%.*s", (int)klen, k, (int)vlen,
		        val) == -1) {
			ld->oom = true;
			goto fail;
		}
		if (cfg_strv_push(ld, &v, entry) == -1)
			goto fail;
	}
	if (v == NULL) {
		v = calloc(1, sizeof(*v));
		if (v == NULL) {
			ld->oom = true;
			return -1;
		}
	}
	cfg_strv_free(*out);
	*out = v;
	return 0;
fail:
	cfg_strv_free(v);
	return -1;
}

static int
parse_namelist(
    struct loader *ld, const char *s, char ***out, char *err, size_t errlen)
{
	char *copy = cfg_xstrdup(ld, s), *tok, *save = NULL;
	char **v = NULL;

	if (copy == NULL)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		tok = cfg_trim(tok);
		if (*tok == '\0')
			continue;
		if (cfg_strv_push(ld, &v, cfg_xstrdup(ld, tok)) == -1) {
			free(copy);
			cfg_strv_free(v);
			return -1;
		}
	}
	free(copy);
	if (v == NULL) {
		(void)snprintf(err, errlen, "no names given");
		return -1;
	}
	cfg_strv_free(*out);
	*out = v;
	return 0;
}

/* A user by name or number, as supervisord's name_to_uid(). */
int
cfg_lookup_user(const char *s, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct passwd *pw;
	long n;

	errno = 0;
	if (util_parse_long(s, 0, INT_MAX, &n) == 0)
		pw = getpwuid((uid_t)n);
	else
		pw = getpwnam(s);
	if (pw == NULL) {
		if (errno != 0 && errno != ENOENT && errno != ESRCH)
			(void)snprintf(err, errlen, "getpwnam(%s): %s", s,
			    strerror(errno));
		else
			(void)snprintf(err, errlen, "unknown user '%s'", s);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int
cfg_lookup_group(const char *s, gid_t *gid, char *err, size_t errlen)
{
	struct group *gr;
	long n;

	errno = 0;
	if (util_parse_long(s, 0, INT_MAX, &n) == 0)
		gr = getgrgid((gid_t)n);
	else
		gr = getgrnam(s);
	if (gr == NULL) {
		(void)snprintf(err, errlen, "unknown group '%s'", s);
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}

/* supervisord's existing_dirpath(): PATH's directory must exist now. */
static int
check_dirpath(char *path, char *err, size_t errlen)
{
	char *slash = strrchr(path, '/');
	struct stat st;
	int rc = 0;

	*slash = '\0';
	if (stat(*path ? path : "/", &st) == -1 || !S_ISDIR(st.st_mode)) {
		(void)snprintf(err, errlen, "directory '%s' does not exist",
		    *path ? path : "/");
		rc = -1;
	}
	*slash = '/';
	return rc;
}

static int
parse_logfile(struct loader *ld, const char *v, struct conf_log *log, char *err,
    size_t errlen)
{
	char *path;

	free(log->path);
	log->path = NULL;
	if (strcasecmp(v, "AUTO") == 0) {
		log->kind = CONF_LOG_AUTO;
		return 0;
	}
	if (strcasecmp(v, "NONE") == 0 || *v == '\0') {
		log->kind = CONF_LOG_NONE;
		return 0;
	}
	if ((path = cfg_path_abs(ld, v)) == NULL)
		return -1;
	if (check_dirpath(path, err, errlen) == -1) {
		free(path);
		return -1;
	}
	log->kind = CONF_LOG_FILE;
	log->path = path;
	return 0;
}

/*
 * One parser per key type: V (already interpolated) for key K into the
 * struct at BASE.  Each returns 0, or -1 with ERR filled (or ld->oom set).
 */
/* Replace the string field of K in BASE with S (owned). */
static int
set_str(const struct conf_key *k, void *base, char *s)
{
	if (s == NULL)
		return -1;
	free(*FIELD(k, base, char *));
	*FIELD(k, base, char *) = s;
	return 0;
}

static int
pv_string(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	return set_str(k, base, cfg_xstrdup(vc->ld, v));
}

static int
pv_path(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	char *s = NULL;

	if ((k->flags & KF_SYSLOG) && strcmp(v, "syslog") == 0)
		return set_str(k, base, cfg_xstrdup(vc->ld, v));
	if (*v != '\0' && strcasecmp(v, "NONE") != 0 &&
	    (s = cfg_path_abs(vc->ld, v)) == NULL)
		return -1;
	if (s != NULL && (k->flags & KF_DIRPATH) &&
	    check_dirpath(s, err, errlen) == -1) {
		free(s);
		return -1;
	}
	free(*FIELD(k, base, char *));
	*FIELD(k, base, char *) = s;
	return 0;
}

static int
pv_dir(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	struct stat st;
	char *s;

	if ((s = cfg_path_abs(vc->ld, v)) == NULL)
		return -1;
	if (stat(s, &st) == -1) {
		(void)snprintf(err, errlen, "'%s': %s", s, strerror(errno));
		free(s);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(void)snprintf(err, errlen, "'%s' is not a directory", s);
		free(s);
		return -1;
	}
	return set_str(k, base, s);
}

static int
pv_bool(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	bool b;

	if (!cfg_parse_bool(v, &b)) {
		(void)snprintf(
		    err, errlen, "'%s' is not a boolean (true or false)", v);
		return -1;
	}
	if (k->off != NOFIELD)
		*FIELD(k, base, bool) = b;
	return 0;
}

static int
pv_int(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	long n;

	if (cfg_parse_int_range(k, v, &n, err, errlen) == -1)
		return -1;
	*FIELD(k, base, int) = (int)n;
	return 0;
}

static int
pv_long(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	return cfg_parse_int_range(k, v, FIELD(k, base, long), err, errlen);
}

static int
pv_seconds(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	if (util_parse_seconds(v, FIELD(k, base, double)) == 0)
		return 0;
	if (errno == ERANGE)
		(void)snprintf(err, errlen,
		    "'%s' is out of range (0 to 1000000000 seconds)", v);
	else
		(void)snprintf(
		    err, errlen, "'%s' is not a number of seconds", v);
	return -1;
}

static int
pv_size(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	if (util_parse_size(v, FIELD(k, base, uint64_t)) == 0)
		return 0;
	(void)snprintf(err, errlen,
	    "'%s' is not a size (a number with an optional KB, MB or GB suffix)",
	    v);
	return -1;
}

static int
pv_signal(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	int sig;

	if ((k->flags & KF_NONE) &&
	    (strcmp(v, "0") == 0 || strcasecmp(v, "none") == 0))
		sig = 0;
	else if ((sig = util_signal_parse(v)) == -1) {
		(void)snprintf(err, errlen, "unknown signal '%s'", v);
		return -1;
	}
	*FIELD(k, base, int) = sig;
	return 0;
}

static int
pv_octal(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	return cfg_parse_octal(v, FIELD(k, base, int), err, errlen);
}

#ifdef HAVE_EVENTS
/* events=: supervisord upper-cases each name, then looks it up. */
static int
pv_events(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	char bad[128], *up;
	uint32_t mask;
	size_t i;

	if ((up = strdup(v)) == NULL) {
		vc->ld->oom = true;
		return -1;
	}
	for (i = 0; up[i] != '\0'; i++)
		up[i] = (char)toupper((unsigned char)up[i]);
	mask = evbus_mask_parse(up, bad, sizeof(bad));
	free(up);
	if (mask == 0 && bad[0] != '\0') {
		snprintf(err, errlen, "unknown event type %s", bad);
		return -1;
	}
	if (mask == 0) {
		snprintf(err, errlen, "no event type");
		return -1;
	}
	*FIELD(k, base, uint32_t) = mask;
	return 0;
}
#endif

static const char *const autorestart_words[] = {
    "false", "true", "unexpected", NULL};
static const char *const readiness_words[] = {
    "none", "notify", "health", NULL};
static const char *const critical_words[] = {"false", "fatal", "exit", NULL};

const struct enum_desc *
cfg_enum_desc(const struct conf_key *k)
{
	static const struct enum_desc autorestart = {
	    autorestart_words, true, "true, false, unexpected"};
	static const struct enum_desc readiness = {
	    readiness_words, false, "none, notify, health"};
	static const struct enum_desc critical = {
	    critical_words, true, "false, true, fatal, exit"};

	if (k->type == KT_AUTORESTART)
		return &autorestart;
	return k->type == KT_READINESS ? &readiness : &critical;
}

static int
pv_enum(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	const struct enum_desc *d = cfg_enum_desc(k);
	size_t i;
	bool b;

	for (i = 0; d->words[i] != NULL; i++) {
		if (strcasecmp(v, d->words[i]) == 0) {
#ifndef HAVE_NOTIFY
			if (k->type == KT_READINESS &&
			    i == CONF_READINESS_NOTIFY) {
				(void)snprintf(err, errlen, ABSENT_FMT, v,
				    "notify");
				return -1;
			}
#endif
			*FIELD(k, base, int) = (int)i;
			return 0;
		}
	}
	if (d->boolean && cfg_parse_bool(v, &b)) {
		*FIELD(k, base, int) = b ? 1 : 0;
		return 0;
	}
	(void)snprintf(err, errlen, "'%s' is not one of %s", v, d->hint);
	return -1;
}

static int
pv_exitcodes(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	return cfg_parse_exitcodes(
	    v, FIELD(k, base, struct conf_exitcodes), err, errlen);
}

static int
pv_logfile(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	struct conf_log *log = FIELD(k, base, struct conf_log);

	/* supervisord's deprecated spelling of *_syslog=true. */
	if (strcasecmp(v, "syslog") == 0) {
		cfg_lwarn(vc->ld, vc->file, vc->line,
		    "%s=syslog is deprecated (as in supervisord): it means %.6s_logfile=NONE with %.6s_syslog=true",
		    k->name, k->name, k->name);
		free(log->path);
		log->path = NULL;
		log->kind = CONF_LOG_NONE;
		log->syslog = true;
		return 0;
	}
	return parse_logfile(vc->ld, v, log, err, errlen);
}

static int
pv_environ(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	return parse_environ(vc->ld, v, FIELD(k, base, char **), err, errlen);
}

static int
pv_namelist(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	return parse_namelist(vc->ld, v, FIELD(k, base, char **), err, errlen);
}

static int
pv_rlimit(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	return cfg_parse_rlimit(
	    v, FIELD(k, base, struct conf_rlimit), err, errlen);
}

static int
pv_percent(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	return cfg_parse_percent(v, FIELD(k, base, double), err, errlen);
}

static int
pv_name(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	if (cfg_check_name(v, err, errlen) == -1)
		return -1;
	return set_str(k, base, cfg_xstrdup(vc->ld, v));
}

static int
pv_user(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	struct conf_proc *p = base;

	if (cfg_lookup_user(v, &p->uid, &p->gid, err, errlen) == -1)
		return -1;
	return set_str(k, base, cfg_xstrdup(vc->ld, v));
}

/* [supervisord] user=: must exist now (tendd -n says so). */
static int
pv_runas(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	struct conf_global *g = base;

	if (cfg_lookup_user(v, &g->user_uid, &g->user_gid, err, errlen) == -1)
		return -1;
	return set_str(k, base, cfg_xstrdup(vc->ld, v));
}

static int
pv_command(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	struct conf_proc *p = base;
	char *s, **argv;

	if (expand_split(v, &argv, err, errlen) == -1) {
		if (errno == ENOMEM)
			vc->ld->oom = true;
		return -1;
	}
	if (argv[0] == NULL) {
		expand_free_argv(argv);
		(void)snprintf(err, errlen, "empty command");
		return -1;
	}
	if ((s = cfg_xstrdup(vc->ld, v)) == NULL) {
		expand_free_argv(argv);
		return -1;
	}
	free(p->command);
	expand_free_argv(p->argv);
	p->command = s;
	p->argv = argv;
	return 0;
}

static int
pv_loglevel(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	int level = log_level_parse(v);

	if (level == -1) {
		(void)snprintf(err, errlen,
		    "unknown log level '%s' (critical, error, warn, info, debug, trace, blather)",
		    v);
		return -1;
	}
	*FIELD(k, base, int) = level;
	return 0;
}

/* chown=user[:group]; the user alone leaves the group, as supervisord. */
static int
pv_owner(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	struct conf_global *g = base;
	const char *colon = strchr(v, ':');
	char *user;
	uid_t uid;
	gid_t gid = (gid_t)-1, ugid;
	int rc;

	user = strndup(v, colon ? (size_t)(colon - v) : strlen(v));
	if (user == NULL) {
		vc->ld->oom = true;
		return -1;
	}
	rc = cfg_lookup_user(user, &uid, &ugid, err, errlen);
	free(user);
	if (rc == -1 ||
	    (colon != NULL && cfg_lookup_group(colon + 1, &gid, err, errlen) == -1))
		return -1;
	if (set_str(k, base, cfg_xstrdup(vc->ld, v)) == -1)
		return -1;
	g->socket_uid = uid;
	g->socket_gid = gid;
	return 0;
}

static int
pv_serverurl(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	struct conf_global *g = base;
	char *s;

	if (set_str(k, base, cfg_xstrdup(vc->ld, v)) == -1)
		return -1;
	if (strncmp(v, "unix://", 7) != 0 || v[7] == '\0') {
		cfg_lwarn(vc->ld, vc->file, vc->line,
		    "serverurl '%s' is not a unix:// URL; tend ignores it", v);
		return 0;
	}
	/* The lowest-precedence source of the socket path: [unix_http_server]
	 * and [tend] are read after. */
	if ((s = cfg_path_abs(vc->ld, v + 7)) == NULL)
		return -1;
	free(g->socket);
	g->socket = s;
	return 0;
}

/* dependent_startup=true: the plugin starts the program (its autostart
 * is false by the plugin's rules); tend starts it itself, in order. */
static int
pv_depstart(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	bool b;

	if (!cfg_parse_bool(v, &b)) {
		(void)snprintf(
		    err, errlen, "'%s' is not a boolean (true or false)", v);
		return -1;
	}
	if (b)
		*FIELD(k, base, bool) = true;
	return 0;
}

/* dependent_startup_wait_for=NAME:running NAME:exited ...: each word
 * appended to depends_on ("NAME" or "NAME:exited"). */
static int
pv_waitfor(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	char ***list = FIELD(k, base, char **);
	const char *p = v;
	size_t n, len;
	bool exited;
	char *w;

	for (; *(p += strspn(p, " \t\n")) != '\0'; p += n) {
		n = strcspn(p, " \t\n");
		if ((w = strndup(p, n)) == NULL) {
			vc->ld->oom = true;
			return -1;
		}
		len = config_dep_name_len(w, &exited);
		if (len == 0 || strchr(w, ':') == NULL) {
			(void)snprintf(err, errlen,
			    "'%s' is not NAME:running or NAME:exited", w);
			free(w);
			return -1;
		}
		(void)snprintf(
		    w + len, n + 1 - len, "%s", exited ? ":exited" : "");
		if (cfg_strv_push(vc->ld, list, w) == -1)
			return -1;
	}
	return 0;
}

static int
pv_nothing(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	return 0;
}

/* ------------------------------------------------------------------ */
/* Comparing, copying, freeing and printing a value. */

static bool
eq_str(const struct conf_key *k, const void *a, const void *b)
{
	return cfg_str_equal(*CFIELD(k, a, char *), *CFIELD(k, b, char *));
}

static bool
eq_strv(const struct conf_key *k, const void *a, const void *b)
{
	return cfg_strv_equal(*CFIELD(k, a, char **), *CFIELD(k, b, char **));
}

static bool
eq_bool(const struct conf_key *k, const void *a, const void *b)
{
	return *CFIELD(k, a, bool) == *CFIELD(k, b, bool);
}

static bool
eq_int(const struct conf_key *k, const void *a, const void *b)
{
	return *CFIELD(k, a, int) == *CFIELD(k, b, int);
}

static bool
eq_long(const struct conf_key *k, const void *a, const void *b)
{
	return *CFIELD(k, a, long) == *CFIELD(k, b, long);
}

static bool
eq_double(const struct conf_key *k, const void *a, const void *b)
{
	return *CFIELD(k, a, double) == *CFIELD(k, b, double);
}

#ifdef HAVE_EVENTS
static bool
eq_u32(const struct conf_key *k, const void *a, const void *b)
{
	return *CFIELD(k, a, uint32_t) == *CFIELD(k, b, uint32_t);
}
#endif

static bool
eq_u64(const struct conf_key *k, const void *a, const void *b)
{
	return *CFIELD(k, a, uint64_t) == *CFIELD(k, b, uint64_t);
}

static bool
eq_exitcodes(const struct conf_key *k, const void *a, const void *b)
{
	return memcmp(CFIELD(k, a, struct conf_exitcodes),
	           CFIELD(k, b, struct conf_exitcodes),
	           sizeof(struct conf_exitcodes)) == 0;
}

/* Where the output goes; sizes and the rest are keys of their own. */
static bool
eq_log(const struct conf_key *k, const void *a, const void *b)
{
	const struct conf_log *x = CFIELD(k, a, struct conf_log);
	const struct conf_log *y = CFIELD(k, b, struct conf_log);

	return x->kind == y->kind && cfg_str_equal(x->path, y->path);
}

static bool
eq_user(const struct conf_key *k, const void *a, const void *b)
{
	const struct conf_proc *x = a, *y = b;

	return cfg_str_equal(x->user, y->user) && x->uid == y->uid &&
	       x->gid == y->gid;
}

static bool
eq_runas(const struct conf_key *k, const void *a, const void *b)
{
	const struct conf_global *x = a, *y = b;

	return cfg_str_equal(x->user, y->user) && x->user_uid == y->user_uid;
}

static bool
eq_command(const struct conf_key *k, const void *a, const void *b)
{
	const struct conf_proc *x = a, *y = b;

	return cfg_strv_equal(x->argv, y->argv);
}

static bool
eq_owner(const struct conf_key *k, const void *a, const void *b)
{
	const struct conf_global *x = a, *y = b;

	return cfg_str_equal(x->socket_owner, y->socket_owner) &&
	       x->socket_uid == y->socket_uid && x->socket_gid == y->socket_gid;
}

static bool
eq_rlimit(const struct conf_key *k, const void *a, const void *b)
{
	const struct conf_rlimit *x = CFIELD(k, a, struct conf_rlimit);
	const struct conf_rlimit *y = CFIELD(k, b, struct conf_rlimit);

	return x->set == y->set && x->soft == y->soft && x->hard == y->hard;
}

static bool
eq_nothing(const struct conf_key *k, const void *a, const void *b)
{
	return true;
}

/* Copies: scalars are copied by size (key_ops.size), pointers deeply. */
static int
cp_str(struct loader *ld, const struct conf_key *k, void *dst, const void *src)
{
	const char *s = *CFIELD(k, src, char *);

	*FIELD(k, dst, char *) = cfg_xstrdup(ld, s);
	return s != NULL && *FIELD(k, dst, char *) == NULL ? -1 : 0;
}

static int
cp_strv(struct loader *ld, const struct conf_key *k, void *dst, const void *src)
{
	char *const *v = *CFIELD(k, src, char **);

	*FIELD(k, dst, char **) = cfg_strv_dup(ld, v);
	return v != NULL && *FIELD(k, dst, char **) == NULL ? -1 : 0;
}

static int
cp_log(struct loader *ld, const struct conf_key *k, void *dst, const void *src)
{
	const struct conf_log *s = CFIELD(k, src, struct conf_log);
	struct conf_log *d = FIELD(k, dst, struct conf_log);

	d->kind = s->kind;
	d->path = cfg_xstrdup(ld, s->path);
	return s->path != NULL && d->path == NULL ? -1 : 0;
}

static int
cp_user(struct loader *ld, const struct conf_key *k, void *dst, const void *src)
{
	const struct conf_proc *s = src;
	struct conf_proc *d = dst;

	d->uid = s->uid;
	d->gid = s->gid;
	return cp_str(ld, k, dst, src);
}

static int
cp_runas(struct loader *ld, const struct conf_key *k, void *dst, const void *src)
{
	const struct conf_global *s = src;
	struct conf_global *d = dst;

	d->user_uid = s->user_uid;
	d->user_gid = s->user_gid;
	return cp_str(ld, k, dst, src);
}

static int
cp_command(
    struct loader *ld, const struct conf_key *k, void *dst, const void *src)
{
	const struct conf_proc *s = src;
	struct conf_proc *d = dst;

	d->argv = cfg_strv_dup(ld, s->argv);
	if (s->argv != NULL && d->argv == NULL)
		return -1;
	return cp_str(ld, k, dst, src);
}

static int
cp_owner(
    struct loader *ld, const struct conf_key *k, void *dst, const void *src)
{
	const struct conf_global *s = src;
	struct conf_global *d = dst;

	d->socket_uid = s->socket_uid;
	d->socket_gid = s->socket_gid;
	return cp_str(ld, k, dst, src);
}

static void
fr_str(const struct conf_key *k, void *base)
{
	free(*FIELD(k, base, char *));
	*FIELD(k, base, char *) = NULL;
}

static void
fr_strv(const struct conf_key *k, void *base)
{
	cfg_strv_free(*FIELD(k, base, char **));
	*FIELD(k, base, char **) = NULL;
}

static void
fr_log(const struct conf_key *k, void *base)
{
	struct conf_log *l = FIELD(k, base, struct conf_log);

	free(l->path);
	l->path = NULL;
}

static void
fr_command(const struct conf_key *k, void *base)
{
	struct conf_proc *p = base;

	expand_free_argv(p->argv);
	p->argv = NULL;
	fr_str(k, base);
}

static void
fr_nothing(const struct conf_key *k, void *base)
{
}

#ifdef HAVE_HEALTH
static int
pv_health(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	return cfg_health_parse(
	    vc->ld, v, FIELD(k, base, struct conf_health *), err, errlen);
}

static bool
eq_health(const struct conf_key *k, const void *a, const void *b)
{
	return cfg_health_equal(*CFIELD(k, a, struct conf_health *),
	    *CFIELD(k, b, struct conf_health *));
}

/* Per process (KF_PROC): parsed again for each, never copied. */
static int
cp_nothing(
    struct loader *ld, const struct conf_key *k, void *dst, const void *src)
{
	return 0;
}

static void
fr_health(const struct conf_key *k, void *base)
{
	cfg_health_free(*FIELD(k, base, struct conf_health *));
	*FIELD(k, base, struct conf_health *) = NULL;
}

static int
pv_hcaction(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	return cfg_health_action_parse(v, FIELD(k, base, int), err, errlen);
}
#endif

/* Everything tend knows about a type of value. */
struct key_ops {
	int (*parse)(const struct valctx *vc, const struct conf_key *k,
	    const char *v, void *base, char *err, size_t errlen);
	bool (*equal)(const struct conf_key *k, const void *a, const void *b);
	/* Deep copy into DST, whose field is unset; NULL: copy SIZE bytes. */
	int (*copy)(struct loader *ld, const struct conf_key *k, void *dst,
	    const void *src);
	size_t size;
	void (*free)(const struct conf_key *k, void *base);
};

#define OPS_ABSENT {pv_nothing, eq_nothing, NULL, 0, fr_nothing}

static const struct key_ops key_ops[] = {
    [KT_STRING] = {pv_string, eq_str, cp_str, 0, fr_str},
    [KT_PATH] = {pv_path, eq_str, cp_str, 0, fr_str},
    [KT_DIR] = {pv_dir, eq_str, cp_str, 0, fr_str},
    [KT_BOOL] = {pv_bool, eq_bool, NULL, sizeof(bool), fr_nothing},
    [KT_INT] = {pv_int, eq_int, NULL, sizeof(int), fr_nothing},
    [KT_LONG] = {pv_long, eq_long, NULL, sizeof(long), fr_nothing},
    [KT_SECONDS] = {pv_seconds, eq_double, NULL, sizeof(double), fr_nothing},
    [KT_SIZE] = {pv_size, eq_u64, NULL, sizeof(uint64_t), fr_nothing},
    [KT_SIGNAL] = {pv_signal, eq_int, NULL, sizeof(int), fr_nothing},
    [KT_OCTAL] = {pv_octal, eq_int, NULL, sizeof(int), fr_nothing},
    [KT_AUTORESTART] = {pv_enum, eq_int, NULL, sizeof(int), fr_nothing},
    [KT_EXITCODES] = {pv_exitcodes, eq_exitcodes, NULL,
        sizeof(struct conf_exitcodes), fr_nothing},
    [KT_LOGFILE] = {pv_logfile, eq_log, cp_log, 0, fr_log},
    [KT_ENVIRON] = {pv_environ, eq_strv, cp_strv, 0, fr_strv},
    [KT_READINESS] = {pv_enum, eq_int, NULL, sizeof(int), fr_nothing},
    [KT_CRITICAL] = {pv_enum, eq_int, NULL, sizeof(int), fr_nothing},
    [KT_NAMELIST] = {pv_namelist, eq_strv, cp_strv, 0, fr_strv},
    [KT_NAME] = {pv_name, eq_str, cp_str, 0, fr_str},
    [KT_USER] = {pv_user, eq_user, cp_user, 0, fr_str},
    [KT_RUNAS] = {pv_runas, eq_runas, cp_runas, 0, fr_str},
    [KT_COMMAND] = {pv_command, eq_command, cp_command, 0, fr_command},
    [KT_LOGLEVEL] = {pv_loglevel, eq_int, NULL, sizeof(int), fr_nothing},
    [KT_OWNER] = {pv_owner, eq_owner, cp_owner, 0, fr_str},
    [KT_SERVERURL] = {pv_serverurl, eq_str, cp_str, 0, fr_str},
    [KT_IGNBOOL] = {pv_bool, eq_nothing, NULL, 0, fr_nothing},
    [KT_IGNORED] = {pv_nothing, eq_nothing, NULL, 0, fr_nothing},
    [KT_INCLUDE] = {pv_nothing, eq_nothing, NULL, 0, fr_nothing},
    [KT_RLIMIT] = {pv_rlimit, eq_rlimit, NULL, sizeof(struct conf_rlimit),
        fr_nothing},
    [KT_PERCENT] = {pv_percent, eq_double, NULL, sizeof(double), fr_nothing},
    [KT_DEPSTART] = {pv_depstart, eq_nothing, NULL, 0, fr_nothing},
    [KT_WAITFOR] = {pv_waitfor, eq_nothing, NULL, 0, fr_nothing},
/* A feature configure left out: its keys are KF_ABSENT (refused before
 * any value is read) and its fields stay zero, so its types take the
 * ignored one's operations and its code is not linked. */
#ifdef HAVE_FCGI
    [KT_FCGI_SOCKET] = {cfg_fcgi_parse, cfg_fcgi_equal, cfg_fcgi_copy, 0,
        cfg_fcgi_free},
    [KT_FCGI_OWNER] = {cfg_fcgi_parse, cfg_fcgi_equal, cfg_fcgi_copy, 0,
        cfg_fcgi_free},
    [KT_FCGI_MODE] = {cfg_fcgi_parse, cfg_fcgi_equal, cfg_fcgi_copy, 0,
        cfg_fcgi_free},
    [KT_FCGI_BACKLOG] = {cfg_fcgi_parse, cfg_fcgi_equal, cfg_fcgi_copy, 0,
        cfg_fcgi_free},
#else
    [KT_FCGI_SOCKET] = OPS_ABSENT,
    [KT_FCGI_OWNER] = OPS_ABSENT,
    [KT_FCGI_MODE] = OPS_ABSENT,
    [KT_FCGI_BACKLOG] = OPS_ABSENT,
#endif
#ifdef HAVE_HEALTH
    [KT_HEALTHCHECK] = {pv_health, eq_health, cp_nothing, 0, fr_health},
    [KT_HCACTION] = {pv_hcaction, eq_int, NULL, sizeof(int), fr_nothing},
#else
    [KT_HEALTHCHECK] = OPS_ABSENT,
    [KT_HCACTION] = OPS_ABSENT,
#endif
#ifdef HAVE_EVENTS
    [KT_EVENTS] = {pv_events, eq_u32, NULL, sizeof(uint32_t), fr_nothing},
#else
    [KT_EVENTS] = OPS_ABSENT,
#endif
};

/* Enum fields are read and written as int. */
_Static_assert(sizeof(enum conf_autorestart) == sizeof(int) &&
                   sizeof(enum conf_critical) == sizeof(int) &&
                   sizeof(enum conf_readiness) == sizeof(int),
    "enum keys are stored as int");

/*
 * Where K's field lives: BASE itself, or for a KF_HEALTH key the
 * struct conf_health of the process BASE (NULL when it has none; with
 * LD, one of kind 0 is made to hold the program's values until
 * healthcheck= is known: cfg_health_settle() drops it if none).
 */
static void *
key_base(struct loader *ld, const struct conf_key *k, const void *base)
{
	struct conf_health **h;

	if (!(k->flags & KF_HEALTH))
		return (void *)base;
	h = &((struct conf_proc *)(void *)base)->health;
	if (*h == NULL && ld != NULL && (*h = calloc(1, sizeof(**h))) == NULL)
		ld->oom = true;
	return *h;
}

bool
cfg_value_equal(const struct conf_key *k, const void *a, const void *b)
{
	a = key_base(NULL, k, a);
	b = key_base(NULL, k, b);
	if (a == NULL || b == NULL)
		return a == b;
	return key_ops[k->type].equal(k, a, b);
}

int
cfg_parse_value(const struct valctx *vc, const struct conf_key *k,
    const char *v, void *base, char *err, size_t errlen)
{
	if ((base = key_base(vc->ld, k, base)) == NULL)
		return -1; /* out of memory */
	return key_ops[k->type].parse(vc, k, v, base, err, errlen);
}

void
cfg_free_value(const struct conf_key *k, void *base)
{
	if ((base = key_base(NULL, k, base)) != NULL)
		key_ops[k->type].free(k, base);
}

const void *
cfg_key_base(const struct conf_key *k, const void *base)
{
	return key_base(NULL, k, base);
}

/* Copy K's value from SRC into DST (whose field is unset). */
int
cfg_copy_value(
    struct loader *ld, const struct conf_key *k, void *dst, const void *src)
{
	const struct key_ops *o = &key_ops[k->type];

	if (k->off == NOFIELD)
		return 0;
	if ((k->flags & KF_HEALTH) &&
	    ((src = key_base(NULL, k, src)) == NULL ||
	        (dst = key_base(ld, k, dst)) == NULL))
		return ld->oom ? -1 : 0;
	if (o->copy != NULL)
		return o->copy(ld, k, dst, src);
	memcpy((char *)dst + k->off, (const char *)src + k->off, o->size);
	return 0;
}

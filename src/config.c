/*
 * config.c: configuration files -> an immutable struct tend_conf.
 *
 * Owns: the key table (the single list of every key tend accepts, with
 * its type, default and field; tend.conf(5) documents each one), the
 * supervisord section aliases, [include], %(...)s interpolation per
 * process, numprocs expansion, validation, and the FILE:LINE: messages.
 * Leaves alone: all running state.  A reload builds a fresh tend_conf and
 * the caller decides what to do with it.
 *
 * Loading runs in two passes.  Pass one reads the main file and its
 * includes into raw sections (struct rsec: name, file, line, keys with
 * their lines).  Pass two resolves the raw sections: globals first, then
 * groups, then programs (which need their group for %(group_name)s), then
 * depends_on (which needs every program).  Every problem becomes one
 * "FILE:LINE: message"; loading never stops at the first one, and the
 * messages are sorted by file and line at the end so that they read like
 * a compiler's.
 */
#include "config.h"
#include "config_ini.h"
#include "expand.h"
#include "log.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char **environ;

/* Includes deeper than this are surely a mistake (loops are caught
 * separately, by device and inode). */
#define CONF_MAX_INCLUDE_DEPTH 16
#define CONF_MAX_NUMPROCS 100000

/* ------------------------------------------------------------------ */
/* The key table. */

enum key_type {
	KT_STRING,      /* char *, as written */
	KT_PATH,        /* char *, made absolute; NONE or empty: NULL */
	KT_DIR,         /* char *, absolute, must be an existing directory */
	KT_BOOL,        /* bool */
	KT_INT,         /* int in [min, max] */
	KT_LONG,        /* long in [min, max] */
	KT_SECONDS,     /* double */
	KT_SIZE,        /* uint64_t */
	KT_SIGNAL,      /* int */
	KT_OCTAL,       /* int, 0..0777 */
	KT_AUTORESTART, /* enum conf_autorestart */
	KT_EXITCODES,   /* struct conf_exitcodes */
	KT_LOGFILE,     /* struct conf_log: AUTO, NONE or a path */
	KT_ENVIRON,     /* char **, KEY=VALUE list */
	KT_READINESS,   /* enum conf_readiness */
	KT_CRITICAL,    /* enum conf_critical */
	KT_NAMELIST,    /* char **, comma-separated names */
	KT_NAME,        /* char *, a process name */
	KT_USER,        /* conf_proc user, uid, gid */
	KT_COMMAND,     /* conf_proc command, argv */
	KT_LOGLEVEL,    /* int, enum log_level */
	KT_OWNER,       /* conf_global socket_owner, socket_uid, socket_gid */
	KT_SERVERURL,   /* conf_global serverurl (and socket if unix://) */
	KT_IGNBOOL,     /* a boolean tend validates and ignores */
	KT_IGNORED,     /* any value; accepted and ignored */
	KT_INCLUDE,     /* [include] files=, read by the loader */
	KT_RLIMIT,      /* struct conf_rlimit: N, SOFT:HARD, unlimited */
	KT_PERCENT,     /* double, "50%" or "50" (percent), > 0 */
};

#define KF_PROC 0x1 /* expanded per process (may use %(process_num)d) */
#define KF_NONE 0x2 /* signal: "none" or "0" means no signal */
/* What a reload does when a [program:x] key changes (one of three): */
#define KF_RESTART 0x4 /* the running process was made from it: restart */
#define KF_POLICY 0x8  /* supervision only: applied live, "updated" */
#define KF_SET 0x10    /* changes which processes exist (compared by name) */
#define KF_INHERIT 0x20 /* unset means tendd's own (printed "(tendd's)") */
#define KF_POOLED 0x40  /* its strings go to the conf's string pool */

#define NOFIELD ((size_t)-1)

struct conf_key {
	const char *name;
	enum key_type type;
	size_t off;       /* field offset, or NOFIELD */
	const char *def;  /* default, as it would be written; NULL: none */
	long min, max;    /* KT_INT, KT_LONG */
	unsigned flags;   /* KF_* */
	const char *warn; /* a warning given whenever the key is set */
};

#define P(f) offsetof(struct conf_proc, f)
#define G(f) offsetof(struct conf_global, f)
#define GR(f) offsetof(struct conf_group, f)

#define LOGKEYS(s, f)                                                       \
	{s "_logfile", KT_LOGFILE, P(f), "AUTO", 0, 0,                      \
	    KF_PROC | KF_RESTART, NULL},                                    \
	    {s "_logfile_maxbytes", KT_SIZE, P(f.maxbytes), "50MB", 0, 0,   \
	        KF_POLICY, NULL},                                           \
	    {s "_logfile_backups", KT_INT, P(f.backups), "10", 0, INT_MAX,  \
	        KF_POLICY, NULL},                                           \
	    {s "_capture_maxbytes", KT_SIZE, P(f.capture_maxbytes), "0", 0, \
	        0, KF_POLICY, NULL},                                        \
	    {s "_events_enabled", KT_BOOL, P(f.events_enabled), "false", 0, \
	        0, KF_POLICY, NULL},                                        \
	{                                                                   \
		s "_syslog", KT_BOOL, P(f.syslog), "false", 0, 0, KF_RESTART, \
		    NULL                                                    \
	}

/* [program:NAME]: supervisord's keys, then tend's. */
static const struct conf_key program_keys[] = {
    {"command", KT_COMMAND, P(command), NULL, 0, 0, KF_PROC | KF_RESTART | KF_POOLED, NULL},
    {"process_name", KT_NAME, P(name), "%(program_name)s", 0, 0, KF_PROC | KF_POLICY, NULL},
    {"numprocs", KT_INT, P(numprocs), "1", 1, CONF_MAX_NUMPROCS, KF_SET, NULL},
    {"numprocs_start", KT_INT, P(numprocs_start), "0", 0, INT_MAX / 2, KF_SET, NULL},
    {"priority", KT_INT, P(priority), "999", INT_MIN, INT_MAX, KF_POLICY, NULL},
    {"autostart", KT_BOOL, P(autostart), "true", 0, 0, KF_POLICY, NULL},
    {"startsecs", KT_SECONDS, P(startsecs), "1", 0, 0, KF_POLICY, NULL},
    {"startretries", KT_INT, P(startretries), "3", 0, INT_MAX, KF_POLICY, NULL},
    {"autorestart", KT_AUTORESTART, P(autorestart), "unexpected", 0, 0, KF_POLICY,
        NULL},
    {"exitcodes", KT_EXITCODES, P(exitcodes), "0", 0, 0, KF_POLICY, NULL},
    {"stopsignal", KT_SIGNAL, P(stopsignal), "TERM", 0, 0, KF_RESTART, NULL},
    {"stopwaitsecs", KT_SECONDS, P(stopwaitsecs), "10", 0, 0, KF_POLICY, NULL},
    {"stopasgroup", KT_BOOL, P(stopasgroup), "false", 0, 0, KF_RESTART, NULL},
    {"killasgroup", KT_BOOL, P(killasgroup), NULL, 0, 0, KF_RESTART, NULL},
    {"user", KT_USER, P(user), NULL, 0, 0, KF_RESTART | KF_INHERIT | KF_POOLED, NULL},
    {"redirect_stderr", KT_BOOL, P(redirect_stderr), "false", 0, 0, KF_RESTART, NULL},
    LOGKEYS("stdout", out),
    LOGKEYS("stderr", err),
    {"environment", KT_ENVIRON, P(environment), NULL, 0, 0, KF_PROC | KF_RESTART, NULL},
    {"directory", KT_STRING, P(directory), NULL, 0, 0, KF_PROC | KF_RESTART | KF_INHERIT | KF_POOLED, NULL},
    {"umask", KT_OCTAL, P(umask), NULL, 0, 0, KF_RESTART | KF_INHERIT, NULL},
    {"serverurl", KT_IGNORED, NOFIELD, "AUTO", 0, 0, 0, NULL},
    /* tend additions */
    {"readiness", KT_READINESS, P(readiness), "none", 0, 0, KF_RESTART, NULL},
    {"depends_on", KT_NAMELIST, P(depends_on), NULL, 0, 0, KF_POLICY, NULL},
    {"pdeathsig", KT_SIGNAL, P(pdeathsig), "KILL", 0, 0, KF_NONE | KF_RESTART, NULL},
    {"environment_file", KT_PATH, P(environment_file), NULL, 0, 0, KF_PROC | KF_RESTART | KF_POOLED,
        NULL},
    {"restart_delay", KT_SECONDS, P(restart_delay), "0", 0, 0, KF_POLICY, NULL},
    {"restart_backoff_max", KT_SECONDS, P(restart_backoff_max), "0", 0, 0, KF_POLICY,
        NULL},
    {"restart_backoff_reset", KT_SECONDS, P(restart_backoff_reset), "60", 0, 0,
        KF_POLICY, NULL},
    {"readiness_timeout", KT_SECONDS, P(readiness_timeout), "90", 0, 0, KF_POLICY,
        NULL},
    {"watchdog_sec", KT_SECONDS, P(watchdog_sec), "0", 0, 0, KF_RESTART, NULL},
    {"critical", KT_CRITICAL, P(critical), "false", 0, 0, KF_POLICY, NULL},
    {"log_prefix", KT_BOOL, P(log_prefix), "false", 0, 0, KF_RESTART, NULL},
    {"log_timestamps", KT_BOOL, P(log_timestamps), "false", 0, 0, KF_RESTART, NULL},
    {"stop_leftovers", KT_BOOL, P(stop_leftovers), "true", 0, 0, KF_POLICY, NULL},
    {"rlimit_nofile", KT_RLIMIT, P(rlimit_nofile), NULL, 0, 0, KF_RESTART, NULL},
    {"rlimit_nproc", KT_RLIMIT, P(rlimit_nproc), NULL, 0, 0, KF_RESTART, NULL},
    {"rlimit_core", KT_RLIMIT, P(rlimit_core), NULL, 0, 0, KF_RESTART, NULL},
    {"rlimit_as", KT_RLIMIT, P(rlimit_as), NULL, 0, 0, KF_RESTART, NULL},
    {"memory_max", KT_SIZE, P(memory_max), "0", 0, 0, KF_RESTART, NULL},
    {"memory_high", KT_SIZE, P(memory_high), "0", 0, 0, KF_RESTART, NULL},
    {"cpu_max", KT_PERCENT, P(cpu_max), NULL, 0, 0, KF_RESTART, NULL},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

static const struct conf_key group_keys[] = {
    {"programs", KT_NAMELIST, GR(programs), NULL, 0, 0, 0, NULL},
    {"priority", KT_INT, GR(priority), "999", INT_MIN, INT_MAX, 0, NULL},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

static const struct conf_key include_keys[] = {
    {"files", KT_INCLUDE, NOFIELD, NULL, 0, 0, 0, NULL},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

/* [tend]: the global settings under tend's own names. */
static const struct conf_key tend_keys[] = {
    {"socket", KT_PATH, G(socket), NULL, 0, 0, 0, NULL},
    {"socket_mode", KT_OCTAL, G(socket_mode), "0700", 0, 0, 0, NULL},
    {"socket_owner", KT_OWNER, G(socket_owner), NULL, 0, 0, 0, NULL},
    {"logfile", KT_PATH, G(logfile), NULL, 0, 0, 0, NULL},
    {"logfile_maxbytes", KT_SIZE, G(logfile_maxbytes), "50MB", 0, 0, 0, NULL},
    {"logfile_backups", KT_INT, G(logfile_backups), "10", 0, INT_MAX, 0, NULL},
    {"loglevel", KT_LOGLEVEL, G(loglevel), "info", 0, 0, 0, NULL},
    {"pidfile", KT_PATH, G(pidfile), NULL, 0, 0, 0, NULL},
    {"umask", KT_OCTAL, G(umask), "022", 0, 0, 0, NULL},
    {"directory", KT_DIR, G(directory), NULL, 0, 0, 0, NULL},
    {"childlogdir", KT_DIR, G(childlogdir), NULL, 0, 0, 0, NULL},
    {"environment", KT_ENVIRON, G(environment), NULL, 0, 0, 0, NULL},
    {"identifier", KT_STRING, G(identifier), "tend", 0, 0, 0, NULL},
    {"minfds", KT_LONG, G(minfds), "1024", 0, LONG_MAX, 0, NULL},
    {"minprocs", KT_LONG, G(minprocs), "200", 0, LONG_MAX, 0, NULL},
    {"shutdown_timeout", KT_SECONDS, G(shutdown_timeout), "0", 0, 0, 0,
        NULL},
    {"cgroup", KT_STRING, G(cgroup), "auto", 0, 0, 0, NULL},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

/* [supervisord]: read into the same fields as [tend]. */
static const struct conf_key supervisord_keys[] = {
    {"logfile", KT_PATH, G(logfile), NULL, 0, 0, 0, NULL},
    {"logfile_maxbytes", KT_SIZE, G(logfile_maxbytes), NULL, 0, 0, 0, NULL},
    {"logfile_backups", KT_INT, G(logfile_backups), NULL, 0, INT_MAX, 0, NULL},
    {"loglevel", KT_LOGLEVEL, G(loglevel), NULL, 0, 0, 0, NULL},
    {"pidfile", KT_PATH, G(pidfile), NULL, 0, 0, 0, NULL},
    {"umask", KT_OCTAL, G(umask), NULL, 0, 0, 0, NULL},
    {"nodaemon", KT_IGNBOOL, NOFIELD, NULL, 0, 0, 0, NULL},
    {"silent", KT_IGNBOOL, NOFIELD, NULL, 0, 0, 0, NULL},
    {"minfds", KT_LONG, G(minfds), NULL, 0, LONG_MAX, 0, NULL},
    {"minprocs", KT_LONG, G(minprocs), NULL, 0, LONG_MAX, 0, NULL},
    {"nocleanup", KT_IGNBOOL, NOFIELD, NULL, 0, 0, 0, NULL},
    {"childlogdir", KT_DIR, G(childlogdir), NULL, 0, 0, 0, NULL},
    {"user", KT_IGNORED, NOFIELD, NULL, 0, 0, 0,
        "user= in [supervisord] is not implemented by tend (start tendd as that user instead); ignored"},
    {"directory", KT_DIR, G(directory), NULL, 0, 0, 0, NULL},
    {"strip_ansi", KT_IGNBOOL, NOFIELD, NULL, 0, 0, 0,
        "strip_ansi is not implemented by tend; ignored"},
    {"environment", KT_ENVIRON, G(environment), NULL, 0, 0, 0, NULL},
    {"identifier", KT_STRING, G(identifier), NULL, 0, 0, 0, NULL},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

static const struct conf_key unix_http_server_keys[] = {
    {"file", KT_PATH, G(socket), NULL, 0, 0, 0, NULL},
    {"chmod", KT_OCTAL, G(socket_mode), NULL, 0, 0, 0, NULL},
    {"chown", KT_OWNER, G(socket_owner), NULL, 0, 0, 0, NULL},
    {"username", KT_IGNORED, NOFIELD, NULL, 0, 0, 0,
        "username= is ignored: tend authenticates clients with SO_PEERCRED and the socket's mode and owner"},
    {"password", KT_IGNORED, NOFIELD, NULL, 0, 0, 0,
        "password= is ignored: tend authenticates clients with SO_PEERCRED and the socket's mode and owner"},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

static const struct conf_key supervisorctl_keys[] = {
    {"serverurl", KT_SERVERURL, G(serverurl), NULL, 0, 0, 0, NULL},
    {"username", KT_IGNORED, NOFIELD, NULL, 0, 0, 0, NULL},
    {"password", KT_IGNORED, NOFIELD, NULL, 0, 0, 0, NULL},
    {"prompt", KT_IGNORED, NOFIELD, NULL, 0, 0, 0, NULL},
    {"history_file", KT_IGNORED, NOFIELD, NULL, 0, 0, 0, NULL},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

enum sect_kind {
	SK_PROGRAM,
	SK_GROUP,
	SK_INCLUDE,
	SK_TEND,
	SK_SUPERVISORD,
	SK_UNIX_HTTP_SERVER,
	SK_SUPERVISORCTL,
	SK_IGNORED, /* supervisord sections tend does not implement */
	SK_UNKNOWN,
};

/* Section names: PREFIX true means "name:SUBNAME". */
static const struct sect_info {
	const char *name;
	bool prefix;
	enum sect_kind kind;
	const struct conf_key *keys;
} sections[] = {
    {"program", true, SK_PROGRAM, program_keys},
    {"group", true, SK_GROUP, group_keys},
    {"include", false, SK_INCLUDE, include_keys},
    {"tend", false, SK_TEND, tend_keys},
    {"supervisord", false, SK_SUPERVISORD, supervisord_keys},
    {"unix_http_server", false, SK_UNIX_HTTP_SERVER, unix_http_server_keys},
    {"supervisorctl", false, SK_SUPERVISORCTL, supervisorctl_keys},
    {"inet_http_server", false, SK_IGNORED, NULL},
    {"rpcinterface", true, SK_IGNORED, NULL},
    {"eventlistener", true, SK_IGNORED, NULL},
    {"fcgi-program", true, SK_IGNORED, NULL},
    {"ctlplugin", true, SK_IGNORED, NULL},
};

/* The keys of the global sections, [tend]'s first: I-th, NULL past the
 * end. */
static const struct conf_key *
global_key(size_t i)
{
	static const struct conf_key *const tabs[] = {tend_keys,
	    supervisord_keys, unix_http_server_keys, supervisorctl_keys};
	const struct conf_key *k;
	size_t t;

	for (t = 0; t < TEND_NELEM(tabs); t++)
		for (k = tabs[t]; k->name != NULL; k++)
			if (i-- == 0)
				return k;
	return NULL;
}

/* The earlier global key K stands for: the same field under another name
 * (supervisord's logfile is [tend]'s), or an ignored key of the same
 * name; it frees and prints the value.  NULL: K is the first. */
static const struct conf_key *
global_key_alias(const struct conf_key *k)
{
	const struct conf_key *e;
	size_t i;

	for (i = 0; (e = global_key(i)) != NULL && e != k; i++)
		if (e->off == NOFIELD ? strcmp(e->name, k->name) == 0
		                      : e->off == k->off)
			return e;
	return NULL;
}

const char *
config_section_kind(size_t i)
{
	/* The kinds with keys come first in sections[]. */
	if (i < TEND_NELEM(sections) && sections[i].keys != NULL)
		return sections[i].name;
	return NULL;
}

const char *
config_key_name(const char *kind, size_t i)
{
	size_t s, n;

	for (s = 0; s < TEND_NELEM(sections); s++) {
		if (sections[s].keys == NULL ||
		    strcmp(sections[s].name, kind) != 0)
			continue;
		for (n = 0; sections[s].keys[n].name != NULL; n++)
			if (n == i)
				return sections[s].keys[n].name;
		return NULL;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Loader state. */

struct rkey {
	char *name; /* lower case */
	char *value;
	int line;
};

/* A raw section: what pass one read, before any interpretation. */
struct rsec {
	char *name;      /* "program:web" */
	const char *sub; /* "web": the part after ':' (in name) */
	const struct sect_info *info;
	int file; /* index in loader.files */
	int line;
	struct rkey *keys;
	size_t nkeys, cap;
};

struct rfile {
	char *path; /* as the user would recognise it */
	char *here; /* absolute directory, for %(here)s */
	dev_t dev;
	ino_t ino;
};

struct lmsg {
	char *msg;
	int file; /* -1: not about a file's content */
	int line;
	size_t seq;
};

/* Per program, what depends_on and sorting need after pass two. */
struct rprog {
	struct rsec *sec;
	const char *group; /* group name (points into a conf_group or sec) */
	int gpriority;     /* the group's priority, or the program's own */
	char **deps;       /* depends_on as written */
	int dep_line;
};

struct procent {
	struct conf_proc *p;
	int gpriority;
	size_t order;
};

struct loader {
	struct tend_conf *conf;
	struct lmsg *errs;
	size_t nerrs, caperrs;
	struct lmsg *warns;
	size_t nwarns, capwarns;
	struct rsec **secs;
	size_t nsecs, capsecs;
	struct rfile *files;
	size_t nfiles, capfiles;
	int stack[CONF_MAX_INCLUDE_DEPTH + 1]; /* files being read */
	int depth;
	int curfile;
	struct rsec *cur; /* section keys go to; NULL: drop them */
	struct rprog *progs;
	size_t nprogs;
	struct procent *procs;
	size_t nprocs, capprocs;
	char *cwd;
	char host[256];
	char *const *envp;
	bool oom;
};

static char *
xstrdup(struct loader *ld, const char *s)
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
static int
grow(struct loader *ld, void **vp, size_t *cap, size_t n, size_t size)
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

static const char *
file_path(const struct loader *ld, int file)
{
	return file >= 0 ? ld->files[file].path : "";
}

static int
file_index(const struct loader *ld, const char *path)
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
		    file_path(ld, file), line, msg);
	else
		(void)snprintf(buf, sizeof(buf), "%s", msg);
	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].msg, buf) == 0)
			return;
	if (grow(ld, (void **)v, cap, *n, sizeof(**v)) == -1)
		return;
	(*v)[*n].msg = xstrdup(ld, buf);
	if ((*v)[*n].msg == NULL)
		return;
	(*v)[*n].file = file;
	(*v)[*n].line = line;
	(*v)[*n].seq = *n;
	(*n)++;
}

static void lerr(struct loader *ld, int file, int line, const char *fmt, ...)
    TEND_PRINTF(4, 5);

static void
lerr(struct loader *ld, int file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	add_msg(ld, &ld->errs, &ld->nerrs, &ld->caperrs, file, line, msg);
}

static void lwarn(struct loader *ld, int file, int line, const char *fmt, ...)
    TEND_PRINTF(4, 5);

static void
lwarn(struct loader *ld, int file, int line, const char *fmt, ...)
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
static size_t
edit_distance(const char *a, const char *b)
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
static bool
is_close(const char *word, const char *cand)
{
	size_t d = edit_distance(word, cand);
	size_t limit = strlen(cand) <= 4 ? 1 : 2;

	return d <= limit;
}

static const struct conf_key *
key_find(const struct conf_key *tab, const char *name)
{
	for (; tab->name != NULL; tab++)
		if (strcmp(tab->name, name) == 0)
			return tab;
	return NULL;
}

static const char *
key_suggest(const struct conf_key *tab, const char *name)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX, d;

	for (; tab->name != NULL; tab++) {
		if (!is_close(name, tab->name))
			continue;
		d = edit_distance(name, tab->name);
		if (d < bestd) {
			bestd = d;
			best = tab->name;
		}
	}
	return best;
}

static bool
parse_bool(const char *v, bool *out)
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
static char *
path_abs(struct loader *ld, const char *p)
{
	char *r;

	if (p[0] == '/') {
		r = xstrdup(ld, p);
	} else if (asprintf(&r, "%s/%s", ld->cwd, p) == -1) {
		ld->oom = true;
		r = NULL;
	}
	if (r != NULL)
		path_clean(r);
	return r;
}

static void
strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static size_t
strv_len(char *const *v)
{
	size_t n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

static int
strv_push(struct loader *ld, char ***vp, char *s)
{
	size_t n = strv_len(*vp);
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

static char **
strv_dup(struct loader *ld, char *const *v)
{
	char **r = NULL;
	size_t i;

	if (v == NULL)
		return NULL;
	r = calloc(strv_len(v) + 1, sizeof(*r));
	if (r == NULL) {
		ld->oom = true;
		return NULL;
	}
	for (i = 0; v[i] != NULL; i++) {
		r[i] = xstrdup(ld, v[i]);
		if (r[i] == NULL) {
			strv_free(r);
			return NULL;
		}
	}
	return r;
}

static bool
strv_equal(char *const *a, char *const *b)
{
	size_t i;

	if (strv_len(a) != strv_len(b))
		return false;
	for (i = 0; a != NULL && a[i] != NULL; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

static bool
str_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static char *
trim(char *s)
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
static int
check_name(const char *name, char *err, size_t errlen)
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
		if (strv_push(ld, &v, entry) == -1)
			goto fail;
	}
	if (v == NULL) {
		v = calloc(1, sizeof(*v));
		if (v == NULL) {
			ld->oom = true;
			return -1;
		}
	}
	strv_free(*out);
	*out = v;
	return 0;
fail:
	strv_free(v);
	return -1;
}

static int
parse_namelist(
    struct loader *ld, const char *s, char ***out, char *err, size_t errlen)
{
	char *copy = xstrdup(ld, s), *tok, *save = NULL;
	char **v = NULL;

	if (copy == NULL)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		tok = trim(tok);
		if (*tok == '\0')
			continue;
		if (strv_push(ld, &v, xstrdup(ld, tok)) == -1) {
			free(copy);
			strv_free(v);
			return -1;
		}
	}
	free(copy);
	if (v == NULL) {
		(void)snprintf(err, errlen, "no names given");
		return -1;
	}
	strv_free(*out);
	*out = v;
	return 0;
}

static int
parse_exitcodes(
    const char *s, struct conf_exitcodes *out, char *err, size_t errlen)
{
	struct conf_exitcodes e;
	const char *p = s;
	char item[32];
	long code;

	memset(&e, 0, sizeof(e));
	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		char *t;

		(void)snprintf(item, sizeof(item), "%.*s", (int)n, p);
		t = trim(item);
		if (n >= sizeof(item) ||
		    util_parse_long(t, 0, 255, &code) == -1) {
			(void)snprintf(err, errlen,
			    "'%.*s' is not an exit code (0 to 255)",
			    (int)(n < 40 ? n : 40), p);
			return -1;
		}
		e.bits[code / 64] |= 1ULL << (code % 64);
		p += n;
		if (*p == ',')
			p++;
	}
	*out = e;
	return 0;
}

static int
parse_octal(const char *s, int *out, char *err, size_t errlen)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 8);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 0777 ||
	    strspn(s, "01234567") != strlen(s)) {
		(void)snprintf(
		    err, errlen, "'%s' is not an octal mode (such as 022)", s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* A user by name or number, as supervisord's name_to_uid(). */
static int
lookup_user(const char *s, uid_t *uid, gid_t *gid, char *err, size_t errlen)
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

static int
lookup_group(const char *s, gid_t *gid, char *err, size_t errlen)
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

static int
parse_logfile(struct loader *ld, const struct conf_key *k, const char *v,
    struct conf_log *log, char *err, size_t errlen)
{
	char *path, *slash;
	struct stat st;

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
	if (strcasecmp(v, "syslog") == 0) {
		(void)snprintf(err, errlen,
		    "'syslog' as a log file is not supported; use %.6s_syslog=true",
		    k->name);
		return -1;
	}
	path = path_abs(ld, v);
	if (path == NULL)
		return -1;
	/* supervisord's existing_dirpath(): the directory must exist now. */
	slash = strrchr(path, '/');
	*slash = '\0';
	if (stat(*path ? path : "/", &st) == -1 || !S_ISDIR(st.st_mode)) {
		(void)snprintf(err, errlen, "directory '%s' does not exist",
		    *path ? path : "/");
		free(path);
		return -1;
	}
	*slash = '/';
	log->kind = CONF_LOG_FILE;
	log->path = path;
	return 0;
}

static int
parse_int_range(const struct conf_key *k, const char *v, long *out, char *err,
    size_t errlen)
{
	if (util_parse_long(v, k->min, k->max, out) == 0)
		return 0;
	if (errno == ERANGE && util_parse_long(v, LONG_MIN, LONG_MAX, out) == 0)
		(void)snprintf(err, errlen, "'%s' is %s than %ld", v,
		    *out < k->min ? "less" : "greater",
		    *out < k->min ? k->min : k->max);
	else
		(void)snprintf(err, errlen, "'%s' is not an integer", v);
	return -1;
}

/* Where a value comes from, for messages and warnings. */
struct valctx {
	struct loader *ld;
	int file;
	int line;
};

/* One rlimit bound: a size (KB/MB/GB allowed), or unlimited/infinity. */
static int
parse_rlimit_one(const char *v, uint64_t *out)
{
	if (strcasecmp(v, "unlimited") == 0 || strcasecmp(v, "infinity") == 0) {
		*out = CONF_RLIM_INFINITY;
		return 0;
	}
	return util_parse_size(v, out);
}

/* rlimit_*=N (soft and hard) or SOFT:HARD, as systemd's Limit*=. */
static int
parse_rlimit(const char *v, struct conf_rlimit *rl, char *err, size_t errlen)
{
	char buf[128], *colon;
	const char *hard;

	if (snprintf(buf, sizeof(buf), "%s", v) >= (int)sizeof(buf))
		goto bad;
	colon = strchr(buf, ':');
	if (colon != NULL)
		*colon = '\0';
	hard = colon != NULL ? colon + 1 : buf;
	if (parse_rlimit_one(buf, &rl->soft) == -1 ||
	    parse_rlimit_one(hard, &rl->hard) == -1)
		goto bad;
	if (rl->soft > rl->hard) {
		(void)snprintf(err, errlen,
		    "'%s': the soft limit is above the hard limit", v);
		return -1;
	}
	rl->set = true;
	return 0;
bad:
	(void)snprintf(err, errlen,
	    "'%s' is not a limit (N, SOFT:HARD, or unlimited)", v);
	return -1;
}

/* "50%" or "50": percent of one CPU; 200% is two CPUs. */
static int
parse_percent(const char *v, double *out, char *err, size_t errlen)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (*end == '%')
		end++;
	if (end == v || *end != '\0' || errno != 0 || !(d > 0) ||
	    d > 100000) {
		(void)snprintf(err, errlen,
		    "'%s' is not a percentage above 0 (50%% is half a CPU)", v);
		return -1;
	}
	*out = d;
	return 0;
}

/*
 * One parser per key type: V (already interpolated) for key K into the
 * struct at BASE.  Each returns 0, or -1 with ERR filled (or ld->oom set).
 */
#define FIELD(k, base, type) ((type *)(void *)((char *)(base) + (k)->off))
#define CFIELD(k, base, type)                                                  \
	((type const *)(const void *)((const char *)(base) + (k)->off))

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
	return set_str(k, base, xstrdup(vc->ld, v));
}

static int
pv_path(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	char *s = NULL;

	if (*v != '\0' && strcasecmp(v, "NONE") != 0 &&
	    (s = path_abs(vc->ld, v)) == NULL)
		return -1;
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

	if ((s = path_abs(vc->ld, v)) == NULL)
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

	if (!parse_bool(v, &b)) {
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

	if (parse_int_range(k, v, &n, err, errlen) == -1)
		return -1;
	*FIELD(k, base, int) = (int)n;
	return 0;
}

static int
pv_long(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	return parse_int_range(k, v, FIELD(k, base, long), err, errlen);
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
		(void)snprintf(err, errlen, "'%s' is not a number of seconds", v);
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
	return parse_octal(v, FIELD(k, base, int), err, errlen);
}

/* An enum-valued key: its words indexed by value, whether a boolean
 * also reads (as 0 or 1), and what a message lists. */
struct enum_desc {
	const char *const *words;
	bool boolean;
	const char *hint;
};

static const char *const autorestart_words[] = {"false", "true", "unexpected",
    NULL};
static const char *const readiness_words[] = {"none", "notify", NULL};
static const char *const critical_words[] = {"false", "fatal", "exit", NULL};

static const struct enum_desc *
enum_desc(const struct conf_key *k)
{
	static const struct enum_desc autorestart = {autorestart_words, true,
	    "true, false, unexpected"};
	static const struct enum_desc readiness = {readiness_words, false,
	    "none, notify"};
	static const struct enum_desc critical = {critical_words, true,
	    "false, true, fatal, exit"};

	if (k->type == KT_AUTORESTART)
		return &autorestart;
	return k->type == KT_READINESS ? &readiness : &critical;
}

static int
pv_enum(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	const struct enum_desc *d = enum_desc(k);
	size_t i;
	bool b;

	for (i = 0; d->words[i] != NULL; i++) {
		if (strcasecmp(v, d->words[i]) == 0) {
			*FIELD(k, base, int) = (int)i;
			return 0;
		}
	}
	if (d->boolean && parse_bool(v, &b)) {
		*FIELD(k, base, int) = b ? 1 : 0;
		return 0;
	}
	(void)snprintf(err, errlen, "'%s' is not one of %s", v, d->hint);
	return -1;
}

static int
pv_exitcodes(const struct valctx *vc, const struct conf_key *k,
    const char *v, void *base, char *err, size_t errlen)
{
	return parse_exitcodes(
	    v, FIELD(k, base, struct conf_exitcodes), err, errlen);
}

static int
pv_logfile(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	return parse_logfile(
	    vc->ld, k, v, FIELD(k, base, struct conf_log), err, errlen);
}

static int
pv_environ(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	return parse_environ(vc->ld, v, FIELD(k, base, char **), err, errlen);
}

static int
pv_namelist(const struct valctx *vc, const struct conf_key *k,
    const char *v, void *base, char *err, size_t errlen)
{
	return parse_namelist(vc->ld, v, FIELD(k, base, char **), err, errlen);
}

static int
pv_rlimit(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	return parse_rlimit(v, FIELD(k, base, struct conf_rlimit), err, errlen);
}

static int
pv_percent(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	return parse_percent(v, FIELD(k, base, double), err, errlen);
}

static int
pv_name(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	if (check_name(v, err, errlen) == -1)
		return -1;
	return set_str(k, base, xstrdup(vc->ld, v));
}

static int
pv_user(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	struct conf_proc *p = base;

	if (lookup_user(v, &p->uid, &p->gid, err, errlen) == -1)
		return -1;
	return set_str(k, base, xstrdup(vc->ld, v));
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
	if ((s = xstrdup(vc->ld, v)) == NULL) {
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
pv_loglevel(const struct valctx *vc, const struct conf_key *k,
    const char *v, void *base, char *err, size_t errlen)
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
	rc = lookup_user(user, &uid, &ugid, err, errlen);
	free(user);
	if (rc == -1 || (colon != NULL &&
	                    lookup_group(colon + 1, &gid, err, errlen) == -1))
		return -1;
	if (set_str(k, base, xstrdup(vc->ld, v)) == -1)
		return -1;
	g->socket_uid = uid;
	g->socket_gid = gid;
	return 0;
}

static int
pv_serverurl(const struct valctx *vc, const struct conf_key *k,
    const char *v, void *base, char *err, size_t errlen)
{
	struct conf_global *g = base;
	char *s;

	if (set_str(k, base, xstrdup(vc->ld, v)) == -1)
		return -1;
	if (strncmp(v, "unix://", 7) != 0 || v[7] == '\0') {
		lwarn(vc->ld, vc->file, vc->line,
		    "serverurl '%s' is not a unix:// URL; tend ignores it", v);
		return 0;
	}
	/* The lowest-precedence source of the socket path: [unix_http_server]
	 * and [tend] are read after. */
	if ((s = path_abs(vc->ld, v + 7)) == NULL)
		return -1;
	free(g->socket);
	g->socket = s;
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
	return str_equal(*CFIELD(k, a, char *), *CFIELD(k, b, char *));
}

static bool
eq_strv(const struct conf_key *k, const void *a, const void *b)
{
	return strv_equal(*CFIELD(k, a, char **), *CFIELD(k, b, char **));
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

	return x->kind == y->kind && str_equal(x->path, y->path);
}

static bool
eq_user(const struct conf_key *k, const void *a, const void *b)
{
	const struct conf_proc *x = a, *y = b;

	return str_equal(x->user, y->user) && x->uid == y->uid &&
	       x->gid == y->gid;
}

static bool
eq_command(const struct conf_key *k, const void *a, const void *b)
{
	const struct conf_proc *x = a, *y = b;

	return strv_equal(x->argv, y->argv);
}

static bool
eq_owner(const struct conf_key *k, const void *a, const void *b)
{
	const struct conf_global *x = a, *y = b;

	return str_equal(x->socket_owner, y->socket_owner) &&
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
cp_str(struct loader *ld, const struct conf_key *k, void *dst,
    const void *src)
{
	const char *s = *CFIELD(k, src, char *);

	*FIELD(k, dst, char *) = xstrdup(ld, s);
	return s != NULL && *FIELD(k, dst, char *) == NULL ? -1 : 0;
}

static int
cp_strv(struct loader *ld, const struct conf_key *k, void *dst,
    const void *src)
{
	char *const *v = *CFIELD(k, src, char **);

	*FIELD(k, dst, char **) = strv_dup(ld, v);
	return v != NULL && *FIELD(k, dst, char **) == NULL ? -1 : 0;
}

static int
cp_log(struct loader *ld, const struct conf_key *k, void *dst,
    const void *src)
{
	const struct conf_log *s = CFIELD(k, src, struct conf_log);
	struct conf_log *d = FIELD(k, dst, struct conf_log);

	d->kind = s->kind;
	d->path = xstrdup(ld, s->path);
	return s->path != NULL && d->path == NULL ? -1 : 0;
}

static int
cp_user(struct loader *ld, const struct conf_key *k, void *dst,
    const void *src)
{
	const struct conf_proc *s = src;
	struct conf_proc *d = dst;

	d->uid = s->uid;
	d->gid = s->gid;
	return cp_str(ld, k, dst, src);
}

static int
cp_command(struct loader *ld, const struct conf_key *k, void *dst,
    const void *src)
{
	const struct conf_proc *s = src;
	struct conf_proc *d = dst;

	d->argv = strv_dup(ld, s->argv);
	if (s->argv != NULL && d->argv == NULL)
		return -1;
	return cp_str(ld, k, dst, src);
}

static int
cp_owner(struct loader *ld, const struct conf_key *k, void *dst,
    const void *src)
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
	strv_free(*FIELD(k, base, char **));
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

static void
pr_str(FILE *fp, const struct conf_key *k, const void *base)
{
	const char *s = *CFIELD(k, base, char *);

	(void)fputs(s ? s : (k->flags & KF_INHERIT) ? "(tendd's)" : "(none)",
	    fp);
}

/* ENVIRON: quoted words; NAMELIST: "a, b". */
static void
pr_strv(FILE *fp, const struct conf_key *k, const void *base)
{
	char *const *v = *CFIELD(k, base, char **);
	bool quote = k->type == KT_ENVIRON;
	char *q;
	size_t i;

	if (v == NULL || v[0] == NULL)
		(void)fputs("(none)", fp);
	for (i = 0; v != NULL && v[i] != NULL; i++) {
		q = quote ? expand_quote(v[i]) : NULL;
		(void)fprintf(
		    fp, "%s%s", i ? (quote ? " " : ", ") : "", q ? q : v[i]);
		free(q);
	}
}

static void
pr_bool(FILE *fp, const struct conf_key *k, const void *base)
{
	(void)fputs(*CFIELD(k, base, bool) ? "true" : "false", fp);
}

static void
pr_int(FILE *fp, const struct conf_key *k, const void *base)
{
	(void)fprintf(fp, "%d", *CFIELD(k, base, int));
}

static void
pr_long(FILE *fp, const struct conf_key *k, const void *base)
{
	(void)fprintf(fp, "%ld", *CFIELD(k, base, long));
}

static void
pr_double(FILE *fp, const struct conf_key *k, const void *base)
{
	(void)fprintf(fp, "%g%s", *CFIELD(k, base, double),
	    k->type == KT_PERCENT ? "%" : "");
}

static void
pr_u64(FILE *fp, const struct conf_key *k, const void *base)
{
	(void)fprintf(
	    fp, "%llu", (unsigned long long)*CFIELD(k, base, uint64_t));
}

static void
pr_signal(FILE *fp, const struct conf_key *k, const void *base)
{
	int sig = *CFIELD(k, base, int);

	(void)fputs(sig ? util_signal_name(sig) : "none", fp);
}

static void
pr_octal(FILE *fp, const struct conf_key *k, const void *base)
{
	int v = *CFIELD(k, base, int);

	if (v < 0)
		(void)fputs("(tendd's)", fp);
	else /* umask 022, socket_mode 0700 */
		(void)fprintf(fp, v < 0100 ? "%03o" : "%04o", (unsigned)v);
}

static void
pr_enum(FILE *fp, const struct conf_key *k, const void *base)
{
	(void)fputs(enum_desc(k)->words[*CFIELD(k, base, int)], fp);
}

static void
pr_exitcodes(FILE *fp, const struct conf_key *k, const void *base)
{
	const struct conf_exitcodes *e = CFIELD(k, base, struct conf_exitcodes);
	bool first = true;
	int c;

	for (c = 0; c < 256; c++) {
		if (!conf_exitcode_expected(e, c))
			continue;
		(void)fprintf(fp, "%s%d", first ? "" : ",", c);
		first = false;
	}
}

static void
pr_log(FILE *fp, const struct conf_key *k, const void *base)
{
	static const char *const kinds[] = {"NONE", "AUTO", NULL};
	const struct conf_log *l = CFIELD(k, base, struct conf_log);

	(void)fputs(l->kind == CONF_LOG_FILE ? l->path : kinds[l->kind], fp);
}

static void
pr_user(FILE *fp, const struct conf_key *k, const void *base)
{
	const struct conf_proc *p = base;

	if (p->user == NULL)
		(void)fputs("(tendd's)", fp);
	else
		(void)fprintf(fp, "%s (uid %ld, gid %ld)", p->user,
		    (long)p->uid, (long)p->gid);
}

static void
pr_command(FILE *fp, const struct conf_key *k, const void *base)
{
	const struct conf_proc *p = base;
	char *q;
	size_t i;

	for (i = 0; p->argv != NULL && p->argv[i] != NULL; i++) {
		q = expand_quote(p->argv[i]);
		(void)fprintf(fp, "%s%s", i ? " " : "", q ? q : p->argv[i]);
		free(q);
	}
}

static void
pr_loglevel(FILE *fp, const struct conf_key *k, const void *base)
{
	(void)fputs(log_level_name((enum log_level) * CFIELD(k, base, int)), fp);
}

static void
pr_rlimit_one(FILE *fp, uint64_t v)
{
	if (v == CONF_RLIM_INFINITY)
		(void)fputs("unlimited", fp);
	else
		(void)fprintf(fp, "%llu", (unsigned long long)v);
}

static void
pr_rlimit(FILE *fp, const struct conf_key *k, const void *base)
{
	const struct conf_rlimit *rl = CFIELD(k, base, struct conf_rlimit);

	if (!rl->set) {
		(void)fputs("(tendd's)", fp);
		return;
	}
	pr_rlimit_one(fp, rl->soft);
	(void)fputc(':', fp);
	pr_rlimit_one(fp, rl->hard);
}

static void
pr_ignored(FILE *fp, const struct conf_key *k, const void *base)
{
	(void)fputs("(accepted, ignored)", fp);
}

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
	void (*print)(FILE *fp, const struct conf_key *k, const void *base);
};

static const struct key_ops key_ops[] = {
    [KT_STRING] = {pv_string, eq_str, cp_str, 0, fr_str, pr_str},
    [KT_PATH] = {pv_path, eq_str, cp_str, 0, fr_str, pr_str},
    [KT_DIR] = {pv_dir, eq_str, cp_str, 0, fr_str, pr_str},
    [KT_BOOL] = {pv_bool, eq_bool, NULL, sizeof(bool), fr_nothing, pr_bool},
    [KT_INT] = {pv_int, eq_int, NULL, sizeof(int), fr_nothing, pr_int},
    [KT_LONG] = {pv_long, eq_long, NULL, sizeof(long), fr_nothing, pr_long},
    [KT_SECONDS] = {pv_seconds, eq_double, NULL, sizeof(double), fr_nothing,
        pr_double},
    [KT_SIZE] = {pv_size, eq_u64, NULL, sizeof(uint64_t), fr_nothing,
        pr_u64},
    [KT_SIGNAL] = {pv_signal, eq_int, NULL, sizeof(int), fr_nothing,
        pr_signal},
    [KT_OCTAL] = {pv_octal, eq_int, NULL, sizeof(int), fr_nothing, pr_octal},
    [KT_AUTORESTART] = {pv_enum, eq_int, NULL, sizeof(int), fr_nothing,
        pr_enum},
    [KT_EXITCODES] = {pv_exitcodes, eq_exitcodes, NULL,
        sizeof(struct conf_exitcodes), fr_nothing, pr_exitcodes},
    [KT_LOGFILE] = {pv_logfile, eq_log, cp_log, 0, fr_log, pr_log},
    [KT_ENVIRON] = {pv_environ, eq_strv, cp_strv, 0, fr_strv, pr_strv},
    [KT_READINESS] = {pv_enum, eq_int, NULL, sizeof(int), fr_nothing,
        pr_enum},
    [KT_CRITICAL] = {pv_enum, eq_int, NULL, sizeof(int), fr_nothing,
        pr_enum},
    [KT_NAMELIST] = {pv_namelist, eq_strv, cp_strv, 0, fr_strv, pr_strv},
    [KT_NAME] = {pv_name, eq_str, cp_str, 0, fr_str, pr_str},
    [KT_USER] = {pv_user, eq_user, cp_user, 0, fr_str, pr_user},
    [KT_COMMAND] = {pv_command, eq_command, cp_command, 0, fr_command,
        pr_command},
    [KT_LOGLEVEL] = {pv_loglevel, eq_int, NULL, sizeof(int), fr_nothing,
        pr_loglevel},
    [KT_OWNER] = {pv_owner, eq_owner, cp_owner, 0, fr_str, pr_str},
    [KT_SERVERURL] = {pv_serverurl, eq_str, cp_str, 0, fr_str, pr_str},
    [KT_IGNBOOL] = {pv_bool, eq_nothing, NULL, 0, fr_nothing, pr_ignored},
    [KT_IGNORED] = {pv_nothing, eq_nothing, NULL, 0, fr_nothing,
        pr_ignored},
    [KT_INCLUDE] = {pv_nothing, eq_nothing, NULL, 0, fr_nothing,
        pr_ignored},
    [KT_RLIMIT] = {pv_rlimit, eq_rlimit, NULL, sizeof(struct conf_rlimit),
        fr_nothing, pr_rlimit},
    [KT_PERCENT] = {pv_percent, eq_double, NULL, sizeof(double), fr_nothing,
        pr_double},
};

/* Enum fields are read and written as int. */
_Static_assert(sizeof(enum conf_autorestart) == sizeof(int) &&
        sizeof(enum conf_critical) == sizeof(int) &&
        sizeof(enum conf_readiness) == sizeof(int),
    "enum keys are stored as int");

static int
parse_value(const struct valctx *vc, const struct conf_key *k, const char *v,
    void *base, char *err, size_t errlen)
{
	return key_ops[k->type].parse(vc, k, v, base, err, errlen);
}

static void
free_value(const struct conf_key *k, void *base)
{
	key_ops[k->type].free(k, base);
}

/* Copy K's value from SRC into DST (whose field is unset). */
static int
copy_value(struct loader *ld, const struct conf_key *k, void *dst,
    const void *src)
{
	const struct key_ops *o = &key_ops[k->type];

	if (k->off == NOFIELD)
		return 0;
	if (o->copy != NULL)
		return o->copy(ld, k, dst, src);
	memcpy((char *)dst + k->off, (const char *)src + k->off, o->size);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Pass one: files into raw sections. */

static const struct sect_info *
section_info(const char *name)
{
	size_t i, n;

	for (i = 0; i < TEND_NELEM(sections); i++) {
		n = strlen(sections[i].name);
		if (strncmp(name, sections[i].name, n) != 0)
			continue;
		if (sections[i].prefix ? name[n] == ':' : name[n] == '\0')
			return &sections[i];
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
	for (i = 0; i < TEND_NELEM(sections); i++)
		if (is_close(kind, sections[i].name) &&
		    (strchr(name, ':') != NULL) == sections[i].prefix)
			return sections[i].name;
	return NULL;
}

static struct rsec *
find_section(const struct loader *ld, const char *name)
{
	size_t i;

	for (i = 0; i < ld->nsecs; i++)
		if (strcmp(ld->secs[i]->name, name) == 0)
			return ld->secs[i];
	return NULL;
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
	if (info == NULL) {
		sugg = section_suggest(name);
		if (sugg != NULL)
			lerr(ld, ld->curfile, line,
			    "unknown section [%s]; did you mean [%s%s]?", name,
			    sugg, strchr(name, ':') ? strchr(name, ':') : "");
		else
			lerr(ld, ld->curfile, line, "unknown section [%s]",
			    name);
		return;
	}
	if (info->kind == SK_IGNORED) {
		lwarn(ld, ld->curfile, line,
		    "[%s] is not implemented by tend; section ignored", name);
		return;
	}
	if (info->prefix &&
	    check_name(name + strlen(info->name) + 1, err, sizeof(err)) == -1) {
		lerr(ld, ld->curfile, line, "[%s]: %s", name, err);
		return;
	}
	prev = find_section(ld, name);
	if (prev != NULL && info->prefix) {
		lerr(ld, ld->curfile, line,
		    "duplicate section [%s] (first defined at %s:%d)", name,
		    file_path(ld, prev->file), prev->line);
		return;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL ||
	    grow(ld, (void **)&ld->secs, &ld->capsecs, ld->nsecs,
	        sizeof(*ld->secs)) == -1 ||
	    (s->name = xstrdup(ld, name)) == NULL) {
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
	if ((name = xstrdup(ld, key)) == NULL)
		return;
	/* configparser folds option names to lower case. */
	for (i = 0; name[i] != '\0'; i++)
		name[i] = (char)tolower((unsigned char)name[i]);
	for (i = 0; i < s->nkeys; i++) {
		if (strcmp(s->keys[i].name, name) != 0)
			continue;
		/* supervisord (strict=False) lets the last one win; say so
		 * and keep the order of lines for continuations. */
		lwarn(ld, ld->curfile, line,
		    "duplicate key '%s' in [%s]; this one replaces line %d",
		    name, s->name, s->keys[i].line);
		free(s->keys[i].name);
		free(s->keys[i].value);
		memmove(&s->keys[i], &s->keys[i + 1],
		    (s->nkeys - i - 1) * sizeof(*s->keys));
		s->nkeys--;
		break;
	}
	if (grow(ld, (void **)&s->keys, &s->cap, s->nkeys, sizeof(*s->keys)) ==
	    -1) {
		free(name);
		return;
	}
	k = &s->keys[s->nkeys];
	k->name = name;
	k->value = value ? xstrdup(ld, value) : NULL;
	k->line = line;
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

	lerr(ld, ld->curfile, line, "%s", msg);
}

static const struct config_ini_ops ini_ops = {
    ini_section_cb,
    ini_key_cb,
    ini_error_cb,
};

static void load_file(
    struct loader *ld, const char *path, int from, int from_line);

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
		full = xstrdup(ld, pat);
	else if (asprintf(&full, "%.*s/%s", (int)(slash - from), from, pat) ==
	         -1)
		full = NULL;
	if (full == NULL) {
		ld->oom = true;
		return;
	}
	memset(&g, 0, sizeof(g));
	rc = glob(full, 0, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		/* A glob may match nothing (an empty conf.d/); a plain
		 * name must exist. */
		if (!has_glob_magic(full))
			lerr(ld, file, line, "include %s: %s", full,
			    strerror(ENOENT));
	} else if (rc == GLOB_NOSPACE) {
		ld->oom = true;
	} else if (rc != 0) {
		lerr(ld, file, line, "include %s: cannot read the directory",
		    full);
	} else {
		for (i = 0; i < g.gl_pathc; i++)
			load_file(ld, g.gl_pathv[i], file, line);
	}
	globfree(&g);
	free(full);
}

/* The [include] sections FILE held, read after the file, as supervisord. */
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
			k = key_find(include_keys, s->keys[j].name);
			if (k == NULL || s->keys[j].value == NULL)
				continue; /* reported in pass two */
			v = expand_plain(
			    ld, file, s->keys[j].value, err, sizeof(err));
			if (v == NULL) {
				lerr(ld, file, s->keys[j].line, "files: %s",
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

	if (grow(ld, (void **)&ld->files, &ld->capfiles, ld->nfiles,
	        sizeof(*ld->files)) == -1)
		return -1;
	f = &ld->files[ld->nfiles];
	f->path = xstrdup(ld, path);
	abs = path_abs(ld, path);
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
	lerr(ld, from, from_line, "include loop: %s%s", chain, path);
}

static void
load_file(struct loader *ld, const char *path, int from, int from_line)
{
	struct stat st;
	size_t first_sec, i;
	int saved, file, rc;
	FILE *fp;

	fp = fopen(path, "re");
	if (fp == NULL || fstat(fileno(fp), &st) == -1) {
		saved = errno;
		if (from >= 0)
			lerr(ld, from, from_line, "include %s: %s", path,
			    strerror(saved));
		else
			lerr(ld, -1, 0, "%s: %s", path, strerror(saved));
		if (fp != NULL)
			(void)fclose(fp);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		if (from >= 0)
			lerr(ld, from, from_line, "include %s: %s", path,
			    strerror(EISDIR));
		else
			lerr(ld, -1, 0, "%s: %s", path, strerror(EISDIR));
		(void)fclose(fp);
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
			lerr(ld, from, from_line,
			    "include %s: already included (as %s)", path,
			    ld->files[i].path);
		(void)fclose(fp);
		return;
	}
	if (ld->depth >= CONF_MAX_INCLUDE_DEPTH) {
		lerr(ld, from, from_line,
		    "include %s: includes nested more than %d deep", path,
		    CONF_MAX_INCLUDE_DEPTH);
		(void)fclose(fp);
		return;
	}
	if ((file = add_file(ld, path, &st)) == -1) {
		(void)fclose(fp);
		return;
	}
	ld->stack[ld->depth++] = file;
	saved = ld->curfile;
	ld->curfile = file;
	ld->cur = NULL;
	first_sec = ld->nsecs;
	rc = config_ini_parse(fp, &ini_ops, ld);
	if (rc == -1) {
		if (errno == ENOMEM)
			ld->oom = true;
		else
			lerr(ld, -1, 0, "%s: read: %s", path, strerror(errno));
	}
	(void)fclose(fp);
	ld->cur = NULL;
	process_includes(ld, file, first_sec, ld->nsecs);
	ld->curfile = saved;
	ld->depth--;
}

/* ------------------------------------------------------------------ */
/* Pass two: globals. */

/* Check every key of S against TAB; fill SLOTS (indexed like TAB). */
static void
match_keys(struct loader *ld, const struct rsec *s, const struct conf_key *tab,
    const struct rkey **slots)
{
	const struct conf_key *k;
	const char *sugg;
	size_t i;

	for (i = 0; i < s->nkeys; i++) {
		const struct rkey *rk = &s->keys[i];

		k = key_find(tab, rk->name);
		if (k == NULL) {
			sugg = key_suggest(tab, rk->name);
			if (sugg != NULL)
				lerr(ld, s->file, rk->line,
				    "unknown key '%s' in [%s]; did you mean '%s'?",
				    rk->name, s->name, sugg);
			else
				lerr(ld, s->file, rk->line,
				    "unknown key '%s' in [%s]", rk->name,
				    s->name);
			continue;
		}
		slots[k - tab] = rk;
		if (k->warn != NULL)
			lwarn(ld, s->file, rk->line, "%s", k->warn);
	}
}

/* Expand and parse one key; errors as "FILE:LINE: key: message". */
static int
apply_key(struct loader *ld, int file, int line, const struct conf_key *k,
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
			lerr(ld, file, line, "%s: %s", k->name, err);
		return -1;
	}
	rc = parse_value(&vc, k, v, base, err, sizeof(err));
	if (rc == -1 && !ld->oom)
		lerr(ld, file, line, "%s: %s", k->name, err);
	free(v);
	return rc;
}

/* The built-in defaults of TAB into BASE (keys whose default needs
 * no interpolation). */
static void
apply_defaults(struct loader *ld, const struct conf_key *tab, void *base)
{
	struct valctx vc = {ld, -1, 0};
	char err[256];

	for (; tab->name != NULL; tab++)
		if (tab->def != NULL && !(tab->flags & KF_PROC) &&
		    parse_value(&vc, tab, tab->def, base, err, sizeof(err)) ==
		        -1 &&
		    !ld->oom)
			lerr(ld, -1, 0, "built-in default of %s: %s", tab->name,
			    err);
}

static void
resolve_globals(struct loader *ld)
{
	/* Lowest precedence first: a later kind overrides an earlier. */
	static const enum sect_kind order[] = {
	    SK_SUPERVISORCTL,
	    SK_SUPERVISORD,
	    SK_UNIX_HTTP_SERVER,
	    SK_TEND,
	};
	struct conf_global *g = &ld->conf->global;
	const struct rkey *slots[32];
	const char *tmp;
	size_t o, i, j;

	g->socket_uid = (uid_t)-1;
	g->socket_gid = (gid_t)-1;
	apply_defaults(ld, tend_keys, g);
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
			match_keys(ld, s, tab, slots);
			for (j = 0; tab[j].name != NULL; j++)
				if (slots[j] != NULL)
					(void)apply_key(ld, s->file,
					    slots[j]->line, &tab[j],
					    slots[j]->value, vars, 1, g);
		}
	}
	if (g->childlogdir == NULL) {
		tmp = getenv("TMPDIR");
		g->childlogdir = xstrdup(ld, tmp && *tmp == '/' ? tmp : "/tmp");
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

static void
check_group_members(
    struct loader *ld, struct conf_group *gr, int file, int line)
{
	struct rsec *ps;
	struct conf_group *other;
	char want[512];
	size_t i, j;

	for (i = 0; gr->programs != NULL && gr->programs[i] != NULL; i++) {
		const char *name = gr->programs[i];

		(void)snprintf(want, sizeof(want), "program:%s", name);
		ps = find_section(ld, want);
		if (ps == NULL) {
			const char *sugg = NULL;

			for (j = 0; j < ld->nsecs; j++)
				if (ld->secs[j]->info->kind == SK_PROGRAM &&
				    is_close(name, ld->secs[j]->sub))
					sugg = ld->secs[j]->sub;
			if (sugg != NULL)
				lerr(ld, file, line,
				    "programs: unknown program '%s'; did you mean '%s'?",
				    name, sugg);
			else
				lerr(ld, file, line,
				    "programs: unknown program '%s'", name);
			continue;
		}
		for (j = 0; j < i; j++)
			if (strcmp(gr->programs[j], name) == 0)
				break;
		if (j < i) {
			lerr(ld, file, line, "programs: '%s' is listed twice",
			    name);
			continue;
		}
		other = group_of(ld, name, NULL);
		if (other != NULL)
			lerr(ld, file, line,
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
	char want[512];
	size_t i;

	for (i = 0; i < ld->nsecs; i++) {
		struct rsec *s = ld->secs[i];
		struct expand_var vars[1] = {
		    {"here", ld->files[s->file].here, false}};
		struct conf_group **nv;

		if (s->info->kind != SK_GROUP)
			continue;
		memset(slots, 0, sizeof(slots));
		match_keys(ld, s, group_keys, slots);
		gr = calloc(1, sizeof(*gr));
		if (gr == NULL) {
			ld->oom = true;
			return;
		}
		gr->name = xstrdup(ld, s->sub);
		gr->file = xstrdup(ld, file_path(ld, s->file));
		gr->line = s->line;
		apply_defaults(ld, group_keys, gr);
		if (slots[1] != NULL)
			(void)apply_key(ld, s->file, slots[1]->line,
			    &group_keys[1], slots[1]->value, vars, 1, gr);
		if (slots[0] == NULL)
			lerr(ld, s->file, s->line,
			    "[%s] has no programs=", s->name);
		else if (apply_key(ld, s->file, slots[0]->line, &group_keys[0],
		             slots[0]->value, vars, 1, gr) == 0)
			check_group_members(ld, gr, s->file, slots[0]->line);
		nv = reallocarray(
		    ld->conf->groups, ld->conf->ngroups + 1, sizeof(*nv));
		if (nv == NULL) {
			ld->oom = true;
			free_value(&group_keys[0], gr);
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
		(void)snprintf(want, sizeof(want), "program:%s", gr->name);
		ps = find_section(ld, want);
		if (ps != NULL && group_of(ld, gr->name, NULL) == NULL)
			lerr(ld, file_index(ld, gr->file), gr->line,
			    "[group:%s] has the name of [%s] (%s:%d), which is in no group",
			    gr->name, ps->name, file_path(ld, ps->file),
			    ps->line);
	}
}

/* ------------------------------------------------------------------ */
/* Pass two: programs. */

static void
proc_free(struct conf_proc *p)
{
	const struct conf_key *k;

	if (p == NULL)
		return;
	if (!p->interned) {
		free(p->program);
		free(p->group);
		free(p->file);
	}
	for (k = program_keys; k->name != NULL; k++) {
		if (!p->interned || !(k->flags & KF_POOLED))
			free_value(k, p);
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

static void
strpool_free(struct conf_strpool *sp)
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
 * KF_POOLED keys (see proc_free). */
static void
proc_intern(struct loader *ld, struct conf_proc *p)
{
	char **strs[8] = {&p->program, &p->group, &p->file};
	const struct conf_key *k;
	size_t i, nstrs = 3, need;
	char **argv;

	for (k = program_keys; k->name != NULL; k++)
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
	if (p->argv != NULL && (argv = realloc(p->argv,
	                            (i + 1) * sizeof(*argv))) != NULL)
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
	for (k = program_keys; k->name != NULL; k++) {
		if (copy_value(ld, k, p, t) == -1) {
			proc_free(p);
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
		if (!overridden && strv_push(ld, &out, xstrdup(ld, g[i])) == -1)
			goto fail;
	}
	for (j = 0; p->environment && p->environment[j]; j++)
		if (strv_push(ld, &out, xstrdup(ld, p->environment[j])) == -1)
			goto fail;
	strv_free(p->environment);
	p->environment = out;
	return 0;
fail:
	strv_free(out);
	return -1;
}

static void
add_proc(struct loader *ld, struct conf_proc *p, int gpriority, size_t order)
{
	if (grow(ld, (void **)&ld->procs, &ld->capprocs, ld->nprocs,
	        sizeof(*ld->procs)) == -1) {
		proc_free(p);
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

	for (j = 0, k = program_keys; k->name != NULL; k++, j++) {
		const char *raw = slots[j] ? slots[j]->value : k->def;
		int line = slots[j] ? slots[j]->line : s->line;

		if (!(k->flags & KF_PROC) || raw == NULL)
			continue;
		(void)apply_key(ld, s->file, line, k, raw, vars, nvars, p);
	}
	if (p->name == NULL)
		p->name = xstrdup(ld, s->sub);
	(void)merge_environ(ld, p);
}

static const struct rkey *
slot_of(const struct rkey **slots, const char *name)
{
	const struct conf_key *k = key_find(program_keys, name);

	return slots[k - program_keys];
}

static void
resolve_program(
    struct loader *ld, struct rsec *s, struct rprog *rp, size_t order)
{
	const struct rkey *slots[TEND_NELEM(program_keys)];
	const struct rkey *pn, *np, *kag;
	struct conf_proc t, *p;
	struct conf_group *gr;
	char num[24], nprocs[24];
	const char *group = s->sub;
	const struct conf_key *k;
	int i;
	size_t j;

	memset(slots, 0, sizeof(slots));
	match_keys(ld, s, program_keys, slots);
	if ((gr = group_of(ld, s->sub, NULL)) != NULL)
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
	apply_defaults(ld, program_keys, &t);
	for (j = 0, k = program_keys; k->name != NULL; k++, j++)
		if (slots[j] != NULL && !(k->flags & KF_PROC))
			(void)apply_key(ld, s->file, slots[j]->line, k,
			    slots[j]->value, common, TEND_NELEM(common), &t);
	/* killasgroup follows stopasgroup unless set; supervisord refuses
	 * stopasgroup=true with killasgroup=false. */
	kag = slot_of(slots, "killasgroup");
	if (kag == NULL)
		t.killasgroup = t.stopasgroup;
	else if (t.stopasgroup && !t.killasgroup)
		lerr(ld, s->file, kag->line,
		    "killasgroup: cannot be false when stopasgroup is true");
	if (slot_of(slots, "command") == NULL)
		lerr(ld, s->file, s->line, "[%s] has no command=", s->name);
	pn = slot_of(slots, "process_name");
	np = slot_of(slots, "numprocs");
	if (t.numprocs > 1 &&
	    (pn == NULL || (pn->value != NULL &&
	                       strstr(pn->value, "%(process_num)") == NULL)))
		lerr(ld, s->file, pn ? pn->line : np->line,
		    "%%(process_num) must be present within process_name when numprocs > 1");

	rp->sec = s;
	rp->group = group;
	rp->gpriority = gr ? gr->priority : t.priority;
	rp->deps = strv_dup(ld, t.depends_on);
	rp->dep_line = slot_of(slots, "depends_on")
	                   ? slot_of(slots, "depends_on")->line
	                   : s->line;

	(void)snprintf(nprocs, sizeof(nprocs), "%d", t.numprocs);
	for (i = 0; i < t.numprocs; i++) {
		(void)snprintf(num, sizeof(num), "%d", t.numprocs_start + i);
		p = proc_copy(ld, &t);
		if (p == NULL)
			break;
		p->process_num = t.numprocs_start + i;
		p->program = xstrdup(ld, s->sub);
		p->group = xstrdup(ld, group);
		p->file = xstrdup(ld, file_path(ld, s->file));
		p->line = s->line;
		resolve_process(ld, s, slots, p, vars, TEND_NELEM(vars));
		proc_intern(ld, p);
		add_proc(ld, p, rp->gpriority, order);
	}
	for (k = program_keys; k->name != NULL; k++)
		free_value(k, &t);
}

static const char *
proc_fullname(const struct conf_proc *p, char *buf, size_t len)
{
	if (p->group != NULL && strcmp(p->group, p->name) != 0)
		(void)snprintf(buf, len, "%s:%s", p->group, p->name);
	else
		(void)snprintf(buf, len, "%s", p->name ? p->name : "");
	return buf;
}

static void
check_duplicate_names(struct loader *ld)
{
	char a[512], b[512];
	size_t i, j;

	for (i = 1; i < ld->nprocs; i++) {
		struct conf_proc *p = ld->procs[i].p;

		if (p->name == NULL)
			continue;
		proc_fullname(p, a, sizeof(a));
		for (j = 0; j < i; j++) {
			struct conf_proc *q = ld->procs[j].p;

			/* Within one program, the %(process_num) check has
			 * already said why the names collide. */
			if (q->name == NULL ||
			    ld->procs[j].order == ld->procs[i].order ||
			    strcmp(a, proc_fullname(q, b, sizeof(b))) != 0)
				continue;
			lerr(ld, ld->secs[ld->procs[i].order]->file, p->line,
			    "duplicate process name '%s' (also made by [program:%s] at %s:%d)",
			    a, q->program, q->file, q->line);
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
			lerr(ld, rp->sec->file, rp->dep_line,
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
		if (is_close(name, ld->progs[i].sec->sub))
			sugg = ld->progs[i].sec->sub;
	if (sugg != NULL)
		lerr(ld, rp->sec->file, rp->dep_line,
		    "depends_on: unknown program '%s'; did you mean '%s'?",
		    name, sugg);
	else
		lerr(ld, rp->sec->file, rp->dep_line,
		    "depends_on: unknown program '%s'", name);
	return -1;
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
			lerr(ld, ld->progs[w].sec->file, ld->progs[w].dep_line,
			    "depends_on: cycle %s", chain);
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
			(void)dep_targets(ld, rp, rp->deps[j], &edges[i * n]);
	}
	for (i = 0; i < n; i++)
		if (color[i] == 0)
			dep_visit(ld, edges, color, path, 0, (int)i);
out:
	free(edges);
	free(color);
	free(path);
}

/* ------------------------------------------------------------------ */
/* Putting it together. */

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
resolve_all(struct loader *ld)
{
	size_t i, n = 0;

	resolve_globals(ld);
	/* Unknown keys of [include] (read in pass one) are reported here. */
	for (i = 0; i < ld->nsecs; i++) {
		const struct rkey *slots[2] = {NULL, NULL};

		if (ld->secs[i]->info->kind == SK_INCLUDE)
			match_keys(ld, ld->secs[i], include_keys, slots);
		if (ld->secs[i]->info->kind == SK_PROGRAM)
			n++;
	}
	resolve_groups(ld);
	ld->progs = calloc(n ? n : 1, sizeof(*ld->progs));
	if (ld->progs == NULL) {
		ld->oom = true;
		return;
	}
	for (i = 0; i < ld->nsecs; i++)
		if (ld->secs[i]->info->kind == SK_PROGRAM)
			resolve_program(
			    ld, ld->secs[i], &ld->progs[ld->nprogs++], i);
	check_duplicate_names(ld);
	resolve_depends(ld);
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
		strv_free(ld->progs[i].deps);
	free(ld->progs);
	for (i = 0; i < ld->nprocs; i++)
		proc_free(ld->procs[i].p);
	free(ld->procs);
	for (i = 0; i < ld->nerrs; i++)
		free(ld->errs[i].msg);
	free(ld->errs);
	for (i = 0; i < ld->nwarns; i++)
		free(ld->warns[i].msg);
	free(ld->warns);
	free(ld->cwd);
}

/* Move the collected messages, sorted, into ERRS. */
static void
export_errors(struct loader *ld, struct conf_errors *errs)
{
	char **nv;
	size_t i;

	if (ld->oom)
		lerr(ld, -1, 0, "%s", strerror(ENOMEM));
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

struct tend_conf *
config_load(const char *path, struct conf_errors *errs)
{
	struct loader ld;
	struct tend_conf *conf;
	struct utsname un;
	size_t i;

	memset(&ld, 0, sizeof(ld));
	ld.curfile = -1;
	ld.envp = environ;
	conf = calloc(1, sizeof(*conf));
	ld.cwd = getcwd(NULL, 0);
	if (conf == NULL || ld.cwd == NULL) {
		lerr(&ld, -1, 0, "%s: getcwd: %s", path, strerror(errno));
		export_errors(&ld, errs);
		loader_free(&ld);
		free(conf);
		return NULL;
	}
	ld.conf = conf;
	if (uname(&un) == 0)
		(void)snprintf(ld.host, sizeof(ld.host), "%s", un.nodename);
	load_file(&ld, path, -1, 0);
	if (ld.nfiles > 0) {
		conf->path = path_abs(&ld, path);
		resolve_all(&ld);
	}
	if (ld.nerrs > 0 || ld.oom) {
		export_errors(&ld, errs);
		loader_free(&ld);
		config_free(conf);
		return NULL;
	}
	if (ld.nprocs > 0)
		qsort(ld.procs, ld.nprocs, sizeof(*ld.procs), procent_cmp);
	conf->procs = calloc(ld.nprocs + 1, sizeof(*conf->procs));
	if (conf->procs == NULL) {
		ld.oom = true;
		export_errors(&ld, errs);
		loader_free(&ld);
		config_free(conf);
		return NULL;
	}
	for (i = 0; i < ld.nprocs; i++) {
		conf->procs[i] = ld.procs[i].p;
		ld.procs[i].p = NULL;
	}
	conf->nprocs = ld.nprocs;
	if (ld.nwarns > 0)
		qsort(ld.warns, ld.nwarns, sizeof(*ld.warns), lmsg_cmp);
	conf->warnings = calloc(ld.nwarns + 1, sizeof(*conf->warnings));
	if (conf->warnings == NULL) {
		ld.oom = true;
		export_errors(&ld, errs);
		loader_free(&ld);
		config_free(conf);
		return NULL;
	}
	for (i = 0; i < ld.nwarns; i++) {
		conf->warnings[i] = ld.warns[i].msg;
		ld.warns[i].msg = NULL;
	}
	conf->nwarnings = ld.nwarns;
	loader_free(&ld);
	return conf;
}

void
config_free(struct tend_conf *conf)
{
	const struct conf_key *k;
	size_t i;

	if (conf == NULL)
		return;
	free(conf->path);
	for (i = 0; (k = global_key(i)) != NULL; i++)
		if (!global_key_alias(k))
			free_value(k, &conf->global);
	for (i = 0; i < conf->nprocs; i++)
		proc_free(conf->procs[i]);
	free(conf->procs);
	strpool_free(conf->strings);
	for (i = 0; i < conf->ngroups; i++) {
		strv_free(conf->groups[i]->programs);
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

enum conf_change
config_proc_compare(const struct conf_proc *a, const struct conf_proc *b)
{
	enum conf_change c = CONF_SAME;
	const struct conf_key *k;

	for (k = program_keys; k->name != NULL; k++) {
		if (!(k->flags & (KF_RESTART | KF_POLICY)) ||
		    key_ops[k->type].equal(k, a, b))
			continue;
		if (k->flags & KF_RESTART)
			return CONF_RESTART;
		c = CONF_POLICY;
	}
	/* Moved to another [program:x] under the same full name. */
	if (!str_equal(a->program, b->program))
		c = CONF_POLICY;
	return c;
}

/* ------------------------------------------------------------------ */
/* config_dump(): every key of the table, as "    KEY  VALUE". */

static void
dump_key(FILE *fp, const struct conf_key *k, const void *base)
{
	(void)fprintf(fp, "    %-24s", k->name);
	if (k->off == NOFIELD)
		pr_ignored(fp, k, base);
	else
		key_ops[k->type].print(fp, k, base);
	(void)fputc('\n', fp);
}

static void
dump_keys(FILE *fp, const struct conf_key *tab, const void *base)
{
	for (; tab->name != NULL; tab++)
		dump_key(fp, tab, base);
}

static void
dump_proc(FILE *fp, const struct conf_proc *p)
{
	char full[512];

	(void)fprintf(fp, "process %s ([program:%s] at %s:%d)\n",
	    proc_fullname(p, full, sizeof(full)), p->program, p->file, p->line);
	(void)fprintf(fp, "    %-24s%s\n", "group", p->group);
	(void)fprintf(fp, "    %-24s%d of %d\n", "process_num", p->process_num,
	    p->numprocs);
	dump_keys(fp, program_keys, p);
}

static void
dump_globals(FILE *fp, const struct conf_global *g)
{
	const struct conf_key *k, *same;
	size_t i;

	(void)fprintf(fp, "globals\n");
	for (i = 0; (k = global_key(i)) != NULL; i++) {
		if ((same = global_key_alias(k)) == NULL)
			dump_key(fp, k, g);
		else if (strcmp(same->name, k->name) != 0)
			(void)fprintf(
			    fp, "    %-24s(as %s)\n", k->name, same->name);
	}
}

void
config_dump(const struct tend_conf *conf, FILE *fp)
{
	size_t i;

	(void)fprintf(fp, "config %s\n", conf->path);
	dump_globals(fp, &conf->global);
	for (i = 0; i < conf->ngroups; i++) {
		(void)fprintf(fp, "group %s (%s:%d)\n", conf->groups[i]->name,
		    conf->groups[i]->file, conf->groups[i]->line);
		dump_keys(fp, group_keys, conf->groups[i]);
	}
	for (i = 0; i < conf->nprocs; i++)
		dump_proc(fp, conf->procs[i]);
	for (i = 0; i < conf->nwarnings; i++)
		(void)fprintf(fp, "warning: %s\n", conf->warnings[i]);
}

/*
 * config_impl.h: what the rooms of the config loader share, and nothing
 * outside it includes.  The loader is config.c (the API, messages and small
 * helpers), config_keys.c (the key table: every key, its type, default and
 * what a change of it means to a reload), config_value.c (one parser,
 * comparison, copy and free per type of value), config_read.c (files,
 * sections, aliases, [include]: pass one), config_resolve.c (globals,
 * groups, numprocs, depends_on: pass two) and config_dump.c (tendd -n -v).
 * Functions shared between them are prefixed cfg_.
 */
#ifndef TEND_CONFIG_IMPL_H
#define TEND_CONFIG_IMPL_H

#include "config.h"
#include "expand.h"

#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

/* Includes deeper than this are surely a mistake (loops are caught
 * separately, by device and inode). */
#define CONF_MAX_INCLUDE_DEPTH 16
#define CONF_MAX_NUMPROCS 100000
/* Room for the keys of any one section kind (checked in config_keys.c). */
#define CONF_MAX_SECTION_KEYS 96

/* ------------------------------------------------------------------ */
/* The key table (config_keys.c). */

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
	KT_DEPSTART, /* bool into autostart: true sets it (dependent_startup) */
	KT_WAITFOR,  /* "NAME:STATE ..." appended to depends_on */
	KT_HEALTHCHECK, /* struct conf_health *, NULL for none */
	KT_HCACTION,    /* int: restart, none or signal:SIG */
	KT_RUNAS,       /* conf_global user, user_uid, user_gid */
	/* [fcgi-program:x]'s socket keys: struct conf_fcgi *, one struct
	 * for the four (config_fcgi.c) */
	KT_FCGI_SOCKET,  /* socket=: tcp://HOST:PORT or unix:///PATH */
	KT_FCGI_OWNER,   /* socket_owner=: user[:group] */
	KT_FCGI_MODE,    /* socket_mode=: octal */
	KT_FCGI_BACKLOG, /* socket_backlog=: 1..65535 */
	KT_EVENTS,      /* uint32_t: supervisord's event types (evbus.h) */
};

#define KF_PROC 0x1 /* expanded per process (may use %(process_num)d) */
#define KF_NONE 0x2 /* signal: "none" or "0" means no signal */
/* What a reload does when a [program:x] key changes (one of three): */
#define KF_RESTART 0x4  /* the running process was made from it: restart */
#define KF_POLICY 0x8   /* supervision only: applied live, "updated" */
#define KF_SET 0x10     /* changes which processes exist (compared by name) */
#define KF_INHERIT 0x20 /* unset means tendd's own (printed "(tendd's)") */
#define KF_POOLED 0x40  /* its strings go to the conf's string pool */
#define KF_DIRPATH                                                             \
	0x80            /* path whose directory must exist (supervisord's      \
	                   existing_dirpath: logfile=, pidfile=) */
#define KF_SYSLOG 0x100 /* path: "syslog" means syslog(3), not a file */
#define KF_FCGI 0x200   /* only in [fcgi-program:x]: unknown in [program:x] */
#define KF_SECRET 0x400 /* never printed (tendd -n -v shows "(set)") */
/* A field of struct conf_health (offsetof), reached through the
 * process's health pointer: a process without healthcheck= has none
 * (while loading, a struct of kind 0 holds the program's values). */
#define KF_HEALTH 0x800
/* In the table of [program:x], which [eventlistener:x] shares: */
#define KF_LISTENER 0x1000 /* only in [eventlistener:x] */
#define KF_PROGRAM 0x2000  /* not in [eventlistener:x] */
/* The feature the key drives is not built into this tendd (configure's
 * --disable-*): setting it is an error naming the row's absent switch. */
#define KF_ABSENT 0x4000

#define NOFIELD 0xffff

/* The bounds of a KT_INT or KT_LONG key (cfg_parse_int_range). */
enum key_range {
	R_NONE,     /* not a number */
	R_NONNEG,   /* 0..INT_MAX */
	R_HALF,     /* 0..INT_MAX / 2 */
	R_POS,      /* 1..INT_MAX */
	R_INT,      /* INT_MIN..INT_MAX */
	R_LONG,     /* 0..LONG_MAX */
	R_NUMPROCS, /* 1..CONF_MAX_NUMPROCS */
};

/* The configure switch that left a KF_ABSENT key's feature out, in the
 * flags' high bits: KF_ABSENT | ABSENT_HEALTH << KF_ABSENT_SHIFT. */
#define KF_ABSENT_SHIFT 16
enum key_absent {
	ABSENT_NONE,
	ABSENT_HEALTH,
	ABSENT_EVENTS,
	ABSENT_FCGI,
	ABSENT_CGROUPS,
	ABSENT_NOTIFY,
};

/* A row of a key table: 24 bytes (an embedded tendd carries ~130). */
struct conf_key {
	const char *name;
	const char *def;     /* default, as it would be written; NULL: none */
	unsigned char type;  /* enum key_type */
	unsigned char range; /* enum key_range */
	unsigned short off;  /* field offset, or NOFIELD */
	unsigned flags;      /* KF_*, and the switch of a KF_ABSENT key */
};

/* The switch that left K (KF_ABSENT) out, for "KEY: not built into this
 * tendd (configured --disable-SWITCH)": "health", "events", ... */
const char *cfg_key_absent(const struct conf_key *k);
#define ABSENT_FMT "%s: not built into this tendd (configured --disable-%s)"

/* The field of key K in the struct at BASE. */
#define FIELD(k, base, type) ((type *)(void *)((char *)(base) + (k)->off))
#define CFIELD(k, base, type)                                                  \
	((type const *)(const void *)((const char *)(base) + (k)->off))

enum sect_kind {
	SK_PROGRAM,
	SK_GROUP,
	SK_INCLUDE,
	SK_TEND,
	SK_SUPERVISORD,
	SK_UNIX_HTTP_SERVER,
	SK_SUPERVISORCTL,
	SK_INET_HTTP_SERVER,
	SK_RPCINTERFACE,
	SK_DEFAULT, /* configparser's [DEFAULT]: keys every section inherits */
	SK_EVENTLISTENER, /* a pool: [program:x]'s keys and its own */
	SK_IGNORED, /* supervisord cfg_sections tend does not implement */
	SK_UNKNOWN,
};

/* Section names: PREFIX true means "name:SUBNAME". */
struct sect_info {
	const char *name;
	bool prefix;
	enum sect_kind kind;
	const struct conf_key *keys;
};

extern const struct conf_key cfg_program_keys[];
extern const struct conf_key cfg_group_keys[];
extern const struct conf_key cfg_include_keys[];
extern const struct conf_key cfg_tend_keys[];
extern const struct sect_info cfg_sections[];
extern const size_t cfg_nsections;

const struct conf_key *cfg_global_key(size_t i);
const struct conf_key *cfg_global_key_alias(const struct conf_key *k);
const struct conf_key *cfg_key_find(
    const struct conf_key *tab, const char *name);
const char *cfg_key_suggest(const struct conf_key *tab, const char *name);

/* ------------------------------------------------------------------ */
/* Loader state (config.c). */

struct rkey {
	char *name; /* lower case */
	char *value;
	int file;      /* where it was written: a section may be continued
	                  in another file, and [DEFAULT]'s keys are every
	                  section's */
	int line;
	bool here_own; /* %(here)s is FILE's directory, not the section's
	                  (a key of a section continued in another file) */
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
	struct rsec *defaults; /* [DEFAULT] of every file, NULL: none */
	struct rprog *progs;
	size_t nprogs;
	struct procent *procs;
	size_t nprocs, capprocs;
	char *cwd;
	char host[256];
	char *const *envp;
	/* replaying (config_load_sources): the files come from these */
	const struct conf_source *replay;
	size_t nreplay;
	/* the text of every file read, moved into the conf at the end */
	struct conf_source *srcs;
	size_t nsrcs, capsrcs;
	bool oom;
};

/* Where a value comes from, for messages and warnings. */
struct valctx {
	struct loader *ld;
	int file;
	int line;
};

char *cfg_xstrdup(struct loader *ld, const char *s);
int cfg_grow(struct loader *ld, void **vp, size_t *cap, size_t n, size_t size);
const char *cfg_file_path(const struct loader *ld, int file);
int cfg_file_index(const struct loader *ld, const char *path);
void cfg_lerr(struct loader *ld, int file, int line, const char *fmt, ...)
    TEND_PRINTF(4, 5);
void cfg_lwarn(struct loader *ld, int file, int line, const char *fmt, ...)
    TEND_PRINTF(4, 5);
bool cfg_is_close(const char *word, const char *cand);
size_t cfg_edit_distance(const char *a, const char *b);
char *cfg_path_abs(struct loader *ld, const char *p);
void cfg_strv_free(char **v);
size_t cfg_strv_len(char *const *v);
int cfg_strv_push(struct loader *ld, char ***vp, char *s);
char **cfg_strv_dup(struct loader *ld, char *const *v);
bool cfg_strv_equal(char *const *a, char *const *b);
bool cfg_str_equal(const char *a, const char *b);
char *cfg_trim(char *s);
int cfg_check_name(const char *name, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* Values (config_value.c). */

int cfg_parse_value(const struct valctx *vc, const struct conf_key *k,
    const char *v, void *base, char *err, size_t errlen);
bool cfg_value_equal(const struct conf_key *k, const void *a, const void *b);
int cfg_copy_value(
    struct loader *ld, const struct conf_key *k, void *dst, const void *src);
void cfg_free_value(const struct conf_key *k, void *base);
bool cfg_parse_bool(const char *v, bool *out);

/* An enum-valued key: its words indexed by value, whether a boolean
 * also reads (as 0 or 1), and what a message lists. */
struct enum_desc {
	const char *const *words;
	bool boolean;
	const char *hint;
};
const struct enum_desc *cfg_enum_desc(const struct conf_key *k);

/* healthcheck= and healthcheck_action= (config_health.c). */
int cfg_health_parse(struct loader *ld, const char *v,
    struct conf_health **out, char *err, size_t errlen);
bool cfg_health_equal(const struct conf_health *a,
    const struct conf_health *b);
void cfg_health_free(struct conf_health *h);
/* After a process's keys: a struct conf_health without a probe (kind 0,
 * only the healthcheck_* values) is dropped. */
void cfg_health_settle(struct conf_proc *p);
/* Where K's field is for BASE (a KF_HEALTH key: the process's struct
 * conf_health, NULL without one). */
const void *cfg_key_base(const struct conf_key *k, const void *base);
int cfg_health_action_parse(const char *v, int *out, char *err,
    size_t errlen);
void cfg_health_action_print(FILE *fp, int action);

/* The four socket keys of [fcgi-program:x] (config_fcgi.c): K's part of
 * the struct conf_fcgi * at K's field, allocated by the first one set. */
int cfg_fcgi_parse(const struct valctx *vc, const struct conf_key *k,
    const char *v, void *base, char *err, size_t errlen);
bool cfg_fcgi_equal(const struct conf_key *k, const void *a, const void *b);
int cfg_fcgi_copy(
    struct loader *ld, const struct conf_key *k, void *dst, const void *src);
void cfg_fcgi_free(const struct conf_key *k, void *base);
void cfg_fcgi_print(FILE *fp, const struct conf_key *k, const void *base);
/* After a section's keys: supervisord's checks of the whole socket
 * (OWNER_LINE: where socket_owner= or socket_mode= is), and
 * socket_owner's default. */
void cfg_fcgi_check(struct loader *ld, const struct rsec *s,
    struct conf_proc *t, int owner_line);
/* Is S an [fcgi-program:x]? */
#ifdef HAVE_FCGI
bool cfg_sec_fcgi(const struct rsec *s);
#else
/* --disable-fcgi: config_read.c refused the section. */
static inline bool
cfg_sec_fcgi(const struct rsec *s)
{
	(void)s;
	return false;
}
#endif
/* config_num.c: text -> number, -1 with ERR filled. */
int cfg_parse_octal(const char *s, int *out, char *err, size_t errlen);
int cfg_parse_exitcodes(
    const char *s, struct conf_exitcodes *out, char *err, size_t errlen);
/* An integer between K's min and max. */
int cfg_parse_int_range(const struct conf_key *k, const char *v, long *out,
    char *err, size_t errlen);
int cfg_parse_rlimit(
    const char *v, struct conf_rlimit *rl, char *err, size_t errlen);
/* "50%" or "50": percent of one CPU. */
int cfg_parse_percent(const char *v, double *out, char *err, size_t errlen);
int cfg_lookup_user(
    const char *s, uid_t *uid, gid_t *gid, char *err, size_t errlen);
int cfg_lookup_group(const char *s, gid_t *gid, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* Pass one (config_read.c) and two (config_resolve.c). */

void cfg_load_file(
    struct loader *ld, const char *path, int from, int from_line);
struct rsec *cfg_find_section(const struct loader *ld, const char *name);
void cfg_check_defaults(struct loader *ld);
void cfg_match_keys(struct loader *ld, const struct rsec *s,
    const struct conf_key *tab, const struct rkey **slots);
/* cfg_apply_key() of the key RK of section S, with RK's file for its
 * messages and, for a key written in another file, that file's
 * %(here)s in place of the section's (VARS' "here"). */
int cfg_apply_rkey(struct loader *ld, const struct rsec *s,
    const struct rkey *rk, const struct conf_key *k,
    const struct expand_var *vars, size_t nvars, void *base);
int cfg_apply_key(struct loader *ld, int file, int line,
    const struct conf_key *k, const char *raw, const struct expand_var *vars,
    size_t nvars, void *base);
void cfg_apply_defaults(
    struct loader *ld, const struct conf_key *tab, void *base);

void cfg_resolve_all(struct loader *ld);
void cfg_proc_free(struct conf_proc *p);
void cfg_strpool_free(struct conf_strpool *sp);
/* A process's full name, "group:name" or "name", as the arguments of
 * "%s%s%s". */
bool cfg_proc_grouped(const struct conf_proc *p);
#define CFG_FULLNAME(p)                                                        \
	cfg_proc_grouped(p) ? (p)->group : "", cfg_proc_grouped(p) ? ":" : "", \
	    (p)->name

#endif /* TEND_CONFIG_IMPL_H */

/*
 * config.h: files -> an immutable struct tend_conf.
 *
 * config_load() reads a supervisord-dialect INI file (with its [include]s),
 * interpolates %(...)s, splits commands into argv, expands numprocs into one
 * struct conf_proc per process and validates everything.  It never touches
 * running state: a reload builds a fresh tend_conf and the caller decides.
 * Every problem is collected as "FILE:LINE: message" in a struct conf_errors;
 * a conf with any error is never returned.
 */
#ifndef TEND_CONFIG_H
#define TEND_CONFIG_H

#include "tend.h"

#include <stdio.h>
#include <sys/stat.h>

enum conf_autorestart {
	CONF_AUTORESTART_FALSE = 0,
	CONF_AUTORESTART_TRUE,
	CONF_AUTORESTART_UNEXPECTED,
};

enum conf_readiness {
	CONF_READINESS_NONE = 0,
	CONF_READINESS_NOTIFY,
	CONF_READINESS_HEALTH, /* STARTING until the first passing probe */
};

/* healthcheck=: an active probe (health.c runs it). */
enum conf_health_kind {
	CONF_HEALTH_EXEC = 1, /* exec:COMMAND ARGS: exit 0 is healthy */
	CONF_HEALTH_TCP,      /* tcp:HOST:PORT: the connect succeeds */
	CONF_HEALTH_HTTP,     /* http://HOST[:PORT][/PATH]: 2xx or 3xx */
};

struct conf_health {
	enum conf_health_kind kind;
	int port;     /* TCP, HTTP */
	char *text;   /* the value as written (after interpolation) */
	char *host;   /* TCP, HTTP: an address or a name (resolved when the
			 process starts) */
	char *path;   /* HTTP: "/..." */
	char **argv;  /* EXEC: split like command, NULL-terminated */
	/* The healthcheck_* keys (KF_HEALTH rows of config_keys.c): kept
	 * here, so that a process without a probe pays nothing for them. */
	struct conf_health_opts {
		double interval;     /* healthcheck_interval= (10) */
		double timeout;	     /* healthcheck_timeout= (5) */
		double start_period; /* healthcheck_start_period= (0) */
		int retries;	     /* healthcheck_retries= (3) */
		int action;	     /* healthcheck_action=: CONF_HEALTH_* or
					a signal number */
	} o;
};

/* healthcheck_action=: what healthcheck_retries failures in a row do. */
#define CONF_HEALTH_RESTART 0 /* restart (else a signal number) */
#define CONF_HEALTH_NONE (-1) /* only report it */

/* critical=: what of this program ends tendd (container PID 1 use). */
enum conf_critical {
	CONF_CRITICAL_FALSE = 0, /* nothing */
	CONF_CRITICAL_FATAL,	 /* true/fatal: it entered FATAL */
	CONF_CRITICAL_EXIT,	 /* exit: any end not asked for by a stop */
};

/* Where one output stream of a process goes. */
enum conf_logkind {
	CONF_LOG_NONE = 0, /* NONE: discarded */
	CONF_LOG_AUTO,     /* AUTO: a file in childlogdir, chosen by tendd */
	CONF_LOG_FILE,     /* a path (may be /dev/stdout, a fifo, ...) */
};

struct conf_log {
	enum conf_logkind kind;
	int backups;		   /* *_logfile_backups */
	char *path;		   /* CONF_LOG_FILE only, absolute */
	uint64_t maxbytes;	   /* *_logfile_maxbytes, 0 = never rotate */
	uint64_t capture_maxbytes; /* *_capture_maxbytes (accepted) */
	bool events_enabled;	   /* *_events_enabled (accepted) */
	bool syslog;		   /* *_syslog */
};

/* Does a stream with keys L need a pipe that tendd reads: a log file,
 * syslog, supervisord's log events or its capture mode? */
static inline bool
conf_log_captured(const struct conf_log *l)
{
	return l->kind != CONF_LOG_NONE || l->syslog || l->events_enabled ||
	       l->capture_maxbytes > 0;
}

/* rlimit_*=SOFT[:HARD] (setrlimit(2) in the child before exec). */
#define CONF_RLIM_INFINITY UINT64_MAX /* "unlimited" / "infinity" */
struct conf_rlimit {
	bool set; /* false: inherited from tendd */
	uint64_t soft;
	uint64_t hard;
};

/* A set of exit codes 0..255 (exitcodes=). */
struct conf_exitcodes {
	uint64_t bits[4];
};

static inline bool
conf_exitcode_expected(const struct conf_exitcodes *e, int code)
{
	if (code < 0 || code > 255)
		return false;
	return (e->bits[code / 64] >> (code % 64)) & 1;
}

/* [fcgi-program:x]: the socket tendd binds before the workers start and
 * gives each of them as its fd 0 (fcgisock.c owns it at run time). */
struct conf_fcgi {
	char *socket; /* "tcp://HOST:PORT" or "unix:///PATH", normalised */
	char *host;   /* TCP: lower case, resolved when bound */
	char *path;   /* UNIX: absolute, normalised */
	char *owner;  /* socket_owner= as written, NULL: unset */
	uid_t uid;    /* UNIX: chown(2) to these; (uid_t)-1: unchanged */
	gid_t gid;
	int port;     /* TCP */
	int mode;     /* socket_mode= (UNIX); -1: unset, i.e. 0700 */
	int backlog;  /* socket_backlog=; 0: unset, i.e. SOMAXCONN */
};

/*
 * One process: a [program:x] section after numprocs expansion and
 * per-process interpolation.  Every key is resolved (defaults applied).
 */
/* One process.  Fields are grouped by size, not by topic, to keep the
 * struct small: a pool of 1,000 holds 1,000 of them (issue 9). */
struct conf_proc {
	char *name;	 /* process_name, expanded ("web_00") */
	char *program;	 /* section name after "program:" */
	char *group;	 /* [group:g] holding it, else the program name */
	char *command;	/* the expanded command line, for display */
	char **argv;	/* split command; argv[0] resolved against PATH
			   only at spawn time; NULL-terminated */
	char *directory; /* NULL: tendd's directory */
	char *user;	 /* NULL: no change */
	char **environment; /* "KEY=VALUE", NULL-terminated, program's own
			       entries after [tend] environment ones */
	char *environment_file; /* tend: KEY=VALUE lines read at spawn */
	char *serverurl;     /* serverurl=: SUPERVISOR_SERVER_URL; NULL: AUTO
				(tendd's control socket) */
	char **depends_on;   /* tend: as written: "name" or "group:*";
				NULL-terminated */
	struct conf_fcgi *fcgi; /* [fcgi-program:x]'s socket, else NULL */
	char *file; /* where [program:x] was written */
	int line;
	int process_num; /* numprocs_start + index */
	uint32_t events; /* [eventlistener:x] events=: EVBUS_BIT()s; 0 for
			    a [program:x] (conf_is_listener) */
	int buffer_size; /* [eventlistener:x] buffer_size= (10) */
	int numprocs;
	int numprocs_start;
	uid_t uid;	 /* valid when user != NULL */
	gid_t gid;
	int umask;	 /* -1: inherit tendd's */

	int priority;
	enum conf_autorestart autorestart;
	double startsecs;
	int startretries;
	int stopsignal;
	struct conf_exitcodes exitcodes;
	double stopwaitsecs;
	bool autostart;
	bool stopasgroup;
	bool killasgroup;
	bool redirect_stderr;

	/* tend additions */
	bool stdin_pipe;	      /* stdin_pipe=: a pipe tendd writes to
					 (sendProcessStdin); default: the
					 config has [rpcinterface:supervisor] */
	bool log_prefix;	      /* log_prefix=: "[NAME] " per line */
	bool log_timestamps;	      /* log_timestamps=: RFC 3339 per line */
	bool stop_leftovers;	      /* stop_leftovers=: a stop also stops
					 what outlives the main process */
	bool interned; /* program, group, file, command, directory, user,
			  environment_file and argv's strings belong to the
			  conf's string pool, not to this process */
	enum conf_readiness readiness;
	int pdeathsig;
	enum conf_critical critical;  /* critical= (false) */

	struct conf_log out; /* stdout_* */
	struct conf_log err; /* stderr_* */

	double restart_delay;	      /* restart_delay= (default 0) */
	double restart_backoff_max;   /* restart_backoff_max= (0 = off) */
	double restart_backoff_reset; /* restart_backoff_reset= (60) */
	double readiness_timeout;     /* readiness_timeout= (90, 0 = none) */
	double watchdog_sec;	      /* watchdog_sec= (0 = off) */
	struct conf_rlimit rlimit_nofile; /* RLIMIT_NOFILE */
	struct conf_rlimit rlimit_nproc;  /* RLIMIT_NPROC */
	struct conf_rlimit rlimit_core;	  /* RLIMIT_CORE (bytes) */
	struct conf_rlimit rlimit_as;	  /* RLIMIT_AS (bytes) */
	struct conf_health *health; /* healthcheck= and the healthcheck_*
				       keys; NULL: no probe */
	uint64_t memory_max;  /* memory_max=: cgroup memory.max, 0 = none */
	uint64_t memory_high; /* memory_high=: memory.high, 0 = none */
	double cpu_max;	      /* cpu_max=: percent of one CPU (cpu.max),
				 0 = none */
};

struct conf_group {
	char *name;
	int priority;
	char **programs; /* NULL-terminated */
	char *file;
	int line;
};

/* Is C a process of an [eventlistener:x] pool?  (events= is required
 * there and never empty.) */
static inline bool
conf_is_listener(const struct conf_proc *c)
{
	return c->events != 0;
}

/* Global settings: [tend], or its aliases [supervisord],
 * [unix_http_server], [supervisorctl]. */
struct conf_global {
	char *socket;	     /* control socket path; NULL: built-in default */
	int socket_mode;     /* chmod=, default 0700 */
	char *socket_owner;  /* chown= "user[:group]", NULL: unchanged */
	uid_t socket_uid;    /* (uid_t)-1: unchanged */
	gid_t socket_gid;
	char *serverurl;     /* [supervisorctl] serverurl, as written */
	/* supervisord's API (http.c): basic auth on the control socket
	 * ([unix_http_server]) and on [inet_http_server]'s TCP listener;
	 * a password is plain or "{SHA}" and 40 hex digits */
	char *unix_http_username, *unix_http_password;
	char *inet_http_port; /* "HOST:PORT"; NULL: no TCP listener */
	char *inet_http_username, *inet_http_password;
	bool http_probes_public; /* /healthz, /readyz without credentials */

	char *logfile;	     /* NULL: stderr */
	uint64_t logfile_maxbytes;
	int logfile_backups;
	int loglevel;	     /* enum log_level */
	char *pidfile;
	int umask;	     /* default 022 */
	char *directory;     /* chdir before starting */
	char *childlogdir;   /* for AUTO logs; default from TMPDIR or /tmp */
	char **environment;  /* applied to every process */
	char *identifier;
	long minfds;
	long minprocs;
	double shutdown_timeout; /* shutdown_timeout=, 0: auto (9 s as
				    PID 1, else none) */
	char *cgroup;	     /* cgroup=: "auto", "off", or the path in the
				cgroup2 hierarchy to create processes under */
	bool strict;	     /* strict=: every warning is an error */
	bool strip_ansi;     /* strip_ansi=: ANSI escapes removed from
				service output before it is logged */
	char *user;	     /* [supervisord] user=: tendd's own, taken
				once its sockets and cgroups exist; NULL:
				unchanged */
	uid_t user_uid;	     /* valid when user != NULL */
	gid_t user_gid;
};

/* The text of one file a config was read from, as read: a reexec
 * carries it, and the new tendd reads the running config from it again
 * (config_load_sources) to diff it against the file on disk as a reload
 * does. */
struct conf_source {
	char *path; /* as opened (includes: as their glob gave them) */
	char *text;
	size_t len;
};

struct tend_conf {
	char *path;	 /* the main file, absolute */
	char *cwd;	 /* relative paths were taken from here */
	struct conf_source *sources; /* the main file first, then includes */
	size_t nsources;
	struct conf_global global;
	struct conf_proc **procs; /* sorted by priority, then name */
	size_t nprocs;
	struct conf_group **groups;
	size_t ngroups;
	char **warnings; /* "FILE:LINE: ..." for unimplemented sections */
	size_t nwarnings;
	struct conf_strpool *strings; /* owns the strings processes share */
};

/* Collected errors, each "FILE:LINE: message". */
struct conf_errors {
	char **msgs;
	size_t n;
};

/*
 * Load PATH.  On success returns a conf (warnings inside it) and leaves
 * ERRS empty; on failure returns NULL with every error in ERRS.
 */
struct tend_conf *config_load(const char *path, struct conf_errors *errs);
/* As config_load(); with CONFIG_STRICT every warning is an error, as with
 * [tend] strict=true (tendd -n --strict). */
#define CONFIG_STRICT 0x1
struct tend_conf *config_load_flags(
    const char *path, unsigned flags, struct conf_errors *errs);
/* Load a config from the texts it was read from (SRC[0] the main file,
 * includes matched against the other paths, never the disk) with CWD as
 * the directory relative paths resolve against: the config a previous
 * tendd ran, given back by a reexec.  Same result as the files then. */
struct tend_conf *config_load_sources(const char *cwd,
    const struct conf_source *src, size_t n, struct conf_errors *errs);
void config_free(struct tend_conf *conf);
void config_errors_free(struct conf_errors *errs);

/* Find a process by its full name ("group:name", or "name" when group and
 * name agree); NULL if absent. */
const struct conf_proc *config_find_proc(const struct tend_conf *conf,
    const char *fullname);

/*
 * A depends_on entry as written: "NAME", "NAME:running", "NAME:exited"
 * (NAME has exited with one of its exitcodes: a one-shot task) or
 * "GROUP:*".  Returns the length of the name part ("GROUP:*" whole) and
 * sets *EXITED; 0 for a state other than running or exited.
 */
size_t config_dep_name_len(const char *entry, bool *exited);

/* Write the resolved process table (what tendd -n -v prints). */
void config_dump(const struct tend_conf *conf, FILE *fp);

/*
 * What a reload must do when a process's config goes from A to B:
 * CONF_RESTART when it would run differently (command, user, environment,
 * directory, logs, signals, limits...: the keys marked KF_RESTART in the
 * key table), CONF_POLICY when only supervision policy changed (applied to
 * the running process: autorestart, startretries, priority, ...), else
 * CONF_SAME.
 */
enum conf_change {
	CONF_SAME = 0,
	CONF_POLICY,
	CONF_RESTART,
};
enum conf_change config_proc_compare(const struct conf_proc *a,
    const struct conf_proc *b);

/*
 * The key table, for documentation checks and tools.  Section kinds are
 * "program", "group", "include", "tend", "supervisord", "unix_http_server"
 * and "supervisorctl"; config_section_kind(i) returns the I-th (NULL past
 * the end).  config_key_name(kind, i) returns the I-th key accepted in
 * sections of KIND (NULL past the end, or for an unknown KIND).
 */
const char *config_section_kind(size_t i);
const char *config_key_name(const char *kind, size_t i);

#endif /* TEND_CONFIG_H */

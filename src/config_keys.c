/*
 * config_keys.c: the key table, the single list of every key tend accepts
 * and of what tend knows about each: its section, type, default, the field
 * it fills, and what a change of it means to a reload (KF_RESTART: the
 * process was made from it; KF_POLICY: applied to the running process).
 * tend.conf(5) documents each key (tests/unit/test_config.c checks).
 * Owns: the tables, the section names and their aliases, and
 * config_proc_compare(), a loop over the table.  Leaves alone: parsing a
 * value (config_value.c) and reading files (config_read.c).
 */
#include "config_impl.h"

#include <limits.h>
#include <string.h>
#include <strings.h>

#define P(f) offsetof(struct conf_proc, f)
#define HC(f) offsetof(struct conf_health, o.f)
#define G(f) offsetof(struct conf_global, f)
#define GR(f) offsetof(struct conf_group, f)

/* The keys of a feature configure may leave out (--disable-health,
 * --disable-events, --disable-fcgi, --disable-cgroups): without it,
 * setting one is an error saying so (KF_ABSENT), never a key silently
 * ignored. */
#ifdef HAVE_HEALTH
#define HEALTH_KEY(flags) (flags), NULL
#else
#define HEALTH_KEY(flags)                                                      \
	(flags) | KF_ABSENT,                                                   \
	    "not built into this tendd (configured --disable-health)"
#endif
#ifdef HAVE_EVENTS
#define EVENTS_KEY(flags) (flags), NULL
#else
#define EVENTS_KEY(flags)                                                      \
	(flags) | KF_ABSENT,                                                   \
	    "not built into this tendd (configured --disable-events)"
#endif

#ifdef HAVE_FCGI
#define FCGI_KEY(flags) (flags), NULL
#else
#define FCGI_KEY(flags)                                                        \
	(flags) | KF_ABSENT,                                                   \
	    "not built into this tendd (configured --disable-fcgi)"
#endif
#ifdef HAVE_CGROUPS
#define CGROUP_KEY(flags) (flags), NULL
#else
#define CGROUP_KEY(flags)                                                      \
	(flags) | KF_ABSENT,                                                   \
	    "not built into this tendd (configured --disable-cgroups)"
#endif

#define LOGKEYS(s, f)                                                          \
	{s "_logfile", KT_LOGFILE, P(f), "AUTO", 0, 0, KF_PROC | KF_RESTART,   \
	    NULL},                                                             \
	    {s "_logfile_maxbytes", KT_SIZE, P(f.maxbytes), "50MB", 0, 0,      \
	        KF_POLICY, NULL},                                              \
	    {s "_logfile_backups", KT_INT, P(f.backups), "10", 0, INT_MAX,     \
	        KF_POLICY, NULL},                                              \
	    {s "_capture_maxbytes", KT_SIZE, P(f.capture_maxbytes), "0", 0, 0, \
	        EVENTS_KEY(KF_POLICY)},                                        \
	    {s "_events_enabled", KT_BOOL, P(f.events_enabled), "false", 0, 0, \
	        EVENTS_KEY(KF_POLICY)},                                        \
	{                                                                      \
		s "_syslog", KT_BOOL, P(f.syslog), "false", 0, 0, KF_RESTART,  \
		    NULL                                                       \
	}

/* [program:NAME]: supervisord's keys, then tend's. */
const struct conf_key cfg_program_keys[] = {
    {"command", KT_COMMAND, P(command), NULL, 0, 0,
        KF_PROC | KF_RESTART | KF_POOLED, NULL},
    {"process_name", KT_NAME, P(name), "%(program_name)s", 0, 0,
        KF_PROC | KF_POLICY, NULL},
    {"numprocs", KT_INT, P(numprocs), "1", 1, CONF_MAX_NUMPROCS, KF_SET, NULL},
    {"numprocs_start", KT_INT, P(numprocs_start), "0", 0, INT_MAX / 2, KF_SET,
        NULL},
    {"priority", KT_INT, P(priority), "999", INT_MIN, INT_MAX, KF_POLICY, NULL},
    {"autostart", KT_BOOL, P(autostart), "true", 0, 0, KF_POLICY, NULL},
    {"startsecs", KT_SECONDS, P(startsecs), "1", 0, 0, KF_POLICY, NULL},
    {"startretries", KT_INT, P(startretries), "3", 0, INT_MAX, KF_POLICY, NULL},
    {"autorestart", KT_AUTORESTART, P(autorestart), "unexpected", 0, 0,
        KF_POLICY, NULL},
    {"exitcodes", KT_EXITCODES, P(exitcodes), "0", 0, 0, KF_POLICY, NULL},
    {"stopsignal", KT_SIGNAL, P(stopsignal), "TERM", 0, 0, KF_RESTART, NULL},
    {"stopwaitsecs", KT_SECONDS, P(stopwaitsecs), "10", 0, 0, KF_POLICY, NULL},
    {"stopasgroup", KT_BOOL, P(stopasgroup), "false", 0, 0, KF_RESTART, NULL},
    {"killasgroup", KT_BOOL, P(killasgroup), NULL, 0, 0, KF_RESTART, NULL},
    {"user", KT_USER, P(user), NULL, 0, 0, KF_RESTART | KF_INHERIT | KF_POOLED,
        NULL},
    {"redirect_stderr", KT_BOOL, P(redirect_stderr), "false", 0, 0, KF_RESTART,
        NULL},
    LOGKEYS("stdout", out),
    LOGKEYS("stderr", err),
    {"environment", KT_ENVIRON, P(environment), NULL, 0, 0,
        KF_PROC | KF_RESTART, NULL},
    {"directory", KT_STRING, P(directory), NULL, 0, 0,
        KF_PROC | KF_RESTART | KF_INHERIT | KF_POOLED, NULL},
    {"umask", KT_OCTAL, P(umask), NULL, 0, 0, KF_RESTART | KF_INHERIT, NULL},
    {"serverurl", KT_STRING, P(serverurl), NULL, 0, 0,
        KF_PROC | KF_RESTART | KF_POOLED, NULL},
    /* [fcgi-program:x] only: the socket given to the workers as fd 0;
     * a reload keeps it unless socket= changes (fcgisock.c) */
    {"socket", KT_FCGI_SOCKET, P(fcgi), NULL, 0, 0,
        FCGI_KEY(KF_FCGI | KF_RESTART)},
    {"socket_owner", KT_FCGI_OWNER, P(fcgi), NULL, 0, 0,
        FCGI_KEY(KF_FCGI | KF_POLICY)},
    {"socket_mode", KT_FCGI_MODE, P(fcgi), NULL, 0, 0,
        FCGI_KEY(KF_FCGI | KF_POLICY)},
    {"socket_backlog", KT_FCGI_BACKLOG, P(fcgi), NULL, 0, 0,
        FCGI_KEY(KF_FCGI | KF_POLICY)},
    /* tend additions */
    {"stdin_pipe", KT_BOOL, P(stdin_pipe), NULL, 0, 0,
        KF_RESTART | KF_PROGRAM, NULL},
    {"readiness", KT_READINESS, P(readiness), "none", 0, 0, KF_RESTART, NULL},
    {"depends_on", KT_NAMELIST, P(depends_on), NULL, 0, 0, KF_POLICY, NULL},
    {"pdeathsig", KT_SIGNAL, P(pdeathsig), "KILL", 0, 0, KF_NONE | KF_RESTART,
        NULL},
    {"environment_file", KT_PATH, P(environment_file), NULL, 0, 0,
        KF_PROC | KF_RESTART | KF_POOLED, NULL},
    {"restart_delay", KT_SECONDS, P(restart_delay), "0", 0, 0, KF_POLICY, NULL},
    {"restart_backoff_max", KT_SECONDS, P(restart_backoff_max), "0", 0, 0,
        KF_POLICY, NULL},
    {"restart_backoff_reset", KT_SECONDS, P(restart_backoff_reset), "60", 0, 0,
        KF_POLICY, NULL},
    {"readiness_timeout", KT_SECONDS, P(readiness_timeout), "90", 0, 0,
        KF_POLICY, NULL},
    {"watchdog_sec", KT_SECONDS, P(watchdog_sec), "0", 0, 0, KF_RESTART, NULL},
    {"critical", KT_CRITICAL, P(critical), "false", 0, 0, KF_POLICY, NULL},
    {"log_prefix", KT_BOOL, P(log_prefix), "false", 0, 0, KF_RESTART, NULL},
    {"log_timestamps", KT_BOOL, P(log_timestamps), "false", 0, 0, KF_RESTART,
        NULL},
    {"stop_leftovers", KT_BOOL, P(stop_leftovers), "true", 0, 0, KF_POLICY,
        NULL},
    {"rlimit_nofile", KT_RLIMIT, P(rlimit_nofile), NULL, 0, 0, KF_RESTART,
        NULL},
    {"rlimit_nproc", KT_RLIMIT, P(rlimit_nproc), NULL, 0, 0, KF_RESTART, NULL},
    {"rlimit_core", KT_RLIMIT, P(rlimit_core), NULL, 0, 0, KF_RESTART, NULL},
    {"rlimit_as", KT_RLIMIT, P(rlimit_as), NULL, 0, 0, KF_RESTART, NULL},
    {"memory_max", KT_SIZE, P(memory_max), "0", 0, 0,
        CGROUP_KEY(KF_RESTART)},
    {"memory_high", KT_SIZE, P(memory_high), "0", 0, 0,
        CGROUP_KEY(KF_RESTART)},
    {"cpu_max", KT_PERCENT, P(cpu_max), NULL, 0, 0, CGROUP_KEY(KF_RESTART)},
    /* supervisord-dependent-startup's keys, read as tend's */
    {"dependent_startup", KT_DEPSTART, P(autostart), NULL, 0, 0, 0, NULL},
    {"dependent_startup_wait_for", KT_WAITFOR, P(depends_on), NULL, 0, 0, 0,
        NULL},
    {"healthcheck", KT_HEALTHCHECK, P(health), "none", 0, 0,
        HEALTH_KEY(KF_PROC | KF_RESTART)},
    /* KF_HEALTH: fields of struct conf_health, after healthcheck= */
    {"healthcheck_interval", KT_SECONDS, HC(interval), "10", 0, 0,
        HEALTH_KEY(KF_HEALTH | KF_RESTART)},
    {"healthcheck_timeout", KT_SECONDS, HC(timeout), "5", 0, 0,
        HEALTH_KEY(KF_HEALTH | KF_RESTART)},
    {"healthcheck_retries", KT_INT, HC(retries), "3", 1, INT_MAX,
        HEALTH_KEY(KF_HEALTH | KF_RESTART)},
    {"healthcheck_start_period", KT_SECONDS, HC(start_period), "0", 0, 0,
        HEALTH_KEY(KF_HEALTH | KF_RESTART)},
    {"healthcheck_action", KT_HCACTION, HC(action), "restart", 0, 0,
        HEALTH_KEY(KF_HEALTH | KF_RESTART)},
    /* [eventlistener:x] only (a pool) */
    {"events", KT_EVENTS, P(events), NULL, 0, 0, KF_RESTART | KF_LISTENER,
        NULL},
    {"buffer_size", KT_INT, P(buffer_size), "10", 1, INT_MAX,
        KF_RESTART | KF_LISTENER, NULL},
    {"result_handler", KT_IGNORED, NOFIELD, NULL, 0, 0, KF_LISTENER, NULL},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

const struct conf_key cfg_group_keys[] = {
    {"programs", KT_NAMELIST, GR(programs), NULL, 0, 0, 0, NULL},
    {"priority", KT_INT, GR(priority), "999", INT_MIN, INT_MAX, 0, NULL},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

const struct conf_key cfg_include_keys[] = {
    {"files", KT_INCLUDE, NOFIELD, NULL, 0, 0, 0, NULL},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

/* [tend]: the global settings under tend's own names. */
const struct conf_key cfg_tend_keys[] = {
    {"socket", KT_PATH, G(socket), NULL, 0, 0, 0, NULL},
    {"socket_mode", KT_OCTAL, G(socket_mode), "0700", 0, 0, 0, NULL},
    {"socket_owner", KT_OWNER, G(socket_owner), NULL, 0, 0, 0, NULL},
    {"logfile", KT_PATH, G(logfile), NULL, 0, 0, KF_DIRPATH | KF_SYSLOG, NULL},
    {"logfile_maxbytes", KT_SIZE, G(logfile_maxbytes), "50MB", 0, 0, 0, NULL},
    {"logfile_backups", KT_INT, G(logfile_backups), "10", 0, INT_MAX, 0, NULL},
    {"loglevel", KT_LOGLEVEL, G(loglevel), "info", 0, 0, 0, NULL},
    {"pidfile", KT_PATH, G(pidfile), NULL, 0, 0, KF_DIRPATH, NULL},
    {"umask", KT_OCTAL, G(umask), "022", 0, 0, 0, NULL},
    {"directory", KT_DIR, G(directory), NULL, 0, 0, 0, NULL},
    {"childlogdir", KT_DIR, G(childlogdir), NULL, 0, 0, 0, NULL},
    {"environment", KT_ENVIRON, G(environment), NULL, 0, 0, 0, NULL},
    {"identifier", KT_STRING, G(identifier), "tend", 0, 0, 0, NULL},
    {"minfds", KT_LONG, G(minfds), "1024", 0, LONG_MAX, 0, NULL},
    {"minprocs", KT_LONG, G(minprocs), "200", 0, LONG_MAX, 0, NULL},
    {"shutdown_timeout", KT_SECONDS, G(shutdown_timeout), "0", 0, 0, 0, NULL},
    /* --disable-cgroups: off and auto still mean what they say, a path
     * is refused (cgroup_init) */
    {"cgroup", KT_STRING, G(cgroup), "auto", 0, 0, 0, NULL},
    {"strict", KT_BOOL, G(strict), "false", 0, 0, 0, NULL},
    {"strip_ansi", KT_BOOL, G(strip_ansi), "false", 0, 0, 0, NULL},
    {"http_probes_public", KT_BOOL, G(http_probes_public), "false", 0, 0, 0,
        NULL},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

/* [supervisord]: read into the same fields as [tend]. */
const struct conf_key cfg_supervisord_keys[] = {
    {"logfile", KT_PATH, G(logfile), NULL, 0, 0, KF_DIRPATH | KF_SYSLOG, NULL},
    {"logfile_maxbytes", KT_SIZE, G(logfile_maxbytes), NULL, 0, 0, 0, NULL},
    {"logfile_backups", KT_INT, G(logfile_backups), NULL, 0, INT_MAX, 0, NULL},
    {"loglevel", KT_LOGLEVEL, G(loglevel), NULL, 0, 0, 0, NULL},
    {"pidfile", KT_PATH, G(pidfile), NULL, 0, 0, KF_DIRPATH, NULL},
    {"umask", KT_OCTAL, G(umask), NULL, 0, 0, 0, NULL},
    {"nodaemon", KT_IGNBOOL, NOFIELD, NULL, 0, 0, 0, NULL},
    {"silent", KT_IGNBOOL, NOFIELD, NULL, 0, 0, 0, NULL},
    {"minfds", KT_LONG, G(minfds), NULL, 0, LONG_MAX, 0, NULL},
    {"minprocs", KT_LONG, G(minprocs), NULL, 0, LONG_MAX, 0, NULL},
    {"nocleanup", KT_IGNBOOL, NOFIELD, NULL, 0, 0, 0, NULL},
    {"childlogdir", KT_DIR, G(childlogdir), NULL, 0, 0, 0, NULL},
    {"user", KT_RUNAS, G(user), NULL, 0, 0, 0, NULL},
    {"directory", KT_DIR, G(directory), NULL, 0, 0, 0, NULL},
    {"strip_ansi", KT_BOOL, G(strip_ansi), NULL, 0, 0, 0, NULL},
    {"environment", KT_ENVIRON, G(environment), NULL, 0, 0, 0, NULL},
    {"identifier", KT_STRING, G(identifier), NULL, 0, 0, 0, NULL},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

const struct conf_key cfg_unix_http_server_keys[] = {
    {"file", KT_PATH, G(socket), NULL, 0, 0, 0, NULL},
    {"chmod", KT_OCTAL, G(socket_mode), NULL, 0, 0, 0, NULL},
    {"chown", KT_OWNER, G(socket_owner), NULL, 0, 0, 0, NULL},
    {"username", KT_STRING, G(unix_http_username), NULL, 0, 0, 0, NULL},
    {"password", KT_STRING, G(unix_http_password), NULL, 0, 0, KF_SECRET,
        NULL},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

/* supervisord's TCP listener for its API (http.c). */
const struct conf_key cfg_inet_http_server_keys[] = {
    {"port", KT_STRING, G(inet_http_port), NULL, 0, 0, 0, NULL},
    {"username", KT_STRING, G(inet_http_username), NULL, 0, 0, 0, NULL},
    {"password", KT_STRING, G(inet_http_password), NULL, 0, 0, KF_SECRET,
        NULL},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

/* [rpcinterface:supervisor]: the API tendd serves anyway. */
const struct conf_key cfg_rpcinterface_keys[] = {
    {"supervisor.rpcinterface_factory", KT_IGNORED, NOFIELD, NULL, 0, 0, 0,
        NULL},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

const struct conf_key cfg_supervisorctl_keys[] = {
    {"serverurl", KT_SERVERURL, G(serverurl), NULL, 0, 0, 0, NULL},
    {"username", KT_IGNORED, NOFIELD, NULL, 0, 0, 0, NULL},
    {"password", KT_IGNORED, NOFIELD, NULL, 0, 0, 0, NULL},
    {"prompt", KT_IGNORED, NOFIELD, NULL, 0, 0, 0, NULL},
    {"history_file", KT_IGNORED, NOFIELD, NULL, 0, 0, 0, NULL},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

const struct sect_info cfg_sections[] = {
    {"program", true, SK_PROGRAM, cfg_program_keys},
    {"group", true, SK_GROUP, cfg_group_keys},
    {"include", false, SK_INCLUDE, cfg_include_keys},
    {"tend", false, SK_TEND, cfg_tend_keys},
    {"supervisord", false, SK_SUPERVISORD, cfg_supervisord_keys},
    {"unix_http_server", false, SK_UNIX_HTTP_SERVER, cfg_unix_http_server_keys},
    {"supervisorctl", false, SK_SUPERVISORCTL, cfg_supervisorctl_keys},
    {"inet_http_server", false, SK_INET_HTTP_SERVER, cfg_inet_http_server_keys},
    {"rpcinterface", true, SK_RPCINTERFACE, cfg_rpcinterface_keys},
    {"eventlistener", true, SK_EVENTLISTENER, cfg_program_keys},
    {"fcgi-program", true, SK_PROGRAM, cfg_program_keys},
    {"ctlplugin", true, SK_IGNORED, NULL},
};
const size_t cfg_nsections = TEND_NELEM(cfg_sections);

_Static_assert(TEND_NELEM(cfg_program_keys) <= CONF_MAX_SECTION_KEYS &&
                   TEND_NELEM(cfg_tend_keys) <= CONF_MAX_SECTION_KEYS &&
                   TEND_NELEM(cfg_supervisord_keys) <= CONF_MAX_SECTION_KEYS,
    "CONF_MAX_SECTION_KEYS is too small");

/* The keys of the global sections, [tend]'s first: I-th, NULL past the
 * end. */
const struct conf_key *
cfg_global_key(size_t i)
{
	static const struct conf_key *const tabs[] = {cfg_tend_keys,
	    cfg_supervisord_keys, cfg_unix_http_server_keys,
	    cfg_supervisorctl_keys, cfg_inet_http_server_keys,
	    cfg_rpcinterface_keys};
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
const struct conf_key *
cfg_global_key_alias(const struct conf_key *k)
{
	const struct conf_key *e;
	size_t i;

	for (i = 0; (e = cfg_global_key(i)) != NULL && e != k; i++)
		if (e->off == NOFIELD
		        ? k->off == NOFIELD && strcmp(e->name, k->name) == 0
		        : e->off == k->off)
			return e;
	return NULL;
}

const char *
config_section_kind(size_t i)
{
	/* The kinds with keys come first in cfg_sections[]. */
	if (i < TEND_NELEM(cfg_sections) && cfg_sections[i].keys != NULL)
		return cfg_sections[i].name;
	return NULL;
}

const char *
config_key_name(const char *kind, size_t i)
{
	size_t s, n;

	for (s = 0; s < TEND_NELEM(cfg_sections); s++) {
		if (cfg_sections[s].keys == NULL ||
		    strcmp(cfg_sections[s].name, kind) != 0)
			continue;
		for (n = 0; cfg_sections[s].keys[n].name != NULL; n++)
			if (n == i)
				return cfg_sections[s].keys[n].name;
		return NULL;
	}
	return NULL;
}

enum conf_change
config_proc_compare(const struct conf_proc *a, const struct conf_proc *b)
{
	enum conf_change c = CONF_SAME;
	const struct conf_key *k;

	for (k = cfg_program_keys; k->name != NULL; k++) {
		if (!(k->flags & (KF_RESTART | KF_POLICY)) ||
		    cfg_value_equal(k, a, b))
			continue;
		if (k->flags & KF_RESTART)
			return CONF_RESTART;
		c = CONF_POLICY;
	}
	/* Moved to another [program:x] under the same full name. */
	if (!cfg_str_equal(a->program, b->program))
		c = CONF_POLICY;
	return c;
}

size_t
config_dep_name_len(const char *entry, bool *exited)
{
	const char *colon = strrchr(entry, ':');
	size_t n = strlen(entry);

	*exited = false;
	if (colon == NULL || strcmp(colon, ":*") == 0)
		return n;
	if (strcasecmp(colon + 1, "running") != 0 &&
	    strcasecmp(colon + 1, "exited") != 0)
		return 0;
	*exited = strcasecmp(colon + 1, "exited") == 0;
	return (size_t)(colon - entry);
}

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
 * --disable-events, --disable-fcgi, --disable-cgroups, --disable-notify):
 * without it, setting one is an error saying so (KF_ABSENT), never a key
 * silently ignored. */
#ifdef HAVE_HEALTH
#define HEALTH_KEY(flags) (flags)
#else
#define HEALTH_KEY(flags)                                                      \
	((flags) | KF_ABSENT | ABSENT_HEALTH << KF_ABSENT_SHIFT)
#endif
#ifdef HAVE_EVENTS
#define EVENTS_KEY(flags) (flags)
#else
#define EVENTS_KEY(flags)                                                      \
	((flags) | KF_ABSENT | ABSENT_EVENTS << KF_ABSENT_SHIFT)
#endif

#ifdef HAVE_FCGI
#define FCGI_KEY(flags) (flags)
#else
#define FCGI_KEY(flags) ((flags) | KF_ABSENT | ABSENT_FCGI << KF_ABSENT_SHIFT)
#endif
#ifdef HAVE_NOTIFY
#define NOTIFY_KEY(flags) (flags)
#else
#define NOTIFY_KEY(flags)                                                      \
	((flags) | KF_ABSENT | ABSENT_NOTIFY << KF_ABSENT_SHIFT)
#endif
#ifdef HAVE_CGROUPS
#define CGROUP_KEY(flags) (flags)
#else
#define CGROUP_KEY(flags)                                                      \
	((flags) | KF_ABSENT | ABSENT_CGROUPS << KF_ABSENT_SHIFT)
#endif

#define LOGKEYS(s, f)                                                          \
	{s "_logfile", "AUTO", KT_LOGFILE, R_NONE, P(f),                       \
	    KF_PROC | KF_RESTART},                                             \
	    {s "_logfile_maxbytes", "50MB", KT_SIZE, R_NONE, P(f.maxbytes),    \
	        KF_POLICY},                                                    \
	    {s "_logfile_backups", "10", KT_INT, R_NONNEG, P(f.backups),       \
	        KF_POLICY},                                                    \
	    {s "_capture_maxbytes", "0", KT_SIZE, R_NONE,                      \
	        P(f.capture_maxbytes), EVENTS_KEY(KF_POLICY)},                 \
	    {s "_events_enabled", "false", KT_BOOL, R_NONE,                    \
	        P(f.events_enabled), EVENTS_KEY(KF_POLICY)},                   \
	{                                                                      \
		s "_syslog", "false", KT_BOOL, R_NONE, P(f.syslog), KF_RESTART \
	}

/* [program:NAME]: supervisord's keys, then tend's. */
const struct conf_key cfg_program_keys[] = {
    {"command", NULL, KT_COMMAND, R_NONE, P(command),
        KF_PROC | KF_RESTART | KF_POOLED},
    {"process_name", "%(program_name)s", KT_NAME, R_NONE, P(name),
        KF_PROC | KF_POLICY},
    {"numprocs", "1", KT_INT, R_NUMPROCS, P(numprocs), KF_SET},
    {"numprocs_start", "0", KT_INT, R_HALF, P(numprocs_start), KF_SET},
    {"priority", "999", KT_INT, R_INT, P(priority), KF_POLICY},
    {"autostart", "true", KT_BOOL, R_NONE, P(autostart), KF_POLICY},
    {"startsecs", "1", KT_SECONDS, R_NONE, P(startsecs), KF_POLICY},
    {"startretries", "3", KT_INT, R_NONNEG, P(startretries), KF_POLICY},
    {"autorestart", "unexpected", KT_AUTORESTART, R_NONE, P(autorestart),
        KF_POLICY},
    {"exitcodes", "0", KT_EXITCODES, R_NONE, P(exitcodes), KF_POLICY},
    {"stopsignal", "TERM", KT_SIGNAL, R_NONE, P(stopsignal), KF_RESTART},
    {"stopwaitsecs", "10", KT_SECONDS, R_NONE, P(stopwaitsecs), KF_POLICY},
    {"stopasgroup", "false", KT_BOOL, R_NONE, P(stopasgroup), KF_RESTART},
    {"killasgroup", NULL, KT_BOOL, R_NONE, P(killasgroup), KF_RESTART},
    {"user", NULL, KT_USER, R_NONE, P(user),
        KF_RESTART | KF_INHERIT | KF_POOLED},
    {"redirect_stderr", "false", KT_BOOL, R_NONE, P(redirect_stderr),
        KF_RESTART},
    LOGKEYS("stdout", out),
    LOGKEYS("stderr", err),
    {"environment", NULL, KT_ENVIRON, R_NONE, P(environment),
        KF_PROC | KF_RESTART},
    {"directory", NULL, KT_STRING, R_NONE, P(directory),
        KF_PROC | KF_RESTART | KF_INHERIT | KF_POOLED},
    {"umask", NULL, KT_OCTAL, R_NONE, P(umask), KF_RESTART | KF_INHERIT},
    {"serverurl", NULL, KT_STRING, R_NONE, P(serverurl),
        KF_PROC | KF_RESTART | KF_POOLED},
    /* [fcgi-program:x] only: the socket given to the workers as fd 0;
     * a reload keeps it unless socket= changes (fcgisock.c) */
    {"socket", NULL, KT_FCGI_SOCKET, R_NONE, P(fcgi),
        FCGI_KEY(KF_FCGI | KF_RESTART)},
    {"socket_owner", NULL, KT_FCGI_OWNER, R_NONE, P(fcgi),
        FCGI_KEY(KF_FCGI | KF_POLICY)},
    {"socket_mode", NULL, KT_FCGI_MODE, R_NONE, P(fcgi),
        FCGI_KEY(KF_FCGI | KF_POLICY)},
    {"socket_backlog", NULL, KT_FCGI_BACKLOG, R_NONE, P(fcgi),
        FCGI_KEY(KF_FCGI | KF_POLICY)},
    /* tend additions */
    {"stdin_pipe", NULL, KT_BOOL, R_NONE, P(stdin_pipe),
        KF_RESTART | KF_PROGRAM},
    {"readiness", "none", KT_READINESS, R_NONE, P(readiness), KF_RESTART},
    {"depends_on", NULL, KT_NAMELIST, R_NONE, P(depends_on), KF_POLICY},
    {"pdeathsig", "KILL", KT_SIGNAL, R_NONE, P(pdeathsig),
        KF_NONE | KF_RESTART},
    {"environment_file", NULL, KT_PATH, R_NONE, P(environment_file),
        KF_PROC | KF_RESTART | KF_POOLED},
    {"restart_delay", "0", KT_SECONDS, R_NONE, P(restart_delay), KF_POLICY},
    {"restart_backoff_max", "0", KT_SECONDS, R_NONE, P(restart_backoff_max),
        KF_POLICY},
    {"restart_backoff_reset", "60", KT_SECONDS, R_NONE,
        P(restart_backoff_reset), KF_POLICY},
    {"readiness_timeout", "90", KT_SECONDS, R_NONE, P(readiness_timeout),
        KF_POLICY},
    {"watchdog_sec", "0", KT_SECONDS, R_NONE, P(watchdog_sec),
        NOTIFY_KEY(KF_RESTART)},
    {"critical", "false", KT_CRITICAL, R_NONE, P(critical), KF_POLICY},
    {"log_prefix", "false", KT_BOOL, R_NONE, P(log_prefix), KF_RESTART},
    {"log_timestamps", "false", KT_BOOL, R_NONE, P(log_timestamps), KF_RESTART},
    {"stop_leftovers", "true", KT_BOOL, R_NONE, P(stop_leftovers), KF_POLICY},
    {"rlimit_nofile", NULL, KT_RLIMIT, R_NONE, P(rlimit_nofile), KF_RESTART},
    {"rlimit_nproc", NULL, KT_RLIMIT, R_NONE, P(rlimit_nproc), KF_RESTART},
    {"rlimit_core", NULL, KT_RLIMIT, R_NONE, P(rlimit_core), KF_RESTART},
    {"rlimit_as", NULL, KT_RLIMIT, R_NONE, P(rlimit_as), KF_RESTART},
    {"memory_max", "0", KT_SIZE, R_NONE, P(memory_max), CGROUP_KEY(KF_RESTART)},
    {"memory_high", "0", KT_SIZE, R_NONE, P(memory_high),
        CGROUP_KEY(KF_RESTART)},
    {"cpu_max", NULL, KT_PERCENT, R_NONE, P(cpu_max), CGROUP_KEY(KF_RESTART)},
    /* supervisord-dependent-startup's keys, read as tend's */
    {"dependent_startup", NULL, KT_DEPSTART, R_NONE, P(autostart), 0},
    {"dependent_startup_wait_for", NULL, KT_WAITFOR, R_NONE, P(depends_on), 0},
    {"healthcheck", "none", KT_HEALTHCHECK, R_NONE, P(health),
        HEALTH_KEY(KF_PROC | KF_RESTART)},
    /* KF_HEALTH: fields of struct conf_health, after healthcheck= */
    {"healthcheck_interval", "10", KT_SECONDS, R_NONE, HC(interval),
        HEALTH_KEY(KF_HEALTH | KF_RESTART)},
    {"healthcheck_timeout", "5", KT_SECONDS, R_NONE, HC(timeout),
        HEALTH_KEY(KF_HEALTH | KF_RESTART)},
    {"healthcheck_retries", "3", KT_INT, R_POS, HC(retries),
        HEALTH_KEY(KF_HEALTH | KF_RESTART)},
    {"healthcheck_start_period", "0", KT_SECONDS, R_NONE, HC(start_period),
        HEALTH_KEY(KF_HEALTH | KF_RESTART)},
    {"healthcheck_action", "restart", KT_HCACTION, R_NONE, HC(action),
        HEALTH_KEY(KF_HEALTH | KF_RESTART)},
    /* [eventlistener:x] only (a pool) */
    {"events", NULL, KT_EVENTS, R_NONE, P(events), KF_RESTART | KF_LISTENER},
    {"buffer_size", "10", KT_INT, R_POS, P(buffer_size),
        KF_RESTART | KF_LISTENER},
    {"result_handler", NULL, KT_IGNORED, R_NONE, NOFIELD, KF_LISTENER},
    {NULL, NULL, 0, R_NONE, 0, 0},
};

const struct conf_key cfg_group_keys[] = {
    {"programs", NULL, KT_NAMELIST, R_NONE, GR(programs), 0},
    {"priority", "999", KT_INT, R_INT, GR(priority), 0},
    {NULL, NULL, 0, R_NONE, 0, 0},
};

const struct conf_key cfg_include_keys[] = {
    {"files", NULL, KT_INCLUDE, R_NONE, NOFIELD, 0},
    {NULL, NULL, 0, R_NONE, 0, 0},
};

/* [tend]: the global settings under tend's own names. */
const struct conf_key cfg_tend_keys[] = {
    {"socket", NULL, KT_PATH, R_NONE, G(socket), 0},
    {"socket_mode", "0700", KT_OCTAL, R_NONE, G(socket_mode), 0},
    {"socket_owner", NULL, KT_OWNER, R_NONE, G(socket_owner), 0},
    {"logfile", NULL, KT_PATH, R_NONE, G(logfile), KF_DIRPATH | KF_SYSLOG},
    {"logfile_maxbytes", "50MB", KT_SIZE, R_NONE, G(logfile_maxbytes), 0},
    {"logfile_backups", "10", KT_INT, R_NONNEG, G(logfile_backups), 0},
    {"loglevel", "info", KT_LOGLEVEL, R_NONE, G(loglevel), 0},
    {"pidfile", NULL, KT_PATH, R_NONE, G(pidfile), KF_DIRPATH},
    {"umask", "022", KT_OCTAL, R_NONE, G(umask), 0},
    {"directory", NULL, KT_DIR, R_NONE, G(directory), 0},
    {"childlogdir", NULL, KT_DIR, R_NONE, G(childlogdir), 0},
    {"environment", NULL, KT_ENVIRON, R_NONE, G(environment), 0},
    {"identifier", "tend", KT_STRING, R_NONE, G(identifier), 0},
    {"minfds", "1024", KT_LONG, R_LONG, G(minfds), 0},
    {"minprocs", "200", KT_LONG, R_LONG, G(minprocs), 0},
    {"shutdown_timeout", "0", KT_SECONDS, R_NONE, G(shutdown_timeout), 0},
    /* --disable-cgroups: off and auto still mean what they say, a path
     * is refused (cgroup_init) */
    {"cgroup", "auto", KT_STRING, R_NONE, G(cgroup), 0},
    {"strict", "false", KT_BOOL, R_NONE, G(strict), 0},
    {"strip_ansi", "false", KT_BOOL, R_NONE, G(strip_ansi), 0},
    {"http_probes_public", "false", KT_BOOL, R_NONE, G(http_probes_public), 0},
    {NULL, NULL, 0, R_NONE, 0, 0},
};

/* [supervisord]: read into the same fields as [tend]. */
const struct conf_key cfg_supervisord_keys[] = {
    {"logfile", NULL, KT_PATH, R_NONE, G(logfile), KF_DIRPATH | KF_SYSLOG},
    {"logfile_maxbytes", NULL, KT_SIZE, R_NONE, G(logfile_maxbytes), 0},
    {"logfile_backups", NULL, KT_INT, R_NONNEG, G(logfile_backups), 0},
    {"loglevel", NULL, KT_LOGLEVEL, R_NONE, G(loglevel), 0},
    {"pidfile", NULL, KT_PATH, R_NONE, G(pidfile), KF_DIRPATH},
    {"umask", NULL, KT_OCTAL, R_NONE, G(umask), 0},
    {"nodaemon", NULL, KT_IGNBOOL, R_NONE, NOFIELD, 0},
    {"silent", NULL, KT_IGNBOOL, R_NONE, NOFIELD, 0},
    {"minfds", NULL, KT_LONG, R_LONG, G(minfds), 0},
    {"minprocs", NULL, KT_LONG, R_LONG, G(minprocs), 0},
    {"nocleanup", NULL, KT_IGNBOOL, R_NONE, NOFIELD, 0},
    {"childlogdir", NULL, KT_DIR, R_NONE, G(childlogdir), 0},
    {"user", NULL, KT_RUNAS, R_NONE, G(user), 0},
    {"directory", NULL, KT_DIR, R_NONE, G(directory), 0},
    {"strip_ansi", NULL, KT_BOOL, R_NONE, G(strip_ansi), 0},
    {"environment", NULL, KT_ENVIRON, R_NONE, G(environment), 0},
    {"identifier", NULL, KT_STRING, R_NONE, G(identifier), 0},
    {NULL, NULL, 0, R_NONE, 0, 0},
};

const struct conf_key cfg_unix_http_server_keys[] = {
    {"file", NULL, KT_PATH, R_NONE, G(socket), 0},
    {"chmod", NULL, KT_OCTAL, R_NONE, G(socket_mode), 0},
    {"chown", NULL, KT_OWNER, R_NONE, G(socket_owner), 0},
    {"username", NULL, KT_STRING, R_NONE, G(unix_http_username), 0},
    {"password", NULL, KT_STRING, R_NONE, G(unix_http_password), KF_SECRET},
    {NULL, NULL, 0, R_NONE, 0, 0},
};

/* supervisord's TCP listener for its API (http.c). */
const struct conf_key cfg_inet_http_server_keys[] = {
    {"port", NULL, KT_STRING, R_NONE, G(inet_http_port), 0},
    {"username", NULL, KT_STRING, R_NONE, G(inet_http_username), 0},
    {"password", NULL, KT_STRING, R_NONE, G(inet_http_password), KF_SECRET},
    {NULL, NULL, 0, R_NONE, 0, 0},
};

/* [rpcinterface:supervisor]: the API tendd serves anyway. */
const struct conf_key cfg_rpcinterface_keys[] = {
    {"supervisor.rpcinterface_factory", NULL, KT_IGNORED, R_NONE, NOFIELD, 0},
    {NULL, NULL, 0, R_NONE, 0, 0},
};

const struct conf_key cfg_supervisorctl_keys[] = {
    {"serverurl", NULL, KT_SERVERURL, R_NONE, G(serverurl), 0},
    {"username", NULL, KT_IGNORED, R_NONE, NOFIELD, 0},
    {"password", NULL, KT_IGNORED, R_NONE, NOFIELD, 0},
    {"prompt", NULL, KT_IGNORED, R_NONE, NOFIELD, 0},
    {"history_file", NULL, KT_IGNORED, R_NONE, NOFIELD, 0},
    {NULL, NULL, 0, R_NONE, 0, 0},
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

/* Fields and flags fit struct conf_key's short members. */
_Static_assert(sizeof(struct conf_proc) < NOFIELD &&
                   sizeof(struct conf_global) < NOFIELD &&
                   sizeof(struct conf_group) < NOFIELD &&
                   sizeof(struct conf_health) < NOFIELD &&
                   KF_ABSENT < 1u << KF_ABSENT_SHIFT && KT_EVENTS < 256,
    "struct conf_key's members are too small");

const char *
cfg_key_absent(const struct conf_key *k)
{
	static const char *const names[] = {
	    [ABSENT_HEALTH] = "health",
	    [ABSENT_EVENTS] = "events",
	    [ABSENT_FCGI] = "fcgi",
	    [ABSENT_CGROUPS] = "cgroups",
	    [ABSENT_NOTIFY] = "notify",
	};

	unsigned a = k->flags >> KF_ABSENT_SHIFT;

	return a < TEND_NELEM(names) && names[a] != NULL ? names[a] : "?";
}

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

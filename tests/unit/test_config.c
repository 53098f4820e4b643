/*
 * test_config.c: the config loader, key class by key class and error class
 * by error class, with exact "FILE:LINE: message" texts.
 *
 * Most cases write a small file into a private temporary directory and
 * load it by a relative name, so messages read "t.conf:3: ...".  The
 * fixtures (tests/unit/fixtures/config, found through $TEND_SRCDIR or
 * this file's path) hold the bigger files: a real supervisord.conf with
 * includes, include loops, nesting, and a file with many mistakes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

static char tmpdir[PATH_MAX];
static char fixdir[PATH_MAX];

static int
setup_group(void **state)
{
	const char *src = getenv("TEND_SRCDIR");
	char *slash;

	(void)state;
	if (src != NULL && *src != '\0') {
		(void)snprintf(fixdir, sizeof(fixdir),
		    "%s/tests/unit/fixtures/config", src);
	} else {
		/* __FILE__ is this file's path as the compiler saw it. */
		(void)snprintf(fixdir, sizeof(fixdir), "%s", __FILE__);
		slash = strrchr(fixdir, '/');
		if (slash != NULL)
			*slash = '\0';
		else
			(void)snprintf(fixdir, sizeof(fixdir), ".");
		(void)strncat(fixdir, "/fixtures/config",
		    sizeof(fixdir) - strlen(fixdir) - 1);
	}
	(void)snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_config.XXXXXX");
	if (mkdtemp(tmpdir) == NULL || chdir(tmpdir) == -1)
		return -1;
	setenv("TEND_TEST_VAR", "from-env", 1);
	unsetenv("TEND_TEST_UNSET");
	return 0;
}

static int
teardown_group(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	if (chdir("/") == -1)
		return -1;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
write_file(const char *name, const char *text)
{
	FILE *fp = fopen(name, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* Load TEXT as t.conf; expect success. */
static struct tend_conf *
load_ok(const char *text)
{
	struct conf_errors errs = {NULL, 0};
	struct tend_conf *conf;
	size_t i;

	write_file("t.conf", text);
	conf = config_load("t.conf", &errs);
	for (i = 0; i < errs.n; i++)
		print_message("unexpected: %s\n", errs.msgs[i]);
	assert_int_equal(errs.n, 0);
	assert_non_null(conf);
	return conf;
}

/* The N messages GOT are exactly WANT (NULL-terminated). */
static void
assert_msgs(char *const *got, size_t ngot, const char *const *want)
{
	size_t i, n = 0;

	while (want[n] != NULL)
		n++;
	for (i = 0; i < ngot; i++)
		if (i >= n || strcmp(got[i], want[i]) != 0)
			print_message("got:  %s\nwant: %s\n", got[i],
			    i < n ? want[i] : "(nothing)");
	assert_int_equal(ngot, n);
	for (i = 0; i < n; i++)
		assert_string_equal(got[i], want[i]);
}

/* Load FILE with FLAGS; expect failure with exactly the messages WANT
 * (NULL-terminated). */
static void
load_file_fails_flags(const char *file, unsigned flags, const char *const *want)
{
	struct conf_errors errs = {NULL, 0};
	struct tend_conf *conf;

	conf = config_load_flags(file, flags, &errs);
	assert_null(conf);
	assert_msgs(errs.msgs, errs.n, want);
	config_errors_free(&errs);
}

static void
load_file_fails(const char *file, const char *const *want)
{
	load_file_fails_flags(file, 0, want);
}

static void
load_fails(const char *text, const char *const *want)
{
	write_file("t.conf", text);
	load_file_fails("t.conf", want);
}

/* Load TEXT; expect success with exactly the warnings WANT, and (strict)
 * failure with them as errors. */
static void
load_warns(const char *text, const char *const *want)
{
	struct tend_conf *conf = load_ok(text);

	assert_msgs(conf->warnings, conf->nwarnings, want);
	config_free(conf);
	load_file_fails_flags("t.conf", CONFIG_STRICT, want);
}

/* One bad value in an otherwise good [program:x] (its line is 3). */
static void
bad_value(const char *key, const char *value, const char *msg)
{
	char text[512], want[512];

	(void)snprintf(text, sizeof(text),
	    "[program:x]\ncommand=/bin/true\n%s=%s\n", key, value);
	(void)snprintf(want, sizeof(want), "t.conf:3: %s: %s", key, msg);
	load_fails(text, (const char *[]){want, NULL});
}

#define STRV(...) ((const char *[]){__VA_ARGS__, NULL})

/* ------------------------------------------------------------------ */

static void
test_defaults(void **state)
{
	struct tend_conf *conf = load_ok("[program:x]\ncommand=sleep 5\n");
	const struct conf_proc *p;

	(void)state;
	assert_int_equal(conf->nprocs, 1);
	p = conf->procs[0];
	assert_string_equal(p->name, "x");
	assert_string_equal(p->program, "x");
	assert_string_equal(p->group, "x");
	assert_int_equal(p->process_num, 0);
	assert_int_equal(p->numprocs, 1);
	assert_string_equal(p->command, "sleep 5");
	/* A bare name stays bare: PATH lookup happens at spawn. */
	assert_string_equal(p->argv[0], "sleep");
	assert_string_equal(p->argv[1], "5");
	assert_null(p->argv[2]);
	assert_null(p->directory);
	assert_null(p->user);
	assert_int_equal(p->umask, -1);
	assert_null(p->environment);
	assert_null(p->environment_file);
	assert_int_equal(p->priority, 999);
	assert_true(p->autostart);
	assert_int_equal(p->autorestart, CONF_AUTORESTART_UNEXPECTED);
	assert_true(p->startsecs == 1.0);
	assert_int_equal(p->startretries, 3);
	assert_true(conf_exitcode_expected(&p->exitcodes, 0));
	assert_false(conf_exitcode_expected(&p->exitcodes, 1));
	assert_int_equal(p->stopsignal, SIGTERM);
	assert_true(p->stopwaitsecs == 10.0);
	assert_false(p->stopasgroup);
	assert_false(p->killasgroup);
	assert_false(p->redirect_stderr);
	assert_int_equal(p->out.kind, CONF_LOG_AUTO);
	assert_null(p->out.path);
	assert_int_equal(p->out.maxbytes, 50 * 1024 * 1024);
	assert_int_equal(p->out.backups, 10);
	assert_int_equal(p->out.capture_maxbytes, 0);
	assert_false(p->out.events_enabled);
	assert_false(p->out.syslog);
	assert_int_equal(p->err.kind, CONF_LOG_AUTO);
	assert_int_equal(p->err.maxbytes, 50 * 1024 * 1024);
	assert_int_equal(p->readiness, CONF_READINESS_NONE);
	assert_null(p->depends_on);
	assert_int_equal(p->pdeathsig, SIGKILL);
	assert_true(p->restart_delay == 0);
	assert_true(p->restart_backoff_max == 0);
	assert_true(p->restart_backoff_reset == 60);
	assert_string_equal(p->file, "t.conf");
	assert_int_equal(p->line, 1);
	/* Globals. */
	assert_null(conf->global.socket);
	assert_int_equal(conf->global.socket_mode, 0700);
	assert_int_equal(conf->global.socket_uid, (uid_t)-1);
	assert_int_equal(conf->global.umask, 022);
	assert_int_equal(conf->global.loglevel, LOG_LVL_INFO);
	assert_int_equal(conf->global.minfds, 1024);
	assert_int_equal(conf->global.minprocs, 200);
	assert_non_null(conf->global.childlogdir);
	assert_int_equal(conf->nwarnings, 0);
	assert_true(conf->path[0] == '/');
	config_free(conf);
}

static void
test_every_program_key(void **state)
{
	struct tend_conf *conf =
	    load_ok("[program:x]\n"
	            "command = /bin/echo 'a b' \"c\"\n"
	            "process_name = proc_%(process_num)d\n"
	            "numprocs = 2\n"
	            "numprocs_start = 3\n"
	            "priority = -5\n"
	            "autostart = no\n"
	            "startsecs = 0.5\n"
	            "startretries = 0\n"
	            "autorestart = TRUE\n"
	            "exitcodes = 0, 2,255\n"
	            "stopsignal = SIGINT\n"
	            "stopwaitsecs = 3\n"
	            "stopasgroup = on\n"
	            "user = root\n"
	            "redirect_stderr = 1\n"
	            "stdout_logfile = /tmp/out-%(process_num)d.log\n"
	            "stdout_logfile_maxbytes = 1KB\n"
	            "stdout_logfile_backups = 0\n"
	            "stdout_capture_maxbytes = 2mb\n"
	            "stdout_events_enabled = yes\n"
	            "stdout_syslog = true\n"
	            "stderr_logfile = none\n"
	            "stderr_logfile_maxbytes = 1GB\n"
	            "stderr_logfile_backups = 7\n"
	            "stderr_capture_maxbytes = 12\n"
	            "stderr_events_enabled = off\n"
	            "stderr_syslog = 0\n"
	            "environment = A=1,B=\"x,y\",C='q r'\n"
	            "directory = /tmp\n"
	            "umask = 027\n"
	            "serverurl = AUTO\n"
	            "readiness = notify\n"
	            "pdeathsig = TERM\n"
	            "environment_file = /etc/default/x\n"
	            "restart_delay = 2\n"
	            "restart_backoff_max = 30\n"
	            "restart_backoff_reset = 120\n");
	const struct conf_proc *p;

	(void)state;
	assert_int_equal(conf->nprocs, 2);
	/* The instances share their common strings (the string pool). */
	assert_ptr_equal(conf->procs[0]->program, conf->procs[1]->program);
	assert_ptr_equal(conf->procs[0]->command, conf->procs[1]->command);
	assert_ptr_equal(conf->procs[0]->argv[1], conf->procs[1]->argv[1]);
	assert_ptr_not_equal(conf->procs[0]->name, conf->procs[1]->name);
	assert_ptr_not_equal(conf->procs[0]->argv, conf->procs[1]->argv);
	p = conf->procs[1];
	assert_string_equal(p->name, "proc_4");
	assert_int_equal(p->process_num, 4);
	assert_int_equal(p->numprocs, 2);
	assert_string_equal(p->argv[0], "/bin/echo");
	assert_string_equal(p->argv[1], "a b");
	assert_string_equal(p->argv[2], "c");
	assert_int_equal(p->priority, -5);
	assert_false(p->autostart);
	assert_true(p->startsecs == 0.5);
	assert_int_equal(p->startretries, 0);
	assert_int_equal(p->autorestart, CONF_AUTORESTART_TRUE);
	assert_true(conf_exitcode_expected(&p->exitcodes, 0));
	assert_true(conf_exitcode_expected(&p->exitcodes, 2));
	assert_true(conf_exitcode_expected(&p->exitcodes, 255));
	assert_false(conf_exitcode_expected(&p->exitcodes, 1));
	assert_int_equal(p->stopsignal, SIGINT);
	assert_true(p->stopwaitsecs == 3);
	assert_true(p->stopasgroup);
	/* stopasgroup implies killasgroup, as in supervisord. */
	assert_true(p->killasgroup);
	assert_string_equal(p->user, "root");
	assert_int_equal(p->uid, 0);
	assert_int_equal(p->gid, 0);
	assert_true(p->redirect_stderr);
	assert_int_equal(p->out.kind, CONF_LOG_FILE);
	assert_string_equal(p->out.path, "/tmp/out-4.log");
	assert_int_equal(p->out.maxbytes, 1024);
	assert_int_equal(p->out.backups, 0);
	assert_int_equal(p->out.capture_maxbytes, 2 * 1024 * 1024);
	assert_true(p->out.events_enabled);
	assert_true(p->out.syslog);
	assert_int_equal(p->err.kind, CONF_LOG_NONE);
	assert_int_equal(p->err.maxbytes, 1024ULL * 1024 * 1024);
	assert_int_equal(p->err.backups, 7);
	assert_int_equal(p->err.capture_maxbytes, 12);
	assert_false(p->err.events_enabled);
	assert_false(p->err.syslog);
	assert_string_equal(p->environment[0], "A=1");
	assert_string_equal(p->environment[1], "B=x,y");
	assert_string_equal(p->environment[2], "C=q r");
	assert_null(p->environment[3]);
	assert_string_equal(p->directory, "/tmp");
	assert_int_equal(p->umask, 027);
	assert_int_equal(p->readiness, CONF_READINESS_NOTIFY);
	assert_int_equal(p->pdeathsig, SIGTERM);
	assert_string_equal(p->environment_file, "/etc/default/x");
	assert_true(p->restart_delay == 2);
	assert_true(p->restart_backoff_max == 30);
	assert_true(p->restart_backoff_reset == 120);
	config_free(conf);
}

static void
test_booleans(void **state)
{
	static const char *const yes[] = {"true", "TRUE", "yes", "On", "1"};
	static const char *const no[] = {"false", "No", "off", "0"};
	char text[128];
	struct tend_conf *conf;
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		(void)snprintf(text, sizeof(text),
		    "[program:x]\ncommand=a\nautostart=%s\n", yes[i]);
		conf = load_ok(text);
		assert_true(conf->procs[0]->autostart);
		config_free(conf);
	}
	for (i = 0; i < 4; i++) {
		(void)snprintf(text, sizeof(text),
		    "[program:x]\ncommand=a\nautostart=%s\n", no[i]);
		conf = load_ok(text);
		assert_false(conf->procs[0]->autostart);
		config_free(conf);
	}
	/* stdin_pipe: supervisord's API asks for it, unless opted out. */
	conf = load_ok("[program:x]\ncommand=a\n");
	assert_false(conf->procs[0]->stdin_pipe);
	config_free(conf);
	conf = load_ok("[rpcinterface:supervisor]\n"
	               "supervisor.rpcinterface_factory=x:y\n"
	               "[program:x]\ncommand=a\n"
	               "[program:y]\ncommand=a\nstdin_pipe=false\n");
	assert_true(conf->procs[0]->stdin_pipe);
	assert_false(conf->procs[1]->stdin_pipe);
	config_free(conf);
	conf = load_ok("[program:x]\ncommand=a\nstdin_pipe=yes\n");
	assert_true(conf->procs[0]->stdin_pipe);
	config_free(conf);
	bad_value(
	    "autostart", "maybe", "'maybe' is not a boolean (true or false)");
	bad_value(
	    "redirect_stderr", "2", "'2' is not a boolean (true or false)");
}

static void
test_bad_numbers(void **state)
{
	(void)state;
	bad_value("numprocs", "two", "'two' is not an integer");
	bad_value("numprocs", "0", "'0' is less than 1");
	bad_value("startretries", "-1", "'-1' is less than 0");
	bad_value("priority", "1.5", "'1.5' is not an integer");
	bad_value("priority", "", "'' is not an integer");
	bad_value("stdout_logfile_backups", "-3", "'-3' is less than 0");
	bad_value("startsecs", "soon", "'soon' is not a number of seconds");
	bad_value("stopwaitsecs", "-1",
	    "'-1' is out of range (0 to 1000000000 seconds)");
	bad_value("restart_delay", "1s", "'1s' is not a number of seconds");
}

static void
test_sizes(void **state)
{
	struct tend_conf *conf;

	(void)state;
	conf = load_ok("[program:x]\ncommand=a\nstdout_logfile_maxbytes=3gb\n"
	               "stderr_logfile_maxbytes=10\n");
	assert_int_equal(conf->procs[0]->out.maxbytes, 3ULL << 30);
	assert_int_equal(conf->procs[0]->err.maxbytes, 10);
	config_free(conf);
	bad_value("stdout_logfile_maxbytes", "50XB",
	    "'50XB' is not a size (a number with an optional KB, MB or GB suffix)");
	bad_value("stderr_capture_maxbytes", "-1KB",
	    "'-1KB' is not a size (a number with an optional KB, MB or GB suffix)");
}

static void
test_signals_and_enums(void **state)
{
	struct tend_conf *conf;

	(void)state;
	conf = load_ok("[program:x]\ncommand=a\nstopsignal=hup\n"
	               "pdeathsig=none\nautorestart=unexpected\n");
	assert_int_equal(conf->procs[0]->stopsignal, SIGHUP);
	assert_int_equal(conf->procs[0]->pdeathsig, 0);
	config_free(conf);
	bad_value("stopsignal", "FOO", "unknown signal 'FOO'");
	bad_value("pdeathsig", "SIGNOPE", "unknown signal 'SIGNOPE'");
	bad_value("autorestart", "maybe",
	    "'maybe' is not one of true, false, unexpected");
	bad_value(
	    "readiness", "systemd", "'systemd' is not one of none, notify, health");
}

/* healthcheck= and its keys: defaults, each kind, bad values. */
static void
test_healthcheck(void **state)
{
	struct tend_conf *conf = load_ok("[program:x]\ncommand=a\n");
	const struct conf_proc *p = conf->procs[0];

	(void)state;
	/* No probe, no struct: the healthcheck_* values live in it. */
	assert_null(p->health);
	config_free(conf);
	conf = load_ok("[program:x]\ncommand=a\nhealthcheck_retries=7\n"
	               "[program:y]\ncommand=a\nhealthcheck=tcp:h:1\n");
	assert_null(conf->procs[0]->health);
	p = conf->procs[1];
	assert_true(p->health->o.interval == 10 && p->health->o.timeout == 5);
	assert_true(p->health->o.start_period == 0);
	assert_int_equal(p->health->o.retries, 3);
	assert_int_equal(p->health->o.action, CONF_HEALTH_RESTART);
	config_free(conf);

	conf = load_ok("[program:x]\ncommand=a\nnumprocs=2\n"
	               "process_name=x%(process_num)d\n"
	               "healthcheck=http://127.0.0.1:80%(process_num)02d/ok?a=1\n"
	               "healthcheck_action=signal:HUP\nreadiness=health\n"
	               "healthcheck_retries=1\nhealthcheck_start_period=2.5\n");
	p = conf->procs[1];
	assert_int_equal(p->health->kind, CONF_HEALTH_HTTP);
	assert_string_equal(p->health->host, "127.0.0.1");
	assert_int_equal(p->health->port, 8001);
	assert_string_equal(p->health->path, "/ok?a=1");
	assert_int_equal(p->health->o.action, SIGHUP);
	assert_int_equal(p->readiness, CONF_READINESS_HEALTH);
	assert_int_equal(p->health->o.retries, 1);
	assert_true(p->health->o.start_period == 2.5);
	config_free(conf);

	conf = load_ok("[program:x]\ncommand=a\nhealthcheck=tcp:[::1]:5432\n"
	               "healthcheck_action=none\n"
	               "[program:y]\ncommand=a\nhealthcheck=http://web\n"
	               "[program:z]\ncommand=a\n"
	               "healthcheck=exec:pg_isready -h 'a b'\n");
	p = conf->procs[0];
	assert_int_equal(p->health->kind, CONF_HEALTH_TCP);
	assert_string_equal(p->health->host, "::1");
	assert_int_equal(p->health->port, 5432);
	assert_int_equal(p->health->o.action, CONF_HEALTH_NONE);
	p = conf->procs[1];
	assert_string_equal(p->health->host, "web");
	assert_int_equal(p->health->port, 80);
	assert_string_equal(p->health->path, "/");
	p = conf->procs[2];
	assert_int_equal(p->health->kind, CONF_HEALTH_EXEC);
	assert_string_equal(p->health->argv[0], "pg_isready");
	assert_string_equal(p->health->argv[2], "a b");
	assert_null(p->health->argv[3]);
	config_free(conf);

	bad_value("healthcheck", "ping",
	    "'ping' is not exec:COMMAND, tcp:HOST:PORT, http://HOST:PORT/PATH "
	    "or none");
	bad_value("healthcheck", "tcp:localhost",
	    "'localhost' is not HOST:PORT (port 1-65535)");
	bad_value("healthcheck", "tcp:h:70000",
	    "'h:70000' is not HOST:PORT (port 1-65535)");
	bad_value("healthcheck", "exec:", "exec: with no command");
	bad_value("healthcheck_action", "kill",
	    "'kill' is not one of restart, none, signal:SIG");
	bad_value("healthcheck_action", "signal:NOPE",
	    "'signal:NOPE' is not one of restart, none, signal:SIG");
	bad_value("healthcheck_retries", "0", "'0' is less than 1");
}

/* tend's readiness_timeout, watchdog_sec, critical and [tend]
 * shutdown_timeout (issue 8). */
static void
test_readiness_watchdog_critical(void **state)
{
	struct tend_conf *conf;

	(void)state;
	conf = load_ok("[program:x]\ncommand=a\n");
	assert_true(conf->procs[0]->readiness_timeout == 90);
	assert_true(conf->procs[0]->watchdog_sec == 0);
	assert_int_equal(conf->procs[0]->critical, CONF_CRITICAL_FALSE);
	assert_true(conf->global.shutdown_timeout == 0);
	config_free(conf);
	conf = load_ok("[tend]\nshutdown_timeout=7.5\n"
	               "[program:x]\ncommand=a\nreadiness_timeout=0\n"
	               "watchdog_sec=2.5\ncritical=true\n"
	               "[program:y]\ncommand=a\ncritical=exit\n"
	               "[program:z]\ncommand=a\ncritical=FATAL\n");
	assert_true(conf->global.shutdown_timeout == 7.5);
	assert_true(conf->procs[0]->readiness_timeout == 0);
	assert_true(conf->procs[0]->watchdog_sec == 2.5);
	assert_int_equal(conf->procs[0]->critical, CONF_CRITICAL_FATAL);
	assert_int_equal(conf->procs[1]->critical, CONF_CRITICAL_EXIT);
	assert_int_equal(conf->procs[2]->critical, CONF_CRITICAL_FATAL);
	/* watchdog_sec changes the environment: a restart is needed */
	assert_int_equal(config_proc_compare(conf->procs[0], conf->procs[1]), CONF_RESTART);
	config_free(conf);
	bad_value("critical", "sometimes",
	    "'sometimes' is not one of false, true, fatal, exit");
	bad_value("watchdog_sec", "often", "'often' is not a number of seconds");
	bad_value("readiness_timeout", "-1",
	    "'-1' is out of range (0 to 1000000000 seconds)");
}

static void
test_exitcodes(void **state)
{
	struct tend_conf *conf;

	(void)state;
	conf = load_ok("[program:x]\ncommand=a\nexitcodes=\n");
	assert_false(conf_exitcode_expected(&conf->procs[0]->exitcodes, 0));
	config_free(conf);
	bad_value("exitcodes", "0,x", "'x' is not an exit code (0 to 255)");
	bad_value("exitcodes", "300", "'300' is not an exit code (0 to 255)");
	bad_value("exitcodes", "-1", "'-1' is not an exit code (0 to 255)");
}

static void
test_umask_and_user(void **state)
{
	(void)state;
	bad_value("umask", "999", "'999' is not an octal mode (such as 022)");
	bad_value(
	    "umask", "01000", "'01000' is not an octal mode (such as 022)");
	bad_value("user", "nosuchuser_tend", "unknown user 'nosuchuser_tend'");
}

static void
test_environment(void **state)
{
	struct tend_conf *conf;
	const struct conf_proc *p;

	(void)state;
	conf =
	    load_ok("[tend]\nenvironment=G=1,A=global\n"
	            "[program:x]\ncommand=a\n"
	            "environment=A=\"quoted, with comma\", PATH=/usr/bin:/bin,"
	            "EMPTY=,N=%(process_num)d\n");
	p = conf->procs[0];
	assert_string_equal(p->environment[0], "G=1");
	assert_string_equal(p->environment[1], "A=quoted, with comma");
	assert_string_equal(p->environment[2], "PATH=/usr/bin:/bin");
	assert_string_equal(p->environment[3], "EMPTY=");
	assert_string_equal(p->environment[4], "N=0");
	assert_null(p->environment[5]);
	config_free(conf);
	bad_value("environment", "JUSTKEY", "expected KEY=VALUE at 'JUSTKEY'");
	bad_value("environment", "A=\"open",
	    "unbalanced double quote in the value of A");
	bad_value("environment", "A='x'y",
	    "expected ',' after the quoted value of A");
}

static void
test_command(void **state)
{
	(void)state;
	bad_value("command", "", "empty command");
	bad_value("command", "   ", "empty command");
	bad_value("command", "sh -c 'echo", "unbalanced single quote");
	bad_value("command", "sh -c \"echo", "unbalanced double quote");
	load_fails("[program:x]\nautostart=true\n",
	    STRV("t.conf:1: [program:x] has no command="));
}

static void
test_interpolation(void **state)
{
	struct tend_conf *conf;
	const struct conf_proc *p;
	char want[PATH_MAX + 32];

	(void)state;
	conf = load_ok("[program:x]\n"
	               "command=/bin/echo %(program_name)s %(group_name)s "
	               "%(ENV_TEND_TEST_VAR)s %(host_node_name)s 100%%\n"
	               "directory=%(here)s\n");
	p = conf->procs[0];
	assert_string_equal(p->argv[1], "x");
	assert_string_equal(p->argv[2], "x");
	assert_string_equal(p->argv[3], "from-env");
	assert_true(strlen(p->argv[4]) > 0);
	assert_string_equal(p->argv[5], "100%");
	(void)snprintf(want, sizeof(want), "%s", tmpdir);
	assert_string_equal(p->directory, want);
	config_free(conf);
	bad_value("command", "%(nope)s",
	    "%(nope): unknown name 'nope' (known: group_name, here, host_node_name, numprocs, process_num, program_name, ENV_*)");
	bad_value("command", "%(ENV_TEND_TEST_UNSET)s",
	    "%(ENV_TEND_TEST_UNSET): TEND_TEST_UNSET is not set in tendd's environment");
	/* %(process_num) only exists where a value is per process. */
	bad_value("priority", "%(process_num)d",
	    "%(process_num): unknown name 'process_num' (known: group_name, here, host_node_name, program_name, ENV_*)");
	bad_value("command", "date +%s",
	    "stray '%' in 'date +%s' (write %% for a literal %)");
}

static void
test_numprocs(void **state)
{
	struct tend_conf *conf;
	size_t i;

	(void)state;
	conf = load_ok("[program:w]\ncommand=sleep %(process_num)d\n"
	               "process_name=%(program_name)s_%(process_num)02d\n"
	               "numprocs=3\nnumprocs_start=8\n");
	assert_int_equal(conf->nprocs, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(conf->procs[i]->process_num, 8 + (int)i);
	assert_string_equal(conf->procs[0]->name, "w_08");
	assert_string_equal(conf->procs[2]->name, "w_10");
	assert_string_equal(conf->procs[2]->argv[1], "10");
	assert_string_equal(conf->procs[2]->group, "w");
	config_free(conf);
	load_fails("[program:w]\ncommand=a\nnumprocs=2\n",
	    STRV(
	        "t.conf:3: %(process_num) must be present within process_name when numprocs > 1"));
	load_fails("[program:w]\ncommand=a\nnumprocs=2\nprocess_name=w\n",
	    STRV(
	        "t.conf:4: %(process_num) must be present within process_name when numprocs > 1"));
	bad_value(
	    "process_name", "a b", "invalid name 'a b': ' ' is not allowed");
}

static void
test_duplicates(void **state)
{
	struct conf_errors errs = {NULL, 0};
	struct tend_conf *conf;

	(void)state;
	/* A section twice in a file: one section (configparser, strict
	 * off). */
	load_warns("[program:a]\ncommand=x\n[program:a]\ncommand=y\n",
	    STRV("t.conf:3: duplicate section [program:a]: its keys are added to line 1's",
	        "t.conf:4: duplicate key 'command' in [program:a]; this one replaces line 2"));
	/* Process names are unique within a group (supervisord). */
	load_fails("[program:a]\ncommand=x\nprocess_name=p\n"
	           "[program:b]\ncommand=y\nprocess_name=p\n"
	           "[group:g]\nprograms=a,b\n",
	    STRV(
	        "t.conf:4: duplicate process name 'g:p' (also made by [program:a] at t.conf:1)"));
	/* A duplicate key: the last wins, with a warning (supervisord). */
	write_file("t.conf", "[program:a]\ncommand=x\ncommand=y\n");
	conf = config_load("t.conf", &errs);
	assert_non_null(conf);
	assert_string_equal(conf->procs[0]->command, "y");
	assert_int_equal(conf->nwarnings, 1);
	assert_string_equal(conf->warnings[0],
	    "t.conf:3: duplicate key 'command' in [program:a]; this one replaces line 2");
	config_free(conf);
}

static void
test_stopasgroup(void **state)
{
	struct tend_conf *conf;

	(void)state;
	conf = load_ok("[program:x]\ncommand=a\nkillasgroup=true\n");
	assert_false(conf->procs[0]->stopasgroup);
	assert_true(conf->procs[0]->killasgroup);
	config_free(conf);
	load_fails(
	    "[program:x]\ncommand=a\nstopasgroup=true\nkillasgroup=false\n",
	    STRV(
	        "t.conf:4: killasgroup: cannot be false when stopasgroup is true"));
}

static void
test_unknown_keys_and_sections(void **state)
{
	struct conf_errors errs = {NULL, 0};
	struct tend_conf *conf;

	(void)state;
	/* supervisord ignores what it does not know: warnings, and the file
	 * runs (errors with -n --strict or [tend] strict=true). */
	load_warns("[program:x]\ncommand=a\nautostrat=true\nfrobnicate=1\n"
	           "auto_start=false\n",
	    STRV(
	        "t.conf:3: unknown key 'autostrat' in [program:x] (ignored); did you mean 'autostart'?",
	        "t.conf:4: unknown key 'frobnicate' in [program:x] (ignored)",
	        "t.conf:5: unknown key 'auto_start' in [program:x] (ignored); did you mean 'autostart'?"));
	load_warns("[programs:x]\ncommand=a\n[web]\nx=1\n[tend]\nsockt=/x\n"
	           "[program:y]\ncommand=a\n",
	    STRV(
	        "t.conf:1: unknown section [programs:x] (ignored); did you mean [program:x]?",
	        "t.conf:3: unknown section [web] (ignored)",
	        "t.conf:6: unknown key 'sockt' in [tend] (ignored); did you mean 'socket'?"));
	/* Keys in the wrong section, as real configs have them. */
	load_warns("[supervisord]\nnodaemon=true\nstdout_logfile=/dev/stdout\n"
	           "stopsignal=QUIT\nautorestart=true\n"
	           "[unix_http_server]\nfile=/tmp/t.sock\nnodaemon=true\n"
	           "[supervisorctl]\nfiles=x\n"
	           "[program:y]\ncommand=a\nprograms=y\n",
	    STRV(
	        "t.conf:3: unknown key 'stdout_logfile' in [supervisord] (ignored); 'stdout_logfile' belongs in [program:x]",
	        "t.conf:4: unknown key 'stopsignal' in [supervisord] (ignored); 'stopsignal' belongs in [program:x]",
	        "t.conf:5: unknown key 'autorestart' in [supervisord] (ignored); 'autorestart' belongs in [program:x]",
	        "t.conf:8: unknown key 'nodaemon' in [unix_http_server] (ignored); 'nodaemon' belongs in [supervisord]",
	        "t.conf:10: unknown key 'files' in [supervisorctl] (ignored); 'files' belongs in [include]",
	        "t.conf:13: unknown key 'programs' in [program:y] (ignored); 'programs' belongs in [group:x]"));
	/* [tend] strict=true: the same as tendd -n --strict. */
	load_fails("[tend]\nstrict=true\n[program:x]\ncommand=a\nautostrat=1\n",
	    STRV(
	        "t.conf:5: unknown key 'autostrat' in [program:x] (ignored); did you mean 'autostart'?"));
	/* Unimplemented supervisord sections: a warning, and the rest runs. */
	write_file("t.conf", "[inet_http_server]\nport=9001\n"
	                     "[rpcinterface:twiddler]\nx=y\n"
	                     "[eventlistener:e]\ncommand=x\nevents=TICK_5\n"
	                     "[fcgi-program:f]\ncommand=x\n"
	                     "socket=tcp://127.0.0.1:9000\n"
	                     "[ctlplugin:c]\nx=y\n"
	                     "[rpcinterface:supervisor]\n"
	                     "supervisor.rpcinterface_factory=x:y\n"
	                     "[program:x]\ncommand=a\n");
	conf = config_load("t.conf", &errs);
	assert_non_null(conf);
	assert_int_equal(errs.n, 0);
	assert_int_equal(conf->nprocs, 3);
	assert_int_equal(conf->nwarnings, 2);
	assert_string_equal(conf->warnings[0],
	    "t.conf:3: [rpcinterface:twiddler] is not implemented by tend; section ignored");
	assert_string_equal(conf->warnings[1],
	    "t.conf:11: [ctlplugin:c] is not implemented by tend; section ignored");
	assert_string_equal(conf->global.inet_http_port, "9001");
	config_free(conf);
}

static void
test_syntax_errors(void **state)
{
	(void)state;
	load_fails("orphan=1\n"
	           "[program:x]\n"
	           "command=a\n"
	           "this line has no equals sign\n"
	           "= value\n"
	           "[broken\n"
	           "key=ignored\n"
	           "[]\n"
	           "[program:y]\n"
	           "command=b\n",
	    STRV(
	        "t.conf:1: syntax error: 'orphan=1' comes before any [section]",
	        "t.conf:4: syntax error: 'this line has no equals sign' is neither '[section]' nor 'key = value'",
	        "t.conf:5: syntax error: no key name before '='",
	        "t.conf:6: syntax error: section header without ']'",
	        "t.conf:8: syntax error: bad section header '[]'"));
	load_fails("[program:]\ncommand=a\n[program:a/b]\ncommand=a\n",
	    STRV("t.conf:1: [program:]: empty name",
	        "t.conf:3: [program:a/b]: invalid name 'a/b': '/' is not allowed"));
}

static void
test_comments_and_colon(void **state)
{
	struct tend_conf *conf;

	(void)state;
	conf = load_ok("; comment\n# comment\n"
	               "[program:x] ; trailing\n"
	               "command: /bin/echo a;b ; inline comment\n"
	               "AutoStart = false # inline\n");
	assert_string_equal(conf->procs[0]->command, "/bin/echo a;b");
	assert_false(conf->procs[0]->autostart);
	config_free(conf);
}

static void
test_multiline(void **state)
{
	struct tend_conf *conf;
	const struct conf_proc *p;

	(void)state;
	conf = load_ok("[program:x]\n"
	               "command = /bin/sh -c\n"
	               "    'echo one;\n"
	               "     echo two'\n"
	               "environment =\n"
	               "    A=1,\n"
	               "\n"
	               "    B=\"two words\"\n"
	               "autostart = false\n");
	p = conf->procs[0];
	assert_string_equal(p->argv[0], "/bin/sh");
	assert_string_equal(p->argv[1], "-c");
	assert_string_equal(p->argv[2], "echo one;\necho two");
	assert_null(p->argv[3]);
	assert_string_equal(p->environment[0], "A=1");
	assert_string_equal(p->environment[1], "B=two words");
	assert_false(p->autostart);
	config_free(conf);
}

/* Lines and values of any length arrive byte-exact (Debian's libinih, once
 * used here, cut lines at 200 bytes). */
static void
test_long_lines(void **state)
{
	const size_t big = 64 * 1024;
	char *text, *arg, *env;
	struct tend_conf *conf;

	(void)state;
	text = malloc(3 * big + 256);
	arg = malloc(big + 1);
	env = malloc(big + 1);
	assert_non_null(text);
	assert_non_null(arg);
	assert_non_null(env);
	memset(arg, 'a', big);
	arg[big] = '\0';
	memset(env, 'e', big);
	env[big] = '\0';
	/* 64 KiB values, one with an inline comment after it. */
	(void)snprintf(text, 3 * big + 256,
	    "[program:x]\ncommand=/bin/echo %s%s\nenvironment=BIG=\"%s\" ; why\n",
	    arg, "z", env);
	conf = load_ok(text);
	assert_int_equal(strlen(conf->procs[0]->argv[1]), big + 1);
	assert_int_equal(conf->procs[0]->argv[1][big], 'z');
	assert_null(conf->procs[0]->argv[2]);
	assert_int_equal(strlen(conf->procs[0]->environment[0]), big + 4);
	assert_memory_equal(conf->procs[0]->environment[0] + 4, env, big);
	config_free(conf);
	/* Split over continuation lines of 64 KiB each. */
	(void)snprintf(text, 3 * big + 256,
	    "[program:x]\ncommand=/bin/echo\n  %s\n  %s ;c\nautostart=0\n",
	    arg, env);
	conf = load_ok(text);
	assert_string_equal(conf->procs[0]->argv[1], arg);
	assert_string_equal(conf->procs[0]->argv[2], env);
	assert_false(conf->procs[0]->autostart);
	config_free(conf);
	/* Names too: a group naming a program of a 600-byte name. */
	arg[600] = '\0';
	(void)snprintf(text, 3 * big + 256,
	    "[program:%s]\ncommand=a\n[group:g]\nprograms=%s\n", arg, arg);
	conf = load_ok(text);
	assert_int_equal(strlen(conf->procs[0]->name), 600);
	assert_string_equal(conf->procs[0]->group, "g");
	config_free(conf);
	arg[600] = 'a';
	/* A long comment carries no value and is fine. */
	(void)snprintf(text, 3 * big + 256, "; %s\n[program:x]\ncommand=a\n",
	    arg);
	conf = load_ok(text);
	config_free(conf);
	free(env);
	free(arg);
	free(text);
}

/* configparser's rules for what a value is: blank lines inside a value are
 * kept (trailing ones not), comment lines inside it are skipped, a line
 * continues a value only when indented deeper than the key's own line. */
static void
test_value_lines(void **state)
{
	struct tend_conf *conf;

	(void)state;
	conf = load_ok("[program:x]\n"
	               "command=/bin/echo 'one\n"
	               "\n"
	               "  ; not part of it\n"
	               "  two'\n"
	               "\n"
	               "priority = 5 ; five\n");
	assert_string_equal(conf->procs[0]->argv[1], "one\n\ntwo");
	assert_null(conf->procs[0]->argv[2]);
	assert_int_equal(conf->procs[0]->priority, 5);
	config_free(conf);
	conf = load_ok("[program:x]\n"
	               "  command=/bin/echo a\n"
	               "     b\n"
	               "  priority = 5\n");
	assert_string_equal(conf->procs[0]->argv[2], "b");
	assert_int_equal(conf->procs[0]->priority, 5);
	config_free(conf);
	load_fails("[program:x]\ncommand=a\nautostart=false;x\n",
	    STRV("t.conf:3: autostart: 'false;x' is not a boolean (true or false)"));
}

static void
test_groups(void **state)
{
	struct tend_conf *conf;
	const struct conf_proc *p;

	(void)state;
	conf = load_ok("[program:late]\ncommand=a\npriority=5\n"
	               "[program:b]\ncommand=a\npriority=1\n"
	               "[program:c]\ncommand=a\nprocess_name=c_%(group_name)s\n"
	               "[group:g]\nprograms=b, c\npriority=10\n"
	               "[program:solo]\ncommand=a\npriority=999\n");
	assert_int_equal(conf->ngroups, 1);
	assert_string_equal(conf->groups[0]->name, "g");
	assert_int_equal(conf->groups[0]->priority, 10);
	assert_string_equal(conf->groups[0]->programs[1], "c");
	/* Sorted by (group) priority, then program order. */
	assert_string_equal(conf->procs[0]->name, "late");
	assert_string_equal(conf->procs[1]->name, "b");
	assert_string_equal(conf->procs[2]->name, "c_g");
	assert_string_equal(conf->procs[3]->name, "solo");
	p = config_find_proc(conf, "g:c_g");
	assert_non_null(p);
	assert_string_equal(p->group, "g");
	assert_null(config_find_proc(conf, "c_g"));
	assert_non_null(config_find_proc(conf, "solo"));
	assert_non_null(config_find_proc(conf, "solo:solo"));
	assert_null(config_find_proc(conf, "nope"));
	config_free(conf);
	load_fails("[program:a]\ncommand=x\n"
	           "[group:g1]\nprograms=a\n"
	           "[group:g2]\nprograms=a,ghost,b\n"
	           "[group:g3]\npriority=1\n",
	    STRV("t.conf:6: programs: 'a' is already in [group:g1] (t.conf:3)",
	        "t.conf:6: programs: unknown program 'ghost'",
	        "t.conf:6: programs: unknown program 'b'; did you mean 'a'?",
	        "t.conf:7: [group:g3] has no programs="));
	load_fails("[program:web]\ncommand=x\n[program:y]\ncommand=x\n"
	           "[group:web]\nprograms=y\n",
	    STRV(
	        "t.conf:5: [group:web] has the name of [program:web] (t.conf:1), which is in no group"));
}

/* depends_on=NAME:exited, and supervisord-dependent-startup's keys. */
static void
test_depends_on_states(void **state)
{
	struct tend_conf *conf;
	const struct conf_proc *web;
	bool exited;

	(void)state;
	assert_int_equal(config_dep_name_len("init:exited", &exited), 4);
	assert_true(exited);
	assert_int_equal(config_dep_name_len("init:RUNNING", &exited), 4);
	assert_false(exited);
	assert_int_equal(config_dep_name_len("g:*", &exited), 3);
	assert_false(exited);
	assert_int_equal(config_dep_name_len("init:stopped", &exited), 0);
	conf = load_ok("[program:init]\ncommand=a\n"
	               "[program:db]\ncommand=a\n"
	               "[program:web]\ncommand=a\nautostart=false\n"
	               "depends_on=db\ndependent_startup=true\n"
	               "dependent_startup_wait_for=init:exited db:running\n");
	web = config_find_proc(conf, "web");
	assert_non_null(web);
	assert_true(web->autostart);
	assert_string_equal(web->depends_on[0], "db");
	assert_string_equal(web->depends_on[1], "init:exited");
	assert_string_equal(web->depends_on[2], "db");
	assert_null(web->depends_on[3]);
	config_free(conf);
	load_fails("[program:init]\ncommand=a\n"
	           "[program:web]\ncommand=a\ndepends_on=init:stopped\n",
	    STRV("t.conf:5: depends_on: 'init:stopped': the state must be running or exited"));
	load_fails("[program:web]\ncommand=a\n"
	           "dependent_startup_wait_for=init\n",
	    STRV("t.conf:3: dependent_startup_wait_for: 'init' is not NAME:running or NAME:exited"));
	load_fails("[program:web]\ncommand=a\n"
	           "dependent_startup_wait_for=nope:exited\n",
	    STRV("t.conf:3: depends_on: unknown program 'nope'"));
}

static void
test_depends_on(void **state)
{
	struct tend_conf *conf;

	(void)state;
	conf =
	    load_ok("[program:db]\ncommand=a\n"
	            "[program:web]\ncommand=a\ndepends_on=db, g:*\n"
	            "[program:cache]\ncommand=a\n[group:g]\nprograms=cache\n");
	assert_string_equal(conf->procs[1]->depends_on[0], "db");
	assert_string_equal(conf->procs[1]->depends_on[1], "g:*");
	config_free(conf);
	load_fails("[program:db]\ncommand=a\n"
	           "[program:web]\ncommand=a\ndepends_on=dbb,nogroup:*\n",
	    STRV(
	        "t.conf:5: depends_on: unknown program 'dbb'; did you mean 'db'?",
	        "t.conf:5: depends_on: unknown group 'nogroup'"));
	load_fails("[program:a]\ncommand=x\ndepends_on=b\n"
	           "[program:b]\ncommand=x\ndepends_on=c\n"
	           "[program:c]\ncommand=x\ndepends_on=a\n"
	           "[program:self]\ncommand=x\ndepends_on=self:*\n",
	    STRV("t.conf:3: depends_on: cycle a -> b -> c -> a",
	        "t.conf:12: depends_on: cycle self -> self"));
}

static void
test_globals_aliases(void **state)
{
	struct tend_conf *conf;
	const struct conf_global *g;

	(void)state;
	conf = load_ok("[supervisorctl]\nserverurl=unix:///tmp/ctl.sock\n"
	               "prompt=x\nhistory_file=~/.h\n"
	               "[supervisord]\nlogfile=%(here)s/d.log\nloglevel=debug\n"
	               "logfile_maxbytes=1MB\nlogfile_backups=2\n"
	               "pidfile=d.pid\numask=077\nnodaemon=true\nsilent=no\n"
	               "minfds=4096\nminprocs=10\nnocleanup=true\n"
	               "childlogdir=/tmp\ndirectory=/\nidentifier=sup\n"
	               "environment=X=1\n");
	g = &conf->global;
	/* [supervisorctl] serverurl is the socket when nothing else is. */
	assert_string_equal(g->socket, "/tmp/ctl.sock");
	assert_string_equal(g->serverurl, "unix:///tmp/ctl.sock");
	assert_int_equal(g->loglevel, LOG_LVL_DEBUG);
	assert_int_equal(g->logfile_maxbytes, 1024 * 1024);
	assert_int_equal(g->logfile_backups, 2);
	assert_int_equal(g->umask, 077);
	assert_int_equal(g->minfds, 4096);
	assert_int_equal(g->minprocs, 10);
	assert_string_equal(g->childlogdir, "/tmp");
	assert_string_equal(g->directory, "/");
	assert_string_equal(g->identifier, "sup");
	assert_string_equal(g->environment[0], "X=1");
	assert_true(strncmp(g->logfile, tmpdir, strlen(tmpdir)) == 0);
	assert_true(strncmp(g->pidfile, tmpdir, strlen(tmpdir)) == 0);
	assert_int_equal(conf->nprocs, 0);
	config_free(conf);

	conf = load_ok("[unix_http_server]\nfile=/tmp/a.sock\nchmod=0770\n"
	               "chown=root:root\nusername=u\npassword=p\n"
	               "[supervisorctl]\nserverurl=http://localhost:9001\n");
	g = &conf->global;
	assert_string_equal(g->socket, "/tmp/a.sock");
	assert_int_equal(g->socket_mode, 0770);
	assert_string_equal(g->socket_owner, "root:root");
	assert_int_equal(g->socket_uid, 0);
	assert_int_equal(g->socket_gid, 0);
	assert_int_equal(conf->nwarnings, 1);
	assert_string_equal(g->unix_http_username, "u");
	assert_string_equal(g->unix_http_password, "p");
	assert_string_equal(conf->warnings[0],
	    "t.conf:8: serverurl 'http://localhost:9001' is not a unix:// URL; tend ignores it");
	config_free(conf);

	/* [tend] wins over its aliases, wherever it is written. */
	conf = load_ok("[tend]\nsocket=/tmp/t.sock\nsocket_mode=0750\n"
	               "socket_owner=root\n"
	               "[unix_http_server]\nfile=/tmp/u.sock\nchmod=0777\n");
	assert_string_equal(conf->global.socket, "/tmp/t.sock");
	assert_int_equal(conf->global.socket_mode, 0750);
	assert_int_equal(conf->global.socket_gid, (gid_t)-1);
	config_free(conf);

	load_fails(
	    "[supervisord]\nloglevel=chatty\nchildlogdir=/nonexistent/x\n"
	    "[unix_http_server]\nchown=nosuchuser_tend\n",
	    STRV(
	        "t.conf:2: loglevel: unknown log level 'chatty' (critical, error, warn, info, debug, trace, blather)",
	        "t.conf:3: childlogdir: '/nonexistent/x': No such file or directory",
	        "t.conf:5: chown: unknown user 'nosuchuser_tend'"));
}

static void
test_logfile_paths(void **state)
{
	struct tend_conf *conf;
	char want[PATH_MAX + 16];

	(void)state;
	conf = load_ok("[program:x]\ncommand=a\nstdout_logfile=x.log\n"
	               "stderr_logfile=Auto\n");
	(void)snprintf(want, sizeof(want), "%s/x.log", tmpdir);
	assert_string_equal(conf->procs[0]->out.path, want);
	assert_int_equal(conf->procs[0]->err.kind, CONF_LOG_AUTO);
	config_free(conf);
	bad_value("stdout_logfile", "/nonexistent/dir/x.log",
	    "directory '/nonexistent/dir' does not exist");
}

static void
test_missing_file(void **state)
{
	(void)state;
	load_file_fails(
	    "nope.conf", STRV("nope.conf: No such file or directory"));
	/* supervisord skips a missing include with a warning (some are
	 * made at run time); a glob may match nothing. */
	load_warns("[include]\nfiles=missing.conf none-*.conf\n",
	    STRV("t.conf:2: include missing.conf: No such file or directory (skipped)"));
	assert_int_equal(mkdir("adir.conf", 0700), 0);
	load_fails("[include]\nfiles=adir.conf\n",
	    STRV("t.conf:2: include adir.conf: Is a directory"));
	assert_int_equal(rmdir("adir.conf"), 0);
	write_file("t.conf", "[include]\nfiles=%(ENV_TEND_TEST_UNSET)s\nfilez=x\n");
	load_file_fails_flags("t.conf", CONFIG_STRICT,
	    STRV(
	        "t.conf:2: files: %(ENV_TEND_TEST_UNSET): TEND_TEST_UNSET is not set in tendd's environment",
	        "t.conf:3: unknown key 'filez' in [include] (ignored); did you mean 'files'?"));
}

/* ---- fixtures ---- */

static void
in_fixtures(void)
{
	assert_int_equal(chdir(fixdir), 0);
}

static void
back_to_tmp(void)
{
	assert_int_equal(chdir(tmpdir), 0);
}

static void
test_fixture_supervisord(void **state)
{
	struct conf_errors errs = {NULL, 0};
	struct tend_conf *conf;
	const struct conf_proc *p;

	(void)state;
	in_fixtures();
	conf = config_load("supervisord.conf", &errs);
	back_to_tmp();
	assert_int_equal(errs.n, 0);
	assert_non_null(conf);
	/* The API's sections are understood (http.c serves them), and
	 * the event listener is a pool of its own. */
	assert_int_equal(conf->nwarnings, 0);
	for (size_t k = 0; k < conf->nprocs; k++)
		if (strcmp(conf->procs[k]->group, "crashmail") == 0) {
			assert_true(conf_is_listener(conf->procs[k]));
			assert_int_equal(conf->procs[k]->buffer_size, 10);
			assert_int_equal(conf->procs[k]->priority, -1);
			assert_true(conf->procs[k]->stdin_pipe);
		}
	assert_string_equal(conf->global.unix_http_username, "user");
	assert_string_equal(conf->global.unix_http_password, "123");
	assert_string_equal(conf->global.inet_http_port, "127.0.0.1:9001");
	assert_string_equal(conf->global.inet_http_username, "user");
	assert_string_equal(conf->global.socket, "/tmp/tend-fixture.sock");
	assert_int_equal(conf->global.socket_mode, 0770);
	/* crashmail (a listener: -1), web (100), pool (150: worker_01..04),
	 * cron, queue (999). */
	assert_int_equal(conf->nprocs, 8);
	assert_string_equal(conf->procs[0]->name, "crashmail");
	assert_string_equal(conf->procs[1]->name, "web");
	assert_string_equal(conf->procs[2]->name, "worker_01");
	assert_string_equal(conf->procs[5]->name, "worker_04");
	assert_string_equal(conf->procs[5]->argv[1], "400");
	assert_string_equal(conf->procs[6]->name, "cron");
	assert_string_equal(conf->procs[6]->file, "conf.d/cron.conf");
	assert_int_equal(conf->procs[6]->umask, 027);
	p = config_find_proc(conf, "pool:worker_02");
	assert_non_null(p);
	assert_true(conf_exitcode_expected(&p->exitcodes, 2));
	p = config_find_proc(conf, "queue");
	assert_non_null(p);
	assert_string_equal(p->argv[1], "-u");
	assert_true(strstr(p->out.path, "/conf.d/queue-queue.log") != NULL);
	p = config_find_proc(conf, "web");
	assert_true(p->killasgroup);
	assert_true(strncmp(p->environment[1], "APP_ROOT=/", 10) == 0);
	config_free(conf);
}

static void
test_fixture_includes(void **state)
{
	struct conf_errors errs = {NULL, 0};
	struct tend_conf *conf;

	(void)state;
	in_fixtures();
	conf = config_load("nested.conf", &errs);
	assert_int_equal(errs.n, 0);
	assert_int_equal(conf->nprocs, 3);
	assert_string_equal(conf->procs[2]->name, "level2");
	assert_string_equal(conf->procs[2]->file, "nest/deeper/level2.conf");
	assert_true(strstr(conf->procs[2]->argv[1], "/nest/deeper") != NULL);
	config_free(conf);
	load_file_fails("loop_a.conf",
	    STRV(
	        "loop_b.conf:5: include loop: loop_a.conf -> loop_b.conf -> loop_a.conf"));
	back_to_tmp();
}

/* A reexec reads the running config again from the texts it was read
 * from, from another directory and with the files changed on disk: the
 * same processes, the same values (%(here)s included). */
static void
test_load_sources(void **state)
{
	struct conf_errors errs = {NULL, 0};
	struct tend_conf *conf, *again, *twice;
	size_t i;

	(void)state;
	in_fixtures();
	conf = config_load("nested.conf", &errs);
	assert_non_null(conf);
	assert_int_equal(conf->nsources, 3);
	assert_string_equal(conf->sources[0].path, "nested.conf");
	back_to_tmp();
	again = config_load_sources(
	    conf->cwd, conf->sources, conf->nsources, &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(again);
	assert_int_equal(again->nprocs, conf->nprocs);
	for (i = 0; i < conf->nprocs; i++) {
		assert_string_equal(again->procs[i]->name, conf->procs[i]->name);
		assert_string_equal(again->procs[i]->file, conf->procs[i]->file);
		assert_int_equal(
		    config_proc_compare(conf->procs[i], again->procs[i]),
		    CONF_SAME);
	}
	/* Carried again (a second reexec): the same texts. */
	twice = config_load_sources(
	    again->cwd, again->sources, again->nsources, &errs);
	assert_non_null(twice);
	assert_int_equal(twice->nsources, conf->nsources);
	config_free(twice);
	config_free(again);
	/* Only the texts: a file the main one includes but that was not
	 * read then does not exist now. */
	conf->nsources = 1;
	again = config_load_sources(conf->cwd, conf->sources, 1, &errs);
	assert_non_null(again);
	assert_int_equal(again->nprocs, 1);
	conf->nsources = 3;
	config_free(again);
	config_free(conf);
}

static void
test_fixture_many_mistakes(void **state)
{
	(void)state;
	in_fixtures();
	load_file_fails_flags("dozen.conf", CONFIG_STRICT,
	    STRV(
	        "dozen.conf:3: loglevel: unknown log level 'chatty' (critical, error, warn, info, debug, trace, blather)",
	        "dozen.conf:6: command: unbalanced single quote",
	        "dozen.conf:7: unknown key 'autostrat' in [program:web] (ignored); did you mean 'autostart'?",
	        "dozen.conf:8: numprocs: 'two' is not an integer",
	        "dozen.conf:9: startretries: '-1' is less than 0",
	        "dozen.conf:10: autorestart: 'maybe' is not one of true, false, unexpected",
	        "dozen.conf:11: exitcodes: 'x' is not an exit code (0 to 255)",
	        "dozen.conf:12: stopsignal: unknown signal 'FOO'",
	        "dozen.conf:13: stdout_logfile_maxbytes: '50XB' is not a size (a number with an optional KB, MB or GB suffix)",
	        "dozen.conf:14: umask: '999' is not an octal mode (such as 022)",
	        "dozen.conf:15: user: unknown user 'nosuchuser_tend'",
	        "dozen.conf:19: %(process_num) must be present within process_name when numprocs > 1",
	        "dozen.conf:21: syntax error: section header without ']'",
	        "dozen.conf:25: programs: unknown program 'ghost'"));
	back_to_tmp();
}

/* ---- API helpers ---- */

static void
test_needs_restart(void **state)
{
	struct tend_conf *a, *b;

	(void)state;
	a = load_ok("[program:x]\ncommand=a b\npriority=1\n");
	b = load_ok("[program:x]\ncommand=a b\npriority=2\nautorestart=false\n"
	            "startretries=9\n");
	assert_int_equal(
	    config_proc_compare(a->procs[0], b->procs[0]), CONF_POLICY);
	config_free(b);
	b = load_ok("[program:x]\ncommand=a  b\npriority=1\n");
	assert_int_equal(
	    config_proc_compare(a->procs[0], b->procs[0]), CONF_SAME);
	config_free(b);
	/* Once missed by the hand-kept list: applied, but reported as no
	 * change. */
	b = load_ok("[program:x]\ncommand=a b\npriority=1\n"
	            "stop_leftovers=false\n");
	assert_int_equal(
	    config_proc_compare(a->procs[0], b->procs[0]), CONF_POLICY);
	config_free(b);
	b = load_ok("[program:x]\ncommand=a b\npriority=1\nmemory_max=1GB\n");
	assert_int_equal(
	    config_proc_compare(a->procs[0], b->procs[0]), CONF_RESTART);
	config_free(b);
	b = load_ok("[program:x]\ncommand=a c\n");
	assert_int_equal(config_proc_compare(a->procs[0], b->procs[0]), CONF_RESTART);
	config_free(b);
	b = load_ok("[program:x]\ncommand=a b\nenvironment=A=1\n");
	assert_int_equal(config_proc_compare(a->procs[0], b->procs[0]), CONF_RESTART);
	config_free(b);
	b = load_ok("[program:x]\ncommand=a b\nstdout_logfile=NONE\n");
	assert_int_equal(config_proc_compare(a->procs[0], b->procs[0]), CONF_RESTART);
	config_free(b);
	config_free(a);
}

static void
test_dump(void **state)
{
	struct tend_conf *conf;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	conf = load_ok("[program:x]\ncommand=/bin/echo 'a b'\n"
	               "[fcgi-program:f]\ncommand=/bin/cat\n"
	               "socket=unix:///run//f.sock\nsocket_backlog=5\n");
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	config_dump(conf, fp);
	assert_int_equal(fclose(fp), 0);
	assert_non_null(strstr(buf, "process x ([program:x] at t.conf:1)\n"));
	assert_non_null(
	    strstr(buf, "    command                   /bin/echo 'a b'\n"));
	assert_non_null(strstr(buf, "    stopsignal                TERM\n"));
	assert_non_null(strstr(buf, "    socket_mode               0700\n"));
	/* [fcgi-program:x]'s keys only for its processes */
	assert_non_null(strstr(buf, "process f ([fcgi-program:f] at t.conf:3)\n"));
	assert_non_null(
	    strstr(buf, "    socket                    unix:///run/f.sock\n"
	                "    socket_owner              (tendd's)\n"
	                "    socket_mode               0700\n"
	                "    socket_backlog            5\n"));
	/* none in x's block, which ends at the next process or the end */
	{
		char *x = strstr(buf, "process x ("), *next;

		assert_non_null(x);
		if ((next = strstr(x + 1, "\nprocess ")) != NULL)
			*next = '\0';
		assert_null(strstr(x, "    socket  "));
	}
	free(buf);
	config_free(conf);
}

/* configparser: a section continued in an included file takes its keys
 * (last wins, each key's messages at its own file), and [DEFAULT]'s keys
 * are those of every section that has such a key and does not set it. */
static void
test_default_and_sections_across_files(void **state)
{
	struct tend_conf *conf;
	const struct conf_proc *p;

	(void)state;
	write_file("inc.conf", "[program:web]\npriority=3\nstartsecs=x\n"
	                       "[DEFAULT]\nautostart=false\n");
	load_fails("[DEFAULT]\nstartsecs=7\n[include]\nfiles=inc.conf\n"
	           "[program:web]\ncommand=/bin/true\npriority=1\n",
	    STRV("inc.conf:3: startsecs: 'x' is not a number of seconds"));
	write_file("inc.conf", "[program:web]\npriority=3\n"
	                       "[DEFAULT]\nautostart=false\nhue=1\n");
	conf = load_ok("[DEFAULT]\nstartsecs=7\n[include]\n"
	               "files=inc.conf\n"
	               "[program:web]\ncommand=/bin/true\npriority=1\n"
	               "startsecs=2\n[group:g]\nprograms=web\n");
	p = config_find_proc(conf, "g:web");
	assert_non_null(p);
	assert_int_equal(p->priority, 3);
	assert_true(p->startsecs == 2);
	assert_false(p->autostart);
	assert_int_equal(conf->nwarnings, 3);
	assert_string_equal(conf->warnings[0],
	    "inc.conf:1: duplicate section [program:web]: its keys are added to those of t.conf:5");
	assert_string_equal(conf->warnings[2],
	    "inc.conf:5: unknown key 'hue' in [DEFAULT] (ignored)");
	config_free(conf);
	(void)unlink("inc.conf");
}

/* Every key of every section kind (but [include]'s files=) is printed by
 * tendd -n -v, with its value or as accepted and ignored. */
static void
test_dump_has_every_key(void **state)
{
	struct tend_conf *conf;
	char *buf = NULL, want[128];
	const char *kind, *key;
	size_t len = 0, i, j;
	FILE *fp;

	(void)state;
	conf = load_ok("[program:x]\ncommand=/bin/true\n"
	               "[group:g]\nprograms=x\n"
	               "[fcgi-program:f]\ncommand=/bin/true\n"
	               "socket=tcp://localhost:9000\n"
	               "[eventlistener:l]\ncommand=/bin/cat\n"
	               "events=PROCESS_STATE,TICK_60\n");
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	config_dump(conf, fp);
	assert_int_equal(fclose(fp), 0);
	for (i = 0; (kind = config_section_kind(i)) != NULL; i++) {
		if (strcmp(kind, "include") == 0)
			continue;
		for (j = 0; (key = config_key_name(kind, j)) != NULL; j++) {
			(void)snprintf(want, sizeof(want), "\n    %-26s", key);
			if (strstr(buf, want) == NULL)
				fail_msg("[%s] %s is missing from the dump:\n%s",
				    kind, key, buf);
		}
	}
	assert_non_null(strstr(buf, "    stop_leftovers            true\n"));
	assert_non_null(strstr(buf, "    memory_max                0\n"));
	assert_non_null(strstr(buf, "    rlimit_nofile             (tendd's)\n"));
	assert_non_null(strstr(buf, "    shutdown_timeout          0\n"));
	assert_non_null(strstr(buf, "    cgroup                    auto\n"));
	free(buf);
	config_free(conf);
}

static void
test_key_names(void **state)
{
	size_t i, n = 0;
	bool seen_pdeathsig = false;

	(void)state;
	assert_string_equal(config_section_kind(0), "program");
	for (i = 0; config_section_kind(i) != NULL; i++)
		;
	assert_int_equal(i, 11);
	for (i = 0; config_key_name("program", i) != NULL; i++) {
		if (strcmp(config_key_name("program", i), "pdeathsig") == 0)
			seen_pdeathsig = true;
		n++;
	}
	assert_true(seen_pdeathsig);
	assert_true(n >= 38);
	assert_string_equal(config_key_name("unix_http_server", 0), "file");
	assert_null(config_key_name("nosuchkind", 0));
}

/*
 * Is KEY documented in the man page text MAN?  It must be named by Cm on
 * an ".It Cm" list item (".It Cm username , password" names both) or on a
 * ".Cm" line.
 */
static bool
man_documents(const char *man, const char *key)
{
	const char *line, *end, *w;
	size_t klen = strlen(key);

	for (line = man; *line != '\0'; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		if (strncmp(line, ".It Cm ", 7) == 0)
			w = line + 7;
		else if (strncmp(line, ".Cm ", 4) == 0)
			w = line + 4;
		else
			continue;
		/* Compare each blank-separated word with KEY. */
		while (w < end) {
			const char *we = w;

			while (we < end && *we != ' ')
				we++;
			if ((size_t)(we - w) == klen && strncmp(w, key, klen) == 0)
				return true;
			w = we + 1;
		}
	}
	return false;
}

/* One source of truth: every key the loader accepts is in tend.conf(5). */
static void
test_keys_documented(void **state)
{
	char path[PATH_MAX + 64], *man, *slash;
	const char *kind, *key;
	size_t i, j, missing = 0;
	FILE *fp;
	long len;

	(void)state;
	(void)snprintf(path, sizeof(path), "%s", fixdir);
	/* fixdir is SRCDIR/tests/unit/fixtures/config */
	for (i = 0; i < 4 && (slash = strrchr(path, '/')) != NULL; i++)
		*slash = '\0';
	(void)strncat(path, "/src/tend.conf.5", sizeof(path) - strlen(path) - 1);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	assert_true(len > 0);
	rewind(fp);
	man = calloc(1, (size_t)len + 2);
	assert_non_null(man);
	man[0] = '\n';
	assert_int_equal(fread(man + 1, 1, (size_t)len, fp), (size_t)len);
	(void)fclose(fp);
	for (i = 0; (kind = config_section_kind(i)) != NULL; i++)
		for (j = 0; (key = config_key_name(kind, j)) != NULL; j++)
			if (!man_documents(man, key)) {
				print_error("[%s] %s is not in tend.conf.5\n",
				    kind, key);
				missing++;
			}
	/* Negative control: the check does catch an undocumented key. */
	assert_false(man_documents(man, "no_such_key_xyz"));
	assert_false(man_documents(man, "command_x"));
	free(man);
	assert_int_equal(missing, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_every_program_key),
	    cmocka_unit_test(test_booleans),
	    cmocka_unit_test(test_bad_numbers),
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_signals_and_enums),
	    cmocka_unit_test(test_readiness_watchdog_critical),
	    cmocka_unit_test(test_healthcheck),
	    cmocka_unit_test(test_exitcodes),
	    cmocka_unit_test(test_umask_and_user),
	    cmocka_unit_test(test_environment),
	    cmocka_unit_test(test_command),
	    cmocka_unit_test(test_interpolation),
	    cmocka_unit_test(test_numprocs),
	    cmocka_unit_test(test_duplicates),
	    cmocka_unit_test(test_stopasgroup),
	    cmocka_unit_test(test_unknown_keys_and_sections),
	    cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_comments_and_colon),
	    cmocka_unit_test(test_multiline),
	    cmocka_unit_test(test_long_lines),
	    cmocka_unit_test(test_value_lines),
	    cmocka_unit_test(test_groups),
	    cmocka_unit_test(test_depends_on),
	    cmocka_unit_test(test_depends_on_states),
	    cmocka_unit_test(test_globals_aliases),
	    cmocka_unit_test(test_logfile_paths),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_fixture_supervisord),
	    cmocka_unit_test(test_fixture_includes),
	    cmocka_unit_test(test_load_sources),
	    cmocka_unit_test(test_fixture_many_mistakes),
	    cmocka_unit_test(test_needs_restart),
	    cmocka_unit_test(test_dump_has_every_key),
	    cmocka_unit_test(test_dump),
	    cmocka_unit_test(test_default_and_sections_across_files),
	    cmocka_unit_test(test_key_names),
	    cmocka_unit_test(test_keys_documented),
	};

	return cmocka_run_group_tests_name(
	    "config", tests, setup_group, teardown_group);
}

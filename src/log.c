/*
 * log.c: tendd's own log.  Lines are "YYYY-mm-dd HH:MM:SS,mmm LEVEL msg",
 * supervisord's layout, on stderr or in logfile=; with logfile=syslog (as
 * supervisord) each message goes to syslog instead, facility daemon.  Every
 * entry point keeps errno so callers can log and then still report it.  Knows
 * nothing about services.
 */
#include "log.h"
#include "logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static enum log_level log_level = LOG_LVL_INFO;
static int log_fd = STDERR_FILENO;
static char *log_path;
/* logfile_maxbytes/logfile_backups: rotation of a regular log file. */
static uint64_t log_maxbytes;
static int log_backups;
static uint64_t log_size;
static bool log_seekable;
static bool log_rotating; /* rotation logs too: no recursion */
static void (*log_written)(void);
static bool log_syslog;             /* logfile=syslog */
static int log_syslog_fd = -1;      /* a datagram socket to /dev/log */
/* syslog's ident (identifier=), "tend" while empty: zero-initialised,
 * so it takes no room in the executable (.bss). */
static char log_ident[64];

static const char *const level_names[] = {
	[LOG_LVL_CRIT] = "CRIT",   [LOG_LVL_ERROR] = "ERRO",
	[LOG_LVL_WARN] = "WARN",   [LOG_LVL_INFO] = "INFO",
	[LOG_LVL_DEBUG] = "DEBG",  [LOG_LVL_TRACE] = "TRAC",
};

int
log_level_parse(const char *name)
{
	static const struct {
		const char *name;
		enum log_level lvl;
	} names[] = {
		{"critical", LOG_LVL_CRIT}, {"error", LOG_LVL_ERROR},
		{"warn", LOG_LVL_WARN},	    {"warning", LOG_LVL_WARN},
		{"info", LOG_LVL_INFO},	    {"debug", LOG_LVL_DEBUG},
		{"trace", LOG_LVL_TRACE},   {"blather", LOG_LVL_TRACE},
	};
	size_t i;

	for (i = 0; i < TEND_NELEM(names); i++)
		if (strcasecmp(name, names[i].name) == 0)
			return (int)names[i].lvl;
	return -1;
}

const char *
log_level_name(enum log_level lvl)
{
	static const char *const full[] = {"critical", "error", "warn",
	    "info", "debug", "trace"};

	if ((size_t)lvl < TEND_NELEM(full))
		return full[lvl];
	return "info";
}

void
log_set_level(enum log_level lvl)
{
	log_level = lvl;
}

void
log_set_ident(const char *ident)
{
	if (ident != NULL)
		(void)snprintf(log_ident, sizeof(log_ident), "%s", ident);
}

/*
 * logfile=syslog: one datagram per message to /dev/log (TEND_SYSLOG_SOCKET
 * for tests), never blocking: syslog(3) would stall tendd while the syslog
 * daemon is slow.  A message it does not take is lost.
 */
static int
log_open_syslog(void)
{
	const char *path = getenv("TEND_SYSLOG_SOCKET");
	struct sockaddr_un sun;
	int fd, saved;

	if (path == NULL || *path == '\0')
		path = "/dev/log";
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		(void)close(fd);
		errno = saved;
		return -1;
	}
	log_close();
	log_syslog_fd = fd;
	log_syslog = true;
	return 0;
}

int
log_open(const char *path)
{
	struct stat st;
	int fd, saved;
	char *copy;

	if (strcmp(path, LOG_PATH_SYSLOG) == 0)
		return log_open_syslog();
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1)
		return -1;
	if ((copy = strdup(path)) == NULL) {
		saved = errno;
		(void)close(fd);
		errno = saved;
		return -1;
	}
	log_close();
	log_fd = fd;
	log_path = copy;
	/* Only a regular file can be rotated; /dev/stdout, a pipe or a tty
	 * just receives lines (lseek(2) would say ESPIPE). */
	log_seekable = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	log_size = log_seekable ? (uint64_t)st.st_size : 0;
	return 0;
}

void
log_set_rotation(uint64_t maxbytes, int backups)
{
	log_maxbytes = maxbytes;
	log_backups = backups;
}

const char *
log_file_path(void)
{
	return log_path;
}

void
log_set_written_hook(void (*fn)(void))
{
	log_written = fn;
}

/* supervisord's RotatingFileHandler: once the file reaches maxbytes, shift
 * the backups and start a new file. */
static void
log_rotate(void)
{
	char err[512];

	log_rotating = true;
	if (logfile_rotate(log_path, log_backups, err, sizeof(err)) == -1)
		log_errorx("tendd log: %s", err);
	else if (log_reopen() == -1)
		log_warn("tendd log: reopen %s", log_path);
	log_rotating = false;
}

int
log_reopen(void)
{
	char *path = log_path;
	int rc;

	if (path == NULL)
		return 0;
	log_path = NULL; /* log_open() frees via log_close(); keep ours */
	rc = log_open(path);
	if (rc == -1)
		log_path = path;
	else
		free(path);
	return rc;
}

void
log_close(void)
{
	if (log_fd != STDERR_FILENO)
		(void)close(log_fd);
	log_fd = STDERR_FILENO;
	if (log_syslog_fd != -1)
		(void)close(log_syslog_fd);
	log_syslog_fd = -1;
	log_syslog = false;
	free(log_path);
	log_path = NULL;
}

static void __attribute__((format(printf, 2, 0)))
log_to_syslog(enum log_level lvl, const char *fmt, va_list ap, int err)
{
	static const int prio[] = {
	    [LOG_LVL_CRIT] = LOG_CRIT,
	    [LOG_LVL_ERROR] = LOG_ERR,
	    [LOG_LVL_WARN] = LOG_WARNING,
	    [LOG_LVL_INFO] = LOG_INFO,
	    [LOG_LVL_DEBUG] = LOG_DEBUG,
	    [LOG_LVL_TRACE] = LOG_DEBUG,
	};
	char msg[2048], date[32];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	(void)localtime_r(&now, &tm);
	(void)strftime(date, sizeof(date), "%b %e %H:%M:%S", &tm);
	/* RFC 3164, as syslog(3) writes it: <PRI>TIMESTAMP TAG[PID]: MSG */
	n = snprintf(msg, sizeof(msg),
	    "<%d>%s %s[%d]: ", LOG_DAEMON | prio[lvl], date,
	    log_ident[0] != '\0' ? log_ident : "tend",
	    (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(msg))
		return;
	(void)vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	if (err != 0) {
		n = (int)strlen(msg);
		(void)snprintf(
		    msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(err));
	}
	(void)send(
	    log_syslog_fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void __attribute__((format(printf, 2, 0)))
vlog(enum log_level lvl, const char *fmt, va_list ap, int err)
{
	char line[2048];
	struct timeval tv;
	struct tm tm;
	size_t n;
	int saved = errno;
	int w;

	if (lvl > log_level)
		return;
	if (log_syslog) {
		log_to_syslog(lvl, fmt, ap, err);
		errno = saved;
		return;
	}
	(void)gettimeofday(&tv, NULL);
	(void)localtime_r(&tv.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S", &tm);
	w = snprintf(line + n, sizeof(line) - n, ",%03ld %s ",
	    (long)tv.tv_usec / 1000, level_names[lvl]);
	if (w > 0)
		n += (size_t)w;
	w = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	n = w < 0 ? n : n + (size_t)w;
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2; /* truncated, still one line */
	if (err != 0) {
		w = snprintf(line + n, sizeof(line) - n, ": %s", strerror(err));
		n = w < 0 ? n : n + (size_t)w;
		if (n > sizeof(line) - 2)
			n = sizeof(line) - 2;
	}
	line[n++] = '\n';
	/* One write(2) per line, so concurrent writers do not interleave. */
	if (write(log_fd, line, n) == -1) {
		/* Nowhere left to report it. */
	} else if (log_seekable) {
		log_size += n;
		if (log_maxbytes > 0 && log_size >= log_maxbytes &&
		    !log_rotating)
			log_rotate();
	}
	if (log_written != NULL)
		log_written();
	errno = saved;
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(lvl, fmt, ap, 0);
	va_end(ap);
}

#define LOG_FN(fn, lvl, with_errno)                                            \
	void fn(const char *fmt, ...)                                          \
	{                                                                      \
		va_list ap;                                                    \
		int err = with_errno ? errno : 0;                              \
		va_start(ap, fmt);                                             \
		vlog(lvl, fmt, ap, err);                                       \
		va_end(ap);                                                    \
	}

LOG_FN(log_debug, LOG_LVL_DEBUG, 0)
LOG_FN(log_info, LOG_LVL_INFO, 0)
LOG_FN(log_warnx, LOG_LVL_WARN, 0)
LOG_FN(log_warn, LOG_LVL_WARN, 1)
LOG_FN(log_errorx, LOG_LVL_ERROR, 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	va_start(ap, fmt);
	vlog(LOG_LVL_CRIT, fmt, ap, err);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}

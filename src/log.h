/*
 * log.h: tendd's own log.  Messages go to stderr until log_open() names a
 * file.  Every function keeps errno as it was, so callers can log and then
 * still report errno.
 */
#ifndef TEND_LOG_H
#define TEND_LOG_H

#include "tend.h"

enum log_level {
	LOG_LVL_CRIT = 0,
	LOG_LVL_ERROR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
	LOG_LVL_TRACE,
};

/* Parse a supervisord loglevel name (critical, error, warn, info, debug,
 * trace, blather); returns -1 if unknown. */
int log_level_parse(const char *name);
/* Name of a level, as log_level_parse() accepts it. */
const char *log_level_name(enum log_level lvl);
void log_set_level(enum log_level lvl);
void log_set_ident(const char *ident);
/* Log to PATH (append) instead of stderr, or to syslog(3) when PATH is
 * LOG_PATH_SYSLOG (logfile=syslog); -1 with errno on failure. */
#define LOG_PATH_SYSLOG "syslog"
int log_open(const char *path);
/* Rotate the log file by size (logfile_maxbytes, 0: never; with
 * logfile_backups numbered backups); only regular files rotate. */
void log_set_rotation(uint64_t maxbytes, int backups);
/* The log file's path; NULL while logging to stderr. */
const char *log_file_path(void);
/* FN runs after every line written (tail -f of tendd's own log); it must
 * not log. */
void log_set_written_hook(void (*fn)(void));
/* Reopen the current log file (logrotate); no-op on stderr. */
int log_reopen(void);
void log_close(void);

void log_msg(enum log_level lvl, const char *fmt, ...) TEND_PRINTF(2, 3);
void log_debug(const char *fmt, ...) TEND_PRINTF(1, 2);
void log_info(const char *fmt, ...) TEND_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) TEND_PRINTF(1, 2);
/* As log_warnx, with ": strerror(errno)" appended. */
void log_warn(const char *fmt, ...) TEND_PRINTF(1, 2);
void log_errorx(const char *fmt, ...) TEND_PRINTF(1, 2);
/* Only before the event loop runs: log and exit(1). */
void fatal(const char *fmt, ...) TEND_PRINTF(1, 2) TEND_NORETURN;
void fatalx(const char *fmt, ...) TEND_PRINTF(1, 2) TEND_NORETURN;

#endif /* TEND_LOG_H */

/*
 * logfile.h: the pure parts of log handling, shared by tendd's own log
 * (log.c) and service output capture (logcap.c): size rotation of a file
 * with numbered backups, finding where the last N lines of a file start,
 * the file name of an AUTO log, RFC 3339 timestamps, and the line
 * splitter that timestamps/prefixes and syslog use.  No libev, no
 * processes: unit tests run all of it in a temporary directory.
 */
#ifndef TEND_LOGFILE_H
#define TEND_LOGFILE_H

#include "tend.h"

#include <sys/types.h>

/* Longest line the splitter holds back while waiting for its newline;
 * a longer line is passed on in pieces of this size. */
#define LOGFILE_LINE_MAX 4096

/*
 * Rotate PATH as supervisord does: PATH.(N-1) -> PATH.N, ..., PATH ->
 * PATH.1, the oldest (PATH.BACKUPS) dropped; with BACKUPS 0 PATH is
 * truncated instead.  A missing backup is no error.  0, or -1 with ERR
 * filled ("rename A: reason").  The caller reopens PATH.
 */
int logfile_rotate(const char *path, int backups, char *err, size_t errlen);

/*
 * Where the last LINES lines of the file FD end before END begin: the
 * offset just after the (LINES+1)-th newline counted back from END (a
 * final newline at END-1 ends the last line and is not counted), or 0.
 * Reads backwards in blocks; -1 with errno if a read fails.
 */
off_t logfile_lines_back(int fd, off_t end, unsigned long lines);

/* DIR/NAME-CHANNEL.log with ':' and '/' in NAME made '_' (the AUTO log of
 * a process, e.g. /var/log/tend/web_0-stdout.log for "web:0").  -1 if it
 * does not fit in BUF. */
int logfile_auto_path(char *buf, size_t len, const char *dir, const char *name,
    const char *channel);

/* T (seconds since the epoch) as RFC 3339 UTC with microseconds:
 * "2024-05-01T12:00:00.123456Z" (27 bytes).  Returns the length. */
size_t logfile_stamp(double t, char *buf, size_t len);

/*
 * The line splitter.  Bytes go in as they arrive; whole lines come out,
 * each with the time its first byte arrived.  An unfinished line is held
 * back (HOLD, allocated on first need, LOGFILE_LINE_MAX bytes) until its
 * newline arrives, it fills HOLD, or logfile_lines_flush() is called (EOF,
 * or the caller's patience ran out).  Bytes are never changed, dropped or
 * reordered; a line is only ever cut when it outgrows HOLD.
 */
struct logfile_lines {
	char *hold;
	size_t held;
	double since; /* arrival of the held line's first byte */
};

/* Called once per line: LINE (LEN bytes, the '\n' included when
 * COMPLETE), which began arriving at time T. */
typedef void (*logfile_line_fn)(
    void *arg, const char *line, size_t len, bool complete, double t);

/* Feed N bytes that arrived at NOW.  0, or -1 (errno ENOMEM: HOLD could
 * not be allocated; everything was still passed to FN, the tail as an
 * incomplete line). */
int logfile_lines_feed(struct logfile_lines *l, const char *in, size_t n,
    double now, logfile_line_fn fn, void *arg);
/* Pass on the held unfinished line, if any (COMPLETE false). */
void logfile_lines_flush(
    struct logfile_lines *l, logfile_line_fn fn, void *arg);
/* Free HOLD (nothing is passed on). */
void logfile_lines_free(struct logfile_lines *l);

/*
 * supervisord's strip_ansi: remove ANSI escapes ("ESC [", then anything
 * up to and including one of HfABCDRsuJKhlpm) from N bytes of BUF, in
 * place; returns the new length.  STATE (start at 0) carries an escape
 * cut between two reads into the next call, which supervisord, stripping
 * each read on its own, does not.  An ESC at the very end of BUF is held
 * back in STATE: if the next call does not begin with '[', *LONE_ESC is
 * set and the caller must pass one ESC on before the returned bytes.
 */
enum logfile_ansi { LOGFILE_ANSI_SHOW, LOGFILE_ANSI_ESC, LOGFILE_ANSI_HIDE };
size_t logfile_strip_ansi(unsigned char *state, char *buf, size_t n,
    bool *lone_esc);

/*
 * supervisord's rules for reading a log of SIZE bytes over XML-RPC.
 * read (readProcessStdoutLog): OFFSET >= 0 reads LENGTH bytes from it
 * (LENGTH 0: to the end); OFFSET < 0 with LENGTH 0 reads the last -OFFSET
 * bytes; a negative LENGTH, or a negative OFFSET with a LENGTH, is -1
 * (BAD_ARGUMENTS).  tail (tailProcessStdoutLog): LENGTH bytes ending at
 * the end of the file when it has grown past OFFSET + LENGTH (*OVERFLOW
 * set), else what there is from OFFSET; the client's next OFFSET is SIZE.
 * Both give the range as *FROM and *N.
 */
int logfile_read_range(long long offset, long long length, long long size,
    long long *from, long long *n);
void logfile_tail_range(long long offset, long long length, long long size,
    long long *from, long long *n, bool *overflow);
#endif /* TEND_LOGFILE_H */

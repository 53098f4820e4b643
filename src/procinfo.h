/*
 * procinfo.h: reading /proc, in one room.
 *
 * The parsers take the text of one file (as read) and fill a struct; they
 * do no I/O, so unit tests feed them fixture text: a comm with spaces and
 * parentheses, zombies, kernel threads, truncated reads.  The readers are
 * thin: open, read whole, parse.  A process may vanish between two reads;
 * the readers then fail with errno ESRCH, never with a half-filled result.
 */
#ifndef TEND_PROCINFO_H
#define TEND_PROCINFO_H

#include "tend.h"

/* /proc/PID/stat (proc(5)), the fields tend uses. */
struct procinfo_stat {
	pid_t pid;
	char comm[64]; /* as the kernel has it (16 bytes), any bytes */
	char state;    /* R S D T t Z X I P W K */
	pid_t ppid;
	pid_t pgrp;
	pid_t session;
	unsigned long flags;      /* PF_* */
	unsigned long long utime; /* clock ticks */
	unsigned long long stime; /* clock ticks */
	long num_threads;
	unsigned long long starttime; /* clock ticks after boot */
	unsigned long long vsize;     /* bytes */
	long rss_pages;
	bool kthread; /* a kernel thread (PF_KTHREAD) */
};

/* /proc/PID/status (proc(5)), the fields tend uses. */
struct procinfo_status {
	char state;    /* the letter of "State:" */
	long threads;  /* "Threads:" */
	long vmrss_kb; /* "VmRSS:", -1 when absent (zombie, kthread) */
	pid_t tgid;
	pid_t ppid;
	uint64_t sigpnd; /* "SigPnd:" | "ShdPnd:": signals pending, bit N-1
			    for signal N */
};

/* /proc/PID/smaps_rollup (proc(5), Linux 4.14). */
struct procinfo_mem {
	long rss_kb; /* "Rss:" */
	long pss_kb; /* "Pss:" */
	bool valid;  /* false: empty file (zombie, kernel thread) */
};

/* Everything tendctl ps shows about one process. */
struct procinfo {
	struct procinfo_stat st;
	struct procinfo_mem mem;
	char cmdline[256]; /* argv joined by spaces; "[comm]" if empty */
};

/* Parse /proc/PID/stat text.  0, or -1 (errno EINVAL) if malformed. */
int procinfo_parse_stat(const char *text, struct procinfo_stat *st);
/* Parse /proc/PID/status text.  0, or -1 (errno EINVAL) if no "State:". */
int procinfo_parse_status(const char *text, struct procinfo_status *st);
/* Parse /proc/PID/smaps_rollup text.  Always 0; empty text gives
 * valid=false (a zombie or a kernel thread has no memory map). */
int procinfo_parse_smaps_rollup(const char *text, struct procinfo_mem *m);
/* /proc/PID/cmdline (LEN bytes, NUL-separated) to one line in OUT:
 * NULs become spaces, control bytes '?', a trailing NUL dropped.  An
 * empty cmdline (kernel thread, zombie) gives "[COMM]". */
void procinfo_format_cmdline(
    const char *buf, size_t len, const char *comm, char *out, size_t outlen);

/* The cgroup2 mount point in /proc/self/mountinfo text (field 5 of the
 * first line whose filesystem type is "cgroup2", octal escapes such as
 * \040 decoded).  0, or -1 (errno ENOENT) if none, ENAMETOOLONG. */
int procinfo_cgroup2_mount(const char *mountinfo, char *out, size_t len);
/* The v2 path in /proc/PID/cgroup text: the "0::PATH" line.  0, or -1
 * (errno ENOENT) if there is none. */
int procinfo_cgroup2_path(const char *text, char *out, size_t len);
/* The value of KEY in "key value" lines (cgroup.events, memory.events,
 * cpu.stat).  0, or -1 (errno ENOENT) if KEY is absent. */
int procinfo_flat_key(const char *text, const char *key, long long *value);

/* --- readers ----------------------------------------------------------- */

/* Read the whole small file PATH (relative to DIRFD, or AT_FDCWD) into
 * BUF, NUL-terminated; returns the length, or -1 with errno.  A file
 * larger than LEN-1 is cut. */
ssize_t procinfo_read_file(int dirfd, const char *path, char *buf, size_t len);
/* Read stat, smaps_rollup (when MEM) and cmdline (when CMDLINE) of PID.
 * -1 with errno ESRCH when the process is gone (or vanished mid-read),
 * another errno on other failures. */
int procinfo_read(pid_t pid, bool mem, bool cmdline, struct procinfo *pi);
/* Only the stat of PID; -1 with errno ESRCH when gone. */
int procinfo_read_stat(pid_t pid, struct procinfo_stat *st);
/* /proc/PID/status, parsed.  -1 with errno ESRCH if PID is gone. */
int procinfo_read_status(pid_t pid, struct procinfo_status *st);
/* Up to MAX children of the single-threaded process PID (tendd itself),
 * from /proc/PID/task/PID/children; their number, or -1 (errno). */
ssize_t procinfo_children(pid_t pid, pid_t *out, size_t max);

/* Clock ticks per second (sysconf(_SC_CLK_TCK)), and seconds since boot
 * (CLOCK_BOOTTIME), to turn starttime and utime into seconds. */
long procinfo_hz(void);
double procinfo_uptime(void);

#endif /* TEND_PROCINFO_H */

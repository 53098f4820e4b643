/*
 * procinfo.c: every /proc parser of tend.
 *
 * Owns: the text formats of /proc/PID/stat, status, smaps_rollup and
 * cmdline, /proc/self/mountinfo and /proc/PID/cgroup, and the flat
 * "key value" files of cgroup v2 (cgroup.events, memory.events).  The
 * parsers are pure (strings in, structs out); the readers only open,
 * read whole and parse.
 *
 * Leaves alone: deciding what a process belongs to (cgroup.c), showing
 * it (ctl.c, tendctl.c), and anything with state.
 */
#include "procinfo.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* include/linux/sched.h: the task flag of a kernel thread. */
#define PROCINFO_PF_KTHREAD 0x00200000UL

/* ---- /proc/PID/stat ----------------------------------------------------- */

/*
 * "PID (COMM) S PPID PGRP SESSION TTY TPGID FLAGS MINFLT CMINFLT MAJFLT
 * CMAJFLT UTIME STIME CUTIME CSTIME PRIO NICE THREADS ITREAL START VSIZE
 * RSS ..."  COMM may hold anything, spaces and ')' included (prctl
 * PR_SET_NAME), so it ends at the LAST ')' of the line (proc(5)).
 */
int
procinfo_parse_stat(const char *text, struct procinfo_stat *st)
{
	const char *open, *close, *s;
	unsigned long long f[21];
	char *end;
	size_t clen;
	long long pid;
	int i;

	memset(st, 0, sizeof(*st));
	open = strchr(text, '(');
	close = strrchr(text, ')');
	if (open == NULL || close == NULL || close < open)
		goto bad;
	errno = 0;
	pid = strtoll(text, &end, 10);
	if (end == text || pid <= 0 || errno != 0)
		goto bad;
	st->pid = (pid_t)pid;
	clen = (size_t)(close - open - 1);
	if (clen >= sizeof(st->comm))
		clen = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, clen);
	st->comm[clen] = '\0';

	s = close + 1;
	while (*s == ' ')
		s++;
	if (*s == '\0' || *s == '\n')
		goto bad;
	st->state = *s++;
	/* Fields 4..24 (ppid .. rss), all integers; some are signed (nice,
	 * priority, cutime), parsed as such and kept as they come. */
	for (i = 0; i < 21; i++) {
		while (*s == ' ')
			s++;
		errno = 0;
		if (*s == '-')
			f[i] = (unsigned long long)strtoll(s, &end, 10);
		else
			f[i] = strtoull(s, &end, 10);
		if (end == s || errno != 0)
			goto bad;
		s = end;
	}
	st->ppid = (pid_t)f[0];
	st->pgrp = (pid_t)f[1];
	st->session = (pid_t)f[2];
	st->flags = (unsigned long)f[5];
	st->utime = f[10];
	st->stime = f[11];
	st->num_threads = (long)f[16];
	st->starttime = f[18];
	st->vsize = f[19];
	st->rss_pages = (long)f[20];
	st->kthread = (st->flags & PROCINFO_PF_KTHREAD) != 0;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/* ---- "Key:\tvalue" files --------------------------------------------- */

/* The text after "KEY:" on its own line in TEXT, or NULL. */
static const char *
procinfo_field(const char *text, const char *key)
{
	size_t klen = strlen(key);
	const char *s = text;

	while (s != NULL && *s != '\0') {
		if (strncmp(s, key, klen) == 0 && s[klen] == ':') {
			s += klen + 1;
			while (*s == ' ' || *s == '\t')
				s++;
			return s;
		}
		s = strchr(s, '\n');
		if (s != NULL)
			s++;
	}
	return NULL;
}

static long
procinfo_field_long(const char *text, const char *key, long dflt)
{
	const char *v = procinfo_field(text, key);
	char *end;
	long n;

	if (v == NULL)
		return dflt;
	errno = 0;
	n = strtol(v, &end, 10);
	if (end == v || errno != 0)
		return dflt;
	return n;
}

/* A hexadecimal mask after "KEY:" (SigPnd...), 0 if absent. */
static uint64_t
procinfo_field_mask(const char *text, const char *key)
{
	const char *v = procinfo_field(text, key);
	unsigned long long n;
	char *end;

	if (v == NULL)
		return 0;
	errno = 0;
	n = strtoull(v, &end, 16);
	if (end == v || errno != 0)
		return 0;
	return (uint64_t)n;
}

int
procinfo_parse_status(const char *text, struct procinfo_status *st)
{
	const char *state = procinfo_field(text, "State");

	memset(st, 0, sizeof(*st));
	if (state == NULL || *state == '\0' || *state == '\n') {
		errno = EINVAL;
		return -1;
	}
	st->state = *state;
	st->threads = procinfo_field_long(text, "Threads", 0);
	st->vmrss_kb = procinfo_field_long(text, "VmRSS", -1);
	st->tgid = (pid_t)procinfo_field_long(text, "Tgid", 0);
	st->ppid = (pid_t)procinfo_field_long(text, "PPid", 0);
	st->sigpnd = procinfo_field_mask(text, "SigPnd") |
	    procinfo_field_mask(text, "ShdPnd");
	return 0;
}

int
procinfo_parse_smaps_rollup(const char *text, struct procinfo_mem *m)
{
	memset(m, 0, sizeof(*m));
	/* The first line is the address range; the sums follow.  A zombie
	 * or kernel thread has no mm: the file reads empty. */
	m->rss_kb = procinfo_field_long(text, "Rss", -1);
	m->pss_kb = procinfo_field_long(text, "Pss", -1);
	m->valid = m->rss_kb >= 0 && m->pss_kb >= 0;
	if (!m->valid)
		m->rss_kb = m->pss_kb = 0;
	return 0;
}

void
procinfo_format_cmdline(
    const char *buf, size_t len, const char *comm, char *out, size_t outlen)
{
	size_t i, o = 0;

	if (outlen == 0)
		return;
	while (len > 0 && buf[len - 1] == '\0')
		len--;
	if (len == 0) {
		(void)snprintf(out, outlen, "[%s]", comm != NULL ? comm : "?");
		return;
	}
	for (i = 0; i < len && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\0')
			c = ' ';
		else if (c < 0x20 || c == 0x7f)
			c = '?';
		out[o++] = (char)c;
	}
	out[o] = '\0';
}

/* ---- cgroup v2 discovery --------------------------------------------- */

/* Copy a mountinfo field (up to a space), decoding \NNN octal escapes
 * (the kernel escapes space, tab, newline and backslash, proc(5)). */
static int
procinfo_unescape(const char *s, char *out, size_t len)
{
	size_t o = 0;

	while (*s != '\0' && *s != ' ' && *s != '\n') {
		char c = *s;

		if (c == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			c = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			           (s[3] - '0'));
			s += 4;
		} else {
			s++;
		}
		if (o + 1 >= len) {
			errno = ENAMETOOLONG;
			return -1;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/*
 * mountinfo lines: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...]
 * - FSTYPE SOURCE SUPEROPTS".  The optional fields end at " - "; the
 * filesystem type follows it.  Hybrid layouts mount cgroup2 at
 * /sys/fs/cgroup/unified, pure v2 at /sys/fs/cgroup, and a container
 * anywhere, so the type decides, never the path.
 */
int
procinfo_cgroup2_mount(const char *mountinfo, char *out, size_t len)
{
	const char *line = mountinfo;

	while (line != NULL && *line != '\0') {
		const char *eol = strchr(line, '\n');
		const char *sep = strstr(line, " - ");
		const char *mp = line;
		int i;

		if (sep != NULL && (eol == NULL || sep < eol) &&
		    strncmp(sep + 3, "cgroup2 ", 8) == 0) {
			for (i = 0; i < 4 && mp != NULL; i++) {
				mp = strchr(mp, ' ');
				if (mp != NULL)
					mp++;
			}
			if (mp != NULL && mp < sep)
				return procinfo_unescape(mp, out, len);
		}
		line = eol != NULL ? eol + 1 : NULL;
	}
	errno = ENOENT;
	return -1;
}

int
procinfo_cgroup2_path(const char *text, char *out, size_t len)
{
	const char *s = text;

	while (s != NULL && *s != '\0') {
		if (strncmp(s, "0::", 3) == 0) {
			const char *eol = strchrnul(s + 3, '\n');
			size_t n = (size_t)(eol - (s + 3));

			if (n + 1 > len) {
				errno = ENAMETOOLONG;
				return -1;
			}
			memcpy(out, s + 3, n);
			out[n] = '\0';
			return 0;
		}
		s = strchr(s, '\n');
		if (s != NULL)
			s++;
	}
	errno = ENOENT;
	return -1;
}

int
procinfo_flat_key(const char *text, const char *key, long long *value)
{
	size_t klen = strlen(key);
	const char *s = text;

	while (s != NULL && *s != '\0') {
		if (strncmp(s, key, klen) == 0 && s[klen] == ' ') {
			char *end;

			errno = 0;
			*value = strtoll(s + klen + 1, &end, 10);
			if (end != s + klen + 1 && errno == 0)
				return 0;
		}
		s = strchr(s, '\n');
		if (s != NULL)
			s++;
	}
	errno = ENOENT;
	return -1;
}

/* ---- readers ---------------------------------------------------------- */

ssize_t
procinfo_read_file(int dirfd, const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd, e;

	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* /proc files are generated per read(); loop until EOF so a file
	 * longer than one page (smaps_rollup is not) is whole. */
	while (got + 1 < len) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			(void)close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	(void)close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

/* ENOENT on a /proc/PID file, or ESRCH from a read: the process is gone. */
static int
procinfo_gone(void)
{
	if (errno == ENOENT || errno == ESRCH)
		errno = ESRCH;
	return -1;
}

int
procinfo_read_stat(pid_t pid, struct procinfo_stat *st)
{
	char path[64], buf[1024];

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (procinfo_read_file(AT_FDCWD, path, buf, sizeof(buf)) <= 0)
		return procinfo_gone();
	return procinfo_parse_stat(buf, st);
}

int
procinfo_read_status(pid_t pid, struct procinfo_status *st)
{
	char path[64], buf[4096];

	(void)snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if (procinfo_read_file(AT_FDCWD, path, buf, sizeof(buf)) <= 0)
		return procinfo_gone();
	return procinfo_parse_status(buf, st);
}

ssize_t
procinfo_children(pid_t pid, pid_t *out, size_t max)
{
	char path[64], buf[8192];
	const char *s = buf;
	size_t n = 0;

	(void)snprintf(path, sizeof(path), "/proc/%ld/task/%ld/children",
	    (long)pid, (long)pid);
	if (procinfo_read_file(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return -1;
	while (n < max && *s != '\0') {
		char *end;
		long v = strtol(s, &end, 10);

		if (end == s)
			break;
		if (v > 0)
			out[n++] = (pid_t)v;
		s = end;
	}
	return (ssize_t)n;
}

int
procinfo_read(pid_t pid, bool mem, bool cmdline, struct procinfo *pi)
{
	char path[64], buf[2048];
	ssize_t n;
	int dfd, rc = -1;

	memset(pi, 0, sizeof(*pi));
	(void)snprintf(path, sizeof(path), "/proc/%ld", (long)pid);
	/* One directory fd: every file below names the same process, even
	 * if the pid is reused meanwhile (the fd then reads ESRCH). */
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return procinfo_gone();
	if (procinfo_read_file(dfd, "stat", buf, sizeof(buf)) <= 0) {
		(void)procinfo_gone();
		goto out;
	}
	if (procinfo_parse_stat(buf, &pi->st) < 0)
		goto out;
	if (mem) {
		n = procinfo_read_file(dfd, "smaps_rollup", buf, sizeof(buf));
		if (n < 0 && errno != EACCES && errno != ENOENT) {
			(void)procinfo_gone();
			goto out;
		}
		(void)procinfo_parse_smaps_rollup(n > 0 ? buf : "", &pi->mem);
	}
	if (cmdline) {
		n = procinfo_read_file(dfd, "cmdline", buf, sizeof(buf));
		procinfo_format_cmdline(buf, n > 0 ? (size_t)n : 0, pi->st.comm,
		    pi->cmdline, sizeof(pi->cmdline));
	}
	rc = 0;
out:
	(void)close(dfd);
	return rc;
}

long
procinfo_hz(void)
{
	static long hz;

	if (hz <= 0) {
		hz = sysconf(_SC_CLK_TCK);
		if (hz <= 0)
			hz = 100;
	}
	return hz;
}

double
procinfo_uptime(void)
{
	struct timespec ts;

	/* starttime counts from boot, suspend included (proc(5)). */
	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

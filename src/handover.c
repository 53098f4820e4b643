/*
 * handover.c: re-executing tendd in place, keeping its PID and every
 * service (tendctl reexec, SIGUSR1).  Owns the state's format, the
 * registry of rooms that carry something, the exec, the checks of a
 * state received and the fallback to the old image; the check of the new
 * binary before the exec is handover_check.c's, the per-process record
 * (struct proc's fields, its pidfd, exec pipe and log pipes, its timers'
 * remaining time) handover_proc.c's.  It never spawns
 * a service or decides a state: the processes keep running, the state
 * machine is given back exactly what it had.
 *
 * Why the services survive: tendd is one thread, so exec(2) does not end
 * the thread that forked them and PR_SET_PDEATHSIG does not fire; they
 * stay tendd's children, and their pidfds, pipes and cgroups are the
 * same objects before and after.
 *
 * The state (a memfd, sealed):
 *
 *   "TENDHOV1" u32 version, u32 0, u64 payload length, u64 FNV-1a 64 of
 *   the payload; then the payload: u64 nfds, per fd (u64 number, u64
 *   kind, i64 pid, u64 start time); u64 nsections, per section (a
 *   string name, u64 length, its fields).  Integers are little-endian,
 *   every field is tagged with its type, a string is u64 length + bytes.
 *
 * The new tendd gets `--handover=STATE,IMAGE` (two fd numbers): STATE the
 * memfd, IMAGE an O_PATH fd of the old binary to fall back to.
 */
#define _GNU_SOURCE
#include "handover.h"
#include "handover_impl.h"
#include "cgroup.h"
#include "ctl.h"
#include "fsm.h"
#include "log.h"
#include "logcap.h"
#include "procinfo.h"
#include "reap.h"
#include "ready.h"
#include "sdnotify.h"
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

#define HANDOVER_MAGIC "TENDHOV1"
#define HANDOVER_HDR 32
#define HANDOVER_MAX_SECTIONS 32

enum { T_U64 = 1, T_I64, T_F64, T_STR, T_NULL, T_FD };

struct handover_w {
	unsigned char *buf;
	size_t len, cap;
	bool nomem;
};

struct handover_fd {
	int fd;
	uint64_t kind;
	int64_t pid;
	uint64_t start;
	bool taken; /* a room took it (handover_get_fd) */
};

struct handover_r {
	char *name;
	const unsigned char *p;
	size_t len, off;
	bool bad, read;
};

static struct {
	struct {
		const char *name;
		handover_save_fn *save;
	} rooms[HANDOVER_MAX_SECTIONS];
	size_t nrooms;
	/* writing: the fds listed so far */
	struct handover_fd *wfds;
	size_t nwfds, capwfds;
	/* the old image, where tendd runs from, its config */
	int image_fd;
	const char *conf_path;
	/* reading */
	bool active, fallback;
	bool was_ready; /* the previous tendd had sent systemd READY=1 */
	int state_fd;
	unsigned version; /* of the state read */
	unsigned char *state;
	size_t statelen;
	struct handover_fd *fds;
	size_t nfds;
	struct handover_r sections[HANDOVER_MAX_SECTIONS];
	size_t nsections;
	/* the runtime */
	struct ev_loop *loop;
	struct svctab *tab;
	const struct handover_ops *ops;
	ev_timer later; /* reexec from the loop, after the reply is out */
} ho = {.image_fd = -1, .state_fd = -1};

/* ho's buffers, apart from it: zero-initialised, so they take no room in
 * the executable (.bss, not .data). */
static struct {
	char conf_abs[PATH_MAX];
	char refused[256]; /* why the state was refused (fallback pending) */
	char exe[PATH_MAX];
} hop;

static void tendd_save(struct handover_w *w);
static void later_cb(struct ev_loop *l, ev_timer *w, int revents);

/* --- writing --------------------------------------------------------- */

void
handover_register(const char *name, handover_save_fn *save)
{
	if (ho.nrooms == HANDOVER_MAX_SECTIONS)
		fatalx("handover: more than %d sections", HANDOVER_MAX_SECTIONS);
	ho.rooms[ho.nrooms].name = name;
	ho.rooms[ho.nrooms].save = save;
	ho.nrooms++;
}

static void
w_bytes(struct handover_w *w, const void *b, size_t n)
{
	unsigned char *nb;
	size_t cap;

	if (w->nomem)
		return;
	if (w->len + n > w->cap) {
		cap = w->cap ? w->cap : 4096;
		while (cap < w->len + n)
			cap *= 2;
		if ((nb = realloc(w->buf, cap)) == NULL) {
			w->nomem = true;
			return;
		}
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, b, n);
	w->len += n;
}

static void
w_raw64(struct handover_w *w, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	w_bytes(w, b, 8);
}

static void
w_tag(struct handover_w *w, unsigned char t)
{
	w_bytes(w, &t, 1);
}

void
handover_put_u64(struct handover_w *w, uint64_t v)
{
	w_tag(w, T_U64);
	w_raw64(w, v);
}

void
handover_put_i64(struct handover_w *w, int64_t v)
{
	w_tag(w, T_I64);
	w_raw64(w, (uint64_t)v);
}

void
handover_put_f64(struct handover_w *w, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	w_tag(w, T_F64);
	w_raw64(w, bits);
}

static void
w_str(struct handover_w *w, const char *s)
{
	size_t n = strlen(s);

	w_raw64(w, n);
	w_bytes(w, s, n);
}

void
handover_put_str(struct handover_w *w, const char *s)
{
	if (s == NULL) {
		w_tag(w, T_NULL);
		return;
	}
	w_tag(w, T_STR);
	w_str(w, s);
}

/* The start time of PID (/proc/PID/stat), 0 if it cannot be read. */
static uint64_t
pid_start(pid_t pid)
{
	struct procinfo_stat st;

	if (pid <= 0 || procinfo_read_stat(pid, &st) == -1)
		return 0;
	return st.starttime;
}

void
handover_put_fd(
    struct handover_w *w, int fd, enum handover_fd_kind kind, pid_t pid)
{
	struct handover_fd *v;
	size_t cap;

	if (ho.nwfds == ho.capwfds) {
		cap = ho.capwfds ? 2 * ho.capwfds : 64;
		if ((v = realloc(ho.wfds, cap * sizeof(*v))) == NULL) {
			w->nomem = true;
			return;
		}
		ho.wfds = v;
		ho.capwfds = cap;
	}
	v = &ho.wfds[ho.nwfds++];
	v->fd = fd;
	v->kind = kind;
	v->pid = kind == HANDOVER_FD_PIDFD ? pid : 0;
	v->start = kind == HANDOVER_FD_PIDFD ? pid_start(pid) : 0;
	w_tag(w, T_FD);
	w_raw64(w, (uint64_t)fd);
}

/* FNV-1a, 64 bits: the state is checked, not authenticated (it never
 * leaves the process). */
static uint64_t
handover_sum(const unsigned char *b, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Every registered room's section, then the fd table before them. */
static int
handover_pack(struct handover_w *out)
{
	struct handover_w body = {0};
	size_t i, mark;
	uint64_t sum;

	ho.nwfds = 0;
	w_raw64(&body, ho.nrooms);
	for (i = 0; i < ho.nrooms; i++) {
		w_str(&body, ho.rooms[i].name);
		mark = body.len;
		w_raw64(&body, 0);
		ho.rooms[i].save(&body);
		if (body.nomem)
			break;
		/* the section's length, now known */
		for (int k = 0; k < 8; k++)
			body.buf[mark + k] = (unsigned char)(
			    (uint64_t)(body.len - mark - 8) >> (8 * k));
	}
	w_raw64(out, ho.nwfds);
	for (i = 0; i < ho.nwfds; i++) {
		w_raw64(out, (uint64_t)ho.wfds[i].fd);
		w_raw64(out, ho.wfds[i].kind);
		w_raw64(out, (uint64_t)ho.wfds[i].pid);
		w_raw64(out, ho.wfds[i].start);
	}
	w_bytes(out, body.buf, body.len);
	free(body.buf);
	if (body.nomem || out->nomem) {
		errno = ENOMEM;
		return -1;
	}
	sum = handover_sum(out->buf, out->len);
	/* the header goes in front: rebuild with it */
	{
		struct handover_w full = {0};

		w_bytes(&full, HANDOVER_MAGIC, 8);
		w_raw64(&full, HANDOVER_VERSION);
		w_raw64(&full, out->len);
		w_raw64(&full, sum);
		w_bytes(&full, out->buf, out->len);
		free(out->buf);
		*out = full;
	}
	return out->nomem ? (errno = ENOMEM, -1) : 0;
}

/* The state in a sealed memfd; -1 with ERR filled. */
static int
handover_write(char *err, size_t errlen)
{
	struct handover_w w = {0};
	size_t off = 0;
	ssize_t n;
	int fd;

	if (handover_pack(&w) == -1) {
		(void)snprintf(err, errlen, "state: %s", strerror(errno));
		free(w.buf);
		return -1;
	}
	fd = memfd_create("tend-handover", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd == -1) {
		(void)snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		free(w.buf);
		return -1;
	}
	while (off < w.len) {
		n = write(fd, w.buf + off, w.len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			(void)snprintf(err, errlen, "state: write: %s",
			    strerror(errno));
			free(w.buf);
			(void)close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	free(w.buf);
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK |
	                               F_SEAL_SEAL) == -1)
		log_warn("handover: state: seal");
	return fd;
}

/* --- reading --------------------------------------------------------- */

static bool
r_raw64(const unsigned char *b, size_t len, size_t *off, uint64_t *v)
{
	int i;

	if (len - *off < 8 || *off > len)
		return false;
	*v = 0;
	for (i = 0; i < 8; i++)
		*v |= (uint64_t)b[*off + (size_t)i] << (8 * i);
	*off += 8;
	return true;
}

static bool
r_tag(struct handover_r *r, unsigned char t)
{
	if (r->bad || r->off >= r->len || r->p[r->off] != t) {
		r->bad = true;
		return false;
	}
	r->off++;
	return true;
}

static uint64_t
r_field(struct handover_r *r, unsigned char t)
{
	uint64_t v = 0;

	if (!r_tag(r, t) || !r_raw64(r->p, r->len, &r->off, &v))
		r->bad = true;
	return r->bad ? 0 : v;
}

uint64_t
handover_get_u64(struct handover_r *r)
{
	return r_field(r, T_U64);
}

int64_t
handover_get_i64(struct handover_r *r)
{
	return (int64_t)r_field(r, T_I64);
}

double
handover_get_f64(struct handover_r *r)
{
	uint64_t bits = r_field(r, T_F64);
	double v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

char *
handover_get_str(struct handover_r *r)
{
	uint64_t n = 0;
	char *s;

	if (!r->bad && r->off < r->len && r->p[r->off] == T_NULL) {
		r->off++;
		return NULL;
	}
	if (!r_tag(r, T_STR) || !r_raw64(r->p, r->len, &r->off, &n) ||
	    n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	if ((s = strndup((const char *)r->p + r->off, (size_t)n)) == NULL)
		fatal("handover: state");
	r->off += (size_t)n;
	return s;
}

int
handover_get_fd(struct handover_r *r)
{
	uint64_t n = r_field(r, T_FD);
	size_t i;

	for (i = 0; !r->bad && i < ho.nfds; i++) {
		if ((uint64_t)ho.fds[i].fd != n || ho.fds[i].taken)
			continue;
		ho.fds[i].taken = true;
		if (util_set_cloexec(ho.fds[i].fd) == -1)
			log_warn("handover: fd %d: FD_CLOEXEC", ho.fds[i].fd);
		return ho.fds[i].fd;
	}
	r->bad = true;
	return -1;
}

unsigned
handover_read_version(void)
{
	return ho.version;
}

struct handover_r *
handover_section(const char *name)
{
	size_t i;

	for (i = 0; ho.active && i < ho.nsections; i++)
		if (strcmp(ho.sections[i].name, name) == 0) {
			ho.sections[i].read = true;
			return &ho.sections[i];
		}
	return NULL;
}

void
handover_end(struct handover_r *r)
{
	if (r->bad || r->off != r->len)
		handover_fallback("section %s: malformed at byte %zu of %zu",
		    r->name, r->off, r->len);
}

bool
handover_active(void)
{
	return ho.active;
}

/* --- checking a state received ----------------------------------------- */

/* The pid a pidfd refers to (/proc/self/fdinfo "Pid:"), -1 if none. */
static long
pidfd_pid(int fd)
{
	char path[64], buf[1024], *s;

	(void)snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (procinfo_read_file(AT_FDCWD, path, buf, sizeof(buf)) < 0 ||
	    (s = strstr(buf, "\nPid:")) == NULL)
		return -1;
	return strtol(s + 5, NULL, 10);
}

/* Is FD what the state says it is?  NULL, or why not. */
static const char *
fd_check(const struct handover_fd *f)
{
	struct stat st;

	if (fstat(f->fd, &st) == -1)
		return "not open";
	switch (f->kind) {
	case HANDOVER_FD_PIPE:
		return S_ISFIFO(st.st_mode) ? NULL : "not a pipe";
	case HANDOVER_FD_SOCKET:
		return S_ISSOCK(st.st_mode) ? NULL : "not a socket";
	case HANDOVER_FD_PIDFD:
		if (pidfd_pid(f->fd) != f->pid)
			return "not a pidfd of its pid";
		if (pid_start((pid_t)f->pid) != f->start)
			return "its pid is another process now";
		return NULL;
	default:
		return "of an unknown kind";
	}
}

static int
parse_fds(const unsigned char *b, size_t len, size_t *off, char *err,
    size_t errlen)
{
	uint64_t n = 0, v[4];
	const char *why;
	size_t i;
	int k;

	if (!r_raw64(b, len, off, &n) || n > len / 32) {
		(void)snprintf(err, errlen, "bad descriptor count");
		return -1;
	}
	if ((ho.fds = calloc(n + 1, sizeof(*ho.fds))) == NULL)
		fatal("handover: state");
	for (i = 0; i < n; i++) {
		for (k = 0; k < 4; k++)
			if (!r_raw64(b, len, off, &v[k])) {
				(void)snprintf(err, errlen, "cut short");
				return -1;
			}
		ho.fds[i].fd = (int)v[0];
		ho.fds[i].kind = v[1];
		ho.fds[i].pid = (int64_t)v[2];
		ho.fds[i].start = v[3];
		ho.nfds++;
		if ((why = fd_check(&ho.fds[i])) != NULL) {
			(void)snprintf(err, errlen, "fd %d is %s", (int)v[0],
			    why);
			return -1;
		}
	}
	return 0;
}

static int
parse_sections(const unsigned char *b, size_t len, size_t *off, char *err,
    size_t errlen)
{
	uint64_t n = 0, namelen, seclen;
	struct handover_r *r;
	size_t i;

	if (!r_raw64(b, len, off, &n) || n > HANDOVER_MAX_SECTIONS) {
		(void)snprintf(err, errlen, "bad section count");
		return -1;
	}
	for (i = 0; i < n; i++) {
		r = &ho.sections[i];
		if (!r_raw64(b, len, off, &namelen) || namelen > len - *off)
			goto cut;
		if ((r->name = strndup((const char *)b + *off, namelen)) ==
		    NULL)
			fatal("handover: state");
		*off += namelen;
		ho.nsections++;
		if (!r_raw64(b, len, off, &seclen) || seclen > len - *off)
			goto cut;
		r->p = b + *off;
		r->len = (size_t)seclen;
		*off += seclen;
	}
	if (*off == len)
		return 0;
cut:
	(void)snprintf(err, errlen, "sections cut short or trailing bytes");
	return -1;
}

/* Debug builds only: make this binary refuse every state it is given
 * (not in a fallback), to test the fallback (tests/integration). */
static bool
handover_refused_for_test(void)
{
#ifdef TEND_FAULTS
	return !ho.fallback && getenv("TEND_HANDOVER_REFUSE") != NULL;
#else
	return false;
#endif
}

/* Read and check the whole state; -1 with ERR filled. */
static int
handover_read(char *err, size_t errlen)
{
	struct stat st;
	uint64_t ver = 0, plen = 0, sum = 0;
	size_t off = 8;

	if (fstat(ho.state_fd, &st) == -1 || st.st_size < HANDOVER_HDR) {
		(void)snprintf(err, errlen, "state fd %d: no state", ho.state_fd);
		return -1;
	}
	ho.statelen = (size_t)st.st_size;
	if ((ho.state = malloc(ho.statelen)) == NULL)
		fatal("handover: state");
	if (pread(ho.state_fd, ho.state, ho.statelen, 0) !=
	    (ssize_t)ho.statelen) {
		(void)snprintf(err, errlen, "state: read: %s", strerror(errno));
		return -1;
	}
	if (memcmp(ho.state, HANDOVER_MAGIC, 8) != 0 ||
	    !r_raw64(ho.state, ho.statelen, &off, &ver) ||
	    !r_raw64(ho.state, ho.statelen, &off, &plen) ||
	    !r_raw64(ho.state, ho.statelen, &off, &sum) ||
	    plen != ho.statelen - HANDOVER_HDR) {
		(void)snprintf(err, errlen, "state: bad header");
		return -1;
	}
	if (ver < HANDOVER_VERSION_MIN || ver > HANDOVER_VERSION ||
	    handover_refused_for_test()) {
		(void)snprintf(err, errlen,
		    "state format %llu; this tendd reads %d to %d",
		    (unsigned long long)ver, HANDOVER_VERSION_MIN,
		    HANDOVER_VERSION);
		return -1;
	}
	ho.version = (unsigned)ver;
	if (handover_sum(ho.state + HANDOVER_HDR, (size_t)plen) != sum) {
		(void)snprintf(err, errlen, "state: checksum mismatch");
		return -1;
	}
	return parse_fds(ho.state, ho.statelen, &off, err, errlen) == -1 ||
	               parse_sections(ho.state, ho.statelen, &off, err,
	                   errlen) == -1
	           ? -1
	           : 0;
}

/* --- the exec, both ways ------------------------------------------------ */

/* Clear (ON false) or set again the close-on-exec flag of the carried
 * descriptors (the state's own are at I). */
static void
fds_inherit(const struct handover_fd *v, size_t n, bool on)
{
	size_t i;
	int fl;

	for (i = 0; i < n; i++) {
		if ((fl = fcntl(v[i].fd, F_GETFD)) == -1 ||
		    fcntl(v[i].fd, F_SETFD,
		        on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC) == -1)
			log_warn("handover: fd %d: F_SETFD", v[i].fd);
	}
}

static int
fd_inherit(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl == -1)
		return -1;
	return fcntl(fd, F_SETFD, on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC);
}

static void
exec_args(char **argv, char *arg, size_t arglen, int state_fd, bool fallback)
{
	(void)snprintf(arg, arglen, "--handover=%d,%d", state_fd, ho.image_fd);
	argv[0] = hop.exe;
	argv[1] = (char *)"-c";
	argv[2] = (char *)ho.conf_path;
	argv[3] = arg;
	argv[4] = fallback ? (char *)"--handover-fallback" : NULL;
	argv[5] = NULL;
}

/*
 * The new binary cannot take the state: exec the old image with it.  The
 * descriptors are all still open (nothing is closed before
 * handover_finish), so the old tendd finds them as it left them.
 */
void
handover_fallback(const char *why, ...)
{
	char msg[512], arg[64];
	char *argv[6];
	va_list ap;

	va_start(ap, why);
	(void)vsnprintf(msg, sizeof(msg), why, ap);
	va_end(ap);
	if (ho.fallback || ho.image_fd == -1)
		fatalx("handover: %s; no image to fall back to", msg);
	log_warnx("handover: %s; falling back to the previous tendd", msg);
#ifdef TEND_FAULTS
	(void)unsetenv("TEND_HANDOVER_REFUSE");
#endif
	fds_inherit(ho.fds, ho.nfds, false);
	if (fd_inherit(ho.state_fd, false) == -1 ||
	    fd_inherit(ho.image_fd, false) == -1)
		fatal("handover: fallback: F_SETFD");
	exec_args(argv, arg, sizeof(arg), ho.state_fd, true);
	(void)syscall(SYS_execveat, ho.image_fd, "", argv, environ,
	    AT_EMPTY_PATH);
	fatal("handover: fallback: execveat(previous image)");
}

/* Where tendd runs from, and the image of the running binary: what a
 * fallback execs.  Replaced on disk (an upgrade), the path names the new
 * binary. */
static void
image_open(void)
{
	ssize_t n;
	char *d;

	ho.image_fd = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	if (ho.image_fd == -1)
		log_warn("open /proc/self/exe (a reexec would have no "
		         "fallback)");
	if (hop.exe[0] != '\0')
		return;
	if ((n = readlink("/proc/self/exe", hop.exe, sizeof(hop.exe) - 1)) < 0) {
		log_warn("readlink /proc/self/exe");
		n = 0;
	}
	hop.exe[n] = '\0';
	if ((d = strstr(hop.exe, " (deleted)")) != NULL && d[10] == '\0')
		*d = '\0';
}

static void
tendd_save(struct handover_w *w)
{
	handover_put_str(w, hop.exe);
	handover_put_u64(w, sdnotify_ready_sent());
}

/* The old tendd's path is the one to re-execute next time. */
static void
tendd_load(void)
{
	struct handover_r *r = handover_section("tendd");
	char *exe;

	if (r == NULL)
		handover_fallback("no tendd section");
	exe = handover_get_str(r);
	/* 4: whether systemd was told READY=1 */
	if (handover_read_version() >= 4)
		ho.was_ready = handover_get_u64(r) != 0;
	handover_end(r);
	if (exe != NULL)
		(void)snprintf(hop.exe, sizeof(hop.exe), "%s", exe);
	free(exe);
}

void
handover_start(const char *conf_path, const char *arg, bool fallback)
{
	char err[256], *end;
	long s, i;

	/* The successor is given it after tendd's chdir (directory=). */
	ho.conf_path = realpath(conf_path, hop.conf_abs) != NULL ? hop.conf_abs
	                                                        : conf_path;
	handover_register("tendd", tendd_save);
	if (arg == NULL) {
		image_open();
		return;
	}
	ho.fallback = fallback;
	s = strtol(arg, &end, 10);
	i = *end == ',' ? strtol(end + 1, &end, 10) : -1;
	if (*end != '\0' || s < 0 || i < 0 || s > INT_MAX || i > INT_MAX)
		fatalx("--handover=%s: expected STATE,IMAGE fd numbers", arg);
	ho.state_fd = (int)s;
	ho.image_fd = (int)i;
	ho.active = true;
	if (fd_inherit(ho.state_fd, true) == -1 ||
	    fd_inherit(ho.image_fd, true) == -1)
		fatal("--handover=%s", arg);
	/* A refusal falls back from handover_init(), once tendd's log is
	 * open where the config says. */
	if (handover_read(err, sizeof(err)) == -1)
		(void)snprintf(hop.refused, sizeof(hop.refused), "%s", err);
	else
		tendd_load();
}

void
handover_init(
    struct ev_loop *loop, struct svctab *tab, const struct handover_ops *ops)
{
	ho.loop = loop;
	ho.tab = tab;
	ho.ops = ops;
	ev_timer_init(&ho.later, later_cb, 0., 0.);
	handover_procs_init(loop, tab, ops);
	if (hop.refused[0] != '\0')
		handover_fallback("%s", hop.refused);
	if (ho.active)
		log_info("handover: state of %zu bytes, %zu descriptors "
		         "checked%s",
		    ho.statelen, ho.nfds, ho.fallback ? " (fallback)" : "");
}

void
handover_check_sections(const char *except)
{
	size_t k;

	for (k = 0; k < ho.nsections; k++)
		if (!ho.sections[k].read &&
		    strcmp(ho.sections[k].name, except) != 0)
			handover_fallback("section %s: unknown to this tendd",
			    ho.sections[k].name);
}

bool
handover_ok(const struct handover_r *r)
{
	return !r->bad;
}

void
handover_finish(void)
{
	size_t i;

	if (!ho.active)
		return;
	for (i = 0; i < ho.nfds; i++)
		if (!ho.fds[i].taken) {
			log_warnx("handover: fd %d was not taken; closed",
			    ho.fds[i].fd);
			(void)close(ho.fds[i].fd);
		}
	for (i = 0; i < ho.nsections; i++)
		free(ho.sections[i].name);
	ho.nsections = 0;
	free(ho.fds);
	ho.fds = NULL;
	ho.nfds = 0;
	free(ho.state);
	ho.state = NULL;
	if (close(ho.state_fd) == -1)
		log_warn("handover: close state");
	ho.state_fd = -1;
	/* The hand-over is over: systemd hears READY=1 again. */
	sdnotify_reexeced(ho.was_ready);
	/* From now on the fallback is this binary. */
	(void)close(ho.image_fd);
	image_open();
	ho.active = false;
	ho.fallback = false;
}

/* --- re-executing ------------------------------------------------------ */

static void
exec_now(void)
{
	char err[512], arg[64];
	char *argv[6];
	int fd;

	if ((fd = handover_write(err, sizeof(err))) == -1) {
		log_warnx("reexec: %s; tendd goes on as it was", err);
		return;
	}
	fds_inherit(ho.wfds, ho.nwfds, false);
	if (fd_inherit(fd, false) == -1 || fd_inherit(ho.image_fd, false) == -1)
		log_warn("reexec: F_SETFD");
	exec_args(argv, arg, sizeof(arg), fd, false);
	log_info("reexec: executing %s (%zu processes, %zu descriptors)",
	    hop.exe, ho.tab->nprocs, ho.nwfds);
	(void)execve(hop.exe, argv, environ);
	log_warn("reexec: execve %s; tendd goes on as it was", hop.exe);
	fds_inherit(ho.wfds, ho.nwfds, true);
	(void)fd_inherit(ho.image_fd, true);
	(void)close(fd);
	sdnotify_reloaded();
}

void
handover_reexec(void)
{
	char msg[512];

	if (handover_check_begin(NULL, false, msg, sizeof(msg)) == -1)
		log_warnx("reexec: %s; not now", msg);
}

static void
later_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l, (void)w, (void)revents;
	/* A reload or shutdown may have begun since the check. */
	if (ho.ops->busy() != NULL) {
		log_warnx("reexec: %s; not now", ho.ops->busy());
		return;
	}
	sdnotify_reloading();
	exec_now();
}

/* --- what handover_check.c reads ------------------------------------- */

struct ev_loop *
handover_loop(void)
{
	return ho.loop;
}

const char *
handover_busy(void)
{
	return ho.ops->busy();
}

const char *
handover_exe(void)
{
	return hop.exe;
}

const char *
handover_conf(void)
{
	return ho.conf_path;
}

bool
handover_has_image(void)
{
	return ho.image_fd != -1 && hop.exe[0] != '\0';
}

void
handover_exec_soon(void)
{
	ev_timer_set(&ho.later, 0., 0.);
	ev_timer_start(ho.loop, &ho.later);
}

/* The request: check (a child of the loop), answer, then exec from the
 * loop. */
void
handover_do_reexec(struct req *rq)
{
	char msg[512];

	if (handover_check_begin(rq, req_opt(rq, "dry_run") != NULL, msg,
	        sizeof(msg)) == -1)
		req_error(rq, "%s", msg);
}

/* --- the notify socket (ready.c stays free of the hand-over: its unit
 * test links it alone) ----------------------------------------------- */

#ifdef HAVE_NOTIFY
static void
ready_save(struct handover_w *w)
{
	handover_put_fd(w, ready_fd(), HANDOVER_FD_SOCKET, 0);
}

bool
handover_ready(struct ev_loop *loop, const struct svctab *tab, const char *path)
{
	struct handover_r *r = handover_section("ready");
	int fd;

	handover_register("ready", ready_save);
	if (r == NULL)
		return false;
	fd = handover_get_fd(r);
	handover_end(r);
	ready_adopt(loop, tab, path, fd);
	return true;
}
#endif

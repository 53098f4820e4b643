/*
 * ready.c: the NOTIFY_SOCKET server (services -> tendd, sd_notify(3)).
 *
 * Owns: the one AF_UNIX datagram socket every readiness=notify (or
 * watchdog_sec) process gets as NOTIFY_SOCKET, the attribution of each
 * datagram to a process, the parsing of its assignments, the counters of
 * dropped datagrams, and each process's watchdog timer (p->watchdog) and
 * the runtime fields p->mainpid and p->reloading.  Leaves alone: every
 * state decision (READY=1 and a watchdog expiry are fsm events; fsm.c
 * decides), spawning (spawn.c puts NOTIFY_SOCKET in the environment) and
 * tendd's own notifications to systemd (sdnotify.c).
 *
 * Attribution.  The socket has SO_PASSCRED, so every datagram carries
 * the sender's pid, uid and gid as the kernel saw them (unix(7)
 * SCM_CREDENTIALS; an unprivileged sender cannot forge its pid).  A
 * datagram belongs to process P when the sender is
 *   1. P's main process (the pid tendd started), or
 *   2. the pid P announced with MAINPID=, or
 *   3. any process in P's session: spawn.c makes every service a session
 *      leader (setsid), so the session id in /proc/PID/stat (proc(5),
 *      field 6) names the service a helper such as `systemd-notify
 *      --ready` or a worker child belongs to.  A service that calls
 *      setsid() itself leaves its session; its children must then send
 *      MAINPID= from the main process first, or send from the main pid.
 * A sender that already exited and was reaped cannot be looked up (the
 * same race systemd-notify has without --pid): its datagram is dropped
 * as from an unknown sender.  Anything else is dropped and counted too,
 * as are datagrams over READY_MSG_MAX bytes (MSG_TRUNC) and ones without
 * credentials.  Descriptors sent along (FDSTORE=1) are closed at once:
 * tend keeps no file descriptor store.
 */
#include "ready.h"
#include "fsm.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Room for the credentials and a few passed descriptors (closed). */
#define READY_MAX_FDS 16

static struct {
	struct ev_loop *loop;
	const struct svctab *tab;
	int fd;
	ev_io io;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	bool bound_file; /* a filesystem socket to unlink at the end */
	struct ready_stats st;
} ready = {.fd = -1};

/* The message buffer, apart from ready: zero-initialised, so it takes no
 * room in the executable (.bss). */
static struct {
	char buf[READY_MSG_MAX + 1];
} readybuf;

/* ---- parsing (pure) ----------------------------------------------------- */

/* Does the assignment [S, S+N) start with KEY= ?  Then VALUE/VLEN. */
static bool
ready_key(
    const char *s, size_t n, const char *key, const char **value, size_t *vlen)
{
	size_t k = strlen(key);

	if (n <= k || memcmp(s, key, k) != 0 || s[k] != '=')
		return false;
	*value = s + k + 1;
	*vlen = n - k - 1;
	return true;
}

static bool
ready_is(const char *v, size_t vlen, const char *want)
{
	return vlen == strlen(want) && memcmp(v, want, vlen) == 0;
}

/* A positive decimal number that fits a pid_t / int; 0 if not. */
static long
ready_number(const char *v, size_t vlen)
{
	long n = 0;
	size_t i;

	if (vlen == 0 || vlen > 9)
		return 0;
	for (i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return 0;
		n = n * 10 + (v[i] - '0');
	}
	return n;
}

/* STATUS= goes to the status output: no control characters there. */
static void
ready_copy_status(char *dst, size_t dstlen, const char *v, size_t vlen)
{
	size_t i;

	if (vlen > dstlen - 1)
		vlen = dstlen - 1;
	for (i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)v[i];

		dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[vlen] = '\0';
}

static void
ready_parse_one(const char *s, size_t n, struct ready_msg *m)
{
	const char *v;
	size_t vlen;

	if (n == 0)
		return; /* an empty line, e.g. a trailing newline */
	if (ready_key(s, n, "READY", &v, &vlen) && ready_is(v, vlen, "1"))
		m->ready = true;
	else if (ready_key(s, n, "RELOADING", &v, &vlen) &&
	         ready_is(v, vlen, "1"))
		m->reloading = true;
	else if (ready_key(s, n, "STOPPING", &v, &vlen) &&
	         ready_is(v, vlen, "1"))
		m->stopping = true;
	else if (ready_key(s, n, "WATCHDOG", &v, &vlen) &&
	         ready_is(v, vlen, "1"))
		m->watchdog = true;
	else if (ready_key(s, n, "WATCHDOG", &v, &vlen) &&
	         ready_is(v, vlen, "trigger"))
		m->watchdog_trigger = true;
	else if (ready_key(s, n, "STATUS", &v, &vlen)) {
		m->has_status = true;
		ready_copy_status(m->status, sizeof(m->status), v, vlen);
	} else if (ready_key(s, n, "MAINPID", &v, &vlen) &&
	           ready_number(v, vlen) > 0)
		m->mainpid = (pid_t)ready_number(v, vlen);
	else if (ready_key(s, n, "ERRNO", &v, &vlen) &&
	         ready_number(v, vlen) > 0)
		m->errnum = (int)ready_number(v, vlen);
	else
		m->ignored++;
}

void
ready_parse(const char *buf, size_t len, struct ready_msg *m)
{
	const char *end = buf + len, *s = buf, *nl;

	memset(m, 0, sizeof(*m));
	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL)
			nl = end;
		ready_parse_one(s, (size_t)(nl - s), m);
		s = nl + 1;
	}
}

void
ready_default_path(const char *ctl_path, char *out, size_t len)
{
	size_t n = strlen(ctl_path);
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;
	int w;

	if (n > 5 && strcmp(ctl_path + n - 5, ".sock") == 0)
		w = snprintf(out, len, "%.*s.notify", (int)(n - 5), ctl_path);
	else
		w = snprintf(out, len, "%s.notify", ctl_path);
	if (w < 0 || (size_t)w >= len || (size_t)w > max)
		(void)snprintf(out, len, "@tend-notify-%ld", (long)getpid());
}

/* ---- attribution ------------------------------------------------------ */

/* The session id of PID from /proc/PID/stat (proc(5)); -1 if gone.  The
 * command name (field 2) may hold spaces and ')': parse after the last
 * ')'. */
static pid_t
ready_session_of(pid_t pid)
{
	char path[64], buf[512], *s;
	long ppid, pgrp, sid;
	char state;
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((s = strrchr(buf, ')')) == NULL ||
	    sscanf(s + 1, " %c %ld %ld %ld", &state, &ppid, &pgrp, &sid) != 4)
		return -1;
	return (pid_t)sid;
}

static struct proc *
ready_find(pid_t pid)
{
	const struct svctab *tab = ready.tab;
	struct proc *p;
	pid_t sid;
	size_t i;

	if (tab == NULL || pid <= 0)
		return NULL;
	if ((p = svctab_find_pid(tab, pid)) != NULL)
		return p;
	for (i = 0; i < tab->nprocs; i++)
		if (tab->procs[i]->pid != 0 && tab->procs[i]->mainpid == pid)
			return tab->procs[i];
	if ((sid = ready_session_of(pid)) <= 0)
		return NULL;
	return svctab_find_pid(tab, sid);
}

/* ---- the watchdog ------------------------------------------------------- */

static void
ready_watchdog_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	struct proc *p = w->data;

	ev_timer_stop(l, w);
	log_warnx("%s: watchdog timeout (no WATCHDOG=1 for %g seconds); "
	          "killing it with SIGABRT",
	    p->fullname, p->conf->watchdog_sec);
	fsm_on_watchdog(p);
}

/* (Re)start P's watchdog: watchdog_sec from now. */
static void
ready_watchdog_kick(struct proc *p)
{
	if (p->conf->watchdog_sec <= 0 || ready.loop == NULL)
		return;
	ev_timer_stop(ready.loop, &p->watchdog);
	ev_timer_init(
	    &p->watchdog, ready_watchdog_cb, p->conf->watchdog_sec, 0.);
	p->watchdog.data = p;
	ev_timer_start(ready.loop, &p->watchdog);
}

void
ready_proc_changed(struct proc *p, enum proc_state from)
{
	if (ready.loop == NULL)
		return;
	if (p->state == PROC_RUNNING) {
		if (from != PROC_RUNNING)
			ready_watchdog_kick(p);
		return;
	}
	/* A zeroed struct proc's timer is inactive: stopping is a no-op. */
	ev_timer_stop(ready.loop, &p->watchdog);
	if (p->state == PROC_STARTING && from != PROC_STARTING) {
		p->mainpid = 0;
		p->reloading = false;
	}
	if (!fsm_is_active(p->state))
		p->reloading = false;
}

/* ---- receiving -------------------------------------------------------- */

static void
ready_apply(struct proc *p, pid_t sender, const struct ready_msg *m)
{
	if (m->has_status)
		svctab_note_set(&p->status_text, SVCTAB_STATUS_TEXT_MAX, "%s",
		    m->status);
	if (m->mainpid > 0 && m->mainpid != p->mainpid) {
		log_debug("%s: MAINPID=%ld (from pid %ld)", p->fullname,
		    (long)m->mainpid, (long)sender);
		p->mainpid = m->mainpid;
	}
	if (m->errnum > 0)
		log_info("%s: process reported ERRNO=%d (%s)", p->fullname,
		    m->errnum, strerror(m->errnum));
	if (m->reloading) {
		log_info("%s: process reported RELOADING=1", p->fullname);
		p->reloading = true;
	}
	if (m->stopping)
		log_info("%s: process reported STOPPING=1", p->fullname);
	if (m->watchdog && p->state == PROC_RUNNING &&
	    ev_is_active(&p->watchdog))
		ready_watchdog_kick(p);
	if (m->ready) {
		if (p->reloading)
			log_info("%s: reload done (READY=1)", p->fullname);
		p->reloading = false;
		fsm_on_ready(p);
	}
	if (m->watchdog_trigger) {
		log_warnx("%s: process reported WATCHDOG=trigger", p->fullname);
		fsm_on_watchdog(p);
	}
}

/* Read one datagram; false when there is nothing more to read. */
static bool
ready_receive_one(void)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct ucred)) +
		         CMSG_SPACE(sizeof(int) * READY_MAX_FDS)];
	} ctl;
	struct iovec iov = {.iov_base = readybuf.buf, .iov_len = READY_MSG_MAX};
	struct msghdr mh = {.msg_iov = &iov,
	    .msg_iovlen = 1,
	    .msg_control = ctl.buf,
	    .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *cm;
	struct ucred cred;
	struct ready_msg m;
	struct proc *p;
	bool have_cred = false;
	ssize_t n;
	size_t i, nfds;

	/* MSG_TRUNC makes the kernel report the datagram's real length
	 * (recv(2)), so an oversized one is recognised, not cut. */
	n = recvmsg(ready.fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_warn("notify socket: recvmsg");
		return false;
	}
	ready.st.received++;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_CREDENTIALS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(cred))) {
			memcpy(&cred, CMSG_DATA(cm), sizeof(cred));
			have_cred = true;
		} else if (cm->cmsg_type == SCM_RIGHTS) {
			/* FDSTORE=1 and friends: not kept. */
			nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (i = 0; i < nfds; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
				    sizeof(fd));
				(void)close(fd);
			}
		}
	}
	if ((size_t)n > READY_MSG_MAX || (mh.msg_flags & MSG_TRUNC)) {
		ready.st.oversized++;
		log_debug("notify socket: dropped a %zd-byte datagram from "
		          "pid %ld (over %d bytes)",
		    n, have_cred ? (long)cred.pid : -1L, READY_MSG_MAX);
		return true;
	}
	if (!have_cred) {
		ready.st.nocreds++;
		log_debug("notify socket: dropped a datagram without "
		          "credentials");
		return true;
	}
	if ((p = ready_find(cred.pid)) == NULL) {
		ready.st.unknown++;
		log_debug("notify socket: dropped a datagram from pid %ld "
		          "(uid %ld): not a process of ours",
		    (long)cred.pid, (long)cred.uid);
		return true;
	}
	ready.st.accepted++;
	ready_parse(readybuf.buf, (size_t)n, &m);
	ready_apply(p, cred.pid, &m);
	return true;
}

static void
ready_io_cb(struct ev_loop *l, ev_io *w, int revents)
{
	int budget = 64; /* bounded: a flood never starves the loop */

	while (budget-- > 0 && ready_receive_one())
		;
}

/* ---- set-up and tear-down ----------------------------------------------- */

static void
ready_listen(struct ev_loop *loop, const struct svctab *tab, const char *path)
{
	(void)snprintf(ready.path, sizeof(ready.path), "%s", path);
	ready.loop = loop;
	ready.tab = tab;
	ev_io_init(&ready.io, ready_io_cb, ready.fd, EV_READ);
	ev_io_start(loop, &ready.io);
}

void
ready_adopt(struct ev_loop *loop, const struct svctab *tab, const char *path,
    int fd)
{
	ready.fd = fd;
	ready.bound_file = path[0] != '@';
	ready_listen(loop, tab, path);
}

int
ready_fd(void)
{
	return ready.fd;
}

void
ready_watchdog_resume(struct proc *p, double seconds)
{
	if (ready.loop == NULL)
		return;
	ev_timer_stop(ready.loop, &p->watchdog);
	ev_timer_init(&p->watchdog, ready_watchdog_cb, seconds, 0.);
	p->watchdog.data = p;
	ev_timer_start(ready.loop, &p->watchdog);
}

int
ready_init(struct ev_loop *loop, const struct svctab *tab, const char *path,
    char *err, size_t errlen)
{
	struct sockaddr_un sun;
	size_t plen = strlen(path);
	socklen_t alen;
	int one = 1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (plen == 0 || plen >= sizeof(sun.sun_path)) {
		(void)snprintf(
		    err, errlen, "notify socket %s: name too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, plen);
	/* '@' names an abstract socket: a leading NUL, and the address
	 * length counts exactly the name (unix(7)). */
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen +
	                   (path[0] == '@' ? 0 : 1));
	ready.fd =
	    socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ready.fd == -1) {
		(void)snprintf(
		    err, errlen, "notify socket: socket: %s", strerror(errno));
		return -1;
	}
	/* The receiver asks for credentials; senders need do nothing. */
	if (setsockopt(ready.fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) ==
	    -1) {
		(void)snprintf(err, errlen, "notify socket: SO_PASSCRED: %s",
		    strerror(errno));
		goto fail;
	}
	/* ctl_init() has made sure no live tendd owns the control socket
	 * next to this one, so a file here is a stale one of ours. */
	if (path[0] != '@' && unlink(path) == -1 && errno != ENOENT) {
		(void)snprintf(err, errlen, "notify socket %s: unlink: %s",
		    path, strerror(errno));
		goto fail;
	}
	if (bind(ready.fd, (struct sockaddr *)&sun, alen) == -1) {
		(void)snprintf(err, errlen, "notify socket %s: bind: %s", path,
		    strerror(errno));
		goto fail;
	}
	ready.bound_file = path[0] != '@';
	/* Services may run as other users (user=): anyone may send, the
	 * credentials decide whose message it is. */
	if (ready.bound_file && chmod(path, 0666) == -1) {
		(void)snprintf(err, errlen, "notify socket %s: chmod: %s", path,
		    strerror(errno));
		goto fail;
	}
	ready_listen(loop, tab, path);
	return 0;
fail:
	if (ready.bound_file)
		(void)unlink(path);
	ready.bound_file = false;
	(void)close(ready.fd);
	ready.fd = -1;
	return -1;
}

void
ready_set_table(const struct svctab *tab)
{
	ready.tab = tab;
}

const char *
ready_socket_path(void)
{
	return ready.fd == -1 ? NULL : ready.path;
}

void
ready_get_stats(struct ready_stats *st)
{
	*st = ready.st;
}

void
ready_close(void)
{
	size_t i;

	if (ready.loop == NULL)
		return;
	if (ready.tab != NULL)
		for (i = 0; i < ready.tab->nprocs; i++)
			ev_timer_stop(
			    ready.loop, &ready.tab->procs[i]->watchdog);
	if (ready.st.unknown + ready.st.oversized + ready.st.nocreds > 0)
		log_info(
		    "notify socket: %lu datagrams, %lu dropped from unknown "
		    "senders, %lu oversized, %lu without credentials",
		    ready.st.received, ready.st.unknown, ready.st.oversized,
		    ready.st.nocreds);
	ev_io_stop(ready.loop, &ready.io);
	(void)close(ready.fd);
	ready.fd = -1;
	if (ready.bound_file)
		(void)unlink(ready.path);
	ready.bound_file = false;
	ready.loop = NULL;
}

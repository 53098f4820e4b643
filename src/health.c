/*
 * health.c: running health probes (healthcheck=) from the loop.
 *
 * Owns: struct health (p->health, made at the first spawn of a process
 * with a probe), its timer, the probe's socket or child, p->health_text,
 * the action after healthcheck_retries failures, and the health events.
 * Leaves alone: counting results (probe.c, pure), states (fsm.c: a
 * restart is fsm_restart(), a pass with readiness=health fsm_on_healthy()),
 * spawning and reaping (spawn.c, reap.c).
 *
 * One timer per probed process does both jobs: while no probe runs it is
 * the wait for the next (healthcheck_interval after the last one ended,
 * so probes never overlap), while one runs it is its healthcheck_timeout.
 * A process without healthcheck= has no struct health and no timer.
 * tcp and http probes are a non-blocking connect (and for http one
 * HTTP/1.0 GET, whose status line is read with a bounded buffer); exec
 * probes are children spawned like the service (its user, environment,
 * directory; output discarded), reaped by reap.c, and killed (their
 * process group) at the timeout; the next probe waits for the reap.  A
 * failure before the exec comes on one socket all exec probes share
 * (health_report), read only when a probe exits with status 127.
 */
#include "health.h"
#include "events.h"
#include "healthz.h"
#include "req.h"
#include "fsm.h"
#include "log.h"
#include "reap.h"
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef HAVE_HEALTH
/* While a readiness=health process is STARTING it is probed at most this
 * far apart, so that it becomes RUNNING soon after it is up. */
#define HEALTH_STARTING_INTERVAL 0.5

struct health {
	struct proc *p; /* NULL: P is gone, the exec child is not reaped yet */
	ev_timer timer;
	ev_io io;
	struct reap_child child; /* exec probe (pid 0: none) */
	pid_t exec_pid;		 /* the last exec probe's, kept after reap */
	int fd;			 /* tcp/http socket, -1: none */
	int execfd;		 /* exec probe's failure pipe, -1: none */
	bool probing;		 /* P is STARTING or RUNNING: probe it */
	bool busy;		 /* a probe is in flight */
	bool connected;		 /* http: the request is being sent/read */
	bool resolved;
	double run_start;   /* monotonic: P's spawn */
	double probe_start; /* monotonic: this probe's start */
	struct probe_tally tally;
	uint64_t actions;
	double seconds;
	size_t off, reqlen; /* http: bytes sent, then bytes read */
	struct sockaddr_storage sa;
	socklen_t salen;
	char why[96]; /* the last failure */
	char buf[256]; /* http: request, then response; exec: the child's
			  report of a failure before its exec */
};

static struct ev_loop *health_loop;
static const struct spawn_opts *health_opts;
/* Exec probes report a failure before their exec on this datagram
 * socketpair ([1] theirs), made at the first exec probe: no pipe of
 * their own to make, pass, read and close per probe. */
static int health_report[2] = {-1, -1};

void
health_init(struct ev_loop *loop, const struct spawn_opts *opts)
{
	health_loop = loop;
	health_opts = opts;
}

static double
health_now(void)
{
	/* Durations: not ev_now(), which is the realtime clock. */
	return util_monotonic();
}

/* ---- p->health_text ------------------------------------------------------ */

static void
health_text_update(struct health *h)
{
	struct proc *p = h->p;
	const struct probe_tally *t = &h->tally;
	unsigned n = t->streak;

	if (!h->probing) {
		svctab_note_clear(&p->health_text);
		return;
	}
	switch (t->health) {
	case PROBE_UNHEALTHY:
		svctab_note_set(&p->health_text, SVCTAB_HEALTH_TEXT_MAX,
		    "unhealthy (%u failure%s: %s)", n, n == 1 ? "" : "s",
		    h->why);
		break;
	case PROBE_HEALTHY:
		if (n == 0)
			svctab_note_set(&p->health_text,
			    SVCTAB_HEALTH_TEXT_MAX, "healthy");
		else
			svctab_note_set(&p->health_text,
			    SVCTAB_HEALTH_TEXT_MAX, "healthy (%u failure%s: %s)",
			    n, n == 1 ? "" : "s", h->why);
		break;
	default:
		if (h->why[0] != '\0')
			svctab_note_set(&p->health_text,
			    SVCTAB_HEALTH_TEXT_MAX, "health unknown (%s)",
			    h->why);
		else if (p->conf->readiness == CONF_READINESS_HEALTH)
			svctab_note_set(&p->health_text,
			    SVCTAB_HEALTH_TEXT_MAX,
			    "waiting for a passing health probe");
		else
			svctab_note_clear(&p->health_text);
		break;
	}
}

/* ---- ending a probe ------------------------------------------------------ */

static void health_timer_cb(struct ev_loop *l, ev_timer *w, int revents);

static void
health_arm(struct health *h, double after)
{
	ev_timer_stop(health_loop, &h->timer);
	ev_timer_set(&h->timer, after, 0.);
	ev_timer_start(health_loop, &h->timer);
}

/* When the next probe is due. */
static double
health_next_delay(const struct health *h)
{
	const struct conf_proc *c = h->p->conf;

	if (c->readiness == CONF_READINESS_HEALTH &&
	    h->p->state == PROC_STARTING &&
	    c->health->o.interval > HEALTH_STARTING_INTERVAL)
		return HEALTH_STARTING_INTERVAL;
	return c->health->o.interval;
}

/* Close what a tcp or http probe holds. */
static void
health_close_sock(struct health *h)
{
	if (h->fd < 0)
		return;
	ev_io_stop(health_loop, &h->io);
	(void)close(h->fd);
	h->fd = -1;
	h->connected = false;
}

/* What healthcheck_retries failures in a row do. */
static void
health_act(struct health *h)
{
	struct proc *p = h->p;
	int action = p->conf->health->o.action;
	char err[128];

	if (p->state != PROC_RUNNING)
		return; /* STARTING: readiness_timeout decides */
	if (action == CONF_HEALTH_NONE)
		return;
	h->actions++;
	if (action == CONF_HEALTH_RESTART) {
		log_warnx("%s: %s; restarting (healthcheck_action=restart)",
		    p->fullname, svctab_note(p->health_text));
		(void)fsm_restart(p);
		return;
	}
	log_warnx("%s: %s; sending SIG%s (healthcheck_action)", p->fullname,
	    svctab_note(p->health_text), util_signal_name(action));
	if (fsm_signal(p, action, err, sizeof(err)) != FSM_OK)
		log_warnx("%s: %s", p->fullname, err);
	/* Another healthcheck_retries failures before the next signal. */
	h->tally.streak = 0;
}

/* The probe in flight ended: count it, say so, act, plan the next. */
static void
health_done(struct health *h, bool ok, const char *why)
{
	struct proc *p = h->p;
	enum probe_health before = h->tally.health;
	enum probe_verdict v;
	double now = health_now();

	health_close_sock(h);
	h->busy = false;
	h->seconds += now - h->probe_start;
	if (!ok)
		(void)snprintf(h->why, sizeof(h->why), "%s", why);
	/* While STARTING (readiness=health) failures are expected:
	 * readiness_timeout bounds them, as if in the start period. */
	v = probe_count(&h->tally, ok,
	    p->state == PROC_STARTING ? -1.0 : now - h->run_start,
	    p->conf->health->o.start_period, p->conf->health->o.retries);
	if (ok)
		h->why[0] = '\0';
	health_text_update(h);
	health_arm(h, health_next_delay(h));
	if (h->tally.health != before) {
		if (h->tally.health == PROBE_UNHEALTHY)
			log_warnx("%s: %s", p->fullname, p->health_text);
		else
			log_info("%s: %s", p->fullname,
			    probe_health_name(h->tally.health));
		events_record_health(p, probe_health_name(h->tally.health));
	}
	if (ok && p->state == PROC_STARTING)
		fsm_on_healthy(p); /* readiness=health: RUNNING now */
	else if (v == PROBE_ACT)
		health_act(h); /* may stop P: last */
}

/* ---- exec probes --------------------------------------------------------- */

/* The report socket for spawn_opts.report_fd: its write end, or 0 (an
 * exec pipe per probe) if it cannot be made. */
static int
health_report_fd(void)
{
	int sv[2], i, fd;

	if (health_report[1] >= 0)
		return health_report[1];
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
	        sv) == -1) {
		log_warn("health probes: report socketpair");
		return 0;
	}
	/* >= 3 (spawn.h): tendd may have been started with 0-2 closed. */
	for (i = 0; i < 2; i++)
		if (sv[i] < 3) {
			fd = fcntl(sv[i], F_DUPFD_CLOEXEC, 3);
			if (fd == -1) {
				log_warn("health probes: report socket");
				(void)close(sv[0]);
				(void)close(sv[1]);
				return 0;
			}
			(void)close(sv[i]);
			sv[i] = fd;
		}
	health_report[0] = sv[0];
	health_report[1] = sv[1];
	return sv[1];
}

/* The in-flight exec probe of process PID, or NULL. */
static struct health *
health_of_probe(pid_t pid)
{
	const struct svctab *tab = req_env.tab;
	size_t i;

	for (i = 0; tab != NULL && i < tab->nprocs; i++) {
		struct health *h = tab->procs[i]->health;

		if (h != NULL && h->child.pid == pid)
			return h;
	}
	return NULL;
}

/*
 * Take every report waiting on the socket, each to its probe's buf: SELF
 * (just reaped, pid SELF->exec_pid) or another still to be reaped.  A
 * child writes its report before it exits, so its own is there by the
 * time its exit is seen; a report whose probe is gone is dropped.
 */
static void
health_report_drain(struct health *self)
{
	char rb[520], msg[sizeof(self->buf)];
	struct health *h;
	ssize_t n;
	pid_t pid;

	while ((n = recv(health_report[0], rb, sizeof(rb) - 1, MSG_DONTWAIT)) >=
	       0) {
		spawn_parse_failure(rb, (size_t)n, &pid, msg, sizeof(msg));
		h = pid == self->exec_pid ? self : health_of_probe(pid);
		if (pid > 0 && h != NULL)
			(void)snprintf(h->buf, sizeof(h->buf), "%s", msg);
	}
	if (errno != EAGAIN && errno != EINTR)
		log_warn("health probes: report socket");
}

static void
health_exec_done(struct reap_child *c, int code, int sig)
{
	struct health *h = (struct health *)(void *)((char *)c -
	                                             offsetof(struct health,
	                                                 child));
	char msg[96], why[96];

	if (h->execfd >= 0) {
		if (spawn_read_failure(h->execfd, msg, sizeof(msg)) != 1)
			msg[0] = '\0';
		(void)close(h->execfd);
		h->execfd = -1;
	} else {
		/* Only a child that failed before its exec reports. */
		if (code == SPAWN_FAILED_STATUS && sig == 0 &&
		    health_report[0] >= 0)
			health_report_drain(h);
		(void)snprintf(msg, sizeof(msg), "%.*s", (int)sizeof(msg) - 1,
		    h->buf);
		h->buf[0] = '\0';
	}
	if (h->p == NULL) {
		free(h); /* health_forget() left it to us */
		return;
	}
	if (!h->busy)
		return; /* timed out (counted then), or no longer probing */
	if (msg[0] != '\0')
		(void)snprintf(why, sizeof(why), "%s", msg);
	else if (sig != 0)
		(void)snprintf(why, sizeof(why), "exec: killed by SIG%s",
		    util_signal_name(sig));
	else
		(void)snprintf(why, sizeof(why), "exec: exit status %d", code);
	health_done(h, code == 0 && sig == 0 && msg[0] == '\0', why);
}

static void
health_exec_start(struct health *h)
{
	const struct conf_proc *c = h->p->conf;
	struct conf_proc pc = *c;
	struct spawn_opts o = *health_opts;
	struct spawn_child child;
	char err[96], why[112];

	/* The service's user, environment, directory and limits; its own
	 * command; no output kept, no readiness, no watchdog. */
	pc.argv = c->health->argv;
	pc.command = c->health->text;
	pc.out.kind = CONF_LOG_NONE;
	pc.out.syslog = false;
	pc.err = pc.out;
	pc.redirect_stderr = false;
	pc.readiness = CONF_READINESS_NONE;
	pc.watchdog_sec = 0;
	/* In tendd's cgroup, not the service's: its leftovers stay its own. */
	o.notify_socket = NULL;
	o.use_cgroup = false;
	o.cgroup_fd = -1;
	o.cgroup_join = false;
	o.stdin_fd = -1;
	o.report_fd = health_report_fd();
	h->buf[0] = '\0';
	if (spawn_start(&pc, &o, &child, err, sizeof(err)) == -1) {
		(void)snprintf(why, sizeof(why), "exec: %s", err);
		health_done(h, false, why);
		return;
	}
	h->execfd = child.execfd;
	h->child.pid = child.pid;
	h->exec_pid = child.pid;
	h->child.pidfd = child.pidfd;
	h->child.done = health_exec_done;
	reap_child_watch(&h->child);
}

/* ---- tcp and http probes ------------------------------------------------- */

/* Resolve HOST:PORT once per run (an address, or a name from the hosts
 * file or the resolver: at the spawn, not in each probe). */
static int
health_resolve(struct health *h)
{
	const struct conf_health *hc = h->p->conf->health;
	struct addrinfo hints, *res = NULL;
	char port[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	(void)snprintf(port, sizeof(port), "%d", hc->port);
	rc = getaddrinfo(hc->host, port, &hints, &res);
	if (rc != 0) {
		(void)snprintf(h->why, sizeof(h->why), "resolve %s: %s",
		    hc->host, rc == EAI_SYSTEM ? strerror(errno)
		                               : gai_strerror(rc));
		return -1;
	}
	memcpy(&h->sa, res->ai_addr, res->ai_addrlen);
	h->salen = res->ai_addrlen;
	freeaddrinfo(res);
	h->resolved = true;
	return 0;
}

/* http: read the status line, bounded by the buffer. */
static void
health_http_read(struct health *h)
{
	char why[64];
	ssize_t n;
	int code = 0, rc;

	n = read(h->fd, h->buf + h->off, sizeof(h->buf) - h->off);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		(void)snprintf(why, sizeof(why), "read: %s", strerror(errno));
		health_done(h, false, why);
		return;
	}
	h->off += (size_t)n;
	rc = probe_http_status(h->buf, h->off, &code);
	if (rc == 0 && n > 0 && h->off < sizeof(h->buf))
		return;
	if (rc == 1) {
		(void)snprintf(why, sizeof(why), "HTTP status %d", code);
		health_done(h, code >= 200 && code < 400, why);
	} else if (rc == 0 && n == 0)
		health_done(h, false, "http: closed before a status line");
	else
		health_done(h, false, "http: not an HTTP status line");
}

/* http: send the request (then read). */
static void
health_http_write(struct health *h)
{
	const struct conf_health *hc = h->p->conf->health;
	char why[64];
	ssize_t n;
	int len;

	if (!h->connected) {
		len = probe_http_request(
		    h->buf, sizeof(h->buf), hc->host, hc->port, hc->path);
		if (len < 0) {
			health_done(h, false, "http: request too long");
			return;
		}
		h->reqlen = (size_t)len;
		h->off = 0;
		h->connected = true;
	}
	n = send(h->fd, h->buf + h->off, h->reqlen - h->off, MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		(void)snprintf(why, sizeof(why), "send: %s", strerror(errno));
		health_done(h, false, why);
		return;
	}
	h->off += (size_t)n;
	if (h->off < h->reqlen)
		return;
	h->off = 0;
	ev_io_stop(health_loop, &h->io);
	ev_io_set(&h->io, h->fd, EV_READ);
	ev_io_start(health_loop, &h->io);
}

static void
health_io_cb(struct ev_loop *l, ev_io *w, int revents)
{
	struct health *h = (struct health *)(void *)((char *)w -
	                                             offsetof(struct health,
	                                                 io));
	socklen_t sl = sizeof(int);
	char why[96];
	int e = 0;

	if (revents & EV_READ) {
		health_http_read(h);
		return;
	}
	if (!h->connected) {
		if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &e, &sl) == -1)
			e = errno;
		if (e == EINPROGRESS)
			return;
		if (e != 0) {
			(void)snprintf(why, sizeof(why), "connect: %s",
			    strerror(e));
			health_done(h, false, why);
			return;
		}
		if (h->p->conf->health->kind == CONF_HEALTH_TCP) {
			health_done(h, true, "");
			return;
		}
	}
	health_http_write(h);
}

static void
health_sock_start(struct health *h)
{
	char why[96];

	if (!h->resolved && health_resolve(h) == -1) {
		(void)snprintf(why, sizeof(why), "%s", h->why);
		health_done(h, false, why);
		return;
	}
	h->fd = socket(h->sa.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd < 0) {
		(void)snprintf(why, sizeof(why), "socket: %s", strerror(errno));
		health_done(h, false, why);
		return;
	}
	if (connect(h->fd, (struct sockaddr *)&h->sa, h->salen) == -1 &&
	    errno != EINPROGRESS) {
		(void)snprintf(why, sizeof(why), "connect: %s", strerror(errno));
		health_done(h, false, why);
		return;
	}
	/* Writable once connected (or refused): health_io_cb. */
	ev_io_init(&h->io, health_io_cb, h->fd, EV_WRITE);
	ev_io_start(health_loop, &h->io);
}

/* ---- the timer: the next probe, or the timeout of this one --------------- */

static void
health_timeout(struct health *h)
{
	char why[64];

	(void)snprintf(why, sizeof(why), "timed out after %gs",
	    h->p->conf->health->o.timeout);
	if (h->child.pid > 0 && reap_child_kill(&h->child, SIGKILL) == -1 &&
	    errno != ESRCH)
		log_warn("%s: health probe pid %d: kill", h->p->fullname,
		    (int)h->child.pid);
	health_done(h, false, why);
}

static void
health_timer_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	struct health *h = (struct health *)(void *)((char *)w -
	                                             offsetof(struct health,
	                                                 timer));

	if (h->busy) {
		health_timeout(h);
		return;
	}
	if (h->child.pid > 0) {
		/* The last exec probe is not reaped yet: never two. */
		health_arm(h, health_next_delay(h));
		return;
	}
	h->busy = true;
	h->probe_start = health_now();
	health_arm(h, h->p->conf->health->o.timeout > 0
	                  ? h->p->conf->health->o.timeout
	                  : 1e9);
	if (h->p->conf->health->kind == CONF_HEALTH_EXEC)
		health_exec_start(h);
	else
		health_sock_start(h);
}

/* ---- the process's life -------------------------------------------------- */

/* Stop probing P: the timer, and a probe in flight (an exec child is
 * killed; reap.c still reaps it). */
static void
health_stop(struct health *h)
{
	ev_timer_stop(health_loop, &h->timer);
	health_close_sock(h);
	if (h->child.pid > 0 && reap_child_kill(&h->child, SIGKILL) == -1 &&
	    errno != ESRCH)
		log_warn("health probe pid %d: kill", (int)h->child.pid);
	h->busy = false;
	h->probing = false;
}

void
health_spawned(struct proc *p)
{
	struct health *h = p->health;

	if (p->conf->health == NULL) {
		if (h != NULL)
			health_stop(h);
		svctab_note_clear(&p->health_text);
		return;
	}
	if (h == NULL) {
		if ((h = calloc(1, sizeof(*h))) == NULL) {
			log_warn("%s: health probe", p->fullname);
			return;
		}
		h->p = p;
		h->fd = -1;
		h->execfd = -1;
		ev_timer_init(&h->timer, health_timer_cb, 0., 0.);
		p->health = h;
	}
	health_stop(h);
	h->probing = true;
	h->resolved = false;
	h->run_start = health_now();
	h->tally.streak = 0;
	h->tally.health = PROBE_UNKNOWN;
	h->why[0] = '\0';
	health_text_update(h);
	health_arm(h, health_next_delay(h));
}

void
health_proc_changed(struct proc *p, enum proc_state from)
{
	struct health *h = p->health;

	if (h == NULL || !h->probing || p->state == PROC_STARTING ||
	    p->state == PROC_RUNNING)
		return;
	health_stop(h);
	health_text_update(h);
}

void
health_forget(struct proc *p)
{
	struct health *h = p->health;

	if (h == NULL)
		return;
	health_stop(h);
	p->health = NULL;
	h->p = NULL;
	if (h->child.pid == 0)
		free(h);
	/* else health_exec_done() frees it once reaped */
}

bool
health_view(const struct proc *p, struct health_view *v)
{
	const struct health *h = p->health;

	if (h == NULL)
		return false;
	v->tally = h->tally;
	v->actions = h->actions;
	v->seconds = h->seconds;
	v->why = h->why;
	v->probing = h->probing;
	return true;
}

#endif /* HAVE_HEALTH */

/* ---- GET /readyz ---------------------------------------------------------- */

/* Is P what /readyz wants: RUNNING, and not unhealthy? */
static bool
health_proc_ready(const struct proc *p)
{
#ifdef HAVE_HEALTH
	const struct health *h = p->health;

	return p->state == PROC_RUNNING &&
	       (h == NULL || h->tally.health != PROBE_UNHEALTHY);
#else
	return p->state == PROC_RUNNING;
#endif
}

char *
health_readyz(size_t *len, bool *ready)
{
	const struct svctab *tab = req_env.tab;
	double now = util_monotonic();
	char desc[256], *buf = NULL;
	size_t i, n = 0;
	FILE *fp;

	if ((fp = open_memstream(&buf, &n)) == NULL)
		return NULL;
	*ready = true;
	for (i = 0; tab != NULL && i < tab->nprocs; i++) {
		const struct proc *p = tab->procs[i];

		if (!p->conf->autostart || p->removed || health_proc_ready(p))
			continue;
		*ready = false;
		fsm_describe(p, now, desc, sizeof(desc));
		(void)fprintf(fp, "%s %s %s\n", p->fullname,
		    fsm_state_name(p->state), desc);
	}
	if (*ready)
		(void)fputs("ready\n", fp);
	if (fclose(fp) == EOF) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

#ifdef HAVE_HEALTH
/* ---- re-exec ------------------------------------------------------------- */

int
health_save(const struct proc *p, char *buf, size_t len)
{
	const struct health *h = p->health;
	int n;

	if (h == NULL)
		return 0;
	n = snprintf(buf, len, "%llu %llu %u %d %llu %.6f %s",
	    (unsigned long long)h->tally.probes,
	    (unsigned long long)h->tally.failures, h->tally.streak,
	    (int)h->tally.health, (unsigned long long)h->actions, h->seconds,
	    h->why);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

int
health_restore(struct proc *p, const char *text)
{
	struct health *h = p->health;
	unsigned long long probes, failures, actions;
	unsigned streak;
	int health, off = 0;
	double secs;

	if (h == NULL)
		return -1; /* health_spawned() first */
	if (sscanf(text, "%llu %llu %u %d %llu %lf %n", &probes, &failures,
	        &streak, &health, &actions, &secs, &off) < 6 ||
	    health < PROBE_UNKNOWN || health > PROBE_UNHEALTHY)
		return -1;
	h->tally.probes = probes;
	h->tally.failures = failures;
	h->tally.streak = streak;
	h->tally.health = (enum probe_health)health;
	h->actions = actions;
	h->seconds = secs;
	(void)snprintf(h->why, sizeof(h->why), "%s", text + off);
	health_text_update(h);
	return 0;
}
#endif /* HAVE_HEALTH */

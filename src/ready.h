/*
 * ready.h: the NOTIFY_SOCKET server, sd_notify(3)'s protocol from the
 * service side, without libsystemd.  One datagram socket serves every
 * process; each message is attributed to a process by the sender's
 * credentials (SO_PASSCRED), and its assignments become fsm events
 * (READY=1), status text (STATUS=) or watchdog pings (WATCHDOG=1).
 * ready.c also owns each process's watchdog timer (watchdog_sec).
 */
#ifndef TEND_READY_H
#define TEND_READY_H

#include "tend.h"
#include "svctab.h"

#include <ev.h>

/* Largest datagram accepted; systemd's limit is the same (PIPE_BUF). */
#define READY_MSG_MAX 4096

/* One parsed notification (ready_parse). */
struct ready_msg {
	bool ready;            /* READY=1 */
	bool reloading;        /* RELOADING=1 */
	bool stopping;         /* STOPPING=1 */
	bool watchdog;         /* WATCHDOG=1 */
	bool watchdog_trigger; /* WATCHDOG=trigger */
	bool has_status;       /* STATUS= seen (may be empty) */
	char status[96];       /* control characters replaced by '?' */
	pid_t mainpid;         /* MAINPID=, 0 if absent or invalid */
	int errnum;            /* ERRNO=, 0 if absent */
	unsigned ignored;      /* other or malformed assignments */
};

/* Counters since ready_init(), for the log and for tests. */
struct ready_stats {
	unsigned long received;  /* datagrams read */
	unsigned long accepted;  /* attributed to a process */
	unsigned long unknown;   /* no process of ours sent it: dropped */
	unsigned long oversized; /* longer than READY_MSG_MAX: dropped */
	unsigned long nocreds;   /* no SCM_CREDENTIALS: dropped */
};

/*
 * Parse BUF (LEN bytes, not NUL-terminated) as newline-separated
 * KEY=VALUE assignments (sd_notify(3)).  Pure.  Unknown keys and lines
 * without '=' are counted in m->ignored, as systemd ignores them.
 */
void ready_parse(const char *buf, size_t len, struct ready_msg *m);

/*
 * Where the socket goes, next to the control socket CTL_PATH: "X.sock"
 * becomes "X.notify", anything else gets ".notify" appended.  If that
 * does not fit in sun_path, an abstract name "@tend-notify-PID" (unix(7)).
 */
void ready_default_path(const char *ctl_path, char *out, size_t len);

/* Create and bind the socket at PATH (a stale file is replaced), start
 * its watcher.  -1 with ERR filled. */
int ready_init(struct ev_loop *loop, const struct svctab *tab, const char *path,
    char *err, size_t errlen);
void ready_set_table(const struct svctab *tab);
/* A reexec: the socket (ready_fd) is carried; the new tendd serves it
 * again at PATH without binding anything, and resumes each watchdog
 * with the time it had left. */
int ready_fd(void);
void ready_adopt(struct ev_loop *loop, const struct svctab *tab, const char *path,
    int fd);
void ready_watchdog_resume(struct proc *p, double seconds);
/* The value services get as NOTIFY_SOCKET, NULL before ready_init(). */
const char *ready_socket_path(void);
/* tendd calls this from fsm_ops.changed: arms the watchdog in RUNNING,
 * disarms it elsewhere, forgets MAINPID= and RELOADING=1 of a past run. */
void ready_proc_changed(struct proc *p, enum proc_state from);
void ready_get_stats(struct ready_stats *st);
/* Stop the watcher, close and unlink the socket, stop the watchdogs. */
void ready_close(void);

#endif /* TEND_READY_H */

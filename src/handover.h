/*
 * handover.h: re-executing tendd in place (tendctl reexec, SIGUSR1).
 *
 * Just before exec, every room that has something to carry writes its
 * section of the state: numbers, strings and descriptors, packed field by
 * field into a memfd with a versioned, checksummed header.  The
 * descriptors stay open across the exec (their close-on-exec flag is
 * cleared only for the exec) and are listed by number, each with what it
 * must be (a pidfd of pid P started at T, a pipe, a socket).  The new
 * tendd reads and validates the whole state before it takes anything
 * over; if it cannot (a version it does not read, a checksum, a pidfd
 * that no longer names its process), it execs the old binary image (an
 * fd opened at start-up) with the same state, so no service is lost.
 *
 * A room that carries something registers once (handover_register) and,
 * when tendd starts from a hand-over, reads its section back while it
 * initialises (handover_section).  Nothing is written or read otherwise:
 * a tendd that never re-executes pays for nothing but the image fd.
 */
#ifndef TEND_HANDOVER_H
#define TEND_HANDOVER_H

#include "tend.h"
#include "req.h"
#include "svctab.h"

#include <ev.h>

/* The format this tendd writes, and the oldest it reads
 * (`tendd --handover-version` prints both). */
#define HANDOVER_VERSION 5
#define HANDOVER_VERSION_MIN 1
/* 2: a process's laststart and restart_wall are CLOCK_MONOTONIC times
 * (1 wrote realtime ones: handover_proc.c converts them).
 * 3: the "configs" section (the texts of the configs the processes run);
 * without it (1, 2) the table is made from the config on disk.
 * 4: the "tendd" section says whether systemd was told READY=1.
 * 5: a process's stdin pipe (feed.c) and event listener state. */

/* What a carried descriptor must be; checked before the take-over. */
enum handover_fd_kind {
	HANDOVER_FD_PIDFD = 1, /* a pidfd of the pid given, same start time */
	HANDOVER_FD_PIPE = 2,
	HANDOVER_FD_SOCKET = 3,
};

struct handover_w;
struct handover_r;

/* Writes a room's section (it must not fail: a full memfd is the
 * writer's error, reported once). */
typedef void handover_save_fn(struct handover_w *w);

#ifdef HAVE_REEXEC
/* Carry section NAME, written by SAVE at each re-exec.  The one call a
 * room (an HTTP front end with its listening sockets) needs. */
void handover_register(const char *name, handover_save_fn *save);

void handover_put_u64(struct handover_w *w, uint64_t v);
void handover_put_i64(struct handover_w *w, int64_t v);
void handover_put_f64(struct handover_w *w, double v);
/* NULL is carried as NULL. */
void handover_put_str(struct handover_w *w, const char *s);
/* FD stays open across the exec; PID only for a pidfd. */
void handover_put_fd(
    struct handover_w *w, int fd, enum handover_fd_kind kind, pid_t pid);

/*
 * After a hand-over: section NAME of the state, NULL when there is none
 * (a fresh start, or the old tendd had no such room).  Each getter
 * returns the next field; reading past the section's end, a field of the
 * wrong type or an fd the state does not list makes handover_end() fail.
 */
struct handover_r *handover_section(const char *name);
/* The format of the state being read (0: none). */
unsigned handover_read_version(void);
uint64_t handover_get_u64(struct handover_r *r);
int64_t handover_get_i64(struct handover_r *r);
double handover_get_f64(struct handover_r *r);
/* A copy (free it), NULL when NULL was carried. */
char *handover_get_str(struct handover_r *r);
/* The validated descriptor (close-on-exec again), -1 when broken. */
int handover_get_fd(struct handover_r *r);
/* No field so far was wrong. */
bool handover_ok(const struct handover_r *r);
/* The section was read whole and well; otherwise the new tendd does not
 * guess: it falls back to the old image (this call does not return). */
void handover_end(struct handover_r *r);

#else /* --disable-reexec: no state is ever written or read, so every
       * room's section is nothing and the compiler drops it. */
static inline void
handover_register(const char *name, handover_save_fn *save)
{
	(void)name;
	(void)save;
}
#define HANDOVER_PUT_STUB(name, type)                                          \
	static inline void name(struct handover_w *w, type v)                  \
	{                                                                      \
		(void)w;                                                       \
		(void)v;                                                       \
	}
HANDOVER_PUT_STUB(handover_put_u64, uint64_t)
HANDOVER_PUT_STUB(handover_put_i64, int64_t)
HANDOVER_PUT_STUB(handover_put_f64, double)
HANDOVER_PUT_STUB(handover_put_str, const char *)
static inline void
handover_put_fd(struct handover_w *w, int fd, enum handover_fd_kind kind,
    pid_t pid)
{
	(void)w;
	(void)fd;
	(void)kind;
	(void)pid;
}
static inline struct handover_r *
handover_section(const char *name)
{
	(void)name;
	return NULL;
}
/* Never reached: handover_section() gave no section to read. */
#define HANDOVER_GET_STUB(name, type, none)                                    \
	static inline type name(struct handover_r *r)                          \
	{                                                                      \
		(void)r;                                                       \
		return none;                                                   \
	}
HANDOVER_GET_STUB(handover_get_u64, uint64_t, 0)
HANDOVER_GET_STUB(handover_get_i64, int64_t, 0)
HANDOVER_GET_STUB(handover_get_f64, double, 0)
HANDOVER_GET_STUB(handover_get_str, char *, NULL)
HANDOVER_GET_STUB(handover_get_fd, int, -1)
static inline bool
handover_ok(const struct handover_r *r)
{
	(void)r;
	return false;
}
static inline void
handover_end(struct handover_r *r)
{
	(void)r;
}
#endif /* HAVE_REEXEC */

/* The state cannot be taken (WHY): exec the old image with it; does
 * not return. */
void handover_fallback(const char *why, ...) TEND_PRINTF(1, 2) TEND_NORETURN;

/* --- tendd.c's side ----------------------------------------------------- */

/* What the runtime (tendd.c) does for a restored process. */
struct handover_ops {
	/* arm P's fsm timer (fsm_ops.timer_set) */
	void (*timer_set)(struct proc *p, double seconds);
	/* watch P's exec-failure pipe (p->execfd) */
	void (*exec_watch)(struct proc *p);
	/* may tendd re-execute now?  NULL, or why not */
	const char *(*busy)(void);
	/* P is in the config but not in the state (added to the config
	 * since): start it as a reload would */
	void (*fresh)(struct proc *p);
};

/*
 * At start-up, before the config: open the image of this binary (the
 * fallback), and with ARG (--handover=STATE,IMAGE) read and check the
 * state.  A state this binary cannot take falls back at once, unless
 * FALLBACK says this is the fallback already (then tendd exits 1).
 * CONF_PATH is what -c said (the re-exec passes it on).
 */
void handover_start(const char *conf_path, const char *arg, bool fallback);
#ifdef HAVE_REEXEC
/* The NOTIFY_SOCKET: carried at a reexec; true when the state had it
 * and ready.c serves it again at PATH (else the caller binds it). */
bool handover_ready(
    struct ev_loop *loop, const struct svctab *tab, const char *path);
/*
 * From a hand-over, instead of svctab_init(): the configs the old tendd's
 * processes ran, read again from the texts the state carries (*NGENS of
 * them, to be given to reload_handover), and TAB made of the old table's
 * processes, in its order, each pointing into the config it runs.  A
 * config this binary cannot read falls back.  From a state of format 1
 * or 2 (no configs carried): TAB made from CONF, and NULL.
 */
struct tend_conf **handover_table(
    struct svctab *tab, const struct tend_conf *conf, size_t *ngens);
/* True when tendd starts from a hand-over. */
bool handover_active(void);
/* The loop, table and runtime ops, once they exist. */
void handover_init(
    struct ev_loop *loop, struct svctab *tab, const struct handover_ops *ops);
/*
 * Take over the processes of the state: each one the config still has
 * gets its pid, pidfd, pipes, state, counters and timers back; one it no
 * longer has is sent its stopsignal and reaped as an orphan.  Then every
 * section must have been read (else the fallback).  Returns how many
 * processes were taken over.
 */
size_t handover_restore(void);
/* handover_proc.c's: the process records (called by handover_init). */
void handover_procs_init(
    struct ev_loop *loop, struct svctab *tab, const struct handover_ops *ops);
/* Every section but EXCEPT has been read, else the fallback. */
void handover_check_sections(const char *except);
/* The state is all taken: close what is left of it. */
void handover_finish(void);

#else /* --disable-reexec: tendd never starts from a hand-over. */
static inline bool
handover_ready(struct ev_loop *loop, const struct svctab *tab, const char *path)
{
	(void)loop;
	(void)tab;
	(void)path;
	return false;
}
static inline struct tend_conf **
handover_table(struct svctab *tab, const struct tend_conf *conf, size_t *ngens)
{
	(void)tab;
	(void)conf;
	*ngens = 0;
	return NULL;
}
static inline bool
handover_active(void)
{
	return false;
}
static inline void
handover_init(
    struct ev_loop *loop, struct svctab *tab, const struct handover_ops *ops)
{
	(void)loop;
	(void)tab;
	(void)ops;
}
static inline size_t
handover_restore(void)
{
	return 0;
}
static inline void
handover_finish(void)
{
}
#endif /* HAVE_REEXEC */

/* Re-execute now (SIGUSR1): check the new binary, write the state,
 * exec.  Returns only when that failed (logged).  Configured
 * --disable-reexec (handover_none.c): these three say it is not built
 * in; handover_start() refuses --handover only. */
void handover_reexec(void);

/* The REEXEC request (req.def). */
void handover_do_reexec(struct req *rq);

#endif /* TEND_HANDOVER_H */

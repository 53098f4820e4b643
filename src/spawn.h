/*
 * spawn.h: starting one process, in DESIGN.md's child-side order.
 *
 * The parent side creates the pipes, clones with a pidfd and returns at
 * once; it never waits for this exec (at most, briefly, for an earlier
 * child's, when every frame of spawn.c is in use).  The child reports any
 * failure before exec (bad user, directory, missing command...) as one
 * text message on a close-on-exec pipe and exits 127; EOF on that pipe
 * means exec succeeded.  spawn.c keeps no state about processes.
 */
#ifndef TEND_SPAWN_H
#define TEND_SPAWN_H

#include "tend.h"
#include "config.h"

struct spawn_opts {
	pid_t tendd_pid;	 /* for the child's getppid() check */
	const char *notify_socket; /* NOTIFY_SOCKET for readiness=notify */
	const char *server_url;	   /* SUPERVISOR_SERVER_URL */
	bool use_cgroup; /* start the child in the cgroup CGROUP_FD */
	int cgroup_fd;	 /* a cgroup v2 directory (clone3 CLONE_INTO_CGROUP,
			    else the child joins it before anything else) */
	bool cgroup_join; /* never CLONE_INTO_CGROUP: join by cgroup.procs */
	int stdin_fd;	  /* >= 3: the child's fd 0 (fcgi-program's
			     socket); else /dev/null */
	int report_fd;	  /* >= 3: a datagram socket many children share
			     (close-on-exec, non-blocking) on which a
			     failure before the exec is reported, read with
			     spawn_parse_failure(); no exec pipe is made
			     (child->execfd is -1).  Else (0) an exec pipe
			     of the child's own. */
};

struct spawn_child {
	pid_t pid;
	int pidfd;  /* close-on-exec */
	int execfd; /* exec-failure pipe read end, non-blocking, cloexec */
	int outfd;  /* stdout pipe read end, -1 if not captured */
	int errfd;  /* stderr pipe read end, -1 if redirected or not captured */
	int infd;   /* stdin pipe write end (non-blocking, cloexec), -1
		       without conf_proc.stdin_pipe (stdin is /dev/null) */
};

/*
 * Start C's process.  0: CHILD is filled (the exec may still fail: watch
 * execfd).  -1: nothing was started and ERR says why, e.g.
 * "pipe: Too many open files".
 */
int spawn_start(const struct conf_proc *c, const struct spawn_opts *o,
    struct spawn_child *child, char *err, size_t errlen);

/*
 * Make room in tendd's descriptor table for NPROCS processes, before
 * spawning them: a table that grows while a child shares it (spawn.c's
 * CLONE_FILES) first waits for an RCU grace period, milliseconds each
 * time (expand_fdtable() in the kernel's fs/file.c).
 */
void spawn_reserve(size_t nprocs);

/*
 * Read the child's report from EXECFD (non-blocking).  1: the child failed
 * before exec and MSG says why ("exec /usr/bin/x: No such file or
 * directory").  0: EOF, the exec happened (or the child died silently).
 * -1 with errno EAGAIN: nothing yet.
 */
int spawn_read_failure(int execfd, char *msg, size_t len);
/*
 * A child's report as it wrote it (N bytes of BUF, "PID ERRNO WHAT"), into
 * MSG as spawn_read_failure() gives it; *PID is the child's pid, or 0 if
 * the report names none.
 */
void spawn_parse_failure(
    char *buf, size_t n, pid_t *pid, char *msg, size_t len);
/* A child that failed before its exec exits with this status. */
#define SPAWN_FAILED_STATUS 127

#endif /* TEND_SPAWN_H */

/*
 * spawn_impl.h: what spawn.c, spawn_env.c and spawn_child.c share, and
 * nothing else includes: the plan handed to the child, the child's raw
 * system calls, and the functions each side calls across the seam.
 * See "Why children share tendd's memory" at the top of spawn.c.
 */
#ifndef TEND_SPAWN_IMPL_H
#define TEND_SPAWN_IMPL_H

#include "spawn.h"

#include <errno.h>
#include <linux/sched.h> /* struct clone_args, CLONE_PIDFD */
#include <pwd.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* close_range(2) flag (5.9); older headers lack it. */
#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
/* clone3(2) flags (5.5, 5.7); older headers lack them. */
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* Children share tendd's memory where spawn_sys() and spawn_clone3_vm()
 * are written. */
#if defined(__x86_64__)
#define SPAWN_HAVE_VM 1
#endif

/* The child's code must not be instrumented by the sanitizers or the
 * stack protector: on a stack they do not know, their bookkeeping would
 * act on tendd's thread (whose thread-local storage the child shares).
 * It calls no libc function either, not even memcpy() or strlen(): a
 * sanitizer intercepts those (spawn_mem*, spawn_str* below). */
#ifndef __has_attribute
#define __has_attribute(x) 0
#endif
#if __has_attribute(no_sanitize)
#define SPAWN_NO_SANITIZE __attribute__((no_sanitize("address", "undefined")))
#elif defined(__GNUC__)
#define SPAWN_NO_SANITIZE __attribute__((no_sanitize_address))
#else
#define SPAWN_NO_SANITIZE
#endif
#if __has_attribute(no_stack_protector)
#define SPAWN_NO_SSP __attribute__((no_stack_protector))
#else
#define SPAWN_NO_SSP
#endif
#define SPAWN_CHILD_FN SPAWN_NO_SANITIZE SPAWN_NO_SSP

/* Longest failure report the child writes (below PIPE_BUF: one atomic
 * write). */
#define SPAWN_MSG_MAX 512

/* The child's environment, built in the parent.  The strings in own[]
 * are its own; the others are borrowed from spawn_kit.environ. */
struct spawn_env {
	char **v; /* NULL-terminated once built */
	size_t n;
	size_t cap;
	char **own;
	size_t nown;
	size_t capown;
};

/*
 * Everything the child needs, prepared by the parent before the clone.
 * The child reads nothing else of tendd's: a reload may free the
 * conf_proc while a child sharing tendd's memory still runs.
 */
struct spawn_plan {
	char **argv;           /* copied (spawn_plan_copy) */
	char **envp;           /* the frame's or spawn_start()'s env */
	const char *path;      /* PATH value inside envp, or the default */
	const char *directory; /* copied, NULL: stay */
	int umask;             /* -1: inherit */
	int pdeathsig;
	struct conf_rlimit rlim[4]; /* RLIMIT_NOFILE, NPROC, CORE, AS */

	bool setcred; /* change credentials (user= differs from ours) */
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int ngroups;

	pid_t tendd_pid;
	int cgroup_fd;    /* join this cgroup in the child, -1: done or none */
	uint64_t ignored; /* signals to set back to SIG_DFL, bit SIG - 1 */

	int null;     /* /dev/null: stdin, and unused stdout/stderr */
	bool has_in;  /* stdin is fcgi-program's socket or a pipe (else null) */
	bool has_out; /* stdout is a pipe (else null) */
	bool has_err; /* stderr is a pipe (else null or stdout) */
	bool redirect_stderr;
	bool shared_report; /* fd[0] is spawn_opts.report_fd: kept, never
			       sent through a frame's socket */
	int fd[3];     /* fork-like: exec, out, err write ends, -1 none */
	int in;        /* fork-like: the socket or pipe for stdin, -1 none */
	int sock;      /* sharing memory: receive them here, else -1 */
	unsigned keep; /* sharing memory: keep fds below this (and
			  report_fd's, shared_report) */
	int *received; /* sharing memory: set once they arrived */
};

#ifdef SPAWN_HAVE_VM
/* A system call that leaves errno alone: the result, or -errno.  The
 * syscall instruction clobbers rcx and r11 (and rax, the result). */
static inline long
spawn_sys(long nr, long a, long b, long c, long d)
{
	register long rax __asm__("rax") = nr;
	register long r10 __asm__("r10") = d;

	__asm__ volatile("syscall"
	                 : "+r"(rax)
	                 : "D"(a), "S"(b), "d"(c), "r"(r10)
	                 : "rcx", "r11", "memory");
	return rax;
}
#else
/* Children never share tendd's memory here: glibc's wrapper will do. */
static inline long
spawn_sys(long nr, long a, long b, long c, long d)
{
	long rc = syscall(nr, a, b, c, d);

	return rc < 0 ? -errno : rc;
}
#endif

#define SPAWN_SYS0(nr) spawn_sys(nr, 0, 0, 0, 0)
#define SPAWN_SYS1(nr, a) spawn_sys(nr, (long)(a), 0, 0, 0)
#define SPAWN_SYS2(nr, a, b) spawn_sys(nr, (long)(a), (long)(b), 0, 0)
#define SPAWN_SYS3(nr, a, b, c)                                                \
	spawn_sys(nr, (long)(a), (long)(b), (long)(c), 0)
#define SPAWN_SYS4(nr, a, b, c, d)                                             \
	spawn_sys(nr, (long)(a), (long)(b), (long)(c), (long)(d))

/* One SCM_RIGHTS message of up to four fds and a byte: the write ends a
 * frame's child receives, and an fcgi-program's socket (spawn_frame_send,
 * spawn_child_take_fds, spawn_frame_drain). */
struct spawn_fdmsg {
	/* Aligned as a cmsghdr, not a union with one: glibc's cmsghdr ends
	 * in a flexible array, which clang refuses inside a struct. */
	struct {
		_Alignas(struct cmsghdr) char buf[CMSG_SPACE(4 * sizeof(int))];
	} u;
	struct msghdr msg;
	struct iovec iov;
	char byte;
};

/* The kernel's struct sigaction for rt_sigaction(2) (x86-64 layout;
 * no restorer is needed to set SIG_DFL). */
struct spawn_ksigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

/* spawn_env.c: prepared in the parent, before the clone. */
int spawn_env_base(struct spawn_env *e);
int spawn_env_build(struct spawn_env *e, const struct spawn_env *base,
    const struct conf_proc *c, const struct spawn_opts *o,
    const struct passwd *pw, char *err, size_t errlen);
void spawn_env_free(struct spawn_env *e);
const char *spawn_env_get(const struct spawn_env *e, const char *key);
int spawn_cred_prepare(const struct conf_proc *c, struct spawn_plan *pl,
    struct passwd *pwbuf, char **pwstr, const struct passwd **pwout, char *err,
    size_t errlen);

/* spawn_child.c: the child, between clone and exec. */
void spawn_fdmsg_init(struct spawn_fdmsg *m);
void TEND_NORETURN spawn_child(const struct spawn_plan *pl);
#ifdef SPAWN_HAVE_VM
pid_t spawn_clone3_vm(struct clone_args *args, const struct spawn_plan *pl);
#endif

#endif /* TEND_SPAWN_IMPL_H */

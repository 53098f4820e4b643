/*
 * spawn_child.c: the child, between clone and exec (DESIGN.md's order:
 * session, credentials, directory, umask, PR_SET_PDEATHSIG, the getppid()
 * check, signal reset, fds, exec), and the clone3() that starts it on a
 * stack of its own.  It may share tendd's memory: raw system calls only,
 * no libc, no sanitizer or stack protector (SPAWN_CHILD_FN on every
 * function); see "Why children share tendd's memory" at the top of
 * spawn.c.  The parent side is spawn.c, the preparation spawn_env.c.
 */
#include "spawn_impl.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/sched.h> /* struct clone_args, CLONE_PIDFD */
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------------
 * The child.  Runs between clone and exec; never returns.  Only raw
 * system calls and pure string functions: see "Why children share tendd's
 * memory" at the top.
 */


/*
 * memcpy(), memset(), strlen() and strchrnul() for the child.  The
 * volatile accesses keep the compiler from turning the loops back into
 * calls of the library functions (which a sanitizer intercepts).
 */
static void SPAWN_CHILD_FN
spawn_memcpy(void *dst, const void *src, size_t n)
{
	volatile char *d = dst;
	const char *s = src;

	while (n-- > 0)
		*d++ = *s++;
}

static void SPAWN_CHILD_FN
spawn_memzero(void *dst, size_t n)
{
	volatile char *d = dst;

	while (n-- > 0)
		*d++ = 0;
}

static const char *SPAWN_CHILD_FN
spawn_strchrnul(const char *s, char c)
{
	const volatile char *p = s;

	while (*p != '\0' && *p != c)
		p++;
	return (const char *)p;
}

static size_t SPAWN_CHILD_FN
spawn_strlen(const char *s)
{
	return (size_t)(spawn_strchrnul(s, '\0') - s);
}

static void TEND_NORETURN SPAWN_CHILD_FN
spawn_child_exit(void)
{
	for (;;)
		(void)SPAWN_SYS1(SYS_exit_group, SPAWN_FAILED_STATUS);
}

/* V in decimal at the end of BUF[24]; returns the first digit. */
static const char *SPAWN_CHILD_FN
spawn_num(char buf[24], long long v)
{
	unsigned long long u =
	    v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	char *s = buf + 23;

	*s = '\0';
	do
		*--s = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--s = '-';
	return s;
}

/* Append S to MSG (LEN used of SPAWN_MSG_MAX), truncating. */
static size_t SPAWN_CHILD_FN
spawn_cat(char *msg, size_t len, const char *s)
{
	size_t n;

	if (s == NULL)
		return len;
	n = spawn_strlen(s);
	if (n > SPAWN_MSG_MAX - len)
		n = SPAWN_MSG_MAX - len;
	spawn_memcpy(msg + len, s, n);
	return len + n;
}

/*
 * Report "PID ERRNO A B C" on EFD, the exec pipe or the shared report
 * socket, and exit 127.  The parent turns it into "A B C:
 * strerror(ERRNO)" (spawn_parse_failure); B and C may be NULL.  RC is a
 * spawn_sys() result (-errno).  The pid names the child on a socket many
 * share (spawn_opts.report_fd).
 */
static void TEND_NORETURN SPAWN_CHILD_FN
spawn_child_fail(int efd, long rc, const char *a, const char *b, const char *c)
{
	char msg[SPAWN_MSG_MAX], num[24];
	size_t len;

	len = spawn_cat(msg, 0, spawn_num(num, SPAWN_SYS0(SYS_getpid)));
	len = spawn_cat(msg, len, " ");
	len = spawn_cat(msg, len, spawn_num(num, -rc));
	len = spawn_cat(msg, len, " ");
	len = spawn_cat(msg, len, a);
	len = spawn_cat(msg, len, b);
	len = spawn_cat(msg, len, c);
	/* One write below PIPE_BUF is atomic (one datagram on the shared
	 * socket); the parent reads it whole.  A full socket loses it: the
	 * parent still sees exit status 127. */
	if (efd >= 0)
		while (SPAWN_SYS3(SYS_write, efd, msg, len) == -EINTR)
			;
	spawn_child_exit();
}


/* Point M's header at its own byte and control buffer.  Called by the
 * child too: it touches nothing but M. */
void SPAWN_CHILD_FN
spawn_fdmsg_init(struct spawn_fdmsg *m)
{
	spawn_memzero(m, sizeof(*m));
	m->iov.iov_base = &m->byte;
	m->iov.iov_len = 1;
	m->msg.msg_iov = &m->iov;
	m->msg.msg_iovlen = 1;
	m->msg.msg_control = m->u.buf;
	m->msg.msg_controllen = sizeof(m->u.buf);
}

/*
 * The child's descriptors.  Sharing tendd's table (CLONE_FILES), first a
 * table of its own holding only fds below pl->keep (/dev/null and the
 * frames' sockets; the kernel copies just that part, close_range(2)),
 * then its pipe ends from the frame's socket (none to take when it has
 * no pipes and reports on the shared socket, below pl->keep).  Returns
 * the exec pipe's (or report socket's) write end and fills SRC with what
 * becomes 0, 1 and 2.
 */
static int SPAWN_CHILD_FN
spawn_child_take_fds(const struct spawn_plan *pl, int src[3])
{
	struct spawn_fdmsg m;
	struct cmsghdr *cm;
	int got[4] = {-1, -1, -1, -1}, fds[4] = {-1, -1, -1, -1};
	int want = !pl->shared_report + pl->has_out + pl->has_err + pl->has_in;
	int n = 0, i = !pl->shared_report;
	long rc;

	if (pl->sock < 0) {
		fds[0] = pl->fd[0];
		fds[1] = pl->fd[1];
		fds[2] = pl->fd[2];
		fds[3] = pl->in;
	} else {
		rc = SPAWN_SYS3(
		    SYS_close_range, pl->keep, ~0U, CLOSE_RANGE_UNSHARE);
		/* Before 5.9 (no close_range): a table of our own, copied
		 * whole; spawn_child_fds() closes the rest one by one. */
		if (rc == -ENOSYS)
			rc = SPAWN_SYS1(SYS_unshare, CLONE_FILES);
		if (rc < 0)
			spawn_child_exit();
		if (want > 0) {
			spawn_fdmsg_init(&m);
			do
				rc = SPAWN_SYS3(SYS_recvmsg, pl->sock, &m.msg,
				    MSG_CMSG_CLOEXEC);
			while (rc == -EINTR);
			cm = CMSG_FIRSTHDR(&m.msg);
			if (rc == 1 && cm != NULL &&
			    cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_RIGHTS)
				n = (int)((cm->cmsg_len - CMSG_LEN(0)) /
				          sizeof(int));
			if (n != want)
				spawn_child_exit();
			spawn_memcpy(
			    got, CMSG_DATA(cm), (size_t)n * sizeof(int));
			__atomic_store_n(pl->received, 1, __ATOMIC_RELEASE);
		}
		/* In the order spawn_frame_send() puts them: exec (unless
		 * shared), then those the plan has of out, err, in. */
		fds[0] = pl->shared_report ? pl->fd[0] : got[0];
		if (pl->has_out)
			fds[1] = got[i++];
		if (pl->has_err)
			fds[2] = got[i++];
		if (pl->has_in)
			fds[3] = got[i];
	}
	src[0] = pl->has_in ? fds[3] : pl->null;
	src[1] = pl->has_out ? fds[1] : pl->null;
	if (pl->redirect_stderr)
		src[2] = src[1];
	else
		src[2] = pl->has_err ? fds[2] : pl->null;
	return fds[0];
}

/* Close FIRST..LAST (ENOSYS before 5.9: one by one, up to the limit). */
static long SPAWN_CHILD_FN
spawn_child_close(unsigned first, unsigned last)
{
	struct rlimit rl;
	unsigned fd, max = 65536;
	long rc;

	if (first > last)
		return 0;
	rc = SPAWN_SYS3(SYS_close_range, first, last, 0);
	if (rc != -ENOSYS)
		return rc;
	if (SPAWN_SYS4(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY)
		max = rl.rlim_cur < 1048576 ? (unsigned)rl.rlim_cur : 1048576;
	for (fd = first; fd <= last && fd < max; fd++)
		(void)SPAWN_SYS1(SYS_close, fd);
	return 0;
}

/*
 * SRC onto 0, 1, 2 and every other fd closed but the exec pipe EFD
 * (close-on-exec closes it on success).  A source below 3 (tendd started
 * with 0, 1 or 2 closed) is moved up first, so no dup3() clobbers one not
 * yet placed or sees oldfd == newfd; dup3() leaves close-on-exec off on
 * the new fd.  Returns EFD, moved to >= 3 if it was not.
 */
static int SPAWN_CHILD_FN
spawn_child_fds(const struct spawn_plan *pl)
{
	int src[3], efd, i;
	char num[24];
	long rc;

	efd = spawn_child_take_fds(pl, src);
	if (efd < 3) {
		rc = SPAWN_SYS3(SYS_fcntl, efd, F_DUPFD_CLOEXEC, 3);
		if (rc < 0)
			spawn_child_exit();
		efd = (int)rc;
	}
	for (i = 0; i < 3; i++)
		if (src[i] < 3) {
			rc = SPAWN_SYS3(SYS_fcntl, src[i], F_DUPFD_CLOEXEC, 3);
			if (rc < 0)
				spawn_child_fail(efd, rc, "dup fd ",
				    spawn_num(num, i), NULL);
			src[i] = (int)rc;
		}
	for (i = 0; i < 3; i++) {
		rc = SPAWN_SYS3(SYS_dup3, src[i], i, 0);
		if (rc < 0)
			spawn_child_fail(
			    efd, rc, "dup2 fd ", spawn_num(num, i), NULL);
	}
	if ((rc = spawn_child_close(3, (unsigned)efd - 1)) < 0 ||
	    (rc = spawn_child_close((unsigned)efd + 1, ~0U)) < 0)
		spawn_child_fail(efd, rc, "close_range", NULL, NULL);
	return efd;
}

static void SPAWN_CHILD_FN
spawn_child_creds(const struct spawn_plan *pl)
{
	char num[24];
	long rc;

	if (!pl->setcred)
		return;
	/* Groups first, then gid, then uid: once the uid is dropped we no
	 * longer have the right to change the others (setresuid(2)).  The
	 * raw calls also skip glibc's signalling of other threads. */
	if ((rc = SPAWN_SYS2(SYS_setgroups, pl->ngroups, pl->groups)) < 0)
		spawn_child_fail(pl->fd[0], rc, "setgroups(",
		    spawn_num(num, pl->ngroups), " groups)");
	if ((rc = SPAWN_SYS3(SYS_setresgid, pl->gid, pl->gid, pl->gid)) < 0)
		spawn_child_fail(
		    pl->fd[0], rc, "setresgid(", spawn_num(num, pl->gid), ")");
	if ((rc = SPAWN_SYS3(SYS_setresuid, pl->uid, pl->uid, pl->uid)) < 0)
		spawn_child_fail(
		    pl->fd[0], rc, "setresuid(", spawn_num(num, pl->uid), ")");
}


/*
 * A service starts with default dispositions and an empty mask.  Caught
 * signals need nothing: CLONE_CLEAR_SIGHAND reset them (without it,
 * execve(2) does); an ignored one survives exec (signal(7)), so the ones
 * tendd ignored at its first spawn (SIGPIPE, whatever it inherited) are
 * set back.  The parent blocked every signal around the clone, and the
 * mask is inherited across exec: clear it.
 */
static void SPAWN_CHILD_FN
spawn_child_signals(const struct spawn_plan *pl)
{
	struct spawn_ksigaction sa;
	uint64_t none = 0;
	int sig;

	spawn_memzero(&sa, sizeof(sa));
	sa.handler = SIG_DFL;
	for (sig = 1; sig <= 64; sig++)
		if (pl->ignored & (1ULL << (sig - 1)))
			(void)SPAWN_SYS4(
			    SYS_rt_sigaction, sig, &sa, NULL, sizeof(uint64_t));
	(void)SPAWN_SYS4(
	    SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none));
}

/*
 * execvpe() with the child's own PATH: glibc's execvpe() searches the
 * caller's PATH, not the one in ENVP.  As execvp(3): ENOENT/ENOTDIR move
 * on, EACCES is remembered, anything else stops the search.
 */
static void TEND_NORETURN SPAWN_CHILD_FN
spawn_child_exec(const struct spawn_plan *pl, int efd)
{
	char *const *argv = pl->argv;
	const char *file = argv[0];
	const char *p = pl->path;
	char buf[PATH_MAX];
	bool eacces = false;
	long rc = -ENOENT;

	if (*spawn_strchrnul(file, '/') != '\0') {
		rc = SPAWN_SYS3(SYS_execve, file, argv, pl->envp);
		spawn_child_fail(efd, rc, "exec ", file, NULL);
	}
	while (*p) {
		const char *colon = spawn_strchrnul(p, ':');
		size_t dlen = (size_t)(colon - p);
		size_t flen = spawn_strlen(file);

		if (dlen == 0) { /* empty element: the current directory */
			buf[0] = '.';
			dlen = 1;
		} else if (dlen < sizeof(buf)) {
			spawn_memcpy(buf, p, dlen);
		}
		if (dlen + 1 + flen < sizeof(buf)) {
			buf[dlen] = '/';
			spawn_memcpy(buf + dlen + 1, file, flen + 1);
			rc = SPAWN_SYS3(SYS_execve, buf, argv, pl->envp);
			if (rc == -EACCES)
				eacces = true;
			else if (rc != -ENOENT && rc != -ENOTDIR)
				spawn_child_fail(efd, rc, "exec ", buf, NULL);
		}
		p = *colon ? colon + 1 : colon;
	}
	spawn_child_fail(efd, eacces ? -EACCES : -ENOENT, "exec ", file, NULL);
}

/*
 * Join the service's cgroup when clone3 could not put us there: first,
 * before any other step, so that nothing the child does escapes it.
 * Writing "0" moves the writer (cgroup-v2.rst, "Processes").  Only a
 * child cloned as by fork joins so (spawn_frame_get).
 */
static void SPAWN_CHILD_FN
spawn_child_cgroup(const struct spawn_plan *pl)
{
	long fd, rc;

	if (pl->cgroup_fd < 0)
		return;
	fd = SPAWN_SYS4(
	    SYS_openat, pl->cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC, 0);
	if (fd < 0)
		spawn_child_fail(pl->fd[0], fd, "cgroup.procs", NULL, NULL);
	rc = SPAWN_SYS3(SYS_write, fd, "0", 1);
	if (rc != 1)
		spawn_child_fail(
		    pl->fd[0], rc < 0 ? rc : -EIO, "cgroup.procs", NULL, NULL);
	(void)SPAWN_SYS1(SYS_close, fd);
}

/* Before the credential change: raising a hard limit needs
 * CAP_SYS_RESOURCE, which dropping to user= loses (setrlimit(2)). */
static void SPAWN_CHILD_FN
spawn_child_rlimits(const struct spawn_plan *pl)
{
	static const int res[4] = {
	    RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_CORE, RLIMIT_AS};
	static const char *const key[4] = {
	    "rlimit_nofile", "rlimit_nproc", "rlimit_core", "rlimit_as"};
	struct rlimit rl;
	long rc;
	int i;

	for (i = 0; i < 4; i++) {
		const struct conf_rlimit *cr = &pl->rlim[i];

		if (!cr->set)
			continue;
		rl.rlim_cur = cr->soft == CONF_RLIM_INFINITY ? RLIM_INFINITY
		                                             : (rlim_t)cr->soft;
		rl.rlim_max = cr->hard == CONF_RLIM_INFINITY ? RLIM_INFINITY
		                                             : (rlim_t)cr->hard;
		rc = SPAWN_SYS4(SYS_prlimit64, 0, res[i], &rl, NULL);
		if (rc < 0)
			spawn_child_fail(
			    pl->fd[0], rc, key[i], ": setrlimit", NULL);
	}
}

/*
 * DESIGN.md's order; each step's reason is beside it.  Before the fds are
 * in place (spawn_child_fds), a failure is reported on pl->fd[0], the
 * exec pipe of a child cloned as by fork; a child sharing tendd's memory
 * takes its fds first and has none there, so it reports nothing before.
 */
void TEND_NORETURN SPAWN_CHILD_FN
spawn_child(const struct spawn_plan *pl)
{
	struct spawn_plan own;
	char num[24];
	int efd;
	long rc;

	/* The fds first when sharing tendd's table: until then every fd
	 * tendd opens or closes is ours too. */
	if (pl->sock >= 0) {
		efd = spawn_child_fds(pl);
		/* Not "own = *pl": the compiler may call memcpy(). */
		spawn_memcpy(&own, pl, sizeof(own));
		own.fd[0] = efd;
		pl = &own;
	}
	spawn_child_cgroup(pl);
	/* Own session and process group: stopasgroup can signal the whole
	 * group, and terminal signals aimed at tendd do not reach it. */
	if ((rc = SPAWN_SYS0(SYS_setsid)) < 0)
		spawn_child_fail(pl->fd[0], rc, "setsid", NULL, NULL);
	spawn_child_rlimits(pl);
	spawn_child_creds(pl);
	if (pl->directory != NULL &&
	    (rc = SPAWN_SYS1(SYS_chdir, pl->directory)) < 0)
		spawn_child_fail(pl->fd[0], rc, "chdir ", pl->directory, NULL);
	if (pl->umask >= 0)
		(void)SPAWN_SYS1(SYS_umask, pl->umask);
	/* After the credential change: changing uids/gids clears the
	 * parent-death signal (prctl(2), PR_SET_PDEATHSIG). */
	if (pl->pdeathsig > 0 &&
	    (rc = SPAWN_SYS2(SYS_prctl, PR_SET_PDEATHSIG, pl->pdeathsig)) < 0)
		spawn_child_fail(pl->fd[0], rc, "prctl(PR_SET_PDEATHSIG, ",
		    spawn_num(num, pl->pdeathsig), ")");
	/* tendd may have died before the prctl; then nobody would ever send
	 * the signal, and we would run unsupervised. */
	if (SPAWN_SYS0(SYS_getppid) != pl->tendd_pid)
		spawn_child_exit();
	spawn_child_signals(pl);
	efd = pl->sock >= 0 ? pl->fd[0] : spawn_child_fds(pl);
	spawn_child_exec(pl, efd);
}

#ifdef SPAWN_HAVE_VM
/*
 * clone3() for a child on a stack of its own (CLONE_VM): it cannot return
 * into a function tendd is still running, so the child half never leaves
 * the assembly: it calls spawn_child(PL) on the new stack (rsp is the top
 * of args->stack, clone3(2)), which ends in execve() or exit_group().
 * Returns the pid, or -1 with errno.
 */
pid_t
spawn_clone3_vm(struct clone_args *args, const struct spawn_plan *pl)
{
	register long rax __asm__("rax") = SYS_clone3;
	register struct clone_args *rdi __asm__("rdi") = args;
	register size_t rsi __asm__("rsi") = sizeof(*args);
	register void (*r12)(const struct spawn_plan *) __asm__("r12") =
	    spawn_child;
	register const struct spawn_plan *r13 __asm__("r13") = pl;

	__asm__ volatile("syscall\n\t"
	                 "testq %%rax, %%rax\n\t"
	                 "jnz 1f\n\t"
	                 "xorl %%ebp, %%ebp\n\t" /* outermost frame */
	                 "andq $-16, %%rsp\n\t"
	                 "movq %%r13, %%rdi\n\t"
	                 "callq *%%r12\n\t"
	                 "ud2\n"
	                 "1:"
	                 : "+r"(rax)
	                 : "r"(rdi), "r"(rsi), "r"(r12), "r"(r13)
	                 : "rcx", "r11", "memory", "cc");
	if (rax < 0) {
		errno = (int)-rax;
		return -1;
	}
	return (pid_t)rax;
}
#endif

/*
 * test_procinfo.c: the /proc parsers on fixture text: stat lines whose
 * comm holds spaces and parentheses, zombies, kernel threads, malformed
 * and truncated text (a process that vanished mid-read); status and
 * smaps_rollup; cmdline formatting; cgroup2 discovery in mountinfo
 * (hybrid and escaped mount points) and /proc/PID/cgroup; flat keys.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "procinfo.h"

/* Real lines (Linux 6.x), trimmed after rss where nothing else matters. */
#define STAT_CAT                                                               \
	"11934 (cat) R 11929 11929 26636 0 -1 4194304 101 0 0 0 7 3 0 0 20 0 " \
	"1 0 303282 3133440 388 18446744073709551615 94783890550784\n"
#define STAT_KTHREADD                                                          \
	"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 25 0 0 "   \
	"18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 0 1 0\n"

static void
test_stat_plain(void **state)
{
	struct procinfo_stat st;

	(void)state;
	assert_int_equal(procinfo_parse_stat(STAT_CAT, &st), 0);
	assert_int_equal(st.pid, 11934);
	assert_string_equal(st.comm, "cat");
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.ppid, 11929);
	assert_int_equal(st.pgrp, 11929);
	assert_int_equal(st.session, 26636);
	assert_int_equal(st.utime, 7);
	assert_int_equal(st.stime, 3);
	assert_int_equal(st.num_threads, 1);
	assert_int_equal(st.starttime, 303282);
	assert_int_equal(st.vsize, 3133440);
	assert_int_equal(st.rss_pages, 388);
	assert_false(st.kthread);
}

/* prctl(PR_SET_NAME) allows any bytes: the comm ends at the last ')'. */
static void
test_stat_comm_with_parens_and_spaces(void **state)
{
	struct procinfo_stat st;
	const char *line = "4242 (my) (x) S 1 2 3 0 -1 0 0 0 0 0 1 2 0 0 20 "
	                   "0 5 0 99 4096 10\n";

	(void)state;
	assert_int_equal(procinfo_parse_stat(line, &st), 0);
	assert_string_equal(st.comm, "my) (x");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.session, 3);
	assert_int_equal(st.num_threads, 5);
	assert_int_equal(st.starttime, 99);
}

static void
test_stat_comm_empty_and_negative_fields(void **state)
{
	struct procinfo_stat st;
	/* nice -5 and a negative priority, as a real-time task shows. */
	const char *line = "7 () D 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 -51 -5 3 0 "
	                   "12 0 0\n";

	(void)state;
	assert_int_equal(procinfo_parse_stat(line, &st), 0);
	assert_string_equal(st.comm, "");
	assert_int_equal(st.state, 'D');
	assert_int_equal(st.num_threads, 3);
}

static void
test_stat_zombie(void **state)
{
	struct procinfo_stat st;
	const char *line = "500 (sleeper) Z 1 500 500 0 -1 4227148 0 0 0 0 "
	                   "0 0 0 0 20 0 1 0 800 0 0 18446744073709551615\n";

	(void)state;
	assert_int_equal(procinfo_parse_stat(line, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.vsize, 0);
	assert_int_equal(st.rss_pages, 0);
}

static void
test_stat_kernel_thread(void **state)
{
	struct procinfo_stat st;

	(void)state;
	assert_int_equal(procinfo_parse_stat(STAT_KTHREADD, &st), 0);
	assert_string_equal(st.comm, "kthreadd");
	assert_true(st.kthread);
	assert_int_equal(st.ppid, 0);
}

static void
test_stat_long_comm_is_cut(void **state)
{
	struct procinfo_stat st;
	char line[512];
	char comm[200];

	(void)state;
	memset(comm, 'a', sizeof(comm) - 1);
	comm[sizeof(comm) - 1] = '\0';
	(void)snprintf(line, sizeof(line),
	    "9 (%s) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0\n", comm);
	assert_int_equal(procinfo_parse_stat(line, &st), 0);
	assert_int_equal(strlen(st.comm), sizeof(st.comm) - 1);
	assert_int_equal(st.state, 'S');
}

/* A read cut short (the process vanished, or a bad buffer) is refused,
 * never half-filled. */
static void
test_stat_malformed(void **state)
{
	static const char *const bad[] = {
	    "",
	    "123",
	    "123 (cat",
	    "abc (cat) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0",
	    "123 (cat) ",
	    "123 (cat) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1",
	    "123 (cat) R 1 1 x 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0",
	    "cat) (123 R",
	};
	struct procinfo_stat st;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_int_equal(procinfo_parse_stat(bad[i], &st), -1);
		assert_int_equal(errno, EINVAL);
	}
}

static void
test_status(void **state)
{
	struct procinfo_status st;
	const char *text = "Name:\tnginx\nUmask:\t0022\nState:\tS (sleeping)\n"
	                   "Tgid:\t812\nNgid:\t0\nPid:\t812\nPPid:\t1\n"
	                   "VmRSS:\t    2116 kB\nThreads:\t4\n";

	(void)state;
	assert_int_equal(procinfo_parse_status(text, &st), 0);
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.threads, 4);
	assert_int_equal(st.vmrss_kb, 2116);
	assert_int_equal(st.tgid, 812);
	assert_int_equal(st.ppid, 1);
}

static void
test_status_zombie_has_no_vmrss(void **state)
{
	struct procinfo_status st;
	const char *text = "Name:\tx\nState:\tZ (zombie)\nTgid:\t9\nPPid:\t1\n"
	                   "Threads:\t1\n";

	(void)state;
	assert_int_equal(procinfo_parse_status(text, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.vmrss_kb, -1);
	errno = 0;
	assert_int_equal(procinfo_parse_status("Name:\tx\n", &st), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_smaps_rollup(void **state)
{
	struct procinfo_mem m;
	const char *text =
	    "55adc8d1f000-7ffc7acac000 ---p 00000000 00:00 0      [rollup]\n"
	    "Rss:                1796 kB\nPss:                 157 kB\n"
	    "Pss_Dirty:           112 kB\nPss_Anon:            112 kB\n";

	(void)state;
	assert_int_equal(procinfo_parse_smaps_rollup(text, &m), 0);
	assert_true(m.valid);
	assert_int_equal(m.rss_kb, 1796);
	assert_int_equal(m.pss_kb, 157);
}

/* Zombies and kernel threads: smaps_rollup reads empty. */
static void
test_smaps_rollup_empty(void **state)
{
	struct procinfo_mem m;

	(void)state;
	assert_int_equal(procinfo_parse_smaps_rollup("", &m), 0);
	assert_false(m.valid);
	assert_int_equal(m.rss_kb, 0);
	assert_int_equal(m.pss_kb, 0);
}

static void
test_cmdline(void **state)
{
	char out[64];
	const char args[] = "nginx: worker process\0\0";
	const char argv[] = "sleep\0"
	                    "10\0"
	                    "a\tb\0";

	(void)state;
	procinfo_format_cmdline(
	    args, sizeof(args) - 1, "nginx", out, sizeof(out));
	assert_string_equal(out, "nginx: worker process");
	procinfo_format_cmdline(
	    argv, sizeof(argv) - 1, "sleep", out, sizeof(out));
	assert_string_equal(out, "sleep 10 a?b");
	procinfo_format_cmdline("", 0, "kworker/0:1", out, sizeof(out));
	assert_string_equal(out, "[kworker/0:1]");
	procinfo_format_cmdline(argv, sizeof(argv) - 1, "sleep", out, 6);
	assert_string_equal(out, "sleep");
}

/* This machine's hybrid layout: v1 controllers, cgroup2 at .../unified. */
static const char mountinfo_hybrid[] =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup "
    "rw,memory\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static void
test_cgroup2_mount(void **state)
{
	char out[128];
	const char pure[] = "30 24 0:26 / /sys/fs/cgroup rw,nosuid shared:4 "
	                    "- cgroup2 cgroup2 rw,nsdelegate\n";
	const char escaped[] = "1 0 0:1 / / rw - ext4 /dev/sda rw\n"
	                       "50 1 0:40 / /tmp/my\\040cg rw master:1 - "
	                       "cgroup2 none rw\n";

	(void)state;
	assert_int_equal(
	    procinfo_cgroup2_mount(mountinfo_hybrid, out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/unified");
	assert_int_equal(procinfo_cgroup2_mount(pure, out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup");
	assert_int_equal(procinfo_cgroup2_mount(escaped, out, sizeof(out)), 0);
	assert_string_equal(out, "/tmp/my cg");
	assert_int_equal(procinfo_cgroup2_mount(escaped, out, 5), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

static void
test_cgroup2_mount_none(void **state)
{
	char out[128];
	/* "cgroup" (v1) must not be taken for "cgroup2". */
	const char v1only[] = "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup "
	                      "cgroup rw,cpu\n";

	(void)state;
	errno = 0;
	assert_int_equal(procinfo_cgroup2_mount(v1only, out, sizeof(out)), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(procinfo_cgroup2_mount("", out, sizeof(out)), -1);
}

static void
test_cgroup2_path(void **state)
{
	char out[128];
	const char hybrid[] = "9:name=systemd:/\n4:memory:/process_api/f7a9\n"
	                      "1:cpu:/\n0::/\n";
	const char nested[] = "0::/system.slice/tend.service\n";

	(void)state;
	assert_int_equal(procinfo_cgroup2_path(hybrid, out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	assert_int_equal(procinfo_cgroup2_path(nested, out, sizeof(out)), 0);
	assert_string_equal(out, "/system.slice/tend.service");
	errno = 0;
	assert_int_equal(
	    procinfo_cgroup2_path("4:memory:/x\n", out, sizeof(out)), -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_flat_key(void **state)
{
	long long v = -1;
	const char events[] = "populated 1\nfrozen 0\n";
	const char mem[] = "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n"
	                   "oom_group_kill 0\n";

	(void)state;
	assert_int_equal(procinfo_flat_key(events, "populated", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(procinfo_flat_key(mem, "oom_kill", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(procinfo_flat_key(mem, "oom", &v), 0);
	assert_int_equal(v, 1);
	errno = 0;
	assert_int_equal(procinfo_flat_key(events, "pop", &v), -1);
	assert_int_equal(errno, ENOENT);
}

/* The readers on ourselves, and on a pid that cannot exist. */
static void
test_read_self_and_gone(void **state)
{
	struct procinfo pi;

	(void)state;
	assert_int_equal(procinfo_read(getpid(), true, true, &pi), 0);
	assert_int_equal(pi.st.pid, getpid());
	assert_true(pi.st.num_threads >= 1);
	assert_true(pi.cmdline[0] != '\0');
	errno = 0;
	assert_int_equal(procinfo_read(0x3fffffff, true, true, &pi), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(procinfo_read_stat(0x3fffffff, &pi.st), -1);
	assert_int_equal(errno, ESRCH);
}

/* SigPnd and ShdPnd (hex masks) are read together: reap_at_exit() waits
 * for a child with SIGKILL pending in either. */
static void
test_status_pending_signals(void **state)
{
	struct procinfo_status st;

	(void)state;
	assert_int_equal(procinfo_parse_status("State:\tS (sleeping)\n"
	                                       "SigPnd:\t0000000000000100\n"
	                                       "ShdPnd:\t0000000000000002\n",
	                     &st),
	    0);
	assert_true(st.sigpnd == ((1u << (9 - 1)) | (1u << (2 - 1))));
	assert_int_equal(procinfo_parse_status("State:\tR\n", &st), 0);
	assert_true(st.sigpnd == 0);
	assert_int_equal(procinfo_parse_status("State:\tR\nSigPnd:\tzz\n",
	                     &st),
	    0);
	assert_true(st.sigpnd == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stat_plain),
	    cmocka_unit_test(test_stat_comm_with_parens_and_spaces),
	    cmocka_unit_test(test_stat_comm_empty_and_negative_fields),
	    cmocka_unit_test(test_stat_zombie),
	    cmocka_unit_test(test_stat_kernel_thread),
	    cmocka_unit_test(test_stat_long_comm_is_cut),
	    cmocka_unit_test(test_stat_malformed),
	    cmocka_unit_test(test_status),
	    cmocka_unit_test(test_status_zombie_has_no_vmrss),
	    cmocka_unit_test(test_smaps_rollup),
	    cmocka_unit_test(test_smaps_rollup_empty),
	    cmocka_unit_test(test_cmdline),
	    cmocka_unit_test(test_cgroup2_mount),
	    cmocka_unit_test(test_cgroup2_mount_none),
	    cmocka_unit_test(test_cgroup2_path),
	    cmocka_unit_test(test_flat_key),
	    cmocka_unit_test(test_read_self_and_gone),
	    cmocka_unit_test(test_status_pending_signals),
	};

	return cmocka_run_group_tests_name("procinfo", tests, NULL, NULL);
}

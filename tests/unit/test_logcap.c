/*
 * test_logcap.c: the pure parts of log capture (logfile.c): rotation in a
 * temporary directory (backups shifted, the oldest dropped, backups=0),
 * counting lines back from the end of a file, AUTO file names, RFC 3339
 * stamps, and the line splitter behind log_timestamps/log_prefix/syslog
 * (whole lines, held partial lines, over-long lines, binary data).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logfile.h"

/* --- a temporary directory per test ----------------------------------- */

struct tmp {
	char dir[64];
	char path[128]; /* DIR/app.log */
};

static int
tmp_setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	(void)snprintf(t->dir, sizeof(t->dir), "/tmp/test_logcap.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	(void)snprintf(t->path, sizeof(t->path), "%s/app.log", t->dir);
	*state = t;
	return 0;
}

static int
tmp_teardown(void **state)
{
	struct tmp *t = *state;
	char p[160];
	int i;

	(void)unlink(t->path);
	for (i = 1; i <= 9; i++) {
		(void)snprintf(p, sizeof(p), "%s.%d", t->path, i);
		(void)unlink(p);
	}
	assert_int_equal(rmdir(t->dir), 0);
	free(t);
	return 0;
}

static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

/* The whole content of PATH, or NULL if it does not exist. */
static char *
get(const char *path)
{
	static char buf[4096];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (fp == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	(void)fclose(fp);
	return buf;
}

static const char *
backup(const struct tmp *t, int n)
{
	static char p[160];

	(void)snprintf(p, sizeof(p), "%s.%d", t->path, n);
	return p;
}

/* --- rotation --------------------------------------------------------- */

static void
test_rotate_shifts_and_drops_oldest(void **state)
{
	struct tmp *t = *state;
	char err[256] = "";
	int gen;

	/* Four generations with backups=2: only the two newest remain. */
	for (gen = 1; gen <= 4; gen++) {
		char text[32];

		(void)snprintf(text, sizeof(text), "gen %d\n", gen);
		put(t->path, text);
		assert_int_equal(
		    logfile_rotate(t->path, 2, err, sizeof(err)), 0);
		assert_null(get(t->path));
	}
	assert_string_equal(get(backup(t, 1)), "gen 4\n");
	assert_string_equal(get(backup(t, 2)), "gen 3\n");
	assert_null(get(backup(t, 3)));
	assert_string_equal(err, "");
}

static void
test_rotate_missing_file_and_gaps(void **state)
{
	struct tmp *t = *state;
	char err[256] = "";

	/* Nothing to rotate is no error; a gap in the backups neither. */
	assert_int_equal(logfile_rotate(t->path, 3, err, sizeof(err)), 0);
	put(backup(t, 2), "old\n");
	put(t->path, "new\n");
	assert_int_equal(logfile_rotate(t->path, 3, err, sizeof(err)), 0);
	assert_string_equal(get(backup(t, 1)), "new\n");
	assert_null(get(backup(t, 2)));
	assert_string_equal(get(backup(t, 3)), "old\n");
}

static void
test_rotate_zero_backups_truncates(void **state)
{
	struct tmp *t = *state;
	char err[256] = "";
	struct stat a, b;

	put(t->path, "0123456789\n");
	assert_int_equal(stat(t->path, &a), 0);
	assert_int_equal(logfile_rotate(t->path, 0, err, sizeof(err)), 0);
	assert_int_equal(stat(t->path, &b), 0);
	/* Same file, now empty; no backup made. */
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(b.st_size, 0);
	assert_null(get(backup(t, 1)));
}

static void
test_rotate_error_message(void **state)
{
	struct tmp *t = *state;
	char err[256] = "", want[512];
	int rc;

	/* A file cannot be renamed over a directory (rename(2) EISDIR). */
	put(t->path, "x\n");
	assert_int_equal(mkdir(backup(t, 1), 0700), 0);
	rc = logfile_rotate(t->path, 1, err, sizeof(err));
	assert_int_equal(rmdir(backup(t, 1)), 0);
	(void)snprintf(
	    want, sizeof(want), "rename %s: %s", t->path, strerror(EISDIR));
	assert_int_equal(rc, -1);
	assert_string_equal(err, want);
}

/* --- lines back --------------------------------------------------------- */

static off_t
lines_back(struct tmp *t, const char *text, unsigned long n)
{
	int fd;
	off_t r;

	put(t->path, text);
	fd = open(t->path, O_RDONLY);
	assert_true(fd >= 0);
	r = logfile_lines_back(fd, (off_t)strlen(text), n);
	(void)close(fd);
	return r;
}

static void
test_lines_back(void **state)
{
	struct tmp *t = *state;

	assert_int_equal(lines_back(t, "a\nbb\nccc\n", 1), 5);
	assert_int_equal(lines_back(t, "a\nbb\nccc\n", 2), 2);
	assert_int_equal(lines_back(t, "a\nbb\nccc\n", 3), 0);
	assert_int_equal(lines_back(t, "a\nbb\nccc\n", 99), 0);
	/* An unfinished last line counts as a line. */
	assert_int_equal(lines_back(t, "a\nbb\ncc", 1), 5);
	assert_int_equal(lines_back(t, "a\nbb\ncc", 2), 2);
	/* Empty lines are lines. */
	assert_int_equal(lines_back(t, "a\n\n\n", 2), 2);
	assert_int_equal(lines_back(t, "", 3), 0);
	assert_int_equal(lines_back(t, "abc\n", 0), 4);
}

static void
test_lines_back_across_blocks(void **state)
{
	struct tmp *t = *state;
	static char big[20001];
	size_t i;

	/* 2000 lines of 10 bytes: more than two 8 KiB blocks. */
	for (i = 0; i < 2000; i++)
		memcpy(big + i * 10, "123456789\n", 10);
	big[20000] = '\0';
	put(t->path, big);
	assert_int_equal(lines_back(t, big, 1), 19990);
	assert_int_equal(lines_back(t, big, 1500), 5000);
	assert_int_equal(lines_back(t, big, 2000), 0);
}

/* --- names and stamps --------------------------------------------------- */

static void
test_auto_path(void **state)
{
	char buf[64];

	assert_int_equal(logfile_auto_path(buf, sizeof(buf), "/var/log/tend",
	                     "web:web_0", "stdout"),
	    0);
	assert_string_equal(buf, "/var/log/tend/web_web_0-stdout.log");
	/* The directory keeps its slashes and colons. */
	assert_int_equal(
	    logfile_auto_path(buf, sizeof(buf), "/a:b", "x", "stderr"), 0);
	assert_string_equal(buf, "/a:b/x-stderr.log");
	assert_int_equal(logfile_auto_path(buf, 10, "/tmp", "x", "stdout"), -1);
}

static void
test_stamp(void **state)
{
	char buf[40];

	assert_int_equal(logfile_stamp(0.0, buf, sizeof(buf)), 27);
	assert_string_equal(buf, "1970-01-01T00:00:00.000000Z");
	assert_int_equal(logfile_stamp(1714564800.25, buf, sizeof(buf)), 27);
	assert_string_equal(buf, "2024-05-01T12:00:00.250000Z");
	assert_int_equal(logfile_stamp(1714564800.25, buf, 20), 0);
}

/* --- the line splitter -------------------------------------------------- */

/* What the splitter passed on, each line as "[C|P t]text" (C complete,
 * P a piece or unfinished line, t its arrival time). */
struct got {
	char out[16384];
	size_t len;
	int lines;
};

static void
collect(void *arg, const char *line, size_t len, bool complete, double t)
{
	struct got *g = arg;
	int n = snprintf(g->out + g->len, sizeof(g->out) - g->len, "[%c%g]",
	    complete ? 'C' : 'P', t);

	g->len += (size_t)n;
	assert_true(g->len + len < sizeof(g->out));
	memcpy(g->out + g->len, line, len);
	g->len += len;
	g->out[g->len] = '\0';
	g->lines++;
}

static void
test_lines_whole(void **state)
{
	struct logfile_lines l = {0};
	struct got g = {0};

	assert_int_equal(
	    logfile_lines_feed(&l, "a\nbb\n", 5, 1, collect, &g), 0);
	assert_string_equal(g.out, "[C1]a\n[C1]bb\n");
	/* Whole lines need no buffer. */
	assert_null(l.hold);
	logfile_lines_free(&l);
}

static void
test_lines_partial_held_then_completed(void **state)
{
	struct logfile_lines l = {0};
	struct got g = {0};

	/* The line keeps the time its first byte came. */
	(void)logfile_lines_feed(&l, "hel", 3, 1, collect, &g);
	assert_int_equal(g.lines, 0);
	assert_int_equal(l.held, 3);
	(void)logfile_lines_feed(&l, "lo\nnext", 7, 2, collect, &g);
	assert_string_equal(g.out, "[C1]hello\n");
	(void)logfile_lines_feed(&l, "!\n", 2, 3, collect, &g);
	assert_string_equal(g.out, "[C1]hello\n[C2]next!\n");
	assert_int_equal(l.held, 0);
	logfile_lines_free(&l);
}

static void
test_lines_flush_passes_unfinished(void **state)
{
	struct logfile_lines l = {0};
	struct got g = {0};

	(void)logfile_lines_feed(&l, "a\nprompt> ", 10, 5, collect, &g);
	logfile_lines_flush(&l, collect, &g);
	assert_string_equal(g.out, "[C5]a\n[P5]prompt> ");
	/* Nothing held: flushing again passes nothing. */
	logfile_lines_flush(&l, collect, &g);
	assert_int_equal(g.lines, 2);
	logfile_lines_free(&l);
}

static void
test_lines_too_long_for_hold(void **state)
{
	static char in[LOGFILE_LINE_MAX * 2 + 10];
	struct logfile_lines l = {0};
	static struct got g;
	size_t i, total = 0;

	memset(&g, 0, sizeof(g));
	memset(in, 'x', sizeof(in));
	in[sizeof(in) - 1] = '\n';
	/* Fed a byte-range at a time, a line of 2*MAX+10 bytes comes out
	 * as two MAX pieces and a complete rest: nothing lost or moved. */
	for (i = 0; i < sizeof(in); i += 1000) {
		size_t n = sizeof(in) - i < 1000 ? sizeof(in) - i : 1000;

		(void)logfile_lines_feed(&l, in + i, n, 1, collect, &g);
	}
	assert_int_equal(g.lines, 3);
	assert_memory_equal(g.out, "[P1]", 4);
	for (i = 0; i < g.len; i++)
		if (g.out[i] == 'x' || g.out[i] == '\n')
			total++;
	assert_int_equal(total, sizeof(in));
	assert_non_null(strstr(g.out, "x[C1]x"));
	logfile_lines_free(&l);
}

static void
test_lines_binary_unchanged(void **state)
{
	const char in[] = {'a', '\0', '\x01', '\xff', '\n', '\0', 'b'};
	struct logfile_lines l = {0};
	struct got g = {0};

	(void)logfile_lines_feed(&l, in, sizeof(in), 1, collect, &g);
	logfile_lines_flush(&l, collect, &g);
	assert_int_equal(g.lines, 2);
	assert_int_equal(g.len, 4 + 5 + 4 + 2);
	assert_memory_equal(g.out + 4, in, 5);
	assert_memory_equal(g.out + 13, in + 5, 2);
	logfile_lines_free(&l);
}


/* --- supervisord's read and tail ranges ---------------------------------- */

static void
test_read_range(void **state)
{
	long long from, n;

	(void)state;
	/* LENGTH bytes from OFFSET; 0: to the end; capped by the size. */
	assert_int_equal(logfile_read_range(2, 3, 10, &from, &n), 0);
	assert_true(from == 2 && n == 3);
	assert_int_equal(logfile_read_range(2, 0, 10, &from, &n), 0);
	assert_true(from == 2 && n == 8);
	assert_int_equal(logfile_read_range(8, 5, 10, &from, &n), 0);
	assert_true(from == 8 && n == 2);
	assert_int_equal(logfile_read_range(20, 5, 10, &from, &n), 0);
	assert_true(n == 0);
	/* The last -OFFSET bytes. */
	assert_int_equal(logfile_read_range(-4, 0, 10, &from, &n), 0);
	assert_true(from == 6 && n == 4);
	assert_int_equal(logfile_read_range(-40, 0, 10, &from, &n), 0);
	assert_true(from == 0 && n == 10);
	/* BAD_ARGUMENTS */
	assert_int_equal(logfile_read_range(-4, 2, 10, &from, &n), -1);
	assert_int_equal(logfile_read_range(0, -2, 10, &from, &n), -1);
}

static void
test_tail_range(void **state)
{
	long long from, n;
	bool over;

	(void)state;
	/* supervisorctl's first tail: offset 0, 1600 bytes of a small log. */
	logfile_tail_range(0, 1600, 100, &from, &n, &over);
	assert_true(from == 0 && n == 100 && !over);
	/* A big log: the last LENGTH bytes, overflow. */
	logfile_tail_range(0, 1600, 10000, &from, &n, &over);
	assert_true(from == 8400 && n == 1600 && over);
	/* tail -f's next poll: from the last size on. */
	logfile_tail_range(10000, 1600, 10050, &from, &n, &over);
	assert_true(from == 8450 && n == 1600 && !over);
	/* Nothing new. */
	logfile_tail_range(10050, 1600, 10050, &from, &n, &over);
	assert_true(n == 0 || from + n == 10050);
	assert_false(over);
	/* An empty log. */
	logfile_tail_range(0, 1600, 0, &from, &n, &over);
	assert_true(from == 0 && n == 0 && !over);
}

/* STRIP of IN fed in pieces of PIECE bytes, lone ESCs passed on as the
 * caller must, then EOF: the text logcap would log. */
static void
strip_in_pieces(const char *in, size_t piece, char *out, size_t outlen)
{
	unsigned char st = 0;
	size_t len = strlen(in), at = 0, o = 0;
	char buf[256];
	bool lone;

	assert_true(len < sizeof(buf) && len < outlen);
	while (at < len) {
		size_t n = len - at < piece ? len - at : piece;

		memcpy(buf, in + at, n);
		at += n;
		n = logfile_strip_ansi(&st, buf, n, &lone);
		if (lone)
			out[o++] = '\x1b';
		memcpy(out + o, buf, n);
		o += n;
	}
	if (st == LOGFILE_ANSI_ESC)
		out[o++] = '\x1b';
	out[o] = '\0';
}

static void
test_strip_ansi(void **state)
{
	/* Each case and what supervisord's stripEscapes() makes of it
	 * (dispatchers.py, checked with Debian's supervisor 4.2). */
	static const char *const cases[][2] = {
	    {"plain\n", "plain\n"},
	    {"\x1b[31mred\x1b[0m\n", "red\n"},
	    {"\x1b[1;32;40mbold\x1b[K end", "bold end"},
	    {"a\x1b[2Jb\x1b[Hc", "abc"},
	    {"lone \x1b here", "lone \x1b here"},
	    {"\x1b\x1b[31mx", "\x1bx"},
	    {"unended \x1b[31", "unended "},
	    {"end\x1b", "end\x1b"},
	    {"\x1b[?25lhidden\x1b[?25h", "hidden"},
	};
	char out[256];
	size_t i, piece;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		/* Whole, then cut at every place: the same result. */
		for (piece = 1; piece <= strlen(cases[i][0]) + 1; piece++) {
			strip_in_pieces(cases[i][0], piece, out, sizeof(out));
			if (strcmp(out, cases[i][1]) != 0)
				fail_msg("case %zu, pieces of %zu: got \"%s\"", i,
				    piece, out);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_rotate_shifts_and_drops_oldest, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_rotate_missing_file_and_gaps, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_rotate_zero_backups_truncates, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_rotate_error_message, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_lines_back, tmp_setup, tmp_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_lines_back_across_blocks, tmp_setup, tmp_teardown),
	    cmocka_unit_test(test_auto_path),
	    cmocka_unit_test(test_stamp),
	    cmocka_unit_test(test_lines_whole),
	    cmocka_unit_test(test_lines_partial_held_then_completed),
	    cmocka_unit_test(test_lines_flush_passes_unfinished),
	    cmocka_unit_test(test_lines_too_long_for_hold),
	    cmocka_unit_test(test_lines_binary_unchanged),
	    cmocka_unit_test(test_read_range),
	    cmocka_unit_test(test_tail_range),
	    cmocka_unit_test(test_strip_ansi),
	};

	return cmocka_run_group_tests_name("logcap", tests, NULL, NULL);
}

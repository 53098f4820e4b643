/*
 * tap.h: the few TAP helpers the kernel-behaviour tests share.  Header-
 * only (each test is one program); tap_failed decides the exit status.
 */
#ifndef TEND_TESTS_SYS_TAP_H
#define TEND_TESTS_SYS_TAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n;
static int tap_failed;

/* One result line: "ok N - ..." or "not ok N - ...". */
static void __attribute__((format(printf, 2, 3), unused))
tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		tap_failed = 1;
}

/* A set-up step failed: the rest cannot run. */
static void __attribute__((noreturn, unused))
bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

#endif /* TEND_TESTS_SYS_TAP_H */

/*
 * config_ini.h: the INI syntax layer under config.c.
 *
 * config_ini_parse() feeds a FILE through libinih's ini_parse_stream() with
 * a reader that numbers the lines and checks each one before libinih sees
 * it.  It reports sections, keys and continuation lines with their line
 * numbers, and refuses (with a message, never silently) what libinih would
 * mangle: lines longer than libinih's buffer, malformed lines, NUL bytes.
 * A refused line is replaced by a blank one, so no truncated or partial
 * value ever reaches the callbacks; the caller refuses the file as a whole.
 *
 * Comments follow supervisord's configparser settings: whole-line comments
 * start with ';' or '#', inline comments with " ;" or " #" (a blank before
 * the mark).  Key names are given as written (the caller folds case).
 */
#ifndef TEND_CONFIG_INI_H
#define TEND_CONFIG_INI_H

#include "tend.h"

#include <stdio.h>

struct config_ini_ops {
	/* A "[NAME]" header on LINE. */
	void (*section)(void *user, const char *name, int line);
	/*
	 * "KEY = VALUE" on LINE inside SECTION.  CONT is true for an
	 * indented continuation line; KEY is then the key being continued
	 * and VALUE the text of that line, to be joined with "\n" as
	 * Python's configparser does.  VALUE is NULL when the line was
	 * refused (already reported through ops->error): the key exists
	 * but has no usable value.
	 */
	void (*key)(void *user, const char *section, const char *key,
	    const char *value, int line, bool cont);
	/* A syntax problem on LINE (message without "FILE:LINE: "). */
	void (*error)(void *user, int line, const char *msg);
};

/*
 * Parse FP.  Returns 0 when the whole file was read (errors, if any, went
 * to ops->error), -1 with errno set if reading failed or memory ran out.
 */
int config_ini_parse(FILE *fp, const struct config_ini_ops *ops, void *user);

#endif /* TEND_CONFIG_INI_H */

/*
 * config_ini.h: the INI syntax layer under the config loader.
 *
 * config_ini_parse() reads supervisord's dialect (Python configparser as
 * supervisord 4.2 configures it; config_ini.c lists the rules) line by
 * line, of any length, and reports sections, keys and continuation lines
 * with their line numbers.  Key names are given as written (the caller
 * folds case); values are stripped of blanks and inline comments.
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
	 * Python's configparser does (a kept blank line is an empty
	 * VALUE).
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

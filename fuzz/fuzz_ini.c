/*
 * fuzz_ini.c: the INI syntax layer alone (config_ini_parse(), under
 * config_load()), from memory, so it runs far faster than the config
 * target.  Checks: every string handed over is a C string, every line
 * number is one of the input's lines.
 */
#include "fuzz.h"

#include "config_ini.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fuzz_ini {
	int lines; /* in the input */
	size_t bytes;
};

static void
fuzz_ini_line(struct fuzz_ini *f, int line)
{
	if (line < 1 || line > f->lines)
		abort(); /* not a line of the input */
}

static void
fuzz_ini_section(void *user, const char *name, int line)
{
	struct fuzz_ini *f = user;

	fuzz_ini_line(f, line);
	f->bytes += strlen(name);
}

static void
fuzz_ini_key(void *user, const char *section, const char *key,
    const char *value, int line, bool cont)
{
	struct fuzz_ini *f = user;

	(void)cont;
	fuzz_ini_line(f, line);
	f->bytes += strlen(section) + strlen(key) + strlen(value);
}

static void
fuzz_ini_error(void *user, int line, const char *msg)
{
	struct fuzz_ini *f = user;

	fuzz_ini_line(f, line);
	f->bytes += strlen(msg);
}

FUZZ_TARGET(ini)(const uint8_t *data, size_t size)
{
	static const struct config_ini_ops ops = {
	    .section = fuzz_ini_section,
	    .key = fuzz_ini_key,
	    .error = fuzz_ini_error,
	};
	struct fuzz_ini f = {1, 0};
	char *buf;
	FILE *fp;
	size_t i;

	if (size == 0)
		return 0; /* fmemopen() takes no empty buffer */
	for (i = 0; i < size; i++)
		f.lines += data[i] == '\n';
	if ((buf = malloc(size)) == NULL)
		abort();
	memcpy(buf, data, size);
	if ((fp = fmemopen(buf, size, "r")) == NULL)
		abort();
	(void)config_ini_parse(fp, &ops, &f);
	(void)fclose(fp);
	free(buf);
	return 0;
}

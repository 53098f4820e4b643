/*
 * fuzz_config.c: the config loader through its public API, config_load(),
 * on whole files with includes.  The input is cut at NUL bytes: the first
 * piece is main.conf, the next ones inc1.conf, inc2.conf... in one
 * private directory, so "[include] files=inc*.conf" (or a file including
 * itself) reaches them.  A loaded config is also printed (config_dump, as
 * tendd -n -v does) to /dev/null.
 *
 * The loader reads whatever files a config names.  So that a run cannot
 * wander into /dev/zero or a FIFO, inputs holding "include" (any case)
 * together with a '/' are skipped: includes are fuzzed with relative
 * names, paths everywhere else.  The environment is emptied once, so
 * %(ENV_X)s cannot name a path either.
 */
#include "fuzz.h"

#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_MAX_FILES 8

static char fuzz_dir[64];
static FILE *fuzz_null;

static void
fuzz_config_init(void)
{
	strcpy(fuzz_dir, "/tmp/tendfuzz-config.XXXXXX");
	if (mkdtemp(fuzz_dir) == NULL || clearenv() != 0 ||
	    (fuzz_null = fopen("/dev/null", "w")) == NULL) {
		perror("fuzz_config: set-up");
		abort();
	}
}

static void
fuzz_config_cleanup(void)
{
	char path[128];
	int i;

	for (i = 0; i < FUZZ_MAX_FILES; i++) {
		if (i == 0)
			snprintf(path, sizeof(path), "%s/main.conf", fuzz_dir);
		else
			snprintf(path, sizeof(path), "%s/inc%d.conf", fuzz_dir, i);
		(void)unlink(path);
	}
}

/* Does DATA hold "include" (any case) and a '/'? */
static int
fuzz_config_unsafe(const uint8_t *data, size_t size)
{
	static const char word[] = "include";
	size_t i, j;
	int inc = 0;

	if (memchr(data, '/', size) == NULL)
		return 0;
	for (i = 0; !inc && i + sizeof(word) - 1 <= size; i++) {
		for (j = 0; word[j] != '\0'; j++)
			if (tolower(data[i + j]) != word[j])
				break;
		inc = word[j] == '\0';
	}
	return inc;
}

static void
fuzz_config_write(const uint8_t *data, size_t size)
{
	size_t off = 0;
	int i;

	for (i = 0; i < FUZZ_MAX_FILES && off <= size; i++) {
		const uint8_t *nul = memchr(data + off, '\0', size - off);
		size_t n = nul ? (size_t)(nul - (data + off)) : size - off;
		char path[128];
		FILE *fp;

		if (i == 0)
			snprintf(path, sizeof(path), "%s/main.conf", fuzz_dir);
		else
			snprintf(path, sizeof(path), "%s/inc%d.conf", fuzz_dir, i);
		if ((fp = fopen(path, "w")) == NULL ||
		    fwrite(data + off, 1, n, fp) != n || fclose(fp) != 0) {
			perror(path);
			abort();
		}
		off += n + 1;
	}
}

FUZZ_TARGET(config)(const uint8_t *data, size_t size)
{
	struct conf_errors errs = {0};
	struct tend_conf *conf;
	char path[128];

	if (fuzz_null == NULL)
		fuzz_config_init();
	if (fuzz_config_unsafe(data, size))
		return 0;
	fuzz_config_cleanup();
	fuzz_config_write(data, size);
	snprintf(path, sizeof(path), "%s/main.conf", fuzz_dir);
	conf = config_load(path, &errs);
	if (conf != NULL) {
		if (errs.n != 0)
			abort(); /* success leaves ERRS empty */
		config_dump(conf, fuzz_null);
		config_free(conf);
	} else if (errs.n == 0) {
		abort(); /* a refusal says why */
	}
	config_errors_free(&errs);
	return 0;
}

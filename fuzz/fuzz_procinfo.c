/*
 * fuzz_procinfo.c: every /proc text parser of procinfo.c (stat, status,
 * smaps_rollup, cmdline, mountinfo, cgroup, flat "key value" files) on
 * the same input, as if the kernel (or a process naming itself) had
 * written it.
 */
#include "fuzz.h"

#include "procinfo.h"

#include <stdlib.h>
#include <string.h>

FUZZ_TARGET(procinfo)(const uint8_t *data, size_t size)
{
	struct procinfo_stat st;
	struct procinfo_status ss;
	struct procinfo_mem mem;
	char out[256], *raw, *text;
	long long v;

	text = fuzz_string(data, size);
	(void)procinfo_parse_stat(text, &st);
	(void)procinfo_parse_status(text, &ss);
	(void)procinfo_parse_smaps_rollup(text, &mem);
	(void)procinfo_cgroup2_mount(text, out, sizeof(out));
	(void)procinfo_cgroup2_path(text, out, sizeof(out));
	(void)procinfo_flat_key(text, "oom_kill", &v);
	(void)procinfo_flat_key(text, "populated", &v);
	free(text);
	/* cmdline: raw bytes in a buffer of their own size */
	raw = malloc(size ? size : 1);
	if (raw == NULL)
		abort();
	if (size > 0)
		memcpy(raw, data, size);
	procinfo_format_cmdline(raw, size, "comm", out, sizeof(out));
	if (memchr(out, '\0', sizeof(out)) == NULL)
		abort();
	free(raw);
	return 0;
}

/*
 * fuzz.c: the libFuzzer entry points of fuzz/tendfuzz; they hand each
 * input to the target $TEND_FUZZ names (fuzz.h).
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_TARGETS 32

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	const char *name;
	fuzz_fn fn;
} fuzz_targets[FUZZ_MAX_TARGETS];
static size_t fuzz_ntargets;
static fuzz_fn fuzz_chosen;

void
fuzz_register(const char *name, fuzz_fn fn)
{
	if (fuzz_ntargets == FUZZ_MAX_TARGETS) {
		fprintf(stderr, "tendfuzz: more than %d targets\n",
		    FUZZ_MAX_TARGETS);
		abort();
	}
	fuzz_targets[fuzz_ntargets].name = name;
	fuzz_targets[fuzz_ntargets].fn = fn;
	fuzz_ntargets++;
}

char *
fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *want = getenv("TEND_FUZZ");
	size_t i;

	(void)argc;
	(void)argv;
	if (want != NULL && strcmp(want, "list") == 0) {
		for (i = 0; i < fuzz_ntargets; i++)
			printf("%s\n", fuzz_targets[i].name);
		exit(0);
	}
	for (i = 0; want != NULL && i < fuzz_ntargets; i++)
		if (strcmp(fuzz_targets[i].name, want) == 0)
			fuzz_chosen = fuzz_targets[i].fn;
	if (fuzz_chosen == NULL) {
		fprintf(stderr, "tendfuzz: set TEND_FUZZ to one of:");
		for (i = 0; i < fuzz_ntargets; i++)
			fprintf(stderr, " %s", fuzz_targets[i].name);
		fprintf(stderr, " (or list)\n");
		exit(2);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_chosen(data, size);
}

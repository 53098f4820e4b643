/*
 * fuzz.h: tend's libFuzzer targets, all in one program (fuzz/tendfuzz).
 *
 * Each fuzz/fuzz_NAME.c holds one target, declared with
 *
 *     FUZZ_TARGET(NAME)(const uint8_t *data, size_t size) { ... }
 *
 * which registers it at start-up; $TEND_FUZZ=NAME picks the one a run
 * fuzzes, TEND_FUZZ=list prints the names.  Adding a target is its file
 * and one line in Makefile.am (fuzz_tendfuzz_SOURCES); `make fuzz` runs
 * whatever the program lists.  A target must be deterministic, must not
 * leak (LeakSanitizer runs after each input) and must not call exit().
 */
#ifndef TEND_FUZZ_H
#define TEND_FUZZ_H

#include <stddef.h>
#include <stdint.h>

typedef int (*fuzz_fn)(const uint8_t *data, size_t size);

void fuzz_register(const char *name, fuzz_fn fn);

#define FUZZ_TARGET(name)                                                     \
	static int fuzz_##name(const uint8_t *, size_t);                      \
	static void fuzz_register_##name(void) __attribute__((constructor)); \
	static void fuzz_register_##name(void)                                \
	{                                                                     \
		fuzz_register(#name, fuzz_##name);                            \
	}                                                                     \
	static int fuzz_##name

/* DATA as a NUL-terminated malloc'd string (embedded NULs kept, so the
 * string may look shorter); aborts on ENOMEM. */
char *fuzz_string(const uint8_t *data, size_t size);

#endif /* TEND_FUZZ_H */

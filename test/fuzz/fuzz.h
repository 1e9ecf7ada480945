/* Shared by the libFuzzer targets (one per parser, fuzz_<parser>.c): the entry point's
 * prototype and a NUL-terminated copy for parsers that take C strings. */
#ifndef VDN_FUZZ_H
#define VDN_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input up to its first NUL (what an environment variable or a C string can hold),
 * in a buffer of its own so that ASan sees a read past the end. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A broken property is a finding like a crash: print it and abort so libFuzzer saves it. */
#define FUZZ_ASSERT(cond, ...)                                                               \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "fuzz: %s:%d: %s: ", __FILE__, __LINE__, #cond);     \
			fprintf(stderr, __VA_ARGS__);                                        \
			fputc('\n', stderr);                                                 \
			abort();                                                             \
		}                                                                            \
	} while (0)

#endif

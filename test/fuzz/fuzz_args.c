/* CNI_ARGS as a runtime hands it over: cni_args_parse, lookups, cni_args_check_known. */
#include "args.h"
#include "fuzz.h"

static const char *const known[] = { "MAC", "IP", "IgnoreUnknown", NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size);
	struct cni_args a;
	struct cni_err e = { 0 };

	if (cni_args_parse(text, &a, &e) == 0) {
		FUZZ_ASSERT(a.n >= 0 && a.n <= CNI_ARGS_MAX, "%d pairs", a.n);
		for (int i = 0; i < a.n; i++)
			FUZZ_ASSERT(cni_args_get(&a, a.key[i]) != NULL, "key %d not found", i);
		cni_args_get(&a, "MAC");
		if (cni_args_check_known(&a, known, &e) < 0)
			FUZZ_ASSERT(e.code == CNI_ERR_INVALID_ENV, "code %d", e.code);
		cni_args_check_known(&a, NULL, &e);
		cni_args_free(&a);
	} else {
		FUZZ_ASSERT(a.n == 0, "pairs left after an error");
	}
	free(text);
	return 0;
}

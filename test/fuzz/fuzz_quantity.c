/* Kubernetes quantities: both readings, and that what quantity_format and
 * quantity_format_milli print reads back to the same value. */
#include <inttypes.h>
#include "quantity.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size), buf[64];
	struct cni_err e = { 0 };
	int64_t v, back;

	if (quantity_parse(text, &v, &e) == 0) {
		quantity_format(v, buf, sizeof(buf));
		FUZZ_ASSERT(quantity_parse(buf, &back, &e) == 0 && back == v,
			    "\"%s\" = %" PRId64 " printed \"%s\"", text, v, buf);
	}
	if (quantity_parse_milli(text, &v, &e) == 0) {
		quantity_format_milli(v, buf, sizeof(buf));
		FUZZ_ASSERT(quantity_parse_milli(buf, &back, &e) == 0 && back == v,
			    "\"%s\" = %" PRId64 "m printed \"%s\"", text, v, buf);
	}
	free(text);
	return 0;
}

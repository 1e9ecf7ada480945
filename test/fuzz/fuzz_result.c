/* Results of delegates and IPAM plugins: result_parse_string, then result_to_json in every
 * version with a round trip (what we print must read back and print the same), and
 * result_merge of the result into a copy of itself (multicni joins its delegates' results). */
#include <cjson/cJSON.h>
#include "result.h"
#include "version.h"
#include "fuzz.h"

static size_t n_versions(void)
{
	size_t n = 0;

	while (cni_versions[n])
		n++;
	return n;
}

/* Prints r in version; NULL when the version cannot express it. */
static char *print_in(const struct cni_result *r, const char *version)
{
	struct cni_err e = { 0 };
	cJSON *json = result_to_json(r, version, &e);
	char *text;

	if (!json) {
		FUZZ_ASSERT(e.code == CNI_ERR_INCOMPATIBLE_VERSION, "%s: code %d: %s", version,
			    e.code, e.msg);
		return NULL;
	}
	text = cJSON_PrintUnformatted(json);
	cJSON_Delete(json);
	FUZZ_ASSERT(text, "out of memory");
	return text;
}

static void round_trip(const struct cni_result *r, const char *version)
{
	struct cni_result *back = NULL;
	struct cni_err e = { 0 };
	char *first = print_in(r, version), *second;

	if (!first)
		return;
	FUZZ_ASSERT(result_parse_string(first, NULL, &back, &e) == 0,
		    "printed in %s, does not read back: %s: %s", version, e.msg, first);
	second = print_in(back, version);
	FUZZ_ASSERT(second && !strcmp(first, second), "%s: %s became %s", version, first,
		    second ? second : "(nothing)");
	free(second);
	result_free(back);
	free(first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size);
	size_t n = n_versions();
	/* the config's version, used when the result has none; NULL now and then */
	const char *fallback = size % (n + 1) < n ? cni_versions[size % (n + 1)] : NULL;
	struct cni_result *r = NULL, *merged = NULL;
	struct cni_err e = { 0 };

	if (result_parse_string(text, fallback, &r, &e) < 0) {
		FUZZ_ASSERT(!r && e.code && e.msg[0], "failed without code or message");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		round_trip(r, cni_versions[i]);

	merged = result_dup(r);
	FUZZ_ASSERT(merged, "result_dup failed");
	FUZZ_ASSERT(result_merge(merged, r) == 0, "result_merge failed");
	FUZZ_ASSERT(merged->n_ifaces == 2 * r->n_ifaces && merged->n_ips == 2 * r->n_ips &&
		    merged->n_routes == 2 * r->n_routes, "merge lost elements");
	for (int i = 0; i < merged->n_ips; i++)
		FUZZ_ASSERT(merged->ips[i].interface < merged->n_ifaces,
			    "ips[%d].interface %d past %d interfaces", i, merged->ips[i].interface,
			    merged->n_ifaces);
	round_trip(merged, CNI_VERSION_LATEST);
	FUZZ_ASSERT(result_merge(merged, NULL) == 0, "merge of nothing failed");
out:
	result_free(merged);
	result_free(r);
	free(text);
	return 0;
}

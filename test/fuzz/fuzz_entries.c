/* vdno-scheduler's entries, read back from what others can write: pods' labels and
 * annotations (the request annotation is JSON a user may edit) and ONOS intents. The input
 * is a PodList, a line "---", and an intents answer; entries_collect, then every output form
 * of them (table and JSON, list and single) to /dev/null. */
#include "entry.h"
#include "output.h"
#include "fuzz.h"

#define SEPARATOR "\n---\n"

static const struct region_config region = { .id = "dj", .name = "Daejeon",
					     .namespace = "default", .city = "Daejeon" };
static const struct sched_config config = { .regions = (struct region_config *)&region,
					    .n_regions = 1 };
static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sink = fopen("/dev/null", "w");
	if (!sink)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *intents = NULL;
	const char *sep = memmem(text, size, SEPARATOR, strlen(SEPARATOR));
	size_t pods_len = size, intents_len = 0, n = 0;
	struct region_live region_live = { .config = &region, .reachable = true };
	struct live live = { .config = &config, .regions = &region_live, .n_regions = 1,
			     .onos_asked = true, .onos_ok = true };
	struct entry *entries = NULL;
	struct cni_err e = { 0 };

	if (sep) {
		pods_len = (size_t)(sep - text);
		intents = sep + strlen(SEPARATOR);
		intents_len = size - pods_len - strlen(SEPARATOR);
	}
	region_live.pods = cJSON_ParseWithLength(text, pods_len);
	if (intents && onos_intents_parse(intents, intents_len, &live.intents, &live.n_intents,
					  &e) < 0) {
		live.onos_ok = false;
		snprintf(live.onos_reason, sizeof(live.onos_reason), "%s", e.msg);
	}
	FUZZ_ASSERT(entries_collect(&live, NULL, &entries, &n, &e) == 0, "%s", e.msg);
	output_entries(sink, OUTPUT_TABLE, &live, entries, n);
	output_entries(sink, OUTPUT_JSON, &live, entries, n);
	for (size_t i = 0; i < n; i++) {
		output_entry(sink, OUTPUT_TABLE, &live, &entries[i]);
		output_entry(sink, OUTPUT_JSON, &live, &entries[i]);
	}
	entries_free(entries, n);
	onos_intents_free(live.intents, live.n_intents);
	cJSON_Delete(region_live.pods);
	return 0;
}

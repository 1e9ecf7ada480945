/* The API server's NodeList and PodList as usage_compute_json reads them. The input is the
 * node list, a line "---", and the pod list; without that line it serves as both. */
#include "usage.h"
#include "fuzz.h"

#define SEPARATOR "\n---\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *pods = text;
	const char *sep = memmem(text, size, SEPARATOR, strlen(SEPARATOR));
	size_t nodes_len = size, pods_len = size;
	struct region_usage usage;
	struct cni_err e = { 0 };
	int64_t sum[RES_COUNT], demand[RES_COUNT] = { 1, 1, 1 };

	if (sep) {
		nodes_len = (size_t)(sep - text);
		pods = sep + strlen(SEPARATOR);
		pods_len = size - nodes_len - strlen(SEPARATOR);
	}
	if (usage_compute_json(text, nodes_len, pods, pods_len, &usage, &e) < 0) {
		FUZZ_ASSERT(usage.n_nodes == 0 && usage.nodes == NULL, "nodes left after an error");
		FUZZ_ASSERT(e.code && e.msg[0], "failed without code or message");
		return 0;
	}
	for (size_t i = 0; i < usage.n_nodes; i++) {
		const struct node_usage *n = &usage.nodes[i];

		FUZZ_ASSERT(n->name, "node %zu has no name", i);
		for (int r = 0; r < RES_COUNT; r++)
			FUZZ_ASSERT(n->requested[r] >= 0, "%s: negative request", n->name);
	}
	usage_sum_free(&usage, sum);
	usage_some_node_fits(&usage, demand);
	usage_free(&usage);
	return 0;
}

/* Per-node free capacity of a region, computed the way kube-scheduler's NodeResourcesFit
 * sees it, so that "fits in the region" means "some node would accept the pod". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "quantity.h"
#include "usage.h"

const char *const resource_name[RES_COUNT] = { "cpu", "memory", "ephemeral-storage" };

/* Node names sorted for lookup: a region may hold 5,000 nodes and 150,000 pods. */
struct node_index {
	const char *name;
	size_t node;
};

/* Lookups tolerate a NULL object (cJSON answers NULL), so absent parents need no checks. */
static const char *string_at(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

static const cJSON *object_at(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsObject(item) ? item : NULL;
}

/* A quantity as the API server sends it (a string) or as a client may (a JSON number). */
static int quantity_read(const cJSON *item, bool milli, int64_t *out, struct cni_err *e)
{
	char *text = NULL;
	int ret = -1;

	if (cJSON_IsString(item)) {
		ret = milli ? quantity_parse_milli(item->valuestring, out, e)
			    : quantity_parse(item->valuestring, out, e);
		goto out;
	}
	if (!cJSON_IsNumber(item)) {
		cni_err_set(e, CNI_ERR_DECODE, "not a quantity (string or number)");
		goto out;
	}
	text = cJSON_PrintUnformatted(item);
	if (!text) {
		cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		goto out;
	}
	ret = milli ? quantity_parse_milli(text, out, e) : quantity_parse(text, out, e);
out:
	free(text);
	return ret;
}

/* The three resources of a ResourceList (requests, allocatable, overhead); absent ones are
 * 0, so is an absent list. `present` (may be NULL) tells which keys were there. */
static int resource_list_read(const cJSON *list, int64_t amount[RES_COUNT],
			      bool present[RES_COUNT], struct cni_err *e)
{
	int r;

	for (r = 0; r < RES_COUNT; r++) {
		const cJSON *item = cJSON_GetObjectItemCaseSensitive(list, resource_name[r]);

		amount[r] = 0;
		if (present)
			present[r] = item != NULL;
		if (!item)
			continue;
		if (quantity_read(item, r == RES_CPU, &amount[r], e) < 0) {
			cni_err_prefix(e, "%s", resource_name[r]);
			return -1;
		}
	}
	return 0;
}

static int amounts_add(int64_t sum[RES_COUNT], const int64_t add[RES_COUNT], struct cni_err *e)
{
	int r;

	for (r = 0; r < RES_COUNT; r++) {
		if (__builtin_add_overflow(sum[r], add[r], &sum[r]))
			return cni_err_set(e, CNI_ERR_DECODE, "%s: sum of requests overflows int64",
					   resource_name[r]);
	}
	return 0;
}

static void amounts_max(int64_t max[RES_COUNT], const int64_t other[RES_COUNT])
{
	int r;

	for (r = 0; r < RES_COUNT; r++) {
		if (other[r] > max[r])
			max[r] = other[r];
	}
}

static int container_requests(const cJSON *container, int64_t requests[RES_COUNT],
			      struct cni_err *e)
{
	const cJSON *resources = object_at(container, "resources");

	if (resource_list_read(object_at(resources, "requests"), requests, NULL, e) < 0) {
		const char *name = string_at(container, "name");

		cni_err_prefix(e, "container %s: requests", name ? name : "(unnamed)");
		return -1;
	}
	return 0;
}

static void pod_describe(const cJSON *pod, char *buf, size_t size)
{
	const cJSON *metadata = object_at(pod, "metadata");
	const char *ns = string_at(metadata, "namespace");
	const char *name = string_at(metadata, "name");

	snprintf(buf, size, "%s/%s", ns ? ns : "", name ? name : "(unnamed)");
}

bool usage_pod_counts(const cJSON *pod)
{
	const cJSON *spec = object_at(pod, "spec"), *status = object_at(pod, "status");
	const char *node = string_at(spec, "nodeName");
	const char *phase = string_at(status, "phase");

	if (!node || !*node)
		return false;
	return !phase || (strcmp(phase, "Succeeded") != 0 && strcmp(phase, "Failed") != 0);
}

int usage_pod_requests(const cJSON *pod, int64_t requests[RES_COUNT], struct cni_err *e)
{
	const cJSON *spec = object_at(pod, "spec"), *container, *pod_resources;
	int64_t running[RES_COUNT] = { 0 }, sidecars[RES_COUNT] = { 0 };
	int64_t init_peak[RES_COUNT] = { 0 }, one[RES_COUNT], overhead[RES_COUNT];
	bool pod_level[RES_COUNT];
	char pod_name[256];
	int r, ret = -1;

	/* Regular containers run together. */
	cJSON_ArrayForEach(container, cJSON_GetObjectItemCaseSensitive(spec, "containers")) {
		if (container_requests(container, one, e) < 0 || amounts_add(running, one, e) < 0)
			goto out;
	}
	/* Init containers run in order: a sidecar (restartPolicy Always) keeps running beside
	 * everything after it, a regular one runs alone beside the sidecars started before it. */
	cJSON_ArrayForEach(container, cJSON_GetObjectItemCaseSensitive(spec, "initContainers")) {
		const char *restart = string_at(container, "restartPolicy");

		if (container_requests(container, one, e) < 0)
			goto out;
		if (restart && strcmp(restart, "Always") == 0) {
			if (amounts_add(running, one, e) < 0 || amounts_add(sidecars, one, e) < 0)
				goto out;
			amounts_max(init_peak, sidecars);
		} else {
			if (amounts_add(one, sidecars, e) < 0)
				goto out;
			amounts_max(init_peak, one);
		}
	}
	amounts_max(running, init_peak);

	/* Pod-level resources (beta in 1.34) override the container sum for cpu and memory
	 * only; the API server refuses them for other resources. */
	pod_resources = object_at(spec, "resources");
	if (resource_list_read(object_at(pod_resources, "requests"), one, pod_level, e) < 0) {
		cni_err_prefix(e, "spec.resources.requests");
		goto out;
	}
	for (r = 0; r < RES_COUNT; r++) {
		if (pod_level[r] && r != RES_STORAGE)
			running[r] = one[r];
	}

	if (resource_list_read(object_at(spec, "overhead"), overhead, NULL, e) < 0) {
		cni_err_prefix(e, "spec.overhead");
		goto out;
	}
	if (amounts_add(running, overhead, e) < 0)
		goto out;
	memcpy(requests, running, sizeof(running));
	ret = 0;
out:
	if (ret < 0) {
		pod_describe(pod, pod_name, sizeof(pod_name));
		cni_err_prefix(e, "pod %s", pod_name);
	}
	return ret;
}

/* Why kube-scheduler would keep new pods off the node; "" when it would not. */
static void node_why_not_counted(const cJSON *node, char *why, size_t size)
{
	const cJSON *spec = object_at(node, "spec"), *status = object_at(node, "status");
	const cJSON *condition, *taint, *unschedulable;
	bool ready = false, has_ready = false;

	why[0] = '\0';
	cJSON_ArrayForEach(condition, cJSON_GetObjectItemCaseSensitive(status, "conditions")) {
		const char *type = string_at(condition, "type");
		const char *value = string_at(condition, "status");

		if (type && strcmp(type, "Ready") == 0) {
			has_ready = true;
			ready = value && strcmp(value, "True") == 0;
		}
	}
	if (!ready) {
		snprintf(why, size, "%s", has_ready ? "not Ready" : "no Ready condition");
		return;
	}
	unschedulable = cJSON_GetObjectItemCaseSensitive(spec, "unschedulable");
	if (cJSON_IsTrue(unschedulable)) {
		snprintf(why, size, "unschedulable (cordoned)");
		return;
	}
	cJSON_ArrayForEach(taint, cJSON_GetObjectItemCaseSensitive(spec, "taints")) {
		const char *effect = string_at(taint, "effect");
		const char *key = string_at(taint, "key");
		const char *value = string_at(taint, "value");

		if (effect && (strcmp(effect, "NoSchedule") == 0 ||
			       strcmp(effect, "NoExecute") == 0)) {
			snprintf(why, size, "taint %s%s%s:%s", key ? key : "",
				 value && *value ? "=" : "", value && *value ? value : "", effect);
			return;
		}
	}
}

static int node_read(const cJSON *node, struct node_usage *usage, struct cni_err *e)
{
	const cJSON *metadata = object_at(node, "metadata"), *status = object_at(node, "status");
	const cJSON *allocatable = object_at(status, "allocatable");
	const cJSON *pods = cJSON_GetObjectItemCaseSensitive(allocatable, "pods");
	const char *name = string_at(metadata, "name");

	if (!name || !*name)
		return cni_err_set(e, CNI_ERR_DECODE, "node without metadata.name");
	usage->name = strdup(name);
	if (!usage->name)
		return cni_err_set(e, CNI_ERR_INTERNAL, "node %s: out of memory", name);
	node_why_not_counted(node, usage->why_not_counted, sizeof(usage->why_not_counted));
	usage->counted = usage->why_not_counted[0] == '\0';
	if (resource_list_read(allocatable, usage->allocatable, NULL, e) < 0) {
		cni_err_prefix(e, "node %s: status.allocatable", name);
		return -1;
	}
	if (pods && quantity_read(pods, false, &usage->pods_allocatable, e) < 0) {
		cni_err_prefix(e, "node %s: status.allocatable.pods", name);
		return -1;
	}
	return 0;
}

static int node_index_compare(const void *a, const void *b)
{
	return strcmp(((const struct node_index *)a)->name, ((const struct node_index *)b)->name);
}

static const cJSON *list_items(const cJSON *list, const char *what, struct cni_err *e)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(list, "items");

	/* An empty list may come as "items": null from some proxies; it holds nothing. */
	if (cJSON_IsArray(items) || cJSON_IsNull(items))
		return items;
	cni_err_set(e, CNI_ERR_DECODE, "%s: not a %s (no items array)", what,
		    strcmp(what, "node list") == 0 ? "NodeList" : "PodList");
	return NULL;
}

int usage_compute(const cJSON *node_list, const cJSON *pod_list, struct region_usage *usage,
		  struct cni_err *e)
{
	const cJSON *node_items, *pod_items, *item;
	struct node_index *index = NULL;
	size_t n_nodes, i;
	int ret = -1, r;

	memset(usage, 0, sizeof(*usage));
	node_items = list_items(node_list, "node list", e);
	if (!node_items)
		goto out;
	pod_items = list_items(pod_list, "pod list", e);
	if (!pod_items)
		goto out;

	n_nodes = (size_t)cJSON_GetArraySize(node_items);
	if (n_nodes) {
		usage->nodes = calloc(n_nodes, sizeof(*usage->nodes));
		index = calloc(n_nodes, sizeof(*index));
		if (!usage->nodes || !index) {
			cni_err_set(e, CNI_ERR_INTERNAL, "node list: out of memory for %zu nodes",
				    n_nodes);
			goto out;
		}
	}
	i = 0;
	cJSON_ArrayForEach(item, node_items) {
		usage->n_nodes = i + 1;
		if (node_read(item, &usage->nodes[i], e) < 0)
			goto out;
		index[i].name = usage->nodes[i].name;
		index[i].node = i;
		i++;
	}
	if (n_nodes)
		qsort(index, n_nodes, sizeof(*index), node_index_compare);

	cJSON_ArrayForEach(item, pod_items) {
		const cJSON *spec = object_at(item, "spec");
		struct node_index key = { .name = string_at(spec, "nodeName") };
		struct node_index *found;
		struct node_usage *node;
		int64_t requests[RES_COUNT];

		if (!usage_pod_counts(item)) {
			const cJSON *status = object_at(item, "status");
			const char *phase = string_at(status, "phase");

			if ((!key.name || !*key.name) && phase && strcmp(phase, "Pending") == 0)
				usage->unbound_pods++;
			continue;
		}
		found = n_nodes ? bsearch(&key, index, n_nodes, sizeof(*index), node_index_compare)
				: NULL;
		if (!found)
			continue;
		node = &usage->nodes[found->node];
		if (usage_pod_requests(item, requests, e) < 0)
			goto out;
		if (amounts_add(node->requested, requests, e) < 0) {
			cni_err_prefix(e, "node %s", node->name);
			goto out;
		}
		node->pods++;
	}

	for (i = 0; i < usage->n_nodes; i++) {
		struct node_usage *node = &usage->nodes[i];

		for (r = 0; r < RES_COUNT; r++) {
			if (__builtin_sub_overflow(node->allocatable[r], node->requested[r],
						   &node->free[r])) {
				cni_err_set(e, CNI_ERR_DECODE, "node %s: free %s overflows int64",
					    node->name, resource_name[r]);
				goto out;
			}
		}
	}
	ret = 0;
out:
	free(index);
	if (ret < 0)
		usage_free(usage);
	return ret;
}

int usage_compute_json(const char *node_list_json, size_t node_list_len,
		       const char *pod_list_json, size_t pod_list_len,
		       struct region_usage *usage, struct cni_err *e)
{
	cJSON *node_list = NULL, *pod_list = NULL;
	int ret = -1;

	memset(usage, 0, sizeof(*usage));
	node_list = cJSON_ParseWithLength(node_list_json, node_list_len);
	if (!node_list) {
		cni_err_set(e, CNI_ERR_DECODE, "node list: not JSON");
		goto out;
	}
	pod_list = cJSON_ParseWithLength(pod_list_json, pod_list_len);
	if (!pod_list) {
		cni_err_set(e, CNI_ERR_DECODE, "pod list: not JSON");
		goto out;
	}
	ret = usage_compute(node_list, pod_list, usage, e);
out:
	cJSON_Delete(pod_list);
	cJSON_Delete(node_list);
	return ret;
}

void usage_free(struct region_usage *usage)
{
	size_t i;

	if (!usage)
		return;
	for (i = 0; i < usage->n_nodes; i++)
		free(usage->nodes[i].name);
	free(usage->nodes);
	memset(usage, 0, sizeof(*usage));
}

void usage_sum_free(const struct region_usage *usage, int64_t sum[RES_COUNT])
{
	size_t i;
	int r;

	for (r = 0; r < RES_COUNT; r++)
		sum[r] = 0;
	for (i = 0; usage && i < usage->n_nodes; i++) {
		const struct node_usage *node = &usage->nodes[i];

		if (!node->counted)
			continue;
		for (r = 0; r < RES_COUNT; r++) {
			if (node->free[r] > 0 && __builtin_add_overflow(sum[r], node->free[r], &sum[r]))
				sum[r] = INT64_MAX;
		}
	}
}

bool usage_some_node_fits(const struct region_usage *usage, const int64_t demand[RES_COUNT])
{
	size_t i;
	int r;

	for (i = 0; usage && i < usage->n_nodes; i++) {
		const struct node_usage *node = &usage->nodes[i];
		bool fits = node->counted;

		for (r = 0; fits && r < RES_COUNT; r++)
			fits = node->free[r] >= demand[r];
		if (fits)
			return true;
	}
	return false;
}

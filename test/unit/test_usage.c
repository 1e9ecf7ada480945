/* Node usage: the fixtures' region-a must come out node by node as expected-node-usage.json
 * says, and each part of kube-scheduler's pod request rule is pinned on its own. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "usage.h"

#define FIXTURES "test/fixtures/k8s/"

static cJSON *fixture_load(const char *name)
{
	char path[256], *text = NULL;
	cJSON *json = NULL;
	FILE *f;
	long size;

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("%s: cannot open (run the tests from the top of the tree)", path);
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		text = malloc((size_t)size + 1);
		if (text && fread(text, 1, (size_t)size, f) == (size_t)size) {
			text[size] = '\0';
			json = cJSON_Parse(text);
		}
	}
	free(text);
	fclose(f);
	if (!json)
		fail_msg("%s: not readable JSON", path);
	return json;
}

static const struct node_usage *node_find(const struct region_usage *u, const char *name)
{
	size_t i;

	for (i = 0; i < u->n_nodes; i++) {
		if (strcmp(u->nodes[i].name, name) == 0)
			return &u->nodes[i];
	}
	fail_msg("node %s missing", name);
	return NULL;
}

static int64_t expected_int(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	assert_true(cJSON_IsNumber(item));
	return (int64_t)item->valuedouble;
}

/* The three resources of an expected-node-usage.json block against computed ones. */
static void assert_amounts(const char *node, const char *what, const cJSON *expected,
			   const int64_t amount[RES_COUNT])
{
	static const char *const key[RES_COUNT] = { "cpu_millicores", "memory_bytes",
						     "ephemeral_storage_bytes" };
	int r;

	for (r = 0; r < RES_COUNT; r++) {
		if (expected_int(expected, key[r]) != amount[r])
			fail_msg("%s %s %s: expected %lld, got %lld", node, what, key[r],
				 (long long)expected_int(expected, key[r]), (long long)amount[r]);
	}
}

static const cJSON *pod_named(const cJSON *pod_list, const char *ns_name)
{
	const cJSON *pod;

	cJSON_ArrayForEach(pod, cJSON_GetObjectItem(pod_list, "items")) {
		const cJSON *meta = cJSON_GetObjectItem(pod, "metadata");
		char full[256];

		snprintf(full, sizeof(full), "%s/%s",
			 cJSON_GetStringValue(cJSON_GetObjectItem(meta, "namespace")),
			 cJSON_GetStringValue(cJSON_GetObjectItem(meta, "name")));
		if (strcmp(full, ns_name) == 0)
			return pod;
	}
	fail_msg("pod %s missing", ns_name);
	return NULL;
}

/* Checks one pod list against expected-node-usage.json, node by node. */
static void check_region_a(const char *pod_fixture)
{
	cJSON *nodes = fixture_load("nodelist.json"), *pods = fixture_load(pod_fixture);
	cJSON *expected = fixture_load("expected-node-usage.json"), *node_expected;
	struct region_usage u;
	struct cni_err e = { 0 };
	int64_t sum[RES_COUNT];
	const cJSON *cluster;

	if (usage_compute(nodes, pods, &u, &e) != 0)
		fail_msg("usage_compute: %s", e.msg);
	assert_int_equal(u.n_nodes, 3);
	cJSON_ArrayForEach(node_expected, cJSON_GetObjectItem(expected, "nodes")) {
		const char *name = node_expected->string;
		const struct node_usage *n = node_find(&u, name);
		const cJSON *avail = cJSON_GetObjectItem(node_expected, "available");
		const cJSON *counted = cJSON_GetObjectItem(node_expected, "counted_pods"), *want;
		const cJSON *pod;
		int matched = 0;

		assert_amounts(name, "allocatable", cJSON_GetObjectItem(node_expected, "allocatable"),
			       n->allocatable);
		assert_amounts(name, "requested", cJSON_GetObjectItem(node_expected, "requested"),
			       n->requested);
		assert_amounts(name, "available", avail, n->free);
		assert_int_equal(n->pods_allocatable,
				 expected_int(cJSON_GetObjectItem(node_expected, "allocatable"),
					      "pods"));
		assert_int_equal(n->pods_allocatable - n->pods, expected_int(avail, "pods"));
		assert_int_equal(n->pods, cJSON_GetArraySize(counted));
		/* The pods that count on the node are exactly the listed ones. */
		cJSON_ArrayForEach(pod, cJSON_GetObjectItem(pods, "items")) {
			const char *on = cJSON_GetStringValue(cJSON_GetObjectItem(
				cJSON_GetObjectItem(pod, "spec"), "nodeName"));
			const cJSON *meta = cJSON_GetObjectItem(pod, "metadata");
			char full[256];
			bool listed = false;

			if (!usage_pod_counts(pod) || !on || strcmp(on, name) != 0)
				continue;
			snprintf(full, sizeof(full), "%s/%s",
				 cJSON_GetStringValue(cJSON_GetObjectItem(meta, "namespace")),
				 cJSON_GetStringValue(cJSON_GetObjectItem(meta, "name")));
			cJSON_ArrayForEach(want, counted)
				listed |= strcmp(want->valuestring, full) == 0;
			if (!listed)
				fail_msg("%s counted on %s but not expected there", full, name);
			matched++;
		}
		assert_int_equal(matched, cJSON_GetArraySize(counted));
	}

	/* cp-1 carries the control-plane NoSchedule taint; only the workers count. */
	assert_false(node_find(&u, "cp-1")->counted);
	assert_string_equal(node_find(&u, "cp-1")->why_not_counted,
			    "taint node-role.kubernetes.io/control-plane:NoSchedule");
	assert_true(node_find(&u, "worker-1")->counted);
	assert_true(node_find(&u, "worker-2")->counted);
	cluster = cJSON_GetObjectItem(expected, "cluster_available_schedulable_workers");
	usage_sum_free(&u, sum);
	assert_amounts("region-a", "cluster available", cluster, sum);
	assert_int_equal(u.unbound_pods, 1);

	usage_free(&u);
	cJSON_Delete(expected);
	cJSON_Delete(pods);
	cJSON_Delete(nodes);
}

static void test_fixture_matches_expected_node_usage(void **state)
{
	(void)state;
	check_region_a("podlist-all.json");
}

static void test_nonterminated_view_gives_the_same_usage(void **state)
{
	(void)state;
	check_region_a("podlist-nonterminated.json");
}

static void test_sidecar_before_init_container_is_counted_with_it(void **state)
{
	cJSON *pods = fixture_load("podlist-all.json");
	struct cni_err e = { 0 };
	int64_t req[RES_COUNT];

	(void)state;
	/* README: sum with sidecar 850m/768Mi; init phase 1100m/384Mi; request 1100m/768Mi. */
	assert_int_equal(usage_pod_requests(pod_named(pods, "shop/web-frontend-5d9f7c8b6-k2mzx"),
					    req, &e), 0);
	assert_int_equal(req[RES_CPU], 1100);
	assert_int_equal(req[RES_MEMORY], 768LL << 20);
	assert_int_equal(req[RES_STORAGE], 0);
	cJSON_Delete(pods);
}

static void test_init_container_peak_and_overhead(void **state)
{
	cJSON *pods = fixture_load("podlist-all.json");
	struct cni_err e = { 0 };
	int64_t req[RES_COUNT];

	(void)state;
	/* fetch-dataset 500m/1Gi/20Gi runs alone, trainer 2/8Gi/10Gi; per resource the larger:
	 * 2000m, 8Gi, 20Gi; then the RuntimeClass overhead 250m/160Mi. */
	assert_int_equal(usage_pod_requests(pod_named(pods, "ml/ml-trainer-0"), req, &e), 0);
	assert_int_equal(req[RES_CPU], 2250);
	assert_int_equal(req[RES_MEMORY], (8LL << 30) + (160LL << 20));
	assert_int_equal(req[RES_STORAGE], 20LL << 30);
	/* Decimal and exponent quantities: 1500m+50m, 129e6+100M. */
	assert_int_equal(usage_pod_requests(pod_named(pods, "shop/api-backend-84c6d5f7b9-9hd4s"),
					    req, &e), 0);
	assert_int_equal(req[RES_CPU], 1550);
	assert_int_equal(req[RES_MEMORY], 229000000);
	cJSON_Delete(pods);
}

static void test_terminal_and_unbound_pods_do_not_count(void **state)
{
	cJSON *pods = fixture_load("podlist-all.json");

	(void)state;
	assert_false(usage_pod_counts(pod_named(pods, "batch/daily-report-28991640-7tq5v")));
	assert_false(usage_pod_counts(pod_named(pods, "shop/scraper-6b8d4f9c7d-lx5wp")));
	assert_false(usage_pod_counts(pod_named(pods, "batch/big-batch-x8v2k")));
	assert_true(usage_pod_counts(pod_named(pods, "shop/api-backend-84c6d5f7b9-9hd4s")));
	cJSON_Delete(pods);
}

static void test_region_sum_fits_but_no_single_node_does(void **state)
{
	cJSON *nodes = fixture_load("nodelist.json"), *pods = fixture_load("podlist-all.json");
	int64_t too_big[RES_COUNT] = { 4500, 1 << 20, 0 }, just_fits[RES_COUNT] = { 4000, 0, 0 };
	struct region_usage u;
	struct cni_err e = { 0 };

	(void)state;
	assert_int_equal(usage_compute(nodes, pods, &u, &e), 0);
	assert_false(usage_some_node_fits(&u, too_big));
	assert_true(usage_some_node_fits(&u, just_fits));
	usage_free(&u);
	cJSON_Delete(pods);
	cJSON_Delete(nodes);
}

static int compute_from(const char *nodes_json, const char *pods_json, struct region_usage *u,
			struct cni_err *e)
{
	return usage_compute_json(nodes_json, strlen(nodes_json), pods_json, strlen(pods_json), u,
				  e);
}

#define READY "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]"

static void test_node_conditions_spec_and_taints(void **state)
{
	const char *nodes =
		"{\"items\":["
		"{\"metadata\":{\"name\":\"ok\"},\"spec\":{\"taints\":[{\"key\":\"k\",\"effect\":"
		"\"PreferNoSchedule\"}]},\"status\":{\"allocatable\":{\"cpu\":2},\"conditions\":"
		"[{\"type\":\"MemoryPressure\",\"status\":\"False\"},{\"type\":\"Ready\","
		"\"status\":\"True\"}]}},"
		"{\"metadata\":{\"name\":\"down\"},\"status\":{\"conditions\":[{\"type\":\"Ready\","
		"\"status\":\"Unknown\"}]}},"
		"{\"metadata\":{\"name\":\"silent\"},\"status\":{}},"
		"{\"metadata\":{\"name\":\"cordoned\"},\"spec\":{\"unschedulable\":true},"
		"\"status\":{" READY "}},"
		"{\"metadata\":{\"name\":\"draining\"},\"spec\":{\"taints\":[{\"key\":\"k\","
		"\"value\":\"v\",\"effect\":\"NoExecute\"}]},\"status\":{" READY "}}]}";
	struct region_usage u;
	struct cni_err e = { 0 };

	(void)state;
	assert_int_equal(compute_from(nodes, "{\"items\":null}", &u, &e), 0);
	assert_int_equal(u.n_nodes, 5);
	assert_true(u.nodes[0].counted);
	assert_int_equal(u.nodes[0].allocatable[RES_CPU], 2000);  /* a JSON number */
	assert_string_equal(u.nodes[1].why_not_counted, "not Ready");
	assert_string_equal(u.nodes[2].why_not_counted, "no Ready condition");
	assert_string_equal(u.nodes[3].why_not_counted, "unschedulable (cordoned)");
	assert_string_equal(u.nodes[4].why_not_counted, "taint k=v:NoExecute");
	usage_free(&u);
}

static void test_pod_level_requests_replace_cpu_and_memory(void **state)
{
	cJSON *pod = cJSON_Parse(
		"{\"metadata\":{\"namespace\":\"a\",\"name\":\"b\"},\"spec\":{\"nodeName\":\"n\","
		"\"resources\":{\"requests\":{\"cpu\":\"3\",\"memory\":\"1Gi\"}},"
		"\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"1\","
		"\"memory\":\"2Gi\",\"ephemeral-storage\":\"1Gi\"}}}],"
		"\"overhead\":{\"cpu\":\"100m\"}},\"status\":{\"phase\":\"Running\"}}");
	struct cni_err e = { 0 };
	int64_t req[RES_COUNT];

	(void)state;
	assert_int_equal(usage_pod_requests(pod, req, &e), 0);
	assert_int_equal(req[RES_CPU], 3100);
	assert_int_equal(req[RES_MEMORY], 1LL << 30);
	assert_int_equal(req[RES_STORAGE], 1LL << 30);
	cJSON_Delete(pod);
}

static void test_sidecar_after_init_container_is_not_counted_with_it(void **state)
{
	/* init big 2 cpu runs before sidecar s 1 cpu: peak max(2, 1) = 2; running c 1 + s 1 = 2.
	 * Were the sidecar counted with it, the peak would wrongly be 3. */
	cJSON *pod = cJSON_Parse(
		"{\"spec\":{\"initContainers\":["
		"{\"name\":\"big\",\"resources\":{\"requests\":{\"cpu\":\"2\"}}},"
		"{\"name\":\"s\",\"restartPolicy\":\"Always\",\"resources\":{\"requests\":"
		"{\"cpu\":\"1\"}}}],"
		"\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"1\"}}}]}}");
	struct cni_err e = { 0 };
	int64_t req[RES_COUNT];

	(void)state;
	assert_int_equal(usage_pod_requests(pod, req, &e), 0);
	assert_int_equal(req[RES_CPU], 2000);
	cJSON_Delete(pod);
}

static void test_bad_quantity_names_pod_container_and_key(void **state)
{
	const char *nodes = "{\"items\":[{\"metadata\":{\"name\":\"n\"},\"status\":{" READY "}}]}";
	const char *pods =
		"{\"items\":[{\"metadata\":{\"namespace\":\"shop\",\"name\":\"web\"},\"spec\":"
		"{\"nodeName\":\"n\",\"containers\":[{\"name\":\"app\",\"resources\":{"
		"\"requests\":{\"memory\":\"12 Gi\"}}}]},\"status\":{\"phase\":\"Running\"}}]}";
	const char *bad_node =
		"{\"items\":[{\"metadata\":{\"name\":\"n\"},\"status\":{\"allocatable\":"
		"{\"cpu\":\"4K\"}}}]}";
	struct region_usage u;
	struct cni_err e = { 0 };

	(void)state;
	assert_int_equal(compute_from(nodes, pods, &u, &e), -1);
	assert_int_equal(e.code, CNI_ERR_DECODE);
	assert_string_equal(e.msg, "pod shop/web: container app: requests: memory: "
				   "quantity \"12 Gi\": unknown suffix \" Gi\"");
	assert_null(u.nodes);
	assert_int_equal(compute_from(bad_node, "{\"items\":[]}", &u, &e), -1);
	assert_string_equal(e.msg, "node n: status.allocatable: cpu: quantity \"4K\": "
				   "unknown suffix \"K\"");
	assert_int_equal(compute_from("{\"kind\":\"Status\"}", "{\"items\":[]}", &u, &e), -1);
	assert_string_equal(e.msg, "node list: not a NodeList (no items array)");
	assert_int_equal(compute_from(nodes, "[", &u, &e), -1);
	assert_string_equal(e.msg, "pod list: not JSON");
}

static void test_pods_on_unknown_nodes_are_ignored(void **state)
{
	const char *nodes = "{\"items\":[{\"metadata\":{\"name\":\"n\"},\"status\":{" READY
			    ",\"allocatable\":{\"cpu\":\"1\"}}}]}";
	const char *pods =
		"{\"items\":[{\"metadata\":{\"name\":\"p\"},\"spec\":{\"nodeName\":\"gone\","
		"\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"1\"}}}]}}]}";
	struct region_usage u;
	struct cni_err e = { 0 };

	(void)state;
	assert_int_equal(compute_from(nodes, pods, &u, &e), 0);
	assert_int_equal(u.nodes[0].free[RES_CPU], 1000);
	assert_int_equal(u.nodes[0].pods, 0);
	usage_free(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_matches_expected_node_usage),
		cmocka_unit_test(test_nonterminated_view_gives_the_same_usage),
		cmocka_unit_test(test_sidecar_before_init_container_is_counted_with_it),
		cmocka_unit_test(test_init_container_peak_and_overhead),
		cmocka_unit_test(test_terminal_and_unbound_pods_do_not_count),
		cmocka_unit_test(test_region_sum_fits_but_no_single_node_does),
		cmocka_unit_test(test_node_conditions_spec_and_taints),
		cmocka_unit_test(test_pod_level_requests_replace_cpu_and_memory),
		cmocka_unit_test(test_sidecar_after_init_container_is_not_counted_with_it),
		cmocka_unit_test(test_bad_quantity_names_pod_container_and_key),
		cmocka_unit_test(test_pods_on_unknown_nodes_are_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

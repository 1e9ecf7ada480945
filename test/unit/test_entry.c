/* Entries without a database: the names and MACs create derives, the intent keys that name an
 * entry, and reading entries back from pods and intents. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "entry.h"

static void test_names_are_dns1123_labels(void **state)
{
	char long_name[65];

	(void)state;
	assert_true(entry_name_valid("web1"));
	assert_true(entry_name_valid("a"));
	assert_true(entry_name_valid("my-vdn-2"));
	assert_false(entry_name_valid(""));
	assert_false(entry_name_valid("Web1"));
	assert_false(entry_name_valid("-web"));
	assert_false(entry_name_valid("web-"));
	assert_false(entry_name_valid("web.1"));
	assert_false(entry_name_valid("web_1"));
	memset(long_name, 'a', 64);
	long_name[64] = '\0';
	assert_false(entry_name_valid(long_name));
	long_name[63] = '\0';
	assert_true(entry_name_valid(long_name));
}

static void test_vdn_ids_are_label_values(void **state)
{
	(void)state;
	assert_true(entry_vdn_valid("Tenant_A.1"));
	assert_false(entry_vdn_valid("a/b"));
	assert_false(entry_vdn_valid("_a"));
	assert_false(entry_vdn_valid("a-"));
	assert_false(entry_vdn_valid(""));
}

static int differing_bytes(const char *a, const char *b)
{
	int i, n = 0;

	for (i = 0; i < 6; i++)
		n += strncmp(a + 3 * i, b + 3 * i, 2) != 0;
	return n;
}

/* Pinned values: every operator host must derive the same MAC for a name, release after
 * release, or intents made by one would not match the container made by another. */
static void test_mac_from_name_is_stable_local_and_unicast(void **state)
{
	char mac[18], other[18];
	unsigned first;

	(void)state;
	entry_mac_from_name("web1", mac);
	assert_string_equal(mac, "2a:9f:74:a5:44:c5");
	entry_mac_from_name("web2", other);
	assert_string_equal(other, "b2:5e:c8:a5:f6:75");
	assert_true(differing_bytes(mac, other) >= 4);
	entry_mac_from_name("a", mac);
	assert_string_equal(mac, "02:c0:bd:bf:48:14");
	assert_int_equal(sscanf(mac, "%2x", &first), 1);
	assert_int_equal(first & 0x03, 0x02);   /* locally administered, not multicast */
}

static void test_name_of_key(void **state)
{
	char name[64];

	(void)state;
	assert_true(entry_name_of_key("VDN:web1:001b215e0311", name, sizeof(name)));
	assert_string_equal(name, "web1");
	assert_false(entry_name_of_key("VDN/demo1/00:1B:21:5E:03:11", name, sizeof(name)));
	assert_false(entry_name_of_key("VDN:web1:0011", name, sizeof(name)));
	assert_false(entry_name_of_key("VDN::001b215e0311", name, sizeof(name)));
	assert_false(entry_name_of_key("0x13", name, sizeof(name)));
	assert_false(entry_name_of_key("VDN:web1:001b215e0311", name, 4));
}

static cJSON *pod_new(const char *name, const char *vdn, const char *phase, const char *request)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"vdno\",\"labels\":{"
		 "\"vdno.kreonet.net/entry\":\"%s\",\"vdno.kreonet.net/vdn\":\"%s\"},"
		 "\"annotations\":{\"vdno.kreonet.net/mac\":\"2a:9f:74:a5:44:c5\"%s%s%s}},"
		 "\"spec\":{\"nodeName\":\"n1\",\"containers\":[{\"name\":\"%s\",\"image\":\"nginx\","
		 "\"resources\":{\"requests\":{\"cpu\":\"2\",\"memory\":\"1Gi\"}}}]},"
		 "\"status\":{\"phase\":\"%s\",\"podIP\":\"10.244.0.9\"}}",
		 name, name, vdn, request ? ",\"vdno.kreonet.net/request\":" : "",
		 request ? request : "", "", name, phase);
	return cJSON_Parse(text);
}

/* One pod with two intents, one pod with none, and intents whose pod is gone. */
static void test_entries_from_pods_and_intents(void **state)
{
	struct region_config configs[2] = { { .id = (char *)"dj" }, { .id = (char *)"bs" } };
	struct region_live regions[2] = { { .config = &configs[0], .reachable = true },
					  { .config = &configs[1], .reachable = true } };
	struct onos_intent intents[4] = {
		{ .key = (char *)"VDN:web1:001b215e0311", .one = (char *)"00:1B:21:5E:03:11/None",
		  .state = (char *)"INSTALLED", .bandwidth_bps = 5e8 },
		{ .key = (char *)"VDN:web1:001b215e0411", .one = (char *)"00:1B:21:5E:04:11/None",
		  .state = (char *)"FAILED", .bandwidth_bps = 5e8 },
		{ .key = (char *)"VDN:gone:001b215e0511", .one = (char *)"00:1B:21:5E:05:11/None",
		  .bandwidth_bps = -1 },
		{ .key = (char *)"0x13", .bandwidth_bps = -1 },
	};
	struct live live = { .regions = regions, .n_regions = 2, .intents = intents,
			     .n_intents = 4, .onos_ok = true };
	cJSON *dj_pods = cJSON_Parse("{\"items\":[]}"), *bs_pods = cJSON_Parse("{\"items\":[]}");
	struct entry *entries;
	struct cni_err e = { 0 };
	size_t n;

	(void)state;
	cJSON_AddItemToArray(cJSON_GetObjectItem(dj_pods, "items"),
			     pod_new("web1", "blue", "Running",
				     "\"{\\\"cpu\\\":\\\"500m\\\",\\\"hosts\\\":[\\\"10.10.3.11\\\"]}\""));
	cJSON_AddItemToArray(cJSON_GetObjectItem(bs_pods, "items"),
			     pod_new("api", "blue", "Pending", NULL));
	regions[0].pods = dj_pods;
	regions[1].pods = bs_pods;

	assert_int_equal(entries_collect(&live, NULL, &entries, &n, &e), 0);
	assert_int_equal(n, 3);
	/* sorted by name */
	assert_string_equal(entries[0].name, "api");
	assert_string_equal(entries[0].region, "bs");
	assert_string_equal(entries[0].cpu, "2");        /* from the container: no annotation */
	assert_string_equal(entries[0].memory, "1Gi");
	assert_int_equal(entries[0].n_intents, 0);
	assert_true(entries[0].bandwidth_bps < 0);

	assert_string_equal(entries[1].name, "gone");
	assert_null(entries[1].region);                  /* intents without a pod */
	assert_int_equal(entries[1].n_intents, 1);

	assert_string_equal(entries[2].name, "web1");
	assert_string_equal(entries[2].phase, "Running");
	assert_string_equal(entries[2].ip, "10.244.0.9");
	assert_string_equal(entries[2].vdn, "blue");
	assert_string_equal(entries[2].cpu, "500m");     /* the annotation wins: what was asked */
	assert_int_equal(entries[2].n_intents, 2);
	assert_int_equal(entries[2].n_hosts, 2);         /* the intents' hosts over the request's */
	assert_string_equal(entries[2].hosts[1], "00:1B:21:5E:04:11/None");
	assert_true(entries[2].bandwidth_bps == 5e8);
	entries_free(entries, n);

	assert_int_equal(entries_collect(&live, "web1", &entries, &n, &e), 0);
	assert_int_equal(n, 1);
	entries_free(entries, n);
	assert_int_equal(entries_collect(&live, "nope", &entries, &n, &e), 0);
	assert_int_equal(n, 0);
	entries_free(entries, n);
	cJSON_Delete(dj_pods);
	cJSON_Delete(bs_pods);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_are_dns1123_labels),
		cmocka_unit_test(test_vdn_ids_are_label_values),
		cmocka_unit_test(test_mac_from_name_is_stable_local_and_unicast),
		cmocka_unit_test(test_name_of_key),
		cmocka_unit_test(test_entries_from_pods_and_intents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

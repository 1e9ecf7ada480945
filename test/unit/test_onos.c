/* ONOS REST parsing on the fixture bodies (test/fixtures/onos, shaped like ONOS's own codecs),
 * and the intent key and body the scheduler sends. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "onos.h"

#define FIXTURES "test/fixtures/onos/"

/* The file's text; the caller frees it. */
static char *fixture_text(const char *name, size_t *len)
{
	char path[256], *text = NULL;
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
			*len = (size_t)size;
		} else {
			free(text);
			text = NULL;
		}
	}
	fclose(f);
	if (!text)
		fail_msg("%s: unreadable", path);
	return text;
}

static void test_hosts_take_mac_ips_and_the_first_location(void **state)
{
	struct cni_err e = { 0 };
	struct onos_host *hosts;
	const struct onos_host *h;
	size_t len, n;
	char *text = fixture_text("hosts.json", &len);

	(void)state;
	assert_int_equal(onos_hosts_parse(text, len, &hosts, &n, &e), 0);
	assert_int_equal(n, 8);
	h = onos_host_by_mac(hosts, n, "00:1b:21:5e:03:11");   /* any case */
	assert_non_null(h);
	assert_string_equal(h->id, "00:1B:21:5E:03:11/None");
	assert_string_equal(h->device, "of:0000000000000003");
	assert_string_equal(h->port, "3");
	assert_ptr_equal(onos_host_by_ip(hosts, n, "10.10.5.11"),
			 onos_host_by_mac(hosts, n, "00:1B:21:5E:05:11"));
	h = onos_host_by_mac(hosts, n, "00:00:00:00:0D:01");
	assert_non_null(h);
	assert_string_equal(h->device, "of:0000000000000002");
	assert_string_equal(h->port, "10");
	assert_null(onos_host_by_ip(hosts, n, "10.9.9.9"));
	onos_hosts_free(hosts, n);
	free(text);
}

/* ONOS 1.10 and older: one "location" object, no "locations". */
static void test_hosts_of_old_onos_use_location(void **state)
{
	struct cni_err e = { 0 };
	struct onos_host *hosts;
	const struct onos_host *h;
	size_t len, n;
	char *text = fixture_text("hosts-legacy-onos-1.10.json", &len);

	(void)state;
	assert_int_equal(onos_hosts_parse(text, len, &hosts, &n, &e), 0);
	assert_true(n > 0);
	h = onos_host_by_mac(hosts, n, "00:1B:21:5E:03:11");
	assert_non_null(h);
	assert_string_equal(h->device, "of:0000000000000003");
	onos_hosts_free(hosts, n);
	free(text);
}

static void test_hosts_skip_entries_without_a_mac(void **state)
{
	static const char body[] =
		"{\"hosts\":[{\"id\":\"nonsense\"},{\"id\":\"AA:BB:CC:DD:EE:01/100\","
		"\"ipAddresses\":[\"192.0.2.1\"],\"locations\":[]}]}";
	struct cni_err e = { 0 };
	struct onos_host *hosts;
	size_t n;

	(void)state;
	assert_int_equal(onos_hosts_parse(body, strlen(body), &hosts, &n, &e), 0);
	assert_int_equal(n, 1);
	/* the MAC comes from the id when "mac" is missing; the VLAN stays in the id */
	assert_string_equal(hosts[0].mac, "AA:BB:CC:DD:EE:01");
	assert_string_equal(hosts[0].id, "AA:BB:CC:DD:EE:01/100");
	assert_null(hosts[0].device);
	onos_hosts_free(hosts, n);
}

static void test_devices_city_from_annotation_else_config(void **state)
{
	static const char body[] =
		"{\"devices\":[{\"id\":\"of:0000000000000001\",\"annotations\":{\"city\":\"Daejeon\"}},"
		"{\"id\":\"of:00000000000000aa\"},{\"id\":\"of:00000000000000bb\"}]}";
	struct device_city map[] = { { (char *)"of:00000000000000aa", (char *)"Seoul" },
				     { (char *)"of:0000000000000001", (char *)"Busan" } };
	struct onos_config config = { .device_cities = map, .n_device_cities = 2 };
	struct cni_err e = { 0 };
	struct onos_device *devices;
	size_t n;

	(void)state;
	assert_int_equal(onos_devices_parse(body, strlen(body), &config, &devices, &n, &e), 0);
	assert_int_equal(n, 3);
	/* ONOS's own annotation wins over the config's map */
	assert_string_equal(onos_device_find(devices, n, "of:0000000000000001")->city, "Daejeon");
	assert_string_equal(onos_device_find(devices, n, "of:00000000000000aa")->city, "Seoul");
	assert_null(onos_device_find(devices, n, "of:00000000000000bb")->city);
	assert_null(onos_device_find(devices, n, "of:00000000000000cc"));
	onos_devices_free(devices, n);
}

static void test_devices_fixture_cities(void **state)
{
	struct onos_config config = { 0 };
	struct cni_err e = { 0 };
	struct onos_device *devices;
	size_t len, n;
	char *text = fixture_text("devices.json", &len);

	(void)state;
	assert_int_equal(onos_devices_parse(text, len, &config, &devices, &n, &e), 0);
	assert_int_equal(n, 5);
	assert_string_equal(onos_device_find(devices, n, "of:0000000000000005")->city, "Chicago");
	onos_devices_free(devices, n);
	free(text);
}

static void test_paths_between_devices(void **state)
{
	struct cni_err e = { 0 };
	struct onos_path *paths;
	size_t len, n;
	char *text = fixture_text("paths-of_0000000000000003-of_0000000000000005.json", &len);

	(void)state;
	assert_int_equal(onos_paths_parse(text, len, &paths, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(paths[0].n_links, 2);
	assert_string_equal(paths[0].links[0].src_device, "of:0000000000000003");
	assert_string_equal(paths[0].links[0].src_port, "1");
	assert_string_equal(paths[0].links[1].src_device, "of:0000000000000001");
	assert_string_equal(paths[0].links[1].src_port, "4");
	assert_string_equal(paths[0].links[1].dst_device, "of:0000000000000005");
	onos_paths_free(paths, n);
	free(text);
}

/* Host paths begin and end with EDGE links to the host: no port there to measure. */
static void test_paths_leave_out_edge_links(void **state)
{
	struct cni_err e = { 0 };
	struct onos_path *paths;
	size_t len, n, i;
	char *text = fixture_text(
		"paths-host-00_1B_21_5E_03_11-None-host-00_00_00_00_0D_01-None.json", &len);

	(void)state;
	assert_int_equal(onos_paths_parse(text, len, &paths, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(paths[0].n_links, 2);     /* cost 4.0: 2 EDGE + 2 DIRECT */
	for (i = 0; i < paths[0].n_links; i++)
		assert_memory_equal(paths[0].links[i].src_device, "of:", 3);
	onos_paths_free(paths, n);
	free(text);
}

static void test_paths_empty_answer(void **state)
{
	struct cni_err e = { 0 };
	struct onos_path *paths;
	size_t len, n;
	char *text = fixture_text("paths-empty.json", &len);

	(void)state;
	assert_int_equal(onos_paths_parse(text, len, &paths, &n, &e), 0);
	assert_int_equal(n, 0);
	onos_paths_free(paths, n);
	free(text);
}

static int64_t speed_of(const struct onos_port *ports, size_t n, const char *port)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(ports[i].port, port) == 0)
			return ports[i].speed_mbps;
	}
	fail_msg("port %s missing", port);
	return -1;
}

static void test_ports_speed_in_mbps(void **state)
{
	struct cni_err e = { 0 };
	struct onos_port *ports;
	size_t len, n;
	char *text = fixture_text("ports-of_0000000000000001.json", &len);

	(void)state;
	assert_int_equal(onos_ports_parse(text, len, &ports, &n, &e), 0);
	assert_int_equal(speed_of(ports, n, "1"), 100000);
	assert_int_equal(speed_of(ports, n, "4"), 10000);
	onos_ports_free(ports, n);
	free(text);
}

/* fixtures/onos README §2: u(01/4 → 05/1) = 0.560840 from the delta counters over 5 s. */
static void test_deltas_give_the_readme_utilisation(void **state)
{
	struct cni_err e = { 0 };
	struct onos_port_delta *deltas;
	const struct onos_port_delta *d;
	size_t len, n;
	char *text = fixture_text("statistics-delta-ports.json", &len);

	(void)state;
	assert_int_equal(onos_deltas_parse(text, len, &deltas, &n, &e), 0);
	d = onos_delta_find(deltas, n, "of:0000000000000001", 4);
	assert_non_null(d);
	assert_int_equal(d->delta.duration_sec, 5);
	assert_true(fabs(link_utilisation(&d->delta, 10000) - 0.560840) < 1e-6);
	d = onos_delta_find(deltas, n, "of:0000000000000003", 2);
	assert_non_null(d);
	assert_true(fabs(link_utilisation(&d->delta, 10000) - 0.074970) < 1e-6);
	assert_null(onos_delta_find(deltas, n, "of:0000000000000003", 99));
	onos_deltas_free(deltas, n);
	free(text);
}

/* A device polled once has no ports; a port without durationSec reads as 0 (no rate). */
static void test_deltas_guard_missing_samples(void **state)
{
	static const char body[] =
		"{\"statistics\":[{\"device\":\"of:01\",\"ports\":[]},"
		"{\"device\":\"of:02\",\"ports\":[{\"port\":1,\"bytesSent\":100,\"bytesReceived\":-5},"
		"{\"port\":4294967294,\"bytesSent\":1,\"bytesReceived\":1,\"durationSec\":5}]}]}";
	struct cni_err e = { 0 };
	struct onos_port_delta *deltas;
	const struct onos_port_delta *d;
	size_t n;

	(void)state;
	assert_int_equal(onos_deltas_parse(body, strlen(body), &deltas, &n, &e), 0);
	assert_int_equal(n, 2);
	d = onos_delta_find(deltas, n, "of:02", 1);
	assert_int_equal(d->delta.duration_sec, 0);
	assert_int_equal(d->delta.bytes_received, -5);
	assert_true(link_utilisation(&d->delta, 1000) == 0);
	assert_non_null(onos_delta_find(deltas, n, "of:02", onos_port_number("local")));
	onos_deltas_free(deltas, n);
}

static void test_intents_detail_read_bandwidth_in_java_notation(void **state)
{
	struct cni_err e = { 0 };
	struct onos_intent *intents;
	size_t len, n, i;
	bool saw_p2p = false;
	char *text = fixture_text("intents-detail.json", &len);

	(void)state;
	assert_int_equal(onos_intents_parse(text, len, &intents, &n, &e), 0);
	assert_int_equal(n, 4);
	assert_string_equal(intents[0].key, "VDN/demo1/00:1B:21:5E:03:11");
	assert_string_equal(intents[0].state, "INSTALLED");
	assert_string_equal(intents[0].one, "00:1B:21:5E:03:11/None");
	assert_true(intents[0].bandwidth_bps == 5e8);     /* "5.0E8" */
	for (i = 0; i < n; i++) {
		if (strcmp(intents[i].key, "0x13") == 0) {
			saw_p2p = true;
			assert_null(intents[i].one);
			assert_true(intents[i].bandwidth_bps < 0);
		}
	}
	assert_true(saw_p2p);
	onos_intents_free(intents, n);
	free(text);
}

static void test_parsers_refuse_non_json_and_missing_wrappers(void **state)
{
	struct cni_err e = { 0 };
	struct onos_host *hosts = NULL;
	struct onos_path *paths = NULL;
	size_t n = 7;

	(void)state;
	assert_int_equal(onos_hosts_parse("<html>401</html>", 16, &hosts, &n, &e), -1);
	assert_int_equal(e.code, CNI_ERR_DECODE);
	assert_null(hosts);
	assert_int_equal(n, 0);
	assert_int_equal(onos_paths_parse("{\"links\":[]}", 12, &paths, &n, &e), -1);
	assert_non_null(strstr(e.msg, "\"paths\""));
}

static void test_port_numbers(void **state)
{
	(void)state;
	assert_int_equal(onos_port_number("3"), 3);
	assert_int_equal(onos_port_number("local"), ONOS_PORT_LOCAL);
	assert_int_equal(onos_port_number("LOCAL"), ONOS_PORT_LOCAL);
	assert_int_equal(onos_port_number(""), -1);
	assert_int_equal(onos_port_number("3a"), -1);
	assert_int_equal(onos_port_number("-1"), -1);
}

static void test_intent_key_is_lower_hex_without_slashes(void **state)
{
	char key[96];

	(void)state;
	assert_int_equal(onos_intent_key(key, sizeof(key), "web1", "00:1B:21:5E:03:11"), 0);
	assert_string_equal(key, "VDN:web1:001b215e0311");
	assert_null(strchr(key, '/'));
	assert_int_equal(onos_intent_key(key, sizeof(key), "web1", "00:1B:21:5E:03"), -1);
	assert_int_equal(onos_intent_key(key, sizeof(key), "web1", "00:1B:21:5E:03:1G"), -1);
	assert_int_equal(onos_intent_key(key, 10, "web1", "00:1B:21:5E:03:11"), -1);
}

static void test_intent_body_with_bandwidth_in_bits_per_second(void **state)
{
	cJSON *body = onos_intent_body_new("org.kreonet.vdno", "VDN:web1:001b215e0311",
					   "00:1B:21:5E:03:11/None", "2A:9F:74:A5:44:C5",
					   1000000000);
	const cJSON *constraints, *bw;

	(void)state;
	assert_non_null(body);
	assert_string_equal(cJSON_GetObjectItem(body, "type")->valuestring, "HostToHostIntent");
	assert_string_equal(cJSON_GetObjectItem(body, "appId")->valuestring, "org.kreonet.vdno");
	assert_string_equal(cJSON_GetObjectItem(body, "one")->valuestring, "00:1B:21:5E:03:11/None");
	assert_string_equal(cJSON_GetObjectItem(body, "two")->valuestring, "2A:9F:74:A5:44:C5/None");
	constraints = cJSON_GetObjectItem(body, "constraints");
	assert_int_equal(cJSON_GetArraySize(constraints), 1);
	bw = cJSON_GetArrayItem(constraints, 0);
	assert_string_equal(cJSON_GetObjectItem(bw, "type")->valuestring, "BandwidthConstraint");
	assert_true(cJSON_GetObjectItem(bw, "bandwidth")->valuedouble == 1e9);
	cJSON_Delete(body);

	body = onos_intent_body_new("app", "k", "00:1B:21:5E:03:11/None", "2A:9F:74:A5:44:C5", 0);
	assert_null(cJSON_GetObjectItem(body, "constraints"));
	cJSON_Delete(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts_take_mac_ips_and_the_first_location),
		cmocka_unit_test(test_hosts_of_old_onos_use_location),
		cmocka_unit_test(test_hosts_skip_entries_without_a_mac),
		cmocka_unit_test(test_devices_city_from_annotation_else_config),
		cmocka_unit_test(test_devices_fixture_cities),
		cmocka_unit_test(test_paths_between_devices),
		cmocka_unit_test(test_paths_leave_out_edge_links),
		cmocka_unit_test(test_paths_empty_answer),
		cmocka_unit_test(test_ports_speed_in_mbps),
		cmocka_unit_test(test_deltas_give_the_readme_utilisation),
		cmocka_unit_test(test_deltas_guard_missing_samples),
		cmocka_unit_test(test_intents_detail_read_bandwidth_in_java_notation),
		cmocka_unit_test(test_parsers_refuse_non_json_and_missing_wrappers),
		cmocka_unit_test(test_port_numbers),
		cmocka_unit_test(test_intent_key_is_lower_hex_without_slashes),
		cmocka_unit_test(test_intent_body_with_bandwidth_in_bits_per_second),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

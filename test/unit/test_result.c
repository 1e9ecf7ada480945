/* Pins parsing of every result version, printing in every other one, and merge/dup/free.
 * The STATIC_* and MACVLAN_* fixtures were printed by the reference plugins
 * (containernetworking-plugins 1.1.1: static IPAM, macvlan over a veth master) for the same
 * input in each cniVersion; only the random macvlan MAC was made equal across versions. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "result.h"
#include "version.h"

#define STATIC_DNS \
	"\"dns\":{\"nameservers\":[\"8.8.8.8\"],\"domain\":\"example.com\",\"search\":[\"example.com\"]}"

static const char STATIC_020[] =
	"{\"cniVersion\":\"0.2.0\","
	"\"ip4\":{\"ip\":\"10.10.0.1/24\",\"gateway\":\"10.10.0.254\",\"routes\":[{\"dst\":\"0.0.0.0/0\"},"
	"{\"dst\":\"192.168.0.0/16\",\"gw\":\"10.10.5.1\"}]},"
	"\"ip6\":{\"ip\":\"3ffe:ffff:0:1ff::1/64\",\"gateway\":\"3ffe:ffff::1\",\"routes\":"
	"[{\"dst\":\"3ffe:ffff:0:1ff::1/64\"}]}," STATIC_DNS "}";

static const char STATIC_040[] =
	"{\"cniVersion\":\"0.4.0\","
	"\"ips\":[{\"version\":\"4\",\"address\":\"10.10.0.1/24\",\"gateway\":\"10.10.0.254\"},"
	"{\"version\":\"6\",\"address\":\"3ffe:ffff:0:1ff::1/64\",\"gateway\":\"3ffe:ffff::1\"}],"
	"\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"192.168.0.0/16\",\"gw\":\"10.10.5.1\"},"
	"{\"dst\":\"3ffe:ffff:0:1ff::1/64\"}]," STATIC_DNS "}";

static const char STATIC_100[] =
	"{\"cniVersion\":\"1.0.0\","
	"\"ips\":[{\"address\":\"10.10.0.1/24\",\"gateway\":\"10.10.0.254\"},"
	"{\"address\":\"3ffe:ffff:0:1ff::1/64\",\"gateway\":\"3ffe:ffff::1\"}],"
	"\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"192.168.0.0/16\",\"gw\":\"10.10.5.1\"},"
	"{\"dst\":\"3ffe:ffff:0:1ff::1/64\"}]," STATIC_DNS "}";

static const char MACVLAN_020[] =
	"{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.10.0.1/24\",\"gateway\":\"10.10.0.254\","
	"\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"192.168.0.0/16\",\"gw\":\"10.10.0.253\"}]},"
	"\"ip6\":{\"ip\":\"2001:db8:1::5/64\",\"gateway\":\"2001:db8:1::1\",\"routes\":"
	"[{\"dst\":\"::/0\"}]},\"dns\":{}}";

static const char MACVLAN_040[] =
	"{\"cniVersion\":\"0.4.0\",\"interfaces\":[{\"name\":\"eth0\",\"mac\":\"76:8f:3f:33:39:4d\","
	"\"sandbox\":\"/run/netns/vdnres-pod\"}],"
	"\"ips\":[{\"version\":\"4\",\"interface\":0,\"address\":\"10.10.0.1/24\","
	"\"gateway\":\"10.10.0.254\"},{\"version\":\"6\",\"interface\":0,"
	"\"address\":\"2001:db8:1::5/64\",\"gateway\":\"2001:db8:1::1\"}],"
	"\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"192.168.0.0/16\",\"gw\":\"10.10.0.253\"},"
	"{\"dst\":\"::/0\"}],\"dns\":{}}";

static const char MACVLAN_100[] =
	"{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\",\"mac\":\"76:8f:3f:33:39:4d\","
	"\"sandbox\":\"/run/netns/vdnres-pod\"}],"
	"\"ips\":[{\"interface\":0,\"address\":\"10.10.0.1/24\",\"gateway\":\"10.10.0.254\"},"
	"{\"interface\":0,\"address\":\"2001:db8:1::5/64\",\"gateway\":\"2001:db8:1::1\"}],"
	"\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"192.168.0.0/16\",\"gw\":\"10.10.0.253\"},"
	"{\"dst\":\"::/0\"}],\"dns\":{}}";

/* No reference build here prints 1.1.0; written from the spec's result fields: a
 * host-device NIC with its PCI address and a vhost-user port with its socket. */
static const char FULL_110[] =
	"{\"cniVersion\":\"1.1.0\","
	"\"interfaces\":[{\"name\":\"net1\",\"mac\":\"0c:42:a1:00:00:01\",\"sandbox\":\"/run/netns/p1\","
	"\"mtu\":9000,\"pciID\":\"0000:3b:00.1\"},"
	"{\"name\":\"vhu0\",\"mtu\":1500,\"socketPath\":\"/var/run/vhost/vhu0.sock\"}],"
	"\"ips\":[{\"interface\":0,\"address\":\"172.16.1.10/24\",\"gateway\":\"172.16.1.1\"},"
	"{\"interface\":1,\"address\":\"fd00:1::10/64\"}],"
	"\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"172.16.1.1\",\"mtu\":8950,\"advmss\":8910,"
	"\"priority\":100,\"table\":200,\"scope\":0},{\"dst\":\"fd00::/8\"}],"
	"\"dns\":{\"nameservers\":[\"164.124.101.2\"]}}";

/* ---- helpers ------------------------------------------------------------------------------ */

static struct cni_result *parse_ok(const char *text, const char *version)
{
	struct cni_result *r = NULL;
	struct cni_err e = {0};
	int rc = result_parse_string(text, version, &r, &e);

	if (rc != 0)
		print_error("unexpected parse error %d: %s\n", e.code, e.msg);
	assert_int_equal(rc, 0);
	assert_non_null(r);
	return r;
}

static void parse_fails(const char *text, const char *version, int code, const char *msg)
{
	struct cni_result *r = (struct cni_result *)&r;   /* must be reset to NULL */
	struct cni_err e = {0};
	int rc = result_parse_string(text, version, &r, &e);

	if (rc == 0)
		print_error("parse of %s unexpectedly succeeded\n", text);
	assert_int_equal(rc, -1);
	assert_null(r);
	assert_int_equal(e.code, code);
	assert_string_equal(e.msg, msg);
}

static cJSON *print_ok(const struct cni_result *r, const char *version)
{
	struct cni_err e = {0};
	cJSON *json = result_to_json(r, version, &e);

	if (!json)
		print_error("unexpected print error %d in %s: %s\n", e.code, version, e.msg);
	assert_non_null(json);
	return json;
}

static cJSON *parse_json(const char *text)
{
	cJSON *json = cJSON_Parse(text);

	assert_non_null(json);
	return json;
}

/* Follows "ips.1.address": numbers index arrays, words name keys. */
static const cJSON *jget(const cJSON *root, const char *path)
{
	char buf[128], *save = NULL, *tok;
	const cJSON *cur = root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save)) {
		if (isdigit((unsigned char)tok[0]))
			cur = cJSON_GetArrayItem(cur, atoi(tok));
		else
			cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
	}
	return cur;
}

static const char *jstr(const cJSON *root, const char *path)
{
	const cJSON *item = jget(root, path);

	return cJSON_IsString(item) ? item->valuestring : "<absent or not a string>";
}

static int jint(const cJSON *root, const char *path)
{
	const cJSON *item = jget(root, path);

	assert_true(cJSON_IsNumber(item));
	return item->valueint;
}

static int jsize(const cJSON *root, const char *path)
{
	const cJSON *item = jget(root, path);

	return item ? cJSON_GetArraySize(item) : -1;
}

static void assert_keys(const cJSON *obj, const char *want)
{
	char keys[256] = "";
	const cJSON *item;

	cJSON_ArrayForEach(item, obj) {
		if (keys[0])
			strncat(keys, ",", sizeof(keys) - strlen(keys) - 1);
		strncat(keys, item->string, sizeof(keys) - strlen(keys) - 1);
	}
	assert_string_equal(keys, want);
}

/* The reference output of `fixture` restated in `version` (1.0.0 and 1.1.0 differ only in
 * cniVersion, as do 0.3.0/0.3.1/0.4.0 and 0.1.0/0.2.0). An empty dns is dropped: we omit it,
 * as current reference plugins do, where the 1.1.1 build printed {}. */
static cJSON *expected_in(const char *fixture, const char *version)
{
	cJSON *json = parse_json(fixture);
	cJSON *dns = cJSON_GetObjectItemCaseSensitive(json, "dns");

	if (dns && !dns->child)
		cJSON_DeleteItemFromObjectCaseSensitive(json, "dns");
	assert_true(cJSON_ReplaceItemInObjectCaseSensitive(json, "cniVersion",
							   cJSON_CreateString(version)));
	return json;
}

static void assert_json_equal(const cJSON *got, const cJSON *want, const char *what)
{
	char *g, *w;

	if (!cJSON_Compare(got, want, 1)) {
		g = cJSON_PrintUnformatted(got);
		w = cJSON_PrintUnformatted(want);
		print_error("%s\n got: %s\nwant: %s\n", what, g, w);
		free(g);
		free(w);
		fail();
	}
}

/* ---- parsing each version's shape ---------------------------------------------------------- */

static void test_parse_020_turns_ip4_ip6_into_ips_and_appends_their_routes(void **state)
{
	struct cni_result *r = parse_ok(STATIC_020, NULL);

	(void)state;
	assert_string_equal(r->cni_version, "0.2.0");
	assert_int_equal(r->n_ifaces, 0);
	assert_int_equal(r->n_ips, 2);
	assert_string_equal(r->ips[0].address, "10.10.0.1/24");
	assert_string_equal(r->ips[0].gateway, "10.10.0.254");
	assert_int_equal(r->ips[0].interface, -1);
	assert_string_equal(r->ips[1].address, "3ffe:ffff:0:1ff::1/64");
	assert_string_equal(r->ips[1].gateway, "3ffe:ffff::1");
	assert_int_equal(r->ips[1].interface, -1);
	assert_int_equal(r->n_routes, 3);
	assert_string_equal(r->routes[0].dst, "0.0.0.0/0");
	assert_null(r->routes[0].gw);
	assert_string_equal(r->routes[1].dst, "192.168.0.0/16");
	assert_string_equal(r->routes[1].gw, "10.10.5.1");
	assert_string_equal(r->routes[2].dst, "3ffe:ffff:0:1ff::1/64");
	assert_int_equal(r->routes[2].mtu, -1);
	assert_int_equal(r->routes[2].table, -1);
	assert_non_null(r->dns);
	assert_string_equal(jstr(r->dns, "domain"), "example.com");
	result_free(r);
}

static void test_parse_010_reads_the_same_shape_as_020(void **state)
{
	struct cni_result *r = parse_ok("{\"cniVersion\":\"0.1.0\",\"ip6\":{\"ip\":\"fd00::5/64\"}}",
					NULL);

	(void)state;
	assert_string_equal(r->cni_version, "0.1.0");
	assert_int_equal(r->n_ips, 1);
	assert_string_equal(r->ips[0].address, "fd00::5/64");
	assert_null(r->ips[0].gateway);
	assert_int_equal(r->n_routes, 0);
	assert_null(r->dns);
	result_free(r);
}

static void test_parse_040_reads_interfaces_ips_routes_of_macvlan(void **state)
{
	struct cni_result *r = parse_ok(MACVLAN_040, NULL);

	(void)state;
	assert_string_equal(r->cni_version, "0.4.0");
	assert_int_equal(r->n_ifaces, 1);
	assert_string_equal(r->ifaces[0].name, "eth0");
	assert_string_equal(r->ifaces[0].mac, "76:8f:3f:33:39:4d");
	assert_string_equal(r->ifaces[0].sandbox, "/run/netns/vdnres-pod");
	assert_int_equal(r->ifaces[0].mtu, 0);
	assert_null(r->ifaces[0].socket_path);
	assert_null(r->ifaces[0].pci_id);
	assert_int_equal(r->n_ips, 2);
	assert_int_equal(r->ips[0].interface, 0);
	assert_int_equal(r->ips[1].interface, 0);
	assert_string_equal(r->ips[1].address, "2001:db8:1::5/64");
	assert_int_equal(r->n_routes, 3);
	assert_string_equal(r->routes[2].dst, "::/0");
	assert_non_null(r->dns);   /* {} is kept as given; printing drops it */
	result_free(r);
}

static void test_parse_030_and_031_read_the_040_shape(void **state)
{
	static const char *const versions[] = { "0.3.0", "0.3.1" };
	cJSON *json;
	char *text;
	struct cni_result *r;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		json = expected_in(MACVLAN_040, versions[i]);
		text = cJSON_PrintUnformatted(json);
		r = parse_ok(text, NULL);
		assert_string_equal(r->cni_version, versions[i]);
		assert_int_equal(r->n_ifaces, 1);
		assert_int_equal(r->n_ips, 2);
		assert_int_equal(r->n_routes, 3);
		result_free(r);
		free(text);
		cJSON_Delete(json);
	}
}

static void test_parse_100_reads_ipam_result_without_interfaces(void **state)
{
	struct cni_result *r = parse_ok(STATIC_100, NULL);

	(void)state;
	assert_string_equal(r->cni_version, "1.0.0");
	assert_int_equal(r->n_ifaces, 0);
	assert_int_equal(r->n_ips, 2);
	assert_int_equal(r->ips[0].interface, -1);
	assert_int_equal(r->ips[1].interface, -1);
	assert_int_equal(r->n_routes, 3);
	result_free(r);
}

static void test_parse_110_keeps_interface_and_route_extras(void **state)
{
	struct cni_result *r = parse_ok(FULL_110, NULL);

	(void)state;
	assert_string_equal(r->cni_version, "1.1.0");
	assert_int_equal(r->n_ifaces, 2);
	assert_int_equal(r->ifaces[0].mtu, 9000);
	assert_string_equal(r->ifaces[0].pci_id, "0000:3b:00.1");
	assert_null(r->ifaces[0].socket_path);
	assert_null(r->ifaces[1].mac);
	assert_null(r->ifaces[1].sandbox);
	assert_string_equal(r->ifaces[1].socket_path, "/var/run/vhost/vhu0.sock");
	assert_int_equal(r->ips[1].interface, 1);
	assert_null(r->ips[1].gateway);
	assert_int_equal(r->routes[0].mtu, 8950);
	assert_int_equal(r->routes[0].advmss, 8910);
	assert_int_equal(r->routes[0].priority, 100);
	assert_int_equal(r->routes[0].table, 200);
	assert_int_equal(r->routes[0].scope, 0);
	assert_int_equal(r->routes[1].mtu, -1);
	assert_int_equal(r->routes[1].advmss, -1);
	assert_int_equal(r->routes[1].priority, -1);
	assert_int_equal(r->routes[1].table, -1);
	assert_int_equal(r->routes[1].scope, -1);
	result_free(r);
}

static void test_parse_null_members_count_as_absent(void **state)
{
	struct cni_result *r = parse_ok(
		"{\"cniVersion\":\"1.0.0\",\"interfaces\":null,\"ips\":[{\"address\":\"10.0.0.2/8\","
		"\"gateway\":null,\"interface\":null}],\"routes\":null,\"dns\":null}", NULL);

	(void)state;
	assert_int_equal(r->n_ifaces, 0);
	assert_int_equal(r->n_ips, 1);
	assert_null(r->ips[0].gateway);
	assert_int_equal(r->ips[0].interface, -1);
	assert_int_equal(r->n_routes, 0);
	assert_null(r->dns);
	result_free(r);
}

static void test_parse_copies_every_string(void **state)
{
	struct cni_result *r = NULL;
	struct cni_err e = {0};
	cJSON *json = parse_json(FULL_110);

	(void)state;
	assert_int_equal(result_parse(json, NULL, &r, &e), 0);
	/* the result must outlive the JSON it came from (ASan/valgrind see a dangling copy) */
	cJSON_Delete(json);
	assert_string_equal(r->ifaces[1].socket_path, "/var/run/vhost/vhu0.sock");
	assert_string_equal(r->ips[0].gateway, "172.16.1.1");
	assert_string_equal(jstr(r->dns, "nameservers.0"), "164.124.101.2");
	assert_string_equal(r->cni_version, "1.1.0");
	result_free(r);
}

/* ---- which version a result is read in ----------------------------------------------------- */

static void test_parse_prevresult_without_cniversion_takes_the_given_one(void **state)
{
	struct cni_result *r;

	(void)state;
	/* a 0.4.0 prevResult: its ips[].version is checked because the config says 0.4.0 */
	r = parse_ok("{\"ips\":[{\"version\":\"4\",\"address\":\"10.1.0.5/16\"}]}", "0.4.0");
	assert_string_equal(r->cni_version, "0.4.0");
	assert_int_equal(r->n_ips, 1);
	result_free(r);
	parse_fails("{\"ips\":[{\"version\":\"6\",\"address\":\"10.1.0.5/16\"}]}", "0.4.0",
		    CNI_ERR_DECODE, "ips[0].version: \"6\" does not match address \"10.1.0.5/16\"");

	/* an old IPAM answer: read as ip4, as the config's 0.2.0 says */
	r = parse_ok("{\"ip4\":{\"ip\":\"10.1.0.5/16\",\"gateway\":\"10.1.0.1\"}}", "0.2.0");
	assert_string_equal(r->cni_version, "0.2.0");
	assert_int_equal(r->n_ips, 1);
	assert_string_equal(r->ips[0].gateway, "10.1.0.1");
	result_free(r);
}

static void test_parse_own_cniversion_wins_over_the_given_one(void **state)
{
	struct cni_result *r = parse_ok(STATIC_020, "1.0.0");

	(void)state;
	assert_string_equal(r->cni_version, "0.2.0");
	assert_int_equal(r->n_ips, 2);   /* read as ip4/ip6, not as ips[] */
	result_free(r);
}

static void test_parse_unknown_version_is_error_1_naming_it(void **state)
{
	(void)state;
	parse_fails("{\"cniVersion\":\"0.5.0\",\"ips\":[]}", "1.0.0", CNI_ERR_INCOMPATIBLE_VERSION,
		    "result has unsupported cniVersion \"0.5.0\"");
	parse_fails("{\"cniVersion\":\"1.0\"}", NULL, CNI_ERR_INCOMPATIBLE_VERSION,
		    "result has unsupported cniVersion \"1.0\"");
	parse_fails("{\"ips\":[]}", "2.0.0", CNI_ERR_INCOMPATIBLE_VERSION,
		    "result has unsupported cniVersion \"2.0.0\"");
	parse_fails("{\"ips\":[]}", NULL, CNI_ERR_INCOMPATIBLE_VERSION,
		    "result has no cniVersion and none was given for it");
}

static void test_parse_unknown_version_lists_supported_ones_in_details(void **state)
{
	struct cni_result *r = NULL;
	struct cni_err e = {0};

	(void)state;
	assert_int_equal(result_parse_string("{}", "9.9.9", &r, &e), -1);
	assert_string_equal(e.details,
			    "supported versions: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0");
}

/* ---- decode errors name the field ---------------------------------------------------------- */

struct bad_case {
	const char *version;
	const char *json;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
	/* not JSON, or JSON of the wrong kind */
	{ "1.0.0", "{\"ips\":[", "result: invalid JSON at byte 8" },
	{ "1.0.0", "", "result: invalid JSON at byte 0" },
	{ "1.0.0", "{\"cniVersion\":\"1.0.0\"} trailing", "result: invalid JSON at byte 23" },
	{ "1.0.0", "[]", "result: not a JSON object" },
	{ "1.0.0", "{\"cniVersion\":1}", "cniVersion: not a string" },
	/* addresses */
	{ "1.0.0", "{\"ips\":[{\"address\":\"10.0.0.1/24\"},{\"address\":\"10.0.0.300/24\"}]}",
	  "ips[1].address: \"10.0.0.300/24\" is not an IP/prefix" },
	{ "1.0.0", "{\"ips\":[{\"address\":\"10.0.0.1\"}]}",
	  "ips[0].address: \"10.0.0.1\" is not an IP/prefix" },
	{ "1.0.0", "{\"ips\":[{\"address\":\"10.0.0.1/33\"}]}",
	  "ips[0].address: \"10.0.0.1/33\" is not an IP/prefix" },
	{ "1.0.0", "{\"ips\":[{\"address\":\"fd00::1/129\"}]}",
	  "ips[0].address: \"fd00::1/129\" is not an IP/prefix" },
	{ "1.0.0", "{\"ips\":[{\"address\":\"10.0.0.1/\"}]}",
	  "ips[0].address: \"10.0.0.1/\" is not an IP/prefix" },
	{ "1.0.0", "{\"ips\":[{\"address\":\"10.0.0.1/2x\"}]}",
	  "ips[0].address: \"10.0.0.1/2x\" is not an IP/prefix" },
	{ "1.0.0", "{\"ips\":[{\"address\":\"10.0.0.1/-1\"}]}",
	  "ips[0].address: \"10.0.0.1/-1\" is not an IP/prefix" },
	{ "1.0.0", "{\"ips\":[{\"address\":\"/24\"}]}", "ips[0].address: \"/24\" is not an IP/prefix" },
	{ "1.0.0", "{\"ips\":[{\"address\":\"fe80::1%eth0/64\"}]}",
	  "ips[0].address: \"fe80::1%eth0/64\" is not an IP/prefix" },
	{ "1.0.0", "{\"ips\":[{\"gateway\":\"10.0.0.1\"}]}", "ips[0].address: missing" },
	{ "1.0.0", "{\"ips\":[{\"address\":\"10.0.0.2/24\",\"gateway\":\"10.0.0.1/24\"}]}",
	  "ips[0].gateway: \"10.0.0.1/24\" is not an IP address" },
	/* interface indexes point into interfaces[] */
	{ "1.0.0", "{\"ips\":[{\"address\":\"10.0.0.2/24\",\"interface\":0}]}",
	  "ips[0].interface: 0 is out of range: the result has 0 interfaces" },
	{ "1.0.0", "{\"interfaces\":[{\"name\":\"eth0\"}],"
		   "\"ips\":[{\"address\":\"10.0.0.2/24\",\"interface\":1}]}",
	  "ips[0].interface: 1 is out of range: the result has 1 interface" },
	{ "1.0.0", "{\"interfaces\":[{\"name\":\"eth0\"}],"
		   "\"ips\":[{\"address\":\"10.0.0.2/24\",\"interface\":-1}]}",
	  "ips[0].interface: -1 is not a non-negative integer" },
	{ "1.0.0", "{\"interfaces\":[{\"name\":\"eth0\"}],"
		   "\"ips\":[{\"address\":\"10.0.0.2/24\",\"interface\":\"0\"}]}",
	  "ips[0].interface: not a number" },
	/* wrong types */
	{ "1.0.0", "{\"interfaces\":{}}", "interfaces: not an array" },
	{ "1.0.0", "{\"interfaces\":[\"eth0\"]}", "interfaces[0]: not an object" },
	{ "1.0.0", "{\"interfaces\":[{\"name\":\"eth0\"},{\"mac\":\"aa:bb:cc:dd:ee:ff\"}]}",
	  "interfaces[1].name: missing" },
	{ "1.0.0", "{\"interfaces\":[{\"name\":5}]}", "interfaces[0].name: not a string" },
	{ "1.0.0", "{\"interfaces\":[{\"name\":\"eth0\",\"sandbox\":true}]}",
	  "interfaces[0].sandbox: not a string" },
	{ "1.1.0", "{\"interfaces\":[{\"name\":\"eth0\",\"mtu\":\"1500\"}]}",
	  "interfaces[0].mtu: not a number" },
	{ "1.1.0", "{\"interfaces\":[{\"name\":\"eth0\",\"mtu\":1500.5}]}",
	  "interfaces[0].mtu: 1500.5 is not a non-negative integer" },
	{ "1.1.0", "{\"interfaces\":[{\"name\":\"eth0\",\"pciID\":[]}]}",
	  "interfaces[0].pciID: not a string" },
	{ "1.0.0", "{\"ips\":\"10.0.0.2/24\"}", "ips: not an array" },
	{ "1.0.0", "{\"ips\":[{\"address\":167772162}]}", "ips[0].address: not a string" },
	{ "1.0.0", "{\"routes\":[{\"gw\":\"10.0.0.1\"}]}", "routes[0].dst: missing" },
	{ "1.0.0", "{\"routes\":[{\"dst\":\"default\"}]}",
	  "routes[0].dst: \"default\" is not an IP/prefix" },
	{ "1.0.0", "{\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"router\"}]}",
	  "routes[0].gw: \"router\" is not an IP address" },
	{ "1.1.0", "{\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"::/0\",\"table\":\"main\"}]}",
	  "routes[1].table: not a number" },
	{ "1.1.0", "{\"routes\":[{\"dst\":\"0.0.0.0/0\",\"priority\":-5}]}",
	  "routes[0].priority: -5 is not a non-negative integer" },
	{ "1.1.0", "{\"routes\":[{\"dst\":\"0.0.0.0/0\",\"mtu\":1e12}]}",
	  "routes[0].mtu: 1e+12 is not a non-negative integer" },
	{ "1.0.0", "{\"dns\":[\"8.8.8.8\"]}", "dns: not an object" },
	/* 0.3.x/0.4.0 ips[].version */
	{ "0.4.0", "{\"ips\":[{\"version\":\"4\",\"address\":\"fd00::1/64\"}]}",
	  "ips[0].version: \"4\" does not match address \"fd00::1/64\"" },
	{ "0.3.1", "{\"ips\":[{\"version\":\"5\",\"address\":\"10.0.0.1/8\"}]}",
	  "ips[0].version: \"5\" is not \"4\" or \"6\"" },
	{ "0.3.0", "{\"ips\":[{\"version\":4,\"address\":\"10.0.0.1/8\"}]}",
	  "ips[0].version: not a string" },
	/* 0.1.0/0.2.0 */
	{ "0.2.0", "{\"ip4\":\"10.0.0.1/8\"}", "ip4: not an object" },
	{ "0.2.0", "{\"ip4\":{\"gateway\":\"10.0.0.1\"}}", "ip4.ip: missing" },
	{ "0.2.0", "{\"ip4\":{\"ip\":\"fd00::1/64\"}}",
	  "ip4.ip: \"fd00::1/64\" is not an IPv4 address/prefix" },
	{ "0.1.0", "{\"ip6\":{\"ip\":\"10.0.0.1/8\"}}",
	  "ip6.ip: \"10.0.0.1/8\" is not an IPv6 address/prefix" },
	{ "0.2.0", "{\"ip4\":{\"ip\":\"10.0.0.1/8\",\"gateway\":5}}", "ip4.gateway: not a string" },
	{ "0.2.0", "{\"ip6\":{\"ip\":\"fd00::1/64\",\"routes\":{}}}", "ip6.routes: not an array" },
	{ "0.2.0", "{\"ip4\":{\"ip\":\"10.0.0.1/8\",\"routes\":[{\"dst\":\"0.0.0.0/0\"},"
		   "{\"dst\":\"10.0.0.0/33\"}]}}",
	  "ip4.routes[1].dst: \"10.0.0.0/33\" is not an IP/prefix" },
};

static void test_parse_bad_input_is_error_6_naming_the_field(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		parse_fails(bad_cases[i].json, bad_cases[i].version, CNI_ERR_DECODE,
			    bad_cases[i].msg);
	}
}

static void test_parse_accepts_prefix_edges(void **state)
{
	struct cni_result *r = parse_ok(
		"{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"0.0.0.0/0\"},"
		"{\"address\":\"10.0.0.1/32\"},{\"address\":\"::/0\"},{\"address\":\"fd00::1/128\"},"
		"{\"address\":\"::ffff:10.0.0.1/120\"}]}", NULL);

	(void)state;
	assert_int_equal(r->n_ips, 5);
	result_free(r);
}

static void test_parse_string_rejects_null_text_and_non_object(void **state)
{
	struct cni_result *r = NULL;
	struct cni_err e = {0};

	(void)state;
	assert_int_equal(result_parse_string(NULL, "1.0.0", &r, &e), -1);
	assert_int_equal(e.code, CNI_ERR_DECODE);
	assert_null(r);
	assert_int_equal(result_parse(NULL, "1.0.0", &r, &e), -1);
	assert_int_equal(e.code, CNI_ERR_DECODE);
	assert_null(r);
}

/* ---- printing -------------------------------------------------------------------------------- */

struct fixture {
	const char *version;   /* the version the reference printed it in */
	const char *text;
};

static const struct fixture static_fixtures[] = {
	{ "0.1.0", STATIC_020 }, { "0.2.0", STATIC_020 }, { "0.3.0", STATIC_040 },
	{ "0.3.1", STATIC_040 }, { "0.4.0", STATIC_040 }, { "1.0.0", STATIC_100 },
	{ "1.1.0", STATIC_100 },
};

static const struct fixture macvlan_fixtures[] = {
	{ "0.1.0", MACVLAN_020 }, { "0.2.0", MACVLAN_020 }, { "0.3.0", MACVLAN_040 },
	{ "0.3.1", MACVLAN_040 }, { "0.4.0", MACVLAN_040 }, { "1.0.0", MACVLAN_100 },
	{ "1.1.0", MACVLAN_100 },
};

/* Every source version printed in every target version must equal what the reference
 * printed in the target version for the same attachment. */
static void convert_matrix(const struct fixture *fx, size_t n, size_t first_source)
{
	struct cni_result *r;
	cJSON *src, *got, *want;
	char *text, what[96];
	size_t from, to;

	for (from = first_source; from < n; from++) {
		src = expected_in(fx[from].text, fx[from].version);
		text = cJSON_PrintUnformatted(src);
		r = parse_ok(text, NULL);
		for (to = 0; to < n; to++) {
			snprintf(what, sizeof(what), "%s -> %s", fx[from].version, fx[to].version);
			got = print_ok(r, fx[to].version);
			want = expected_in(fx[to].text, fx[to].version);
			assert_json_equal(got, want, what);
			cJSON_Delete(want);
			cJSON_Delete(got);
		}
		result_free(r);
		free(text);
		cJSON_Delete(src);
	}
}

static void test_ipam_result_converts_in_every_direction_like_the_reference(void **state)
{
	(void)state;
	convert_matrix(static_fixtures, 7, 0);
}

static void test_macvlan_result_converts_in_every_direction_like_the_reference(void **state)
{
	(void)state;
	/* 0.1.0/0.2.0 sources carry no interfaces, so they cannot give back the richer shapes */
	convert_matrix(macvlan_fixtures, 7, 2);
}

static void test_to_json_orders_keys_cniversion_interfaces_ips_routes_dns(void **state)
{
	struct cni_result *r = parse_ok(FULL_110, NULL);
	cJSON *json = print_ok(r, "1.1.0");

	(void)state;
	assert_keys(json, "cniVersion,interfaces,ips,routes,dns");
	assert_keys(jget(json, "interfaces.0"), "name,mac,sandbox,mtu,pciID");
	assert_keys(jget(json, "ips.0"), "interface,address,gateway");
	assert_keys(jget(json, "routes.0"), "dst,gw,mtu,advmss,priority,table,scope");
	cJSON_Delete(json);
	json = print_ok(r, "0.4.0");
	assert_keys(jget(json, "ips.0"), "version,interface,address,gateway");
	cJSON_Delete(json);
	json = print_ok(r, "0.2.0");
	assert_keys(json, "cniVersion,ip4,ip6,dns");
	assert_keys(jget(json, "ip4"), "ip,gateway,routes");
	cJSON_Delete(json);
	result_free(r);
}

static void test_to_110_round_trips_every_field(void **state)
{
	struct cni_result *r = parse_ok(FULL_110, NULL);
	cJSON *got = print_ok(r, "1.1.0"), *want = parse_json(FULL_110);

	(void)state;
	assert_json_equal(got, want, "1.1.0 -> 1.1.0");
	/* scope 0 (universe) is a value, not an absence */
	assert_int_equal(jint(got, "routes.0.scope"), 0);
	cJSON_Delete(want);
	cJSON_Delete(got);
	result_free(r);
}

static void test_interface_and_route_extras_are_printed_only_for_110(void **state)
{
	static const char *const older[] = { "1.0.0", "0.4.0", "0.3.1", "0.3.0" };
	struct cni_result *r = parse_ok(FULL_110, NULL);
	cJSON *json;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(older) / sizeof(older[0]); i++) {
		json = print_ok(r, older[i]);
		assert_string_equal(jstr(json, "cniVersion"), older[i]);
		assert_keys(jget(json, "interfaces.0"), "name,mac,sandbox");
		assert_keys(jget(json, "interfaces.1"), "name");
		assert_keys(jget(json, "routes.0"), "dst,gw");
		assert_keys(jget(json, "routes.1"), "dst");
		cJSON_Delete(json);
	}
	result_free(r);
}

static void test_to_040_adds_ip_version_from_the_address(void **state)
{
	struct cni_result *r = parse_ok(FULL_110, NULL);
	cJSON *json = print_ok(r, "0.4.0");

	(void)state;
	assert_string_equal(jstr(json, "ips.0.version"), "4");
	assert_string_equal(jstr(json, "ips.1.version"), "6");
	assert_int_equal(jint(json, "ips.1.interface"), 1);
	cJSON_Delete(json);
	result_free(r);
}

static void test_to_100_and_110_drop_ip_version(void **state)
{
	struct cni_result *r = parse_ok(MACVLAN_040, NULL);
	cJSON *json;

	(void)state;
	json = print_ok(r, "1.0.0");
	assert_null(jget(json, "ips.0.version"));
	assert_null(jget(json, "ips.1.version"));
	assert_keys(jget(json, "ips.1"), "interface,address,gateway");
	cJSON_Delete(json);
	json = print_ok(r, "1.1.0");
	assert_null(jget(json, "ips.0.version"));
	cJSON_Delete(json);
	result_free(r);
}

static void test_to_020_keeps_first_ipv4_and_first_ipv6_only(void **state)
{
	struct cni_result *r = parse_ok(
		"{\"cniVersion\":\"1.0.0\",\"ips\":["
		"{\"address\":\"fd00::1/64\",\"gateway\":\"fd00::ff\"},"
		"{\"address\":\"10.0.0.1/24\",\"gateway\":\"10.0.0.254\"},"
		"{\"address\":\"10.0.1.1/24\"},{\"address\":\"fd01::1/64\"}]}", NULL);
	cJSON *json = print_ok(r, "0.2.0");

	(void)state;
	assert_keys(json, "cniVersion,ip4,ip6");
	assert_keys(jget(json, "ip4"), "ip,gateway");
	assert_string_equal(jstr(json, "ip4.ip"), "10.0.0.1/24");
	assert_string_equal(jstr(json, "ip4.gateway"), "10.0.0.254");
	assert_string_equal(jstr(json, "ip6.ip"), "fd00::1/64");
	assert_string_equal(jstr(json, "ip6.gateway"), "fd00::ff");
	cJSON_Delete(json);
	result_free(r);
}

static void test_to_020_keeps_first_ipv4_only_when_no_ipv6(void **state)
{
	struct cni_result *r = parse_ok(
		"{\"cniVersion\":\"0.4.0\",\"ips\":[{\"version\":\"4\",\"address\":\"10.0.0.1/24\"},"
		"{\"version\":\"4\",\"address\":\"10.0.0.2/24\"}]}", NULL);
	cJSON *json = print_ok(r, "0.1.0");

	(void)state;
	assert_keys(json, "cniVersion,ip4");
	assert_keys(jget(json, "ip4"), "ip");
	assert_string_equal(jstr(json, "ip4.ip"), "10.0.0.1/24");
	cJSON_Delete(json);
	result_free(r);
}

static void test_to_020_sends_each_route_to_the_family_of_its_dst(void **state)
{
	struct cni_result *r = parse_ok(
		"{\"cniVersion\":\"1.1.0\",\"ips\":[{\"address\":\"10.0.0.1/24\"},"
		"{\"address\":\"fd00::1/64\"}],\"routes\":["
		"{\"dst\":\"::/0\",\"gw\":\"fd00::ff\",\"table\":5},"
		"{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.0.0.254\",\"mtu\":1400},"
		"{\"dst\":\"192.168.0.0/16\"},{\"dst\":\"fd10::/16\"}]}", NULL);
	cJSON *json = print_ok(r, "0.2.0");

	(void)state;
	assert_int_equal(jsize(json, "ip4.routes"), 2);
	assert_string_equal(jstr(json, "ip4.routes.0.dst"), "0.0.0.0/0");
	assert_string_equal(jstr(json, "ip4.routes.0.gw"), "10.0.0.254");
	assert_keys(jget(json, "ip4.routes.0"), "dst,gw");   /* mtu does not exist in 0.2.0 */
	assert_string_equal(jstr(json, "ip4.routes.1.dst"), "192.168.0.0/16");
	assert_int_equal(jsize(json, "ip6.routes"), 2);
	assert_string_equal(jstr(json, "ip6.routes.0.dst"), "::/0");
	assert_keys(jget(json, "ip6.routes.0"), "dst,gw");
	assert_string_equal(jstr(json, "ip6.routes.1.dst"), "fd10::/16");
	assert_null(jget(json, "routes"));
	assert_null(jget(json, "ips"));
	cJSON_Delete(json);
	result_free(r);
}

static void test_to_020_drops_routes_of_a_family_without_address(void **state)
{
	struct cni_result *r = parse_ok(
		"{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.1/24\"}],"
		"\"routes\":[{\"dst\":\"::/0\"},{\"dst\":\"0.0.0.0/0\"}]}", NULL);
	cJSON *json = print_ok(r, "0.2.0");

	(void)state;
	assert_keys(json, "cniVersion,ip4");
	assert_int_equal(jsize(json, "ip4.routes"), 1);
	assert_string_equal(jstr(json, "ip4.routes.0.dst"), "0.0.0.0/0");
	cJSON_Delete(json);
	result_free(r);
}

static void test_to_020_drops_interfaces_and_keeps_dns(void **state)
{
	struct cni_result *r = parse_ok(FULL_110, NULL);
	cJSON *json = print_ok(r, "0.2.0");

	(void)state;
	assert_null(jget(json, "interfaces"));
	assert_string_equal(jstr(json, "dns.nameservers.0"), "164.124.101.2");
	cJSON_Delete(json);
	result_free(r);
}

static void test_to_020_of_l2_only_result_is_error_1(void **state)
{
	static const char *const old[] = { "0.2.0", "0.1.0" };
	struct cni_result *r = parse_ok(
		"{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\","
		"\"mac\":\"76:8f:3f:33:39:4d\",\"sandbox\":\"/run/netns/p\"}],"
		"\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}", NULL);
	struct cni_err e;
	char want[128];
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		memset(&e, 0, sizeof(e));
		assert_null(result_to_json(r, old[i], &e));
		assert_int_equal(e.code, CNI_ERR_INCOMPATIBLE_VERSION);
		snprintf(want, sizeof(want),
			 "cannot convert result to cniVersion %s: it has no IP address", old[i]);
		assert_string_equal(e.msg, want);
	}
	result_free(r);
}

static void test_to_json_unknown_version_is_error_1(void **state)
{
	static const char *const bad[] = { "1.0", "2.0.0", "0.5.0", "" };
	struct cni_result *r = parse_ok(STATIC_100, NULL);
	struct cni_err e;
	char want[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		assert_null(result_to_json(r, bad[i], &e));
		assert_int_equal(e.code, CNI_ERR_INCOMPATIBLE_VERSION);
		snprintf(want, sizeof(want),
			 "cannot convert result to cniVersion \"%s\": unsupported version", bad[i]);
		assert_string_equal(e.msg, want);
	}
	memset(&e, 0, sizeof(e));
	assert_null(result_to_json(r, NULL, &e));
	assert_int_equal(e.code, CNI_ERR_INCOMPATIBLE_VERSION);
	result_free(r);
}

static void test_to_json_omits_empty_arrays_and_absent_fields(void **state)
{
	struct cni_result *r = result_new();
	cJSON *json;

	(void)state;
	assert_non_null(r);
	assert_int_equal(result_add_ip(r, "10.0.0.5/24", NULL, -1), 0);
	json = print_ok(r, "1.1.0");
	assert_keys(json, "cniVersion,ips");
	assert_keys(jget(json, "ips.0"), "address");
	cJSON_Delete(json);
	result_free(r);

	/* a result with nothing in it prints as just its version */
	r = result_new();
	assert_non_null(r);
	json = print_ok(r, "1.0.0");
	assert_keys(json, "cniVersion");
	cJSON_Delete(json);
	result_free(r);
}

static void test_to_json_omits_empty_dns(void **state)
{
	struct cni_result *r = parse_ok(MACVLAN_100, NULL);
	cJSON *json;

	(void)state;
	assert_non_null(r->dns);
	json = print_ok(r, "1.0.0");
	assert_null(jget(json, "dns"));
	cJSON_Delete(json);
	json = print_ok(r, "0.2.0");
	assert_null(jget(json, "dns"));
	cJSON_Delete(json);
	result_free(r);
}

/* ---- building, merging, copying ------------------------------------------------------------- */

static void test_add_returns_indexes_and_copies_strings(void **state)
{
	struct cni_result *r = result_new();
	char name[] = "eth0", addr[] = "10.0.0.5/24", dst[] = "0.0.0.0/0";
	cJSON *json;

	(void)state;
	assert_non_null(r);
	assert_int_equal(result_add_iface(r, name, "aa:bb:cc:dd:ee:ff", "/run/netns/p"), 0);
	assert_int_equal(result_add_iface(r, "eth1", NULL, NULL), 1);
	assert_int_equal(result_add_ip(r, addr, "10.0.0.1", 1), 0);
	assert_int_equal(result_add_route(r, dst, "10.0.0.1"), 0);
	assert_int_equal(result_add_route(r, "fd00::/8", NULL), 1);
	assert_int_equal(result_add_iface(r, NULL, NULL, NULL), -1);
	assert_int_equal(result_add_ip(r, NULL, NULL, 0), -1);
	assert_int_equal(result_add_route(r, NULL, NULL), -1);
	assert_int_equal(result_add_ip(NULL, "10.0.0.6/24", NULL, 0), -1);
	/* the caller's buffers may change after the call */
	name[0] = addr[0] = dst[0] = 'X';
	assert_int_equal(r->n_ifaces, 2);
	assert_int_equal(r->n_ips, 1);
	assert_int_equal(r->n_routes, 2);
	assert_string_equal(r->ifaces[0].name, "eth0");
	assert_int_equal(r->ifaces[0].mtu, 0);
	assert_string_equal(r->ips[0].address, "10.0.0.5/24");
	assert_int_equal(r->routes[0].scope, -1);
	json = print_ok(r, "1.1.0");
	assert_keys(jget(json, "interfaces.1"), "name");
	assert_int_equal(jint(json, "ips.0.interface"), 1);
	assert_keys(jget(json, "routes.0"), "dst,gw");   /* -1 fields stay out even in 1.1.0 */
	assert_keys(jget(json, "routes.1"), "dst");
	cJSON_Delete(json);
	result_free(r);
}

static void test_merge_rebases_interface_indexes_of_b(void **state)
{
	struct cni_result *a = parse_ok(MACVLAN_100, NULL);
	struct cni_result *b = parse_ok(FULL_110, NULL);
	struct cni_result *ipam = parse_ok(STATIC_100, NULL);

	(void)state;
	assert_int_equal(result_merge(a, b), 0);
	assert_int_equal(a->n_ifaces, 3);
	assert_string_equal(a->ifaces[0].name, "eth0");
	assert_string_equal(a->ifaces[1].name, "net1");
	assert_string_equal(a->ifaces[2].name, "vhu0");
	assert_int_equal(a->ifaces[1].mtu, 9000);
	assert_int_equal(a->n_ips, 4);
	assert_int_equal(a->ips[0].interface, 0);
	assert_int_equal(a->ips[1].interface, 0);
	assert_int_equal(a->ips[2].interface, 1);   /* was 0 in b */
	assert_int_equal(a->ips[3].interface, 2);   /* was 1 in b */
	assert_string_equal(a->ips[3].address, "fd00:1::10/64");
	assert_int_equal(a->n_routes, 5);
	assert_string_equal(a->routes[3].dst, "0.0.0.0/0");
	assert_int_equal(a->routes[3].table, 200);
	assert_string_equal(a->cni_version, "1.0.0");
	/* b is untouched */
	assert_int_equal(b->n_ifaces, 2);
	assert_int_equal(b->ips[1].interface, 1);

	/* an IP with no interface stays with none */
	assert_int_equal(result_merge(a, ipam), 0);
	assert_int_equal(a->n_ips, 6);
	assert_int_equal(a->ips[4].interface, -1);
	assert_int_equal(a->ips[5].interface, -1);
	result_free(ipam);
	result_free(b);
	result_free(a);
}

static void test_merge_keeps_dns_of_a_and_takes_b_dns_only_when_a_has_none(void **state)
{
	struct cni_result *a = parse_ok(STATIC_100, NULL);
	struct cni_result *b = parse_ok(FULL_110, NULL);
	struct cni_result *c = parse_ok(MACVLAN_100, NULL);   /* dns {} counts as none */
	struct cni_result *d = parse_ok("{\"cniVersion\":\"1.0.0\"}", NULL);

	(void)state;
	assert_int_equal(result_merge(a, b), 0);
	assert_string_equal(jstr(a->dns, "nameservers.0"), "8.8.8.8");
	assert_int_equal(result_merge(c, b), 0);
	assert_string_equal(jstr(c->dns, "nameservers.0"), "164.124.101.2");
	assert_int_equal(result_merge(d, b), 0);
	assert_string_equal(jstr(d->dns, "nameservers.0"), "164.124.101.2");
	result_free(b);
	/* deep copies: a, c and d still hold b's strings and dns after b is gone */
	assert_string_equal(c->dns->child->child->valuestring, "164.124.101.2");
	assert_string_equal(d->ifaces[1].socket_path, "/var/run/vhost/vhu0.sock");
	assert_string_equal(a->ips[2].gateway, "172.16.1.1");
	result_free(a);
	result_free(c);
	result_free(d);
}

static void test_merge_into_empty_result_copies_b(void **state)
{
	struct cni_result *a = result_new();
	struct cni_result *b = parse_ok(FULL_110, NULL);
	cJSON *got, *want;

	(void)state;
	assert_non_null(a);
	assert_int_equal(result_merge(a, b), 0);
	assert_int_equal(result_merge(a, NULL), 0);
	assert_int_equal(result_merge(NULL, b), -1);
	got = print_ok(a, "1.1.0");
	want = print_ok(b, "1.1.0");
	assert_json_equal(got, want, "merged into empty");
	cJSON_Delete(got);
	cJSON_Delete(want);
	result_free(a);
	result_free(b);
}

static void test_merge_of_a_result_with_itself_doubles_it(void **state)
{
	struct cni_result *a = parse_ok(FULL_110, NULL);

	(void)state;
	assert_int_equal(result_merge(a, a), 0);
	assert_int_equal(a->n_ifaces, 4);
	assert_int_equal(a->n_ips, 4);
	assert_int_equal(a->ips[3].interface, 3);
	assert_string_equal(a->ifaces[3].name, "vhu0");
	result_free(a);
}

static void test_dup_is_a_deep_equal_copy(void **state)
{
	struct cni_result *r = parse_ok(FULL_110, NULL);
	struct cni_result *copy = result_dup(r);
	cJSON *want = print_ok(r, "1.1.0"), *got;

	(void)state;
	assert_non_null(copy);
	assert_ptr_not_equal(copy->ifaces, r->ifaces);
	assert_ptr_not_equal(copy->ips[0].address, r->ips[0].address);
	assert_ptr_not_equal(copy->dns, r->dns);
	result_free(r);
	assert_string_equal(copy->cni_version, "1.1.0");
	got = print_ok(copy, "1.1.0");
	assert_json_equal(got, want, "dup");
	cJSON_Delete(got);
	cJSON_Delete(want);
	result_free(copy);
}

static void test_dup_and_free_accept_null(void **state)
{
	struct cni_result *empty = result_new(), *copy;

	(void)state;
	assert_null(result_dup(NULL));
	result_free(NULL);
	copy = result_dup(empty);
	assert_non_null(copy);
	assert_int_equal(copy->n_ifaces + copy->n_ips + copy->n_routes, 0);
	assert_null(copy->cni_version);
	assert_null(copy->dns);
	result_free(copy);
	result_free(empty);
}

static void test_attachment_puts_every_ipam_address_on_the_interface(void **state)
{
	struct cni_result *ipam = result_new(), *r;
	cJSON *conf_dns = cJSON_Parse("{\"nameservers\":[\"10.0.0.53\"]}");
	cJSON *empty = cJSON_CreateObject();

	(void)state;
	assert_int_equal(result_add_ip(ipam, "10.1.0.5/24", "10.1.0.1", -1), 0);
	assert_int_equal(result_add_ip(ipam, "fd00::5/64", NULL, -1), 1);
	assert_int_equal(result_add_route(ipam, "0.0.0.0/0", "10.1.0.1"), 0);
	ipam->dns = cJSON_Parse("{\"nameservers\":[\"1.1.1.1\"]}");

	r = result_attachment_new("net1", "02:00:00:00:00:01", "/run/netns/p", conf_dns, ipam);
	assert_non_null(r);
	assert_int_equal(r->n_ifaces, 1);
	assert_string_equal(r->ifaces[0].name, "net1");
	assert_int_equal(r->n_ips, 2);
	assert_int_equal(r->ips[0].interface, 0);
	assert_int_equal(r->ips[1].interface, 0);
	assert_int_equal(r->n_routes, 1);
	/* the config's dns wins */
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(r->dns, "nameservers"), 0)
			    ->valuestring, "10.0.0.53");
	result_free(r);

	/* an empty config dns leaves the IPAM's; no IPAM gives an L2-only result */
	r = result_attachment_new("net1", NULL, NULL, empty, ipam);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(r->dns, "nameservers"), 0)
			    ->valuestring, "1.1.1.1");
	result_free(r);
	r = result_attachment_new("eth0", NULL, NULL, NULL, NULL);
	assert_int_equal(r->n_ips, 0);
	assert_null(r->dns);
	result_free(r);
	result_free(ipam);
	cJSON_Delete(conf_dns);
	cJSON_Delete(empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_020_turns_ip4_ip6_into_ips_and_appends_their_routes),
		cmocka_unit_test(test_parse_010_reads_the_same_shape_as_020),
		cmocka_unit_test(test_parse_040_reads_interfaces_ips_routes_of_macvlan),
		cmocka_unit_test(test_parse_030_and_031_read_the_040_shape),
		cmocka_unit_test(test_parse_100_reads_ipam_result_without_interfaces),
		cmocka_unit_test(test_parse_110_keeps_interface_and_route_extras),
		cmocka_unit_test(test_parse_null_members_count_as_absent),
		cmocka_unit_test(test_parse_copies_every_string),
		cmocka_unit_test(test_parse_prevresult_without_cniversion_takes_the_given_one),
		cmocka_unit_test(test_parse_own_cniversion_wins_over_the_given_one),
		cmocka_unit_test(test_parse_unknown_version_is_error_1_naming_it),
		cmocka_unit_test(test_parse_unknown_version_lists_supported_ones_in_details),
		cmocka_unit_test(test_parse_bad_input_is_error_6_naming_the_field),
		cmocka_unit_test(test_parse_accepts_prefix_edges),
		cmocka_unit_test(test_parse_string_rejects_null_text_and_non_object),
		cmocka_unit_test(test_ipam_result_converts_in_every_direction_like_the_reference),
		cmocka_unit_test(test_macvlan_result_converts_in_every_direction_like_the_reference),
		cmocka_unit_test(test_to_json_orders_keys_cniversion_interfaces_ips_routes_dns),
		cmocka_unit_test(test_to_110_round_trips_every_field),
		cmocka_unit_test(test_interface_and_route_extras_are_printed_only_for_110),
		cmocka_unit_test(test_to_040_adds_ip_version_from_the_address),
		cmocka_unit_test(test_to_100_and_110_drop_ip_version),
		cmocka_unit_test(test_to_020_keeps_first_ipv4_and_first_ipv6_only),
		cmocka_unit_test(test_to_020_keeps_first_ipv4_only_when_no_ipv6),
		cmocka_unit_test(test_to_020_sends_each_route_to_the_family_of_its_dst),
		cmocka_unit_test(test_to_020_drops_routes_of_a_family_without_address),
		cmocka_unit_test(test_to_020_drops_interfaces_and_keeps_dns),
		cmocka_unit_test(test_to_020_of_l2_only_result_is_error_1),
		cmocka_unit_test(test_to_json_unknown_version_is_error_1),
		cmocka_unit_test(test_to_json_omits_empty_arrays_and_absent_fields),
		cmocka_unit_test(test_to_json_omits_empty_dns),
		cmocka_unit_test(test_add_returns_indexes_and_copies_strings),
		cmocka_unit_test(test_merge_rebases_interface_indexes_of_b),
		cmocka_unit_test(test_merge_keeps_dns_of_a_and_takes_b_dns_only_when_a_has_none),
		cmocka_unit_test(test_merge_into_empty_result_copies_b),
		cmocka_unit_test(test_merge_of_a_result_with_itself_doubles_it),
		cmocka_unit_test(test_dup_is_a_deep_equal_copy),
		cmocka_unit_test(test_dup_and_free_accept_null),
		cmocka_unit_test(test_attachment_puts_every_ipam_address_on_the_interface),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

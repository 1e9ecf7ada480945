/* The network configuration: the common keys, the errors that name the key, the name and
 * interface rules of the spec, MAC parsing and prevResult. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "conf.h"

static int parse(const char *text, struct cni_conf *c, struct cni_err *e)
{
	return conf_parse(text, strlen(text), c, e);
}

static void expect_error(const char *text, int code, const char *fragment)
{
	struct cni_conf c;
	struct cni_err e = { 0 };

	if (parse(text, &c, &e) != -1)
		fail_msg("accepted: %s", text);
	if (e.code != code)
		fail_msg("%s: code %d, want %d (%s)", text, e.code, code, e.msg);
	if (!strstr(e.msg, fragment) && !strstr(e.details, fragment))
		fail_msg("%s: message \"%s\" lacks \"%s\"", text, e.msg, fragment);
	assert_null(c.root);   /* freed on failure */
}

static void test_common_keys_are_read(void **state)
{
	struct cni_conf c;
	struct cni_err e = { 0 };

	(void)state;
	assert_int_equal(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"net-1\",\"type\":\"macvlan\","
			       "\"logFile\":\"/tmp/x.log\",\"logLevel\":\"debug\",\"stateDir\":\"/s\","
			       "\"ipam\":{\"type\":\"vdhcp\"},\"runtimeConfig\":{\"mac\":\"x\"},"
			       "\"args\":{\"cni\":{\"vdnId\":\"v1\"}}}", &c, &e), 0);
	assert_string_equal(c.cni_version, "1.0.0");
	assert_string_equal(c.name, "net-1");
	assert_string_equal(c.type, "macvlan");
	assert_string_equal(c.ipam_type, "vdhcp");
	assert_string_equal(c.log_file, "/tmp/x.log");
	assert_string_equal(c.log_level, "debug");
	assert_string_equal(c.state_dir, "/s");
	assert_non_null(c.runtime_config);
	assert_string_equal(cJSON_GetObjectItem(c.args_cni, "vdnId")->valuestring, "v1");
	assert_null(c.prev_result);
	conf_free(&c);
	assert_null(c.root);
}

static void test_missing_version_means_010(void **state)
{
	struct cni_conf c;
	struct cni_err e = { 0 };

	(void)state;
	assert_int_equal(parse("{\"name\":\"n\",\"type\":\"t\"}", &c, &e), 0);
	assert_string_equal(c.cni_version, "0.1.0");
	conf_free(&c);
}

static void test_empty_ipam_means_no_ipam(void **state)
{
	struct cni_conf c;
	struct cni_err e = { 0 };

	(void)state;
	assert_int_equal(parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"ipam\":{}}", &c, &e), 0);
	assert_null(c.ipam);
	assert_null(c.ipam_type);
	conf_free(&c);
	assert_int_equal(parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"ipam\":null}", &c, &e), 0);
	assert_null(c.ipam);
	conf_free(&c);
}

static void test_bad_configs_are_named_errors(void **state)
{
	(void)state;
	expect_error("", CNI_ERR_DECODE, "not a JSON object");
	expect_error("{\"name\":", CNI_ERR_DECODE, "not a JSON object");
	expect_error("[1,2]", CNI_ERR_DECODE, "not a JSON object");
	expect_error("{\"cniVersion\":\"9.9.9\",\"name\":\"n\"}", CNI_ERR_INCOMPATIBLE_VERSION,
		     "config is \"9.9.9\"");
	expect_error("{\"cniVersion\":\"1.0\",\"name\":\"n\"}", CNI_ERR_INCOMPATIBLE_VERSION,
		     "incompatible CNI versions");
	expect_error("{\"cniVersion\":1,\"name\":\"n\"}", CNI_ERR_INVALID_CONFIG,
		     "\"cniVersion\" must be a string, not a number");
	expect_error("{\"cniVersion\":\"1.0.0\"}", CNI_ERR_INVALID_CONFIG, "missing network name");
	expect_error("{\"cniVersion\":\"1.0.0\",\"name\":\"\"}", CNI_ERR_INVALID_CONFIG,
		     "missing network name");
	expect_error("{\"cniVersion\":\"1.0.0\",\"name\":\"-n\"}", CNI_ERR_INVALID_CONFIG,
		     "invalid network name \"-n\"");
	expect_error("{\"cniVersion\":\"1.0.0\",\"name\":\"a b\"}", CNI_ERR_INVALID_CONFIG,
		     "invalid network name");
	expect_error("{\"cniVersion\":\"1.0.0\",\"name\":[\"n\"]}", CNI_ERR_INVALID_CONFIG,
		     "\"name\" must be a string, not a list");
	expect_error("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"ipam\":\"vdhcp\"}",
		     CNI_ERR_INVALID_CONFIG, "\"ipam\" must be an object");
	expect_error("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"ipam\":{\"servers\":[]}}",
		     CNI_ERR_INVALID_CONFIG, "ipam: missing \"type\"");
	expect_error("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"ipam\":{\"type\":7}}",
		     CNI_ERR_INVALID_CONFIG, "ipam: \"type\" must be a string");
	expect_error("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":[]}",
		     CNI_ERR_INVALID_CONFIG, "\"runtimeConfig\" must be an object");
	expect_error("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"logLevel\":\"loud\"}",
		     CNI_ERR_INVALID_CONFIG, "\"logLevel\": \"loud\" is not one of");
	expect_error("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"logFile\":false}",
		     CNI_ERR_INVALID_CONFIG, "\"logFile\" must be a string, not a boolean");
}

static void test_prev_result_is_parsed_in_the_config_version(void **state)
{
	struct cni_conf c;
	struct cni_err e = { 0 };

	(void)state;
	/* no cniVersion inside prevResult: the config's 0.4.0 applies, so `version` is legal */
	assert_int_equal(parse("{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"prevResult\":{"
			       "\"interfaces\":[{\"name\":\"eth0\",\"sandbox\":\"/run/netns/p\"}],"
			       "\"ips\":[{\"version\":\"4\",\"address\":\"10.1.0.5/24\","
			       "\"interface\":0}]}}", &c, &e), 0);
	assert_non_null(c.prev_result);
	assert_int_equal(c.prev_result->n_ifaces, 1);
	assert_string_equal(c.prev_result->ifaces[0].name, "eth0");
	assert_int_equal(c.prev_result->n_ips, 1);
	assert_string_equal(c.prev_result->ips[0].address, "10.1.0.5/24");
	assert_int_equal(c.prev_result->ips[0].interface, 0);
	conf_free(&c);

	/* an old-style prevResult in a 0.2.0 config */
	assert_int_equal(parse("{\"cniVersion\":\"0.2.0\",\"name\":\"n\",\"prevResult\":{"
			       "\"ip4\":{\"ip\":\"10.2.0.5/16\",\"gateway\":\"10.2.0.1\"}}}", &c, &e),
			 0);
	assert_string_equal(c.prev_result->ips[0].gateway, "10.2.0.1");
	conf_free(&c);
}

static void test_bad_prev_result_is_named(void **state)
{
	(void)state;
	expect_error("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"prevResult\":{\"ips\":[{\"address\":"
		     "\"10.0.0.300/24\"}]}}", CNI_ERR_DECODE, "prevResult: ips[0].address");
	expect_error("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"prevResult\":{\"ips\":[{\"address\":"
		     "\"10.0.0.3/24\",\"interface\":2}]}}", CNI_ERR_DECODE, "prevResult:");
}

static void test_typed_getters(void **state)
{
	cJSON *o = cJSON_Parse("{\"s\":\"x\",\"b\":true,\"i\":7,\"f\":1.5,\"big\":70000,"
			       "\"l\":[\"a\",\"b\"],\"one\":\"c\",\"bad\":[\"a\",1],\"nul\":null}");
	struct cni_err e = { 0 };
	const char *s = NULL, **list = NULL;
	bool b = false;
	long i = 0;
	double d = 0;
	int n = 0;

	(void)state;
	assert_int_equal(conf_get_string(o, "s", &s, &e), 0);
	assert_string_equal(s, "x");
	assert_int_equal(conf_get_string(o, "absent", &s, &e), 0);
	assert_string_equal(s, "x");   /* absent leaves the default */
	assert_int_equal(conf_get_string(o, "nul", &s, &e), 0);
	assert_int_equal(conf_get_bool(o, "b", &b, &e), 0);
	assert_true(b);
	assert_int_equal(conf_get_bool(o, "s", &b, &e), -1);
	assert_string_equal(e.msg, "\"s\" must be true or false, not a string");
	assert_int_equal(conf_get_int(o, "i", 0, 10, &i, &e), 0);
	assert_int_equal(i, 7);
	assert_int_equal(conf_get_int(o, "f", 0, 10, &i, &e), -1);
	assert_string_equal(e.msg, "\"f\" must be an integer, not a fraction");
	assert_int_equal(conf_get_int(o, "big", 0, 65535, &i, &e), -1);
	assert_string_equal(e.msg, "\"big\": 70000 is outside [0, 65535]");
	assert_int_equal(conf_get_double(o, "f", 0, 1, &d, &e), -1);
	assert_int_equal(e.code, CNI_ERR_INVALID_CONFIG);
	assert_int_equal(conf_get_double(o, "f", 0, 2, &d, &e), 0);
	assert_true(d == 1.5);
	assert_int_equal(conf_get_strings(o, "one", &list, &n, &e), 0);
	assert_int_equal(conf_get_strings(o, "l", &list, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0], "c");
	assert_string_equal(list[2], "b");
	assert_int_equal(conf_get_strings(o, "bad", &list, &n, &e), -1);
	assert_string_equal(e.msg, "\"bad\"[1] must be a non-empty string");
	assert_int_equal(conf_get_strings(o, "i", &list, &n, &e), -1);
	free(list);
	cJSON_Delete(o);
}

static void test_container_id_and_network_name_rule(void **state)
{
	(void)state;
	assert_true(conf_valid_id("a"));
	assert_true(conf_valid_id("0abc_d.e-f"));
	assert_false(conf_valid_id(""));
	assert_false(conf_valid_id(NULL));
	assert_false(conf_valid_id("_a"));
	assert_false(conf_valid_id(".a"));
	assert_false(conf_valid_id("a/b"));
	assert_false(conf_valid_id("../x"));
	assert_false(conf_valid_id("a b"));
	assert_false(conf_valid_id("a:b"));
}

static void test_ifname_rules(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_true(conf_valid_ifname("eth0", &why));
	assert_true(conf_valid_ifname("123456789012345", &why));
	assert_false(conf_valid_ifname("1234567890123456", &why));
	assert_string_equal(why, "interface name is too long (at most 15 bytes)");
	assert_false(conf_valid_ifname("", &why));
	assert_false(conf_valid_ifname(NULL, &why));
	assert_false(conf_valid_ifname(".", &why));
	assert_false(conf_valid_ifname("..", &why));
	assert_true(conf_valid_ifname("...", &why));
	assert_false(conf_valid_ifname("a/b", &why));
	assert_false(conf_valid_ifname("a:b", &why));
	assert_false(conf_valid_ifname("a b", &why));
	assert_false(conf_valid_ifname("a\tb", &why));
	assert_false(conf_valid_ifname("a\nb", NULL));
}

static void test_mac_parsing(void **state)
{
	unsigned char m[6];

	(void)state;
	assert_true(conf_parse_mac("aa:BB:cc:00:01:ff", m));
	assert_int_equal(m[0], 0xaa);
	assert_int_equal(m[1], 0xbb);
	assert_int_equal(m[5], 0xff);
	assert_false(conf_parse_mac("aa:bb:cc:dd:ee", m));
	assert_false(conf_parse_mac("aa:bb:cc:dd:ee:ff:00", m));
	assert_false(conf_parse_mac("aa-bb-cc-dd-ee-ff", m));
	assert_false(conf_parse_mac("aa:bb:cc:dd:ee:fg", m));
	assert_false(conf_parse_mac(" a:bb:cc:dd:ee:ff", m));
	assert_false(conf_parse_mac("", m));
	assert_false(conf_parse_mac(NULL, m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_keys_are_read),
		cmocka_unit_test(test_missing_version_means_010),
		cmocka_unit_test(test_empty_ipam_means_no_ipam),
		cmocka_unit_test(test_bad_configs_are_named_errors),
		cmocka_unit_test(test_prev_result_is_parsed_in_the_config_version),
		cmocka_unit_test(test_bad_prev_result_is_named),
		cmocka_unit_test(test_typed_getters),
		cmocka_unit_test(test_container_id_and_network_name_rule),
		cmocka_unit_test(test_ifname_rules),
		cmocka_unit_test(test_mac_parsing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

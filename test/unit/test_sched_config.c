/* vdno-scheduler's configuration: a full good file, the defaults, and every error with the
 * message an operator sees. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "config.h"

static char dir[64];

static void file_write(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void file_remove(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_sched_config.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	file_write("dj.conf", "apiVersion: v1\nkind: Config\n");
	file_write("sel.conf", "apiVersion: v1\nkind: Config\n");
	file_write("onos.pass", "s3cret\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	file_remove("dj.conf");
	file_remove("sel.conf");
	file_remove("onos.pass");
	file_remove("config.json");
	rmdir(dir);
	return 0;
}

/* One region that passes, for error cases to vary one key of. */
#define REGION(id, more) \
	"{\"id\":\"" id "\",\"mode\":\"general\",\"config\":\"dj.conf\",\"city\":\"Daejeon\"," \
	"\"macAddress\":\"00:00:00:00:0d:0" id "\"" more "}"

static void assert_config_error(const char *json, const char *message)
{
	struct sched_config c;
	struct cni_err e = { 0 };

	if (sched_config_parse(json, strlen(json), dir, &c, &e) == 0)
		fail_msg("accepted: %s", json);
	assert_int_equal(e.code, CNI_ERR_INVALID_CONFIG);
	assert_string_equal(e.msg, message);
	assert_null(c.regions);
}

static const char good[] =
	"{ \"regions\": [\n"
	"    { \"id\": \"dj\", \"name\": \"Daejeon\", \"mode\": \"dedicated\", \"config\": \"dj.conf\",\n"
	"      \"namespace\": \"vdno\", \"macAddress\": \"00:00:00:00:0d:01\", \"city\": \"Daejeon\",\n"
	"      \"weights\": {\"Daejeon\": 1.0, \"Seoul\": 0.8, \"Busan\": 0.6, \"Chicago\": 0.2},\n"
	"      \"dataVolume\": 120 },\n"
	"    { \"id\": \"sel\", \"mode\": \"general\", \"config\": \"sel.conf\",\n"
	"      \"macAddress\": \"00:00:00:00:0D:02\", \"city\": \"Seoul\" } ],\n"
	"  \"onos\": { \"url\": \"http://127.0.0.1:8181/onos/v1/\", \"user\": \"onos\",\n"
	"            \"password\": \"rocks\", \"passwordFile\": \"onos.pass\",\n"
	"            \"deviceCities\": {\"of:0000000000000001\": \"Daejeon\"} },\n"
	"  \"selection\": { \"alpha\": 0.6, \"beta\": 0.3, \"gammaCpu\": 0.5, \"gammaMemory\": 0.3,\n"
	"                 \"gammaStorage\": 0.2 },\n"
	"  \"timeoutMs\": 2500 }\n";

static void test_good_config_is_read_in_full(void **state)
{
	struct sched_config c;
	struct cni_err e = { 0 };
	const struct region_config *dj, *sel;
	char path[256];

	(void)state;
	file_write("config.json", good);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	if (sched_config_load(path, &c, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(c.n_regions, 2);
	dj = &c.regions[0];
	assert_string_equal(dj->id, "dj");
	assert_string_equal(dj->name, "Daejeon");
	assert_int_equal(dj->mode, REGION_MODE_DEDICATED);
	assert_string_equal(region_mode_plugin(dj->mode), "host-device");
	snprintf(path, sizeof(path), "%s/dj.conf", dir);
	assert_string_equal(dj->kubeconfig, path);  /* relative to the config's folder */
	assert_string_equal(dj->namespace, "vdno");
	assert_string_equal(dj->mac_address, "00:00:00:00:0D:01");
	assert_string_equal(dj->city, "Daejeon");
	assert_int_equal(dj->n_weights, 4);
	assert_true(dj->data_volume == 120);
	assert_true(region_weight(dj, "Seoul") == 0.8);
	assert_true(region_weight(dj, "seoul") == 0.8);
	assert_true(region_weight(dj, "Chicago") == 0.2);
	assert_true(region_weight(dj, "Tokyo") == 0);
	assert_true(region_weight(dj, NULL) == 0);

	sel = sched_config_region(&c, "sel");
	assert_ptr_equal(sel, &c.regions[1]);
	assert_null(sched_config_region(&c, "bs"));
	assert_string_equal(sel->name, "sel");
	assert_string_equal(sel->namespace, "default");
	assert_int_equal(sel->mode, REGION_MODE_GENERAL);
	assert_string_equal(region_mode_plugin(sel->mode), "macvlan");
	assert_true(sel->data_volume == 0);
	/* No weights: its own city 1, every other 0. */
	assert_true(region_weight(sel, "Seoul") == 1);
	assert_true(region_weight(sel, "Daejeon") == 0);

	assert_true(c.onos.configured);
	assert_string_equal(c.onos.url, "http://127.0.0.1:8181/onos/v1");
	assert_string_equal(c.onos.user, "onos");
	assert_string_equal(c.onos.password, "s3cret");  /* the file wins */
	assert_string_equal(c.onos.app_id, "org.kreonet.vdno");
	assert_string_equal(onos_device_city(&c.onos, "of:0000000000000001"), "Daejeon");
	assert_null(onos_device_city(&c.onos, "of:0000000000000002"));
	assert_true(c.selection.alpha == 0.6);
	assert_true(c.selection.beta == 0.3);
	assert_true(c.selection.gamma_cpu == 0.5);
	assert_true(c.selection.gamma_memory == 0.3);
	assert_true(c.selection.gamma_storage == 0.2);
	assert_int_equal(c.timeout_ms, 2500);
	sched_config_free(&c);
}

static void test_defaults(void **state)
{
	const char *json = "{\"regions\":[" REGION("1", "") "]}";
	struct sched_config c;
	struct cni_err e = { 0 };

	(void)state;
	assert_int_equal(sched_config_parse(json, strlen(json), dir, &c, &e), 0);
	assert_false(c.onos.configured);
	assert_null(c.onos.url);
	assert_true(c.selection.alpha == 0.5 && c.selection.beta == 0.5);
	assert_true(c.selection.gamma_cpu == 0.4 && c.selection.gamma_memory == 0.4 &&
		    c.selection.gamma_storage == 0.2);
	assert_int_equal(c.timeout_ms, 3000);
	assert_string_equal(c.regions[0].namespace, "default");
	sched_config_free(&c);
}

static void test_gamma_sum_tolerates_binary_rounding(void **state)
{
	/* 0.1 + 0.2 + 0.7 is 1.0000000000000002 in binary: still 1 within 1e-9. */
	const char *json = "{\"regions\":[" REGION("1", "") "],\"selection\":{\"gammaCpu\":0.1,"
			   "\"gammaMemory\":0.2,\"gammaStorage\":0.7},\"onos\":{\"url\":"
			   "\"https://onos:8181/onos/v1\"}}";
	struct sched_config c;
	struct cni_err e = { 0 };

	(void)state;
	if (sched_config_parse(json, strlen(json), dir, &c, &e) != 0)
		fail_msg("%s", e.msg);
	assert_string_equal(c.onos.app_id, "org.kreonet.vdno");
	assert_null(c.onos.password);
	sched_config_free(&c);
}

static void test_weight_outside_unit_interval(void **state)
{
	(void)state;
	assert_config_error("{\"regions\":[" REGION("1", "") "," REGION("2", "") ","
			    REGION("3", ",\"weights\":{\"Busan\":0.5,\"Seoul\":1.5}") "]}",
			    "regions[2].weights.Seoul: 1.5 is outside [0, 1]");
	assert_config_error("{\"regions\":[" REGION("1", ",\"weights\":{\"Seoul\":-0.1}") "]}",
			    "regions[0].weights.Seoul: -0.1 is outside [0, 1]");
	assert_config_error("{\"regions\":[" REGION("1", ",\"weights\":{\"Seoul\":\"high\"}") "]}",
			    "regions[0].weights.Seoul: not a number");
	assert_config_error("{\"regions\":[" REGION("1", ",\"weights\":{\"Seoul\":1,\"SEOUL\":1}")
			    "]}", "regions[0].weights.SEOUL: the city is given twice");
	assert_config_error("{\"regions\":[" REGION("1", ",\"weights\":[1]") "]}",
			    "regions[0].weights: not an object");
}

static void test_missing_and_duplicate_id(void **state)
{
	(void)state;
	assert_config_error("{\"regions\":[{\"mode\":\"general\",\"config\":\"dj.conf\"}]}",
			    "regions[0].id: missing");
	assert_config_error("{\"regions\":[{\"id\":\"\"}]}", "regions[0].id: empty");
	assert_config_error("{\"regions\":[{\"id\":7}]}", "regions[0].id: not a string");
	assert_config_error("{\"regions\":[{\"id\":\"a b\"}]}",
			    "regions[0].id: \"a b\" is not a valid id (letters, digits, '-', '_', "
			    "'.')");
	assert_config_error("{\"regions\":[" REGION("1", "") ",{\"id\":\"1\",\"mode\":\"general\"}]}",
			    "regions[1].id: \"1\" is already the id of regions[0]");
}

static void test_bad_mode(void **state)
{
	(void)state;
	assert_config_error("{\"regions\":[{\"id\":\"dj\",\"mode\":\"fast\"}]}",
			    "regions[0].mode: \"fast\" is neither dedicated nor general");
	assert_config_error("{\"regions\":[{\"id\":\"dj\",\"mode\":\"Dedicated\"}]}",
			    "regions[0].mode: \"Dedicated\" is neither dedicated nor general");
	assert_config_error("{\"regions\":[{\"id\":\"dj\"}]}", "regions[0].mode: missing");
}

static void test_bad_mac(void **state)
{
	(void)state;
	assert_config_error("{\"regions\":[{\"id\":\"dj\",\"mode\":\"general\",\"config\":"
			    "\"dj.conf\",\"macAddress\":\"00:00:00:0d:01\"}]}",
			    "regions[0].macAddress: \"00:00:00:0d:01\" is not a MAC address "
			    "(aa:bb:cc:dd:ee:ff)");
	assert_config_error("{\"regions\":[{\"id\":\"dj\",\"mode\":\"general\",\"config\":"
			    "\"dj.conf\",\"macAddress\":\"00-00-00-00-0d-01\"}]}",
			    "regions[0].macAddress: \"00-00-00-00-0d-01\" is not a MAC address "
			    "(aa:bb:cc:dd:ee:ff)");
	assert_config_error("{\"regions\":[{\"id\":\"dj\",\"mode\":\"general\",\"config\":"
			    "\"dj.conf\",\"macAddress\":\"00:00:00:00:0g:01\"}]}",
			    "regions[0].macAddress: \"00:00:00:00:0g:01\" is not a MAC address "
			    "(aa:bb:cc:dd:ee:ff)");
	assert_config_error("{\"regions\":[" REGION("1", "") ",{\"id\":\"2\",\"mode\":\"general\","
			    "\"config\":\"dj.conf\",\"macAddress\":\"00:00:00:00:0D:01\"}]}",
			    "regions[1].macAddress: 00:00:00:00:0D:01 is already the MAC of "
			    "regions[0]");
}

static void test_gamma_not_summing_to_one(void **state)
{
	(void)state;
	assert_config_error("{\"regions\":[" REGION("1", "") "],\"selection\":{\"gammaCpu\":0.5,"
			    "\"gammaMemory\":0.4,\"gammaStorage\":0.2}}",
			    "selection: gammaCpu + gammaMemory + gammaStorage = 0.5 + 0.4 + 0.2 = "
			    "1.1, not 1");
	/* One γ given alone still has to make the sum with the defaults of the others. */
	assert_config_error("{\"regions\":[" REGION("1", "") "],\"selection\":{\"gammaCpu\":1}}",
			    "selection: gammaCpu + gammaMemory + gammaStorage = 1 + 0.4 + 0.2 = "
			    "1.6, not 1");
	assert_config_error("{\"regions\":[" REGION("1", "") "],\"selection\":{\"alpha\":2}}",
			    "selection.alpha: 2 is outside [0, 1]");
	assert_config_error("{\"regions\":[" REGION("1", "") "],\"selection\":{\"beta\":-1}}",
			    "selection.beta: -1 is outside [0, 1]");
}

static void test_unreadable_kubeconfig_names_the_path(void **state)
{
	char json[512], message[512];

	(void)state;
	snprintf(json, sizeof(json), "{\"regions\":[{\"id\":\"dj\",\"mode\":\"general\","
		 "\"config\":\"missing.conf\"}]}");
	snprintf(message, sizeof(message),
		 "regions[0].config: %s/missing.conf: No such file or directory", dir);
	assert_config_error(json, message);
	assert_config_error("{\"regions\":[{\"id\":\"dj\",\"mode\":\"general\",\"config\":"
			    "\"/nonexistent/dj.conf\"}]}",
			    "regions[0].config: /nonexistent/dj.conf: No such file or directory");
	assert_config_error("{\"regions\":[" REGION("1", "") "],\"onos\":{\"url\":"
			    "\"http://onos\",\"passwordFile\":\"/nonexistent/pass\"}}",
			    "onos.passwordFile: /nonexistent/pass: No such file or directory");
}

static void test_other_errors_name_their_key(void **state)
{
	(void)state;
	assert_config_error("{}", "regions: missing");
	assert_config_error("{\"regions\":[]}", "regions: empty, no region to choose from");
	assert_config_error("{\"regions\":{}}", "regions: not an array");
	assert_config_error("[1]", "config: not a JSON object");
	assert_config_error("{\"regions\":[\n1,\n}", "config: not JSON (error near line 3)");
	assert_config_error("{\"regions\":[" REGION("1", ",\"weigths\":{}") "]}",
			    "regions[0].weigths: unknown key");
	assert_config_error("{\"region\":[]}", "region: unknown key");
	assert_config_error("{\"regions\":[" REGION("1", ",\"dataVolume\":-1") "]}",
			    "regions[0].dataVolume: -1 is below 0");
	assert_config_error("{\"regions\":[" REGION("1", "") "],\"timeoutMs\":0}",
			    "timeoutMs: 0 is outside [1, 3600000]");
	assert_config_error("{\"regions\":[" REGION("1", "") "],\"timeoutMs\":2.5}",
			    "timeoutMs: 2.5 is not a whole number of milliseconds");
	assert_config_error("{\"regions\":[{\"id\":\"dj\",\"mode\":\"general\",\"config\":"
			    "\"dj.conf\",\"macAddress\":\"00:00:00:00:0d:01\"}]}",
			    "regions[0].city: missing");
	assert_config_error("{\"regions\":[" REGION("1", "") "],\"onos\":{\"user\":\"onos\"}}",
			    "onos.url: missing");
	assert_config_error("{\"regions\":[" REGION("1", "") "],\"onos\":{\"url\":\"onos:8181\"}}",
			    "onos.url: \"onos:8181\" is not an http:// or https:// URL");
	assert_config_error("{\"regions\":[" REGION("1", "") "],\"onos\":{\"url\":\"http://o\","
			    "\"deviceCities\":{\"of:0000000000000001\":1}}}",
			    "onos.deviceCities.of:0000000000000001: not a string");
	assert_config_error("{\"regions\":[" REGION("1", "") "],\"onos\":{\"url\":\"http://o\","
			    "\"pasword\":\"x\"}}", "onos.pasword: unknown key");
}

static void test_load_prefixes_the_file_name(void **state)
{
	struct sched_config c;
	struct cni_err e = { 0 };
	char path[256], message[512];

	(void)state;
	file_write("config.json", "{\"regions\":[{\"id\":\"dj\",\"mode\":\"x\"}]}");
	snprintf(path, sizeof(path), "%s/config.json", dir);
	assert_int_equal(sched_config_load(path, &c, &e), -1);
	snprintf(message, sizeof(message),
		 "%s: regions[0].mode: \"x\" is neither dedicated nor general", path);
	assert_string_equal(e.msg, message);
	assert_int_equal(sched_config_load("/nonexistent/config.json", &c, &e), -1);
	assert_int_equal(e.code, CNI_ERR_INVALID_CONFIG);
	assert_string_equal(e.msg, "config /nonexistent/config.json: No such file or directory");
}

static void test_config_path_resolution(void **state)
{
	(void)state;
	setenv("VDNO_CONFIG", "/srv/vdno.json", 1);
	assert_string_equal(sched_config_path("/tmp/c.json"), "/tmp/c.json");
	assert_string_equal(sched_config_path(NULL), "/srv/vdno.json");
	setenv("VDNO_CONFIG", "", 1);
	assert_string_equal(sched_config_path(NULL), "/etc/vdno/config.json");
	unsetenv("VDNO_CONFIG");
	assert_string_equal(sched_config_path(""), "/etc/vdno/config.json");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_config_is_read_in_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_gamma_sum_tolerates_binary_rounding),
		cmocka_unit_test(test_weight_outside_unit_interval),
		cmocka_unit_test(test_missing_and_duplicate_id),
		cmocka_unit_test(test_bad_mode),
		cmocka_unit_test(test_bad_mac),
		cmocka_unit_test(test_gamma_not_summing_to_one),
		cmocka_unit_test(test_unreadable_kubeconfig_names_the_path),
		cmocka_unit_test(test_other_errors_name_their_key),
		cmocka_unit_test(test_load_prefixes_the_file_name),
		cmocka_unit_test(test_config_path_resolution),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

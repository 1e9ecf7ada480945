/* The REQUEST options of select/create: demands as Kubernetes quantities, --host MAC|IP[@CITY],
 * --bandwidth in bits per second, and the request annotation written on the pod. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "request.h"

static void test_demands_are_quantities(void **state)
{
	struct sched_request r = { 0 };
	struct cni_err e = { 0 };

	(void)state;
	assert_int_equal(request_set_demand(&r, RES_CPU, "500m", &e), 0);
	assert_int_equal(r.demand[RES_CPU], 500);
	assert_int_equal(request_set_demand(&r, RES_MEMORY, "4Gi", &e), 0);
	assert_int_equal(r.demand[RES_MEMORY], 4LL << 30);
	assert_int_equal(request_set_demand(&r, RES_STORAGE, "1e3", &e), 0);
	assert_int_equal(r.demand[RES_STORAGE], 1000);
	assert_true(r.demand_given[RES_CPU] && r.demand_given[RES_MEMORY] &&
		    r.demand_given[RES_STORAGE]);
	assert_int_equal(request_set_demand(&r, RES_CPU, "two", &e), -1);
	assert_non_null(strstr(e.msg, "--cpu two"));
	assert_int_equal(request_set_demand(&r, RES_MEMORY, "-1Gi", &e), -1);
	assert_non_null(strstr(e.msg, "negative"));
	request_free(&r);
}

static void test_host_mac_in_any_form_becomes_onos_form(void **state)
{
	struct sched_request r = { 0 };
	struct cni_err e = { 0 };

	(void)state;
	assert_int_equal(request_add_host(&r, "00-1b-21-5e-03-11@Seoul", &e), 0);
	assert_true(r.hosts[0].is_mac);
	assert_string_equal(r.hosts[0].address, "00:1B:21:5E:03:11");
	assert_string_equal(r.hosts[0].city, "Seoul");
	assert_string_equal(r.hosts[0].given, "00-1b-21-5e-03-11@Seoul");
	request_free(&r);
}

static void test_host_ip_with_and_without_city(void **state)
{
	struct sched_request r = { 0 };
	struct cni_err e = { 0 };

	(void)state;
	assert_int_equal(request_add_host(&r, "10.10.3.11", &e), 0);
	assert_false(r.hosts[0].is_mac);
	assert_string_equal(r.hosts[0].address, "10.10.3.11");
	assert_null(r.hosts[0].city);
	assert_int_equal(request_add_host(&r, "2001:db8::1@Chicago", &e), 0);
	assert_string_equal(r.hosts[1].address, "2001:db8::1");
	assert_string_equal(r.hosts[1].city, "Chicago");
	assert_int_equal(r.n_hosts, 2);
	request_free(&r);
}

static void test_host_errors_name_the_value(void **state)
{
	struct sched_request r = { 0 };
	struct cni_err e = { 0 };

	(void)state;
	assert_int_equal(request_add_host(&r, "host.example", &e), -1);
	assert_non_null(strstr(e.msg, "neither a MAC"));
	assert_int_equal(request_add_host(&r, "10.0.0.1@", &e), -1);
	assert_non_null(strstr(e.msg, "empty city"));
	assert_int_equal(request_add_host(&r, "00:1B:21:5E:03:11", &e), 0);
	/* the same host twice would repeat its intent key */
	assert_int_equal(request_add_host(&r, "00:1b:21:5e:03:11@Seoul", &e), -1);
	assert_non_null(strstr(e.msg, "same host"));
	assert_int_equal(r.n_hosts, 1);
	request_free(&r);
}

static void test_bandwidth_in_bits_per_second(void **state)
{
	struct cni_err e = { 0 };
	int64_t bps = 0;

	(void)state;
	assert_int_equal(request_bandwidth_parse("1G", &bps, &e), 0);
	assert_int_equal(bps, 1000000000);
	assert_int_equal(request_bandwidth_parse("500M", &bps, &e), 0);
	assert_int_equal(bps, 500000000);
	assert_int_equal(request_bandwidth_parse("2.5G", &bps, &e), 0);
	assert_int_equal(bps, 2500000000LL);
	assert_int_equal(request_bandwidth_parse("0", &bps, &e), -1);
	assert_int_equal(request_bandwidth_parse("fast", &bps, &e), -1);
	assert_non_null(strstr(e.msg, "--bandwidth fast"));
}

static void test_request_annotation_holds_what_was_asked(void **state)
{
	struct sched_request r = { 0 };
	struct cni_err e = { 0 };
	cJSON *json;
	char *text;

	(void)state;
	assert_int_equal(request_set_demand(&r, RES_CPU, "0.5", &e), 0);
	assert_int_equal(request_set_demand(&r, RES_MEMORY, "1536Mi", &e), 0);
	assert_int_equal(request_add_host(&r, "10.10.3.11@Seoul", &e), 0);
	json = request_json_new(&r, "1G");
	text = cJSON_PrintUnformatted(json);
	assert_string_equal(text, "{\"cpu\":\"500m\",\"memory\":\"1536Mi\","
			    "\"hosts\":[\"10.10.3.11@Seoul\"],\"bandwidth\":\"1G\"}");
	free(text);
	cJSON_Delete(json);
	request_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demands_are_quantities),
		cmocka_unit_test(test_host_mac_in_any_form_becomes_onos_form),
		cmocka_unit_test(test_host_ip_with_and_without_city),
		cmocka_unit_test(test_host_errors_name_the_value),
		cmocka_unit_test(test_bandwidth_in_bits_per_second),
		cmocka_unit_test(test_request_annotation_holds_what_was_asked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

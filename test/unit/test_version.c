/* Pins the version list, exact-match support, numeric ordering and the VERSION answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "version.h"

static void test_versions_list_every_spec_version_oldest_first(void **state)
{
	static const char *const want[] = {
		"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_non_null(cni_versions[i]);
		assert_string_equal(cni_versions[i], want[i]);
		if (i > 0)
			assert_true(version_cmp(cni_versions[i - 1], cni_versions[i]) < 0);
	}
	assert_null(cni_versions[i]);
	assert_string_equal(CNI_VERSION_LATEST, cni_versions[i - 1]);
}

static void test_supported_accepts_each_listed_version(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; cni_versions[i]; i++)
		assert_true(version_supported(cni_versions[i]));
}

static void test_supported_is_exact_string_match(void **state)
{
	(void)state;
	/* libcni refuses these too: "1.0" is not "1.0.0" */
	assert_false(version_supported("1.0"));
	assert_false(version_supported("0.3"));
	assert_false(version_supported("1.0.0 "));
	assert_false(version_supported(" 1.0.0"));
	assert_false(version_supported("v1.0.0"));
	assert_false(version_supported("1.2.0"));
	assert_false(version_supported("0.5.0"));
	assert_false(version_supported(""));
	assert_false(version_supported(NULL));
}

static void test_cmp_orders_components_numerically(void **state)
{
	(void)state;
	assert_int_equal(version_cmp("1.0.0", "1.0.0"), 0);
	assert_true(version_cmp("0.4.0", "1.0.0") < 0);
	assert_true(version_cmp("1.1.0", "1.0.0") > 0);
	assert_true(version_cmp("0.3.1", "0.3.0") > 0);
	/* numeric, not textual: 0.10.0 is newer than 0.9.0 */
	assert_true(version_cmp("0.10.0", "0.9.0") > 0);
	assert_true(version_cmp("0.9.0", "0.10.0") < 0);
	assert_true(version_cmp("10.0.0", "9.9.9") > 0);
}

static void test_cmp_treats_missing_components_as_zero(void **state)
{
	(void)state;
	assert_int_equal(version_cmp("1.0", "1.0.0"), 0);
	assert_int_equal(version_cmp("1", "1.0.0"), 0);
	assert_true(version_cmp("1.0", "1.0.1") < 0);
	assert_true(version_cmp("1.0.0.1", "1.0.0") > 0);
}

static void test_cmp_treats_malformed_components_as_zero(void **state)
{
	(void)state;
	assert_int_equal(version_cmp("1.x.0", "1.0.0"), 0);
	assert_int_equal(version_cmp("1.0.0-rc1", "1.0.0"), 0);
	assert_int_equal(version_cmp("1..0", "1.0.0"), 0);
	assert_int_equal(version_cmp("", "0.0.0"), 0);
	assert_int_equal(version_cmp(NULL, "0"), 0);
	assert_true(version_cmp(NULL, "0.1.0") < 0);
	/* a huge component saturates instead of wrapping round to a small one */
	assert_true(version_cmp("99999999999999999999999.0.0", "1.0.0") > 0);
}

static void check_version_json(const char *asked, const char *want_version)
{
	char *text = version_json_new(asked);
	cJSON *json, *list, *item;
	size_t i = 0;

	assert_non_null(text);
	json = cJSON_Parse(text);
	assert_non_null(json);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(json, "cniVersion")->valuestring,
			    want_version);
	list = cJSON_GetObjectItemCaseSensitive(json, "supportedVersions");
	assert_true(cJSON_IsArray(list));
	cJSON_ArrayForEach(item, list) {
		assert_non_null(cni_versions[i]);
		assert_string_equal(item->valuestring, cni_versions[i]);
		i++;
	}
	assert_null(cni_versions[i]);
	assert_int_equal(cJSON_GetArraySize(json), 2);
	cJSON_Delete(json);
	free(text);
}

static void test_version_json_echoes_the_asked_version(void **state)
{
	(void)state;
	check_version_json("0.4.0", "0.4.0");
	check_version_json("1.0.0", "1.0.0");
}

static void test_version_json_answers_latest_when_nothing_asked(void **state)
{
	(void)state;
	check_version_json(NULL, "1.1.0");
	check_version_json("", "1.1.0");
}

static void test_version_json_is_compact_with_cniversion_first(void **state)
{
	char *text = version_json_new("1.0.0");

	(void)state;
	assert_non_null(text);
	assert_string_equal(text, "{\"cniVersion\":\"1.0.0\",\"supportedVersions\":"
				  "[\"0.1.0\",\"0.2.0\",\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]}");
	free(text);
}

static void test_version_json_escapes_a_hostile_asked_version(void **state)
{
	(void)state;
	/* the asked version comes from stdin; it must not break out of its string */
	check_version_json("1.0\",\"x\":\"y", "1.0\",\"x\":\"y");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions_list_every_spec_version_oldest_first),
		cmocka_unit_test(test_supported_accepts_each_listed_version),
		cmocka_unit_test(test_supported_is_exact_string_match),
		cmocka_unit_test(test_cmp_orders_components_numerically),
		cmocka_unit_test(test_cmp_treats_missing_components_as_zero),
		cmocka_unit_test(test_cmp_treats_malformed_components_as_zero),
		cmocka_unit_test(test_version_json_echoes_the_asked_version),
		cmocka_unit_test(test_version_json_answers_latest_when_nothing_asked),
		cmocka_unit_test(test_version_json_is_compact_with_cniversion_first),
		cmocka_unit_test(test_version_json_escapes_a_hostile_asked_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

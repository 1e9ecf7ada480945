/* CNI_ARGS parsing: the reference library's pair rules and the IgnoreUnknown escape hatch. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "args.h"

static void test_null_and_empty_give_no_pairs(void **state)
{
	struct cni_args a;
	struct cni_err e = { 0 };

	(void)state;
	assert_int_equal(cni_args_parse(NULL, &a, &e), 0);
	assert_int_equal(a.n, 0);
	assert_false(a.ignore_unknown);
	assert_int_equal(cni_args_parse("", &a, &e), 0);
	assert_int_equal(a.n, 0);
	assert_int_equal(cni_args_parse(";;", &a, &e), 0);
	assert_int_equal(a.n, 0);
	cni_args_free(&a);
}

static void test_pairs_are_parsed_and_copied(void **state)
{
	struct cni_args a;
	struct cni_err e = { 0 };
	char text[] = "IP=10.0.0.5/24;MAC=aa:bb:cc:dd:ee:ff;EMPTY=;";

	(void)state;
	assert_int_equal(cni_args_parse(text, &a, &e), 0);
	memset(text, 'x', sizeof(text) - 1);
	assert_int_equal(a.n, 3);
	assert_string_equal(cni_args_get(&a, "IP"), "10.0.0.5/24");
	assert_string_equal(cni_args_get(&a, "MAC"), "aa:bb:cc:dd:ee:ff");
	assert_string_equal(cni_args_get(&a, "EMPTY"), "");
	assert_null(cni_args_get(&a, "ip"));
	assert_null(cni_args_get(&a, "GATEWAY"));
	cni_args_free(&a);
	assert_int_equal(a.n, 0);
	assert_null(a.key[0]);
	assert_null(a.value[0]);
}

static void test_repeated_key_keeps_last_value(void **state)
{
	struct cni_args a;
	struct cni_err e = { 0 };

	(void)state;
	assert_int_equal(cni_args_parse("IP=1.1.1.1;IP=2.2.2.2", &a, &e), 0);
	assert_string_equal(cni_args_get(&a, "IP"), "2.2.2.2");
	cni_args_free(&a);
}

static void expect_invalid_pair(const char *text, const char *msg)
{
	struct cni_args a;
	struct cni_err e = { 0 };

	assert_int_equal(cni_args_parse(text, &a, &e), -1);
	assert_int_equal(e.code, CNI_ERR_INVALID_ENV);
	assert_string_equal(e.msg, msg);
	assert_int_equal(a.n, 0);
	cni_args_free(&a);
}

static void test_bad_pairs_are_error_4(void **state)
{
	(void)state;
	expect_invalid_pair("IP", "CNI_ARGS: invalid pair \"IP\"");
	expect_invalid_pair("A=1;B=2=3", "CNI_ARGS: invalid pair \"B=2=3\"");
	expect_invalid_pair("A=1;=x", "CNI_ARGS: invalid pair \"=x\"");
	expect_invalid_pair("A=1;==", "CNI_ARGS: invalid pair \"==\"");
	expect_invalid_pair("A=1; ;B=2", "CNI_ARGS: invalid pair \" \"");
}

static void test_too_many_pairs_is_error_4(void **state)
{
	struct cni_args a;
	struct cni_err e = { 0 };
	char text[CNI_ARGS_MAX * 8 + 16] = "";
	size_t used = 0;
	int i;

	(void)state;
	for (i = 0; i < CNI_ARGS_MAX; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "K%d=v;", i);
	assert_int_equal(cni_args_parse(text, &a, &e), 0);
	assert_int_equal(a.n, CNI_ARGS_MAX);
	cni_args_free(&a);

	snprintf(text + used, sizeof(text) - used, "ONE=more");
	assert_int_equal(cni_args_parse(text, &a, &e), -1);
	assert_int_equal(e.code, CNI_ERR_INVALID_ENV);
	assert_int_equal(a.n, 0);
	cni_args_free(&a);
}

static void test_ignore_unknown_forms(void **state)
{
	static const struct { const char *text; bool set; } cases[] = {
		{ "IgnoreUnknown=1", true },     { "IgnoreUnknown=true", true },
		{ "IgnoreUnknown=TRUE", true },  { "IgnoreUnknown=True", true },
		{ "IgnoreUnknown=0", false },    { "IgnoreUnknown=false", false },
		{ "IgnoreUnknown=", false },     { "IgnoreUnknown=yes", false },
		{ "ignoreunknown=1", false },
	};
	struct cni_args a;
	struct cni_err e = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(cni_args_parse(cases[i].text, &a, &e), 0);
		if (a.ignore_unknown != cases[i].set)
			fail_msg("%s: ignore_unknown %d", cases[i].text, a.ignore_unknown);
		cni_args_free(&a);
	}
}

static void test_unknown_key_is_rejected(void **state)
{
	static const char *const known[] = { "IP", "MAC", NULL };
	struct cni_args a;
	struct cni_err e = { 0 };

	(void)state;
	assert_int_equal(cni_args_parse("IP=1.2.3.4;FOO=bar;BAZ=1", &a, &e), 0);
	assert_int_equal(cni_args_check_known(&a, known, &e), -1);
	assert_int_equal(e.code, CNI_ERR_INVALID_ENV);
	assert_string_equal(e.msg, "CNI_ARGS: unknown key \"FOO\"");
	cni_args_free(&a);

	assert_int_equal(cni_args_parse("IP=1.2.3.4", &a, &e), 0);
	assert_int_equal(cni_args_check_known(&a, NULL, &e), -1);
	assert_string_equal(e.msg, "CNI_ARGS: unknown key \"IP\"");
	cni_args_free(&a);
}

static void test_unknown_key_is_ignored_with_ignore_unknown(void **state)
{
	static const char *const known[] = { "MAC", NULL };
	struct cni_args a;
	struct cni_err e = { 0 };

	(void)state;
	assert_int_equal(cni_args_parse("FOO=bar;IgnoreUnknown=1;MAC=x", &a, &e), 0);
	assert_int_equal(cni_args_check_known(&a, known, &e), 0);
	assert_string_equal(cni_args_get(&a, "FOO"), "bar");
	cni_args_free(&a);
}

static void test_k8s_keys_are_always_known(void **state)
{
	static const char *const known[] = { "MAC", NULL };
	struct cni_args a;
	struct cni_err e = { 0 };

	(void)state;
	assert_int_equal(cni_args_parse("IgnoreUnknown=0;K8S_POD_NAMESPACE=default;"
					"K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=abc123;"
					"K8S_POD_UID=6f1c-22;MAC=aa:bb:cc:dd:ee:ff",
					&a, &e), 0);
	assert_false(a.ignore_unknown);
	assert_int_equal(cni_args_check_known(&a, known, &e), 0);
	assert_int_equal(cni_args_check_known(&a, NULL, &e), -1);
	assert_string_equal(e.msg, "CNI_ARGS: unknown key \"MAC\"");
	assert_string_equal(cni_args_get(&a, "K8S_POD_NAME"), "web-0");
	assert_string_equal(cni_args_get(&a, "K8S_POD_NAMESPACE"), "default");
	cni_args_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_and_empty_give_no_pairs),
		cmocka_unit_test(test_pairs_are_parsed_and_copied),
		cmocka_unit_test(test_repeated_key_keeps_last_value),
		cmocka_unit_test(test_bad_pairs_are_error_4),
		cmocka_unit_test(test_too_many_pairs_is_error_4),
		cmocka_unit_test(test_ignore_unknown_forms),
		cmocka_unit_test(test_unknown_key_is_rejected),
		cmocka_unit_test(test_unknown_key_is_ignored_with_ignore_unknown),
		cmocka_unit_test(test_k8s_keys_are_always_known),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

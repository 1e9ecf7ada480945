/* Resource quantities: every suffix family, exponents, rounding up, signs, bad strings and
 * overflow, against the values apimachinery gives for the same strings. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "quantity.h"

static int64_t units(const char *s)
{
	struct cni_err e = { 0 };
	int64_t v = -12345;

	if (quantity_parse(s, &v, &e) != 0)
		fail_msg("quantity_parse(\"%s\") failed: %s", s, e.msg);
	return v;
}

static int64_t millis(const char *s)
{
	struct cni_err e = { 0 };
	int64_t v = -12345;

	if (quantity_parse_milli(s, &v, &e) != 0)
		fail_msg("quantity_parse_milli(\"%s\") failed: %s", s, e.msg);
	return v;
}

/* Both parsers refuse `s`, with code 6 and a message naming the string and `why`. */
static void assert_refused(const char *s, const char *why)
{
	struct cni_err e = { 0 };
	int64_t v = 77;

	if (quantity_parse(s, &v, &e) != -1)
		fail_msg("\"%s\" was accepted as %lld", s, (long long)v);
	assert_int_equal(e.code, CNI_ERR_DECODE);
	if (!strstr(e.msg, s) || !strstr(e.msg, why))
		fail_msg("\"%s\": message \"%s\" lacks the string or \"%s\"", s, e.msg, why);
	assert_int_equal(v, 77);
	cni_err_clear(&e);
	assert_int_equal(quantity_parse_milli(s, &v, &e), -1);
	assert_int_equal(e.code, CNI_ERR_DECODE);
	assert_int_equal(v, 77);
}

static void test_plain_integers_and_decimals(void **state)
{
	(void)state;
	assert_int_equal(units("0"), 0);
	assert_int_equal(units("00"), 0);
	assert_int_equal(units("1"), 1);
	assert_int_equal(units("46651590989"), 46651590989LL);
	assert_int_equal(millis("4"), 4000);
	assert_int_equal(millis("0.1"), 100);
	assert_int_equal(millis(".5"), 500);
	assert_int_equal(millis("5."), 5000);
	assert_int_equal(millis("0.250"), 250);
	assert_int_equal(units("+7"), 7);
	assert_int_equal(units("007"), 7);
}

static void test_decimal_suffixes(void **state)
{
	(void)state;
	assert_int_equal(millis("1n"), 1);          /* 1e-6 millis, rounded up */
	assert_int_equal(millis("1000000n"), 1);
	assert_int_equal(millis("1000001n"), 2);
	assert_int_equal(millis("1u"), 1);
	assert_int_equal(millis("1000u"), 1);
	assert_int_equal(millis("2500u"), 3);
	assert_int_equal(millis("100m"), 100);
	assert_int_equal(millis("3800m"), 3800);
	assert_int_equal(units("500m"), 1);         /* half a byte is a byte */
	assert_int_equal(units("1k"), 1000);
	assert_int_equal(units("100M"), 100000000);
	assert_int_equal(units("1.G"), 1000000000);
	assert_int_equal(units("2T"), 2000000000000LL);
	assert_int_equal(units("3P"), 3000000000000000LL);
	assert_int_equal(units("1E"), 1000000000000000000LL);
	assert_int_equal(units("9.2E"), 9200000000000000000LL);
	assert_int_equal(millis("1k"), 1000000);
}

static void test_binary_suffixes(void **state)
{
	(void)state;
	assert_int_equal(units("1Ki"), 1024);
	assert_int_equal(units("15656480Ki"), 16032235520LL);
	assert_int_equal(units("1Mi"), 1048576);
	assert_int_equal(units("1Gi"), 1073741824);
	assert_int_equal(units("1.5Gi"), 1610612736);
	assert_int_equal(units("1Ti"), 1099511627776LL);
	assert_int_equal(units("1Pi"), 1125899906842624LL);
	assert_int_equal(units("1Ei"), 1152921504606846976LL);
	assert_int_equal(units("7.5Ei"), 8646911284551352320LL);
	assert_int_equal(units("1.5Ki"), 1536);
	assert_int_equal(units(".001Ki"), 2);       /* 1.024 bytes */
	assert_int_equal(millis(".001Ki"), 1024);
	assert_int_equal(units("0.000000000001Ki"), 1);
	assert_int_equal(millis("0.5Mi"), 524288000);
}

static void test_exponents(void **state)
{
	(void)state;
	assert_int_equal(units("1e3"), 1000);
	assert_int_equal(units("129e6"), 129000000);
	assert_int_equal(units("12E6"), 12000000);
	assert_int_equal(units("1e+3"), 1000);
	assert_int_equal(units("1E0"), 1);
	assert_int_equal(units("12E-1"), 2);
	assert_int_equal(millis("12E-1"), 1200);
	assert_int_equal(millis("5e-3"), 5);
	assert_int_equal(millis("5e-4"), 1);
	assert_int_equal(units("1e18"), 1000000000000000000LL);
	assert_int_equal(units("0e999"), 0);
	assert_int_equal(units("1e-999999999"), 1);
	assert_int_equal(units("0.001e3"), 1);
}

static void test_rounds_up_never_down(void **state)
{
	(void)state;
	assert_int_equal(millis("0.5m"), 1);
	assert_int_equal(millis("1.0001m"), 2);
	assert_int_equal(units("1.5"), 2);
	assert_int_equal(units("1.000000000000000000000000001"), 2);
	assert_int_equal(units("0.1"), 1);
	assert_int_equal(millis("0.0001"), 1);
	/* No binary rounding: 0.1 + 0.2-style errors would show here. */
	assert_int_equal(millis("0.3"), 300);
	assert_int_equal(millis("2.675"), 2675);
}

static void test_negative_rounds_away_from_zero(void **state)
{
	(void)state;
	assert_int_equal(units("-1"), -1);
	assert_int_equal(millis("-100m"), -100);
	assert_int_equal(units("-1.5"), -2);        /* apimachinery: away from zero */
	assert_int_equal(millis("-0.5m"), -1);
	assert_int_equal(units("-1Ki"), -1024);
	assert_int_equal(units("-0"), 0);
}

static void test_surrounding_space_is_trimmed(void **state)
{
	(void)state;
	assert_int_equal(units(" 1Gi "), 1073741824);
	assert_int_equal(millis("\t250m\n"), 250);
}

static void test_bad_strings_are_refused(void **state)
{
	(void)state;
	assert_refused("", "empty");
	assert_refused("   ", "empty");
	assert_refused("-", "no digits");
	assert_refused(".", "no digits");
	assert_refused("Gi", "no digits");
	assert_refused("1K", "unknown suffix");
	assert_refused("1ki", "unknown suffix");
	assert_refused("1mi", "unknown suffix");
	assert_refused("1e", "unknown suffix");
	assert_refused("1e+", "unknown suffix");
	assert_refused("1e1.5", "unknown suffix");
	assert_refused("1 Gi", "unknown suffix");
	assert_refused("1.2.3", "unknown suffix");
	assert_refused("abc", "no digits");
	assert_refused("1Gib", "unknown suffix");
	assert_refused("1GiB", "unknown suffix");
	assert_refused("--1", "no digits");
	assert_refused("1e99999999999", "unknown suffix");
}

static void test_overflow_is_refused(void **state)
{
	struct cni_err e = { 0 };
	int64_t v;

	(void)state;
	assert_int_equal(units("9223372036854775807"), INT64_MAX);
	assert_int_equal(units("-9223372036854775807"), -INT64_MAX);
	assert_refused("9223372036854775808", "out of range");
	assert_refused("10000000000000000000000", "out of range");
	assert_refused("8Ei", "out of range");
	assert_refused("10E", "out of range");
	assert_refused("1e19", "out of range");
	assert_refused("1e2000000000", "out of range");
	assert_int_equal(units("9223372036854775806.5"), INT64_MAX);
	assert_refused("9223372036854775807.5", "out of range");
	/* Fits in units, not in millis. */
	assert_int_equal(units("9223372036854776"), 9223372036854776LL);
	assert_int_equal(quantity_parse_milli("9223372036854776", &v, &e), -1);
	assert_non_null(strstr(e.msg, "\"9223372036854776\""));
	assert_int_equal(millis("9223372036854775"), 9223372036854775000LL);
}

static void test_format_round_trips(void **state)
{
	char buf[32];

	(void)state;
	quantity_format_milli(2000, buf, sizeof(buf));
	assert_string_equal(buf, "2");
	quantity_format_milli(1500, buf, sizeof(buf));
	assert_string_equal(buf, "1500m");
	quantity_format(4294967296LL, buf, sizeof(buf));
	assert_string_equal(buf, "4Gi");
	quantity_format(1610612736, buf, sizeof(buf));
	assert_string_equal(buf, "1536Mi");
	quantity_format(100000000, buf, sizeof(buf));
	assert_string_equal(buf, "100000000");
	quantity_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "0");
	assert_int_equal(units("1536Mi"), 1610612736);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_integers_and_decimals),
		cmocka_unit_test(test_decimal_suffixes),
		cmocka_unit_test(test_binary_suffixes),
		cmocka_unit_test(test_exponents),
		cmocka_unit_test(test_rounds_up_never_down),
		cmocka_unit_test(test_negative_rounds_away_from_zero),
		cmocka_unit_test(test_surrounding_space_is_trimmed),
		cmocka_unit_test(test_bad_strings_are_refused),
		cmocka_unit_test(test_overflow_is_refused),
		cmocka_unit_test(test_format_round_trips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Kubernetes resource quantities read on decimal digits, so that no binary floating point
 * ever rounds "0.1" or "1.5Gi"; see quantity.h for the grammar and the rounding rule. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "quantity.h"

/* 19 decimal digits hold every int64; 20 or more significant integer digits never fit. */
#define INT64_DIGITS 19
/* The exponent of "1e<n>" is bounded like apimachinery's int32 scale. */
#define EXPONENT_LIMIT 2147483647LL

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The suffix as a power of ten and a power of two; -1 when it is not one of the three
 * families. `len` bytes at `s`, not NUL-terminated inside the quantity. */
static int suffix_scale(const char *s, size_t len, long long *exp10, int *exp2)
{
	static const struct { char c; int exp10; } decimal[] = {
		{ 'n', -9 }, { 'u', -6 }, { 'm', -3 }, { 'k', 3 }, { 'M', 6 },
		{ 'G', 9 }, { 'T', 12 }, { 'P', 15 }, { 'E', 18 },
	};
	static const char binary[] = "KMGTPE";
	long long exponent = 0;
	bool negative = false;
	size_t i;

	*exp10 = 0;
	*exp2 = 0;
	if (len == 0)
		return 0;
	if (len == 1) {
		for (i = 0; i < sizeof(decimal) / sizeof(decimal[0]); i++) {
			if (decimal[i].c == s[0]) {
				*exp10 = decimal[i].exp10;
				return 0;
			}
		}
		return -1;
	}
	if (len == 2 && s[1] == 'i') {
		const char *p = memchr(binary, s[0], sizeof(binary) - 1);

		if (!p)
			return -1;
		*exp2 = 10 * (int)(p - binary + 1);
		return 0;
	}
	/* "E" alone is exa; "E" followed by an integer is an exponent. */
	if (s[0] != 'e' && s[0] != 'E')
		return -1;
	i = 1;
	if (s[i] == '+' || s[i] == '-')
		negative = s[i++] == '-';
	if (i == len)
		return -1;
	for (; i < len; i++) {
		if (!is_digit(s[i]))
			return -1;
		exponent = exponent * 10 + (s[i] - '0');
		if (exponent > EXPONENT_LIMIT)
			return -1;
	}
	*exp10 = negative ? -exponent : exponent;
	return 0;
}

/* digits[0..*n) (most significant first) times 2^exp2, in place; the buffer has room for
 * the 19 more digits 2^60 can add. */
static void digits_mul_pow2(char *digits, size_t *n, int exp2)
{
	while (exp2 > 0) {
		int step = exp2 > 30 ? 30 : exp2;
		uint64_t factor = (uint64_t)1 << step, carry = 0;
		size_t i, grow = 0;
		char spill[INT64_DIGITS + 1];

		for (i = *n; i-- > 0;) {
			uint64_t v = (uint64_t)digits[i] * factor + carry;

			digits[i] = (char)(v % 10);
			carry = v / 10;
		}
		while (carry) {
			spill[grow++] = (char)(carry % 10);
			carry /= 10;
		}
		if (grow) {
			memmove(digits + grow, digits, *n);
			for (i = 0; i < grow; i++)
				digits[i] = spill[grow - 1 - i];
			*n += grow;
		}
		exp2 -= step;
	}
}

/* The quantity times 10^extra_exp10, rounded away from zero, into *out. */
static int quantity_scaled(const char *s, int extra_exp10, const char *unit, int64_t *out,
			   struct cni_err *e)
{
	const char *p, *end, *int_start, *frac_start = NULL, *suffix;
	size_t int_len, frac_len = 0, n = 0, lead = 0, i, int_digits;
	long long exp10, exponent;
	uint64_t magnitude = 0;
	bool negative = false, fraction = false;
	char *digits = NULL;
	int exp2, ret = -1;

	if (!s) {
		cni_err_set(e, CNI_ERR_DECODE, "quantity: missing");
		goto out;
	}
	p = s;
	end = s + strlen(s);
	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	if (p == end) {
		cni_err_set(e, CNI_ERR_DECODE, "quantity \"%s\": empty", s);
		goto out;
	}
	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	int_start = p;
	while (p < end && is_digit(*p))
		p++;
	int_len = (size_t)(p - int_start);
	if (p < end && *p == '.') {
		frac_start = ++p;
		while (p < end && is_digit(*p))
			p++;
		frac_len = (size_t)(p - frac_start);
	}
	/* apimachinery reads "-" and "." as zero; a quantity with no digit is a typo here. */
	if (int_len + frac_len == 0) {
		cni_err_set(e, CNI_ERR_DECODE, "quantity \"%s\": no digits", s);
		goto out;
	}
	suffix = p;
	if (suffix_scale(suffix, (size_t)(end - suffix), &exp10, &exp2) < 0) {
		cni_err_set(e, CNI_ERR_DECODE, "quantity \"%s\": unknown suffix \"%.*s\"", s,
			    (int)(end - suffix), suffix);
		goto out;
	}

	digits = malloc(int_len + frac_len + INT64_DIGITS + 1);
	if (!digits) {
		cni_err_set(e, CNI_ERR_INTERNAL, "quantity \"%s\": out of memory", s);
		goto out;
	}
	for (i = 0; i < int_len; i++)
		digits[n++] = (char)(int_start[i] - '0');
	for (i = 0; i < frac_len; i++)
		digits[n++] = (char)(frac_start[i] - '0');
	exponent = exp10 + extra_exp10 - (long long)frac_len;

	while (lead < n && digits[lead] == 0)
		lead++;
	if (lead == n) {
		*out = 0;
		ret = 0;
		goto out;
	}
	memmove(digits, digits + lead, n - lead);
	n -= lead;
	/* Trailing zeros only move the exponent; dropping them keeps "1e9"-style values short. */
	while (digits[n - 1] == 0) {
		n--;
		exponent++;
	}
	digits_mul_pow2(digits, &n, exp2);

	if (exponent >= 0) {
		if ((long long)n + exponent > INT64_DIGITS)
			goto overflow;
		int_digits = n;
	} else if ((unsigned long long)-exponent >= n) {
		int_digits = 0;
		fraction = true;
	} else {
		int_digits = n - (size_t)-exponent;
		for (i = int_digits; i < n; i++)
			fraction |= digits[i] != 0;
	}
	if (int_digits > INT64_DIGITS)
		goto overflow;
	for (i = 0; i < int_digits; i++)
		magnitude = magnitude * 10 + (uint64_t)digits[i];
	for (i = 0; exponent > 0 && i < (size_t)exponent; i++)
		magnitude *= 10;
	if (fraction)
		magnitude++;
	if (magnitude > INT64_MAX)
		goto overflow;
	*out = negative ? -(int64_t)magnitude : (int64_t)magnitude;
	ret = 0;
	goto out;

overflow:
	cni_err_set(e, CNI_ERR_DECODE, "quantity \"%s\": out of range (more than %" PRId64 " %s)",
		    s, INT64_MAX, unit);
out:
	free(digits);
	return ret;
}

int quantity_parse(const char *s, int64_t *out, struct cni_err *e)
{
	return quantity_scaled(s, 0, "units", out, e);
}

int quantity_parse_milli(const char *s, int64_t *out, struct cni_err *e)
{
	return quantity_scaled(s, 3, "millis", out, e);
}

int quantity_format_milli(int64_t milli, char *buf, size_t size)
{
	if (milli % 1000 == 0)
		return snprintf(buf, size, "%" PRId64, milli / 1000);
	return snprintf(buf, size, "%" PRId64 "m", milli);
}

int quantity_format(int64_t value, char *buf, size_t size)
{
	static const char *const binary[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
	int power = 0;

	while (value != 0 && power < 6 && value % 1024 == 0) {
		value /= 1024;
		power++;
	}
	return snprintf(buf, size, "%" PRId64 "%s", value, binary[power]);
}

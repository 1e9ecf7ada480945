/* vdhcp's answer parsing: every field the API sends, the shapes real servers use, and every
 * way an answer can be unusable, each named in the error. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lease.h"

/* The answer DESIGN.md §5 gives, as KREONET-S sends it. */
static const char full[] =
	"{\"clientIp\":\"172.16.1.10\",\"clientHwAddr\":\"AA-BB-CC-DD-EE-FF\",\"vdnId\":\"vdn-a\","
	"\"subnetMask\":\"255.255.255.0\",\"router\":[\"172.16.1.1\"],"
	"\"dns\":[\"164.124.101.2\"],\"leaseTime\":86400}";

static int parse(const char *body, struct vdhcp_lease *l, struct cni_err *e)
{
	memset(e, 0, sizeof(*e));
	return lease_parse(body, strlen(body), l, e);
}

/* Parses a body that must fail and checks the code and a fragment of the message. */
static void assert_refused(const char *body, int code, const char *fragment)
{
	struct vdhcp_lease l;
	struct cni_err e;

	assert_int_equal(parse(body, &l, &e), -1);
	assert_int_equal(e.code, code);
	if (!strstr(e.msg, fragment))
		fail_msg("\"%s\" not in \"%s\"", fragment, e.msg);
	/* A refused answer leaves nothing half-filled behind. */
	assert_string_equal(l.ip, "");
	assert_int_equal(l.n_dns, 0);
}

static void test_full_answer_fills_every_field(void **state)
{
	struct vdhcp_lease l;
	struct cni_err e;
	char cidr[32];

	(void)state;
	assert_int_equal(parse(full, &l, &e), 0);
	assert_string_equal(l.ip, "172.16.1.10");
	assert_int_equal(l.prefix, 24);
	assert_string_equal(l.gateway, "172.16.1.1");
	assert_int_equal(l.n_dns, 1);
	assert_string_equal(l.dns[0], "164.124.101.2");
	assert_int_equal(l.lease_time, 86400);
	assert_string_equal(l.vdn_id, "vdn-a");
	assert_string_equal(l.hwaddr, "aa:bb:cc:dd:ee:ff");
	lease_cidr(&l, cidr, sizeof(cidr));
	assert_string_equal(cidr, "172.16.1.10/24");
}

/* The original decoded into a copy and handed back an empty address; this pins the opposite. */
static void test_answer_decoded_into_caller_struct_not_a_copy(void **state)
{
	struct vdhcp_lease l;
	struct cni_err e;

	(void)state;
	memset(&l, 0x5a, sizeof(l));
	assert_int_equal(parse("{\"clientIp\":\"10.9.8.7\",\"subnetMask\":\"255.255.0.0\"}", &l, &e),
			 0);
	assert_string_equal(l.ip, "10.9.8.7");
	assert_int_equal(l.prefix, 16);
	assert_string_equal(l.gateway, "");
	assert_int_equal(l.n_dns, 0);
	assert_int_equal(l.lease_time, 0);
}

/* The original crashed on any DNS list; lists of every length, a lone string and null work. */
static void test_dns_list_of_any_length(void **state)
{
	struct vdhcp_lease l;
	struct cni_err e;
	char body[1024];

	(void)state;
	assert_int_equal(parse("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
			       "\"dns\":[]}", &l, &e), 0);
	assert_int_equal(l.n_dns, 0);
	assert_int_equal(parse("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
			       "\"dns\":[\"8.8.8.8\",\"2001:4860:4860::8888\",\"1.1.1.1\"]}", &l, &e),
			 0);
	assert_int_equal(l.n_dns, 3);
	assert_string_equal(l.dns[1], "2001:4860:4860::8888");
	assert_string_equal(l.dns[2], "1.1.1.1");
	assert_int_equal(parse("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
			       "\"dns\":\"9.9.9.9\"}", &l, &e), 0);
	assert_int_equal(l.n_dns, 1);
	assert_string_equal(l.dns[0], "9.9.9.9");
	assert_int_equal(parse("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
			       "\"dns\":null}", &l, &e), 0);
	assert_int_equal(l.n_dns, 0);
	/* More than we keep: the first LEASE_DNS_MAX, no overflow. */
	snprintf(body, sizeof(body), "{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
		 "\"dns\":[");
	for (int i = 0; i < 20; i++)
		snprintf(body + strlen(body), sizeof(body) - strlen(body), "%s\"10.0.1.%d\"",
			 i ? "," : "", i + 1);
	strcat(body, "]}");
	assert_int_equal(parse(body, &l, &e), 0);
	assert_int_equal(l.n_dns, LEASE_DNS_MAX);
	assert_string_equal(l.dns[LEASE_DNS_MAX - 1], "10.0.1.8");
}

static void test_bad_dns_entries_are_named(void **state)
{
	(void)state;
	assert_refused("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
		       "\"dns\":[\"8.8.8.8\",\"resolver.example\"]}", 103, "\"dns[1]\"");
	assert_refused("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
		       "\"dns\":[8]}", 103, "\"dns[0]\"");
	assert_refused("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
		       "\"dns\":{\"a\":1}}", 103, "\"dns\" must be a list");
}

static void test_missing_or_invalid_client_ip(void **state)
{
	(void)state;
	assert_refused("{\"subnetMask\":\"255.255.255.0\"}", 103, "no \"clientIp\"");
	assert_refused("{\"clientIp\":null,\"subnetMask\":\"255.255.255.0\"}", 103, "no \"clientIp\"");
	assert_refused("{\"clientIp\":\"\",\"subnetMask\":\"255.255.255.0\"}", 103,
		       "\"clientIp\" \"\" is not an IPv4 address");
	assert_refused("{\"clientIp\":\"172.16.1.300\",\"subnetMask\":\"255.255.255.0\"}", 103,
		       "\"clientIp\" \"172.16.1.300\"");
	assert_refused("{\"clientIp\":\"fd00::5\",\"subnetMask\":\"255.255.255.0\"}", 103,
		       "not an IPv4 address");
	assert_refused("{\"clientIp\":17216110,\"subnetMask\":\"255.255.255.0\"}", 103,
		       "\"clientIp\" (not a string)");
	assert_refused("{\"clientIp\":\"0.0.0.0\",\"subnetMask\":\"255.255.255.0\"}", 103,
		       "not a usable host address");
	assert_refused("{\"clientIp\":\"224.0.0.5\",\"subnetMask\":\"255.255.255.0\"}", 103,
		       "not a usable host address");
	assert_refused("{\"clientIp\":\"172.16.1.0\",\"subnetMask\":\"255.255.255.0\"}", 103,
		       "network address");
	assert_refused("{\"clientIp\":\"172.16.1.255\",\"subnetMask\":\"255.255.255.0\"}", 103,
		       "broadcast address");
}

static void test_masks_contiguous_and_prefixes(void **state)
{
	struct vdhcp_lease l;
	struct cni_err e;

	(void)state;
	assert_int_equal(lease_mask_prefix("255.255.255.255"), 32);
	assert_int_equal(lease_mask_prefix("255.255.255.254"), 31);
	assert_int_equal(lease_mask_prefix("255.255.128.0"), 17);
	assert_int_equal(lease_mask_prefix("128.0.0.0"), 1);
	assert_int_equal(lease_mask_prefix("0.0.0.0"), 0);
	assert_int_equal(lease_mask_prefix("255.0.255.0"), -2);
	assert_int_equal(lease_mask_prefix("255.255.255.1"), -2);
	assert_int_equal(lease_mask_prefix("0.255.255.255"), -2);
	assert_int_equal(lease_mask_prefix("24"), -1);
	assert_int_equal(lease_mask_prefix("255.255.255"), -1);
	assert_int_equal(lease_mask_prefix(NULL), -1);
	/* /31 and /32 have no network or broadcast address: .0 and .1 are both hosts. */
	assert_int_equal(parse("{\"clientIp\":\"10.0.0.0\",\"subnetMask\":\"255.255.255.254\"}",
			       &l, &e), 0);
	assert_int_equal(l.prefix, 31);
	assert_int_equal(parse("{\"clientIp\":\"10.0.0.7\",\"subnetMask\":\"255.255.255.255\"}",
			       &l, &e), 0);
	assert_int_equal(l.prefix, 32);
}

static void test_bad_masks_are_named(void **state)
{
	(void)state;
	assert_refused("{\"clientIp\":\"10.0.0.5\"}", 103, "no \"subnetMask\"");
	assert_refused("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.0.255.0\"}", 103,
		       "\"subnetMask\" 255.0.255.0 is not contiguous");
	assert_refused("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.1\"}", 103,
		       "not contiguous");
	assert_refused("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"24\"}", 103,
		       "\"subnetMask\" \"24\" is not an IPv4 mask");
	assert_refused("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":24}", 103,
		       "\"subnetMask\" (not a string)");
	assert_refused("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"0.0.0.0\"}", 103,
		       "names no subnet");
}

static void test_router_shapes(void **state)
{
	struct vdhcp_lease l;
	struct cni_err e;

	(void)state;
	/* Only router[0] is the gateway; the rest are alternatives the API may list. */
	assert_int_equal(parse("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
			       "\"router\":[\"10.0.0.1\",\"10.0.0.2\"]}", &l, &e), 0);
	assert_string_equal(l.gateway, "10.0.0.1");
	assert_int_equal(parse("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
			       "\"router\":\"10.0.0.254\"}", &l, &e), 0);
	assert_string_equal(l.gateway, "10.0.0.254");
	assert_int_equal(parse("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
			       "\"router\":[]}", &l, &e), 0);
	assert_string_equal(l.gateway, "");
}

static void test_bad_router_is_named(void **state)
{
	(void)state;
	assert_refused("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
		       "\"router\":[\"gateway\"]}", 103, "\"router[0]\" \"gateway\"");
	assert_refused("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
		       "\"router\":[\"10.0.1.1\"]}", 103, "outside the subnet of 10.0.0.5/24");
	assert_refused("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
		       "\"router\":[\"10.0.0.5\"]}", 103, "client's own address");
	assert_refused("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
		       "\"router\":[null]}", 103, "\"router[0]\" (not a string)");
	assert_refused("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
		       "\"router\":{\"ip\":\"10.0.0.1\"}}", 103, "\"router\" must be a list");
}

static void test_lease_time_and_ids(void **state)
{
	struct vdhcp_lease l;
	struct cni_err e;

	(void)state;
	assert_refused("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
		       "\"leaseTime\":-5}", 103, "\"leaseTime\"");
	assert_refused("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
		       "\"leaseTime\":\"86400\"}", 103, "\"leaseTime\"");
	assert_refused("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
		       "\"leaseTime\":1.5}", 103, "\"leaseTime\"");
	assert_refused("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
		       "\"clientHwAddr\":\"aa:bb\"}", 103, "\"clientHwAddr\"");
	assert_refused("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
		       "\"vdnId\":[1]}", 103, "\"vdnId\"");
	/* A numeric VDN id is the same id as its decimal text. */
	assert_int_equal(parse("{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
			       "\"vdnId\":42,\"leaseTime\":2}", &l, &e), 0);
	assert_string_equal(l.vdn_id, "42");
	assert_int_equal(l.lease_time, 2);
}

static void test_non_json_answers(void **state)
{
	struct vdhcp_lease l;
	struct cni_err e = { 0 };

	(void)state;
	assert_refused("<html><body>502 Bad Gateway</body></html>", 6, "not a JSON object");
	assert_refused("[{\"clientIp\":\"10.0.0.5\"}]", 6, "not a JSON object");
	assert_refused("\"10.0.0.5\"", 6, "not a JSON object");
	assert_refused("", 6, "not a JSON object");
	assert_refused("{\"clientIp\":\"10.0.0.5\",", 6, "not a JSON object");
	/* The fake server's badBody: binary garbage with a NUL inside. */
	assert_int_equal(lease_parse("garbage \0\1 {not json", 22, &l, &e), -1);
	assert_int_equal(e.code, 6);
	assert_int_equal(lease_parse(NULL, 0, &l, &e), -1);
	assert_int_equal(e.code, 6);
}

static void test_oversized_body_refused_before_parsing(void **state)
{
	struct vdhcp_lease l;
	struct cni_err e = { 0 };
	size_t len = LEASE_BODY_MAX + 1;
	char *body = malloc(len + 1);
	static const char head[] = "{\"clientIp\":\"10.0.0.5\",\"subnetMask\":\"255.255.255.0\","
				   "\"pad\":\"";

	(void)state;
	assert_non_null(body);
	/* A valid lease padded past the bound: refused for its size, not for its content. */
	memset(body, 'x', len);
	memcpy(body, head, sizeof(head) - 1);
	memcpy(body + len - 2, "\"}", 2);
	body[len] = '\0';
	assert_int_equal(lease_parse(body, len, &l, &e), -1);
	assert_int_equal(e.code, 103);
	assert_non_null(strstr(e.msg, "larger than 65536 bytes"));
	/* Exactly at the bound is still read. */
	memcpy(body + LEASE_BODY_MAX - 2, "\"}", 2);
	assert_int_equal(lease_parse(body, LEASE_BODY_MAX, &l, &e), 0);
	assert_string_equal(l.ip, "10.0.0.5");
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_answer_fills_every_field),
		cmocka_unit_test(test_answer_decoded_into_caller_struct_not_a_copy),
		cmocka_unit_test(test_dns_list_of_any_length),
		cmocka_unit_test(test_bad_dns_entries_are_named),
		cmocka_unit_test(test_missing_or_invalid_client_ip),
		cmocka_unit_test(test_masks_contiguous_and_prefixes),
		cmocka_unit_test(test_bad_masks_are_named),
		cmocka_unit_test(test_router_shapes),
		cmocka_unit_test(test_bad_router_is_named),
		cmocka_unit_test(test_lease_time_and_ids),
		cmocka_unit_test(test_non_json_answers),
		cmocka_unit_test(test_oversized_body_refused_before_parsing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

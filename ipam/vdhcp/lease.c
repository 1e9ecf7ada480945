/* Parsing a vDHCP lease answer. The original VDN-CNI decoded it into a copy (so the address
 * came out empty) and crashed on any DNS list; here every field is checked and named in the
 * error, because a pod given a half-parsed lease is worse than a pod that fails to start. */
#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "lease.h"

int lease_mask_prefix(const char *mask)
{
	struct in_addr a;
	uint32_t m;
	int prefix = 0;

	if (!mask || inet_pton(AF_INET, mask, &a) != 1)
		return -1;
	m = ntohl(a.s_addr);
	while (m & 0x80000000u) {
		prefix++;
		m <<= 1;
	}
	/* Any bit left after the leading ones is a hole: 255.0.255.0 names no subnet. */
	return m ? -2 : prefix;
}

void lease_cidr(const struct vdhcp_lease *l, char *out, size_t len)
{
	snprintf(out, len, "%s/%d", l->ip, l->prefix);
}

static bool ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

/* Addresses no server may hand to a pod: unspecified, loopback, multicast, broadcast. */
static bool usable_host(uint32_t a)
{
	return a != 0 && (a >> 24) != 127 && (a >> 28) != 0xe && a != 0xffffffffu;
}

static int parse_ip_and_mask(const cJSON *root, struct vdhcp_lease *l, uint32_t *ip,
			     uint32_t *netmask, struct cni_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "clientIp");
	uint32_t host_bits;

	if (!v || cJSON_IsNull(v))
		return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer has no \"clientIp\"");
	if (!cJSON_IsString(v) || !ipv4(v->valuestring, ip))
		return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer: \"clientIp\" %s%.64s%s is not an "
				   "IPv4 address", cJSON_IsString(v) ? "\"" : "",
				   cJSON_IsString(v) ? v->valuestring : "(not a string)",
				   cJSON_IsString(v) ? "\"" : "");
	if (!usable_host(*ip))
		return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer: \"clientIp\" %s is not a usable "
				   "host address", v->valuestring);
	snprintf(l->ip, sizeof(l->ip), "%s", v->valuestring);

	v = cJSON_GetObjectItemCaseSensitive(root, "subnetMask");
	if (!v || cJSON_IsNull(v))
		return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer has no \"subnetMask\"");
	l->prefix = cJSON_IsString(v) ? lease_mask_prefix(v->valuestring) : -1;
	if (l->prefix == -1)
		return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer: \"subnetMask\" %s%.64s%s is not "
				   "an IPv4 mask", cJSON_IsString(v) ? "\"" : "",
				   cJSON_IsString(v) ? v->valuestring : "(not a string)",
				   cJSON_IsString(v) ? "\"" : "");
	if (l->prefix == -2)
		return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer: \"subnetMask\" %s is not "
				   "contiguous", v->valuestring);
	/* /0 would put the whole Internet on the pod's link. */
	if (l->prefix == 0)
		return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer: \"subnetMask\" 0.0.0.0 names no "
				   "subnet");
	snprintf(l->mask, sizeof(l->mask), "%s", v->valuestring);
	*netmask = l->prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> l->prefix);
	/* /31 and /32 have no network or broadcast address (RFC 3021); larger subnets do. */
	host_bits = *ip & ~*netmask;
	if (l->prefix <= 30 && (host_bits == 0 || host_bits == ~*netmask))
		return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer: \"clientIp\" %s is the %s "
				   "address of %s/%d", l->ip, host_bits ? "broadcast" : "network",
				   l->ip, l->prefix);
	return 0;
}

static int parse_router(const cJSON *root, struct vdhcp_lease *l, uint32_t ip, uint32_t netmask,
			struct cni_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "router"), *first;
	uint32_t gw;

	if (!v || cJSON_IsNull(v))
		return 0;
	/* A lone string is what some servers send for a one-router list. */
	if (cJSON_IsString(v))
		first = v;
	else if (cJSON_IsArray(v))
		first = cJSON_GetArrayItem(v, 0);
	else
		return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer: \"router\" must be a list of "
				   "IPv4 addresses");
	if (!first)
		return 0;
	if (!cJSON_IsString(first) || !ipv4(first->valuestring, &gw) || !usable_host(gw))
		return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer: \"router[0]\" %s%.64s%s is not "
				   "an IPv4 host address", cJSON_IsString(first) ? "\"" : "",
				   cJSON_IsString(first) ? first->valuestring : "(not a string)",
				   cJSON_IsString(first) ? "\"" : "");
	/* The kernel refuses a route via a gateway off the pod's subnet; say so here, where
	 * the cause is known, rather than as a netlink error after the address went on. */
	if ((gw & netmask) != (ip & netmask))
		return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer: \"router[0]\" %s is outside "
				   "the subnet of %s/%d", first->valuestring, l->ip, l->prefix);
	if (gw == ip)
		return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer: \"router[0]\" %s is the "
				   "client's own address", first->valuestring);
	snprintf(l->gateway, sizeof(l->gateway), "%s", first->valuestring);
	return 0;
}

static bool ip_any(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return s && (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

static int parse_dns(const cJSON *root, struct vdhcp_lease *l, struct cni_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "dns"), *it;
	int i = 0;

	if (!v || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsString(v)) {
		if (!ip_any(v->valuestring))
			return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer: \"dns\" \"%.64s\" is not "
					   "an IP address", v->valuestring);
		snprintf(l->dns[0], sizeof(l->dns[0]), "%s", v->valuestring);
		l->n_dns = 1;
		return 0;
	}
	if (!cJSON_IsArray(v))
		return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer: \"dns\" must be a list of IP "
				   "addresses");
	cJSON_ArrayForEach(it, v) {
		if (!cJSON_IsString(it) || !ip_any(it->valuestring))
			return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer: \"dns[%d]\" %s%.64s%s is "
					   "not an IP address", i, cJSON_IsString(it) ? "\"" : "",
					   cJSON_IsString(it) ? it->valuestring : "(not a string)",
					   cJSON_IsString(it) ? "\"" : "");
		if (l->n_dns < LEASE_DNS_MAX)
			snprintf(l->dns[l->n_dns++], sizeof(l->dns[0]), "%s", it->valuestring);
		i++;
	}
	return 0;
}

static int parse_lease_time(const cJSON *root, struct vdhcp_lease *l, struct cni_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "leaseTime");

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
	    v->valuedouble < 1 || v->valuedouble > (double)LEASE_TIME_MAX)
		return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer: \"leaseTime\" must be a whole "
				   "number of seconds between 1 and %ld", LEASE_TIME_MAX);
	l->lease_time = (long)v->valuedouble;
	return 0;
}

/* Accepts aa:bb:cc:dd:ee:ff and aa-bb-cc-dd-ee-ff in either case; writes aa:bb:.. */
static bool mac_normal(const char *s, char out[18])
{
	if (!s || strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (s[i] != ':' && s[i] != '-')
				return false;
			out[i] = ':';
		} else {
			if (!isxdigit((unsigned char)s[i]))
				return false;
			out[i] = (char)tolower((unsigned char)s[i]);
		}
	}
	out[17] = '\0';
	return true;
}

static int parse_ids(const cJSON *root, struct vdhcp_lease *l, struct cni_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "vdnId");

	if (cJSON_IsString(v)) {
		if (strlen(v->valuestring) >= sizeof(l->vdn_id))
			return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer: \"vdnId\" is longer than "
					   "%zu bytes", sizeof(l->vdn_id) - 1);
		snprintf(l->vdn_id, sizeof(l->vdn_id), "%s", v->valuestring);
	} else if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
		   fabs(v->valuedouble) < 1e15) {
		/* Numeric VDN ids are the same id to us; compare them as text. */
		snprintf(l->vdn_id, sizeof(l->vdn_id), "%.0f", v->valuedouble);
	} else if (v && !cJSON_IsNull(v)) {
		return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer: \"vdnId\" must be a string");
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "clientHwAddr");
	if (v && !cJSON_IsNull(v) && (!cJSON_IsString(v) || !mac_normal(v->valuestring, l->hwaddr)))
		return cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer: \"clientHwAddr\" is not a MAC "
				   "address");
	return 0;
}

int lease_parse(const char *body, size_t len, struct vdhcp_lease *out, struct cni_err *e)
{
	cJSON *root = NULL;
	uint32_t ip = 0, netmask = 0;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (len > LEASE_BODY_MAX) {
		cni_err_set(e, CNI_ERR_REMOTE, "vDHCP answer is larger than %d bytes", LEASE_BODY_MAX);
		goto out;
	}
	root = body ? cJSON_ParseWithLength(body, len) : NULL;
	if (!cJSON_IsObject(root)) {
		cni_err_set(e, CNI_ERR_DECODE, "vDHCP answer is not a JSON object");
		goto out;
	}
	if (parse_ip_and_mask(root, out, &ip, &netmask, e) ||
	    parse_router(root, out, ip, netmask, e) || parse_dns(root, out, e) ||
	    parse_lease_time(root, out, e) || parse_ids(root, out, e))
		goto out;
	ret = 0;
out:
	cJSON_Delete(root);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

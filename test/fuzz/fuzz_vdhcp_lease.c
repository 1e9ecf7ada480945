/* vDHCP answers: lease_parse on the body of a 200 to PUT or GET, then the CIDR the CNI result
 * carries. Whatever the server sends, a lease that parses is one a pod can use. */
#include <arpa/inet.h>
#include "lease.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vdhcp_lease lease;
	struct cni_err e = { 0 };
	char cidr[INET_ADDRSTRLEN + 4];
	struct in_addr a;

	if (lease_parse((const char *)data, size, &lease, &e) < 0) {
		FUZZ_ASSERT(e.code == CNI_ERR_DECODE || e.code == CNI_ERR_REMOTE, "code %d: %s",
			    e.code, e.msg);
		return 0;
	}
	FUZZ_ASSERT(inet_pton(AF_INET, lease.ip, &a) == 1, "ip \"%s\"", lease.ip);
	FUZZ_ASSERT(lease.prefix >= 1 && lease.prefix <= 32, "prefix %d", lease.prefix);
	FUZZ_ASSERT(!lease.gateway[0] || inet_pton(AF_INET, lease.gateway, &a) == 1,
		    "gateway \"%s\"", lease.gateway);
	FUZZ_ASSERT(lease.n_dns >= 0 && lease.n_dns <= LEASE_DNS_MAX, "%d dns", lease.n_dns);
	FUZZ_ASSERT(lease.lease_time >= 0 && lease.lease_time <= LEASE_TIME_MAX, "lease time %ld",
		    lease.lease_time);
	lease_cidr(&lease, cidr, sizeof(cidr));
	FUZZ_ASSERT(lease_mask_prefix(lease.mask) == lease.prefix, "mask %s, prefix %d", lease.mask,
		    lease.prefix);
	return 0;
}

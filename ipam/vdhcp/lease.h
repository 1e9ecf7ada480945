/* The lease object of the vDHCP REST API (DESIGN.md §5), parsed from a server's answer into
 * what a CNI result needs: address with prefix, gateway, DNS servers and lease time. */
#ifndef VDHCP_LEASE_H
#define VDHCP_LEASE_H
#include <stddef.h>
#include <netinet/in.h>
#include "err.h"

/* A lease object is ~200 bytes; anything near this is not one (an HTML error page, a loop). */
#define LEASE_BODY_MAX  65536
/* resolv.conf reads three nameservers; a few more are kept for whoever merges the result. */
#define LEASE_DNS_MAX   8
#define LEASE_VDN_MAX   128
/* 2^31 - 1 s (68 years): the largest lease an int-sized timer can still halve. */
#define LEASE_TIME_MAX  2147483647L

struct vdhcp_lease {
	char ip[INET_ADDRSTRLEN];                  /* clientIp */
	int prefix;                                /* from subnetMask, 1..32 */
	char mask[INET_ADDRSTRLEN];
	char gateway[INET_ADDRSTRLEN];             /* router[0]; "" when the answer has none */
	char dns[LEASE_DNS_MAX][INET6_ADDRSTRLEN]; /* dns[], in the server's order */
	int n_dns;
	long lease_time;                           /* seconds; 0 when the answer has none */
	char vdn_id[LEASE_VDN_MAX];                /* "" when absent */
	char hwaddr[18];                           /* clientHwAddr as aa:bb:..; "" when absent */
};

/* Parses a 200 answer of PUT or GET. Errors name the field: CNI_ERR_DECODE when the body is
 * not a JSON object, CNI_ERR_REMOTE when a field is missing or unusable. */
int lease_parse(const char *body, size_t len, struct vdhcp_lease *out, struct cni_err *e);

/* Dotted IPv4 mask -> prefix length. -1: not an IPv4 address; -2: not contiguous. */
int lease_mask_prefix(const char *mask);

/* "172.16.1.10/24" */
void lease_cidr(const struct vdhcp_lease *l, char *out, size_t len);

#endif

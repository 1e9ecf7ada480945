/* CNI results in one internal form (the 1.1.0 shape), parsed from and printed in any spec
 * version: 1.1.0, 1.0.0, 0.4.0, 0.3.1, 0.3.0, 0.2.0, 0.1.0. */
#ifndef VDN_RESULT_H
#define VDN_RESULT_H
#include <cjson/cJSON.h>
#include "err.h"

struct cni_iface {
	char *name;
	char *mac;         /* NULL when absent */
	char *sandbox;     /* NULL for host-side interfaces */
	int mtu;           /* 0 when absent (1.1.0) */
	char *socket_path; /* NULL when absent (1.1.0) */
	char *pci_id;      /* NULL when absent (1.1.0) */
};

struct cni_ip {
	char *address;     /* CIDR, e.g. "10.1.0.5/24" or "fd00::5/64" */
	char *gateway;     /* NULL when absent */
	int interface;     /* index into interfaces, -1 when absent */
};

struct cni_route {
	char *dst;         /* CIDR */
	char *gw;          /* NULL when absent */
	int mtu, advmss, priority, table, scope;   /* -1 when absent (1.1.0 fields) */
};

struct cni_result {
	char *cni_version;              /* version it was parsed in, or NULL */
	struct cni_iface *ifaces; int n_ifaces;
	struct cni_ip *ips;       int n_ips;
	struct cni_route *routes; int n_routes;
	cJSON *dns;                     /* object or NULL; passed through as-is */
};

struct cni_result *result_new(void);
void result_free(struct cni_result *r);
struct cni_result *result_dup(const struct cni_result *r);

/* Appends; returns the new element's index, or -1 on allocation failure. Strings are copied. */
int result_add_iface(struct cni_result *r, const char *name, const char *mac, const char *sandbox);
int result_add_ip(struct cni_result *r, const char *address, const char *gateway, int iface);
int result_add_route(struct cni_result *r, const char *dst, const char *gw);

/* Parses a result of any supported version. `version` is used when the JSON has no
 * cniVersion of its own (prevResult, IPAM answers). Errors: 6 decode, 1 unknown version. */
int result_parse(const cJSON *json, const char *version, struct cni_result **out, struct cni_err *e);
int result_parse_string(const char *text, const char *version, struct cni_result **out,
			struct cni_err *e);

/* Builds the JSON of `r` in `version`. Error 1 when the version cannot express it
 * (0.1.0/0.2.0 with no IP address). Caller frees with cJSON_Delete. */
cJSON *result_to_json(const struct cni_result *r, const char *version, struct cni_err *e);

/* Appends b's interfaces, IPs (interface indexes re-based), routes; dns of a kept when set. */
int result_merge(struct cni_result *a, const struct cni_result *b);

/* The result of a plugin that makes one interface: it, then the IPAM's addresses (all on it)
 * and routes. dns: the config's, which wins over the IPAM's (as in the reference plugins). */
struct cni_result *result_attachment_new(const char *ifname, const char *mac, const char *sandbox,
					 const cJSON *dns, const struct cni_result *ipam);

#endif

/* Which delegates a pod gets, and under which interface names: the Multus annotation, then
 * the original VDN-CNI one, then the configured default (DESIGN.md §6). */
#ifndef MC_SELECT_H
#define MC_SELECT_H
#include <cjson/cJSON.h>
#include "config.h"

#define ANN_NETWORKS       "k8s.v1.cni.cncf.io/networks"
#define ANN_NETWORK_STATUS "k8s.v1.cni.cncf.io/network-status"
#define ANN_CNI_PLUGINS    "cni-plugins"
#define ANN_VDN_ID         "vdno.kreonet.net/vdn-id"
#define ANN_MAC            "vdno.kreonet.net/mac"

/* One network the pod asked for. The pointers point into the selection's parsed annotation. */
struct mc_attachment {
	int plugin;                 /* index into mc_conf.plugins */
	char network[320];          /* its name in network-status: "<ns>/<name>" or the plugin's */
	char ifname[16];
	const char *mac;            /* Multus element "mac", or NULL */
	const cJSON *ips;           /* Multus element "ips" (list of strings), or NULL */
	const cJSON *cni_args;      /* Multus element "cni-args" (object), or NULL */
};

struct mc_selection {
	struct mc_attachment *att;
	int n;
	const char *source;         /* the annotation the choice came from, or "default" */
	cJSON *parsed;              /* owns what the attachments point into */
};

/* annotations: the pod's metadata.annotations (NULL: none, or no pod at all).
 * pod_ns: for the "<ns>/<name>" of network-status. ifname: CNI_IFNAME, for the first one.
 * Errors: 7 for a malformed annotation or an unknown name (named), 2 for an NPWG key that
 * multicni does not carry out. */
int select_networks(const struct mc_conf *mc, const cJSON *annotations, const char *pod_ns,
		    const char *ifname, struct mc_selection *sel, struct cni_err *e);
void select_free(struct mc_selection *sel);

#endif

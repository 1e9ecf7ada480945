/* host-device's pool: every device key of the config, in order, and the first candidate that
 * is present in the host namespace. */
#ifndef HD_POOL_H
#define HD_POOL_H
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include "cni.h"

enum pool_kind { POOL_NAME, POOL_HWADDR, POOL_KERNELPATH, POOL_PCI, POOL_DEVICEID };

struct pool_candidate {
	enum pool_kind kind;
	const char *value;   /* points into the config */
};

struct hd_conf {
	struct pool_candidate *pool;
	int n_pool;
	const char *mac;     /* MAC to give the NIC in the pod, or NULL */
	const cJSON *dns;    /* config dns, or NULL */
};

/* Reads the device keys (device/devices, hwaddr/hwaddrs, kernelpath/kernelpaths,
 * pciBusID/pciBusIDs, runtimeConfig deviceID) and the requested MAC. Error 7 naming the key. */
int hd_conf_load(const struct cni_ctx *c, struct hd_conf *hc, struct cni_err *e);
void hd_conf_free(struct hd_conf *hc);

/* Takes the first candidate present in the host namespace (sk). The caller holds the pool
 * lock. Error 101 lists every candidate with why it was not taken. */
int pool_take(struct nl_sock *sk, const struct hd_conf *hc, const char *state_dir,
	      struct rtnl_link **out, struct cni_err *e);

#endif

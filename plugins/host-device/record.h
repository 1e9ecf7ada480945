/* What host-device remembers of a NIC it lent to a pod, so DEL can give it back as it was even
 * when the pod's namespace is gone: stored as the attachment's state file. */
#ifndef HD_RECORD_H
#define HD_RECORD_H
#include <stdbool.h>
#include <netlink/route/link.h>
#include "cni.h"

struct hd_record {
	char device[16];   /* original host name */
	char hwaddr[18];   /* original MAC */
	unsigned mtu;      /* original MTU */
	bool up;           /* was it up on the host */
	char pod_mac[18];  /* MAC it has in the pod */
	int ifindex;
};

void record_from_link(struct hd_record *r, struct rtnl_link *link);
int record_save(const struct cni_ctx *c, const struct hd_record *r, struct cni_err *e);
/* 0 found, 1 no record, -1 error */
int record_load(const struct cni_ctx *c, const char *id, const char *ifname,
		struct hd_record *r, struct cni_err *e);
int record_from_json(const cJSON *j, struct hd_record *r);

#endif

/* macvlan's keys, read and checked before anything touches the kernel, so a bad config is
 * error 7 naming the key and nothing is created. */
#ifndef MV_OPTIONS_H
#define MV_OPTIONS_H
#include <stdbool.h>
#include <stdint.h>
#include "cni.h"

struct mv_conf {
	const char *master;     /* NULL: the link of the default route */
	uint32_t mode;          /* MACVLAN_MODE_* */
	const char *mode_name;
	long mtu;               /* 0: the kernel's choice (the master's MTU); checked later */
	const char *mac;        /* NULL: the kernel picks a random one */
	bool promisc;           /* promiscMode: set the master promiscuous */
	bool link_in_container; /* the master lives in the pod's namespace */
	uint32_t bcqueuelen;    /* 0: the kernel's default */
	const cJSON *dns;       /* NULL when absent or empty */
};

/* Fills mc with pointers into c's config (nothing to free). */
int mv_conf_load(const struct cni_ctx *c, struct mv_conf *mc, struct cni_err *e);

#endif

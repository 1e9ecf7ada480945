/* Making the macvlan: one RTM_NEWLINK that creates it on the master directly inside the pod's
 * namespace under a temporary name, and the one attribute libnl cannot set. */
#ifndef MV_CREATE_H
#define MV_CREATE_H
#include <stdint.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include "err.h"

struct mv_spec {
	const char *name;     /* temporary name, renamed to CNI_IFNAME afterwards */
	const char *master_name;
	int master_ifindex;   /* in the namespace of the socket the request goes through */
	int netns_fd;         /* the pod's namespace, or -1 when the socket is already there */
	uint32_t mode;        /* MACVLAN_MODE_* */
	const char *mode_name;
	unsigned mtu;         /* 0: the kernel's choice */
	const char *mac;      /* NULL: the kernel's random one */
};

/* "mvtmp" and 8 random hex digits: unique enough that two ADDs into one pod never meet. */
int macvlan_tmpname(char out[IFNAMSIZ], struct cni_err *e);
int macvlan_create(struct nl_sock *sk, const struct mv_spec *s, struct cni_err *e);
/* IFLA_MACVLAN_BC_QUEUE_LEN of link `ifindex` (sk bound to its namespace). */
int macvlan_set_bcqueuelen(struct nl_sock *sk, int ifindex, uint32_t len, struct cni_err *e);

#endif

/* Lending a NIC to a pod and giving it back: the namespace moves, names, MAC and MTU. */
#ifndef HD_MOVE_H
#define HD_MOVE_H
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include "err.h"
#include "record.h"

/* Moves `nic` (in the host, `host`) into pod_fd named `ifname`, its host name kept as alias. */
int move_into_pod(struct nl_sock *host, struct rtnl_link *nic, int pod_fd, const char *ifname,
		  struct cni_err *e);
/* Gives the NIC back its name, MAC, MTU and up state, moving it from the pod (sk) to host_fd
 * when host_fd >= 0, or in place on the host (sk = host) when host_fd < 0. Error 11 when the
 * host already has a different link under the original name (retry later, nothing changed). */
int move_home(struct nl_sock *sk, struct rtnl_link *nic, int host_fd, struct nl_sock *host,
	      const struct hd_record *r, struct cni_err *e);
/* Finds the lent NIC in the pod: by ifname when it is ours, else by MAC or alias (a user may
 * rename it inside the pod). 0 found, 1 not found, -1 error. */
int find_in_pod(struct nl_sock *pod, const char *ifname, const struct hd_record *r,
		struct rtnl_link **out, struct cni_err *e);
/* Finds the NIC on the host after the kernel returned it (the pod's namespace died): under its
 * own name, or any name (container ifname, dev<N>) with its pod or original MAC. */
int find_on_host(struct nl_sock *host, const struct hd_record *r, struct rtnl_link **out,
		 struct cni_err *e);

#endif

/* IPv4 and IPv6 addresses and routes of an interface, over libnl-route-3, and applying a
 * whole IPAM result to an interface the way the reference plugins do. */
#ifndef VDN_ADDR_H
#define VDN_ADDR_H
#include <stdbool.h>
#include <netlink/netlink.h>
#include "err.h"
#include "result.h"

int addr_add(struct nl_sock *sk, int ifindex, const char *cidr, struct cni_err *e);
/* 1 present, 0 absent, -1 error */
int addr_present(struct nl_sock *sk, int ifindex, const char *cidr, struct cni_err *e);
/* gw_default: used when r->gw is NULL (the IP of the same family's gateway), may be NULL. */
int route_add(struct nl_sock *sk, int ifindex, const struct cni_route *r, const char *gw_default,
	      struct cni_err *e);
int route_present(struct nl_sock *sk, int ifindex, const struct cni_route *r,
		  const char *gw_default, struct cni_err *e);

/* Applies every IP whose interface index is `iface` (or -1) and every route of `r` to the
 * link `ifindex`, and sets it up. Must be called inside the link's netns (it writes the IPv6
 * sysctls there). */
int iface_configure(struct nl_sock *sk, int ifindex, const char *ifname,
		    const struct cni_result *r, int iface, struct cni_err *e);
/* CHECK side of iface_configure: every address and route present. Error 104 names the first
 * one missing. */
int iface_verify(struct nl_sock *sk, int ifindex, const char *ifname,
		 const struct cni_result *r, int iface, struct cni_err *e);

#endif

#ifndef VDN_ADDR_SYSCTL
#define VDN_ADDR_SYSCTL
/* Writes /proc/sys/net/<family>/conf/<ifname>/<key> in the current netns. */
int iface_sysctl_set(const char *family, const char *ifname, const char *key, const char *value,
		     struct cni_err *e);
#endif

/* Finding a macvlan's master, by name or through the default route, and making it
 * promiscuous for promiscMode. */
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <netlink/route/route.h>
#include "master.h"
#include "link.h"

/* The ifindex of the first default route of `family` in the main table, 0 when none. The
 * reference plugin reads the main table only; a default in another table (policy routing)
 * says nothing about the node's uplink. */
static int default_route_ifindex(struct nl_sock *sk, int family, int *ifindex,
				 struct cni_err *e)
{
	struct nl_cache *cache = NULL;
	struct nl_object *obj;
	int err;

	*ifindex = 0;
	err = rtnl_route_alloc_cache(sk, family, 0, &cache);
	if (err < 0)
		return cni_err_set(e, CNI_ERR_NETLINK, "cannot list routes: %s", nl_geterror(err));
	for (obj = nl_cache_get_first(cache); obj && !*ifindex; obj = nl_cache_get_next(obj)) {
		struct rtnl_route *r = (struct rtnl_route *)obj;
		struct nl_addr *dst = rtnl_route_get_dst(r);

		if (rtnl_route_get_table(r) != RT_TABLE_MAIN ||
		    rtnl_route_get_type(r) != RTN_UNICAST ||
		    (dst && nl_addr_get_prefixlen(dst) != 0) || rtnl_route_get_nnexthops(r) < 1)
			continue;
		/* Multipath default: the first hop's link, as the reference takes the route's
		 * link index. */
		*ifindex = rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(r, 0));
	}
	nl_cache_free(cache);
	return 0;
}

int master_find(struct nl_sock *sk, const char *name, const char *where, struct rtnl_link **out,
		struct cni_err *e)
{
	int ifindex = 0, found;

	*out = NULL;
	if (name) {
		found = link_get(sk, name, out, e);
		if (found == 1)
			return cni_err_set(e, CNI_ERR_DEVICE, "master %s not found in the %s "
					   "namespace", name, where);
		return found;
	}
	if (default_route_ifindex(sk, AF_INET, &ifindex, e) ||
	    (!ifindex && default_route_ifindex(sk, AF_INET6, &ifindex, e)))
		return -1;
	if (!ifindex)
		return cni_err_set(e, CNI_ERR_DEVICE, "no \"master\" given and no default route "
				   "interface found in the %s namespace", where);
	found = link_get_by_index(sk, ifindex, out, e);
	if (found == 1)
		return cni_err_set(e, CNI_ERR_DEVICE, "the default route's link #%d vanished from "
				   "the %s namespace", ifindex, where);
	return found;
}

int master_set_promisc(struct nl_sock *sk, struct rtnl_link *master, struct cni_err *e)
{
	struct rtnl_link *want;
	int err;

	if (rtnl_link_get_flags(master) & IFF_PROMISC)
		return 0;
	want = rtnl_link_alloc();
	if (!want)
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	rtnl_link_set_flags(want, IFF_PROMISC);
	err = rtnl_link_change(sk, master, want, 0);
	rtnl_link_put(want);
	if (err < 0)
		return cni_err_set(e, CNI_ERR_NETLINK, "cannot set master %s promiscuous: %s",
				   rtnl_link_get_name(master), nl_geterror(err));
	return 0;
}

/* Addresses and routes through libnl-route-3, and the application of an IPAM result to an
 * interface, following the reference plugins (pkg/ipam ConfigureIface) so a result means the
 * same thing whichever plugin applies it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/rtnetlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include "addr.h"
#include "link.h"

int iface_sysctl_set(const char *family, const char *ifname, const char *key, const char *value,
		     struct cni_err *e)
{
	char path[160];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", family, ifname, key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cni_err_set(e, CNI_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	n = write(fd, value, strlen(value));
	close(fd);
	if (n != (ssize_t)strlen(value))
		return cni_err_set(e, CNI_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

static int parse_prefix(const char *cidr, struct nl_addr **out, struct cni_err *e)
{
	int err = nl_addr_parse(cidr, AF_UNSPEC, out);

	if (err < 0 || (nl_addr_get_family(*out) != AF_INET && nl_addr_get_family(*out) != AF_INET6)) {
		if (err >= 0)
			nl_addr_put(*out);
		*out = NULL;
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"%s\" is not an IP address", cidr);
	}
	return 0;
}

int addr_add(struct nl_sock *sk, int ifindex, const char *cidr, struct cni_err *e)
{
	struct rtnl_addr *addr = NULL;
	struct nl_addr *local = NULL;
	int err, ret = -1;

	if (parse_prefix(cidr, &local, e))
		return -1;
	addr = rtnl_addr_alloc();
	if (!addr) {
		cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		goto out;
	}
	rtnl_addr_set_ifindex(addr, ifindex);
	rtnl_addr_set_family(addr, nl_addr_get_family(local));
	err = rtnl_addr_set_local(addr, local);
	if (err >= 0)
		err = rtnl_addr_add(sk, addr, 0);
	if (err < 0 && err != -NLE_EXIST) {
		cni_err_set(e, CNI_ERR_NETLINK, "cannot add address %s: %s", cidr, nl_geterror(err));
		goto out;
	}
	ret = 0;
out:
	rtnl_addr_put(addr);
	nl_addr_put(local);
	return ret;
}

int addr_present(struct nl_sock *sk, int ifindex, const char *cidr, struct cni_err *e)
{
	struct nl_cache *cache = NULL;
	struct nl_addr *want = NULL, *have;
	struct nl_object *obj;
	int err, found = 0;

	if (parse_prefix(cidr, &want, e))
		return -1;
	err = rtnl_addr_alloc_cache(sk, &cache);
	if (err < 0) {
		nl_addr_put(want);
		return cni_err_set(e, CNI_ERR_NETLINK, "cannot list addresses: %s", nl_geterror(err));
	}
	for (obj = nl_cache_get_first(cache); obj && !found; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *a = (struct rtnl_addr *)obj;

		have = rtnl_addr_get_local(a);
		found = rtnl_addr_get_ifindex(a) == ifindex && have &&
			!nl_addr_cmp(have, want) &&
			rtnl_addr_get_prefixlen(a) == (int)nl_addr_get_prefixlen(want);
	}
	nl_cache_free(cache);
	nl_addr_put(want);
	return found;
}

/* Builds the rtnl_route for `r` out via ifindex; shared by add and the CHECK lookup. */
static struct rtnl_route *route_build(int ifindex, const struct cni_route *r, const char *gw_default,
				      struct cni_err *e)
{
	struct rtnl_route *route = NULL;
	struct rtnl_nexthop *nh = NULL;
	struct nl_addr *dst = NULL, *gw = NULL;
	const char *gw_text = r->gw ? r->gw : gw_default;

	if (parse_prefix(r->dst, &dst, e))
		return NULL;
	if (gw_text && nl_addr_parse(gw_text, nl_addr_get_family(dst), &gw) < 0) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "route to %s: gateway \"%s\" is not an "
			    "address of the same family", r->dst, gw_text);
		goto fail;
	}
	route = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	if (!route || !nh) {
		cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		goto fail;
	}
	rtnl_route_set_family(route, (uint8_t)nl_addr_get_family(dst));
	if (rtnl_route_set_dst(route, dst) < 0) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "route to %s: bad destination", r->dst);
		goto fail;
	}
	rtnl_route_set_table(route, r->table >= 0 ? (uint32_t)r->table : RT_TABLE_MAIN);
	rtnl_route_set_protocol(route, RTPROT_BOOT);
	if (r->scope >= 0)
		rtnl_route_set_scope(route, (uint8_t)r->scope);
	else
		rtnl_route_set_scope(route, gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	if (r->priority >= 0)
		rtnl_route_set_priority(route, (uint32_t)r->priority);
	if (r->mtu > 0)
		rtnl_route_set_metric(route, RTAX_MTU, (unsigned)r->mtu);
	if (r->advmss > 0)
		rtnl_route_set_metric(route, RTAX_ADVMSS, (unsigned)r->advmss);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (gw)
		rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_add_nexthop(route, nh);
	nl_addr_put(dst);
	nl_addr_put(gw);
	return route;
fail:
	if (nh)
		rtnl_route_nh_free(nh);
	if (route)
		rtnl_route_put(route);
	nl_addr_put(dst);
	nl_addr_put(gw);
	return NULL;
}

int route_add(struct nl_sock *sk, int ifindex, const struct cni_route *r, const char *gw_default,
	      struct cni_err *e)
{
	struct rtnl_route *route = route_build(ifindex, r, gw_default, e);
	int err;

	if (!route)
		return -1;
	err = rtnl_route_add(sk, route, NLM_F_EXCL);
	rtnl_route_put(route);
	/* The same route twice (an IPAM listing it twice, a retried ADD) is not an error. */
	if (err < 0 && err != -NLE_EXIST)
		return cni_err_set(e, CNI_ERR_NETLINK, "cannot add route to %s%s%s: %s", r->dst,
				   r->gw || gw_default ? " via " : "",
				   r->gw ? r->gw : gw_default ? gw_default : "", nl_geterror(err));
	return 0;
}

struct route_match {
	struct rtnl_route *want;
	int ifindex;
	int found;
};

static void route_match_one(struct nl_object *obj, void *arg)
{
	struct route_match *m = arg;
	struct rtnl_route *have = (struct rtnl_route *)obj;
	struct rtnl_nexthop *hnh, *wnh;
	struct nl_addr *hgw, *wgw;

	if (m->found || rtnl_route_get_table(have) != rtnl_route_get_table(m->want) ||
	    nl_addr_cmp_prefix(rtnl_route_get_dst(have), rtnl_route_get_dst(m->want)) ||
	    nl_addr_get_prefixlen(rtnl_route_get_dst(have)) !=
		    nl_addr_get_prefixlen(rtnl_route_get_dst(m->want)) ||
	    rtnl_route_get_nnexthops(have) < 1)
		return;
	hnh = rtnl_route_nexthop_n(have, 0);
	wnh = rtnl_route_nexthop_n(m->want, 0);
	if (m->ifindex && rtnl_route_nh_get_ifindex(hnh) != m->ifindex)
		return;
	hgw = rtnl_route_nh_get_gateway(hnh);
	wgw = rtnl_route_nh_get_gateway(wnh);
	if ((hgw == NULL) != (wgw == NULL) || (hgw && nl_addr_cmp(hgw, wgw)))
		return;
	m->found = 1;
}

int route_present(struct nl_sock *sk, int ifindex, const struct cni_route *r,
		  const char *gw_default, struct cni_err *e)
{
	struct route_match m = { .ifindex = ifindex };
	struct nl_cache *cache = NULL;
	int err;

	m.want = route_build(ifindex, r, gw_default, e);
	if (!m.want)
		return -1;
	err = rtnl_route_alloc_cache(sk, rtnl_route_get_family(m.want), 0, &cache);
	if (err < 0) {
		rtnl_route_put(m.want);
		return cni_err_set(e, CNI_ERR_NETLINK, "cannot list routes: %s", nl_geterror(err));
	}
	nl_cache_foreach(cache, route_match_one, &m);
	/* ADD takes a route the table already holds through another interface (two pod
	 * interfaces with one default gateway: the second meets EEXIST) as applied: so does CHECK. */
	if (!m.found) {
		m.ifindex = 0;
		nl_cache_foreach(cache, route_match_one, &m);
	}
	nl_cache_free(cache);
	rtnl_route_put(m.want);
	return m.found;
}

static bool is_v6(const char *text)
{
	return strchr(text, ':') != NULL;
}

static bool ip_for_iface(const struct cni_ip *ip, int iface)
{
	return iface < 0 || ip->interface < 0 || ip->interface == iface;
}

/* The gateway a route without its own `gw` goes through: the first gateway of the
 * interface's IPs of the route's family (reference ConfigureIface). */
static const char *family_gateway(const struct cni_result *r, int iface, bool v6)
{
	for (int i = 0; i < r->n_ips; i++)
		if (ip_for_iface(&r->ips[i], iface) && r->ips[i].gateway &&
		    is_v6(r->ips[i].address) == v6)
			return r->ips[i].gateway;
	return NULL;
}

int iface_configure(struct nl_sock *sk, int ifindex, const char *ifname,
		    const struct cni_result *r, int iface, struct cni_err *e)
{
	struct rtnl_link *link = NULL;
	bool v6_enabled = false;
	int ret = -1;

	for (int i = 0; i < r->n_ips; i++) {
		if (!ip_for_iface(&r->ips[i], iface))
			continue;
		if (is_v6(r->ips[i].address) && !v6_enabled) {
			/* A pod namespace may start with IPv6 disabled; keep addresses across a
			 * down/up so a later MTU change does not drop them. */
			if (iface_sysctl_set("ipv6", ifname, "disable_ipv6", "0", e) ||
			    iface_sysctl_set("ipv6", ifname, "keep_addr_on_down", "1", e))
				goto out;
			v6_enabled = true;
		}
		if (addr_add(sk, ifindex, r->ips[i].address, e))
			goto out;
	}
	if (link_get_by_index(sk, ifindex, &link, e)) {
		if (!link)
			cni_err_set(e, CNI_ERR_NETLINK, "link %s disappeared", ifname);
		goto out;
	}
	if (link_set_up(sk, link, true, e))
		goto out;
	for (int i = 0; i < r->n_routes; i++) {
		const char *gw = family_gateway(r, iface, is_v6(r->routes[i].dst));

		if (route_add(sk, ifindex, &r->routes[i], gw, e))
			goto out;
	}
	ret = 0;
out:
	if (link)
		rtnl_link_put(link);
	return ret;
}

int iface_verify(struct nl_sock *sk, int ifindex, const char *ifname,
		 const struct cni_result *r, int iface, struct cni_err *e)
{
	int have;

	for (int i = 0; i < r->n_ips; i++) {
		if (!ip_for_iface(&r->ips[i], iface))
			continue;
		have = addr_present(sk, ifindex, r->ips[i].address, e);
		if (have < 0)
			return -1;
		if (!have)
			return cni_err_set(e, CNI_ERR_CHECK, "%s: address %s is missing", ifname,
					   r->ips[i].address);
	}
	for (int i = 0; i < r->n_routes; i++) {
		const char *gw = family_gateway(r, iface, is_v6(r->routes[i].dst));

		have = route_present(sk, ifindex, &r->routes[i], gw, e);
		if (have < 0)
			return -1;
		if (!have)
			return cni_err_set(e, CNI_ERR_CHECK, "%s: route to %s%s%s is missing", ifname,
					   r->routes[i].dst, gw ? " via " : "", gw ? gw : "");
	}
	return 0;
}

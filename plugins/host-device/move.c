/* Moving a NIC between the host and a pod. Each move carries the new name in the same
 * RTM_NEWLINK request: when the pod already has a link with the NIC's host name (eth0 vs
 * eth0), the kernel then picks the requested name instead of failing, the bug that made the
 * reference plugin refuse such pods (containernetworking/plugins#1002). */
#include <string.h>
#include "move.h"
#include "link.h"
#include "log.h"

int move_into_pod(struct nl_sock *host, struct rtnl_link *nic, int pod_fd, const char *ifname,
		  struct cni_err *e)
{
	struct link_change ch = LINK_CHANGE_INIT;

	ch.netns_fd = pod_fd;
	ch.name = ifname;
	/* The alias travels with the NIC: if the pod's namespace dies and the kernel returns
	 * the NIC as dev<N>, the alias still says whose it is (and the reference plugin's DEL
	 * can undo our ADD). */
	ch.alias = rtnl_link_get_name(nic);
	return link_change(host, nic, &ch, e);
}

int move_home(struct nl_sock *sk, struct rtnl_link *nic, int host_fd, struct nl_sock *host,
	      const struct hd_record *r, struct cni_err *e)
{
	struct link_change ch = LINK_CHANGE_INIT;
	struct rtnl_link *holder = NULL;
	char mac[18];
	int found;

	/* The kernel would move the NIC under its pod name and only then fail the rename,
	 * leaving it on the host under the wrong name: check the name first. */
	if (strcmp(rtnl_link_get_name(nic), r->device) || host_fd >= 0) {
		found = link_get(host, r->device, &holder, e);
		if (found < 0)
			return -1;
		if (found == 0 && (host_fd >= 0 ||
				   rtnl_link_get_ifindex(holder) != rtnl_link_get_ifindex(nic))) {
			rtnl_link_put(holder);
			return cni_err_set(e, CNI_ERR_TRY_AGAIN, "cannot return %s to the host: "
					   "another link is named %s there", r->device, r->device);
		}
		if (holder)
			rtnl_link_put(holder);
	}
	ch.netns_fd = host_fd;
	if (strcmp(rtnl_link_get_name(nic), r->device) || host_fd >= 0)
		ch.name = r->device;
	link_mac(nic, mac);
	if (r->hwaddr[0] && strcasecmp(mac, r->hwaddr))
		ch.mac = r->hwaddr;
	if (r->mtu && rtnl_link_get_mtu(nic) != r->mtu)
		ch.mtu = r->mtu;
	ch.alias = "";
	ch.up = r->up;
	if (link_change(sk, nic, &ch, e))
		return -1;
	log_info("returned %s to the host", r->device);
	return 0;
}

static bool ours(struct rtnl_link *link, const struct hd_record *r)
{
	const char *alias = rtnl_link_get_ifalias(link);
	char mac[18];

	if (!r)
		return alias && *alias;
	link_mac(link, mac);
	return (alias && !strcmp(alias, r->device)) || !strcasecmp(mac, r->pod_mac) ||
	       !strcasecmp(mac, r->hwaddr);
}

int find_in_pod(struct nl_sock *pod, const char *ifname, const struct hd_record *r,
		struct rtnl_link **out, struct cni_err *e)
{
	int found = link_get(pod, ifname, out, e);

	if (found < 0)
		return -1;
	if (found == 0) {
		if (ours(*out, r))
			return 0;
		rtnl_link_put(*out);
		*out = NULL;
	}
	if (!r)
		return 1;
	found = r->pod_mac[0] ? link_find_by_mac(pod, r->pod_mac, out, e) : 1;
	if (found == 1 && r->hwaddr[0])
		found = link_find_by_mac(pod, r->hwaddr, out, e);
	if (found == 1)
		found = link_find_by_alias(pod, r->device, out, e);
	return found;
}

int find_on_host(struct nl_sock *host, const struct hd_record *r, struct rtnl_link **out,
		 struct cni_err *e)
{
	int found = link_get(host, r->device, out, e);

	if (found < 0)
		return -1;
	if (found == 0) {
		if (ours(*out, r))
			return 0;
		rtnl_link_put(*out);
		*out = NULL;
	}
	found = r->pod_mac[0] ? link_find_by_mac(host, r->pod_mac, out, e) : 1;
	if (found == 1 && r->hwaddr[0])
		found = link_find_by_mac(host, r->hwaddr, out, e);
	if (found == 1)
		found = link_find_by_alias(host, r->device, out, e);
	return found;
}

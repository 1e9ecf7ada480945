/* Creating a macvlan with libnl's macvlan object, and setting its broadcast queue length,
 * which libnl (3.7) has no setter for, with a request built by libmnl. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <netlink/msg.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvlan.h>
#include "create.h"

int macvlan_tmpname(char out[IFNAMSIZ], struct cni_err *e)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return cni_err_set(e, CNI_ERR_INTERNAL, "getrandom: %s", strerror(errno));
	snprintf(out, IFNAMSIZ, "mvtmp%08x", r);
	return 0;
}

int macvlan_create(struct nl_sock *sk, const struct mv_spec *s, struct cni_err *e)
{
	struct rtnl_link *link = rtnl_link_macvlan_alloc();
	struct nl_addr *mac = NULL;
	int err, ret = -1;

	if (!link)
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	rtnl_link_set_name(link, s->name);
	rtnl_link_set_link(link, s->master_ifindex);
	/* IFLA_NET_NS_FD on the create: the link is born in the pod, so its name never meets
	 * the host's names and a failure can never leave it on the host. */
	if (s->netns_fd >= 0)
		rtnl_link_set_ns_fd(link, s->netns_fd);
	if (s->mtu)
		rtnl_link_set_mtu(link, s->mtu);
	err = rtnl_link_macvlan_set_mode(link, s->mode);
	if (err < 0) {
		cni_err_set(e, CNI_ERR_INTERNAL, "macvlan mode: %s", nl_geterror(err));
		goto out;
	}
	if (s->mac) {
		err = nl_addr_parse(s->mac, AF_LLC, &mac);
		if (err < 0) {
			cni_err_set(e, CNI_ERR_INVALID_CONFIG, "invalid MAC address \"%s\"", s->mac);
			goto out;
		}
		rtnl_link_set_addr(link, mac);
	}
	err = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	if (err < 0) {
		cni_err_set(e, CNI_ERR_NETLINK, "cannot create macvlan (mode %s) on master %s: %s",
			    s->mode_name, s->master_name, nl_geterror(err));
		goto out;
	}
	ret = 0;
out:
	nl_addr_put(mac);
	rtnl_link_put(link);
	return ret;
}

int macvlan_set_bcqueuelen(struct nl_sock *sk, int ifindex, uint32_t len, struct cni_err *e)
{
	/* ifinfomsg + LINKINFO{KIND "macvlan", DATA{BC_QUEUE_LEN u32}}: well under 128 bytes. */
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct nlattr *info, *data;
	struct nl_msg *msg;
	int err;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_MACVLAN_BC_QUEUE_LEN, len);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);

	/* Sent through the libnl socket that is already bound to the pod's namespace: libnl
	 * fills in port id and sequence and waits for the kernel's ack. */
	msg = nlmsg_convert(nlh);
	if (!msg)
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	err = nl_send_sync(sk, msg);
	if (err < 0)
		return cni_err_set(e, CNI_ERR_NETLINK, "cannot set bcqueuelen %u: %s", len,
				   nl_geterror(err));
	return 0;
}

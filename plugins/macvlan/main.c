/* macvlan: a macvlan on a shared host NIC, made directly inside the pod (DESIGN.md §4).
 * Each verb reads like the spec: parse, validate, act, roll back, answer. */
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include <netlink/route/link/macvlan.h>
#include "addr.h"
#include "cni.h"
#include "create.h"
#include "ipam.h"
#include "link.h"
#include "log.h"
#include "master.h"
#include "netns.h"
#include "options.h"

/* ETH_MIN_MTU: below it the kernel refuses the create with a bare "invalid argument". */
#define MTU_MIN 68

static const char *const args_known[] = { "MAC", NULL };

static int mtu_check(const struct mv_conf *mc, struct rtnl_link *master, struct cni_err *e)
{
	unsigned max = rtnl_link_get_mtu(master);

	/* The reference plugin's wording, so operators' searches find the same fix. */
	if (mc->mtu < 0 || mc->mtu > (long)max)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
				   "invalid MTU %ld, must be [0, master MTU(%u)]", mc->mtu, max);
	if (mc->mtu > 0 && mc->mtu < MTU_MIN)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
				   "invalid MTU %ld, the kernel's minimum is %d", mc->mtu, MTU_MIN);
	return 0;
}

/* The kernel would take it, but the macvlan could then never come up (it must differ from
 * its lower link's MAC, except in passthru mode where it becomes the master's own). */
static int mac_check_master(const struct mv_conf *mc, struct rtnl_link *master,
			    struct cni_err *e)
{
	char have[18];

	link_mac(master, have);
	if (mc->mac && mc->mode != MACVLAN_MODE_PASSTHRU && !strcasecmp(mc->mac, have))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "requested MAC %s is the MAC of "
				   "master %s", mc->mac, rtnl_link_get_name(master));
	return 0;
}

/* Opening a macvlan whose MAC another macvlan of the same master already has fails with
 * EADDRINUSE, which libnl reports as "Object exists": say what it means when a MAC was asked
 * for and the link did not come up. */
static void explain_mac_in_use(struct nl_sock *pod, int ifindex, const struct mv_conf *mc,
			       const char *master, struct cni_err *e)
{
	struct rtnl_link *now = NULL;
	struct cni_err ignored;

	if (!mc->mac || e->code != CNI_ERR_NETLINK)
		return;
	if (link_get_by_index(pod, ifindex, &now, &ignored) == 0 && !link_is_up(now))
		cni_err_details(e, "MAC %s is probably in use by another macvlan on master %s",
				mc->mac, master);
	if (now)
		rtnl_link_put(now);
}

/* Rollback of the create: by the link we read back, or by its temporary name when even the
 * read-back failed. The kernel frees nothing on the master, so this is all there is. */
static void undo_create(struct nl_sock *pod, struct rtnl_link *mv, const char *tmpname)
{
	struct rtnl_link *byname = NULL;
	struct cni_err e;

	if (!mv) {
		byname = rtnl_link_alloc();
		if (!byname) {
			log_error("rollback: out of memory; macvlan %s is left in the pod", tmpname);
			return;
		}
		rtnl_link_set_name(byname, tmpname);
		mv = byname;
	}
	if (link_delete(pod, mv, &e))
		log_error("rollback: %s", e.msg);
	else
		log_info("rollback: deleted the new macvlan");
	if (byname)
		rtnl_link_put(byname);
}

/* The two sysctls are per device and survive the rename, so they are set under the
 * temporary name, before the link ever goes up: the kernel then announces the address
 * (gratuitous ARP, unsolicited NA) when it comes up or its MAC changes, and switches and
 * neighbours learn the new MAC at once. A pod may have IPv6 disabled: that one is best effort. */
static int announce_set(int pod_fd, const char *name, struct cni_err *e)
{
	struct cni_err ignored;
	int saved = -1, ret;

	if (netns_switch(pod_fd, &saved, e))
		return -1;
	ret = iface_sysctl_set("ipv4", name, "arp_notify", "1", e);
	if (!ret && iface_sysctl_set("ipv6", name, "ndisc_notify", "1", &ignored))
		log_debug("%s", ignored.msg);
	netns_return(saved);
	return ret;
}

static int mv_add(struct cni_ctx *c, struct cni_result **out, struct cni_err *e)
{
	struct nl_sock *host = NULL, *pod = NULL, *master_sk;
	struct rtnl_link *master = NULL, *mv = NULL, *taken = NULL;
	struct cni_result *ipam = NULL;
	struct link_change rename = LINK_CHANGE_INIT;
	struct mv_conf mc;
	struct mv_spec spec;
	struct cni_err undo;
	char tmpname[IFNAMSIZ], mac[18];
	const char *where;
	int pod_fd = -1, saved = -1, ifindex, ret = -1;
	bool created = false, leased = false;

	if (mv_conf_load(c, &mc, e) || netns_open(c->netns, &pod_fd, e))
		goto out;
	pod = nl_sock_new(pod_fd, e);
	if (!pod)
		goto out;
	/* The master lives where we run (the node), or in the pod with linkInContainer. */
	if (mc.link_in_container) {
		master_sk = pod;
		where = "pod";
	} else {
		host = nl_sock_new(-1, e);
		if (!host)
			goto out;
		master_sk = host;
		where = "host";
	}
	switch (link_get(pod, c->ifname, &taken, e)) {
	case 0:
		cni_err_set(e, CNI_ERR_INVALID_ENV, "interface %s already exists in the pod",
			    c->ifname);
		/* fall through */
	case -1:
		goto out;
	}
	if (master_find(master_sk, mc.master, where, &master, e) || mtu_check(&mc, master, e) ||
	    mac_check_master(&mc, master, e) || macvlan_tmpname(tmpname, e))
		goto out;

	spec = (struct mv_spec){
		.name = tmpname,
		.master_name = rtnl_link_get_name(master),
		.master_ifindex = rtnl_link_get_ifindex(master),
		.netns_fd = mc.link_in_container ? -1 : pod_fd,
		.mode = mc.mode,
		.mode_name = mc.mode_name,
		.mtu = (unsigned)mc.mtu,
		.mac = mc.mac,
	};
	if (macvlan_create(master_sk, &spec, e))
		goto out;
	created = true;
	switch (link_get(pod, tmpname, &mv, e)) {
	case 1:
		cni_err_set(e, CNI_ERR_NETLINK, "the new macvlan %s vanished from the pod",
			    tmpname);
		/* fall through */
	case -1:
		goto out;
	}
	ifindex = rtnl_link_get_ifindex(mv);
	link_mac(mv, mac);
	if (mc.bcqueuelen && macvlan_set_bcqueuelen(pod, ifindex, mc.bcqueuelen, e))
		goto out;
	if (announce_set(pod_fd, tmpname, e))
		goto out;
	/* Without IPAM the rename and the link-up go out as one request (the kernel renames
	 * before it changes flags); with IPAM the link stays down until its addresses are on. */
	rename.name = c->ifname;
	if (!c->conf.ipam_type)
		rename.up = 1;
	if (link_change(pod, mv, &rename, e)) {
		if (rename.up == 1)
			explain_mac_in_use(pod, ifindex, &mc, spec.master_name, e);
		goto out;
	}
	log_info("created %s: macvlan %s on %s (%s namespace), MAC %s", c->ifname, mc.mode_name,
		 spec.master_name, where, mac);

	if (c->conf.ipam_type) {
		if (ipam_exec_add(c, &ipam, e))
			goto out;
		leased = true;
		/* iface_configure writes the IPv6 sysctls of the pod's namespace. */
		if (netns_switch(pod_fd, &saved, e))
			goto out;
		ret = iface_configure(pod, ifindex, c->ifname, ipam, -1, e);
		netns_return(saved);
		if (ret) {
			explain_mac_in_use(pod, ifindex, &mc, spec.master_name, e);
			goto out;
		}
		ret = -1;
	}
	/* Last, so that no later failure has to undo it (and DEL never does: README). */
	if (mc.promisc && master_set_promisc(master_sk, master, e))
		goto out;
	*out = result_attachment_new(c->ifname, mac, c->netns, mc.dns, ipam);
	if (*out)
		(*out)->ifaces[0].mtu = (int)rtnl_link_get_mtu(mv);
	if (!*out) {
		cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		goto out;
	}
	ret = 0;
out:
	if (ret && leased && ipam_exec_del(c, &undo))
		log_error("rollback: releasing the IPAM lease failed: %s", undo.msg);
	if (ret && created)
		undo_create(pod, mv, tmpname);
	if (taken)
		rtnl_link_put(taken);
	if (mv)
		rtnl_link_put(mv);
	if (master)
		rtnl_link_put(master);
	result_free(ipam);
	nl_sock_free(host);
	nl_sock_free(pod);
	netns_close(pod_fd);
	return ret;
}

/* Deletes CNI_IFNAME from the pod when the pod and the link still exist. That is all a
 * macvlan holds: the kernel already deleted it if the master or the namespace went away,
 * so DEL needs neither the master nor any record. */
static int link_remove(const struct cni_ctx *c, struct cni_err *e)
{
	struct nl_sock *pod = NULL;
	struct rtnl_link *mv = NULL;
	struct cni_err gone;
	const char *kind;
	int pod_fd = -1, ret = -1;

	if (!c->netns) {
		log_info("DEL: no CNI_NETNS: no link to delete");
		return 0;
	}
	if (netns_open(c->netns, &pod_fd, &gone)) {
		/* Gone, or a leftover file where a namespace was mounted: the link died with it. */
		if (gone.code == CNI_ERR_UNKNOWN_CONTAINER || gone.code == CNI_ERR_INVALID_ENV) {
			log_info("DEL: %s: no link to delete", gone.msg);
			return 0;
		}
		*e = gone;
		return -1;
	}
	pod = nl_sock_new(pod_fd, e);
	if (!pod)
		goto out;
	switch (link_get(pod, c->ifname, &mv, e)) {
	case 1:
		ret = 0;
		/* fall through */
	case -1:
		goto out;
	}
	if (!rtnl_link_is_macvlan(mv)) {
		kind = rtnl_link_get_type(mv);
		log_warn("DEL: %s in the pod is %s%s, not a macvlan: left alone", c->ifname,
			 kind ? "a " : "a device without a kind", kind ? kind : "");
		ret = 0;
		goto out;
	}
	ret = link_delete(pod, mv, e);
out:
	if (mv)
		rtnl_link_put(mv);
	nl_sock_free(pod);
	netns_close(pod_fd);
	return ret;
}

static int mv_del(struct cni_ctx *c, struct cni_err *e)
{
	struct cni_err ipam_err;
	bool ipam_failed = false;

	/* IPAM first, while the interface (which a DHCP-like IPAM may read) still exists; its
	 * failure must not keep the link alive, so it is reported after the link is gone. */
	if (c->conf.ipam_type && ipam_exec_del(c, &ipam_err)) {
		log_error("DEL: IPAM release failed: %s", ipam_err.msg);
		ipam_failed = true;
	}
	if (link_remove(c, e))
		return -1;
	if (ipam_failed) {
		*e = ipam_err;
		return -1;
	}
	return 0;
}

/* CHECK of the link itself: a macvlan, on the configured master, in the configured mode,
 * with the MAC and MTU the ADD reported. */
static int check_link(struct rtnl_link *mv, struct rtnl_link *master, const struct mv_conf *mc,
		      const struct cni_iface *want, const char *ifname, struct cni_err *e)
{
	char mac[18];
	int32_t nsid;
	bool cross_ns;
	unsigned mtu;
	uint32_t mode;

	if (!rtnl_link_is_macvlan(mv))
		return cni_err_set(e, CNI_ERR_CHECK, "%s is %s, not a macvlan", ifname,
				   rtnl_link_get_type(mv) ? rtnl_link_get_type(mv) : "no virtual link");
	/* The lower link's index is in the master's namespace; the kernel adds a netns id
	 * exactly when that is not the pod's, which tells linkInContainer apart too. */
	cross_ns = rtnl_link_get_link_netnsid(mv, &nsid) == 0;
	if (rtnl_link_get_link(mv) != rtnl_link_get_ifindex(master) ||
	    cross_ns == mc->link_in_container)
		return cni_err_set(e, CNI_ERR_CHECK, "%s is not on master %s (%s namespace)", ifname,
				   rtnl_link_get_name(master),
				   mc->link_in_container ? "pod" : "host");
	mode = rtnl_link_macvlan_get_mode(mv);
	if (mode != mc->mode) {
		char have[32];

		return cni_err_set(e, CNI_ERR_CHECK, "%s is in mode %s, the config says %s", ifname,
				   rtnl_link_macvlan_mode2str((int)mode, have, sizeof(have)),
				   mc->mode_name);
	}
	link_mac(mv, mac);
	if (want->mac && strcasecmp(want->mac, mac))
		return cni_err_set(e, CNI_ERR_CHECK, "%s has MAC %s, prevResult says %s", ifname,
				   mac, want->mac);
	mtu = rtnl_link_get_mtu(mv);
	if (mc->mtu > 0 && mtu != (unsigned)mc->mtu)
		return cni_err_set(e, CNI_ERR_CHECK, "%s has MTU %u, the config says %ld", ifname,
				   mtu, mc->mtu);
	if (want->mtu > 0 && mtu != (unsigned)want->mtu)
		return cni_err_set(e, CNI_ERR_CHECK, "%s has MTU %u, prevResult says %d", ifname,
				   mtu, want->mtu);
	return 0;
}

static int mv_check(struct cni_ctx *c, struct cni_err *e)
{
	const struct cni_result *prev = c->conf.prev_result;
	struct nl_sock *host = NULL, *pod = NULL;
	struct rtnl_link *mv = NULL, *master = NULL;
	struct mv_conf mc;
	int pod_fd = -1, idx = -1, ret = -1;

	if (mv_conf_load(c, &mc, e))
		return -1;
	idx = cni_check_prev_iface(c, e);
	if (idx < 0)
		return -1;
	if (c->conf.ipam_type && ipam_exec_check(c, e))
		return -1;
	if (netns_open(c->netns, &pod_fd, e) || !(pod = nl_sock_new(pod_fd, e)))
		goto out;
	if (!mc.link_in_container && !(host = nl_sock_new(-1, e)))
		goto out;
	switch (link_get(pod, c->ifname, &mv, e)) {
	case 1:
		cni_err_set(e, CNI_ERR_CHECK, "interface %s is missing from the pod", c->ifname);
		/* fall through */
	case -1:
		goto out;
	}
	if (master_find(host ? host : pod, mc.master, host ? "host" : "pod", &master, e) ||
	    check_link(mv, master, &mc, &prev->ifaces[idx], c->ifname, e))
		goto out;
	ret = iface_verify(pod, rtnl_link_get_ifindex(mv), c->ifname, prev, idx, e);
out:
	if (master)
		rtnl_link_put(master);
	if (mv)
		rtnl_link_put(mv);
	nl_sock_free(host);
	nl_sock_free(pod);
	netns_close(pod_fd);
	return ret;
}

/* STATUS: ADD can be served when the master is there (the reference leaves this as a TODO)
 * and the IPAM says it is ready. A master inside pods (linkInContainer) cannot be seen here. */
static int mv_status(struct cni_ctx *c, struct cni_err *e)
{
	struct nl_sock *host = NULL;
	struct rtnl_link *master = NULL;
	struct mv_conf mc;
	int ret = -1;

	if (mv_conf_load(c, &mc, e))
		return -1;
	if (!mc.link_in_container) {
		host = nl_sock_new(-1, e);
		if (!host || master_find(host, mc.master, "host", &master, e)) {
			e->code = CNI_ERR_NOT_AVAILABLE;
			goto out;
		}
	}
	if (c->conf.ipam_type && ipam_exec_status(c, e))
		goto out;
	ret = 0;
out:
	if (master)
		rtnl_link_put(master);
	nl_sock_free(host);
	return ret;
}

/* GC: a macvlan dies with its pod's namespace and holds nothing on the node, so there is no
 * state of ours to collect; the IPAM's leases are (spec: forward GC to delegates). */
static int mv_gc(struct cni_ctx *c, struct cni_err *e)
{
	return c->conf.ipam_type ? ipam_exec_gc(c, e) : 0;
}

static const struct cni_plugin macvlan = {
	.name = "macvlan",
	.args_known = args_known,
	.add = mv_add,
	.del = mv_del,
	.check = mv_check,
	.status = mv_status,
	.gc = mv_gc,
};

int main(int argc, char **argv)
{
	return cni_main(&macvlan, argc, argv);
}

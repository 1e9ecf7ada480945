/* host-device: lends a whole host NIC from a pool to a pod and gives it back (DESIGN.md §3).
 * Each verb reads like the spec: parse, validate, act, roll back, answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "cni.h"
#include "ipam.h"
#include "link.h"
#include "lock.h"
#include "log.h"
#include "move.h"
#include "netns.h"
#include "pool.h"
#include "record.h"
#include "state.h"

#define POOL_LOCK_TIMEOUT_MS 10000

static const char *const args_known[] = { "MAC", NULL };

static int hd_add(struct cni_ctx *c, struct cni_result **out, struct cni_err *e)
{
	struct nl_sock *host = NULL, *pod = NULL;
	struct rtnl_link *nic = NULL, *lent = NULL;
	struct cni_result *ipam = NULL;
	struct hd_conf hc = { 0 };
	struct hd_record rec;
	struct cni_err undo;
	char lockpath[300], mac[18];
	int pod_fd = -1, host_fd = -1, lock = -1, saved = -1, ret = -1;
	bool recorded = false, moved = false, leased = false;

	if (hd_conf_load(c, &hc, e))
		goto out;
	if (hc.n_pool == 0) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "specify \"device\", \"devices\", \"hwaddr\", "
			    "\"kernelpath\", \"pciBusID\" or runtimeConfig \"deviceID\"");
		goto out;
	}
	if (netns_open(c->netns, &pod_fd, e) || netns_open_current(&host_fd, e))
		goto out;
	host = nl_sock_new(-1, e);
	pod = host ? nl_sock_new(pod_fd, e) : NULL;
	if (!pod)
		goto out;
	switch (link_get(pod, c->ifname, &lent, e)) {
	case 0:
		cni_err_set(e, CNI_ERR_INVALID_ENV, "interface %s already exists in the pod",
			    c->ifname);
		/* fall through */
	case -1:
		goto out;
	}

	/* Concurrent ADDs must not pick the same NIC: hold the pool until ours has left. */
	snprintf(lockpath, sizeof(lockpath), "%s/pool.lock", c->state_dir);
	if (state_dir_ensure(c->state_dir, e))
		goto out;
	lock = lock_acquire(lockpath, POOL_LOCK_TIMEOUT_MS, e);
	if (lock < 0 || pool_take(host, &hc, c->state_dir, &nic, e))
		goto out;
	record_from_link(&rec, nic);
	if (hc.mac)
		snprintf(rec.pod_mac, sizeof(rec.pod_mac), "%s", hc.mac);
	/* Recorded before the move, so a DEL after a crash mid-ADD can still find it. */
	if (record_save(c, &rec, e))
		goto out;
	recorded = true;
	if (move_into_pod(host, nic, pod_fd, c->ifname, e))
		goto out;
	moved = true;
	lock_release(lock);
	lock = -1;
	log_info("lent %s to the pod as %s", rec.device, c->ifname);

	if (link_get(pod, c->ifname, &lent, e)) {
		if (!lent)
			cni_err_set(e, CNI_ERR_NETLINK, "%s vanished after the move", c->ifname);
		goto out;
	}
	if (hc.mac) {
		struct link_change ch = LINK_CHANGE_INIT;

		ch.mac = hc.mac;
		if (link_change(pod, lent, &ch, e))
			goto out;
	}
	if (c->conf.ipam_type) {
		if (ipam_exec_add(c, &ipam, e))
			goto out;
		leased = true;
	}
	if (netns_switch(pod_fd, &saved, e))
		goto out;
	if (ipam)
		ret = iface_configure(pod, rtnl_link_get_ifindex(lent), c->ifname, ipam, -1, e);
	else
		ret = link_set_up(pod, lent, true, e);
	netns_return(saved);
	if (ret)
		goto out;
	ret = -1;
	snprintf(mac, sizeof(mac), "%s", hc.mac ? hc.mac : rec.hwaddr);
	*out = result_attachment_new(c->ifname, mac, c->netns, hc.dns, ipam);
	if (!*out) {
		cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		goto out;
	}
	ret = 0;
out:
	if (ret && leased && ipam_exec_del(c, &undo))
		log_error("rollback: releasing the IPAM lease failed: %s", undo.msg);
	if (ret && moved) {
		struct rtnl_link *back = NULL;

		if (find_in_pod(pod, c->ifname, &rec, &back, &undo) == 0 &&
		    !move_home(pod, back, host_fd, host, &rec, &undo)) {
			log_info("rollback: %s returned to the host", rec.device);
		} else {
			/* Keep the record: the runtime's DEL will find the NIC with it. */
			log_error("rollback: could not return %s: %s", rec.device, undo.msg);
			recorded = false;
		}
		if (back)
			rtnl_link_put(back);
	}
	if (ret && recorded && state_remove(c->state_dir, c->container_id, c->ifname, &undo))
		log_error("rollback: %s", undo.msg);
	lock_release(lock);
	if (lent)
		rtnl_link_put(lent);
	if (nic)
		rtnl_link_put(nic);
	result_free(ipam);
	nl_sock_free(pod);
	nl_sock_free(host);
	netns_close(pod_fd);
	netns_close(host_fd);
	hd_conf_free(&hc);
	return ret;
}

/* Gives one attachment's NIC back to the host, wherever it is now: in the pod (netns given
 * and alive), or already on the host under another name. Nothing found is success. */
static int return_device(const char *netns, const char *ifname, const struct hd_record *rec,
			 struct cni_err *e)
{
	struct nl_sock *host = NULL, *pod = NULL;
	struct rtnl_link *nic = NULL;
	struct hd_record from_alias;
	int pod_fd = -1, host_fd = -1, found = 1, ret = -1;
	struct cni_err ignored;

	if (netns_open_current(&host_fd, e) || !(host = nl_sock_new(-1, e)))
		goto out;
	if (netns && *netns && !netns_open(netns, &pod_fd, &ignored)) {
		pod = nl_sock_new(pod_fd, e);
		if (!pod)
			goto out;
		found = find_in_pod(pod, ifname, rec, &nic, e);
		if (found < 0)
			goto out;
		if (found == 0 && !rec) {
			/* No record (an ADD by another tool, or a lost state dir): the alias
			 * is the only memory of the original name. */
			record_from_link(&from_alias, nic);
			snprintf(from_alias.device, sizeof(from_alias.device), "%s",
				 rtnl_link_get_ifalias(nic));
			from_alias.mtu = 0;
			from_alias.up = false;
			rec = &from_alias;
		}
		if (found == 0) {
			ret = move_home(pod, nic, host_fd, host, rec, e);
			goto out;
		}
	}
	if (!rec) {
		log_info("DEL: no record and no %s in the pod: nothing to return", ifname);
		ret = 0;
		goto out;
	}
	found = find_on_host(host, rec, &nic, e);
	if (found < 0)
		goto out;
	if (found == 1) {
		log_warn("DEL: %s (%s) is neither in the pod nor on the host", rec->device,
			 rec->hwaddr);
		ret = 0;
		goto out;
	}
	ret = move_home(host, nic, -1, host, rec, e);
out:
	if (nic)
		rtnl_link_put(nic);
	nl_sock_free(pod);
	nl_sock_free(host);
	netns_close(pod_fd);
	netns_close(host_fd);
	return ret;
}

static int hd_del(struct cni_ctx *c, struct cni_err *e)
{
	struct hd_record rec;
	struct cni_err ipam_err;
	int have, ret = -1;
	bool ipam_failed = false;

	have = record_load(c, c->container_id, c->ifname, &rec, e);
	if (have < 0) {
		/* A broken record must not block DEL forever (a pod stuck in Terminating): go on
		 * as if there were none, the alias still names the NIC, and remove it below. */
		log_error("DEL: ignoring unreadable state record: %s", e->msg);
		have = 1;
	}
	/* IPAM first, while the interface (which a DHCP-like IPAM may read) is still in the
	 * pod; its failure must not keep the NIC from going home, so it is reported last. */
	if (c->conf.ipam_type && ipam_exec_del(c, &ipam_err)) {
		log_error("DEL: IPAM release failed: %s", ipam_err.msg);
		ipam_failed = true;
	}
	if (return_device(c->netns, c->ifname, have == 0 ? &rec : NULL, e))
		return -1;
	/* Also without a record: an ADD killed mid-write may have left its temp file. */
	if (state_remove(c->state_dir, c->container_id, c->ifname, e))
		return -1;
	if (ipam_failed) {
		*e = ipam_err;
		goto out;
	}
	ret = 0;
out:
	return ret;
}

static int hd_check(struct cni_ctx *c, struct cni_err *e)
{
	const struct cni_result *prev = c->conf.prev_result;
	struct nl_sock *pod = NULL;
	struct rtnl_link *nic = NULL;
	struct hd_record rec;
	char mac[18];
	int pod_fd = -1, idx, ret = -1;

	idx = cni_check_prev_iface(c, e);
	if (idx < 0)
		return -1;
	if (c->conf.ipam_type && ipam_exec_check(c, e))
		return -1;
	if (netns_open(c->netns, &pod_fd, e) || !(pod = nl_sock_new(pod_fd, e)))
		goto out;
	switch (link_get(pod, c->ifname, &nic, e)) {
	case 1:
		cni_err_set(e, CNI_ERR_CHECK, "interface %s is missing from the pod", c->ifname);
		/* fall through */
	case -1:
		goto out;
	}
	link_mac(nic, mac);
	if (prev->ifaces[idx].mac && strcasecmp(prev->ifaces[idx].mac, mac)) {
		cni_err_set(e, CNI_ERR_CHECK, "%s has MAC %s, prevResult says %s", c->ifname, mac,
			    prev->ifaces[idx].mac);
		goto out;
	}
	if (record_load(c, c->container_id, c->ifname, &rec, e) == 0) {
		const char *alias = rtnl_link_get_ifalias(nic);

		if (!alias || strcmp(alias, rec.device)) {
			cni_err_set(e, CNI_ERR_CHECK, "%s is not the device %s that was lent",
				    c->ifname, rec.device);
			goto out;
		}
	}
	ret = iface_verify(pod, rtnl_link_get_ifindex(nic), c->ifname, prev, idx, e);
out:
	if (nic)
		rtnl_link_put(nic);
	nl_sock_free(pod);
	netns_close(pod_fd);
	return ret;
}

static int hd_status(struct cni_ctx *c, struct cni_err *e)
{
	return c->conf.ipam_type ? ipam_exec_status(c, e) : 0;
}

struct gc_walk {
	struct cni_ctx *c;
	int failures;
	struct cni_err first;
};

static int gc_one(const char *id, const char *ifname, cJSON *record, void *arg)
{
	struct gc_walk *w = arg;
	const cJSON *netns = cJSON_GetObjectItemCaseSensitive(record, "netns");
	const cJSON *network = cJSON_GetObjectItemCaseSensitive(record, "network");
	struct hd_record rec;
	struct cni_err e;

	/* The valid list covers this network only; another network's NICs may share the
	 * state folder and are not ours to take back. */
	if (!cJSON_IsString(network) || strcmp(network->valuestring, w->c->conf.name))
		return 0;
	if (cni_gc_attachment_valid(w->c, id, ifname) || record_from_json(record, &rec))
		return 0;
	log_info("GC: reclaiming %s of stale attachment %s/%s", rec.device, id, ifname);
	if (return_device(cJSON_IsString(netns) ? netns->valuestring : NULL, ifname, &rec, &e) ||
	    state_remove(w->c->state_dir, id, ifname, &e)) {
		if (!w->failures++)
			w->first = e;
	}
	return 0;
}

/* GC: the IPAM first (spec: forward to delegates), then every NIC still lent to an
 * attachment the runtime no longer knows. Keeps going past errors, reports the first. */
static int hd_gc(struct cni_ctx *c, struct cni_err *e)
{
	struct gc_walk w = { .c = c };
	struct cni_err ipam_err;
	bool ipam_failed = c->conf.ipam_type && ipam_exec_gc(c, &ipam_err);

	if (state_foreach(c->state_dir, gc_one, &w, e))
		return -1;
	if (w.failures) {
		*e = w.first;
		return -1;
	}
	if (ipam_failed) {
		*e = ipam_err;
		return -1;
	}
	return 0;
}

static const struct cni_plugin host_device = {
	.name = "host-device",
	.args_known = args_known,
	.add = hd_add,
	.del = hd_del,
	.check = hd_check,
	.status = hd_status,
	.gc = hd_gc,
};

int main(int argc, char **argv)
{
	return cni_main(&host_device, argc, argv);
}

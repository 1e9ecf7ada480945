/* vdhcp: IPAM that leases IPv4 addresses from the KREONET-S vDHCP REST API (DESIGN.md §5), and
 * `vdhcp daemon`, which renews the recorded leases. The verbs read like the spec: load, lock,
 * ask the server, record, answer; every step that succeeded is undone when a later one fails. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "client.h"
#include "cni.h"
#include "config.h"
#include "daemon.h"
#include "http.h"
#include "link.h"
#include "lock.h"
#include "log.h"
#include "netns.h"
#include "record.h"
#include "state.h"
#include "version.h"

/* MAC is the main plugin's (host-device, macvlan); the IPAM sees the same CNI_ARGS. */
static const char *const args_known[] = { "VDN_ID", "IP", "MAC", NULL };

/* The MAC of CNI_IFNAME in the pod. 0 found, 1 no such namespace or link, -1 error. */
static int pod_mac(const char *netns, const char *ifname, char mac[18], struct cni_err *e)
{
	struct nl_sock *sk = NULL;
	struct rtnl_link *link = NULL;
	unsigned char bytes[6];
	int fd = -1, ret = -1;

	if (!netns || !*netns)
		return 1;
	if (netns_open(netns, &fd, e))
		return e->code == CNI_ERR_UNKNOWN_CONTAINER ? 1 : -1;
	sk = nl_sock_new(fd, e);
	if (!sk)
		goto out;
	ret = link_get(sk, ifname, &link, e);
	if (ret)
		goto out;
	link_mac(link, mac);
	if (!conf_parse_mac(mac, bytes) || !memcmp(bytes, "\0\0\0\0\0\0", 6)) {
		ret = cni_err_set(e, CNI_ERR_DEVICE, "%s in the pod has no MAC address; the vDHCP "
				  "API leases by MAC", ifname);
		goto out;
	}
	ret = 0;
out:
	if (link)
		rtnl_link_put(link);
	nl_sock_free(sk);
	netns_close(fd);
	return ret;
}

/* Long enough for the daemon to finish a renewal of this attachment against every server. */
static int lock_wait_ms(const struct vdhcp_conf *vc)
{
	long ms = 2 * vc->n_servers * vc->timeout_ms + 1000;

	return (int)(ms < 10000 ? 10000 : ms > 600000 ? 600000 : ms);
}

static int dns_add_unique(cJSON *list, const char *ip)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, list)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, ip))
			return 0;
	return cJSON_AddItemToArray(list, cJSON_CreateString(ip)) ? 0 : -1;
}

/* The server's nameservers first, then the config's; domain, search and options from the
 * config (the API has none). NULL in *out when there is nothing to say. */
static int dns_merge(const struct vdhcp_lease *l, const cJSON *conf_dns, cJSON **out)
{
	const cJSON *ns = cJSON_GetObjectItemCaseSensitive(conf_dns, "nameservers"), *it;
	cJSON *dns = NULL, *list = NULL;

	*out = NULL;
	if (!l->n_dns && !(conf_dns && conf_dns->child))
		return 0;
	dns = conf_dns ? cJSON_Duplicate(conf_dns, 1) : cJSON_CreateObject();
	list = cJSON_CreateArray();
	if (!dns || !list)
		goto fail;
	for (int i = 0; i < l->n_dns; i++)
		if (dns_add_unique(list, l->dns[i]))
			goto fail;
	cJSON_ArrayForEach(it, ns)
		if (cJSON_IsString(it) && dns_add_unique(list, it->valuestring))
			goto fail;
	cJSON_DeleteItemFromObjectCaseSensitive(dns, "nameservers");
	if (cJSON_GetArraySize(list) > 0) {
		if (!cJSON_AddItemToObject(dns, "nameservers", list))
			goto fail;
		list = NULL;
	}
	cJSON_Delete(list);
	*out = dns;
	return 0;
fail:
	cJSON_Delete(list);
	cJSON_Delete(dns);
	return -1;
}

/* The IPAM result (abbreviated: no interfaces): the leased address, its gateway, the
 * configured routes or a default route via the gateway, and the merged DNS. */
static struct cni_result *result_build(const struct vdhcp_conf *vc, const struct vdhcp_lease *l)
{
	struct cni_result *r = result_new();
	char cidr[INET_ADDRSTRLEN + 3];

	lease_cidr(l, cidr, sizeof(cidr));
	if (!r || result_add_ip(r, cidr, l->gateway[0] ? l->gateway : NULL, -1) < 0)
		goto fail;
	if (vc->routes_given) {
		for (int i = 0; i < vc->extra->n_routes; i++) {
			const struct cni_route *src = &vc->extra->routes[i];
			int k = result_add_route(r, src->dst, src->gw);

			if (k < 0)
				goto fail;
			r->routes[k] = (struct cni_route){ r->routes[k].dst, r->routes[k].gw, src->mtu,
				src->advmss, src->priority, src->table, src->scope };
		}
	} else if (l->gateway[0] && result_add_route(r, "0.0.0.0/0", l->gateway) < 0) {
		goto fail;
	}
	if (dns_merge(l, vc->extra->dns, &r->dns))
		goto fail;
	return r;
fail:
	result_free(r);
	return NULL;
}

static void target_of(struct client_target *t, const struct vdhcp_server *s, int n, long timeout)
{
	t->servers = s;
	t->n = n;
	t->first = 0;
	t->timeout_ms = timeout;
	t->maybe_done = NULL;
}

/* Best effort: used for rollbacks and for the lease of a replaced record. */
static void release_quietly(const struct client_target *t, const char *mac, const char *why)
{
	struct cni_err e;
	int used = -1;

	if (client_delete(t, mac, &used, &e) < 0)
		log_error("%s: releasing the lease of %s failed (it expires on the server): %s%s%s",
			  why, mac, e.msg, e.details[0] ? ": " : "", e.details);
	else
		log_info("%s: released the lease of %s", why, mac);
}

/* The other records that hold the same MAC: a lease is the MAC's, and a host NIC keeps its MAC
 * from one pod to the next. */
struct same_mac {
	const char *mac, *id, *ifname;
	int n;
	char (*ids)[256];
	char (*ifnames)[16];
};

static int same_mac_one(const char *id, const char *ifname, cJSON *json, void *arg)
{
	struct same_mac *s = arg;
	const char *mac = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(json, "mac"));
	void *ids, *ifnames;

	if (!mac || strcasecmp(mac, s->mac) || (!strcmp(id, s->id) && !strcmp(ifname, s->ifname)))
		return 0;
	ids = realloc(s->ids, (size_t)(s->n + 1) * sizeof(*s->ids));
	if (ids)
		s->ids = ids;
	ifnames = realloc(s->ifnames, (size_t)(s->n + 1) * sizeof(*s->ifnames));
	if (ifnames)
		s->ifnames = ifnames;
	if (!ids || !ifnames)
		return 0;       /* best effort */
	snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", id);
	snprintf(s->ifnames[s->n], sizeof(s->ifnames[0]), "%s", ifname);
	s->n++;
	return 0;
}

/* Before leasing for `mac`, drop every other record of that MAC (an old attachment's, typically
 * releasePending after a DEL the server refused): its release, retried later by GC or the
 * daemon, would take away the lease this ADD is about to get. */
static void supersede_same_mac(const struct vdhcp_conf *vc, const struct cni_ctx *c,
			       const char *mac)
{
	struct same_mac s = { .mac = mac, .id = c->container_id, .ifname = c->ifname };
	struct cni_err ignored;

	if (state_foreach(vc->state_dir, same_mac_one, &s, &ignored))
		log_warn("ADD: cannot look for other records of %s: %s", mac, ignored.msg);
	for (int i = 0; i < s.n; i++) {
		struct vdhcp_record old = { 0 };
		int lock = record_lock(vc->state_dir, s.ids[i], s.ifnames[i], lock_wait_ms(vc),
				       &ignored);

		if (lock < 0) {
			log_warn("ADD: record %s/%s of %s: %s", s.ids[i], s.ifnames[i], mac,
				 ignored.msg);
			continue;
		}
		if (record_load(vc->state_dir, s.ids[i], s.ifnames[i], &old, &ignored) == 0 &&
		    !strcasecmp(old.mac, mac) &&
		    !state_remove(vc->state_dir, s.ids[i], s.ifnames[i], &ignored))
			log_info("ADD: %s now leases for %s/%s; dropped the record of %s/%s%s", mac,
				 c->container_id, c->ifname, s.ids[i], s.ifnames[i],
				 old.release_pending ? " (its release was pending)" : "");
		record_unlock(vc->state_dir, s.ids[i], s.ifnames[i], lock);
		record_free(&old);
	}
	free(s.ids);
	free(s.ifnames);
}

/* No usable answer, and some server got the PUT (it timed out, was dropped or answered 5xx):
 * that server may still have made the lease (a slow one acts after we gave up; found by the
 * soak). Nothing says so, and a DELETE now could
 * come before the PUT it should undo: a record marked releasePending lets DEL, GC and the
 * daemon release it later, as after a DEL no server answered. */
static void record_unknown_put(const struct vdhcp_conf *vc, const struct cni_ctx *c,
			       const char *mac)
{
	struct vdhcp_record rec = { 0 };
	struct vdhcp_lease none = { 0 };
	struct cni_err e = { 0 };

	none.prefix = 32;
	snprintf(none.ip, sizeof(none.ip), "0.0.0.0");
	if (record_init(&rec, c->conf.name, c->netns, mac, vc->vdn_id, &none, vc->servers,
			vc->n_servers, 0, vc->timeout_ms, &e) == 0) {
		rec.release_pending = true;
		record_retry_later(&rec);
		if (record_save(vc->state_dir, c->container_id, c->ifname, &rec, &e) == 0)
			log_info("ADD: no server answered the PUT for %s; its release is pending in "
				 "case one made the lease", mac);
	}
	if (e.code)
		log_warn("ADD: cannot record the unanswered PUT for %s: %s", mac, e.msg);
	record_free(&rec);
}

static int vdhcp_add(struct cni_ctx *c, struct cni_result **out, struct cni_err *e)
{
	struct vdhcp_conf vc;
	struct vdhcp_record rec = { 0 }, old = { 0 };
	struct vdhcp_lease lease;
	struct client_target t;
	struct cni_err ignored;
	char mac[18], request_ip[INET_ADDRSTRLEN] = "";
	int lock = -1, used = -1, had_old, ret = -1;
	bool leased = false, maybe_leased = false;

	*out = NULL;
	if (config_load(c, &vc, e))
		return -1;
	switch (pod_mac(c->netns, c->ifname, mac, e)) {
	case 1:
		cni_err_set(e, CNI_ERR_DEVICE, "no interface %s in %s: the main plugin must create "
			    "it before calling vdhcp", c->ifname, c->netns);
		/* fall through */
	case -1:
		goto out;
	}
	lock = record_lock(vc.state_dir, c->container_id, c->ifname, lock_wait_ms(&vc), e);
	if (lock < 0)
		goto out;
	/* An ADD repeated after a failure keeps the address it had, unless told otherwise. */
	had_old = record_load(vc.state_dir, c->container_id, c->ifname, &old, &ignored);
	snprintf(request_ip, sizeof(request_ip), "%s", vc.request_ip);
	if (had_old == 0 && !request_ip[0] && !strcmp(old.mac, mac))
		snprintf(request_ip, sizeof(request_ip), "%.*s", (int)strcspn(old.address, "/"),
			 old.address);

	supersede_same_mac(&vc, c, mac);
	target_of(&t, vc.servers, vc.n_servers, vc.timeout_ms);
	t.maybe_done = &maybe_leased;
	if (client_put(&t, mac, vc.vdn_id, request_ip, &lease, &used, e)) {
		if (maybe_leased && had_old == 1)
			record_unknown_put(&vc, c, mac);
		goto out;
	}
	leased = true;
	t.first = used;
	log_info("leased %s/%d via %s for %s (vdnId \"%s\", lease time %ld s)", lease.ip,
		 lease.prefix, lease.gateway[0] ? lease.gateway : "no gateway", mac,
		 lease.vdn_id[0] ? lease.vdn_id : vc.vdn_id, lease.lease_time);
	if (request_ip[0] && strcmp(request_ip, lease.ip))
		log_warn("asked for %s, the server leased %s", request_ip, lease.ip);

	*out = result_build(&vc, &lease);
	if (!*out) {
		cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (record_init(&rec, c->conf.name, c->netns, mac, vc.vdn_id, &lease, vc.servers,
			vc.n_servers, used, vc.timeout_ms, e) ||
	    record_save(vc.state_dir, c->container_id, c->ifname, &rec, e))
		goto out;
	if (had_old == 0 && strcmp(old.mac, mac)) {
		struct vdhcp_server *s = NULL;
		struct client_target ot;
		int n = 0;

		if (!record_servers(&old, vc.servers, vc.n_servers, &s, &n, &ignored)) {
			target_of(&ot, s, n, old.timeout_ms);
			release_quietly(&ot, old.mac, "replaced record");
		}
		servers_free(s, n);
	}
	ret = 0;
out:
	if (ret && *out) {
		result_free(*out);
		*out = NULL;
	}
	/* Without a record no DEL could find this lease again: give it back now. */
	if (ret && leased)
		release_quietly(&t, mac, "rollback");
	record_unlock(vc.state_dir, c->container_id, c->ifname, lock);
	record_free(&old);
	record_free(&rec);
	config_free(&vc);
	return ret;
}

static int vdhcp_del(struct cni_ctx *c, struct cni_err *e)
{
	struct vdhcp_conf vc;
	struct vdhcp_record rec = { 0 };
	struct cni_err failure;
	char mac[18];
	int lock = -1, found, ret = -1;

	if (config_load(c, &vc, e))
		return -1;
	lock = record_lock(vc.state_dir, c->container_id, c->ifname, lock_wait_ms(&vc), e);
	if (lock < 0)
		goto out;
	found = record_load(vc.state_dir, c->container_id, c->ifname, &rec, e);
	if (found < 0) {
		/* A record we cannot use would block every later DEL and GC: drop it. */
		log_error("DEL: dropping unusable state record: %s", e->msg);
		if (state_remove(vc.state_dir, c->container_id, c->ifname, e))
			goto out;
		found = 1;
	}
	if (found == 0) {
		ret = record_release(vc.state_dir, c->container_id, c->ifname, &rec, vc.servers,
				       vc.n_servers, &failure, e);
		goto out;
	}
	/* No record (a lost state dir, or an ADD that never got a lease): the MAC in the pod,
	 * when there still is one, is all we can go by. An ADD killed mid-write may have left
	 * its temp file: state_remove takes it. */
	if (state_remove(vc.state_dir, c->container_id, c->ifname, &failure))
		log_warn("DEL: %s", failure.msg);
	switch (pod_mac(c->netns, c->ifname, mac, e)) {
	case -1:
		log_warn("DEL: %s", e->msg);
		/* fall through */
	case 1:
		log_info("DEL: no lease recorded for %s/%s and no interface to ask about",
			 c->container_id, c->ifname);
		ret = 0;
		goto out;
	}
	{
		struct client_target t;
		int used = -1;

		target_of(&t, vc.servers, vc.n_servers, vc.timeout_ms);
		switch (client_delete(&t, mac, &used, &failure)) {
		case 0:
			log_info("DEL: released the unrecorded lease of %s", mac);
			break;
		case 1:
			log_info("DEL: no lease recorded or on the server for %s", mac);
			break;
		default:
			log_warn("DEL: could not release the lease of %s: %s", mac, failure.msg);
		}
	}
	ret = 0;
out:
	record_unlock(vc.state_dir, c->container_id, c->ifname, lock);
	record_free(&rec);
	config_free(&vc);
	return ret;
}

/* CHECK: the server still holds the lease we recorded, and prevResult still carries it. */
static int vdhcp_check(struct cni_ctx *c, struct cni_err *e)
{
	const struct cni_result *prev = c->conf.prev_result;
	struct vdhcp_conf vc;
	struct vdhcp_record rec = { 0 };
	struct vdhcp_server *s = NULL;
	struct vdhcp_lease lease;
	struct client_target t;
	char mac[18], cidr[INET_ADDRSTRLEN + 3];
	int n = 0, used = -1, idx = -1, ret = -1;

	if (!prev)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "CHECK: required prevResult missing");
	if (config_load(c, &vc, e))
		return -1;
	switch (record_load(vc.state_dir, c->container_id, c->ifname, &rec, e)) {
	case 1:
		cni_err_set(e, CNI_ERR_CHECK, "no lease recorded for %s/%s", c->container_id,
			    c->ifname);
		/* fall through */
	case -1:
		goto out;
	}
	switch (pod_mac(c->netns, c->ifname, mac, e)) {
	case 1:
		cni_err_set(e, CNI_ERR_CHECK, "no interface %s in %s", c->ifname, c->netns);
		/* fall through */
	case -1:
		goto out;
	}
	if (strcmp(mac, rec.mac)) {
		cni_err_set(e, CNI_ERR_CHECK, "%s has MAC %s, the lease is for %s", c->ifname, mac,
			    rec.mac);
		goto out;
	}
	if (record_servers(&rec, vc.servers, vc.n_servers, &s, &n, e))
		goto out;
	target_of(&t, s, n, vc.timeout_ms);
	switch (client_get(&t, rec.mac, &lease, &used, e)) {
	case 1:
		cni_err_set(e, CNI_ERR_CHECK, "the vDHCP server has no lease for %s any more "
			    "(recorded %s)", rec.mac, rec.address);
		/* fall through */
	case -1:
		goto out;
	}
	lease_cidr(&lease, cidr, sizeof(cidr));
	if (strcmp(cidr, rec.address)) {
		cni_err_set(e, CNI_ERR_CHECK, "the vDHCP server leases %s to %s, the pod was given %s",
			    cidr, rec.mac, rec.address);
		goto out;
	}
	for (int i = 0; i < prev->n_ips && idx < 0; i++)
		if (prev->ips[i].address && !strcmp(prev->ips[i].address, cidr))
			idx = i;
	if (idx < 0) {
		cni_err_set(e, CNI_ERR_CHECK, "prevResult does not carry the leased address %s", cidr);
		goto out;
	}
	if (lease.gateway[0] && prev->ips[idx].gateway && strcmp(prev->ips[idx].gateway,
								  lease.gateway)) {
		cni_err_set(e, CNI_ERR_CHECK, "prevResult has gateway %s for %s, the lease says %s",
			    prev->ips[idx].gateway, cidr, lease.gateway);
		goto out;
	}
	ret = 0;
out:
	servers_free(s, n);
	record_free(&rec);
	config_free(&vc);
	return ret;
}

static int vdhcp_status(struct cni_ctx *c, struct cni_err *e)
{
	struct vdhcp_conf vc;
	struct client_target t;
	int ret;

	if (config_load(c, &vc, e))
		return -1;
	target_of(&t, vc.servers, vc.n_servers, vc.timeout_ms);
	ret = client_probe(&t, e);
	config_free(&vc);
	return ret;
}

struct gc_walk {
	struct cni_ctx *c;
	struct vdhcp_conf *vc;
	int failures;
	struct cni_err first;
};

static int gc_one(const char *id, const char *ifname, cJSON *json, void *arg)
{
	struct gc_walk *w = arg;
	const char *network = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(json,
										      "network"));
	struct vdhcp_record rec = { 0 };
	struct cni_err e, failure;
	int lock = -1, found;

	/* Records of every network share the folder; the valid list speaks for this one. */
	if (!network || strcmp(network, w->c->conf.name) ||
	    cni_gc_attachment_valid(w->c, id, ifname))
		return 0;
	lock = record_lock(w->vc->state_dir, id, ifname, lock_wait_ms(w->vc), &e);
	if (lock < 0)
		goto failed;
	/* Read again under the lock: the walk's copy may predate a DEL that just ran. */
	found = record_load(w->vc->state_dir, id, ifname, &rec, &e);
	if (found == 1)
		goto out;
	if (found < 0)
		goto failed;
	log_info("GC: releasing %s of stale attachment %s/%s", rec.address, id, ifname);
	if (record_release(w->vc->state_dir, id, ifname, &rec, w->vc->servers, w->vc->n_servers,
			     &failure, &e))
		goto failed;
	if (failure.code) {
		e = failure;
		goto failed;
	}
	goto out;
failed:
	if (!w->failures++)
		w->first = e;
out:
	record_unlock(w->vc->state_dir, id, ifname, lock);
	record_free(&rec);
	return 0;
}

/* GC: releases the lease of every recorded attachment of this network that the runtime no
 * longer lists. Keeps going past failures and reports the first (spec). */
static int vdhcp_gc(struct cni_ctx *c, struct cni_err *e)
{
	struct vdhcp_conf vc;
	struct gc_walk w = { .c = c, .vc = &vc };
	int ret = -1;

	if (config_load(c, &vc, e))
		return -1;
	if (state_foreach(vc.state_dir, gc_one, &w, e))
		goto out;
	if (w.failures) {
		*e = w.first;
		if (w.failures > 1)
			cni_err_prefix(e, "GC: %d attachments not released, the first", w.failures);
		goto out;
	}
	ret = 0;
out:
	config_free(&vc);
	return ret;
}

static const struct cni_plugin vdhcp = {
	.name = "vdhcp",
	.args_known = args_known,
	.add = vdhcp_add,
	.del = vdhcp_del,
	.check = vdhcp_check,
	.status = vdhcp_status,
	.gc = vdhcp_gc,
};

static void usage(FILE *to)
{
	fprintf(to,
		"usage: vdhcp                      CNI IPAM plugin (CNI_COMMAND and the config on stdin)\n"
		"       vdhcp daemon [--state-dir DIR] [--config FILE] [--log-level LEVEL]\n"
		"                    [--log-file FILE]\n"
		"                                  renew every recorded lease at half its lease time\n"
		"       vdhcp --help | --version\n");
}

int main(int argc, char **argv)
{
	int ret;

	/* http.c tells libcurl not to touch signals, and a TLS write to a server that hung up
	 * raises SIGPIPE: it must end that request, not the plugin or the daemon. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		perror("vdhcp: signal(SIGPIPE)");
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "daemon")) {
		ret = daemon_main(argc - 1, argv + 1);
	} else if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		ret = 0;
	} else if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("vdhcp (vdn-cni): CNI");
		for (const char *const *v = cni_versions; *v; v++)
			printf(" %s", *v);
		printf("; vDHCP REST API PUT/GET/DELETE {url}{mac}\n");
		ret = 0;
	} else if (argc > 1) {
		usage(stderr);
		ret = 2;
	} else {
		ret = cni_main(&vdhcp, argc, argv);
	}
	http_global_cleanup();
	return ret;
}

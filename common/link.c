/* Network links through libnl-route-3. Every change goes out as one RTM_NEWLINK request, so a
 * move into a namespace and the rename that goes with it succeed or fail together. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <netlink/route/link.h>
#include "link.h"
#include "netns.h"

struct nl_sock *nl_sock_new(int netns_fd, struct cni_err *e)
{
	struct nl_sock *sk = NULL;
	int saved = -1, err;

	if (netns_fd >= 0 && netns_switch(netns_fd, &saved, e))
		return NULL;
	sk = nl_socket_alloc();
	if (!sk) {
		cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		goto out;
	}
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		cni_err_set(e, CNI_ERR_NETLINK, "cannot open a netlink socket: %s",
			    nl_geterror(err));
		nl_socket_free(sk);
		sk = NULL;
	}
out:
	netns_return(saved);
	return sk;
}

void nl_sock_free(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

static int not_found(int err)
{
	return err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV;
}

int link_get(struct nl_sock *sk, const char *name, struct rtnl_link **out, struct cni_err *e)
{
	int err;

	*out = NULL;
	err = rtnl_link_get_kernel(sk, 0, name, out);
	if (not_found(err))
		return 1;
	if (err < 0)
		return cni_err_set(e, CNI_ERR_NETLINK, "cannot look up link %s: %s", name,
				   nl_geterror(err));
	return 0;
}

int link_get_by_index(struct nl_sock *sk, int ifindex, struct rtnl_link **out,
		      struct cni_err *e)
{
	int err;

	*out = NULL;
	err = rtnl_link_get_kernel(sk, ifindex, NULL, out);
	if (not_found(err))
		return 1;
	if (err < 0)
		return cni_err_set(e, CNI_ERR_NETLINK, "cannot look up link #%d: %s", ifindex,
				   nl_geterror(err));
	return 0;
}

typedef int (*link_match_fn)(struct rtnl_link *link, const void *key);

/* Dumps the namespace's links and returns the first one `match` accepts. */
static int link_find(struct nl_sock *sk, link_match_fn match, const void *key,
		     struct rtnl_link **out, struct cni_err *e)
{
	struct nl_cache *cache = NULL;
	struct nl_object *obj;
	int err;

	*out = NULL;
	err = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);
	if (err < 0)
		return cni_err_set(e, CNI_ERR_NETLINK, "cannot list links: %s", nl_geterror(err));
	for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
		if (match((struct rtnl_link *)obj, key)) {
			nl_object_get(obj);
			*out = (struct rtnl_link *)obj;
			break;
		}
	}
	nl_cache_free(cache);
	return *out ? 0 : 1;
}

static int match_mac(struct rtnl_link *link, const void *key)
{
	char mac[18];

	link_mac(link, mac);
	return !strcasecmp(mac, key);
}

static int match_alias(struct rtnl_link *link, const void *key)
{
	const char *alias = rtnl_link_get_ifalias(link);

	return alias && !strcmp(alias, key);
}

int link_find_by_mac(struct nl_sock *sk, const char *mac, struct rtnl_link **out,
		     struct cni_err *e)
{
	return link_find(sk, match_mac, mac, out, e);
}

int link_find_by_alias(struct nl_sock *sk, const char *alias, struct rtnl_link **out,
		       struct cni_err *e)
{
	return link_find(sk, match_alias, alias, out, e);
}

int link_change(struct nl_sock *sk, struct rtnl_link *link, const struct link_change *ch,
		struct cni_err *e)
{
	struct rtnl_link *want = rtnl_link_alloc();
	struct nl_addr *mac = NULL;
	int err, ret = -1;

	if (!want)
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	if (ch->name)
		rtnl_link_set_name(want, ch->name);
	if (ch->netns_fd >= 0)
		rtnl_link_set_ns_fd(want, ch->netns_fd);
	if (ch->mtu)
		rtnl_link_set_mtu(want, ch->mtu);
	if (ch->alias)
		rtnl_link_set_ifalias(want, ch->alias);
	if (ch->up == 1)
		rtnl_link_set_flags(want, IFF_UP);
	else if (ch->up == 0)
		rtnl_link_unset_flags(want, IFF_UP);
	if (ch->mac) {
		err = nl_addr_parse(ch->mac, AF_LLC, &mac);
		if (err < 0) {
			cni_err_set(e, CNI_ERR_INVALID_CONFIG, "invalid MAC address \"%s\"", ch->mac);
			goto out;
		}
		rtnl_link_set_addr(want, mac);
	}
	err = rtnl_link_change(sk, link, want, 0);
	if (err < 0) {
		cni_err_set(e, CNI_ERR_NETLINK, "cannot change link %s: %s",
			    rtnl_link_get_name(link), nl_geterror(err));
		goto out;
	}
	ret = 0;
out:
	nl_addr_put(mac);
	rtnl_link_put(want);
	return ret;
}

int link_set_up(struct nl_sock *sk, struct rtnl_link *link, bool up, struct cni_err *e)
{
	struct link_change ch = LINK_CHANGE_INIT;

	ch.up = up;
	return link_change(sk, link, &ch, e);
}

int link_delete(struct nl_sock *sk, struct rtnl_link *link, struct cni_err *e)
{
	int err = rtnl_link_delete(sk, link);

	if (err < 0 && !not_found(err))
		return cni_err_set(e, CNI_ERR_NETLINK, "cannot delete link %s: %s",
				   rtnl_link_get_name(link), nl_geterror(err));
	return 0;
}

void link_mac(struct rtnl_link *link, char out[18])
{
	struct nl_addr *a = rtnl_link_get_addr(link);
	const unsigned char *b;

	out[0] = '\0';
	if (!a || nl_addr_get_len(a) != 6)
		return;
	b = nl_addr_get_binary_addr(a);
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
}

bool link_is_up(struct rtnl_link *link)
{
	return rtnl_link_get_flags(link) & IFF_UP;
}

/* Links over libnl-route-3: look up by name, index, MAC or alias; change name, netns, MTU,
 * MAC, alias and up state in one request, as `ip link set` does. */
#ifndef VDN_LINK_H
#define VDN_LINK_H
#include <stdbool.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include "err.h"

/* A rtnetlink socket in the netns `netns_fd` (-1: the current one). */
struct nl_sock *nl_sock_new(int netns_fd, struct cni_err *e);
void nl_sock_free(struct nl_sock *sk);

/* Lookups: 0 = found (*out owned by caller, rtnl_link_put), 1 = not found, -1 = error. */
int link_get(struct nl_sock *sk, const char *name, struct rtnl_link **out, struct cni_err *e);
int link_get_by_index(struct nl_sock *sk, int ifindex, struct rtnl_link **out,
		      struct cni_err *e);
int link_find_by_mac(struct nl_sock *sk, const char *mac, struct rtnl_link **out,
		     struct cni_err *e);
int link_find_by_alias(struct nl_sock *sk, const char *alias, struct rtnl_link **out,
		       struct cni_err *e);

struct link_change {
	const char *name;     /* new name, or NULL */
	int netns_fd;         /* move there, or -1 */
	unsigned mtu;         /* 0 = keep */
	const char *mac;      /* aa:bb:.. or NULL */
	const char *alias;    /* NULL = keep, "" = clear */
	int up;               /* 1 up, 0 down, -1 keep */
};
#define LINK_CHANGE_INIT { .netns_fd = -1, .up = -1 }

int link_change(struct nl_sock *sk, struct rtnl_link *link, const struct link_change *ch,
		struct cni_err *e);
int link_set_up(struct nl_sock *sk, struct rtnl_link *link, bool up, struct cni_err *e);
int link_delete(struct nl_sock *sk, struct rtnl_link *link, struct cni_err *e);

/* "aa:bb:cc:dd:ee:ff" (lower case) of the link, "" when it has none. */
void link_mac(struct rtnl_link *link, char out[18]);
bool link_is_up(struct rtnl_link *link);

#endif

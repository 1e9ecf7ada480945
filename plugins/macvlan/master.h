/* The master (parent) link of a macvlan: named in the config, or the link of the default
 * route, looked up in the namespace a netlink socket is bound to. */
#ifndef MV_MASTER_H
#define MV_MASTER_H
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include "err.h"

/* name NULL: the link of the first default route of the main table, IPv4 first, then IPv6.
 * `where` names the namespace in messages ("host", "pod"). *out is the caller's (put it).
 * Error 101 when there is no such link or no default route. */
int master_find(struct nl_sock *sk, const char *name, const char *where, struct rtnl_link **out,
		struct cni_err *e);

/* Sets the master promiscuous, unless it already is. Never undone: see README (promiscMode). */
int master_set_promisc(struct nl_sock *sk, struct rtnl_link *master, struct cni_err *e);

#endif

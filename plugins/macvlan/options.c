/* macvlan's keys: the reference plugin's (master, mode, mtu, mac, linkInContainer, bcqueuelen,
 * ipam, dns) plus the original VDN-CNI's promiscMode. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include "options.h"

static const struct {
	const char *name;
	uint32_t mode;
} modes[] = {
	{ "bridge", MACVLAN_MODE_BRIDGE },
	{ "private", MACVLAN_MODE_PRIVATE },
	{ "vepa", MACVLAN_MODE_VEPA },
	{ "passthru", MACVLAN_MODE_PASSTHRU },
};

/* A MAC the kernel will take for a macvlan: well formed, unicast, not all zeros
 * (is_valid_ether_addr), so a typo is a config error rather than a netlink one. */
static int mac_check(const char *mac, const char *where, int code, struct cni_err *e)
{
	unsigned char b[6];

	if (!conf_parse_mac(mac, b))
		return cni_err_set(e, code, "%s: \"%s\" is not a MAC address", where, mac);
	if (b[0] & 1)
		return cni_err_set(e, code, "%s: %s is a multicast address", where, mac);
	if (!(b[0] | b[1] | b[2] | b[3] | b[4] | b[5]))
		return cni_err_set(e, code, "%s: %s is the zero address", where, mac);
	return 0;
}

static int mode_parse(const char *name, struct mv_conf *mc, struct cni_err *e)
{
	/* "" means the default, as in the reference plugin. */
	if (!name || !*name)
		name = "bridge";
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (!strcmp(name, modes[i].name)) {
			mc->mode = modes[i].mode;
			mc->mode_name = modes[i].name;
			return 0;
		}
	}
	return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"mode\": unknown macvlan mode \"%s\" "
			   "(bridge, private, vepa or passthru)", name);
}

int mv_conf_load(const struct cni_ctx *c, struct mv_conf *mc, struct cni_err *e)
{
	const cJSON *root = c->conf.root;
	const char *mode = NULL, *mac = NULL, *why;
	long bcqueuelen = 0;

	memset(mc, 0, sizeof(*mc));
	if (conf_get_string(root, "master", &mc->master, e) ||
	    conf_get_string(root, "mode", &mode, e) ||
	    conf_get_int(root, "mtu", INT_MIN, INT_MAX, &mc->mtu, e) ||
	    conf_get_string(root, "mac", &mac, e) ||
	    conf_get_bool(root, "promiscMode", &mc->promisc, e) ||
	    conf_get_bool(root, "linkInContainer", &mc->link_in_container, e) ||
	    conf_get_int(root, "bcqueuelen", 0, INT32_MAX, &bcqueuelen, e))
		return -1;
	/* "master": "" is the reference's way of asking for the default route's link. */
	if (mc->master && !*mc->master)
		mc->master = NULL;
	if (mc->master && !conf_valid_ifname(mc->master, &why))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"master\": \"%s\": %s", mc->master,
				   why);
	if (mode_parse(mode, mc, e))
		return -1;
	mc->bcqueuelen = (uint32_t)bcqueuelen;

	/* The MAC: config, then CNI_ARGS MAC, then runtimeConfig mac (capability "mac"); the
	 * last one given wins, as in the reference plugin. Each is checked where it came from. */
	if (mac && mac_check(mac, "\"mac\"", CNI_ERR_INVALID_CONFIG, e))
		return -1;
	if (cni_args_get(&c->args, "MAC")) {
		mac = cni_args_get(&c->args, "MAC");
		if (mac_check(mac, "CNI_ARGS MAC", CNI_ERR_INVALID_ENV, e))
			return -1;
	}
	if (c->conf.runtime_config) {
		const char *rc_mac = NULL;

		if (conf_get_string(c->conf.runtime_config, "mac", &rc_mac, e)) {
			cni_err_prefix(e, "runtimeConfig");
			return -1;
		}
		if (rc_mac && mac_check(rc_mac, "runtimeConfig \"mac\"", CNI_ERR_INVALID_CONFIG, e))
			return -1;
		if (rc_mac)
			mac = rc_mac;
	}
	mc->mac = mac;

	mc->dns = cJSON_GetObjectItemCaseSensitive(root, "dns");
	if (mc->dns && cJSON_IsNull(mc->dns))
		mc->dns = NULL;
	if (mc->dns && !cJSON_IsObject(mc->dns))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"dns\" must be an object");
	if (mc->dns && !mc->dns->child)
		mc->dns = NULL;
	return 0;
}

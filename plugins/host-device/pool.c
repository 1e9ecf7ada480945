/* Resolving host-device's pool candidates to host links. A candidate names a NIC by name, MAC,
 * sysfs kernel path or PCI address (as the reference plugin's keys do); sysfs lookups follow
 * the reference so configs written for it keep working. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "pool.h"
#include "conf.h"
#include "link.h"
#include "state.h"

static const char *const kind_key[] = { "device", "hwaddr", "kernelpath", "pciBusID", "deviceID" };

/* Tests point this at a fake sysfs tree; production reads the real one. */
static const char *sysfs_root(void)
{
	const char *root = getenv("VDN_SYSFS_ROOT");

	return root ? root : "";
}

static int add_key(const cJSON *obj, const char *one, const char *many, enum pool_kind kind,
		   struct hd_conf *hc, struct cni_err *e)
{
	const char **values = NULL;
	struct pool_candidate *grown;
	int n = 0, ret = -1;

	if (conf_get_strings(obj, one, &values, &n, e) || conf_get_strings(obj, many, &values, &n, e))
		goto out;
	if (n == 0) {
		ret = 0;
		goto out;
	}
	grown = realloc(hc->pool, sizeof(*grown) * (size_t)(hc->n_pool + n));
	if (!grown) {
		cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		goto out;
	}
	hc->pool = grown;
	for (int i = 0; i < n; i++) {
		unsigned char mac[6];

		if (kind == POOL_HWADDR && !conf_parse_mac(values[i], mac)) {
			cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"%s\": \"%s\" is not a MAC address",
				    one, values[i]);
			goto out;
		}
		if (kind == POOL_KERNELPATH && strncmp(values[i], "/sys/devices/", 13)) {
			cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"%s\": \"%s\" must start with "
				    "/sys/devices/", one, values[i]);
			goto out;
		}
		if (strchr(values[i], '/') && kind != POOL_KERNELPATH) {
			cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"%s\": \"%s\" contains '/'", one,
				    values[i]);
			goto out;
		}
		if (strstr(values[i], "/../") || (strlen(values[i]) >= 3 &&
		    !strcmp(values[i] + strlen(values[i]) - 3, "/.."))) {
			cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"%s\": \"%s\" contains ..", one,
				    values[i]);
			goto out;
		}
		hc->pool[hc->n_pool++] = (struct pool_candidate){ kind, values[i] };
	}
	ret = 0;
out:
	free(values);
	return ret;
}

int hd_conf_load(const struct cni_ctx *c, struct hd_conf *hc, struct cni_err *e)
{
	const char *mac = NULL;
	unsigned char bytes[6];

	memset(hc, 0, sizeof(*hc));
	if (add_key(c->conf.root, "device", "devices", POOL_NAME, hc, e) ||
	    add_key(c->conf.root, "hwaddr", "hwaddrs", POOL_HWADDR, hc, e) ||
	    add_key(c->conf.root, "kernelpath", "kernelpaths", POOL_KERNELPATH, hc, e) ||
	    add_key(c->conf.root, "pciBusID", "pciBusIDs", POOL_PCI, hc, e) ||
	    (c->conf.runtime_config &&
	     add_key(c->conf.runtime_config, "deviceID", "deviceIDs", POOL_DEVICEID, hc, e)))
		goto fail;
	for (int i = 0; i < hc->n_pool; i++)
		if (hc->pool[i].kind == POOL_NAME && !conf_valid_ifname(hc->pool[i].value, NULL)) {
			cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"device\": \"%s\" is not a valid "
				    "interface name", hc->pool[i].value);
			goto fail;
		}
	/* CNI_ARGS MAC, then runtimeConfig mac (the capability) wins, as in the reference. */
	mac = cni_args_get(&c->args, "MAC");
	if (c->conf.runtime_config && conf_get_string(c->conf.runtime_config, "mac", &mac, e)) {
		cni_err_prefix(e, "runtimeConfig");
		goto fail;
	}
	if (mac && !conf_parse_mac(mac, bytes)) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "requested MAC \"%s\" is not a MAC address",
			    mac);
		goto fail;
	}
	if (mac && (bytes[0] & 1)) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "requested MAC %s is a multicast address",
			    mac);
		goto fail;
	}
	hc->mac = mac;
	hc->dns = cJSON_GetObjectItemCaseSensitive(c->conf.root, "dns");
	if (hc->dns && (!cJSON_IsObject(hc->dns) || !hc->dns->child))
		hc->dns = NULL;
	return 0;
fail:
	hd_conf_free(hc);
	return -1;
}

void hd_conf_free(struct hd_conf *hc)
{
	free(hc->pool);
	memset(hc, 0, sizeof(*hc));
}

/* The first interface name listed in <dir>/net, or in <dir>/<sub*>/net for virtio. */
static int sysfs_first_netdev(const char *dir, char *name, size_t len)
{
	char path[512];
	struct dirent *d;
	DIR *dh;
	int found = 0;

	snprintf(path, sizeof(path), "%s%s/net", sysfs_root(), dir);
	dh = opendir(path);
	if (!dh)
		return 0;
	while (!found && (d = readdir(dh)))
		if (d->d_name[0] != '.' && strlen(d->d_name) < len) {
			strcpy(name, d->d_name);
			found = 1;
		}
	closedir(dh);
	return found;
}

static int pci_netdev(const char *pci, char *name, size_t len)
{
	char dir[256], path[512];
	struct dirent *d;
	DIR *dh;
	int found;

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s", pci);
	found = sysfs_first_netdev(dir, name, len);
	if (found)
		return 1;
	snprintf(path, sizeof(path), "%s%s", sysfs_root(), dir);
	dh = opendir(path);
	if (!dh)
		return 0;
	while (!found && (d = readdir(dh))) {
		char sub[512];

		if (strncmp(d->d_name, "virtio", 6))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, d->d_name);
		found = sysfs_first_netdev(sub, name, len);
	}
	closedir(dh);
	return found;
}

static bool sysfs_exists(const char *dir, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s/%s", sysfs_root(), dir, name);
	return stat(path, &st) == 0;
}

/* 0 found, 1 absent (why says so), -1 error. */
static int candidate_lookup(struct nl_sock *sk, const struct pool_candidate *cand,
			    struct rtnl_link **out, const char **why, struct cni_err *e)
{
	char name[64];

	*why = "not found";
	switch (cand->kind) {
	case POOL_NAME:
		return link_get(sk, cand->value, out, e);
	case POOL_HWADDR:
		return link_find_by_mac(sk, cand->value, out, e);
	case POOL_KERNELPATH:
		if (!sysfs_first_netdev(cand->value, name, sizeof(name)))
			return *why = "no network device under it", 1;
		return link_get(sk, name, out, e);
	case POOL_PCI:
		if (!pci_netdev(cand->value, name, sizeof(name)))
			return *why = "no network device on it", 1;
		return link_get(sk, name, out, e);
	case POOL_DEVICEID: {
		char dir[256];

		if (sysfs_exists("/sys/bus/pci/devices", cand->value)) {
			if (!pci_netdev(cand->value, name, sizeof(name)))
				return *why = "no network device on it", 1;
		} else if (sysfs_exists("/sys/bus/auxiliary/devices", cand->value)) {
			snprintf(dir, sizeof(dir), "/sys/bus/auxiliary/devices/%s", cand->value);
			if (!sysfs_first_netdev(dir, name, sizeof(name)))
				return *why = "no network device on it", 1;
		} else {
			return *why = "neither a PCI nor an auxiliary device", 1;
		}
		return link_get(sk, name, out, e);
	}
	}
	return 1;
}

struct in_use_query {
	const char *value;
	bool found;
};

static int record_holds(const char *id, const char *ifname, cJSON *record, void *arg)
{
	struct in_use_query *q = arg;
	const cJSON *dev = cJSON_GetObjectItemCaseSensitive(record, "device");
	const cJSON *mac = cJSON_GetObjectItemCaseSensitive(record, "hwaddr");

	(void)id;
	(void)ifname;
	if ((cJSON_IsString(dev) && !strcmp(dev->valuestring, q->value)) ||
	    (cJSON_IsString(mac) && !strcasecmp(mac->valuestring, q->value)))
		q->found = true;
	return 0;
}

int pool_take(struct nl_sock *sk, const struct hd_conf *hc, const char *state_dir,
	      struct rtnl_link **out, struct cni_err *e)
{
	char list[512] = "", reasons[768] = "";
	const char *why;
	int r;

	*out = NULL;
	for (int i = 0; i < hc->n_pool; i++) {
		r = candidate_lookup(sk, &hc->pool[i], out, &why, e);
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		if (hc->pool[i].kind == POOL_NAME || hc->pool[i].kind == POOL_HWADDR) {
			/* Absent from the host: say whether one of our pods holds it, the usual
			 * reason, so the operator knows the pool is exhausted, not misconfigured. */
			struct in_use_query q = { hc->pool[i].value, false };
			struct cni_err ignored;

			state_foreach(state_dir, record_holds, &q, &ignored);
			if (q.found)
				why = "in use by another pod";
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? " " : "",
			 hc->pool[i].value);
		snprintf(reasons + strlen(reasons), sizeof(reasons) - strlen(reasons), "%s%s %s %s",
			 i ? ", " : "", kind_key[hc->pool[i].kind], hc->pool[i].value, why);
	}
	cni_err_set(e, CNI_ERR_DEVICE, "no free device in pool [%s]: %s", list, reasons);
	return -1;
}

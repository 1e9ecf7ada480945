/* Reading a pod's request for networks. The Multus forms are matched exactly (anchors §4.2),
 * so pods written for Multus work unchanged; names resolve against "plugins" instead of
 * NetworkAttachmentDefinitions, and interface names never collide silently (Multus #353). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "select.h"

/* NPWG selection keys whose effect (port mappings, routes, ...) multicni does not carry out:
 * accepting them silently would leave the pod without what it asked for. */
static const char *const unsupported_keys[] = {
	"portMappings", "bandwidth", "default-route", "infiniband-guid", "deviceID",
	"ipam-claim-reference", NULL
};

void select_free(struct mc_selection *sel)
{
	if (!sel)
		return;
	free(sel->att);
	cJSON_Delete(sel->parsed);
	memset(sel, 0, sizeof(*sel));
}

static bool blank(const char *s)
{
	while (s && isspace((unsigned char)*s))
		s++;
	return !s || !*s;
}

/* DNS-1123 label: how Kubernetes names namespaces. */
static bool valid_namespace(const char *s, size_t len)
{
	if (len == 0 || len > 63 || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
			return false;
	return true;
}

static bool valid_ip_or_cidr(const char *s)
{
	char addr[64];
	unsigned char buf[16];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	int family;

	if (len == 0 || len >= sizeof(addr))
		return false;
	memcpy(addr, s, len);
	addr[len] = '\0';
	family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, addr, buf) != 1)
		return false;
	if (slash) {
		char *end;
		long prefix = strtol(slash + 1, &end, 10);

		if (!isdigit((unsigned char)slash[1]) || *end || prefix < 0 ||
		    prefix > (family == AF_INET ? 32 : 128))
			return false;
	}
	return true;
}

static int grow(struct mc_selection *sel, struct cni_err *e)
{
	struct mc_attachment *a = realloc(sel->att, sizeof(*a) * (size_t)(sel->n + 1));

	if (!a)
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	sel->att = a;
	memset(&a[sel->n], 0, sizeof(*a));
	return 0;
}

static int unknown_name(const struct mc_conf *mc, const char *source, const char *name,
			size_t len, struct cni_err *e)
{
	char names[256];

	mc_conf_names(mc, names, sizeof(names));
	cni_err_set(e, CNI_ERR_INVALID_CONFIG, "annotation %s: unknown network \"%.*s\"", source,
		    (int)len, name);
	cni_err_details(e, "the networks this node offers: %s", names);
	return -1;
}

/* Adds one attachment of the plugin named name[0..len); ns may be NULL (the pod's). */
static int add_named(struct mc_selection *sel, const struct mc_conf *mc, const char *source,
		     const char *name, size_t len, const char *ns, size_t ns_len, bool status_ns,
		     struct cni_err *e)
{
	char wanted[256];
	struct mc_attachment *a;
	int idx;

	if (len == 0)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "annotation %s: empty network name",
				   source);
	if (len >= sizeof(wanted))
		return unknown_name(mc, source, name, 64, e);
	memcpy(wanted, name, len);
	wanted[len] = '\0';
	idx = mc_conf_find(mc, wanted);
	if (idx < 0)
		return unknown_name(mc, source, name, len, e);
	if (grow(sel, e))
		return -1;
	a = &sel->att[sel->n++];
	a->plugin = idx;
	/* Multus names annotation networks "<namespace>/<name>" in network-status. */
	if (status_ns)
		snprintf(a->network, sizeof(a->network), "%.*s/%s", (int)ns_len, ns, wanted);
	else
		snprintf(a->network, sizeof(a->network), "%s", wanted);
	return 0;
}

/* "[ns/]name[@ifname]" items separated by commas (Multus' short form). */
static int parse_short(const struct mc_conf *mc, const char *value, const char *pod_ns,
		       struct mc_selection *sel, struct cni_err *e)
{
	const char *p = value;

	while (p) {
		const char *end = strchr(p, ','), *item = p, *stop, *at, *slash, *name, *ns;
		size_t ns_len, name_len;

		stop = end ? end : p + strlen(p);
		p = end ? end + 1 : NULL;
		while (item < stop && isspace((unsigned char)*item))
			item++;
		while (stop > item && isspace((unsigned char)stop[-1]))
			stop--;
		if (item == stop)
			return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "annotation %s: empty item in "
					   "\"%s\"", ANN_NETWORKS, value);
		at = memchr(item, '@', (size_t)(stop - item));
		if (at && memchr(at + 1, '@', (size_t)(stop - at - 1)))
			return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "annotation %s: \"%.*s\" names "
					   "more than one interface", ANN_NETWORKS,
					   (int)(stop - item), item);
		slash = memchr(item, '/', (size_t)((at ? at : stop) - item));
		ns = slash ? item : pod_ns;
		ns_len = slash ? (size_t)(slash - item) : strlen(pod_ns);
		name = slash ? slash + 1 : item;
		name_len = (size_t)((at ? at : stop) - name);
		if (slash && (!valid_namespace(ns, ns_len) || memchr(name, '/', name_len)))
			return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "annotation %s: \"%.*s\" is "
					   "not [namespace/]name[@interface]", ANN_NETWORKS,
					   (int)(stop - item), item);
		if (add_named(sel, mc, ANN_NETWORKS, name, name_len, ns, ns_len, true, e))
			return -1;
		if (at) {
			size_t ilen = (size_t)(stop - at - 1);
			struct mc_attachment *a = &sel->att[sel->n - 1];

			if (ilen == 0 || ilen >= sizeof(a->ifname))
				return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "annotation %s: "
						   "interface name \"%.*s\" must be 1-15 bytes",
						   ANN_NETWORKS, (int)ilen, at + 1);
			memcpy(a->ifname, at + 1, ilen);
			a->ifname[ilen] = '\0';
		}
	}
	return 0;
}

static int element_string(const cJSON *el, const char *key, int i, const char **out,
			  struct cni_err *e)
{
	if (conf_get_string(el, key, out, e)) {
		cni_err_prefix(e, "annotation %s: element %d", ANN_NETWORKS, i);
		return -1;
	}
	return 0;
}

/* One element of the JSON form: {"name", "namespace", "interface", "mac", "ips", "cni-args"}. */
static int parse_element(const struct mc_conf *mc, const cJSON *el, int i, const char *pod_ns,
			 struct mc_selection *sel, struct cni_err *e)
{
	const char *name = NULL, *ns = NULL, *ifname = NULL, *mac = NULL;
	const cJSON *ips, *args, *it;
	struct mc_attachment *a;
	unsigned char bytes[6];

	if (!cJSON_IsObject(el))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "annotation %s: element %d must be an "
				   "object with a \"name\"", ANN_NETWORKS, i);
	for (int k = 0; unsupported_keys[k]; k++)
		if (cJSON_GetObjectItemCaseSensitive(el, unsupported_keys[k]))
			return cni_err_set(e, CNI_ERR_UNSUPPORTED_FIELD, "annotation %s: element %d: "
					   "\"%s\" is not supported by multicni", ANN_NETWORKS, i,
					   unsupported_keys[k]);
	if (element_string(el, "name", i, &name, e) || element_string(el, "namespace", i, &ns, e) ||
	    element_string(el, "interfaceRequest", i, &ifname, e) ||
	    element_string(el, "interface", i, &ifname, e) ||
	    element_string(el, "mac", i, &mac, e))
		return -1;
	if (!name || !*name)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "annotation %s: element %d has no "
				   "\"name\"", ANN_NETWORKS, i);
	if (ns && *ns && !valid_namespace(ns, strlen(ns)))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "annotation %s: element %d: namespace "
				   "\"%s\" is not a DNS-1123 label", ANN_NETWORKS, i, ns);
	if (mac && !conf_parse_mac(mac, bytes))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "annotation %s: element %d: \"mac\" "
				   "\"%s\" is not a MAC address (aa:bb:cc:dd:ee:ff)", ANN_NETWORKS,
				   i, mac);
	ips = cJSON_GetObjectItemCaseSensitive(el, "ips");
	if (ips && !cJSON_IsArray(ips))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "annotation %s: element %d: \"ips\" "
				   "must be a list of addresses", ANN_NETWORKS, i);
	cJSON_ArrayForEach(it, ips)
		if (!cJSON_IsString(it) || !valid_ip_or_cidr(it->valuestring))
			return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "annotation %s: element %d: "
					   "\"ips\" holds %s%s%s, not an IP address or CIDR",
					   ANN_NETWORKS, i, cJSON_IsString(it) ? "\"" : "",
					   cJSON_IsString(it) ? it->valuestring : "a non-string",
					   cJSON_IsString(it) ? "\"" : "");
	args = cJSON_GetObjectItemCaseSensitive(el, "cni-args");
	if (args && !cJSON_IsNull(args) && !cJSON_IsObject(args))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "annotation %s: element %d: "
				   "\"cni-args\" must be an object", ANN_NETWORKS, i);
	if (!ns || !*ns)
		ns = pod_ns;
	if (add_named(sel, mc, ANN_NETWORKS, name, strlen(name), ns, strlen(ns), true, e))
		return -1;
	a = &sel->att[sel->n - 1];
	if (ifname) {
		if (!*ifname || strlen(ifname) >= sizeof(a->ifname))
			return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "annotation %s: element %d: "
					   "interface name \"%s\" must be 1-15 bytes", ANN_NETWORKS,
					   i, ifname);
		snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	}
	a->mac = mac;
	a->ips = cJSON_GetArraySize(ips) > 0 ? ips : NULL;
	a->cni_args = cJSON_IsObject(args) ? args : NULL;
	return 0;
}

static int parse_networks(const struct mc_conf *mc, const char *value, const char *pod_ns,
			  struct mc_selection *sel, struct cni_err *e)
{
	const cJSON *el;
	int i = 0;

	/* Multus' own test: any of these characters means the JSON form. */
	if (!strpbrk(value, "[{\""))
		return parse_short(mc, value, pod_ns, sel, e);
	sel->parsed = cJSON_Parse(value);
	if (!cJSON_IsArray(sel->parsed))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "annotation %s: not a JSON list of "
				   "network selections, nor \"name[@interface],...\"", ANN_NETWORKS);
	cJSON_ArrayForEach(el, sel->parsed)
		if (parse_element(mc, el, i++, pod_ns, sel, e))
			return -1;
	return 0;
}

/* ["macvlan", "host-device"]: what the VDN-CNI of the paper and vdno-scheduler write. */
static int parse_cni_plugins(const struct mc_conf *mc, const char *value,
			     struct mc_selection *sel, struct cni_err *e)
{
	const cJSON *el;

	sel->parsed = cJSON_Parse(value);
	if (!cJSON_IsArray(sel->parsed))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "annotation %s: must be a JSON list "
				   "of plugin names, e.g. [\"macvlan\"]", ANN_CNI_PLUGINS);
	cJSON_ArrayForEach(el, sel->parsed) {
		if (!cJSON_IsString(el))
			return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "annotation %s: must be a JSON "
					   "list of plugin names, e.g. [\"macvlan\"]",
					   ANN_CNI_PLUGINS);
		if (add_named(sel, mc, ANN_CNI_PLUGINS, el->valuestring, strlen(el->valuestring),
			      NULL, 0, false, e))
			return -1;
	}
	return 0;
}

static bool name_taken(const struct mc_selection *sel, const char *name, int except)
{
	for (int i = 0; i < sel->n; i++)
		if (i != except && !strcmp(sel->att[i].ifname, name))
			return true;
	return false;
}

/* The first attachment is CNI_IFNAME, the others net<position>, unless the pod named one.
 * A generated name steps past the names the pod asked for, so "a, b@net2, c" is eth0, net2,
 * net3 instead of the clash Multus finds only when the second net2 is created. */
static int assign_ifnames(struct mc_selection *sel, const char *ifname, struct cni_err *e)
{
	const char *why;

	for (int i = 0; i < sel->n; i++) {
		if (!sel->att[i].ifname[0])
			continue;
		if (!conf_valid_ifname(sel->att[i].ifname, &why))
			return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: invalid interface name "
					   "\"%s\" for %s: %s", sel->source, sel->att[i].ifname,
					   sel->att[i].network, why);
		if (name_taken(sel, sel->att[i].ifname, i))
			return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: interface %s is asked for "
					   "twice; every network needs its own interface",
					   sel->source, sel->att[i].ifname);
	}
	if (!sel->att[0].ifname[0]) {
		if (name_taken(sel, ifname, 0))
			return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: interface %s is the "
					   "runtime's (CNI_IFNAME) and belongs to the first network, "
					   "%s", sel->source, ifname, sel->att[0].network);
		snprintf(sel->att[0].ifname, sizeof(sel->att[0].ifname), "%s", ifname);
	}
	for (int i = 1; i < sel->n; i++) {
		if (sel->att[i].ifname[0])
			continue;
		for (int k = i;; k++) {
			char name[16];

			snprintf(name, sizeof(name), "net%d", k);
			if (!name_taken(sel, name, i)) {
				memcpy(sel->att[i].ifname, name, sizeof(name));
				break;
			}
		}
	}
	return 0;
}

static const char *annotation(const cJSON *annotations, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(annotations, key);

	return cJSON_IsString(v) && !blank(v->valuestring) ? v->valuestring : NULL;
}

int select_networks(const struct mc_conf *mc, const cJSON *annotations, const char *pod_ns,
		    const char *ifname, struct mc_selection *sel, struct cni_err *e)
{
	const char *networks = annotation(annotations, ANN_NETWORKS);
	const char *plugins = annotation(annotations, ANN_CNI_PLUGINS);
	int ret = -1;

	memset(sel, 0, sizeof(*sel));
	if (networks) {
		sel->source = "annotation " ANN_NETWORKS;
		if (parse_networks(mc, networks, pod_ns ? pod_ns : "default", sel, e))
			goto out;
	}
	/* An empty list asks for nothing in particular: the next rule decides. */
	if (sel->n == 0 && plugins) {
		select_free(sel);
		sel->source = "annotation " ANN_CNI_PLUGINS;
		if (parse_cni_plugins(mc, plugins, sel, e))
			goto out;
	}
	if (sel->n == 0) {
		select_free(sel);
		sel->source = "default";
		if (grow(sel, e))
			goto out;
		sel->att[0].plugin = mc->default_plugin;
		snprintf(sel->att[0].network, sizeof(sel->att[0].network), "%s",
			 mc->plugins[mc->default_plugin].name);
		sel->n = 1;
	}
	if (assign_ifnames(sel, ifname, e))
		goto out;
	ret = 0;
out:
	if (ret)
		select_free(sel);
	return ret;
}

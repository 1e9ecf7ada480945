/* CNI results: one internal form (the 1.1.0 shape), parsed from and printed in every spec
 * version, so that no plugin branches on the version of what it received or must print. */
#include <arpa/inet.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "result.h"
#include "version.h"

/* The spec versions fall into four result shapes. */
enum shape {
	SHAPE_UNKNOWN,
	SHAPE_020,   /* 0.1.0, 0.2.0: ip4/ip6 objects, routes hang on them */
	SHAPE_04X,   /* 0.3.0, 0.3.1, 0.4.0: ips[] carry "version" */
	SHAPE_100,   /* 1.0.0 */
	SHAPE_110,   /* 1.1.0: interface mtu/socketPath/pciID, route mtu/advmss/… */
};

static enum shape shape_of(const char *version)
{
	enum shape ret = SHAPE_UNKNOWN;

	if (!version_supported(version))
		goto out;
	if (version_cmp(version, "0.3.0") < 0)
		ret = SHAPE_020;
	else if (version_cmp(version, "1.0.0") < 0)
		ret = SHAPE_04X;
	else if (version_cmp(version, "1.1.0") < 0)
		ret = SHAPE_100;
	else
		ret = SHAPE_110;
out:
	return ret;
}

/* Lists what we speak in the error's details, as libcni does, so the operator sees what
 * the config's cniVersion could have been. */
static void details_supported(struct cni_err *e)
{
	char list[128] = "";
	size_t i, len = 0;
	int n;

	for (i = 0; cni_versions[i]; i++) {
		n = snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", cni_versions[i]);
		if (n < 0 || (size_t)n >= sizeof(list) - len)
			break;
		len += (size_t)n;
	}
	cni_err_details(e, "supported versions: %s", list);
}

static int err_oom(struct cni_err *e)
{
	return cni_err_set(e, CNI_ERR_INTERNAL, "result: out of memory");
}

/* Returns AF_INET or AF_INET6 when `ip` is a plain address, 0 otherwise. */
static int ip_family(const char *ip)
{
	int ret = 0;
	unsigned char buf[sizeof(struct in6_addr)];

	if (!ip)
		goto out;
	if (inet_pton(AF_INET, ip, buf) == 1)
		ret = AF_INET;
	else if (inet_pton(AF_INET6, ip, buf) == 1)
		ret = AF_INET6;
out:
	return ret;
}

/* Returns the family of "address/prefix" with the prefix in range for it, 0 otherwise.
 * The prefix is mandatory: a result's addresses and route destinations are networks. */
static int cidr_family(const char *cidr)
{
	int ret = 0;
	char addr[INET6_ADDRSTRLEN];
	const char *slash, *p;
	unsigned int prefix = 0;
	size_t len;
	int family;

	if (!cidr)
		goto out;
	slash = strchr(cidr, '/');
	if (!slash)
		goto out;
	len = (size_t)(slash - cidr);
	if (len == 0 || len >= sizeof(addr))
		goto out;
	memcpy(addr, cidr, len);
	addr[len] = '\0';
	family = ip_family(addr);
	if (!family)
		goto out;
	p = slash + 1;
	if (*p == '\0' || strlen(p) > 3)
		goto out;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			goto out;
		prefix = prefix * 10 + (unsigned int)(*p - '0');
	}
	if (prefix > (family == AF_INET ? 32U : 128U))
		goto out;
	ret = family;
out:
	return ret;
}

/* Copies an optional string: NULL stays NULL. */
static int dup_opt(char **dst, const char *src)
{
	int ret = -1;

	*dst = NULL;
	if (src) {
		*dst = strdup(src);
		if (!*dst)
			goto out;
	}
	ret = 0;
out:
	return ret;
}

/* Each *_new appends one blank element, counted at once so that result_free releases
 * whatever a half-finished parse or copy has put into it. */
static void *grow(void *array, int n, size_t size)
{
	void *ret = NULL;

	if (n >= INT_MAX)
		goto out;
	ret = realloc(array, ((size_t)n + 1) * size);
out:
	return ret;
}

static struct cni_iface *iface_new(struct cni_result *r)
{
	struct cni_iface *ret = NULL, *array;

	array = grow(r->ifaces, r->n_ifaces, sizeof(*array));
	if (!array)
		goto out;
	r->ifaces = array;
	ret = &array[r->n_ifaces++];
	memset(ret, 0, sizeof(*ret));
out:
	return ret;
}

static struct cni_ip *ip_new(struct cni_result *r)
{
	struct cni_ip *ret = NULL, *array;

	array = grow(r->ips, r->n_ips, sizeof(*array));
	if (!array)
		goto out;
	r->ips = array;
	ret = &array[r->n_ips++];
	memset(ret, 0, sizeof(*ret));
	ret->interface = -1;
out:
	return ret;
}

static struct cni_route *route_new(struct cni_result *r)
{
	struct cni_route *ret = NULL, *array;

	array = grow(r->routes, r->n_routes, sizeof(*array));
	if (!array)
		goto out;
	r->routes = array;
	ret = &array[r->n_routes++];
	memset(ret, 0, sizeof(*ret));
	ret->mtu = ret->advmss = ret->priority = ret->table = ret->scope = -1;
out:
	return ret;
}

static void iface_clear(struct cni_iface *ifc)
{
	free(ifc->name);
	free(ifc->mac);
	free(ifc->sandbox);
	free(ifc->socket_path);
	free(ifc->pci_id);
	memset(ifc, 0, sizeof(*ifc));
}

static void ip_clear(struct cni_ip *ip)
{
	free(ip->address);
	free(ip->gateway);
	memset(ip, 0, sizeof(*ip));
}

static void route_clear(struct cni_route *rt)
{
	free(rt->dst);
	free(rt->gw);
	memset(rt, 0, sizeof(*rt));
}

struct cni_result *result_new(void)
{
	return calloc(1, sizeof(struct cni_result));
}

void result_free(struct cni_result *r)
{
	int i;

	if (!r)
		return;
	for (i = 0; i < r->n_ifaces; i++)
		iface_clear(&r->ifaces[i]);
	for (i = 0; i < r->n_ips; i++)
		ip_clear(&r->ips[i]);
	for (i = 0; i < r->n_routes; i++)
		route_clear(&r->routes[i]);
	free(r->ifaces);
	free(r->ips);
	free(r->routes);
	cJSON_Delete(r->dns);
	free(r->cni_version);
	free(r);
}

struct cni_result *result_dup(const struct cni_result *r)
{
	struct cni_result *ret = NULL, *copy = NULL;
	struct cni_iface *ifc;
	struct cni_ip *ip;
	struct cni_route *rt;
	int i;

	if (!r)
		goto out;
	copy = result_new();
	if (!copy || dup_opt(&copy->cni_version, r->cni_version))
		goto out;
	for (i = 0; i < r->n_ifaces; i++) {
		ifc = iface_new(copy);
		if (!ifc)
			goto out;
		ifc->mtu = r->ifaces[i].mtu;
		if (dup_opt(&ifc->name, r->ifaces[i].name) ||
		    dup_opt(&ifc->mac, r->ifaces[i].mac) ||
		    dup_opt(&ifc->sandbox, r->ifaces[i].sandbox) ||
		    dup_opt(&ifc->socket_path, r->ifaces[i].socket_path) ||
		    dup_opt(&ifc->pci_id, r->ifaces[i].pci_id))
			goto out;
	}
	for (i = 0; i < r->n_ips; i++) {
		ip = ip_new(copy);
		if (!ip)
			goto out;
		ip->interface = r->ips[i].interface;
		if (dup_opt(&ip->address, r->ips[i].address) ||
		    dup_opt(&ip->gateway, r->ips[i].gateway))
			goto out;
	}
	for (i = 0; i < r->n_routes; i++) {
		rt = route_new(copy);
		if (!rt)
			goto out;
		*rt = r->routes[i];
		rt->dst = rt->gw = NULL;
		if (dup_opt(&rt->dst, r->routes[i].dst) || dup_opt(&rt->gw, r->routes[i].gw))
			goto out;
	}
	if (r->dns) {
		copy->dns = cJSON_Duplicate(r->dns, 1);
		if (!copy->dns)
			goto out;
	}
	ret = copy;
	copy = NULL;
out:
	result_free(copy);
	return ret;
}

int result_add_iface(struct cni_result *r, const char *name, const char *mac, const char *sandbox)
{
	int ret = -1;
	struct cni_iface *ifc;

	if (!r || !name)
		goto out;
	ifc = iface_new(r);
	if (!ifc)
		goto out;
	if (dup_opt(&ifc->name, name) || dup_opt(&ifc->mac, mac) ||
	    dup_opt(&ifc->sandbox, sandbox)) {
		iface_clear(ifc);
		r->n_ifaces--;
		goto out;
	}
	ret = r->n_ifaces - 1;
out:
	return ret;
}

int result_add_ip(struct cni_result *r, const char *address, const char *gateway, int iface)
{
	int ret = -1;
	struct cni_ip *ip;

	if (!r || !address)
		goto out;
	ip = ip_new(r);
	if (!ip)
		goto out;
	ip->interface = iface < 0 ? -1 : iface;
	if (dup_opt(&ip->address, address) || dup_opt(&ip->gateway, gateway)) {
		ip_clear(ip);
		r->n_ips--;
		goto out;
	}
	ret = r->n_ips - 1;
out:
	return ret;
}

int result_add_route(struct cni_result *r, const char *dst, const char *gw)
{
	int ret = -1;
	struct cni_route *rt;

	if (!r || !dst)
		goto out;
	rt = route_new(r);
	if (!rt)
		goto out;
	if (dup_opt(&rt->dst, dst) || dup_opt(&rt->gw, gw)) {
		route_clear(rt);
		r->n_routes--;
		goto out;
	}
	ret = r->n_routes - 1;
out:
	return ret;
}

/* ---- parsing ---------------------------------------------------------------------------- */

/* Field names in messages read like the JSON path the user wrote: "ips[1].address". */
static const char *dot(const char *path)
{
	return *path ? "." : "";
}

/* JSON null is how many encoders spell "absent", so it counts as absent. */
static const cJSON *member(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNull(item) ? NULL : item;
}

static int take_string(const cJSON *obj, const char *path, const char *key, bool required,
		       char **out, struct cni_err *e)
{
	int ret = -1;
	const cJSON *item = member(obj, key);

	*out = NULL;
	if (!item) {
		if (required) {
			cni_err_set(e, CNI_ERR_DECODE, "%s%s%s: missing", path, dot(path), key);
			goto out;
		}
		ret = 0;
		goto out;
	}
	if (!cJSON_IsString(item)) {
		cni_err_set(e, CNI_ERR_DECODE, "%s%s%s: not a string", path, dot(path), key);
		goto out;
	}
	*out = strdup(item->valuestring);
	if (!*out) {
		err_oom(e);
		goto out;
	}
	ret = 0;
out:
	return ret;
}

/* Every integer a result carries (MTU, table, interface index…) is non-negative, which
 * leaves negative values free to mean "absent" in the internal form. */
static int take_int(const cJSON *obj, const char *path, const char *key, int absent, int *out,
		    struct cni_err *e)
{
	int ret = -1;
	const cJSON *item = member(obj, key);
	double d;

	*out = absent;
	if (!item) {
		ret = 0;
		goto out;
	}
	if (!cJSON_IsNumber(item)) {
		cni_err_set(e, CNI_ERR_DECODE, "%s%s%s: not a number", path, dot(path), key);
		goto out;
	}
	d = item->valuedouble;
	if (!(d >= 0 && d <= INT_MAX) || d != (double)(int)d) {
		cni_err_set(e, CNI_ERR_DECODE, "%s%s%s: %g is not a non-negative integer", path,
			    dot(path), key, d);
		goto out;
	}
	*out = (int)d;
	ret = 0;
out:
	return ret;
}

static int check_object(const cJSON *item, const char *path, struct cni_err *e)
{
	int ret = -1;

	if (!cJSON_IsObject(item)) {
		cni_err_set(e, CNI_ERR_DECODE, "%s: not an object", path);
		goto out;
	}
	ret = 0;
out:
	return ret;
}

/* Returns the array under `key`, NULL when absent; *bad is set when it is not an array. */
static const cJSON *take_array(const cJSON *obj, const char *path, const char *key, bool *bad,
			       struct cni_err *e)
{
	const cJSON *ret = member(obj, key);

	*bad = false;
	if (ret && !cJSON_IsArray(ret)) {
		cni_err_set(e, CNI_ERR_DECODE, "%s%s%s: not an array", path, dot(path), key);
		*bad = true;
		ret = NULL;
	}
	return ret;
}

static int parse_gateway(const cJSON *obj, const char *path, const char *key, char **out,
			 struct cni_err *e)
{
	int ret = -1;

	if (take_string(obj, path, key, false, out, e))
		goto out;
	if (*out && !ip_family(*out)) {
		cni_err_set(e, CNI_ERR_DECODE, "%s%s%s: \"%s\" is not an IP address", path, dot(path),
			    key, *out);
		goto out;
	}
	ret = 0;
out:
	return ret;
}

static int parse_iface(const cJSON *obj, const char *path, struct cni_iface *ifc,
		       struct cni_err *e)
{
	int ret = -1;

	if (check_object(obj, path, e) ||
	    take_string(obj, path, "name", true, &ifc->name, e) ||
	    take_string(obj, path, "mac", false, &ifc->mac, e) ||
	    take_string(obj, path, "sandbox", false, &ifc->sandbox, e) ||
	    take_int(obj, path, "mtu", 0, &ifc->mtu, e) ||
	    take_string(obj, path, "socketPath", false, &ifc->socket_path, e) ||
	    take_string(obj, path, "pciID", false, &ifc->pci_id, e))
		goto out;
	ret = 0;
out:
	return ret;
}

/* 0.3.x/0.4.0 results say each address's family in "version"; a disagreement means the
 * producer is confused about the address, so it is refused rather than guessed. */
static int check_ip_version(const cJSON *obj, const char *path, const char *address, int family,
			    struct cni_err *e)
{
	int ret = -1;
	const cJSON *item = member(obj, "version");
	const char *v;

	if (!item) {
		ret = 0;
		goto out;
	}
	if (!cJSON_IsString(item)) {
		cni_err_set(e, CNI_ERR_DECODE, "%s.version: not a string", path);
		goto out;
	}
	v = item->valuestring;
	if (strcmp(v, "4") != 0 && strcmp(v, "6") != 0) {
		cni_err_set(e, CNI_ERR_DECODE, "%s.version: \"%s\" is not \"4\" or \"6\"", path, v);
		goto out;
	}
	if ((v[0] == '4') != (family == AF_INET)) {
		cni_err_set(e, CNI_ERR_DECODE, "%s.version: \"%s\" does not match address \"%s\"",
			    path, v, address);
		goto out;
	}
	ret = 0;
out:
	return ret;
}

static int parse_ip(const cJSON *obj, const char *path, enum shape shape, int n_ifaces,
		    struct cni_ip *ip, struct cni_err *e)
{
	int ret = -1;
	int family;

	if (check_object(obj, path, e) ||
	    take_string(obj, path, "address", true, &ip->address, e))
		goto out;
	family = cidr_family(ip->address);
	if (!family) {
		cni_err_set(e, CNI_ERR_DECODE, "%s.address: \"%s\" is not an IP/prefix", path,
			    ip->address);
		goto out;
	}
	if (parse_gateway(obj, path, "gateway", &ip->gateway, e) ||
	    take_int(obj, path, "interface", -1, &ip->interface, e))
		goto out;
	if (ip->interface >= n_ifaces) {
		cni_err_set(e, CNI_ERR_DECODE,
			    "%s.interface: %d is out of range: the result has %d interface%s", path,
			    ip->interface, n_ifaces, n_ifaces == 1 ? "" : "s");
		goto out;
	}
	if (shape == SHAPE_04X && check_ip_version(obj, path, ip->address, family, e))
		goto out;
	ret = 0;
out:
	return ret;
}

static int parse_route(const cJSON *obj, const char *path, struct cni_route *rt,
		       struct cni_err *e)
{
	int ret = -1;

	if (check_object(obj, path, e) || take_string(obj, path, "dst", true, &rt->dst, e))
		goto out;
	if (!cidr_family(rt->dst)) {
		cni_err_set(e, CNI_ERR_DECODE, "%s.dst: \"%s\" is not an IP/prefix", path, rt->dst);
		goto out;
	}
	if (parse_gateway(obj, path, "gw", &rt->gw, e) ||
	    take_int(obj, path, "mtu", -1, &rt->mtu, e) ||
	    take_int(obj, path, "advmss", -1, &rt->advmss, e) ||
	    take_int(obj, path, "priority", -1, &rt->priority, e) ||
	    take_int(obj, path, "table", -1, &rt->table, e) ||
	    take_int(obj, path, "scope", -1, &rt->scope, e))
		goto out;
	ret = 0;
out:
	return ret;
}

static int parse_routes(const cJSON *obj, const char *path, struct cni_result *r,
			struct cni_err *e)
{
	int ret = -1;
	const cJSON *array, *item;
	struct cni_route *rt;
	char item_path[64];
	bool bad;
	int i = 0;

	array = take_array(obj, path, "routes", &bad, e);
	if (bad)
		goto out;
	cJSON_ArrayForEach(item, array) {
		snprintf(item_path, sizeof(item_path), "%s%sroutes[%d]", path, dot(path), i++);
		rt = route_new(r);
		if (!rt) {
			err_oom(e);
			goto out;
		}
		if (parse_route(item, item_path, rt, e))
			goto out;
	}
	ret = 0;
out:
	return ret;
}

/* 0.1.0/0.2.0: `key` ("ip4"/"ip6") becomes one entry of ips[] with no interface, and its
 * routes join the result's routes, which is where 0.3.0 moved them. */
static int parse_legacy_block(const cJSON *json, const char *key, int family,
			      struct cni_result *r, struct cni_err *e)
{
	int ret = -1;
	const cJSON *block = member(json, key);
	struct cni_ip *ip;

	if (!block) {
		ret = 0;
		goto out;
	}
	if (check_object(block, key, e))
		goto out;
	ip = ip_new(r);
	if (!ip) {
		err_oom(e);
		goto out;
	}
	if (take_string(block, key, "ip", true, &ip->address, e))
		goto out;
	if (cidr_family(ip->address) != family) {
		cni_err_set(e, CNI_ERR_DECODE, "%s.ip: \"%s\" is not an %s address/prefix", key,
			    ip->address, family == AF_INET ? "IPv4" : "IPv6");
		goto out;
	}
	if (parse_gateway(block, key, "gateway", &ip->gateway, e) ||
	    parse_routes(block, key, r, e))
		goto out;
	ret = 0;
out:
	return ret;
}

static int parse_rich(const cJSON *json, enum shape shape, struct cni_result *r,
		      struct cni_err *e)
{
	int ret = -1;
	const cJSON *array, *item;
	struct cni_iface *ifc;
	struct cni_ip *ip;
	char path[64];
	bool bad;
	int i;

	/* interfaces first: ips[].interface is checked against their number */
	array = take_array(json, "", "interfaces", &bad, e);
	if (bad)
		goto out;
	i = 0;
	cJSON_ArrayForEach(item, array) {
		snprintf(path, sizeof(path), "interfaces[%d]", i++);
		ifc = iface_new(r);
		if (!ifc) {
			err_oom(e);
			goto out;
		}
		if (parse_iface(item, path, ifc, e))
			goto out;
	}
	array = take_array(json, "", "ips", &bad, e);
	if (bad)
		goto out;
	i = 0;
	cJSON_ArrayForEach(item, array) {
		snprintf(path, sizeof(path), "ips[%d]", i++);
		ip = ip_new(r);
		if (!ip) {
			err_oom(e);
			goto out;
		}
		if (parse_ip(item, path, shape, r->n_ifaces, ip, e))
			goto out;
	}
	if (parse_routes(json, "", r, e))
		goto out;
	ret = 0;
out:
	return ret;
}

int result_parse(const cJSON *json, const char *version, struct cni_result **out,
		 struct cni_err *e)
{
	int ret = -1;
	struct cni_result *r = NULL;
	const cJSON *item;
	const char *v = version;
	enum shape shape;

	if (!out) {
		cni_err_set(e, CNI_ERR_INTERNAL, "result_parse: no place for the result");
		goto out;
	}
	*out = NULL;
	if (!cJSON_IsObject(json)) {
		cni_err_set(e, CNI_ERR_DECODE, "result: not a JSON object");
		goto out;
	}
	/* A result's own cniVersion wins; prevResult and IPAM answers may lack one, and then
	 * the spec says they are in the config's version. */
	item = member(json, "cniVersion");
	if (item) {
		if (!cJSON_IsString(item)) {
			cni_err_set(e, CNI_ERR_DECODE, "cniVersion: not a string");
			goto out;
		}
		v = item->valuestring;
	}
	if (!v) {
		cni_err_set(e, CNI_ERR_INCOMPATIBLE_VERSION,
			    "result has no cniVersion and none was given for it");
		details_supported(e);
		goto out;
	}
	shape = shape_of(v);
	if (shape == SHAPE_UNKNOWN) {
		cni_err_set(e, CNI_ERR_INCOMPATIBLE_VERSION,
			    "result has unsupported cniVersion \"%s\"", v);
		details_supported(e);
		goto out;
	}
	r = result_new();
	if (!r || dup_opt(&r->cni_version, v)) {
		err_oom(e);
		goto out;
	}
	if (shape == SHAPE_020) {
		if (parse_legacy_block(json, "ip4", AF_INET, r, e) ||
		    parse_legacy_block(json, "ip6", AF_INET6, r, e))
			goto out;
	} else if (parse_rich(json, shape, r, e)) {
		goto out;
	}
	item = member(json, "dns");
	if (item) {
		if (check_object(item, "dns", e))
			goto out;
		r->dns = cJSON_Duplicate(item, 1);
		if (!r->dns) {
			err_oom(e);
			goto out;
		}
	}
	*out = r;
	r = NULL;
	ret = 0;
out:
	result_free(r);
	return ret;
}

int result_parse_string(const char *text, const char *version, struct cni_result **out,
			struct cni_err *e)
{
	int ret = -1;
	cJSON *json = NULL;
	const char *end = NULL;
	size_t len;

	if (out)
		*out = NULL;
	if (!text) {
		cni_err_set(e, CNI_ERR_DECODE, "result: no text");
		goto out;
	}
	len = strlen(text);
	/* Counting the terminator lets cJSON refuse text after the JSON value, which a Go
	 * runtime (json.Unmarshal) refuses too. */
	json = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
	if (!json) {
		if (end && end >= text && end <= text + len)
			cni_err_set(e, CNI_ERR_DECODE, "result: invalid JSON at byte %zu",
				    (size_t)(end - text));
		else
			cni_err_set(e, CNI_ERR_DECODE, "result: invalid JSON");
		goto out;
	}
	ret = result_parse(json, version, out, e);
out:
	cJSON_Delete(json);
	return ret;
}

/* ---- printing --------------------------------------------------------------------------- */

/* Absent optional fields are left out, never printed as null or "". */
static int add_str(cJSON *obj, const char *key, const char *value)
{
	int ret = -1;

	if (value && !cJSON_AddStringToObject(obj, key, value))
		goto out;
	ret = 0;
out:
	return ret;
}

static int add_int(cJSON *obj, const char *key, int value, int absent)
{
	int ret = -1;

	if (value > absent && !cJSON_AddNumberToObject(obj, key, value))
		goto out;
	ret = 0;
out:
	return ret;
}

/* Appends a new object to `array`; NULL on allocation failure. */
static cJSON *add_object(cJSON *array)
{
	cJSON *ret = cJSON_CreateObject();

	if (ret && !cJSON_AddItemToArray(array, ret)) {
		cJSON_Delete(ret);
		ret = NULL;
	}
	return ret;
}

static int ifaces_to_json(const struct cni_result *r, enum shape shape, cJSON *root,
			  struct cni_err *e)
{
	int ret = -1;
	const struct cni_iface *ifc;
	cJSON *array, *obj;
	int i;

	if (r->n_ifaces == 0) {
		ret = 0;
		goto out;
	}
	array = cJSON_AddArrayToObject(root, "interfaces");
	if (!array)
		goto oom;
	for (i = 0; i < r->n_ifaces; i++) {
		ifc = &r->ifaces[i];
		obj = add_object(array);
		if (!obj || add_str(obj, "name", ifc->name) || add_str(obj, "mac", ifc->mac) ||
		    add_str(obj, "sandbox", ifc->sandbox))
			goto oom;
		if (shape == SHAPE_110 &&
		    (add_int(obj, "mtu", ifc->mtu, 0) ||
		     add_str(obj, "socketPath", ifc->socket_path) ||
		     add_str(obj, "pciID", ifc->pci_id)))
			goto oom;
	}
	ret = 0;
	goto out;
oom:
	err_oom(e);
out:
	return ret;
}

static int ips_to_json(const struct cni_result *r, enum shape shape, cJSON *root,
		       struct cni_err *e)
{
	int ret = -1;
	const struct cni_ip *ip;
	cJSON *array, *obj;
	int i, family;

	if (r->n_ips == 0) {
		ret = 0;
		goto out;
	}
	array = cJSON_AddArrayToObject(root, "ips");
	if (!array)
		goto oom;
	for (i = 0; i < r->n_ips; i++) {
		ip = &r->ips[i];
		obj = add_object(array);
		if (!obj)
			goto oom;
		/* 0.3.x/0.4.0 consumers read the family from "version", not from the address */
		if (shape == SHAPE_04X) {
			family = cidr_family(ip->address);
			if (!family) {
				cni_err_set(e, CNI_ERR_INTERNAL,
					    "ips[%d].address: \"%s\" is not an IP/prefix", i,
					    ip->address ? ip->address : "");
				goto out;
			}
			if (add_str(obj, "version", family == AF_INET ? "4" : "6"))
				goto oom;
		}
		if (add_int(obj, "interface", ip->interface, -1) ||
		    add_str(obj, "address", ip->address) || add_str(obj, "gateway", ip->gateway))
			goto oom;
	}
	ret = 0;
	goto out;
oom:
	err_oom(e);
out:
	return ret;
}

static int routes_to_json(const struct cni_result *r, enum shape shape, cJSON *root,
			  struct cni_err *e)
{
	int ret = -1;
	const struct cni_route *rt;
	cJSON *array, *obj;
	int i;

	if (r->n_routes == 0) {
		ret = 0;
		goto out;
	}
	array = cJSON_AddArrayToObject(root, "routes");
	if (!array)
		goto oom;
	for (i = 0; i < r->n_routes; i++) {
		rt = &r->routes[i];
		obj = add_object(array);
		if (!obj || add_str(obj, "dst", rt->dst) || add_str(obj, "gw", rt->gw))
			goto oom;
		if (shape == SHAPE_110 &&
		    (add_int(obj, "mtu", rt->mtu, -1) || add_int(obj, "advmss", rt->advmss, -1) ||
		     add_int(obj, "priority", rt->priority, -1) ||
		     add_int(obj, "table", rt->table, -1) || add_int(obj, "scope", rt->scope, -1)))
			goto oom;
	}
	ret = 0;
	goto out;
oom:
	err_oom(e);
out:
	return ret;
}

/* 0.1.0/0.2.0 hold one address per family, so only the first of each survives, as in the
 * reference conversion. A route joins the block of its destination's family; one whose
 * family has no address has nowhere to go in that shape and is left out, as the reference
 * does, rather than failing an attachment that works. */
static int legacy_to_json(const struct cni_result *r, const char *version, cJSON *root,
			  struct cni_err *e)
{
	int ret = -1;
	const struct cni_ip *v4 = NULL, *v6 = NULL;
	cJSON *ip4 = NULL, *ip6 = NULL, *block, *routes, *obj;
	int i, family;

	for (i = 0; i < r->n_ips; i++) {
		family = cidr_family(r->ips[i].address);
		if (!family) {
			cni_err_set(e, CNI_ERR_INTERNAL, "ips[%d].address: \"%s\" is not an IP/prefix",
				    i, r->ips[i].address ? r->ips[i].address : "");
			goto out;
		}
		if (family == AF_INET && !v4)
			v4 = &r->ips[i];
		else if (family == AF_INET6 && !v6)
			v6 = &r->ips[i];
	}
	if (!v4 && !v6) {
		cni_err_set(e, CNI_ERR_INCOMPATIBLE_VERSION,
			    "cannot convert result to cniVersion %s: it has no IP address", version);
		goto out;
	}
	if (v4) {
		ip4 = cJSON_AddObjectToObject(root, "ip4");
		if (!ip4 || add_str(ip4, "ip", v4->address) || add_str(ip4, "gateway", v4->gateway))
			goto oom;
	}
	if (v6) {
		ip6 = cJSON_AddObjectToObject(root, "ip6");
		if (!ip6 || add_str(ip6, "ip", v6->address) || add_str(ip6, "gateway", v6->gateway))
			goto oom;
	}
	for (i = 0; i < r->n_routes; i++) {
		family = cidr_family(r->routes[i].dst);
		if (!family) {
			cni_err_set(e, CNI_ERR_INTERNAL, "routes[%d].dst: \"%s\" is not an IP/prefix",
				    i, r->routes[i].dst ? r->routes[i].dst : "");
			goto out;
		}
		block = family == AF_INET ? ip4 : ip6;
		if (!block)
			continue;
		routes = cJSON_GetObjectItemCaseSensitive(block, "routes");
		if (!routes)
			routes = cJSON_AddArrayToObject(block, "routes");
		obj = routes ? add_object(routes) : NULL;
		if (!obj || add_str(obj, "dst", r->routes[i].dst) ||
		    add_str(obj, "gw", r->routes[i].gw))
			goto oom;
	}
	ret = 0;
	goto out;
oom:
	err_oom(e);
out:
	return ret;
}

cJSON *result_to_json(const struct cni_result *r, const char *version, struct cni_err *e)
{
	cJSON *ret = NULL, *root = NULL, *dns;
	enum shape shape = shape_of(version);

	if (!r) {
		cni_err_set(e, CNI_ERR_INTERNAL, "result_to_json: no result");
		goto out;
	}
	if (shape == SHAPE_UNKNOWN) {
		cni_err_set(e, CNI_ERR_INCOMPATIBLE_VERSION,
			    "cannot convert result to cniVersion \"%s\": unsupported version",
			    version ? version : "");
		details_supported(e);
		goto out;
	}
	root = cJSON_CreateObject();
	if (!root || !cJSON_AddStringToObject(root, "cniVersion", version)) {
		err_oom(e);
		goto out;
	}
	if (shape == SHAPE_020) {
		if (legacy_to_json(r, version, root, e))
			goto out;
	} else if (ifaces_to_json(r, shape, root, e) || ips_to_json(r, shape, root, e) ||
		   routes_to_json(r, shape, root, e)) {
		goto out;
	}
	/* An empty dns object says nothing; current reference plugins leave it out too. */
	if (r->dns && r->dns->child) {
		dns = cJSON_Duplicate(r->dns, 1);
		if (!dns || !cJSON_AddItemToObject(root, "dns", dns)) {
			cJSON_Delete(dns);
			err_oom(e);
			goto out;
		}
	}
	ret = root;
	root = NULL;
out:
	cJSON_Delete(root);
	return ret;
}

/* ---- merging ---------------------------------------------------------------------------- */

static bool has_dns(const struct cni_result *r)
{
	return r->dns && r->dns->child;
}

/* Grows a's array to hold `extra` more elements; leaves it as it was on failure. */
static int reserve(void **array, int n, int extra, size_t size)
{
	int ret = -1;
	void *grown;

	if (extra == 0) {
		ret = 0;
		goto out;
	}
	if (n > INT_MAX - extra)
		goto out;
	grown = realloc(*array, ((size_t)n + (size_t)extra) * size);
	if (!grown)
		goto out;
	*array = grown;
	ret = 0;
out:
	return ret;
}

/* Copies b first and grows every array of a before moving anything, so that a failure
 * leaves a exactly as it was. */
int result_merge(struct cni_result *a, const struct cni_result *b)
{
	int ret = -1;
	struct cni_result *copy = NULL;
	void *ifaces, *ips, *routes;
	int base, i;

	if (!a)
		goto out;
	if (!b) {
		ret = 0;
		goto out;
	}
	copy = result_dup(b);
	if (!copy)
		goto out;
	ifaces = a->ifaces;
	ips = a->ips;
	routes = a->routes;
	if (reserve(&ifaces, a->n_ifaces, copy->n_ifaces, sizeof(*a->ifaces)))
		goto out;
	a->ifaces = ifaces;
	if (reserve(&ips, a->n_ips, copy->n_ips, sizeof(*a->ips)))
		goto out;
	a->ips = ips;
	if (reserve(&routes, a->n_routes, copy->n_routes, sizeof(*a->routes)))
		goto out;
	a->routes = routes;

	/* b's IPs point into b's interfaces, which now sit after a's own */
	base = a->n_ifaces;
	for (i = 0; i < copy->n_ips; i++)
		if (copy->ips[i].interface >= 0)
			copy->ips[i].interface += base;
	if (copy->n_ifaces)
		memcpy(a->ifaces + a->n_ifaces, copy->ifaces,
		       (size_t)copy->n_ifaces * sizeof(*a->ifaces));
	if (copy->n_ips)
		memcpy(a->ips + a->n_ips, copy->ips, (size_t)copy->n_ips * sizeof(*a->ips));
	if (copy->n_routes)
		memcpy(a->routes + a->n_routes, copy->routes,
		       (size_t)copy->n_routes * sizeof(*a->routes));
	a->n_ifaces += copy->n_ifaces;
	a->n_ips += copy->n_ips;
	a->n_routes += copy->n_routes;
	/* the strings moved to a with the elements */
	copy->n_ifaces = copy->n_ips = copy->n_routes = 0;

	if (!has_dns(a) && has_dns(copy)) {
		cJSON_Delete(a->dns);
		a->dns = copy->dns;
		copy->dns = NULL;
	}
	ret = 0;
out:
	result_free(copy);
	return ret;
}

struct cni_result *result_attachment_new(const char *ifname, const char *mac, const char *sandbox,
					 const cJSON *dns, const struct cni_result *ipam)
{
	struct cni_result *r = result_new();

	if (!r || result_add_iface(r, ifname, mac, sandbox) < 0)
		goto fail;
	if (dns && cJSON_IsObject(dns) && dns->child && !(r->dns = cJSON_Duplicate(dns, 1)))
		goto fail;
	/* result_merge keeps our dns and takes the IPAM's only when ours is unset. */
	if (ipam && result_merge(r, ipam))
		goto fail;
	/* An IPAM answer names no interface: every address it gave is on ours. */
	for (int i = 0; i < r->n_ips; i++)
		r->ips[i].interface = 0;
	return r;
fail:
	result_free(r);
	return NULL;
}

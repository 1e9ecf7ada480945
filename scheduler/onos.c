/* ONOS REST v1 for vdno-scheduler: tolerant parsers for the answers it reads (older and newer
 * ONOS shapes alike) and the few calls that change ONOS (app registration, intents). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <cjson/cJSON.h>
#include "onos.h"

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static const char *member_string(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(item) && item->valuestring[0] ? item->valuestring : NULL;
}

static int oom(struct cni_err *e, const char *what)
{
	return cni_err_set(e, CNI_ERR_INTERNAL, "onos: %s: out of memory", what);
}

/* Parses the body and finds the one array every ONOS collection is wrapped in. */
static int wrapped_array(const char *json, size_t len, const char *member, const char *what,
			 cJSON **root, const cJSON **array, struct cni_err *e)
{
	*root = cJSON_ParseWithLength(json ? json : "", len);
	*array = NULL;
	if (!cJSON_IsObject(*root)) {
		cJSON_Delete(*root);
		*root = NULL;
		return cni_err_set(e, CNI_ERR_DECODE, "onos: %s: the answer is not a JSON object",
				   what);
	}
	*array = cJSON_GetObjectItemCaseSensitive(*root, member);
	if (!cJSON_IsArray(*array)) {
		cJSON_Delete(*root);
		*root = NULL;
		return cni_err_set(e, CNI_ERR_DECODE, "onos: %s: no \"%s\" array in the answer",
				   what, member);
	}
	return 0;
}

/* aa:bb:cc:dd:ee:ff in either case → upper case; false when it is not a MAC. */
static bool mac_upper(const char *s, char out[18])
{
	size_t i;

	if (!s || strlen(s) != 17)
		return false;
	for (i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (s[i] != ':')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
		out[i] = (char)toupper((unsigned char)s[i]);
	}
	out[17] = '\0';
	return true;
}

/* JSON numbers into int64. Counters in delta statistics are per poll interval, far below
 * 2^53 (9 PB in 5 s), where a double is exact; beyond int64 they saturate, and only their
 * sign and their ratio to the port speed are used. */
static bool number_int64(const cJSON *item, int64_t *out)
{
	double v;

	if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
		return false;
	v = item->valuedouble;
	if (v >= 9223372036854775807.0)
		*out = INT64_MAX;
	else if (v <= -9223372036854775808.0)
		*out = INT64_MIN;
	else
		*out = (int64_t)v;
	return true;
}

/* ---- hosts -------------------------------------------------------------------------- */

static void host_clear(struct onos_host *host)
{
	size_t j;

	free(host->id);
	for (j = 0; j < host->n_ips; j++)
		free(host->ips[j]);
	free(host->ips);
	free(host->device);
	free(host->port);
	memset(host, 0, sizeof(*host));
}

void onos_hosts_free(struct onos_host *hosts, size_t n)
{
	size_t i;

	for (i = 0; hosts && i < n; i++)
		host_clear(&hosts[i]);
	free(hosts);
}

/* locations[0] since ONOS 1.11, a single "location" before (fixtures/onos §3.3). */
static const cJSON *host_location(const cJSON *host)
{
	const cJSON *locations = cJSON_GetObjectItemCaseSensitive(host, "locations");
	const cJSON *loc;

	cJSON_ArrayForEach(loc, (cJSON_IsArray(locations) ? locations : NULL)) {
		if (member_string(loc, "elementId"))
			return loc;
	}
	loc = cJSON_GetObjectItemCaseSensitive(host, "location");
	return member_string(loc, "elementId") ? loc : NULL;
}

static int host_fill(const cJSON *item, struct onos_host *host)
{
	const char *id = member_string(item, "id"), *mac = member_string(item, "mac");
	const cJSON *ips = cJSON_GetObjectItemCaseSensitive(item, "ipAddresses"), *ip;
	const cJSON *loc = host_location(item);
	char from_id[18];

	/* the MAC is also the front of the id ("MAC/VLAN") when an old ONOS leaves "mac" out */
	if (!mac && id && strlen(id) > 17 && id[17] == '/') {
		memcpy(from_id, id, 17);
		from_id[17] = '\0';
		mac = from_id;
	}
	if (!mac_upper(mac, host->mac))
		return 1;
	if (id)
		host->id = strdup(id);
	else if (asprintf(&host->id, "%s/None", host->mac) < 0)
		host->id = NULL;
	if (!host->id)
		return -1;
	if (cJSON_IsArray(ips)) {
		host->ips = calloc((size_t)cJSON_GetArraySize(ips) + 1, sizeof(*host->ips));
		if (!host->ips)
			return -1;
		cJSON_ArrayForEach(ip, ips) {
			if (!cJSON_IsString(ip))
				continue;
			host->ips[host->n_ips] = strdup(ip->valuestring);
			if (!host->ips[host->n_ips])
				return -1;
			host->n_ips++;
		}
	}
	if (loc) {
		const cJSON *port = cJSON_GetObjectItemCaseSensitive(loc, "port");

		host->device = strdup(member_string(loc, "elementId"));
		if (!host->device)
			return -1;
		if (cJSON_IsString(port))
			host->port = strdup(port->valuestring);
		else if (cJSON_IsNumber(port) && asprintf(&host->port, "%.0f", port->valuedouble) < 0)
			host->port = NULL;
	}
	return 0;
}

int onos_hosts_parse(const char *json, size_t len, struct onos_host **hosts, size_t *n,
		     struct cni_err *e)
{
	const cJSON *array, *item;
	cJSON *root = NULL;
	struct onos_host *out = NULL;
	size_t count = 0;
	int ret = -1;

	*hosts = NULL;
	*n = 0;
	if (wrapped_array(json, len, "hosts", "GET /hosts", &root, &array, e) < 0)
		return -1;
	out = calloc((size_t)cJSON_GetArraySize(array) + 1, sizeof(*out));
	if (!out) {
		oom(e, "GET /hosts");
		goto out;
	}
	cJSON_ArrayForEach(item, array) {
		int filled = cJSON_IsObject(item) ? host_fill(item, &out[count]) : 1;

		if (filled < 0) {
			count++;
			oom(e, "GET /hosts");
			goto out;
		}
		if (filled == 0)
			count++;
		else
			host_clear(&out[count]);  /* no MAC: nothing an intent could name */
	}
	*hosts = out;
	*n = count;
	out = NULL;
	ret = 0;
out:
	onos_hosts_free(out, count);
	cJSON_Delete(root);
	return ret;
}

const struct onos_host *onos_host_by_mac(const struct onos_host *hosts, size_t n, const char *mac)
{
	size_t i;

	for (i = 0; mac && i < n; i++) {
		if (strcasecmp(hosts[i].mac, mac) == 0)
			return &hosts[i];
	}
	return NULL;
}

const struct onos_host *onos_host_by_ip(const struct onos_host *hosts, size_t n, const char *ip)
{
	size_t i, j;

	for (i = 0; ip && i < n; i++) {
		for (j = 0; j < hosts[i].n_ips; j++) {
			if (strcmp(hosts[i].ips[j], ip) == 0)
				return &hosts[i];
		}
	}
	return NULL;
}

/* ---- devices ------------------------------------------------------------------------ */

void onos_devices_free(struct onos_device *devices, size_t n)
{
	size_t i;

	for (i = 0; devices && i < n; i++) {
		free(devices[i].id);
		free(devices[i].city);
	}
	free(devices);
}

int onos_devices_parse(const char *json, size_t len, const struct onos_config *config,
		       struct onos_device **devices, size_t *n, struct cni_err *e)
{
	const cJSON *array, *item;
	cJSON *root = NULL;
	struct onos_device *out = NULL;
	size_t count = 0;
	int ret = -1;

	*devices = NULL;
	*n = 0;
	if (wrapped_array(json, len, "devices", "GET /devices", &root, &array, e) < 0)
		return -1;
	out = calloc((size_t)cJSON_GetArraySize(array) + 1, sizeof(*out));
	if (!out) {
		oom(e, "GET /devices");
		goto out;
	}
	cJSON_ArrayForEach(item, array) {
		const char *id = member_string(item, "id");
		const char *city = member_string(cJSON_GetObjectItemCaseSensitive(item, "annotations"),
						 "city");

		if (!id)
			continue;
		/* the annotation is ONOS's own record (netcfg annotations/entries); the config's
		 * map covers switches nobody annotated */
		if (!city)
			city = onos_device_city(config, id);
		out[count].id = strdup(id);
		out[count].city = dup_or_null(city);
		count++;
		if (!out[count - 1].id || (city && !out[count - 1].city)) {
			oom(e, "GET /devices");
			goto out;
		}
	}
	*devices = out;
	*n = count;
	out = NULL;
	ret = 0;
out:
	onos_devices_free(out, count);
	cJSON_Delete(root);
	return ret;
}

const struct onos_device *onos_device_find(const struct onos_device *devices, size_t n,
					   const char *id)
{
	size_t i;

	for (i = 0; id && i < n; i++) {
		if (strcmp(devices[i].id, id) == 0)
			return &devices[i];
	}
	return NULL;
}

/* ---- paths -------------------------------------------------------------------------- */

static void links_free(struct onos_link *links, size_t n)
{
	size_t i;

	for (i = 0; links && i < n; i++) {
		free(links[i].src_device);
		free(links[i].src_port);
		free(links[i].dst_device);
		free(links[i].dst_port);
	}
	free(links);
}

void onos_paths_free(struct onos_path *paths, size_t n)
{
	size_t i;

	for (i = 0; paths && i < n; i++)
		links_free(paths[i].links, paths[i].n_links);
	free(paths);
}

/* A connect point's port is a string everywhere but port statistics; accept a number too. */
static char *port_dup(const cJSON *point)
{
	const cJSON *port = cJSON_GetObjectItemCaseSensitive(point, "port");
	char *out = NULL;

	if (cJSON_IsString(port))
		return strdup(port->valuestring);
	if (cJSON_IsNumber(port) && asprintf(&out, "%.0f", port->valuedouble) < 0)
		return NULL;
	return out;
}

static int path_fill(const cJSON *path, struct onos_path *out, struct cni_err *e)
{
	const cJSON *links = cJSON_GetObjectItemCaseSensitive(path, "links"), *link;

	if (!cJSON_IsArray(links))
		return cni_err_set(e, CNI_ERR_DECODE, "onos: GET /paths: a path without \"links\"");
	out->links = calloc((size_t)cJSON_GetArraySize(links) + 1, sizeof(*out->links));
	if (!out->links)
		return oom(e, "GET /paths");
	cJSON_ArrayForEach(link, links) {
		const cJSON *src = cJSON_GetObjectItemCaseSensitive(link, "src");
		const cJSON *dst = cJSON_GetObjectItemCaseSensitive(link, "dst");
		struct onos_link *l = &out->links[out->n_links];

		/* an EDGE link has a host at one end; only switch-to-switch links carry load
		 * the scheduler can measure */
		if (!member_string(src, "device") || !member_string(dst, "device"))
			continue;
		out->n_links++;
		l->src_device = strdup(member_string(src, "device"));
		l->dst_device = strdup(member_string(dst, "device"));
		l->src_port = port_dup(src);
		l->dst_port = port_dup(dst);
		if (!l->src_device || !l->dst_device || !l->src_port || !l->dst_port)
			return oom(e, "GET /paths");
	}
	return 0;
}

int onos_paths_parse(const char *json, size_t len, struct onos_path **paths, size_t *n,
		     struct cni_err *e)
{
	const cJSON *array, *item;
	cJSON *root = NULL;
	struct onos_path *out = NULL;
	size_t count = 0;
	int ret = -1;

	*paths = NULL;
	*n = 0;
	if (wrapped_array(json, len, "paths", "GET /paths", &root, &array, e) < 0)
		return -1;
	out = calloc((size_t)cJSON_GetArraySize(array) + 1, sizeof(*out));
	if (!out) {
		oom(e, "GET /paths");
		goto out;
	}
	cJSON_ArrayForEach(item, array) {
		count++;
		if (path_fill(item, &out[count - 1], e) < 0)
			goto out;
	}
	*paths = out;
	*n = count;
	out = NULL;
	ret = 0;
out:
	onos_paths_free(out, count);
	cJSON_Delete(root);
	return ret;
}

/* ---- ports -------------------------------------------------------------------------- */

void onos_ports_free(struct onos_port *ports, size_t n)
{
	size_t i;

	for (i = 0; ports && i < n; i++)
		free(ports[i].port);
	free(ports);
}

int onos_ports_parse(const char *json, size_t len, struct onos_port **ports, size_t *n,
		     struct cni_err *e)
{
	const cJSON *array, *item;
	cJSON *root = NULL;
	struct onos_port *out = NULL;
	size_t count = 0;
	int ret = -1;

	*ports = NULL;
	*n = 0;
	if (wrapped_array(json, len, "ports", "GET /devices/{id}/ports", &root, &array, e) < 0)
		return -1;
	out = calloc((size_t)cJSON_GetArraySize(array) + 1, sizeof(*out));
	if (!out) {
		oom(e, "GET /devices/{id}/ports");
		goto out;
	}
	cJSON_ArrayForEach(item, array) {
		int64_t speed = 0;
		char *port = port_dup(item);

		if (!port)
			continue;
		/* portSpeed is Mbps; a missing or negative one is "unknown", which counts as idle */
		if (!number_int64(cJSON_GetObjectItemCaseSensitive(item, "portSpeed"), &speed) ||
		    speed < 0)
			speed = 0;
		out[count].port = port;
		out[count].speed_mbps = speed;
		count++;
	}
	*ports = out;
	*n = count;
	out = NULL;
	ret = 0;
out:
	onos_ports_free(out, count);
	cJSON_Delete(root);
	return ret;
}

/* ---- delta statistics ------------------------------------------------------------- */

void onos_deltas_free(struct onos_port_delta *deltas, size_t n)
{
	size_t i;

	for (i = 0; deltas && i < n; i++)
		free(deltas[i].device);
	free(deltas);
}

int onos_deltas_parse(const char *json, size_t len, struct onos_port_delta **deltas, size_t *n,
		      struct cni_err *e)
{
	const cJSON *array, *item, *port;
	cJSON *root = NULL;
	struct onos_port_delta *out = NULL;
	size_t count = 0, cap = 0;
	int ret = -1;

	*deltas = NULL;
	*n = 0;
	if (wrapped_array(json, len, "statistics", "GET /statistics/delta/ports", &root, &array,
			  e) < 0)
		return -1;
	cJSON_ArrayForEach(item, array) {
		const cJSON *ports = cJSON_GetObjectItemCaseSensitive(item, "ports");

		if (member_string(item, "device") && cJSON_IsArray(ports))
			cap += (size_t)cJSON_GetArraySize(ports);
	}
	out = calloc(cap + 1, sizeof(*out));
	if (!out) {
		oom(e, "GET /statistics/delta/ports");
		goto out;
	}
	cJSON_ArrayForEach(item, array) {
		const char *device = member_string(item, "device");
		const cJSON *ports = cJSON_GetObjectItemCaseSensitive(item, "ports");

		/* a device polled only once has "ports": [] and simply adds nothing */
		if (!device || !cJSON_IsArray(ports))
			continue;
		cJSON_ArrayForEach(port, ports) {
			struct onos_port_delta *d = &out[count];

			if (!number_int64(cJSON_GetObjectItemCaseSensitive(port, "port"), &d->port) ||
			    !number_int64(cJSON_GetObjectItemCaseSensitive(port, "bytesSent"),
					  &d->delta.bytes_sent) ||
			    !number_int64(cJSON_GetObjectItemCaseSensitive(port, "bytesReceived"),
					  &d->delta.bytes_received))
				continue;
			/* OpenFlow 1.0 switches report no duration: 0 reads as "no rate known" */
			if (!number_int64(cJSON_GetObjectItemCaseSensitive(port, "durationSec"),
					  &d->delta.duration_sec))
				d->delta.duration_sec = 0;
			d->device = strdup(device);
			if (!d->device) {
				oom(e, "GET /statistics/delta/ports");
				goto out;
			}
			count++;
		}
	}
	*deltas = out;
	*n = count;
	out = NULL;
	ret = 0;
out:
	onos_deltas_free(out, count);
	cJSON_Delete(root);
	return ret;
}

const struct onos_port_delta *onos_delta_find(const struct onos_port_delta *deltas, size_t n,
					      const char *device, int64_t port)
{
	size_t i;

	for (i = 0; device && i < n; i++) {
		if (deltas[i].port == port && strcmp(deltas[i].device, device) == 0)
			return &deltas[i];
	}
	return NULL;
}

int64_t onos_port_number(const char *port)
{
	char *end;
	unsigned long long v;

	if (!port || !*port)
		return -1;
	if (strcasecmp(port, "local") == 0)
		return ONOS_PORT_LOCAL;
	if (!isdigit((unsigned char)port[0]))
		return -1;
	errno = 0;
	v = strtoull(port, &end, 10);
	if (errno || *end || v > INT64_MAX)
		return -1;
	return (int64_t)v;
}

/* ---- intents ------------------------------------------------------------------------ */

void onos_intents_free(struct onos_intent *intents, size_t n)
{
	size_t i;

	for (i = 0; intents && i < n; i++) {
		free(intents[i].key);
		free(intents[i].type);
		free(intents[i].state);
		free(intents[i].one);
		free(intents[i].two);
	}
	free(intents);
}

static double intent_bandwidth(const cJSON *intent)
{
	const cJSON *constraints = cJSON_GetObjectItemCaseSensitive(intent, "constraints"), *c;

	cJSON_ArrayForEach(c, (cJSON_IsArray(constraints) ? constraints : NULL)) {
		const char *type = member_string(c, "type");
		const cJSON *bw = cJSON_GetObjectItemCaseSensitive(c, "bandwidth");

		/* ONOS echoes the double in Java notation ("5.0E8"); cJSON reads exponents */
		if (type && strcmp(type, "BandwidthConstraint") == 0 && cJSON_IsNumber(bw) &&
		    isfinite(bw->valuedouble) && bw->valuedouble >= 0)
			return bw->valuedouble;
	}
	return -1;
}

int onos_intents_parse(const char *json, size_t len, struct onos_intent **intents, size_t *n,
		       struct cni_err *e)
{
	const cJSON *array, *item;
	cJSON *root = NULL;
	struct onos_intent *out = NULL;
	size_t count = 0;
	int ret = -1;

	*intents = NULL;
	*n = 0;
	if (wrapped_array(json, len, "intents", "GET /intents", &root, &array, e) < 0)
		return -1;
	out = calloc((size_t)cJSON_GetArraySize(array) + 1, sizeof(*out));
	if (!out) {
		oom(e, "GET /intents");
		goto out;
	}
	cJSON_ArrayForEach(item, array) {
		struct onos_intent *it = &out[count];
		const char *key = member_string(item, "key");

		if (!key)
			continue;
		count++;
		it->key = strdup(key);
		it->type = dup_or_null(member_string(item, "type"));
		it->state = dup_or_null(member_string(item, "state"));
		it->one = dup_or_null(member_string(item, "one"));
		it->two = dup_or_null(member_string(item, "two"));
		it->bandwidth_bps = intent_bandwidth(item);
		if (!it->key || (member_string(item, "type") && !it->type) ||
		    (member_string(item, "state") && !it->state) ||
		    (member_string(item, "one") && !it->one) ||
		    (member_string(item, "two") && !it->two)) {
			oom(e, "GET /intents");
			goto out;
		}
	}
	*intents = out;
	*n = count;
	out = NULL;
	ret = 0;
out:
	onos_intents_free(out, count);
	cJSON_Delete(root);
	return ret;
}

int onos_intent_key(char *buf, size_t size, const char *name, const char *host_mac)
{
	char hex[13];
	size_t i, j = 0;
	int n;

	if (!host_mac || strlen(host_mac) != 17)
		return -1;
	for (i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (host_mac[i] != ':' && host_mac[i] != '-')
				return -1;
			continue;
		}
		if (!isxdigit((unsigned char)host_mac[i]))
			return -1;
		hex[j++] = (char)tolower((unsigned char)host_mac[i]);
	}
	hex[j] = '\0';
	n = snprintf(buf, size, "VDN:%s:%s", name, hex);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

cJSON *onos_intent_body_new(const char *app_id, const char *key, const char *host_id,
			    const char *container_mac, int64_t bandwidth_bps)
{
	cJSON *intent = cJSON_CreateObject(), *constraints, *bw;
	char two[32];

	snprintf(two, sizeof(two), "%s/None", container_mac);
	if (!intent || !cJSON_AddStringToObject(intent, "type", "HostToHostIntent") ||
	    !cJSON_AddStringToObject(intent, "appId", app_id) ||
	    !cJSON_AddStringToObject(intent, "key", key) ||
	    !cJSON_AddStringToObject(intent, "one", host_id) ||
	    !cJSON_AddStringToObject(intent, "two", two))
		goto fail;
	if (bandwidth_bps > 0) {
		constraints = cJSON_AddArrayToObject(intent, "constraints");
		bw = cJSON_CreateObject();
		if (!constraints || !bw || !cJSON_AddItemToArray(constraints, bw)) {
			cJSON_Delete(bw);
			goto fail;
		}
		/* bits per second (ONOS reads Bandwidth.bps), not the Mbps of portSpeed */
		if (!cJSON_AddStringToObject(bw, "type", "BandwidthConstraint") ||
		    !cJSON_AddNumberToObject(bw, "bandwidth", (double)bandwidth_bps))
			goto fail;
	}
	return intent;
fail:
	cJSON_Delete(intent);
	return NULL;
}

/* ---- calls -------------------------------------------------------------------------- */

void onos_call_clear(struct onos_call *call)
{
	if (!call)
		return;
	free(call->url);
	free(call->body);
	memset(call, 0, sizeof(*call));
}

int onos_call_init(struct onos_call *call, const struct onos_config *config, const char *method,
		   const char *path, long timeout_ms, struct cni_err *e)
{
	memset(call, 0, sizeof(*call));
	snprintf(call->what, sizeof(call->what), "%s %s", method, path);
	if (asprintf(&call->url, "%s%s", config->url, path) < 0) {
		call->url = NULL;
		return oom(e, call->what);
	}
	call->headers[0] = "Accept: application/json";
	call->req.method = method;
	call->req.url = call->url;
	call->req.headers = call->headers;
	call->req.user_agent = "vdno-scheduler";
	call->req.timeout_ms = timeout_ms;
	if (config->user) {
		call->req.auth.kind = HTTP_AUTH_BASIC;
		call->req.auth.user = config->user;
		call->req.auth.password = config->password ? config->password : "";
	}
	return 0;
}

int onos_call_result(const struct onos_call *call, const struct http_resp *resp,
		     const struct cni_err *transport_err, struct cni_err *e)
{
	cJSON *body;
	const char *message;

	if (resp->outcome >= HTTP_FAIL_CONNECT) {
		cni_err_set(e, transport_err && transport_err->code ? transport_err->code
								    : CNI_ERR_TRY_AGAIN,
			    "onos: %s: %s%s%s", call->what, http_outcome_text(resp->outcome),
			    resp->transport_msg[0] ? ": " : "", resp->transport_msg);
		return -1;
	}
	if (resp->status >= 200 && resp->status < 300)
		return 0;
	if (resp->status == 401)
		/* Jetty's 401 page says nothing useful; the fix is always in the config */
		return cni_err_set(e, CNI_ERR_REMOTE, "onos: %s: 401 Unauthorized (check onos.user "
				   "and onos.password)", call->what);
	body = cJSON_ParseWithLength(resp->body ? resp->body : "", resp->body_len);
	message = member_string(body, "message");
	if (message)
		cni_err_set(e, CNI_ERR_REMOTE, "onos: %s: %ld %s: %s", call->what, resp->status,
			    http_reason(resp->status), message);
	else
		cni_err_set(e, CNI_ERR_REMOTE, "onos: %s: %ld %s", call->what, resp->status,
			    http_reason(resp->status));
	cJSON_Delete(body);
	return -1;
}

int onos_path_format(char **out, const char *fmt_a, const char *a, const char *fmt_b,
		     const char *b, struct cni_err *e)
{
	char *ea = curl_easy_escape(NULL, a, 0);
	char *eb = b ? curl_easy_escape(NULL, b, 0) : NULL;
	int ret = -1;

	*out = NULL;
	if (!ea || (b && !eb))
		goto out;
	if (asprintf(out, "%s%s%s%s", fmt_a, ea, fmt_b ? fmt_b : "", eb ? eb : "") < 0) {
		*out = NULL;
		goto out;
	}
	ret = 0;
out:
	curl_free(ea);
	curl_free(eb);
	if (ret < 0)
		oom(e, fmt_a);
	return ret;
}

/* One blocking call: 0 for 2xx, -1 otherwise; *status gets the HTTP status (0: no answer). */
static int call_once(struct onos_call *call, long *status, bool *maybe_made, struct cni_err *e)
{
	struct http_resp resp = { 0 };
	struct cni_err transport_err = { 0 };
	int ret;

	http_do(&call->req, &resp, &transport_err);
	if (status)
		*status = resp.status;
	if (maybe_made)
		*maybe_made = resp.outcome >= HTTP_FAIL_CONNECT && resp.request_sent;
	ret = onos_call_result(call, &resp, &transport_err, e);
	http_resp_free(&resp);
	return ret;
}

int onos_app_register(const struct onos_config *config, long timeout_ms, struct cni_err *e)
{
	struct onos_call call;
	char *path = NULL;
	int ret = -1;

	memset(&call, 0, sizeof(call));
	if (onos_path_format(&path, "/applications/", config->app_id, "/register", NULL, e) < 0 ||
	    onos_call_init(&call, config, "POST", path, timeout_ms, e) < 0)
		goto out;
	ret = call_once(&call, NULL, NULL, e);
out:
	onos_call_clear(&call);
	free(path);
	return ret;
}

int onos_intent_post(const struct onos_config *config, const cJSON *intent, long timeout_ms,
		     bool *maybe_made, struct cni_err *e)
{
	struct onos_call call;
	const char *key = member_string(intent, "key");
	int ret = -1;

	*maybe_made = false;
	if (onos_call_init(&call, config, "POST", "/intents", timeout_ms, e) < 0)
		goto out;
	if (key)
		snprintf(call.what, sizeof(call.what), "POST /intents (key %s)", key);
	call.body = cJSON_PrintUnformatted(intent);
	if (!call.body) {
		oom(e, call.what);
		goto out;
	}
	call.req.body = call.body;
	call.req.body_len = strlen(call.body);
	call.req.content_type = "application/json";
	ret = call_once(&call, NULL, maybe_made, e);
out:
	onos_call_clear(&call);
	return ret;
}

int onos_intent_delete(const struct onos_config *config, const char *key, long timeout_ms,
		       struct cni_err *e)
{
	struct onos_call call;
	struct cni_err ignored = { 0 };
	char *path = NULL;
	long status = 0;
	int ret = -1;

	memset(&call, 0, sizeof(call));
	if (onos_path_format(&path, "/intents/", config->app_id, "/", key, e) < 0 ||
	    onos_call_init(&call, config, "DELETE", path, timeout_ms, e) < 0)
		goto out;
	snprintf(call.what, sizeof(call.what), "DELETE /intents/%s/%s", config->app_id, key);
	ret = call_once(&call, &status, NULL, &ignored);
	/* ONOS falls back to Long.decode(key) when no string key matches: an unknown string
	 * key is a 400 NumberFormatException, not a 404; either way the intent is not there */
	if (ret < 0 && (status == 400 || status == 404))
		ret = 0;
	else if (ret < 0)
		*e = ignored;
out:
	onos_call_clear(&call);
	free(path);
	return ret;
}

int onos_intents_list_call(struct onos_call *call, const struct onos_config *config,
			   long timeout_ms, struct cni_err *e)
{
	char *path = NULL;
	int ret;

	memset(call, 0, sizeof(*call));
	if (onos_path_format(&path, "/intents/application/", config->app_id, "?detail=true", NULL,
			     e) < 0)
		return -1;
	ret = onos_call_init(call, config, "GET", path, timeout_ms, e);
	free(path);
	if (ret < 0)
		onos_call_clear(call);
	return ret;
}

int onos_intents_list_result(const struct onos_call *call, const struct http_resp *resp,
			     const struct cni_err *transport_err, struct onos_intent **intents,
			     size_t *n, struct cni_err *e)
{
	*intents = NULL;
	*n = 0;
	/* an app never registered has made no intents */
	if (resp->outcome == HTTP_FAIL_STATUS && resp->status == 404)
		return 0;
	if (onos_call_result(call, resp, transport_err, e) < 0)
		return -1;
	return onos_intents_parse(resp->body, resp->body_len, intents, n, e);
}

int onos_intents_list(const struct onos_config *config, long timeout_ms,
		      struct onos_intent **intents, size_t *n, struct cni_err *e)
{
	struct onos_call call;
	struct http_resp resp = { 0 };
	struct cni_err transport_err = { 0 };
	int ret;

	*intents = NULL;
	*n = 0;
	if (onos_intents_list_call(&call, config, timeout_ms, e) < 0)
		return -1;
	http_do(&call.req, &resp, &transport_err);
	ret = onos_intents_list_result(&call, &resp, &transport_err, intents, n, e);
	http_resp_free(&resp);
	onos_call_clear(&call);
	return ret;
}

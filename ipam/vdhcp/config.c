/* vdhcp's configuration: the servers with their credentials, the per-server timeout, and the
 * vdnId and requestIp a pod may ask for through args, runtimeConfig or CNI_ARGS. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "config.h"
#include "log.h"
#include "state.h"

void server_clear(struct vdhcp_server *s)
{
	if (!s)
		return;
	if (s->password) {
		/* The process may live on (the daemon); leave no copy of the secret behind. */
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
	}
	free(s->url);
	free(s->user);
	free(s->password_file);
	free(s->ca_file);
	memset(s, 0, sizeof(*s));
}

void servers_free(struct vdhcp_server *s, int n)
{
	for (int i = 0; s && i < n; i++)
		server_clear(&s[i]);
	free(s);
}

int server_copy(struct vdhcp_server *dst, const struct vdhcp_server *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->insecure = src->insecure;
	if (!(dst->url = strdup(src->url)) ||
	    (src->user && !(dst->user = strdup(src->user))) ||
	    (src->password && !(dst->password = strdup(src->password))) ||
	    (src->password_file && !(dst->password_file = strdup(src->password_file))) ||
	    (src->ca_file && !(dst->ca_file = strdup(src->ca_file)))) {
		server_clear(dst);
		return -1;
	}
	return 0;
}

int config_password_read(const char *path, char **out, struct cni_err *e)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;

	*out = NULL;
	if (file_read_all(path, CONFIG_PASSWORD_MAX, &text, &len, e))
		return -1;
	/* As for a kubeconfig: a secret other local users can read is worth a warning. */
	if (!stat(path, &st) && (st.st_mode & (S_IRGRP | S_IROTH)))
		log_warn("password file %s is readable by group or others", path);
	/* Secrets mounted from Kubernetes or written with echo end in a newline that is not
	 * part of the password. */
	text[strcspn(text, "\r\n")] = '\0';
	if (!*text) {
		free(text);
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s is empty", path);
	}
	*out = text;
	return 0;
}

/* http:// or https://, a host, no credentials and nothing after the path: {url}{mac} must be
 * the lease's resource, and a password in a URL would end up in the state record. */
static int url_check(const char *url, const char *key, char **out, struct cni_err *e)
{
	const char *host;
	size_t authority, len = strlen(url);

	if (!strncasecmp(url, "http://", 7))
		host = url + 7;
	else if (!strncasecmp(url, "https://", 8))
		host = url + 8;
	else
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: \"%.128s\" is not an http:// or "
				   "https:// URL", key, url);
	authority = strcspn(host, "/?#");
	if (authority == 0)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: \"%.128s\" has no host", key, url);
	if (memchr(host, '@', authority))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: credentials in the URL are not "
				   "accepted; use \"user\" and \"password\" or \"passwordFile\"", key);
	if (strpbrk(url, "?# \t\r\n"))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: \"%.128s\" must not have a query, "
				   "fragment or whitespace", key, url);
	*out = malloc(len + 2);
	if (!*out)
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	/* The API is {url}{mac}; a base written without its last '/' still means the folder. */
	snprintf(*out, len + 2, "%s%s", url, url[len - 1] == '/' ? "" : "/");
	return 0;
}

static int server_parse(const cJSON *item, const char *key, struct vdhcp_server *s,
			struct cni_err *e)
{
	const char *url = NULL, *user = NULL, *password = NULL, *password_file = NULL;
	const char *ca_file = NULL;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	if (!cJSON_IsObject(item))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s must be an object", key);
	if (conf_get_string(item, "url", &url, e) || conf_get_string(item, "user", &user, e) ||
	    conf_get_string(item, "password", &password, e) ||
	    conf_get_string(item, "passwordFile", &password_file, e) ||
	    conf_get_string(item, "caFile", &ca_file, e) ||
	    conf_get_bool(item, "insecureSkipVerify", &s->insecure, e)) {
		cni_err_prefix(e, "%s", key);
		goto out;
	}
	if (!url || !*url) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: missing \"url\"", key);
		goto out;
	}
	if (password && password_file) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: set \"password\" or \"passwordFile\", "
			    "not both", key);
		goto out;
	}
	if ((password || password_file) && (!user || !*user)) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: a password needs \"user\"", key);
		goto out;
	}
	if (url_check(url, key, &s->url, e))
		goto out;
	if (password_file && config_password_read(password_file, &s->password, e)) {
		e->code = CNI_ERR_INVALID_CONFIG;
		cni_err_prefix(e, "%s.passwordFile", key);
		goto out;
	}
	if ((user && *user && !(s->user = strdup(user))) ||
	    (password && !(s->password = strdup(password))) ||
	    (password_file && !(s->password_file = strdup(password_file))) ||
	    (ca_file && *ca_file && !(s->ca_file = strdup(ca_file)))) {
		cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		goto out;
	}
	ret = 0;
out:
	if (ret)
		server_clear(s);
	return ret;
}

int config_servers_parse(const cJSON *list, const char *where, struct vdhcp_server **out, int *n,
			 struct cni_err *e)
{
	struct vdhcp_server *servers = NULL;
	const cJSON *item;
	char key[96];
	int count, i = 0;

	*out = NULL;
	*n = 0;
	if (!list || cJSON_IsNull(list))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: missing \"servers\"", where);
	if (!cJSON_IsArray(list) || (count = cJSON_GetArraySize(list)) == 0)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s.servers must be a non-empty list",
				   where);
	servers = calloc((size_t)count, sizeof(*servers));
	if (!servers)
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	cJSON_ArrayForEach(item, list) {
		snprintf(key, sizeof(key), "%s.servers[%d]", where, i);
		if (server_parse(item, key, &servers[i], e)) {
			servers_free(servers, i);
			return -1;
		}
		i++;
	}
	*out = servers;
	*n = count;
	return 0;
}

/* "10.1.0.5" or "10.1.0.5/24" -> 4 (address copied to out), 6 for IPv6, 0 when neither. */
static int ip_of(const char *text, char out[INET_ADDRSTRLEN])
{
	unsigned char buf[sizeof(struct in6_addr)];
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	char *end;
	long prefix;

	if (len == 0 || len >= sizeof(addr))
		return 0;
	memcpy(addr, text, len);
	addr[len] = '\0';
	if (slash) {
		prefix = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || prefix < 0 || prefix > (strchr(addr, ':') ? 128 : 32))
			return 0;
	}
	/* inet_ntop, not a copy: an IPv4 address that parsed fits INET_ADDRSTRLEN. */
	if (inet_pton(AF_INET, addr, buf) == 1)
		return inet_ntop(AF_INET, buf, out, INET_ADDRSTRLEN) ? 4 : 0;
	return inet_pton(AF_INET6, addr, buf) == 1 ? 6 : 0;
}

/* The first IPv4 address of a list of requested IPs. 1 found, 0 empty list, -1 error. */
static int pick_ipv4(const char *const *items, int n, const char *source, char out[INET_ADDRSTRLEN],
		     struct cni_err *e)
{
	char ignored[INET_ADDRSTRLEN];
	int found = 0;

	for (int i = 0; i < n; i++) {
		int family = ip_of(items[i], found ? ignored : out);

		if (!family)
			return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s[%d]: \"%.64s\" is not an IP "
					   "address", source, i, items[i]);
		if (family == 4)
			found = 1;
	}
	if (n > 0 && !found)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: no IPv4 address among %d asked for "
				   "(the vDHCP API leases IPv4 only)", source, n);
	return found;
}

static int pick_from_json(const cJSON *obj, const char *source, char out[INET_ADDRSTRLEN],
			  struct cni_err *e)
{
	const char **items = NULL;
	int n = 0, ret;

	if (!obj)
		return 0;
	if (conf_get_strings(obj, "ips", &items, &n, e)) {
		free(items);
		cni_err_prefix(e, "%s", source);
		return -1;
	}
	ret = pick_ipv4(items, n, source, out, e);
	free(items);
	return ret;
}

/* CNI_ARGS IP may list several, comma-separated, as the static IPAM accepts. */
static int pick_from_cni_args(const char *value, char out[INET_ADDRSTRLEN], struct cni_err *e)
{
	const char *items[16];
	char *copy, *save = NULL, *tok;
	int n = 0, ret;

	if (!value || !*value)
		return 0;
	copy = strdup(value);
	if (!copy)
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok && n < 16; tok = strtok_r(NULL, ",", &save))
		items[n++] = tok;
	ret = pick_ipv4(items, n, "CNI_ARGS IP", out, e);
	free(copy);
	return ret;
}

static int pick_vdn_id(const struct cni_ctx *c, struct vdhcp_conf *vc, struct cni_err *e)
{
	const char *args = NULL, *env = cni_args_get(&c->args, "VDN_ID"), *ipam = NULL, *v;

	if (c->conf.args_cni && conf_get_string(c->conf.args_cni, "vdnId", &args, e)) {
		cni_err_prefix(e, "args.cni");
		return -1;
	}
	if (conf_get_string(c->conf.ipam, "vdnId", &ipam, e)) {
		cni_err_prefix(e, "ipam");
		return -1;
	}
	/* First to last: what the pod asked for (multicni's annotation), then the runtime's
	 * CNI_ARGS, then the network's default. An empty value defers to the next source. */
	v = args && *args ? args : env && *env ? env : ipam && *ipam ? ipam : "";
	if (strlen(v) >= sizeof(vc->vdn_id))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "%s: vdnId is longer than %zu bytes",
				   v == args ? "args.cni.vdnId" : v == env ? "CNI_ARGS VDN_ID" :
				   "ipam.vdnId", sizeof(vc->vdn_id) - 1);
	snprintf(vc->vdn_id, sizeof(vc->vdn_id), "%s", v);
	return 0;
}

static int pick_request_ip(const struct cni_ctx *c, struct vdhcp_conf *vc, struct cni_err *e)
{
	int found = pick_from_json(c->conf.args_cni, "args.cni.ips", vc->request_ip, e);

	if (found == 0)
		found = pick_from_json(c->conf.runtime_config, "runtimeConfig.ips", vc->request_ip, e);
	if (found == 0)
		found = pick_from_cni_args(cni_args_get(&c->args, "IP"), vc->request_ip, e);
	return found < 0 ? -1 : 0;
}

/* ipam.routes and ipam.dns go through the result parser, so they obey the same rules as any
 * CNI result; only the error code (a config, not an answer) and the key's path change. */
static int parse_extra(const cJSON *ipam, struct vdhcp_conf *vc, struct cni_err *e)
{
	const cJSON *routes = cJSON_GetObjectItemCaseSensitive(ipam, "routes");
	const cJSON *dns = cJSON_GetObjectItemCaseSensitive(ipam, "dns"), *ns;
	cJSON *shape = cJSON_CreateObject();
	int ret = -1;

	if (!shape || !cJSON_AddStringToObject(shape, "cniVersion", "1.1.0")) {
		cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (routes && !cJSON_IsNull(routes)) {
		if (!cJSON_IsArray(routes)) {
			cni_err_set(e, CNI_ERR_INVALID_CONFIG, "ipam.routes must be a list");
			goto out;
		}
		vc->routes_given = true;
		if (!cJSON_AddItemReferenceToObject(shape, "routes", (cJSON *)routes)) {
			cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
			goto out;
		}
	}
	if (dns && !cJSON_IsNull(dns)) {
		if (!cJSON_IsObject(dns)) {
			cni_err_set(e, CNI_ERR_INVALID_CONFIG, "ipam.dns must be an object");
			goto out;
		}
		ns = cJSON_GetObjectItemCaseSensitive(dns, "nameservers");
		if (ns && !cJSON_IsNull(ns) && !cJSON_IsArray(ns)) {
			cni_err_set(e, CNI_ERR_INVALID_CONFIG, "ipam.dns.nameservers must be a list");
			goto out;
		}
		for (int i = 0; ns && i < cJSON_GetArraySize(ns); i++)
			if (!cJSON_IsString(cJSON_GetArrayItem(ns, i))) {
				cni_err_set(e, CNI_ERR_INVALID_CONFIG, "ipam.dns.nameservers[%d] must be "
					    "a string", i);
				goto out;
			}
		if (!cJSON_AddItemReferenceToObject(shape, "dns", (cJSON *)dns)) {
			cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
			goto out;
		}
	}
	if (result_parse(shape, NULL, &vc->extra, e)) {
		e->code = CNI_ERR_INVALID_CONFIG;
		cni_err_prefix(e, "ipam");
		goto out;
	}
	ret = 0;
out:
	cJSON_Delete(shape);
	return ret;
}

int config_load(const struct cni_ctx *c, struct vdhcp_conf *vc, struct cni_err *e)
{
	const cJSON *ipam = c->conf.ipam;
	const char *state_dir_key = NULL;
	int ret = -1;

	memset(vc, 0, sizeof(*vc));
	vc->timeout_ms = CONFIG_TIMEOUT_DEFAULT_MS;
	if (!ipam) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "missing \"ipam\" (vdhcp is an IPAM plugin)");
		goto out;
	}
	if (config_servers_parse(cJSON_GetObjectItemCaseSensitive(ipam, "servers"), "ipam",
				 &vc->servers, &vc->n_servers, e))
		goto out;
	if (conf_get_int(ipam, "timeoutMs", 1, 600000, &vc->timeout_ms, e) ||
	    conf_get_string(ipam, "stateDir", &state_dir_key, e)) {
		cni_err_prefix(e, "ipam");
		goto out;
	}
	/* The top-level stateDir belongs to the main plugin, whose records have the same
	 * <id>-<ifname>.json names as ours: vdhcp keeps its own folder. */
	if (state_dir("vdhcp", state_dir_key, vc->state_dir, sizeof(vc->state_dir), e) ||
	    pick_vdn_id(c, vc, e) || pick_request_ip(c, vc, e) || parse_extra(ipam, vc, e))
		goto out;
	ret = 0;
out:
	if (ret)
		config_free(vc);
	return ret;
}

void config_free(struct vdhcp_conf *vc)
{
	if (!vc)
		return;
	servers_free(vc->servers, vc->n_servers);
	result_free(vc->extra);
	memset(vc, 0, sizeof(*vc));
}

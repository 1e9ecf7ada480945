/* multicni's keys, checked once at the start of every verb that needs them, so that a typo in
 * the conflist is reported as such and not as a failure of some pod's ADD later. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

static int plugin_load(const cJSON *obj, int i, struct mc_plugin *p, struct cni_err *e)
{
	if (!cJSON_IsObject(obj))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"plugins\"[%d] must be an object", i);
	p->conf = obj;
	if (conf_get_string(obj, "name", &p->name, e) || conf_get_string(obj, "type", &p->type, e)) {
		cni_err_prefix(e, "\"plugins\"[%d]", i);
		return -1;
	}
	if (!p->name || !conf_valid_id(p->name))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"plugins\"[%d]: \"name\" %s%s%s; pods "
				   "select plugins by it, it must match ^[A-Za-z0-9][A-Za-z0-9_.-]*$",
				   i, p->name ? "\"" : "is missing", p->name ? p->name : "",
				   p->name ? "\" is invalid" : "");
	if (!p->type || !*p->type || strchr(p->type, '/'))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"plugins\"[%d] (%s): \"type\" must be "
				   "the name of a plugin binary in CNI_PATH", i, p->name);
	/* A delegate is one plugin, not a chain: its result must be one attachment's. */
	if (cJSON_GetObjectItemCaseSensitive(obj, "plugins"))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"plugins\"[%d] (%s): a delegate is "
				   "one plugin object; plugin lists cannot be nested", i, p->name);
	return 0;
}

int mc_conf_load(const struct cni_ctx *c, struct mc_conf *mc, struct cni_err *e)
{
	const cJSON *root = c->conf.root, *list, *it;
	const char *def = NULL;
	int i = 0;

	memset(mc, 0, sizeof(*mc));
	mc->api_timeout_ms = MC_API_TIMEOUT_DEFAULT_MS;
	mc->network_status = true;
	if (conf_get_string(root, "kubeconfig", &mc->kubeconfig, e) ||
	    conf_get_string(root, "default", &def, e) ||
	    conf_get_int(root, "apiTimeoutMs", 1, 600000, &mc->api_timeout_ms, e) ||
	    conf_get_bool(root, "networkStatus", &mc->network_status, e))
		goto fail;
	list = cJSON_GetObjectItemCaseSensitive(root, "plugins");
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"plugins\" must be a non-empty list of "
			    "plugin objects, each with a \"name\" and a \"type\"");
		goto fail;
	}
	mc->plugins = calloc((size_t)cJSON_GetArraySize(list), sizeof(*mc->plugins));
	if (!mc->plugins) {
		cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		goto fail;
	}
	cJSON_ArrayForEach(it, list) {
		if (plugin_load(it, i, &mc->plugins[i], e))
			goto fail;
		/* A name is what a pod's annotation says; two entries with one name would make
		 * the choice depend on the order of the list. */
		for (int j = 0; j < i; j++)
			if (!strcmp(mc->plugins[j].name, mc->plugins[i].name)) {
				cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"plugins\"[%d] and [%d] are "
					    "both named \"%s\"; names must be unique", j, i,
					    mc->plugins[i].name);
				goto fail;
			}
		mc->n_plugins = ++i;
	}
	mc->default_plugin = 0;
	if (def) {
		mc->default_plugin = mc_conf_find(mc, def);
		if (mc->default_plugin < 0) {
			char names[256];

			mc_conf_names(mc, names, sizeof(names));
			cni_err_set(e, CNI_ERR_INVALID_CONFIG, "\"default\": no plugin named \"%s\" "
				    "(plugins: %s)", def, names);
			goto fail;
		}
	}
	return 0;
fail:
	mc_conf_free(mc);
	return -1;
}

void mc_conf_free(struct mc_conf *mc)
{
	if (!mc)
		return;
	free(mc->plugins);
	memset(mc, 0, sizeof(*mc));
}

int mc_conf_find(const struct mc_conf *mc, const char *name)
{
	for (int i = 0; name && i < mc->n_plugins; i++)
		if (!strcmp(mc->plugins[i].name, name))
			return i;
	return -1;
}

void mc_conf_names(const struct mc_conf *mc, char *out, size_t len)
{
	size_t used = 0;

	if (len)
		out[0] = '\0';
	for (int i = 0; i < mc->n_plugins && used < len; i++) {
		int n = snprintf(out + used, len - used, "%s%s", i ? ", " : "", mc->plugins[i].name);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

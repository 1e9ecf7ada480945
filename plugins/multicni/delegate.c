/* multicni acts as the runtime of its delegates (anchors §1.10): it injects name and
 * cniVersion, passes runtimeConfig and args, runs ADD in order and DEL in reverse, and hands
 * each delegate its own earlier answer as prevResult. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "delegate.h"
#include "exec.h"
#include "link.h"
#include "log.h"
#include "netns.h"
#include "version.h"

static void delegate_clear(struct mc_delegate *d)
{
	free(d->plugin);
	free(d->type);
	free(d->network);
	free(d->cni_args);
	cJSON_Delete(d->conf);
	cJSON_Delete(d->result);
	memset(d, 0, sizeof(*d));
}

void plan_free(struct mc_plan *plan)
{
	if (!plan)
		return;
	for (int i = 0; i < plan->n; i++)
		delegate_clear(&plan->d[i]);
	free(plan->d);
	free(plan->cni_version);
	free(plan->network);
	free(plan->netns);
	free(plan->pod_namespace);
	free(plan->pod_name);
	memset(plan, 0, sizeof(*plan));
}

/* Replaces (or adds) key in obj with item, which it takes over; false when out of memory. */
static bool put(cJSON *obj, const char *key, cJSON *item)
{
	if (!item)
		return false;
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	if (!cJSON_AddItemToObject(obj, key, item)) {
		cJSON_Delete(item);
		return false;
	}
	return true;
}

/* obj[key] as an object, made when absent. NULL with e set when it is something else. */
static cJSON *child_object(cJSON *obj, const char *key, const char *plugin, struct cni_err *e)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsObject(v))
			cni_err_set(e, CNI_ERR_INVALID_CONFIG, "plugin %s: \"%s\" must be an object",
				    plugin, key);
		return cJSON_IsObject(v) ? v : NULL;
	}
	v = cJSON_CreateObject();
	if (!v || !put(obj, key, v)) {
		cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		return NULL;
	}
	return v;
}

cJSON *delegate_conf_new(const struct cni_ctx *c, const struct mc_plugin *p, struct cni_err *e)
{
	cJSON *conf = cJSON_Duplicate(p->conf, 1);

	/* As libcni does for the plugins of a list; the keys a runtime reserves for itself
	 * are ours to set, never the operator's. */
	if (!conf || !put(conf, "name", cJSON_CreateString(c->conf.name)) ||
	    !put(conf, "cniVersion", cJSON_CreateString(c->conf.cni_version))) {
		cJSON_Delete(conf);
		cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		return NULL;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(conf, "prevResult");
	cJSON_DeleteItemFromObjectCaseSensitive(conf, "cni.dev/valid-attachments");
	cJSON_DeleteItemFromObjectCaseSensitive(conf, "cni.dev/attachments");
	return conf;
}

/* The runtime's MAC= and IP= are meant for the pod's first interface; handing them to every
 * delegate would give the pod one MAC or address twice. */
static char *args_for(const struct cni_ctx *c, int index)
{
	const char *orig = getenv("CNI_ARGS");
	size_t len = 1;
	char *out;

	if (index == 0 || (!cni_args_get(&c->args, "MAC") && !cni_args_get(&c->args, "IP")))
		return strdup(orig ? orig : "");
	for (int i = 0; i < c->args.n; i++)
		len += strlen(c->args.key[i]) + strlen(c->args.value[i]) + 2;
	out = malloc(len);
	if (!out)
		return NULL;
	out[0] = '\0';
	for (int i = 0; i < c->args.n; i++) {
		if (!strcmp(c->args.key[i], "MAC") || !strcmp(c->args.key[i], "IP"))
			continue;
		if (out[0])
			strcat(out, ";");
		strcat(out, c->args.key[i]);
		strcat(out, "=");
		strcat(out, c->args.value[i]);
	}
	return out;
}

static const char *annotation(const cJSON *annotations, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(annotations, key);

	return cJSON_IsString(v) && *v->valuestring ? v->valuestring : NULL;
}

/* args.cni: the plugin's own, then the pod's vdn-id, then the element's cni-args (the most
 * specific wins, and cni-args wins over the config as in Multus). */
static int merge_args(cJSON *conf, const struct mc_attachment *a, const char *vdn_id,
		      const char *plugin, struct cni_err *e)
{
	cJSON *args, *cni;
	const cJSON *it;

	if (!vdn_id && !a->cni_args)
		return 0;
	if (!(args = child_object(conf, "args", plugin, e)) ||
	    !(cni = child_object(args, "cni", plugin, e)))
		return -1;
	if (vdn_id && !put(cni, "vdnId", cJSON_CreateString(vdn_id)))
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	cJSON_ArrayForEach(it, a->cni_args)
		if (!put(cni, it->string, cJSON_Duplicate(it, 1)))
			return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	return 0;
}

/* runtimeConfig: what the runtime gave multicni belongs to the first (primary) interface, as
 * NPWG says of the cluster network; then the pod's MAC for the first, then the element's. */
static int merge_runtime_config(const struct cni_ctx *c, cJSON *conf,
				const struct mc_attachment *a, int index, const char *pod_mac,
				const char *plugin, struct cni_err *e)
{
	const cJSON *from_runtime = index == 0 ? c->conf.runtime_config : NULL, *it;
	const char *mac = a->mac ? a->mac : index == 0 ? pod_mac : NULL;
	cJSON *rc;

	if (!cJSON_GetArraySize(from_runtime) && !mac && !a->ips)
		return 0;
	if (!(rc = child_object(conf, "runtimeConfig", plugin, e)))
		return -1;
	cJSON_ArrayForEach(it, from_runtime)
		if (!put(rc, it->string, cJSON_Duplicate(it, 1)))
			return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	if (mac && !put(rc, "mac", cJSON_CreateString(mac)))
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	if (a->ips && !put(rc, "ips", cJSON_Duplicate(a->ips, 1)))
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	return 0;
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*oom = true;
	return d;
}

int plan_build(const struct cni_ctx *c, const struct mc_conf *mc, const struct mc_selection *sel,
	       const cJSON *annotations, struct mc_plan *plan, struct cni_err *e)
{
	const char *vdn_id = annotation(annotations, ANN_VDN_ID);
	const char *pod_mac = annotation(annotations, ANN_MAC);
	unsigned char bytes[6];
	bool oom = false;

	memset(plan, 0, sizeof(*plan));
	if (pod_mac && !conf_parse_mac(pod_mac, bytes))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "annotation %s: \"%s\" is not a MAC "
				   "address (aa:bb:cc:dd:ee:ff)", ANN_MAC, pod_mac);
	plan->cni_version = dup_or_null(c->conf.cni_version, &oom);
	plan->network = dup_or_null(c->conf.name, &oom);
	plan->netns = dup_or_null(c->netns, &oom);
	plan->d = calloc((size_t)sel->n, sizeof(*plan->d));
	if (oom || !plan->d)
		goto oom;
	for (int i = 0; i < sel->n; i++) {
		const struct mc_attachment *a = &sel->att[i];
		const struct mc_plugin *p = &mc->plugins[a->plugin];
		struct mc_delegate *d = &plan->d[i];

		plan->n = i + 1;
		d->plugin = dup_or_null(p->name, &oom);
		d->type = dup_or_null(p->type, &oom);
		d->network = dup_or_null(a->network, &oom);
		d->cni_args = args_for(c, i);
		if (oom || !d->cni_args)
			goto oom;
		memcpy(d->ifname, a->ifname, sizeof(d->ifname));
		d->conf = delegate_conf_new(c, p, e);
		if (!d->conf || merge_args(d->conf, a, vdn_id, p->name, e) ||
		    merge_runtime_config(c, d->conf, a, i, pod_mac, p->name, e))
			goto fail;
	}
	return 0;
oom:
	cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
fail:
	plan_free(plan);
	return -1;
}

int plan_check_ifnames_free(const char *netns, const struct mc_plan *plan, struct cni_err *e)
{
	struct nl_sock *pod = NULL;
	struct rtnl_link *link = NULL;
	int fd = -1, ret = -1;

	if (netns_open(netns, &fd, e) || !(pod = nl_sock_new(fd, e)))
		goto out;
	for (int i = 0; i < plan->n; i++) {
		int found = link_get(pod, plan->d[i].ifname, &link, e);

		if (found < 0)
			goto out;
		if (found == 0) {
			cni_err_set(e, CNI_ERR_INVALID_ENV, "interface %s (for %s) already exists in "
				    "the pod", plan->d[i].ifname, plan->d[i].network);
			goto out;
		}
	}
	ret = 0;
out:
	if (link)
		rtnl_link_put(link);
	nl_sock_free(pod);
	netns_close(fd);
	return ret;
}

/* Runs one verb of one delegate; prev (may be NULL) goes into a copy of its config under
 * prev_key. */
static int run(const char *cni_path, const struct mc_delegate *d, const char *command,
	       const char *container_id, const char *netns, const char *prev_key,
	       const cJSON *prev, char **answer, struct cni_err *e)
{
	struct exec_env env = { .command = command, .container_id = container_id,
				.netns = netns ? netns : "", .ifname = d->ifname,
				.args = d->cni_args, .path = cni_path };
	cJSON *in = NULL;
	char *text = NULL;
	int ret = -1;

	*answer = NULL;
	if (prev) {
		in = cJSON_Duplicate(d->conf, 1);
		if (!in || !put(in, prev_key, cJSON_Duplicate(prev, 1)))
			goto oom;
	}
	text = cJSON_PrintUnformatted(in ? in : d->conf);
	if (!text)
		goto oom;
	log_debug("%s of delegate %s (%s) on %s", command, d->plugin, d->type, d->ifname);
	ret = exec_plugin(d->type, &env, text, strlen(text), answer, e);
	if (ret)
		cni_err_prefix(e, "%s %s on %s", command, d->network, d->ifname);
	goto out;
oom:
	cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
out:
	cJSON_free(text);
	cJSON_Delete(in);
	return ret;
}

int delegates_add(const struct cni_ctx *c, struct mc_plan *plan, struct cni_result **merged,
		  int *failed, struct cni_err *e)
{
	struct cni_result *all = result_new(), *one = NULL;
	char *answer = NULL;
	int i = 0;

	*merged = NULL;
	if (!all) {
		*failed = 0;
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	}
	for (i = 0; i < plan->n; i++) {
		struct mc_delegate *d = &plan->d[i];

		if (run(c->path, d, "ADD", c->container_id, c->netns, NULL, NULL, &answer, e))
			goto fail;
		d->result = cJSON_Parse(answer);
		free(answer);
		answer = NULL;
		if (!d->result || result_parse(d->result, plan->cni_version, &one, e)) {
			if (!d->result)
				cni_err_set(e, CNI_ERR_DECODE, "the answer is not JSON");
			cni_err_prefix(e, "ADD %s on %s: %s answered a bad result", d->network,
				       d->ifname, d->type);
			goto fail;
		}
		if (result_merge(all, one)) {
			cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
			goto fail;
		}
		result_free(one);
		one = NULL;
		log_info("%s (%s) attached %s", d->plugin, d->type, d->ifname);
	}
	*merged = all;
	return 0;
fail:
	*failed = i;
	result_free(one);
	result_free(all);
	return -1;
}

int delegates_del(const char *cni_path, struct mc_plan *plan, int last, const char *container_id,
		  const char *netns, struct cni_err *e)
{
	/* DEL carries prevResult from 0.4.0 on (spec); older versions have no place for it. */
	bool with_prev = version_cmp(plan->cni_version, "0.4.0") >= 0;
	bool *failed = calloc((size_t)(plan->n ? plan->n : 1), sizeof(*failed));
	int failures = 0, kept = 0;
	struct cni_err err;
	char *answer;

	if (!failed) {
		cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		return plan->n;
	}
	for (int i = last; i >= 0; i--) {
		struct mc_delegate *d = &plan->d[i];

		if (run(cni_path, d, "DEL", container_id, netns, "prevResult",
			with_prev ? d->result : NULL, &answer, &err)) {
			log_error("%s", err.msg);
			if (!failures++)
				*e = err;
			failed[i] = true;
			continue;
		}
		free(answer);
		log_info("%s (%s) detached %s", d->plugin, d->type, d->ifname);
	}
	/* What is left is what a retry still has to delete, in the order of the ADD. */
	for (int i = 0; i < plan->n; i++) {
		if (i <= last && failed[i])
			plan->d[kept++] = plan->d[i];
		else
			delegate_clear(&plan->d[i]);
	}
	plan->n = kept;
	free(failed);
	return failures;
}

int delegates_check(const struct cni_ctx *c, const struct mc_plan *plan, struct cni_err *e)
{
	char *answer = NULL;

	for (int i = 0; i < plan->n; i++) {
		const struct mc_delegate *d = &plan->d[i];

		if (!d->result)
			return cni_err_set(e, CNI_ERR_CHECK, "%s on %s: its ADD never completed",
					   d->plugin, d->ifname);
		if (run(c->path, d, "CHECK", c->container_id, c->netns, "prevResult", d->result,
			&answer, e))
			return -1;
		free(answer);
	}
	return 0;
}

int delegate_exec_simple(const char *cni_path, const char *type, const char *command,
			 const cJSON *conf, struct cni_err *e)
{
	struct exec_env env = { .command = command, .path = cni_path };
	char *text = cJSON_PrintUnformatted(conf), *answer = NULL;
	int ret;

	if (!text)
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	ret = exec_plugin(type, &env, text, strlen(text), &answer, e);
	free(answer);
	cJSON_free(text);
	return ret;
}

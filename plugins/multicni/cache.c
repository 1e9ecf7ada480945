/* The cache holds each delegate's whole config, not a reference to "plugins": an edited or
 * deleted network must not change what DEL does to a pod attached before (Multus #164). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cache.h"
#include "state.h"

static cJSON *plan_to_json(const struct mc_plan *plan)
{
	cJSON *o = cJSON_CreateObject(), *list, *pod, *d;
	bool ok;

	if (!o)
		return NULL;
	ok = cJSON_AddStringToObject(o, "kind", CACHE_KIND) &&
	     cJSON_AddStringToObject(o, "cniVersion", plan->cni_version) &&
	     cJSON_AddStringToObject(o, "network", plan->network) &&
	     (!plan->netns || cJSON_AddStringToObject(o, "netns", plan->netns)) &&
	     cJSON_AddBoolToObject(o, "complete", plan->complete);
	if (ok && plan->pod_name) {
		pod = cJSON_AddObjectToObject(o, "pod");
		ok = pod && cJSON_AddStringToObject(pod, "namespace", plan->pod_namespace) &&
		     cJSON_AddStringToObject(pod, "name", plan->pod_name);
	}
	list = ok ? cJSON_AddArrayToObject(o, "delegates") : NULL;
	ok = list != NULL;
	for (int i = 0; ok && i < plan->n; i++) {
		const struct mc_delegate *x = &plan->d[i];

		d = cJSON_CreateObject();
		ok = d && cJSON_AddItemToArray(list, d);
		if (!ok) {
			cJSON_Delete(d);
			break;
		}
		/* references: state_write_atomic writes a copy, the plan keeps its own */
		ok = cJSON_AddStringToObject(d, "plugin", x->plugin) &&
		     cJSON_AddStringToObject(d, "type", x->type) &&
		     cJSON_AddStringToObject(d, "network", x->network) &&
		     cJSON_AddStringToObject(d, "ifname", x->ifname) &&
		     cJSON_AddStringToObject(d, "cniArgs", x->cni_args) &&
		     cJSON_AddItemReferenceToObject(d, "config", x->conf) &&
		     (!x->result || cJSON_AddItemReferenceToObject(d, "result", x->result));
	}
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

int cache_write(const char *dir, const char *id, const char *ifname, const struct mc_plan *plan,
		struct cni_err *e)
{
	cJSON *json;
	int ret;

	if (state_dir_ensure(dir, e))
		return -1;
	json = plan_to_json(plan);
	if (!json)
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	ret = state_write_atomic(dir, id, ifname, json, e);
	cJSON_Delete(json);
	return ret;
}

static int damaged(const char *path, const char *what, struct cni_err *e)
{
	return cni_err_set(e, CNI_ERR_STATE, "multicni cache %s is damaged: %s", path, what);
}

static int take_string(const cJSON *o, const char *key, bool required, char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return required ? -1 : 0;
	if (!cJSON_IsString(v))
		return -1;
	*out = strdup(v->valuestring);
	return *out ? 0 : -1;
}

static int take_delegate(const cJSON *o, struct mc_delegate *d)
{
	char *ifname = NULL;
	const cJSON *conf = cJSON_GetObjectItemCaseSensitive(o, "config");
	const cJSON *result = cJSON_GetObjectItemCaseSensitive(o, "result");

	if (!cJSON_IsObject(o) || take_string(o, "plugin", true, &d->plugin) ||
	    take_string(o, "type", true, &d->type) || take_string(o, "network", true, &d->network) ||
	    take_string(o, "cniArgs", true, &d->cni_args) ||
	    take_string(o, "ifname", true, &ifname) || strlen(ifname) >= sizeof(d->ifname) ||
	    !cJSON_IsObject(conf) || (result && !cJSON_IsObject(result))) {
		free(ifname);
		return -1;
	}
	memcpy(d->ifname, ifname, strlen(ifname) + 1);
	free(ifname);
	d->conf = cJSON_Duplicate(conf, 1);
	d->result = result ? cJSON_Duplicate(result, 1) : NULL;
	return d->conf && (!result || d->result) ? 0 : -1;
}

int cache_parse(const cJSON *record, const char *path, struct mc_plan *plan, struct cni_err *e)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(record, "kind");
	const cJSON *pod = cJSON_GetObjectItemCaseSensitive(record, "pod");
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(record, "delegates"), *it;
	int n;

	memset(plan, 0, sizeof(*plan));
	if (!cJSON_IsString(kind) || strcmp(kind->valuestring, CACHE_KIND))
		return 1;
	if (take_string(record, "cniVersion", true, &plan->cni_version) ||
	    take_string(record, "network", true, &plan->network) ||
	    take_string(record, "netns", false, &plan->netns) ||
	    take_string(pod, "namespace", false, &plan->pod_namespace) ||
	    take_string(pod, "name", false, &plan->pod_name))
		goto bad;
	plan->complete = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(record, "complete"));
	if (!cJSON_IsArray(list))
		goto bad;
	n = cJSON_GetArraySize(list);
	plan->d = calloc((size_t)(n ? n : 1), sizeof(*plan->d));
	if (!plan->d)
		goto bad;
	cJSON_ArrayForEach(it, list) {
		/* counted before filling, so plan_free releases a half-read delegate too */
		plan->n++;
		if (take_delegate(it, &plan->d[plan->n - 1]))
			goto bad;
	}
	return 0;
bad:
	plan_free(plan);
	return damaged(path, "unexpected content (or out of memory)", e);
}

int cache_read(const char *dir, const char *id, const char *ifname, struct mc_plan *plan,
	       struct cni_err *e)
{
	char path[4096];
	cJSON *record = NULL;
	int ret;

	memset(plan, 0, sizeof(*plan));
	if (state_path(dir, id, ifname, path, sizeof(path), e))
		return -1;
	ret = state_read(dir, id, ifname, &record, e);
	if (ret)
		return ret;
	ret = cache_parse(record, path, plan, e);
	if (ret == 1)
		ret = damaged(path, "not a multicni cache", e);
	cJSON_Delete(record);
	return ret;
}

int cache_remove(const char *dir, const char *id, const char *ifname, struct cni_err *e)
{
	return state_remove(dir, id, ifname, e);
}

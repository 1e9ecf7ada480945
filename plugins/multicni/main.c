/* multicni: runs the plugins a pod's annotations name, as one attachment (DESIGN.md §6).
 * ADD asks the API server; DEL, CHECK and GC only read the cache, so a pod or an API server
 * that is gone never keeps a pod's networks from being torn down. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cache.h"
#include "cni.h"
#include "config.h"
#include "delegate.h"
#include "kubeconfig.h"
#include "log.h"
#include "pod.h"
#include "select.h"
#include "state.h"
#include "status.h"

/* multicni hands CNI_ARGS on, so it accepts the keys its delegates read. */
static const char *const args_known[] = { "MAC", "IP", "VDN_ID", NULL };

/* Rolls back delegates failed..0 after a failed ADD. What could not be deleted stays in the
 * cache, so the DEL that the runtime sends after a failed ADD can finish the job. */
static void add_rollback(const struct cni_ctx *c, struct mc_plan *plan, int failed)
{
	struct cni_err undo;
	int n = plan->n;

	/* The failed one too: a plugin may leave half an attachment behind (the reference
	 * macvlan keeps its link when IPAM fails), and its interface name was checked to be
	 * free, so its DEL cannot touch anything that is not ours. */
	if (delegates_del(c->path, plan, failed, c->container_id, c->netns, &undo))
		log_error("rollback: %d of %d delegates could not be deleted: %s", plan->n, n,
			  undo.msg);
	if (plan->n == 0) {
		if (cache_remove(c->state_dir, c->container_id, c->ifname, &undo))
			log_error("rollback: %s", undo.msg);
	} else if (cache_write(c->state_dir, c->container_id, c->ifname, plan, &undo)) {
		log_error("rollback: %s", undo.msg);
	}
}

static int mc_add(struct cni_ctx *c, struct cni_result **out, struct cni_err *e)
{
	const char *pod_name = cni_args_get(&c->args, "K8S_POD_NAME");
	const char *pod_ns = cni_args_get(&c->args, "K8S_POD_NAMESPACE");
	struct mc_conf mc = { 0 };
	struct mc_api api = { 0 };
	struct mc_selection sel = { 0 };
	struct mc_plan plan = { 0 }, old = { 0 };
	struct cni_result *merged = NULL;
	cJSON *pod = NULL;
	const cJSON *annotations = NULL;
	int failed = 0, ret = -1, found;

	/* podman passes the name only; Kubernetes puts a pod without one in "default" */
	if (!pod_ns || !*pod_ns)
		pod_ns = "default";
	if (pod_name && !*pod_name)
		pod_name = NULL;
	if (mc_conf_load(c, &mc, e))
		goto out;
	found = cache_read(c->state_dir, c->container_id, c->ifname, &old, e);
	if (found < 0)
		goto out;
	if (found == 0) {
		cni_err_set(e, CNI_ERR_INVALID_ENV, "container %s already has a multicni attachment "
			    "on %s; DEL it before another ADD", c->container_id, c->ifname);
		goto out;
	}
	if (pod_fetch(&mc, &api, pod_ns, pod_name, &pod, e))
		goto out;
	annotations = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(pod, "metadata"), "annotations");
	if (select_networks(&mc, annotations, pod_ns, c->ifname, &sel, e) ||
	    plan_build(c, &mc, &sel, annotations, &plan, e))
		goto out;
	for (int i = 0; i < plan.n; i++)
		log_info("%s/%s: %s → %s (%s) on %s", pod_ns, pod_name ? pod_name : "-", sel.source,
			 plan.d[i].network, plan.d[i].type, plan.d[i].ifname);
	if (pod) {
		plan.pod_namespace = strdup(pod_ns);
		plan.pod_name = strdup(pod_name);
		if (!plan.pod_namespace || !plan.pod_name) {
			cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
			goto out;
		}
	}
	if (plan_check_ifnames_free(c->netns, &plan, e))
		goto out;
	/* Recorded before anything runs: a multicni killed mid-ADD (runtime timeout) still
	 * leaves the DEL that follows a list of what to remove. */
	if (cache_write(c->state_dir, c->container_id, c->ifname, &plan, e))
		goto out;
	if (delegates_add(c, &plan, &merged, &failed, e)) {
		add_rollback(c, &plan, failed);
		goto out;
	}
	plan.complete = true;
	if (cache_write(c->state_dir, c->container_id, c->ifname, &plan, e)) {
		/* Without a record of the results DEL would still work from the first write,
		 * but CHECK would not: undo rather than answer an attachment we cannot check. */
		add_rollback(c, &plan, plan.n - 1);
		goto out;
	}
	if (pod && mc.network_status)
		status_publish(&api, &plan);
	*out = merged;
	merged = NULL;
	ret = 0;
out:
	result_free(merged);
	plan_free(&plan);
	plan_free(&old);
	select_free(&sel);
	cJSON_Delete(pod);
	api_close(&api);
	mc_conf_free(&mc);
	return ret;
}

static int mc_del(struct cni_ctx *c, struct cni_err *e)
{
	struct mc_plan plan = { 0 };
	int found, total, failures, ret = -1;

	found = cache_read(c->state_dir, c->container_id, c->ifname, &plan, e);
	if (found < 0)
		return -1;
	/* The cache exists from before the first delegate ran until the last DEL succeeded, so
	 * without one no delegate holds anything for this attachment. Rebuilding the list from
	 * the API, as Multus does, would need the API server (#12, #21) and could DEL what the
	 * pod's annotations or the config say now rather than what was attached (#14). */
	if (found == 1) {
		log_info("DEL: no cache for %s/%s in %s: multicni attached nothing there (had the "
			 "folder been lost, GC would reclaim what the delegates still hold)",
			 c->container_id, c->ifname, c->state_dir);
		/* No record, but perhaps the temp file of an ADD killed before its first rename. */
		return cache_remove(c->state_dir, c->container_id, c->ifname, e);
	}
	total = plan.n;
	failures = delegates_del(c->path, &plan, plan.n - 1, c->container_id, c->netns, e);
	if (failures == 0) {
		if (cache_remove(c->state_dir, c->container_id, c->ifname, e))
			goto out;
		ret = 0;
		goto out;
	}
	/* Keep what failed (Multus #355 dropped it and leaked addresses): the runtime repeats a
	 * failed DEL, and the repeat finishes the job. */
	{
		struct cni_err werr;

		if (cache_write(c->state_dir, c->container_id, c->ifname, &plan, &werr))
			log_error("DEL: %s", werr.msg);
	}
	cni_err_prefix(e, "%d of %d delegates not deleted (kept for the next DEL)", failures,
		       total);
out:
	plan_free(&plan);
	return ret;
}

static int mc_check(struct cni_ctx *c, struct cni_err *e)
{
	struct mc_plan plan = { 0 };
	int found, ret = -1;

	found = cache_read(c->state_dir, c->container_id, c->ifname, &plan, e);
	if (found < 0)
		return -1;
	if (found == 1)
		return cni_err_set(e, CNI_ERR_CHECK, "no multicni attachment of container %s on %s",
				   c->container_id, c->ifname);
	if (!plan.complete)
		cni_err_set(e, CNI_ERR_CHECK, "the ADD of container %s on %s did not complete",
			    c->container_id, c->ifname);
	else
		ret = delegates_check(c, &plan, e);
	plan_free(&plan);
	return ret;
}

/* STATUS: multicni can serve an ADD when its kubeconfig loads and every delegate can. */
static int mc_status(struct cni_ctx *c, struct cni_err *e)
{
	struct mc_conf mc;
	struct kubeconfig *kc = NULL;
	cJSON *conf;
	int ret = -1;

	if (mc_conf_load(c, &mc, e))
		return -1;
	if (mc.kubeconfig && *mc.kubeconfig) {
		if (kubeconfig_load(mc.kubeconfig, &kc, e)) {
			e->code = CNI_ERR_NOT_AVAILABLE;
			goto out;
		}
		kubeconfig_free(kc);
	}
	for (int i = 0; i < mc.n_plugins; i++) {
		conf = delegate_conf_new(c, &mc.plugins[i], e);
		if (!conf)
			goto out;
		ret = delegate_exec_simple(c->path, mc.plugins[i].type, "STATUS", conf, e);
		cJSON_Delete(conf);
		if (ret) {
			/* STATUS speaks in 50/51 only; a delegate that cannot even be run is
			 * one that cannot serve an ADD. */
			if (e->code != CNI_ERR_NOT_AVAILABLE && e->code != CNI_ERR_LIMITED)
				e->code = CNI_ERR_NOT_AVAILABLE;
			cni_err_prefix(e, "plugin %s", mc.plugins[i].name);
			goto out;
		}
	}
	ret = 0;
out:
	mc_conf_free(&mc);
	return ret;
}

struct gc_walk {
	struct cni_ctx *c;
	cJSON *valid;           /* the delegates' own attachments that must stay */
	cJSON *seen;            /* the runtime's valid attachments that have a cache */
	int failures;
	struct cni_err first;
};

static void gc_fail(struct gc_walk *w, const struct cni_err *e)
{
	log_error("GC: %s", e->msg);
	if (!w->failures++)
		w->first = *e;
}

static bool add_attachment(cJSON *list, const char *id, const char *ifname)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddItemToArray(list, o)) {
		cJSON_Delete(o);
		return false;
	}
	return cJSON_AddStringToObject(o, "containerID", id) &&
	       cJSON_AddStringToObject(o, "ifname", ifname);
}

static int gc_one(const char *id, const char *ifname, cJSON *record, void *arg)
{
	struct gc_walk *w = arg;
	struct mc_plan plan;
	struct cni_err e;
	const char *netns;
	char what[300];
	int r;

	snprintf(what, sizeof(what), "of %s/%s", id, ifname);
	r = cache_parse(record, what, &plan, &e);
	if (r == 1)
		return 0;
	if (r < 0) {
		gc_fail(w, &e);
		return 0;
	}
	/* The state dir may be shared by several multicni networks; the runtime's list names
	 * the attachments of this one only. */
	if (strcmp(plan.network, w->c->conf.name))
		goto out;
	if (cni_gc_attachment_valid(w->c, id, ifname)) {
		if (!add_attachment(w->seen, id, ifname))
			goto oom;
		for (int i = 0; i < plan.n; i++)
			if (!add_attachment(w->valid, id, plan.d[i].ifname))
				goto oom;
		goto out;
	}
	/* The spec lets GC assume a stale attachment's netns is gone; a /proc/<pid> path may
	 * by now name another process's namespace, a bind-mounted one is still the pod's. */
	netns = plan.netns && strncmp(plan.netns, "/proc/", 6) ? plan.netns : "";
	log_info("GC: deleting stale attachment %s/%s", id, ifname);
	if (delegates_del(w->c->path, &plan, plan.n - 1, id, netns, &e)) {
		gc_fail(w, &e);
		if (cache_write(w->c->state_dir, id, ifname, &plan, &e))
			gc_fail(w, &e);
	} else if (cache_remove(w->c->state_dir, id, ifname, &e)) {
		gc_fail(w, &e);
	}
	goto out;
oom:
	cni_err_set(&e, CNI_ERR_INTERNAL, "out of memory");
	gc_fail(w, &e);
out:
	plan_free(&plan);
	return 0;
}

static bool add_copy(cJSON *obj, const char *key, const cJSON *value)
{
	cJSON *copy = cJSON_Duplicate(value, 1);

	if (!copy || !cJSON_AddItemToObject(obj, key, copy)) {
		cJSON_Delete(copy);
		return false;
	}
	return true;
}

/* True when every attachment the runtime calls valid has a cache: only then are all the
 * delegate interfaces that must survive known. */
static bool gc_all_valid_known(struct gc_walk *w)
{
	static const char *const keys[] = { "cni.dev/valid-attachments", "cni.dev/attachments" };
	const cJSON *list, *it, *s;

	for (size_t k = 0; k < 2; k++) {
		list = cJSON_GetObjectItemCaseSensitive(w->c->conf.root, keys[k]);
		cJSON_ArrayForEach(it, list) {
			const char *id = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(it, "containerID"));
			const char *ifn = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(it, "ifname"));
			bool known = false;

			if (!id || !ifn)
				continue;
			cJSON_ArrayForEach(s, w->seen)
				if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(s, "containerID")),
					    id) &&
				    !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(s, "ifname")), ifn))
					known = true;
			if (!known) {
				log_warn("GC: valid attachment %s/%s has no multicni cache; its "
					 "delegates' interfaces are unknown, so GC is not forwarded to "
					 "the delegates (it would reclaim them)", id, ifn);
				return false;
			}
		}
	}
	return true;
}

/* GC: stale attachments in the cache are deleted, then every configured plugin gets GC with
 * the delegate interfaces of the valid ones (the spec: GC is forwarded to delegates). */
static int mc_gc(struct cni_ctx *c, struct cni_err *e)
{
	struct gc_walk w = { .c = c };
	struct mc_conf mc;
	struct cni_err err;
	int ret = -1;

	if (mc_conf_load(c, &mc, e))
		return -1;
	w.valid = cJSON_CreateArray();
	w.seen = cJSON_CreateArray();
	if (!w.valid || !w.seen) {
		cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (state_foreach(c->state_dir, gc_one, &w, e))
		goto out;
	if (gc_all_valid_known(&w)) {
		for (int i = 0; i < mc.n_plugins; i++) {
			cJSON *conf = delegate_conf_new(c, &mc.plugins[i], &err);

			/* both keys, as libcni sends them (the spec renamed the first) */
			if (!conf || !add_copy(conf, "cni.dev/valid-attachments", w.valid) ||
			    !add_copy(conf, "cni.dev/attachments", w.valid)) {
				if (conf)
					cni_err_set(&err, CNI_ERR_INTERNAL, "out of memory");
				gc_fail(&w, &err);
			} else if (delegate_exec_simple(c->path, mc.plugins[i].type, "GC", conf,
							&err)) {
				cni_err_prefix(&err, "plugin %s", mc.plugins[i].name);
				gc_fail(&w, &err);
			}
			cJSON_Delete(conf);
		}
	}
	if (w.failures) {
		*e = w.first;
		goto out;
	}
	ret = 0;
out:
	cJSON_Delete(w.valid);
	cJSON_Delete(w.seen);
	mc_conf_free(&mc);
	return ret;
}

static const struct cni_plugin multicni = {
	.name = "multicni",
	.args_known = args_known,
	.add = mc_add,
	.del = mc_del,
	.check = mc_check,
	.status = mc_status,
	.gc = mc_gc,
};

int main(int argc, char **argv)
{
	return cni_main(&multicni, argc, argv);
}

/* One budget for all API calls: a hanging API server delays an ADD by apiTimeoutMs at most,
 * not by that much per call (Multus waits up to its client's minute, anchors §4.6). */
#include <string.h>
#include <time.h>
#include "kube.h"
#include "log.h"
#include "pod.h"

/* A call is not worth starting with less than this left; it could not even connect. */
#define API_MIN_MS 20L

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int api_open(const struct mc_conf *mc, struct mc_api *api, struct cni_err *e)
{
	memset(api, 0, sizeof(*api));
	api->budget_ms = mc->api_timeout_ms;
	if ((!mc->kubeconfig || !*mc->kubeconfig) && !kubeconfig_in_cluster_env())
		return 1;
	if (kubeconfig_open(mc->kubeconfig, &api->kc, e))
		return -1;
	if (api->kc->warnings & KUBECONFIG_WARN_FILE_MODE)
		log_warn("kubeconfig %s is readable by group or others", api->kc->source);
	if (http_global_init(e)) {
		api_close(api);
		return -1;
	}
	api->http_ready = true;
	return 0;
}

void api_close(struct mc_api *api)
{
	if (!api)
		return;
	kubeconfig_free(api->kc);
	if (api->http_ready)
		http_global_cleanup();
	memset(api, 0, sizeof(*api));
}

static int out_of_time(const char *what, const char *ns, const char *name, struct cni_err *e)
{
	return cni_err_set(e, CNI_ERR_TRY_AGAIN, "kubernetes: %s pod %s/%s: apiTimeoutMs is "
			   "used up", what, ns, name);
}

int api_pod_get(struct mc_api *api, const char *ns, const char *name, cJSON **pod,
		struct cni_err *e)
{
	long start = now_ms();
	int ret;

	*pod = NULL;
	if (api->budget_ms < API_MIN_MS)
		return out_of_time("GET", ns, name, e);
	ret = kube_pod_get(api->kc, ns, name, api->budget_ms, pod, e);
	api->budget_ms -= now_ms() - start;
	return ret;
}

int api_pod_patch_annotations(struct mc_api *api, const char *ns, const char *name,
			      const cJSON *annotations, struct cni_err *e)
{
	long start = now_ms();
	int ret;

	if (api->budget_ms < API_MIN_MS)
		return out_of_time("PATCH", ns, name, e);
	ret = kube_pod_patch_annotations(api->kc, ns, name, annotations, api->budget_ms, e);
	api->budget_ms -= now_ms() - start;
	return ret;
}

int pod_fetch(const struct mc_conf *mc, struct mc_api *api, const char *ns, const char *name,
	      cJSON **pod, struct cni_err *e)
{
	int found;

	*pod = NULL;
	if (!name) {
		log_info("no K8S_POD_NAME in CNI_ARGS: the default network");
		return 0;
	}
	found = api_open(mc, api, e);
	if (found < 0)
		return -1;
	if (found == 1) {
		log_info("no kubeconfig and not in a cluster: %s/%s gets the default network", ns,
			 name);
		return 0;
	}
	found = api_pod_get(api, ns, name, pod, e);
	if (found < 0)
		return -1;
	/* podman names a container, not a pod; a pod deleted during its own creation is torn
	 * down anyway (Multus #1408 answers such an ADD with an empty result). */
	if (found == KUBE_NOT_FOUND)
		log_warn("%s: the default network", e->msg);
	return 0;
}

/* The pod behind an ADD, read through the kubeconfig, with every API call of one invocation
 * sharing one time budget (apiTimeoutMs). */
#ifndef MC_POD_H
#define MC_POD_H
#include <cjson/cJSON.h>
#include "config.h"
#include "kubeconfig.h"

struct mc_api {
	struct kubeconfig *kc;
	long budget_ms;         /* what is left of apiTimeoutMs */
	bool http_ready;
};

/* 0 with api ready; 1 when there is no API to ask (no kubeconfig and not in a cluster);
 * -1 when the kubeconfig cannot be used. */
int api_open(const struct mc_conf *mc, struct mc_api *api, struct cni_err *e);
void api_close(struct mc_api *api);

/* The pod named in CNI_ARGS, opening api when there is one to ask. *pod is NULL (the
 * default network then) without a pod name, without an API, or when the API does not know
 * the pod; -1 when the API cannot be asked or refuses. */
int pod_fetch(const struct mc_conf *mc, struct mc_api *api, const char *ns, const char *name,
	      cJSON **pod, struct cni_err *e);

/* As kube_pod_get / kube_pod_patch_annotations, charged to the budget. */
int api_pod_get(struct mc_api *api, const char *ns, const char *name, cJSON **pod,
		struct cni_err *e);
int api_pod_patch_annotations(struct mc_api *api, const char *ns, const char *name,
			      const cJSON *annotations, struct cni_err *e);

#endif

/* A small Kubernetes REST client (pods and nodes, core/v1) over http.c, with retries bounded by
 * one time budget and errors that name the object and carry the API server's own message. */
#ifndef VDN_KUBE_H
#define VDN_KUBE_H
#include <cjson/cJSON.h>
#include "err.h"
#include "http.h"
#include "kubeconfig.h"

/* Returned (with e set, CNI_ERR_REMOTE) when the object or its namespace does not exist, by
 * the calls that name one object: kube_pod_get, kube_pod_patch_annotations, kube_pod_delete. */
#define KUBE_NOT_FOUND 1

#define KUBE_BUDGET_DEFAULT_MS 5000L
/* Lists are bounded higher than single objects: every pod carries its managedFields. */
#define KUBE_LIST_MAX_RESPONSE ((size_t)64 << 20)

/* Conventions for every call below:
 * - ns NULL or "" means the kubeconfig context's namespace, else "default" (lists: all);
 * - budget_ms bounds the whole call including retries (<= 0: KUBE_BUDGET_DEFAULT_MS);
 *   connection errors, timeouts, 429 and 5xx are retried with a short doubling backoff
 *   while time remains (a POST only when it cannot have been carried out);
 * - returns 0 on success, -1 on failure with e set: CNI_ERR_REMOTE for an HTTP error status,
 *   CNI_ERR_TRY_AGAIN when the server could not be reached or answered in time. */
int kube_pod_get(const struct kubeconfig *kc, const char *ns, const char *name, long budget_ms,
		 cJSON **pod, struct cni_err *e);
/* Merge patch of metadata.annotations; a JSON null value removes that annotation. Sent to
 * pods/<name>/status (what a node's own credentials may patch, for the pods bound to it), and
 * on a 403 there to the pod itself (an account allowed to patch pods only). */
int kube_pod_patch_annotations(const struct kubeconfig *kc, const char *ns, const char *name,
			       const cJSON *annotations, long budget_ms, struct cni_err *e);
/* created may be NULL when the caller does not want the server's copy. */
int kube_pod_create(const struct kubeconfig *kc, const char *ns, const cJSON *pod, long budget_ms,
		    cJSON **created, struct cni_err *e);
/* grace_seconds < 0: the pod's own terminationGracePeriodSeconds. */
int kube_pod_delete(const struct kubeconfig *kc, const char *ns, const char *name,
		    int grace_seconds, long budget_ms, struct cni_err *e);
/* ns NULL: every namespace. label_selector NULL: every pod. *list is the PodList. */
int kube_pods_list(const struct kubeconfig *kc, const char *ns, const char *label_selector,
		   long budget_ms, cJSON **list, struct cni_err *e);
int kube_nodes_list(const struct kubeconfig *kc, long budget_ms, cJSON **list, struct cni_err *e);

/* One prepared request, for callers that run several at once with http_do_many:
 *   kube_pods_list_call(kc, NULL, NULL, ms, &call, &e);  reqs[i] = call.req;
 *   http_do_many(reqs, resps, n, ms, errs);
 *   kube_call_result(&call, &resps[i], &errs[i], &list, &e);  kube_call_clear(&call);
 * No retries happen on this path: the batch has one deadline. The call must stay in place
 * (not be copied) while its req is in use, as req points into it. */
struct kube_call {
	struct http_req req;
	const struct kubeconfig *kc;
	char *url;
	char *body;
	const char *headers[2];
	struct kubeconfig_creds creds;
	bool idempotent;
	char what[320];         /* "GET pod default/web-1", the start of every message */
};

int kube_pods_list_call(const struct kubeconfig *kc, const char *ns, const char *label_selector,
			long timeout_ms, struct kube_call *call, struct cni_err *e);
int kube_nodes_list_call(const struct kubeconfig *kc, long timeout_ms, struct kube_call *call,
			 struct cni_err *e);
/* Turns an exchange into parsed JSON or the error message. transport_err is what http_do or
 * http_do_many reported for it (may be NULL). out may be NULL to discard the body.
 * Returns 0, KUBE_NOT_FOUND or -1, as the calls above. */
int kube_call_result(const struct kube_call *call, const struct http_resp *resp,
		     const struct cni_err *transport_err, cJSON **out, struct cni_err *e);
void kube_call_clear(struct kube_call *call);

#endif

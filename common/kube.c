/* Kubernetes core/v1 pods and nodes over http.c: URL building with escaped names, retries under
 * one budget (multus retries the same failures, anchors §4.6), and Status bodies turned into
 * messages that name the object. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include "kube.h"

#define BACKOFF_FIRST_MS 50L
#define BACKOFF_MAX_MS   500L
/* not worth starting an attempt with less time than this left */
#define ATTEMPT_MIN_MS   20L

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static const char *ns_or_default(const struct kubeconfig *kc, const char *ns)
{
	if (ns && *ns)
		return ns;
	return kc->namespace ? kc->namespace : "default";
}

/* Escaping keeps '/' and '?' out of the path, but "." and ".." would still be folded away
 * by URL normalisation and address a different object; Kubernetes forbids them anyway. */
static int check_name(const char *kind, const char *name, struct cni_err *e)
{
	if (!name || !*name || !strcmp(name, ".") || !strcmp(name, "..") || strlen(name) > 253)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "kubernetes: invalid %s name \"%s\"",
				   kind, name ? name : "");
	return 0;
}

void kube_call_clear(struct kube_call *call)
{
	if (!call)
		return;
	free(call->url);
	free(call->body);
	kubeconfig_creds_clear(&call->creds);
	memset(call, 0, sizeof(*call));
}

/* path segments must already be escaped; query is "k=v" (escaped) or NULL. */
static int call_init(struct kube_call *c, const struct kubeconfig *kc, const char *method,
		     const char *path, const char *query, struct cni_err *e)
{
	size_t server_len = strlen(kc->server);

	/* a server URL may carry a path prefix (API proxies); only its trailing '/' goes */
	while (server_len && kc->server[server_len - 1] == '/')
		server_len--;
	if (asprintf(&c->url, "%.*s%s%s%s", (int)server_len, kc->server, path, query ? "?" : "",
		     query ? query : "") < 0) {
		c->url = NULL;
		return cni_err_set(e, CNI_ERR_INTERNAL, "kubernetes: %s: out of memory", c->what);
	}
	c->kc = kc;
	c->headers[0] = "Accept: application/json";
	c->headers[1] = NULL;
	c->req.method = method;
	c->req.url = c->url;
	c->req.headers = c->headers;
	c->req.user_agent = "vdn-cni";
	/* a repeated POST could create twice; everything else here may be repeated */
	c->idempotent = strcmp(method, "POST") != 0;
	return kubeconfig_apply(kc, &c->req, &c->creds, e);
}

static void set_details(const struct kube_call *c, struct cni_err *e)
{
	char server[256];

	http_url_safe(c->kc->server, server, sizeof(server));
	if (c->kc->context)
		cni_err_details(e, "server %s, kubeconfig %s, context %s", server, c->kc->source,
				c->kc->context);
	else
		cni_err_details(e, "server %s, %s", server, c->kc->source);
}

static int status_error(const struct kube_call *c, const struct http_resp *resp,
			struct cni_err *e)
{
	cJSON *status = cJSON_ParseWithLength(resp->body ? resp->body : "", resp->body_len);
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(status, "message");
	const char *reason = http_reason(resp->status);

	if (resp->status == 401)
		/* the server's message is just "Unauthorized"; say where to look instead */
		cni_err_set(e, CNI_ERR_REMOTE,
			    "kubernetes: %s: 401 Unauthorized (check the kubeconfig's credentials)",
			    c->what);
	else if (cJSON_IsString(msg) && *msg->valuestring)
		cni_err_set(e, CNI_ERR_REMOTE, "kubernetes: %s: %ld %s: %s", c->what, resp->status,
			    reason, msg->valuestring);
	else
		cni_err_set(e, CNI_ERR_REMOTE, "kubernetes: %s: %ld %s", c->what, resp->status,
			    reason);
	set_details(c, e);
	cJSON_Delete(status);
	return resp->status == 404 ? KUBE_NOT_FOUND : -1;
}

int kube_call_result(const struct kube_call *call, const struct http_resp *resp,
		     const struct cni_err *transport_err, cJSON **out, struct cni_err *e)
{
	cJSON *json = NULL;

	if (out)
		*out = NULL;
	if (resp->outcome >= HTTP_FAIL_CONNECT) {
		cni_err_set(e, transport_err && transport_err->code ? transport_err->code
								    : CNI_ERR_TRY_AGAIN,
			    "kubernetes: %s: %s: %s", call->what, http_outcome_text(resp->outcome),
			    resp->transport_msg);
		set_details(call, e);
		return -1;
	}
	if (resp->status >= 400)
		return status_error(call, resp, e);
	if (resp->status < 200 || resp->status >= 300) {
		/* redirects are not followed: they would carry the credentials elsewhere */
		cni_err_set(e, CNI_ERR_REMOTE, "kubernetes: %s: unexpected %ld %s", call->what,
			    resp->status, http_reason(resp->status));
		set_details(call, e);
		return -1;
	}
	if (!out)
		return 0;
	json = cJSON_ParseWithLength(resp->body ? resp->body : "", resp->body_len);
	if (!cJSON_IsObject(json)) {
		cJSON_Delete(json);
		cni_err_set(e, CNI_ERR_REMOTE, "kubernetes: %s: the answer is not a JSON object",
			    call->what);
		set_details(call, e);
		return -1;
	}
	*out = json;
	return 0;
}

static bool should_retry(const struct kube_call *c, const struct http_resp *resp)
{
	if (!http_retryable(resp))
		return false;
	if (c->idempotent || !resp->request_sent)
		return true;
	/* the API server turned it away before acting on it */
	return resp->status == 429 || resp->status == 503;
}

static int call_run(struct kube_call *c, long budget_ms, cJSON **out, struct cni_err *e)
{
	struct http_resp resp = { 0 };
	struct cni_err transport_err = { 0 };
	long start = now_ms(), deadline, backoff = BACKOFF_FIRST_MS;
	int attempts = 0, ret = -1;

	if (budget_ms <= 0)
		budget_ms = KUBE_BUDGET_DEFAULT_MS;
	deadline = start + budget_ms;
	for (;;) {
		long remaining = deadline - now_ms();

		/* the first attempt uses the credentials read by call_init */
		if (attempts > 0) {
			kubeconfig_creds_clear(&c->creds);
			if (kubeconfig_apply(c->kc, &c->req, &c->creds, e) < 0)
				goto out;
		}
		c->req.timeout_ms = remaining > 0 ? remaining : 1;
		http_resp_free(&resp);
		http_do(&c->req, &resp, &transport_err);
		attempts++;
		if (!should_retry(c, &resp))
			break;
		remaining = deadline - now_ms();
		if (remaining - backoff < ATTEMPT_MIN_MS)
			break;
		sleep_ms(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
	ret = kube_call_result(c, &resp, &transport_err, out, e);
	if (ret != 0 && attempts > 1) {
		size_t used = strlen(e->msg);

		snprintf(e->msg + used, sizeof(e->msg) - used, " (%d attempts in %ld ms)", attempts,
			 now_ms() - start);
	}
out:
	http_resp_free(&resp);
	return ret;
}

/* Builds "/api/v1/namespaces/<ns>/pods[/<name>[/<sub>]]" with ns and name escaped. */
static int pod_path(const char *ns, const char *name, const char *sub, char **out,
		    struct cni_err *e)
{
	char *ens = curl_easy_escape(NULL, ns, 0);
	char *ename = name ? curl_easy_escape(NULL, name, 0) : NULL;
	int ret = -1;

	*out = NULL;
	if (!ens || (name && !ename))
		goto out;
	if ((name ? asprintf(out, "/api/v1/namespaces/%s/pods/%s%s%s", ens, ename,
			     sub ? "/" : "", sub ? sub : "")
		  : asprintf(out, "/api/v1/namespaces/%s/pods", ens)) < 0) {
		*out = NULL;
		goto out;
	}
	ret = 0;
out:
	curl_free(ename);
	curl_free(ens);
	if (ret < 0)
		cni_err_set(e, CNI_ERR_INTERNAL, "kubernetes: out of memory");
	return ret;
}

/* The single-pod calls differ only in method, subresource, body, query and what a success
 * returns. */
static int pod_call(const struct kubeconfig *kc, const char *method, const char *ns,
		    const char *name, const char *sub, const char *query, char *body,
		    const char *content_type, long budget_ms, cJSON **out, struct cni_err *e)
{
	struct kube_call call = { 0 };
	char *path = NULL;
	int ret = -1;

	call.body = body;       /* owned by the call from here on */
	ns = ns_or_default(kc, ns);
	if (check_name("namespace", ns, e) < 0 || check_name("pod", name, e) < 0)
		goto out;
	snprintf(call.what, sizeof(call.what), "%s pod %s/%s", method, ns, name);
	if (pod_path(ns, name, sub, &path, e) < 0 ||
	    call_init(&call, kc, method, path, query, e) < 0)
		goto out;
	if (body) {
		call.req.body = body;
		call.req.body_len = strlen(body);
		call.req.content_type = content_type;
	}
	ret = call_run(&call, budget_ms, out, e);
out:
	free(path);
	kube_call_clear(&call);
	return ret;
}

int kube_pod_get(const struct kubeconfig *kc, const char *ns, const char *name, long budget_ms,
		 cJSON **pod, struct cni_err *e)
{
	return pod_call(kc, "GET", ns, name, NULL, NULL, NULL, NULL, budget_ms, pod, e);
}

int kube_pod_patch_annotations(const struct kubeconfig *kc, const char *ns, const char *name,
			       const cJSON *annotations, long budget_ms, struct cni_err *e)
{
	cJSON *patch = NULL, *metadata, *copy = NULL;
	char *body = NULL, *again = NULL;
	long start = now_ms();
	int ret;

	if (!cJSON_IsObject(annotations))
		return cni_err_set(e, CNI_ERR_INTERNAL,
				   "kubernetes: PATCH pod %s: annotations must be a JSON object",
				   name ? name : "");
	patch = cJSON_CreateObject();
	metadata = cJSON_AddObjectToObject(patch, "metadata");
	copy = cJSON_Duplicate(annotations, 1);
	if (metadata && copy && cJSON_AddItemToObject(metadata, "annotations", copy)) {
		copy = NULL;
		body = cJSON_PrintUnformatted(patch);
	}
	cJSON_Delete(copy);
	cJSON_Delete(patch);
	if (!body || !(again = strdup(body))) {
		free(body);
		return cni_err_set(e, CNI_ERR_INTERNAL, "kubernetes: out of memory");
	}
	if (budget_ms <= 0)
		budget_ms = KUBE_BUDGET_DEFAULT_MS;
	/* A merge patch touches only the keys it names, so annotations written by others stay.
	 * Through the status subresource first, as Multus does: a node's own credentials (the
	 * kubelet's kubeconfig; Node authorizer) may patch pods/status of the pods bound to it,
	 * never the pod itself, and the status endpoint keeps metadata changes. An account
	 * allowed only to patch pods gets 403 there and is served by the pod itself. pod_call
	 * owns body from here on. */
	ret = pod_call(kc, "PATCH", ns, name, "status", NULL, body,
		       "application/merge-patch+json", budget_ms, NULL, e);
	if (ret == -1 && strstr(e->msg, ": 403 Forbidden")) {
		long left = budget_ms - (now_ms() - start);

		if (left >= ATTEMPT_MIN_MS) {
			ret = pod_call(kc, "PATCH", ns, name, NULL, NULL, again,
				       "application/merge-patch+json", left, NULL, e);
			again = NULL;
		}
	}
	free(again);
	return ret;
}

int kube_pod_delete(const struct kubeconfig *kc, const char *ns, const char *name,
		    int grace_seconds, long budget_ms, struct cni_err *e)
{
	char query[48];

	snprintf(query, sizeof(query), "gracePeriodSeconds=%d", grace_seconds);
	return pod_call(kc, "DELETE", ns, name, NULL, grace_seconds >= 0 ? query : NULL, NULL,
			NULL, budget_ms, NULL, e);
}

int kube_pod_create(const struct kubeconfig *kc, const char *ns, const cJSON *pod, long budget_ms,
		    cJSON **created, struct cni_err *e)
{
	struct kube_call call = { 0 };
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(meta, "name");
	const cJSON *generate = cJSON_GetObjectItemCaseSensitive(meta, "generateName");
	char *path = NULL;
	int ret = -1;

	if (created)
		*created = NULL;
	ns = ns_or_default(kc, ns);
	if (cJSON_IsString(name))
		snprintf(call.what, sizeof(call.what), "POST pod %s/%s", ns, name->valuestring);
	else if (cJSON_IsString(generate))
		snprintf(call.what, sizeof(call.what), "POST pod %s/%s*", ns, generate->valuestring);
	else
		snprintf(call.what, sizeof(call.what), "POST pod in namespace %s", ns);
	if (!cJSON_IsObject(pod)) {
		cni_err_set(e, CNI_ERR_INTERNAL, "kubernetes: %s: the pod is not a JSON object",
			    call.what);
		goto out;
	}
	if (check_name("namespace", ns, e) < 0 || pod_path(ns, NULL, NULL, &path, e) < 0)
		goto out;
	call.body = cJSON_PrintUnformatted(pod);
	if (!call.body) {
		cni_err_set(e, CNI_ERR_INTERNAL, "kubernetes: %s: out of memory", call.what);
		goto out;
	}
	if (call_init(&call, kc, "POST", path, NULL, e) < 0)
		goto out;
	call.req.body = call.body;
	call.req.body_len = strlen(call.body);
	call.req.content_type = "application/json";
	ret = call_run(&call, budget_ms, created, e);
	/* a missing namespace is a failure of the create, not a missing object */
	if (ret == KUBE_NOT_FOUND)
		ret = -1;
out:
	free(path);
	kube_call_clear(&call);
	return ret;
}

int kube_pods_list_call(const struct kubeconfig *kc, const char *ns, const char *label_selector,
			long timeout_ms, struct kube_call *call, struct cni_err *e)
{
	char *path = NULL, *query = NULL, *sel = NULL;
	int ret = -1;

	memset(call, 0, sizeof(*call));
	if (ns && *ns)
		snprintf(call->what, sizeof(call->what), "GET pods in namespace %s", ns);
	else
		snprintf(call->what, sizeof(call->what), "GET pods in all namespaces");
	if (label_selector && *label_selector) {
		size_t used = strlen(call->what);

		snprintf(call->what + used, sizeof(call->what) - used, " with labels %s",
			 label_selector);
	}
	if (ns && *ns) {
		if (check_name("namespace", ns, e) < 0 || pod_path(ns, NULL, NULL, &path, e) < 0)
			goto out;
	} else if (!(path = strdup("/api/v1/pods"))) {
		goto oom;
	}
	if (label_selector && *label_selector) {
		sel = curl_easy_escape(NULL, label_selector, 0);
		if (!sel || asprintf(&query, "labelSelector=%s", sel) < 0) {
			query = NULL;
			goto oom;
		}
	}
	if (call_init(call, kc, "GET", path, query, e) < 0)
		goto out;
	call->req.timeout_ms = timeout_ms;
	call->req.max_response = KUBE_LIST_MAX_RESPONSE;
	ret = 0;
	goto out;
oom:
	cni_err_set(e, CNI_ERR_INTERNAL, "kubernetes: %s: out of memory", call->what);
out:
	curl_free(sel);
	free(query);
	free(path);
	if (ret < 0) {
		char what[sizeof(call->what)];

		/* keep the description: the caller may still want to print which call failed */
		memcpy(what, call->what, sizeof(what));
		kube_call_clear(call);
		memcpy(call->what, what, sizeof(what));
	}
	return ret;
}

int kube_nodes_list_call(const struct kubeconfig *kc, long timeout_ms, struct kube_call *call,
			 struct cni_err *e)
{
	memset(call, 0, sizeof(*call));
	snprintf(call->what, sizeof(call->what), "GET nodes");
	if (call_init(call, kc, "GET", "/api/v1/nodes", NULL, e) < 0) {
		kube_call_clear(call);
		snprintf(call->what, sizeof(call->what), "GET nodes");
		return -1;
	}
	call->req.timeout_ms = timeout_ms;
	call->req.max_response = KUBE_LIST_MAX_RESPONSE;
	return 0;
}

static int list_run(struct kube_call *call, long budget_ms, cJSON **list, struct cni_err *e)
{
	int ret = call_run(call, budget_ms, list, e);

	kube_call_clear(call);
	/* a list has no single object to be missing; a 404 means a wrong server or path */
	return ret == KUBE_NOT_FOUND ? -1 : ret;
}

int kube_pods_list(const struct kubeconfig *kc, const char *ns, const char *label_selector,
		   long budget_ms, cJSON **list, struct cni_err *e)
{
	struct kube_call call;

	*list = NULL;
	if (kube_pods_list_call(kc, ns, label_selector, budget_ms, &call, e) < 0)
		return -1;
	return list_run(&call, budget_ms, list, e);
}

int kube_nodes_list(const struct kubeconfig *kc, long budget_ms, cJSON **list, struct cni_err *e)
{
	struct kube_call call;

	*list = NULL;
	if (kube_nodes_list_call(kc, budget_ms, &call, e) < 0)
		return -1;
	return list_run(&call, budget_ms, list, e);
}

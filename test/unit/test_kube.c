/* kube.c against a local fake API server (helpers/fake_http.py): URLs, methods and content
 * types on the wire, retries inside the budget, Status messages, and TLS from a kubeconfig. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>
#include <sys/stat.h>
#include "helpers/fake_server.h"
#include "kube.h"

#define TOKEN "tok-SECRET-kube"

struct fixture {
	struct fake_server srv;
	char dir[64];
	struct kubeconfig *kc;
};

/* A TLS handshake with a freshly loaded OpenSSL is slow under valgrind on a busy machine; these
 * tests are about certificates, not time. */
#define TLS_BUDGET_MS 30000

static int group_setup(void **state)
{
	struct cni_err e = { 0 };

	(void)state;
	unsetenv("http_proxy");
	unsetenv("https_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("HTTPS_PROXY");
	unsetenv("ALL_PROXY");
	unsetenv("all_proxy");
	return http_global_init(&e);
}

static int group_teardown(void **state)
{
	(void)state;
	http_global_cleanup();
	return 0;
}

/* Writes <dir>/<name> from a format and loads it as a kubeconfig. */
static struct kubeconfig *kc_write(struct fixture *f, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static struct kubeconfig *kc_write(struct fixture *f, const char *name, const char *fmt, ...)
{
	char path[128];
	struct kubeconfig *kc = NULL;
	struct cni_err e = { 0 };
	va_list ap;
	FILE *out;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	out = fopen(path, "w");
	assert_non_null(out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fclose(out);
	chmod(path, 0600);
	if (kubeconfig_load(path, &kc, &e) < 0)
		fail_msg("kubeconfig: %s", e.msg);
	return kc;
}

static const char token_kc[] =
	"apiVersion: v1\n"
	"kind: Config\n"
	"current-context: test\n"
	"contexts: [{name: test, context: {cluster: fake, user: sched%s}}]\n"
	"clusters: [{name: fake, cluster: {server: '%s'}}]\n"
	"users: [{name: sched, user: {token: " TOKEN "}}]\n";

static int setup_dir(struct fixture *f)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/vdn-kube-XXXXXX");
	return mkdtemp(f->dir) ? 0 : -1;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	*state = f;
	if (setup_dir(f) < 0 || fake_server_start(&f->srv, NULL) < 0)
		return -1;
	f->kc = kc_write(f, "kc.yaml", token_kc, "", f->srv.url);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	int ret = 0;

	fake_server_stop(&f->srv);
	kubeconfig_free(f->kc);
	if (f->dir[0] && strncmp(f->dir, "/tmp/vdn-kube-", 14) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
		ret = system(cmd) == 0 ? 0 : -1;
	}
	free(f);
	return ret;
}

static const char *str_at(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The fake server's record of the request before this one. */
static cJSON *last_request(struct fixture *f)
{
	char u[128];
	struct http_req req = { .url = u };
	struct http_resp resp;
	struct cni_err e = { 0 };
	cJSON *last;

	snprintf(u, sizeof(u), "%s/last", f->srv.url);
	assert_int_equal(http_do(&req, &resp, &e), 0);
	last = cJSON_Parse(resp.body);
	http_resp_free(&resp);
	assert_non_null(last);
	return last;
}

static int hits(struct fixture *f, const char *key)
{
	char u[160];
	struct http_req req = { .url = u };
	struct http_resp resp;
	struct cni_err e = { 0 };
	cJSON *count;
	int n;

	snprintf(u, sizeof(u), "%s/count/%s", f->srv.url, key);
	assert_int_equal(http_do(&req, &resp, &e), 0);
	count = cJSON_Parse(resp.body);
	http_resp_free(&resp);
	n = cJSON_GetObjectItemCaseSensitive(count, "count")->valueint;
	cJSON_Delete(count);
	return n;
}

static void test_pod_get_returns_pod_and_sends_bearer(void **state)
{
	struct fixture *f = *state;
	cJSON *pod = NULL;
	struct cni_err e = { 0 };

	assert_int_equal(kube_pod_get(f->kc, "default", "web-1", 2000, &pod, &e), 0);
	assert_string_equal(str_at(pod, "metadata", "name"), "web-1");
	assert_string_equal(str_at(pod, "echo", "method"), "GET");
	assert_string_equal(str_at(pod, "echo", "path"), "/api/v1/namespaces/default/pods/web-1");
	assert_string_equal(str_at(pod, "echo", "authorization"), "Bearer " TOKEN);
	assert_string_equal(str_at(pod, "echo", "accept"), "application/json");
	assert_string_equal(str_at(pod, "echo", "userAgent"), "vdn-cni");
	cJSON_Delete(pod);
}

static void test_namespace_defaults_to_the_context(void **state)
{
	struct fixture *f = *state;
	struct kubeconfig *kc = kc_write(f, "ns.yaml", token_kc, ", namespace: vdno", f->srv.url);
	cJSON *pod = NULL;
	struct cni_err e = { 0 };

	assert_int_equal(kube_pod_get(kc, NULL, "web-1", 2000, &pod, &e), 0);
	assert_string_equal(str_at(pod, "echo", "path"), "/api/v1/namespaces/vdno/pods/web-1");
	cJSON_Delete(pod);
	assert_int_equal(kube_pod_get(f->kc, "", "web-1", 2000, &pod, &e), 0);
	assert_string_equal(str_at(pod, "echo", "path"), "/api/v1/namespaces/default/pods/web-1");
	cJSON_Delete(pod);
	kubeconfig_free(kc);
}

static void test_server_path_prefix_is_kept(void **state)
{
	struct fixture *f = *state;
	char server[128];
	struct kubeconfig *kc;
	cJSON *pod = NULL;
	struct cni_err e = { 0 };

	/* API proxies (Rancher and the like) serve a cluster below a path */
	snprintf(server, sizeof(server), "%s/k8s/clusters/c-1/", f->srv.url);
	kc = kc_write(f, "prefix.yaml", token_kc, "", server);
	assert_int_equal(kube_pods_list(kc, "vdno", NULL, 2000, &pod, &e), -1);
	kubeconfig_free(kc);
	/* the fake has no such prefix: the request went to /k8s/clusters/c-1/api/v1/... */
	assert_non_null(strstr(e.msg, "404 Not Found: no route /k8s/clusters/c-1/api/v1/"
				      "namespaces/vdno/pods"));
}

static void test_pod_get_404_names_the_pod(void **state)
{
	struct fixture *f = *state;
	cJSON *pod = (void *)1;
	struct cni_err e = { 0 };

	assert_int_equal(kube_pod_get(f->kc, "default", "missing-1", 2000, &pod, &e),
			 KUBE_NOT_FOUND);
	assert_null(pod);
	assert_int_equal(e.code, CNI_ERR_REMOTE);
	assert_string_equal(e.msg, "kubernetes: GET pod default/missing-1: 404 Not Found: "
				   "pods \"missing-1\" not found");
	assert_non_null(strstr(e.details, f->srv.url));
	assert_non_null(strstr(e.details, "context test"));
	assert_int_equal(hits(f, "pod/missing-1"), 0);
}

static void test_401_points_at_the_credentials(void **state)
{
	struct fixture *f = *state;
	cJSON *pod = NULL;
	struct cni_err e = { 0 };

	assert_int_equal(kube_pod_get(f->kc, "default", "denied-1", 2000, &pod, &e), -1);
	assert_string_equal(e.msg, "kubernetes: GET pod default/denied-1: 401 Unauthorized "
				   "(check the kubeconfig's credentials)");
	assert_int_equal(e.code, CNI_ERR_REMOTE);
	assert_null(strstr(e.msg, "SECRET"));
	assert_null(strstr(e.details, "SECRET"));
}

static void test_403_carries_the_status_message(void **state)
{
	struct fixture *f = *state;
	cJSON *pod = NULL;
	struct cni_err e = { 0 };

	assert_int_equal(kube_pod_get(f->kc, "kube-system", "forbidden-1", 2000, &pod, &e), -1);
	assert_string_equal(e.msg, "kubernetes: GET pod kube-system/forbidden-1: 403 Forbidden: "
				   "pods \"forbidden-1\" is forbidden: User \"system:anonymous\" "
				   "cannot get resource \"pods\" in API group \"\" in the namespace "
				   "\"kube-system\"");
}

static void test_retry_on_503_then_success_within_budget(void **state)
{
	struct fixture *f = *state;
	cJSON *pod = NULL;
	struct cni_err e = { 0 };
	long start = fake_now_ms();

	assert_int_equal(kube_pod_get(f->kc, "default", "flaky-1", 3000, &pod, &e), 0);
	assert_true(fake_now_ms() - start < 3000);
	assert_string_equal(str_at(pod, "metadata", "name"), "flaky-1");
	/* two 503s, then the answer */
	assert_int_equal(hits(f, "pod/flaky-1"), 3);
	cJSON_Delete(pod);
}

static void test_budget_honoured_when_the_server_hangs(void **state)
{
	struct fixture *f = *state;
	cJSON *pod = NULL;
	struct cni_err e = { 0 };
	long start = fake_now_ms(), took;

	assert_int_equal(kube_pod_get(f->kc, "default", "hang-1", 500, &pod, &e), -1);
	took = fake_now_ms() - start;
	assert_true(took >= 450);
	assert_true(took < 1500);
	assert_int_equal(e.code, CNI_ERR_TRY_AGAIN);
	assert_non_null(strstr(e.msg, "kubernetes: GET pod default/hang-1: timed out"));
}

static void test_unreachable_server_is_retried_until_the_budget_ends(void **state)
{
	struct fixture *f = *state;
	char server[64];
	struct kubeconfig *kc;
	cJSON *list = NULL;
	struct cni_err e = { 0 };
	long start, took;

	snprintf(server, sizeof(server), "http://127.0.0.1:%d", fake_server_closed_port());
	kc = kc_write(f, "dead.yaml", token_kc, "", server);
	start = fake_now_ms();
	assert_int_equal(kube_nodes_list(kc, 600, &list, &e), -1);
	took = fake_now_ms() - start;
	kubeconfig_free(kc);
	assert_null(list);
	assert_int_equal(e.code, CNI_ERR_TRY_AGAIN);
	assert_true(took >= 300);
	assert_true(took < 1600);
	assert_non_null(strstr(e.msg, "kubernetes: GET nodes: cannot connect: "));
	assert_non_null(strstr(e.msg, " attempts in "));
}

static void test_patch_sends_a_merge_patch_of_annotations(void **state)
{
	struct fixture *f = *state;
	cJSON *ann = cJSON_Parse("{\"k8s.v1.cni.cncf.io/network-status\":\"[]\",\"old\":null}");
	cJSON *last, *body;
	struct cni_err e = { 0 };

	assert_int_equal(kube_pod_patch_annotations(f->kc, "vdno", "web-1", ann, 2000, &e), 0);
	last = last_request(f);
	assert_string_equal(str_at(last, "method", NULL), "PATCH");
	/* the status subresource: a node's credentials may patch only that (Node authorizer) */
	assert_string_equal(str_at(last, "path", NULL), "/api/v1/namespaces/vdno/pods/web-1/status");
	assert_string_equal(str_at(last, "contentType", NULL), "application/merge-patch+json");
	body = cJSON_Parse(str_at(last, "body", NULL));
	assert_string_equal(str_at(cJSON_GetObjectItem(body, "metadata"), "annotations",
				   "k8s.v1.cni.cncf.io/network-status"), "[]");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(body, "metadata"), "annotations"), "old")));
	cJSON_Delete(body);
	cJSON_Delete(last);

	assert_int_equal(kube_pod_patch_annotations(f->kc, "vdno", "missing-2", ann, 2000, &e),
			 KUBE_NOT_FOUND);
	assert_non_null(strstr(e.msg, "kubernetes: PATCH pod vdno/missing-2: 404 Not Found"));
	last = last_request(f);
	assert_string_equal(str_at(last, "path", NULL), "/api/v1/namespaces/vdno/pods/missing-2/status");
	cJSON_Delete(last);
	cJSON_Delete(ann);
}

static void test_patch_refused_on_status_is_tried_on_the_pod(void **state)
{
	struct fixture *f = *state;
	cJSON *ann = cJSON_Parse("{\"a\":\"b\"}");
	cJSON *last;
	struct cni_err e = { 0 };

	/* an account allowed to patch pods but not pods/status: 403, then the pod itself */
	assert_int_equal(kube_pod_patch_annotations(f->kc, "vdno", "forbidden-3", ann, 2000, &e), -1);
	assert_non_null(strstr(e.msg, "kubernetes: PATCH pod vdno/forbidden-3: 403 Forbidden: "));
	last = last_request(f);
	assert_string_equal(str_at(last, "method", NULL), "PATCH");
	assert_string_equal(str_at(last, "path", NULL), "/api/v1/namespaces/vdno/pods/forbidden-3");
	assert_string_equal(str_at(last, "body", NULL), "{\"metadata\":{\"annotations\":{\"a\":\"b\"}}}");
	cJSON_Delete(last);
	/* other refusals are not tried twice */
	assert_int_equal(kube_pod_patch_annotations(f->kc, "vdno", "denied-3", ann, 2000, &e), -1);
	last = last_request(f);
	assert_string_equal(str_at(last, "path", NULL), "/api/v1/namespaces/vdno/pods/denied-3/status");
	cJSON_Delete(last);
	cJSON_Delete(ann);
}

static void test_create_posts_the_pod(void **state)
{
	struct fixture *f = *state;
	cJSON *pod = cJSON_Parse("{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
				 "\"metadata\":{\"name\":\"edge-1\"},\"spec\":{}}");
	cJSON *created = NULL;
	struct cni_err e = { 0 };

	assert_int_equal(kube_pod_create(f->kc, "vdno", pod, 2000, &created, &e), 0);
	assert_string_equal(str_at(created, "metadata", "uid"), "0b5e3c1a-uid");
	assert_string_equal(str_at(created, "echo", "method"), "POST");
	assert_string_equal(str_at(created, "echo", "path"), "/api/v1/namespaces/vdno/pods");
	assert_string_equal(str_at(created, "echo", "contentType"), "application/json");
	cJSON_Delete(created);
	/* the server's copy is optional */
	assert_int_equal(kube_pod_create(f->kc, "vdno", pod, 2000, NULL, &e), 0);
	cJSON_Delete(pod);
}

static void test_create_errors_name_the_pod(void **state)
{
	struct fixture *f = *state;
	cJSON *pod = cJSON_Parse("{\"metadata\":{\"name\":\"exists-1\"}}");
	cJSON *created = (void *)1;
	struct cni_err e = { 0 };

	assert_int_equal(kube_pod_create(f->kc, "vdno", pod, 2000, &created, &e), -1);
	assert_null(created);
	assert_string_equal(e.msg, "kubernetes: POST pod vdno/exists-1: 409 Conflict: "
				   "pods \"exists-1\" already exists");
	cJSON_Delete(pod);

	/* a missing namespace fails the create; it is not "the object is missing" */
	pod = cJSON_Parse("{\"metadata\":{\"name\":\"edge-2\"}}");
	assert_int_equal(kube_pod_create(f->kc, "missing-ns", pod, 2000, NULL, &e), -1);
	assert_string_equal(e.msg, "kubernetes: POST pod missing-ns/edge-2: 404 Not Found: "
				   "namespaces \"missing-ns\" not found");
	cJSON_Delete(pod);
}

static void test_create_is_repeated_only_when_it_cannot_have_happened(void **state)
{
	struct fixture *f = *state;
	cJSON *flaky = cJSON_Parse("{\"metadata\":{\"name\":\"flaky-2\"}}");
	cJSON *broken = cJSON_Parse("{\"metadata\":{\"name\":\"broken-1\"}}");
	struct cni_err e = { 0 };

	/* 503: the API server turned the request away, so repeating it is safe */
	assert_int_equal(kube_pod_create(f->kc, "vdno", flaky, 3000, NULL, &e), 0);
	assert_int_equal(hits(f, "post/flaky-2"), 3);
	/* 500: the pod may exist now; a second POST would only answer 409 */
	assert_int_equal(kube_pod_create(f->kc, "vdno", broken, 3000, NULL, &e), -1);
	assert_int_equal(hits(f, "post/broken-1"), 1);
	assert_string_equal(e.msg, "kubernetes: POST pod vdno/broken-1: 500 Internal Server "
				   "Error: etcd hiccup");
	cJSON_Delete(flaky);
	cJSON_Delete(broken);
}

static void test_delete_with_grace_and_not_found(void **state)
{
	struct fixture *f = *state;
	cJSON *last;
	struct cni_err e = { 0 };

	assert_int_equal(kube_pod_delete(f->kc, "vdno", "web-1", 0, 2000, &e), 0);
	last = last_request(f);
	assert_string_equal(str_at(last, "method", NULL), "DELETE");
	assert_string_equal(str_at(last, "rawQuery", NULL), "gracePeriodSeconds=0");
	cJSON_Delete(last);

	assert_int_equal(kube_pod_delete(f->kc, "vdno", "web-1", -1, 2000, &e), 0);
	last = last_request(f);
	assert_string_equal(str_at(last, "rawQuery", NULL), "");
	cJSON_Delete(last);

	assert_int_equal(kube_pod_delete(f->kc, "vdno", "missing-3", 30, 2000, &e),
			 KUBE_NOT_FOUND);
	assert_string_equal(e.msg, "kubernetes: DELETE pod vdno/missing-3: 404 Not Found: "
				   "pods \"missing-3\" not found");
}

static void test_names_are_escaped_and_dot_names_refused(void **state)
{
	struct fixture *f = *state;
	cJSON *pod = NULL;
	struct cni_err e = { 0 };

	assert_int_equal(kube_pod_get(f->kc, "a b", "x/y?z", 2000, &pod, &e), 0);
	assert_string_equal(str_at(pod, "echo", "path"),
			    "/api/v1/namespaces/a%20b/pods/x%2Fy%3Fz");
	cJSON_Delete(pod);

	assert_int_equal(kube_pod_get(f->kc, "default", "..", 2000, &pod, &e), -1);
	assert_int_equal(e.code, CNI_ERR_INVALID_CONFIG);
	assert_int_equal(kube_pod_delete(f->kc, "..", "web-1", -1, 2000, &e), -1);
	assert_int_equal(kube_pod_get(f->kc, "default", "", 2000, &pod, &e), -1);
	assert_int_equal(kube_pod_get(f->kc, "default", NULL, 2000, &pod, &e), -1);
}

static void test_lists_with_and_without_namespace_and_selector(void **state)
{
	struct fixture *f = *state;
	cJSON *list = NULL;
	struct cni_err e = { 0 };

	assert_int_equal(kube_pods_list(f->kc, NULL, "vdno.kreonet.net/entry", 2000, &list, &e),
			 0);
	assert_string_equal(str_at(list, "kind", NULL), "PodList");
	assert_string_equal(str_at(list, "echo", "path"), "/api/v1/pods");
	assert_string_equal(str_at(list, "echo", "rawQuery"),
			    "labelSelector=vdno.kreonet.net%2Fentry");
	cJSON_Delete(list);

	assert_int_equal(kube_pods_list(f->kc, "vdno", "app in (a,b)", 2000, &list, &e), 0);
	assert_string_equal(str_at(list, "echo", "path"), "/api/v1/namespaces/vdno/pods");
	assert_string_equal(str_at(list, "echo", "rawQuery"), "labelSelector=app%20in%20%28a%2Cb%29");
	cJSON_Delete(list);

	assert_int_equal(kube_nodes_list(f->kc, 2000, &list, &e), 0);
	assert_string_equal(str_at(list, "kind", NULL), "NodeList");
	assert_string_equal(str_at(list, "echo", "path"), "/api/v1/nodes");
	assert_string_equal(str_at(list, "echo", "rawQuery"), "");
	cJSON_Delete(list);
}

static void test_list_calls_run_together_in_http_do_many(void **state)
{
	struct fixture *f = *state;
	char server[64];
	struct kubeconfig *dead;
	struct kube_call calls[3];
	struct http_req reqs[3];
	struct http_resp resps[3];
	struct cni_err errs[3], e = { 0 };
	cJSON *out = NULL;

	snprintf(server, sizeof(server), "http://127.0.0.1:%d", fake_server_closed_port());
	dead = kc_write(f, "dead.yaml", token_kc, "", server);
	assert_int_equal(kube_nodes_list_call(f->kc, 2000, &calls[0], &e), 0);
	assert_int_equal(kube_pods_list_call(f->kc, NULL, NULL, 2000, &calls[1], &e), 0);
	assert_int_equal(kube_pods_list_call(dead, "vdno", NULL, 2000, &calls[2], &e), 0);
	for (int i = 0; i < 3; i++)
		reqs[i] = calls[i].req;
	assert_int_equal(http_do_many(reqs, resps, 3, 2000, errs), 1);

	assert_int_equal(kube_call_result(&calls[0], &resps[0], &errs[0], &out, &e), 0);
	assert_string_equal(str_at(out, "kind", NULL), "NodeList");
	assert_string_equal(str_at(out, "echo", "authorization"), "Bearer " TOKEN);
	cJSON_Delete(out);
	assert_int_equal(kube_call_result(&calls[1], &resps[1], &errs[1], &out, &e), 0);
	assert_string_equal(str_at(out, "kind", NULL), "PodList");
	cJSON_Delete(out);
	assert_int_equal(kube_call_result(&calls[2], &resps[2], &errs[2], &out, &e), -1);
	assert_null(out);
	assert_int_equal(e.code, CNI_ERR_TRY_AGAIN);
	assert_non_null(strstr(e.msg, "kubernetes: GET pods in namespace vdno: cannot connect: "));
	for (int i = 0; i < 3; i++) {
		http_resp_free(&resps[i]);
		kube_call_clear(&calls[i]);
	}
	kubeconfig_free(dead);
}

static void test_oversized_and_non_json_answers(void **state)
{
	struct fixture *f = *state;
	cJSON *pod = NULL;
	struct cni_err e = { 0 };

	assert_int_equal(kube_pod_get(f->kc, "default", "big-1", 2000, &pod, &e), -1);
	assert_int_equal(e.code, CNI_ERR_REMOTE);
	assert_non_null(strstr(e.msg, "kubernetes: GET pod default/big-1: answer too large"));
	assert_int_equal(kube_pod_get(f->kc, "default", "notjson-1", 2000, &pod, &e), -1);
	assert_string_equal(e.msg, "kubernetes: GET pod default/notjson-1: the answer is not a "
				   "JSON object");
}

static void test_token_file_is_read_for_every_request(void **state)
{
	struct fixture *f = *state;
	char path[128];
	struct kubeconfig *kc;
	cJSON *pod = NULL;
	struct cni_err e = { 0 };
	FILE *out;

	snprintf(path, sizeof(path), "%s/token", f->dir);
	out = fopen(path, "w");
	fputs("first\n", out);
	fclose(out);
	kc = kc_write(f, "tf.yaml",
		      "current-context: t\n"
		      "contexts: [{name: t, context: {cluster: c, user: u}}]\n"
		      "clusters: [{name: c, cluster: {server: '%s'}}]\n"
		      "users: [{name: u, user: {tokenFile: token}}]\n", f->srv.url);
	assert_int_equal(kube_pod_get(kc, NULL, "web-1", 2000, &pod, &e), 0);
	assert_string_equal(str_at(pod, "echo", "authorization"), "Bearer first");
	cJSON_Delete(pod);
	out = fopen(path, "w");
	fputs("second\n", out);
	fclose(out);
	assert_int_equal(kube_pod_get(kc, NULL, "web-1", 2000, &pod, &e), 0);
	assert_string_equal(str_at(pod, "echo", "authorization"), "Bearer second");
	cJSON_Delete(pod);
	kubeconfig_free(kc);
}

static void test_basic_auth_from_the_kubeconfig(void **state)
{
	struct fixture *f = *state;
	struct kubeconfig *kc;
	cJSON *pod = NULL;
	struct cni_err e = { 0 };

	kc = kc_write(f, "basic.yaml",
		      "current-context: t\n"
		      "contexts: [{name: t, context: {cluster: c, user: u}}]\n"
		      "clusters: [{name: c, cluster: {server: '%s'}}]\n"
		      "users: [{name: u, user: {username: onos, password: rocks}}]\n", f->srv.url);
	assert_int_equal(kube_pod_get(kc, NULL, "web-1", 2000, &pod, &e), 0);
	assert_string_equal(str_at(pod, "echo", "authorization"), "Basic b25vczpyb2Nrcw==");
	cJSON_Delete(pod);
	kubeconfig_free(kc);
}

static char *slurp(const char *dir, const char *name)
{
	char path[128], *text;
	FILE *in;
	long len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	in = fopen(path, "r");
	assert_non_null(in);
	fseek(in, 0, SEEK_END);
	len = ftell(in);
	rewind(in);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, in), (size_t)len);
	fclose(in);
	return text;
}

static int setup_tls(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char cmd[640], script[256], crt[96], key[96], ca[96];
	const char *tls[3] = { crt, key, ca };

	if (!f)
		return -1;
	*state = f;
	if (setup_dir(f) < 0)
		return -1;
	if (access("/usr/bin/openssl", X_OK) != 0)
		return 0;
	fake_server_script(script, sizeof(script));
	*strrchr(script, '/') = '\0';
	snprintf(cmd, sizeof(cmd), "sh %s/make_certs.sh %s", script, f->dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(crt, sizeof(crt), "%s/server.crt", f->dir);
	snprintf(key, sizeof(key), "%s/server.key", f->dir);
	snprintf(ca, sizeof(ca), "%s/ca.crt", f->dir);
	return fake_server_start(&f->srv, tls);
}

static void test_tls_with_inline_client_cert_and_server_name(void **state)
{
	struct fixture *f = *state;
	char *ca, *cert, *key, host[64];
	struct kubeconfig *kc;
	cJSON *pod = NULL;
	struct cni_err e = { 0 };

	if (!f->srv.pid)
		skip();
	ca = slurp(f->dir, "ca.crt.b64");
	cert = slurp(f->dir, "client.crt.b64");
	key = slurp(f->dir, "client.key.b64");
	kc = kc_write(f, "tls.yaml",
		      "current-context: t\n"
		      "contexts: [{name: t, context: {cluster: c, user: u}}]\n"
		      "clusters: [{name: c, cluster: {server: '%s', certificate-authority-data: %s,"
		      " tls-server-name: kubernetes.default.svc}}]\n"
		      "users: [{name: u, user: {client-certificate-data: %s,"
		      " client-key-data: %s}}]\n", f->srv.url, ca, cert, key);
	free(ca);
	free(cert);
	free(key);
	assert_int_equal(kube_pod_get(kc, "default", "web-1", TLS_BUDGET_MS, &pod, &e), 0);
	/* the server saw the in-memory client certificate */
	assert_string_equal(str_at(pod, "echo", "clientCert"), "vdno-scheduler");
	assert_null(str_at(pod, "echo", "authorization"));
	snprintf(host, sizeof(host), "kubernetes.default.svc:%d", f->srv.port);
	assert_string_equal(str_at(pod, "echo", "host"), host);
	cJSON_Delete(pod);
	kubeconfig_free(kc);
}

#define FILES_KC "current-context: t\n" \
	"contexts: [{name: t, context: {cluster: c, user: u}}]\n" \
	"clusters: [{name: c, cluster: {server: '%s', certificate-authority: ca.crt%s}}]\n" \
	"users: [{name: u, user: {client-certificate: client.crt, client-key: client.key}}]\n"

static void test_tls_with_relative_files_needs_the_right_name(void **state)
{
	struct fixture *f = *state;
	struct kubeconfig *kc;
	cJSON *pod = NULL;
	struct cni_err e = { 0 };

	if (!f->srv.pid)
		skip();
	/* the certificate names kubernetes.default.svc, not 127.0.0.1 */
	kc = kc_write(f, "files.yaml", FILES_KC, f->srv.url, "");
	assert_int_equal(kube_pod_get(kc, "default", "web-1", TLS_BUDGET_MS, &pod, &e), -1);
	assert_int_equal(e.code, CNI_ERR_REMOTE);
	assert_non_null(strstr(e.msg, "kubernetes: GET pod default/web-1: TLS failure: "));
	kubeconfig_free(kc);

	kc = kc_write(f, "files.yaml", FILES_KC, f->srv.url,
		      ", tls-server-name: kubernetes.default.svc");
	assert_int_equal(kube_pod_get(kc, "default", "web-1", TLS_BUDGET_MS, &pod, &e), 0);
	assert_string_equal(str_at(pod, "echo", "clientCert"), "vdno-scheduler");
	cJSON_Delete(pod);
	kubeconfig_free(kc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_pod_get_returns_pod_and_sends_bearer),
		T(test_namespace_defaults_to_the_context),
		T(test_server_path_prefix_is_kept),
		T(test_pod_get_404_names_the_pod),
		T(test_401_points_at_the_credentials),
		T(test_403_carries_the_status_message),
		T(test_retry_on_503_then_success_within_budget),
		T(test_budget_honoured_when_the_server_hangs),
		T(test_unreachable_server_is_retried_until_the_budget_ends),
		T(test_patch_sends_a_merge_patch_of_annotations),
		T(test_patch_refused_on_status_is_tried_on_the_pod),
		T(test_create_posts_the_pod),
		T(test_create_errors_name_the_pod),
		T(test_create_is_repeated_only_when_it_cannot_have_happened),
		T(test_delete_with_grace_and_not_found),
		T(test_names_are_escaped_and_dot_names_refused),
		T(test_lists_with_and_without_namespace_and_selector),
		T(test_list_calls_run_together_in_http_do_many),
		T(test_oversized_and_non_json_answers),
		T(test_token_file_is_read_for_every_request),
		T(test_basic_auth_from_the_kubeconfig),
#undef T
		cmocka_unit_test_setup_teardown(test_tls_with_inline_client_cert_and_server_name,
						setup_tls, teardown),
		cmocka_unit_test_setup_teardown(test_tls_with_relative_files_needs_the_right_name,
						setup_tls, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/* kubecall: common/kube.c from the command line, so that the pytest tiers can run the very
 * client the plugins use against the fake (test/fakes/kube_api.py) and a real kube-apiserver
 * (scripts/kube-apiserver.sh). Not a unit test (no test_ prefix: `make unit` does not run it);
 * built by the test/unit pattern rule: make build/std/test/kubecall
 *
 *   kubecall KUBECONFIG get NS NAME
 *   kubecall KUBECONFIG patch-annotations NS NAME '{"k":"v","gone":null}'
 *   kubecall KUBECONFIG create NS POD-JSON|@FILE
 *   kubecall KUBECONFIG delete NS NAME [GRACE]
 *   kubecall KUBECONFIG pods [NS|-] [SELECTOR]
 *   kubecall KUBECONFIG nodes
 *
 * NS "" or "-" means the kubeconfig's namespace (lists: every namespace). Prints the answer's
 * JSON (or {}) and exits 0; on failure prints {"code","msg","details","notFound"} and exits 1,
 * or 3 when the object was not found. KUBECALL_BUDGET_MS bounds each call (default 5000). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kube.h"

static char *slurp(const char *arg)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0;

	if (arg[0] != '@')
		return strdup(arg);
	f = fopen(arg + 1, "r");
	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static const char *ns_arg(const char *s)
{
	return (!s || !*s || !strcmp(s, "-")) ? NULL : s;
}

static int usage(void)
{
	fprintf(stderr, "usage: kubecall KUBECONFIG get NS NAME | patch-annotations NS NAME JSON |\n"
			"       create NS JSON|@FILE | delete NS NAME [GRACE] | pods [NS|-] [SELECTOR] | nodes\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct kubeconfig *kc = NULL;
	struct cni_err e = { 0 };
	cJSON *out = NULL, *in = NULL;
	const char *cmd, *budget_env = getenv("KUBECALL_BUDGET_MS");
	long budget = budget_env ? atol(budget_env) : 5000;
	char *text;
	int ret = -1;

	if (argc < 3)
		return usage();
	cmd = argv[2];
	if (http_global_init(&e) < 0 || kubeconfig_load(argv[1], &kc, &e) < 0)
		goto done;
	if (!strcmp(cmd, "get") && argc == 5) {
		ret = kube_pod_get(kc, ns_arg(argv[3]), argv[4], budget, &out, &e);
	} else if (!strcmp(cmd, "patch-annotations") && argc == 6) {
		in = cJSON_Parse(argv[5]);
		ret = kube_pod_patch_annotations(kc, ns_arg(argv[3]), argv[4], in, budget, &e);
	} else if (!strcmp(cmd, "create") && argc == 5) {
		text = slurp(argv[4]);
		in = text ? cJSON_Parse(text) : NULL;
		free(text);
		ret = kube_pod_create(kc, ns_arg(argv[3]), in, budget, &out, &e);
	} else if (!strcmp(cmd, "delete") && (argc == 5 || argc == 6)) {
		ret = kube_pod_delete(kc, ns_arg(argv[3]), argv[4], argc == 6 ? atoi(argv[5]) : -1,
				      budget, &e);
	} else if (!strcmp(cmd, "pods") && argc <= 5) {
		ret = kube_pods_list(kc, argc > 3 ? ns_arg(argv[3]) : NULL, argc > 4 ? argv[4] : NULL,
				     budget, &out, &e);
	} else if (!strcmp(cmd, "nodes") && argc == 3) {
		ret = kube_nodes_list(kc, budget, &out, &e);
	} else {
		kubeconfig_free(kc);
		http_global_cleanup();
		return usage();
	}
done:
	if (ret == 0) {
		text = out ? cJSON_PrintUnformatted(out) : strdup("{}");
		printf("%s\n", text ? text : "{}");
		free(text);
	} else {
		cJSON *err = cJSON_CreateObject();

		cJSON_AddNumberToObject(err, "code", e.code);
		cJSON_AddStringToObject(err, "msg", e.msg);
		cJSON_AddStringToObject(err, "details", e.details);
		cJSON_AddBoolToObject(err, "notFound", ret == KUBE_NOT_FOUND);
		text = cJSON_PrintUnformatted(err);
		printf("%s\n", text ? text : "{}");
		free(text);
		cJSON_Delete(err);
	}
	cJSON_Delete(out);
	cJSON_Delete(in);
	kubeconfig_free(kc);
	http_global_cleanup();
	return ret == 0 ? 0 : ret == KUBE_NOT_FOUND ? 3 : 1;
}

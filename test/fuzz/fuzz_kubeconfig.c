/* kubeconfig YAML: kubeconfig_load_text (libyaml, base64, clientcmd's rules), then the
 * request fields it fills. The path only anchors relative names; nothing is read. */
#include "kubeconfig.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kubeconfig *kc = NULL;
	struct kubeconfig_creds creds;
	struct http_req req = { 0 };
	struct cni_err e = { 0 };

	if (kubeconfig_load_text("/nonexistent/fuzz/kubeconfig", (const char *)data, size, &kc,
				 &e) < 0) {
		FUZZ_ASSERT(!kc && e.code && e.msg[0], "failed without code or message");
		return 0;
	}
	FUZZ_ASSERT(kc->server && kc->context && kc->cluster, "loaded without server or context");
	/* a token file would be read from this host; the rest of apply is pure */
	if (!kc->token_file) {
		FUZZ_ASSERT(kubeconfig_apply(kc, &req, &creds, &e) == 0, "apply: %s", e.msg);
		kubeconfig_creds_clear(&creds);
	}
	kubeconfig_free(kc);
	return 0;
}

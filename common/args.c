/* CNI_ARGS parsing with the reference library's rules (one '=' per pair, unknown keys refused
 * unless IgnoreUnknown), so runtimes that work with the reference plugins work here too. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "args.h"

/* kubelet/CRI always sends these; refusing them would break every Kubernetes pod. */
static const char *const always_known[] = {
	"IgnoreUnknown", "K8S_POD_NAME", "K8S_POD_NAMESPACE", "K8S_POD_INFRA_CONTAINER_ID",
	"K8S_POD_UID", NULL,
};

/* Keeps error messages bounded when a runtime hands over a huge CNI_ARGS. */
#define SHOWN_MAX 128

static int add_pair(struct cni_args *a, const char *seg, size_t len, struct cni_err *e)
{
	const char *eq = memchr(seg, '=', len);
	size_t klen;

	if (!eq || eq == seg || memchr(eq + 1, '=', len - (size_t)(eq - seg) - 1))
		return cni_err_set(e, CNI_ERR_INVALID_ENV, "CNI_ARGS: invalid pair \"%.*s\"",
				   (int)(len < SHOWN_MAX ? len : SHOWN_MAX), seg);
	if (a->n >= CNI_ARGS_MAX)
		return cni_err_set(e, CNI_ERR_INVALID_ENV, "CNI_ARGS: more than %d pairs",
				   CNI_ARGS_MAX);
	klen = (size_t)(eq - seg);
	a->key[a->n] = strndup(seg, klen);
	a->value[a->n] = strndup(eq + 1, len - klen - 1);
	if (!a->key[a->n] || !a->value[a->n]) {
		free(a->key[a->n]);
		free(a->value[a->n]);
		a->key[a->n] = a->value[a->n] = NULL;
		return cni_err_set(e, CNI_ERR_INTERNAL, "CNI_ARGS: out of memory");
	}
	if (strcmp(a->key[a->n], "IgnoreUnknown") == 0)
		a->ignore_unknown = strcasecmp(a->value[a->n], "1") == 0 ||
				    strcasecmp(a->value[a->n], "true") == 0;
	a->n++;
	return 0;
}

int cni_args_parse(const char *text, struct cni_args *a, struct cni_err *e)
{
	const char *seg, *end;
	int ret = -1;

	memset(a, 0, sizeof(*a));
	if (!text)
		return 0;
	for (seg = text; *seg; seg = *end ? end + 1 : end) {
		end = strchrnul(seg, ';');
		/* A trailing ';' is common in hand-written CNI_ARGS and carries no pair. */
		if (end == seg)
			continue;
		if (add_pair(a, seg, (size_t)(end - seg), e) < 0)
			goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		cni_args_free(a);
	return ret;
}

void cni_args_free(struct cni_args *a)
{
	int i;

	if (!a)
		return;
	for (i = 0; i < a->n; i++) {
		free(a->key[i]);
		free(a->value[i]);
	}
	memset(a, 0, sizeof(*a));
}

const char *cni_args_get(const struct cni_args *a, const char *key)
{
	int i;

	if (!a || !key)
		return NULL;
	/* The reference parser assigns pairs in order, so a repeated key ends with the last value. */
	for (i = a->n - 1; i >= 0; i--)
		if (strcmp(a->key[i], key) == 0)
			return a->value[i];
	return NULL;
}

static int in_list(const char *const *list, const char *key)
{
	if (!list)
		return 0;
	for (; *list; list++)
		if (strcmp(*list, key) == 0)
			return 1;
	return 0;
}

int cni_args_check_known(const struct cni_args *a, const char *const *known, struct cni_err *e)
{
	int i;

	if (a->ignore_unknown)
		return 0;
	for (i = 0; i < a->n; i++)
		if (!in_list(always_known, a->key[i]) && !in_list(known, a->key[i]))
			return cni_err_set(e, CNI_ERR_INVALID_ENV, "CNI_ARGS: unknown key \"%.*s\"",
					   SHOWN_MAX, a->key[i]);
	return 0;
}

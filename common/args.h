/* CNI_ARGS: "K=V;K=V" pairs, as runtimes pass them (IgnoreUnknown, K8S_POD_NAME, MAC, IP, ...). */
#ifndef VDN_ARGS_H
#define VDN_ARGS_H
#include <stdbool.h>
#include "err.h"

#define CNI_ARGS_MAX 32

struct cni_args {
	int n;
	char *key[CNI_ARGS_MAX];
	char *value[CNI_ARGS_MAX];
	bool ignore_unknown;
};

/* Parses `text` (may be NULL or empty). Each pair needs exactly one '='; error 4 otherwise. */
int cni_args_parse(const char *text, struct cni_args *a, struct cni_err *e);
void cni_args_free(struct cni_args *a);
const char *cni_args_get(const struct cni_args *a, const char *key);
/* Error 4 naming the first key not in `known` (NULL-terminated), unless IgnoreUnknown is set.
 * The K8S_* keys and IgnoreUnknown itself are always known. */
int cni_args_check_known(const struct cni_args *a, const char *const *known, struct cni_err *e);

#endif

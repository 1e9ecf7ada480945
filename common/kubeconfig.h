/* Kubernetes client credentials: a kubeconfig file (its current context) or the pod's service
 * account, reduced to what one HTTP request needs. Follows client-go's clientcmd rules. */
#ifndef VDN_KUBECONFIG_H
#define VDN_KUBECONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include "err.h"
#include "http.h"

#define KUBECONFIG_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* Warnings for the caller to log; loading still succeeds. */
#define KUBECONFIG_WARN_FILE_MODE  0x1u  /* the kubeconfig is readable by group or others */
#define KUBECONFIG_WARN_TOKEN_MODE 0x2u  /* the tokenFile is readable by group or others */

/* Paths are absolute (relative ones resolved against the kubeconfig's folder); the *_pem
 * fields hold the decoded *-data values and win over the file paths. */
struct kubeconfig {
	char *source;           /* the kubeconfig path, or "in-cluster" */
	char *context;          /* current-context; NULL in-cluster */
	char *cluster;          /* names, for messages */
	char *user;
	char *namespace;        /* the context's namespace; NULL when unset */
	char *server;
	char *tls_server_name;
	bool insecure;          /* insecure-skip-tls-verify */
	char *ca_file;
	char *ca_pem;
	size_t ca_pem_len;
	char *cert_file;
	char *key_file;
	char *cert_pem;
	size_t cert_pem_len;
	char *key_pem;
	size_t key_pem_len;
	char *token;
	char *token_file;       /* read again for every request, never cached */
	char *username;
	char *password;
	bool in_cluster;
	unsigned warnings;      /* KUBECONFIG_WARN_* seen while loading */
};

/* What the credentials were at the moment of one request: the token file's content.
 * Lives as long as the http_req it was applied to. */
struct kubeconfig_creds {
	char *token;
	unsigned warnings;      /* KUBECONFIG_WARN_TOKEN_MODE */
};

/* Loads path's current context. Errors are CNI_ERR_INVALID_CONFIG and name the file and the
 * missing or bad item, never a credential. */
int kubeconfig_load(const char *path, struct kubeconfig **out, struct cni_err *e);
/* The same on a kubeconfig already in memory (len bytes, no NUL needed): path names it in
 * messages and anchors its relative file names; nothing is read from it. */
int kubeconfig_load_text(const char *path, const char *text, size_t len,
			 struct kubeconfig **out, struct cni_err *e);

/* True when KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are set. */
bool kubeconfig_in_cluster_env(void);

/* The pod's service account: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, with
 * ca.crt, token and namespace from KUBECONFIG_SA_DIR (or $VDN_SA_DIR). */
int kubeconfig_in_cluster(struct kubeconfig **out, struct cni_err *e);

/* path when non-empty, else the service account when in a cluster, else an error. */
int kubeconfig_open(const char *path, struct kubeconfig **out, struct cni_err *e);

void kubeconfig_free(struct kubeconfig *kc);

/* Fills req's auth and TLS fields from kc, reading the token file now. req then points into
 * kc and creds; release creds with kubeconfig_creds_clear after the request. */
int kubeconfig_apply(const struct kubeconfig *kc, struct http_req *req,
		     struct kubeconfig_creds *creds, struct cni_err *e);
void kubeconfig_creds_clear(struct kubeconfig_creds *creds);

#endif

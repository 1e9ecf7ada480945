/* kubeconfig (libyaml document API) and in-cluster service account loading, and turning either
 * into the auth and TLS fields of an http_req. Secrets are wiped when freed and never printed. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>
#include "kubeconfig.h"

#define KUBECONFIG_MAX_BYTES ((size_t)1 << 20)
#define TOKEN_MAX_BYTES      ((size_t)64 << 10)

/* Reads a small file whole. Returns 0 or an errno value (EFBIG past max). *loose tells whether
 * group or others may read it: credentials in such a file are exposed to other local users. */
static int read_small_file(const char *path, size_t max, char **out, size_t *len, bool *loose)
{
	struct stat st;
	char *buf = NULL;
	size_t used = 0;
	int fd, ret = 0;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (fstat(fd, &st) < 0) {
		ret = errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		ret = EFBIG;
		goto out;
	}
	if (loose)
		*loose = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
	buf = malloc(max + 1);
	if (!buf) {
		ret = ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + used, max + 1 - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = errno;
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			ret = EFBIG;
			goto out;
		}
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
out:
	if (buf) {
		explicit_bzero(buf, used);
		free(buf);
	}
	close(fd);
	return ret;
}

static void free_secret(char *s, size_t len)
{
	if (!s)
		return;
	explicit_bzero(s, len ? len : strlen(s));
	free(s);
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return s;
}

/* Standard base64 with padding (Go's StdEncoding, what kubectl writes); line breaks are
 * tolerated since hand-edited files wrap long values. Output is NUL-terminated. */
static int base64_decode(const char *in, char **out, size_t *out_len)
{
	size_t cap = strlen(in) / 4 * 3 + 4, n = 0;
	unsigned acc = 0;
	int bits = 0, pad = 0, ret = -1;
	char *buf = malloc(cap);

	if (!buf)
		goto out;
	for (const char *p = in; *p; p++) {
		int v;
		char c = *p;

		if (isspace((unsigned char)c))
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad)
			goto out;       /* data after padding */
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '+')
			v = 62;
		else if (c == '/')
			v = 63;
		else
			goto out;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	/* 6 leftover bits cannot come from whole bytes; more than two '=' is never valid */
	if (bits >= 6 || pad > 2 || n == 0)
		goto out;
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	buf = NULL;
	ret = 0;
out:
	free_secret(buf, cap);
	return ret;
}

/* libyaml keeps every node in one document; these walk it by key. */
struct doc {
	yaml_document_t *d;
	const char *path;
};

static const char *node_str(yaml_node_t *n)
{
	const char *v;

	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	v = (const char *)n->data.scalar.value;
	/* Go leaves an empty field at its zero value, which clientcmd treats as unset; YAML 1.1
	 * also spells null as "~" and "null", but only unquoted */
	if (!*v || (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    (!strcmp(v, "~") || !strcasecmp(v, "null"))))
		return NULL;
	return v;
}

static yaml_node_t *map_get(struct doc *doc, yaml_node_t *map, const char *key)
{
	yaml_node_t *found = NULL;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const char *k = node_str(yaml_document_get_node(doc->d, p->key));

		if (k && !strcmp(k, key))
			found = yaml_document_get_node(doc->d, p->value);
	}
	return found;
}

static const char *map_str(struct doc *doc, yaml_node_t *map, const char *key)
{
	return node_str(map_get(doc, map, key));
}

/* clusters/contexts/users are lists of {name: N, <inner>: {...}}; as in client-go, a later
 * entry with the same name replaces an earlier one. */
static yaml_node_t *list_find(struct doc *doc, yaml_node_t *root, const char *list,
			      const char *inner, const char *name)
{
	yaml_node_t *seq = map_get(doc, root, list), *found = NULL;

	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return NULL;
	for (yaml_node_item_t *i = seq->data.sequence.items.start; i < seq->data.sequence.items.top;
	     i++) {
		yaml_node_t *entry = yaml_document_get_node(doc->d, *i);
		const char *n = map_str(doc, entry, "name");

		if (n && !strcmp(n, name)) {
			found = map_get(doc, entry, inner);
			/* an entry without its body is still "found", only empty */
			if (!found)
				found = entry;
		}
	}
	return found;
}

/* YAML 1.1 booleans, as sigs.k8s.io/yaml reads them. */
static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "y" };
	static const char *const no[] = { "false", "no", "off", "n" };

	if (!v) {
		*out = false;
		return 0;
	}
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int dup_opt(const char *v, char **out)
{
	*out = NULL;
	if (!v)
		return 0;
	*out = strdup(v);
	return *out ? 0 : -1;
}

/* Relative paths name files beside the kubeconfig, not in the process's working folder. */
static int resolve_path(const char *dir, const char *v, char **out)
{
	*out = NULL;
	if (!v)
		return 0;
	if (v[0] == '/')
		return dup_opt(v, out);
	if (asprintf(out, "%s/%s", dir, v) < 0) {
		*out = NULL;
		return -1;
	}
	return 0;
}

static int decode_data(struct doc *doc, yaml_node_t *map, const char *key, const char *owner,
		       char **out, size_t *len, struct cni_err *e)
{
	const char *v = map_str(doc, map, key);

	*out = NULL;
	*len = 0;
	if (!v)
		return 0;
	if (base64_decode(v, out, len) < 0)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "kubeconfig %s: %s: %s is not valid base64",
				   doc->path, owner, key);
	return 0;
}

static char *folder_of(const char *path)
{
	char *copy = strdup(path), *slash, *real = NULL;

	if (!copy)
		return NULL;
	slash = strrchr(copy, '/');
	if (!slash) {
		free(copy);
		copy = strdup(".");
		if (!copy)
			return NULL;
	} else if (slash == copy) {
		slash[1] = '\0';
	} else {
		*slash = '\0';
	}
	/* absolute, so a later chdir cannot change what the token file path means */
	real = realpath(copy, NULL);
	if (real) {
		free(copy);
		return real;
	}
	return copy;
}

static int load_cluster(struct doc *doc, yaml_node_t *root, struct kubeconfig *kc,
			const char *dir, struct cni_err *e)
{
	char owner[300];
	yaml_node_t *cl = list_find(doc, root, "clusters", "cluster", kc->cluster);
	const char *server;

	if (!cl)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
				   "kubeconfig %s: cluster \"%s\" (of context \"%s\") not found",
				   doc->path, kc->cluster, kc->context);
	snprintf(owner, sizeof(owner), "cluster \"%s\"", kc->cluster);
	server = map_str(doc, cl, "server");
	if (!server)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "kubeconfig %s: %s has no server",
				   doc->path, owner);
	if (parse_bool(map_str(doc, cl, "insecure-skip-tls-verify"), &kc->insecure) < 0)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
				   "kubeconfig %s: %s: insecure-skip-tls-verify must be true or false",
				   doc->path, owner);
	if (dup_opt(server, &kc->server) < 0 ||
	    dup_opt(map_str(doc, cl, "tls-server-name"), &kc->tls_server_name) < 0)
		goto oom;
	if (decode_data(doc, cl, "certificate-authority-data", owner, &kc->ca_pem, &kc->ca_pem_len,
			e) < 0)
		return -1;
	if (!kc->ca_pem &&
	    resolve_path(dir, map_str(doc, cl, "certificate-authority"), &kc->ca_file) < 0)
		goto oom;
	/* client-go's transport refuses this pair rather than guess which one was meant */
	if (kc->insecure && (kc->ca_pem || kc->ca_file))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
				   "kubeconfig %s: %s: insecure-skip-tls-verify together with a "
				   "certificate authority is not allowed", doc->path, owner);
	return 0;
oom:
	return cni_err_set(e, CNI_ERR_INTERNAL, "kubeconfig %s: out of memory", doc->path);
}

static int load_user(struct doc *doc, yaml_node_t *root, struct kubeconfig *kc, const char *dir,
		     struct cni_err *e)
{
	char owner[300];
	yaml_node_t *u = list_find(doc, root, "users", "user", kc->user);
	bool has_cert, has_key;

	if (!u)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
				   "kubeconfig %s: user \"%s\" (of context \"%s\") not found",
				   doc->path, kc->user, kc->context);
	snprintf(owner, sizeof(owner), "user \"%s\"", kc->user);
	if (decode_data(doc, u, "client-certificate-data", owner, &kc->cert_pem, &kc->cert_pem_len,
			e) < 0 ||
	    decode_data(doc, u, "client-key-data", owner, &kc->key_pem, &kc->key_pem_len, e) < 0)
		return -1;
	if ((!kc->cert_pem &&
	     resolve_path(dir, map_str(doc, u, "client-certificate"), &kc->cert_file) < 0) ||
	    (!kc->key_pem && resolve_path(dir, map_str(doc, u, "client-key"), &kc->key_file) < 0) ||
	    resolve_path(dir, map_str(doc, u, "tokenFile"), &kc->token_file) < 0 ||
	    dup_opt(map_str(doc, u, "token"), &kc->token) < 0 ||
	    dup_opt(map_str(doc, u, "username"), &kc->username) < 0 ||
	    dup_opt(map_str(doc, u, "password"), &kc->password) < 0)
		return cni_err_set(e, CNI_ERR_INTERNAL, "kubeconfig %s: out of memory", doc->path);

	has_cert = kc->cert_pem || kc->cert_file;
	has_key = kc->key_pem || kc->key_file;
	if (has_cert != has_key)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
				   "kubeconfig %s: %s: %s without %s", doc->path, owner,
				   has_cert ? "client-certificate" : "client-key",
				   has_cert ? "client-key" : "client-certificate");
	if ((kc->token || kc->token_file) && (kc->username || kc->password))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
				   "kubeconfig %s: %s: both a token and username/password are set; "
				   "keep one", doc->path, owner);
	if (kc->password && !kc->username)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
				   "kubeconfig %s: %s: password without username", doc->path, owner);
	if (!has_cert && !kc->token && !kc->token_file && !kc->username &&
	    (map_get(doc, u, "exec") || map_get(doc, u, "auth-provider")))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
				   "kubeconfig %s: %s: exec and auth-provider credentials are not "
				   "supported; use a token, tokenFile or client certificate",
				   doc->path, owner);
	return 0;
}

static int parse_kubeconfig(const char *path, const char *text, size_t len, struct kubeconfig *kc,
			    struct cni_err *e)
{
	yaml_parser_t parser;
	yaml_document_t document;
	bool parser_ok = false, doc_ok = false;
	struct doc doc = { .d = &document, .path = path };
	yaml_node_t *root, *ctx;
	const char *current;
	char *dir = NULL;
	int ret = -1;

	if (!yaml_parser_initialize(&parser)) {
		cni_err_set(e, CNI_ERR_INTERNAL, "kubeconfig %s: out of memory", path);
		goto out;
	}
	parser_ok = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &document)) {
		/* libyaml's problem strings are fixed texts, never the file's content */
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "kubeconfig %s: line %zu: %s", path,
			    parser.problem_mark.line + 1,
			    parser.problem ? parser.problem : "not valid YAML");
		goto out;
	}
	doc_ok = true;
	root = yaml_document_get_root_node(&document);
	if (!root || root->type != YAML_MAPPING_NODE) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG,
			    "kubeconfig %s: not a kubeconfig (no top-level mapping)", path);
		goto out;
	}
	current = map_str(&doc, root, "current-context");
	if (!current) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "kubeconfig %s: current-context is not set",
			    path);
		goto out;
	}
	if (dup_opt(current, &kc->context) < 0)
		goto oom;
	ctx = list_find(&doc, root, "contexts", "context", current);
	if (!ctx) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG,
			    "kubeconfig %s: current-context \"%s\" not found", path, current);
		goto out;
	}
	if (!map_str(&doc, ctx, "cluster")) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG,
			    "kubeconfig %s: context \"%s\" names no cluster", path, current);
		goto out;
	}
	if (dup_opt(map_str(&doc, ctx, "cluster"), &kc->cluster) < 0 ||
	    dup_opt(map_str(&doc, ctx, "user"), &kc->user) < 0 ||
	    dup_opt(map_str(&doc, ctx, "namespace"), &kc->namespace) < 0)
		goto oom;
	dir = folder_of(path);
	if (!dir)
		goto oom;
	if (load_cluster(&doc, root, kc, dir, e) < 0)
		goto out;
	/* a context without a user is anonymous access, which clientcmd allows */
	if (kc->user && load_user(&doc, root, kc, dir, e) < 0)
		goto out;
	ret = 0;
	goto out;
oom:
	cni_err_set(e, CNI_ERR_INTERNAL, "kubeconfig %s: out of memory", path);
out:
	free(dir);
	if (doc_ok)
		yaml_document_delete(&document);
	if (parser_ok)
		yaml_parser_delete(&parser);
	return ret;
}

void kubeconfig_free(struct kubeconfig *kc)
{
	if (!kc)
		return;
	free(kc->source);
	free(kc->context);
	free(kc->cluster);
	free(kc->user);
	free(kc->namespace);
	free(kc->server);
	free(kc->tls_server_name);
	free(kc->ca_file);
	free(kc->ca_pem);
	free(kc->cert_file);
	free(kc->key_file);
	free(kc->cert_pem);
	free_secret(kc->key_pem, kc->key_pem_len);
	free_secret(kc->token, 0);
	free(kc->token_file);
	free(kc->username);
	free_secret(kc->password, 0);
	free(kc);
}

int kubeconfig_load_text(const char *path, const char *text, size_t len,
			 struct kubeconfig **out, struct cni_err *e)
{
	struct kubeconfig *kc = NULL;
	int ret = -1;

	*out = NULL;
	if (!path || !*path)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "kubeconfig: no path given");
	kc = calloc(1, sizeof(*kc));
	if (!kc || !(kc->source = strdup(path))) {
		cni_err_set(e, CNI_ERR_INTERNAL, "kubeconfig %s: out of memory", path);
		goto out;
	}
	if (parse_kubeconfig(path, text, len, kc, e) < 0)
		goto out;
	*out = kc;
	kc = NULL;
	ret = 0;
out:
	kubeconfig_free(kc);
	return ret;
}

int kubeconfig_load(const char *path, struct kubeconfig **out, struct cni_err *e)
{
	char *text = NULL;
	size_t len = 0;
	bool loose = false;
	int ret = -1, err;

	*out = NULL;
	if (!path || !*path)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "kubeconfig: no path given");
	err = read_small_file(path, KUBECONFIG_MAX_BYTES, &text, &len, &loose);
	if (err) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "kubeconfig %s: cannot read: %s", path,
			    err == EFBIG ? "larger than 1 MiB" : strerror(err));
		goto out;
	}
	if (kubeconfig_load_text(path, text, len, out, e) < 0)
		goto out;
	if (loose)
		(*out)->warnings |= KUBECONFIG_WARN_FILE_MODE;
	ret = 0;
out:
	free_secret(text, len);
	return ret;
}

bool kubeconfig_in_cluster_env(void)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");

	return host && *host && port && *port;
}

int kubeconfig_in_cluster(struct kubeconfig **out, struct cni_err *e)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	const char *sa = getenv("VDN_SA_DIR");
	struct kubeconfig *kc = NULL;
	char *ca = NULL, *ns_path = NULL, *text = NULL;
	size_t len = 0;
	int ret = -1, err;

	*out = NULL;
	if (!kubeconfig_in_cluster_env())
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
				   "in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT "
				   "are not set");
	if (!sa || !*sa)
		sa = KUBECONFIG_SA_DIR;
	kc = calloc(1, sizeof(*kc));
	if (!kc)
		goto oom;
	kc->in_cluster = true;
	if (!(kc->source = strdup("in-cluster")))
		goto oom;
	/* an IPv6 service address needs brackets in a URL */
	if ((strchr(host, ':') ? asprintf(&kc->server, "https://[%s]:%s", host, port)
			       : asprintf(&kc->server, "https://%s:%s", host, port)) < 0) {
		kc->server = NULL;
		goto oom;
	}
	if (asprintf(&kc->token_file, "%s/token", sa) < 0) {
		kc->token_file = NULL;
		goto oom;
	}
	if (asprintf(&ca, "%s/ca.crt", sa) < 0) {
		ca = NULL;
		goto oom;
	}
	if (asprintf(&ns_path, "%s/namespace", sa) < 0) {
		ns_path = NULL;
		goto oom;
	}
	/* Fail now, as client-go's InClusterConfig does, rather than at the first request. */
	err = read_small_file(kc->token_file, TOKEN_MAX_BYTES, &text, &len, NULL);
	if (err) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG,
			    "in-cluster: cannot read the service account token %s: %s",
			    kc->token_file, strerror(err));
		goto out;
	}
	free_secret(text, len);
	text = NULL;
	/* without ca.crt client-go falls back to the system roots; so do we */
	if (access(ca, R_OK) == 0) {
		kc->ca_file = ca;
		ca = NULL;
	}
	if (read_small_file(ns_path, 256, &text, &len, NULL) == 0) {
		const char *ns = trim(text);

		if (*ns && !(kc->namespace = strdup(ns)))
			goto oom;
	}
	*out = kc;
	kc = NULL;
	ret = 0;
	goto out;
oom:
	cni_err_set(e, CNI_ERR_INTERNAL, "in-cluster: out of memory");
out:
	free(text);
	free(ns_path);
	free(ca);
	kubeconfig_free(kc);
	return ret;
}

int kubeconfig_open(const char *path, struct kubeconfig **out, struct cni_err *e)
{
	if (path && *path)
		return kubeconfig_load(path, out, e);
	if (kubeconfig_in_cluster_env())
		return kubeconfig_in_cluster(out, e);
	*out = NULL;
	return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
			   "kubeconfig: none given and not running in a cluster "
			   "(KUBERNETES_SERVICE_HOST is not set)");
}

void kubeconfig_creds_clear(struct kubeconfig_creds *creds)
{
	if (!creds)
		return;
	free_secret(creds->token, 0);
	creds->token = NULL;
	creds->warnings = 0;
}

/* The token file is read at every request: the kubelet rotates projected service account
 * tokens (about hourly) and a cached one would start failing with 401. */
static int read_token_file(const struct kubeconfig *kc, struct kubeconfig_creds *creds,
			   struct cni_err *e)
{
	char *text = NULL, *tok;
	size_t len = 0;
	bool loose = false;
	int err, ret = -1;

	err = read_small_file(kc->token_file, TOKEN_MAX_BYTES, &text, &len, &loose);
	if (err) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "kubeconfig %s: cannot read tokenFile %s: %s",
			    kc->source, kc->token_file,
			    err == EFBIG ? "larger than 64 KiB" : strerror(err));
		goto out;
	}
	tok = trim(text);
	if (!*tok) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG, "kubeconfig %s: tokenFile %s is empty",
			    kc->source, kc->token_file);
		goto out;
	}
	creds->token = strdup(tok);
	if (!creds->token) {
		cni_err_set(e, CNI_ERR_INTERNAL, "kubeconfig %s: out of memory", kc->source);
		goto out;
	}
	/* the kubelet, not the operator, chooses the mode of a projected token */
	if (loose && !kc->in_cluster)
		creds->warnings |= KUBECONFIG_WARN_TOKEN_MODE;
	ret = 0;
out:
	free_secret(text, len);
	return ret;
}

int kubeconfig_apply(const struct kubeconfig *kc, struct http_req *req,
		     struct kubeconfig_creds *creds, struct cni_err *e)
{
	struct http_tls *t = &req->tls;

	memset(creds, 0, sizeof(*creds));
	memset(t, 0, sizeof(*t));
	memset(&req->auth, 0, sizeof(req->auth));
	t->ca_file = kc->ca_file;
	t->ca_pem = kc->ca_pem;
	t->ca_pem_len = kc->ca_pem_len;
	t->cert_file = kc->cert_file;
	t->key_file = kc->key_file;
	t->cert_pem = kc->cert_pem;
	t->cert_pem_len = kc->cert_pem_len;
	t->key_pem = kc->key_pem;
	t->key_pem_len = kc->key_pem_len;
	t->server_name = kc->tls_server_name;
	t->insecure = kc->insecure;

	if (kc->token_file) {
		struct cni_err file_err = { 0 };

		/* With both, client-go prefers the file and keeps the inline token as fallback. */
		if (read_token_file(kc, creds, kc->token ? &file_err : e) < 0 && !kc->token)
			return -1;
	}
	if (creds->token || kc->token) {
		req->auth.kind = HTTP_AUTH_BEARER;
		req->auth.token = creds->token ? creds->token : kc->token;
	} else if (kc->username) {
		req->auth.kind = HTTP_AUTH_BASIC;
		req->auth.user = kc->username;
		req->auth.password = kc->password;
	}
	return 0;
}

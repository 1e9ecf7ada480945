/* kubeconfig.c: the three fixture forms, path resolution, clientcmd's validation rules,
 * in-cluster service accounts, file-mode warnings, and that no error ever shows a secret. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kubeconfig.h"

/* Secrets planted in test files; no message may contain any of them. */
#define SECRET_TOKEN "tok-SECRET-4711"
#define SECRET_PW    "pw-SECRET-4711"

static char tmpdir[256];    /* short, so paths built on it always fit */

static void fixture_path(const char *name, char *out, size_t len)
{
	const char *here = __FILE__, *slash = strrchr(here, '/');

	snprintf(out, len, "%.*s/../fixtures/k8s/%s", slash ? (int)(slash - here) : 1,
		 slash ? here : ".", name);
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void tmp_path(const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", tmpdir, name);
}

static int setup(void **state)
{
	char dir[] = "/tmp/vdn-kubeconfig-XXXXXX", *real;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	/* /tmp may be a symlink; the loader reports resolved folders */
	real = realpath(dir, NULL);
	if (!real)
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "%s", real);
	free(real);
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	unsetenv("VDN_SA_DIR");
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Loads a kubeconfig written from text; expects failure and returns the message. */
static const char *load_fails(const char *text, struct cni_err *e)
{
	struct kubeconfig *kc = (void *)1;
	char path[PATH_MAX];

	write_file("kc.yaml", text, 0600);
	tmp_path("kc.yaml", path, sizeof(path));
	assert_int_equal(kubeconfig_load(path, &kc, e), -1);
	assert_null(kc);
	assert_int_equal(e->code, CNI_ERR_INVALID_CONFIG);
	assert_null(strstr(e->msg, "SECRET"));
	assert_null(strstr(e->details, "SECRET"));
	/* everything after the path is the part the loader wrote */
	return e->msg + strlen("kubeconfig ") + strlen(path);
}

static struct kubeconfig *load_ok(const char *text)
{
	struct kubeconfig *kc = NULL;
	struct cni_err e = { 0 };
	char path[PATH_MAX];

	write_file("kc.yaml", text, 0600);
	tmp_path("kc.yaml", path, sizeof(path));
	if (kubeconfig_load(path, &kc, &e) < 0)
		fail_msg("load: %s", e.msg);
	return kc;
}

static void test_fixture_client_cert_inline(void **state)
{
	char path[PATH_MAX];
	struct kubeconfig *kc = NULL;
	struct kubeconfig_creds creds;
	struct http_req req = { 0 };
	struct cni_err e = { 0 };

	(void)state;
	fixture_path("kubeconfig-region-a-clientcert.yaml", path, sizeof(path));
	assert_int_equal(kubeconfig_load(path, &kc, &e), 0);
	assert_string_equal(kc->context, "vdno-scheduler@region-a");
	assert_string_equal(kc->cluster, "region-a");
	assert_string_equal(kc->user, "vdno-scheduler@region-a");
	assert_string_equal(kc->server, "https://10.10.0.10:6443");
	assert_null(kc->namespace);
	assert_false(kc->insecure);
	assert_null(kc->ca_file);
	assert_int_equal(kc->ca_pem_len, 152);
	assert_memory_equal(kc->ca_pem, "-----BEGIN CERTIFICATE-----\nRkFLRSBDQSBD", 39);
	assert_int_equal(kc->cert_pem_len, 160);
	assert_int_equal(kc->key_pem_len, 152);
	assert_memory_equal(kc->key_pem, "-----BEGIN RSA PRIVATE KEY-----\n", 32);
	assert_int_equal(strlen(kc->key_pem), kc->key_pem_len);
	assert_null(kc->token);
	assert_null(kc->token_file);

	assert_int_equal(kubeconfig_apply(kc, &req, &creds, &e), 0);
	assert_int_equal(req.auth.kind, HTTP_AUTH_NONE);
	assert_ptr_equal(req.tls.ca_pem, kc->ca_pem);
	assert_int_equal(req.tls.ca_pem_len, 152);
	assert_ptr_equal(req.tls.cert_pem, kc->cert_pem);
	assert_ptr_equal(req.tls.key_pem, kc->key_pem);
	assert_false(req.tls.insecure);
	kubeconfig_creds_clear(&creds);
	kubeconfig_free(kc);
}

static void test_fixture_token_inline(void **state)
{
	char path[PATH_MAX];
	struct kubeconfig *kc = NULL;
	struct kubeconfig_creds creds;
	struct http_req req = { 0 };
	struct cni_err e = { 0 };

	(void)state;
	fixture_path("kubeconfig-region-b-token.yaml", path, sizeof(path));
	assert_int_equal(kubeconfig_load(path, &kc, &e), 0);
	assert_string_equal(kc->server, "https://api.region-b.example.net:6443");
	assert_string_equal(kc->namespace, "vdno");
	assert_string_equal(kc->tls_server_name, "kubernetes.default.svc");
	assert_int_equal(kc->ca_pem_len, 152);
	assert_memory_equal(kc->token, "eyJhbGciOiJSUzI1NiIsImtpZCI6IkZBS0UtS0VZLUlEIn0.", 48);

	assert_int_equal(kubeconfig_apply(kc, &req, &creds, &e), 0);
	assert_int_equal(req.auth.kind, HTTP_AUTH_BEARER);
	assert_string_equal(req.auth.token, kc->token);
	assert_string_equal(req.tls.server_name, "kubernetes.default.svc");
	kubeconfig_creds_clear(&creds);
	kubeconfig_free(kc);
}

static void test_fixture_insecure_token_file_relative(void **state)
{
	char path[PATH_MAX], dir[PATH_MAX], want[PATH_MAX + 32];
	struct kubeconfig *kc = NULL;
	struct kubeconfig_creds creds;
	struct http_req req = { 0 };
	struct cni_err e = { 0 };

	(void)state;
	fixture_path("kubeconfig-region-c-insecure-tokenfile.yaml", path, sizeof(path));
	fixture_path("", dir, sizeof(dir));
	assert_non_null(realpath(dir, want));
	strcat(want, "/region-c.token");
	assert_int_equal(kubeconfig_load(path, &kc, &e), 0);
	assert_true(kc->insecure);
	assert_null(kc->ca_pem);
	assert_null(kc->ca_file);
	assert_null(kc->token);
	/* resolved against the kubeconfig's folder, not the working directory */
	assert_string_equal(kc->token_file, want);

	assert_int_equal(kubeconfig_apply(kc, &req, &creds, &e), 0);
	assert_int_equal(req.auth.kind, HTTP_AUTH_BEARER);
	/* the file's trailing newline is not part of the token */
	assert_string_equal(req.auth.token,
			    "eyJhbGciOiJSUzI1NiIsImtpZCI6IkZBS0UtS0VZLUlEIn0.eyJzdWIiOiJzeXN0ZW06c2Vy"
			    "dmljZWFjY291bnQ6dmRubzp2ZG5vLXNjaGVkdWxlciIsImNsdXN0ZXIiOiJyZWdpb24tYyIs"
			    "ImZha2UiOnRydWV9.RkFLRS1TSUdOQVRVUkUtTk9ULVZBTElE");
	assert_ptr_equal(req.auth.token, creds.token);
	assert_true(req.tls.insecure);
	kubeconfig_creds_clear(&creds);
	kubeconfig_free(kc);
}

static const char files_kc[] =
	"apiVersion: v1\n"
	"kind: Config\n"
	"current-context: c\n"
	"contexts:\n"
	"- name: c\n"
	"  context: {cluster: k, user: u}\n"
	"clusters:\n"
	"- name: k\n"
	"  cluster:\n"
	"    server: https://k.example:6443/\n"
	"    certificate-authority: pki/ca.crt\n"
	"users:\n"
	"- name: u\n"
	"  user:\n"
	"    client-certificate: pki/client.crt\n"
	"    client-key: /etc/abs/client.key\n";

static void test_relative_paths_resolve_against_the_kubeconfig_folder(void **state)
{
	char want[PATH_MAX + 32], path[PATH_MAX], cwd[PATH_MAX];
	struct kubeconfig *kc = NULL;
	struct cni_err e = { 0 };
	int rc;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	tmp_path("sub", path, sizeof(path));
	assert_int_equal(mkdir(path, 0700), 0);
	write_file("sub/kc.yaml", files_kc, 0600);
	tmp_path("sub/kc.yaml", path, sizeof(path));
	/* from another working directory, as kubelet runs a plugin */
	assert_int_equal(chdir("/"), 0);
	rc = kubeconfig_load(path, &kc, &e);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(rc, 0);
	snprintf(want, sizeof(want), "%s/sub/pki/ca.crt", tmpdir);
	assert_string_equal(kc->ca_file, want);
	snprintf(want, sizeof(want), "%s/sub/pki/client.crt", tmpdir);
	assert_string_equal(kc->cert_file, want);
	assert_string_equal(kc->key_file, "/etc/abs/client.key");
	assert_null(kc->cert_pem);
	kubeconfig_free(kc);
}

/* The in-memory entry point reads no file: a text that is not NUL-terminated still parses
 * to its length, and the path only anchors relative names. */
static void test_load_text_reads_no_file(void **state)
{
	char text[sizeof(files_kc) + 8];
	struct kubeconfig *kc = NULL;
	struct cni_err e = { 0 };

	(void)state;
	memcpy(text, files_kc, sizeof(files_kc) - 1);
	memcpy(text + sizeof(files_kc) - 1, "\x01\x02\x03", 3);   /* garbage past len */
	assert_int_equal(kubeconfig_load_text("/nonexistent/kc.yaml", text, sizeof(files_kc) - 1,
					      &kc, &e), 0);
	assert_string_equal(kc->source, "/nonexistent/kc.yaml");
	assert_string_equal(kc->ca_file, "/nonexistent/pki/ca.crt");
	assert_int_equal(kc->warnings, 0);
	kubeconfig_free(kc);
}

static void test_inline_data_wins_over_file(void **state)
{
	struct kubeconfig *kc;

	(void)state;
	kc = load_ok("current-context: c\n"
		     "contexts: [{name: c, context: {cluster: k}}]\n"
		     "clusters:\n"
		     "- name: k\n"
		     "  cluster:\n"
		     "    server: https://k:6443\n"
		     "    certificate-authority: ca.crt\n"
		     "    certificate-authority-data: aGVsbG8=\n");
	assert_null(kc->ca_file);
	assert_int_equal(kc->ca_pem_len, 5);
	assert_string_equal(kc->ca_pem, "hello");
	/* a context without a user is anonymous */
	assert_null(kc->user);
	kubeconfig_free(kc);
}

static void test_base64_forms(void **state)
{
	struct kubeconfig *kc;
	struct cni_err e = { 0 };

	(void)state;
	/* wrapped over several lines, and unpadded, are both read */
	kc = load_ok("current-context: c\n"
		     "contexts: [{name: c, context: {cluster: k}}]\n"
		     "clusters:\n"
		     "- name: k\n"
		     "  cluster:\n"
		     "    server: https://k:6443\n"
		     "    certificate-authority-data: |\n"
		     "      aGVsbG8g\n"
		     "      d29ybGQ\n");
	assert_string_equal(kc->ca_pem, "hello world");
	kubeconfig_free(kc);

	assert_string_equal(load_fails("current-context: c\n"
				       "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
				       "clusters: [{name: k, cluster: {server: 'https://k'}}]\n"
				       "users:\n"
				       "- name: u\n"
				       "  user:\n"
				       "    client-certificate-data: aGVsbG8=\n"
				       "    client-key-data: SECRET*notbase64\n", &e),
			    ": user \"u\": client-key-data is not valid base64");
}

static void test_missing_context_cluster_user(void **state)
{
	struct cni_err e = { 0 };
	char path[PATH_MAX], want[PATH_MAX + 64];

	(void)state;
	assert_string_equal(load_fails("current-context: a\n"
				       "contexts: [{name: b, context: {cluster: k}}]\n", &e),
			    ": current-context \"a\" not found");
	tmp_path("kc.yaml", path, sizeof(path));
	snprintf(want, sizeof(want), "kubeconfig %s: current-context \"a\" not found", path);
	assert_string_equal(e.msg, want);

	assert_string_equal(load_fails("contexts: [{name: b, context: {cluster: k}}]\n", &e),
			    ": current-context is not set");
	assert_string_equal(load_fails("current-context: \"\"\n", &e),
			    ": current-context is not set");
	assert_string_equal(load_fails("current-context: a\n"
				       "contexts: [{name: a, context: {cluster: k, user: u}}]\n"
				       "clusters: [{name: other, cluster: {server: 'https://x'}}]\n",
				       &e),
			    ": cluster \"k\" (of context \"a\") not found");
	assert_string_equal(load_fails("current-context: a\n"
				       "contexts: [{name: a, context: {cluster: k, user: u}}]\n"
				       "clusters: [{name: k, cluster: {server: 'https://x'}}]\n"
				       "users: [{name: v, user: {token: " SECRET_TOKEN "}}]\n", &e),
			    ": user \"u\" (of context \"a\") not found");
	assert_string_equal(load_fails("current-context: a\n"
				       "contexts: [{name: a, context: {user: u}}]\n", &e),
			    ": context \"a\" names no cluster");
	assert_string_equal(load_fails("current-context: a\n"
				       "contexts: [{name: a, context: {cluster: k}}]\n"
				       "clusters: [{name: k, cluster: {insecure-skip-tls-verify: true}}]\n",
				       &e),
			    ": cluster \"k\" has no server");
}

static void test_clientcmd_validation_rules(void **state)
{
	struct cni_err e = { 0 };
	const char *head = "current-context: a\n"
			   "contexts: [{name: a, context: {cluster: k, user: u}}]\n"
			   "clusters: [{name: k, cluster: {server: 'https://x'}}]\n";
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text), "%susers: [{name: u, user: {token: %s, username: admin, "
		 "password: %s}}]\n", head, SECRET_TOKEN, SECRET_PW);
	assert_string_equal(load_fails(text, &e),
			    ": user \"u\": both a token and username/password are set; keep one");
	snprintf(text, sizeof(text), "%susers: [{name: u, user: {password: %s}}]\n", head,
		 SECRET_PW);
	assert_string_equal(load_fails(text, &e), ": user \"u\": password without username");
	snprintf(text, sizeof(text), "%susers: [{name: u, user: {client-certificate: c.crt}}]\n",
		 head);
	assert_string_equal(load_fails(text, &e),
			    ": user \"u\": client-certificate without client-key");
	snprintf(text, sizeof(text), "%susers: [{name: u, user: {client-key-data: U0VDUkVU}}]\n",
		 head);
	assert_string_equal(load_fails(text, &e),
			    ": user \"u\": client-key without client-certificate");
	snprintf(text, sizeof(text), "%susers: [{name: u, user: {exec: {command: aws}}}]\n", head);
	assert_non_null(strstr(load_fails(text, &e), "exec and auth-provider credentials are "
						     "not supported"));
	assert_string_equal(load_fails("current-context: a\n"
				       "contexts: [{name: a, context: {cluster: k}}]\n"
				       "clusters: [{name: k, cluster: {server: 'https://x', "
				       "insecure-skip-tls-verify: true, certificate-authority: ca}}]\n",
				       &e),
			    ": cluster \"k\": insecure-skip-tls-verify together with a certificate "
			    "authority is not allowed");
	assert_string_equal(load_fails("current-context: a\n"
				       "contexts: [{name: a, context: {cluster: k}}]\n"
				       "clusters: [{name: k, cluster: {server: 'https://x', "
				       "insecure-skip-tls-verify: maybe}}]\n", &e),
			    ": cluster \"k\": insecure-skip-tls-verify must be true or false");
}

static void test_yaml_booleans_and_nulls(void **state)
{
	struct kubeconfig *kc;

	(void)state;
	kc = load_ok("current-context: a\n"
		     "contexts: [{name: a, context: {cluster: k, namespace: ~}}]\n"
		     "clusters: [{name: k, cluster: {server: 'https://x', "
		     "insecure-skip-tls-verify: yes, certificate-authority: null}}]\n");
	assert_true(kc->insecure);
	assert_null(kc->ca_file);
	assert_null(kc->namespace);
	kubeconfig_free(kc);
}

static void test_later_duplicate_name_wins(void **state)
{
	struct kubeconfig *kc;

	(void)state;
	kc = load_ok("current-context: a\n"
		     "contexts: [{name: a, context: {cluster: k}}]\n"
		     "clusters:\n"
		     "- {name: k, cluster: {server: 'https://first'}}\n"
		     "- {name: k, cluster: {server: 'https://second'}}\n");
	assert_string_equal(kc->server, "https://second");
	kubeconfig_free(kc);
}

static void test_basic_auth_user(void **state)
{
	struct kubeconfig *kc;
	struct kubeconfig_creds creds;
	struct http_req req = { 0 };
	struct cni_err e = { 0 };

	(void)state;
	kc = load_ok("current-context: a\n"
		     "contexts: [{name: a, context: {cluster: k, user: u}}]\n"
		     "clusters: [{name: k, cluster: {server: 'http://x'}}]\n"
		     "users: [{name: u, user: {username: admin, password: " SECRET_PW "}}]\n");
	assert_int_equal(kubeconfig_apply(kc, &req, &creds, &e), 0);
	assert_int_equal(req.auth.kind, HTTP_AUTH_BASIC);
	assert_string_equal(req.auth.user, "admin");
	assert_string_equal(req.auth.password, SECRET_PW);
	kubeconfig_creds_clear(&creds);
	kubeconfig_free(kc);
}

static void test_syntax_error_and_unreadable_file(void **state)
{
	struct cni_err e = { 0 };
	struct kubeconfig *kc = NULL;
	const char *rest;

	(void)state;
	rest = load_fails("current-context: a\nusers: [{name: u, user: {token: " SECRET_TOKEN
			  "}\n", &e);
	assert_memory_equal(rest, ": line ", 7);
	rest = load_fails("- just\n- a list\n", &e);
	assert_string_equal(rest, ": not a kubeconfig (no top-level mapping)");
	rest = load_fails("", &e);
	assert_string_equal(rest, ": not a kubeconfig (no top-level mapping)");

	assert_int_equal(kubeconfig_load("/nonexistent/kc.yaml", &kc, &e), -1);
	assert_string_equal(e.msg, "kubeconfig /nonexistent/kc.yaml: cannot read: "
				   "No such file or directory");
	assert_int_equal(e.code, CNI_ERR_INVALID_CONFIG);
	assert_int_equal(kubeconfig_load(tmpdir, &kc, &e), -1);
	assert_int_equal(kubeconfig_load("", &kc, &e), -1);
}

static const char tokenfile_kc[] =
	"current-context: a\n"
	"contexts: [{name: a, context: {cluster: k, user: u}}]\n"
	"clusters: [{name: k, cluster: {server: 'http://x'}}]\n"
	"users: [{name: u, user: {tokenFile: tok}}]\n";

static void test_token_file_is_read_at_each_apply(void **state)
{
	struct kubeconfig *kc;
	struct kubeconfig_creds creds;
	struct http_req req = { 0 };
	struct cni_err e = { 0 };

	(void)state;
	write_file("tok", "  first-" SECRET_TOKEN "\n", 0600);
	kc = load_ok(tokenfile_kc);
	assert_int_equal(kubeconfig_apply(kc, &req, &creds, &e), 0);
	assert_string_equal(req.auth.token, "first-" SECRET_TOKEN);
	assert_int_equal(creds.warnings, 0);
	kubeconfig_creds_clear(&creds);

	/* the kubelet rotated it */
	write_file("tok", "second-" SECRET_TOKEN, 0600);
	assert_int_equal(kubeconfig_apply(kc, &req, &creds, &e), 0);
	assert_string_equal(req.auth.token, "second-" SECRET_TOKEN);
	kubeconfig_creds_clear(&creds);

	write_file("tok", " \n", 0600);
	assert_int_equal(kubeconfig_apply(kc, &req, &creds, &e), -1);
	assert_non_null(strstr(e.msg, "/tok is empty"));
	kubeconfig_creds_clear(&creds);

	assert_int_equal(unlink(kc->token_file), 0);
	assert_int_equal(kubeconfig_apply(kc, &req, &creds, &e), -1);
	assert_int_equal(e.code, CNI_ERR_INVALID_CONFIG);
	assert_non_null(strstr(e.msg, ": cannot read tokenFile "));
	assert_null(strstr(e.msg, "SECRET"));
	kubeconfig_creds_clear(&creds);
	kubeconfig_free(kc);
}

static void test_inline_token_backs_up_an_unreadable_token_file(void **state)
{
	struct kubeconfig *kc;
	struct kubeconfig_creds creds;
	struct http_req req = { 0 };
	struct cni_err e = { 0 };

	(void)state;
	kc = load_ok("current-context: a\n"
		     "contexts: [{name: a, context: {cluster: k, user: u}}]\n"
		     "clusters: [{name: k, cluster: {server: 'http://x'}}]\n"
		     "users: [{name: u, user: {tokenFile: none, token: inline}}]\n");
	assert_int_equal(kubeconfig_apply(kc, &req, &creds, &e), 0);
	assert_string_equal(req.auth.token, "inline");
	kubeconfig_creds_clear(&creds);

	write_file("none", "from-file\n", 0600);
	assert_int_equal(kubeconfig_apply(kc, &req, &creds, &e), 0);
	assert_string_equal(req.auth.token, "from-file");
	kubeconfig_creds_clear(&creds);
	kubeconfig_free(kc);
}

static void test_loose_file_modes_are_flagged(void **state)
{
	struct kubeconfig *kc = NULL;
	struct kubeconfig_creds creds;
	struct http_req req = { 0 };
	struct cni_err e = { 0 };
	char path[PATH_MAX];

	(void)state;
	write_file("tok", "t\n", 0640);
	write_file("kc.yaml", tokenfile_kc, 0644);
	tmp_path("kc.yaml", path, sizeof(path));
	assert_int_equal(kubeconfig_load(path, &kc, &e), 0);
	assert_int_equal(kc->warnings, KUBECONFIG_WARN_FILE_MODE);
	assert_int_equal(kubeconfig_apply(kc, &req, &creds, &e), 0);
	assert_int_equal(creds.warnings, KUBECONFIG_WARN_TOKEN_MODE);
	kubeconfig_creds_clear(&creds);
	kubeconfig_free(kc);

	assert_int_equal(chmod(path, 0600), 0);
	tmp_path("tok", path, sizeof(path));
	assert_int_equal(chmod(path, 0600), 0);
	kc = load_ok(tokenfile_kc);
	assert_int_equal(kc->warnings, 0);
	assert_int_equal(kubeconfig_apply(kc, &req, &creds, &e), 0);
	assert_int_equal(creds.warnings, 0);
	kubeconfig_creds_clear(&creds);
	kubeconfig_free(kc);
}

static void in_cluster_env(const char *host)
{
	char sa[PATH_MAX];

	tmp_path("sa", sa, sizeof(sa));
	setenv("KUBERNETES_SERVICE_HOST", host, 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	setenv("VDN_SA_DIR", sa, 1);
}

static void test_in_cluster_service_account(void **state)
{
	struct kubeconfig *kc = NULL;
	struct kubeconfig_creds creds;
	struct http_req req = { 0 };
	struct cni_err e = { 0 };
	char sa[PATH_MAX], want[PATH_MAX + 16];

	(void)state;
	tmp_path("sa", sa, sizeof(sa));
	assert_int_equal(mkdir(sa, 0755), 0);
	/* projected tokens are 0644 by the kubelet's choice: no warning for those */
	write_file("sa/token", "sa-" SECRET_TOKEN "-1\n", 0644);
	write_file("sa/ca.crt", "-----BEGIN CERTIFICATE-----\n", 0644);
	write_file("sa/namespace", "vdno\n", 0644);
	in_cluster_env("10.96.0.1");
	assert_true(kubeconfig_in_cluster_env());
	assert_int_equal(kubeconfig_in_cluster(&kc, &e), 0);
	assert_string_equal(kc->server, "https://10.96.0.1:443");
	assert_string_equal(kc->source, "in-cluster");
	snprintf(want, sizeof(want), "%s/ca.crt", sa);
	assert_string_equal(kc->ca_file, want);
	assert_string_equal(kc->namespace, "vdno");
	assert_true(kc->in_cluster);
	assert_int_equal(kc->warnings, 0);

	assert_int_equal(kubeconfig_apply(kc, &req, &creds, &e), 0);
	assert_int_equal(req.auth.kind, HTTP_AUTH_BEARER);
	assert_string_equal(req.auth.token, "sa-" SECRET_TOKEN "-1");
	assert_string_equal(req.tls.ca_file, want);
	assert_int_equal(creds.warnings, 0);
	kubeconfig_creds_clear(&creds);

	write_file("sa/token", "sa-" SECRET_TOKEN "-2\n", 0644);
	assert_int_equal(kubeconfig_apply(kc, &req, &creds, &e), 0);
	assert_string_equal(req.auth.token, "sa-" SECRET_TOKEN "-2");
	kubeconfig_creds_clear(&creds);
	kubeconfig_free(kc);

	/* an empty kubeconfig path means the service account when in a cluster */
	assert_int_equal(kubeconfig_open("", &kc, &e), 0);
	assert_true(kc->in_cluster);
	kubeconfig_free(kc);

	in_cluster_env("fd00:10:96::1");
	assert_int_equal(kubeconfig_in_cluster(&kc, &e), 0);
	assert_string_equal(kc->server, "https://[fd00:10:96::1]:443");
	kubeconfig_free(kc);
}

static void test_in_cluster_failures(void **state)
{
	struct kubeconfig *kc = (void *)1;
	struct cni_err e = { 0 };

	(void)state;
	assert_false(kubeconfig_in_cluster_env());
	assert_int_equal(kubeconfig_in_cluster(&kc, &e), -1);
	assert_null(kc);
	assert_int_equal(e.code, CNI_ERR_INVALID_CONFIG);
	assert_int_equal(kubeconfig_open(NULL, &kc, &e), -1);
	assert_non_null(strstr(e.msg, "not running in a cluster"));

	/* no token: refused at load, like client-go */
	in_cluster_env("10.96.0.1");
	assert_int_equal(kubeconfig_in_cluster(&kc, &e), -1);
	assert_non_null(strstr(e.msg, "cannot read the service account token"));
	assert_non_null(strstr(e.msg, "/sa/token"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_fixture_client_cert_inline),
		T(test_fixture_token_inline),
		T(test_fixture_insecure_token_file_relative),
		T(test_relative_paths_resolve_against_the_kubeconfig_folder),
		T(test_load_text_reads_no_file),
		T(test_inline_data_wins_over_file),
		T(test_base64_forms),
		T(test_missing_context_cluster_user),
		T(test_clientcmd_validation_rules),
		T(test_yaml_booleans_and_nulls),
		T(test_later_duplicate_name_wins),
		T(test_basic_auth_user),
		T(test_syntax_error_and_unreadable_file),
		T(test_token_file_is_read_at_each_apply),
		T(test_inline_token_backs_up_an_unreadable_token_file),
		T(test_loose_file_modes_are_flagged),
		T(test_in_cluster_service_account),
		T(test_in_cluster_failures),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* vDHCP requests with failover. The original VDN-CNI sent GET where it meant DELETE; here the
 * method is named at each call site and the answer handled per method (404 on DELETE = done). */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "client.h"
#include "http.h"
#include "log.h"

/* A MAC no NIC carries (all zeros): STATUS asks for it and expects 404. */
#define PROBE_MAC "00-00-00-00-00-00"

static const char *const accept_json[] = { "Accept: application/json", NULL };

void client_mac_path(const char *mac, char out[18])
{
	size_t i;

	for (i = 0; i < 17 && mac[i]; i++)
		out[i] = mac[i] == ':' ? '-' : (char)tolower((unsigned char)mac[i]);
	out[i] = '\0';
}

/* The server's own words from an error answer: ONOS-style {"message": ...}, or the first line
 * of a text body, bounded and without control characters (it goes into logs and results). */
static void server_message(const struct http_resp *resp, char *out, size_t len)
{
	static const char *const keys[] = { "message", "msg", "error", "detail" };
	cJSON *root = NULL;
	const char *text = NULL;
	size_t n;

	out[0] = '\0';
	if (!resp->body || !resp->body_len)
		return;
	root = cJSON_ParseWithLength(resp->body, resp->body_len);
	for (size_t k = 0; cJSON_IsObject(root) && !text && k < sizeof(keys) / sizeof(keys[0]); k++)
		text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, keys[k]));
	if (!text && !root)
		text = resp->body;
	if (text) {
		n = strcspn(text, "\r\n");
		if (n > 200)
			n = 200;
		snprintf(out, len, "%.*s", (int)n, text);
		for (char *p = out; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
	}
	cJSON_Delete(root);
}

static int url_for(const struct vdhcp_server *s, const char *mac_path, char **out)
{
	if (asprintf(out, "%s%s", s->url, mac_path) < 0) {
		*out = NULL;
		return -1;
	}
	return 0;
}

static void req_fill(struct http_req *req, const struct vdhcp_server *s, long timeout_ms,
		     const char *method, const char *url, const char *body)
{
	memset(req, 0, sizeof(*req));
	req->method = method;
	req->url = url;
	req->headers = accept_json;
	req->body = body;
	req->body_len = body ? strlen(body) : 0;
	req->timeout_ms = timeout_ms;
	req->connect_timeout_ms = timeout_ms;
	req->max_response = LEASE_BODY_MAX;
	if (s->user) {
		req->auth.kind = HTTP_AUTH_BASIC;
		req->auth.user = s->user;
		req->auth.password = s->password;
	}
	req->tls.ca_file = s->ca_file;
	req->tls.insecure = s->insecure;
}

/* What the walk over the servers collected about those that failed, for the final message. */
struct failures {
	int count;
	int code;          /* 11 unless a server answered with something unusable */
	char list[1024];
};

static void failure_add(struct failures *f, const char *url, const char *why, int code)
{
	size_t used = strlen(f->list);

	if (f->count++ == 0)
		f->code = CNI_ERR_TRY_AGAIN;
	/* A bad answer is not cured by waiting; it outranks "try again later". */
	if (code != CNI_ERR_TRY_AGAIN)
		f->code = code;
	/* A full list keeps what fits: the first servers' reasons matter most. */
	if (snprintf(f->list + used, sizeof(f->list) - used, "%s%s: %s", used ? "; " : "", url,
		     why) < 0)
		f->list[used] = '\0';
}

enum method { M_PUT, M_GET, M_DELETE };
static bool delete_body_ok(const char *body, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	bool ok = j != NULL;

	cJSON_Delete(j);
	return ok;
}

static const char *const method_names[] = { "PUT", "GET", "DELETE" };

/* One method on the servers in turn. 0: an answer with 2xx (lease parsed for PUT/GET);
 * 1: 404 on GET/DELETE; -1: a final refusal or no usable answer from any server. */
static int exchange(const struct client_target *t, enum method m, const char *mac,
		    const char *body, struct vdhcp_lease *lease, int *used, struct cni_err *e)
{
	const char *name = method_names[m];
	struct failures f = { 0 };
	struct http_resp resp = { 0 };
	struct http_req req;
	struct cni_err why;
	char mac_path[18], safe[512], said[256], text[400];
	char *url = NULL;
	int ret = -1;

	if (http_global_init(e))
		return -1;
	client_mac_path(mac, mac_path);
	for (int k = 0; k < t->n; k++) {
		int i = (t->first + k) % t->n;
		const struct vdhcp_server *s = &t->servers[i];

		free(url);
		http_resp_free(&resp);
		if (url_for(s, mac_path, &url)) {
			cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
			goto out;
		}
		http_url_safe(url, safe, sizeof(safe));
		req_fill(&req, s, t->timeout_ms, name, url, body);
		cni_err_clear(&why);
		if (http_do(&req, &resp, &why)) {
			if (resp.request_sent && t->maybe_done)
				*t->maybe_done = true;
			snprintf(text, sizeof(text), "%s: %s", http_outcome_text(resp.outcome),
				 resp.transport_msg);
			/* http.c's code: 11 for connect and timeouts, 103 for a certificate
			 * the server should not have, 7 for our own unusable caFile. */
			failure_add(&f, safe, text, why.code ? why.code : CNI_ERR_TRY_AGAIN);
			log_warn("%s %s: %s%s", name, safe, text, k + 1 < t->n ? "; trying the next server"
				 : "");
			continue;
		}
		server_message(&resp, said, sizeof(said));
		if (resp.status == 404 && m != M_PUT) {
			*used = i;
			ret = 1;
			goto out;
		}
		if (resp.status >= 500 || resp.status == 429) {
			if (t->maybe_done)
				*t->maybe_done = true;
			snprintf(text, sizeof(text), "%ld %s%s%s", resp.status, http_reason(resp.status),
				 said[0] ? ": " : "", said);
			failure_add(&f, safe, text, CNI_ERR_TRY_AGAIN);
			log_warn("%s %s: %s%s", name, safe, text, k + 1 < t->n ? "; trying the next server"
				 : "");
			continue;
		}
		if (resp.status >= 400) {
			/* The server understood and said no (bad credentials, unknown vdnId, a
			 * malformed request): another server of the same service would say the same. */
			cni_err_set(e, CNI_ERR_REMOTE, "%s %s: %ld %s%s%s", name, safe, resp.status,
				    http_reason(resp.status), said[0] ? ": " : "", said);
			goto out;
		}
		if (resp.status < 200 || resp.status > 299) {
			snprintf(text, sizeof(text), "unexpected status %ld", resp.status);
			failure_add(&f, safe, text, CNI_ERR_REMOTE);
			log_warn("%s %s: %s", name, safe, text);
			continue;
		}
		/* A DELETE answers 204, or 200 with the released lease: a 200 whose body is not
		 * JSON comes from something that did not do the release (a proxy's error page). */
		if (m == M_DELETE && resp.body_len && !delete_body_ok(resp.body, resp.body_len)) {
			snprintf(text, sizeof(text), "the answer to DELETE is not JSON");
			failure_add(&f, safe, text, CNI_ERR_DECODE);
			log_warn("%s %s: %s%s", name, safe, text, k + 1 < t->n ?
				 "; trying the next server" : "");
			continue;
		}
		if (m != M_DELETE && lease_parse(resp.body, resp.body_len, lease, &why)) {
			failure_add(&f, safe, why.msg, why.code);
			log_warn("%s %s: %s%s", name, safe, why.msg, k + 1 < t->n ?
				 "; trying the next server" : "");
			continue;
		}
		*used = i;
		ret = 0;
		goto out;
	}
	cni_err_set(e, f.code ? f.code : CNI_ERR_TRY_AGAIN, "%s %s: no vDHCP server gave a usable "
		    "answer (%d tried)", name, mac_path, t->n);
	cni_err_details(e, "%s", f.list);
out:
	free(url);
	http_resp_free(&resp);
	return ret;
}

int client_put(const struct client_target *t, const char *mac, const char *vdn_id,
	       const char *request_ip, struct vdhcp_lease *lease, int *used, struct cni_err *e)
{
	cJSON *body = cJSON_CreateObject();
	char *text = NULL;
	int ret = -1;

	if (!body || !cJSON_AddStringToObject(body, "clientHwAddr", mac) ||
	    (vdn_id && *vdn_id && !cJSON_AddStringToObject(body, "vdnId", vdn_id)) ||
	    (request_ip && *request_ip && !cJSON_AddStringToObject(body, "requestIp", request_ip)) ||
	    !(text = cJSON_PrintUnformatted(body))) {
		cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (exchange(t, M_PUT, mac, text, lease, used, e))
		goto out;
	/* A lease for another MAC or VDN is a server bug that would give the pod a wrong
	 * address; the answer fields are optional, so only what is there is compared. */
	if (lease->hwaddr[0] && strcasecmp(lease->hwaddr, mac)) {
		cni_err_set(e, CNI_ERR_REMOTE, "PUT %s: the server answered with the lease of %s",
			    mac, lease->hwaddr);
		goto refuse;
	}
	if (vdn_id && *vdn_id && lease->vdn_id[0] && strcmp(lease->vdn_id, vdn_id)) {
		cni_err_set(e, CNI_ERR_REMOTE, "PUT %s: asked for vdnId \"%s\", the server answered "
			    "with a lease in \"%s\"", mac, vdn_id, lease->vdn_id);
		goto refuse;
	}
	ret = 0;
	goto out;
refuse:
	/* Whatever the server now holds for our MAC is not what we can use: give it back. */
	{
		struct client_target back = *t;
		struct cni_err ignored;
		int where = -1;

		back.first = *used;
		if (exchange(&back, M_DELETE, mac, NULL, NULL, &where, &ignored) < 0)
			log_warn("PUT %s: could not release the unusable lease: %s", mac, ignored.msg);
	}
out:
	cJSON_free(text);
	cJSON_Delete(body);
	return ret;
}

int client_get(const struct client_target *t, const char *mac, struct vdhcp_lease *lease,
	       int *used, struct cni_err *e)
{
	return exchange(t, M_GET, mac, NULL, lease, used, e);
}

int client_delete(const struct client_target *t, const char *mac, int *used, struct cni_err *e)
{
	return exchange(t, M_DELETE, mac, NULL, NULL, used, e);
}

int client_probe(const struct client_target *t, struct cni_err *e)
{
	struct http_req *reqs = NULL;
	struct http_resp *resps = NULL;
	struct cni_err *errs = NULL;
	struct failures f = { 0 };
	char **urls = NULL, safe[512], said[256], text[400];
	int ret = -1;

	if (http_global_init(e))
		return -1;
	reqs = calloc((size_t)t->n, sizeof(*reqs));
	resps = calloc((size_t)t->n, sizeof(*resps));
	errs = calloc((size_t)t->n, sizeof(*errs));
	urls = calloc((size_t)t->n, sizeof(*urls));
	if (!reqs || !resps || !errs || !urls) {
		cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
		goto out;
	}
	for (int i = 0; i < t->n; i++) {
		if (url_for(&t->servers[i], PROBE_MAC, &urls[i])) {
			cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
			goto out;
		}
		req_fill(&reqs[i], &t->servers[i], t->timeout_ms, "GET", urls[i], NULL);
	}
	/* In parallel: STATUS answers within one timeout however many servers are down. */
	http_do_many(reqs, resps, t->n, t->timeout_ms, errs);
	for (int i = 0; i < t->n; i++) {
		long st = resps[i].status;

		http_url_safe(urls[i], safe, sizeof(safe));
		if (resps[i].outcome >= HTTP_FAIL_CONNECT) {
			snprintf(text, sizeof(text), "%s: %s", http_outcome_text(resps[i].outcome),
				 resps[i].transport_msg);
		} else if (st >= 500 || st == 429 || st == 401 || st == 403) {
			server_message(&resps[i], said, sizeof(said));
			snprintf(text, sizeof(text), "%ld %s%s%s", st, http_reason(st),
				 said[0] ? ": " : "", said);
		} else {
			ret = 0;
			goto out;
		}
		failure_add(&f, safe, text, CNI_ERR_NOT_AVAILABLE);
	}
	cni_err_set(e, CNI_ERR_NOT_AVAILABLE, "no vDHCP server is available (%d asked)", t->n);
	cni_err_details(e, "%s", f.list);
out:
	for (int i = 0; urls && i < t->n; i++) {
		free(urls[i]);
		if (resps)
			http_resp_free(&resps[i]);
	}
	free(urls);
	free(errs);
	free(resps);
	free(reqs);
	return ret;
}

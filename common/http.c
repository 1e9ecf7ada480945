/* HTTP exchanges on libcurl's multi interface, so one request and a parallel batch share a
 * single code path and a batch is bounded by one clock rather than the sum of its parts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <curl/curl.h>
#include "http.h"

struct xfer {
	const struct http_req *req;
	struct http_resp *resp;
	struct cni_err *e;
	CURL *h;
	struct curl_slist *headers;
	struct curl_slist *connect_to;
	char *url;              /* rewritten for tls.server_name, else NULL */
	char *buf;
	size_t len, cap, max;
	bool too_large;
	bool added;             /* handed to the multi handle */
	bool done;
	char errbuf[CURL_ERROR_SIZE];
	struct cni_err scratch; /* target of e when the caller passed no error array */
};

static bool curl_ready;

int http_global_init(struct cni_err *e)
{
	CURLcode rc;

	if (curl_ready)
		return 0;
	rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK)
		return cni_err_set(e, CNI_ERR_INTERNAL, "http: curl_global_init: %s",
				   curl_easy_strerror(rc));
	curl_ready = true;
	return 0;
}

void http_global_cleanup(void)
{
	if (!curl_ready)
		return;
	curl_global_cleanup();
	curl_ready = false;
}

void http_url_safe(const char *url, char *out, size_t len)
{
	const char *scheme_end, *host, *at = NULL;
	size_t authority;

	if (!out || !len)
		return;
	if (!url) {
		snprintf(out, len, "(no url)");
		return;
	}
	scheme_end = strstr(url, "://");
	if (!scheme_end) {
		snprintf(out, len, "%s", url);
		return;
	}
	host = scheme_end + 3;
	authority = strcspn(host, "/?#");
	for (size_t i = 0; i < authority; i++)
		if (host[i] == '@')
			at = host + i;
	if (!at) {
		snprintf(out, len, "%s", url);
		return;
	}
	snprintf(out, len, "%.*s%s", (int)(host - url), url, at + 1);
}

const char *http_reason(long status)
{
	static const struct { long code; const char *text; } reasons[] = {
		{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" }, { 204, "No Content" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
		{ 409, "Conflict" }, { 410, "Gone" }, { 411, "Length Required" },
		{ 413, "Payload Too Large" }, { 415, "Unsupported Media Type" },
		{ 422, "Unprocessable Entity" }, { 429, "Too Many Requests" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" }, { 502, "Bad Gateway" },
		{ 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
	};

	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == status)
			return reasons[i].text;
	return "";
}

static const char *req_method(const struct http_req *req)
{
	return req->method && *req->method ? req->method : "GET";
}

int http_status_err(const struct http_req *req, const struct http_resp *resp, struct cni_err *e)
{
	char url[512];
	const char *reason = http_reason(resp->status);

	http_url_safe(req->url, url, sizeof(url));
	return cni_err_set(e, CNI_ERR_REMOTE, "%s %s: %ld%s%s", req_method(req), url, resp->status,
			   *reason ? " " : "", reason);
}

bool http_retryable(const struct http_resp *resp)
{
	switch (resp->outcome) {
	case HTTP_FAIL_CONNECT:
	case HTTP_FAIL_TIMEOUT:
		return true;
	case HTTP_FAIL_STATUS:
		return resp->status == 429 || (resp->status >= 500 && resp->status <= 599);
	default:
		return false;
	}
}

void http_resp_free(struct http_resp *resp)
{
	if (!resp)
		return;
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb, want;
	char *grown;

	if (n > x->max - x->len) {
		x->too_large = true;
		return 0;
	}
	want = x->len + n + 1;
	if (want > x->cap) {
		size_t cap = x->cap ? x->cap : 4096;

		while (cap < want)
			cap *= 2;
		grown = realloc(x->buf, cap);
		if (!grown)
			return 0;
		x->buf = grown;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, data, n);
	x->len += n;
	x->buf[x->len] = '\0';
	return n;
}

/* Marks the request failed before or outside curl (bad fields, out of memory, budget gone). */
static void xfer_fail(struct xfer *x, enum http_outcome outcome, int code, const char *what)
{
	char url[512];

	http_url_safe(x->req->url, url, sizeof(url));
	x->resp->outcome = outcome;
	snprintf(x->resp->transport_msg, sizeof(x->resp->transport_msg), "%s", what);
	cni_err_set(x->e, code, "%s %s: %s", req_method(x->req), url, what);
	x->done = true;
}

static bool method_is(const struct http_req *req, const char *m)
{
	return strcasecmp(req_method(req), m) == 0;
}

/* tls-server-name: keep talking to the URL's host but verify (and send SNI for) another name.
 * curl has no such option, so the URL names the certificate's host and CONNECT_TO routes
 * the connection to the real one. */
static int route_server_name(struct xfer *x)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *line = NULL;
	int ret = -1;

	if (!u)
		goto out;
	if (curl_url_set(u, CURLUPART_URL, x->req->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_HOST, x->req->tls.server_name, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &x->url, 0) != CURLUE_OK)
		goto out;
	if (asprintf(&line, "%s:%s:%s:%s", x->req->tls.server_name, port, host, port) < 0) {
		line = NULL;
		goto out;
	}
	x->connect_to = curl_slist_append(NULL, line);
	if (!x->connect_to)
		goto out;
	ret = 0;
out:
	free(line);
	curl_free(port);
	curl_free(host);
	curl_url_cleanup(u);
	return ret;
}

static int add_header(struct xfer *x, const char *line)
{
	struct curl_slist *l = curl_slist_append(x->headers, line);

	if (!l)
		return -1;
	x->headers = l;
	return 0;
}

static int set_tls(struct xfer *x)
{
	const struct http_tls *t = &x->req->tls;
	struct curl_blob blob = { .flags = CURL_BLOB_COPY };
	CURL *h = x->h;

	if (t->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (t->ca_pem || t->ca_file) {
		/* A cluster CA replaces the system roots: a public certificate for the same
		 * name must not be able to impersonate the API server. */
		curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
		if (t->ca_pem) {
			blob.data = (void *)t->ca_pem;
			blob.len = t->ca_pem_len;
			if (curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob) != CURLE_OK)
				return -1;
		} else if (curl_easy_setopt(h, CURLOPT_CAINFO, t->ca_file) != CURLE_OK) {
			return -1;
		}
	}
	if (t->cert_pem) {
		blob.data = (void *)t->cert_pem;
		blob.len = t->cert_pem_len;
		if (curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &blob) != CURLE_OK)
			return -1;
	} else if (t->cert_file && curl_easy_setopt(h, CURLOPT_SSLCERT, t->cert_file) != CURLE_OK) {
		return -1;
	}
	if (t->key_pem) {
		blob.data = (void *)t->key_pem;
		blob.len = t->key_pem_len;
		if (curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &blob) != CURLE_OK)
			return -1;
	} else if (t->key_file && curl_easy_setopt(h, CURLOPT_SSLKEY, t->key_file) != CURLE_OK) {
		return -1;
	}
	if (t->cert_pem || t->cert_file) {
		curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
	}
	return 0;
}

static int set_auth(struct xfer *x)
{
	const struct http_auth *a = &x->req->auth;
	CURL *h = x->h;

	switch (a->kind) {
	case HTTP_AUTH_NONE:
		return 0;
	case HTTP_AUTH_BASIC:
		if (!a->user)
			return -1;
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, a->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, a->password ? a->password : "");
		return 0;
	case HTTP_AUTH_BEARER:
		if (!a->token)
			return -1;
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, a->token);
		return 0;
	}
	return -1;
}

static long clamp_timeout(const struct http_req *req, long budget_ms)
{
	long t = req->timeout_ms > 0 ? req->timeout_ms : HTTP_TIMEOUT_DEFAULT_MS;

	if (budget_ms > 0 && budget_ms < t)
		t = budget_ms;
	return t;
}

/* Builds the easy handle; on failure the xfer is marked done with its error set. */
static int xfer_setup(struct xfer *x, long budget_ms)
{
	const struct http_req *req = x->req;
	bool has_body = req->body != NULL;
	bool sends_body = has_body || method_is(req, "POST") || method_is(req, "PUT") ||
			  method_is(req, "PATCH");
	long timeout = clamp_timeout(req, budget_ms), connect_timeout = timeout;
	char line[256];
	CURL *h;

	if (!req->url || !*req->url) {
		xfer_fail(x, HTTP_FAIL_LOCAL, CNI_ERR_INTERNAL, "request without a URL");
		return -1;
	}
	if (req->connect_timeout_ms > 0 && req->connect_timeout_ms < timeout)
		connect_timeout = req->connect_timeout_ms;
	x->max = req->max_response ? req->max_response : HTTP_MAX_RESPONSE_DEFAULT;
	h = x->h = curl_easy_init();
	if (!h)
		goto oom;
	if (req->tls.server_name && *req->tls.server_name && route_server_name(x) < 0) {
		xfer_fail(x, HTTP_FAIL_LOCAL, CNI_ERR_INVALID_CONFIG,
			  "cannot route the URL to the TLS server name");
		return -1;
	}
	if (curl_easy_setopt(h, CURLOPT_URL, x->url ? x->url : req->url) != CURLE_OK)
		goto oom;
	curl_easy_setopt(h, CURLOPT_PRIVATE, x);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
	/* Signals for DNS timeouts are not safe in a library that may run beside threads. */
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	/* Redirects would carry credentials to wherever the server points; none of our APIs
	 * redirect, so a 3xx is reported rather than followed. */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout);
	if (curl_easy_setopt(h, CURLOPT_USERAGENT,
			     req->user_agent ? req->user_agent : "vdn-cni") != CURLE_OK)
		goto oom;
	if (x->connect_to)
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, x->connect_to);

	if (method_is(req, "GET") && !has_body) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (method_is(req, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req_method(req)) != CURLE_OK) {
		goto oom;
	}
	if (sends_body) {
		/* An empty POST still needs Content-Length: 0, or servers answer 411. */
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(has_body ? req->body_len : 0));
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, has_body ? req->body : "");
		if (req->content_type || has_body) {
			snprintf(line, sizeof(line), "Content-Type: %s",
				 req->content_type ? req->content_type : "application/json");
			if (add_header(x, line) < 0)
				goto oom;
		} else if (add_header(x, "Content-Type:") < 0) {
			goto oom;
		}
	}
	/* curl waits up to a second for "100 Continue" on larger bodies; no server here needs it. */
	if (add_header(x, "Expect:") < 0)
		goto oom;
	for (const char *const *hdr = req->headers; hdr && *hdr; hdr++)
		if (add_header(x, *hdr) < 0)
			goto oom;
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->headers);

	if (set_auth(x) < 0) {
		xfer_fail(x, HTTP_FAIL_LOCAL, CNI_ERR_INTERNAL, "authentication without credentials");
		return -1;
	}
	if (set_tls(x) < 0) {
		xfer_fail(x, HTTP_FAIL_LOCAL, CNI_ERR_INVALID_CONFIG,
			  "TLS settings not supported by this libcurl");
		return -1;
	}
	return 0;
oom:
	xfer_fail(x, HTTP_FAIL_LOCAL, CNI_ERR_INTERNAL, "out of memory preparing the request");
	return -1;
}

static enum http_outcome classify(CURLcode rc, bool too_large, int *code)
{
	*code = CNI_ERR_TRY_AGAIN;
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return HTTP_FAIL_DNS;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_FAIL_TIMEOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_WEIRD_SERVER_REPLY:
		return HTTP_FAIL_CONNECT;
	case CURLE_FILESIZE_EXCEEDED:
		*code = CNI_ERR_REMOTE;
		return HTTP_FAIL_TOO_LARGE;
	case CURLE_WRITE_ERROR:
		*code = too_large ? CNI_ERR_REMOTE : CNI_ERR_INTERNAL;
		return too_large ? HTTP_FAIL_TOO_LARGE : HTTP_FAIL_LOCAL;
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
		/* our own certificate, key or CA could not be used: a configuration problem */
		*code = CNI_ERR_INVALID_CONFIG;
		return HTTP_FAIL_TLS;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
		*code = CNI_ERR_REMOTE;
		return HTTP_FAIL_TLS;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		*code = CNI_ERR_INVALID_CONFIG;
		return HTTP_FAIL_LOCAL;
	default:
		*code = CNI_ERR_INTERNAL;
		return HTTP_FAIL_LOCAL;
	}
}

const char *http_outcome_text(enum http_outcome o)
{
	switch (o) {
	case HTTP_OK:           return "ok";
	case HTTP_FAIL_STATUS:  return "error status";
	case HTTP_FAIL_CONNECT: return "cannot connect";
	case HTTP_FAIL_DNS:     return "cannot resolve the host";
	case HTTP_FAIL_TLS:     return "TLS failure";
	case HTTP_FAIL_TIMEOUT: return "timed out";
	case HTTP_FAIL_TOO_LARGE: return "answer too large";
	case HTTP_FAIL_LOCAL:   return "cannot make the request";
	}
	return "failed";
}

/* Errs on the side of "sent": a timeout after connecting may have delivered the request. */
static bool maybe_sent(CURL *h)
{
	long request_size = 0;
	curl_off_t connect_us = 0;

	if (!h)
		return false;
	curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_size);
	curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connect_us);
	return request_size > 0 || connect_us > 0;
}

static void xfer_finish(struct xfer *x, CURLcode rc)
{
	struct http_resp *resp = x->resp;
	char url[512];
	enum http_outcome o;
	int code;

	x->done = true;
	if (rc == CURLE_OK) {
		resp->request_sent = true;
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &resp->status);
		if (!x->buf) {
			x->buf = strdup("");
			if (!x->buf) {
				xfer_fail(x, HTTP_FAIL_LOCAL, CNI_ERR_INTERNAL, "out of memory");
				return;
			}
		}
		resp->body = x->buf;
		resp->body_len = x->len;
		x->buf = NULL;
		resp->outcome = resp->status >= 400 ? HTTP_FAIL_STATUS : HTTP_OK;
		return;
	}
	o = classify(rc, x->too_large, &code);
	resp->outcome = o;
	resp->request_sent = maybe_sent(x->h);
	http_url_safe(x->req->url, url, sizeof(url));
	if (o == HTTP_FAIL_TOO_LARGE) {
		snprintf(resp->transport_msg, sizeof(resp->transport_msg),
			 "answer larger than %zu bytes", x->max);
		cni_err_set(x->e, code, "%s %s: %s", req_method(x->req), url, resp->transport_msg);
		return;
	}
	snprintf(resp->transport_msg, sizeof(resp->transport_msg), "%s",
		 x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
	cni_err_set(x->e, code, "%s %s: %s: %s", req_method(x->req), url, http_outcome_text(o),
		    resp->transport_msg);
}

static void xfer_release(struct xfer *x, CURLM *multi)
{
	if (x->h) {
		if (x->added)
			curl_multi_remove_handle(multi, x->h);
		curl_easy_cleanup(x->h);
	}
	curl_slist_free_all(x->headers);
	curl_slist_free_all(x->connect_to);
	curl_free(x->url);
	free(x->buf);
}

int http_do_many(const struct http_req *reqs, struct http_resp *resps, int n, long budget_ms,
		 struct cni_err *errs)
{
	struct xfer *xs = NULL;
	CURLM *multi = NULL;
	long deadline = budget_ms > 0 ? now_ms() + budget_ms : 0;
	int running = 0, failed = 0;

	for (int i = 0; i < n; i++) {
		memset(&resps[i], 0, sizeof(resps[i]));
		if (errs)
			cni_err_clear(&errs[i]);
	}
	if (n <= 0)
		goto out;
	xs = calloc((size_t)n, sizeof(*xs));
	if (!xs) {
		for (int i = 0; i < n; i++) {
			resps[i].outcome = HTTP_FAIL_LOCAL;
			if (errs)
				cni_err_set(&errs[i], CNI_ERR_INTERNAL, "http: out of memory");
		}
		failed = n;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		xs[i].req = &reqs[i];
		xs[i].resp = &resps[i];
		xs[i].e = errs ? &errs[i] : &xs[i].scratch;
	}
	multi = curl_multi_init();
	for (int i = 0; i < n; i++) {
		if (!multi) {
			xfer_fail(&xs[i], HTTP_FAIL_LOCAL, CNI_ERR_INTERNAL, "out of memory");
			continue;
		}
		if (xfer_setup(&xs[i], budget_ms) < 0)
			continue;
		if (curl_multi_add_handle(multi, xs[i].h) != CURLM_OK) {
			xfer_fail(&xs[i], HTTP_FAIL_LOCAL, CNI_ERR_INTERNAL, "cannot start the request");
			continue;
		}
		xs[i].added = true;
	}
	while (multi) {
		struct CURLMsg *msg;
		int left, wait = 1000;

		if (curl_multi_perform(multi, &running) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(multi, &left))) {
			char *priv = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
			if (priv)
				xfer_finish((struct xfer *)priv, msg->data.result);
		}
		if (!running)
			break;
		if (deadline) {
			long remaining = deadline - now_ms();

			if (remaining <= 0)
				break;
			if (remaining < wait)
				wait = (int)remaining;
		}
		if (curl_multi_poll(multi, NULL, 0, wait, NULL) != CURLM_OK)
			break;
	}
	for (int i = 0; i < n; i++) {
		if (!xs[i].done) {
			char why[64];

			if (budget_ms > 0)
				snprintf(why, sizeof(why), "timed out: no answer within %ld ms",
					 budget_ms);
			else
				snprintf(why, sizeof(why), "transfer abandoned by libcurl");
			xfer_fail(&xs[i], HTTP_FAIL_TIMEOUT, CNI_ERR_TRY_AGAIN, why);
			resps[i].request_sent = maybe_sent(xs[i].h);
		}
		if (resps[i].outcome >= HTTP_FAIL_CONNECT)
			failed++;
		xfer_release(&xs[i], multi);
	}
out:
	curl_multi_cleanup(multi);
	free(xs);
	return failed;
}

int http_do(const struct http_req *req, struct http_resp *resp, struct cni_err *e)
{
	return http_do_many(req, resp, 1, 0, e) ? -1 : 0;
}

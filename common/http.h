/* HTTP client on libcurl for the REST APIs this project speaks (Kubernetes, vDHCP, ONOS):
 * one blocking request, or many in parallel under one time budget. */
#ifndef VDN_HTTP_H
#define VDN_HTTP_H
#include <stdbool.h>
#include <stddef.h>
#include "err.h"

#define HTTP_MAX_RESPONSE_DEFAULT ((size_t)4 << 20)
#define HTTP_TIMEOUT_DEFAULT_MS   30000L

enum http_auth_kind {
	HTTP_AUTH_NONE = 0,
	HTTP_AUTH_BASIC,   /* user + password */
	HTTP_AUTH_BEARER,  /* token, sent as "Authorization: Bearer <token>" */
};

struct http_auth {
	enum http_auth_kind kind;
	const char *user;
	const char *password;
	const char *token;
};

/* PEM may be given as a file path or in memory; the memory form wins when both are set. */
struct http_tls {
	const char *ca_file;
	const char *ca_pem;
	size_t ca_pem_len;
	const char *cert_file;
	const char *key_file;
	const char *cert_pem;
	size_t cert_pem_len;
	const char *key_pem;
	size_t key_pem_len;
	/* Name the server certificate must carry when it differs from the URL's host
	 * (kubeconfig tls-server-name); the connection still goes to the URL's host. */
	const char *server_name;
	bool insecure;     /* skip verification of the server certificate */
};

/* Nothing in a request is copied or freed by http.c; it must outlive the call. */
struct http_req {
	const char *method;             /* NULL means GET */
	const char *url;
	const char *const *headers;     /* NULL-terminated "Name: value" lines, or NULL */
	const char *body;               /* not copied; NULL for none */
	size_t body_len;
	const char *content_type;       /* NULL with a body means application/json */
	const char *user_agent;         /* NULL means "vdn-cni" */
	struct http_auth auth;
	struct http_tls tls;
	long connect_timeout_ms;        /* <= 0: bounded by timeout_ms only */
	long timeout_ms;                /* whole exchange; <= 0: HTTP_TIMEOUT_DEFAULT_MS */
	size_t max_response;            /* 0: HTTP_MAX_RESPONSE_DEFAULT */
};

/* How an exchange ended. Everything from HTTP_FAIL_CONNECT on means no usable answer. */
enum http_outcome {
	HTTP_OK = 0,            /* an answer with status < 400 */
	HTTP_FAIL_STATUS,       /* an answer with status >= 400; body and status are set */
	HTTP_FAIL_CONNECT,      /* refused, unreachable, reset, closed mid-answer */
	HTTP_FAIL_DNS,
	HTTP_FAIL_TLS,          /* handshake or certificate verification */
	HTTP_FAIL_TIMEOUT,
	HTTP_FAIL_TOO_LARGE,    /* the answer exceeded max_response */
	HTTP_FAIL_LOCAL,        /* bad request fields, unreadable cert/key, out of memory */
};

struct http_resp {
	enum http_outcome outcome;
	long status;            /* 0 when no answer arrived */
	char *body;             /* NUL-terminated, malloc'd (also for error statuses); NULL if none */
	size_t body_len;
	char transport_msg[256];/* curl's words for a failed exchange, "" otherwise */
	/* Some of the request left this host: a failed non-idempotent request (POST) may
	 * still have been carried out, so only an unsent one is safe to repeat. */
	bool request_sent;
};

/* curl_global_init/cleanup, once per process, before any thread starts. */
int http_global_init(struct cni_err *e);
void http_global_cleanup(void);

/* One blocking exchange. Returns 0 when an answer arrived, whatever its status (check
 * resp->status / resp->outcome); -1 when none did, with e naming method, URL and cause
 * (CNI_ERR_TRY_AGAIN for connect/DNS/timeout, CNI_ERR_REMOTE for TLS and oversize answers,
 * CNI_ERR_INVALID_CONFIG for unusable TLS material, CNI_ERR_INTERNAL otherwise).
 * resp is always filled and must be released with http_resp_free. */
int http_do(const struct http_req *req, struct http_resp *resp, struct cni_err *e);

/* n exchanges in parallel, all finished or abandoned within budget_ms (<= 0: each is bounded
 * by its own timeout only). resps[i] and errs[i] (errs may be NULL) as for http_do.
 * Returns how many requests got no answer (0 when every one did). */
int http_do_many(const struct http_req *reqs, struct http_resp *resps, int n, long budget_ms,
		 struct cni_err *errs);

void http_resp_free(struct http_resp *resp);

/* True for failures worth another attempt: connect errors, timeouts, 429 and 5xx. */
bool http_retryable(const struct http_resp *resp);

/* Copies url into out without its userinfo ("https://u:p@h/x" -> "https://h/x"), for messages. */
void http_url_safe(const char *url, char *out, size_t len);

/* Sets e to "<METHOD> <url>: <status> <reason>" (CNI_ERR_REMOTE) for a status >= 400.
 * Returns -1. */
int http_status_err(const struct http_req *req, const struct http_resp *resp, struct cni_err *e);

/* "cannot connect", "timed out", ... for messages about a failed exchange. */
const char *http_outcome_text(enum http_outcome o);

/* "Not Found" for 404 etc.; "" for codes it does not know. */
const char *http_reason(long status);

#endif

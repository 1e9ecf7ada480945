/* http.c against a local Python server: what goes on the wire, how failures are classified,
 * and that time and size bounds hold. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "helpers/fake_server.h"
#include "http.h"

struct fixture {
	struct fake_server srv;
	char url[256];
};

static int group_setup(void **state)
{
	struct cni_err e = { 0 };

	(void)state;
	/* a proxy from the environment would swallow requests meant for 127.0.0.1 */
	unsetenv("http_proxy");
	unsetenv("https_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("HTTPS_PROXY");
	unsetenv("ALL_PROXY");
	unsetenv("all_proxy");
	return http_global_init(&e);
}

static int group_teardown(void **state)
{
	(void)state;
	http_global_cleanup();
	return 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (fake_server_start(&f->srv, NULL) < 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fake_server_stop(&f->srv);
	free(f);
	return 0;
}

static const char *url(struct fixture *f, const char *path)
{
	snprintf(f->url, sizeof(f->url), "%s%s", f->srv.url, path);
	return f->url;
}

/* Runs req and returns the server's echo of it (the test frees it). */
static cJSON *echo_of(const struct http_req *req, struct http_resp *resp)
{
	struct cni_err e = { 0 };
	cJSON *echo;

	assert_int_equal(http_do(req, resp, &e), 0);
	assert_int_equal(resp->outcome, HTTP_OK);
	assert_int_equal(resp->status, 200);
	echo = cJSON_Parse(resp->body);
	assert_non_null(echo);
	return echo;
}

static const char *field(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_get_sends_headers_and_user_agent(void **state)
{
	struct fixture *f = *state;
	const char *headers[] = { "Accept: application/json", "X-Probe: 1", NULL };
	struct http_req req = { .url = url(f, "/echo"), .headers = headers };
	struct http_resp resp;
	cJSON *echo = echo_of(&req, &resp);

	assert_string_equal(field(echo, "method"), "GET");
	assert_string_equal(field(echo, "accept"), "application/json");
	assert_string_equal(field(echo, "userAgent"), "vdn-cni");
	assert_null(field(echo, "authorization"));
	assert_string_equal(field(echo, "body"), "");
	cJSON_Delete(echo);
	http_resp_free(&resp);
}

static void test_basic_auth_header_sent(void **state)
{
	struct fixture *f = *state;
	struct http_req req = {
		.url = url(f, "/echo"),
		.auth = { .kind = HTTP_AUTH_BASIC, .user = "onos", .password = "rocks" },
	};
	struct http_resp resp;
	cJSON *echo = echo_of(&req, &resp);

	/* base64("onos:rocks") */
	assert_string_equal(field(echo, "authorization"), "Basic b25vczpyb2Nrcw==");
	cJSON_Delete(echo);
	http_resp_free(&resp);
}

static void test_bearer_auth_header_sent(void **state)
{
	struct fixture *f = *state;
	struct http_req req = {
		.url = url(f, "/echo"),
		.auth = { .kind = HTTP_AUTH_BEARER, .token = "eyJ.tok.sig" },
	};
	struct http_resp resp;
	cJSON *echo = echo_of(&req, &resp);

	assert_string_equal(field(echo, "authorization"), "Bearer eyJ.tok.sig");
	cJSON_Delete(echo);
	http_resp_free(&resp);
}

static void test_body_and_content_type_sent(void **state)
{
	struct fixture *f = *state;
	const char body[] = "{\"metadata\":{\"annotations\":{\"a\":\"b\"}}}";
	struct http_req req = {
		.method = "PATCH", .url = url(f, "/echo"), .body = body, .body_len = strlen(body),
		.content_type = "application/merge-patch+json",
	};
	struct http_resp resp;
	cJSON *echo = echo_of(&req, &resp);

	assert_string_equal(field(echo, "method"), "PATCH");
	assert_string_equal(field(echo, "contentType"), "application/merge-patch+json");
	assert_string_equal(field(echo, "body"), body);
	cJSON_Delete(echo);
	http_resp_free(&resp);
}

static void test_body_without_type_is_json(void **state)
{
	struct fixture *f = *state;
	struct http_req req = { .method = "PUT", .url = url(f, "/echo"), .body = "{}", .body_len = 2 };
	struct http_resp resp;
	cJSON *echo = echo_of(&req, &resp);

	assert_string_equal(field(echo, "contentType"), "application/json");
	assert_string_equal(field(echo, "body"), "{}");
	cJSON_Delete(echo);
	http_resp_free(&resp);
}

static void test_empty_post_sends_no_form_type(void **state)
{
	struct fixture *f = *state;
	struct http_req req = { .method = "POST", .url = url(f, "/echo") };
	struct http_resp resp;
	cJSON *echo = echo_of(&req, &resp);

	/* curl would otherwise label an empty POST as a form */
	assert_string_equal(field(echo, "method"), "POST");
	assert_null(field(echo, "contentType"));
	assert_string_equal(field(echo, "body"), "");
	cJSON_Delete(echo);
	http_resp_free(&resp);
}

static void test_error_status_is_an_answer_with_body(void **state)
{
	struct fixture *f = *state;
	struct http_req req = { .method = "DELETE", .url = url(f, "/status/404") };
	struct http_resp resp;
	struct cni_err e = { 0 };
	char want[256];

	assert_int_equal(http_do(&req, &resp, &e), 0);
	assert_int_equal(resp.outcome, HTTP_FAIL_STATUS);
	assert_int_equal(resp.status, 404);
	assert_non_null(strstr(resp.body, "\"DELETE\""));
	/* an answered POST must not be repeated blindly: it was carried out or refused */
	assert_true(resp.request_sent);
	assert_false(http_retryable(&resp));
	assert_int_equal(http_status_err(&req, &resp, &e), -1);
	assert_int_equal(e.code, CNI_ERR_REMOTE);
	snprintf(want, sizeof(want), "DELETE %s/status/404: 404 Not Found", f->srv.url);
	assert_string_equal(e.msg, want);
	http_resp_free(&resp);
}

static void test_5xx_is_retryable(void **state)
{
	struct fixture *f = *state;
	struct http_req req = { .url = url(f, "/status/503") };
	struct http_resp resp;
	struct cni_err e = { 0 };

	assert_int_equal(http_do(&req, &resp, &e), 0);
	assert_int_equal(resp.status, 503);
	assert_true(http_retryable(&resp));
	http_resp_free(&resp);
}

static void test_connection_refused_is_transport_error(void **state)
{
	int port = fake_server_closed_port();
	char u[128], prefix[160];
	struct http_req req = { .url = u };
	struct http_resp resp;
	struct cni_err e = { 0 };

	(void)state;
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/x", port);
	assert_int_equal(http_do(&req, &resp, &e), -1);
	assert_int_equal(resp.outcome, HTTP_FAIL_CONNECT);
	assert_int_equal(resp.status, 0);
	assert_null(resp.body);
	assert_false(resp.request_sent);
	assert_true(http_retryable(&resp));
	assert_int_equal(e.code, CNI_ERR_TRY_AGAIN);
	snprintf(prefix, sizeof(prefix), "GET http://127.0.0.1:%d/x: cannot connect: ", port);
	assert_memory_equal(e.msg, prefix, strlen(prefix));
	assert_true(resp.transport_msg[0] != '\0');
	http_resp_free(&resp);
}

static void test_server_closing_without_answer_is_transport_error(void **state)
{
	struct fixture *f = *state;
	struct http_req req = { .url = url(f, "/close") };
	struct http_resp resp;
	struct cni_err e = { 0 };

	assert_int_equal(http_do(&req, &resp, &e), -1);
	assert_int_equal(resp.outcome, HTTP_FAIL_CONNECT);
	assert_true(resp.request_sent);
	assert_int_equal(e.code, CNI_ERR_TRY_AGAIN);
	http_resp_free(&resp);
}

static void test_timeout_bounds_a_hanging_server(void **state)
{
	struct fixture *f = *state;
	struct http_req req = { .url = url(f, "/hang"), .timeout_ms = 300 };
	struct http_resp resp;
	struct cni_err e = { 0 };
	long start = fake_now_ms(), took;

	assert_int_equal(http_do(&req, &resp, &e), -1);
	took = fake_now_ms() - start;
	assert_int_equal(resp.outcome, HTTP_FAIL_TIMEOUT);
	assert_int_equal(e.code, CNI_ERR_TRY_AGAIN);
	assert_non_null(strstr(e.msg, "timed out"));
	assert_true(took >= 250);
	assert_true(took < 1500);
	http_resp_free(&resp);
}

static void test_answer_over_the_limit_is_refused(void **state)
{
	struct fixture *f = *state;
	struct http_req req = { .url = url(f, "/big/5242880") };
	struct http_resp resp;
	struct cni_err e = { 0 };

	/* default limit 4 MiB, announced by Content-Length */
	assert_int_equal(http_do(&req, &resp, &e), -1);
	assert_int_equal(resp.outcome, HTTP_FAIL_TOO_LARGE);
	assert_int_equal(e.code, CNI_ERR_REMOTE);
	assert_non_null(strstr(e.msg, "larger than 4194304 bytes"));
	assert_null(resp.body);
	http_resp_free(&resp);

	/* no Content-Length: only counting the bytes catches it */
	req.url = url(f, "/stream/100001");
	req.max_response = 100000;
	assert_int_equal(http_do(&req, &resp, &e), -1);
	assert_int_equal(resp.outcome, HTTP_FAIL_TOO_LARGE);
	http_resp_free(&resp);

	req.url = url(f, "/stream/100000");
	assert_int_equal(http_do(&req, &resp, &e), 0);
	assert_int_equal(resp.body_len, 100000);
	assert_int_equal(strlen(resp.body), 100000);
	http_resp_free(&resp);
}

static void test_userinfo_and_password_never_in_messages(void **state)
{
	char u[128], safe[128];
	struct http_req req = {
		.url = u, .auth = { .kind = HTTP_AUTH_BASIC, .user = "onos", .password = "pw-s3cret" },
	};
	struct http_resp resp;
	struct cni_err e = { 0 };

	(void)state;
	snprintf(u, sizeof(u), "http://admin:url-s3cret@127.0.0.1:%d/vdhcp",
		 fake_server_closed_port());
	assert_int_equal(http_do(&req, &resp, &e), -1);
	assert_null(strstr(e.msg, "s3cret"));
	assert_null(strstr(e.msg, "admin"));
	assert_null(strstr(e.details, "s3cret"));
	http_resp_free(&resp);

	http_url_safe("https://u:p@h.example:6443/api?x=1", safe, sizeof(safe));
	assert_string_equal(safe, "https://h.example:6443/api?x=1");
	http_url_safe("http://h/a@b", safe, sizeof(safe));
	assert_string_equal(safe, "http://h/a@b");
	http_url_safe("http://[::1]:8181/x", safe, sizeof(safe));
	assert_string_equal(safe, "http://[::1]:8181/x");
}

static void test_do_many_runs_requests_in_parallel(void **state)
{
	struct fixture *f = *state;
	char urls[3][128];
	struct http_req reqs[3] = { 0 };
	struct http_resp resps[3];
	struct cni_err errs[3];
	long start, took;

	for (int i = 0; i < 3; i++) {
		snprintf(urls[i], sizeof(urls[i]), "%s/delay/300", f->srv.url);
		reqs[i].url = urls[i];
	}
	start = fake_now_ms();
	assert_int_equal(http_do_many(reqs, resps, 3, 5000, errs), 0);
	took = fake_now_ms() - start;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(resps[i].status, 200);
		assert_int_equal(errs[i].code, 0);
		http_resp_free(&resps[i]);
	}
	/* one after the other would take 900 ms */
	assert_true(took >= 290);
	assert_true(took < 800);
}

static void test_do_many_budget_abandons_the_slow_one(void **state)
{
	struct fixture *f = *state;
	char fast[128], slow[128], dead[128];
	struct http_req reqs[3] = { { .url = fast }, { .url = slow }, { .url = dead } };
	struct http_resp resps[3];
	struct cni_err errs[3];
	long start, took;

	snprintf(fast, sizeof(fast), "%s/echo", f->srv.url);
	snprintf(slow, sizeof(slow), "%s/hang", f->srv.url);
	snprintf(dead, sizeof(dead), "http://127.0.0.1:%d/", fake_server_closed_port());
	start = fake_now_ms();
	assert_int_equal(http_do_many(reqs, resps, 3, 400, errs), 2);
	took = fake_now_ms() - start;
	assert_int_equal(resps[0].outcome, HTTP_OK);
	assert_int_equal(resps[1].outcome, HTTP_FAIL_TIMEOUT);
	assert_int_equal(errs[1].code, CNI_ERR_TRY_AGAIN);
	assert_int_equal(resps[2].outcome, HTTP_FAIL_CONNECT);
	assert_true(took < 1500);
	for (int i = 0; i < 3; i++)
		http_resp_free(&resps[i]);
}

static void test_do_many_without_error_array(void **state)
{
	struct fixture *f = *state;
	struct http_req req = { .url = url(f, "/echo") };
	struct http_resp resp;

	assert_int_equal(http_do_many(&req, &resp, 1, 0, NULL), 0);
	assert_int_equal(resp.status, 200);
	http_resp_free(&resp);
	assert_int_equal(http_do_many(NULL, NULL, 0, 0, NULL), 0);
}

static void test_request_without_url_fails_cleanly(void **state)
{
	struct http_req req = { 0 };
	struct http_resp resp;
	struct cni_err e = { 0 };

	(void)state;
	assert_int_equal(http_do(&req, &resp, &e), -1);
	assert_int_equal(resp.outcome, HTTP_FAIL_LOCAL);
	assert_true(e.code != 0);
	http_resp_free(&resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get_sends_headers_and_user_agent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_basic_auth_header_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bearer_auth_header_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_and_content_type_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_without_type_is_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_post_sends_no_form_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_status_is_an_answer_with_body, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_5xx_is_retryable, setup, teardown),
		cmocka_unit_test(test_connection_refused_is_transport_error),
		cmocka_unit_test_setup_teardown(test_server_closing_without_answer_is_transport_error,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_bounds_a_hanging_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_over_the_limit_is_refused, setup, teardown),
		cmocka_unit_test(test_userinfo_and_password_never_in_messages),
		cmocka_unit_test_setup_teardown(test_do_many_runs_requests_in_parallel, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_do_many_budget_abandons_the_slow_one, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_do_many_without_error_array, setup, teardown),
		cmocka_unit_test(test_request_without_url_fails_cleanly),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/* Running delegates: CNI_PATH search, the environment handed over, stdin and stdout through
 * pipes (large ones too, without deadlock), and the delegate's error turned into ours. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "exec.h"

static char dir[64];

static void script(const char *name, const char *body)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/vdn-exec-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	script("echo-env", "cat >/dev/null; printf '{\"cmd\":\"%s\",\"ifname\":\"%s\",\"args\":\"%s\","
	       "\"keep\":\"%s\"}' \"$CNI_COMMAND\" \"$CNI_IFNAME\" \"$CNI_ARGS\" \"$KEEP_ME\"");
	script("cat", "cat");
	script("fail-json", "cat >/dev/null; echo '{\"cniVersion\":\"1.0.0\",\"code\":11,"
	       "\"msg\":\"server busy\",\"details\":\"retry\"}'; exit 1");
	script("fail-plain", "echo oops >&2; exit 3");
	script("killed", "kill -9 $$");
	script("no-stdin", "exit 0");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_find_searches_cni_path_in_order(void **state)
{
	char path[256], cni_path[256];
	struct cni_err e = { 0 };

	(void)state;
	snprintf(cni_path, sizeof(cni_path), "/nonexistent:%s:/usr/bin", dir);
	assert_int_equal(exec_find("cat", cni_path, path, sizeof(path), &e), 0);
	assert_true(strncmp(path, dir, strlen(dir)) == 0);
	assert_int_equal(exec_find("nope", cni_path, path, sizeof(path), &e), -1);
	assert_int_equal(e.code, CNI_ERR_DELEGATE);
	assert_string_equal(e.msg, "plugin \"nope\" not found");
	assert_int_equal(exec_find("../cat", cni_path, path, sizeof(path), &e), -1);
	assert_int_equal(e.code, CNI_ERR_INVALID_CONFIG);
	assert_int_equal(exec_find("cat", NULL, path, sizeof(path), &e), -1);
	assert_int_equal(e.code, CNI_ERR_INVALID_ENV);
}

static void test_environment_overrides_and_inheritance(void **state)
{
	struct exec_env env = { .command = "DEL", .ifname = "net1", .args = "A=1", .path = dir };
	struct cni_err e = { 0 };
	char *out = NULL;

	(void)state;
	setenv("KEEP_ME", "kept", 1);
	setenv("CNI_IFNAME", "eth0", 1);
	assert_int_equal(exec_plugin("echo-env", &env, "{}", 2, &out, &e), 0);
	assert_string_equal(out, "{\"cmd\":\"DEL\",\"ifname\":\"net1\",\"args\":\"A=1\","
			    "\"keep\":\"kept\"}");
	free(out);
	unsetenv("KEEP_ME");
	unsetenv("CNI_IFNAME");
}

static void test_large_stdin_and_stdout_do_not_deadlock(void **state)
{
	struct exec_env env = { .command = "ADD", .path = dir };
	struct cni_err e = { 0 };
	size_t len = 1 << 20;
	char *in = malloc(len), *out = NULL;

	(void)state;
	assert_non_null(in);
	for (size_t i = 0; i < len; i++)
		in[i] = (char)('a' + i % 26);
	assert_int_equal(exec_plugin("cat", &env, in, len, &out, &e), 0);
	assert_int_equal(strlen(out), len);
	assert_memory_equal(out, in, len);
	free(out);
	free(in);
}

static void test_delegate_error_json_keeps_its_code(void **state)
{
	struct exec_env env = { .command = "ADD", .path = dir };
	struct cni_err e = { 0 };
	char *out = (char *)1;

	(void)state;
	assert_int_equal(exec_plugin("fail-json", &env, "{}", 2, &out, &e), -1);
	assert_null(out);
	assert_int_equal(e.code, 11);
	assert_string_equal(e.msg, "fail-json: server busy");
	assert_string_equal(e.details, "retry");
}

static void test_failure_without_json_reports_exit_status_or_signal(void **state)
{
	struct exec_env env = { .command = "ADD", .path = dir };
	struct cni_err e = { 0 };
	char *out = NULL;

	(void)state;
	assert_int_equal(exec_plugin("fail-plain", &env, "{}", 2, &out, &e), -1);
	assert_int_equal(e.code, CNI_ERR_DELEGATE);
	assert_string_equal(e.msg, "fail-plain: exited with status 3 and no error JSON");
	assert_int_equal(exec_plugin("killed", &env, "{}", 2, &out, &e), -1);
	assert_string_equal(e.msg, "killed: killed by signal 9");
}

static void test_delegate_that_ignores_stdin_is_fine(void **state)
{
	struct exec_env env = { .command = "ADD", .path = dir };
	struct cni_err e = { 0 };
	size_t len = 1 << 20;
	char *in = calloc(1, len), *out = NULL;

	(void)state;
	assert_non_null(in);
	memset(in, ' ', len);
	/* the delegate exits without reading: we get EPIPE, not SIGPIPE */
	assert_int_equal(exec_plugin("no-stdin", &env, in, len, &out, &e), 0);
	assert_string_equal(out, "");
	free(out);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_searches_cni_path_in_order),
		cmocka_unit_test(test_environment_overrides_and_inheritance),
		cmocka_unit_test(test_large_stdin_and_stdout_do_not_deadlock),
		cmocka_unit_test(test_delegate_error_json_keeps_its_code),
		cmocka_unit_test(test_failure_without_json_reports_exit_status_or_signal),
		cmocka_unit_test(test_delegate_that_ignores_stdin_is_fine),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* The skeleton, run in a child process with a fake plugin: environment checks, version gates,
 * CNI_ARGS, the error JSON, the result printed in the config's version, and the undo of an
 * ADD whose result that version cannot express. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "cni.h"

static bool add_with_ip;

static int fake_add(struct cni_ctx *c, struct cni_result **out, struct cni_err *e)
{
	(void)e;
	*out = result_new();
	result_add_iface(*out, c->ifname, "02:00:00:00:00:01", c->netns);
	if (add_with_ip)
		result_add_ip(*out, "10.0.0.5/24", "10.0.0.1", 0);
	return 0;
}

static int fake_del(struct cni_ctx *c, struct cni_err *e)
{
	(void)c;
	(void)e;
	/* the parent learns about the undo through stderr */
	fprintf(stderr, "fake-del-called\n");
	return 0;
}

static const char *const known[] = { "MAC", NULL };
static const struct cni_plugin fake = { .name = "fake", .args_known = known, .add = fake_add,
					.del = fake_del };

struct run {
	int status;
	char out[8192];
	char err[8192];
	cJSON *json;
};

static void drain(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < len && (r = read(fd, buf + n, len - n - 1)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
}

/* env: NULL-terminated "K=V" list applied on a clean CNI_* environment. */
static void run_plugin(struct run *r, const char *const *env, const char *stdin_text)
{
	int in[2], out[2], err[2];
	pid_t pid;

	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *names[] = { "CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME",
					"CNI_ARGS", "CNI_PATH" };

		for (size_t i = 0; i < 6; i++)
			unsetenv(names[i]);
		for (size_t i = 0; env[i]; i++)
			putenv((char *)env[i]);
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(in[1]);
		close(out[0]);
		close(err[0]);
		exit(cni_main(&fake, 0, NULL));
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	/* A plugin that rejects its environment exits before reading stdin: EPIPE is fine. */
	if (stdin_text && write(in[1], stdin_text, strlen(stdin_text)) < 0)
		assert_int_equal(errno, EPIPE);
	close(in[1]);
	drain(out[0], r->out, sizeof(r->out));
	drain(err[0], r->err, sizeof(r->err));
	close(out[0]);
	close(err[0]);
	assert_int_equal(waitpid(pid, &r->status, 0), pid);
	r->json = cJSON_Parse(r->out);
}

static void expect_error(struct run *r, int code, const char *fragment)
{
	const cJSON *c, *m, *d;

	if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) == 0)
		fail_msg("expected failure, got status %d: %s", r->status, r->out);
	c = cJSON_GetObjectItem(r->json, "code");
	m = cJSON_GetObjectItem(r->json, "msg");
	d = cJSON_GetObjectItem(r->json, "details");
	assert_non_null(c);
	assert_non_null(m);
	if (c->valueint != code)
		fail_msg("code %d, want %d: %s", c->valueint, code, r->out);
	if (!strstr(m->valuestring, fragment) && !(d && strstr(d->valuestring, fragment)))
		fail_msg("\"%s\" not in %s", fragment, r->out);
	assert_non_null(cJSON_GetObjectItem(r->json, "cniVersion"));
}

static const char *conf10 = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"fake\"}";

static void test_all_missing_variables_named_at_once(void **state)
{
	const char *env[] = { "CNI_COMMAND=ADD", NULL };
	struct run r;

	(void)state;
	run_plugin(&r, env, conf10);
	expect_error(&r, 4, "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME] missing");
	cJSON_Delete(r.json);
}

static void test_del_needs_no_netns_status_needs_nothing(void **state)
{
	const char *del[] = { "CNI_COMMAND=DEL", "CNI_CONTAINERID=c1", "CNI_IFNAME=eth0", NULL };
	const char *status[] = { "CNI_COMMAND=STATUS", NULL };
	struct run r;

	(void)state;
	run_plugin(&r, del, conf10);
	assert_int_equal(WEXITSTATUS(r.status), 0);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "fake-del-called"));
	cJSON_Delete(r.json);
	run_plugin(&r, status, "{\"cniVersion\":\"1.1.0\",\"name\":\"n\"}");
	assert_int_equal(WEXITSTATUS(r.status), 0);
	cJSON_Delete(r.json);
}

static void test_bad_names_are_error_4(void **state)
{
	const char *bad_id[] = { "CNI_COMMAND=ADD", "CNI_CONTAINERID=-x", "CNI_NETNS=/x",
				 "CNI_IFNAME=eth0", NULL };
	const char *bad_if[] = { "CNI_COMMAND=ADD", "CNI_CONTAINERID=x", "CNI_NETNS=/x",
				 "CNI_IFNAME=a:b", NULL };
	struct run r;

	(void)state;
	run_plugin(&r, bad_id, conf10);
	expect_error(&r, 4, "invalid characters in CNI_CONTAINERID");
	cJSON_Delete(r.json);
	run_plugin(&r, bad_if, conf10);
	expect_error(&r, 4, "invalid CNI_IFNAME");
	cJSON_Delete(r.json);
}

static void test_version_gates(void **state)
{
	const char *check[] = { "CNI_COMMAND=CHECK", "CNI_CONTAINERID=x", "CNI_NETNS=/x",
				"CNI_IFNAME=eth0", NULL };
	const char *gc[] = { "CNI_COMMAND=GC", NULL };
	struct run r;

	(void)state;
	run_plugin(&r, check, "{\"cniVersion\":\"0.3.1\",\"name\":\"n\"}");
	expect_error(&r, 1, "config version does not allow CHECK");
	cJSON_Delete(r.json);
	run_plugin(&r, gc, conf10);
	expect_error(&r, 1, "config version does not allow GC");
	assert_string_equal(cJSON_GetObjectItem(r.json, "cniVersion")->valuestring, "1.0.0");
	cJSON_Delete(r.json);
}

static void test_unknown_cni_args_key(void **state)
{
	const char *env[] = { "CNI_COMMAND=ADD", "CNI_CONTAINERID=x", "CNI_NETNS=/x",
			      "CNI_IFNAME=eth0", "CNI_ARGS=MAC=02:00:00:00:00:01;FOO=1", NULL };
	struct run r;

	(void)state;
	run_plugin(&r, env, conf10);
	expect_error(&r, 4, "unknown key \"FOO\"");
	cJSON_Delete(r.json);
}

static void test_result_printed_in_config_version(void **state)
{
	const char *env[] = { "CNI_COMMAND=ADD", "CNI_CONTAINERID=x", "CNI_NETNS=/run/netns/p",
			      "CNI_IFNAME=eth0", NULL };
	struct run r;

	(void)state;
	add_with_ip = true;
	run_plugin(&r, env, "{\"cniVersion\":\"0.4.0\",\"name\":\"n\"}");
	assert_int_equal(WEXITSTATUS(r.status), 0);
	assert_string_equal(cJSON_GetObjectItem(r.json, "cniVersion")->valuestring, "0.4.0");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "ips"),
			    0), "version")->valuestring, "4");
	cJSON_Delete(r.json);
}

static void test_unexpressible_result_is_undone(void **state)
{
	const char *env[] = { "CNI_COMMAND=ADD", "CNI_CONTAINERID=x", "CNI_NETNS=/run/netns/p",
			      "CNI_IFNAME=eth0", NULL };
	struct run r;

	(void)state;
	add_with_ip = false;
	run_plugin(&r, env, "{\"cniVersion\":\"0.2.0\",\"name\":\"n\"}");
	expect_error(&r, 1, "no IP address");
	assert_non_null(strstr(r.err, "fake-del-called"));
	cJSON_Delete(r.json);
}

static void test_version_command_echoes(void **state)
{
	const char *env[] = { "CNI_COMMAND=VERSION", NULL };
	struct run r;

	(void)state;
	run_plugin(&r, env, "{\"cniVersion\":\"0.3.1\"}");
	assert_int_equal(WEXITSTATUS(r.status), 0);
	assert_string_equal(cJSON_GetObjectItem(r.json, "cniVersion")->valuestring, "0.3.1");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "supportedVersions")), 7);
	cJSON_Delete(r.json);
}

static void test_decode_and_unknown_command(void **state)
{
	const char *add[] = { "CNI_COMMAND=ADD", "CNI_CONTAINERID=x", "CNI_NETNS=/x",
			      "CNI_IFNAME=eth0", NULL };
	const char *frob[] = { "CNI_COMMAND=FROB", NULL };
	struct run r;

	(void)state;
	run_plugin(&r, add, "{\"cniVersion\":");
	expect_error(&r, 6, "not a JSON object");
	cJSON_Delete(r.json);
	run_plugin(&r, frob, conf10);
	expect_error(&r, 4, "unknown CNI_COMMAND: FROB");
	cJSON_Delete(r.json);
}

static void test_gc_valid_attachments_both_keys(void **state)
{
	struct cni_ctx c;
	struct cni_err e;
	const char *text = "{\"cniVersion\":\"1.1.0\",\"name\":\"n\","
		"\"cni.dev/valid-attachments\":[{\"containerID\":\"a\",\"ifname\":\"eth0\"}],"
		"\"cni.dev/attachments\":[{\"containerID\":\"b\",\"ifname\":\"net1\"}]}";

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(conf_parse(text, strlen(text), &c.conf, &e), 0);
	assert_true(cni_gc_attachment_valid(&c, "a", "eth0"));
	assert_true(cni_gc_attachment_valid(&c, "b", "net1"));
	assert_false(cni_gc_attachment_valid(&c, "a", "net1"));
	assert_false(cni_gc_attachment_valid(&c, "c", "eth0"));
	conf_free(&c.conf);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_missing_variables_named_at_once),
		cmocka_unit_test(test_del_needs_no_netns_status_needs_nothing),
		cmocka_unit_test(test_bad_names_are_error_4),
		cmocka_unit_test(test_version_gates),
		cmocka_unit_test(test_unknown_cni_args_key),
		cmocka_unit_test(test_result_printed_in_config_version),
		cmocka_unit_test(test_unexpressible_result_is_undone),
		cmocka_unit_test(test_version_command_echoes),
		cmocka_unit_test(test_decode_and_unknown_command),
		cmocka_unit_test(test_gc_valid_attachments_both_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

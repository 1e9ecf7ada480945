/* Logger: redaction of every secret form, the level filter, and the log file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "log.h"

struct tmp {
	char dir[64];
	char file[128];
	char err[128];
	int saved_stderr;
};

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/vdn-test-log.XXXXXX");
	if (!mkdtemp(t->dir)) {
		free(t);
		return -1;
	}
	snprintf(t->file, sizeof(t->file), "%s/plugin.log", t->dir);
	snprintf(t->err, sizeof(t->err), "%s/stderr", t->dir);
	t->saved_stderr = -1;
	log_init("test-log");
	*state = t;
	return 0;
}

/* stderr goes to a file only while the logger runs: cmocka reports failures on stderr. */
static void capture_start(struct tmp *t)
{
	int fd = open(t->err, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	t->saved_stderr = dup(STDERR_FILENO);
	assert_true(t->saved_stderr >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

static void capture_stop(struct tmp *t)
{
	if (t->saved_stderr < 0)
		return;
	dup2(t->saved_stderr, STDERR_FILENO);
	close(t->saved_stderr);
	t->saved_stderr = -1;
}

/* Runs after every test, failed ones included, so nothing is left in /tmp. */
static int teardown(void **state)
{
	struct tmp *t = *state;
	char path[192];

	log_close();
	log_configure(NULL, "warn");
	capture_stop(t);
	unlink(t->file);
	unlink(t->err);
	snprintf(path, sizeof(path), "%s/target", t->dir);
	unlink(path);
	rmdir(t->dir);
	free(t);
	return 0;
}

/* Whole file as a string; the test fails if it cannot be read. */
static char *slurp(const char *path)
{
	char *buf;
	FILE *f = fopen(path, "r");
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static void expect_redacted(const char *in, const char *want)
{
	char *buf = strdup(in);

	assert_non_null(buf);
	log_redact(buf);
	if (strcmp(buf, want) != 0) {
		print_error("in:   %s\ngot:  %s\nwant: %s\n", in, buf, want);
		free(buf);
		fail();
	}
	free(buf);
}

static void test_redact_json_fields(void **state)
{
	(void)state;
	expect_redacted("{\"user\": \"onos\", \"password\": \"rocks\"}",
			"{\"user\": \"onos\", \"password\": \"***\"}");
	expect_redacted("{\"password\":\"rocks\",\"url\":\"x\"}", "{\"password\":\"***\",\"url\":\"x\"}");
	expect_redacted("{\"PassWord\" :\t \"rocks\"}", "{\"PassWord\" :\t \"***\"}");
	expect_redacted("{\"passwd\": \"hunter2\"}", "{\"passwd\": \"***\"}");
	expect_redacted("{\"token\":\n\t\"eyJhbGciOi.x.y\"}", "{\"token\":\n\t\"***\"}");
	expect_redacted("{\"clientSecret\": \"s3cr3t\"}", "{\"clientSecret\": \"***\"}");
	expect_redacted("{\"client-key-data\": \"LS0tLS1CRUdJTiBSU0E=\"}",
			"{\"client-key-data\": \"***\"}");
	expect_redacted("{\"apiKey\": \"abc123\"}", "{\"apiKey\": \"***\"}");
	expect_redacted("{\"Authorization\": \"Basic b25vczpyb2Nrcw==\"}",
			"{\"Authorization\": \"***\"}");
	/* escaped quotes and a trailing escaped backslash inside the value */
	expect_redacted("{\"password\": \"a\\\"b\\\\\", \"user\": \"bob\"}",
			"{\"password\": \"***\", \"user\": \"bob\"}");
	expect_redacted("{\"password\": \"a\\\"b\\\"c\"}", "{\"password\": \"***\"}");
	/* JSON carried inside a JSON string, as a delegate's config is */
	expect_redacted("{\"conf\": \"{\\\"password\\\":\\\"rocks \\\\\\\"x\\\",\\\"n\\\":1}\"}",
			"{\"conf\": \"{\\\"password\\\":\\\"***\\\",\\\"n\\\":1}\"}");
	/* non-string scalars */
	expect_redacted("{\"passwd\": 123456, \"n\": 1}", "{\"passwd\": ***, \"n\": 1}");
	/* short values are masked without growing the text */
	expect_redacted("{\"token\": \"ab\"}", "{\"token\": \"**\"}");
	expect_redacted("{\"token\": \"\"}", "{\"token\": \"\"}");
	/* a message cut in the middle of a value */
	expect_redacted("{\"password\": \"rocks", "{\"password\": \"***");
	/* objects: the keys inside are judged on their own */
	expect_redacted("{\"secrets\": {\"name\": \"x\", \"token\": \"t0k3n\"}}",
			"{\"secrets\": {\"name\": \"x\", \"token\": \"***\"}}");
}

static void test_redact_leaves_other_text_alone(void **state)
{
	static const char *const same[] = {
		"{\"name\": \"eth0\", \"mode\": \"password\", \"type\": \"token\"}",
		"cannot read key: no such file",
		"token",
		"\"password\"",
		"\"password\" is required",
		"http://user@host/path",
		"bearer",
		"",
		"pod web-0 in default: vdnId=vdn-1;IP=10.0.0.5",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		expect_redacted(same[i], same[i]);
	log_redact(NULL);
}

static void test_redact_key_value_pairs(void **state)
{
	(void)state;
	expect_redacted("IP=1.2.3.4;PASSWORD=hunter2;MAC=aa", "IP=1.2.3.4;PASSWORD=***;MAC=aa");
	expect_redacted("GET /lease?user=a&token=abcdef&x=1", "GET /lease?user=a&token=***&x=1");
	expect_redacted("secret=abc def", "secret=*** def");
	expect_redacted("MY_API_KEY=0123456789", "MY_API_KEY=***");
	expect_redacted("key=ab", "key=**");
	expect_redacted("password=", "password=");
	expect_redacted("passwd=\"a b;c\" next", "passwd=\"***\" next");
	expect_redacted("{\"args\": \"token=abc\"}", "{\"args\": \"token=***\"}");
}

static void test_redact_authorization_headers(void **state)
{
	(void)state;
	expect_redacted("Authorization: Basic b25vczpyb2Nrcw==", "Authorization: Basic ***");
	expect_redacted("authorization:Bearer eyJhbGciOi.x.y", "authorization:Bearer ***");
	expect_redacted("> Authorization: Bearer abc\r\n> Accept: */*",
			"> Authorization: Bearer ***\r\n> Accept: */*");
	expect_redacted("Proxy-Authorization: Basic dXNlcjpwdw==", "Proxy-Authorization: Basic ***");
	expect_redacted("Authorization: rawtoken123", "Authorization: ***");
	expect_redacted("authorization=Basic%20abc", "authorization=***");
}

static void test_redact_bearer_anywhere(void **state)
{
	(void)state;
	expect_redacted("sending Bearer abc.def-ghi to the API", "sending Bearer *** to the API");
	expect_redacted("header 'bearer  xyz123'", "header 'bearer  ***'");
	expect_redacted("unbearer abc", "unbearer abc");
}

static void test_redact_url_userinfo(void **state)
{
	(void)state;
	expect_redacted("PUT http://onos:rocks@10.0.0.1:8181/vdn/v1/vdhcp/dhcp/aa-bb",
			"PUT http://onos:***@10.0.0.1:8181/vdn/v1/vdhcp/dhcp/aa-bb");
	expect_redacted("https://u:p@ss@host", "https://u:***@host");
	expect_redacted("{\"url\": \"https://admin:secretpw@k8s:6443\"}",
			"{\"url\": \"https://admin:***@k8s:6443\"}");
	expect_redacted("a http://x:y@h b ftp://c:dd@e/", "a http://x:*@h b ftp://c:**@e/");
	expect_redacted("http://host:8080/path@x", "http://host:8080/path@x");
}

/* Random mixes of the characters the scanners react to, in exactly sized heap buffers, so
 * that ASan (make SANITIZE=1) or valgrind catch any read past the end. */
static void test_redact_random_input_stays_in_bounds(void **state)
{
	static const char *const parts[] = {
		"\"", "\\", ":", "=", ";", "&", "@", "/", " ", "\t", "\n", "{", "}", ",", "x",
		"password", "Token", "key", "authorization", "Bearer ", "Basic ", "://", "u:p@",
		"**", "'", "ab",
	};
	unsigned int seed = 12345;
	char buf[256], *heap;
	size_t used, inlen, n;
	int round, i, count;

	(void)state;
	for (round = 0; round < 20000; round++) {
		used = 0;
		seed = seed * 1103515245u + 12345u;
		count = (int)((seed >> 16) % 24);
		for (i = 0; i < count; i++) {
			seed = seed * 1103515245u + 12345u;
			n = (seed >> 16) % (sizeof(parts) / sizeof(parts[0]));
			if (used + strlen(parts[n]) >= sizeof(buf))
				break;
			memcpy(buf + used, parts[n], strlen(parts[n]));
			used += strlen(parts[n]);
		}
		buf[used] = '\0';
		inlen = strlen(buf);
		heap = malloc(inlen + 1);
		assert_non_null(heap);
		memcpy(heap, buf, inlen + 1);
		log_redact(heap);
		assert_true(strlen(heap) <= inlen);
		free(heap);
	}
}

static void test_default_is_warn_to_stderr(void **state)
{
	struct tmp *t = *state;
	char *out;
	regex_t re;

	capture_start(t);
	log_info("not shown");
	log_warn("shown %d", 1);
	log_error("multi\nline\n");
	capture_stop(t);

	out = slurp(t->err);
	assert_int_equal(regcomp(&re,
				 "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
				 "test-log WARN shown 1\n"
				 "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
				 "test-log ERROR multi line\n$",
				 REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&re, out, 0, NULL, 0) != 0) {
		print_error("stderr was: [%s]\n", out);
		regfree(&re);
		free(out);
		fail();
	}
	regfree(&re);
	free(out);
}

static void test_file_gets_lines_at_its_level(void **state)
{
	struct tmp *t = *state;
	struct stat st;
	char *out;
	regex_t re;

	capture_start(t);
	assert_int_equal(log_configure(t->file, "info"), 0);
	log_debug("debug line");
	log_info("info line %s", "one");
	log_warn("warn line");
	log_close();
	capture_stop(t);

	assert_int_equal(stat(t->file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	out = slurp(t->file);
	assert_null(strstr(out, "debug line"));
	assert_int_equal(regcomp(&re,
				 "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
				 "test-log INFO info line one\n"
				 "[0-9-]{10}T[0-9:]{8}\\.[0-9]{3}Z test-log WARN warn line\n$",
				 REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&re, out, 0, NULL, 0) != 0) {
		print_error("file was: [%s]\n", out);
		regfree(&re);
		free(out);
		fail();
	}
	regfree(&re);
	free(out);

	/* error level: warnings are dropped; the file is appended to, not truncated */
	capture_start(t);
	assert_int_equal(log_configure(t->file, "ERROR"), 0);
	log_warn("dropped warning");
	log_error("kept error");
	log_close();
	capture_stop(t);
	out = slurp(t->file);
	assert_null(strstr(out, "dropped warning"));
	assert_non_null(strstr(out, "INFO info line one\n"));
	assert_non_null(strstr(out, "test-log ERROR kept error\n"));
	free(out);
}

static void test_secret_never_reaches_the_file(void **state)
{
	struct tmp *t = *state;
	char *out;

	capture_start(t);
	assert_int_equal(log_configure(t->file, "debug"), 0);
	log_info("config {\"servers\":[{\"url\":\"http://onos:Pw0rdXYZ@10.0.0.1/\","
		 "\"user\":\"onos\",\"password\":\"%s\"}]}", "Pw0rdXYZ");
	log_info("kube GET with Authorization: Bearer %s", "TokXYZ123");
	log_debug("CNI_ARGS=IgnoreUnknown=1;SECRET=%s", "SecXYZ");
	log_close();
	capture_stop(t);
	out = slurp(t->err);
	assert_null(strstr(out, "Pw0rdXYZ"));
	assert_null(strstr(out, "TokXYZ123"));
	assert_null(strstr(out, "SecXYZ"));
	free(out);
	out = slurp(t->file);
	assert_null(strstr(out, "Pw0rdXYZ"));
	assert_null(strstr(out, "TokXYZ123"));
	assert_null(strstr(out, "SecXYZ"));
	assert_non_null(strstr(out, "\"password\":\"***\""));
	assert_non_null(strstr(out, "Authorization: Bearer ***\n"));
	free(out);
}

static void test_long_message_is_written_whole(void **state)
{
	struct tmp *t = *state;
	char *big, *out;
	size_t n = 5000;

	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'x', n);
	big[n] = '\0';
	capture_start(t);
	assert_int_equal(log_configure(t->file, "info"), 0);
	log_warn("%s password=%s", big, "LongXYZ");
	log_close();
	capture_stop(t);
	out = slurp(t->file);
	assert_non_null(strstr(out, big));
	assert_non_null(strstr(out, " password=***\n"));
	assert_null(strstr(out, "LongXYZ"));
	free(out);
	free(big);
}

static void test_bad_level_and_bad_file_return_minus_1(void **state)
{
	struct tmp *t = *state;
	char path[192], *out;
	int fd;

	capture_start(t);
	assert_int_equal(log_configure(NULL, "verbose"), -1);
	log_info("hidden: a bad level name keeps warn");
	snprintf(path, sizeof(path), "%s/missing/plugin.log", t->dir);
	assert_int_equal(log_configure(path, "info"), -1);
	log_info("still running");

	/* a symlink planted where the log file goes is not followed */
	snprintf(path, sizeof(path), "%s/target", t->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(symlink(path, t->file), 0);
	assert_int_equal(log_configure(t->file, "info"), -1);
	log_error("must not reach the target");
	capture_stop(t);

	out = slurp(path);
	assert_string_equal(out, "");
	free(out);
	out = slurp(t->err);
	assert_non_null(strstr(out, "WARN unknown log level \"verbose\""));
	assert_non_null(strstr(out, "WARN cannot open log file "));
	assert_null(strstr(out, "hidden:"));
	assert_non_null(strstr(out, "INFO still running\n"));
	assert_non_null(strstr(out, "ERROR must not reach the target\n"));
	free(out);

	/* a NULL level keeps the one set above (info) */
	unlink(t->file);
	capture_start(t);
	assert_int_equal(log_configure(t->file, NULL), 0);
	log_info("level kept from the previous good call");
	log_close();
	capture_stop(t);
	out = slurp(t->file);
	assert_non_null(strstr(out, "INFO level kept"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact_json_fields),
		cmocka_unit_test(test_redact_leaves_other_text_alone),
		cmocka_unit_test(test_redact_key_value_pairs),
		cmocka_unit_test(test_redact_authorization_headers),
		cmocka_unit_test(test_redact_bearer_anywhere),
		cmocka_unit_test(test_redact_url_userinfo),
		cmocka_unit_test(test_redact_random_input_stays_in_bounds),
		cmocka_unit_test_setup_teardown(test_default_is_warn_to_stderr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_gets_lines_at_its_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_never_reaches_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_message_is_written_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_level_and_bad_file_return_minus_1, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

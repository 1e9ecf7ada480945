/* State files: atomic round trip, modes, path validation, symlink refusal, foreach. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "state.h"

struct tmp {
	char root[64];
	char dir[128];   /* the state folder, two levels below root, created by the test */
};

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->root, sizeof(t->root), "/tmp/vdn-test-state.XXXXXX");
	if (!mkdtemp(t->root)) {
		free(t);
		return -1;
	}
	snprintf(t->dir, sizeof(t->dir), "%s/lib/host-device", t->root);
	*state = t;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Runs after every test, failed ones included, so nothing is left in /tmp. */
static int teardown(void **state)
{
	struct tmp *t = *state;
	int ret = nftw(t->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);

	free(t);
	return ret;
}

static int ready(struct tmp *t)
{
	struct cni_err e = { 0 };

	return state_dir_ensure(t->dir, &e);
}

static cJSON *lease(const char *ip)
{
	cJSON *r = cJSON_CreateObject();

	assert_non_null(r);
	assert_non_null(cJSON_AddStringToObject(r, "ip", ip));
	assert_non_null(cJSON_AddNumberToObject(r, "leaseTime", 86400));
	return r;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void test_state_dir_default_and_override(void **state)
{
	struct cni_err e = { 0 };
	char out[64], tiny[8];

	(void)state;
	assert_int_equal(state_dir("macvlan", NULL, out, sizeof(out), &e), 0);
	assert_string_equal(out, "/var/lib/cni/vdn/macvlan");
	assert_int_equal(state_dir("macvlan", "", out, sizeof(out), &e), 0);
	assert_string_equal(out, "/var/lib/cni/vdn/macvlan");
	assert_int_equal(state_dir("macvlan", "/run/vdn", out, sizeof(out), &e), 0);
	assert_string_equal(out, "/run/vdn");
	assert_int_equal(state_dir("macvlan", NULL, tiny, sizeof(tiny), &e), -1);
	assert_int_equal(e.code, CNI_ERR_INVALID_CONFIG);
	assert_int_equal(state_dir("macvlan", "/a/very/long/state/dir", tiny, sizeof(tiny), &e), -1);
	assert_int_equal(e.code, CNI_ERR_INVALID_CONFIG);
}

static void test_dir_ensure_creates_parents_0700(void **state)
{
	struct tmp *t = *state;
	struct cni_err e = { 0 };
	char parent[192], file[192];
	struct stat st;
	int fd;

	assert_int_equal(state_dir_ensure(t->dir, &e), 0);
	assert_int_equal(stat(t->dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(parent, sizeof(parent), "%s/lib", t->root);
	assert_int_equal(stat(parent, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* again: an existing folder is fine */
	assert_int_equal(state_dir_ensure(t->dir, &e), 0);

	snprintf(file, sizeof(file), "%s/plain", t->root);
	fd = open(file, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(state_dir_ensure(file, &e), -1);
	assert_int_equal(e.code, CNI_ERR_STATE);
	snprintf(file, sizeof(file), "%s/plain/sub", t->root);
	assert_int_equal(state_dir_ensure(file, &e), -1);
	assert_int_equal(e.code, CNI_ERR_STATE);
	assert_non_null(strstr(e.msg, "/plain"));
}

static void test_write_read_remove_round_trip(void **state)
{
	struct tmp *t = *state;
	struct cni_err e = { 0 };
	cJSON *rec = lease("172.16.1.10"), *got = NULL;
	char path[PATH_MAX];
	struct stat st;

	assert_int_equal(ready(t), 0);
	assert_int_equal(state_write_atomic(t->dir, "c0ffee", "eth0", rec, &e), 0);
	/* the caller's record is not changed */
	assert_null(cJSON_GetObjectItem(rec, "containerID"));

	assert_int_equal(state_path(t->dir, "c0ffee", "eth0", path, sizeof(path), &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(t->dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* no temp file left beside the record */
	assert_int_equal(count_entries(t->dir), 1);

	assert_int_equal(state_read(t->dir, "c0ffee", "eth0", &got, &e), 0);
	assert_non_null(got);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(got, "ip")), "172.16.1.10");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(got, "containerID")), "c0ffee");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(got, "ifname")), "eth0");
	cJSON_Delete(got);
	got = NULL;

	/* overwrite: the new record replaces the old one */
	cJSON_Delete(rec);
	rec = lease("172.16.1.11");
	assert_int_equal(state_write_atomic(t->dir, "c0ffee", "eth0", rec, &e), 0);
	assert_int_equal(count_entries(t->dir), 1);
	assert_int_equal(state_read(t->dir, "c0ffee", "eth0", &got, &e), 0);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(got, "ip")), "172.16.1.11");
	cJSON_Delete(got);
	got = NULL;

	assert_int_equal(state_remove(t->dir, "c0ffee", "eth0", &e), 0);
	assert_int_equal(state_read(t->dir, "c0ffee", "eth0", &got, &e), 1);
	assert_null(got);
	/* removing what is gone is success: DEL is idempotent */
	assert_int_equal(state_remove(t->dir, "c0ffee", "eth0", &e), 0);
	assert_int_equal(count_entries(t->dir), 0);
	cJSON_Delete(rec);
}

/* Found by the soak: a writer SIGKILLed between its temp file and the rename left the temp file
 * for good. Removing the record removes those of dead writers, never a live writer's. */
static void test_remove_takes_temp_files_of_dead_writers(void **state)
{
	struct tmp *t = *state;
	struct cni_err e = { 0 };
	char dead[PATH_MAX], live[PATH_MAX], other[PATH_MAX];
	cJSON *rec = lease("172.16.1.12");
	FILE *f;

	assert_int_equal(ready(t), 0);
	assert_int_equal(state_write_atomic(t->dir, "c0ffee", "eth0", rec, &e), 0);
	/* pid_max is at most 2^22: 99999999 is no process */
	snprintf(dead, sizeof(dead), "%s/.c0ffee-eth0.json.tmp.99999999", t->dir);
	snprintf(live, sizeof(live), "%s/.c0ffee-eth0.json.tmp.%ld", t->dir, (long)getppid());
	snprintf(other, sizeof(other), "%s/.c0ffee-eth1.json.tmp.99999999", t->dir);
	for (const char *p = dead; p; p = p == dead ? live : p == live ? other : NULL) {
		f = fopen(p, "w");
		assert_non_null(f);
		fclose(f);
	}
	assert_int_equal(state_remove(t->dir, "c0ffee", "eth0", &e), 0);
	assert_int_equal(access(dead, F_OK), -1);
	assert_int_equal(access(live, F_OK), 0);
	assert_int_equal(access(other, F_OK), 0);
	unlink(live);
	unlink(other);
	cJSON_Delete(rec);
}

static void test_read_missing_record_or_folder_returns_1(void **state)
{
	struct tmp *t = *state;
	struct cni_err e = { 0 };
	cJSON *got = (cJSON *)&e;

	/* the folder itself does not exist yet: DEL before any ADD */
	assert_int_equal(state_read(t->dir, "abc", "eth0", &got, &e), 1);
	assert_null(got);
	assert_int_equal(state_remove(t->dir, "abc", "eth0", &e), 0);
	assert_int_equal(ready(t), 0);
	got = (cJSON *)&e;
	assert_int_equal(state_read(t->dir, "abc", "eth0", &got, &e), 1);
	assert_null(got);
}

static void expect_bad_path(const char *id, const char *ifname)
{
	struct cni_err e = { 0 };
	char out[PATH_MAX];

	if (state_path("/var/lib/cni/vdn/x", id, ifname, out, sizeof(out), &e) != -1)
		fail_msg("accepted id \"%s\" ifname \"%s\": %s", id ? id : "(null)",
			 ifname ? ifname : "(null)", out);
	assert_int_equal(e.code, CNI_ERR_INVALID_ENV);
}

static void test_path_validation_keeps_records_in_the_folder(void **state)
{
	struct cni_err e = { 0 };
	char out[PATH_MAX], longid[300];
	cJSON *rec = lease("10.0.0.1"), *got = NULL;

	(void)state;
	expect_bad_path("../x", "eth0");
	expect_bad_path("a/b", "eth0");
	expect_bad_path("", "eth0");
	expect_bad_path(NULL, "eth0");
	expect_bad_path(".hidden", "eth0");
	expect_bad_path("-x", "eth0");
	expect_bad_path("a b", "eth0");
	expect_bad_path("abc", "");
	expect_bad_path("abc", NULL);
	expect_bad_path("abc", ".");
	expect_bad_path("abc", "..");
	expect_bad_path("abc", "../x");
	expect_bad_path("abc", "a/b");
	expect_bad_path("abc", "a:b");
	expect_bad_path("abc", "a b");
	expect_bad_path("abc", "a\tb");
	expect_bad_path("abc", "abcdefghijklmnop");
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	expect_bad_path(longid, "eth0");

	assert_int_equal(state_path("/d", "A1_b.c-d", "abcdefghijklmno", out, sizeof(out), &e), 0);
	assert_string_equal(out, "/d/A1_b.c-d-abcdefghijklmno.json");
	assert_int_equal(state_path("/d", "abc", "..x", out, sizeof(out), &e), 0);
	assert_int_equal(state_path("/a/long/dir", "abc", "eth0", out, 12, &e), -1);
	assert_int_equal(e.code, CNI_ERR_INVALID_CONFIG);

	/* the other entry points validate too */
	assert_int_equal(state_write_atomic("/tmp", "../x", "eth0", rec, &e), -1);
	assert_int_equal(e.code, CNI_ERR_INVALID_ENV);
	assert_int_equal(state_read("/tmp", "abc", "a/b", &got, &e), -1);
	assert_int_equal(e.code, CNI_ERR_INVALID_ENV);
	assert_int_equal(state_remove("/tmp", "..", "eth0", &e), -1);
	assert_int_equal(e.code, CNI_ERR_INVALID_ENV);
	cJSON_Delete(rec);
}

static void test_symlink_in_place_of_record_is_refused(void **state)
{
	struct tmp *t = *state;
	struct cni_err e = { 0 };
	char path[PATH_MAX], target[PATH_MAX];
	cJSON *got = NULL, *rec = lease("10.0.0.9");
	struct stat st;
	int fd;

	assert_int_equal(ready(t), 0);
	snprintf(target, sizeof(target), "%s/elsewhere.json", t->root);
	fd = open(target, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"ip\":\"6.6.6.6\"}", 16), 16);
	close(fd);
	assert_int_equal(state_path(t->dir, "abc", "eth0", path, sizeof(path), &e), 0);
	assert_int_equal(symlink(target, path), 0);

	assert_int_equal(state_read(t->dir, "abc", "eth0", &got, &e), -1);
	assert_null(got);
	assert_int_equal(e.code, CNI_ERR_STATE);
	assert_non_null(strstr(e.msg, path));

	/* a write replaces the link itself and leaves its target alone */
	assert_int_equal(state_write_atomic(t->dir, "abc", "eth0", rec, &e), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_size, 16);
	cJSON_Delete(rec);
}

static void test_bad_json_record_is_error_105(void **state)
{
	struct tmp *t = *state;
	struct cni_err e = { 0 };
	char path[PATH_MAX];
	cJSON *got = NULL, *rec = lease("10.0.0.2");
	int fd;

	assert_int_equal(ready(t), 0);
	assert_int_equal(state_path(t->dir, "abc", "eth0", path, sizeof(path), &e), 0);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"ip\":", 6), 6);
	close(fd);
	assert_int_equal(state_read(t->dir, "abc", "eth0", &got, &e), -1);
	assert_null(got);
	assert_int_equal(e.code, CNI_ERR_STATE);
	assert_non_null(strstr(e.msg, path));
	/* a broken record does not block a fresh ADD, nor a DEL */
	assert_int_equal(state_write_atomic(t->dir, "abc", "eth0", rec, &e), 0);
	assert_int_equal(state_read(t->dir, "abc", "eth0", &got, &e), 0);
	cJSON_Delete(got);
	fd = open(path, O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(state_remove(t->dir, "abc", "eth0", &e), 0);
	assert_int_equal(count_entries(t->dir), 0);
	cJSON_Delete(rec);
}

static void test_write_failure_leaves_no_temp_file(void **state)
{
	struct tmp *t = *state;
	struct cni_err e = { 0 };
	char path[PATH_MAX];
	cJSON *rec = lease("10.0.0.3");

	assert_int_equal(ready(t), 0);
	/* a folder where the record goes makes the rename fail after the temp is written */
	assert_int_equal(state_path(t->dir, "abc", "eth0", path, sizeof(path), &e), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(state_write_atomic(t->dir, "abc", "eth0", rec, &e), -1);
	assert_int_equal(e.code, CNI_ERR_STATE);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "rename"));
	assert_int_equal(count_entries(t->dir), 1);
	/* a missing folder: nothing is created */
	snprintf(path, sizeof(path), "%s/missing", t->dir);
	assert_int_equal(state_write_atomic(path, "abc", "eth0", rec, &e), -1);
	assert_int_equal(e.code, CNI_ERR_STATE);
	cJSON_Delete(rec);
}

static void test_same_file_name_for_two_attachments(void **state)
{
	struct tmp *t = *state;
	struct cni_err e = { 0 };
	cJSON *rec = lease("10.0.0.4"), *got = NULL;

	assert_int_equal(ready(t), 0);
	/* "a-b" + "c" and "a" + "b-c" both give a-b-c.json */
	assert_int_equal(state_write_atomic(t->dir, "a-b", "c", rec, &e), 0);
	assert_int_equal(state_read(t->dir, "a", "b-c", &got, &e), 1);
	assert_null(got);
	assert_int_equal(state_write_atomic(t->dir, "a", "b-c", rec, &e), -1);
	assert_int_equal(e.code, CNI_ERR_STATE);
	assert_int_equal(state_remove(t->dir, "a", "b-c", &e), 0);
	assert_int_equal(state_read(t->dir, "a-b", "c", &got, &e), 0);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(got, "containerID")), "a-b");
	cJSON_Delete(got);
	cJSON_Delete(rec);
}

struct visit {
	int n;
	char seen[8][64];
	int stop_after;
	const char *remove_dir;
};

static int note_record(const char *id, const char *ifname, cJSON *record, void *arg)
{
	struct visit *v = arg;
	struct cni_err e = { 0 };

	assert_true(v->n < 8);
	snprintf(v->seen[v->n], sizeof(v->seen[0]), "%s|%s|%s", id, ifname,
		 cJSON_GetStringValue(cJSON_GetObjectItem(record, "ip")));
	v->n++;
	if (v->remove_dir)
		assert_int_equal(state_remove(v->remove_dir, id, ifname, &e), 0);
	return v->stop_after && v->n == v->stop_after ? 42 : 0;
}

static void put_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_foreach_visits_every_record_with_its_id_and_ifname(void **state)
{
	struct tmp *t = *state;
	struct cni_err e = { 0 };
	struct visit v = { 0 };
	cJSON *r1 = lease("10.0.0.1"), *r2 = lease("10.0.0.2"), *r3 = lease("10.0.0.3");
	char link[PATH_MAX];
	int saved, devnull;

	/* a folder that does not exist yet has no records */
	assert_int_equal(state_foreach(t->dir, note_record, &v, &e), 0);
	assert_int_equal(v.n, 0);

	assert_int_equal(ready(t), 0);
	assert_int_equal(state_write_atomic(t->dir, "c1", "eth0", r1, &e), 0);
	assert_int_equal(state_write_atomic(t->dir, "pod-a-1", "net-1", r2, &e), 0);
	assert_int_equal(state_write_atomic(t->dir, "abc", "x", r3, &e), 0);
	/* none of these is a record */
	put_file(t->dir, ".c1-eth0.json.tmp.4242", "{\"containerID\":\"c1\",\"ifname\":\"eth0\"}");
	put_file(t->dir, "garbage.json", "not json");
	put_file(t->dir, "notes.txt", "{}");
	put_file(t->dir, "copy-eth0.json", "{\"containerID\":\"c1\",\"ifname\":\"eth0\"}");
	put_file(t->dir, "old-eth0.json", "{\"ip\":\"10.0.0.9\"}");
	snprintf(link, sizeof(link), "%s/c1-eth0-ln.json", t->dir);
	assert_int_equal(symlink("c1-eth0.json", link), 0);

	/* the skipped files are reported as warnings; keep them off the test output */
	devnull = open("/dev/null", O_WRONLY);
	assert_true(devnull >= 0);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(devnull, STDERR_FILENO), STDERR_FILENO);
	close(devnull);
	assert_int_equal(state_foreach(t->dir, note_record, &v, &e), 0);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);

	assert_int_equal(v.n, 3);
	assert_string_equal(v.seen[0], "abc|x|10.0.0.3");
	assert_string_equal(v.seen[1], "c1|eth0|10.0.0.1");
	assert_string_equal(v.seen[2], "pod-a-1|net-1|10.0.0.2");

	cJSON_Delete(r1);
	cJSON_Delete(r2);
	cJSON_Delete(r3);
}

static void test_foreach_stops_on_callback_value_and_allows_removal(void **state)
{
	struct tmp *t = *state;
	struct cni_err e = { 0 };
	struct visit v = { 0 };
	cJSON *r = lease("10.0.0.1");

	assert_int_equal(ready(t), 0);
	assert_int_equal(state_write_atomic(t->dir, "a1", "eth0", r, &e), 0);
	assert_int_equal(state_write_atomic(t->dir, "a2", "eth0", r, &e), 0);
	assert_int_equal(state_write_atomic(t->dir, "a3", "eth0", r, &e), 0);

	v.stop_after = 2;
	assert_int_equal(state_foreach(t->dir, note_record, &v, &e), 42);
	assert_int_equal(v.n, 2);

	memset(&v, 0, sizeof(v));
	v.remove_dir = t->dir;
	assert_int_equal(state_foreach(t->dir, note_record, &v, &e), 0);
	assert_int_equal(v.n, 3);
	assert_int_equal(count_entries(t->dir), 0);
	cJSON_Delete(r);
}

static void test_file_read_all_bounds_and_errors(void **state)
{
	struct tmp *t = *state;
	struct cni_err e = { 0 };
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;

	put_file(t->root, "conf.json", "{\"a\":1}");
	snprintf(path, sizeof(path), "%s/conf.json", t->root);
	assert_int_equal(file_read_all(path, 7, &buf, &len, &e), 0);
	assert_int_equal(len, 7);
	assert_string_equal(buf, "{\"a\":1}");
	free(buf);
	buf = NULL;

	assert_int_equal(file_read_all(path, 6, &buf, &len, &e), -1);
	assert_null(buf);
	assert_int_equal(e.code, CNI_ERR_IO);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "is larger than 6 bytes"));

	put_file(t->root, "empty", "");
	snprintf(path, sizeof(path), "%s/empty", t->root);
	assert_int_equal(file_read_all(path, 0, &buf, &len, &e), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	buf = NULL;

	snprintf(path, sizeof(path), "%s/missing", t->root);
	assert_int_equal(file_read_all(path, 100, &buf, NULL, &e), -1);
	assert_null(buf);
	assert_int_equal(e.code, CNI_ERR_IO);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "No such file"));

	/* not a regular file: the size is only known by reading */
	assert_int_equal(file_read_all("/dev/zero", 100, &buf, &len, &e), -1);
	assert_int_equal(e.code, CNI_ERR_IO);
	assert_non_null(strstr(e.msg, "is larger than 100 bytes"));
	assert_int_equal(file_read_all("/dev/null", 100, &buf, &len, &e), 0);
	assert_int_equal(len, 0);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_dir_default_and_override),
		cmocka_unit_test_setup_teardown(test_dir_ensure_creates_parents_0700, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_read_remove_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_missing_record_or_folder_returns_1, setup,
						teardown),
		cmocka_unit_test(test_path_validation_keeps_records_in_the_folder),
		cmocka_unit_test_setup_teardown(test_symlink_in_place_of_record_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_json_record_is_error_105, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure_leaves_no_temp_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_same_file_name_for_two_attachments, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_foreach_visits_every_record_with_its_id_and_ifname,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreach_stops_on_callback_value_and_allows_removal,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_read_all_bounds_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_takes_temp_files_of_dead_writers, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

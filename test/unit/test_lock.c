/* File locks: a second holder, in another process, waits and times out with code 11. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "lock.h"

struct tmp {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/vdn-test-lock.XXXXXX");
	if (!mkdtemp(t->dir)) {
		free(t);
		return -1;
	}
	snprintf(t->path, sizeof(t->path), "%s/pool.lock", t->dir);
	*state = t;
	return 0;
}

/* Runs after every test, failed ones included, so nothing is left in /tmp. */
static int teardown(void **state)
{
	struct tmp *t = *state;
	char other[192];

	unlink(t->path);
	snprintf(other, sizeof(other), "%s/target", t->dir);
	unlink(other);
	rmdir(t->dir);
	free(t);
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Exit status of a child that tries the lock: 0 when the outcome was `want_code` (0 = got it),
 * 1 otherwise, 2 when it returned too early. cmocka must not run in the child. */
static pid_t try_in_child(const char *path, int timeout_ms, int want_code)
{
	pid_t pid = fork();
	struct cni_err e = { 0 };
	char want[256];
	long long start;
	int fd;

	assert_true(pid >= 0);
	if (pid > 0)
		return pid;
	start = now_ms();
	fd = lock_acquire(path, timeout_ms, &e);
	if (want_code == 0)
		_exit(fd >= 0 ? 0 : 1);
	snprintf(want, sizeof(want), "timed out after %d ms waiting for lock %s", timeout_ms,
		 path);
	if (fd >= 0 || e.code != want_code || strcmp(e.msg, want) != 0)
		_exit(1);
	_exit(now_ms() - start >= timeout_ms ? 0 : 2);
}

static int child_status(pid_t pid)
{
	int status = 0;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_second_holder_times_out_with_code_11(void **state)
{
	struct tmp *t = *state;
	struct cni_err e = { 0 };
	struct stat st;
	int fd;

	fd = lock_acquire(t->path, 100, &e);
	assert_true(fd >= 0);
	assert_int_equal(stat(t->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	assert_int_equal(child_status(try_in_child(t->path, 150, CNI_ERR_TRY_AGAIN)), 0);

	lock_release(fd);
	assert_int_equal(child_status(try_in_child(t->path, 150, 0)), 0);
}

static void test_waiter_gets_the_lock_once_it_is_released(void **state)
{
	struct tmp *t = *state;
	struct cni_err e = { 0 };
	struct timespec pause = { .tv_sec = 0, .tv_nsec = 200 * 1000000L };
	pid_t pid;
	int fd;

	fd = lock_acquire(t->path, 0, &e);
	assert_true(fd >= 0);
	pid = try_in_child(t->path, 5000, 0);
	nanosleep(&pause, NULL);
	lock_release(fd);
	assert_int_equal(child_status(pid), 0);
	/* the child's exit dropped its lock */
	fd = lock_acquire(t->path, 0, &e);
	assert_true(fd >= 0);
	lock_release(fd);
}

static void test_zero_timeout_tries_once(void **state)
{
	struct tmp *t = *state;
	struct cni_err e = { 0 };
	int fd, again;

	fd = lock_acquire(t->path, 0, &e);
	assert_true(fd >= 0);
	/* a second descriptor in the same process is a second holder for flock */
	again = lock_acquire(t->path, 0, &e);
	assert_int_equal(again, -1);
	assert_int_equal(e.code, CNI_ERR_TRY_AGAIN);
	lock_release(fd);
	lock_release(-1);
}

static void test_open_failures_are_state_errors(void **state)
{
	struct tmp *t = *state;
	struct cni_err e = { 0 };
	char path[192], target[192];

	snprintf(path, sizeof(path), "%s/missing/pool.lock", t->dir);
	assert_int_equal(lock_acquire(path, 10, &e), -1);
	assert_int_equal(e.code, CNI_ERR_STATE);
	assert_non_null(strstr(e.msg, path));

	/* a symlink planted at the lock path is not followed */
	snprintf(target, sizeof(target), "%s/target", t->dir);
	assert_int_equal(symlink(target, t->path), 0);
	assert_int_equal(lock_acquire(t->path, 10, &e), -1);
	assert_int_equal(e.code, CNI_ERR_STATE);
	assert_int_equal(access(target, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_second_holder_times_out_with_code_11, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_waiter_gets_the_lock_once_it_is_released, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_zero_timeout_tries_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_failures_are_state_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

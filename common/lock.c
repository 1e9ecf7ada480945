/* Exclusive file locks (flock) with a deadline, so that two plugin runs racing for the same
 * pool or record wait for each other, and a stuck holder turns into "try again later". */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include "lock.h"

static long long now_ms(void)
{
	struct timespec ts;

	/* Monotonic: an NTP step while we wait must not stretch or cut the timeout. */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int lock_acquire(const char *path, int timeout_ms, struct cni_err *e)
{
	long long deadline, left, pause = 5;
	int fd, ret = -1;

	/* O_NOFOLLOW: we run as root; a link planted at the lock path must not make us create
	 * or lock a file somewhere else. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return cni_err_set(e, CNI_ERR_STATE, "cannot open lock file %s: %s", path,
				   strerror(errno));
	deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	/* Polling, not a blocking flock with an alarm: no signal handler to install, and the
	 * short first sleeps keep the usual, brief contention cheap. */
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			cni_err_set(e, CNI_ERR_STATE, "cannot lock %s: %s", path, strerror(errno));
			goto out;
		}
		left = deadline - now_ms();
		if (left <= 0) {
			cni_err_set(e, CNI_ERR_TRY_AGAIN, "timed out after %d ms waiting for lock %s",
				    timeout_ms > 0 ? timeout_ms : 0, path);
			goto out;
		}
		sleep_ms(pause < left ? pause : left);
		pause = pause * 2 > 50 ? 50 : pause * 2;
	}
	ret = fd;
out:
	if (ret < 0)
		close(fd);
	return ret;
}

void lock_release(int fd)
{
	if (fd < 0)
		return;
	/* close() alone would drop the lock too, but only once every dup of fd is closed. */
	flock(fd, LOCK_UN);
	close(fd);
}

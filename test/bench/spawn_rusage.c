/* Runs one command with stdin from a file and reports the child's own cost:
 * "<cpu_us> <wall_us> <maxrss_kib> <exit>" on REPORT-FD. posix_spawn (vfork) keeps the child's
 * peak RSS and CPU free of a copy of the caller, which a fork from Python would add.
 * CPU time is the scheduler's exact runtime from /proc/<pid>/schedstat, read while the child
 * is a zombie: rusage times are tick-sampled (4 ms at HZ=250 here), too coarse for a plugin
 * that runs for about a millisecond. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	struct timespec t0, t1;
	struct rusage ru;
	unsigned long long runtime_ns = 0;
	int status, in, null;
	pid_t pid;
	FILE *report;

	if (argc < 4) {
		fprintf(stderr, "usage: spawn_rusage REPORT-FD STDIN-FILE COMMAND [ARGS...]\n");
		return 2;
	}
	in = open(argv[2], O_RDONLY | O_CLOEXEC);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	report = fdopen(atoi(argv[1]), "w");
	if (in < 0 || null < 0 || !report) {
		perror("spawn_rusage");
		return 2;
	}
	if (posix_spawn_file_actions_init(&fa) ||
	    posix_spawn_file_actions_adddup2(&fa, in, 0) ||
	    posix_spawn_file_actions_adddup2(&fa, null, 1))
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (posix_spawn(&pid, argv[3], &fa, NULL, argv + 3, environ)) {
		perror("posix_spawn");
		return 2;
	}
	{
		siginfo_t info;
		char path[64];
		FILE *f;

		if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0) {
			perror("waitid");
			return 2;
		}
		snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
		f = fopen(path, "r");
		if (!f || fscanf(f, "%llu", &runtime_ns) != 1) {
			perror(path);
			return 2;
		}
		fclose(f);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("wait4");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(report, "%ld %ld %ld %d\n",
		(long)(runtime_ns / 1000),
		(long)((t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000),
		ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	fclose(report);
	posix_spawn_file_actions_destroy(&fa);
	return 0;
}

/* Runs one command with stdin from a file and reports its cost:
 * "<cpu_us> <wall_us> <maxrss_kib> <exit>" on REPORT-FD.
 * CPU is the kernel's task clock of the command and of every process it starts (IPAM,
 * multicni's delegates), counted from its exec by a perf counter with inherit and
 * enable_on_exec: exact, where rusage times are tick-sampled (4 ms at HZ=250 here), too
 * coarse for a plugin that lives about a millisecond. Peak RSS comes from wait4 and includes
 * this small runner's pages before the exec. */
#include <fcntl.h>
#include <signal.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct perf_event_attr attr;
	struct timespec t0, t1;
	struct rusage ru;
	uint64_t task_clock_ns = 0;
	int status, in, go[2], counter;
	char byte = 0;
	pid_t pid;
	FILE *report;

	if (argc < 4) {
		fprintf(stderr, "usage: spawn_rusage REPORT-FD STDIN-FILE COMMAND [ARGS...]\n");
		return 2;
	}
	in = open(argv[2], O_RDONLY | O_CLOEXEC);
	report = fdopen(atoi(argv[1]), "w");
	if (in < 0 || !report || pipe2(go, O_CLOEXEC)) {
		perror("spawn_rusage");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		/* wait until the counter is attached, then become the command */
		int null = open("/dev/null", O_WRONLY);

		close(go[1]);
		if (read(go[0], &byte, 1) != 1 || dup2(in, 0) < 0 || null < 0 || dup2(null, 1) < 0)
			_exit(127);
		execv(argv[3], argv + 3);
		_exit(127);
	}
	close(go[0]);
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_TASK_CLOCK;
	attr.disabled = 1;
	attr.inherit = 1;
	attr.enable_on_exec = 1;
	counter = (int)syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (counter < 0) {
		perror("perf_event_open");
		kill(pid, SIGKILL);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (write(go[1], &byte, 1) != 1) {
		perror("write");
		return 2;
	}
	close(go[1]);
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("wait4");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (read(counter, &task_clock_ns, sizeof(task_clock_ns)) != sizeof(task_clock_ns)) {
		perror("read counter");
		return 2;
	}
	close(counter);
	fprintf(report, "%ld %ld %ld %d\n", (long)(task_clock_ns / 1000),
		(long)((t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000),
		ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	fclose(report);
	return 0;
}

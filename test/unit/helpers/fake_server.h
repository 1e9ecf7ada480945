/* Starts test/unit/helpers/fake_http.py for one test and stops it again; shared by the unit
 * tests of http.c and kube.c. Header-only (static inline) because each test is one file. */
#ifndef VDN_TEST_FAKE_SERVER_H
#define VDN_TEST_FAKE_SERVER_H
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct fake_server {
	pid_t pid;
	int port;
	char url[64];           /* http://127.0.0.1:<port> (https with TLS) */
};

/* The script sits beside this header; __FILE__ is relative to the folder make runs in,
 * which is also where the tests run. */
static inline void fake_server_script(char *out, size_t len)
{
	const char *here = __FILE__, *slash = strrchr(here, '/');

	snprintf(out, len, "%.*s/fake_http.py", slash ? (int)(slash - here) : 1,
		 slash ? here : ".");
}

/* tls: NULL, or {cert, key, ca} paths for an HTTPS server that requires a client cert. */
static inline int fake_server_start(struct fake_server *s, const char *const *tls)
{
	char script[512], line[32] = "";
	int fds[2], ret = -1;
	size_t used = 0;
	pid_t pid;

	memset(s, 0, sizeof(*s));
	fake_server_script(script, sizeof(script));
	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		/* a crashed test must not leave its server running */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		if (tls)
			execl("/usr/bin/python3", "python3", script, "--tls", tls[0], tls[1], tls[2],
			      (char *)NULL);
		else
			execl("/usr/bin/python3", "python3", script, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	s->pid = pid;
	while (used < sizeof(line) - 1 && !strchr(line, '\n')) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0)
			break;
		n = read(fds[0], line + used, sizeof(line) - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		line[used] = '\0';
	}
	close(fds[0]);
	s->port = atoi(line);
	if (s->port <= 0)
		goto out;
	snprintf(s->url, sizeof(s->url), "%s://127.0.0.1:%d", tls ? "https" : "http", s->port);
	ret = 0;
out:
	if (ret < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		s->pid = 0;
	}
	return ret;
}

static inline void fake_server_stop(struct fake_server *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
}

/* A port nothing listens on: bound, read back and closed again. */
static inline int fake_server_closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static inline long fake_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif

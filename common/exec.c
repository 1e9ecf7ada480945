/* Running a delegate plugin the way a runtime does (CNI spec §"Delegated plugins"): found in
 * CNI_PATH, same environment with the verb (and, for multicni, the ifname and args) replaced,
 * config on stdin, result or error JSON on stdout, stderr passed through. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "exec.h"

#define OUT_MAX (4u << 20)

extern char **environ;

int exec_find(const char *type, const char *cni_path, char *out, size_t len, struct cni_err *e)
{
	const char *dir = cni_path, *end;
	struct stat st;

	if (!type || !*type || strchr(type, '/') || !strcmp(type, ".") || !strcmp(type, ".."))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "invalid plugin type \"%s\"",
				   type ? type : "");
	if (!cni_path || !*cni_path)
		return cni_err_set(e, CNI_ERR_INVALID_ENV, "CNI_PATH is not set, cannot find "
				   "plugin \"%s\"", type);
	while (dir && *dir) {
		end = strchr(dir, ':');
		size_t dlen = end ? (size_t)(end - dir) : strlen(dir);

		if (dlen && (size_t)snprintf(out, len, "%.*s/%s", (int)dlen, dir, type) < len &&
		    !stat(out, &st) && S_ISREG(st.st_mode) && !access(out, X_OK))
			return 0;
		dir = end ? end + 1 : NULL;
	}
	cni_err_set(e, CNI_ERR_DELEGATE, "plugin \"%s\" not found", type);
	cni_err_details(e, "searched CNI_PATH=%s", cni_path);
	return -1;
}

static void env_free(char **env)
{
	if (!env)
		return;
	for (size_t i = 0; env[i]; i++)
		free(env[i]);
	free(env);
}

/* The environment of the delegate: ours, with the CNI_* variables the caller overrides.
 * Every entry is a copy, so one free releases all of it. */
static char **env_build(const struct exec_env *env)
{
	const char *names[] = { "CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME",
				"CNI_ARGS", "CNI_PATH" };
	const char *values[] = { env->command, env->container_id, env->netns, env->ifname,
				 env->args, env->path };
	size_t n = 0, k = 0;
	char **out;

	while (environ[n])
		n++;
	out = calloc(n + 7, sizeof(*out));
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		bool replaced = false;

		for (size_t j = 0; j < 6; j++) {
			size_t l = strlen(names[j]);

			if (values[j] && !strncmp(environ[i], names[j], l) && environ[i][l] == '=')
				replaced = true;
		}
		if (replaced)
			continue;
		out[k] = strdup(environ[i]);
		if (!out[k++])
			goto fail;
	}
	for (size_t j = 0; j < 6; j++) {
		if (!values[j])
			continue;
		if (asprintf(&out[k], "%s=%s", names[j], values[j]) < 0) {
			out[k] = NULL;
			goto fail;
		}
		k++;
	}
	return out;
fail:
	env_free(out);
	return NULL;
}

/* Feeds stdin and drains stdout together, so neither side blocks on a full pipe. */
static int pump(int in_fd, const char *text, size_t len, int out_fd, char **out,
		struct cni_err *e)
{
	size_t cap = 4096, n = 0, sent = 0;
	char *buf = malloc(cap), *grown;
	struct pollfd p[2];
	ssize_t r;

	if (!buf)
		return cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
	if (len == 0) {
		close(in_fd);
		in_fd = -1;
	}
	for (;;) {
		int np = 0;

		p[np++] = (struct pollfd){ .fd = out_fd, .events = POLLIN };
		if (in_fd >= 0)
			p[np++] = (struct pollfd){ .fd = in_fd, .events = POLLOUT };
		if (poll(p, (nfds_t)np, -1) < 0) {
			if (errno == EINTR)
				continue;
			goto fail_errno;
		}
		if (in_fd >= 0 && p[1].revents) {
			r = write(in_fd, text + sent, len - sent);
			if (r < 0 && errno != EINTR && errno != EAGAIN) {
				/* The delegate closed stdin early (EPIPE): its answer still counts. */
				close(in_fd);
				in_fd = -1;
			} else if (r > 0) {
				sent += (size_t)r;
				if (sent == len) {
					close(in_fd);
					in_fd = -1;
				}
			}
		}
		if (p[0].revents) {
			if (n + 1 >= cap) {
				if (cap >= OUT_MAX) {
					cni_err_set(e, CNI_ERR_DELEGATE, "answer larger than %u bytes",
						    OUT_MAX);
					goto fail;
				}
				cap *= 2;
				grown = realloc(buf, cap);
				if (!grown) {
					cni_err_set(e, CNI_ERR_INTERNAL, "out of memory");
					goto fail;
				}
				buf = grown;
			}
			r = read(out_fd, buf + n, cap - n - 1);
			if (r == 0)
				break;
			if (r < 0) {
				if (errno == EINTR || errno == EAGAIN)
					continue;
				goto fail_errno;
			}
			n += (size_t)r;
		}
	}
	if (in_fd >= 0)
		close(in_fd);
	buf[n] = '\0';
	*out = buf;
	return 0;
fail_errno:
	cni_err_set(e, CNI_ERR_IO, "pipe to delegate: %s", strerror(errno));
fail:
	if (in_fd >= 0)
		close(in_fd);
	free(buf);
	return -1;
}

/* Turns a delegate's failure into our error: its own code and message when it printed the
 * spec's error JSON, else what the exit status tells. */
static void delegate_error(const char *type, const char *out, int status, struct cni_err *e)
{
	cJSON *j = cJSON_Parse(out ? out : "");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(j, "code");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "msg");
	const cJSON *details = cJSON_GetObjectItemCaseSensitive(j, "details");

	if (cJSON_IsNumber(code) && cJSON_IsString(msg)) {
		cni_err_set(e, code->valueint > 0 ? code->valueint : CNI_ERR_DELEGATE, "%s: %s",
			    type, msg->valuestring);
		if (cJSON_IsString(details) && *details->valuestring)
			cni_err_details(e, "%s", details->valuestring);
	} else if (WIFSIGNALED(status)) {
		cni_err_set(e, CNI_ERR_DELEGATE, "%s: killed by signal %d", type, WTERMSIG(status));
	} else {
		cni_err_set(e, CNI_ERR_DELEGATE, "%s: exited with status %d and no error JSON", type,
			    WEXITSTATUS(status));
	}
	cJSON_Delete(j);
}

int exec_plugin(const char *type, const struct exec_env *env, const char *stdin_text,
		size_t stdin_len, char **out, struct cni_err *e)
{
	char path[4096], *argv[2], **envp = NULL, *answer = NULL;
	int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 }, status = 0, ret = -1, err;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
	sigset_t dflt;
	pid_t pid = -1;
	bool fa_init = false, attr_init = false, sig_set = false;

	*out = NULL;
	if (exec_find(type, env->path, path, sizeof(path), e))
		return -1;
	envp = env_build(env);
	if (!envp || pipe2(in_pipe, O_CLOEXEC) || pipe2(out_pipe, O_CLOEXEC)) {
		cni_err_set(e, CNI_ERR_INTERNAL, "cannot prepare to run %s: %s", type,
			    strerror(errno));
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa) || (fa_init = true, false) ||
	    posix_spawn_file_actions_adddup2(&fa, in_pipe[0], STDIN_FILENO) ||
	    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], STDOUT_FILENO) ||
	    posix_spawnattr_init(&attr) || (attr_init = true, false)) {
		cni_err_set(e, CNI_ERR_INTERNAL, "cannot prepare to run %s", type);
		goto out;
	}
	/* We ignore SIGPIPE while feeding stdin; the delegate must not inherit that. */
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	argv[0] = path;
	argv[1] = NULL;
	/* A binary being replaced by an upgrade answers ETXTBSY for a moment (libcni retries). */
	for (int attempt = 0;; attempt++) {
		err = posix_spawn(&pid, path, &fa, &attr, argv, envp);
		if (err != ETXTBSY || attempt == 5)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
	}
	if (err) {
		cni_err_set(e, CNI_ERR_DELEGATE, "cannot run %s: %s", path, strerror(err));
		goto out;
	}
	close(in_pipe[0]);
	close(out_pipe[1]);
	in_pipe[0] = out_pipe[1] = -1;
	/* Our ends only: a blocking write of a large config would wait for the delegate to read
	 * it all while the delegate waits for us to drain its answer. */
	if (fcntl(in_pipe[1], F_SETFL, O_NONBLOCK) || fcntl(out_pipe[0], F_SETFL, O_NONBLOCK)) {
		cni_err_set(e, CNI_ERR_INTERNAL, "cannot set up pipes to %s: %s", type,
			    strerror(errno));
		goto out;
	}
	sigaction(SIGPIPE, &ign, &old_pipe);
	sig_set = true;
	err = pump(in_pipe[1], stdin_text, stdin_len, out_pipe[0], &answer, e);
	in_pipe[1] = -1;   /* pump closed it */
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			cni_err_set(e, CNI_ERR_INTERNAL, "waitpid %s: %s", type, strerror(errno));
			goto out;
		}
	}
	pid = -1;
	if (err)
		goto out;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		delegate_error(type, answer, status, e);
		goto out;
	}
	*out = answer;
	answer = NULL;
	ret = 0;
out:
	if (sig_set)
		sigaction(SIGPIPE, &old_pipe, NULL);
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	free(answer);
	for (int i = 0; i < 2; i++) {
		if (in_pipe[i] >= 0)
			close(in_pipe[i]);
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
	}
	if (fa_init)
		posix_spawn_file_actions_destroy(&fa);
	if (attr_init)
		posix_spawnattr_destroy(&attr);
	env_free(envp);
	return ret;
}

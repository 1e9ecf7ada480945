/* Per-attachment state files: written so a crash or a concurrent reader never sees half a
 * record, and named so that nothing taken from the environment can lead outside the folder. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "state.h"

/* A record is a few hundred bytes; anything near this size is not one of ours. */
#define STATE_MAX_BYTES (1024 * 1024)
/* Room the temp name adds to the record name: ".", ".tmp." and a pid. */
#define TEMP_EXTRA 16

#define ID_RULE "^[A-Za-z0-9][A-Za-z0-9_.-]*$"

int state_dir(const char *binary, const char *override, char *out, size_t len, struct cni_err *e)
{
	int n;

	if (override && *override)
		n = snprintf(out, len, "%s", override);
	else if (binary && *binary && !strchr(binary, '/'))
		n = snprintf(out, len, "%s/%s", STATE_ROOT, binary);
	else
		return cni_err_set(e, CNI_ERR_INTERNAL, "state: bad binary name \"%s\"",
				   binary ? binary : "(null)");
	if (n < 0 || (size_t)n >= len)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
				   "state directory %.64s... is too long (at most %zu bytes)",
				   override && *override ? override : STATE_ROOT, len - 1);
	return 0;
}

int state_dir_ensure(const char *dir, struct cni_err *e)
{
	char path[PATH_MAX];
	struct stat st;
	size_t n = strlen(dir), i;

	if (n == 0 || n >= sizeof(path))
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG, "state directory \"%.64s\" is %s", dir,
				   n ? "too long" : "empty");
	memcpy(path, dir, n + 1);
	/* Parents too, each created 0700; existing ones keep the mode their owner gave them. */
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		if (path[i - 1] == '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return cni_err_set(e, CNI_ERR_STATE, "cannot create state directory %s: %s",
					   path, strerror(errno));
		path[i] = dir[i];
	}
	if (stat(dir, &st) < 0)
		return cni_err_set(e, CNI_ERR_STATE, "cannot create state directory %s: %s", dir,
				   strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return cni_err_set(e, CNI_ERR_STATE, "state directory %s exists and is not a directory",
				   dir);
	return 0;
}

static int valid_id(const char *id)
{
	const char *p;

	if (!id || !isalnum((unsigned char)id[0]))
		return 0;
	for (p = id + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return 0;
	return 1;
}

static int valid_ifname(const char *ifname)
{
	const char *p;
	size_t n;

	if (!ifname)
		return 0;
	n = strlen(ifname);
	if (n == 0 || n > 15 || strcmp(ifname, ".") == 0 || strcmp(ifname, "..") == 0)
		return 0;
	for (p = ifname; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return 0;
	return 1;
}

int state_path(const char *dir, const char *id, const char *ifname, char *out, size_t len,
	       struct cni_err *e)
{
	int n;

	if (!valid_id(id))
		return cni_err_set(e, CNI_ERR_INVALID_ENV,
				   "invalid container ID \"%.64s\": must match %s", id ? id : "",
				   ID_RULE);
	if (!valid_ifname(ifname))
		return cni_err_set(e, CNI_ERR_INVALID_ENV,
				   "invalid interface name \"%.64s\": 1-15 bytes, not \".\" or "
				   "\"..\", no '/', ':' or whitespace", ifname ? ifname : "");
	/* The temp file's name must fit NAME_MAX as well as the record's. */
	if (strlen(id) + 1 + strlen(ifname) + strlen(".json") + TEMP_EXTRA > NAME_MAX)
		return cni_err_set(e, CNI_ERR_INVALID_ENV, "container ID \"%.64s...\" is too long",
				   id);
	n = snprintf(out, len, "%s/%s-%s.json", dir, id, ifname);
	if (n < 0 || (size_t)n >= len)
		return cni_err_set(e, CNI_ERR_INVALID_CONFIG,
				   "state directory %.64s... is too long for a record path", dir);
	return 0;
}

/* Reads at most max bytes of fd; failures are reported with `code` and name `path`. */
static int read_fd_all(int fd, const char *path, size_t max, int code, char **out, size_t *len,
		       struct cni_err *e)
{
	size_t cap = 4096, used = 0, limit;
	char *buf = NULL, *bigger;
	struct stat st;
	ssize_t n;
	int ret = -1;

	if (max > SIZE_MAX - 2)
		max = SIZE_MAX - 2;
	/* One byte past max tells "exactly max" from "larger". */
	limit = max + 1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((unsigned long long)st.st_size > max) {
			cni_err_set(e, code, "%s is larger than %zu bytes", path, max);
			goto out;
		}
		cap = (size_t)st.st_size + 1;
	}
	if (cap > limit)
		cap = limit;
	buf = malloc(cap + 1);
	if (!buf) {
		cni_err_set(e, CNI_ERR_INTERNAL, "cannot read %s: out of memory", path);
		goto out;
	}
	for (;;) {
		if (used == cap) {
			if (cap >= limit)
				break;
			cap = cap > limit / 2 ? limit : cap * 2;
			bigger = realloc(buf, cap + 1);
			if (!bigger) {
				cni_err_set(e, CNI_ERR_INTERNAL, "cannot read %s: out of memory", path);
				goto out;
			}
			buf = bigger;
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cni_err_set(e, code, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > max) {
		cni_err_set(e, code, "%s is larger than %zu bytes", path, max);
		goto out;
	}
	buf[used] = '\0';
	*out = buf;
	buf = NULL;
	if (len)
		*len = used;
	ret = 0;
out:
	free(buf);
	return ret;
}

int file_read_all(const char *path, size_t max, char **out, size_t *len, struct cni_err *e)
{
	int fd, ret;

	*out = NULL;
	if (len)
		*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cni_err_set(e, CNI_ERR_IO, "cannot read %s: %s", path, strerror(errno));
	ret = read_fd_all(fd, path, max, CNI_ERR_IO, out, len, e);
	close(fd);
	return ret;
}

/* 0 and *out set, 1 when the file does not exist, -1 on error. Never follows a symlink and
 * never opens anything but a regular file (a FIFO planted there would hang the plugin). */
static int record_load(const char *path, cJSON **out, struct cni_err *e)
{
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	int fd, ret = -1;

	*out = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		if (errno == ELOOP)
			return cni_err_set(e, CNI_ERR_STATE,
					   "state file %s is a symbolic link; refusing to follow it",
					   path);
		return cni_err_set(e, CNI_ERR_STATE, "cannot read state file %s: %s", path,
				   strerror(errno));
	}
	if (fstat(fd, &st) < 0) {
		cni_err_set(e, CNI_ERR_STATE, "cannot read state file %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		cni_err_set(e, CNI_ERR_STATE, "state file %s is not a regular file", path);
		goto out;
	}
	if (read_fd_all(fd, path, STATE_MAX_BYTES, CNI_ERR_STATE, &text, &len, e) < 0)
		goto out;
	*out = cJSON_ParseWithLength(text, len);
	if (!*out || !cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		cni_err_set(e, CNI_ERR_STATE, "state file %s is not a JSON object", path);
		goto out;
	}
	ret = 0;
out:
	free(text);
	close(fd);
	return ret;
}

/* "a-b" + "c" and "a" + "b-c" share a file name; the fields inside tell whose record it is.
 * A record without them (not written here) cannot be told apart and is taken as a match. */
static int record_belongs_to(const cJSON *record, const char *id, const char *ifname)
{
	const char *rid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(record,
										 "containerID"));
	const char *rif = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(record, "ifname"));

	return (!rid || strcmp(rid, id) == 0) && (!rif || strcmp(rif, ifname) == 0);
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int state_write_atomic(const char *dir, const char *id, const char *ifname, const cJSON *record,
		       struct cni_err *e)
{
	char path[PATH_MAX], temp[PATH_MAX];
	cJSON *copy = NULL, *existing = NULL;
	char *text = NULL;
	int fd = -1, dfd = -1, temp_made = 0, ret = -1, n;

	if (state_path(dir, id, ifname, path, sizeof(path), e) < 0)
		goto out;
	if (!cJSON_IsObject(record)) {
		cni_err_set(e, CNI_ERR_INTERNAL, "state record for %s is not a JSON object", path);
		goto out;
	}
	/* Only a readable record of another attachment stops us; anything else at the path
	 * (bad JSON, a symlink) is replaced by the rename, which never follows a link. */
	if (record_load(path, &existing, NULL) == 0 && !record_belongs_to(existing, id, ifname)) {
		cni_err_set(e, CNI_ERR_STATE, "state file %s belongs to container %s interface %s",
			    path, cJSON_GetStringValue(cJSON_GetObjectItem(existing, "containerID")),
			    cJSON_GetStringValue(cJSON_GetObjectItem(existing, "ifname")));
		goto out;
	}

	copy = cJSON_Duplicate(record, 1);
	if (!copy)
		goto oom;
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "containerID");
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "ifname");
	if (!cJSON_AddStringToObject(copy, "containerID", id) ||
	    !cJSON_AddStringToObject(copy, "ifname", ifname))
		goto oom;
	text = cJSON_Print(copy);
	if (!text)
		goto oom;

	n = snprintf(temp, sizeof(temp), "%s/.%s-%s.json.tmp.%ld", dir, id, ifname,
		     (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(temp)) {
		cni_err_set(e, CNI_ERR_INVALID_CONFIG,
			    "state directory %.64s... is too long for a record path", dir);
		goto out;
	}
	fd = open(temp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	/* Left by a crashed process that had our pid: no one else can be writing it. */
	if (fd < 0 && errno == EEXIST && unlink(temp) == 0)
		fd = open(temp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		cni_err_set(e, CNI_ERR_STATE, "cannot write state file %s: create %s: %s", path, temp,
			    strerror(errno));
		goto out;
	}
	temp_made = 1;
	if (write_all(fd, text, strlen(text)) < 0 || write_all(fd, "\n", 1) < 0) {
		cni_err_set(e, CNI_ERR_STATE, "cannot write state file %s: write: %s", path,
			    strerror(errno));
		goto out;
	}
	if (fsync(fd) < 0) {
		cni_err_set(e, CNI_ERR_STATE, "cannot write state file %s: fsync: %s", path,
			    strerror(errno));
		goto out;
	}
	n = close(fd);
	fd = -1;
	if (n < 0) {
		cni_err_set(e, CNI_ERR_STATE, "cannot write state file %s: close: %s", path,
			    strerror(errno));
		goto out;
	}
	if (rename(temp, path) < 0) {
		cni_err_set(e, CNI_ERR_STATE, "cannot write state file %s: rename: %s", path,
			    strerror(errno));
		goto out;
	}
	temp_made = 0;
	/* Without this the rename itself may not survive a crash. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		cni_err_set(e, CNI_ERR_STATE, "cannot write state file %s: fsync %s: %s", path, dir,
			    strerror(errno));
		goto out;
	}
	ret = 0;
	goto out;
oom:
	cni_err_set(e, CNI_ERR_INTERNAL, "cannot write state file %s: out of memory", path);
out:
	if (fd >= 0)
		close(fd);
	if (temp_made)
		unlink(temp);
	if (dfd >= 0)
		close(dfd);
	cJSON_free(text);
	cJSON_Delete(copy);
	cJSON_Delete(existing);
	return ret;
}

int state_read(const char *dir, const char *id, const char *ifname, cJSON **out, struct cni_err *e)
{
	char path[PATH_MAX];
	int ret;

	*out = NULL;
	if (state_path(dir, id, ifname, path, sizeof(path), e) < 0)
		return -1;
	ret = record_load(path, out, e);
	if (ret == 0 && !record_belongs_to(*out, id, ifname)) {
		cJSON_Delete(*out);
		*out = NULL;
		ret = 1;
	}
	return ret;
}

/* The temp files of this record that a writer killed before its rename left behind (found by
 * the soak: SIGKILL mid-ADD). Only those of processes that no longer exist. */
static void temps_remove(const char *dir, const char *id, const char *ifname)
{
	char prefix[PATH_MAX];
	struct dirent *d;
	DIR *dh;
	int n = snprintf(prefix, sizeof(prefix), ".%s-%s.json.tmp.", id, ifname);

	if (n < 0 || (size_t)n >= sizeof(prefix) || !(dh = opendir(dir)))
		return;
	while ((d = readdir(dh))) {
		char *end;
		long pid;

		if (strncmp(d->d_name, prefix, (size_t)n))
			continue;
		pid = strtol(d->d_name + n, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid() ||
		    !(kill((pid_t)pid, 0) < 0 && errno == ESRCH))
			continue;
		if (unlinkat(dirfd(dh), d->d_name, 0) == 0)
			log_info("removed %s/%s, left by a writer that died", dir, d->d_name);
	}
	closedir(dh);
}

int state_remove(const char *dir, const char *id, const char *ifname, struct cni_err *e)
{
	char path[PATH_MAX];
	cJSON *existing = NULL;
	int found;

	if (state_path(dir, id, ifname, path, sizeof(path), e) < 0)
		return -1;
	/* Only another attachment's record survives; one we cannot read is ours to clear. */
	found = record_load(path, &existing, NULL);
	if (found == 0 && !record_belongs_to(existing, id, ifname)) {
		cJSON_Delete(existing);
		return 0;
	}
	cJSON_Delete(existing);
	if (unlink(path) < 0 && errno != ENOENT)
		return cni_err_set(e, CNI_ERR_STATE, "cannot remove state file %s: %s", path,
				   strerror(errno));
	temps_remove(dir, id, ifname);
	return 0;
}

static int is_record_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	/* Temp files start with '.'; so do "." and "..". */
	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

int state_foreach(const char *dir, state_each_fn fn, void *arg, struct cni_err *e)
{
	struct dirent **names = NULL;
	char path[PATH_MAX], expect[NAME_MAX + 1];
	struct cni_err skip = { 0 };
	cJSON *record = NULL;
	const char *id, *ifname;
	int count, i, ret = -1, rc;

	/* The listing is taken once up front, so fn may remove records (GC) as the walk goes. */
	count = scandir(dir, &names, is_record_name, alphasort);
	if (count < 0) {
		if (errno == ENOENT)
			return 0;
		return cni_err_set(e, CNI_ERR_STATE, "cannot list state directory %s: %s", dir,
				   strerror(errno));
	}
	for (i = 0; i < count; i++) {
		rc = snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (rc < 0 || (size_t)rc >= sizeof(path))
			continue;
		if (record_load(path, &record, &skip) != 0) {
			if (skip.code)
				log_warn("skipping: %s", skip.msg);
			cni_err_clear(&skip);
			continue;
		}
		id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(record, "containerID"));
		ifname = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(record, "ifname"));
		rc = valid_id(id) && valid_ifname(ifname) ?
			     snprintf(expect, sizeof(expect), "%s-%s.json", id, ifname) : -1;
		/* A copy under another name would be visited, yet never found by its id. */
		if (rc < 0 || (size_t)rc >= sizeof(expect) ||
		    strcmp(expect, names[i]->d_name) != 0) {
			log_warn("skipping: state file %s: containerID and ifname do not match its name",
				 path);
			cJSON_Delete(record);
			record = NULL;
			continue;
		}
		rc = fn(id, ifname, record, arg);
		cJSON_Delete(record);
		record = NULL;
		if (rc != 0) {
			ret = rc;
			goto out;
		}
	}
	ret = 0;
out:
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return ret;
}

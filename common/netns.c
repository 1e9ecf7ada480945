/* Network namespaces by path. A plugin enters the pod's namespace to work on its links (a
 * netlink socket opened there stays bound to it) and must always come back. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include "netns.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

int netns_open(const char *path, int *fd, struct cni_err *e)
{
	struct statfs fs;
	int nsfd;

	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		if (errno == ENOENT)
			return cni_err_set(e, CNI_ERR_UNKNOWN_CONTAINER,
					   "network namespace %s does not exist", path);
		return cni_err_set(e, CNI_ERR_IO, "cannot open network namespace %s: %s", path,
				   strerror(errno));
	}
	/* /proc/PID/ns/net is on nsfs; a bind-mounted /run/netns/x is too. Anything else
	 * (a plain file, a directory) is a runtime bug we must not setns into. */
	if (fstatfs(nsfd, &fs) || (fs.f_type != NSFS_MAGIC && fs.f_type != PROC_SUPER_MAGIC)) {
		close(nsfd);
		return cni_err_set(e, CNI_ERR_INVALID_ENV, "%s is not a network namespace", path);
	}
	*fd = nsfd;
	return 0;
}

int netns_open_current(int *fd, struct cni_err *e)
{
	return netns_open("/proc/self/ns/net", fd, e);
}

int netns_enter(int fd, struct cni_err *e)
{
	if (setns(fd, CLONE_NEWNET))
		return cni_err_set(e, CNI_ERR_IO, "cannot enter network namespace: %s",
				   strerror(errno));
	return 0;
}

int netns_switch(int fd, int *saved, struct cni_err *e)
{
	if (netns_open_current(saved, e))
		return -1;
	if (netns_enter(fd, e)) {
		close(*saved);
		*saved = -1;
		return -1;
	}
	return 0;
}

void netns_return(int saved)
{
	if (saved < 0)
		return;
	if (setns(saved, CLONE_NEWNET)) {
		fprintf(stderr, "fatal: cannot return to the original network namespace: %s\n",
			strerror(errno));
		abort();
	}
	close(saved);
}

void netns_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

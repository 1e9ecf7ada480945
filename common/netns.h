/* Network namespaces: open a path, enter it, and come back. Plugins are single-threaded
 * one-shot processes, so setns on the process's thread is enough. */
#ifndef VDN_NETNS_H
#define VDN_NETNS_H
#include "err.h"

/* Opens a netns path (/run/netns/x, /proc/PID/ns/net) and checks it is one.
 * Error 3 (unknown container) when it does not exist. */
int netns_open(const char *path, int *fd, struct cni_err *e);
/* Opens the current netns, to come back to. */
int netns_open_current(int *fd, struct cni_err *e);
int netns_enter(int fd, struct cni_err *e);
/* Enters `fd` and remembers where we were in *saved (caller passes it to netns_return). */
int netns_switch(int fd, int *saved, struct cni_err *e);
/* Goes back and closes `saved`; a failure here is fatal for the process (it would run the
 * rest of its work in the wrong namespace), so it aborts. */
void netns_return(int saved);
void netns_close(int fd);

#endif

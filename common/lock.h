/* An exclusive advisory lock on a file, held by an open descriptor (flock). */
#ifndef VDN_LOCK_H
#define VDN_LOCK_H
#include "err.h"

/* Blocks until the lock on `path` (created 0600 if needed) is held, or timeout_ms passes
 * (error 11, try again later). Returns the descriptor to hand to lock_release. */
int lock_acquire(const char *path, int timeout_ms, struct cni_err *e);
void lock_release(int fd);

#endif

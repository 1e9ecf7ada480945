/* Atomic per-attachment state files: <dir>/<containerid>-<ifname>.json, mode 0600 in a 0700
 * folder, written to a temp file, fsynced and renamed so a crash never leaves half a record. */
#ifndef VDN_STATE_H
#define VDN_STATE_H
#include <stddef.h>
#include <cjson/cJSON.h>
#include "err.h"

#define STATE_ROOT "/var/lib/cni/vdn"

/* Fills `out` with `override` if set, else STATE_ROOT/<binary>. */
int state_dir(const char *binary, const char *override, char *out, size_t len, struct cni_err *e);
/* Creates the folder (and parents) with mode 0700. */
int state_dir_ensure(const char *dir, struct cni_err *e);
/* Validates id and ifname (no '/', no "..") and fills the record path. */
int state_path(const char *dir, const char *id, const char *ifname, char *out, size_t len,
	       struct cni_err *e);
/* Writes a copy of record with "containerID" and "ifname" added. */
int state_write_atomic(const char *dir, const char *id, const char *ifname, const cJSON *record,
		       struct cni_err *e);
/* 0 and *out set when found; 1 and *out NULL when no record exists (also when the file holds
 * the record of another id/ifname pair with the same file name); -1 on error. */
int state_read(const char *dir, const char *id, const char *ifname, cJSON **out, struct cni_err *e);
/* Missing is not an error. */
int state_remove(const char *dir, const char *id, const char *ifname, struct cni_err *e);

/* Calls fn for each record in dir, in file-name order, with the id and ifname stored in the
 * record (both may contain '-', so the file name alone is ambiguous). The record is freed when
 * fn returns; fn may remove it. A non-zero return from fn stops the walk and is returned as is.
 * Temp files and files that are not records written by state_write_atomic are skipped. */
typedef int (*state_each_fn)(const char *id, const char *ifname, cJSON *record, void *arg);
int state_foreach(const char *dir, state_each_fn fn, void *arg, struct cni_err *e);

/* Reads a whole file (bounded by max bytes) into a NUL-terminated buffer. */
int file_read_all(const char *path, size_t max, char **out, size_t *len, struct cni_err *e);

#endif

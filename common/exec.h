/* Running another CNI plugin (an IPAM, or a multicni delegate) found in CNI_PATH, with this
 * process's environment plus overrides, the config on stdin and the answer from stdout. */
#ifndef VDN_EXEC_H
#define VDN_EXEC_H
#include <stddef.h>
#include "err.h"

struct exec_env {
	const char *command;       /* CNI_COMMAND (required) */
	const char *container_id;  /* NULL = inherit */
	const char *netns;
	const char *ifname;
	const char *args;          /* CNI_ARGS */
	const char *path;          /* CNI_PATH to search and pass on */
};

/* Finds `type` in the ':'-separated `cni_path` (first regular executable file wins).
 * Error 7 when type has a '/', 102 when not found. */
int exec_find(const char *type, const char *cni_path, char *out, size_t len, struct cni_err *e);
/* Runs the plugin; *out gets its stdout (NUL-terminated, may be empty, caller frees).
 * A non-zero exit turns the plugin's error JSON into `e` (its code, "type: msg");
 * no JSON → 102 with the exit status. */
int exec_plugin(const char *type, const struct exec_env *env, const char *stdin_text,
		size_t stdin_len, char **out, struct cni_err *e);

#endif

/* The plugin skeleton: one entry point that reads the environment and stdin, validates them,
 * dispatches to the plugin's verbs, and prints the result or the spec's error JSON. */
#ifndef VDN_CNI_H
#define VDN_CNI_H
#include <stdbool.h>
#include "args.h"
#include "conf.h"
#include "err.h"
#include "result.h"

enum cni_cmd { CNI_CMD_ADD, CNI_CMD_DEL, CNI_CMD_CHECK, CNI_CMD_STATUS, CNI_CMD_GC,
	       CNI_CMD_VERSION };

struct cni_ctx {
	enum cni_cmd cmd;
	const char *command;       /* "ADD", "DEL", ... */
	const char *container_id;  /* NULL when unset (STATUS, GC) */
	const char *netns;         /* NULL or "" when unset (DEL may omit it) */
	const char *ifname;
	const char *path;          /* CNI_PATH, NULL when unset */
	struct cni_args args;
	struct cni_conf conf;
	const char *stdin_text;    /* the config exactly as received */
	size_t stdin_len;
	const char *prog;          /* plugin name */
	char state_dir[256];       /* conf stateDir or /var/lib/cni/vdn/<prog> */
};

struct cni_plugin {
	const char *name;
	const char *const *args_known;   /* CNI_ARGS keys understood, NULL-terminated */
	int (*add)(struct cni_ctx *c, struct cni_result **out, struct cni_err *e);
	int (*del)(struct cni_ctx *c, struct cni_err *e);
	int (*check)(struct cni_ctx *c, struct cni_err *e);
	int (*status)(struct cni_ctx *c, struct cni_err *e);
	int (*gc)(struct cni_ctx *c, struct cni_err *e);
};

/* Returns the process exit status. */
int cni_main(const struct cni_plugin *p, int argc, char **argv);

/* GC: true when (id, ifname) is listed in cni.dev/valid-attachments or cni.dev/attachments. */
bool cni_gc_attachment_valid(const struct cni_ctx *c, const char *id, const char *ifname);

/* CHECK: the index of the prevResult interface this attachment made (name CNI_IFNAME, in
 * CNI_NETNS). -1 with error 7 when prevResult is missing, 104 when it has no such interface. */
int cni_check_prev_iface(const struct cni_ctx *c, struct cni_err *e);

/* Prints the error JSON (spec shape, with cniVersion) to stdout. */
void cni_print_error(const char *version, const struct cni_err *e);

#endif

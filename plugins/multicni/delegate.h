/* The delegates of one attachment: the config each one is given, running them as a runtime
 * does (ADD in order, DEL in reverse, prevResult from their own answers), and the plan that
 * the cache keeps so DEL, CHECK and GC never need the pod or the API server again. */
#ifndef MC_DELEGATE_H
#define MC_DELEGATE_H
#include <stdbool.h>
#include <cjson/cJSON.h>
#include "cni.h"
#include "config.h"
#include "select.h"

struct mc_delegate {
	char *plugin;       /* the plugins[].name it was chosen by */
	char *type;
	char *network;      /* its name in network-status */
	char ifname[16];
	char *cni_args;     /* the CNI_ARGS it runs with */
	cJSON *conf;        /* its whole network config, as given on stdin */
	cJSON *result;      /* its ADD answer; NULL until that succeeded */
};

/* What one multicni attachment (container id + CNI_IFNAME) consists of. */
struct mc_plan {
	char *cni_version;
	char *network;      /* multicni's own network name */
	char *netns;        /* the ADD's CNI_NETNS */
	char *pod_namespace;/* NULL when there was no pod */
	char *pod_name;
	bool complete;      /* every ADD succeeded */
	struct mc_delegate *d;
	int n;
};

void plan_free(struct mc_plan *plan);

/* Builds the delegate configs for a selection: the plugin object with multicni's name and
 * cniVersion, args.cni from the plugin, vdn-id annotation and cni-args, runtimeConfig mac/ips.
 * annotations may be NULL. */
int plan_build(const struct cni_ctx *c, const struct mc_conf *mc, const struct mc_selection *sel,
	       const cJSON *annotations, struct mc_plan *plan, struct cni_err *e);

/* A plugin's config as every verb gives it: the object with name and cniVersion injected. */
cJSON *delegate_conf_new(const struct cni_ctx *c, const struct mc_plugin *p, struct cni_err *e);

/* Error 4 when one of the plan's interface names already exists in the pod: it is not ours,
 * and the rollback of a failed ADD must never delete it. */
int plan_check_ifnames_free(const char *netns, const struct mc_plan *plan, struct cni_err *e);

/* ADD of every delegate in order, each result kept in the plan and merged into *merged.
 * On failure, *failed is the index of the delegate that failed and e its error. */
int delegates_add(const struct cni_ctx *c, struct mc_plan *plan, struct cni_result **merged,
		  int *failed, struct cni_err *e);

/* DEL of delegates last..0 in reverse order, every one tried. The plan keeps exactly the
 * delegates whose DEL failed (delegates after `last` were never added and are dropped).
 * Returns how many failed; e holds the first failure. */
int delegates_del(const char *cni_path, struct mc_plan *plan, int last, const char *container_id,
		  const char *netns, struct cni_err *e);

/* CHECK of every delegate against its own cached result. */
int delegates_check(const struct cni_ctx *c, const struct mc_plan *plan, struct cni_err *e);

/* Runs `command` (STATUS or GC) of one delegate with its config (not consumed). */
int delegate_exec_simple(const char *cni_path, const char *type, const char *command,
			 const cJSON *conf, struct cni_err *e);

#endif

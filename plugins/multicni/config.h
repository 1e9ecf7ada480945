/* multicni's own keys (DESIGN.md §6): the delegates it may run, the one used when a pod asks
 * for nothing, and how it reaches the Kubernetes API. */
#ifndef MC_CONFIG_H
#define MC_CONFIG_H
#include <stdbool.h>
#include <cjson/cJSON.h>
#include "cni.h"

#define MC_API_TIMEOUT_DEFAULT_MS 5000L

/* One entry of "plugins": a delegate a pod may select by its name. */
struct mc_plugin {
	const char *name;
	const char *type;
	const cJSON *conf;      /* the object as written, inside the network config */
};

struct mc_conf {
	const char *kubeconfig;         /* NULL or "": the service account when in a cluster */
	int default_plugin;             /* index into plugins */
	struct mc_plugin *plugins;
	int n_plugins;
	long api_timeout_ms;            /* all API calls of one invocation together */
	bool network_status;
};

/* Reads and validates the keys; errors are 7 and name the key. Points into c->conf.root. */
int mc_conf_load(const struct cni_ctx *c, struct mc_conf *mc, struct cni_err *e);
void mc_conf_free(struct mc_conf *mc);
/* Index of the plugin called `name`, or -1. */
int mc_conf_find(const struct mc_conf *mc, const char *name);
/* "macvlan, host-device": the names a pod may ask for, for error messages. */
void mc_conf_names(const struct mc_conf *mc, char *out, size_t len);

#endif

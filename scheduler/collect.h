/* The live inputs of a decision (DESIGN §7 "Live inputs"): every region's nodes and pods and
 * ONOS's view of the network, fetched in parallel within timeoutMs, and turned into the
 * score_input of score.h. Nothing here changes a cluster or ONOS. */
#ifndef VDNO_COLLECT_H
#define VDNO_COLLECT_H
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "config.h"
#include "err.h"
#include "kubeconfig.h"
#include "onos.h"
#include "request.h"
#include "score.h"
#include "usage.h"

struct region_live {
	const struct region_config *config;
	struct kubeconfig *kc;          /* NULL when the kubeconfig could not be loaded */
	bool reachable;                 /* every call asked of it answered */
	char reason[512];               /* why not, when !reachable */
	bool have_usage;
	struct region_usage usage;      /* with collect_opts.usage */
	cJSON *pods;                    /* the PodList fetched; NULL when unreachable */
	const char *device;             /* access device of config->mac_address; NULL unknown */
};

struct collect_opts {
	bool usage;                     /* GET nodes + every pod: free resources per node */
	const char *pod_selector;       /* without usage: the pods with this label selector */
	bool topology;                  /* ONOS hosts and devices; links and load for the users */
	bool intents;                   /* ONOS intents of the appId */
	const struct sched_request *request;  /* user hosts to locate; NULL for none */
};

struct live {
	const struct sched_config *config;
	struct region_live *regions;    /* in config order */
	size_t n_regions;

	/* ONOS: onos_ok when every input asked of it arrived; otherwise onos_reason says why
	 * and, for topology, the location term is degraded (U = 0, cities from --host). */
	bool onos_asked;
	bool onos_ok;
	char onos_reason[640];
	struct onos_host *hosts;
	size_t n_hosts;
	struct onos_device *devices;
	size_t n_devices;
	struct onos_port_delta *deltas;
	size_t n_deltas;
	struct onos_intent *intents;
	size_t n_intents;

	/* the score input (live_score_input), owned here */
	struct score_region *score_regions;
	struct score_user *users;
	size_t n_users;
	struct score_link *links;
	size_t n_links;
	char **link_ends;               /* 2 per link: src, dst ("of:…/4") */
	struct score_path *paths;       /* n_users × n_regions, NULL when degraded */
	size_t *path_links;

	char **warnings;                /* things the operator should know, not failures */
	size_t n_warnings;
	long elapsed_ms;
};

/* Fetches what opts asks for. Unreachable regions and an unreachable ONOS are results,
 * not errors; -1 only for local failures (out of memory, a thread that cannot start). */
int collect_live(const struct sched_config *config, const struct collect_opts *opts,
		 struct live *live, struct cni_err *e);
void live_free(struct live *live);

/* The decision's input over the live data; points into live and request. */
void live_score_input(const struct live *live, const struct sched_request *request,
		      struct score_input *in);

/* The region of that id, NULL when none. */
struct region_live *live_region(struct live *live, const char *id);

/* Adds a warning (printf-style); out of memory drops it. */
void live_warn(struct live *live, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* metadata.labels[key] / metadata.annotations[key] of a pod, NULL when absent. */
const char *pod_label(const cJSON *pod, const char *key);
const char *pod_annotation(const cJSON *pod, const char *key);
const char *pod_name(const cJSON *pod);
const char *pod_namespace(const cJSON *pod);

#endif
